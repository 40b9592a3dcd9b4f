/* SPDX-License-Identifier: Apache-2.0 */
/* A message through scan_message into the next hop's body, and the summary
 * kept for the tracking line. Runs on whichever thread owns `sm` and the
 * buffer cache given (a worker, or a scan thread). */
#include "dp_scan.h"

#include <stdio.h>
#include <string.h>

static int
body_out(void *ctx, const uint8_t *data, size_t len)
{
    struct dp_scan_out *o = ctx;
    if (o->chunking) {
        return dp_buf_append(o->pool, o->body, data, len);
    }
    int rc = dp_buf_reserve(o->pool, o->body, 2 * len + 8);
    if (rc != 0) {
        return rc;
    }
    o->body->len += smtp_dotstuff_run(&o->stuff, o->body->data + o->body->len,
                                      o->body->cap - o->body->len, data, len);
    return 0;
}

int
dp_scan_begin(struct dp_scan_out *o, struct scan_message *sm, struct dp_buf *body,
              struct dp_bufpool *pool, bool chunking, size_t expect)
{
    o->body = body;
    o->pool = pool;
    o->chunking = chunking;
    o->err = 0;
    smtp_dotstuff_init(&o->stuff);
    body->len = 0;
    if (dp_buf_reserve(pool, body, DP_HEADROOM + expect + expect / 8 + 64) != 0) {
        o->err = RL_ENOMEM;
        return o->err;
    }
    body->len = DP_HEADROOM;
    scan_message_begin(sm, body_out, o, false);
    return 0;
}

int
dp_scan_feed(struct dp_scan_out *o, struct scan_message *sm, const uint8_t *p, size_t len)
{
    if (o->err == 0) {
        o->err = scan_message_feed(sm, p, len);
    }
    return o->err;
}

/* summarise_actions writes the HTML steps of `res` to `out` as JSON
 * members, one per kind of step with its count ("html.script_removed":2).
 * At most 8 kinds; the report lists every step. */
static void
summarise_actions(char *out, size_t cap, const struct scan_result *res)
{
    const char *name[8];
    unsigned count[8];
    size_t kinds = 0;
    for (size_t i = 0; i < res->n_actions; i++) {
        if (res->actions[i].kind != SCAN_STEP_HTML) {
            continue; /* counted by kind in "documents" */
        }
        size_t k = 0;
        while (k < kinds && strcmp(name[k], res->actions[i].action) != 0) {
            k++;
        }
        if (k == kinds && kinds < 8) {
            name[kinds] = res->actions[i].action;
            count[kinds++] = 0;
        }
        count[k] += k < kinds;
    }
    size_t n = 0;
    out[0] = '\0';
    for (size_t k = 0; k < kinds; k++) {
        int w = snprintf(out + n, cap - n, "%s\"%s\":%u", k ? "," : "", name[k], count[k]);
        if (w < 0 || (size_t)w >= cap - n) {
            out[n] = '\0';
            return;
        }
        n += (size_t)w;
    }
}

void
dp_scan_end(struct dp_scan_out *o, struct scan_message *sm, struct dp_scan_sum *sum)
{
    memset(sum, 0, sizeof(*sum));
    const struct scan_result *res = NULL;
    int rc = o->err;
    if (rc == 0) {
        rc = scan_message_finish(sm, &res);
    }
    uint8_t end[8];
    size_t k = o->chunking ? 0 : smtp_dotstuff_end(&o->stuff, end, sizeof(end));
    if (rc == 0 && k > 0 && dp_buf_append(o->pool, o->body, end, k) != 0) {
        rc = RL_ENOMEM;
    }
    sum->rc = rc;
    if (rc != 0) {
        return;
    }
    sum->verdict = res->verdict;
    sum->modified = res->modified;
    sum->tagged = res->tagged;
    snprintf(sum->tag_header, sizeof(sum->tag_header), "%s", res->tagged ? res->tag_header : "");
    summarise_actions(sum->actions, sizeof(sum->actions), res);
    memcpy(sum->counts, res->counts, sizeof(sum->counts));
    for (size_t i = 0; i < res->n_actions; i++) {
        if (res->actions[i].kind != SCAN_STEP_HTML && res->actions[i].code < SCAN_DOC_ACT__COUNT) {
            sum->doc_counts[res->actions[i].code]++;
        }
    }
}
