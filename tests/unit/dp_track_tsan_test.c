/* SPDX-License-Identifier: Apache-2.0 */
/* The cross-thread parts of the dataplane under ThreadSanitizer: workers
 * pushing tracking lines while the logger thread drains them, and workers
 * counting while the stats thread reads. Built with -fsanitize=thread in the
 * plain build only (meson cannot mix it with ASan). */
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

static struct dp_track_ring rings[WORKERS];
static struct dp_stats_core stats[WORKERS];

static void *
worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    char line[64];
    for (unsigned i = 0; i < LINES; i++) {
        int n = snprintf(line, sizeof(line), "{\"w\":%u,\"n\":%u}", id, i);
        while (!dp_track_push(&rings[id], line, (size_t)n)) {
            sched_yield(); /* the test waits; a real worker drops and counts */
        }
        dp_stats_add(&stats[id], DP_C_MSG_RELAYED, 1);
    }
    return NULL;
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
    struct dp_track_ring *r[WORKERS] = {&rings[0], &rings[1]};
    int err = 0;
    if (dp_track_start(path, r, WORKERS, &err) != 0) {
        fprintf(stderr, "dp_track_start: %s\n", strerror(err));
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
    }
    for (unsigned i = 0; i < WORKERS; i++) {
        pthread_join(t[i], NULL);
    }
    dp_track_stop();
    /* Every line arrived, in order per worker. */
    FILE *f = fopen(path, "r");
    unsigned next[WORKERS] = {0};
    unsigned w, n, total = 0;
    char line[128];
    int bad = 0;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "{\"w\":%u,\"n\":%u}", &w, &n) != 2 || w >= WORKERS || n != next[w]) {
            bad = 1;
            break;
        }
        next[w]++;
        total++;
    }
    if (f != NULL) {
        fclose(f);
    }
    unlink(path);
    dp_stats_json(json, sizeof(json), NULL, stats, WORKERS);
    int ok = !bad && total == WORKERS * LINES && seen > 0 &&
             strstr(json, "\"messages_relayed\":40000") != NULL;
    printf("%s: %u lines, order %s\n", ok ? "ok" : "FAIL", total, bad ? "broken" : "kept");
    return ok ? 0 : 1;
}
