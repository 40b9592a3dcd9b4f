/* SPDX-License-Identifier: Apache-2.0 */
/* The messages of the SMTP load tools: a pool of sensitive values (from the
 * shared corpus plus seeded synthetic ones), the MIME messages the generator
 * sends (built once, dot-stuffed once) and the scan the sink uses to find
 * unredacted pool values. Building allocates (start-up only); finding and
 * stamping never allocate. Single thread. */
#ifndef BENCH_MAIL_H
#define BENCH_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"
#include "scan_types.h"

#define BENCH_VALUE_MAX 48    /* bytes of one value, NUL included */
#define BENCH_VALUES_MAX 1024 /* values in a pool */
#define BENCH_MAIL_SEED 0x5265646c696e6521ull
#define BENCH_MAIL_HDR_MAX 1024 /* bytes of a message's header block */
#define BENCH_MAIL_ID_LEN 25    /* "<16 hex>.<8 hex>": the stamped part of Message-ID */

struct bench_value {
    char text[BENCH_VALUE_MAX]; /* as written into messages, NUL terminated */
    uint8_t len;                /* bytes, >= 8 */
    uint8_t type;               /* enum scan_type */
    int16_t next;               /* next value with the same 8-byte prefix hash, -1 ends */
};

/* The values a generator plants and a sink looks for. Both sides build the
 * same pool from the same corpus directory and seed. */
struct bench_values {
    struct bench_value *v;               /* owned array of n values */
    size_t n;                            /* values, at most BENCH_VALUES_MAX */
    size_t from_corpus;                  /* how many of them came from the corpus */
    size_t by_type[SCAN_T__COUNT];       /* values per type */
    uint16_t *of_type[SCAN_T__COUNT];    /* owned: indexes of the values of each type */
    int16_t heads[2 * BENCH_VALUES_MAX]; /* prefix hash -> first value, -1 = none */
    uint8_t first2[65536 / 8];           /* bit set: the first two bytes of some value */
};

/* bench_values_load fills the zeroed `vals` with the valid payment card
 * numbers (known issuer ranges and lengths), US SSNs, IBANs (mod-97) and
 * plain ASCII e-mail addresses of every validator_cases.jsonl one folder
 * below `corpus_dir` (folders sorted, duplicates dropped; a missing directory
 * gives none), then 16 synthetic values of each type drawn from `seed`.
 * Returns 0, or RL_ENOMEM with `diag` set. */
int bench_values_load(struct bench_values *vals, struct rl_diag *diag, const char *corpus_dir,
                      uint64_t seed);

/* bench_values_fini releases `vals` and zeroes it. */
void bench_values_fini(struct bench_values *vals);

/* bench_values_find counts the pool values written out in the `len` bytes at
 * `p`: at each offset the longest value that starts there counts once and
 * the scan resumes after it. Adds the count per type to out_by_type (may be
 * NULL; SCAN_T__COUNT entries) and returns the total. Never allocates. */
size_t bench_values_find(const struct bench_values *vals, size_t *out_by_type, const uint8_t *p,
                         size_t len);

/* One prebuilt message. The header block ends with its empty line; its
 * Message-ID carries BENCH_MAIL_ID_LEN placeholder bytes at `id_off` that
 * bench_mail_stamp overwrites per send. */
struct bench_mail {
    uint8_t *hdr;     /* owned header block */
    size_t hdr_len;   /* bytes */
    size_t id_off;    /* offset of the stamped part of Message-ID in hdr */
    uint8_t *body;    /* owned body, as the recipient gets it */
    size_t body_len;  /* bytes */
    uint8_t *wire;    /* owned body dot-stuffed, then ".\r\n" (RFC 5321 4.5.2) */
    size_t wire_len;  /* bytes */
    unsigned planted; /* pool values written into the body */
    unsigned planted_by_type[SCAN_T__COUNT];
};

/* Parameters of bench_mailset_build. */
struct bench_mail_params {
    size_t size;    /* bytes of each message (header + body), >= 1024 */
    double density; /* fraction of body lines carrying a pool value, 0..1 */
    size_t n;       /* distinct messages, 1..1024 */
    uint64_t seed;  /* same seed, same messages */
};

struct bench_mailset {
    struct bench_mail *m; /* owned array */
    size_t n;
};

/* bench_mailset_build fills the zeroed `set` with `p->n` text/plain 7bit
 * messages of exactly `p->size` bytes (From, To, Subject, Date, Message-ID,
 * MIME headers; English-like CRLF lines, about one line in 40 starting with
 * '.'), a fraction `p->density` of the body lines carrying a value of `vals`
 * (types in turn, each with a context phrase and no negative context word).
 * Returns 0, RL_EINVAL (bad parameters, `diag` says which) or RL_ENOMEM. */
int bench_mailset_build(struct bench_mailset *set, struct rl_diag *diag,
                        const struct bench_values *vals, const struct bench_mail_params *p);

/* bench_mailset_from_messages fills the zeroed `set` with the `n` (1..4096)
 * messages msgs[i] (lens[i] bytes each, borrowed), sent as they are except
 * that every line ends in CRLF (RFC 5321 2.3.8: a bare LF or CR becomes
 * CRLF) and a first header field "X-Redline-Bench-Id: <...>" carries the
 * stamp, so every message sent stays unique. A message with a line longer
 * than 998 octets is left out (RFC 5321 4.5.3.1.6: no client may send it)
 * and counted in *out_skipped. Nothing is planted. Returns 0, RL_EINVAL
 * (none left; `diag` says why) or RL_ENOMEM. */
int bench_mailset_from_messages(struct bench_mailset *set, struct rl_diag *diag,
                                const uint8_t *const *msgs, const size_t *lens, size_t n,
                                size_t *out_skipped);

/* bench_mailset_fini releases `set` and zeroes it. */
void bench_mailset_fini(struct bench_mailset *set);

/* bench_mail_stamp copies the header block of `m` to `out` (capacity
 * `out_cap` >= m->hdr_len) with the Message-ID stamped from `seq` and `run`,
 * so that every message sent in a run, and across runs, is unique. Returns
 * the bytes written (m->hdr_len), or 0 if `out` is too small. */
size_t bench_mail_stamp(uint8_t *out, size_t out_cap, const struct bench_mail *m, uint64_t seq,
                        uint32_t run);

#endif
