/* SPDX-License-Identifier: Apache-2.0 */
/* Header block field iteration: finds names and folded values in place,
 * without copying or allocating. Any thread. */
#include "mime_fields.h"

#include <string.h>
#include <strings.h>

static size_t
line_end(const uint8_t *b, size_t len, size_t pos)
{
    const uint8_t *lf = memchr(b + pos, '\n', len - pos);
    return lf ? (size_t)(lf - b) + 1 : len;
}

static bool
is_blank_line(const uint8_t *b, size_t from, size_t to)
{
    size_t n = to - from;
    return (n == 1 && b[from] == '\n') || (n == 2 && b[from] == '\r' && b[from + 1] == '\n');
}

bool
mime_field_next(struct mime_field *out, size_t *pos, const uint8_t *block, size_t len)
{
    size_t p = *pos;
    while (p < len) {
        size_t e = line_end(block, len, p);
        if (is_blank_line(block, p, e)) {
            *pos = len;
            return false;
        }
        /* A continuation line with no field before it, or a line without a
         * colon, is not a field (RFC 5322 2.2); skip it. */
        const uint8_t *colon = memchr(block + p, ':', e - p);
        if (block[p] == ' ' || block[p] == '\t' || colon == NULL) {
            p = e;
            continue;
        }
        out->start = p;
        out->name_len = (size_t)(colon - (block + p));
        out->value_off = out->name_len + p + 1;
        /* RFC 5322 2.2.3: a field goes on while the next line starts with WSP. */
        while (e < len && (block[e] == ' ' || block[e] == '\t')) {
            e = line_end(block, len, e);
        }
        size_t vend = e;
        if (vend > out->value_off && block[vend - 1] == '\n') {
            vend--;
            if (vend > out->value_off && block[vend - 1] == '\r') {
                vend--;
            }
        }
        out->value_len = vend - out->value_off;
        out->end = e;
        *pos = e;
        return true;
    }
    *pos = len;
    return false;
}

bool
mime_field_is(const struct mime_field *f, const uint8_t *block, const char *name)
{
    size_t n = strlen(name);
    size_t have = f->name_len;
    /* Tolerate whitespace between the name and the colon (obsolete syntax). */
    while (have > 0 && (block[f->start + have - 1] == ' ' || block[f->start + have - 1] == '\t')) {
        have--;
    }
    return have == n && strncasecmp((const char *)block + f->start, name, n) == 0;
}

bool
mime_fields_find(struct mime_field *out, const uint8_t *block, size_t len, const char *name)
{
    size_t pos = 0;
    while (mime_field_next(out, &pos, block, len)) {
        if (mime_field_is(out, block, name)) {
            return true;
        }
    }
    return false;
}
