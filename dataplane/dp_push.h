/* SPDX-License-Identifier: Apache-2.0 */
/* The snapshot frame redline-controld pushes to redlined, and the file
 * redlined keeps of the last one it applied: a header line, the runtime
 * configuration as JSON, the policy's compiled detection engine
 * (scan_engine_serialize). The header carries the configuration version,
 * both lengths and the SHA-256 of what follows, so a frame cut short or a
 * file damaged on disk is refused rather than half applied. Pure functions;
 * any thread. */
#ifndef DP_PUSH_H
#define DP_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

#define DP_PUSH_MAGIC "redline-snapshot 1"
#define DP_PUSH_HEADER_MAX 160        /* octets of the header line, newline included */
#define DP_PUSH_JSON_MAX (16u << 20)  /* octets of the configuration */
#define DP_PUSH_BLOB_MAX (512u << 20) /* octets of the serialised engine */

struct dp_push_header {
    uint64_t version;   /* redline-controld's configuration version, from 1 */
    size_t json_len;    /* octets of JSON after the header */
    size_t blob_len;    /* octets of the engine after the JSON */
    uint8_t sha256[32]; /* of the JSON then the blob */
};

/* dp_push_header_parse reads the header line (`len` octets, its newline
 * included or not). Returns 0, or RL_ESYNTAX / RL_ELIMIT with `diag`
 * saying why. */
int dp_push_header_parse(struct dp_push_header *out, struct rl_diag *diag, const char *line,
                         size_t len);

/* dp_push_header_format writes `h` as its line, newline included, to `out`
 * (capacity >= DP_PUSH_HEADER_MAX). Returns the length. */
size_t dp_push_header_format(char *out, size_t cap, const struct dp_push_header *h);

/* dp_push_seal fills h->sha256 and the lengths for `json` and `blob`. */
void dp_push_seal(struct dp_push_header *h, const uint8_t *json, size_t json_len,
                  const uint8_t *blob, size_t blob_len);

/* dp_push_check tells whether `json` and `blob` are what `h` announced:
 * 0, or RL_EVERIFY with `diag`. */
int dp_push_check(const struct dp_push_header *h, struct rl_diag *diag, const uint8_t *json,
                  size_t json_len, const uint8_t *blob, size_t blob_len);

#endif
