/* SPDX-License-Identifier: Apache-2.0 */
/* redline-license: the key holder's tool. Makes Ed25519 key pairs, issues
 * (signs) licences, checks one against a public key, and writes the C table
 * of trusted public keys a build embeds (meson option license_keys). Runs as
 * whoever holds the private key, on that person's machine; touches only the
 * files named on its command line. Private keys are written mode 0600 and
 * never printed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ctl_license.h"
#include "rl_io.h"

static const char usage_text[] =
    "usage:\n"
    "  redline-license keygen [--force] --private FILE --public FILE\n"
    "  redline-license issue --key PRIVATE.pem --company NAME --serial ID --tier TIER\n"
    "                        [--features a,b] [--not-before DATE] --expires DATE [-o FILE]\n"
    "  redline-license verify --public PUBLIC.pem [--at DATE] FILE\n"
    "  redline-license embed [-o FILE] [PUBLIC.pem...]\n"
    "TIER: low, medium, high, very-high. DATE: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC).\n"
    "Exit 0 done, 1 refused (a licence that does not verify), 2 usage or unusable input.\n";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* fail prints one error line and returns the exit status for it. */
static int
fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "redline-license: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

/* read_pub reads a PEM Ed25519 public key into `raw`. */
static int
read_pub(uint8_t raw[CTL_LICENSE_KEY_LEN], const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return fail("%s: %s", path, strerror(errno));
    }
    EVP_PKEY *pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    size_t len = CTL_LICENSE_KEY_LEN;
    int ok = pk != NULL && EVP_PKEY_id(pk) == EVP_PKEY_ED25519 &&
             EVP_PKEY_get_raw_public_key(pk, raw, &len) == 1 && len == CTL_LICENSE_KEY_LEN;
    EVP_PKEY_free(pk);
    return ok ? 0 : fail("%s: not a PEM Ed25519 public key", path);
}

static int
keygen(const char *priv_path, const char *pub_path, bool force)
{
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pk) != 1) {
        EVP_PKEY_CTX_free(ctx);
        return fail("key generation failed");
    }
    EVP_PKEY_CTX_free(ctx);
    int rc = 2;
    /* O_EXCL: never overwrite a key someone may still need, unless told
     * to (the build's throw-away test key). */
    if (force) {
        (void)unlink(priv_path);
    }
    int fd = open(priv_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        rc = fail("%s: %s", priv_path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        goto out;
    }
    if (PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0) {
        rc = fail("%s: cannot write the private key", priv_path);
        goto out;
    }
    f = fopen(pub_path, "w");
    if (f == NULL || PEM_write_PUBKEY(f, pk) != 1) {
        rc = fail("%s: %s", pub_path, strerror(errno));
        if (f != NULL) {
            fclose(f);
        }
        goto out;
    }
    if (fclose(f) != 0) {
        rc = fail("%s: %s", pub_path, strerror(errno));
        goto out;
    }
    uint8_t raw[CTL_LICENSE_KEY_LEN];
    size_t len = sizeof(raw);
    char id[CTL_LICENSE_KEY_ID_LEN + 1] = "";
    if (EVP_PKEY_get_raw_public_key(pk, raw, &len) == 1) {
        ctl_license_key_id(id, raw);
    }
    printf("key id %s: private key %s (keep it offline), public key %s\n", id, priv_path, pub_path);
    rc = 0;
out:
    EVP_PKEY_free(pk);
    return rc;
}

static int
parse_date(int64_t *out, const char *flag, const char *v)
{
    if (ctl_time_parse(out, v) != 0) {
        return fail("%s: '%s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", flag, v);
    }
    return 0;
}

static int
issue(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},
        {"company", required_argument, NULL, 'c'},
        {"serial", required_argument, NULL, 's'},
        {"tier", required_argument, NULL, 't'},
        {"features", required_argument, NULL, 'f'},
        {"not-before", required_argument, NULL, 'n'},
        {"expires", required_argument, NULL, 'e'},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    struct ctl_license lic = {.not_before = (int64_t)time(NULL)};
    const char *key_path = NULL, *out_path = NULL;
    bool have_tier = false, have_exp = false;
    int c;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key_path = optarg;
            break;
        case 'c':
            snprintf(lic.company, sizeof(lic.company), "%s", optarg);
            break;
        case 's':
            snprintf(lic.serial, sizeof(lic.serial), "%s", optarg);
            break;
        case 't':
            if (ctl_tier_parse(&lic.tier, optarg) != 0) {
                return fail("--tier: '%s' is not low, medium, high or very-high", optarg);
            }
            have_tier = true;
            break;
        case 'f':
            snprintf(lic.features, sizeof(lic.features), "%s", optarg);
            break;
        case 'n':
            if (parse_date(&lic.not_before, "--not-before", optarg) != 0) {
                return 2;
            }
            break;
        case 'e':
            if (parse_date(&lic.expires, "--expires", optarg) != 0) {
                return 2;
            }
            have_exp = true;
            break;
        case 'o':
            out_path = optarg;
            break;
        default:
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (key_path == NULL || !have_tier || !have_exp || optind != argc) {
        return fail("issue needs --key, --company, --serial, --tier and --expires");
    }
    FILE *f = fopen(key_path, "r");
    if (f == NULL) {
        return fail("%s: %s", key_path, strerror(errno));
    }
    EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    uint8_t raw[CTL_LICENSE_KEY_LEN];
    size_t raw_len = sizeof(raw);
    if (pk == NULL || EVP_PKEY_id(pk) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_public_key(pk, raw, &raw_len) != 1) {
        EVP_PKEY_free(pk);
        return fail("%s: not a PEM Ed25519 private key", key_path);
    }
    ctl_license_key_id(lic.key_id, raw);
    char text[CTL_LICENSE_MAX];
    struct rl_diag diag = {{0}, {0}};
    size_t n = ctl_license_format(text, sizeof(text) - 100, &diag, &lic);
    if (n == 0) {
        EVP_PKEY_free(pk);
        return fail("--%s: %s", diag.field, diag.reason);
    }
    uint8_t sig[CTL_LICENSE_SIG_LEN];
    size_t sig_len = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, pk) == 1 &&
             EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)text, n) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    if (!ok || sig_len != CTL_LICENSE_SIG_LEN) {
        return fail("signing failed");
    }
    memcpy(text + n, "signature: ", 11);
    n += 11;
    n += (size_t)EVP_EncodeBlock((unsigned char *)text + n, sig, CTL_LICENSE_SIG_LEN);
    text[n++] = '\n';
    int fd = out_path != NULL ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
    if (fd < 0 || rl_write_all(fd, text, n) != 0) {
        return fail("%s: %s", out_path != NULL ? out_path : "stdout", strerror(errno));
    }
    if (fd != 1 && close(fd) != 0) {
        return fail("%s: %s", out_path, strerror(errno));
    }
    return 0;
}

static int
verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"public", required_argument, NULL, 'p'},
        {"at", required_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    const char *pub_path = NULL;
    int64_t at = (int64_t)time(NULL);
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'p') {
            pub_path = optarg;
        } else if (c == 'a') {
            if (parse_date(&at, "--at", optarg) != 0) {
                return 2;
            }
        } else {
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (pub_path == NULL || optind + 1 != argc) {
        return fail("verify needs --public and one licence file");
    }
    struct ctl_license_key key;
    if (read_pub(key.pub, pub_path) != 0) {
        return 2;
    }
    char text[CTL_LICENSE_MAX + 1];
    FILE *f = fopen(argv[optind], "r");
    if (f == NULL) {
        return fail("%s: %s", argv[optind], strerror(errno));
    }
    size_t len = fread(text, 1, sizeof(text), f);
    fclose(f);
    struct ctl_license_status st;
    ctl_license_evaluate(&st, text, len, &key, 1, at);
    printf("%s: %s\n", ctl_license_state_name(st.state), st.why);
    return st.evaluation ? 1 : 0;
}

static int
embed(int argc, char **argv)
{
    const char *out_path = NULL;
    int c;
    while ((c = getopt(argc, argv, "o:")) != -1) {
        if (c != 'o') {
            fputs(usage_text, stderr);
            return 2;
        }
        out_path = optarg;
    }
    FILE *out = out_path != NULL ? fopen(out_path, "w") : stdout;
    if (out == NULL) {
        return fail("%s: %s", out_path, strerror(errno));
    }
    fprintf(out, "/* Generated by redline-license embed: the public keys this build trusts. */\n"
                 "#include \"ctl_keys.h\"\n\n"
                 "const struct ctl_license_key ctl_keys[] = {\n");
    int n = 0;
    for (int i = optind; i < argc; i++) {
        uint8_t raw[CTL_LICENSE_KEY_LEN];
        if (read_pub(raw, argv[i]) != 0) {
            if (out != stdout) {
                fclose(out);
            }
            return 2;
        }
        char id[CTL_LICENSE_KEY_ID_LEN + 1];
        ctl_license_key_id(id, raw);
        fprintf(out, "    /* %s */\n    {{", id);
        for (int k = 0; k < CTL_LICENSE_KEY_LEN; k++) {
            fprintf(out, "%s0x%02x", k ? ", " : "", raw[k]);
        }
        fprintf(out, "}},\n");
        n++;
    }
    if (n == 0) {
        fprintf(out, "    {{0}}, /* none trusted: every licence is refused */\n");
    }
    fprintf(out, "};\nconst size_t ctl_n_keys = %d;\n", n);
    if (out != stdout && fclose(out) != 0) {
        return fail("%s: %s", out_path, strerror(errno));
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    argv[1] = argv[0];
    argc--;
    argv++;
    if (strcmp(cmd, "keygen") == 0) {
        static const struct option opts[] = {
            {"private", required_argument, NULL, 'k'},
            {"public", required_argument, NULL, 'p'},
            {"force", no_argument, NULL, 'f'},
            {NULL, 0, NULL, 0},
        };
        const char *priv = NULL, *pub = NULL;
        bool force = false;
        int c;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
            if (c == 'k') {
                priv = optarg;
            } else if (c == 'p') {
                pub = optarg;
            } else if (c == 'f') {
                force = true;
            } else {
                fputs(usage_text, stderr);
                return 2;
            }
        }
        if (priv == NULL || pub == NULL || optind != argc) {
            return fail("keygen needs --private FILE and --public FILE");
        }
        return keygen(priv, pub, force);
    }
    if (strcmp(cmd, "issue") == 0) {
        return issue(argc, argv);
    }
    if (strcmp(cmd, "verify") == 0) {
        return verify(argc, argv);
    }
    if (strcmp(cmd, "embed") == 0) {
        return embed(argc, argv);
    }
    return fail("unknown command '%s'; expected keygen, issue, verify or embed", cmd);
}
