/* SPDX-License-Identifier: Apache-2.0 */
/* The HTML sanitiser. Its own reader follows the WHATWG tokenizer's tag,
 * attribute and comment rules on the original bytes, so that every change is
 * a splice of exact byte ranges and untouched markup stays byte for byte;
 * libxml2's HTML parser reads every rewrite again as the second opinion.
 * Owns its buffers; one instance per worker thread. */
#include "scan_html.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "rl_utf8.h"
#include "scan_redact.h"

/* Comments and raw-text elements are read twice (as text and as markup);
 * each reading nests only inside a different construct, so real documents
 * stay a few levels deep. */
#define MAX_DEPTH 32

struct hbuf {
    uint8_t *p;
    size_t len;
    size_t cap;
};

enum seg_kind {
    SEG_LIT = 0, /* bytes copied from the input one for one */
    SEG_REF,     /* one character reference, decoded */
    SEG_SEP,     /* a separator of our own between text runs; no source */
};

/* A stretch of the text view and where it came from in the input. */
struct seg {
    uint32_t d, dlen; /* in the view */
    uint32_t s, slen; /* in the input */
    uint32_t run;     /* text runs are contiguous in the input; runs are not */
    uint8_t kind;     /* enum seg_kind */
    uint8_t quote;    /* 0 text, '"' or '\'' quoted attribute value, 'u' unquoted */
    uint8_t sep;      /* SEG_SEP: enum sep_kind */
};

/* What a separator of ours stands for. A table is laid out as a browser
 * copies it: cells split by a tab, rows by a line break, a blank line
 * around it; so detection reads an HTML table as the plain-text tables
 * people paste (the header row names its columns: scan_table.h), and a card
 * typed into four cells as a tab-separated card. */
enum sep_kind {
    SEP_BLOCK = 0, /* "\n\n" a block element, or "\n" a <br> */
    SEP_CELL,      /* "\t" before a table cell */
    SEP_ROW,       /* "\n" between table rows */
    SEP_TABLE,     /* "\n\n" before and after a table */
};

/* Text seen by detection, with its map back to the input. */
struct view {
    struct hbuf d;
    struct seg *seg;
    size_t n_seg, seg_cap;
};

struct edit {
    uint32_t start, end;   /* input range replaced */
    uint32_t rep, rep_len; /* replacement, in scan_html.rep */
};

struct attr {
    size_t ss;     /* the whitespace or '/' before it */
    size_t ns, ne; /* name */
    size_t vs, ve; /* value, without quotes */
    size_t end;    /* one past the attribute (closing quote included) */
    uint8_t quote; /* 0 none or unquoted, '"', '\'' */
    bool has_value;
};

enum tok_kind {
    T_TEXT = 0,
    T_START,   /* start tag */
    T_END,     /* end tag */
    T_COMMENT, /* <!-- ... --> */
    T_BOGUS,   /* <!...>, <?...>, </#...>, </> */
    T_CDATA,   /* <![CDATA[: a bogus comment in HTML, a section in SVG and MathML */
};

struct token {
    enum tok_kind kind;
    size_t start, end;     /* the whole token */
    size_t body, body_end; /* comment text; tag name */
    size_t aux;            /* T_CDATA: where "]]>" is (or the region's end) */
};

struct scan_html {
    const uint8_t *in;
    size_t len;
    const struct scan_html_opts *o;
    int err;
    uint32_t run;
    struct view tv;   /* text, comments */
    struct view av;   /* attribute values, appended to tv before detection */
    struct view *txt; /* where text goes: tv, or av inside a comment (region) */
    struct attr *attrs;
    size_t n_attrs, attrs_cap;
    struct edit *ed;
    size_t n_ed, ed_cap;
    struct hbuf rep;    /* replacement bytes of the edits */
    struct hbuf tmp;    /* one attribute value, decoded */
    struct hbuf masked; /* the view with findings masked */
    struct hbuf out;
    struct scan_finding *f;  /* findings, offsets into the view, then masked */
    struct scan_finding *sf; /* the same findings, offsets into the input */
    size_t n_f, f_cap;
    struct scan_html_action *act;
    size_t n_act, act_cap;
    size_t lx_active; /* libxml2 reading: active content seen */
    bool nul;         /* the input has NUL bytes: the output replaces them */
    bool markup_edit; /* an edit other than an inert mask (see inert_mask) */
    struct {
        uint8_t name[24];     /* lower case */
        size_t name_len;      /* 0: unused */
        size_t from, end, at; /* the first close at or after `from` before `end` is `at` */
    } close_memo[16];
    unsigned memo_next;
    size_t lookahead; /* bytes the look-ahead reads (closes, second readings) may still scan */
};

/* ---- buffers ---- */

static bool
reserve(struct scan_html *h, struct hbuf *b, size_t need)
{
    if (need <= b->cap) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < need) {
        cap *= 2;
    }
    /* Not realloc: the old block may hold message text, and is wiped
     * before it goes back to the allocator (STYLE 17). */
    uint8_t *p = malloc(cap);
    if (p == NULL) {
        h->err = RL_ENOMEM;
        return false;
    }
    if (b->p != NULL) {
        memcpy(p, b->p, b->cap);
        explicit_bzero(b->p, b->cap);
        free(b->p);
    }
    b->p = p;
    b->cap = cap;
    return true;
}

/* hb_set_len makes `n` the length of b's text, wiping what a longer text
 * left past it (scan_html_wipe reads len). */
static void
hb_set_len(struct hbuf *b, size_t n)
{
    if (b->len > n) {
        explicit_bzero(b->p + n, b->len - n);
    }
    b->len = n;
}

static void
put(struct scan_html *h, struct hbuf *b, const void *p, size_t n)
{
    if (n > 0 && reserve(h, b, b->len + n)) {
        memcpy(b->p + b->len, p, n);
        b->len += n;
    }
}

static bool
grow(struct scan_html *h, void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return true;
    }
    size_t c = *cap ? *cap * 2 : 64;
    while (c <= n) {
        c *= 2;
    }
    void *p = realloc(*arr, c * elem);
    if (p == NULL) {
        h->err = RL_ENOMEM;
        return false;
    }
    *arr = p;
    *cap = c;
    return true;
}

static void
wipe_free(struct hbuf *b)
{
    if (b->p != NULL) {
        explicit_bzero(b->p, b->cap);
    }
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---- characters ---- */

static bool
is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool
is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(uint8_t c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static uint8_t
lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool
starts_nocase(const uint8_t *p, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n < k) {
        return false;
    }
    for (size_t i = 0; i < k; i++) {
        if (lower(p[i]) != (uint8_t)lit[i]) {
            return false;
        }
    }
    return true;
}

/* Named references libxml2's HTML 4 table lacks but HTML 5 readers decode:
 * the ASCII punctuation an address or a URL scheme can be spelled with. */
static const struct {
    const char *name;
    uint8_t c;
} html5_ascii[] = {
    {"Tab", '\t'},   {"NewLine", '\n'}, {"excl", '!'},   {"num", '#'},    {"dollar", '$'},
    {"percnt", '%'}, {"lpar", '('},     {"rpar", ')'},   {"ast", '*'},    {"plus", '+'},
    {"comma", ','},  {"period", '.'},   {"sol", '/'},    {"colon", ':'},  {"semi", ';'},
    {"equals", '='}, {"quest", '?'},    {"commat", '@'}, {"lsqb", '['},   {"bsol", '\\'},
    {"rsqb", ']'},   {"Hat", '^'},      {"lowbar", '_'}, {"grave", '`'},  {"lcub", '{'},
    {"verbar", '|'}, {"rcub", '}'},     {"apos", '\''},  {"hyphen", '-'}, {"dash", '-'},
};

static bool
named_ref(uint32_t *out_cp, const uint8_t *name, size_t n)
{
    char z[40];
    if (n >= sizeof(z)) {
        return false;
    }
    memcpy(z, name, n);
    z[n] = '\0';
    for (size_t i = 0; i < sizeof(html5_ascii) / sizeof(html5_ascii[0]); i++) {
        if (html5_ascii[i].name[0] == z[0] && strcmp(z, html5_ascii[i].name) == 0) {
            *out_cp = html5_ascii[i].c;
            return true;
        }
    }
    const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)z);
    if (e == NULL) {
        return false;
    }
    *out_cp = e->value;
    return true;
}

/* Decodes the character reference at in[p] ('&'). Returns its length in the
 * input (0: not a reference) and sets *out_cp. Readers decode some names
 * without the ';'; so does this, which can only make it see more. */
static size_t
decode_ref(uint32_t *out_cp, const uint8_t *in, size_t p, size_t end)
{
    size_t q = p + 1;
    if (q < end && in[q] == '#') {
        q++;
        bool hex = q < end && (in[q] == 'x' || in[q] == 'X');
        q += hex;
        size_t ds = q;
        uint32_t v = 0;
        while (q < end) {
            uint8_t c = in[q];
            uint32_t dv;
            if (c >= '0' && c <= '9') {
                dv = c - '0';
            } else if (hex && lower(c) >= 'a' && lower(c) <= 'f') {
                dv = lower(c) - 'a' + 10u;
            } else {
                break;
            }
            v = v > 0x10FFFF ? 0x110000 : v * (hex ? 16 : 10) + dv;
            q++;
        }
        if (q == ds) {
            return 0;
        }
        q += q < end && in[q] == ';';
        bool bad = v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF);
        *out_cp = bad ? 0xFFFD : v;
        return q - p;
    }
    while (q < end && is_alnum(in[q]) && q - p <= 32) {
        q++;
    }
    if (q == p + 1 || !named_ref(out_cp, in + p + 1, q - p - 1)) {
        return 0;
    }
    return q - p + (q < end && in[q] == ';');
}

/* Writes code point `cp` as the view's charset has it: UTF-8, or one byte
 * for single-byte charsets ('?' beyond Latin-1: only ASCII matters to the
 * detectors there). Returns the length. */
static size_t
encode_cp(uint8_t *out, uint32_t cp, bool utf8)
{
    if (cp < 0x80 || (!utf8 && cp < 0x100)) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (!utf8) {
        out[0] = '?';
        return 1;
    }
    return rl_utf8_put(out, cp);
}

/* ---- active content ---- */

/* Matches `lit` at v[i] case-insensitively, skipping the control bytes
 * browsers drop from URLs (tab, newline; older ones NUL too). Sets *out_end. */
static bool
match_url(size_t *out_end, const uint8_t *v, size_t n, size_t i, const char *lit)
{
    for (const char *l = lit; *l != '\0'; l++) {
        while (i < n && v[i] < 0x20) {
            i++;
        }
        if (i >= n || lower(v[i]) != (uint8_t)*l) {
            return false;
        }
        i++;
    }
    *out_end = i;
    return true;
}

static bool
scheme_at(const uint8_t *v, size_t n, size_t i, bool first, bool img_element)
{
    static const char *const exec[] = {"javascript:", "vbscript:", "livescript:", "mocha:", NULL};
    /* match_url's first step for all of them at once: most values start
     * with no scheme's first letter */
    size_t k = i;
    while (k < n && v[k] < 0x20) {
        k++;
    }
    uint8_t c = k < n ? lower(v[k]) : 0;
    if (c != 'j' && c != 'v' && c != 'l' && c != 'm' && (c != 'd' || !first)) {
        return false;
    }
    size_t e = 0;
    for (const char *const *s = exec; *s != NULL; s++) {
        if (match_url(&e, v, n, i, *s)) {
            return true;
        }
    }
    if (!first || !match_url(&e, v, n, i, "data:")) {
        return false;
    }
    /* The media type runs to ';' or ','; plain text and raster images
     * cannot run anything, SVG only where it is an image. */
    char t[24];
    size_t tl = 0;
    for (; e < n && v[e] != ';' && v[e] != ',' && tl < sizeof(t) - 1; e++) {
        if (v[e] > 0x20) {
            t[tl++] = (char)lower(v[e]);
        }
    }
    t[tl] = '\0';
    if (tl == 0 || strcmp(t, "text/plain") == 0) {
        return false;
    }
    if (strcmp(t, "image/svg+xml") == 0) {
        return !img_element;
    }
    return strncmp(t, "image/", 6) != 0;
}

bool
scan_html_url_is_active(const uint8_t *v, size_t len, bool img_element)
{
    size_t i = 0;
    while (i < len && v[i] <= 0x20) {
        i++;
    }
    if (scheme_at(v, len, i, true, img_element)) {
        return true;
    }
    /* A scheme can also follow a separator: lists (srcset, SVG values), CSS
     * url(, a refresh's "url=". Over-reading here only removes more. */
    for (; i < len; i++) {
        uint8_t c = v[i];
        if (c <= 0x20 || c == ';' || c == ',' || c == '(' || c == '=' || c == '\'' || c == '"') {
            size_t j = i + 1;
            while (j < len && v[j] <= 0x20) {
                j++;
            }
            if (j < len && scheme_at(v, len, j, false, img_element)) {
                return true;
            }
        }
    }
    return false;
}

/* Old IE ran script from CSS (expression(), behavior), Firefox bound XBL. */
static bool
style_is_active(const uint8_t *v, size_t n)
{
    static const char *const bad[] = {"expression(", "behavior:", "-moz-binding", NULL};
    for (size_t i = 0; i < n; i++) {
        for (const char *const *b = bad; *b != NULL; b++) {
            size_t e = 0;
            if (lower(v[i]) == (uint8_t)(*b)[0] && match_url(&e, v, n, i, *b)) {
                return true;
            }
        }
    }
    return false;
}

enum el_kind {
    EL_OTHER = 0,
    EL_INLINE,    /* text flows across it: no separator in the view */
    EL_RAW,       /* raw text or RCDATA content in HTML, markup in SVG/MathML */
    EL_PLAINTEXT, /* raw text to the end */
    EL_SCRIPT,
    EL_IFRAME, /* raw text content */
    EL_FRAME,  /* frame, frameset: the tag only */
    EL_OBJECT, /* object, applet: content nests */
    EL_EMBED,  /* void */
    EL_FORM,   /* the start tag only: its controls and text stay */
};

struct el_name {
    char name[10]; /* lower case, NUL-padded */
    uint8_t kind;  /* enum el_kind */
};

/* The elements that are not EL_OTHER, grouped by name length so that a tag
 * name is compared with a few names of its own length only (every start and
 * end tag of every part is classified, by both readers). */
static const struct el_name el_len1[] = {{"a", EL_INLINE}, {"b", EL_INLINE}, {"i", EL_INLINE},
                                         {"q", EL_INLINE}, {"s", EL_INLINE}, {"u", EL_INLINE}};
static const struct el_name el_len2[] = {{"em", EL_INLINE}, {"tt", EL_INLINE}};
static const struct el_name el_len3[] = {
    {"xmp", EL_RAW},    {"bdi", EL_INLINE}, {"bdo", EL_INLINE}, {"big", EL_INLINE},
    {"del", EL_INLINE}, {"dfn", EL_INLINE}, {"ins", EL_INLINE}, {"kbd", EL_INLINE},
    {"sub", EL_INLINE}, {"sup", EL_INLINE}, {"var", EL_INLINE}, {"wbr", EL_INLINE}};
static const struct el_name el_len4[] = {
    {"form", EL_FORM},   {"abbr", EL_INLINE}, {"cite", EL_INLINE}, {"code", EL_INLINE},
    {"data", EL_INLINE}, {"font", EL_INLINE}, {"mark", EL_INLINE}, {"samp", EL_INLINE},
    {"span", EL_INLINE}, {"time", EL_INLINE}};
static const struct el_name el_len5[] = {{"frame", EL_FRAME},
                                         {"embed", EL_EMBED},
                                         {"style", EL_RAW},
                                         {"title", EL_RAW},
                                         {"small", EL_INLINE}};
static const struct el_name el_len6[] = {{"script", EL_SCRIPT}, {"iframe", EL_IFRAME},
                                         {"object", EL_OBJECT}, {"applet", EL_OBJECT},
                                         {"strike", EL_INLINE}, {"strong", EL_INLINE}};
static const struct el_name el_len7[] = {{"noembed", EL_RAW}};
static const struct el_name el_len8[] = {
    {"frameset", EL_FRAME}, {"textarea", EL_RAW}, {"noframes", EL_RAW}, {"noscript", EL_RAW}};
static const struct el_name el_len9[] = {{"plaintext", EL_PLAINTEXT}};

#define EL_GROUP(a)                                                                                \
    {                                                                                              \
        (a), sizeof(a) / sizeof((a)[0])                                                            \
    }
static const struct {
    const struct el_name *v;
    size_t n;
} el_by_len[] = {{NULL, 0},         EL_GROUP(el_len1), EL_GROUP(el_len2), EL_GROUP(el_len3),
                 EL_GROUP(el_len4), EL_GROUP(el_len5), EL_GROUP(el_len6), EL_GROUP(el_len7),
                 EL_GROUP(el_len8), EL_GROUP(el_len9)};
#undef EL_GROUP

/* lookup_element returns the kind of lower-case name z[0, n) and sets
 * *out_name to its table name (static), or returns EL_OTHER. */
static int
lookup_element(const char **out_name, const char *z, size_t n)
{
    if (n >= sizeof(el_by_len) / sizeof(el_by_len[0])) {
        return EL_OTHER;
    }
    const struct el_name *v = el_by_len[n].v;
    for (size_t i = 0; i < el_by_len[n].n; i++) {
        if (v[i].name[0] == z[0] && memcmp(v[i].name, z, n) == 0) {
            *out_name = v[i].name;
            return v[i].kind;
        }
    }
    return EL_OTHER;
}

/* Classifies a tag name as every reader might name it: the browser's name
 * (to whitespace, '/' or '>'), libxml2's (the leading run of name
 * characters: "<script\0>" is a script to it) and the local part after a
 * prefix ("svg:script"). The strongest kind wins; *out_name is its table
 * name (static). */
static enum el_kind
classify(const char **out_name, const uint8_t *p, size_t n)
{
    char z[16];
    enum el_kind best = EL_OTHER;
    *out_name = "";
    size_t cut[3] = {n, 0, 0};
    while (cut[1] < n && (is_alnum(p[cut[1]]) || p[cut[1]] == ':' || p[cut[1]] == '-' ||
                          p[cut[1]] == '_' || p[cut[1]] == '.')) {
        cut[1]++;
    }
    size_t colon = n;
    while (colon > 0 && p[colon - 1] != ':') {
        colon--;
    }
    for (unsigned k = 0; k < 3; k++) {
        size_t from = k == 2 ? colon : 0;
        size_t to = k == 2 ? n : cut[k];
        if (to - from == 0 || to - from >= sizeof(z) || (k == 2 && colon == 0) ||
            (k == 1 && to == n)) {
            continue; /* empty, too long for any element, or the same name as k == 0 */
        }
        for (size_t i = from; i < to; i++) {
            z[i - from] = (char)lower(p[i]);
        }
        const char *name = "";
        enum el_kind kind = (enum el_kind)lookup_element(&name, z, to - from);
        if (kind > best) {
            best = kind;
            *out_name = name;
        }
    }
    return best;
}

/* Look-ahead (an end tag, a second reading) rescans bytes the main reading
 * will see again; crafted input could make that quadratic (a thousand
 * unclosed <object>s), so it has a budget in proportion to the input, far
 * above what real mail needs. Over it, the part is refused with RL_ELIMIT. */
static bool
charge(struct scan_html *h, size_t n)
{
    if (n > h->lookahead) {
        h->err = RL_ELIMIT;
        return false;
    }
    h->lookahead -= n;
    return true;
}

/* ---- the reader: tokens as the WHATWG tokenizer cuts them ---- */

/* '<' at in[p] starts markup (a tag, an end tag, a comment, a bogus comment). */
static bool
markup_at(const uint8_t *in, size_t p, size_t end)
{
    if (p + 1 >= end) {
        return false;
    }
    uint8_t c = in[p + 1];
    return is_alpha(c) || c == '/' || c == '!' || c == '?';
}

static size_t
find_byte(const uint8_t *in, size_t p, size_t end, uint8_t c)
{
    const uint8_t *q = p < end ? memchr(in + p, c, end - p) : NULL;
    return q != NULL ? (size_t)(q - in) : end;
}

/* Reads the tag at in[p] ('<' or "</"): name, then attributes as the
 * attribute states do ('/' between attributes is whitespace, a quoted value
 * may be followed directly by the next name). With `record` the attributes
 * go to h->attrs. An unterminated tag ends at `end`. */
static void
lex_tag(struct scan_html *h, struct token *tk, size_t p, size_t end, bool record)
{
    const uint8_t *in = h->in;
    size_t i = p + 1 + (in[p + 1] == '/');
    tk->kind = in[p + 1] == '/' ? T_END : T_START;
    tk->body = i;
    while (i < end && !is_ws(in[i]) && in[i] != '/' && in[i] != '>') {
        i++;
    }
    tk->body_end = i;
    if (record) {
        h->n_attrs = 0;
    }
    for (;;) {
        size_t ss = i;
        while (i < end && (is_ws(in[i]) || in[i] == '/')) {
            i++;
        }
        if (i >= end) {
            break;
        }
        if (in[i] == '>') {
            i++;
            break;
        }
        struct attr a = {.ss = ss, .ns = i};
        i++; /* the first character may be '=' */
        while (i < end && !is_ws(in[i]) && in[i] != '/' && in[i] != '>' && in[i] != '=') {
            i++;
        }
        a.ne = a.end = i;
        size_t j = i;
        while (j < end && is_ws(in[j])) {
            j++;
        }
        if (j < end && in[j] == '=') {
            j++;
            while (j < end && is_ws(in[j])) {
                j++;
            }
            a.has_value = true;
            if (j < end && (in[j] == '"' || in[j] == '\'')) {
                a.quote = in[j];
                a.vs = j + 1;
                a.ve = find_byte(in, a.vs, end, a.quote);
                i = a.ve < end ? a.ve + 1 : end;
            } else {
                a.vs = j;
                while (j < end && !is_ws(in[j]) && in[j] != '>') {
                    j++;
                }
                a.ve = i = j;
            }
            a.end = i;
        }
        if (record && grow(h, (void **)&h->attrs, &h->attrs_cap, h->n_attrs, sizeof(*h->attrs))) {
            h->attrs[h->n_attrs++] = a;
        }
    }
    tk->end = i;
}

/* Where a comment that starts at in[p] ("<!--") ends: "-->", "--!>", and
 * the abrupt "<!-->" and "<!--->". */
static void
lex_comment(struct token *tk, const uint8_t *in, size_t p, size_t end)
{
    size_t b = p + 4;
    tk->kind = T_COMMENT;
    tk->body = b;
    if (b < end && in[b] == '>') {
        tk->body_end = b;
        tk->end = b + 1;
        return;
    }
    if (b + 1 < end && in[b] == '-' && in[b + 1] == '>') {
        tk->body_end = b;
        tk->end = b + 2;
        return;
    }
    for (size_t i = b; i + 2 < end; i++) {
        i = find_byte(in, i, end, '-');
        if (i + 2 >= end) {
            break;
        }
        if (in[i + 1] == '-' && in[i + 2] == '>') {
            tk->body_end = i;
            tk->end = i + 3;
            return;
        }
        if (in[i + 1] == '-' && i + 3 < end && in[i + 2] == '!' && in[i + 3] == '>') {
            tk->body_end = i;
            tk->end = i + 4;
            return;
        }
    }
    tk->body_end = tk->end = end;
}

/* Cuts the token at in[p] (p < end). */
static void
lex(struct scan_html *h, struct token *tk, size_t p, size_t end, bool record)
{
    const uint8_t *in = h->in;
    tk->start = p;
    tk->aux = 0;
    if (in[p] != '<' || !markup_at(in, p, end)) {
        size_t q = p + 1;
        while ((q = find_byte(in, q, end, '<')) < end && !markup_at(in, q, end)) {
            q++;
        }
        tk->kind = T_TEXT;
        tk->body = p;
        tk->body_end = tk->end = q;
        return;
    }
    uint8_t c = in[p + 1];
    if (is_alpha(c) || (c == '/' && p + 2 < end && is_alpha(in[p + 2]))) {
        lex_tag(h, tk, p, end, record);
        return;
    }
    if (c == '!' && end - p >= 4 && in[p + 2] == '-' && in[p + 3] == '-') {
        lex_comment(tk, in, p, end);
        return;
    }
    tk->kind = T_BOGUS;
    tk->body = p + 2;
    if (c == '?') {
        tk->body = p + 1; /* the '?' is part of the comment's text */
    } else if (c == '!' && end - p >= 9 && memcmp(in + p, "<![CDATA[", 9) == 0) {
        tk->kind = T_CDATA;
        tk->body = p + 9;
        size_t q = tk->body;
        while ((q = find_byte(in, q, end, ']')) + 2 < end &&
               !(in[q + 1] == ']' && in[q + 2] == '>')) {
            q++;
        }
        tk->aux = q + 2 < end ? q : end;
    } else if (c == '/' && p + 2 < end && in[p + 2] == '>') {
        tk->body = p + 2; /* "</>" is dropped */
    }
    tk->body_end = find_byte(in, tk->body, end, '>');
    tk->end = tk->body_end < end ? tk->body_end + 1 : end;
}

/* Where the raw text of element `name` (k bytes) that starts at `from`
 * ends: the first "</name" followed by whitespace, '/' or '>', ignoring
 * ASCII case. */
static size_t
find_close(struct scan_html *h, const uint8_t *name, size_t k, size_t from, size_t end)
{
    /* Every unclosed <title> would rescan the rest of the input: the last
     * answer per name still holds for any start between its start and it. */
    uint8_t key[sizeof(h->close_memo[0].name)] = {0};
    bool memo = k > 0 && k <= sizeof(key);
    for (size_t i = 0; memo && i < k; i++) {
        key[i] = lower(name[i]);
    }
    for (size_t i = 0; memo && i < 16; i++) {
        if (h->close_memo[i].name_len == k && h->close_memo[i].end == end &&
            h->close_memo[i].from <= from && from <= h->close_memo[i].at &&
            memcmp(h->close_memo[i].name, key, k) == 0) {
            return h->close_memo[i].at;
        }
    }
    size_t q = from;
    for (; (q = find_byte(h->in, q, end, '<')) < end; q++) {
        if (q + 2 + k <= end && h->in[q + 1] == '/' &&
            strncasecmp((const char *)h->in + q + 2, (const char *)name, k) == 0 &&
            (q + 2 + k == end || is_ws(h->in[q + 2 + k]) || h->in[q + 2 + k] == '/' ||
             h->in[q + 2 + k] == '>')) {
            break;
        }
    }
    if (!charge(h, q - from)) {
        return end;
    }
    if (memo) {
        unsigned i = h->memo_next++ % 16;
        memcpy(h->close_memo[i].name, key, k);
        h->close_memo[i].name_len = k;
        h->close_memo[i].from = from;
        h->close_memo[i].end = end;
        h->close_memo[i].at = q;
    }
    return q;
}

/* Another reading (raw text, a comment, CDATA) ends at `e` and reads
 * markup again from `resume`. Returns the end of the tag or comment of the
 * markup reading of [from, end) that spans `e` and does not end at `resume`
 * (the readings part there), or 0 when they meet. Text tokens do not
 * matter: every reading finds markup from the next '<'. */
static size_t
straddle(struct scan_html *h, size_t from, size_t e, size_t resume, size_t end)
{
    struct token tk;
    for (size_t p = from; p < e && h->err == 0;) {
        lex(h, &tk, p, end, false);
        charge(h, tk.end - p);
        if (tk.kind != T_TEXT && tk.end > e) {
            return tk.end == resume ? 0 : tk.end;
        }
        p = tk.end;
    }
    return 0;
}

/* The end of the object or applet whose content starts at `from`: the
 * matching end tag, counting nested ones, or `end`. */
static size_t
match_close(struct scan_html *h, enum el_kind kind, size_t from, size_t end)
{
    struct token tk;
    unsigned depth = 1;
    for (size_t p = from; p < end && h->err == 0; p = tk.end) {
        lex(h, &tk, p, end, false);
        charge(h, tk.end - p);
        const char *name;
        if ((tk.kind == T_START || tk.kind == T_END) &&
            classify(&name, h->in + tk.body, tk.body_end - tk.body) == kind) {
            depth += tk.kind == T_START ? 1 : -1u;
            if (depth == 0) {
                return tk.end;
            }
        }
    }
    return end;
}

/* ---- the text view ---- */

static struct seg *
new_seg(struct scan_html *h, struct view *v)
{
    if (!grow(h, (void **)&v->seg, &v->seg_cap, v->n_seg, sizeof(*v->seg))) {
        return NULL;
    }
    return &v->seg[v->n_seg++];
}

static void
view_sep(struct scan_html *h, struct view *v)
{
    struct seg *last = v->n_seg > 0 ? &v->seg[v->n_seg - 1] : NULL;
    /* a paragraph at the start of a table cell or row does not part it */
    if (last == NULL || (last->kind == SEG_SEP && (last->dlen == 2 || last->sep != SEP_BLOCK))) {
        return;
    }
    if (last->kind == SEG_SEP) { /* a line break before: now a blank line */
        last->dlen = 2;
        put(h, &v->d, "\n", 1);
        return;
    }
    struct seg *s = new_seg(h, v);
    if (s != NULL) {
        /* A blank line: detectors do not read a number across it (a line
         * break alone joins wrapped groups) and keywords do not reach over. */
        *s = (struct seg){.d = (uint32_t)v->d.len, .dlen = 2, .kind = SEG_SEP};
        put(h, &v->d, "\n\n", 2);
    }
}

/* A <br>: a line break in the text as shown, which the detectors read as
 * they read one in plain text (a card's groups on four lines are a card);
 * two in a row are a blank line. */
static void
view_line(struct scan_html *h, struct view *v)
{
    struct seg *last = v->n_seg > 0 ? &v->seg[v->n_seg - 1] : NULL;
    if (last == NULL || last->kind == SEG_SEP) {
        view_sep(h, v);
        return;
    }
    struct seg *s = new_seg(h, v);
    if (s != NULL) {
        *s = (struct seg){.d = (uint32_t)v->d.len, .dlen = 1, .kind = SEG_SEP};
        put(h, &v->d, "\n", 1);
    }
}

static bool
is_html_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Which table separator a tag z[0, n) stands for; SEP_BLOCK for others. */
static uint8_t
table_sep(const uint8_t *z, size_t n)
{
    if (n == 2 && lower(z[0]) == 't') {
        uint8_t c = lower(z[1]);
        return c == 'd' || c == 'h' ? SEP_CELL : c == 'r' ? SEP_ROW : SEP_BLOCK;
    }
    static const char table[] = "table";
    for (size_t i = 0; i < n && n == 5; i++) {
        if (lower(z[i]) != (uint8_t)table[i]) {
            return SEP_BLOCK;
        }
    }
    return n == 5 ? SEP_TABLE : SEP_BLOCK;
}

/* A table's separator `k` (SEP_CELL, SEP_ROW or SEP_TABLE). The whitespace
 * at the end of the cell before goes (a browser does not show it), a
 * separator already there is replaced by the stronger one, and two cells in
 * a row with nothing between keep their empty cell. */
static void
view_table(struct scan_html *h, struct view *v, uint8_t k)
{
    while (v->n_seg > 0 && v->seg[v->n_seg - 1].kind == SEG_LIT &&
           is_html_space(v->d.p[v->d.len - 1])) {
        struct seg *t = &v->seg[v->n_seg - 1];
        t->dlen--;
        t->slen--;
        hb_set_len(&v->d, v->d.len - 1);
        v->n_seg -= t->dlen == 0;
    }
    struct seg *last = v->n_seg > 0 ? &v->seg[v->n_seg - 1] : NULL;
    if (last == NULL) {
        return; /* the text starts here: nothing to part */
    }
    const char *text = k == SEP_CELL ? "\t" : k == SEP_ROW ? "\n" : "\n\n";
    if (last->kind == SEG_SEP && !(k == SEP_CELL && last->sep == SEP_CELL)) {
        if (last->sep == SEP_TABLE || (k == SEP_CELL && last->sep == SEP_ROW)) {
            return; /* a table's or a row's first cell */
        }
        hb_set_len(&v->d, last->d);
        last->dlen = (uint32_t)strlen(text);
        last->sep = k;
        put(h, &v->d, text, last->dlen);
        return;
    }
    struct seg *s = new_seg(h, v);
    if (s != NULL) {
        *s = (struct seg){
            .d = (uint32_t)v->d.len, .dlen = (uint32_t)strlen(text), .kind = SEG_SEP, .sep = k};
        put(h, &v->d, text, s->dlen);
    }
}

static void
view_lit(struct scan_html *h, struct view *v, size_t s, size_t e, uint8_t quote)
{
    if (e <= s) {
        return;
    }
    struct seg *last = v->n_seg > 0 ? &v->seg[v->n_seg - 1] : NULL;
    if (last != NULL && last->kind == SEG_LIT && last->run == h->run && last->s + last->slen == s) {
        last->dlen += (uint32_t)(e - s);
        last->slen += (uint32_t)(e - s);
    } else if ((last = new_seg(h, v)) != NULL) {
        *last = (struct seg){.d = (uint32_t)v->d.len,
                             .dlen = (uint32_t)(e - s),
                             .s = (uint32_t)s,
                             .slen = (uint32_t)(e - s),
                             .run = h->run,
                             .kind = SEG_LIT,
                             .quote = quote};
    }
    put(h, &v->d, h->in + s, e - s);
}

/* Adds input [s, e) to view `v` as one run, character references decoded. */
static void
add_text(struct scan_html *h, struct view *v, size_t s, size_t e, uint8_t quote)
{
    h->run++;
    size_t lit = s;
    for (size_t p = s; (p = find_byte(h->in, p, e, '&')) < e;) {
        uint32_t cp = 0;
        size_t n = decode_ref(&cp, h->in, p, e);
        if (n == 0) {
            p++;
            continue;
        }
        view_lit(h, v, lit, p, quote);
        uint8_t u[4];
        size_t ul = encode_cp(u, cp, h->o->utf8);
        struct seg *sg = new_seg(h, v);
        if (sg != NULL) {
            *sg = (struct seg){.d = (uint32_t)v->d.len,
                               .dlen = (uint32_t)ul,
                               .s = (uint32_t)p,
                               .slen = (uint32_t)n,
                               .run = h->run,
                               .kind = SEG_REF,
                               .quote = quote};
        }
        put(h, &v->d, u, ul);
        p += n;
        lit = p;
    }
    view_lit(h, v, lit, e, quote);
}

/* Decodes attribute value [s, e) into h->tmp (for the checks only). */
static void
decode_value(struct scan_html *h, size_t s, size_t e)
{
    hb_set_len(&h->tmp, 0);
    if (!reserve(h, &h->tmp, (e - s) * 2 + 4)) {
        return;
    }
    for (size_t p = s; p < e;) {
        uint32_t cp = 0;
        size_t n = h->in[p] == '&' ? decode_ref(&cp, h->in, p, e) : 0;
        if (n == 0) {
            h->tmp.p[h->tmp.len++] = h->in[p++];
        } else {
            h->tmp.len += encode_cp(h->tmp.p + h->tmp.len, cp, true);
            p += n;
        }
    }
}

/* ---- edits and actions ---- */

/* add_edit replaces input [start, end) with rep[0, rep_len); `mask` says
 * that the edit masks a finding and has passed inert_mask. */
static void
add_edit(struct scan_html *h, size_t start, size_t end, const uint8_t *rep, size_t rep_len,
         bool mask)
{
    h->markup_edit |= !mask;
    if (!grow(h, (void **)&h->ed, &h->ed_cap, h->n_ed, sizeof(*h->ed))) {
        return;
    }
    struct edit *e = &h->ed[h->n_ed];
    /* A literal '<' just before the change could start a tag together with
     * what follows it ("<<script></script>script>"): write it as a reference. */
    bool lt = start > 0 && h->in[start - 1] == '<';
    e->start = (uint32_t)(start - lt);
    e->end = (uint32_t)end;
    e->rep = (uint32_t)h->rep.len;
    if (lt) {
        put(h, &h->rep, "&lt;", 4);
    }
    put(h, &h->rep, rep, rep_len);
    e->rep_len = (uint32_t)(h->rep.len - e->rep);
    h->n_ed++;
}

static void
add_action(struct scan_html *h, enum scan_html_act kind, size_t start, size_t end, const char *el,
           const uint8_t *attr, size_t attr_len)
{
    if (!grow(h, (void **)&h->act, &h->act_cap, h->n_act, sizeof(*h->act))) {
        return;
    }
    struct scan_html_action *a = &h->act[h->n_act++];
    a->kind = (uint8_t)kind;
    a->start = (uint32_t)start;
    a->end = (uint32_t)end;
    snprintf(a->element, sizeof(a->element), "%s", el);
    size_t n = attr_len < sizeof(a->attribute) - 1 ? attr_len : sizeof(a->attribute) - 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = lower(attr[i]);
        a->attribute[i] = (char)(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? c : '?');
    }
    a->attribute[n] = '\0';
}

static void
remove_range(struct scan_html *h, enum scan_html_act kind, size_t start, size_t end, const char *el)
{
    add_edit(h, start, end, NULL, 0, false);
    add_action(h, kind, start, end, el, NULL, 0);
}

/* ---- sanitising ---- */

static bool
is_on_name(const uint8_t *p, size_t n)
{
    size_t local = n;
    while (local > 0 && p[local - 1] != ':') {
        local--;
    }
    return (n > 2 && starts_nocase(p, n, "on")) ||
           (local > 0 && n - local > 2 && starts_nocase(p + local, n - local, "on"));
}

/* libxml2 reads a name as [A-Za-z_:.][A-Za-z0-9_:.-]*, at most 100 bytes,
 * and skips to the next blank after anything else: within a quoted value,
 * that resumes on bytes a browser reads as the value. Names outside that
 * set (and attributes after a '/', which it skips the same way) are where
 * the two readers part. */
static bool
plain_name(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 99 || !(is_alpha(p[0]) || p[0] == '_' || p[0] == ':' || p[0] == '.')) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (!is_alnum(p[i]) && p[i] != '_' && p[i] != ':' && p[i] != '.' && p[i] != '-') {
            return false;
        }
    }
    return true;
}

static bool
name_is(const uint8_t *p, size_t n, const char *lit)
{
    return n == strlen(lit) && starts_nocase(p, n, lit);
}

/* Removes the active attributes of the start tag just read (h->attrs) and
 * adds the values of the others to the attribute view. */
static void
sanitise_attrs(struct scan_html *h, const char *el, const uint8_t *tag_name, size_t tag_len)
{
    const struct scan_html_policy *hp = &h->o->policy->html;
    bool img = name_is(tag_name, tag_len, "img") || name_is(tag_name, tag_len, "image");
    for (size_t i = 0; i < h->n_attrs && h->err == 0; i++) {
        const struct attr *a = &h->attrs[i];
        const uint8_t *an = h->in + a->ns;
        size_t al = a->ne - a->ns;
        enum scan_html_act kind = SCAN_HTML__COUNT;
        if (hp->handlers && is_on_name(an, al)) {
            kind = SCAN_HTML_HANDLER;
        } else if (hp->scripts && name_is(an, al, "srcdoc")) {
            kind = SCAN_HTML_ATTRIBUTE; /* a whole document we would have to read too */
        } else if (a->has_value) {
            decode_value(h, a->vs, a->ve);
            if (hp->urls && scan_html_url_is_active(h->tmp.p, h->tmp.len, img)) {
                kind = SCAN_HTML_URL;
            } else if (hp->scripts && name_is(an, al, "style") &&
                       style_is_active(h->tmp.p, h->tmp.len)) {
                kind = SCAN_HTML_ATTRIBUTE;
            }
        }
        bool odd = !plain_name(an, al) || memchr(h->in + a->ss, '/', a->ns - a->ss) != NULL;
        if (kind == SCAN_HTML__COUNT && odd) {
            kind = SCAN_HTML_AMBIGUOUS;
        }
        if (kind != SCAN_HTML__COUNT && odd) {
            /* With the separator, replaced by one space: no '/' is left for
             * libxml2 to skip from, and neighbours stay apart. */
            add_edit(h, a->ss, a->end, (const uint8_t *)" ", 1, false);
            add_action(h, kind, a->ss, a->end, el, an, al);
        } else if (kind != SCAN_HTML__COUNT) {
            /* From the name to the end of the value: what is left around it
             * (whitespace, a quote, '>') still separates its neighbours. */
            add_edit(h, a->ns, a->end, NULL, 0, false);
            add_action(h, kind, a->ns, a->end, el, an, al);
        } else if (a->has_value) {
            if (h->txt == &h->av) {
                view_sep(h, &h->av); /* a comment's text, read aside, ends here */
            }
            add_text(h, &h->av, a->vs, a->ve, a->quote ? a->quote : 'u');
            view_sep(h, &h->av);
        }
    }
}

static void region(struct scan_html *h, size_t pos, size_t end, unsigned depth);

/* Handles the start tag `tk`; returns where reading goes on. */
static size_t
start_tag(struct scan_html *h, const struct token *tk, size_t end, unsigned depth)
{
    const struct scan_html_policy *hp = &h->o->policy->html;
    const uint8_t *name = h->in + tk->body;
    size_t name_len = tk->body_end - tk->body;
    const char *el = "";
    enum el_kind kind = classify(&el, name, name_len);
    char shown[24];
    size_t sl = name_len < sizeof(shown) - 1 ? name_len : sizeof(shown) - 1;
    for (size_t i = 0; i < sl; i++) {
        shown[i] = (char)(name[i] >= 0x20 && name[i] < 0x7F ? lower(name[i]) : '?');
    }
    shown[sl] = '\0';
    /* Its end tag as written ("</svg:script>") or by the name it is taken for. */
    size_t close = end;
    if (kind == EL_SCRIPT || kind == EL_IFRAME || kind == EL_RAW) {
        size_t as_written = find_close(h, name, name_len, tk->end, end);
        close = find_close(h, (const uint8_t *)el, strlen(el), tk->end, end);
        close = as_written < close ? as_written : close;
    }
    bool removed = (kind == EL_SCRIPT && hp->scripts) ||
                   ((kind == EL_IFRAME || kind == EL_FRAME) && hp->iframes) ||
                   (kind == EL_OBJECT && hp->objects) || (kind == EL_EMBED && hp->embeds) ||
                   (kind == EL_FORM && hp->forms);
    if (removed) {
        size_t x = tk->end;
        if (kind == EL_SCRIPT || kind == EL_IFRAME) {
            size_t e = close;
            struct token et;
            if (e < end) {
                lex(h, &et, e, end, false);
                e = et.end;
            }
            x = e;
        } else if (kind == EL_OBJECT) {
            x = match_close(h, kind, tk->end, end);
        }
        remove_range(h, kind == EL_SCRIPT ? SCAN_HTML_SCRIPT : SCAN_HTML_ELEMENT, tk->start, x,
                     shown);
        return x;
    }
    if (!plain_name(name, name_len)) {
        /* An unknown element to a browser; the start of other tags to libxml2. */
        remove_range(h, SCAN_HTML_AMBIGUOUS, tk->start, tk->end, shown);
        return tk->end;
    }
    bool raw = kind == EL_RAW || kind == EL_PLAINTEXT || kind == EL_SCRIPT || kind == EL_IFRAME;
    if (raw && kind != EL_PLAINTEXT) {
        /* Raw text to a browser, markup inside SVG or MathML: where the two
         * readings part, no rewrite can suit both, so the construct goes. */
        size_t x = close < end ? straddle(h, tk->end, close, close, end) : 0;
        if (x != 0) {
            remove_range(h, SCAN_HTML_AMBIGUOUS, tk->start, x, shown);
            return x;
        }
    }
    sanitise_attrs(h, shown, name, name_len);
    uint8_t tsep = table_sep(name, name_len);
    if (name_len == 2 && strcmp(shown, "br") == 0) {
        view_line(h, h->txt);
    } else if (tsep != SEP_BLOCK) {
        view_table(h, h->txt, tsep);
    } else if (kind != EL_INLINE) {
        view_sep(h, h->txt);
    }
    if (raw && close < end) {
        region(h, tk->end, close, depth + 1);
        return close;
    }
    return tk->end; /* raw to the end of the region: read on as markup here */
}

/* Where libxml2 ends a DOCTYPE: at the first '>' outside its quoted
 * literals (browsers end it at the first '>'). */
static size_t
doctype_end_quoted(const uint8_t *in, size_t p, size_t end)
{
    for (size_t q = p; q < end; q++) {
        if (in[q] == '"' || in[q] == '\'') {
            q = find_byte(in, q + 1, end, in[q]);
        } else if (in[q] == '>') {
            return q + 1;
        }
    }
    return end;
}

/* Reads input [pos, end) as markup, sanitising and filling the views. */
static void
region(struct scan_html *h, size_t pos, size_t end, unsigned depth)
{
    if (depth > MAX_DEPTH) {
        h->err = RL_ELIMIT;
        return;
    }
    struct token tk;
    while (pos < end && h->err == 0) {
        lex(h, &tk, pos, end, true);
        switch (tk.kind) {
        case T_TEXT: {
            /* whitespace at the start of a table cell is not shown */
            size_t s = tk.start;
            const struct seg *last = h->txt->n_seg > 0 ? &h->txt->seg[h->txt->n_seg - 1] : NULL;
            while (last != NULL && last->kind == SEG_SEP && last->sep != SEP_BLOCK && s < tk.end &&
                   is_html_space(h->in[s])) {
                s++;
            }
            add_text(h, h->txt, s, tk.end, 0);
            pos = tk.end;
            break;
        }
        case T_START:
            pos = start_tag(h, &tk, end, depth);
            break;
        case T_END: {
            const char *el;
            if (h->n_attrs > 0 || !plain_name(h->in + tk.body, tk.body_end - tk.body)) {
                /* Browsers read quoted values in end tags too, libxml2 ends
                 * them at the first '>': the two would resume apart. */
                remove_range(h, SCAN_HTML_AMBIGUOUS, tk.start, tk.end, "#end-tag");
                pos = tk.end;
                break;
            }
            uint8_t tsep = table_sep(h->in + tk.body, tk.body_end - tk.body);
            if (tsep == SEP_ROW || tsep == SEP_TABLE) {
                view_table(h, h->txt, tsep);
            } else if (tsep == SEP_BLOCK &&
                       classify(&el, h->in + tk.body, tk.body_end - tk.body) != EL_INLINE) {
                view_sep(h, h->txt);
            } /* a cell's end: the next cell or row parts it */
            pos = tk.end;
            break;
        }
        case T_COMMENT:
        case T_BOGUS:
        case T_CDATA: {
            /* Each reader ends these differently or reads markup inside
             * (conditional comments to Outlook, processing instructions to
             * libxml2, CDATA to SVG up to "]]>"): their text is read as
             * markup too, and where the readings part the construct goes. */
            size_t x = tk.body_end < end ? straddle(h, tk.body, tk.body_end, tk.end, end) : 0;
            if (x == 0 && tk.kind == T_CDATA && tk.aux < end) {
                x = straddle(h, tk.end, tk.aux, tk.aux + 3, end);
            }
            if (x == 0 && tk.kind == T_BOGUS &&
                starts_nocase(h->in + tk.body, end - tk.body, "doctype")) {
                size_t q = doctype_end_quoted(h->in, tk.body, end);
                x = q != tk.end ? (q > tk.end ? q : tk.end) : 0;
            }
            if (x != 0) {
                remove_range(h, SCAN_HTML_AMBIGUOUS, tk.start, x,
                             tk.kind == T_COMMENT ? "#comment" : "#bogus-comment");
                pos = x;
                break;
            }
            if (tk.kind == T_COMMENT && tk.body_end < end && h->txt == &h->tv &&
                !starts_nocase(h->in + tk.body, tk.body_end - tk.body, "[if")) {
                /* A browser shows the text around a comment joined (React
                 * writes "<!-- -->" between text nodes, in a number too):
                 * the comment's text is read aside, with the attribute
                 * values. Outlook shows its conditional comments in place. */
                h->txt = &h->av;
                view_sep(h, h->txt);
                region(h, tk.body, tk.body_end, depth + 1);
                view_sep(h, h->txt);
                h->txt = &h->tv;
                pos = tk.end;
                break;
            }
            view_sep(h, h->txt);
            if (tk.body_end < end) {
                region(h, tk.body, tk.body_end, depth + 1);
                view_sep(h, h->txt);
                pos = tk.end;
            } else {
                pos = tk.body; /* unterminated: its text is markup to read here */
            }
            break;
        }
        }
    }
}

/* ---- findings back to the input ---- */

/* U+FFFD for a NUL byte, as browsers read one; '?' in single-byte charsets. */
static void
put_nul(struct scan_html *h, struct hbuf *b)
{
    if (h->o->utf8) {
        put(h, b, "\xEF\xBF\xBD", 3);
    } else {
        put(h, b, "?", 1);
    }
}

/* Copies untouched input to the output, NUL bytes as put_nul writes them:
 * C-string readers (libxml2 among them) stop at a NUL where browsers go on,
 * and the two would see different tags. */
static void
put_gap(struct scan_html *h, const uint8_t *p, size_t n)
{
    for (size_t z; n > 0 && (z = find_byte(p, 0, n, 0)) < n; p += z + 1, n -= z + 1) {
        put(h, &h->out, p, z);
        put_nul(h, &h->out);
    }
    put(h, &h->out, p, n);
}

/* Writes masked text `p` for a context: in text '<' '&' '>' become
 * references; in attribute values quotes too, and in unquoted ones
 * whitespace, '=' and '`', so that the value keeps its extent. */
static void
put_escaped(struct scan_html *h, const uint8_t *p, size_t n, uint8_t quote)
{
    for (size_t i = 0; i < n && h->err == 0; i++) {
        uint8_t c = p[i];
        if (c == 0) {
            put_nul(h, &h->rep);
            continue;
        }
        bool esc = c == '<' || c == '&' || c == '>' || (quote != 0 && (c == '"' || c == '\'')) ||
                   (quote == 'u' && (is_ws(c) || c == '=' || c == '`'));
        if (esc) {
            char ref[8];
            int k = snprintf(ref, sizeof(ref), "&#%u;", c);
            put(h, &h->rep, ref, (size_t)k);
        } else {
            put(h, &h->rep, &c, 1);
        }
    }
}

/* First segment of the view that ends after view offset `d`. */
static size_t
seg_at(const struct view *v, size_t d)
{
    size_t lo = 0;
    size_t hi = v->n_seg;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->seg[mid].d + v->seg[mid].dlen <= d) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* inert_mask tells whether masking input [ps, pe) changes character data
 * only, for any reader: the bytes it removes hold no markup character
 * ('<', '>', quotes, NUL), the masked text put_escaped writes holds none
 * either (it writes them as numeric references), and no name or reference
 * that a reader could still be reading reaches into it from before: going
 * back from ps over bytes that could continue a tag, attribute or reference
 * name, the first whitespace, '>', ';' or quote comes before any '<' or '&'
 * (within 64 bytes). Such an edit neither opens, closes nor renames a tag,
 * an attribute, a comment or a reference in the output: every reader
 * splits it into the same markup as the input. */
static bool
inert_mask(const struct scan_html *h, size_t ps, size_t pe)
{
    for (size_t i = ps; i < pe; i++) {
        uint8_t c = h->in[i];
        if (c == '<' || c == '>' || c == '"' || c == '\'' || c == 0) {
            return false;
        }
    }
    for (size_t i = ps; i > 0 && ps - i < 64; i--) {
        uint8_t c = h->in[i - 1];
        if (is_ws(c) || c == '>' || c == ';' || c == '"' || c == '\'') {
            return true;
        }
        if (c == '<' || c == '&') {
            return false;
        }
    }
    return ps == 0;
}

/* Replaces input [ps, pe) with masked text rep[0, rep_len) (none: empty). */
static void
mask_piece(struct scan_html *h, size_t ps, size_t pe, const uint8_t *rep, size_t rep_len,
           uint8_t quote)
{
    add_edit(h, ps, pe, NULL, 0, inert_mask(h, ps, pe));
    if (rep != NULL && h->err == 0) {
        put_escaped(h, rep, rep_len, quote);
        h->ed[h->n_ed - 1].rep_len = (uint32_t)(h->rep.len - h->ed[h->n_ed - 1].rep);
    }
}

/* A finding's part in one run: input [s, e), view [vs, ve). */
struct piece {
    size_t s, e, vs, ve;
    uint32_t run;
    uint8_t quote;
};

/* Masks piece `p` of finding f (masked text `mk`). When masking kept the
 * finding's length each piece gets its own masked characters, so a number
 * typed into table cells or over <br> lines stays in its cells and lines;
 * otherwise the whole masked value goes where the first piece was and the
 * others are emptied. */
static void
mask_part(struct scan_html *h, const struct piece *p, const struct scan_finding *f,
          const struct scan_finding *mk, bool first)
{
    const uint8_t *m = h->masked.p + mk->start;
    if (mk->end - mk->start == f->end - f->start) {
        mask_piece(h, p->s, p->e, m + (p->vs - f->start), p->ve - p->vs, p->quote);
    } else {
        mask_piece(h, p->s, p->e, first ? m : NULL, first ? mk->end - mk->start : 0, p->quote);
    }
}

/* Maps finding k (view offsets in h->f, masked offsets in `mk`) to the
 * input, into h->sf[k], and masks it there when its action is redact. A
 * finding lies in one run, or across runs joined by inline tags, line
 * breaks or table cells: its part in each run is a contiguous input range,
 * masked where it is (mask_part), so the tags between stay. A character
 * reference is mapped whole: a finding that touches one replaces all of it
 * with the masked text, which reads as the reference did. */
static void
map_finding(struct scan_html *h, size_t k, const struct scan_finding *mk)
{
    const struct view *v = &h->tv;
    const struct scan_finding *f = &h->f[k];
    bool redact = f->action == SCAN_ACT_REDACT;
    struct piece p = {0};
    bool any = false;
    bool first = true;
    h->sf[k] = *f;
    for (size_t i = seg_at(v, f->start); i < v->n_seg && v->seg[i].d < f->end; i++) {
        const struct seg *sg = &v->seg[i];
        if (sg->kind == SEG_SEP) {
            continue;
        }
        size_t s = sg->s;
        size_t e = sg->s + sg->slen;
        size_t vs = sg->d > f->start ? sg->d : f->start;
        size_t ve = sg->d + sg->dlen < f->end ? sg->d + sg->dlen : f->end;
        if (sg->kind == SEG_LIT) {
            s += f->start > sg->d ? f->start - sg->d : 0;
            e -= sg->d + sg->dlen > f->end ? sg->d + sg->dlen - f->end : 0;
        }
        if (any && sg->run == p.run) {
            p.e = e;
            p.ve = ve;
            continue;
        }
        if (any) {
            if (redact) {
                mask_part(h, &p, f, mk, first);
            }
            first = false;
        } else {
            h->sf[k].start = (uint32_t)s;
        }
        any = true;
        p = (struct piece){.s = s, .e = e, .vs = vs, .ve = ve, .run = sg->run, .quote = sg->quote};
    }
    if (!any) {
        h->sf[k].end = h->sf[k].start;
        return;
    }
    h->sf[k].end = (uint32_t)p.e;
    if (redact) {
        mask_part(h, &p, f, mk, first);
    }
}

static int
cmp_edit(const void *a, const void *b)
{
    const struct edit *x = a;
    const struct edit *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* One reading of `in`: sanitising edits and actions, the views, detection
 * and the edits that mask findings. */
static int
pass(struct scan_html *h, const struct scan_html_opts *o, const uint8_t *in, size_t len)
{
    if (len >= UINT32_MAX - 16) {
        return RL_ELIMIT;
    }
    h->in = in;
    h->len = len;
    h->o = o;
    h->err = 0;
    h->run = 0;
    hb_set_len(&h->tv.d, 0);
    hb_set_len(&h->av.d, 0);
    hb_set_len(&h->rep, 0);
    h->tv.n_seg = h->av.n_seg = 0;
    h->txt = &h->tv;
    h->n_ed = h->n_act = h->n_f = 0;
    h->markup_edit = false;
    h->lookahead = 8 * len + 65536;
    memset(h->close_memo, 0, sizeof(h->close_memo));
    region(h, 0, len, 0);
    const uint8_t *nul = memchr(in, 0, len);
    h->nul = nul != NULL;
    if (nul != NULL) {
        const uint8_t *last = memrchr(in, 0, len);
        add_action(h, SCAN_HTML_NUL, (size_t)(nul - in), (size_t)(last + 1 - in), "", NULL, 0);
    }
    /* Attribute values after the text, so that they do not cut its flow. */
    view_sep(h, &h->tv);
    size_t base = h->tv.d.len;
    put(h, &h->tv.d, h->av.d.p, h->av.d.len);
    for (size_t i = 0; i < h->av.n_seg && h->err == 0; i++) {
        struct seg *s = new_seg(h, &h->tv);
        if (s != NULL) {
            *s = h->av.seg[i];
            s->d += (uint32_t)base;
        }
    }
    if (h->err != 0) {
        return h->err;
    }
    const struct scan_finding *f = NULL;
    size_t n = 0;
    int rc = o->detect(o->detect_ctx, &f, &n, h->tv.d.p, h->tv.d.len, false);
    if (rc != 0) {
        return rc;
    }
    if (n == 0) {
        return 0;
    }
    if (!grow(h, (void **)&h->f, &h->f_cap, n, sizeof(*h->f))) {
        return h->err;
    }
    struct scan_finding *sf = realloc(h->sf, h->f_cap * sizeof(*sf));
    if (sf == NULL) {
        return RL_ENOMEM;
    }
    h->sf = sf;
    memcpy(h->f, f, n * sizeof(*f));
    h->n_f = n;
    if (!reserve(h, &h->masked, h->tv.d.len + 1)) {
        return h->err;
    }
    /* scan_redact moves offsets to the masked text; keep the view's. */
    memcpy(h->sf, h->f, n * sizeof(*f));
    hb_set_len(&h->masked,
               scan_redact(h->masked.p, h->sf, n, h->tv.d.p, h->tv.d.len, o->policy, o->utf8));
    for (size_t k = 0; k < n && h->err == 0; k++) {
        struct scan_finding mk = h->sf[k];
        map_finding(h, k, &mk);
    }
    return h->err;
}

/* ---- public ---- */

int
scan_html_rewrite(struct scan_html *h, struct scan_html_result *out_res,
                  const struct scan_html_opts *o, const uint8_t *in, size_t len)
{
    memset(out_res, 0, sizeof(*out_res));
    int rc = pass(h, o, in, len);
    if (rc != 0) {
        return rc;
    }
    out_res->actions = h->act;
    out_res->n_actions = h->n_act;
    out_res->findings = h->sf;
    out_res->n_findings = h->n_f;
    out_res->out = in;
    out_res->out_len = len;
    if (h->n_ed == 0 && h->nul == 0) {
        return 0;
    }
    if (h->n_ed > 1) {
        qsort(h->ed, h->n_ed, sizeof(*h->ed), cmp_edit);
    }
    hb_set_len(&h->out, 0);
    size_t pos = 0;
    for (size_t i = 0; i < h->n_ed; i++) {
        const struct edit *e = &h->ed[i];
        if (e->start < pos) {
            /* Two changes claim one byte: ours to get right, never to guess. */
            return RL_EVERIFY;
        }
        put_gap(h, in + pos, e->start - pos);
        put(h, &h->out, h->rep.p + e->rep, e->rep_len);
        pos = e->end;
    }
    put_gap(h, in + pos, len - pos);
    if (h->err != 0) {
        return h->err;
    }
    out_res->out = h->out.p;
    out_res->out_len = h->out.len;
    out_res->changed = h->out.len != len || memcmp(h->out.p, in, len) != 0;
    out_res->masks_only = out_res->changed && !h->markup_edit && !h->nul && h->n_act == 0;
    return 0;
}

/* ---- the second reader: libxml2 ---- */

static void
lx_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void
lx_quiet_structured(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    (void)err;
}

static void
lx_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    struct scan_html *h = ctx;
    const struct scan_html_policy *hp = &h->o->policy->html;
    size_t nl = strlen((const char *)name);
    const char *el;
    enum el_kind kind = classify(&el, name, nl);
    h->lx_active += (kind == EL_SCRIPT && hp->scripts) ||
                    ((kind == EL_IFRAME || kind == EL_FRAME) && hp->iframes) ||
                    (kind == EL_OBJECT && hp->objects) || (kind == EL_EMBED && hp->embeds) ||
                    (kind == EL_FORM && hp->forms);
    if (kind != EL_INLINE) {
        put(h, &h->tv.d, "\n\n", 2);
    }
    bool img = name_is(name, nl, "img") || name_is(name, nl, "image");
    for (size_t i = 0; atts != NULL && atts[i] != NULL; i += 2) {
        const uint8_t *an = atts[i];
        size_t al = strlen((const char *)an);
        const uint8_t *av = atts[i + 1] != NULL ? atts[i + 1] : (const uint8_t *)"";
        size_t vl = strlen((const char *)av);
        h->lx_active += (hp->handlers && is_on_name(an, al)) ||
                        (hp->scripts && name_is(an, al, "srcdoc")) ||
                        (hp->urls && scan_html_url_is_active(av, vl, img)) ||
                        (hp->scripts && name_is(an, al, "style") && style_is_active(av, vl));
        put(h, &h->av.d, "\n\n", 2);
        put(h, &h->av.d, av, vl);
    }
}

static void
lx_end(void *ctx, const xmlChar *name)
{
    struct scan_html *h = ctx;
    const char *el;
    if (classify(&el, name, strlen((const char *)name)) != EL_INLINE) {
        put(h, &h->tv.d, "\n\n", 2);
    }
}

static void
lx_text(void *ctx, const xmlChar *ch, int len)
{
    struct scan_html *h = ctx;
    put(h, &h->tv.d, ch, (size_t)len);
}

static void
lx_comment(void *ctx, const xmlChar *value)
{
    struct scan_html *h = ctx;
    put(h, &h->tv.d, "\n\n", 2);
    put(h, &h->tv.d, value, strlen((const char *)value));
    put(h, &h->tv.d, "\n\n", 2);
}

/* Parses `html` with libxml2's push parser and our SAX callbacks: no tree,
 * no network (HTML_PARSE_NONET), no DTD and so no entity declarations, the
 * part's charset forced (a <meta> cannot switch it), nothing printed.
 * Fills h->tv.d (text, comments) and h->av.d (attribute values) as UTF-8. */
static int
lx_read(struct scan_html *h, const uint8_t *html, size_t len)
{
    htmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.startElement = lx_start;
    sax.endElement = lx_end;
    sax.characters = lx_text;
    sax.ignorableWhitespace = lx_text;
    sax.cdataBlock = lx_text;
    sax.comment = lx_comment;
    sax.warning = lx_quiet;
    sax.error = lx_quiet;
    sax.fatalError = lx_quiet;
    xmlSetGenericErrorFunc(NULL, lx_quiet);
    xmlSetStructuredErrorFunc(NULL, lx_quiet_structured);
    hb_set_len(&h->tv.d, 0);
    hb_set_len(&h->av.d, 0);
    h->lx_active = 0;
    htmlParserCtxtPtr ctxt = htmlCreatePushParserCtxt(
        &sax, h, NULL, 0, NULL, h->o->utf8 ? XML_CHAR_ENCODING_UTF8 : XML_CHAR_ENCODING_8859_1);
    if (ctxt == NULL) {
        return RL_ENOMEM;
    }
    htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_IGNORE_ENC | HTML_PARSE_NODEFDTD);
    const size_t chunk = 1u << 20;
    for (size_t off = 0; off < len || off == 0; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        htmlParseChunk(ctxt, (const char *)html + off, (int)n, off + n >= len);
        if (off + n >= len) {
            break;
        }
    }
    htmlFreeParserCtxt(ctxt);
    return h->err;
}

int
scan_html_verify(struct scan_html *h, size_t *out_left, const struct scan_html_opts *o,
                 const uint8_t *html, size_t len)
{
    *out_left = 0;
    int rc = pass(h, o, html, len);
    if (rc != 0) {
        return rc;
    }
    size_t left = h->n_act + scan_redact_count(h->f, h->n_f);
    if (o->masks_only) {
        /* The rewrite only masked findings in character data: our reader
         * (above) proves no finding is left; the markup, as every reader
         * splits it, is the input's (inert_mask), so libxml2's reading of it
         * is the input's too, which like any unchanged part is not re-read. */
        *out_left = left;
        return 0;
    }
    h->err = 0;
    if ((rc = lx_read(h, html, len)) != 0) {
        return rc;
    }
    left += h->lx_active;
    put(h, &h->tv.d, h->av.d.p, h->av.d.len);
    if (h->err != 0) {
        return h->err;
    }
    const struct scan_finding *f = NULL;
    size_t n = 0;
    if ((rc = o->detect(o->detect_ctx, &f, &n, h->tv.d.p, h->tv.d.len, true)) != 0) {
        return rc;
    }
    *out_left = left + scan_redact_count(f, n);
    return 0;
}

const char *
scan_html_action_name(enum scan_html_act k)
{
    static const char *const names[] = {
        "html.script_removed",  "html.handler_removed",   "html.url_neutralised",
        "html.element_removed", "html.attribute_removed", "html.ambiguous_removed",
        "html.nul_replaced",
    };
    return (unsigned)k < SCAN_HTML__COUNT ? names[k] : "html.unknown";
}

struct scan_html *
scan_html_new(void)
{
    xmlInitParser();
    struct scan_html *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return NULL;
    }
    /* Every buffer exists from the start: no NULL reaches memcpy. */
    struct hbuf *bufs[] = {&h->tv.d, &h->av.d, &h->rep, &h->tmp, &h->masked, &h->out};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        if (!reserve(h, bufs[i], 1024)) {
            scan_html_free(h);
            return NULL;
        }
    }
    return h;
}

size_t
scan_html_footprint(const struct scan_html *h)
{
    return sizeof(*h) + h->tv.d.cap + h->av.d.cap + h->rep.cap + h->tmp.cap + h->masked.cap +
           h->out.cap + (h->tv.seg_cap + h->av.seg_cap) * sizeof(struct seg) +
           h->attrs_cap * sizeof(*h->attrs) + h->ed_cap * sizeof(*h->ed) +
           h->f_cap * 2 * sizeof(*h->f) + h->act_cap * sizeof(*h->act);
}

void
scan_html_wipe(struct scan_html *h)
{
    struct hbuf *bufs[] = {&h->tv.d, &h->av.d, &h->rep, &h->tmp, &h->masked, &h->out};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        if (bufs[i]->p != NULL && bufs[i]->len > 0) { /* most parts leave most unused */
            explicit_bzero(bufs[i]->p, bufs[i]->len);
        }
        bufs[i]->len = 0;
    }
}

void
scan_html_free(struct scan_html *h)
{
    if (h == NULL) {
        return;
    }
    struct hbuf *bufs[] = {&h->tv.d, &h->av.d, &h->rep, &h->tmp, &h->masked, &h->out};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        wipe_free(bufs[i]);
    }
    free(h->tv.seg);
    free(h->av.seg);
    free(h->attrs);
    free(h->ed);
    free(h->f);
    free(h->sf);
    free(h->act);
    free(h);
}
