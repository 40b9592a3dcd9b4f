/* SPDX-License-Identifier: Apache-2.0 */
/* The licence format and its Ed25519 check (OpenSSL EVP), the tiers, and
 * the evaluation of a licence at a given time. No I/O, no global state. */
#include "ctl_license.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#define DAY 86400

static const char *const tier_names[] = {"low", "medium", "high", "very-high"};
static const uint64_t tier_rates[] = {20000, 50000, 60000, 0};

const char *
ctl_tier_name(enum ctl_tier t)
{
    return (unsigned)t < 4 ? tier_names[t] : "?";
}

int
ctl_tier_parse(enum ctl_tier *out, const char *name)
{
    for (unsigned i = 0; i < 4; i++) {
        if (strcmp(name, tier_names[i]) == 0) {
            *out = (enum ctl_tier)i;
            return 0;
        }
    }
    return RL_EINVAL;
}

uint64_t
ctl_tier_rate(enum ctl_tier t)
{
    return (unsigned)t < 4 ? tier_rates[t] : tier_rates[0];
}

const char *
ctl_license_state_name(enum ctl_license_state s)
{
    static const char *const names[] = {"valid",         "expiring", "expired",
                                        "not-yet-valid", "invalid",  "missing"};
    return (unsigned)s < 6 ? names[s] : "?";
}

void
ctl_license_key_id(char *out, const uint8_t pub[CTL_LICENSE_KEY_LEN])
{
    uint8_t md[SHA256_DIGEST_LENGTH];
    SHA256(pub, CTL_LICENSE_KEY_LEN, md);
    for (size_t i = 0; i < CTL_LICENSE_KEY_ID_LEN / 2; i++) {
        snprintf(out + (2 * i), 3, "%02x", md[i]);
    }
}

/* time_shape_ok: digits where digits go, so sscanf's leniency (signs,
 * spaces) cannot pass. */
static bool
time_shape_ok(const char *s, size_t len)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    for (size_t i = 0; i < len; i++) {
        bool digit = s[i] >= '0' && s[i] <= '9';
        if (shape[i] == 'd' ? !digit : s[i] != shape[i]) {
            return false;
        }
    }
    return true;
}

int
ctl_time_parse(int64_t *out, const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0, used = 0;
    size_t len = strlen(s);
    if (len == 10) {
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) {
            return RL_EINVAL;
        }
    } else if (len != 20 || s[10] != 'T' || s[19] != 'Z' ||
               sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &used) != 6 ||
               used != 20) {
        return RL_EINVAL;
    }
    if (!time_shape_ok(s, len)) {
        return RL_EINVAL;
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        se > 59) {
        return RL_EINVAL;
    }
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = se};
    time_t t = timegm(&tm);
    struct tm back;
    /* 2026-02-30 normalises to March: refuse what does not come back. */
    if (gmtime_r(&t, &back) == NULL || back.tm_mday != d || back.tm_mon != mo - 1) {
        return RL_EINVAL;
    }
    *out = (int64_t)t;
    return 0;
}

void
ctl_time_format(char *out, size_t cap, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(out, cap, "?");
    }
}

static bool
serial_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

static bool
features_ok(const char *s)
{
    size_t n = strlen(s);
    bool item = false; /* inside a name */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',') {
            if (!item) {
                return false; /* empty name */
            }
            item = false;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
            item = true;
        } else {
            return false;
        }
    }
    return n == 0 || item;
}

/* text_ok: no control characters (UTF-8 above 0x7f is fine), 1..cap-1. */
static bool
text_ok(const char *s, size_t cap)
{
    size_t n = strlen(s);
    if (n == 0 || n >= cap || s[0] == ' ' || s[n - 1] == ' ') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

static bool
key_id_ok(const char *s)
{
    if (strlen(s) != CTL_LICENSE_KEY_ID_LEN) {
        return false;
    }
    for (size_t i = 0; i < CTL_LICENSE_KEY_ID_LEN; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

size_t
ctl_license_format(char *out, size_t cap, struct rl_diag *diag, const struct ctl_license *lic)
{
    if (!text_ok(lic->company, sizeof(lic->company))) {
        rl_diag_set(diag, "company", "must be 1-127 octets without control characters");
        return 0;
    }
    if (!serial_ok(lic->serial)) {
        rl_diag_set(diag, "serial", "must be 1-63 characters of A-Z a-z 0-9 . _ -");
        return 0;
    }
    if ((unsigned)lic->tier > CTL_TIER_VERY_HIGH) {
        rl_diag_set(diag, "tier", "must be low, medium, high or very-high");
        return 0;
    }
    if (!features_ok(lic->features)) {
        rl_diag_set(diag, "features", "must be comma-separated names of a-z 0-9 -");
        return 0;
    }
    if (lic->expires <= lic->not_before) {
        rl_diag_set(diag, "expires", "must come after not_before");
        return 0;
    }
    if (!key_id_ok(lic->key_id)) {
        rl_diag_set(diag, "key_id", "must be 16 lower-case hex digits");
        return 0;
    }
    char nb[32], ex[32];
    ctl_time_format(nb, sizeof(nb), lic->not_before);
    ctl_time_format(ex, sizeof(ex), lic->expires);
    int n = snprintf(out, cap,
                     CTL_LICENSE_MAGIC "\ncompany: %s\nserial: %s\ntier: %s\nfeatures: %s\n"
                                       "not_before: %s\nexpires: %s\nkey_id: %s\n",
                     lic->company, lic->serial, ctl_tier_name(lic->tier), lic->features, nb, ex,
                     lic->key_id);
    if (n < 0 || (size_t)n >= cap) {
        rl_diag_set(diag, "", "licence longer than %zu octets", cap);
        return 0;
    }
    return (size_t)n;
}

/* The fields in the order they must come. */
enum field {
    F_COMPANY = 0,
    F_SERIAL,
    F_TIER,
    F_FEATURES,
    F_NOT_BEFORE,
    F_EXPIRES,
    F_KEY_ID,
    F_SIGNATURE,
    F__COUNT
};
static const char *const field_names[F__COUNT] = {
    "company", "serial", "tier", "features", "not_before", "expires", "key_id", "signature",
};

/* set_field checks and stores one value. */
static int
set_field(struct ctl_license *lic, uint8_t *sig, struct rl_diag *diag, enum field f, const char *v)
{
    const char *name = field_names[f];
    switch (f) {
    case F_COMPANY:
        if (!text_ok(v, sizeof(lic->company))) {
            return rl_diag_set(diag, name, "must be 1-127 octets without control characters");
        }
        snprintf(lic->company, sizeof(lic->company), "%s", v);
        return 0;
    case F_SERIAL:
        if (!serial_ok(v)) {
            return rl_diag_set(diag, name, "must be 1-63 characters of A-Z a-z 0-9 . _ -");
        }
        snprintf(lic->serial, sizeof(lic->serial), "%s", v);
        return 0;
    case F_TIER:
        if (ctl_tier_parse(&lic->tier, v) != 0) {
            return rl_diag_set(diag, name, "'%.40s' is not a tier (low, medium, high, very-high)",
                               v);
        }
        return 0;
    case F_FEATURES:
        if (strlen(v) >= sizeof(lic->features) || !features_ok(v)) {
            return rl_diag_set(diag, name, "must be comma-separated names of a-z 0-9 -");
        }
        snprintf(lic->features, sizeof(lic->features), "%s", v);
        return 0;
    case F_NOT_BEFORE:
    case F_EXPIRES:
        /* Only the full form, the one ctl_license_format writes: a bare
         * date would let one licence be signed as two texts. */
        if (strlen(v) != 20 ||
            ctl_time_parse(f == F_NOT_BEFORE ? &lic->not_before : &lic->expires, v) != 0) {
            return rl_diag_set(diag, name, "'%.40s' is not a time (YYYY-MM-DDTHH:MM:SSZ)", v);
        }
        if (f == F_EXPIRES && lic->expires <= lic->not_before) {
            return rl_diag_set(diag, name, "must come after not_before");
        }
        return 0;
    case F_KEY_ID:
        if (!key_id_ok(v)) {
            return rl_diag_set(diag, name, "must be 16 lower-case hex digits");
        }
        snprintf(lic->key_id, sizeof(lic->key_id), "%s", v);
        return 0;
    case F_SIGNATURE: {
        /* Base64 of 64 octets: 88 characters ending in "==". */
        uint8_t raw[72];
        unsigned char again[100];
        /* Only the canonical encoding: base64's unused low bits would
         * otherwise let one signature be written several ways. */
        if (strlen(v) != 88 || v[86] != '=' || v[87] != '=' ||
            EVP_DecodeBlock(raw, (const unsigned char *)v, 88) != 66 ||
            EVP_EncodeBlock(again, raw, CTL_LICENSE_SIG_LEN) != 88 || memcmp(again, v, 88) != 0) {
            return rl_diag_set(diag, name, "must be the base64 of a 64-octet Ed25519 signature");
        }
        memcpy(sig, raw, CTL_LICENSE_SIG_LEN);
        return 0;
    }
    case F__COUNT:
        break;
    }
    return RL_EINVAL;
}

int
ctl_license_parse(struct ctl_license *out_lic, size_t *out_signed_len,
                  uint8_t out_sig[CTL_LICENSE_SIG_LEN], struct rl_diag *diag, const char *text,
                  size_t len)
{
    memset(out_lic, 0, sizeof(*out_lic));
    if (len > CTL_LICENSE_MAX) {
        return rl_diag_set(diag, "", "longer than %d octets: not a licence", CTL_LICENSE_MAX);
    }
    size_t magic_len = strlen(CTL_LICENSE_MAGIC);
    if (len <= magic_len || memcmp(text, CTL_LICENSE_MAGIC "\n", magic_len + 1) != 0) {
        rl_diag_set(diag, "", "not a Redline licence (the first line must be '%s')",
                    CTL_LICENSE_MAGIC);
        return RL_ESYNTAX;
    }
    size_t pos = magic_len + 1;
    for (int f = 0; f < F__COUNT; f++) {
        const char *name = field_names[f];
        size_t nl = strlen(name);
        if (f == F_SIGNATURE) {
            *out_signed_len = pos;
        }
        if (pos >= len) {
            rl_diag_set(diag, name, "missing (the licence ends early)");
            return RL_ESYNTAX;
        }
        const char *line = text + pos;
        const char *end = memchr(line, '\n', len - pos);
        size_t ll = end != NULL ? (size_t)(end - line) : len - pos;
        if (end == NULL && f != F_SIGNATURE) {
            rl_diag_set(diag, name, "line has no newline");
            return RL_ESYNTAX;
        }
        if (ll < nl + 2 || memcmp(line, name, nl) != 0 || line[nl] != ':' || line[nl + 1] != ' ') {
            rl_diag_set(diag, name, "expected '%s: ' here (line %d)", name, f + 2);
            return RL_ESYNTAX;
        }
        char v[512];
        size_t vl = ll - nl - 2;
        if (vl >= sizeof(v)) {
            return rl_diag_set(diag, name, "value longer than %zu octets", sizeof(v) - 1);
        }
        memcpy(v, line + nl + 2, vl);
        v[vl] = '\0';
        if (strlen(v) != vl) {
            return rl_diag_set(diag, name, "NUL octet in the value");
        }
        if (vl > 0 && v[vl - 1] == '\r') {
            return rl_diag_set(diag, name,
                               "line ends in CR LF: the file was converted; use the "
                               "file as issued");
        }
        int rc = set_field(out_lic, out_sig, diag, (enum field)f, v);
        if (rc != 0) {
            return rc;
        }
        pos += ll + (end != NULL ? 1 : 0);
    }
    if (pos != len) {
        return rl_diag_set(diag, "signature", "text after the signature line");
    }
    return 0;
}

static int
verify_sig(const uint8_t *pub, const uint8_t *sig, const char *msg, size_t msg_len)
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, CTL_LICENSE_KEY_LEN);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok =
        pk != NULL && md != NULL && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1 &&
        EVP_DigestVerify(md, sig, CTL_LICENSE_SIG_LEN, (const unsigned char *)msg, msg_len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    return ok ? 0 : RL_EVERIFY;
}

int
ctl_license_verify(struct ctl_license *out_lic, struct rl_diag *diag, const char *text, size_t len,
                   const struct ctl_license_key *keys, size_t n_keys)
{
    size_t signed_len = 0;
    uint8_t sig[CTL_LICENSE_SIG_LEN];
    int rc = ctl_license_parse(out_lic, &signed_len, sig, diag, text, len);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < n_keys; i++) {
        char id[CTL_LICENSE_KEY_ID_LEN + 1];
        ctl_license_key_id(id, keys[i].pub);
        if (strcmp(id, out_lic->key_id) != 0) {
            continue;
        }
        if (verify_sig(keys[i].pub, sig, text, signed_len) != 0) {
            rl_diag_set(diag, "signature",
                        "does not match the licence's text: altered, or not issued by Redline");
            return RL_EVERIFY;
        }
        return 0;
    }
    rl_diag_set(diag, "key_id", "%s is not a key this build trusts (%zu trusted)", out_lic->key_id,
                n_keys);
    return RL_ENOENT;
}

void
ctl_license_evaluate(struct ctl_license_status *out, const char *text, size_t len,
                     const struct ctl_license_key *keys, size_t n_keys, int64_t now)
{
    memset(out, 0, sizeof(*out));
    out->tier = CTL_TIER_LOW;
    out->evaluation = true;
    if (text == NULL || len == 0) {
        out->state = CTL_LICENSE_MISSING;
        snprintf(out->why, sizeof(out->why),
                 "no licence installed: evaluation mode (tier low, %llu msgs/h)",
                 (unsigned long long)ctl_tier_rate(CTL_TIER_LOW));
        return;
    }
    struct rl_diag diag = {{0}, {0}};
    int rc = ctl_license_verify(&out->lic, &diag, text, len, keys, n_keys);
    out->have_fields = rc != RL_ESYNTAX && rc != RL_EINVAL;
    if (rc != 0) {
        out->state = CTL_LICENSE_INVALID;
        snprintf(out->why, sizeof(out->why), "licence refused: %s%s%s: evaluation mode (tier low)",
                 diag.field, diag.field[0] ? ": " : "", diag.reason);
        return;
    }
    char when[32];
    if (now < out->lic.not_before) {
        out->state = CTL_LICENSE_NOT_YET_VALID;
        ctl_time_format(when, sizeof(when), out->lic.not_before);
        snprintf(out->why, sizeof(out->why),
                 "licence %s is not valid before %s: evaluation mode (tier low)", out->lic.serial,
                 when);
        return;
    }
    ctl_time_format(when, sizeof(when), out->lic.expires);
    if (now >= out->lic.expires) {
        out->state = CTL_LICENSE_EXPIRED;
        snprintf(out->why, sizeof(out->why), "licence %s expired at %s: evaluation mode (tier low)",
                 out->lic.serial, when);
        return;
    }
    out->evaluation = false;
    out->tier = out->lic.tier;
    out->days_left = (out->lic.expires - now) / DAY;
    if (out->lic.expires - now <= (int64_t)CTL_LICENSE_WARN_DAYS * DAY) {
        out->state = CTL_LICENSE_EXPIRING;
        snprintf(out->why, sizeof(out->why),
                 "licence %s expires at %s, in %lld days: renew it before then", out->lic.serial,
                 when, (long long)out->days_left);
        return;
    }
    out->state = CTL_LICENSE_VALID;
    snprintf(out->why, sizeof(out->why), "licence %s for %s, tier %s, valid until %s",
             out->lic.serial, out->lic.company, ctl_tier_name(out->lic.tier), when);
}
