/* SPDX-License-Identifier: Apache-2.0 */
/* Scans and rewrites one message at a time as it streams in: MIME structure,
 * transfer and charset decoding, detection, redaction, re-encoding, and
 * verification of the result. A scan_message belongs to one worker thread and
 * is reused for every message that worker handles. */
#ifndef SCAN_MESSAGE_H
#define SCAN_MESSAGE_H

#include <stdio.h>

#include "mime_parser.h"
#include "scan_doc.h"
#include "scan_engine.h"

enum scan_verdict {
    SCAN_V_DELIVER = 0, /* deliver the output */
    SCAN_V_TEMPFAIL,    /* do not deliver now: redaction could not be verified */
    SCAN_V_QUARANTINE,  /* hold the message */
    SCAN_V_BLOCK,       /* refuse it (550 5.7.1) */
};

/* One finding as reported: location and kind, never the value itself. */
struct scan_record {
    char part[MIME_PATH_MAX]; /* MIME part ("0" for the top-level header) */
    char header[40];          /* header field name, or "" for a body */
    uint32_t start;           /* byte offset into the decoded part or header value */
    uint32_t end;
    uint16_t type;    /* enum scan_type */
    uint16_t lexicon; /* when type == SCAN_T_LEXICON */
    uint8_t confidence;
    uint8_t action;                  /* enum scan_action as applied */
    char location[SCAN_DOC_LOC_MAX]; /* inside a document: the entry path, else "" */
};

/* Where a sanitisation step was taken; the report lists HTML steps under
 * "actions" and document and PDF steps under "documents". */
enum scan_step {
    SCAN_STEP_HTML = 0, /* scan_html, in a text/html part */
    SCAN_STEP_DOCUMENT, /* scan_doc: an archive or Office file */
    SCAN_STEP_PDF,      /* scan_doc on a PDF (scan_pdf) */
};

/* One sanitisation step of any kind (HTML, document, PDF), as reported. */
struct scan_action_record {
    char part[MIME_PATH_MAX];
    uint8_t kind;                    /* enum scan_step */
    uint8_t code;                    /* enum scan_html_act or enum scan_doc_act, by kind */
    char action[32];                 /* "html.script_removed", "macros_removed", ... */
    char location[SCAN_DOC_LOC_MAX]; /* inside a document: the entry path; else "" */
    char detail[128];                /* what and where, never a value found */
};

struct scan_defect {
    char part[MIME_PATH_MAX];
    char reason[120];
};

struct scan_part_record {
    char part[MIME_PATH_MAX];
    char type[80];
    char true_type[80]; /* from the content (attachments only), "" when not looked at */
    char charset[40];
    uint8_t cte;        /* enum mime_cte */
    bool scanned;       /* false: binary content, passed through unscanned */
    bool modified;      /* rewritten with redactions */
    size_t raw_len;     /* bytes as received */
    size_t decoded_len; /* bytes after transfer decoding */
};

/* The outcome of one message; lent by scan_message_result until the next
 * scan_message_begin. */
struct scan_result {
    enum scan_verdict verdict;
    const char *reason;      /* static text: why the verdict is not deliver; "" if it is */
    bool modified;           /* the output differs from the input */
    bool tagged;             /* the caller must prepend tag_header to the output */
    bool findings_truncated; /* more findings than limits.max_findings: all were
                              * handled, the first ones are listed */
    char tag_header[256];
    size_t n_records;
    const struct scan_record *records;
    size_t n_defects;
    const struct scan_defect *defects;
    size_t n_actions;
    const struct scan_action_record *actions; /* every step: HTML, document, PDF */
    bool actions_truncated;                   /* more than limits.max_findings: all were done,
                                               * the first ones are listed */
    size_t n_parts;
    const struct scan_part_record *parts;
    unsigned counts[SCAN_T__COUNT]; /* findings per type */
    size_t in_bytes;
    size_t out_bytes;
};

/* Receives rewritten message bytes in order; non-zero stops the scan. */
typedef int (*scan_out_fn)(void *ctx, const uint8_t *data, size_t len);

struct scan_message;

/* scan_message_new allocates a rewriter that uses worker `w` (borrowed).
 * Returns NULL on allocation failure. */
struct scan_message *scan_message_new(struct scan_worker *w, const struct scan_engine *e);

/* scan_message_free releases `m`; NULL is a no-op. */
void scan_message_free(struct scan_message *m);

/* scan_message_begin starts a new message whose output goes to `out(ctx, ...)`.
 * `text_mode` scans the input as one plain UTF-8 text instead of a message. */
void scan_message_begin(struct scan_message *m, scan_out_fn out, void *ctx, bool text_mode);

/* scan_message_feed consumes a chunk of the message (any size, any split).
 * Returns 0, RL_ELIMIT when the message is larger than the policy allows (the
 * rest is refused), or the output callback's error. */
int scan_message_feed(struct scan_message *m, const uint8_t *in, size_t in_len);

/* scan_message_finish ends the message, flushes output and sets *out_result
 * (lent until the next begin). Returns 0 or an error as feed. */
int scan_message_finish(struct scan_message *m, const struct scan_result **out_result);

/* scan_message_footprint returns the bytes `m` holds for its own state
 * (parser, header buffers, part and defect records; not the report's list
 * of findings) and sets *out_part_bytes to what grows with the part being
 * rewritten (its raw, decoded, redacted and re-encoded copies, its findings). */
size_t scan_message_footprint(const struct scan_message *m, size_t *out_part_bytes);

/* scan_report_write prints the JSON report of `r` under `policy_version` to
 * `f`. Returns 0 or RL_EIO. Values found are never printed, only locations. */
int scan_report_write(FILE *f, const struct scan_result *r, const struct scan_policy *policy);

/* scan_report_write_flags is scan_report_write, on one line without a final
 * newline when `compact`. */
int scan_report_write_flags(FILE *f, const struct scan_result *r, const struct scan_policy *policy,
                            bool compact);

/* scan_verdict_name returns "deliver", "tempfail", "quarantine" or "block". */
const char *scan_verdict_name(enum scan_verdict v);

#endif
