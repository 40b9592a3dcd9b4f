/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers private to scan/: the document rewriter's state, shared by the
 * archive walk (scan_doc.c) and the Office Open XML sanitiser
 * (scan_ooxml.c). Owned by one worker thread. */
#ifndef SCAN_INTERNAL_H
#define SCAN_INTERNAL_H

#include "scan_doc.h"
#include "scan_magic.h"
#include "scan_zip.h"

struct scan_doc {
    struct scan_worker *w;         /* borrowed */
    const struct scan_policy *pol; /* borrowed */
    struct scan_magic *magic;      /* owned; NULL when documents are disabled */
    struct scan_pdf *pdf;          /* owned; NULL when documents or pdf are disabled */
    struct scan_zip_budget budget; /* of the attachment being rewritten */
    struct scan_doc_result res;
    struct scan_doc_action *act; /* owned */
    size_t n_act, act_cap;
    struct scan_doc_finding *fnd; /* owned */
    size_t n_fnd, fnd_cap;
    struct scan_finding *f; /* owned: findings of the text being scanned */
    size_t n_f, f_cap;
    uint8_t *out;            /* owned: the rewritten attachment */
    struct ooxml_stream *xs; /* owned: buffers of the OOXML part streamer, kept between parts */
    bool in_pdf;             /* scan_pdf is running: its actions are PDF steps */
    struct scan_zip_budget *outer; /* borrowed: the archive budget rewrites draw from, or NULL */
    scan_doc_message_fn msg_fn;    /* reads messages inside files; NULL: read as text */
    void *msg_ctx;
    char true_type[96]; /* the attachment's type (libmagic's buffer serves nested files too) */
};

/* scan_grow makes room in the array *arr of *cap elements of `elem` bytes
 * for `need` elements (doubling). Returns false when out of memory (*arr is
 * then unchanged). */
bool scan_grow(void **arr, size_t *cap, size_t need, size_t elem);

/* scan_doc_note adds an action at `loc` (printf-style detail). Actions past
 * a cap are dropped; the flags in the result still say what happened. */
void scan_doc_note(struct scan_doc *d, enum scan_doc_act kind, const char *loc, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/* scan_doc_detect finds what the policy asks for in text[0, len) into d->f
 * (sorted, non-overlapping) and sets *out_n. Returns 0, RL_ELIMIT when a
 * stretch of text held more findings than the engine can (then the text is
 * not provably clean), RL_ESCAN or RL_ENOMEM. */
int scan_doc_detect(struct scan_doc *d, size_t *out_n, const uint8_t *text, size_t len);

/* scan_doc_detect_types is scan_doc_detect with only the detectors whose
 * SCAN_MASK bits are in `types`. */
int scan_doc_detect_types(struct scan_doc *d, size_t *out_n, const uint8_t *text, size_t len,
                          unsigned types);

/* scan_doc_record lists findings f[0, n) at `loc`, up to limits.max_findings. */
void scan_doc_record(struct scan_doc *d, const char *loc, const struct scan_finding *f, size_t n);

/* scan_doc_unwritten decides the findings f[0, n) of a file that is never
 * written back (OLE2, TNEF): those to redact of a type the policy holds such
 * files for (documents.hold_unredactable) stay to redact and are counted in
 * the return value; those of the other types become records only (allow:
 * the file passes with them, and the report says so). */
size_t scan_doc_unwritten(const struct scan_doc *d, struct scan_finding *f, size_t n);

/* scan_doc_text_rewrite redacts text in[0, len) found at `loc` (a text file
 * inside an archive, a comment, an entry's name) and lists its findings;
 * *out (caller frees) stays NULL when nothing was redacted. Returns 0 or
 * RL_ENOMEM. */
int scan_doc_text_rewrite(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                          size_t len, const char *loc);

/* scan_doc_name_rewrite redacts `name`, an entry's name inside the archive
 * at `parent` (what `unzip -l` and `tar -t` list): *out (caller frees,
 * NUL-terminated) stays NULL when nothing was redacted. Its findings are
 * located by the redacted name ("<parent>/<name> (name)"), and so must be
 * everything inside the entry: a location never carries a value. Returns 0
 * or RL_ENOMEM. */
int scan_doc_name_rewrite(struct scan_doc *d, char **out, const char *parent, const char *name);

/* scan_doc_nested rewrites a file found inside an archive (an entry, an
 * embedded package) at nesting `depth`: archives are opened, text is
 * redacted, other content left. Sets *out (caller frees) when it changed,
 * else NULL. Returns 0 or RL_ENOMEM. */
int scan_doc_nested(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                    size_t len, const char *loc, unsigned depth);

/* scan_doc_nested_held scans a file held by a container that is never
 * written back (a stream of a compound file, an attachment inside TNEF) with
 * scan_doc_nested at nesting `depth`: its rewrite is dropped, its findings
 * to redact are added to *to_redact (one more when findings went unlisted
 * over the cap), and of its actions only those that still hold for a file
 * passed unchanged are kept (unreadable, limits, ...; not removals).
 * Returns 0 or RL_ENOMEM. */
int scan_doc_nested_held(struct scan_doc *d, size_t *to_redact, const uint8_t *p, size_t n,
                         const char *loc, unsigned depth);

/* scan_archive_sniff tells whether p[0, len) starts as an archive or a
 * compressed file scan_archive_rewrite opens (tar, cpio, 7-Zip, RAR, ISO
 * 9660; gzip, bzip2, xz, zstd, lzip, lz4), by its magic number. */
bool scan_archive_sniff(const uint8_t *p, size_t len);

/* scan_archive_rewrite opens such an archive at nesting `depth` (entry path
 * `loc`) and rewrites each file inside with scan_doc_nested, within
 * d->budget; sets *out (caller frees) to the archive written again in its
 * own format and compression when a file changed, else NULL. What cannot be
 * read is noted (unreadable, limit, encrypted), what cannot be written
 * back is a scan failure. Returns 0 or RL_ENOMEM. */
int scan_archive_rewrite(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                         size_t len, const char *loc, unsigned depth);

/* scan_ooxml_rewrite sanitises the Office Open XML package in `z` (an open
 * archive at nesting `depth`, entry path `loc`) by policy: replaces and
 * deletes entries in `z`, records findings and actions. Sets *out_type to
 * the package's type after sanitisation (NULL if it has no known main part)
 * and *out_was to its type before when a macro-enabled type became
 * macro-free (else NULL). Returns 0 or RL_ENOMEM; unreadable content is
 * recorded in d->res. */
int scan_ooxml_rewrite(struct scan_doc *d, const struct scan_ooxml_type **out_type,
                       const struct scan_ooxml_type **out_was, struct scan_zip *z, const char *loc,
                       unsigned depth);

/* ---- Office Open XML: the package (scan_ooxml.c) and one part streamed
 * (scan_ooxml_part.c) ---- */

#define OOXML_NO_STR UINT32_MAX /* an absent attribute */
#define OOXML_NO_REMOVAL 0xff

struct ooxml_part {
    const char *name;   /* the zip entry name (lent by the archive); no leading '/' */
    long source;        /* a .rels part: the part it describes, -1 the package; -2 not a .rels
                           part; -3 a part that is not there */
    size_t rel0, n_rel; /* a .rels part: its relationships, pk->rels[rel0, rel0 + n_rel) */
    bool removed;
    bool xml;
    bool dtd_removed; /* read without its DTD: must be written back */
    bool deleted;     /* deleted from the rewritten archive */
    bool props;       /* core or extended properties: replaced whole when metadata goes */
    bool chunk;       /* an altChunk's file: opened as a document of its own */
};

struct ooxml_rel {
    size_t rels_part;          /* the .rels part that holds it */
    uint32_t id, type, target; /* offsets into pk->str */
    uint32_t new_target;       /* the redacted target, or OOXML_NO_STR */
    long target_part;          /* entry index of the target, -1 when external or missing */
    bool external;
    uint8_t removal; /* enum scan_doc_act, or OOXML_NO_REMOVAL */
};

/* A Default (by extension) or Override (by part name) of the content types. */
struct ooxml_ct {
    bool override;
    uint32_t key, type; /* offsets into pk->str; OOXML_NO_STR when absent */
};

#define OOXML_SST_KEEP 256 /* shared strings kept as possible column headers */
#define OOXML_HEAD_MAX 48  /* bytes of a column header kept, with its NUL */
#define OOXML_XF_MAX 4096  /* cell formats looked at */

struct ooxml_stream;   /* one part's streaming state, kept by scan_doc between parts */
struct ooxml_pkg_type; /* a row of scan_ooxml.c's table of package types */

struct ooxml_pkg {
    struct scan_doc *d;
    struct scan_zip *z;
    const char *loc; /* entry path of the package, "" for the attachment */
    unsigned depth;
    struct ooxml_part *parts; /* indexed like the archive's entries */
    size_t n_parts;
    struct ooxml_rel *rels;
    size_t n_rels, rels_cap;
    struct ooxml_ct *ct;
    size_t n_ct, ct_cap;
    char *str; /* owned: attribute values of the model, NUL-terminated, by offset */
    size_t str_len, str_cap;
    bool ct_types; /* [Content_Types].xml read, and its root is Types */
    long ct_part;
    long main_part;
    const struct ooxml_pkg_type *type; /* by the main part's content type; NULL unknown */
    const char *new_main_ct; /* the main part's macro-free content type, when it changes */
    bool refused;            /* a part could not be read: the package stays as it came */
    bool dtd_refused;        /* ... because of a DTD: it must not be passed on either */
    bool odf_encrypted;      /* an OpenDocument manifest with encryption data */
    /* A workbook's first shared strings (column headers are among them),
     * each cut to OOXML_HEAD_MAX - 1 bytes, and the cell formats that show
     * a number as an SSN (000-00-0000): context for the cells. */
    char *sst;
    size_t sst_n;
    uint8_t ssn_xf[OOXML_XF_MAX / 8];
    uint32_t ssn_fmt[16];
    size_t n_ssn_fmt;
    const uint8_t *flat_in; /* a flat OpenDocument file (part 0, no archive), or NULL */
    size_t flat_len;
    uint8_t *flat_out; /* owned: the flat file rewritten, when it changed */
    size_t flat_out_len;
    char **gone_sheets; /* owned: names of macro sheets removed from the workbook */
    size_t n_gone_sheets, gone_cap;
    int err; /* RL_ENOMEM, sticky */
};

/* The passes over one part. */
enum ooxml_pass {
    OOXML_DOC = 0,        /* sanitise and redact a document part, written back when changed */
    OOXML_RELS_MODEL,     /* read a .rels part's relationships into the model */
    OOXML_CT_MODEL,       /* read [Content_Types].xml into the model */
    OOXML_RELS_WRITE,     /* write a .rels part back without its removed relationships */
    OOXML_CT_WRITE,       /* write the content types back without removed parts */
    OOXML_SHEETS,         /* find the workbook's sheets that are removed (before OOXML_DOC) */
    OOXML_SST_MODEL,      /* keep the workbook's first shared strings (pk->sst) */
    OOXML_STYLES_MODEL,   /* find the workbook's cell formats that show an SSN */
    OOXML_MANIFEST_MODEL, /* OpenDocument: read META-INF/manifest.xml (is it encrypted?) */
    OOXML_MANIFEST_WRITE, /* OpenDocument: write the manifest back without removed files */
};

/* ooxml_str returns the model string at offset `off` (NULL for OOXML_NO_STR);
 * valid until the next ooxml_str_add. */
const char *ooxml_str(const struct ooxml_pkg *pk, uint32_t off);

/* ooxml_str_add copies s[0, n) into the model; returns its offset, or
 * OOXML_NO_STR when out of memory (pk->err set). */
uint32_t ooxml_str_add(struct ooxml_pkg *pk, const char *s, size_t n);

/* ooxml_loc writes the entry path of `name` in the package. */
void ooxml_loc(const struct ooxml_pkg *pk, char *out, size_t cap, const char *name);

/* ooxml_part_by_name returns the entry of part `name` (case-insensitive, as
 * OPC part names compare), or -1. */
long ooxml_part_by_name(const struct ooxml_pkg *pk, const char *name);

/* ooxml_unused_macro_default says whether a Default of extension `ext` and
 * content type `ct` names VBA projects that no part left uses. */
bool ooxml_unused_macro_default(const struct ooxml_pkg *pk, const char *ext, const char *ct);

/* ooxml_odf_path_removed says whether an OpenDocument manifest's entry
 * `path` names a removed file, or a folder whose files were all removed. */
bool ooxml_odf_path_removed(const struct ooxml_pkg *pk, const char *path);

/* scan_odf_rewrite sanitises the OpenDocument package in `z` (odt, ods,
 * odp, ...: META-INF/manifest.xml and content.xml or styles.xml) as
 * scan_ooxml_rewrite does an Office Open XML one. Returns 0 or RL_ENOMEM. */
int scan_odf_rewrite(struct scan_doc *d, struct scan_zip *z, const char *loc, unsigned depth);

/* scan_odf_flat_sniff says whether p[0, n) is XML in the OpenDocument
 * office namespace (a flat file: fodt, fods, fodp, ...; ODF Part 3, 3.1.2). */
bool scan_odf_flat_sniff(const uint8_t *p, size_t n);

/* scan_odf_flat_rewrite sanitises such a flat file at entry path `loc` in
 * one stream, as a package's content.xml; sets *out (caller frees) when it
 * changed, else NULL. Returns 0 or RL_ENOMEM. */
int scan_odf_flat_rewrite(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                          size_t len, const char *loc);

/* ooxml_unescape copies the URI reference p[0, n) to out (room for n)
 * with its percent-escapes of letters, digits, space and . - _ + @ decoded
 * (a card number "4111%204111..." in a link); returns the length. */
size_t ooxml_unescape(uint8_t *out, const uint8_t *p, size_t n);

/* ooxml_gone_sheet records a removed sheet's name. */
void ooxml_gone_sheet(struct ooxml_pkg *pk, const char *name);

/* ooxml_stream_part runs `pass` over part `i` in one stream: libxml2's push
 * parser (no network, no DTD: a DTD is cut out and the part read again from
 * its start, or the part is refused), decisions per element, the text of
 * paragraphs and cells detected window by window and masked in place, the
 * output deflated as it is produced and put into the archive when it
 * changed. Unreadable or refused parts are recorded and set pk->refused.
 * Returns 0, or RL_ENOMEM (also in pk->err). */
int ooxml_stream_part(struct ooxml_pkg *pk, size_t i, enum ooxml_pass pass);

/* ooxml_stream_bytes returns the bytes the streaming state holds (its
 * buffers' capacities): what the largest part so far needed. */
size_t ooxml_stream_bytes(const struct ooxml_stream *s);

/* ooxml_stream_free releases the streaming state kept by a scan_doc. */
void ooxml_stream_free(struct ooxml_stream *s);

/* The PDF sanitiser's per-worker state (a MuPDF context with our allocator). */
struct scan_pdf;

/* scan_pdf_new makes the MuPDF context of one worker. Returns 0 and sets
 * *out, or RL_ENOMEM. Call at start-up. */
int scan_pdf_new(struct scan_pdf **out);

/* scan_pdf_free releases `s`; NULL is a no-op. */
void scan_pdf_free(struct scan_pdf *s);

/* scan_pdf_rewrite sanitises the PDF in[0, len) at entry path `loc` by
 * policy (redaction, active content, metadata), within the PDF limits, and
 * verifies the result by reading it again. Sets *out (caller frees) when it
 * changed, else NULL; encrypted, damaged and over-limit files and failed
 * verifications are recorded in d->res. Returns 0 or RL_ENOMEM. */
int scan_pdf_rewrite(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                     size_t len, const char *loc);

/* scan_pdf_pages_read says how many page readings `s` made in all, and in
 * *plain how many of them by its own reader of plain pages (tests). */
uint64_t scan_pdf_pages_read(const struct scan_pdf *s, uint64_t *plain);

/* scan_pdf_plain_reader turns `s`'s own reader of plain pages on (the
 * default) or off: every page read by MuPDF's run processor (tests). */
void scan_pdf_plain_reader(struct scan_pdf *s, bool on);

#endif
