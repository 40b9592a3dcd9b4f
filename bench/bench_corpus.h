/* SPDX-License-Identifier: Apache-2.0 */
/* The realistic workload: every message-looking file under the shared test
 * corpus, in a fixed order, repeated to reach a size.
 * Start-up code only (reads files, allocates); single thread. */
#ifndef BENCH_CORPUS_H
#define BENCH_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_mail.h"
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

/* bench_corpus_mailset fills the zeroed `set` with one message of every
 * message file under `dir` (at most BENCH_CORPUS_MSG_MAX bytes each, in path
 * order), as bench_mailset_from_messages makes them: the corpus mix of
 * `redline-bench smtp --corpus-mix` and `redline-bench-dpdk smtp
 * --corpus-mix`. Sets *out_skipped to the messages left out. Returns 0,
 * RL_EIO or RL_EINVAL (`diag` says why) or RL_ENOMEM. */
#define BENCH_CORPUS_MSG_MAX ((size_t)4 << 20) /* larger corpus files are left out */
int bench_corpus_mailset(struct bench_mailset *set, struct rl_diag *diag, const char *dir,
                         size_t *out_skipped);

#endif
