/* SPDX-License-Identifier: Apache-2.0 */
/* OLE2 compound files (legacy Word, Excel, PowerPoint) read with libgsf:
 * the storages walked, every stream read whole within the attachment's
 * archive budget and detected in three text views (Windows-1252, UTF-16LE
 * at even and at odd offsets: Word keeps 8-bit and Unicode pieces, Excel
 * BIFF compressed and Unicode strings that start anywhere). Nothing is
 * written back: the formats keep lengths and offsets of their text in
 * binary tables, so a finding to redact makes the file unredactable. */
#include "scan_ole.h"

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-utils.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mime_charset.h"
#include "rl_le.h"
#include "rl_utf8.h"
#include "scan_redact.h"

/* Text characters in a row fewer than this are noise between binary fields,
 * not text a reader sees (the shortest value a detector finds is longer). */
#define MIN_RUN 4

/* Storages inside storages deeper than this are refused (a directory tree
 * that deep is not an Office file). */
#define MAX_STORAGE_DEPTH 32

size_t
scan_ole_text_cap(size_t n)
{
    return 3 * n + 2;
}

/* What an ASCII or control unit reads as: itself, a line break, a hyphen
 * (Word's non-breaking hyphen), 0 for nothing (Word's optional hyphen), or
 * -1 for a separator (also Word's paragraph, cell and page marks: text
 * apart, as paragraphs and cells of Office Open XML files are). */
static int
map_low(uint32_t u)
{
    if (u >= 0x20 && u < 0x7F) {
        return (int)u;
    }
    switch (u) {
    case 0x09:
        return '\t';
    case 0x0A:
    case 0x0B: /* Word: manual line break */
        return '\n';
    case 0x1E:
        return '-';
    case 0x1F:
        return 0;
    default:
        return -1;
    }
}

struct text_out {
    uint8_t *out;
    size_t o;
    size_t run_start; /* where the current run of text began in out */
    size_t run_chars;
};

/* Ends the current run: too short, it is taken back; a blank line
 * separates (the detectors join digit groups across a line break, as mail
 * wraps them, never across a blank line). */
static void
separate(struct text_out *t)
{
    if (t->run_chars < MIN_RUN) {
        t->o = t->run_start;
    }
    for (int k = 0; k < 2 && t->o > 0; k++) {
        if (t->out[t->o - 1] != '\n' || (k == 1 && t->o >= 2 && t->out[t->o - 2] != '\n')) {
            t->out[t->o++] = '\n';
        }
    }
    t->run_start = t->o;
    t->run_chars = 0;
}

static void
put_char(struct text_out *t, uint32_t u)
{
    t->o += rl_utf8_put(t->out + t->o, u);
    t->run_chars++;
}

size_t
scan_ole_text(uint8_t *out, const uint8_t *p, size_t n, unsigned view)
{
    struct text_out t = {.out = out};
    const struct mime_charset_table *cp = mime_charset_table_of(MIME_CS_CP1252);
    if (view == 0) {
        for (size_t i = 0; i < n; i++) {
            uint8_t b = p[i];
            if (b >= 0x80) {
                const uint8_t *u = cp != NULL ? cp->utf8[b - 0x80] : NULL;
                if (u == NULL || (u[3] == 3 && u[0] == 0xEF && u[1] == 0xBF && u[2] == 0xBD)) {
                    separate(&t); /* undefined in Windows-1252 */
                    continue;
                }
                memcpy(t.out + t.o, u, u[3]);
                t.o += u[3];
                t.run_chars++;
                continue;
            }
            int c = map_low(b);
            if (c < 0) {
                separate(&t);
            } else if (c > 0) {
                put_char(&t, (uint32_t)c);
            }
        }
    } else {
        for (size_t i = view - 1; i + 1 < n; i += 2) {
            uint32_t u = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
            if (u < 0x80) {
                int c = map_low(u);
                if (c < 0) {
                    separate(&t);
                } else if (c > 0) {
                    put_char(&t, (uint32_t)c);
                }
            } else if (u < 0xA0 || (u >= 0xD800 && u < 0xF900) || u >= 0xFFFE) {
                separate(&t); /* C1 controls, surrogates, private use, non-characters */
            } else {
                put_char(&t, u);
            }
        }
    }
    separate(&t);
    return t.o;
}

/* ---- the walk ---- */

struct ole_walk {
    struct scan_doc *d;
    unsigned depth;
    size_t to_redact;             /* findings the policy redacts */
    char first[SCAN_DOC_LOC_MAX]; /* the stream of the first of them */
    uint8_t *text;                /* owned: a stream's text view */
    size_t text_cap;
    bool stop; /* the budget is spent */
};

/* Entry path of a stream or storage: its name without control characters
 * ("\005SummaryInformation" is "SummaryInformation"). */
static void
child_loc(char *out, size_t cap, const char *loc, const char *name)
{
    size_t o = (size_t)snprintf(out, cap, "%s%s", loc, loc[0] ? "/" : "");
    for (; name != NULL && *name != '\0' && o + 1 < cap; name++) {
        if ((uint8_t)*name >= 0x20) {
            out[o++] = *name;
        }
    }
    if (o < cap) {
        out[o] = '\0';
    }
}

/* Whether a stream holds a file of its own (an embedded package, PDF,
 * archive or compound file) that scan_doc_nested opens. */
static bool
holds_file(const uint8_t *p, size_t n)
{
    return (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0) || (n >= 5 && memcmp(p, "%PDF-", 5) == 0) ||
           (n >= 8 && memcmp(p, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) ||
           scan_archive_sniff(p, n);
}

static int
scan_stream(struct ole_walk *w, const uint8_t *p, size_t n, const char *loc)
{
    struct scan_doc *d = w->d;
    size_t before = w->to_redact;
    if (holds_file(p, n)) {
        int rc = scan_doc_nested_held(d, &w->to_redact, p, n, loc, w->depth + 1);
        if (rc != 0) {
            return rc;
        }
    }
    if (!scan_grow((void **)&w->text, &w->text_cap, scan_ole_text_cap(n), 1)) {
        return RL_ENOMEM;
    }
    for (unsigned view = 0; view < 3; view++) {
        size_t len = scan_ole_text(w->text, p, n, view);
        size_t nf = 0;
        int rc = scan_doc_detect(d, &nf, w->text, len);
        if (rc == RL_ENOMEM) {
            return rc;
        }
        if (rc != 0) {
            scan_doc_note(d, SCAN_DOC_SCAN_FAILED, loc, "stream could not be fully scanned");
        }
        w->to_redact += scan_doc_unwritten(d, d->f, nf);
        scan_doc_record(d, loc, d->f, nf);
        explicit_bzero(w->text, len);
    }
    if (w->to_redact > before && w->first[0] == '\0') {
        snprintf(w->first, sizeof(w->first), "%s", loc);
    }
    return 0;
}

static int
read_stream(struct ole_walk *w, GsfInput *s, const char *loc)
{
    struct scan_doc *d = w->d;
    if (d->budget.entries_left == 0) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "more entries than max_archive_entries");
        w->stop = true;
        return 0;
    }
    d->budget.entries_left--;
    gsf_off_t size = gsf_input_size(s);
    if (size < 0 || (uint64_t)size > d->budget.bytes_left || (uint64_t)size > SIZE_MAX / 4) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "more bytes than max_archive_bytes");
        w->stop = true;
        return 0;
    }
    d->budget.bytes_left -= (uint64_t)size;
    if (size == 0) {
        return 0;
    }
    size_t n = (size_t)size;
    uint8_t *buf = malloc(n);
    if (buf == NULL) {
        return RL_ENOMEM;
    }
    int rc = 0;
    if (gsf_input_read(s, n, buf) == NULL) {
        scan_doc_note(d, SCAN_DOC_UNREADABLE, loc, "stream cannot be read");
    } else {
        rc = scan_stream(w, buf, n, loc);
    }
    explicit_bzero(buf, n);
    free(buf);
    return rc;
}

static int
walk(struct ole_walk *w, GsfInfile *dir, const char *loc, unsigned level)
{
    int n = gsf_infile_num_children(dir);
    int rc = 0;
    for (int i = 0; i < n && rc == 0 && !w->stop; i++) {
        char cloc[SCAN_DOC_LOC_MAX];
        child_loc(cloc, sizeof(cloc), loc, gsf_infile_name_by_index(dir, i));
        GsfInput *child = gsf_infile_child_by_index(dir, i);
        if (child == NULL) {
            scan_doc_note(w->d, SCAN_DOC_UNREADABLE, cloc, "stream cannot be opened");
            continue;
        }
        if (GSF_IS_INFILE(child) && gsf_infile_num_children(GSF_INFILE(child)) >= 0) {
            if (level >= MAX_STORAGE_DEPTH) {
                scan_doc_note(w->d, SCAN_DOC_LIMIT, cloc, "storages nested deeper than %u",
                              MAX_STORAGE_DEPTH);
                w->stop = true;
            } else {
                rc = walk(w, GSF_INFILE(child), cloc, level + 1);
            }
        } else {
            rc = read_stream(w, child, cloc);
        }
        g_object_unref(child);
    }
    return rc;
}

/* libgsf says what it finds wrong in a file on stderr; here it is a result
 * (the file cannot be opened, a stream cannot be read), not a log line. */
static void
quiet(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
    (void)domain;
    (void)level;
    (void)message;
    (void)data;
}

/* The compound-file header fields and directory entry layout ([MS-CFB] 2.2,
 * 2.6.1) the preflight below reads. */
#define CFB_SECTOR_SHIFT 0x1E
#define CFB_DIR_START 0x30
#define CFB_HEADER_SIZE 512
#define CFB_LEFT_SIBLING 0x44
#define CFB_RIGHT_SIBLING 0x48
#define CFB_NOSTREAM 0xFFFFFFFFu

/* Whether the root entry names siblings, which [MS-CFB] forbids: libgsf
 * (1.14.50) reads them as entries without a parent and never frees them, so
 * a stream of such files would grow the process. Where the first directory
 * sector lies outside the file libgsf refuses the file itself. */
static bool
root_has_siblings(const uint8_t *in, size_t len)
{
    if (len < CFB_HEADER_SIZE) {
        return false;
    }
    unsigned shift = rl_le16(in + CFB_SECTOR_SHIFT);
    if (shift < 6 || shift > 30) {
        return false; /* libgsf refuses such sector sizes itself */
    }
    uint64_t sector = (uint64_t)1 << shift;
    uint64_t at = (sector > CFB_HEADER_SIZE ? sector : CFB_HEADER_SIZE) +
                  ((uint64_t)rl_le32(in + CFB_DIR_START) << shift);
    if (at > len || len - at < CFB_RIGHT_SIBLING + 4) {
        return false;
    }
    uint32_t left = rl_le32(in + at + CFB_LEFT_SIBLING);
    uint32_t right = rl_le32(in + at + CFB_RIGHT_SIBLING);
    return (left != CFB_NOSTREAM && left != 0) || (right != CFB_NOSTREAM && right != 0);
}

static void
init_gsf(void)
{
    gsf_init();
    GLogLevelFlags all = G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION;
    g_log_set_handler("libgsf", all, quiet, NULL);
    g_log_set_handler("libgsf:msole", all, quiet, NULL);
    /* gsf-infile.c warns about unreadable children with no log domain */
    g_log_set_handler(NULL, all, quiet, NULL);
    g_log_set_handler("GLib-GObject", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING, quiet, NULL);
}

int
scan_ole_scan(struct scan_doc *d, const uint8_t *in, size_t len, const char *loc, unsigned depth)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (depth > d->pol->limits.max_archive_depth) {
        scan_doc_note(d, SCAN_DOC_LIMIT, loc, "archives nested deeper than %u",
                      d->pol->limits.max_archive_depth);
        return 0;
    }
    if (!d->pol->documents.redact) {
        return 0;
    }
    if (root_has_siblings(in, len)) {
        scan_doc_note(d, SCAN_DOC_UNREADABLE, loc,
                      "OLE2 file malformed: its root directory entry has siblings");
        return 0;
    }
    pthread_once(&once, init_gsf);
    GsfInput *mem = gsf_input_memory_new(in, (gsf_off_t)len, FALSE);
    if (mem == NULL) {
        return RL_ENOMEM;
    }
    GError *err = NULL;
    GsfInfile *ole = gsf_infile_msole_new(mem, &err);
    g_object_unref(mem);
    if (ole == NULL) {
        scan_doc_note(d, SCAN_DOC_UNREADABLE, loc, "OLE2 file cannot be opened: %s",
                      err != NULL && err->message != NULL ? err->message : "corrupt");
        if (err != NULL) {
            g_error_free(err);
        }
        return 0;
    }
    struct ole_walk w = {.d = d, .depth = depth};
    int rc = walk(&w, ole, loc, 1);
    g_object_unref(ole);
    free(w.text);
    if (rc == 0 && w.to_redact > 0) {
        scan_doc_note(d, SCAN_DOC_UNREDACTABLE, loc,
                      "legacy Office file (OLE2), %zu finding(s) to redact from %s: not "
                      "redactable in place",
                      w.to_redact, w.first[0] ? w.first : "a stream");
    }
    return rc;
}
