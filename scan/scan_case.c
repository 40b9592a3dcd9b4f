/* SPDX-License-Identifier: Apache-2.0 */
/* Keyword case forms through glibc's wide-character case mapping in the
 * C.UTF-8 locale (built into glibc since 2.35), set for this thread only
 * while mapping. */
#include "scan_case.h"

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "rl_error.h"

enum form { FORM_LOWER, FORM_TITLE, FORM_UPPER };

/* Maps `s` to `form` into a new string; *out NULL on allocation failure. */
static int
map(char **out, const char *s, enum form form)
{
    size_t n = strlen(s);
    /* upper-casing may lengthen a character ("ß" -> "ẞ"): at most 4 bytes each */
    char *r = malloc(n * 4 + 1);
    *out = r;
    if (r == NULL) {
        return RL_ENOMEM;
    }
    mbstate_t in = {0};
    mbstate_t o = {0};
    size_t w = 0;
    bool first = true;
    for (size_t i = 0; i < n;) {
        wchar_t c = 0;
        size_t k = mbrtowc(&c, s + i, n - i, &in);
        if (k == 0 || k == (size_t)-1 || k == (size_t)-2) {
            free(r);
            *out = NULL;
            return RL_EINVAL;
        }
        i += k;
        if (c < 0x80) {
            c = (wchar_t)((c >= 'A' && c <= 'Z') ? c + 32 : c);
        } else {
            c = (wchar_t)((form == FORM_UPPER || (form == FORM_TITLE && first))
                              ? towupper((wint_t)c)
                              : towlower((wint_t)c));
        }
        if (form == FORM_UPPER && c < 0x80) {
            c = (wchar_t)((c >= 'a' && c <= 'z') ? c - 32 : c);
        }
        first = false;
        size_t m = wcrtomb(r + w, c, &o);
        if (m == (size_t)-1) {
            free(r);
            *out = NULL;
            return RL_EINVAL;
        }
        w += m;
    }
    r[w] = '\0';
    return 0;
}

int
scan_case_forms(char *out[3], size_t *out_n, const char *s)
{
    *out_n = 0;
    bool ascii = true;
    for (const char *c = s; *c != '\0'; c++) {
        ascii &= (unsigned char)*c < 0x80;
    }
    locale_t loc = ascii ? (locale_t)0 : newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = loc != (locale_t)0 ? uselocale(loc) : (locale_t)0;
    int rc = 0;
    size_t forms = loc != (locale_t)0 ? 3 : 1;
    for (size_t f = 0; f < forms && rc == 0; f++) {
        char *r = NULL;
        if (loc == (locale_t)0) {
            /* ASCII, or no UTF-8 locale: lower the ASCII letters alone */
            r = strdup(s);
            rc = r == NULL ? RL_ENOMEM : 0;
            for (char *c = r; c != NULL && *c != '\0'; c++) {
                *c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
            }
        } else {
            rc = map(&r, s, (enum form)f);
        }
        bool dup = false;
        for (size_t k = 0; k < *out_n && r != NULL; k++) {
            dup |= strcmp(out[k], r) == 0;
        }
        if (dup) {
            free(r);
        } else if (r != NULL) {
            out[(*out_n)++] = r;
        }
    }
    if (loc != (locale_t)0) {
        uselocale(old);
        freelocale(loc);
    }
    if (rc != 0) {
        for (size_t k = 0; k < *out_n; k++) {
            free(out[k]);
        }
        *out_n = 0;
    }
    return rc;
}
