/* SPDX-License-Identifier: Apache-2.0 */
/* Archives other than zip and compressed files (scan_archive.c) through the
 * document rewriter: every format and compression libarchive writes is
 * built here, rewritten, and read back (masked files, clean files byte for
 * byte, the same format and compression); bombs, spent budgets, nesting,
 * corrupt and truncated input. Single-threaded cmocka runner. */
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "doc_fixture.h"
#include "internal.h"
#include "scan_policy.h"

#define CARD_TXT "Card 4111 1111 1111 1111\n"
#define CARD_RED "Card **** **** **** 1111\n"
#define CLEAN_TXT "nothing to see here\n"

/* The default policy; entries and depth (when not 0) replace its archive
 * limits (the rewriter reads them at each rewrite). */
static void
env_limits(struct env *e, unsigned entries, unsigned depth)
{
    env_init(e, NULL);
    if (entries != 0) {
        e->pol->limits.max_archive_entries = entries;
        e->pol->limits.max_archive_depth = depth;
    }
}

struct file {
    const char *name;
    const void *data;
    size_t len;
};

/* An archive of format `format` compressed by `filter` holding f[0, n);
 * the caller frees it. */
static uint8_t *
build(int format, int filter, const struct file *f, size_t n, size_t *out_len)
{
    size_t cap = 1u << 22;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    struct archive *w = archive_write_new();
    assert_int_equal(archive_write_set_format(w, format), ARCHIVE_OK);
    if (filter != ARCHIVE_FILTER_NONE) {
        assert_int_equal(archive_write_add_filter(w, filter), ARCHIVE_OK);
    }
    size_t used = 0;
    assert_int_equal(archive_write_open_memory(w, buf, cap, &used), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, f[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)f[i].len);
        assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(w, f[i].data, f[i].len), (la_ssize_t)f[i].len);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(w), ARCHIVE_OK);
    archive_write_free(w);
    *out_len = used;
    return buf;
}

/* The content of file `name` in archive p[0, len) (NUL-terminated, its
 * length in *out_len; the caller frees), or NULL; *format and *filter get
 * what the archive is. */
static char *
read_file(const uint8_t *p, size_t len, const char *name, int *format, int *filter, size_t *out_len)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    archive_read_support_format_raw(a);
    assert_int_equal(archive_read_open_memory(a, p, len), ARCHIVE_OK);
    struct archive_entry *e = NULL;
    char *found = NULL;
    while (found == NULL && archive_read_next_header(a, &e) == ARCHIVE_OK) {
        *format = archive_format(a);
        *filter = archive_filter_code(a, 0);
        if (strcmp(archive_entry_pathname(e), name) != 0) {
            continue;
        }
        found = calloc(1, 1u << 16);
        assert_non_null(found);
        la_ssize_t got = archive_read_data(a, found, (1u << 16) - 1);
        assert_true(got >= 0);
        *out_len = (size_t)got;
    }
    archive_read_free(a);
    return found;
}

static char *
read_back(const uint8_t *p, size_t len, const char *name, int *format, int *filter)
{
    size_t n = 0;
    return read_file(p, len, name, format, filter, &n);
}

static const struct scan_doc_result *
rewrite(struct env *e, const uint8_t *p, size_t len, const char *name)
{
    const struct scan_doc_result *r = NULL;
    assert_int_equal(scan_doc_rewrite(e->doc, &r, p, len, "application/octet-stream", name), 0);
    assert_non_null(r);
    return r;
}

/* Every archive format and compression libarchive writes: the file with a
 * card is masked, the clean one kept byte for byte, a gzip file inside is
 * opened too, and the archive keeps its format and compression. */
static void
test_formats_and_compressions(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t inner_len = 0;
    const struct file in_gz = {"data", CARD_TXT, sizeof(CARD_TXT) - 1};
    uint8_t *inner = build(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, &in_gz, 1, &inner_len);
    const struct file files[] = {{"dir/card.txt", CARD_TXT, sizeof(CARD_TXT) - 1},
                                 {"dir/clean.txt", CLEAN_TXT, sizeof(CLEAN_TXT) - 1},
                                 {"dir/more.txt.gz", inner, inner_len}};
    const int formats[] = {ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE,
                           ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FORMAT_CPIO_SVR4_NOCRC,
                           ARCHIVE_FORMAT_7ZIP};
    const int filters[] = {ARCHIVE_FILTER_NONE, ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_BZIP2,
                           ARCHIVE_FILTER_XZ,   ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_LZIP};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        for (size_t j = 0; j < sizeof(filters) / sizeof(filters[0]); j++) {
            if (formats[i] == ARCHIVE_FORMAT_7ZIP && filters[j] != ARCHIVE_FILTER_NONE) {
                continue; /* 7-Zip compresses inside */
            }
            size_t len = 0;
            uint8_t *arc = build(formats[i], filters[j], files, 3, &len);
            const struct scan_doc_result *r = rewrite(&e, arc, len, "files.bin");
            assert_int_equal(r->kind, SCAN_DOC_ARCHIVE);
            assert_true(r->modified);
            assert_false(r->unreadable);
            assert_false(r->failed);
            assert_int_equal(r->n_findings, 2);
            assert_string_equal(r->findings[0].location, "dir/card.txt");
            assert_string_equal(r->findings[1].location, "dir/more.txt.gz/(uncompressed)");
            int format = 0;
            int filter = 0;
            char *card = read_back(r->out, r->out_len, "dir/card.txt", &format, &filter);
            assert_non_null(card);
            assert_string_equal(card, CARD_RED);
            assert_int_equal(format & ARCHIVE_FORMAT_BASE_MASK,
                             formats[i] & ARCHIVE_FORMAT_BASE_MASK);
            assert_int_equal(filter, filters[j]);
            char *clean = read_back(r->out, r->out_len, "dir/clean.txt", &format, &filter);
            assert_string_equal(clean, CLEAN_TXT);
            size_t more_len = 0;
            char *more =
                read_file(r->out, r->out_len, "dir/more.txt.gz", &format, &filter, &more_len);
            assert_non_null(more);
            char *inner_text = read_back((const uint8_t *)more, more_len, "data", &format, &filter);
            assert_non_null(inner_text);
            assert_string_equal(inner_text, CARD_RED);
            free(inner_text);
            free(card);
            free(clean);
            free(more);
            free(arc);
        }
    }
    free(inner);
    env_fini(&e);
}

/* A compressed file alone (note.txt.gz); a clean one is left as it was. */
static void
test_single_compressed_file(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const int filters[] = {ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_BZIP2, ARCHIVE_FILTER_XZ,
                           ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_LZ4};
    for (size_t j = 0; j < sizeof(filters) / sizeof(filters[0]); j++) {
        size_t len = 0;
        const struct file f = {"data", CARD_TXT, sizeof(CARD_TXT) - 1};
        uint8_t *gz = build(ARCHIVE_FORMAT_RAW, filters[j], &f, 1, &len);
        const struct scan_doc_result *r = rewrite(&e, gz, len, "note.txt.gz");
        assert_true(r->modified);
        int format = 0;
        int filter = 0;
        char *text = read_back(r->out, r->out_len, "data", &format, &filter);
        assert_string_equal(text, CARD_RED);
        assert_int_equal(filter, filters[j]);
        free(text);
        free(gz);
        const struct file c = {"data", CLEAN_TXT, sizeof(CLEAN_TXT) - 1};
        gz = build(ARCHIVE_FORMAT_RAW, filters[j], &c, 1, &len);
        r = rewrite(&e, gz, len, "clean.txt.gz");
        assert_false(r->modified);
        assert_int_equal(r->n_actions, 0);
        free(gz);
    }
    env_fini(&e);
}

/* A tar whose last file is a zip is a tar (the zip's end record is within
 * the tar's last 64 KiB), not a zip that cannot be read. */
static void
test_tar_ending_with_a_zip(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    size_t zlen = 0;
    const struct fx_entry zf = {"in.txt", CARD_TXT, 0, false};
    uint8_t *zip = fx_zip(&zf, 1, &zlen);
    const struct file files[] = {{"clean.txt", CLEAN_TXT, sizeof(CLEAN_TXT) - 1},
                                 {"last.zip", zip, zlen}};
    size_t len = 0;
    uint8_t *tar = build(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, files, 2, &len);
    const struct scan_doc_result *r = rewrite(&e, tar, len, "t.tar");
    assert_int_equal(r->kind, SCAN_DOC_ARCHIVE);
    assert_false(r->unreadable);
    assert_true(r->modified);
    assert_int_equal(r->n_findings, 1);
    assert_string_equal(r->findings[0].location, "last.zip/in.txt");
    free(tar);
    free(zip);
    env_fini(&e);
}

/* Data after the end of a streamed archive or compressed file (a card
 * appended to a .gz, text after a tar's end inside its gzip) is nothing its
 * reader shows and was not scanned: unreadable (said so, or zstd's reader
 * refuses the file), not passed. Zeros there are padding and pass (but in
 * zstd). */
static void
test_data_after_the_end(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    const int filters[] = {ARCHIVE_FILTER_NONE, ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_BZIP2,
                           ARCHIVE_FILTER_XZ,   ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_LZIP,
                           ARCHIVE_FILTER_LZ4};
    const int formats[] = {ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FORMAT_CPIO_SVR4_NOCRC,
                           ARCHIVE_FORMAT_RAW};
    const struct file clean = {"clean.txt", CLEAN_TXT, sizeof(CLEAN_TXT) - 1};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        for (size_t j = 0; j < sizeof(filters) / sizeof(filters[0]); j++) {
            if (formats[i] == ARCHIVE_FORMAT_RAW && filters[j] == ARCHIVE_FILTER_NONE) {
                continue; /* plain text, not an archive */
            }
            size_t len = 0;
            uint8_t *arc = build(formats[i], filters[j], &clean, 1, &len);
            uint8_t *longer = malloc(len + 4096);
            assert_non_null(longer);
            memcpy(longer, arc, len);
            memset(longer + len, 0, 4096);
            const struct scan_doc_result *r = rewrite(&e, longer, len + 4096, "a.bin");
            assert_int_equal(r->kind, SCAN_DOC_ARCHIVE);
            /* zstd allows nothing after its last frame (zstd -t refuses it) */
            assert_int_equal(r->unreadable, filters[j] == ARCHIVE_FILTER_ZSTD);
            assert_false(r->modified);
            memcpy(longer + len, CARD_TXT, sizeof(CARD_TXT) - 1);
            r = rewrite(&e, longer, len + 4096, "a.bin");
            assert_true(r->unreadable);
            assert_false(r->modified);
            assert_int_equal(r->n_actions, 1);
            assert_int_equal(r->actions[0].kind, SCAN_DOC_UNREADABLE);
            free(longer);
            if (formats[i] != ARCHIVE_FORMAT_RAW && filters[j] != ARCHIVE_FILTER_NONE) {
                /* the text inside the compression, after the archive's end */
                size_t plain_len = 0;
                uint8_t *plain = build(formats[i], ARCHIVE_FILTER_NONE, &clean, 1, &plain_len);
                uint8_t *joined = malloc(plain_len + sizeof(CARD_TXT));
                assert_non_null(joined);
                memcpy(joined, plain, plain_len);
                memcpy(joined + plain_len, CARD_TXT, sizeof(CARD_TXT));
                const struct file f = {"data", joined, plain_len + sizeof(CARD_TXT)};
                size_t clen = 0;
                uint8_t *c = build(ARCHIVE_FORMAT_RAW, filters[j], &f, 1, &clen);
                r = rewrite(&e, c, clen, "a.bin");
                assert_true(r->unreadable);
                assert_false(r->modified);
                assert_non_null(strstr(r->actions[0].detail, "inside its compression"));
                free(c);
                free(joined);
                free(plain);
            }
            free(arc);
        }
    }
    env_fini(&e);
}

/* Bombs, spent budgets, nesting and corrupt input are noted, never passed
 * as clean. */
static void
test_limits_and_faults(void **state)
{
    (void)state;
    struct env e;
    env_limits(&e, 3, 2);
    /* 32 MiB of one letter: a ratio far over 100 */
    size_t big = 32u << 20;
    uint8_t *zeros = malloc(big);
    assert_non_null(zeros);
    memset(zeros, 'A', big);
    const struct file b = {"data", zeros, big};
    size_t len = 0;
    uint8_t *bomb = build(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, &b, 1, &len);
    const struct scan_doc_result *r = rewrite(&e, bomb, len, "z.gz");
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_false(r->modified);
    free(bomb);

    free(zeros);

    /* more files than max_archive_entries */
    const struct file four[] = {{"a", "a", 1}, {"b", "b", 1}, {"c", "c", 1}, {"d", "d", 1}};
    uint8_t *tar = build(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, four, 4, &len);
    r = rewrite(&e, tar, len, "t.tgz");
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);

    /* truncated: the compressed stream ends early */
    r = rewrite(&e, tar, len / 2, "t.tgz");
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_UNREADABLE), 1);
    free(tar);

    /* a tgz in a tgz in a tgz: deeper than max_archive_depth 2 */
    const struct file t = {"card.txt", CARD_TXT, sizeof(CARD_TXT) - 1};
    size_t l1 = 0;
    size_t l2 = 0;
    uint8_t *g1 = build(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, &t, 1, &l1);
    const struct file f1 = {"1.tgz", g1, l1};
    uint8_t *g2 = build(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, &f1, 1, &l2);
    const struct file f2 = {"2.tgz", g2, l2};
    uint8_t *g3 = build(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, &f2, 1, &len);
    r = rewrite(&e, g3, len, "3.tgz");
    assert_true(r->unreadable);
    assert_int_equal(count_actions(r, SCAN_DOC_LIMIT), 1);
    assert_string_equal(r->actions[0].location, "2.tgz/1.tgz");
    assert_int_equal(r->n_findings, 0);
    free(g1);
    free(g2);
    free(g3);

    /* gzip of gzip is one file under two compressions, written back so */
    const struct file c = {"data", CARD_TXT, sizeof(CARD_TXT) - 1};
    g1 = build(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, &c, 1, &l1);
    const struct file cc = {"data", g1, l1};
    g2 = build(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, &cc, 1, &l2);
    r = rewrite(&e, g2, l2, "x.gz.gz");
    assert_true(r->modified);
    assert_false(r->unreadable);
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_raw(a);
    assert_int_equal(archive_read_open_memory(a, r->out, r->out_len), ARCHIVE_OK);
    struct archive_entry *ent = NULL;
    assert_int_equal(archive_read_next_header(a, &ent), ARCHIVE_OK);
    assert_int_equal(archive_filter_count(a), 3); /* gzip, gzip, none */
    char text[128] = {0};
    assert_true(archive_read_data(a, text, sizeof(text) - 1) > 0);
    assert_string_equal(text, CARD_RED);
    archive_read_free(a);
    free(g1);
    free(g2);
    env_fini(&e);
}

/* Text that begins as an archive's magic number does (a CSV of dates, a
 * word) is text: not an archive that cannot be read. */
static void
test_text_is_not_an_archive(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, NULL);
    static char ustar[600];
    memset(ustar, 'x', sizeof(ustar));
    memcpy(ustar + 257, "ustar is a word", 15);
    const char *texts[] = {
        "BZh, hello there\n",
        "LZIP is a compressor\n",
        "070707,070701,070702,4111 1111 1111 1111,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n",
        "070701;070702;070703;070704;070705;070706;070707;070708;070709;070710;070711;070712;"
        "070713;070714;070715;070716\n",
        ustar,
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        size_t n = i == 4 ? sizeof(ustar) : strlen(texts[i]);
        if (scan_archive_sniff((const uint8_t *)texts[i], n)) {
            fail_msg("text %zu taken for an archive", i);
        }
        const struct scan_doc_result *r = rewrite(&e, (const uint8_t *)texts[i], n, "dates.csv");
        assert_int_not_equal(r->kind, SCAN_DOC_ARCHIVE);
        assert_false(r->unreadable);
    }
    env_fini(&e);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_and_compressions),
        cmocka_unit_test(test_single_compressed_file),
        cmocka_unit_test(test_tar_ending_with_a_zip),
        cmocka_unit_test(test_data_after_the_end),
        cmocka_unit_test(test_limits_and_faults),
        cmocka_unit_test(test_text_is_not_an_archive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
