/* SPDX-License-Identifier: Apache-2.0 */
/* The document rewriter: given the decoded bytes of an attachment, finds its
 * true type (libmagic), opens archives, compressed files and Office Open XML files within
 * the policy's limits, redacts and sanitises them, scans legacy Office (OLE2)
 * files and Outlook's TNEF (winmail.dat), and lists every action.
 * One scan_doc per worker thread (it owns that worker's libmagic handle). */
#ifndef SCAN_DOC_H
#define SCAN_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scan_engine.h"

/* A file type of the Office Open XML family. */
struct scan_ooxml_type {
    const char *media_type; /* of the whole file, e.g. "...wordprocessingml.document" */
    const char *ext;        /* file name extension without the dot, "docx" */
};

/* Entry path inside an attachment, nested archives joined by '/'. */
#define SCAN_DOC_LOC_MAX 160

enum scan_doc_kind {
    SCAN_DOC_NONE = 0, /* not an archive or document: scan the part as before */
    SCAN_DOC_ZIP,
    SCAN_DOC_OOXML,
    SCAN_DOC_PDF,
    SCAN_DOC_ARCHIVE, /* tar, 7-Zip, RAR, ..., or a compressed file (scan_archive.c) */
    SCAN_DOC_OLE,     /* legacy Office file, an OLE2 compound file (scan_ole.c) */
    SCAN_DOC_TNEF,    /* Outlook's TNEF, winmail.dat (scan_tnef.c) */
    SCAN_DOC_ODF,     /* a flat OpenDocument file (fodt, fods, ...; packages are SCAN_DOC_ZIP) */
};

enum scan_doc_act {
    SCAN_DOC_TYPE_MISMATCH = 0, /* the part's name or media type disagrees with its content */
    SCAN_DOC_UNREADABLE,        /* corrupt archive or entry */
    SCAN_DOC_ENCRYPTED,         /* an encrypted entry (cannot be scanned) */
    SCAN_DOC_LIMIT,             /* zip bomb: size, ratio, entries or nesting over the limits */
    SCAN_DOC_XML_REFUSED,       /* an XML part with a DTD, or not well-formed */
    SCAN_DOC_MACROS_REMOVED,    /* VBA project or Excel 4 macro sheet */
    SCAN_DOC_ACTIVEX_REMOVED,
    SCAN_DOC_EMBEDDED_REMOVED, /* OLE object or embedded package */
    SCAN_DOC_EXTERNAL_REMOVED, /* relationship with TargetMode="External" */
    SCAN_DOC_COMMENTS_REMOVED,
    SCAN_DOC_CHANGES_ACCEPTED, /* tracked changes: insertions kept, deletions dropped */
    SCAN_DOC_HIDDEN_REMOVED,
    SCAN_DOC_METADATA_REMOVED,
    SCAN_DOC_RENAMED,           /* macro-enabled file became its macro-free type */
    SCAN_DOC_SCAN_FAILED,       /* a redaction inside could not be verified */
    SCAN_DOC_SCRIPTS_REMOVED,   /* PDF JavaScript: document scripts, actions, triggers */
    SCAN_DOC_LAUNCH_REMOVED,    /* PDF launch actions */
    SCAN_DOC_XFA_REMOVED,       /* PDF XFA form */
    SCAN_DOC_HISTORY_REMOVED,   /* PDF earlier revisions (incremental updates) */
    SCAN_DOC_SIGNATURE_REMOVED, /* a digital signature the changes would have broken */
    SCAN_DOC_DTD_REMOVED,       /* an XML part's DTD (no entity was used) */
    SCAN_DOC_UNREDACTABLE,      /* findings to redact in a format that cannot be rewritten */
    SCAN_DOC_ACT__COUNT,
};

struct scan_doc_action {
    uint8_t kind;                    /* enum scan_doc_act */
    bool pdf;                        /* taken by the PDF sanitiser */
    char location[SCAN_DOC_LOC_MAX]; /* entry path, "" for the attachment itself */
    char detail[128];                /* what exactly, never a value found */
};

/* A finding inside a document: offsets into the text extracted from the
 * entry at `location` (paragraphs, cells and strings joined by '\n'). */
struct scan_doc_finding {
    char location[SCAN_DOC_LOC_MAX];
    struct scan_finding f;
};

/* Lent by scan_doc_rewrite until the next call. */
struct scan_doc_result {
    enum scan_doc_kind kind;
    const char *true_type; /* media type from the content; "" when not looked at */
    bool modified;         /* out/out_len hold the rewritten file */
    bool unreadable;       /* something could not be opened: documents.on_unreadable applies */
    bool failed;           /* a redaction could not be verified: on_modification_failure */
    bool never_deliver;    /* unreadable because of an XML DTD that could not be cut out: the
                            * file must not be passed on, whatever on_unreadable says */
    const uint8_t *out;
    size_t out_len;
    /* When a macro-enabled file became macro-free: its type before and after
     * (e.g. docm, application/vnd.ms-word.document.macroEnabled.12 -> docx,
     * ...wordprocessingml.document); both NULL otherwise. */
    const struct scan_ooxml_type *renamed_from;
    const struct scan_ooxml_type *renamed_to;
    size_t n_actions;
    const struct scan_doc_action *actions;
    size_t n_findings;
    const struct scan_doc_finding *findings;
    bool findings_capped; /* more than limits.max_findings: all handled, not all listed */
};

struct scan_doc;

/* scan_doc_new sets up a rewriter for worker `w` and policy `p` (both
 * borrowed) and loads libmagic's database when documents are enabled. Call
 * at start-up. Returns 0 and sets *out_doc, RL_EIO (diag says why) or
 * RL_ENOMEM. */
int scan_doc_new(struct scan_doc **out_doc, struct rl_diag *diag, struct scan_worker *w,
                 const struct scan_policy *p);

/* A reader of messages found inside archives and documents (an .eml in a
 * zip): scans and rewrites in[0, len) found at `loc` as a whole message,
 * lists what it found in `d`'s result (scan_doc_report_message), and sets
 * *out (malloc'd; the caller frees) when it changed. Sets *handled to false
 * to have the file read as plain text instead (nesting too deep). Returns 0
 * or RL_ENOMEM. */
typedef int (*scan_doc_message_fn)(void *ctx, struct scan_doc *d, bool *handled, uint8_t **out,
                                   size_t *out_len, const uint8_t *in, size_t len, const char *loc);

/* scan_doc_set_message_reader makes `fn` (with `ctx`) read the messages
 * found inside files; without one they are read as text. */
void scan_doc_set_message_reader(struct scan_doc *d, scan_doc_message_fn fn, void *ctx);

/* scan_doc_share_budget makes every rewrite of `d` draw its archive budget
 * (bytes, entries) from `outer`'s current one, while `outer` reads the
 * archive that holds the message `d` is used for; NULL: a budget of its own
 * per attachment again. */
void scan_doc_share_budget(struct scan_doc *d, struct scan_doc *outer);

/* What a scan_doc_message_fn reports for the message at `loc`: one finding
 * or one document action (`kind`: enum scan_doc_act) at the message's own
 * location `where` (its part path and the place inside it), and the outcome
 * (deliver, hold, refuse or could not be verified, with why). */
void scan_doc_report_finding(struct scan_doc *d, const char *loc, const char *where,
                             const struct scan_finding *f);
void scan_doc_report_action(struct scan_doc *d, const char *loc, const char *where, unsigned kind,
                            const char *detail);
enum scan_doc_message_outcome {
    SCAN_DOC_MSG_DELIVER = 0,
    SCAN_DOC_MSG_FAILED, /* a redaction in it could not be verified */
    SCAN_DOC_MSG_HOLD,   /* it would be quarantined on its own */
    SCAN_DOC_MSG_REFUSE, /* it would be refused on its own */
};
void scan_doc_report_message(struct scan_doc *d, const char *loc,
                             enum scan_doc_message_outcome outcome, const char *why);

/* scan_doc_begin starts a message (libmagic's budget: scan_magic_begin). */
void scan_doc_begin(struct scan_doc *d);

/* scan_doc_free releases `d`; NULL is a no-op. */
void scan_doc_free(struct scan_doc *d);

/* scan_doc_rewrite looks at one decoded attachment in[0, len) (borrowed)
 * with the MIME part's `declared_type` and `filename` ("" when absent), and
 * sets *out_result. Parts declared as text without a file name are not
 * looked at. Problems with the content (corrupt, encrypted, limits, XML with
 * a DTD) are results, not errors. Returns 0, or RL_ENOMEM. Only the thread
 * that owns `d` may call. */
int scan_doc_rewrite(struct scan_doc *d, const struct scan_doc_result **out_result,
                     const uint8_t *in, size_t len, const char *declared_type,
                     const char *filename);

/* scan_doc_action_name returns the report name of `a` ("macros_removed", ...). */
const char *scan_doc_action_name(unsigned a);

#endif
