/* SPDX-License-Identifier: Apache-2.0 */
/* The document rewriter's front: true type of an attachment, the walk over
 * (nested) zip archives within the limits, text entries redacted, Office
 * Open XML packages handed to scan_ooxml.c, legacy Office files to
 * scan_ole.c, TNEF (winmail.dat) to scan_tnef.c; findings and actions
 * collected.
 * Owns the worker's libmagic handle and the rewritten bytes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "scan_ole.h"
#include "scan_redact.h"
#include "scan_tnef.h"

/* Listed actions per attachment; a zip of 10,000 encrypted entries says so
 * in its first ones. */
#define MAX_ACTIONS 256

/* Detection runs over stretches of at most this much text, cut at a line or
 * word end, so that the engine's per-call arrays hold dense data too. */
#define STRETCH_BYTES ((size_t)16 * 1024)
#define STRETCH_FINDINGS ((size_t)1024)

/* Rounds of redact-then-rescan before a text counts as not provably clean. */
#define REDACT_ROUNDS 3

const char *
scan_doc_action_name(unsigned a)
{
    static const char *const names[] = {
        "type_mismatch",    "unreadable",       "encrypted",        "limit_exceeded",
        "xml_refused",      "macros_removed",   "activex_removed",  "embedded_removed",
        "external_removed", "comments_removed", "changes_accepted", "hidden_removed",
        "metadata_removed", "renamed",          "scan_failed",      "scripts_removed",
        "launch_removed",   "xfa_removed",      "history_removed",  "signature_removed",
        "dtd_removed",      "unredactable",
    };
    return a < sizeof(names) / sizeof(names[0]) ? names[a] : "unknown";
}

bool
scan_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return true;
    }
    size_t c = *cap ? *cap : 16;
    while (c < need) {
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

void
scan_doc_note(struct scan_doc *d, enum scan_doc_act kind, const char *loc, const char *fmt, ...)
{
    if (kind == SCAN_DOC_UNREADABLE || kind == SCAN_DOC_ENCRYPTED || kind == SCAN_DOC_LIMIT ||
        kind == SCAN_DOC_XML_REFUSED || kind == SCAN_DOC_UNREDACTABLE) {
        d->res.unreadable = true;
    } else if (kind == SCAN_DOC_SCAN_FAILED) {
        d->res.failed = true;
    }
    if (d->n_act >= MAX_ACTIONS ||
        !scan_grow((void **)&d->act, &d->act_cap, d->n_act + 1, sizeof(*d->act))) {
        return;
    }
    struct scan_doc_action *a = &d->act[d->n_act++];
    a->kind = (uint8_t)kind;
    a->pdf = d->in_pdf;
    snprintf(a->location, sizeof(a->location), "%s", loc);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->detail, sizeof(a->detail), fmt, ap);
    va_end(ap);
}

void
scan_doc_record(struct scan_doc *d, const char *loc, const struct scan_finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d->n_fnd >= d->pol->limits.max_findings ||
            !scan_grow((void **)&d->fnd, &d->fnd_cap, d->n_fnd + 1, sizeof(*d->fnd))) {
            d->res.findings_capped = true;
            return;
        }
        struct scan_doc_finding *r = &d->fnd[d->n_fnd++];
        snprintf(r->location, sizeof(r->location), "%s", loc);
        r->f = f[i];
    }
}

void
scan_doc_set_message_reader(struct scan_doc *d, scan_doc_message_fn fn, void *ctx)
{
    d->msg_fn = fn;
    d->msg_ctx = ctx;
}

static void
entry_loc(char *out, size_t cap, const char *loc, const char *name)
{
    snprintf(out, cap, "%s%s%s", loc, loc[0] ? "/" : "", name[0] ? name : "(unnamed)");
}

void
scan_doc_report_finding(struct scan_doc *d, const char *loc, const char *where,
                        const struct scan_finding *f)
{
    char at[SCAN_DOC_LOC_MAX];
    entry_loc(at, sizeof(at), loc, where);
    scan_doc_record(d, at, f, 1);
}

void
scan_doc_report_action(struct scan_doc *d, const char *loc, const char *where, unsigned kind,
                       const char *detail)
{
    if (kind >= SCAN_DOC_ACT__COUNT) {
        return;
    }
    char at[SCAN_DOC_LOC_MAX];
    entry_loc(at, sizeof(at), loc, where);
    scan_doc_note(d, (enum scan_doc_act)kind, at, "%s", detail);
}

void
scan_doc_report_message(struct scan_doc *d, const char *loc, enum scan_doc_message_outcome outcome,
                        const char *why)
{
    switch (outcome) {
    case SCAN_DOC_MSG_DELIVER:
        break;
    case SCAN_DOC_MSG_FAILED:
        scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "message inside: %s", why);
        break;
    case SCAN_DOC_MSG_HOLD:
    case SCAN_DOC_MSG_REFUSE:
        d->res.never_deliver |= outcome == SCAN_DOC_MSG_REFUSE;
        scan_doc_note(d, SCAN_DOC_UNREADABLE, loc, "message inside held: %s", why);
        break;
    }
}

/* End of the stretch that starts at `pos`: the last line end, else the last
 * space, before STRETCH_BYTES; a hard cut only in a 16 KB "word". */
static size_t
stretch_end(const uint8_t *text, size_t len, size_t pos)
{
    if (len - pos <= STRETCH_BYTES) {
        return len;
    }
    size_t cut = pos + STRETCH_BYTES;
    size_t space = 0;
    for (size_t i = cut; i > pos + STRETCH_BYTES / 2; i--) {
        if (text[i - 1] == '\n') {
            return i;
        }
        if (space == 0 && text[i - 1] == ' ') {
            space = i;
        }
    }
    return space != 0 ? space : cut;
}

int
scan_doc_detect(struct scan_doc *d, size_t *out_n, const uint8_t *text, size_t len)
{
    return scan_doc_detect_types(d, out_n, text, len, ~0u);
}

int
scan_doc_detect_types(struct scan_doc *d, size_t *out_n, const uint8_t *text, size_t len,
                      unsigned types)
{
    d->n_f = 0;
    *out_n = 0;
    int rc = 0;
    for (size_t pos = 0; pos < len;) {
        size_t end = stretch_end(text, len, pos);
        if (!scan_grow((void **)&d->f, &d->f_cap, d->n_f + STRETCH_FINDINGS, sizeof(*d->f))) {
            return RL_ENOMEM;
        }
        size_t n = 0;
        int r = scan_detect(d->w, d->f + d->n_f, STRETCH_FINDINGS, &n, text, len, pos, end, types);
        if (r == RL_ESCAN) {
            return r;
        }
        rc = rc != 0 ? rc : r;
        /* A value cut by the stretch end was found whole by the stretch
         * before it; its tail seen from here is not a second one. */
        size_t skip = 0;
        while (skip < n && d->n_f > 0 && d->f[d->n_f + skip].start < d->f[d->n_f - 1].end) {
            skip++;
        }
        memmove(d->f + d->n_f, d->f + d->n_f + skip, (n - skip) * sizeof(*d->f));
        d->n_f += n - skip;
        pos = end;
    }
    *out_n = d->n_f;
    return rc;
}

/* ---- text entries of archives ---- */

/* Masking can make a neighbour a finding (a number glued to a masked one):
 * such survivors are redacted too, for a few rounds. */
int
scan_doc_text_rewrite(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                      size_t len, const char *loc)
{
    size_t n = 0;
    int rc = scan_doc_detect(d, &n, in, len);
    if (rc == RL_ENOMEM) {
        return rc;
    }
    if (rc != 0) {
        scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "text could not be fully scanned");
    }
    scan_doc_record(d, loc, d->f, n);
    if (scan_redact_count(d->f, n) == 0) {
        return 0;
    }
    uint8_t *red = NULL;
    const uint8_t *src = in;
    size_t src_len = len;
    for (unsigned round = 1;; round++) {
        uint8_t *next = malloc(src_len + 1);
        if (next == NULL) {
            free(red);
            return RL_ENOMEM;
        }
        size_t next_len = scan_redact(next, d->f, n, src, src_len, d->pol, true);
        free(red);
        red = next;
        src = red;
        src_len = next_len;
        rc = scan_doc_detect(d, &n, red, next_len);
        if (rc == RL_ENOMEM) {
            free(red);
            return rc;
        }
        size_t left = scan_redact_count(d->f, n);
        if (left == 0 && rc == 0) {
            break;
        }
        if (round == REDACT_ROUNDS || rc != 0) {
            scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "a finding survived redaction");
            break;
        }
        scan_doc_record(d, loc, d->f, n);
    }
    *out = red;
    *out_len = src_len;
    return 0;
}

int
scan_doc_name_rewrite(struct scan_doc *d, char **out, const char *parent, const char *name)
{
    *out = NULL;
    size_t len = strlen(name);
    if (len == 0 || !d->pol->documents.redact) {
        return 0;
    }
    size_t first = d->n_fnd;
    uint8_t *red = NULL;
    size_t red_len = 0;
    int rc = scan_doc_text_rewrite(d, &red, &red_len, (const uint8_t *)name, len, "");
    if (rc != 0 || red == NULL) {
        return rc;
    }
    *out = malloc(red_len + 1);
    if (*out == NULL) {
        free(red);
        return RL_ENOMEM;
    }
    memcpy(*out, red, red_len);
    (*out)[red_len] = '\0';
    free(red);
    /* located by the name as it is written, never by the value */
    for (size_t i = first; i < d->n_fnd; i++) {
        snprintf(d->fnd[i].location, sizeof(d->fnd[i].location), "%s%s%s (name)", parent,
                 parent[0] ? "/" : "", *out);
    }
    return 0;
}

/* ---- archives ---- */

static bool
is_zip_type(const char *t)
{
    return strstr(t, "zip") != NULL || strncmp(t, "application/vnd.openxmlformats-", 31) == 0 ||
           (strncmp(t, "application/vnd.ms-", 19) == 0 && strstr(t, "macroenabled") != NULL);
}

/* libmagic looks at the start of a file; a zip is defined by its end (the
 * central directory), so data before the first entry hides it from magic
 * but not from unzip. The end record is within the last 64 KiB + 22 bytes. */
static bool
has_zip_end(const uint8_t *p, size_t len)
{
    size_t from = len > 65557 ? len - 65557 : 0;
    for (size_t i = len >= 22 ? len - 22 + 1 : 0; i > from; i--) {
        if (memcmp(p + i - 1, "PK\x05\x06", 4) == 0) {
            return true;
        }
    }
    return false;
}

/* Zip by libmagic's word, or by its end record when libmagic cannot tell
 * (a file that is something else, OLE2 say, may hold a zip inside); but a
 * tar or another archive ending with a zip among its files is that archive. */
static bool
looks_zip(const char *type, const uint8_t *p, size_t len)
{
    return is_zip_type(type) || (strcmp(type, "application/octet-stream") == 0 &&
                                 !scan_archive_sniff(p, len) && has_zip_end(p, len));
}

static int doc_zip(struct scan_doc *d, uint8_t **out, size_t *out_len,
                   const struct scan_ooxml_type **out_type, const struct scan_ooxml_type **out_was,
                   const uint8_t *in, size_t len, const char *loc, unsigned depth);

/* The entries of a plain zip archive, each as a file of its own. */
static int
zip_entries(struct scan_doc *d, struct scan_zip *z, const char *loc, unsigned depth)
{
    for (size_t i = 0; i < scan_zip_count(z); i++) {
        struct scan_zip_entry e;
        scan_zip_stat(z, &e, i);
        char *new_name = NULL;
        int nrc = scan_doc_name_rewrite(d, &new_name, loc, e.name);
        if (nrc != 0) {
            return nrc;
        }
        char eloc[SCAN_DOC_LOC_MAX];
        entry_loc(eloc, sizeof(eloc), loc, new_name != NULL ? new_name : e.name);
        if (new_name != NULL) {
            if (scan_zip_rename(z, i, new_name) != 0) {
                scan_doc_note(d, SCAN_DOC_SCAN_FAILED, eloc, "the name cannot be rewritten");
            }
            free(new_name);
        }
        if (e.is_dir) {
            continue;
        }
        if (e.encrypted) {
            scan_doc_note(d, SCAN_DOC_ENCRYPTED, eloc, "encrypted entry, not scanned");
            continue;
        }
        uint8_t *data = NULL;
        size_t n = 0;
        struct rl_diag diag = {{0}, {0}};
        int rc = scan_zip_read(z, &diag, &data, &n, i);
        if (rc == RL_ENOMEM) {
            return rc;
        }
        if (rc != 0) {
            scan_doc_note(d, rc == RL_ELIMIT ? SCAN_DOC_LIMIT : SCAN_DOC_UNREADABLE, eloc, "%s",
                          diag.reason);
            if (rc == RL_ELIMIT) {
                return 0; /* the budget is spent: the rest cannot be read either */
            }
            continue;
        }
        uint8_t *new_data = NULL;
        size_t new_len = 0;
        rc = scan_doc_nested(d, &new_data, &new_len, data, n, eloc, depth + 1);
        explicit_bzero(data, n);
        free(data);
        if (rc == 0 && new_data != NULL) {
            rc = scan_zip_replace(z, i, new_data, new_len);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int
scan_doc_nested(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in, size_t len,
                const char *loc, unsigned depth)
{
    *out = NULL;
    *out_len = 0;
    const char *t = scan_magic_type(d->magic, in, len, false);
    if (looks_zip(t, in, len)) {
        const struct scan_ooxml_type *type = NULL;
        const struct scan_ooxml_type *was = NULL;
        return doc_zip(d, out, out_len, &type, &was, in, len, loc, depth);
    }
    if (strcmp(t, "application/pdf") == 0) {
        return scan_pdf_rewrite(d, out, out_len, in, len, loc);
    }
    if (scan_archive_sniff(in, len)) {
        return scan_archive_rewrite(d, out, out_len, in, len, loc, depth);
    }
    if (strcmp(t, "application/x-ole-storage") == 0) {
        return scan_ole_scan(d, in, len, loc, depth);
    }
    if (strcmp(t, "application/vnd.ms-tnef") == 0) {
        return scan_tnef_scan(d, in, len, loc, depth);
    }
    if (scan_odf_flat_sniff(in, len)) {
        return scan_odf_flat_rewrite(d, out, out_len, in, len, loc);
    }
    /* A message inside an archive is read as a message (its encoded parts
     * decoded) by the reader scan_message sets; without one, or nested too
     * deep, its bytes are redacted as text. */
    bool message = strcmp(t, "message/rfc822") == 0;
    if (message && d->msg_fn != NULL && d->pol->documents.redact) {
        bool handled = true;
        int rc = d->msg_fn(d->msg_ctx, d, &handled, out, out_len, in, len, loc);
        if (rc != 0 || handled) {
            return rc;
        }
    }
    bool text = strncmp(t, "text/", 5) == 0 || message;
    if (text && d->pol->documents.redact) {
        return scan_doc_text_rewrite(d, out, out_len, in, len, loc);
    }
    return 0;
}

/* Whether an action taken on a file inside a container that cannot be
 * written back still holds: what could not be read or checked does; a
 * removal or a rename did not happen. */
static bool
holds_unwritten(uint8_t kind)
{
    return kind == SCAN_DOC_TYPE_MISMATCH || kind == SCAN_DOC_UNREADABLE ||
           kind == SCAN_DOC_ENCRYPTED || kind == SCAN_DOC_LIMIT || kind == SCAN_DOC_XML_REFUSED ||
           kind == SCAN_DOC_SCAN_FAILED || kind == SCAN_DOC_UNREDACTABLE;
}

size_t
scan_doc_unwritten(const struct scan_doc *d, struct scan_finding *f, size_t n)
{
    size_t held = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].action != SCAN_ACT_REDACT) {
            continue;
        }
        if (d->pol->documents.hold_unredactable & SCAN_MASK(f[i].type)) {
            held++;
        } else {
            f[i].action = SCAN_ACT_ALLOW;
        }
    }
    return held;
}

int
scan_doc_nested_held(struct scan_doc *d, size_t *to_redact, const uint8_t *p, size_t n,
                     const char *loc, unsigned depth)
{
    size_t fnd0 = d->n_fnd;
    size_t act0 = d->n_act;
    bool capped = d->res.findings_capped;
    uint8_t *o = NULL;
    size_t ol = 0;
    int rc = scan_doc_nested(d, &o, &ol, p, n, loc, depth);
    if (o != NULL) {
        explicit_bzero(o, ol);
        free(o);
    }
    for (size_t i = fnd0; i < d->n_fnd; i++) {
        *to_redact += scan_doc_unwritten(d, &d->fnd[i].f, 1);
    }
    if (d->res.findings_capped && !capped) {
        (*to_redact)++; /* findings went unlisted: some may be to redact */
    }
    size_t kept = act0;
    for (size_t i = act0; i < d->n_act; i++) {
        if (holds_unwritten(d->act[i].kind)) {
            d->act[kept++] = d->act[i];
        }
    }
    d->n_act = kept;
    return rc;
}

/* The archive's comment and its entries' comments, which unzip -z and
 * archive managers show: scanned as text and redacted in place. */
static int
zip_comments(struct scan_doc *d, struct scan_zip *z, const char *loc)
{
    if (!d->pol->documents.redact) {
        return 0;
    }
    size_t n = scan_zip_count(z);
    for (size_t k = 0; k <= n; k++) {
        size_t i = k == n ? SCAN_ZIP_ARCHIVE : k;
        size_t len = 0;
        const uint8_t *c = scan_zip_comment(z, i, &len);
        if (c == NULL) {
            continue;
        }
        char cloc[SCAN_DOC_LOC_MAX];
        struct scan_zip_entry e = {.name = ""};
        if (i != SCAN_ZIP_ARCHIVE) {
            scan_zip_stat(z, &e, i);
        }
        snprintf(cloc, sizeof(cloc), "%s%s%s%s(comment)", loc, loc[0] ? "/" : "", e.name,
                 e.name[0] ? " " : "");
        uint8_t *red = NULL;
        size_t red_len = 0;
        int rc = scan_doc_text_rewrite(d, &red, &red_len, c, len, cloc);
        if (rc != 0) {
            return rc;
        }
        if (red != NULL) {
            rc = scan_zip_set_comment(z, i, red, red_len);
            free(red);
            if (rc != 0) {
                scan_doc_note(d, SCAN_DOC_SCAN_FAILED, cloc, "comment cannot be rewritten");
            }
        }
    }
    return 0;
}

/* Opens the archive in[0, len) at nesting `depth` (1 for an attachment) and
 * rewrites it; *out stays NULL when nothing changed or it cannot be read. */
static int
doc_zip(struct scan_doc *d, uint8_t **out, size_t *out_len, const struct scan_ooxml_type **out_type,
        const struct scan_ooxml_type **out_was, const uint8_t *in, size_t len, const char *loc,
        unsigned depth)
{
    *out = NULL;
    *out_type = NULL;
    *out_was = NULL;
    if (depth > d->pol->limits.max_archive_depth) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "archives nested deeper than %u",
                      d->pol->limits.max_archive_depth);
        return 0;
    }
    struct scan_zip *z = NULL;
    struct rl_diag diag = {{0}, {0}};
    int rc = scan_zip_open(&z, &diag, in, len, &d->budget);
    if (rc == RL_ENOMEM) {
        return rc;
    }
    if (rc != 0) {
        char where[SCAN_DOC_LOC_MAX];
        entry_loc(where, sizeof(where), loc, diag.field);
        scan_doc_note(d, rc == RL_ELIMIT ? SCAN_DOC_LIMIT : SCAN_DOC_UNREADABLE,
                      diag.field[0] ? where : loc, "%s", diag.reason);
        return 0;
    }
    if (scan_zip_find(z, "[Content_Types].xml") >= 0) {
        rc = scan_ooxml_rewrite(d, out_type, out_was, z, loc, depth);
    } else if (scan_zip_find(z, "META-INF/manifest.xml") >= 0 &&
               (scan_zip_find(z, "content.xml") >= 0 || scan_zip_find(z, "styles.xml") >= 0)) {
        rc = scan_odf_rewrite(d, z, loc, depth);
    } else {
        rc = zip_entries(d, z, loc, depth);
    }
    if (rc == 0) {
        rc = zip_comments(d, z, loc);
    }
    if (rc == 0 && scan_zip_changed(z)) {
        rc = scan_zip_write(z, &diag, out, out_len);
        if (rc == RL_EINVAL) {
            scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "%s", diag.reason);
            rc = 0;
        }
    }
    scan_zip_free(z);
    return rc;
}

/* ---- the attachment ---- */

int
scan_doc_rewrite(struct scan_doc *d, const struct scan_doc_result **out_result, const uint8_t *in,
                 size_t len, const char *declared_type, const char *filename)
{
    if (d->out != NULL) {
        explicit_bzero(d->out, d->res.out_len);
        free(d->out);
        d->out = NULL;
    }
    memset(&d->res, 0, sizeof(d->res));
    d->res.true_type = "";
    d->n_act = d->n_fnd = 0;
    *out_result = &d->res;
    const struct scan_limits *lim = &d->pol->limits;
    d->budget = (struct scan_zip_budget){.bytes_left = lim->max_archive_bytes,
                                         .entries_left = lim->max_archive_entries,
                                         .max_ratio = lim->max_compression_ratio};
    if (d->outer != NULL) { /* a message inside an archive draws from the archive's */
        if (d->outer->bytes_left < d->budget.bytes_left) {
            d->budget.bytes_left = d->outer->bytes_left;
        }
        if (d->outer->entries_left < d->budget.entries_left) {
            d->budget.entries_left = d->outer->entries_left;
        }
    }
    const struct scan_zip_budget start = d->budget;
    bool textual = strncasecmp(declared_type, "text/", 5) == 0 ||
                   strncasecmp(declared_type, "message/", 8) == 0;
    if (d->magic == NULL || (textual && filename[0] == '\0')) {
        return 0;
    }
    snprintf(d->true_type, sizeof(d->true_type), "%s",
             scan_magic_type(d->magic, in, len, scan_magic_claim_known(declared_type, filename)));
    const char *t = d->true_type;
    d->res.true_type = t;
    int rc = 0;
    size_t out_len = 0; /* of d->out, which only the rewriters below set */
    if (looks_zip(t, in, len)) {
        const struct scan_ooxml_type *type = NULL;
        const struct scan_ooxml_type *was = NULL;
        rc = doc_zip(d, &d->out, &out_len, &type, &was, in, len, "", 1);
        d->res.kind = type != NULL ? SCAN_DOC_OOXML : SCAN_DOC_ZIP;
        d->res.true_type = type != NULL ? type->media_type : t;
        if (was != NULL && d->out != NULL) {
            d->res.renamed_from = was;
            d->res.renamed_to = type;
        }
    } else if (strcmp(t, "application/pdf") == 0 && d->pdf != NULL) {
        d->res.kind = SCAN_DOC_PDF;
        rc = scan_pdf_rewrite(d, &d->out, &out_len, in, len, "");
    } else if (scan_archive_sniff(in, len)) {
        d->res.kind = SCAN_DOC_ARCHIVE;
        rc = scan_archive_rewrite(d, &d->out, &out_len, in, len, "", 1);
    } else if (strcmp(t, "application/x-ole-storage") == 0 &&
               scan_magic_claim_ooxml(declared_type, filename)) {
        /* A password-protected Office file is its package encrypted inside
         * an OLE2 container (MS-OFFCRYPTO "EncryptedPackage"): unreadable,
         * like a legacy binary file named as a new one. */
        d->res.kind = SCAN_DOC_OOXML;
        scan_doc_note(d, SCAN_DOC_ENCRYPTED, "",
                      "Office file in an OLE2 container (encrypted, or a legacy format): "
                      "not scanned");
    } else if (strcmp(t, "application/x-ole-storage") == 0) {
        d->res.kind = SCAN_DOC_OLE;
        rc = scan_ole_scan(d, in, len, "", 1);
    } else if (strcmp(t, "application/vnd.ms-tnef") == 0) {
        d->res.kind = SCAN_DOC_TNEF;
        rc = scan_tnef_scan(d, in, len, "", 1);
    } else if (scan_odf_flat_sniff(in, len)) {
        d->res.kind = SCAN_DOC_ODF;
        rc = scan_odf_flat_rewrite(d, &d->out, &out_len, in, len, "");
    }
    d->res.modified = d->out != NULL;
    d->res.out = d->out;
    d->res.out_len = out_len;
    /* Families (word, excel, zip, ...) survive the renaming of docm to docx. */
    const char *why = scan_magic_mismatch(d->res.true_type, declared_type, filename);
    if (why != NULL) {
        scan_doc_note(d, SCAN_DOC_TYPE_MISMATCH, "", "%s: content is %s", why, d->res.true_type);
    }
    d->res.actions = d->act;
    d->res.n_actions = d->n_act;
    d->res.findings = d->fnd;
    d->res.n_findings = d->n_fnd;
    if (d->outer != NULL) {
        d->outer->bytes_left -= start.bytes_left - d->budget.bytes_left;
        d->outer->entries_left -= start.entries_left - d->budget.entries_left;
    }
    return rc;
}

void
scan_doc_share_budget(struct scan_doc *d, struct scan_doc *outer)
{
    d->outer = outer != NULL ? &outer->budget : NULL;
}

int
scan_doc_new(struct scan_doc **out_doc, struct rl_diag *diag, struct scan_worker *w,
             const struct scan_policy *p)
{
    *out_doc = NULL;
    struct scan_doc *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return RL_ENOMEM;
    }
    d->w = w;
    d->pol = p;
    if (p->documents.enabled) {
        int rc = scan_magic_new(&d->magic, diag);
        if (rc == 0 && p->pdf.enabled) {
            rc = scan_pdf_new(&d->pdf);
        }
        if (rc != 0) {
            scan_magic_free(d->magic);
            free(d);
            return rc;
        }
    }
    *out_doc = d;
    return 0;
}

void
scan_doc_begin(struct scan_doc *d)
{
    if (d->magic != NULL) {
        scan_magic_begin(d->magic);
    }
}

void
scan_doc_free(struct scan_doc *d)
{
    if (d == NULL) {
        return;
    }
    scan_magic_free(d->magic);
    scan_pdf_free(d->pdf);
    ooxml_stream_free(d->xs);
    free(d->act);
    free(d->fnd);
    free(d->f);
    free(d->out);
    free(d);
}
