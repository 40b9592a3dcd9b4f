/* SPDX-License-Identifier: Apache-2.0 */
/* Legacy charsets to UTF-8 and back by glibc iconv, with the octets that are
 * not valid text carried through as private-use characters. Owns nothing but
 * the descriptors in the caller's struct mime_xcode; one thread per struct. */
#include "mime_transcode.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "rl_error.h"

/* Octets that are not text in the charset: U+F700 + octet, EF 9C..9F xx. */
#define ESC_BASE 0xF700u

static const iconv_t closed = (iconv_t)-1;

void
mime_xcode_init(struct mime_xcode *x)
{
    memset(x, 0, sizeof(*x));
    x->in = closed;
    x->out = closed;
}

void
mime_xcode_close(struct mime_xcode *x)
{
    if (x->in != closed) {
        iconv_close(x->in);
    }
    if (x->out != closed) {
        iconv_close(x->out);
    }
    x->in = closed;
    x->out = closed;
    x->name[0] = '\0';
    x->table = NULL;
    x->ascii_same = false;
}

/* Whether `cd` reads every ASCII octet but the ISO 2022 shifts as itself,
 * each on its own from the initial state (UTF-7's '+' and HZ's '~' begin
 * sequences; EBCDIC is another code). */
static bool
probe_ascii(iconv_t cd)
{
    static const char probe[] = "\t\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    for (size_t i = 0; i + 1 < sizeof(probe); i++) {
        char out[8];
        char *ip = (char *)(uintptr_t)&probe[i];
        size_t il = 1;
        char *op = out;
        size_t ol = sizeof(out);
        iconv(cd, NULL, NULL, NULL, NULL);
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0 || ol != sizeof(out) - 1 ||
            out[0] != probe[i]) {
            return false;
        }
    }
    return true;
}

/* The superset a reader decodes a legacy label with (WHATWG Encoding's
 * label table, where glibc has the charset). */
static const char *
superset(const char *lower)
{
    static const struct {
        const char *label;
        const char *name;
    } map[] = {
        {"gb2312", "GB18030"},       {"gbk", "GB18030"},          {"x-gbk", "GB18030"},
        {"cp936", "GB18030"},        {"ms936", "GB18030"},        {"windows-936", "GB18030"},
        {"euc-cn", "GB18030"},       {"euccn", "GB18030"},        {"x-euc-cn", "GB18030"},
        {"csgb2312", "GB18030"},     {"chinese", "GB18030"},      {"gb_2312-80", "GB18030"},
        {"eucgb2312_cn", "GB18030"}, {"iso-ir-58", "GB18030"},    {"shift_jis", "CP932"},
        {"shift-jis", "CP932"},      {"sjis", "CP932"},           {"x-sjis", "CP932"},
        {"ms_kanji", "CP932"},       {"csshiftjis", "CP932"},     {"windows-31j", "CP932"},
        {"x-ms-cp932", "CP932"},     {"euc-kr", "CP949"},         {"euckr", "CP949"},
        {"cseuckr", "CP949"},        {"ks_c_5601-1987", "CP949"}, {"ks_c_5601-1989", "CP949"},
        {"ksc5601", "CP949"},        {"ksc_5601", "CP949"},       {"korean", "CP949"},
        {"iso-ir-149", "CP949"},     {"windows-949", "CP949"},    {"big5", "BIG5-HKSCS"},
        {"big-5", "BIG5-HKSCS"},     {"cn-big5", "BIG5-HKSCS"},   {"csbig5", "BIG5-HKSCS"},
        {"x-x-big5", "BIG5-HKSCS"},  {"tis-620", "CP874"},        {"iso-8859-11", "CP874"},
        {"windows-874", "CP874"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(lower, map[i].label) == 0) {
            return map[i].name;
        }
    }
    return NULL;
}

/* Labels read elsewhere: as they are (UTF-8, ASCII) or as UTF-16. */
static bool
left_to_others(const char *lower)
{
    static const char *const prefix[] = {"utf-16", "utf16", "utf-32", "utf32",  "ucs-2",
                                         "ucs2",   "ucs-4", "ucs4",   "unicode"};
    if (strcmp(lower, "utf-8") == 0 || strcmp(lower, "utf8") == 0 ||
        strcmp(lower, "us-ascii") == 0 || strcmp(lower, "ascii") == 0) {
        return true;
    }
    for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
        if (strncmp(lower, prefix[i], strlen(prefix[i])) == 0) {
            return true;
        }
    }
    return false;
}

/* The iconv name to read MIME label `label` with, written in lower case
 * into `lower`; NULL with *out_rc set for a label left to others (RL_ENOENT)
 * or not a plain name (RL_EINVAL). */
static const char *
iconv_name(char lower[MIME_XCODE_NAME_MAX], int *out_rc, const uint8_t *label, size_t len)
{
    *out_rc = RL_ENOENT;
    while (len > 0 && (label[0] == ' ' || label[0] == '\t')) {
        label++;
        len--;
    }
    while (len > 0 && (label[len - 1] == ' ' || label[len - 1] == '\t')) {
        len--;
    }
    if (len == 0) {
        return NULL;
    }
    *out_rc = RL_EINVAL;
    if (len >= MIME_XCODE_NAME_MAX) {
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = label[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == ':';
        if (!ok) {
            return NULL; /* iconv reads "//" and "," as options */
        }
        lower[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    lower[len] = '\0';
    if (left_to_others(lower)) {
        *out_rc = RL_ENOENT;
        return NULL;
    }
    const char *name = superset(lower);
    return name != NULL ? name : lower;
}

int
mime_xcode_open(struct mime_xcode *x, const uint8_t *label, size_t len)
{
    char lower[MIME_XCODE_NAME_MAX];
    int rc = 0;
    const char *name = iconv_name(lower, &rc, label, len);
    if (name == NULL) {
        mime_xcode_close(x);
        return rc;
    }
    if (x->name[0] != '\0' && strcmp(x->name, name) == 0) {
        return 0; /* open already: a message's parts share their charset */
    }
    mime_xcode_close(x);
    size_t name_len = strlen(name) + 1;
    for (size_t i = 0; i < MIME_XCODE_TABLES; i++) {
        if (strcmp(x->sb[i].name, name) == 0) {
            x->table = &x->sb[i].t;
            break;
        }
    }
    if (x->table == NULL) {
        unsigned k = x->sb_next;
        x->sb[k].name[0] = '\0';
        if (mime_charset_table_build(&x->sb[k].t, name) == 0) {
            memcpy(x->sb[k].name, name, name_len);
            x->table = &x->sb[k].t;
            x->sb_next = (k + 1) % MIME_XCODE_TABLES;
        }
    }
    if (x->table != NULL) {
        x->ascii_same = true;
        memcpy(x->name, name, name_len);
        return 0;
    }
    x->in = iconv_open("UTF-8", name);
    x->out = iconv_open(name, "UTF-8");
    if (x->in == closed || x->out == closed) {
        mime_xcode_close(x);
        return RL_EINVAL;
    }
    memcpy(x->name, name, name_len);
    x->ascii_same = probe_ascii(x->in);
    return 0;
}

bool
mime_xcode_ascii_same(struct mime_xcode *x, const uint8_t *in, size_t len)
{
    if (!x->ascii_same) {
        return false;
    }
    /* Eight bytes at a time: no byte >= 0x80, and none is ESC, SO or SI
     * (v - ones & ~v has a high bit set exactly where v has a zero byte, at
     * least once when there is one). */
    const uint64_t ones = 0x0101010101010101ull;
    const uint64_t high = 0x8080808080808080ull;
    uint64_t acc = 0;
    uint64_t shift = 0;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t v;
        memcpy(&v, in + i, 8);
        uint64_t e = v ^ (ones * 0x1B);
        uint64_t so = v ^ (ones * 0x0E); /* SO 0x0E and SI 0x0F differ in bit 0 */
        acc |= v;
        shift |= ((e - ones) & ~e) | (((so & ~ones) - ones) & ~(so & ~ones));
    }
    uint8_t tail = 0;
    bool tail_shift = false;
    for (; i < len; i++) {
        tail |= in[i];
        tail_shift |= in[i] == 0x1B || in[i] == 0x0E || in[i] == 0x0F;
    }
    return ((acc & high) | (shift & high)) == 0 && tail < 0x80 && !tail_shift;
}

size_t
mime_xcode_utf8_cap(size_t len)
{
    return 3 * len + 16;
}

size_t
mime_xcode_from_utf8_cap(size_t len)
{
    return 2 * len + 16;
}

/* An escaped octet (U+F700 + octet) at out[0, 3). */
static void
put_escape(char *out, uint8_t octet)
{
    unsigned cp = ESC_BASE + octet;
    out[0] = (char)0xEF;
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
}

/* mime_xcode_to_utf8 for a single-byte table: an octet it leaves undefined
 * (U+FFFD in the table) is escaped. */
static int
table_to_utf8(const struct mime_charset_table *t, uint8_t *out, size_t cap, size_t *out_len,
              size_t *out_bad, const uint8_t *in, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (cap - o < 3) {
            explicit_bzero(out, o);
            *out_bad = 0;
            return RL_ELIMIT;
        }
        uint8_t c = in[i];
        const uint8_t *e = c >= 0x80 ? t->utf8[c - 0x80] : NULL;
        if (e == NULL) {
            out[o++] = c;
        } else if (e[3] == 0 || (e[3] == 3 && e[0] == 0xEF && e[1] == 0xBF && e[2] == 0xBD)) {
            put_escape((char *)out + o, c);
            o += 3;
            (*out_bad)++;
        } else {
            memcpy(out + o, e, e[3]);
            o += e[3];
        }
    }
    *out_len = o;
    return 0;
}

/* Opens the descriptor for writing a table charset on first use. */
static bool
have_out(struct mime_xcode *x)
{
    if (x->out == closed && x->name[0] != '\0') {
        x->out = iconv_open(x->name, "UTF-8");
    }
    return x->out != closed;
}

int
mime_xcode_to_utf8(struct mime_xcode *x, uint8_t *out, size_t cap, size_t *out_len, size_t *out_bad,
                   const uint8_t *in, size_t len)
{
    *out_len = 0;
    *out_bad = 0;
    if (x->table != NULL) {
        return table_to_utf8(x->table, out, cap, out_len, out_bad, in, len);
    }
    if (x->in == closed) {
        return RL_EINVAL;
    }
    char *ip = (char *)(uintptr_t)in;
    size_t il = len;
    char *op = (char *)out;
    size_t ol = cap;
    int rc = 0;
    iconv(x->in, NULL, NULL, NULL, NULL);
    while (il > 0) {
        if (iconv(x->in, &ip, &il, &op, &ol) != (size_t)-1) {
            break;
        }
        if (errno == E2BIG || ol < 3) {
            rc = RL_ELIMIT;
            break;
        }
        /* EILSEQ, or EINVAL for a sequence cut by the end: the octet is
         * carried as U+F700 + octet and reading goes on after it. */
        put_escape(op, (uint8_t)*ip);
        op += 3;
        ol -= 3;
        ip++;
        il--;
        (*out_bad)++;
    }
    if (rc == 0 && iconv(x->in, NULL, NULL, &op, &ol) == (size_t)-1) {
        rc = RL_ELIMIT;
    }
    if (rc != 0) {
        explicit_bzero(out, (size_t)(op - (char *)out)); /* no part text left behind */
        *out_bad = 0;
        return rc;
    }
    *out_len = (size_t)(op - (char *)out);
    return 0;
}

/* Where the next escaped octet (U+F700..U+F7FF) begins in in[from, len). */
static size_t
next_escape(const uint8_t *in, size_t from, size_t len)
{
    for (size_t i = from; i + 2 < len; i++) {
        if (in[i] == 0xEF && in[i + 1] >= 0x9C && in[i + 1] <= 0x9F && (in[i + 2] & 0xC0) == 0x80) {
            return i;
        }
    }
    return len;
}

int
mime_xcode_from_utf8(struct mime_xcode *x, uint8_t *out, size_t cap, size_t *out_len,
                     const uint8_t *in, size_t len)
{
    *out_len = 0;
    if (!have_out(x)) {
        return RL_EINVAL;
    }
    char *op = (char *)out;
    size_t ol = cap;
    int rc = 0;
    iconv(x->out, NULL, NULL, NULL, NULL);
    for (size_t pos = 0; pos < len && rc == 0;) {
        size_t esc = next_escape(in, pos, len);
        char *ip = (char *)(uintptr_t)(in + pos);
        size_t il = esc - pos;
        if (il > 0 && iconv(x->out, &ip, &il, &op, &ol) == (size_t)-1) {
            rc = errno == E2BIG ? RL_ELIMIT : RL_EINVAL;
            break;
        }
        if (esc == len) {
            break;
        }
        if (ol == 0) {
            rc = RL_ELIMIT;
            break;
        }
        *op++ = (char)(((in[esc + 1] - 0x9C) << 6) | (in[esc + 2] & 0x3F));
        ol--;
        pos = esc + 3;
    }
    if (rc == 0 && iconv(x->out, NULL, NULL, &op, &ol) == (size_t)-1) {
        rc = errno == E2BIG ? RL_ELIMIT : RL_EINVAL;
    }
    if (rc != 0) {
        explicit_bzero(out, (size_t)(op - (char *)out));
        return rc;
    }
    *out_len = (size_t)(op - (char *)out);
    return 0;
}
