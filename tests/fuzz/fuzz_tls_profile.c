/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the TLS profile parser (tls_profile.c): any bytes give
 * profiles or a diagnostic naming a field, never a crash; what is accepted
 * keeps the parser's promises (names valid and lower case, counts in bounds,
 * role-specific requirements). */
#include <stdlib.h>
#include <string.h>

#include "tls_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tls_profiles set;

static void
check(const struct tls_profile *p)
{
    if (p->name[0] == '\0' || p->n_names > TLS_MAX_NAMES || p->n_pins > TLS_MAX_PINS ||
        (p->max_version != 0 && p->max_version < p->min_version)) {
        abort();
    }
    for (uint32_t i = 0; i < p->n_names; i++) {
        for (const char *c = p->names[i]; *c != '\0'; c++) {
            if ((*c >= 'A' && *c <= 'Z') || *c == '*' || *c <= ' ') {
                abort();
            }
        }
    }
    if (p->role == TLS_ROLE_SERVER && (p->cert_file[0] == '\0' || p->key_file[0] == '\0')) {
        abort();
    }
    if (p->role == TLS_ROLE_CLIENT && p->verify == TLS_VERIFY_PIN && p->n_pins == 0) {
        abort();
    }
    if (tls_version_name(p->min_version)[0] == '\0') {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rl_diag d;
    memset(&d, 0, sizeof(d));
    int rc = tls_profiles_load_json(&set, &d, (const char *)data, size);
    if (rc != 0) {
        if (d.reason[0] == '\0' || (rc != RL_EINVAL && rc != RL_ESYNTAX)) {
            abort(); /* every refusal says why */
        }
        return 0;
    }
    if (set.n > TLS_MAX_PROFILES) {
        abort();
    }
    for (uint32_t i = 0; i < set.n; i++) {
        check(&set.p[i]);
        if (tls_profiles_find(&set, set.p[i].name) == NULL) {
            abort();
        }
    }
    return 0;
}
