/* SPDX-License-Identifier: Apache-2.0 */
/* Test fixtures for archives and documents: zip files built in memory with
 * libzip, corpus files read whole, and the re-opening check every rewritten
 * file must pass (libzip opens it, libxml2 parses each XML part), and the
 * document rewriter under a policy. For cmocka
 * runners only; single-threaded. */
#ifndef DOC_FIXTURE_H
#define DOC_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <zip.h>

#include "scan_doc.h"
#include "scan_policy.h"

struct fx_entry {
    const char *name;
    const void *data;
    size_t len;  /* 0: strlen(data) */
    bool stored; /* no compression */
};

/* fx_zip builds an archive of `n` entries; the caller frees it. */
static inline uint8_t *
fx_zip(const struct fx_entry *e, size_t n, size_t *out_len)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
    assert_non_null(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    assert_non_null(za);
    zip_source_keep(src);
    for (size_t i = 0; i < n; i++) {
        size_t len = e[i].len ? e[i].len : strlen(e[i].data);
        zip_source_t *s = zip_source_buffer(za, e[i].data, len, 0);
        assert_non_null(s);
        zip_int64_t idx = zip_file_add(za, e[i].name, s, ZIP_FL_OVERWRITE);
        assert_true(idx >= 0);
        if (e[i].stored) {
            zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
        }
    }
    assert_int_equal(zip_close(za), 0);
    zip_stat_t st;
    assert_int_equal(zip_source_open(src), 0);
    assert_int_equal(zip_source_stat(src, &st), 0);
    uint8_t *out = malloc(st.size);
    assert_non_null(out);
    assert_int_equal(zip_source_read(src, out, st.size), (zip_int64_t)st.size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&err);
    *out_len = st.size;
    return out;
}

/* fx_corpus returns the path of `rel` under the corpus ($RL_CORPUS), in a
 * static buffer overwritten by the next call. */
static inline const char *
fx_corpus(const char *rel)
{
    static char path[1024];
    const char *c = getenv("RL_CORPUS");
    snprintf(path, sizeof(path), "%s/%s", c != NULL ? c : "../shared/corpus", rel);
    return path;
}

/* fx_file reads a whole file (the caller frees it); NULL when missing. */
static inline uint8_t *
fx_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *out_len = (size_t)n;
    return p;
}

/* fx_entry_text returns entry `name` of the archive p[0, len) as a
 * NUL-terminated string (caller frees), or NULL when it is not there. */
static inline char *
fx_entry_text(const uint8_t *p, size_t len, const char *name)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(p, len, 0, &err);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    assert_non_null(za);
    zip_stat_t st;
    char *out = NULL;
    if (zip_stat(za, name, 0, &st) == 0) {
        out = calloc(1, st.size + 1);
        zip_file_t *f = zip_fopen(za, name, 0);
        assert_non_null(f);
        assert_int_equal(zip_fread(f, out, st.size), (zip_int64_t)st.size);
        zip_fclose(f);
    }
    zip_discard(za);
    zip_error_fini(&err);
    return out;
}

/* fx_check_package asserts that p[0, len) opens with libzip's consistency
 * checks, every entry reads back with a good CRC, and every .xml and .rels
 * entry is well-formed XML to libxml2 (no network, no entities). Returns the
 * number of entries. */
static inline size_t
fx_check_package(const uint8_t *p, size_t len)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(p, len, 0, &err);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    assert_non_null(za);
    zip_int64_t n = zip_get_num_entries(za, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        zip_stat_t st;
        assert_int_equal(zip_stat_index(za, (zip_uint64_t)i, 0, &st), 0);
        char *buf = malloc(st.size + 1);
        zip_file_t *f = zip_fopen_index(za, (zip_uint64_t)i, 0);
        assert_non_null(f);
        assert_int_equal(zip_fread(f, buf, st.size), (zip_int64_t)st.size);
        assert_int_equal(zip_fclose(f), 0); /* 0: the CRC matched */
        size_t nl = strlen(st.name);
        if ((nl > 4 && strcmp(st.name + nl - 4, ".xml") == 0) ||
            (nl > 5 && strcmp(st.name + nl - 5, ".rels") == 0)) {
            xmlDocPtr doc =
                xmlReadMemory(buf, (int)st.size, NULL, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            if (doc == NULL) {
                fail_msg("%s is not well-formed", st.name);
            }
            xmlFreeDoc(doc);
        }
        free(buf);
    }
    zip_discard(za);
    zip_error_fini(&err);
    return (size_t)n;
}

/* One engine per policy text; the rewriter under test. */
struct env {
    struct scan_policy *pol;
    struct scan_engine *eng;
    struct scan_worker *w;
    struct scan_doc *doc;
};

static inline void
env_init(struct env *e, const char *policy_json)
{
    struct rl_diag d = {{0}, {0}};
    const char *json = policy_json != NULL ? policy_json : scan_policy_default_json();
    assert_int_equal(scan_policy_parse(&e->pol, &d, json, strlen(json)), 0);
    assert_int_equal(scan_engine_compile(&e->eng, &d, e->pol), 0);
    e->w = scan_worker_new(e->eng);
    assert_non_null(e->w);
    assert_int_equal(scan_doc_new(&e->doc, &d, e->w, e->pol), 0);
}

static inline void
env_fini(struct env *e)
{
    scan_doc_free(e->doc);
    scan_worker_free(e->w);
    scan_engine_free(e->eng);
    scan_policy_free(e->pol);
}

/* How many actions of `kind` the rewrite took. */
static inline size_t
count_actions(const struct scan_doc_result *r, enum scan_doc_act kind)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_actions; i++) {
        n += r->actions[i].kind == kind;
    }
    return n;
}

#endif
