/* SPDX-License-Identifier: Apache-2.0 */
/* Generates the synthetic workloads: English-like business text from a fixed
 * word list and a fixed seed, with about one valid sensitive value per 4 KiB,
 * and the messages that carry it (7bit body or base64 attachment).
 * Start-up code only (allocates); single thread. */
#include "bench_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rl_error.h"

#define BENCH_SEED 0x5265646c696e6521ull /* "Redline!" */
#define LINE_MAX_COLS 72
#define GAP_MIN 2048 /* bytes between planted values: uniform in [GAP_MIN, 3 * GAP_MIN) */

static const char *const words[] = {
    "the",         "of",         "and",        "to",         "in",           "a",
    "for",         "is",         "on",         "that",       "by",           "this",
    "with",        "you",        "it",         "not",        "or",           "be",
    "are",         "from",       "at",         "as",         "your",         "all",
    "have",        "new",        "more",       "an",         "was",          "we",
    "will",        "can",        "us",         "about",      "if",           "our",
    "has",         "but",        "which",      "they",       "one",          "would",
    "there",       "their",      "been",       "also",       "after",        "should",
    "before",      "report",     "quarter",    "meeting",    "customer",     "invoice",
    "order",       "team",       "project",    "schedule",   "budget",       "review",
    "contract",    "delivery",   "supplier",   "account",    "office",       "manager",
    "update",      "proposal",   "agenda",     "minutes",    "revenue",      "forecast",
    "shipment",    "warehouse",  "policy",     "training",   "release",      "software",
    "network",     "server",     "backup",     "storage",    "licence",      "renewal",
    "travel",      "expenses",   "approval",   "department", "director",     "colleague",
    "partner",     "market",     "product",    "service",    "support",      "request",
    "feedback",    "results",    "analysis",   "figures",    "draft",        "version",
    "document",    "attachment", "summary",    "issue",      "question",     "answer",
    "decision",    "plan",       "strategy",   "growth",     "costs",        "prices",
    "discount",    "payment",    "terms",      "conditions", "week",         "month",
    "year",        "today",      "tomorrow",   "yesterday",  "morning",      "afternoon",
    "please",      "thanks",     "regards",    "kindly",     "confirm",      "check",
    "send",        "receive",    "prepare",    "discuss",    "agree",        "finish",
    "start",       "continue",   "improve",    "reduce",     "increase",     "deliver",
    "share",       "organise",   "arrange",    "important",  "urgent",       "final",
    "initial",     "current",    "previous",   "next",       "annual",       "monthly",
    "weekly",      "regional",   "global",     "local",      "internal",     "external",
    "technical",   "financial",  "legal",      "quickly",    "carefully",    "soon",
    "again",       "already",    "still",      "perhaps",    "probably",     "certainly",
    "together",    "building",   "floor",      "room",       "parking",      "lunch",
    "coffee",      "holiday",    "conference", "workshop",   "presentation", "slides",
    "spreadsheet", "database",   "dashboard",  "London",     "Paris",        "Berlin",
    "Madrid",      "Chicago",    "Toronto",    "Sydney",     "Monday",       "Tuesday",
    "Wednesday",   "Thursday",   "Friday",     "January",    "March",        "June",
    "September",   "November",   "Alice",      "Bob",        "Carol",        "David",
};

static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

static const char *const first_names[] = {"alice", "bob",    "carol", "david", "erin",    "frank",
                                          "grace", "heidi",  "ivan",  "judy",  "mallory", "olivia",
                                          "peggy", "rupert", "sybil", "trent", "victor",  "wendy"};

static const char *const last_names[] = {"smith",  "jones",  "taylor", "brown",  "wilson",
                                         "evans",  "thomas", "walker", "white",  "martin",
                                         "garcia", "muller", "rossi",  "dubois", "novak"};

static const char *const domains[] = {"northwind-traders.com", "contoso.co.uk",    "fabrikam.de",
                                      "acme-logistics.net",    "globex.io",        "initech.org",
                                      "umbrella-corp.fr",      "hooli.example.com"};

struct gen {
    struct bench_rng rng;
    struct bench_buf *out;
    size_t col;           /* bytes on the current line */
    size_t since_planted; /* bytes written since the last planted value */
    size_t next_gap;      /* bytes to write before the next planted value */
    size_t planted[SCAN_T__COUNT];
    bool dense; /* number-dense business prose: about 14 digit runs of 4+ per 4 KiB */
    int err;    /* sticky RL_ENOMEM */
};

static void
gen_put(struct gen *g, const char *s, size_t len)
{
    if (g->err == 0) {
        g->err = bench_buf_append(g->out, s, len);
    }
    g->since_planted += len;
}

static void
gen_newline(struct gen *g)
{
    gen_put(g, "\r\n", 2);
    g->col = 0;
}

/* gen_token writes one unbreakable token, wrapping the line before it. */
static void
gen_token(struct gen *g, const char *tok)
{
    size_t len = strlen(tok);
    if (g->col > 0 && g->col + 1 + len > LINE_MAX_COLS) {
        gen_newline(g);
    } else if (g->col > 0) {
        gen_put(g, " ", 1);
        g->col++;
    }
    gen_put(g, tok, len);
    g->col += len;
}

static void
gen_words(struct gen *g, const char *phrase)
{
    char w[64];
    const char *p = phrase;
    while (*p != '\0') {
        size_t n = strcspn(p, " ");
        if (n > 0 && n < sizeof(w)) {
            memcpy(w, p, n);
            w[n] = '\0';
            gen_token(g, w);
        }
        p += n;
        p += strspn(p, " ");
    }
}

/* gen_number writes a token that is numeric but not sensitive: counts, years,
 * dates, prices, percentages, times. */
static void
gen_number(struct gen *g, char *tok, size_t cap)
{
    struct bench_rng *r = &g->rng;
    switch (bench_rng_below(r, 7)) {
    case 0:
        snprintf(tok, cap, "%u", 2 + bench_rng_below(r, 998));
        break;
    case 1:
        snprintf(tok, cap, "%u", 2015 + bench_rng_below(r, 12));
        break;
    case 2:
        snprintf(tok, cap, "%u-%02u-%02u", 2019 + bench_rng_below(r, 7), 1 + bench_rng_below(r, 12),
                 1 + bench_rng_below(r, 28));
        break;
    case 3:
        snprintf(tok, cap, "$%u,%03u.%02u", 1 + bench_rng_below(r, 99), bench_rng_below(r, 1000),
                 bench_rng_below(r, 100));
        break;
    case 4:
        snprintf(tok, cap, "%u.%u%%", bench_rng_below(r, 100), bench_rng_below(r, 10));
        break;
    case 5:
        snprintf(tok, cap, "%02u:%02u", 8 + bench_rng_below(r, 10), 5 * bench_rng_below(r, 12));
        break;
    default:
        snprintf(tok, cap, "%u %s", 1 + bench_rng_below(r, 28), PICK(r, months));
        break;
    }
}

/* gen_business writes the numbers of commercial mail that are not sensitive
 * but look like it to a detector: order, invoice, ticket and case numbers,
 * references, amounts in several locales, dates, tracking and product
 * codes, bare 9-11 digit numbers after the word that names them. Some are
 * written as two tokens ("order 4500012345"). */
static void
gen_business(struct gen *g, char *tok, size_t cap)
{
    struct bench_rng *r = &g->rng;
    static const char *const nouns[] = {"order", "invoice", "ticket", "case", "ref.", "PO"};
    switch (bench_rng_below(r, 14)) {
    case 0:
        snprintf(tok, cap, "%s 45%08u", PICK(r, nouns), bench_rng_below(r, 100000000));
        break;
    case 1:
        snprintf(tok, cap, "INV-%u-%05u", 2019 + bench_rng_below(r, 7), bench_rng_below(r, 100000));
        break;
    case 2:
        snprintf(tok, cap, "#%06u", 100000 + bench_rng_below(r, 900000));
        break;
    case 3:
        snprintf(tok, cap, "%u/%04u", 2019 + bench_rng_below(r, 7), bench_rng_below(r, 10000));
        break;
    case 4:
        snprintf(tok, cap, "EUR %u.%03u,%02u", 1 + bench_rng_below(r, 999),
                 bench_rng_below(r, 1000), bench_rng_below(r, 100));
        break;
    case 5:
        snprintf(tok, cap, "$%u,%03u.%02u", 1 + bench_rng_below(r, 999), bench_rng_below(r, 1000),
                 bench_rng_below(r, 100));
        break;
    case 6:
        snprintf(tok, cap, "%02u.%02u.%u", 1 + bench_rng_below(r, 28), 1 + bench_rng_below(r, 12),
                 2019 + bench_rng_below(r, 8));
        break;
    case 7:
        snprintf(tok, cap, "1Z%03uAA1%08u", bench_rng_below(r, 1000),
                 bench_rng_below(r, 100000000));
        break;
    case 8:
        snprintf(tok, cap, "%s %09u", PICK(r, nouns), 100000000 + bench_rng_below(r, 800000000));
        break;
    case 9:
        snprintf(tok, cap, "case %08u", bench_rng_below(r, 100000000));
        break;
    case 10: {
        /* EAN-13 codes carry their GS1 check digit (weights 1, 3). */
        char ean[14];
        snprintf(ean, sizeof(ean), "40%010u", bench_rng_below(r, 1000000000));
        unsigned sum = 0;
        for (int k = 0; k < 12; k++) {
            sum += (unsigned)(ean[k] - '0') * (k % 2 ? 3u : 1u);
        }
        ean[12] = (char)('0' + (10 - sum % 10) % 10);
        ean[13] = '\0';
        snprintf(tok, cap, "EAN %s", ean);
        break;
    }
    case 11:
        snprintf(tok, cap, "%u %03u,%02u EUR", 1 + bench_rng_below(r, 99), bench_rng_below(r, 1000),
                 bench_rng_below(r, 100));
        break;
    case 12:
        snprintf(tok, cap, "%u-%02u-%02u", 2019 + bench_rng_below(r, 7), 1 + bench_rng_below(r, 12),
                 1 + bench_rng_below(r, 28));
        break;
    default:
        snprintf(tok, cap, "%u units", 1000 + bench_rng_below(r, 9000));
        break;
    }
}

static void
gen_sentence(struct gen *g)
{
    struct bench_rng *r = &g->rng;
    unsigned n = 6 + bench_rng_below(r, 11);
    char tok[96];

    for (unsigned i = 0; i < n; i++) {
        if (g->dense && i > 0 && bench_rng_below(r, 40) == 0) {
            gen_business(g, tok, sizeof(tok) - 2);
        } else if (i > 0 && bench_rng_below(r, g->dense ? 40 : 12) == 0) {
            gen_number(g, tok, sizeof(tok) - 2);
        } else {
            snprintf(tok, sizeof(tok) - 2, "%s", PICK(r, words));
            if (i == 0 && tok[0] >= 'a' && tok[0] <= 'z') {
                tok[0] = (char)(tok[0] - 'a' + 'A');
            }
        }
        size_t len = strlen(tok);
        if (i + 1 == n) {
            tok[len++] = bench_rng_below(r, 10) == 0 ? '?' : '.';
        } else if (i > 1 && bench_rng_below(r, 10) == 0) {
            tok[len++] = ',';
        }
        tok[len] = '\0';
        gen_token(g, tok);
    }
}

/* luhn_complete sets d[n-1] so that the n digits pass the Luhn check. */
static void
luhn_complete(char *d, size_t n)
{
    unsigned sum = 0;
    bool dbl = true;
    for (size_t i = n - 1; i-- > 0;) {
        unsigned v = (unsigned)(d[i] - '0');
        if (dbl) {
            v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        }
        sum += v;
        dbl = !dbl;
    }
    d[n - 1] = (char)('0' + (10 - sum % 10) % 10);
}

static void
gen_card(struct gen *g, char *out, size_t cap)
{
    struct bench_rng *r = &g->rng;
    char d[20];
    size_t n = 16;
    static const unsigned amex_groups[] = {4, 6, 5, 0};
    static const unsigned std_groups[] = {4, 4, 4, 4, 0};

    switch (bench_rng_below(r, 6)) {
    case 0: /* Visa */
        snprintf(d, sizeof(d), "4");
        break;
    case 1: /* Mastercard 51-55 */
        snprintf(d, sizeof(d), "5%u", 1 + bench_rng_below(r, 5));
        break;
    case 2: /* Mastercard 2221-2720 */
        snprintf(d, sizeof(d), "%u", 2221 + bench_rng_below(r, 500));
        break;
    case 3: /* American Express */
        snprintf(d, sizeof(d), "3%c", bench_rng_below(r, 2) ? '4' : '7');
        n = 15;
        break;
    case 4: /* Discover */
        snprintf(d, sizeof(d), "6011");
        break;
    default: /* JCB 3528-3589 */
        snprintf(d, sizeof(d), "35%u", 28 + bench_rng_below(r, 62));
        break;
    }
    for (size_t i = strlen(d); i < n; i++) {
        d[i] = (char)('0' + bench_rng_below(r, 10));
    }
    luhn_complete(d, n);

    const unsigned *groups = n == 15 ? amex_groups : std_groups;
    unsigned s = bench_rng_below(r, 4);
    char sep = s == 0 ? '\0' : s == 1 ? '-' : ' ';
    size_t o = 0;
    size_t k = 0;
    for (const unsigned *gp = groups; *gp != 0 && o + *gp + 1 < cap; gp++) {
        if (gp != groups && sep != '\0') {
            out[o++] = sep;
        }
        memcpy(out + o, d + k, *gp);
        o += *gp;
        k += *gp;
    }
    out[o] = '\0';
}

static void
gen_ssn(struct gen *g, char *out, size_t cap)
{
    struct bench_rng *r = &g->rng;
    unsigned area;
    do {
        area = 1 + bench_rng_below(r, 899);
    } while (area == 666);
    snprintf(out, cap, "%03u-%02u-%04u", area, 1 + bench_rng_below(r, 99),
             1 + bench_rng_below(r, 9999));
}

static void
gen_nino(struct gen *g, char *out, size_t cap)
{
    /* HMRC: first letter not D F I Q U V, second not D F I O Q U V; some pairs unused. */
    static const char first[] = "ABCEGHJKLMNOPRSTWXYZ";
    static const char second[] = "ABCEGHJKLMNPRSTWXYZ";
    static const char *const bad[] = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"};
    struct bench_rng *r = &g->rng;
    char p[3] = {0};
    bool ok;
    do {
        p[0] = first[bench_rng_below(r, sizeof(first) - 1)];
        p[1] = second[bench_rng_below(r, sizeof(second) - 1)];
        ok = true;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            ok = ok && strcmp(p, bad[i]) != 0;
        }
    } while (!ok);
    unsigned a = bench_rng_below(r, 100), b = bench_rng_below(r, 100), c = bench_rng_below(r, 100);
    char suffix = (char)('A' + bench_rng_below(r, 4));
    if (bench_rng_below(r, 2)) {
        snprintf(out, cap, "%s %02u %02u %02u %c", p, a, b, c, suffix);
    } else {
        snprintf(out, cap, "%s%02u%02u%02u%c", p, a, b, c, suffix);
    }
}

/* iban_mod97 returns the ISO 7064 mod-97 remainder of BBAN + country + "00". */
static unsigned
iban_mod97(const char *bban, const char *country)
{
    unsigned rem = 0;
    char tail[5] = {country[0], country[1], '0', '0', '\0'};
    const char *parts[2] = {bban, tail};
    for (int k = 0; k < 2; k++) {
        for (const char *c = parts[k]; *c != '\0'; c++) {
            if (*c >= 'A' && *c <= 'Z') {
                unsigned v = (unsigned)(*c - 'A' + 10);
                rem = (rem * 100 + v) % 97;
            } else {
                rem = (rem * 10 + (unsigned)(*c - '0')) % 97;
            }
        }
    }
    return rem;
}

static void
gen_iban(struct gen *g, char *out, size_t cap)
{
    static const char *const gb_banks[] = {"NWBK", "BARC", "LOYD", "HBUK", "MIDL"};
    static const char *const nl_banks[] = {"ABNA", "INGB", "RABO"};
    struct bench_rng *r = &g->rng;
    char bban[40];
    char country[3];
    size_t digits;
    size_t o;

    switch (bench_rng_below(r, 4)) {
    case 0:
        snprintf(country, sizeof(country), "GB");
        o = (size_t)snprintf(bban, sizeof(bban), "%s", PICK(r, gb_banks));
        digits = 14;
        break;
    case 1:
        snprintf(country, sizeof(country), "NL");
        o = (size_t)snprintf(bban, sizeof(bban), "%s", PICK(r, nl_banks));
        digits = 10;
        break;
    case 2:
        snprintf(country, sizeof(country), "DE");
        o = 0;
        digits = 18;
        break;
    default:
        snprintf(country, sizeof(country), "FR");
        o = 0;
        digits = 23;
        break;
    }
    for (size_t i = 0; i < digits; i++) {
        bban[o++] = (char)('0' + bench_rng_below(r, 10));
    }
    bban[o] = '\0';

    char iban[48];
    int n = snprintf(iban, sizeof(iban), "%s%02u%s", country, 98 - iban_mod97(bban, country), bban);
    bool grouped = bench_rng_below(r, 2) != 0;
    size_t w = 0;
    for (int i = 0; i < n && w + 2 < cap; i++) {
        if (grouped && i > 0 && i % 4 == 0) {
            out[w++] = ' ';
        }
        out[w++] = iban[i];
    }
    out[w] = '\0';
}

static void
gen_email(struct gen *g, char *out, size_t cap)
{
    struct bench_rng *r = &g->rng;
    const char *f = PICK(r, first_names);
    const char *l = PICK(r, last_names);
    const char *d = PICK(r, domains);
    if (bench_rng_below(r, 2)) {
        snprintf(out, cap, "%s.%s@%s", f, l, d);
    } else {
        snprintf(out, cap, "%c%s%u@%s", f[0], l, bench_rng_below(r, 100), d);
    }
}

static void
gen_phone(struct gen *g, char *out, size_t cap)
{
    struct bench_rng *r = &g->rng;
    unsigned x = bench_rng_below(r, 1000);
    switch (bench_rng_below(r, 4)) {
    case 0:
        snprintf(out, cap, "+44 20 7946 0%03u", x);
        break;
    case 1:
        snprintf(out, cap, "020 7946 0%03u", x);
        break;
    case 2:
        snprintf(out, cap, "+1 415 555 0%03u", x);
        break;
    default:
        snprintf(out, cap, "(212) 555-0%03u", x);
        break;
    }
}

struct plant_kind {
    unsigned type; /* enum scan_type */
    void (*make)(struct gen *g, char *out, size_t cap);
    const char *before[3]; /* sentence openings that carry a context word */
    const char *after;
};

static const struct plant_kind kinds[] = {
    {SCAN_T_CREDIT_CARD,
     gen_card,
     {"Please charge the card number", "The Visa credit card", "Card number on file is"},
     "for the renewal."},
    {SCAN_T_CREDIT_CARD,
     gen_card,
     {"Payment card", "Use the Mastercard credit card", "Charge it to card"},
     "before the end of the month."},
    {SCAN_T_US_SSN,
     gen_ssn,
     {"Her social security number is", "The SSN on the form is", "Employee SSN"},
     "according to the payroll file."},
    {SCAN_T_UK_NINO,
     gen_nino,
     {"His national insurance number is", "NI number", "National Insurance No."},
     "was confirmed by payroll."},
    {SCAN_T_IBAN,
     gen_iban,
     {"Please send the payment to IBAN", "Our bank account IBAN is", "Wire transfer to IBAN"},
     "before Friday."},
    {SCAN_T_EMAIL,
     gen_email,
     {"Contact", "Send the signed copy by email to", "Her e-mail address is"},
     "for the details."},
    {SCAN_T_PHONE, gen_phone, {"Call me on", "My phone number is", "Mobile phone"}, "after lunch."},
};

static void
gen_planted(struct gen *g)
{
    struct bench_rng *r = &g->rng;
    const struct plant_kind *k = &kinds[bench_rng_below(r, sizeof(kinds) / sizeof(kinds[0]))];
    char value[64];

    k->make(g, value, sizeof(value));
    gen_words(g, k->before[bench_rng_below(r, 3)]);
    gen_token(g, value);
    gen_words(g, k->after);
    g->planted[k->type]++;
    g->since_planted = 0;
    g->next_gap = GAP_MIN + bench_rng_below(r, 2 * GAP_MIN);
}

static void
gen_paragraph(struct gen *g)
{
    unsigned n = 3 + bench_rng_below(&g->rng, 5);
    for (unsigned i = 0; i < n; i++) {
        if (g->since_planted >= g->next_gap) {
            gen_planted(g);
        } else {
            gen_sentence(g);
        }
    }
    gen_newline(g);
    gen_newline(g);
}

int
bench_text_generate(struct bench_text *t, size_t total, size_t per_msg, bool dense)
{
    if (per_msg < 1024 || total < per_msg) {
        return RL_EINVAL;
    }
    *t = (struct bench_text){0};
    size_t n = (total + per_msg - 1) / per_msg;
    t->ends = calloc(n, sizeof(*t->ends));
    if (t->ends == NULL || bench_buf_reserve(&t->buf, n * (per_msg + 1024)) != 0) {
        bench_text_fini(t);
        return RL_ENOMEM;
    }
    struct gen g = {.rng = {BENCH_SEED}, .out = &t->buf, .next_gap = GAP_MIN, .dense = dense};
    for (size_t i = 0; i < n; i++) {
        size_t start = t->buf.len;
        while (g.err == 0 && t->buf.len - start < per_msg) {
            gen_paragraph(&g);
        }
        t->ends[i] = t->buf.len;
    }
    if (g.err != 0) {
        bench_text_fini(t);
        return g.err;
    }
    t->n = n;
    memcpy(t->planted, g.planted, sizeof(t->planted));
    size_t runs = 0;
    for (size_t i = 0, r = 0; i <= t->buf.len; i++) {
        bool d = i < t->buf.len && t->buf.data[i] >= '0' && t->buf.data[i] <= '9';
        runs += !d && r >= 4;
        r = d ? r + 1 : 0;
    }
    t->runs4_per_4k = t->buf.len > 0 ? (double)runs * 4096.0 / (double)t->buf.len : 0;
    return 0;
}

void
bench_text_fini(struct bench_text *t)
{
    bench_buf_fini(&t->buf);
    free(t->ends);
    *t = (struct bench_text){0};
}

static int
put_headers(struct bench_buf *b, const char *kind, size_t i)
{
    int rc = bench_buf_printf(b,
                              "From: Bench Sender <sender@bench.example>\r\n"
                              "To: Bench Recipient <rcpt@bench.example>\r\n"
                              "Subject: Weekly figures %zu\r\n"
                              "Date: Mon, 06 May 2024 09:%02zu:00 +0000\r\n"
                              "Message-ID: <bench-%s-%zu@bench.example>\r\n"
                              "MIME-Version: 1.0\r\n",
                              i, i % 60, kind, i);
    return rc;
}

int
bench_data_plain(struct bench_workload *w, const struct bench_text *t, const char *name)
{
    struct bench_buf msg = {0};
    int rc = 0;

    w->name = name;
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        size_t start = i == 0 ? 0 : t->ends[i - 1];
        msg.len = 0;
        rc = put_headers(&msg, "plain", i);
        if (rc == 0) {
            rc = bench_buf_puts(&msg, "Content-Type: text/plain; charset=us-ascii\r\n"
                                      "Content-Transfer-Encoding: 7bit\r\n\r\n");
        }
        if (rc == 0) {
            rc = bench_buf_append(&msg, t->buf.data + start, t->ends[i] - start);
        }
        if (rc == 0) {
            rc = bench_workload_add(w, msg.data, msg.len);
        }
    }
    bench_buf_fini(&msg);
    w->n_distinct = w->n_msgs;
    memcpy(w->planted, t->planted, sizeof(w->planted));
    w->runs4_per_4k = t->runs4_per_4k;
    return rc;
}

/* put_base64 appends `in` as base64 lines of 76 characters ending in CRLF. */
static int
put_base64(struct bench_buf *b, const uint8_t *in, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t need = (len + 2) / 3 * 4;
    int rc = bench_buf_reserve(b, need + (need / 76 + 1) * 2);
    if (rc != 0) {
        return rc;
    }
    uint8_t *o = b->data + b->len;
    size_t col = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        if (i + 2 < len) {
            v |= in[i + 2];
        }
        *o++ = (uint8_t)alphabet[(v >> 18) & 63];
        *o++ = (uint8_t)alphabet[(v >> 12) & 63];
        *o++ = i + 1 < len ? (uint8_t)alphabet[(v >> 6) & 63] : '=';
        *o++ = i + 2 < len ? (uint8_t)alphabet[v & 63] : '=';
        col += 4;
        if (col == 76) {
            *o++ = '\r';
            *o++ = '\n';
            col = 0;
        }
    }
    if (col > 0) {
        *o++ = '\r';
        *o++ = '\n';
    }
    b->len = (size_t)(o - b->data);
    return 0;
}

int
bench_data_base64(struct bench_workload *w, const struct bench_text *t)
{
    struct bench_buf msg = {0};
    int rc = 0;

    w->name = "base64-attach";
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        size_t start = i == 0 ? 0 : t->ends[i - 1];
        msg.len = 0;
        rc = put_headers(&msg, "b64", i);
        if (rc == 0) {
            rc = bench_buf_printf(
                &msg,
                "Content-Type: multipart/mixed; boundary=\"=_redline_bench_%zu\"\r\n"
                "\r\n"
                "This is a multi-part message in MIME format.\r\n"
                "\r\n"
                "--=_redline_bench_%zu\r\n"
                "Content-Type: text/plain; charset=us-ascii\r\n"
                "Content-Transfer-Encoding: 7bit\r\n"
                "\r\n"
                "Hello, please find this week's figures attached.\r\n"
                "\r\n"
                "--=_redline_bench_%zu\r\n"
                "Content-Type: text/plain; charset=us-ascii; name=\"figures-%zu.txt\"\r\n"
                "Content-Disposition: attachment; filename=\"figures-%zu.txt\"\r\n"
                "Content-Transfer-Encoding: base64\r\n"
                "\r\n",
                i, i, i, i, i);
        }
        if (rc == 0) {
            rc = put_base64(&msg, t->buf.data + start, t->ends[i] - start);
        }
        if (rc == 0) {
            rc = bench_buf_printf(&msg, "--=_redline_bench_%zu--\r\n", i);
        }
        if (rc == 0) {
            rc = bench_workload_add(w, msg.data, msg.len);
        }
    }
    bench_buf_fini(&msg);
    w->n_distinct = w->n_msgs;
    memcpy(w->planted, t->planted, sizeof(w->planted));
    w->runs4_per_4k = t->runs4_per_4k;
    return rc;
}
