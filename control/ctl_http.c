/* SPDX-License-Identifier: Apache-2.0 */
/* GET /metrics on libmicrohttpd's own thread; loopback addresses only. */
#include "ctl_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

struct ctl_http {
    struct MHD_Daemon *d;
    ctl_http_render render;
    void *ctx;
};

static bool
loopback(const struct io_addr *a)
{
    static const uint8_t v6_lo[16] = {[15] = 1};
    if (a->family == IO_AF_INET4) {
        return a->ip[0] == 127;
    }
    return a->family == IO_AF_INET6 && memcmp(a->ip, v6_lo, 16) == 0;
}

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned status, const char *text, const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
                                                             MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_len, void **state)
{
    (void)version;
    (void)upload;
    struct ctl_http *h = cls;
    static int first;
    if (*state == NULL) {
        *state = &first; /* headers seen: answer on the next call */
        return MHD_YES;
    }
    if (*upload_len != 0) {
        *upload_len = 0; /* a body is not read, only refused below */
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", "text/plain");
    }
    if (strcmp(url, "/metrics") != 0) {
        return answer(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n",
                      "text/plain");
    }
    size_t len = 0;
    char *body = h->render(h->ctx, &len);
    if (body == NULL) {
        return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "metrics unavailable\n", "text/plain");
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

int
ctl_http_start(struct ctl_http **out_http, struct rl_diag *diag, const struct io_addr *addr,
               ctl_http_render render, void *ctx)
{
    if (!loopback(addr)) {
        return rl_diag_set(diag, "metrics",
                           "must be a loopback address (127.0.0.0/8 or [::1]): "
                           "the metrics are not for the network");
    }
    struct ctl_http *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return RL_ENOMEM;
    }
    h->render = render;
    h->ctx = ctx;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    if (addr->family == IO_AF_INET4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(addr->port);
        memcpy(&s4->sin_addr, addr->ip, 4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(addr->port);
        memcpy(&s6->sin6_addr, addr->ip, 16);
        flags |= MHD_USE_IPv6;
    }
    h->d = MHD_start_daemon(flags, addr->port, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, &ss,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (h->d == NULL) {
        free(h);
        rl_diag_set(diag, "metrics", "cannot listen there (in use, or no such address)");
        return RL_EIO;
    }
    *out_http = h;
    return 0;
}

void
ctl_http_stop(struct ctl_http *h)
{
    if (h == NULL) {
        return;
    }
    MHD_stop_daemon(h->d);
    free(h);
}
