/* SPDX-License-Identifier: Apache-2.0 */
#include "scan_table.h"

/* How far up a header row may be. */
#define MAX_ROWS 64
#define MAX_BYTES 8192

static size_t
count(const uint8_t *buf, size_t from, size_t to, uint8_t sep)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        n += buf[i] == sep;
    }
    return n;
}

/* The cell separator of the line [from, to): a tab, or two or more pipes or
 * semicolons; 0 when the line is no table row. */
static uint8_t
row_sep(const uint8_t *buf, size_t from, size_t to)
{
    if (count(buf, from, to, '\t') > 0) {
        return '\t';
    }
    if (count(buf, from, to, '|') >= 2) {
        return '|';
    }
    return count(buf, from, to, ';') >= 2 ? ';' : 0;
}

/* Whether [from, to) holds nothing but quote marks and white space, or is a
 * Markdown rule of '-', ':' and the separator. */
static bool
blank(const uint8_t *buf, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '>') {
            return false;
        }
    }
    return true;
}

static bool
rule(const uint8_t *buf, size_t from, size_t to, uint8_t sep)
{
    bool dash = false;
    for (size_t i = from; i < to; i++) {
        uint8_t c = buf[i];
        dash |= c == '-';
        if (c != '-' && c != ':' && c != sep && c != ' ' && c != '\r' && c != '>') {
            return false;
        }
    }
    return dash;
}

/* Whether the row [from, to) can be a header: column names hold neither
 * digits nor addresses. */
static bool
names_only(const uint8_t *buf, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if ((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '@') {
            return false;
        }
    }
    return true;
}

/* ---- one cell per line ---- */

#define MAX_CELL 64

enum cell_kind { CELL_TEXT, CELL_NUMBER, CELL_ADDRESS, CELL_LONG };

/* The kind of the line [from, to): what a column's cells share. */
static enum cell_kind
cell_kind(const uint8_t *buf, size_t from, size_t to)
{
    if (to - from > MAX_CELL) {
        return CELL_LONG;
    }
    enum cell_kind k = CELL_TEXT;
    for (size_t i = from; i < to; i++) {
        if (buf[i] == '@') {
            return CELL_ADDRESS;
        }
        k = buf[i] >= '0' && buf[i] <= '9' ? CELL_NUMBER : k;
    }
    return k;
}

/* A table converted from HTML with each cell on a line of its own: a block
 * of short lines (no blank line), the first `n` the column names (text
 * only), then rows of `n` lines whose kinds repeat with period `n`. The
 * smallest such `n` from 2 to 8 gives the header line of the line at `s`:
 * "Name\nTeléfono\nE-mail\nMaría López\n0034 95 241 59 61\n...". */
static bool
stacked_header(const uint8_t *buf, size_t len, size_t s, size_t *out_from, size_t *out_to)
{
    size_t start[2 * MAX_ROWS + 1];
    size_t end[2 * MAX_ROWS + 1];
    uint8_t kind[2 * MAX_ROWS + 1];
    /* the block above `s`, then the line of `s` and the block below */
    size_t ls = s;
    while (ls > 0 && buf[ls - 1] != '\n' && s - ls <= MAX_CELL) {
        ls--;
    }
    size_t above = 0;
    size_t cur = ls;
    while (above < MAX_ROWS && cur > 0) {
        size_t pe = cur - 1;
        size_t ps = pe;
        while (ps > 0 && buf[ps - 1] != '\n' && pe - ps <= MAX_CELL) {
            ps--;
        }
        if ((ps > 0 && buf[ps - 1] != '\n') || blank(buf, ps, pe)) {
            break;
        }
        above++;
        cur = ps;
    }
    size_t n_lines = 0;
    for (size_t i = cur; i < len && n_lines < 2 * MAX_ROWS + 1;) {
        size_t e = i;
        while (e < len && buf[e] != '\n' && e - i <= MAX_CELL) {
            e++;
        }
        size_t f = i; /* past quote marks and indentation */
        while (f < e && (buf[f] == '>' || buf[f] == ' ')) {
            f++;
        }
        size_t t = e;
        while (t > f && (buf[t - 1] == '\r' || buf[t - 1] == ' ')) {
            t--;
        }
        if (t == f || (e < len && buf[e] != '\n')) {
            break; /* a blank line or a long one ends the block */
        }
        start[n_lines] = f;
        end[n_lines] = t;
        kind[n_lines] = (uint8_t)cell_kind(buf, f, t);
        n_lines++;
        i = e + 1;
    }
    size_t idx = above;
    for (size_t n = 2; n <= 8 && idx < n_lines; n++) {
        if (n_lines % n != 0 || n_lines < 3 * n || idx < n) {
            continue;
        }
        bool ok = true;
        for (size_t i = 0; i < n && ok; i++) {
            ok = kind[i] == CELL_TEXT;
        }
        for (size_t i = n; i + n < n_lines && ok; i++) {
            ok = kind[i] == kind[i + n];
        }
        if (ok) {
            *out_from = start[idx % n];
            *out_to = end[idx % n];
            return true;
        }
    }
    return false;
}

/* ---- cells split by a separator ---- */

bool
scan_table_header(const uint8_t *buf, size_t len, size_t s, size_t *out_from, size_t *out_to)
{
    if (s >= len) {
        return false;
    }
    size_t ls = s;
    while (ls > 0 && buf[ls - 1] != '\n' && s - ls < MAX_BYTES) {
        ls--;
    }
    size_t le = s;
    while (le < len && buf[le] != '\n' && le - s < MAX_BYTES) {
        le++;
    }
    uint8_t sep = row_sep(buf, ls, le);
    if (sep == 0) {
        return stacked_header(buf, len, s, out_from, out_to);
    }
    if (ls == 0 || buf[ls - 1] != '\n') {
        return false;
    }
    size_t col = count(buf, ls, s, sep);
    size_t cells = count(buf, ls, le, sep);
    size_t header = SIZE_MAX;
    size_t header_end = 0;
    size_t cur = ls; /* start of the line below the one looked at */
    for (size_t rows = 0; cur > 0 && rows < MAX_ROWS && ls - cur < MAX_BYTES; rows++) {
        size_t pe = cur - 1; /* its '\n' */
        size_t ps = pe;
        while (ps > 0 && buf[ps - 1] != '\n' && ls - ps < MAX_BYTES) {
            ps--;
        }
        if ((ps > 0 && buf[ps - 1] != '\n') || blank(buf, ps, pe) ||
            count(buf, ps, pe, sep) != cells) {
            break;
        }
        if (!rule(buf, ps, pe, sep)) {
            header = ps;
            header_end = pe;
        }
        if (!names_only(buf, ps, pe)) {
            header = SIZE_MAX; /* a data row: the header, if any, is higher */
        }
        cur = ps;
    }
    if (header == SIZE_MAX) {
        return false;
    }
    size_t from = header;
    for (size_t k = 0; k < col; k++) {
        while (buf[from] != sep) {
            from++;
        }
        from++;
    }
    size_t to = from;
    while (to < header_end && buf[to] != sep) {
        to++;
    }
    *out_from = from;
    *out_to = to;
    return true;
}
