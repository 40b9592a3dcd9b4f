/* SPDX-License-Identifier: Apache-2.0 */
/* Builds and runs the raw Hyperscan baseline: the pattern set a first DLP
 * attempt would write (one regex per format, keywords as whole words), to
 * show what the engine's own design is measured against. Owns one database
 * and one scratch; single thread. */
#include "bench_hs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

struct detector_re {
    unsigned type; /* enum scan_type */
    unsigned flags;
    const char *re;
};

/* One expression per format, separators included, as platform.md describes. */
static const struct detector_re detector_res[] = {
    /* payment cards: Visa 16/13/19, Mastercard, Amex, Diners, Discover, JCB, Maestro,
     * UnionPay, and any bare 16 digits */
    {SCAN_T_CREDIT_CARD, 0, "\\b4\\d{3}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b"},
    {SCAN_T_CREDIT_CARD, 0, "\\b4\\d{12}\\b"},
    {SCAN_T_CREDIT_CARD, 0, "\\b4\\d{3}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{3}\\b"},
    {SCAN_T_CREDIT_CARD, 0, "\\b5[1-5]\\d{2}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b"},
    {SCAN_T_CREDIT_CARD, 0,
     "\\b2(?:2[2-9]\\d|[3-6]\\d\\d|7[01]\\d|720)[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b"},
    {SCAN_T_CREDIT_CARD, 0, "\\b3[47]\\d{2}[ -]?\\d{6}[ -]?\\d{5}\\b"},
    {SCAN_T_CREDIT_CARD, 0, "\\b3(?:0[0-5]|[689]\\d)\\d[ -]?\\d{6}[ -]?\\d{4}\\b"},
    {SCAN_T_CREDIT_CARD, 0, "\\b6(?:011|5\\d\\d|4[4-9]\\d)[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b"},
    {SCAN_T_CREDIT_CARD, 0, "\\b35(?:2[89]|[3-8]\\d)[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b"},
    {SCAN_T_CREDIT_CARD, 0,
     "\\b(?:5018|5020|5038|5893|6304|6759|676[1-3])[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{1,7}\\b"},
    {SCAN_T_CREDIT_CARD, 0, "\\b62\\d{2}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}(?:\\d{3})?\\b"},
    {SCAN_T_CREDIT_CARD, 0, "\\b\\d{16}\\b"},
    /* US SSN: dashed, spaced, bare */
    {SCAN_T_US_SSN, 0, "\\b[0-8]\\d{2}-\\d{2}-\\d{4}\\b"},
    {SCAN_T_US_SSN, 0, "\\b[0-8]\\d{2} \\d{2} \\d{4}\\b"},
    {SCAN_T_US_SSN, 0, "\\b[0-8]\\d{8}\\b"},
    /* UK NINO */
    {SCAN_T_UK_NINO, HS_FLAG_CASELESS,
     "\\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]\\b"},
    /* IBAN, compact or in groups of four */
    {SCAN_T_IBAN, 0, "\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\\b"},
    /* e-mail */
    {SCAN_T_EMAIL, 0, "\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}\\b"},
    /* phones: North American, international, UK national and mobile */
    {SCAN_T_PHONE, 0, "\\(?\\b[2-9]\\d{2}\\)?[ .-]?\\d{3}[ .-]\\d{4}\\b"},
    {SCAN_T_PHONE, 0, "\\+\\d{1,3}[ .-]?\\(?\\d{1,4}\\)?(?:[ .-]?\\d{2,4}){2,4}\\b"},
    {SCAN_T_PHONE, 0, "\\b0\\d{2,4} ?\\d{3,4} ?\\d{3,4}\\b"},
    {SCAN_T_PHONE, 0, "\\b07\\d{3} ?\\d{6}\\b"},
};

#define N_DETECTOR_RES (sizeof(detector_res) / sizeof(detector_res[0]))

/* The context words of a first DLP attempt (the first built-in policy's
 * English lists), fixed here so that the baseline stays the same set of
 * about 60 expressions whatever the engine's policy grows into. */
static const char *const baseline_words[] = {
    "card",       "credit",    "debit",     "visa",
    "mastercard", "amex",      "cc",        "pan",
    "expiry",     "cvv",       "ssn",       "social security",
    "ss#",        "taxpayer",  "tin",       "national insurance",
    "nino",       "ni number", "nin",       "iban",
    "account",    "bank",      "transfer",  "swift",
    "phone",      "tel",       "telephone", "mobile",
    "cell",       "call",      "fax",       "whatsapp",
    "order",      "invoice",   "tracking",  "ref",
    "reference",  "serial",    "isbn",      "ticket",
    "case",       NULL};

struct bench_hs {
    hs_database_t *db;
    hs_scratch_t *scratch;
    unsigned n_patterns;
};

struct pattern_set {
    char **exprs; /* owned strings */
    unsigned *flags;
    unsigned *ids;
    unsigned n;
    unsigned cap;
};

static int
set_add(struct pattern_set *s, char *expr, unsigned flags)
{
    if (expr == NULL) {
        return RL_ENOMEM;
    }
    if (s->n == s->cap) {
        unsigned cap = s->cap ? s->cap * 2 : 64;
        char **e = realloc(s->exprs, cap * sizeof(*e));
        if (e != NULL) {
            s->exprs = e;
        }
        unsigned *f = realloc(s->flags, cap * sizeof(*f));
        if (f != NULL) {
            s->flags = f;
        }
        unsigned *i = realloc(s->ids, cap * sizeof(*i));
        if (i != NULL) {
            s->ids = i;
        }
        if (e == NULL || f == NULL || i == NULL) {
            free(expr);
            return RL_ENOMEM;
        }
        s->cap = cap;
    }
    s->exprs[s->n] = expr;
    s->flags[s->n] = flags;
    s->ids[s->n] = s->n;
    s->n++;
    return 0;
}

static void
set_free(struct pattern_set *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        free(s->exprs[i]);
    }
    free(s->exprs);
    free(s->flags);
    free(s->ids);
    *s = (struct pattern_set){0};
}

/* whole_word returns a malloc'd "\b(?:...)\b" around `text`, escaped as a
 * literal unless `is_regex`. */
static char *
whole_word(const char *text, bool is_regex)
{
    size_t len = strlen(text);
    size_t cap = 16 + (is_regex ? len : 4 * len);
    char *out = malloc(cap);
    if (out == NULL) {
        return NULL;
    }
    size_t o = (size_t)snprintf(out, cap, "\\b(?:");
    for (const char *c = text; *c != '\0'; c++) {
        bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                     (*c >= '0' && *c <= '9') || (unsigned char)*c >= 0x80;
        if (is_regex || plain) {
            out[o++] = *c;
        } else {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", (unsigned)(unsigned char)*c);
        }
    }
    snprintf(out + o, cap - o, ")\\b");
    return out;
}

static int
add_word_list(struct pattern_set *s, const char *const *list)
{
    int rc = 0;
    for (size_t i = 0; list != NULL && list[i] != NULL && rc == 0; i++) {
        rc = set_add(s, whole_word(list[i], false), HS_FLAG_CASELESS);
    }
    return rc;
}

static int
build_set(struct pattern_set *s, const struct scan_policy *policy, unsigned extra_flags)
{
    int rc = 0;
    for (size_t i = 0; i < N_DETECTOR_RES && rc == 0; i++) {
        const struct detector_re *d = &detector_res[i];
        if (policy->detectors[d->type].enabled) {
            rc = set_add(s, strdup(d->re), d->flags);
        }
    }
    if (rc == 0) {
        rc = add_word_list(s, baseline_words);
    }
    for (size_t i = 0; i < policy->n_entries && rc == 0; i++) {
        const struct scan_lex_entry *e = &policy->entries[i];
        rc = set_add(s, whole_word(e->text, e->kind == SCAN_LEX_REGEX), HS_FLAG_CASELESS);
    }
    if (rc == 0) {
        for (unsigned i = 0; i < s->n; i++) {
            s->flags[i] |= extra_flags;
        }
    }
    return rc;
}

int
bench_hs_compile(struct bench_hs **out_hs, struct rl_diag *diag, const struct scan_policy *policy,
                 bool som)
{
    struct pattern_set set = {0};
    hs_compile_error_t *cerr = NULL;
    struct bench_hs *h = calloc(1, sizeof(*h));
    int rc = RL_ENOMEM;

    if (h == NULL || build_set(&set, policy, som ? HS_FLAG_SOM_LEFTMOST : 0) != 0) {
        goto fail;
    }
    if (hs_compile_multi((const char *const *)set.exprs, set.flags, set.ids, set.n, HS_MODE_BLOCK,
                         NULL, &h->db, &cerr) != HS_SUCCESS) {
        int at = cerr ? cerr->expression : -1;
        rc = RL_ESCAN;
        rl_diag_set(diag, "bench_hs", "pattern %d (%.80s): %s", at,
                    at >= 0 && (unsigned)at < set.n ? set.exprs[at] : "?",
                    cerr ? cerr->message : "?");
        hs_free_compile_error(cerr);
        goto fail;
    }
    if (hs_alloc_scratch(h->db, &h->scratch) != HS_SUCCESS) {
        goto fail;
    }
    h->n_patterns = set.n;
    set_free(&set);
    *out_hs = h;
    return 0;
fail:
    set_free(&set);
    bench_hs_free(h);
    return rc;
}

void
bench_hs_free(struct bench_hs *h)
{
    if (h == NULL) {
        return;
    }
    hs_free_scratch(h->scratch);
    hs_free_database(h->db);
    free(h);
}

unsigned
bench_hs_n_patterns(const struct bench_hs *h)
{
    return h->n_patterns;
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
         void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (*(uint64_t *)ctx)++;
    return 0;
}

int
bench_hs_scan(struct bench_hs *h, uint64_t *out_matches, const uint8_t *buf, size_t len)
{
    if (len > UINT_MAX) {
        return RL_ELIMIT;
    }
    if (hs_scan(h->db, (const char *)buf, (unsigned)len, 0, h->scratch, on_match, out_matches) !=
        HS_SUCCESS) {
        return RL_ESCAN;
    }
    return 0;
}
