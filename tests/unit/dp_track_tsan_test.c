/* SPDX-License-Identifier: Apache-2.0 */
/* The cross-thread parts of the dataplane under ThreadSanitizer: workers
 * writing tracking lines while the sync thread fdatasyncs and a reopen
 * rotates the file, and workers counting while the stats thread reads.
 * Every line must arrive whole, once, in order per worker. Built with
 * -fsanitize=thread in the plain build only (meson cannot mix it with ASan). */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_stats.h"
#include "dp_track.h"

#define WORKERS 2
#define LINES 20000

static struct dp_stats_core stats[WORKERS];

static void *
worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    char line[64];
    for (unsigned i = 0; i < LINES; i++) {
        int n = snprintf(line, sizeof(line), "{\"w\":%u,\"n\":%u}", id, i);
        if (dp_track_write(line, (size_t)n) != 0) {
            return (void *)1;
        }
        dp_stats_add(&stats[id], DP_C_MSG_RELAYED, 1);
    }
    return NULL;
}

/* check reads `path` and counts its lines into next[] (order per worker). */
static int
check(const char *path, unsigned next[WORKERS], unsigned *total)
{
    FILE *f = fopen(path, "r");
    unsigned w, n;
    char line[128];
    int bad = f == NULL;
    while (!bad && fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "{\"w\":%u,\"n\":%u}", &w, &n) != 2 || w >= WORKERS || n != next[w]) {
            bad = 1;
            break;
        }
        next[w]++;
        (*total)++;
    }
    if (f != NULL) {
        fclose(f);
    }
    return bad;
}

int
main(void)
{
    char path[] = "/tmp/redline-track-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        return 1;
    }
    close(fd);
    char rotated[64];
    snprintf(rotated, sizeof(rotated), "%s.1", path);
    int err = 0;
    if (dp_track_open(path, &err) != 0) {
        fprintf(stderr, "dp_track_open: %s\n", strerror(err));
        return 1;
    }
    pthread_t t[WORKERS];
    for (unsigned i = 0; i < WORKERS; i++) {
        pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
    }
    static char json[65536];
    size_t seen = 0;
    for (int k = 0; k < 200; k++) {
        seen = dp_stats_json(json, sizeof(json), NULL, stats, WORKERS); /* concurrent reads */
        if (k == 100 && (rename(path, rotated) != 0 || dp_track_reopen(&err) != 0)) {
            return 1; /* rotated while the workers write */
        }
    }
    int failed = 0;
    for (unsigned i = 0; i < WORKERS; i++) {
        void *rc = NULL;
        pthread_join(t[i], &rc);
        failed |= rc != NULL;
    }
    dp_track_close();
    /* Every line arrived whole and once, in order per worker, across both files. */
    unsigned next[WORKERS] = {0}, total = 0;
    int bad = check(rotated, next, &total) || check(path, next, &total);
    unlink(path);
    unlink(rotated);
    dp_stats_json(json, sizeof(json), NULL, stats, WORKERS);
    int ok = !failed && !bad && total == WORKERS * LINES && seen > 0 &&
             strstr(json, "\"messages_relayed\":40000") != NULL && dp_track_failures() == 0;
    printf("%s: %u lines, order %s\n", ok ? "ok" : "FAIL", total, bad ? "broken" : "kept");
    return ok ? 0 : 1;
}
