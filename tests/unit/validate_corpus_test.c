/* SPDX-License-Identifier: Apache-2.0 */
/* Differential test of scan_validate.c against the verdicts of python-stdnum,
 * validator.js, DWP's NINO validator and published test cards, read from
 * $RL_CORPUS (default ../shared/corpus). Single-threaded cmocka runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "scan_validate.h"

/* Cases where our verdict differs from the source's policy on purpose. */
struct allowed {
    const char *id;
    const char *reason;
};

static const struct allowed allow_list[] = {
    {"stdnum-iban-0001", "stdnum.be.iban also checks Belgian account digits; we check ISO 13616"},
    {"stdnum-iban-0003", "stdnum.me.iban also checks Montenegrin account digits; ISO 13616 only"},
    {"stdnum-iban-0005", "stdnum.be.iban also checks Belgian account digits; we check ISO 13616"},
    {"stdnum-iban-0015", "GI BBAN pattern 4!a15!c not checked; country length and mod-97 pass"},
    {"stdnum-iban-0017", "stdnum also runs the Spanish CCC check digits; we check ISO 13616"},
    {"stdnum-iban-0042", "dots are not IBAN group separators for us (only space or dash)"},
    {"stdnum-iban-0061", "dots are not IBAN group separators for us (only space or dash)"},
    {"validatorjs-luhn-0005", "one digit carries no check digit: we require >= 2 digits"},
    {"validatorjs-iban-0004", "IE BBAN letter/digit pattern not checked; length and mod-97 pass"},
    {"validatorjs-email-0022",
     "non-ASCII (RFC 6531) local parts are not detected: ASCII atext only"},
    {"validatorjs-email-0023",
     "non-ASCII (IDN in U-label form) domains not accepted: LDH/xn-- only"},
    {"validatorjs-email-0025", "quoted local parts are not accepted: dot-atom only"},
    {"dwp-uknino-0004", "DWP accepts a blank suffix; HMRC numbers always carry suffix A-D"},
};

#define N_ALLOWED (sizeof(allow_list) / sizeof(allow_list[0]))

enum check {
    CHECK_CREDIT_CARD = 0,
    CHECK_LUHN,
    CHECK_IBAN,
    CHECK_US_SSN,
    CHECK_UK_NINO,
    CHECK_EMAIL,
    CHECK__COUNT,
};

static const char *const check_names[CHECK__COUNT] = {
    "CREDIT_CARD", "LUHN", "IBAN", "US_SSN", "UK_NINO", "EMAIL",
};

typedef bool (*validator_fn)(const uint8_t *s, size_t len);

static const validator_fn validators[CHECK__COUNT] = {
    scan_validate_card, scan_validate_luhn, scan_validate_iban,
    scan_validate_ssn,  scan_validate_nino, scan_validate_email,
};

static const char *const folders[] = {
    "python-stdnum",
    "validatorjs",
    "dwp-nino",
    "payment-test-cards",
};

struct tally {
    size_t agree[CHECK__COUNT];
    size_t allowed[CHECK__COUNT];
    size_t mismatch[CHECK__COUNT];
    bool allow_used[N_ALLOWED];
    size_t unknown_check;
};

static int
find_check(const char *name)
{
    for (int i = 0; i < CHECK__COUNT; i++) {
        if (strcmp(name, check_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

static int
find_allowed(const char *id)
{
    for (size_t i = 0; i < N_ALLOWED; i++) {
        if (strcmp(id, allow_list[i].id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void
check_line(struct tally *t, const char *line)
{
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    assert_non_null(o);
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *check = json_string_value(json_object_get(o, "check"));
    json_t *input = json_object_get(o, "input");
    json_t *valid = json_object_get(o, "valid");
    assert_non_null(id);
    assert_non_null(check);
    assert_true(json_is_string(input));
    assert_true(json_is_boolean(valid));
    int c = find_check(check);
    if (c < 0) {
        t->unknown_check++;
        fprintf(stderr, "%s: unknown check %s\n", id, check);
        json_decref(o);
        return;
    }
    const uint8_t *s = (const uint8_t *)json_string_value(input);
    size_t len = json_string_length(input);
    bool got = validators[c](s, len);
    bool want = json_is_true(valid);
    int a = find_allowed(id);
    if (got == want) {
        t->agree[c]++;
        if (a >= 0) {
            fprintf(stderr, "%s: allow-listed but agrees now; remove it\n", id);
            t->mismatch[c]++;
        }
    } else if (a >= 0) {
        t->allowed[c]++;
        t->allow_used[a] = true;
    } else {
        t->mismatch[c]++;
        fprintf(stderr, "%s %s \"%s\": source says %s, we say %s\n", id, check, (const char *)s,
                want ? "valid" : "invalid", got ? "valid" : "invalid");
    }
    json_decref(o);
}

static void
test_corpus(void **state)
{
    (void)state;
    const char *root = getenv("RL_CORPUS");
    if (root == NULL || root[0] == '\0') {
        root = "../shared/corpus";
    }
    struct tally t;
    memset(&t, 0, sizeof(t));
    size_t n_files = 0;
    for (size_t f = 0; f < sizeof(folders) / sizeof(folders[0]); f++) {
        char path[1024];
        int w = snprintf(path, sizeof(path), "%s/%s/validator_cases.jsonl", root, folders[f]);
        assert_true(w > 0 && (size_t)w < sizeof(path));
        FILE *fp = fopen(path, "r");
        if (fp == NULL) {
            fprintf(stderr, "missing %s\n", path);
            continue;
        }
        n_files++;
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, fp) > 0) {
            if (line[0] == '\n' || line[0] == '\0') {
                continue;
            }
            check_line(&t, line);
        }
        free(line);
        fclose(fp);
    }
    if (n_files == 0) {
        skip(); /* no corpus checked out: nothing to compare against */
    }
    size_t mismatches = 0;
    for (int c = 0; c < CHECK__COUNT; c++) {
        printf("%-12s agree %3zu  allow-listed %2zu  mismatch %zu\n", check_names[c], t.agree[c],
               t.allowed[c], t.mismatch[c]);
        mismatches += t.mismatch[c];
    }
    for (size_t i = 0; i < N_ALLOWED; i++) {
        if (!t.allow_used[i] && n_files == sizeof(folders) / sizeof(folders[0])) {
            fprintf(stderr, "allow-list entry %s matched no case\n", allow_list[i].id);
            mismatches++;
        }
    }
    assert_int_equal(t.unknown_check, 0);
    assert_int_equal(mismatches, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
