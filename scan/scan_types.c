/* SPDX-License-Identifier: Apache-2.0 */
/* Report names of the finding types (enum scan_type), both directions.
 * Static tables only; callable from any thread. */
#include "scan_types.h"

#include <string.h>

/* Indexed by enum scan_type; the names are the report and configuration spelling. */
static const char *const type_names[SCAN_T__COUNT] = {
    [SCAN_T_CREDIT_CARD] = "CREDIT_CARD",
    [SCAN_T_US_SSN] = "US_SSN",
    [SCAN_T_UK_NINO] = "UK_NINO",
    [SCAN_T_IBAN] = "IBAN",
    [SCAN_T_EMAIL] = "EMAIL",
    [SCAN_T_PHONE] = "PHONE",
    [SCAN_T_LEXICON] = "LEXICON",
};

const char *
scan_type_name(unsigned t)
{
    if (t >= SCAN_T__COUNT) {
        return "UNKNOWN";
    }
    return type_names[t];
}

int
scan_type_from_name(const char *name)
{
    if (name == NULL) {
        return -1;
    }
    for (int t = 0; t < SCAN_T__COUNT; t++) {
        if (strcmp(name, type_names[t]) == 0) {
            return t;
        }
    }
    return -1;
}
