/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for scan_zip.c and scan_magic.c: archives open, read and
 * rewrite in memory; zip bombs, lying sizes, too many entries, encrypted and
 * corrupt archives (the libzip regression corpus) each get their own clear
 * code; true types from content and claim mismatches. Single-threaded
 * cmocka runner; run from the source root (RL_CORPUS names the corpus). */
#include "doc_fixture.h"
#include "rl_error.h"
#include "scan_magic.h"
#include "scan_zip.h"

static struct scan_zip_budget
budget(void)
{
    return (struct scan_zip_budget){.bytes_left = 1u << 30, .entries_left = 1000, .max_ratio = 100};
}

/* An archive of e[0, n) (*zip, freed by the caller) opened within *b, set
 * to budget() (it must outlive the archive: reads are charged to it). */
static struct scan_zip *
open_fx(const struct fx_entry *e, size_t n, struct scan_zip_budget *b, uint8_t **zip)
{
    size_t len = 0;
    *zip = fx_zip(e, n, &len);
    *b = budget();
    struct scan_zip *z = NULL;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(scan_zip_open(&z, &d, *zip, len, b), 0);
    assert_int_equal(scan_zip_count(z), n);
    assert_int_equal(b->entries_left, 1000 - n);
    return z;
}

static void
test_read_replace_delete(void **state)
{
    (void)state;
    const struct fx_entry e[] = {
        {"a.txt", "alpha", 0, false}, {"b.txt", "bravo", 0, true}, {"c/d.txt", "delta", 0, false}};
    uint8_t *zip = NULL;
    struct scan_zip_budget b;
    struct scan_zip *z = open_fx(e, 3, &b, &zip);
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(scan_zip_find(z, "c/d.txt"), 2);
    assert_int_equal(scan_zip_find(z, "nope"), -1);
    uint8_t *data = NULL;
    size_t n = 0;
    assert_int_equal(scan_zip_read(z, &d, &data, &n, 1), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(data, "bravo", 5);
    free(data);
    assert_false(scan_zip_changed(z));
    uint8_t *repl = (uint8_t *)strdup("ALPHA!");
    assert_int_equal(scan_zip_replace(z, 0, repl, 6), 0);
    assert_int_equal(scan_zip_delete(z, 2), 0);
    assert_true(scan_zip_changed(z));
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(scan_zip_write(z, &d, &out, &out_len), 0);
    scan_zip_free(z);
    assert_int_equal(fx_check_package(out, out_len), 2);
    char *a = fx_entry_text(out, out_len, "a.txt");
    char *bt = fx_entry_text(out, out_len, "b.txt");
    assert_string_equal(a, "ALPHA!");
    assert_string_equal(bt, "bravo");
    assert_null(fx_entry_text(out, out_len, "c/d.txt"));
    free(a);
    free(bt);
    free(out);
    free(zip);
}

/* Entries deflated as they are produced (the Office rewriter's path): a
 * large text fed in chunks of every size from one byte up, random bytes
 * that deflate cannot shrink (the output outgrows its buffer many times),
 * an empty stream, and a stream aborted before another begins. libzip reads
 * every one back with its CRC and size checked, byte for byte. */
static void
test_streamed_deflate(void **state)
{
    (void)state;
    const struct fx_entry e[] = {
        {"text.txt", "old", 0, false}, {"noise.bin", "old", 0, false}, {"empty", "old", 0, true}};
    uint8_t *zip = NULL;
    struct scan_zip_budget b;
    struct scan_zip *z = open_fx(e, 3, &b, &zip);
    struct rl_diag d = {{0}, {0}};
    size_t text_len = (size_t)3 << 20, noise_len = (size_t)1 << 20;
    uint8_t *text = malloc(text_len), *noise = malloc(noise_len);
    assert_non_null(text);
    assert_non_null(noise);
    static const char *const words[] = {"<w:t>", "alpha ", "4556 7375 8689 9855", "</w:t>",
                                        "bravo", "\n",     "charlie delta ",      "&amp;"};
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < text_len;) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        const char *w = words[x % 8];
        for (size_t k = 0; w[k] != '\0' && i < text_len; k++) {
            text[i++] = (uint8_t)w[k];
        }
    }
    for (size_t i = 0; i < noise_len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        noise[i] = (uint8_t)x;
    }
    assert_int_equal(scan_zip_deflate_begin(z), 0);
    for (size_t at = 0, step = 1; at < text_len; step = step * 3 + 1) {
        size_t n = step % 200003 < text_len - at ? step % 200003 : text_len - at;
        assert_int_equal(scan_zip_deflate_feed(z, text + at, n), 0);
        at += n;
    }
    assert_int_equal(scan_zip_deflate_replace(z, 0), 0);
    assert_int_equal(scan_zip_deflate_begin(z), 0);
    assert_int_equal(scan_zip_deflate_feed(z, text, 4096), 0);
    scan_zip_deflate_abort(z); /* dropped: entry 1 is not touched by it */
    assert_int_equal(scan_zip_deflate_begin(z), 0);
    assert_int_equal(scan_zip_deflate_feed(z, noise, noise_len), 0);
    assert_int_equal(scan_zip_deflate_replace(z, 1), 0);
    assert_int_equal(scan_zip_deflate_begin(z), 0);
    assert_int_equal(scan_zip_deflate_replace(z, 2), 0);
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(scan_zip_write(z, &d, &out, &out_len), 0);
    scan_zip_free(z);
    assert_int_equal(fx_check_package(out, out_len), 3);
    assert_true(out_len < text_len / 3 + noise_len + noise_len / 50);
    b = budget();
    assert_int_equal(scan_zip_open(&z, &d, out, out_len, &b), 0);
    const struct {
        const uint8_t *p;
        size_t n;
    } want[] = {{text, text_len}, {noise, noise_len}, {NULL, 0}};
    for (size_t i = 0; i < 3; i++) {
        struct scan_zip_entry st;
        scan_zip_stat(z, &st, i);
        assert_true(st.size == want[i].n);
        uint8_t *data = NULL;
        size_t n = 1;
        assert_int_equal(scan_zip_read(z, &d, &data, &n, i), 0);
        assert_int_equal(n, want[i].n);
        if (n > 0) {
            assert_memory_equal(data, want[i].p, n);
        }
        free(data);
    }
    scan_zip_free(z);
    free(out);
    free(noise);
    free(text);
    free(zip);
}

/* 4 MiB of zeros deflate about 1000:1: a bomb by ratio alone. */
static void
test_ratio_bomb_refused(void **state)
{
    (void)state;
    size_t big = (size_t)4 << 20;
    char *zeros = calloc(1, big);
    const struct fx_entry e[] = {{"zeros.bin", zeros, big, false}};
    size_t len = 0;
    uint8_t *zip = fx_zip(e, 1, &len);
    assert_true(len < big / 200);
    struct scan_zip_budget b = budget();
    struct scan_zip *z = (struct scan_zip *)1;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(scan_zip_open(&z, &d, zip, len, &b), RL_ELIMIT);
    assert_null(z);
    assert_string_equal(d.field, "zeros.bin");
    assert_non_null(strstr(d.reason, "compression ratio"));
    /* The same file within a higher ratio limit opens and reads. */
    b.max_ratio = 5000;
    assert_int_equal(scan_zip_open(&z, &d, zip, len, &b), 0);
    uint8_t *data = NULL;
    size_t n = 0;
    assert_int_equal(scan_zip_read(z, &d, &data, &n, 0), 0);
    assert_int_equal(n, big);
    assert_int_equal(b.bytes_left, (1u << 30) - big);
    free(data);
    scan_zip_free(z);
    free(zip);
    free(zeros);
}

static void
test_budget_bytes_and_entries(void **state)
{
    (void)state;
    char text[3000];
    memset(text, 'x', sizeof(text));
    struct fx_entry e[20];
    char names[20][8];
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof(names[i]), "e%d", i);
        e[i] = (struct fx_entry){names[i], text, sizeof(text), false};
    }
    size_t len = 0;
    uint8_t *zip = fx_zip(e, 20, &len);
    struct scan_zip *z = NULL;
    struct rl_diag d = {{0}, {0}};
    struct scan_zip_budget b = budget();
    b.entries_left = 19;
    assert_int_equal(scan_zip_open(&z, &d, zip, len, &b), RL_ELIMIT);
    assert_non_null(strstr(d.reason, "entries"));
    b = budget();
    b.bytes_left = 20 * sizeof(text) - 1;
    assert_int_equal(scan_zip_open(&z, &d, zip, len, &b), RL_ELIMIT);
    assert_non_null(strstr(d.reason, "declared uncompressed size"));
    assert_null(z);
    free(zip);
}

static void
patch32(uint8_t *p, size_t at, uint32_t v)
{
    p[at] = (uint8_t)v;
    p[at + 1] = (uint8_t)(v >> 8);
    p[at + 2] = (uint8_t)(v >> 16);
    p[at + 3] = (uint8_t)(v >> 24);
}

/* An entry whose headers (local and central alike, so consistent) declare
 * 1000 bytes but that inflates to 100,000: read stops one byte past. */
static void
test_lying_size_refused(void **state)
{
    (void)state;
    char *text = malloc(100000);
    memset(text, 'y', 100000);
    const struct fx_entry e[] = {{"liar.txt", text, 100000, false}};
    size_t len = 0;
    uint8_t *zip = fx_zip(e, 1, &len);
    patch32(zip, 22, 1000); /* local header: uncompressed size */
    for (size_t i = 0; i + 4 < len; i++) {
        if (memcmp(zip + i, "PK\x01\x02", 4) == 0) {
            patch32(zip, i + 24, 1000); /* central directory: uncompressed size */
        }
    }
    struct scan_zip *z = NULL;
    struct rl_diag d = {{0}, {0}};
    struct scan_zip_budget b = budget();
    assert_int_equal(scan_zip_open(&z, &d, zip, len, &b), 0);
    uint8_t *data = (uint8_t *)1;
    size_t n = 7;
    assert_int_equal(scan_zip_read(z, &d, &data, &n, 0), RL_ELIMIT);
    assert_null(data);
    assert_int_equal(n, 0);
    assert_non_null(strstr(d.reason, "declared size"));
    scan_zip_free(z);
    free(zip);
    free(text);
}

static void
test_not_a_zip(void **state)
{
    (void)state;
    struct scan_zip *z = NULL;
    struct rl_diag d = {{0}, {0}};
    struct scan_zip_budget b = budget();
    const char *text = "just some text, no archive here";
    assert_int_equal(scan_zip_open(&z, &d, (const uint8_t *)text, strlen(text), &b), RL_EINVAL);
    assert_non_null(strstr(d.reason, "not a readable zip archive"));
    assert_int_equal(scan_zip_open(&z, &d, (const uint8_t *)"", 0, &b), RL_EINVAL);
    assert_null(z);
}

static void
test_encrypted_entries(void **state)
{
    (void)state;
    const char *files[] = {"libzip-regress/encrypt.zip", "libzip-regress/encrypt-aes128.zip"};
    for (size_t f = 0; f < 2; f++) {
        size_t len = 0;
        uint8_t *zip = fx_file(fx_corpus(files[f]), &len);
        assert_non_null(zip);
        struct scan_zip *z = NULL;
        struct rl_diag d = {{0}, {0}};
        struct scan_zip_budget b = budget();
        assert_int_equal(scan_zip_open(&z, &d, zip, len, &b), 0);
        size_t n_enc = 0;
        for (size_t i = 0; i < scan_zip_count(z); i++) {
            struct scan_zip_entry e;
            scan_zip_stat(z, &e, i);
            if (!e.encrypted) {
                continue;
            }
            n_enc++;
            uint8_t *data = NULL;
            size_t n = 0;
            assert_int_equal(scan_zip_read(z, &d, &data, &n, i), RL_EINVAL);
            assert_non_null(strstr(d.reason, "encrypted"));
        }
        assert_true(n_enc >= 1);
        scan_zip_free(z);
        free(zip);
    }
}

/* Every archive of the regression corpus gives a defined outcome: refused
 * at open (libzip's consistency checks), or opened and each entry either
 * read or refused with a code; never a crash. The expectations are libzip's
 * own (expectations.jsonl) except where Debian 12's libzip 1.7.3 is laxer
 * than the release they were written for. */
static void
test_regress_corpus(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int open_rc;
        bool all_read; /* every entry reads back */
    } want[] = {
        {"incons-archive-comment-longer.zip", RL_EINVAL, false},
        {"incons-cdoffset.zip", RL_EINVAL, false},
        {"incons-central-compression-method.zip", RL_EINVAL, false},
        {"incons-central-compsize-larger.zip", RL_EINVAL, false},
        {"incons-central-crc.zip", RL_EINVAL, false},
        {"incons-central-file-comment-longer.zip", RL_EINVAL, false},
        {"incons-central-file-comment-utf8-ascii.zip", 0, true},
        {"incons-central-magic-bad2.zip", RL_EINVAL, false},
        {"incons-data.zip", 0, false}, /* opens; its data fails the CRC */
        {"incons-ef-local-dupe-utf8comment.zip", 0, true},
        {"incons-ef-local-dupe-zip64-v1.zip", RL_EINVAL, false},
        {"incons-ef-local-id-size.zip", RL_EINVAL, false},
        {"incons-ef-local-size.zip", RL_EINVAL, false},
        {"incons-eocd-magic-bad.zip", RL_EINVAL, false},
        {"incons-file-count-high.zip", RL_EINVAL, false},
        {"incons-file-count-overflow.zip", RL_EINVAL, false},
        {"incons-gap-before-cd.zip", 0, true},
        {"incons-gap-before-local.zip", 0, true},
        {"incons-local-compsize-larger.zip", RL_EINVAL, false},
        {"incons-local-crc.zip", RL_EINVAL, false},
        {"incons-local-filename-missing.zip", RL_EINVAL, false},
        {"incons-local-filename.zip", RL_EINVAL, false},
        {"incons-local-size-larger.zip", RL_EINVAL, false},
        {"incons-streamed-2.zip", 0, true}, /* 1.7.3 does not compare data descriptors */
        {"junk-at-start.zip", RL_EINVAL, false},
        {"zip64.zip", 0, true},
        {"test-utf8.zip", 0, true},
        {"testbzip2.zip", 0, true},
        {"filename_empty.zip", 0, true},
    };
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "libzip-regress/%s", want[k].file);
        size_t len = 0;
        uint8_t *zip = fx_file(fx_corpus(rel), &len);
        assert_non_null(zip);
        struct scan_zip *z = NULL;
        struct rl_diag d = {{0}, {0}};
        struct scan_zip_budget b = budget();
        int rc = scan_zip_open(&z, &d, zip, len, &b);
        if (rc != want[k].open_rc) {
            fail_msg("%s: open returned %d, want %d (%s)", want[k].file, rc, want[k].open_rc,
                     d.reason);
        }
        bool all_read = rc == 0;
        for (size_t i = 0; rc == 0 && i < scan_zip_count(z); i++) {
            uint8_t *data = NULL;
            size_t n = 0;
            int r = scan_zip_read(z, &d, &data, &n, i);
            assert_true(r == 0 || r == RL_EINVAL);
            all_read &= r == 0;
            free(data);
        }
        if (all_read != want[k].all_read) {
            fail_msg("%s: entries all read: %d, want %d", want[k].file, all_read, want[k].all_read);
        }
        scan_zip_free(z);
        free(zip);
    }
}

static void
test_magic_types(void **state)
{
    (void)state;
    struct scan_magic *m = NULL;
    struct rl_diag d = {{0}, {0}};
    assert_int_equal(scan_magic_new(&m, &d), 0);
    size_t len = 0;
    uint8_t *docx = fx_file(fx_corpus("office-python-docx/tbl-having-tables.docx"), &len);
    assert_non_null(docx);
    /* a zip by its signature: what kind of package is scan_doc's to find */
    assert_string_equal(scan_magic_type(m, docx, len, false), "application/zip");
    const char *eml = "Received: from a by b;\r\nFrom: x@example.org\r\n\r\nhi\r\n";
    assert_string_equal(scan_magic_type(m, (const uint8_t *)eml, strlen(eml), false),
                        "message/rfc822");
    const uint8_t elf[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0};
    /* no signature of ours: libmagic's answer, only when asked to look deep */
    assert_string_equal(scan_magic_type(m, elf, sizeof(elf), false), "application/octet-stream");
    assert_non_null(strstr(scan_magic_type(m, elf, sizeof(elf), true), "application/x-"));
    /* libmagic's whole database for content it cannot name costs ~0.2 ms:
     * eight lookups a message, then what it would call it */
    for (int i = 1; i < 8; i++) {
        assert_non_null(strstr(scan_magic_type(m, elf, sizeof(elf), true), "application/x-"));
    }
    assert_string_equal(scan_magic_type(m, elf, sizeof(elf), true), "application/octet-stream");
    scan_magic_begin(m);
    assert_non_null(strstr(scan_magic_type(m, elf, sizeof(elf), true), "application/x-"));
    uint8_t exe[128] = {'M', 'Z'};
    assert_string_equal(scan_magic_type(m, exe, sizeof(exe), false), "application/x-dosexec");
    assert_string_equal(scan_magic_type(m, (const uint8_t *)"MZ is a text", 12, false),
                        "text/plain");
    const char *text = "Dear Sir,\nplease find the figures below.\n";
    assert_string_equal(scan_magic_type(m, (const uint8_t *)text, strlen(text), false),
                        "text/plain");
    assert_string_equal(scan_magic_type(m, (const uint8_t *)"%PDF-1.4\n%...\n", 14, false),
                        "application/pdf");
    /* Readers open a PDF whose header starts within its first 1024 bytes:
     * junk put first must not make it something else (then unscanned). */
    uint8_t late[1100];
    memset(late, 0x01, sizeof(late));
    memcpy(late + 1015, "%PDF-1.7\n", 9);
    assert_string_equal(scan_magic_type(m, late, sizeof(late), false), "application/pdf");
    memset(late, 0x01, sizeof(late));
    memcpy(late + 1024, "%PDF-1.7\n", 9); /* too late for a reader */
    assert_string_equal(scan_magic_type(m, late, sizeof(late), false), "application/octet-stream");
    /* text that only names the header is text; with objects it is a PDF */
    const char *talk = "Notes\nthe file starts %PDF-1.4 and then binary\n";
    assert_string_equal(scan_magic_type(m, (const uint8_t *)talk, strlen(talk), false),
                        "text/plain");
    const char *pdf = "junk\n%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    assert_string_equal(scan_magic_type(m, (const uint8_t *)pdf, strlen(pdf), false),
                        "application/pdf");
    free(docx);
    scan_magic_free(m);
    scan_magic_free(NULL);
}

static void
test_magic_mismatch(void **state)
{
    (void)state;
    const char *docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    /* agreements and claims we cannot judge */
    assert_null(scan_magic_mismatch(docx, docx, "report.docx"));
    assert_null(scan_magic_mismatch(docx, "application/octet-stream", "report.DOCM"));
    assert_null(scan_magic_mismatch(docx, "", ""));
    assert_null(scan_magic_mismatch("application/zip", "application/x-zip-compressed", "a.zip"));
    assert_null(scan_magic_mismatch("application/x-weird", "application/pdf", "a.pdf"));
    assert_null(scan_magic_mismatch("text/plain", "text/csv", "data.csv"));
    /* disagreements */
    assert_non_null(scan_magic_mismatch("application/zip", "application/pdf", "invoice.pdf"));
    assert_non_null(scan_magic_mismatch("application/zip", "application/octet-stream", "a.docx"));
    assert_non_null(scan_magic_mismatch(docx, "application/octet-stream", "notes.txt"));
    assert_non_null(scan_magic_mismatch("application/x-dosexec", "", "photo.jpg"));
    assert_non_null(
        scan_magic_mismatch(docx, "application/vnd.ms-excel.sheet.macroEnabled.12", ""));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_replace_delete),
        cmocka_unit_test(test_streamed_deflate), /* the Office rewriter's deflater */
        cmocka_unit_test(test_ratio_bomb_refused),
        cmocka_unit_test(test_budget_bytes_and_entries),
        cmocka_unit_test(test_lying_size_refused),
        cmocka_unit_test(test_not_a_zip),
        cmocka_unit_test(test_encrypted_entries),
        cmocka_unit_test(test_regress_corpus),
        cmocka_unit_test(test_magic_types),
        cmocka_unit_test(test_magic_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
