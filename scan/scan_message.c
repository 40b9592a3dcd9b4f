/* SPDX-License-Identifier: Apache-2.0 */
/* The message rewriter: drives the MIME parser, decodes each leaf part,
 * detects, redacts, re-encodes in the original transfer encoding, verifies
 * the result by scanning it again, and builds the result. Owns the buffers of
 * the part being rewritten; one instance per worker thread, reused. */
#include "scan_message.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime_charset.h"
#include "mime_codec.h"
#include "mime_fields.h"
#include "mime_header.h"
#include "mime_transcode.h"
#include "mime_utf16.h"
#include "mime_uu.h"
#include "rl_utf8.h"
#include "scan_html.h"
#include "scan_redact.h"
#include "scan_smime.h"
#include "scan_tnef.h"

/* A growable byte buffer owned by the message; it keeps its high-water size
 * so that steady-state traffic does not allocate. */
struct buf {
    uint8_t *p;
    size_t len;
    size_t cap;
};

/* A stretch of the output of a spliced base64 part: raw lines as received,
 * or lines re-encoded into m->enc. */
struct piece {
    bool enc; /* from m->enc, else from m->raw */
    size_t off, len;
};

/* iCalendar and vCard text is read unfolded (detect_text). */
enum fold_kind { FOLD_NONE, FOLD_VCARD, FOLD_ICAL, FOLD_FLOWED, FOLD_FLOWED_DELSP };

struct scan_message {
    struct scan_worker *w;            /* borrowed */
    const struct scan_engine *engine; /* borrowed */
    const struct scan_policy *pol;    /* borrowed */
    struct mime_parser parser;
    scan_out_fn out;
    void *out_ctx;
    bool text_mode;
    int err; /* sticky: output failed or limit reached */

    struct buf raw;    /* the leaf part being collected, as received */
    struct buf dec;    /* transfer-decoded */
    struct buf utf;    /* decoded to UTF-8 for detection (single-byte charsets) */
    struct buf red;    /* redacted, decoded */
    struct buf enc;    /* redacted, re-encoded */
    struct buf ver;    /* verification: the output decoded again */
    struct buf hdr;    /* a rewritten header block */
    struct buf word;   /* one encoded word's decoded text */
    struct buf prev;   /* the previous round's redacted text (see process_part) */
    struct buf narrow; /* a UTF-16 part's text as UTF-8, scanned and redacted as such */
    struct buf wide;   /* its redacted text back in UTF-16, encoded from there */
    struct buf unf;    /* an iCalendar or vCard text unfolded (detect_text) */
    struct buf uu;     /* a text part with its uuencoded files written anew (process_uu) */
    struct buf uud;    /* one uuencoded file, decoded */
    struct buf uur;    /* ... and redacted */
    struct buf pre;    /* a multipart's preamble or epilogue, scanned before it goes out */
    uint32_t *unf_map; /* unf's offsets into the folded text, one per octet and the end */
    size_t unf_map_cap;
    enum fold_kind unfold; /* the part is read unfolded (detect_text) */
    struct buf held;       /* a leaf part's header block, out only once its body is known */
    bool holding;          /* emit() collects into `held` (a header block being written) */
    struct scan_doc *doc;  /* documents and archives in attachments (scan_doc.c) */
    struct scan_action_record *act; /* sanitisation steps: HTML, documents, PDF */
    size_t n_act, act_cap;
    bool acts_capped;
    struct scan_html *html;
    bool doc_unreadable;
    bool doc_never_deliver;      /* an attachment carries a DTD that could not be cut out */
    struct scan_message *nested; /* for encoded message/rfc822 parts, one level down; lazy */
    unsigned level;              /* nesting: 0 for the message itself */
    struct buf nest_out;         /* the nested message as rewritten */
    enum scan_verdict nested_verdict;
    const char *nested_reason;
    bool nested_tagged;

    struct scan_finding *f; /* findings of the buffer being scanned, grows with it */
    size_t n_f, f_cap;
    struct scan_finding *sv; /* verification: findings that survived a round */
    size_t sv_cap;
    uint32_t *win; /* verification windows, pairs of offsets */
    size_t win_cap;
    bool full_verify; /* lexicon regexes have unbounded reach: rescan whole parts */

    /* A base64 part is re-encoded only in the lines that changed (splice_b64). */
    struct mime_b64_lines lines; /* layout of m->raw, when the part is base64 */
    size_t *touched;             /* line ranges [a, b) holding redactions, all rounds */
    size_t n_touched, touched_cap;
    bool tail_touched;    /* a redaction in the lines after lines.full */
    enum mime_utf16 u16;  /* the part is UTF-16 of this byte order (narrow holds it) */
    size_t u16_bom;       /* octets of byte-order mark it began with */
    struct mime_xcode xc; /* the last charset read through iconv (parts, encoded words) */
    bool xc_on;           /* the part is text in xc's charset (narrow holds it as UTF-8) */
    bool xc_octets;       /* its octets held findings: its output is checked as octets */
    int tail_canon;       /* the raw tail is encode(decoded tail): -1 unknown, 0, 1 */
    struct piece *pc;     /* the output: raw lines and re-encoded ones, in order */
    size_t n_pc, pc_cap;

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
    /* Not realloc: the old block may hold message text, and is wiped
     * before it goes back to the allocator (STYLE 17). */
    uint8_t *p = malloc(cap);
    if (p == NULL) {
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

static void
wipe(struct buf *b)
{
    if (b->len > 0) { /* most parts leave most buffers unused */
        explicit_bzero(b->p, b->len);
    }
    b->len = 0;
}

/* buf_set_len makes `n` the length of b's text, wiping what an earlier,
 * longer text left past it: wipe() reads len, so len never drops below what
 * the buffer holds. */
static void
buf_set_len(struct buf *b, size_t n)
{
    if (b->len > n) {
        explicit_bzero(b->p + n, b->len - n);
    }
    b->len = n;
}

static bool
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return true;
    }
    size_t c = *cap ? *cap * 2 : 16;
    while (c <= n) {
        c *= 2;
    }
    void *p = realloc(*arr, c * elem);
    if (p == NULL) {
        return false;
    }
    *arr = p;
    *cap = c;
    return true;
}

/* copy_bytes writes s[0, n) into out[0, cap) as a C string: cut to fit, and
 * at a NUL in `s` (as printf's "%.*s" would). */
static void
copy_bytes(char *out, size_t cap, const char *s, size_t n)
{
    n = strnlen(s, n < cap - 1 ? n : cap - 1);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* copy_str copies C string `s` into out[0, cap), cut to fit. */
static void
copy_str(char *out, size_t cap, const char *s)
{
    copy_bytes(out, cap, s, cap - 1);
}

static void
add_defect(struct scan_message *m, const char *part, const char *reason, size_t len)
{
    if (m->n_def >= 256 || !grow((void **)&m->def, &m->def_cap, m->n_def, sizeof(*m->def))) {
        return; /* the count of defects is capped; the tag still says there were some */
    }
    struct scan_defect *d = &m->def[m->n_def++];
    copy_str(d->part, sizeof(d->part), part[0] ? part : "0");
    copy_bytes(d->reason, sizeof(d->reason), reason, len);
}

static void
emit(struct scan_message *m, const uint8_t *p, size_t n)
{
    if (m->holding) {
        if (!buf_reserve(&m->held, m->held.len + n)) {
            m->err = RL_ENOMEM;
            return;
        }
        memcpy(m->held.p + m->held.len, p, n);
        m->held.len += n;
        return;
    }
    if (m->held.len > 0) {
        size_t held = m->held.len;
        m->held.len = 0; /* so that the emit below is not this branch again */
        emit(m, m->held.p, held);
        explicit_bzero(m->held.p, held);
    }
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
        copy_str(r->part, sizeof(r->part), part[0] ? part : "0");
        copy_str(r->header, sizeof(r->header), header);
        r->start = f[i].start;
        r->end = f[i].end;
        r->type = f[i].type;
        r->lexicon = f[i].lexicon;
        r->confidence = f[i].confidence;
        r->action = f[i].action;
        r->location[0] = '\0';
    }
}

/* Engine calls see at most this much text, cut at a line end where one is
 * near, so that the per-call candidate arrays of the worker never overflow
 * on dense but legitimate data (a CSV of card numbers: ~550 per segment). */
#define SEGMENT_BYTES ((size_t)16 * 1024)
#define SEGMENT_FINDINGS ((size_t)1024)

static size_t
segment_end(const uint8_t *text, size_t len, size_t pos)
{
    if (len - pos <= SEGMENT_BYTES) {
        return len;
    }
    size_t cut = pos + SEGMENT_BYTES;
    const uint8_t *lf = memchr(text + cut, '\n', len - cut < 4096 ? len - cut : 4096);
    if (lf != NULL) {
        return (size_t)(lf - text) + 1;
    }
    for (size_t i = cut; i > cut - 4096; i--) {
        if (text[i - 1] == ' ' || text[i - 1] == '\t') {
            return i;
        }
    }
    return cut;
}

static void
fail_part(struct scan_message *m, const char *part, const char *why)
{
    add_defect(m, part, why, strlen(why));
    m->verify_failed = true;
}

/* Detects in `text` into m->f (all of it, segment by segment) and returns
 * the count. A part the engine could not fully scan cannot be proven clean:
 * that is recorded and decided by on_modification_failure. */
static size_t
detect(struct scan_message *m, const char *part, const uint8_t *text, size_t len, unsigned types)
{
    m->n_f = 0;
    for (size_t pos = 0; pos < len || pos == 0;) {
        size_t end = segment_end(text, len, pos);
        if (!grow((void **)&m->f, &m->f_cap, m->n_f + SEGMENT_FINDINGS, sizeof(*m->f))) {
            m->err = RL_ENOMEM;
            return m->n_f;
        }
        size_t n = 0;
        int rc = scan_detect(m->w, m->f + m->n_f, SEGMENT_FINDINGS, &n, text, len, pos, end, types);
        if (rc == RL_ELIMIT) {
            fail_part(m, part, "more findings in one segment than the engine can hold");
        } else if (rc != 0) {
            fail_part(m, part, "scan engine failed on this part");
        }
        /* A number cut by the segment end was found whole by the segment
         * before; its tail read from here would be a second, partial one. */
        size_t skip = 0;
        while (skip < n && m->n_f > 0 && m->f[m->n_f + skip].start < m->f[m->n_f - 1].end) {
            skip++;
        }
        memmove(m->f + m->n_f, m->f + m->n_f + skip, (n - skip) * sizeof(*m->f));
        m->n_f += n - skip;
        if (end == len) {
            break;
        }
        pos = end;
    }
    return m->n_f;
}

/* ---- headers ---- */

/* How a header field is scanned: addresses in address fields are the
 * envelope's business, their display names are not. Every field not named
 * here is scanned too (an X- field, Content-Description or Organization is
 * shown by some reader, and an application may put anything there), but
 * without the e-mail detector, since addresses in trace and list fields
 * route mail; except the fields that are tokens machines match or parse:
 * trace, identifiers, signatures, dates and MIME structure, whose redaction
 * would break delivery, threading or the message itself. Of Content-Type and
 * Content-Disposition only the file names are scanned (header_names). */
enum hdr_kind {
    HDR_OTHER = 0, /* unstructured text as far as we know, but for e-mail addresses */
    HDR_TEXT,      /* unstructured text: every detector */
    HDR_ADDR,      /* an address field: everything but e-mail addresses */
    HDR_NAMES,     /* Content-Type, Content-Disposition: their file names */
    HDR_MACHINE,   /* not scanned */
};

static enum hdr_kind
header_kind(const struct mime_field *f, const uint8_t *block)
{
    static const struct {
        const char *name;
        size_t len;
        enum hdr_kind kind;
    } fields[] = {
#define FIELD(n, k) {n, sizeof(n) - 1, k}
        FIELD("subject", HDR_TEXT),
        FIELD("comments", HDR_TEXT),
        FIELD("keywords", HDR_TEXT),
        FIELD("thread-topic", HDR_TEXT),
        FIELD("summary", HDR_TEXT),
        FIELD("from", HDR_ADDR),
        FIELD("to", HDR_ADDR),
        FIELD("cc", HDR_ADDR),
        FIELD("bcc", HDR_ADDR),
        FIELD("reply-to", HDR_ADDR),
        FIELD("sender", HDR_ADDR),
        FIELD("resent-from", HDR_ADDR),
        FIELD("resent-to", HDR_ADDR),
        FIELD("resent-cc", HDR_ADDR),
        FIELD("content-type", HDR_NAMES),
        FIELD("content-disposition", HDR_NAMES),
        FIELD("received", HDR_MACHINE),
        FIELD("return-path", HDR_MACHINE),
        FIELD("message-id", HDR_MACHINE),
        FIELD("resent-message-id", HDR_MACHINE),
        FIELD("in-reply-to", HDR_MACHINE),
        FIELD("references", HDR_MACHINE),
        FIELD("date", HDR_MACHINE),
        FIELD("resent-date", HDR_MACHINE),
        FIELD("mime-version", HDR_MACHINE),
        FIELD("content-id", HDR_MACHINE),
        FIELD("content-transfer-encoding", HDR_MACHINE),
        FIELD("content-location", HDR_MACHINE),
        FIELD("content-md5", HDR_MACHINE),
        FIELD("dkim-signature", HDR_MACHINE),
        FIELD("domainkey-signature", HDR_MACHINE),
        FIELD("arc-seal", HDR_MACHINE),
        FIELD("arc-message-signature", HDR_MACHINE),
        FIELD("arc-authentication-results", HDR_MACHINE),
        FIELD("authentication-results", HDR_MACHINE),
        FIELD("received-spf", HDR_MACHINE),
        FIELD("thread-index", HDR_MACHINE),
        FIELD("x-ms-tnef-correlator", HDR_MACHINE),
        FIELD("list-id", HDR_MACHINE),
        FIELD("list-unsubscribe", HDR_MACHINE),
        FIELD("list-unsubscribe-post", HDR_MACHINE),
        FIELD("list-post", HDR_MACHINE),
        FIELD("list-help", HDR_MACHINE),
        FIELD("list-subscribe", HDR_MACHINE),
        FIELD("list-owner", HDR_MACHINE),
        FIELD("list-archive", HDR_MACHINE),
        FIELD("autocrypt", HDR_MACHINE),
        FIELD("openpgp", HDR_MACHINE),
#undef FIELD
    };
    /* as mime_field_is: whitespace before the colon is obsolete syntax */
    const char *name = (const char *)block + f->start;
    size_t have = f->name_len;
    while (have > 0 && (name[have - 1] == ' ' || name[have - 1] == '\t')) {
        have--;
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (fields[i].len == have && (name[0] | 0x20) == fields[i].name[0] &&
            strncasecmp(name, fields[i].name, have) == 0) {
            return fields[i].kind;
        }
    }
    /* Exchange's own fields are opaque blobs (X-MS-Exchange-*, X-Microsoft-*) */
    if (have > 12 && (strncasecmp(name, "x-ms-exchange", 13) == 0 ||
                      strncasecmp(name, "x-microsoft-", 12) == 0)) {
        return HDR_MACHINE;
    }
    return HDR_OTHER;
}

static bool
is_utf8_cs(enum mime_charset cs)
{
    return cs == MIME_CS_UTF8 || cs == MIME_CS_OTHER;
}

/* iCalendar and vCard parts (by type or file name): their readers unfold
 * lines (RFC 5545 3.1, RFC 6350 3.2). */
static enum fold_kind
folded_text_kind(const struct mime_part *part)
{
    if (part->flowed) {
        return part->delsp ? FOLD_FLOWED_DELSP : FOLD_FLOWED;
    }
    const char *dot = strrchr(part->filename, '.');
    if (strcmp(part->type, "text/calendar") == 0 || strcmp(part->type, "application/ics") == 0 ||
        (dot != NULL && strcasecmp(dot, ".ics") == 0)) {
        return FOLD_ICAL;
    }
    if (strcmp(part->type, "text/vcard") == 0 || strcmp(part->type, "text/x-vcard") == 0 ||
        strcmp(part->type, "text/directory") == 0 ||
        (dot != NULL && strcasecmp(dot, ".vcf") == 0)) {
        return FOLD_VCARD;
    }
    return FOLD_NONE;
}

/* Whether the iCalendar property of the line holding u[at] (unfolded text)
 * names the people and events a calendar matches invitations by: an
 * address there is not text to redact, or the invitation stops working. */
static bool
ical_machine_property(const uint8_t *u, size_t at)
{
    static const char *const props[] = {"UID", "ORGANIZER", "ATTENDEE", "RELATED-TO",
                                        "RECURRENCE-ID"};
    size_t s = at;
    while (s > 0 && u[s - 1] != '\n') {
        s--;
    }
    size_t e = s;
    while (e < at && u[e] != ':' && u[e] != ';') {
        e++;
    }
    for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
        if (strlen(props[i]) == e - s && strncasecmp((const char *)u + s, props[i], e - s) == 0) {
            return true;
        }
    }
    return false;
}

/* Length of a fold (a line break then one space or tab) at text[i], or 0. */
static size_t
fold_at(const uint8_t *text, size_t len, size_t i)
{
    size_t b = text[i] == '\r' && i + 1 < len && text[i + 1] == '\n' ? 2 : text[i] == '\n';
    return b != 0 && i + b < len && (text[i + b] == ' ' || text[i + b] == '\t') ? b + 1 : 0;
}

/* RFC 3676 (format=flowed): whether the space text[i] on the line that
 * starts at text[line] ends it in a soft break, which readers join to the
 * next line: returns how many bytes from i they do not show (the space, the
 * line break, the next line's quote marks, as many as this line's, and its
 * space-stuffing), 0 for none; *next is where the next line starts. A
 * signature separator ("-- ") and a change of quote depth break hard. */
static size_t
flow_at(const uint8_t *text, size_t len, size_t i, size_t line, size_t *next)
{
    size_t b = i + 1 < len && text[i + 1] == '\n'                          ? 1
               : i + 2 < len && text[i + 1] == '\r' && text[i + 2] == '\n' ? 2
                                                                           : 0;
    if (b == 0 || i + 1 + b >= len) {
        return 0;
    }
    size_t q = line;
    while (q < i && text[q] == '>') {
        q++;
    }
    size_t depth = q - line;
    q += q < i && text[q] == ' ';
    if (i - q == 2 && text[q] == '-' && text[q + 1] == '-') {
        return 0;
    }
    size_t n = i + 1 + b;
    *next = n;
    size_t d = 0;
    while (n + d < len && text[n + d] == '>') {
        d++;
    }
    if (d != depth) {
        return 0;
    }
    n += d;
    n += n < len && text[n] == ' ';
    return n - i;
}

/* detect, but for an iCalendar or vCard part (m->unfold) on the text as its
 * readers show it: a long line is folded every 75 octets by a line break
 * and one space or tab, which they remove, so a number folded in two is
 * one to them. Flowed text (RFC 3676) is read with its soft breaks joined,
 * the space before one kept unless delsp=yes. Offsets are into `text`; a
 * finding's span takes in the folds inside it, which redaction keeps (they
 * are not characters it masks). The addresses of an invitation's people and
 * identifiers are left alone. */
static size_t
detect_text(struct scan_message *m, const char *part, const uint8_t *text, size_t len,
            unsigned types)
{
    const uint8_t *nl = m->unfold ? memchr(text, '\n', len) : NULL;
    if (nl == NULL) {
        return detect(m, part, text, len, types);
    }
    if (!buf_reserve(&m->unf, len) ||
        !grow((void **)&m->unf_map, &m->unf_map_cap, len + 1, sizeof(*m->unf_map))) {
        m->err = RL_ENOMEM;
        return 0;
    }
    size_t o = 0;
    bool flowed = m->unfold == FOLD_FLOWED || m->unfold == FOLD_FLOWED_DELSP;
    size_t line = 0;
    for (size_t i = 0; i < len;) {
        size_t next = 0;
        size_t k = flowed ? (text[i] == ' ' ? flow_at(text, len, i, line, &next) : 0)
                   : text[i] == '\r' || text[i] == '\n' ? fold_at(text, len, i)
                                                        : 0;
        if (k != 0) {
            if (m->unfold == FOLD_FLOWED) {
                m->unf_map[o] = (uint32_t)i; /* the space stays a character */
                m->unf.p[o++] = ' ';
            }
            line = next;
            i += k;
            continue;
        }
        line = text[i] == '\n' ? i + 1 : line;
        m->unf_map[o] = (uint32_t)i;
        m->unf.p[o++] = text[i++];
    }
    m->unf_map[o] = (uint32_t)len;
    buf_set_len(&m->unf, o);
    size_t n = detect(m, part, m->unf.p, o, types);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (m->unfold == FOLD_ICAL && m->f[i].type == SCAN_T_EMAIL &&
            ical_machine_property(m->unf.p, m->f[i].start)) {
            continue;
        }
        m->f[kept] = m->f[i];
        m->f[kept].start = m->unf_map[m->f[i].start];
        m->f[kept].end = m->f[i].end > 0 ? m->unf_map[m->f[i].end - 1] + 1 : 0;
        kept++;
    }
    m->n_f = kept;
    return kept;
}

/* Detects in decoded text of charset `cs`, with offsets into `text`: single
 * byte charsets are scanned as UTF-8 so lexicon words match in any of them. */
static size_t
detect_decoded(struct scan_message *m, const char *part, enum mime_charset cs, const uint8_t *text,
               size_t len, unsigned types)
{
    if (is_utf8_cs(cs)) {
        return detect_text(m, part, text, len, types);
    }
    /* MIME_CS_TABLE: the single-byte charset of the part (narrow_charset) */
    const struct mime_charset_table *t =
        cs == MIME_CS_TABLE ? m->xc.table : mime_charset_table_of(cs);
    if (!buf_reserve(&m->utf, mime_charset_utf8_cap(len))) {
        m->err = RL_ENOMEM;
        return 0;
    }
    size_t ul = 0;
    mime_charset_table_to_utf8(m->utf.p, &ul, t, text, len);
    buf_set_len(&m->utf, ul); /* a block's fields share m->utf */
    size_t n = detect_text(m, part, m->utf.p, m->utf.len, types);
    /* sorted, not overlapping: every start and end is at or after the last */
    struct mime_charset_walk w = {0};
    for (size_t i = 0; i < n; i++) {
        m->f[i].start =
            (uint32_t)mime_charset_table_src_offset_next(&w, t, text, len, m->f[i].start);
        m->f[i].end = (uint32_t)mime_charset_table_src_offset_next(&w, t, text, len, m->f[i].end);
    }
    return n;
}

/* ---- headers ---- */

static void
hdr_append(struct scan_message *m, const uint8_t *p, size_t n)
{
    if (!buf_reserve(&m->hdr, m->hdr.len + n)) {
        m->err = RL_ENOMEM;
        return;
    }
    memcpy(m->hdr.p + m->hdr.len, p, n);
    m->hdr.len += n;
}

/* The longest run of adjacent encoded words (RFC 2047 6.2: only white
 * space between them, which readers drop) from ew[0] in the same charset,
 * as one text: a number a writer split across words is read whole. Fills
 * ew[1..] and returns the run's length (at most max). */
static size_t
eword_run(struct mime_eword *ew, size_t max, const uint8_t *v, size_t len)
{
    size_t k = 1;
    while (k < max && mime_eword_next(&ew[k], v, len, ew[k - 1].end)) {
        size_t gap = ew[k - 1].end;
        while (gap < ew[k].start &&
               (v[gap] == ' ' || v[gap] == '\t' || v[gap] == '\r' || v[gap] == '\n')) {
            gap++;
        }
        if (gap != ew[k].start || ew[k].charset_len != ew[0].charset_len ||
            strncasecmp((const char *)v + ew[k].charset_off, (const char *)v + ew[0].charset_off,
                        ew[0].charset_len) != 0) {
            break;
        }
        k++;
    }
    return k;
}

/* Writes the redacted text of a run of encoded words as words of at most
 * 75 characters, folded, cut between characters: in a charset this code
 * cannot cut safely (neither UTF-8 nor single-byte), as one word. */
static bool
eword_write(struct scan_message *m, const uint8_t *charset, size_t charset_len, char encoding,
            enum mime_charset cs, const uint8_t *text, size_t len, bool one)
{
    size_t step = one || cs == MIME_CS_OTHER ? len : encoding == 'B' ? 45 : 18;
    for (size_t pos = 0; pos < len || pos == 0;) {
        size_t cut = len - pos <= step ? len : pos + step;
        while (cs == MIME_CS_UTF8 && cut < len && cut > pos + 1 && (text[cut] & 0xC0) == 0x80) {
            cut--;
        }
        size_t cap = 16 + charset_len + 3 * (cut - pos) + 4;
        if (!buf_reserve(&m->hdr, m->hdr.len + cap)) {
            m->err = RL_ENOMEM;
            return false;
        }
        if (pos > 0) {
            size_t e = strlen(m->eol);
            memcpy(m->hdr.p + m->hdr.len, m->eol, e);
            m->hdr.p[m->hdr.len + e] = ' ';
            m->hdr.len += e + 1;
        }
        size_t out_len = 0;
        if (!mime_eword_encode(m->hdr.p + m->hdr.len, &out_len, cap, charset, charset_len, encoding,
                               text + pos, cut - pos)) {
            return false;
        }
        m->hdr.len += out_len;
        if (cut == len) {
            break;
        }
        pos = cut;
    }
    return true;
}

/* xcode_into converts `in` with m->xc (to UTF-8, or back from it) into `b`,
 * grown as needed, and sets *out_bad (escaped octets, mime_xcode_to_utf8).
 * Returns 0, RL_EINVAL (not convertible) or RL_ENOMEM (set in m->err). */
static int
xcode_into(struct scan_message *m, struct buf *b, bool to_utf8, const uint8_t *in, size_t len,
           size_t *out_bad)
{
    size_t cap = to_utf8 ? mime_xcode_utf8_cap(len) : mime_xcode_from_utf8_cap(len);
    *out_bad = 0;
    for (int tries = 0; tries < 4; tries++, cap *= 2) {
        if (!buf_reserve(b, cap)) {
            m->err = RL_ENOMEM;
            return RL_ENOMEM;
        }
        size_t n = 0;
        int rc = to_utf8 ? mime_xcode_to_utf8(&m->xc, b->p, b->cap, &n, out_bad, in, len)
                         : mime_xcode_from_utf8(&m->xc, b->p, b->cap, &n, in, len);
        if (rc == 0) {
            buf_set_len(b, n);
            return 0;
        }
        if (rc != RL_ELIMIT) {
            return RL_EINVAL;
        }
    }
    return RL_EINVAL;
}

/* xcode_word reads the decoded text in[0, n) of an encoded word in the
 * charset `label` (one mime_charset has no table for) as UTF-8 into
 * m->narrow, with room for it in m->word. False when iconv does not know
 * the charset or the text is not valid in it (the word is then scanned as
 * its octets; *out_bad tells the second case, m->narrow then holds the text
 * with its invalid octets escaped). */
static bool
xcode_word(struct scan_message *m, const uint8_t *label, size_t label_len, const uint8_t *in,
           size_t n, bool *out_bad)
{
    size_t bad = 0;
    *out_bad = false;
    if (mime_xcode_open(&m->xc, label, label_len) != 0 ||
        xcode_into(m, &m->narrow, true, in, n, &bad) != 0) {
        return false;
    }
    *out_bad = bad > 0;
    if (bad > 0) {
        return false;
    }
    if (!buf_reserve(&m->word, m->narrow.len + 1)) {
        m->err = RL_ENOMEM;
        return false;
    }
    return true;
}

/* Scans the run of k encoded words ew[0..k) as one text; appends its
 * replacement (or the words as they were) to m->hdr. With `check` nothing is
 * recorded or written: returns the findings the policy redacts
 * (verification of a rewritten block). */
static size_t
header_ewords(struct scan_message *m, const struct mime_part *part, const char *name,
              const uint8_t *v, const struct mime_eword *ew, size_t k, unsigned types, bool check)
{
    const uint8_t *orig = v + ew[0].start;
    size_t orig_len = ew[k - 1].end - ew[0].start;
    size_t cap = 1;
    for (size_t i = 0; i < k; i++) {
        cap += ew[i].text_len;
    }
    if (!buf_reserve(&m->word, cap)) {
        m->err = RL_ENOMEM;
        return 0;
    }
    bool ok = true;
    size_t wlen = 0;
    for (size_t i = 0; i < k; i++) {
        size_t n = 0;
        ok &= mime_eword_decode(m->word.p + wlen, &n, &ew[i], v);
        wlen += n;
    }
    enum mime_charset cs = mime_charset_from_name(v + ew[0].charset_off, ew[0].charset_len);
    buf_set_len(&m->word, wlen); /* so that on_headers wipes it */
    const uint8_t *wcs = v + ew[0].charset_off;
    size_t wcs_len = ew[0].charset_len;
    char wenc = ew[0].encoding;
    bool bad = false;
    if (ok && cs == MIME_CS_OTHER &&
        xcode_word(m, v + ew[0].charset_off, ew[0].charset_len, m->word.p, wlen, &bad)) {
        /* read as UTF-8, and written again so if redacted */
        memcpy(m->word.p, m->narrow.p, m->narrow.len);
        wlen = m->narrow.len;
        buf_set_len(&m->word, wlen);
        cs = MIME_CS_UTF8;
        wcs = (const uint8_t *)"UTF-8";
        wcs_len = 5;
        wenc = 'B';
    } else if (bad) {
        /* Not valid in its charset: read around its bad octets, a finding
         * there cannot be redacted in the word (its octets are scanned and
         * redacted below as before). */
        size_t nb = detect(m, part->path, m->narrow.p, m->narrow.len, types);
        if (scan_redact_count(m->f, nb) > 0) {
            if (check) {
                return scan_redact_count(m->f, nb);
            }
            fail_part(m, part->path, "finding inside an encoded word not valid in its charset");
        }
    }
    size_t n = detect_decoded(m, part->path, cs, m->word.p, wlen, types);
    size_t to_redact = scan_redact_count(m->f, n);
    if (check) {
        return to_redact;
    }
    record(m, part->path, name, m->f, n);
    if (!ok && to_redact > 0) {
        /* A malformed word still shows as text in many readers, and it
         * cannot be rewritten faithfully: the message cannot be cleaned. */
        fail_part(m, part->path, "finding inside a malformed encoded word");
    }
    if (!ok || to_redact == 0 || !buf_reserve(&m->red, wlen + 1)) {
        hdr_append(m, orig, orig_len);
        return 0;
    }
    size_t rlen = scan_redact(m->red.p, m->f, n, m->word.p, wlen, m->pol, is_utf8_cs(cs));
    buf_set_len(&m->red, rlen); /* so that on_headers wipes it */
    size_t mark = m->hdr.len;
    if (!eword_write(m, wcs, wcs_len, wenc, cs, m->red.p, rlen, k == 1)) {
        buf_set_len(&m->hdr, mark);
        fail_part(m, part->path, "could not re-encode a redacted encoded word");
        hdr_append(m, orig, orig_len);
    }
    return 0;
}

/* The text a reader shows for the value v[0, len) of an unstructured field
 * that holds encoded words, into m->word: unencoded text as it is, encoded
 * words decoded to UTF-8, the white space between adjacent words dropped
 * (RFC 2047 6.2). False when a word is malformed or in a charset this code
 * cannot read as UTF-8 (those values are scanned piece by piece). */
static bool
display_text(struct scan_message *m, const uint8_t *v, size_t len)
{
    if (!buf_reserve(&m->word, 3 * len + 1)) {
        m->err = RL_ENOMEM;
        return false;
    }
    size_t wlen = 0;
    size_t at = 0;
    bool after_word = false;
    bool bad = false; /* a word not valid in its charset: read piece by piece */
    struct mime_eword ew;
    while (at < len && mime_eword_next(&ew, v, len, at)) {
        size_t gap = at;
        while (gap < ew.start &&
               (v[gap] == ' ' || v[gap] == '\t' || v[gap] == '\r' || v[gap] == '\n')) {
            gap++;
        }
        if (!after_word || gap != ew.start) {
            memcpy(m->word.p + wlen, v + at, ew.start - at);
            wlen += ew.start - at;
        }
        enum mime_charset cs = mime_charset_from_name(v + ew.charset_off, ew.charset_len);
        size_t n = 0;
        if (!buf_reserve(&m->utf, ew.text_len + 1) || !mime_eword_decode(m->utf.p, &n, &ew, v) ||
            (cs == MIME_CS_OTHER &&
             !xcode_word(m, v + ew.charset_off, ew.charset_len, m->utf.p, n, &bad)) ||
            !buf_reserve(&m->word, wlen + m->narrow.len + 3 * (len - at) + 1)) {
            buf_set_len(&m->word, wlen);
            return false;
        }
        m->utf.len = n > m->utf.len ? n : m->utf.len; /* so that on_headers wipes it */
        if (cs == MIME_CS_OTHER) {
            memcpy(m->word.p + wlen, m->narrow.p, m->narrow.len);
            wlen += m->narrow.len;
        } else if (cs == MIME_CS_UTF8) {
            memcpy(m->word.p + wlen, m->utf.p, n);
            wlen += n;
        } else {
            size_t u = 0;
            mime_charset_to_utf8(m->word.p + wlen, &u, cs, m->utf.p, n);
            wlen += u;
        }
        at = ew.end;
        after_word = true;
    }
    memcpy(m->word.p + wlen, v + at, len - at);
    wlen += len - at;
    buf_set_len(&m->word, wlen);
    return true;
}

/* Scans an unstructured field value v[0, len) that holds encoded words as
 * the one text a reader shows (display_text): a number split between a word
 * and the text beside it ("=?utf-8?q?M=C3=BCller=3A4111?= 1111 ...", as
 * Python's email package writes) is read whole, and a keyword in one piece
 * reaches a number in the next. A value with something to redact is written
 * again as folded UTF-8 encoded words, its leading white space kept.
 * *out_done is false when the value cannot be read so (display_text) and is
 * left to the piece-by-piece reading. With `check`, returns what the policy
 * would redact. */
static size_t
header_display(struct scan_message *m, const struct mime_part *part, const char *name,
               const uint8_t *v, size_t len, unsigned types, bool check, bool *out_done)
{
    *out_done = false;
    size_t lead = 0;
    while (lead < len && (v[lead] == ' ' || v[lead] == '\t')) {
        lead++;
    }
    if (!display_text(m, v + lead, len - lead)) {
        return 0;
    }
    *out_done = true;
    size_t n = detect(m, part->path, m->word.p, m->word.len, types);
    size_t to_redact = scan_redact_count(m->f, n);
    if (check) {
        return to_redact;
    }
    record(m, part->path, name, m->f, n);
    if (to_redact == 0) {
        hdr_append(m, v, len);
        return 0;
    }
    if (!buf_reserve(&m->red, m->word.len + 1)) {
        m->err = RL_ENOMEM;
        return 0;
    }
    size_t rlen = scan_redact(m->red.p, m->f, n, m->word.p, m->word.len, m->pol, true);
    buf_set_len(&m->red, rlen); /* so that on_headers wipes it */
    size_t mark = m->hdr.len;
    hdr_append(m, v, lead);
    if (m->err == 0 &&
        !eword_write(m, (const uint8_t *)"UTF-8", 5, 'B', MIME_CS_UTF8, m->red.p, rlen, false)) {
        buf_set_len(&m->hdr, mark);
        fail_part(m, part->path, "could not re-encode a redacted header");
        hdr_append(m, v, len);
    }
    return 0;
}

/* Whether text p[0, len) can hold a finding of `types`: every identifier
 * has a digit (one of another script or full width is not ASCII), an
 * address an '@'; only a lexicon word needs none. Most header fields (IDs
 * aside, which are not scanned) hold none of these and are not scanned. */
static bool
may_hold_finding(const struct scan_message *m, const uint8_t *p, size_t len, unsigned types)
{
    if (m->pol->n_lexicons > 0 && (types & SCAN_MASK(SCAN_T_LEXICON)) != 0) {
        return true;
    }
    uint8_t at = (types & SCAN_MASK(SCAN_T_EMAIL)) != 0 ? '@' : 0;
    uint8_t hit = 0; /* no early exit: the loop runs on vectors */
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        hit |= (uint8_t)(((uint8_t)(c - '0') < 10) | (c >= 0x80) | (c == at));
    }
    return hit != 0;
}

/* Scans the unencoded text v[from, to) of a field value into m->hdr; with
 * `check`, only counts what the policy would redact. */
static size_t
header_plain(struct scan_message *m, const struct mime_part *part, const char *name,
             const uint8_t *v, size_t from, size_t to, unsigned types, bool check)
{
    if (!may_hold_finding(m, v + from, to - from, types)) {
        if (!check) {
            hdr_append(m, v + from, to - from);
        }
        return 0;
    }
    size_t n = detect(m, part->path, v + from, to - from, types);
    if (check) {
        return scan_redact_count(m->f, n);
    }
    for (size_t i = 0; i < n; i++) {
        m->f[i].start += (uint32_t)from;
        m->f[i].end += (uint32_t)from;
    }
    record(m, part->path, name, m->f, n);
    for (size_t i = 0; i < n; i++) {
        m->f[i].start -= (uint32_t)from;
        m->f[i].end -= (uint32_t)from;
    }
    if (!buf_reserve(&m->hdr, m->hdr.len + (to - from))) {
        m->err = RL_ENOMEM;
        return 0;
    }
    m->hdr.len += scan_redact(m->hdr.p + m->hdr.len, m->f, n, v + from, to - from, m->pol, true);
    return 0;
}

/* Scans v[at, end) of a field value piece by piece into m->hdr (runs of
 * encoded words, and the text between them), or with `check` counts what
 * the policy would redact there. */
static size_t
header_pieces(struct scan_message *m, const struct mime_part *part, const char *name,
              const uint8_t *v, size_t at, size_t end, unsigned types, bool check)
{
    size_t left = 0;
    struct mime_eword ew[16];
    while (at < end && mime_eword_next(&ew[0], v, end, at)) {
        left += header_plain(m, part, name, v, at, ew[0].start, types, check);
        size_t k = eword_run(ew, sizeof(ew) / sizeof(ew[0]), v, end);
        left += header_ewords(m, part, name, v, ew, k, types, check);
        at = ew[k - 1].end;
    }
    return left + header_plain(m, part, name, v, at, end, types, check);
}

/* The file name parameters (name, filename, and their RFC 2231 forms) of a
 * Content-Type or Content-Disposition value: every reader shows them. */
static const char *const name_params[] = {"name", "filename"};

static bool
is_name_param(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < 2; i++) {
        size_t k = strlen(name_params[i]);
        if (n >= k && strncasecmp((const char *)p, name_params[i], k) == 0 &&
            (n == k || p[k] == '*')) {
            return true;
        }
    }
    return false;
}

/* Whether "name" (any case) is in v[0, len): no file name parameter
 * without it, and most values (a type, a charset, a boundary) have none. */
static bool
has_name_word(const uint8_t *v, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++) {
        if ((v[i] | 0x20) == 'n' && (v[i + 1] | 0x20) == 'a' && (v[i + 2] | 0x20) == 'm' &&
            (v[i + 3] | 0x20) == 'e') {
            return true;
        }
    }
    return false;
}

/* How many findings to redact the file names of value v[0, len) hold as a
 * reader joins and decodes them (RFC 2231 sections and percent escapes);
 * redo[i] says whether name_params[i] holds any. */
static size_t
decoded_names(struct scan_message *m, const struct mime_part *part, const uint8_t *v, size_t len,
              bool redo[2])
{
    size_t left = 0;
    for (size_t i = 0; i < 2; i++) {
        char text[4096]; /* longer names are not joined (mime_header_param) */
        redo[i] = false;
        if (mime_header_param(text, sizeof(text), v, len, name_params[i])) {
            size_t n = detect(m, part->path, (const uint8_t *)text, strlen(text),
                              ~0u & ~SCAN_MASK(SCAN_T_EMAIL));
            size_t k = scan_redact_count(m->f, n);
            redo[i] = k > 0;
            left += k;
        }
    }
    return left;
}

/* The charset label of the first extended section of name parameter `np`
 * in v[0, len) ("utf-8" of filename*=utf-8''...), or "utf-8" when none
 * names one (sections without escapes are ASCII). */
static void
ext_charset(char *out, size_t cap, const uint8_t *v, size_t len, const char *np)
{
    snprintf(out, cap, "utf-8");
    struct mime_param_span ps;
    size_t pos = 0;
    size_t k = strlen(np);
    while (mime_header_param_next(&ps, v, len, &pos)) {
        const uint8_t *n = v + ps.name_off;
        bool ext = ps.name_len > k && strncasecmp((const char *)n, np, k) == 0 &&
                   n[ps.name_len - 1] == '*' &&
                   (ps.name_len == k + 1 || (ps.name_len == k + 3 && n[k + 1] == '0'));
        const uint8_t *q = ext ? memchr(v + ps.val_off, '\'', ps.val_len) : NULL;
        size_t cl = q != NULL ? (size_t)(q - (v + ps.val_off)) : 0;
        if (cl > 0 && cl < cap) {
            for (size_t i = 0; i < cl; i++) {
                uint8_t c = v[ps.val_off + i];
                if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9') &&
                    c != '-' && c != '_') {
                    return; /* not a charset label */
                }
            }
            memcpy(out, v + ps.val_off, cl);
            out[cl] = '\0';
            return;
        }
    }
}

/* Appends name parameter `np` with the value text[0, n) in `charset` as RFC
 * 2231 extended sections of at most 60 octets, each on a folded line. */
static void
put_ext_param(struct scan_message *m, const char *np, const char *charset, const uint8_t *text,
              size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char line[128];
    size_t sec = 0;
    size_t i = 0;
    do {
        int w = snprintf(line, sizeof(line), ";%s %s*%zu*=%s", m->eol[0] ? m->eol : "\r\n", np, sec,
                         sec == 0 ? charset : "");
        size_t o = (size_t)w;
        if (sec == 0) {
            line[o++] = '\'';
            line[o++] = '\'';
        }
        for (; i < n && o + 3 < sizeof(line) && o < (size_t)w + 62; i++) {
            uint8_t c = text[i];
            /* RFC 2231 attribute-char: what a token allows but '*', '\'', '%' */
            if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') ||
                strchr("!#$&+-.^_`|~", c) != NULL) {
                line[o++] = (char)c;
            } else {
                line[o++] = '%';
                line[o++] = hex[c >> 4];
                line[o++] = hex[c & 15];
            }
        }
        hdr_append(m, (const uint8_t *)line, o);
        sec++;
    } while (i < n);
}

/* Writes v[0, len) again with each file name parameter that holds a
 * finding once its sections are joined and escapes decoded (a reader's
 * view: redo[], from decoded_names) replaced by the redacted name, as extended sections in the same
 * charset. The plain form of that name goes too (the extended one wins for
 * every reader that has both). */
static void
rewrite_names(struct scan_message *m, const struct mime_part *part, const char *name,
              const uint8_t *v, size_t len, const bool redo[2])
{
    char text[4096];
    uint8_t red[sizeof(text)];
    struct mime_param_span ps;
    size_t pos = 0;
    size_t at = 0;
    while (mime_header_param_next(&ps, v, len, &pos)) {
        const uint8_t *pn = v + ps.name_off;
        size_t which = ps.name_len >= 8 && strncasecmp((const char *)pn, "filename", 8) == 0;
        if (!is_name_param(pn, ps.name_len) || !redo[which]) {
            continue;
        }
        size_t cut = ps.name_off; /* from the ';' before it */
        while (cut > at && v[cut - 1] != ';') {
            cut--;
        }
        cut = cut > at ? cut - 1 : ps.name_off;
        hdr_append(m, v + at, cut - at);
        at = ps.val_off + ps.val_len;
    }
    hdr_append(m, v + at, len - at);
    for (size_t i = 0; i < 2; i++) {
        if (!redo[i] || !mime_header_param(text, sizeof(text), v, len, name_params[i])) {
            continue;
        }
        size_t tl = strlen(text);
        size_t n = detect(m, part->path, (const uint8_t *)text, tl, ~0u & ~SCAN_MASK(SCAN_T_EMAIL));
        record(m, part->path, name, m->f, n);
        size_t rl = scan_redact(red, m->f, n, (const uint8_t *)text, tl, m->pol, true);
        char charset[40];
        ext_charset(charset, sizeof(charset), v, len, name_params[i]);
        put_ext_param(m, name_params[i], charset, red, rl);
    }
}

/* Scans the file name parameters of a Content-Type or Content-Disposition
 * value v[0, len) into m->hdr, the rest of it copied as it is; with
 * `check`, counts what the policy would redact there. A name whose finding
 * is only seen once sections are joined or escapes decoded is written again
 * as one redacted name (rewrite_names). */
static size_t
header_names(struct scan_message *m, const struct mime_part *part, const char *name,
             const uint8_t *v, size_t len, bool check)
{
    struct mime_param_span ps;
    size_t pos = 0;
    size_t at = 0;
    size_t left = 0;
    if (!has_name_word(v, len)) {
        if (!check) {
            hdr_append(m, v, len);
        }
        return 0;
    }
    size_t out0 = m->hdr.len;
    bool rfc2231 = false; /* only then is a name read otherwise than as written */
    while (mime_header_param_next(&ps, v, len, &pos)) {
        if (!is_name_param(v + ps.name_off, ps.name_len)) {
            continue;
        }
        rfc2231 |= memchr(v + ps.name_off, '*', ps.name_len) != NULL;
        size_t s = ps.val_off;
        size_t e = ps.val_off + ps.val_len;
        if (e > s && v[s] == '"') {
            s++;
            e -= e > s && v[e - 1] == '"';
        }
        if (!check) {
            hdr_append(m, v + at, s - at);
        }
        left += header_pieces(m, part, name, v, s, e, ~0u & ~SCAN_MASK(SCAN_T_EMAIL), check);
        at = e;
    }
    if (check) {
        bool redo[2];
        return left + (rfc2231 ? decoded_names(m, part, v, len, redo) : 0);
    }
    hdr_append(m, v + at, len - at);
    bool redo[2];
    if (rfc2231 && m->err == 0 && decoded_names(m, part, v, len, redo) > 0) {
        m->hdr.len = out0; /* written again whole */
        rewrite_names(m, part, name, v, len, redo);
    }
    return left;
}

/* Whether the header block goes on at `at` with something that is neither
 * a field nor its end: a line without a colon, or a continuation of no
 * field (an mbox "From " line first is skipped by every reader). Postfix
 * and Python's email package end the block there and read the rest as body
 * text, so what follows is scanned as text, whatever the fields are named. */
static bool
stray_at(const uint8_t *block, size_t len, size_t at)
{
    if (at >= len || block[at] == '\n' ||
        (block[at] == '\r' && at + 1 < len && block[at + 1] == '\n')) {
        return false;
    }
    return at != 0 || len < 5 || memcmp(block, "From ", 5) != 0;
}

/* The fields that shape an entity. The parser reads the first of each; a
 * reader that takes the last would see another type or encoding (a base64
 * body the gateway scanned as 7bit text), so a repeated one is dropped. */
static unsigned
structural_bit(const struct mime_field *f, const uint8_t *block)
{
    static const char *const names[] = {"content-type", "content-transfer-encoding",
                                        "content-disposition"};
    const char *name = (const char *)block + f->start;
    size_t have = f->name_len;
    while (have > 0 && (name[have - 1] == ' ' || name[have - 1] == '\t')) {
        have--;
    }
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i]) == have && strncasecmp(name, names[i], have) == 0) {
            return 1u << i;
        }
    }
    return 0;
}

/* Walks the scanned fields of `block`: rewrites them into m->hdr, or with
 * `check` returns how many findings to redact remain in them. */
static size_t
header_block(struct scan_message *m, const struct mime_part *part, const uint8_t *block, size_t len,
             bool check)
{
    struct mime_field f;
    size_t pos = 0;
    size_t copied = 0;
    size_t left = 0;
    size_t stray = len;
    unsigned seen = 0; /* structural_bit of the fields met */
    buf_set_len(&m->hdr, 0);
    for (;;) {
        size_t from = pos; /* mime_field_next skips what is not a field */
        bool more = mime_field_next(&f, &pos, block, len);
        if ((!more || f.start != from) && stray_at(block, len, from)) {
            stray = from;
            break;
        }
        if (!more) {
            break;
        }
        unsigned sb = (block[f.start] | 0x20) == 'c' ? structural_bit(&f, block) : 0;
        if ((seen & sb) != 0) {
            if (!check) {
                static const char why[] = "a repeated Content-Type, Content-Transfer-Encoding or "
                                          "Content-Disposition field (removed: the first applies)";
                add_defect(m, part->path, why, sizeof(why) - 1);
                hdr_append(m, block + copied, f.start - copied);
            }
            copied = f.end;
            continue;
        }
        seen |= sb;
        enum hdr_kind kind = header_kind(&f, block);
        if (kind == HDR_MACHINE) {
            continue;
        }
        unsigned types = kind == HDR_TEXT ? ~0u : ~0u & ~SCAN_MASK(SCAN_T_EMAIL);
        char name[40];
        copy_bytes(name, sizeof(name), (const char *)block + f.start, f.name_len);
        if (!check) {
            hdr_append(m, block + copied, f.value_off - copied);
        }
        const uint8_t *v = block + f.value_off;
        copied = f.value_off + f.value_len;
        if (kind == HDR_NAMES) {
            left += header_names(m, part, name, v, f.value_len, check);
            continue;
        }
        /* Unstructured fields with encoded words are read as shown; address
         * fields piece by piece (their addresses are not to be encoded). */
        struct mime_eword ew;
        bool unstructured = kind == HDR_TEXT || kind == HDR_OTHER;
        if (unstructured && mime_eword_next(&ew, v, f.value_len, 0)) {
            bool done = false;
            left += header_display(m, part, name, v, f.value_len, types, check, &done);
            if (done || m->err != 0) {
                continue;
            }
        }
        left += header_pieces(m, part, name, v, 0, f.value_len, types, check);
    }
    if (stray < len) {
        if (!check) {
            const char *why = "header line that is no field (readers differ on where the header "
                              "block ends)";
            add_defect(m, part->path, why, strlen(why));
            hdr_append(m, block + copied, stray - copied);
        }
        /* every detector but e-mail: the fields there may still route and
         * thread mail for some reader (Message-ID, Received) */
        left += header_plain(m, part, "(text after a line that is not a field)", block, stray, len,
                             ~0u & ~SCAN_MASK(SCAN_T_EMAIL), check);
        copied = len;
    }
    if (!check) {
        hdr_append(m, block + copied, len - copied);
    }
    return left;
}

/* ascii_only tells whether p[0, len) is all ASCII (one OR over the block:
 * vectorised, and the usual case for a header block). */
static bool
ascii_only(const uint8_t *p, size_t len)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        acc |= p[i];
    }
    return acc < 0x80;
}

/* Scans and writes out the header block `block`; returns whether it was
 * rewritten. */
static bool
process_headers(struct scan_message *m, const struct mime_part *part, const uint8_t *block,
                size_t len)
{
    if (!ascii_only(block, len) && !rl_utf8_valid(block, len)) {
        /* RFC 5322 headers are ASCII; RFC 6532 allows UTF-8, nothing else. */
        const char *why = "header block has 8-bit bytes that are not UTF-8 (scanned as bytes)";
        add_defect(m, part->path, why, strlen(why));
    }
    if (m->eol[0] == '\0') {
        const uint8_t *lf = memchr(block, '\n', len);
        copy_str(m->eol, sizeof(m->eol),
                 lf != NULL && lf > block && lf[-1] == '\r' ? "\r\n" : "\n");
    }
    header_block(m, part, block, len, false);
    if (m->err != 0) {
        return false;
    }
    if (m->hdr.len == len && memcmp(m->hdr.p, block, len) == 0) {
        emit(m, block, len);
        return false;
    }
    m->result.modified = true;
    /* Verify: scan the rewritten block as a reader will see it. The check
     * pass reuses m->hdr only for reading, so keep the output aside first. */
    if (!buf_reserve(&m->enc, m->hdr.len)) {
        m->err = RL_ENOMEM;
        return false;
    }
    memcpy(m->enc.p, m->hdr.p, m->hdr.len);
    buf_set_len(&m->enc, m->hdr.len);
    if (header_block(m, part, m->enc.p, m->enc.len, true) > 0) {
        fail_part(m, part->path, "redaction verification failed in a header");
    }
    emit(m, m->enc.p, m->enc.len);
    return true;
}

/* Header text in our buffers is wiped as soon as the block is out (STYLE 17). */
static void
on_headers(struct scan_message *m, const struct mime_part *part, const uint8_t *block, size_t len)
{
    /* A leaf part's header block waits for its body: a document that changes
     * type (docm -> docx) gets its file name rewritten (process_document). */
    emit(m, NULL, 0);
    m->holding = m->doc != NULL && strncmp(part->type, "multipart/", 10) != 0;
    (void)process_headers(m, part, block, len);
    m->holding = false;
    struct buf *bufs[] = {&m->hdr, &m->word, &m->utf, &m->red, &m->enc, &m->narrow};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        wipe(bufs[i]);
    }
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
textual_bytes(const uint8_t *p, size_t n)
{
    size_t look = n < 4096 ? n : 4096;
    if (memchr(p, 0, look) != NULL) {
        return false;
    }
    /* counted without early exit, in byte lanes: it runs on vectors */
    size_t ctl = 0;
    for (size_t b = 0; b < look; b += 255) {
        size_t end = look - b < 255 ? look : b + 255;
        uint8_t k = 0;
        for (size_t i = b; i < end; i++) {
            k += (uint8_t)((p[i] < 9) | ((uint8_t)(p[i] - 14) < 18));
        }
        ctl += k;
    }
    return ctl * 32 <= look;
}

static bool
looks_textual(const struct mime_part *part, const uint8_t *p, size_t n)
{
    return strncmp(part->type, "text/", 5) == 0 || strncmp(part->type, "message/", 8) == 0 ||
           textual_bytes(p, n);
}

static bool
is_identity(enum mime_cte cte)
{
    return cte != MIME_CTE_BASE64 && cte != MIME_CTE_QP;
}

/* Decodes `in` into `out`, or for identity encodings lends `in` itself. */
static const uint8_t *
decode(struct scan_message *m, struct buf *out, size_t *out_len, size_t *out_bad, enum mime_cte cte,
       const uint8_t *in, size_t len)
{
    *out_bad = 0;
    if (is_identity(cte)) {
        *out_len = len;
        return in;
    }
    if (!buf_reserve(out, len + 4)) {
        m->err = RL_ENOMEM;
        return NULL;
    }
    size_t n = 0;
    if (cte == MIME_CTE_BASE64) {
        mime_b64_decode(out->p, &n, out_bad, in, len);
    } else {
        mime_qp_decode(out->p, &n, out_bad, in, len);
    }
    buf_set_len(out, n);
    *out_len = out->len;
    return out->p;
}

/* Encodes `in` into m->enc, or for identity encodings lends `in` itself. */
static const uint8_t *
encode(struct scan_message *m, size_t *out_len, enum mime_cte cte, const uint8_t *in, size_t len,
       const char *eol, size_t line_len)
{
    struct buf *out = &m->enc;
    if (is_identity(cte)) {
        *out_len = len;
        return in;
    }
    size_t cap = cte == MIME_CTE_BASE64 ? mime_b64_encode_cap(len, line_len, strlen(eol))
                                        : mime_qp_encode_cap(len, strlen(eol));
    if (!buf_reserve(out, cap)) {
        m->err = RL_ENOMEM;
        return NULL;
    }
    size_t n = 0; /* a part is encoded again each redaction round */
    if (cte == MIME_CTE_BASE64) {
        mime_b64_encode(out->p, &n, in, len, line_len, eol);
    } else {
        mime_qp_encode(out->p, &n, in, len, eol);
    }
    buf_set_len(out, n);
    *out_len = out->len;
    return out->p;
}

/* Bytes around a change that a detector (or its context) can reach: an
 * e-mail address is at most 64 + 255 bytes around its '@'. */
#define VERIFY_MARGIN 384

/* Rounds of redact-then-verify before a part counts as modification failed. */
#define REDACT_ROUNDS 3

/* The re-encoded part `out` must decode back to exactly `red`; a mismatch
 * is recorded and the part counts as modification failed. */
static bool
decodes_to(struct scan_message *m, const struct mime_part *part, const uint8_t *red, size_t red_len,
           const uint8_t *out, size_t out_len)
{
    size_t ver_len = 0;
    size_t bad = 0;
    const uint8_t *ver = decode(m, &m->ver, &ver_len, &bad, part->cte, out, out_len);
    if (ver == NULL) {
        return false;
    }
    if (ver_len != red_len || memcmp(ver, red, red_len) != 0 || bad > 0) {
        fail_part(m, part->path, "re-encoded part does not decode to the redacted text");
        return false;
    }
    return true;
}

/* Checks the redacted text `red` of a rewritten part (whose output was
 * proven to decode back to it: decodes_to, splice_b64): outside the
 * redacted spans that text is the input already scanned, so only each
 * change and its reach are scanned again (the whole part when lexicon
 * regexes, whose reach is unbounded, are in play). Returns how many findings
 * to redact it still holds, left in m->f with offsets into `red`, or -1. */
static long
rescan(struct scan_message *m, const struct mime_part *part, enum mime_charset cs,
       const uint8_t *red, size_t red_len)
{
    size_t nw = 0;
    /* an iCalendar line is read by its property name, a flowed line by its
     * quote marks, at its start */
    bool whole = m->full_verify || m->unfold == FOLD_ICAL || m->unfold == FOLD_FLOWED ||
                 m->unfold == FOLD_FLOWED_DELSP;
    for (size_t k = 0; k < m->n_f; k++) {
        if (m->f[k].action != SCAN_ACT_REDACT) {
            continue;
        }
        size_t ws = whole || m->f[k].start < VERIFY_MARGIN ? 0 : m->f[k].start - VERIFY_MARGIN;
        size_t we = whole ? red_len : m->f[k].end + VERIFY_MARGIN;
        we = we > red_len ? red_len : we;
        /* Windows start and end at whitespace so no token is cut in two
         * (a cut token could read as a new, false finding). */
        while (ws > 0 && red[ws - 1] != ' ' && red[ws - 1] != '\n' && m->f[k].start - ws < 512) {
            ws--;
        }
        while (we < red_len && red[we] != ' ' && red[we] != '\n' && we - m->f[k].end < 512) {
            we++;
        }
        if (nw > 0 && ws <= m->win[2 * nw - 1]) {
            m->win[2 * nw - 1] = (uint32_t)we;
            continue;
        }
        if (!grow((void **)&m->win, &m->win_cap, 2 * nw + 2, sizeof(*m->win))) {
            m->err = RL_ENOMEM;
            return -1;
        }
        m->win[2 * nw] = (uint32_t)ws;
        m->win[2 * nw + 1] = (uint32_t)we;
        nw++;
    }
    size_t left = 0;
    for (size_t i = 0; i < nw; i++) {
        size_t n = detect_decoded(m, part->path, cs, red + m->win[2 * i],
                                  m->win[2 * i + 1] - m->win[2 * i], ~0u);
        for (size_t k = 0; k < n; k++) {
            if (m->f[k].action != SCAN_ACT_REDACT) {
                continue;
            }
            if (!grow((void **)&m->sv, &m->sv_cap, left, sizeof(*m->sv))) {
                m->err = RL_ENOMEM;
                return -1;
            }
            m->sv[left] = m->f[k];
            m->sv[left].start += m->win[2 * i];
            m->sv[left].end += m->win[2 * i];
            left++;
        }
    }
    if (left > 0) {
        memcpy(m->f, m->sv, left * sizeof(*m->f)); /* f holds >= any window's findings */
    }
    return (long)left;
}

/* ---- base64 parts: only the changed lines are re-encoded ---- */

static bool
add_piece(struct scan_message *m, bool enc, size_t off, size_t len)
{
    if (len == 0) {
        return true;
    }
    if (m->n_pc > 0 && m->pc[m->n_pc - 1].enc == enc &&
        m->pc[m->n_pc - 1].off + m->pc[m->n_pc - 1].len == off) {
        m->pc[m->n_pc - 1].len += len;
        return true;
    }
    if (!grow((void **)&m->pc, &m->pc_cap, m->n_pc, sizeof(*m->pc))) {
        m->err = RL_ENOMEM;
        return false;
    }
    m->pc[m->n_pc++] = (struct piece){.enc = enc, .off = off, .len = len};
    return true;
}

static int
cmp_range(const void *a, const void *b)
{
    const size_t *x = a;
    const size_t *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Adds the lines that the redactions f[0, n) (offsets into the redacted
 * text) fall in to m->touched, kept sorted and merged. */
static bool
touch_lines(struct scan_message *m, const struct scan_finding *f, size_t n)
{
    size_t per = m->lines.chars / 4 * 3; /* decoded bytes per line */
    size_t before = m->n_touched;
    for (size_t k = 0; k < n; k++) {
        if (f[k].action != SCAN_ACT_REDACT || f[k].end <= f[k].start) {
            continue;
        }
        size_t a = f[k].start / per;
        size_t b = (f[k].end - 1) / per + 1;
        m->tail_touched |= b > m->lines.full;
        b = b < m->lines.full ? b : m->lines.full;
        if (a >= b) {
            continue;
        }
        if (!grow((void **)&m->touched, &m->touched_cap, 2 * m->n_touched + 2, sizeof(size_t))) {
            m->err = RL_ENOMEM;
            return false;
        }
        m->touched[2 * m->n_touched] = a;
        m->touched[2 * m->n_touched + 1] = b;
        m->n_touched++;
    }
    if (before > 0 && m->n_touched > before) {
        qsort(m->touched, m->n_touched, 2 * sizeof(size_t), cmp_range);
    }
    size_t w = 0;
    for (size_t i = 0; i < m->n_touched; i++) {
        if (w > 0 && m->touched[2 * i] <= m->touched[2 * w - 1]) {
            size_t e = m->touched[2 * i + 1];
            m->touched[2 * w - 1] = e > m->touched[2 * w - 1] ? e : m->touched[2 * w - 1];
            continue;
        }
        m->touched[2 * w] = m->touched[2 * i];
        m->touched[2 * w + 1] = m->touched[2 * i + 1];
        w++;
    }
    m->n_touched = w;
    return true;
}

/* Re-encodes red[from, to) (whole lines, or the tail) onto m->enc as a
 * piece, and proves it decodes back to exactly those bytes. */
static bool
splice_encode(struct scan_message *m, const struct mime_part *part, const uint8_t *red, size_t from,
              size_t to, const char *eol)
{
    size_t cap = mime_b64_encode_cap(to - from, m->lines.chars, m->lines.eol_len);
    if (!buf_reserve(&m->enc, m->enc.len + cap) || !buf_reserve(&m->ver, (to - from) + 4)) {
        m->err = RL_ENOMEM;
        return false;
    }
    size_t n = 0;
    size_t bad = 0;
    size_t vl = 0;
    mime_b64_encode(m->enc.p + m->enc.len, &n, red + from, to - from, m->lines.chars, eol);
    mime_b64_decode(m->ver.p, &vl, &bad, m->enc.p + m->enc.len, n);
    buf_set_len(&m->ver, vl); /* so that on_body_end wipes it */
    if (bad > 0 || vl != to - from || memcmp(m->ver.p, red + from, vl) != 0) {
        fail_part(m, part->path, "re-encoded part does not decode to the redacted text");
        explicit_bzero(m->enc.p + m->enc.len, n); /* written past enc.len */
        return false;
    }
    bool ok = add_piece(m, true, m->enc.len, n);
    m->enc.len += n;
    return ok;
}

/* splice_b64 builds the output of a base64 part whose redacted text `red`
 * has the length of the decoded text `dec` as pieces (m->pc): the received
 * lines where the text is unchanged, the lines that changed re-encoded.
 * It is what encoding all of `red` gives, byte for byte, and it is proven
 * to decode to `red`: every full line of the layout decodes on its own to
 * its bytes of `dec` (mime_b64_decode_lines), `red` equals `dec` outside the
 * touched lines (compared), and every re-encoded stretch is decoded again
 * and compared. Returns 1 when done, 0 when the part does not qualify (no
 * layout, a tail that is not in canonical form, a change outside the
 * redacted lines: the caller encodes it whole), -1 on a failed proof
 * (recorded) or no memory. */
static int
splice_b64(struct scan_message *m, const struct mime_part *part, const uint8_t *dec,
           const uint8_t *red, size_t len)
{
    const struct mime_b64_lines *ln = &m->lines;
    if (part->cte != MIME_CTE_BASE64 || ln->full == 0) {
        return 0;
    }
    const char *eol = ln->eol_len == 2 ? "\r\n" : "\n";
    size_t per = ln->chars / 4 * 3;
    size_t stride = ln->chars + ln->eol_len;
    size_t tail = ln->full * per; /* where the tail starts in the decoded text */
    if (tail > len) {
        return 0;
    }
    m->n_pc = 0;
    buf_set_len(&m->enc, 0);
    if (m->tail_canon < 0) {
        /* Kept as received only if it is what the encoder writes. */
        size_t cap = mime_b64_encode_cap(len - tail, ln->chars, ln->eol_len);
        if (!buf_reserve(&m->enc, cap)) {
            m->err = RL_ENOMEM;
            return -1;
        }
        size_t n = 0;
        mime_b64_encode(m->enc.p, &n, dec + tail, len - tail, ln->chars, eol);
        m->tail_canon =
            n == m->raw.len - ln->tail_off && memcmp(m->enc.p, m->raw.p + ln->tail_off, n) == 0;
        explicit_bzero(m->enc.p, n);
    }
    if (!m->tail_canon) {
        return 0;
    }
    size_t line = 0;
    for (size_t i = 0; i <= m->n_touched; i++) {
        size_t a = i < m->n_touched ? m->touched[2 * i] : ln->full;
        size_t b = i < m->n_touched ? m->touched[2 * i + 1] : ln->full;
        if (memcmp(red + line * per, dec + line * per, (a - line) * per) != 0) {
            return 0; /* a change outside the redactions: not ours to splice */
        }
        if (!add_piece(m, false, line * stride, (a - line) * stride) ||
            (a < b && !splice_encode(m, part, red, a * per, b * per, eol))) {
            return -1;
        }
        line = b;
    }
    if (!m->tail_touched && memcmp(red + tail, dec + tail, len - tail) == 0) {
        return add_piece(m, false, ln->tail_off, m->raw.len - ln->tail_off) ? 1 : -1;
    }
    return tail < len && !splice_encode(m, part, red, tail, len, eol) ? -1 : 1;
}

/* ---- documents and archives (scan_doc.c) ---- */

/* Rewrites the file name extension and media type in the Content-Type and
 * Content-Disposition fields of the held header block of a renamed file.
 * Extensions keep their length (docm -> docx), media types may not. */
static void
rename_in_headers(struct scan_message *m, const struct scan_ooxml_type *from,
                  const struct scan_ooxml_type *to)
{
    const uint8_t *b = m->held.p;
    size_t len = m->held.len;
    size_t flen = strlen(from->media_type);
    buf_set_len(&m->hdr, 0);
    struct mime_field f;
    size_t pos = 0;
    size_t copied = 0;
    while (mime_field_next(&f, &pos, b, len)) {
        if (!mime_field_is(&f, b, "content-type") && !mime_field_is(&f, b, "content-disposition")) {
            continue;
        }
        for (size_t i = f.value_off; i < f.value_off + f.value_len; i++) {
            size_t end = f.value_off + f.value_len;
            size_t skip = 0;
            const char *with = NULL;
            if (end - i >= flen && strncasecmp((const char *)b + i, from->media_type, flen) == 0) {
                skip = flen;
                with = to->media_type;
            } else if (b[i] == '.' && end - i >= 5 &&
                       strncasecmp((const char *)b + i + 1, from->ext, 4) == 0 &&
                       (i + 5 == end || strchr("\"'; \t\r\n", b[i + 5]) != NULL)) {
                skip = 5;
                with = NULL;
            }
            if (skip == 0) {
                continue;
            }
            hdr_append(m, b + copied, i - copied);
            if (with != NULL) {
                hdr_append(m, (const uint8_t *)with, strlen(with));
            } else {
                hdr_append(m, (const uint8_t *)".", 1);
                hdr_append(m, (const uint8_t *)to->ext, strlen(to->ext));
            }
            copied = i + skip;
            i += skip - 1;
        }
    }
    hdr_append(m, b + copied, len - copied);
    if (m->err == 0 && buf_reserve(&m->held, m->hdr.len)) {
        memcpy(m->held.p, m->hdr.p, m->hdr.len);
        buf_set_len(&m->held, m->hdr.len);
    }
    wipe(&m->hdr);
}

static void add_action(struct scan_message *m, const char *part, enum scan_step kind, unsigned code,
                       const char *action, const char *location, const char *detail);

static void
record_document(struct scan_message *m, const char *part, const struct scan_doc_result *r)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        size_t before = m->n_rec;
        record(m, part, "", &r->findings[i].f, 1);
        if (m->n_rec > before) {
            snprintf(m->rec[before].location, sizeof(m->rec[before].location), "%s",
                     r->findings[i].location);
        }
    }
    m->findings_capped |= r->findings_capped;
    for (size_t i = 0; i < r->n_actions; i++) {
        const struct scan_doc_action *a = &r->actions[i];
        add_action(m, part, a->pdf ? SCAN_STEP_PDF : SCAN_STEP_DOCUMENT, a->kind,
                   scan_doc_action_name(a->kind), a->location, a->detail);
    }
}

/* Emits a rewritten attachment p[0, len) re-encoded in the part's transfer
 * encoding, after checking that it decodes back exactly; the part as
 * received when it does not (recorded: on_modification_failure decides).
 * Returns whether the rewrite went out. */
static bool
emit_rewritten(struct scan_message *m, struct scan_part_record *pr, const struct mime_part *part,
               const uint8_t *p, size_t len)
{
    size_t out_len = 0, bad = 0, ver_len = 0;
    const uint8_t *out = encode(m, &out_len, part->cte, p, len, line_end_of(m->raw.p, m->raw.len),
                                b64_line_len(m->raw.p, m->raw.len));
    const uint8_t *ver =
        out != NULL ? decode(m, &m->ver, &ver_len, &bad, part->cte, out, out_len) : NULL;
    if (ver == NULL || ver_len != len || memcmp(ver, p, len) != 0) {
        fail_part(m, pr->part, "re-encoded attachment does not decode to its rewritten form");
        emit(m, m->raw.p, m->raw.len);
        return false;
    }
    pr->modified = true;
    m->result.modified = true;
    emit(m, out, out_len);
    return true;
}

static int
nest_collect(void *ctx, const uint8_t *data, size_t len)
{
    struct buf *b = ctx;
    if (!buf_reserve(b, b->len + len)) {
        return RL_ENOMEM;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    return 0;
}

/* "message/<part>[/<entry>]": where in the nested message; a path too long
 * for the field keeps its start. */
static void
nested_loc(char *out, size_t cap, const char *part, const char *loc)
{
    if (snprintf(out, cap, "message/%s%s%s", part, loc[0] ? "/" : "", loc) >= (int)cap) {
        out[cap - 1] = '\0';
    }
}

/* Lists what the nested message found under this part: its findings,
 * defects, sanitisation and document actions, located by its own part
 * paths. */
static void
record_nested(struct scan_message *m, const char *part, const struct scan_result *r)
{
    for (size_t i = 0; i < r->n_records; i++) {
        if (m->n_rec >= m->pol->limits.max_findings ||
            !grow((void **)&m->rec, &m->rec_cap, m->n_rec, sizeof(*m->rec))) {
            m->findings_capped = true;
            break;
        }
        struct scan_record *rec = &m->rec[m->n_rec++];
        *rec = r->records[i];
        snprintf(rec->part, sizeof(rec->part), "%s", part);
        nested_loc(rec->location, sizeof(rec->location), r->records[i].part,
                   r->records[i].location);
    }
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        m->result.counts[t] += r->counts[t];
    }
    for (size_t i = 0; i < r->n_actions; i++) {
        const struct scan_action_record *a = &r->actions[i];
        if (a->kind == SCAN_STEP_HTML) {
            char detail[sizeof(a->detail) + MIME_PATH_MAX + 16];
            snprintf(detail, sizeof(detail), "message/%s: %s", a->part,
                     a->detail); /* add_action keeps what fits */
            add_action(m, part, a->kind, a->code, a->action, "", detail);
        } else {
            char loc[SCAN_DOC_LOC_MAX];
            nested_loc(loc, sizeof(loc), a->part, a->location);
            add_action(m, part, a->kind, a->code, a->action, loc, a->detail);
        }
    }
    m->acts_capped |= r->actions_truncated;
    m->findings_capped |= r->findings_truncated;
    for (size_t i = 0; i < r->n_defects; i++) {
        char why[sizeof(r->defects[i].reason) + 80];
        int w =
            snprintf(why, sizeof(why), "message/%s: %s", r->defects[i].part, r->defects[i].reason);
        add_defect(m, part, why, (size_t)w);
    }
}

/* The part `pr` was read by the nested scan_message with result `r`: its
 * findings, actions and defects are the part's, and its verdict holds the
 * message. */
static void
adopt_nested(struct scan_message *m, struct scan_part_record *pr, const struct scan_result *r)
{
    pr->scanned = true;
    record_nested(m, pr->part, r);
    if (r->verdict > m->nested_verdict) {
        m->nested_verdict = r->verdict;
        m->nested_reason = r->reason;
    }
}

/* Runs the nested scan_message (one level down, made on first use and
 * kept) over in[0, len); its output is collected in m->nest_out. Its
 * attachments draw from the archive budget of `outer` (the reader of the
 * archive that holds the message), or from their own when NULL. */
static int
run_nested(struct scan_message *m, const uint8_t *in, size_t len, struct scan_doc *outer,
           const struct scan_result **r)
{
    if (m->nested == NULL) {
        m->nested = scan_message_new(m->w, m->engine);
        if (m->nested == NULL) {
            return RL_ENOMEM;
        }
        m->nested->level = m->level + 1;
    }
    if (m->nested->doc != NULL) {
        scan_doc_share_budget(m->nested->doc, outer);
    }
    wipe(&m->nest_out);
    scan_message_begin(m->nested, nest_collect, &m->nest_out, false);
    int rc = scan_message_feed(m->nested, in, len);
    return rc != 0 ? rc : scan_message_finish(m->nested, r);
}

/* The reader scan_doc calls for a message inside an archive or document (an
 * .eml in a zip): the nested scan_message reads it as at the top level
 * (encoded parts decoded, attachments opened); its findings are listed at
 * the entry, and a message that would be held or refused on its own holds
 * the file. */
static int
doc_message(void *ctx, struct scan_doc *d, bool *handled, uint8_t **out, size_t *out_len,
            const uint8_t *in, size_t len, const char *loc)
{
    struct scan_message *m = ctx;
    *handled = m->level + 1 < m->pol->limits.max_archive_depth;
    if (!*handled) {
        return 0;
    }
    const struct scan_result *r = NULL;
    int rc = run_nested(m, in, len, d, &r);
    if (rc != 0) {
        wipe(&m->nest_out);
        if (rc == RL_ENOMEM) {
            return rc;
        }
        scan_doc_report_message(d, loc, SCAN_DOC_MSG_FAILED, "it could not be scanned");
        return 0;
    }
    for (size_t i = 0; i < r->n_records; i++) {
        const struct scan_record *rec = &r->records[i];
        struct scan_finding f = {.start = rec->start,
                                 .end = rec->end,
                                 .type = rec->type,
                                 .lexicon = rec->lexicon,
                                 .weight = 1,
                                 .confidence = rec->confidence,
                                 .action = rec->action};
        char where[SCAN_DOC_LOC_MAX];
        nested_loc(where, sizeof(where), rec->part, rec->location);
        scan_doc_report_finding(d, loc, where, &f);
    }
    for (size_t i = 0; i < r->n_actions; i++) {
        const struct scan_action_record *a = &r->actions[i];
        if (a->kind != SCAN_STEP_HTML) {
            char where[SCAN_DOC_LOC_MAX];
            nested_loc(where, sizeof(where), a->part, a->location);
            scan_doc_report_action(d, loc, where, a->code, a->detail);
        }
    }
    static const enum scan_doc_message_outcome outcome[] = {
        [SCAN_V_DELIVER] = SCAN_DOC_MSG_DELIVER,
        [SCAN_V_TEMPFAIL] = SCAN_DOC_MSG_FAILED,
        [SCAN_V_QUARANTINE] = SCAN_DOC_MSG_HOLD,
        [SCAN_V_BLOCK] = SCAN_DOC_MSG_REFUSE,
    };
    scan_doc_report_message(d, loc, outcome[r->verdict], r->reason);
    if (r->modified) {
        *out = malloc(m->nest_out.len > 0 ? m->nest_out.len : 1);
        if (*out == NULL) {
            wipe(&m->nest_out);
            return RL_ENOMEM;
        }
        memcpy(*out, m->nest_out.p, m->nest_out.len);
        *out_len = m->nest_out.len;
    }
    wipe(&m->nest_out);
    return 0;
}

/* An encapsulated message the MIME parser did not open (a base64 or
 * quoted-printable message/rfc822, or an .eml attached as a file): scanned
 * and rewritten by a scan_message of its own, one per nesting level, made
 * on first use and kept. Returns false for any other part. */
static bool
process_nested_message(struct scan_message *m, struct scan_part_record *pr,
                       const struct mime_part *part, const uint8_t *dec, size_t dec_len)
{
    /* Declared as a message, or sniffed as one where no text was declared
     * (a forwarded text that starts with "From:" stays text: as a message,
     * its address fields would not be scanned for addresses). */
    bool declared =
        strcmp(part->type, "message/rfc822") == 0 || strcmp(part->type, "message/global") == 0;
    bool sniffed =
        strcmp(pr->true_type, "message/rfc822") == 0 && strncmp(part->type, "text/", 5) != 0;
    if (!declared && !sniffed) {
        return false;
    }
    if (m->level + 1 >= m->pol->limits.max_archive_depth) {
        const char *why = "encoded messages nested deeper than the limit (scanned as text)";
        add_defect(m, pr->part, why, strlen(why));
        return false;
    }
    const struct scan_result *r = NULL;
    int rc = run_nested(m, dec, dec_len, NULL, &r);
    if (rc != 0) {
        wipe(&m->nest_out);
        m->err = rc;
        return true;
    }
    adopt_nested(m, pr, r);
    m->nested_tagged |= r->tagged;
    if (r->modified) {
        emit_rewritten(m, pr, part, m->nest_out.p, m->nest_out.len);
    } else {
        emit(m, m->raw.p, m->raw.len);
    }
    wipe(&m->nest_out);
    return true;
}

/* The hook for attachments that are archives or documents: they are
 * rewritten whole by scan_doc, re-encoded and checked here. Returns false
 * for anything else, which is scanned as before. */
static bool
process_document(struct scan_message *m, struct scan_part_record *pr, const struct mime_part *part,
                 const uint8_t *dec, size_t dec_len)
{
    const struct scan_doc_result *r = NULL;
    if (m->doc == NULL) {
        return false;
    }
    int rc = scan_doc_rewrite(m->doc, &r, dec, dec_len, part->type, part->filename);
    if (rc != 0) {
        m->err = rc;
        return true;
    }
    copy_str(pr->true_type, sizeof(pr->true_type), r->true_type);
    record_document(m, pr->part, r);
    if (r->kind == SCAN_DOC_NONE) {
        return process_nested_message(m, pr, part, dec, dec_len);
    }
    pr->scanned = true;
    m->doc_unreadable |= r->unreadable;
    m->doc_never_deliver |= r->never_deliver;
    if (r->failed) {
        fail_part(m, pr->part, "a redaction inside a document could not be verified");
    }
    if (!r->modified) {
        emit(m, m->raw.p, m->raw.len);
        return true;
    }
    if (r->renamed_from != NULL) {
        /* before the body goes out: emit() sends the held header block first */
        rename_in_headers(m, r->renamed_from, r->renamed_to);
    }
    emit_rewritten(m, pr, part, r->out, r->out_len);
    return true;
}

/* ---- uuencoded files inside text parts (mime_uu) ---- */

static bool
buf_append(struct scan_message *m, struct buf *b, const uint8_t *p, size_t n)
{
    if (!buf_reserve(b, b->len + n)) {
        m->err = RL_ENOMEM;
        return false;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return true;
}

/* Scans the uuencoded file named `name` decoded in m->uud: a document or
 * archive by its true type goes through scan_doc, other text is scanned and
 * redacted as text (binary content is left alone, as in attachments). Sets
 * *out, *out_len to the file as it must be written and returns whether it
 * changed (then *out is scan_doc's output or m->uur). */
static bool
uu_file(struct scan_message *m, struct scan_part_record *pr, const char *name, const uint8_t **out,
        size_t *out_len)
{
    const uint8_t *p = m->uud.p;
    size_t len = m->uud.len;
    const struct scan_doc_result *r = NULL;
    int rc =
        m->doc != NULL ? scan_doc_rewrite(m->doc, &r, p, len, "application/octet-stream", name) : 0;
    if (rc != 0) {
        m->err = rc;
        return false;
    }
    if (r != NULL) {
        record_document(m, pr->part, r);
    }
    if (r != NULL && r->kind != SCAN_DOC_NONE) {
        m->doc_unreadable |= r->unreadable;
        m->doc_never_deliver |= r->never_deliver;
        if (r->failed) {
            fail_part(m, pr->part, "a redaction inside a uuencoded document could not be verified");
        }
        *out = r->out;
        *out_len = r->out_len;
        return r->modified;
    }
    if (len == 0 || !textual_bytes(p, len)) {
        return false;
    }
    size_t before = m->n_rec;
    size_t n = detect(m, pr->part, p, len, ~0u);
    record(m, pr->part, "", m->f, n);
    for (size_t i = before; i < m->n_rec; i++) {
        snprintf(m->rec[i].location, sizeof(m->rec[i].location), "uuencoded/%s", name);
    }
    if (scan_redact_count(m->f, n) == 0) {
        return false;
    }
    if (!buf_reserve(&m->uur, len + 1)) {
        m->err = RL_ENOMEM;
        return false;
    }
    buf_set_len(&m->uur, scan_redact(m->uur.p, m->f, n, p, len, m->pol, true));
    /* the file is small next to its part: verified whole */
    size_t left = detect(m, pr->part, m->uur.p, m->uur.len, ~0u);
    if (scan_redact_count(m->f, left) > 0) {
        fail_part(m, pr->part, "redaction verification failed: a finding survived");
    }
    *out = m->uur.p;
    *out_len = m->uur.len;
    return true;
}

/* A text part that carries uuencoded files ("begin 644 name" ... "end"), as
 * old mailers and scripts attach them: each file is decoded and scanned as
 * an attachment; one that changed is encoded again in its place. Returns
 * whether any did, with *dec, *dec_len then the new text (m->uu). */
static bool
process_uu(struct scan_message *m, struct scan_part_record *pr, const struct mime_part *part,
           const uint8_t **dec, size_t *dec_len)
{
    const uint8_t *t = *dec;
    size_t len = *dec_len;
    struct mime_uu_block b;
    if (strcmp(part->type, "text/html") == 0 || !mime_uu_next(&b, t, len, 0)) {
        return false;
    }
    wipe(&m->uu);
    size_t copied = 0;
    do {
        if (!buf_reserve(&m->uud, b.decoded_len + 1)) {
            m->err = RL_ENOMEM;
            return false;
        }
        mime_uu_decode(m->uud.p, t, &b);
        buf_set_len(&m->uud, b.decoded_len);
        char name[128];
        copy_bytes(name, sizeof(name), (const char *)t + b.name, b.name_len);
        const uint8_t *f = NULL;
        size_t f_len = 0;
        if (uu_file(m, pr, name, &f, &f_len)) {
            size_t eol_len = b.data >= 2 && t[b.data - 2] == '\r' ? 2 : 1;
            size_t at = m->uu.len + (b.data - copied);
            if (!buf_append(m, &m->uu, t + copied, b.data - copied) ||
                !buf_reserve(&m->uu, at + mime_uu_encoded_len(f_len, eol_len))) {
                m->err = RL_ENOMEM;
                return false;
            }
            buf_set_len(&m->uu,
                        at + mime_uu_encode(m->uu.p + at, f, f_len, t + b.data - eol_len, eol_len));
            copied = b.data_end;
        }
        wipe(&m->uud);
        wipe(&m->uur);
    } while (m->err == 0 && mime_uu_next(&b, t, len, b.end));
    if (m->err != 0 || copied == 0 || !buf_append(m, &m->uu, t + copied, len - copied)) {
        return false;
    }
    *dec = m->uu.p;
    *dec_len = m->uu.len;
    return true;
}

/* ---- HTML parts (scan_html) ---- */

static void
add_action(struct scan_message *m, const char *part, enum scan_step kind, unsigned code,
           const char *action, const char *location, const char *detail)
{
    if (m->n_act >= m->pol->limits.max_findings ||
        !grow((void **)&m->act, &m->act_cap, m->n_act, sizeof(*m->act))) {
        m->acts_capped = true;
        return;
    }
    struct scan_action_record *a = &m->act[m->n_act++];
    copy_str(a->part, sizeof(a->part), part);
    a->kind = (uint8_t)kind;
    a->code = (uint8_t)code;
    copy_str(a->action, sizeof(a->action), action);
    copy_str(a->location, sizeof(a->location), location);
    copy_str(a->detail, sizeof(a->detail), detail);
}

/* The redacted UTF-8 text `red` of a part read through iconv (m->xc_on)
 * back in its charset, in m->wide, proven to read back as `red` (the mask
 * characters are ASCII: any charset holds them). NULL (recorded) when it
 * cannot be written so. */
static const uint8_t *
widen_charset(struct scan_message *m, const char *part, const uint8_t *red, size_t *len)
{
    size_t bad = 0;
    if (xcode_into(m, &m->wide, false, red, *len, &bad) != 0) {
        if (m->err == 0) {
            fail_part(m, part, "redacted text does not convert back to its charset");
        }
        return NULL;
    }
    if (xcode_into(m, &m->ver, true, m->wide.p, m->wide.len, &bad) != 0 || m->ver.len != *len ||
        memcmp(m->ver.p, red, *len) != 0) {
        if (m->err == 0) {
            fail_part(m, part, "redacted text does not read back the same in its charset");
        }
        return NULL;
    }
    *len = m->wide.len;
    return m->wide.p;
}

/* The octets of a part read through iconv are what a reader that ignores
 * its charset shows: when they held findings (m->xc_octets), the octets as
 * written, p[0, len), must hold none, or the part cannot be cleaned for
 * every reader (recorded). */
static void
check_octets(struct scan_message *m, const char *part, const uint8_t *p, size_t len)
{
    if (!m->xc_octets) {
        return;
    }
    size_t n = p != NULL ? detect(m, part, p, len, ~0u) : 0;
    if (p == NULL || scan_redact_count(m->f, n) > 0) {
        fail_part(m, part,
                  "text whose octets hold findings that cannot be redacted in its charset");
    }
}

/* Text in a charset mime_charset has no table for (ISO-2022-JP, Shift_JIS,
 * GB18030, Big5, EUC-KR, ISO-8859-2, KOI8-R, ...: a full-width digit or a
 * soft hyphen is a multi-octet or non-ASCII sequence there) is read as
 * UTF-8. A single-byte one by a table built with iconv (m->xc.table,
 * MIME_CS_TABLE), redacted in place as Latin-1 is; any other through iconv
 * into m->narrow, lent as *dec, and scanned, redacted and verified as such,
 * then written back in its charset (widen_charset).
 * Octets not valid in the charset are carried through (mime_xcode_to_utf8,
 * a defect). Text that is ASCII and reads the same needs none of it. Text
 * in a charset iconv does not know (a defect) is read as UTF-8 when it is
 * UTF-8, else as Windows-1252, as a browser reads unlabelled text. Returns
 * the charset to scan *dec as. */
static enum mime_charset
narrow_charset(struct scan_message *m, struct scan_part_record *pr, const struct mime_part *part,
               const uint8_t **dec, size_t *dec_len)
{
    const uint8_t *label = (const uint8_t *)part->charset;
    size_t label_len = strlen(part->charset);
    enum mime_charset cs = mime_charset_from_name(label, label_len);
    if (m->u16 != MIME_U16_NONE || cs != MIME_CS_OTHER) {
        return m->u16 != MIME_U16_NONE ? MIME_CS_UTF8 : cs;
    }
    int rc = mime_xcode_open(&m->xc, label, label_len);
    if (rc != 0) {
        if (rc == RL_EINVAL) {
            bool utf8 = rl_utf8_valid(*dec, *dec_len);
            char why[128];
            int w = snprintf(why, sizeof(why), "charset '%.60s' unknown (read as %s)",
                             part->charset, utf8 ? "UTF-8" : "Windows-1252");
            add_defect(m, pr->part, why, (size_t)w);
            return utf8 ? MIME_CS_UTF8 : MIME_CS_CP1252;
        }
        return MIME_CS_OTHER;
    }
    if (mime_xcode_ascii_same(&m->xc, *dec, *dec_len)) {
        return MIME_CS_UTF8; /* ASCII, and the charset reads it as such */
    }
    if (m->xc.table != NULL) {
        return MIME_CS_TABLE; /* read by table and redacted in place, as Latin-1 */
    }
    size_t bad = 0;
    if (xcode_into(m, &m->narrow, true, *dec, *dec_len, &bad) != 0) {
        if (m->err == 0) {
            fail_part(m, pr->part, "text that does not convert from its charset");
        }
        return MIME_CS_OTHER;
    }
    if (bad > 0) {
        char why[128];
        int w = snprintf(why, sizeof(why), "%zu octets not valid in charset %s (kept as they are)",
                         bad, m->xc.name);
        add_defect(m, pr->part, why, (size_t)w);
    }
    size_t raw_n = detect(m, pr->part, *dec, *dec_len, ~0u);
    m->xc_octets = scan_redact_count(m->f, raw_n) > 0;
    m->xc_on = true;
    m->lines = (struct mime_b64_lines){0}; /* offsets are no longer the decoded part's */
    *dec = m->narrow.p;
    *dec_len = m->narrow.len;
    return MIME_CS_UTF8;
}

/* The redacted text `red` as the part carries it: itself, or for a UTF-16
 * part (m->u16) in UTF-16 again, byte-order mark and all. NULL (recorded)
 * when it cannot be converted back. */
static const uint8_t *
widen(struct scan_message *m, const char *part, const uint8_t *red, size_t *len)
{
    if (m->xc_on) {
        return widen_charset(m, part, red, len);
    }
    if (m->u16 == MIME_U16_NONE) {
        return red;
    }
    if (!buf_reserve(&m->wide, m->u16_bom + mime_utf16_from_utf8_cap(*len))) {
        m->err = RL_ENOMEM;
        return NULL;
    }
    static const uint8_t le[2] = {0xFF, 0xFE};
    static const uint8_t be[2] = {0xFE, 0xFF};
    memcpy(m->wide.p, m->u16 == MIME_U16_LE ? le : be, m->u16_bom);
    size_t n = 0;
    if (!mime_utf16_from_utf8(m->wide.p + m->u16_bom, &n, m->u16, red, *len)) {
        fail_part(m, part, "redacted text does not convert back to UTF-16");
        return NULL;
    }
    buf_set_len(&m->wide, m->u16_bom + n);
    *len = m->wide.len;
    return m->wide.p;
}

/* A UTF-16 part (mime_utf16_sniff) is scanned, redacted and verified as
 * UTF-8 (m->narrow, lent as *dec) and written back in UTF-16 (widen). */
static void
narrow_utf16(struct scan_message *m, struct scan_part_record *pr, const struct mime_part *part,
             const uint8_t **dec, size_t *dec_len)
{
    size_t bom = 0;
    enum mime_utf16 o = mime_utf16_sniff(part->charset, *dec, *dec_len, &bom);
    if (o == MIME_U16_NONE) {
        return;
    }
    if (!buf_reserve(&m->narrow, mime_utf16_utf8_cap(*dec_len - bom))) {
        m->err = RL_ENOMEM;
        return;
    }
    if (!mime_utf16_to_utf8(m->narrow.p, &m->narrow.len, o, *dec + bom, *dec_len - bom)) {
        /* Text that says it is UTF-16 and is not cannot be scanned, so it
         * cannot be proven clean; other content that merely begins like
         * UTF-16 is what it is. */
        if (strncmp(part->type, "text/", 5) == 0 || bom == 0) {
            fail_part(m, pr->part, "invalid UTF-16 text: it cannot be scanned");
        }
        return;
    }
    /* The octets are what a reader that ignores the mark shows (a mark put
     * before 8-bit text hides it from a UTF-16 reading): what is found
     * there cannot be redacted in the UTF-16 text, so the part cannot be
     * cleaned for every reader. */
    size_t raw_n = detect(m, pr->part, *dec, *dec_len, ~0u);
    if (scan_redact_count(m->f, raw_n) > 0) {
        fail_part(m, pr->part, "UTF-16 text that holds findings when read as octets");
    }
    m->u16 = o;
    m->u16_bom = bom;
    m->lines = (struct mime_b64_lines){0}; /* offsets are no longer the decoded part's */
    *dec = m->narrow.p;
    *dec_len = m->narrow.len;
}

struct html_detect_ctx {
    struct scan_message *m;
    const char *part;
    enum mime_charset cs;
};

static int
html_detect(void *ctx, const struct scan_finding **out_f, size_t *out_n, const uint8_t *text,
            size_t len, bool utf8)
{
    struct html_detect_ctx *c = ctx;
    *out_n = utf8 ? detect(c->m, c->part, text, len, ~0u)
                  : detect_decoded(c->m, c->part, c->cs, text, len, ~0u);
    *out_f = c->m->f;
    return c->m->err;
}

/* Sanitises and redacts a text/html part, then proves the result: it must
 * decode back to what was written, and both the sanitiser's reader and
 * libxml2 must find nothing left to remove or redact (libxml2 is asked
 * when the rewrite touched markup: scan_html_verify); up to REDACT_ROUNDS
 * rounds as for text. Returns false when the sanitiser could not read the
 * part (recorded): the caller then treats it as plain text. */
static bool
process_html(struct scan_message *m, struct scan_part_record *pr, const struct mime_part *part,
             enum mime_charset cs, const uint8_t *dec, size_t dec_len)
{
    struct html_detect_ctx dc = {.m = m, .part = pr->part, .cs = cs};
    struct scan_html_opts o = {
        .policy = m->pol, .utf8 = is_utf8_cs(cs), .detect = html_detect, .detect_ctx = &dc};
    const uint8_t *src = dec;
    size_t src_len = dec_len;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    for (unsigned round = 1;; round++) {
        struct scan_html_result r;
        int rc = scan_html_rewrite(m->html, &r, &o, src, src_len);
        if (rc == RL_ENOMEM) {
            m->err = rc;
            return true;
        }
        if (rc != 0) {
            fail_part(m, pr->part, "HTML too costly to read safely (scanned as text)");
            if (round == 1) {
                return false;
            }
            break;
        }
        for (size_t i = 0; i < r.n_findings; i++) {
            if (round == 1 || r.findings[i].action == SCAN_ACT_REDACT) {
                record(m, pr->part, "", &r.findings[i], 1);
            }
        }
        for (size_t i = 0; i < r.n_actions; i++) {
            const struct scan_html_action *a = &r.actions[i];
            char detail[120];
            snprintf(detail, sizeof(detail), "%s%s%s%sbytes %u-%u", a->attribute,
                     a->attribute[0] && a->element[0] ? " on " : "", a->element,
                     a->attribute[0] || a->element[0] ? ", " : "", a->start, a->end);
            add_action(m, pr->part, SCAN_STEP_HTML, a->kind,
                       scan_html_action_name((enum scan_html_act)a->kind), "", detail);
        }
        if (!r.changed) {
            if (round == 1) {
                check_octets(m, pr->part, NULL, 0);
                emit(m, m->raw.p, m->raw.len);
                return true;
            }
            /* libxml2 reads something ours does not: nothing more to do. */
            fail_part(m, pr->part,
                      "HTML verification failed: active content or a finding survived");
            break;
        }
        pr->modified = true;
        m->result.modified = true;
        if (!buf_reserve(&m->red, r.out_len + 1)) {
            m->err = RL_ENOMEM;
            return true;
        }
        memcpy(m->red.p, r.out, r.out_len);
        buf_set_len(&m->red, r.out_len);
        size_t w_len = m->red.len;
        const uint8_t *w = widen(m, pr->part, m->red.p, &w_len);
        out = w == NULL
                  ? NULL
                  : encode(m, &out_len, part->cte, w, w_len, line_end_of(m->raw.p, m->raw.len),
                           b64_line_len(m->raw.p, m->raw.len));
        if (out == NULL || !decodes_to(m, part, w, w_len, out, out_len)) {
            break;
        }
        size_t left = 0;
        /* Only the first round's rewrite is of the input as received. */
        o.masks_only = round == 1 && r.masks_only;
        if ((rc = scan_html_verify(m->html, &left, &o, m->red.p, m->red.len)) != 0) {
            m->err = rc == RL_ENOMEM ? rc : m->err;
            fail_part(m, pr->part, "HTML verification could not read the rewritten part");
            break;
        }
        if (left == 0) {
            break;
        }
        if (round == REDACT_ROUNDS) {
            fail_part(m, pr->part,
                      "HTML verification failed: active content or a finding survived");
            break;
        }
        struct buf t = m->prev;
        m->prev = m->red;
        m->red = t;
        src = m->prev.p;
        src_len = m->prev.len;
    }
    if (out != NULL) {
        check_octets(m, pr->part, m->wide.p, m->wide.len);
    }
    emit(m, out, out_len);
    return true;
}

/* A part cannot be read or masked (`kind`, `why`: encrypted, or holding a
 * finding to redact that cannot be masked in it): the message is held as
 * for such a document (documents.on_unreadable). */
static void
hold_document(struct scan_message *m, const char *part, enum scan_doc_act kind, const char *why)
{
    m->doc_unreadable = true;
    add_action(m, part, SCAN_STEP_DOCUMENT, kind, scan_doc_action_name(kind), "", why);
}

/* RTF shows text its bytes do not spell out (a digit as \'34 or \u52, a
 * no-break space \~ between a card's groups, a control word inside a
 * number), so the scan of its bytes can miss what a reader sees. The text
 * view (the TNEF reader's) of the part as it goes out, p[0, len), is
 * scanned again: a finding still to redact there cannot be masked through
 * the markup in place, so it holds the part as unredactable
 * (documents.hold_unredactable, then documents.on_unreadable). */
static void
rtf_hidden(struct scan_message *m, const char *part, const uint8_t *p, size_t len)
{
    if (len < 5 || memcmp(p, "{\\rtf", 5) != 0 || m->err != 0) {
        return;
    }
    if (!buf_reserve(&m->ver, scan_tnef_rtf_text_cap(len))) {
        m->err = RL_ENOMEM;
        return;
    }
    buf_set_len(&m->ver, scan_tnef_rtf_text(m->ver.p, p, len));
    size_t n = detect(m, part, m->ver.p, m->ver.len, ~0u);
    size_t left = 0;
    size_t held = 0;
    for (size_t i = 0; i < n; i++) {
        if (m->f[i].action != SCAN_ACT_REDACT) {
            continue; /* recorded from the bytes already */
        }
        held += (m->pol->documents.hold_unredactable & SCAN_MASK(m->f[i].type)) != 0;
        m->f[left++] = m->f[i];
    }
    record(m, part, "(RTF text)", m->f, left);
    if (held > 0) {
        hold_document(m, part, SCAN_DOC_UNREDACTABLE,
                      "RTF markup hides a finding (an escaped digit, a no-break space, a "
                      "control word): it cannot be redacted in place");
    }
    wipe(&m->ver);
}

/* An S/MIME opaque-signed body carries its MIME entity inside, where the
 * recipient's reader shows it: that entity is read by the nested
 * scan_message. It cannot be changed without breaking the signature, so a
 * finding to redact of a type documents.hold_unredactable lists holds the
 * message (`unredactable`, then documents.on_unreadable); otherwise the
 * part goes on as it came. Returns false for what OpenSSL cannot read as
 * signed data carrying content (then read as before). */
static bool
process_signed(struct scan_message *m, struct scan_part_record *pr, const uint8_t *dec,
               size_t dec_len)
{
    uint8_t *inner = NULL;
    size_t inner_len = 0;
    int rc = scan_smime_signed_content(&inner, &inner_len, dec, dec_len);
    if (rc == RL_ENOMEM) {
        m->err = rc;
        return true;
    }
    if (rc != 0 || inner == NULL || m->level + 1 >= m->pol->limits.max_archive_depth) {
        free(inner);
        return false;
    }
    const struct scan_result *r = NULL;
    rc = run_nested(m, inner, inner_len, NULL, &r);
    explicit_bzero(inner, inner_len);
    free(inner);
    wipe(&m->nest_out); /* a rewrite cannot go out: the signature covers the entity */
    if (rc != 0) {
        m->err = rc;
        return true;
    }
    adopt_nested(m, pr, r);
    size_t held = 0;
    for (size_t i = 0; i < r->n_records; i++) {
        held += r->records[i].action == SCAN_ACT_REDACT &&
                (m->pol->documents.hold_unredactable & SCAN_MASK(r->records[i].type)) != 0;
    }
    if (held > 0) {
        hold_document(m, pr->part, SCAN_DOC_UNREDACTABLE,
                      "S/MIME signed content holds a finding: it cannot be redacted without "
                      "breaking the signature");
    }
    emit(m, m->raw.p, m->raw.len);
    return true;
}

/* Which encryption p[0, n) is, by its first bytes whatever its label, or
 * NULL: S/MIME enveloped or authenticated-enveloped data (scan_smime_kind)
 * or an ASCII-armoured OpenPGP message (what PGP/MIME and inline PGP
 * carry). */
static const char *
encrypted_as(const uint8_t *p, size_t n)
{
    static const char armour[] = "-----BEGIN PGP MESSAGE-----";
    if (scan_smime_kind(p, n) == SCAN_SMIME_ENCRYPTED) {
        return "S/MIME encrypted (CMS enveloped data): not scanned";
    }
    size_t i = 0;
    while (i < n && i < 64 && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
        i++;
    }
    if (n - i >= sizeof(armour) - 1 && memcmp(p + i, armour, sizeof(armour) - 1) == 0) {
        return "OpenPGP encrypted message: not scanned";
    }
    return NULL;
}

static void
process_part(struct scan_message *m, const struct mime_part *part)
{
    if (!grow((void **)&m->parts, &m->parts_cap, m->n_parts, sizeof(*m->parts))) {
        m->err = RL_ENOMEM;
        return;
    }
    struct scan_part_record *pr = &m->parts[m->n_parts++];
    memset(pr, 0, sizeof(*pr));
    copy_str(pr->part, sizeof(pr->part), part->path[0] ? part->path : "1");
    copy_str(pr->type, sizeof(pr->type), part->type);
    copy_str(pr->charset, sizeof(pr->charset), part->charset);
    pr->cte = (uint8_t)part->cte;
    pr->raw_len = m->raw.len;

    size_t bad = 0;
    size_t dec_len = 0;
    const uint8_t *dec = NULL;
    m->lines = (struct mime_b64_lines){0};
    m->n_touched = 0;
    m->tail_touched = false;
    m->tail_canon = -1;
    m->n_pc = 0;
    m->u16 = MIME_U16_NONE;
    m->u16_bom = 0;
    m->unfold = folded_text_kind(part);
    if (part->cte == MIME_CTE_BASE64) {
        if (!buf_reserve(&m->dec, m->raw.len + 4)) {
            m->err = RL_ENOMEM;
            return;
        }
        mime_b64_decode_lines(m->dec.p, &m->dec.len, &bad, &m->lines, m->raw.p, m->raw.len);
        dec = m->dec.p;
        dec_len = m->dec.len;
    } else if ((dec = decode(m, &m->dec, &dec_len, &bad, part->cte, m->raw.p, m->raw.len)) ==
               NULL) {
        return;
    }
    pr->decoded_len = dec_len;
    if (bad > 0) {
        char why[96];
        int w = snprintf(why, sizeof(why), "%zu invalid %s sequences (decoded leniently)", bad,
                         mime_cte_name(part->cte));
        add_defect(m, pr->part, why, (size_t)w);
    }
    if (scan_smime_kind(dec, dec_len) == SCAN_SMIME_SIGNED && process_signed(m, pr, dec, dec_len)) {
        return;
    }
    /* Encrypted content cannot be scanned: like an encrypted attachment it
     * is held by documents.on_unreadable, or sending it so would pass
     * anything. */
    const char *enc = encrypted_as(dec, dec_len);
    if (enc != NULL) {
        hold_document(m, pr->part, SCAN_DOC_ENCRYPTED, enc);
        emit(m, m->raw.p, m->raw.len);
        return;
    }
    if (process_document(m, pr, part, dec, dec_len)) {
        return;
    }
    narrow_utf16(m, pr, part, &dec, &dec_len);
    enum mime_charset cs = narrow_charset(m, pr, part, &dec, &dec_len);
    if (m->err != 0) {
        return;
    }
    if (!looks_textual(part, dec, dec_len)) {
        emit(m, m->raw.p, m->raw.len);
        return;
    }
    pr->scanned = true;
    if (memchr(dec, 0, dec_len) != NULL) {
        const char *why = "NUL bytes in a text part (scanned as text)";
        add_defect(m, pr->part, why, strlen(why));
    }
    if (strcmp(part->type, "text/html") == 0 && process_html(m, pr, part, cs, dec, dec_len)) {
        return;
    }
    /* A bounce's or report's copy of a message header (RFC 6522) is read as
     * a header block, field by field: trace, identifiers and MIME structure
     * (Message-ID, DKIM-Signature, a boundary of digits) are no text. */
    if (strcmp(part->type, "text/rfc822-headers") == 0 && is_identity(part->cte) &&
        dec == m->raw.p) {
        pr->modified = process_headers(m, part, dec, dec_len);
        return;
    }
    bool uu_changed = process_uu(m, pr, part, &dec, &dec_len);
    if (m->err != 0) {
        return;
    }
    if (uu_changed) {
        m->lines = (struct mime_b64_lines){0}; /* the layout is the old text's */
    }
    size_t n = detect_decoded(m, pr->part, cs, dec, dec_len, ~0u);
    record(m, pr->part, "", m->f, n);
    if (scan_redact_count(m->f, n) == 0 && !uu_changed) {
        check_octets(m, pr->part, NULL, 0);
        rtf_hidden(m, pr->part, dec, dec_len);
        emit(m, m->raw.p, m->raw.len);
        return;
    }
    pr->modified = true;
    m->result.modified = true;
    const uint8_t *src = dec;
    size_t src_len = dec_len;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    int spliced = 0;
    for (unsigned round = 1;; round++) {
        if (!buf_reserve(&m->red, src_len + 1)) {
            m->err = RL_ENOMEM;
            return;
        }
        buf_set_len(&m->red, scan_redact(m->red.p, m->f, n, src, src_len, m->pol, is_utf8_cs(cs)));
        spliced = 0;
        if (m->red.len == dec_len && m->lines.full > 0 && touch_lines(m, m->f, n)) {
            /* a failed proof is recorded; the part is then encoded whole */
            spliced = splice_b64(m, part, dec, m->red.p, m->red.len);
            spliced = spliced < 0 && m->err == 0 ? 0 : spliced;
        }
        size_t w_len = m->red.len;
        const uint8_t *w = spliced == 0 ? widen(m, pr->part, m->red.p, &w_len) : NULL;
        if (w != NULL) {
            out = encode(m, &out_len, part->cte, w, w_len, line_end_of(m->raw.p, m->raw.len),
                         b64_line_len(m->raw.p, m->raw.len));
        }
        if (m->err != 0 || (spliced == 0 && out == NULL)) {
            if (m->err == 0) {
                emit(m, m->raw.p, m->raw.len); /* recorded as failed: the policy decides */
            }
            return;
        }
        long left = spliced == 1 || decodes_to(m, part, w, w_len, out, out_len)
                        ? rescan(m, part, cs, m->red.p, m->red.len)
                        : -1;
        if (left <= 0) {
            break;
        }
        if (round == REDACT_ROUNDS) {
            fail_part(m, pr->part, "redaction verification failed: a finding survived");
            break;
        }
        /* Masking can make a neighbour read as a finding it was not before
         * (an SSN refused because a number was glued to it): redact that too,
         * record it, and verify again. */
        n = (size_t)left;
        record(m, pr->part, "", m->f, n);
        struct buf t = m->prev;
        m->prev = m->red;
        m->red = t;
        src = m->prev.p;
        src_len = m->prev.len;
    }
    rtf_hidden(m, pr->part, m->red.p, m->red.len);
    if (spliced != 0) {
        for (size_t i = 0; i < m->n_pc; i++) {
            emit(m, (m->pc[i].enc ? m->enc.p : m->raw.p) + m->pc[i].off, m->pc[i].len);
        }
        return;
    }
    check_octets(m, pr->part, m->wide.p, m->wide.len);
    emit(m, out, out_len);
}

/* Message bytes are wiped as soon as a part is done with them (STYLE 17). */
static void
on_body_end(struct scan_message *m, const struct mime_part *part)
{
    process_part(m, part);
    m->xc_on = false;
    m->xc_octets = false;
    scan_html_wipe(m->html);
    struct buf *bufs[] = {&m->raw,    &m->dec,  &m->utf, &m->red, &m->enc, &m->ver, &m->prev,
                          &m->narrow, &m->wide, &m->unf, &m->uu,  &m->uud, &m->uur};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        wipe(bufs[i]);
    }
}

/* A multipart's preamble and epilogue are no part, but some readers show
 * them (and any reader can): they are scanned and redacted like a text
 * part before they go out, located by the multipart's path. */
static void
flush_outside(struct scan_message *m, const char *path)
{
    static const char where[] = "(preamble or epilogue)";
    struct buf *t = &m->pre;
    if (t->len == 0 || m->err != 0) {
        return;
    }
    if (!may_hold_finding(m, t->p, t->len, ~0u)) {
        emit(m, t->p, t->len);
        wipe(t);
        return;
    }
    size_t n = detect(m, path, t->p, t->len, ~0u);
    if (scan_redact_count(m->f, n) == 0) {
        record(m, path, where, m->f, n);
        emit(m, t->p, t->len);
        wipe(t);
        return;
    }
    record(m, path, where, m->f, n);
    if (!buf_reserve(&m->red, t->len)) {
        m->err = RL_ENOMEM;
        return;
    }
    bool utf8 = rl_utf8_valid(t->p, t->len);
    size_t rlen = scan_redact(m->red.p, m->f, n, t->p, t->len, m->pol, utf8);
    buf_set_len(&m->red, rlen);
    m->result.modified = true;
    /* Verify as for a part: what goes out holds nothing left to redact. */
    if (scan_redact_count(m->f, detect(m, path, m->red.p, rlen, ~0u)) > 0) {
        fail_part(m, path, "redaction verification failed in a preamble or epilogue");
    }
    emit(m, m->red.p, rlen);
    wipe(&m->red);
    wipe(t);
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
        (void)buf_append(m, &m->pre, data, len);
        break;
    case MIME_EV_DELIM:
        flush_outside(m, part->path);
        emit(m, data, len);
        break;
    case MIME_EV_DEFECT:
        add_defect(m, part->path, (const char *)data, len);
        break;
    }
    return m->err;
}

/* ---- lifecycle ---- */

/* The buffers a scan_message owns, for scan_message_new to reserve and
 * scan_message_free to wipe and free: one list, so neither misses one. */
static const size_t owned_off[] = {
    offsetof(struct scan_message, raw),      offsetof(struct scan_message, dec),
    offsetof(struct scan_message, utf),      offsetof(struct scan_message, red),
    offsetof(struct scan_message, enc),      offsetof(struct scan_message, ver),
    offsetof(struct scan_message, hdr),      offsetof(struct scan_message, word),
    offsetof(struct scan_message, prev),     offsetof(struct scan_message, held),
    offsetof(struct scan_message, nest_out), offsetof(struct scan_message, narrow),
    offsetof(struct scan_message, wide),     offsetof(struct scan_message, unf),
    offsetof(struct scan_message, uu),       offsetof(struct scan_message, uud),
    offsetof(struct scan_message, uur),      offsetof(struct scan_message, pre),
};
#define N_OWNED (sizeof(owned_off) / sizeof(owned_off[0]))

static struct buf *
owned_buf(struct scan_message *m, size_t i)
{
    return (struct buf *)((char *)m + owned_off[i]);
}

struct scan_message *
scan_message_new(struct scan_worker *w, const struct scan_engine *e)
{
    struct scan_message *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return NULL;
    }
    m->w = w;
    m->engine = e;
    mime_xcode_init(&m->xc);
    m->pol = scan_engine_policy(e);
    for (size_t i = 0; i < m->pol->n_entries; i++) {
        m->full_verify |= m->pol->entries[i].kind == SCAN_LEX_REGEX;
    }
    m->lex_score = calloc(m->pol->n_lexicons + 1, sizeof(*m->lex_score));
    m->html = scan_html_new();
    struct mime_limits lim = {
        .max_header_bytes = m->pol->limits.max_header_bytes,
        .max_depth = m->pol->limits.max_depth,
        .max_parts = m->pol->limits.max_parts,
    };
    /* Every buffer exists from the start: no NULL reaches memcpy, and a
     * worker's first messages do not allocate for small parts. */
    bool ok = true;
    for (size_t i = 0; i < N_OWNED; i++) {
        ok = ok && buf_reserve(owned_buf(m, i), 1024);
    }
    struct rl_diag diag;
    if (!ok || m->lex_score == NULL || m->html == NULL ||
        mime_parser_init(&m->parser, &lim, on_event, m) != 0 ||
        scan_doc_new(&m->doc, &diag, w, m->pol) != 0) {
        scan_message_free(m);
        return NULL;
    }
    if (m->doc != NULL) {
        scan_doc_set_message_reader(m->doc, doc_message, m);
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
    mime_xcode_close(&m->xc);
    for (size_t i = 0; i < N_OWNED; i++) {
        buf_wipe_free(owned_buf(m, i));
    }
    scan_doc_free(m->doc);
    free(m->act);
    scan_html_free(m->html);
    scan_message_free(m->nested);
    free(m->f);
    free(m->touched);
    free(m->pc);
    free(m->win);
    free(m->unf_map);
    free(m->sv);
    free(m->rec);
    free(m->def);
    free(m->parts);
    free(m->lex_score);
    free(m);
}

void
scan_message_begin(struct scan_message *m, scan_out_fn out, void *ctx, bool text_mode)
{
    /* Message bytes are wiped block by block and part by part; this catches
     * a message abandoned half-way. */
    wipe(&m->raw); /* text mode, or a message abandoned mid-part */
    wipe(&m->pre);
    mime_parser_reset(&m->parser);
    m->out = out;
    m->out_ctx = ctx;
    m->text_mode = text_mode;
    m->err = 0;
    m->n_rec = m->n_def = m->n_parts = m->n_act = 0;
    m->acts_capped = false;
    wipe(&m->held);
    m->holding = false;
    m->doc_unreadable = false;
    if (m->doc != NULL) {
        scan_doc_begin(m->doc);
    }
    m->doc_never_deliver = false;
    m->nested_verdict = SCAN_V_DELIVER;
    m->nested_reason = "";
    m->nested_tagged = false;
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

size_t
scan_message_footprint(const struct scan_message *m, size_t *out_part_bytes)
{
    /* The findings of the part and their verification windows grow with the
     * part, like its copies: they are counted with it. */
    *out_part_bytes = m->raw.cap + m->dec.cap + m->utf.cap + m->red.cap + m->enc.cap + m->ver.cap +
                      m->prev.cap + m->pre.cap + m->sv_cap * sizeof(*m->sv) +
                      m->f_cap * sizeof(*m->f) + m->win_cap * sizeof(*m->win) +
                      scan_html_footprint(m->html);
    return sizeof(*m) + m->parser.hdr_cap + m->hdr.cap + m->word.cap + m->held.cap +
           m->act_cap * sizeof(*m->act) + m->def_cap * sizeof(*m->def) +
           m->parts_cap * sizeof(*m->parts) + (m->pol->n_lexicons + 1) * sizeof(*m->lex_score);
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
    static const struct mime_part text = {
        .path = "1", .type = "text/plain", .charset = "utf-8", .cte = MIME_CTE_8BIT};
    on_body_end(m, &text);
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
        flush_outside(m, m->parser.cur.path);
        emit(m, NULL, 0); /* a header block still held */
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
    r->findings_truncated = m->findings_capped;
    if (m->verify_failed) {
        apply_fallback(m, p->on_modify_fail, "modification-failed",
                       "redaction could not be verified");
    }
    if (m->n_def > 0) {
        apply_fallback(m, p->on_parse_error, "defects", "message has MIME defects");
    }
    if (m->nested_verdict != SCAN_V_DELIVER) {
        raise_verdict(r, m->nested_verdict, m->nested_reason);
    }
    if (m->nested_tagged) {
        apply_action(m, SCAN_ACT_TAG, "nested-message", "");
    }
    if (m->doc_unreadable) {
        /* A DTD is never passed on: delivering as it came is no option. */
        enum scan_fallback fb = p->documents.on_unreadable;
        if (m->doc_never_deliver && fb == SCAN_FB_DELIVER_TAGGED) {
            fb = SCAN_FB_QUARANTINE;
        }
        apply_fallback(m, fb, "unreadable-attachment",
                       "an attachment could not be opened (encrypted, corrupt or over the limits)");
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
    r->actions = m->act;
    r->n_actions = m->n_act;
    r->actions_truncated = m->acts_capped;
    return 0;
}
