/*
 * parser.c - the public tokenizer: physical lines (text.c) become logical
 * records (lex.c).
 *
 * Between the two sit the repairs a copied log needs:
 *  - console wraps: a line of exactly 80 characters followed by a line
 *    that does not begin a record is one record broken in two;
 *  - glued records: "...0xc0000142LDR: Derefcount" or a whole trace
 *    flattened to one line are split at each record head.
 * Both keep the 1-based line number of the physical line each piece
 * starts on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ldrsnap_internal.h"
#include "lex/plain.h"
#include "parse/parser_internal.h"
#include "simd/simd.h"

#define PARSER_MAGIC 0x4C445250u /* "LDRP" */
#define MAX_SEGMENTS 64
#define WRAP_COLUMNS 80

enum { P_OPEN, P_FINISHED, P_FAILED };

/* What the lines of a run begin with (ldrsnap_parser.run_kind). */
enum { LS_RUN_AT0, LS_RUN_COLUMNS, LS_RUN_PREFIX };

/* Characters of UTF-8: the bytes that are no continuation byte (10xxxxxx),
 * eight at a time. */
static size_t count_chars(const char *s, size_t n)
{
    const uint64_t high = 0x8080808080808080ull;
    size_t k = n, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* bit 7 set and bit 6 clear: one bit a byte, counted by a
         * multiply (__builtin_popcountll() is a call to libgcc's
         * __popcountdi2() without -mpopcnt) */
        uint64_t c = (w & ~(w << 1) & high) >> 7;
        k -= (size_t)((c * 0x0101010101010101ull) >> 56);
    }
    for (; i < n; i++)
        k -= ((unsigned char)s[i] & 0xC0) == 0x80;
    return k;
}

/* Line number of byte `pos` of the logical line. */
static uint64_t seg_line(const ldrsnap_parser *p, size_t pos)
{
    uint64_t line = p->seg[0].line;
    for (size_t i = 1; i < p->nseg && p->seg[i].pos <= pos; i++)
        line = p->seg[i].line;
    return line;
}

/* A continuation belongs to the record before it on the same stream: it
 * takes that record's process, thread, tick, function and level. */
static void remember_owner(ldrsnap_parser *p, const ldrsnap_record *r)
{
    const unsigned keep = LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK;
    p->prev_pid = r->pid;
    p->prev_tid = r->tid;
    p->prev_tick = r->tick;
    p->prev_flags = r->flags & keep;
    p->prev_level = r->level;
    /* no copy: the parser keeps the buffer it points into until another
     * record has an owner to remember (it lexes in the other one) */
    p->prev_function = r->function;
}

/* A continuation takes its owner's values; the function name (at most
 * LS_CONT_FUNC - 1 bytes of it) is copied to `room`, since the owner's
 * buffer is the next piece's, and the record may outlive this parser
 * state in a batch.  Later continuations take it from there. */
static size_t attach(ldrsnap_parser *p, ldrsnap_record *r, char *room)
{
    r->pid = p->prev_pid;
    r->tid = p->prev_tid;
    r->tick = p->prev_tick;
    r->flags |= p->prev_flags;
    r->level = p->prev_level;
    if (!p->prev_function || !p->prev_function[0]) {
        r->function = NULL;
        return 0;
    }
    size_t k = strnlen(p->prev_function, LS_CONT_FUNC - 1);
    memcpy(room, p->prev_function, k);
    room[k] = '\0';
    r->function = p->prev_function = room;
    return k + 1;
}

/* The piece, its fields and a continuation's function name. */
static size_t piece_room(size_t n)
{
    return n + 1 + LS_LEX_ROOM(n) + LS_CONT_FUNC;
}

size_t ldrsnap__batch_room(size_t max_line)
{
    /* a logical line is at most max_line bytes as read, three times that
     * once CP1252 is recoded as UTF-8; 30 bytes more for alignment */
    return piece_room(3 * (max_line + 4)) + 30;
}

#define REC_STRINGS(X)                                                        \
    X(text) X(raw) X(prefix) X(function) X(message) X(dll) X(dll_path)        \
    X(parent) X(symbol) X(search_path) X(image)

/* Move a record lexed in p->work to the batch: one copy of the line and
 * its fields, the record's pointers moved along first.  Lexing happens in
 * the work buffer, hot in this core's cache; batch memory is only written,
 * with streaming stores: the other thread read it last, and an ordinary
 * store must first take each line back from that core (the figures:
 * docs/PERFORMANCE.md). */
_Static_assert(sizeof(ls_item) % 8 == 0, "items stream in words");

/* Room in the batch for one more record and span bytes of strings, from
 * a 16-byte boundary: the next batch when this one is full.  Sets *at to
 * where the strings go (an offset in b->mem). */
static LS_ALWAYS_INLINE int batch_room(ldrsnap_parser *p, size_t span,
                                      size_t *at)
{
    ls_batch *b = p->batch;
    size_t pad = (size_t)(-(uintptr_t)(b->mem + b->used) & 15);
    if (b->maxrec - b->nrec < LS_ITEM_MAX_UNITS ||
        b->cap - b->used < pad + span) {
        if (!(b = p->batch = p->swap(p->swap_ud, b)))
            return LDRSNAP_ECALLBACK;
        pad = (size_t)(-(uintptr_t)b->mem & 15);
        if (b->cap < pad + span)
            return LDRSNAP_ELIMIT;
    }
    *at = b->used + pad;
    return LDRSNAP_OK;
}

/* Lex in the work buffer that prev_function does not point into: the
 * function a continuation would take (its owner's, perhaps a few pieces
 * back: blank lines between) stays where it is. */
static inline ls_buf *work_buffer(ldrsnap_parser *p)
{
    p->cur = p->work[0].ptr && p->prev_function &&
             (uintptr_t)p->prev_function - (uintptr_t)p->work[0].ptr <
                 p->work[0].cap;
    return &p->work[p->cur];
}

static int publish(ldrsnap_parser *p, ls_item *it, size_t len)
{
    /* the strings in 16-byte units from a 16-byte boundary (the work
     * buffer has the room to read past len): a stream of stores that
     * leaves no byte unwritten (a line written in part is slow to
     * stream) */
    size_t span = (len + 15) & ~(size_t)15, at;
    if (len > UINT32_MAX)
        return LDRSNAP_ELIMIT;
    int rc = batch_room(p, span, &at);
    if (rc < 0)
        return rc;
    ls_batch *b = p->batch;
    char *to = b->mem + at;
    const char *from = p->work[p->cur].ptr;
    ls_stream_copy(to, from, span);
    it->from = (uintptr_t)from;
    it->delta = (uintptr_t)to - (uintptr_t)from;
    it->len = (uint32_t)len;
    ls_stream_copy(ls_item_at(b->items, b->nrec), it, sizeof *it);
    b->used = at + span;
    b->nrec += LS_ITEM_MAX_UNITS;
    return LDRSNAP_OK;
}

const ldrsnap_record *ldrsnap__item_record(ls_item *it)
{
    /* as integers: the pointers that do not point into the work buffer
     * (string literals) are not of the same object */
#define MOVE(f)                                                               \
    if ((uintptr_t)it->u.rec.f - it->from < it->len)                          \
        it->u.rec.f = (const char *)((uintptr_t)it->u.rec.f + it->delta);
    REC_STRINGS(MOVE)
#undef MOVE
    return &it->u.rec;
}

static int emit_piece(ldrsnap_parser *p, const char *s, size_t n,
                      uint64_t line, unsigned flags, const ls_start *st)
{
    int rc;
    ls_buf *wb = work_buffer(p);
    if ((rc = ldrsnap__buf_reserve(&p->al, wb, piece_room(n) + 16)) < 0)
        return rc;
    char *w = wb->ptr;
    memcpy(w, s, n);
    w[n] = '\0';
    /* a copy of a blank record: vector stores, where memset of this size
     * becomes a slow `rep stos` */
    static const ldrsnap_record blank;
    ls_item it; /* the record, lexed where publish() sends it from */
    it.kind = LS_ITEM_RECORD;
    it.u.rec = blank;
    ldrsnap_record *rec = &it.u.rec;
    char *fields = w + n + 1;
    size_t used = ldrsnap__lex_line(fields, w, n, p->prev_dialect, st, rec);
    rec->line = line;
    rec->offset = p->cur_offset;
    rec->flags |= flags;
    if (rec->dialect == LDRSNAP_D_XP)
        p->xp_seen = true;
    if (rec->dialect == LDRSNAP_D_CONTINUATION)
        used += attach(p, rec, fields + used);
    else if (rec->dialect == LDRSNAP_D_VISTA || rec->dialect == LDRSNAP_D_XP)
        remember_owner(p, rec);
    if (rec->dialect != LDRSNAP_D_BLANK)
        p->prev_dialect = rec->dialect;
    if (p->batch) /* the function's id: the analyzing thread's work (it
                     has the shorter) */
        return publish(p, &it, n + 1 + used);
    if (p->fn) { /* the analyzer's: what this thread learnt, noted */
        p->note.watched = p->line_watched;
        p->note.fid = rec->function
                          ? ldrsnap__func_id(rec->function,
                                             strlen(rec->function),
                                             &p->note.fflags)
                          : (p->note.fflags = 0, LS_FID_UNKNOWN);
        return p->fn(p->ud, rec, &p->note);
    }
    if (p->cb(rec, p->ud) != 0)
        return LDRSNAP_ECALLBACK;
    return LDRSNAP_OK;
}

/* Compact items (parse/item.h) for the usual shapes: to the tokenizer's
 * batches, or on one thread (the analyzer's callback, no batch) each
 * decoded at once into the record it stands for, from the work buffer:
 * the same record emit_piece() would lex, without the general lexer.
 * LS_OPT_NO_COMPACT: the records as lexed, on either thread. */
static inline bool compact_on(const ldrsnap_parser *p)
{
    return (p->batch || p->fn) && !(p->flags & LS_OPT_NO_COMPACT);
}

/* What the decoders need on one thread: the parser's watched bytes and
 * gate (as the pipe takes them), and room for the strings they put
 * together; made at the first compact item, NULL if out of memory. */
static LS_NOINLINE ls_item_ctx *solo_ctx(ldrsnap_parser *p)
{
    /* a usual item's strings put together: its prefix (at most 65535
     * bytes, ls_usual_fits()), the image's name in it, the function's
     * name (65535), with no longer a line than max_line */
    size_t most = LS_ITEM_ROOM(LS_MIN(p->max_line, (size_t)3 << 15));
    ls_item_ctx *cx = ldrsnap__malloc(&p->al, sizeof *cx);
    char *room = ldrsnap__malloc(&p->al, most);
    if (!cx || !room) {
        ldrsnap__free(&p->al, cx);
        ldrsnap__free(&p->al, room);
        return NULL;
    }
    ldrsnap__parser_item_ctx(p, cx);
    cx->room = room;
    return p->solo = cx;
}

/* On one thread: the record of the item just encoded (its strings at w),
 * to the analyzer, with the note the analyzing thread would make. */
static LS_NOINLINE int solo_item(ldrsnap_parser *p, ls_item *it,
                                 const char *w)
{
    ls_item_ctx *cx = p->solo ? p->solo : solo_ctx(p);
    if (!cx)
        return LDRSNAP_ENOMEM;
    ldrsnap_record built;
    ls_note note;
    const ldrsnap_record *r =
        ldrsnap__item_decode(it, w, cx, &built, &note);
    return p->fn(p->ud, r, &note);
}

static bool names_watched(const ldrsnap_parser *p, const char *s, size_t a,
                          size_t b)
{
    return ls_names_watched(p->watch, s, a, b);
}

/* The strings of a compact item are built in the work buffer, hot in this
 * core's cache, then streamed with the item (see publish()): room for len
 * bytes, the line and its NUL copied first; NULL and *rc on failure. */
static LS_ALWAYS_INLINE char *compact_stage(ldrsnap_parser *p,
                                            const char *s, size_t n,
                                            size_t len, size_t *at, int *rc)
{
    size_t span = (len + 15) & ~(size_t)15;
    *at = 0; /* one thread: decoded from the work buffer */
    if (p->batch && (*rc = batch_room(p, span, at)) < 0)
        return NULL;
    ls_buf *wb = work_buffer(p);
    /* 32 more: a short name is moved as two vectors */
    if ((*rc = ldrsnap__buf_reserve(&p->al, wb, span + 32)) < 0)
        return NULL;
    char *w = wb->ptr;
    ls_copy_line(w, s, n);
    w[n] = '\0';
    return w;
}

/* Stream the len bytes of strings staged at w, and the item; on one
 * thread, its record to the analyzer (its return). */
static LS_ALWAYS_INLINE int compact_send(ldrsnap_parser *p, const char *w,
                                         size_t len, size_t at,
                                         ls_item *item, size_t size)
{
    ls_batch *b = p->batch;
    if (!b)
        return solo_item(p, item, w);
    size_t span = (len + 15) & ~(size_t)15;
    ls_stream_copy(b->mem + at, w, span);
    ls_stream_copy(ls_item_at(b->items, b->nrec), item, size);
    b->used = at + span;
    b->nrec++; /* a compact item: one unit */
    return LDRSNAP_OK;
}

/* The owner a continuation takes after a Vista record sent compact: its
 * values and its function's name (the table's, or in the work buffer). */
static inline void vista_owner(ldrsnap_parser *p, const ls_start *st,
                        ldrsnap_level level, const char *fn)
{
    p->prev_pid = st->pid;
    p->prev_tid = st->tid;
    p->prev_tick = st->tick;
    p->prev_flags = LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK;
    p->prev_level = level;
    p->prev_function = fn;
    p->prev_dialect = LDRSNAP_D_VISTA;
}

/* The name of the function a continuation takes after a usual record
 * sent compact: its first LS_CONT_FUNC - 1 bytes (attach() takes no
 * more), copied from the line s[f..n) where it is fl bytes long. */
static LS_ALWAYS_INLINE const char *owner_name(ldrsnap_parser *p,
                                               const char *s, size_t f,
                                               size_t fl, size_t n)
{
    return ls_item_name(p->owner, s + f, LS_MIN(fl, LS_CONT_FUNC - 1),
                        n - f >= 32);
}

/* emit_plain() on one thread: the line staged in the work buffer, its
 * item's record to the analyzer.  Out of line: on_fast_line() stays as
 * it was. */
static LS_NOINLINE int solo_plain(ldrsnap_parser *p, const char *s, size_t n,
                                  uint64_t line, const ls_start *st)
{
    size_t f = st->pos + st->head;
    int rc;
    ls_buf *wb = work_buffer(p);
    /* 32 more: the decoder moves short names as two vectors */
    if ((rc = ldrsnap__buf_reserve(&p->al, wb, n + 1 + 32)) < 0)
        return rc;
    char *w = wb->ptr;
    ls_copy_line(w, s, n);
    w[n] = '\0';
    ls_item_ctx *cx = p->solo ? p->solo : solo_ctx(p);
    if (!cx)
        return LDRSNAP_ENOMEM;
    /* encoded and decoded here, inline: the item need not be in memory */
    ls_item it;
    ldrsnap_record r;
    ls_note note;
    ls_usual_encode(&it, n, st, line, p->cur_offset, 0);
    vista_owner(p, st, (ldrsnap_level)st->plain,
                owner_name(p, s, f, st->sep - f, n));
    if (p->usual) /* the analyzer's, as the tokenizer thread's are */
        return p->usual(p->ud, &it, w, cx);
    ls_usual_decode(&it, w, &r, &note, cx);
    return p->fn(p->ud, &r, &note);
}

/* A line ldrsnap__lex_plain_line() took, sent to the batch in its compact
 * form: the record emit_piece() would make of it (a test compares the
 * two), built by the analyzing thread (ls_usual_decode()).  The line is
 * streamed from where it is, and the item says where its fields are; the
 * function's id, the prefix's strings and what the rules make of the
 * names are the analyzing thread's work (this one is the longer). */
static LS_ALWAYS_INLINE int emit_plain(ldrsnap_parser *p, const char *s,
                                       size_t n, uint64_t line,
                                       const ls_start *st)
{
    size_t f = st->pos + st->head, span = (n + 16) & ~(size_t)15, at;
    int rc;
    if (!ls_usual_fits(st)) /* a head or a name too long for the item */
        return emit_piece(p, s, n, line, 0, st);
    if (!p->batch)
        return solo_plain(p, s, n, line, st);
    if ((rc = batch_room(p, span, &at)) < 0)
        return rc;
    ls_item it;
    ls_usual_encode(&it, n, st, line, p->cur_offset, at);
    ls_batch *b = p->batch;
    ls_stream_line(b->mem + at, s, n);
    ls_stream_copy(ls_item_at(b->items, b->nrec), &it,
                   LS_ITEM_BYTES(ls_usual));
    b->used = at + span;
    b->nrec++; /* one unit */
    vista_owner(p, st, (ldrsnap_level)st->plain,
                owner_name(p, s, f, st->sep - f, n));
    return LDRSNAP_OK;
}

/* A "Calling init routine" line of the usual form in its compact form
 * (see ldrsnap__init_record()). */
static int emit_init(ldrsnap_parser *p, const char *s, size_t n,
                     uint64_t line, const ls_start *st, const ls_init_line *il)
{
    size_t h = st->pos + st->head, fl = il->sep - h;
    unsigned fflags, fid = ldrsnap__func_id(s + h, fl, &fflags);
    size_t image = st->pos ? ls_prefix_image(s, n, st->pos) : 0;
    size_t len = ls_init_size(n, st, il, fid, image), at;
    int rc;
    char *w = compact_stage(p, s, n, len, &at, &rc);
    if (!w)
        return rc;
    /* the whole line, which the analyzing thread checks */
    ls_item it;
    const char *fn = ls_init_encode(
        &it, w, s, n, st, il, fid, fflags, image,
        p->nwatch ? LS_WATCH_CHECK : LS_WATCH_YES,
        !p->gate.on || p->gate.init_may[fid], line, p->cur_offset, at);
    vista_owner(p, st, LDRSNAP_L_INFO, fn);
    return compact_send(p, w, len, at, &it, LS_ITEM_BYTES(ls_init));
}

/* A ModLoad line of the usual form, in its compact form (see
 * ldrsnap__modload_record()): the line, and its numbers. */
static int emit_modload(ldrsnap_parser *p, const char *s, size_t n,
                        uint64_t line, uint64_t base, uint64_t end,
                        size_t path)
{
    size_t at;
    int rc;
    char *w = compact_stage(p, s, n, n + 1, &at, &rc);
    if (!w)
        return rc;
    /* the whole line (its frame is not the plain records'), which the
     * analyzing thread checks */
    ls_item it;
    ls_modload_encode(&it, n, base, end, path,
                      p->nwatch ? LS_WATCH_CHECK : LS_WATCH_YES,
                      !p->gate.on || p->gate.modload_may, line,
                      p->cur_offset, at);
    p->prev_dialect = LDRSNAP_D_DEBUGGER;
    return compact_send(p, w, n + 1, at, &it, LS_ITEM_BYTES(ls_modload));
}

/* An XP "LDR:" record of a usual shape, in its compact form (see
 * ldrsnap__lex_xp_usual()): the line, its prefix, the names it cuts out,
 * and its numbers. */
static int emit_xp(ldrsnap_parser *p, const char *s, size_t n, uint64_t line,
                   size_t pos, const ls_xp_line *xl)
{
    size_t len = ls_xp_size(n, pos, xl), at;
    int rc;
    char *w = compact_stage(p, s, n, len, &at, &rc);
    if (!w)
        return rc;
    ls_item it;
    ls_xp_encode(&it, w, n, pos, xl, line, p->cur_offset, at);
    /* the owner a continuation takes (remember_owner() of its record) */
    p->xp_seen = true;
    p->prev_pid = xl->pid;
    p->prev_tid = xl->tid;
    p->prev_tick = 0;
    p->prev_flags = xl->flags & (LDRSNAP_RF_PID | LDRSNAP_RF_TID);
    p->prev_level = LDRSNAP_L_NONE;
    p->prev_function = NULL;
    p->prev_dialect = LDRSNAP_D_XP;
    return compact_send(p, w, len, at, &it, LS_ITEM_BYTES(ls_xp));
}

void ldrsnap__parser_item_ctx(const ldrsnap_parser *p, ls_item_ctx *cx)
{
    memcpy(cx->watch, p->watch, sizeof cx->watch);
    cx->nwatch = p->nwatch;
    memcpy(cx->fid_watched, p->fid_watched, sizeof cx->fid_watched);
    cx->gate = p->gate;
}

/* A Vista INFO record of a usual shape, in its compact form (see
 * ldrsnap__lex_info_usual()): the line, its function's name, the names
 * it cuts out, and its number. */
static int emit_info(ldrsnap_parser *p, const char *s, size_t n,
                     uint64_t line, const ls_start *st,
                     const ls_info_line *il)
{
    size_t image = st->pos ? ls_prefix_image(s, n, st->pos) : 0;
    size_t len = ls_info_size(n, st, il, image), at;
    int rc;
    char *w = compact_stage(p, s, n, len, &at, &rc);
    if (!w)
        return rc;
    ls_item it;
    const char *fn =
        ls_info_encode(&it, w, n, st, il, image, line, p->cur_offset, at);
    vista_owner(p, st, ls_info_level(il->kind), fn);
    return compact_send(p, w, len, at, &it, LS_ITEM_BYTES(ls_info));
}

void ldrsnap__parser_gate(ldrsnap_parser *p, const ls_gate *g)
{
    static const ls_gate off;
    p->gate = g ? *g : off;
    const unsigned char *bytes = p->gate.name_bytes;
    size_t k = p->gate.nname_bytes;
    p->nwatch = k <= 4 ? k : 0;
    for (size_t i = 0; i < 4 && p->nwatch; i++) /* unused ones repeat */
        memset(p->watch[i], bytes[i < k ? i : 0], 16);
    for (unsigned id = 0; id < LS_FID_LIMIT; id++) {
        const char *name = ldrsnap__fid_names[id];
        /* names_watched() reads the 16 bytes before a name's end: the
         * name after 16 of none */
        char room[16 + 64] = {0};
        size_t len = name ? strlen(name) : 0;
        if (name && len < 64)
            memcpy(room + 16, name, len);
        p->fid_watched[id] =
            !name || len >= 64 || names_watched(p, room, 16, 16 + len);
    }
    if (p->solo) /* its copies */
        ldrsnap__parser_item_ctx(p, p->solo);
}

/* Split a logical line at glued record heads and emit each piece.  Only
 * the line's own grammar is looked for: an XP head never follows a Vista
 * record on one line, and the search for it is the costly one. */
static int hold(ldrsnap_parser *p, const ls_line *ln, bool indent);
static bool may_wrap_at(const char *s, size_t n, const ls_start *st);

static int emit_logical_at(ldrsnap_parser *p, const char *s, size_t n,
                           unsigned flags, ls_start st);

static int emit_logical(ldrsnap_parser *p, const char *s, size_t n,
                        unsigned flags)
{
    ls_start st;
    if (!ldrsnap__lex_find_start(s, n, &st))
        return emit_piece(p, s, n, p->seg[0].line, flags, &ldrsnap__no_start);
    return emit_logical_at(p, s, n, flags, st);
}

/* emit_logical() once the line's first record start is known (st, as
 * ldrsnap__lex_find_start() finds it). */
static int emit_logical_at(ldrsnap_parser *p, const char *s, size_t n,
                           unsigned flags, ls_start st)
{
    if (p->hold_ln && may_wrap_at(s, n, &st)) {
        const ls_line *ln = p->hold_ln;
        p->hold_ln = NULL;
        return hold(p, ln, true); /* on_line() sees the next line first */
    }
    /* a plain ENTER or RETURN record holds no glued one */
    if ((p->flags & LDRSNAP_OPT_NO_GLUE_SPLIT) || ldrsnap__lex_plain(s, n, &st))
        return emit_piece(p, s, n, p->seg[0].line, flags, &st);
    bool xp = st.dialect == LDRSNAP_D_XP;
    size_t begin = 0, head = st.pos;
    int rc;
    for (;;) {
        /* the next head cannot start inside this one: search after it */
        size_t from = head + (st.dialect == LDRSNAP_D_VISTA && st.head
                                  ? st.head : 4);
        size_t next = ldrsnap__lex_find_glued(s, n, from, xp);
        unsigned f = flags | (begin ? LDRSNAP_RF_SPLIT : 0);
        st.pos = head - begin; /* in place: st is found anew below */
        rc = emit_piece(p, s + begin, next - begin, seg_line(p, begin), f,
                        &st);
        if (rc != 0 || next >= n)
            return rc;
        begin = head = next;
        if (!ldrsnap__lex_find_start(s + next, n - next, &st))
            return emit_piece(p, s + next, n - next, seg_line(p, next),
                              flags | LDRSNAP_RF_SPLIT, &ldrsnap__no_start);
        st.pos = 0; /* the piece starts with its head */
    }
}

static int on_fast_line(const char *s, size_t n, uint64_t line,
                        uint64_t offset, bool watched, bool ascii, void *ud);

static int flush_held(ldrsnap_parser *p)
{
    if (!p->holding)
        return LDRSNAP_OK;
    p->holding = false;
    p->line_watched = p->held_watched;
    unsigned f = p->held_flags | (p->nseg > 1 ? LDRSNAP_RF_JOINED : 0);
    p->cur_offset = p->held_offset;
    /* a failure record the fast way held, no rest joined to it: its start
     * is known; an INFO record of a usual shape (its last digits are why
     * it was held) goes compact, and an ERROR record of a usual shape
     * (LS_OPT_NO_ERROR_ITEMS: the general way) */
    if (p->held_st_ok && p->nseg == 1) {
        ls_info_line il;
        if (!f && p->held_ascii && compact_on(p) &&
            (!p->held_st.pos || !(p->flags & LS_OPT_NO_PREFIX_ITEMS)) &&
            ldrsnap__lex_info_usual(p->held.ptr, p->held.len, &p->held_st,
                                    !(p->flags & LS_OPT_NO_ERROR_ITEMS), &il))
            return emit_info(p, p->held.ptr, p->held.len, p->seg[0].line,
                             &p->held_st, &il);
        return emit_logical_at(p, p->held.ptr, p->held.len, f, p->held_st);
    }
    if (!p->hold_indent && p->nseg == 1 && !f && p->text.fast &&
        !(p->flags & LS_OPT_NO_FAST_HELD)) {
        /* an 80-column line no rest joined, whole, neither capped nor
         * recoded: the fast way takes it as any line it is offered, but
         * that it is not held again, for a rest nor as a failure record
         * for an indented one (emit_logical() is not asked to either:
         * p->hold_ln is NULL); what it does with any line when wraps are
         * not joined */
        unsigned flags = p->flags;
        p->flags |= LDRSNAP_OPT_NO_WRAP_JOIN;
        int rc = on_fast_line(p->held.ptr, p->held.len, p->seg[0].line,
                              p->held_offset, p->held_watched,
                              p->held_ascii, p);
        p->flags = flags;
        if (rc != 0)
            return rc > 0 ? LDRSNAP_OK : rc;
    }
    return emit_logical(p, p->held.ptr, p->held.len, f);
}

static unsigned line_flags(const ls_line *ln)
{
    return (ln->capped ? LDRSNAP_RF_CAPPED : 0) |
           (ln->recoded ? LDRSNAP_RF_RECODED : 0);
}

static int hold(ldrsnap_parser *p, const ls_line *ln, bool indent)
{
    p->hold_indent = indent;
    p->held.len = 0;
    int rc = ldrsnap__buf_append(&p->al, &p->held, ln->ptr, ln->len);
    if (rc < 0)
        return rc;
    p->holding = true;
    p->held_st_ok = false;
    p->held_ascii = ln->ascii;
    p->held_watched = ln->watched;
    p->held_flags = line_flags(ln);
    p->held_offset = ln->offset;
    p->nseg = 1;
    p->seg[0].pos = 0;
    p->seg[0].line = ln->line;
    return LDRSNAP_OK;
}

/* A failure record (a Vista ERROR or WARNING, an XP line that says
 * "fail"): a pasted log may wrap it onto an indented line.  Checked only
 * on the lines the fast way refuses. */
static bool says_fail(const char *s, size_t n)
{
    for (const char *f = s; (f = memchr(f, 'f', (size_t)(s + n - f)));
         f++)
        if (s + n - f >= 4 && memcmp(f, "fail", 4) == 0)
            return true;
    return false;
}

static bool may_wrap_at(const char *s, size_t n, const ls_start *st)
{
    if (n < 40)
        return false;
    if (st->dialect == LDRSNAP_D_XP)
        return says_fail(s + st->pos, n - st->pos);
    size_t h = st->pos + st->head; /* the function's name */
    const char *d = st->head && h < n ? memchr(s + h, ' ', n - h) : NULL;
    while (d && d + 4 < s + n && d[1] == ' ')
        d++; /* a name padded to a column */
    if (!d || d + 4 >= s + n || d[1] != '-' || d[2] != ' ')
        return false;
    if (d[3] == 'W' || (d[3] == 'E' && d[4] == 'R'))
        return true;
    /* "Calling init routine <address>", its "for DLL" on the next line */
    unsigned char last = (unsigned char)s[n - 1];
    return d[3] == 'I' && ((last >= '0' && last <= '9') ||
                           (last >= 'A' && last <= 'F') ||
                           (last >= 'a' && last <= 'f'));
}

/* may_wrap_at() on the fast way: ldrsnap__lex_plain_line() found where
 * " - LEVEL" starts (st->sep), so no search. */
static inline bool may_wrap_fast(const char *s, size_t n, const ls_start *st)
{
    if (!st->sep || st->sep + 5 >= n)
        return may_wrap_at(s, n, st);
    const char *d = s + st->sep;
    unsigned char last = (unsigned char)s[n - 1];
    return n >= 40 &&
           (d[3] == 'W' || (d[3] == 'E' && d[4] == 'R') ||
            (d[3] == 'I' && ((last >= '0' && last <= '9') ||
                             (last >= 'A' && last <= 'F') ||
                             (last >= 'a' && last <= 'f'))));
}

/* Is the line the indented rest of the held record?  Not a record, nor a
 * continuation of its own kind (an exception filter's records, the
 * directories after "Beginning execution", XP's process head).  0: no;
 * else where the rest starts (after the indentation, and the marks of a
 * code comment both lines are quoted in). */
static size_t continues_indented(ldrsnap_parser *p, const char *s, size_t n)
{
    static const char *const own[] = {
        "Exception record:", "Context record:", "Current directory:",
        "Package directories:", "Image Path:", "Current Directory:",
        "Search Path:", "[SNIP]", "("};
    size_t k = 0, c;
    while (k < n && (s[k] == '/' || s[k] == '#' || s[k] == '>'))
        k++; /* both lines quoted in a code comment or an e-mail */
    c = k;
    while (k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    size_t indent = k - c;
    if (k == n || (indent < 2 && !(indent && s[k - 1] == '\t')))
        return 0;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (n - k >= strlen(own[i]) &&
            memcmp(s + k, own[i], strlen(own[i])) == 0)
            return 0;
    p->scratch.len = 0;
    if (ldrsnap__buf_append(&p->al, &p->scratch, s, n) < 0 ||
        ldrsnap__buf_append(&p->al, &p->scratch, "", 1) < 0)
        return 0;
    ls_start st;
    return ldrsnap__lex_find_start(p->scratch.ptr, n, &st) ? 0 : k;
}

static inline bool wrapped_width(const ls_line *ln)
{
    if (ln->ascii)
        return ln->len == WRAP_COLUMNS;
    return ln->len >= WRAP_COLUMNS && ln->len <= 4 * WRAP_COLUMNS &&
           count_chars(ln->ptr, ln->len) == WRAP_COLUMNS;
}

/* Does a record start after the one st found at st->pos (glued to it)?
 * The search emit_logical() makes for its first piece. */
static bool glued(const char *s, size_t n, const ls_start *st)
{
    size_t from = st->pos + (st->dialect == LDRSNAP_D_VISTA && st->head
                                 ? st->head
                                 : 4);
    return ldrsnap__lex_find_glued(s, n, from,
                                   st->dialect == LDRSNAP_D_XP) < n;
}

/* The first byte of the line after s[0..n) (a line text.c offered, or
 * another's bytes), when it is in the bytes being split; else -1. */
static inline int next_first(const ldrsnap_parser *p, const char *s,
                             size_t n)
{
    const char *lo = p->text.piece_lo, *hi = p->text.piece_hi;
    if (!lo || (uintptr_t)s - (uintptr_t)lo >= (uintptr_t)(hi - lo) ||
        (size_t)(hi - s) <= n + 1)
        return -1;
    const char *q = s + n; /* its '\n', or a '\r' */
    if (q[0] == '\r' && q[1] == '\n')
        q++;
    return q + 1 < hi ? (unsigned char)q[1] : -1;
}

/* A failure record the fast way found, sent at once as flush_held() sends
 * it when no rest joined it (an ERROR or INFO record of a usual shape
 * compact, any other the general way): the line after it, in the same
 * bytes, begins with no blank nor quote mark (continues_indented() says
 * no at its first byte, and on_fast_other() sends the held record before
 * it); else held.  1: taken. */
static int hold_fast(ldrsnap_parser *p, const ls_line *ln,
                     const ls_start *st)
{
    int c;
    if (!(p->flags & LS_OPT_NO_PEEK) &&
        (c = next_first(p, ln->ptr, ln->len)) >= 0 && c != ' ' &&
        c != '\t' && c != '/' && c != '#' && c != '>') {
        ls_info_line il;
        int rc;
        p->line_watched = ln->watched;
        p->cur_offset = ln->offset;
        p->nseg = 1;
        p->seg[0].pos = 0;
        p->seg[0].line = ln->line;
        if (ln->ascii && compact_on(p) &&
            (!st->pos || !(p->flags & LS_OPT_NO_PREFIX_ITEMS)) &&
            ldrsnap__lex_info_usual(ln->ptr, ln->len, st,
                                    !(p->flags & LS_OPT_NO_ERROR_ITEMS), &il))
            rc = emit_info(p, ln->ptr, ln->len, ln->line, st, &il);
        else
            rc = emit_logical_at(p, ln->ptr, ln->len, 0, *st);
        return rc < 0 ? rc : rc == 0 ? 1 : LDRSNAP_ECALLBACK;
    }
    int rc = hold(p, ln, true);
    if (rc < 0)
        return rc;
    p->held_st = *st;
    p->held_st_ok = true;
    return 1;
}

/* on_fast_other()'s answer for a plain record (after a prefix, a head of
 * another width) going compact: on_fast_line() sends it, from its one
 * call of emit_plain() (two would each be inlined: too large a function,
 * whose other calls then go out of line). */
#define FAST_PLAIN 2

/* A plain record after a prefix past ASCII, the line's bytes after the
 * prefix ASCII (a Chinese or German app's name, "测试(pid): "): it goes
 * compact as after an ASCII prefix (LS_OPT_NO_WIDE_PREFIX: the general
 * way, as any line past ASCII).  The analyzing thread's checks of a
 * compact item's names for watched bytes read ASCII bytes, which its
 * names then are; the prefix is no part of the record's text. */
static inline bool plain_after_wide(const ldrsnap_parser *p, const char *s,
                                    size_t n, const ls_start *start,
                                    const ls_start *st)
{
    return !(p->flags & LS_OPT_NO_WIDE_PREFIX) && start == st && st->plain &&
           st->pos && st->pos <= UINT16_MAX &&
           ls_plain_len((const unsigned char *)s + st->pos, n - st->pos) ==
               n - st->pos;
}

/* on_fast_line() for any line but the usual plain record at 0; found:
 * st is the start after DebugView's columns (columns_at()), where no plain
 * record is, as the search below would find it. */
static inline int
on_fast_other(const char *s, size_t n, uint64_t line, uint64_t offset,
              bool watched, bool ascii, ldrsnap_parser *p, ls_start *st,
              bool plain, bool found)
{
    int rc;
    ls_line ln = {s, n, line, offset, false, false, ascii, watched};
    if ((p->batch && p->batch->cap > UINT32_MAX) ||
        (p->flags & LDRSNAP_OPT_NO_GLUE_SPLIT))
        return 0;
    bool joinable = !(p->flags & LDRSNAP_OPT_NO_WRAP_JOIN);
    if (joinable && wrapped_width(&ln)) {
        /* 80 columns: held for a wrapped rest, as on_line() holds it
         * when nothing is held (wraps not joined: a line as any other) */
        if (p->holding)
            return 0;
        return (rc = hold(p, &ln, false)) < 0 ? rc : 1;
    }
    /* an 80-column line held: this line goes on with it unless it begins
     * a record (ldrsnap__lex_begins_record()); a record's start found at
     * 0 or after a known prefix says so, and the held line goes first,
     * as on_line() sends it; any other line, on_line()
     * looks at */
    bool held80 = p->holding && !p->hold_indent;
    if (p->holding && !held80) {
        /* a failure record held for its indented rest: a line that does
         * not begin with a blank or a quote mark is not that
         * (continues_indented() says so at its first byte), and the held
         * record goes first, as on_line() sends it; a line that may be
         * the rest, on_line() looks at */
        if (n && (s[0] == ' ' || s[0] == '\t' || s[0] == '/' ||
                  s[0] == '#' || s[0] == '>'))
            return 0;
        if ((rc = flush_held(p)) != 0)
            return rc < 0 ? rc : LDRSNAP_ECALLBACK;
    }
    if (!plain && st->head && !found && joinable &&
        may_wrap_fast(s, n, st)) {
        /* a failure record: held, as on_line() holds it */
        if (held80 && (rc = flush_held(p)) != 0)
            return rc < 0 ? rc : LDRSNAP_ECALLBACK;
        return hold_fast(p, &ln, st);
    }
    /* any other record with the usual head: a glued one would bring a
     * head's '@' (emit_logical() looks for no XP head after a Vista one),
     * and when there is one, the search emit_logical() makes; a line
     * without any record start (ModLoad, IDE, continuation and blank
     * lines): none to split at either; a record after a capture tool's
     * prefix, an XP one, a Vista head of another width: found as
     * emit_logical() finds it, when no record is glued to it */
    const ls_start *start = st;
    bool usual = !found && (plain || st->head);
    enum { XP_NONE, XP_PLAIN, XP_FAIL } xp = XP_NONE;
    ls_xp_line xl;
    ls_info_line inf;
    if (!plain && st->head && !found &&
        memchr(s + st->head, '@', n - st->head) && glued(s, n, st))
        return 0;
    if (!usual) {
        /* no head at 0 (ldrsnap__lex_plain_line() looked): where a record
         * could start, for a search that begins there */
        size_t q = found ? st->pos + 10 : ls_first_at_ldr(s, n);
        if (q == n)
            start = &ldrsnap__no_start;
        else if (!found && !ldrsnap__lex_find_start_at(s, n, q, st))
            return 0;
        if (held80 && (start != st || !ldrsnap__lex_known_prefix(s, st->pos)))
            return 0;
        if (start != st)
            ;
        else if (st->dialect == LDRSNAP_D_XP) {
            /* a glued record and a failure (which may be wrapped) looked
             * for in one pass: glued() and may_wrap_at(), and lex_xp()'s
             * "fail" */
            unsigned x = ls_xp_marks(s, n, st->pos);
            if (x & 1)
                return 0;
            if (joinable && n >= 40 && (x & 2)) {
                if (held80 && (rc = flush_held(p)) != 0)
                    return rc < 0 ? rc : LDRSNAP_ECALLBACK;
                return hold_fast(p, &ln, st);
            }
            xp = x & 2 ? XP_FAIL : XP_PLAIN;
        } else if (!found && ldrsnap__lex_plain_after(s, n, st))
            ; /* a plain record after a prefix: nothing glued, no wrap */
        else if (glued(s, n, st))
            return 0;
        else if (joinable && may_wrap_at(s, n, st)) {
            if (held80 && (rc = flush_held(p)) != 0)
                return rc < 0 ? rc : LDRSNAP_ECALLBACK;
            return hold_fast(p, &ln, st);
        }
    }
    if (held80 && (rc = flush_held(p)) != 0)
        return rc < 0 ? rc : LDRSNAP_ECALLBACK;
    p->nseg = 1;
    p->seg[0].pos = 0;
    p->seg[0].line = line;
    p->cur_offset = offset;
    p->line_watched = watched;
    uint64_t base, end;
    size_t path;
    ls_init_line il;
    if (!compact_on(p) || (!ascii && !plain_after_wide(p, s, n, start, st)))
        /* one thread (or no compact items): the record, lexed from what
         * we found; a line past ASCII too, whose names the analyzing
         * thread's check of compact items (ASCII bytes) cannot vouch for
         * (but for a plain record after a prefix past ASCII) */
        rc = emit_piece(p, s, n, line, 0, start);
    else if (plain || (start == st && st->plain && st->pos <= UINT16_MAX))
        /* a plain record, perhaps after a prefix (its length and the
         * image's name's in 16 bits) */
        return FAST_PLAIN; /* on_fast_line() sends it */
    else if (start == &ldrsnap__no_start)
        rc = ldrsnap__lex_modload_usual(s, n, &base, &end, &path)
                 ? emit_modload(p, s, n, line, base, end, path)
                 : emit_piece(p, s, n, line, 0, start);
    else if (usual || (start == st && st->dialect == LDRSNAP_D_VISTA &&
                       !(p->flags & LS_OPT_NO_PREFIX_ITEMS)))
        /* a Vista record at 0 or after a prefix: an init or INFO record
         * of a usual shape goes compact */
        rc = ldrsnap__lex_init_usual(s, n, st, &il)
                 ? emit_init(p, s, n, line, st, &il)
             : ldrsnap__lex_info_usual(s, n, st,
                                       !(p->flags & LS_OPT_NO_ERROR_ITEMS),
                                       &inf)
                 ? emit_info(p, s, n, line, st, &inf)
                 : emit_piece(p, s, n, line, 0, start);
    else if (xp == XP_PLAIN && ldrsnap__lex_xp_usual(s, n, st->pos, &xl))
        rc = emit_xp(p, s, n, line, st->pos, &xl);
    else
        rc = emit_piece(p, s, n, line, 0, start);
    return rc < 0 ? rc : rc == 0 ? 1 : LDRSNAP_ECALLBACK;
}

/* The length of the run's prefix (p->run) when the line begins with it and
 * a plain record after it would go compact (on_fast_other()'s conditions
 * for one: an ASCII line, or one past ASCII in the prefix only, not 80
 * columns wide, nothing held, a batch); else 0. */
static LS_ALWAYS_INLINE size_t run_at(const ldrsnap_parser *p, const char *s,
                                      size_t n, bool ascii)
{
    size_t k = p->run_len;
    if (!k || n < 32 || n - p->run_cont == WRAP_COLUMNS ||
        (!ascii && !p->run_cont) || p->holding || !compact_on(p) ||
        (p->batch && p->batch->cap > UINT32_MAX))
        return 0;
#if LS_SSE2
    uint32_t eq =
        (uint32_t)_mm_movemask_epi8(
            _mm_cmpeq_epi8(LS_LOADU(s), LS_LOADU(p->run))) |
        (uint32_t)_mm_movemask_epi8(
            _mm_cmpeq_epi8(LS_LOADU(s + 16), LS_LOADU(p->run + 16)))
            << 16;
    if (~eq & p->run_mask)
        return 0;
#else
    if (memcmp(s, p->run, k))
        return 0;
#endif
    /* a prefix past ASCII: the rest of the line is not */
    return ascii || ls_plain_len((const unsigned char *)s + k, n - k) == n - k
               ? k
               : 0;
}

/* The length of DebugView's columns at the line's start (ls_columns_len())
 * when a plain record after them would go compact (run_at()'s conditions
 * for an ASCII line); else 0.  What on_fast_other() finds for such a
 * line: its first '@' (no "LDR:" before it) is the head's, after bytes
 * that end in a blank (ldrsnap__lex_find_start_at()), and a plain record
 * after it (ldrsnap__lex_plain_after(); not DebugString's, which begins
 * with no digit) goes compact. */
static LS_ALWAYS_INLINE size_t columns_at(const ldrsnap_parser *p,
                                          const char *s, size_t n, bool ascii)
{
    if (!ascii || n == WRAP_COLUMNS || p->holding || !compact_on(p) ||
        (p->flags & (LDRSNAP_OPT_NO_GLUE_SPLIT | LS_OPT_NO_COLUMNS)) ||
        (p->batch && p->batch->cap > UINT32_MAX))
        return 0;
    return ls_columns_len(s, n);
}

/* A plain record after the run's prefix (off bytes): the usual head and
 * a plain record read after it, into st as ldrsnap__lex_find_start_at()
 * and ldrsnap__lex_plain_after() would set it; false: not so, st as it
 * was.  Out of line: on_fast_line() stays as small as it was. */
static LS_NOINLINE bool plain_after_run(const char *s, size_t n, size_t off,
                                        ls_start *st, bool keep)
{
    vhead h;
    if (!head_usual(s + off, n - off, &h))
        return false;
    st->head = 23;
    st->pid = (uint32_t)h.ids, st->tid = (uint32_t)(h.ids >> 32);
    st->tick = h.tick;
    st->dialect = LDRSNAP_D_VISTA;
    if (!plain_after_head(s + off, n - off, st)) {
        /* as ls_lex_plain_line() left it at 0; keep: as
         * ldrsnap__lex_find_start_at() and ldrsnap__lex_plain_after() leave
         * it (the start at off) */
        st->head = keep ? 23 : 0;
        st->pos = keep ? off : 0;
        st->plain = LDRSNAP_L_NONE;
        st->sep = 0;
        return false;
    }
    st->pos = off;
    st->sep += off, st->msg += off; /* in the line */
    return true;
}

/* A plain record after the prefix s[0..pos) went compact the general way
 * (on_fast_other()): the prefix is kept for the lines after it when a
 * line that begins with it and then the usual head is certain to take
 * that way too, the same prefix found (see run_at()): 32 bytes at most,
 * ending in ": " (the run of "app(pid): "; a prefix of DebugView's, a
 * count, is new on each line), without '@' or "LDR:" (the line's first
 * is then the head's: ldrsnap__lex_find_start_at() reads the head there)
 * and not DebugString's (whose records are not plain ones); the line then
 * has no head at 0 either, whose pid would run into the prefix's last
 * byte, a space. */
static LS_NOINLINE void run_keep(ldrsnap_parser *p, const char *s,
                                 size_t pos)
{
    if (pos == p->run_len && memcmp(s, p->run, pos) == 0)
        return; /* kept already (an 80-column line's, sent after it) */
    p->run_len = 0;
    if ((p->flags & LS_OPT_NO_RUNS) || pos < 2 || pos > sizeof p->run ||
        s[pos - 1] != ' ' || s[pos - 2] != ':' ||
        ls_first_at_ldr_scalar(s, pos) != pos ||
        (pos >= 14 && memcmp(s, "DebugString: \"", 14) == 0))
        return;
    memset(p->run, 0, sizeof p->run);
    memcpy(p->run, s, pos);
    p->run_len = pos;
    p->run_mask = pos == 32 ? ~0u : (1u << pos) - 1;
    p->run_cont = 0;
    for (size_t i = 0; i < pos; i++)
        p->run_cont += ((unsigned char)s[i] & 0xC0) == 0x80;
}

/* The fast way for the lines that make most of a log (text.c offers them):
 * a record with the usual Vista head, on a line that no wrap joins, going
 * to a batch (a plain ENTER or RETURN record in its compact form), or on
 * one thread straight to the record callback.  What on_line() and
 * emit_logical() would do with it, without the steps that cannot apply.
 * 0: not such a line.  LS_OPT_NO_FAST_LINES turns it off.
 *
 * The usual plain record at 0 (most lines of a log: "hhhh:hhhh @ dddddddd
 * - Function - ENTER: DLL name: x.dll" or "- RETURN: Status: 0x..."),
 * when nothing is held and the line is not 80 columns wide, is read here
 * with the inline readers of lex/plain.h and sent at once: the steps of
 * on_fast_other() that cannot apply to it, and its calls, skipped.  The
 * same record and item (on_fast_other() takes the line the same way).
 *
 * So is a plain record after a capture tool's prefix when the line before
 * of that kind had the same prefix (the run of "app(pid): " in a capture
 * of one process, run_at()): read after it at once, not by
 * on_fast_other()'s search for the start.
 *
 * LS_FAST_RUN (taken): a usual plain record at 0 went to a batch, and
 * on_fast_run() takes the lines after it while they are such records. */
static int on_fast_line(const char *s, size_t n, uint64_t line,
                        uint64_t offset, bool watched, bool ascii, void *ud)
{
    ldrsnap_parser *p = ud;
    ls_start st;
    int rc, taken = 1;
    size_t off;
    /* what on_fast_other() reads first thing (the lexer's answer is the
     * same wherever it is asked); on_fast_run() read it of the line it
     * left at */
    bool plain;
    if (s == p->pre_s) {
        st = p->pre_st;
        plain = false;
        p->pre_s = NULL;
    } else {
        plain = ls_lex_plain_line(s, n, &st);
    }
    if (!plain || !ascii || n == WRAP_COLUMNS || p->holding ||
        (p->flags & LDRSNAP_OPT_NO_GLUE_SPLIT)) {
        if (!plain && !st.head &&
            (((off = run_at(p, s, n, ascii)) != 0 &&
              plain_after_run(s, n, off, &st, false)) ||
             ((off = columns_at(p, s, n, ascii)) != 0 &&
              plain_after_run(s, n, off, &st, true)))) {
            /* a plain record after the run's prefix, or DebugView's
             * columns: what on_fast_other() sets for it */
            p->nseg = 1;
            p->seg[0].pos = 0;
            p->seg[0].line = line;
            p->cur_offset = offset;
            p->line_watched = watched;
            /* a run of them may follow (on_fast_run(): ASCII lines) */
            bool cols = s[st.pos - 2] == ']';
            if (p->batch && p->text.run && (cols || !p->run_cont)) {
                taken = LS_FAST_RUN;
                p->run_kind = cols ? LS_RUN_COLUMNS : LS_RUN_PREFIX;
            }
        } else {
            rc = on_fast_other(s, n, line, offset, watched, ascii, p, &st,
                               plain, st.pos != 0);
            if (rc != FAST_PLAIN)
                return rc;
            /* after a prefix: the first of a run?  (Not after
             * DebugView's columns, which end in "] ") */
            if (st.pos >= 2 && s[st.pos - 2] == ':')
                run_keep(p, s, st.pos);
        }
    } else if (!compact_on(p)) {
        /* one thread, or no compact items: the record */
        p->nseg = 1;
        p->seg[0].pos = 0;
        p->seg[0].line = line;
        p->cur_offset = offset;
        p->line_watched = watched;
        rc = emit_piece(p, s, n, line, 0, &st);
        return rc < 0 ? rc : rc == 0 ? 1 : LDRSNAP_ECALLBACK;
    } else if (p->batch && p->batch->cap > UINT32_MAX) {
        return 0;
    } else {
        p->cur_offset = offset;
        if (p->batch && p->text.run) {
            taken = LS_FAST_RUN;
            p->run_kind = LS_RUN_AT0;
        }
    }
    rc = emit_plain(p, s, n, line, &st);
    return rc < 0 ? rc : rc == 0 ? taken : LDRSNAP_ECALLBACK;
}

/* batch_room() when the batch is full: out of on_fast_run()'s loop. */
static LS_NOINLINE int run_room(ldrsnap_parser *p, size_t span, size_t *at)
{
    return batch_room(p, span, at);
}

/*
 * The lines after a usual plain record at 0 that went compact (text.c's
 * split() offers them when on_fast_line() answered LS_FAST_RUN: most of a
 * log comes in runs of them, about eight a run), taken in one loop while
 * they are that record too: each line's '\n' the next bit of the map,
 * the head and record read inline (ls_lex_plain_line()'s readers, the
 * fields in registers), the line and its item streamed (the item's words
 * put together in registers, ls_usual_stream()), the batch's room and
 * units in registers; the owner a continuation takes set once, after the
 * last.  The same items as on_fast_line() sends, one line at a time (the
 * threaded tests compare, LS_OPT_NO_RUN_LOOP).  The first line that is
 * not such a record ends the run: split() offers it to on_fast_line() as
 * any line (which reads its head again: cheaper than a second inlined
 * copy of on_fast_line()'s body, whose callees then went out of line).
 */
static LS_ALWAYS_INLINE int run_loop(ls_lines *l, ldrsnap_parser *p,
                                     const unsigned kind)
{
    const char *const piece = l->p;
    const size_t n = l->n, max = LS_MIN(l->max_line, (size_t)UINT32_MAX);
    const uint64_t *const nl = l->nl;
    size_t i = l->i, bad = l->bad;
    uint64_t lineno = l->lineno;
    /* in registers: the streaming stores below may alias *l for all the
     * compiler knows */
    const uint64_t orig = l->orig;
    const unsigned scale = l->scale;
    const bool has_cr = l->has_cr;
    size_t w = i / 64;
    const size_t last = n / 64;
    uint64_t bits = nl[w] & (~0ull << (i % 64));
    ls_batch *b = p->batch;
    char *mem = b->mem;
    ls_item *items = b->items;
    size_t used = b->used, nrec = b->nrec, cap = b->cap, maxrec = b->maxrec;
#if LS_SSE2
    const __m128i run0 = LS_LOADU(p->run), run1 = LS_LOADU(p->run + 16);
    const uint32_t run_mask = p->run_mask;
#endif
    const size_t run_len = p->run_len;
    /* the last record sent: the owner a continuation takes */
    const char *os = NULL;
    size_t olen = 0, osep = 0, opos = 0;
    uint64_t oids = 0, otick = 0, ooffset = 0;
    unsigned olevel = 0;
    int rc = LDRSNAP_OK;
    for (;;) {
        while (!bits) {
            if (++w > last)
                goto out;
            bits = nl[w];
        }
        size_t end = w * 64 + (size_t)__builtin_ctzll(bits);
        if (end >= n || cap > UINT32_MAX)
            break;
        size_t stop = has_cr && end > i && piece[end - 1] == '\r' ? end - 1
                                                                  : end;
        size_t len = stop - i;
        if (len > max || len == WRAP_COLUMNS)
            break;
        if (bad < stop) {
            if (bad < i)
                bad = i +
                      ls_plain_len((const unsigned char *)piece + i, n - i);
            if (bad < stop)
                break; /* past ASCII: split() offers it */
        }
        const char *s = piece + i;
        uint64_t offset = orig + (uint64_t)i * scale;
        /* the record after DebugView's columns or the run's prefix
         * (columns_at() and run_at() for an ASCII line) */
        size_t off = 0;
        if (kind != LS_RUN_AT0) {
            /* the line begins with the run's prefix (run_at()) */
            bool pre = run_len && len >= 32;
#if LS_SSE2
            if (pre) {
                uint32_t eq = (uint32_t)_mm_movemask_epi8(
                                  _mm_cmpeq_epi8(LS_LOADU(s), run0)) |
                              (uint32_t)_mm_movemask_epi8(
                                  _mm_cmpeq_epi8(LS_LOADU(s + 16), run1))
                                  << 16;
                pre = !(~eq & run_mask);
            }
#else
            pre = pre && memcmp(s, p->run, run_len) == 0;
#endif
            if (kind == LS_RUN_PREFIX) {
                if (!pre)
                    break;
                off = run_len;
            } else if (pre || !(off = ls_columns_len(s, len))) {
                break; /* on_fast_line() looks for the run's first */
            }
        }
        const char *r = s + off; /* the head */
        vhead h;
        if (!head_usual(r, len - off, &h))
            break; /* split() offers it, to on_fast_line() */
        ls_start st;
        st.pos = 0;
        st.head = 23;
        st.pid = (uint32_t)h.ids, st.tid = (uint32_t)(h.ids >> 32);
        st.tick = h.tick;
        st.dialect = LDRSNAP_D_VISTA;
        st.plain = LDRSNAP_L_NONE;
        st.sep = 0;
        if (!plain_after_head_inline(r, len - off, &st)) {
            if (kind == LS_RUN_AT0) { /* not read again */
                p->pre_s = s;
                p->pre_st = st;
            }
            break; /* split() offers it, to on_fast_line() */
        }
        if (!ls_usual_fits(&st))
            break;
        size_t span = (len + 16) & ~(size_t)15, at;
        size_t pad = (size_t)(-(uintptr_t)(mem + used) & 15);
        if (maxrec - nrec < LS_ITEM_MAX_UNITS || cap - used < pad + span) {
            b->used = used;
            b->nrec = nrec;
            if ((rc = run_room(p, span, &at)) < 0)
                goto put;
            b = p->batch;
            mem = b->mem;
            items = b->items;
            used = b->used, nrec = b->nrec, cap = b->cap, maxrec = b->maxrec;
        } else {
            at = used + pad;
        }
        ls_stream_line_over(mem + at, s, len, n - i);
        ls_usual_stream(ls_item_at(items, nrec), len, lineno + 1, offset,
                        h.ids, h.tick, st.status, at, st.msg + off,
                        st.status_orig, off, st.sep - 23, (unsigned)st.plain,
                        st.form);
        used = at + span;
        nrec++; /* one unit */
        os = s, olen = len, osep = st.sep + off, opos = off;
        oids = h.ids, otick = h.tick;
        olevel = (unsigned)st.plain, ooffset = offset;
        lineno++;
        i = end + 1;
        bits &= bits - 1;
    }
out:
    b->used = used;
    b->nrec = nrec;
put:
    if (os) {
        p->cur_offset = ooffset;
        if (kind != LS_RUN_AT0) { /* as on_fast_line() sets them */
            p->nseg = 1;
            p->seg[0].pos = 0;
            p->seg[0].line = lineno;
            p->line_watched = true;
        }
        vista_owner(p,
                    &(ls_start){.pid = (uint32_t)oids,
                                .tid = (uint32_t)(oids >> 32),
                                .tick = otick},
                    (ldrsnap_level)olevel,
                    owner_name(p, os, opos + 23, osep - opos - 23, olen));
    }
    l->i = i;
    l->bad = bad;
    l->lineno = lineno;
    return rc;
}

/* run_loop() for each kind of run, its checks of the kind made once. */
static int on_fast_run(ls_lines *l, void *ud)
{
    ldrsnap_parser *p = ud;
    switch (p->run_kind) {
    case LS_RUN_COLUMNS:
        return run_loop(l, p, LS_RUN_COLUMNS);
    case LS_RUN_PREFIX:
        return run_loop(l, p, LS_RUN_PREFIX);
    default:
        return run_loop(l, p, LS_RUN_AT0);
    }
}

static int on_line(const ls_line *ln, void *ud)
{
    ldrsnap_parser *p = ud;
    int rc;
    bool joinable = !(p->flags & LDRSNAP_OPT_NO_WRAP_JOIN);
    if (p->holding && p->hold_indent) {
        size_t k = continues_indented(p, ln->ptr, ln->len);
        if (k) {
            /* the rest of the record, wrapped onto an indented line as
             * people paste long lines: joined with one space */
            p->seg[p->nseg].pos = p->held.len + 1;
            p->seg[p->nseg].line = ln->line;
            p->nseg++;
            p->held_flags |= line_flags(ln);
            p->held_watched |= ln->watched;
            if ((rc = ldrsnap__buf_append(&p->al, &p->held, " ", 1)) < 0 ||
                (rc = ldrsnap__buf_append(&p->al, &p->held, ln->ptr + k,
                                          ln->len - k)) < 0)
                return rc;
            /* the rest may take more lines: held until one is not */
            if (p->nseg < 8 && p->held.len < p->max_line)
                return LDRSNAP_OK;
            return flush_held(p);
        }
        if ((rc = flush_held(p)) != 0)
            return rc;
    }
    if (p->holding) {
        /* the classifier reads C strings: give it a terminated copy */
        p->scratch.len = 0;
        if ((rc = ldrsnap__buf_append(&p->al, &p->scratch, ln->ptr,
                                      ln->len)) < 0 ||
            (rc = ldrsnap__buf_append(&p->al, &p->scratch, "", 1)) < 0)
            return rc;
        if (ldrsnap__lex_begins_record(p->scratch.ptr, ln->len) ||
            p->held.len + ln->len > p->max_line) {
            if ((rc = flush_held(p)) != 0)
                return rc;
        } else {
            p->seg[p->nseg].pos = p->held.len;
            p->seg[p->nseg].line = ln->line;
            p->nseg++;
            p->held_flags |= line_flags(ln);
            p->held_watched |= ln->watched;
            rc = ldrsnap__buf_append(&p->al, &p->held, ln->ptr, ln->len);
            if (rc < 0)
                return rc;
            if (wrapped_width(ln) && p->nseg < MAX_SEGMENTS)
                return LDRSNAP_OK;
            return flush_held(p);
        }
    }
    if (joinable && wrapped_width(ln))
        return hold(p, ln, false);
    p->nseg = 1;
    p->seg[0].pos = 0;
    p->seg[0].line = ln->line;
    p->cur_offset = ln->offset;
    p->line_watched = ln->watched;
    /* a failure record may go on on an indented line: emit_logical()
     * holds it instead (it finds where the record starts anyway) */
    p->hold_ln = joinable ? ln : NULL;
    rc = emit_logical(p, ln->ptr, ln->len, line_flags(ln));
    p->hold_ln = NULL;
    return rc;
}

int ldrsnap__parser_init(ldrsnap_parser *p, const ldrsnap_options *opts,
                         ls_record_fn fn, void *ctx)
{
    memset(p, 0, sizeof *p);
    p->magic = PARSER_MAGIC;
    ldrsnap__alloc_init(&p->al, opts);
    p->flags = opts ? opts->flags : 0;
    p->max_line = opts && opts->max_line ? opts->max_line
                                         : LS_DEFAULT_MAX_LINE;
    if (p->max_line < LS_MIN_MAX_LINE)
        p->max_line = LS_MIN_MAX_LINE;
    if (p->max_line > LS_MAX_MAX_LINE)
        p->max_line = LS_MAX_MAX_LINE;
    p->fn = fn;
    p->ud = ctx;
    p->note = LS_NOTE_NONE;
    p->note.has_fid = true; /* emit_piece() sets it */
    p->prev_dialect = LDRSNAP_D_BLANK;
    ldrsnap__text_init(&p->text, &p->al, p->max_line, on_line, p);
    if (p->flags & LS_OPT_NO_FAST_LINES)
        p->text.utf16_units = true;
    else
        p->text.fast = on_fast_line;
    if (!(p->flags & (LS_OPT_NO_FAST_LINES | LS_OPT_NO_RUN_LOOP)))
        p->text.run = on_fast_run;
    return LDRSNAP_OK;
}

void ldrsnap__parser_fini(ldrsnap_parser *p)
{
    ldrsnap__text_free(&p->text);
    ldrsnap__buf_free(&p->al, &p->work[0]);
    ldrsnap__buf_free(&p->al, &p->work[1]);
    ldrsnap__buf_free(&p->al, &p->scratch);
    ldrsnap__buf_free(&p->al, &p->held);
    if (p->solo) {
        ldrsnap__free(&p->al, p->solo->room);
        ldrsnap__free(&p->al, p->solo);
    }
    p->magic = 0;
}

static int fail(ldrsnap_parser *p, int rc)
{
    p->state = P_FAILED;
    snprintf(p->errmsg, sizeof p->errmsg, "%s", ldrsnap_strerror(rc));
    return rc;
}

int ldrsnap__parser_feed(ldrsnap_parser *p, const void *buf, size_t len)
{
    if (p->state != P_OPEN)
        return LDRSNAP_EMISUSE;
    int rc = ldrsnap__text_feed(&p->text, buf, len);
    return rc != 0 ? fail(p, rc) : LDRSNAP_OK;
}

int ldrsnap__parser_finish(ldrsnap_parser *p)
{
    if (p->state != P_OPEN)
        return LDRSNAP_EMISUSE;
    int rc = ldrsnap__text_finish(&p->text);
    if (rc == 0)
        rc = flush_held(p);
    if (rc != 0)
        return fail(p, rc);
    p->state = P_FINISHED;
    return LDRSNAP_OK;
}

/* ---- public wrappers ------------------------------------------------- */

static bool valid(const ldrsnap_parser *p)
{
    return p && p->magic == PARSER_MAGIC;
}

int ldrsnap_parser_new(ldrsnap_parser **out, const ldrsnap_options *opts,
                       ldrsnap_record_cb cb, void *userdata)
{
    if (!out || !cb) {
        if (out)
            *out = NULL;
        return LDRSNAP_EINVAL;
    }
    ls_alloc al;
    int rc;
    ldrsnap_parser *p = ldrsnap__handle_alloc(opts, sizeof *p, &al, &rc);
    if (!p)
        return rc;
    ldrsnap__parser_init(p, opts, NULL, userdata);
    p->cb = cb;
    *out = p;
    return LDRSNAP_OK;
}

/* A call from inside the parser's own callback is refused: the parser is
 * in the middle of a line. */
static int reentered(ldrsnap_parser *p, const char *fn)
{
    snprintf(p->errmsg, sizeof p->errmsg,
             "%s() called from inside the parser's callback", fn);
    return LDRSNAP_EMISUSE;
}

int ldrsnap_parser_feed(ldrsnap_parser *p, const void *buf, size_t len)
{
    if (!valid(p) || (!buf && len))
        return valid(p) ? LDRSNAP_EINVAL : LDRSNAP_EMISUSE;
    if (p->busy)
        return reentered(p, "ldrsnap_parser_feed");
    if (!len) /* feed(NULL, 0) is a valid empty chunk */
        return p->state == P_OPEN ? LDRSNAP_OK : LDRSNAP_EMISUSE;
    p->busy = true;
    int rc = ldrsnap__parser_feed(p, buf, len);
    p->busy = false;
    return rc;
}

int ldrsnap_parser_finish(ldrsnap_parser *p)
{
    if (!valid(p))
        return LDRSNAP_EMISUSE;
    if (p->busy)
        return reentered(p, "ldrsnap_parser_finish");
    p->busy = true;
    int rc = ldrsnap__parser_finish(p);
    p->busy = false;
    return rc;
}

const char *ldrsnap_parser_errmsg(const ldrsnap_parser *p)
{
    return valid(p) ? p->errmsg : "invalid parser handle";
}

const char *ldrsnap_parser_encoding(const ldrsnap_parser *p)
{
    return valid(p) ? ldrsnap__text_encoding(&p->text) : "unknown";
}

uint64_t ldrsnap_parser_lines(const ldrsnap_parser *p)
{
    return valid(p) ? p->text.lineno : 0;
}

uint64_t ldrsnap_parser_bytes(const ldrsnap_parser *p)
{
    return valid(p) ? p->text.in_bytes : 0;
}

void ldrsnap_parser_free(ldrsnap_parser *p)
{
    if (!valid(p) || p->busy) /* not from inside its own callback */
        return;
    ls_alloc al = p->al;
    ldrsnap__parser_fini(p);
    ldrsnap__free(&al, p);
}

/* ---- record copies ----------------------------------------------------- */

int ldrsnap_record_dup(ldrsnap_record **out, const ldrsnap_record *rec)
{
    if (!out || !rec)
        return LDRSNAP_EINVAL;
    size_t need = sizeof *rec;
#define SIZE(f) need += rec->f ? strlen(rec->f) + 1 : 0;
    REC_STRINGS(SIZE)
#undef SIZE
    ldrsnap_record *d = malloc(need);
    if (!d)
        return LDRSNAP_ENOMEM;
    *d = *rec;
    char *w = (char *)(d + 1);
#define COPY(f)                                                               \
    if (rec->f) {                                                             \
        size_t k = strlen(rec->f) + 1;                                        \
        memcpy(w, rec->f, k);                                                 \
        d->f = w;                                                             \
        w += k;                                                               \
    }
    REC_STRINGS(COPY)
#undef COPY
    *out = d;
    return LDRSNAP_OK;
}

void ldrsnap_record_free(ldrsnap_record *rec)
{
    free(rec);
}
