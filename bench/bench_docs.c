/* SPDX-License-Identifier: Apache-2.0 */
/* `redline-bench docs`: MB/s per core of Office documents (docx, xlsx) and
 * PDFs through the document rewriter and through the whole message path,
 * side by side in the same run with a plain read of the same files: unzip
 * plus an XML parse (libzip + xmlReader walking every node) for Office
 * files, a plain MuPDF text extraction of every page for PDFs. Builds its
 * files at start-up (seeded, deterministic). Main thread, pinned to one CPU. */
#include "bench_docs.h"

#include <isa-l/igzip_lib.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <jansson.h>
#include <libxml/xmlreader.h>
#include <zip.h>

#include "bench_report.h"
#include "internal.h"
#include "mime_codec.h"
#include "scan_doc.h"
#include "scan_message.h"
#include "scan_zip.h"

#define MAX_FILES 64
#define MAX_RUNS BENCH_RUNS_MAX

/* M_BASELINE is unzip + xmlReader for Office files, MuPDF text for PDFs. */
enum mode { M_REWRITER = 0, M_MESSAGE, M_BASELINE, M__COUNT };
static const char *const mode_names[M__COUNT] = {"rewriter", "message", "unzip_xml"};
static const char *const pdf_mode_names[M__COUNT] = {"rewriter", "message", "mupdf_text"};
#define N_WORKLOADS 3

struct docs_workload {
    const char *name;
    struct bench_buf file[MAX_FILES]; /* the documents */
    struct bench_buf msg[MAX_FILES];  /* each as a base64 attachment of a message */
    size_t n_files;
    size_t file_bytes;               /* sum of the files' sizes */
    size_t xml_bytes;                /* sum of their uncompressed entries */
    double rate[M__COUNT][MAX_RUNS]; /* MB/s of file bytes */
    size_t findings[MAX_RUNS];       /* rewriter findings per run */
    size_t modified;                 /* files the rewriter changed (first run) */
};

static const char *const words[] = {
    "the",   "quarterly", "report", "shows", "growth",   "in",      "all",      "regions",
    "and",   "our",       "team",   "will",  "review",   "figures", "before",   "the",
    "board", "meeting",   "next",   "week",  "please",   "confirm", "budget",   "lines",
    "with",  "finance",   "as",     "soon",  "possible", "thanks",  "customer", "account",
};

static void
words_into(struct bench_buf *b, struct bench_rng *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        bench_buf_printf(b, "%s%s", i ? " " : "", words[bench_rng_below(r, 32)]);
    }
}

/* A Luhn-valid Visa test-range number, spaced in fours. */
static void
card_into(struct bench_buf *b, struct bench_rng *r)
{
    int d[16] = {4};
    for (int i = 1; i < 15; i++) {
        d[i] = (int)bench_rng_below(r, 10);
    }
    int sum = 0;
    for (int i = 0; i < 15; i++) {
        int v = d[14 - i];
        if (i % 2 == 0) {
            v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        }
        sum += v;
    }
    d[15] = (10 - sum % 10) % 10;
    for (int i = 0; i < 16; i++) {
        bench_buf_printf(b, "%s%d", i && i % 4 == 0 ? " " : "", d[i]);
    }
}

static int
zip_build(struct bench_buf *out, const char *const *names, struct bench_buf *const *data, size_t n)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
    zip_t *za = src != NULL ? zip_open_from_source(src, ZIP_TRUNCATE, &err) : NULL;
    if (za == NULL) {
        return RL_ENOMEM;
    }
    zip_source_keep(src);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(za, data[i]->data, data[i]->len, 0);
        if (s == NULL || zip_file_add(za, names[i], s, 0) < 0) {
            zip_discard(za);
            zip_source_free(src);
            return RL_ENOMEM;
        }
    }
    zip_stat_t st;
    int rc = zip_close(za) == 0 && zip_source_open(src) == 0 && zip_source_stat(src, &st) == 0
                 ? bench_buf_reserve(out, st.size)
                 : RL_EIO;
    if (rc == 0 && zip_source_read(src, out->data, st.size) == (zip_int64_t)st.size) {
        out->len = st.size;
    } else {
        rc = RL_EIO;
    }
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&err);
    return rc;
}

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define RELS_NS "http://schemas.openxmlformats.org/package/2006/relationships"
#define OD_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define CT_HEAD                                                                                    \
    XML_DECL "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"      \
             "<Default Extension=\"rels\" "                                                        \
             "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"          \
             "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
#define CORE                                                                                       \
    XML_DECL                                                                                       \
    "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/"                \
    "metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"                    \
    "<dc:title>Report</dc:title><dc:creator>Alice Author</dc:creator></cp:coreProperties>"

/* A document of `paras` paragraphs, three runs each (a value can straddle
 * them), with about one card number per 4 KB of text. */
static int
make_docx(struct bench_buf *out, struct bench_rng *r, unsigned paras)
{
    struct bench_buf ct = {0}, rels = {0}, doc = {0}, core = {0};
    bench_buf_puts(&ct,
                   CT_HEAD "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
                           "vnd.openxmlformats-officedocument.wordprocessingml.document.main+"
                           "xml\"/></Types>");
    bench_buf_puts(&rels,
                   XML_DECL "<Relationships xmlns=\"" RELS_NS "\"><Relationship Id=\"rId1\" "
                            "Type=\"" OD_REL "officeDocument\" Target=\"word/document.xml\"/>"
                            "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats."
                            "org/package/2006/relationships/metadata/core-properties\" "
                            "Target=\"docProps/core.xml\"/></Relationships>");
    bench_buf_puts(&core, CORE);
    bench_buf_puts(&doc, XML_DECL "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"
                                  "wordprocessingml/2006/main\"><w:body>");
    for (unsigned p = 0; p < paras; p++) {
        bench_buf_puts(&doc, "<w:p><w:r><w:t xml:space=\"preserve\">");
        words_into(&doc, r, 12);
        bench_buf_puts(&doc, " </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">");
        if (bench_rng_below(r, 12) == 0) {
            bench_buf_puts(&doc, "card ");
            card_into(&doc, r);
            bench_buf_puts(&doc, " ");
        }
        words_into(&doc, r, 10);
        bench_buf_puts(&doc, " </w:t></w:r><w:r><w:t>");
        words_into(&doc, r, 8);
        bench_buf_puts(&doc, ".</w:t></w:r></w:p>");
    }
    int rc = bench_buf_puts(&doc, "</w:body></w:document>");
    const char *names[] = {"[Content_Types].xml", "_rels/.rels", "word/document.xml",
                           "docProps/core.xml"};
    struct bench_buf *const parts[] = {&ct, &rels, &doc, &core};
    rc = rc != 0 ? rc : zip_build(out, names, parts, 4);
    for (size_t i = 0; i < 4; i++) {
        bench_buf_fini(parts[i]);
    }
    return rc;
}

/* A workbook of `rows` rows: shared strings (some with a card number),
 * numbers, and an inline string per row. */
static int
make_xlsx(struct bench_buf *out, struct bench_rng *r, unsigned rows)
{
    struct bench_buf ct = {0}, rels = {0}, wb = {0}, wbrels = {0}, sst = {0}, sheet = {0};
    bench_buf_puts(&ct, CT_HEAD "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
                                "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
                                "</Types>");
    bench_buf_puts(&rels, XML_DECL "<Relationships xmlns=\"" RELS_NS "\"><Relationship Id=\"rId1\" "
                                   "Type=\"" OD_REL "officeDocument\" Target=\"xl/workbook.xml\"/>"
                                   "</Relationships>");
#define S_NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    bench_buf_puts(&wb, XML_DECL "<workbook xmlns=\"" S_NS "\" xmlns:r=\"" OD_REL
                                 "\"><sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/>"
                                 "</sheets></workbook>");
    bench_buf_puts(&wbrels,
                   XML_DECL "<Relationships xmlns=\"" RELS_NS "\">"
                            "<Relationship Id=\"rId1\" Type=\"" OD_REL "worksheet\" "
                            "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" "
                            "Type=\"" OD_REL "sharedStrings\" Target=\"sharedStrings.xml\"/>"
                            "</Relationships>");
    unsigned n_strings = rows / 2 + 1;
    bench_buf_printf(&sst, XML_DECL "<sst xmlns=\"" S_NS "\" count=\"%u\" uniqueCount=\"%u\">",
                     n_strings, n_strings);
    for (unsigned i = 0; i < n_strings; i++) {
        bench_buf_puts(&sst, "<si><t>");
        words_into(&sst, r, 4);
        if (bench_rng_below(r, 40) == 0) {
            bench_buf_puts(&sst, " ");
            card_into(&sst, r);
        }
        bench_buf_puts(&sst, "</t></si>");
    }
    bench_buf_puts(&sst, "</sst>");
    bench_buf_puts(&sheet, XML_DECL "<worksheet xmlns=\"" S_NS "\"><sheetData>");
    for (unsigned i = 1; i <= rows; i++) {
        bench_buf_printf(&sheet,
                         "<row r=\"%u\"><c r=\"A%u\" t=\"s\"><v>%u</v></c><c r=\"B%u\"><v>%u</v>"
                         "</c><c r=\"C%u\"><v>%u.%02u</v></c><c r=\"D%u\" t=\"inlineStr\"><is><t>",
                         i, i, bench_rng_below(r, n_strings), i, bench_rng_below(r, 100000), i,
                         bench_rng_below(r, 10000), bench_rng_below(r, 100), i);
        words_into(&sheet, r, 3);
        bench_buf_puts(&sheet, "</t></is></c></row>");
    }
    int rc = bench_buf_puts(&sheet, "</sheetData></worksheet>");
    const char *names[] = {"[Content_Types].xml",  "_rels/.rels",
                           "xl/workbook.xml",      "xl/_rels/workbook.xml.rels",
                           "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"};
    struct bench_buf *const parts[] = {&ct, &rels, &wb, &wbrels, &sst, &sheet};
    rc = rc != 0 ? rc : zip_build(out, names, parts, 6);
    for (size_t i = 0; i < 6; i++) {
        bench_buf_fini(parts[i]);
    }
    return rc;
}

/* A text-dense PDF: `pages` pages of 48 lines of words in Helvetica, a card
 * number on every 12th line, each page's content stream deflated. */
static int
make_pdf(struct bench_buf *out, struct bench_rng *r, unsigned pages)
{
    size_t *off = calloc(4 + 2 * (size_t)pages, sizeof(*off));
    struct bench_buf content = {0};
    uint8_t *z = NULL;
    int rc = off == NULL ? RL_ENOMEM : 0;
    unsigned n_obj = 4 + 2 * pages; /* 1 catalog, 2 pages, 3 font, then page + content */
    bench_buf_printf(out, "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n");
    if (rc == 0) {
        off[1] = out->len;
        bench_buf_printf(out, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
        off[2] = out->len;
        bench_buf_printf(out, "2 0 obj\n<< /Type /Pages /Count %u /Kids [", pages);
        for (unsigned i = 0; i < pages; i++) {
            bench_buf_printf(out, " %u 0 R", 4 + 2 * i);
        }
        bench_buf_printf(out, " ] >>\nendobj\n");
        off[3] = out->len;
        bench_buf_printf(out, "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                              "/Encoding /WinAnsiEncoding >>\nendobj\n");
    }
    for (unsigned i = 0; i < pages && rc == 0; i++) {
        content.len = 0;
        bench_buf_printf(&content, "BT /F1 10 Tf 12 TL 50 760 Td\n");
        for (unsigned l = 0; l < 48; l++) {
            bench_buf_printf(&content, "(");
            words_into(&content, r, 10);
            if (l % 12 == 5) {
                bench_buf_printf(&content, " card ");
                card_into(&content, r);
            }
            bench_buf_printf(&content, ") '\n");
        }
        bench_buf_printf(&content, "ET\n");
        uLongf zlen = compressBound(content.len);
        uint8_t *nz = realloc(z, zlen);
        if (nz == NULL || compress2(nz, &zlen, content.data, content.len, 6) != Z_OK) {
            free(nz);
            z = NULL;
            rc = RL_ENOMEM;
            break;
        }
        z = nz;
        off[4 + 2 * i] = out->len;
        bench_buf_printf(out,
                         "%u 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                         "/Resources << /Font << /F1 3 0 R >> >> /Contents %u 0 R >>\nendobj\n",
                         4 + 2 * i, 5 + 2 * i);
        off[5 + 2 * i] = out->len;
        bench_buf_printf(out, "%u 0 obj\n<< /Length %lu /Filter /FlateDecode >>\nstream\n",
                         5 + 2 * i, (unsigned long)zlen);
        if (bench_buf_reserve(out, zlen) != 0) {
            rc = RL_ENOMEM;
            break;
        }
        memcpy(out->data + out->len, z, zlen);
        out->len += zlen;
        bench_buf_printf(out, "\nendstream\nendobj\n");
    }
    if (rc == 0) {
        size_t xref = out->len;
        bench_buf_printf(out, "xref\n0 %u\n0000000000 65535 f \n", n_obj);
        for (unsigned i = 1; i < n_obj; i++) {
            bench_buf_printf(out, "%010zu 00000 n \n", off[i]);
        }
        bench_buf_printf(out,
                         "trailer\n<< /Size %u /Root 1 0 R /Info << /Author (Alice) >> >>\n"
                         "startxref\n%zu\n%%%%EOF\n",
                         n_obj, xref);
    }
    bench_buf_fini(&content);
    free(z);
    free(off);
    return rc;
}

/* The PDF baseline: open, and extract the text of every page with MuPDF.
 * Returns the characters extracted. */
static size_t
mupdf_text(fz_context *ctx, const struct bench_buf *file)
{
    size_t chars = 0;
    fz_var(chars);
    fz_try(ctx)
    {
        fz_stream *stm = fz_open_memory(ctx, file->data, file->len);
        pdf_document *doc = pdf_open_document_with_stream(ctx, stm);
        for (int i = 0; i < pdf_count_pages(ctx, doc); i++) {
            fz_page *page = fz_load_page(ctx, &doc->super, i);
            fz_stext_page *sp = fz_new_stext_page_from_page(ctx, page, NULL);
            for (fz_stext_block *b = sp->first_block; b != NULL; b = b->next) {
                for (fz_stext_line *l = b->type == FZ_STEXT_BLOCK_TEXT ? b->u.t.first_line : NULL;
                     l != NULL; l = l->next) {
                    for (fz_stext_char *c = l->first_char; c != NULL; c = c->next) {
                        chars++;
                    }
                }
            }
            fz_drop_stext_page(ctx, sp);
            fz_drop_page(ctx, page);
        }
        pdf_drop_document(ctx, doc);
        fz_drop_stream(ctx, stm);
    }
    fz_catch(ctx)
    {
        chars = 0;
    }
    return chars;
}

static int
wrap_message(struct bench_buf *msg, const struct bench_buf *file, const char *name)
{
    bench_buf_printf(msg,
                     "From: a@example.org\r\nTo: b@example.org\r\nSubject: %s\r\n"
                     "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                     "--b\r\nContent-Type: text/plain\r\n\r\nattached\r\n--b\r\n"
                     "Content-Type: application/octet-stream; name=\"%s\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n",
                     name, name);
    size_t n = mime_b64_encode_cap(file->len, 76, 2);
    if (bench_buf_reserve(msg, n) != 0) {
        return RL_ENOMEM;
    }
    mime_b64_encode(msg->data + msg->len, &n, file->data, file->len, 76, "\r\n");
    msg->len += n;
    return bench_buf_puts(msg, "--b--\r\n");
}

/* The baseline: open, inflate every entry, walk every XML node. Returns the
 * uncompressed bytes, 0 on a failure. */
static size_t
unzip_xml(const struct bench_buf *file, size_t *out_nodes)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(file->data, file->len, 0, &err);
    zip_t *za = src != NULL ? zip_open_from_source(src, ZIP_RDONLY, &err) : NULL;
    size_t total = 0;
    if (za == NULL) {
        zip_source_free(src);
        return 0;
    }
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); i++) {
        zip_stat_t st;
        zip_file_t *f = zip_stat_index(za, (zip_uint64_t)i, 0, &st) == 0
                            ? zip_fopen_index(za, (zip_uint64_t)i, 0)
                            : NULL;
        char *buf = f != NULL ? malloc(st.size + 1) : NULL;
        if (buf == NULL || zip_fread(f, buf, st.size) != (zip_int64_t)st.size) {
            free(buf);
            if (f != NULL) {
                zip_fclose(f);
            }
            continue;
        }
        zip_fclose(f);
        total += st.size;
        size_t nl = strlen(st.name);
        if ((nl > 4 && strcmp(st.name + nl - 4, ".xml") == 0) ||
            (nl > 5 && strcmp(st.name + nl - 5, ".rels") == 0)) {
            xmlTextReaderPtr rd =
                xmlReaderForMemory(buf, (int)st.size, NULL, NULL,
                                   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            while (rd != NULL && xmlTextReaderRead(rd) == 1) {
                (*out_nodes)++;
            }
            xmlFreeTextReader(rd);
        }
        free(buf);
    }
    zip_discard(za);
    zip_error_fini(&err);
    return total;
}

/* The uncompressed XML parts of a workload's files, end to end in `all`,
 * with each part's length in `lens`. */
static int
xml_parts(const struct docs_workload *w, struct bench_buf *all, size_t *lens, size_t cap,
          size_t *out_n)
{
    *out_n = 0;
    for (size_t f = 0; f < w->n_files; f++) {
        zip_error_t err;
        zip_error_init(&err);
        zip_source_t *src = zip_source_buffer_create(w->file[f].data, w->file[f].len, 0, &err);
        zip_t *za = src != NULL ? zip_open_from_source(src, ZIP_RDONLY, &err) : NULL;
        if (za == NULL) {
            zip_source_free(src);
            return RL_EIO;
        }
        for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0) && *out_n < cap; i++) {
            zip_stat_t st;
            zip_file_t *zf = zip_stat_index(za, (zip_uint64_t)i, 0, &st) == 0
                                 ? zip_fopen_index(za, (zip_uint64_t)i, 0)
                                 : NULL;
            if (zf == NULL || bench_buf_reserve(all, st.size) != 0 ||
                zip_fread(zf, all->data + all->len, st.size) != (zip_int64_t)st.size) {
                if (zf != NULL) {
                    zip_fclose(zf);
                }
                continue;
            }
            zip_fclose(zf);
            all->len += st.size;
            lens[(*out_n)++] = st.size;
        }
        zip_discard(za);
        zip_error_fini(&err);
    }
    return 0;
}

/* Deflates every part (lens[0, n) end to end in `all`) raw at `level`;
 * returns the compressed bytes, 0 on a failure. Not inlined: under callgrind
 * (--dump-after=deflate_parts) each level is a dump of its own. */
__attribute__((noinline)) static size_t
deflate_parts(const struct bench_buf *all, const size_t *lens, size_t n, int level, uint8_t *out,
              uLong bound)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return 0;
    }
    size_t comp = 0, off = 0;
    for (size_t i = 0; i < n; i++) {
        deflateReset(&zs);
        zs.next_in = all->data + off;
        zs.avail_in = (uInt)lens[i];
        zs.next_out = out;
        zs.avail_out = (uInt)bound;
        deflate(&zs, Z_FINISH);
        comp += bound - zs.avail_out;
        off += lens[i];
    }
    deflateEnd(&zs);
    return comp;
}

/* The same with ISA-L's igzip (raw deflate, one stream per part, the input
 * given whole). */
__attribute__((noinline)) static size_t
igzip_parts(const struct bench_buf *all, const size_t *lens, size_t n, int level, uint8_t *out,
            uLong bound)
{
    static const uint32_t buf_size[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                        ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    uint8_t *lb = malloc(buf_size[level]);
    if (lb == NULL) {
        return 0;
    }
    size_t comp = 0, off = 0;
    for (size_t i = 0; i < n; i++) {
        struct isal_zstream zs;
        isal_deflate_init(&zs);
        zs.level = (uint32_t)level;
        zs.level_buf = lb;
        zs.level_buf_size = buf_size[level];
        zs.gzip_flag = IGZIP_DEFLATE;
        zs.end_of_stream = 1;
        zs.flush = NO_FLUSH;
        zs.next_in = all->data + off;
        zs.avail_in = (uint32_t)lens[i];
        zs.next_out = out;
        zs.avail_out = (uint32_t)bound;
        if (isal_deflate(&zs) != COMP_OK || zs.internal_state.state != ZSTATE_END) {
            comp = 0;
            break;
        }
        comp += zs.total_out;
        off += lens[i];
    }
    free(lb);
    return comp;
}

/* How the deflate level of rewritten parts was chosen: every XML part of the
 * workload deflated raw (as a zip entry holds it) at levels 1 to 9, `runs`
 * times; the median MB/s of input and the size against the input. */
static json_t *
deflate_levels(const struct docs_workload *w, unsigned runs)
{
    struct bench_buf all = {0};
    static size_t lens[4 * MAX_FILES * 8];
    size_t n = 0;
    json_t *arr = json_array();
    uLong bound = 0;
    if (xml_parts(w, &all, lens, sizeof(lens) / sizeof(lens[0]), &n) != 0) {
        return arr;
    }
    for (size_t i = 0; i < n; i++) {
        bound = compressBound(lens[i]) > bound ? compressBound(lens[i]) : bound;
    }
    uint8_t *out = malloc(bound ? bound : 1);
    fprintf(stderr, "%-5s deflate level (MB/s in, size %%):", w->name);
    for (int level = 1; level <= 9 && out != NULL; level++) {
        double rate[MAX_RUNS];
        size_t comp = 0;
        for (unsigned run = 0; run < runs; run++) {
            double t0 = bench_cpu_s();
            comp = deflate_parts(&all, lens, n, level, out, bound);
            rate[run] = (double)all.len / 1e6 / (bench_cpu_s() - t0);
        }
        double med = bench_median(rate, runs);
        json_t *o = json_object();
        json_object_set_new(o, "level", json_integer(level));
        json_object_set_new(o, "median_mbps", json_real(med));
        json_object_set_new(o, "compressed_bytes", json_integer((json_int_t)comp));
        json_object_set_new(o, "size_ratio", json_real((double)comp / (double)all.len));
        json_array_append_new(arr, o);
        fprintf(stderr, " %d: %.0f %.1f%%", level, med, 100.0 * (double)comp / (double)all.len);
    }
    fprintf(stderr, " | igzip:");
    for (int level = 0; level <= 3 && out != NULL; level++) {
        double rate[MAX_RUNS];
        size_t comp = 0;
        for (unsigned run = 0; run < runs; run++) {
            double t0 = bench_cpu_s();
            comp = igzip_parts(&all, lens, n, level, out, bound);
            rate[run] = (double)all.len / 1e6 / (bench_cpu_s() - t0);
        }
        double med = bench_median(rate, runs);
        json_t *o = json_object();
        json_object_set_new(o, "igzip_level", json_integer(level));
        json_object_set_new(o, "median_mbps", json_real(med));
        json_object_set_new(o, "compressed_bytes", json_integer((json_int_t)comp));
        json_object_set_new(o, "size_ratio", json_real((double)comp / (double)all.len));
        json_array_append_new(arr, o);
        fprintf(stderr, " %d: %.0f %.1f%%", level, med, 100.0 * (double)comp / (double)all.len);
    }
    fprintf(stderr, "\n");
    free(out);
    bench_buf_fini(&all);
    return arr;
}

static int
count_out(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

struct docs_ctx {
    struct scan_doc *doc;
    struct scan_message *msg;
    fz_context *mu; /* the PDF baseline's own MuPDF context */
    unsigned runs;
};

/* One timed pass of `mode` over every file of `w`; returns CPU seconds of
 * this thread. */
static double
timed_pass(struct docs_ctx *c, struct docs_workload *w, enum mode mode, size_t *out_findings,
           size_t *out_modified)
{
    size_t sink = 0, nodes = 0;
    double t0 = bench_cpu_s();
    for (size_t i = 0; i < w->n_files; i++) {
        if (mode == M_REWRITER) {
            const struct scan_doc_result *r = NULL;
            if (scan_doc_rewrite(c->doc, &r, w->file[i].data, w->file[i].len,
                                 "application/octet-stream", w->name) == 0) {
                *out_findings += r->n_findings;
                *out_modified += r->modified;
            }
        } else if (mode == M_MESSAGE) {
            const struct scan_result *res = NULL;
            scan_message_begin(c->msg, count_out, &sink, false);
            scan_message_feed(c->msg, w->msg[i].data, w->msg[i].len);
            scan_message_finish(c->msg, &res);
        } else if (strcmp(w->name, "pdf") == 0) {
            nodes += mupdf_text(c->mu, &w->file[i]);
            fz_empty_store(c->mu); /* as the rewriter does after each PDF */
        } else {
            unzip_xml(&w->file[i], &nodes);
        }
    }
    return bench_cpu_s() - t0;
}

static int
build_workload(struct docs_workload *w, const char *name, const char *only, size_t target,
               size_t max_files, unsigned seed)
{
    struct bench_rng r = {seed};
    w->name = name;
    if (only != NULL && strcmp(only, name) != 0) {
        return 0; /* left out: no files */
    }
    while (w->file_bytes < target && w->n_files < max_files) {
        struct bench_buf *f = &w->file[w->n_files];
        bool pdf = strcmp(name, "pdf") == 0;
        int rc = pdf                         ? make_pdf(f, &r, 40)
                 : strcmp(name, "docx") == 0 ? make_docx(f, &r, 1500)
                                             : make_xlsx(f, &r, 6000);
        rc = rc != 0 ? rc : wrap_message(&w->msg[w->n_files], f, name);
        if (rc != 0) {
            return rc;
        }
        size_t nodes = 0;
        w->xml_bytes += pdf ? f->len : unzip_xml(f, &nodes);
        w->file_bytes += f->len;
        w->n_files++;
    }
    return 0;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: redline-bench docs [--mb N] [--runs R] [--only NAME] [--files N] "
               "[--policy FILE] [--json FILE]\n"
               "  --mb N       MiB of documents per workload, as files (default 8)\n"
               "  --runs R     timed runs, modes interleaved (default 5, at most 50)\n"
               "  --only NAME  one workload: docx, xlsx or pdf (default all)\n"
               "  --files N    at most N files per workload (default 64, for profiling)\n"
               "  --policy FILE  a policy instead of the built-in default (profiling under\n"
               "               valgrind needs a longer max_pdf_millis)\n");
}

int
bench_docs_main(int argc, char **argv)
{
    uint64_t mb = 8, runs = 5, max_files = MAX_FILES;
    const char *json_path = NULL;
    const char *only = NULL, *policy_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = (strcmp(argv[i], "--mb") == 0 && bench_arg_u64(v, 1, 1024, &mb)) ||
                  (strcmp(argv[i], "--runs") == 0 && bench_arg_u64(v, 1, MAX_RUNS, &runs)) ||
                  (strcmp(argv[i], "--files") == 0 && bench_arg_u64(v, 1, MAX_FILES, &max_files)) ||
                  (strcmp(argv[i], "--json") == 0 && (json_path = v) != NULL) ||
                  (strcmp(argv[i], "--policy") == 0 && (policy_path = v) != NULL) ||
                  (strcmp(argv[i], "--only") == 0 && v != NULL &&
                   (strcmp(v, "docx") == 0 || strcmp(v, "xlsx") == 0 || strcmp(v, "pdf") == 0) &&
                   (only = v) != NULL);
        if (ok) {
            i++; /* the option's value */
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    struct scan_policy *pol = NULL;
    struct scan_engine *eng = NULL;
    struct scan_worker *wk = NULL;
    struct rl_diag d = {{0}, {0}};
    const char *pj = scan_policy_default_json();
    static struct docs_workload wl[N_WORKLOADS];
    struct docs_ctx c = {.runs = (unsigned)runs};
    c.mu = fz_new_context(NULL, NULL, (size_t)32 << 20);
    int prc = policy_path != NULL ? scan_policy_load(&pol, &d, policy_path)
                                  : scan_policy_parse(&pol, &d, pj, strlen(pj));
    if (prc != 0 || scan_engine_compile(&eng, &d, pol) != 0 ||
        (wk = scan_worker_new(eng)) == NULL || scan_doc_new(&c.doc, &d, wk, pol) != 0 ||
        (c.msg = scan_message_new(wk, eng)) == NULL ||
        build_workload(&wl[0], "docx", only, mb << 20, max_files, 1) != 0 ||
        build_workload(&wl[1], "xlsx", only, mb << 20, max_files, 2) != 0 || c.mu == NULL ||
        build_workload(&wl[2], "pdf", only, mb << 20, max_files, 3) != 0) {
        fprintf(stderr, "redline-bench docs: set-up failed: %s %s\n", d.field, d.reason);
        return 1;
    }
    int cpu = bench_cpu_pin();
    json_t *root = bench_report_root("docs");
    json_object_set_new(json_object_get(root, "machine"), "pinned_cpu", json_integer(cpu));
    json_t *config = json_object();
    json_object_set_new(config, "mb", json_integer((json_int_t)mb));
    json_object_set_new(config, "runs", json_integer((json_int_t)runs));
    json_object_set_new(config, "buildtype", json_string(BENCH_BUILDTYPE));
    json_object_set_new(config, "policy_version", json_string(pol->version));
    json_object_set_new(config, "libzip", json_string(zip_libzip_version()));
    json_object_set_new(config, "zlib", json_string(zlibVersion()));
    json_object_set_new(config, "deflate_level", json_integer(SCAN_ZIP_LEVEL));
    /* rates per CPU second of this thread: other jobs on the machine slow
     * them only through what they share (caches, memory) */
    json_object_set_new(config, "clock", json_string("thread_cpu"));
    json_object_set_new(config, "libxml2", json_string(LIBXML_DOTTED_VERSION));
    json_object_set_new(config, "mupdf", json_string(FZ_VERSION));
    /* both PDF modes as a gateway worker runs: one MuPDF context kept for
     * every file (the rewriter's is its scan_doc's), its store (32 MiB)
     * emptied after each PDF; nothing is shared between files */
    json_object_set_new(config, "mupdf_context",
                        json_string("one per mode, kept across files; store (32 MiB) emptied "
                                    "after each PDF, nothing shared between files"));
    json_object_set_new(root, "config", config);
    json_t *wjs = json_array();
    fprintf(stderr, "%-5s %5s %8s %8s | %-28s | %s\n", "docs", "files", "MiB", "MiB xml",
            "MB/s per core (file bytes)", "rewriter/baseline rate");
    for (size_t k = 0; k < N_WORKLOADS; k++) {
        struct docs_workload *w = &wl[k];
        if (w->n_files == 0) {
            continue;
        }
        const char *const *names = strcmp(w->name, "pdf") == 0 ? pdf_mode_names : mode_names;
        size_t f0 = 0;
        timed_pass(&c, w, M_REWRITER, &f0, &w->modified); /* warm-up, untimed */
        for (unsigned run = 0; run < runs; run++) {
            size_t modified = 0;
            for (unsigned j = 0; j < M__COUNT; j++) {
                enum mode m = (enum mode)((j + run) % M__COUNT); /* none always first */
                size_t findings = 0;
                double s = timed_pass(&c, w, m, &findings, &modified);
                w->rate[m][run] = (double)w->file_bytes / 1e6 / s;
                if (m == M_REWRITER) {
                    w->findings[run] = findings;
                }
            }
        }
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(w->name));
        json_object_set_new(o, "files", json_integer((json_int_t)w->n_files));
        json_object_set_new(o, "file_bytes", json_integer((json_int_t)w->file_bytes));
        json_object_set_new(o, "uncompressed_bytes", json_integer((json_int_t)w->xml_bytes));
        json_object_set_new(o, "findings_per_run", json_integer((json_int_t)w->findings[0]));
        bool stable = true;
        for (unsigned run = 0; run < runs; run++) {
            stable &= w->findings[run] == f0;
        }
        json_object_set_new(o, "findings_stable", json_boolean(stable));
        json_object_set_new(o, "modified_files", json_integer((json_int_t)w->modified));
        double med[M__COUNT];
        for (unsigned m = 0; m < M__COUNT; m++) {
            json_t *mo = json_object();
            json_t *arr = json_array();
            for (unsigned run = 0; run < runs; run++) {
                json_array_append_new(arr, json_real(w->rate[m][run]));
            }
            med[m] = bench_median(w->rate[m], (unsigned)runs);
            json_object_set_new(mo, "median_mbps", json_real(med[m]));
            json_object_set_new(mo, "median_uncompressed_mbps",
                                json_real(med[m] * (double)w->xml_bytes / (double)w->file_bytes));
            json_object_set_new(mo, "mbps_runs", arr);
            json_object_set_new(o, names[m], mo);
        }
        char ratio[64];
        snprintf(ratio, sizeof(ratio), "ratio_rewriter_%s", names[M_BASELINE]);
        json_object_set_new(o, ratio, json_real(med[M_REWRITER] / med[M_BASELINE]));
        if (strcmp(w->name, "pdf") != 0) {
            json_object_set_new(o, "deflate_levels", deflate_levels(w, (unsigned)runs));
        }
        json_array_append_new(wjs, o);
        fprintf(stderr, "%-5s %5zu %8.2f %8.2f | rewriter %6.1f message %6.1f %s %6.1f | %.2fx%s\n",
                w->name, w->n_files, (double)w->file_bytes / 1048576.0,
                (double)w->xml_bytes / 1048576.0, med[M_REWRITER], med[M_MESSAGE],
                names[M_BASELINE], med[M_BASELINE], med[M_REWRITER] / med[M_BASELINE],
                stable ? "" : "  (findings differ between runs)");
    }
    json_object_set_new(root, "workloads", wjs);
    int rc = bench_report_write(root, stdout, json_path);
    json_decref(root);
    fz_drop_context(c.mu);
    for (size_t k = 0; k < N_WORKLOADS; k++) {
        for (size_t i = 0; i < wl[k].n_files; i++) {
            bench_buf_fini(&wl[k].file[i]);
            bench_buf_fini(&wl[k].msg[i]);
        }
    }
    scan_message_free(c.msg);
    scan_doc_free(c.doc);
    scan_worker_free(wk);
    scan_engine_free(eng);
    scan_policy_free(pol);
    return rc == 0 ? 0 : 1;
}
