/* SPDX-License-Identifier: Apache-2.0 */
/* The HTML sanitiser: what it removes and redacts, what it leaves byte for
 * byte, adversarial and malformed markup, and the DOMPurify XSS corpus read
 * back with libxml2's tree parser. Single-threaded cmocka runner; corpus
 * from $RL_CORPUS (default ../shared/corpus). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "scan_html.h"

struct fx {
    struct scan_policy *policy;
    struct scan_engine *engine;
    struct scan_worker *worker;
    struct scan_html *html;
    struct scan_finding f[4096];
    struct scan_html_opts o;
    struct scan_html_result r;
    char out[1 << 17]; /* the last output, NUL-terminated */
};

static int
detect(void *ctx, const struct scan_finding **out_f, size_t *out_n, const uint8_t *text, size_t len,
       bool utf8)
{
    struct fx *x = ctx;
    (void)utf8;
    *out_f = x->f;
    return scan_detect(x->worker, x->f, sizeof(x->f) / sizeof(x->f[0]), out_n, text, len, 0, len,
                       ~0u);
}

static struct fx *
fx_new(const char *html_section)
{
    char json[512];
    struct rl_diag d;
    struct fx *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    snprintf(json, sizeof(json),
             "{\"version\": \"t\", \"detectors\": {\"CREDIT_CARD\": {\"keep_last\": 4}}%s%s}",
             html_section ? ", \"html\": " : "", html_section ? html_section : "");
    assert_int_equal(scan_policy_parse(&x->policy, &d, json, strlen(json)), 0);
    assert_int_equal(scan_engine_compile(&x->engine, &d, x->policy), 0);
    x->worker = scan_worker_new(x->engine);
    x->html = scan_html_new();
    assert_non_null(x->worker);
    assert_non_null(x->html);
    x->o = (struct scan_html_opts){
        .policy = x->policy, .utf8 = true, .detect = detect, .detect_ctx = x};
    return x;
}

static void
fx_free(struct fx *x)
{
    scan_html_free(x->html);
    scan_worker_free(x->worker);
    scan_engine_free(x->engine);
    scan_policy_free(x->policy);
    free(x);
}

/* Rewrites `in` (len bytes) and returns the output as a string. */
static const char *
rewrite_n(struct fx *x, const char *in, size_t len)
{
    assert_int_equal(scan_html_rewrite(x->html, &x->r, &x->o, (const uint8_t *)in, len), 0);
    assert_true(x->r.out_len < sizeof(x->out));
    memcpy(x->out, x->r.out, x->r.out_len);
    x->out[x->r.out_len] = '\0';
    return x->out;
}

static const char *
rewrite(struct fx *x, const char *in)
{
    return rewrite_n(x, in, strlen(in));
}

static size_t
count_kind(const struct fx *x, enum scan_html_act k)
{
    size_t n = 0;
    for (size_t i = 0; i < x->r.n_actions; i++) {
        n += x->r.actions[i].kind == k;
    }
    return n;
}

/* Both readers of scan_html_verify find nothing left in the last output. */
static void
assert_clean(struct fx *x)
{
    size_t left = 99;
    size_t len = strlen(x->out);
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, x->out, len + 1);
    assert_int_equal(scan_html_verify(x->html, &left, &x->o, (const uint8_t *)copy, len), 0);
    assert_int_equal(left, 0);
    free(copy);
}

/* Rewrites `in`, expects `want` exactly and a clean verification. */
static void
expect(struct fx *x, const char *in, const char *want)
{
    const char *got = rewrite(x, in);
    if (strcmp(got, want) != 0) {
        fail_msg("in:   %s\nwant: %s\ngot:  %s", in, want, got);
    }
    assert_clean(x);
}

/* ---- positive ---- */

static void
test_clean_document_is_byte_identical(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    const char *doc =
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\">\r\n"
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n"
        "<style type=\"text/css\"><!-- p.MsoNormal {margin:0cm; font-family:\"Calibri\"} "
        "--></style>\r\n<!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\" "
        "spidmax=\"1026\" /></xml><![endif]--></head>\r\n"
        "<body lang=EN-GB link=\"#0563C1\" style='word-wrap:break-word'>\r\n"
        "<p class=MsoNormal>Dear Anna,&nbsp;the meeting is at 10:30 in room 4.<o:p></o:p></p>\r\n"
        "<a href=\"https://example.com/a?b=1&amp;c=2\" title=\"Caf&eacute;\">link</a>"
        "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"logo\">"
        "<img src=\"cid:image001.png@01D0\"><table><tr><td>1 &lt; 2 &amp;&amp; x</td></tr>"
        "</table><form-like>not a form</form-like><p>Total 12,50 EUR</p></body></html>\r\n";
    const char *got = rewrite(x, doc);
    assert_false(x->r.changed);
    assert_int_equal(x->r.n_actions, 0);
    assert_int_equal(x->r.n_findings, 0);
    assert_string_equal(got, doc);
    assert_ptr_equal(x->r.out, doc); /* not even copied */
    assert_clean(x);
    fx_free(x);
}

static void
test_redacts_text_and_maps_offsets(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    const char *in = "<p class=\"x\">Card 4111 1111 1111 1111 please</p>";
    expect(x, in, "<p class=\"x\">Card **** **** **** 1111 please</p>");
    assert_int_equal(x->r.n_findings, 1);
    assert_int_equal(x->r.findings[0].type, SCAN_T_CREDIT_CARD);
    assert_int_equal(x->r.findings[0].start, strstr(in, "4111") - in);
    assert_int_equal(x->r.findings[0].end, strstr(in, " please") - in);
    fx_free(x);
}

static void
test_redacts_through_character_references(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    /* Digits and separators spelled as references are what a reader sees:
     * the whole reference-bearing range becomes the masked text. */
    const char *in = "<p>card &#52;111&#32;1111&#x20;1111 111&#49; ok</p>";
    expect(x, in, "<p>card **** **** **** 1111 ok</p>");
    assert_int_equal(x->r.n_findings, 1);
    assert_int_equal(x->r.findings[0].start, strstr(in, "&#52;") - in);
    assert_int_equal(x->r.findings[0].end, strstr(in, " ok") - in);
    /* An address spelled with &commat; (HTML 5 name, not in libxml2's table). */
    expect(x, "<p>mail bob&commat;example.org now</p>", "<p>mail ***@*******.*** now</p>");
    fx_free(x);
}

static void
test_redacts_across_inline_tags_and_in_attributes(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    /* Each part of a number is masked where it is: the tags stay around it. */
    expect(x, "<p>Card <b>4111</b> 1111 1111 1111.</p>", "<p>Card <b>****</b> **** **** 1111.</p>");
    expect(x, "<a href=\"mailto:bob@example.org\" title='bob@example.org'>x</a>",
           "<a href=\"mailto:***@*******.***\" title='***@*******.***'>x</a>");
    /* An unquoted value must keep its extent: masked spaces become references. */
    expect(x, "<input value=4111&#32;1111&#32;1111&#32;1111 name=c>",
           "<input value=****&#32;****&#32;****&#32;1111 name=c>");
    /* Block tags separate: these are two numbers, not one card. */
    const char *cells = "<td>4111 1111</td><td>1111 1111</td>";
    assert_string_equal(rewrite(x, cells), cells);
    /* A <br> is a line break, read as in plain text: the groups of a card on
     * four lines are a card; two <br> are a blank line, which nothing crosses. */
    expect(x, "<p>Card<br>4111<br>1111<BR/>1111<br >1111</p>",
           "<p>Card<br>****<br>****<BR/>****<br >1111</p>");
    /* A table is read as a browser copies it: cells split by tabs, rows by
     * line breaks, so a card typed into four cells is one, masked in its
     * cells (html_part_test: a column's header names a bare number). */
    expect(x, "<tr><td>4111</td>\n <td> 1111 </td><td>1111</td><td><p>1111</p></td></tr>",
           "<tr><td>****</td>\n <td> **** </td><td>****</td><td><p>1111</p></td></tr>");
    /* Rows are lines, read as in plain text: a card's groups on two lines
     * are a card (as in a wrapped line); a blank line (two tables) parts. */
    expect(x, "<table><tr><td>4111 1111</td></tr><tr><td>1111 1111</td></tr></table>",
           "<table><tr><td>**** ****</td></tr><tr><td>**** 1111</td></tr></table>");
    const char *tables = "<table><tr><td>4111 1111</td></tr></table><table><tr><td>1111 1111</td>";
    assert_string_equal(rewrite(x, tables), tables);
    const char *blank = "<p>4111 1111<br><br>1111 1111</p>";
    assert_string_equal(rewrite(x, blank), blank);
    /* A browser shows the text around a comment joined (React writes
     * "<!-- -->" between text nodes): the number is read whole; the
     * comment's own text and attributes are read aside. Outlook's
     * conditional comments are read in place, parted from their neighbours. */
    expect(x, "<p>card 4111 11<!-- x -->11 1111 1111</p>",
           "<p>card **** **<!-- x -->** **** 1111</p>");
    expect(x, "<p>a<!-- card 4111 1111 1111 1111 <b title=\"5555 5555 5555 4444\">q</b> -->b</p>",
           "<p>a<!-- card **** **** **** 1111 <b title=\"**** **** **** 4444\">q</b> -->b</p>");
    expect(x, "<p>a<!--[if mso]>card 4111 1111 1111 1111<![endif]-->b</p>",
           "<p>a<!--[if mso]>card **** **** **** 1111<![endif]-->b</p>");
    fx_free(x);
}

static void
test_removes_active_content(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    expect(x, "a<script>alert(1)</script>b", "ab");
    assert_int_equal(count_kind(x, SCAN_HTML_SCRIPT), 1);
    assert_int_equal(x->r.actions[0].start, 1);
    assert_int_equal(x->r.actions[0].end, 26);
    expect(x, "<img src=x onerror=alert(1)>", "<img src=x >");
    assert_int_equal(count_kind(x, SCAN_HTML_HANDLER), 1);
    assert_string_equal(x->r.actions[0].attribute, "onerror");
    assert_string_equal(x->r.actions[0].element, "img");
    expect(x, "<a href=\"javascript:alert(1)\" class=c>x</a>", "<a  class=c>x</a>");
    assert_int_equal(count_kind(x, SCAN_HTML_URL), 1);
    expect(x, "<iframe src=\"https://e.example/\">fallback <b>x</b></iframe>after", "after");
    expect(x, "<object data=x><object><param name=a></object>in</object>after", "after");
    expect(x, "<embed src=x.swf>after", "after");
    expect(x, "<form action=/p><input name=q>text</form>", "<input name=q>text</form>");
    assert_int_equal(count_kind(x, SCAN_HTML_ELEMENT), 1);
    fx_free(x);
}

static void
test_policy_keep(void **state)
{
    (void)state;
    struct fx *x = fx_new("{\"iframes\": \"keep\", \"forms\": \"keep\", \"objects\": \"keep\", "
                          "\"embeds\": \"keep\"}");
    const char *in = "<iframe src=\"https://e.example/\"></iframe><form action=/p>"
                     "<object data=a.swf></object><embed src=x.swf></form>";
    expect(x, in, in);
    /* Kept iframes still lose what would run inside them. */
    expect(x, "<iframe srcdoc=\"<script>x()</script>\" src=a onload=f()></iframe>",
           "<iframe  src=a ></iframe>");
    fx_free(x);
    x = fx_new("{\"scripts\": \"keep\", \"event_handlers\": \"keep\", \"dangerous_urls\": "
               "\"keep\"}");
    const char *active = "<script>go()</script><a href=javascript:go() onclick=go()>x</a>";
    expect(x, active, "<script>go()</script><a href=javascript:go() onclick=go()>x</a>");
    fx_free(x);
}

/* ---- negative and adversarial ---- */

static void
test_script_variants(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    expect(x, "<ScRiPt >alert(1)</sCrIpT >x", "x");
    expect(x, "<script src=//evil.example/x.js></script >x", "x");
    /* The first end tag ends a script: what follows is markup, read again. */
    expect(x, "<script><script>alert(1)</script>alert(2)</script>x", "alert(2)</script>x");
    /* Not a script to browsers (one tag named "scr<script"), two tags to
     * libxml2: the odd tag goes, the text after it is text. */
    expect(x, "<scr<script>ipt>alert(1)</script>", "ipt>alert(1)</script>");
    /* A removal must not glue a literal '<' to what follows it. */
    expect(x, "<<script></script>script>alert(1)</script>", "&lt;script>alert(1)</script>");
    /* Unterminated: removed to the end. */
    expect(x, "ok<script>alert(1)", "ok");
    expect(x, "ok<script", "ok");
    /* "</script" needs a delimiter after it. */
    expect(x, "<script>a</scriptx>b</script>c", "c");
    /* libxml2 stops names at a NUL: "script\\0" is a script to it. */
    const char nul[] = "<script\0>alert(1)</script>ok";
    assert_string_equal(rewrite_n(x, nul, sizeof(nul) - 1), "ok");
    /* A prefixed name is still a script to XML-minded readers. */
    expect(x, "<svg:script>alert(1)</svg:script>ok", "ok");
    fx_free(x);
}

static void
test_handler_variants(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    expect(x, "<svg/onload=alert(1)>", "<svg >");
    expect(x, "<svg><g onload=\"alert(1)\"/></svg>", "<svg><g /></svg>");
    expect(x, "<body ONLOAD=alert(1)>", "<body >");
    expect(x, "<img src=\"x\"onerror=\"alert(1)\">", "<img src=\"x\">");
    expect(x, "<img src=x onerror = 'alert(1)' alt=a>", "<img src=x  alt=a>");
    expect(x, "<a xlink:onclick=alert(1)>x</a>", "<a >x</a>");
    /* One unquoted value "x/onerror=alert(1)" to a browser; libxml2 skips
     * from a '/' to the next blank: an attribute after '/' goes. */
    expect(x, "<img/src=x/onerror=alert(1)>", "<img >");
    assert_int_equal(count_kind(x, SCAN_HTML_HANDLER), 0);
    assert_int_equal(count_kind(x, SCAN_HTML_AMBIGUOUS), 1);
    expect(x, "<a/b=\"q\"c=\"x y ><script>alert(1)</script>\">t</a>",
           "<a c=\"x y ><script>alert(1)</script>\">t</a>");
    /* End tags: browsers honour quotes in them, libxml2 stops at '>'. */
    expect(x, "<p>a</p foo=\"><script>alert(1)</script>\">b", "<p>ab");
    /* Bytes libxml2 does not take for a name make it resume inside the value. */
    expect(x, "<image s\xcb\xcbtyle='url(\"x\") <script>alert(1)</script>'>", "<image >");
    /* Unterminated tag at the end of the input. */
    expect(x, "<img src=x onerror=alert(1)", "<img src=x ");
    fx_free(x);
}

static void
test_url_variants(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    static const char *const bad[] = {
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\"&#0000106&#0000097vascript:alert(1)\">x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "<a href=\"java&Tab;script:alert(1)\">x</a>",
        "<a href=\" \x01javascript:alert(1)\">x</a>",
        "<a href=\"java\nscript:alert(1)\">x</a>",
        "<a href=\"JAVASCRIPT:alert(1)\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"data: text/html,<script>alert(1)</script>\">x</a>",
        "<button formaction=\"javascript:alert(1)\">x</button>",
        "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
        "<svg><animate attributeName=href values=\"x;javascript:alert(1)\"/></svg>",
        "<img srcset=\"a.png 1x, javascript:alert(1) 2x\">",
        "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rewrite(x, bad[i]);
        if (count_kind(x, SCAN_HTML_URL) != 1) {
            fail_msg("not neutralised: %s -> %s", bad[i], x->out);
        }
        assert_null(strstr(x->out, "script:"));
        assert_clean(x);
    }
    static const char *const good[] = {
        "<a href=\"https://example.com/javascript/\">x</a>",
        "<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">",
        "<a href=\"data:,hello\">x</a>",
        "<p title=\"about data: none\">x</p>",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_string_equal(rewrite(x, good[i]), good[i]);
    }
    /* An SVG document is an image in <img>, a document in <embed> or <iframe>. */
    rewrite(x, "<a href=\"data:image/svg+xml,<svg onload=alert(1)>\">x</a>");
    assert_int_equal(count_kind(x, SCAN_HTML_URL), 1);
    expect(x, "<div style=\"width:expression(alert(1))\">x</div>", "<div >x</div>");
    fx_free(x);
}

static void
test_parser_differentials_are_removed(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    /* Raw text to a browser with scripting on, markup elsewhere. */
    expect(x, "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">", "");
    assert_int_equal(count_kind(x, SCAN_HTML_AMBIGUOUS), 1);
    /* <style> is markup inside SVG, raw text outside. */
    rewrite(x, "<svg><style><img title=\"</style>\" onerror=alert(1) src=x></svg>");
    assert_null(strstr(x->out, "onerror"));
    assert_clean(x);
    rewrite(x, "<textarea><img title=\"</textarea><img src=x onerror=alert(1)>\"></textarea>");
    assert_null(strstr(x->out, "onerror"));
    assert_clean(x);
    /* A conditional comment is markup to Outlook and old IE. */
    rewrite(x, "<!--[if IE]><img title=\"-->\" onerror=alert(1) src=x><![endif]-->");
    assert_null(strstr(x->out, "onerror"));
    assert_clean(x);
    expect(x, "<!--[if IE]><img src=x onerror=alert(1)><![endif]-->",
           "<!--[if IE]><img src=x ><![endif]-->");
    /* CDATA: text to "]]>" in SVG, a bogus comment to '>' in HTML. */
    rewrite(x, "<svg><![CDATA[><img title=\"]]><img src=x onerror=alert(1)>\">]]></svg>");
    assert_null(strstr(x->out, "onerror"));
    assert_clean(x);
    /* A '>' in a DOCTYPE's quoted literal ends it for browsers, not libxml2. */
    expect(x, "<!DOCTYPE x SYSTEM \"a><b title='\"><img src=x onerror=alert(1)>'>",
           "<img src=x >'>");
    /* Comments that end early or abruptly. */
    expect(x, "<!--><img src=x onerror=alert(1)>-->", "<!--><img src=x >-->");
    expect(x, "<!-- a --!><img src=x onerror=alert(1)>", "<!-- a --!><img src=x >");
    /* Unterminated comment: its text is still read as markup. */
    expect(x, "<!-- <script>alert(1)</script>", "<!-- ");
    fx_free(x);
}

static void
test_entity_declarations_are_not_expanded(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    /* A billion laughs: nothing may expand, in our reader or in libxml2's. */
    const char *lol = "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">"
                      "<!ENTITY c \"&b;&b;&b;&b;&b;&b;\">]><p>&c;&c;&c;&b;</p>";
    assert_string_equal(rewrite(x, lol), lol);
    assert_clean(x);
    /* A card hidden in a declaration is masked where it is written; the
     * reference stays a literal "&card;". */
    rewrite(x, "<!DOCTYPE d [<!ENTITY card \"4111 1111 1111 1111\">]><p>&card;</p>");
    assert_null(strstr(x->out, "4111 1111"));
    assert_non_null(strstr(x->out, "<p>&card;</p>"));
    assert_clean(x);
    /* External entities and DTDs are never fetched. */
    const char *ext = "<!DOCTYPE d SYSTEM \"http://127.0.0.1:9/x.dtd\"><p>&ext;</p>";
    assert_string_equal(rewrite(x, ext), ext);
    assert_clean(x);
    fx_free(x);
}

static void
test_malformed_input(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    static const char *const odd[] = {
        "",
        "<",
        "<<<<",
        "</",
        "</>",
        "<!",
        "<!-",
        "<!--",
        "<?",
        "<?php x ?>",
        "&",
        "&#",
        "&#x;",
        "&#99999999999;",
        "<a href=\"",
        "<a href='",
        "<a b c d e=",
        "<p>unclosed <b>tags <i>x",
        "</p></p></div>",
        "<![CDATA[",
        "<![CDATA[ x ]]",
        "<math><mi><mglyph><style>",
    };
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        const char *got = rewrite(x, odd[i]);
        assert_string_equal(got, odd[i]);
        assert_clean(x);
    }
    /* Invalid UTF-8 passes through; NUL bytes become U+FFFD as browsers
     * read them (C-string readers would stop there); findings are masked. */
    const char bin[] = "<p>\xff\xfe\xc3(\0 4111 1111 1111 1111 \x80</p>";
    const char want[] = "<p>\xff\xfe\xc3(\xef\xbf\xbd **** **** **** 1111 \x80</p>";
    rewrite_n(x, bin, sizeof(bin) - 1);
    assert_int_equal(x->r.out_len, sizeof(want) - 1);
    assert_memory_equal(x->r.out, want, sizeof(want) - 1);
    assert_int_equal(count_kind(x, SCAN_HTML_NUL), 1);
    /* A NUL inside a tag: libxml2 would end the value there and read the
     * rest as a second tag; browsers read one tag. */
    const char tag[] = "<![><img src=\"1\0<img src=x onerror=alert(39)//\">";
    rewrite_n(x, tag, sizeof(tag) - 1);
    assert_int_equal(x->r.out_len, sizeof(tag) - 1 + 2);
    assert_clean(x);
    fx_free(x);
}

static void
test_huge_attribute_count(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    size_t n = 5000;
    char *in = malloc(n * 16 + 32);
    assert_non_null(in);
    size_t len = (size_t)snprintf(in, 8, "<img");
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(in + len, 32, i % 2 ? " on%04zu=x" : " a%04zu=x", i);
    }
    memcpy(in + len, ">", 2);
    len++;
    assert_int_equal(scan_html_rewrite(x->html, &x->r, &x->o, (const uint8_t *)in, len), 0);
    assert_int_equal(count_kind(x, SCAN_HTML_HANDLER), n / 2);
    assert_true(x->r.out_len < len);
    size_t left = 99;
    char *copy = malloc(x->r.out_len);
    assert_non_null(copy);
    memcpy(copy, x->r.out, x->r.out_len);
    assert_int_equal(scan_html_verify(x->html, &left, &x->o, (uint8_t *)copy, x->r.out_len), 0);
    assert_int_equal(left, 0);
    free(copy);
    free(in);
    fx_free(x);
}

/* Look-ahead that would rescan the rest of the input for every tag stays
 * linear (an unclosed <title> is searched for once), and what still cannot
 * (dozens of distinct unclosed names) is refused, not scanned for minutes. */
static void
test_quadratic_shapes_are_bounded(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    size_t n = 40000;
    char *in = malloc(n * 16 + 1);
    assert_non_null(in);
    for (unsigned shape = 0; shape < 3; shape++) {
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
            len += (size_t)(shape == 0   ? snprintf(in + len, 16, "<title>")
                            : shape == 1 ? snprintf(in + len, 24, "<title>x</title>")
                                         : snprintf(in + len, 16, "<p%zu:style>", i % 40));
        }
        int rc = scan_html_rewrite(x->html, &x->r, &x->o, (const uint8_t *)in, len);
        assert_int_equal(rc, shape < 2 ? 0 : RL_ELIMIT);
    }
    free(in);
    fx_free(x);
}

static void
test_verify_sees_what_is_left(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    static const char *const live[] = {
        "<script>alert(1)</script>",         "<img src=x onerror=alert(1)>",
        "<a href=javascript:alert(1)>x</a>", "<iframe src=x></iframe>",
        "<p>4111 1111 1111 1111</p>",        "<p title=\"4111 1111 1111 1111\">x</p>",
    };
    for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
        size_t left = 0;
        assert_int_equal(
            scan_html_verify(x->html, &left, &x->o, (const uint8_t *)live[i], strlen(live[i])), 0);
        if (left == 0) {
            fail_msg("verify missed: %s", live[i]);
        }
    }
    assert_false(scan_html_url_is_active((const uint8_t *)"", 0, false));
    assert_false(scan_html_url_is_active((const uint8_t *)"java script:x", 13, false));
    assert_true(scan_html_url_is_active((const uint8_t *)"\0javascript:x", 13, false));
    fx_free(x);
}

/* ---- the DOMPurify corpus ---- */

static bool
attr_is_active(const xmlChar *name, const char *value, const char *element)
{
    bool img = strcmp(element, "img") == 0 || strcmp(element, "image") == 0;
    return (strncasecmp((const char *)name, "on", 2) == 0 && strlen((const char *)name) > 2) ||
           scan_html_url_is_active((const uint8_t *)value, strlen(value), img);
}

/* Walks libxml2's tree of the output: returns what would still run. */
static size_t
active_nodes(xmlNodePtr n)
{
    size_t bad = 0;
    for (; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            const char *el = (const char *)n->name;
            bad += strcasecmp(el, "script") == 0 || strcasecmp(el, "iframe") == 0 ||
                   strcasecmp(el, "object") == 0 || strcasecmp(el, "embed") == 0;
            for (xmlAttrPtr a = n->properties; a != NULL; a = a->next) {
                xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
                bad += attr_is_active(a->name, v != NULL ? (const char *)v : "", el);
                xmlFree(v);
            }
        }
        bad += active_nodes(n->children);
    }
    return bad;
}

static void
test_dompurify_corpus(void **state)
{
    (void)state;
    const char *root = getenv("RL_CORPUS");
    char path[512];
    snprintf(path, sizeof(path), "%s/dompurify-html/html_sanitize_cases.jsonl",
             root != NULL ? root : "../shared/corpus");
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fail_msg("cannot open %s (set RL_CORPUS)", path);
    }
    struct fx *x = fx_new(NULL);
    char line[1 << 16];
    size_t cases = 0;
    size_t changed = 0;
    size_t active_before = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        json_error_t e;
        json_t *c = json_loads(line, 0, &e);
        assert_non_null(c);
        const char *payload = json_string_value(json_object_get(c, "payload"));
        assert_non_null(payload);
        size_t len = strlen(payload);
        htmlDocPtr before = htmlReadMemory(payload, (int)len, NULL, "UTF-8",
                                           HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                               HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
        active_before += before != NULL && active_nodes(xmlDocGetRootElement(before)) > 0;
        xmlFreeDoc(before);
        rewrite_n(x, payload, len);
        changed += x->r.changed;
        htmlDocPtr doc = htmlReadMemory(x->out, (int)x->r.out_len, NULL, "UTF-8",
                                        HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                            HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
        size_t bad = doc != NULL ? active_nodes(xmlDocGetRootElement(doc)) : 0;
        xmlFreeDoc(doc);
        if (bad > 0) {
            fail_msg("%s: %zu active nodes survive:\n%s\n->\n%s",
                     json_string_value(json_object_get(c, "id")), bad, payload, x->out);
        }
        assert_clean(x);
        /* Benign markup DOMPurify leaves alone must survive byte for byte. */
        json_t *exp = json_object_get(c, "dompurify_expected");
        if (json_is_string(exp) && strcmp(json_string_value(exp), payload) == 0 && x->r.changed) {
            fail_msg("%s: benign markup changed:\n%s\n->\n%s",
                     json_string_value(json_object_get(c, "id")), payload, x->out);
        }
        json_decref(c);
        cases++;
    }
    fclose(f);
    fx_free(x);
    print_message("dompurify-html: %zu cases, %zu active under libxml2 before, %zu rewritten\n",
                  cases, active_before, changed);
    assert_true(cases >= 100);
    assert_true(active_before > 20); /* the check above can fail */
}

/* Rewrites that only mask findings in character data say so, and are then
 * verified by our reader alone; anything that touches markup, or a mask a
 * reader could read as part of a name or a reference, does not. */
static void
test_masks_only(void **state)
{
    (void)state;
    struct fx *x = fx_new(NULL);
    static const char *const inert[] = {
        "<p class=\"x\">Card 4111 1111 1111 1111 please</p>",
        "<a href=\"mailto:bob@example.org\" title='bob@example.org'>x</a>",
        "<p>Card <b>4111</b> 1111 1111 1111.</p>",
        "<p>mail bob&commat;example.org now</p>",
        "<input value=4111&#32;1111&#32;1111&#32;1111 name=c>",
        "bob@example.org at the very start",
        "<p>1 &lt; 2;bob@example.org</p>",
    };
    for (size_t i = 0; i < sizeof(inert) / sizeof(inert[0]); i++) {
        rewrite(x, inert[i]);
        if (!x->r.changed || !x->r.masks_only) {
            fail_msg("not masks_only: %s", inert[i]);
        }
        assert_clean(x); /* both readers */
        x->o.masks_only = true;
        assert_clean(x); /* ours alone */
        x->o.masks_only = false;
    }
    static const char *const not_inert[] = {
        "<script>x()</script><p>bob@example.org</p>", /* removal */
        "<p onclick=\"x()\">bob@example.org</p>",     /* removal */
        "<p>card x&4111 1111 1111 1111</p>",          /* '&' runs into it */
        "<p>x<4111 1111 1111 1111</p>",               /* '<' before it */
        "<p>bob@example.org</p>\0",                   /* a NUL replaced */
        ("<p>((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
         "bob@example.org</p>"), /* too far to the last separator */
    };
    for (size_t i = 0; i < sizeof(not_inert) / sizeof(not_inert[0]); i++) {
        size_t len = strlen(not_inert[i]) + (i == 4); /* case 4 ends in a NUL */
        rewrite_n(x, not_inert[i], len);
        if (!x->r.changed || x->r.masks_only) {
            fail_msg("unchanged or masks_only: %s", not_inert[i]);
        }
    }
    /* With masks_only our reader still finds what is left. */
    const char *left_in = "<p>mail bob@example.org</p>";
    size_t left = 0;
    x->o.masks_only = true;
    assert_int_equal(
        scan_html_verify(x->html, &left, &x->o, (const uint8_t *)left_in, strlen(left_in)), 0);
    assert_int_equal(left, 1);
    x->o.masks_only = false;
    fx_free(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_document_is_byte_identical),
        cmocka_unit_test(test_redacts_text_and_maps_offsets),
        cmocka_unit_test(test_redacts_through_character_references),
        cmocka_unit_test(test_redacts_across_inline_tags_and_in_attributes),
        cmocka_unit_test(test_removes_active_content),
        cmocka_unit_test(test_policy_keep),
        cmocka_unit_test(test_script_variants),
        cmocka_unit_test(test_handler_variants),
        cmocka_unit_test(test_url_variants),
        cmocka_unit_test(test_parser_differentials_are_removed),
        cmocka_unit_test(test_entity_declarations_are_not_expanded),
        cmocka_unit_test(test_malformed_input),
        cmocka_unit_test(test_huge_attribute_count),
        cmocka_unit_test(test_quadratic_shapes_are_bounded),
        cmocka_unit_test(test_verify_sees_what_is_left),
        cmocka_unit_test(test_masks_only),
        cmocka_unit_test(test_dompurify_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
