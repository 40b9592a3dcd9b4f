/* SPDX-License-Identifier: Apache-2.0 */
/* The message rewriter end to end: chunking never changes the result,
 * encodings and charsets are kept, policy actions decide the verdict, and
 * what must not change does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime_charset.h"
#include "mime_codec.h"
#include "scan_message.h"

struct out {
    uint8_t p[65536];
    size_t len;
};

static int
collect(void *ctx, const uint8_t *data, size_t len)
{
    struct out *o = ctx;
    assert_true(o->len + len <= sizeof(o->p));
    memcpy(o->p + o->len, data, len);
    o->len += len;
    return 0;
}

struct fixture {
    struct scan_policy *policy;
    struct scan_engine *engine;
    struct scan_worker *worker;
    struct scan_message *msg;
};

static struct fixture *
fixture_new(const char *json)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct rl_diag d;
    assert_non_null(f);
    if (json == NULL) {
        json = scan_policy_default_json();
    }
    assert_int_equal(scan_policy_parse(&f->policy, &d, json, strlen(json)), 0);
    assert_int_equal(scan_engine_compile(&f->engine, &d, f->policy), 0);
    f->worker = scan_worker_new(f->engine);
    f->msg = scan_message_new(f->worker, f->engine);
    assert_non_null(f->msg);
    return f;
}

static void
fixture_free(struct fixture *f)
{
    scan_message_free(f->msg);
    scan_worker_free(f->worker);
    scan_engine_free(f->engine);
    scan_policy_free(f->policy);
    free(f);
}

/* Scans `in` in chunks of `chunk` bytes (0 = whole) into `o`. */
static const struct scan_result *
scan(struct fixture *f, struct out *o, const char *in, size_t chunk, bool text)
{
    size_t len = strlen(in);
    const struct scan_result *r = NULL;
    o->len = 0;
    scan_message_begin(f->msg, collect, o, text);
    if (chunk == 0) {
        chunk = len ? len : 1;
    }
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        assert_int_equal(scan_message_feed(f->msg, (const uint8_t *)in + off, n), 0);
    }
    assert_int_equal(scan_message_finish(f->msg, &r), 0);
    return r;
}

static bool
contains(const struct out *o, const char *needle)
{
    return memmem(o->p, o->len, needle, strlen(needle)) != NULL;
}

static const char multipart[] = "From: \"Card 4111 1111 1111 1111\" <alice@example.com>\r\n"
                                "To: bob@example.org\r\n"
                                "Subject: =?UTF-8?B?Q2FyZCA1NTU1IDU1NTUgNTU1NSA0NDQ0?=\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
                                "\r\n"
                                "--b1\r\n"
                                "Content-Type: text/plain; charset=iso-8859-1\r\n"
                                "Content-Transfer-Encoding: quoted-printable\r\n"
                                "\r\n"
                                "Gr=FC=DFe, SSN 536-22-4891, mail carol@example.net=\r\n"
                                " thanks.\r\n"
                                "--b1\r\n"
                                "Content-Type: application/octet-stream\r\n"
                                "Content-Transfer-Encoding: base64\r\n"
                                "\r\n"
                                "AAE0MTExMTExMTExMTExMTExMQ==\r\n"
                                "--b1--\r\n";

/* A long header value is split into several encoded words wherever the
 * writer's line length ran out, digits included, and Python's email package
 * encodes only the words with 8-bit text ("Müller:4111" and then "1111 ..."
 * unencoded): an unstructured field is read as the one text a reader shows,
 * and written again, if redacted, as folded UTF-8 words of at most 45
 * octets, cut between characters. */
static void
test_split_encoded_words(void **state)
{
    (void)state;
    static const char msg[] =
        "From: a@example.com\r\nTo: b@example.org\r\n"
        /* "Card 4111 1111" + " 1111 1111", Q */
        "Subject: =?utf-8?q?Card_4111_1111?=\r\n =?UTF-8?Q?_1111_1111?=\r\n"
        /* "カード ４１１１－１１１１－" + "１１１１－１１１１ です", B, cut inside the number */
        "Comments: =?utf-8?b?44Kr44O844OJIO+8lO+8ke+8ke+8ke+8je+8ke+8ke+8ke+8ke+8jQ==?=\r\n"
        " =?utf-8?b?77yR77yR77yR77yR77yN77yR77yR77yR77yRIOOBp+OBmQ==?=\r\n"
        /* an encoded word, then the rest of the number unencoded */
        "Thread-Topic: =?utf-8?q?M=C3=BCller=3A4111?= 1111 1111 1111 ok\r\n"
        /* "ご注文の確認：お客様のカード番号は 4111 1111 1111 1111 です。よろしくお願いいたします。"
         */
        "Summary: =?utf-8?b?44GU5rOo5paH44Gu56K66KqN77ya44GK5a6i5qeY44Gu44Kr44O844OJ55Wq5Y+344Gv"
        "IDQxMTEgMTExMSAxMTExIDExMTEg44Gn44GZ44CC44KI44KN44GX44GP44GK6aGY44GE44GE44Gf44GX44G+"
        "44GZ44CC?=\r\n"
        /* nothing to redact: left as it was */
        "Keywords: =?utf-8?q?ref_4111?= x =?utf-8?q?1111_1111_1111?=\r\n"
        "\r\nhi\r\n";
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    const struct scan_result *r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->n_defects, 0);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 4);
    /* "Card **** **** **** 1111" */
    assert_true(contains(o, "Subject: =?UTF-8?B?Q2FyZCAqKioqICoqKiogKioqKiAxMTEx?=\r\n"));
    /* "カード ***************１１１１ です" */
    assert_true(contains(
        o,
        "Comments: =?UTF-8?B?44Kr44O844OJICoqKioqKioqKioqKioqKu+8ke+8ke+8ke+8kSDjgafjgZk=?=\r\n"));
    /* "Müller:**** **** **** 1111 ok" */
    assert_true(
        contains(o, "Thread-Topic: =?UTF-8?B?TcO8bGxlcjoqKioqICoqKiogKioqKiAxMTExIG9r?=\r\n"));
    assert_true(contains(
        o, "Summary: =?UTF-8?B?44GU5rOo5paH44Gu56K66KqN77ya44GK5a6i5qeY44Gu44Kr44O844OJ55Wq?=\r\n"
           " =?UTF-8?B?5Y+344GvICoqKiogKioqKiAqKioqIDExMTEg44Gn44GZ44CC44KI44KN44GX?=\r\n"
           " =?UTF-8?B?44GP44GK6aGY44GE44GE44Gf44GX44G+44GZ44CC?=\r\n"));
    assert_true(contains(o, "Keywords: =?utf-8?q?ref_4111?= x =?utf-8?q?1111_1111_1111?=\r\n"));
    free(o);
    fixture_free(f);
}

static void
test_chunking_does_not_change_the_result(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct out *whole = malloc(sizeof(*whole));
    struct out *split = malloc(sizeof(*split));
    const struct scan_result *r = scan(f, whole, multipart, 0, false);
    size_t n_records = r->n_records;
    assert_int_equal(n_records, 4); /* display-name card, Subject card, SSN, e-mail */
    const size_t chunks[] = {1, 2, 3, 7, 64, 1000};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        r = scan(f, split, multipart, chunks[i], false);
        assert_int_equal(r->n_records, n_records);
        assert_int_equal(split->len, whole->len);
        assert_memory_equal(split->p, whole->p, whole->len);
    }
    free(whole);
    free(split);
    fixture_free(f);
}

static void
test_headers_and_encodings(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    const struct scan_result *r = scan(f, o, multipart, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    /* Display name redacted, address kept: addresses are the envelope's. */
    assert_true(contains(o, "\"Card **** **** **** 1111\" <alice@example.com>"));
    assert_true(contains(o, "To: bob@example.org\r\n"));
    /* The Subject stays a B-encoded word: "Card **** **** **** 4444". */
    assert_true(contains(o, "=?UTF-8?B?Q2FyZCAqKioqICoqKiogKioqKiA0NDQ0?="));
    /* QP part re-encoded in QP with its Latin-1 bytes kept. */
    assert_true(contains(o, "Gr=FC=DFe, SSN ***-**-****, mail *****@*******.***"));
    /* Binary part: not text, passed through byte for byte. */
    assert_true(contains(o, "AAE0MTExMTExMTExMTExMTExMQ==\r\n--b1--"));
    assert_false(r->parts[1].scanned);
    assert_int_equal(r->n_defects, 0);
    free(o);
    fixture_free(f);
}

/* Every header field is scanned but those machines match or parse: a card
 * in an X- field or Content-Description is shown by some reader; addresses
 * outside the address fields route mail, identifiers thread it. */
static void
test_other_header_fields(void **state)
{
    (void)state;
    static const char msg[] = "From: a@example.com\r\nTo: b@example.org\r\n"
                              "X-Original-To: carol@example.net\r\n"
                              "X-Card: 4111 1111 1111 1111\r\n"
                              "Content-Description: IBAN GB82 WEST 1234 5698 7654 32\r\n"
                              "X-Note: =?utf-8?q?Karte=3A_4111?= 1111 1111 1111\r\n"
                              "Message-ID: <4111-1111-1111-1111@example.com>\r\n"
                              "Subject: x\r\n\r\nhi\r\n";
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    const struct scan_result *r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 2);
    assert_int_equal(r->counts[SCAN_T_IBAN], 1);
    assert_int_equal(r->counts[SCAN_T_EMAIL], 0);
    assert_true(contains(o, "X-Original-To: carol@example.net\r\n"));
    assert_true(contains(o, "X-Card: **** **** **** 1111\r\n"));
    assert_true(contains(o, "Content-Description: IBAN **** **** **** **** **** **\r\n"));
    /* "Karte: **** **** **** 1111" */
    assert_true(contains(o, "X-Note: =?UTF-8?B?S2FydGU6ICoqKiogKioqKiAqKioqIDExMTE=?=\r\n"));
    assert_true(contains(o, "Message-ID: <4111-1111-1111-1111@example.com>\r\n"));
    assert_int_equal(r->n_defects, 0);
    /* After a line that is no field, readers show the rest as body text. */
    static const char stray[] = "From: a@example.com\r\nSubject: x\r\n"
                                "Junk 4111 1111 1111 1111 line\r\n"
                                "Received: SSN 536-22-8471 from carol@example.net\r\n\r\nhi\r\n";
    r = scan(f, o, stray, 0, false);
    assert_int_equal(r->n_defects, 1);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
    assert_int_equal(r->counts[SCAN_T_US_SSN], 1);
    assert_true(contains(o, "Junk **** **** **** 1111 line\r\n"));
    assert_true(contains(o, "Received: SSN ***-**-**** from carol@example.net\r\n"));
    /* a continuation of no field; an mbox "From " line is not one */
    r = scan(f, o, " 4111 1111 1111 1111\r\nSubject: x\r\n\r\nhi\r\n", 0, false);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
    r = scan(f, o, "From a@example.com Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n\r\nhi\r\n", 0,
             false);
    assert_int_equal(r->n_defects, 0);
    free(o);
    fixture_free(f);
}

/* Every reader shows an attachment's file name: its findings are redacted
 * where they are written (quoted, token, encoded words); a boundary is not
 * a name. A name only whole once RFC 2231 sections are joined or escapes
 * decoded is written again, redacted, as extended sections in its own
 * charset (the plain form of it goes). */
static void
test_file_names(void **state)
{
    (void)state;
    static const char fmt[] = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
                              "Content-Type: multipart/mixed; boundary=\"4111111111111111\"\r\n\r\n"
                              "--4111111111111111\r\n%s\r\n\r\nAAEC\r\n--4111111111111111--\r\n";
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    char msg[1024];
    snprintf(msg, sizeof(msg), fmt,
             "Content-Type: application/octet-stream; name=\"card 4111 1111 1111 1111.bin\"\r\n"
             "Content-Disposition: attachment;\r\n filename=\"=?UTF-8?Q?Karte_4111_1111_1111_1111"
             ".bin?=\"\r\nContent-Transfer-Encoding: base64");
    const struct scan_result *r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 2);
    assert_true(contains(o, "name=\"card **** **** **** 1111.bin\"\r\n"));
    assert_true(contains(o, "boundary=\"4111111111111111\"\r\n"));
    assert_true(contains(o, "\r\n--4111111111111111\r\n"));
    assert_false(contains(o, "4111_1111"));
    snprintf(msg, sizeof(msg), fmt,
             "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;"
             " filename*=utf-8''card%204111%201111%201111%201111.txt");
    r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_true(contains(o, "Content-Disposition: attachment;\r\n filename*0*=utf-8''card%20%2A"
                            "%2A%2A%2A%20%2A%2A%2A%2A%20%2A%2A%2A%2A%201111.txt\r\n"));
    snprintf(msg, sizeof(msg), fmt,
             "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;"
             " filename=\"x.txt\";\r\n filename*0*=iso-8859-1''%DCberweisung%204111%20;"
             " filename*1=\"1111 1111 1111 f\xfcr den Zeitraum vom ersten Januar bis heute.txt\";"
             " size=4");
    r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
    /* the plain form went, the charset stayed, long names take sections */
    assert_true(contains(o, "attachment; size=4;\r\n filename*0*=iso-8859-1''%DCberweisung%20%2A"));
    assert_true(contains(o, "\r\n filename*1*=") && contains(o, "%FCr%20den"));
    assert_false(contains(o, "x.txt") || contains(o, "4111%20"));
    snprintf(msg, sizeof(msg), fmt, "Content-Type: text/plain; name=\"report 2024 Q3.txt\"");
    r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->n_defects, 0);
    free(o);
    fixture_free(f);
}

/* iCalendar and vCard readers unfold lines folded every 75 octets (a line
 * break and one space): a card folded in two is one to them. The folds stay
 * where they are in the output; an invitation's own addresses (organizer,
 * attendees, identifiers) are not text to redact. */
static void
test_folded_calendar_text(void **state)
{
    (void)state;
    static const char msg[] =
        "From: a@example.com\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b1\r\n\r\n"
        "--b1\r\nContent-Type: text/calendar; charset=utf-8\r\n\r\n"
        "BEGIN:VEVENT\r\nUID:20261207T101500Z-42@example.com\r\n"
        "ORGANIZER;CN=Ann Lee:mailto:ann@example.com\r\n"
        "DESCRIPTION:card 4111 1111 11\r\n 11 1111 ok, ask bob@example.org\r\n"
        "ATTENDEE;CN=Bob Stone;ROLE=REQ-PARTICIPANT:mailto:bob@ex\r\n ample.org\r\n"
        "END:VEVENT\r\n"
        "--b1\r\nContent-Type: application/octet-stream; name=ann.vcf\r\n\r\n"
        "BEGIN:VCARD\r\nNOTE:IBAN GB82 WEST 1234 56\r\n\t98 7654 32\r\n"
        "END:VCARD\r\n"
        "--b1\r\nContent-Type: text/plain\r\n\r\n"
        "not folded: 4111 1111 11\r\n 11 1111\r\n"
        "--b1--\r\n";
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    const struct scan_result *r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
    assert_int_equal(r->counts[SCAN_T_IBAN], 1);
    assert_int_equal(r->counts[SCAN_T_EMAIL], 1); /* in the text, not the invitation's own */
    assert_true(
        contains(o, "DESCRIPTION:card **** **** **\r\n ** 1111 ok, ask ***@*******.***\r\n"));
    assert_true(contains(o, "UID:20261207T101500Z-42@example.com\r\n"));
    assert_true(contains(o, "ORGANIZER;CN=Ann Lee:mailto:ann@example.com\r\n"));
    assert_true(contains(o, ":mailto:bob@ex\r\n ample.org\r\n"));
    assert_true(contains(o, "NOTE:IBAN **** **** **** **\r\n\t** **** **\r\n"));
    assert_true(contains(o, "not folded: 4111 1111 11\r\n 11 1111\r\n"));
    free(o);
    fixture_free(f);
}

/* UTF-16 text (Windows "Unicode text" files): scanned and redacted as text,
 * written back in the part's own byte order; text that says it is UTF-16
 * and is not cannot be proven clean. */
static void
test_utf16_parts(void **state)
{
    (void)state;
    static const char head[] = "From: a@example.com\r\nTo: b@example.org\r\nMIME-Version: 1.0\r\n"
                               "Content-Type: multipart/mixed; boundary=b1\r\n\r\n";
    static const char msg_fmt[] =
        "%s--b1\r\n"
        "Content-Type: text/plain; charset=utf-16\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        /* FF FE "Karte 4111 1111 1111 1111 bitte\r\n" */
        "//"
        "5LAGEAcgB0AGUAIAA0ADEAMQAxACAAMQAxADEAMQAgADEAMQAxADEAIAAxADEAMQAxACAAYgBpAHQAdABlAA0ACgA="
        "\r\n"
        "--b1\r\n"
        "Content-Type: application/octet-stream; name=cards.txt\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        /* FE FF "John\t5555555555554444\r\n" */
        "/v8ASgBvAGgAbgAJADUANQA1ADUANQA1ADUANQA1ADUANQA1ADQANAA0ADQADQAK\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=utf-16be\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        /* "John\t5555555555554444\r\n", no BOM */
        "AEoAbwBoAG4ACQA1ADUANQA1ADUANQA1ADUANQA1ADUANQA0ADQANAA0AA0ACg==\r\n"
        "--b1--\r\n";
    char msg[2048];
    snprintf(msg, sizeof(msg), msg_fmt, head);
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    const struct scan_result *r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->n_defects, 0);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 3);
    /* FF FE "Karte **** **** **** 1111 bitte\r\n", at the 76 columns base64
     * allows (the input line had 92) */
    assert_true(contains(o, "//"
                            "5LAGEAcgB0AGUAIAAqACoAKgAqACAAKgAqACoAKgAgACoAKgAqACoAIAAxADEAMQAxACAA"
                            "YgBp\r\nAHQAdABlAA0ACgA="));
    /* FE FF "John\t************4444\r\n" */
    assert_true(contains(o, "/v8ASgBvAGgAbgAJACoAKgAqACoAKgAqACoAKgAqACoAKgAqADQANAA0ADQADQAK"));
    assert_true(contains(o, "AEoAbwBoAG4ACQAqACoAKgAqACoAKgAqACoAKgAqACoAKgA0ADQANAA0AA0ACg=="));

    /* an unpaired surrogate: "x 4111 1111 1111 1111" D800 */
    snprintf(msg, sizeof(msg),
             "%s--b1\r\nContent-Type: text/plain; charset=utf-16le\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n"
             "eAAgADQAMQAxADEAIAAxADEAMQAxACAAMQAxADEAMQAgADEAMQAxADEAANg=\r\n--b1--\r\n",
             head);
    r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_TEMPFAIL);
    bool said = false;
    for (size_t i = 0; i < r->n_defects; i++) {
        said = said || strstr(r->defects[i].reason, "invalid UTF-16") != NULL;
    }
    assert_true(said);

    /* a UTF-16 mark before 8-bit text: read as UTF-16 it is CJK, read as
     * octets it holds a card, so it cannot be cleaned for every reader */
    snprintf(msg, sizeof(msg),
             "%s--b1\r\nContent-Type: text/plain\r\n\r\n"
             "\xFF\xFE"
             "Card 4111 1111 1111 1111 please.\r\n--b1--\r\n",
             head);
    r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_TEMPFAIL);

    /* 8-bit text under a UTF-16 label (no zero octet) is scanned as it is:
     * read as UTF-16 its card would be CJK characters */
    snprintf(msg, sizeof(msg),
             "%s--b1\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n"
             "Card 4111 1111 1111 1111 please.\r\n--b1--\r\n",
             head);
    r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
    assert_true(contains(o, "Card **** **** **** 1111 please."));
    free(o);
    fixture_free(f);
}

static void
test_text_mode_offsets(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    const char *in = "card 4012888888881881 and IBAN GB29 NWBK 6016 1331 9268 19 end";
    const struct scan_result *r = scan(f, o, in, 5, true);
    assert_int_equal(r->n_records, 2);
    assert_int_equal(r->records[0].type, SCAN_T_CREDIT_CARD);
    assert_int_equal(r->records[0].start, 5);
    assert_int_equal(r->records[0].end, 21);
    assert_int_equal(r->records[1].type, SCAN_T_IBAN);
    assert_int_equal(r->records[1].start, 31);
    assert_int_equal(o->len, strlen(in));
    assert_memory_equal(o->p, "card ************1881 and IBAN **** **** **** **** **** ** end",
                        o->len);
    free(o);
    fixture_free(f);
}

static void
test_strength_before_context(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    /* A valid card is a finding after "order", inside a URL, and plain. */
    const char *in = "order 4111111111111111 see https://x.example/p/4111111111111111 "
                     "and 4111111111111111.";
    const struct scan_result *r = scan(f, o, in, 0, true);
    assert_int_equal(r->n_records, 3);
    assert_int_equal(r->records[0].start, 6);
    assert_int_equal(r->records[1].start, 47);
    assert_int_equal(r->records[2].start, 68);
    /* A weak form (nine bare digits) needs a keyword nearer than any
     * negative word, in the same sentence. */
    r = scan(f, o, "SSN 536224891 please", 0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o, "About my SSN: ticket 536224891 is open", 0, true);
    assert_int_equal(r->n_records, 0);
    r = scan(f, o, "Ticket closed. My SSN is 536224891", 0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o, "My SSN.\n\n536224891", 0, true);
    assert_int_equal(r->n_records, 0); /* not across a paragraph */
    r = scan(f, o, "SSN 078-05-1121\n536224891", 0, true);
    assert_int_equal(r->n_records, 1); /* a line ending in a number ends its reach */
    /* ... and is demoted inside a URL. */
    r = scan(f, o, "SSN at https://x.example/p/536224891", 0, true);
    assert_int_equal(r->n_records, 0);
    /* Bare digit runs glued to letters are not cards. */
    r = scan(f, o, "ref x4111111111111111y", 0, true);
    assert_int_equal(r->n_records, 0);
    /* When the keyword names the other reading of the digits, that one is the
     * finding: a 12-digit card without a card word, but a fax number. */
    r = scan(f, o, "Fax: 5018 0000 0009", 0, true);
    assert_int_equal(r->n_records, 1);
    assert_int_equal(r->records[0].type, SCAN_T_PHONE);
    r = scan(f, o, "Card: 5018 0000 0009", 0, true);
    assert_int_equal(r->n_records, 1);
    assert_int_equal(r->records[0].type, SCAN_T_CREDIT_CARD);
    /* The keyword phrase "Taxpayer ID" holds the negative word "ID": it
     * names a spaced SSN; "ID" alone still demotes one. */
    r = scan(f, o, "Taxpayer ID 412 67 9032", 0, true);
    assert_int_equal(r->n_records, 1);
    assert_int_equal(r->records[0].type, SCAN_T_US_SSN);
    r = scan(f, o, "ID 412 67 9032", 0, true);
    assert_int_equal(r->n_records, 0);
    /* A bare SSN named in another language. */
    r = scan(f, o, "N\xc3\xbamero de Seguro Social: 536221847", 0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o, "Sozialversicherungsnummer (USA): 536221847", 0, true);
    assert_int_equal(r->n_records, 1);
    /* Directional marks around and inside numbers in right-to-left mail
     * (U+200F RLM, U+200E LRM), and typographic spaces between groups. */
    r = scan(f, o,
             "\xd7\x9b\xd7\xa8\xd7\x98\xd7\x99\xd7\xa1: \xe2\x80\x8f"
             "4111 \xe2\x80\x8f"
             "1111 \xe2\x80\x8f"
             "1111 \xe2\x80\x8f"
             "1111\xe2\x80\x8f",
             0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o, "IBAN GB82\xe2\x80\x8eWEST\xe2\x80\x8e 1234 5698 7654 32", 0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o,
             "SSN 536\xe2\x80\x82"
             "22\xe2\x80\x82"
             "8471",
             0, true);
    assert_int_equal(r->n_records, 1);
    /* ... as Americans say it (builtin-default-9) */
    r = scan(f, o, "my social is 536221847", 0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o, "Capital social: 312456789 EUR", 0, true); /* a company's capital */
    assert_int_equal(r->n_records, 0);
    r = scan(f, o, "soc. sec. no. 536221847", 0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o, "capital sociale 536221847", 0, true); /* no keyword */
    assert_int_equal(r->n_records, 0);
    /* a weak (12-digit) card named by a compound or Nordic card word */
    r = scan(f, o, "kaartnummer: 675939825971", 0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o, "Girokarte: 675939825971", 0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o, "kortnummer 675939825971", 0, true);
    assert_int_equal(r->n_records, 1);
    r = scan(f, o, "Bestellung 675939825971", 0, true); /* no keyword */
    assert_int_equal(r->n_records, 0);
    /* A part number is no phone number, whatever keyword came before. */
    r = scan(f, o, "tel. +1 592 808 8440 Product P/N 5289-4657-62 is back", 0, true);
    assert_int_equal(r->n_records, 1);
    assert_int_equal(r->records[0].end, 20);
    free(o);
    fixture_free(f);
}

static void
test_policy_actions_and_thresholds(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(
        "{\"version\": \"t1\", \"detectors\": {"
        "\"US_SSN\": {\"action\": \"block\", \"threshold\": 2},"
        "\"EMAIL\": {\"action\": \"tag\"}},"
        "\"lexicons\": [{\"name\": \"codes\", \"action\": \"quarantine\", \"threshold\": 10,"
        "\"entries\": [{\"word\": \"falcon\", \"weight\": 5}, {\"regex\": \"prj-[0-9]{4}\", "
        "\"weight\": 6}]}]}");
    struct out *o = malloc(sizeof(*o));
    const struct scan_result *r = scan(f, o, "SSN 536-22-4891 only once", 0, true);
    assert_int_equal(r->verdict, SCAN_V_DELIVER); /* below the threshold of 2 */
    r = scan(f, o, "SSN 536-22-4891 and SSN 536-22-4892", 0, true);
    assert_int_equal(r->verdict, SCAN_V_BLOCK);
    r = scan(f, o, "mail me at a.b@example.com", 0, true);
    assert_true(r->tagged);
    assert_non_null(strstr(r->tag_header, "X-Redline-Tag: EMAIL; policy=t1"));
    assert_true(contains(o, "a.b@example.com")); /* tag does not redact */
    r = scan(f, o, "Falcon is not prj-1234 FALCONS", 0, true);
    assert_int_equal(r->counts[SCAN_T_LEXICON], 2); /* whole words only: not FALCONS */
    assert_int_equal(r->verdict, SCAN_V_QUARANTINE);
    r = scan(f, o, "falcon alone", 0, true);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    free(o);
    fixture_free(f);
}

static void
test_lexicon_in_latin1_part(void **state)
{
    (void)state;
    struct fixture *f = fixture_new("{\"version\": \"t2\", \"lexicons\": [{\"name\": \"names\","
                                    "\"action\": \"redact\", \"entries\": [{\"word\": "
                                    "\"m\\u00fcller\"}]}]}");
    struct out *o = malloc(sizeof(*o));
    const struct scan_result *r =
        scan(f, o,
             "Content-Type: text/plain; charset=iso-8859-1\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n\r\nHerr M=FCller kommt.\r\n",
             0, false);
    assert_int_equal(r->counts[SCAN_T_LEXICON], 1);
    assert_int_equal(r->records[0].start, 5); /* offsets into the Latin-1 bytes */
    assert_int_equal(r->records[0].end, 11);
    assert_true(contains(o, "Herr ****** kommt."));
    free(o);
    fixture_free(f);
}

static void
test_defects_tag_and_still_scan(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    const struct scan_result *r =
        scan(f, o,
             "Content-Type: multipart/mixed; boundary=zz\n\n--zz\n"
             "Content-Transfer-Encoding: base64\n\nY2FyZCA0MTExMTExMTExMTExMTEx!!\n",
             0, false);
    assert_true(r->n_defects >= 2); /* bad base64, unclosed multipart */
    assert_true(r->tagged);
    assert_non_null(strstr(r->tag_header, "defects"));
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    free(o);
    fixture_free(f);
}

static void
test_eight_bit_headers(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    /* UTF-8 in a header is fine (RFC 6532); Latin-1 bytes are a defect. */
    const struct scan_result *r = scan(f, o,
                                       "Subject: Gr\xc3\xbc\xc3\x9f"
                                       "e\n\nx\n",
                                       0, false);
    assert_int_equal(r->n_defects, 0);
    r = scan(f, o,
             "Subject: Gr\xfc\xdf"
             "e 4111 1111 1111 1111\n\nx\n",
             0, false);
    assert_int_equal(r->n_defects, 1);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1); /* still scanned */
    assert_true(contains(o, "Gr\xfc\xdf"
                            "e **** **** **** 1111"));
    free(o);
    fixture_free(f);
}

static void
test_size_limit(void **state)
{
    (void)state;
    struct fixture *f =
        fixture_new("{\"version\": \"t3\", \"limits\": {\"max_message_bytes\": 1024}}");
    struct out *o = malloc(sizeof(*o));
    char big[1100];
    memset(big, 'a', sizeof(big));
    scan_message_begin(f->msg, collect, o, false);
    assert_int_equal(scan_message_feed(f->msg, (const uint8_t *)big, 1000), 0);
    assert_int_equal(scan_message_feed(f->msg, (const uint8_t *)big, 100), RL_ELIMIT);
    assert_int_equal(scan_message_feed(f->msg, (const uint8_t *)big, 1), RL_ELIMIT);
    const struct scan_result *r;
    assert_int_equal(scan_message_finish(f->msg, &r), RL_ELIMIT);
    free(o);
    fixture_free(f);
}

static void
test_unmodified_message_is_byte_identical(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    const char *in = "Subject: lunch at 12:30\n\nRoom 4.0.2, 2026-11-24, ticket 1234567890123\n";
    const struct scan_result *r = scan(f, o, in, 3, false);
    assert_false(r->modified);
    assert_int_equal(r->n_records, 0);
    assert_int_equal(o->len, strlen(in));
    assert_memory_equal(o->p, in, o->len);
    free(o);
    fixture_free(f);
}

static void
test_findings_split_by_encoding_line_breaks(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    /* A card split by a QP soft line break, and one split across base64
     * lines ("card 4111 1111 1111 1111 ok\n" encoded with 8-char lines). */
    const struct scan_result *r =
        scan(f, o,
             "Content-Type: multipart/mixed; boundary=s\n\n--s\n"
             "Content-Transfer-Encoding: quoted-printable\n\ncard 4111 11=\n11 1111 1111 ok\n"
             "--s\nContent-Transfer-Encoding: base64\n\n"
             "Y2FyZCA0\nMTExIDEx\nMTEgMTEx\nMSAxMTEx\nIG9rCg==\n--s--\n",
             0, false);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 2);
    assert_int_equal(r->n_defects, 0);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    /* Base64 keeps the original 8-character lines. */
    assert_true(contains(o, "Y2FyZCAq\nKioqICoq\n"));
    free(o);
    fixture_free(f);
}

static void
test_nul_bytes_in_text_part(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    static const char in[] = "Subject: x\n\nbefore\0after 4111 1111 1111 1111\n";
    o->len = 0;
    scan_message_begin(f->msg, collect, o, false);
    assert_int_equal(scan_message_feed(f->msg, (const uint8_t *)in, sizeof(in) - 1), 0);
    const struct scan_result *r;
    assert_int_equal(scan_message_finish(f->msg, &r), 0);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
    assert_int_equal(r->n_defects, 1); /* the NUL, reported */
    assert_int_equal(o->len, sizeof(in) - 1);
    assert_memory_equal(o->p, "Subject: x\n\nbefore\0after **** **** **** 1111\n", o->len);
    free(o);
    fixture_free(f);
}

/* Scans a message whose second part is `text` in base64 (lines of `line`
 * characters ended by `eol`, then `after`), and returns the part's body as
 * written out in `body` (NUL-terminated). */
static void
scan_b64_part(struct fixture *f, char *body, size_t cap, const char *text, size_t line,
              const char *eol, const char *after)
{
    size_t tl = strlen(text);
    size_t el = mime_b64_encode_cap(tl, line, strlen(eol));
    char *in = malloc(el + 512);
    struct out *o = malloc(sizeof(*o));
    assert_true(in != NULL && o != NULL);
    int h = snprintf(in, 512,
                     "Content-Type: multipart/mixed; boundary=b%s%s--b%s"
                     "Content-Type: text/plain%sContent-Transfer-Encoding: base64%s%s",
                     eol, eol, eol, eol, eol, eol);
    size_t n = 0;
    mime_b64_encode((uint8_t *)in + h, &n, (const uint8_t *)text, tl, line, eol);
    snprintf(in + h + n, 512, "%s--b--%s", after, eol);
    const struct scan_result *r = scan(f, o, in, 1000, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->n_defects, 0);
    assert_true(r->modified);
    const uint8_t *b = memmem(o->p, o->len, "base64", 6);
    assert_non_null(b);
    b += 6 + 2 * strlen(eol);
    const uint8_t *end = memmem(b, o->len - (size_t)(b - o->p), "--b--", 5);
    assert_non_null(end);
    assert_true((size_t)(end - b) < cap);
    memcpy(body, b, (size_t)(end - b));
    body[end - b] = '\0';
    free(o);
    free(in);
}

static void
test_base64_rewrites_only_changed_lines(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    char text[2400];
    char want[2400];
    size_t len = 0;
    for (unsigned i = 0; len < 2000; i++) {
        len +=
            (size_t)snprintf(text + len, sizeof(text) - len, "line %u of the report, fine.\n", i);
        if (i == 20) {
            len += (size_t)snprintf(text + len, sizeof(text) - len,
                                    "pay with card 4111 1111 1111 1111 today\n");
        }
    }
    len += (size_t)snprintf(text + len, sizeof(text) - len, "mail bob@example.org bye\n");
    memcpy(want, text, len + 1);
    memcpy(strstr(want, "4111 1111 1111 1111"), "**** **** **** 1111", 19);
    memcpy(strstr(want, "bob@example.org"), "***@*******.***", 15);
    static const struct {
        size_t line;
        const char *eol;
        const char *after; /* after the last line: "" is the canonical form */
    } shapes[] = {{76, "\r\n", ""}, {64, "\n", ""}, {76, "\r\n", "\r\n"}, {8, "\n", "\n"}};
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        char body[4000];
        scan_b64_part(f, body, sizeof(body), text, shapes[k].line, shapes[k].eol, shapes[k].after);
        /* What the encoder writes for the redacted text, byte for byte. */
        uint8_t enc[4000];
        size_t el = 0;
        mime_b64_encode(enc, &el, (const uint8_t *)want, len, shapes[k].line, shapes[k].eol);
        assert_int_equal(strlen(body), el);
        assert_memory_equal(body, enc, el);
        /* Only the lines holding the two redactions differ from the input. */
        uint8_t orig[4000];
        size_t ol = 0;
        mime_b64_encode(orig, &ol, (const uint8_t *)text, len, shapes[k].line, shapes[k].eol);
        size_t stride = shapes[k].line + strlen(shapes[k].eol);
        size_t changed = 0;
        for (size_t i = 0; i < ol; i += stride) {
            changed += memcmp(orig + i, enc + i, ol - i < stride ? ol - i : stride) != 0;
        }
        assert_true(changed >= 2 && changed <= 4 + 36 / shapes[k].line * 4);
    }
    fixture_free(f);
}

static int
setup(void **state)
{
    (void)state;
    return mime_charset_init();
}

/* Some readers show a multipart's preamble and epilogue: they are scanned
 * and redacted like a text part, at every chunking. */
static void
test_preamble_and_epilogue_redacted(void **state)
{
    (void)state;
    static const char msg[] = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
                              "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
                              "card 4111 1111 1111 1111\r\n"
                              "--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n"
                              "IBAN GB82 WEST 1234 5698 7654 32\r\n";
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    for (size_t chunk = 0; chunk < 40; chunk += 7) {
        const struct scan_result *r = scan(f, o, msg, chunk, false);
        assert_int_equal(r->verdict, SCAN_V_DELIVER);
        assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
        assert_int_equal(r->counts[SCAN_T_IBAN], 1);
        assert_true(r->modified);
        assert_true(contains(o, "\r\n\r\ncard **** **** **** 1111\r\n--XX\r\n"));
        assert_true(contains(o, "--XX--\r\nIBAN **** **** **** **** **** **\r\n"));
        assert_int_equal(o->len, sizeof(msg) - 1);
    }
    free(o);
    fixture_free(f);
}

/* A reader that takes the last of two Content-Transfer-Encoding fields would
 * decode base64 the gateway read as 7bit text: the second goes, so every
 * reader decodes what was scanned, and the defect is reported. */
static void
test_repeated_structural_fields_removed(void **state)
{
    (void)state;
    static const char msg[] = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
                              "Content-Type: text/plain\r\n"
                              "Content-Transfer-Encoding: 7bit\r\n"
                              "X-Note: kept\r\n"
                              "content-transfer-encoding : base64\r\n"
                              "Content-Type: application/pdf\r\n"
                              "\r\nNDExMSAxMTExIDExMTEgMTExMQ==\r\n";
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    const struct scan_result *r = scan(f, o, msg, 5, false);
    assert_int_equal(r->n_defects, 2); /* one for each field removed */
    assert_non_null(strstr(r->defects[0].reason, "repeated Content-Type"));
    assert_non_null(strstr(r->defects[1].reason, "repeated Content-Type"));
    assert_true(r->modified);
    static const char want[] = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
                               "Content-Type: text/plain\r\n"
                               "Content-Transfer-Encoding: 7bit\r\n"
                               "X-Note: kept\r\n"
                               "\r\nNDExMSAxMTExIDExMTEgMTExMQ==\r\n";
    assert_int_equal(o->len, sizeof(want) - 1);
    assert_memory_equal(o->p, want, sizeof(want) - 1);
    free(o);
    fixture_free(f);
}

/* RTF: a card spelled out in its bytes is masked there and the file goes
 * on; one whose groups are joined by RTF's no-break space (\~) or whose
 * digits are escaped is seen only in the text view, cannot be masked through
 * the markup, and holds the message (the default documents.on_unreadable). */
static void
test_rtf_markup_hiding_a_card_holds(void **state)
{
    (void)state;
    static const char head[] = "From: a@example.com\r\nMIME-Version: 1.0\r\n"
                               "Content-Type: application/rtf; name=\"a.rtf\"\r\n\r\n";
    static const char plain[] = "{\\rtf1\\ansi card 4111 1111 1111 1111\\par}\r\n";
    static const char *const hidden[] = {
        "{\\rtf1\\ansi card 4111\\~1111\\~1111\\~1111\\par}\r\n",
        "{\\rtf1\\ansi card \\'34111 1111 1111 1111\\par}\r\n",
        "{\\rtf1\\ansi card 4111 {\\b 1111} 1111 1111\\par}\r\n",
    };
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    char msg[512];
    snprintf(msg, sizeof(msg), "%s%s", head, plain);
    const struct scan_result *r = scan(f, o, msg, 0, false);
    assert_int_equal(r->verdict, SCAN_V_DELIVER);
    assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
    assert_true(contains(o, "card **** **** **** 1111"));
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
        snprintf(msg, sizeof(msg), "%s%s", head, hidden[i]);
        r = scan(f, o, msg, 0, false);
        assert_int_equal(r->verdict, SCAN_V_QUARANTINE);
        assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
        assert_int_equal(r->n_actions, 1);
        assert_string_equal(r->actions[0].action, "unredactable");
    }
    free(o);
    fixture_free(f);
}

/* format=flowed (RFC 3676): readers join a line ending in a space to the
 * next (its quote marks and space-stuffing dropped) and, with delsp=yes,
 * drop that space too, so a card cut there is whole to them; a signature
 * separator and a change of quote depth still break the line. */
static void
test_flowed_text_read_joined(void **state)
{
    (void)state;
    static const struct {
        const char *params, *body, *want;
        unsigned cards;
    } cases[] = {
        {"; delsp=yes", "card 4111 1111 11 \r\n11 1111 ok\r\n",
         "card **** **** ** \r\n** 1111 ok\r\n", 1},
        {"; DelSp=Yes", "> card 41111111 \r\n> 11111111 ok\r\n",
         "> card ******** \r\n> ****1111 ok\r\n", 1},
        {"", ">> card 4111 1111 \r\n>> 1111 1111 ok\r\n",
         ">> card **** **** \r\n>> **** 1111 ok\r\n", 1},
        /* what a reader shows: "card 4111 1111 11 11 1111" */
        {"", "card 4111 1111 11 \r\n11 1111 ok\r\n", "card 4111 1111 11 \r\n11 1111 ok\r\n", 0},
        {"; delsp=yes", "> card 4111 1111 11 \r\n11 1111 ok\r\n",
         "> card 4111 1111 11 \r\n11 1111 ok\r\n", 0},
    };
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "From: a@example.com\r\nMIME-Version: 1.0\r\n"
                 "Content-Type: text/plain; format=flowed%s\r\n\r\n%s",
                 cases[i].params, cases[i].body);
        const struct scan_result *r = scan(f, o, msg, 0, false);
        assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], cases[i].cards);
        assert_true(contains(o, cases[i].want));
    }
    free(o);
    fixture_free(f);
}

/* A bounce's copy of the returned message's header (text/rfc822-headers) is
 * read field by field: its Subject is text, while a Message-ID and a
 * boundary of 19 digits (Python's email package writes them so, and this
 * one is Luhn-valid in a Maestro range) are no card. */
static void
test_returned_headers_read_as_fields(void **state)
{
    (void)state;
    static const char msg[] =
        "From: MAILER-DAEMON@example.com\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n\r\n"
        "--B1\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
        "--B1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: app@example.com\r\nSubject: Your card 4111 1111 1111 1111\r\n"
        "Message-ID: <5082513832886728665@app.example.com>\r\n"
        "Content-Type: multipart/mixed; boundary=\"===============5082513832886728665==\"\r\n"
        "\r\n--B1--\r\n";
    struct fixture *f = fixture_new(NULL);
    struct out *o = malloc(sizeof(*o));
    for (size_t chunk = 0; chunk < 30; chunk += 11) {
        const struct scan_result *r = scan(f, o, msg, chunk, false);
        assert_int_equal(r->verdict, SCAN_V_DELIVER);
        assert_int_equal(r->n_defects, 0);
        assert_int_equal(r->counts[SCAN_T_CREDIT_CARD], 1);
        assert_true(contains(o, "Subject: Your card **** **** **** 1111\r\n"));
        assert_true(contains(o, "Message-ID: <5082513832886728665@app.example.com>\r\n"));
        assert_true(contains(o, "boundary=\"===============5082513832886728665==\"\r\n"));
    }
    free(o);
    fixture_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunking_does_not_change_the_result),
        cmocka_unit_test(test_headers_and_encodings),
        cmocka_unit_test(test_other_header_fields),
        cmocka_unit_test(test_file_names),
        cmocka_unit_test(test_folded_calendar_text),
        cmocka_unit_test(test_utf16_parts),
        cmocka_unit_test(test_split_encoded_words),
        cmocka_unit_test(test_text_mode_offsets),
        cmocka_unit_test(test_strength_before_context),
        cmocka_unit_test(test_policy_actions_and_thresholds),
        cmocka_unit_test(test_lexicon_in_latin1_part),
        cmocka_unit_test(test_defects_tag_and_still_scan),
        cmocka_unit_test(test_eight_bit_headers),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_unmodified_message_is_byte_identical),
        cmocka_unit_test(test_findings_split_by_encoding_line_breaks),
        cmocka_unit_test(test_nul_bytes_in_text_part),
        cmocka_unit_test(test_base64_rewrites_only_changed_lines),
        cmocka_unit_test(test_preamble_and_epilogue_redacted),
        cmocka_unit_test(test_repeated_structural_fields_removed),
        cmocka_unit_test(test_rtf_markup_hiding_a_card_holds),
        cmocka_unit_test(test_flowed_text_read_joined),
        cmocka_unit_test(test_returned_headers_read_as_fields),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
