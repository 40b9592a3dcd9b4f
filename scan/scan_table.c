/* SPDX-License-Identifier: Apache-2.0 */
#include "scan_table.h"

#include <emmintrin.h>
#include <string.h>

/* How far up a header row may be. */
#define MAX_ROWS 64
#define MAX_BYTES 8192

/* line_start returns where the line holding byte `at - 1` starts, looking
 * back at most `max` bytes from `at` (then `at - max`): the position after
 * the last '\n' before `at`, or 0. */
static size_t
line_start(const uint8_t *buf, size_t at, size_t max)
{
    size_t lo = at > max ? at - max : 0;
    const uint8_t *nl = memrchr(buf + lo, '\n', at - lo);
    return nl != NULL ? (size_t)(nl - buf) + 1 : lo;
}

/* line_end returns the first '\n' at or after `at` within `max` bytes and
 * before `len`, or the end of that stretch. */
static size_t
line_end(const uint8_t *buf, size_t len, size_t at, size_t max)
{
    size_t hi = len - at > max ? at + max : len;
    const uint8_t *nl = memchr(buf + at, '\n', hi - at);
    return nl != NULL ? (size_t)(nl - buf) : hi;
}

/* Separators in [from, to); a comma only outside double quotes, as CSV
 * quotes a cell that holds one ("Smith, Jo",...; "" inside is a quote).
 * CSV puts no space after its commas and prose does: a line with one is no
 * CSV row (SIZE_MAX, which no row's count equals). */
static size_t
count(const uint8_t *buf, size_t from, size_t to, uint8_t sep)
{
    size_t n = 0;
    if (sep == ',' && memchr(buf + from, '"', to - from) == NULL) {
        /* no quotes (prose): from comma to comma */
        for (const uint8_t *c = memchr(buf + from, ',', to - from); c != NULL;
             c = memchr(c + 1, ',', (size_t)(buf + to - (c + 1)))) {
            if (c + 1 < buf + to && c[1] == ' ') {
                return SIZE_MAX;
            }
            n++;
        }
        return n;
    }
    if (sep == ',') {
        bool quoted = false;
        for (size_t i = from; i < to; i++) {
            quoted ^= buf[i] == '"';
            if (buf[i] == ',' && !quoted) {
                if (i + 1 < to && buf[i + 1] == ' ') {
                    return SIZE_MAX;
                }
                n++;
            }
        }
        return n;
    }
    for (size_t i = from; i < to; i++) {
        n += buf[i] == sep;
    }
    return n;
}

/* The cell separator of the line [from, to): a tab, or two or more pipes,
 * semicolons or commas (outside quotes: CSV); 0 when the line is no table
 * row. */
static uint8_t
row_sep(const uint8_t *buf, size_t from, size_t to)
{
    size_t tabs = 0;
    size_t pipes = 0;
    size_t semis = 0;
    for (size_t b = from; b < to; b += 255) { /* one pass, in byte lanes: on vectors */
        size_t end = to - b < 255 ? to : b + 255;
        uint8_t t = 0;
        uint8_t p = 0;
        uint8_t c = 0;
        for (size_t i = b; i < end; i++) {
            t += buf[i] == '\t';
            p += buf[i] == '|';
            c += buf[i] == ';';
        }
        tabs += t;
        pipes += p;
        semis += c;
    }
    if (tabs > 0) {
        return '\t';
    }
    if (pipes >= 2) {
        return '|';
    }
    if (semis >= 2) {
        return ';';
    }
    size_t commas = count(buf, from, to, ',');
    return commas >= 2 && commas != SIZE_MAX ? ',' : 0;
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
#define MAX_LEAD 4 /* short lines of prose above a stacked table */

enum cell_kind { CELL_TEXT, CELL_NUMBER, CELL_ADDRESS, CELL_LONG };

/* The kind of the line [from, to): what a column's cells share. */
static enum cell_kind
cell_kind(const uint8_t *buf, size_t from, size_t to)
{
    if (to - from > MAX_CELL) {
        return CELL_LONG;
    }
    if (memchr(buf + from, '@', to - from) != NULL) {
        return CELL_ADDRESS;
    }
    uint8_t digit = 0;
    for (size_t i = from; i < to; i++) { /* no early exit: on vectors */
        digit |= (uint8_t)(buf[i] - '0') < 10;
    }
    return digit ? CELL_NUMBER : CELL_TEXT;
}

/* A table converted from HTML with each cell on a line of its own: a block
 * of short lines (no blank line), maybe a few lines of prose, then `n`
 * column names (text only), then rows of `n` lines whose kinds repeat with period `n`. The
 * smallest such `n` from 2 to 8 gives the header line of the line at `s`:
 * "Name\nTeléfono\nE-mail\nMaría López\n0034 95 241 59 61\n...". */
static bool
stacked_header(const uint8_t *buf, size_t len, size_t ls, size_t *out_from, size_t *out_to)
{
    size_t start[2 * MAX_ROWS + 1];
    size_t end[2 * MAX_ROWS + 1];
    uint8_t kind[2 * MAX_ROWS + 1];
    /* the block above `s`, then the line of `s` and the block below; `ls`
     * is line_start(buf, s, MAX_CELL + 1), all this depends on */
    size_t above = 0;
    size_t cur = ls;
    while (above < MAX_ROWS && cur > 0) {
        size_t pe = cur - 1;
        size_t ps = line_start(buf, pe, MAX_CELL + 1);
        if ((ps > 0 && buf[ps - 1] != '\n') || blank(buf, ps, pe)) {
            break;
        }
        above++;
        cur = ps;
    }
    size_t n_lines = 0;
    for (size_t i = cur; i < len && n_lines < 2 * MAX_ROWS + 1;) {
        size_t e = line_end(buf, len, i, MAX_CELL + 1);
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
    /* the table may follow a few short lines of prose in the same block */
    for (size_t h = 0; h <= MAX_LEAD && h < idx; h++) {
        for (size_t n = 2; n <= 8 && h + n <= idx; n++) {
            size_t rows = n_lines - h;
            if (rows % n != 0 || rows < 3 * n) {
                continue;
            }
            bool ok = true;
            for (size_t i = h; i < h + n && ok; i++) {
                ok = kind[i] == CELL_TEXT;
            }
            for (size_t i = h + n; i + n < n_lines && ok; i++) {
                ok = kind[i] == kind[i + n];
            }
            /* A row names something (a person, an address) beside its
             * numbers: a list of numbers under a line or two of text
             * ("Support team\n030 1234567\n0170 7654321") is no table. */
            bool names = false;
            for (size_t i = h + n; i < h + 2 * n && ok; i++) {
                names |= kind[i] != CELL_NUMBER;
            }
            ok &= names;
            if (ok) {
                *out_from = start[h + (idx - h) % n];
                *out_to = end[h + (idx - h) % n];
                return true;
            }
        }
    }
    return false;
}

/* ---- columns aligned by spaces under a rule ---- */

/* The number of characters (UTF-8 lead bytes) in [from, to). */
static size_t
columns(const uint8_t *buf, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t b = from; b < to; b += 255) { /* in byte lanes: on vectors */
        size_t end = to - b < 255 ? to : b + 255;
        uint8_t k = 0;
        for (size_t i = b; i < end; i++) {
            k += (buf[i] & 0xC0) != 0x80;
        }
        n += k;
    }
    return n;
}

/* The byte at character column `col` of the line [from, to), or `to`. */
static size_t
at_column(const uint8_t *buf, size_t from, size_t to, size_t col)
{
    size_t i = from;
    for (size_t n = 0; i < to; i++) {
        if ((buf[i] & 0xC0) != 0x80 && n++ == col) {
            break;
        }
    }
    return i;
}

/* Whether [from, to) is a rule under a plain-text header: two or more runs
 * of '-' or '=' split by spaces ("------  -----------  -------"). */
static bool
space_rule(const uint8_t *buf, size_t from, size_t to)
{
    size_t runs = 0;
    for (size_t i = from; i < to; i++) {
        uint8_t c = buf[i];
        if (c == '-' || c == '=') {
            runs += i == from || buf[i - 1] == ' ' || buf[i - 1] == '>';
        } else if (c != ' ' && c != '>' && c != '\r') {
            return false;
        }
    }
    return runs >= 2;
}

/* A table laid out in columns of spaces with a rule under its header
 * ("Nombre  Teléfono\nMarta   91 632 80 42" under "------  --------"):
 * find_rule looks for the rule above the line starting at `ls`, with no
 * blank line between: stores the rule line as [*ps, *pe) and returns true,
 * or false when there is none. */
static bool
find_rule(const uint8_t *buf, size_t ls, size_t stop, size_t *out_ps, size_t *out_pe)
{
    size_t cur = ls;
    /* `stop`: a line start above `ls` known to have no rule above it within
     * its own reach, which is farther up than this walk's (SIZE_MAX: none) */
    for (size_t rows = 0; cur > 0 && rows < MAX_ROWS && ls - cur < MAX_BYTES && cur != stop;
         rows++) {
        size_t pe = cur - 1;
        size_t ps = line_start(buf, pe, MAX_BYTES - (ls - pe));
        if ((ps > 0 && buf[ps - 1] != '\n') || blank(buf, ps, pe)) {
            return false;
        }
        cur = ps;
        if (space_rule(buf, ps, pe)) {
            *out_ps = ps;
            *out_pe = pe;
            return true;
        }
    }
    return false;
}

/* The header cell above the rule [ps, pe) (find_rule) that holds character
 * column `col`. */
static bool
aligned_header(const uint8_t *buf, size_t col, size_t ps, size_t pe, size_t *out_from,
               size_t *out_to)
{
    /* the run of the rule at or before `col`, and where the next starts */
    size_t run = SIZE_MAX;
    size_t next = SIZE_MAX;
    for (size_t i = ps, c = 0; i < pe; i++, c++) {
        bool starts =
            (buf[i] == '-' || buf[i] == '=') && (i == ps || buf[i - 1] == ' ' || buf[i - 1] == '>');
        if (starts && c <= col) {
            run = c;
        } else if (starts && next == SIZE_MAX && run != SIZE_MAX) {
            next = c;
        }
    }
    if (run == SIZE_MAX || ps == 0) {
        return false;
    }
    size_t he = ps - 1; /* the header line ends at the rule's '\n' */
    size_t hs = line_start(buf, he, MAX_BYTES);
    if (!names_only(buf, hs, he)) {
        return false;
    }
    size_t from = at_column(buf, hs, he, run);
    size_t to = next == SIZE_MAX ? he : at_column(buf, hs, he, next);
    while (to > from && (buf[to - 1] == ' ' || buf[to - 1] == '\r')) {
        to--;
    }
    if (to == from) {
        return false;
    }
    *out_from = from;
    *out_to = to;
    return true;
}

/* ---- columns aligned by spaces, no rule ---- */

/* Whether [from, to) holds two spaces in a row; 16 octets a step. */
static bool
two_spaces(const uint8_t *buf, size_t from, size_t to)
{
    const __m128i sp = _mm_set1_epi8(' ');
    size_t i = from;
    for (; i + 17 <= to; i += 16) {
        __m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(buf + i)), sp);
        __m128i b =
            _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(buf + i + 1)), sp);
        if (_mm_movemask_epi8(_mm_and_si128(a, b)) != 0) {
            return true;
        }
    }
    for (; i + 1 < to; i++) {
        if (buf[i] == ' ' && buf[i + 1] == ' ') {
            return true;
        }
    }
    return false;
}

/* The character columns where the cells of the line [from, to) start, a
 * cell being text after two or more spaces (or the line's first text, past
 * quote marks and indentation); returns their count, 0 past SCAN_TABLE_MAX_COLS. */
static size_t
cell_starts(const uint8_t *buf, size_t from, size_t to, size_t *out)
{
    /* Prose: past the quote marks and indentation, no two spaces and no
     * '\r' but at the end, so at most the one cell that text starts (found
     * on vectors, not by a walk of every character). */
    size_t t = from;
    while (t < to && (buf[t] == ' ' || buf[t] == '\r' || buf[t] == '>')) {
        t++;
    }
    const uint8_t *cr = t < to ? memchr(buf + t, '\r', to - t) : NULL;
    if ((cr == NULL || cr == buf + to - 1) && !two_spaces(buf, t, to)) {
        if (t == to) {
            return 0;
        }
        out[0] = t - from; /* the lead is ASCII: one column a byte */
        return 1;
    }
    size_t n = 0;
    size_t spaces = 2; /* the first text starts a cell */
    bool lead = true;  /* still in the quote marks and indentation */
    for (size_t i = from, col = 0; i < to; i++) {
        uint8_t c = buf[i];
        if ((c & 0xC0) == 0x80) {
            continue; /* the rest of a character: same column */
        }
        if (c == ' ' || c == '\r' || (lead && c == '>')) {
            spaces++;
        } else {
            if (spaces >= 2) {
                if (n == SCAN_TABLE_MAX_COLS) {
                    return 0;
                }
                out[n++] = col;
            }
            spaces = 0;
            lead = false;
        }
        col++;
    }
    return n;
}

/* A table aligned by spaces without a rule, its cells left-aligned as
 * reports print them ("Name        SSN\nJo Smith    536228471"): the block
 * of lines above the line [ls, le) whose cells (two or more) start at the
 * same columns, up to a blank line, another layout or a line longer than
 * MAX_BYTES; its topmost line is the header unless it holds a digit or an
 * '@' or is more than MAX_ROWS lines up. Stores the header line and the
 * cell starts in the cache and returns whether there is one. The block of
 * the line before, when that was the last one looked at, is reused, so a
 * long table costs one look per line. */
static bool
spaced_top(struct scan_table_cache *c, const uint8_t *buf, size_t ls, size_t le)
{
    struct scan_table_spaced *sp = &c->sp;
    size_t starts[SCAN_TABLE_MAX_COLS];
    size_t n = cell_starts(buf, ls, le, starts);
    bool follows = sp->ls != SIZE_MAX && sp->le + 1 == ls && sp->n == n &&
                   memcmp(sp->starts, starts, n * sizeof(*starts)) == 0;
    size_t rows = 0;
    size_t top = ls;
    size_t top_end = le;
    if (n >= 2 && follows) {
        rows = sp->rows + (sp->rows <= MAX_ROWS);
        top = sp->top;
        top_end = sp->top_end;
    } else if (n >= 2) {
        for (size_t cur = ls; cur > 0 && rows <= MAX_ROWS; rows++) {
            size_t pe = cur - 1;
            size_t ps = line_start(buf, pe, MAX_BYTES);
            size_t other[SCAN_TABLE_MAX_COLS];
            if ((ps > 0 && buf[ps - 1] != '\n') || cell_starts(buf, ps, pe, other) != n ||
                memcmp(other, starts, n * sizeof(*other)) != 0) {
                break;
            }
            top = ps;
            top_end = pe;
            cur = ps;
        }
    }
    *sp = (struct scan_table_spaced){
        .ls = ls, .le = le, .n = n, .rows = rows, .top = top, .top_end = top_end};
    memcpy(sp->starts, starts, sizeof(starts));
    return n >= 2 && rows > 0 && rows <= MAX_ROWS && names_only(buf, top, top_end);
}

/* The header cell over character column `col` of the table spaced_top
 * found. */
static bool
spaced_header(const struct scan_table_cache *c, const uint8_t *buf, size_t col, size_t *out_from,
              size_t *out_to)
{
    const struct scan_table_spaced *sp = &c->sp;
    size_t k = 0;
    while (k + 1 < sp->n && sp->starts[k + 1] <= col) {
        k++;
    }
    size_t from = at_column(buf, sp->top, sp->top_end, sp->starts[k]);
    size_t to =
        k + 1 < sp->n ? at_column(buf, sp->top, sp->top_end, sp->starts[k + 1]) : sp->top_end;
    while (to > from && (buf[to - 1] == ' ' || buf[to - 1] == '\r')) {
        to--;
    }
    if (to == from) {
        return false;
    }
    *out_from = from;
    *out_to = to;
    return true;
}

/* ---- cells split by a separator ---- */

/* The header row of the table whose row is the line [ls, le) split by
 * `sep`: stores it as [*from, *to) and returns true, or false. */
static bool
find_header(const uint8_t *buf, size_t ls, size_t le, uint8_t sep, size_t *out_from, size_t *out_to)
{
    if (ls == 0 || buf[ls - 1] != '\n') {
        return false;
    }
    size_t cells = count(buf, ls, le, sep);
    size_t header = SIZE_MAX;
    size_t header_end = 0;
    size_t cur = ls; /* start of the line below the one looked at */
    for (size_t rows = 0; cur > 0 && rows < MAX_ROWS && ls - cur < MAX_BYTES; rows++) {
        size_t pe = cur - 1; /* its '\n' */
        size_t ps = line_start(buf, pe, MAX_BYTES - (ls - pe));
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
    *out_from = header;
    *out_to = header_end;
    return header != SIZE_MAX;
}

/* The cell `col` (0-based) of the header row [header, header_end). */
static void
header_cell(const uint8_t *buf, size_t header, size_t header_end, uint8_t sep, size_t col,
            size_t *out_from, size_t *out_to)
{
    size_t from = header;
    bool quoted = false;
    for (size_t k = 0; k < col && from < header_end; k++) {
        while (from < header_end && (buf[from] != sep || quoted)) {
            quoted ^= sep == ',' && buf[from] == '"';
            from++;
        }
        from++;
    }
    from = from < header_end ? from : header_end;
    size_t to = from;
    while (to < header_end && (buf[to] != sep || quoted)) {
        quoted ^= sep == ',' && buf[to] == '"';
        to++;
    }
    while (to > from && buf[to - 1] == '\r') {
        to--;
    }
    *out_from = from;
    *out_to = to;
}

/* Fills the cache's line facts for the line of `s` (line_start and line_end
 * as scan_table_header computes them): its bounds, separator, and what of
 * the table above it does not depend on where in the line `s` is. */
static void
cache_line(struct scan_table_cache *c, const uint8_t *buf, size_t len, size_t s)
{
    /* a line start of this buffer with no rule above it, if any */
    bool same = c->buf == buf && c->len == len;
    size_t norule = same ? c->norule_ls : SIZE_MAX;
    struct scan_table_spaced sp = c->sp;
    *c = (struct scan_table_cache){
        .buf = buf, .len = len, .stacked_ls = SIZE_MAX, .norule_ls = norule, .spaced = -1};
    c->sp = same ? sp : (struct scan_table_spaced){.ls = SIZE_MAX};
    c->ls = line_start(buf, s, MAX_BYTES);
    c->le = line_end(buf, len, s, MAX_BYTES);
    c->sep = row_sep(buf, c->ls, c->le);
    if (c->sep != 0) {
        c->above = find_header(buf, c->ls, c->le, c->sep, &c->above_from, &c->above_to);
    } else {
        c->above =
            find_rule(buf, c->ls, norule < c->ls ? norule : SIZE_MAX, &c->above_from, &c->above_to);
    }
    /* Reusable for every `s` of the line only when these are the line's own
     * bounds (not cut at MAX_BYTES): then line_start and line_end give the
     * same for each of its bytes. */
    c->whole = (c->ls == 0 || buf[c->ls - 1] == '\n') && (c->le == len || buf[c->le] == '\n') &&
               c->le - c->ls < MAX_BYTES;
    if (c->whole && c->sep == 0 && !c->above) {
        c->norule_ls = c->ls;
    }
}

bool
scan_table_header_cached(struct scan_table_cache *c, const uint8_t *buf, size_t len, size_t s,
                         size_t *out_from, size_t *out_to)
{
    if (s >= len) {
        return false;
    }
    if (c->buf != buf || c->len != len || !c->whole || s < c->ls || s > c->le) {
        cache_line(c, buf, len, s);
    }
    if (c->sep != 0) {
        if (!c->above) {
            return false;
        }
        header_cell(buf, c->above_from, c->above_to, c->sep, count(buf, c->ls, s, c->sep), out_from,
                    out_to);
        return true;
    }
    if (c->above &&
        aligned_header(buf, columns(buf, c->ls, s), c->above_from, c->above_to, out_from, out_to)) {
        return true;
    }
    if (c->spaced < 0) {
        c->spaced = c->whole && spaced_top(c, buf, c->ls, c->le);
    }
    if (c->spaced && spaced_header(c, buf, columns(buf, c->ls, s), out_from, out_to)) {
        return true;
    }
    /* The stacked table depends on `s` only through this line start. */
    size_t sls = line_start(buf, s, MAX_CELL + 1);
    if (sls != c->stacked_ls) {
        c->stacked_ls = sls;
        c->stacked = stacked_header(buf, len, sls, &c->stacked_from, &c->stacked_to);
    }
    if (c->stacked) {
        *out_from = c->stacked_from;
        *out_to = c->stacked_to;
    }
    return c->stacked;
}

bool
scan_table_header(const uint8_t *buf, size_t len, size_t s, size_t *out_from, size_t *out_to)
{
    struct scan_table_cache c = {0};
    return scan_table_header_cached(&c, buf, len, s, out_from, out_to);
}
