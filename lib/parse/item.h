/*
 * parse/item.h - the items of a batch: how the parser, on the tokenizer
 * thread, sends each record to the analyzing thread.  libc only: knows
 * records, lexed shapes and notes; never the pipe, the trace or the rules.
 *
 * An item is either a record as lexed (LS_ITEM_RECORD) or the compact
 * form of one of the usual line shapes the fast way recognizes (lex.c):
 * a handful of numbers and offsets into the line, streamed as one cache
 * line instead of three, from which the analyzing thread builds the same
 * record the lexer makes (test_threaded.c and test_engine.c compare).
 * Each compact shape's encoder stands right above its decoder; the kind
 * is an enum of its own, beside the union, and the decoder's switch has
 * no default, so a new shape is one row here and one test row.  Inline:
 * both run once per line; the decoders always (they have two callers, the
 * pipe's drain() and, on one thread, the parser's solo_item(): out of
 * line, drain() would pay a call per item).  (The parser, not the pipe, owns the format:
 * the parser writes batches and lib/pipe/ comes after lib/parse/.)
 */
#ifndef LS_PARSE_ITEM_H
#define LS_PARSE_ITEM_H

#include "codes/status.h"
#include "core/ldrsnap_internal.h"
#include "lex/lex.h"
#include "simd/simd.h"

enum ls_item_kind {
    LS_ITEM_RECORD,  /* u.rec, its strings moved by delta */
    LS_ITEM_USUAL,   /* u.usual: a plain ENTER or RETURN line */
    LS_ITEM_INIT,    /* u.init: a "Calling init routine" line */
    LS_ITEM_MODLOAD, /* u.modload: a debugger ModLoad line */
    LS_ITEM_XP,      /* u.xp: an XP "LDR:" record of a usual shape */
    LS_ITEM_INFO     /* u.info: a Vista INFO record of a usual shape */
};

/* Whether an item may hold one of the bytes the rules watch for: no, yes,
 * or the analyzing thread checks (the whole line of a ModLoad or
 * init-routine one). */
enum { LS_WATCH_NO, LS_WATCH_YES, LS_WATCH_CHECK };

/* What the analyzing thread needs to finish the items the tokenizer
 * thread leaves to it: copies of the parser's watched bytes and gate
 * (ldrsnap__parser_item_ctx(); nwatch 0: every item may hold a watched
 * byte), and room for the strings it puts together from a usual line
 * (its prefix's, its image's name, a function's name that has no id):
 * LS_ITEM_ROOM() of the longest line. */
typedef struct ls_item_ctx {
    _Alignas(16) unsigned char watch[4][16];
    size_t nwatch;
    bool fid_watched[LS_FID_LIMIT]; /* a known name holds a watched byte */
    ls_gate gate;
    char *room;
} ls_item_ctx;

#define LS_ITEM_ROOM(max_line) (2 * (size_t)(max_line) + 64)

/* A plain ENTER or RETURN record (most of a log), perhaps after a
 * capture tool's prefix.  Its string, in the batch's memory at `at`: the
 * line and its NUL, streamed from where the tokenizer read it; the
 * function's name, its id, the prefix's strings and what the rules make
 * of them are the analyzing thread's work (ls_usual_decode()): the
 * tokenizer thread is the longer one. */
typedef struct ls_usual {
    uint64_t line, offset, tick;
    uint32_t pid, tid, status;
    uint32_t at;               /* where the line is */
    uint32_t msg;              /* the message's offset in it */
    uint32_t status_orig;      /* LS_FORM_COMPACT_ORIG */
    uint16_t pos;              /* the prefix's length */
    uint16_t fl;               /* the function's name's, at pos + head */
    uint8_t head;              /* the head's length */
    uint8_t level;             /* ENTER or RETURN */
    uint8_t form;              /* LS_FORM_*: Windows 11's compact twin */
} ls_usual;

/* A "Calling init routine" line of the usual form
 * (ldrsnap__lex_init_usual()), at 0 or after a capture tool's prefix.
 * Its strings: the line, its NUL; the prefix and its NUL when there is
 * one, and the image's name it gives and its NUL; the DLL's name and its
 * NUL, then the function's name and its NUL unless the function has an
 * id. */
typedef struct ls_init {
    uint64_t line, offset, tick, address;
    uint32_t pid, tid;
    uint32_t at;               /* where the line is */
    uint32_t msg;              /* the message's offset in it */
    uint32_t func;             /* the function name's, without an id */
    uint8_t fflags;            /* ldrsnap__func_id()'s flags */
    uint8_t pos;               /* the prefix's length (LS_ITEM_PREFIX_MAX) */
    uint8_t image;             /* the image's name's (after the prefix) */
} ls_init;

/* A debugger ModLoad line of the usual form (both addresses with their
 * backtick).  Its string: the line and its NUL; the path is the end of the
 * line, the DLL's name the end of the path. */
typedef struct ls_modload {
    uint64_t line, offset;
    uint64_t base, end;        /* the image's range */
    uint32_t at;               /* where the line is */
    uint32_t path;             /* the path's offset in it */
} ls_modload;

/* An XP "LDR:" record of one of the usual shapes
 * (ldrsnap__lex_xp_usual()), at 0 or after a capture tool's prefix.  Its
 * strings: the line and its NUL; then the prefix and its NUL, when there
 * is one, and the image's name it gives and its NUL; then the DLL's and
 * the parent's names that stop short of the line's end, each with its
 * NUL (the others are the line's end).  Offsets from the line's start;
 * LS_XP_NONE: no such string. */
typedef struct ls_xp {
    uint64_t line, offset, address;
    uint32_t pid, tid;
    uint32_t at;               /* where the line is */
    uint32_t msg;              /* the message's offset in it */
    uint32_t dll, parent;      /* the names' offsets, or LS_XP_NONE */
    uint16_t pos;              /* the prefix's length */
    uint16_t image;            /* the image's name's (after the prefix) */
    uint16_t flags;            /* LDRSNAP_RF_PID, _TID, _ADDRESS */
    uint8_t kind;              /* its ldrsnap_msg */
} ls_xp;
#define LS_XP_NONE UINT32_MAX

/* A Vista INFO or ERROR record of one of the usual shapes
 * (ldrsnap__lex_info_usual(); its level by its kind, ls_info_level()),
 * its head at 0 or after a capture tool's
 * prefix.  Its strings: the line and its NUL; the prefix and its NUL when
 * there is one, and the image's name it gives and its NUL; the function's
 * name and its NUL (its id is the analyzing thread's to work out, as for
 * a general record), then the names that stop short of the line's end,
 * each with its NUL (the others are the line's end).  Offsets from the
 * line's start, below 65535; LS_INFO_NONE: no such string. */
typedef struct ls_info {
    uint64_t line, offset, tick;
    uint64_t number;           /* the base or the status, as flags say */
    uint32_t pid, tid;
    uint32_t at;               /* where the line is */
    uint16_t msg, func;        /* the message's and function's offsets */
    uint16_t dll;
    uint16_t path;             /* the search path of "Loading DLL", the
                                  parent of "Unable to load DLL", else the
                                  DLL's path (no shape has two) */
    uint8_t pos;               /* the prefix's length (LS_ITEM_PREFIX_MAX) */
    uint8_t image;             /* the image's name's (after the prefix) */
    uint8_t kind;              /* its ldrsnap_msg */
    uint8_t flags;             /* LDRSNAP_RF_BASE or _STATUS */
} ls_info;
#define LS_INFO_NONE UINT16_MAX

/* 192 bytes, three cache lines: the items of a batch start on one each,
 * and a compact item fills one (a line written in part is slow to
 * stream). */
typedef struct ls_item {
    uint8_t kind;              /* enum ls_item_kind: which of u is set */
    /* compact kinds: what the tokenizer thread learnt */
    uint8_t watched;           /* LS_WATCH_* */
    uint8_t rules_may;         /* a rule could start on it, by its shape */
    uint8_t fid;               /* ldrsnap__func_id() of its function
                                  (LS_FID_UNKNOWN when it has none) */
    /* LS_ITEM_RECORD: its strings' length; compact kinds: the line's */
    uint32_t len;
    union {
        ldrsnap_record rec;
        ls_usual usual;
        ls_init init;
        ls_modload modload;
        ls_xp xp;
        ls_info info;
    } u;
    /* LS_ITEM_RECORD: the strings were lexed at [from, from + len) and
     * sent to from + delta (modulo 2^64) */
    uintptr_t from, delta;
} ls_item;

/* A batch's items are a stream of 64-byte units, in order: a compact
 * item takes one, a record item (LS_ITEM_RECORD) the three of an ls_item
 * (the analyzing thread reads three times fewer pages of items). */
#define LS_ITEM_UNIT 64
#define LS_ITEM_MAX_UNITS (sizeof(ls_item) / LS_ITEM_UNIT)

/* The item at unit u of a batch's items. */
static inline ls_item *ls_item_at(ls_item *items, size_t u)
{
    return (ls_item *)(void *)((char *)items + u * LS_ITEM_UNIT);
}

/* The units an item takes. */
static inline size_t ls_item_units(const ls_item *it)
{
    return it->kind == LS_ITEM_RECORD ? LS_ITEM_MAX_UNITS : 1;
}

/* The bytes of a compact item that are streamed: one cache line. */
#define LS_ITEM_BYTES(member) (offsetof(ls_item, u) + sizeof(member))
_Static_assert(LS_ITEM_BYTES(ls_usual) <= 64 && LS_ITEM_BYTES(ls_init) <= 64 &&
                   LS_ITEM_BYTES(ls_modload) <= 64 &&
                   LS_ITEM_BYTES(ls_xp) <= 64 && LS_ITEM_BYTES(ls_info) <= 64,
               "a compact item is one cache line");
_Static_assert(LS_FID_LIMIT < 256, "ids fit a byte");
_Static_assert(sizeof(ls_item) % LS_ITEM_UNIT == 0 && LS_ITEM_UNIT == 64,
               "items start on cache lines");

/* The function name at w + at, fl bytes, copied to w + to with its NUL
 * (the buffer has 32 bytes of room past the strings). */
static inline const char *ls_item_stage_name(char *w, size_t at, size_t fl,
                                             size_t to)
{
    char *f = w + to;
    if (fl < 32) { /* two vector moves */
        char tmp[32];
        memcpy(tmp, w + at, 32);
        memcpy(f, tmp, 32);
    } else {
        memcpy(f, w + at, fl);
    }
    f[fl] = '\0';
    return f;
}

/* A note with what the item says; watched checked here when the
 * tokenizer thread left it to this one (from byte `from` of the line on,
 * against watch, each byte 16 times). */
static inline void ls_item_note(ls_note *n, const ls_item *it,
                                const ldrsnap_record *r, unsigned fflags,
                                size_t from, bool has_fid,
                                const ls_item_ctx *cx)
{
    uint32_t len = it->len;
    n->fid = it->fid;
    n->fflags = fflags;
    n->text_len = len;
    n->dll_len = SIZE_MAX;
    n->has_fid = has_fid;
    n->watched = it->watched == LS_WATCH_CHECK
                     ? ls_names_watched(cx->watch, r->raw, from, len)
                     : it->watched;
    n->gated = true;
    n->rules_may = it->rules_may;
}

/* ---- LS_ITEM_USUAL --------------------------------------------------- */

/* A consumer of usual items (the analyzer's): given each one instead of
 * its record (mem: the batch's memory, or on one thread the parser's work
 * buffer; cx as the decoders take it), it builds the record only when it
 * needs it (ls_usual_decode()). */
typedef int (*ls_usual_fn)(void *ctx, const ls_item *it, const char *mem,
                           const ls_item_ctx *cx);

/* Can a usual line whose start is st go as an item? (Its head and its
 * function's name fit the item's fields.) */
static inline bool ls_usual_fits(const ls_start *st)
{
    return st->pos <= UINT16_MAX && st->head <= UINT8_MAX &&
           st->sep - st->pos - st->head <= UINT16_MAX;
}

/* ldrsnap__lex_prefix_image() of the prefix s[0..pos) of a line of n
 * bytes: its last three bytes first; a prefix that ends in "): " and
 * fits the line's first 32 bytes, which can be read, is looked at for '('
 * and '[' at once (a '[' may be XP's "[pid,tid]": the general way). */
static inline size_t ls_prefix_image(const char *s, size_t n, size_t pos)
{
    if (pos < 4 || s[pos - 1] != ' ' || s[pos - 2] != ':' ||
        s[pos - 3] != ')')
        return 0;
#if LS_SSE2
    if (n >= 32 && pos <= 32) {
        uint64_t in = ((uint64_t)1 << pos) - 1;
        uint64_t open = ls_byte_bits64(s, 32, '(') & in;
        /* the first '(', not the prefix's first byte (paren_image()) */
        if (!(ls_byte_bits64(s, 32, '[') & in))
            return open ? (size_t)ls_ctz64(open) : 0;
    }
#else
    LS_UNUSED(n);
#endif
    return ldrsnap__lex_prefix_image(s, pos);
}

/* The first k bytes of s, and a NUL, at d (k < 32 and 32 bytes readable
 * at s and writable at d: two vector moves). */
static inline char *ls_item_name(char *d, const char *s, size_t k, bool wide)
{
    if (wide && k < 32) {
        char tmp[32];
        memcpy(tmp, s, 32);
        memcpy(d, tmp, 32);
    } else {
        memcpy(d, s, k);
    }
    d[k] = '\0';
    return d;
}

/* Encode the plain line of n bytes that ldrsnap__lex_plain_line() (or
 * ldrsnap__lex_plain_after(); ls_usual_fits()) took as st: its string,
 * the line and its NUL, goes to `at` in the batch. */
static LS_ALWAYS_INLINE void ls_usual_encode(ls_item *it, size_t n,
                                             const ls_start *st,
                                             uint64_t line, uint64_t offset,
                                             size_t at)
{
    size_t f = st->pos + st->head;
    it->kind = LS_ITEM_USUAL;
    it->watched = LS_WATCH_CHECK; /* what the fields below say: unused */
    it->rules_may = true;
    it->fid = LS_FID_UNKNOWN;
    it->len = (uint32_t)n;
    it->u.usual = (ls_usual){line,
                             offset,
                             st->tick,
                             st->pid,
                             st->tid,
                             st->status,
                             (uint32_t)at,
                             (uint32_t)st->msg,
                             st->status_orig,
                             (uint16_t)st->pos,
                             (uint16_t)(st->sep - f),
                             (uint8_t)st->head,
                             (uint8_t)st->plain,
                             st->form};
}

/* ls_usual_encode() of a usual record (the usual head, 23 bytes, after
 * pos bytes of a prefix),
 * and ls_stream_copy() of its LS_ITEM_BYTES(ls_usual) bytes to dst (a
 * unit of a batch's items), without the item in memory: its eight words
 * put together in registers (a loop over a run of such records; the
 * stores of the fields and the reload of the item 16 bytes at a time
 * were a quarter of its instructions).  fl: the function's name's
 * length; the last byte, padding, is 0. */
static LS_ALWAYS_INLINE void
ls_usual_stream(void *dst, size_t n, uint64_t line, uint64_t offset,
                uint64_t ids, uint64_t tick, uint32_t status, size_t at,
                size_t msg, uint32_t orig, size_t pos, size_t fl,
                unsigned level, unsigned form)
{
#if LS_SSE2 && defined(__BYTE_ORDER__) &&                                     \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    _Static_assert(
        offsetof(ls_item, u) == 8 && offsetof(ls_item, watched) == 1 &&
            offsetof(ls_item, rules_may) == 2 && offsetof(ls_item, fid) == 3 &&
            offsetof(ls_item, len) == 4 && offsetof(ls_usual, offset) == 8 &&
            offsetof(ls_usual, tick) == 16 && offsetof(ls_usual, pid) == 24 &&
            offsetof(ls_usual, tid) == 28 &&
            offsetof(ls_usual, status) == 32 && offsetof(ls_usual, at) == 36 &&
            offsetof(ls_usual, msg) == 40 &&
            offsetof(ls_usual, status_orig) == 44 &&
            offsetof(ls_usual, pos) == 48 && offsetof(ls_usual, fl) == 50 &&
            offsetof(ls_usual, head) == 52 &&
            offsetof(ls_usual, level) == 53 &&
            offsetof(ls_usual, form) == 54 && LS_ITEM_BYTES(ls_usual) == 64,
        "the usual item's words");
    long long *d = dst;
    _mm_stream_si64(d, (long long)(LS_ITEM_USUAL | LS_WATCH_CHECK << 8 |
                                   1u << 16 | (unsigned)LS_FID_UNKNOWN << 24 |
                                   (uint64_t)(uint32_t)n << 32));
    _mm_stream_si64(d + 1, (long long)line);
    _mm_stream_si64(d + 2, (long long)offset);
    _mm_stream_si64(d + 3, (long long)tick);
    _mm_stream_si64(d + 4, (long long)ids);
    _mm_stream_si64(d + 5, (long long)(status | (uint64_t)(uint32_t)at << 32));
    _mm_stream_si64(d + 6, (long long)((uint32_t)msg | (uint64_t)orig << 32));
    _mm_stream_si64(d + 7,
                    (long long)((uint16_t)pos | (uint64_t)(uint16_t)fl << 16 |
                                (uint64_t)23 << 32 | (uint64_t)level << 40 |
                                (uint64_t)form << 48));
#else
    ls_start st;
    memset(&st, 0, sizeof st);
    st.pos = pos;
    st.head = 23;
    st.pid = (uint32_t)ids, st.tid = (uint32_t)(ids >> 32);
    st.tick = tick;
    st.plain = (ldrsnap_level)level;
    st.sep = pos + 23 + fl, st.msg = msg;
    st.status = status, st.status_orig = orig;
    st.form = (uint8_t)form;
    ls_item it;
    memset(&it, 0, LS_ITEM_BYTES(ls_usual));
    ls_usual_encode(&it, n, &st, line, offset, at);
    ls_stream_copy(dst, &it, LS_ITEM_BYTES(ls_usual));
#endif
}

/* Where an ENTER's DLL's name starts in the line (it ends it): after
 * the tag, or the message of a compact twin. */
static inline uint32_t ls_usual_dll(const ls_usual *pl)
{
    return pl->msg + (pl->form == LS_FORM_LONG ? LS_DLL_NAME_TAG_LEN : 0);
}

/* Could a rule start on the record (the gate's answer for its function
 * and status)? */
static inline bool ls_usual_may(const ls_usual *pl, unsigned fid,
                                const ls_gate *g)
{
    return !g->on || (pl->level == LDRSNAP_L_ENTER
                          ? g->enter_may[fid]
                          : ls_gate_return_may(g, fid, pl->status));
}

/* May its names hold a watched byte (the rest of the text cannot)?  The
 * function's, known by its id or checked, and an ENTER's DLL's (the
 * prefix is not in the text the rules read); w: the line. */
static LS_ALWAYS_INLINE bool ls_usual_watched(const ls_item *it,
                                              const char *w, unsigned fid,
                                              const ls_item_ctx *cx)
{
    const ls_usual *pl = &it->u.usual;
    size_t f = (size_t)pl->pos + pl->head;
    return !cx->nwatch ||
           (fid != LS_FID_UNKNOWN ? cx->fid_watched[fid]
                                  : ls_names_watched(cx->watch, w, f,
                                                     f + pl->fl)) ||
           (pl->level == LDRSNAP_L_ENTER &&
            ls_names_watched(cx->watch, w, ls_usual_dll(pl), it->len));
}

/* ls_usual_decode() with the function's id and flags worked out. */
static LS_ALWAYS_INLINE const ldrsnap_record *
ls_usual_decode_fid(const ls_item *it, const char *mem, ldrsnap_record *r,
                    ls_note *note, const ls_item_ctx *cx, unsigned fid,
                    unsigned fflags)
{
    const ls_usual *pl = &it->u.usual;
    /* every field set here, none copied from a blank record first: half
     * the stores */
    const char *w = mem + pl->at;
    size_t n = it->len, pos = pl->pos, f = pos + pl->head, fl = pl->fl;
    /* the strings a record holds that are not the line's: the room's,
     * which is wide enough for two vector moves past each */
    char *room = cx->room;
    r->status_orig = 0;
    r->base = r->end = r->address = 0;
    r->dll_path = r->parent = r->symbol = r->search_path = r->image = NULL;
    r->dialect = LDRSNAP_D_VISTA;
    r->level = (ldrsnap_level)pl->level;
    r->line = pl->line;
    r->offset = pl->offset;
    r->pid = pl->pid;
    r->tid = pl->tid;
    r->tick = pl->tick;
    r->raw = w;
    r->text = w + pos;
    r->prefix = "";
    if (pos) { /* the prefix, and the image's name it gives */
        size_t img = ls_prefix_image(w, n, pos);
        r->prefix = ls_item_name(room, w, pos, n >= 32);
        room += pos + 1;
        if (img) {
            r->image = ls_item_name(room, w, img, n >= 32);
            room += img + 1;
        }
    }
    /* a known function's name is the table's */
    r->function = fid != LS_FID_UNKNOWN
                      ? ldrsnap__fid_names[fid]
                      : ls_item_name(room, w + f, fl, n - f >= 32);
    r->message = w + pl->msg;
    uint32_t dll = ls_usual_dll(pl);
    unsigned compact = pl->form != LS_FORM_LONG ? LDRSNAP_RF_COMPACT : 0;
    if (r->level == LDRSNAP_L_ENTER) {
        r->msg = LDRSNAP_M_DLL_NAME;
        r->dll = w + dll;
        r->status = 0;
        r->flags = LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK | compact;
    } else {
        r->msg = LDRSNAP_M_STATUS;
        r->dll = NULL;
        r->status = pl->status;
        r->flags = LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK |
                   LDRSNAP_RF_STATUS | compact;
        if (pl->form == LS_FORM_COMPACT_ORIG) {
            r->status_orig = pl->status_orig;
            r->flags |= LDRSNAP_RF_STATUS_ORIG;
        }
    }
    note->fid = fid;
    note->fflags = fflags;
    note->text_len = n - pos;
    note->dll_len = SIZE_MAX;
    note->has_fid = true;
    note->watched = ls_usual_watched(it, w, fid, cx);
    note->gated = true;
    note->rules_may = ls_usual_may(pl, fid, &cx->gate);
    if (r->level == LDRSNAP_L_ENTER) /* the name ends the line */
        note->dll_len = n - dll;
    return r;
}

/* The record lex_plain() makes of the line, and its note: the function's
 * id, the prefix's strings (in cx->room), whether the names hold a
 * watched byte and whether a rule could start on the record, worked out
 * here; mem: the batch's. */
static LS_ALWAYS_INLINE const ldrsnap_record *
ls_usual_decode(const ls_item *it, const char *mem, ldrsnap_record *r,
                ls_note *note, const ls_item_ctx *cx)
{
    const ls_usual *pl = &it->u.usual;
    const char *w = mem + pl->at;
    size_t f = (size_t)pl->pos + pl->head;
    unsigned fflags, fid = ldrsnap__func_id(w + f, pl->fl, &fflags);
    return ls_usual_decode_fid(it, mem, r, note, cx, fid, fflags);
}

/* ---- LS_ITEM_INIT ---------------------------------------------------- */

/* The bytes of an item's prefix strings (as use_prefix() puts them in a
 * record): a record after the prefix w[0..pos), whose image's name is its
 * first image bytes (0: none). */
static inline size_t ls_prefix_size(size_t pos, size_t image)
{
    return pos ? pos + 1 + (image ? image + 1 : 0) : 0;
}

/* Stage them at w + to (the line w[0..n) staged, its NUL at n); returns
 * where the strings after them go. */
static inline size_t ls_prefix_stage(char *w, size_t to, size_t pos,
                                     size_t image)
{
    if (pos) {
        memcpy(w + to, w, pos);
        w[to + pos] = '\0';
        to += pos + 1;
        if (image) {
            memcpy(w + to, w, image);
            w[to + image] = '\0';
            to += image + 1;
        }
    }
    return to;
}

/* The record's prefix strings from those staged after its line w[0..n). */
static inline void ls_prefix_decode(ldrsnap_record *r, const char *w,
                                    size_t n, size_t pos, size_t image)
{
    r->raw = w;
    r->text = w + pos;
    r->prefix = pos ? w + n + 1 : "";
    r->image = image ? w + n + 1 + pos + 1 : NULL;
}

/* Bytes of strings of an init-routine line of n bytes (a prefix of pos
 * bytes, its image's name image). */
static inline size_t ls_init_size(size_t n, const ls_start *st,
                                  const ls_init_line *il, unsigned fid,
                                  size_t image)
{
    size_t func = n + 1 + ls_prefix_size(st->pos, image) + il->dll_len + 1;
    return fid != LS_FID_UNKNOWN
               ? func
               : func + (il->sep - st->pos - st->head) + 1;
}

/* Encode the line w[0..n) (staged, NUL-terminated) that
 * ldrsnap__lex_init_usual() took as il; s: the line where it was read.
 * Returns its function's name. */
static inline const char *
ls_init_encode(ls_item *it, char *w, const char *s, size_t n,
               const ls_start *st, const ls_init_line *il, unsigned fid,
               unsigned fflags, size_t image, uint8_t watched, bool may,
               uint64_t line, uint64_t offset, size_t at)
{
    size_t h = st->pos + st->head, fl = il->sep - h;
    size_t dll = ls_prefix_stage(w, n + 1, st->pos, image);
    size_t func = dll + il->dll_len + 1;
    memcpy(w + dll, s + il->dll, il->dll_len);
    w[dll + il->dll_len] = '\0';
    it->kind = LS_ITEM_INIT;
    it->watched = watched;
    it->rules_may = may;
    it->fid = (uint8_t)fid;
    it->len = (uint32_t)n;
    it->u.init = (ls_init){line,
                           offset,
                           st->tick,
                           il->address,
                           st->pid,
                           st->tid,
                           (uint32_t)at,
                           (uint32_t)il->msg,
                           fid != LS_FID_UNKNOWN ? 0 : (uint32_t)func,
                           (uint8_t)fflags,
                           (uint8_t)st->pos,
                           (uint8_t)image};
    return fid != LS_FID_UNKNOWN ? ldrsnap__fid_names[fid]
                                 : ls_item_stage_name(w, h, fl, func);
}

/* The record vista_info() makes of the line. */
static LS_ALWAYS_INLINE const ldrsnap_record *
ls_init_decode(const ls_item *it, const char *mem, ldrsnap_record *r,
               ls_note *note, const ls_item_ctx *cx)
{
    const ls_init *in = &it->u.init;
    const char *w = mem + in->at;
    r->dialect = LDRSNAP_D_VISTA;
    r->msg = LDRSNAP_M_CALLING_INIT;
    r->level = LDRSNAP_L_INFO;
    r->flags = LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK |
               LDRSNAP_RF_ADDRESS;
    r->line = in->line;
    r->offset = in->offset;
    r->pid = in->pid;
    r->tid = in->tid;
    r->tick = in->tick;
    r->status = r->status_orig = 0;
    r->base = r->end = 0;
    r->address = in->address;
    ls_prefix_decode(r, w, it->len, in->pos, in->image);
    r->function = it->fid != LS_FID_UNKNOWN ? ldrsnap__fid_names[it->fid]
                                            : w + in->func;
    r->message = w + in->msg;
    r->dll = r->dll_path =
        w + it->len + 1 + ls_prefix_size(in->pos, in->image);
    r->parent = r->symbol = r->search_path = NULL;
    ls_item_note(note, it, r, in->fflags, 0, true, cx);
    note->text_len = it->len - in->pos;
    return r;
}

/* ---- LS_ITEM_MODLOAD ------------------------------------------------- */

/* Encode the ModLoad line w[0..n) (staged, NUL-terminated; its string is
 * the line) that ldrsnap__lex_modload_usual() took. */
static inline void ls_modload_encode(ls_item *it, size_t n, uint64_t base,
                                     uint64_t end, size_t path,
                                     uint8_t watched, bool may, uint64_t line,
                                     uint64_t offset, size_t at)
{
    it->kind = LS_ITEM_MODLOAD;
    it->watched = watched;
    it->rules_may = may;
    it->fid = LS_FID_UNKNOWN;
    it->len = (uint32_t)n;
    it->u.modload = (ls_modload){line, offset, base, end, (uint32_t)at,
                                 (uint32_t)path};
}

/* The record lex_modload() makes of the line. */
static LS_ALWAYS_INLINE const ldrsnap_record *
ls_modload_decode(const ls_item *it, const char *mem, ldrsnap_record *r,
                  ls_note *note, const ls_item_ctx *cx)
{
    const ls_modload *ml = &it->u.modload;
    const char *w = mem + ml->at;
    r->dialect = LDRSNAP_D_DEBUGGER;
    r->msg = LDRSNAP_M_MODLOAD;
    r->level = LDRSNAP_L_NONE;
    r->flags = ml->base || ml->end ? LDRSNAP_RF_BASE : 0;
    r->line = ml->line;
    r->offset = ml->offset;
    r->pid = r->tid = 0;
    r->tick = 0;
    r->status = r->status_orig = 0;
    r->base = ml->base;
    r->end = ml->end;
    r->address = 0;
    r->text = r->raw = w;
    r->prefix = "";
    r->function = r->message = NULL;
    r->dll_path = w + ml->path;
    r->dll = ls_basename_n(r->dll_path, it->len - ml->path);
    r->parent = r->symbol = r->search_path = r->image = NULL;
    ls_item_note(note, it, r, 0, 0, false, cx);
    return r;
}

/* ---- LS_ITEM_XP ------------------------------------------------------ */

/* Bytes of strings of an XP line of n bytes that
 * ldrsnap__lex_xp_usual() took as xl, its record at pos. */
static inline size_t ls_xp_size(size_t n, size_t pos, const ls_xp_line *xl)
{
    size_t k = n + 1 + (pos ? pos + 1 : 0) + (xl->image ? xl->image + 1 : 0);
    if (xl->dll != SIZE_MAX && xl->dll + xl->dll_len < n)
        k += xl->dll_len + 1;
    if (xl->parent != SIZE_MAX && xl->parent + xl->parent_len < n)
        k += xl->parent_len + 1;
    return k;
}

/* A name of the line w[0..n): its offset, staged at *to when it stops
 * short of the line's end (as lex_xp() copies it), else where it is. */
static inline uint32_t ls_xp_name(char *w, size_t n, size_t off, size_t len,
                                  size_t *to)
{
    if (off == SIZE_MAX)
        return LS_XP_NONE;
    if (off + len == n)
        return (uint32_t)off;
    size_t at = *to;
    memcpy(w + at, w + off, len);
    w[at + len] = '\0';
    *to = at + len + 1;
    return (uint32_t)at;
}

/* Encode the XP line w[0..n) (staged, NUL-terminated; its strings go to
 * `at` in the batch), its record at pos, that ldrsnap__lex_xp_usual()
 * took as xl. */
static inline void ls_xp_encode(ls_item *it, char *w, size_t n, size_t pos,
                                const ls_xp_line *xl, uint64_t line,
                                uint64_t offset, size_t at)
{
    size_t to = n + 1;
    if (pos) { /* the prefix, and its image's name, as use_prefix() */
        memcpy(w + to, w, pos);
        w[to + pos] = '\0';
        to += pos + 1;
        if (xl->image) {
            memcpy(w + to, w, xl->image);
            w[to + xl->image] = '\0';
            to += xl->image + 1;
        }
    }
    it->kind = LS_ITEM_XP;
    it->watched = LS_WATCH_YES; /* the analyzing thread's rules look */
    it->rules_may = true;
    it->fid = LS_FID_UNKNOWN;
    it->len = (uint32_t)n;
    uint32_t dll = ls_xp_name(w, n, xl->dll, xl->dll_len, &to);
    uint32_t parent = ls_xp_name(w, n, xl->parent, xl->parent_len, &to);
    it->u.xp = (ls_xp){line,
                       offset,
                       xl->address,
                       xl->pid,
                       xl->tid,
                       (uint32_t)at,
                       (uint32_t)xl->msg,
                       dll,
                       parent,
                       (uint16_t)pos,
                       (uint16_t)xl->image,
                       (uint16_t)xl->flags,
                       (uint8_t)xl->kind};
}

/* The record lex_xp() makes of the line, with emit_piece()'s note (no
 * function, nothing known of the bytes the rules watch for) and the
 * text's length. */
static LS_ALWAYS_INLINE const ldrsnap_record *
ls_xp_decode(const ls_item *it, const char *mem, ldrsnap_record *r,
             ls_note *note)
{
    const ls_xp *x = &it->u.xp;
    const char *w = mem + x->at;
    r->dialect = LDRSNAP_D_XP;
    r->msg = (ldrsnap_msg)x->kind;
    r->level = LDRSNAP_L_NONE;
    r->flags = x->flags;
    r->line = x->line;
    r->offset = x->offset;
    r->pid = x->pid;
    r->tid = x->tid;
    r->tick = 0;
    r->status = r->status_orig = 0;
    r->base = r->end = 0;
    r->address = x->address;
    r->raw = w;
    r->text = w + x->pos;
    r->prefix = x->pos ? w + it->len + 1 : "";
    r->function = NULL;
    r->message = w + x->msg;
    r->dll = x->dll != LS_XP_NONE ? w + x->dll : NULL;
    r->parent = x->parent != LS_XP_NONE ? w + x->parent : NULL;
    r->image = x->image ? w + it->len + 1 + x->pos + 1 : NULL;
    r->dll_path = r->symbol = r->search_path = NULL;
    *note = LS_NOTE_NONE;
    note->has_fid = true;
    note->text_len = it->len - x->pos;
    return r;
}

/* ---- LS_ITEM_INFO ---------------------------------------------------- */

/* Bytes of strings of an INFO line of n bytes that
 * ldrsnap__lex_info_usual() took as il (st: its head). */
static inline size_t ls_info_size(size_t n, const ls_start *st,
                                  const ls_info_line *il, size_t image)
{
    size_t k = n + 1 + ls_prefix_size(st->pos, image) +
               (il->sep - st->pos - st->head) + 1;
    if (il->dll != SIZE_MAX && il->dll + il->dll_len < n)
        k += il->dll_len + 1;
    if (il->dll_path != SIZE_MAX && il->dll_path + il->dll_path_len < n)
        k += il->dll_path_len + 1;
    if (il->search != SIZE_MAX && il->search + il->search_len < n)
        k += il->search_len + 1;
    return k;
}

/* A name of the line w[0..n): its offset, staged at *to when it stops
 * short of the line's end (as vista_info() copies it), else where it is. */
static inline uint16_t ls_info_name(char *w, size_t n, size_t off,
                                    size_t len, size_t *to)
{
    if (off == SIZE_MAX)
        return LS_INFO_NONE;
    if (off + len == n)
        return (uint16_t)off;
    size_t at = *to;
    memcpy(w + at, w + off, len);
    w[at + len] = '\0';
    *to = at + len + 1;
    return (uint16_t)at;
}

/* Encode the INFO line w[0..n) (staged, NUL-terminated; its strings go to
 * `at` in the batch, ls_info_size() of them, below 65535) that
 * ldrsnap__lex_info_usual() took as il, its head st.  Returns its
 * function's name, staged in w. */
static inline const char *ls_info_encode(ls_item *it, char *w, size_t n,
                                         const ls_start *st,
                                         const ls_info_line *il,
                                         size_t image, uint64_t line,
                                         uint64_t offset, size_t at)
{
    size_t h = st->pos + st->head, fl = il->sep - h;
    size_t func = ls_prefix_stage(w, n + 1, st->pos, image);
    size_t to = func + fl + 1;
    memcpy(w + func, w + h, fl);
    w[func + fl] = '\0';
    it->kind = LS_ITEM_INFO;
    it->watched = LS_WATCH_YES; /* the analyzing thread's rules look */
    it->rules_may = true;
    it->fid = LS_FID_UNKNOWN;
    it->len = (uint32_t)n;
    uint16_t dll = ls_info_name(w, n, il->dll, il->dll_len, &to);
    uint16_t path =
        il->search != SIZE_MAX
            ? ls_info_name(w, n, il->search, il->search_len, &to)
            : ls_info_name(w, n, il->dll_path, il->dll_path_len, &to);
    it->u.info = (ls_info){line,
                           offset,
                           st->tick,
                           il->number,
                           st->pid,
                           st->tid,
                           (uint32_t)at,
                           (uint16_t)il->msg,
                           (uint16_t)func,
                           dll,
                           path,
                           (uint8_t)st->pos,
                           (uint8_t)image,
                           (uint8_t)il->kind,
                           (uint8_t)il->flags};
    return w + func;
}

/* The record vista_info() (vista_error() for an ERROR record) makes of
 * the line, with emit_piece()'s note (nothing known but the text's
 * length). */
static LS_ALWAYS_INLINE const ldrsnap_record *
ls_info_decode(const ls_item *it, const char *mem, ldrsnap_record *r,
               ls_note *note)
{
    const ls_info *in = &it->u.info;
    const char *w = mem + in->at;
    r->dialect = LDRSNAP_D_VISTA;
    r->msg = (ldrsnap_msg)in->kind;
    r->level = ls_info_level(r->msg);
    r->flags = LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK | in->flags;
    r->line = in->line;
    r->offset = in->offset;
    r->pid = in->pid;
    r->tid = in->tid;
    r->tick = in->tick;
    r->status = in->flags & LDRSNAP_RF_STATUS ? (uint32_t)in->number : 0;
    r->status_orig = 0;
    r->base = in->flags & LDRSNAP_RF_BASE ? in->number : 0;
    r->end = r->address = 0;
    ls_prefix_decode(r, w, it->len, in->pos, in->image);
    r->function = w + in->func;
    r->message = w + in->msg;
    r->dll = in->dll != LS_INFO_NONE ? w + in->dll : NULL;
    const char *path = in->path != LS_INFO_NONE ? w + in->path : NULL;
    bool search = in->kind == LDRSNAP_M_LOADING_DLL;
    bool parent = in->kind == LDRSNAP_M_UNABLE_TO_LOAD;
    r->dll_path = search || parent ? NULL : path;
    r->search_path = search ? path : NULL;
    r->parent = parent ? path : NULL;
    r->symbol = NULL;
    *note = LS_NOTE_NONE;
    note->text_len = it->len - in->pos;
    return r;
}

/* ---- LS_ITEM_RECORD -------------------------------------------------- */

/* Its strings moved to the batch (parser.c, beside its encoder,
 * publish()). */
const ldrsnap_record *ldrsnap__item_record(ls_item *it);

/* ---- any item -------------------------------------------------------- */

/* The record of an item and its note; mem: the batch's memory (or, on one
 * thread, the parser's work buffer: parser.c's solo_item()), cx: what
 * the analyzing thread finishes items with (the strings it puts
 * together stay until the next item); built: room for a compact item's
 * record. */
static LS_ALWAYS_INLINE const ldrsnap_record *
ldrsnap__item_decode(ls_item *it, const char *mem, const ls_item_ctx *cx,
                     ldrsnap_record *built, ls_note *note)
{
    switch ((enum ls_item_kind)it->kind) {
    case LS_ITEM_USUAL:
        return ls_usual_decode(it, mem, built, note, cx);
    case LS_ITEM_INIT:
        return ls_init_decode(it, mem, built, note, cx);
    case LS_ITEM_MODLOAD:
        return ls_modload_decode(it, mem, built, note, cx);
    case LS_ITEM_XP:
        return ls_xp_decode(it, mem, built, note);
    case LS_ITEM_INFO:
        return ls_info_decode(it, mem, built, note);
    case LS_ITEM_RECORD:
        /* nothing learnt: the analyzer works out the function's id */
        *note = LS_NOTE_NONE;
        return ldrsnap__item_record(it);
    }
    return NULL; /* not reached: every kind is a case */
}

#endif
