/* SPDX-License-Identifier: Apache-2.0 */
/* Scanning one message into the body the next hop receives (dot-stuffed unless
 * it goes by BDAT, after DP_HEADROOM octets left for the trace header) and
 * the summary the transaction keeps. The same code runs on a worker (small
 * text messages, fed as they arrive) and on a scan thread (dp_offload.h). */
#ifndef DP_SCAN_H
#define DP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_buf.h"
#include "scan_message.h"
#include "smtp_client.h"

#define DP_HEADROOM 1024 /* room before the body for Received: and the tag header */

/* A message is scanned on its worker, as its text arrives, while it is plain
 * text no larger than this; else by a scan thread (dp_offload.h), so that no
 * loop turn holds the core for the scan of a document. */
#define DP_SCAN_INLINE_MAX ((size_t)64 * 1024)

/* What a transaction keeps of a scan. */
struct dp_scan_sum {
    int rc; /* 0; RL_ELIMIT (larger than the policy allows); RL_ENOMEM; another scan error */
    enum scan_verdict verdict;
    bool modified;
    bool tagged;
    char tag_header[256];
    unsigned counts[SCAN_T__COUNT];
    char actions[160]; /* HTML steps as JSON members "html.script_removed":2,... */
    unsigned doc_counts[SCAN_DOC_ACT__COUNT];
};

/* One scan being fed: where its output goes. */
struct dp_scan_out {
    struct dp_buf *body;     /* DP_HEADROOM, then the rewritten message */
    struct dp_bufpool *pool; /* the calling thread's buffer cache */
    bool chunking;           /* BDAT: as it is; DATA: dot-stuffed */
    struct smtp_dotstuff stuff;
    int err; /* sticky output error */
};

/* dp_scan_begin starts scanning into `o` (body emptied, headroom reserved
 * for `expect` octets of message). Returns 0 or RL_ENOMEM. */
int dp_scan_begin(struct dp_scan_out *o, struct scan_message *sm, struct dp_buf *body,
                  struct dp_bufpool *pool, bool chunking, size_t expect);

/* dp_scan_feed gives the next `len` octets of the message. Returns 0 or
 * the scan's error (sticky; dp_scan_end reports it). */
int dp_scan_feed(struct dp_scan_out *o, struct scan_message *sm, const uint8_t *p, size_t len);

/* dp_scan_end finishes the scan and fills *sum (sum->rc says how it went);
 * the body then ends with the dot-stuffed terminator unless chunking. */
void dp_scan_end(struct dp_scan_out *o, struct scan_message *sm, struct dp_scan_sum *sum);

#endif
