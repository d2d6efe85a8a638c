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

/* The module that imports dll: the Y of "dll used by Y" (not the module
 * whose imports were snapped last), else the one being loaded. */
static const char *xp_importer(ls_trace *tr, const ls_proc *p,
                               const ls_thread *t, const char *dll)
{
    const ls_module *m = ldrsnap__module_find(tr, dll);
    const char *parent = ls_nonempty(t->xp_loading);
    const char *mp = ldrsnap__module_parent(p, m);
    if (!mp)
        return parent;
    const ls_module *pm = ldrsnap__module_find(tr, mp);
    if (ldrsnap__module_path(p, pm))
        return ldrsnap__module_path(p, pm);
    return parent && ldrsnap__name_eq(ldrsnap__basename(parent), mp) ? parent
                                                                    : mp;
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
                       xp_importer(tr, p, t, rec->dll),
                       "a static import could not be loaded");
    case LDRSNAP_M_SXS_PROBE_FAILED:
        return xp_fail(tr, p, t, rec, st ? sk : LDRSNAP_K_SXS, LS_T_ERROR,
                       xp_importer(tr, p, t, rec->dll),
                       "its manifest names a side-by-side assembly that "
                       "could not be found or activated");
    case LDRSNAP_M_FAILURE_TEXT:
        return xp_fail(tr, p, t, rec, st ? sk : LDRSNAP_K_OTHER, LS_T_PROCESS,
                       NULL, "the loader printed a failure");
    default:
        return LDRSNAP_OK;
    }
}

/* ---- loads with no news: Server 2003's "not found" ------------------- */

static bool xp_req_pending(const ls_thread *t)
{
    return t->xp_req && t->xp_req[0];
}

static bool xp_req_is(const ls_thread *t, const char *name)
{
    return xp_req_pending(t) && name &&
           ldrsnap__name_eq(ldrsnap__basename(t->xp_req),
                            ldrsnap__basename(name));
}

void ldrsnap__trace_xp_found(ls_trace *tr, ls_proc *p, const char *name)
{
    (void)tr;
    for (ls_thread *t = p ? p->threads : NULL; t; t = t->proc_next)
        if (xp_req_is(t, name))
            t->xp_req[0] = '\0';
}

int ldrsnap__trace_xp_unfound(ls_trace *tr, ls_thread *t, bool went_on)
{
    if (!xp_req_pending(t))
        return LDRSNAP_OK;
    ldrsnap_record r;
    memset(&r, 0, sizeof r);
    r.line = t->xp_req_line;
    r.text = t->xp_req_text;
    fail_spec s = {LDRSNAP_K_DLL_NOT_FOUND, LS_T_ERROR, t->xp_req, NULL,
                   NULL, NULL,
                   went_on ? "nothing of this DLL came after its load "
                             "request (Server 2003 prints nothing more "
                             "when it cannot find a DLL); the program "
                             "went on"
                           : "nothing of this DLL came after its load "
                             "request, the process's last loader act "
                             "(Server 2003 prints nothing more when it "
                             "cannot find a DLL)",
                   true, 0xC0000135u};
    if (ldrsnap__basename(t->xp_req) != t->xp_req)
        s.dll_path = t->xp_req;
    ls_fail *f = ldrsnap__fail_add(tr, t->proc, t, &r, &s);
    if (f)
        f->survived = went_on;
    t->xp_req[0] = '\0';
    return ls_fail_rc(tr, f);
}

/* What an XP record says of a load waiting for news, and whether the
 * process went on with it. */
static int xp_news(ls_trace *tr, ls_proc *p, ls_thread *t,
                   const ldrsnap_record *rec)
{
    const char *m = rec->message ? rec->message : "";
    switch (rec->msg) {
    case LDRSNAP_M_LOADING_DLL:
        if (strncmp(m, "LdrLoadDll", 10) == 0) {
            /* a new request: the ones before it found nothing (on any
             * thread: XP names few threads, and tells them apart badly) */
            int rc = LDRSNAP_OK;
            for (ls_thread *o = p->threads; o && rc == LDRSNAP_OK;
                 o = o->proc_next)
                rc = ldrsnap__trace_xp_unfound(tr, o, true);
            if (rc == LDRSNAP_OK && rec->dll) {
                t->xp_req_line = rec->line;
                ls_renew(tr, &t->xp_req_text, &t->xp_req_text_cap,
                         rec->text);
                rc = ls_set_str(tr, &t->xp_req, &t->xp_req_cap, rec->dll);
            }
            return rc;
        }
        ldrsnap__trace_xp_found(tr, p, rec->dll);
        if (strstr(m, "DYNAMIC"))
            p->went_on_line = rec->line;
        return LDRSNAP_OK;
    case LDRSNAP_M_REFCOUNT:
        if (strncmp(m, "Refcount", 8) == 0) {
            ldrsnap__trace_xp_found(tr, p, rec->dll);
            p->went_on_line = rec->line;
        }
        return LDRSNAP_OK;
    case LDRSNAP_M_LOCATE_PROC:
        /* the program resolves procedures: its load worked */
        for (ls_thread *o = p->threads; o; o = o->proc_next)
            if (xp_req_pending(o))
                o->xp_req[0] = '\0';
        p->went_on_line = rec->line;
        return LDRSNAP_OK;
    case LDRSNAP_M_CALLING_INIT:
        p->went_on_line = rec->line;
        /* fall through */
    case LDRSNAP_M_SNAPPING:
    case LDRSNAP_M_INIT_FAILED:
    case LDRSNAP_M_UNLOADING_FAILED:
    case LDRSNAP_M_LOAD_FAILING:
    case LDRSNAP_M_SXS_PROBE_FAILED:
        ldrsnap__trace_xp_found(tr, p, rec->dll);
        return LDRSNAP_OK;
    default:
        return LDRSNAP_OK;
    }
}

/* ---- process boundaries ------------------------------------------------ */

/* "PID: 0x1a4 started - '...'" and "NEW PROCESS": a new process begins;
 * every XP line after it that names none is its. */
static int on_process_start(ls_trace *tr, const ldrsnap_record *rec)
{
    ls_proc *cur = tr->has_xp_pid ? ldrsnap__proc_find(tr, tr->xp_pid)
                                  : tr->anon;
    bool has_pid = (rec->flags & LDRSNAP_RF_PID) != 0;
    bool same = cur && (cur->xp_fresh || cur->nrecords == 0) &&
                (!has_pid || !cur->has_pid || cur->pid == rec->pid);
    if (cur && !same)
        ldrsnap__proc_end(tr, cur);
    if (has_pid) {
        ls_proc *old = ldrsnap__proc_find(tr, rec->pid);
        if (old && old != cur && old->nrecords)
            ldrsnap__proc_end(tr, old); /* the pid begins again */
        tr->xp_pid = rec->pid;
        tr->xp_tid = 0;
        tr->has_xp_pid = true;
    } else if (!same) {
        tr->has_xp_pid = false;
    }
    ls_proc *p = ls_proc_get(tr, rec->pid, has_pid);
    if (!p)
        return ls_no_proc(tr);
    p->xp_fresh = true;
    p->xp = true;
    p->nrecords++;
    p->last_line = rec->line;
    tr->n.xp_records++;
    if (rec->dll && !p->image)
        ls_replace(tr, &p->image, ldrsnap__basename(rec->dll));
    ldrsnap__trace_program(tr, rec->dll);
    return LDRSNAP_OK;
}

int ldrsnap__trace_xp(ls_trace *tr, const ldrsnap_record *rec)
{
    if (rec->msg == LDRSNAP_M_PROCESS_START)
        return on_process_start(tr, rec);
    ldrsnap__trace_xp_named(tr, rec);
    ls_proc *p =
        ls_proc_get(tr, rec->pid, (rec->flags & LDRSNAP_RF_PID) != 0);
    if (!p)
        return ls_no_proc(tr);
    bool has_tid = (rec->flags & LDRSNAP_RF_TID) || tr->has_xp_pid;
    uint32_t tid = (rec->flags & LDRSNAP_RF_TID) ? rec->tid : tr->xp_tid;
    ls_thread *t = ls_thread_get(tr, p, tid, has_tid);
    if (!t)
        return LDRSNAP_OK;
    tr->n.xp_records++;
    p->last_line = rec->line;
    p->xp_fresh = false;
    p->xp = true;
    p->nrecords++;
    int rc = xp_news(tr, p, t, rec);
    if (rc != LDRSNAP_OK)
        return rc;
    switch (rec->msg) {
    case LDRSNAP_M_LOADING_DLL:
        if (rec->message && strncmp(rec->message, "Loading (", 9) == 0)
            ldrsnap__module_seen(tr, p, rec->dll, 0, 0);
        return ls_replace(tr, &t->xp_loading, rec->dll);
    case LDRSNAP_M_CALLING_INIT:
        ldrsnap__module_seen(tr, p, rec->dll, 0, 0);
        if (rec->line > p->went_on_enter)
            p->went_on_enter = rec->line;
        return LDRSNAP_OK;
    case LDRSNAP_M_USED_BY:
    case LDRSNAP_M_SNAPPING: {
        ls_module *m = ldrsnap__module_get(tr, p, rec->dll);
        ldrsnap__module_set_parent(tr, p, m, rec->parent);
        return LDRSNAP_OK;
    }
    case LDRSNAP_M_UNINIT_LIST:
    case LDRSNAP_M_UNMAPPING:
        if (!p->teardown_line)
            p->teardown_line = rec->line;
        return LDRSNAP_OK;
    case LDRSNAP_M_UNINIT_ENTRY:
        ldrsnap__module_seen(tr, p, rec->dll_path, 0, 0);
        return LDRSNAP_OK;
    default:
        return on_xp_failure(tr, p, t, rec);
    }
}
