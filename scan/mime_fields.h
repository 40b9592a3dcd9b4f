/* SPDX-License-Identifier: Apache-2.0 */
/* Iterates over the fields of a raw header block (RFC 5322 2.2): name, and
 * the folded value as it stands. Borrowed bytes only; any thread. */
#ifndef MIME_FIELDS_H
#define MIME_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mime_field {
    size_t start;     /* offset of the field's first byte in the block */
    size_t name_len;  /* name is block[start .. start + name_len) */
    size_t value_off; /* first byte after ':' */
    size_t value_len; /* up to, not including, the field's final line end */
    size_t end;       /* one past the field's final line end */
};

/* mime_field_next finds the field that starts at or after *pos in `block` and
 * advances *pos past it. Lines without ':' (defects) are skipped. The blank
 * line ending the block ends the iteration. Returns false at the end. */
bool mime_field_next(struct mime_field *out, size_t *pos, const uint8_t *block, size_t len);

/* mime_field_is reports whether the field's name equals `name`
 * (case-insensitive). */
bool mime_field_is(const struct mime_field *f, const uint8_t *block, const char *name);

/* mime_fields_find finds the first field called `name` (case-insensitive).
 * Returns false when there is none. */
bool mime_fields_find(struct mime_field *out, const uint8_t *block, size_t len, const char *name);

#endif
