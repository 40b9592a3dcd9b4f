/* SPDX-License-Identifier: Apache-2.0 */
/* libmagic behind a per-worker handle, and the families of media types and
 * file name extensions that a claim and a content are compared by. */
#include "scan_magic.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <magic.h>

struct scan_magic {
    magic_t cookie;
    char type[96];
    unsigned deep_left; /* libmagic lookups left to the current message */
};

/* A lookup that matches nothing walks libmagic's whole database, ~185 us
 * here whatever the size: a message of a thousand tiny parts that claim to
 * be PDFs would cost a core 0.2 s. Beyond this many per message, content
 * with no signature of ours is reported as what libmagic calls what it
 * cannot name, "application/octet-stream". */
#define MAGIC_DEEP_PER_MESSAGE 8u

void
scan_magic_begin(struct scan_magic *m)
{
    m->deep_left = MAGIC_DEEP_PER_MESSAGE;
}

/* What libmagic is shown: the start of a file is where its magic is (an
 * Office file's first entries are within a few KB); the text checks read
 * every byte they are given, so more only costs time. */
#define MAGIC_PREFIX_BYTES ((size_t)16 * 1024)

int
scan_magic_new(struct scan_magic **out_magic, struct rl_diag *diag)
{
    *out_magic = NULL;
    struct scan_magic *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return RL_ENOMEM;
    }
    /* Compressed files are not looked into: archives are our own job, and
     * decompressing inside libmagic would escape the archive limits. */
    m->cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR |
                           /* text never reaches libmagic (scan_magic_type) */
                           MAGIC_NO_CHECK_TEXT | MAGIC_NO_CHECK_ENCODING | MAGIC_NO_CHECK_CSV |
                           MAGIC_NO_CHECK_JSON);
    if (m->cookie == NULL) {
        free(m);
        return RL_ENOMEM;
    }
    if (magic_load(m->cookie, NULL) != 0) {
        rl_diag_set(diag, "libmagic", "cannot load the magic database: %s",
                    magic_error(m->cookie) ? magic_error(m->cookie) : "unknown error");
        scan_magic_free(m);
        return RL_EIO;
    }
    scan_magic_begin(m);
    *out_magic = m;
    return 0;
}

void
scan_magic_free(struct scan_magic *m)
{
    if (m == NULL) {
        return;
    }
    magic_close(m->cookie);
    free(m);
}

/* Text needs no libmagic: its soft magic is hundreds of regular expressions
 * run over text (source languages, scripts), 34 % of a whole scan of the
 * corpus messages, to name kinds of text whose family ("text") is all that
 * is compared. Text is: no NUL and almost no control bytes at the start.
 * (memchr and a count without early exit: both run on vectors.) */
static bool
looks_like_text(const uint8_t *p, size_t len)
{
    size_t look = len < 8192 ? len : 8192;
    if (look == 0 || memchr(p, 0, look) != NULL) {
        return false;
    }
    size_t ctl = 0;
    for (size_t b = 0; b < look; b += 255) { /* byte lanes: 255 at most each */
        size_t end = look - b < 255 ? look : b + 255;
        uint8_t k = 0;
        for (size_t i = b; i < end; i++) {
            uint8_t c = p[i];
            k += (uint8_t)((c < 9) | ((uint8_t)(c - 14) < 18) | (c == 127));
        }
        ctl += k;
    }
    return ctl * 64 <= look;
}

/* A message starts with a header field; one of these names is proof
 * enough (RFC 5322 3.6; the trace fields a stored message starts with). */
static bool
looks_like_message(const uint8_t *p, size_t len)
{
    static const char *const first[] = {
        "received:", "return-path:",  "from:",         "message-id:", "date:",
        "subject:",  "mime-version:", "delivered-to:", "to:",         NULL};
    for (const char *const *f = first; *f != NULL; f++) {
        size_t n = strlen(*f);
        if (len > n && strncasecmp((const char *)p, *f, n) == 0) {
            return true;
        }
    }
    return false;
}

/* PDF readers open a file whose header is anywhere in its first 1024 bytes
 * (ISO 32000-1, annex H.3 note 13; poppler and MuPDF do too): junk put
 * before the header must not let a PDF pass as some other content. Text
 * may name "%PDF-" in passing, so text is a PDF here only when it also has
 * the objects one is built of. */
static bool
late_pdf_header(const uint8_t *p, size_t len, bool text)
{
    size_t look = len < 1028 ? len : 1028; /* a header that starts before 1024 */
    const uint8_t *h = look > 1 ? memmem(p + 1, look - 1, "%PDF-", 5) : NULL;
    if (h == NULL || (size_t)(h - p) + 8 > len || h[5] < '1' || h[5] > '9' || h[6] != '.' ||
        h[7] < '0' || h[7] > '9') {
        return false;
    }
    return !text || memmem(h, len - (size_t)(h - p), "endobj", 6) != NULL;
}

/* set_type copies `t` into m->type, cut to fit, and returns it. */
static const char *
set_type(struct scan_magic *m, const char *t)
{
    size_t n = strnlen(t, sizeof(m->type) - 1);
    memcpy(m->type, t, n);
    m->type[n] = '\0';
    return m->type;
}

const char *
scan_magic_type(struct scan_magic *m, const uint8_t *p, size_t len, bool deep)
{
    /* The commonest attachments by their first bytes: libmagic would try
     * its whole database first (~100 us a call, measured on the corpus). */
    static const struct {
        const char *sig;
        size_t len;
        const char *type;
    } known[] = {
        {"%PDF-", 5, "application/pdf"},
        {"\x89PNG\r\n\x1a\n", 8, "image/png"},
        {"\xff\xd8\xff", 3, "image/jpeg"},
        {"GIF87a", 6, "image/gif"},
        {"GIF89a", 6, "image/gif"},
        {"PK\x03\x04", 4, "application/zip"},
        {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "application/x-ole-storage"},
        {"\x78\x9f\x3e\x22", 4, "application/vnd.ms-tnef"}, /* 0x223E9F78 */
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (len >= known[i].len && memcmp(p, known[i].sig, known[i].len) == 0) {
            return set_type(m, known[i].type);
        }
    }
    bool text = looks_like_text(p, len);
    if (late_pdf_header(p, len, text)) {
        return set_type(m, "application/pdf");
    }
    if (text) {
        return set_type(m, looks_like_message(p, len) ? "message/rfc822" : "text/plain");
    }
    /* "MZ" only once it is known not to be text that happens to start so */
    if (len >= 64 && p[0] == 'M' && p[1] == 'Z') {
        return set_type(m, "application/x-dosexec");
    }
    /* libmagic compiles the regular expressions of its tests on every call
     * (about 0.5 ms here): only where the answer can change a report. */
    if (!deep || m->deep_left == 0) {
        return set_type(m, "application/octet-stream");
    }
    m->deep_left--;
    const char *t = magic_buffer(m->cookie, p, len < MAGIC_PREFIX_BYTES ? len : MAGIC_PREFIX_BYTES);
    set_type(m, t != NULL ? t : "application/octet-stream");
    for (char *c = m->type; *c != '\0'; c++) {
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    }
    return m->type;
}

static char
lower_ascii(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* Families: types that one kind of reader opens alike. NULL for a type we
 * do not compare (generic, or not worth a report). */
static const char *
type_family(const char *t)
{
    /* `anywhere`: the needle may appear anywhere; otherwise it is a prefix. */
    static const struct {
        const char *needle;
        size_t len;
        bool anywhere;
        const char *family;
    } map[] = {
#define FAM(n, any, f) {n, sizeof(n) - 1, any, f}
        FAM("wordprocessingml", true, "word"),
        FAM("application/vnd.ms-word.", false, "word"),
        FAM("spreadsheetml", true, "excel"),
        FAM("application/vnd.ms-excel.sheet", false, "excel"),
        FAM("application/vnd.ms-excel.template", false, "excel"),
        FAM("presentationml", true, "powerpoint"),
        FAM("application/vnd.ms-powerpoint.", false, "powerpoint"),
        FAM("application/zip", false, "zip"),
        FAM("application/x-zip", false, "zip"),
        FAM("application/pdf", false, "pdf"),
        FAM("message/rfc822", false, "message"),
        FAM("text/", false, "text"),
        FAM("image/png", false, "png"),
        FAM("image/jpeg", false, "jpeg"),
        FAM("image/gif", false, "gif"),
        FAM("application/msword", false, "ole2"),
        FAM("application/vnd.ms-excel", false, "ole2"),
        FAM("application/vnd.ms-powerpoint", false, "ole2"),
        FAM("application/cdfv2", false, "ole2"),
        FAM("application/x-ole-storage", false, "ole2"),
        FAM("application/vnd.ms-tnef", false, "tnef"),
        FAM("application/ms-tnef", false, "tnef"),
        FAM("application/x-dosexec", false, "exe"),
        FAM("application/vnd.microsoft.portable-executable", false, "exe"),
#undef FAM
    };
    if (t == NULL) {
        return NULL;
    }
    /* The "anywhere" needles are subtypes: only look where a type can hold one. */
    bool long_type = strlen(t) > 12;
    char first = lower_ascii(t[0]); /* the prefixes' first bytes, lower case */
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        bool hit = map[i].anywhere ? long_type && strcasestr(t, map[i].needle) != NULL
                                   : first == map[i].needle[0] &&
                                         strncasecmp(t, map[i].needle, map[i].len) == 0;
        if (hit) {
            return map[i].family;
        }
    }
    return NULL;
}

static const char *
ext_family(const char *filename)
{
    static const struct {
        const char *ext;
        const char *family;
    } map[] = {
        {"docx", "word"},       {"docm", "word"},       {"dotx", "word"},
        {"dotm", "word"},       {"xlsx", "excel"},      {"xlsm", "excel"},
        {"xltx", "excel"},      {"xltm", "excel"},      {"pptx", "powerpoint"},
        {"pptm", "powerpoint"}, {"ppsx", "powerpoint"}, {"ppsm", "powerpoint"},
        {"potx", "powerpoint"}, {"potm", "powerpoint"}, {"zip", "zip"},
        {"pdf", "pdf"},         {"eml", "message"},     {"txt", "text"},
        {"csv", "text"},        {"png", "png"},         {"jpg", "jpeg"},
        {"jpeg", "jpeg"},       {"gif", "gif"},         {"doc", "ole2"},
        {"xls", "ole2"},        {"ppt", "ole2"},        {"exe", "exe"},
        {"dll", "exe"},
    };
    const char *dot = filename != NULL ? strrchr(filename, '.') : NULL;
    char first = dot != NULL ? lower_ascii(dot[1]) : '\0';
    for (size_t i = 0; dot != NULL && i < sizeof(map) / sizeof(map[0]); i++) {
        if (first == map[i].ext[0] && strcasecmp(dot + 1, map[i].ext) == 0) {
            return map[i].family;
        }
    }
    return NULL;
}

bool
scan_magic_claim_known(const char *declared_type, const char *filename)
{
    return type_family(declared_type) != NULL || ext_family(filename) != NULL;
}

bool
scan_magic_claim_ooxml(const char *declared_type, const char *filename)
{
    static const char *const ooxml[] = {"word", "excel", "powerpoint"};
    const char *claims[] = {type_family(declared_type), ext_family(filename)};
    for (size_t c = 0; c < 2; c++) {
        for (size_t i = 0; claims[c] != NULL && i < 3; i++) {
            if (strcmp(claims[c], ooxml[i]) == 0) {
                return true;
            }
        }
    }
    return false;
}

const char *
scan_magic_mismatch(const char *true_type, const char *declared_type, const char *filename)
{
    const char *truth = type_family(true_type);
    if (truth == NULL) {
        return NULL;
    }
    const char *by_name = ext_family(filename);
    if (by_name != NULL && strcmp(by_name, truth) != 0) {
        return "file name extension does not match the content";
    }
    const char *by_type = type_family(declared_type);
    if (by_type != NULL && strcmp(by_type, truth) != 0) {
        return "declared media type does not match the content";
    }
    return NULL;
}
