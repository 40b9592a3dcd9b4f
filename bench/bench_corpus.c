/* SPDX-License-Identifier: Apache-2.0 */
/* Builds the realistic workload from the shared corpus: walks the directory
 * tree, keeps the files that start with a header block, and repeats them in
 * path order up to the requested size. Start-up code only; single thread. */
#include "bench_corpus.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HEADER_SCAN_MAX ((size_t)64 * 1024) /* a header block must end within this many bytes */
#define WALK_DEPTH_MAX 8

struct path_list {
    char **v; /* owned strings */
    size_t n;
    size_t cap;
};

static int
paths_add(struct path_list *l, const char *p)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        char **v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            return RL_ENOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = strdup(p);
    if (l->v[l->n] == NULL) {
        return RL_ENOMEM;
    }
    l->n++;
    return 0;
}

static void
paths_free(struct path_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    *l = (struct path_list){0};
}

static int
walk(struct path_list *l, struct rl_diag *diag, const char *dir, unsigned depth)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        rl_diag_set(diag, dir, "cannot open directory: %s", strerror(errno));
        return RL_EIO;
    }
    int rc = 0;
    const struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        if (e->d_name[0] == '.') {
            continue;
        }
        int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof(path) || lstat(path, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode) && depth < WALK_DEPTH_MAX) {
            rc = walk(l, diag, path, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            rc = paths_add(l, path);
        }
    }
    closedir(d);
    return rc;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* is_field_line: RFC 5322 2.2 field name (printable ASCII but ':'), here
 * starting with a letter or digit, then optional obsolete WSP, then ':'. */
static bool
is_field_line(const uint8_t *line, size_t len)
{
    size_t k = 0;
    bool alnum =
        len > 0 && ((line[0] >= 'a' && line[0] <= 'z') || (line[0] >= 'A' && line[0] <= 'Z') ||
                    (line[0] >= '0' && line[0] <= '9'));
    if (!alnum) {
        return false;
    }
    while (k < len && line[k] > ' ' && line[k] < 0x7f && line[k] != ':') {
        k++;
    }
    while (k < len && (line[k] == ' ' || line[k] == '\t')) {
        k++;
    }
    return k < len && line[k] == ':';
}

bool
bench_corpus_is_message(const uint8_t *buf, size_t len)
{
    size_t lim = len < HEADER_SCAN_MAX ? len : HEADER_SCAN_MAX;
    const uint8_t *nl = memchr(buf, '\n', lim);
    if (nl == NULL || !is_field_line(buf, (size_t)(nl - buf))) {
        return false;
    }
    /* the header block ends at the first empty line, or at the end of a short file */
    size_t i = 0;
    while (i < lim) {
        nl = memchr(buf + i, '\n', lim - i);
        size_t end = nl != NULL ? (size_t)(nl - buf) : lim;
        if (memchr(buf + i, '\0', end - i) != NULL) {
            return false;
        }
        if (end == i || (end == i + 1 && buf[i] == '\r')) {
            return true;
        }
        i = end + 1;
    }
    return len <= HEADER_SCAN_MAX;
}

static int
read_file(struct bench_buf *out, const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return RL_EIO;
    }
    out->len = 0;
    int rc = 0;
    for (;;) {
        rc = bench_buf_reserve(out, 65536);
        if (rc != 0) {
            break;
        }
        size_t n = fread(out->data + out->len, 1, 65536, f);
        out->len += n;
        if (out->len > max) {
            rc = RL_ELIMIT;
            break;
        }
        if (n < 65536) {
            rc = ferror(f) ? RL_EIO : 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

int
bench_corpus_load(struct bench_workload *w, struct rl_diag *diag, const char *dir, size_t total,
                  size_t max_msg)
{
    struct path_list paths = {0};
    struct bench_buf file = {0};
    struct bench_workload set = {0};

    int rc = walk(&paths, diag, dir, 0);
    if (rc != 0) {
        goto fail;
    }
    qsort(paths.v, paths.n, sizeof(*paths.v), cmp_str);
    for (size_t i = 0; i < paths.n; i++) {
        if (read_file(&file, paths.v[i], max_msg) != 0 ||
            !bench_corpus_is_message(file.data, file.len)) {
            continue;
        }
        rc = bench_workload_add(&set, file.data, file.len);
        if (rc != 0) {
            goto fail;
        }
    }
    if (set.n_msgs == 0) {
        rc = RL_EIO;
        rl_diag_set(diag, dir, "no message files found");
        goto fail;
    }

    w->name = "corpus-mix";
    w->n_distinct = set.n_msgs;
    rc = bench_buf_reserve(&w->in, total + set.in.len);
    while (rc == 0 && w->in.len < total) {
        for (size_t i = 0; i < set.n_msgs && rc == 0; i++) {
            rc = bench_workload_add(w, set.in.data + set.msgs[i].in_off, set.msgs[i].in_len);
        }
    }
fail:
    bench_workload_fini(&set);
    bench_buf_fini(&file);
    paths_free(&paths);
    return rc;
}

int
bench_corpus_mailset(struct bench_mailset *set, struct rl_diag *diag, const char *dir,
                     size_t *out_skipped)
{
    struct bench_workload w = {0};
    int rc = bench_corpus_load(&w, diag, dir, 1, BENCH_CORPUS_MSG_MAX);
    const uint8_t **msgs = calloc(w.n_msgs + 1, sizeof(*msgs));
    size_t *lens = calloc(w.n_msgs + 1, sizeof(*lens));
    if (rc == 0 && (msgs == NULL || lens == NULL)) {
        rc = rl_diag_set(diag, "corpus", "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < w.n_msgs; i++) {
        msgs[i] = w.in.data + w.msgs[i].in_off;
        lens[i] = w.msgs[i].in_len;
    }
    if (rc == 0) {
        rc = bench_mailset_from_messages(set, diag, msgs, lens, w.n_msgs, out_skipped);
    }
    free(msgs);
    free(lens);
    bench_workload_fini(&w);
    return rc;
}
