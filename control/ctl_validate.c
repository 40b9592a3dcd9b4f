/* SPDX-License-Identifier: Apache-2.0 */
/* Validation of a whole configuration document: the dataplane's parser and
 * check for the routing part, TLS contexts built (and freed) for every
 * profile, the policy parsed and compiled with Hyperscan. */
#include "ctl_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_model.h"
#include "dp_config.h"
#include "scan_engine.h"
#include "scan_policy.h"
#include "tls_client.h"
#include "tls_server.h"

/* prefixed rewrites diag->field as "prefix.field". */
static void
prefixed(struct rl_diag *diag, const char *prefix, const char *name)
{
    char f[256];
    snprintf(f, sizeof(f), "%s%s%s%s%s", prefix, name[0] ? "." : "", name,
             diag->field[0] ? "." : "", diag->field);
    /* Cut to the diagnostic's field, as everything else that fills one. */
    size_t n = strnlen(f, sizeof(diag->field) - 1);
    memcpy(diag->field, f, n);
    diag->field[n] = '\0';
}

/* profiles builds a context for every profile, so that a certificate, key
 * or CA file that cannot be read, or a cipher list OpenSSL refuses, is
 * refused now rather than when redlined applies the version. */
static int
profiles(struct rl_diag *diag, const struct tls_profiles *set)
{
    static const uint8_t secret[TLS_TICKET_SECRET_LEN];
    for (uint32_t i = 0; i < set->n; i++) {
        const struct tls_profile *p = &set->p[i];
        int rc;
        if (p->role == TLS_ROLE_SERVER) {
            struct tls_server *srv = NULL;
            rc = tls_server_new(&srv, diag, p, secret, 0);
            tls_server_free(srv);
        } else {
            struct tls_client *cli = NULL;
            rc = tls_client_new(&cli, diag, p);
            tls_client_free(cli);
        }
        if (rc != 0) {
            if (strncmp(diag->field, "tls_profiles.", 13) != 0) {
                prefixed(diag, "tls_profiles", p->name);
            }
            return rc;
        }
    }
    return 0;
}

static int
routing(struct rl_diag *diag, json_t *doc)
{
    json_t *part = json_object();
    if (part == NULL) {
        return RL_ENOMEM;
    }
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (strcmp(k, CTL_DOC_POLICY) != 0 && strcmp(k, CTL_DOC_LICENSE) != 0) {
            json_object_set(part, k, v);
        }
    }
    char *text = json_dumps(part, JSON_COMPACT);
    json_decref(part);
    struct dp_config *cfg = malloc(sizeof(*cfg));
    if (text == NULL || cfg == NULL) {
        free(text);
        free(cfg);
        return RL_ENOMEM;
    }
    dp_config_defaults(cfg);
    int rc = dp_config_load_json(cfg, diag, text, strlen(text));
    free(text);
    if (rc == 0) {
        /* The listener is the dataplane's own start-up setting, not part of
         * this document: stand one in so the rest is checked. */
        cfg->boot.n_listen = 1;
        (void)io_addr_parse(&cfg->boot.listen[0], "127.0.0.1:25", 12);
        rc = dp_config_check(cfg, diag);
    }
    if (rc == 0) {
        rc = profiles(diag, &cfg->rt.tls_profiles);
    }
    free(cfg);
    return rc;
}

static int
policy(struct rl_diag *diag, json_t *p)
{
    if (!json_is_object(p)) {
        return rl_diag_set(diag, CTL_DOC_POLICY, "must be an object (docs/POLICY.md)");
    }
    char *text = json_dumps(p, JSON_COMPACT);
    if (text == NULL) {
        return RL_ENOMEM;
    }
    struct scan_policy *pol = NULL;
    struct scan_engine *eng = NULL;
    int rc = scan_policy_parse(&pol, diag, text, strlen(text));
    free(text);
    if (rc == 0) {
        /* Compiling is the only way to know every lexicon regex is one
         * Hyperscan accepts. */
        rc = scan_engine_compile(&eng, diag, pol);
    }
    scan_engine_free(eng);
    scan_policy_free(pol);
    if (rc != 0) {
        prefixed(diag, CTL_DOC_POLICY, "");
    }
    return rc;
}

int
ctl_validate(struct rl_diag *diag, json_t *doc)
{
    if (!json_is_object(doc)) {
        return rl_diag_set(diag, "", "the configuration must be a JSON object");
    }
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (!ctl_model_is_doc_key(k)) {
            return rl_diag_set(diag, k,
                               "unknown key (expected mta_groups, routes, tls_profiles, "
                               "relay_networks, limits, relay, policy or license)");
        }
    }
    json_t *lic = json_object_get(doc, CTL_DOC_LICENSE);
    if (lic != NULL && !json_is_string(lic)) {
        return rl_diag_set(diag, CTL_DOC_LICENSE, "must be the licence file's text");
    }
    int rc = routing(diag, doc);
    if (rc == 0 && json_object_get(doc, CTL_DOC_POLICY) != NULL) {
        rc = policy(diag, json_object_get(doc, CTL_DOC_POLICY));
    }
    return rc;
}
