/*
 * trace_debugger.c - what a debugger host (cdb, WinDbg, Visual Studio)
 * adds to the loader's lines: ModLoad lines for the module map,
 * exceptions (sent to the sink as read, kept until the process is judged
 * when not benign), thread and program exits with their codes.
 */
#include <string.h>

#include "simd/simd.h"
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
    p->seen = true;
    int rc = LDRSNAP_OK;
    if (!benign)
        rc = keep_exception(tr, p, rec, e.dll);
    if (rc == LDRSNAP_OK)
        rc = tr->sink->exception(tr->sink->ctx, &e);
    return rc;
}

/* The process a line that names none belongs to (a ModLoad line, an
 * IDE module line): the one whose session is starting and has no pid yet,
 * else the XP stream's, else the one that printed last.  NULL: no memory,
 * or (tr->again) a process had to end first. */
static ls_proc *host_proc(ls_trace *tr)
{
    if (!tr->anon && !tr->has_xp_pid && tr->last_proc)
        return tr->last_proc;
    return ldrsnap__proc_get(tr, 0, false);
}

/* A debugging session begins (a debugger's CommandLine, or an IDE session
 * that loads its program): what printed before it has ended, and lines
 * that name no process belong to the new one. */
static void session_start(ls_trace *tr, bool all)
{
    if (all)
        ldrsnap__trace_end(tr);
    else if (tr->anon && tr->anon->nrecords)
        ldrsnap__proc_end(tr, tr->anon);
    tr->has_xp_pid = false;
    tr->last_proc = NULL;
}

/* Visual Studio's "'x.exe' (Win32): Loaded 'C:\...\x.exe'": the
 * program itself, loaded first in a session. */
static bool loads_its_program(const ldrsnap_record *rec, const char *b,
                              size_t n)
{
    return rec->image && n > 4 && b[n - 4] == '.' &&
           (b[n - 3] | 0x20) == 'e' && (b[n - 2] | 0x20) == 'x' &&
           (b[n - 1] | 0x20) == 'e' && ldrsnap__name_eq(b, rec->image);
}

/* An exit line: a consequence, never a failure of its own.  It confirms
 * a status (kept for what the process was in the middle of) and the
 * program's exit ends its process.  A thread id is looked up in the
 * process that printed last only, never in another one. */
static int on_exit_line(ls_trace *tr, const ldrsnap_record *rec)
{
    ls_proc *p = NULL;
    bool program = rec->msg == LDRSNAP_M_IDE_PROGRAM_EXIT;
    if (program && (rec->flags & LDRSNAP_RF_PID)) {
        p = ldrsnap__proc_find(tr, rec->pid);
        if (!p && tr->anon) { /* the decimal pid names it */
            p = ldrsnap__proc_get(tr, rec->pid, true);
            if (!p)
                return ls_no_proc(tr);
        }
    } else {
        p = tr->anon ? tr->anon : tr->last_proc;
        if (p && (rec->flags & LDRSNAP_RF_TID)) {
            bool mine = false;
            for (ls_thread *t = p->threads; t && !mine; t = t->proc_next)
                mine = t->has_tid && t->tid == rec->tid;
            if (!mine && p->nthreads > 0 && p->has_pid)
                p = NULL; /* a thread of no process we know */
        }
    }
    if (!p)
        return LDRSNAP_OK;
    p->seen = true;
    bool st = (rec->flags & LDRSNAP_RF_STATUS) != 0;
    if (st && ldrsnap__status_is_error(rec->status) && !p->has_exit) {
        p->exit_status = rec->status;
        p->has_exit = true;
    }
    if (program) {
        if (rec->image && !p->image)
            ls_replace(tr, &p->image, rec->image);
        if (!p->teardown_line)
            p->teardown_line = rec->line;
        if (st && rec->status == 0)
            p->exited_ok = true;
        ldrsnap__proc_end(tr, p);
    }
    return LDRSNAP_OK;
}

int ldrsnap__trace_ide(ls_trace *tr, const ldrsnap_record *rec)
{
    switch (rec->msg) {
    case LDRSNAP_M_IDE_LOADED: {
        /* the path's file name (b, n bytes), found once */
        size_t len = rec->dll_path ? strlen(rec->dll_path) : 0;
        const char *b =
            rec->dll_path ? ls_basename_n(rec->dll_path, len) : NULL;
        size_t n = b ? len - (size_t)(b - rec->dll_path) : 0;
        bool program = loads_its_program(rec, b, n);
        if (program)
            session_start(tr, false);
        ls_proc *p = host_proc(tr);
        if (!p)
            return ls_no_proc(tr);
        if (program) {
            ldrsnap__trace_program(tr, rec->image);
            if (!p->image)
                ls_replace(tr, &p->image, rec->image);
        }
        ldrsnap__module_seen_base(tr, p, rec->dll_path, b, n, 0, 0);
        return LDRSNAP_OK;
    }
    case LDRSNAP_M_IDE_THREAD_EXIT:
    case LDRSNAP_M_IDE_PROGRAM_EXIT:
        return on_exit_line(tr, rec);
    default:
        return LDRSNAP_OK;
    }
}

/* The program a debugger's CommandLine starts: the image of the process
 * its session begins with. */
static int command_line_image(ls_trace *tr, const char *cmd)
{
    if (!cmd || !*cmd)
        return LDRSNAP_OK;
    char exe[260];
    const char *s = cmd + (*cmd == '"');
    size_t n = 0;
    while (s[n] && n + 1 < sizeof exe &&
           (*cmd == '"' ? s[n] != '"' : s[n] != ' '))
        n++;
    memcpy(exe, s, n);
    exe[n] = '\0';
    ls_proc *p = ldrsnap__proc_get(tr, 0, false);
    if (!p)
        return ls_no_proc(tr);
    const char *b = ldrsnap__basename(exe);
    ldrsnap__trace_program(tr, b);
    return b && *b && !p->image ? ls_replace(tr, &p->image, b) : LDRSNAP_OK;
}

int ldrsnap__trace_debugger(ls_trace *tr, const ldrsnap_record *rec)
{
    if (rec->msg == LDRSNAP_M_MODLOAD) {
        ls_proc *p = host_proc(tr);
        if (!p)
            return ls_no_proc(tr);
        ldrsnap__module_seen(tr, p, rec->dll_path, rec->base, rec->end);
        ldrsnap__trace_xp_found(tr, p, rec->dll_path);
        return LDRSNAP_OK;
    }
    if (rec->msg == LDRSNAP_M_COMMAND_LINE) {
        session_start(tr, true);
        return command_line_image(tr, rec->symbol);
    }
    if (rec->msg == LDRSNAP_M_EXCEPTION && (rec->flags & LDRSNAP_RF_STATUS))
        return on_exception(tr, rec);
    return LDRSNAP_OK;
}
