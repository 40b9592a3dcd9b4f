/* SPDX-License-Identifier: Apache-2.0 */
/* Detection: one Hyperscan literal database (context keywords, the e-mail
 * anchor '@', lexicon words), one optional regex database (lexicon regexes),
 * the digit-led detectors in C, then context and policy. The engine is
 * compiled once and shared read-only; a scan_worker belongs to one thread. */
#include "scan_engine.h"

#include <emmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "rl_ascii.h"
#include "scan_chars.h"
#include "scan_digits.h"
#include "scan_email.h"
#include "scan_fold.h"
#include "scan_table.h"

enum pat_kind {
    PAT_EMAIL = 0, /* the '@' anchor */
    PAT_KEYWORD,   /* positive context for `type` */
    PAT_NEGATIVE,  /* negative context */
    PAT_LEX,       /* lexicon entry `entry` */
};

struct pat_info {
    uint8_t kind;   /* enum pat_kind */
    uint8_t type;   /* enum scan_type for PAT_KEYWORD */
    bool prefix;    /* a keyword written "word*": matches at the start of a longer word */
    uint16_t len;   /* literal length in bytes (0 for regexes) */
    uint32_t entry; /* index into policy->entries for PAT_LEX */
};

struct scan_engine {
    const struct scan_policy *policy; /* borrowed */
    hs_database_t *lit_db;            /* '@' and lexicon words; NULL when empty */
    hs_database_t *kw_db;             /* context keywords; scanned only around candidates */
    hs_database_t *re_db;             /* NULL without lexicon regexes */
    struct pat_info *lit;             /* by Hyperscan id in lit_db */
    struct pat_info *kw;              /* by Hyperscan id in kw_db */
    struct pat_info *re;              /* by Hyperscan id in re_db */
    uint32_t n_lit, n_kw, n_re;       /* entries of lit, kw and re */
    unsigned digit_types;             /* SCAN_MASK of enabled digit-led detectors */
    bool loaded; /* databases deserialised into memory of ours (scan_engine_deserialize) */
    /* Bytes that end a line as a unit of its own (see line_ends_unit): digits,
     * closing punctuation, and the policy's mask characters, so a verifying
     * scan of redacted text sees the same scopes as the first scan. */
    bool unit_end[256];
};

/* A raw Hyperscan match, kept until context is evaluated. */
struct hit {
    uint32_t from;
    uint32_t to;
    uint32_t id;
};

struct hit_vec {
    struct hit *v; /* owned; grows only on pathological input, then keeps its size */
    size_t n;
    size_t cap;
    bool failed; /* allocation failed while growing */
};

struct scan_worker {
    const struct scan_engine *engine; /* borrowed */
    hs_scratch_t *scratch;            /* owned; one per thread */
    struct hit_vec lit_hits;          /* this call's literal matches */
    struct hit_vec re_hits;           /* this call's regex matches */
    struct scan_cand *cand;           /* owned, cand_cap elements */
    size_t cand_cap;
    struct scan_finding *tmp; /* owned, cand_cap elements: findings before merge */
    uint8_t *fold;            /* owned: a range folded by scan_fold, wiped after use */
    uint32_t *fold_map;       /* owned: where each folded octet came from */
    size_t fold_cap;          /* octets of fold; fold_map holds one more */
};

const struct scan_policy *
scan_engine_policy(const struct scan_engine *e)
{
    return e->policy;
}

static bool
hv_push(struct hit_vec *h, uint32_t from, uint32_t to, uint32_t id)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        struct hit *grown = realloc(h->v, cap * sizeof(*grown));
        if (grown == NULL) {
            h->failed = true;
            return false;
        }
        h->v = grown;
        h->cap = cap;
    }
    h->v[h->n++] = (struct hit){.from = from, .to = to, .id = id};
    return true;
}

/* Collects literal patterns into parallel arrays for hs_compile_lit_multi. */
struct lit_set {
    const char **expr;
    unsigned *flags;
    unsigned *ids;
    size_t *lens;
    struct pat_info *info;
    size_t n;
    size_t cap;
    char **owned; /* texts made here (keyword variants), freed with the set */
    size_t n_owned;
};

static int
lit_add(struct lit_set *s, const char *text, size_t len, unsigned flags, struct pat_info info)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        const char **e = realloc(s->expr, cap * sizeof(*e));
        if (e != NULL) {
            s->expr = e;
        }
        unsigned *f = realloc(s->flags, cap * sizeof(*f));
        if (f != NULL) {
            s->flags = f;
        }
        unsigned *i = realloc(s->ids, cap * sizeof(*i));
        if (i != NULL) {
            s->ids = i;
        }
        size_t *l = realloc(s->lens, cap * sizeof(*l));
        if (l != NULL) {
            s->lens = l;
        }
        struct pat_info *pi = realloc(s->info, cap * sizeof(*pi));
        if (pi != NULL) {
            s->info = pi;
        }
        if (e == NULL || f == NULL || i == NULL || l == NULL || pi == NULL) {
            return RL_ENOMEM;
        }
        s->cap = cap;
    }
    info.len = (uint16_t)len;
    s->expr[s->n] = text;
    s->flags[s->n] = flags;
    s->ids[s->n] = (unsigned)s->n;
    s->lens[s->n] = len;
    s->info[s->n] = info;
    s->n++;
    return 0;
}

static void
lit_fini(struct lit_set *s)
{
    free(s->expr);
    free(s->flags);
    free(s->ids);
    free(s->lens);
    free(s->info);
    for (size_t i = 0; i < s->n_owned; i++) {
        free(s->owned[i]);
    }
    free(s->owned);
}

static int
collect_literals(struct lit_set *s, const struct scan_policy *p)
{
    int rc = 0;
    if (p->detectors[SCAN_T_EMAIL].enabled) {
        rc = lit_add(s, "@", 1, 0, (struct pat_info){.kind = PAT_EMAIL});
    }
    for (size_t i = 0; rc == 0 && i < p->n_entries; i++) {
        const struct scan_lex_entry *le = &p->entries[i];
        if (le->kind == SCAN_LEX_WORD) {
            rc = lit_add(s, le->text, le->text_len, HS_FLAG_CASELESS,
                         (struct pat_info){.kind = PAT_LEX, .entry = (uint32_t)i});
        }
    }
    return rc;
}

/* A keyword "word", or "word*" that also matches the start of a longer word
 * ("telefon*": Telefonnummer); scan_policy.c allows '*' only at the end. */
static int
add_keyword(struct lit_set *s, const char *k, struct pat_info info)
{
    size_t n = strlen(k);
    info.prefix = n > 1 && k[n - 1] == '*';
    n -= info.prefix ? 1 : 0;
    int rc = lit_add(s, k, n, HS_FLAG_CASELESS, info);
    /* Mail is wrapped at about 72 columns: a phrase ("linha de apoio") may
     * break at any one of its spaces, with "\n" or "\r\n". */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        for (size_t crlf = 0; rc == 0 && k[i] == ' ' && crlf < 2; crlf++) {
            char **o = realloc(s->owned, (s->n_owned + 1) * sizeof(*o));
            char *v = malloc(n + 2);
            if (o != NULL) {
                s->owned = o;
            }
            if (o == NULL || v == NULL) {
                free(v);
                return RL_ENOMEM;
            }
            s->owned[s->n_owned++] = v;
            memcpy(v, k, i);
            memcpy(v + i, crlf ? "\r\n" : "\n", 1 + crlf);
            memcpy(v + i + 1 + crlf, k + i + 1, n - i - 1);
            v[n + crlf] = '\0';
            rc = lit_add(s, v, n + crlf, HS_FLAG_CASELESS, info);
        }
    }
    return rc;
}

/* Context keywords are looked up only in the few bytes around a candidate:
 * scanning whole messages for short words like "card" or "call" cost more
 * than all detectors together (measured: 3.1 -> 1.3 GB/s). */
static int
collect_keywords(struct lit_set *s, const struct scan_policy *p)
{
    int rc = 0;
    for (unsigned t = 0; rc == 0 && t < SCAN_T__COUNT; t++) {
        for (char **k = p->keywords[t]; rc == 0 && k != NULL && *k != NULL; k++) {
            if (p->detectors[t].enabled) {
                rc = add_keyword(s, *k, (struct pat_info){.kind = PAT_KEYWORD, .type = (uint8_t)t});
            }
        }
    }
    for (char **k = p->negative; rc == 0 && k != NULL && *k != NULL; k++) {
        rc = add_keyword(s, *k, (struct pat_info){.kind = PAT_NEGATIVE});
    }
    return rc;
}

static int
compile_literals(hs_database_t **out_db, struct pat_info **out_info, uint32_t *out_n,
                 struct rl_diag *diag, const char *field, const struct lit_set *s)
{
    hs_compile_error_t *err = NULL;
    if (s->n == 0) {
        return 0;
    }
    if (hs_compile_lit_multi(s->expr, s->flags, s->ids, s->lens, (unsigned)s->n, HS_MODE_BLOCK,
                             NULL, out_db, &err) != HS_SUCCESS) {
        rl_diag_set(diag, field, "%s", err->message);
        hs_free_compile_error(err);
        return RL_ESCAN;
    }
    *out_info = s->info;
    *out_n = (uint32_t)s->n;
    return 0;
}

static int
compile_regexes(struct scan_engine *e, struct rl_diag *diag, const struct scan_policy *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_entries; i++) {
        n += p->entries[i].kind == SCAN_LEX_REGEX;
    }
    if (n == 0) {
        return 0;
    }
    const char **expr = calloc(n, sizeof(*expr));
    unsigned *flags = calloc(n, sizeof(*flags));
    unsigned *ids = calloc(n, sizeof(*ids));
    e->re = calloc(n, sizeof(*e->re));
    int rc = RL_ENOMEM;
    if (expr == NULL || flags == NULL || ids == NULL || e->re == NULL) {
        goto fail;
    }
    size_t k = 0;
    for (size_t i = 0; i < p->n_entries; i++) {
        if (p->entries[i].kind == SCAN_LEX_REGEX) {
            expr[k] = p->entries[i].text;
            /* SOM costs 3-4x on some patterns (notes/platform.md), so it is
             * paid only in this separate, usually small database. */
            flags[k] = HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST;
            ids[k] = (unsigned)k;
            e->re[k] = (struct pat_info){.kind = PAT_LEX, .entry = (uint32_t)i};
            k++;
        }
    }
    hs_compile_error_t *err = NULL;
    if (hs_compile_multi(expr, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &e->re_db, &err) !=
        HS_SUCCESS) {
        size_t bad = err->expression >= 0 ? e->re[err->expression].entry : 0;
        const struct scan_lex_entry *le = &p->entries[bad];
        size_t nth = 0; /* the entry's index within its own lexicon */
        for (size_t i = 0; i < bad; i++) {
            nth += p->entries[i].lexicon == le->lexicon;
        }
        char field[64];
        snprintf(field, sizeof(field), "lexicons[%u].entries[%zu].regex", le->lexicon, nth);
        rl_diag_set(diag, field, "%s", err->message);
        hs_free_compile_error(err);
        rc = RL_ESCAN;
        goto fail;
    }
    e->n_re = (uint32_t)n;
    rc = 0;
fail:
    free(expr);
    free(flags);
    free(ids);
    return rc;
}

/* The bytes that end a line as a unit (line_ends_unit), from e->policy. */
static void
set_unit_ends(struct scan_engine *e)
{
    const struct scan_policy *policy = e->policy;
    for (const char *c = "0123456789).!?"; *c != '\0'; c++) {
        e->unit_end[(uint8_t)*c] = true;
    }
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        e->unit_end[(uint8_t)policy->detectors[t].mask.ch] = true;
    }
    for (size_t i = 0; i < policy->n_lexicons; i++) {
        e->unit_end[(uint8_t)policy->lexicons[i].mask.ch] = true;
    }
    e->unit_end[0] = false;
}

int
scan_engine_compile(struct scan_engine **out_engine, struct rl_diag *diag,
                    const struct scan_policy *policy)
{
    *out_engine = NULL;
    struct scan_engine *e = calloc(1, sizeof(*e));
    struct lit_set s = {0};
    if (e == NULL) {
        return RL_ENOMEM;
    }
    e->policy = policy;
    set_unit_ends(e);
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        if (policy->detectors[t].enabled && (SCAN_MASK(t) & SCAN_MASK_DIGIT_LED)) {
            e->digit_types |= SCAN_MASK(t);
        }
    }
    struct lit_set k = {0};
    int rc = collect_literals(&s, policy);
    if (rc == 0) {
        rc = collect_keywords(&k, policy);
    }
    if (rc == 0 &&
        (rc = compile_literals(&e->lit_db, &e->lit, &e->n_lit, diag, "lexicons", &s)) == 0) {
        s.info = NULL;
    }
    if (rc == 0 &&
        (rc = compile_literals(&e->kw_db, &e->kw, &e->n_kw, diag, "detectors.keywords", &k)) == 0) {
        k.info = NULL;
    }
    if (rc == 0) {
        rc = compile_regexes(e, diag, policy);
    }
    lit_fini(&s);
    lit_fini(&k);
    if (rc != 0) {
        scan_engine_free(e);
        return rc;
    }
    *out_engine = e;
    return 0;
}

void
scan_engine_free(struct scan_engine *e)
{
    if (e == NULL) {
        return;
    }
    if (e->loaded) {
        free(e->lit_db); /* memory of ours, from aligned_alloc */
        free(e->kw_db);
        free(e->re_db);
    } else {
        hs_free_database(e->lit_db);
        hs_free_database(e->kw_db);
        hs_free_database(e->re_db);
    }
    free(e->lit);
    free(e->kw);
    free(e->re);
    free(e);
}

/* The serialised engine: a header, then for each database (literals,
 * keywords, regexes) its pattern table and Hyperscan's own serialisation.
 * Native byte order: it never leaves the process that made it. */
#define BLOB_MAGIC 0x45534c52u /* "RLSE" */
#define BLOB_VERSION 2u        /* 2: pat_info.prefix (keywords "word*") */

struct blob_head {
    uint32_t magic, version, digit_types, pad;
    uint32_t n_info[3]; /* pattern table entries per database */
    uint32_t db_len[3]; /* Hyperscan serialisation octets; 0: no database */
};

int
scan_engine_serialize(const struct scan_engine *e, uint8_t **out_blob, size_t *out_len)
{
    const hs_database_t *db[3] = {e->lit_db, e->kw_db, e->re_db};
    const struct pat_info *info[3] = {e->lit, e->kw, e->re};
    const uint32_t n[3] = {e->n_lit, e->n_kw, e->n_re};
    char *ser[3] = {NULL, NULL, NULL};
    size_t ser_len[3] = {0, 0, 0};
    struct blob_head h = {
        .magic = BLOB_MAGIC, .version = BLOB_VERSION, .digit_types = e->digit_types};
    size_t total = sizeof(h);
    int rc = RL_ENOMEM;
    for (int i = 0; i < 3; i++) {
        if (db[i] != NULL && hs_serialize_database(db[i], &ser[i], &ser_len[i]) != HS_SUCCESS) {
            goto out;
        }
        h.n_info[i] = db[i] != NULL ? n[i] : 0;
        h.db_len[i] = (uint32_t)ser_len[i];
        total += h.n_info[i] * sizeof(struct pat_info) + ser_len[i];
    }
    uint8_t *blob = malloc(total);
    if (blob == NULL) {
        goto out;
    }
    size_t at = 0;
    memcpy(blob, &h, sizeof(h));
    at += sizeof(h);
    for (int i = 0; i < 3; i++) {
        if (h.n_info[i] > 0) {
            memcpy(blob + at, info[i], h.n_info[i] * sizeof(struct pat_info));
            at += h.n_info[i] * sizeof(struct pat_info);
        }
        if (ser_len[i] > 0) {
            memcpy(blob + at, ser[i], ser_len[i]);
            at += ser_len[i];
        }
    }
    *out_blob = blob;
    *out_len = total;
    rc = 0;
out:
    for (int i = 0; i < 3; i++) {
        free(ser[i]); /* Hyperscan's default allocator is malloc */
    }
    return rc;
}

/* load_db deserialises one database into 64-aligned memory of ours. */
static int
load_db(hs_database_t **out_db, const uint8_t *p, size_t len)
{
    size_t size = 0;
    if (hs_serialized_database_size((const char *)p, len, &size) != HS_SUCCESS || size == 0) {
        return RL_ESYNTAX;
    }
    void *mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
    if (mem == NULL) {
        return RL_ENOMEM;
    }
    if (hs_deserialize_database_at((const char *)p, len, mem) != HS_SUCCESS) {
        free(mem);
        return RL_ESYNTAX;
    }
    *out_db = mem;
    return 0;
}

int
scan_engine_deserialize(struct scan_engine **out_engine, const struct scan_policy *policy,
                        const uint8_t *blob, size_t len)
{
    *out_engine = NULL;
    struct blob_head h;
    if (len < sizeof(h)) {
        return RL_ESYNTAX;
    }
    memcpy(&h, blob, sizeof(h));
    if (h.magic != BLOB_MAGIC || h.version != BLOB_VERSION) {
        return RL_ESYNTAX;
    }
    struct scan_engine *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        return RL_ENOMEM;
    }
    e->policy = policy;
    e->loaded = true;
    set_unit_ends(e);
    e->digit_types = h.digit_types;
    hs_database_t **db[3] = {&e->lit_db, &e->kw_db, &e->re_db};
    struct pat_info **info[3] = {&e->lit, &e->kw, &e->re};
    uint32_t *n[3] = {&e->n_lit, &e->n_kw, &e->n_re};
    size_t at = sizeof(h);
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        size_t info_len = (size_t)h.n_info[i] * sizeof(struct pat_info);
        if (len - at < info_len || len - at - info_len < h.db_len[i] ||
            (h.db_len[i] == 0) != (h.n_info[i] == 0)) {
            rc = RL_ESYNTAX;
            break;
        }
        if (h.n_info[i] == 0) {
            continue;
        }
        *info[i] = malloc(info_len);
        if (*info[i] == NULL) {
            rc = RL_ENOMEM;
            break;
        }
        memcpy(*info[i], blob + at, info_len);
        *n[i] = h.n_info[i];
        at += info_len;
        rc = load_db(db[i], blob + at, h.db_len[i]);
        at += h.db_len[i];
    }
    if (rc == 0 && at != len) {
        rc = RL_ESYNTAX;
    }
    if (rc != 0) {
        scan_engine_free(e);
        return rc;
    }
    *out_engine = e;
    return 0;
}

struct scan_worker *
scan_worker_new(const struct scan_engine *e)
{
    struct scan_worker *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return NULL;
    }
    w->engine = e;
    w->cand_cap = 4096;
    w->cand = calloc(w->cand_cap, sizeof(*w->cand));
    w->tmp = calloc(w->cand_cap, sizeof(*w->tmp));
    bool ok = w->cand != NULL && w->tmp != NULL;
    if (ok && e->lit_db != NULL) {
        ok = hs_alloc_scratch(e->lit_db, &w->scratch) == HS_SUCCESS;
    }
    if (ok && e->re_db != NULL) {
        ok = hs_alloc_scratch(e->re_db, &w->scratch) == HS_SUCCESS;
    }
    if (ok && e->kw_db != NULL) {
        ok = hs_alloc_scratch(e->kw_db, &w->scratch) == HS_SUCCESS;
    }
    if (!ok) {
        scan_worker_free(w);
        return NULL;
    }
    return w;
}

void
scan_worker_free(struct scan_worker *w)
{
    if (w == NULL) {
        return;
    }
    hs_free_scratch(w->scratch);
    free(w->lit_hits.v);
    free(w->re_hits.v);
    free(w->cand);
    free(w->tmp);
    free(w->fold);
    free(w->fold_map);
    free(w);
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
         void *ctx)
{
    (void)flags;
    return hv_push(ctx, (uint32_t)from, (uint32_t)to, id) ? 0 : 1;
}

static bool
is_word_byte(uint8_t c)
{
    /* Bytes of multi-byte UTF-8 sequences count as word characters, so a
     * lexicon word never matches inside a longer non-ASCII word. */
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c >= 0x80 || c == '_';
}

static bool
whole_word(const uint8_t *buf, size_t len, size_t from, size_t to)
{
    return (from == 0 || !is_word_byte(buf[from - 1])) && (to == len || !is_word_byte(buf[to]));
}

/* Whether the UTF-8 lead byte `b` starts a character of U+3000..U+D7FF:
 * CJK punctuation, kana, Han, Hangul, written without spaces between words. */
static bool
unspaced_lead(uint8_t b)
{
    return b >= 0xE3 && b <= 0xED;
}

/* Whether the character that ends right before buf[i] is one of
 * unspaced_lead's scripts. */
static bool
unspaced_before(const uint8_t *buf, size_t i)
{
    return i >= 3 && unspaced_lead(buf[i - 3]) && buf[i - 1] >= 0x80 && buf[i - 1] < 0xC0;
}

/* Keywords may take a plural 's' ("cards"); a prefix keyword any ending. In
 * scripts without spaces ("请致电", "携帯：", "、AWB 020-...") a word
 * boundary is wherever such a character meets a keyword. */
static bool
keyword_bounded(const uint8_t *buf, size_t len, size_t from, size_t to, bool prefix)
{
    if (from > 0 && is_word_byte(buf[from - 1]) && !unspaced_lead(buf[from]) &&
        !unspaced_before(buf, from)) {
        return false;
    }
    if (prefix || unspaced_before(buf, to) || (to < len && unspaced_lead(buf[to]))) {
        return true;
    }
    if (to < len && (buf[to] == 's' || buf[to] == 'S')) {
        to++;
    }
    return to == len || !is_word_byte(buf[to]);
}

/* How far past a range's end scan_detect reads to see a finding whole: the
 * longest e-mail address (64 + 1 + 255) and then some. */
#define RANGE_REACH 400

/* Keywords are at most this long (scan_policy.c refuses longer ones). */
#define MAX_KEYWORD_LEN 64

/* How far apart a keyword and a candidate are, in bytes between them. */
static size_t
gap(size_t kfrom, size_t kto, size_t s, size_t e)
{
    return kto <= s ? s - kto : kfrom - e;
}

struct ctx_scan {
    const struct scan_engine *engine;
    hs_scratch_t *scratch; /* the worker's */
    const uint8_t *buf;    /* the whole buffer, for word boundaries */
    size_t len;
    size_t base; /* offset of the scanned window in buf */
    uint32_t s;  /* the candidate */
    uint32_t e;
    size_t lo; /* the context scope: a keyword must lie inside it */
    size_t hi;
    size_t pos_gap[SCAN_T__COUNT];        /* nearest keyword of each type; SIZE_MAX: none */
    size_t pos_before_gap[SCAN_T__COUNT]; /* the same, among those before the candidate */
    size_t neg_gap;          /* nearest negative word before the candidate; SIZE_MAX: none */
    struct ctx_cache *cache; /* scan_detect's, for column_context */
};

/* What column_context learnt in one scan_detect call, for the next
 * candidates of the same buffer: the table line's facts and the keywords of
 * the last header cell looked at. */
struct ctx_cache {
    struct scan_table_cache table;
    bool col_valid; /* col_* hold the header cell [col_from, col_to) */
    size_t col_from;
    size_t col_to;
    bool col_pos[SCAN_T__COUNT]; /* a keyword of the type in the cell */
    bool col_neg;                /* a negative word in the cell */
};

static int
on_keyword(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
           void *ctx)
{
    struct ctx_scan *c = ctx;
    const struct pat_info *pi = &c->engine->kw[id];
    size_t kto = c->base + (size_t)to;
    size_t kfrom = kto - pi->len;
    (void)from;
    (void)flags;
    if ((kto > c->s && kfrom < c->e) || kfrom < c->lo || kto > c->hi ||
        !keyword_bounded(c->buf, c->len, kfrom, kto, pi->prefix)) {
        return 0; /* inside the candidate, outside its sentence, or part of a word */
    }
    size_t g = gap(kfrom, kto, c->s, c->e);
    /* Negative words name what follows them ("order 1234..."); one after the
     * number usually belongs to the next phrase. Measured from the end of
     * the word ("orders", "Auftragsnummer" for "auftrag*"). */
    if (pi->kind == PAT_NEGATIVE && kto <= c->s) {
        size_t wend = kto;
        bool unspaced = kto >= 3 && unspaced_lead(c->buf[kto - 3]);
        while (!unspaced && wend < c->s && is_word_byte(c->buf[wend])) {
            wend++;
        }
        if (c->s - wend < c->neg_gap) {
            c->neg_gap = c->s - wend;
        }
    }
    if (pi->kind == PAT_KEYWORD && kto <= c->s && g < c->pos_before_gap[pi->type]) {
        c->pos_before_gap[pi->type] = g;
    }
    /* In Chinese and Japanese a label comes before its number; one after it
     * ("用途：24581315 如有疑问请致电135-...") belongs to the next. */
    if (pi->kind == PAT_KEYWORD && g < c->pos_gap[pi->type] &&
        (kto <= c->s || !unspaced_lead(c->buf[kfrom]))) {
        c->pos_gap[pi->type] = g;
    }
    return 0;
}

static bool
is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether the line that ends at the '\n' at buf[i] ends with a number, a
 * closing parenthesis or sentence punctuation: a list or signature line
 * ("Tel. 030 1234567"), or a finished sentence, rather than a wrapped one.
 * Keywords do not reach across such a line end. */
static bool
line_ends_unit(const struct scan_engine *eng, const uint8_t *buf, size_t i)
{
    size_t k = i;
    while (k > 0 && (buf[k - 1] == '\r' || buf[k - 1] == ' ' || buf[k - 1] == '\t')) {
        k--;
    }
    if (k == 0) {
        return false;
    }
    return eng->unit_end[buf[k - 1]];
}

/* Whether the '\n' at buf[i] ends a blank line (only spaces and quote marks
 * since the previous '\n'), looking back at most 64 bytes. */
static bool
blank_line_before(const uint8_t *buf, size_t i)
{
    size_t stop = i > 64 ? i - 64 : 0;
    for (size_t k = i; k > stop; k--) {
        uint8_t c = buf[k - 1];
        if (c == '\n') {
            return true;
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != '>') {
            return false;
        }
    }
    return false;
}

/* Whether the '\n' at buf[i] starts a blank line. */
static bool
blank_line_after(const uint8_t *buf, size_t len, size_t i)
{
    for (size_t k = i + 1; k < len && k < i + 65; k++) {
        uint8_t c = buf[k];
        if (c == '\n') {
            return true;
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != '>') {
            return false;
        }
    }
    return false;
}

/* Whether the '.', '!' or '?' at buf[i] ends a sentence: whitespace follows,
 * then a capital (any non-ASCII letter counts, "À bientôt") or the end; and a
 * '.' after a short capitalised word is an abbreviation ("Tel. 030...", "Nr.",
 * "No. 12") that introduces what follows rather than ending anything. */
static bool
sentence_end(const uint8_t *buf, size_t len, size_t i)
{
    if (i + 1 < len && !is_space(buf[i + 1])) {
        return false;
    }
    size_t k = i + 1;
    while (k < len && (is_space(buf[k]) || buf[k] == '>')) {
        k++;
    }
    if (k < len && !(buf[k] >= 'A' && buf[k] <= 'Z') && buf[k] < 0x80) {
        return false;
    }
    if (buf[i] != '.') {
        return true;
    }
    size_t w = i;
    while (w > 0 && i - w < 4 && ((buf[w - 1] | 0x20) >= 'a' && (buf[w - 1] | 0x20) <= 'z')) {
        w--;
    }
    bool short_word = i - w <= 3 && i > w && (w == 0 || !is_word_byte(buf[w - 1]));
    return !(short_word && buf[w] >= 'A' && buf[w] <= 'Z');
}

/* Whether buf[i] is the last byte of an ideographic full stop or a
 * full-width '!' or '?': a sentence end whatever follows. */
static bool
cjk_stop_ends_at(const uint8_t *buf, size_t i)
{
    if (i < 2) {
        return false;
    }
    const uint8_t *p = buf + i - 2;
    return (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x82) ||
           (p[0] == 0xEF && p[1] == 0xBC && (p[2] == 0x81 || p[2] == 0x9F));
}

/* The context scope of a candidate at [s, e): its sentence, within `win`
 * bytes on either side, never across a blank line (paragraphs, a quoted
 * reply's empty "> " line) nor the end of a line that finishes a unit of its
 * own. Keywords of one sentence or line must not decide about the
 * identifiers of the next. */
/* The bytes of p[0, 16) that may end a scope (scope_stop_before and
 * scope_stop_at look at no other): '\n', '.', '!', '?' and non-ASCII. */
static unsigned
scope_mask16(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i m = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(v, _mm_set1_epi8('.'))),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('!')), _mm_cmpeq_epi8(v, _mm_set1_epi8('?'))));
    return (unsigned)(_mm_movemask_epi8(m) | _mm_movemask_epi8(v));
}

/* Whether the scope of a candidate starting at `s` begins at `i`, after the
 * byte buf[i - 1]. */
static bool
scope_stop_before(const struct scan_engine *eng, const uint8_t *buf, size_t len, size_t i, size_t s)
{
    uint8_t c = buf[i - 1];
    return (c == '\n' && (blank_line_before(buf, i - 1) || line_ends_unit(eng, buf, i - 1))) ||
           ((c == '.' || c == '!' || c == '?') && i < s && sentence_end(buf, len, i - 1)) ||
           (c >= 0x80 && cjk_stop_ends_at(buf, i - 1));
}

/* Whether the scope of a candidate ends at `i`, before the byte buf[i]. */
static bool
scope_stop_at(const struct scan_engine *eng, const uint8_t *buf, size_t len, size_t i)
{
    uint8_t c = buf[i];
    return (c == '\n' && (blank_line_after(buf, len, i) || line_ends_unit(eng, buf, i))) ||
           ((c == '.' || c == '!' || c == '?') && sentence_end(buf, len, i)) ||
           (c >= 0x80 && i + 2 < len && cjk_stop_ends_at(buf, i + 2));
}

/* The context scope of a candidate at [s, e): its sentence, within `win`
 * bytes on either side, never across a blank line (paragraphs, a quoted
 * reply's empty "> " line) nor the end of a line that finishes a unit of its
 * own. Keywords of one sentence or line must not decide about the
 * identifiers of the next. The nearest stop on each side is searched 16
 * bytes at a time among the bytes that can be one (scope_mask16). */
static void
scope(const struct scan_engine *eng, size_t *out_lo, size_t *out_hi, const uint8_t *buf, size_t len,
      size_t s, size_t e)
{
    size_t win = eng->policy->context_window;
    size_t lo = s > win ? s - win : 0;
    size_t i = s; /* the byte looked at next is buf[i - 1] */
    bool found = false;
    while (i > lo && !found) {
        if (i - lo >= 16) {
            for (unsigned m = scope_mask16(buf + i - 16); m != 0 && !found;) {
                unsigned b = 31u - (unsigned)__builtin_clz(m);
                m &= ~(1u << b);
                found = scope_stop_before(eng, buf, len, i - 16 + b + 1, s);
                lo = found ? i - 16 + b + 1 : lo;
            }
            i -= 16;
        } else {
            found = scope_stop_before(eng, buf, len, i, s);
            lo = found ? i : lo;
            i--;
        }
    }
    size_t hi = e + win < len ? e + win : len;
    found = false;
    for (i = e; i < hi && !found;) {
        if (hi - i >= 16) {
            for (unsigned m = scope_mask16(buf + i); m != 0 && !found;) {
                unsigned b = (unsigned)__builtin_ctz(m);
                m &= m - 1;
                found = scope_stop_at(eng, buf, len, i + b);
                hi = found ? i + b : hi;
            }
            i += 16;
        } else {
            found = scope_stop_at(eng, buf, len, i);
            hi = found ? i : hi;
            i++;
        }
    }
    *out_lo = lo;
    *out_hi = hi;
}

enum ctx_verdict {
    CTX_NONE = 0,
    CTX_POSITIVE, /* a keyword for the candidate's type, nearer than any negative word */
    CTX_NEGATIVE, /* a negative word before it, nearer than any keyword */
};

/* What the context says about one candidate. */
struct ctx_result {
    enum ctx_verdict verdict;
    bool named; /* a negative word stands right before it, naming it */
};

/* Words that may stand between a label and its number: "Kundennummer:
 * 0696...", "The NHS number 409...", "facture n° 064...", "ID de reunión:". */
static const char *const fillers[] = {
    "no", "nr",   "nro", "n",         "num",       "number",     "nummer",     "numero", "numer",
    "id", "code", "de",  "n\xc2\xb0", "n\xc2\xba", "n.\xc2\xba", "n\xc2\xb0s", "número", "numéro"};

/* Whether the bytes [from, to) between a negative word and a candidate only
 * join the word to the number: separators (" :#./-=" and no-break spaces) and
 * at most two filler words ("number", "No", "n°", "ID"). Such a word names
 * the number itself. */
static bool
names_it(const uint8_t *buf, size_t from, size_t to)
{
    if (to - from > 32) {
        return false;
    }
    unsigned words = 0;
    size_t i = from;
    while (i < to) {
        uint8_t c = buf[i];
        if (c == ' ' || c == ':' || c == '#' || c == '.' || c == '/' || c == '-' || c == '\t' ||
            c == '\r' || c == '\n' || c == '>' || c == '=') {
            i++;
            continue;
        }
        size_t sp = scan_space_at(buf, i, to);
        if (sp != 0) {
            i += sp;
            continue;
        }
        /* A word: letters and other UTF-8 ("n°", "número"), with a dot only
         * inside "n.º". */
        size_t j = i;
        while (j < to &&
               (scan_is_alpha(buf[j]) || (buf[j] >= 0x80 && scan_space_at(buf, j, to) == 0) ||
                (buf[j] == '.' && j + 1 < to && buf[j + 1] == 0xC2 &&
                 scan_space_at(buf, j + 1, to) == 0))) {
            j++;
        }
        if (j == i) {
            return false;
        }
        bool filler = false;
        for (size_t k = 0; k < sizeof(fillers) / sizeof(fillers[0]) && !filler; k++) {
            size_t n = strlen(fillers[k]);
            filler = n == j - i && rl_ascii_ieq(buf + i, fillers[k], n);
        }
        if (!filler || ++words > 2) {
            return false;
        }
        i = j;
    }
    return true;
}

/* scan_context scans the scope of [s, e) for keywords of every type and
 * negative words, once: two readings of the same digits share it. */
static void
scan_context(struct scan_worker *w, struct ctx_scan *c, struct ctx_cache *cache, const uint8_t *buf,
             size_t len, uint32_t s, uint32_t e)
{
    const struct scan_engine *eng = w->engine;
    *c = (struct ctx_scan){.engine = eng,
                           .scratch = w->scratch,
                           .cache = cache,
                           .buf = buf,
                           .len = len,
                           .s = s,
                           .e = e,
                           .neg_gap = SIZE_MAX};
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        c->pos_gap[t] = SIZE_MAX;
        c->pos_before_gap[t] = SIZE_MAX;
    }
    if (eng->kw_db == NULL) {
        return;
    }
    scope(eng, &c->lo, &c->hi, buf, len, s, e);
    c->base = c->lo;
    hs_scan(eng->kw_db, (const char *)buf + c->lo, (unsigned)(c->hi - c->lo), 0, w->scratch,
            on_keyword, c);
}

/* What the keywords found by scan_context say about a candidate of `type`. */
static struct ctx_result
context_of(const struct ctx_scan *c, unsigned type)
{
    struct ctx_result r = {.verdict = CTX_NONE};
    size_t pos = c->pos_gap[type];
    /* A tie is a positive phrase that holds a negative word ("atención al
     * cliente"): the longer phrase wins. */
    if (pos != SIZE_MAX && pos <= c->neg_gap) {
        r.verdict = CTX_POSITIVE;
    } else if (c->neg_gap != SIZE_MAX) {
        r.verdict = CTX_NEGATIVE;
    }
    /* A label right before the number names it whatever follows ("Rechnung
     * Nr. 5614 3734 02 Telefonisch ..."), unless a keyword before it is as
     * near (the label is part of a keyword phrase). */
    r.named = c->neg_gap != SIZE_MAX && c->neg_gap < c->pos_before_gap[type] &&
              names_it(c->buf, c->s - c->neg_gap, c->s);
    return r;
}

/* What the header of the table column that holds the candidate says, when
 * it is in one (scan_table.h): a keyword of `type` ("Teléfono", "SSN"), a
 * negative word ("Employee no.", "NHS number"), or nothing. */
static enum ctx_verdict
column_context(const struct ctx_scan *cs, unsigned type)
{
    size_t from = 0;
    size_t to = 0;
    struct ctx_cache *cc = cs->cache;
    if (cs->engine->kw_db == NULL ||
        !scan_table_header_cached(&cc->table, cs->buf, cs->len, cs->s, &from, &to) || to == from) {
        return CTX_NONE;
    }
    if (cc->col_valid && cc->col_from == from && cc->col_to == to) {
        return cc->col_pos[type] ? CTX_POSITIVE : cc->col_neg ? CTX_NEGATIVE : CTX_NONE;
    }
    struct ctx_scan h = *cs;
    h.s = h.e = (uint32_t)to;
    h.lo = h.base = from;
    h.hi = to;
    h.neg_gap = SIZE_MAX;
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        h.pos_gap[t] = SIZE_MAX;
        h.pos_before_gap[t] = SIZE_MAX;
    }
    hs_scan(cs->engine->kw_db, (const char *)cs->buf + from, (unsigned)(to - from), 0, cs->scratch,
            on_keyword, &h);
    cc->col_valid = true;
    cc->col_from = from;
    cc->col_to = to;
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        cc->col_pos[t] = h.pos_gap[t] != SIZE_MAX;
    }
    cc->col_neg = h.neg_gap != SIZE_MAX;
    if (h.pos_gap[type] != SIZE_MAX) {
        return CTX_POSITIVE;
    }
    return h.neg_gap != SIZE_MAX ? CTX_NEGATIVE : CTX_NONE;
}

/* A number inside a URL is a path or query value, not a card or phone. */
static bool
inside_url(const uint8_t *buf, uint32_t s)
{
    uint32_t lo = s > 256 ? s - 256 : 0;
    for (uint32_t i = s; i > lo; i--) {
        uint8_t c = buf[i - 1];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '<' || c == '>' || c == '"') {
            return false;
        }
        if (c == '/' && i >= 3 && buf[i - 2] == '/' && buf[i - 3] == ':') {
            return true;
        }
    }
    return false;
}

/* Signature labels in Greek and Cyrillic, as UTF-8: Τ(ηλέφωνο), Κ(ινητό),
 * Φ(αξ); Т(елефон), М(обильный), Ф(акс). */
static const char *const label_letters[] = {"\xce\xa4", "\xce\x9a", "\xce\xa6",
                                            "\xd0\xa2", "\xd0\x9c", "\xd0\xa4"};

/* Whether the phone number at buf[s] follows a signature's one-letter label
 * at a line start or after a wide gap: "T 018-963740  M +46 ...",
 * "D (206) 640 9988", "F: 030 12345679", "Κ 697 9701641". */
static bool
signature_label(const uint8_t *buf, size_t s)
{
    size_t i = s;
    while (i > 0 && i + 3 > s && (buf[i - 1] == ' ' || buf[i - 1] == ':' || buf[i - 1] == '(')) {
        i--;
    }
    if (i == s || i == 0) {
        return false;
    }
    size_t l = i - 1; /* the label's first byte */
    if (buf[l] >= 0x80) {
        bool found = false;
        for (size_t k = 0; k < sizeof(label_letters) / sizeof(label_letters[0]) && !found; k++) {
            found = i >= 2 && memcmp(buf + i - 2, label_letters[k], 2) == 0;
        }
        if (!found) {
            return false;
        }
        l = i - 2;
    } else if (buf[l] == '\0' || strchr("TMFPDHWOC", buf[l]) == NULL) {
        return false;
    }
    /* The letter starts its line (after quote marks and indentation), or
     * follows a wide gap or a '|' between columns. */
    size_t k = l;
    while (k > 0 && l - k < 12 && (buf[k - 1] == ' ' || buf[k - 1] == '>' || buf[k - 1] == '\t')) {
        k--;
    }
    return k == 0 || buf[k - 1] == '\n' || buf[k - 1] == '|' || l - k >= 2;
}

/* judge applies context to candidate `c`: strength first (a strong candidate,
 * checksum and layout, is a finding wherever it stands; context only moves
 * its confidence), then URLs and a negative word naming the number (right
 * before it: "Kundennummer 0696 645 045") demote the others, and a weak form
 * needs a keyword nearer than any negative word.
 * `cs` is scan_context of c's span. Returns whether `c` is a finding, filling
 * *out and *out_positive (a keyword of its type is in scope). */
static bool
judge(struct scan_finding *out, bool *out_positive, const uint8_t *buf, const struct scan_cand *c,
      const struct ctx_scan *cs)
{
    bool strong = (c->flags & SCAN_CAND_STRONG) != 0;
    struct ctx_result ctx = context_of(cs, c->type);
    if (c->type == SCAN_T_PHONE && ctx.verdict != CTX_POSITIVE && !ctx.named &&
        signature_label(buf, c->start)) {
        ctx.verdict = CTX_POSITIVE;
    }
    /* No keyword in the sentence: a table's column header may name it, and
     * says more than the words in the other cells of its row. */
    if (!strong && ctx.verdict != CTX_POSITIVE) {
        enum ctx_verdict col = column_context(cs, c->type);
        ctx.verdict = col == CTX_POSITIVE ? CTX_POSITIVE : ctx.verdict;
        ctx.named |= col == CTX_NEGATIVE;
    }
    *out_positive = ctx.verdict == CTX_POSITIVE;
    if (!strong && (inside_url(buf, c->start) || ctx.named)) {
        return false;
    }
    if ((c->flags & SCAN_CAND_WEAK) && ctx.verdict != CTX_POSITIVE) {
        return false;
    }
    unsigned conf = c->confidence + (ctx.verdict == CTX_POSITIVE ? 25u : 0u);
    *out = (struct scan_finding){.start = c->start,
                                 .end = c->end,
                                 .type = c->type,
                                 .weight = 1,
                                 .confidence = (uint8_t)(conf > 100 ? 100 : conf)};
    return true;
}

static bool
add_finding(struct scan_worker *w, size_t *n, const struct scan_finding *f)
{
    if (*n == w->cand_cap) {
        return false;
    }
    w->tmp[(*n)++] = *f;
    return true;
}

static int
cmp_finding(const void *a, const void *b)
{
    const struct scan_finding *x = a;
    const struct scan_finding *y = b;
    if (x->start != y->start) {
        return (x->start > y->start) - (x->start < y->start);
    }
    return (x->end < y->end) - (x->end > y->end); /* longer first */
}

static int
detect_range(struct scan_worker *w, struct scan_finding *out, size_t cap, size_t *out_n,
             const uint8_t *buf, size_t len, size_t from, size_t to, unsigned types)
{
    const struct scan_engine *eng = w->engine;
    const struct scan_policy *pol = eng->policy;
    bool limited = false;
    size_t n = 0;
    *out_n = 0;
    w->lit_hits.n = 0;
    w->re_hits.n = 0;
    w->lit_hits.failed = w->re_hits.failed = false;
    if (len > UINT32_MAX || from > to || to > len) {
        return RL_ELIMIT;
    }
    /* Look a little past `to` so a finding that starts before it is seen
     * whole; whatever starts at or after `to` is the next range's. */
    size_t end = len - to < RANGE_REACH ? len : to + RANGE_REACH;
    struct hit_vec *hv[2] = {&w->lit_hits, &w->re_hits};
    const hs_database_t *db[2] = {eng->lit_db, eng->re_db};
    for (size_t k = 0; k < 2; k++) {
        if (db[k] == NULL || end == from) {
            continue;
        }
        if (hs_scan(db[k], (const char *)buf + from, (unsigned)(end - from), 0, w->scratch,
                    on_match, hv[k]) == HS_INVALID) {
            return RL_ESCAN;
        }
        for (size_t i = 0; i < hv[k]->n; i++) {
            hv[k]->v[i].from += (uint32_t)from;
            hv[k]->v[i].to += (uint32_t)from;
        }
    }
    if (w->lit_hits.failed || w->re_hits.failed) {
        return RL_ENOMEM;
    }

    for (size_t i = 0; i < w->lit_hits.n; i++) {
        const struct hit *h = &w->lit_hits.v[i];
        const struct pat_info *pi = &eng->lit[h->id];
        struct scan_finding f = {.weight = 1};
        if (pi->kind == PAT_EMAIL && (types & SCAN_MASK(SCAN_T_EMAIL)) &&
            scan_email_span(&f.start, &f.end, buf, len, h->to - 1)) {
            f.type = SCAN_T_EMAIL;
            f.confidence = 90;
        } else if (pi->kind == PAT_LEX && (types & SCAN_MASK(SCAN_T_LEXICON)) &&
                   whole_word(buf, len, h->to - pi->len, h->to)) {
            const struct scan_lex_entry *le = &pol->entries[pi->entry];
            f = (struct scan_finding){.start = h->to - pi->len,
                                      .end = h->to,
                                      .type = SCAN_T_LEXICON,
                                      .lexicon = le->lexicon,
                                      .weight = (uint16_t)(le->weight > 65535 ? 65535 : le->weight),
                                      .confidence = 100};
        } else {
            continue;
        }
        if (f.start < to) {
            limited |= !add_finding(w, &n, &f);
        }
    }
    for (size_t i = 0; i < w->re_hits.n && (types & SCAN_MASK(SCAN_T_LEXICON)); i++) {
        const struct hit *h = &w->re_hits.v[i];
        const struct scan_lex_entry *le = &pol->entries[eng->re[h->id].entry];
        if (h->to > h->from && h->from < to && whole_word(buf, len, h->from, h->to)) {
            struct scan_finding f = {.start = h->from,
                                     .end = h->to,
                                     .type = SCAN_T_LEXICON,
                                     .lexicon = le->lexicon,
                                     .weight = (uint16_t)(le->weight > 65535 ? 65535 : le->weight),
                                     .confidence = 100};
            limited |= !add_finding(w, &n, &f);
        }
    }

    struct ctx_cache cache = {0}; /* these bytes only */
    bool overflow = false;
    size_t nc = scan_digits_find(w->cand, w->cand_cap, &overflow, buf + from, end - from,
                                 eng->digit_types & types);
    limited |= overflow;
    for (size_t i = 0; i < nc; i++) {
        struct scan_cand *c = &w->cand[i];
        c->start += (uint32_t)from;
        c->end += (uint32_t)from;
        struct scan_cand *alt = NULL;
        if (i + 1 < nc && (w->cand[i + 1].flags & SCAN_CAND_ALT)) {
            alt = &w->cand[++i];
            alt->start += (uint32_t)from;
            alt->end += (uint32_t)from;
        }
        if (c->start >= to) {
            break;
        }
        /* Of two readings of the same digits, the one context keeps; if both,
         * the one a keyword names ("Telefon 018-733497" is no SSN). */
        struct scan_finding f = {0};
        struct scan_finding g = {0};
        bool pos_f = false;
        bool pos_g = false;
        struct ctx_scan cs;
        scan_context(w, &cs, &cache, buf, len, c->start, c->end);
        bool has_f = judge(&f, &pos_f, buf, c, &cs);
        bool has_g = false;
        if (alt != NULL && alt->start < to) {
            if (alt->start != c->start || alt->end != c->end) {
                scan_context(w, &cs, &cache, buf, len, alt->start, alt->end);
            }
            has_g = judge(&g, &pos_g, buf, alt, &cs);
        }
        if (has_g && (!has_f || (pos_g && !pos_f))) {
            f = g;
            has_f = true;
        }
        if (has_f) {
            limited |= !add_finding(w, &n, &f);
        }
    }

    qsort(w->tmp, n, sizeof(*w->tmp), cmp_finding);
    size_t kept = 0;
    uint32_t last_end = 0;
    for (size_t i = 0; i < n; i++) {
        struct scan_finding *f = &w->tmp[i];
        const struct scan_detector_policy *dp = &pol->detectors[f->type];
        if (f->type != SCAN_T_LEXICON && (!dp->enabled || f->confidence < dp->min_confidence)) {
            continue;
        }
        if (kept > 0 && f->start < last_end) {
            continue; /* overlaps a longer or earlier finding */
        }
        f->action =
            (uint8_t)(f->type == SCAN_T_LEXICON ? pol->lexicons[f->lexicon].action
                                                : dp->by_level[scan_level_of(f->confidence)]);
        if (kept == cap) {
            limited = true;
            break;
        }
        out[kept++] = *f;
        last_end = f->end;
    }
    *out_n = kept;
    return limited ? RL_ELIMIT : 0;
}

/* Octets read on either side of a range: the context window (at most 512),
 * word boundaries, and RANGE_REACH past its end. */
#define FOLD_REACH (RANGE_REACH + 1024)

int
scan_detect(struct scan_worker *w, struct scan_finding *out, size_t cap, size_t *out_n,
            const uint8_t *buf, size_t len, size_t from, size_t to, unsigned types)
{
    if (len > UINT32_MAX || from > to || to > len) {
        *out_n = 0;
        return RL_ELIMIT;
    }
    size_t lo = from > FOLD_REACH ? from - FOLD_REACH : 0;
    size_t hi = len - to > FOLD_REACH ? to + FOLD_REACH : len;
    if (!scan_fold_needed(buf + lo, hi - lo)) {
        return detect_range(w, out, cap, out_n, buf, len, from, to, types);
    }
    /* Full-width or non-ASCII digits: the detectors read the range folded
     * to ASCII, and what they find is mapped back onto `buf`. */
    size_t n = hi - lo;
    if (n > w->fold_cap) {
        *out_n = 0;
        free(w->fold);
        free(w->fold_map);
        w->fold_cap = 0;
        w->fold = malloc(n);
        w->fold_map = malloc((n + 1) * sizeof(*w->fold_map));
        if (w->fold == NULL || w->fold_map == NULL) {
            return RL_ENOMEM;
        }
        w->fold_cap = n;
    }
    size_t fn = scan_fold(w->fold, w->fold_map, buf + lo, n);
    size_t ffrom = 0;
    while (ffrom < fn && w->fold_map[ffrom] < from - lo) {
        ffrom++;
    }
    size_t fto = ffrom;
    while (fto < fn && w->fold_map[fto] < to - lo) {
        fto++;
    }
    int rc = detect_range(w, out, cap, out_n, w->fold, fn, ffrom, fto, types);
    for (size_t i = 0; i < *out_n; i++) {
        out[i].start = (uint32_t)(lo + w->fold_map[out[i].start]);
        out[i].end = (uint32_t)(lo + w->fold_map[out[i].end]);
    }
    explicit_bzero(w->fold, fn);
    return rc;
}
