/* SPDX-License-Identifier: Apache-2.0 */
/* Licences: the signed text format (docs/LICENSING.md), its Ed25519 signature
 * checked offline against public keys fixed at build time, the volume tiers
 * and what follows from a licence at a given time (valid, expiring, expired,
 * not yet valid, invalid, missing: the last four mean evaluation mode).
 * Pure functions over memory; callable from any thread. */
#ifndef CTL_LICENSE_H
#define CTL_LICENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

#define CTL_LICENSE_MAX 4096      /* octets of a licence file */
#define CTL_LICENSE_WARN_DAYS 30  /* warnings start this many days before expiry */
#define CTL_LICENSE_KEY_LEN 32    /* an Ed25519 public key */
#define CTL_LICENSE_SIG_LEN 64    /* an Ed25519 signature */
#define CTL_LICENSE_KEY_ID_LEN 16 /* hex digits of a key id */
#define CTL_LICENSE_MAGIC "redline-license: 1"

/* SPEC.md "Licensing": messages per hour. */
enum ctl_tier {
    CTL_TIER_LOW = 0,   /* < 20,000 msgs/h; also evaluation mode */
    CTL_TIER_MEDIUM,    /* < 50,000 msgs/h */
    CTL_TIER_HIGH,      /* < 60,000 msgs/h */
    CTL_TIER_VERY_HIGH, /* unlimited */
};

enum ctl_license_state {
    CTL_LICENSE_VALID = 0, /* signed by a trusted key, inside its dates */
    CTL_LICENSE_EXPIRING,  /* valid, but expires within CTL_LICENSE_WARN_DAYS */
    CTL_LICENSE_EXPIRED,   /* evaluation mode from here on */
    CTL_LICENSE_NOT_YET_VALID,
    CTL_LICENSE_INVALID, /* malformed, tampered, or signed by an unknown key */
    CTL_LICENSE_MISSING,
};

/* A licence's fields, as signed. */
struct ctl_license {
    char company[128];
    char serial[64]; /* [A-Za-z0-9._-], 1-63 */
    enum ctl_tier tier;
    char features[256];                      /* comma-separated [a-z0-9-] names; may be empty */
    int64_t not_before;                      /* seconds since the epoch, UTC */
    int64_t expires;                         /* first second it is no longer valid */
    char key_id[CTL_LICENSE_KEY_ID_LEN + 1]; /* which trusted key signed it */
};

/* A trusted public key, as built in (ctl_keys.h). */
struct ctl_license_key {
    uint8_t pub[CTL_LICENSE_KEY_LEN];
};

/* What a licence means now. */
struct ctl_license_status {
    enum ctl_license_state state;
    enum ctl_tier tier;     /* the tier in force: the licence's, or LOW in evaluation mode */
    bool evaluation;        /* no valid licence: evaluation mode */
    int64_t days_left;      /* whole days to expiry (0 when not valid) */
    struct ctl_license lic; /* the fields when they could be read */
    bool have_fields;       /* `lic` is filled (even if the signature failed) */
    char why[384];          /* one sentence for status, logs and metrics */
};

/* ctl_tier_name returns "low", "medium", "high" or "very-high". */
const char *ctl_tier_name(enum ctl_tier t);

/* ctl_tier_parse sets *out from a tier name; RL_EINVAL for anything else. */
int ctl_tier_parse(enum ctl_tier *out, const char *name);

/* ctl_tier_rate returns the tier's limit in messages per hour; 0 = none. */
uint64_t ctl_tier_rate(enum ctl_tier t);

/* ctl_license_state_name returns "valid", "expiring", "expired",
 * "not-yet-valid", "invalid" or "missing". */
const char *ctl_license_state_name(enum ctl_license_state s);

/* ctl_license_key_id writes the hex key id of `pub` (the first 8 octets of
 * its SHA-256) to `out` (CTL_LICENSE_KEY_ID_LEN + 1 octets). */
void ctl_license_key_id(char *out, const uint8_t pub[CTL_LICENSE_KEY_LEN]);

/* ctl_license_parse reads licence text (`len` octets) into *out_lic and
 * sets *out_signed_len to the octets the signature covers (from the start
 * through the newline before "signature:") and `out_sig`. Strict: the fields
 * in their order, each once, LF line ends, no unknown field. Returns 0, or
 * RL_ESYNTAX / RL_EINVAL with `diag` naming the field and the reason. */
int ctl_license_parse(struct ctl_license *out_lic, size_t *out_signed_len,
                      uint8_t out_sig[CTL_LICENSE_SIG_LEN], struct rl_diag *diag, const char *text,
                      size_t len);

/* ctl_license_verify parses `text` and checks its signature against the key
 * of `keys` (`n_keys`) whose id it names. Returns 0; RL_ESYNTAX / RL_EINVAL
 * (malformed); RL_ENOENT (no trusted key with that id); RL_EVERIFY (the
 * signature does not match: tampered or forged); `diag` says which. Dates are
 * not looked at here. */
int ctl_license_verify(struct ctl_license *out_lic, struct rl_diag *diag, const char *text,
                       size_t len, const struct ctl_license_key *keys, size_t n_keys);

/* ctl_license_evaluate fills *out with what `text` (NULL or empty: no
 * licence) means at `now` (seconds since the epoch) against `keys`. Cannot
 * fail: anything wrong is evaluation mode with the reason in out->why. */
void ctl_license_evaluate(struct ctl_license_status *out, const char *text, size_t len,
                          const struct ctl_license_key *keys, size_t n_keys, int64_t now);

/* ctl_license_format writes the signed part of `lic` (everything up to the
 * signature line) to `out` (capacity `cap`). Returns the length, or 0 when
 * a field is not valid (`diag` says which) or it does not fit. */
size_t ctl_license_format(char *out, size_t cap, struct rl_diag *diag,
                          const struct ctl_license *lic);

/* ctl_time_parse reads "YYYY-MM-DDTHH:MM:SSZ" (or a bare "YYYY-MM-DD",
 * midnight UTC) into *out. RL_EINVAL if it is not one. */
int ctl_time_parse(int64_t *out, const char *s);

/* ctl_time_format writes `t` as "YYYY-MM-DDTHH:MM:SSZ" (21 octets). */
void ctl_time_format(char *out, size_t cap, int64_t t);

#endif
