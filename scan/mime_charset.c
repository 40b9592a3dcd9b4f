/* SPDX-License-Identifier: Apache-2.0 */
/* Charset names to enum, and single-byte charsets to UTF-8 by table lookup.
 * Owns the two 128-entry tables, written once by mime_charset_init() on the
 * main thread before workers start and read-only afterwards. */
#include "mime_charset.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "rl_error.h"

/* UTF-8 of bytes 0x80..0xFF: bytes [0..2], length in [3]. A zero length
 * (tables not built yet) is written as U+FFFD rather than dropped. */
struct cs_table {
    uint8_t utf8[128][4];
};

/* Indexed by enum mime_charset - MIME_CS_LATIN1. */
static struct cs_table cs_tables[2];

/* U+FFFD in table-entry form. */
static const uint8_t utf8_replacement[4] = {0xEF, 0xBF, 0xBD, 3};

/* cs_build fills `t` from iconv's conversion of `name` to UTF-8. Bytes the
 * charset leaves undefined (Windows-1252 0x81, 0x8D, 0x8F, 0x90, 0x9D) become
 * U+FFFD: they are not text in any mail we scan, and a C1 control would only
 * hide bytes from detectors. Returns 0 or RL_EINVAL. */
static int
cs_build(struct cs_table *t, const char *name)
{
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1) {
        return RL_EINVAL;
    }
    int rc = 0;
    for (unsigned b = 0x80; b <= 0xFF; b++) {
        char in[1] = {(char)b};
        char buf[8];
        char *ip = in;
        char *op = buf;
        size_t il = 1;
        size_t ol = sizeof(buf);
        uint8_t *e = t->utf8[b - 0x80];
        iconv(cd, NULL, NULL, NULL, NULL); /* reset shift state */
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
            if (errno != EILSEQ) {
                rc = RL_EINVAL;
                break;
            }
            memcpy(e, utf8_replacement, 4);
            continue;
        }
        size_t n = sizeof(buf) - ol;
        if (n == 0 || n > 3) {
            rc = RL_EINVAL; /* not a single-byte charset below the BMP */
            break;
        }
        memcpy(e, buf, n);
        e[3] = (uint8_t)n;
    }
    iconv_close(cd);
    return rc;
}

int
mime_charset_init(void)
{
    int rc = cs_build(&cs_tables[MIME_CS_LATIN1 - MIME_CS_LATIN1], "ISO-8859-1");
    if (rc == 0) {
        rc = cs_build(&cs_tables[MIME_CS_CP1252 - MIME_CS_LATIN1], "WINDOWS-1252");
    }
    return rc;
}

static uint8_t
ascii_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* name_eq compares `name` case-insensitively with lower-case `lit`. */
static int
name_eq(const uint8_t *name, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (n != len) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (ascii_lower(name[i]) != (uint8_t)lit[i]) {
            return 0;
        }
    }
    return 1;
}

enum mime_charset
mime_charset_from_name(const uint8_t *name, size_t len)
{
    static const char *const utf8_names[] = {"utf-8", "utf8", "us-ascii", "ascii"};
    static const char *const latin1_names[] = {"iso-8859-1", "latin1", "l1", "iso_8859-1", "cp819"};
    static const char *const cp1252_names[] = {"windows-1252", "cp1252", "x-cp1252"};

    if (name == NULL) {
        return MIME_CS_UTF8;
    }
    while (len > 0 && (name[0] == ' ' || name[0] == '\t')) {
        name++;
        len--;
    }
    while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t')) {
        len--;
    }
    if (len == 0) {
        return MIME_CS_UTF8; /* unlabelled text is scanned as UTF-8 */
    }
    for (size_t i = 0; i < sizeof(utf8_names) / sizeof(utf8_names[0]); i++) {
        if (name_eq(name, len, utf8_names[i])) {
            return MIME_CS_UTF8;
        }
    }
    for (size_t i = 0; i < sizeof(latin1_names) / sizeof(latin1_names[0]); i++) {
        if (name_eq(name, len, latin1_names[i])) {
            return MIME_CS_LATIN1;
        }
    }
    for (size_t i = 0; i < sizeof(cp1252_names) / sizeof(cp1252_names[0]); i++) {
        if (name_eq(name, len, cp1252_names[i])) {
            return MIME_CS_CP1252;
        }
    }
    return MIME_CS_OTHER;
}

size_t
mime_charset_utf8_cap(size_t in_len)
{
    return in_len * 3; /* every single-byte table entry is at most 3 bytes */
}

static const struct cs_table *
cs_table_get(enum mime_charset cs)
{
    if (cs == MIME_CS_LATIN1 || cs == MIME_CS_CP1252) {
        return &cs_tables[cs - MIME_CS_LATIN1];
    }
    return NULL;
}

/* cs_width is the UTF-8 length a source byte becomes. */
static size_t
cs_width(const struct cs_table *t, uint8_t c)
{
    if (c < 0x80) {
        return 1;
    }
    size_t n = t->utf8[c - 0x80][3];
    return n != 0 ? n : 3;
}

void
mime_charset_to_utf8(uint8_t *out, size_t *out_len, enum mime_charset cs, const uint8_t *in,
                     size_t in_len)
{
    const struct cs_table *t = cs_table_get(cs);
    if (t == NULL) {
        if (in_len > 0) {
            memcpy(out, in, in_len);
        }
        *out_len = in_len;
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < in_len; i++) {
        uint8_t c = in[i];
        if (c < 0x80) {
            out[o++] = c;
            continue;
        }
        const uint8_t *e = t->utf8[c - 0x80];
        if (e[3] == 0) {
            e = utf8_replacement; /* mime_charset_init() not called */
        }
        /* Three fixed stores are within mime_charset_utf8_cap: o <= 3 * i. */
        out[o] = e[0];
        out[o + 1] = e[1];
        out[o + 2] = e[2];
        o += e[3];
    }
    *out_len = o;
}

size_t
mime_charset_src_offset(enum mime_charset cs, const uint8_t *src, size_t src_len, size_t utf8_off)
{
    struct mime_charset_walk w = {0};
    return mime_charset_src_offset_next(&w, cs, src, src_len, utf8_off);
}

size_t
mime_charset_src_offset_next(struct mime_charset_walk *w, enum mime_charset cs, const uint8_t *src,
                             size_t src_len, size_t utf8_off)
{
    const struct cs_table *t = cs_table_get(cs);
    if (t == NULL) {
        return utf8_off < src_len ? utf8_off : src_len;
    }
    if (utf8_off < w->utf8) {
        *w = (struct mime_charset_walk){0}; /* a step back: walk again from the start */
    }
    for (; w->src < src_len; w->src++) {
        size_t u = w->utf8 + cs_width(t, src[w->src]);
        if (utf8_off < u) {
            return w->src;
        }
        w->utf8 = u;
    }
    return src_len;
}
