/* SPDX-License-Identifier: Apache-2.0 */
/* Archives other than zip (tar, cpio, 7-Zip, RAR, ISO 9660) and single
 * compressed files (gzip, bzip2, xz, zstd, lzip, lz4), read and written by
 * libarchive: every regular file inside is a file of its own to
 * scan_doc_nested, within the attachment's archive budget. An archive whose
 * content changed is written again in its own format and compression; one
 * that libarchive cannot write (RAR) cannot be cleaned. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rl_le.h"

/* Whether p[from, to) are all digits of `base` (8 or 16). */
static bool
all_digits(const uint8_t *p, size_t from, size_t to, unsigned base)
{
    for (size_t i = from; i < to; i++) {
        uint8_t c = p[i];
        bool ok =
            (c >= '0' && c <= '7') ||
            (base == 16 && ((c >= '8' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')));
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool
scan_archive_sniff(const uint8_t *p, size_t len)
{
    /* Binary magic numbers alone; the formats whose magic is printable text
     * are checked further, so that a text file beginning "BZh" or "070707"
     * is not taken for an archive that cannot be read. */
    static const struct {
        size_t off;
        const char *magic;
        size_t n;
    } sig[] = {
        {0, "\x1F\x8B", 2}, /* gzip (RFC 1952) */
        {0,
         "\xFD"
         "7zXZ\x00",
         6},                          /* xz */
        {0, "\x28\xB5\x2F\xFD", 4},   /* zstd */
        {0, "LZIP\x01", 5},           /* lzip, version 1 */
        {0, "\x04\x22\x4D\x18", 4},   /* lz4 frame */
        {0, "7z\xBC\xAF\x27\x1C", 6}, /* 7-Zip */
        {0, "Rar!\x1A\x07", 6},       /* RAR 4 and 5 */
        {0, "\xC7\x71", 2},           /* cpio, binary little-endian */
    };
    for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); i++) {
        if (len >= sig[i].off + sig[i].n && memcmp(p + sig[i].off, sig[i].magic, sig[i].n) == 0) {
            return true;
        }
    }
    /* bzip2: "BZh", the block size, then a block or the end-of-stream magic */
    if (len >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
        (memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
         memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0)) {
        return true;
    }
    /* tar: magic and version "ustar\0" "00" (POSIX) or "ustar " " \0" (GNU) */
    if (len >= 512 &&
        (memcmp(p + 257, "ustar\00000", 8) == 0 || memcmp(p + 257, "ustar  \0", 8) == 0)) {
        return true;
    }
    /* cpio: a header of 76 octal (odc) or 110 hex digits (newc) */
    if (len >= 76 && memcmp(p, "070707", 6) == 0 && all_digits(p, 6, 76, 8)) {
        return true;
    }
    if (len >= 110 && (memcmp(p, "070701", 6) == 0 || memcmp(p, "070702", 6) == 0) &&
        all_digits(p, 6, 110, 16)) {
        return true;
    }
    /* ISO 9660: a volume descriptor (type, "CD001", version 1) at 32 KiB */
    return len >= 32775 && (p[32768] <= 3 || p[32768] == 0xFF) &&
           memcmp(p + 32769, "CD001", 5) == 0 && p[32774] == 1;
}

/* The entries of one archive that changed: index, new content (NULL: as it
 * was) and new name (NULL: as it was). */
struct arc_change {
    size_t index;
    uint8_t *data; /* owned */
    size_t len;
    char *name; /* owned */
};

struct arc_state {
    struct scan_doc *d;
    const uint8_t *in;
    size_t in_len;
    const char *loc;
    unsigned depth;
    struct arc_change *ch; /* owned */
    size_t n_ch, ch_cap;
    uint64_t inflated; /* bytes read out of all the entries */
    int format;        /* archive_format() of the reader */
    int filters[4];    /* archive_filter_code(), outermost last */
    int n_filters;
    bool raw;        /* a single compressed file */
    bool header_red; /* its gzip header's name or comment was redacted: write it anew */
};

/* A reader of st->in; `raw_only`: its decompressed bytes as one entry. */
static struct archive *
open_reader(const struct arc_state *st, bool raw_only)
{
    struct archive *a = archive_read_new();
    if (a == NULL) {
        return NULL;
    }
    if (archive_read_support_filter_all(a) != ARCHIVE_OK ||
        archive_read_support_format_raw(a) != ARCHIVE_OK ||
        (!raw_only && (archive_read_support_format_tar(a) != ARCHIVE_OK ||
                       archive_read_support_format_cpio(a) != ARCHIVE_OK ||
                       archive_read_support_format_7zip(a) != ARCHIVE_OK ||
                       archive_read_support_format_rar(a) != ARCHIVE_OK ||
                       archive_read_support_format_rar5(a) != ARCHIVE_OK ||
                       archive_read_support_format_iso9660(a) != ARCHIVE_OK))) {
        archive_read_free(a);
        return NULL;
    }
    if (archive_read_open_memory(a, st->in, st->in_len) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* Reads the current entry's data whole into *out (caller frees), charging
 * the budget. RL_ELIMIT when it is over the budget or the archive inflates
 * beyond max_compression_ratio; RL_EINVAL when it is corrupt. */
static int
read_entry(struct arc_state *st, struct archive *a, uint8_t **out, size_t *out_len,
           const char **why)
{
    struct scan_zip_budget *b = &st->d->budget;
    size_t cap = 0;
    size_t n = 0;
    uint8_t *buf = NULL;
    int rc = 0;
    for (;;) {
        if (cap - n < 65536) {
            size_t ncap = cap == 0 ? 65536 : cap * 2;
            uint8_t *g = malloc(ncap);
            if (g == NULL) {
                rc = RL_ENOMEM;
                break;
            }
            if (n > 0) {
                memcpy(g, buf, n);
                explicit_bzero(buf, n);
            }
            free(buf);
            buf = g;
            cap = ncap;
        }
        la_ssize_t got = archive_read_data(a, buf + n, cap - n);
        if (got < 0) {
            *why = archive_error_string(a) != NULL ? archive_error_string(a) : "corrupt data";
            rc = RL_EINVAL;
            break;
        }
        if (got == 0) {
            break;
        }
        n += (size_t)got;
        st->inflated += (uint64_t)got;
        if ((uint64_t)got > b->bytes_left) {
            *why = "more uncompressed bytes than max_archive_bytes";
            rc = RL_ELIMIT;
            break;
        }
        b->bytes_left -= (uint64_t)got;
        if (st->inflated >= (1u << 20) && st->inflated / st->in_len > b->max_ratio) {
            *why = "compression ratio over max_compression_ratio";
            rc = RL_ELIMIT;
            break;
        }
    }
    if (rc != 0) {
        if (buf != NULL) {
            explicit_bzero(buf, n);
        }
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = n;
    return 0;
}

static void
entry_loc(char *out, size_t cap, const struct arc_state *st, const char *name)
{
    snprintf(out, cap, "%s%s%s", st->loc, st->loc[0] ? "/" : "",
             name != NULL && name[0] ? name : "(unnamed)");
}

static bool
all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return false;
        }
    }
    return true;
}

/* Whether the decompressed bytes of st->in past the first `skip` hold
 * anything but zeros (*dirty), and how many bytes of st->in the compression
 * takes (*used), read within the budget: 0, RL_ELIMIT (with *why) or
 * RL_EINVAL. */
static int
inner_tail(struct arc_state *st, uint64_t skip, bool *dirty, uint64_t *used, const char **why)
{
    struct archive *a = open_reader(st, true);
    struct archive_entry *e = NULL;
    if (a == NULL || archive_read_next_header(a, &e) != ARCHIVE_OK) {
        archive_read_free(a);
        return RL_EINVAL;
    }
    struct scan_zip_budget *b = &st->d->budget;
    uint8_t buf[16384];
    uint64_t at = 0;
    int rc = 0;
    la_ssize_t got;
    while (!*dirty && (got = archive_read_data(a, buf, sizeof(buf))) > 0) {
        uint64_t start = at;
        at += (uint64_t)got;
        if (at <= skip) {
            continue;
        }
        size_t from = start >= skip ? 0 : (size_t)(skip - start);
        *dirty = !all_zero(buf + from, (size_t)got - from);
        if (at - skip > b->bytes_left) {
            *why = "more uncompressed bytes than max_archive_bytes";
            rc = RL_ELIMIT;
            break;
        }
        if (at >= (1u << 20) && at / st->in_len > b->max_ratio) {
            *why = "compression ratio over max_compression_ratio";
            rc = RL_ELIMIT;
            break;
        }
    }
    if (rc == 0 && !*dirty && got < 0) {
        rc = RL_EINVAL;
    }
    *used = (uint64_t)archive_filter_bytes(a, -1);
    archive_read_free(a);
    return rc;
}

/* After the last entry of a streamed archive (tar, cpio, a compressed file),
 * bytes other than zeros (the padding tar and compressors write) are data no
 * reader of the format shows and this scan did not read: the file is not
 * passed as readable (a card appended to a .gz, text after a tar's end). */
static void
check_tail(struct arc_state *st, struct archive *a)
{
    int base = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
    if (base != ARCHIVE_FORMAT_TAR && base != ARCHIVE_FORMAT_CPIO && base != ARCHIVE_FORMAT_RAW) {
        return; /* read by their own index, not as a stream */
    }
    uint64_t used = (uint64_t)archive_filter_bytes(a, -1);
    if (base != ARCHIVE_FORMAT_RAW && archive_filter_count(a) > 1) {
        /* The archive ended inside its compression, which is read on to
         * its end: what is left of both must be padding. */
        bool dirty = false;
        const char *why = "corrupt compressed data";
        int rc = inner_tail(st, (uint64_t)archive_filter_bytes(a, 0), &dirty, &used, &why);
        if (rc != 0) {
            scan_doc_note(st->d, rc == RL_ELIMIT ? SCAN_DOC_LIMIT : SCAN_DOC_UNREADABLE, st->loc,
                          "after the end of the archive: %s", why);
            return;
        }
        if (dirty) {
            scan_doc_note(st->d, SCAN_DOC_UNREADABLE, st->loc,
                          "data after the end of the archive inside its compression");
            return;
        }
    }
    if (used < st->in_len && !all_zero(st->in + used, st->in_len - (size_t)used)) {
        scan_doc_note(st->d, SCAN_DOC_UNREADABLE, st->loc, "%zu bytes after the end of the %s",
                      st->in_len - (size_t)used,
                      base == ARCHIVE_FORMAT_RAW ? "compressed data" : "archive");
    }
}

/* A gzip file's original name and comment ([RFC 1952] FNAME, FCOMMENT:
 * gzip -lN, 7-Zip and file managers show them), scanned as text. When one
 * is redacted the file is written anew, without either. Returns 0 or
 * RL_ENOMEM. */
static int
gzip_header(struct arc_state *st)
{
    const uint8_t *p = st->in;
    size_t len = st->in_len;
    if (len < 10 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8) {
        return 0;
    }
    uint8_t flags = p[3];
    size_t at = 10;
    if (flags & 4) { /* FEXTRA */
        if (len - at < 2) {
            return 0;
        }
        at += 2 + (size_t)rl_le16(p + at);
    }
    static const char *const what[] = {"(gzip name)", "(gzip comment)"};
    for (int k = 0; k < 2; k++) {
        if (!(flags & (k == 0 ? 8 : 16))) {
            continue;
        }
        const uint8_t *end = at < len ? memchr(p + at, 0, len - at) : NULL;
        if (end == NULL) {
            return 0; /* libarchive refused or will refuse the header */
        }
        char loc[SCAN_DOC_LOC_MAX];
        entry_loc(loc, sizeof(loc), st, what[k]);
        uint8_t *red = NULL;
        size_t red_len = 0;
        int rc =
            scan_doc_text_rewrite(st->d, &red, &red_len, p + at, (size_t)(end - (p + at)), loc);
        if (rc != 0) {
            return rc;
        }
        st->header_red |= red != NULL;
        free(red);
        at = (size_t)(end - p) + 1;
    }
    return 0;
}

/* Records that entry `index` changed (data and name taken, either NULL).
 * Returns 0 or RL_ENOMEM (both freed). */
static int
add_change(struct arc_state *st, size_t index, uint8_t *data, size_t len, char *name)
{
    if (!scan_grow((void **)&st->ch, &st->ch_cap, st->n_ch + 1, sizeof(*st->ch))) {
        if (data != NULL) {
            explicit_bzero(data, len);
        }
        free(data);
        free(name);
        return RL_ENOMEM;
    }
    st->ch[st->n_ch++] = (struct arc_change){index, data, len, name};
    return 0;
}

/* Scans every file of the archive; collects the changed ones in st->ch. */
static int
scan_entries(struct arc_state *st)
{
    struct scan_doc *d = st->d;
    struct archive *a = open_reader(st, false);
    if (a == NULL) {
        scan_doc_note(d, SCAN_DOC_UNREADABLE, st->loc, "archive cannot be opened");
        return 0;
    }
    int rc = 0;
    size_t index = 0;
    struct archive_entry *e = NULL;
    for (;; index++) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) {
            check_tail(st, a);
            break;
        }
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            const char *why = archive_error_string(a);
            scan_doc_note(d, SCAN_DOC_UNREADABLE, st->loc, "%s",
                          why != NULL ? why : "corrupt archive");
            break;
        }
        if (index == 0 && (rc = gzip_header(st)) != 0) {
            break;
        }
        if (index == 0) {
            st->format = archive_format(a);
            st->raw = st->format == ARCHIVE_FORMAT_RAW;
            int nf = archive_filter_count(a);
            st->n_filters = 0;
            for (int i = 0; i < nf && st->n_filters < 4; i++) {
                if (archive_filter_code(a, i) != ARCHIVE_FILTER_NONE) {
                    st->filters[st->n_filters++] = archive_filter_code(a, i);
                }
            }
        }
        char *new_name = NULL;
        if (!st->raw && archive_entry_pathname(e) != NULL) {
            rc = scan_doc_name_rewrite(d, &new_name, st->loc, archive_entry_pathname(e));
            if (rc != 0) {
                break;
            }
        }
        char eloc[SCAN_DOC_LOC_MAX];
        entry_loc(eloc, sizeof(eloc), st,
                  st->raw    ? "(uncompressed)"
                  : new_name ? new_name
                             : archive_entry_pathname(e));
        if (archive_entry_filetype(e) != AE_IFREG) {
            if (new_name != NULL && (rc = add_change(st, index, NULL, 0, new_name)) != 0) {
                break;
            }
            continue;
        }
        if (d->budget.entries_left == 0) {
            scan_doc_note(d, SCAN_DOC_LIMIT, eloc, "more entries than max_archive_entries");
            free(new_name);
            break;
        }
        d->budget.entries_left--;
        if (archive_entry_is_encrypted(e)) {
            scan_doc_note(d, SCAN_DOC_ENCRYPTED, eloc, "encrypted entry, not scanned");
            if (new_name != NULL && (rc = add_change(st, index, NULL, 0, new_name)) != 0) {
                break;
            }
            continue;
        }
        uint8_t *data = NULL;
        size_t n = 0;
        const char *why = "";
        rc = read_entry(st, a, &data, &n, &why);
        if (rc == RL_ENOMEM) {
            break;
        }
        if (rc != 0) {
            scan_doc_note(d, rc == RL_ELIMIT ? SCAN_DOC_LIMIT : SCAN_DOC_UNREADABLE, eloc, "%s",
                          why);
            free(new_name);
            rc = 0;
            break; /* a stream cannot be read past a fault or a spent budget */
        }
        uint8_t *new_data = NULL;
        size_t new_len = 0;
        rc = scan_doc_nested(d, &new_data, &new_len, data, n, eloc, st->depth + 1);
        explicit_bzero(data, n);
        free(data);
        if (rc == 0 && (new_data != NULL || new_name != NULL)) {
            rc = add_change(st, index, new_data, new_len, new_name);
        } else {
            free(new_name);
        }
        if (rc != 0) {
            break;
        }
    }
    archive_read_free(a);
    return rc;
}

/* The rewritten archive, grown as libarchive writes it. */
struct arc_out {
    uint8_t *p;
    size_t len, cap;
    bool failed;
};

static la_ssize_t
out_write(struct archive *w, void *ctx, const void *buf, size_t n)
{
    (void)w;
    struct arc_out *o = ctx;
    if (o->cap - o->len < n) {
        size_t ncap = o->cap == 0 ? 65536 : o->cap;
        while (ncap - o->len < n) {
            ncap *= 2;
        }
        uint8_t *g = malloc(ncap);
        if (g == NULL) {
            o->failed = true;
            return -1;
        }
        if (o->len > 0) {
            memcpy(g, o->p, o->len);
            explicit_bzero(o->p, o->len);
        }
        free(o->p);
        o->p = g;
        o->cap = ncap;
    }
    memcpy(o->p + o->len, buf, n);
    o->len += n;
    return (la_ssize_t)n;
}

static const struct arc_change *
change_of(const struct arc_state *st, size_t index)
{
    for (size_t i = 0; i < st->n_ch; i++) {
        if (st->ch[i].index == index) {
            return &st->ch[i];
        }
    }
    return NULL;
}

/* Copies the archive entry by entry into a writer of the same format and
 * compression, changed files replaced. Returns 0 with *why set when it
 * cannot be written; a message of the writer's own is copied into why_buf
 * first, because it lives in the writer freed here. */
static int
write_archive(struct arc_state *st, struct arc_out *o, const char **why, char *why_buf,
              size_t why_cap)
{
    struct archive *w = archive_write_new();
    struct archive *a = open_reader(st, false);
    uint8_t buf[16384];
    int rc = 0;
    *why = NULL;
    if (w == NULL || a == NULL) {
        rc = RL_ENOMEM;
        goto done;
    }
    if (archive_write_set_format(w, st->format) != ARCHIVE_OK) {
        *why = "archive format cannot be written";
        goto done;
    }
    for (int i = 0; i < st->n_filters; i++) { /* 0: the one next to the format */
        if (archive_write_add_filter(w, st->filters[i]) != ARCHIVE_OK) {
            *why = "archive compression cannot be written";
            goto done;
        }
    }
    /* no padding: the compressed stream ends where it ends */
    archive_write_set_bytes_in_last_block(w, 1);
    if (archive_write_open2(w, o, NULL, out_write, NULL, NULL) != ARCHIVE_OK) {
        *why = "archive cannot be written";
        goto done;
    }
    struct archive_entry *e = NULL;
    for (size_t index = 0; archive_read_next_header(a, &e) == ARCHIVE_OK; index++) {
        const struct arc_change *c = change_of(st, index);
        if (c != NULL && c->name != NULL) {
            archive_entry_set_pathname(e, c->name);
        }
        if (c != NULL && c->data != NULL) {
            archive_entry_set_size(e, (la_int64_t)c->len);
        }
        if (archive_write_header(w, e) != ARCHIVE_OK) {
            const char *msg = archive_error_string(w);
            snprintf(why_buf, why_cap, "%s", msg != NULL ? msg : "archive entry cannot be written");
            *why = why_buf;
            goto done;
        }
        if (c != NULL && c->data != NULL) {
            if (archive_write_data(w, c->data, c->len) != (la_ssize_t)c->len) {
                *why = "archive entry cannot be written";
                goto done;
            }
            continue;
        }
        la_ssize_t got;
        while ((got = archive_read_data(a, buf, sizeof(buf))) > 0) {
            if (archive_write_data(w, buf, (size_t)got) != got) {
                *why = "archive entry cannot be written";
                goto done;
            }
        }
        if (got < 0) {
            *why = "archive changed while being copied";
            goto done;
        }
    }
    if (archive_write_close(w) != ARCHIVE_OK) {
        *why = "archive cannot be written";
    }
done:
    explicit_bzero(buf, sizeof(buf));
    if (o->failed) {
        rc = RL_ENOMEM;
    }
    archive_read_free(a);
    /* libarchive 3.6 frees the output filter's buffer only in close, and
     * archive_write_free skips close once a write failed: close it first
     * (a no-op when closed or never opened). */
    if (w != NULL) {
        (void)archive_write_close(w);
    }
    archive_write_free(w);
    return rc;
}

int
scan_archive_rewrite(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in,
                     size_t len, const char *loc, unsigned depth)
{
    *out = NULL;
    *out_len = 0;
    if (depth > d->pol->limits.max_archive_depth) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "archives nested deeper than %u",
                      d->pol->limits.max_archive_depth);
        return 0;
    }
    struct arc_state st = {.d = d, .in = in, .in_len = len, .loc = loc, .depth = depth};
    int rc = scan_entries(&st);
    if (rc == 0 && (st.n_ch > 0 || st.header_red)) {
        struct arc_out o = {0};
        const char *why = NULL;
        char why_buf[160];
        rc = write_archive(&st, &o, &why, why_buf, sizeof(why_buf));
        if (rc == 0 && why == NULL) {
            *out = o.p;
            *out_len = o.len;
        } else {
            if (o.p != NULL) {
                explicit_bzero(o.p, o.len);
            }
            free(o.p);
            if (rc == 0) {
                scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "%s: the redactions inside are lost",
                              why);
            }
        }
    }
    for (size_t i = 0; i < st.n_ch; i++) {
        if (st.ch[i].data != NULL) {
            explicit_bzero(st.ch[i].data, st.ch[i].len);
        }
        free(st.ch[i].data);
        free(st.ch[i].name);
    }
    free(st.ch);
    return rc;
}
