/*
 * trace.c - per-process, per-thread loader state, and the failures it
 * turns up.
 *
 * Attribution is by thread, never by "the line before": Windows 10+ loads
 * on parallel worker threads whose lines interleave.  Each thread keeps a
 * stack of ENTER frames matched by RETURNs (tolerating RETURNs whose ENTER
 * was cut off and ENTERs whose RETURN never came), the DllMain it is
 * running, and the DLL whose directories it is probing.  A module map
 * (name, path, base) from ModLoad, map, init and parent lines names the
 * exporter that LdrpNameToOrdinal gives only by address.
 *
 * Noise (probe misses) is reported at once; every other failure waits in a
 * list for verdict.c, which needs the whole process to tell a root cause
 * from its consequences and from what the program handled.
 */
#include <stdio.h>
#include <string.h>

#include "analyzer_internal.h"

/* ---- strings ------------------------------------------------------------ */

/* Copy s, of n bytes, into *dst, reusing its buffer when it is large
 * enough. */
static int set_strn(ldrsnap_analyzer *a, char **dst, size_t *cap,
                    const char *s, size_t n)
{
    if (n + 1 > *cap) {
        char *p = ldrsnap__realloc(&a->al, *dst, n + 1);
        if (!p)
            return LDRSNAP_ENOMEM;
        *dst = p;
        *cap = n + 1;
    }
    memcpy(*dst, s, n);
    (*dst)[n] = '\0';
    return LDRSNAP_OK;
}

/* Copy s into *dst likewise; NULL empties it. */
static int set_str(ldrsnap_analyzer *a, char **dst, size_t *cap,
                   const char *s)
{
    if (!s) {
        if (*dst)
            (*dst)[0] = '\0';
        return LDRSNAP_OK;
    }
    return set_strn(a, dst, cap, s, strlen(s));
}

/* Replace an owned string kept with its capacity: the buffer is reused;
 * NULL frees it. */
static void renew(ldrsnap_analyzer *a, char **dst, size_t *cap, const char *s)
{
    if (s) {
        set_str(a, dst, cap, s);
        return;
    }
    ldrsnap__free(&a->al, *dst);
    *dst = NULL;
    *cap = 0;
}

/* Replace an owned string (no capacity tracking: rarely changed). */
static int replace(ldrsnap_analyzer *a, char **dst, const char *s)
{
    char *n = NULL;
    if (s && !(n = ldrsnap__strdup(&a->al, s)))
        return LDRSNAP_ENOMEM;
    ldrsnap__free(&a->al, *dst);
    *dst = n;
    return LDRSNAP_OK;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* ---- module map ----------------------------------------------------------- */

/* A hash of a file name without case (ASCII), never 0: eight bytes at a
 * time, each word folded to lower case first. */
static uint32_t name_hash(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t h = n * 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        if (n - i >= 8)
            memcpy(&w, s + i, 8);
        else /* the tail, as the low bytes of a little-endian load */
            for (size_t k = 0; k < n - i; k++)
                w |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
        /* 0x20 into each byte in 'A'..'Z' (bytes below 0x80; others keep
         * their value, whatever the fold does to them, on every call) */
        uint64_t lo = w & 0x7F7F7F7F7F7F7F7FULL;
        uint64_t ge_a = (lo + (0x80 - 'A') * ones) & ~w;
        uint64_t gt_z = (lo + (0x7F - 'Z') * ones) & ~w;
        w |= ((ge_a & ~gt_z) & (0x80 * ones)) >> 2;
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 29;
    }
    uint32_t r = (uint32_t)(h ^ (h >> 32));
    return r ? r : 1;
}

/* The module of file name b (n bytes, hash h), or NULL. */
static ls_module *module_find_base(ldrsnap_analyzer *a, const char *b,
                                   uint32_t h)
{
    if (!a->mod_cap)
        return NULL;
    for (size_t i = h & (a->mod_cap - 1);; i = (i + 1) & (a->mod_cap - 1)) {
        ls_module *m = &a->mods[i];
        if (!m->hash)
            return NULL;
        if (m->hash == h && ldrsnap__name_eq(m->name, b))
            return m;
    }
}

ls_module *ldrsnap__module_find(ldrsnap_analyzer *a, const char *name)
{
    if (!a->mod_cap || !name)
        return NULL;
    const char *b = ldrsnap__basename(name);
    return module_find_base(a, b, name_hash(b, strlen(b)));
}

static int module_grow(ldrsnap_analyzer *a)
{
    size_t cap = a->mod_cap ? a->mod_cap * 2 : 256;
    ls_module *n = ldrsnap__calloc(&a->al, cap * sizeof *n);
    if (!n)
        return LDRSNAP_ENOMEM;
    for (size_t i = 0; i < a->mod_cap; i++) {
        ls_module *m = &a->mods[i];
        if (!m->hash)
            continue;
        size_t j = m->hash & (cap - 1);
        while (n[j].hash)
            j = (j + 1) & (cap - 1);
        n[j] = *m;
    }
    ldrsnap__free(&a->al, a->mods);
    a->mods = n;
    a->mod_cap = cap;
    return LDRSNAP_OK;
}

/* Find or add a module by name or path, whose file name b (n bytes) the
 * caller found; NULL when the map is full. */
static ls_module *module_get_base(ldrsnap_analyzer *a, const char *name,
                                  const char *b, size_t n)
{
    if (!nonempty(name))
        return NULL;
    uint32_t h = name_hash(b, n);
    ls_module *m = module_find_base(a, b, h);
    if (m)
        return m;
    if (a->nmods >= LS_MAX_MODULES)
        return NULL;
    if ((a->nmods + 1) * 2 > a->mod_cap && module_grow(a) < 0)
        return NULL;
    size_t i = h & (a->mod_cap - 1);
    while (a->mods[i].hash)
        i = (i + 1) & (a->mod_cap - 1);
    m = &a->mods[i];
    if (!(m->name = ldrsnap__strdup(&a->al, b)))
        return NULL;
    m->hash = h;
    a->nmods++;
    return m;
}

static ls_module *module_get(ldrsnap_analyzer *a, const char *name)
{
    const char *b = ldrsnap__basename(name);
    return module_get_base(a, name, b, b ? strlen(b) : 0);
}

/* Note a module that exists (seen mapped or loaded), whose file name b
 * (n bytes) the caller found: its path when the name is one, its range. */
static void module_seen_base(ldrsnap_analyzer *a, const char *name,
                             const char *b, size_t n, uint64_t base,
                             uint64_t end)
{
    ls_module *m = module_get_base(a, name, b, n);
    if (!m)
        return;
    if (!m->path && b != name)
        m->path = ldrsnap__strdup(&a->al, name);
    m->present = true;
    if (base) {
        m->base = base, m->end = end, m->has_base = true;
    }
}

static void module_seen(ldrsnap_analyzer *a, const char *name, uint64_t base,
                        uint64_t end)
{
    const char *b = ldrsnap__basename(name);
    module_seen_base(a, name, b, b ? strlen(b) : 0, base, end);
}

static const ls_module *module_at(const ldrsnap_analyzer *a, uint64_t addr)
{
    for (size_t i = 0; i < a->mod_cap; i++) {
        const ls_module *m = &a->mods[i];
        if (m->hash && m->has_base &&
            (addr == m->base || (addr > m->base && addr < m->end)))
            return m;
    }
    return NULL;
}

/* ---- processes and threads ---------------------------------------------- */

/* Finalize the least recently active process to make room. */
static int evict_one(ldrsnap_analyzer *a)
{
    size_t lru = 0;
    for (size_t i = 1; i < a->nprocs; i++)
        if (a->procs[i]->last_line < a->procs[lru]->last_line)
            lru = i;
    return ldrsnap__proc_finalize(a, a->procs[lru]);
}

static ls_proc *proc_new(ldrsnap_analyzer *a, uint32_t pid, bool has_pid)
{
    if (a->nprocs >= LS_MAX_PROCS && evict_one(a) < 0)
        return NULL;
    ls_proc *p = ldrsnap__calloc(&a->al, sizeof *p);
    if (!p)
        return NULL;
    p->pid = pid;
    p->has_pid = has_pid;
    a->procs[a->nprocs++] = p;
    a->procs_seen++;
    return p;
}

static ls_proc *proc_find(ldrsnap_analyzer *a, uint32_t pid)
{
    if (a->last_proc && a->last_proc->has_pid && a->last_proc->pid == pid)
        return a->last_proc;
    for (size_t i = 0; i < a->nprocs; i++)
        if (a->procs[i]->has_pid && a->procs[i]->pid == pid)
            return a->last_proc = a->procs[i];
    return NULL;
}

/* The process with this pid; lines that named no pid so far belong to it
 * once the first pid of that stream shows up. */
static ls_proc *proc_get(ldrsnap_analyzer *a, uint32_t pid, bool has_pid)
{
    if (!has_pid) {
        if (a->has_xp_pid)
            return proc_get(a, a->xp_pid, true);
        if (!a->anon)
            a->anon = proc_new(a, 0, false);
        return a->anon;
    }
    ls_proc *p = proc_find(a, pid);
    if (p)
        return p;
    if (a->anon && !a->anon->has_pid) {
        a->anon->pid = pid;
        a->anon->has_pid = true;
        p = a->anon;
        a->anon = NULL;
        return a->last_proc = p;
    }
    return a->last_proc = proc_new(a, pid, true);
}

/* Remove a finalized process from the live list. */
void ldrsnap__proc_free(ldrsnap_analyzer *a, ls_proc *p)
{
    for (size_t i = 0; i < a->nprocs; i++) {
        if (a->procs[i] == p) {
            memmove(&a->procs[i], &a->procs[i + 1],
                    (a->nprocs - i - 1) * sizeof *a->procs);
            a->nprocs--;
            break;
        }
    }
    if (a->last_proc == p)
        a->last_proc = NULL;
    if (a->anon == p)
        a->anon = NULL;
    ldrsnap__threads_drop(a, p);
    for (size_t j = 0; j < p->nexc; j++) {
        ldrsnap__free(&a->al, p->exc[j].text);
        ldrsnap__free(&a->al, p->exc[j].dll);
    }
    ldrsnap__free(&a->al, p->exc);
    for (size_t j = 0; j < p->nfails; j++)
        ldrsnap__fail_free(a, p->fails[j]);
    ldrsnap__free(&a->al, p->fails);
    ldrsnap__free(&a->al, p->image);
    ldrsnap__free(&a->al, p);
}

static uint64_t thread_key(uint32_t pid, uint32_t tid)
{
    return ((uint64_t)pid << 32) | tid;
}

static size_t key_slot(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static int threads_grow(ldrsnap_analyzer *a)
{
    size_t cap = a->thread_cap ? a->thread_cap * 2 : 64;
    ls_thread **n = ldrsnap__calloc(&a->al, cap * sizeof *n);
    if (!n)
        return LDRSNAP_ENOMEM;
    for (size_t i = 0; i < a->thread_cap; i++) {
        ls_thread *t = a->threads[i];
        if (!t)
            continue;
        size_t j = key_slot(thread_key(t->pid, t->tid), cap);
        while (n[j])
            j = (j + 1) & (cap - 1);
        n[j] = t;
    }
    ldrsnap__free(&a->al, a->threads);
    a->threads = n;
    a->thread_cap = cap;
    return LDRSNAP_OK;
}

static ls_thread *thread_get(ldrsnap_analyzer *a, ls_proc *p, uint32_t tid,
                             bool has_tid)
{
    uint32_t pid = p->has_pid ? p->pid : 0xFFFFFFFFu;
    if (!has_tid)
        tid = 0xFFFFFFFFu;
    ls_thread *t = a->last_thread;
    if (t && t->proc == p && t->tid == tid)
        return t;
    uint64_t k = thread_key(pid, tid);
    if (a->thread_cap) {
        for (size_t i = key_slot(k, a->thread_cap); a->threads[i];
             i = (i + 1) & (a->thread_cap - 1)) {
            t = a->threads[i];
            if (t->proc == p && t->tid == tid)
                return a->last_thread = t;
        }
    }
    if (a->nthreads >= LS_MAX_THREADS)
        return NULL;
    if ((a->nthreads + 1) * 2 > a->thread_cap && threads_grow(a) < 0)
        return NULL;
    t = ldrsnap__calloc(&a->al, sizeof *t);
    if (!t)
        return NULL;
    t->pid = pid, t->tid = tid, t->has_tid = has_tid, t->proc = p;
    *(p->threads_end ? p->threads_end : &p->threads) = t;
    p->threads_end = &t->proc_next;
    size_t i = key_slot(k, a->thread_cap);
    while (a->threads[i])
        i = (i + 1) & (a->thread_cap - 1);
    a->threads[i] = t;
    a->nthreads++;
    p->nthreads++;
    return a->last_thread = t;
}

static void free_thread(ldrsnap_analyzer *a, ls_thread *t);

/* Take t out of the table: linear probing with backward-shift deletion,
 * so that every other thread stays reachable from its home slot. */
static void thread_unslot(ldrsnap_analyzer *a, const ls_thread *t)
{
    size_t mask = a->thread_cap - 1;
    size_t i = key_slot(thread_key(t->pid, t->tid), a->thread_cap);
    while (a->threads[i] != t)
        i = (i + 1) & mask;
    a->threads[i] = NULL;
    for (size_t j = (i + 1) & mask; a->threads[j]; j = (j + 1) & mask) {
        ls_thread *o = a->threads[j];
        size_t home = key_slot(thread_key(o->pid, o->tid), a->thread_cap);
        /* o stays unless its home lies cyclically outside (i, j] */
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            a->threads[i] = o;
            a->threads[j] = NULL;
            i = j;
        }
    }
    a->nthreads--;
}

/* Free the threads of a process: its own list, not the whole table. */
void ldrsnap__threads_drop(ldrsnap_analyzer *a, ls_proc *p)
{
    if (a->last_thread && a->last_thread->proc == p)
        a->last_thread = NULL;
    for (ls_thread *t = p->threads, *next; t; t = next) {
        next = t->proc_next;
        thread_unslot(a, t);
        free_thread(a, t);
    }
    p->threads = NULL;
    p->threads_end = NULL;
}

/* A pid re-keyed from "none" keeps its threads' keys stale: find by scan,
 * the oldest live process first, each one's threads by age. */
static ls_thread *thread_by_tid(ldrsnap_analyzer *a, uint32_t tid)
{
    for (size_t i = 0; i < a->nprocs; i++)
        for (ls_thread *t = a->procs[i]->threads; t; t = t->proc_next)
            if (t->has_tid && t->tid == tid)
                return t;
    return NULL;
}

/* ---- chains ------------------------------------------------------------- */

typedef struct chain_b {
    const char *item[LS_MAX_CHAIN * 2];
    size_t n;
} chain_b;

static void chain_add(chain_b *c, const char *name)
{
    if (!nonempty(name) || c->n >= sizeof c->item / sizeof c->item[0])
        return;
    const char *b = ldrsnap__basename(name);
    for (size_t i = 0; i < c->n; i++)
        if (ldrsnap__name_eq(c->item[i], b))
            return;
    c->item[c->n++] = b;
}

static void chain_frames(chain_b *c, const ls_thread *t, size_t upto)
{
    for (size_t i = 0; t && i < upto && i < t->depth; i++)
        if (!(t->frames[i].fflags & LS_FN_PROBE))
            chain_add(c, t->frames[i].dll);
}

/* The frames of another thread of the process that is loading `parent`,
 * up to and including that frame: the requesting thread of a worker. */
static bool chain_requester(chain_b *c,
                            const ls_proc *p, const char *parent)
{
    const char *pb = ldrsnap__basename(parent);
    for (const ls_thread *o = p->threads; o; o = o->proc_next) {
        for (size_t d = 0; d < o->depth; d++) {
            if (o->frames[d].dll &&
                ldrsnap__name_eq(ldrsnap__basename(o->frames[d].dll), pb)) {
                chain_frames(c, o, d + 1);
                return true;
            }
        }
    }
    return false;
}

static void chain_ancestors(ldrsnap_analyzer *a, chain_b *c,
                            const char *parent)
{
    const char *up[8];
    size_t n = 0;
    const ls_module *m = ldrsnap__module_find(a, parent);
    while (m && m->parent && n < 8) {
        up[n++] = m->parent;
        m = ldrsnap__module_find(a, m->parent);
    }
    while (n)
        chain_add(c, up[--n]);
}

static void build_chain(ldrsnap_analyzer *a, ls_fail *f, const ls_thread *t,
                        const char *dll, const char *parent)
{
    chain_b c = {{0}, 0};
    const ls_proc *p = f->proc;
    chain_add(&c, p ? p->image : NULL);
    if (parent) {
        if (!chain_requester(&c, p, parent))
            chain_ancestors(a, &c, parent);
        chain_add(&c, parent);
    }
    else if (dll)
        chain_ancestors(a, &c, dll); /* "X used by Y" said who needs it */
    chain_frames(&c, t, t ? t->depth : 0);
    chain_add(&c, dll);
    size_t skip = c.n > LS_MAX_CHAIN ? c.n - LS_MAX_CHAIN : 0;
    for (size_t i = skip; i < c.n; i++) {
        char *s = ldrsnap__strdup(&a->al, c.item[i]);
        if (!s)
            break;
        f->chain_store[f->pub.chain_len] = s;
        f->chain[f->pub.chain_len++] = s;
    }
    f->pub.chain = f->chain;
}

/* ---- failures ------------------------------------------------------------- */

typedef struct fail_spec {
    ldrsnap_kind kind;
    enum ls_tier tier;
    const char *dll, *dll_path, *parent, *symbol, *note;
    bool has_status;
    uint32_t status;
} fail_spec;

static const char *keep(ldrsnap_analyzer *a, ls_fail *f, int slot,
                        const char *s)
{
    if (!nonempty(s))
        return NULL;
    f->strings[slot] = ldrsnap__strdup(&a->al, s);
    return f->strings[slot];
}

static ls_fail *add_fail(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                         const ldrsnap_record *rec, const fail_spec *s)
{
    a->total_failures++;
    if (p->nfails >= LS_MAX_FAILURES) {
        a->dropped++;
        return NULL;
    }
    if (p->nfails == p->fails_cap) {
        size_t cap = p->fails_cap ? p->fails_cap * 2 : 16;
        ls_fail **n = ldrsnap__realloc(&a->al, p->fails, cap * sizeof *n);
        if (!n)
            return NULL;
        p->fails = n;
        p->fails_cap = cap;
    }
    ls_fail *f = ldrsnap__calloc(&a->al, sizeof *f);
    if (!f)
        return NULL;
    f->seq = a->fail_seq++;
    f->proc = p;
    f->tier = s->tier;
    f->pub.line = rec->line;
    f->pub.kind = s->kind;
    f->pub.role = LDRSNAP_ROLE_CONSEQUENCE;
    if (p && p->has_pid) {
        f->pub.pid = p->pid;
        f->pub.flags |= LDRSNAP_FF_PID;
    }
    if (t && t->has_tid) {
        f->pub.tid = t->tid;
        f->pub.flags |= LDRSNAP_FF_TID;
    }
    if (s->has_status) {
        f->pub.status = s->status;
        f->pub.status_name = ldrsnap_status_name(s->status);
        f->pub.flags |= LDRSNAP_FF_STATUS;
    }
    f->pub.dll = keep(a, f, 0, s->dll);
    f->pub.dll_path = keep(a, f, 1, s->dll_path);
    f->pub.parent = keep(a, f, 2, s->parent);
    f->pub.symbol = keep(a, f, 3, s->symbol);
    f->pub.text = keep(a, f, 4, rec->text);
    f->pub.note = keep(a, f, 5, s->note);
    build_chain(a, f, t, s->dll, s->parent);
    p->fails[p->nfails++] = f;
    return f;
}

/* An exception the process did not survive, as a failure (verdict.c). */
ls_fail *ldrsnap__fail_exception(ldrsnap_analyzer *a, ls_proc *p,
                                 const ls_exc *e, const char *note)
{
    ldrsnap_record r;
    memset(&r, 0, sizeof r);
    r.line = e->line;
    r.text = e->text;
    fail_spec s = {ldrsnap_status_kind(e->code),
                   e->second ? LS_T_CHAIN : LS_T_SOFT,
                   NULL, NULL, NULL, NULL, note, true, e->code};
    ls_fail *f = add_fail(a, p, NULL, &r, &s);
    if (f) {
        f->pub.tid = e->tid;
        f->pub.flags |= LDRSNAP_FF_TID;
    }
    return f;
}

/* A probe miss: reported at once, kept nowhere. */
static int emit_noise(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                      const ldrsnap_record *rec, const char *dll,
                      const char *note)
{
    ldrsnap_failure f;
    a->total_failures++;
    a->noise++;
    if (a->quiet_noise)
        return LDRSNAP_OK;
    memset(&f, 0, sizeof f);
    f.line = rec->line;
    f.kind = ldrsnap_status_kind(rec->status);
    f.role = LDRSNAP_ROLE_NOISE;
    f.confidence = LDRSNAP_CONF_HIGH;
    f.status = rec->status;
    f.status_name = ldrsnap_status_name(rec->status);
    f.flags = LDRSNAP_FF_STATUS;
    if (p->has_pid) {
        f.pid = p->pid;
        f.flags |= LDRSNAP_FF_PID;
    }
    if (t->has_tid) {
        f.tid = t->tid;
        f.flags |= LDRSNAP_FF_TID;
    }
    f.dll = nonempty(dll);
    f.text = rec->text;
    f.note = note;
    chain_b c = {{0}, 0};
    chain_add(&c, p->image);
    chain_frames(&c, t, t->depth);
    chain_add(&c, dll);
    f.chain = c.item;
    f.chain_len = c.n;
    return ldrsnap__emit_failure(a, &f);
}

/* ---- Vista+: ENTER / RETURN --------------------------------------------- */

static void copy_func(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n >= LS_FUNC_LEN)
        n = LS_FUNC_LEN - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* What the trace knows of the current record's function. */
typedef struct fn {
    unsigned id, flags;
} fn;

static bool same_func(unsigned fid, const char *stored, unsigned want,
                      const char *name)
{
    if (fid != want)
        return false;
    return fid != LS_FID_UNKNOWN ||
           strncmp(stored, name, LS_FUNC_LEN - 1) == 0;
}

static void remember(ls_thread *t, const ldrsnap_record *rec, fn f,
                     bool compactable)
{
    t->last_level = rec->level;
    t->last_fid = f.id;
    if (f.id == LS_FID_UNKNOWN)
        copy_func(t->last_func, rec->function ? rec->function : "");
    t->last_status = rec->status;
    t->last_compactable = compactable;
}

/* Windows 11 prints a compact twin straight after the long form. */
static bool compact_twin(const ls_thread *t, const ldrsnap_record *rec, fn f)
{
    return (rec->flags & LDRSNAP_RF_COMPACT) && t->last_compactable &&
           t->last_level == rec->level &&
           same_func(t->last_fid, t->last_func, f.id, rec->function) &&
           (rec->level != LDRSNAP_L_RETURN || t->last_status == rec->status);
}

/* b: the file name in rec->dll */
static void probe_track(ldrsnap_analyzer *a, ls_thread *t,
                        const ldrsnap_record *rec, const char *b)
{
    if (!t->probe_base || !ldrsnap__name_eq(t->probe_base, b)) {
        renew(a, &t->probe_dll, &t->probe_dll_cap, rec->dll);
        t->probe_base = ldrsnap__basename(t->probe_dll);
        t->probe_misses = 0;
        t->probe_found = false;
        t->probe_line = rec->line;
        renew(a, &t->probe_text, &t->probe_text_cap, rec->text);
    }
}

static int on_enter(ldrsnap_analyzer *a, ls_thread *t,
                    const ldrsnap_record *rec, fn f, const ls_note *note)
{
    if (compact_twin(t, rec, f))
        return LDRSNAP_OK;
    /* the name's length, and its file name once it is needed: kept in the
     * frame for the module map when the frame returns */
    size_t n = !rec->dll                    ? 0
               : note->dll_len != SIZE_MAX ? note->dll_len
                                           : strlen(rec->dll);
    const char *b = NULL;
    if ((f.flags & LS_FN_SEARCH) || (f.id == LS_FID_RESOLVE && rec->dll)) {
        if (f.flags & LS_FN_SEARCH)
            t->search_fail = 0;
        b = ldrsnap__basename(rec->dll);
        probe_track(a, t, rec, b);
    }
    if (t->depth >= LS_MAX_FRAMES)
        return LDRSNAP_OK; /* deeper ENTERs are not kept */
    if (t->depth == t->frames_cap) {
        size_t cap = t->frames_cap ? t->frames_cap * 2 : 8;
        ls_frame *fs = ldrsnap__realloc(&a->al, t->frames, cap * sizeof *fs);
        if (!fs)
            return LDRSNAP_ENOMEM;
        memset(fs + t->frames_cap, 0, (cap - t->frames_cap) * sizeof *fs);
        t->frames = fs;
        t->frames_cap = cap;
    }
    ls_frame *fr = &t->frames[t->depth];
    fr->fid = f.id;
    if (f.id == LS_FID_UNKNOWN)
        copy_func(fr->func, rec->function);
    fr->fflags = f.flags;
    fr->line = rec->line;
    if (rec->dll ? set_strn(a, &fr->dll, &fr->dll_cap, rec->dll, n) < 0
                 : set_str(a, &fr->dll, &fr->dll_cap, NULL) < 0)
        return LDRSNAP_ENOMEM;
    fr->dll_len = n;
    fr->dll_base = b ? (size_t)(b - rec->dll) : SIZE_MAX;
    if (fr->fail_dll)
        fr->fail_dll[0] = '\0';
    t->depth++;
    return LDRSNAP_OK;
}

/* Index + 1 of the innermost open frame of this function, or 0. */
static size_t frame_of(const ls_thread *t, fn f, const char *func)
{
    for (size_t i = t->depth; i > 0; i--)
        if (same_func(t->frames[i - 1].fid, t->frames[i - 1].func, f.id,
                      func))
            return i;
    return 0;
}

static void init_clear(ls_thread *t)
{
    if (t->init_dll)
        t->init_dll[0] = '\0';
}

static bool init_pending(const ls_thread *t)
{
    return t->init_dll && t->init_dll[0];
}

static int init_failed_by_return(ldrsnap_analyzer *a, ls_proc *p,
                                 ls_thread *t, const ldrsnap_record *rec)
{
    char note[160];
    snprintf(note, sizeof note,
             "the loader returned this status right after calling the "
             "DLL's init routine (DllMain) at line %llu",
             (unsigned long long)t->init_line);
    fail_spec s = {LDRSNAP_K_INIT_FAILED, LS_T_ERROR, t->init_dll,
                   t->init_dll, NULL, NULL, note, true, rec->status};
    if (rec->status != 0xC0000142u)
        s.kind = ldrsnap_status_kind(rec->status) == LDRSNAP_K_OTHER
                     ? LDRSNAP_K_INIT_FAILED
                     : ldrsnap_status_kind(rec->status);
    ls_fail *f = add_fail(a, p, t, rec, &s);
    init_clear(t);
    return f || a->dropped ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}

static int chain_failure(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                         const ldrsnap_record *rec, ls_frame *fr)
{
    const char *dll = fr && fr->fail_dll && fr->fail_dll[0] ? fr->fail_dll
                      : fr                                 ? fr->dll
                                                           : NULL;
    fail_spec s = {ldrsnap_status_kind(rec->status), LS_T_CHAIN,
                   dll, NULL, NULL, NULL, NULL, true, rec->status};
    if (fr && (fr->fflags & LS_FN_MAP)) {
        s.dll_path = fr->dll;
        s.note = "mapping the image failed";
        s.tier = LS_T_ERROR;
    } else if (fr && (fr->fflags & LS_FN_SEARCH)) {
        s.note = "the search of every directory gave up";
    } else {
        s.note = dll ? "the loader's RETURN chain carries this failure for "
                       "this DLL (Windows 7 and 8 print no ERROR line)"
                     : "a loader function returned this failure";
    }
    ls_fail *f = add_fail(a, p, t, rec, &s);
    if (f && fr && (fr->fflags & LS_FN_SEARCH))
        t->search_fail = p->nfails;
    return f || a->dropped ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}

/* Hand the failing DLL up to the caller's frame. */
static int propagate(ldrsnap_analyzer *a, ls_thread *t, const ls_frame *fr)
{
    if (t->depth == 0)
        return LDRSNAP_OK;
    ls_frame *up = &t->frames[t->depth - 1];
    const char *d = fr->fail_dll && fr->fail_dll[0] ? fr->fail_dll : fr->dll;
    if (!d || (up->fail_dll && up->fail_dll[0]))
        return LDRSNAP_OK;
    return set_str(a, &up->fail_dll, &up->fail_cap, d);
}

static int on_return(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                     const ldrsnap_record *rec, fn f)
{
    if (compact_twin(t, rec, f))
        return LDRSNAP_OK;
    size_t at = frame_of(t, f, rec->function);
    ls_frame *fr = at ? &t->frames[at - 1] : NULL;
    unsigned ff = f.flags;
    bool failed = (rec->flags & LDRSNAP_RF_STATUS) &&
                  ldrsnap__status_is_error(rec->status);
    int rc = LDRSNAP_OK;

    bool init_fail = false;
    if (init_pending(t) && at && at - 1 <= t->init_depth) {
        if (failed && fr && set_str(a, &fr->fail_dll, &fr->fail_cap,
                                    t->init_dll) == 0) {
            rc = init_failed_by_return(a, p, t, rec);
            init_fail = true;
        } else {
            init_clear(t);
        }
    }
    if (at)
        t->depth = at; /* drop frames whose RETURN never came */
    if (!(ff & LS_FN_PROBE))
        t->probe_misses = 0, t->probe_found = true; /* the search is over */
    else if (f.id == LS_FID_RESOLVE) {
        if (failed)
            t->probe_misses++;
        else
            t->probe_found = true;
    }
    if (!failed) {
        if (fr && (ff & (LS_FN_MAP | LS_FN_PROBE)) && !(ff & LS_FN_HANDLE) &&
            fr->dll) {
            if (fr->dll_base == SIZE_MAX)
                fr->dll_base = (size_t)(ldrsnap__basename(fr->dll) - fr->dll);
            if ((ff & LS_FN_MAP) || fr->dll_base)
                module_seen_base(a, fr->dll, fr->dll + fr->dll_base,
                                 fr->dll_len - fr->dll_base, 0, 0);
        }
        if (fr && (ff & LS_FN_TOP) && fr->line > p->went_on_enter)
            p->went_on_enter = fr->line;
    } else if (ff & LS_FN_PROBE) {
        rc = emit_noise(a, p, t, rec, fr ? fr->dll : NULL,
                        ff & LS_FN_HANDLE
                            ? "a module-handle lookup missed: normal before "
                              "a load or for an optional DLL"
                            : "a probe missed: the loader goes on to the "
                              "next place to look");
    } else if (rc >= 0 && !init_fail) {
        rc = chain_failure(a, p, t, rec, fr);
    }
    if (fr) {
        t->depth = at - 1;
        if (failed && !(ff & LS_FN_PROBE) && rc >= 0)
            rc = propagate(a, t, fr);
    }
    return rc;
}

/* ---- Vista+: INFO / WARNING / ERROR ------------------------------------- */

static ls_fail *fail_at(const ls_proc *p, size_t idx1)
{
    return idx1 && idx1 <= p->nfails ? p->fails[idx1 - 1] : NULL;
}

static int on_unable(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                     const ldrsnap_record *rec)
{
    bool st = rec->flags & LDRSNAP_RF_STATUS;
    fail_spec s = {st ? ldrsnap_status_kind(rec->status) : LDRSNAP_K_OTHER,
                   LS_T_ERROR, rec->dll, NULL, rec->parent, NULL,
                   st ? "the loader reports it could not load this DLL"
                      : "the loader reports it could not load this DLL "
                        "(the status was cut from the log)",
                   st, rec->status};
    ls_module *m = module_get(a, rec->dll);
    if (m && !m->path && rec->dll && ldrsnap__basename(rec->dll) != rec->dll)
        m->path = ldrsnap__strdup(&a->al, rec->dll);
    if (m)
        s.dll_path = m->path;
    if (rec->parent) {
        module_seen(a, rec->parent, 0, 0);
        if (m && !m->parent)
            m->parent = ldrsnap__strdup(&a->al,
                                        ldrsnap__basename(rec->parent));
    }
    ls_fail *sf = fail_at(p, t->search_fail);
    if (sf && sf->pub.dll &&
        ldrsnap__name_eq(ldrsnap__basename(sf->pub.dll),
                         ldrsnap__basename(rec->dll)))
        sf->absorbed = true;
    t->search_fail = 0;
    t->probe_misses = 0;
    return add_fail(a, p, t, rec, &s) || a->dropped ? LDRSNAP_OK
                                                   : LDRSNAP_ENOMEM;
}

static int on_export(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                     const ldrsnap_record *rec)
{
    const ls_module *m = NULL;
    char note[160];
    bool same = t->nto_symbol && rec->symbol &&
                strcmp(t->nto_symbol, rec->symbol) == 0;
    if (same && t->nto_has_base)
        m = module_at(a, t->nto_base);
    ldrsnap_kind k = rec->symbol && rec->symbol[0] == '#'
                         ? LDRSNAP_K_ORDINAL_NOT_FOUND
                         : LDRSNAP_K_EXPORT_NOT_FOUND;
    if (rec->flags & LDRSNAP_RF_STATUS &&
        ldrsnap_status_kind(rec->status) == LDRSNAP_K_ORDINAL_NOT_FOUND)
        k = LDRSNAP_K_ORDINAL_NOT_FOUND;
    if (m)
        snprintf(note, sizeof note,
                 "%s (mapped at 0x%llx) does not export it; the loader "
                 "names only that address, the module map names the DLL",
                 m->name, (unsigned long long)t->nto_base);
    else if (same && t->nto_has_base)
        snprintf(note, sizeof note,
                 "the DLL lacking it is named only by its base 0x%llx; no "
                 "ModLoad or map line in the log names that address",
                 (unsigned long long)t->nto_base);
    else
        snprintf(note, sizeof note, "the loader could not find the export");
    if (rec->level == LDRSNAP_L_WARNING)
        snprintf(note, sizeof note, "%s",
                 "GetProcAddress found no such export; the program gets "
                 "NULL and decides what to do");
    fail_spec s = {k, rec->level == LDRSNAP_L_WARNING ? LS_T_SOFT
                                                       : LS_T_ERROR,
                   m ? m->name : NULL, m ? m->path : NULL, rec->parent,
                   rec->symbol, note, (rec->flags & LDRSNAP_RF_STATUS) != 0,
                   rec->status};
    if (rec->parent)
        module_seen(a, rec->parent, 0, 0);
    replace(a, &t->nto_symbol, NULL);
    return add_fail(a, p, t, rec, &s) || a->dropped ? LDRSNAP_OK
                                                   : LDRSNAP_ENOMEM;
}

static int process_fail(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                        const ldrsnap_record *rec, ldrsnap_kind k,
                        enum ls_tier tier, const char *note)
{
    fail_spec s = {k, tier, NULL, NULL, NULL, rec->symbol, note,
                   (rec->flags & LDRSNAP_RF_STATUS) != 0, rec->status};
    ls_fail *f = add_fail(a, p, t, rec, &s);
    if (f)
        f->process_level = tier == LS_T_PROCESS;
    p->died = true;
    if ((rec->flags & LDRSNAP_RF_STATUS) && !p->has_exit) {
        p->exit_status = rec->status;
        p->has_exit = true;
    }
    if (!p->teardown_line)
        p->teardown_line = rec->line;
    return f || a->dropped ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}

static int on_init_call(ldrsnap_analyzer *a, ls_thread *t,
                        const ldrsnap_record *rec)
{
    if (!rec->dll)
        return LDRSNAP_OK;
    module_seen(a, rec->dll, 0, 0);
    t->init_depth = t->depth;
    t->init_line = rec->line;
    /* both buffers are reused: every DLL load calls an init routine */
    renew(a, &t->init_text, &t->init_text_cap, rec->text);
    return set_str(a, &t->init_dll, &t->init_dll_cap, rec->dll);
}

static int on_vista_msg(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                        const ldrsnap_record *rec)
{
    switch (rec->msg) {
    case LDRSNAP_M_UNABLE_TO_LOAD:
        return on_unable(a, p, t, rec);
    case LDRSNAP_M_PROC_NOT_FOUND:
        replace(a, &t->nto_symbol, rec->symbol);
        t->nto_base = rec->base;
        t->nto_has_base = (rec->flags & LDRSNAP_RF_BASE) != 0;
        return LDRSNAP_OK;
    case LDRSNAP_M_EXPORT_FAILED:
        return on_export(a, p, t, rec);
    case LDRSNAP_M_KNOWNDLLS_FAILED:
        return process_fail(a, p, t, rec,
                            ldrsnap_status_kind(rec->status), LS_T_ERROR,
                            "the loader could not open the \\KnownDlls "
                            "object directory");
    case LDRSNAP_M_IMPORTS_FAILED:
        return process_fail(a, p, t, rec, LDRSNAP_K_PROCESS_INIT_FAILED,
                            LS_T_PROCESS,
                            "loading the executable's static imports failed");
    case LDRSNAP_M_PROCESS_INIT_FAILED:
        return process_fail(a, p, t, rec, LDRSNAP_K_PROCESS_INIT_FAILED,
                            LS_T_PROCESS, "the process could not start");
    case LDRSNAP_M_EXCEPTION_RAISED:
        return process_fail(a, p, t, rec, ldrsnap_status_kind(rec->status),
                            LS_T_PROCESS,
                            "a loader function raised this status as an "
                            "exception");
    case LDRSNAP_M_CALLING_INIT:
        return on_init_call(a, t, rec);
    case LDRSNAP_M_BEGIN_EXEC:
        p->seen_begin = true;
        if (!p->image)
            replace(a, &p->image, rec->dll);
        module_seen(a, rec->dll_path ? rec->dll_path : rec->dll, 0, 0);
        return LDRSNAP_OK;
    case LDRSNAP_M_MAPPED_DLL:
        module_seen(a, rec->dll, rec->base, 0);
        return LDRSNAP_OK;
    default:
        return LDRSNAP_OK;
    }
}

/* A pid that begins again is a new process: the old one has ended. */
static bool restarts(const ls_proc *p, const ldrsnap_record *rec)
{
    return (rec->msg == LDRSNAP_M_BEGIN_EXEC && p->seen_begin) ||
           (rec->msg == LDRSNAP_M_INIT_PROCESS &&
            (p->seen_init || p->seen_begin));
}

static int on_vista(ldrsnap_analyzer *a, const ldrsnap_record *rec,
                    const ls_note *note)
{
    bool has_pid = (rec->flags & LDRSNAP_RF_PID) != 0;
    ls_proc *p = proc_get(a, rec->pid, has_pid);
    if (p && restarts(p, rec)) {
        if (ldrsnap__proc_finalize(a, p) < 0)
            return LDRSNAP_ENOMEM;
        p = proc_get(a, rec->pid, has_pid);
    }
    if (!p)
        return LDRSNAP_ENOMEM;
    if (rec->msg == LDRSNAP_M_INIT_PROCESS)
        p->seen_init = true;
    ls_thread *t = thread_get(a, p, rec->tid, (rec->flags & LDRSNAP_RF_TID) != 0);
    if (!t)
        return LDRSNAP_OK; /* thread table full: the record is counted only */
    a->vista_records++;
    p->last_line = rec->line;
    if (rec->image && !p->image && replace(a, &p->image, rec->image) < 0)
        return LDRSNAP_ENOMEM;
    int rc = LDRSNAP_OK;
    fn f = {LS_FID_UNKNOWN, 0};
    if (!rec->function) {
        remember(t, rec, f, false);
        return rc;
    }
    f.id = note->fid, f.flags = note->fflags;
    if (rec->level == LDRSNAP_L_ENTER && rec->msg == LDRSNAP_M_DLL_NAME)
        rc = on_enter(a, t, rec, f, note);
    else if (rec->level == LDRSNAP_L_RETURN && rec->msg == LDRSNAP_M_STATUS)
        rc = on_return(a, p, t, rec, f);
    else {
        if (init_pending(t) && t->depth <= t->init_depth &&
            rec->msg != LDRSNAP_M_CALLING_INIT)
            init_clear(t); /* the thread went on after DllMain */
        rc = on_vista_msg(a, p, t, rec);
    }
    if (f.id == LS_FID_SHUTDOWN && !p->teardown_line)
        p->teardown_line = rec->line;
    remember(t, rec, f,
             rec->level == LDRSNAP_L_ENTER || rec->level == LDRSNAP_L_RETURN);
    return rc;
}

/* ---- XP / Server 2003 ---------------------------------------------------- */

static int xp_fail(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                   const ldrsnap_record *rec, ldrsnap_kind k,
                   enum ls_tier tier, const char *parent, const char *note)
{
    bool st = (rec->flags & LDRSNAP_RF_STATUS) != 0;
    fail_spec s = {k, tier, rec->dll, NULL, parent, NULL, note, st,
                   rec->status};
    if (rec->dll && ldrsnap__basename(rec->dll) != rec->dll)
        s.dll_path = rec->dll;
    ls_fail *f = add_fail(a, p, t, rec, &s);
    return f || a->dropped ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}

static void xp_context(ldrsnap_analyzer *a, const ldrsnap_record *rec)
{
    if (rec->flags & LDRSNAP_RF_PID) {
        a->xp_pid = rec->pid;
        a->xp_tid = rec->tid;
        a->has_xp_pid = true;
    }
}

static int on_xp_failure(ldrsnap_analyzer *a, ls_proc *p, ls_thread *t,
                         const ldrsnap_record *rec)
{
    ldrsnap_kind sk = ldrsnap_status_kind(rec->status);
    bool st = (rec->flags & LDRSNAP_RF_STATUS) != 0;
    switch (rec->msg) {
    case LDRSNAP_M_INIT_FAILED: {
        ldrsnap_record r = *rec;
        r.status = 0xC0000142u;
        r.flags |= LDRSNAP_RF_STATUS;
        return xp_fail(a, p, t, &r, LDRSNAP_K_INIT_FAILED, LS_T_ERROR, NULL,
                       "its DllMain returned FALSE or raised an exception "
                       "during DLL_PROCESS_ATTACH");
    }
    case LDRSNAP_M_UNLOADING_FAILED:
        return xp_fail(a, p, t, rec, st ? sk : LDRSNAP_K_OTHER, LS_T_CHAIN,
                       NULL,
                       "the loader unloaded it because its init routine or "
                       "one of its static imports failed");
    case LDRSNAP_M_LOAD_FAILING:
        return xp_fail(a, p, t, rec, st ? sk : LDRSNAP_K_OTHER, LS_T_CHAIN,
                       NULL, "LdrLoadDll gave up on this DLL");
    case LDRSNAP_M_IMPORT_FAILED:
        return xp_fail(a, p, t, rec, st ? sk : LDRSNAP_K_OTHER, LS_T_ERROR,
                       nonempty(t->xp_loading),
                       "a static import could not be loaded");
    case LDRSNAP_M_SXS_PROBE_FAILED:
        return xp_fail(a, p, t, rec, st ? sk : LDRSNAP_K_SXS, LS_T_ERROR,
                       NULL,
                       "its manifest names a side-by-side assembly that "
                       "could not be found or activated");
    case LDRSNAP_M_FAILURE_TEXT:
        return xp_fail(a, p, t, rec, st ? sk : LDRSNAP_K_OTHER, LS_T_PROCESS,
                       NULL, "the loader printed a failure");
    default:
        return LDRSNAP_OK;
    }
}

static int on_xp(ldrsnap_analyzer *a, const ldrsnap_record *rec)
{
    xp_context(a, rec);
    ls_proc *p = proc_get(a, rec->pid, (rec->flags & LDRSNAP_RF_PID) != 0);
    if (!p)
        return LDRSNAP_ENOMEM;
    bool has_tid = (rec->flags & LDRSNAP_RF_TID) || a->has_xp_pid;
    ls_thread *t = thread_get(a, p, (rec->flags & LDRSNAP_RF_TID)
                                        ? rec->tid : a->xp_tid, has_tid);
    if (!t)
        return LDRSNAP_OK;
    a->xp_records++;
    p->last_line = rec->line;
    switch (rec->msg) {
    case LDRSNAP_M_LOADING_DLL:
        return replace(a, &t->xp_loading, rec->dll);
    case LDRSNAP_M_CALLING_INIT:
        module_seen(a, rec->dll, 0, 0);
        if (rec->line > p->went_on_enter)
            p->went_on_enter = rec->line;
        return LDRSNAP_OK;
    case LDRSNAP_M_USED_BY:
    case LDRSNAP_M_SNAPPING: {
        ls_module *m = module_get(a, rec->dll);
        if (m && !m->parent && rec->parent)
            m->parent = ldrsnap__strdup(&a->al,
                                        ldrsnap__basename(rec->parent));
        return LDRSNAP_OK;
    }
    case LDRSNAP_M_UNINIT_LIST:
    case LDRSNAP_M_UNMAPPING:
        if (!p->teardown_line)
            p->teardown_line = rec->line;
        return LDRSNAP_OK;
    case LDRSNAP_M_UNINIT_ENTRY:
        module_seen(a, rec->dll_path, 0, 0);
        return LDRSNAP_OK;
    default:
        return on_xp_failure(a, p, t, rec);
    }
}

/* ---- debugger and IDE lines ------------------------------------------- */

static const char *thread_context_dll(const ls_thread *t)
{
    if (!t)
        return NULL;
    if (init_pending(t))
        return t->init_dll;
    for (size_t i = t->depth; i > 0; i--)
        if (nonempty(t->frames[i - 1].dll))
            return t->frames[i - 1].dll;
    return nonempty(t->xp_loading);
}

static int keep_exception(ldrsnap_analyzer *a, ls_proc *p,
                          const ldrsnap_record *rec, const char *dll)
{
    if (p->nexc == p->exc_cap) {
        size_t cap = p->exc_cap ? p->exc_cap * 2 : 8;
        if (cap > 4096)
            return LDRSNAP_OK;
        ls_exc *n = ldrsnap__realloc(&a->al, p->exc, cap * sizeof *n);
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
    e->text = ldrsnap__strdup(&a->al, rec->text);
    e->dll = dll ? ldrsnap__strdup(&a->al, dll) : NULL;
    return LDRSNAP_OK;
}

static int on_exception(ldrsnap_analyzer *a, const ldrsnap_record *rec)
{
    xp_context(a, rec);
    ls_proc *p = proc_get(a, rec->pid, true);
    if (!p)
        return LDRSNAP_ENOMEM;
    ls_thread *t = thread_get(a, p, rec->tid, true);
    const char *dll = thread_context_dll(t);
    ldrsnap_exception e;
    memset(&e, 0, sizeof e);
    e.line = rec->line;
    e.pid = rec->pid;
    e.tid = rec->tid;
    e.flags = LDRSNAP_FF_PID | LDRSNAP_FF_TID |
              ((rec->flags & LDRSNAP_RF_SECOND_CHANCE) ? LDRSNAP_FF_SECOND_CHANCE
                                                      : 0);
    bool benign = ldrsnap__exception_is_benign(rec->status);
    if (benign)
        e.flags |= LDRSNAP_FF_BENIGN;
    e.code = rec->status;
    e.code_name = ldrsnap__exception_name(rec->status);
    e.description = rec->symbol;
    e.dll = dll ? ldrsnap__basename(dll) : NULL;
    e.text = rec->text;
    a->exceptions++;
    p->last_line = rec->line;
    int rc = LDRSNAP_OK;
    if (!benign)
        rc = keep_exception(a, p, rec, e.dll);
    if (rc == LDRSNAP_OK && a->cb) {
        ldrsnap_event ev = {LDRSNAP_EV_EXCEPTION, NULL, &e, NULL};
        if (a->cb(&ev, a->ud) != 0)
            rc = a->cb_rc = LDRSNAP_ECALLBACK;
    }
    return rc;
}

static ls_proc *ide_proc(ldrsnap_analyzer *a, const ldrsnap_record *rec,
                         ls_thread **t)
{
    *t = NULL;
    if (rec->msg == LDRSNAP_M_IDE_PROGRAM_EXIT && (rec->flags & LDRSNAP_RF_PID))
        return proc_get(a, rec->pid, true);
    if (rec->flags & LDRSNAP_RF_TID) {
        *t = thread_by_tid(a, rec->tid);
        if (*t)
            return (*t)->proc;
    }
    return a->nprocs ? a->procs[a->nprocs - 1] : proc_get(a, 0, false);
}

static int on_ide(ldrsnap_analyzer *a, const ldrsnap_record *rec)
{
    if (rec->msg == LDRSNAP_M_IDE_LOADED) {
        module_seen(a, rec->dll_path, 0, 0);
        return LDRSNAP_OK;
    }
    if (rec->msg != LDRSNAP_M_IDE_THREAD_EXIT &&
        rec->msg != LDRSNAP_M_IDE_PROGRAM_EXIT)
        return LDRSNAP_OK;
    ls_thread *t;
    ls_proc *p = ide_proc(a, rec, &t);
    if (!p)
        return LDRSNAP_ENOMEM;
    if (rec->msg == LDRSNAP_M_IDE_PROGRAM_EXIT) {
        if (rec->image && !p->image)
            replace(a, &p->image, rec->image);
        if (!p->teardown_line)
            p->teardown_line = rec->line;
    }
    if (!(rec->flags & LDRSNAP_RF_STATUS) ||
        !ldrsnap__status_is_error(rec->status))
        return LDRSNAP_OK;
    int rc = process_fail(a, p, t, rec, ldrsnap_status_kind(rec->status),
                          LS_T_PROCESS,
                          rec->msg == LDRSNAP_M_IDE_PROGRAM_EXIT
                              ? "the program exited with this code"
                              : "a thread exited with this code");
    return rc;
}

/* The program's exit ends the process: its verdict can be given. */
static int on_ide_exit(ldrsnap_analyzer *a, const ldrsnap_record *rec)
{
    int rc = on_ide(a, rec);
    if (rc == LDRSNAP_OK && rec->msg == LDRSNAP_M_IDE_PROGRAM_EXIT &&
        (rec->flags & LDRSNAP_RF_PID)) {
        ls_proc *p = proc_find(a, rec->pid);
        if (p)
            rc = ldrsnap__proc_finalize(a, p);
    }
    return rc;
}

int ldrsnap__trace_record(ldrsnap_analyzer *a, const ldrsnap_record *rec,
                          const ls_note *note)
{
    switch (rec->dialect) {
    case LDRSNAP_D_VISTA:
        return on_vista(a, rec, note);
    case LDRSNAP_D_XP:
        return on_xp(a, rec);
    case LDRSNAP_D_DEBUGGER:
        if (rec->msg == LDRSNAP_M_MODLOAD) {
            module_seen(a, rec->dll_path, rec->base, rec->end);
            return LDRSNAP_OK;
        }
        if (rec->msg == LDRSNAP_M_EXCEPTION &&
            (rec->flags & LDRSNAP_RF_STATUS))
            return on_exception(a, rec);
        return LDRSNAP_OK;
    case LDRSNAP_D_IDE:
        return on_ide_exit(a, rec);
    case LDRSNAP_D_BLANK:
    case LDRSNAP_D_CONTINUATION:
    case LDRSNAP_D_OTHER:
        break;
    }
    return LDRSNAP_OK;
}

/* ---- the end of the log ------------------------------------------------- */

/* What the log stops in the middle of: a DllMain that never returned, a
 * search that never ended.  Reported with low confidence. */
static int pending_at_end(ldrsnap_analyzer *a, ls_thread *t)
{
    ls_proc *p = t->proc;
    ldrsnap_record r;
    memset(&r, 0, sizeof r);
    if (init_pending(t)) {
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
        add_fail(a, p, t, &r, &s);
    }
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
        add_fail(a, p, t, &r, &s);
    }
    return LDRSNAP_OK;
}

/* Before a process is judged: what its threads were in the middle of. */
void ldrsnap__proc_pending(ldrsnap_analyzer *a, const ls_proc *p)
{
    for (ls_thread *t = p->threads; t; t = t->proc_next)
        pending_at_end(a, t);
}

static void free_thread(ldrsnap_analyzer *a, ls_thread *t)
{
    for (size_t i = 0; i < t->frames_cap; i++) {
        ldrsnap__free(&a->al, t->frames[i].dll);
        ldrsnap__free(&a->al, t->frames[i].fail_dll);
    }
    ldrsnap__free(&a->al, t->frames);
    ldrsnap__free(&a->al, t->init_dll);
    ldrsnap__free(&a->al, t->init_text);
    ldrsnap__free(&a->al, t->probe_dll);
    ldrsnap__free(&a->al, t->probe_text);
    ldrsnap__free(&a->al, t->nto_symbol);
    ldrsnap__free(&a->al, t->xp_loading);
    ldrsnap__free(&a->al, t);
}

void ldrsnap__trace_free(ldrsnap_analyzer *a)
{
    while (a->nprocs)
        ldrsnap__proc_free(a, a->procs[a->nprocs - 1]);
    for (size_t i = 0; i < a->thread_cap; i++)
        if (a->threads[i])
            free_thread(a, a->threads[i]);
    ldrsnap__free(&a->al, a->threads);
    for (size_t i = 0; i < a->mod_cap; i++) {
        ldrsnap__free(&a->al, a->mods[i].name);
        ldrsnap__free(&a->al, a->mods[i].path);
        ldrsnap__free(&a->al, a->mods[i].parent);
    }
    ldrsnap__free(&a->al, a->mods);
}
