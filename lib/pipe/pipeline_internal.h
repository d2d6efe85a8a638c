/*
 * pipe/pipeline_internal.h - the tokenizer thread of
 * LDRSNAP_OPT_THREADED.
 *
 * Takes a parser, moves it to a thread of its own, feeds it blocks of
 * input, and gives each record back on the caller's thread, in order,
 * to a record function with the ls_note of what the tokenizer thread
 * learnt.  libc and pthreads only: knows the parser and notes; never the
 * trace, the verdicts, the rules or the analyzer.
 */
#ifndef LDRSNAP_PIPELINE_INTERNAL_H
#define LDRSNAP_PIPELINE_INTERNAL_H

#include "core/ldrsnap_internal.h"
#include "parse/parser_internal.h"

typedef struct ls_pipe ls_pipe;
/* Move parser (its gate set) to a new tokenizer thread; consume(ctx,
 * rec, note) is then called on the caller's thread for each record, in
 * order, with what the tokenizer thread learnt of it; usual(ctx, item,
 * ...) for each usual item instead, unless it is NULL. */
int ldrsnap__pipe_start(ls_pipe **out, const ls_alloc *al,
                        ldrsnap_parser *parser, ls_record_fn consume,
                        ls_usual_fn usual, void *ctx);
/* Tokenize buf on the tokenizer thread while analyzing; returns once the
 * tokenizer is done with buf.  On error, free the pipe at once. */
int ldrsnap__pipe_feed(ls_pipe *pp, const void *buf, size_t len);
/* Zero-copy feeding: room in the block being filled (*cap > 0), then
 * commit len <= *cap bytes of it, as feeding them would. */
int ldrsnap__pipe_room(ls_pipe *pp, void **buf, size_t *cap);
int ldrsnap__pipe_commit(ls_pipe *pp, size_t len);
/* The tokenizer reads the rest of the input with fn, and every record of
 * it is analyzed before this returns (the tokenizer flushes what it holds
 * at the end); returns the analysis's error, *read_rc fn's, if one ended
 * the input. */
int ldrsnap__pipe_pull(ls_pipe *pp, ldrsnap_read_fn fn, void *ctx,
                      int *read_rc);
/* End of input: analyze every record left. */
int ldrsnap__pipe_finish(ls_pipe *pp);
/* Stop the thread (at once, if the input is not finished) and free. */
void ldrsnap__pipe_free(ls_pipe *pp);

#endif
