/* SPDX-License-Identifier: Apache-2.0 */
/* TNEF ([MS-OXTNEF], Outlook's winmail.dat). The attribute stream is framed
 * and checked here first (lengths, checksums, levels, order, repeats), so
 * that libytnef 2.0 only sees what it parses safely: it leaks what a
 * repeated attribute held, fails on a subject, title or icon longer than
 * its fixed caps (100 and 10,000 bytes), and prints to stdout when it
 * refuses something. The subject, the plain body and the attachment titles
 * are read from the frame directly; libytnef gets the MAPI properties and
 * the attachments (rendering, data, properties) only. libytnef's
 * DecompressRTF is not used: it trusts the header's uncompressed size
 * (a 32-byte value claiming 0xFFFFFFF0 bytes makes it memcpy 4 GiB from
 * the input: ASan's heap-buffer-overflow), reads past the input, leaks on a
 * truncated stream and never returns a stored (MELA) body; [MS-OXRTFCP] is
 * a 4 KiB dictionary and two token kinds, decompressed here. Nothing is
 * written back: a finding to redact makes the file unredactable. */
#include "scan_tnef.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ytnef.h>

#include "internal.h"
#include "mime_charset.h"
#include "rl_le.h"
#include "rl_utf8.h"
#include "scan_redact.h"

/* ---- the attribute frame ([MS-OXTNEF] 2.1.3) ---- */

#define TNEF_SIGNATURE 0x223E9F78u
#define LVL_MSG 1
#define LVL_ATT 2

/* Attribute IDs (type << 16 | id), as libytnef dispatches them. */
#define ATT_SUBJECT 0x00018004u
#define ATT_BODY 0x0002800Cu
#define ATT_MAPI_PROPS 0x00069003u
#define ATT_RENDDATA 0x00069002u
#define ATT_ATTACH_DATA 0x0006800Fu
#define ATT_ATTACH_TITLE 0x00018010u
#define ATT_ATTACHMENT 0x00069005u

/* MAPI property IDs (the high half of a tag). */
#define PID_SUBJECT 0x0037
#define PID_SUBJECT_PREFIX 0x003D
#define PID_ORIGINAL_SUBJECT 0x0049
#define PID_CONVERSATION_TOPIC 0x0070
#define PID_NORMALIZED_SUBJECT 0x0E1D
#define PID_BODY 0x1000
#define PID_RTF_COMPRESSED 0x1009
#define PID_HTML 0x1013
#define PID_DISPLAY_NAME 0x3001
#define PID_ATTACH_DATA 0x3701 /* PR_ATTACH_DATA_BIN / _OBJ */
#define PID_ATTACH_FILENAME 0x3704
#define PID_ATTACH_LONG_FILENAME 0x3707

/* Attachments in one TNEF: libytnef finds the last one by walking its list
 * for every attribute, so their number is kept well under the quadratic. */
#define MAX_ATTACHMENTS 1000u

bool
scan_tnef_sniff(const uint8_t *p, size_t len)
{
    return len >= 6 && rl_le32(p) == TNEF_SIGNATURE;
}

/* One framed attribute. */
struct tnef_attr {
    uint8_t level;
    uint32_t id;
    const uint8_t *data;
    uint32_t len;
};

/* The raw title of attachment i (attAttachTitle), for its entry path. */
struct tnef_title {
    const uint8_t *p;
    size_t n;
};

struct tnef_walk {
    struct scan_doc *d;
    const char *loc;
    unsigned depth;
    size_t to_redact;
    char first[SCAN_DOC_LOC_MAX]; /* where the first finding to redact is */
    uint8_t *text;                /* owned: a text view */
    size_t text_cap;
    uint8_t *kept; /* owned: the stream libytnef parses */
    size_t kept_len;
    struct tnef_title *titles; /* owned, by attachment */
    size_t n_att, titles_cap;
};

/* ---- text ---- */

/* Ends the text so far with `lines` line breaks (1, or 2: a blank line,
 * which no detector reads across), unless it already does or is empty. */
static size_t
brk(uint8_t *out, size_t o, unsigned lines)
{
    for (unsigned k = 0; k < lines && o > 0; k++) {
        if (out[o - 1] != '\n' || (k == 1 && o >= 2 && out[o - 2] != '\n')) {
            out[o++] = '\n';
        }
    }
    return o;
}

/* A Windows-1252 byte >= 0x80 as UTF-8 into o; 0 when undefined. */
static size_t
put_cp1252(uint8_t *o, uint8_t b)
{
    const struct mime_charset_table *cp = mime_charset_table_of(MIME_CS_CP1252);
    const uint8_t *u = cp != NULL ? cp->utf8[b - 0x80] : NULL;
    if (u == NULL || (u[3] == 3 && u[0] == 0xEF && u[1] == 0xBF && u[2] == 0xBD)) {
        return 0;
    }
    memcpy(o, u, u[3]);
    return u[3];
}

/* A string property or attribute as text: UTF-8 (`utf8`, what libytnef
 * made of a Unicode string) or Windows-1252 bytes; CR LF a line break,
 * NUL and other control characters a blank line (a string's NUL does not
 * hide what follows it). Capacity 3n + 2. */
static size_t
plain_text(uint8_t *out, const uint8_t *p, size_t n, bool utf8)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '\r') {
            if (i + 1 < n && p[i + 1] == '\n') {
                continue;
            }
            out[o++] = '\n';
        } else if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F) || (utf8 && c >= 0x80)) {
            out[o++] = c;
        } else if (c >= 0x80) {
            size_t k = put_cp1252(out + o, c);
            o = k > 0 ? o + k : brk(out, o, 2);
        } else {
            o = brk(out, o, 2);
        }
    }
    return o;
}

/* ---- RTF ---- */

size_t
scan_tnef_rtf_text_cap(size_t n)
{
    return 3 * n + 2;
}

/* Destinations whose groups hold no text a reader sees (tables, pictures,
 * object data). A group opened by \* is skipped unless it is one of
 * `star_text` (Outlook's encapsulated HTML keeps tags and some text in
 * \htmltag groups). */
static bool
skip_dest(const char *w, bool star)
{
    static const char *const no_text[] = {
        "fonttbl",      "colortbl", "stylesheet", "listtable", "listoverridetable",
        "revtbl",       "rsidtbl",  "pict",       "objdata",   "nonshppict",
        "filetbl",      "pgdsctbl", "themedata",  "datastore", "colorschememapping",
        "latentstyles", "xmlnstbl", "generator",  "bin",
    };
    if (star) {
        return strcmp(w, "htmltag") != 0 && strcmp(w, "mhtmltag") != 0;
    }
    for (size_t i = 0; i < sizeof(no_text) / sizeof(no_text[0]); i++) {
        if (strcmp(w, no_text[i]) == 0) {
            return true;
        }
    }
    return false;
}

static int
hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        return (c | 0x20) - 'a' + 10;
    }
    return -1;
}

#define UC_STACK 64

struct rtf {
    uint8_t *out;
    size_t o;
    size_t depth;
    size_t skip_from; /* groups at this depth and deeper are skipped; SIZE_MAX none */
    unsigned uc[UC_STACK];
    unsigned pending; /* fallback characters of the last \uN still to skip */
    uint32_t high;    /* a high surrogate waiting for its low half */
    bool dest;        /* just after '{' (and \*): a destination may be named */
    bool star;
};

static unsigned *
uc_of(struct rtf *r)
{
    return &r->uc[r->depth < UC_STACK ? r->depth : UC_STACK - 1];
}

static bool
skipping(const struct rtf *r)
{
    return r->depth >= r->skip_from;
}

/* A character of the text: skipped as a \uN fallback, else written. */
static void
rtf_char(struct rtf *r, uint32_t u)
{
    if (r->pending > 0) {
        r->pending--;
        return;
    }
    r->high = 0;
    if (u == '\t' || u == '\n') {
        r->out[r->o++] = (uint8_t)u;
    } else if (u >= 0x20 && u != 0x7F && (u < 0xD800 || u > 0xDFFF)) {
        r->o += rl_utf8_put(r->out + r->o, u);
    }
}

/* An 8-bit byte of the text, raw or written \'hh: a Windows-1252
 * character, unless it stands in for the \uN before it. */
static void
rtf_byte(struct rtf *r, uint8_t b)
{
    uint8_t u8[4];
    size_t k = put_cp1252(u8, b);
    if (r->pending > 0) {
        r->pending--;
    } else if (k > 0) {
        memcpy(r->out + r->o, u8, k);
        r->o += k;
    }
}

static void
rtf_unicode(struct rtf *r, long v)
{
    uint32_t u = (uint32_t)(v < 0 ? v + 65536 : v) & 0xFFFF;
    r->pending = 0;
    if (u >= 0xD800 && u <= 0xDBFF) {
        r->high = u;
    } else if (u >= 0xDC00 && u <= 0xDFFF && r->high != 0) {
        uint32_t cp = 0x10000 + ((r->high - 0xD800) << 10) + (u - 0xDC00);
        r->high = 0;
        r->o += rl_utf8_put(r->out + r->o, cp);
    } else {
        rtf_char(r, u);
    }
    r->pending = *uc_of(r);
}

/* What a control word does to the text. */
static void
rtf_word(struct rtf *r, const char *w, bool has_arg, long arg)
{
    static const struct {
        const char *word;
        uint32_t ch; /* a character, or 1 / 2 line breaks */
    } map[] = {
        {"par", 1},
        {"line", 1},
        {"sect", 2},
        {"page", 2},
        /* a table as Word copies it (and as scan_ooxml and scan_html read
         * one): a tab between cells, a line between rows */
        {"cell", '\t'},
        {"row", 1},
        {"nestcell", '\t'},
        {"nestrow", 1},
        {"tab", '\t'},
        {"emdash", 0x2014},
        {"endash", 0x2013},
        {"emspace", ' '},
        {"enspace", ' '},
        {"qmspace", ' '},
        {"bullet", 0x2022},
        {"lquote", 0x2018},
        {"rquote", 0x2019},
        {"ldblquote", 0x201C},
        {"rdblquote", 0x201D},
    };
    if (strcmp(w, "u") == 0 && has_arg) {
        rtf_unicode(r, arg);
        return;
    }
    if (strcmp(w, "uc") == 0 && has_arg) {
        *uc_of(r) = arg < 0 ? 0 : arg > 16 ? 16 : (unsigned)arg;
        return;
    }
    if (r->pending > 0) {
        r->pending--; /* a control word counts as one fallback character */
        return;
    }
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(w, map[i].word) == 0) {
            if (map[i].ch <= 2) {
                r->o = brk(r->out, r->o, map[i].ch);
            } else {
                rtf_char(r, map[i].ch);
            }
            return;
        }
    }
}

size_t
scan_tnef_rtf_text(uint8_t *out, const uint8_t *p, size_t n)
{
    struct rtf r = {.out = out, .skip_from = SIZE_MAX};
    for (size_t k = 0; k < UC_STACK; k++) {
        r.uc[k] = 1;
    }
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '{') {
            r.depth++;
            *uc_of(&r) = r.depth < UC_STACK ? r.uc[r.depth - 1] : *uc_of(&r);
            r.dest = true;
            r.star = false;
            r.pending = 0;
            i++;
            continue;
        }
        if (c == '}') {
            if (r.depth > 0) {
                if (r.depth == r.skip_from) {
                    r.skip_from = SIZE_MAX;
                }
                r.depth--;
            }
            r.dest = false;
            r.pending = 0;
            i++;
            continue;
        }
        if (c == '\r' || c == '\n') {
            i++;
            continue;
        }
        if (c != '\\') {
            r.dest = false;
            i++;
            if (skipping(&r)) {
                continue;
            }
            if (c >= 0x80) {
                rtf_byte(&r, c);
            } else {
                rtf_char(&r, c);
            }
            continue;
        }
        if (i + 1 >= n) {
            break;
        }
        uint8_t s = p[i + 1];
        bool alpha = (s | 0x20) >= 'a' && (s | 0x20) <= 'z';
        if (!alpha) {
            i += 2;
            if (s == '*') {
                r.star = true; /* keeps r.dest */
                continue;
            }
            r.dest = false;
            if (s == '\'') {
                int hi = i < n ? hexval(p[i]) : -1;
                int lo = i + 1 < n ? hexval(p[i + 1]) : -1;
                if (hi < 0 || lo < 0) {
                    continue;
                }
                i += 2;
                uint8_t b = (uint8_t)(hi << 4 | lo);
                if (skipping(&r)) {
                    continue;
                }
                if (b >= 0x80) {
                    rtf_byte(&r, b);
                } else {
                    rtf_char(&r, b == '\r' ? '\n' : b);
                }
                continue;
            }
            if (skipping(&r)) {
                continue;
            }
            if (s == '\\' || s == '{' || s == '}') {
                rtf_char(&r, s);
            } else if (s == '~') {
                rtf_char(&r, ' ');
            } else if (s == '_') {
                rtf_char(&r, '-');
            } else if (s == '\n' || s == '\r') {
                r.o = r.pending > 0 ? r.o : brk(r.out, r.o, 1);
            } else if (s != '-' && r.pending > 0) {
                r.pending--;
            }
            continue;
        }
        /* a control word: letters, an optional signed number, one space */
        char w[33];
        size_t wl = 0;
        i++;
        while (i < n && (((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z'))) {
            if (wl < sizeof(w) - 1) {
                w[wl++] = (char)p[i];
            }
            i++;
        }
        w[wl] = '\0';
        bool neg = i < n && p[i] == '-';
        size_t d0 = i + neg;
        size_t d = d0;
        long arg = 0;
        while (d < n && p[d] >= '0' && p[d] <= '9') {
            if (arg < 100000000L) {
                arg = arg * 10 + (p[d] - '0');
            }
            d++;
        }
        bool has_arg = d > d0;
        i = has_arg ? d : i;
        arg = neg ? -arg : arg;
        if (i < n && p[i] == ' ') {
            i++;
        }
        if (strcmp(w, "bin") == 0) { /* raw bytes, whatever they are */
            size_t skip = has_arg && arg > 0 ? (size_t)arg : 0;
            i = skip < n - i ? i + skip : n;
            r.dest = false;
            continue;
        }
        if (r.dest) {
            r.dest = false;
            if (!skipping(&r) && skip_dest(w, r.star)) {
                r.skip_from = r.depth;
                continue;
            }
        }
        if (!skipping(&r)) {
            rtf_word(&r, w, has_arg, arg);
        }
    }
    return r.o;
}

/* ---- compressed RTF ([MS-OXRTFCP]) ---- */

#define RTF_LZFU 0x75465A4Cu /* "LZFu" */
#define RTF_MELA 0x414C454Du /* "MELA" */

static const char RTF_DICT[] =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    "\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0"
    "\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

int
scan_tnef_rtf_decompress(uint8_t **out, size_t *out_len, const uint8_t *p, size_t n, size_t max)
{
    *out = NULL;
    *out_len = 0;
    if (n < 16 || rl_le32(p) != n - 4) {
        return RL_EINVAL;
    }
    size_t raw = rl_le32(p + 4);
    uint32_t type = rl_le32(p + 8);
    if (raw > max) {
        return RL_ELIMIT;
    }
    if (type == RTF_MELA) {
        if (raw > n - 16) {
            return RL_EINVAL;
        }
        *out = malloc(raw + 1);
        if (*out == NULL) {
            return RL_ENOMEM;
        }
        memcpy(*out, p + 16, raw);
        *out_len = raw;
        return 0;
    }
    /* a token of 2 bytes gives at most 17: more than that cannot be true */
    if (type != RTF_LZFU || raw / 9 > n) {
        return RL_EINVAL;
    }
    uint8_t dict[4096];
    size_t w = sizeof(RTF_DICT) - 1; /* 207 */
    memcpy(dict, RTF_DICT, w);
    memset(dict + w, 0, sizeof(dict) - w);
    uint8_t *o = malloc(raw + 1);
    if (o == NULL) {
        return RL_ENOMEM;
    }
    size_t ol = 0;
    size_t i = 16;
    bool end = false;
    while (!end && i < n && ol < raw) {
        uint8_t ctl = p[i++];
        for (unsigned bit = 0; bit < 8 && !end && ol < raw; bit++) {
            if ((ctl >> bit & 1) == 0) {
                if (i >= n) {
                    end = true;
                    break;
                }
                dict[w] = o[ol++] = p[i++];
                w = (w + 1) & 4095;
                continue;
            }
            if (i + 2 > n) {
                end = true;
                break;
            }
            size_t off = (size_t)p[i] << 4 | p[i + 1] >> 4;
            size_t len = (size_t)(p[i + 1] & 0x0F) + 2;
            i += 2;
            if (off == w) {
                end = true; /* the end marker */
                break;
            }
            for (size_t k = 0; k < len && ol < raw; k++) {
                uint8_t b = dict[(off + k) & 4095];
                dict[w] = o[ol++] = b;
                w = (w + 1) & 4095;
            }
        }
    }
    *out = o;
    *out_len = ol;
    return 0;
}

/* ---- scanning ---- */

/* Detects `types` in text[0, len) at `loc` and counts what is to be redacted. */
static int
scan_text(struct tnef_walk *w, const uint8_t *text, size_t len, const char *loc, unsigned types)
{
    struct scan_doc *d = w->d;
    size_t nf = 0;
    int rc = scan_doc_detect_types(d, &nf, text, len, types);
    if (rc == RL_ENOMEM) {
        return rc;
    }
    if (rc != 0) {
        scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "text could not be fully scanned");
    }
    size_t red = scan_doc_unwritten(d, d->f, nf);
    scan_doc_record(d, loc, d->f, nf);
    w->to_redact += red;
    if (red > 0 && w->first[0] == '\0') {
        snprintf(w->first, sizeof(w->first), "%s", loc);
    }
    return 0;
}

/* Path of entry `name` in the TNEF, as UTF-8 (the report's JSON needs it):
 * `name` is UTF-8 (`utf8`: what libytnef made of a Unicode string; an
 * incomplete sequence or a lone surrogate is a '?') or Windows-1252. */
static void
entry_loc(char *out, size_t cap, const char *loc, const uint8_t *name, size_t n, bool utf8)
{
    size_t o = (size_t)snprintf(out, cap, "%s%s", loc, loc[0] ? "/" : "");
    for (size_t i = 0; i < n && name[i] != '\0' && o < cap;) {
        uint8_t c = name[i];
        uint8_t seq[4];
        size_t k = 1;
        size_t used = 1;
        seq[0] = c;
        if (c >= 0x80 && !utf8) {
            k = put_cp1252(seq, c);
        } else if (c >= 0x80) {
            used = c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
            bool whole = used > 0 && used <= n - i && (name[i + 1] & 0xC0) == 0x80 &&
                         (used < 3 || (name[i + 2] & 0xC0) == 0x80) &&
                         !(c == 0xED && name[i + 1] >= 0xA0);
            k = whole ? used : 1;
            memcpy(seq, whole ? name + i : (const uint8_t *)"?", k);
            used = whole ? used : 1;
        } else if (c < 0x20 || c == 0x7F) {
            k = 0;
        }
        if (o + k >= cap) {
            break;
        }
        memcpy(out + o, seq, k);
        o += k;
        i += used;
    }
    out[o < cap ? o : cap - 1] = '\0';
}

/* Scans the string p[0, n) (`utf8`, or Windows-1252) as text at `loc`. */
static int
scan_string(struct tnef_walk *w, const uint8_t *p, size_t n, bool utf8, const char *loc,
            unsigned types)
{
    if (n == 0) {
        return 0;
    }
    if (!scan_grow((void **)&w->text, &w->text_cap, 3 * n + 2, 1)) {
        return RL_ENOMEM;
    }
    size_t len = plain_text(w->text, p, n, utf8);
    int rc = scan_text(w, w->text, len, loc, types);
    explicit_bzero(w->text, len);
    return rc;
}

/* A file held by the TNEF (an attachment, an HTML body) scanned as a
 * document of its own; its findings to redact count against the TNEF. */
static int
nested(struct tnef_walk *w, const uint8_t *p, size_t n, const char *loc)
{
    size_t before = w->to_redact;
    int rc = scan_doc_nested_held(w->d, &w->to_redact, p, n, loc, w->depth + 1);
    if (w->to_redact > before && w->first[0] == '\0') {
        snprintf(w->first, sizeof(w->first), "%s", loc);
    }
    return rc;
}

/* libytnef turns a Unicode string of n bytes into one UTF-8 sequence (1-3
 * bytes) per UTF-16 code unit and a NUL, but leaves the size at n: the
 * length of what it wrote, NULs inside the string included. */
static size_t
unicode_len(const uint8_t *u, size_t n)
{
    size_t o = 0;
    for (size_t k = 0; k < n / 2; k++) {
        uint8_t c = u[o];
        o += c < 0x80 ? 1 : c < 0xE0 ? 2 : 3;
    }
    return o;
}

/* Whether string property `pid` is a token machines read (identifiers,
 * address types, MIME tags, the transport's header block): not scanned. */
static bool
machine_prop(unsigned pid)
{
    static const uint16_t ids[] = {
        0x001A,                                 /* message class */
        0x0064, 0x0075, 0x0077, 0x0C1E, 0x3002, /* address types */
        0x007D,                                 /* transport message headers */
        0x1035, 0x1039, 0x1042,                 /* Message-ID, References, In-Reply-To */
        0x3703, 0x370E, 0x3712, 0x3713,         /* extension, MIME tag, Content-ID/-Location */
    };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (ids[i] == pid) {
            return true;
        }
    }
    return false;
}

/* Whether string property `pid` is text a reader shows as such (subject,
 * body, file names): every detector. Other strings (names, addresses) are
 * scanned but for e-mail addresses, as header fields are. */
static bool
text_prop(unsigned pid)
{
    return pid == PID_SUBJECT || pid == PID_SUBJECT_PREFIX || pid == PID_ORIGINAL_SUBJECT ||
           pid == PID_CONVERSATION_TOPIC || pid == PID_NORMALIZED_SUBJECT || pid == PID_BODY ||
           pid == PID_HTML || pid == PID_DISPLAY_NAME || pid == PID_ATTACH_FILENAME ||
           pid == PID_ATTACH_LONG_FILENAME;
}

static const char *
prop_loc_name(unsigned pid)
{
    switch (pid) {
    case PID_SUBJECT:
    case PID_SUBJECT_PREFIX:
    case PID_ORIGINAL_SUBJECT:
    case PID_CONVERSATION_TOPIC:
    case PID_NORMALIZED_SUBJECT:
        return "subject";
    case PID_BODY:
        return "body";
    case PID_HTML:
        return "body.html";
    case PID_RTF_COMPRESSED:
        return "body.rtf";
    default:
        return "properties";
    }
}

/* Charges n bytes (and an entry when `entry`) to the attachment's budget;
 * false (noted) when it is spent. */
static bool
charge(struct tnef_walk *w, size_t n, bool entry, const char *loc)
{
    struct scan_doc *d = w->d;
    if (entry && d->budget.entries_left == 0) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "more entries than max_archive_entries");
        return false;
    }
    if ((uint64_t)n > d->budget.bytes_left) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "more bytes than max_archive_bytes");
        return false;
    }
    d->budget.entries_left -= entry;
    d->budget.bytes_left -= n;
    return true;
}

static int
scan_rtf(struct tnef_walk *w, const uint8_t *p, size_t n, const char *loc)
{
    uint8_t *rtf = NULL;
    size_t rl = 0;
    int rc = scan_tnef_rtf_decompress(&rtf, &rl, p, n, w->d->budget.bytes_left);
    if (rc == RL_ENOMEM) {
        return rc;
    }
    if (rc == RL_ELIMIT) {
        scan_doc_note(w->d, SCAN_DOC_LIMIT, loc, "more bytes than max_archive_bytes");
        return 0;
    }
    if (rc != 0) {
        scan_doc_note(w->d, SCAN_DOC_UNREADABLE, loc, "compressed RTF body is malformed");
        return 0;
    }
    w->d->budget.bytes_left -= rl;
    if (scan_grow((void **)&w->text, &w->text_cap, scan_tnef_rtf_text_cap(rl), 1)) {
        size_t len = scan_tnef_rtf_text(w->text, rtf, rl);
        rc = scan_text(w, w->text, len, loc, ~0u);
        explicit_bzero(w->text, len);
    } else {
        rc = RL_ENOMEM;
    }
    explicit_bzero(rtf, rl);
    free(rtf);
    return rc;
}

/* The MAPI properties `mp` of the message (`att_loc` NULL) or of an
 * attachment at `att_loc`: strings scanned, the RTF body read, an
 * attachment's data property opened as a file. */
static int
scan_props(struct tnef_walk *w, const MAPIProps *mp, const char *att_loc)
{
    int rc = 0;
    for (DWORD i = 0; i < mp->count && rc == 0; i++) {
        const MAPIProperty *pr = &mp->properties[i];
        unsigned type = PROP_TYPE(pr->id);
        unsigned pid = pr->custom ? 0 : PROP_ID(pr->id);
        char loc[SCAN_DOC_LOC_MAX];
        if (att_loc != NULL) {
            snprintf(loc, sizeof(loc), "%s", att_loc);
        } else {
            entry_loc(loc, sizeof(loc), w->loc, (const uint8_t *)prop_loc_name(pid),
                      strlen(prop_loc_name(pid)), false);
        }
        for (ULONG k = 0; k < pr->count && pr->data != NULL && rc == 0; k++) {
            const variableLength *v = &pr->data[k];
            if (v->data == NULL || v->size <= 0) {
                continue;
            }
            size_t n = (size_t)v->size;
            if (type == PT_STRING8 || type == PT_UNICODE) {
                if (!pr->custom && machine_prop(pid)) {
                    continue;
                }
                unsigned types = !pr->custom && text_prop(pid) ? ~0u : ~SCAN_MASK(SCAN_T_EMAIL);
                size_t len = type == PT_UNICODE ? unicode_len(v->data, n) : n;
                rc = scan_string(w, v->data, len, type == PT_UNICODE, loc, types);
            } else if ((type == PT_BINARY || type == PT_OBJECT) && !pr->custom) {
                if (att_loc == NULL && pid == PID_RTF_COMPRESSED) {
                    rc = scan_rtf(w, v->data, n, loc);
                } else if (att_loc == NULL && pid == PID_HTML) {
                    rc = charge(w, n, false, loc) ? nested(w, v->data, n, loc) : 0;
                } else if (att_loc != NULL && pid == PID_ATTACH_DATA) {
                    /* an object is its interface's IID, then the object */
                    size_t skip = type == PT_OBJECT ? (n >= 16 ? 16 : n) : 0;
                    rc = charge(w, n - skip, false, loc) ? nested(w, v->data + skip, n - skip, loc)
                                                         : 0;
                }
            }
        }
    }
    return rc;
}

/* ---- the frame ---- */

static void
keep_add(struct tnef_walk *w, const uint8_t *rec, size_t n)
{
    memcpy(w->kept + w->kept_len, rec, n);
    w->kept_len += n;
}

/* Reads and checks the attributes of in[0, len): the subject and the body
 * scanned, the attachments' titles kept (they name the entries), what
 * libytnef parses (the MAPI properties; each attachment's rendering, data
 * and properties) copied to w->kept. An attribute that is repeated, or an
 * attachment's before its rendering, is refused: libytnef would lose what
 * the first one held. Returns 0, 1 when the stream is malformed or over a
 * limit (noted), or RL_ENOMEM. */
static int
frame(struct tnef_walk *w, const uint8_t *in, size_t len)
{
    struct scan_doc *d = w->d;
    w->kept = malloc(len);
    if (w->kept == NULL) {
        return RL_ENOMEM;
    }
    keep_add(w, in, 6); /* signature and legacy key */
    bool seen_msg_props = false;
    bool seen_msg[2] = {false, false}; /* subject, body */
    unsigned seen_att = 0;             /* of the current attachment: data, props, title */
    size_t pos = 6;
    for (unsigned k = 1; pos < len; k++) {
        if (len - pos < 11) {
            break; /* less than a header: a line end or padding added on the way (libytnef
                      and tnef(1) stop there too); too short to hold a value we find */
        }
        struct tnef_attr a = {.level = in[pos], .id = rl_le32(in + pos + 1)};
        uint32_t n = rl_le32(in + pos + 5);
        if (n > len - pos - 11) {
            scan_doc_note(d, SCAN_DOC_UNREADABLE, w->loc,
                          "TNEF attribute %u (0x%08X): length %u past the end", k, a.id, n);
            return 1;
        }
        a.data = in + pos + 9;
        a.len = n;
        unsigned sum = 0;
        for (uint32_t b = 0; b < n; b++) {
            sum += a.data[b];
        }
        unsigned want = rl_le16(a.data + n);
        if ((sum & 0xFFFF) != want) {
            scan_doc_note(d, SCAN_DOC_UNREADABLE, w->loc,
                          "TNEF attribute %u (0x%08X): checksum mismatch", k, a.id);
            return 1;
        }
        if (a.level != LVL_MSG && a.level != LVL_ATT) {
            scan_doc_note(d, SCAN_DOC_UNREADABLE, w->loc,
                          "TNEF attribute %u (0x%08X): level %u is neither 1 nor 2", k, a.id,
                          a.level);
            return 1;
        }
        const uint8_t *rec = in + pos;
        size_t rec_len = (size_t)n + 11;
        pos += rec_len;
        if (n == 0) {
            continue; /* nothing in it (libytnef would refuse the file) */
        }
        unsigned bit = 0;
        bool repeat = false;
        switch (a.id) {
        case ATT_SUBJECT:
        case ATT_BODY: {
            bool *s = &seen_msg[a.id == ATT_BODY];
            repeat = *s;
            *s = true;
            if (!repeat) {
                char loc[SCAN_DOC_LOC_MAX];
                const char *what = a.id == ATT_BODY ? "body" : "subject";
                entry_loc(loc, sizeof(loc), w->loc, (const uint8_t *)what, strlen(what), false);
                int rc = scan_string(w, a.data, n, false, loc, ~0u);
                if (rc != 0) {
                    return rc;
                }
            }
            break;
        }
        case ATT_MAPI_PROPS:
            repeat = seen_msg_props;
            seen_msg_props = true;
            keep_add(w, rec, rec_len);
            break;
        case ATT_RENDDATA:
            if (w->n_att >= MAX_ATTACHMENTS) {
                scan_doc_note(d, SCAN_DOC_LIMIT, w->loc, "more than %u attachments in TNEF",
                              MAX_ATTACHMENTS);
                return 1;
            }
            if (!scan_grow((void **)&w->titles, &w->titles_cap, w->n_att + 1, sizeof(*w->titles))) {
                return RL_ENOMEM;
            }
            w->titles[w->n_att++] = (struct tnef_title){NULL, 0};
            seen_att = 0;
            keep_add(w, rec, rec_len);
            break;
        case ATT_ATTACH_DATA:
        case ATT_ATTACHMENT:
        case ATT_ATTACH_TITLE:
            bit = a.id == ATT_ATTACH_DATA ? 1u : a.id == ATT_ATTACHMENT ? 2u : 4u;
            if (w->n_att == 0) {
                scan_doc_note(d, SCAN_DOC_UNREADABLE, w->loc,
                              "TNEF attribute %u (0x%08X): attachment attribute before "
                              "attAttachRendData",
                              k, a.id);
                return 1;
            }
            repeat = (seen_att & bit) != 0;
            seen_att |= bit;
            if (bit == 4) {
                w->titles[w->n_att - 1] = (struct tnef_title){a.data, n};
            } else {
                keep_add(w, rec, rec_len);
            }
            break;
        default:
            break; /* dates, classes, IDs, icons, recipients: nothing of the text */
        }
        if (repeat) {
            scan_doc_note(d, SCAN_DOC_UNREADABLE, w->loc, "TNEF attribute %u (0x%08X) repeated", k,
                          a.id);
            return 1;
        }
    }
    return 0;
}

/* The attachments libytnef parsed, titled by the frame. */
static int
scan_attachments(struct tnef_walk *w, const TNEFStruct *t)
{
    size_t idx = 0;
    int rc = 0;
    for (const Attachment *a = t->starting_attach.next; a != NULL && rc == 0; a = a->next, idx++) {
        /* the long file name, else the 8.3 one, else the title */
        const uint8_t *name = NULL;
        size_t nl = 0;
        bool utf8 = false;
        const unsigned names[] = {PID_ATTACH_LONG_FILENAME, PID_ATTACH_FILENAME};
        for (size_t k = 0; k < 2 && name == NULL; k++) {
            for (DWORD i = 0; i < a->MAPI.count; i++) {
                const MAPIProperty *pr = &a->MAPI.properties[i];
                unsigned type = PROP_TYPE(pr->id);
                if (!pr->custom && PROP_ID(pr->id) == names[k] && pr->count > 0 &&
                    pr->data != NULL && pr->data[0].data != NULL && pr->data[0].size > 0 &&
                    (type == PT_STRING8 || type == PT_UNICODE)) {
                    name = pr->data[0].data;
                    utf8 = type == PT_UNICODE;
                    nl = type == PT_UNICODE ? unicode_len(name, (size_t)pr->data[0].size)
                                            : (size_t)pr->data[0].size;
                    break;
                }
            }
        }
        if (name == NULL && idx < w->n_att && w->titles[idx].p != NULL) {
            name = w->titles[idx].p;
            nl = w->titles[idx].n;
        }
        char fallback[32];
        if (name == NULL || nl == 0 || name[0] == '\0') {
            snprintf(fallback, sizeof(fallback), "attachment %zu", idx + 1);
            name = (const uint8_t *)fallback;
            nl = strlen(fallback);
        }
        char loc[SCAN_DOC_LOC_MAX];
        entry_loc(loc, sizeof(loc), w->loc, name, nl, utf8);
        /* a location never carries a value: an attachment whose name holds
         * one (its name is scanned as a property) goes by its number */
        size_t at = strlen(w->loc) + (w->loc[0] ? 1 : 0);
        size_t nf = 0;
        rc = scan_doc_detect(w->d, &nf, (const uint8_t *)loc + at, strlen(loc) - at);
        if (rc == RL_ENOMEM) {
            return rc;
        }
        if (rc != 0 || nf > 0) {
            snprintf(fallback, sizeof(fallback), "attachment %zu", idx + 1);
            entry_loc(loc, sizeof(loc), w->loc, (const uint8_t *)fallback, strlen(fallback), false);
        }
        rc = 0;
        if (!charge(w, a->FileData.size > 0 ? (size_t)a->FileData.size : 0, true, loc)) {
            return 0;
        }
        if (idx < w->n_att && w->titles[idx].p != NULL) {
            rc = scan_string(w, w->titles[idx].p, w->titles[idx].n, false, loc, ~0u);
        }
        if (rc == 0 && a->FileData.data != NULL && a->FileData.size > 0) {
            rc = nested(w, a->FileData.data, (size_t)a->FileData.size, loc);
        }
        if (rc == 0) {
            rc = scan_props(w, &a->MAPI, loc);
        }
    }
    return rc;
}

int
scan_tnef_scan(struct scan_doc *d, const uint8_t *in, size_t len, const char *loc, unsigned depth)
{
    if (depth > d->pol->limits.max_archive_depth) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "archives nested deeper than %u",
                      d->pol->limits.max_archive_depth);
        return 0;
    }
    if (!d->pol->documents.redact || !scan_tnef_sniff(in, len)) {
        return 0;
    }
    if (len > LONG_MAX) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "TNEF larger than libytnef reads");
        return 0;
    }
    struct tnef_walk w = {.d = d, .loc = loc, .depth = depth};
    int rc = frame(&w, in, len);
    if (rc == 0) {
        /* TNEFInitialize leaves Debug alone: at 3 or more, libytnef prints
         * every property's value (and decompresses the RTF body with its own
         * DecompressRTF to print it) */
        TNEFStruct t;
        memset(&t, 0, sizeof(t));
        TNEFInitialize(&t);
        t.Debug = 0;
        /* libytnef copies the first PR_SUBJECT (or normalised subject,
         * conversation topic) it meets into t.subject while that is empty,
         * and fails the whole parse when it is over 100 bytes (50 UTF-16
         * characters): a subject already there keeps it from trying (the
         * property itself is kept and scanned; TNEFFree frees this byte) */
        t.subject.data = calloc(1, 1);
        if (t.subject.data == NULL) {
            rc = RL_ENOMEM;
        }
        t.subject.size = 1;
        int yr = rc == 0 ? TNEFParseMemory(w.kept, (long)w.kept_len, &t) : 0;
        if (yr < 0) {
            scan_doc_note(d, SCAN_DOC_UNREADABLE, loc,
                          "TNEF MAPI properties malformed or over libytnef's limits (%d)", yr);
        } else if (rc == 0) {
            rc = scan_props(&w, &t.MapiProperties, NULL);
            if (rc == 0) {
                rc = scan_attachments(&w, &t);
            }
        }
        TNEFFree(&t);
    }
    rc = rc == 1 ? 0 : rc;
    if (w.kept != NULL) {
        explicit_bzero(w.kept, w.kept_len);
    }
    free(w.kept);
    free(w.titles);
    free(w.text);
    if (rc == 0 && w.to_redact > 0) {
        scan_doc_note(d, SCAN_DOC_UNREDACTABLE, loc,
                      "TNEF (winmail.dat), %zu finding(s) to redact from %s: not redactable in "
                      "place",
                      w.to_redact, w.first[0] ? w.first : "an attached file");
    }
    return rc;
}
