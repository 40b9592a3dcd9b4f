/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for scan_policy.c: the built-in and shipped policies parse, and
 * every refusal returns the right code and names the offending field. Also
 * checks that a lexicon regex Hyperscan rejects fails at engine compile.
 * Single-threaded cmocka runner; run from the source root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rl_error.h"
#include "scan_engine.h"
#include "scan_policy.h"
#include "scan_types.h"

/* Parses `json`, which must be refused with `want_rc`; returns the diagnostic. */
static struct rl_diag
refuse(const char *json, int want_rc)
{
    struct rl_diag d;
    struct scan_policy *p = (struct scan_policy *)1;
    memset(&d, 0, sizeof(d));
    assert_int_equal(scan_policy_parse(&p, &d, json, strlen(json)), want_rc);
    assert_null(p);
    return d;
}

#define ASSERT_REFUSED(json, rc, want_field)                                                       \
    do {                                                                                           \
        struct rl_diag d_ = refuse((json), (rc));                                                  \
        assert_string_equal(d_.field, (want_field));                                               \
        assert_true(d_.reason[0] != '\0');                                                         \
    } while (0)

static void
test_default_parses(void **state)
{
    (void)state;
    struct rl_diag d = {{0}, {0}};
    struct scan_policy *p = NULL;
    const char *json = scan_policy_default_json();
    assert_int_equal(scan_policy_parse(&p, &d, json, strlen(json)), 0);
    assert_non_null(p);
    assert_string_equal(p->version, "builtin-default-9");
    assert_true(p->detectors[SCAN_T_CREDIT_CARD].enabled);
    assert_int_equal(p->detectors[SCAN_T_CREDIT_CARD].action, SCAN_ACT_REDACT);
    assert_int_equal(p->detectors[SCAN_T_CREDIT_CARD].mask.keep_last, 4);
    assert_string_equal(p->keywords[SCAN_T_CREDIT_CARD][0], "card");
    assert_string_equal(p->negative[0], "order");
    assert_int_equal(p->n_lexicons, 0);
    assert_int_equal(p->on_modify_fail, SCAN_FB_TEMPFAIL);
    assert_false(p->keep_original);
    assert_int_equal(p->limits.max_depth, 16);
    assert_true(p->html.scripts && p->html.handlers && p->html.urls && p->html.iframes &&
                p->html.objects && p->html.embeds && p->html.forms);
    scan_policy_free(p);
}

static void
test_html_section(void **state)
{
    (void)state;
    struct rl_diag d;
    struct scan_policy *p = NULL;
    const char *keep =
        "{\"version\": \"v\", \"html\": {\"iframes\": \"keep\", \"forms\": \"keep\"}}";
    assert_int_equal(scan_policy_parse(&p, &d, keep, strlen(keep)), 0);
    assert_false(p->html.iframes);
    assert_false(p->html.forms);
    assert_true(p->html.scripts && p->html.objects && p->html.embeds); /* unnamed: removed */
    scan_policy_free(p);
    /* No section at all: everything removed. */
    const char *none = "{\"version\": \"v\"}";
    assert_int_equal(scan_policy_parse(&p, &d, none, strlen(none)), 0);
    assert_true(p->html.scripts && p->html.iframes && p->html.forms);
    scan_policy_free(p);
    ASSERT_REFUSED("{\"version\": \"v\", \"html\": {\"iframes\": \"maybe\"}}", RL_EINVAL,
                   "html.iframes");
    ASSERT_REFUSED("{\"version\": \"v\", \"html\": {\"scripts\": false}}", RL_EINVAL,
                   "html.scripts");
    ASSERT_REFUSED("{\"version\": \"v\", \"html\": {\"script\": \"keep\"}}", RL_EINVAL,
                   "html.script");
    ASSERT_REFUSED("{\"version\": \"v\", \"html\": [\"scripts\"]}", RL_EINVAL, "html");
}

static void
test_pdf_section(void **state)
{
    (void)state;
    struct rl_diag d = {{0}, {0}};
    struct scan_policy *p = NULL;
    const char *json = scan_policy_default_json();
    assert_int_equal(scan_policy_parse(&p, &d, json, strlen(json)), 0);
    assert_true(p->pdf.enabled && p->pdf.javascript && p->pdf.launch && p->pdf.embedded_files &&
                p->pdf.xfa && p->pdf.metadata);
    assert_int_equal(p->limits.max_pdf_pages, 2000);
    assert_int_equal(p->limits.max_pdf_objects, 500000);
    assert_int_equal(p->limits.max_pdf_memory, 256u << 20);
    assert_int_equal(p->limits.max_pdf_millis, 10000);
    scan_policy_free(p);
    const char *mine = "{\"version\": \"v\", \"pdf\": {\"enabled\": false, \"xfa\": \"keep\"}, "
                       "\"limits\": {\"max_pdf_pages\": 5, \"max_pdf_millis\": 250}}";
    assert_int_equal(scan_policy_parse(&p, &d, mine, strlen(mine)), 0);
    assert_false(p->pdf.enabled || p->pdf.xfa);
    assert_true(p->pdf.javascript && p->pdf.metadata); /* unnamed: removed */
    assert_int_equal(p->limits.max_pdf_pages, 5);
    assert_int_equal(p->limits.max_pdf_millis, 250);
    assert_int_equal(p->limits.max_pdf_objects, 500000);
    scan_policy_free(p);
    ASSERT_REFUSED("{\"version\": \"v\", \"pdf\": {\"javascript\": true}}", RL_EINVAL,
                   "pdf.javascript");
    ASSERT_REFUSED("{\"version\": \"v\", \"pdf\": {\"enabled\": \"yes\"}}", RL_EINVAL,
                   "pdf.enabled");
    ASSERT_REFUSED("{\"version\": \"v\", \"pdf\": {\"java\": \"keep\"}}", RL_EINVAL, "pdf.java");
    ASSERT_REFUSED("{\"version\": \"v\", \"pdf\": 1}", RL_EINVAL, "pdf");
    ASSERT_REFUSED("{\"version\": \"v\", \"limits\": {\"max_pdf_pages\": 0}}", RL_EINVAL,
                   "limits.max_pdf_pages");
    ASSERT_REFUSED("{\"version\": \"v\", \"limits\": {\"max_pdf_memory\": 1024}}", RL_EINVAL,
                   "limits.max_pdf_memory");
}

static void
test_default_documents(void **state)
{
    (void)state;
    struct rl_diag d = {{0}, {0}};
    struct scan_policy *p = NULL;
    const char *json = scan_policy_default_json();
    assert_int_equal(scan_policy_parse(&p, &d, json, strlen(json)), 0);
    const struct scan_doc_policy *dp = &p->documents;
    assert_true(dp->enabled && dp->redact && dp->remove_macros && dp->remove_activex);
    assert_true(dp->remove_external && dp->remove_comments && dp->accept_changes);
    assert_true(dp->remove_metadata);
    assert_false(dp->remove_hyperlinks || dp->remove_embedded || dp->remove_hidden);
    assert_int_equal(dp->on_unreadable, SCAN_FB_QUARANTINE);
    assert_int_equal(dp->hold_unredactable, SCAN_MASK(SCAN_T_CREDIT_CARD) |
                                                SCAN_MASK(SCAN_T_US_SSN) |
                                                SCAN_MASK(SCAN_T_UK_NINO) | SCAN_MASK(SCAN_T_IBAN) |
                                                SCAN_MASK(SCAN_T_LEXICON));
    assert_int_equal(p->limits.max_archive_depth, 4);
    assert_int_equal(p->limits.max_compression_ratio, 100);
    scan_policy_free(p);
    /* A policy without the section gets the same, and keys override. */
    const char *mine = "{\"version\": \"d\", \"documents\": {\"remove_hidden\": true, "
                       "\"on_unreadable\": \"deliver_tagged\"}, \"limits\": "
                       "{\"max_archive_bytes\": 1048576}}";
    assert_int_equal(scan_policy_parse(&p, &d, mine, strlen(mine)), 0);
    assert_true(p->documents.remove_hidden && p->documents.remove_macros);
    assert_int_equal(p->documents.on_unreadable, SCAN_FB_DELIVER_TAGGED);
    assert_int_equal(p->documents.hold_unredactable & SCAN_MASK(SCAN_T_EMAIL), 0);
    assert_int_equal(p->limits.max_archive_bytes, 1048576);
    assert_int_equal(p->limits.max_archive_entries, 10000);
    scan_policy_free(p);
}

static void
test_documents_refused(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"1\", \"documents\": {\"remove_macro\": true}}", RL_EINVAL,
                   "documents.remove_macro");
    ASSERT_REFUSED("{\"version\": \"1\", \"documents\": {\"remove_macros\": \"yes\"}}", RL_EINVAL,
                   "documents.remove_macros");
    ASSERT_REFUSED("{\"version\": \"1\", \"documents\": {\"on_unreadable\": \"drop\"}}", RL_EINVAL,
                   "documents.on_unreadable");
    ASSERT_REFUSED("{\"version\": \"1\", \"documents\": []}", RL_EINVAL, "documents");
    ASSERT_REFUSED("{\"version\": \"1\", \"documents\": {\"hold_unredactable\": [\"SSN\"]}}",
                   RL_EINVAL, "documents.hold_unredactable");
    ASSERT_REFUSED("{\"version\": \"1\", \"documents\": {\"hold_unredactable\": \"IBAN\"}}",
                   RL_EINVAL, "documents.hold_unredactable");
    ASSERT_REFUSED("{\"version\": \"1\", \"limits\": {\"max_compression_ratio\": 1}}", RL_EINVAL,
                   "limits.max_compression_ratio");
    ASSERT_REFUSED("{\"version\": \"1\", \"limits\": {\"max_archive_depth\": 0}}", RL_EINVAL,
                   "limits.max_archive_depth");
    ASSERT_REFUSED("{\"version\": \"1\", \"limits\": {\"max_archive_bytes\": -5}}", RL_EINVAL,
                   "limits.max_archive_bytes");
}

static void
test_strict_finance_parses(void **state)
{
    (void)state;
    struct rl_diag d = {{0}, {0}};
    struct scan_policy *p = NULL;
    assert_int_equal(scan_policy_load(&p, &d, "docs/policies/strict-finance.json"), 0);
    assert_non_null(p);
    assert_string_equal(p->version, "strict-finance-3");
    assert_int_equal(p->detectors[SCAN_T_US_SSN].action, SCAN_ACT_BLOCK);
    assert_int_equal(p->detectors[SCAN_T_US_SSN].threshold, 3);
    assert_false(p->detectors[SCAN_T_EMAIL].enabled);
    assert_int_equal(p->detectors[SCAN_T_PHONE].min_confidence, 80);
    assert_int_equal(p->detectors[SCAN_T_IBAN].mask.ch, '#');
    assert_int_equal(p->n_lexicons, 2);
    assert_string_equal(p->lexicons[0].name, "project-codenames");
    assert_int_equal(p->lexicons[0].action, SCAN_ACT_QUARANTINE);
    assert_int_equal(p->n_entries, 4);
    assert_int_equal(p->entries[2].kind, SCAN_LEX_REGEX);
    assert_int_equal(p->entries[3].lexicon, 1);
    assert_int_equal(p->on_modify_fail, SCAN_FB_QUARANTINE);
    assert_true(p->keep_original);
    assert_int_equal(p->limits.max_depth, 8);

    struct scan_engine *e = NULL;
    assert_int_equal(scan_engine_compile(&e, &d, p), 0);
    assert_non_null(e);
    scan_engine_free(e);
    scan_policy_free(p);
}

static void
test_load_missing_file(void **state)
{
    (void)state;
    struct rl_diag d = {{0}, {0}};
    struct scan_policy *p = (struct scan_policy *)1;
    assert_int_equal(scan_policy_load(&p, &d, "docs/policies/no-such-policy.json"), RL_EIO);
    assert_null(p);
    assert_string_equal(d.field, "docs/policies/no-such-policy.json");
}

static void
test_unknown_top_level_key(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"colour\": 1}", RL_EINVAL, "colour");
}

static void
test_version_missing(void **state)
{
    (void)state;
    ASSERT_REFUSED("{}", RL_EINVAL, "version");
    ASSERT_REFUSED("{\"version\": \"\"}", RL_EINVAL, "version");
    ASSERT_REFUSED("{\"version\": 3}", RL_EINVAL, "version");
}

static void
test_not_an_object(void **state)
{
    (void)state;
    ASSERT_REFUSED("[]", RL_EINVAL, "");
}

static void
test_unknown_detector(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"PASSPORT\": {}}}", RL_EINVAL,
                   "detectors.PASSPORT");
    /* LEXICON is a finding type but not a configurable detector. */
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"LEXICON\": {}}}", RL_EINVAL,
                   "detectors.LEXICON");
}

static void
test_unknown_detector_key(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"EMAIL\": {\"colour\": 1}}}", RL_EINVAL,
                   "detectors.EMAIL.colour");
}

static void
test_non_object_detectors(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": [\"EMAIL\"]}", RL_EINVAL, "detectors");
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"EMAIL\": true}}", RL_EINVAL,
                   "detectors.EMAIL");
}

static void
test_bad_action(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"EMAIL\": {\"action\": \"delete\"}}}",
                   RL_EINVAL, "detectors.EMAIL.action");
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"EMAIL\": {\"action\": 1}}}", RL_EINVAL,
                   "detectors.EMAIL.action");
}

static void
test_bad_enabled(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"PHONE\": {\"enabled\": \"yes\"}}}",
                   RL_EINVAL, "detectors.PHONE.enabled");
}

static void
test_keep_last_too_large(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"CREDIT_CARD\": {\"keep_last\": 99}}}",
                   RL_EINVAL, "detectors.CREDIT_CARD.keep_last");
    ASSERT_REFUSED("{\"version\": \"t\", \"mask\": {\"keep_last\": -1}}", RL_EINVAL,
                   "mask.keep_last");
}

static void
test_mask_char_two_chars(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"mask\": {\"char\": \"**\"}}", RL_EINVAL, "mask.char");
    ASSERT_REFUSED("{\"version\": \"t\", \"mask\": {\"char\": \" \"}}", RL_EINVAL, "mask.char");
    /* The per-detector key is "mask_char"; only the detector part of the field is pinned. */
    struct rl_diag d = refuse(
        "{\"version\": \"t\", \"detectors\": {\"IBAN\": {\"mask_char\": \"ab\"}}}", RL_EINVAL);
    assert_int_equal(strncmp(d.field, "detectors.IBAN.", strlen("detectors.IBAN.")), 0);
}

static void
test_threshold_zero(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"US_SSN\": {\"threshold\": 0}}}",
                   RL_EINVAL, "detectors.US_SSN.threshold");
}

static void
test_min_confidence_out_of_range(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"PHONE\": {\"min_confidence\": 101}}}",
                   RL_EINVAL, "detectors.PHONE.min_confidence");
}

static struct scan_policy *
parse_ok(const char *json)
{
    struct rl_diag d = {{0}, {0}};
    struct scan_policy *p = NULL;
    assert_int_equal(scan_policy_parse(&p, &d, json, strlen(json)), 0);
    assert_non_null(p);
    return p;
}

static void
test_levels_and_actions(void **state)
{
    (void)state;
    assert_int_equal(scan_level_of(0), SCAN_LEVEL_LOW);
    assert_int_equal(scan_level_of(49), SCAN_LEVEL_LOW);
    assert_int_equal(scan_level_of(50), SCAN_LEVEL_MEDIUM);
    assert_int_equal(scan_level_of(79), SCAN_LEVEL_MEDIUM);
    assert_int_equal(scan_level_of(80), SCAN_LEVEL_HIGH);
    assert_string_equal(scan_level_name(SCAN_LEVEL_HIGH), "high");
    assert_string_equal(scan_level_name((enum scan_level)7), "unknown");
    struct scan_policy *p =
        parse_ok("{\"version\": \"t\", \"detectors\": {\"CREDIT_CARD\": {\"action\": \"redact\", "
                 "\"min_confidence\": \"low\", \"actions\": {\"high\": \"quarantine\", "
                 "\"low\": \"allow\"}}, \"PHONE\": {\"min_confidence\": \"high\"}}}");
    const struct scan_detector_policy *cc = &p->detectors[SCAN_T_CREDIT_CARD];
    assert_int_equal(cc->min_confidence, 0);
    assert_int_equal(cc->by_level[SCAN_LEVEL_LOW], SCAN_ACT_ALLOW);
    assert_int_equal(cc->by_level[SCAN_LEVEL_MEDIUM], SCAN_ACT_REDACT);
    assert_int_equal(cc->by_level[SCAN_LEVEL_HIGH], SCAN_ACT_QUARANTINE);
    assert_int_equal(p->detectors[SCAN_T_PHONE].min_confidence, SCAN_CONF_HIGH);
    assert_int_equal(p->detectors[SCAN_T_PHONE].by_level[SCAN_LEVEL_HIGH], SCAN_ACT_REDACT);
    scan_policy_free(p);
    /* "action" after "actions" in the text still leaves the named levels. */
    p = parse_ok("{\"version\": \"t\", \"detectors\": {\"IBAN\": {\"actions\": {\"high\": "
                 "\"block\"}, \"action\": \"tag\"}}}");
    assert_int_equal(p->detectors[SCAN_T_IBAN].by_level[SCAN_LEVEL_HIGH], SCAN_ACT_BLOCK);
    assert_int_equal(p->detectors[SCAN_T_IBAN].by_level[SCAN_LEVEL_LOW], SCAN_ACT_TAG);
    scan_policy_free(p);
}

static void
test_levels_refused(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"PHONE\": {\"min_confidence\": \"hi\"}}}",
                   RL_EINVAL, "detectors.PHONE.min_confidence");
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"PHONE\": {\"actions\": []}}}", RL_EINVAL,
                   "detectors.PHONE.actions");
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"PHONE\": {\"actions\": {\"top\": "
                   "\"block\"}}}}",
                   RL_EINVAL, "detectors.PHONE.actions.top");
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"PHONE\": {\"actions\": {\"high\": "
                   "\"shred\"}}}}",
                   RL_EINVAL, "detectors.PHONE.actions.high");
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"PHONE\": {\"keywords\": [\"*\"]}}}",
                   RL_EINVAL, "detectors.PHONE.keywords");
    ASSERT_REFUSED("{\"version\": \"t\", \"detectors\": {\"PHONE\": {\"keywords\": [\"te*l\"]}}}",
                   RL_EINVAL, "detectors.PHONE.keywords");
}

static void
test_duplicate_key(void **state)
{
    (void)state;
    /* jansson points at the last byte of the repeated key. */
    struct rl_diag d = refuse("{\"version\": \"a\", \"version\": \"b\"}", RL_ESYNTAX);
    assert_string_equal(d.field, "line 1 column 26");
    assert_non_null(strstr(d.reason, "duplicate"));
}

static void
test_malformed_json_position(void **state)
{
    (void)state;
    struct rl_diag d = refuse("{\"version\": \"t\",\n  \"mask\": }", RL_ESYNTAX);
    assert_string_equal(d.field, "line 2 column 11");
    d = refuse("", RL_ESYNTAX);
    assert_int_equal(strncmp(d.field, "line ", 5), 0);
}

static void
test_lexicon_without_entries(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"lexicons\": [{\"name\": \"x\"}]}", RL_EINVAL,
                   "lexicons[0].entries");
    ASSERT_REFUSED("{\"version\": \"t\", \"lexicons\": [{\"name\": \"x\", \"entries\": []}]}",
                   RL_EINVAL, "lexicons[0].entries");
}

static void
test_lexicon_without_name(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"lexicons\": [{\"entries\": [{\"word\": \"a\"}]}]}",
                   RL_EINVAL, "lexicons[0].name");
}

static void
test_lexicon_entry_word_and_regex(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"lexicons\": [{\"name\": \"x\", \"entries\": "
                   "[{\"word\": \"a\"}, {\"word\": \"b\", \"regex\": \"b+\"}]}]}",
                   RL_EINVAL, "lexicons[0].entries[1]");
    ASSERT_REFUSED("{\"version\": \"t\", \"lexicons\": [{\"name\": \"x\", \"entries\": "
                   "[{\"weight\": 2}]}]}",
                   RL_EINVAL, "lexicons[0].entries[0]");
}

static void
test_lexicon_entry_bad_weight(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"lexicons\": [{\"name\": \"x\", \"entries\": "
                   "[{\"word\": \"a\", \"weight\": -1}]}]}",
                   RL_EINVAL, "lexicons[0].entries[0].weight");
}

static void
test_max_depth_too_large(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"limits\": {\"max_depth\": 99}}", RL_EINVAL,
                   "limits.max_depth");
    ASSERT_REFUSED("{\"version\": \"t\", \"limits\": {\"max_stack\": 1}}", RL_EINVAL,
                   "limits.max_stack");
}

static void
test_negative_context_not_array(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"negative_context\": \"order\"}", RL_EINVAL,
                   "negative_context");
    ASSERT_REFUSED("{\"version\": \"t\", \"negative_context\": [\"order\", \"\"]}", RL_EINVAL,
                   "negative_context");
}

static void
test_bad_fallback_and_window(void **state)
{
    (void)state;
    ASSERT_REFUSED("{\"version\": \"t\", \"on_parse_error\": \"drop\"}", RL_EINVAL,
                   "on_parse_error");
    ASSERT_REFUSED("{\"version\": \"t\", \"context_window\": 513}", RL_EINVAL, "context_window");
    ASSERT_REFUSED("{\"version\": \"t\", \"keep_original\": \"yes\"}", RL_EINVAL, "keep_original");
}

static void
test_null_diag_is_allowed(void **state)
{
    (void)state;
    struct scan_policy *p = (struct scan_policy *)1;
    assert_int_equal(scan_policy_parse(&p, NULL, "{}", 2), RL_EINVAL);
    assert_null(p);
    assert_int_equal(scan_policy_parse(&p, NULL, "{", 1), RL_ESYNTAX);
    assert_null(p);
}

/* A regex the parser cannot judge is refused by Hyperscan at compile time,
 * and the diagnostic names the lexicon that holds it. */
static void
test_bad_lexicon_regex_fails_compile(void **state)
{
    (void)state;
    static const char json[] = "{\"version\": \"t\", \"lexicons\": ["
                               "{\"name\": \"good\", \"entries\": [{\"regex\": \"ok-[0-9]+\"}]},"
                               "{\"name\": \"bad\", \"entries\": [{\"regex\": \"prj-(\"}]}]}";
    struct rl_diag d = {{0}, {0}};
    struct scan_policy *p = NULL;
    assert_int_equal(scan_policy_parse(&p, &d, json, strlen(json)), 0);
    assert_non_null(p);
    struct scan_engine *e = (struct scan_engine *)1;
    assert_int_equal(scan_engine_compile(&e, &d, p), RL_ESCAN);
    assert_null(e);
    assert_int_equal(strncmp(d.field, "lexicons[1].entries", strlen("lexicons[1].entries")), 0);
    assert_true(d.reason[0] != '\0');
    scan_policy_free(p);
}

static void
test_free_null(void **state)
{
    (void)state;
    scan_policy_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_parses),
        cmocka_unit_test(test_html_section),
        cmocka_unit_test(test_pdf_section),
        cmocka_unit_test(test_default_documents),
        cmocka_unit_test(test_documents_refused),
        cmocka_unit_test(test_strict_finance_parses),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_unknown_top_level_key),
        cmocka_unit_test(test_version_missing),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_unknown_detector),
        cmocka_unit_test(test_unknown_detector_key),
        cmocka_unit_test(test_non_object_detectors),
        cmocka_unit_test(test_bad_action),
        cmocka_unit_test(test_bad_enabled),
        cmocka_unit_test(test_keep_last_too_large),
        cmocka_unit_test(test_mask_char_two_chars),
        cmocka_unit_test(test_threshold_zero),
        cmocka_unit_test(test_min_confidence_out_of_range),
        cmocka_unit_test(test_levels_and_actions),
        cmocka_unit_test(test_levels_refused),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_malformed_json_position),
        cmocka_unit_test(test_lexicon_without_entries),
        cmocka_unit_test(test_lexicon_without_name),
        cmocka_unit_test(test_lexicon_entry_word_and_regex),
        cmocka_unit_test(test_lexicon_entry_bad_weight),
        cmocka_unit_test(test_max_depth_too_large),
        cmocka_unit_test(test_negative_context_not_array),
        cmocka_unit_test(test_bad_fallback_and_window),
        cmocka_unit_test(test_null_diag_is_allowed),
        cmocka_unit_test(test_bad_lexicon_regex_fails_compile),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
