/*
 * trace.c - stage 3: per-process, per-thread loader state, and the
 * failures it turns up.  This file takes each record to its dialect's
 * file, and at the end tells what the log stopped in the middle of.
 *
 * Attribution is by thread, never by "the line before": Windows 10+ loads
 * on parallel worker threads whose lines interleave.  Each thread keeps a
 * stack of ENTER frames matched by RETURNs (tolerating RETURNs whose ENTER
 * was cut off and ENTERs whose RETURN never came), the DllMain it is
 * running, and the DLL whose directories it is probing.  A module map
 * (name, path, base) from ModLoad, map, init and parent lines names the
 * exporter that LdrpNameToOrdinal gives only by address.
 *
 * Noise (probe misses) goes to the sink at once; every other failure
 * waits in its process, which is queued when it ends: the verdicts need
 * the whole process to tell a root cause from its consequences and from
 * what the program handled.
 */
#include <string.h>

#include "trace/trace_internal.h"

int ldrsnap__trace_new(ls_trace **out, const ls_alloc *al, bool quiet_noise)
{
    ls_trace *tr = ldrsnap__calloc(al, sizeof *tr);
    *out = tr;
    if (!tr)
        return LDRSNAP_ENOMEM;
    tr->caller = *al;
    ldrsnap__pool_init(&tr->pool, al, &tr->al);
    tr->quiet_noise = quiet_noise;
    return LDRSNAP_OK;
}

void ldrsnap__trace_general(ls_trace *tr)
{
    tr->al = tr->caller;
    tr->whole_map = true;
    tr->no_spare = true;
}

const ls_trace_counts *ldrsnap__trace_counts(const ls_trace *tr)
{
    return &tr->n;
}

void ldrsnap__trace_program(ls_trace *tr, const char *image)
{
    const char *b = image ? ldrsnap__basename(image) : NULL;
    if (tr->program || !b || !*b)
        return;
    tr->program = ldrsnap__strdup(&tr->al, b);
    tr->n.program = tr->program;
}

bool ldrsnap__trace_xp_context(const ls_trace *tr, uint32_t *pid,
                               uint32_t *tid)
{
    *pid = tr->xp_pid;
    *tid = tr->xp_tid;
    return tr->has_xp_pid;
}

/* ---- the end of a process ----------------------------------------------- */

/* What the log stops in the middle of: a DllMain that never returned, a
 * search that never ended.  Reported with low confidence. */
static int pending_at_end(ls_trace *tr, ls_thread *t)
{
    ls_proc *p = t->proc;
    if (p->exited_ok)
        return LDRSNAP_OK; /* the program exited with code 0: whatever a
                              thread was doing last, it came back */
    ldrsnap_record r;
    memset(&r, 0, sizeof r);
    if (ls_init_pending(t)) {
        r.line = t->init_line;
        r.text = t->init_text;
        fail_spec s = {LDRSNAP_K_INIT_FAILED, LS_T_INFERRED, t->init_dll,
                       t->init_dll, NULL, NULL,
                       "the log ends while this DLL's init routine (DllMain) "
                       "runs: if the process failed with 0xc0000142 or "
                       "crashed, its DllMain is the suspect",
                       true, 0xC0000142u};
        if (p->has_exit && (p->exit_status == 0xC0000142u ||
                            ldrsnap_status_kind(p->exit_status) ==
                                LDRSNAP_K_OTHER)) {
            /* the process died with DLL_INIT_FAILED or a crash while this
             * DllMain was the last thing its thread did */
            s.tier = LS_T_CHAIN;
            s.status = p->exit_status;
            s.note = "the process failed with this status while this DLL's "
                     "init routine (DllMain) was the last thing its thread "
                     "did";
        }
        ldrsnap__fail_add(tr, p, t, &r, &s);
    }
    ldrsnap__trace_xp_unfound(tr, t, false);
    bool searching = false;
    for (size_t i = 0; i < t->depth; i++)
        searching |= (t->frames[i].fflags & LS_FN_SEARCH) != 0;
    if ((searching || t->probe_misses) && !t->probe_found && t->probe_dll) {
        r.line = t->probe_line;
        r.text = t->probe_text;
        fail_spec s = {LDRSNAP_K_DLL_NOT_FOUND, LS_T_INFERRED,
                       ldrsnap__basename(t->probe_dll), NULL, NULL, NULL,
                       "the log ends while the loader is still searching "
                       "for this DLL, not found where it looked so far",
                       t->probe_misses > 0, 0xC0000135u};
        ldrsnap__fail_add(tr, p, t, &r, &s);
    }
    return LDRSNAP_OK;
}

void ldrsnap__trace_pending(ls_trace *tr, ls_proc *p)
{
    for (ls_thread *t = p->threads; t; t = t->proc_next)
        pending_at_end(tr, t);
}

void ldrsnap__trace_free(ls_trace *tr)
{
    if (!tr)
        return;
    for (ls_proc *p; (p = ldrsnap__trace_ended(tr));)
        ldrsnap__trace_release(tr, p);
    while (tr->nprocs) {
        ls_proc *p = tr->procs[--tr->nprocs];
        ldrsnap__trace_release(tr, p);
    }
    for (size_t i = 0; i < tr->thread_cap; i++)
        if (tr->threads[i])
            ldrsnap__thread_free(tr, tr->threads[i]);
    ldrsnap__threads_spare_free(tr);
    ldrsnap__free(&tr->al, tr->threads);
    ldrsnap__modules_free(tr);
    ldrsnap__free(&tr->al, tr->program);
    ldrsnap__pool_drain(&tr->pool);
    ldrsnap__free(&tr->caller, tr);
}
