/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the relay SMTP client: fuzzed server replies in fuzzed
 * chunks, partial writes and clock ticks, and a caller that drives MAIL,
 * RCPT, DATA, the body, RSET and QUIT as the state allows. Checks that the
 * output is whole CRLF lines, that every command goes out in an order the
 * state machine allows, that every event answers the oldest command written,
 * that each call's return code is the one a model predicts, and that
 * streaming dot-stuffing matches a reference. Aborts on any broken
 * invariant. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HELO_NAME "client.fuzz"
#define N_WANT 20
#define N_FIFO 40

/* check aborts naming the line of the broken invariant. */
#define check(ok) check_at((ok), __LINE__)

static void
check_at(int ok, int line)
{
    if (!ok) {
        fprintf(stderr, "fuzz_smtp_client.c:%d: invariant broken\n", line);
        abort();
    }
}

struct rng {
    uint32_t x;
};

static uint32_t
next(struct rng *r)
{
    r->x ^= r->x << 13;
    r->x ^= r->x >> 17;
    r->x ^= r->x << 5;
    return r->x;
}

/* What the caller knows: the commands written whose replies are awaited,
 * the commands queued but not written yet, the line being written. */
struct model {
    enum smtp_cmd fifo[N_FIFO];
    size_t n_fifo;
    char want[N_WANT][320];
    enum smtp_cmd want_cmd[N_WANT];
    size_t want_head;
    size_t n_want;
    char line[1024];
    size_t line_len;
    size_t n_lines;
    enum smtp_cmd last_line;
    bool helo_seen;
    bool quit_allowed; /* a refusal that queues QUIT was reported */
    bool quit_seen;
    bool closed;
    bool tls_ehlo; /* the handshake "completed": EHLO comes again (RFC 3207 4.2) */
};

static void
fifo_push(struct model *m, enum smtp_cmd cmd)
{
    check(m->n_fifo < N_FIFO);
    m->fifo[m->n_fifo++] = cmd;
}

static enum smtp_cmd
fifo_pop(struct model *m)
{
    check(m->n_fifo > 0);
    enum smtp_cmd cmd = m->fifo[0];
    memmove(m->fifo, m->fifo + 1, (m->n_fifo - 1) * sizeof(m->fifo[0]));
    m->n_fifo--;
    return cmd;
}

static void
want_push(struct model *m, enum smtp_cmd cmd, const char *line)
{
    check(m->n_want < N_WANT);
    size_t k = (m->want_head + m->n_want) % N_WANT;
    snprintf(m->want[k], sizeof(m->want[k]), "%s", line);
    m->want_cmd[k] = cmd;
    m->n_want++;
}

static bool
queued(const struct model *m, enum smtp_cmd cmd)
{
    for (size_t i = 0; i < m->n_fifo; i++) {
        if (m->fifo[i] == cmd) {
            return true;
        }
    }
    for (size_t i = 0; i < m->n_want; i++) {
        if (m->want_cmd[(m->want_head + i) % N_WANT] == cmd) {
            return true;
        }
    }
    return false;
}

/* on_line checks one whole line the caller wrote. */
static void
on_line(struct model *m, const char *p, size_t len)
{
    /* RFC 5321 4.5.3.1.4 and 2.3.8: at most 512 octets, one CRLF at the end. */
    check(len >= 6 && len <= 512 && p[len - 2] == '\r' && p[len - 1] == '\n');
    check(memchr(p, '\r', len - 2) == NULL && memchr(p, '\n', len - 1) == NULL);
    if (m->closed) {
        check(m->quit_allowed && !m->quit_seen && len == 6 && memcmp(p, "QUIT\r\n", 6) == 0);
        m->quit_seen = true;
        return;
    }
    if (m->n_want > 0) {
        const char *w = m->want[m->want_head];
        check(strlen(w) == len && memcmp(w, p, len) == 0);
        enum smtp_cmd cmd = m->want_cmd[m->want_head];
        m->want_head = (m->want_head + 1) % N_WANT;
        m->n_want--;
        fifo_push(m, cmd);
        m->last_line = cmd;
    } else if (m->tls_ehlo) {
        check(len == 18 && memcmp(p, "EHLO " HELO_NAME "\r\n", 18) == 0 && m->n_fifo == 0);
        fifo_push(m, SMTP_CMD_EHLO);
        m->tls_ehlo = false;
        m->last_line = SMTP_CMD_EHLO;
    } else if (len == 18 && memcmp(p, "EHLO " HELO_NAME "\r\n", 18) == 0) {
        /* The first line, after the greeting's reply. */
        check(m->n_lines == 0 && m->n_fifo == 1 && m->fifo[0] == SMTP_CMD_GREETING);
        m->fifo[0] = SMTP_CMD_EHLO;
        m->last_line = SMTP_CMD_EHLO;
    } else if (len == 18 && memcmp(p, "HELO " HELO_NAME "\r\n", 18) == 0) {
        /* Only after a 5xx to EHLO, once. */
        check(!m->helo_seen && m->last_line == SMTP_CMD_EHLO && m->n_fifo == 1 &&
              m->fifo[0] == SMTP_CMD_EHLO);
        m->fifo[0] = SMTP_CMD_HELO;
        m->helo_seen = true;
        m->last_line = SMTP_CMD_HELO;
    } else {
        abort();
    }
    m->n_lines++;
}

/* drain writes some or all of the output (the connection may take less). */
static void
drain(struct smtp_client *c, struct model *m, struct rng *r, bool all)
{
    size_t n;
    const uint8_t *p = smtp_client_output(c, &n);
    /* The queue always ends with a whole command (its CR may be written). */
    check(n == 0 ||
          (p[n - 1] == '\n' &&
           (n >= 2 ? p[n - 2] == '\r' : m->line_len > 0 && m->line[m->line_len - 1] == '\r')));
    size_t k = all || next(r) % 4 != 0 ? n : next(r) % (n + 1);
    for (size_t i = 0; i < k; i++) {
        check(m->line_len < sizeof(m->line));
        m->line[m->line_len++] = (char)p[i];
        if (p[i] == '\n') {
            on_line(m, m->line, m->line_len);
            m->line_len = 0;
        }
    }
    smtp_client_consume(c, k);
}

static void
on_event(const struct smtp_client *c, struct model *m, const struct smtp_client_event *ev)
{
    enum smtp_client_state st = smtp_client_state(c);
    check(!m->closed);
    check(ev->text_len <= SMTP_CLIENT_TEXT_MAX && (ev->text != NULL || ev->text_len == 0));
    check(memchr(ev->enhanced, '\0', sizeof(ev->enhanced)) != NULL);
    switch (ev->type) {
    case SMTP_CEV_READY:
        check(m->n_fifo == 1 && ev->cmd == fifo_pop(m));
        check(ev->cmd == SMTP_CMD_EHLO || ev->cmd == SMTP_CMD_HELO);
        check(ev->code / 100 == 2 && st == SMTP_C_READY);
        break;
    case SMTP_CEV_REPLY:
        check(m->n_fifo > 0 && ev->cmd == fifo_pop(m));
        check(ev->code >= 200 && ev->code <= 559 && ev->err == RL_OK);
        switch (ev->cmd) {
        case SMTP_CMD_MAIL:
        case SMTP_CMD_RCPT:
            check(ev->code / 100 != 3);
            break;
        case SMTP_CMD_DATA:
            check(ev->code / 100 != 2);
            check((ev->code / 100 == 3) == (st == SMTP_C_BODY));
            check(m->n_fifo == 0 || ev->code / 100 != 3);
            break;
        case SMTP_CMD_DOT:
            check(ev->code / 100 != 3 && st == SMTP_C_READY && m->n_fifo == 0);
            break;
        case SMTP_CMD_RSET:
            check(ev->code / 100 == 2 || st == SMTP_C_QUIT);
            check(st == SMTP_C_READY || st == SMTP_C_QUIT);
            break;
        case SMTP_CMD_STARTTLS:
            check(ev->code / 100 != 3 && m->n_fifo == 0);
            check(st == (ev->code / 100 == 2 ? SMTP_C_TLS : SMTP_C_READY));
            break;
        default:
            abort();
        }
        break;
    case SMTP_CEV_CLOSED:
        check(m->n_fifo == 1 && fifo_pop(m) == SMTP_CMD_QUIT && ev->cmd == SMTP_CMD_QUIT);
        check(st == SMTP_C_CLOSED);
        m->closed = true;
        break;
    case SMTP_CEV_FAIL:
        check(st == SMTP_C_CLOSED);
        m->closed = true;
        if (ev->err != RL_OK) {
            check((ev->err == RL_EIO || ev->err == RL_ELIMIT) && ev->code == 0);
            break;
        }
        check(ev->code >= 400 && ev->code <= 559);
        if (ev->cmd == SMTP_CMD_NONE) {
            /* Only a 421 comes unasked. The model learns that the greeting
             * or EHLO was answered only when EHLO or HELO is written. */
            check(ev->code == 421 &&
                  (m->n_fifo == 0 || (m->n_fifo == 1 && (m->fifo[0] == SMTP_CMD_GREETING ||
                                                         m->fifo[0] == SMTP_CMD_EHLO))));
            break;
        }
        check(m->n_fifo > 0 && ev->cmd == m->fifo[0]);
        if (ev->code != 421) {
            check(ev->cmd == SMTP_CMD_GREETING || ev->cmd == SMTP_CMD_EHLO ||
                  ev->cmd == SMTP_CMD_HELO || ev->cmd == SMTP_CMD_RSET);
            m->quit_allowed = true;
        }
        break;
    default:
        abort();
    }
}

/* check_stuff compares streaming dot-stuffing, cut at random, with the
 * obvious whole-buffer version, and returns the stuffed body's length. */
static size_t
check_stuff(struct rng *r, uint8_t *out, size_t out_cap, const uint8_t *in, size_t n)
{
    static uint8_t want[2 * 600 + 5];
    check(n <= 600 && out_cap >= 2 * n + 5);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '.' && (i == 0 || in[i - 1] == '\r' || in[i - 1] == '\n')) {
            want[w++] = '.';
        }
        want[w++] = in[i];
    }
    if (n > 0 && !(n >= 2 && in[n - 2] == '\r' && in[n - 1] == '\n')) {
        want[w++] = '\r';
        want[w++] = '\n';
    }
    memcpy(want + w, ".\r\n", 3);
    w += 3;

    struct smtp_dotstuff d;
    smtp_dotstuff_init(&d);
    size_t o = 0;
    size_t pos = 0;
    while (pos < n) {
        size_t k = 1 + next(r) % (n - pos);
        o += smtp_dotstuff_run(&d, out + o, out_cap - o, in + pos, k);
        pos += k;
    }
    o += smtp_dotstuff_end(&d, out + o, out_cap - o);
    check(o == w && memcmp(out, want, w) == 0);
    return o;
}

static const char *const froms[] = {"a@x.test", "", "j\xc3\xb6rg@x.test", "\"a b\"@x.test"};
static const char *const rcpts[] = {"b@y.test", "c@y.test", "postmaster"};

/* expect predicts a call's return code from the model. */
static int
expect(const struct smtp_client *c, const struct model *m, enum smtp_cmd cmd)
{
    enum smtp_client_state st = smtp_client_state(c);
    size_t in_flight = m->n_fifo + m->n_want;
    bool ok_state = cmd == SMTP_CMD_MAIL   ? st == SMTP_C_READY
                    : cmd == SMTP_CMD_QUIT ? st == SMTP_C_READY || st == SMTP_C_TXN
                                           : st == SMTP_C_TXN;
    if (!ok_state) {
        return RL_EINVAL;
    }
    if (cmd != SMTP_CMD_QUIT && cmd != SMTP_CMD_MAIL && queued(m, SMTP_CMD_RSET)) {
        return RL_EINVAL;
    }
    if (queued(m, SMTP_CMD_DATA) || (in_flight > 0 && !smtp_client_caps_get(c)->pipelining) ||
        in_flight >= 16) {
        return RL_EAGAIN;
    }
    return 0;
}

/* act makes one call the caller might make now, right or wrong. */
static void
act(struct smtp_client *c, struct model *m, struct rng *r, const uint8_t *data, size_t size)
{
    static uint8_t body[2 * 600 + 5];
    size_t before;
    smtp_client_output(c, &before);
    enum smtp_client_state st = smtp_client_state(c);
    uint32_t pick = next(r) % 8;
    int rc;
    char line[320];
    if (st == SMTP_C_BODY && pick < 6) {
        /* The caller drains the commands, then writes the body itself. */
        drain(c, m, r, true);
        check(m->line_len == 0 && m->n_want == 0 && m->n_fifo == 0);
        size_t n = size < 600 ? size : 600;
        check_stuff(r, body, sizeof(body), data, n);
        smtp_client_body_progress(c);
        check(smtp_client_body_sent(c) == 0);
        fifo_push(m, SMTP_CMD_DOT);
        return;
    }
    switch (pick) {
    case 0:
    case 1: {
        const char *from = froms[next(r) % 4];
        uint64_t sz = next(r) % 3 == 0 ? 0 : next(r);
        bool body8 = next(r) % 2 == 0;
        bool utf8 = next(r) % 2 == 0;
        int want = expect(c, m, SMTP_CMD_MAIL);
        rc = smtp_client_mail(c, (const uint8_t *)from, strlen(from), sz, body8, utf8);
        check(rc == want);
        if (rc == 0) {
            const struct smtp_client_caps *k = smtp_client_caps_get(c);
            int n = snprintf(line, sizeof(line), "MAIL FROM:<%s>", from);
            if (sz > 0 && k->has_size) {
                n += snprintf(line + n, sizeof(line) - (size_t)n, " SIZE=%llu",
                              (unsigned long long)sz);
            }
            if (body8 && k->eightbitmime) {
                n += snprintf(line + n, sizeof(line) - (size_t)n, " BODY=8BITMIME");
            }
            if (utf8 && k->smtputf8) {
                n += snprintf(line + n, sizeof(line) - (size_t)n, " SMTPUTF8");
            }
            snprintf(line + n, sizeof(line) - (size_t)n, "\r\n");
            want_push(m, SMTP_CMD_MAIL, line);
            check(smtp_client_state(c) == SMTP_C_TXN);
        }
        break;
    }
    case 2:
    case 3: {
        const char *to = rcpts[next(r) % 3];
        int want = expect(c, m, SMTP_CMD_RCPT);
        rc = smtp_client_rcpt(c, (const uint8_t *)to, strlen(to));
        check(rc == want);
        if (rc == 0) {
            snprintf(line, sizeof(line), "RCPT TO:<%s>\r\n", to);
            want_push(m, SMTP_CMD_RCPT, line);
        }
        break;
    }
    case 4:
        rc = expect(c, m, SMTP_CMD_DATA);
        check(smtp_client_data(c) == rc);
        if (rc == 0) {
            want_push(m, SMTP_CMD_DATA, "DATA\r\n");
        }
        break;
    case 5:
        rc = expect(c, m, SMTP_CMD_RSET);
        check(smtp_client_rset(c) == rc);
        if (rc == 0) {
            want_push(m, SMTP_CMD_RSET, "RSET\r\n");
        }
        break;
    case 6:
        if (next(r) % 2 == 0) {
            bool may = st == SMTP_C_READY && smtp_client_caps_get(c)->starttls &&
                       m->n_fifo + m->n_want == 0;
            rc = smtp_client_starttls(c);
            check(rc == (may ? 0 : RL_EINVAL));
            if (rc == 0) {
                want_push(m, SMTP_CMD_STARTTLS, "STARTTLS\r\n");
                check(smtp_client_state(c) == SMTP_C_STARTTLS);
            }
            break;
        }
        if (next(r) % 4 != 0) {
            break; /* QUIT ends the run: make it rarer */
        }
        rc = expect(c, m, SMTP_CMD_QUIT);
        check(smtp_client_quit(c) == rc);
        if (rc == 0) {
            want_push(m, SMTP_CMD_QUIT, "QUIT\r\n");
            check(smtp_client_state(c) == SMTP_C_QUIT);
        }
        break;
    default:
        /* Wrong or right, body_sent is only for BODY, and nothing is
         * queued by a refused call. */
        rc = smtp_client_body_sent(c);
        check((rc == 0) == (st == SMTP_C_BODY));
        if (rc == 0) {
            /* Not written: out of step on purpose; the run must still hold. */
            fifo_push(m, SMTP_CMD_DOT);
        }
        break;
    }
    size_t after;
    smtp_client_output(c, &after);
    check(after >= before);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t mem[2048 + 4096];
    static struct model m;
    struct smtp_client c;
    struct smtp_client_limits lim;
    if (size < 4) {
        return 0;
    }
    struct rng r = {
        ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3]) | 1};
    data += 4;
    size -= 4;
    smtp_client_limits_default(&lim);
    lim.greeting_ms = 1 + next(&r) % 500;
    lim.command_ms = 1 + next(&r) % 500;
    lim.data_init_ms = 1 + next(&r) % 500;
    lim.data_block_ms = 1 + next(&r) % 500;
    lim.data_term_ms = 1 + next(&r) % 500;
    lim.max_reply_line = 512 + next(&r) % 1537;
    lim.out_cap = 2048 + next(&r) % 2049;
    check(smtp_client_init(&c, &lim, HELO_NAME, mem, sizeof(mem)) == 0);
    memset(&m, 0, sizeof(m));
    m.last_line = SMTP_CMD_NONE;
    fifo_push(&m, SMTP_CMD_GREETING);

    uint64_t now = next(&r) % 1000;
    size_t off = 0;
    while (off < size && !m.closed) {
        drain(&c, &m, &r, false);
        if (next(&r) % 2 == 0) {
            act(&c, &m, &r, data, size);
        }
        drain(&c, &m, &r, false);
        /* Mostly up to a line end, as a server that waits for each command
         * sends; sometimes any cut, which may run into the next reply. */
        size_t want = 1 + next(&r) % 64;
        const uint8_t *lf = memchr(data + off, '\n', size - off);
        if (lf != NULL && next(&r) % 4 != 0) {
            want = (size_t)(lf - (data + off)) + 1;
        }
        size_t len = size - off < want ? size - off : want;
        size_t pos = 0;
        while (!m.closed) {
            struct smtp_client_event ev;
            size_t used;
            int rc = smtp_client_feed(&c, &ev, &used, data + off + pos, len - pos);
            check(used <= len - pos);
            pos += used;
            if (rc == RL_EAGAIN) {
                check(pos == len);
                break;
            }
            check(rc == 0);
            on_event(&c, &m, &ev);
            if (!m.closed && smtp_client_state(&c) == SMTP_C_TLS && next(&r) % 4 != 0) {
                /* The caller's handshake: done at once; or never, and what
                 * follows in clear must then fail the session. */
                drain(&c, &m, &r, true);
                check(smtp_client_tls_started(&c) == 0);
                m.tls_ehlo = true;
            } else if (!m.closed && next(&r) % 2 == 0) {
                act(&c, &m, &r, data, size);
            }
        }
        off += len;
        now += next(&r) % 100;
        struct smtp_client_event tev;
        if (!m.closed && smtp_client_tick(&c, &tev, now) == 0) {
            check(tev.type == SMTP_CEV_FAIL && tev.err == RL_ELIMIT && tev.code == 0);
            on_event(&c, &m, &tev);
        }
    }
    drain(&c, &m, &r, true);
    if (m.closed) {
        struct smtp_client_event ev;
        size_t used;
        check(smtp_client_state(&c) == SMTP_C_CLOSED);
        check(smtp_client_feed(&c, &ev, &used, data, size) == RL_EINVAL && used == 0);
        check(smtp_client_mail(&c, (const uint8_t *)"a", 1, 0, false, false) == RL_EINVAL);
        check(smtp_client_quit(&c) == RL_EINVAL);
    }
    return 0;
}
