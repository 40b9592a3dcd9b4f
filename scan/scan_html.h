/* SPDX-License-Identifier: Apache-2.0 */
/* The HTML sanitiser: finds text, attribute values and active content in the
 * original bytes of an HTML part, redacts findings and removes active content
 * by splicing only the changed byte ranges, and verifies a rewrite with
 * libxml2's HTML parser as a second reader. One instance per worker thread. */
#ifndef SCAN_HTML_H
#define SCAN_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scan_engine.h"

enum scan_html_act {
    SCAN_HTML_SCRIPT = 0, /* a script element, start tag to end tag */
    SCAN_HTML_HANDLER,    /* an on* event-handler attribute */
    SCAN_HTML_URL,        /* an attribute holding a javascript:/vbscript:/active data: URL */
    SCAN_HTML_ELEMENT,    /* iframe, object, embed, form (and kin) removed by policy */
    SCAN_HTML_ATTRIBUTE,  /* another active attribute: srcdoc, a style with expression() */
    SCAN_HTML_AMBIGUOUS,  /* markup that parsers read differently (mXSS shapes), removed */
    SCAN_HTML_NUL,        /* NUL bytes (first to last) written as U+FFFD, as browsers read them */
    SCAN_HTML__COUNT,
};

/* One sanitisation step, located in the input. */
struct scan_html_action {
    uint8_t kind;       /* enum scan_html_act */
    uint32_t start;     /* byte range of the input removed or rewritten */
    uint32_t end;       /* one past the last byte */
    char element[24];   /* lower-case element name, cut to fit */
    char attribute[40]; /* attribute name for HANDLER/URL/ATTRIBUTE, else "" */
};

/* Detection as the sanitiser needs it: findings in `text` (sorted, not
 * overlapping, offsets into `text`) lent through *out_f until the next call.
 * `utf8` says the text is UTF-8 whatever the part's charset (libxml2's view);
 * otherwise it is in the part's charset. Returns 0 or a negative rl_err. */
typedef int (*scan_html_detect_fn)(void *ctx, const struct scan_finding **out_f, size_t *out_n,
                                   const uint8_t *text, size_t len, bool utf8);

struct scan_html_opts {
    const struct scan_policy *policy; /* borrowed: html section, masks */
    bool utf8;                        /* the part is UTF-8 (else a single-byte charset) */
    scan_html_detect_fn detect;
    void *detect_ctx;
    bool masks_only; /* scan_html_verify: the document is a rewrite whose result said
                      * masks_only; libxml2's reading is then skipped */
};

/* What one rewrite did; everything is lent by the scan_html until its next
 * rewrite or verify. */
struct scan_html_result {
    const uint8_t *out; /* the rewritten HTML (the input itself when unchanged) */
    size_t out_len;
    bool changed;    /* out differs from the input */
    bool masks_only; /* changed, and only by masking findings inside character data:
                      * nothing removed, no NUL replaced, and every mask inert to every
                      * reader (no markup character written or removed, no name or
                      * reference running into it) */
    const struct scan_html_action *actions;
    size_t n_actions;
    const struct scan_finding *findings; /* every finding, offsets into the input:
                                          * first to last byte the value occupies */
    size_t n_findings;
};

struct scan_html;

/* scan_html_new allocates a sanitiser (reusable buffers). Returns NULL on
 * allocation failure. The first call in a process also initialises libxml2:
 * make it before worker threads start. */
struct scan_html *scan_html_new(void);

/* scan_html_free releases `h`; NULL is a no-op. */
void scan_html_free(struct scan_html *h);

/* scan_html_rewrite sanitises `in` (the part after transfer decoding, in its
 * own charset) per o->policy: removes what the html section asks for and
 * masks every finding of action redact, in text, comments and kept attribute
 * values, with character references decoded for detection. Untouched bytes
 * are copied as they are; NUL bytes become U+FFFD. Sets *out_res. Returns
 * 0, RL_ELIMIT (input of 4 GiB or more, markup nested over 32 deep, or
 * look-ahead that would scan more than 8 times the input), RL_EVERIFY (two
 * changes claim one byte: our bug, never guessed at), RL_ENOMEM, or the
 * detect callback's error. Call only on the thread that owns `h`. */
int scan_html_rewrite(struct scan_html *h, struct scan_html_result *out_res,
                      const struct scan_html_opts *o, const uint8_t *in, size_t len);

/* scan_html_verify reads `html` twice: with the sanitiser's own reader
 * (anything it would still remove or redact) and with libxml2's HTML parser
 * (no network, no entity expansion; script elements, on* attributes,
 * dangerous URLs, policy-removed elements, and findings to redact in its
 * text and attribute values). With o->masks_only (set only for a rewrite
 * whose result said masks_only) libxml2 is not asked: such a rewrite splits
 * into the same markup as its input for every reader, and libxml2's second
 * opinion is on what our edits did to markup. Sets *out_left to how many
 * survived (0: clean).
 * Returns 0, RL_ENOMEM, or the detect callback's error. Invalidates the last
 * rewrite's result. */
int scan_html_verify(struct scan_html *h, size_t *out_left, const struct scan_html_opts *o,
                     const uint8_t *html, size_t len);

/* scan_html_wipe zeroes the message bytes `h` holds (views, output,
 * replacements) without releasing its buffers (STYLE 17): call when a part
 * is done. Invalidates the last result. */
void scan_html_wipe(struct scan_html *h);

/* scan_html_footprint returns the bytes `h` holds (buffers keep their
 * high-water size and grow with the largest part read). */
size_t scan_html_footprint(const struct scan_html *h);

/* scan_html_action_name returns "html.script_removed", ... */
const char *scan_html_action_name(enum scan_html_act k);

/* scan_html_url_is_active tells whether an attribute value, with character
 * references already decoded, holds a URL a reader could execute:
 * javascript:, vbscript:, livescript:, mocha: anywhere a URL can start, or a
 * data: URL of a type other than plain text or images (SVG images only for
 * `img_element`). Tabs, newlines and control bytes are ignored as browsers do. */
bool scan_html_url_is_active(const uint8_t *v, size_t len, bool img_element);

#endif
