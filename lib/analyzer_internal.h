/*
 * analyzer_internal.h - loader state kept while a log streams by, and the
 * failures waiting for their role.
 *
 * Memory depends on the number of processes, threads, frames, modules and
 * non-noise failures, each capped below; never on the size of the log.
 */
#ifndef LDRSNAP_ANALYZER_INTERNAL_H
#define LDRSNAP_ANALYZER_INTERNAL_H

#include "core/ldrsnap_internal.h"
#include "parse/parser_internal.h"
#include "rules/rules_internal.h"

#define LS_MAX_FRAMES 64        /* ENTER frames kept per thread */
#define LS_MAX_CHAIN 16         /* modules named in one load chain */
#define LS_MAX_THREADS 4096     /* threads kept per analyzer */
#define LS_MAX_PROCS 64         /* live processes; the least recently
                                   active one is finalized beyond */
#define LS_MAX_MODULES 65536    /* modules in the module map */
#define LS_MAX_FAILURES 100000  /* non-noise failures kept per process */
#define LS_FUNC_LEN 48

/* How strong the evidence of a failure is; the verdict takes the
 * strongest tier present in a process. */
enum ls_tier {
    LS_T_INFERRED = 1, /* the log stops where a failure would be */
    LS_T_PROCESS,      /* process-level line: says that, not what */
    LS_T_SOFT,         /* GetProcAddress miss, exception before teardown */
    LS_T_CHAIN,        /* a RETURN chain or XP summary naming the DLL */
    LS_T_ERROR         /* the loader names the failure in so many words */
};

typedef struct ls_frame {
    char func[LS_FUNC_LEN];      /* kept for functions without an id */
    unsigned fid;
    unsigned fflags;
    char *dll;           /* owned, may be NULL */
    size_t dll_cap;
    size_t dll_len;      /* strlen(dll) */
    size_t dll_base;     /* offset of its file name; SIZE_MAX: not found
                            yet */
    uint64_t line;
    char *fail_dll;      /* deepest failing non-probe DLL below, owned */
    size_t fail_cap;
} ls_frame;

typedef struct ls_proc ls_proc;

typedef struct ls_thread {
    uint32_t pid, tid;
    bool has_tid;
    ls_proc *proc;
    struct ls_thread *proc_next; /* the process's next thread, by age */
    ls_frame *frames;            /* grown on demand up to LS_MAX_FRAMES */
    size_t frames_cap;
    size_t depth;
    /* the thread's previous record, to fold Windows 11 compact twins */
    ldrsnap_level last_level;
    unsigned last_fid;
    char last_func[LS_FUNC_LEN];
    uint32_t last_status;
    bool last_compactable;
    /* a DllMain that is running: "Calling init routine" */
    char *init_dll;
    size_t init_dll_cap;
    size_t init_depth;
    uint64_t init_line;
    char *init_text;
    size_t init_text_cap;
    /* the DLL whose directories are being probed */
    char *probe_dll;
    size_t probe_dll_cap;
    const char *probe_base;      /* file name part of probe_dll */
    unsigned probe_misses;
    bool probe_found;
    uint64_t probe_line;
    char *probe_text;
    size_t probe_text_cap;
    /* an LdrpNameToOrdinal warning waiting for its LdrpReportError */
    char *nto_symbol;
    uint64_t nto_base;
    bool nto_has_base;
    /* a LdrpSearchPath failure waiting for its LdrpProcessWork ERROR */
    size_t search_fail;          /* index + 1 in the failure list, or 0 */
    /* XP: the DLL the thread is loading */
    char *xp_loading;
} ls_thread;

typedef struct ls_fail {
    ldrsnap_failure pub;
    uint64_t seq;          /* the order it was found in (several can share
                              a line: glued records) */
    ls_proc *proc;
    enum ls_tier tier;
    bool process_level;    /* says the process failed, not what failed */
    bool absorbed;         /* folded into a stronger line of the same
                              failure */
    char *strings[8];      /* owned copies behind pub */
    char *chain_store[LS_MAX_CHAIN];
    const char *chain[LS_MAX_CHAIN];
} ls_fail;

typedef struct ls_exc {
    uint64_t line;
    uint32_t code;
    bool second;
    uint32_t tid;
    char *text;
    char *dll;
} ls_exc;

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
    uint64_t last_line;
    bool seen_begin, seen_init;  /* "Beginning execution", "Initializing" */
    ls_exc *exc;
    size_t nexc, exc_cap;
    size_t nthreads;
    struct ls_thread *threads;   /* its threads, oldest first */
    struct ls_thread **threads_end;
    ls_fail **fails;             /* non-noise failures waiting for roles */
    size_t nfails, fails_cap;
};

typedef struct ls_module {
    char *name;      /* basename, as printed */
    char *path;
    char *parent;    /* basename of the module that needed it */
    uint64_t base, end;
    bool has_base;
    bool present;    /* seen mapped or loaded: the file exists */
    uint32_t hash;
} ls_module;

struct ldrsnap_analyzer {
    uint32_t magic;
    int state;
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
    struct ls_pipe *pipe;        /* the tokenizer thread, once started */
    /* ldrsnap_analyzer_buffer(): the room given out, until committed */
    void *room;
    size_t room_cap;
    bool room_in_pipe;           /* a pipe block, not inbuf */
    char *inbuf;                 /* the room without a tokenizer thread */
    /* state */
    ls_proc *procs[LS_MAX_PROCS];  /* live processes, oldest first */
    size_t nprocs;
    size_t procs_seen;
    ls_proc *last_proc;
    ls_proc *anon;               /* lines that name no process */
    uint32_t xp_pid, xp_tid;
    bool has_xp_pid;
    ls_thread **threads;         /* open-addressing table */
    size_t thread_cap, nthreads;
    ls_thread *last_thread;
    ls_module *mods;             /* open-addressing table by name */
    size_t mod_cap, nmods;
    /* verdicts of finalized processes; their root failures are kept */
    ldrsnap_verdict *verdicts;
    ls_fail **kept;
    size_t nverdicts, verdicts_cap;
    size_t dropped;
    /* counts */
    uint64_t vista_records, xp_records;
    uint64_t fail_seq;     /* failures found so far */
    /* lengths the tokenizer thread sent with the record being analyzed
     * (LS_LEN_UNKNOWN: none) */
    unsigned text_len;
    const ls_plain *plain; /* the compact item analyzed, or NULL */
    bool pulling;          /* bytes come from ldrsnap_analyzer_pull() */
    bool item_watched;     /* the tokenizer thread's item may hold one of
                              the literals' rarest bytes */
    bool item_gated;       /* a compact item: its shape says whether a
                              rule could start on it (item_may) */
    bool item_may;
    /* the parser's watch bytes, copied (the tokenizer thread writes next
     * to the parser's own) for the items it leaves to this thread */
    _Alignas(16) unsigned char watch[4][16];
    bool item_fid;         /* a compact item with the id of its function */
    uint8_t fid, fflags;
    size_t noise, handled, exceptions, total_failures;
    /* summary */
    ldrsnap_summary summary;
    char errmsg[160];
};

/* trace.c */
/* note, when not NULL, holds what the tokenizer thread worked out. */
int ldrsnap__trace_record(ldrsnap_analyzer *a, const ldrsnap_record *rec,
                          const ls_note *note);
void ldrsnap__proc_pending(ldrsnap_analyzer *a, const ls_proc *p);
void ldrsnap__trace_free(ldrsnap_analyzer *a);
ls_module *ldrsnap__module_find(ldrsnap_analyzer *a, const char *name);
ls_fail *ldrsnap__fail_exception(ldrsnap_analyzer *a, ls_proc *p,
                                 const ls_exc *e, const char *note);

void ldrsnap__threads_drop(ldrsnap_analyzer *a, ls_proc *p);
void ldrsnap__proc_free(ldrsnap_analyzer *a, ls_proc *p);

/* verdict.c */
int ldrsnap__proc_finalize(ldrsnap_analyzer *a, ls_proc *p);
void ldrsnap__fail_free(ldrsnap_analyzer *a, ls_fail *f);
int ldrsnap__verdict_run(ldrsnap_analyzer *a);
void ldrsnap__verdict_free(ldrsnap_analyzer *a);
int ldrsnap__emit_failure(ldrsnap_analyzer *a, const ldrsnap_failure *f);

#endif
