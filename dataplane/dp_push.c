/* SPDX-License-Identifier: Apache-2.0 */
/* The snapshot frame's header and digest. */
#include "dp_push.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

/* number reads a decimal without sign or leading zero, at most `max`. */
static int
number(uint64_t *out, const char **p, const char *end, uint64_t max)
{
    const char *s = *p;
    uint64_t v = 0;
    if (s == end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end && s[1] != ' ')) {
        return RL_ESYNTAX;
    }
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (v > (max - (uint64_t)(*s - '0')) / 10) {
            return RL_ELIMIT;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    *p = s;
    return 0;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

int
dp_push_header_parse(struct dp_push_header *out, struct rl_diag *diag, const char *line, size_t len)
{
    memset(out, 0, sizeof(*out));
    if (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (len >= DP_PUSH_HEADER_MAX) {
        rl_diag_set(diag, "header", "longer than %d octets", DP_PUSH_HEADER_MAX - 1);
        return RL_ELIMIT;
    }
    size_t ml = strlen(DP_PUSH_MAGIC);
    if (len < ml + 1 || memcmp(line, DP_PUSH_MAGIC " ", ml + 1) != 0) {
        rl_diag_set(diag, "header", "not a snapshot frame (expected '%s VERSION JSON BLOB SHA256')",
                    DP_PUSH_MAGIC);
        return RL_ESYNTAX;
    }
    const char *p = line + ml + 1, *end = line + len;
    uint64_t v[3];
    static const uint64_t max[3] = {UINT64_MAX, DP_PUSH_JSON_MAX, DP_PUSH_BLOB_MAX};
    static const char *const what[3] = {"version", "json length", "engine length"};
    for (int i = 0; i < 3; i++) {
        int rc = number(&v[i], &p, end, max[i]);
        if (rc != 0 || p == end || *p != ' ') {
            rl_diag_set(diag, "header", "%s: %s", what[i],
                        rc == RL_ELIMIT ? "too large" : "expected a decimal number then a space");
            return rc == RL_ELIMIT ? RL_ELIMIT : RL_ESYNTAX;
        }
        p++;
    }
    if (v[0] == 0) {
        rl_diag_set(diag, "header", "version: must be from 1");
        return RL_ESYNTAX;
    }
    if (end - p != 64) {
        rl_diag_set(diag, "header", "sha256: expected 64 lower-case hex digits");
        return RL_ESYNTAX;
    }
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(p[(2 * i)]), lo = hexval(p[(2 * i) + 1]);
        if (hi < 0 || lo < 0) {
            rl_diag_set(diag, "header", "sha256: expected 64 lower-case hex digits");
            return RL_ESYNTAX;
        }
        out->sha256[i] = (uint8_t)(hi << 4 | lo);
    }
    out->version = v[0];
    out->json_len = (size_t)v[1];
    out->blob_len = (size_t)v[2];
    return 0;
}

size_t
dp_push_header_format(char *out, size_t cap, const struct dp_push_header *h)
{
    char hex[65];
    for (size_t i = 0; i < 32; i++) {
        snprintf(hex + (2 * i), 3, "%02x", h->sha256[i]);
    }
    int n = snprintf(out, cap, DP_PUSH_MAGIC " %llu %zu %zu %s\n", (unsigned long long)h->version,
                     h->json_len, h->blob_len, hex);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void
digest(uint8_t out[32], const uint8_t *json, size_t json_len, const uint8_t *blob, size_t blob_len)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned n = 0;
    if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(c, json, json_len) != 1 || EVP_DigestUpdate(c, blob, blob_len) != 1 ||
        EVP_DigestFinal_ex(c, out, &n) != 1) {
        memset(out, 0, 32); /* no digest: nothing will match it */
    }
    EVP_MD_CTX_free(c);
}

void
dp_push_seal(struct dp_push_header *h, const uint8_t *json, size_t json_len, const uint8_t *blob,
             size_t blob_len)
{
    h->json_len = json_len;
    h->blob_len = blob_len;
    digest(h->sha256, json, json_len, blob, blob_len);
}

int
dp_push_check(const struct dp_push_header *h, struct rl_diag *diag, const uint8_t *json,
              size_t json_len, const uint8_t *blob, size_t blob_len)
{
    uint8_t d[32];
    if (json_len != h->json_len || blob_len != h->blob_len) {
        rl_diag_set(diag, "snapshot", "cut short: %zu+%zu octets of %zu+%zu", json_len, blob_len,
                    h->json_len, h->blob_len);
        return RL_EVERIFY;
    }
    digest(d, json, json_len, blob, blob_len);
    if (memcmp(d, h->sha256, sizeof(d)) != 0) {
        rl_diag_set(diag, "snapshot", "SHA-256 does not match: damaged in transit or on disk");
        return RL_EVERIFY;
    }
    return 0;
}
