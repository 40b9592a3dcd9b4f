/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the PDF sanitiser (scan_pdf.c through scan_doc): findings
 * truly redacted (gone from the re-extracted text, neighbours kept), text
 * strings of the object graph masked, JavaScript, launch actions, embedded
 * files, XFA, metadata, signatures and earlier revisions removed by policy;
 * encrypted, damaged and over-limit files refused with a clear action; the
 * public test PDFs of pdf.js and the PDF Association each get their expected
 * outcome. PDFs are written here by hand (exact objects), re-read with
 * MuPDF. Single-threaded cmocka runner; run from the source root. */
#include <math.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
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
#include "rl_error.h"
#include "scan_doc.h"
#include "scan_engine.h"
#include "scan_policy.h"

#define CARD "4556 7375 8689 9855"
#define CARD_DIGITS "4556737586899855"

/* ---- a hand-written PDF ---- */

struct pdf_spec {
    const char *catalog;   /* extra catalog entries */
    const char *page;      /* extra page entries */
    const char *text;      /* shown on the page (a PDF string body, no parentheses) */
    const char *extra[8];  /* objects 6, 7, ... */
    const char *trailer;   /* extra trailer entries */
    unsigned pages;        /* 0 = 1 */
    const uint8_t *stream; /* the content stream, when not made from `text` */
    size_t stream_len;
    const char *stream_dict; /* extra entries of the content stream's dictionary */
    const char *resources;   /* extra entries of the pages' resources */
    const char *fonts;       /* extra entries of the pages' font dictionary */
};

struct obuf {
    char *p;
    size_t len, cap;
};

static void
put(struct obuf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void putf(struct obuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct obuf *b, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(tmp));
    put(b, tmp, (size_t)n);
}

/* Objects 1 catalog, 2 page tree, 3.. pages, then font, contents, extras. */
static uint8_t *
make_pdf(const struct pdf_spec *s, size_t *out_len)
{
    unsigned pages = s->pages ? s->pages : 1;
    unsigned font = 3 + pages, contents = font + 1, first_extra = contents + 1;
    size_t n_extra = 0;
    while (n_extra < 8 && s->extra[n_extra] != NULL) {
        n_extra++;
    }
    unsigned n_obj = first_extra + (unsigned)n_extra;
    size_t *off = calloc(n_obj, sizeof(*off));
    struct obuf b = {0};
    putf(&b, "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n");
    off[1] = b.len;
    putf(&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R %s >>\nendobj\n",
         s->catalog ? s->catalog : "");
    off[2] = b.len;
    putf(&b, "2 0 obj\n<< /Type /Pages /Count %u /Kids [", pages);
    for (unsigned i = 0; i < pages; i++) {
        putf(&b, " %u 0 R", 3 + i);
    }
    putf(&b, " ] >>\nendobj\n");
    for (unsigned i = 0; i < pages; i++) {
        off[3 + i] = b.len;
        putf(&b,
             "%u 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
             "/Resources << /Font << /F1 %u 0 R %s >> %s >> /Contents %u 0 R %s >>\nendobj\n",
             3 + i, font, s->fonts ? s->fonts : "", s->resources ? s->resources : "", contents,
             s->page ? s->page : "");
    }
    off[font] = b.len;
    putf(&b, "%u 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n", font);
    char text_stream[2048];
    const uint8_t *st = s->stream;
    size_t st_len = s->stream_len;
    if (st == NULL) {
        snprintf(text_stream, sizeof(text_stream),
                 "BT /F1 12 Tf 72 700 Td (%s) Tj ET\nBT /F1 12 Tf 72 600 Td (Kept words stay.) Tj "
                 "ET\n",
                 s->text ? s->text : "Nothing to see.");
        st = (const uint8_t *)text_stream;
        st_len = strlen(text_stream);
    }
    off[contents] = b.len;
    putf(&b, "%u 0 obj\n<< /Length %zu %s >>\nstream\n", contents, st_len,
         s->stream_dict ? s->stream_dict : "");
    put(&b, st, st_len);
    putf(&b, "\nendstream\nendobj\n");
    for (size_t i = 0; i < n_extra; i++) {
        off[first_extra + i] = b.len;
        putf(&b, "%u 0 obj\n%s\nendobj\n", first_extra + (unsigned)i, s->extra[i]);
    }
    size_t xref = b.len;
    putf(&b, "xref\n0 %u\n0000000000 65535 f \n", n_obj);
    for (unsigned i = 1; i < n_obj; i++) {
        putf(&b, "%010zu 00000 n \n", off[i]);
    }
    putf(&b, "trailer\n<< /Size %u /Root 1 0 R %s >>\nstartxref\n%zu\n%%%%EOF\n", n_obj,
         s->trailer ? s->trailer : "", xref);
    free(off);
    *out_len = b.len;
    return (uint8_t *)b.p;
}

static uint8_t *
read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct obuf b = {0};
    char tmp[65536];
    size_t n;
    put(&b, "", 0);
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
        put(&b, tmp, n);
    }
    fclose(f);
    *out_len = b.len;
    return (uint8_t *)b.p;
}

static const struct scan_doc_result *
rewrite(struct env *e, const uint8_t *p, size_t len)
{
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e->doc, &r, p, len, "application/pdf", "f.pdf"), 0);
    assert_non_null(r);
    return r;
}

/* The text of every page of the PDF in p[0, len) as MuPDF extracts it
 * (caller frees); NULL when it cannot be opened or needs repair. */
static char *
pdf_text(const uint8_t *p, size_t len)
{
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    char *volatile out = NULL;
    fz_set_warning_callback(ctx, NULL, NULL);
    fz_set_error_callback(ctx, NULL, NULL);
    fz_try(ctx)
    {
        fz_stream *stm = fz_open_memory(ctx, p, len);
        pdf_document *doc = pdf_open_document_with_stream(ctx, stm);
        struct obuf b = {0};
        put(&b, "", 0);
        for (int i = 0; i < pdf_count_pages(ctx, doc); i++) {
            fz_page *page = fz_load_page(ctx, &doc->super, i);
            fz_stext_page *sp = fz_new_stext_page_from_page(ctx, page, NULL);
            fz_buffer *tb = fz_new_buffer_from_stext_page(ctx, sp);
            unsigned char *data = NULL;
            size_t n = fz_buffer_storage(ctx, tb, &data);
            put(&b, data, n);
            fz_drop_buffer(ctx, tb);
            fz_drop_stext_page(ctx, sp);
            fz_drop_page(ctx, page);
        }
        if (pdf_was_repaired(ctx, doc)) {
            free(b.p);
            b.p = NULL;
        }
        out = b.p;
        pdf_drop_document(ctx, doc);
        fz_drop_stream(ctx, stm);
    }
    fz_catch(ctx)
    {
        out = NULL;
    }
    fz_drop_context(ctx);
    return out;
}

static bool
has(const uint8_t *p, size_t len, const char *what)
{
    return memmem(p, len, what, strlen(what)) != NULL;
}

/* ---- redaction ---- */

static void
test_text_redacted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    struct pdf_spec s = {.text = "Charge my card " CARD " or mail alice@example.org today"};
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    char *before = pdf_text(in, len);
    assert_non_null(strstr(before, CARD));
    free(before);
    const struct scan_doc_result *r = rewrite(&e, in, len);
    assert_int_equal(r->kind, SCAN_DOC_PDF);
    assert_true(r->modified);
    assert_false(r->unreadable || r->failed);
    assert_int_equal(r->n_findings, 2);
    assert_string_equal(r->findings[0].location, "page 1");
    assert_int_equal(r->findings[0].f.type, SCAN_T_CREDIT_CARD);
    assert_int_equal(r->findings[1].f.type, SCAN_T_EMAIL);
    char *after = pdf_text(r->out, r->out_len);
    assert_non_null(after);
    /* true redaction: the glyphs are gone from the content, not covered */
    assert_null(strstr(after, "4556"));
    assert_null(strstr(after, "8689"));
    assert_null(strstr(after, "alice"));
    assert_false(has(r->out, r->out_len, "alice@example.org"));
    assert_non_null(strstr(after, "Charge my card"));
    assert_non_null(strstr(after, "today"));
    assert_non_null(strstr(after, "Kept words stay."));
    free(after);
    free(in);
    /* with documents.redact off the findings are listed, nothing redacted */
    env_fini(&e);
    env_init(&e, "{\"version\": \"t\", \"documents\": {\"redact\": false}, "
                 "\"pdf\": {\"metadata\": \"keep\"}}");
    in = make_pdf(&s, &len);
    r = rewrite(&e, in, len);
    assert_int_equal(r->n_findings, 2);
    assert_false(r->modified);
    free(in);
    env_fini(&e);
}

static void
test_strings_redacted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    /* an annotation's contents and a bookmark title hold findings that
     * are not on the page */
    struct pdf_spec s = {
        .text = "Nothing here",
        .page = "/Annots [7 0 R]",
        .catalog = "/Outlines 6 0 R",
        .extra = {"<< /Type /Outlines /First 8 0 R /Last 8 0 R /Count 1 >>",
                  "<< /Type /Annot /Subtype /Text /Rect [10 10 20 20] /Contents (pay to "
                  "card " CARD ") >>",
                  "<< /Title (write to bob@example.org) /Parent 6 0 R /Dest [3 0 R /Fit] >>", NULL},
    };
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len);
    assert_true(r->modified);
    assert_false(r->failed);
    assert_int_equal(r->n_findings, 2);
    assert_non_null(strstr(r->findings[0].location, "object"));
    assert_false(has(r->out, r->out_len, "bob@example.org"));
    assert_false(has(r->out, r->out_len, CARD));
    assert_true(has(r->out, r->out_len, "write to"));
    free(in);
    env_fini(&e);
}

/* ---- active content, metadata, history, signatures ---- */

static void
test_active_content_removed(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    struct pdf_spec s = {
        .text = "Hello",
        .catalog = "/OpenAction 6 0 R /Names << /JavaScript 7 0 R /EmbeddedFiles 9 0 R >> "
                   "/AcroForm << /Fields [] /XFA 11 0 R >> /Metadata 12 0 R "
                   "/AA << /WC << /S /JavaScript /JS (app.alert(2)) >> >>",
        .page = "/Annots [8 0 R 13 0 R]",
        .extra =
            {
                "<< /S /JavaScript /JS (app.alert(1)) >>",
                "<< /Names [(a) << /S /JavaScript /JS (this.print()) >>] >>",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A << /S /Launch /F "
                "(cmd.exe) >> >>",
                "<< /Names [(x.txt) 10 0 R] >>",
                "<< /Type /Filespec /F (x.txt) /EF << /F 11 0 R >> >>",
                "<< /Length 5 >>\nstream\n<xdp/>\nendstream",
                "<< /Type /Metadata /Subtype /XML /Length 9 >>\nstream\n<x:xmp/>\nendstream",
                "<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS 10 0 R >>",
            },
        .trailer = "/Info << /Author (Alice Author) /Title (t) >>",
    };
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len);
    assert_true(r->modified);
    assert_false(r->failed);
    assert_true(count_actions(r, SCAN_DOC_SCRIPTS_REMOVED) == 1);
    assert_true(count_actions(r, SCAN_DOC_LAUNCH_REMOVED) == 1);
    assert_true(count_actions(r, SCAN_DOC_EMBEDDED_REMOVED) == 1);
    assert_true(count_actions(r, SCAN_DOC_XFA_REMOVED) == 1);
    assert_true(count_actions(r, SCAN_DOC_METADATA_REMOVED) == 1);
    static const char *const gone[] = {
        "/JavaScript", "app.alert", "this.print", "/Launch",  "cmd.exe",      "/EmbeddedFiles",
        "/XFA",        "<xdp/>",    "/Metadata",  "<x:xmp/>", "Alice Author", "/FileAttachment",
        "/AA",         NULL};
    for (const char *const *g = gone; *g != NULL; g++) {
        if (has(r->out, r->out_len, *g)) {
            fail_msg("%s left in the rewritten PDF", *g);
        }
    }
    char *after = pdf_text(r->out, r->out_len);
    assert_non_null(after);
    assert_non_null(strstr(after, "Hello"));
    free(after);
    env_fini(&e);
    /* kept by policy: the file is not even rewritten */
    env_init(&e, "{\"version\": \"t\", \"pdf\": {\"javascript\": \"keep\", \"launch\": \"keep\", "
                 "\"embedded_files\": \"keep\", \"xfa\": \"keep\", \"metadata\": \"keep\"}}");
    r = rewrite(&e, in, len);
    assert_false(r->modified);
    assert_int_equal(r->n_actions, 0);
    env_fini(&e);
    free(in);
}

static void
test_signature_dropped_when_changed(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    struct pdf_spec s = {
        .text = "Card " CARD,
        .catalog = "/AcroForm << /Fields [6 0 R] /SigFlags 3 >> /Perms << /DocMDP 7 0 R >>",
        .extra = {"<< /FT /Sig /T (Signature1) /V 7 0 R >>",
                  "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
                  "/ByteRange [0 10 20 10] /Contents <3082AB> >>",
                  NULL},
    };
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len);
    assert_true(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_SIGNATURE_REMOVED), 1);
    assert_false(has(r->out, r->out_len, "/ByteRange"));
    assert_false(has(r->out, r->out_len, "/Perms"));
    assert_false(has(r->out, r->out_len, "/SigFlags"));
    free(in);
    env_fini(&e);
}

/* ---- refusals and limits ---- */

static void
test_limits(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, "{\"version\": \"t\", \"limits\": {\"max_pdf_pages\": 2}}");
    struct pdf_spec s = {.text = "Hello", .pages = 3};
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len);
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_non_null(strstr(r->actions[0].detail, "pages"));
    free(in);
    env_fini(&e);

    env_init(&e, "{\"version\": \"t\", \"limits\": {\"max_pdf_objects\": 16}}");
    struct pdf_spec many = {.text = "Hello", .pages = 20};
    in = make_pdf(&many, &len);
    r = rewrite(&e, in, len);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_non_null(strstr(r->actions[0].detail, "objects"));
    free(in);
    env_fini(&e);

    /* a decompression bomb: 16 MiB of spaces in a content stream of ~16 KB */
    env_init(&e, NULL);
    size_t big = (size_t)16 << 20;
    uint8_t *spaces = malloc(big);
    memset(spaces, ' ', big);
    uLongf zlen = compressBound(big);
    uint8_t *z = malloc(zlen);
    assert_int_equal(compress2(z, &zlen, spaces, big, 9), Z_OK);
    struct pdf_spec bomb = {.stream = z, .stream_len = zlen, .stream_dict = "/Filter /FlateDecode"};
    in = make_pdf(&bomb, &len);
    r = rewrite(&e, in, len);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_non_null(strstr(r->actions[0].detail, "ratio"));
    free(in);
    env_fini(&e);

    /* memory: the same bomb read whole (an object stream is loaded into
     * memory) stops at the memory limit or the ratio, never runs away */
    env_init(&e, "{\"version\": \"t\", \"limits\": {\"max_pdf_memory\": 16777216, "
                 "\"max_compression_ratio\": 1000000, \"max_pdf_millis\": 2000}}");
    in = make_pdf(&bomb, &len);
    r = rewrite(&e, in, len);
    assert_false(r->modified);
    free(in);
    free(z);
    free(spaces);
    env_fini(&e);

    /* time: many pages of text cannot all be read in 10 ms */
    env_init(&e, "{\"version\": \"t\", \"limits\": {\"max_pdf_millis\": 10}}");
    char line[8192];
    size_t ll = (size_t)snprintf(line, sizeof(line), "BT /F1 6 Tf 10 780 Td 8 TL ");
    for (int i = 0; i < 60; i++) {
        ll += (size_t)snprintf(line + ll, sizeof(line) - ll, "%s",
                               "(The quick brown fox jumps over the lazy dog again and again) ' ");
    }
    snprintf(line + ll, sizeof(line) - ll, "ET");
    struct pdf_spec slow = {
        .stream = (const uint8_t *)line, .stream_len = strlen(line), .pages = 1500};
    env_fini(&e);
    env_init(&e, "{\"version\": \"t\", \"limits\": {\"max_pdf_millis\": 10, "
                 "\"max_pdf_pages\": 5000}}");
    in = make_pdf(&slow, &len);
    r = rewrite(&e, in, len);
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_non_null(strstr(r->actions[0].detail, "ms"));
    free(in);
    env_fini(&e);
}

static void
test_broken_and_garbage(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    struct pdf_spec s = {.text = "Card " CARD};
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    /* a cross-reference table that points nowhere: MuPDF must repair it */
    char *x = memmem(in, len, "xref\n0 ", 7);
    assert_non_null(x);
    memcpy(strstr(x, "n \n") - 17, "0000000003", 10);
    const struct scan_doc_result *r = rewrite(&e, in, len);
    assert_true(r->unreadable);
    assert_false(r->modified);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    /* truncated at every 97th byte: never a crash, never a half rewrite */
    for (size_t cut = 10; cut < len; cut += 97) {
        r = rewrite(&e, in, cut);
        assert_int_equal(r->kind, SCAN_DOC_PDF);
        if (r->modified) {
            char *t = pdf_text(r->out, r->out_len);
            assert_true(t == NULL || strstr(t, CARD) == NULL);
            free(t);
        }
    }
    free(in);
    env_fini(&e);
}

/* ---- public test files ---- */

struct expect {
    const char *file;
    bool unreadable;
    bool modified;
    enum scan_doc_act act; /* an action it must have; SCAN_DOC_ACT__COUNT for none */
};

static void
test_corpus(void **state)
{
    (void)state;
    static const struct expect files[] = {
        {"pdfjs-attachment.pdf", false, true, SCAN_DOC_EMBEDDED_REMOVED},
        {"pdfjs-annotation-fileattachment.pdf", false, true, SCAN_DOC_EMBEDDED_REMOVED},
        {"pdfjs-encrypted-attachment.pdf", true, false, SCAN_DOC_ENCRYPTED},
        {"pdfjs-empty_protected.pdf", false, true, SCAN_DOC_METADATA_REMOVED},
        {"pdfjs-helloworld-bad.pdf", true, false, SCAN_DOC_UNREADABLE},
        {"pdfa-utf8-test.pdf", true, false, SCAN_DOC_UNREADABLE},
        {"pdfjs-js-authors.pdf", false, true, SCAN_DOC_SCRIPTS_REMOVED},
        {"pdfjs-js-buttons.pdf", false, true, SCAN_DOC_SCRIPTS_REMOVED},
        {"pdfjs-evaljs.pdf", false, true, SCAN_DOC_SCRIPTS_REMOVED},
        {"pdfjs-xfa_issue14315.pdf", false, true, SCAN_DOC_XFA_REMOVED},
        {"pdfa-incremental-save.pdf", false, true, SCAN_DOC_HISTORY_REMOVED},
        {"pdfa-simple-2.0.pdf", false, true, SCAN_DOC_METADATA_REMOVED},
        {"pdfa-utf8-annotation.pdf", false, true, SCAN_DOC_METADATA_REMOVED},
        {"pdfjs-alphatrans.pdf", false, true, SCAN_DOC_METADATA_REMOVED},
        {"pdfjs-bad-PageLabels.pdf", false, false, SCAN_DOC_ACT__COUNT},
        {"pdfjs-file_url_link.pdf", false, false, SCAN_DOC_ACT__COUNT},
        {"pdfjs-issue11555.pdf", false, false, SCAN_DOC_ACT__COUNT},
    };
    struct env e;
    env_init(&e, NULL);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "tests/data/pdf/%s", files[i].file);
        size_t len = 0;
        uint8_t *in = read_file(path, &len);
        assert_non_null(in);
        const struct scan_doc_result *r = rewrite(&e, in, len);
        if (r->kind != SCAN_DOC_PDF || r->unreadable != files[i].unreadable ||
            r->modified != files[i].modified || r->failed ||
            (files[i].act != SCAN_DOC_ACT__COUNT && count_actions(r, files[i].act) == 0) ||
            (files[i].act == SCAN_DOC_ACT__COUNT && r->n_actions != 0)) {
            fail_msg("%s: kind %d unreadable %d modified %d failed %d actions %zu", files[i].file,
                     r->kind, r->unreadable, r->modified, r->failed, r->n_actions);
        }
        if (r->modified) {
            char *t = pdf_text(r->out, r->out_len);
            if (t == NULL) {
                fail_msg("%s: the rewrite cannot be re-read without repair", files[i].file);
            }
            free(t);
        }
        free(in);
    }
    env_fini(&e);
}

/* ---- redaction paths ---- */

/* MuPDF's own redaction of page 1 of p[0, len): the characters [start, end)
 * of each finding (offsets into the page's text as scan_pdf builds it:
 * characters in UTF-8, '\n' after each line), joined per line into the
 * quads of one annotation, then pdf_redact_page; returns the text of the
 * result (caller frees). The reference for scan_pdf's own filter. */
static char *
mupdf_redacted_text(const uint8_t *p, size_t len, const struct scan_doc_finding *f, size_t n)
{
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    fz_set_warning_callback(ctx, NULL, NULL);
    fz_set_error_callback(ctx, NULL, NULL);
    char *volatile out = NULL;
    fz_try(ctx)
    {
        fz_stream *stm = fz_open_memory(ctx, p, len);
        pdf_document *doc = pdf_open_document_with_stream(ctx, stm);
        pdf_page *page = pdf_load_page(ctx, doc, 0);
        fz_stext_page *sp = fz_new_stext_page_from_page(ctx, &page->super, NULL);
        /* the quad of every byte of the text, as scan_pdf's page_text */
        static fz_quad quad[65536];
        size_t at = 0;
        for (fz_stext_block *b = sp->first_block; b != NULL; b = b->next) {
            for (fz_stext_line *l = b->type == FZ_STEXT_BLOCK_TEXT ? b->u.t.first_line : NULL;
                 l != NULL; l = l->next) {
                for (fz_stext_char *c = l->first_char; c != NULL; c = c->next) {
                    char u[8];
                    int k = fz_runetochar(u, c->c);
                    for (int j = 0; j < k && at < 65536; j++) {
                        quad[at++] = c->quad;
                    }
                }
                quad[at++] = (fz_quad){{0, 0}, {0, 0}, {0, 0}, {0, 0}};
            }
        }
        pdf_annot *a = pdf_create_annot(ctx, page, PDF_ANNOT_REDACT);
        for (size_t i = 0; i < n; i++) {
            fz_rect line = fz_empty_rect;
            for (size_t c = f[i].f.start; c < f[i].f.end; c++) {
                fz_rect r = fz_rect_from_quad(quad[c]);
                if (fz_is_empty_rect(r)) {
                    continue;
                }
                if (!fz_is_empty_rect(line) && (r.y0 >= line.y1 || r.y1 <= line.y0)) {
                    pdf_add_annot_quad_point(ctx, a, fz_quad_from_rect(line));
                    line = fz_empty_rect;
                }
                line = fz_union_rect(line, r);
            }
            if (!fz_is_empty_rect(line)) {
                pdf_add_annot_quad_point(ctx, a, fz_quad_from_rect(line));
            }
        }
        pdf_drop_annot(ctx, a);
        pdf_redact_options ro = {.black_boxes = 1, .image_method = PDF_REDACT_IMAGE_PIXELS};
        pdf_redact_page(ctx, doc, page, &ro);
        fz_buffer *buf = fz_new_buffer(ctx, 4096);
        fz_output *o = fz_new_output_with_buffer(ctx, buf);
        pdf_write_options wo = {0};
        wo.do_garbage = 1;
        pdf_write_document(ctx, doc, o, &wo);
        fz_close_output(ctx, o);
        fz_drop_output(ctx, o);
        unsigned char *data = NULL;
        size_t m = fz_buffer_storage(ctx, buf, &data);
        out = pdf_text(data, m);
        fz_drop_buffer(ctx, buf);
        fz_drop_stext_page(ctx, sp);
        fz_drop_page(ctx, &page->super);
        pdf_drop_document(ctx, doc);
        fz_drop_stream(ctx, stm);
    }
    fz_catch(ctx)
    {
        out = NULL;
    }
    fz_drop_context(ctx);
    return out;
}

/* A page of text only: scan_pdf's own filter (the fast path) removes
 * exactly the glyphs MuPDF's pdf_redact_page removes for the same areas,
 * over lines, kerned arrays and several findings. */
static void
test_text_redaction_as_mupdf(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const char stream[] =
        "BT /F1 12 Tf 72 700 Td (Pay ) Tj [(4556) -40 ( 7375 86) 30 (89 9855)] TJ ( now) Tj ET\n"
        "BT /F1 9 Tf 72 650 Td (mail alice@example.org or bob.jones@example.com) Tj ET\n"
        "q 0.8 0 0 1.2 40 20 cm BT /F1 14 Tf 40 500 Td (again " CARD " here) Tj ET Q\n"
        "BT /F1 12 Tf 72 400 Td (Kept words stay.) Tj ET\n";
    struct pdf_spec s = {.stream = (const uint8_t *)stream, .stream_len = strlen(stream)};
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    const struct scan_doc_result *r = rewrite(&e, in, len);
    assert_true(r->modified);
    assert_false(r->unreadable || r->failed);
    assert_int_equal(r->n_findings, 4);
    char *ours = pdf_text(r->out, r->out_len);
    char *theirs = mupdf_redacted_text(in, len, r->findings, r->n_findings);
    assert_non_null(ours);
    assert_non_null(theirs);
    assert_string_equal(ours, theirs);
    assert_null(strstr(ours, "alice"));
    assert_null(strstr(ours, "9855"));
    assert_non_null(strstr(ours, "Kept words stay."));
    free(theirs);
    free(ours);
    free(in);
    env_fini(&e);
}

/* How many pixel bytes of the images page 1 uses are white (0xFF); -1 when
 * it cannot be read. */
static long
white_bytes(const uint8_t *p, size_t len)
{
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    fz_set_warning_callback(ctx, NULL, NULL);
    fz_set_error_callback(ctx, NULL, NULL);
    volatile long at = -1;
    fz_try(ctx)
    {
        fz_stream *stm = fz_open_memory(ctx, p, len);
        pdf_document *doc = pdf_open_document_with_stream(ctx, stm);
        pdf_obj *page = pdf_lookup_page_obj(ctx, doc, 0);
        pdf_obj *xo = pdf_dict_getp(ctx, page, "Resources/XObject");
        at = 0;
        for (int k = 0; k < pdf_dict_len(ctx, xo); k++) {
            pdf_obj *im = pdf_dict_get_val(ctx, xo, k);
            if (!pdf_name_eq(ctx, pdf_dict_get(ctx, im, PDF_NAME(Subtype)), PDF_NAME(Image))) {
                continue;
            }
            fz_image *img = pdf_load_image(ctx, doc, im);
            fz_pixmap *pix = fz_get_pixmap_from_image(ctx, img, NULL, NULL, NULL, NULL);
            size_t n = (size_t)pix->stride * (size_t)pix->h;
            for (size_t i = 0; i < n; i++) {
                at += pix->samples[i] == 0xFF;
            }
            fz_drop_pixmap(ctx, pix);
            fz_drop_image(ctx, img);
        }
        pdf_drop_document(ctx, doc);
        fz_drop_stream(ctx, stm);
    }
    fz_catch(ctx)
    {
        at = -1;
    }
    fz_drop_context(ctx);
    return at;
}

/* A page that draws images, or carries links: the pixels under the finding
 * are cleared (to white), an image no finding crosses is drawn as it was
 * (and, under ASan, not leaked: MuPDF 1.21's own image filter leaked it),
 * an inline image under the finding is cleared too; a link over the
 * finding goes, a link elsewhere stays. */
static void
test_image_and_link_pages_redacted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    char image[512];
    char grey[193];
    memset(grey, 0x80, 192);
    grey[192] = '\0';
    snprintf(image, sizeof(image),
             "<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceRGB "
             "/BitsPerComponent 8 /Length 192 >>\nstream\n%s\nendstream",
             grey);
    char stream[1024];
    snprintf(stream, sizeof(stream),
             "q 400 0 0 40 60 690 cm /Im1 Do Q\n"
             "q 100 0 0 40 60 100 cm /Im2 Do Q\n"
             "q 400 0 0 20 60 695 cm BI /W 8 /H 8 /CS /RGB /BPC 8 ID\n%s\nEI Q\n"
             "BT /F1 12 Tf 72 700 Td (Card " CARD " due) Tj ET\n"
             "BT /F1 12 Tf 72 600 Td (Kept words stay.) Tj ET\n",
             grey);
    struct pdf_spec s = {.stream = (const uint8_t *)stream,
                         .stream_len = strlen(stream),
                         .resources = "/XObject << /Im1 6 0 R /Im2 7 0 R >>",
                         .extra = {image, image}};
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    assert_int_equal(white_bytes(in, len), 0);
    const struct scan_doc_result *r = rewrite(&e, in, len);
    assert_true(r->modified);
    assert_false(r->unreadable || r->failed);
    char *after = pdf_text(r->out, r->out_len);
    assert_null(strstr(after, "7375"));
    assert_non_null(strstr(after, "Kept words stay."));
    free(after);
    long white = white_bytes(r->out, r->out_len);
    assert_true(white > 0);       /* the pixels under it are cleared */
    assert_true(white < 2 * 192); /* ... not all of them */
    free(in);
    /* links: one over the number, one in a corner */
    static const char text[] = "BT /F1 12 Tf 72 700 Td (Card " CARD " due) Tj ET\n";
    struct pdf_spec l = {
        .stream = (const uint8_t *)text,
        .stream_len = strlen(text),
        .page = "/Annots [6 0 R 7 0 R]",
        .extra = {"<< /Type /Annot /Subtype /Link /Rect [100 695 250 715] /A << /S /URI /URI "
                  "(http://a.example/) >> >>",
                  "<< /Type /Annot /Subtype /Link /Rect [10 10 30 30] /A << /S /URI /URI "
                  "(http://b.example/) >> >>"}};
    in = make_pdf(&l, &len);
    r = rewrite(&e, in, len);
    assert_true(r->modified);
    assert_false(has(r->out, r->out_len, "a.example"));
    assert_true(has(r->out, r->out_len, "b.example"));
    free(in);
    env_fini(&e);
}

/* Verification re-reads the pages a round changed: a card number drawn
 * inside a tiling pattern (content MuPDF's page filter does not descend
 * into) is found on the page, the page is redacted (so it differs from the
 * input and is extracted again), the number is still there, and after the
 * last round the PDF is not passed on as redacted. */
static void
test_survivor_on_changed_page(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const char pattern_text[] = "BT /F1 12 Tf 72 700 Td (card " CARD ") Tj ET";
    char pattern[512];
    snprintf(pattern, sizeof(pattern),
             "<< /Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 612 792] "
             "/XStep 612 /YStep 792 /Resources << /Font << /F1 4 0 R >> >> /Length %zu >>\n"
             "stream\n%s\nendstream",
             strlen(pattern_text), pattern_text);
    static const char stream[] = "/Pattern cs /P1 scn 0 0 612 792 re f\n"
                                 "BT /F1 12 Tf 72 600 Td (Kept words stay.) Tj ET\n";
    struct pdf_spec s = {.stream = (const uint8_t *)stream,
                         .stream_len = strlen(stream),
                         .resources = "/Pattern << /P1 6 0 R >>",
                         .extra = {pattern}};
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    char *before = pdf_text(in, len);
    assert_non_null(before);
    assert_non_null(strstr(before, CARD));
    free(before);
    const struct scan_doc_result *r = rewrite(&e, in, len);
    assert_true(r->failed);
    assert_true(count_actions(r, SCAN_DOC_SCAN_FAILED) >= 1);
    bool survived = false;
    for (size_t i = 0; i < r->n_actions; i++) {
        survived |= r->actions[i].kind == SCAN_DOC_SCAN_FAILED &&
                    strstr(r->actions[i].detail, "survived") != NULL;
    }
    assert_true(survived);
    assert_true(r->out == NULL || !has(r->out, r->out_len, CARD));
    free(in);
    env_fini(&e);
}

/* ---- adversarial text layouts ---- */

/* A fixed-seed xorshift: the layouts below are the same on every run. */
static uint32_t
adv_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* A value in [lo, hi) from the generator. */
static double
adv_range(uint32_t *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)(adv_rand(s) % 100000) / 100000.0;
}

/* One page drawing `body` (a content stream fragment) and a line of kept
 * words, with two more fonts and a form XObject on hand: F2 a Type3 font
 * of digits (glyph names, boxes for glyphs), F3 Helvetica whose ToUnicode
 * maps code 0xAE (the fi glyph) to the two characters "fi" and 0xAF to
 * "45", F4 a Type0 font written top to bottom (Identity-V, two-byte codes
 * as their Unicode), X1 a form
 * drawing `form` (or nothing). MuPDF's structured text, a reader
 * independent of scan_pdf's own text device, is the judge: it reads
 * every string of `secrets` in the input (the layout is readable) and
 * none of them, nor any digit, in the rewrite, which keeps the kept words
 * and is not failed. */
/* With RL_PDF_GEN_DIR set, writes the PDF of the case called `name` there
 * as gen-<name>.pdf (spaces and dots as '-'): how tests/data/pdf-gen is
 * made. */
static void
adv_dump(const char *name, const uint8_t *p, size_t len)
{
    const char *dir = getenv("RL_PDF_GEN_DIR");
    if (dir == NULL) {
        return;
    }
    char path[512];
    int n = snprintf(path, sizeof(path), "%s/gen-", dir);
    assert_true(n > 0 && (size_t)n < sizeof(path));
    for (const char *c = name; *c != '\0' && (size_t)n + 5 < sizeof(path); c++) {
        path[n++] = *c == ' ' || *c == '.' || *c == ',' ? '-' : *c;
    }
    snprintf(path + n, sizeof(path) - (size_t)n, ".pdf");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* F2's glyph space: units per em (FontMatrix 1/units, glyphs and widths
 * drawn to match). */
static int adv_t3_units = 1000;

/* `plain`: the page as a plain one (scan_pdf's own reader, read_plain):
 * no form XObject in its resources and the Type3 font only when the body
 * uses it. */
static void
adv_run(struct env *e, const char *name, const char *body, const char *form,
        const char *const *secrets, bool plain)
{
    static const char tounicode[] =
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Adv def "
        "1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <20> <7E> <0020> "
        "endbfrange 2 beginbfchar <AE> <00660069> <AF> <00340035> endbfchar endcmap CMapName "
        "currentdict /CMap "
        "defineresource pop end end";
    static const char cid_tounicode[] =
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /AdvV def "
        "1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange <0020> <007E> "
        "<0020> endbfrange endcmap CMapName currentdict /CMap defineresource pop end end";
    char type3[2048], proc[256], cmap[1024], cidmap[1024], xobj[1024], stream[4096];
    double u = adv_t3_units / 1000.0;
    char charproc[128];
    snprintf(charproc, sizeof(charproc), "%g 0 0 0 %g %g d1\n%g 0 %g %g re f\n", 600 * u, 600 * u,
             700 * u, 50 * u, 500 * u, 700 * u);
    snprintf(type3, sizeof(type3),
             "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 %g %g] /FontMatrix [%g 0 0 %g 0 0] "
             "/CharProcs << /space 7 0 R /zero 7 0 R /one 7 0 R /two 7 0 R /three 7 "
             "0 R /four 7 0 R /five 7 0 R /six 7 0 R /seven 7 0 R /eight 7 0 R /nine 7 0 R >> "
             "/Encoding << /Type /Encoding /Differences [32 /space 48 /zero /one /two /three "
             "/four /five /six /seven /eight /nine] >> /FirstChar 32 /LastChar 57 /Widths [%g "
             "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 %g %g %g %g %g %g %g %g %g %g] /Resources << >> >>",
             600 * u, 700 * u, 1 / (1000 * u), 1 / (1000 * u), 250 * u, 600 * u, 600 * u, 600 * u,
             600 * u, 600 * u, 600 * u, 600 * u, 600 * u, 600 * u, 600 * u);
    snprintf(proc, sizeof(proc), "<< /Length %zu >>\nstream\n%s\nendstream", strlen(charproc),
             charproc);
    snprintf(cmap, sizeof(cmap), "<< /Length %zu >>\nstream\n%s\nendstream", strlen(tounicode),
             tounicode);
    snprintf(cidmap, sizeof(cidmap), "<< /Length %zu >>\nstream\n%s\nendstream",
             strlen(cid_tounicode), cid_tounicode);
    const char *ftext = form != NULL ? form : "";
    snprintf(xobj, sizeof(xobj),
             "<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 "
             "4 0 R >> >> /Length %zu >>\nstream\n%s\nendstream",
             strlen(ftext), ftext);
    /* the kept words come first: MuPDF 1.21's content filter carries the
     * Td of a text object it removed whole into the next text object (the
     * next line is moved; a vertical card number alone in its BT moved
     * "Kept words stay." off the page), a fault of the filter, not of what
     * is found or removed */
    snprintf(stream, sizeof(stream), "BT /F1 12 Tf 72 100 Td (Kept words stay.) Tj ET\n%s\n", body);
    struct pdf_spec s = {.stream = (const uint8_t *)stream,
                         .stream_len = strlen(stream),
                         .fonts = !plain || strstr(body, "/F2") != NULL
                                      ? "/F2 6 0 R /F3 8 0 R /F4 11 0 R"
                                      : "/F3 8 0 R /F4 11 0 R",
                         .resources = plain ? "" : "/XObject << /X1 10 0 R >>",
                         .extra = {type3, proc,
                                   "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                                   "/ToUnicode 9 0 R >>",
                                   cmap, xobj,
                                   "<< /Type /Font /Subtype /Type0 /BaseFont /Helvetica "
                                   "/Encoding /Identity-V /DescendantFonts [12 0 R] /ToUnicode "
                                   "13 0 R >>",
                                   "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Helvetica "
                                   "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) "
                                   "/Supplement 0 >> /DW 1000 /CIDToGIDMap /Identity "
                                   "/FontDescriptor << /Type /FontDescriptor /FontName "
                                   "/Helvetica /Flags 32 /FontBBox [0 -200 1000 900] "
                                   "/ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 "
                                   "/StemV 80 >> >>",
                                   cidmap}};
    size_t len = 0;
    uint8_t *in = make_pdf(&s, &len);
    if (!plain) {
        adv_dump(name, in, len);
    }
    char *before = pdf_text(in, len);
    assert_non_null(before);
    /* digits compared without what lies between them (rotated text may be
     * read a line per glyph) */
    char digits[256];
    size_t nd = 0;
    for (const char *c = before; *c != '\0' && nd + 1 < sizeof(digits); c++) {
        if (*c >= '0' && *c <= '9') {
            digits[nd++] = *c;
        }
    }
    digits[nd] = '\0';
    for (const char *const *x = secrets; *x != NULL; x++) {
        if (strstr(before, *x) == NULL && strstr(digits, *x) == NULL) {
            fail_msg("%s: the input does not read %s: %s", name, *x, before);
        }
    }
    free(before);
    uint64_t plain0 = 0, plain1 = 0;
    uint64_t read0 = scan_pdf_pages_read(e->doc->pdf, &plain0);
    const struct scan_doc_result *r = rewrite(e, in, len);
    uint64_t read1 = scan_pdf_pages_read(e->doc->pdf, &plain1);
    /* a plain page in fonts MuPDF's reader is not needed for is read by
     * scan_pdf's own, every time (the rewrite and its re-read); a Type3 or
     * vertical font or a form on hand sends the first reading to MuPDF's
     * (the redaction keeps only the resources still drawn: the re-read
     * may find the page plain) */
    bool own = plain && strstr(body, "/F2") == NULL && strstr(body, "/F4") == NULL;
    uint64_t n = read1 - read0, np = plain1 - plain0;
    if (n < 2 || (own ? np != n : np >= n)) {
        fail_msg("%s: %llu page readings, %llu by the plain reader", name, (unsigned long long)n,
                 (unsigned long long)np);
    }
    if (!r->modified || r->failed || r->unreadable || r->n_findings == 0) {
        fail_msg("%s: modified %d failed %d unreadable %d findings %zu", name, r->modified,
                 r->failed, r->unreadable, r->n_findings);
    }
    char *after = pdf_text(r->out, r->out_len);
    if (after == NULL) {
        fail_msg("%s: the rewrite cannot be re-read", name);
    }
    for (const char *const *x = secrets; *x != NULL; x++) {
        if (strstr(after, *x) != NULL) {
            fail_msg("%s: %s survived: %s", name, *x, after);
        }
    }
    if (strpbrk(after, "0123456789") != NULL) {
        fail_msg("%s: a digit survived: %s", name, after);
    }
    if (strstr(after, "Kept words stay.") == NULL) {
        fail_msg("%s: the kept words went: %s", name, after);
    }
    free(after);
    free(in);
}

/* Each layout as it is (MuPDF's reading: the page has a form XObject on
 * hand) and, without a form to draw, as a plain page. */
static void
adv_case(struct env *e, const char *name, const char *body, const char *form,
         const char *const *secrets)
{
    adv_run(e, name, body, form, secrets, false);
    if (form == NULL) {
        adv_run(e, name, body, form, secrets, true);
    }
}

/* Rotated, skewed, scaled and letter-spaced text, a number split over
 * spans of other colours, sizes and fonts or placed glyph by glyph,
 * invisible, stroked and clipping text, a Type3 font, ligature glyphs
 * (U+FB01/FB02 and a ToUnicode "fi"), text in a form XObject: every
 * finding is read, redacted and gone for an independent reader. */
static void
test_adversarial_layouts(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const char *const card[] = {"4556", "7375", "8689", "9855", NULL};
    uint32_t seed = 20261207;
    char body[2048], name[96];
    const double turns[] = {90,
                            180,
                            270,
                            adv_range(&seed, 1, 89),
                            adv_range(&seed, 91, 179),
                            adv_range(&seed, 181, 359)};
    for (size_t i = 0; i < sizeof(turns) / sizeof(turns[0]); i++) {
        double a = turns[i] * 3.14159265358979 / 180;
        snprintf(body, sizeof(body),
                 "q %.6f %.6f %.6f %.6f 300 400 cm BT /F1 12 Tf 0 0 Td (card " CARD ") Tj ET Q",
                 cos(a), sin(a), -sin(a), cos(a));
        snprintf(name, sizeof(name), "rotated %.1f", turns[i]);
        adv_case(&e, name, body, NULL, card);
    }
    for (int i = 0; i < 4; i++) {
        double k = adv_range(&seed, -0.8, 0.8);
        char tm[64];
        snprintf(tm, sizeof(tm), i % 2 ? "1 0 %.4f 1" : "1 %.4f 0 1", k);
        snprintf(body, sizeof(body), "BT /F1 12 Tf %s 72 500 Tm (card " CARD ") Tj ET", tm);
        snprintf(name, sizeof(name), "skewed %s", tm);
        adv_case(&e, name, body, NULL, card);
    }
    for (int i = 0; i < 3; i++) {
        double tz = adv_range(&seed, 40, 200), tc = adv_range(&seed, -0.5, 1.2);
        snprintf(body, sizeof(body), "BT /F1 12 Tf %.2f Tz %.3f Tc 72 500 Td (card " CARD ") Tj ET",
                 tz, tc);
        snprintf(name, sizeof(name), "Tz %.2f Tc %.3f", tz, tc);
        adv_case(&e, name, body, NULL, card);
    }
    adv_case(&e, "split over spans",
             "BT /F1 12 Tf 72 500 Td (card 4556 73) Tj 1 0 0 rg (75 86) Tj /F1 11 Tf (89 ) Tj "
             "0 g /F3 12 Tf (9855) Tj ET",
             NULL, card);
    /* glyph by glyph, Helvetica's widths: digit 556, space 278 */
    size_t at = (size_t)snprintf(body, sizeof(body), "BT /F1 12 Tf 72 500 Td (card ) Tj 30 0 Td");
    for (const char *c = CARD; *c != '\0'; c++) {
        at += (size_t)snprintf(body + at, sizeof(body) - at, " (%c) Tj %.3f 0 Td", *c,
                               *c == ' ' ? 3.336 : 6.672);
    }
    snprintf(body + at, sizeof(body) - at, " ET");
    adv_case(&e, "glyph by glyph", body, NULL, card);
    adv_case(&e, "invisible", "BT 3 Tr /F1 12 Tf 72 500 Td (card " CARD ") Tj ET", NULL, card);
    adv_case(&e, "stroked", "BT 1 Tr /F1 12 Tf 72 500 Td (card " CARD ") Tj ET", NULL, card);
    adv_case(&e, "clipping",
             "q BT 7 Tr /F1 12 Tf 72 500 Td (card " CARD ") Tj ET 0 0 612 792 re f Q", NULL, card);
    const int units[] = {1000, 1, 2048};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        adv_t3_units = units[i];
        snprintf(name, sizeof(name), "Type3, %d units per em", units[i]);
        adv_case(&e, name, "BT /F1 12 Tf 72 500 Td (card ) Tj /F2 12 Tf (" CARD ") Tj ET", NULL,
                 card);
    }
    adv_t3_units = 1000;
    /* the ligature begins the domain: read as anything but its letters,
     * the address is not one */
    static const char *const mails[] = {"ann@", "nance.org", "ict.org", NULL};
    adv_case(&e, "ligature glyphs",
             "BT /F1 12 Tf 72 500 Td (mail ann@\\256nance.org or ann@\\257ict.org) Tj ET", NULL,
             mails);
    static const char *const mail[] = {"ann@", "nance.org", NULL};
    adv_case(&e, "ToUnicode fi", "BT /F3 12 Tf 72 500 Td (mail ann@\\256nance.org) Tj ET", NULL,
             mail);
    adv_case(&e, "one glyph two digits",
             "BT /F3 12 Tf 72 500 Td (card \\25756 7375 8689 9855) Tj ET", NULL, card);
    adv_case(&e, "vertical",
             "BT /F1 12 Tf 72 700 Td (card) Tj ET BT /F4 12 Tf 300 700 Td "
             "<00340035003500360020003700330037003500200038003600380039002000390038003500"
             "35> Tj ET",
             NULL, card);
    adv_case(&e, "form XObject", "q 1 0 0 1 0 0 cm /X1 Do Q",
             "BT /F1 12 Tf 72 500 Td (card " CARD ") Tj ET", card);
    env_fini(&e);
}

/* The PDF in p[0, len) with its /ID array's contents blanked (MuPDF
 * writes a random one). */
static void
blank_id(uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 4 < len; i++) {
        if (memcmp(p + i, "/ID", 3) == 0) {
            for (size_t j = i + 3; j < len && p[j] != ']'; j++) {
                p[j] = ' ';
            }
        }
    }
}

/* scan_pdf's own reader of plain pages against MuPDF's run processor:
 * pages of text in many states (two fonts, Tc, Tw, Tz, Ts, TL, Td, TD,
 * Tm, T*, ', ", TJ with kerning, cm, q/Q, every render mode, colours and
 * line widths set within text objects, a rotated page, a card number on
 * some lines) are rewritten with each reader; the rewrites are
 * byte for byte the same (but MuPDF's random /ID): the same text, read
 * at the same places, redacted alike. */
static void
test_plain_reader_as_mupdf(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static const char *const words[] = {"alpha", "pay",    "card", "number", "kept",
                                        "(x)",   "a\\\\b", "beta", "Total:", "ann"};
    static const char *const cards[] = {"4556 7375 8689 9855", "4111 1111 1111 1111"};
    uint32_t seed = 20261207;
    uint64_t plain_pages = 0;
    for (int n = 0; n < 24; n++) {
        char body[8192];
        size_t at = (size_t)snprintf(body, sizeof(body),
                                     "BT /F1 12 Tf 72 100 Td (Kept words stay.) Tj ET\n");
#define BODY(...) (at += (size_t)snprintf(body + at, sizeof(body) - at, __VA_ARGS__))
        for (uint32_t blk = 0, nb = 1 + adv_rand(&seed) % 3; blk < nb; blk++) {
            bool q = adv_rand(&seed) % 2;
            if (q) {
                BODY("q %.2f 0 0 %.2f %u %u cm\n", adv_range(&seed, 0.8, 1.2),
                     adv_range(&seed, 0.8, 1.2), adv_rand(&seed) % 40, adv_rand(&seed) % 40);
            }
            BODY("BT /F%u %u Tf %u TL %.2f Tc %.2f Tw %u Tz %.1f Ts %u Tr %u %u Td\n",
                 1 + adv_rand(&seed) % 2, 9 + adv_rand(&seed) % 4, 12 + adv_rand(&seed) % 3,
                 adv_range(&seed, -0.3, 1), adv_range(&seed, -1, 4), 80 + adv_rand(&seed) % 60,
                 adv_range(&seed, -2, 2), adv_rand(&seed) % 8, 40 + adv_rand(&seed) % 40,
                 300 + adv_rand(&seed) % 400);
            for (uint32_t line = 0, nl = 2 + adv_rand(&seed) % 8; line < nl; line++) {
                char text[512];
                size_t tl = 0;
                for (uint32_t w = 0, nw = 2 + adv_rand(&seed) % 6; w < nw; w++) {
                    tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "%s%s", w ? " " : "",
                                           words[adv_rand(&seed) % 10]);
                }
                if (adv_rand(&seed) % 3 == 0) {
                    snprintf(text + tl, sizeof(text) - tl, " card %s", cards[adv_rand(&seed) % 2]);
                }
                switch (adv_rand(&seed) % 6) {
                case 0:
                    BODY("(%s) '\n", text);
                    break;
                case 1:
                    BODY("T* (%s) Tj\n", text);
                    break;
                case 2:
                    BODY("T* [");
                    for (char *c = text, *sp = NULL; c != NULL; c = sp != NULL ? sp + 1 : NULL) {
                        sp = strchr(c, ' ');
                        BODY("(%.*s ) %d ", sp != NULL ? (int)(sp - c) : (int)strlen(c), c,
                             (int)(adv_rand(&seed) % 300) - 100);
                    }
                    BODY("] TJ\n");
                    break;
                case 3:
                    BODY("%.1f %.2f (%s) \"\n", adv_range(&seed, 0, 2), adv_range(&seed, 0, 0.4),
                         text);
                    break;
                case 4:
                    BODY("0 -%u TD (%s) Tj\n", 11 + adv_rand(&seed) % 6, text);
                    break;
                default:
                    BODY("1 0 0 1 %u %u Tm (%s) Tj\n", 40 + adv_rand(&seed) % 200,
                         80 + adv_rand(&seed) % 600, text);
                    break;
                }
                switch (adv_rand(&seed) % 12) {
                case 0:
                    BODY("/F%u %u Tf\n", 1 + adv_rand(&seed) % 2, 8 + adv_rand(&seed) % 6);
                    break;
                case 1:
                    BODY("%u Tr\n", adv_rand(&seed) % 8);
                    break;
                case 2:
                    BODY("1 0 0 rg 0.5 w\n");
                    break;
                default:
                    break;
                }
            }
            BODY("ET\n");
            if (q) {
                BODY("Q\n");
            }
            if (adv_rand(&seed) % 3 == 0) {
                BODY("0 0 1 rg 10 10 50 50 re f\n");
            }
        }
#undef BODY
        assert_true(at < sizeof(body));
        struct pdf_spec s = {
            .stream = (const uint8_t *)body,
            .stream_len = at,
            .fonts = "/F2 6 0 R",
            .resources = "/ProcSet [/PDF /Text]",
            .page = n % 4 == 1   ? "/Rotate 90"
                    : n % 4 == 2 ? "/CropBox [10 10 600 780]"
                                 : "",
            .extra = {"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding "
                      "/WinAnsiEncoding >>"}};
        size_t len = 0;
        uint8_t *in = make_pdf(&s, &len);
        if (n < 4 && strstr(body, "card 4") != NULL) {
            char name[32];
            snprintf(name, sizeof(name), "plain layout %d", n);
            adv_dump(name, in, len); /* fuzz seeds of plain pages */
        }
        uint8_t *out[2] = {NULL, NULL};
        size_t out_len[2] = {0, 0};
        size_t findings[2] = {0, 0};
        for (int k = 0; k < 2; k++) {
            scan_pdf_plain_reader(e.doc->pdf, k == 1);
            uint64_t p0 = 0, p1 = 0;
            scan_pdf_pages_read(e.doc->pdf, &p0);
            const struct scan_doc_result *r = rewrite(&e, in, len);
            scan_pdf_pages_read(e.doc->pdf, &p1);
            assert_false(r->failed || r->unreadable);
            assert_true(k == 1 || p1 == p0);
            plain_pages += p1 - p0;
            findings[k] = r->n_findings;
            if (r->modified) {
                out[k] = malloc(r->out_len);
                assert_non_null(out[k]);
                memcpy(out[k], r->out, r->out_len);
                out_len[k] = r->out_len;
                blank_id(out[k], out_len[k]);
            }
        }
        if (findings[0] != findings[1] || out_len[0] != out_len[1] ||
            (out_len[0] > 0 && memcmp(out[0], out[1], out_len[0]) != 0)) {
            fail_msg("layout %d: %zu findings, %zu bytes by MuPDF's reader; %zu, %zu by the "
                     "plain reader:\n%s",
                     n, findings[0], out_len[0], findings[1], out_len[1], body);
        }
        free(out[0]);
        free(out[1]);
        free(in);
    }
    scan_pdf_plain_reader(e.doc->pdf, true);
    assert_true(plain_pages >= 24); /* the plain reader read them */
    env_fini(&e);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_redacted),
        cmocka_unit_test(test_text_redaction_as_mupdf),
        cmocka_unit_test(test_survivor_on_changed_page),
        cmocka_unit_test(test_adversarial_layouts),
        cmocka_unit_test(test_plain_reader_as_mupdf),
        cmocka_unit_test(test_image_and_link_pages_redacted),
        cmocka_unit_test(test_strings_redacted),
        cmocka_unit_test(test_active_content_removed),
        cmocka_unit_test(test_signature_dropped_when_changed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_broken_and_garbage),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
