/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the control socket's command parser: any bytes give a
 * command or a reason, never a crash; a command's id is always a valid store
 * id, and a parsed command written back reads as itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_ctl.h"
#include "dp_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const verbs[] = {
    [DP_CTL_STATS] = "stats",
    [DP_CTL_Q_LIST] = "quarantine list",
    [DP_CTL_Q_RELEASE] = "quarantine release",
    [DP_CTL_Q_DELETE] = "quarantine delete",
    [DP_CTL_RELOAD] = "reload",
    [DP_CTL_LOG_REOPEN] = "log reopen",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dp_ctl_cmd c, again;
    char why[160];
    why[0] = '\0';
    if (dp_ctl_parse(&c, why, sizeof(why), (const char *)data, size) != 0) {
        if (why[0] == '\0') {
            abort(); /* a refusal always says why */
        }
        return 0;
    }
    bool has_id = c.verb == DP_CTL_Q_RELEASE || c.verb == DP_CTL_Q_DELETE;
    if (has_id != (c.id[0] != '\0') || (has_id && !dp_store_id_ok(c.id))) {
        abort();
    }
    char line[DP_CTL_LINE_MAX];
    int n = snprintf(line, sizeof(line), "%s%s%s\n", verbs[c.verb], has_id ? " " : "", c.id);
    if (n <= 0 || dp_ctl_parse(&again, why, sizeof(why), line, (size_t)n) != 0 ||
        again.verb != c.verb || strcmp(again.id, c.id) != 0) {
        abort();
    }
    return 0;
}
