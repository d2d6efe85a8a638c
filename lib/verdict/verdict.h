/*
 * verdict/verdict.h - stage 4: a role for every failure of a process that
 * ended, and one verdict per process.
 *
 * Takes the ended processes the trace queues; gives their failures, with
 * their roles and in line order, to the sink, and keeps each process's
 * verdict (its root failure is kept alive behind it).
 *
 * libc only: knows the trace's processes and failures and the sink; never
 * the analyzer, the rules or the pipe.
 */
#ifndef LDRSNAP_VERDICT_H
#define LDRSNAP_VERDICT_H

#include "trace/trace.h"

typedef struct ls_verdicts ls_verdicts;

int ldrsnap__verdicts_new(ls_verdicts **out, const ls_alloc *al);
/* Keep at most n verdicts (LDRSNAP_MAX_VERDICTS at most, the default). */
void ldrsnap__verdicts_keep(ls_verdicts *v, size_t n);
/* Judge ended process p of trace t: its pending work and the exceptions
 * it did not survive become failures, every failure gets its role and
 * goes to the sink, the verdict is kept, and the process's end (with its
 * verdict) goes to the sink's process_end when it has one.  p stays the trace's: give it
 * back with ldrsnap__trace_release() whatever this returns. */
int ldrsnap__verdict_process(ls_verdicts *v, ls_trace *t, ls_proc *p,
                             const ls_sink *sink);
/* ldrsnap__verdicts() by qsort(), not by its keys' radix sort: the
 * oracle (LS_OPT_NO_FAST_ANALYSIS). */
void ldrsnap__verdicts_general_sort(ls_verdicts *v);
/* The verdicts so far, by line; valid until the next call or the free. */
const ldrsnap_verdict *ldrsnap__verdicts(ls_verdicts *v, size_t *n);
/* Failures that were handled: the program went on after them. */
size_t ldrsnap__verdicts_handled(const ls_verdicts *v);
/* Failing processes past the LDRSNAP_MAX_VERDICTS verdicts kept. */
size_t ldrsnap__verdicts_dropped(const ls_verdicts *v);
void ldrsnap__verdicts_free(ls_verdicts *v);

#endif
