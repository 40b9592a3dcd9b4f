/* SPDX-License-Identifier: Apache-2.0 */
/* A worker's next hops by stable identity (host:port as configured, and the
 * TLS profile's name): their pools of greeted connections and their health
 * (down after a failure, in clear after opportunistic TLS failed). Keyed by
 * identity, never by an index into a configuration, so a new snapshot may
 * reorder, drop or add MTA groups freely. Belongs to one worker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_conn.h"

#define EMPTY UINT16_MAX

static uint64_t
hash_id(const char *name, const char *profile)
{
    uint64_t h = 14695981039346656037ull;
    for (const char *p = name; *p != '\0'; p++) {
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    }
    h = (h ^ 0xffu) * 1099511628211ull; /* a separator no name holds */
    for (const char *p = profile; *p != '\0'; p++) {
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    }
    return h;
}

static void
index_put(struct dp_hops *t, uint16_t i)
{
    size_t mask = DP_HOP_INDEX - 1;
    for (size_t k = t->e[i].hash & mask;; k = (k + 1) & mask) {
        if (t->index[k] == EMPTY) {
            t->index[k] = i;
            return;
        }
    }
}

int
dp_hops_init(struct dp_hops *t)
{
    t->e = calloc(DP_HOP_MAX, sizeof(*t->e));
    if (t->e == NULL) {
        return RL_ENOMEM;
    }
    memset(t->index, 0xff, sizeof(t->index));
    t->n_used = 0;
    return 0;
}

void
dp_hops_fini(struct dp_hops *t)
{
    free(t->e);
    t->e = NULL;
}

struct dp_hop *
dp_hop_get(struct dp_hops *t, const char *name, const char *profile)
{
    uint64_t h = hash_id(name, profile);
    size_t mask = DP_HOP_INDEX - 1;
    for (size_t k = h & mask; t->index[k] != EMPTY; k = (k + 1) & mask) {
        struct dp_hop *e = &t->e[t->index[k]];
        if (e->hash == h && strcmp(e->name, name) == 0 && strcmp(e->profile, profile) == 0) {
            return e;
        }
    }
    if (t->n_used == DP_HOP_MAX) {
        return NULL; /* dp_hops_sweep makes room on the next timer pass */
    }
    for (uint16_t i = 0; i < DP_HOP_MAX; i++) {
        struct dp_hop *e = &t->e[i];
        if (!e->used) {
            memset(e, 0, sizeof(*e));
            e->used = true;
            e->hash = h;
            snprintf(e->name, sizeof(e->name), "%s", name);
            snprintf(e->profile, sizeof(e->profile), "%s", profile);
            t->n_used++;
            index_put(t, i);
            return e;
        }
    }
    return NULL;
}

void
dp_hops_sweep(struct dp_hops *t, uint64_t now_ms)
{
    /* Half full: forget hops nothing refers to and whose health marks have
     * expired, and rebuild the index (open addressing has no deletion). */
    if (t->n_used < DP_HOP_MAX / 2) {
        return;
    }
    for (uint16_t i = 0; i < DP_HOP_MAX; i++) {
        struct dp_hop *e = &t->e[i];
        if (e->used && e->refs == 0 && e->n_pool == 0 && e->down_until_ms <= now_ms &&
            e->clear_until_ms <= now_ms) {
            e->used = false;
            t->n_used--;
        }
    }
    memset(t->index, 0xff, sizeof(t->index));
    for (uint16_t i = 0; i < DP_HOP_MAX; i++) {
        if (t->e[i].used) {
            index_put(t, i);
        }
    }
}
