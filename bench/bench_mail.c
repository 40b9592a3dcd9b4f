/* SPDX-License-Identifier: Apache-2.0 */
/* The SMTP load tools' message material: a pool of sensitive values (corpus
 * validator cases plus seeded synthetic values), prebuilt text/plain messages
 * that carry them at a chosen line density, and the exact-value scan of the
 * sink. Building allocates (start-up only); stamp and find do not. Single
 * thread. */
#include "bench_mail.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

#define SYNTHETIC_PER_TYPE 16
#define VALUE_MIN_LEN 8 /* the scan keys values on their first 8 bytes */
#define HASH_BITS 11    /* 2^11 == 2 * BENCH_VALUES_MAX heads */

/* The types a pool holds, in the order messages take turns. */
static const unsigned pool_types[] = {SCAN_T_CREDIT_CARD, SCAN_T_US_SSN, SCAN_T_IBAN, SCAN_T_EMAIL};
#define N_POOL_TYPES (sizeof(pool_types) / sizeof(pool_types[0]))

/* rng_unit returns a uniform double in [0, 1). */
static double
rng_unit(struct bench_rng *r)
{
    return (double)(bench_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool
is_alnum(char c)
{
    return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z');
}

/* --- validity checks: what the generator may call a sensitive value --- */

static bool
luhn_ok(const char *d, size_t n)
{
    unsigned sum = 0;
    bool dbl = false;
    for (size_t i = n; i-- > 0;) {
        unsigned v = (unsigned)(d[i] - '0');
        if (dbl) {
            v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        }
        sum += v;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

/* Issuer prefixes and the lengths each allows (bit n: n digits), a subset of
 * the card networks the built-in detector knows. */
struct issuer {
    const char *lo;
    const char *hi; /* same width as lo */
    uint32_t lens;
};

#define LEN(n) (1u << (n))
#define LENS(a, b) (((1u << ((b) + 1)) - 1) & ~((1u << (a)) - 1))

static const struct issuer issuers[] = {
    {"4", "4", LEN(13) | LEN(16) | LEN(19)}, /* Visa */
    {"51", "55", LEN(16)},                   /* Mastercard */
    {"2221", "2720", LEN(16)},               /* Mastercard 2-series */
    {"34", "34", LEN(15)},                   /* American Express */
    {"37", "37", LEN(15)},                   /* American Express */
    {"300", "305", LENS(14, 19)},            /* Diners Club */
    {"36", "36", LENS(14, 19)},              /* Diners Club */
    {"38", "39", LENS(14, 19)},              /* Diners Club */
    {"6011", "6011", LENS(16, 19)},          /* Discover */
    {"644", "649", LENS(16, 19)},            /* Discover */
    {"65", "65", LENS(16, 19)},              /* Discover */
    {"3528", "3589", LENS(16, 19)},          /* JCB */
    {"62", "62", LENS(16, 19)},              /* UnionPay */
};

static bool
card_ok(const char *s)
{
    char d[24];
    size_t n = 0;
    for (const char *c = s; *c != '\0'; c++) {
        if (is_digit(*c) && n < sizeof(d)) {
            d[n++] = *c;
        } else if (*c != ' ' || c == s || c[1] == ' ' || c[1] == '\0') {
            return false; /* only single spaces between digit groups */
        }
    }
    if (n < 13 || n > 19 || !luhn_ok(d, n)) {
        return false;
    }
    for (size_t i = 0; i < sizeof(issuers) / sizeof(issuers[0]); i++) {
        size_t w = strlen(issuers[i].lo);
        if (memcmp(d, issuers[i].lo, w) >= 0 && memcmp(d, issuers[i].hi, w) <= 0 &&
            (issuers[i].lens & LEN(n)) != 0) {
            return true;
        }
    }
    return false;
}

/* ssn_ok accepts "AAA-GG-SSSS" with the SSA's rules: area not 000, 666 or
 * 9xx, group not 00, serial not 0000. */
static bool
ssn_ok(const char *s)
{
    static const char shape[] = "ddd-dd-dddd";
    if (strlen(s) != sizeof(shape) - 1) {
        return false;
    }
    for (size_t i = 0; shape[i] != '\0'; i++) {
        if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != '-') {
            return false;
        }
    }
    return strncmp(s, "000", 3) != 0 && strncmp(s, "666", 3) != 0 && s[0] != '9' &&
           strncmp(s + 4, "00", 2) != 0 && strncmp(s + 7, "0000", 4) != 0;
}

/* iban_mod97 returns the ISO 7064 mod-97 remainder of the compact IBAN `c`
 * (n bytes) with its first four characters moved to the end. */
static unsigned
iban_mod97(const char *c, size_t n)
{
    unsigned rem = 0;
    for (size_t k = 0; k < n; k++) {
        char ch = c[(k + 4) % n];
        if (is_upper(ch)) {
            rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
        } else {
            rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
        }
    }
    return rem;
}

/* iban_ok accepts a compact IBAN or one in groups of four separated by single
 * spaces, upper case, 15 to 34 characters, passing mod-97. */
static bool
iban_ok(const char *s)
{
    char c[40];
    size_t n = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ') {
            if (n % 4 != 0 || n == 0 || i + 1 == len || s[i + 1] == ' ') {
                return false;
            }
        } else if ((is_upper(s[i]) || is_digit(s[i])) && n < sizeof(c)) {
            c[n++] = s[i];
        } else {
            return false;
        }
    }
    if (n < 15 || n > 34 || !is_upper(c[0]) || !is_upper(c[1]) || !is_digit(c[2]) ||
        !is_digit(c[3])) {
        return false;
    }
    return iban_mod97(c, n) == 1;
}

/* email_ok accepts plain ASCII addresses: local part of letters, digits and
 * ". _ + -", a domain of at least two dot-separated labels, an alphabetic
 * top-level label. */
static bool
email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    if (at == NULL || at == s || strchr(at + 1, '@') != NULL) {
        return false;
    }
    for (const char *c = s; c < at; c++) {
        if (!is_alnum(*c) && strchr("._+-", *c) == NULL) {
            return false;
        }
    }
    size_t label = 0;
    size_t dots = 0;
    bool alpha_label = true;
    for (const char *c = at + 1; *c != '\0'; c++) {
        if (*c == '.') {
            if (label == 0) {
                return false;
            }
            dots++;
            label = 0;
            alpha_label = true;
        } else if (is_alnum(*c) || *c == '-') {
            label++;
            alpha_label = alpha_label && !is_digit(*c) && *c != '-';
        } else {
            return false;
        }
    }
    return dots > 0 && label >= 2 && alpha_label;
}

/* --- the pool --- */

static bool
pool_has(const struct bench_values *vals, const char *s)
{
    for (size_t i = 0; i < vals->n; i++) {
        if (strcmp(vals->v[i].text, s) == 0) {
            return true;
        }
    }
    return false;
}

/* pool_add appends `s` of type `t` unless it is a duplicate, too short or
 * too long, or the pool is full. Returns true when added. */
static bool
pool_add(struct bench_values *vals, unsigned t, const char *s)
{
    size_t len = strlen(s);
    if (len < VALUE_MIN_LEN || len >= BENCH_VALUE_MAX || vals->n >= BENCH_VALUES_MAX ||
        pool_has(vals, s)) {
        return false;
    }
    struct bench_value *v = &vals->v[vals->n++];
    memcpy(v->text, s, len + 1);
    v->len = (uint8_t)len;
    v->type = (uint8_t)t;
    v->next = -1;
    return true;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* value_accepted maps a validator case to a pool type, or -1. */
static int
value_accepted(const char *check, const char *input)
{
    if (strcmp(check, "CREDIT_CARD") == 0 && card_ok(input)) {
        return SCAN_T_CREDIT_CARD;
    }
    if (strcmp(check, "US_SSN") == 0 && ssn_ok(input)) {
        return SCAN_T_US_SSN;
    }
    if (strcmp(check, "IBAN") == 0 && iban_ok(input)) {
        return SCAN_T_IBAN;
    }
    if (strcmp(check, "EMAIL") == 0 && email_ok(input)) {
        return SCAN_T_EMAIL;
    }
    return -1;
}

static void
load_cases_file(struct bench_values *vals, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return;
    }
    char line[4096];
    while (fgets(line, sizeof(line), f) != NULL) {
        json_t *o = json_loads(line, 0, NULL);
        const char *check = json_string_value(json_object_get(o, "check"));
        const char *input = json_string_value(json_object_get(o, "input"));
        if (check != NULL && input != NULL && json_is_true(json_object_get(o, "valid"))) {
            int t = value_accepted(check, input);
            if (t >= 0 && pool_add(vals, (unsigned)t, input)) {
                vals->from_corpus++;
            }
        }
        json_decref(o);
    }
    fclose(f);
}

/* load_corpus adds the accepted validator cases of every folder directly
 * under `dir`, in name order so that every process builds the same pool. */
static int
load_corpus(struct bench_values *vals, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    char *names[256] = {NULL};
    size_t n = 0;
    int rc = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL && n < sizeof(names) / sizeof(names[0])) {
        if (e->d_name[0] == '.') {
            continue;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL) {
            rc = RL_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        int w = snprintf(path, sizeof(path), "%s/%s/validator_cases.jsonl", dir, names[i]);
        if (rc == 0 && w > 0 && (size_t)w < sizeof(path)) {
            load_cases_file(vals, path);
        }
        free(names[i]);
    }
    return rc;
}

static void
synth_card(struct bench_rng *r, char *out, size_t cap)
{
    static const char *const prefixes[] = {"4", "51", "53", "55", "2221", "2720", "6011", "3530"};
    char d[20];
    size_t n = 16;
    const char *pre;
    if (bench_rng_below(r, 5) == 0) {
        pre = bench_rng_below(r, 2) ? "34" : "37";
        n = 15;
    } else {
        pre = PICK(r, prefixes);
    }
    size_t k = strlen(pre);
    memcpy(d, pre, k);
    for (; k < n; k++) {
        d[k] = (char)('0' + bench_rng_below(r, 10));
    }
    /* complete the Luhn check digit */
    for (int c = '0'; c <= '9'; c++) {
        d[n - 1] = (char)c;
        if (luhn_ok(d, n)) {
            break;
        }
    }
    static const unsigned amex[] = {4, 6, 5, 0};
    static const unsigned std[] = {4, 4, 4, 4, 0};
    const unsigned *groups = n == 15 ? amex : std;
    unsigned s = bench_rng_below(r, 3);
    char sep = s == 0 ? '\0' : s == 1 ? ' ' : '-';
    size_t o = 0;
    size_t at = 0;
    for (const unsigned *g = groups; *g != 0 && o + *g + 2 < cap; g++) {
        if (g != groups && sep != '\0') {
            out[o++] = sep;
        }
        memcpy(out + o, d + at, *g);
        o += *g;
        at += *g;
    }
    out[o] = '\0';
}

static void
synth_ssn(struct bench_rng *r, char *out, size_t cap)
{
    unsigned area;
    do {
        area = 1 + bench_rng_below(r, 899);
    } while (area == 666);
    snprintf(out, cap, "%03u-%02u-%04u", area, 1 + bench_rng_below(r, 99),
             1 + bench_rng_below(r, 9999));
}

static void
synth_iban(struct bench_rng *r, char *out, size_t cap)
{
    static const char *const gb_banks[] = {"NWBK", "BARC", "LOYD", "HBUK", "MIDL"};
    char c[40];
    size_t n;
    switch (bench_rng_below(r, 3)) {
    case 0:
        memcpy(c, "GB00", 4);
        memcpy(c + 4, PICK(r, gb_banks), 4);
        n = 22;
        break;
    case 1:
        memcpy(c, "DE00", 4);
        n = 22;
        break;
    default:
        memcpy(c, "NL00RABO", 8);
        n = 18;
        break;
    }
    for (size_t i = c[4] >= 'A' ? 8 : 4; i < n; i++) {
        c[i] = (char)('0' + bench_rng_below(r, 10));
    }
    unsigned check = 98 - iban_mod97(c, n);
    c[2] = (char)('0' + check / 10);
    c[3] = (char)('0' + check % 10);
    bool grouped = bench_rng_below(r, 2) != 0;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (grouped && i > 0 && i % 4 == 0) {
            out[o++] = ' ';
        }
        out[o++] = c[i];
    }
    out[o] = '\0';
}

static void
synth_email(struct bench_rng *r, char *out, size_t cap)
{
    static const char *const first[] = {"alice", "bob",   "carol", "david", "erin",   "frank",
                                        "grace", "heidi", "ivan",  "judy",  "olivia", "victor"};
    static const char *const last[] = {"smith",  "jones",  "taylor", "brown", "wilson",
                                       "walker", "garcia", "muller", "rossi", "novak"};
    static const char *const domains[] = {"northwind-traders.com", "contoso.co.uk", "fabrikam.de",
                                          "acme-logistics.net", "globex.io"};
    snprintf(out, cap, "%s.%s%u@%s", PICK(r, first), PICK(r, last), bench_rng_below(r, 100),
             PICK(r, domains));
}

static uint32_t
prefix_hash(const uint8_t *p)
{
    uint64_t key;
    memcpy(&key, p, sizeof(key));
    return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - HASH_BITS));
}

static int
index_pool(struct bench_values *vals)
{
    memset(vals->heads, 0xff, sizeof(vals->heads));
    memset(vals->first2, 0, sizeof(vals->first2));
    for (size_t i = vals->n; i-- > 0;) {
        struct bench_value *v = &vals->v[i];
        const uint8_t *p = (const uint8_t *)v->text;
        uint32_t h = prefix_hash(p);
        v->next = vals->heads[h];
        vals->heads[h] = (int16_t)i;
        unsigned f = p[0] | (unsigned)p[1] << 8;
        vals->first2[f >> 3] |= (uint8_t)(1u << (f & 7));
        vals->by_type[v->type]++;
    }
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        if (vals->by_type[t] == 0) {
            continue;
        }
        vals->of_type[t] = calloc(vals->by_type[t], sizeof(uint16_t));
        if (vals->of_type[t] == NULL) {
            return RL_ENOMEM;
        }
        size_t k = 0;
        for (size_t i = 0; i < vals->n; i++) {
            if (vals->v[i].type == t) {
                vals->of_type[t][k++] = (uint16_t)i;
            }
        }
    }
    return 0;
}

int
bench_values_load(struct bench_values *vals, struct rl_diag *diag, const char *corpus_dir,
                  uint64_t seed)
{
    memset(vals, 0, sizeof(*vals));
    vals->v = calloc(BENCH_VALUES_MAX, sizeof(*vals->v));
    int rc = vals->v != NULL ? 0 : RL_ENOMEM;
    if (rc == 0 && corpus_dir != NULL) {
        rc = load_corpus(vals, corpus_dir);
    }
    struct bench_rng r = {seed};
    static void (*const synth[])(struct bench_rng *, char *, size_t) = {synth_card, synth_ssn,
                                                                        synth_iban, synth_email};
    for (size_t t = 0; t < N_POOL_TYPES && rc == 0; t++) {
        unsigned added = 0;
        /* bounded: a duplicate draw is skipped, not retried forever */
        for (unsigned k = 0; k < 4 * SYNTHETIC_PER_TYPE && added < SYNTHETIC_PER_TYPE; k++) {
            char s[BENCH_VALUE_MAX];
            synth[t](&r, s, sizeof(s));
            added += pool_add(vals, pool_types[t], s) ? 1 : 0;
        }
    }
    if (rc == 0) {
        rc = index_pool(vals);
    }
    if (rc != 0) {
        bench_values_fini(vals);
        return rl_diag_set(diag, "values", "cannot build the value pool: %s", rl_strerror(rc));
    }
    return 0;
}

void
bench_values_fini(struct bench_values *vals)
{
    free(vals->v);
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        free(vals->of_type[t]);
    }
    memset(vals, 0, sizeof(*vals));
}

size_t
bench_values_find(const struct bench_values *vals, size_t *out_by_type, const uint8_t *p,
                  size_t len)
{
    size_t total = 0;
    size_t i = 0;
    while (i + VALUE_MIN_LEN <= len) {
        unsigned f = p[i] | (unsigned)p[i + 1] << 8;
        if ((vals->first2[f >> 3] & (1u << (f & 7))) == 0) {
            i++;
            continue;
        }
        int best = -1;
        for (int j = vals->heads[prefix_hash(p + i)]; j >= 0; j = vals->v[j].next) {
            const struct bench_value *v = &vals->v[j];
            if (v->len <= len - i && memcmp(v->text, p + i, v->len) == 0 &&
                (best < 0 || v->len > vals->v[best].len)) {
                best = j;
            }
        }
        if (best < 0) {
            i++;
            continue;
        }
        total++;
        if (out_by_type != NULL) {
            out_by_type[vals->v[best].type]++;
        }
        i += vals->v[best].len;
    }
    return total;
}

/* --- messages --- */

/* Filler words: no negative context word of the default policy ("order",
 * "invoice", "reference", ...) and no digits, so that only planted values
 * look sensitive. */
static const char *const words[] = {
    "the",      "of",       "and",      "to",        "in",       "a",        "for",
    "is",       "on",       "that",     "by",        "this",     "with",     "you",
    "it",       "not",      "or",       "be",        "are",      "from",     "at",
    "as",       "your",     "all",      "have",      "new",      "more",     "an",
    "was",      "we",       "will",     "can",       "about",    "if",       "our",
    "has",      "but",      "which",    "they",      "one",      "would",    "there",
    "their",    "been",     "also",     "after",     "should",   "before",   "report",
    "quarter",  "meeting",  "customer", "team",      "project",  "schedule", "budget",
    "review",   "contract", "delivery", "supplier",  "office",   "manager",  "update",
    "proposal", "agenda",   "minutes",  "revenue",   "forecast", "shipment", "warehouse",
    "policy",   "training", "release",  "software",  "network",  "server",   "backup",
    "storage",  "licence",  "renewal",  "travel",    "expenses", "approval", "department",
    "director", "partner",  "market",   "product",   "service",  "support",  "request",
    "feedback", "results",  "analysis", "figures",   "draft",    "version",  "document",
    "summary",  "question", "answer",   "decision",  "plan",     "strategy", "growth",
    "costs",    "prices",   "discount", "terms",     "week",     "month",    "year",
    "today",    "tomorrow", "morning",  "afternoon", "please",   "thanks",   "regards",
    "kindly",   "confirm",  "check",    "send",      "receive",  "prepare",  "discuss",
    "agree",    "finish",   "start",    "continue",  "improve",  "reduce",   "increase",
    "deliver",  "share",    "organise", "arrange",   "urgent",   "final",    "initial",
    "current",  "previous", "next",     "annual",    "monthly",  "weekly",   "regional",
    "global",   "local",    "internal", "external",  "London",   "Paris",    "Berlin",
    "Madrid",   "Chicago",  "Toronto",  "Sydney",    "Monday",   "Tuesday",  "Friday",
};

/* Sentence openings carrying a positive context keyword of the value's type,
 * and endings; the value goes between them. */
static const char *const before_card[] = {"Please charge the credit card",
                                          "Card number:", "The Visa card on file is", "Debit card"};
static const char *const before_ssn[] = {"Her social security number is",
                                         "SSN:", "The taxpayer SSN on the form is"};
static const char *const before_iban[] = {"Please transfer the amount to IBAN",
                                          "IBAN:", "Our bank account is"};
static const char *const before_email[] = {"Contact", "Send the signed copy to",
                                           "Her e-mail address is"};
static const char *const after[] = {"before Friday", "for the renewal", "as discussed", "thanks",
                                    "according to the payroll file"};
static const char *const dot_lines[] = {".", "...", ".hidden files are not copied"};

struct mail_gen {
    struct bench_rng rng;
    struct bench_buf *out;
    unsigned turn; /* which pool type the next planted line carries */
    struct bench_mail *m;
};

/* put_words appends words and spaces, exactly `len` bytes, no CRLF: a
 * sentence starting with a capital letter; a cut that lands on a space ends
 * in a period instead. */
static int
put_words(struct mail_gen *g, size_t len)
{
    char line[1024];
    size_t o = 0;
    if (len >= sizeof(line)) {
        return RL_EINVAL;
    }
    while (o < len) {
        const char *w = PICK(&g->rng, words);
        size_t wl = strlen(w);
        if (o > 0) {
            line[o++] = ' ';
        }
        size_t k = wl < sizeof(line) - o ? wl : sizeof(line) - o;
        memcpy(line + o, w, k);
        o += k;
    }
    if (line[0] >= 'a' && line[0] <= 'z') {
        line[0] = (char)(line[0] - 'a' + 'A');
    }
    if (line[len - 1] == ' ') {
        line[len - 1] = '.';
    }
    return bench_buf_append(g->out, line, len);
}

/* put_filler_line appends a sentence of whole words, 40 to 76 columns. */
static int
put_filler_line(struct mail_gen *g)
{
    size_t width = 40 + bench_rng_below(&g->rng, 37);
    char line[96];
    size_t o = 0;
    for (;;) {
        const char *w = PICK(&g->rng, words);
        size_t wl = strlen(w);
        if (o > 0 && o + 1 + wl + 1 > width) {
            break;
        }
        if (o > 0) {
            line[o++] = ' ';
        }
        memcpy(line + o, w, wl);
        o += wl;
    }
    if (line[0] >= 'a' && line[0] <= 'z') {
        line[0] = (char)(line[0] - 'a' + 'A');
    }
    memcpy(line + o, ".\r\n", 3);
    return bench_buf_append(g->out, line, o + 3);
}

static int
put_planted_line(struct mail_gen *g, const struct bench_values *vals)
{
    unsigned t = SCAN_T__COUNT;
    for (size_t k = 0; k < N_POOL_TYPES && t == SCAN_T__COUNT; k++) {
        unsigned cand = pool_types[(g->turn + k) % N_POOL_TYPES];
        if (vals->by_type[cand] > 0) {
            t = cand;
            g->turn = (unsigned)((g->turn + k + 1) % N_POOL_TYPES);
        }
    }
    if (t == SCAN_T__COUNT) {
        return put_filler_line(g);
    }
    const struct bench_value *v =
        &vals->v[vals->of_type[t][bench_rng_below(&g->rng, (unsigned)vals->by_type[t])]];
    const char *before;
    switch (t) {
    case SCAN_T_CREDIT_CARD:
        before = PICK(&g->rng, before_card);
        break;
    case SCAN_T_US_SSN:
        before = PICK(&g->rng, before_ssn);
        break;
    case SCAN_T_IBAN:
        before = PICK(&g->rng, before_iban);
        break;
    default:
        before = PICK(&g->rng, before_email);
        break;
    }
    g->m->planted++;
    g->m->planted_by_type[t]++;
    return bench_buf_printf(g->out, "%s %s %s.\r\n", before, v->text, PICK(&g->rng, after));
}

static int
build_header(struct bench_mail *m, size_t i, size_t n)
{
    struct bench_buf h = {0};
    int rc = bench_buf_printf(&h,
                              "From: Redline Bench <sender@bench.redline.example>\r\n"
                              "To: Redline Sink <rcpt@sink.redline.example>\r\n"
                              "Subject: Quarterly figures, part %zu of %zu\r\n"
                              "Date: Mon, 06 May 2024 09:%02zu:%02zu +0000\r\n"
                              "Message-ID: <",
                              i + 1, n, i / 60 % 60, i % 60);
    m->id_off = h.len;
    if (rc == 0) {
        rc = bench_buf_puts(&h, "0000000000000000.00000000@bench.redline.example>\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: text/plain; charset=us-ascii\r\n"
                                "Content-Transfer-Encoding: 7bit\r\n"
                                "\r\n");
    }
    if (rc != 0 || h.len > BENCH_MAIL_HDR_MAX) {
        bench_buf_fini(&h);
        return RL_ENOMEM;
    }
    m->hdr = h.data;
    m->hdr_len = h.len;
    return 0;
}

/* build_body writes `len` bytes of CRLF lines: paragraphs of filler and
 * planted lines, now and then a line starting with '.'. */
static int
build_body(struct mail_gen *g, const struct bench_values *vals, double density, size_t len)
{
    struct bench_buf *b = g->out;
    int rc = 0;
    unsigned in_para = 0;
    unsigned para_len = 3 + bench_rng_below(&g->rng, 5);
    while (rc == 0 && len - b->len > 160) {
        if (in_para == para_len) {
            rc = bench_buf_append(b, "\r\n", 2);
            in_para = 0;
            para_len = 3 + bench_rng_below(&g->rng, 5);
        } else if (bench_rng_below(&g->rng, 40) == 0) {
            /* RFC 5321 4.5.2: these lines must reach the recipient unchanged,
             * so both ends have to get dot-stuffing right */
            rc = bench_buf_printf(b, "%s\r\n", PICK(&g->rng, dot_lines));
        } else if (rng_unit(&g->rng) < density) {
            rc = put_planted_line(g, vals);
            in_para++;
        } else {
            rc = put_filler_line(g);
            in_para++;
        }
    }
    if (rc == 0) {
        /* the last line makes the size exact: 2 to 160 bytes before CRLF */
        size_t rest = len - b->len;
        rc = rest > 2 ? put_words(g, rest - 2) : 0;
    }
    return rc == 0 ? bench_buf_append(b, "\r\n", 2) : rc;
}

/* stuff_body fills m->wire: the body with a '.' doubled at each line start
 * (RFC 5321 4.5.2), then the end-of-data line. */
static int
stuff_body(struct bench_mail *m)
{
    struct bench_buf w = {0};
    int rc = bench_buf_reserve(&w, m->body_len + m->body_len / 64 + 8);
    size_t line = 0;
    for (size_t i = 0; rc == 0 && i <= m->body_len; i++) {
        if (i == m->body_len || (i > 0 && m->body[i - 1] == '\n')) {
            if (i > line) {
                rc = bench_buf_append(&w, m->body + line, i - line);
            }
            line = i;
            if (rc == 0 && i < m->body_len && m->body[i] == '.') {
                rc = bench_buf_append(&w, ".", 1);
            }
        }
    }
    if (rc == 0) {
        rc = bench_buf_append(&w, ".\r\n", 3);
    }
    if (rc != 0) {
        bench_buf_fini(&w);
        return rc;
    }
    m->wire = w.data;
    m->wire_len = w.len;
    return 0;
}

int
bench_mailset_build(struct bench_mailset *set, struct rl_diag *diag,
                    const struct bench_values *vals, const struct bench_mail_params *p)
{
    memset(set, 0, sizeof(*set));
    if (p->size < 1024 || p->size > (size_t)1 << 30) {
        return rl_diag_set(diag, "size", "%zu bytes: use 1024 to 2^30", p->size);
    }
    if (!(p->density >= 0 && p->density <= 1)) {
        return rl_diag_set(diag, "density", "must lie in 0..1");
    }
    if (p->n < 1 || p->n > 1024) {
        return rl_diag_set(diag, "distinct", "%zu messages: use 1 to 1024", p->n);
    }
    set->m = calloc(p->n, sizeof(*set->m));
    if (set->m == NULL) {
        return rl_diag_set(diag, "messages", "out of memory");
    }
    set->n = p->n;
    int rc = 0;
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        struct bench_mail *m = &set->m[i];
        struct bench_buf body = {0};
        struct mail_gen g = {.rng = {p->seed ^ (0x1000193ull * (i + 1))}, .out = &body, .m = m};
        g.turn = (unsigned)(i % N_POOL_TYPES);
        rc = build_header(m, i, p->n);
        if (rc == 0) {
            rc = bench_buf_reserve(&body, p->size);
        }
        if (rc == 0) {
            rc = build_body(&g, vals, p->density, p->size - m->hdr_len);
        }
        m->body = body.data;
        m->body_len = body.len;
        if (rc == 0) {
            rc = stuff_body(m);
        }
    }
    if (rc != 0) {
        bench_mailset_fini(set);
        return rl_diag_set(diag, "messages", "cannot build: %s", rl_strerror(rc));
    }
    return 0;
}

/* crlf_copy sets m->body to the `len` bytes at `msg` with every line end
 * made CRLF. */
static int
crlf_copy(struct bench_mail *m, const uint8_t *msg, size_t len)
{
    struct bench_buf b = {0};
    int rc = bench_buf_reserve(&b, len + len / 32 + 2);
    size_t from = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        if (msg[i] != '\r' && msg[i] != '\n') {
            continue;
        }
        rc = bench_buf_append(&b, msg + from, i - from);
        if (rc == 0) {
            rc = bench_buf_append(&b, "\r\n", 2);
        }
        if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n') {
            i++;
        }
        from = i + 1;
    }
    if (rc == 0 && from < len) {
        rc = bench_buf_append(&b, msg + from, len - from);
        rc = rc == 0 ? bench_buf_append(&b, "\r\n", 2) : rc;
    }
    if (rc != 0) {
        bench_buf_fini(&b);
        return rc;
    }
    m->body = b.data;
    m->body_len = b.len;
    return 0;
}

/* line_too_long tells whether a line of the `len` bytes at `msg` holds
 * more than 998 octets before its line end. */
static bool
line_too_long(const uint8_t *msg, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        run = msg[i] == '\r' || msg[i] == '\n' ? 0 : run + 1;
        if (run > 998) {
            return true;
        }
    }
    return false;
}

int
bench_mailset_from_messages(struct bench_mailset *set, struct rl_diag *diag,
                            const uint8_t *const *msgs, const size_t *lens, size_t n,
                            size_t *out_skipped)
{
    static const char stamp[] = "X-Redline-Bench-Id: <";
    static const char rest[] = "0000000000000000.00000000@bench.redline.example>\r\n";
    memset(set, 0, sizeof(*set));
    *out_skipped = 0;
    if (n > 4096) {
        return rl_diag_set(diag, "messages", "%zu messages: use 1 to 4096", n);
    }
    for (size_t i = 0; i < n; i++) {
        *out_skipped += line_too_long(msgs[i], lens[i]) ? 1 : 0;
    }
    if (n == *out_skipped) {
        return rl_diag_set(diag, "messages", "no message to send (%zu with over-long lines)",
                           *out_skipped);
    }
    set->m = calloc(n - *out_skipped, sizeof(*set->m));
    if (set->m == NULL) {
        return rl_diag_set(diag, "messages", "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (line_too_long(msgs[i], lens[i])) {
            continue;
        }
        struct bench_mail *m = &set->m[set->n++];
        struct bench_buf h = {0};
        m->id_off = sizeof(stamp) - 1;
        rc = bench_buf_puts(&h, stamp);
        rc = rc == 0 ? bench_buf_puts(&h, rest) : rc;
        m->hdr = h.data;
        m->hdr_len = h.len;
        rc = rc == 0 ? crlf_copy(m, msgs[i], lens[i]) : rc;
        rc = rc == 0 ? stuff_body(m) : rc;
    }
    if (rc != 0) {
        bench_mailset_fini(set);
        return rl_diag_set(diag, "messages", "cannot build: %s", rl_strerror(rc));
    }
    return 0;
}

void
bench_mailset_fini(struct bench_mailset *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->m[i].hdr);
        free(set->m[i].body);
        free(set->m[i].wire);
    }
    free(set->m);
    memset(set, 0, sizeof(*set));
}

size_t
bench_mail_stamp(uint8_t *out, size_t out_cap, const struct bench_mail *m, uint64_t seq,
                 uint32_t run)
{
    static const char hex[] = "0123456789abcdef";
    if (out_cap < m->hdr_len) {
        return 0;
    }
    memcpy(out, m->hdr, m->hdr_len);
    uint8_t *id = out + m->id_off;
    for (int k = 0; k < 16; k++) {
        id[k] = (uint8_t)hex[(seq >> (60 - 4 * k)) & 15];
    }
    id[16] = '.';
    for (int k = 0; k < 8; k++) {
        id[17 + k] = (uint8_t)hex[(run >> (28 - 4 * k)) & 15];
    }
    return m->hdr_len;
}
