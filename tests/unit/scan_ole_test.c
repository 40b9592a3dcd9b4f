/* SPDX-License-Identifier: Apache-2.0 */
/* Legacy Office files (scan_ole.c) through the document rewriter: a .doc,
 * .xls and .ppt made by LibreOffice (tests/data/ole, see its README) holding
 * a card number and an IBAN are held as unredactable with their findings at
 * the stream's path; clean ones pass unchanged; corrupt, nested, over-limit
 * and OOXML-named files; the three text views. Single-threaded cmocka
 * runner. */
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "doc_fixture.h"
#include "internal.h"
#include "mime_charset.h"
#include "scan_ole.h"
#include "scan_policy.h"
#include "scan_types.h"

#define DATA "tests/data/ole/"

static uint8_t *
load(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), DATA "%s", name);
    uint8_t *p = fx_file(path, len);
    if (p == NULL) {
        fail_msg("%s missing", path);
    }
    return p;
}

/* The gzipped fixture `name` unpacked whole (the caller frees it). */
static uint8_t *
load_gz(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), DATA "%s", name);
    gzFile g = gzopen(path, "rb");
    assert_non_null(g);
    size_t cap = 1u << 20;
    size_t n = 0;
    uint8_t *p = malloc(cap);
    assert_non_null(p);
    int got;
    while ((got = gzread(g, p + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)got;
        if (n == cap) {
            cap *= 2;
            uint8_t *grown = realloc(p, cap);
            assert_non_null(grown);
            p = grown;
        }
    }
    assert_int_equal(got, 0);
    gzclose(g);
    *len = n;
    return p;
}

static size_t
count_type(const struct scan_doc_result *r, enum scan_type t, const char *loc)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        n += r->findings[i].f.type == t && strcmp(r->findings[i].location, loc) == 0;
    }
    return n;
}

/* A file with a card: held (unreadable, so on_unreadable applies), not
 * changed, the findings at `stream`. */
static void
check_held(uint8_t *p, size_t len, const char *name, const char *stream, bool iban)
{
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/octet-stream", name), 0);
    assert_int_equal(r->kind, SCAN_DOC_OLE);
    assert_string_equal(r->true_type, "application/x-ole-storage");
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_false(r->failed);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREDACTABLE), 1);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 0);
    assert_true(count_type(r, SCAN_T_CREDIT_CARD, stream) >= 1);
    if (iban) {
        assert_true(count_type(r, SCAN_T_IBAN, stream) >= 1);
    }
    for (size_t i = 0; i < r->n_actions; i++) {
        if (r->actions[i].kind == SCAN_DOC_UNREDACTABLE) {
            assert_string_equal(r->actions[i].location, "");
            assert_non_null(strstr(r->actions[i].detail, stream));
            assert_null(strstr(r->actions[i].detail, "4111")); /* never a value */
        }
    }
    assert_string_equal(scan_doc_action_name(SCAN_DOC_UNREDACTABLE), "unredactable");
    env_fini(&e);
    free(p);
}

static void
test_doc_card_held(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *p = load("card.doc", &len);
    check_held(p, len, "letter.doc", "WordDocument", true);
}

static void
test_xls_card_held(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *p = load("card.xls", &len);
    check_held(p, len, "sheet.xls", "Workbook", true);
}

static void
test_ppt_card_held(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *p = load_gz("card.ppt.gz", &len);
    check_held(p, len, "slides.ppt", "PowerPoint Document", false);
}

static void
test_clean_passes(void **state)
{
    (void)state;
    const char *files[] = {"clean.doc", "clean.xls"};
    struct env e;
    env_init(&e, NULL);
    for (size_t i = 0; i < 2; i++) {
        size_t len = 0;
        uint8_t *p = load(files[i], &len);
        const struct scan_doc_result *r = NULL;
        assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/msword", files[i]), 0);
        assert_int_equal(r->kind, SCAN_DOC_OLE);
        assert_false(r->unreadable);
        assert_false(r->modified);
        assert_int_equal(r->n_findings, 0);
        assert_int_equal(r->n_actions, 0);
        free(p);
    }
    env_fini(&e);
}

/* Truncated, or a directory sector pointing nowhere: libgsf cannot open it. */
static void
test_corrupt_unreadable(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *p = load("card.doc", &len);
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, 1024, "application/msword", "a.doc"), 0);
    assert_int_equal(r->kind, SCAN_DOC_OLE);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    p[0x30] = p[0x31] = p[0x32] = 0xff; /* first directory sector */
    p[0x33] = 0x7f;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/msword", "a.doc"), 0);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    assert_int_equal(r->n_findings, 0);
    free(p);
    /* The root entry with a sibling ([MS-CFB] forbids it; libgsf would
     * read it and leak it, which the ASan build of this test catches). */
    p = load("card.doc", &len);
    size_t root = 512 + ((size_t)p[0x30] << 9);
    assert_true(root + 0x4C <= len);
    p[root + 0x48] = 1;
    p[root + 0x49] = p[root + 0x4A] = p[root + 0x4B] = 0;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/msword", "a.doc"), 0);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    assert_non_null(strstr(r->actions[0].detail, "siblings"));
    env_fini(&e);
    free(p);
}

/* A .doc inside a zip: held the same way, at the entry's path. */
static void
test_nested_in_zip(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *p = load("card.doc", &len);
    struct fx_entry ent[] = {{"docs/card.doc", p, len, false},
                             {"a.txt", "hello there\n", 0, false}};
    size_t zlen = 0;
    uint8_t *z = fx_zip(ent, 2, &zlen);
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, z, zlen, "application/zip", "a.zip"), 0);
    assert_int_equal(r->kind, SCAN_DOC_ZIP);
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREDACTABLE), 1);
    assert_true(count_type(r, SCAN_T_CREDIT_CARD, "docs/card.doc/WordDocument") >= 1);
    /* one level too deep: not opened, a limit */
    e.pol->limits.max_archive_depth = 1;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, z, zlen, "application/zip", "a.zip"), 0);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREDACTABLE), 0);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_int_equal(r->n_findings, 0);
    env_fini(&e);
    free(z);
    free(p);
}

/* The archive budget: entries and bytes are spent by streams. */
static void
test_limits(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *p = load("card.doc", &len);
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = NULL;
    e.pol->limits.max_archive_entries = 1;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/msword", "a.doc"), 0);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    e.pol->limits.max_archive_entries = 1000;
    e.pol->limits.max_archive_bytes = 100;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/msword", "a.doc"), 0);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    env_fini(&e);
    free(p);
}

/* An OLE2 file named as OOXML is the encrypted-package case, as before;
 * documents.redact off leaves legacy files alone. */
static void
test_ooxml_claim_and_redact_off(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *p = load("card.doc", &len);
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/octet-stream", "a.docx"), 0);
    assert_int_equal(r->kind, SCAN_DOC_OOXML);
    assert_int_equal(count_actions(r, SCAN_DOC_ENCRYPTED), 1);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREDACTABLE), 0);
    e.pol->documents.redact = false;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/msword", "a.doc"), 0);
    assert_int_equal(r->kind, SCAN_DOC_OLE);
    assert_false(r->unreadable);
    assert_int_equal(r->n_findings, 0);
    env_fini(&e);
    free(p);
}

/* A compound file written by libgsf: streams at paths "a/b/name" (each
 * storage on the way made for that stream alone). The caller frees it. */
struct ole_stream {
    const char *path;
    const void *data;
    size_t len; /* 0: strlen(data) */
};

static uint8_t *
ole_of(const struct ole_stream *st, size_t n, size_t *out_len)
{
    GsfOutput *mem = gsf_output_memory_new();
    GsfOutfile *root = gsf_outfile_msole_new(mem);
    assert_non_null(root);
    for (size_t i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof(path), "%s", st[i].path);
        GsfOutfile *dirs[8];
        size_t nd = 0;
        GsfOutfile *at = root;
        char *name = path;
        for (char *slash; (slash = strchr(name, '/')) != NULL && nd < 8; name = slash + 1) {
            *slash = '\0';
            at = dirs[nd++] = GSF_OUTFILE(gsf_outfile_new_child(at, name, TRUE));
        }
        GsfOutput *c = gsf_outfile_new_child(at, name, FALSE);
        size_t len = st[i].len ? st[i].len : strlen(st[i].data);
        assert_true(gsf_output_write(c, len, st[i].data));
        assert_true(gsf_output_close(c));
        g_object_unref(c);
        while (nd > 0) {
            GsfOutput *dir = GSF_OUTPUT(dirs[--nd]);
            assert_true(gsf_output_close(dir));
            g_object_unref(dir);
        }
    }
    assert_true(gsf_output_close(GSF_OUTPUT(root)));
    g_object_unref(root);
    size_t len = (size_t)gsf_output_size(mem);
    uint8_t *p = malloc(len);
    assert_non_null(p);
    memcpy(p, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), len);
    g_object_unref(mem);
    *out_len = len;
    return p;
}

/* A minimal Word package whose body is `text`, with core properties (which
 * the sanitiser would replace). The caller frees it. */
static uint8_t *
package_of(const char *text, size_t *len)
{
    static char doc[1024];
    snprintf(doc, sizeof(doc),
             "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/"
             "wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p>"
             "</w:body></w:document>",
             text);
    struct fx_entry e[] = {
        {"[Content_Types].xml",
         "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
         "content-types\"><Default Extension=\"rels\" ContentType=\"application/"
         "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" "
         "ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" "
         "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml."
         "document.main+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\""
         "application/vnd.openxmlformats-package.core-properties+xml\"/></Types>",
         0, false},
        {"_rels/.rels",
         "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/"
         "package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://"
         "schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
         "Target=\"word/document.xml\"/><Relationship Id=\"rId2\" Type=\"http://"
         "schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" "
         "Target=\"docProps/core.xml\"/></Relationships>",
         0, false},
        {"word/document.xml", doc, 0, false},
        {"docProps/core.xml",
         "<?xml version=\"1.0\"?><cp:coreProperties xmlns:cp=\"http://"
         "schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
         "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:creator>Alice Author</dc:creator>"
         "</cp:coreProperties>",
         0, false},
    };
    return fx_zip(e, 4, len);
}

/* An embedded package (a Package stream under ObjectPool): scanned as a
 * file; a clean one leaves the compound file as it is, with no sanitising
 * step listed (none happened); one with a card holds the compound file. */
static void
test_embedded_package(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    for (int card = 0; card < 2; card++) {
        size_t plen = 0;
        uint8_t *pkg = package_of(card ? "pay 4111 1111 1111 1111 now" : "nothing here", &plen);
        struct ole_stream st[] = {
            {"WordDocument", "just some words of a letter", 0},
            {"ObjectPool/_1234/Package", pkg, plen},
        };
        size_t len = 0;
        uint8_t *p = ole_of(st, 2, &len);
        const struct scan_doc_result *r = NULL;
        assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/msword", "a.doc"), 0);
        assert_int_equal(r->kind, SCAN_DOC_OLE);
        assert_false(r->modified);
        assert_int_equal(count_actions(r, SCAN_DOC_METADATA_REMOVED), 0);
        if (card) {
            assert_true(r->unreadable);
            assert_int_equal(count_actions(r, SCAN_DOC_UNREDACTABLE), 1);
            assert_int_equal(
                count_type(r, SCAN_T_CREDIT_CARD, "ObjectPool/_1234/Package/word/document.xml"), 1);
        } else {
            assert_false(r->unreadable);
            assert_int_equal(r->n_actions, 0);
            assert_int_equal(r->n_findings, 0);
        }
        free(p);
        free(pkg);
    }
    env_fini(&e);
}

/* A property stream's name loses its control character; a UTF-16LE value
 * at an odd offset, Windows-1252 text and text split by binary are read. */
static void
test_stream_views_in_file(void **state)
{
    (void)state;
    uint8_t utf16[64] = {0x01, 0x00, 0x00};
    const char *v = "4111 1111 1111 1111";
    size_t n = 3;
    for (; *v != '\0'; v++) {
        utf16[n++] = (uint8_t)*v;
        utf16[n++] = 0;
    }
    static const char wb[] = "\x02\x00\x09\x00IBAN GB82 WEST 1234 5698 7654 32\x00\x01";
    static const char clean[] = "\x00\x01\x02"
                                "4111 1111\x00\x00\x00\x00"
                                "1111 1111";
    struct ole_stream st[] = {
        {"\005SummaryInformation", utf16, n},
        {"Workbook", wb, sizeof(wb) - 1},
        {"Clean", clean, sizeof(clean) - 1},
    };
    size_t len = 0;
    uint8_t *p = ole_of(st, 3, &len);
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/vnd.ms-excel", "a.xls"), 0);
    assert_true(r->unreadable);
    assert_int_equal(count_type(r, SCAN_T_CREDIT_CARD, "SummaryInformation"), 1);
    assert_int_equal(count_type(r, SCAN_T_IBAN, "Workbook"), 1);
    assert_int_equal(count_type(r, SCAN_T_CREDIT_CARD, "Clean"), 0);
    env_fini(&e);
    free(p);
}

/* Contact details alone (a letterhead's address and phone number) are
 * recorded, not held, under the default documents.hold_unredactable. */
static void
test_contacts_pass(void **state)
{
    (void)state;
    static const char text[] = "\x00\x01Jo Smith, jo.smith@example.com, Tel +44 20 7946 0958\x00";
    struct ole_stream st[] = {{"WordDocument", text, sizeof(text) - 1}};
    size_t len = 0;
    uint8_t *p = ole_of(st, 1, &len);
    struct env e;
    env_init(&e, NULL);
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e.doc, &r, p, len, "application/msword", "a.doc"), 0);
    assert_false(r->unreadable);
    assert_int_equal(count_type(r, SCAN_T_EMAIL, "WordDocument"), 1);
    assert_int_equal(count_type(r, SCAN_T_PHONE, "WordDocument"), 1);
    for (size_t i = 0; i < r->n_findings; i++) {
        assert_int_equal(r->findings[i].f.action, SCAN_ACT_ALLOW);
    }
    env_fini(&e);
    free(p);
}

static char *
view(const uint8_t *p, size_t n, unsigned v)
{
    char *out = malloc(scan_ole_text_cap(n) + 1);
    assert_non_null(out);
    size_t len = scan_ole_text((uint8_t *)out, p, n, v);
    assert_true(len <= scan_ole_text_cap(n));
    out[len] = '\0';
    return out;
}

/* The text views: binary between text is one separator, short runs are
 * noise, UTF-16LE at an odd offset is read, Windows-1252 is transcoded. */
static void
test_text_views(void **state)
{
    (void)state;
    static const uint8_t bytes[] = "\x01\x02"
                                   "4111 1111\x00\x05"
                                   "1111 1111\x07"
                                   "ab\x03"
                                   "caf\xe9 \x80"
                                   "5\x1e"
                                   "6\x0d";
    char *t = view(bytes, sizeof(bytes) - 1, 0);
    assert_string_equal(t, "4111 1111\n\n1111 1111\n\ncaf\xc3\xa9 \xe2\x82\xac"
                           "5-6\n\n");
    free(t);
    /* "card 4111" in UTF-16LE starting at byte 3, between binary */
    uint8_t u[64] = {0xff, 0x07, 0x00};
    const char *s = "card 4111\x1e"
                    "22";
    size_t n = 3;
    for (; *s != '\0'; s++) {
        u[n++] = (uint8_t)*s;
        u[n++] = 0;
    }
    u[n++] = 0x00;
    u[n++] = 0xd8; /* a lone surrogate */
    u[n++] = 0xac;
    u[n++] = 0x20; /* euro sign */
    t = view(u, n, 2);
    assert_string_equal(t, "card 4111-22\n\n");
    free(t);
    t = view(u, n, 1);
    assert_null(strstr(t, "4111"));
    free(t);
    t = view((const uint8_t *)"x", 1, 2);
    assert_string_equal(t, "");
    free(t);
}

static int
setup(void **state)
{
    (void)state;
    gsf_init();
    return mime_charset_init();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_card_held),
        cmocka_unit_test(test_xls_card_held),
        cmocka_unit_test(test_ppt_card_held),
        cmocka_unit_test(test_clean_passes),
        cmocka_unit_test(test_corrupt_unreadable),
        cmocka_unit_test(test_contacts_pass),
        cmocka_unit_test(test_nested_in_zip),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_ooxml_claim_and_redact_off),
        cmocka_unit_test(test_text_views),
        cmocka_unit_test(test_embedded_package),
        cmocka_unit_test(test_stream_views_in_file),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
