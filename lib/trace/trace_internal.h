/*
 * trace/trace_internal.h - the trace's own state, shared by its files:
 * trace.c (dispatch, the end of the log), trace_vista.c, trace_xp.c,
 * trace_debugger.c (one per dialect), procs.c (processes and threads),
 * modules.c (the module map), fail.c (failures and their chains).
 *
 * Memory depends on the number of processes, threads, frames, modules and
 * non-noise failures, each capped; never on the size of the log.
 */
#ifndef LDRSNAP_TRACE_INTERNAL_H
#define LDRSNAP_TRACE_INTERNAL_H

#include "trace/trace.h"

#define LS_MAX_FRAMES 64        /* ENTER frames kept per thread */
#define LS_MAX_THREADS 4096     /* threads kept per trace */
#define LS_MAX_MODULES 65536    /* modules in the module map */
#define LS_FUNC_LEN 48

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
    size_t probe_dll_len;
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
    /* XP: "LdrLoadDll, loading X from ..." with nothing yet of X after
     * it (Server 2003 prints nothing more when X is not found) */
    char *xp_req;
    size_t xp_req_cap;
    uint64_t xp_req_line;
    char *xp_req_text;
    size_t xp_req_text_cap;
} ls_thread;

/* A module of the map by its name and hash: what a process keeps of the
 * modules whose base it gave (the map moves them as it grows). */
typedef struct ls_mod_ref {
    const char *name;
    uint32_t hash;
    uint32_t len;    /* the name's */
} ls_mod_ref;

/* The map is the trace's, by name; what differs from process to process
 * (the base a module is mapped at, the module that needed it) is kept
 * with the serial of the process that said it, and read only for it. */
typedef struct ls_module {
    /* first, on the line a look-up reads (a slot every 96 bytes: with the
     * hash last, most slots a look-up passed were two lines) */
    uint32_t hash;
    uint32_t name_len;
    char *name;      /* basename, as printed */
    char *path;
    size_t path_len;
    uint64_t path_owner;         /* serial of the process it has it in */
    char *parent;    /* basename of the module that needed it */
    uint64_t parent_owner;       /* serial of the process that said so */
    uint64_t base, end;
    uint64_t base_owner;         /* serial of the process it is mapped in */
    bool has_base;
    bool present;    /* seen mapped or loaded: the file exists */
} ls_module;

struct ls_trace {
    ls_trace_head q;             /* first: ended, waiting for a verdict */
    ls_alloc al;                 /* the pool's, or the caller's */
    ls_alloc caller;             /* the caller's: the handle, the pool */
    ls_pool pool;                /* processes, threads, failures, strings */
    bool quiet_noise;            /* probe misses are counted only */
    const ls_sink *sink;         /* the record's, while it is traced */
    bool again;                  /* a process had to end first */
    bool retry;                  /* the record is offered again */
    /* processes */
    ls_proc *procs[LS_MAX_PROCS];  /* live processes, oldest first */
    size_t nprocs;
    ls_proc *last_proc;
    ls_proc *anon;               /* lines that name no process */
    uint32_t xp_pid, xp_tid;
    bool has_xp_pid;
    /* threads */
    ls_thread **threads;         /* open-addressing table */
    size_t thread_cap, nthreads;
    ls_thread *last_thread;      /* the last two threads asked for: */
    ls_thread *prev_thread;      /* loader threads take turns */
    ls_thread *spare;            /* threads of released processes, kept
                                    with their frames for new threads */
    size_t nspare;               /* (LS_SPARE_THREADS at most) */
    bool no_spare;               /* the general way: none kept */
    /* failures */
    uint64_t fail_seq;           /* failures found so far */
    uint32_t named_status[4];    /* the statuses last named, */
    const char *status_name[4];  /* their names (most failures of a */
    unsigned nnamed;             /* log share a few statuses, and probe
                                    misses come between): how many */
    /* modules */
    ls_module *mods;             /* open-addressing table by name */
    size_t mod_cap, nmods;
    ls_module *last_mod;         /* the last one found or added: the
                                    lines of one load name it in turn */
    bool whole_map;              /* ldrsnap__module_at() reads it all */
    uint64_t proc_serial;        /* processes made so far */
    char *program;               /* the program the log names first */
    size_t dropped;              /* past LS_MAX_FAILURES in a process */
    ls_trace_counts n;
};

/* ---- strings ----------------------------------------------------------- */

/* Copy s, of n bytes, into *dst, reusing its buffer when it is large
 * enough; a buffer that grows gets min bytes at least, and up to 2 KiB
 * a power of two from 32 on: the block the pool gives (util.c), whose
 * bytes past the string's are then used by the next longer one, not
 * reallocated. */
static inline int ls_set_strn_min(ls_trace *tr, char **dst, size_t *cap,
                                  const char *s, size_t n, size_t min)
{
    if (n + 1 > *cap) {
        size_t want = n + 1 < min ? min : n + 1;
        if (want <= 32)
            want = 32;
        else if (want <= 2048)
            want = (size_t)1 << (64 - __builtin_clzll(
                                          (unsigned long long)(want - 1)));
        char *p = ldrsnap__realloc(&tr->al, *dst, want);
        if (!p)
            return LDRSNAP_ENOMEM;
        *dst = p;
        *cap = want;
    }
    memcpy(*dst, s, n);
    (*dst)[n] = '\0';
    return LDRSNAP_OK;
}

/* The same, in the pool's block for the string: a frame's strings (a
 * hostile log keeps thousands of frames). */
static inline int ls_set_strn(ls_trace *tr, char **dst, size_t *cap,
                              const char *s, size_t n)
{
    return ls_set_strn_min(tr, dst, cap, s, n, 0);
}

/* A thread's own strings (the DLL being probed and its line, a DllMain's
 * line, an XP request's): LS_THREAD_STR bytes at least, room for the
 * names and lines of its next loads (each longer one went through the
 * pool's realloc(): a block of the next class and a copy). */
#define LS_THREAD_STR 128

/* Copy s into *dst likewise; NULL empties it. */
static inline int ls_set_str(ls_trace *tr, char **dst, size_t *cap,
                             const char *s)
{
    if (!s) {
        if (*dst)
            (*dst)[0] = '\0';
        return LDRSNAP_OK;
    }
    return ls_set_strn(tr, dst, cap, s, strlen(s));
}

/* Replace an owned string kept with its capacity: the buffer is reused;
 * NULL frees it. */
static inline void ls_renew(ls_trace *tr, char **dst, size_t *cap,
                            const char *s)
{
    if (s) {
        ls_set_strn_min(tr, dst, cap, s, strlen(s), LS_THREAD_STR);
        return;
    }
    ldrsnap__free(&tr->al, *dst);
    *dst = NULL;
    *cap = 0;
}

/* Replace an owned string (no capacity tracking: rarely changed). */
static inline int ls_replace(ls_trace *tr, char **dst, const char *s)
{
    char *n = NULL;
    if (s && !(n = ldrsnap__strdup(&tr->al, s)))
        return LDRSNAP_ENOMEM;
    ldrsnap__free(&tr->al, *dst);
    *dst = n;
    return LDRSNAP_OK;
}

static inline const char *ls_nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* ---- processes and threads (procs.c) ---------------------------------- */

/* The process with this pid, made when new; lines that named no pid so
 * far belong to it once the first pid of that stream shows up.  NULL:
 * no memory, or (a->again) a process had to end to make room. */
ls_proc *ldrsnap__proc_get(ls_trace *a, uint32_t pid, bool has_pid);
/* The live process with this pid, or NULL. */
ls_proc *ldrsnap__proc_find(ls_trace *a, uint32_t pid);
/* Take p off the live list and queue it for its verdict. */
void ldrsnap__proc_end(ls_trace *a, ls_proc *p);
/* ldrsnap__trace_record()'s answer when ldrsnap__proc_get() gave NULL. */
static inline int ls_no_proc(const ls_trace *tr)
{
    return tr->again ? LS_TRACE_AGAIN : LDRSNAP_ENOMEM;
}
/* The thread of p, made when new; NULL when the table is full. */
ls_thread *ldrsnap__thread_get(ls_trace *a, ls_proc *p, uint32_t tid,
                               bool has_tid);
/* The same, the last process and thread asked for tried inline: most
 * records are of them. */
static inline ls_proc *ls_proc_get(ls_trace *tr, uint32_t pid, bool has_pid)
{
    ls_proc *p = tr->last_proc;
    if (has_pid && p && p->has_pid && p->pid == pid)
        return p;
    return ldrsnap__proc_get(tr, pid, has_pid);
}
static inline ls_thread *ls_thread_get(ls_trace *tr, ls_proc *p,
                                       uint32_t tid, bool has_tid)
{
    ls_thread *t = tr->last_thread;
    if (t && t->proc == p && t->tid == (has_tid ? tid : 0xFFFFFFFFu))
        return t;
    return ldrsnap__thread_get(tr, p, tid, has_tid);
}
/* The first live thread with this tid, the oldest process first. */
ls_thread *ldrsnap__thread_by_tid(ls_trace *a, uint32_t tid);
void ldrsnap__thread_free(ls_trace *a, ls_thread *t);
/* Free the threads kept for new ones. */
void ldrsnap__threads_spare_free(ls_trace *a);

/* ---- the module map (modules.c) --------------------------------------- */

/* A module of an earlier process at the same base is not the one a
 * warning of this process names: bases and parents are per process. */
ls_module *ldrsnap__module_find(const ls_trace *a, const char *name);
ls_module *ldrsnap__module_find_n(const ls_trace *a, const char *name,
                                  size_t n);
/* The path of m in process p; NULL: p gave none. */
const char *ldrsnap__module_path(const ls_proc *p, const ls_module *m);
/* m is at path in p. */
void ldrsnap__module_set_path(ls_trace *a, const ls_proc *p, ls_module *m,
                              const char *path);
/* The module that needed m, as process p said; NULL: p said none. */
const char *ldrsnap__module_parent(const ls_proc *p, const ls_module *m);
/* Note that parent (a name or path) needed m, in p (the first one said). */
void ldrsnap__module_set_parent(ls_trace *a, const ls_proc *p, ls_module *m,
                                const char *parent);
/* Find or add a module by name or path; NULL when the map is full. */
ls_module *ldrsnap__module_get(ls_trace *a, ls_proc *p, const char *name);
/* Note a module that exists (seen mapped or loaded): its path when the
 * name is one, its range.  _base: the caller found its file name b, of
 * n bytes. */
void ldrsnap__module_seen(ls_trace *a, ls_proc *p, const char *name,
                          uint64_t base, uint64_t end);
void ldrsnap__module_seen_base(ls_trace *a, ls_proc *p, const char *name,
                               const char *b, size_t n, uint64_t base,
                               uint64_t end);
/* The module of p mapped at addr, or NULL. */
const ls_module *ldrsnap__module_at(const ls_trace *a, const ls_proc *p,
                                    uint64_t addr);
void ldrsnap__modules_free(ls_trace *a);

/* ---- failures (fail.c) ------------------------------------------------ */

typedef struct fail_spec {
    ldrsnap_kind kind;
    enum ls_tier tier;
    const char *dll, *dll_path, *parent, *symbol, *note;
    bool has_status;
    uint32_t status;
} fail_spec;

/* A failure of p found on the record of line `line` whose text is
 * `text`, kept in p; NULL when dropped (a->dropped counts those) or out
 * of memory. */
ls_fail *ldrsnap__fail_add_at(ls_trace *a, ls_proc *p, ls_thread *t,
                              uint64_t line, const char *text,
                              const fail_spec *s);
/* The same, found on rec. */
static inline ls_fail *ldrsnap__fail_add(ls_trace *a, ls_proc *p,
                                         ls_thread *t,
                                         const ldrsnap_record *rec,
                                         const fail_spec *s)
{
    return ldrsnap__fail_add_at(a, p, t, rec->line, rec->text, s);
}
/* ldrsnap__fail_add()'s answer as a status. */
static inline int ls_fail_rc(const ls_trace *tr, const ls_fail *f)
{
    return f || tr->dropped ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}
/* A probe miss: sent to the sink at once, kept nowhere. */
int ldrsnap__fail_noise(ls_trace *a, ls_proc *p, ls_thread *t,
                        uint64_t line, uint32_t status, const char *text,
                        const char *dll, const char *note);
/* A failure that says the process failed: it died. */
int ldrsnap__fail_process(ls_trace *a, ls_proc *p, ls_thread *t,
                          const ldrsnap_record *rec, ldrsnap_kind k,
                          enum ls_tier tier, const char *note);

/* ---- the dialects ------------------------------------------------------ */

/* Is a DllMain running on t ("Calling init routine" with no RETURN)? */
static inline bool ls_init_pending(const ls_thread *t)
{
    return t->init_dll && t->init_dll[0];
}
int ldrsnap__trace_xp(ls_trace *a, const ldrsnap_record *rec);
/* XP lines name no process: they belong to the last one named. */
void ldrsnap__trace_xp_named(ls_trace *a, const ldrsnap_record *rec);
/* A module of p seen (mapped, loaded): an XP load of it that waited for
 * news of it found it. */
void ldrsnap__trace_xp_found(ls_trace *a, ls_proc *p, const char *name);
/* An XP load that got no news of its DLL: not found (thread t of p). */
int ldrsnap__trace_xp_unfound(ls_trace *a, ls_thread *t, bool went_on);
int ldrsnap__trace_debugger(ls_trace *a, const ldrsnap_record *rec);
/* The program the log names first (its file name is kept). */
void ldrsnap__trace_program(ls_trace *a, const char *image);
int ldrsnap__trace_ide(ls_trace *a, const ldrsnap_record *rec);

#endif
