/* SPDX-License-Identifier: Apache-2.0 */
/* The growable byte buffer and the workload container shared by bench/.
 * Start-up code only (allocates); single thread. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rl_error.h"

int
bench_buf_reserve(struct bench_buf *b, size_t n)
{
    if (b->cap - b->len >= n) {
        return 0;
    }
    if (n > SIZE_MAX / 2 - b->len) {
        return RL_ENOMEM;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n) {
        cap *= 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) {
        return RL_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int
bench_buf_append(struct bench_buf *b, const void *p, size_t n)
{
    int rc = bench_buf_reserve(b, n);
    if (rc != 0) {
        return rc;
    }
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    return 0;
}

int
bench_buf_puts(struct bench_buf *b, const char *s)
{
    return bench_buf_append(b, s, strlen(s));
}

int
bench_buf_printf(struct bench_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return RL_EINVAL;
    }
    return bench_buf_append(b, tmp, (size_t)n);
}

void
bench_buf_fini(struct bench_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

int
bench_workload_add(struct bench_workload *w, const uint8_t *msg, size_t len)
{
    if (w->n_msgs == w->msgs_cap) {
        size_t cap = w->msgs_cap ? w->msgs_cap * 2 : 64;
        struct bench_msg *p = realloc(w->msgs, cap * sizeof(*p));
        if (p == NULL) {
            return RL_ENOMEM;
        }
        w->msgs = p;
        w->msgs_cap = cap;
    }
    size_t off = w->in.len;
    int rc = bench_buf_append(&w->in, msg, len);
    if (rc != 0) {
        return rc;
    }
    w->msgs[w->n_msgs++] = (struct bench_msg){.in_off = off, .in_len = len};
    return 0;
}

void
bench_workload_fini(struct bench_workload *w)
{
    bench_buf_fini(&w->in);
    bench_buf_fini(&w->dec);
    free(w->msgs);
    *w = (struct bench_workload){0};
}
