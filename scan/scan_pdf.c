/* SPDX-License-Identifier: Apache-2.0 */
/* The PDF sanitiser (MuPDF): text with positions page by page, findings
 * removed by true redaction (glyphs cut from the content stream, image
 * pixels under them cleared, the area painted), text strings in the object
 * graph masked, JavaScript, launch actions, embedded files, XFA and
 * metadata removed by policy, a non-incremental garbage-collected rewrite,
 * and a re-read of the result that must find nothing left. Memory and time
 * are bounded per PDF by our own allocator. Owns one MuPDF context; runs on
 * the worker that owns the scan_doc. */
#include <isa-l/igzip_lib.h>
#include <limits.h>
#include <math.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "scan_redact.h"
#include "scan_zip.h"

/* Rounds of redact-then-verify before a PDF counts as not provably clean. */
#define PDF_ROUNDS 3
/* MuPDF's cache of decoded objects (fonts, images) per worker. */
#define PDF_STORE_BYTES ((size_t)32 << 20)
/* A stream below this many decoded bytes is never a decompression bomb. */
#define PDF_RATIO_MIN_BYTES ((uint64_t)1 << 20)
/* igzip's working memory at SCAN_ZIP_LEVEL */
#define PDF_LEVEL_BUF_SIZE ISAL_DEF_LVL1_DEFAULT
/* Depth of /Next chains and nested direct objects walked. */
#define PDF_MAX_NESTING 32

/* Every allocation carries its size in front, so the limit sees frees. */
#define HDR 16

struct scan_pdf {
    fz_context *ctx;
    size_t used;      /* bytes MuPDF holds now */
    size_t limit;     /* of the PDF being read; SIZE_MAX between PDFs */
    uint64_t dead_ns; /* CLOCK_MONOTONIC deadline; 0 between PDFs */
    unsigned calls;   /* allocations since the clock was last read */
    bool over_mem;    /* the limit refused an allocation */
    bool over_time;
    fz_cookie cookie;                /* aborts page interpretation once over time */
    uint8_t *level_buf;              /* igzip's, for redacted content streams; malloc'd once */
    fz_store_drop_fn *font_drop;     /* MuPDF's for a loaded font (finds one in its store) */
    uint64_t pages_read, plain_read; /* page readings, and those by read_plain (tests) */
    bool no_plain;                   /* every page read by fz_run_page (tests) */
};

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* True once the PDF being read is over its time; read every 64 calls. */
static bool
late(struct scan_pdf *s)
{
    if (s->over_time) {
        return true;
    }
    if (s->dead_ns != 0 && ++s->calls % 64 == 0 && now_ns() > s->dead_ns) {
        s->over_time = true;
        s->cookie.abort = 1;
    }
    return s->over_time;
}

static void *
pm_malloc(void *user, size_t n)
{
    struct scan_pdf *s = user;
    if (n > SIZE_MAX - HDR || s->used + n > s->limit) {
        s->over_mem = true;
        return NULL;
    }
    if (late(s)) {
        return NULL;
    }
    uint8_t *p = malloc(n + HDR);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, &n, sizeof(n));
    s->used += n;
    return p + HDR;
}

static void
pm_free(void *user, void *ptr)
{
    struct scan_pdf *s = user;
    if (ptr == NULL) {
        return;
    }
    uint8_t *p = (uint8_t *)ptr - HDR;
    size_t n;
    memcpy(&n, p, sizeof(n));
    s->used -= n;
    free(p);
}

/* Grows geometrically: MuPDF grows some arrays a few items at a time (a
 * text span by 36 glyphs, so a page's text object of 3,000 glyphs took 80
 * reallocations and copies); a growing block gets twice what was asked
 * for, counted against the limit like the rest, and a later growth within
 * it costs nothing (half as much again: 9.5 reallocations per page read of
 * the benchmark, 1.2 % of its rewrite; twice: 6.4 and 0.7 %). A block
 * shrunk below half its room is shrunk. */
static void *
pm_realloc(void *user, void *old, size_t n)
{
    struct scan_pdf *s = user;
    if (old == NULL) {
        return pm_malloc(user, n);
    }
    if (n == 0) {
        pm_free(user, old);
        return NULL;
    }
    uint8_t *p = (uint8_t *)old - HDR;
    size_t was;
    memcpy(&was, p, sizeof(was));
    if (n <= was && n >= was / 2) {
        return old;
    }
    if (n > SIZE_MAX / 2 - HDR || (n > was && s->used + (n - was) > s->limit)) {
        s->over_mem = true;
        return NULL;
    }
    if (n > was && late(s)) {
        return NULL;
    }
    size_t room = n;
    if (n > was && s->used + (2 * n - was) <= s->limit) {
        room = 2 * n;
    }
    uint8_t *q = realloc(p, room + HDR);
    if (q == NULL) {
        return NULL;
    }
    memcpy(q, &room, sizeof(room));
    s->used = s->used - was + room;
    return q + HDR;
}

/* MuPDF's warnings and errors would go to stderr: library code is quiet. */
static void
quiet(void *user, const char *message)
{
    (void)user;
    (void)message;
}

int
scan_pdf_new(struct scan_pdf **out)
{
    *out = NULL;
    struct scan_pdf *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return RL_ENOMEM;
    }
    s->limit = SIZE_MAX;
    fz_alloc_context alloc = {s, pm_malloc, pm_realloc, pm_free};
    s->ctx = fz_new_context(&alloc, NULL, PDF_STORE_BYTES);
    if (s->ctx == NULL) {
        free(s);
        return RL_ENOMEM;
    }
    fz_set_user_context(s->ctx, s);
    fz_set_error_callback(s->ctx, quiet, NULL);
    fz_set_warning_callback(s->ctx, quiet, NULL);
    fz_try(s->ctx)
    {
        pdf_font_desc *f = pdf_new_font_desc(s->ctx);
        s->font_drop = f->storable.drop;
        pdf_drop_font(s->ctx, f);
    }
    fz_catch(s->ctx)
    {
        s->font_drop = NULL; /* fonts are parsed again for each re-read */
    }
    *out = s;
    return 0;
}

void
scan_pdf_free(struct scan_pdf *s)
{
    if (s == NULL) {
        return;
    }
    fz_drop_context(s->ctx);
    free(s->level_buf);
    free(s);
}

/* ---- one PDF ---- */

/* What one pass over a document did or found. */
struct pass {
    struct scan_doc *d;
    struct scan_pdf *s;
    fz_context *ctx;
    pdf_document *doc;
    const char *loc;
    bool verify;  /* a re-read: what is found is a survivor, nothing is listed as removed */
    bool quads;   /* the page text is read with its quads (to redact it) */
    bool changed; /* something was redacted or removed: the document must be written */
    size_t n_red; /* findings redacted in page text */
    size_t n_str; /* text strings masked */
    unsigned js, launch, files, xfa, meta, sigs;
    uint64_t decoded; /* bytes decoded while checking ratios */
    int num;          /* the object being walked */
    int limit;        /* 0, or why the PDF is over a limit (SCAN_DOC_LIMIT detail below) */
    char why[96];
    /* page text: UTF-8 with one quad per byte that starts a character */
    uint8_t *text;
    size_t len, cap;
    fz_quad *quad; /* indexed like text; only starts of characters are meaningful */
    size_t quad_cap;
    fz_rect *area; /* the page's areas to redact, in device space (as the text) */
    size_t n_area, area_cap;
    fz_quad *pdf_area; /* ... in the page's PDF space (as an annotation's quads) */
    size_t pdf_area_cap;
    fz_rect *pdf_rect; /* ... their bounding boxes */
    size_t pdf_rect_cap;
    fz_rect pdf_all;          /* ... and the union of those */
    float clear_y0, clear_y1; /* the rows of the last upright glyph no area's rows overlap */
    bool clear_row;           /* ... those hold one (reset per redaction) */
    /* per page index: redacted by this round, by the round before */
    bool *redacted, *was_redacted;
    size_t redacted_cap, was_redacted_cap;
    int n_redacted, n_was_redacted; /* pages those hold */
    /* round 1, per object number: the sole content stream of a page, with
     * general filters (decoded once, at its page: page_contents below) */
    bool *contents;
    size_t contents_cap;
    /* round 1: its font objects (not Type3), then the fonts it parsed from
     * them, for the re-reads (share_fonts) */
    int *font_num;
    struct kept_font {
        pdf_font_desc *desc; /* NULL: none to share */
    } * font;                /* indexed like font_num */
    size_t n_font, font_num_cap, n_kept, font_cap;
};

static bool
text_room(struct pass *p, size_t more)
{
    return scan_grow((void **)&p->text, &p->cap, p->len + more + 1, 1) &&
           (!p->quads ||
            scan_grow((void **)&p->quad, &p->quad_cap, p->len + more + 1, sizeof(*p->quad)));
}

/* Appends character `c`, with its quad when the pass reads quads; room
 * for it is reserved. */
static inline void
text_put(struct pass *p, int c, const fz_quad *q)
{
    size_t at = p->len;
    if (c >= 0 && c < 0x80) {
        p->text[p->len++] = (uint8_t)c;
    } else {
        char u[8];
        int n = fz_runetochar(u, c);
        memcpy(p->text + p->len, u, (size_t)n);
        p->len += (size_t)n;
    }
    if (p->quads) {
        for (size_t i = at; i < p->len; i++) {
            p->quad[i] = *q;
        }
    }
}

/* ---- page text: a light text device ----
 *
 * MuPDF's structured text device builds blocks, lines and characters with
 * their bounding boxes (half of a page's extraction). The rewrite needs
 * only the characters in drawing order with their quads, lines told apart,
 * and gaps between words: this device writes them straight into the
 * pass's text. Both the rewrite and its verifying re-read read a page
 * with it. The re-read is still a real check of the redaction: it runs
 * the rewritten content stream afresh, so a glyph the filter kept (its
 * box missed the areas because a quad here was wrong, or the content was
 * out of the filter's reach) is read again and its finding is a survivor
 * (PDF_ROUNDS, then the PDF fails). What no re-read by the same reader
 * can see is text this device reads differently from the page; that is
 * what tests/unit/scan_pdf_test.c's adversarial layouts check, with
 * MuPDF's structured text as an independent judge of input and output
 * (rotated, skewed, scaled, vertical, Type3, ligatures, split spans,
 * invisible and clipping text, forms). Every way text is drawn counts:
 * filled, stroked, clipped and invisible (render mode 3). Unicode spaces
 * read as ' ', ligatures (U+FB00..FB06) as their letters, a glyph
 * without Unicode as U+FFFD. */

/* Gaps, in units of the text size: a gap along the baseline above
 * TD_SPACE is a space between words; one above TD_FAR, a step back beyond
 * TD_BACK, or a move across the baseline beyond TD_ACROSS starts a line. */
#define TD_SPACE 0.15f
#define TD_FAR 3.0f
#define TD_BACK 0.5f
#define TD_ACROSS 0.5f

struct text_dev {
    fz_device super;
    struct pass *p;
    bool oom;     /* the text could not grow: the page reads as failed */
    bool started; /* a glyph was put on the page */
    fz_point end; /* where the last glyph's advance ended */
    fz_point dir; /* its baseline direction (unit) */
    float size;   /* its size across the baseline */
};

static const fz_quad no_quad = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};

static bool
is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Puts character `c` (a ligature as its letters, a space as ' ', none as
 * U+FFFD) with quad `q`: the characters other than printable ASCII. */
static void
td_char_other(struct pass *p, int c, const fz_quad *q)
{
    static const char *const lig[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
    if (c >= 0xFB00 && c <= 0xFB06) {
        for (const char *l = lig[c - 0xFB00]; *l != '\0'; l++) {
            text_put(p, *l, q);
        }
        return;
    }
    text_put(p, c < 0 ? 0xFFFD : is_space(c) ? ' ' : c, q);
}

/* Puts character `c` with quad `q`; room for three characters is
 * reserved. Printable ASCII (most text) is put here directly. */
static inline void
td_char(struct pass *p, int c, const fz_quad *q)
{
    if (c > ' ' && c < 0x7F) {
        p->text[p->len] = (uint8_t)c;
        if (p->quads) {
            p->quad[p->len] = *q;
        }
        p->len++;
        return;
    }
    td_char_other(p, c, q);
}

static inline fz_point
td_at(fz_point o, fz_matrix m, float x, float y)
{
    return fz_make_point(o.x + x * m.a + y * m.c, o.y + x * m.b + y * m.d);
}

/* What one span's glyphs share. */
struct td_span {
    fz_matrix m;  /* glyph space to device space, translation dropped */
    fz_point dir; /* the baseline's direction (unit) */
    float size;   /* the text size across it */
    float asc, desc;
    bool vertical;
    bool upright; /* horizontal, not rotated or skewed: m is diagonal */
    fz_font *font;
    const short *widths; /* the font's width table (NULL: none, or vertical) */
    int n_widths;
    short width_default;
};

/* The advance of glyph `gid` in glyph space: the PDF's own widths where
 * MuPDF keeps them for the font (they placed the next glyph), else the
 * font program's. */
static inline float
td_advance(fz_context *ctx, const struct td_span *sp, int gid)
{
    if (sp->widths != NULL) {
        return (gid < sp->n_widths ? sp->widths[gid] : sp->width_default) * 0.001f;
    }
    return fz_advance_glyph(ctx, sp->font, gid, sp->vertical);
}

/* Puts the glyph at origin `o` (device space), `adv` wide, after any gap
 * put before it: its characters, its quad when the pass reads quads, and
 * where it ends. */
static inline void
td_place(struct text_dev *t, const struct td_span *sp, int ucs, fz_point o, float adv)
{
    struct pass *p = t->p;
    const fz_matrix m = sp->m;
    fz_quad q = no_quad;
    if (sp->upright) {
        float xr = o.x + adv * m.a;
        if (p->quads) {
            float ya = o.y + sp->asc * m.d, yd = o.y + sp->desc * m.d;
            q.ll = fz_make_point(o.x, yd);
            q.lr = fz_make_point(xr, yd);
            q.ul = fz_make_point(o.x, ya);
            q.ur = fz_make_point(xr, ya);
        }
        t->end = fz_make_point(xr, o.y);
    } else if (sp->vertical) {
        /* MuPDF moved the origin of a vertical glyph down and left by its
         * vertical metrics (pdf_show_char): the glyph stands above `o`,
         * one advance high and one em wide, as MuPDF's structured text
         * has it; the next glyph's origin is one advance below. */
        if (p->quads) {
            q.ll = o;
            q.lr = td_at(o, m, 1, 0);
            q.ul = td_at(o, m, 0, adv);
            q.ur = td_at(o, m, 1, adv);
        }
        t->end = td_at(o, m, 0, -adv);
    } else {
        if (p->quads) {
            q.ll = td_at(o, m, 0, sp->desc);
            q.lr = td_at(o, m, adv, sp->desc);
            q.ul = td_at(o, m, 0, sp->asc);
            q.ur = td_at(o, m, adv, sp->asc);
        }
        t->end = td_at(o, m, adv, 0);
    }
    td_char(p, ucs, &q);
}

/* The gap before a glyph, `along` and `across` the baseline from where the
 * glyph before ended, against the text size `s`: a new line or a space. */
static inline void
td_gap(struct pass *p, float along, float across, float s, int ucs)
{
    if (fabsf(across) > s * TD_ACROSS || along < -s * TD_BACK || along > s * TD_FAR) {
        text_put(p, '\n', &no_quad);
    } else if (along > s * TD_SPACE && p->len > 0 && p->text[p->len - 1] != ' ' && !is_space(ucs)) {
        text_put(p, ' ', &no_quad);
    }
}

/* The first glyph of a span, at origin `o` (device space): starts a line
 * or puts a space as the gap from the glyph before (of any span) says. */
static void
td_glyph(struct text_dev *t, const struct td_span *sp, const fz_text_item *it, fz_point o)
{
    struct pass *p = t->p;
    float adv = td_advance(p->ctx, sp, it->gid);
    fz_point d = sp->dir;
    if (t->started) {
        float dx = o.x - t->end.x, dy = o.y - t->end.y;
        float along = dx * d.x + dy * d.y, across = dy * d.x - dx * d.y;
        float s = sp->size > t->size ? sp->size : t->size;
        bool turned =
            (d.x != t->dir.x || d.y != t->dir.y) && d.x * t->dir.x + d.y * t->dir.y < 0.95f;
        if (turned) {
            text_put(p, '\n', &no_quad);
        } else {
            td_gap(p, along, across, s, it->ucs);
        }
    }
    t->dir = d;
    t->size = sp->size;
    t->started = true;
    td_place(t, sp, it->ucs, o, adv);
}

/* The glyphs of an upright span (most text): what td_glyph and td_place
 * do for each, with the text, its length and the span's constants held in
 * locals (a store into the text, a uint8_t, could otherwise change any of
 * them as far as the compiler knows). The same arithmetic, the same text. */
static void
td_upright(struct text_dev *t, const struct td_span *sp, const fz_text_span *span, fz_matrix ctm)
{
    struct pass *p = t->p;
    const bool quads = p->quads;
    const float ma = sp->m.a, asc = sp->asc * sp->m.d, desc = sp->desc * sp->m.d;
    const float s = sp->size, across_max = s * TD_ACROSS, back = -s * TD_BACK, far = s * TD_FAR,
                space = s * TD_SPACE;
    const float ca = ctm.a, cb = ctm.b, cc = ctm.c, cd = ctm.d, ce = ctm.e, cf = ctm.f;
    const short *widths = sp->widths;
    const int n_widths = sp->n_widths;
    const short width_default = sp->width_default;
    const float dir_x = sp->dir.x, dir_y = sp->dir.y;
    uint8_t *text = p->text;
    fz_quad *quad = p->quad;
    size_t len = p->len;
    size_t last = SIZE_MAX; /* where the glyph before put its first character */
    int i = 0;
    /* the first glyph: against whatever came before, of any span */
    for (; i < span->len; i++) {
        const fz_text_item *it = &span->items[i];
        if (it->gid >= 0) {
            td_glyph(t, sp, it,
                     fz_make_point(it->x * ca + it->y * cc + ce, it->x * cb + it->y * cd + cf));
            last = p->len - 1;
            i++;
            break;
        }
        td_char(p, it->ucs, &no_quad);
    }
    len = p->len;
    float end_x = t->end.x, end_y = t->end.y;
    for (; i < span->len; i++) {
        const fz_text_item *it = &span->items[i];
        int c = it->ucs;
        if (it->gid < 0) {
            /* one more character of the glyph before */
            p->len = len;
            td_char(p, c, quads ? &quad[last] : &no_quad);
            len = p->len;
            continue;
        }
        float ox = it->x * ca + it->y * cc + ce, oy = it->x * cb + it->y * cd + cf;
        float adv = widths != NULL ? (it->gid < n_widths ? widths[it->gid] : width_default) * 0.001f
                                   : fz_advance_glyph(p->ctx, sp->font, it->gid, 0);
        /* td_gap with d = (1, 0) or (-1, 0): the baseline of upright text */
        float dx = ox - end_x, dy = oy - end_y;
        float along = dx * dir_x + dy * dir_y, across = dy * dir_x - dx * dir_y;
        if (fabsf(across) > across_max || along < back || along > far) {
            if (quads) {
                quad[len] = no_quad;
            }
            text[len++] = '\n';
        } else if (along > space && len > 0 && text[len - 1] != ' ' && !is_space(c)) {
            if (quads) {
                quad[len] = no_quad;
            }
            text[len++] = ' ';
        }
        float xr = ox + adv * ma;
        end_x = xr;
        end_y = oy;
        if (c >= ' ' && c < 0x7F) {
            /* printable ASCII and the space (td_char_other puts ' ' as it is) */
            if (quads) {
                float ya = oy + asc, yd = oy + desc;
                quad[len].ll = fz_make_point(ox, yd);
                quad[len].lr = fz_make_point(xr, yd);
                quad[len].ul = fz_make_point(ox, ya);
                quad[len].ur = fz_make_point(xr, ya);
            }
            text[len++] = (uint8_t)c;
        } else {
            fz_quad q = no_quad;
            if (quads) {
                float ya = oy + asc, yd = oy + desc;
                q.ll = fz_make_point(ox, yd);
                q.lr = fz_make_point(xr, yd);
                q.ul = fz_make_point(ox, ya);
                q.ur = fz_make_point(xr, ya);
            }
            p->len = len;
            td_char_other(p, c, &q);
            len = p->len;
        }
        last = len - 1;
    }
    p->len = len;
    t->end = fz_make_point(end_x, end_y);
}

static void
td_text(fz_context *ctx, fz_device *dev, const fz_text *text, fz_matrix ctm)
{
    struct text_dev *t = (struct text_dev *)dev;
    struct pass *p = t->p;
    for (const fz_text_span *span = text->head; span != NULL && !t->oom; span = span->next) {
        /* a glyph is at most three characters and a gap */
        if (!text_room(p, (size_t)span->len * (3 * FZ_UTFMAX + 1) + 1)) {
            t->oom = true;
            break;
        }
        struct td_span sp;
        sp.m = fz_concat(span->trm, ctm);
        sp.m.e = sp.m.f = 0;
        sp.vertical = span->wmode != 0;
        sp.upright = !sp.vertical && sp.m.b == 0 && sp.m.c == 0;
        sp.font = span->font;
        sp.widths = sp.vertical ? NULL : span->font->width_table;
        sp.n_widths = span->font->width_count;
        sp.width_default = span->font->width_default;
        sp.asc = fz_font_ascender(ctx, span->font);
        sp.desc = fz_font_descender(ctx, span->font);
        fz_point d = sp.vertical ? fz_make_point(-sp.m.c, -sp.m.d) : fz_make_point(sp.m.a, sp.m.b);
        fz_point n = sp.vertical ? fz_make_point(sp.m.a, sp.m.b) : fz_make_point(sp.m.c, sp.m.d);
        float dl = sqrtf(d.x * d.x + d.y * d.y);
        sp.dir = dl > 0 ? fz_make_point(d.x / dl, d.y / dl) : fz_make_point(1, 0);
        sp.size = sqrtf(n.x * n.x + n.y * n.y);
        if (sp.upright) {
            td_upright(t, &sp, span, ctm);
            continue;
        }
        d = sp.dir;
        size_t last = SIZE_MAX; /* where the glyph before put its first character */
        bool first = true;
        for (int i = 0; i < span->len; i++) {
            const fz_text_item *it = &span->items[i];
            if (it->gid < 0) {
                /* one more character of the glyph before */
                td_char(p, it->ucs, p->quads && last != SIZE_MAX ? &p->quad[last] : &no_quad);
                continue;
            }
            fz_point o = fz_make_point(it->x * ctm.a + it->y * ctm.c + ctm.e,
                                       it->x * ctm.b + it->y * ctm.d + ctm.f);
            if (first) {
                td_glyph(t, &sp, it, o);
                first = false;
            } else {
                /* after a glyph of this span: the same direction and size */
                float dx = o.x - t->end.x, dy = o.y - t->end.y;
                td_gap(p, dx * d.x + dy * d.y, dy * d.x - dx * d.y, sp.size, it->ucs);
                td_place(t, &sp, it->ucs, o, td_advance(ctx, &sp, it->gid));
            }
            last = p->len - 1;
        }
    }
}

static void
td_fill_text(fz_context *ctx, fz_device *dev, const fz_text *text, fz_matrix ctm, fz_colorspace *cs,
             const float *color, float alpha, fz_color_params cp)
{
    (void)cs;
    (void)color;
    (void)alpha;
    (void)cp;
    td_text(ctx, dev, text, ctm);
}

static void
td_stroke_text(fz_context *ctx, fz_device *dev, const fz_text *text, const fz_stroke_state *st,
               fz_matrix ctm, fz_colorspace *cs, const float *color, float alpha,
               fz_color_params cp)
{
    (void)st;
    td_fill_text(ctx, dev, text, ctm, cs, color, alpha, cp);
}

static void
td_clip_text(fz_context *ctx, fz_device *dev, const fz_text *text, fz_matrix ctm, fz_rect scissor)
{
    (void)scissor;
    td_text(ctx, dev, text, ctm);
}

static void
td_clip_stroke_text(fz_context *ctx, fz_device *dev, const fz_text *text, const fz_stroke_state *st,
                    fz_matrix ctm, fz_rect scissor)
{
    (void)st;
    td_clip_text(ctx, dev, text, ctm, scissor);
}

static void
td_ignore_text(fz_context *ctx, fz_device *dev, const fz_text *text, fz_matrix ctm)
{
    td_text(ctx, dev, text, ctm);
}

static bool
quad_empty(fz_quad q)
{
    fz_rect r = fz_rect_from_quad(q);
    return r.x1 <= r.x0 || r.y1 <= r.y0;
}

/* The areas of the page's findings f[0, n) (those to redact): the quads of
 * their characters, characters of one line and one finding joined into one
 * rectangle (device space, as the text). Returns false when out of memory. */
static bool
finding_areas(struct pass *p, const struct scan_finding *f, size_t n)
{
    p->n_area = 0;
    for (size_t k = 0; k < n; k++) {
        if (f[k].action != SCAN_ACT_REDACT) {
            continue;
        }
        fz_rect line = fz_empty_rect;
        for (size_t i = f[k].start; i <= f[k].end; i++) {
            fz_rect r = fz_empty_rect;
            bool end = i == f[k].end;
            if (!end && ((p->text[i] & 0xC0) == 0x80 || quad_empty(p->quad[i]))) {
                continue; /* inside a UTF-8 character (its start has the quad), or no glyph */
            }
            if (!end) {
                r = fz_rect_from_quad(p->quad[i]);
            }
            if (!fz_is_empty_rect(line) && (end || r.y0 >= line.y1 || r.y1 <= line.y0)) {
                if (!scan_grow((void **)&p->area, &p->area_cap, p->n_area + 1, sizeof(*p->area))) {
                    return false;
                }
                p->area[p->n_area++] = line;
                line = fz_empty_rect;
            }
            if (!end) {
                line = fz_union_rect(line, r);
            }
        }
    }
    return true;
}

/* fz_is_infinite_rect, its first coordinate tested alone (a glyph's box is
 * almost never infinite; the four float comparisons at once cost more
 * than the rest of the predicate below). */
static inline bool
infinite(fz_rect r)
{
    return __builtin_expect(r.x0 == FZ_MIN_INF_RECT, 0) && fz_is_infinite_rect(r);
}

/* !fz_is_empty_rect(fz_intersect_rect(a, b)) of MuPDF 1.21, inlined (the
 * predicate below runs for every glyph). */
static inline bool
touches(fz_rect a, fz_rect b)
{
    if (infinite(b)) {
        return !fz_is_empty_rect(a);
    }
    if (infinite(a)) {
        return !fz_is_empty_rect(b);
    }
    if (a.x0 < b.x0) {
        a.x0 = b.x0;
    }
    if (a.y0 < b.y0) {
        a.y0 = b.y0;
    }
    if (a.x1 > b.x1) {
        a.x1 = b.x1;
    }
    if (a.y1 > b.y1) {
        a.y1 = b.y1;
    }
    return !fz_is_empty_rect(a);
}

/* Whether glyph box `bbox` (device space, shrunk) touches an area. */
static inline int
touches_areas(const struct pass *p, fz_rect bbox)
{
    /* A finite glyph box clear of the areas' union touches none of them
     * (most glyphs of a page): one test instead of one per area. */
    if (!infinite(bbox) && (bbox.x1 <= p->pdf_all.x0 || bbox.x0 >= p->pdf_all.x1 ||
                            bbox.y1 <= p->pdf_all.y0 || bbox.y0 >= p->pdf_all.y1)) {
        return 0;
    }
    for (size_t i = 0; i < p->n_area; i++) {
        if (touches(bbox, p->pdf_rect[i])) {
            return 1;
        }
    }
    return 0;
}

/* areas_text_filter for any glyph: the box transformed in full. */
static __attribute__((noinline)) int
areas_general(const struct pass *p, fz_matrix trm, fz_matrix ctm, fz_rect bbox)
{
    bbox = fz_transform_rect(bbox, fz_concat(trm, ctm));
    float w = bbox.x1 - bbox.x0, h = bbox.y1 - bbox.y0;
    bbox.x0 += w / 10;
    bbox.x1 -= w / 10;
    bbox.y0 += h / 10;
    bbox.y1 -= h / 10;
    return touches_areas(p, bbox);
}

/* The interval [a, b] of one axis scaled by `scale` and moved by `off`
 * (an upright transform), low end first. */
static inline void
upright_span(float *out_lo, float *out_hi, float a, float b, float scale, float off)
{
    float u = a * scale + off, v = b * scale + off;
    *out_lo = scale < 0 ? v : u;
    *out_hi = scale < 0 ? u : v;
}

/* What MuPDF's redaction asks of every glyph (pdf_redact_text_filter, MuPDF
 * 1.21): does its box, shrunk by a tenth on each side, touch an area? Its
 * own version reads every redaction annotation's quads back out of the PDF
 * objects for every glyph, three quarters of a page's redaction; this one
 * reads the quads it was given. */
static int
areas_text_filter(fz_context *ctx, void *opaque, int *ucsbuf, int ucslen, fz_matrix trm,
                  fz_matrix ctm, fz_rect bbox)
{
    (void)ctx;
    (void)ucsbuf;
    (void)ucslen;
    struct pass *p = opaque;
    if (trm.b != 0 || trm.c != 0 || ctm.b != 0 || ctm.c != 0 || bbox.x0 == FZ_MIN_INF_RECT) {
        /* not upright, or perhaps an infinite box */
        return areas_general(p, trm, ctm, bbox);
    }
    /* upright text (most): the product of two diagonal matrices and
     * fz_transform_rect's own shortcut, inlined, the glyph's rows first (a
     * glyph on a line without an area is refused at once) */
    float y0 = 0, y1 = 0;
    upright_span(&y0, &y1, bbox.y0, bbox.y1, trm.d * ctm.d, trm.e * ctm.b + trm.f * ctm.d + ctm.f);
    float h = y1 - y0;
    y0 += h / 10;
    y1 -= h / 10;
    if (y1 <= p->pdf_all.y0 || y0 >= p->pdf_all.y1) {
        return 0;
    }
    /* the areas' union spans the lines between findings too: a glyph
     * touches an area only if its rows overlap the area's; the glyphs of
     * a line share their rows, so a line clear of the areas is found so
     * once */
    if (p->clear_row && y0 == p->clear_y0 && y1 == p->clear_y1) {
        return 0;
    }
    size_t i = 0;
    while (i < p->n_area && !(y0 < p->pdf_rect[i].y1 && p->pdf_rect[i].y0 < y1)) {
        i++;
    }
    if (i == p->n_area) {
        p->clear_row = true;
        p->clear_y0 = y0;
        p->clear_y1 = y1;
        return 0;
    }
    float x0 = 0, x1 = 0;
    upright_span(&x0, &x1, bbox.x0, bbox.x1, trm.a * ctm.a, trm.e * ctm.a + trm.f * ctm.c + ctm.e);
    float w = x1 - x0;
    return touches_areas(p, fz_make_rect(x0 + w / 10, y0, x1 - w / 10, y1));
}

/* The areas painted over, as pdf_redact_page's black boxes. */
static void
areas_end_page(fz_context *ctx, fz_buffer *buf, void *opaque)
{
    const struct pass *p = opaque;
    fz_append_string(ctx, buf, "0 g\n");
    for (size_t i = 0; i < p->n_area; i++) {
        fz_quad q = p->pdf_area[i];
        fz_append_printf(ctx, buf, "%g %g m\n", q.ll.x, q.ll.y);
        fz_append_printf(ctx, buf, "%g %g l\n", q.lr.x, q.lr.y);
        fz_append_printf(ctx, buf, "%g %g l\n", q.ur.x, q.ur.y);
        fz_append_printf(ctx, buf, "%g %g l\n", q.ul.x, q.ul.y);
        fz_append_string(ctx, buf, "f\n");
    }
}

/* The pixels of a w x h image under PDF-space rectangle `r`, the image
 * drawn with `inv` (the inverse of its unit square's matrix): its first row
 * is at the top of the unit square. */
static fz_irect
image_pixels(int w, int h, fz_matrix inv, fz_rect r)
{
    fz_rect u = fz_intersect_rect(fz_transform_rect(r, inv), fz_unit_rect);
    if (fz_is_empty_rect(u)) {
        return fz_empty_irect;
    }
    return fz_make_irect((int)floorf(u.x0 * (float)w), (int)floorf((1 - u.y1) * (float)h),
                         (int)ceilf(u.x1 * (float)w), (int)ceilf((1 - u.y0) * (float)h));
}

/* A decoded copy of `img` with the pixels under the page's areas cleared
 * (255: white, or opaque in a mask); NULL when no area lies over a pixel. */
static fz_pixmap *
cleared_pixmap(struct pass *p, fz_image *img, fz_matrix ctm)
{
    fz_context *ctx = p->ctx;
    fz_matrix inv = fz_invert_matrix(ctm);
    fz_pixmap *pix = NULL;
    for (size_t i = 0; i < p->n_area; i++) {
        fz_irect r = image_pixels(img->w, img->h, inv, p->pdf_rect[i]);
        if (fz_is_empty_irect(r)) {
            continue;
        }
        if (pix == NULL) {
            pix = fz_get_pixmap_from_image(ctx, img, NULL, NULL, NULL, NULL);
        }
        /* the decoded size, should it differ from the declared one */
        r = image_pixels(pix->w, pix->h, inv, p->pdf_rect[i]);
        fz_clear_pixmap_rect_with_value(ctx, pix, 255, fz_translate_irect(r, pix->x, pix->y));
    }
    return pix;
}

/* The page filter's image callback for a redaction: an image an area
 * covers whole is not drawn (NULL), one an area crosses is drawn with the
 * pixels under the areas cleared (its soft mask too), any other as it was.
 * MuPDF 1.21 drops what this returns for an inline image, but for a named
 * one only when it differs from `image`: so the same image comes back kept
 * for an inline image and not kept for a named one. (MuPDF's own
 * pdf_redact_page filter returns it kept for both, and leaked every image
 * of a redacted page that no area crossed.) */
static fz_image *
areas_image_filter(fz_context *ctx, void *opaque, fz_matrix ctm, const char *name, fz_image *image)
{
    struct pass *p = opaque;
    bool inline_image = strcmp(name, "<inline>") == 0;
    fz_quad where = fz_transform_quad(fz_quad_from_rect(fz_unit_rect), ctm);
    bool crossed = false;
    for (size_t i = 0; i < p->n_area; i++) {
        if (fz_is_quad_inside_quad(where, p->pdf_area[i])) {
            return NULL;
        }
        crossed |= fz_is_quad_intersecting_quad(where, p->pdf_area[i]) != 0;
    }
    if (!crossed || ctm.a * ctm.d - ctm.b * ctm.c == 0) {
        return inline_image ? fz_keep_image(ctx, image) : image;
    }
    fz_pixmap *pix = NULL;
    fz_pixmap *mask_pix = NULL;
    fz_image *mask = NULL;
    fz_image *out = NULL;
    fz_var(pix);
    fz_var(mask_pix);
    fz_var(mask);
    fz_try(ctx)
    {
        pix = cleared_pixmap(p, image, ctm);
        if (image->mask != NULL) {
            mask_pix = cleared_pixmap(p, image->mask, ctm);
            mask = mask_pix != NULL ? fz_new_image_from_pixmap(ctx, mask_pix, NULL)
                                    : fz_keep_image(ctx, image->mask);
        }
        if (pix == NULL && mask_pix == NULL) {
            out = inline_image ? fz_keep_image(ctx, image) : image;
        } else {
            if (pix == NULL) {
                pix = fz_get_pixmap_from_image(ctx, image, NULL, NULL, NULL, NULL);
            }
            out = fz_new_image_from_pixmap(ctx, pix, NULL);
            out->imagemask = image->imagemask;
            out->mask = mask;
            mask = NULL;
        }
    }
    fz_always(ctx)
    {
        fz_drop_pixmap(ctx, pix);
        fz_drop_pixmap(ctx, mask_pix);
        fz_drop_image(ctx, mask);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
    return out;
}

/* Redacts the page's areas with MuPDF's page filter and the callbacks
 * above, on the quads a redaction annotation would hold: glyphs cut, image
 * pixels cleared, black boxes painted. A page with annotations then gets
 * pdf_redact_page as well, without boxes or images (done here), for the
 * links and notes over the areas. */
static void
redact_areas(struct pass *p, pdf_page *page)
{
    fz_context *ctx = p->ctx;
    if (!scan_grow((void **)&p->pdf_area, &p->pdf_area_cap, p->n_area, sizeof(*p->pdf_area)) ||
        !scan_grow((void **)&p->pdf_rect, &p->pdf_rect_cap, p->n_area, sizeof(*p->pdf_rect))) {
        fz_throw(ctx, FZ_ERROR_MEMORY, "no room for the areas");
    }
    /* as pdf_add_annot_quad_point stores them */
    fz_matrix page_ctm;
    pdf_page_transform(ctx, page, NULL, &page_ctm);
    fz_matrix inv = fz_invert_matrix(page_ctm);
    p->pdf_all = fz_empty_rect;
    for (size_t i = 0; i < p->n_area; i++) {
        p->pdf_area[i] = fz_transform_quad(fz_quad_from_rect(p->area[i]), inv);
        p->pdf_rect[i] = fz_rect_from_quad(p->pdf_area[i]);
        p->pdf_all = fz_union_rect(p->pdf_all, p->pdf_rect[i]);
    }
    p->clear_row = false;
    pdf_filter_options filter = {0};
    filter.opaque = p;
    filter.text_filter = areas_text_filter;
    filter.image_filter = areas_image_filter;
    filter.end_page = areas_end_page;
    filter.recurse = 0; /* as pdf_redact_page: not patterns, softmasks, type3 fonts */
    filter.instance_forms = 1;
    filter.sanitize = 1;
    filter.ascii = 1;
    pdf_begin_operation(ctx, p->doc, "Redact page");
    fz_try(ctx)
    {
        pdf_filter_page_contents(ctx, p->doc, page, &filter);
        p->doc->redacted = 1;
    }
    fz_always(ctx)
    {
        pdf_end_operation(ctx, p->doc);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
    if (pdf_array_len(ctx, pdf_dict_get(ctx, page->obj, PDF_NAME(Annots))) == 0) {
        return;
    }
    pdf_annot *a = pdf_create_annot(ctx, page, PDF_ANNOT_REDACT);
    fz_rect all = fz_empty_rect;
    fz_try(ctx)
    {
        for (size_t i = 0; i < p->n_area; i++) {
            pdf_add_annot_quad_point(ctx, a, fz_quad_from_rect(p->area[i]));
            all = fz_union_rect(all, p->area[i]);
        }
        if (!fz_is_empty_rect(all)) {
            pdf_set_annot_rect(ctx, a, all);
        }
    }
    fz_always(ctx)
    {
        pdf_drop_annot(ctx, a);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
    pdf_redact_options ro = {.black_boxes = 0, .image_method = PDF_REDACT_IMAGE_NONE};
    pdf_redact_page(ctx, p->doc, page, &ro);
}

/* Deflates the content stream a redaction left uncompressed, zlib-wrapped
 * (FlateDecode) by ISA-L's igzip at SCAN_ZIP_LEVEL, as the Office rewriter
 * deflates its parts: the writer would use zlib's level 6, the largest part
 * of writing the PDF (bench/README.md "Documents"). A page whose contents are
 * an array keeps it for the writer; so does a stream igzip cannot fit in
 * the room given (incompressible). */
static void
deflate_contents(struct pass *p, pdf_page *page)
{
    fz_context *ctx = p->ctx;
    struct scan_pdf *s = p->s;
    pdf_obj *c = pdf_dict_get(ctx, page->obj, PDF_NAME(Contents));
    if (!pdf_is_stream(ctx, c) || pdf_dict_get(ctx, c, PDF_NAME(Filter)) != NULL) {
        return;
    }
    if (s->level_buf == NULL && (s->level_buf = malloc(PDF_LEVEL_BUF_SIZE)) == NULL) {
        return; /* the writer deflates it */
    }
    fz_buffer *raw = pdf_load_raw_stream(ctx, c);
    fz_buffer *z = NULL;
    fz_var(z);
    fz_try(ctx)
    {
        unsigned char *data = NULL;
        size_t n = fz_buffer_storage(ctx, raw, &data);
        size_t room = n + n / 8 + 1024;
        if (n <= UINT32_MAX / 2) {
            z = fz_new_buffer(ctx, room);
            struct isal_zstream zs;
            isal_deflate_stateless_init(&zs);
            zs.level = SCAN_ZIP_LEVEL;
            zs.level_buf = s->level_buf;
            zs.level_buf_size = PDF_LEVEL_BUF_SIZE;
            zs.gzip_flag = IGZIP_ZLIB;
            zs.next_in = data;
            zs.avail_in = (uint32_t)n;
            zs.next_out = z->data;
            zs.avail_out = (uint32_t)room;
            zs.end_of_stream = 1;
            zs.flush = NO_FLUSH;
            if (isal_deflate_stateless(&zs) == COMP_OK && zs.avail_in == 0) {
                z->len = room - zs.avail_out;
                pdf_update_stream(ctx, p->doc, c, z, 1);
                pdf_dict_put(ctx, c, PDF_NAME(Filter), PDF_NAME(FlateDecode));
                pdf_dict_del(ctx, c, PDF_NAME(DecodeParms));
            }
        }
    }
    fz_always(ctx)
    {
        fz_drop_buffer(ctx, z);
        fz_drop_buffer(ctx, raw);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
}

/* ---- page text without MuPDF's drawing: a plain page's own reader ----
 *
 * MuPDF's run processor draws: for every glyph it bounds the glyph's
 * outline (fz_bound_glyph), grows the text object's box and hands fz_text
 * objects to the device at the end of each text object, three quarters of
 * a page's reading (bench/README.md "Where the time goes"). A plain page
 * (no annotation, resources that are fonts, colour spaces and procedure
 * sets only: no form, pattern, image, shading, graphics state or
 * marked-content properties that could draw more text or take text away)
 * can only put text on the page through its content stream's text
 * operators. This processor interprets that stream with MuPDF's own
 * interpreter (lexing, font loading, encodings, ToUnicode, widths) and
 * keeps just the state text placement needs (the CTM, the text state
 * saved and restored with q and Q, the text and line matrices), builds the
 * same fz_text spans MuPDF's run processor builds (pdf_show_char,
 * pdf_tos_make_trm and pdf_show_space of MuPDF 1.21, less the glyph
 * boxes) and gives them to the light text device at the same points (end
 * of text object, cm, Q, a colour or line style, a change of render mode,
 * end of stream), as many times as MuPDF draws it in its render mode.
 * Text in hidden optional content is read too, and so is text filled or
 * stroked with a pattern colour space that has no pattern (MuPDF's run
 * processor draws it in nothing). A Type3
 * or vertical font, a form, a pattern, a soft mask or a graphics state met
 * anyway stops it: the page is read by fz_run_page instead. Both the
 * rewrite and its verifying re-read read a plain page this way; what the
 * two could both misread is checked by tests/unit/scan_pdf_test.c's
 * adversarial layouts, each also as a plain page, with MuPDF's structured
 * text as the judge. */

/* Character codes whose width and glyph the reader keeps per font. */
#define TP_CACHE 256

struct tp_state {
    fz_matrix ctm;
    pdf_font_desc *font; /* kept; NULL: none set */
    float size, scale, char_space, word_space, leading, rise;
    int render; /* Tr */
};

struct text_proc {
    pdf_processor super;
    struct text_dev *dev;
    struct tp_state *gs; /* the q/Q stack, gs[top] the current state */
    int top, cap;
    fz_matrix tm, tlm; /* the text matrix and line matrix */
    fz_text *text;     /* glyphs not yet given to the device */
    int text_mode;     /* the render mode they were shown in */
    bool refused;      /* not a page this reader reads: fz_run_page reads it */
    /* the width and glyph of codes below TP_CACHE in font `cached` (kept),
     * as pdf_lookup_hmtx and pdf_font_cid_to_gid gave them */
    pdf_font_desc *cached;
    int cache_w[TP_CACHE], cache_gid[TP_CACHE];
    bool cache_set[TP_CACHE];
};

/* fz_concat and fz_pre_translate of MuPDF 1.21 (geometry.c), the same
 * arithmetic inline. */
static inline fz_matrix
tp_concat(fz_matrix one, fz_matrix two)
{
    fz_matrix dst;
    dst.a = one.a * two.a + one.b * two.c;
    dst.b = one.a * two.b + one.b * two.d;
    dst.c = one.c * two.a + one.d * two.c;
    dst.d = one.c * two.b + one.d * two.d;
    dst.e = one.e * two.a + one.f * two.c + two.e;
    dst.f = one.e * two.b + one.f * two.d + two.f;
    return dst;
}

static inline fz_matrix
tp_pre_translate(fz_matrix m, float tx, float ty)
{
    m.e += tx * m.a + ty * m.c;
    m.f += tx * m.b + ty * m.d;
    return m;
}

/* The current graphics state's text state. */
static struct tp_state *
tp_cur(pdf_processor *proc)
{
    struct text_proc *tp = (struct text_proc *)proc;
    return &tp->gs[tp->top];
}

/* Gives the glyphs shown so far to the device (pdf_flush_text). */
static void
tp_flush(fz_context *ctx, struct text_proc *tp)
{
    fz_text *text = tp->text;
    if (text == NULL) {
        return;
    }
    tp->text = NULL;
    /* as often as MuPDF's run processor gives the device the text object
     * in its render mode (filled, stroked, clipping; both or all three),
     * once in an invalid mode (MuPDF draws it in none) */
    static const int times[8] = {1, 1, 2, 1, 2, 2, 3, 1};
    int n = tp->text_mode >= 0 && tp->text_mode < 8 ? times[tp->text_mode] : 1;
    fz_try(ctx)
    {
        for (int i = 0; i < n && text->head != NULL && !tp->refused; i++) {
            td_text(ctx, &tp->dev->super, text, tp->gs[tp->top].ctm);
        }
    }
    fz_always(ctx)
    {
        fz_drop_text(ctx, text);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
}

static void
tp_refuse(fz_context *ctx, pdf_processor *proc)
{
    (void)ctx;
    ((struct text_proc *)proc)->refused = true;
}

/* One character code's glyph (pdf_show_char without the glyph's box). */
static void
tp_char(fz_context *ctx, struct text_proc *tp, const struct tp_state *g, int cid)
{
    pdf_font_desc *fd = g->font;
    fz_matrix tsm = {g->size * g->scale, 0, 0, g->size, 0, g->rise};
    int w = 0, gid = 0;
    if (fd == tp->cached && cid < TP_CACHE && tp->cache_set[cid]) {
        w = tp->cache_w[cid];
        gid = tp->cache_gid[cid];
    } else {
        w = pdf_lookup_hmtx(ctx, fd, cid).w;
        gid = pdf_font_cid_to_gid(ctx, fd, cid);
        if (cid < TP_CACHE) {
            if (fd != tp->cached) {
                pdf_drop_font(ctx, tp->cached);
                tp->cached = pdf_keep_font(ctx, fd);
                memset(tp->cache_set, 0, sizeof(tp->cache_set));
            }
            tp->cache_w[cid] = w;
            tp->cache_gid[cid] = gid;
            tp->cache_set[cid] = true;
        }
    }
    float w0 = w * 0.001f;
    float tx = (w0 * g->size + g->char_space) * g->scale;
    fz_matrix trm = tp_concat(tsm, tp->tm);
    int ucs[8];
    int n = 0;
    if (fd->to_unicode != NULL) {
        n = pdf_lookup_cmap_full(fd->to_unicode, (unsigned)cid, ucs);
    }
    if (n == 0 && (size_t)cid < fd->cid_to_ucs_len) {
        ucs[0] = fd->cid_to_ucs[cid];
        n = 1;
    }
    if (n == 0 || (n == 1 && ucs[0] == 0)) {
        ucs[0] = FZ_REPLACEMENT_CHARACTER;
        n = 1;
    }
    if (tp->text == NULL || g->render != tp->text_mode) {
        tp_flush(ctx, tp);
        tp->text = fz_new_text(ctx);
        tp->text_mode = g->render;
    }
    fz_show_glyph(ctx, tp->text, fd->font, trm, gid, ucs[0], 0, 0, FZ_BIDI_NEUTRAL, FZ_LANG_UNSET);
    for (int i = 1; i < n; i++) {
        fz_show_glyph(ctx, tp->text, fd->font, trm, -1, ucs[i], 0, 0, FZ_BIDI_NEUTRAL,
                      FZ_LANG_UNSET);
    }
    tp->tm = tp_pre_translate(tp->tm, tx, 0);
}

/* A string's glyphs (show_string), word spacing after a one-byte code 32. */
static void
tp_string(fz_context *ctx, struct text_proc *tp, unsigned char *buf, size_t len)
{
    const struct tp_state *g = &tp->gs[tp->top];
    if (g->font == NULL || tp->refused) {
        return; /* MuPDF: "cannot draw text since font and size not set" */
    }
    unsigned char *s = buf, *end = buf + len;
    while (s < end) {
        unsigned cpt = 0;
        int w = pdf_decode_cmap(g->font->encoding, s, end, &cpt);
        s += w;
        int cid = pdf_lookup_cmap(g->font->encoding, cpt);
        if (cid >= 0) {
            tp_char(ctx, tp, g, cid);
        }
        if (cpt == 32 && w == 1) {
            tp->tm = tp_pre_translate(tp->tm, g->word_space * g->scale, 0);
        }
    }
}

static void
tp_newline(struct text_proc *tp)
{
    tp->tlm = fz_pre_translate(tp->tlm, 0, -tp->gs[tp->top].leading);
    tp->tm = tp->tlm;
}

static void
tp_q(fz_context *ctx, pdf_processor *proc)
{
    struct text_proc *tp = (struct text_proc *)proc;
    if (tp->top + 1 == tp->cap) {
        int cap = tp->cap * 2;
        tp->gs = fz_realloc_array(ctx, tp->gs, cap, struct tp_state);
        tp->cap = cap;
    }
    tp->gs[tp->top + 1] = tp->gs[tp->top];
    tp->top++;
    pdf_keep_font(ctx, tp->gs[tp->top].font);
}

static void
tp_Q(fz_context *ctx, pdf_processor *proc)
{
    struct text_proc *tp = (struct text_proc *)proc;
    tp_flush(ctx, tp);
    if (tp->top > 0) {
        pdf_drop_font(ctx, tp->gs[tp->top].font);
        tp->top--;
    }
}

static void
tp_cm(fz_context *ctx, pdf_processor *proc, float a, float b, float c, float d, float e, float f)
{
    struct text_proc *tp = (struct text_proc *)proc;
    tp_flush(ctx, tp);
    struct tp_state *g = &tp->gs[tp->top];
    g->ctm = fz_concat(fz_make_matrix(a, b, c, d, e, f), g->ctm);
}

static void
tp_BT(fz_context *ctx, pdf_processor *proc)
{
    (void)ctx;
    struct text_proc *tp = (struct text_proc *)proc;
    tp->tm = tp->tlm = fz_identity;
}

static void
tp_ET(fz_context *ctx, pdf_processor *proc)
{
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_Tc(fz_context *ctx, pdf_processor *proc, float v)
{
    (void)ctx;
    tp_cur(proc)->char_space = v;
}

static void
tp_Tw(fz_context *ctx, pdf_processor *proc, float v)
{
    (void)ctx;
    tp_cur(proc)->word_space = v;
}

static void
tp_Tz(fz_context *ctx, pdf_processor *proc, float v)
{
    (void)ctx;
    tp_cur(proc)->scale = v / 100;
}

static void
tp_TL(fz_context *ctx, pdf_processor *proc, float v)
{
    (void)ctx;
    tp_cur(proc)->leading = v;
}

static void
tp_Ts(fz_context *ctx, pdf_processor *proc, float v)
{
    (void)ctx;
    tp_cur(proc)->rise = v;
}

static void
tp_Tr(fz_context *ctx, pdf_processor *proc, int render)
{
    (void)ctx;
    tp_cur(proc)->render = render;
}

/* The operators MuPDF's run processor gives the text shown so far to the
 * device before (colour, line style, rendering intent): the text object
 * is split there as it would be. */
static void
tp_flush_f(fz_context *ctx, pdf_processor *proc, float v)
{
    (void)v;
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_flush_i(fz_context *ctx, pdf_processor *proc, int v)
{
    (void)v;
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_flush_d(fz_context *ctx, pdf_processor *proc, pdf_obj *array, float phase)
{
    (void)array;
    (void)phase;
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_flush_name(fz_context *ctx, pdf_processor *proc, const char *name)
{
    (void)name;
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_flush_cs(fz_context *ctx, pdf_processor *proc, const char *name, fz_colorspace *cs)
{
    (void)name;
    (void)cs;
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_flush_color(fz_context *ctx, pdf_processor *proc, int n, float *color)
{
    (void)n;
    (void)color;
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_flush_shade(fz_context *ctx, pdf_processor *proc, const char *name, fz_shade *shade)
{
    (void)name;
    (void)shade;
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_flush_rgb(fz_context *ctx, pdf_processor *proc, float r, float g, float b)
{
    (void)r;
    (void)g;
    (void)b;
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_flush_cmyk(fz_context *ctx, pdf_processor *proc, float c, float m, float y, float k)
{
    (void)c;
    (void)m;
    (void)y;
    (void)k;
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_Tf(fz_context *ctx, pdf_processor *proc, const char *name, pdf_font_desc *font, float size)
{
    (void)name;
    struct text_proc *tp = (struct text_proc *)proc;
    if (font == NULL || font->wmode != 0 || font->font == NULL || font->font->t3procs != NULL) {
        tp->refused = true; /* vertical or Type3: MuPDF's reading */
        return;
    }
    struct tp_state *g = &tp->gs[tp->top];
    pdf_drop_font(ctx, g->font);
    g->font = pdf_keep_font(ctx, font);
    g->size = size;
}

static void
tp_Td(fz_context *ctx, pdf_processor *proc, float tx, float ty)
{
    (void)ctx;
    struct text_proc *tp = (struct text_proc *)proc;
    tp->tlm = fz_pre_translate(tp->tlm, tx, ty);
    tp->tm = tp->tlm;
}

static void
tp_TD(fz_context *ctx, pdf_processor *proc, float tx, float ty)
{
    struct text_proc *tp = (struct text_proc *)proc;
    tp->gs[tp->top].leading = -ty;
    tp_Td(ctx, proc, tx, ty);
}

static void
tp_Tm(fz_context *ctx, pdf_processor *proc, float a, float b, float c, float d, float e, float f)
{
    (void)ctx;
    struct text_proc *tp = (struct text_proc *)proc;
    tp->tm = tp->tlm = fz_make_matrix(a, b, c, d, e, f);
}

static void
tp_Tstar(fz_context *ctx, pdf_processor *proc)
{
    (void)ctx;
    tp_newline((struct text_proc *)proc);
}

static void
tp_TJ(fz_context *ctx, pdf_processor *proc, pdf_obj *array)
{
    struct text_proc *tp = (struct text_proc *)proc;
    const struct tp_state *g = &tp->gs[tp->top];
    if (g->font == NULL) {
        return;
    }
    int n = pdf_array_len(ctx, array);
    for (int i = 0; i < n; i++) {
        pdf_obj *item = pdf_array_get(ctx, array, i);
        if (pdf_is_string(ctx, item)) {
            tp_string(ctx, tp, (unsigned char *)pdf_to_str_buf(ctx, item),
                      pdf_to_str_len(ctx, item));
        } else {
            float adj = -pdf_to_real(ctx, item) * g->size * 0.001f;
            tp->tm = tp_pre_translate(tp->tm, adj * g->scale, 0);
        }
    }
}

static void
tp_Tj(fz_context *ctx, pdf_processor *proc, char *str, size_t len)
{
    tp_string(ctx, (struct text_proc *)proc, (unsigned char *)str, len);
}

static void
tp_squote(fz_context *ctx, pdf_processor *proc, char *str, size_t len)
{
    struct text_proc *tp = (struct text_proc *)proc;
    tp_newline(tp);
    tp_string(ctx, tp, (unsigned char *)str, len);
}

static void
tp_dquote(fz_context *ctx, pdf_processor *proc, float aw, float ac, char *str, size_t len)
{
    struct text_proc *tp = (struct text_proc *)proc;
    tp->gs[tp->top].word_space = aw;
    tp->gs[tp->top].char_space = ac;
    tp_newline(tp);
    tp_string(ctx, tp, (unsigned char *)str, len);
}

static void
tp_Do_form(fz_context *ctx, pdf_processor *proc, const char *name, pdf_obj *form, pdf_obj *res)
{
    (void)name;
    (void)form;
    (void)res;
    tp_refuse(ctx, proc);
}

static void
tp_gs_begin(fz_context *ctx, pdf_processor *proc, const char *name, pdf_obj *extgstate)
{
    (void)name;
    (void)extgstate;
    tp_refuse(ctx, proc);
}

static void
tp_gs_SMask(fz_context *ctx, pdf_processor *proc, pdf_obj *smask, pdf_obj *res, float *bc,
            int luminosity)
{
    (void)smask;
    (void)res;
    (void)bc;
    (void)luminosity;
    tp_refuse(ctx, proc);
}

static void
tp_pattern(fz_context *ctx, pdf_processor *proc, const char *name, pdf_pattern *pat, int n,
           float *color)
{
    (void)name;
    (void)pat;
    (void)n;
    (void)color;
    tp_refuse(ctx, proc);
}

static void
tp_END(fz_context *ctx, pdf_processor *proc)
{
    tp_flush(ctx, (struct text_proc *)proc);
}

static void
tp_drop(fz_context *ctx, pdf_processor *proc)
{
    struct text_proc *tp = (struct text_proc *)proc;
    fz_drop_text(ctx, tp->text);
    tp->text = NULL;
    pdf_drop_font(ctx, tp->cached);
    tp->cached = NULL;
    if (tp->gs != NULL) {
        for (int i = 0; i <= tp->top; i++) {
            pdf_drop_font(ctx, tp->gs[i].font);
        }
        fz_free(ctx, tp->gs);
        tp->gs = NULL;
    }
}

/* True when page `page` is plain (see above): nothing but its content
 * stream's text operators can put text on it. */
static bool
plain_page(fz_context *ctx, pdf_page *page)
{
    if (pdf_array_len(ctx, pdf_dict_get(ctx, page->obj, PDF_NAME(Annots))) > 0) {
        return false;
    }
    pdf_obj *res = pdf_page_resources(ctx, page);
    if (res != NULL && !pdf_is_dict(ctx, res)) {
        return false;
    }
    int n = pdf_dict_len(ctx, res);
    for (int i = 0; i < n; i++) {
        pdf_obj *k = pdf_dict_get_key(ctx, res, i);
        if (k != PDF_NAME(Font) && k != PDF_NAME(ProcSet) && k != PDF_NAME(ColorSpace)) {
            return false;
        }
    }
    pdf_obj *fonts = pdf_dict_get(ctx, res, PDF_NAME(Font));
    n = pdf_dict_len(ctx, fonts);
    for (int i = 0; i < n; i++) {
        pdf_obj *f = pdf_dict_get_val(ctx, fonts, i);
        if (pdf_name_eq(ctx, pdf_dict_get(ctx, f, PDF_NAME(Subtype)), PDF_NAME(Type3))) {
            return false;
        }
    }
    return true;
}

/* Reads plain page `page` into the device `dev` as fz_run_page would
 * (same glyphs, same spans' geometry, same device space). Returns false
 * when the page turned out not to be plain (nothing may be kept of what
 * was read). Throws. */
static bool
read_plain(fz_context *ctx, pdf_page *page, struct text_dev *dev, fz_cookie *cookie)
{
    struct text_proc *tp = pdf_new_processor(ctx, sizeof(*tp));
    bool ok = false;
    fz_var(ok);
    fz_try(ctx)
    {
        tp->super.drop_processor = tp_drop;
        tp->super.op_q = tp_q;
        tp->super.op_Q = tp_Q;
        tp->super.op_cm = tp_cm;
        tp->super.op_BT = tp_BT;
        tp->super.op_ET = tp_ET;
        tp->super.op_Tc = tp_Tc;
        tp->super.op_Tw = tp_Tw;
        tp->super.op_Tz = tp_Tz;
        tp->super.op_TL = tp_TL;
        tp->super.op_Tf = tp_Tf;
        tp->super.op_Tr = tp_Tr;
        tp->super.op_w = tp_flush_f;
        tp->super.op_M = tp_flush_f;
        tp->super.op_j = tp_flush_i;
        tp->super.op_J = tp_flush_i;
        tp->super.op_d = tp_flush_d;
        tp->super.op_ri = tp_flush_name;
        tp->super.op_CS = tp_flush_cs;
        tp->super.op_cs = tp_flush_cs;
        tp->super.op_SC_color = tp_flush_color;
        tp->super.op_sc_color = tp_flush_color;
        tp->super.op_SC_shade = tp_flush_shade;
        tp->super.op_sc_shade = tp_flush_shade;
        tp->super.op_G = tp_flush_f;
        tp->super.op_g = tp_flush_f;
        tp->super.op_RG = tp_flush_rgb;
        tp->super.op_rg = tp_flush_rgb;
        tp->super.op_K = tp_flush_cmyk;
        tp->super.op_k = tp_flush_cmyk;
        tp->super.op_Ts = tp_Ts;
        tp->super.op_Td = tp_Td;
        tp->super.op_TD = tp_TD;
        tp->super.op_Tm = tp_Tm;
        tp->super.op_Tstar = tp_Tstar;
        tp->super.op_TJ = tp_TJ;
        tp->super.op_Tj = tp_Tj;
        tp->super.op_squote = tp_squote;
        tp->super.op_dquote = tp_dquote;
        tp->super.op_Do_form = tp_Do_form;
        tp->super.op_gs_begin = tp_gs_begin;
        tp->super.op_gs_SMask = tp_gs_SMask;
        tp->super.op_SC_pattern = tp_pattern;
        tp->super.op_sc_pattern = tp_pattern;
        tp->super.op_END = tp_END;
        tp->super.usage = NULL; /* hidden optional content is read too */
        tp->dev = dev;
        tp->cap = 8;
        /* zeroed: tp_drop drops gs[0].font even when the page transform throws */
        tp->gs = fz_calloc(ctx, (size_t)tp->cap, sizeof(*tp->gs));
        tp->top = 0;
        fz_matrix page_ctm;
        pdf_page_transform(ctx, page, NULL, &page_ctm);
        tp->gs[0] = (struct tp_state){page_ctm, NULL, -1, 1, 0, 0, 0, 0, 0};
        tp->tm = tp->tlm = fz_identity;
        pdf_process_contents(ctx, &tp->super, page->doc, pdf_page_resources(ctx, page),
                             pdf_page_contents(ctx, page), cookie);
        pdf_close_processor(ctx, &tp->super);
        tp_flush(ctx, tp);
        ok = !tp->refused;
    }
    fz_always(ctx)
    {
        pdf_drop_processor(ctx, &tp->super);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
    return ok;
}

/* Reads the text of `page` into the pass's text (with quads when
 * p->quads), through the light text device. Returns 0 or RL_ENOMEM;
 * throws on MuPDF errors and once over time. */
static int
read_text(struct pass *p, pdf_page *page)
{
    fz_context *ctx = p->ctx;
    struct text_dev *dev = NULL;
    int rc = 0;
    fz_var(dev);
    fz_var(rc);
    if (p->text != NULL) {
        explicit_bzero(p->text, p->len);
    }
    p->len = 0;
    fz_try(ctx)
    {
        dev = fz_new_derived_device(ctx, struct text_dev);
        dev->p = p;
        dev->super.fill_text = td_fill_text;
        dev->super.stroke_text = td_stroke_text;
        dev->super.clip_text = td_clip_text;
        dev->super.clip_stroke_text = td_clip_stroke_text;
        dev->super.ignore_text = td_ignore_text;
        p->s->pages_read++;
        if (!p->s->no_plain && plain_page(ctx, page) && read_plain(ctx, page, dev, &p->s->cookie)) {
            p->s->plain_read++;
        } else {
            /* what the plain reader read, if anything, goes */
            if (p->text != NULL) {
                explicit_bzero(p->text, p->len);
            }
            p->len = 0;
            dev->oom = dev->started = false;
            fz_run_page(ctx, &page->super, &dev->super, fz_identity, &p->s->cookie);
        }
        fz_close_device(ctx, &dev->super);
        if (p->s->cookie.abort) {
            fz_throw(ctx, FZ_ERROR_ABORT, "over time");
        }
        if (dev->oom || !text_room(p, 1)) {
            rc = RL_ENOMEM;
            break;
        }
        if (dev->started) {
            text_put(p, '\n', &no_quad);
        }
    }
    fz_always(ctx)
    {
        fz_drop_device(ctx, (fz_device *)dev);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
    return rc;
}

static void check_ratio(struct pass *p, int num, pdf_obj *dict, fz_buffer **keep);
static bool is_marked_contents(const struct pass *p, int num);

/* A page's contents while the page reads them decoded (page_contents). */
struct swapped {
    pdf_obj *obj;   /* the content stream; NULL: the page reads it as it is */
    pdf_obj *dict;  /* a copy of its dictionary as it was */
    fz_buffer *raw; /* its bytes as they were (encoded) */
};

/* Round 1: a page whose sole content stream mark_contents marked is read
 * from those contents decoded once: the ratio check decodes them, and the
 * stream object holds the decoded bytes without filters while the page is
 * read and redacted; MuPDF would otherwise inflate them again for the
 * reading and again for the redaction. A redaction then replaces them as
 * it would have; otherwise contents_back puts back the dictionary and
 * bytes as they were. Not for an encrypted PDF. Throws. */
static void
page_contents(struct pass *p, pdf_page *page, struct swapped *sw)
{
    fz_context *ctx = p->ctx;
    pdf_obj *c = pdf_dict_get(ctx, page->obj, PDF_NAME(Contents));
    int num = pdf_to_num(ctx, c);
    if (!pdf_is_indirect(ctx, c) || !is_marked_contents(p, num)) {
        return;
    }
    p->contents[num] = false; /* once: a page sharing them reads them as they are */
    fz_buffer *dec = NULL;
    check_ratio(p, num, c, &dec);
    if (dec == NULL) {
        return; /* over a limit or out of time: the round stops */
    }
    fz_try(ctx)
    {
        sw->raw = pdf_load_raw_stream_number(ctx, p->doc, num);
        sw->dict = pdf_copy_dict(ctx, c);
        sw->obj = pdf_keep_obj(ctx, c);
        pdf_update_stream(ctx, p->doc, c, dec, 0);
    }
    fz_always(ctx)
    {
        fz_drop_buffer(ctx, dec);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
}

/* Puts back the contents page_contents decoded, unless a redaction
 * replaced them. Throws. */
static void
contents_back(struct pass *p, struct swapped *sw, bool redacted)
{
    fz_context *ctx = p->ctx;
    if (!redacted) {
        pdf_update_stream(ctx, p->doc, sw->obj, sw->raw, 1);
        pdf_update_object(ctx, p->doc, pdf_to_num(ctx, sw->obj), sw->dict);
    }
}

static void
swapped_drop(fz_context *ctx, struct swapped *sw)
{
    pdf_drop_obj(ctx, sw->obj);
    pdf_drop_obj(ctx, sw->dict);
    fz_drop_buffer(ctx, sw->raw);
}

/* Extracts the text of page `i`, detects, and redacts what the policy
 * redacts. A re-read reads the text without quads (only a survivor needs
 * them: its page is read again with them). Throws on MuPDF errors;
 * returns RL_ENOMEM/RL_ELIMIT/RL_ESCAN for ours. */
static int
do_page(struct pass *p, int i)
{
    fz_context *ctx = p->ctx;
    struct scan_doc *d = p->d;
    pdf_page *page = pdf_load_page(ctx, p->doc, i);
    struct swapped sw = {NULL, NULL, NULL};
    int rc = 0;
    fz_var(rc);
    fz_var(sw);
    p->quads = !p->verify;
    fz_try(ctx)
    {
        page_contents(p, page, &sw);
        if (p->limit != 0) {
            break; /* the contents are refused: so is the PDF */
        }
        size_t n = 0;
        int r = 0;
        for (;;) {
            rc = read_text(p, page);
            if (rc != 0) {
                break;
            }
            r = scan_doc_detect(d, &n, p->text, p->len);
            if (r == RL_ENOMEM) {
                rc = r;
                break;
            }
            if (p->quads || scan_redact_count(d->f, n) == 0 || !d->pol->documents.redact) {
                break;
            }
            p->quads = true; /* a survivor to redact: where is it? */
        }
        if (rc != 0) {
            break;
        }
        char loc[SCAN_DOC_LOC_MAX];
        snprintf(loc, sizeof(loc), "%s%spage %d", p->loc, p->loc[0] ? "/" : "", i + 1);
        if (r != 0) {
            scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "text could not be fully scanned");
        }
        size_t k = 0;
        for (size_t j = 0; j < n; j++) {
            if (!p->verify || d->f[j].action == SCAN_ACT_REDACT) {
                d->f[k++] = d->f[j]; /* a re-read lists survivors only */
            }
        }
        scan_doc_record(d, loc, d->f, k);
        size_t red = scan_redact_count(d->f, k);
        if (red > 0 && d->pol->documents.redact) {
            if (!finding_areas(p, d->f, k)) {
                rc = RL_ENOMEM;
                break;
            }
            redact_areas(p, page);
            deflate_contents(p, page);
            p->redacted[i] = true;
            p->n_red += red;
            p->changed = true;
        } else if (sw.obj != NULL) {
            contents_back(p, &sw, false);
        }
    }
    fz_always(ctx)
    {
        swapped_drop(ctx, &sw);
        fz_drop_page(ctx, &page->super);
        if (p->text != NULL) {
            explicit_bzero(p->text, p->len);
        }
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
    return rc;
}

/* ---- pages a round left as they were ---- */

/* Compares the pages of a round's output with the same pages of its input:
 * a page whose dictionary, inherited attributes and everything reachable
 * from them (contents, resources, fonts, images, annotations with their
 * appearances; streams by their raw bytes) are equal, in a document whose
 * rendering-wide inputs (optional content, the form) are equal, draws
 * exactly what the input's page drew, and that text was extracted and
 * found clean before (a page with a finding to redact is redacted, so it
 * differs). Only the pages that differ are extracted again. Anything
 * unusual (encryption, objects renumbered, a comparison too long) counts
 * as different: the page is extracted. */
struct same {
    fz_context *ctx;
    pdf_document *da, *db; /* the round's input and its output */
    int n;                 /* objects of da */
    int *stamp;            /* per object of da: the comparison that last entered it */
    uint8_t *stream_eq;    /* per object of da: 0 unknown, 1 equal raw bytes, 2 not */
    int cur;               /* this comparison's stamp */
    uint64_t budget;       /* objects left to enter over the whole document */
    bool doc_differs;      /* the document-wide inputs differ: every page is read */
};

static bool same_obj(struct same *m, pdf_obj *a, pdf_obj *b, int depth);
static bool same_direct(struct same *m, pdf_obj *a, pdf_obj *b, int depth);
static bool general_filters(fz_context *ctx, pdf_obj *f);

static bool
same_bytes(fz_context *ctx, fz_buffer *a, fz_buffer *b)
{
    unsigned char *pa = NULL, *pb = NULL;
    size_t la = fz_buffer_storage(ctx, a, &pa), lb = fz_buffer_storage(ctx, b, &pb);
    return la == lb && (la == 0 || memcmp(pa, pb, la) == 0);
}

/* The data of stream `num` (whose dictionaries were found equal but for
 * how the data is encoded) in both documents: the same bytes, or, when
 * the rewrite encoded it anew (MuPDF deflates what was stored plain), the
 * same bytes once decoded through general-purpose filters. */
static bool
same_stream(struct same *m, int num, bool recoded)
{
    if (m->stream_eq[num] != 0) {
        return m->stream_eq[num] == 1;
    }
    fz_context *ctx = m->ctx;
    fz_buffer *ba = NULL, *bb = NULL;
    fz_var(ba);
    fz_var(bb);
    fz_try(ctx)
    {
        if (recoded) {
            ba = pdf_load_stream_number(ctx, m->da, num);
            bb = pdf_load_stream_number(ctx, m->db, num);
        } else {
            ba = pdf_load_raw_stream_number(ctx, m->da, num);
            bb = pdf_load_raw_stream_number(ctx, m->db, num);
        }
        m->stream_eq[num] = same_bytes(ctx, ba, bb) ? 1 : 2;
    }
    fz_always(ctx)
    {
        fz_drop_buffer(ctx, ba);
        fz_drop_buffer(ctx, bb);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
    return m->stream_eq[num] == 1;
}

/* A stream's dictionary: equal, or equal but for /Length, /Filter,
 * /DecodeParms and /DL with general-purpose filters on both sides
 * (*recoded set: the data must then be compared decoded). */
static bool
same_stream_dict(struct same *m, pdf_obj *a, pdf_obj *b, int depth, bool *recoded)
{
    fz_context *ctx = m->ctx;
    *recoded = false;
    if (!pdf_is_dict(ctx, a) || !pdf_is_dict(ctx, b)) {
        return false;
    }
    pdf_obj *const coding[] = {PDF_NAME(Length), PDF_NAME(Filter), PDF_NAME(DecodeParms),
                               PDF_NAME(DL)};
    int na = 0, nb = 0;
    bool same_coding = true;
    for (size_t k = 0; k < sizeof(coding) / sizeof(coding[0]); k++) {
        pdf_obj *va = pdf_dict_get(ctx, a, coding[k]), *vb = pdf_dict_get(ctx, b, coding[k]);
        na += va != NULL;
        nb += vb != NULL;
        same_coding = same_coding && (va == NULL) == (vb == NULL) &&
                      (va == NULL || same_direct(m, pdf_resolve_indirect(ctx, va),
                                                 pdf_resolve_indirect(ctx, vb), depth + 1));
    }
    if (pdf_dict_len(ctx, a) - na != pdf_dict_len(ctx, b) - nb) {
        return false;
    }
    for (int i = 0; i < pdf_dict_len(ctx, a); i++) {
        pdf_obj *key = pdf_dict_get_key(ctx, a, i);
        bool skip = false;
        for (size_t k = 0; k < sizeof(coding) / sizeof(coding[0]); k++) {
            skip |= pdf_name_eq(ctx, key, coding[k]);
        }
        pdf_obj *vb = pdf_dict_get(ctx, b, key);
        if (!skip && (vb == NULL || !same_obj(m, pdf_dict_get_val(ctx, a, i), vb, depth + 1))) {
            return false;
        }
    }
    if (same_coding) {
        return true;
    }
    *recoded = general_filters(ctx, pdf_dict_get(ctx, a, PDF_NAME(Filter))) &&
               general_filters(ctx, pdf_dict_get(ctx, b, PDF_NAME(Filter)));
    return *recoded;
}

static bool
same_dict(struct same *m, pdf_obj *a, pdf_obj *b, int depth)
{
    fz_context *ctx = m->ctx;
    int n = pdf_dict_len(ctx, a);
    if (n != pdf_dict_len(ctx, b)) {
        return false;
    }
    /* a page's /Parent leads to every page: its inherited attributes are
     * compared by same_page instead */
    bool page = pdf_name_eq(ctx, pdf_dict_get(ctx, a, PDF_NAME(Type)), PDF_NAME(Page));
    for (int i = 0; i < n; i++) {
        pdf_obj *key = pdf_dict_get_key(ctx, a, i);
        pdf_obj *vb = pdf_dict_get(ctx, b, key);
        if (vb == NULL) {
            return false;
        }
        if (page && pdf_name_eq(ctx, key, PDF_NAME(Parent))) {
            continue;
        }
        if (!same_obj(m, pdf_dict_get_val(ctx, a, i), vb, depth + 1)) {
            return false;
        }
    }
    return true;
}

static bool
same_direct(struct same *m, pdf_obj *a, pdf_obj *b, int depth)
{
    fz_context *ctx = m->ctx;
    if (pdf_is_dict(ctx, a)) {
        return pdf_is_dict(ctx, b) && same_dict(m, a, b, depth);
    }
    if (pdf_is_array(ctx, a)) {
        int n = pdf_array_len(ctx, a);
        if (!pdf_is_array(ctx, b) || n != pdf_array_len(ctx, b)) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!same_obj(m, pdf_array_get(ctx, a, i), pdf_array_get(ctx, b, i), depth + 1)) {
                return false;
            }
        }
        return true;
    }
    if (pdf_is_name(ctx, a)) {
        return pdf_is_name(ctx, b) && pdf_name_eq(ctx, a, b);
    }
    if (pdf_is_string(ctx, a)) {
        size_t n = pdf_to_str_len(ctx, a);
        return pdf_is_string(ctx, b) && n == pdf_to_str_len(ctx, b) &&
               memcmp(pdf_to_str_buf(ctx, a), pdf_to_str_buf(ctx, b), n) == 0;
    }
    if (pdf_is_int(ctx, a)) {
        return pdf_is_int(ctx, b) && pdf_to_int64(ctx, a) == pdf_to_int64(ctx, b);
    }
    if (pdf_is_real(ctx, a)) {
        float x = pdf_to_real(ctx, a), y = pdf_to_real(ctx, b);
        return pdf_is_real(ctx, b) && x == y; /* NaN: different, the page is read */
    }
    if (pdf_is_bool(ctx, a)) {
        return pdf_is_bool(ctx, b) && pdf_to_bool(ctx, a) == pdf_to_bool(ctx, b);
    }
    return (a == NULL || pdf_is_null(ctx, a)) && (b == NULL || pdf_is_null(ctx, b));
}

/* Objects a of da and b of db, indirect ones followed (by their numbers,
 * which a garbage-collected rewrite keeps). */
static bool
same_obj(struct same *m, pdf_obj *a, pdf_obj *b, int depth)
{
    fz_context *ctx = m->ctx;
    if (depth > 2 * PDF_MAX_NESTING) {
        return false;
    }
    if (!pdf_is_indirect(ctx, a)) {
        return !pdf_is_indirect(ctx, b) && same_direct(m, a, b, depth);
    }
    int num = pdf_to_num(ctx, a);
    if (!pdf_is_indirect(ctx, b) || num != pdf_to_num(ctx, b) || num <= 0 || num >= m->n) {
        return false;
    }
    if (m->stamp[num] == m->cur) {
        return true; /* being compared already (a cycle) or compared equal */
    }
    if (m->budget == 0) {
        return false;
    }
    m->budget--;
    m->stamp[num] = m->cur;
    bool sa = pdf_obj_num_is_stream(ctx, m->da, num);
    if (sa != (bool)pdf_obj_num_is_stream(ctx, m->db, num)) {
        return false;
    }
    pdf_obj *ra = pdf_resolve_indirect(ctx, a), *rb = pdf_resolve_indirect(ctx, b);
    if (!sa) {
        return same_direct(m, ra, rb, depth);
    }
    bool recoded = false;
    return same_stream_dict(m, ra, rb, depth, &recoded) && same_stream(m, num, recoded);
}

/* Sets up *m for the documents da (a round's input) and db (its output):
 * false when out of memory. Throws on MuPDF errors. */
static bool
same_begin(struct same *m, fz_context *ctx, pdf_document *da, pdf_document *db)
{
    memset(m, 0, sizeof(*m));
    m->ctx = ctx;
    m->da = da;
    m->db = db;
    m->n = pdf_xref_len(ctx, da);
    m->stamp = calloc((size_t)m->n + 1, sizeof(*m->stamp));
    m->stream_eq = calloc((size_t)m->n + 1, 1);
    if (m->stamp == NULL || m->stream_eq == NULL) {
        return false;
    }
    /* every object entered a few times over, then pages are simply read */
    m->budget = 8 * (uint64_t)m->n + 4096;
    pdf_obj *ta = pdf_trailer(ctx, da), *tb = pdf_trailer(ctx, db);
    pdf_obj *ra = pdf_dict_get(ctx, ta, PDF_NAME(Root)),
            *rb = pdf_dict_get(ctx, tb, PDF_NAME(Root));
    m->cur = 1;
    m->doc_differs = pdf_dict_get(ctx, ta, PDF_NAME(Encrypt)) != NULL ||
                     pdf_dict_get(ctx, tb, PDF_NAME(Encrypt)) != NULL ||
                     !same_obj(m, pdf_dict_get(ctx, ra, PDF_NAME(OCProperties)),
                               pdf_dict_get(ctx, rb, PDF_NAME(OCProperties)), 0) ||
                     !same_obj(m, pdf_dict_get(ctx, ra, PDF_NAME(AcroForm)),
                               pdf_dict_get(ctx, rb, PDF_NAME(AcroForm)), 0);
    return true;
}

static void
same_end(struct same *m)
{
    free(m->stamp);
    free(m->stream_eq);
    m->stamp = NULL;
    m->stream_eq = NULL;
}

/* Whether page i of the output draws what page i of the input drew.
 * Throws on MuPDF errors. */
static bool
same_page(struct same *m, int i)
{
    fz_context *ctx = m->ctx;
    if (m->doc_differs) {
        return false;
    }
    m->cur = i + 2;
    pdf_obj *pa = pdf_lookup_page_obj(ctx, m->da, i);
    pdf_obj *pb = pdf_lookup_page_obj(ctx, m->db, i);
    if (!same_obj(m, pa, pb, 0)) {
        return false;
    }
    pdf_obj *const inherited[] = {PDF_NAME(Resources), PDF_NAME(MediaBox), PDF_NAME(CropBox),
                                  PDF_NAME(Rotate)};
    for (size_t k = 0; k < sizeof(inherited) / sizeof(inherited[0]); k++) {
        pdf_obj *va = pdf_dict_get_inheritable(ctx, pa, inherited[k]);
        pdf_obj *vb = pdf_dict_get_inheritable(ctx, pb, inherited[k]);
        if ((va == NULL) != (vb == NULL) || (va != NULL && !same_obj(m, va, vb, 0))) {
            return false;
        }
    }
    return true;
}

/* ---- the object graph ---- */

static bool
name_is(fz_context *ctx, pdf_obj *o, const char *n)
{
    return pdf_is_name(ctx, o) && strcmp(pdf_to_name(ctx, o), n) == 0;
}

/* Whether action `a` (or one chained after it by /Next) is one the policy
 * removes; bumps the pass's counter for what it is. */
static bool
bad_action(struct pass *p, pdf_obj *a, int depth)
{
    fz_context *ctx = p->ctx;
    const struct scan_pdf_policy *pp = &p->d->pol->pdf;
    if (depth > PDF_MAX_NESTING || a == NULL) {
        return false;
    }
    if (pdf_is_array(ctx, a)) {
        for (int i = 0; i < pdf_array_len(ctx, a); i++) {
            if (bad_action(p, pdf_array_get(ctx, a, i), depth + 1)) {
                return true;
            }
        }
        return false;
    }
    if (!pdf_is_dict(ctx, a)) {
        return false;
    }
    pdf_obj *s = pdf_dict_get(ctx, a, PDF_NAME(S));
    if (pp->javascript && (name_is(ctx, s, "JavaScript") ||
                           (name_is(ctx, s, "Rendition") && pdf_dict_get(ctx, a, PDF_NAME(JS))))) {
        p->js++;
        return true;
    }
    if (pp->launch && name_is(ctx, s, "Launch")) {
        p->launch++;
        return true;
    }
    return bad_action(p, pdf_dict_get(ctx, a, PDF_NAME(Next)), depth + 1);
}

/* An additional-actions dictionary with an action the policy removes. */
static bool
bad_aa(struct pass *p, pdf_obj *aa)
{
    fz_context *ctx = p->ctx;
    bool bad = false;
    for (int i = 0; pdf_is_dict(ctx, aa) && i < pdf_dict_len(ctx, aa); i++) {
        bad |= bad_action(p, pdf_dict_get_val(ctx, aa, i), 0);
    }
    return bad;
}

static bool
is_file_attachment(fz_context *ctx, pdf_obj *annot)
{
    return pdf_name_eq(ctx, pdf_dict_get(ctx, annot, PDF_NAME(Subtype)), PDF_NAME(FileAttachment));
}

/* Masks the findings in a text string of the object graph: the value of
 * `key` in dictionary `container`, item `index` of array `container`, or,
 * with no container, the indirect object being walked. */
static int
redact_string(struct pass *p, pdf_obj *container, pdf_obj *key, int index, pdf_obj *str)
{
    fz_context *ctx = p->ctx;
    struct scan_doc *d = p->d;
    const char *t = pdf_to_text_string(ctx, str);
    size_t len = strlen(t);
    if (len == 0 || len > UINT32_MAX) {
        return 0;
    }
    size_t n = 0;
    int rc = scan_doc_detect(d, &n, (const uint8_t *)t, len);
    if (rc == RL_ENOMEM) {
        return rc;
    }
    char loc[SCAN_DOC_LOC_MAX];
    snprintf(loc, sizeof(loc), "%s%sobject %d", p->loc, p->loc[0] ? "/" : "", p->num);
    if (rc != 0) {
        scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "text string could not be fully scanned");
        return 0;
    }
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (!p->verify || d->f[j].action == SCAN_ACT_REDACT) {
            d->f[k++] = d->f[j];
        }
    }
    scan_doc_record(d, loc, d->f, k);
    if (scan_redact_count(d->f, k) == 0 || !d->pol->documents.redact) {
        return 0;
    }
    char *red = malloc(len + 1);
    if (red == NULL) {
        return RL_ENOMEM;
    }
    size_t m = scan_redact((uint8_t *)red, d->f, k, (const uint8_t *)t, len, d->pol, true);
    red[m] = '\0';
    fz_try(ctx)
    {
        pdf_obj *ns = pdf_new_text_string(ctx, red);
        if (container == NULL) {
            pdf_update_object(ctx, p->doc, p->num, ns);
            pdf_drop_obj(ctx, ns);
        } else if (key != NULL) {
            pdf_dict_put_drop(ctx, container, key, ns);
        } else {
            pdf_array_put_drop(ctx, container, index, ns);
        }
    }
    fz_always(ctx)
    {
        explicit_bzero(red, m);
        free(red);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
    p->n_str++;
    p->changed = true;
    return 0;
}

/* Keys of dictionary `dict` whose strings are not text (hashes, keys,
 * signature values, ids, dates). */
static bool
binary_key(fz_context *ctx, pdf_obj *dict, pdf_obj *key)
{
    static const char *const keys[] = {"ID",        "O",         "U", "OE",           "UE",
                                       "Perms",     "Cert",      "M", "CreationDate", "ModDate",
                                       "Reference", "ByteRange", NULL};
    const char *k = pdf_to_name(ctx, key);
    if (strcmp(k, "Contents") == 0) {
        return pdf_dict_get(ctx, dict, PDF_NAME(ByteRange)) != NULL; /* a signature value */
    }
    for (const char *const *s = keys; *s != NULL; s++) {
        if (strcmp(k, *s) == 0) {
            return true;
        }
    }
    return false;
}

static int walk(struct pass *p, pdf_obj *o, int depth);

/* One dictionary: its actions, attachments, metadata and XFA by policy,
 * then its values. Direct children only (indirect ones are objects of their
 * own, walked in turn). */
static int
walk_dict(struct pass *p, pdf_obj *o, int depth)
{
    fz_context *ctx = p->ctx;
    const struct scan_pdf_policy *pp = &p->d->pol->pdf;
    static const char *const action_keys[] = {"A", "OpenAction", "PA", NULL};
    for (const char *const *k = action_keys; *k != NULL; k++) {
        pdf_obj *a = pdf_dict_gets(ctx, o, *k);
        if (a != NULL && bad_action(p, a, 0)) {
            pdf_dict_dels(ctx, o, *k);
            p->changed = true;
        }
    }
    pdf_obj *aa = pdf_dict_get(ctx, o, PDF_NAME(AA));
    if (aa != NULL && bad_aa(p, aa)) {
        pdf_dict_del(ctx, o, PDF_NAME(AA));
        p->changed = true;
    }
    pdf_obj *names = pdf_dict_get(ctx, o, PDF_NAME(Names));
    if (pdf_is_dict(ctx, names)) {
        if (pp->javascript && pdf_dict_get(ctx, names, PDF_NAME(JavaScript)) != NULL) {
            pdf_dict_del(ctx, names, PDF_NAME(JavaScript));
            p->js++;
            p->changed = true;
        }
        if (pp->embedded_files && pdf_dict_get(ctx, names, PDF_NAME(EmbeddedFiles)) != NULL) {
            pdf_dict_del(ctx, names, PDF_NAME(EmbeddedFiles));
            p->files++;
            p->changed = true;
        }
    }
    if (pp->javascript && pdf_dict_get(ctx, o, PDF_NAME(JS)) != NULL &&
        !pdf_dict_get(ctx, o, PDF_NAME(S))) {
        /* a bare script (a field's calculation, a named script) */
        pdf_dict_del(ctx, o, PDF_NAME(JS));
        p->js++;
        p->changed = true;
    }
    if (pp->embedded_files && pdf_dict_get(ctx, o, PDF_NAME(EF)) != NULL) {
        pdf_dict_del(ctx, o, PDF_NAME(EF));
        p->files++;
        p->changed = true;
    }
    pdf_obj *annots = pdf_dict_get(ctx, o, PDF_NAME(Annots));
    for (int i = pp->embedded_files && pdf_is_array(ctx, annots) ? pdf_array_len(ctx, annots) : 0;
         i-- > 0;) {
        if (is_file_attachment(ctx, pdf_array_get(ctx, annots, i))) {
            pdf_array_delete(ctx, annots, i);
            p->files++;
            p->changed = true;
        }
    }
    if (pp->xfa && pdf_dict_get(ctx, o, PDF_NAME(XFA)) != NULL) {
        pdf_dict_del(ctx, o, PDF_NAME(XFA));
        p->xfa++;
        p->changed = true;
    }
    if (pp->xfa && pdf_dict_gets(ctx, o, "NeedsRendering") != NULL) {
        pdf_dict_dels(ctx, o, "NeedsRendering");
        p->changed = true;
    }
    if (pp->metadata && (pdf_dict_get(ctx, o, PDF_NAME(Metadata)) != NULL ||
                         pdf_dict_gets(ctx, o, "PieceInfo") != NULL)) {
        pdf_dict_del(ctx, o, PDF_NAME(Metadata));
        pdf_dict_dels(ctx, o, "PieceInfo");
        p->meta++;
        p->changed = true;
    }
    /* Signatures: their values are binary, never scanned or masked. */
    if (pdf_name_eq(ctx, pdf_dict_get(ctx, o, PDF_NAME(Type)), PDF_NAME(Sig))) {
        return 0;
    }
    for (int i = 0; i < pdf_dict_len(ctx, o); i++) {
        pdf_obj *key = pdf_dict_get_key(ctx, o, i);
        pdf_obj *v = pdf_dict_get_val(ctx, o, i);
        if (pdf_is_indirect(ctx, v)) {
            continue;
        }
        int rc = 0;
        if (pdf_is_string(ctx, v)) {
            if (!binary_key(ctx, o, key)) {
                rc = redact_string(p, o, key, 0, v);
            }
        } else {
            rc = walk(p, v, depth + 1);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
walk(struct pass *p, pdf_obj *o, int depth)
{
    fz_context *ctx = p->ctx;
    if (depth > PDF_MAX_NESTING) {
        return 0;
    }
    if (pdf_is_dict(ctx, o)) {
        return walk_dict(p, o, depth);
    }
    if (!pdf_is_array(ctx, o)) {
        return 0;
    }
    for (int i = 0; i < pdf_array_len(ctx, o); i++) {
        pdf_obj *v = pdf_array_get(ctx, o, i);
        int rc = 0;
        if (pdf_is_indirect(ctx, v)) {
            continue;
        }
        if (pdf_is_string(ctx, v)) {
            rc = redact_string(p, o, NULL, i, v);
        } else {
            rc = walk(p, v, depth + 1);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Whether a stream's /Filter `f` holds general-purpose filters only (none
 * for images). */
static bool
general_filters(fz_context *ctx, pdf_obj *f)
{
    int n = pdf_is_array(ctx, f) ? pdf_array_len(ctx, f) : f != NULL;
    for (int i = 0; i < n; i++) {
        pdf_obj *one = pdf_is_array(ctx, f) ? pdf_array_get(ctx, f, i) : f;
        static const char *const general[] = {
            "FlateDecode",   "Fl",  "LZWDecode",       "LZW", "AHx", "ASCIIHexDecode",
            "ASCII85Decode", "A85", "RunLengthDecode", "RL",  NULL};
        bool ok = false;
        for (const char *const *g = general; *g != NULL && !ok; g++) {
            ok = name_is(ctx, one, *g);
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Whether the ratio check decodes stream `dict`: its filters are all
 * general-purpose (not images). */
static bool
ratio_checked(fz_context *ctx, pdf_obj *dict)
{
    if (pdf_name_eq(ctx, pdf_dict_get(ctx, dict, PDF_NAME(Subtype)), PDF_NAME(Image))) {
        return false;
    }
    pdf_obj *f = pdf_dict_get(ctx, dict, PDF_NAME(Filter));
    return f != NULL && general_filters(ctx, f);
}

/* Decodes stream `num` (dictionary `dict`, ratio_checked) and refuses it
 * past the ratio or the attachment's budget: a content stream of a few KB
 * that inflates to gigabytes costs nothing to send. With `keep`, the
 * decoded bytes go there (NULL when the stream was refused or time ran
 * out); without, they are skipped. Throws. */
static void
check_ratio(struct pass *p, int num, pdf_obj *dict, fz_buffer **keep)
{
    fz_context *ctx = p->ctx;
    int64_t raw = pdf_to_int64(ctx, pdf_dict_get(ctx, dict, PDF_NAME(Length)));
    uint64_t ratio_cap = (uint64_t)(raw > 0 ? raw : 1) * p->d->pol->limits.max_compression_ratio;
    uint64_t cap = ratio_cap > PDF_RATIO_MIN_BYTES ? ratio_cap : PDF_RATIO_MIN_BYTES;
    uint64_t left = p->d->budget.bytes_left;
    fz_stream *st = pdf_open_stream_number(ctx, p->doc, num);
    fz_buffer *buf = NULL;
    uint64_t got = 0;
    fz_var(buf);
    fz_try(ctx)
    {
        if (keep != NULL) {
            /* a page's contents inflate to a few times their length */
            buf = fz_new_buffer(ctx, raw > 0 && raw < (1 << 20) ? (size_t)raw * 4 + 256 : 65536);
        }
        for (;;) {
            size_t r;
            if (buf != NULL) {
                if (buf->len == buf->cap) {
                    fz_grow_buffer(ctx, buf);
                }
                r = fz_read(ctx, st, buf->data + buf->len, buf->cap - buf->len);
                buf->len += r;
            } else {
                r = fz_skip(ctx, st, 65536);
            }
            if (r == 0) {
                break;
            }
            got += r;
            if (got > cap || got > left || late(p->s)) {
                break;
            }
        }
    }
    fz_always(ctx)
    {
        fz_drop_stream(ctx, st);
    }
    fz_catch(ctx)
    {
        fz_drop_buffer(ctx, buf);
        fz_rethrow(ctx);
    }
    p->decoded += got;
    p->d->budget.bytes_left = got > left ? 0 : left - got;
    if (got > left && p->limit == 0) {
        p->limit = 1;
        snprintf(p->why, sizeof(p->why), "object %d decodes beyond the attachment's byte limit",
                 num);
    } else if (got > cap && p->limit == 0) {
        p->limit = 1;
        snprintf(p->why, sizeof(p->why), "object %d decodes beyond the ratio limit of %u:1", num,
                 p->d->pol->limits.max_compression_ratio);
    }
    if (keep != NULL) {
        if (p->limit != 0 || p->s->over_time) {
            fz_drop_buffer(ctx, buf);
            buf = NULL;
        }
        *keep = buf;
    }
}

/* Round 1: marks the pages' sole content streams that the ratio check
 * decodes; each is decoded once, at its page, for the check and for both
 * of the page's readings (page_contents). Returns 0 or RL_ENOMEM; throws
 * on MuPDF errors. */
static int
mark_contents(struct pass *p, int pages)
{
    fz_context *ctx = p->ctx;
    int n = pdf_xref_len(ctx, p->doc);
    if (!scan_grow((void **)&p->contents, &p->contents_cap, (size_t)n + 1, sizeof(bool))) {
        return RL_ENOMEM;
    }
    memset(p->contents, 0, p->contents_cap * sizeof(bool));
    if (pdf_dict_get(ctx, pdf_trailer(ctx, p->doc), PDF_NAME(Encrypt)) != NULL) {
        return 0; /* its streams are decrypted as read: left as they are */
    }
    for (int i = 0; i < pages; i++) {
        pdf_obj *c = pdf_dict_get(ctx, pdf_lookup_page_obj(ctx, p->doc, i), PDF_NAME(Contents));
        int num = pdf_to_num(ctx, c);
        if (pdf_is_indirect(ctx, c) && num > 0 && num < n && pdf_is_stream(ctx, c) &&
            ratio_checked(ctx, c)) {
            p->contents[num] = true;
        }
    }
    return 0;
}

/* Whether object `num` is a page's content stream mark_contents marked. */
static bool
is_marked_contents(const struct pass *p, int num)
{
    return !p->verify && p->contents != NULL && num > 0 && (size_t)num < p->contents_cap &&
           p->contents[num];
}

/* Every object: decompression ratios, then active content, metadata and
 * text strings by policy. Throws on MuPDF errors. */
static int
do_objects(struct pass *p)
{
    fz_context *ctx = p->ctx;
    int n = pdf_xref_len(ctx, p->doc);
    pdf_obj *trailer = pdf_trailer(ctx, p->doc);
    int enc = pdf_to_num(ctx, pdf_dict_get(ctx, trailer, PDF_NAME(Encrypt)));
    for (int num = 1; num < n && p->limit == 0; num++) {
        if (num == enc || late(p->s)) {
            continue;
        }
        pdf_obj *o = pdf_load_object(ctx, p->doc, num);
        int rc = 0;
        fz_var(rc);
        fz_try(ctx)
        {
            if (!p->verify && pdf_obj_num_is_stream(ctx, p->doc, num) &&
                !is_marked_contents(p, num) && ratio_checked(ctx, o)) {
                check_ratio(p, num, o, NULL);
            }
            if (!p->verify && pdf_is_dict(ctx, o) &&
                pdf_name_eq(ctx, pdf_dict_get(ctx, o, PDF_NAME(Type)), PDF_NAME(Font)) &&
                !pdf_name_eq(ctx, pdf_dict_get(ctx, o, PDF_NAME(Subtype)), PDF_NAME(Type3))) {
                if (!scan_grow((void **)&p->font_num, &p->font_num_cap, p->n_font + 1,
                               sizeof(*p->font_num))) {
                    rc = RL_ENOMEM;
                    break;
                }
                p->font_num[p->n_font++] = num;
            }
            p->num = num;
            rc = pdf_is_string(ctx, o) ? redact_string(p, NULL, NULL, 0, o) : walk(p, o, 0);
        }
        fz_always(ctx)
        {
            pdf_drop_obj(ctx, o);
        }
        fz_catch(ctx)
        {
            fz_rethrow(ctx);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* The document information dictionary. Done after every other edit: the
 * first edit starts MuPDF's section of changes with a copy of the trailer as
 * it was, which would bring a deleted /Info back. */
static void
drop_info(struct pass *p)
{
    fz_context *ctx = p->ctx;
    pdf_obj *trailer = pdf_trailer(ctx, p->doc);
    if (p->d->pol->pdf.metadata && pdf_dict_get(ctx, trailer, PDF_NAME(Info)) != NULL) {
        pdf_dict_del(ctx, trailer, PDF_NAME(Info));
        p->meta++;
        p->changed = true;
    }
}

/* A changed document keeps no signature that its changes break: the
 * signature values, the permissions and the validation data go. */
static void
drop_signatures(struct pass *p)
{
    fz_context *ctx = p->ctx;
    pdf_obj *root = pdf_dict_get(ctx, pdf_trailer(ctx, p->doc), PDF_NAME(Root));
    pdf_obj *form = pdf_dict_get(ctx, root, PDF_NAME(AcroForm));
    pdf_obj *fields = pdf_dict_get(ctx, form, PDF_NAME(Fields));
    for (int i = 0; i < pdf_array_len(ctx, fields); i++) {
        pdf_obj *f = pdf_array_get(ctx, fields, i);
        if (pdf_name_eq(ctx, pdf_dict_get(ctx, f, PDF_NAME(FT)), PDF_NAME(Sig)) &&
            pdf_dict_get(ctx, f, PDF_NAME(V)) != NULL) {
            pdf_dict_del(ctx, f, PDF_NAME(V));
            p->sigs++;
        }
    }
    if (p->sigs > 0 || pdf_dict_get(ctx, root, PDF_NAME(Perms)) != NULL) {
        pdf_dict_del(ctx, root, PDF_NAME(Perms));
        pdf_dict_dels(ctx, root, "DSS");
        pdf_dict_del(ctx, form, PDF_NAME(SigFlags));
        p->sigs += p->sigs == 0;
    }
}

/* Writes the whole document afresh: no earlier revision, no unreferenced
 * object, streams kept as they are compressed, encryption kept. */
static fz_buffer *
write_doc(fz_context *ctx, pdf_document *doc)
{
    fz_buffer *buf = fz_new_buffer(ctx, 65536);
    fz_output *out = NULL;
    fz_var(out);
    fz_try(ctx)
    {
        out = fz_new_output_with_buffer(ctx, buf);
        pdf_write_options o = {0};
        o.do_garbage = 1;
        o.do_compress = 1;
        o.do_compress_images = 1;
        o.do_compress_fonts = 1;
        o.do_encrypt = PDF_ENCRYPT_KEEP;
        pdf_write_document(ctx, doc, out, &o);
        fz_close_output(ctx, out);
    }
    fz_always(ctx)
    {
        fz_drop_output(ctx, out);
    }
    fz_catch(ctx)
    {
        fz_drop_buffer(ctx, buf);
        fz_rethrow(ctx);
    }
    return buf;
}

static void
report_removals(struct pass *p)
{
    struct scan_doc *d = p->d;
    const char *loc = p->loc;
    if (p->js > 0) {
        scan_doc_note(d, SCAN_DOC_SCRIPTS_REMOVED, loc, "%u JavaScript actions or scripts removed",
                      p->js);
    }
    if (p->launch > 0) {
        scan_doc_note(d, SCAN_DOC_LAUNCH_REMOVED, loc, "%u launch actions removed", p->launch);
    }
    if (p->files > 0) {
        scan_doc_note(d, SCAN_DOC_EMBEDDED_REMOVED, loc,
                      "%u embedded files or file attachments removed", p->files);
    }
    if (p->xfa > 0) {
        scan_doc_note(d, SCAN_DOC_XFA_REMOVED, loc, "XFA form removed");
    }
    if (p->meta > 0) {
        scan_doc_note(d, SCAN_DOC_METADATA_REMOVED, loc, "%u metadata entries removed", p->meta);
    }
    if (p->sigs > 0) {
        scan_doc_note(d, SCAN_DOC_SIGNATURE_REMOVED, loc,
                      "digital signature removed (the document changed)");
    }
}

enum outcome {
    OUT_CLEAN = 0, /* nothing to change (round 1) or nothing left (a re-read) */
    OUT_WRITTEN,   /* *buf holds the rewritten document */
    OUT_REFUSED,   /* encrypted, damaged or over a limit: recorded */
};

/* The document in in[0, len), opened. Throws. */
static pdf_document *
open_pdf(fz_context *ctx, const uint8_t *in, size_t len)
{
    fz_stream *stm = fz_open_memory(ctx, in, len);
    pdf_document *doc = NULL;
    fz_try(ctx)
    {
        doc = pdf_open_document_with_stream(ctx, stm);
    }
    fz_always(ctx)
    {
        fz_drop_stream(ctx, stm); /* the document keeps its own reference */
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
    return doc;
}

/* Round 1, its pages read: keeps the fonts MuPDF parsed from the font
 * objects do_objects listed (as its store holds them; none is parsed
 * here), for the re-reads (share_fonts). Throws. */
static void
keep_fonts(struct pass *p)
{
    fz_context *ctx = p->ctx;
    if (p->s->font_drop == NULL ||
        !scan_grow((void **)&p->font, &p->font_cap, p->n_font + 1, sizeof(struct kept_font))) {
        return; /* the re-reads parse them again */
    }
    memset(p->font, 0, p->n_font * sizeof(struct kept_font));
    p->n_kept = p->n_font;
    for (size_t k = 0; k < p->n_font; k++) {
        pdf_obj *key = pdf_new_indirect(ctx, p->doc, p->font_num[k], 0);
        pdf_font_desc *f = NULL;
        fz_var(f);
        fz_try(ctx)
        {
            f = pdf_find_item(ctx, p->s->font_drop, key);
        }
        fz_always(ctx)
        {
            pdf_drop_obj(ctx, key);
        }
        fz_catch(ctx)
        {
            fz_rethrow(ctx);
        }
        if (f != NULL && (f->font == NULL || f->font->t3procs != NULL)) {
            pdf_drop_font(ctx, f); /* a Type3 font holds its document's objects */
            f = NULL;
        }
        p->font[k].desc = f;
    }
}

/* A re-read: each font round 1 parsed goes into MuPDF's store for the
 * output's font object of its number when that object and all it reaches
 * (descriptor, font program, encoding, ToUnicode) equal the round input's,
 * so equal what the font was parsed from: the output's pages are read
 * with it instead of a parse of the same bytes (the standard fonts' widths
 * alone cost 8.7 M instructions a document). Throws. */
static void
share_fonts(struct pass *p, struct same *m, pdf_document *was, int pages)
{
    fz_context *ctx = p->ctx;
    if (m->doc_differs) {
        return;
    }
    int nb = pdf_xref_len(ctx, p->doc);
    for (size_t k = 0; k < p->n_kept; k++) {
        int num = p->font_num[k];
        pdf_font_desc *f = p->font[k].desc;
        if (f == NULL || num >= m->n || num >= nb) {
            continue;
        }
        m->cur = pages + 2 + (int)k; /* a stamp of its own (same_page uses i + 2) */
        pdf_obj *a = pdf_new_indirect(ctx, was, num, 0);
        pdf_obj *b = NULL;
        fz_var(b);
        fz_try(ctx)
        {
            b = pdf_new_indirect(ctx, p->doc, num, 0);
            if (same_obj(m, a, b, 0)) {
                pdf_store_item(ctx, b, f, f->size);
            }
        }
        fz_always(ctx)
        {
            pdf_drop_obj(ctx, b);
            pdf_drop_obj(ctx, a);
        }
        fz_catch(ctx)
        {
            fz_rethrow(ctx);
        }
    }
}

/* One round over the PDF in in[0, len): opened, read and, when something
 * is to change, written into *buf. A re-read (`verify`) gets the round's
 * input in prev[0, prev_len) and extracts only the pages that differ from
 * it. Returns 0 or RL_ENOMEM; *out says what happened. */
static int
round_once(struct scan_doc *d, enum outcome *out, fz_buffer **buf, const uint8_t *in, size_t len,
           const uint8_t *prev, size_t prev_len, const char *loc, bool verify, struct pass *p)
{
    struct scan_pdf *s = d->pdf;
    fz_context *ctx = s->ctx;
    const struct scan_limits *lim = &d->pol->limits;
    pdf_document *doc = NULL;
    pdf_document *was = NULL; /* a re-read: the round's input */
    struct same m = {0};
    int rc = 0;
    *out = OUT_REFUSED;
    *buf = NULL;
    memset(p, 0, offsetof(struct pass, text));
    p->d = d;
    p->s = s;
    p->ctx = ctx;
    p->loc = loc;
    p->verify = verify;
    fz_var(doc);
    fz_var(was);
    fz_var(m);
    fz_var(rc);
    fz_try(ctx)
    {
        doc = open_pdf(ctx, in, len);
        p->doc = doc;
        if (pdf_needs_password(ctx, doc)) {
            scan_doc_note(d, SCAN_DOC_ENCRYPTED, loc, "PDF needs a password: not scanned");
            break;
        }
        int objects = pdf_xref_len(ctx, doc);
        if (objects < 0 || (unsigned)objects > lim->max_pdf_objects) {
            scan_doc_note(d, SCAN_DOC_LIMIT, loc, "%d objects: over the limit of %u", objects,
                          lim->max_pdf_objects);
            break;
        }
        int pages = pdf_count_pages(ctx, doc);
        if ((unsigned)pages > lim->max_pdf_pages) {
            scan_doc_note(d, SCAN_DOC_LIMIT, loc, "%d pages: over the limit of %u", pages,
                          lim->max_pdf_pages);
            break;
        }
        /* the pages the round before redacted differ from its input */
        bool *t = p->was_redacted;
        size_t tc = p->was_redacted_cap;
        p->was_redacted = p->redacted;
        p->was_redacted_cap = p->redacted_cap;
        p->redacted = t;
        p->redacted_cap = tc;
        if (!scan_grow((void **)&p->redacted, &p->redacted_cap, (size_t)pages + 1, sizeof(bool)) ||
            !scan_grow((void **)&p->was_redacted, &p->was_redacted_cap, (size_t)pages + 1,
                       sizeof(bool))) {
            rc = RL_ENOMEM;
            break;
        }
        memset(p->redacted, 0, (size_t)pages * sizeof(bool));
        p->n_was_redacted = verify ? p->n_redacted : 0;
        p->n_redacted = pages;
        rc = verify ? 0 : mark_contents(p, pages);
        rc = rc != 0 ? rc : do_objects(p);
        if (verify && rc == 0) {
            was = open_pdf(ctx, prev, prev_len);
            if (!same_begin(&m, ctx, was, doc)) {
                rc = RL_ENOMEM;
            }
            m.doc_differs |= pdf_count_pages(ctx, was) != pages;
            if (rc == 0) {
                share_fonts(p, &m, was, pages);
            }
        }
        for (int i = 0; i < pages && rc == 0 && p->limit == 0; i++) {
            if (!verify || (i < p->n_was_redacted && p->was_redacted[i]) || !same_page(&m, i)) {
                rc = do_page(p, i);
            }
        }
        if (rc != 0 || p->limit != 0) {
            break;
        }
        if (pdf_was_repaired(ctx, doc)) {
            scan_doc_note(d, SCAN_DOC_UNREADABLE, loc,
                          "damaged PDF (its cross-reference table had to be rebuilt)");
            break;
        }
        if (!verify) {
            drop_signatures(p);
        }
        drop_info(p);
        bool history = !verify && pdf_count_versions(ctx, doc) > 1;
        if (!p->changed && !history) {
            *out = OUT_CLEAN;
            break;
        }
        if (verify && p->changed && p->n_red == 0 && p->n_str == 0) {
            /* a re-read found active content left: the rewrite did not hold */
            scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc,
                          "removed content is still present (%u scripts, %u launch actions, %u "
                          "files, %u XFA, %u metadata)",
                          p->js, p->launch, p->files, p->xfa, p->meta);
            break;
        }
        if (!verify) {
            report_removals(p);
            if (history) {
                scan_doc_note(d, SCAN_DOC_HISTORY_REMOVED, loc,
                              "%d earlier revisions (incremental updates) removed",
                              pdf_count_versions(ctx, doc) - 1);
            }
        }
        if (!verify) {
            keep_fonts(p);
        }
        *buf = write_doc(ctx, doc);
        *out = OUT_WRITTEN;
    }
    fz_always(ctx)
    {
        same_end(&m);
        pdf_drop_document(ctx, was);
        pdf_drop_document(ctx, doc);
    }
    fz_catch(ctx)
    {
        *out = OUT_REFUSED;
        if (s->over_mem || s->over_time || p->limit != 0) {
            /* recorded below */
        } else if (fz_caught(ctx) == FZ_ERROR_MEMORY) {
            rc = RL_ENOMEM;
        } else {
            scan_doc_note(d, SCAN_DOC_UNREADABLE, loc, "PDF cannot be read: %.80s",
                          fz_caught_message(ctx));
        }
    }
    if (s->over_mem) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "PDF needs more than %llu bytes of memory",
                      (unsigned long long)lim->max_pdf_memory);
    } else if (s->over_time) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "PDF takes longer than %u ms", lim->max_pdf_millis);
    } else if (p->limit != 0) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "%s", p->why);
    }
    if ((s->over_mem || s->over_time || p->limit != 0) && *buf != NULL) {
        fz_drop_buffer(ctx, *buf);
        *buf = NULL;
        *out = OUT_REFUSED;
    }
    if (rc == RL_ENOMEM || rc == RL_ESCAN) {
        *out = OUT_REFUSED;
        if (*buf != NULL) {
            fz_drop_buffer(ctx, *buf);
            *buf = NULL;
        }
    }
    return rc == RL_ENOMEM ? rc : 0;
}

int
scan_pdf_rewrite(struct scan_doc *d, uint8_t **out, size_t *out_len, const uint8_t *in, size_t len,
                 const char *loc)
{
    *out = NULL;
    *out_len = 0;
    struct scan_pdf *s = d->pdf;
    if (s == NULL) {
        return 0;
    }
    fz_context *ctx = s->ctx;
    const struct scan_limits *lim = &d->pol->limits;
    s->limit = s->used + (size_t)lim->max_pdf_memory;
    s->dead_ns = now_ns() + (uint64_t)lim->max_pdf_millis * 1000000u;
    s->over_mem = s->over_time = false;
    memset(&s->cookie, 0, sizeof(s->cookie));
    struct pass p = {0};
    fz_buffer *cur = NULL;  /* the latest rewrite */
    fz_buffer *last = NULL; /* the one before it, the input of the round that made cur */
    bool was_in_pdf = d->in_pdf;
    d->in_pdf = true;
    int rc = 0;
    for (unsigned round = 1; rc == 0; round++) {
        const uint8_t *src = in, *prev = in;
        size_t src_len = len, prev_len = len;
        if (cur != NULL) {
            unsigned char *data = NULL;
            src_len = fz_buffer_storage(ctx, cur, &data);
            src = data;
        }
        if (last != NULL) {
            unsigned char *data = NULL;
            prev_len = fz_buffer_storage(ctx, last, &data);
            prev = data;
        }
        enum outcome o = OUT_REFUSED;
        fz_buffer *next = NULL;
        rc = round_once(d, &o, &next, src, src_len, prev, prev_len, loc, round > 1, &p);
        if (rc != 0 || o == OUT_REFUSED) {
            if (round > 1 && o == OUT_REFUSED && rc == 0) {
                scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "the rewritten PDF cannot be re-read");
            }
            fz_drop_buffer(ctx, cur);
            cur = NULL;
            break;
        }
        if (o == OUT_CLEAN) {
            break; /* round 1: nothing to change; later: the last rewrite holds */
        }
        if (last != NULL) {
            unsigned char *data = NULL;
            size_t n = fz_buffer_storage(ctx, last, &data);
            explicit_bzero(data, n);
        }
        fz_drop_buffer(ctx, last);
        last = cur;
        cur = next;
        if (round == PDF_ROUNDS) {
            scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "a finding survived redaction");
            fz_drop_buffer(ctx, cur);
            cur = NULL;
            break;
        }
    }
    if (last != NULL) {
        unsigned char *data = NULL;
        size_t n = fz_buffer_storage(ctx, last, &data);
        explicit_bzero(data, n);
        fz_drop_buffer(ctx, last);
    }
    if (cur != NULL) {
        unsigned char *data = NULL;
        size_t n = fz_buffer_storage(ctx, cur, &data);
        *out = malloc(n ? n : 1);
        if (*out == NULL) {
            rc = RL_ENOMEM;
        } else {
            memcpy(*out, data, n);
            *out_len = n;
        }
        explicit_bzero(data, n);
        fz_drop_buffer(ctx, cur);
    }
    free(p.text);
    free(p.quad);
    free(p.area);
    free(p.pdf_area);
    free(p.pdf_rect);
    free(p.redacted);
    free(p.was_redacted);
    free(p.contents);
    for (size_t k = 0; k < p.n_kept; k++) {
        pdf_drop_font(ctx, p.font[k].desc);
    }
    free(p.font);
    free(p.font_num);
    s->limit = SIZE_MAX;
    s->dead_ns = 0;
    /* Cached fonts and images of this PDF go: the next one starts clean. */
    fz_empty_store(ctx);
    d->in_pdf = was_in_pdf;
    return rc;
}

void
scan_pdf_plain_reader(struct scan_pdf *s, bool on)
{
    if (s != NULL) {
        s->no_plain = !on;
    }
}

uint64_t
scan_pdf_pages_read(const struct scan_pdf *s, uint64_t *plain)
{
    *plain = s != NULL ? s->plain_read : 0;
    return s != NULL ? s->pages_read : 0;
}
