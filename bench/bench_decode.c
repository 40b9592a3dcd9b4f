/* SPDX-License-Identifier: Apache-2.0 */
/* Decodes every message of a workload once, at start-up, with the project's
 * MIME parser and codecs, so that the raw baselines scan the same bytes the
 * engine detects in. Single thread. */
#include "bench_decode.h"

#include <string.h>

#include "mime_codec.h"

struct decode_ctx {
    struct bench_buf *dec; /* output: the workload's decoded bytes */
    struct bench_buf part; /* the current leaf body, still encoded */
};

static bool
is_scanned_type(const char *type)
{
    return type[0] == '\0' || strncmp(type, "text/", 5) == 0 || strncmp(type, "message/", 8) == 0;
}

static int
flush_part(struct decode_ctx *c, const struct mime_part *p)
{
    const uint8_t *in = c->part.data;
    size_t len = c->part.len;
    size_t out_len = 0;
    size_t bad = 0;
    int rc = 0;

    if (!is_scanned_type(p->type) || len == 0) {
        goto done;
    }
    switch (p->cte) {
    case MIME_CTE_BASE64:
        rc = bench_buf_reserve(c->dec, len / 4 * 3 + 3);
        if (rc == 0) {
            mime_b64_decode(c->dec->data + c->dec->len, &out_len, &bad, in, len);
        }
        break;
    case MIME_CTE_QP:
        rc = bench_buf_reserve(c->dec, len);
        if (rc == 0) {
            mime_qp_decode(c->dec->data + c->dec->len, &out_len, &bad, in, len);
        }
        break;
    default:
        rc = bench_buf_reserve(c->dec, len);
        if (rc == 0) {
            memcpy(c->dec->data + c->dec->len, in, len);
            out_len = len;
        }
        break;
    }
    c->dec->len += out_len;
done:
    c->part.len = 0;
    return rc;
}

static int
on_event(void *ctx, enum mime_event ev, const struct mime_part *part, const uint8_t *data,
         size_t len)
{
    struct decode_ctx *c = ctx;

    switch (ev) {
    case MIME_EV_HEADERS:
        return bench_buf_append(c->dec, data, len);
    case MIME_EV_BODY:
        return bench_buf_append(&c->part, data, len);
    case MIME_EV_BODY_END:
        return flush_part(c, part);
    default:
        return 0;
    }
}

int
bench_decode_workload(struct bench_workload *w, struct rl_diag *diag,
                      const struct mime_limits *limits)
{
    struct decode_ctx c = {.dec = &w->dec};
    struct mime_parser p;

    int rc = mime_parser_init(&p, limits, on_event, &c);
    if (rc != 0) {
        return rl_diag_set(diag, "limits", "mime_parser_init: %s", rl_strerror(rc));
    }
    w->dec.len = 0;
    rc = bench_buf_reserve(&w->dec, w->in.len);
    for (size_t i = 0; i < w->n_msgs && rc == 0; i++) {
        struct bench_msg *m = &w->msgs[i];
        m->dec_off = w->dec.len;
        mime_parser_reset(&p);
        c.part.len = 0;
        rc = mime_parser_feed(&p, w->in.data + m->in_off, m->in_len);
        if (rc == 0) {
            rc = mime_parser_finish(&p);
        }
        m->dec_len = w->dec.len - m->dec_off;
    }
    mime_parser_fini(&p);
    bench_buf_fini(&c.part);
    if (rc != 0) {
        rl_diag_set(diag, w->name, "decoding a message: %s", rl_strerror(rc));
    }
    return rc;
}
