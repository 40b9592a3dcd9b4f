/* SPDX-License-Identifier: Apache-2.0 */
/* Tables pasted into mail: rows of cells split by tabs, pipes,
 * semicolons or commas (CSV) or aligned by spaces, a column named once in the header row
 * ("Name\tTeléfono\tE-mail").
 * Pure functions over borrowed bytes; any thread. */
#ifndef SCAN_TABLE_H
#define SCAN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* scan_table_header finds the header cell of the column that holds buf[s]:
 * the line of `s` splits into cells by '\t', '|', ';' or ',' (outside double
 * quotes, as CSV writes a cell holding a comma), the lines above it
 * (at most 64, none blank) split into as many, and the topmost of them that
 * is not a Markdown rule ("|---|---|") is the header. On success stores the
 * cell's bytes as [*out_from, *out_to) and returns true; false when `s` is
 * in no such table or in its header row. A line with no separator may sit
 * in a table aligned by spaces under a rule of dashes (the header is the
 * line above the rule, its cells where the rule's runs are), in one aligned
 * without a rule (every line from the header down starts its cells at the
 * same columns) or in a table with one cell per line. */
bool scan_table_header(const uint8_t *buf, size_t len, size_t s, size_t *out_from, size_t *out_to);

/* Cells of a line aligned by spaces that scan_table_header reads at most. */
#define SCAN_TABLE_MAX_COLS 16

/* The block of lines aligned without a rule that holds the line [ls, le):
 * its cells' start columns and the block's top line `rows` lines up. */
struct scan_table_spaced {
    size_t ls, le; /* SIZE_MAX: none */
    size_t n;
    size_t starts[SCAN_TABLE_MAX_COLS];
    size_t rows;
    size_t top, top_end;
};

/* What scan_table_header found out about one line, kept for the next
 * position in it and the lines below: zero it before the first call on a buffer (and whenever
 * the bytes it was used on change); it borrows nothing past a call. */
struct scan_table_cache {
    const uint8_t *buf; /* the buffer it describes; NULL: empty */
    size_t len;
    size_t ls, le;     /* the line */
    bool whole;        /* [ls, le) is the whole line: valid for each of its bytes */
    uint8_t sep;       /* its cell separator, or 0 */
    bool above;        /* a header row (sep) or a rule (no sep) above it, as: */
    size_t above_from; /* its start */
    size_t above_to;   /* its end */
    size_t stacked_ls; /* the stacked table looked up from this line start, or SIZE_MAX */
    bool stacked;
    size_t stacked_from;
    size_t stacked_to;
    size_t norule_ls; /* the start of a line with no rule above it, or SIZE_MAX */
    int8_t spaced;    /* the line is in a table aligned without a rule: -1 not looked yet, 0, 1 */
    struct scan_table_spaced sp; /* that table, for this line and the next */
};

/* scan_table_header with `cache` (not NULL): the same answer, reusing what it
 * learnt about the line of an earlier `s` of the same buffer. */
bool scan_table_header_cached(struct scan_table_cache *cache, const uint8_t *buf, size_t len,
                              size_t s, size_t *out_from, size_t *out_to);

#endif
