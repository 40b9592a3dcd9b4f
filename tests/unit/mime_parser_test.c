/* SPDX-License-Identifier: Apache-2.0 */
/* MIME parser transcripts: each message is fed whole and split at every byte
 * offset; the event summary must be the same and the bytes must come back
 * exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime_parser.h"
#include "rl_error.h"

struct log {
    char events[4096]; /* one token per event, e.g. "H:1.2:text/plain:base64 " */
    size_t ev_len;
    uint8_t bytes[16384];
    size_t len;
    int last;          /* last event kind, to merge BODY/RAW runs split by chunking */
    char delims[1024]; /* the delimiter lines, back to back */
    size_t delims_len;
};

static int
on_event(void *ctx, enum mime_event ev, const struct mime_part *part, const uint8_t *data,
         size_t len)
{
    struct log *l = ctx;
    char tok[256];
    int n = 0;
    switch (ev) {
    case MIME_EV_HEADERS:
        n = snprintf(tok, sizeof(tok), "H:%s:%s:%s ", part->path, part->type,
                     mime_cte_name(part->cte));
        break;
    case MIME_EV_BODY:
        n = l->last == MIME_EV_BODY ? 0 : snprintf(tok, sizeof(tok), "B:%s ", part->path);
        break;
    case MIME_EV_BODY_END:
        n = snprintf(tok, sizeof(tok), "E:%s ", part->path);
        break;
    case MIME_EV_DELIM:
        assert_true(l->delims_len + len < sizeof(l->delims));
        memcpy(l->delims + l->delims_len, data, len);
        l->delims_len += len;
        l->delims[l->delims_len] = '\0';
        ev = MIME_EV_RAW; /* the transcripts show delimiters and preambles as one run */
        n = l->last == MIME_EV_RAW ? 0 : snprintf(tok, sizeof(tok), "R ");
        break;
    case MIME_EV_RAW:
        n = l->last == MIME_EV_RAW ? 0 : snprintf(tok, sizeof(tok), "R ");
        break;
    case MIME_EV_DEFECT:
        n = snprintf(tok, sizeof(tok), "D ");
        break;
    }
    l->last = (int)ev;
    assert_true(l->ev_len + (size_t)n < sizeof(l->events));
    memcpy(l->events + l->ev_len, tok, (size_t)n);
    l->ev_len += (size_t)n;
    l->events[l->ev_len] = '\0';
    if (ev == MIME_EV_HEADERS || ev == MIME_EV_BODY || ev == MIME_EV_RAW) {
        assert_true(l->len + len <= sizeof(l->bytes));
        memcpy(l->bytes + l->len, data, len);
        l->len += len;
    }
    return 0;
}

static const struct mime_limits default_limits = {
    .max_header_bytes = 1024, .max_depth = 8, .max_parts = 100};

static void
run(struct log *l, const struct mime_limits *lim, const char *msg, size_t split)
{
    struct mime_parser p;
    size_t len = strlen(msg);
    memset(l, 0, sizeof(*l));
    l->last = -1;
    assert_int_equal(mime_parser_init(&p, lim, on_event, l), 0);
    if (split > len) {
        split = len;
    }
    assert_int_equal(mime_parser_feed(&p, (const uint8_t *)msg, split), 0);
    /* The rest one byte at a time: the hardest chunking there is. */
    for (size_t i = split; i < len; i++) {
        assert_int_equal(mime_parser_feed(&p, (const uint8_t *)msg + i, 1), 0);
    }
    assert_int_equal(mime_parser_finish(&p), 0);
    mime_parser_fini(&p);
    assert_int_equal(l->len, len);
    assert_memory_equal(l->bytes, msg, len);
}

/* Feeds `msg` whole, then split at every offset; all summaries must equal `want`. */
static void
check(const struct mime_limits *lim, const char *msg, const char *want)
{
    struct log *l = malloc(sizeof(*l));
    assert_non_null(l);
    size_t len = strlen(msg);
    run(l, lim, msg, len);
    assert_string_equal(l->events, want);
    for (size_t split = 0; split < len; split += 1) {
        run(l, lim, msg, split);
        if (strcmp(l->events, want) != 0) {
            fail_msg("split at %zu: got '%s' want '%s'", split, l->events, want);
        }
    }
    free(l);
}

static void
test_single_part(void **state)
{
    (void)state;
    check(&default_limits, "From: a@b\r\nSubject: hi\r\n\r\nline one\r\n--not a delimiter\r\n",
          "H::text/plain:7bit B:1 E:1 ");
}

static void
test_multipart(void **state)
{
    (void)state;
    check(&default_limits,
          "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
          "preamble\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
          "--XYZ\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
          "QUJD\r\n--XYZ--\r\nepilogue\r\n",
          "H::multipart/mixed:7bit R H:1:text/plain:7bit B:1 E:1 R "
          "H:2:application/pdf:base64 B:2 E:2 R ");
}

/* Delimiter lines come as their own events, so that a reader can tell the
 * text of a preamble or epilogue (which some mail readers show) from them. */
static void
test_delimiters_apart_from_preamble(void **state)
{
    (void)state;
    static const char msg[] = "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
                              "preamble --XYZ\r\n--XYZ \r\n\r\nhello\r\n--XYZ--\r\nepilogue\r\n"
                              "--XYZ\r\n";
    struct log *l = malloc(sizeof(*l));
    assert_non_null(l);
    for (size_t split = 0; split < sizeof(msg) - 1; split++) {
        run(l, &default_limits, msg, split);
        /* the padded delimiter whole; a line that only starts like one after
         * the close is epilogue */
        assert_string_equal(l->delims, "--XYZ \r\n--XYZ--\r\n");
    }
    free(l);
}

static void
test_nested_and_rfc822_paths(void **state)
{
    (void)state;
    /* IMAP numbering: an encapsulated message keeps its part's number and its
     * single body is N.1; a nested multipart's children are N.1, N.2. */
    check(&default_limits,
          "Content-Type: multipart/mixed; boundary=a\n\n"
          "--a\nContent-Type: multipart/alternative; boundary=b\n\n"
          "--b\n\nplain\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b--\n"
          "--a\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n"
          "--a--\n",
          "H::multipart/mixed:7bit R H:1:multipart/alternative:7bit R H:1.1:text/plain:7bit "
          "B:1.1 E:1.1 R H:1.2:text/html:7bit B:1.2 E:1.2 R H:2:message/rfc822:7bit "
          "H:2:text/plain:7bit B:2.1 E:2.1 R ");
}

static void
test_missing_close_delimiter(void **state)
{
    (void)state;
    check(&default_limits,
          "Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n--XYZ\r\n\r\nbody\r\n",
          "H::multipart/mixed:7bit R H:1:text/plain:7bit B:1 E:1 D ");
}

static void
test_boundary_prefix_is_not_delimiter(void **state)
{
    (void)state;
    /* "--XYZabc" starts with the boundary but is not a delimiter line. */
    check(&default_limits,
          "Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n--XYZ\r\n\r\n--XYZabc\r\n"
          "--XYZ--  \r\n",
          "H::multipart/mixed:7bit R H:1:text/plain:7bit B:1 E:1 R ");
}

static void
test_header_overflow_keeps_bytes(void **state)
{
    (void)state;
    struct mime_limits lim = {.max_header_bytes = 64, .max_depth = 8, .max_parts = 10};
    check(&lim,
          "Subject: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
          "X: y\r\n\r\nbody\r\n",
          "D H::text/plain:8bit B:1 E:1 ");
}

static void
test_depth_limit(void **state)
{
    (void)state;
    struct mime_limits lim = {.max_header_bytes = 1024, .max_depth = 1, .max_parts = 10};
    check(&lim,
          "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
          "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n--a--\n",
          "H::multipart/mixed:7bit R H:1:multipart/mixed:7bit D B:1 E:1 R ");
}

static void
test_multipart_without_boundary(void **state)
{
    (void)state;
    check(&default_limits, "Content-Type: multipart/mixed\n\n--x\n\nbody\n",
          "H::multipart/mixed:7bit D B:1 E:1 ");
}

static void
test_delimiter_inside_header_block(void **state)
{
    (void)state;
    check(&default_limits,
          "Content-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain\n--q--\n",
          "H::multipart/mixed:7bit R D H:1:text/plain:7bit E:1 R ");
}

static void
test_truncated_in_headers(void **state)
{
    (void)state;
    check(&default_limits, "Subject: cut off", "D H::text/plain:7bit E:1 ");
}

static void
test_empty_input(void **state)
{
    (void)state;
    check(&default_limits, "", "H::text/plain:7bit E:1 ");
}

static void
test_unknown_cte_and_bad_content_type(void **state)
{
    (void)state;
    check(&default_limits, "Content-Type: garbage\nContent-Transfer-Encoding: x-uue\n\nbody\n",
          "D D H::text/plain:unknown B:1 E:1 ");
}

static void
test_digest_defaults_to_rfc822(void **state)
{
    (void)state;
    check(&default_limits,
          "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: m1\n\nbody1\n--d--\n",
          "H::multipart/digest:7bit R H:1:message/rfc822:7bit H:1:text/plain:7bit B:1.1 E:1.1 R ");
}

static void
test_init_rejects_bad_arguments(void **state)
{
    (void)state;
    struct mime_parser p;
    struct mime_limits tiny = {.max_header_bytes = 8, .max_depth = 1, .max_parts = 1};
    assert_int_equal(mime_parser_init(&p, NULL, on_event, NULL), RL_EINVAL);
    assert_int_equal(mime_parser_init(&p, &default_limits, NULL, NULL), RL_EINVAL);
    assert_int_equal(mime_parser_init(&p, &tiny, on_event, NULL), RL_EINVAL);
}

static int
stop_at_body(void *ctx, enum mime_event ev, const struct mime_part *part, const uint8_t *data,
             size_t len)
{
    (void)ctx;
    (void)part;
    (void)data;
    (void)len;
    return ev == MIME_EV_BODY ? RL_EIO : 0;
}

static void
test_callback_error_is_sticky(void **state)
{
    (void)state;
    struct mime_parser p;
    assert_int_equal(mime_parser_init(&p, &default_limits, stop_at_body, NULL), 0);
    assert_int_equal(mime_parser_feed(&p, (const uint8_t *)"S: x\n\nbody\n", 11), RL_EIO);
    assert_int_equal(mime_parser_feed(&p, (const uint8_t *)"more\n", 5), RL_EIO);
    assert_int_equal(mime_parser_finish(&p), RL_EIO);
    mime_parser_reset(&p);
    assert_int_equal(mime_parser_feed(&p, (const uint8_t *)"S: x\n", 5), 0);
    mime_parser_fini(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_part),
        cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_delimiters_apart_from_preamble),
        cmocka_unit_test(test_nested_and_rfc822_paths),
        cmocka_unit_test(test_missing_close_delimiter),
        cmocka_unit_test(test_boundary_prefix_is_not_delimiter),
        cmocka_unit_test(test_header_overflow_keeps_bytes),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_multipart_without_boundary),
        cmocka_unit_test(test_delimiter_inside_header_block),
        cmocka_unit_test(test_truncated_in_headers),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_unknown_cte_and_bad_content_type),
        cmocka_unit_test(test_digest_defaults_to_rfc822),
        cmocka_unit_test(test_init_rejects_bad_arguments),
        cmocka_unit_test(test_callback_error_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
