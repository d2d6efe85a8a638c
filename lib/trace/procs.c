/*
 * procs.c - processes and threads: the live processes (at most
 * LS_MAX_PROCS, the least recently active one ended beyond), a table of
 * threads by pid and tid, and the lifetime of a process: live, ended and
 * queued for its verdict, released.
 */
#include <string.h>

#include "simd/simd.h"
#include "trace/trace_internal.h"

/* End the least recently active process to make room: the record that
 * needs the room is offered again once its verdict is given. */
static void evict_one(ls_trace *tr)
{
    size_t lru = 0;
    for (size_t i = 1; i < tr->nprocs; i++)
        if (tr->procs[i]->last_line < tr->procs[lru]->last_line)
            lru = i;
    ldrsnap__proc_end(tr, tr->procs[lru]);
    tr->again = true;
}

static ls_proc *proc_new(ls_trace *tr, uint32_t pid, bool has_pid)
{
    if (tr->nprocs >= LS_MAX_PROCS) {
        evict_one(tr);
        return NULL;
    }
    ls_proc *p = ldrsnap__calloc(&tr->al, sizeof *p);
    if (!p)
        return NULL;
    p->pid = pid;
    p->has_pid = has_pid;
    p->serial = ++tr->proc_serial;
    tr->procs[tr->nprocs++] = p;
    return p;
}

ls_proc *ldrsnap__proc_find(ls_trace *tr, uint32_t pid)
{
    if (tr->last_proc && tr->last_proc->has_pid && tr->last_proc->pid == pid)
        return tr->last_proc;
    for (size_t i = 0; i < tr->nprocs; i++)
        if (tr->procs[i]->has_pid && tr->procs[i]->pid == pid)
            return tr->last_proc = tr->procs[i];
    return NULL;
}

ls_proc *ldrsnap__proc_get(ls_trace *tr, uint32_t pid, bool has_pid)
{
    if (!has_pid) {
        if (tr->has_xp_pid)
            return ldrsnap__proc_get(tr, tr->xp_pid, true);
        if (!tr->anon)
            tr->anon = proc_new(tr, 0, false);
        return tr->anon;
    }
    ls_proc *p = ldrsnap__proc_find(tr, pid);
    if (p)
        return p;
    if (tr->anon && !tr->anon->has_pid) {
        tr->anon->pid = pid;
        tr->anon->has_pid = true;
        p = tr->anon;
        tr->anon = NULL;
        return tr->last_proc = p;
    }
    return tr->last_proc = proc_new(tr, pid, true);
}

static uint64_t thread_key(uint32_t pid, uint32_t tid)
{
    return ((uint64_t)pid << 32) | tid;
}

static size_t key_slot(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= LS_MIX64;
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static int threads_grow(ls_trace *tr)
{
    size_t cap = tr->thread_cap ? tr->thread_cap * 2 : 64;
    ls_thread **n = ldrsnap__calloc(&tr->al, cap * sizeof *n);
    if (!n)
        return LDRSNAP_ENOMEM;
    for (size_t i = 0; i < tr->thread_cap; i++) {
        ls_thread *t = tr->threads[i];
        if (!t)
            continue;
        size_t j = key_slot(thread_key(t->pid, t->tid), cap);
        while (n[j])
            j = (j + 1) & (cap - 1);
        n[j] = t;
    }
    ldrsnap__free(&tr->al, tr->threads);
    tr->threads = n;
    tr->thread_cap = cap;
    return LDRSNAP_OK;
}

/* A new thread: a kept one when there is one (its frames and their
 * buffers kept, every other member as calloc() leaves it), else a new
 * block. */
static ls_thread *thread_new(ls_trace *tr)
{
    ls_thread *t = tr->spare;
    if (!t)
        return ldrsnap__calloc(&tr->al, sizeof *t);
    tr->spare = t->proc_next;
    tr->nspare--;
    t->proc_next = NULL;
    return t;
}

ls_thread *ldrsnap__thread_get(ls_trace *tr, ls_proc *p, uint32_t tid,
                               bool has_tid)
{
    uint32_t pid = p->has_pid ? p->pid : 0xFFFFFFFFu;
    if (!has_tid)
        tid = 0xFFFFFFFFu;
    ls_thread *t = tr->last_thread;
    if (t && t->proc == p && t->tid == tid)
        return t;
    /* the one before, when the table would give it: under this key (a
     * process whose pid came late keeps its threads' first keys) */
    ls_thread *prev = tr->prev_thread;
    tr->prev_thread = t;
    if (prev && prev->proc == p && prev->tid == tid && prev->pid == pid)
        return tr->last_thread = prev;
    uint64_t k = thread_key(pid, tid);
    if (tr->thread_cap) {
        for (size_t i = key_slot(k, tr->thread_cap); tr->threads[i];
             i = (i + 1) & (tr->thread_cap - 1)) {
            t = tr->threads[i];
            if (t->proc == p && t->tid == tid)
                return tr->last_thread = t;
        }
    }
    if (tr->nthreads >= LS_MAX_THREADS)
        return NULL;
    if ((tr->nthreads + 1) * 2 > tr->thread_cap && threads_grow(tr) < 0)
        return NULL;
    t = thread_new(tr);
    if (!t)
        return NULL;
    t->pid = pid, t->tid = tid, t->has_tid = has_tid, t->proc = p;
    *(p->threads_end ? p->threads_end : &p->threads) = t;
    p->threads_end = &t->proc_next;
    size_t i = key_slot(k, tr->thread_cap);
    while (tr->threads[i])
        i = (i + 1) & (tr->thread_cap - 1);
    tr->threads[i] = t;
    tr->nthreads++;
    p->nthreads++;
    return tr->last_thread = t;
}

/* The strings a thread owns besides its frames'. */
static void thread_strings_free(ls_trace *tr, ls_thread *t)
{
    ldrsnap__free(&tr->al, t->init_dll);
    ldrsnap__free(&tr->al, t->init_text);
    ldrsnap__free(&tr->al, t->probe_dll);
    ldrsnap__free(&tr->al, t->probe_text);
    ldrsnap__free(&tr->al, t->nto_symbol);
    ldrsnap__free(&tr->al, t->xp_loading);
    ldrsnap__free(&tr->al, t->xp_req);
    ldrsnap__free(&tr->al, t->xp_req_text);
}

/* The threads of released processes are kept for new ones with their
 * frames (a new thread grows the same frames and copies names of the same
 * lengths into them: a few blocks of the pool, and their clearing, each),
 * LS_SPARE_THREADS of them, their frames' names of LS_SPARE_STR bytes at
 * most: what they keep stays small whatever the log. */
#define LS_SPARE_THREADS 8
#define LS_SPARE_STR 256

/* Keep t for a new thread, or free it. */
static void thread_retire(ls_trace *tr, ls_thread *t)
{
    if (tr->no_spare || tr->nspare >= LS_SPARE_THREADS) {
        ldrsnap__thread_free(tr, t);
        return;
    }
    thread_strings_free(tr, t);
    ls_frame *fs = t->frames;
    size_t cap = t->frames_cap;
    for (size_t i = 0; i < cap; i++) {
        if (fs[i].dll_cap > LS_SPARE_STR) {
            ldrsnap__free(&tr->al, fs[i].dll);
            fs[i].dll = NULL;
            fs[i].dll_cap = 0;
        }
        if (fs[i].fail_cap > LS_SPARE_STR) {
            ldrsnap__free(&tr->al, fs[i].fail_dll);
            fs[i].fail_dll = NULL;
            fs[i].fail_cap = 0;
        }
    }
    ls_clear(t, sizeof *t);
    t->frames = fs;
    t->frames_cap = cap;
    t->proc_next = tr->spare;
    tr->spare = t;
    tr->nspare++;
}

void ldrsnap__threads_spare_free(ls_trace *tr)
{
    for (ls_thread *t = tr->spare, *next; t; t = next) {
        next = t->proc_next;
        ldrsnap__thread_free(tr, t);
    }
    tr->spare = NULL;
    tr->nspare = 0;
}

void ldrsnap__thread_free(ls_trace *tr, ls_thread *t)
{
    for (size_t i = 0; i < t->frames_cap; i++) {
        ldrsnap__free(&tr->al, t->frames[i].dll);
        ldrsnap__free(&tr->al, t->frames[i].fail_dll);
    }
    ldrsnap__free(&tr->al, t->frames);
    thread_strings_free(tr, t);
    ldrsnap__free(&tr->al, t);
}

/* Take t out of the table: linear probing with backward-shift deletion,
 * so that every other thread stays reachable from its home slot. */
static void thread_unslot(ls_trace *tr, const ls_thread *t)
{
    size_t mask = tr->thread_cap - 1;
    size_t i = key_slot(thread_key(t->pid, t->tid), tr->thread_cap);
    while (tr->threads[i] != t)
        i = (i + 1) & mask;
    tr->threads[i] = NULL;
    for (size_t j = (i + 1) & mask; tr->threads[j]; j = (j + 1) & mask) {
        ls_thread *o = tr->threads[j];
        size_t home = key_slot(thread_key(o->pid, o->tid), tr->thread_cap);
        /* o stays unless its home lies cyclically outside (i, j] */
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            tr->threads[i] = o;
            tr->threads[j] = NULL;
            i = j;
        }
    }
    tr->nthreads--;
}

/* Free the threads of a process: its own list, not the whole table. */
static void threads_drop(ls_trace *tr, ls_proc *p)
{
    if (tr->last_thread && tr->last_thread->proc == p)
        tr->last_thread = NULL;
    if (tr->prev_thread && tr->prev_thread->proc == p)
        tr->prev_thread = NULL;
    for (ls_thread *t = p->threads, *next; t; t = next) {
        next = t->proc_next;
        thread_unslot(tr, t);
        thread_retire(tr, t);
    }
    p->threads = NULL;
    p->threads_end = NULL;
}

/* A pid re-keyed from "none" keeps its threads' keys stale: find by scan,
 * the oldest live process first, each one's threads by age. */
ls_thread *ldrsnap__thread_by_tid(ls_trace *tr, uint32_t tid)
{
    for (size_t i = 0; i < tr->nprocs; i++)
        for (ls_thread *t = tr->procs[i]->threads; t; t = t->proc_next)
            if (t->has_tid && t->tid == tid)
                return t;
    return NULL;
}


/* ---- lifetimes -------------------------------------------------------- */

void ldrsnap__proc_end(ls_trace *tr, ls_proc *p)
{
    /* a process is counted once it printed something of its own: not one
     * that only a debugger's module lines made */
    if (p->nrecords || p->seen)
        tr->n.procs_seen++;
    for (size_t i = 0; i < tr->nprocs; i++) {
        if (tr->procs[i] == p) {
            memmove(&tr->procs[i], &tr->procs[i + 1],
                    (tr->nprocs - i - 1) * sizeof *tr->procs);
            tr->nprocs--;
            break;
        }
    }
    if (tr->last_proc == p)
        tr->last_proc = NULL;
    if (tr->anon == p)
        tr->anon = NULL;
    p->ended_next = NULL;
    *(tr->q.ended_tail ? &tr->q.ended_tail->ended_next : &tr->q.ended_head) = p;
    tr->q.ended_tail = p;
}

void ldrsnap__trace_end(ls_trace *tr)
{
    while (tr->nprocs)
        ldrsnap__proc_end(tr, tr->procs[0]);
}

ls_proc *ldrsnap__trace_ended(ls_trace *tr)
{
    ls_proc *p = tr->q.ended_head;
    if (p && !(tr->q.ended_head = p->ended_next))
        tr->q.ended_tail = NULL;
    return p;
}

void ldrsnap__trace_release(ls_trace *tr, ls_proc *p)
{
    if (!p)
        return;
    threads_drop(tr, p);
    for (size_t j = 0; j < p->nexc; j++) {
        ldrsnap__free(&tr->al, p->exc[j].text);
        ldrsnap__free(&tr->al, p->exc[j].dll);
    }
    ldrsnap__free(&tr->al, p->exc);
    for (size_t j = 0; j < p->nfails; j++)
        ldrsnap__fail_free(&tr->al, p->fails[j]);
    ldrsnap__free(&tr->al, p->fails);
    ldrsnap__free(&tr->al, p->image);
    ldrsnap__free(&tr->al, p->based);
    ldrsnap__free(&tr->al, p);
}
