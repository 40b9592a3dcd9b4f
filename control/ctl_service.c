/* SPDX-License-Identifier: Apache-2.0 */
/* The control plane's commands over the versioned store: read, edit,
 * validate, commit, history, diff, rollback, licence, status. */
#include "ctl_service.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_client.h"
#include "ctl_model.h"
#include "ctl_push.h"
#include "ctl_validate.h"

#define HISTORY_MAX 1000 /* versions in one history answer */
#define COMMIT_RETRIES 3 /* another writer came first: redo the edit on its version */

struct ctl_service {
    struct ctl_service_config cfg;
    pthread_mutex_t edit_lock; /* one edit at a time in this process */
    struct ctl_push *push;     /* NULL: versions are not pushed */
};

void
ctl_service_set_push(struct ctl_service *svc, struct ctl_push *push)
{
    svc->push = push;
}

int
ctl_service_new(struct ctl_service **out_svc, const struct ctl_service_config *cfg)
{
    struct ctl_service *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return RL_ENOMEM;
    }
    s->cfg = *cfg;
    pthread_mutex_init(&s->edit_lock, NULL);
    *out_svc = s;
    return 0;
}

void
ctl_service_free(struct ctl_service *svc)
{
    if (svc == NULL) {
        return;
    }
    pthread_mutex_destroy(&svc->edit_lock);
    free(svc);
}

static int64_t
now_s(const struct ctl_service *svc)
{
    return svc->cfg.now != NULL ? svc->cfg.now() : (int64_t)time(NULL);
}

static json_t *refuse(const char *field, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static json_t *
refuse(const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *r = json_pack("{s:b, s:s}", "ok", 0, "error", msg);
    if (r != NULL && field != NULL && field[0] != '\0') {
        json_object_set_new(r, "field", json_string(field));
    }
    return r;
}

static json_t *
refuse_diag(const struct rl_diag *d)
{
    if (d->field[0] != '\0') {
        return refuse(d->field, "%s: %s", d->field, d->reason);
    }
    return refuse(NULL, "%s", d->reason);
}

static json_t *
ok(json_t *body)
{
    if (body == NULL) {
        return NULL;
    }
    json_object_set_new(body, "ok", json_true());
    return body;
}

/* load_doc reads version `n` (0: the current one) as JSON. */
static json_t *
load_doc(struct ctl_service *svc, struct ctl_version *out_v, uint64_t n, int *out_rc)
{
    char *text = NULL;
    struct ctl_store *st = svc->cfg.store;
    *out_rc = n == 0 ? st->ops->current(st, out_v, &text) : st->ops->get(st, out_v, &text, n);
    if (*out_rc != 0) {
        return NULL;
    }
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    if (!json_is_object(doc)) {
        json_decref(doc);
        *out_rc = RL_ESYNTAX;
        return NULL;
    }
    return doc;
}

static json_t *
version_json(const struct ctl_version *v)
{
    char at[32];
    ctl_time_format(at, sizeof(at), v->at);
    return json_pack("{s:I, s:I, s:s, s:s}", "version", (json_int_t)v->n, "uid", (json_int_t)v->uid,
                     "at", at, "comment", v->comment);
}

static json_t *
store_failure(int rc, uint64_t n)
{
    if (rc == RL_ENOENT) {
        return refuse("n", "no version %llu", (unsigned long long)n);
    }
    return refuse(NULL, "the configuration store failed: %s", rl_strerror(rc));
}

/* license_check refuses an edit that installs a licence this build cannot
 * use: malformed, tampered, another vendor's key, expired. */
static json_t *
license_check(struct ctl_service *svc, json_t *doc, json_t *before)
{
    json_t *lic = json_object_get(doc, CTL_DOC_LICENSE);
    if (!json_is_string(lic) || json_equal(lic, json_object_get(before, CTL_DOC_LICENSE))) {
        return NULL;
    }
    struct ctl_license_status st;
    ctl_license_evaluate(&st, json_string_value(lic), json_string_length(lic), svc->cfg.keys,
                         svc->cfg.n_keys, now_s(svc));
    if (st.state == CTL_LICENSE_INVALID || st.state == CTL_LICENSE_EXPIRED ||
        st.state == CTL_LICENSE_NOT_YET_VALID) {
        return refuse(CTL_DOC_LICENSE, "%s; nothing changed", st.why);
    }
    return NULL;
}

static json_t *
edit(struct ctl_service *svc, const struct ctl_request *req, int64_t uid)
{
    struct ctl_store *st = svc->cfg.store;
    json_t *answer = NULL;
    pthread_mutex_lock(&svc->edit_lock);
    for (int attempt = 0; attempt < COMMIT_RETRIES && answer == NULL; attempt++) {
        struct ctl_version cur, old;
        int rc;
        json_t *before = load_doc(svc, &cur, 0, &rc);
        if (before == NULL) {
            answer = store_failure(rc, 0);
            break;
        }
        json_t *prev = NULL;
        if (strcmp(req->cmd, "config.rollback") == 0) {
            json_int_t n = json_integer_value(json_object_get(req->args, "n"));
            prev = n > 0 ? load_doc(svc, &old, (uint64_t)n, &rc) : NULL;
            if (prev == NULL) {
                json_decref(before);
                answer = n > 0 ? store_failure(rc, (uint64_t)n)
                               : refuse("n", "is required (a version number from 1)");
                break;
            }
        }
        json_t *after = json_deep_copy(before);
        struct rl_diag diag = {{0}, {0}};
        if (ctl_model_apply(after, &diag, req->cmd, req->args, prev) != 0 ||
            ctl_validate(&diag, after) != 0) {
            answer = refuse_diag(&diag);
        } else if ((answer = license_check(svc, after, before)) != NULL) {
            /* refused */
        } else if (req->dry_run || json_equal(before, after)) {
            answer = ok(json_pack("{s:b, s:I, s:b, s:o}", "dry_run", req->dry_run, "version",
                                  (json_int_t)cur.n, "changed", 0, "changes",
                                  ctl_model_diff(before, after)));
            if (answer != NULL && req->dry_run) {
                json_object_set_new(answer, "changed", json_boolean(!json_equal(before, after)));
            }
        } else {
            char *text = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
            uint64_t n = 0;
            rc = text != NULL ? st->ops->commit_if(st, &n, cur.n, text, uid, req->comment)
                              : RL_ENOMEM;
            free(text);
            if (rc == 0) {
                answer = ok(json_pack("{s:I, s:b, s:o}", "version", (json_int_t)n, "changed", 1,
                                      "changes", ctl_model_diff(before, after)));
            } else if (rc != RL_EAGAIN) {
                answer = store_failure(rc, 0);
            } /* else another writer came first: redo on its version */
        }
        json_decref(prev);
        json_decref(before);
        json_decref(after);
    }
    pthread_mutex_unlock(&svc->edit_lock);
    return answer != NULL ? answer
                          : refuse(NULL, "the configuration kept changing under this edit; "
                                         "nothing changed, try again");
}

static json_t *
history(struct ctl_service *svc, json_t *args)
{
    struct ctl_store *st = svc->cfg.store;
    json_int_t limit = json_integer_value(json_object_get(args, "limit"));
    json_int_t before = json_integer_value(json_object_get(args, "before"));
    size_t cap = limit > 0 && limit < HISTORY_MAX ? (size_t)limit : HISTORY_MAX;
    struct ctl_version *v = calloc(cap, sizeof(*v));
    size_t n = 0;
    int rc =
        v != NULL ? st->ops->history(st, v, cap, &n, before > 0 ? (uint64_t)before : 0) : RL_ENOMEM;
    json_t *list = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_array_append_new(list, version_json(&v[i]));
    }
    free(v);
    if (rc != 0) {
        json_decref(list);
        return store_failure(rc, 0);
    }
    return ok(json_pack("{s:o}", "versions", list));
}

/* arg_version reads args[key] as a version number (0 when absent). */
static int
arg_version(uint64_t *out, json_t *args, const char *key)
{
    json_t *v = json_object_get(args, key);
    if (v == NULL) {
        *out = 0;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        return RL_EINVAL;
    }
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static json_t *
diff(struct ctl_service *svc, json_t *args)
{
    uint64_t a, b;
    if (arg_version(&a, args, "a") != 0 || a == 0) {
        return refuse("a", "is required (a version number from 1)");
    }
    if (arg_version(&b, args, "b") != 0) {
        return refuse("b", "must be a version number from 1");
    }
    struct ctl_version va, vb;
    int rc;
    json_t *da = load_doc(svc, &va, a, &rc);
    if (da == NULL) {
        return store_failure(rc, a);
    }
    json_t *db = load_doc(svc, &vb, b, &rc);
    if (db == NULL) {
        json_decref(da);
        return store_failure(rc, b);
    }
    json_t *answer = ok(json_pack("{s:I, s:I, s:o}", "a", (json_int_t)va.n, "b", (json_int_t)vb.n,
                                  "changes", ctl_model_diff(da, db)));
    json_decref(da);
    json_decref(db);
    return answer;
}

static json_t *
show(struct ctl_service *svc, json_t *args, bool with_version)
{
    uint64_t n;
    if (arg_version(&n, args, "n") != 0) {
        return refuse("n", "must be a version number from 1");
    }
    struct ctl_version v;
    int rc;
    json_t *doc = load_doc(svc, &v, n, &rc);
    if (doc == NULL) {
        return store_failure(rc, n);
    }
    json_t *answer = ok(json_pack("{s:o}", "doc", doc));
    if (answer != NULL && with_version) {
        json_t *meta = version_json(&v);
        json_object_update(answer, meta);
        json_decref(meta);
    } else if (answer != NULL) {
        json_object_set_new(answer, "version", json_integer((json_int_t)v.n));
    }
    return answer;
}

static json_t *
license_json(const struct ctl_license_status *st)
{
    json_t *o =
        json_pack("{s:s, s:s, s:b, s:I, s:I, s:s}", "state", ctl_license_state_name(st->state),
                  "tier", ctl_tier_name(st->tier), "evaluation", st->evaluation, "rate_per_hour",
                  (json_int_t)ctl_tier_rate(st->tier), "days_left", (json_int_t)st->days_left,
                  "message", st->why);
    if (o != NULL && st->have_fields) {
        char nb[32], ex[32];
        ctl_time_format(nb, sizeof(nb), st->lic.not_before);
        ctl_time_format(ex, sizeof(ex), st->lic.expires);
        json_t *fields =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "company", st->lic.company, "serial",
                      st->lic.serial, "licensed_tier", ctl_tier_name(st->lic.tier), "features",
                      st->lic.features, "not_before", nb, "expires", ex, "key_id", st->lic.key_id);
        json_object_update_missing(o, fields);
        json_decref(fields);
    }
    return o;
}

int
ctl_service_license(struct ctl_service *svc, struct ctl_license_status *out)
{
    struct ctl_version v;
    int rc;
    json_t *doc = load_doc(svc, &v, 0, &rc);
    json_t *lic = json_object_get(doc, CTL_DOC_LICENSE);
    ctl_license_evaluate(out, json_string_value(lic), json_string_length(lic), svc->cfg.keys,
                         svc->cfg.n_keys, now_s(svc));
    json_decref(doc);
    return doc != NULL ? 0 : RL_EIO;
}

json_t *
ctl_service_stats(struct ctl_service *svc, char *why, size_t why_cap)
{
    const char *sock = svc->cfg.dataplane_socket;
    if (sock == NULL || sock[0] == '\0') {
        snprintf(why, why_cap, "no dataplane socket configured");
        return NULL;
    }
    char *answer = NULL;
    int err = 0;
    if (ctl_client_call(&answer, &err, sock, "stats", 10) != 0) {
        snprintf(why, why_cap, "%s: %s", sock, strerror(err));
        return NULL;
    }
    json_t *stats = json_loads(answer, 0, NULL);
    free(answer);
    if (!json_is_object(stats)) {
        json_decref(stats);
        snprintf(why, why_cap, "%s: unreadable answer", sock);
        return NULL;
    }
    return stats;
}

/* loop_p99 adds each worker's loop-turn p99 (microseconds, the upper bound
 * of the histogram bucket it falls in; -1 beyond the last) to its counters. */
static void
loop_p99(json_t *stats)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(stats, "workers"), i, w)
    {
        json_t *h = json_object_get(w, "loop_turn_seconds");
        json_int_t count = json_integer_value(json_object_get(h, "count"));
        if (count <= 0) {
            continue;
        }
        double p99 = -1e-6;
        size_t b;
        json_t *cum;
        json_array_foreach(json_object_get(h, "counts"), b, cum)
        {
            if ((double)json_integer_value(cum) >= 0.99 * (double)count) {
                p99 = json_number_value(json_array_get(json_object_get(h, "le"), b));
                break;
            }
        }
        json_object_set_new(w, "loop_turn_p99_us", json_integer((json_int_t)(p99 * 1e6)));
    }
}

static json_t *
status(struct ctl_service *svc)
{
    struct ctl_version v;
    struct ctl_store *st = svc->cfg.store;
    int rc = st->ops->current(st, &v, NULL);
    if (rc != 0) {
        return store_failure(rc, 0);
    }
    struct ctl_license_status lic;
    (void)ctl_service_license(svc, &lic);
    json_t *answer =
        ok(json_pack("{s:o, s:o}", "committed", version_json(&v), "license", license_json(&lic)));
    if (svc->push != NULL) {
        struct ctl_push_state ps;
        ctl_push_get(svc->push, &ps);
        json_object_set_new(answer, "pushed",
                            json_pack("{s:I, s:I, s:b, s:s}", "running", (json_int_t)ps.running,
                                      "acknowledged", (json_int_t)ps.pushed, "reachable",
                                      ps.reachable, "error", ps.error));
    }
    char why[256] = "";
    json_t *dp = ctl_service_stats(svc, why, sizeof(why));
    if (dp == NULL) {
        json_object_set_new(answer, "dataplane",
                            json_pack("{s:b, s:s}", "reachable", 0, "error", why));
    } else {
        json_object_set_new(dp, "reachable", json_true());
        loop_p99(dp);
        json_object_set_new(answer, "dataplane", dp);
    }
    return answer;
}

json_t *
ctl_service_handle(struct ctl_service *svc, const struct ctl_request *req, int64_t uid)
{
    const char *cmd = req->cmd;
    if (ctl_model_is_edit(cmd)) {
        return edit(svc, req, uid);
    }
    if (strcmp(cmd, "config.history") == 0) {
        return history(svc, req->args);
    }
    if (strcmp(cmd, "config.diff") == 0) {
        return diff(svc, req->args);
    }
    if (strcmp(cmd, "config.show") == 0 || strcmp(cmd, "config.export") == 0) {
        return show(svc, req->args, strcmp(cmd, "config.show") == 0);
    }
    if (strcmp(cmd, "license.show") == 0) {
        struct ctl_license_status lic;
        if (ctl_service_license(svc, &lic) != 0) {
            return store_failure(RL_EIO, 0);
        }
        return ok(json_pack("{s:o}", "license", license_json(&lic)));
    }
    if (strcmp(cmd, "status") == 0) {
        return status(svc);
    }
    struct ctl_version v;
    int rc;
    json_t *doc = load_doc(svc, &v, 0, &rc);
    if (doc == NULL) {
        return store_failure(rc, 0);
    }
    struct rl_diag diag = {{0}, {0}};
    json_t *answer = ctl_model_read(doc, &diag, cmd, req->args);
    json_decref(doc);
    if (answer == NULL) {
        return refuse_diag(&diag);
    }
    json_object_set_new(answer, "version", json_integer((json_int_t)v.n));
    return ok(answer);
}

char *
ctl_service_forward(struct ctl_service *svc, const struct ctl_request *req)
{
    const char *sock = svc->cfg.dataplane_socket;
    char *answer = NULL;
    int err = 0;
    if (sock != NULL && sock[0] != '\0' &&
        ctl_client_call(&answer, &err, sock, req->line, 600) == 0) {
        return answer;
    }
    json_t *r = sock == NULL || sock[0] == '\0'
                    ? refuse(NULL, "no dataplane socket configured")
                    : refuse(NULL, "redlined at %s cannot be reached: %s", sock, strerror(err));
    /* redlinectl exits 2 for this, as for a socket it cannot reach itself. */
    json_object_set_new(r, "unreachable", json_true());
    answer = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
    json_decref(r);
    return answer;
}
