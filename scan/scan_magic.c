/* SPDX-License-Identifier: Apache-2.0 */
/* libmagic behind a per-worker handle, and the families of media types and
 * file name extensions that a claim and a content are compared by. */
#include "scan_magic.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <magic.h>

struct scan_magic {
    magic_t cookie;
    char type[96];
};

/* libmagic reads only the start of a file; beyond this it adds nothing. */
#define MAGIC_PREFIX_BYTES ((size_t)256 * 1024)

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
    m->cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
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

const char *
scan_magic_type(struct scan_magic *m, const uint8_t *p, size_t len)
{
    const char *t = magic_buffer(m->cookie, p, len < MAGIC_PREFIX_BYTES ? len : MAGIC_PREFIX_BYTES);
    snprintf(m->type, sizeof(m->type), "%s", t != NULL ? t : "application/octet-stream");
    for (char *c = m->type; *c != '\0'; c++) {
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    }
    return m->type;
}

/* Families: types that one kind of reader opens alike. NULL for a type we
 * do not compare (generic, or not worth a report). */
static const char *
type_family(const char *t)
{
    static const struct {
        const char *needle;
        const char *family;
    } map[] = {
        {"wordprocessingml", "word"},
        {"application/vnd.ms-word.", "word"},
        {"spreadsheetml", "excel"},
        {"application/vnd.ms-excel.sheet", "excel"},
        {"application/vnd.ms-excel.template", "excel"},
        {"presentationml", "powerpoint"},
        {"application/vnd.ms-powerpoint.", "powerpoint"},
        {"application/zip", "zip"},
        {"application/x-zip", "zip"},
        {"application/pdf", "pdf"},
        {"message/rfc822", "message"},
        {"text/", "text"},
        {"image/png", "png"},
        {"image/jpeg", "jpeg"},
        {"image/gif", "gif"},
        {"application/msword", "ole2"},
        {"application/vnd.ms-excel", "ole2"},
        {"application/vnd.ms-powerpoint", "ole2"},
        {"application/cdfv2", "ole2"},
        {"application/x-ole-storage", "ole2"},
        {"application/x-dosexec", "exe"},
        {"application/vnd.microsoft.portable-executable", "exe"},
    };
    for (size_t i = 0; t != NULL && i < sizeof(map) / sizeof(map[0]); i++) {
        /* "type/..." needles are prefixes; the others appear anywhere. */
        const char *n = map[i].needle;
        bool hit =
            strchr(n, '/') != NULL ? strncasecmp(t, n, strlen(n)) == 0 : strcasestr(t, n) != NULL;
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
    for (size_t i = 0; dot != NULL && i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcasecmp(dot + 1, map[i].ext) == 0) {
            return map[i].family;
        }
    }
    return NULL;
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
