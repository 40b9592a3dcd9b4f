/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics to the journal, syslog or standard error (rl_log.h). One line
 * per call, written with one write(2) so that threads never interleave. */
#include "rl_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_io.h"

static struct {
    const char *ident;
    enum rl_log_sink sink;
} lg = {"redline", RL_LOG_STDERR};

/* journal_stream tells whether standard error is the stream systemd
 * connected to the journal: JOURNAL_STREAM is "DEVICE:INODE" of it
 * (systemd.exec(5)), and a child that inherited the variable but not the
 * descriptor must not believe it. */
static bool
journal_stream(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev = 0, ino = 0;
    struct stat st;
    if (v == NULL || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
rl_log_open(const char *ident, bool detached)
{
    lg.ident = ident;
    if (journal_stream()) {
        lg.sink = RL_LOG_JOURNAL;
    } else if (detached) {
        lg.sink = RL_LOG_SYSLOG;
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
    } else {
        lg.sink = RL_LOG_STDERR;
    }
}

enum rl_log_sink
rl_log_sink(void)
{
    return lg.sink;
}

void
rl_log(int priority, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    for (char *p = text; *p != '\0'; p++) {
        *p = *p == '\n' || *p == '\r' ? ' ' : *p;
    }
    if (lg.sink == RL_LOG_SYSLOG) {
        syslog(priority, "%s", text);
        return;
    }
    char line[sizeof(text) + 80];
    int len;
    if (lg.sink == RL_LOG_JOURNAL) {
        len = snprintf(line, sizeof(line), "<%d>%s\n", LOG_PRI(priority), text);
    } else {
        len = snprintf(line, sizeof(line), "%s: %s\n", lg.ident, text);
    }
    if (len > 0) {
        (void)rl_write_all(STDERR_FILENO, line,
                           (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
    }
}
