/* SPDX-License-Identifier: Apache-2.0 */
/* The policy: which detectors run, what each finding leads to, lexicons,
 * limits. Parsed from JSON (docs/POLICY.md) by the control side; immutable
 * afterwards and shared read-only by every worker. */
#ifndef SCAN_POLICY_H
#define SCAN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"
#include "scan_types.h"

enum scan_action {
    SCAN_ACT_ALLOW = 0, /* record only */
    SCAN_ACT_REDACT,    /* mask in place */
    SCAN_ACT_TAG,       /* add a header */
    SCAN_ACT_QUARANTINE,
    SCAN_ACT_BLOCK, /* refuse: 550 5.7.1 */
};

/* What happens to a whole message in a failure case. */
enum scan_fallback {
    SCAN_FB_DELIVER_TAGGED = 0, /* deliver unmodified, with a tag header */
    SCAN_FB_TEMPFAIL,           /* do not deliver now (4xx) */
    SCAN_FB_QUARANTINE,
    SCAN_FB_BLOCK,
};

struct scan_mask {
    char ch;           /* ASCII mask character */
    uint8_t keep_last; /* alphanumerics left clear at the end, 0..32 */
};

/* Confidence levels, as Purview and Presidio expose them: a finding's 0..100
 * confidence is low below 50, medium from 50, high from 80. */
enum scan_level {
    SCAN_LEVEL_LOW = 0,
    SCAN_LEVEL_MEDIUM,
    SCAN_LEVEL_HIGH,
    SCAN_LEVEL__COUNT,
};

#define SCAN_CONF_MEDIUM 50
#define SCAN_CONF_HIGH 80

struct scan_detector_policy {
    bool enabled;
    enum scan_action action;                      /* for every level not named in by_level */
    enum scan_action by_level[SCAN_LEVEL__COUNT]; /* "actions": {"high": "block", ...} */
    unsigned threshold;     /* findings of this type before a message-level action applies */
    uint8_t min_confidence; /* 0..100 */
    struct scan_mask mask;
};

enum scan_lex_kind {
    SCAN_LEX_WORD = 0, /* literal word or phrase, whole-word, case-insensitive */
    SCAN_LEX_REGEX,    /* Hyperscan regular expression, case-insensitive, whole-word */
};

struct scan_lex_entry {
    enum scan_lex_kind kind;
    char *text; /* owned, NUL-terminated */
    size_t text_len;
    unsigned weight;
    uint16_t lexicon; /* index into scan_policy.lexicons */
};

struct scan_lexicon {
    char *name; /* owned */
    enum scan_action action;
    unsigned threshold; /* summed weights of matches in a message */
    struct scan_mask mask;
};

struct scan_limits {
    size_t max_message_bytes;
    size_t max_header_bytes;
    unsigned max_depth;
    unsigned max_parts;
    unsigned max_findings; /* per message */
    /* Archives (zip, and the zip inside every Office Open XML file), counted
     * over all nesting levels of one attachment. */
    unsigned max_archive_depth;     /* 1 = an archive, 2 = an archive inside it, ... */
    unsigned max_archive_entries;   /* entries in all nested archives together */
    uint64_t max_archive_bytes;     /* uncompressed bytes read, all nested entries together */
    unsigned max_compression_ratio; /* uncompressed / compressed, per entry of 1 MiB or more */
    /* PDF (one attachment; decompressed bytes also count against
     * max_archive_bytes and max_compression_ratio). */
    unsigned max_pdf_pages;   /* pages of one PDF */
    unsigned max_pdf_objects; /* objects in its cross-reference table */
    uint64_t max_pdf_memory;  /* bytes MuPDF may hold at once while reading and writing it */
    unsigned max_pdf_millis;  /* wall time for reading, redacting, writing and verifying it */
};

/* Document and structural sanitisation (Office Open XML, zip archives). */
struct scan_doc_policy {
    bool enabled;           /* open attachments whose content is zip or Office Open XML */
    bool redact;            /* run the detectors on the text inside documents */
    bool remove_macros;     /* VBA projects and Excel 4 (XLM) macro sheets */
    bool remove_activex;    /* ActiveX controls */
    bool remove_embedded;   /* embedded OLE objects and packages */
    bool remove_external;   /* relationships with TargetMode="External", hyperlinks apart */
    bool remove_hyperlinks; /* external hyperlinks too (their text stays) */
    bool remove_comments;   /* comments, their anchors, threaded comments, people/persons */
    bool accept_changes;    /* tracked changes: insertions kept, deletions dropped */
    bool remove_hidden;     /* hidden (vanished) text runs */
    bool remove_metadata;   /* author, last modified by, company, manager; custom properties */
    enum scan_fallback on_unreadable; /* encrypted, corrupt or over the archive limits */
    unsigned hold_unredactable;       /* SCAN_MASK of the types whose findings to redact hold a
                                       * file that cannot be rewritten (OLE2, TNEF); the others'
                                       * are recorded (allow) and the file passes */
};

/* What the PDF sanitiser removes (docs/POLICY.md "pdf"); true: remove. */
struct scan_pdf_policy {
    bool enabled;        /* open PDF attachments (MuPDF); false: passed through unscanned */
    bool javascript;     /* document JavaScript, JavaScript actions, additional actions */
    bool launch;         /* launch actions (run a program or open a file) */
    bool embedded_files; /* embedded files, file attachment annotations */
    bool xfa;            /* XFA forms */
    bool metadata;       /* the Info dictionary and XMP metadata streams */
};

/* What the HTML sanitiser removes (docs/POLICY.md "html"); true: remove. */
struct scan_html_policy {
    bool scripts;  /* script elements, srcdoc, style attributes with expression() */
    bool handlers; /* on* event-handler attributes */
    bool urls;     /* attributes with javascript:, vbscript:, or active data: URLs */
    bool iframes;  /* iframe, frame, frameset */
    bool objects;  /* object, applet, with their content */
    bool embeds;   /* embed */
    bool forms;    /* form start tags (the controls and text inside stay) */
};

struct scan_policy {
    char *version;                                        /* owned; named in every report */
    struct scan_detector_policy detectors[SCAN_T__COUNT]; /* [SCAN_T_LEXICON] unused */
    unsigned context_window;        /* bytes before and after a candidate searched for keywords */
    char **keywords[SCAN_T__COUNT]; /* owned NULL-terminated lists: positive context */
    char **negative;                /* owned NULL-terminated list: negative context */
    struct scan_lexicon *lexicons;  /* owned array */
    size_t n_lexicons;
    struct scan_lex_entry *entries; /* owned array */
    size_t n_entries;
    enum scan_fallback on_modify_fail;
    enum scan_fallback on_parse_error;
    bool keep_original; /* the gateway keeps the original of a redacted message (hold) */
    struct scan_limits limits;
    struct scan_html_policy html;
    struct scan_doc_policy documents;
    struct scan_pdf_policy pdf;
};

/* scan_policy_parse builds a policy from JSON text `json` (length `len`).
 * Returns 0 and sets *out_policy (caller frees with scan_policy_free), or
 * RL_ESYNTAX / RL_EINVAL with `diag` naming the field and the reason. */
int scan_policy_parse(struct scan_policy **out_policy, struct rl_diag *diag, const char *json,
                      size_t len);

/* scan_policy_load reads and parses the file at `path`, as scan_policy_parse;
 * RL_EIO when it cannot be read. */
int scan_policy_load(struct scan_policy **out_policy, struct rl_diag *diag, const char *path);

/* scan_policy_default_json returns the built-in default policy text (static). */
const char *scan_policy_default_json(void);

/* scan_policy_free releases `p`; NULL is a no-op. */
void scan_policy_free(struct scan_policy *p);

/* scan_level_of returns the level of a 0..100 confidence. */
enum scan_level scan_level_of(unsigned confidence);

/* scan_level_name returns "low", "medium" or "high". */
const char *scan_level_name(enum scan_level l);

/* scan_action_name returns "redact", "block", ... */
const char *scan_action_name(enum scan_action a);

#endif
