/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the document rewriter (scan_doc.c, scan_ooxml.c,
 * scan_zip.c) under the default policy. An input that starts with "PK" is
 * the attachment itself (zip parsing, limits, nesting); any other input is
 * one XML part, chosen by its first byte, of an otherwise fixed package
 * (stored, so the fuzzer's bytes reach libxml2 and the sanitiser as they
 * are): an Office Open XML one, an OpenDocument one, or the whole of a
 * flat OpenDocument file. Checks: a rewritten file, rewritten again, is readable and holds
 * nothing left to redact. */
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "doc_check.h"
#include "scan_doc.h"
#include "scan_redact.h"

#define CT_HEAD                                                                                    \
    "<?xml version=\"1.0\"?><Types "                                                               \
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default "             \
    "Extension=\"rels\" "                                                                          \
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"                   \
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
#define RELS_HEAD                                                                                  \
    "<?xml version=\"1.0\"?><Relationships "                                                       \
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
#define REL(id, type, target)                                                                      \
    "<Relationship Id=\"" id "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"    \
    "relationships/" type "\" Target=\"" target "\"/>"

/* The package around the fuzzed part: a macro-enabled document with
 * comments, a VBA project and core properties, so every removal path runs. */
static const struct {
    const char *name;
    const char *data;
} skeleton[] = {
    {"[Content_Types].xml",
     CT_HEAD "<Override PartName=\"/word/document.xml\" "
             "ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/></Types>"},
    {"_rels/.rels",
     RELS_HEAD REL(
         "rId1", "officeDocument",
         "word/document.xml") "<Relationship "
                              "Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/"
                              "relationships/metadata/core-properties\" "
                              "Target=\"docProps/core.xml\"/>"
                              "</Relationships>"},
    {"word/document.xml",
     "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
     "<w:body><w:p><w:r><w:t>card 4111 1111 1111 1111</w:t></w:r></w:p></w:body></w:document>"},
    {"word/_rels/document.xml.rels",
     RELS_HEAD REL("rId1", "comments", "comments.xml") REL("rId2", "vbaProject", "vbaProject.bin")
         REL("rId3", "sharedStrings", "../xl/sharedStrings.xml") "</Relationships>"},
    {"word/comments.xml",
     "<w:comments xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"/>"},
    {"xl/sharedStrings.xml",
     "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>"},
    {"docProps/core.xml", "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/"
                          "package/2006/metadata/core-properties\"/>"},
    {"word/vbaProject.bin", "VBA"},
};
#define N_SKELETON (sizeof(skeleton) / sizeof(skeleton[0]))

#define ODF_OFFICE "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\""
/* An OpenDocument text with Basic, a thumbnail and metadata. */
static const struct {
    const char *name;
    const char *data;
} odf_skeleton[] = {
    {"mimetype", "application/vnd.oasis.opendocument.text"},
    {"content.xml",
     "<office:document-content " ODF_OFFICE " xmlns:text=\"urn:oasis:names:tc:opendocument:"
     "xmlns:text:1.0\"><office:body><office:text><text:p>card 4111 1111 1111 1111</text:p>"
     "</office:text></office:body></office:document-content>"},
    {"styles.xml", "<office:document-styles " ODF_OFFICE "/>"},
    {"settings.xml", "<office:document-settings " ODF_OFFICE "/>"},
    {"META-INF/manifest.xml",
     "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">"
     "<manifest:file-entry manifest:full-path=\"Basic/\"/></manifest:manifest>"},
    {"meta.xml", "<office:document-meta " ODF_OFFICE "/>"},
    {"Basic/Standard/Module1.xml", "<m/>"},
    {"Thumbnails/thumbnail.png", "PNG"},
};
#define N_ODF (sizeof(odf_skeleton) / sizeof(odf_skeleton[0]))

/* Parts the first byte can pick: indices into skeleton[], then into
 * odf_skeleton[] (+ N_SKELETON), then the flat file (FLAT). */
#define FLAT ((size_t)-1)
static const size_t fuzzable[] = {
    0, 1, 2, 3, 4, 5, 6, N_SKELETON + 1, N_SKELETON + 2, N_SKELETON + 3, N_SKELETON + 4, FLAT};

static struct scan_doc *doc;

/* The skeleton with part `which` replaced by p[0, n). */
static uint8_t *
package(size_t *out_len, size_t which, const uint8_t *p, size_t n)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
    zip_t *za = src != NULL ? zip_open_from_source(src, ZIP_TRUNCATE, &err) : NULL;
    if (za == NULL) {
        abort();
    }
    zip_source_keep(src);
    bool odf = which >= N_SKELETON;
    size_t parts = odf ? N_ODF : N_SKELETON;
    for (size_t i = 0; i < parts; i++) {
        const char *name = odf ? odf_skeleton[i].name : skeleton[i].name;
        const char *skel = odf ? odf_skeleton[i].data : skeleton[i].data;
        bool mine = i == (odf ? which - N_SKELETON : which);
        const void *data = mine ? (const void *)p : skel;
        size_t len = mine ? n : strlen(skel);
        zip_source_t *s = zip_source_buffer(za, data, len, 0);
        zip_int64_t idx = s != NULL ? zip_file_add(za, name, s, 0) : -1;
        if (idx < 0) {
            abort();
        }
        zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    zip_stat_t st;
    if (zip_close(za) != 0 || zip_source_open(src) != 0 || zip_source_stat(src, &st) != 0) {
        abort();
    }
    uint8_t *out = malloc(st.size);
    if (out == NULL || zip_source_read(src, out, st.size) != (zip_int64_t)st.size) {
        abort();
    }
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&err);
    *out_len = st.size;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (doc == NULL) {
        doc = fuzz_doc_new();
    }
    uint8_t *pkg = NULL;
    size_t len = size;
    const uint8_t *in = data;
    if (size < 2 || memcmp(data, "PK", 2) != 0) {
        size_t which = size > 0 ? fuzzable[data[0] % (sizeof(fuzzable) / sizeof(fuzzable[0]))] : 2;
        if (which == FLAT) {
            in = data + 1;
            len = size - 1;
        } else {
            pkg = package(&len, which, size > 0 ? data + 1 : data, size > 0 ? size - 1 : 0);
            in = pkg;
        }
    }
    const struct scan_doc_result *r = NULL;
    scan_doc_begin(doc); /* each input a message of its own (libmagic's budget) */
    if (scan_doc_rewrite(doc, &r, in, len, "application/octet-stream", "f.docm") != 0) {
        abort(); /* only allocation failure is an error */
    }
    fuzz_doc_recheck(r, "f.docx");
    free(pkg);
    return 0;
}
