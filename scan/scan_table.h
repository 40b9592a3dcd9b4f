/* SPDX-License-Identifier: Apache-2.0 */
/* Tables pasted into mail: rows of cells split by tabs, pipes or
 * semicolons or aligned by spaces, a column named once in the header row
 * ("Name\tTeléfono\tE-mail").
 * Pure functions over borrowed bytes; any thread. */
#ifndef SCAN_TABLE_H
#define SCAN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* scan_table_header finds the header cell of the column that holds buf[s]:
 * the line of `s` splits into cells by '\t', '|' or ';', the lines above it
 * (at most 64, none blank) split into as many, and the topmost of them that
 * is not a Markdown rule ("|---|---|") is the header. On success stores the
 * cell's bytes as [*out_from, *out_to) and returns true; false when `s` is
 * in no such table or in its header row. A line with no separator may sit
 * in a table aligned by spaces under a rule of dashes (the header is the
 * line above the rule, its cells where the rule's runs are) or in a table
 * with one cell per line. */
bool scan_table_header(const uint8_t *buf, size_t len, size_t s, size_t *out_from, size_t *out_to);

#endif
