/*
 * trace_xp.c - XP and Server 2003 records ("LDR: ..."): lines that name
 * no process belong to the last one named; the DLL each thread loads,
 * the parents "used by" and "snapping" lines name, and the failures the
 * loader prints.
 */
#include <string.h>

#include "trace/trace_internal.h"

static int xp_fail(ls_trace *tr, ls_proc *p, ls_thread *t,
                   const ldrsnap_record *rec, ldrsnap_kind k,
                   enum ls_tier tier, const char *parent, const char *note)
{
    bool st = (rec->flags & LDRSNAP_RF_STATUS) != 0;
    fail_spec s = {k, tier, rec->dll, NULL, parent, NULL, note, st,
                   rec->status};
    if (rec->dll && ldrsnap__basename(rec->dll) != rec->dll)
        s.dll_path = rec->dll;
    ls_fail *f = ldrsnap__fail_add(tr, p, t, rec, &s);
    return ls_fail_rc(tr, f);
}

void ldrsnap__trace_xp_named(ls_trace *tr, const ldrsnap_record *rec)
{
    if (rec->flags & LDRSNAP_RF_PID) {
        tr->xp_pid = rec->pid;
        tr->xp_tid = rec->tid;
        tr->has_xp_pid = true;
    }
}

static int on_xp_failure(ls_trace *tr, ls_proc *p, ls_thread *t,
                         const ldrsnap_record *rec)
{
    ldrsnap_kind sk = ldrsnap_status_kind(rec->status);
    bool st = (rec->flags & LDRSNAP_RF_STATUS) != 0;
    switch (rec->msg) {
    case LDRSNAP_M_INIT_FAILED: {
        ldrsnap_record r = *rec;
        r.status = 0xC0000142u;
        r.flags |= LDRSNAP_RF_STATUS;
        return xp_fail(tr, p, t, &r, LDRSNAP_K_INIT_FAILED, LS_T_ERROR, NULL,
                       "its DllMain returned FALSE or raised an exception "
                       "during DLL_PROCESS_ATTACH");
    }
    case LDRSNAP_M_UNLOADING_FAILED:
        return xp_fail(tr, p, t, rec, st ? sk : LDRSNAP_K_OTHER, LS_T_CHAIN,
                       NULL,
                       "the loader unloaded it because its init routine or "
                       "one of its static imports failed");
    case LDRSNAP_M_LOAD_FAILING:
        return xp_fail(tr, p, t, rec, st ? sk : LDRSNAP_K_OTHER, LS_T_CHAIN,
                       NULL, "LdrLoadDll gave up on this DLL");
    case LDRSNAP_M_IMPORT_FAILED:
        return xp_fail(tr, p, t, rec, st ? sk : LDRSNAP_K_OTHER, LS_T_ERROR,
                       ls_nonempty(t->xp_loading),
                       "a static import could not be loaded");
    case LDRSNAP_M_SXS_PROBE_FAILED:
        return xp_fail(tr, p, t, rec, st ? sk : LDRSNAP_K_SXS, LS_T_ERROR,
                       NULL,
                       "its manifest names a side-by-side assembly that "
                       "could not be found or activated");
    case LDRSNAP_M_FAILURE_TEXT:
        return xp_fail(tr, p, t, rec, st ? sk : LDRSNAP_K_OTHER, LS_T_PROCESS,
                       NULL, "the loader printed a failure");
    default:
        return LDRSNAP_OK;
    }
}

int ldrsnap__trace_xp(ls_trace *tr, const ldrsnap_record *rec)
{
    ldrsnap__trace_xp_named(tr, rec);
    ls_proc *p =
        ldrsnap__proc_get(tr, rec->pid, (rec->flags & LDRSNAP_RF_PID) != 0);
    if (!p)
        return ls_no_proc(tr);
    bool has_tid = (rec->flags & LDRSNAP_RF_TID) || tr->has_xp_pid;
    uint32_t tid = (rec->flags & LDRSNAP_RF_TID) ? rec->tid : tr->xp_tid;
    ls_thread *t = ldrsnap__thread_get(tr, p, tid, has_tid);
    if (!t)
        return LDRSNAP_OK;
    tr->n.xp_records++;
    p->last_line = rec->line;
    switch (rec->msg) {
    case LDRSNAP_M_LOADING_DLL:
        return ls_replace(tr, &t->xp_loading, rec->dll);
    case LDRSNAP_M_CALLING_INIT:
        ldrsnap__module_seen(tr, rec->dll, 0, 0);
        if (rec->line > p->went_on_enter)
            p->went_on_enter = rec->line;
        return LDRSNAP_OK;
    case LDRSNAP_M_USED_BY:
    case LDRSNAP_M_SNAPPING: {
        ls_module *m = ldrsnap__module_get(tr, rec->dll);
        if (m && !m->parent && rec->parent)
            m->parent = ldrsnap__strdup(&tr->al,
                                        ldrsnap__basename(rec->parent));
        return LDRSNAP_OK;
    }
    case LDRSNAP_M_UNINIT_LIST:
    case LDRSNAP_M_UNMAPPING:
        if (!p->teardown_line)
            p->teardown_line = rec->line;
        return LDRSNAP_OK;
    case LDRSNAP_M_UNINIT_ENTRY:
        ldrsnap__module_seen(tr, rec->dll_path, 0, 0);
        return LDRSNAP_OK;
    default:
        return on_xp_failure(tr, p, t, rec);
    }
}
