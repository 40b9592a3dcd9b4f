/* SPDX-License-Identifier: Apache-2.0 */
/* The pusher thread: committed version -> snapshot frame -> redlined, and
 * the probe of what redlined runs. */
#include "ctl_push.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_model.h"
#include "dp_push.h"
#include "rl_io.h"
#include "scan_engine.h"
#include "scan_policy.h"

#define APPLY_TIMEOUT_S 60 /* redlined builds TLS contexts and waits a grace period */

struct ctl_push {
    struct ctl_push_config cfg;
    pthread_t thread;
    pthread_mutex_t lock;
    struct ctl_push_state st;
    int stop; /* atomic */
    /* The frame of the newest version built, kept for retries. */
    uint8_t *frame;
    size_t frame_len;
    uint64_t frame_version;
    char frame_license[64]; /* "state/tier" the frame was built with */
    struct ctl_push_cache cache;
};

static void
log_event(struct ctl_push *p, json_t *e)
{
    if (p->cfg.log != NULL && e != NULL) {
        char ts[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_set_new(e, "ts", json_string(ts));
        char *s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s != NULL) {
            p->cfg.log(p->cfg.log_ctx, s);
            free(s);
        }
    }
    json_decref(e);
}

void
ctl_push_cache_fini(struct ctl_push_cache *cache)
{
    free(cache->policy);
    free(cache->blob);
    memset(cache, 0, sizeof(*cache));
}

/* compile compiles and serialises `policy_text` into *out_blob. */
static int
compile(uint8_t **out_blob, size_t *out_len, struct rl_diag *diag, const char *policy_text)
{
    struct scan_policy *pol = NULL;
    struct scan_engine *eng = NULL;
    int rc = scan_policy_parse(&pol, diag, policy_text, strlen(policy_text));
    if (rc == 0) {
        rc = scan_engine_compile(&eng, diag, pol);
    }
    if (rc == 0) {
        rc = scan_engine_serialize(eng, out_blob, out_len);
    }
    scan_engine_free(eng);
    scan_policy_free(pol);
    return rc;
}

int
ctl_push_frame(uint8_t **out_frame, size_t *out_len, struct rl_diag *diag, json_t *doc, uint64_t n,
               const struct ctl_license_status *lic, struct ctl_push_cache *cache)
{
    /* The configuration without the policy (shipped compiled beside it) and
     * without the licence text (redlined gets what it means instead). */
    json_t *config = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (strcmp(k, CTL_DOC_POLICY) != 0 && strcmp(k, CTL_DOC_LICENSE) != 0) {
            json_object_set(config, k, v);
        }
    }
    json_t *policy = json_object_get(doc, CTL_DOC_POLICY);
    char *policy_text =
        policy != NULL ? json_dumps(policy, JSON_COMPACT) : strdup(scan_policy_default_json());
    json_t *payload = json_pack("{s:I, s:o, s:s, s:{s:s, s:s, s:b, s:I}}", "version", (json_int_t)n,
                                "config", config, "policy", policy_text != NULL ? policy_text : "",
                                "license", "state", ctl_license_state_name(lic->state), "tier",
                                ctl_tier_name(lic->tier), "evaluation", lic->evaluation,
                                "rate_per_hour", (json_int_t)ctl_tier_rate(lic->tier));
    char *json = payload != NULL ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_decref(payload);
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    int rc = json != NULL && policy_text != NULL ? 0 : RL_ENOMEM;
    bool cached = rc == 0 && cache != NULL && cache->policy != NULL &&
                  strcmp(cache->policy, policy_text) == 0;
    if (rc == 0 && !cached) {
        rc = compile(&blob, &blob_len, diag, policy_text);
        if (rc == 0 && cache != NULL) {
            ctl_push_cache_fini(cache);
            cache->policy = policy_text;
            policy_text = NULL;
            cache->blob = blob;
            cache->blob_len = blob_len;
        }
    } else if (rc == 0) {
        blob = cache->blob;
        blob_len = cache->blob_len;
    }
    free(policy_text);
    if (rc == 0) {
        struct dp_push_header h = {.version = n};
        dp_push_seal(&h, (const uint8_t *)json, strlen(json), blob, blob_len);
        char line[DP_PUSH_HEADER_MAX];
        size_t hl = dp_push_header_format(line, sizeof(line), &h);
        uint8_t *frame = malloc(hl + h.json_len + blob_len);
        if (frame == NULL) {
            rc = RL_ENOMEM;
        } else {
            memcpy(frame, line, hl);
            memcpy(frame + hl, json, h.json_len);
            memcpy(frame + hl + h.json_len, blob, blob_len);
            *out_frame = frame;
            *out_len = hl + h.json_len + blob_len;
        }
    }
    free(json);
    if (cache == NULL) {
        free(blob); /* else the cache owns it */
    }
    return rc;
}

/* roundtrip sends `len` octets to redlined's config socket and returns its
 * answer, parsed; NULL with `why` set when it could not be had. */
static json_t *
roundtrip(const char *path, const uint8_t *data, size_t len, int timeout_s, char *why,
          size_t why_cap)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(why, why_cap, "%s: path too long", path);
        return NULL;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {.tv_sec = timeout_s};
    char buf[4096];
    size_t got = 0;
    if (fd < 0) {
        snprintf(why, why_cap, "socket: %s", strerror(errno));
        return NULL;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || rl_write_all(fd, data, len) != 0) {
        snprintf(why, why_cap, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    for (;;) {
        ssize_t k = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0 || (got += (size_t)k) == sizeof(buf) - 1) {
            if (k < 0) {
                snprintf(why, why_cap, "%s: %s", path,
                         errno == EAGAIN ? "no answer in time" : strerror(errno));
                close(fd);
                return NULL;
            }
            break;
        }
    }
    close(fd);
    buf[got] = '\0';
    json_t *ans = json_loads(buf, 0, NULL);
    if (!json_is_object(ans)) {
        json_decref(ans);
        snprintf(why, why_cap, "%s: unreadable answer", path);
        return NULL;
    }
    return ans;
}

static void
set_state(struct ctl_push *p, bool reachable, uint64_t running, uint64_t pushed, const char *error)
{
    pthread_mutex_lock(&p->lock);
    p->st.reachable = reachable;
    if (running != 0) {
        p->st.running = running;
    }
    if (pushed != 0) {
        p->st.pushed = pushed;
    }
    snprintf(p->st.error, sizeof(p->st.error), "%s", error);
    pthread_mutex_unlock(&p->lock);
}

/* license_key names what a licence status means for redlined. */
static void
license_key(char *out, size_t cap, const struct ctl_license_status *lic)
{
    snprintf(out, cap, "%s/%s", ctl_license_state_name(lic->state), ctl_tier_name(lic->tier));
}

/* license_moved tells whether the licence now means something else than
 * what the last frame carried (it expired, or its warning period began):
 * then the same version is pushed again with the new tier. */
static bool
license_moved(struct ctl_push *p)
{
    struct ctl_license_status lic;
    char key[64];
    (void)ctl_service_license(p->cfg.svc, &lic);
    license_key(key, sizeof(key), &lic);
    if (p->frame_version == 0 || strcmp(key, p->frame_license) == 0) {
        return false;
    }
    p->frame_version = 0; /* rebuild */
    return true;
}

/* push sends version `n` (building its frame if not cached). */
static void
push(struct ctl_push *p, uint64_t n)
{
    char why[300] = "";
    if (p->frame_version != n) {
        struct ctl_version v;
        char *text = NULL;
        struct ctl_store *st = p->cfg.store;
        if (st->ops->get(st, &v, &text, n) != 0) {
            return; /* superseded meanwhile, or the store failed: next turn */
        }
        json_t *doc = json_loads(text, 0, NULL);
        free(text);
        struct ctl_license_status lic;
        (void)ctl_service_license(p->cfg.svc, &lic);
        license_key(p->frame_license, sizeof(p->frame_license), &lic);
        struct rl_diag d = {{0}, {0}};
        free(p->frame);
        p->frame = NULL;
        p->frame_version = 0;
        int rc = doc != NULL ? ctl_push_frame(&p->frame, &p->frame_len, &d, doc, n, &lic, &p->cache)
                             : RL_ESYNTAX;
        json_decref(doc);
        if (rc != 0) {
            snprintf(why, sizeof(why), "version %llu cannot be built: %s%s%s",
                     (unsigned long long)n, d.field, d.field[0] ? ": " : "", d.reason);
            set_state(p, p->st.reachable, 0, 0, why);
            return;
        }
        p->frame_version = n;
    }
    json_t *ans =
        roundtrip(p->cfg.socket, p->frame, p->frame_len, APPLY_TIMEOUT_S, why, sizeof(why));
    if (ans == NULL) {
        set_state(p, false, 0, 0, why);
        return;
    }
    bool ok = json_is_true(json_object_get(ans, "ok"));
    uint64_t running = (uint64_t)json_integer_value(json_object_get(ans, "version"));
    if (!ok) {
        snprintf(why, sizeof(why), "redlined refused version %llu: %s", (unsigned long long)n,
                 json_string_value(json_object_get(ans, "error")) != NULL
                     ? json_string_value(json_object_get(ans, "error"))
                     : "no reason given");
    }
    set_state(p, true, running, ok ? n : 0, why);
    log_event(p, json_pack("{s:s, s:I, s:b, s:s}", "event", "push", "version", (json_int_t)n, "ok",
                           ok, "error", why));
    json_decref(ans);
}

/* probe asks redlined which version it runs; 0 when unknown. */
static uint64_t
probe(struct ctl_push *p)
{
    char why[300] = "";
    static const char q[] = "version\n";
    json_t *ans = roundtrip(p->cfg.socket, (const uint8_t *)q, sizeof(q) - 1, 10, why, sizeof(why));
    if (ans == NULL) {
        set_state(p, false, 0, 0, why);
        return 0;
    }
    uint64_t running = (uint64_t)json_integer_value(json_object_get(ans, "version"));
    json_decref(ans);
    pthread_mutex_lock(&p->lock);
    p->st.reachable = true;
    p->st.running = running;
    pthread_mutex_unlock(&p->lock);
    return running;
}

static void *
run(void *arg)
{
    struct ctl_push *p = arg;
    struct ctl_store *st = p->cfg.store;
    uint64_t seen = 0; /* newest committed version acted on */
    uint64_t running = probe(p);
    while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
        struct ctl_version v;
        if (st->ops->current(st, &v, NULL) == 0 && v.n != 0 && v.n != running) {
            push(p, v.n);
            pthread_mutex_lock(&p->lock);
            running = p->st.running;
            pthread_mutex_unlock(&p->lock);
        }
        seen = v.n;
        uint64_t n = 0;
        if (st->ops->watch(st, &n, seen, CTL_PUSH_PROBE_MS) == RL_EAGAIN) {
            running = probe(p); /* quiet second: is redlined still on it? */
            if (seen != 0 && license_moved(p)) {
                push(p, seen);
            }
        }
    }
    return NULL;
}

int
ctl_push_start(struct ctl_push **out_push, const struct ctl_push_config *cfg)
{
    struct ctl_push *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return RL_ENOMEM;
    }
    p->cfg = *cfg;
    pthread_mutex_init(&p->lock, NULL);
    if (pthread_create(&p->thread, NULL, run, p) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return RL_EIO;
    }
    *out_push = p;
    return 0;
}

void
ctl_push_stop(struct ctl_push *p)
{
    if (p == NULL) {
        return;
    }
    __atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->lock);
    free(p->frame);
    ctl_push_cache_fini(&p->cache);
    free(p);
}

void
ctl_push_get(struct ctl_push *p, struct ctl_push_state *out)
{
    if (p == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    pthread_mutex_lock(&p->lock);
    *out = p->st;
    pthread_mutex_unlock(&p->lock);
}
