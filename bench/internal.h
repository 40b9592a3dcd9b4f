/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers private to bench/: a growable byte buffer and the workload (messages
 * as received plus the bytes decoded from them) that every measurement reads.
 * Start-up code only: these allocate. Single thread. */
#ifndef BENCH_INTERNAL_H
#define BENCH_INTERNAL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "scan_types.h"

struct bench_buf {
    uint8_t *data; /* owned */
    size_t len;    /* bytes used */
    size_t cap;    /* bytes allocated */
};

/* bench_buf_reserve makes room for `n` more bytes in `b`. Returns 0 or RL_ENOMEM. */
int bench_buf_reserve(struct bench_buf *b, size_t n);

/* bench_buf_append appends `n` bytes of `p`. Returns 0 or RL_ENOMEM. */
int bench_buf_append(struct bench_buf *b, const void *p, size_t n);

/* bench_buf_puts appends the NUL-terminated `s` without its NUL. Returns 0 or RL_ENOMEM. */
int bench_buf_puts(struct bench_buf *b, const char *s);

/* bench_buf_printf appends formatted text (at most 1023 bytes; longer is an
 * RL_EINVAL). Returns 0, RL_EINVAL or RL_ENOMEM. */
int bench_buf_printf(struct bench_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* bench_arg_u64 parses the decimal `s` (may be NULL) into *out when it lies in
 * [min, max]. Returns true on success. */
bool bench_arg_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* bench_arg_double parses the number `s` (may be NULL) into *out when it is
 * finite and lies in [min, max]. Returns true on success. */
bool bench_arg_double(const char *s, double min, double max, double *out);

/* bench_cpu_pin keeps the calling thread on the CPU it runs on now, so that
 * every figure is one core's throughput. Returns the CPU or -1. */
int bench_cpu_pin(void);

/* bench_cpu_now_s returns CLOCK_MONOTONIC in seconds. */
double bench_cpu_now_s(void);

/* bench_cpu_now_ns returns CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_cpu_now_ns(void);

/* bench_buf_fini releases `b` and zeroes it; a zeroed buffer is a no-op. */
void bench_buf_fini(struct bench_buf *b);

/* bench_cpu_s returns the CPU time of the calling thread in seconds: what a
 * shared machine cannot inflate (openssl speed also counts CPU time). */
double bench_cpu_s(void);

/* One message of a workload: where its received and decoded bytes lie. */
struct bench_msg {
    size_t in_off;  /* byte offset into bench_workload.in */
    size_t in_len;  /* bytes */
    size_t dec_off; /* byte offset into bench_workload.dec */
    size_t dec_len; /* bytes */
};

/* A workload: messages back to back, as received and decoded. Zero it before use. */
struct bench_workload {
    const char *name;       /* static, e.g. "plain-7bit" */
    struct bench_buf in;    /* every message as received (wire bytes) */
    struct bench_buf dec;   /* decoded bytes of each message (bench_decode) */
    struct bench_msg *msgs; /* owned array */
    size_t n_msgs;
    size_t msgs_cap;
    size_t n_distinct;             /* messages before the set was repeated to reach the size */
    size_t planted[SCAN_T__COUNT]; /* values planted per enum scan_type; all 0 when unknown */
    double runs4_per_4k;           /* digit runs of 4+ digits per 4 KiB of text; 0 when unknown */
};

/* bench_workload_add appends the message `msg` (which must not point into
 * `w->in`) to `w->in` and records it. Returns 0 or RL_ENOMEM. */
int bench_workload_add(struct bench_workload *w, const uint8_t *msg, size_t len);

/* bench_workload_fini releases everything `w` owns and zeroes it. */
void bench_workload_fini(struct bench_workload *w);

/* A seeded generator (splitmix64): small, fast and identical on every
 * platform, so every run builds the same messages and values. */
struct bench_rng {
    uint64_t s;
};

static inline uint64_t
bench_rng_next(struct bench_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* bench_rng_below returns a uniform value in [0, n). */
static inline unsigned
bench_rng_below(struct bench_rng *r, unsigned n)
{
    return (unsigned)(((bench_rng_next(r) >> 32) * n) >> 32);
}

/* PICK draws one element of the array `arr` with generator `r`. */
#define PICK(r, arr) ((arr)[bench_rng_below((r), sizeof(arr) / sizeof((arr)[0]))])

#endif
