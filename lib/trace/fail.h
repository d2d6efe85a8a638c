/*
 * trace/fail.h - a failure as the trace finds it, and as the verdicts
 * judge it: its public form, its tier of evidence, the strings it owns.
 *
 * libc only.  The trace builds failures (fail.c); verdict.c gives them
 * their roles and keeps the root causes; fail.c frees them.
 */
#ifndef LDRSNAP_TRACE_FAIL_H
#define LDRSNAP_TRACE_FAIL_H

#include "core/ldrsnap_internal.h"

#define LS_MAX_CHAIN 16         /* modules named in one load chain */

/* How strong the evidence of a failure is; the verdict takes the
 * strongest tier present in a process. */
enum ls_tier {
    LS_T_INFERRED = 1, /* the log stops where a failure would be */
    LS_T_PROCESS,      /* process-level line: says that, not what */
    LS_T_SOFT,         /* GetProcAddress miss, exception before teardown */
    LS_T_CHAIN,        /* a RETURN chain or XP summary naming the DLL */
    LS_T_ERROR         /* the loader names the failure in so many words */
};

/* The strings a failure owns, one slot each, behind its public form. */
enum ls_fail_str {
    LS_FS_DLL,
    LS_FS_DLL_PATH,
    LS_FS_PARENT,
    LS_FS_SYMBOL,
    LS_FS_TEXT,
    LS_FS_NOTE,
    LS_FS_COUNT
};

typedef struct ls_proc ls_proc;

typedef struct ls_fail {
    ldrsnap_failure pub;
    uint64_t seq;          /* the order it was found in (several can share
                              a line: glued records) */
    ls_proc *proc;
    enum ls_tier tier;
    bool process_level;    /* says the process failed, not what failed */
    bool absorbed;         /* folded into a stronger line of the same
                              failure */
    bool survived;         /* the process went on after it: handled */
    bool low;              /* low confidence whatever its tier (a
                              fragment of a line) */
    const char *strings[LS_FS_COUNT]; /* copies behind pub, after the
                                         failure in its block */
    const char *chain[LS_MAX_CHAIN];  /* likewise */
} ls_fail;

/* Free f and every string it owns (one block); NULL is fine. */
void ldrsnap__fail_free(const ls_alloc *al, ls_fail *f);

#endif
