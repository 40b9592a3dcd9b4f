/* SPDX-License-Identifier: Apache-2.0 */
/* What redline-hw prints: the topology, the plan and the calibration, as
 * text for people and as JSON (jansson) for scripts. The redline-hw
 * program's own output module; main thread. */
#ifndef HW_REPORT_H
#define HW_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "hw_calib.h"
#include "hw_plan.h"
#include "hw_topo.h"

/* hw_report_show_json returns a new JSON object describing `t` (docs in
 * hw/README.md); NULL when out of memory. */
json_t *hw_report_show_json(const struct hw_topo *t);

/* hw_report_plan_json returns a new JSON object for plan `p` of `t`, with
 * the configuration fragment under "fragment"; NULL when out of memory. */
json_t *hw_report_plan_json(const struct hw_topo *t, const struct hw_plan *p);

/* hw_report_calib_json returns a new JSON object for calibration `r` of
 * plan `p` run with `o`; NULL when out of memory. */
json_t *hw_report_calib_json(const struct hw_topo *t, const struct hw_plan *p,
                             const struct hw_calib_opts *o, const struct hw_calib_result *r);

/* hw_report_show_text, hw_report_plan_text and hw_report_calib_text write
 * the same for people to `f`. */
void hw_report_show_text(FILE *f, const struct hw_topo *t);
void hw_report_plan_text(FILE *f, const struct hw_topo *t, const struct hw_plan *p);
void hw_report_calib_text(FILE *f, const struct hw_plan *p, const struct hw_calib_result *r);

#endif
