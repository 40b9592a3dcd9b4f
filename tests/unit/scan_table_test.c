/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for scan_table.c: the header cell named for a position in
 * tables pasted into mail (tabs, pipes, semicolons, CSV, columns aligned under a
 * rule, one cell per line), and positions that are in no table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scan_table.h"

/* The header of the column holding the first byte of `at` in `text`, or
 * NULL; in `out` (room for 64 bytes). */
static const char *
header_of(const char *text, const char *at, char *out)
{
    const char *p = strstr(text, at);
    assert_non_null(p);
    size_t from = 0;
    size_t to = 0;
    if (!scan_table_header((const uint8_t *)text, strlen(text), (size_t)(p - text), &from, &to)) {
        return NULL;
    }
    assert_true(to > from && to - from < 64);
    memcpy(out, text + from, to - from);
    out[to - from] = '\0';
    return out;
}

struct table_case {
    const char *text;
    const char *at;
    const char *header; /* NULL: in no table */
};

static void
run(const struct table_case *cases, size_t n)
{
    char out[64];
    for (size_t i = 0; i < n; i++) {
        const char *got = header_of(cases[i].text, cases[i].at, out);
        if (cases[i].header == NULL ? got != NULL
                                    : got == NULL || strcmp(got, cases[i].header) != 0) {
            fail_msg("case %zu at \"%s\": got \"%s\", want \"%s\"", i, cases[i].at,
                     got ? got : "(none)", cases[i].header ? cases[i].header : "(none)");
        }
    }
}

static void
test_separated(void **state)
{
    (void)state;
    static const struct table_case cases[] = {
        {"Name\tTeléfono\tE-mail\nAna\t612345678\ta@b.es\nLuis\t698765432\tl@b.es\n", "698",
         "Teléfono"},
        {"| Name | Phone | Order |\n|---|---|---|\n| Bo | 0406139378 | 12345678 |\n", "1234",
         " Order "},
        {"Name;Kundennr;Telefon\r\nAnna;483920;030 1234567\r\n", "030", "Telefon"},
        {"> Name\tTelefon\n> Bo\t0406139378\n", "0406", "Telefon"},
        /* a row of data above is no header; the header is above it */
        {"Ana\t612345678\nLuis\t698765432\n", "698", NULL},
        /* a blank line ends the table */
        {"Name\tPhone\n\nBo\t0406139378\n", "0406", NULL},
        /* the header row itself */
        {"Name\tPhone\nBo\t0406139378\n", "Phone", NULL},
        /* rows of another width */
        {"Name\tPhone\tMail\nBo\t0406139378\n", "0406", NULL},
        {"Tel. 0406139378, please.\n", "0406", NULL},
        /* CSV: commas outside quotes split cells; every row under the header */
        {"Name,SSN,Phone\r\nJo,536228471,2125550132\r\n\"Jones, Al\",078051121,2125550199\r\n",
         "0780", "SSN"},
        {"Name,SSN,Phone\nJo,536228471,2125550132\n\"Jones, Al\",078051121,2125550199\n",
         "21255501", "Phone"},
        {"\"Last, First\",Phone,City\n\"Li, Bo\",0406139378,Oslo\n", "0406", "Phone"},
        /* one comma is a sentence's as often as a table's: two cells need another separator */
        {"Name,Phone\nBo,0406139378\n", "0406", NULL},
        /* prose: a comma followed by a space is no CSV separator */
        {"Hi Jo, thanks, see you\nat 10, call 0406139378, or mail\n", "0406", NULL},
    };
    run(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_aligned(void **state)
{
    (void)state;
    static const struct table_case cases[] = {
        {"Nombre         Teléfono         Correo\n"
         "-------------  ---------------  ------\n"
         "Marta Jiménez  +34 914 570 522  m@x.es\n"
         "Lucía Ruiz     91 632 80 42     l@x.es\n",
         "91 632", "Teléfono"},
        /* characters, not bytes, line the columns up */
        {">Navn             Telefon      E-post\n"
         ">---------------  -----------  ------\n"
         ">Ingrid Johansen  94 88 77 21  r@o.no\n",
         "94 88", "Telefon"},
        {"Name   Kundennr   Phone\n"
         "=====  =========  =====\n"
         "Bo     48392011   0406139378\n",
         "4839", "Kundennr"},
        /* a rule of one run is an underline, not a table */
        {"Contacts\n--------\nBo 0406139378\n", "0406", NULL},
        /* digits in the line above the rule: no header */
        {"Total 2024  Total 2025\n----------  ----------\n1234567890  0987654321\n", "0987", NULL},
        /* no rule: cells left-aligned at the same columns, the top line the header */
        {"Name        SSN         Phone\n"
         "Jo Smith    536228471   2125550132\n"
         "Al Jones    078051121   2125550199\n",
         "0780", "SSN"},
        {"> Navn        Telefon\n> Ingrid Ås   94887721\n", "9488", "Telefon"},
        /* a row out of line, a top line with digits, one cell: no table */
        {"Name        Phone\n Jo Smith   2125550132\n", "2125", NULL},
        {"Q1 sales    Phone\nJo Smith    2125550132\n", "2125", NULL},
        /* two lines that happen to line up read as a table: their "header"
         * matters only when it names the number's type, as a label would */
        {"Call me at  home\nJo Smith    2125550132\n", "2125", "home"},
        {"Call me\n2125550132\n", "2125", NULL},
    };
    run(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A long table aligned without a rule: the cached lookup, which reuses the
 * line before, answers as the uncached one, and a header more than 64 lines
 * up names nothing. */
static void
test_aligned_long(void **state)
{
    (void)state;
    static char text[8192];
    size_t at[80];
    size_t o = (size_t)snprintf(text, sizeof(text), "Name      SSN\n");
    for (size_t i = 0; i < 80; i++) {
        at[i] = o + 10;
        o += (size_t)snprintf(text + o, sizeof(text) - o, "Row %-4zu  %09zu\n", i, 536228400 + i);
    }
    struct scan_table_cache c = {0};
    for (size_t i = 0; i < 80; i++) {
        size_t f1 = 0, t1 = 0, f2 = 0, t2 = 0;
        bool cached = scan_table_header_cached(&c, (const uint8_t *)text, o, at[i], &f1, &t1);
        bool fresh = scan_table_header((const uint8_t *)text, o, at[i], &f2, &t2);
        assert_int_equal(cached, fresh);
        assert_int_equal(fresh, i < 64);
        if (fresh) {
            assert_int_equal(f1, f2);
            assert_int_equal(t1, t2);
            assert_memory_equal(text + f2, "SSN", 3);
        }
    }
}

static void
test_stacked(void **state)
{
    (void)state;
    static const struct table_case cases[] = {
        {"Name\nTelefon\nKundennr.\nE-Mail\n"
         "Carla Fischer\n0176 8216881\n1527843426\nc@f.de\n"
         "Sofia Brown\n0049898066173\n7702955363\ns@b.de\n",
         "00498", "Telefon"},
        {"Name\nTelefon\nKundennr.\nE-Mail\n"
         "Carla Fischer\n0176 8216881\n1527843426\nc@f.de\n"
         "Sofia Brown\n0049898066173\n7702955363\ns@b.de\n",
         "7702", "Kundennr."},
        /* a short line of prose above the table */
        {"> Ticket 5092 was merged.\n> Name\n> Phone\n> Order no.\n> E-mail\n"
         "> David Rossi\n> +44 20 8582 9801\n> 7839324124\n> d@r.de\n"
         "> Tomas Kowalski\n> 3183360433\n> 27479528\n> t@k.uk\n",
         "3183", "Phone"},
        /* kinds that do not repeat: no table */
        {"Name\nPhone\nBo\n0406139378\nsee you\nthen\n", "0406", NULL},
    };
    run(cases, sizeof(cases) / sizeof(cases[0]));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separated),
        cmocka_unit_test(test_aligned),
        cmocka_unit_test(test_aligned_long),
        cmocka_unit_test(test_stacked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
