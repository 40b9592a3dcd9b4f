/* SPDX-License-Identifier: Apache-2.0 */
/* The realistic workload: every message-looking file under the shared test
 * corpus, in a fixed order, repeated to reach a size.
 * Start-up code only (reads files, allocates); single thread. */
#ifndef BENCH_CORPUS_H
#define BENCH_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "rl_error.h"

/* bench_corpus_is_message returns true when `buf` starts with a header block:
 * the first line is a header field (a name starting with a letter or digit,
 * then ':'), and the block up to the first empty line (or the end of a file
 * shorter than 64 KiB) holds no NUL byte. Malformed fields later in the block
 * are accepted: real mail has them. */
bool bench_corpus_is_message(const uint8_t *buf, size_t len);

/* bench_corpus_load fills the zeroed `w` with every regular file under `dir`
 * (recursively, sorted by path, hidden entries skipped) that is a message and
 * at most `max_msg` bytes long, then repeats that set until `w` holds at least
 * `total` bytes. Returns 0, RL_EIO (unreadable directory, or no message found)
 * with `diag` naming the path, or RL_ENOMEM. */
int bench_corpus_load(struct bench_workload *w, struct rl_diag *diag, const char *dir, size_t total,
                      size_t max_msg);

#endif
