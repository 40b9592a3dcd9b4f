/* SPDX-License-Identifier: Apache-2.0 */
/* A daemon's diagnostics where its operator looks, with syslog priorities:
 * the journal when standard error is the journal's stream (systemd says so
 * in JOURNAL_STREAM), syslog when detached from any terminal without it,
 * standard error ("NAME: text") otherwise. For main() and the threads it
 * starts; never for library code (it fills a diagnostic instead). */
#ifndef RL_LOG_H
#define RL_LOG_H

#include <stdbool.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_INFO, ... */

enum rl_log_sink {
    RL_LOG_STDERR = 0, /* "NAME: text" lines */
    RL_LOG_JOURNAL,    /* "<N>text" lines, read by journald with priority N (sd-daemon(3)) */
    RL_LOG_SYSLOG,     /* syslog(3), facility mail */
};

/* rl_log_open chooses where rl_log writes for program `ident` (kept, not
 * copied): the journal when JOURNAL_STREAM names standard error, else syslog
 * when `detached` (call it again so right after daemon(): errors before it
 * still reach the terminal), else standard error. Main thread, before other
 * threads log. */
void rl_log_open(const char *ident, bool detached);

/* rl_log_sink returns the choice rl_log_open made. */
enum rl_log_sink rl_log_sink(void);

/* rl_log writes one diagnostic line at syslog `priority` (LOG_ERR ...);
 * newlines in the text are replaced by spaces. Any thread. */
void rl_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
