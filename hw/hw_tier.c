/* SPDX-License-Identifier: Apache-2.0 */
/* Tier bounds from SPEC.md "Control plane" (licensing). Pure. */
#include "hw_tier.h"

static const double bounds[] = {
    [HW_TIER_NONE] = 0,     [HW_TIER_LOW] = 20000,       [HW_TIER_MEDIUM] = 50000,
    [HW_TIER_HIGH] = 60000, [HW_TIER_VERY_HIGH] = 60000,
};

static const char *const names[] = {
    [HW_TIER_NONE] = "none",           [HW_TIER_LOW] = "Low",
    [HW_TIER_MEDIUM] = "Medium",       [HW_TIER_HIGH] = "High",
    [HW_TIER_VERY_HIGH] = "Very High",
};

const char *
hw_tier_name(enum hw_tier t)
{
    return t <= HW_TIER_VERY_HIGH ? names[t] : "none";
}

double
hw_tier_bound(enum hw_tier t)
{
    return t <= HW_TIER_VERY_HIGH ? bounds[t] : 0;
}

struct hw_tier_fit
hw_tier_fit_for(double msgs_per_hour)
{
    enum hw_tier t = HW_TIER_NONE;
    if (msgs_per_hour > bounds[HW_TIER_VERY_HIGH]) {
        t = HW_TIER_VERY_HIGH; /* "> 60,000 messages per hour" */
    } else if (msgs_per_hour >= bounds[HW_TIER_HIGH]) {
        t = HW_TIER_HIGH;
    } else if (msgs_per_hour >= bounds[HW_TIER_MEDIUM]) {
        t = HW_TIER_MEDIUM;
    } else if (msgs_per_hour >= bounds[HW_TIER_LOW]) {
        t = HW_TIER_LOW;
    }
    double bound = t == HW_TIER_NONE ? bounds[HW_TIER_LOW] : bounds[t];
    struct hw_tier_fit f = {.tier = t, .bound = bound};
    f.headroom = msgs_per_hour / bound;
    f.headroom_msgs = msgs_per_hour - bound;
    return f;
}
