/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the document rewriter (scan_doc.c, scan_ooxml.c): text
 * split across runs, shared and inline strings, slides, headers, comments
 * found and masked in place; macros, ActiveX, embedded objects, external
 * links, comments, tracked changes, hidden text and metadata removed by
 * policy; XXE, billion laughs, zip bombs, deep nesting, corrupt and
 * encrypted archives refused with a clear action. Every rewritten file is
 * re-opened by libzip and each XML part parsed by libxml2. Single-threaded
 * cmocka runner; run from the source root (RL_CORPUS names the corpus). */
#include "doc_fixture.h"
#include "internal.h"
#include "mime_codec.h"
#include "rl_error.h"
#include "scan_doc.h"
#include "scan_engine.h"
#include "scan_message.h"
#include "scan_policy.h"

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define NS_W "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG_REL "http://schemas.openxmlformats.org/package/2006/relationships"
#define NS_CT "http://schemas.openxmlformats.org/package/2006/content-types"
#define REL_T NS_REL "/"
#define W_ROOT "<w:document xmlns:w=\"" NS_W "\" xmlns:r=\"" NS_REL "\"><w:body>"
#define W_END "</w:body></w:document>"
#define CT_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
#define CT_DOCM "application/vnd.ms-word.document.macroEnabled.main+xml"
#define CARD "4111 1111 1111 1111"

static const struct scan_doc_result *
rewrite(struct env *e, const uint8_t *p, size_t len, const char *type, const char *name)
{
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e->doc, &r, p, len, type, name), 0);
    assert_non_null(r);
    if (r->modified && r->kind != SCAN_DOC_ODF) { /* a flat file is checked by its test */
        fx_check_package(r->out, r->out_len);
    }
    return r;
}

/* A word document: body XML, extra relationships of document.xml, extra
 * content type overrides and extra entries. */
static const char *core_override;
/* When set, docx() puts `dtd_text` into the part named `dtd_part`, after
 * its XML declaration. */
static const char *dtd_part, *dtd_text;

static uint8_t *
docx(size_t *len, const char *main_ct, const char *body, const char *rels, const char *ct_extra,
     const struct fx_entry *extra, size_t n_extra)
{
    static char ct[4096], doc[16384], drels[4096];
    snprintf(ct, sizeof(ct),
             XML_DECL
             "<Types xmlns=\"" NS_CT "\">"
             "<Default Extension=\"rels\" "
             "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
             "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
             "<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/>"
             "<Override PartName=\"/word/document.xml\" ContentType=\"%s\"/>"
             "<Override PartName=\"/docProps/core.xml\" "
             "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
             "%s</Types>",
             main_ct, ct_extra);
    snprintf(doc, sizeof(doc), XML_DECL W_ROOT "%s" W_END, body);
    snprintf(drels, sizeof(drels),
             XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">%s</Relationships>", rels);
    static const char root_rels[] =
        XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">"
                 "<Relationship Id=\"rId1\" Type=\"" REL_T "officeDocument\" "
                 "Target=\"word/document.xml\"/>"
                 "<Relationship Id=\"rId2\" "
                 "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                 "core-properties\" Target=\"docProps/core.xml\"/></Relationships>";
    static const char core[] =
        XML_DECL "<cp:coreProperties "
                 "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/"
                 "core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
                 "<dc:title>Quarterly figures</dc:title><dc:creator>Alice Author</dc:creator>"
                 "<cp:lastModifiedBy>Bob Editor</cp:lastModifiedBy></cp:coreProperties>";
    struct fx_entry e[16] = {
        {"[Content_Types].xml", ct, 0, false},
        {"_rels/.rels", root_rels, 0, false},
        {"word/document.xml", doc, 0, false},
        {"word/_rels/document.xml.rels", drels, 0, false},
        {"docProps/core.xml", core_override != NULL ? core_override : core, 0, false},
    };
    size_t n = 5;
    for (size_t i = 0; i < n_extra && n < 16; i++) {
        e[n++] = extra[i];
    }
    static char with_dtd[16384];
    for (size_t i = 0; i < n && dtd_part != NULL; i++) {
        if (strcmp(e[i].name, dtd_part) == 0) {
            const char *rest = (const char *)e[i].data + strlen(XML_DECL);
            snprintf(with_dtd, sizeof(with_dtd), XML_DECL "%s%s", dtd_text, rest);
            e[i].data = with_dtd;
        }
    }
    return fx_zip(e, n, len);
}

/* docx() with its core properties part replaced by `core`. */
static uint8_t *
docx_with_core(size_t *len, const char *core)
{
    core_override = core;
    uint8_t *p = docx(len, CT_DOCX, "<w:p/>", "", "", NULL, 0);
    core_override = NULL;
    return p;
}

/* The text of every w:t in `xml`, concatenated. */
static void
w_text(char *out, size_t cap, const char *xml)
{
    size_t o = 0;
    for (const char *p = xml; (p = strstr(p, "<w:t")) != NULL;) {
        p += 4;
        if (*p != '>' && *p != ' ') {
            continue;
        }
        p = strchr(p, '>') + 1;
        const char *end = strstr(p, "</w:t>");
        size_t n = (size_t)(end - p);
        if (o + n + 1 < cap) {
            memcpy(out + o, p, n);
            o += n;
        }
        p = end;
    }
    out[o] = '\0';
}

/* ---- text: detection across runs and parts, redaction in place ---- */

static void
test_docx_split_runs_redacted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const char *body = "<w:p><w:r><w:t xml:space=\"preserve\">Card: 4111 11</w:t></w:r>"
                       "<w:r><w:rPr><w:b/></w:rPr><w:t>11 1111 </w:t></w:r>"
                       "<w:r><w:t>1111 &amp; more</w:t></w:r></w:p>"
                       "<w:p><w:r><w:t>Plain words only.</w:t></w:r></w:p>";
    const char *rels =
        "<Relationship Id=\"rId7\" Type=\"" REL_T "header\" Target=\"header1.xml\"/>";
    const char *hdr = XML_DECL "<w:hdr xmlns:w=\"" NS_W "\"><w:p><w:r><w:t>mail jo.smith@</w:t>"
                               "</w:r><w:r><w:t>example.com now</w:t></w:r></w:p></w:hdr>";
    const struct fx_entry extra[] = {{"word/header1.xml", hdr, 0, false}};
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, body, rels, "", extra, 1);
    const struct scan_doc_result *r = rewrite(&e, in, len, "application/octet-stream", "f.docx");
    assert_int_equal(r->kind, SCAN_DOC_OOXML);
    assert_true(r->modified);
    assert_false(r->unreadable || r->failed);
    assert_int_equal(r->n_findings, 2);
    assert_string_equal(r->findings[0].location, "word/document.xml");
    assert_int_equal(r->findings[0].f.type, SCAN_T_CREDIT_CARD);
    assert_int_equal(r->findings[0].f.start, 6); /* "Card: " */
    assert_int_equal(r->findings[0].f.end, 6 + strlen(CARD));
    assert_string_equal(r->findings[1].location, "word/header1.xml");
    assert_int_equal(r->findings[1].f.type, SCAN_T_EMAIL);
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    char text[512];
    w_text(text, sizeof(text), doc);
    /* Each run keeps its own share of the masked number; the rest is intact. */
    assert_string_equal(text, "Card: **** **** **** 1111 &amp; morePlain words only.");
    assert_non_null(strstr(doc, "<w:t xml:space=\"preserve\">Card: **** **</w:t>"));
    assert_non_null(strstr(doc, "<w:b/></w:rPr><w:t>** **** </w:t>"));
    char *h = fx_entry_text(r->out, r->out_len, "word/header1.xml");
    assert_null(strstr(h, "smith"));
    assert_null(strstr(h, "example.com"));
    free(h);
    free(doc);
    free(in);
    env_fini(&e);
}

/* Values Word keeps in attributes and shows: document variables (filled in
 * by templates, shown by DOCVARIABLE fields) and a text form field's
 * default; masked in place, quotes and ampersands escaped as before. */
static void
test_docx_attribute_values(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const char *body = "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:textInput>"
                       "<w:default w:val=\"SSN 536-22-8471\"/></w:textInput></w:ffData>"
                       "</w:fldChar></w:r><w:r><w:t>Form</w:t></w:r></w:p>";
    const char *settings =
        XML_DECL "<w:settings xmlns:w=\"" NS_W "\"><w:docVars>"
                 "<w:docVar w:name=\"client\" w:val=\"A &amp; B &quot;4111 1111 1111 1111&quot;\"/>"
                 "<w:docVar w:name=\"ref\" w:val=\"12\"/></w:docVars></w:settings>";
    const struct fx_entry extra[] = {{"word/settings.xml", settings, 0, false}};
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, body, "", "", extra, 1);
    const struct scan_doc_result *r = rewrite(&e, in, len, "application/octet-stream", "f.docx");
    assert_int_equal(r->kind, SCAN_DOC_OOXML);
    assert_false(r->unreadable || r->failed);
    assert_int_equal(r->n_findings, 2);
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_non_null(strstr(doc, "<w:default w:val=\"SSN ***-**-****\"/>"));
    char *set = fx_entry_text(r->out, r->out_len, "word/settings.xml");
    assert_non_null(strstr(set, "w:val=\"A &amp; B &quot;**** **** **** 1111&quot;\"/>"
                                "<w:docVar w:name=\"ref\" w:val=\"12\"/>"));
    free(set);
    free(doc);
    free(in);
    env_fini(&e);
}

/* A Word table reads as Word copies it: a tab between cells, a line between
 * rows, whatever paragraphs the cells hold. The header row names the bare
 * numbers under it, a card typed into four cells is one, and a negative
 * word in a paragraph after the table does not reach into it. */
static void
test_docx_table_read_as_copied(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
#define TC(t) "<w:tc><w:tcPr/><w:p><w:r><w:t>" t "</w:t></w:r></w:p></w:tc>"
    const char *body =
        "<w:p><w:r><w:t>Staff list</w:t></w:r></w:p><w:tbl><w:tblPr/>"
        "<w:tr>" TC("Name") TC("SSN") TC(
            "Phone") "</w:tr>"
                     "<w:tr>" TC("Jo Smith") TC(
                         "536228471") "<w:tc><w:p/><w:p><w:r><w:t>"
                                      "2125550132</w:t></w:r></w:p></w:tc></w:tr>"
                                      "<w:tr>" TC("Card") TC("4111") TC(
                                          "1111") "</w:tr></w:tbl>"
                                                  "<w:tbl><w:tr>" TC("4111") TC("1111") TC("1111")
                                                      TC("1111") "</w:tr></w:tbl>"
                                                                 "<w:p><w:r><w:t>Ticket 536228471 "
                                                                 "closed.</w:t></w:r></w:p>";
#undef TC
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, body, "", "", NULL, 0);
    const struct scan_doc_result *r = rewrite(&e, in, len, "application/octet-stream", "t.docx");
    assert_true(r->modified);
    assert_int_equal(r->n_findings, 3);
    assert_int_equal(r->findings[0].f.type, SCAN_T_US_SSN);
    assert_int_equal(r->findings[1].f.type, SCAN_T_PHONE);
    assert_int_equal(r->findings[2].f.type, SCAN_T_CREDIT_CARD);
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    char text[512];
    w_text(text, sizeof(text), doc);
    assert_string_equal(text, "Staff listNameSSNPhoneJo Smith*******************Card41111111"
                              "************1111Ticket 536228471 closed.");
    free(doc);
    free(in);
    env_fini(&e);
}

static void
test_xlsx_strings_redacted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const char ct[] =
        XML_DECL "<Types xmlns=\"" NS_CT "\"><Default Extension=\"rels\" "
                 "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                 "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                 "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
                 "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>";
    static const char rels[] = XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\"><Relationship "
                                        "Id=\"rId1\" Type=\"" REL_T "officeDocument\" "
                                        "Target=\"xl/workbook.xml\"/></Relationships>";
#define NS_S "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static const char wb[] = XML_DECL "<workbook xmlns=\"" NS_S "\" xmlns:r=\"" NS_REL "\">"
                                      "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"
                                      "</sheets></workbook>";
    static const char wbrels[] =
        XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">"
                 "<Relationship Id=\"rId1\" Type=\"" REL_T "worksheet\" Target=\"sheet1.xml\"/>"
                 "<Relationship Id=\"rId2\" Type=\"" REL_T "sharedStrings\" "
                 "Target=\"sharedStrings.xml\"/></Relationships>";
    static const char sst[] = XML_DECL "<sst xmlns=\"" NS_S "\" count=\"2\" uniqueCount=\"2\">"
                                       "<si><t>pay 4111111111111111 now</t></si>"
                                       "<si><r><t>jo.smith@exa</t></r><r><rPr><b/></rPr>"
                                       "<t>mple.com</t></r></si></sst>";
    static const char sheet[] =
        XML_DECL "<worksheet xmlns=\"" NS_S "\"><sheetData><row r=\"1\">"
                 "<c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
                 "<c r=\"C1\" t=\"inlineStr\"><is><t>card 5500 0000 0000 0004</t></is></c>"
                 "<c r=\"D1\"><v>4111111111111111</v></c><c r=\"E1\"><v>42</v></c>"
                 "<c r=\"F1\" t=\"str\"><f>\"IBAN \"&amp;\"GB82 WEST 1234 5698 7654 32\"</f>"
                 "<v>IBAN GB82 WEST 1234 5698 7654 32</v></c><c r=\"G1\"><f>SUM(A1:A9)</f>"
                 "<v>4</v></c>"
                 "</row></sheetData></worksheet>";
    /* a pivot cache's copy of the cells: string items in v attributes */
    static const char pivot[] =
        XML_DECL "<pivotCacheRecords xmlns=\"" NS_S "\" count=\"1\"><r>"
                 "<s v=\"A &amp; &quot;4111 1111 1111 1111&quot;\"/><n v=\"7\"/>"
                 "</r></pivotCacheRecords>";
    /* data of a vocabulary of its own (what content controls bind to) */
    static const char custom[] = XML_DECL "<form xmlns=\"urn:example:form\"><id>12</id>"
                                          "<card>4929 1111 1111 1113</card></form>";
    const struct fx_entry ents[] = {
        {"[Content_Types].xml", ct, 0, false},
        {"_rels/.rels", rels, 0, false},
        {"xl/workbook.xml", wb, 0, false},
        {"xl/_rels/workbook.xml.rels", wbrels, 0, false},
        {"xl/sharedStrings.xml", sst, 0, false},
        {"xl/sheet1.xml", sheet, 0, false},
        {"xl/pivotCache/pivotCacheRecords1.xml", pivot, 0, false},
        {"customXml/item1.xml", custom, 0, false},
    };
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 8, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "book.xlsx");
    assert_int_equal(r->kind, SCAN_DOC_OOXML);
    assert_non_null(strstr(r->true_type, "spreadsheetml.sheet"));
    assert_int_equal(r->n_findings, 8);
    char *cx = fx_entry_text(r->out, r->out_len, "customXml/item1.xml");
    assert_non_null(strstr(cx, "<id>12</id><card>**** **** **** 1113</card>"));
    free(cx);
    char *pc = fx_entry_text(r->out, r->out_len, "xl/pivotCache/pivotCacheRecords1.xml");
    assert_non_null(strstr(pc, "<s v=\"A &amp; &quot;**** **** **** 1111&quot;\"/><n v=\"7\"/>"));
    free(pc);
    char *s = fx_entry_text(r->out, r->out_len, "xl/sharedStrings.xml");
    assert_non_null(strstr(s, "<t>pay ************1111 now</t>"));
    assert_null(strstr(s, "smith"));
    char *w = fx_entry_text(r->out, r->out_len, "xl/sheet1.xml");
    /* Cells are read as paragraphs (a blank line apart), so two numbers in
     * adjacent cells are two findings, each keeping its last digits. */
    assert_non_null(strstr(w, "<t>card **** **** **** 0004</t>"));
    /* the masked number is a string cell now; the other number is left */
    assert_non_null(strstr(w, "<c r=\"D1\" t=\"str\"><v>************1111</v></c>"));
    assert_non_null(strstr(w, "<c r=\"E1\"><v>42</v></c>"));
    /* a formula's literal is masked with the value it computed */
    assert_non_null(strstr(w, "<f>\"IBAN \"&amp;\"**** **** **** **** **** **\"</f>"
                              "<v>IBAN **** **** **** **** **** **</v>"));
    assert_non_null(strstr(w, "<c r=\"G1\"><f>SUM(A1:A9)</f><v>4</v></c>"));
    assert_non_null(strstr(w, "<c r=\"A1\" t=\"s\"><v>0</v></c>"));
    free(s);
    free(w);
    free(in);
    env_fini(&e);
}

static void
test_pptx_slide_redacted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
#define NS_A "http://schemas.openxmlformats.org/drawingml/2006/main"
#define NS_P "http://schemas.openxmlformats.org/presentationml/2006/main"
    static const char ct[] =
        XML_DECL "<Types xmlns=\"" NS_CT "\"><Default Extension=\"rels\" "
                 "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                 "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                 "<Override PartName=\"/ppt/presentation.xml\" ContentType=\"application/"
                 "vnd.ms-powerpoint.presentation.macroEnabled.main+xml\"/></Types>";
    static const char rels[] = XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\"><Relationship "
                                        "Id=\"rId1\" Type=\"" REL_T "officeDocument\" "
                                        "Target=\"ppt/presentation.xml\"/></Relationships>";
    static const char pres[] = XML_DECL "<p:presentation xmlns:p=\"" NS_P "\"/>";
    static const char prels[] =
        XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">"
                 "<Relationship Id=\"rId1\" Type=\"" REL_T "slide\" Target=\"slides/slide1.xml\"/>"
                 "<Relationship Id=\"rId9\" Type=\"" REL_T "vbaProject\" "
                 "Target=\"vbaProject.bin\"/></Relationships>";
    static const char slide[] =
        XML_DECL "<p:sld xmlns:p=\"" NS_P "\" xmlns:a=\"" NS_A "\"><p:cSld><p:spTree><p:sp>"
                 "<p:txBody><a:p><a:r><a:t>IBAN GB82 WEST </a:t></a:r><a:r><a:t>1234 5698 "
                 "7654 32</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>";
    const struct fx_entry ents[] = {
        {"[Content_Types].xml", ct, 0, false},
        {"_rels/.rels", rels, 0, false},
        {"ppt/presentation.xml", pres, 0, false},
        {"ppt/_rels/presentation.xml.rels", prels, 0, false},
        {"ppt/slides/slide1.xml", slide, 0, false},
        {"ppt/vbaProject.bin", "\xd0\xcf\x11\xe0 not really OLE", 0, false},
    };
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 6, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "deck.pptm");
    assert_int_equal(r->kind, SCAN_DOC_OOXML);
    assert_int_equal(r->n_findings, 1);
    assert_int_equal(r->findings[0].f.type, SCAN_T_IBAN);
    char *s = fx_entry_text(r->out, r->out_len, "ppt/slides/slide1.xml");
    assert_null(strstr(s, "WEST"));
    assert_null(strstr(s, "5698"));
    assert_null(fx_entry_text(r->out, r->out_len, "ppt/vbaProject.bin"));
    assert_non_null(r->renamed_to);
    assert_string_equal(r->renamed_from->ext, "pptm");
    assert_string_equal(r->renamed_to->ext, "pptx");
    char *c = fx_entry_text(r->out, r->out_len, "[Content_Types].xml");
    assert_non_null(strstr(c, "presentationml.presentation.main+xml"));
    assert_null(strstr(c, "macroEnabled"));
    free(c);
    free(s);
    free(in);
    env_fini(&e);
}

/* ---- sanitisation by policy ---- */

static void
test_docm_macros_removed(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const char *rels = "<Relationship Id=\"rId3\" "
                       "Type=\"http://schemas.microsoft.com/office/2006/relationships/vbaProject\" "
                       "Target=\"vbaProject.bin\"/>";
    static const char vrels[] =
        XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\"><Relationship Id=\"rId1\" "
                 "Type=\"http://schemas.microsoft.com/office/2006/relationships/wordVbaData\" "
                 "Target=\"vbaData.xml\"/></Relationships>";
    static const char vdata[] = XML_DECL
        "<wne:vbaSuppData xmlns:wne=\"http://schemas.microsoft.com/office/word/2006/wordml\"/>";
    const struct fx_entry extra[] = {
        {"word/vbaProject.bin", "\xd0\xcf\x11\xe0 VBA", 0, false},
        {"word/_rels/vbaProject.bin.rels", vrels, 0, false},
        {"word/vbaData.xml", vdata, 0, false},
    };
    const char *ct_extra = "<Override PartName=\"/word/vbaData.xml\" "
                           "ContentType=\"application/vnd.ms-word.vbaData+xml\"/>";
    size_t len = 0;
    uint8_t *in =
        docx(&len, CT_DOCM, "<w:p><w:r><w:t>hello</w:t></w:r></w:p>", rels, ct_extra, extra, 3);
    const struct scan_doc_result *r =
        rewrite(&e, in, len, "application/vnd.ms-word.document.macroEnabled.12", "m.docm");
    assert_true(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_MACROS_REMOVED), 2); /* project and its data */
    assert_int_equal(count_actions(r, SCAN_DOC_RENAMED), 1);
    assert_int_equal(count_actions(r, SCAN_DOC_TYPE_MISMATCH), 0);
    assert_string_equal(r->renamed_to->ext, "docx");
    assert_string_equal(r->renamed_to->media_type,
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assert_null(fx_entry_text(r->out, r->out_len, "word/vbaProject.bin"));
    assert_null(fx_entry_text(r->out, r->out_len, "word/_rels/vbaProject.bin.rels"));
    assert_null(fx_entry_text(r->out, r->out_len, "word/vbaData.xml"));
    char *ct = fx_entry_text(r->out, r->out_len, "[Content_Types].xml");
    assert_non_null(strstr(ct, CT_DOCX));
    assert_null(strstr(ct, "vbaData"));
    assert_null(strstr(ct, "macroEnabled"));
    char *dr = fx_entry_text(r->out, r->out_len, "word/_rels/document.xml.rels");
    assert_null(strstr(dr, "vbaProject"));
    free(ct);
    free(dr);
    free(in);
    env_fini(&e);
}

#define COMMENT_BODY                                                                               \
    "<w:p><w:commentRangeStart w:id=\"0\"/><w:r><w:t>Reviewed text</w:t></w:r>"                    \
    "<w:commentRangeEnd w:id=\"0\"/><w:r><w:commentReference w:id=\"0\"/></w:r></w:p>"
#define COMMENTS_XML                                                                               \
    XML_DECL "<w:comments xmlns:w=\"" NS_W "\"><w:comment w:id=\"0\" w:author=\"Carol\">"          \
             "<w:p><w:r><w:t>call me at carol@example.com</w:t></w:r></w:p></w:comment>"           \
             "</w:comments>"

static uint8_t *
commented_docx(size_t *len)
{
    const char *rels =
        "<Relationship Id=\"rId4\" Type=\"" REL_T "comments\" Target=\"comments.xml\"/>"
        "<Relationship Id=\"rId5\" Type=\"http://schemas.microsoft.com/office/2011/relationships/"
        "people\" Target=\"people.xml\"/>";
    static const char people[] =
        XML_DECL "<w15:people xmlns:w15=\"http://schemas.microsoft.com/office/word/2012/wordml\">"
                 "<w15:person w15:author=\"Carol\"/></w15:people>";
    const struct fx_entry extra[] = {{"word/comments.xml", COMMENTS_XML, 0, false},
                                     {"word/people.xml", people, 0, false}};
    const char *ct_extra = "<Override PartName=\"/word/comments.xml\" ContentType=\"application/"
                           "vnd.openxmlformats-officedocument.wordprocessingml.comments+xml\"/>";
    return docx(len, CT_DOCX, COMMENT_BODY, rels, ct_extra, extra, 2);
}

static void
test_comments_removed(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *in = commented_docx(&len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "c.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_COMMENTS_REMOVED), 3); /* 2 parts, 1 anchors */
    assert_int_equal(r->n_findings, 0); /* the comment's address went with it */
    assert_null(fx_entry_text(r->out, r->out_len, "word/comments.xml"));
    assert_null(fx_entry_text(r->out, r->out_len, "word/people.xml"));
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_null(strstr(doc, "comment"));
    assert_non_null(strstr(doc, "Reviewed text"));
    char *ct = fx_entry_text(r->out, r->out_len, "[Content_Types].xml");
    assert_null(strstr(ct, "comments"));
    free(ct);
    free(doc);
    free(in);
    env_fini(&e);
}

static void
test_comments_kept_are_redacted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"remove_comments\": false}}");
    size_t len = 0;
    uint8_t *in = commented_docx(&len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "c.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_COMMENTS_REMOVED), 0);
    assert_int_equal(r->n_findings, 1);
    assert_string_equal(r->findings[0].location, "word/comments.xml");
    char *c = fx_entry_text(r->out, r->out_len, "word/comments.xml");
    assert_null(strstr(c, "carol@"));
    assert_non_null(strstr(c, "call me at "));
    free(c);
    free(in);
    env_fini(&e);
}

#define TRACKED_BODY                                                                               \
    "<w:p><w:r><w:t xml:space=\"preserve\">Kept </w:t></w:r>"                                      \
    "<w:ins w:id=\"1\" w:author=\"Dan\"><w:r><w:t>inserted</w:t></w:r></w:ins>"                    \
    "<w:del w:id=\"2\" w:author=\"Dan\"><w:r><w:delText>card 4111 1111 1111 1111</w:delText>"      \
    "</w:r></w:del><w:r><w:rPr><w:b/><w:rPrChange w:id=\"3\" w:author=\"Dan\"><w:rPr/>"            \
    "</w:rPrChange></w:rPr><w:t> end</w:t></w:r></w:p>"

static void
test_tracked_changes_accepted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, TRACKED_BODY, "", "", NULL, 0);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "t.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_CHANGES_ACCEPTED), 1);
    assert_int_equal(r->n_findings, 0); /* the deleted card went with the deletion */
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    char text[256];
    w_text(text, sizeof(text), doc);
    assert_string_equal(text, "Kept inserted end");
    assert_null(strstr(doc, "w:ins"));
    assert_null(strstr(doc, "w:del"));
    assert_null(strstr(doc, "Dan"));
    free(doc);
    free(in);
    env_fini(&e);
}

static void
test_tracked_changes_kept_are_redacted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"accept_changes\": false}}");
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, TRACKED_BODY, "", "", NULL, 0);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "t.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_CHANGES_ACCEPTED), 0);
    assert_int_equal(r->n_findings, 1);
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    /* this policy keeps no digits clear (keep_last is the built-in's) */
    assert_non_null(strstr(doc, "<w:delText>card **** **** **** ****</w:delText>"));
    free(doc);
    free(in);
    env_fini(&e);
}

static void
test_hidden_text(void **state)
{
    (void)state;
    const char *body = "<w:p><w:r><w:t>Seen</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr>"
                       "<w:t>secret plan</w:t></w:r><w:r><w:rPr><w:vanish w:val=\"0\"/></w:rPr>"
                       "<w:t> also seen</w:t></w:r></w:p>";
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, body, "", "", NULL, 0);
    struct env e;
    env_init(&e, NULL); /* default: hidden text stays (scanned all the same) */
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "h.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_HIDDEN_REMOVED), 0);
    env_fini(&e);
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"remove_hidden\": true}}");
    r = rewrite(&e, in, len, "", "h.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_HIDDEN_REMOVED), 1);
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    char text[256];
    w_text(text, sizeof(text), doc);
    assert_string_equal(text, "Seen also seen");
    free(doc);
    free(in);
    env_fini(&e);
}

static uint8_t *
linked_docx(size_t *len)
{
    const char *body = "<w:p><w:hyperlink r:id=\"rId8\"><w:r><w:t>write to us</w:t></w:r>"
                       "</w:hyperlink><w:r><w:object><w:control r:id=\"rId9\" w:name=\"B\"/>"
                       "</w:object></w:r></w:p>";
    const char *rels =
        "<Relationship Id=\"rId8\" Type=\"" REL_T "hyperlink\" "
        "Target=\"mailto:erin.jones@example.com\" TargetMode=\"External\"/>"
        "<Relationship Id=\"rId9\" Type=\"" REL_T "control\" Target=\"activeX/activeX1.xml\"/>"
        "<Relationship Id=\"rId10\" Type=\"" REL_T "oleObject\" "
        "Target=\"file:///C:/evil.doc\" TargetMode=\"External\"/>";
    static const char ax[] = XML_DECL "<ax:ocx xmlns:ax=\"http://schemas.microsoft.com/office/2006/"
                                      "activeX\" ax:classid=\"{0}\"/>";
    static const char axrels[] =
        XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\"><Relationship Id=\"rId1\" "
                 "Type=\"http://schemas.microsoft.com/office/2006/relationships/"
                 "activeXControlBinary\" Target=\"activeX1.bin\"/></Relationships>";
    const struct fx_entry extra[] = {{"word/activeX/activeX1.xml", ax, 0, false},
                                     {"word/activeX/_rels/activeX1.xml.rels", axrels, 0, false},
                                     {"word/activeX/activeX1.bin", "binary", 0, false}};
    return docx(len, CT_DOCX, body, rels, "", extra, 3);
}

static void
test_external_activex_removed(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *in = linked_docx(&len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "l.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_EXTERNAL_REMOVED), 1); /* the OLE link */
    assert_int_equal(count_actions(r, SCAN_DOC_ACTIVEX_REMOVED), 2);  /* control and binary */
    assert_null(fx_entry_text(r->out, r->out_len, "word/activeX/activeX1.xml"));
    assert_null(fx_entry_text(r->out, r->out_len, "word/activeX/activeX1.bin"));
    char *rels = fx_entry_text(r->out, r->out_len, "word/_rels/document.xml.rels");
    assert_null(strstr(rels, "evil"));
    assert_null(strstr(rels, "activeX"));
    /* the hyperlink stays by default, its address masked like the text's */
    assert_non_null(strstr(rels, "mailto:"));
    assert_null(strstr(rels, "erin.jones"));
    assert_int_equal(r->n_findings, 1);
    assert_string_equal(r->findings[0].location, "word/_rels/document.xml.rels");
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_null(strstr(doc, "w:control"));
    assert_non_null(strstr(doc, "<w:hyperlink r:id=\"rId8\">"));
    free(doc);
    free(rels);
    env_fini(&e);
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"remove_hyperlinks\": true}}");
    r = rewrite(&e, in, len, "", "l.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_EXTERNAL_REMOVED), 2);
    doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_null(strstr(doc, "hyperlink"));
    assert_non_null(strstr(doc, "<w:t>write to us</w:t>"));
    rels = fx_entry_text(r->out, r->out_len, "word/_rels/document.xml.rels");
    assert_null(strstr(rels, "TargetMode"));
    free(doc);
    free(rels);
    free(in);
    env_fini(&e);
}

static void
test_metadata_removed(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, "<w:p/>", "", "", NULL, 0);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "m.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_METADATA_REMOVED), 1);
    char *core = fx_entry_text(r->out, r->out_len, "docProps/core.xml");
    assert_null(strstr(core, "Alice"));
    assert_null(strstr(core, "Bob"));
    /* replaced whole by a minimal valid part, whatever it held */
    assert_null(strstr(core, "Quarterly"));
    assert_non_null(strstr(core, "<cp:coreProperties"));
    free(core);
    env_fini(&e);
    /* with every sanitisation off the file is left byte for byte */
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"remove_metadata\": false}}");
    r = rewrite(&e, in, len, "", "m.docx");
    assert_int_equal(r->kind, SCAN_DOC_OOXML);
    assert_false(r->modified);
    assert_int_equal(r->n_actions, 0);
    free(in);
    env_fini(&e);
}

/* Every Office file of the corpus: opened, sanitised by the default policy,
 * the output re-opened, the removable features gone. */
static void
test_corpus_office(void **state)
{
    (void)state;
    static const char *const files[] = {
        "office-poi/document/60158.docm",
        "office-poi/document/EmbeddedDocument.docx",
        "office-poi/document/SimpleMacro.docm",
        "office-poi/document/comment.docx",
        "office-poi/document/delins.docx",
        "office-poi/document/documentProperties.docx",
        "office-poi/document/drawing.docx",
        "office-poi/document/footnotes.docx",
        "office-poi/document/headerFooter.docx",
        "office-poi/openxml4j/MultipleCoreProperties.docx",
        "office-poi/slideshow/SimpleMacro.pptm",
        "office-poi/slideshow/sample.pptx",
        "office-poi/spreadsheet/64759.xlsx",
        "office-poi/spreadsheet/SimpleMacro.xlsm",
        "office-poi/spreadsheet/SimpleWithComments.xlsx",
        "office-poi/spreadsheet/TwoSheetsOneHidden.xlsx",
        "office-poi/spreadsheet/WithEmbeded.xlsx",
        "office-poi/spreadsheet/link-external-workbook-a.xlsx",
        "office-poi/spreadsheet/link-external-workbook-b.xlsx",
        "office-poi/spreadsheet/xlmmacro.xlsm",
        "office-poi/xmldsign/PPT2016withComment.pptx",
        "office-oletools/embedded-simple-2007.docx",
        "office-oletools/embedded-simple-2007.pptx",
        "office-oletools/embedded-simple-2007.xlsx",
        "office-oletools/excel4_sample_macro.xlsm",
        "office-oletools/harmless-clean.docm",
        "office-oletools/harmless-clean.docx",
        "office-oletools/oleform-PR314.docm",
        "office-oletools/sample_with_external_link_to_doc.docx",
        "office-oletools/sample_with_external_link_to_doc.xlsx",
        "office-python-docx/comments-rich-para.docx",
        "office-python-docx/doc-coreprops.docx",
        "office-python-docx/hdr-header-footer.docx",
        "office-python-docx/tbl-having-tables.docx",
        "office-python-pptx/prs-properties.pptx",
        "office-python-pptx/shp-embedded-xlsx.xlsx",
        "office-python-pptx/sld-notes.pptx",
    };
    struct env e;
    env_init(&e, NULL);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t len = 0;
        uint8_t *in = fx_file(fx_corpus(files[i]), &len);
        assert_non_null(in);
        const char *name = strrchr(files[i], '/') + 1;
        const struct scan_doc_result *r = rewrite(&e, in, len, "application/octet-stream", name);
        if (r->kind != SCAN_DOC_OOXML || r->unreadable || r->failed || !r->modified) {
            fail_msg("%s: kind %d unreadable %d failed %d modified %d", files[i], r->kind,
                     r->unreadable, r->failed, r->modified);
        }
        /* what the default policy removes is gone from the output */
        static const char *const gone[] = {"vbaProject", "comments", "macrosheets", "activeX",
                                           NULL};
        for (const char *const *g = gone; *g != NULL; g++) {
            char *ct = fx_entry_text(r->out, r->out_len, "[Content_Types].xml");
            if (strstr(ct, *g) != NULL) {
                fail_msg("%s: %s left in the content types", files[i], *g);
            }
            free(ct);
        }
        char *core = fx_entry_text(r->out, r->out_len, "docProps/core.xml");
        assert_true(core == NULL ||
                    (strstr(core, "creator>") == NULL && strstr(core, "lastModifiedBy>") == NULL));
        free(core);
        free(in);
    }
    env_fini(&e);
}

/* Every XML part type of a package, with an XXE, a billion laughs, an
 * external DTD or an entity expansion: parts that use their entities are
 * refused and the file is never delivered as it came; DTDs whose entities
 * are not used are cut out; no output part ever holds a DTD. */
static void
test_dtd_every_part(void **state)
{
    (void)state;
    static const char *const parts[] = {"[Content_Types].xml", "_rels/.rels", "word/document.xml",
                                        "word/_rels/document.xml.rels", "docProps/core.xml"};
    static const struct {
        const char *dtd;
        bool used; /* the part refers to an entity: it cannot be cut out */
    } dtds[] = {
        {"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>", false},
        {"<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/evil.dtd\">", false},
        {"<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/p\"> %p;]>", false},
        {"<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;\">]>", false},
    };
    struct env e;
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"remove_metadata\": false, "
                 "\"on_unreadable\": \"deliver_tagged\"}}");
    for (size_t pi = 0; pi < sizeof(parts) / sizeof(parts[0]); pi++) {
        for (size_t di = 0; di < sizeof(dtds) / sizeof(dtds[0]); di++) {
            dtd_part = parts[pi];
            dtd_text = dtds[di].dtd;
            size_t len = 0;
            uint8_t *in =
                docx(&len, CT_DOCX, "<w:p><w:r><w:t>" CARD "</w:t></w:r></w:p>", "", "", NULL, 0);
            dtd_part = NULL;
            const struct scan_doc_result *r = rewrite(&e, in, len, "", "d.docx");
            if (r->unreadable || !r->modified || count_actions(r, SCAN_DOC_DTD_REMOVED) != 1) {
                fail_msg("%s with DTD %zu: unreadable %d modified %d", parts[pi], di, r->unreadable,
                         r->modified);
            }
            char *out = fx_entry_text(r->out, r->out_len, parts[pi]);
            assert_non_null(out);
            assert_null(strstr(out, "DOCTYPE"));
            assert_null(strstr(out, "ENTITY"));
            free(out);
            free(in);
        }
    }
    /* the same parts using an entity of their DTD: refused, never delivered */
    static const char *const uses[] = {
        "<!DOCTYPE w:document [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
        "<!DOCTYPE w:document [<!ENTITY a \"aa\"><!ENTITY b \"&a;&a;&a;&a;\">]>",
    };
    for (size_t di = 0; di < 2; di++) {
        char body[256];
        snprintf(body, sizeof(body), "<w:p><w:r><w:t>%s</w:t></w:r></w:p>",
                 di == 0 ? "&x;" : "&b;");
        dtd_part = "word/document.xml";
        dtd_text = uses[di];
        size_t len = 0;
        uint8_t *in = docx(&len, CT_DOCX, body, "", "", NULL, 0);
        dtd_part = NULL;
        const struct scan_doc_result *r = rewrite(&e, in, len, "", "d.docx");
        assert_true(r->unreadable);
        assert_true(r->never_deliver);
        assert_false(r->modified);
        free(in);
    }
    env_fini(&e);
}

/* A signed package that the sanitiser changes loses its signature origin,
 * its signatures and their relationships, and says so. */
static void
test_signed_package_unsigned(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *in = fx_file(fx_corpus("office-poi/xmldsign/PPT2016withComment.pptx"), &len);
    assert_non_null(in);
    assert_non_null(memmem(in, len, "_xmlsignatures", 14));
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "s.pptx");
    assert_true(r->modified);
    assert_true(count_actions(r, SCAN_DOC_SIGNATURE_REMOVED) >= 1);
    zip_error_t err;
    zip_source_t *src = zip_source_buffer_create(r->out, r->out_len, 0, &err);
    zip_t *za = zip_open_from_source(src, ZIP_CHECKCONS, &err);
    assert_non_null(za);
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); i++) {
        if (strstr(zip_get_name(za, (zip_uint64_t)i, 0), "_xmlsignatures") != NULL) {
            fail_msg("%s left in the package", zip_get_name(za, (zip_uint64_t)i, 0));
        }
    }
    zip_discard(za);
    char *rels = fx_entry_text(r->out, r->out_len, "_rels/.rels");
    assert_null(strstr(rels, "digital-signature"));
    free(rels);
    free(in);
    env_fini(&e);
}

/* ---- refusals: XML, archives ---- */

static const struct scan_doc_result *
refused_body(struct env *e, const char *document_xml)
{
    static const char rels[] = XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\"><Relationship "
                                        "Id=\"rId1\" Type=\"" REL_T "officeDocument\" "
                                        "Target=\"word/document.xml\"/></Relationships>";
    char ct[1024];
    snprintf(ct, sizeof(ct),
             XML_DECL "<Types xmlns=\"" NS_CT "\"><Default Extension=\"xml\" "
                      "ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" "
                      "ContentType=\"" CT_DOCX "\"/></Types>");
    const struct fx_entry ents[] = {{"[Content_Types].xml", ct, 0, false},
                                    {"_rels/.rels", rels, 0, false},
                                    {"word/document.xml", document_xml, 0, false}};
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 3, &len);
    const struct scan_doc_result *r = rewrite(e, in, len, "", "x.docx");
    free(in);
    return r;
}

static void
test_xxe_refused(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = refused_body(
        &e, XML_DECL "<!DOCTYPE w:document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" W_ROOT
                     "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>" W_END);
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_XML_REFUSED), 1);
    assert_string_equal(r->actions[0].location, "word/document.xml");
    assert_non_null(strstr(r->actions[0].detail, "DTD"));
    assert_true(r->never_deliver);
    /* an external DTD whose entities the part does not use is cut out, never
     * fetched, and the part is written back without it */
    r = refused_body(&e, XML_DECL "<!-- c --><!DOCTYPE w:document SYSTEM "
                                  "\"http://127.0.0.1:9/x.dtd\" [<!-- ] > -->"
                                  "<!ENTITY a 'x>y'>]>" W_ROOT
                                  "<w:p><w:r><w:t>text</w:t></w:r></w:p>" W_END);
    assert_false(r->unreadable || r->never_deliver);
    assert_true(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_DTD_REMOVED), 1);
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_null(strstr(doc, "DOCTYPE"));
    assert_null(strstr(doc, "ENTITY"));
    assert_non_null(strstr(doc, "<w:t>text</w:t>"));
    free(doc);
    env_fini(&e);
}

/* A DTD in the properties: the part is replaced unread when metadata goes,
 * refused (and never delivered as it came) when metadata stays. */
static void
test_dtd_in_core_properties(void **state)
{
    (void)state;
    static const char core_dtd[] =
        XML_DECL "<!DOCTYPE x [<!ENTITY who \"Alice Author\">]><cp:coreProperties "
                 "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/"
                 "core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
                 "<dc:creator>&who;</dc:creator><cp:lastModifiedBy>Bob</cp:lastModifiedBy>"
                 "</cp:coreProperties>";
    const struct fx_entry extra[] = {{"docProps/core.xml", core_dtd, 0, false}};
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, "<w:p/>", "", "", NULL, 0);
    /* swap the fixture's core.xml for the one with a DTD */
    free(in);
    in = docx_with_core(&len, extra[0].data);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "m.docx");
    assert_false(r->unreadable);
    assert_true(r->modified);
    char *core = fx_entry_text(r->out, r->out_len, "docProps/core.xml");
    assert_null(strstr(core, "DOCTYPE"));
    assert_null(strstr(core, "Alice"));
    assert_null(strstr(core, "Bob"));
    assert_non_null(strstr(core, "coreProperties"));
    free(core);
    env_fini(&e);
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"remove_metadata\": false, "
                 "\"on_unreadable\": \"deliver_tagged\"}}");
    r = rewrite(&e, in, len, "", "m.docx");
    assert_true(r->unreadable);
    assert_true(r->never_deliver);
    assert_false(r->modified);
    free(in);
    env_fini(&e);
}

static void
test_billion_laughs_refused(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = refused_body(
        &e,
        XML_DECL "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                 "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                 "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
                 "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
                 "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
                 "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
                 "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
                 "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
                 "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
                 "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
                 "]>" W_ROOT "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>" W_END);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_XML_REFUSED), 1);
    /* and the corpus's entity document */
    size_t len = 0;
    uint8_t *in = fx_file(fx_corpus("office-poi/spreadsheet/poc-xmlbomb-empty.xlsx"), &len);
    r = rewrite(&e, in, len, "", "poc.xlsx");
    if (r->unreadable) {
        /* its entities are used: refused, and never passed on as it came */
        assert_true(r->never_deliver);
        assert_int_equal(count_actions(r, SCAN_DOC_XML_REFUSED), 1);
        /* not half sanitised: the package stays as it came, only the reason is listed */
        assert_false(r->modified);
        assert_int_equal(r->n_actions, 1);
    } else {
        /* declared, never used: the DTD is cut out of every part that has one */
        assert_true(r->modified);
        assert_true(count_actions(r, SCAN_DOC_DTD_REMOVED) >= 1);
        fx_check_package(r->out, r->out_len); /* libxml2 refuses any DTD left */
    }
    free(in);
    env_fini(&e);
}

static void
test_malformed_xml_refused(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = refused_body(&e, W_ROOT "<w:p><w:r><w:t>open</w:r>" W_END);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_XML_REFUSED), 1);
    assert_non_null(strstr(r->actions[0].detail, "not well-formed"));
    r = refused_body(&e, "");
    assert_true(r->unreadable);
    env_fini(&e);
}

static void
test_content_types_garbage(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const struct fx_entry ents[] = {{"[Content_Types].xml", "not xml at all", 0, false},
                                    {"word/document.xml", W_ROOT W_END, 0, false}};
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 2, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "g.docx");
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_XML_REFUSED), 1);
    free(in);
    env_fini(&e);
}

static void
test_zip_bomb_refused(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t big = (size_t)8 << 20;
    char *zeros = calloc(1, big);
    const struct fx_entry ents[] = {{"readme.txt", "hello", 0, false},
                                    {"zeros.txt", zeros, big, false}};
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 2, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "application/zip", "a.zip");
    assert_int_equal(r->kind, SCAN_DOC_ZIP);
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_string_equal(r->actions[0].location, "zeros.txt");
    assert_non_null(strstr(r->actions[0].detail, "compression ratio"));
    free(in);
    free(zeros);
    env_fini(&e);
}

/* Zips inside zips: each level small and ordinary, together over the
 * limits (42.zip's idea): by depth, and by the total bytes. */
static void
test_nested_archives_limited(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *cur = fx_zip((const struct fx_entry[]){{"core.txt", "no secrets", 0, false}}, 1, &len);
    for (int level = 0; level < 5; level++) {
        size_t n = 0;
        uint8_t *outer = fx_zip((const struct fx_entry[]){{"inner.zip", cur, len, false}}, 1, &n);
        free(cur);
        cur = outer;
        len = n;
    }
    const struct scan_doc_result *r = rewrite(&e, cur, len, "application/zip", "deep.zip");
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_non_null(strstr(r->actions[0].detail, "nested deeper than 4"));
    assert_string_equal(r->actions[0].location, "inner.zip/inner.zip/inner.zip/inner.zip");
    free(cur);
    env_fini(&e);

    env_init(&e, "{\"version\": \"t\", \"limits\": {\"max_archive_bytes\": 1000000}}");
    char *text = malloc(400000);
    memset(text, 'z', 400000);
    uint8_t *inner = fx_zip(
        (const struct fx_entry[]){{"a.txt", text, 400000, false}, {"b.txt", text, 400000, false}},
        2, &len);
    size_t n = 0;
    uint8_t *outer = fx_zip(
        (const struct fx_entry[]){{"one.zip", inner, len, false}, {"two.zip", inner, len, false}},
        2, &n);
    r = rewrite(&e, outer, n, "application/zip", "wide.zip");
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_string_equal(r->actions[0].location, "two.zip/a.txt");
    free(inner);
    free(outer);
    free(text);
    env_fini(&e);
}

static void
test_corrupt_and_encrypted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *in = fx_file(fx_corpus("office-python-docx/tbl-having-tables.docx"), &len);
    const struct scan_doc_result *r = rewrite(&e, in, len / 2, "", "half.docx");
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    free(in);
    in = fx_file(fx_corpus("libzip-regress/encrypt.zip"), &len);
    r = rewrite(&e, in, len, "application/zip", "enc.zip");
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_ENCRYPTED), 1);
    free(in);
    in = fx_file(fx_corpus("libzip-regress/incons-local-crc.zip"), &len);
    r = rewrite(&e, in, len, "application/zip", "bad.zip");
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    free(in);
    env_fini(&e);
}

/* A plain zip: text entries redacted, a document inside it sanitised too,
 * findings located by entry path through the nesting. */
static void
test_zip_entries_rewritten(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t dlen = 0;
    uint8_t *d =
        docx(&dlen, CT_DOCX, "<w:p><w:r><w:t>card " CARD "</w:t></w:r></w:p>", "", "", NULL, 0);
    const char *notes = "Notes for the team.\nMy card is " CARD " thanks.\n";
    const char *eml = "From: x@example.org\r\nSubject: fwd\r\n\r\ncard " CARD "\r\n";
    const struct fx_entry ents[] = {{"notes.txt", notes, 0, false},
                                    {"img.bin", "\x89PNG\r\n\x1a\n....", 12, false},
                                    {"docs/inner.docx", d, dlen, false},
                                    {"fwd.eml", eml, 0, false}};
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 4, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "application/zip", "pack.zip");
    assert_int_equal(r->kind, SCAN_DOC_ZIP);
    assert_true(r->modified);
    assert_int_equal(r->n_findings, 4); /* the message's sender address is one */
    assert_string_equal(r->findings[0].location, "notes.txt");
    assert_string_equal(r->findings[1].location, "docs/inner.docx/word/document.xml");
    assert_string_equal(r->findings[3].location, "fwd.eml");
    char *m = fx_entry_text(r->out, r->out_len, "fwd.eml");
    assert_non_null(strstr(m, "card **** **** **** 1111\r\n"));
    free(m);
    char *t = fx_entry_text(r->out, r->out_len, "notes.txt");
    assert_string_equal(t, "Notes for the team.\nMy card is **** **** **** 1111 thanks.\n");
    char *inner = fx_entry_text(r->out, r->out_len, "docs/inner.docx");
    assert_null(strstr(inner, "4111")); /* compressed anyway: check by re-reading */
    free(inner);
    free(t);
    free(in);
    free(d);
    env_fini(&e);
}

/* Office's password protection puts the package, encrypted, in an OLE2
 * container: a "docx" that is OLE2 cannot be read, so it is held. A legacy
 * .doc (OLE2 as well) is not an archive and passes as before. */
static void
test_encrypted_office_file(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    uint8_t ole[2048] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    const struct scan_doc_result *r =
        rewrite(&e, ole, sizeof(ole), "application/octet-stream", "secret.docx");
    assert_int_equal(r->kind, SCAN_DOC_OOXML);
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_ENCRYPTED), 1);
    r = rewrite(&e, ole, sizeof(ole),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "");
    assert_true(r->unreadable);
    /* a legacy file is read by scan_ole: this header alone cannot be opened */
    r = rewrite(&e, ole, sizeof(ole), "application/msword", "old.doc");
    assert_int_equal(r->kind, SCAN_DOC_OLE);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    assert_int_equal(count_actions(r, SCAN_DOC_ENCRYPTED), 0);
    env_fini(&e);
}

static void
test_type_mismatch(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, "<w:p/>", "", "", NULL, 0);
    const struct scan_doc_result *r = rewrite(&e, in, len, "application/pdf", "invoice.pdf");
    assert_int_equal(count_actions(r, SCAN_DOC_TYPE_MISMATCH), 1);
    r = rewrite(&e, in, len, "application/octet-stream", "ok.docx");
    assert_int_equal(count_actions(r, SCAN_DOC_TYPE_MISMATCH), 0);
    free(in);
    uint8_t *zip = fx_zip((const struct fx_entry[]){{"a.txt", "plain", 0, false}}, 1, &len);
    r = rewrite(&e, zip, len, "application/octet-stream", "report.docx");
    assert_int_equal(r->kind, SCAN_DOC_ZIP);
    assert_int_equal(count_actions(r, SCAN_DOC_TYPE_MISMATCH), 1);
    free(zip);
    env_fini(&e);
}

static void
test_not_documents(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const char *text = "hello " CARD;
    const struct scan_doc_result *r =
        rewrite(&e, (const uint8_t *)text, strlen(text), "text/plain", "");
    assert_int_equal(r->kind, SCAN_DOC_NONE);
    assert_string_equal(r->true_type, ""); /* a text body is not even looked at */
    /* a PDF that is only its header is a PDF that cannot be read */
    r = rewrite(&e, (const uint8_t *)"%PDF-1.4\n%\xe2\xe3\n", 14, "application/pdf", "a.pdf");
    assert_int_equal(r->kind, SCAN_DOC_PDF);
    assert_string_equal(r->true_type, "application/pdf");
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    r = rewrite(&e, (const uint8_t *)"", 0, "application/zip", "empty.zip");
    assert_int_equal(r->kind, SCAN_DOC_NONE);
    env_fini(&e);
    env_init(&e, "{\"version\": \"t\", \"pdf\": {\"enabled\": false}}");
    r = rewrite(&e, (const uint8_t *)"%PDF-1.4\n%\xe2\xe3\n", 14, "application/pdf", "a.pdf");
    assert_int_equal(r->kind, SCAN_DOC_NONE);
    assert_int_equal(r->n_actions, 0);
    env_fini(&e);
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"enabled\": false}}");
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, "<w:p><w:r><w:t>" CARD "</w:t></w:r></w:p>", "", "", NULL, 0);
    r = rewrite(&e, in, len, "application/octet-stream", "x.docx");
    assert_int_equal(r->kind, SCAN_DOC_NONE);
    free(in);
    env_fini(&e);
}

/* ---- through the message rewriter ---- */

/* Base64 of `in` in 76-column CRLF lines into `out` (cap >= 2 * len + 8). */
static size_t
b64(char *out, const uint8_t *in, size_t len)
{
    size_t n = 0;
    mime_b64_encode((uint8_t *)out, &n, in, len, 76, "\r\n");
    out[n] = '\0';
    return n;
}

struct sink {
    char *p;
    size_t len;
};

static int
sink_out(void *ctx, const uint8_t *data, size_t len)
{
    struct sink *s = ctx;
    s->p = realloc(s->p, s->len + len + 1);
    memcpy(s->p + s->len, data, len);
    s->len += len;
    s->p[s->len] = '\0';
    return 0;
}

static void
test_message_docm_renamed(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const char *rels = "<Relationship Id=\"rId3\" Type=\"" REL_T "vbaProject\" "
                       "Target=\"vbaProject.bin\"/>";
    const struct fx_entry extra[] = {{"word/vbaProject.bin", "VBA", 0, false}};
    size_t len = 0;
    uint8_t *d =
        docx(&len, CT_DOCM, "<w:p><w:r><w:t>card " CARD "</w:t></w:r></w:p>", rels, "", extra, 1);
    char *msg = malloc(len * 2 + 1024);
    int o = snprintf(msg, 1024,
                     "From: a@example.org\r\nSubject: macros\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                     "Content-Type: application/vnd.ms-word.document.macroEnabled.12;"
                     " name=\"plan.docm\"\r\n"
                     "Content-Disposition: attachment; filename=plan.docm\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n");
    o += (int)b64(msg + o, d, len);
    o += snprintf(msg + o, 64, "--b--\r\n");
    struct scan_message *m = scan_message_new(e.w, e.eng);
    assert_non_null(m);
    struct sink s = {NULL, 0};
    const struct scan_result *res = NULL;
    scan_message_begin(m, sink_out, &s, false);
    assert_int_equal(scan_message_feed(m, (const uint8_t *)msg, (size_t)o), 0);
    assert_int_equal(scan_message_finish(m, &res), 0);
    assert_int_equal(res->verdict, SCAN_V_DELIVER);
    assert_true(res->modified);
    assert_int_equal(res->counts[SCAN_T_CREDIT_CARD], 1);
    assert_string_equal(res->records[0].location, "word/document.xml");
    assert_string_equal(res->records[0].part, "1");
    assert_true(res->n_actions >= 2);
    for (size_t i = 0; i < res->n_actions; i++) {
        assert_int_equal(res->actions[i].kind, SCAN_STEP_DOCUMENT);
    }
    assert_non_null(strstr(s.p, "Content-Type: application/vnd.openxmlformats-officedocument."
                                "wordprocessingml.document; name=\"plan.docx\"\r\n"));
    assert_non_null(strstr(s.p, "filename=plan.docx\r\n")); /* unquoted, at the end */
    assert_null(strstr(s.p, "docm"));
    assert_non_null(strstr(s.p, "Subject: macros\r\n"));
    scan_message_free(m);
    free(s.p);
    free(msg);
    free(d);
    env_fini(&e);
}

static void
test_message_unreadable_quarantined(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *zip = fx_file(fx_corpus("libzip-regress/encrypt.zip"), &len);
    char *msg = malloc(len * 2 + 512);
    int o = snprintf(msg, 512,
                     "Subject: x\nMIME-Version: 1.0\nContent-Type: application/zip; "
                     "name=\"e.zip\"\nContent-Transfer-Encoding: binary\n\n");
    memcpy(msg + o, zip, len);
    struct scan_message *m = scan_message_new(e.w, e.eng);
    struct sink s = {NULL, 0};
    const struct scan_result *res = NULL;
    scan_message_begin(m, sink_out, &s, false);
    assert_int_equal(scan_message_feed(m, (const uint8_t *)msg, (size_t)o + len), 0);
    assert_int_equal(scan_message_finish(m, &res), 0);
    assert_int_equal(res->verdict, SCAN_V_QUARANTINE);
    assert_non_null(strstr(res->reason, "could not be opened"));
    assert_int_equal(res->n_actions, 1);
    assert_int_equal(res->actions[0].kind, SCAN_STEP_DOCUMENT);
    assert_int_equal(res->actions[0].code, SCAN_DOC_ENCRYPTED);
    assert_string_equal(res->actions[0].action, "encrypted");
    assert_int_equal(s.len, (size_t)o + len); /* passed through unchanged, never half-done */
    scan_message_free(m);
    free(s.p);
    free(msg);
    free(zip);
    env_fini(&e);
}

/* A message inside a message, base64-encoded (the MIME parser does not open
 * it) and also attached as an .eml file: both scanned and rewritten by a
 * nested rewriter, findings located inside, the outer verdict raised by the
 * inner one. */
static void
test_message_nested_encoded(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const char *inner = "From: c@example.org\r\nSubject: inner\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: text/plain\r\n\r\nMy card: " CARD "\r\n";
    char enc[1024];
    b64(enc, (const uint8_t *)inner, strlen(inner));
    char msg[4096];
    int n = snprintf(msg, sizeof(msg),
                     "From: a@example.org\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                     "--b\r\nContent-Type: message/rfc822\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n%s"
                     "--b\r\nContent-Type: application/octet-stream; name=\"old.eml\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n",
                     enc, enc);
    struct scan_message *m = scan_message_new(e.w, e.eng);
    struct sink s = {NULL, 0};
    const struct scan_result *res = NULL;
    scan_message_begin(m, sink_out, &s, false);
    assert_int_equal(scan_message_feed(m, (const uint8_t *)msg, (size_t)n), 0);
    assert_int_equal(scan_message_finish(m, &res), 0);
    assert_true(res->modified);
    assert_int_equal(res->counts[SCAN_T_CREDIT_CARD], 2);
    assert_int_equal(res->n_records, 2);
    assert_string_equal(res->records[0].part, "1");
    assert_string_equal(res->records[0].location, "message/1");
    assert_string_equal(res->records[1].part, "2");
    assert_int_equal(res->verdict, SCAN_V_DELIVER);
    assert_null(strstr(s.p, enc)); /* both copies rewritten */
    /* decode the first rewritten copy back: the card is masked inside */
    const char *body = strstr(s.p, "base64\r\n\r\n") + 10;
    char again[1024];
    size_t k = 0, bad = 0;
    mime_b64_decode((uint8_t *)again, &k, &bad, (const uint8_t *)body,
                    (size_t)(strstr(body, "--b") - body));
    assert_int_equal(bad, 0);
    again[k] = '\0';
    assert_non_null(strstr(again, "My card: **** **** **** 1111"));
    assert_non_null(strstr(again, "Subject: inner\r\n"));
    scan_message_free(m);
    free(s.p);
    env_fini(&e);
}

/* Encoded messages inside encoded messages: opened down to the archive
 * depth limit, the rest is a defect (so on_parse_error applies), never
 * silently passed. */
static void
test_message_nested_too_deep(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    char *cur = strdup("Subject: core\r\n\r\nMy card: " CARD "\r\n");
    for (int level = 0; level < 5; level++) {
        char *enc = malloc(strlen(cur) * 2 + 16);
        b64(enc, (const uint8_t *)cur, strlen(cur));
        size_t cap = strlen(enc) + 256;
        char *next = malloc(cap);
        snprintf(next, cap,
                 "Subject: level %d\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n"
                 "Content-Transfer-Encoding: base64\r\n\r\n%s",
                 level, enc);
        free(enc);
        free(cur);
        cur = next;
    }
    struct scan_message *m = scan_message_new(e.w, e.eng);
    struct sink s = {NULL, 0};
    const struct scan_result *res = NULL;
    scan_message_begin(m, sink_out, &s, false);
    assert_int_equal(scan_message_feed(m, (const uint8_t *)cur, strlen(cur)), 0);
    assert_int_equal(scan_message_finish(m, &res), 0);
    assert_true(res->n_defects >= 1);
    assert_non_null(strstr(res->defects[0].reason, "nested deeper than the limit"));
    assert_string_equal(res->defects[0].part, "1");
    assert_true(res->tagged); /* on_parse_error: deliver_tagged */
    scan_message_free(m);
    free(s.p);
    free(cur);
    env_fini(&e);
}

/* ---- the streaming rewriter: windows, held elements, the markup ---- */

/* A package of one document part `doc` (with the usual content types and
 * relationships); the caller frees it. */
static uint8_t *
doc_only(size_t *len, const char *doc, size_t doc_len)
{
    static const char rels[] = XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\"><Relationship "
                                        "Id=\"rId1\" Type=\"" REL_T "officeDocument\" "
                                        "Target=\"word/document.xml\"/></Relationships>";
    static const char ct[] =
        XML_DECL "<Types xmlns=\"" NS_CT "\"><Default Extension=\"xml\" "
                 "ContentType=\"application/xml\"/><Override "
                 "PartName=\"/word/document.xml\" ContentType=\"" CT_DOCX "\"/></Types>";
    const struct fx_entry ents[] = {{"[Content_Types].xml", ct, 0, false},
                                    {"_rels/.rels", rels, 0, false},
                                    {"word/document.xml", doc, doc_len, false}};
    return fx_zip(ents, 3, len);
}

static void
append(char **p, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *p = realloc(*p, *cap);
        assert_non_null(*p);
    }
    memcpy(*p + *len, s, n + 1);
    *len += n;
}

/* A part of several MB: detected window by window, every card masked, the
 * findings' offsets those of the whole part's text, and the rewriter's
 * buffers far smaller than the part. */
static void
test_stream_long_part(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    char *doc = NULL, *text = NULL;
    size_t len = 0, cap = 0, tlen = 0, tcap = 0;
    append(&doc, &len, &cap, XML_DECL W_ROOT);
    unsigned cards = 0;
    for (unsigned i = 0; i < 30000; i++) {
        char para[512];
        bool card = i % 97 == 5;
        /* a card straddles two runs now and then */
        snprintf(para, sizeof(para),
                 "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">line %u of a long "
                 "report %s</w:t></w:r><w:r><w:t>%s and more words after it</w:t></w:r></w:p>",
                 i, card ? "card 4111 1111" : "with nothing", card ? " 1111 1111" : "");
        append(&doc, &len, &cap, para);
        char t[256];
        snprintf(t, sizeof(t), "%sline %u of a long report %s%s and more words after it",
                 i > 0 ? "\n\n" : "", i, card ? "card 4111 1111" : "with nothing",
                 card ? " 1111 1111" : "");
        append(&text, &tlen, &tcap, t);
        cards += card;
    }
    append(&doc, &len, &cap, W_END);
    assert_true(len > ((size_t)4 << 20));
    size_t zlen = 0;
    uint8_t *in = doc_only(&zlen, doc, len);
    const struct scan_doc_result *r = rewrite(&e, in, zlen, "", "long.docx");
    assert_true(r->modified);
    assert_false(r->unreadable || r->failed);
    assert_int_equal(r->n_findings, cards);
    /* offsets into the part's text, as if it had been read whole */
    const char *at = text;
    for (size_t i = 0; i < r->n_findings; i++) {
        at = strstr(at, "4111 1111");
        assert_non_null(at);
        assert_int_equal(r->findings[i].f.start, (uint32_t)(at - text));
        assert_int_equal(r->findings[i].f.end, (uint32_t)(at - text) + 19);
        at += 19;
    }
    char *out = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_null(strstr(out, "4111 1111"));
    assert_non_null(strstr(out, "line 29999 of a long report with nothing"));
    assert_non_null(strstr(out, "card **** ****</w:t></w:r><w:r><w:t> **** 1111 and more"));
    /* memory: the windows, not the part */
    size_t held = ooxml_stream_bytes(e.doc->xs);
    assert_true(held < ((size_t)3 << 20));
    assert_true(held < len / 2);
    free(out);
    free(in);
    free(text);
    free(doc);
    env_fini(&e);
}

/* A revision inside a markup-compatibility choice removes the whole
 * alternative, however much of it was read already. */
static void
test_stream_alternate_content(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const char *body =
        "<w:p><w:r><w:t>before</w:t></w:r><w:r><mc:AlternateContent xmlns:mc=\"http://schemas."
        "openxmlformats.org/markup-compatibility/2006\"><mc:Choice Requires=\"wps\"><w:r><w:t>"
        "choice text</w:t></w:r><w:del w:id=\"1\" w:author=\"D\"><w:r><w:delText>gone"
        "</w:delText></w:r></w:del></mc:Choice><mc:Fallback><w:r><w:t>fallback</w:t></w:r>"
        "</mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>after</w:t></w:r></w:p>";
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, body, "", "", NULL, 0);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "mc.docx");
    assert_true(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_CHANGES_ACCEPTED), 1);
    char *doc = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_null(strstr(doc, "AlternateContent"));
    assert_null(strstr(doc, "choice text"));
    assert_null(strstr(doc, "fallback"));
    /* the run that held it is left empty, and says so */
    assert_non_null(strstr(doc, "<w:t>before</w:t></w:r><w:r/><w:r><w:t>after</w:t>"));
    free(doc);
    free(in);
    env_fini(&e);
}

/* A removal that reaches back over text already written out (only a part
 * shaped against the schema does this) refuses the file: never half
 * sanitised. */
static void
test_stream_late_removal_refused(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"on_unreadable\": \"deliver_tagged\"}}");
    char *doc = NULL;
    size_t len = 0, cap = 0;
    append(&doc, &len, &cap,
           XML_DECL "<w:document xmlns:w=\"" NS_W "\" xmlns:mc=\"http://schemas.openxmlformats."
                    "org/markup-compatibility/2006\"><w:body><x:box xmlns:x=\"urn:x\">"
                    "<mc:Choice Requires=\"x\">");
    for (unsigned i = 0; i < 2000; i++) {
        append(&doc, &len, &cap, "<w:p><w:r><w:t>plain words in a paragraph</w:t></w:r></w:p>");
    }
    append(&doc, &len, &cap, "<w:del w:id=\"1\"/></mc:Choice></x:box></w:body></w:document>");
    size_t zlen = 0;
    uint8_t *in = doc_only(&zlen, doc, len);
    const struct scan_doc_result *r = rewrite(&e, in, zlen, "", "late.docx");
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_XML_REFUSED), 1);
    assert_non_null(strstr(r->actions[0].detail, "already written"));
    free(in);
    free(doc);
    env_fini(&e);
}

/* What is not changed comes out meaning the same: references in values,
 * comments and processing instructions, CDATA as text, empty elements. */
static void
test_stream_markup_roundtrip(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<?mso-application progid=\"Word.Document\"?><!-- made by hand -->" W_ROOT
        "<w:p w14:paraId=\"a&amp;b\" xmlns:w14=\"urn:w14\"><w:pPr><w:pStyle "
        "w:val=\"q&quot;&lt;&gt;&#10;&#x9;end\"/></w:pPr><w:r><w:t>a &lt;b&gt; &amp; "
        "<![CDATA[<c> & d]]> &#x20AC;</w:t></w:r><!-- inside --><w:r><w:t></w:t></w:r></w:p>"
        "<w:p><w:r><w:t>card 4111 1111 1111 1111</w:t></w:r></w:p>" W_END;
    size_t len = 0;
    uint8_t *in = doc_only(&len, doc, strlen(doc));
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "m.docx");
    assert_true(r->modified);
    char *out = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_non_null(strstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                                "<?mso-application progid=\"Word.Document\"?>\n"
                                "<!-- made by hand -->\n<w:document"));
    assert_non_null(strstr(out, "w14:paraId=\"a&amp;b\""));
    assert_non_null(strstr(out, "w:val=\"q&quot;&lt;&gt;&#10;&#9;end\""));
    assert_non_null(strstr(out, "<w:t>a &lt;b&gt; &amp; &lt;c&gt; &amp; d \xe2\x82\xac</w:t>"));
    assert_non_null(strstr(out, "<!-- inside --><w:r><w:t/></w:r></w:p>"));
    assert_non_null(strstr(out, "<w:t>card **** **** **** 1111</w:t>"));
    assert_null(strstr(out, "CDATA"));
    free(out);
    free(in);
    env_fini(&e);
}

/* A DTD longer than a read of the part is cut out all the same; a part in
 * UTF-16 is read and written back in UTF-8. */
static void
test_stream_dtd_and_encoding(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    char *doc = NULL;
    size_t len = 0, cap = 0;
    append(&doc, &len, &cap, XML_DECL "<!DOCTYPE w:document [<!-- ");
    for (unsigned i = 0; i < 20000; i++) {
        append(&doc, &len, &cap, "padding ");
    }
    append(&doc, &len, &cap,
           "--><!ENTITY unused \"x\">]>" W_ROOT
           "<w:p><w:r><w:t>card 4111 1111 1111 1111</w:t></w:r></w:p>" W_END);
    assert_true(len > 150000);
    size_t zlen = 0;
    uint8_t *in = doc_only(&zlen, doc, len);
    const struct scan_doc_result *r = rewrite(&e, in, zlen, "", "dtd.docx");
    assert_false(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_DTD_REMOVED), 1);
    char *out = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_null(strstr(out, "DOCTYPE"));
    assert_null(strstr(out, "padding"));
    assert_non_null(strstr(out, "card **** **** **** 1111"));
    free(out);
    free(in);
    /* UTF-16LE with a byte order mark */
    const char *u8 = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" W_ROOT
                     "<w:p><w:r><w:t>\xe2\x82\xac card 4111 1111 1111 1111</w:t></w:r></w:p>" W_END;
    size_t n8 = strlen(u8);
    uint8_t *u16 = malloc(2 * n8 + 2);
    size_t n16 = 0;
    u16[n16++] = 0xFF;
    u16[n16++] = 0xFE;
    for (size_t i = 0; i < n8; i++) {
        unsigned c = (uint8_t)u8[i];
        if (c == 0xE2) { /* the euro sign, U+20AC */
            c = 0x20AC;
            i += 2;
        }
        u16[n16++] = (uint8_t)(c & 0xFF);
        u16[n16++] = (uint8_t)(c >> 8);
    }
    in = doc_only(&zlen, (const char *)u16, n16);
    r = rewrite(&e, in, zlen, "", "u16.docx");
    assert_false(r->unreadable);
    assert_int_equal(r->n_findings, 1);
    out = fx_entry_text(r->out, r->out_len, "word/document.xml");
    assert_non_null(strstr(out, "encoding=\"UTF-8\""));
    assert_non_null(strstr(out, "<w:t>\xe2\x82\xac card **** **** **** 1111</w:t>"));
    free(out);
    free(in);
    free(u16);
    free(doc);
    env_fini(&e);
}

/* With metadata kept, the properties are read as fields, each a paragraph
 * of its own: what they hold is redacted in place. */
static void
test_props_fields_redacted(void **state)
{
    (void)state;
    static const char core[] =
        XML_DECL "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/"
                 "metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
                 "  <dc:title>Pay 4111 1111 1111 1111</dc:title>\n"
                 "  <dc:creator>jo.smith@example.com</dc:creator>\n"
                 "  <dc:description>note <x:b xmlns:x=\"urn:x\">4111</x:b>1111 1111 1111"
                 "</dc:description>\n</cp:coreProperties>";
    struct env e;
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"remove_metadata\": false}}");
    size_t len = 0;
    uint8_t *in = docx_with_core(&len, core);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "p.docx");
    assert_true(r->modified);
    assert_int_equal(r->n_findings, 2);
    assert_string_equal(r->findings[0].location, "docProps/core.xml");
    char *out = fx_entry_text(r->out, r->out_len, "docProps/core.xml");
    assert_non_null(strstr(out, "<dc:title>Pay **** **** **** ****</dc:title>"));
    assert_null(strstr(out, "smith"));
    /* a value split by a child element is two fields: neither is a card */
    assert_non_null(strstr(out, "<x:b xmlns:x=\"urn:x\">4111</x:b>1111 1111 1111"));
    free(out);
    free(in);
    env_fini(&e);
}

/* Text held in attributes and in workbook structures: a sheet's name (and
 * the formulas naming it), a data validation list, a chart's series
 * reference and cached values, a picture's alternative text, a link's
 * target with its digits behind %20. */
static void
test_xlsx_names_lists_alt_text(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const char ct[] =
        XML_DECL "<Types xmlns=\"" NS_CT "\"><Default Extension=\"rels\" "
                 "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                 "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                 "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
                 "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>";
    static const char rels[] = XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\"><Relationship "
                                        "Id=\"rId1\" Type=\"" REL_T "officeDocument\" "
                                        "Target=\"xl/workbook.xml\"/></Relationships>";
    static const char wb[] =
        XML_DECL "<workbook xmlns=\"" NS_S "\" xmlns:r=\"" NS_REL "\"><sheets>"
                 "<sheet name=\"Pay 4556 7375 8689 9855\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
                 "<definedNames><definedName name=\"Total\">'Pay 4556 7375 8689 9855'!$A$1"
                 "</definedName></definedNames></workbook>";
    static const char wbrels[] =
        XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">"
                 "<Relationship Id=\"rId1\" Type=\"" REL_T "worksheet\" Target=\"sheet1.xml\"/>"
                 "</Relationships>";
    static const char sheet[] =
        XML_DECL "<worksheet xmlns=\"" NS_S "\" xmlns:r=\"" NS_REL "\"><sheetData><row r=\"1\">"
                 "<c r=\"A1\"><v>42</v></c></row></sheetData>"
                 "<dataValidations count=\"1\"><dataValidation type=\"list\" sqref=\"B1\">"
                 "<formula1>\"536-22-8471,none\"</formula1></dataValidation></dataValidations>"
                 "<hyperlinks><hyperlink ref=\"A1\" r:id=\"rId1\"/></hyperlinks>"
                 "<headerFooter><oddFooter>&amp;LSSN 536-22-8471</oddFooter></headerFooter>"
                 "</worksheet>";
    static const char sheetrels[] =
        XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\"><Relationship Id=\"rId1\" "
                 "Type=\"" REL_T "hyperlink\" Target=\"mailto:a@example.org?subject=card%20"
                 "4556%207375%208689%209855\" TargetMode=\"External\"/></Relationships>";
    static const char chart[] =
        XML_DECL "<c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/"
                 "chart\"><c:chart><c:plotArea><c:barChart><c:ser><c:tx><c:strRef>"
                 "<c:f>'Pay 4556 7375 8689 9855'!$A$1</c:f><c:strCache><c:pt idx=\"0\">"
                 "<c:v>SSN 536-22-8471</c:v></c:pt></c:strCache></c:strRef></c:tx></c:ser>"
                 "</c:barChart></c:plotArea></c:chart></c:chartSpace>";
    static const char drawing[] =
        XML_DECL "<xdr:wsDr xmlns:xdr=\"http://schemas.openxmlformats.org/drawingml/2006/"
                 "spreadsheetDrawing\"><xdr:twoCellAnchor><xdr:pic><xdr:nvPicPr><xdr:cNvPr "
                 "id=\"2\" name=\"Picture 1\" descr=\"scan of card 4556 7375 8689 9855\" "
                 "title=\"SSN 536-22-8471\"/></xdr:nvPicPr></xdr:pic></xdr:twoCellAnchor>"
                 "</xdr:wsDr>";
    const struct fx_entry ents[] = {
        {"[Content_Types].xml", ct, 0, false},
        {"_rels/.rels", rels, 0, false},
        {"xl/workbook.xml", wb, 0, false},
        {"xl/_rels/workbook.xml.rels", wbrels, 0, false},
        {"xl/sheet1.xml", sheet, 0, false},
        {"xl/_rels/sheet1.xml.rels", sheetrels, 0, false},
        {"xl/charts/chart1.xml", chart, 0, false},
        {"xl/drawings/drawing1.xml", drawing, 0, false},
    };
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 8, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "book.xlsx");
    assert_true(r->modified);
    const char *parts[] = {"xl/workbook.xml", "xl/sheet1.xml", "xl/_rels/sheet1.xml.rels",
                           "xl/charts/chart1.xml", "xl/drawings/drawing1.xml"};
    for (size_t i = 0; i < 5; i++) {
        char *t = fx_entry_text(r->out, r->out_len, parts[i]);
        assert_non_null(t);
        if (strstr(t, "8689") != NULL || strstr(t, "8471") != NULL) {
            fail_msg("%s keeps a value: %s", parts[i], t);
        }
        free(t);
    }
    char *t = fx_entry_text(r->out, r->out_len, "xl/workbook.xml");
    /* the name and the formula naming it masked alike */
    assert_non_null(strstr(t, "name=\"Pay **** **** **** 9855\""));
    assert_non_null(strstr(t, "'Pay **** **** **** 9855'!$A$1"));
    free(t);
    free(in);
    env_fini(&e);
}

/* A bare number is an SSN under a column named "SSN" (the header a shared
 * string) or when its cell shows it with Excel's SSN format; the same
 * number under another name is left. */
static void
test_xlsx_column_context(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const char ct[] =
        XML_DECL "<Types xmlns=\"" NS_CT "\"><Default Extension=\"rels\" "
                 "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                 "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                 "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
                 "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>";
    static const char rels[] = XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\"><Relationship "
                                        "Id=\"rId1\" Type=\"" REL_T "officeDocument\" "
                                        "Target=\"xl/workbook.xml\"/></Relationships>";
    static const char wb[] = XML_DECL "<workbook xmlns=\"" NS_S "\" xmlns:r=\"" NS_REL "\">"
                                      "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"
                                      "</sheets></workbook>";
    static const char wbrels[] =
        XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">"
                 "<Relationship Id=\"rId1\" Type=\"" REL_T "worksheet\" Target=\"sheet1.xml\"/>"
                 "<Relationship Id=\"rId2\" Type=\"" REL_T "sharedStrings\" "
                 "Target=\"sharedStrings.xml\"/><Relationship Id=\"rId3\" Type=\"" REL_T
                 "styles\" Target=\"styles.xml\"/></Relationships>";
    static const char sst[] = XML_DECL "<sst xmlns=\"" NS_S "\"><si><t>Count</t></si>"
                                       "<si><r><t>S</t></r><r><t>SN</t></r></si></sst>";
    static const char styles[] =
        XML_DECL "<styleSheet xmlns=\"" NS_S "\"><numFmts count=\"1\"><numFmt numFmtId=\"165\" "
                 "formatCode=\"000\\-00\\-0000\"/></numFmts><cellXfs count=\"2\">"
                 "<xf numFmtId=\"0\"/><xf numFmtId=\"165\"/></cellXfs></styleSheet>";
    static const char sheet[] =
        XML_DECL "<worksheet xmlns=\"" NS_S "\"><sheetData>"
                 "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
                 "</row><row r=\"2\"><c r=\"A2\"><v>536228471</v></c>"
                 "<c r=\"B2\"><v>536228471</v></c></row>"
                 "<row r=\"3\"><c r=\"D3\" s=\"1\"><v>536228471</v></c></row>"
                 "</sheetData></worksheet>";
    const struct fx_entry ents[] = {
        {"[Content_Types].xml", ct, 0, false}, {"_rels/.rels", rels, 0, false},
        {"xl/workbook.xml", wb, 0, false},     {"xl/_rels/workbook.xml.rels", wbrels, 0, false},
        {"xl/sheet1.xml", sheet, 0, false},    {"xl/sharedStrings.xml", sst, 0, false},
        {"xl/styles.xml", styles, 0, false},
    };
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 7, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "book.xlsx");
    assert_true(r->modified);
    assert_int_equal(r->n_findings, 2);
    char *t = fx_entry_text(r->out, r->out_len, "xl/sheet1.xml");
    assert_non_null(strstr(t, "<c r=\"A2\"><v>536228471</v></c>"));
    assert_non_null(strstr(t, "<c r=\"B2\" t=\"str\"><v>*********</v></c>"));
    assert_non_null(strstr(t, "<c r=\"D3\" s=\"1\" t=\"str\"><v>*********</v></c>"));
    free(t);
    free(in);
    env_fini(&e);
}

/* Word text in attributes (a simple field's code, a link's tooltip, a
 * drop-down's entries, a form field's help) and in an altChunk file. */
static void
test_docx_fields_tooltips_chunks(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const char body[] =
        "<w:p><w:fldSimple w:instr=\"HYPERLINK &quot;mailto:a@example.com?subject=4556 7375 "
        "8689 9855&quot;\"><w:r><w:t>mail</w:t></w:r></w:fldSimple></w:p>"
        "<w:p><w:hyperlink w:anchor=\"x\" w:tooltip=\"SSN 536-22-8471\"><w:r><w:t>see</w:t>"
        "</w:r></w:hyperlink></w:p>"
        "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:ddList><w:listEntry "
        "w:val=\"4111 1111 1111 1111\"/></w:ddList><w:helpText w:type=\"text\" w:val=\"id "
        "536-22-8471\"/></w:ffData></w:fldChar></w:r></w:p><w:altChunk r:id=\"rId9\"/>";
    static const char rels[] = "<Relationship Id=\"rId9\" Type=\"" REL_T "aFChunk\" "
                               "Target=\"chunk.htm\"/>";
    const struct fx_entry extra[] = {
        {"word/chunk.htm", "<html><body><p>Card 4111 1111 1111 1111</p></body></html>", 0, false},
    };
    size_t len = 0;
    uint8_t *in = docx(&len, CT_DOCX, body, rels, "", extra, 1);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "f.docx");
    assert_true(r->modified);
    char *t = fx_entry_text(r->out, r->out_len, "word/document.xml");
    if (strstr(t, "8689") != NULL || strstr(t, "8471") != NULL || strstr(t, "4111 ") != NULL) {
        fail_msg("document.xml keeps a value: %s", t);
    }
    free(t);
    t = fx_entry_text(r->out, r->out_len, "word/chunk.htm");
    assert_non_null(strstr(t, "Card **** **** **** 1111"));
    free(t);
    free(in);
    env_fini(&e);
}

/* ---- OpenDocument ---- */

#define ODF_NS                                                                                     \
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "                           \
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "                               \
    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "                             \
    "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" "                             \
    "xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" "                            \
    "xmlns:svg=\"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0\" "                      \
    "xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" "                               \
    "xmlns:config=\"urn:oasis:names:tc:opendocument:xmlns:config:1.0\" "                           \
    "xmlns:script=\"urn:oasis:names:tc:opendocument:xmlns:script:1.0\" "                           \
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xlink=\"http://www.w3.org/1999/xlink\""
#define MANIFEST_NS "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
#define ODT_TYPE "application/vnd.oasis.opendocument.text"

/* A text document's body: a card split by a span, an SSN spelled with
 * text:s, a comment, a deleted paragraph in the change log, a script
 * binding, a table whose header names its column, a link and a sheet-like
 * value in attributes, alternative text. */
static const char odt_body[] =
    "<office:scripts><office:event-listeners><script:event-listener "
    "script:language=\"ooo:script\" script:event-name=\"dom:load\" "
    "xlink:href=\"vnd.sun.star.script:Standard.Module1.Main\"/></office:event-listeners>"
    "</office:scripts>"
    "<office:body><office:text>"
    "<text:tracked-changes><text:changed-region text:id=\"c1\"><text:deletion>"
    "<office:change-info><dc:creator>Dan</dc:creator></office:change-info>"
    "<text:p>old SSN 536-22-8471</text:p></text:deletion></text:changed-region>"
    "</text:tracked-changes>"
    "<text:p>Pay 4111 11<text:span text:style-name=\"T1\">11 1111</text:span> 1111 now."
    "<text:change text:change-id=\"c1\"/></text:p>"
    "<text:p>SSN<text:s/>536-22-<text:span>8471</text:span> on file."
    "<office:annotation><dc:creator>Carol</dc:creator><text:p>ask carol@example.com</text:p>"
    "</office:annotation></text:p>"
    "<text:p><text:a "
    "xlink:href=\"mailto:a@example.com?subject=card%204556737586899855\">mail</text:a>"
    "<draw:frame draw:name=\"f\"><svg:title>card 4556 7375 8689 9855</svg:title></draw:frame>"
    "</text:p>"
    "<table:table table:name=\"T\"><table:table-row>"
    "<table:table-cell><text:p>Name</text:p></table:table-cell>"
    "<table:table-cell><text:p>Card</text:p></table:table-cell></table:table-row>"
    "<table:table-row><table:table-cell><text:p>Al</text:p></table:table-cell>"
    "<table:table-cell office:value-type=\"float\" office:value=\"4556737586899855\">"
    "<text:p>4.55674E+15</text:p></table:table-cell></table:table-row></table:table>"
    "</office:text></office:body>";

static const char odt_manifest[] =
    XML_DECL "<manifest:manifest xmlns:manifest=\"" MANIFEST_NS "\" manifest:version=\"1.3\">"
             "<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"" ODT_TYPE "\"/>"
             "<manifest:file-entry manifest:full-path=\"content.xml\" "
             "manifest:media-type=\"text/xml\"/>"
             "<manifest:file-entry manifest:full-path=\"styles.xml\" "
             "manifest:media-type=\"text/xml\"/>"
             "<manifest:file-entry manifest:full-path=\"meta.xml\" "
             "manifest:media-type=\"text/xml\"/>"
             "<manifest:file-entry manifest:full-path=\"settings.xml\" "
             "manifest:media-type=\"text/xml\"/>"
             "<manifest:file-entry manifest:full-path=\"Thumbnails/thumbnail.png\" "
             "manifest:media-type=\"image/png\"/>"
             "<manifest:file-entry manifest:full-path=\"Basic/\" manifest:media-type=\"\"/>"
             "<manifest:file-entry manifest:full-path=\"Basic/Standard/Module1.xml\" "
             "manifest:media-type=\"text/xml\"/>"
             "<manifest:file-entry manifest:full-path=\"Basic/script.xlc\" "
             "manifest:media-type=\"text/xml\"/></manifest:manifest>";

static uint8_t *
odt(size_t *len, const char *manifest)
{
    static char content[8192];
    snprintf(content, sizeof(content),
             XML_DECL "<office:document-content " ODF_NS " office:version=\"1.3\">%s"
                      "</office:document-content>",
             odt_body);
    static const char styles[] =
        XML_DECL "<office:document-styles " ODF_NS "><office:master-styles><style:master-page "
                 "style:name=\"Standard\"><style:header><text:p>Header 4556 7375 8689 9855"
                 "</text:p></style:header></style:master-page></office:master-styles>"
                 "</office:document-styles>";
    static const char meta[] =
        XML_DECL "<office:document-meta " ODF_NS "><office:meta><dc:creator>Jane Roe</dc:creator>"
                 "<meta:keyword>SSN 536-22-8471</meta:keyword><meta:user-defined "
                 "meta:name=\"Acct\">4111111111111111</meta:user-defined></office:meta>"
                 "</office:document-meta>";
    static const char settings[] =
        XML_DECL "<office:document-settings " ODF_NS "><office:settings><config:config-item-set "
                 "config:name=\"ooo:view-settings\"><config:config-item-map-entry "
                 "config:name=\"Cards 4556737586899855\"><config:config-item "
                 "config:name=\"Printer\" config:type=\"string\">card 4111 1111 1111 1111"
                 "</config:config-item></config:config-item-map-entry></config:config-item-set>"
                 "</office:settings></office:document-settings>";
    static const char module[] =
        XML_DECL "<script:module xmlns:script=\"http://openoffice.org/2000/script\" "
                 "script:name=\"Module1\" script:language=\"StarBasic\">Sub Main\nShell(\"x\")\n"
                 "End Sub</script:module>";
    static const char xlc[] =
        XML_DECL "<library:libraries xmlns:library=\"http://openoffice.org/2000/library\"/>";
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
    /* an embedded chart's own table */
    static const char object[] =
        XML_DECL "<office:document-content " ODF_NS "><office:body><office:chart><table:table>"
                 "<table:table-row><table:table-cell><text:p>card 4111 1111 1111 1111</text:p>"
                 "</table:table-cell></table:table-row></table:table></office:chart></office:body>"
                 "</office:document-content>";
    struct fx_entry e[] = {
        {"mimetype", ODT_TYPE, 0, true},
        {"content.xml", content, 0, false},
        {"styles.xml", styles, 0, false},
        {"meta.xml", meta, 0, false},
        {"settings.xml", settings, 0, false},
        {"Thumbnails/thumbnail.png", png, sizeof(png), false},
        {"Basic/Standard/Module1.xml", module, 0, false},
        {"Basic/script.xlc", xlc, 0, false},
        {"META-INF/manifest.xml", manifest, 0, false},
        {"Object 1/content.xml", object, 0, false},
        {"ObjectReplacements/Object 1", "VCLMTF card 4111", 0, false},
    };
    return fx_zip(e, sizeof(e) / sizeof(e[0]), len);
}

static bool
has_entry(const uint8_t *p, size_t len, const char *name)
{
    char *t = fx_entry_text(p, len, name);
    free(t);
    return t != NULL;
}

static void
test_odt_package(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t len = 0;
    uint8_t *in = odt(&len, odt_manifest);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "plan.odt");
    assert_true(r->modified);
    assert_false(r->unreadable);
    char *c = fx_entry_text(r->out, r->out_len, "content.xml");
    assert_non_null(c);
    /* the card across a span, the SSN across text:s and a span, masked in place */
    assert_non_null(strstr(c, "<text:p>Pay **** **<text:span text:style-name=\"T1\">** ****"
                              "</text:span> 1111 now.</text:p>"));
    assert_non_null(strstr(c, "SSN<text:s/>***-**-<text:span>****</text:span> on file."));
    assert_non_null(strstr(c, "office:value=\"****************\""));
    assert_non_null(strstr(c, "subject=card ************9855"));
    assert_non_null(strstr(c, "<svg:title>card **** **** **** 9855</svg:title>"));
    assert_null(strstr(c, "8471"));
    assert_null(strstr(c, "carol"));
    assert_null(strstr(c, "tracked-changes"));
    assert_null(strstr(c, "text:change "));
    assert_null(strstr(c, "event-listener"));
    free(c);
    c = fx_entry_text(r->out, r->out_len, "styles.xml");
    assert_non_null(strstr(c, "Header **** **** **** 9855"));
    free(c);
    c = fx_entry_text(r->out, r->out_len, "settings.xml");
    assert_null(strstr(c, "4556737586899855"));
    assert_null(strstr(c, "4111 1111"));
    free(c);
    c = fx_entry_text(r->out, r->out_len, "meta.xml");
    assert_null(strstr(c, "Jane"));
    assert_null(strstr(c, "8471"));
    free(c);
    /* macros, the thumbnail and their manifest entries gone */
    assert_false(has_entry(r->out, r->out_len, "Basic/Standard/Module1.xml"));
    assert_false(has_entry(r->out, r->out_len, "Basic/script.xlc"));
    assert_false(has_entry(r->out, r->out_len, "Thumbnails/thumbnail.png"));
    assert_false(has_entry(r->out, r->out_len, "ObjectReplacements/Object 1"));
    c = fx_entry_text(r->out, r->out_len, "Object 1/content.xml");
    assert_non_null(strstr(c, "card **** **** **** 1111"));
    free(c);
    c = fx_entry_text(r->out, r->out_len, "META-INF/manifest.xml");
    assert_null(strstr(c, "Basic"));
    assert_null(strstr(c, "Thumbnails"));
    assert_non_null(strstr(c, "full-path=\"content.xml\""));
    free(c);
    c = fx_entry_text(r->out, r->out_len, "mimetype");
    assert_string_equal(c, ODT_TYPE);
    free(c);
    assert_int_equal(count_actions(r, SCAN_DOC_MACROS_REMOVED), 2); /* Basic, the binding */
    assert_int_equal(count_actions(r, SCAN_DOC_COMMENTS_REMOVED), 1);
    assert_int_equal(count_actions(r, SCAN_DOC_CHANGES_ACCEPTED), 1);
    assert_int_equal(count_actions(r, SCAN_DOC_METADATA_REMOVED), 2); /* meta.xml, thumbnail */
    free(in);
    env_fini(&e);
}

/* Nothing to change: the file passes as it came, thumbnail and all. */
static void
test_odt_clean_unchanged(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"remove_metadata\": false}}");
    static const char content[] =
        XML_DECL "<office:document-content " ODF_NS "><office:body><office:text>"
                 "<text:p>Meeting on <text:span>Tuesday</text:span>.</text:p>"
                 "</office:text></office:body></office:document-content>";
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    struct fx_entry ents[] = {
        {"mimetype", ODT_TYPE, 0, true},
        {"content.xml", content, 0, false},
        {"Thumbnails/thumbnail.png", png, sizeof(png), false},
        {"META-INF/manifest.xml", odt_manifest, 0, false},
    };
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 4, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "notes.odt");
    assert_false(r->modified);
    assert_false(r->unreadable);
    assert_int_equal(r->n_actions, 0);
    free(in);
    env_fini(&e);
}

/* A password-protected file is ciphertext inside: not scanned, held. */
static void
test_odt_encrypted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const char manifest[] =
        XML_DECL "<manifest:manifest xmlns:manifest=\"" MANIFEST_NS "\">"
                 "<manifest:file-entry manifest:full-path=\"content.xml\" "
                 "manifest:media-type=\"text/xml\"><manifest:encryption-data "
                 "manifest:checksum-type=\"SHA1/1K\" manifest:checksum=\"AAAA\"/>"
                 "</manifest:file-entry></manifest:manifest>";
    static const uint8_t cipher[] = {0x13, 0x9f, 0x00, 0x42, 0xde, 0xad, 0xbe, 0xef};
    struct fx_entry ents[] = {
        {"mimetype", ODT_TYPE, 0, true},
        {"content.xml", cipher, sizeof(cipher), false},
        {"META-INF/manifest.xml", manifest, 0, false},
    };
    size_t len = 0;
    uint8_t *in = fx_zip(ents, 3, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len, "", "secret.odt");
    assert_false(r->modified);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_ENCRYPTED), 1);
    free(in);
    env_fini(&e);
}

/* A flat file (fodt): one XML stream, the same rules. */
static void
test_odf_flat(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    char fodt[8192];
    snprintf(fodt, sizeof(fodt),
             XML_DECL "<office:document " ODF_NS " office:mimetype=\"" ODT_TYPE "\">"
                      "<office:meta><dc:creator>Jane Roe</dc:creator></office:meta>%s"
                      "<office:binary-data>QUJD</office:binary-data></office:document>",
             odt_body);
    const struct scan_doc_result *r =
        rewrite(&e, (const uint8_t *)fodt, strlen(fodt), "text/xml", "plan.fodt");
    assert_int_equal(r->kind, SCAN_DOC_ODF);
    assert_true(r->modified);
    char *out = strndup((const char *)r->out, r->out_len);
    xmlDocPtr doc = xmlReadMemory(out, (int)r->out_len, NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlFreeDoc(doc);
    assert_non_null(strstr(out, "Pay **** **<text:span"));
    assert_null(strstr(out, "8471"));
    assert_null(strstr(out, "Jane"));
    assert_null(strstr(out, "event-listener"));
    assert_non_null(strstr(out, "<office:binary-data>QUJD</office:binary-data>"));
    free(out);
    assert_int_equal(count_actions(r, SCAN_DOC_METADATA_REMOVED), 1);
    env_fini(&e);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docx_split_runs_redacted),
        cmocka_unit_test(test_docx_attribute_values),
        cmocka_unit_test(test_docx_table_read_as_copied),
        cmocka_unit_test(test_xlsx_strings_redacted),
        cmocka_unit_test(test_pptx_slide_redacted),
        cmocka_unit_test(test_docm_macros_removed),
        cmocka_unit_test(test_comments_removed),
        cmocka_unit_test(test_comments_kept_are_redacted),
        cmocka_unit_test(test_tracked_changes_accepted),
        cmocka_unit_test(test_tracked_changes_kept_are_redacted),
        cmocka_unit_test(test_hidden_text),
        cmocka_unit_test(test_external_activex_removed),
        cmocka_unit_test(test_metadata_removed),
        cmocka_unit_test(test_corpus_office),
        cmocka_unit_test(test_xxe_refused),
        cmocka_unit_test(test_billion_laughs_refused),
        cmocka_unit_test(test_dtd_in_core_properties),
        cmocka_unit_test(test_dtd_every_part),
        cmocka_unit_test(test_signed_package_unsigned),
        cmocka_unit_test(test_malformed_xml_refused),
        cmocka_unit_test(test_content_types_garbage),
        cmocka_unit_test(test_zip_bomb_refused),
        cmocka_unit_test(test_nested_archives_limited),
        cmocka_unit_test(test_corrupt_and_encrypted),
        cmocka_unit_test(test_zip_entries_rewritten),
        cmocka_unit_test(test_encrypted_office_file),
        cmocka_unit_test(test_type_mismatch),
        cmocka_unit_test(test_not_documents),
        cmocka_unit_test(test_message_docm_renamed),
        cmocka_unit_test(test_message_unreadable_quarantined),
        cmocka_unit_test(test_message_nested_encoded),
        cmocka_unit_test(test_message_nested_too_deep),
        cmocka_unit_test(test_stream_long_part),
        cmocka_unit_test(test_stream_alternate_content),
        cmocka_unit_test(test_stream_late_removal_refused),
        cmocka_unit_test(test_stream_markup_roundtrip),
        cmocka_unit_test(test_stream_dtd_and_encoding),
        cmocka_unit_test(test_props_fields_redacted),
        cmocka_unit_test(test_xlsx_names_lists_alt_text),
        cmocka_unit_test(test_xlsx_column_context),
        cmocka_unit_test(test_docx_fields_tooltips_chunks),
        cmocka_unit_test(test_odt_package),
        cmocka_unit_test(test_odt_clean_unchanged),
        cmocka_unit_test(test_odt_encrypted),
        cmocka_unit_test(test_odf_flat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
