/* SPDX-License-Identifier: Apache-2.0 */
/* The licence tiers of SPEC.md (Low < 20k/h, Medium < 50k/h, High < 60k/h,
 * Very High unlimited) and the one a measured capacity can carry. Pure. */
#ifndef HW_TIER_H
#define HW_TIER_H

enum hw_tier {
    HW_TIER_NONE = 0, /* below what Low allows: the machine cannot carry a Low licence */
    HW_TIER_LOW,
    HW_TIER_MEDIUM,
    HW_TIER_HIGH,
    HW_TIER_VERY_HIGH,
};

struct hw_tier_fit {
    enum hw_tier tier;
    double bound;         /* msgs/hour the tier must carry: its upper bound (Very High: 60,000) */
    double headroom;      /* capacity / bound */
    double headroom_msgs; /* capacity - bound, msgs/hour */
};

/* hw_tier_fit_for returns the highest tier whose whole volume a machine
 * carrying `msgs_per_hour` can take: Low, Medium and High up to their
 * bounds, Very High above 60,000/h; HW_TIER_NONE below 20,000/h (bound and
 * headroom then against Low's). */
struct hw_tier_fit hw_tier_fit_for(double msgs_per_hour);

/* hw_tier_name returns "Low", "Medium", "High", "Very High" or "none". */
const char *hw_tier_name(enum hw_tier t);

/* hw_tier_bound returns the tier's bound in msgs/hour (Very High: 60,000,
 * where it starts; none: 0). */
double hw_tier_bound(enum hw_tier t);

#endif
