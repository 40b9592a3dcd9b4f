/* SPDX-License-Identifier: Apache-2.0 */
/* The Office Open XML sanitiser (docx/docm, xlsx/xlsm, pptx/pptm): the
 * package model (content types, relationships), removal of macros, ActiveX,
 * embedded objects, external relationships, comments, tracked changes,
 * hidden text and personal metadata, and redaction of the text in place
 * across runs. libxml2 DOM per part, parsed without DTDs, entities or
 * network. Runs on the worker that owns the scan_doc. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "internal.h"
#include "scan_redact.h"

/* A single XML part larger than this is not parsed (its DOM would be several
 * times larger): the package counts as over the limits. */
#define MAX_XML_PART ((size_t)64 << 20)

#define REDACT_ROUNDS 3
#define NO_REMOVAL 0xff

enum ns {
    NS_OTHER = 0,
    NS_W,      /* WordprocessingML */
    NS_A,      /* DrawingML */
    NS_S,      /* SpreadsheetML */
    NS_P,      /* PresentationML */
    NS_R,      /* relationship references */
    NS_C,      /* DrawingML charts */
    NS_MC,     /* markup compatibility */
    NS_RELS,   /* package relationships */
    NS_CT,     /* content types */
    NS_CP,     /* core properties */
    NS_DC,     /* Dublin Core elements in core properties */
    NS_EP,     /* extended (app) properties */
    NS_CUSTOM, /* custom properties */
    NS_X15AC,  /* Excel's absolute path of the workbook */
};

static const struct {
    const char *uri;
    enum ns ns;
} ns_map[] = {
    {"http://schemas.openxmlformats.org/wordprocessingml/2006/main", NS_W},
    {"http://purl.oclc.org/ooxml/wordprocessingml/main", NS_W},
    {"http://schemas.openxmlformats.org/drawingml/2006/main", NS_A},
    {"http://purl.oclc.org/ooxml/drawingml/main", NS_A},
    {"http://schemas.openxmlformats.org/spreadsheetml/2006/main", NS_S},
    {"http://purl.oclc.org/ooxml/spreadsheetml/main", NS_S},
    {"http://schemas.openxmlformats.org/presentationml/2006/main", NS_P},
    {"http://purl.oclc.org/ooxml/presentationml/main", NS_P},
    {"http://schemas.openxmlformats.org/officeDocument/2006/relationships", NS_R},
    {"http://purl.oclc.org/ooxml/officeDocument/relationships", NS_R},
    {"http://schemas.openxmlformats.org/drawingml/2006/chart", NS_C},
    {"http://purl.oclc.org/ooxml/drawingml/chart", NS_C},
    {"http://schemas.openxmlformats.org/markup-compatibility/2006", NS_MC},
    {"http://schemas.openxmlformats.org/package/2006/relationships", NS_RELS},
    {"http://schemas.openxmlformats.org/package/2006/content-types", NS_CT},
    {"http://schemas.openxmlformats.org/package/2006/metadata/core-properties", NS_CP},
    {"http://purl.org/dc/elements/1.1/", NS_DC},
    {"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties", NS_EP},
    {"http://purl.oclc.org/ooxml/officeDocument/extendedProperties", NS_EP},
    {"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties", NS_CUSTOM},
    {"http://purl.oclc.org/ooxml/officeDocument/customProperties", NS_CUSTOM},
    {"http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac", NS_X15AC},
};

/* The package types, by the content type of the main part. */
static const struct pkg_type {
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

struct part {
    const char *name; /* the zip entry name (lent by the archive); no leading '/' */
    bool removed;
    bool xml;
    bool dtd_removed; /* parsed without its DTD: must be written back */
    bool deleted;     /* deleted from the rewritten archive */
    bool props;       /* core or extended properties: replaced whole when metadata goes */
    xmlDocPtr rels;   /* owned: the part's relationships, when it is a .rels part */
    long source;      /* for a .rels part: the part it describes; -1 for the package */
};

struct rel {
    size_t rels_part; /* the .rels part that holds it */
    xmlNodePtr el;    /* its Relationship element in that part's DOM */
    const char *id;   /* lent by the DOM */
    const char *type; /* lent by the DOM */
    long target;      /* entry index of the target part, -1 when external or missing */
    bool external;
    uint8_t removal; /* enum scan_doc_act, or NO_REMOVAL */
};

struct pkg {
    struct scan_doc *d;
    struct scan_zip *z;
    const char *loc; /* entry path of the package, "" for the attachment */
    unsigned depth;
    struct part *parts; /* indexed like the archive's entries */
    size_t n_parts;
    struct rel *rels;
    size_t n_rels, rels_cap;
    xmlDocPtr ct; /* owned: [Content_Types].xml */
    long ct_part;
    long main_part;
    const struct pkg_type *type;
    bool refused;       /* a part could not be read or parsed: the package stays as it came */
    bool dtd_refused;   /* ... because of a DTD: the package must not be passed on either */
    char **gone_sheets; /* owned: names of macro sheets removed from the workbook */
    size_t n_gone_sheets, gone_cap;
    int err; /* RL_ENOMEM, sticky */
};

/* ---- names and namespaces ---- */

/* The namespace is looked up once per declaration and remembered in it
 * (libxml2 leaves xmlNs._private to the application). */
static enum ns
ns_of(xmlNs *ns)
{
    if (ns == NULL || ns->href == NULL) {
        return NS_OTHER;
    }
    if (ns->_private != NULL) {
        return (enum ns)((uintptr_t)ns->_private - 1);
    }
    enum ns r = NS_OTHER;
    for (size_t i = 0; i < sizeof(ns_map) / sizeof(ns_map[0]); i++) {
        if (strcmp((const char *)ns->href, ns_map[i].uri) == 0) {
            r = ns_map[i].ns;
            break;
        }
    }
    ns->_private = (void *)((uintptr_t)r + 1);
    return r;
}

static bool
is_el(const xmlNode *n, enum ns ns, const char *local)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && ns_of(n->ns) == ns &&
           strcmp((const char *)n->name, local) == 0;
}

/* The value of the attribute `name` without namespace, lent by the DOM. */
static const char *
attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        if (a->ns == NULL && strcmp((const char *)a->name, name) == 0) {
            return a->children != NULL && a->children->type == XML_TEXT_NODE
                       ? (const char *)a->children->content
                       : "";
        }
    }
    return NULL;
}

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

/* ---- safe parsing ---- */

/* ECMA-376 Part 2 (OPC) forbids DTD declarations in package XML; a DTD is
 * where external entities and entity expansion (billion laughs) live, so
 * the parse stops at its first byte instead of bounding it. */
static void
refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name;
    (void)ext;
    (void)sys;
    xmlParserCtxtPtr c = ctx;
    c->_private = c;
    xmlStopParser(c);
}

/* Skips "<!--...-->" or "<?...?>" at p[i]; returns the index after it, or
 * 0 when p[i] starts neither (or it does not end). */
static size_t
skip_misc(const uint8_t *p, size_t n, size_t i)
{
    const char *end = NULL;
    size_t open = 0;
    if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
        end = "-->";
        open = 4;
    } else if (n - i >= 2 && memcmp(p + i, "<?", 2) == 0) {
        end = "?>";
        open = 2;
    } else {
        return 0;
    }
    const uint8_t *e = memmem(p + i + open, n - i - open, end, strlen(end));
    return e != NULL ? (size_t)(e - p) + strlen(end) : 0;
}

/* Finds the document type declaration in the prolog of p[0, n) (UTF-8 or
 * ASCII-compatible: XML 1.0 section 2.8, after the declaration, comments
 * and processing instructions, before the root element). Sets
 * [*out_start, *out_end) and returns true when there is one that ends. */
static bool
find_doctype(const uint8_t *p, size_t n, size_t *out_start, size_t *out_end)
{
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (;;) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
            i++;
        }
        size_t next = i < n ? skip_misc(p, n, i) : 0;
        if (next == 0) {
            break;
        }
        i = next;
    }
    if (n - i < 9 || memcmp(p + i, "<!DOCTYPE", 9) != 0) {
        return false;
    }
    /* to the '>' outside quotes, the internal subset, its comments and PIs */
    int depth = 0;
    for (size_t j = i + 9; j < n; j++) {
        uint8_t c = p[j];
        if (c == '"' || c == '\'') {
            const uint8_t *q = memchr(p + j + 1, c, n - j - 1);
            if (q == NULL) {
                return false;
            }
            j = (size_t)(q - p);
        } else if (c == '<' && depth > 0 && skip_misc(p, n, j) != 0) {
            j = skip_misc(p, n, j) - 1;
        } else if (c == '[') {
            depth++;
        } else if (c == ']') {
            depth--;
        } else if (c == '>' && depth <= 0) {
            *out_start = i;
            *out_end = j + 1;
            return true;
        }
    }
    return false;
}

static xmlDocPtr parse_bytes(struct pkg *pk, bool *out_dtd, const uint8_t *p, size_t n);

/* Parses one part. A DTD is cut out and the rest parsed again (a part that
 * used its entities then fails, and is refused); *out_dtd_removed says the
 * part must be written back without it. NULL (recorded) when it is not
 * well formed or still has a DTD. */
static xmlDocPtr
parse_part(struct pkg *pk, bool *out_dtd_removed, const uint8_t *p, size_t n, const char *loc)
{
    *out_dtd_removed = false;
    if (n > MAX_XML_PART || n > INT_MAX) {
        scan_doc_note(pk->d, SCAN_DOC_LIMIT, loc, "XML part of %zu bytes is over the limit", n);
        return NULL;
    }
    bool dtd = false;
    xmlDocPtr doc = parse_bytes(pk, &dtd, p, n);
    size_t a = 0, b = 0;
    if (dtd && pk->err == 0 && find_doctype(p, n, &a, &b)) {
        uint8_t *cut = malloc(n - (b - a) + 1);
        if (cut == NULL) {
            pk->err = RL_ENOMEM;
            return NULL;
        }
        memcpy(cut, p, a);
        memcpy(cut + a, p + b, n - b);
        doc = parse_bytes(pk, &dtd, cut, n - (b - a));
        explicit_bzero(cut, n - (b - a));
        free(cut);
        if (doc != NULL) {
            *out_dtd_removed = true;
            scan_doc_note(pk->d, SCAN_DOC_DTD_REMOVED, loc,
                          "DTD removed (%zu bytes; none of its entities was used)", b - a);
            return doc;
        }
        if (pk->err == 0) {
            pk->dtd_refused = true;
            scan_doc_note(pk->d, SCAN_DOC_XML_REFUSED, loc,
                          "XML part has a DTD whose entities it uses: refused, never passed on");
        }
        return NULL;
    }
    if (doc == NULL && pk->err == 0) {
        pk->dtd_refused |= dtd;
        scan_doc_note(pk->d, SCAN_DOC_XML_REFUSED, loc, "%s",
                      dtd ? "XML part has a DTD that cannot be cut out: refused, never passed on"
                          : "XML part is not well-formed");
    }
    return doc;
}

/* Parses p[0, n) without network, entity substitution or DTD; NULL when
 * it is not well formed or has a DTD (*out_dtd). */
static xmlDocPtr
parse_bytes(struct pkg *pk, bool *out_dtd, const uint8_t *p, size_t n)
{
    xmlParserCtxtPtr c = xmlNewParserCtxt();
    if (c == NULL) {
        pk->err = RL_ENOMEM;
        return NULL;
    }
    c->sax->internalSubset = refuse_dtd;
    c->_private = NULL;
    /* No NOENT (entities stay unexpanded), no DTDLOAD/DTDATTR/XINCLUDE,
     * NONET: nothing is ever fetched. Errors are ours to report, not
     * libxml2's to print. */
    xmlDocPtr doc = xmlCtxtReadMemory(c, (const char *)p, (int)n, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_NOCDATA);
    bool dtd = c->_private != NULL;
    xmlFreeParserCtxt(c);
    if (doc != NULL && (dtd || doc->intSubset != NULL || xmlDocGetRootElement(doc) == NULL)) {
        dtd |= doc->intSubset != NULL;
        xmlFreeDoc(doc);
        doc = NULL;
    }
    *out_dtd = dtd;
    return doc;
}

static void
loc_of(const struct pkg *pk, char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s%s%s", pk->loc, pk->loc[0] ? "/" : "", name);
}

/* Reads and parses entry `i`; NULL when it cannot (recorded). A part
 * whose DTD was cut out is marked to be written back. */
static xmlDocPtr
load_xml(struct pkg *pk, size_t i)
{
    char loc[SCAN_DOC_LOC_MAX];
    loc_of(pk, loc, sizeof(loc), pk->parts[i].name);
    uint8_t *data = NULL;
    size_t n = 0;
    struct rl_diag diag = {{0}, {0}};
    int rc = scan_zip_read(pk->z, &diag, &data, &n, i);
    if (rc == RL_ENOMEM) {
        pk->err = rc;
        return NULL;
    }
    if (rc != 0) {
        scan_doc_note(pk->d, rc == RL_ELIMIT ? SCAN_DOC_LIMIT : SCAN_DOC_UNREADABLE, loc, "%s",
                      diag.reason);
        pk->refused = true;
        return NULL;
    }
    bool dtd_removed = false;
    xmlDocPtr doc = parse_part(pk, &dtd_removed, data, n, loc);
    explicit_bzero(data, n);
    free(data);
    pk->refused |= doc == NULL;
    pk->parts[i].dtd_removed = dtd_removed;
    return doc;
}

/* Serialises `doc` into entry `i` of the rewritten archive. */
static void
store_xml(struct pkg *pk, size_t i, xmlDocPtr doc)
{
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    uint8_t *copy = mem != NULL ? malloc((size_t)size + 1) : NULL;
    if (copy == NULL) {
        xmlFree(mem);
        pk->err = RL_ENOMEM;
        return;
    }
    memcpy(copy, mem, (size_t)size);
    explicit_bzero(mem, (size_t)size);
    xmlFree(mem);
    if (scan_zip_replace(pk->z, i, copy, (size_t)size) != 0) {
        pk->err = RL_ENOMEM;
    }
}

/* ---- the package model ---- */

static const char *
content_type(const struct pkg *pk, const char *name)
{
    xmlNodePtr root = xmlDocGetRootElement(pk->ct);
    const char *dot = strrchr(name, '.');
    const char *by_ext = NULL;
    for (xmlNodePtr n = root->children; n != NULL; n = n->next) {
        const char *pn = is_el(n, NS_CT, "Override") ? attr(n, "PartName") : NULL;
        if (pn != NULL && pn[0] == '/' && strcasecmp(pn + 1, name) == 0) {
            return attr(n, "ContentType");
        }
        const char *ext = is_el(n, NS_CT, "Default") ? attr(n, "Extension") : NULL;
        if (ext != NULL && dot != NULL && strcasecmp(ext, dot + 1) == 0) {
            by_ext = attr(n, "ContentType");
        }
    }
    return by_ext;
}

/* Which policy removes a relationship of `type`, or NO_REMOVAL. */
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
                                                                    : NO_REMOVAL;
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
        return on ? rules[i].act : NO_REMOVAL;
    }
    return NO_REMOVAL;
}

/* The entry of part `name`: OPC part names compare case-insensitively. */
static long
part_by_name(const struct pkg *pk, const char *name)
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
rels_source(const struct pkg *pk, const char *name)
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
    long i = part_by_name(pk, src);
    return i >= 0 ? i : -3; /* relationships of a part that is not there */
}

static void
add_rel(struct pkg *pk, size_t rels_part, xmlNodePtr el)
{
    const char *id = attr(el, "Id");
    const char *type = attr(el, "Type");
    const char *target = attr(el, "Target");
    if (id == NULL || type == NULL || target == NULL) {
        return;
    }
    if (!scan_grow((void **)&pk->rels, &pk->rels_cap, pk->n_rels + 1, sizeof(*pk->rels))) {
        pk->err = RL_ENOMEM;
        return;
    }
    struct rel *r = &pk->rels[pk->n_rels++];
    const char *mode = attr(el, "TargetMode");
    r->rels_part = rels_part;
    r->el = el;
    r->id = id;
    r->type = type;
    r->external = mode != NULL && strcmp(mode, "External") == 0;
    r->target = -1;
    if (!r->external) {
        long src = pk->parts[rels_part].source;
        char name[1024];
        resolve(name, sizeof(name), src >= 0 ? pk->parts[src].name : "", target);
        r->target = part_by_name(pk, name);
    }
    r->removal = removal_for(&pk->d->pol->documents, type, r->external);
}

/* Loads the content types and every relationship; finds the main part. */
static bool
load_model(struct pkg *pk)
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
    pk->ct = load_xml(pk, (size_t)pk->ct_part);
    if (pk->ct == NULL || !is_el(xmlDocGetRootElement(pk->ct), NS_CT, "Types")) {
        return false;
    }
    for (size_t i = 0; i < pk->n_parts && pk->err == 0; i++) {
        if (pk->parts[i].source == -2) {
            continue;
        }
        xmlDocPtr doc = load_xml(pk, i);
        if (doc == NULL) {
            return false;
        }
        pk->parts[i].rels = doc;
        for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n != NULL; n = n->next) {
            if (is_el(n, NS_RELS, "Relationship")) {
                add_rel(pk, i, n);
            }
        }
    }
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct rel *r = &pk->rels[k];
        if (pk->parts[r->rels_part].source == -1 && r->target >= 0 &&
            strcmp(after_slash(r->type), "officeDocument") == 0) {
            pk->main_part = r->target;
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
targeted_by_kept_rel(const struct pkg *pk, long part)
{
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct rel *r = &pk->rels[k];
        if (r->target == part && r->removal == NO_REMOVAL) {
            return true;
        }
    }
    return false;
}

/* Removes what the policy removes, then what only removed parts referred
 * to (a VBA project's own data, an ActiveX control's binary), until nothing
 * changes; each removed part and external link is reported once. */
static void
plan_removals(struct pkg *pk, bool report_external)
{
    for (bool again = true; again;) {
        again = false;
        for (size_t k = 0; k < pk->n_rels; k++) {
            struct rel *r = &pk->rels[k];
            long src = pk->parts[r->rels_part].source;
            if (r->removal == NO_REMOVAL && src >= 0 && pk->parts[src].removed) {
                r->removal = SCAN_DOC_UNREADABLE; /* goes with its source; not reported */
            }
            if (r->removal == NO_REMOVAL || r->target < 0 || pk->parts[r->target].removed ||
                targeted_by_kept_rel(pk, r->target)) {
                continue;
            }
            pk->parts[r->target].removed = true;
            again = true;
            if (r->removal != SCAN_DOC_UNREADABLE) {
                char loc[SCAN_DOC_LOC_MAX];
                loc_of(pk, loc, sizeof(loc), pk->parts[r->target].name);
                scan_doc_note(pk->d, r->removal, loc, "%s part removed", after_slash(r->type));
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
        const struct rel *r = &pk->rels[k];
        if (r->external && r->removal == SCAN_DOC_EXTERNAL_REMOVED) {
            char loc[SCAN_DOC_LOC_MAX];
            loc_of(pk, loc, sizeof(loc), pk->parts[r->rels_part].name);
            scan_doc_note(pk->d, r->removal, loc, "external %s relationship %s removed",
                          after_slash(r->type), r->id);
        }
    }
}

/* ---- element removal (marks first, removal after the walk) ---- */

#define MARK_REMOVE ((void *)1)
#define MARK_UNWRAP ((void *)2)

/* Removing the only content of a markup-compatibility choice removes the
 * whole alternative: an empty mc:Choice would still be chosen. */
static void
mark_remove(xmlNodePtr n)
{
    xmlNodePtr p = n->parent;
    if (p != NULL && (is_el(p, NS_MC, "Choice") || is_el(p, NS_MC, "Fallback")) &&
        p->parent != NULL && p->parent->type == XML_ELEMENT_NODE) {
        n = p->parent;
    }
    n->_private = MARK_REMOVE;
}

static void
apply_marks(xmlNodePtr n)
{
    for (xmlNodePtr c = n->children; c != NULL;) {
        xmlNodePtr next = c->next;
        if (c->type != XML_ELEMENT_NODE) {
            c = next;
            continue;
        }
        if (c->_private == MARK_REMOVE) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
            c = next;
            continue;
        }
        apply_marks(c);
        if (c->_private == MARK_UNWRAP) {
            for (xmlNodePtr k = c->children; k != NULL;) {
                xmlNodePtr kn = k->next;
                xmlUnlinkNode(k);
                xmlAddPrevSibling(c, k);
                k = kn;
            }
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
        c = next;
    }
}

/* ---- one XML part ---- */

struct xpart {
    struct pkg *pk;
    size_t part;
    char loc[SCAN_DOC_LOC_MAX];
    bool modified;
    unsigned refs, changes, anchors, hidden, meta; /* what was removed, for the report */
};

static bool
rid_removed(const struct xpart *x, const char *id)
{
    for (size_t k = 0; k < x->pk->n_rels; k++) {
        const struct rel *r = &x->pk->rels[k];
        if (r->removal != NO_REMOVAL && x->pk->parts[r->rels_part].source == (long)x->part &&
            strcmp(r->id, id) == 0) {
            return true;
        }
    }
    return false;
}

static xmlNodePtr
ancestor(xmlNodePtr n, enum ns ns, const char *local)
{
    for (xmlNodePtr p = n->parent; p != NULL && p->type == XML_ELEMENT_NODE; p = p->parent) {
        if (is_el(p, ns, local)) {
            return p;
        }
    }
    return NULL;
}

static bool
gone_sheet(struct pkg *pk, const char *name)
{
    if (!scan_grow((void **)&pk->gone_sheets, &pk->gone_cap, pk->n_gone_sheets + 1,
                   sizeof(*pk->gone_sheets)) ||
        (pk->gone_sheets[pk->n_gone_sheets] = strdup(name)) == NULL) {
        pk->err = RL_ENOMEM;
        return false;
    }
    pk->n_gone_sheets++;
    return true;
}

/* An element that refers to a removed relationship. */
static void
drop_reference(struct xpart *x, xmlNodePtr n, xmlAttrPtr a)
{
    x->refs++;
    x->modified = true;
    if (is_el(n, NS_A, "blip")) {
        xmlRemoveProp(a); /* a picture without its link still shows its cached image */
    } else if (is_el(n, NS_W, "hyperlink")) {
        n->_private = MARK_UNWRAP; /* the link goes, its text stays */
    } else if (is_el(n, NS_P, "oleObj")) {
        xmlNodePtr frame = ancestor(n, NS_P, "graphicFrame");
        mark_remove(frame != NULL ? frame : n);
    } else if (is_el(n, NS_S, "sheet")) {
        const char *name = attr(n, "name");
        if (name != NULL) {
            gone_sheet(x->pk, name);
        }
        mark_remove(n);
    } else {
        mark_remove(n);
    }
}

static bool
val_false(const xmlNode *n)
{
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        if (strcmp((const char *)a->name, "val") == 0 && a->children != NULL) {
            const char *v = (const char *)a->children->content;
            return strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "off") == 0;
        }
    }
    return false;
}

static bool
name_in(const xmlNode *n, const char *const *names)
{
    for (const char *const *s = names; *s != NULL; s++) {
        if (strcmp((const char *)n->name, *s) == 0) {
            return true;
        }
    }
    return false;
}

/* WordprocessingML revisions, comment anchors and hidden text. */
static void
word_element(struct xpart *x, xmlNodePtr n)
{
    static const char *const change_records[] = {"moveFromRangeStart",
                                                 "moveFromRangeEnd",
                                                 "moveToRangeStart",
                                                 "moveToRangeEnd",
                                                 "rPrChange",
                                                 "pPrChange",
                                                 "sectPrChange",
                                                 "tblPrChange",
                                                 "tblGridChange",
                                                 "trPrChange",
                                                 "tcPrChange",
                                                 "numberingChange",
                                                 "cellIns",
                                                 "cellDel",
                                                 "cellMerge",
                                                 NULL};
    static const char *const anchors[] = {"commentRangeStart", "commentRangeEnd",
                                          "commentReference", NULL};
    const struct scan_doc_policy *dp = &x->pk->d->pol->documents;
    xmlNodePtr parent = n->parent;
    bool in_props = is_el(parent, NS_W, "rPr") || is_el(parent, NS_W, "trPr");
    if (dp->accept_changes) {
        if (strcmp((const char *)n->name, "del") == 0 ||
            strcmp((const char *)n->name, "moveFrom") == 0) {
            /* A deleted row goes whole; a deleted paragraph mark only loses
             * its marker (the paragraphs stay apart, nothing is lost). */
            mark_remove(is_el(parent, NS_W, "trPr") && parent->parent != NULL ? parent->parent : n);
            x->changes++;
            return;
        }
        if (strcmp((const char *)n->name, "ins") == 0 ||
            strcmp((const char *)n->name, "moveTo") == 0) {
            if (in_props || n->children == NULL) {
                mark_remove(n);
            } else {
                n->_private = MARK_UNWRAP;
            }
            x->changes++;
            return;
        }
        if (name_in(n, change_records)) {
            mark_remove(n);
            x->changes++;
            return;
        }
    }
    if (dp->remove_comments && name_in(n, anchors)) {
        mark_remove(n);
        x->anchors++;
        return;
    }
    if (dp->remove_hidden && strcmp((const char *)n->name, "vanish") == 0 && !val_false(n) &&
        is_el(parent, NS_W, "rPr")) {
        /* A hidden run goes; a hidden paragraph mark loses the marker. Style
         * definitions are left: unhiding them would show, not remove. */
        xmlNodePtr run = parent->parent;
        if (is_el(run, NS_W, "r") || is_el(run, NS_W, "pPr")) {
            mark_remove(is_el(run, NS_W, "r") ? run : n);
            x->hidden++;
        }
    }
}

static bool
is_metadata(const xmlNode *n)
{
    enum ns ns = ns_of(n->ns);
    const char *l = (const char *)n->name;
    return (ns == NS_DC && strcmp(l, "creator") == 0) ||
           (ns == NS_CP && strcmp(l, "lastModifiedBy") == 0) ||
           (ns == NS_EP && (strcmp(l, "Company") == 0 || strcmp(l, "Manager") == 0)) ||
           (ns == NS_X15AC && strcmp(l, "absPath") == 0);
}

/* Containers that must not stay empty once their objects are gone. */
static bool
all_children_marked(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && c->_private != MARK_REMOVE) {
            return false;
        }
    }
    return true;
}

/* Post-order: children are decided before their parent. */
static void
sanitise_walk(struct xpart *x, xmlNodePtr n)
{
    for (xmlNodePtr c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            sanitise_walk(x, c);
        }
    }
    if (n->_private == MARK_REMOVE) {
        return;
    }
    for (xmlAttrPtr a = n->properties; a != NULL; a = a->next) {
        if (ns_of(a->ns) == NS_R && a->children != NULL &&
            rid_removed(x, (const char *)a->children->content)) {
            drop_reference(x, n, a);
            return;
        }
    }
    enum ns ns = ns_of(n->ns);
    if (ns == NS_W) {
        word_element(x, n);
    } else if (x->pk->d->pol->documents.remove_metadata && is_metadata(n)) {
        mark_remove(n);
        x->meta++;
    } else if ((is_el(n, NS_S, "oleObjects") || is_el(n, NS_S, "controls") ||
                is_el(n, NS_P, "controls")) &&
               n->children != NULL && all_children_marked(n)) {
        mark_remove(n);
    }
}

static bool
refers_to_gone_sheet(const struct pkg *pk, const char *formula)
{
    for (size_t i = 0; i < pk->n_gone_sheets; i++) {
        char plain[300], quoted[304];
        snprintf(plain, sizeof(plain), "%s!", pk->gone_sheets[i]);
        snprintf(quoted, sizeof(quoted), "'%s'!", pk->gone_sheets[i]);
        if (strstr(formula, plain) != NULL || strstr(formula, quoted) != NULL) {
            return true;
        }
    }
    return false;
}

/* After macro sheets left the workbook: names pointing into them (Auto_Open
 * above all) go too, and the view no longer points at a removed tab. */
static void
workbook_cleanup(struct xpart *x, xmlNodePtr root)
{
    for (xmlNodePtr n = root->children; n != NULL; n = n->next) {
        if (is_el(n, NS_S, "bookViews")) {
            for (xmlNodePtr v = n->children; v != NULL; v = v->next) {
                xmlUnsetProp(v, (const xmlChar *)"activeTab");
                xmlUnsetProp(v, (const xmlChar *)"firstSheet");
            }
        }
        if (!is_el(n, NS_S, "definedNames")) {
            continue;
        }
        for (xmlNodePtr dn = n->children; dn != NULL; dn = dn->next) {
            const char *name = dn->type == XML_ELEMENT_NODE ? attr(dn, "name") : NULL;
            xmlChar *f = name != NULL ? xmlNodeGetContent(dn) : NULL;
            if (f != NULL && (refers_to_gone_sheet(x->pk, (const char *)f) ||
                              strncasecmp(name, "_xlnm.Auto_Open", 15) == 0 ||
                              strncasecmp(name, "Auto_Open", 9) == 0)) {
                dn->_private = MARK_REMOVE;
                x->refs++;
                x->modified = true;
            }
            xmlFree(f);
        }
        if (all_children_marked(n)) {
            n->_private = MARK_REMOVE;
        }
    }
    apply_marks(root);
}

/* ---- text: extraction across runs, redaction back into the runs ---- */

struct seg {
    xmlNodePtr node; /* a text node, or NULL for a separator we added */
    uint32_t start;  /* into the extracted text */
    uint32_t end;
};

struct xtext {
    uint8_t *p;
    size_t len, cap;
    struct seg *seg;
    size_t n_seg, seg_cap;
    bool props; /* a properties part: every leaf element is a paragraph */
    bool oom;
};

static void
text_add(struct xtext *t, xmlNodePtr node, const char *s, size_t n)
{
    if (t->oom || n == 0) {
        return;
    }
    if (t->len + n > UINT32_MAX) {
        t->oom = true;
        return;
    }
    if (!scan_grow((void **)&t->p, &t->cap, t->len + n + 1, 1) ||
        !scan_grow((void **)&t->seg, &t->seg_cap, t->n_seg + 1, sizeof(*t->seg))) {
        t->oom = true;
        return;
    }
    memcpy(t->p + t->len, s, n);
    t->seg[t->n_seg++] = (struct seg){node, (uint32_t)t->len, (uint32_t)(t->len + n)};
    t->len += n;
}

static void
para_break(struct xtext *t)
{
    if (t->len > 0 && t->p[t->len - 1] != '\n') {
        text_add(t, NULL, "\n", 1);
    }
}

static void
text_children(struct xtext *t, xmlNodePtr el)
{
    for (xmlNodePtr c = el->children; c != NULL; c = c->next) {
        if (c->type == XML_TEXT_NODE && c->content != NULL) {
            text_add(t, c, (const char *)c->content, strlen((const char *)c->content));
        }
    }
}

enum role { ROLE_NONE = 0, ROLE_PARA, ROLE_TEXT, ROLE_TAB, ROLE_BREAK, ROLE_LEAF };

/* Cell values are text unless they index the shared strings or are a
 * boolean or error code. */
static bool
cell_value_is_text(const xmlNode *v)
{
    const char *t = v->parent != NULL ? attr(v->parent, "t") : NULL;
    return t == NULL || strcmp(t, "n") == 0 || strcmp(t, "str") == 0 || strcmp(t, "d") == 0;
}

static enum role
role_of(const struct xtext *t, const xmlNode *n)
{
    const char *l = (const char *)n->name;
    switch (ns_of(n->ns)) {
    case NS_W:
        if (strcmp(l, "p") == 0) {
            return ROLE_PARA;
        }
        if (strcmp(l, "t") == 0 || strcmp(l, "delText") == 0 || strcmp(l, "instrText") == 0) {
            return ROLE_TEXT;
        }
        if (strcmp(l, "tab") == 0 && is_el(n->parent, NS_W, "r")) {
            return ROLE_TAB;
        }
        return strcmp(l, "br") == 0 || strcmp(l, "cr") == 0 ? ROLE_BREAK : ROLE_NONE;
    case NS_A:
        if (strcmp(l, "p") == 0) {
            return ROLE_PARA;
        }
        return strcmp(l, "t") == 0 ? ROLE_TEXT : strcmp(l, "br") == 0 ? ROLE_BREAK : ROLE_NONE;
    case NS_S:
        if (strcmp(l, "si") == 0 || strcmp(l, "is") == 0 || strcmp(l, "c") == 0 ||
            strcmp(l, "comment") == 0) {
            return ROLE_PARA;
        }
        if (strcmp(l, "t") == 0 || (strcmp(l, "v") == 0 && cell_value_is_text(n))) {
            return ROLE_TEXT;
        }
        return ROLE_NONE;
    case NS_C:
        return strcmp(l, "pt") == 0 ? ROLE_PARA : strcmp(l, "v") == 0 ? ROLE_TEXT : ROLE_NONE;
    case NS_P:
        return strcmp(l, "cm") == 0 ? ROLE_PARA : strcmp(l, "text") == 0 ? ROLE_TEXT : ROLE_NONE;
    default:
        break;
    }
    if (t->props) {
        for (const xmlNode *c = n->children; c != NULL; c = c->next) {
            if (c->type == XML_ELEMENT_NODE) {
                return ROLE_NONE;
            }
        }
        return ROLE_LEAF;
    }
    return ROLE_NONE;
}

static void
extract(struct xtext *t, xmlNodePtr n)
{
    for (xmlNodePtr c = n->children; c != NULL && !t->oom; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        switch (role_of(t, c)) {
        case ROLE_PARA:
            para_break(t);
            extract(t, c);
            para_break(t);
            break;
        case ROLE_TEXT:
            text_children(t, c);
            break;
        case ROLE_LEAF:
            para_break(t);
            text_children(t, c);
            para_break(t);
            break;
        case ROLE_TAB:
            text_add(t, NULL, "\t", 1);
            break;
        case ROLE_BREAK:
            text_add(t, NULL, "\n", 1);
            break;
        case ROLE_NONE:
            extract(t, c);
            break;
        }
    }
}

static size_t
utf8_len(const uint8_t *p, size_t at, size_t end)
{
    size_t n = 1;
    if (p[at] >= 0xC0) {
        while (at + n < end && (p[at + n] & 0xC0) == 0x80 && n < 4) {
            n++;
        }
    }
    return n;
}

/* Where input offset `x` lands in the redacted text: findings `in_f` (input
 * offsets) became `out_f` (output offsets); each input character inside a
 * finding is one output character (scan_redact masks a character as one). */
static size_t
out_offset(const struct scan_finding *in_f, const struct scan_finding *out_f, size_t n,
           const uint8_t *in, const uint8_t *out, size_t x)
{
    long delta = 0;
    for (size_t k = 0; k < n; k++) {
        if (in_f[k].end <= x) {
            delta = (long)out_f[k].end - (long)in_f[k].end;
            continue;
        }
        if (in_f[k].start >= x) {
            break;
        }
        size_t i = in_f[k].start;
        size_t o = out_f[k].start;
        while (i < x) {
            i += utf8_len(in, i, in_f[k].end);
            o += utf8_len(out, o, out_f[k].end);
        }
        return o;
    }
    return (size_t)((long)x + delta);
}

/* A masked number is no longer a number: its cell becomes a string cell
 * (t="str"), or readers would refuse the value. */
static void
string_cell(xmlNodePtr v)
{
    if (is_el(v, NS_S, "v") && v->parent != NULL && cell_value_is_text(v)) {
        xmlSetProp(v->parent, (const xmlChar *)"t", (const xmlChar *)"str");
    }
}

/* Masks findings f[0, n) of t->p in the text nodes they came from. */
static bool
redact_nodes(struct xpart *x, struct xtext *t, struct scan_finding *f, size_t n)
{
    struct scan_finding *in_f = malloc(n * sizeof(*in_f));
    uint8_t *red = malloc(t->len + 1);
    if (in_f == NULL || red == NULL) {
        free(in_f);
        free(red);
        return false;
    }
    memcpy(in_f, f, n * sizeof(*f));
    scan_redact(red, f, n, t->p, t->len, x->pk->d->pol, true);
    for (size_t s = 0; s < t->n_seg; s++) {
        const struct seg *sg = &t->seg[s];
        if (sg->node == NULL) {
            continue;
        }
        size_t a = out_offset(in_f, f, n, t->p, red, sg->start);
        size_t b = out_offset(in_f, f, n, t->p, red, sg->end);
        if (b - a != sg->end - sg->start || memcmp(red + a, t->p + sg->start, b - a) != 0) {
            xmlNodeSetContentLen(sg->node, red + a, (int)(b - a));
            string_cell(sg->node->parent);
        }
    }
    explicit_bzero(red, t->len);
    free(red);
    free(in_f);
    x->modified = true;
    return true;
}

static void
xtext_reset(struct xtext *t)
{
    if (t->p != NULL) {
        explicit_bzero(t->p, t->len);
    }
    t->len = 0;
    t->n_seg = 0;
}

/* Detects in the part's text, redacts in place, and scans again until
 * nothing to redact is left (a few rounds at most). */
static void
redact_part(struct xpart *x, xmlNodePtr root)
{
    struct scan_doc *d = x->pk->d;
    enum ns rns = ns_of(root->ns);
    struct xtext t = {.props = rns == NS_CP || rns == NS_EP || rns == NS_CUSTOM};
    for (unsigned round = 1;; round++) {
        xtext_reset(&t);
        extract(&t, root);
        if (t.oom) {
            x->pk->err = RL_ENOMEM;
            break;
        }
        size_t n = 0;
        int rc = scan_doc_detect(d, &n, t.p, t.len);
        if (rc == RL_ENOMEM) {
            x->pk->err = rc;
            break;
        }
        if (rc != 0) {
            scan_doc_note(d, SCAN_DOC_SCAN_FAILED, x->loc, "text could not be fully scanned");
            break;
        }
        if (round > 1) {
            /* Survivors of a round: only what is still to be redacted. */
            size_t k = 0;
            for (size_t j = 0; j < n; j++) {
                if (d->f[j].action == SCAN_ACT_REDACT) {
                    d->f[k++] = d->f[j];
                }
            }
            n = k;
        }
        scan_doc_record(d, x->loc, d->f, n);
        if (scan_redact_count(d->f, n) == 0) {
            break;
        }
        if (round > REDACT_ROUNDS) {
            scan_doc_note(d, SCAN_DOC_SCAN_FAILED, x->loc, "a finding survived redaction");
            break;
        }
        if (!redact_nodes(x, &t, d->f, n)) {
            x->pk->err = RL_ENOMEM;
            break;
        }
    }
    xtext_reset(&t);
    free(t.p);
    free(t.seg);
}

static void
report_part(const struct xpart *x)
{
    struct scan_doc *d = x->pk->d;
    if (x->changes > 0) {
        scan_doc_note(d, SCAN_DOC_CHANGES_ACCEPTED, x->loc, "%u revision marks resolved",
                      x->changes);
    }
    if (x->anchors > 0) {
        scan_doc_note(d, SCAN_DOC_COMMENTS_REMOVED, x->loc, "%u comment anchors removed",
                      x->anchors);
    }
    if (x->hidden > 0) {
        scan_doc_note(d, SCAN_DOC_HIDDEN_REMOVED, x->loc, "%u hidden runs removed", x->hidden);
    }
    if (x->meta > 0) {
        scan_doc_note(d, SCAN_DOC_METADATA_REMOVED, x->loc, "%u personal fields removed", x->meta);
    }
}

static void
process_part(struct pkg *pk, size_t i)
{
    xmlDocPtr doc = load_xml(pk, i);
    if (doc == NULL) {
        return;
    }
    struct xpart x = {.pk = pk, .part = i};
    loc_of(pk, x.loc, sizeof(x.loc), pk->parts[i].name);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    sanitise_walk(&x, root);
    if (root->_private == MARK_REMOVE) {
        root->_private = NULL; /* a part never loses its root element */
    }
    if (x.modified || x.changes || x.anchors || x.hidden || x.meta) {
        apply_marks(root);
        x.modified = true;
    }
    x.modified |= pk->parts[i].dtd_removed;
    if (pk->n_gone_sheets > 0 && (long)i == pk->main_part) {
        workbook_cleanup(&x, root);
    }
    if (pk->d->pol->documents.redact) {
        redact_part(&x, root);
    }
    report_part(&x);
    if (x.modified && pk->err == 0) {
        store_xml(pk, i, doc);
    }
    xmlFreeDoc(doc);
}

/* External targets can carry what the text does (mailto: addresses). */
static bool
redact_target(struct pkg *pk, struct rel *r)
{
    const char *target = attr(r->el, "Target");
    size_t n = 0;
    size_t len = strlen(target);
    char loc[SCAN_DOC_LOC_MAX];
    loc_of(pk, loc, sizeof(loc), pk->parts[r->rels_part].name);
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
    red[m] = '\0';
    xmlSetProp(r->el, (const xmlChar *)"Target", (const xmlChar *)red);
    free(red);
    return true;
}

static void
rewrite_rels(struct pkg *pk)
{
    for (size_t i = 0; i < pk->n_parts; i++) {
        if (pk->parts[i].rels == NULL || pk->parts[i].removed) {
            continue;
        }
        bool changed = false;
        for (size_t k = 0; k < pk->n_rels; k++) {
            struct rel *r = &pk->rels[k];
            if (r->rels_part != i) {
                continue;
            }
            if (r->removal != NO_REMOVAL) {
                xmlUnlinkNode(r->el);
                xmlFreeNode(r->el);
                r->el = NULL;
                changed = true;
            } else if (r->external && pk->d->pol->documents.redact) {
                changed |= redact_target(pk, r);
            }
        }
        if ((changed || pk->parts[i].dtd_removed) && pk->err == 0) {
            store_xml(pk, i, pk->parts[i].rels);
        }
    }
}

/* A default content type for VBA projects ("bin") that no part left uses:
 * a macro-free file should not even name one. */
static bool
unused_macro_default(const struct pkg *pk, const xmlNode *n)
{
    const char *ct = attr(n, "ContentType");
    const char *ext = attr(n, "Extension");
    if (ct == NULL || ext == NULL || strcasestr(ct, "vbaProject") == NULL ||
        !pk->d->pol->documents.remove_macros) {
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
rewrite_content_types(struct pkg *pk, bool any_removed)
{
    const struct pkg_type *free_type = NULL;
    if (pk->type != NULL && pk->type->macro_free >= 0 && pk->d->pol->documents.remove_macros) {
        free_type = &pkg_types[pk->type->macro_free];
    }
    if (!any_removed && free_type == NULL) {
        if (pk->parts[pk->ct_part].dtd_removed) {
            store_xml(pk, (size_t)pk->ct_part, pk->ct);
        }
        return NULL;
    }
    xmlNodePtr root = xmlDocGetRootElement(pk->ct);
    for (xmlNodePtr n = root->children; n != NULL;) {
        xmlNodePtr next = n->next;
        if (is_el(n, NS_CT, "Default") && unused_macro_default(pk, n)) {
            xmlUnlinkNode(n);
            xmlFreeNode(n);
            n = next;
            continue;
        }
        const char *pn = is_el(n, NS_CT, "Override") ? attr(n, "PartName") : NULL;
        long idx = pn != NULL && pn[0] == '/' ? part_by_name(pk, pn + 1) : -1;
        if (idx >= 0 && pk->parts[idx].removed) {
            xmlUnlinkNode(n);
            xmlFreeNode(n);
        } else if (idx >= 0 && idx == pk->main_part && free_type != NULL) {
            xmlSetProp(n, (const xmlChar *)"ContentType", (const xmlChar *)free_type->main_ct);
        }
        n = next;
    }
    store_xml(pk, (size_t)pk->ct_part, pk->ct);
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

/* Marks the package's core and extended properties parts. */
static void
find_props(struct pkg *pk)
{
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct rel *r = &pk->rels[k];
        const char *t = after_slash(r->type);
        if (pk->parts[r->rels_part].source == -1 && r->target >= 0 &&
            (strcmp(t, "core-properties") == 0 || strcmp(t, "extended-properties") == 0)) {
            pk->parts[r->target].props = true;
        }
    }
}

/* Replaces properties part `i` by its minimal form, unread. */
static void
replace_props(struct pkg *pk, size_t i)
{
    const char *name = pk->parts[i].name;
    bool core = false;
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct rel *r = &pk->rels[k];
        if (r->target == (long)i && strcmp(after_slash(r->type), "core-properties") == 0) {
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
    loc_of(pk, loc, sizeof(loc), name);
    scan_doc_note(pk->d, SCAN_DOC_METADATA_REMOVED, loc, "%s properties replaced by an empty part",
                  core ? "core" : "extended");
}

/* A signed package that changed would carry a broken signature: the
 * signature origin, its signatures and their relationships go. */
static void
plan_unsigned(struct pkg *pk)
{
    for (size_t k = 0; k < pk->n_rels; k++) {
        struct rel *r = &pk->rels[k];
        if (r->removal == NO_REMOVAL && pk->parts[r->rels_part].source == -1 &&
            strcmp(after_slash(r->type), "origin") == 0 &&
            strstr(r->type, "digital-signature") != NULL) {
            r->removal = SCAN_DOC_SIGNATURE_REMOVED;
        }
    }
    for (size_t k = 0; k < pk->n_rels; k++) {
        struct rel *r = &pk->rels[k];
        if (r->removal == NO_REMOVAL && strstr(r->type, "digital-signature/signature") != NULL) {
            r->removal = SCAN_DOC_SIGNATURE_REMOVED;
        }
    }
}

/* Embedded packages (a workbook inside a document) are documents too. */
static void
nested_part(struct pkg *pk, size_t i)
{
    char loc[SCAN_DOC_LOC_MAX];
    loc_of(pk, loc, sizeof(loc), pk->parts[i].name);
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
abandon(struct pkg *pk, size_t act0)
{
    struct scan_doc *d = pk->d;
    scan_zip_revert(pk->z);
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
pkg_fini(struct pkg *pk)
{
    for (size_t i = 0; i < pk->n_parts && pk->parts != NULL; i++) {
        xmlFreeDoc(pk->parts[i].rels);
    }
    free(pk->parts);
    free(pk->rels);
    xmlFreeDoc(pk->ct);
    for (size_t i = 0; i < pk->n_gone_sheets; i++) {
        free(pk->gone_sheets[i]);
    }
    free(pk->gone_sheets);
}

int
scan_ooxml_rewrite(struct scan_doc *d, const struct scan_ooxml_type **out_type,
                   const struct scan_ooxml_type **out_was, struct scan_zip *z, const char *loc,
                   unsigned depth)
{
    *out_type = NULL;
    *out_was = NULL;
    struct pkg pk = {.d = d, .z = z, .loc = loc, .depth = depth};
    size_t act0 = d->n_act;
    if (!load_model(&pk)) {
        int rc = pk.err;
        if (rc == 0 && pk.ct == NULL) {
            scan_doc_note(d, SCAN_DOC_UNREADABLE, loc, "no readable [Content_Types].xml");
        }
        pkg_fini(&pk);
        return rc;
    }
    plan_removals(&pk, true);
    find_props(&pk);
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
            loc_of(&pk, eloc, sizeof(eloc), e.name);
            scan_doc_note(d, SCAN_DOC_ENCRYPTED, eloc, "encrypted part, not scanned");
            pk.refused = true;
        } else if (pk.parts[i].xml && pk.parts[i].rels == NULL && (long)i != pk.ct_part) {
            process_part(&pk, i);
        } else if (!pk.parts[i].xml && strstr(e.name, "/embeddings/") != NULL) {
            nested_part(&pk, i);
        }
    }
    if (pk.err == 0 && !pk.refused && (any_removed || scan_zip_changed(z))) {
        plan_unsigned(&pk);
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
