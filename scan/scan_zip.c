/* SPDX-License-Identifier: Apache-2.0 */
/* Zip containers on libzip sources in memory: opening under limits, bounded
 * reads, and rewriting with unchanged entries copied as they are. Owns the
 * libzip archive and its source; no temporary files. */
#include "scan_zip.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

/* A new content for an entry, deflated as it is produced (raw deflate, as
 * zip stores it; ISA-L's igzip, chosen by measurement in bench/README.md
 * "Deflate level"), with the CRC and size of what went in. */
struct zdeflate {
    struct isal_zstream zs;
    uint8_t *level_buf; /* owned: igzip's working memory for SCAN_ZIP_LEVEL */
    bool active;        /* a stream was begun and not yet replaced or aborted */
    uint8_t *out;       /* owned: the deflated bytes so far */
    size_t len, cap;
    uint32_t crc;
    uint64_t size;
};

#define LEVEL_BUF_SIZE ISAL_DEF_LVL1_DEFAULT

struct scan_zip {
    zip_source_t *src; /* kept across zip_close so the rewritten bytes can be read */
    zip_t *za;         /* NULL after scan_zip_write */
    struct scan_zip_budget *budget;
    size_t n;
    bool changed;
    /* owned, NULL until the first scan_zip_deflate_begin: igzip's state is
     * ~80 KB, and most archives are only read */
    struct zdeflate *df;
};

/* Entries smaller than this may compress far better than the ratio limit
 * (a sheet of empty cells) without being a threat. */
#define RATIO_MIN_BYTES ((uint64_t)1 << 20)

static int
zip_fail(struct rl_diag *diag, int rc, const char *entry, const char *what, const char *why)
{
    rl_diag_set(diag, entry, "%s: %s", what, why);
    return rc;
}

/* Charges the entries to the budget and refuses what is over it from the
 * declared sizes alone, before anything is inflated. */
static int
check_limits(struct scan_zip *z, struct rl_diag *diag, struct scan_zip_budget *budget)
{
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    if (n < 0 || (uint64_t)n > budget->entries_left) {
        rl_diag_set(diag, "", "%lld entries: more than the archive limit allows", (long long)n);
        return RL_ELIMIT;
    }
    z->n = (size_t)n;
    budget->entries_left -= (unsigned)n;
    uint64_t declared = 0;
    for (size_t i = 0; i < z->n; i++) {
        struct scan_zip_entry e;
        scan_zip_stat(z, &e, i);
        declared += e.size;
        if (e.size > budget->bytes_left || declared > budget->bytes_left) {
            rl_diag_set(diag, e.name,
                        "declared uncompressed size (%llu bytes in all) is over the "
                        "archive limit",
                        (unsigned long long)declared);
            return RL_ELIMIT;
        }
        if (e.size >= RATIO_MIN_BYTES &&
            e.size / (e.comp_size ? e.comp_size : 1) > budget->max_ratio) {
            rl_diag_set(diag, e.name, "compression ratio %llu:1 is over the limit of %u:1",
                        (unsigned long long)(e.size / (e.comp_size ? e.comp_size : 1)),
                        budget->max_ratio);
            return RL_ELIMIT;
        }
    }
    return 0;
}

int
scan_zip_open(struct scan_zip **out_zip, struct rl_diag *diag, const uint8_t *data, size_t len,
              struct scan_zip_budget *budget)
{
    *out_zip = NULL;
    /* libzip opens zero bytes as an empty archive; every zip file has at
     * least its 22-byte end of central directory record. */
    if (len < 22) {
        return zip_fail(diag, RL_EINVAL, "", "not a readable zip archive", "too short");
    }
    struct scan_zip *z = calloc(1, sizeof(*z));
    if (z == NULL) {
        return RL_ENOMEM;
    }
    z->budget = budget;
    zip_error_t err;
    zip_error_init(&err);
    /* libzip 1.7 frees a borrowed buffer (freep 0) when zip_close clones its
     * unchanged start (nih-at/libzip#284): it gets a copy of its own. */
    uint8_t *copy = malloc(len ? len : 1);
    z->src = copy != NULL ? zip_source_buffer_create(copy, len, 1, &err) : NULL;
    if (z->src == NULL) {
        zip_error_fini(&err);
        free(copy);
        free(z);
        return RL_ENOMEM;
    }
    memcpy(copy, data, len);
    /* Inconsistent local and central headers are how archives show one
     * content to a scanner and another to the reader: refuse them. */
    z->za = zip_open_from_source(z->src, ZIP_CHECKCONS, &err);
    if (z->za == NULL) {
        int rc = zip_fail(diag, zip_error_code_zip(&err) == ZIP_ER_MEMORY ? RL_ENOMEM : RL_EINVAL,
                          "", "not a readable zip archive", zip_error_strerror(&err));
        zip_error_fini(&err);
        zip_source_free(z->src);
        free(z);
        return rc;
    }
    zip_error_fini(&err);
    zip_source_keep(z->src);
    int rc = check_limits(z, diag, budget);
    if (rc != 0) {
        scan_zip_free(z);
        return rc;
    }
    *out_zip = z;
    return 0;
}

void
scan_zip_free(struct scan_zip *z)
{
    if (z == NULL) {
        return;
    }
    if (z->za != NULL) {
        zip_discard(z->za);
    }
    zip_source_free(z->src);
    if (z->df != NULL) {
        free(z->df->level_buf);
        free(z->df->out);
        free(z->df);
    }
    free(z);
}

size_t
scan_zip_count(const struct scan_zip *z)
{
    return z->n;
}

void
scan_zip_stat(const struct scan_zip *z, struct scan_zip_entry *out, size_t i)
{
    zip_stat_t st;
    memset(out, 0, sizeof(*out));
    out->name = "";
    if (zip_stat_index(z->za, i, 0, &st) != 0) {
        return;
    }
    const char *name = zip_get_name(z->za, i, ZIP_FL_ENC_GUESS);
    out->name = name != NULL ? name : "";
    out->size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
    out->comp_size = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
    out->encrypted = (st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE;
    size_t nl = strlen(out->name);
    out->is_dir = nl > 0 && out->name[nl - 1] == '/';
}

long
scan_zip_find(const struct scan_zip *z, const char *name)
{
    zip_int64_t i = zip_name_locate(z->za, name, ZIP_FL_ENC_GUESS);
    return i < 0 ? -1 : (long)i;
}

int
scan_zip_read(struct scan_zip *z, struct rl_diag *diag, uint8_t **out, size_t *out_len, size_t i)
{
    *out = NULL;
    *out_len = 0;
    struct scan_zip_entry e;
    scan_zip_stat(z, &e, i);
    if (e.encrypted) {
        return zip_fail(diag, RL_EINVAL, e.name, "entry is encrypted", "cannot be scanned");
    }
    zip_file_t *zf = zip_fopen_index(z->za, i, 0);
    if (zf == NULL) {
        return zip_fail(diag, RL_EINVAL, e.name, "entry cannot be opened",
                        zip_error_strerror(zip_get_error(z->za)));
    }
    /* Declared sizes can lie: read at most one byte more than declared and
     * than the budget, growing the buffer as bytes really arrive. */
    uint64_t limit = e.size < z->budget->bytes_left ? e.size : z->budget->bytes_left;
    size_t cap = limit < 65536 ? (size_t)limit + 2 : 65536;
    uint8_t *buf = malloc(cap);
    size_t got = 0;
    int rc = buf == NULL ? RL_ENOMEM : 0;
    while (rc == 0) {
        if (got + 2 > cap) {
            size_t ncap = cap * 2 < limit + 2 ? cap * 2 : (size_t)limit + 2;
            uint8_t *p = ncap > cap ? realloc(buf, ncap) : NULL;
            if (p == NULL) {
                rc = ncap > cap ? RL_ENOMEM : RL_ELIMIT;
                break;
            }
            buf = p;
            cap = ncap;
        }
        zip_int64_t r = zip_fread(zf, buf + got, cap - 1 - got);
        if (r < 0) {
            rc = zip_fail(diag, RL_EINVAL, e.name, "entry is corrupt",
                          zip_error_strerror(zip_file_get_error(zf)));
        } else if (r == 0) {
            break;
        }
        got += r > 0 ? (size_t)r : 0;
        if (got > limit) {
            rc = RL_ELIMIT;
        }
    }
    zip_fclose(zf);
    if (rc == RL_ELIMIT) {
        rl_diag_set(diag, e.name, "entry inflates beyond %s",
                    limit == e.size ? "its declared size" : "the archive limit");
    }
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[got] = 0;
    z->budget->bytes_left -= got;
    *out = buf;
    *out_len = got;
    return 0;
}

int
scan_zip_replace(struct scan_zip *z, size_t i, uint8_t *data, size_t len)
{
    int rc = scan_zip_deflate_begin(z);
    if (rc == 0) {
        rc = scan_zip_deflate_feed(z, data, len);
    }
    explicit_bzero(data, len);
    free(data);
    if (rc == 0) {
        return scan_zip_deflate_replace(z, i);
    }
    scan_zip_deflate_abort(z);
    return rc;
}

/* ---- entries read as streams ---- */

int
scan_zip_stream_open(struct scan_zip *z, struct rl_diag *diag, struct scan_zip_stream *st, size_t i)
{
    memset(st, 0, sizeof(*st));
    struct scan_zip_entry e;
    scan_zip_stat(z, &e, i);
    st->z = z;
    st->name = e.name;
    if (e.encrypted) {
        return zip_fail(diag, RL_EINVAL, e.name, "entry is encrypted", "cannot be scanned");
    }
    zip_file_t *zf = zip_fopen_index(z->za, i, 0);
    if (zf == NULL) {
        return zip_fail(diag, RL_EINVAL, e.name, "entry cannot be opened",
                        zip_error_strerror(zip_get_error(z->za)));
    }
    st->zf = zf;
    st->declared = e.size <= z->budget->bytes_left;
    st->limit = st->declared ? e.size : z->budget->bytes_left;
    return 0;
}

int
scan_zip_stream_read(struct scan_zip_stream *st, struct rl_diag *diag, uint8_t *buf, size_t cap,
                     size_t *out_n)
{
    *out_n = 0;
    if (st->zf == NULL) {
        return zip_fail(diag, RL_EINVAL, st->name, "entry", "not open");
    }
    /* Declared sizes can lie: ask for one byte more than may arrive. */
    uint64_t room = st->limit - st->got + 1;
    zip_int64_t r = zip_fread(st->zf, buf, cap < room ? cap : (size_t)room);
    if (r < 0) {
        return zip_fail(diag, RL_EINVAL, st->name, "entry is corrupt",
                        zip_error_strerror(zip_file_get_error(st->zf)));
    }
    st->got += (uint64_t)r;
    if (st->got > st->limit) {
        rl_diag_set(diag, st->name, "entry inflates beyond %s",
                    st->declared ? "its declared size" : "the archive limit");
        return RL_ELIMIT;
    }
    struct scan_zip_budget *b = st->z->budget;
    b->bytes_left = (uint64_t)r < b->bytes_left ? b->bytes_left - (uint64_t)r : 0;
    *out_n = (size_t)r;
    return 0;
}

void
scan_zip_stream_close(struct scan_zip_stream *st)
{
    if (st->zf != NULL) {
        zip_fclose(st->zf);
    }
    st->zf = NULL;
}

/* ---- new contents, deflated ---- */

int
scan_zip_deflate_begin(struct scan_zip *z)
{
    if (z->df == NULL && (z->df = calloc(1, sizeof(*z->df))) == NULL) {
        return RL_ENOMEM;
    }
    struct zdeflate *df = z->df;
    if (df->level_buf == NULL && (df->level_buf = malloc(LEVEL_BUF_SIZE)) == NULL) {
        return RL_ENOMEM;
    }
    isal_deflate_init(&df->zs);
    df->zs.level = SCAN_ZIP_LEVEL;
    df->zs.level_buf = df->level_buf;
    df->zs.level_buf_size = LEVEL_BUF_SIZE;
    df->zs.gzip_flag = IGZIP_DEFLATE; /* raw: a zip entry's data */
    df->zs.flush = NO_FLUSH;
    df->active = true;
    df->len = 0;
    df->crc = 0;
    df->size = 0;
    return 0;
}

/* Runs the deflater over what it was given, growing the output; at the end
 * of the stream until it is finished. */
static int
deflate_run(struct zdeflate *df, bool end)
{
    df->zs.end_of_stream = end ? 1 : 0;
    for (;;) {
        if (df->cap - df->len < 4096) {
            size_t ncap = df->cap ? df->cap * 2 : 65536;
            uint8_t *p = ncap <= UINT32_MAX ? realloc(df->out, ncap) : NULL;
            if (p == NULL) {
                return RL_ENOMEM;
            }
            df->out = p;
            df->cap = ncap;
        }
        uint32_t give = (uint32_t)(df->cap - df->len);
        df->zs.next_out = df->out + df->len;
        df->zs.avail_out = give;
        if (isal_deflate(&df->zs) != COMP_OK) {
            return RL_ENOMEM;
        }
        df->len += give - df->zs.avail_out;
        if (end ? df->zs.internal_state.state == ZSTATE_END
                : df->zs.avail_in == 0 && df->zs.avail_out != 0) {
            return 0;
        }
    }
}

int
scan_zip_deflate_feed(struct scan_zip *z, const uint8_t *p, size_t n)
{
    struct zdeflate *df = z->df;
    while (n > 0) {
        uint32_t part = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
        df->crc = crc32_gzip_refl(df->crc, p, part);
        df->size += part;
        df->zs.next_in = (uint8_t *)(uintptr_t)p;
        df->zs.avail_in = part;
        int rc = deflate_run(df, false);
        if (rc != 0) {
            return rc;
        }
        p += part;
        n -= part;
    }
    return 0;
}

/* The deflated content of a replaced entry, as a libzip source that says
 * it is deflated already (libzip then copies it as it is: zip_close's
 * add_data recompresses only a source whose method differs). */
struct predeflated {
    uint8_t *data; /* owned */
    size_t len, off;
    uint64_t size;
    uint32_t crc;
    zip_error_t err;
};

static zip_int64_t
predeflated_cb(void *ud, void *data, zip_uint64_t n, zip_source_cmd_t cmd)
{
    struct predeflated *s = ud;
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        s->off = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        size_t left = s->len - s->off;
        size_t k = n < left ? (size_t)n : left;
        memcpy(data, s->data + s->off, k);
        s->off += k;
        return (zip_int64_t)k;
    }
    case ZIP_SOURCE_CLOSE:
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = data;
        zip_stat_init(st);
        st->valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_CRC |
                    ZIP_STAT_ENCRYPTION_METHOD;
        st->size = s->size;
        st->comp_size = s->len;
        st->comp_method = ZIP_CM_DEFLATE;
        st->encryption_method = ZIP_EM_NONE;
        st->crc = s->crc;
        return sizeof(*st);
    }
    case ZIP_SOURCE_GET_FILE_ATTRIBUTES: {
        /* the deflate option bits (APPNOTE 4.4.4): "fast", as libzip's own
         * deflater says below level 3 */
        zip_file_attributes_t *a = data;
        a->valid |= ZIP_FILE_ATTRIBUTES_GENERAL_PURPOSE_BIT_FLAGS;
        a->general_purpose_bit_mask = 0x0006;
        a->general_purpose_bit_flags = 2 << 1;
        return 0;
    }
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&s->err, data, n);
    case ZIP_SOURCE_FREE:
        explicit_bzero(s->data, s->len);
        free(s->data);
        zip_error_fini(&s->err);
        free(s);
        return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                              ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                              ZIP_SOURCE_GET_FILE_ATTRIBUTES, -1);
    default:
        zip_error_set(&s->err, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

int
scan_zip_deflate_replace(struct scan_zip *z, size_t i)
{
    struct zdeflate *df = z->df;
    df->zs.next_in = NULL;
    df->zs.avail_in = 0;
    int rc = deflate_run(df, true);
    df->active = false;
    struct predeflated *s = rc == 0 ? calloc(1, sizeof(*s)) : NULL;
    uint8_t *copy = s != NULL ? malloc(df->len ? df->len : 1) : NULL;
    if (copy == NULL) {
        free(s);
        return RL_ENOMEM;
    }
    memcpy(copy, df->out, df->len);
    explicit_bzero(df->out, df->len);
    *s = (struct predeflated){.data = copy, .len = df->len, .size = df->size, .crc = df->crc};
    zip_error_init(&s->err);
    zip_source_t *src = zip_source_function(z->za, predeflated_cb, s);
    if (src == NULL) {
        predeflated_cb(s, NULL, 0, ZIP_SOURCE_FREE);
        return RL_ENOMEM;
    }
    if (zip_file_replace(z->za, i, src, 0) != 0) {
        zip_source_free(src);
        return RL_ENOMEM;
    }
    z->changed = true;
    return 0;
}

void
scan_zip_deflate_abort(struct scan_zip *z)
{
    if (z->df == NULL) {
        return;
    }
    if (z->df->out != NULL) {
        explicit_bzero(z->df->out, z->df->len);
    }
    z->df->len = 0;
    z->df->active = false;
}

const uint8_t *
scan_zip_comment(const struct scan_zip *z, size_t i, size_t *len)
{
    const char *c = NULL;
    *len = 0;
    if (i == SCAN_ZIP_ARCHIVE) {
        int n = 0;
        c = zip_get_archive_comment(z->za, &n, ZIP_FL_ENC_RAW);
        *len = n > 0 ? (size_t)n : 0;
    } else {
        zip_uint32_t n = 0;
        c = zip_file_get_comment(z->za, i, &n, ZIP_FL_ENC_RAW);
        *len = n;
    }
    return c != NULL && *len > 0 ? (const uint8_t *)c : NULL;
}

int
scan_zip_set_comment(struct scan_zip *z, size_t i, const uint8_t *p, size_t len)
{
    if (len > UINT16_MAX) {
        return RL_EINVAL;
    }
    int rc = i == SCAN_ZIP_ARCHIVE
                 ? zip_set_archive_comment(z->za, (const char *)p, (zip_uint16_t)len)
                 : zip_file_set_comment(z->za, i, (const char *)p, (zip_uint16_t)len, 0);
    if (rc != 0) {
        return RL_EINVAL;
    }
    z->changed = true;
    return 0;
}

int
scan_zip_rename(struct scan_zip *z, size_t i, const char *name)
{
    if (zip_file_rename(z->za, i, name, ZIP_FL_ENC_UTF_8) != 0) {
        return RL_EINVAL;
    }
    z->changed = true;
    return 0;
}

int
scan_zip_delete(struct scan_zip *z, size_t i)
{
    if (zip_delete(z->za, i) != 0) {
        return RL_EINVAL;
    }
    z->changed = true;
    return 0;
}

void
scan_zip_revert(struct scan_zip *z)
{
    zip_unchange_all(z->za);
    z->changed = false;
}

bool
scan_zip_changed(const struct scan_zip *z)
{
    return z->changed;
}

int
scan_zip_write(struct scan_zip *z, struct rl_diag *diag, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (zip_close(z->za) != 0) {
        int rc = zip_fail(diag, RL_EINVAL, "", "archive cannot be rewritten",
                          zip_error_strerror(zip_get_error(z->za)));
        return rc; /* z->za stays for scan_zip_free to discard */
    }
    z->za = NULL;
    zip_stat_t st;
    if (zip_source_open(z->src) != 0) {
        return zip_fail(diag, RL_EINVAL, "", "rewritten archive", "cannot be read back");
    }
    int rc = 0;
    uint8_t *buf = NULL;
    if (zip_source_stat(z->src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        rc = zip_fail(diag, RL_EINVAL, "", "rewritten archive", "has no size");
    } else if ((buf = malloc(st.size ? st.size : 1)) == NULL) {
        rc = RL_ENOMEM;
    } else if (zip_source_read(z->src, buf, st.size) != (zip_int64_t)st.size) {
        rc = zip_fail(diag, RL_EINVAL, "", "rewritten archive", "short read");
    }
    zip_source_close(z->src);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = st.size;
    return 0;
}
