/*
 * parser_internal.h - the parser struct, embedded by the analyzer.
 */
#ifndef LDRSNAP_PARSER_INTERNAL_H
#define LDRSNAP_PARSER_INTERNAL_H

#include "ldrsnap_internal.h"

/*
 * Records handed between threads: the analyzer's tokenizer thread lexes
 * straight into a batch, strings and all, so that nothing is copied when
 * the batch changes hands.
 */
typedef struct ls_batch {
    ldrsnap_record *recs;
    size_t nrec, maxrec;
    char *mem;                /* the records' strings */
    size_t used, cap;
    ls_note *notes;           /* one per record, for the analyzing thread */
    uint64_t *lits;           /* lit_words per record */
    struct ls_batch *next;
} ls_batch;

/* Hand over a full batch and get an empty one, or NULL to stop. */
typedef ls_batch *(*ls_batch_swap)(void *ud, ls_batch *full);
/* Work out the note of record i of a batch, just lexed: rec is the
 * record as lexed (its strings still in the parser's work buffer),
 * line[0..len) the piece it was lexed from (its text and more).  Writes
 * b->notes[i] and its literals; reads nothing of the batch. */
typedef void (*ls_batch_note)(void *ud, ls_batch *b, size_t i,
                              const ldrsnap_record *rec, const char *line,
                              size_t len);

/* Bytes a batch must hold for any one record of a parser. */
size_t ldrsnap__batch_room(size_t max_line);

struct ldrsnap_parser {
    uint32_t magic;
    int state;
    ls_alloc al;
    unsigned flags;
    size_t max_line;
    ls_text text;
    ls_buf work;              /* mutable copy of the piece being lexed,
                                 then its fields */
    /* when set, records go to batches instead of the callback */
    ls_batch *batch;
    ls_batch_swap swap;
    ls_batch_note note;
    void *swap_ud;
    /* an 80-column line waiting to see whether the next one continues it */
    ls_buf held;
    bool holding;
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
    char prev_function[64];
    bool xp_seen;
    ldrsnap_record_cb cb;
    void *ud;
    char errmsg[128];
};

int ldrsnap__parser_init(ldrsnap_parser *p, const ldrsnap_options *opts,
                         ldrsnap_record_cb cb, void *userdata);
void ldrsnap__parser_fini(ldrsnap_parser *p);
int ldrsnap__parser_feed(ldrsnap_parser *p, const void *buf, size_t len);
int ldrsnap__parser_finish(ldrsnap_parser *p);

#endif
