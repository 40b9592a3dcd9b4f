/* SPDX-License-Identifier: Apache-2.0 */
/* Charset names to enum, and single-byte charsets to UTF-8 by table lookup.
 * Owns the two 128-entry tables, written once by mime_charset_init() on the
 * main thread before workers start and read-only afterwards; other tables
 * are their callers' (mime_charset_table_build, any thread). */
#include "mime_charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <string.h>

#include "rl_error.h"

/* Indexed by enum mime_charset - MIME_CS_LATIN1. A zero length in an entry
 * (tables not built yet) is written as U+FFFD rather than dropped. */
static struct mime_charset_table cs_tables[2];

/* U+FFFD in table-entry form. */
static const uint8_t utf8_replacement[4] = {0xEF, 0xBF, 0xBD, 3};

/* Length of the UTF-8 sequence led by `c` (0: not a lead byte). */
static size_t
utf8_seq_len(uint8_t c)
{
    return c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 ? 4 : 0;
}

/* Fills the entries of octets b, b+1, ... from one conversion of them: each
 * octet must be one character of at most 3 UTF-8 bytes; conversion stops at
 * an octet that is not text. Returns the octets done or -1. */
static long
table_run(struct mime_charset_table *t, iconv_t cd, const char *octets, unsigned b)
{
    char out[128 * 4];
    char *ip = (char *)(uintptr_t)(octets + b);
    size_t il = 256 - b;
    char *op = out;
    size_t ol = sizeof(out);
    iconv(cd, NULL, NULL, NULL, NULL);
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    if (r == (size_t)-1 && errno != EILSEQ) {
        return -1; /* a cut sequence: a multi-byte charset */
    }
    size_t done = (size_t)(ip - (octets + b));
    size_t made = (size_t)(op - out);
    size_t o = 0;
    for (size_t k = 0; k < done; k++) {
        size_t n = o < made ? utf8_seq_len((uint8_t)out[o]) : 0;
        if (n == 0 || n > 3 || o + n > made) {
            return -1; /* an octet that made no character, or one past the BMP */
        }
        uint8_t *e = t->utf8[b + k - 0x80];
        memcpy(e, out + o, n);
        e[3] = (uint8_t)n;
        o += n;
    }
    return o == made ? (long)done : -1; /* not one character per octet */
}

int
mime_charset_table_build(struct mime_charset_table *t, const char *iconv_name)
{
    iconv_t cd = iconv_open("UTF-8", iconv_name);
    if (cd == (iconv_t)-1) {
        return RL_EINVAL;
    }
    char octets[256];
    for (unsigned i = 0; i < 256; i++) {
        octets[i] = (char)i;
    }
    /* 0x00-0x7F must read as ASCII (not EBCDIC, UTF-7, HZ, ISO 2022 shifts). */
    char out[256];
    char *ip = octets;
    size_t il = 128;
    char *op = out;
    size_t ol = sizeof(out);
    int rc = 0;
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || op - out != 128 ||
        memcmp(out, octets, 128) != 0) {
        rc = RL_EINVAL;
    }
    /* ... also on their own: ESC, SO and SI shift ISO 2022 codes, '+' and
     * '~' begin UTF-7 and HZ sequences (a decoder may pass them through
     * when what follows is no sequence). */
    static const char lone[] = {0x1B, 0x0E, 0x0F, '+', '~'};
    for (size_t i = 0; rc == 0 && i < sizeof(lone); i++) {
        ip = (char *)(uintptr_t)&lone[i];
        il = 1;
        op = out;
        ol = sizeof(out);
        iconv(cd, NULL, NULL, NULL, NULL);
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || op - out != 1 || out[0] != lone[i]) {
            rc = RL_EINVAL;
        }
    }
    /* 0x80-0xFF in as few conversions as there are octets that are not text
     * (Windows-1252 0x81, 0x8D, 0x8F, 0x90, 0x9D): those become U+FFFD, they
     * are not text in any mail we scan, and a C1 control would only hide
     * bytes from detectors. */
    for (unsigned b = 0x80; rc == 0 && b <= 0xFF;) {
        long done = table_run(t, cd, octets, b);
        if (done < 0) {
            rc = RL_EINVAL;
            break;
        }
        b += (unsigned)done;
        if (b <= 0xFF) {
            memcpy(t->utf8[b - 0x80], utf8_replacement, 4);
            b++;
        }
    }
    iconv_close(cd);
    return rc;
}

const struct mime_charset_table *
mime_charset_table_of(enum mime_charset cs)
{
    if (cs == MIME_CS_LATIN1 || cs == MIME_CS_CP1252) {
        return &cs_tables[cs - MIME_CS_LATIN1];
    }
    return NULL;
}

int
mime_charset_init(void)
{
    int rc = mime_charset_table_build(&cs_tables[MIME_CS_LATIN1 - MIME_CS_LATIN1], "ISO-8859-1");
    if (rc == 0) {
        rc = mime_charset_table_build(&cs_tables[MIME_CS_CP1252 - MIME_CS_LATIN1], "WINDOWS-1252");
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

/* ascii8 reads the eight bytes at p into *out_x and tells whether all are
 * ASCII (a run of them converts one to one, in any table). */
static bool
ascii8(uint64_t *out_x, const uint8_t *p)
{
    memcpy(out_x, p, 8);
    return (*out_x & 0x8080808080808080ull) == 0;
}

/* cs_width is the UTF-8 length a source byte becomes. */
static size_t
cs_width(const struct mime_charset_table *t, uint8_t c)
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
    mime_charset_table_to_utf8(out, out_len, mime_charset_table_of(cs), in, in_len);
}

void
mime_charset_table_to_utf8(uint8_t *out, size_t *out_len, const struct mime_charset_table *t,
                           const uint8_t *in, size_t in_len)
{
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
            /* at an ASCII byte, a run of them eight at a time */
            uint64_t x;
            while (in_len - i >= 8 && ascii8(&x, in + i)) { /* o + 8 <= 3 * (i + 8) */
                memcpy(out + o, &x, 8);
                o += 8;
                i += 8;
            }
            if (i == in_len) {
                break;
            }
            c = in[i];
        }
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
    return mime_charset_table_src_offset_next(w, mime_charset_table_of(cs), src, src_len, utf8_off);
}

size_t
mime_charset_table_src_offset_next(struct mime_charset_walk *w, const struct mime_charset_table *t,
                                   const uint8_t *src, size_t src_len, size_t utf8_off)
{
    if (t == NULL) {
        return utf8_off < src_len ? utf8_off : src_len;
    }
    if (utf8_off < w->utf8) {
        *w = (struct mime_charset_walk){0}; /* a step back: walk again from the start */
    }
    for (; w->src < src_len; w->src++) {
        /* at an ASCII byte, eight ASCII bytes at a time that all end
         * before utf8_off */
        uint64_t x;
        while (src[w->src] < 0x80 && src_len - w->src >= 8 && utf8_off >= w->utf8 + 8 &&
               ascii8(&x, src + w->src)) {
            w->src += 8;
            w->utf8 += 8;
        }
        if (w->src == src_len) {
            break;
        }
        size_t u = w->utf8 + cs_width(t, src[w->src]);
        if (utf8_off < u) {
            return w->src;
        }
        w->utf8 = u;
    }
    return src_len;
}
