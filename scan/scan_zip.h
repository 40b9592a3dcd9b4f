/* SPDX-License-Identifier: Apache-2.0 */
/* Zip containers in memory (libzip): open with the policy's limits (entries,
 * declared and actual uncompressed size, compression ratio) shared by every
 * nesting level, read entries, and rewrite the archive entry by entry
 * (unchanged entries copied as they are). One archive per call chain; any
 * thread, no shared state. */
#ifndef SCAN_ZIP_H
#define SCAN_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rl_error.h"

/* What one attachment may still spend, over all its nested archives. */
struct scan_zip_budget {
    uint64_t bytes_left;   /* uncompressed bytes that may still be read */
    unsigned entries_left; /* entries that may still be opened */
    unsigned max_ratio;    /* uncompressed / compressed, per entry of 1 MiB or more */
};

struct scan_zip_entry {
    const char *name; /* lent until the archive is freed; "" for an unnamed entry */
    uint64_t size;    /* declared uncompressed size, bytes */
    uint64_t comp_size;
    bool encrypted;
    bool is_dir;
};

struct scan_zip;

/* scan_zip_open opens a copy of the archive in data[0, len) with libzip's consistency checks, and
 * charges its entries to `budget`. Returns 0 and sets *out_zip; RL_EINVAL when it is not a readable
 * archive (corrupt, inconsistent headers); RL_ELIMIT when its entries, their
 * declared sizes or a compression ratio exceed the budget (a zip bomb); or
 * RL_ENOMEM. `diag` gets the entry and the reason. */
int scan_zip_open(struct scan_zip **out_zip, struct rl_diag *diag, const uint8_t *data, size_t len,
                  struct scan_zip_budget *budget);

/* scan_zip_free releases `z` and any pending changes; NULL is a no-op. */
void scan_zip_free(struct scan_zip *z);

/* scan_zip_count returns the number of entries. */
size_t scan_zip_count(const struct scan_zip *z);

/* scan_zip_stat fills *out with entry `i` (< scan_zip_count). */
void scan_zip_stat(const struct scan_zip *z, struct scan_zip_entry *out, size_t i);

/* scan_zip_find returns the index of the entry named `name`, or -1. */
long scan_zip_find(const struct scan_zip *z, const char *name);

/* scan_zip_read decompresses entry `i` into a new buffer (*out, *out_len; the
 * caller frees it, NUL-terminated past *out_len) and charges the bytes to the
 * budget. Returns 0; RL_ELIMIT when the entry inflates beyond its declared
 * size, the budget or the ratio; RL_EINVAL when it is encrypted or corrupt
 * (CRC); RL_ENOMEM. */
int scan_zip_read(struct scan_zip *z, struct rl_diag *diag, uint8_t **out, size_t *out_len,
                  size_t i);

/* scan_zip_replace makes entry `i` hold data[0, len) (taken: freed by `z`
 * even on failure) in the rewritten archive, deflated now at
 * SCAN_ZIP_LEVEL. Returns 0 or RL_ENOMEM. */
int scan_zip_replace(struct scan_zip *z, size_t i, uint8_t *data, size_t len);

/* scan_zip_comment lends the comment of entry `i`, or of the archive when
 * `i` is SCAN_ZIP_ARCHIVE, as stored (its length in *len; NULL when there is
 * none). scan_zip_set_comment replaces it with p[0, len), len <= 65535;
 * returns 0 or RL_EINVAL. */
#define SCAN_ZIP_ARCHIVE SIZE_MAX
const uint8_t *scan_zip_comment(const struct scan_zip *z, size_t i, size_t *len);
int scan_zip_set_comment(struct scan_zip *z, size_t i, const uint8_t *p, size_t len);

/* scan_zip_rename gives entry `i` the name `name` (UTF-8) in the rewritten
 * archive. Returns 0 or RL_EINVAL (the name is taken). */
int scan_zip_rename(struct scan_zip *z, size_t i, const char *name);

/* The deflate level of every entry the rewriter changes: ISA-L igzip's
 * level 1, chosen by measurement (bench/README.md "Deflate level"). */
#define SCAN_ZIP_LEVEL 1

/* One entry read as a stream: inflated chunk by chunk under the same limits
 * as scan_zip_read (declared size, the attachment's budget). Caller
 * storage; fields are private. */
struct scan_zip_stream {
    struct scan_zip *z;
    void *zf;         /* zip_file_t */
    const char *name; /* lent by the archive */
    uint64_t limit;   /* bytes that may arrive: the declared size, or the budget */
    uint64_t got;
    bool declared; /* limit is the declared size, not the budget */
};

/* scan_zip_stream_open starts reading entry `i`. Returns 0; RL_EINVAL when
 * it is encrypted or cannot be opened (`diag` says why). Close it with
 * scan_zip_stream_close whatever scan_zip_stream_read returned. */
int scan_zip_stream_open(struct scan_zip *z, struct rl_diag *diag, struct scan_zip_stream *st,
                         size_t i);

/* scan_zip_stream_read inflates up to `cap` bytes into buf and sets *out_n
 * (0 at the end, where the CRC has been checked); the bytes are charged to
 * the budget as they arrive. Returns 0; RL_ELIMIT when the entry inflates
 * beyond its declared size or the budget; RL_EINVAL when it is corrupt. */
int scan_zip_stream_read(struct scan_zip_stream *st, struct rl_diag *diag, uint8_t *buf, size_t cap,
                         size_t *out_n);

/* scan_zip_stream_close ends the read; safe on a stream that failed. */
void scan_zip_stream_close(struct scan_zip_stream *st);

/* scan_zip_deflate_begin starts deflating a new content for some entry at
 * SCAN_ZIP_LEVEL with the archive's own deflater (one at a time per
 * archive; a begin drops whatever was pending). Returns 0 or RL_ENOMEM. */
int scan_zip_deflate_begin(struct scan_zip *z);

/* scan_zip_deflate_feed deflates p[0, n) after what was fed since the
 * begin. Returns 0 or RL_ENOMEM. */
int scan_zip_deflate_feed(struct scan_zip *z, const uint8_t *p, size_t n);

/* scan_zip_deflate_replace ends the stream and makes it the content of
 * entry `i` (copied into the rewritten archive as deflated, with its CRC and
 * sizes). Returns 0 or RL_ENOMEM. */
int scan_zip_deflate_replace(struct scan_zip *z, size_t i);

/* scan_zip_deflate_abort drops a stream that will not be used. */
void scan_zip_deflate_abort(struct scan_zip *z);

/* scan_zip_delete drops entry `i` from the rewritten archive. */
int scan_zip_delete(struct scan_zip *z, size_t i);

/* scan_zip_revert forgets every replace and delete. */
void scan_zip_revert(struct scan_zip *z);

/* scan_zip_changed returns whether replace or delete was called (and not
 * reverted). */
bool scan_zip_changed(const struct scan_zip *z);

/* scan_zip_write builds the rewritten archive: unchanged entries copied
 * compressed as they were, replaced ones deflated, deleted ones gone. Sets
 * *out (caller frees) and *out_len. `z` can only be freed afterwards.
 * Returns 0, RL_EINVAL when libzip refuses, or RL_ENOMEM. */
int scan_zip_write(struct scan_zip *z, struct rl_diag *diag, uint8_t **out, size_t *out_len);

#endif
