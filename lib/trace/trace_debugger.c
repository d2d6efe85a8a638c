/*
 * trace_debugger.c - what a debugger host (cdb, WinDbg, Visual Studio)
 * adds to the loader's lines: ModLoad lines for the module map,
 * exceptions (sent to the sink as read, kept until the process is judged
 * when not benign), thread and program exits with their codes.
 */
#include <string.h>

#include "trace/trace_internal.h"

static const char *thread_context_dll(const ls_thread *t)
{
    if (!t)
        return NULL;
    if (ls_init_pending(t))
        return t->init_dll;
    for (size_t i = t->depth; i > 0; i--)
        if (ls_nonempty(t->frames[i - 1].dll))
            return t->frames[i - 1].dll;
    return ls_nonempty(t->xp_loading);
}

static int keep_exception(ls_trace *tr, ls_proc *p,
                          const ldrsnap_record *rec, const char *dll)
{
    if (p->nexc == p->exc_cap) {
        size_t cap = p->exc_cap ? p->exc_cap * 2 : 8;
        if (cap > 4096)
            return LDRSNAP_OK;
        ls_exc *n = ldrsnap__realloc(&tr->al, p->exc, cap * sizeof *n);
        if (!n)
            return LDRSNAP_ENOMEM;
        p->exc = n;
        p->exc_cap = cap;
    }
    ls_exc *e = &p->exc[p->nexc++];
    memset(e, 0, sizeof *e);
    e->line = rec->line;
    e->code = rec->status;
    e->second = (rec->flags & LDRSNAP_RF_SECOND_CHANCE) != 0;
    e->tid = rec->tid;
    e->text = ldrsnap__strdup(&tr->al, rec->text);
    e->dll = dll ? ldrsnap__strdup(&tr->al, dll) : NULL;
    return LDRSNAP_OK;
}

static int on_exception(ls_trace *tr, const ldrsnap_record *rec)
{
    ldrsnap__trace_xp_named(tr, rec);
    ls_proc *p = ldrsnap__proc_get(tr, rec->pid, true);
    if (!p)
        return ls_no_proc(tr);
    ls_thread *t = ldrsnap__thread_get(tr, p, rec->tid, true);
    const char *dll = thread_context_dll(t);
    ldrsnap_exception e;
    memset(&e, 0, sizeof e);
    e.line = rec->line;
    e.pid = rec->pid;
    e.tid = rec->tid;
    e.flags = LDRSNAP_FF_PID | LDRSNAP_FF_TID |
              ((rec->flags & LDRSNAP_RF_SECOND_CHANCE)
                   ? LDRSNAP_FF_SECOND_CHANCE
                   : 0);
    bool benign = ldrsnap__exception_is_benign(rec->status);
    if (benign)
        e.flags |= LDRSNAP_FF_BENIGN;
    e.code = rec->status;
    e.code_name = ldrsnap__exception_name(rec->status);
    e.description = rec->symbol;
    e.dll = dll ? ldrsnap__basename(dll) : NULL;
    e.text = rec->text;
    tr->n.exceptions++;
    p->last_line = rec->line;
    int rc = LDRSNAP_OK;
    if (!benign)
        rc = keep_exception(tr, p, rec, e.dll);
    if (rc == LDRSNAP_OK)
        rc = tr->sink->exception(tr->sink->ctx, &e);
    return rc;
}

static ls_proc *ide_proc(ls_trace *tr, const ldrsnap_record *rec,
                         ls_thread **t)
{
    *t = NULL;
    if (rec->msg == LDRSNAP_M_IDE_PROGRAM_EXIT && (rec->flags & LDRSNAP_RF_PID))
        return ldrsnap__proc_get(tr, rec->pid, true);
    if (rec->flags & LDRSNAP_RF_TID) {
        *t = ldrsnap__thread_by_tid(tr, rec->tid);
        if (*t)
            return (*t)->proc;
    }
    return tr->nprocs ? tr->procs[tr->nprocs - 1]
                      : ldrsnap__proc_get(tr, 0, false);
}

static int on_ide(ls_trace *tr, const ldrsnap_record *rec)
{
    if (rec->msg == LDRSNAP_M_IDE_LOADED) {
        ldrsnap__module_seen(tr, rec->dll_path, 0, 0);
        return LDRSNAP_OK;
    }
    if (rec->msg != LDRSNAP_M_IDE_THREAD_EXIT &&
        rec->msg != LDRSNAP_M_IDE_PROGRAM_EXIT)
        return LDRSNAP_OK;
    ls_thread *t;
    ls_proc *p = ide_proc(tr, rec, &t);
    if (!p)
        return ls_no_proc(tr);
    if (rec->msg == LDRSNAP_M_IDE_PROGRAM_EXIT) {
        if (rec->image && !p->image)
            ls_replace(tr, &p->image, rec->image);
        if (!p->teardown_line)
            p->teardown_line = rec->line;
    }
    if (!(rec->flags & LDRSNAP_RF_STATUS) ||
        !ldrsnap__status_is_error(rec->status))
        return LDRSNAP_OK;
    return ldrsnap__fail_process(tr, p, t, rec,
                                 ldrsnap_status_kind(rec->status),
                                 LS_T_PROCESS,
                                 rec->msg == LDRSNAP_M_IDE_PROGRAM_EXIT
                                     ? "the program exited with this code"
                                     : "a thread exited with this code");
}

/* The program's exit ends the process: its verdict can be given. */
int ldrsnap__trace_ide(ls_trace *tr, const ldrsnap_record *rec)
{
    int rc = on_ide(tr, rec);
    if (rc == LDRSNAP_OK && rec->msg == LDRSNAP_M_IDE_PROGRAM_EXIT &&
        (rec->flags & LDRSNAP_RF_PID)) {
        ls_proc *p = ldrsnap__proc_find(tr, rec->pid);
        if (p)
            ldrsnap__proc_end(tr, p);
    }
    return rc;
}

int ldrsnap__trace_debugger(ls_trace *tr, const ldrsnap_record *rec)
{
    if (rec->msg == LDRSNAP_M_MODLOAD) {
        ldrsnap__module_seen(tr, rec->dll_path, rec->base, rec->end);
        return LDRSNAP_OK;
    }
    if (rec->msg == LDRSNAP_M_EXCEPTION && (rec->flags & LDRSNAP_RF_STATUS))
        return on_exception(tr, rec);
    return LDRSNAP_OK;
}
