/*
 * parser_internal.h - the parser struct, embedded by the analyzer.
 */
#ifndef LDRSNAP_PARSER_INTERNAL_H
#define LDRSNAP_PARSER_INTERNAL_H

#include "core/ldrsnap_internal.h"
#include "codes/status.h"
#include "lex/lex.h"
#include "text/text.h"

/*
 * Records handed between threads: the analyzer's tokenizer thread lexes
 * straight into a batch, strings and all, so that nothing is copied when
 * the batch changes hands.
 */
/* A record as lexed, its string pointers still into the parser's work
 * buffer [from, from + len): the analyzing thread moves them by delta to
 * where the strings went in the batch, so the tokenizer thread stores the
 * record once and reads nothing back. */
typedef struct ls_item ls_item;

/* The compact form of a plain ENTER or RETURN record (most of a log):
 * one cache line to stream instead of three.  Its strings, in the batch's
 * memory at `at`, are the line, its NUL, the function name and its NUL;
 * the analyzing thread builds the record from it. */
#define LS_ITEM_PLAIN 0x4E49414Cu /* never a dialect */
/* Whether an item may hold one of the bytes the rules watch for: no, yes,
 * or the analyzing thread checks (the DLL's name of an ENTER record, the
 * whole line of a ModLoad or init-routine one). */
enum { LS_WATCH_NO, LS_WATCH_YES, LS_WATCH_CHECK };
typedef struct ls_plain {
    uint32_t tag;              /* LS_ITEM_PLAIN, where rec.dialect is */
    uint8_t level;             /* LDRSNAP_L_ENTER or _RETURN */
    uint8_t watched;           /* its names may hold a watched byte:
                                  LS_WATCH_* */
    uint8_t fid, fflags;       /* ldrsnap__func_id() of its function */
    uint64_t line, offset, tick;
    uint32_t pid, tid, status;
    uint32_t at, len;          /* the line: where, and its length */
    uint32_t msg, func_len;    /* the message's offset in it; the name's
                                  (after the line only when fid is
                                  LS_FID_UNKNOWN) */
    uint8_t rules_may;         /* a rule could start on it, by its shape
                                  (rx_rules_may(); 1 without rules) */
} ls_plain;

/* The compact form of a debugger ModLoad line of the usual form (both
 * addresses with their backtick): its string is the line and its NUL;
 * the path is the end of the line, the DLL's name the end of the path. */
#define LS_ITEM_MODLOAD 0x444F4D4Cu /* never a dialect */
typedef struct ls_modload {
    uint32_t tag;              /* LS_ITEM_MODLOAD */
    uint8_t watched, rules_may; /* as ls_plain's */
    uint64_t line, offset;
    uint64_t base, end;        /* the image's range */
    uint32_t at, len;          /* the line: where, and its length */
    uint32_t path;             /* the path's offset in it */
} ls_modload;

/* The compact form of a "Calling init routine" line of the usual form
 * (ldrsnap__lex_init_usual()): its strings are the line, its NUL, the
 * DLL's name and its NUL, then the function's name and its NUL unless
 * the function has an id. */
#define LS_ITEM_INIT 0x54494E49u /* never a dialect */
typedef struct ls_init {
    uint32_t tag;              /* LS_ITEM_INIT */
    uint8_t watched, rules_may; /* as ls_plain's */
    uint8_t fid, fflags;
    uint64_t line, offset, tick, address;
    uint32_t pid, tid;
    uint32_t at, len;          /* the line: where, and its length */
    uint32_t msg;              /* the message's offset in it */
    uint32_t func;             /* the function name's, without an id */
} ls_init;

struct ls_item {
    union {
        ldrsnap_record rec;
        ls_plain plain;
        ls_modload modload;
        ls_init init;
    };
    uintptr_t from, delta;     /* delta: modulo 2^64 */
    uint32_t len;
};

/* No length known (the analyzing thread counts). */
#define LS_LEN_UNKNOWN UINT32_MAX

typedef struct ls_batch {
    ls_item *items;
    size_t nrec, maxrec;
    char *mem;                /* each record's strings */
    size_t used, cap;
    struct ls_batch *next;
} ls_batch;

/* Hand over a full batch and get an empty one, or NULL to stop. */
typedef ls_batch *(*ls_batch_swap)(void *ud, ls_batch *full);

/* The record of an item, its strings moved to the batch. */
const ldrsnap_record *ldrsnap__item_record(ls_item *it);
/* The record of a compact item, built in *r; mem: the batch's.  Inline:
 * the analyzing thread calls it for most records. */
static inline const ldrsnap_record *
ldrsnap__plain_record(const ls_plain *pl, const char *mem, ldrsnap_record *r)
{
    /* every field set here, none copied from a blank record first: half
     * the stores */
    const char *w = mem + pl->at;
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
    r->text = r->raw = w;
    r->prefix = "";
    /* a known function's name is the table's (the tokenizer sent none) */
    r->function = pl->fid != LS_FID_UNKNOWN ? ldrsnap__fid_names[pl->fid]
                                            : w + pl->len + 1;
    r->message = w + pl->msg;
    if (r->level == LDRSNAP_L_ENTER) {
        r->msg = LDRSNAP_M_DLL_NAME;
        r->dll = w + pl->msg + LS_DLL_NAME_TAG_LEN;
        r->status = 0;
        r->flags = LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK;
    } else {
        r->msg = LDRSNAP_M_STATUS;
        r->dll = NULL;
        r->status = pl->status;
        r->flags = LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK |
                   LDRSNAP_RF_STATUS;
    }
    return r;
}

/* The record of a compact init-routine item: what vista_info() makes. */
static inline const ldrsnap_record *
ldrsnap__init_record(const ls_init *in, const char *mem, ldrsnap_record *r)
{
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
    r->text = r->raw = w;
    r->prefix = "";
    r->function = in->fid != LS_FID_UNKNOWN ? ldrsnap__fid_names[in->fid]
                                            : w + in->func;
    r->message = w + in->msg;
    r->dll = r->dll_path = w + in->len + 1;
    r->parent = r->symbol = r->search_path = r->image = NULL;
    return r;
}

/* The record of a compact ModLoad item: what lex_modload() makes. */
static inline const ldrsnap_record *
ldrsnap__modload_record(const ls_modload *ml, const char *mem,
                        ldrsnap_record *r)
{
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
    r->dll = ldrsnap__basename(r->dll_path);
    r->parent = r->symbol = r->search_path = r->image = NULL;
    return r;
}


/* With batches, the gate of the rules compact items are checked against
 * (a copy is kept; NULL or off: no rules, every item says a rule may
 * start on it and may hold a watched byte): whether a rule could start
 * on its shape, and whether its names (function, DLL) hold none of
 * g->name_bytes. */
void ldrsnap__parser_gate(ldrsnap_parser *p, const ls_gate *g);

/* Bytes of a continuation's function name, its NUL included, at most. */
#define LS_CONT_FUNC 64

/* Bytes a batch must hold for any one record of a parser. */
size_t ldrsnap__batch_room(size_t max_line);

struct ldrsnap_parser {
    uint32_t magic;
    int state;
    ls_alloc al;
    unsigned flags;
    size_t max_line;
    ls_text text;
    ls_buf work[2];           /* mutable copy of the piece being lexed,
                                 then its fields; the previous piece's in
                                 the other */
    unsigned cur;             /* which of them is the piece being lexed:
                                 not the one prev_function points into */
    ls_buf scratch;           /* a terminated copy of a line, to classify */
    /* when set, records go to batches instead of the callback */
    ls_batch *batch;
    ls_batch_swap swap;
    void *swap_ud;
    /* the logical line being lexed may hold a watched byte (read by the
     * analyzer as each record is handed to it, on the same thread) */
    bool line_watched;
    /* with batches: the bytes the names of a compact item are checked for
     * (the gate's name_bytes; none: every item may hold them), each
     * repeated 16 times for a vector compare */
    _Alignas(16) unsigned char watch[4][16];
    size_t nwatch;
    ls_gate gate;              /* with batches: for rules_may */
    /* by function id, worked out once: whether a known name holds a
     * watched byte */
    bool fid_watched[LS_FID_LIMIT];
    /* an 80-column line waiting to see whether the next one continues it */
    ls_buf held;
    bool holding;
    bool held_watched;
    unsigned held_flags;
    uint64_t held_offset;
    size_t nseg;
    struct {
        size_t pos;
        uint64_t line;
    } seg[64];
    uint64_t cur_offset;
    ldrsnap_dialect prev_dialect;
    /* the record a continuation line belongs to */
    uint32_t prev_pid, prev_tid;
    uint64_t prev_tick;
    unsigned prev_flags;
    ldrsnap_level prev_level;
    const char *prev_function; /* in the previous piece's work buffer */
    bool xp_seen;
    ldrsnap_record_cb cb;      /* the public parser's callback */
    ls_record_fn fn;           /* or the analyzer's, with each note */
    void *ud;
    char errmsg[128];
};

/* Records go to fn(ctx, rec, note) (the note says whether the line may
 * hold a watched byte). */
int ldrsnap__parser_init(ldrsnap_parser *p, const ldrsnap_options *opts,
                         ls_record_fn fn, void *ctx);
void ldrsnap__parser_fini(ldrsnap_parser *p);
int ldrsnap__parser_feed(ldrsnap_parser *p, const void *buf, size_t len);
int ldrsnap__parser_finish(ldrsnap_parser *p);

#endif
