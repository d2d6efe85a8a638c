/*
 * analyzer_internal.h - the analyzer handle: where the stages meet.  Its
 * parser's records go to the trace, the processes the trace ends go to
 * the verdicts, and the results of both (and of the rules) come back
 * through the one sink the analyzer implements.
 */
#ifndef LDRSNAP_ANALYZER_INTERNAL_H
#define LDRSNAP_ANALYZER_INTERNAL_H

#include "core/ldrsnap_internal.h"
#include "parse/parser_internal.h"
#include "rules/gate.h"
#include "rules/rules_internal.h"
#include "trace/trace.h"
#include "verdict/verdict.h"

struct ldrsnap_analyzer {
    uint32_t magic;
    int state;
    bool busy;                   /* a public call is running: its
                                    callbacks must not call back in */
    ls_alloc al;
    ldrsnap_parser parser;
    ldrsnap_event_cb cb;
    void *ud;
    bool quiet_noise;            /* LDRSNAP_OPT_QUIET_NOISE, or no cb */
    ldrsnap_record_cb rec_cb;
    void *rec_ud;
    int cb_rc;
    rx_state *rx;                /* rule matching, when rules are set */
    bool threaded;               /* LDRSNAP_OPT_THREADED */
    bool slow;                   /* LS_OPT_NO_FAST_ANALYSIS */
    size_t pipe_after;           /* bytes before the thread starts; 0: the
                                    default (ldrsnap__analyzer_pipe_after) */
    struct ls_pipe *pipe;        /* the tokenizer thread, once started */
    /* ldrsnap_analyzer_buffer(): the room given out, until committed */
    void *room;
    size_t room_cap;
    bool room_in_pipe;           /* a pipe block, not inbuf */
    char *inbuf;                 /* the room without a tokenizer thread */
    /* the stages, and the sink their results leave through */
    ls_trace *trace;
    ls_verdicts *verdicts;
    ls_sink sink;
    bool pulling;          /* bytes come from ldrsnap_analyzer_pull() */
    ls_gate gate;          /* the rules' prefilter decisions */
    /* summary */
    ldrsnap_summary summary;
    char errmsg[160];
};

/* Start the tokenizer thread once `bytes` have come (at least 1),
 * whether fed or pulled, instead of after 1 MiB (64 KiB pulled): for the
 * fuzz targets and tests, which reach the threaded path with small
 * inputs.  Not exported from the shared library. */
void ldrsnap__analyzer_pipe_after(ldrsnap_analyzer *a, size_t bytes);

#endif
