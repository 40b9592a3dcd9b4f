/* SPDX-License-Identifier: Apache-2.0 */
/* The message rewriter: drives the MIME parser, decodes each leaf part,
 * detects, redacts, re-encodes in the original transfer encoding, verifies
 * the result by scanning it again, and builds the result. Owns the buffers of
 * the part being rewritten; one instance per worker thread, reused. */
#include "scan_message.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime_charset.h"
#include "mime_codec.h"
#include "mime_fields.h"
#include "scan_redact.h"

/* A growable byte buffer owned by the message; it keeps its high-water size
 * so that steady-state traffic does not allocate. */
struct buf {
    uint8_t *p;
    size_t len;
    size_t cap;
};

struct scan_message {
    struct scan_worker *w;            /* borrowed */
    const struct scan_engine *engine; /* borrowed */
    const struct scan_policy *pol;    /* borrowed */
    struct mime_parser parser;
    scan_out_fn out;
    void *out_ctx;
    bool text_mode;
    int err; /* sticky: output failed or limit reached */

    struct buf raw;  /* the leaf part being collected, as received */
    struct buf dec;  /* transfer-decoded */
    struct buf utf;  /* decoded to UTF-8 for detection (single-byte charsets) */
    struct buf red;  /* redacted, decoded */
    struct buf enc;  /* redacted, re-encoded */
    struct buf ver;  /* verification: the output decoded again */
    struct buf hdr;  /* a rewritten header block */
    struct buf word; /* one encoded word's decoded text */

    struct scan_finding *f; /* findings of one buffer */
    size_t f_cap;

    struct scan_record *rec;
    size_t n_rec, rec_cap;
    struct scan_defect *def;
    size_t n_def, def_cap;
    struct scan_part_record *parts;
    size_t n_parts, parts_cap;
    unsigned long *lex_score; /* per lexicon, summed weights */
    bool verify_failed;
    bool findings_capped;
    char eol[3]; /* line end of the message, for the tag header */
    struct scan_result result;
};

static bool
buf_reserve(struct buf *b, size_t need)
{
    if (need <= b->cap) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) {
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (p == NULL) {
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static void
buf_wipe_free(struct buf *b)
{
    if (b->p != NULL) {
        explicit_bzero(b->p, b->cap);
    }
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static bool
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return true;
    }
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, c * elem);
    if (p == NULL) {
        return false;
    }
    *arr = p;
    *cap = c;
    return true;
}

static void
add_defect(struct scan_message *m, const char *part, const char *reason, size_t len)
{
    if (m->n_def >= 256 || !grow((void **)&m->def, &m->def_cap, m->n_def, sizeof(*m->def))) {
        return; /* the count of defects is capped; the tag still says there were some */
    }
    struct scan_defect *d = &m->def[m->n_def++];
    snprintf(d->part, sizeof(d->part), "%s", part[0] ? part : "0");
    snprintf(d->reason, sizeof(d->reason), "%.*s", (int)(len < 119 ? len : 119), reason);
}

static void
emit(struct scan_message *m, const uint8_t *p, size_t n)
{
    if (m->err == 0 && n > 0) {
        m->err = m->out(m->out_ctx, p, n);
        m->result.out_bytes += n;
    }
}

static void
record(struct scan_message *m, const char *part, const char *header, const struct scan_finding *f,
       size_t n)
{
    for (size_t i = 0; i < n; i++) {
        m->result.counts[f[i].type]++;
        if (f[i].type == SCAN_T_LEXICON) {
            m->lex_score[f[i].lexicon] += f[i].weight;
        }
        if (m->n_rec >= m->pol->limits.max_findings ||
            !grow((void **)&m->rec, &m->rec_cap, m->n_rec, sizeof(*m->rec))) {
            m->findings_capped = true;
            continue;
        }
        struct scan_record *r = &m->rec[m->n_rec++];
        snprintf(r->part, sizeof(r->part), "%s", part[0] ? part : "0");
        snprintf(r->header, sizeof(r->header), "%s", header);
        r->start = f[i].start;
        r->end = f[i].end;
        r->type = f[i].type;
        r->lexicon = f[i].lexicon;
        r->confidence = f[i].confidence;
        r->action = f[i].action;
    }
}

/* Detects in `text` into m->f; returns the count (0 on engine failure, which
 * is recorded as a defect so it cannot pass silently). */
static size_t
detect(struct scan_message *m, const char *part, const uint8_t *text, size_t len, unsigned types)
{
    size_t n = 0;
    int rc = scan_detect(m->w, m->f, m->f_cap, &n, text, len, types);
    if (rc == RL_ELIMIT) {
        m->findings_capped = true;
    } else if (rc != 0) {
        const char *why = "scan engine failed on this part";
        add_defect(m, part, why, strlen(why));
        m->verify_failed = true;
    }
    return n;
}

/* ---- headers ---- */

/* Which header fields are scanned, and with which detectors: addresses in
 * address fields are the envelope's business, their display names are not. */
static unsigned
header_types(const struct mime_field *f, const uint8_t *block)
{
    static const char *const text_fields[] = {"subject",      "comments", "keywords",
                                              "thread-topic", "summary",  NULL};
    static const char *const addr_fields[] = {"from",      "to",     "cc",          "bcc",
                                              "reply-to",  "sender", "resent-from", "resent-to",
                                              "resent-cc", NULL};
    unsigned all = ~0u;
    for (const char *const *n = text_fields; *n != NULL; n++) {
        if (mime_field_is(f, block, *n)) {
            return all;
        }
    }
    for (const char *const *n = addr_fields; *n != NULL; n++) {
        if (mime_field_is(f, block, *n)) {
            return all & ~SCAN_MASK(SCAN_T_EMAIL);
        }
    }
    return 0;
}

static bool
is_utf8_cs(enum mime_charset cs)
{
    return cs == MIME_CS_UTF8 || cs == MIME_CS_OTHER;
}

/* Scans one encoded word; appends its replacement (or itself) to m->hdr. */
static void
header_eword(struct scan_message *m, const struct mime_part *part, const char *name,
             const uint8_t *v, const struct mime_eword *ew, unsigned types)
{
    const uint8_t *orig = v + ew->start;
    size_t orig_len = ew->end - ew->start;
    size_t wlen = 0;
    if (!buf_reserve(&m->word, ew->text_len + 1)) {
        m->err = RL_ENOMEM;
        return;
    }
    if (!mime_eword_decode(m->word.p, &wlen, ew, v)) {
        /* A malformed word still shows as text in many readers: scan what
         * decoded, and since it cannot be rewritten faithfully, a finding
         * in it means the message cannot be cleaned. */
        size_t n = detect(m, part->path, m->word.p, wlen, types);
        record(m, part->path, name, m->f, n);
        if (scan_redact_count(m->f, n) > 0) {
            const char *why = "finding inside a malformed encoded word";
            add_defect(m, part->path, why, strlen(why));
            m->verify_failed = true;
        }
        memcpy(m->hdr.p + m->hdr.len, orig, orig_len);
        m->hdr.len += orig_len;
        return;
    }
    enum mime_charset cs = mime_charset_from_name(v + ew->charset_off, ew->charset_len);
    const uint8_t *scan = m->word.p;
    size_t scan_len = wlen;
    if (!is_utf8_cs(cs) && buf_reserve(&m->utf, mime_charset_utf8_cap(wlen))) {
        mime_charset_to_utf8(m->utf.p, &scan_len, cs, m->word.p, wlen);
        scan = m->utf.p;
    }
    size_t n = detect(m, part->path, scan, scan_len, types);
    if (!is_utf8_cs(cs)) {
        for (size_t i = 0; i < n; i++) {
            m->f[i].start = (uint32_t)mime_charset_src_offset(cs, m->word.p, wlen, m->f[i].start);
            m->f[i].end = (uint32_t)mime_charset_src_offset(cs, m->word.p, wlen, m->f[i].end);
        }
    }
    record(m, part->path, name, m->f, n);
    size_t rlen = wlen;
    /* The encoded form of the masked text can be longer than the original
     * (Q encoding of '*' is literal, but B of a longer input is not). */
    size_t cap = 64 + ew->charset_len + 3 * wlen + wlen / 2;
    if (scan_redact_count(m->f, n) == 0 || !buf_reserve(&m->red, wlen + 1) ||
        !buf_reserve(&m->hdr, m->hdr.len + cap)) {
        memcpy(m->hdr.p + m->hdr.len, orig, orig_len);
        m->hdr.len += orig_len;
        return;
    }
    rlen = scan_redact(m->red.p, m->word.p, wlen, m->f, n, m->pol, is_utf8_cs(cs));
    size_t out_len = 0;
    if (!mime_eword_encode(m->hdr.p + m->hdr.len, &out_len, cap, v + ew->charset_off,
                           ew->charset_len, ew->encoding, m->red.p, rlen)) {
        memcpy(m->hdr.p + m->hdr.len, orig, orig_len);
        out_len = orig_len;
        m->verify_failed = true;
    }
    m->hdr.len += out_len;
}

/* Scans the unencoded text v[from, to) of a field value, in place in m->hdr. */
static void
header_plain(struct scan_message *m, const struct mime_part *part, const char *name,
             const uint8_t *v, size_t from, size_t to, unsigned types)
{
    size_t n = detect(m, part->path, v + from, to - from, types);
    for (size_t i = 0; i < n; i++) {
        m->f[i].start += (uint32_t)from;
        m->f[i].end += (uint32_t)from;
    }
    record(m, part->path, name, m->f, n);
    for (size_t i = 0; i < n; i++) {
        m->f[i].start -= (uint32_t)from;
        m->f[i].end -= (uint32_t)from;
    }
    size_t w = scan_redact(m->hdr.p + m->hdr.len, v + from, to - from, m->f, n, m->pol, true);
    m->hdr.len += w;
}

static void
on_headers(struct scan_message *m, const struct mime_part *part, const uint8_t *block, size_t len)
{
    if (m->eol[0] == '\0') {
        const uint8_t *lf = memchr(block, '\n', len);
        snprintf(m->eol, sizeof(m->eol), "%s",
                 lf != NULL && lf > block && lf[-1] == '\r' ? "\r\n" : "\n");
    }
    /* Rewriting never makes a field longer except by re-encoding words. */
    if (!buf_reserve(&m->hdr, len * 2 + 256)) {
        m->err = RL_ENOMEM;
        return;
    }
    m->hdr.len = 0;
    struct mime_field f;
    size_t pos = 0;
    size_t copied = 0;
    while (mime_field_next(&f, &pos, block, len)) {
        unsigned types = header_types(&f, block);
        if (types == 0) {
            continue;
        }
        char name[40];
        snprintf(name, sizeof(name), "%.*s", (int)(f.name_len < 39 ? f.name_len : 39),
                 (const char *)block + f.start);
        memcpy(m->hdr.p + m->hdr.len, block + copied, f.value_off - copied);
        m->hdr.len += f.value_off - copied;
        const uint8_t *v = block + f.value_off;
        size_t at = 0;
        struct mime_eword ew;
        while (at < f.value_len && mime_eword_next(&ew, v, f.value_len, at)) {
            header_plain(m, part, name, v, at, ew.start, types);
            header_eword(m, part, name, v, &ew, types);
            at = ew.end;
        }
        header_plain(m, part, name, v, at, f.value_len, types);
        copied = f.value_off + f.value_len;
    }
    memcpy(m->hdr.p + m->hdr.len, block + copied, len - copied);
    m->hdr.len += len - copied;
    if (m->hdr.len != len || memcmp(m->hdr.p, block, len) != 0) {
        m->result.modified = true;
    }
    emit(m, m->hdr.p, m->hdr.len);
}

/* ---- bodies ---- */

static const char *
line_end_of(const uint8_t *p, size_t n)
{
    const uint8_t *lf = memchr(p, '\n', n);
    return lf != NULL && lf > p && lf[-1] == '\r' ? "\r\n" : "\n";
}

/* Base64 line length of the original, so the rewrite looks the same. */
static size_t
b64_line_len(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] != '\r' && p[i] != '\n') {
        i++;
    }
    i -= i % 4;
    return i >= 4 && i <= 76 ? i : 76;
}

/* Content we do not treat as text: NUL bytes or mostly control bytes in its
 * first 4 KB. Scanning such bytes only finds noise, and masking would corrupt
 * the file (document formats are the sanitiser's job). */
static bool
looks_textual(const struct mime_part *part, const uint8_t *p, size_t n)
{
    if (strncmp(part->type, "text/", 5) == 0 || strncmp(part->type, "message/", 8) == 0) {
        return true;
    }
    size_t look = n < 4096 ? n : 4096;
    size_t ctl = 0;
    for (size_t i = 0; i < look; i++) {
        if (p[i] == 0) {
            return false;
        }
        ctl += p[i] < 9 || (p[i] > 13 && p[i] < 32);
    }
    return ctl * 32 <= look;
}

static bool
decode_into(struct scan_message *m, struct buf *out, enum mime_cte cte, const uint8_t *in,
            size_t len, size_t *out_bad)
{
    *out_bad = 0;
    if (!buf_reserve(out, len + 4)) {
        return false;
    }
    if (cte == MIME_CTE_BASE64) {
        mime_b64_decode(out->p, &out->len, out_bad, in, len);
    } else if (cte == MIME_CTE_QP) {
        mime_qp_decode(out->p, &out->len, out_bad, in, len);
    } else {
        memcpy(out->p, in, len);
        out->len = len;
    }
    (void)m;
    return true;
}

static bool
encode_into(struct buf *out, enum mime_cte cte, const uint8_t *in, size_t len, const char *eol,
            size_t line_len)
{
    if (cte == MIME_CTE_BASE64) {
        if (!buf_reserve(out, mime_b64_encode_cap(len, line_len, strlen(eol)))) {
            return false;
        }
        mime_b64_encode(out->p, &out->len, in, len, line_len, eol);
    } else if (cte == MIME_CTE_QP) {
        if (!buf_reserve(out, mime_qp_encode_cap(len, strlen(eol)))) {
            return false;
        }
        mime_qp_encode(out->p, &out->len, in, len, eol);
    } else {
        if (!buf_reserve(out, len)) {
            return false;
        }
        memcpy(out->p, in, len);
        out->len = len;
    }
    return true;
}

/* Detects in decoded text of charset `cs`, with offsets into `text`. */
static size_t
detect_decoded(struct scan_message *m, const char *part, enum mime_charset cs, const uint8_t *text,
               size_t len)
{
    if (is_utf8_cs(cs)) {
        return detect(m, part, text, len, ~0u);
    }
    if (!buf_reserve(&m->utf, mime_charset_utf8_cap(len))) {
        m->err = RL_ENOMEM;
        return 0;
    }
    size_t ulen = 0;
    mime_charset_to_utf8(m->utf.p, &ulen, cs, text, len);
    size_t n = detect(m, part, m->utf.p, ulen, ~0u);
    for (size_t i = 0; i < n; i++) {
        m->f[i].start = (uint32_t)mime_charset_src_offset(cs, text, len, m->f[i].start);
        m->f[i].end = (uint32_t)mime_charset_src_offset(cs, text, len, m->f[i].end);
    }
    return n;
}

/* Scans the re-encoded output again; a redact finding that survives means
 * the rewrite did not do its job and the message must not go out as is. */
static void
verify(struct scan_message *m, const struct mime_part *part, enum mime_charset cs)
{
    size_t bad = 0;
    if (!decode_into(m, &m->ver, part->cte, m->enc.p, m->enc.len, &bad)) {
        m->err = RL_ENOMEM;
        return;
    }
    size_t n = detect_decoded(m, part->path, cs, m->ver.p, m->ver.len);
    if (scan_redact_count(m->f, n) > 0 || bad > 0) {
        m->verify_failed = true;
        const char *why = "redaction verification failed: a finding survived the rewrite";
        add_defect(m, part->path, why, strlen(why));
    }
}

static void
on_body_end(struct scan_message *m, const struct mime_part *part)
{
    if (!grow((void **)&m->parts, &m->parts_cap, m->n_parts, sizeof(*m->parts))) {
        m->err = RL_ENOMEM;
        return;
    }
    struct scan_part_record *pr = &m->parts[m->n_parts++];
    memset(pr, 0, sizeof(*pr));
    snprintf(pr->part, sizeof(pr->part), "%s", part->path[0] ? part->path : "1");
    snprintf(pr->type, sizeof(pr->type), "%s", part->type);
    snprintf(pr->charset, sizeof(pr->charset), "%s", part->charset);
    pr->cte = (uint8_t)part->cte;
    pr->raw_len = m->raw.len;

    size_t bad = 0;
    if (!decode_into(m, &m->dec, part->cte, m->raw.p, m->raw.len, &bad)) {
        m->err = RL_ENOMEM;
        return;
    }
    pr->decoded_len = m->dec.len;
    if (bad > 0) {
        char why[96];
        int w = snprintf(why, sizeof(why), "%zu invalid %s sequences (decoded leniently)", bad,
                         mime_cte_name(part->cte));
        add_defect(m, pr->part, why, (size_t)w);
    }
    if (!looks_textual(part, m->dec.p, m->dec.len)) {
        emit(m, m->raw.p, m->raw.len);
        m->raw.len = 0;
        return;
    }
    pr->scanned = true;
    enum mime_charset cs =
        mime_charset_from_name((const uint8_t *)part->charset, strlen(part->charset));
    size_t n = detect_decoded(m, pr->part, cs, m->dec.p, m->dec.len);
    record(m, pr->part, "", m->f, n);
    if (scan_redact_count(m->f, n) == 0) {
        emit(m, m->raw.p, m->raw.len);
        m->raw.len = 0;
        return;
    }
    if (!buf_reserve(&m->red, m->dec.len + 1)) {
        m->err = RL_ENOMEM;
        return;
    }
    m->red.len = scan_redact(m->red.p, m->dec.p, m->dec.len, m->f, n, m->pol, is_utf8_cs(cs));
    const char *eol = line_end_of(m->raw.p, m->raw.len);
    if (!encode_into(&m->enc, part->cte, m->red.p, m->red.len, eol,
                     b64_line_len(m->raw.p, m->raw.len))) {
        m->err = RL_ENOMEM;
        return;
    }
    pr->modified = true;
    m->result.modified = true;
    verify(m, part, cs);
    emit(m, m->enc.p, m->enc.len);
    m->raw.len = 0;
}

static int
on_event(void *ctx, enum mime_event ev, const struct mime_part *part, const uint8_t *data,
         size_t len)
{
    struct scan_message *m = ctx;
    switch (ev) {
    case MIME_EV_HEADERS:
        on_headers(m, part, data, len);
        break;
    case MIME_EV_BODY:
        if (!buf_reserve(&m->raw, m->raw.len + len)) {
            m->err = RL_ENOMEM;
            break;
        }
        memcpy(m->raw.p + m->raw.len, data, len);
        m->raw.len += len;
        break;
    case MIME_EV_BODY_END:
        on_body_end(m, part);
        break;
    case MIME_EV_RAW:
        emit(m, data, len);
        break;
    case MIME_EV_DEFECT:
        add_defect(m, part->path, (const char *)data, len);
        break;
    }
    return m->err;
}

/* ---- lifecycle ---- */

struct scan_message *
scan_message_new(struct scan_worker *w, const struct scan_engine *e)
{
    struct scan_message *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return NULL;
    }
    m->w = w;
    m->engine = e;
    m->pol = scan_engine_policy(e);
    m->f_cap = 4096;
    m->f = calloc(m->f_cap, sizeof(*m->f));
    m->lex_score = calloc(m->pol->n_lexicons + 1, sizeof(*m->lex_score));
    struct mime_limits lim = {
        .max_header_bytes = m->pol->limits.max_header_bytes,
        .max_depth = m->pol->limits.max_depth,
        .max_parts = m->pol->limits.max_parts,
    };
    /* Every buffer exists from the start: no NULL reaches memcpy, and a
     * worker's first messages do not allocate for small parts. */
    struct buf *bufs[] = {&m->raw, &m->dec, &m->utf, &m->red, &m->enc, &m->ver, &m->hdr, &m->word};
    bool ok = true;
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        ok = ok && buf_reserve(bufs[i], 4096);
    }
    if (!ok || m->f == NULL || m->lex_score == NULL ||
        mime_parser_init(&m->parser, &lim, on_event, m) != 0) {
        scan_message_free(m);
        return NULL;
    }
    return m;
}

void
scan_message_free(struct scan_message *m)
{
    if (m == NULL) {
        return;
    }
    mime_parser_fini(&m->parser);
    struct buf *bufs[] = {&m->raw, &m->dec, &m->utf, &m->red, &m->enc, &m->ver, &m->hdr, &m->word};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        buf_wipe_free(bufs[i]);
    }
    free(m->f);
    free(m->rec);
    free(m->def);
    free(m->parts);
    free(m->lex_score);
    free(m);
}

void
scan_message_begin(struct scan_message *m, scan_out_fn out, void *ctx, bool text_mode)
{
    /* Message bytes are wiped before the buffers serve the next message. */
    struct buf *bufs[] = {&m->raw, &m->dec, &m->utf, &m->red, &m->enc, &m->ver};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        if (bufs[i]->len > 0) {
            explicit_bzero(bufs[i]->p, bufs[i]->len);
        }
        bufs[i]->len = 0;
    }
    mime_parser_reset(&m->parser);
    m->out = out;
    m->out_ctx = ctx;
    m->text_mode = text_mode;
    m->err = 0;
    m->n_rec = m->n_def = m->n_parts = 0;
    memset(m->lex_score, 0, (m->pol->n_lexicons + 1) * sizeof(*m->lex_score));
    m->verify_failed = false;
    m->findings_capped = false;
    m->eol[0] = '\0';
    memset(&m->result, 0, sizeof(m->result));
}

int
scan_message_feed(struct scan_message *m, const uint8_t *in, size_t in_len)
{
    if (m->err != 0) {
        return m->err;
    }
    if (m->result.in_bytes + in_len > m->pol->limits.max_message_bytes) {
        m->err = RL_ELIMIT;
        return m->err;
    }
    m->result.in_bytes += in_len;
    if (m->text_mode) {
        if (!buf_reserve(&m->raw, m->raw.len + in_len)) {
            return m->err = RL_ENOMEM;
        }
        memcpy(m->raw.p + m->raw.len, in, in_len);
        m->raw.len += in_len;
        return 0;
    }
    int rc = mime_parser_feed(&m->parser, in, in_len);
    return rc != 0 ? rc : m->err;
}

const char *
scan_verdict_name(enum scan_verdict v)
{
    static const char *const names[] = {"deliver", "tempfail", "quarantine", "block"};
    return (unsigned)v < 4 ? names[v] : "deliver";
}

static void
raise_verdict(struct scan_result *r, enum scan_verdict v, const char *reason)
{
    if (v > r->verdict) {
        r->verdict = v;
        r->reason = reason;
    }
}

static void
apply_action(struct scan_message *m, enum scan_action a, const char *tag, const char *reason)
{
    struct scan_result *r = &m->result;
    if (a == SCAN_ACT_BLOCK) {
        raise_verdict(r, SCAN_V_BLOCK, reason);
    } else if (a == SCAN_ACT_QUARANTINE) {
        raise_verdict(r, SCAN_V_QUARANTINE, reason);
    } else if (a == SCAN_ACT_TAG) {
        size_t used = strlen(r->tag_header);
        snprintf(r->tag_header + used, sizeof(r->tag_header) - used, "%s%s", used ? "," : "", tag);
    }
}

static void
apply_fallback(struct scan_message *m, enum scan_fallback fb, const char *tag, const char *reason)
{
    static const enum scan_verdict v[] = {SCAN_V_DELIVER, SCAN_V_TEMPFAIL, SCAN_V_QUARANTINE,
                                          SCAN_V_BLOCK};
    if (fb == SCAN_FB_DELIVER_TAGGED) {
        apply_action(m, SCAN_ACT_TAG, tag, reason);
    } else {
        raise_verdict(&m->result, v[fb], reason);
    }
}

static void
finish_text(struct scan_message *m)
{
    if (!grow((void **)&m->parts, &m->parts_cap, 0, sizeof(*m->parts))) {
        m->err = RL_ENOMEM;
        return;
    }
    struct scan_part_record *pr = &m->parts[m->n_parts++];
    memset(pr, 0, sizeof(*pr));
    snprintf(pr->part, sizeof(pr->part), "1");
    snprintf(pr->type, sizeof(pr->type), "text/plain");
    snprintf(pr->charset, sizeof(pr->charset), "utf-8");
    pr->raw_len = pr->decoded_len = m->raw.len;
    pr->scanned = true;
    size_t n = detect(m, "1", m->raw.p, m->raw.len, ~0u);
    record(m, "1", "", m->f, n);
    if (scan_redact_count(m->f, n) == 0) {
        emit(m, m->raw.p, m->raw.len);
        return;
    }
    if (!buf_reserve(&m->enc, m->raw.len + 1)) {
        m->err = RL_ENOMEM;
        return;
    }
    m->enc.len = scan_redact(m->enc.p, m->raw.p, m->raw.len, m->f, n, m->pol, true);
    pr->modified = m->result.modified = true;
    n = detect(m, "1", m->enc.p, m->enc.len, ~0u);
    if (scan_redact_count(m->f, n) > 0) {
        m->verify_failed = true;
    }
    emit(m, m->enc.p, m->enc.len);
}

int
scan_message_finish(struct scan_message *m, const struct scan_result **out_result)
{
    *out_result = &m->result;
    if (m->err != 0) {
        return m->err;
    }
    if (m->text_mode) {
        finish_text(m);
    } else {
        int rc = mime_parser_finish(&m->parser);
        if (rc != 0) {
            return rc;
        }
    }
    if (m->err != 0) {
        return m->err;
    }
    struct scan_result *r = &m->result;
    const struct scan_policy *p = m->pol;
    r->reason = "";
    for (unsigned t = 0; t < SCAN_T_LEXICON; t++) {
        if (r->counts[t] >= p->detectors[t].threshold && r->counts[t] > 0) {
            apply_action(m, p->detectors[t].action, scan_type_name(t), "policy action on findings");
        }
    }
    for (size_t l = 0; l < p->n_lexicons; l++) {
        if (m->lex_score[l] >= p->lexicons[l].threshold) {
            apply_action(m, p->lexicons[l].action, p->lexicons[l].name,
                         "lexicon score reached its threshold");
        }
    }
    if (m->verify_failed || m->findings_capped) {
        apply_fallback(m, p->on_modify_fail, "modification-failed",
                       "redaction could not be verified");
    }
    if (m->n_def > 0) {
        apply_fallback(m, p->on_parse_error, "defects", "message has MIME defects");
    }
    if (r->tag_header[0] != '\0') {
        char tags[sizeof(r->tag_header)];
        memcpy(tags, r->tag_header, sizeof(tags));
        snprintf(r->tag_header, sizeof(r->tag_header), "X-Redline-Tag: %.180s; policy=%.40s%s",
                 tags, p->version, m->eol[0] ? m->eol : "\r\n");
        r->tagged = true;
    }
    r->records = m->rec;
    r->n_records = m->n_rec;
    r->defects = m->def;
    r->n_defects = m->n_def;
    r->parts = m->parts;
    r->n_parts = m->n_parts;
    return 0;
}
