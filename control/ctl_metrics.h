/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus metrics: redlined's counters (its `stats` answer), the
 * configuration version and the licence, written in the text exposition
 * format 0.0.4 (counters end in _total; a histogram has _bucket, _sum,
 * _count). Pure: JSON in, text out; any thread. */
#ifndef CTL_METRICS_H
#define CTL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_license.h"

/* What controld knows besides the dataplane's counters. */
struct ctl_metrics_input {
    json_t *stats;      /* redlined's stats answer; NULL: unreachable */
    uint64_t committed; /* the newest committed configuration version */
    const struct ctl_license_status *license;
};

/* ctl_metrics_render returns the exposition text (malloc'd, NUL-terminated,
 * length in *out_len), or NULL when out of memory. */
char *ctl_metrics_render(size_t *out_len, const struct ctl_metrics_input *in);

#endif
