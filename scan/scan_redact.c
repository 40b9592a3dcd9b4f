/* SPDX-License-Identifier: Apache-2.0 */
/* Masks findings while keeping their shape (length, separators, optionally
 * the last digits), so the redacted text still reads like what it replaced. */
#include "scan_redact.h"

#include <string.h>

static bool
is_ascii_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of the character starting at in[i]: a UTF-8 sequence or one byte. */
static size_t
char_len(const uint8_t *in, size_t i, size_t end, bool utf8)
{
    size_t n = 1;
    if (utf8 && in[i] >= 0xC0) {
        while (i + n < end && (in[i + n] & 0xC0) == 0x80 && n < 4) {
            n++;
        }
    }
    return n;
}

static bool
maskable(uint8_t c)
{
    return is_ascii_alnum(c) || c >= 0x80;
}

static bool
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Digits kept clear next to other digits (one separator apart) could read as
 * a new number together with them, so such a finding keeps nothing. */
static bool
glued_to_digits(const uint8_t *in, size_t len, size_t start, size_t end)
{
    bool after = (end < len && is_digit(in[end])) ||
                 (end + 1 < len && !is_ascii_alnum(in[end]) && is_digit(in[end + 1]));
    bool before = (start >= 1 && is_digit(in[start - 1])) ||
                  (start >= 2 && !is_ascii_alnum(in[start - 1]) && is_digit(in[start - 2]));
    return after || before;
}

static const struct scan_mask *
mask_of(const struct scan_finding *f, const struct scan_policy *p)
{
    return f->type == SCAN_T_LEXICON ? &p->lexicons[f->lexicon].mask : &p->detectors[f->type].mask;
}

size_t
scan_redact_count(const struct scan_finding *f, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c += f[i].action == SCAN_ACT_REDACT;
    }
    return c;
}

size_t
scan_redact(uint8_t *out, struct scan_finding *f, size_t n, const uint8_t *in, size_t in_len,
            const struct scan_policy *policy, bool utf8)
{
    size_t o = 0;
    size_t pos = 0;
    for (size_t k = 0; k < n; k++) {
        if (f[k].start < pos || f[k].end > in_len) {
            continue;
        }
        memcpy(out + o, in + pos, f[k].start - pos);
        o += f[k].start - pos;
        size_t start = f[k].start;
        size_t end = f[k].end;
        f[k].start = (uint32_t)o;
        if (f[k].action != SCAN_ACT_REDACT) {
            memcpy(out + o, in + start, end - start);
            o += end - start;
            f[k].end = (uint32_t)o;
            pos = end;
            continue;
        }
        const struct scan_mask *m = mask_of(&f[k], policy);
        size_t units = 0;
        for (size_t i = start; i < end; i += char_len(in, i, end, utf8)) {
            units += maskable(in[i]);
        }
        size_t keep = glued_to_digits(in, in_len, start, end) ? 0 : m->keep_last;
        size_t to_mask = units > keep ? units - keep : 0;
        /* Never leave a short finding fully readable because of keep_last. */
        if (to_mask * 2 < units) {
            to_mask = (units + 1) / 2;
        }
        for (size_t i = start; i < end;) {
            size_t cl = char_len(in, i, end, utf8);
            if (maskable(in[i]) && to_mask > 0) {
                out[o++] = (uint8_t)m->ch;
                to_mask--;
            } else {
                memcpy(out + o, in + i, cl);
                o += cl;
            }
            i += cl;
        }
        f[k].end = (uint32_t)o;
        pos = end;
    }
    memcpy(out + o, in + pos, in_len - pos);
    return o + in_len - pos;
}
