/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for redline-controld's inputs from peers and files: the
 * request line (then the edit it names, on a small document, and the
 * difference it made) and, behind a first octet with its low bit set,
 * controld's own JSON settings. Any bytes give an answer or a reason, never
 * a crash or a leak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_conf.h"
#include "ctl_model.h"
#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] =
    "{\"mta_groups\": {\"d\": [\"127.0.0.1:25\"]}, \"routes\": [{\"domain\": \"*\", "
    "\"group\": \"d\"}], \"relay_networks\": [\"127.0.0.0/8\"], \"policy\": {\"version\": \"1\", "
    "\"lexicons\": [{\"name\": \"x\", \"entries\": []}]}}";

static void
request(const char *line, size_t len)
{
    struct ctl_request r;
    struct rl_diag d = {{0}, {0}};
    if (ctl_request_parse(&r, &d, line, len) != 0) {
        if (d.reason[0] == '\0') {
            abort(); /* a refusal always says why */
        }
        return;
    }
    if (r.forward || !ctl_command_known(r.cmd)) {
        if (!r.forward) {
            abort();
        }
        ctl_request_fini(&r);
        return;
    }
    json_t *doc = json_loads(base, 0, NULL);
    json_t *before = json_deep_copy(doc);
    if (ctl_model_is_edit(r.cmd)) {
        if (ctl_model_apply(doc, &d, r.cmd, r.args, before) != 0 && d.reason[0] == '\0') {
            abort();
        }
        json_t *diff = ctl_model_diff(before, doc);
        if (json_equal(before, doc) != (json_array_size(diff) == 0)) {
            abort(); /* the difference is empty exactly when nothing changed */
        }
        json_decref(diff);
    } else {
        json_decref(ctl_model_read(doc, &d, r.cmd, r.args));
    }
    json_decref(before);
    json_decref(doc);
    ctl_request_fini(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    if (data[0] & 1) {
        struct ctl_conf c;
        ctl_conf_defaults(&c);
        struct rl_diag d = {{0}, {0}};
        if (ctl_conf_load_json(&c, &d, (const char *)data + 1, size - 1) != 0 &&
            d.reason[0] == '\0') {
            abort();
        }
        return 0;
    }
    request((const char *)data + 1, size - 1);
    return 0;
}
