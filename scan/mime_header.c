/* SPDX-License-Identifier: Apache-2.0 */
/* Structured header values: the leading token and named parameters
 * (RFC 2045 5.1, RFC 2231). Zero-copy parsing of borrowed bytes into the
 * caller's buffer; no state, no allocation; callable from any thread. */
#include "mime_header.h"

#include <string.h>

/* RFC 2231 continuation sections joined per parameter. Real mail uses tens;
 * a value split into more is refused rather than silently truncated. */
#define HDR_SEG_MAX 256

static uint8_t
ascii_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool
is_wsp(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_token: RFC 2045 5.1 token characters (no SP, CTLs or tspecials). */
static bool
is_token(uint8_t c)
{
    switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
        return false;
    default:
        return c > 32 && c < 127;
    }
}

/* skip_comment returns the offset after the comment opening at v[p] == '('.
 * RFC 5322 3.2.2: comments nest and may hold quoted-pairs. An unterminated
 * comment runs to the end of the value. */
static size_t
skip_comment(const uint8_t *v, size_t len, size_t p)
{
    size_t depth = 0;
    while (p < len) {
        uint8_t c = v[p++];
        if (c == '\\') {
            if (p < len) {
                p++;
            }
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && --depth == 0) {
            break;
        }
    }
    return p;
}

/* skip_cfws skips folding whitespace (CRLF + WSP unfolds to WSP, RFC 5322
 * 2.2.3) and comments. */
static size_t
skip_cfws(const uint8_t *v, size_t len, size_t p)
{
    while (p < len) {
        if (is_wsp(v[p])) {
            p++;
        } else if (v[p] == '(') {
            p = skip_comment(v, len, p);
        } else {
            break;
        }
    }
    return p;
}

/* skip_quoted returns the offset after the quoted-string opening at
 * v[p] == '"', or `len` when it is unterminated. */
static size_t
skip_quoted(const uint8_t *v, size_t len, size_t p)
{
    p++;
    while (p < len) {
        uint8_t c = v[p++];
        if (c == '\\') {
            if (p < len) {
                p++;
            }
        } else if (c == '"') {
            return p;
        }
    }
    return len;
}

/* skip_junk moves to the next ';' outside quotes and comments (or the end):
 * used to resynchronise after something that is not "attribute = value". */
static size_t
skip_junk(const uint8_t *v, size_t len, size_t p)
{
    while (p < len && v[p] != ';') {
        if (v[p] == '"') {
            p = skip_quoted(v, len, p);
        } else if (v[p] == '(') {
            p = skip_comment(v, len, p);
        } else {
            p++;
        }
    }
    return p;
}

/* Output cursor; `full` is sticky once a byte did not fit (room is always
 * kept for the NUL). */
struct hdr_out {
    char *buf;
    size_t cap;
    size_t len;
    bool full;
};

static void
out_put(struct hdr_out *w, uint8_t c)
{
    if (c == 0) {
        return; /* a NUL would silently cut the C string the caller sees */
    }
    if (w->len + 1 >= w->cap) {
        w->full = true;
        return;
    }
    w->buf[w->len++] = (char)c;
}

static bool
out_finish(struct hdr_out *w)
{
    if (w->full) {
        w->buf[0] = '\0';
        return false;
    }
    w->buf[w->len] = '\0';
    return true;
}

bool
mime_header_value_token(char *out, size_t cap, const uint8_t *v, size_t len)
{
    if (out == NULL || cap == 0) {
        return false;
    }
    out[0] = '\0';
    if (v == NULL) {
        return false;
    }
    struct hdr_out w = {out, cap, 0, false};
    size_t p = skip_cfws(v, len, 0);
    size_t s = p;
    while (p < len && is_token(v[p])) {
        out_put(&w, ascii_lower(v[p++]));
    }
    if (p == s) {
        return false;
    }
    /* RFC 2045 5.1: type "/" subtype, CFWS allowed around the '/'. */
    size_t q = skip_cfws(v, len, p);
    if (q < len && v[q] == '/') {
        q = skip_cfws(v, len, q + 1);
        s = q;
        out_put(&w, '/');
        while (q < len && is_token(v[q])) {
            out_put(&w, ascii_lower(v[q++]));
        }
        if (q == s) {
            out[0] = '\0';
            return false; /* "text/" names no type: caller uses its default */
        }
    }
    return out_finish(&w);
}

/* param_next parses the next parameter at or after *pos and advances *pos
 * past it. Anything that is not "attribute = value" (the leading type token,
 * stray bytes, a missing '=') is skipped up to the next ';'. Values may lack
 * the ';' before them: lenient, as mail readers are. */
static bool
param_next(struct mime_param_span *pp, const uint8_t *v, size_t len, size_t *pos)
{
    size_t p = *pos;
    for (;;) {
        p = skip_cfws(v, len, p);
        if (p >= len) {
            *pos = len;
            return false;
        }
        if (v[p] == ';') {
            p++;
            continue;
        }
        size_t ns = p;
        while (p < len && is_token(v[p])) {
            p++;
        }
        size_t ne = p;
        if (ne == ns) {
            /* v[p] is not ';', so skip_junk moves forward. */
            p = skip_junk(v, len, p);
            continue;
        }
        p = skip_cfws(v, len, p);
        if (p >= len || v[p] != '=') {
            p = skip_junk(v, len, p);
            continue;
        }
        p = skip_cfws(v, len, p + 1);
        size_t vs = p;
        if (p < len && v[p] == '"') {
            p = skip_quoted(v, len, p);
        } else {
            /* Wider than a token: unquoted boundaries with '=' or '/' are common. */
            while (p < len && !is_wsp(v[p]) && v[p] != ';' && v[p] != '(') {
                p++;
            }
        }
        pp->name_off = ns;
        pp->name_len = ne - ns;
        pp->val_off = vs;
        pp->val_len = p - vs;
        *pos = p;
        return true;
    }
}

bool
mime_header_param_next(struct mime_param_span *out, const uint8_t *v, size_t len, size_t *pos)
{
    return param_next(out, v, len, pos);
}

enum hdr_kind {
    HDR_K_NONE = 0, /* another parameter */
    HDR_K_PLAIN,    /* name= */
    HDR_K_EXT,      /* name*= (RFC 2231 4) */
    HDR_K_SEG,      /* name*N= (RFC 2231 3) */
    HDR_K_SEG_EXT,  /* name*N*= (RFC 2231 4.1) */
    HDR_K_SEG_OVER, /* name*N with N >= HDR_SEG_MAX */
};

/* param_kind classifies `pp` against `name` (case-insensitive, RFC 2045 5.1)
 * and sets *out_seg for sections. */
static enum hdr_kind
param_kind(unsigned *out_seg, const struct mime_param_span *pp, const uint8_t *v, const char *name,
           size_t name_len)
{
    const uint8_t *a = v + pp->name_off;
    size_t n = pp->name_len;
    if (n < name_len) {
        return HDR_K_NONE;
    }
    for (size_t i = 0; i < name_len; i++) {
        if (ascii_lower(a[i]) != ascii_lower((uint8_t)name[i])) {
            return HDR_K_NONE;
        }
    }
    a += name_len;
    n -= name_len;
    if (n == 0) {
        return HDR_K_PLAIN;
    }
    if (a[0] != '*') {
        return HDR_K_NONE;
    }
    if (n == 1) {
        return HDR_K_EXT;
    }
    a++;
    n--;
    bool ext = a[n - 1] == '*';
    if (ext) {
        n--;
    }
    if (n == 0) {
        return HDR_K_NONE;
    }
    for (size_t i = 0; i < n; i++) {
        if (a[i] < '0' || a[i] > '9') {
            return HDR_K_NONE;
        }
    }
    /* RFC 2231 7: section numbers are decimal without leading zeros. */
    if (a[0] == '0' && n > 1) {
        return HDR_K_NONE;
    }
    unsigned long k = 0;
    for (size_t i = 0; i < n && k < HDR_SEG_MAX; i++) {
        k = k * 10 + (unsigned long)(a[i] - '0');
    }
    if (k >= HDR_SEG_MAX) {
        return HDR_K_SEG_OVER;
    }
    *out_seg = (unsigned)k;
    return ext ? HDR_K_SEG_EXT : HDR_K_SEG;
}

/* Reads a raw value byte by byte: unquotes quoted-strings (RFC 5322 3.2.4:
 * quoted-pairs; CR and LF inside are folding and are removed). */
struct val_reader {
    const uint8_t *v;
    size_t pos;
    size_t end;
    bool quoted;
};

static void
val_reader_init(struct val_reader *r, const uint8_t *v, const struct mime_param_span *pp)
{
    r->v = v;
    r->quoted = pp->val_len > 0 && v[pp->val_off] == '"';
    r->pos = pp->val_off + (r->quoted ? 1 : 0);
    r->end = pp->val_off + pp->val_len;
}

/* val_reader_get returns the next value byte, or -1 at the end. */
static int
val_reader_get(struct val_reader *r)
{
    while (r->pos < r->end) {
        uint8_t c = r->v[r->pos++];
        if (!r->quoted) {
            return c;
        }
        if (c == '"') {
            r->pos = r->end;
            return -1;
        }
        if (c == '\\') {
            return r->pos < r->end ? r->v[r->pos++] : -1;
        }
        if (c != '\r' && c != '\n') {
            return c;
        }
    }
    return -1;
}

static int
hex_val(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* emit_value appends the value of `pp`. Extended values (RFC 2231 4) are
 * percent-decoded; with `prefix` their "charset'language'" is dropped. Values
 * in the wild are sometimes quoted even when extended, so unquoting comes
 * first. "%00" is kept literally: the output is a C string. */
static void
emit_value(struct hdr_out *w, const uint8_t *v, const struct mime_param_span *pp, bool ext,
           bool prefix)
{
    struct val_reader r;
    val_reader_init(&r, v, pp);
    int c;
    if (!ext && !r.quoted) {
        /* A token: its bytes as they are (the common case, one loop). */
        for (size_t i = r.pos; i < r.end && !w->full; i++) {
            out_put(w, v[i]);
        }
        return;
    }
    if (ext && prefix) {
        struct val_reader t = r;
        int quotes = 0;
        while (quotes < 2 && (c = val_reader_get(&t)) >= 0) {
            quotes += c == '\'';
        }
        if (quotes == 2) {
            r = t;
        }
    }
    while (!w->full && (c = val_reader_get(&r)) >= 0) { /* full is final: stop there */
        if (ext && c == '%') {
            struct val_reader t = r;
            int hi = hex_val(val_reader_get(&t));
            int lo = hex_val(val_reader_get(&t));
            if (hi >= 0 && lo >= 0 && (hi | lo) != 0) {
                out_put(w, (uint8_t)(hi << 4 | lo));
                r = t;
                continue;
            }
        }
        out_put(w, (uint8_t)c);
    }
}

/* What is known of one wanted parameter while the value is read. */
struct want_state {
    size_t name_len;
    struct mime_param_span plain;
    struct mime_param_span ext;
    bool have_plain;
    bool have_ext;
    bool seg_over;
    bool have_seg0;
    /* Start offset of each section's parameter, valid where its bit in
     * seg_seen is set; sections may arrive in any order, so they are found
     * first and joined after. */
    uint64_t seg_seen[HDR_SEG_MAX / 64];
    size_t seg_at[HDR_SEG_MAX];
};

static void
want_note(struct want_state *s, const struct mime_param_span *pp, const uint8_t *v,
          const char *name)
{
    unsigned k = 0;
    switch (param_kind(&k, pp, v, name, s->name_len)) {
    case HDR_K_PLAIN:
        if (!s->have_plain) {
            s->plain = *pp;
            s->have_plain = true;
        }
        break;
    case HDR_K_EXT:
        if (!s->have_ext) {
            s->ext = *pp;
            s->have_ext = true;
        }
        break;
    case HDR_K_SEG:
    case HDR_K_SEG_EXT:
        if ((s->seg_seen[k / 64] & (UINT64_C(1) << (k % 64))) == 0) {
            s->seg_seen[k / 64] |= UINT64_C(1) << (k % 64);
            s->seg_at[k] = pp->name_off;
            s->have_seg0 |= k == 0;
        }
        break;
    case HDR_K_SEG_OVER:
        s->seg_over = true;
        break;
    case HDR_K_NONE:
        break;
    }
}

/* want_finish writes the value of wanted parameter `name` from what `s`
 * collected, as mime_header_param documents. */
static bool
want_finish(struct hdr_out *w, const struct want_state *s, const uint8_t *v, size_t len,
            const char *name)
{
    /* RFC 2231 forms carry the exact name, so they win over a plain
     * fallback sent alongside them for old readers. */
    if (s->have_ext) {
        emit_value(w, v, &s->ext, true, true);
        return out_finish(w);
    }
    if (s->have_seg0) {
        if (s->seg_over) {
            return false;
        }
        /* RFC 2231 3: sections join in numeric order; a gap ends the value. */
        for (unsigned k = 0;
             k < HDR_SEG_MAX && (s->seg_seen[k / 64] & (UINT64_C(1) << (k % 64))) != 0; k++) {
            size_t at = s->seg_at[k];
            unsigned kk = 0;
            struct mime_param_span pp;
            param_next(&pp, v, len, &at);
            bool is_ext = param_kind(&kk, &pp, v, name, s->name_len) == HDR_K_SEG_EXT;
            emit_value(w, v, &pp, is_ext, is_ext && k == 0);
        }
        return out_finish(w);
    }
    if (s->have_plain) {
        emit_value(w, v, &s->plain, false, false);
        return out_finish(w);
    }
    return false;
}

void
mime_header_params(struct mime_param_want *want, size_t n, const uint8_t *v, size_t len)
{
    struct want_state st[MIME_PARAM_WANT_MAX];
    size_t m = n < MIME_PARAM_WANT_MAX ? n : MIME_PARAM_WANT_MAX;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        want[i].found = false;
        if (want[i].out != NULL && want[i].cap > 0) {
            want[i].out[0] = '\0';
        }
    }
    for (size_t i = 0; i < m; i++) {
        /* The state is used only where a flag says it was set. */
        st[i].name_len = want[i].name != NULL ? strlen(want[i].name) : 0;
        st[i].have_plain = st[i].have_ext = st[i].seg_over = st[i].have_seg0 = false;
        memset(st[i].seg_seen, 0, sizeof(st[i].seg_seen));
        any |= want[i].out != NULL && want[i].cap > 0 && st[i].name_len > 0;
    }
    if (v == NULL || !any) {
        return;
    }
    struct mime_param_span pp;
    size_t pos = 0;
    while (param_next(&pp, v, len, &pos)) {
        for (size_t i = 0; i < m; i++) {
            if (st[i].name_len > 0) {
                want_note(&st[i], &pp, v, want[i].name);
            }
        }
    }
    for (size_t i = 0; i < m; i++) {
        if (want[i].out == NULL || want[i].cap == 0 || st[i].name_len == 0) {
            continue;
        }
        struct hdr_out w = {want[i].out, want[i].cap, 0, false};
        want[i].found = want_finish(&w, &st[i], v, len, want[i].name);
    }
}

bool
mime_header_param(char *out, size_t cap, const uint8_t *v, size_t len, const char *name)
{
    struct mime_param_want w = {.name = name, .out = out, .cap = cap};
    mime_header_params(&w, 1, v, len);
    return w.found;
}
