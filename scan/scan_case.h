/* SPDX-License-Identifier: Apache-2.0 */
/* Case forms of policy keywords. Hyperscan's caseless matching folds ASCII
 * letters only, so a keyword in another alphabet ("телефон", "τηλ") is
 * matched in each of the forms mail writes it in. Policy load time only;
 * any thread. */
#ifndef SCAN_CASE_H
#define SCAN_CASE_H

#include <stddef.h>

/* The forms of the UTF-8 word `s`: lower case, then, when they differ,
 * title case ("Телефон") and upper case ("ТЕЛЕФОН"). Fills out[0..n) with
 * strings the caller frees and stores n (1..3) in *out_n. ASCII is lowered
 * only: ASCII keywords match caselessly anyway. Returns 0, RL_ENOMEM, or
 * RL_EINVAL when `s` is not valid UTF-8. */
int scan_case_forms(char *out[3], size_t *out_n, const char *s);

#endif
