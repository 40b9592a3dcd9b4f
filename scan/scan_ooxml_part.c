/* SPDX-License-Identifier: Apache-2.0 */
/* One Office Open XML part in one stream: libxml2's push parser (SAX2) reads
 * the entry as it inflates; what goes (macros' references, revisions,
 * comment anchors, hidden runs, personal fields, removed relationships) is
 * decided per element; the text of paragraphs and cells is detected a window
 * at a time and masked where it sits in the output; the rewritten XML is
 * deflated as it is produced. Memory: the largest paragraph, table row or
 * held element plus fixed windows, never the part. Runs on the worker that
 * owns the scan_doc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "internal.h"
#include "scan_redact.h"

/* Inflated bytes per parser push. */
#define CHUNK ((size_t)64 * 1024)
/* A window is detected and written out at a paragraph boundary once it holds
 * this much text, or this much markup (parts with little text). */
#define TEXT_WINDOW ((size_t)16 * 1024)
#define MARKUP_WINDOW ((size_t)256 * 1024)
/* Output of a part not yet known to change is kept uncompressed up to this
 * size (most parts of a clean file never cost a deflate); past it, it is
 * deflated on the chance that it changes. */
#define PREFIX_CAP ((size_t)1 << 20)
/* Rounds of redact-then-rescan of a window before it counts as not
 * provably clean. */
#define REDACT_ROUNDS 3
#define NONE32 UINT32_MAX

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
    NS_XM,     /* Excel 2010 formulas in extensions (data validation lists) */
    /* OpenDocument (ODF 1.3 Part 3) */
    NS_OFFICE,
    NS_TEXT,
    NS_TABLE,
    NS_DRAW,
    NS_SVG,
    NS_XLINK,
    NS_CONFIG,
    NS_META,
    NS_FORM,
    NS_MANIFEST,
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
    {"http://schemas.microsoft.com/office/excel/2006/main", NS_XM},
    {"urn:oasis:names:tc:opendocument:xmlns:office:1.0", NS_OFFICE},
    {"urn:oasis:names:tc:opendocument:xmlns:text:1.0", NS_TEXT},
    {"urn:oasis:names:tc:opendocument:xmlns:table:1.0", NS_TABLE},
    {"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0", NS_DRAW},
    {"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0", NS_SVG},
    {"http://www.w3.org/1999/xlink", NS_XLINK},
    {"urn:oasis:names:tc:opendocument:xmlns:config:1.0", NS_CONFIG},
    {"urn:oasis:names:tc:opendocument:xmlns:meta:1.0", NS_META},
    {"urn:oasis:names:tc:opendocument:xmlns:form:1.0", NS_FORM},
    {"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0", NS_MANIFEST},
};

/* Local names of elements and attributes the rules look at. libxml2 interns
 * every name in the parser's dictionary, so they are told apart by pointer. */
enum nm {
    NM_OTHER = 0,
    NM_P,
    NM_T,
    NM_DELTEXT,
    NM_INSTRTEXT,
    NM_TAB,
    NM_BR,
    NM_CR,
    NM_R,
    NM_RPR,
    NM_TRPR,
    NM_PPR,
    NM_TR,
    NM_TC,
    NM_TBL,
    NM_HYPERLINK,
    NM_DEL,
    NM_MOVEFROM,
    NM_INS,
    NM_MOVETO,
    NM_CHANGE, /* a revision record */
    NM_VANISH,
    NM_ANCHOR, /* a comment anchor */
    NM_BLIP,
    NM_SI,
    NM_IS,
    NM_C,
    NM_COMMENT,
    NM_V,
    NM_SITEM,        /* a pivot cache's string item: its value in the v attribute */
    NM_F,            /* a cell's formula */
    NM_DOCVAR,       /* a document variable (DOCVARIABLE fields show its w:val) */
    NM_DEFAULT_TEXT, /* a legacy text form field's default (w:val) */
    NM_SHEET,
    NM_OLEOBJECTS,
    NM_CONTROLS,
    NM_BOOKVIEWS,
    NM_DEFINEDNAMES,
    NM_PT,
    NM_CM,
    NM_TEXT,
    NM_OLEOBJ,
    NM_GRAPHICFRAME,
    NM_ALTCONTENT,
    NM_CHOICE,
    NM_FALLBACK,
    NM_CREATOR,
    NM_LASTMODIFIEDBY,
    NM_COMPANY,
    NM_MANAGER,
    NM_ABSPATH,
    NM_RELATIONSHIP,
    NM_TYPES,
    NM_DEFAULT,
    NM_OVERRIDE,
    /* attributes */
    NM_NAME,
    NM_VAL,
    NM_ACTIVETAB,
    NM_FIRSTSHEET,
    NM_ID,
    NM_TYPE,
    NM_TARGET,
    NM_TARGETMODE,
    NM_EXTENSION,
    NM_PARTNAME,
    NM_CONTENTTYPE,
    NM_DEFINEDNAME,
    NM_HEADFOOT, /* a sheet's page header or footer */
    NM_FLDSIMPLE,
    NM_INSTR,
    NM_TOOLTIP,
    NM_FFTEXT, /* a form field's list entry, help or status text, a control's alias */
    NM_WORKSHEET,
    NM_ROW,
    NM_NUMFMT,
    NM_CELLXFS,
    NM_XF,
    NM_FORMATCODE,
    NM_NUMFMTID,
    NM_FORMULA, /* a data validation's formula1 or formula2 */
    NM_AUTHOR,
    NM_DOCPR, /* a drawing's non-visual properties: docPr, cNvPr */
    NM_DESCR,
    NM_INITIALS,
    /* OpenDocument elements */
    NM_H,
    NM_LINEBREAK,
    NM_A,
    NM_TABLE_CELL,
    NM_COVERED_CELL,
    NM_TABLE_ROW,
    NM_TABLE,
    NM_NOTE,
    NM_TITLE,
    NM_DESC,
    NM_ANNOTATION,
    NM_ANNOTATION_END,
    NM_TRACKED,
    NM_CHANGE_MARK, /* text:change, text:change-start, text:change-end */
    NM_SCRIPT,
    NM_BINARY,
    NM_LISTENERS,
    NM_META,
    NM_DOC_META,
    NM_DOC_SETTINGS,
    NM_FILE_ENTRY,
    NM_ENCRYPTION,
    /* OpenDocument attributes */
    NM_VALUE,
    NM_STRING_VALUE,
    NM_CURRENT_VALUE,
    NM_LABEL,
    NM_HREF,
    NM_FULL_PATH,
};

static const struct {
    const char *s;
    uint8_t nm;
} names[] = {
    {"p", NM_P},
    {"t", NM_T},
    {"delText", NM_DELTEXT},
    {"instrText", NM_INSTRTEXT},
    {"tab", NM_TAB},
    {"br", NM_BR},
    {"cr", NM_CR},
    {"r", NM_R},
    {"rPr", NM_RPR},
    {"trPr", NM_TRPR},
    {"pPr", NM_PPR},
    {"tr", NM_TR},
    {"tc", NM_TC},
    {"tbl", NM_TBL},
    {"hyperlink", NM_HYPERLINK},
    {"del", NM_DEL},
    {"moveFrom", NM_MOVEFROM},
    {"ins", NM_INS},
    {"moveTo", NM_MOVETO},
    {"moveFromRangeStart", NM_CHANGE},
    {"moveFromRangeEnd", NM_CHANGE},
    {"moveToRangeStart", NM_CHANGE},
    {"moveToRangeEnd", NM_CHANGE},
    {"rPrChange", NM_CHANGE},
    {"pPrChange", NM_CHANGE},
    {"sectPrChange", NM_CHANGE},
    {"tblPrChange", NM_CHANGE},
    {"tblGridChange", NM_CHANGE},
    {"trPrChange", NM_CHANGE},
    {"tcPrChange", NM_CHANGE},
    {"numberingChange", NM_CHANGE},
    {"cellIns", NM_CHANGE},
    {"cellDel", NM_CHANGE},
    {"cellMerge", NM_CHANGE},
    {"vanish", NM_VANISH},
    {"commentRangeStart", NM_ANCHOR},
    {"commentRangeEnd", NM_ANCHOR},
    {"commentReference", NM_ANCHOR},
    {"blip", NM_BLIP},
    {"si", NM_SI},
    {"is", NM_IS},
    {"c", NM_C},
    {"comment", NM_COMMENT},
    {"v", NM_V},
    {"s", NM_SITEM},
    {"f", NM_F},
    {"docVar", NM_DOCVAR},
    {"default", NM_DEFAULT_TEXT},
    {"sheet", NM_SHEET},
    {"oleObjects", NM_OLEOBJECTS},
    {"controls", NM_CONTROLS},
    {"bookViews", NM_BOOKVIEWS},
    {"definedNames", NM_DEFINEDNAMES},
    {"pt", NM_PT},
    {"cm", NM_CM},
    {"text", NM_TEXT},
    {"oleObj", NM_OLEOBJ},
    {"graphicFrame", NM_GRAPHICFRAME},
    {"AlternateContent", NM_ALTCONTENT},
    {"Choice", NM_CHOICE},
    {"Fallback", NM_FALLBACK},
    {"creator", NM_CREATOR},
    {"lastModifiedBy", NM_LASTMODIFIEDBY},
    {"Company", NM_COMPANY},
    {"Manager", NM_MANAGER},
    {"absPath", NM_ABSPATH},
    {"Relationship", NM_RELATIONSHIP},
    {"Types", NM_TYPES},
    {"Default", NM_DEFAULT},
    {"Override", NM_OVERRIDE},
    {"name", NM_NAME},
    {"val", NM_VAL},
    {"activeTab", NM_ACTIVETAB},
    {"firstSheet", NM_FIRSTSHEET},
    {"Id", NM_ID},
    {"Type", NM_TYPE},
    {"Target", NM_TARGET},
    {"TargetMode", NM_TARGETMODE},
    {"Extension", NM_EXTENSION},
    {"PartName", NM_PARTNAME},
    {"ContentType", NM_CONTENTTYPE},
    {"definedName", NM_DEFINEDNAME},
    {"oddHeader", NM_HEADFOOT},
    {"oddFooter", NM_HEADFOOT},
    {"evenHeader", NM_HEADFOOT},
    {"evenFooter", NM_HEADFOOT},
    {"firstHeader", NM_HEADFOOT},
    {"firstFooter", NM_HEADFOOT},
    {"fldSimple", NM_FLDSIMPLE},
    {"instr", NM_INSTR},
    {"tooltip", NM_TOOLTIP},
    {"listEntry", NM_FFTEXT},
    {"helpText", NM_FFTEXT},
    {"statusText", NM_FFTEXT},
    {"alias", NM_FFTEXT},
    {"worksheet", NM_WORKSHEET},
    {"row", NM_ROW},
    {"numFmt", NM_NUMFMT},
    {"cellXfs", NM_CELLXFS},
    {"xf", NM_XF},
    {"formatCode", NM_FORMATCODE},
    {"numFmtId", NM_NUMFMTID},
    {"formula1", NM_FORMULA},
    {"formula2", NM_FORMULA},
    {"author", NM_AUTHOR},
    {"docPr", NM_DOCPR},
    {"cNvPr", NM_DOCPR},
    {"descr", NM_DESCR},
    {"initials", NM_INITIALS},
    {"h", NM_H},
    {"line-break", NM_LINEBREAK},
    {"a", NM_A},
    {"table-cell", NM_TABLE_CELL},
    {"covered-table-cell", NM_COVERED_CELL},
    {"table-row", NM_TABLE_ROW},
    {"table", NM_TABLE},
    {"note", NM_NOTE},
    {"title", NM_TITLE},
    {"desc", NM_DESC},
    {"annotation", NM_ANNOTATION},
    {"annotation-end", NM_ANNOTATION_END},
    {"tracked-changes", NM_TRACKED},
    {"change", NM_CHANGE_MARK},
    {"change-start", NM_CHANGE_MARK},
    {"change-end", NM_CHANGE_MARK},
    {"script", NM_SCRIPT},
    {"binary-data", NM_BINARY},
    {"event-listeners", NM_LISTENERS},
    {"meta", NM_META},
    {"document-meta", NM_DOC_META},
    {"document-settings", NM_DOC_SETTINGS},
    {"file-entry", NM_FILE_ENTRY},
    {"encryption-data", NM_ENCRYPTION},
    {"value", NM_VALUE},
    {"string-value", NM_STRING_VALUE},
    {"current-value", NM_CURRENT_VALUE},
    {"label", NM_LABEL},
    {"href", NM_HREF},
    {"full-path", NM_FULL_PATH},
};

#define NAME_SLOTS 256 /* open addressing; a power of two over twice the names */

enum role {
    ROLE_NONE = 0,
    ROLE_PARA,
    ROLE_TEXT,
    ROLE_TAB,
    ROLE_BREAK,
    ROLE_FIELD,
    ROLE_CELL, /* a Word table's cell, row and table: see table_sep() */
    ROLE_ROW,
    ROLE_TABLE,
};

/* Frame flags. */
enum {
    F_UNWRAP = 1 << 0,     /* its tags are not written; its content is */
    F_HELD = 1 << 1,       /* may still be removed whole: nothing of it is written out yet */
    F_NOX = 1 << 2,        /* no text is extracted below it */
    F_TEXT = 1 << 3,       /* its own character data is text (w:t, a:t, ...) */
    F_FIELD = 1 << 4,      /* a properties field: its own text is a paragraph of its own */
    F_TEXTISH = 1 << 5,    /* no "t" attribute, or a text-like one: an s:v below is text */
    F_ANY = 1 << 6,        /* has had a child node of any kind */
    F_CONTAINER = 1 << 7,  /* removed when all its (at least one) children went */
    F_DEFNAMES = 1 << 8,   /* the workbook's definedNames: removed when all its names went */
    F_DEFNAME = 1 << 9,    /* a defined name, removed by its name or its formula */
    F_PARA = 1 << 10,      /* counted in x->para */
    F_INS = 1 << 11,       /* an unwrapped insertion: removed (not unwrapped) when empty */
    F_BOOKVIEWS = 1 << 12, /* the workbook's bookViews: its views lose the active tab */
    F_HASNAME = 1 << 13,   /* a defined name with a name attribute */
    F_ROW = 1 << 14,       /* a Word table row: a line break after it */
    F_TABLE = 1 << 15,     /* a Word table: a blank line after it */
};

/* Where a splice goes into the markup, and what it puts there. */
enum sp_kind {
    SP_TEXT = 0, /* text[a, b), escaped: detected, maybe masked */
    SP_SLOT,     /* a cell's type: the `a` markup bytes at `at` become t="str" if `changed` */
};

struct splice {
    uint32_t at; /* offset into the markup */
    uint32_t a, b;
    int32_t slot; /* SP_TEXT: the SP_SLOT of its cell, or -1 */
    uint8_t kind;
    uint8_t changed;
    uint8_t attr; /* SP_TEXT inside an attribute value: escaped as one */
};

/* The state of the output when an element started, to take it back. */
struct mark {
    uint32_t markup, text, n_sp;
    bool open_tag;
};

struct frame {
    uint8_t ns, nm;
    uint32_t fl;
    uint32_t elems, removed; /* child elements, and those removed */
    uint32_t gen;            /* window its mark belongs to */
    struct mark mark;
    int32_t slot; /* an s:c: its SP_SLOT, or -1 */
    uint32_t dn0; /* a defined name: where its name starts in x->dn */
};

struct buf {
    uint8_t *p;
    size_t len, cap;
};

struct ooxml_stream {
    struct ooxml_pkg *pk;
    size_t part;
    enum ooxml_pass pass;
    char loc[SCAN_DOC_LOC_MAX];
    xmlParserCtxtPtr ctxt;
    bool emit;    /* output is produced */
    bool extract; /* text is extracted and detected */
    bool props;   /* a properties part: every leaf element is a field */
    bool wb;      /* the workbook after macro sheets went: names and views cleaned */
    bool odf;     /* an OpenDocument part (its root in the office namespace) */
    /* names and namespaces of this parser */
    const xmlChar *nk[NAME_SLOTS];
    uint8_t nv[NAME_SLOTS];
    const xmlChar *uri[48]; /* an ODF part declares about 40 */
    uint8_t uri_ns[48];
    unsigned n_uri;
    /* ids of this part's removed relationships (offsets into pk->str) */
    uint32_t *rids;
    size_t n_rids, rids_cap;
    /* open elements */
    struct frame *st;
    size_t depth, st_cap;
    bool skipping;
    size_t skip; /* open elements inside the one being skipped */
    unsigned held, para, in_defname;
    /* the window: markup with splices of text */
    struct buf markup, text, dn, flat, prefix, red, prolog;
    struct buf sink; /* a flat file's output (pk->flat_in) */
    size_t flat_pos; /* read so far of pk->flat_in */
    uint8_t *chunk;
    struct splice *sp;
    size_t n_sp, sp_cap;
    struct scan_finding *inf; /* findings before masking */
    size_t inf_cap;
    bool open_tag; /* a start tag is written up to its '>' */
    uint32_t gen;
    /* the part */
    bool root_seen, dtd_seen, stop, failed, retain;
    bool over_limit; /* the entry inflates beyond its size or the budget */
    bool modified, deflating;
    unsigned refs, changes, anchors, hidden, meta, notes, scripts;
    uint64_t text_total; /* text of the windows written out */
    uint64_t base_orig;  /* the same, as it was before masking */
    uint8_t last;        /* last byte of that text */
    unsigned cells;      /* cells seen in the Word table row being read */
    size_t cell_at;      /* text.len right after a cell's tab; SIZE_MAX: none */
    bool noted_scan, noted_survivor;
    size_t ordinal; /* relationships seen (write pass) */
    /* a worksheet: its first row names the columns; each cell under a
     * named column is read after its name (detection context only) */
    bool sheet, head_cell, ssn_cell;
    bool enough; /* a model pass has what it needs: the parse ends early, OK */
    unsigned rows;
    long col, si;
    uint32_t n_xf;
    char cell_type; /* 's' a shared string index, 'i' inline, 'v' a value */
    char head[64][OOXML_HEAD_MAX];
    char hcap[OOXML_HEAD_MAX];
    size_t hcap_len;
    int err;
};

/* ---- buffers ---- */

static bool
grow(struct ooxml_stream *x, struct buf *b, size_t more)
{
    if (b->cap - b->len >= more) {
        return true;
    }
    if (!scan_grow((void **)&b->p, &b->cap, b->len + more, 1)) {
        x->err = RL_ENOMEM;
        x->stop = true;
        return false;
    }
    return true;
}

static void
put(struct ooxml_stream *x, struct buf *b, const void *p, size_t n)
{
    if (grow(x, b, n)) {
        memcpy(b->p + b->len, p, n);
        b->len += n;
    }
}

static void
puts_(struct ooxml_stream *x, struct buf *b, const char *s)
{
    put(x, b, s, strlen(s));
}

static void
wipe(struct buf *b)
{
    if (b->p != NULL) {
        explicit_bzero(b->p, b->len);
    }
    b->len = 0;
}

/* Bytes that character data and attribute values cannot hold as they are
 * (what libxml2's own serialiser escapes), and the longest escape. */
static const char *const esc_text[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['\r'] = "&#13;"};
static const char *const esc_attr[256] = {
    ['&'] = "&amp;",  ['<'] = "&lt;",   ['>'] = "&gt;", ['"'] = "&quot;",
    ['\r'] = "&#13;", ['\n'] = "&#10;", ['\t'] = "&#9;"};
#define ESC_MAX 6

/* Copies p[0, n) escaped to w (room for ESC_MAX * n); returns the end. */
static uint8_t *
esc_copy(uint8_t *w, const uint8_t *p, size_t n, const char *const *table)
{
    for (size_t i = 0; i < n; i++) {
        const char *e = table[p[i]];
        if (e == NULL) {
            *w++ = p[i];
            continue;
        }
        while (*e != '\0') {
            *w++ = (uint8_t)*e++;
        }
    }
    return w;
}

static void
put_esc(struct ooxml_stream *x, struct buf *b, const uint8_t *p, size_t n, const char *const *table)
{
    if (n <= SIZE_MAX / ESC_MAX && grow(x, b, n * ESC_MAX)) {
        b->len = (size_t)(esc_copy(b->p + b->len, p, n, table) - b->p);
    }
}

static uint8_t *
copy(uint8_t *w, const void *p, size_t n)
{
    memcpy(w, p, n);
    return w + n;
}

/* ---- names ---- */

static unsigned
slot_of_ptr(const void *p)
{
    uintptr_t u = (uintptr_t)p;
    return (unsigned)((u >> 4) ^ (u >> 12)) & (NAME_SLOTS - 1);
}

static void
names_init(struct ooxml_stream *x)
{
    memset(x->nk, 0, sizeof(x->nk));
    x->n_uri = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const xmlChar *k = xmlDictLookup(x->ctxt->dict, (const xmlChar *)names[i].s, -1);
        if (k == NULL) {
            continue; /* not interned: the name is then never recognised */
        }
        unsigned h = slot_of_ptr(k);
        while (x->nk[h] != NULL && x->nk[h] != k) {
            h = (h + 1) & (NAME_SLOTS - 1);
        }
        x->nk[h] = k;
        x->nv[h] = names[i].nm;
    }
}

static uint8_t
nm_of(const struct ooxml_stream *x, const xmlChar *name)
{
    for (unsigned h = slot_of_ptr(name);; h = (h + 1) & (NAME_SLOTS - 1)) {
        if (x->nk[h] == name) {
            return x->nv[h];
        }
        if (x->nk[h] == NULL) {
            return NM_OTHER;
        }
    }
}

static uint8_t
ns_of(struct ooxml_stream *x, const xmlChar *uri)
{
    if (uri == NULL) {
        return NS_OTHER;
    }
    for (unsigned i = 0; i < x->n_uri; i++) {
        if (x->uri[i] == uri) {
            return x->uri_ns[i];
        }
    }
    uint8_t r = NS_OTHER;
    for (size_t i = 0; i < sizeof(ns_map) / sizeof(ns_map[0]); i++) {
        if (strcmp((const char *)uri, ns_map[i].uri) == 0) {
            r = (uint8_t)ns_map[i].ns;
            break;
        }
    }
    if (x->n_uri < sizeof(x->uri) / sizeof(x->uri[0])) {
        x->uri[x->n_uri] = uri;
        x->uri_ns[x->n_uri++] = r;
    }
    return r;
}

static bool
is(const struct frame *f, enum ns ns, enum nm nm)
{
    return f != NULL && f->ns == ns && f->nm == nm;
}

/* SAX2 attributes come as (localname, prefix, URI, value, end) five by five. */
#define A_LOCAL(a, k) ((a)[5 * (size_t)(k)])
#define A_PREFIX(a, k) ((a)[5 * (size_t)(k) + 1])
#define A_URI(a, k) ((a)[5 * (size_t)(k) + 2])
#define A_VAL(a, k) ((a)[5 * (size_t)(k) + 3])
#define A_LEN(a, k) ((size_t)((a)[5 * (size_t)(k) + 4] - (a)[5 * (size_t)(k) + 3]))

/* The attribute `nm` without namespace: its index, or -1. */
static int
attr_index(const struct ooxml_stream *x, int nb, const xmlChar **a, enum nm nm)
{
    for (int k = 0; k < nb; k++) {
        if (A_URI(a, k) == NULL && nm_of(x, A_LOCAL(a, k)) == nm) {
            return k;
        }
    }
    return -1;
}

static bool
val_is(const xmlChar **a, int k, const char *s)
{
    size_t n = strlen(s);
    return A_LEN(a, k) == n && memcmp(A_VAL(a, k), s, n) == 0;
}

/* The value of attribute `k` as a NUL-terminated string in x->flat (which
 * is free between windows' writes). */
static const char *
attr_str(struct ooxml_stream *x, const xmlChar **a, int k)
{
    x->flat.len = 0;
    put(x, &x->flat, A_VAL(a, k), A_LEN(a, k));
    put(x, &x->flat, "", 1);
    return x->err != 0 ? "" : (const char *)x->flat.p;
}

/* ---- the window ---- */

static void
close_tag(struct ooxml_stream *x)
{
    if (x->open_tag) {
        put(x, &x->markup, ">", 1);
        x->open_tag = false;
    }
}

static bool
add_splice(struct ooxml_stream *x, struct splice s)
{
    if (x->n_sp >= NONE32 || !scan_grow((void **)&x->sp, &x->sp_cap, x->n_sp + 1, sizeof(*x->sp))) {
        x->err = RL_ENOMEM;
        x->stop = true;
        return false;
    }
    x->sp[x->n_sp++] = s;
    return true;
}

/* Text that the detectors see and that is written where the markup stands
 * now (`attr`: inside an attribute value being written); next to the splice
 * before it, it joins it. */
static void
add_text_at(struct ooxml_stream *x, const uint8_t *p, size_t n, int32_t slot, bool attr)
{
    if (x->markup.len >= NONE32 || x->text.len + n >= NONE32) {
        x->failed = true; /* a window of 4 GiB: not a document */
        x->stop = true;
        return;
    }
    struct splice *last = x->n_sp > 0 ? &x->sp[x->n_sp - 1] : NULL;
    if (last != NULL && last->kind == SP_TEXT && last->b == x->text.len &&
        last->at == x->markup.len && last->slot == slot && last->attr == attr) {
        last->b += (uint32_t)n;
    } else if (!add_splice(x, (struct splice){.at = (uint32_t)x->markup.len,
                                              .a = (uint32_t)x->text.len,
                                              .b = (uint32_t)(x->text.len + n),
                                              .slot = slot,
                                              .kind = SP_TEXT,
                                              .attr = attr})) {
        return;
    }
    put(x, &x->text, p, n);
}

static void
add_text(struct ooxml_stream *x, const uint8_t *p, size_t n, int32_t slot)
{
    close_tag(x);
    add_text_at(x, p, n, slot, false);
}

/* Paragraphs and cells are a blank line apart in the detection text; the
 * detectors never join a value across one. */
static void
para_break(struct ooxml_stream *x)
{
    uint8_t last = x->text.len > 0 ? x->text.p[x->text.len - 1] : x->last;
    if (x->text_total + x->text.len > 0 && last != '\n' && x->text.len != x->cell_at) {
        put(x, &x->text, "\n\n", 2);
    }
}

/* A Word table is read as it is copied from Word: a tab between the cells
 * of a row, a line break between rows, a blank line around the table; so a
 * header row names the column under it, as in a plain-text table, and a
 * card typed into four cells is a tab-separated card. The paragraph breaks
 * at a cell's end (our own bytes, never inside a text splice) give way to
 * the tab or line break. */
static void
table_sep(struct ooxml_stream *x, const char *sep)
{
    size_t floor = 0;
    for (size_t i = x->n_sp; i-- > 0;) {
        if (x->sp[i].kind == SP_TEXT) {
            floor = x->sp[i].b;
            break;
        }
    }
    while (x->text.len > floor && x->text.p[x->text.len - 1] == '\n') {
        x->text.len--;
    }
    if (x->text_total + x->text.len > 0) {
        put(x, &x->text, sep, strlen(sep));
    }
}

static struct mark
mark_now(const struct ooxml_stream *x)
{
    return (struct mark){(uint32_t)x->markup.len, (uint32_t)x->text.len, (uint32_t)x->n_sp,
                         x->open_tag};
}

static void
truncate_to(struct ooxml_stream *x, const struct mark *m)
{
    x->markup.len = m->markup;
    x->text.len = m->text;
    x->n_sp = m->n_sp;
    x->open_tag = m->open_tag;
}

static void
note(struct ooxml_stream *x, enum scan_doc_act kind, const char *detail)
{
    scan_doc_note(x->pk->d, kind, x->loc, "%s", detail);
}

static void
record(struct ooxml_stream *x, struct scan_finding *f, size_t n, uint64_t base)
{
    for (size_t i = 0; i < n; i++) {
        f[i].start += (uint32_t)base;
        f[i].end += (uint32_t)base;
    }
    scan_doc_record(x->pk->d, x->loc, f, n);
    for (size_t i = 0; i < n; i++) {
        f[i].start -= (uint32_t)base;
        f[i].end -= (uint32_t)base;
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

/* Where input offsets land in the masked text, asked in increasing order:
 * findings in[k] became out[k]; inside one, each input character is one
 * output character (scan_redact masks a character as one). */
struct remap {
    const struct scan_finding *in, *out;
    size_t n, k;
    long delta;
    const uint8_t *ip, *op;
};

static size_t
remap(struct remap *r, size_t at)
{
    while (r->k < r->n && r->in[r->k].end <= at) {
        r->delta = (long)r->out[r->k].end - (long)r->in[r->k].end;
        r->k++;
    }
    if (r->k < r->n && r->in[r->k].start < at) {
        const struct scan_finding *fi = &r->in[r->k], *fo = &r->out[r->k];
        size_t i = fi->start, o = fo->start;
        while (i < at) {
            i += utf8_len(r->ip, i, fi->end);
            o += utf8_len(r->op, o, fo->end);
        }
        return o;
    }
    return (size_t)((long)at + r->delta);
}

/* Masks findings f[0, n) of the window's text and moves every text splice
 * to its masked bytes; a cell whose value changed becomes a string cell. */
static bool
redact_window(struct ooxml_stream *x, struct scan_finding *f, size_t n)
{
    if (!scan_grow((void **)&x->inf, &x->inf_cap, n, sizeof(*x->inf)) ||
        !grow(x, &x->red, x->text.len + 1)) {
        return false;
    }
    memcpy(x->inf, f, n * sizeof(*f));
    x->red.len = scan_redact(x->red.p, f, n, x->text.p, x->text.len, x->pk->d->pol, true);
    struct remap r = {.in = x->inf, .out = f, .n = n, .ip = x->text.p, .op = x->red.p};
    for (size_t i = 0; i < x->n_sp; i++) {
        struct splice *s = &x->sp[i];
        if (s->kind != SP_TEXT) {
            continue;
        }
        size_t a = remap(&r, s->a), b = remap(&r, s->b);
        if (b - a != s->b - s->a || memcmp(x->red.p + a, x->text.p + s->a, b - a) != 0) {
            s->changed = 1;
            if (s->slot >= 0) {
                x->sp[s->slot].changed = 1;
            }
        }
        s->a = (uint32_t)a;
        s->b = (uint32_t)b;
    }
    struct buf t = x->text;
    wipe(&t);
    x->text = x->red;
    x->red = t;
    x->modified = true;
    return true;
}

/* Detects in the window's text and masks what is to be redacted, scanning
 * again until nothing is left (a few rounds at most). Findings are listed
 * with offsets into the part's text. */
static void
detect_window(struct ooxml_stream *x)
{
    struct scan_doc *d = x->pk->d;
    for (unsigned round = 1;; round++) {
        size_t n = 0;
        int rc = scan_doc_detect(d, &n, x->text.p, x->text.len);
        if (rc == RL_ENOMEM) {
            x->err = rc;
            x->stop = true;
            return;
        }
        if (rc != 0) {
            if (!x->noted_scan) {
                note(x, SCAN_DOC_SCAN_FAILED, "text could not be fully scanned");
            }
            x->noted_scan = true;
            return;
        }
        if (round > 1) {
            /* survivors of a round: only what is still to be redacted */
            size_t k = 0;
            for (size_t j = 0; j < n; j++) {
                if (d->f[j].action == SCAN_ACT_REDACT) {
                    d->f[k++] = d->f[j];
                }
            }
            n = k;
        }
        record(x, d->f, n, round == 1 ? x->base_orig : x->text_total);
        if (scan_redact_count(d->f, n) == 0) {
            return;
        }
        if (round > REDACT_ROUNDS) {
            if (!x->noted_survivor) {
                note(x, SCAN_DOC_SCAN_FAILED, "a finding survived redaction");
            }
            x->noted_survivor = true;
            return;
        }
        if (!redact_window(x, d->f, n)) {
            x->err = RL_ENOMEM;
            x->stop = true;
            return;
        }
    }
}

/* Hands bytes of the rewritten part on: kept while the part may still turn
 * out unchanged, else deflated. */
static void
out_bytes(struct ooxml_stream *x, const uint8_t *p, size_t n)
{
    if (x->pk->flat_in != NULL) {
        put(x, &x->sink, p, n); /* a flat file: written whole, not deflated */
        return;
    }
    if (!x->deflating) {
        if (!x->modified && x->prefix.len + n <= PREFIX_CAP) {
            put(x, &x->prefix, p, n);
            return;
        }
        int rc = scan_zip_deflate_begin(x->pk->z);
        rc = rc == 0 ? scan_zip_deflate_feed(x->pk->z, x->prefix.p, x->prefix.len) : rc;
        wipe(&x->prefix);
        x->deflating = true;
        if (rc != 0) {
            x->err = rc;
            x->stop = true;
            return;
        }
    }
    if (scan_zip_deflate_feed(x->pk->z, p, n) != 0) {
        x->err = RL_ENOMEM;
        x->stop = true;
    }
}

/* Detects and masks the window's text, writes the window out (markup with
 * its text spliced in, escaped) and starts the next one. */
static void
flush(struct ooxml_stream *x)
{
    size_t orig = x->text.len;
    if (x->extract && x->text.len > 0) {
        detect_window(x);
    }
    if (x->stop) {
        return;
    }
    struct buf *o = &x->flat;
    o->len = 0;
    size_t pos = 0;
    for (size_t i = 0; i < x->n_sp; i++) {
        const struct splice *s = &x->sp[i];
        put(x, o, x->markup.p + pos, s->at - pos);
        pos = s->at;
        if (s->kind == SP_TEXT) {
            put_esc(x, o, x->text.p + s->a, s->b - s->a, s->attr ? esc_attr : esc_text);
        } else if (s->changed) {
            puts_(x, o, " t=\"str\"");
            pos += s->a;
        }
    }
    put(x, o, x->markup.p + pos, x->markup.len - pos);
    if (x->err == 0) {
        out_bytes(x, o->p, o->len);
    }
    wipe(o);
    x->base_orig += orig;
    x->text_total += x->text.len;
    if (x->text.len > 0) {
        x->last = x->text.p[x->text.len - 1];
    }
    wipe(&x->markup);
    wipe(&x->text);
    x->n_sp = 0;
    x->cell_at = SIZE_MAX;
    x->gen++;
}

static void
maybe_flush(struct ooxml_stream *x)
{
    if (x->emit && x->held == 0 && x->para == 0 && !x->open_tag &&
        (x->text.len >= TEXT_WINDOW || x->markup.len >= MARKUP_WINDOW) &&
        (x->text.len == 0 || x->text.p[x->text.len - 1] == '\n')) {
        flush(x);
    }
}

/* ---- removals ---- */

static void
undo_counts(struct ooxml_stream *x, struct frame *f)
{
    if (f->fl & F_HELD) {
        x->held--;
    }
    if (f->fl & F_PARA) {
        x->para--;
    }
    if (f->fl & F_DEFNAME) {
        x->in_defname--;
    }
    f->fl &= ~(uint32_t)(F_HELD | F_PARA | F_DEFNAME);
}

static void
hold(struct ooxml_stream *x, struct frame *f)
{
    if (!(f->fl & F_HELD)) {
        f->fl |= F_HELD;
        x->held++;
    }
}

/* Removing the only content of a markup-compatibility choice removes the
 * whole alternative: an empty mc:Choice would still be chosen. Returns the
 * depth of what goes when the element at depth `t` goes. */
static size_t
escalate(const struct ooxml_stream *x, size_t t)
{
    if (t >= 2 && (is(&x->st[t - 1], NS_MC, NM_CHOICE) || is(&x->st[t - 1], NS_MC, NM_FALLBACK))) {
        return t - 2;
    }
    return t;
}

/* Takes back everything of the element at depth `t` (its start tag, its
 * content, its text) and every element open inside it; `open_inside` of
 * them are still open in the source and are skipped to the end of `t`.
 * A part never loses its root element. */
static void
remove_at(struct ooxml_stream *x, size_t t, size_t open_inside)
{
    if (t == 0) {
        return;
    }
    struct frame *tf = &x->st[t];
    if (tf->gen != x->gen) {
        /* its start was written out already: only a part shaped against the
         * schema gets here; it is refused, never passed on half sanitised */
        x->failed = true;
        x->stop = true;
        return;
    }
    truncate_to(x, &tf->mark);
    x->modified = true;
    for (size_t j = x->depth; j-- > t;) {
        undo_counts(x, &x->st[j]);
    }
    x->st[t - 1].removed++;
    x->depth = t + 1;
    x->skipping = true;
    x->skip = open_inside;
}

/* ---- the document rules ---- */

/* Whether the value of an r: attribute names one of the part's removed
 * relationships. */
static bool
rid_removed(const struct ooxml_stream *x, const xmlChar *v, size_t n)
{
    for (size_t k = 0; k < x->n_rids; k++) {
        const char *id = ooxml_str(x->pk, x->rids[k]);
        if (strlen(id) == n && memcmp(id, v, n) == 0) {
            return true;
        }
    }
    return false;
}

struct decision {
    enum { D_KEEP = 0, D_UNWRAP, D_REMOVE } act;
    size_t target;   /* D_REMOVE: depth of what goes */
    int drop;        /* index of an attribute left out, or -1 */
    bool drop_views; /* leave out activeTab and firstSheet */
    uint8_t over_nm; /* an attribute whose value is replaced by over_val */
    const char *over_val;
};

static bool
val_false(const struct ooxml_stream *x, int nb, const xmlChar **a)
{
    for (int k = 0; k < nb; k++) {
        if (nm_of(x, A_LOCAL(a, k)) == NM_VAL) {
            return val_is(a, k, "false") || val_is(a, k, "0") || val_is(a, k, "off");
        }
    }
    return false;
}

/* An element that refers to a removed relationship. */
static void
drop_reference(struct ooxml_stream *x, size_t at, int k, struct decision *dc)
{
    const struct frame *f = &x->st[at];
    x->refs++;
    x->modified = true;
    if (is(f, NS_A, NM_BLIP)) {
        dc->drop = k; /* a picture without its link still shows its cached image */
    } else if (is(f, NS_W, NM_HYPERLINK)) {
        dc->act = D_UNWRAP; /* the link goes, its text stays */
    } else if (is(f, NS_P, NM_OLEOBJ)) {
        size_t t = at;
        for (size_t j = at; j-- > 0;) {
            if (is(&x->st[j], NS_P, NM_GRAPHICFRAME)) {
                t = j;
                break;
            }
        }
        *dc = (struct decision){.act = D_REMOVE, .target = escalate(x, t), .drop = -1};
    } else {
        /* a macro sheet's name was listed before (OOXML_SHEETS) */
        *dc = (struct decision){.act = D_REMOVE, .target = escalate(x, at), .drop = -1};
    }
}

static void
remove_decision(const struct ooxml_stream *x, struct decision *dc, size_t t)
{
    dc->act = D_REMOVE;
    dc->target = escalate(x, t);
}

/* WordprocessingML revisions, comment anchors and hidden text. */
static void
word_rules(struct ooxml_stream *x, size_t at, int nb, const xmlChar **a, struct decision *dc)
{
    const struct scan_doc_policy *dp = &x->pk->d->pol->documents;
    struct frame *f = &x->st[at];
    const struct frame *parent = at > 0 ? &x->st[at - 1] : NULL;
    bool in_props = is(parent, NS_W, NM_RPR) || is(parent, NS_W, NM_TRPR);
    if (dp->accept_changes) {
        if (f->nm == NM_DEL || f->nm == NM_MOVEFROM) {
            /* A deleted row goes whole; a deleted paragraph mark only loses
             * its marker (the paragraphs stay apart, nothing is lost). */
            remove_decision(x, dc, is(parent, NS_W, NM_TRPR) && at >= 2 ? at - 2 : at);
            x->changes++;
            return;
        }
        if (f->nm == NM_INS || f->nm == NM_MOVETO) {
            if (in_props) {
                remove_decision(x, dc, at);
            } else {
                dc->act = D_UNWRAP;
                f->fl |= F_INS;
            }
            x->changes++;
            return;
        }
        if (f->nm == NM_CHANGE) {
            remove_decision(x, dc, at);
            x->changes++;
            return;
        }
    }
    if (dp->remove_comments && f->nm == NM_ANCHOR) {
        remove_decision(x, dc, at);
        x->anchors++;
        return;
    }
    if (dp->remove_hidden && f->nm == NM_VANISH && !val_false(x, nb, a) &&
        is(parent, NS_W, NM_RPR)) {
        /* A hidden run goes; a hidden paragraph mark loses the marker. Style
         * definitions are left: unhiding them would show, not remove. */
        const struct frame *run = at >= 2 ? &x->st[at - 2] : NULL;
        if (is(run, NS_W, NM_R)) {
            remove_decision(x, dc, at - 2);
            x->hidden++;
        } else if (is(run, NS_W, NM_PPR)) {
            remove_decision(x, dc, at);
            x->hidden++;
        }
    }
}

static bool
is_metadata(const struct frame *f)
{
    return is(f, NS_DC, NM_CREATOR) || is(f, NS_CP, NM_LASTMODIFIEDBY) ||
           is(f, NS_EP, NM_COMPANY) || is(f, NS_EP, NM_MANAGER) || is(f, NS_X15AC, NM_ABSPATH);
}

/* OpenDocument: comments (office:annotation and the end of its range),
 * tracked changes (the change log holds the deleted text; the marks in the
 * text go, the inserted text stays: every change accepted), script
 * bindings and Basic in a flat file (office:script, event listeners), the
 * metadata of a flat file (office:meta). */
static void
odf_rules(struct ooxml_stream *x, size_t at, struct decision *dc)
{
    const struct scan_doc_policy *dp = &x->pk->d->pol->documents;
    const struct frame *f = &x->st[at];
    if (dp->remove_comments &&
        (is(f, NS_OFFICE, NM_ANNOTATION) || is(f, NS_OFFICE, NM_ANNOTATION_END))) {
        remove_decision(x, dc, at);
        x->notes += f->nm == NM_ANNOTATION;
    } else if (dp->accept_changes &&
               (((f->ns == NS_TEXT || f->ns == NS_TABLE) && f->nm == NM_TRACKED) ||
                is(f, NS_TEXT, NM_CHANGE_MARK))) {
        remove_decision(x, dc, at);
        x->changes++;
    } else if (dp->remove_macros &&
               (is(f, NS_OFFICE, NM_SCRIPT) || is(f, NS_OFFICE, NM_LISTENERS))) {
        remove_decision(x, dc, at);
        x->scripts++;
    } else if (dp->remove_metadata && at == 1 && is(f, NS_OFFICE, NM_META)) {
        remove_decision(x, dc, at);
        x->meta++;
    }
}

/* The sanitising rules of a document part for the element starting at
 * depth `at`. Elements that may go later whole are held. */
static void
doc_rules(struct ooxml_stream *x, size_t at, int nb, const xmlChar **a, struct decision *dc)
{
    const struct scan_doc_policy *dp = &x->pk->d->pol->documents;
    struct frame *f = &x->st[at];
    const struct frame *parent = at > 0 ? &x->st[at - 1] : NULL;
    if (is(f, NS_MC, NM_ALTCONTENT) || is(f, NS_P, NM_GRAPHICFRAME) ||
        (is(f, NS_W, NM_TR) && dp->accept_changes) || (is(f, NS_W, NM_R) && dp->remove_hidden)) {
        hold(x, f);
    }
    for (int k = 0; k < nb && x->n_rids > 0; k++) {
        if (ns_of(x, A_URI(a, k)) == NS_R && rid_removed(x, A_VAL(a, k), A_LEN(a, k))) {
            drop_reference(x, at, k, dc);
            return;
        }
    }
    if (f->ns == NS_W) {
        word_rules(x, at, nb, a, dc);
        return;
    }
    if (x->odf) {
        odf_rules(x, at, dc);
        return;
    }
    if (dp->remove_metadata && is_metadata(f)) {
        remove_decision(x, dc, at);
        x->meta++;
        return;
    }
    if (is(f, NS_S, NM_OLEOBJECTS) || is(f, NS_S, NM_CONTROLS) || is(f, NS_P, NM_CONTROLS)) {
        f->fl |= F_CONTAINER;
        hold(x, f);
    }
    if (!x->wb) {
        return;
    }
    /* after macro sheets left the workbook: names pointing into them
     * (Auto_Open above all) go too, and the view no longer points at a
     * removed tab */
    if (at == 1 && is(f, NS_S, NM_BOOKVIEWS)) {
        f->fl |= F_BOOKVIEWS;
    } else if (at == 2 && (parent->fl & F_BOOKVIEWS)) {
        dc->drop_views = true;
    } else if (at == 1 && is(f, NS_S, NM_DEFINEDNAMES)) {
        f->fl |= F_DEFNAMES;
        hold(x, f);
    } else if (at == 2 && (parent->fl & F_DEFNAMES)) {
        f->fl |= F_DEFNAME;
        x->in_defname++;
        hold(x, f);
        f->dn0 = (uint32_t)x->dn.len;
        int k = attr_index(x, nb, a, NM_NAME);
        if (k >= 0) {
            f->fl |= F_HASNAME;
            put(x, &x->dn, A_VAL(a, k), A_LEN(a, k));
            put(x, &x->dn, "", 1);
        }
    }
}

static bool
refers_to_gone_sheet(const struct ooxml_pkg *pk, const char *formula)
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

/* Rules decided at the end of an element: containers whose objects all
 * went, defined names into removed sheets, empty insertions. Returns true
 * when the element was taken back. */
static bool
doc_end_rules(struct ooxml_stream *x, size_t at)
{
    struct frame *f = &x->st[at];
    bool gone = false;
    if (f->fl & F_DEFNAME) {
        put(x, &x->dn, "", 1);
        const char *name = (const char *)x->dn.p + f->dn0;
        const char *formula = name + ((f->fl & F_HASNAME) ? strlen(name) + 1 : 0);
        gone = x->err == 0 && (f->fl & F_HASNAME) &&
               (refers_to_gone_sheet(x->pk, formula) ||
                strncasecmp(name, "_xlnm.Auto_Open", 15) == 0 ||
                strncasecmp(name, "Auto_Open", 9) == 0);
        explicit_bzero(x->dn.p + f->dn0, x->dn.len - f->dn0);
        x->dn.len = f->dn0;
        if (gone) {
            x->refs++;
            x->modified = true;
        }
    } else if (f->fl & F_DEFNAMES) {
        gone = f->removed == f->elems;
    } else if (f->fl & F_CONTAINER) {
        gone = (f->fl & F_ANY) && f->removed == f->elems;
    } else if ((f->fl & F_INS) && (f->fl & F_UNWRAP) && !(f->fl & F_ANY)) {
        size_t t = escalate(x, at);
        if (t != at) {
            remove_at(x, t, at - t - 1);
            return true;
        }
        x->st[at - 1].removed++;
    }
    if (gone && at > 0) {
        remove_at(x, at, 0);
        /* the element ends here: nothing is left to skip */
        x->skipping = false;
        x->depth = at;
        return true;
    }
    return false;
}

/* ---- worksheets: column headers and SSN formats as context ---- */

/* Excel's "Social Security Number" format, quoted or escaped or not. */
static bool
ssn_format(const xmlChar *v, size_t n)
{
    char plain[16];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '"' || v[i] == '\\') {
            continue;
        }
        if (o + 1 >= sizeof(plain)) {
            return false;
        }
        plain[o++] = (char)v[i];
    }
    plain[o] = '\0';
    return strcmp(plain, "000-00-0000") == 0;
}

static long
attr_num(const struct ooxml_stream *x, int nb, const xmlChar **a, enum nm nm)
{
    int k = attr_index(x, nb, a, nm);
    long v = 0;
    for (size_t i = 0; k >= 0 && i < A_LEN(a, k) && i < 9; i++) {
        uint8_t c = A_VAL(a, k)[i];
        if (c < '0' || c > '9') {
            return -1;
        }
        v = v * 10 + (c - '0');
    }
    return k >= 0 && A_LEN(a, k) > 0 ? v : -1;
}

/* The shared strings (first OOXML_SST_KEEP) and the cell formats. */
static void
workbook_model_rules(struct ooxml_stream *x, size_t at, int nb, const xmlChar **a)
{
    struct ooxml_pkg *pk = x->pk;
    const struct frame *f = &x->st[at];
    if (x->pass == OOXML_SST_MODEL) {
        if (at == 1 && is(f, NS_S, NM_SI)) {
            x->si = pk->sst != NULL && pk->sst_n < OOXML_SST_KEEP ? (long)pk->sst_n : -1;
        }
        return;
    }
    if (at == 2 && is(f, NS_S, NM_NUMFMT) && x->st[1].ns == NS_S) {
        int c = attr_index(x, nb, a, NM_FORMATCODE);
        long id = attr_num(x, nb, a, NM_NUMFMTID);
        if (c >= 0 && id >= 0 && ssn_format(A_VAL(a, c), A_LEN(a, c)) &&
            pk->n_ssn_fmt < sizeof(pk->ssn_fmt) / sizeof(pk->ssn_fmt[0])) {
            pk->ssn_fmt[pk->n_ssn_fmt++] = (uint32_t)id;
        }
    } else if (at == 2 && is(f, NS_S, NM_XF) && is(&x->st[1], NS_S, NM_CELLXFS)) {
        uint32_t k = x->n_xf++;
        long id = attr_num(x, nb, a, NM_NUMFMTID);
        for (size_t i = 0; i < pk->n_ssn_fmt && k < OOXML_XF_MAX; i++) {
            if ((long)pk->ssn_fmt[i] == id) {
                pk->ssn_xf[k / 8] |= (uint8_t)(1u << (k % 8));
            }
        }
    }
}

/* A cell of a worksheet starts: its column, its type, its format; the
 * first row's cells are column names. */
static void
sheet_cell(struct ooxml_stream *x, int nb, const xmlChar **a)
{
    int r = attr_index(x, nb, a, NM_R);
    long col = -1;
    for (size_t i = 0; r >= 0 && i < A_LEN(a, r) && i < 4; i++) {
        uint8_t c = A_VAL(a, r)[i] & 0xDF;
        if (c < 'A' || c > 'Z') {
            break;
        }
        col = (col + 1) * 26 + (c - 'A');
    }
    x->col = r >= 0 ? col : x->col + 1;
    int t = attr_index(x, nb, a, NM_T);
    x->cell_type = t < 0 ? 'v' : val_is(a, t, "s") ? 's' : val_is(a, t, "inlineStr") ? 'i' : 'v';
    long s = attr_num(x, nb, a, NM_SITEM);
    x->ssn_cell = (t < 0 || val_is(a, t, "n")) && s >= 0 && s < OOXML_XF_MAX &&
                  (x->pk->ssn_xf[s / 8] & (1u << (s % 8)));
    x->head_cell = x->rows == 1;
    x->hcap_len = 0;
}

/* The first row's cell ends: its text (or the shared string it indexes)
 * names the column, when it is a short name without digits. */
static void
sheet_head(struct ooxml_stream *x)
{
    x->head_cell = false;
    if (x->col < 0 || x->col >= (long)(sizeof(x->head) / sizeof(x->head[0]))) {
        return;
    }
    x->hcap[x->hcap_len] = '\0';
    const char *name = x->hcap;
    if (x->cell_type == 's') {
        char *end = NULL;
        unsigned long i = strtoul(x->hcap, &end, 10);
        name = end != x->hcap && i < x->pk->sst_n ? x->pk->sst + i * OOXML_HEAD_MAX : "";
    }
    bool ok = strpbrk(name, "0123456789") == NULL;
    snprintf(x->head[x->col], sizeof(x->head[0]), "%s", ok ? name : "");
}

/* Before a cell's text: its column's name and, for a number shown as an
 * SSN, the word; read by the detectors, never written. */
static void
sheet_context(struct ooxml_stream *x)
{
    if (x->rows > 1 && x->col >= 0 && x->col < (long)(sizeof(x->head) / sizeof(x->head[0])) &&
        x->head[x->col][0] != '\0') {
        puts_(x, &x->text, x->head[x->col]);
        put(x, &x->text, ": ", 2);
    }
    if (x->ssn_cell) {
        puts_(x, &x->text, "SSN: ");
    }
}

/* ---- text roles ---- */

static const struct frame *
effective_parent(const struct ooxml_stream *x, size_t at)
{
    for (size_t j = at; j-- > 0;) {
        if (!(x->st[j].fl & F_UNWRAP)) {
            return &x->st[j];
        }
    }
    return NULL;
}

static enum role
role_of(const struct ooxml_stream *x, size_t at)
{
    const struct frame *f = &x->st[at];
    const struct frame *ep = effective_parent(x, at);
    switch (f->ns) {
    case NS_W:
        if (f->nm == NM_P) {
            return ROLE_PARA;
        }
        if (f->nm == NM_T || f->nm == NM_DELTEXT || f->nm == NM_INSTRTEXT) {
            return ROLE_TEXT;
        }
        if (f->nm == NM_TAB && is(ep, NS_W, NM_R)) {
            return ROLE_TAB;
        }
        if (f->nm == NM_TC || f->nm == NM_TR || f->nm == NM_TBL) {
            return f->nm == NM_TC ? ROLE_CELL : f->nm == NM_TR ? ROLE_ROW : ROLE_TABLE;
        }
        return f->nm == NM_BR || f->nm == NM_CR ? ROLE_BREAK : ROLE_NONE;
    case NS_A:
        return f->nm == NM_P    ? ROLE_PARA
               : f->nm == NM_T  ? ROLE_TEXT
               : f->nm == NM_BR ? ROLE_BREAK
                                : ROLE_NONE;
    case NS_S:
        if (f->nm == NM_SI || f->nm == NM_IS || f->nm == NM_C || f->nm == NM_COMMENT) {
            return ROLE_PARA;
        }
        /* cell values are text unless they index the shared strings or are
         * a boolean or error code; a formula's string literals are what the
         * formula bar shows, and recalculation would bring a masked value
         * back */
        /* so are defined names' formulas, data validation lists, comment
         * authors and page headers and footers */
        return f->nm == NM_T || f->nm == NM_F || f->nm == NM_DEFINEDNAME || f->nm == NM_FORMULA ||
                       f->nm == NM_AUTHOR || f->nm == NM_HEADFOOT ||
                       (f->nm == NM_V && (ep == NULL || (ep->fl & F_TEXTISH)))
                   ? ROLE_TEXT
                   : ROLE_NONE;
    case NS_XM:
        return f->nm == NM_F ? ROLE_TEXT : ROLE_NONE;
    case NS_C:
        /* a chart's cached values and the references of its series */
        return f->nm == NM_PT ? ROLE_PARA : f->nm == NM_V || f->nm == NM_F ? ROLE_TEXT : ROLE_NONE;
    case NS_P:
        return f->nm == NM_CM ? ROLE_PARA : f->nm == NM_TEXT ? ROLE_TEXT : ROLE_NONE;
    default:
        return x->props ? ROLE_FIELD : ROLE_NONE;
    }
}

/* OpenDocument text is the character data of paragraphs (text:p, text:h)
 * and of the inline elements inside them (spans, links, fields), with
 * text:s, text:tab and text:line-break standing for white space (ODF 1.3
 * Part 3, 6.1); alternative text (svg:title, svg:desc) is a paragraph of
 * its own, and so are a note's paragraphs. Tables as in Word. */
static enum role
odf_role(struct ooxml_stream *x, size_t at)
{
    struct frame *f = &x->st[at];
    const struct frame *parent = &x->st[at - 1];
    switch (f->ns) {
    case NS_TEXT:
        if (f->nm == NM_P || f->nm == NM_H) {
            f->fl |= F_TEXT;
            return ROLE_PARA;
        }
        if (f->nm == NM_SITEM || f->nm == NM_TAB || f->nm == NM_LINEBREAK) {
            put(x, &x->text, f->nm == NM_SITEM ? " " : f->nm == NM_TAB ? "\t" : "\n", 1);
            f->fl |= F_NOX;
            return ROLE_NONE;
        }
        if (f->nm == NM_NOTE) {
            return ROLE_PARA;
        }
        if (parent->fl & F_TEXT) {
            f->fl |= F_TEXT; /* spans, links, fields: the paragraph goes on */
            return ROLE_NONE;
        }
        return ROLE_FIELD;
    case NS_SVG:
        if (f->nm == NM_TITLE || f->nm == NM_DESC) {
            f->fl |= F_TEXT;
            return ROLE_PARA;
        }
        return ROLE_NONE;
    case NS_TABLE:
        return f->nm == NM_TABLE_CELL || f->nm == NM_COVERED_CELL ? ROLE_CELL
               : f->nm == NM_TABLE_ROW                            ? ROLE_ROW
               : f->nm == NM_TABLE                                ? ROLE_TABLE
                                                                  : ROLE_NONE;
    default:
        if (is(f, NS_OFFICE, NM_BINARY)) {
            f->fl |= F_NOX; /* a picture or an object in base64 (flat files) */
            return ROLE_NONE;
        }
        /* any other character data (properties, settings, a comment's
         * author, a change's record, Basic kept by policy) is a field */
        return ROLE_FIELD;
    }
}

static void
start_role(struct ooxml_stream *x, size_t at)
{
    struct frame *f = &x->st[at];
    const struct frame *parent = at > 0 ? &x->st[at - 1] : NULL;
    if (parent == NULL || (parent->fl & F_NOX)) {
        f->fl |= parent != NULL ? F_NOX : 0; /* the root is not a paragraph */
        return;
    }
    switch (x->odf ? odf_role(x, at) : role_of(x, at)) {
    case ROLE_PARA:
        para_break(x);
        f->fl |= F_PARA;
        x->para++;
        if (x->sheet && is(f, NS_S, NM_IS)) {
            sheet_context(x);
        }
        break;
    case ROLE_TEXT:
        if ((f->ns == NS_S && f->nm != NM_T) || (f->ns == NS_C && f->nm == NM_F) ||
            f->ns == NS_XM) {
            para_break(x); /* a cell's formula and value, a name's formula: apart */
        }
        if (x->sheet && is(f, NS_S, NM_V)) {
            sheet_context(x);
        }
        f->fl |= F_TEXT | F_NOX;
        break;
    case ROLE_TAB:
        put(x, &x->text, "\t", 1);
        f->fl |= F_NOX;
        break;
    case ROLE_BREAK:
        put(x, &x->text, "\n", 1);
        f->fl |= F_NOX;
        break;
    case ROLE_FIELD:
        para_break(x);
        f->fl |= F_FIELD;
        break;
    case ROLE_CELL:
        if (x->cells++ > 0) {
            table_sep(x, "\t");
            x->cell_at = x->text.len;
        }
        break;
    case ROLE_ROW:
        x->cells = 0;
        f->fl |= F_ROW;
        break;
    case ROLE_TABLE:
        para_break(x);
        f->fl |= F_TABLE;
        break;
    case ROLE_NONE:
        break;
    }
}

/* ---- the model and write rules of .rels and [Content_Types].xml ---- */

static uint32_t
attr_add(struct ooxml_stream *x, int nb, const xmlChar **a, enum nm nm)
{
    int k = attr_index(x, nb, a, nm);
    if (k < 0) {
        return OOXML_NO_STR;
    }
    uint32_t off = ooxml_str_add(x->pk, (const char *)A_VAL(a, k), A_LEN(a, k));
    if (off == OOXML_NO_STR) {
        x->err = RL_ENOMEM;
        x->stop = true;
    }
    return off;
}

static void
model_rules(struct ooxml_stream *x, size_t at, int nb, const xmlChar **a)
{
    struct ooxml_pkg *pk = x->pk;
    const struct frame *f = &x->st[at];
    if (x->pass == OOXML_CT_MODEL) {
        if (at == 0) {
            pk->ct_types = is(f, NS_CT, NM_TYPES);
        } else if (at == 1 && (is(f, NS_CT, NM_DEFAULT) || is(f, NS_CT, NM_OVERRIDE))) {
            bool ov = f->nm == NM_OVERRIDE;
            if (!scan_grow((void **)&pk->ct, &pk->ct_cap, pk->n_ct + 1, sizeof(*pk->ct))) {
                x->err = RL_ENOMEM;
                x->stop = true;
                return;
            }
            struct ooxml_ct *c = &pk->ct[pk->n_ct++];
            c->override = ov;
            c->key = attr_add(x, nb, a, ov ? NM_PARTNAME : NM_EXTENSION);
            c->type = attr_add(x, nb, a, NM_CONTENTTYPE);
        }
        return;
    }
    if (at != 1 || !is(f, NS_RELS, NM_RELATIONSHIP)) {
        return;
    }
    int id = attr_index(x, nb, a, NM_ID), type = attr_index(x, nb, a, NM_TYPE),
        target = attr_index(x, nb, a, NM_TARGET), mode = attr_index(x, nb, a, NM_TARGETMODE);
    if (id < 0 || type < 0 || target < 0) {
        return;
    }
    if (!scan_grow((void **)&pk->rels, &pk->rels_cap, pk->n_rels + 1, sizeof(*pk->rels))) {
        x->err = RL_ENOMEM;
        x->stop = true;
        return;
    }
    struct ooxml_rel *r = &pk->rels[pk->n_rels];
    *r = (struct ooxml_rel){.rels_part = x->part,
                            .id = attr_add(x, nb, a, NM_ID),
                            .type = attr_add(x, nb, a, NM_TYPE),
                            .target = attr_add(x, nb, a, NM_TARGET),
                            .new_target = OOXML_NO_STR,
                            .target_part = -1,
                            .external = mode >= 0 && val_is(a, mode, "External"),
                            .removal = OOXML_NO_REMOVAL};
    if (x->err == 0) {
        pk->n_rels++;
        pk->parts[x->part].n_rel++;
    }
}

static void
write_rules(struct ooxml_stream *x, size_t at, int nb, const xmlChar **a, struct decision *dc)
{
    struct ooxml_pkg *pk = x->pk;
    const struct frame *f = &x->st[at];
    if (at != 1) {
        return;
    }
    if (x->pass == OOXML_RELS_WRITE) {
        if (!is(f, NS_RELS, NM_RELATIONSHIP) || attr_index(x, nb, a, NM_ID) < 0 ||
            attr_index(x, nb, a, NM_TYPE) < 0 || attr_index(x, nb, a, NM_TARGET) < 0) {
            return;
        }
        const struct ooxml_part *p = &pk->parts[x->part];
        if (x->ordinal >= p->n_rel) {
            return;
        }
        const struct ooxml_rel *r = &pk->rels[p->rel0 + x->ordinal++];
        if (r->removal != OOXML_NO_REMOVAL) {
            dc->act = D_REMOVE;
            dc->target = at;
        } else if (r->new_target != OOXML_NO_STR) {
            dc->over_nm = NM_TARGET;
            dc->over_val = ooxml_str(pk, r->new_target);
        }
        return;
    }
    if (is(f, NS_CT, NM_DEFAULT)) {
        int e = attr_index(x, nb, a, NM_EXTENSION), c = attr_index(x, nb, a, NM_CONTENTTYPE);
        if (e >= 0 && c >= 0) {
            char ext[64];
            snprintf(ext, sizeof(ext), "%.*s", (int)(A_LEN(a, e) < 63 ? A_LEN(a, e) : 63),
                     (const char *)A_VAL(a, e));
            if (ooxml_unused_macro_default(pk, ext, attr_str(x, a, c))) {
                dc->act = D_REMOVE;
                dc->target = at;
            }
        }
        return;
    }
    int pn = is(f, NS_CT, NM_OVERRIDE) ? attr_index(x, nb, a, NM_PARTNAME) : -1;
    const char *name = pn >= 0 ? attr_str(x, a, pn) : NULL;
    long idx = name != NULL && name[0] == '/' ? ooxml_part_by_name(pk, name + 1) : -1;
    if (idx >= 0 && pk->parts[idx].removed) {
        dc->act = D_REMOVE;
        dc->target = at;
    } else if (idx >= 0 && idx == pk->main_part && pk->new_main_ct != NULL) {
        dc->over_nm = NM_CONTENTTYPE;
        dc->over_val = pk->new_main_ct;
    }
}

/* An OpenDocument manifest: an encrypted package says so in it (ODF 1.3
 * Part 2, 4.8); written back, it loses the entries of removed files. */
static void
manifest_rules(struct ooxml_stream *x, size_t at, int nb, const xmlChar **a, struct decision *dc)
{
    const struct frame *f = &x->st[at];
    if (x->pass == OOXML_MANIFEST_MODEL) {
        x->pk->odf_encrypted |= is(f, NS_MANIFEST, NM_ENCRYPTION);
        return;
    }
    if (at != 1 || !is(f, NS_MANIFEST, NM_FILE_ENTRY)) {
        return;
    }
    for (int k = 0; k < nb; k++) {
        if (ns_of(x, A_URI(a, k)) == NS_MANIFEST && nm_of(x, A_LOCAL(a, k)) == NM_FULL_PATH &&
            ooxml_odf_path_removed(x->pk, attr_str(x, a, k))) {
            remove_decision(x, dc, at);
            return;
        }
    }
}

static void
sheets_rules(struct ooxml_stream *x, size_t at, int nb, const xmlChar **a)
{
    if (!is(&x->st[at], NS_S, NM_SHEET)) {
        return;
    }
    for (int k = 0; k < nb; k++) {
        if (ns_of(x, A_URI(a, k)) == NS_R && rid_removed(x, A_VAL(a, k), A_LEN(a, k))) {
            int n = attr_index(x, nb, a, NM_NAME);
            if (n >= 0) {
                ooxml_gone_sheet(x->pk, attr_str(x, a, n));
            }
            return;
        }
    }
}

/* ---- writing tags ---- */

static uint8_t *
copy_qname(uint8_t *w, const xmlChar *prefix, size_t np, const xmlChar *local, size_t nl)
{
    if (prefix != NULL) {
        w = copy(w, prefix, np);
        *w++ = ':';
    }
    return copy(w, local, nl);
}

static size_t
len_or_0(const xmlChar *s)
{
    return s != NULL ? strlen((const char *)s) : 0;
}

/* Writes the start tag up to its '>' (left open: the element may turn out
 * empty). An s:c gets a slot for its type. Room is reserved once, for the
 * longest escapes. */
/* Whether attribute `k` of element `f` holds text a reader shows: a pivot
 * cache's string item (v), a document variable or a form field's default
 * (w:val). */
static bool
attr_text(struct ooxml_stream *x, const struct frame *f, const xmlChar **a, int k)
{
    uint8_t n = nm_of(x, A_LOCAL(a, k));
    if (x->odf) {
        /* Names and values in the vocabularies of the text (cells' values
         * with a number's digits in full where the cell shows it rounded,
         * formulas, validation lists, sheet and range names, variables,
         * bookmarks, form controls, settings that name sheets), a link's
         * target and tooltip, a drawing object's name; not styles,
         * geometry or the names of pictures. */
        const char *l = (const char *)A_LOCAL(a, k);
        size_t ln = strlen(l);
        if (ln >= 10 && strcmp(l + ln - 10, "style-name") == 0) {
            return false;
        }
        switch (ns_of(x, A_URI(a, k))) {
        case NS_OFFICE:
        case NS_TEXT:
        case NS_TABLE:
        case NS_CONFIG:
        case NS_META:
        case NS_FORM:
            return true;
        case NS_XLINK:
            return (n == NM_HREF || n == NM_TITLE) && f->nm == NM_A &&
                   (f->ns == NS_TEXT || f->ns == NS_DRAW);
        case NS_DRAW:
            return n == NM_NAME;
        default:
            return false;
        }
    }
    if (f->nm == NM_DOCPR) {
        /* a picture's or shape's alternative text (wp:docPr, pic:cNvPr, ...) */
        return (n == NM_DESCR || n == NM_TITLE) && A_URI(a, k) == NULL;
    }
    if (f->ns == NS_S) {
        /* a pivot cache's string item, a sheet's name, a defined name */
        return A_URI(a, k) == NULL &&
               ((f->nm == NM_SITEM && n == NM_V) || (f->nm == NM_SHEET && n == NM_NAME) ||
                (f->nm == NM_DEFINEDNAME && n == NM_NAME));
    }
    if (f->ns != NS_W || ns_of(x, A_URI(a, k)) != NS_W) {
        return false;
    }
    /* a kept comment's author, a simple field's code (what w:instrText
     * holds for a complex one), a link's tooltip, a form field's list
     * entries, help and status text, a content control's label */
    return (f->nm == NM_COMMENT && (n == NM_AUTHOR || n == NM_INITIALS)) ||
           (f->nm == NM_FLDSIMPLE && n == NM_INSTR) || (f->nm == NM_HYPERLINK && n == NM_TOOLTIP) ||
           ((f->nm == NM_DOCVAR || f->nm == NM_DEFAULT_TEXT || f->nm == NM_FFTEXT) && n == NM_VAL);
}

static void
write_start(struct ooxml_stream *x, struct frame *f, const xmlChar *local, const xmlChar *prefix,
            int nb_ns, const xmlChar **nss, int nb, const xmlChar **a, const struct decision *dc,
            bool slot)
{
    close_tag(x);
    size_t nl = strlen((const char *)local), np = len_or_0(prefix);
    size_t need = 2 + np + nl;
    for (int k = 0; k < nb_ns; k++) {
        need += 10 + len_or_0(nss[2 * (size_t)k]) +
                ESC_MAX * strlen((const char *)nss[2 * (size_t)k + 1]);
    }
    size_t over = dc->over_val != NULL ? strlen(dc->over_val) : 0;
    for (int k = 0; k < nb; k++) {
        need += 6 + len_or_0(A_PREFIX(a, k)) + strlen((const char *)A_LOCAL(a, k)) +
                ESC_MAX * (A_LEN(a, k) > over ? A_LEN(a, k) : over);
    }
    if (!grow(x, &x->markup, need)) {
        return;
    }
    uint8_t *w = x->markup.p + x->markup.len;
    *w++ = '<';
    w = copy_qname(w, prefix, np, local, nl);
    for (int k = 0; k < nb_ns; k++) {
        w = copy(w, " xmlns", 6);
        if (nss[2 * (size_t)k] != NULL) {
            *w++ = ':';
            w = copy(w, nss[2 * (size_t)k], strlen((const char *)nss[2 * (size_t)k]));
        }
        w = copy(w, "=\"", 2);
        const xmlChar *uri = nss[2 * (size_t)k + 1];
        w = esc_copy(w, uri, strlen((const char *)uri), esc_attr);
        *w++ = '"';
    }
    uint8_t *slot_at = NULL;
    size_t slot_len = 0;
    for (int k = 0; k < nb; k++) {
        uint8_t n = A_URI(a, k) == NULL ? nm_of(x, A_LOCAL(a, k)) : NM_OTHER;
        if (k == dc->drop || (dc->drop_views && (n == NM_ACTIVETAB || n == NM_FIRSTSHEET))) {
            continue;
        }
        uint8_t *at = w;
        *w++ = ' ';
        const xmlChar *ap = A_PREFIX(a, k), *al = A_LOCAL(a, k);
        w = copy_qname(w, ap, len_or_0(ap), al, strlen((const char *)al));
        w = copy(w, "=\"", 2);
        if (dc->over_nm != NM_OTHER && n == dc->over_nm) {
            w = esc_copy(w, (const uint8_t *)dc->over_val, over, esc_attr);
        } else if (x->extract && attr_text(x, f, a, k)) {
            /* Values kept in attributes that readers show: a pivot cache's
             * copy of its source cells, a document variable (what a
             * DOCVARIABLE field shows, filled in by templates), a form
             * field's default text. Each is text of its own, masked in
             * place. */
            x->markup.len = (size_t)(w - x->markup.p);
            para_break(x);
            const uint8_t *v = A_VAL(a, k);
            size_t vn = A_LEN(a, k);
            uint8_t dec[2048];
            if (ns_of(x, A_URI(a, k)) == NS_XLINK && vn <= sizeof(dec) &&
                memchr(v, '%', vn) != NULL) {
                /* a link's target is read (and written back) with the
                 * escapes of letters, digits and separators decoded */
                vn = ooxml_unescape(dec, v, vn);
                v = dec;
            }
            add_text_at(x, v, vn, -1, true);
            para_break(x);
            w = x->markup.p + x->markup.len;
        } else {
            w = esc_copy(w, A_VAL(a, k), A_LEN(a, k), esc_attr);
        }
        *w++ = '"';
        if (slot && n == NM_T) {
            slot_at = at; /* the cell's type, replaced in place if its value is masked */
            slot_len = (size_t)(w - at);
        }
    }
    x->markup.len = (size_t)(w - x->markup.p);
    if (slot) {
        f->slot = (int32_t)x->n_sp;
        size_t at = slot_at != NULL ? (size_t)(slot_at - x->markup.p) : x->markup.len;
        add_splice(x,
                   (struct splice){
                       .at = (uint32_t)at, .a = (uint32_t)slot_len, .slot = -1, .kind = SP_SLOT});
    }
    x->open_tag = true;
}

/* ---- SAX ---- */

static void
on_start_document(void *ctx)
{
    struct ooxml_stream *x = ctx;
    if (!x->emit) {
        return;
    }
    xmlParserCtxtPtr c = x->ctxt;
    puts_(x, &x->markup, "<?xml version=\"");
    puts_(x, &x->markup, c->version != NULL ? (const char *)c->version : "1.0");
    puts_(x, &x->markup, "\" encoding=\"UTF-8\"");
    if (c->standalone == 1) {
        puts_(x, &x->markup, " standalone=\"yes\"");
    } else if (c->standalone == 0) {
        puts_(x, &x->markup, " standalone=\"no\"");
    }
    puts_(x, &x->markup, "?>\n");
}

static void
on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nb_ns,
         const xmlChar **nss, int nb, int nb_defaulted, const xmlChar **a)
{
    (void)nb_defaulted;
    struct ooxml_stream *x = ctx;
    if (x->stop) {
        return;
    }
    if (x->skipping) {
        x->skip++;
        return;
    }
    if (!x->root_seen) {
        x->root_seen = true;
        x->retain = false;
        wipe(&x->prolog);
    }
    if (!scan_grow((void **)&x->st, &x->st_cap, x->depth + 1, sizeof(*x->st))) {
        x->err = RL_ENOMEM;
        x->stop = true;
        xmlStopParser(x->ctxt);
        return;
    }
    size_t at = x->depth++;
    struct frame *parent = at > 0 ? &x->st[at - 1] : NULL;
    if (parent != NULL) {
        parent->fl |= F_ANY;
        parent->elems++;
    }
    struct frame *f = &x->st[at];
    *f = (struct frame){
        .ns = ns_of(x, uri), .nm = nm_of(x, local), .gen = x->gen, .mark = mark_now(x), .slot = -1};
    if (at == 0) {
        /* Properties, and parts in vocabularies of their own (customXml
         * data that content controls are bound to: Word shows it again on
         * opening, whatever the body says): every element's text is read. */
        x->props = f->ns == NS_CP || f->ns == NS_EP || f->ns == NS_CUSTOM || f->ns == NS_OTHER;
        /* OpenDocument: its properties (meta.xml) and settings (settings.xml)
         * are fields too */
        x->odf = f->ns == NS_OFFICE;
        x->sheet = x->extract && is(f, NS_S, NM_WORKSHEET);
        x->props |= is(f, NS_OFFICE, NM_DOC_META) || is(f, NS_OFFICE, NM_DOC_SETTINGS);
    }
    int tk = x->extract ? attr_index(x, nb, a, NM_T) : -1;
    if (tk < 0 || val_is(a, tk, "n") || val_is(a, tk, "str") || val_is(a, tk, "d")) {
        f->fl |= F_TEXTISH;
    }
    struct decision dc = {.drop = -1};
    switch (x->pass) {
    case OOXML_DOC:
        doc_rules(x, at, nb, a, &dc);
        break;
    case OOXML_RELS_MODEL:
    case OOXML_CT_MODEL:
        model_rules(x, at, nb, a);
        break;
    case OOXML_RELS_WRITE:
    case OOXML_CT_WRITE:
        write_rules(x, at, nb, a, &dc);
        break;
    case OOXML_SHEETS:
        sheets_rules(x, at, nb, a);
        break;
    case OOXML_MANIFEST_MODEL:
    case OOXML_MANIFEST_WRITE:
        manifest_rules(x, at, nb, a, &dc);
        break;
    case OOXML_SST_MODEL:
    case OOXML_STYLES_MODEL:
        workbook_model_rules(x, at, nb, a);
        break;
    }
    if (x->sheet && is(f, NS_S, NM_ROW)) {
        x->rows++;
        x->col = -1;
    } else if (x->sheet && is(f, NS_S, NM_C)) {
        sheet_cell(x, nb, a);
    }
    if (x->stop) {
        xmlStopParser(x->ctxt);
        return;
    }
    if (dc.act == D_REMOVE && dc.target > 0) {
        /* a part never loses its root element */
        remove_at(x, dc.target, at - dc.target);
        if (x->stop) {
            xmlStopParser(x->ctxt);
        }
        return;
    }
    if (dc.act == D_UNWRAP && at > 0) {
        f->fl |= F_UNWRAP;
    } else if (x->emit) {
        write_start(x, f, local, prefix, nb_ns, nss, nb, a, &dc,
                    x->extract && is(f, NS_S, NM_C) && (f->fl & F_TEXTISH));
    }
    if (x->extract) {
        start_role(x, at);
    }
}

static void
on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)uri;
    struct ooxml_stream *x = ctx;
    if (x->stop) {
        return;
    }
    if (x->skipping) {
        if (x->skip > 0) {
            x->skip--;
            return;
        }
        x->skipping = false;
        x->depth--; /* the removed element ends */
        maybe_flush(x);
        return;
    }
    size_t at = x->depth - 1;
    struct frame *f = &x->st[at];
    if (x->pass == OOXML_SST_MODEL && at == 1 && x->si >= 0 && is(f, NS_S, NM_SI)) {
        x->si = -1;
        if (++x->pk->sst_n == OOXML_SST_KEEP) {
            x->enough = x->stop = true; /* the rest cannot be a header we keep */
            xmlStopParser(x->ctxt);
            return;
        }
    }
    if (x->head_cell && is(f, NS_S, NM_C)) {
        sheet_head(x);
    }
    if (x->pass == OOXML_DOC) {
        if (doc_end_rules(x, at)) {
            if (x->stop) {
                xmlStopParser(x->ctxt);
            }
            maybe_flush(x);
            return;
        }
        if (f->fl & (F_PARA | F_FIELD)) {
            para_break(x);
        }
        if (f->fl & F_ROW) {
            table_sep(x, "\n");
        }
        if (f->fl & F_TABLE) {
            table_sep(x, "\n\n");
        }
    }
    if (x->emit && !(f->fl & F_UNWRAP)) {
        if (x->open_tag) {
            put(x, &x->markup, "/>", 2);
            x->open_tag = false;
        } else {
            size_t np = len_or_0(prefix), nl = strlen((const char *)local);
            if (grow(x, &x->markup, np + nl + 4)) {
                uint8_t *w = x->markup.p + x->markup.len;
                w = copy(w, "</", 2);
                w = copy_qname(w, prefix, np, local, nl);
                *w++ = '>';
                x->markup.len = (size_t)(w - x->markup.p);
            }
        }
        if (at == 0) {
            put(x, &x->markup, "\n", 1);
        }
    }
    undo_counts(x, f);
    x->depth--;
    maybe_flush(x);
}

static int32_t
cell_slot(const struct ooxml_stream *x, size_t at)
{
    if (!is(&x->st[at], NS_S, NM_V)) {
        return -1;
    }
    const struct frame *ep = effective_parent(x, at);
    return ep != NULL ? ep->slot : -1;
}

static void
on_chars(void *ctx, const xmlChar *ch, int len)
{
    struct ooxml_stream *x = ctx;
    if (x->stop || x->skipping || x->depth == 0 || len <= 0) {
        return;
    }
    size_t at = x->depth - 1;
    struct frame *f = &x->st[at];
    f->fl |= F_ANY;
    if (x->in_defname > 0) {
        put(x, &x->dn, ch, (size_t)len);
    }
    if ((x->head_cell && f->ns == NS_S && (f->nm == NM_V || f->nm == NM_T)) ||
        (x->pass == OOXML_SST_MODEL && x->si >= 0 && is(f, NS_S, NM_T))) {
        /* a column name, or a shared string that may be one */
        char *to = x->head_cell ? x->hcap : x->pk->sst + (size_t)x->si * OOXML_HEAD_MAX;
        size_t have = x->head_cell ? x->hcap_len : strlen(to);
        size_t n =
            (size_t)len < OOXML_HEAD_MAX - 1 - have ? (size_t)len : OOXML_HEAD_MAX - 1 - have;
        memcpy(to + have, ch, n);
        to[have + n] = '\0';
        if (x->head_cell) {
            x->hcap_len = have + n;
        }
    }
    if (!x->emit) {
        return;
    }
    if (f->fl & F_TEXT) {
        add_text(x, ch, (size_t)len, cell_slot(x, at));
    } else if (f->fl & F_FIELD) {
        add_text(x, ch, (size_t)len, -1);
    } else {
        close_tag(x);
        put_esc(x, &x->markup, ch, (size_t)len, esc_text);
    }
    if (x->stop) {
        xmlStopParser(x->ctxt);
    }
}

static void
misc_node(struct ooxml_stream *x, const char *open, const char *a, const char *b, const char *close)
{
    if (x->stop || x->skipping) {
        return;
    }
    if (x->depth > 0) {
        x->st[x->depth - 1].fl |= F_ANY;
    }
    if (!x->emit) {
        return;
    }
    close_tag(x);
    puts_(x, &x->markup, open);
    puts_(x, &x->markup, a);
    if (b != NULL && b[0] != '\0') {
        put(x, &x->markup, " ", 1);
        puts_(x, &x->markup, b);
    }
    puts_(x, &x->markup, close);
    if (x->depth == 0) {
        put(x, &x->markup, "\n", 1); /* as libxml2 writes nodes outside the root */
    }
}

static void
on_comment(void *ctx, const xmlChar *value)
{
    misc_node(ctx, "<!--", (const char *)value, NULL, "-->");
}

static void
on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    misc_node(ctx, "<?", (const char *)target, (const char *)data, "?>");
}

/* ECMA-376 Part 2 (OPC) forbids DTD declarations in package XML; a DTD is
 * where external entities and entity expansion (billion laughs) live, so
 * the parse stops at its first byte instead of bounding it. */
static void
on_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name;
    (void)ext;
    (void)sys;
    struct ooxml_stream *x = ctx;
    x->dtd_seen = true;
    x->stop = true;
    xmlStopParser(x->ctxt);
}

/* No entity is ever declared (the parse stops at a DTD): a reference to one
 * is an error, as XML 1.0 4.1 (WFC: Entity Declared) wants. */
static xmlEntityPtr
on_entity(void *ctx, const xmlChar *name)
{
    (void)ctx;
    (void)name;
    return NULL;
}

/* Errors are ours to report (the part is refused), not libxml2's to print. */
static void
on_error(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* ---- the DTD cut out of the prolog ---- */

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

/* ---- one part ---- */

static const int PARSE_OPTIONS =
    /* NONET: nothing is ever fetched. NOENT decodes the predefined entities
     * and character references in attribute values too: no other entity
     * exists (the parse stops at a DTD, on_entity answers nothing). Errors
     * are ours to report. */
    XML_PARSE_NONET | XML_PARSE_NOENT | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

/* Starts a parser on the first bytes p[0, n) of the part (enough to tell
 * its encoding). */
static bool
parser_new(struct ooxml_stream *x, const uint8_t *p, size_t n)
{
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startDocument = on_start_document;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_chars;
    sax.ignorableWhitespace = on_chars;
    sax.comment = on_comment;
    sax.processingInstruction = on_pi;
    sax.internalSubset = on_dtd;
    sax.getEntity = on_entity;
    sax.serror = on_error;
    int first = n >= 4 ? 4 : 0;
    x->ctxt = xmlCreatePushParserCtxt(&sax, x, (const char *)p, first, NULL);
    if (x->ctxt == NULL) {
        return false;
    }
    xmlCtxtUseOptions(x->ctxt, PARSE_OPTIONS);
    names_init(x);
    if (n > (size_t)first) {
        xmlParseChunk(x->ctxt, (const char *)p + first, (int)(n - (size_t)first), 0);
    }
    return true;
}

static void
parser_free(struct ooxml_stream *x)
{
    if (x->ctxt != NULL) {
        xmlFreeParserCtxt(x->ctxt);
        x->ctxt = NULL;
    }
}

/* Everything of the part's output and state, for a start or a restart. */
static void
part_reset(struct ooxml_stream *x)
{
    wipe(&x->markup);
    wipe(&x->text);
    wipe(&x->dn);
    wipe(&x->prefix);
    wipe(&x->sink);
    x->n_sp = 0;
    x->depth = 0;
    x->skipping = false;
    x->skip = 0;
    x->held = x->para = x->in_defname = 0;
    x->open_tag = false;
    x->gen = 0;
    x->root_seen = x->dtd_seen = x->stop = x->failed = false;
    x->props = false;
    x->refs = x->changes = x->anchors = x->hidden = x->meta = x->notes = x->scripts = 0;
    x->odf = false;
    x->text_total = x->base_orig = 0;
    x->last = 0;
    x->cells = 0;
    x->cell_at = SIZE_MAX;
    x->ordinal = 0;
    x->sheet = x->head_cell = x->ssn_cell = x->enough = false;
    x->rows = 0;
    x->col = x->si = -1;
    x->n_xf = 0;
    memset(x->head, 0, sizeof(x->head));
    if (x->deflating) {
        scan_zip_deflate_abort(x->pk->z);
    }
    x->deflating = false;
}

/* The ids of the part's removed relationships. */
static bool
collect_rids(struct ooxml_stream *x)
{
    struct ooxml_pkg *pk = x->pk;
    x->n_rids = 0;
    for (size_t k = 0; k < pk->n_rels; k++) {
        const struct ooxml_rel *r = &pk->rels[k];
        if (r->removal == OOXML_NO_REMOVAL || pk->parts[r->rels_part].source != (long)x->part) {
            continue;
        }
        if (!scan_grow((void **)&x->rids, &x->rids_cap, x->n_rids + 1, sizeof(*x->rids))) {
            return false;
        }
        x->rids[x->n_rids++] = r->id;
    }
    return true;
}

static void
report_part(const struct ooxml_stream *x)
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
    if (x->notes > 0) {
        scan_doc_note(d, SCAN_DOC_COMMENTS_REMOVED, x->loc, "%u comments removed", x->notes);
    }
    if (x->scripts > 0) {
        scan_doc_note(d, SCAN_DOC_MACROS_REMOVED, x->loc, "%u scripts and script bindings removed",
                      x->scripts);
    }
}

/* What reading the part came to. */
enum outcome { OUT_OK = 0, OUT_READ, OUT_REFUSED, OUT_DTD_REFUSED };

/* The part's next bytes: from its zip entry, or from a flat file. */
static int
src_read(struct ooxml_stream *x, struct scan_zip_stream *zs, struct rl_diag *diag, uint8_t *buf,
         size_t cap, size_t *out_n)
{
    const struct ooxml_pkg *pk = x->pk;
    if (pk->flat_in == NULL) {
        return scan_zip_stream_read(zs, diag, buf, cap, out_n);
    }
    size_t n = pk->flat_len - x->flat_pos < cap ? pk->flat_len - x->flat_pos : cap;
    memcpy(buf, pk->flat_in + x->flat_pos, n);
    x->flat_pos += n;
    *out_n = n;
    return 0;
}

/* Reads until the DOCTYPE that stopped the parser ends, cuts it out and
 * starts again from the part's first byte. */
static enum outcome
restart_without_dtd(struct ooxml_stream *x, struct scan_zip_stream *zs, struct rl_diag *diag,
                    size_t *out_cut)
{
    size_t a = 0, b = 0;
    while (!find_doctype(x->prolog.p, x->prolog.len, &a, &b)) {
        size_t n = 0;
        if (!grow(x, &x->prolog, CHUNK)) {
            return OUT_READ;
        }
        int rc = src_read(x, zs, diag, x->prolog.p + x->prolog.len, CHUNK, &n);
        if (rc != 0) {
            x->over_limit = rc == RL_ELIMIT;
            return OUT_READ;
        }
        if (n == 0) {
            return OUT_DTD_REFUSED; /* it does not end */
        }
        x->prolog.len += n;
    }
    *out_cut = b - a;
    parser_free(x);
    part_reset(x);
    /* the prolog without its DTD, then whatever followed it */
    struct buf cut = {0};
    put(x, &cut, x->prolog.p, a);
    put(x, &cut, x->prolog.p + b, x->prolog.len - b);
    wipe(&x->prolog);
    x->retain = false;
    bool ok = x->err == 0 && parser_new(x, cut.p, cut.len);
    wipe(&cut);
    free(cut.p);
    if (!ok) {
        x->err = RL_ENOMEM;
        return OUT_READ;
    }
    return OUT_OK;
}

/* Streams the entry through the parser. */
static enum outcome
read_part(struct ooxml_stream *x, struct scan_zip_stream *zs, struct rl_diag *diag, size_t *out_cut)
{
    bool started = false;
    for (;;) {
        size_t n = 0;
        int rc = src_read(x, zs, diag, x->chunk, CHUNK, &n);
        if (rc != 0) {
            x->over_limit = rc == RL_ELIMIT;
            return OUT_READ;
        }
        if (x->retain) {
            put(x, &x->prolog, x->chunk, n);
        }
        if (!started) {
            started = true;
            if (!parser_new(x, x->chunk, n)) {
                x->err = RL_ENOMEM;
                return OUT_READ;
            }
        } else if (n > 0) {
            xmlParseChunk(x->ctxt, (const char *)x->chunk, (int)n, 0);
        }
        if (n == 0) {
            xmlParseChunk(x->ctxt, NULL, 0, 1);
        }
        if (x->dtd_seen) {
            if (*out_cut != 0) {
                return OUT_DTD_REFUSED; /* a second DTD */
            }
            enum outcome o = restart_without_dtd(x, zs, diag, out_cut);
            if (o != OUT_OK) {
                return o;
            }
            continue;
        }
        if (x->stop || x->err != 0) {
            return x->enough && x->err == 0 ? OUT_OK : OUT_REFUSED;
        }
        if (n == 0) {
            return x->ctxt->wellFormed && x->root_seen && x->depth == 0 ? OUT_OK : OUT_REFUSED;
        }
    }
}

static int
stream_part(struct ooxml_stream *x, struct ooxml_pkg *pk, size_t i, enum ooxml_pass pass)
{
    struct scan_doc *d = pk->d;
    x->pk = pk;
    x->part = i;
    x->pass = pass;
    x->emit = pass == OOXML_DOC || pass == OOXML_RELS_WRITE || pass == OOXML_CT_WRITE ||
              pass == OOXML_MANIFEST_WRITE;
    x->extract = pass == OOXML_DOC && d->pol->documents.redact;
    x->wb = pass == OOXML_DOC && pk->n_gone_sheets > 0 && (long)i == pk->main_part;
    x->noted_scan = x->noted_survivor = false;
    x->over_limit = false;
    x->deflating = false;
    x->err = 0;
    ooxml_loc(pk, x->loc, sizeof(x->loc), pk->parts[i].name);
    part_reset(x);
    /* a writing pass writes whatever it reads */
    x->modified =
        pass == OOXML_RELS_WRITE || pass == OOXML_CT_WRITE || pass == OOXML_MANIFEST_WRITE;
    x->retain = true;
    if ((pass == OOXML_DOC || pass == OOXML_SHEETS) && !collect_rids(x)) {
        return pk->err = RL_ENOMEM;
    }
    if (x->chunk == NULL && (x->chunk = malloc(CHUNK)) == NULL) {
        return pk->err = RL_ENOMEM;
    }
    struct scan_zip_stream zs = {0};
    struct rl_diag diag = {{0}, {0}};
    size_t cut = 0;
    enum outcome o = OUT_READ;
    x->flat_pos = 0;
    if (pk->flat_in != NULL || scan_zip_stream_open(pk->z, &diag, &zs, i) == 0) {
        o = read_part(x, &zs, &diag, &cut);
    }
    if (pk->flat_in == NULL) {
        scan_zip_stream_close(&zs);
    }
    if (o == OUT_OK && x->emit) {
        flush(x);
        o = x->err != 0 ? OUT_READ : OUT_OK;
    }
    parser_free(x);
    if (o == OUT_OK && cut != 0) {
        x->modified |= x->emit;
        if (!pk->parts[i].dtd_removed) { /* a part read twice says it once */
            scan_doc_note(d, SCAN_DOC_DTD_REMOVED, x->loc,
                          "DTD removed (%zu bytes; none of its entities was used)", cut);
        }
        pk->parts[i].dtd_removed = true;
    }
    if (o == OUT_OK && pass == OOXML_DOC) {
        report_part(x);
    }
    if (o == OUT_OK && x->modified && x->emit && pk->flat_in != NULL) {
        pk->flat_out = x->sink.p; /* handed over */
        pk->flat_out_len = x->sink.len;
        x->sink = (struct buf){0};
    } else if (o == OUT_OK && x->modified && x->emit) {
        if (!x->deflating) {
            int rc = scan_zip_deflate_begin(pk->z);
            rc = rc == 0 ? scan_zip_deflate_feed(pk->z, x->prefix.p, x->prefix.len) : rc;
            x->deflating = rc == 0;
            x->err = rc;
        }
        if (x->err == 0) {
            x->err = scan_zip_deflate_replace(pk->z, i);
            x->deflating = false;
        }
    }
    if (x->err == RL_ENOMEM) {
        pk->err = RL_ENOMEM;
    } else if (o == OUT_READ) {
        scan_doc_note(d, x->over_limit ? SCAN_DOC_LIMIT : SCAN_DOC_UNREADABLE, x->loc, "%s",
                      diag.reason[0] ? diag.reason : "entry cannot be read");
    } else if (o == OUT_DTD_REFUSED) {
        pk->dtd_refused = true;
        note(x, SCAN_DOC_XML_REFUSED,
             "XML part has a DTD that cannot be cut out: refused, never passed on");
    } else if (o == OUT_REFUSED && x->failed) {
        note(x, SCAN_DOC_XML_REFUSED,
             "XML part removes an element whose start was already written: refused");
    } else if (o == OUT_REFUSED && cut != 0) {
        pk->dtd_refused = true;
        note(x, SCAN_DOC_XML_REFUSED,
             "XML part has a DTD whose entities it uses: refused, never passed on");
    } else if (o == OUT_REFUSED) {
        note(x, SCAN_DOC_XML_REFUSED, "XML part is not well-formed");
    }
    pk->refused |= o != OUT_OK;
    part_reset(x);
    wipe(&x->prolog);
    wipe(&x->flat);
    return pk->err;
}

int
ooxml_stream_part(struct ooxml_pkg *pk, size_t i, enum ooxml_pass pass)
{
    struct scan_doc *d = pk->d;
    if (d->xs == NULL && (d->xs = calloc(1, sizeof(*d->xs))) == NULL) {
        return pk->err = RL_ENOMEM;
    }
    return stream_part(d->xs, pk, i, pass);
}

size_t
ooxml_stream_bytes(const struct ooxml_stream *x)
{
    if (x == NULL) {
        return 0;
    }
    const struct buf *bufs[] = {&x->markup, &x->text, &x->dn,     &x->flat,
                                &x->prefix, &x->red,  &x->prolog, &x->sink};
    size_t n = x->chunk != NULL ? CHUNK : 0;
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        n += bufs[i]->cap;
    }
    return n + x->sp_cap * sizeof(*x->sp) + x->inf_cap * sizeof(*x->inf) +
           x->rids_cap * sizeof(*x->rids) + x->st_cap * sizeof(*x->st);
}

void
ooxml_stream_free(struct ooxml_stream *x)
{
    if (x == NULL) {
        return;
    }
    struct buf *bufs[] = {&x->markup, &x->text, &x->dn,     &x->flat,
                          &x->prefix, &x->red,  &x->prolog, &x->sink};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        wipe(bufs[i]);
        free(bufs[i]->p);
    }
    free(x->chunk);
    free(x->sp);
    free(x->inf);
    free(x->rids);
    free(x->st);
    free(x);
}
