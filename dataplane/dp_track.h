/* SPDX-License-Identifier: Apache-2.0 */
/* The message tracking log: each worker pushes one JSON line per message into
 * its own single-producer ring; one logger thread drains every ring to the
 * log file. Workers never block on it: a full ring drops the line and counts
 * the loss. */
#ifndef DP_TRACK_H
#define DP_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_TRACK_LINE 2048  /* octets per line, newline included */
#define DP_TRACK_SLOTS 1024 /* lines per worker ring (a power of two) */

struct dp_track_ring {
    _Alignas(64) uint64_t head; /* written by the worker */
    _Alignas(64) uint64_t tail; /* written by the logger */
    uint16_t len[DP_TRACK_SLOTS];
    char line[DP_TRACK_SLOTS][DP_TRACK_LINE];
};

#define DP_TRACK_TS_LEN 32 /* "2026-01-31T23:59:59.999Z" and its NUL, with room */

/* dp_track_ts writes the current UTC time as tracking lines give it
 * ("2026-01-31T23:59:59.999Z") to `out` (`cap` >= DP_TRACK_TS_LEN). Any
 * thread. */
void dp_track_ts(char *out, size_t cap);

/* dp_track_push copies `line` (`len` octets, no newline; cut at
 * DP_TRACK_LINE - 1) into `r`. Returns false when the ring is full. Called
 * only by the worker owning `r`. */
bool dp_track_push(struct dp_track_ring *r, const char *line, size_t len);

/* dp_track_start opens `path` for appending ("-" = standard error) and starts
 * the logger thread over `rings` (`n` of them, owned by the caller and
 * outliving dp_track_stop). Returns 0 or RL_EIO with errno in *out_errno. */
int dp_track_start(const char *path, struct dp_track_ring *const *rings, unsigned n,
                   int *out_errno);

/* dp_track_reopen asks the logger thread to reopen the log's path (after a
 * rotation renamed the file) between two lines, and waits up to `timeout_ms`
 * for it: the lines before go to the old file, those after to the new one.
 * Returns 0 (at once when logging to standard error: nothing to reopen), RL_EIO
 * with errno in *out_errno when the path cannot be opened (the old file is
 * kept) or the logger is not running, or RL_EAGAIN when the logger did not
 * answer in time (the reopen still happens). Any thread but a worker (it
 * blocks); several callers may ask at once. */
int dp_track_reopen(int timeout_ms, int *out_errno);

/* dp_track_stop drains every ring one last time and stops the thread. */
void dp_track_stop(void);

#endif
