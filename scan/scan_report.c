/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON report of one scanned message (jansson): findings by location,
 * kind and action, parts, defects, sanitisation and document actions, verdict
 * and policy version. Never a matched value. Called by the offline CLI and the
 * logger, not by workers. */
#include <jansson.h>

#include "scan_message.h"

static json_t *
finding_json(const struct scan_record *r, const struct scan_policy *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(scan_type_name(r->type)));
    json_object_set_new(o, "part", json_string(r->part));
    if (r->header[0] != '\0') {
        json_object_set_new(o, "header", json_string(r->header));
    }
    if (r->location[0] != '\0') {
        json_object_set_new(o, "location", json_string(r->location));
    }
    json_object_set_new(o, "start", json_integer(r->start));
    json_object_set_new(o, "end", json_integer(r->end));
    json_object_set_new(o, "length", json_integer(r->end - r->start));
    if (r->type == SCAN_T_LEXICON && r->lexicon < p->n_lexicons) {
        json_object_set_new(o, "lexicon", json_string(p->lexicons[r->lexicon].name));
    }
    json_object_set_new(o, "confidence", json_integer(r->confidence));
    json_object_set_new(o, "level", json_string(scan_level_name(scan_level_of(r->confidence))));
    json_object_set_new(o, "action", json_string(scan_action_name(r->action)));
    return o;
}

int
scan_report_write(FILE *f, const struct scan_result *r, const struct scan_policy *policy)
{
    return scan_report_write_flags(f, r, policy, false);
}

int
scan_report_write_flags(FILE *f, const struct scan_result *r, const struct scan_policy *policy,
                        bool compact)
{
    json_t *root = json_object();
    json_t *findings = json_array();
    for (size_t i = 0; i < r->n_records; i++) {
        json_array_append_new(findings, finding_json(&r->records[i], policy));
    }
    json_object_set_new(root, "findings", findings);
    json_object_set_new(root, "verdict", json_string(scan_verdict_name(r->verdict)));
    if (r->reason != NULL && r->reason[0] != '\0') {
        json_object_set_new(root, "reason", json_string(r->reason));
    }
    json_object_set_new(root, "policy", json_string(policy->version));
    json_object_set_new(root, "modified", json_boolean(r->modified));
    if (r->findings_truncated) {
        json_object_set_new(root, "findings_truncated", json_true());
    }
    json_t *counts = json_object();
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        if (r->counts[t] > 0) {
            json_object_set_new(counts, scan_type_name(t), json_integer(r->counts[t]));
        }
    }
    json_object_set_new(root, "counts", counts);
    json_t *parts = json_array();
    for (size_t i = 0; i < r->n_parts; i++) {
        const struct scan_part_record *p = &r->parts[i];
        json_t *o = json_object();
        json_object_set_new(o, "part", json_string(p->part));
        json_object_set_new(o, "type", json_string(p->type));
        if (p->true_type[0] != '\0') {
            json_object_set_new(o, "detected_type", json_string(p->true_type));
        }
        if (p->charset[0] != '\0') {
            json_object_set_new(o, "charset", json_string(p->charset));
        }
        json_object_set_new(o, "encoding", json_string(mime_cte_name(p->cte)));
        json_object_set_new(o, "size", json_integer((json_int_t)p->raw_len));
        json_object_set_new(o, "decoded_size", json_integer((json_int_t)p->decoded_len));
        json_object_set_new(o, "scanned", json_boolean(p->scanned));
        json_object_set_new(o, "modified", json_boolean(p->modified));
        json_array_append_new(parts, o);
    }
    json_object_set_new(root, "parts", parts);
    json_t *defects = json_array();
    for (size_t i = 0; i < r->n_defects; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "part", json_string(r->defects[i].part));
        json_object_set_new(o, "reason", json_string(r->defects[i].reason));
        json_array_append_new(defects, o);
    }
    json_object_set_new(root, "defects", defects);
    /* One list of steps, split by kind here only: HTML steps under
     * "actions", document and PDF steps under "documents". */
    json_t *actions = json_array();
    json_t *docs = json_array();
    for (size_t i = 0; i < r->n_actions; i++) {
        const struct scan_action_record *a = &r->actions[i];
        json_t *o = json_object();
        json_object_set_new(o, "part", json_string(a->part));
        json_object_set_new(o, "action", json_string(a->action));
        if (a->kind != SCAN_STEP_HTML) {
            json_object_set_new(o, "kind",
                                json_string(a->kind == SCAN_STEP_PDF ? "pdf" : "document"));
            json_object_set_new(o, "location", json_string(a->location));
        }
        json_object_set_new(o, "detail", json_string(a->detail));
        json_array_append_new(a->kind == SCAN_STEP_HTML ? actions : docs, o);
    }
    json_object_set_new(root, "actions", actions);
    if (r->actions_truncated) {
        json_object_set_new(root, "actions_truncated", json_true());
    }
    json_object_set_new(root, "documents", docs);
    size_t flags =
        compact ? JSON_COMPACT | JSON_PRESERVE_ORDER : JSON_INDENT(2) | JSON_PRESERVE_ORDER;
    int rc = json_dumpf(root, f, flags) == 0 ? 0 : RL_EIO;
    if (rc == 0 && !compact && fputc('\n', f) == EOF) {
        rc = RL_EIO;
    }
    json_decref(root);
    return rc;
}
