/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming MIME structure parser (RFC 5322, RFC 2045-2046): a push parser
 * that takes a message in chunks of any size and reports headers, leaf bodies
 * and structural bytes as events. Sans-I/O; bounded memory (header block and
 * one short line); owned by one thread at a time. */
#ifndef MIME_PARSER_H
#define MIME_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIME_PATH_MAX 64
#define MIME_BOUNDARY_MAX 72 /* RFC 2046 5.1.1: 1 to 70 characters */
#define MIME_MAX_DEPTH_CAP 32

enum mime_cte {
    MIME_CTE_7BIT = 0,
    MIME_CTE_8BIT,
    MIME_CTE_BINARY,
    MIME_CTE_BASE64,
    MIME_CTE_QP,
    MIME_CTE_UNKNOWN, /* an unrecognised token: the body is treated as binary */
};

/* What the parser knows about the entity an event belongs to. */
struct mime_part {
    char path[MIME_PATH_MAX]; /* IMAP section: "" for the top-level header, "1", "1.2" */
    char type[80];            /* media type, lower case, "text/plain" when absent */
    char charset[40];         /* charset parameter, lower case; "" when absent */
    char filename[128];       /* filename or name parameter; "" when absent */
    enum mime_cte cte;
    unsigned depth; /* 0 for the top-level entity */
    bool flowed;    /* text/plain; format=flowed (RFC 3676): a line ending in a space goes on */
    bool delsp;     /* ... and delsp=yes: that space is no character of the text */
};

enum mime_event {
    MIME_EV_HEADERS = 0, /* a whole header block including its blank line */
    MIME_EV_BODY,        /* bytes of a leaf body, still transfer-encoded */
    MIME_EV_BODY_END,    /* the leaf body ended (no bytes) */
    MIME_EV_RAW,         /* bytes of a multipart's preamble or epilogue (readers may show them) */
    MIME_EV_DELIM,       /* one whole delimiter line of a multipart */
    MIME_EV_DEFECT,      /* `data` is a reason (not message bytes, not output) */
};

/* The concatenation of the bytes of every HEADERS, BODY, RAW and DELIM event equals
 * the input exactly. `data` is lent for the call only. A non-zero return
 * stops the parser and is returned by mime_parser_feed/finish. */
typedef int (*mime_event_fn)(void *ctx, enum mime_event ev, const struct mime_part *part,
                             const uint8_t *data, size_t len);

struct mime_limits {
    size_t max_header_bytes; /* a longer header block is cut: a defect, never a crash */
    unsigned max_depth;      /* deeper multiparts are bodies of their parent */
    unsigned max_parts;      /* later parts are bodies of their parent */
};

struct mime_frame {
    char boundary[MIME_BOUNDARY_MAX];
    uint8_t boundary_len;
    char path[MIME_PATH_MAX]; /* the multipart's own path */
    unsigned n_children;
    bool digest; /* multipart/digest: parts default to message/rfc822 */
};

/* Parser state; caller storage, set up by mime_parser_init. */
struct mime_parser {
    mime_event_fn on_event;
    void *ctx;
    struct mime_limits limits;
    int state; /* private */
    bool at_line_start;
    bool message_root; /* the entity in S_HEADERS is a message (body gets ".1") */
    struct mime_part cur;
    unsigned n_parts;
    unsigned n_frames;
    struct mime_frame frames[MIME_MAX_DEPTH_CAP];
    uint8_t *hdr;       /* owned: header block being collected */
    size_t hdr_len;     /* bytes */
    size_t hdr_cap;     /* bytes, == limits.max_header_bytes */
    size_t hdr_dirty;   /* bytes of hdr written since the last reset, to wipe */
    uint8_t carry[160]; /* a line start that may be a delimiter, awaiting its end */
    size_t carry_len;
    int error; /* sticky callback error */
};

/* mime_parser_init sets up `p` to report events to `on_event(ctx, ...)`.
 * Allocates the header buffer (limits->max_header_bytes). Returns 0 or
 * RL_ENOMEM / RL_EINVAL. */
int mime_parser_init(struct mime_parser *p, const struct mime_limits *limits,
                     mime_event_fn on_event, void *ctx);

/* mime_parser_fini releases what mime_parser_init allocated. */
void mime_parser_fini(struct mime_parser *p);

/* mime_parser_reset makes `p` ready for a new message without reallocating. */
void mime_parser_reset(struct mime_parser *p);

/* mime_parser_feed consumes all of `in`, calling the event callback as
 * structure is recognised. Returns 0, or the callback's non-zero value (sticky
 * until reset). Borrows `in`. */
int mime_parser_feed(struct mime_parser *p, const uint8_t *in, size_t in_len);

/* mime_parser_finish flushes what is pending at end of input (an unterminated
 * header block or line, open multiparts: defects) and returns as _feed. */
int mime_parser_finish(struct mime_parser *p);

/* mime_cte_name returns "7bit", "base64", ... for `cte`. */
const char *mime_cte_name(enum mime_cte cte);

#endif
