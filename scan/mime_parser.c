/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming MIME structure parser: recognises header blocks, multipart
 * delimiters (RFC 2046 5.1.1) and encapsulated messages across arbitrary chunk
 * splits, holding at most one header block and one short line. */
#include "mime_parser.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime_fields.h"
#include "mime_header.h"
#include "rl_error.h"

enum {
    S_HEADERS = 0, /* collecting an entity's header block */
    S_BODY,        /* inside a leaf body */
    S_RAW,         /* preamble or epilogue of a multipart */
};

static void
emit(struct mime_parser *p, enum mime_event ev, const uint8_t *data, size_t len)
{
    if (p->error != 0 || (len == 0 && (ev == MIME_EV_BODY || ev == MIME_EV_RAW))) {
        return;
    }
    p->error = p->on_event(p->ctx, ev, &p->cur, data, len);
}

static void
defect(struct mime_parser *p, const char *reason)
{
    emit(p, MIME_EV_DEFECT, (const uint8_t *)reason, strlen(reason));
}

int
mime_parser_init(struct mime_parser *p, const struct mime_limits *limits, mime_event_fn on_event,
                 void *ctx)
{
    memset(p, 0, sizeof(*p));
    if (limits == NULL || on_event == NULL || limits->max_header_bytes < 64) {
        return RL_EINVAL;
    }
    p->limits = *limits;
    if (p->limits.max_depth > MIME_MAX_DEPTH_CAP) {
        p->limits.max_depth = MIME_MAX_DEPTH_CAP;
    }
    p->hdr = malloc(limits->max_header_bytes);
    if (p->hdr == NULL) {
        return RL_ENOMEM;
    }
    p->hdr_cap = limits->max_header_bytes;
    p->on_event = on_event;
    p->ctx = ctx;
    mime_parser_reset(p);
    return 0;
}

void
mime_parser_fini(struct mime_parser *p)
{
    free(p->hdr);
    p->hdr = NULL;
}

void
mime_parser_reset(struct mime_parser *p)
{
    /* The last message's header text does not outlive it (STYLE 17). */
    if (p->hdr != NULL && p->hdr_dirty > 0) {
        explicit_bzero(p->hdr, p->hdr_dirty);
    }
    p->hdr_dirty = 0;
    explicit_bzero(p->carry, sizeof(p->carry));
    p->state = S_HEADERS;
    p->at_line_start = true;
    p->message_root = true;
    memset(&p->cur, 0, sizeof(p->cur));
    p->n_parts = 0;
    p->n_frames = 0;
    p->hdr_len = 0;
    p->carry_len = 0;
    p->error = 0;
}

const char *
mime_cte_name(enum mime_cte cte)
{
    static const char *const names[] = {"7bit",   "8bit", "binary", "base64", "quoted-printable",
                                        "unknown"};
    return (unsigned)cte < sizeof(names) / sizeof(names[0]) ? names[cte] : "unknown";
}

static enum mime_cte
cte_from_token(const char *t)
{
    if (t[0] == '\0' || strcmp(t, "7bit") == 0) {
        return MIME_CTE_7BIT;
    }
    if (strcmp(t, "8bit") == 0) {
        return MIME_CTE_8BIT;
    }
    if (strcmp(t, "binary") == 0) {
        return MIME_CTE_BINARY;
    }
    if (strcmp(t, "base64") == 0) {
        return MIME_CTE_BASE64;
    }
    if (strcmp(t, "quoted-printable") == 0) {
        return MIME_CTE_QP;
    }
    return MIME_CTE_UNKNOWN;
}

/* copy_str copies C string `s` into out[0, cap) (cap > 0), cut to fit. */
static void
copy_str(char *out, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* The fields of a header block that shape its entity: the first of each. */
struct entity_fields {
    struct mime_field type, disposition, cte;
    bool have_type, have_disposition, have_cte;
};

static bool
field_name_is(const struct mime_field *f, const uint8_t *block, size_t have, const char *name,
              size_t n)
{
    return have == n && strncasecmp((const char *)block + f->start, name, n) == 0;
}

/* find_entity_fields walks the block once (the fields every entity has). */
static void
find_entity_fields(struct entity_fields *ef, const uint8_t *block, size_t len)
{
    struct mime_field f;
    size_t pos = 0;
    *ef = (struct entity_fields){0};
    while (mime_field_next(&f, &pos, block, len)) {
        size_t have = f.name_len;
        /* as mime_field_is: whitespace before the colon is obsolete syntax */
        while (have > 0 &&
               (block[f.start + have - 1] == ' ' || block[f.start + have - 1] == '\t')) {
            have--;
        }
        if (have < 12 || (block[f.start] | 0x20) != 'c') {
            continue;
        }
        if (!ef->have_type && field_name_is(&f, block, have, "content-type", 12)) {
            ef->type = f;
            ef->have_type = true;
        } else if (!ef->have_disposition &&
                   field_name_is(&f, block, have, "content-disposition", 19)) {
            ef->disposition = f;
            ef->have_disposition = true;
        } else if (!ef->have_cte &&
                   field_name_is(&f, block, have, "content-transfer-encoding", 25)) {
            ef->cte = f;
            ef->have_cte = true;
        }
    }
}

/* Reads the fields of the collected header block that shape the entity;
 * for a multipart, also its boundary into `boundary` (capacity `bcap`,
 * "" when absent or too long). */
static void
describe_entity(struct mime_parser *p, size_t hdr_len, bool in_digest, char *boundary, size_t bcap)
{
    struct mime_part *c = &p->cur;
    struct entity_fields ef;
    char cte[32] = "";

    copy_str(c->type, sizeof(c->type), in_digest ? "message/rfc822" : "text/plain");
    c->charset[0] = '\0';
    c->filename[0] = '\0';
    c->flowed = c->delsp = false;
    boundary[0] = '\0';
    find_entity_fields(&ef, p->hdr, hdr_len);
    if (ef.have_type) {
        const uint8_t *v = p->hdr + ef.type.value_off;
        char type[sizeof(c->type)];
        /* RFC 2045 5.2: a syntactically invalid Content-Type means text/plain. */
        if (mime_header_value_token(type, sizeof(type), v, ef.type.value_len) &&
            strchr(type, '/') != NULL) {
            copy_str(c->type, sizeof(c->type), type);
        } else {
            copy_str(c->type, sizeof(c->type), "text/plain");
            defect(p, "invalid Content-Type, treated as text/plain");
        }
        char format[8] = "";
        char delsp[4] = "";
        bool multi = strncmp(c->type, "multipart/", 10) == 0;
        struct mime_param_want w[] = {
            {.name = "charset", .out = c->charset, .cap = sizeof(c->charset)},
            {.name = "name", .out = c->filename, .cap = sizeof(c->filename)},
            {.name = multi ? "boundary" : "format",
             .out = multi ? boundary : format,
             .cap = multi ? bcap : sizeof(format)},
            {.name = "delsp", .out = delsp, .cap = sizeof(delsp)},
        };
        mime_header_params(w, multi ? 3 : 4, v, ef.type.value_len);
        if (w[0].found) {
            for (char *s = c->charset; *s != '\0'; s++) {
                *s = (char)((*s >= 'A' && *s <= 'Z') ? *s + 32 : *s);
            }
        }
        c->flowed = strcmp(c->type, "text/plain") == 0 && strcasecmp(format, "flowed") == 0;
        c->delsp = c->flowed && strcasecmp(delsp, "yes") == 0;
    }
    if (ef.have_disposition) {
        char name[sizeof(c->filename)];
        if (mime_header_param(name, sizeof(name), p->hdr + ef.disposition.value_off,
                              ef.disposition.value_len, "filename")) {
            copy_str(c->filename, sizeof(c->filename), name);
        }
    }
    if (ef.have_cte) {
        (void)mime_header_value_token(cte, sizeof(cte), p->hdr + ef.cte.value_off,
                                      ef.cte.value_len);
    }
    c->cte = cte_from_token(cte);
    if (c->cte == MIME_CTE_UNKNOWN) {
        defect(p, "unknown Content-Transfer-Encoding, body passed as binary");
    }
}

/* path_child writes "<parent>.<n>" ("<n>" under the root) into out[0, cap);
 * false when it does not fit. */
static bool
path_child(char *out, size_t cap, const char *parent, unsigned n)
{
    char num[12];
    size_t k = sizeof(num);
    do {
        num[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    size_t pl = strlen(parent);
    size_t nl = sizeof(num) - k;
    if (pl + (pl > 0) + nl >= cap) {
        return false;
    }
    memcpy(out, parent, pl);
    if (pl > 0) {
        out[pl++] = '.';
    }
    memcpy(out + pl, num + k, nl);
    out[pl + nl] = '\0';
    return true;
}

static void
become_leaf(struct mime_parser *p)
{
    if (p->message_root) {
        char path[MIME_PATH_MAX];
        if (path_child(path, sizeof(path), p->cur.path, 1)) {
            memcpy(p->cur.path, path, sizeof(path));
        }
    }
    p->message_root = false;
    p->state = S_BODY;
}

/* Called with the header block complete (hdr[0..hdr_len)); decides what the
 * entity's body is. */
static void
end_headers(struct mime_parser *p, size_t hdr_len)
{
    /* RFC 2046 5.1.5: only the digest's own parts default to message/rfc822. */
    bool in_digest = !p->message_root && p->n_frames > 0 && p->frames[p->n_frames - 1].digest;
    char boundary[MIME_BOUNDARY_MAX + 8];
    describe_entity(p, hdr_len, in_digest, boundary, sizeof(boundary));
    emit(p, MIME_EV_HEADERS, p->hdr, hdr_len);

    struct mime_part *c = &p->cur;
    if (strncmp(c->type, "multipart/", 10) == 0) {
        size_t blen = strlen(boundary);
        if (blen == 0 || blen > 70) {
            defect(p, "multipart without a usable boundary, body scanned as one part");
        } else if (p->n_frames >= p->limits.max_depth) {
            defect(p, "multipart nesting deeper than the limit, body scanned as one part");
        } else if (p->n_parts >= p->limits.max_parts) {
            defect(p, "more parts than the limit, body scanned as one part");
        } else {
            struct mime_frame *fr = &p->frames[p->n_frames++];
            memcpy(fr->boundary, boundary, blen);
            fr->boundary_len = (uint8_t)blen;
            copy_str(fr->path, sizeof(fr->path), c->path);
            fr->digest = strcmp(c->type, "multipart/digest") == 0;
            fr->n_children = 0;
            p->message_root = false;
            p->state = S_RAW;
            return;
        }
    } else if ((strcmp(c->type, "message/rfc822") == 0 || strcmp(c->type, "message/global") == 0) &&
               c->cte != MIME_CTE_BASE64 && c->cte != MIME_CTE_QP && c->cte != MIME_CTE_UNKNOWN) {
        if (c->depth >= p->limits.max_depth) {
            defect(p, "encapsulated messages nested deeper than the limit");
        } else {
            /* RFC 2046 5.2.1: the body is a whole message; its header block
             * follows directly. IMAP numbering keeps the part's path. */
            c->depth++;
            p->message_root = true;
            p->hdr_len = 0;
            p->state = S_HEADERS;
            return;
        }
    }
    become_leaf(p);
}

/* Returns true when `line` (n bytes, including its line end) is a delimiter
 * of an open multipart, and acts on it. */
static bool
try_delimiter(struct mime_parser *p, const uint8_t *line, size_t n)
{
    if (n < 3 || line[0] != '-' || line[1] != '-') {
        return false;
    }
    size_t blen = n - 2;
    const uint8_t *b = line + 2;
    /* RFC 2046 5.1.1: transport padding (LWSP) may follow a delimiter. */
    while (blen > 0 && (b[blen - 1] == '\n' || b[blen - 1] == '\r' || b[blen - 1] == ' ' ||
                        b[blen - 1] == '\t')) {
        blen--;
    }
    for (unsigned k = p->n_frames; k-- > 0;) {
        struct mime_frame *f = &p->frames[k];
        if (blen < f->boundary_len || memcmp(b, f->boundary, f->boundary_len) != 0) {
            continue;
        }
        size_t rest = blen - f->boundary_len;
        bool close = rest == 2 && b[f->boundary_len] == '-' && b[f->boundary_len + 1] == '-';
        if (rest != 0 && !close) {
            continue;
        }
        if (p->state == S_BODY) {
            emit(p, MIME_EV_BODY_END, NULL, 0);
        }
        if (k + 1 < p->n_frames) {
            defect(p, "inner multipart not closed before its parent's delimiter");
            p->n_frames = k + 1;
        }
        copy_str(p->cur.path, sizeof(p->cur.path), f->path);
        emit(p, MIME_EV_DELIM, line, n);
        p->at_line_start = true;
        if (close) {
            p->n_frames = k;
            p->state = S_RAW;
            return true;
        }
        f->n_children++;
        p->n_parts++;
        char path[MIME_PATH_MAX];
        if (!path_child(path, sizeof(path), f->path, f->n_children)) {
            defect(p, "part path too long");
            copy_str(path, sizeof(path), f->path);
        }
        memcpy(p->cur.path, path, sizeof(path));
        p->cur.depth = k + 1;
        p->message_root = false;
        p->hdr_len = 0;
        p->state = S_HEADERS;
        return true;
    }
    return false;
}

static void
emit_content(struct mime_parser *p, const uint8_t *s, size_t n)
{
    emit(p, p->state == S_BODY ? MIME_EV_BODY : MIME_EV_RAW, s, n);
}

/* The header block would outgrow its buffer: deliver what we have as the
 * header and treat the rest of the entity as a text body, so nothing is lost
 * and everything is still scanned. */
static void
header_overflow(struct mime_parser *p)
{
    defect(p, "header block larger than the limit, rest scanned as body");
    size_t n = p->hdr_len;
    char boundary[MIME_BOUNDARY_MAX + 8];
    describe_entity(p, n, false, boundary, sizeof(boundary));
    copy_str(p->cur.type, sizeof(p->cur.type), "text/plain");
    p->cur.cte = MIME_CTE_8BIT;
    emit(p, MIME_EV_HEADERS, p->hdr, n);
    p->at_line_start = n == 0 || p->hdr[n - 1] == '\n';
    become_leaf(p);
}

static size_t
step_headers(struct mime_parser *p, const uint8_t *s, size_t n)
{
    const uint8_t *lf = memchr(s, '\n', n);
    size_t take = lf ? (size_t)(lf - s) + 1 : n;
    if (p->hdr_len + take > p->hdr_cap) {
        header_overflow(p);
        return 0;
    }
    size_t line_start = p->hdr_len;
    /* A line is continued from an earlier chunk if the block does not end in LF. */
    while (line_start > 0 && p->hdr[line_start - 1] != '\n') {
        line_start--;
    }
    memcpy(p->hdr + p->hdr_len, s, take);
    p->hdr_len += take;
    if (p->hdr_len > p->hdr_dirty) {
        p->hdr_dirty = p->hdr_len;
    }
    if (lf == NULL) {
        return take;
    }
    const uint8_t *line = p->hdr + line_start;
    size_t line_len = p->hdr_len - line_start;
    if ((line_len == 1) || (line_len == 2 && line[0] == '\r')) {
        end_headers(p, p->hdr_len);
        p->at_line_start = true;
        return take;
    }
    if (p->n_frames > 0 && line[0] == '-' && line_len >= 3 && line[1] == '-') {
        /* Peek: a delimiter inside a header block ends an entity that had no
         * body (and no blank line). */
        for (unsigned k = 0; k < p->n_frames; k++) {
            struct mime_frame *f = &p->frames[k];
            if (line_len >= 2u + f->boundary_len &&
                memcmp(line + 2, f->boundary, f->boundary_len) == 0) {
                defect(p, "header block not ended by a blank line");
                unsigned frames_before = p->n_frames;
                end_headers(p, line_start);
                /* An encapsulated message or multipart with nothing in it. */
                p->n_frames = frames_before;
                p->state = S_BODY;
                if (!try_delimiter(p, line, line_len)) {
                    emit_content(p, line, line_len);
                }
                return take;
            }
        }
    }
    return take;
}

static size_t
step_content(struct mime_parser *p, const uint8_t *s, size_t n)
{
    if (p->at_line_start && p->n_frames > 0 && s[0] == '-') {
        size_t look = n < sizeof(p->carry) ? n : sizeof(p->carry);
        const uint8_t *lf = memchr(s, '\n', look);
        if (lf == NULL && n < sizeof(p->carry)) {
            /* Could be a delimiter whose end has not arrived yet. */
            memcpy(p->carry, s, n);
            p->carry_len = n;
            return n;
        }
        if (lf != NULL) {
            size_t line = (size_t)(lf - s) + 1;
            if (!try_delimiter(p, s, line)) {
                emit_content(p, s, line);
                p->at_line_start = true;
            }
            return line;
        }
        /* Longer than any delimiter: ordinary content. */
    }
    if (p->n_frames == 0) {
        emit_content(p, s, n);
        p->at_line_start = s[n - 1] == '\n';
        return n;
    }
    /* The next line that starts with '-': search for the '-' (rare in text,
     * absent from base64), then look behind it. */
    size_t take = n;
    for (const uint8_t *d = s + 1; d < s + n && (d = memchr(d, '-', (size_t)(s + n - d))) != NULL;
         d++) {
        if (d[-1] == '\n') {
            take = (size_t)(d - s);
            break;
        }
    }
    emit_content(p, s, take);
    p->at_line_start = s[take - 1] == '\n';
    return take;
}

static size_t
step(struct mime_parser *p, const uint8_t *s, size_t n)
{
    return p->state == S_HEADERS ? step_headers(p, s, n) : step_content(p, s, n);
}

/* Completes a carried line start with the next input; returns bytes used. */
static size_t
resume_carry(struct mime_parser *p, const uint8_t *in, size_t len)
{
    size_t room = sizeof(p->carry) - p->carry_len;
    const uint8_t *lf = memchr(in, '\n', len < room ? len : room);
    if (lf == NULL && len < room) {
        memcpy(p->carry + p->carry_len, in, len);
        p->carry_len += len;
        return len;
    }
    size_t used = lf ? (size_t)(lf - in) + 1 : 0;
    memcpy(p->carry + p->carry_len, in, used);
    size_t n = p->carry_len + used;
    p->carry_len = 0;
    if (lf != NULL && try_delimiter(p, p->carry, n)) {
        return used;
    }
    emit_content(p, p->carry, n);
    p->at_line_start = lf != NULL;
    return used;
}

int
mime_parser_feed(struct mime_parser *p, const uint8_t *in, size_t in_len)
{
    size_t pos = 0;
    if (p->error == 0 && p->carry_len > 0 && in_len > 0) {
        pos = resume_carry(p, in, in_len);
    }
    while (p->error == 0 && pos < in_len) {
        pos += step(p, in + pos, in_len - pos);
    }
    return p->error;
}

int
mime_parser_finish(struct mime_parser *p)
{
    if (p->error != 0) {
        return p->error;
    }
    if (p->state == S_HEADERS) {
        if (p->hdr_len > 0) {
            defect(p, "message ends inside a header block");
        }
        end_headers(p, p->hdr_len);
        if (p->state == S_HEADERS) {
            p->state = S_BODY; /* an empty encapsulated message */
        }
    }
    if (p->carry_len > 0) {
        emit_content(p, p->carry, p->carry_len);
        p->carry_len = 0;
    }
    if (p->state == S_BODY) {
        emit(p, MIME_EV_BODY_END, NULL, 0);
        p->state = S_RAW;
    }
    if (p->n_frames > 0) {
        defect(p, "multipart not closed at end of message");
        p->n_frames = 0;
    }
    return p->error;
}
