/* SPDX-License-Identifier: Apache-2.0 */
/* The message tracking log (SPEC.md: every action recorded). A line is
 * appended with one write(2) by the thread that has it, before the client
 * hears the outcome, so it survives a crash of the process once the call
 * returns; a sync thread fdatasyncs what was written in groups, every
 * DP_TRACK_SYNC_MS, for power loss. Any thread may write. */
#ifndef DP_TRACK_H
#define DP_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define DP_TRACK_LINE 2048  /* octets a line builder may use, newline included */
#define DP_TRACK_SYNC_MS 20 /* the longest a written line waits for its fdatasync */
#define DP_TRACK_TS_LEN 32  /* "2026-01-31T23:59:59.999Z" and its NUL, with room */

/* dp_track_ts writes the current UTC time as tracking lines give it
 * ("2026-01-31T23:59:59.999Z") to `out` (`cap` >= DP_TRACK_TS_LEN). Any
 * thread. */
void dp_track_ts(char *out, size_t cap);

/* dp_track_open opens `path` for appending ("-" = standard error; mode 0640
 * when created) and starts the sync thread. Returns 0 or RL_EIO with errno in
 * *out_errno. Start-up, one thread, before any dp_track_write. */
int dp_track_open(const char *path, int *out_errno);

/* dp_track_write appends `line` (`len` octets, no newline) and a newline in
 * one write(2) on an O_APPEND descriptor, so lines of concurrent writers never
 * mix. Returns 0 once the kernel has it (a crash of the process no longer
 * loses it; power loss at most the last DP_TRACK_SYNC_MS), or RL_EIO when it
 * could not be written whole (counted; dp_track_failures). Any thread; does
 * not wait for the disk. */
int dp_track_write(const char *line, size_t len);

/* dp_track_write_json adds "ts" to the object `line`, writes it compact as
 * dp_track_write does, and takes the reference (NULL is counted as a
 * failure). Returns 0, RL_ENOMEM or RL_EIO. Any thread (not for workers:
 * jansson allocates). */
int dp_track_write_json(json_t *line);

/* dp_track_reopen opens the log's path again and puts the new file in place
 * of the old one for every writer at once (log rotation); "-" stays. Returns
 * 0 or RL_EIO with errno in *out_errno (the old file stays in use). Any
 * thread. */
int dp_track_reopen(int *out_errno);

/* dp_track_failures returns how many lines could not be written. */
uint64_t dp_track_failures(void);

/* dp_track_close syncs what was written, stops the sync thread and closes the
 * log. No dp_track_write may run any more. */
void dp_track_close(void);

#endif
