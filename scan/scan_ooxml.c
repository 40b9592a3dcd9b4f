/* SPDX-License-Identifier: Apache-2.0 */
/* The Office Open XML sanitiser (docx/docm, xlsx/xlsm, pptx/pptm): the
 * package model (content types, relationships), the plan of what goes
 * (macros, ActiveX, embedded objects, external relationships, comments,
 * custom properties, signatures), and the order the parts are streamed in
 * (scan_ooxml_part.c does each part). No DOM: every part is read as a
 * stream. Runs on the worker that owns the scan_doc. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "scan_redact.h"

/* The package types, by the content type of the main part. */
static const struct ooxml_pkg_type {
    const char *main_ct;
    struct scan_ooxml_type file;
    int macro_free; /* index of the macro-free type; -1 when this one is */
} pkg_types[] = {
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
     {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
     -1},
    {"application/vnd.ms-word.document.macroEnabled.main+xml",
     {"application/vnd.ms-word.document.macroEnabled.12", "docm"},
     0},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
     {"application/vnd.openxmlformats-officedocument.wordprocessingml.template", "dotx"},
     -1},
    {"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
     {"application/vnd.ms-word.template.macroEnabled.12", "dotm"},
     2},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
     {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
     -1},
    {"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
     {"application/vnd.ms-excel.sheet.macroEnabled.12", "xlsm"},
     4},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
     {"application/vnd.openxmlformats-officedocument.spreadsheetml.template", "xltx"},
     -1},
    {"application/vnd.ms-excel.template.macroEnabled.main+xml",
     {"application/vnd.ms-excel.template.macroEnabled.12", "xltm"},
     6},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
     {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
     -1},
    {"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
     {"application/vnd.ms-powerpoint.presentation.macroEnabled.12", "pptm"},
     8},
    {"application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
     {"application/vnd.openxmlformats-officedocument.presentationml.slideshow", "ppsx"},
     -1},
    {"application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
     {"application/vnd.ms-powerpoint.slideshow.macroEnabled.12", "ppsm"},
     10},
    {"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
     {"application/vnd.openxmlformats-officedocument.presentationml.template", "potx"},
     -1},
    {"application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
     {"application/vnd.ms-powerpoint.template.macroEnabled.12", "potm"},
     12},
};

static const char *
after_slash(const char *s)
{
    const char *p = strrchr(s, '/');
    return p != NULL ? p + 1 : s;
}

/* Resolves a relationship target against the part that holds it (RFC 3986
 * 5.2 reference resolution, paths only) into a zip entry name. */
static void
resolve(char *out, size_t cap, const char *source, const char *target)
{
    char path[1024];
    if (target[0] == '/') {
        snprintf(path, sizeof(path), "%s", target + 1);
    } else {
        const char *slash = strrchr(source, '/');
        int dir = slash != NULL ? (int)(slash - source + 1) : 0;
        snprintf(path, sizeof(path), "%.*s%s", dir, source, target);
    }
    size_t o = 0;
    out[0] = '\0';
    for (char *save = NULL, *seg = strtok_r(path, "/", &save); seg != NULL;
         seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0) {
            continue;
        }
        if (strcmp(seg, "..") == 0) {
            while (o > 0 && out[o - 1] != '/') {
                o--;
            }
            o = o > 0 ? o - 1 : 0;
            out[o] = '\0';
            continue;
        }
        int w = snprintf(out + o, cap - o, "%s%s", o > 0 ? "/" : "", seg);
        o = w > 0 && (size_t)w < cap - o ? o + (size_t)w : cap - 1;
    }
}

/* ---- the model's strings ---- */

const char *
ooxml_str(const struct ooxml_pkg *pk, uint32_t off)
{
    return off == OOXML_NO_STR ? NULL : pk->str + off;
}

uint32_t
ooxml_str_add(struct ooxml_pkg *pk, const char *s, size_t n)
{
    if (pk->str_len + n + 1 >= OOXML_NO_STR ||
        !scan_grow((void **)&pk->str, &pk->str_cap, pk->str_len + n + 1, 1)) {
        pk->err = RL_ENOMEM;
        return OOXML_NO_STR;
    }
    uint32_t off = (uint32_t)pk->str_len;
    memcpy(pk->str + off, s, n);
    pk->str[off + n] = '\0';
    pk->str_len += n + 1;
    return off;
}

void
ooxml_loc(const struct ooxml_pkg *pk, char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s%s%s", pk->loc, pk->loc[0] && name[0] ? "/" : "", name);
}

/* ---- the package model ---- */

static const char *
content_type(const struct ooxml_pkg *pk, const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *by_ext = NULL;
    for (size_t k = 0; k < pk->n_ct; k++) {
        const struct ooxml_ct *c = &pk->ct[k];
        const char *key = ooxml_str(pk, c->key);
        if (key == NULL || c->type == OOXML_NO_STR) {
            continue;
        }
        if (c->override && key[0] == '/' && strcasecmp(key + 1, name) == 0) {
            return ooxml_str(pk, c->type);
        }
        if (!c->override && dot != NULL && strcasecmp(key, dot + 1) == 0) {
            by_ext = ooxml_str(pk, c->type);
        }
    }
    return by_ext;
}

/* Which policy removes a relationship of `type`, or OOXML_NO_REMOVAL. */
static uint8_t
removal_for(const struct scan_doc_policy *dp, const char *type, bool external)
{
    static const struct {
        const char *suffix;
        bool prefix;
        uint8_t act;
    } rules[] = {
        {"vbaProject", true, SCAN_DOC_MACROS_REMOVED},
        {"wordVbaData", false, SCAN_DOC_MACROS_REMOVED},
        {"xlMacrosheet", false, SCAN_DOC_MACROS_REMOVED},
        {"xlIntlMacrosheet", false, SCAN_DOC_MACROS_REMOVED},
        {"control", false, SCAN_DOC_ACTIVEX_REMOVED},
        {"activeXControlBinary", false, SCAN_DOC_ACTIVEX_REMOVED},
        {"oleObject", false, SCAN_DOC_EMBEDDED_REMOVED},
        {"package", false, SCAN_DOC_EMBEDDED_REMOVED},
        {"comments", false, SCAN_DOC_COMMENTS_REMOVED},
        {"commentAuthors", false, SCAN_DOC_COMMENTS_REMOVED},
        {"commentsExtended", false, SCAN_DOC_COMMENTS_REMOVED},
        {"commentsIds", false, SCAN_DOC_COMMENTS_REMOVED},
        {"commentsExtensible", false, SCAN_DOC_COMMENTS_REMOVED},
        {"people", false, SCAN_DOC_COMMENTS_REMOVED},
        {"threadedComment", false, SCAN_DOC_COMMENTS_REMOVED},
        {"person", false, SCAN_DOC_COMMENTS_REMOVED},
        {"authors", false, SCAN_DOC_COMMENTS_REMOVED},
        {"custom-properties", false, SCAN_DOC_METADATA_REMOVED},
    };
    const char *s = after_slash(type);
    if (external) {
        bool link = strcmp(s, "hyperlink") == 0;
        return (link ? dp->remove_hyperlinks : dp->remove_external) ? SCAN_DOC_EXTERNAL_REMOVED
                                                                    : OOXML_NO_REMOVAL;
    }
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        bool hit = rules[i].prefix ? strncmp(s, rules[i].suffix, strlen(rules[i].suffix)) == 0
                                   : strcmp(s, rules[i].suffix) == 0;
        if (!hit) {
            continue;
        }
        bool on = false;
        switch (rules[i].act) {
        case SCAN_DOC_MACROS_REMOVED:
            on = dp->remove_macros;
            break;
        case SCAN_DOC_ACTIVEX_REMOVED:
            on = dp->remove_activex;
            break;
        case SCAN_DOC_EMBEDDED_REMOVED:
            on = dp->remove_embedded;
            break;
        case SCAN_DOC_COMMENTS_REMOVED:
            on = dp->remove_comments;
            break;
        default:
            on = dp->remove_metadata;
            break;
        }
        return on ? rules[i].act : OOXML_NO_REMOVAL;
    }
    return OOXML_NO_REMOVAL;
}

long
ooxml_part_by_name(const struct ooxml_pkg *pk, const char *name)
{
    long i = scan_zip_find(pk->z, name);
    if (i >= 0 && !pk->parts[i].removed) {
        return i;
    }
    for (size_t k = 0; k < pk->n_parts; k++) {
        if (strcasecmp(pk->parts[k].name, name) == 0) {
            return (long)k;
        }
    }
    return -1;
}

/* The part a .rels entry describes: "word/_rels/document.xml.rels" ->
 * "word/document.xml"; -1 for the package's own "_rels/.rels". */
static long
rels_source(const struct ooxml_pkg *pk, const char *name)
{
    const char *r = strstr(name, "_rels/");
    size_t nl = strlen(name);
    if (r == NULL || (r != name && r[-1] != '/') || nl < 5 || strcmp(name + nl - 5, ".rels") != 0) {
        return -2; /* not a .rels part */
    }
    char src[1024];
    int dir = (int)(r - name);
    snprintf(src, sizeof(src), "%.*s%.*s", dir, name, (int)(nl - 5 - (size_t)dir - 6), r + 6);
    if (src[0] == '\0') {
        return -1;
    }
    long i = ooxml_part_by_name(pk, src);
    return i >= 0 ? i : -3; /* relationships of a part that is not there */
}

/* Resolves the relationships read from the .rels parts: their targets and
 * what the policy removes. */
static void
resolve_rels(struct ooxml_pkg *pk)
{
    for (size_t k = 0; k < pk->n_rels; k++) {
        struct ooxml_rel *r = &pk->rels[k];
        const char *type = ooxml_str(pk, r->type);
        if (!r->external) {
            long src = pk->parts[r->rels_part].source;
            char name[1024];
            resolve(name, sizeof(name), src >= 0 ? pk->parts[src].name : "",
                    ooxml_str(pk, r->target));
            r->target_part = ooxml_part_by_name(pk, name);
        }
        r->removal = removal_for(&pk->d->pol->documents, type, r->external);
    }
}

/* Reads the content types and every relationship; finds the main part. */
static bool
load_model(struct ooxml_pkg *pk)
{
    pk->n_parts = scan_zip_count(pk->z);
    pk->parts = calloc(pk->n_parts ? pk->n_parts : 1, sizeof(*pk->parts));
    if (pk->parts == NULL) {
        pk->err = RL_ENOMEM;
        return false;
    }
    pk->ct_part = scan_zip_find(pk->z, "[Content_Types].xml");
    pk->main_part = -1;
    for (size_t i = 0; i < pk->n_parts; i++) {
        struct scan_zip_entry e;
        scan_zip_stat(pk->z, &e, i);
        pk->parts[i].name = e.name;
        size_t nl = strlen(e.name);
        pk->parts[i].xml = (nl > 4 && strcasecmp(e.name + nl - 4, ".xml") == 0) ||
                           (nl > 5 && strcasecmp(e.name + nl - 5, ".rels") == 0);
        pk->parts[i].source = rels_source(pk, e.name);
    }
    if (ooxml_stream_part(pk, (size_t)pk->ct_part, OOXML_CT_MODEL) != 0 || pk->refused ||
        !pk->ct_types) {
        return false;
    }
    for (size_t i = 0; i < pk->n_parts && pk->err == 0; i++) {
        if (pk->parts[i].source == -2) {
            continue;
        }
        pk->parts[i].rel0 = pk->n_rels;
        if (ooxml_stream_part(pk, i, OOXML_RELS_MODEL) != 0 || pk->refused) {
            return false;
        }
    }
    resolve_rels(pk);
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct ooxml_rel *r = &pk->rels[k];
        if (pk->parts[r->rels_part].source == -1 && r->target_part >= 0 &&
            strcmp(after_slash(ooxml_str(pk, r->type)), "officeDocument") == 0) {
            pk->main_part = r->target_part;
        }
    }
    const char *ct = pk->main_part >= 0 ? content_type(pk, pk->parts[pk->main_part].name) : NULL;
    for (size_t t = 0; ct != NULL && t < sizeof(pkg_types) / sizeof(pkg_types[0]); t++) {
        if (strcasecmp(ct, pkg_types[t].main_ct) == 0) {
            pk->type = &pkg_types[t];
        }
    }
    return pk->err == 0;
}

static bool
targeted_by_kept_rel(const struct ooxml_pkg *pk, long part)
{
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct ooxml_rel *r = &pk->rels[k];
        if (r->target_part == part && r->removal == OOXML_NO_REMOVAL) {
            return true;
        }
    }
    return false;
}

/* Removes what the policy removes, then what only removed parts referred
 * to (a VBA project's own data, an ActiveX control's binary), until nothing
 * changes; each removed part and external link is reported once. */
static void
plan_removals(struct ooxml_pkg *pk, bool report_external)
{
    for (bool again = true; again;) {
        again = false;
        for (size_t k = 0; k < pk->n_rels; k++) {
            struct ooxml_rel *r = &pk->rels[k];
            long src = pk->parts[r->rels_part].source;
            if (r->removal == OOXML_NO_REMOVAL && src >= 0 && pk->parts[src].removed) {
                r->removal = SCAN_DOC_UNREADABLE; /* goes with its source; not reported */
            }
            if (r->removal == OOXML_NO_REMOVAL || r->target_part < 0 ||
                pk->parts[r->target_part].removed || targeted_by_kept_rel(pk, r->target_part)) {
                continue;
            }
            pk->parts[r->target_part].removed = true;
            again = true;
            if (r->removal != SCAN_DOC_UNREADABLE) {
                char loc[SCAN_DOC_LOC_MAX];
                ooxml_loc(pk, loc, sizeof(loc), pk->parts[r->target_part].name);
                scan_doc_note(pk->d, r->removal, loc, "%s part removed",
                              after_slash(ooxml_str(pk, r->type)));
            }
        }
        for (size_t i = 0; i < pk->n_parts; i++) {
            long src = pk->parts[i].source;
            if (src >= 0 && pk->parts[src].removed && !pk->parts[i].removed) {
                pk->parts[i].removed = true;
                again = true;
            }
        }
    }
    for (size_t k = 0; k < pk->n_rels && report_external; k++) {
        const struct ooxml_rel *r = &pk->rels[k];
        if (r->external && r->removal == SCAN_DOC_EXTERNAL_REMOVED) {
            char loc[SCAN_DOC_LOC_MAX];
            ooxml_loc(pk, loc, sizeof(loc), pk->parts[r->rels_part].name);
            scan_doc_note(pk->d, r->removal, loc, "external %s relationship %s removed",
                          after_slash(ooxml_str(pk, r->type)), ooxml_str(pk, r->id));
        }
    }
}

void
ooxml_gone_sheet(struct ooxml_pkg *pk, const char *name)
{
    if (!scan_grow((void **)&pk->gone_sheets, &pk->gone_cap, pk->n_gone_sheets + 1,
                   sizeof(*pk->gone_sheets)) ||
        (pk->gone_sheets[pk->n_gone_sheets] = strdup(name)) == NULL) {
        pk->err = RL_ENOMEM;
        return;
    }
    pk->n_gone_sheets++;
}

/* A document part. The workbook first gives the names of the sheets that go
 * with its removed relationships (its views and defined names come before
 * and after them). */
static void
process_part(struct ooxml_pkg *pk, size_t i)
{
    if ((long)i == pk->main_part) {
        bool any = false;
        for (size_t k = 0; k < pk->n_rels && !any; k++) {
            any = pk->rels[k].removal != OOXML_NO_REMOVAL &&
                  pk->parts[pk->rels[k].rels_part].source == (long)i;
        }
        if (any && (ooxml_stream_part(pk, i, OOXML_SHEETS) != 0 || pk->refused)) {
            return;
        }
    }
    ooxml_stream_part(pk, i, OOXML_DOC);
}

static bool redact_decoded(struct ooxml_pkg *pk, struct ooxml_rel *r, const char *target,
                           size_t len);

static int
hex_val(uint8_t c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

size_t
ooxml_unescape(uint8_t *out, const uint8_t *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = p[i] == '%' && i + 2 < n ? hex_val(p[i + 1]) : -1;
        int lo = hi >= 0 ? hex_val(p[i + 2]) : -1;
        int c = hi >= 0 && lo >= 0 ? hi * 16 + lo : -1;
        if (c > 0 && (strchr(" .-_+@", c) != NULL || (c >= '0' && c <= '9') ||
                      (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
            out[o++] = (uint8_t)c;
            i += 2;
        } else {
            out[o++] = p[i];
        }
    }
    return o;
}

/* External targets can carry what the text does (mailto: addresses),
 * escaped or not. */
static bool
redact_target(struct ooxml_pkg *pk, struct ooxml_rel *r)
{
    const char *raw = ooxml_str(pk, r->target);
    size_t len = strlen(raw);
    char *target = malloc(len + 1);
    if (target == NULL) {
        pk->err = RL_ENOMEM;
        return false;
    }
    len = ooxml_unescape((uint8_t *)target, (const uint8_t *)raw, len);
    target[len] = '\0';
    bool changed = redact_decoded(pk, r, target, len);
    explicit_bzero(target, len);
    free(target);
    return changed;
}

/* redact_target's detection and masking of the decoded target. */
static bool
redact_decoded(struct ooxml_pkg *pk, struct ooxml_rel *r, const char *target, size_t len)
{
    size_t n = 0;
    char loc[SCAN_DOC_LOC_MAX];
    ooxml_loc(pk, loc, sizeof(loc), pk->parts[r->rels_part].name);
    if (scan_doc_detect(pk->d, &n, (const uint8_t *)target, len) != 0 ||
        scan_redact_count(pk->d->f, n) == 0) {
        return false;
    }
    scan_doc_record(pk->d, loc, pk->d->f, n);
    char *red = malloc(len + 1);
    if (red == NULL) {
        pk->err = RL_ENOMEM;
        return false;
    }
    size_t m =
        scan_redact((uint8_t *)red, pk->d->f, n, (const uint8_t *)target, len, pk->d->pol, true);
    r->new_target = ooxml_str_add(pk, red, m);
    free(red);
    return r->new_target != OOXML_NO_STR;
}

static void
rewrite_rels(struct ooxml_pkg *pk)
{
    for (size_t i = 0; i < pk->n_parts && pk->err == 0 && !pk->refused; i++) {
        const struct ooxml_part *p = &pk->parts[i];
        if (p->source == -2 || p->removed) {
            continue;
        }
        bool changed = false;
        for (size_t k = p->rel0; k < p->rel0 + p->n_rel; k++) {
            struct ooxml_rel *r = &pk->rels[k];
            if (r->removal != OOXML_NO_REMOVAL) {
                changed = true;
            } else if (r->external && pk->d->pol->documents.redact) {
                changed |= redact_target(pk, r);
            }
        }
        if ((changed || p->dtd_removed) && pk->err == 0) {
            ooxml_stream_part(pk, i, OOXML_RELS_WRITE);
        }
    }
}

bool
ooxml_unused_macro_default(const struct ooxml_pkg *pk, const char *ext, const char *ct)
{
    if (strcasestr(ct, "vbaProject") == NULL || !pk->d->pol->documents.remove_macros) {
        return false;
    }
    for (size_t i = 0; i < pk->n_parts; i++) {
        const char *dot = strrchr(pk->parts[i].name, '.');
        if (!pk->parts[i].removed && dot != NULL && strcasecmp(dot + 1, ext) == 0) {
            return false;
        }
    }
    return true;
}

/* Drops the overrides of removed parts and gives the main part its
 * macro-free content type. Returns the type before renaming, or NULL. */
static const struct scan_ooxml_type *
rewrite_content_types(struct ooxml_pkg *pk, bool any_removed)
{
    const struct ooxml_pkg_type *free_type = NULL;
    if (pk->type != NULL && pk->type->macro_free >= 0 && pk->d->pol->documents.remove_macros) {
        free_type = &pkg_types[pk->type->macro_free];
    }
    if (!any_removed && free_type == NULL && !pk->parts[pk->ct_part].dtd_removed) {
        return NULL;
    }
    pk->new_main_ct = free_type != NULL ? free_type->main_ct : NULL;
    if (ooxml_stream_part(pk, (size_t)pk->ct_part, OOXML_CT_WRITE) != 0 || pk->refused) {
        return NULL;
    }
    if (free_type != NULL) {
        scan_doc_note(pk->d, SCAN_DOC_RENAMED, pk->loc, "%s -> %s", pk->type->file.ext,
                      free_type->file.ext);
        const struct scan_ooxml_type *was = &pk->type->file;
        pk->type = free_type;
        return was;
    }
    return NULL;
}

/* The core and extended properties parts as metadata removal leaves them:
 * valid, and empty of whatever the originals held (ECMA-376 Part 2, 11;
 * Part 1, 22.2). */
static const char core_minimal[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<cp:coreProperties "
    "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
    "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"></cp:coreProperties>";
static const char app_minimal[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Properties "
    "xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" "
    "xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">"
    "</Properties>";

/* Marks the package's core and extended properties parts, and the files
 * Word shows as part of the text (altChunk: HTML, RTF, text, a message). */
static void
find_props(struct ooxml_pkg *pk)
{
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct ooxml_rel *r = &pk->rels[k];
        const char *t = after_slash(ooxml_str(pk, r->type));
        if (r->target_part >= 0 && strcmp(t, "aFChunk") == 0) {
            pk->parts[r->target_part].chunk = true;
        }
        if (pk->parts[r->rels_part].source == -1 && r->target_part >= 0 &&
            (strcmp(t, "core-properties") == 0 || strcmp(t, "extended-properties") == 0)) {
            pk->parts[r->target_part].props = true;
        }
    }
}

/* Replaces properties part `i` by its minimal form, unread. */
static void
replace_props(struct ooxml_pkg *pk, size_t i)
{
    const char *name = pk->parts[i].name;
    bool core = false;
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct ooxml_rel *r = &pk->rels[k];
        if (r->target_part == (long)i &&
            strcmp(after_slash(ooxml_str(pk, r->type)), "core-properties") == 0) {
            core = true;
        }
    }
    const char *with = core ? core_minimal : app_minimal;
    size_t n = strlen(with);
    uint8_t *copy = malloc(n);
    if (copy == NULL || scan_zip_replace(pk->z, i, (memcpy(copy, with, n), copy), n) != 0) {
        pk->err = RL_ENOMEM;
        return;
    }
    char loc[SCAN_DOC_LOC_MAX];
    ooxml_loc(pk, loc, sizeof(loc), name);
    scan_doc_note(pk->d, SCAN_DOC_METADATA_REMOVED, loc, "%s properties replaced by an empty part",
                  core ? "core" : "extended");
}

/* A signed package that changed would carry a broken signature: the
 * signature origin, its signatures and their relationships go. */
static void
plan_unsigned(struct ooxml_pkg *pk)
{
    for (size_t k = 0; k < pk->n_rels; k++) {
        struct ooxml_rel *r = &pk->rels[k];
        const char *type = ooxml_str(pk, r->type);
        if (r->removal == OOXML_NO_REMOVAL && pk->parts[r->rels_part].source == -1 &&
            strcmp(after_slash(type), "origin") == 0 && strstr(type, "digital-signature") != NULL) {
            r->removal = SCAN_DOC_SIGNATURE_REMOVED;
        }
    }
    for (size_t k = 0; k < pk->n_rels; k++) {
        struct ooxml_rel *r = &pk->rels[k];
        if (r->removal == OOXML_NO_REMOVAL &&
            strstr(ooxml_str(pk, r->type), "digital-signature/signature") != NULL) {
            r->removal = SCAN_DOC_SIGNATURE_REMOVED;
        }
    }
}

/* The package's thumbnail is a picture of the first page as it was: once
 * the package changed it would show what was masked or removed. */
static void
plan_thumbnail(struct ooxml_pkg *pk)
{
    for (size_t k = 0; k < pk->n_rels; k++) {
        struct ooxml_rel *r = &pk->rels[k];
        if (r->removal == OOXML_NO_REMOVAL && pk->parts[r->rels_part].source == -1 &&
            strcmp(ooxml_str(pk, r->type),
                   "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                   "thumbnail") == 0) {
            r->removal = SCAN_DOC_METADATA_REMOVED;
        }
    }
}

/* A model pass that is only a help: whatever it finds wrong with the part
 * (a DTD, malformed XML) is found and reported by the part's own pass. */
static void
quiet_pass(struct ooxml_pkg *pk, size_t i, enum ooxml_pass pass)
{
    size_t act0 = pk->d->n_act;
    bool refused = pk->refused, dtd_refused = pk->dtd_refused, cut = pk->parts[i].dtd_removed;
    bool unreadable = pk->d->res.unreadable;
    ooxml_stream_part(pk, i, pass);
    pk->d->n_act = act0;
    pk->refused = refused;
    pk->dtd_refused = dtd_refused;
    pk->parts[i].dtd_removed = cut;
    pk->d->res.unreadable = unreadable;
}

/* A workbook's styles and first shared strings, read before its sheets:
 * what names a column and which cells show an SSN. */
static void
load_workbook_context(struct ooxml_pkg *pk)
{
    if (pk->main_part < 0 || !pk->d->pol->documents.redact) {
        return;
    }
    long styles = -1, sst = -1;
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct ooxml_rel *r = &pk->rels[k];
        const char *t = after_slash(ooxml_str(pk, r->type));
        if (pk->parts[r->rels_part].source == pk->main_part && r->target_part >= 0) {
            styles = strcmp(t, "styles") == 0 ? r->target_part : styles;
            sst = strcmp(t, "sharedStrings") == 0 ? r->target_part : sst;
        }
    }
    if (styles >= 0) {
        quiet_pass(pk, (size_t)styles, OOXML_STYLES_MODEL);
    }
    if (sst >= 0 && pk->err == 0) {
        pk->sst = calloc(OOXML_SST_KEEP, OOXML_HEAD_MAX);
        if (pk->sst == NULL) {
            pk->err = RL_ENOMEM;
            return;
        }
        quiet_pass(pk, (size_t)sst, OOXML_SST_MODEL);
    }
}

/* Embedded packages (a workbook inside a document) are documents too. */
static void
nested_part(struct ooxml_pkg *pk, size_t i)
{
    char loc[SCAN_DOC_LOC_MAX];
    ooxml_loc(pk, loc, sizeof(loc), pk->parts[i].name);
    uint8_t *data = NULL, *out = NULL;
    size_t n = 0, out_len = 0;
    struct rl_diag diag = {{0}, {0}};
    int rc = scan_zip_read(pk->z, &diag, &data, &n, i);
    if (rc != 0) {
        if (rc == RL_ENOMEM) {
            pk->err = rc;
        } else {
            scan_doc_note(pk->d, rc == RL_ELIMIT ? SCAN_DOC_LIMIT : SCAN_DOC_UNREADABLE, loc, "%s",
                          diag.reason);
        }
        return;
    }
    rc = scan_doc_nested(pk->d, &out, &out_len, data, n, loc, pk->depth + 1);
    explicit_bzero(data, n);
    free(data);
    if (rc == 0 && out != NULL) {
        rc = scan_zip_replace(pk->z, i, out, out_len);
    }
    pk->err = rc != 0 ? rc : pk->err;
}

/* A package with a part that cannot be read is not half sanitised: every
 * change is undone, and only the reasons stay in the report (the findings
 * too: what was found is in the file as delivered or held). */
static void
abandon(struct ooxml_pkg *pk, size_t act0)
{
    struct scan_doc *d = pk->d;
    if (pk->z != NULL) {
        scan_zip_revert(pk->z);
    }
    size_t k = act0;
    for (size_t i = act0; i < d->n_act; i++) {
        uint8_t a = d->act[i].kind;
        if (a == SCAN_DOC_UNREADABLE || a == SCAN_DOC_ENCRYPTED || a == SCAN_DOC_LIMIT ||
            a == SCAN_DOC_XML_REFUSED || a == SCAN_DOC_SCAN_FAILED) {
            d->act[k++] = d->act[i];
        }
    }
    d->n_act = k;
}

static void
pkg_fini(struct ooxml_pkg *pk)
{
    free(pk->parts);
    free(pk->rels);
    free(pk->ct);
    if (pk->str != NULL) {
        explicit_bzero(pk->str, pk->str_len);
    }
    free(pk->str);
    for (size_t i = 0; i < pk->n_gone_sheets; i++) {
        free(pk->gone_sheets[i]);
    }
    free(pk->gone_sheets);
    if (pk->sst != NULL) {
        explicit_bzero(pk->sst, (size_t)OOXML_SST_KEEP * OOXML_HEAD_MAX);
    }
    free(pk->sst);
    if (pk->flat_out != NULL) {
        explicit_bzero(pk->flat_out, pk->flat_out_len);
    }
    free(pk->flat_out);
}

int
scan_ooxml_rewrite(struct scan_doc *d, const struct scan_ooxml_type **out_type,
                   const struct scan_ooxml_type **out_was, struct scan_zip *z, const char *loc,
                   unsigned depth)
{
    *out_type = NULL;
    *out_was = NULL;
    struct ooxml_pkg pk = {.d = d, .z = z, .loc = loc, .depth = depth};
    size_t act0 = d->n_act;
    if (!load_model(&pk)) {
        int rc = pk.err;
        if (rc == 0 && !pk.ct_types) {
            scan_doc_note(d, SCAN_DOC_UNREADABLE, loc, "no readable [Content_Types].xml");
        }
        pkg_fini(&pk);
        return rc;
    }
    plan_removals(&pk, true);
    find_props(&pk);
    load_workbook_context(&pk);
    bool any_removed = false;
    for (size_t i = 0; i < pk.n_parts && pk.err == 0; i++) {
        struct scan_zip_entry e;
        scan_zip_stat(z, &e, i);
        if (pk.parts[i].removed) {
            any_removed = true;
            pk.parts[i].deleted = true;
            pk.err = scan_zip_delete(z, i) == 0 ? 0 : RL_EINVAL;
        } else if (pk.parts[i].props && d->pol->documents.remove_metadata) {
            replace_props(&pk, i);
        } else if (e.encrypted) {
            char eloc[SCAN_DOC_LOC_MAX];
            ooxml_loc(&pk, eloc, sizeof(eloc), e.name);
            scan_doc_note(d, SCAN_DOC_ENCRYPTED, eloc, "encrypted part, not scanned");
            pk.refused = true;
        } else if (pk.parts[i].xml && pk.parts[i].source == -2 && (long)i != pk.ct_part) {
            process_part(&pk, i);
        } else if (!pk.parts[i].xml &&
                   (strstr(e.name, "/embeddings/") != NULL || pk.parts[i].chunk)) {
            nested_part(&pk, i);
        }
    }
    if (pk.err == 0 && !pk.refused && (any_removed || scan_zip_changed(z))) {
        plan_unsigned(&pk);
        plan_thumbnail(&pk);
        plan_removals(&pk, false);
        for (size_t i = 0; i < pk.n_parts && pk.err == 0; i++) {
            if (pk.parts[i].removed && !pk.parts[i].deleted) {
                any_removed = true;
                pk.parts[i].deleted = true;
                pk.err = scan_zip_delete(z, i) == 0 ? 0 : RL_EINVAL;
            }
        }
    }
    if (pk.err == 0 && !pk.refused) {
        rewrite_rels(&pk);
    }
    if (pk.err == 0 && !pk.refused) {
        *out_was = rewrite_content_types(&pk, any_removed);
    }
    if (pk.refused) {
        abandon(&pk, act0);
        d->res.never_deliver |= pk.dtd_refused;
    }
    *out_type = pk.type != NULL ? &pk.type->file : NULL;
    int rc = pk.err;
    pkg_fini(&pk);
    return rc;
}

/* ---- OpenDocument packages (ODF 1.3 Part 2) ---- */

/* A file of Basic or of another script language (Basic/, Scripts/), in the
 * package or in an object embedded in it ("Object 1/Basic/..."). */
static bool
odf_macro_part(const char *name)
{
    for (const char *p = name; p != NULL; p = strchr(p, '/'), p = p != NULL ? p + 1 : NULL) {
        if (strncmp(p, "Basic/", 6) == 0 || strncmp(p, "Scripts/", 8) == 0) {
            return true;
        }
    }
    return false;
}

static bool
odf_meta_part(const char *name)
{
    return strcmp(after_slash(name), "meta.xml") == 0;
}

/* The thumbnail: a picture of the first page as it was (ODF Part 2, 3.7);
 * an embedded object's replacement image: a picture of the object as it
 * was (a chart with its values). */
static bool
odf_thumbnail(const char *name)
{
    return strncmp(name, "Thumbnails/", 11) == 0 || strncmp(name, "ObjectReplacements/", 19) == 0;
}

static bool
odf_signature(const char *name)
{
    return strncmp(name, "META-INF/", 9) == 0 && strstr(name, "signatures") != NULL;
}

bool
ooxml_odf_path_removed(const struct ooxml_pkg *pk, const char *path)
{
    size_t n = strlen(path);
    bool any_removed = false;
    for (size_t i = 0; i < pk->n_parts; i++) {
        const char *name = pk->parts[i].name;
        bool under = n > 0 && path[n - 1] == '/' && strncmp(name, path, n) == 0;
        if (strcmp(name, path) == 0 || under) {
            if (!pk->parts[i].removed) {
                return false;
            }
            any_removed = true;
        }
    }
    return any_removed;
}

/* The properties as metadata removal leaves them (ODF Part 3, 3.1.3). */
static const char odf_meta_minimal[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<office:document-meta xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
    "office:version=\"1.2\"><office:meta/></office:document-meta>\n";

static void
odf_remove(struct ooxml_pkg *pk, size_t i)
{
    pk->parts[i].removed = pk->parts[i].deleted = true;
    if (scan_zip_delete(pk->z, i) != 0) {
        pk->err = RL_EINVAL;
    }
}

/* Removes what is removed in any case once the package changed: the
 * thumbnail (it would show the first page as it was before) and the
 * signatures (they would be broken). */
static void
odf_changed(struct ooxml_pkg *pk)
{
    size_t thumbs = 0;
    for (size_t i = 0; i < pk->n_parts && pk->err == 0; i++) {
        const char *name = pk->parts[i].name;
        if (pk->parts[i].removed) {
            continue;
        }
        char loc[SCAN_DOC_LOC_MAX];
        ooxml_loc(pk, loc, sizeof(loc), name);
        if (odf_thumbnail(name)) {
            odf_remove(pk, i);
            thumbs++;
        } else if (odf_signature(name)) {
            odf_remove(pk, i);
            scan_doc_note(pk->d, SCAN_DOC_SIGNATURE_REMOVED, loc,
                          "signatures the changes would have broken removed");
        }
    }
    if (thumbs > 0) {
        char loc[SCAN_DOC_LOC_MAX];
        ooxml_loc(pk, loc, sizeof(loc), "");
        scan_doc_note(pk->d, SCAN_DOC_METADATA_REMOVED, loc,
                      "%zu thumbnail and object images removed: pictures from before the changes",
                      thumbs);
    }
}

int
scan_odf_rewrite(struct scan_doc *d, struct scan_zip *z, const char *loc, unsigned depth)
{
    const struct scan_doc_policy *dp = &d->pol->documents;
    struct ooxml_pkg pk = {
        .d = d, .z = z, .loc = loc, .depth = depth, .ct_part = -1, .main_part = -1};
    size_t act0 = d->n_act;
    pk.n_parts = scan_zip_count(z);
    pk.parts = calloc(pk.n_parts ? pk.n_parts : 1, sizeof(*pk.parts));
    if (pk.parts == NULL) {
        return RL_ENOMEM;
    }
    for (size_t i = 0; i < pk.n_parts; i++) {
        struct scan_zip_entry e;
        scan_zip_stat(z, &e, i);
        size_t nl = strlen(e.name);
        pk.parts[i].name = e.name;
        pk.parts[i].source = -2;
        pk.parts[i].xml = nl > 4 && strcasecmp(e.name + nl - 4, ".xml") == 0;
    }
    long man = scan_zip_find(z, "META-INF/manifest.xml");
    if (man >= 0 && ooxml_stream_part(&pk, (size_t)man, OOXML_MANIFEST_MODEL) == 0 && !pk.refused &&
        pk.odf_encrypted) {
        /* the files are ciphertext: nothing in them can be read */
        scan_doc_note(d, SCAN_DOC_ENCRYPTED, loc,
                      "OpenDocument file encrypted with a password: not scanned");
        pk.refused = true;
    }
    size_t macros = 0;
    for (size_t i = 0; i < pk.n_parts && pk.err == 0 && !pk.refused; i++) {
        if (dp->remove_macros && odf_macro_part(pk.parts[i].name)) {
            odf_remove(&pk, i);
            macros++;
        }
    }
    if (macros > 0) {
        scan_doc_note(d, SCAN_DOC_MACROS_REMOVED, loc, "%zu Basic and script files removed",
                      macros);
    }
    for (size_t i = 0; i < pk.n_parts && pk.err == 0 && !pk.refused; i++) {
        struct scan_zip_entry e;
        scan_zip_stat(z, &e, i);
        char eloc[SCAN_DOC_LOC_MAX];
        ooxml_loc(&pk, eloc, sizeof(eloc), e.name);
        if (pk.parts[i].removed || e.is_dir || (long)i == man || odf_thumbnail(e.name) ||
            odf_signature(e.name) || strcmp(e.name, "mimetype") == 0) {
            continue;
        }
        if (e.encrypted) {
            scan_doc_note(d, SCAN_DOC_ENCRYPTED, eloc, "encrypted part, not scanned");
            pk.refused = true;
        } else if (dp->remove_metadata && odf_meta_part(e.name)) {
            size_t n = sizeof(odf_meta_minimal) - 1;
            uint8_t *copy = malloc(n);
            if (copy == NULL ||
                scan_zip_replace(z, i, (memcpy(copy, odf_meta_minimal, n), copy), n) != 0) {
                pk.err = RL_ENOMEM;
                break;
            }
            scan_doc_note(d, SCAN_DOC_METADATA_REMOVED, eloc,
                          "properties replaced by an empty part");
        } else if (pk.parts[i].xml) {
            ooxml_stream_part(&pk, i, OOXML_DOC);
        } else {
            nested_part(&pk, i);
        }
    }
    if (pk.err == 0 && !pk.refused && scan_zip_changed(z)) {
        odf_changed(&pk);
        if (man >= 0 && pk.err == 0) {
            ooxml_stream_part(&pk, (size_t)man, OOXML_MANIFEST_WRITE);
        }
    }
    if (pk.refused) {
        abandon(&pk, act0);
        d->res.never_deliver |= pk.dtd_refused;
    }
    int rc = pk.err;
    pkg_fini(&pk);
    return rc;
}

bool
scan_odf_flat_sniff(const uint8_t *p, size_t n)
{
    static const char office_ns[] = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
    size_t k = n < 4096 ? n : 4096;
    size_t i = k >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < k && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
        i++;
    }
    return i < k && p[i] == '<' && memmem(p, k, office_ns, sizeof(office_ns) - 1) != NULL;
}

int
scan_odf_flat_rewrite(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                      size_t len, const char *loc)
{
    *out = NULL;
    *out_len = 0;
    struct ooxml_part part = {.name = "", .source = -2, .xml = true};
    struct ooxml_pkg pk = {.d = d,
                           .loc = loc,
                           .parts = &part,
                           .n_parts = 1,
                           .ct_part = -1,
                           .main_part = -1,
                           .flat_in = in,
                           .flat_len = len};
    size_t act0 = d->n_act;
    ooxml_stream_part(&pk, 0, OOXML_DOC);
    if (pk.refused) {
        abandon(&pk, act0);
        d->res.never_deliver |= pk.dtd_refused;
    } else if (pk.err == 0 && pk.flat_out != NULL) {
        *out = pk.flat_out;
        *out_len = pk.flat_out_len;
        pk.flat_out = NULL;
    }
    pk.parts = NULL; /* on the stack */
    int rc = pk.err;
    pkg_fini(&pk);
    return rc;
}
