/*
 * trace/trace.h - stage 3: records -> failures, per process and thread.
 *
 * Takes records (with the note of what was learnt of each) and gives
 * failures: noise and exceptions to the sink at once, every other failure
 * kept in its process until the process ends.  An ended process (its pid
 * began again, the program exited, it was evicted, the log ended) is
 * queued; the caller takes it with ldrsnap__trace_ended(), has it judged
 * (verdict/) and gives it back with ldrsnap__trace_release().
 *
 * libc only: knows records, notes and sinks; never the analyzer, the
 * rules, the pipe or the verdicts.
 */
#ifndef LDRSNAP_TRACE_H
#define LDRSNAP_TRACE_H

#include "core/ldrsnap_internal.h"
#include "codes/status.h"
#include "trace/fail.h"

#define LS_MAX_PROCS 64         /* live processes; the least recently
                                   active one is ended beyond */
#define LS_MAX_FAILURES 100000  /* non-noise failures kept per process */

/* ldrsnap__trace_record(): a process had to end before the record could
 * be taken (its pid began again, or the table was full).  Judge the ended
 * processes, then offer the same record again. */
#define LS_TRACE_AGAIN 1

typedef struct ls_trace ls_trace;

/* An exception kept until its process is judged. */
typedef struct ls_exc {
    uint64_t line;
    uint32_t code;
    bool second;
    uint32_t tid;
    char *text;
    char *dll;
} ls_exc;

/* What the verdicts read of a process that ended. */
struct ls_proc {
    uint32_t pid;
    bool has_pid;
    char *image;
    bool died;                   /* a process-level failure was seen */
    uint32_t exit_status;        /* failing exit code / process status */
    bool has_exit;
    uint64_t teardown_line;      /* first UNINIT LIST / unmapping / exit */
    uint64_t went_on_enter;      /* ENTER line of the latest top-level load
                                    that succeeded */
    uint64_t went_on_line;       /* the latest line where the process went
                                    on: a load that worked, a procedure
                                    resolved (an exception before it was
                                    survived) */
    uint64_t went_on_start;      /* the latest new request: a load asked
                                    for on a thread with no load open, or
                                    a procedure looked up (Vista+) */
    bool exited_ok;              /* the program exited with code 0 */
    bool xp_fresh;               /* XP: only its start lines so far */
    bool xp;                     /* it printed XP records */
    size_t nrecords;             /* its loader records */
    bool seen;                   /* an exception or exit line named it */
    uint64_t last_line;
    bool seen_begin, seen_init;  /* "Beginning execution", "Initializing" */
    ls_exc *exc;
    size_t nexc, exc_cap;
    size_t nthreads;
    struct ls_thread *threads;   /* its threads, oldest first */
    struct ls_thread **threads_end;
    uint64_t serial;             /* 1, 2, ...: whose a module's base and
                                    parent are (ls_module) */
    struct ls_mod_ref *based;    /* the modules whose base it gave */
    size_t nbased, based_cap;
    bool based_lost;             /* one of them is not in based (memory) */
    ls_fail **fails;             /* non-noise failures waiting for roles */
    size_t nfails, fails_cap;
    ls_proc *ended_next;         /* the queue of ended processes */
};

/* What the summary counts. */
typedef struct ls_trace_counts {
    uint64_t vista_records, xp_records;
    uint64_t host_records;       /* debugger and IDE lines */
    const char *program;         /* the program named first, or NULL */
    size_t procs_seen;
    size_t failures;             /* every failure found, noise too */
    size_t noise, exceptions;
} ls_trace_counts;

/* quiet_noise: probe misses are counted, not sent to the sink. */
int ldrsnap__trace_new(ls_trace **out, const ls_alloc *al, bool quiet_noise);
/* Before the first record: the general way, for the differential tests
 * (LS_OPT_NO_FAST_ANALYSIS): every block from the caller's allocator
 * instead of the trace's pool, the module at an address looked for in
 * the whole map. */
void ldrsnap__trace_general(ls_trace *t);
/* The log is over: every live process is queued, oldest first. */
void ldrsnap__trace_end(ls_trace *t);
/* The next ended process, first ended first; NULL: none. */
ls_proc *ldrsnap__trace_ended(ls_trace *t);

/* The first member of every ls_trace: what a caller may read without a
 * call, the queue of ended processes. */
typedef struct ls_trace_head {
    ls_proc *ended_head, *ended_tail;
} ls_trace_head;

/* Does a process wait in the queue?  Inline: asked after every record. */
static inline bool ldrsnap__trace_has_ended(const ls_trace *t)
{
    return ((const ls_trace_head *)(const void *)t)->ended_head != NULL;
}

/* One record; note says what was learnt of it (its function's id).
 * Returns 0, LS_TRACE_AGAIN, or an error (< 0, or the sink's).  Either
 * way, ended processes may wait in the queue (ldrsnap__trace_has_ended()):
 * judge them before the next record. */
int ldrsnap__trace_record(ls_trace *t, const ldrsnap_record *rec,
                          const ls_note *note, const ls_sink *sink);
/* A usual ENTER (its DLL's name) or RETURN (its status) of a known
 * function, as the fields the trace reads of it: the analyzer gives the
 * compact items of these lines (most of a log) to ldrsnap__trace_call()
 * without building their record.  ldrsnap__trace_record() takes such
 * records this way too. */
typedef struct ls_call {
    uint64_t line;
    const char *text;            /* the record's text */
    const char *function;        /* its function's name */
    const char *dll;             /* an ENTER's DLL's name, or NULL */
    size_t dll_len;              /* its length */
    const char *image;           /* the image's name a prefix gives, */
    size_t image_len;            /* image_len bytes (0: none) */
    uint32_t pid, tid, status;
    unsigned fid, fflags;        /* ldrsnap__func_id() of the function */
    ldrsnap_level level;         /* LDRSNAP_L_ENTER or LDRSNAP_L_RETURN */
    bool has_status;             /* a RETURN's status was read */
    bool compact;                /* LDRSNAP_RF_COMPACT: Windows 11's twin */
} ls_call;

/* ldrsnap__trace_record() of the Vista+ record c says (it has a pid and a
 * tid); the same answers. */
int ldrsnap__trace_call(ls_trace *t, const ls_call *c, const ls_sink *sink);
/* For the verdicts: what the threads of ended process p were in the
 * middle of (a DllMain that never returned, a search that never ended),
 * as failures of p. */
void ldrsnap__trace_pending(ls_trace *t, ls_proc *p);
/* For the verdicts: an exception p did not survive, as a failure of p. */
ls_fail *ldrsnap__fail_exception(ls_trace *t, ls_proc *p, const ls_exc *e,
                                 const char *note);
/* Free an ended process, its threads and the failures left in it. */
void ldrsnap__trace_release(ls_trace *t, ls_proc *p);
const ls_trace_counts *ldrsnap__trace_counts(const ls_trace *t);
/* The process and thread the XP stream named last (XP lines that name
 * none belong to them); false: none yet. */
bool ldrsnap__trace_xp_context(const ls_trace *t, uint32_t *pid,
                               uint32_t *tid);
void ldrsnap__trace_free(ls_trace *t);

#endif
