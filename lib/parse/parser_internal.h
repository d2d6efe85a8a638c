/*
 * parse/parser_internal.h - stage 2b: the public tokenizer
 * (ldrsnap_parser), whose struct the analyzer embeds.
 *
 * Takes bytes (through text/) and gives records: an 80-column line held
 * until the next shows whether it continues it, lines holding several
 * record heads split, each record lexed (lex/) and handed to a record
 * function with its ls_note, or streamed to a batch (compact items for
 * the usual shapes, gated by a copy of the rules' ls_gate).  libc only:
 * knows lines, records, notes and gates; never the trace, the rules'
 * PCRE2 side, the pipe's thread or the analyzer.
 */
#ifndef LDRSNAP_PARSER_INTERNAL_H
#define LDRSNAP_PARSER_INTERNAL_H

#include "core/ldrsnap_internal.h"
#include "codes/status.h"
#include "lex/lex.h"
#include "text/text.h"
#include "parse/item.h"

/*
 * Records handed between threads: the analyzer's tokenizer thread lexes
 * straight into a batch, strings and all, so that nothing is copied when
 * the batch changes hands; the items and their compact forms are in
 * parse/item.h.
 */
/* No length known (the analyzing thread counts). */
#define LS_LEN_UNKNOWN UINT32_MAX

typedef struct ls_batch {
    ls_item *items;            /* in units (parse/item.h: ls_item_at()) */
    size_t nrec, maxrec;       /* units of items used, and the room */
    char *mem;                /* each record's strings */
    size_t used, cap;
    struct ls_batch *next;
} ls_batch;

/* Hand over a full batch and get an empty one, or NULL to stop. */
typedef ls_batch *(*ls_batch_swap)(void *ud, ls_batch *full);

/* With batches, the gate of the rules compact items are checked against
 * (a copy is kept; NULL or off: no rules, every item says a rule may
 * start on it and may hold a watched byte): whether a rule could start
 * on its shape, and whether its names (function, DLL) hold none of
 * g->name_bytes. */
void ldrsnap__parser_gate(ldrsnap_parser *p, const ls_gate *g);

/* What the analyzing thread finishes items with (room aside), from the
 * parser's gate. */
void ldrsnap__parser_item_ctx(const ldrsnap_parser *p, ls_item_ctx *cx);

/* Bytes of a continuation's function name, its NUL included, at most. */
#define LS_CONT_FUNC 64

/* Bytes a batch must hold for any one record of a parser. */
size_t ldrsnap__batch_room(size_t max_line);

struct ldrsnap_parser {
    uint32_t magic;
    int state;
    bool busy;           /* a public call is running: its callback must not
                            call back in */
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
    /* the run of a capture tool's prefix ("app(pid): " line after line):
     * the prefix of the last plain record sent after one, when it is
     * such that a line beginning with the same bytes and then the usual
     * head is read after it at once (on_fast_line()): its bytes (32 read,
     * run_len kept, the low run_len bits of run_mask set); run_len 0:
     * none (LS_OPT_NO_RUNS: never) */
    char run[32];
    size_t run_len;
    size_t run_cont; /* bytes of the prefix that begin no character (past
                        ASCII: UTF-8 continuations) */
    uint32_t run_mask;
    /* what the line on_fast_line() answered LS_FAST_RUN for began with,
     * and so the lines on_fast_run() takes after it: the usual head at 0,
     * DebugView's columns, the run's prefix (LS_RUN_*) */
    unsigned char run_kind;
    /* the line on_fast_run() left at, its usual head at 0 read (no plain
     * record after it): what ls_lex_plain_line() would say of it, for
     * on_fast_line() (NULL: none) */
    const char *pre_s;
    ls_start pre_st;
    /* an 80-column line waiting to see whether the next one continues it;
     * or (hold_indent) a failure record waiting to see whether the next
     * line, indented, is the rest of it (a record wrapped as pasted) */
    ls_buf held;
    bool holding;
    bool hold_indent;
    const struct ls_line *hold_ln; /* on_line()'s line, which emit_logical()
                                      may hold */
    bool held_watched;
    /* a failure record the fast way held: where its record starts, as
     * ldrsnap__lex_find_start() finds it (held_st_ok) */
    ls_start held_st;
    bool held_st_ok;
    bool held_ascii;            /* the held line is plain ASCII */
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
    const char *prev_function; /* in the previous piece's work buffer, or
                                  owner */
    /* on one thread: what compact items are decoded with (solo_ctx()) */
    ls_item_ctx *solo;
    char owner[LS_CONT_FUNC + 32]; /* a usual record's function's name
                                      (two vector moves) */
    bool xp_seen;
    ldrsnap_record_cb cb;      /* the public parser's callback */
    ls_record_fn fn;           /* or the analyzer's, with each note */
    ls_usual_fn usual;         /* on one thread, the usual items (NULL:
                                  their records to fn) */
    ls_note note;              /* what fn is told: watched and the
                                  function's id change */
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
