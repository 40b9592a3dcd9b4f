/* SPDX-License-Identifier: Apache-2.0 */
/* uuencoded files in text: found only when whole, decoded as Python's
 * binascii and GNU uuencode write them, encoded the same way back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mime_uu.h"

static bool
find(struct mime_uu_block *b, const char *text)
{
    return mime_uu_next(b, (const uint8_t *)text, strlen(text), 0);
}

/* Vectors from Python's binascii.b2a_uu(..., backtick=True). */
static void
test_decode_vectors(void **state)
{
    (void)state;
    const char *text = "Hi,\r\n\r\nbegin 644 card.txt\r\n"
                       "98V%R9\"`T,3$Q(#$Q,3$@,3$Q,2`Q,3$Q\"@``\r\n"
                       "`\r\nend\r\nbye\r\n";
    struct mime_uu_block b;
    assert_true(find(&b, text));
    assert_int_equal(b.begin, 7);
    assert_int_equal(b.name_len, 8);
    assert_memory_equal(text + b.name, "card.txt", 8);
    assert_int_equal(b.decoded_len, 25);
    assert_string_equal(text + b.end, "bye\r\n");
    uint8_t out[64];
    mime_uu_decode(out, (const uint8_t *)text, &b);
    assert_memory_equal(out, "card 4111 1111 1111 1111\n", 25);

    /* two lines, spaces for zero (the classic form), trailing spaces cut */
    const char *two = "begin 0600 x.bin\n"
                      "M  $\"`P0%!@<(\"0H+# T.#Q`1$A,4%187&!D:&QP='A\\@(2(C)\"4F)R@I*BLL\n"
                      "%+2XO,#$\n \nend\n";
    assert_true(find(&b, two));
    assert_int_equal(b.decoded_len, 50);
    mime_uu_decode(out, (const uint8_t *)two, &b);
    for (unsigned i = 0; i < 50; i++) {
        assert_int_equal(out[i], i);
    }
}

static void
test_encode_round_trip(void **state)
{
    (void)state;
    uint8_t in[200];
    for (unsigned i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(i * 37 + 11);
    }
    for (size_t n = 0; n <= sizeof(in); n += 7) {
        char text[1024] = "begin 644 f\r\n";
        size_t at = strlen(text);
        size_t w = mime_uu_encode((uint8_t *)text + at, in, n, (const uint8_t *)"\r\n", 2);
        assert_int_equal(w, mime_uu_encoded_len(n, 2));
        assert_null(memchr(text + at, ' ', w)); /* zero is '`': nothing for a mailer to cut */
        memcpy(text + at + w, "`\r\nend\r\n", 9);
        struct mime_uu_block b;
        assert_true(find(&b, text));
        assert_int_equal(b.decoded_len, n);
        assert_int_equal(b.data_end, at + w);
        uint8_t out[200];
        mime_uu_decode(out, (const uint8_t *)text, &b);
        assert_memory_equal(out, in, n);
    }
    uint8_t line[64];
    assert_int_equal(mime_uu_encode(line, (const uint8_t *)"Cat", 3, (const uint8_t *)"\n", 1), 6);
    assert_memory_equal(line, "#0V%T\n", 6);
}

/* Prose and broken files are text: no block. */
static void
test_not_a_file(void **state)
{
    (void)state;
    struct mime_uu_block b;
    assert_false(find(&b, "begin 644 tomorrow\nWe start at nine\nend\n"));
    assert_false(find(&b, "We begin 644 x\n#0V%T\n`\nend\n"));  /* not at a line start */
    assert_false(find(&b, "begin 64 x\n#0V%T\n`\nend\n"));      /* mode of two digits */
    assert_false(find(&b, "begin 644 \n#0V%T\n`\nend\n"));      /* no name */
    assert_false(find(&b, "begin 644 x\n#0V%T\n`\n"));          /* no "end" */
    assert_false(find(&b, "begin 644 x\n#0V\n`\nend\n"));       /* line too short */
    assert_false(find(&b, "begin 644 x\n#0V%T0V%T\n`\nend\n")); /* line too long */
    assert_false(find(&b, "begin 644 x\n#0V%T\n`\nthe end\n")); /* not "end" */
    assert_false(find(&b, "begin 644 x\n#0v%t\n`\nend\n"));     /* lower case */
    /* the first begin is prose, the second a file */
    const char *t = "begin 644 now\nok\nbegin 644 y\n#0V%T\nend\n";
    assert_true(find(&b, t));
    assert_int_equal(b.begin, 17);
    assert_int_equal(b.decoded_len, 3);
    assert_int_equal(b.data_end, b.end - 4); /* "end" right after the data */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_vectors),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_not_a_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
