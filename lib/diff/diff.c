/*
 * diff/diff.c - stage after verdict: what two runs of a program did
 * differently.  libc only: takes public records and failures, knows
 * nothing of the analyzer.
 *
 * A run keeps, per process, the DLLs it loaded (by file name, case folded,
 * an extension added as the loader adds .dll) with the path each was
 * found at, the DLLs that failed with their status, and the order of the
 * main thread's LdrLoadDll calls.  "Loaded" is what every Windows version
 * shows one way or another: a probe or map function whose ENTER named the
 * file and whose RETURN on that thread succeeded (LdrpResolveDllName,
 * LdrpMinimalMapModule, LdrpMapViewOfSection, LdrpFindKnownDll,
 * LdrpFindOrMapDll...), Windows 7's "Mapped DLL", XP's "Loading", an init
 * routine called, a debugger's ModLoad or an IDE's Loaded line.  Probe
 * misses, ticks, pids and tids are never kept.
 */
#include <stdlib.h>
#include <string.h>

#include "core/ldrsnap_internal.h"
#include "core/path.h"

#define RUN_MAGIC 0x4C445255u /* "LDRU" */

typedef struct rn_dll {
    char *key;        /* folded file name */
    char *name;       /* as first written */
    char *path;       /* where it was found, or NULL */
    bool loaded, failed;
    uint32_t status;
    ldrsnap_kind kind;
    ldrsnap_role role;
    uint64_t load_line, fail_line;
} rn_dll;

typedef struct rn_pending { /* a probe or map ENTER waiting for RETURN */
    uint32_t tid;
    char *func, *dll;
} rn_pending;

typedef struct rn_proc {
    uint32_t pid;
    bool has_pid, has_main;
    uint32_t main_tid;
    char *image;
    rn_dll *dlls;
    size_t ndlls, dcap;
    size_t *order;    /* indexes into dlls, main thread, first calls */
    size_t norder, ocap;
    rn_pending pend[16];
} rn_proc;

struct ldrsnap_run {
    unsigned magic;
    ls_alloc al;
    rn_proc *procs;
    size_t nprocs, pcap;
    size_t cur;       /* the process of records without a pid */
};

static bool valid(const ldrsnap_run *r)
{
    return r && r->magic == RUN_MAGIC;
}

int ldrsnap_run_new(ldrsnap_run **out, const ldrsnap_options *opts)
{
    if (!out)
        return LDRSNAP_EINVAL;
    ls_alloc al;
    int rc;
    ldrsnap_run *r = ldrsnap__handle_alloc(opts, sizeof *r, &al, &rc);
    *out = r;
    if (!r)
        return rc;
    r->al = al;
    r->magic = RUN_MAGIC;
    return LDRSNAP_OK;
}

/* ---- names ----------------------------------------------------------------- */

/* The key of a DLL: its file name folded, ".dll" added when it has no
 * extension; NULL for what is not a module to compare (API sets). */
static char *dll_key(const ls_alloc *al, const char *dll)
{
    const char *b = ldrsnap__basename(dll);
    size_t n = strlen(b);
    while (n && (b[n - 1] == '"' || b[n - 1] == ' '))
        n--;
    if (!n || !strncmp(b, "api-ms-", 7) || !strncmp(b, "API-MS-", 7) ||
        !strncmp(b, "ext-ms-", 7) ||
        (n > 4 && ldrsnap__name_eq(b + n - 4, ".exe")))
        return NULL; /* API sets, and programs (the image) */
    bool ext = memchr(b, '.', n) != NULL;
    char *k = ldrsnap__malloc(al, n + 5);
    if (!k)
        return NULL;
    for (size_t i = 0; i < n; i++)
        k[i] = (char)(b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i]);
    memcpy(k + n, ext ? "" : ".dll", ext ? 1 : 5);
    return k;
}

static bool full_path(const char *p)
{
    return p && (strchr(p, '\\') || strchr(p, '/'));
}

/* ---- processes ---------------------------------------------------------- */

static rn_proc *proc_add(ldrsnap_run *r)
{
    if (r->nprocs == r->pcap) {
        size_t cap = r->pcap ? 2 * r->pcap : 4;
        rn_proc *n = ldrsnap__realloc(&r->al, r->procs, cap * sizeof *n);
        if (!n)
            return NULL;
        r->procs = n, r->pcap = cap;
    }
    rn_proc *p = &r->procs[r->nprocs++];
    memset(p, 0, sizeof *p);
    return p;
}

/* The process of a record: by pid when it has one, else the last one. */
static rn_proc *proc_of(ldrsnap_run *r, bool has_pid, uint32_t pid)
{
    if (has_pid) {
        for (size_t i = r->nprocs; i-- > 0;)
            if (r->procs[i].has_pid && r->procs[i].pid == pid)
                return &r->procs[r->cur = i];
        if (r->nprocs && !r->procs[r->cur].has_pid) {
            rn_proc *p = &r->procs[r->cur]; /* it was this one's */
            p->has_pid = true, p->pid = pid;
            return p;
        }
        rn_proc *p = proc_add(r);
        if (p)
            p->has_pid = true, p->pid = pid, r->cur = r->nprocs - 1;
        return p;
    }
    if (r->nprocs)
        return &r->procs[r->cur];
    return proc_add(r);
}

static rn_dll *dll_of(ldrsnap_run *r, rn_proc *p, const char *dll)
{
    char *k = dll_key(&r->al, dll);
    if (!k)
        return NULL;
    for (size_t i = 0; i < p->ndlls; i++)
        if (!strcmp(p->dlls[i].key, k)) {
            ldrsnap__free(&r->al, k);
            return &p->dlls[i];
        }
    if (p->ndlls == p->dcap) {
        size_t cap = p->dcap ? 2 * p->dcap : 16;
        rn_dll *n = ldrsnap__realloc(&r->al, p->dlls, cap * sizeof *n);
        if (!n) {
            ldrsnap__free(&r->al, k);
            return NULL;
        }
        p->dlls = n, p->dcap = cap;
    }
    rn_dll *d = &p->dlls[p->ndlls];
    memset(d, 0, sizeof *d);
    d->key = k;
    d->name = ldrsnap__strdup(&r->al, ldrsnap__basename(dll));
    if (!d->name) {
        ldrsnap__free(&r->al, k);
        return NULL;
    }
    p->ndlls++;
    return d;
}

static int loaded(ldrsnap_run *r, rn_proc *p, const char *dll, uint64_t line)
{
    if (!dll || (p->image && ldrsnap__name_eq(ldrsnap__basename(dll),
                                              p->image)))
        return LDRSNAP_OK;
    rn_dll *d = dll_of(r, p, dll);
    if (!d)
        return LDRSNAP_OK; /* an API set, or no memory: not compared */
    if (!d->loaded)
        d->loaded = true, d->load_line = line;
    if (!d->path && full_path(dll) && !strstr(dll, "KnownDlls")) {
        d->path = ldrsnap__strdup(&r->al, dll);
        if (!d->path)
            return LDRSNAP_ENOMEM;
    }
    return LDRSNAP_OK;
}

static int order_add(ldrsnap_run *r, rn_proc *p, const char *dll)
{
    rn_dll *d = dll_of(r, p, dll);
    if (!d)
        return LDRSNAP_OK;
    size_t i = (size_t)(d - p->dlls);
    for (size_t k = 0; k < p->norder; k++)
        if (p->order[k] == i)
            return LDRSNAP_OK;
    if (p->norder == p->ocap) {
        size_t cap = p->ocap ? 2 * p->ocap : 16;
        size_t *n = ldrsnap__realloc(&r->al, p->order, cap * sizeof *n);
        if (!n)
            return LDRSNAP_ENOMEM;
        p->order = n, p->ocap = cap;
    }
    p->order[p->norder++] = i;
    return LDRSNAP_OK;
}

/* ---- records -------------------------------------------------------------- */

/* Functions whose successful RETURN after an ENTER naming a DLL means it
 * was found or mapped there. */
static bool probe_function(const char *f)
{
    static const char *const fs[] = {
        "LdrpResolveDllName", "LdrpMinimalMapModule", "LdrpMapViewOfSection",
        "LdrpFindKnownDll", "LdrpFindOrMapDll", "LdrpMapDllNtFileName",
        "LdrpMapDllFullPath", "LdrpMapDllSearchPath", "LdrpSearchPath", NULL};
    for (size_t i = 0; f && fs[i]; i++)
        if (!strcmp(f, fs[i]))
            return true;
    return false;
}

static rn_pending *pending(rn_proc *p, uint32_t tid, bool make)
{
    for (size_t i = 0; i < 16; i++)
        if (p->pend[i].func && p->pend[i].tid == tid)
            return &p->pend[i];
    for (size_t i = 0; make && i < 16; i++)
        if (!p->pend[i].func)
            return &p->pend[i];
    return make ? &p->pend[tid % 16] : NULL;
}

static void pend_clear(ldrsnap_run *r, rn_pending *pd)
{
    ldrsnap__free(&r->al, pd->func);
    ldrsnap__free(&r->al, pd->dll);
    pd->func = pd->dll = NULL;
}

static int on_enter(ldrsnap_run *r, rn_proc *p, const ldrsnap_record *rec)
{
    uint32_t tid = rec->flags & LDRSNAP_RF_TID ? rec->tid : 0;
    if (!p->has_main && (rec->flags & LDRSNAP_RF_TID))
        p->has_main = true, p->main_tid = rec->tid;
    if (rec->function && !strcmp(rec->function, "LdrLoadDll") &&
        (!p->has_main || tid == p->main_tid)) {
        int rc = order_add(r, p, rec->dll);
        if (rc < 0)
            return rc;
    }
    if (!probe_function(rec->function))
        return LDRSNAP_OK;
    rn_pending *pd = pending(p, tid, true);
    pend_clear(r, pd);
    pd->tid = tid;
    pd->func = ldrsnap__strdup(&r->al, rec->function);
    pd->dll = ldrsnap__strdup(&r->al, rec->dll);
    return pd->func && pd->dll ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}

static int on_return(ldrsnap_run *r, rn_proc *p, const ldrsnap_record *rec)
{
    uint32_t tid = rec->flags & LDRSNAP_RF_TID ? rec->tid : 0;
    rn_pending *pd = pending(p, tid, false);
    if (!pd || !rec->function || strcmp(pd->func, rec->function))
        return LDRSNAP_OK;
    int rc = LDRSNAP_OK;
    if ((rec->flags & LDRSNAP_RF_STATUS) && rec->status < 0x80000000u &&
        strcmp(rec->function, "LdrpSearchPath")) /* its ENTER: a name */
        rc = loaded(r, p, pd->dll, rec->line);
    pend_clear(r, pd);
    return rc;
}

static int set_image(ldrsnap_run *r, rn_proc *p, const char *image)
{
    if (p->image || !image || !*image)
        return LDRSNAP_OK;
    p->image = ldrsnap__strdup(&r->al, ldrsnap__basename(image));
    return p->image ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}

int ldrsnap_run_record(ldrsnap_run *r, const ldrsnap_record *rec)
{
    if (!valid(r) || !rec)
        return LDRSNAP_EINVAL;
    if (rec->flags & LDRSNAP_RF_COMPACT)
        return LDRSNAP_OK; /* Windows 11's twin of the line before */
    rn_proc *p = proc_of(r, rec->flags & LDRSNAP_RF_PID, rec->pid);
    if (!p)
        return LDRSNAP_ENOMEM;
    int rc = rec->dialect == LDRSNAP_D_IDE || rec->dialect == LDRSNAP_D_OTHER
                 ? LDRSNAP_OK
                 : set_image(r, p, rec->image);
    switch (rec->msg) {
    case LDRSNAP_M_BEGIN_EXEC:
        if (rec->dll) {
            ldrsnap__free(&r->al, p->image);
            p->image = NULL;
        }
        return set_image(r, p, rec->dll);
    case LDRSNAP_M_DLL_NAME:
        return rc ? rc : rec->level == LDRSNAP_L_ENTER ? on_enter(r, p, rec) : 0;
    case LDRSNAP_M_STATUS:
        return rc ? rc : rec->level == LDRSNAP_L_RETURN ? on_return(r, p, rec) : 0;
    case LDRSNAP_M_MAPPED_DLL:
    case LDRSNAP_M_CALLING_INIT:
    case LDRSNAP_M_SNAPPING:
        return rc ? rc : loaded(r, p, rec->dll, rec->line);
    case LDRSNAP_M_LOADING_DLL:
        return rc || rec->dialect != LDRSNAP_D_XP ? rc
                                                 : loaded(r, p, rec->dll, rec->line);
    case LDRSNAP_M_MODLOAD:
    case LDRSNAP_M_IDE_LOADED:
    case LDRSNAP_M_UNINIT_ENTRY:
        return rc ? rc : loaded(r, p, rec->dll_path ? rec->dll_path : rec->dll,
                                rec->line);
    default:
        return rc;
    }
}

int ldrsnap_run_failure(ldrsnap_run *r, const ldrsnap_failure *f)
{
    if (!valid(r) || !f)
        return LDRSNAP_EINVAL;
    if (f->role == LDRSNAP_ROLE_NOISE || !f->dll)
        return LDRSNAP_OK;
    rn_proc *p = proc_of(r, f->flags & LDRSNAP_FF_PID, f->pid);
    if (!p)
        return LDRSNAP_ENOMEM;
    rn_dll *d = dll_of(r, p, f->dll);
    if (!d)
        return LDRSNAP_OK;
    if (d->failed && d->role <= f->role)
        return LDRSNAP_OK; /* the stronger role stays */
    d->failed = true;
    d->status = f->flags & LDRSNAP_FF_STATUS ? f->status : 0;
    d->kind = f->kind, d->role = f->role, d->fail_line = f->line;
    return LDRSNAP_OK;
}

size_t ldrsnap_run_processes(const ldrsnap_run *r)
{
    return valid(r) ? r->nprocs : 0;
}

const char *ldrsnap_run_image(const ldrsnap_run *r, size_t i)
{
    if (!valid(r) || i >= r->nprocs)
        return "";
    return r->procs[i].image ? r->procs[i].image : "";
}

void ldrsnap_run_free(ldrsnap_run *r)
{
    if (!valid(r))
        return;
    for (size_t i = 0; i < r->nprocs; i++) {
        rn_proc *p = &r->procs[i];
        for (size_t k = 0; k < p->ndlls; k++) {
            ldrsnap__free(&r->al, p->dlls[k].key);
            ldrsnap__free(&r->al, p->dlls[k].name);
            ldrsnap__free(&r->al, p->dlls[k].path);
        }
        for (size_t k = 0; k < 16; k++)
            pend_clear(r, &p->pend[k]);
        ldrsnap__free(&r->al, p->dlls);
        ldrsnap__free(&r->al, p->order);
        ldrsnap__free(&r->al, p->image);
    }
    ldrsnap__free(&r->al, r->procs);
    r->magic = 0;
    ls_alloc al = r->al;
    ldrsnap__free(&al, r);
}

/* ---- the comparison --------------------------------------------------------- */

typedef struct dv {
    ldrsnap_difference d;
    int rank;          /* the more decisive, the lower */
    uint64_t at;       /* its line, in the bad run or else the good one */
} dv;

typedef struct dvs {
    const ls_alloc *al;
    dv *v;
    size_t n, cap;
} dvs;

static const rn_dll *find(const rn_proc *p, const char *key)
{
    for (size_t i = 0; i < p->ndlls; i++)
        if (!strcmp(p->dlls[i].key, key))
            return &p->dlls[i];
    return NULL;
}

static void side_of(const rn_proc *p, const rn_dll *x, ldrsnap_diff_side *s)
{
    memset(s, 0, sizeof *s);
    if (!x)
        return;
    if (x->loaded)
        s->flags |= LDRSNAP_DS_LOADED, s->line = x->load_line;
    if (x->path)
        s->flags |= LDRSNAP_DS_PATH, s->path = x->path;
    if (x->failed) {
        s->flags |= LDRSNAP_DS_FAILED, s->line = x->fail_line;
        s->status = x->status, s->kind = x->kind, s->role = x->role;
    }
    for (size_t k = 0; k < p->norder; k++)
        if (&p->dlls[p->order[k]] == x) {
            s->flags |= LDRSNAP_DS_ORDER, s->order = k;
            break;
        }
}

static int push(dvs *o, ldrsnap_diff_kind kind, int rank, uint64_t at,
                const rn_proc *g, const rn_dll *gx, const rn_proc *b,
                const rn_dll *bx)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 32;
        dv *n = ldrsnap__realloc(o->al, o->v, cap * sizeof *n);
        if (!n)
            return LDRSNAP_ENOMEM;
        o->v = n, o->cap = cap;
    }
    dv *e = &o->v[o->n++];
    memset(e, 0, sizeof *e);
    e->d.kind = kind;
    e->d.dll = gx ? gx->name : bx->name;
    e->d.image = b->image ? b->image : g->image ? g->image : "";
    e->d.explains = rank <= 2 || kind == LDRSNAP_DIFF_ONLY_IN_BAD;
    side_of(g, gx, &e->d.good);
    side_of(b, bx, &e->d.bad);
    e->rank = rank, e->at = at;
    return LDRSNAP_OK;
}

/* The folder of a path, for comparing: no \\?\ or \??\ before it. */
static size_t folder(const char *p, const char **start)
{
    if (!strncmp(p, "\\\\?\\", 4) || !strncmp(p, "\\??\\", 4))
        p += 4;
    *start = p;
    return (size_t)(ldrsnap__basename(p) - p);
}

static bool same_folder(const char *a, const char *b)
{
    const char *sa, *sb;
    size_t na = folder(a, &sa), nb = folder(b, &sb);
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        unsigned x = (unsigned char)sa[i], y = (unsigned char)sb[i];
        x = x == '/' ? '\\' : x >= 'A' && x <= 'Z' ? x + 32 : x;
        y = y == '/' ? '\\' : y >= 'A' && y <= 'Z' ? y + 32 : y;
        if (x != y)
            return false;
    }
    return true;
}

static int bad_side(dvs *o, const rn_proc *g, const rn_proc *b)
{
    int rc = LDRSNAP_OK;
    for (size_t i = 0; i < b->ndlls && rc == 0; i++) {
        const rn_dll *x = &b->dlls[i], *gx = find(g, x->key);
        if (x->failed) {
            if (gx && gx->failed && gx->status == x->status)
                continue; /* failed alike in both */
            int rank = x->role == LDRSNAP_ROLE_ROOT_CAUSE    ? 0
                       : x->role == LDRSNAP_ROLE_CONSEQUENCE ? 1
                                                             : 3;
            rc = push(o, LDRSNAP_DIFF_FAILED_IN_BAD, rank, x->fail_line, g, gx,
                      b, x);
        } else if (x->loaded && !(gx && gx->loaded)) {
            rc = push(o, LDRSNAP_DIFF_ONLY_IN_BAD, 4, x->load_line, g, gx, b,
                      x);
        } else if (x->loaded && gx->loaded && x->path && gx->path &&
                   !same_folder(x->path, gx->path)) {
            rc = push(o, LDRSNAP_DIFF_OTHER_PATH, 2, x->load_line, g, gx, b, x);
        }
    }
    return rc;
}

static int good_side(dvs *o, const rn_proc *g, const rn_proc *b)
{
    int rc = LDRSNAP_OK;
    for (size_t i = 0; i < g->ndlls && rc == 0; i++) {
        const rn_dll *y = &g->dlls[i], *bx = find(b, y->key);
        if (y->loaded && !(bx && (bx->loaded || bx->failed)))
            rc = push(o, LDRSNAP_DIFF_ONLY_IN_GOOD, 5, y->load_line, g, y, b,
                      NULL);
    }
    return rc;
}

/* Is the main-thread load k of p also a main-thread load of q? */
static bool shared(const rn_proc *p, size_t k, const rn_proc *q)
{
    const char *key = p->dlls[p->order[k]].key;
    for (size_t i = 0; i < q->norder; i++)
        if (!strcmp(q->dlls[q->order[i]].key, key))
            return true;
    return false;
}

/* The first place where the main threads' loads of DLLs both runs load
 * part. */
static int order_side(dvs *o, const rn_proc *g, const rn_proc *b)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < g->norder && !shared(g, i, b))
            i++;
        while (j < b->norder && !shared(b, j, g))
            j++;
        if (i >= g->norder || j >= b->norder)
            return LDRSNAP_OK;
        const rn_dll *gx = &g->dlls[g->order[i]], *bx = &b->dlls[b->order[j]];
        if (strcmp(gx->key, bx->key)) {
            const rn_dll *bg = find(b, gx->key);
            return push(o, LDRSNAP_DIFF_ORDER, 6, bg ? bg->load_line : 0, g,
                        gx, b, bg);
        }
        i++, j++;
    }
}

static int by_rank(const void *x, const void *y)
{
    const dv *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->at < b->at ? -1 : a->at > b->at;
}

/* Every process of a run as one (--force): the DLLs of each, the first
 * process's order.  The DLLs are shared, not copied. */
static int merge(const ls_alloc *al, const ldrsnap_run *r, rn_proc *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < r->nprocs; i++) {
        const rn_proc *p = &r->procs[i];
        if (!m->image)
            m->image = p->image;
        for (size_t k = 0; k < p->ndlls; k++) {
            if (find(m, p->dlls[k].key))
                continue;
            if (m->ndlls == m->dcap) {
                size_t cap = m->dcap ? 2 * m->dcap : 16;
                rn_dll *n = ldrsnap__realloc(al, m->dlls, cap * sizeof *n);
                if (!n)
                    return LDRSNAP_ENOMEM;
                m->dlls = n, m->dcap = cap;
            }
            m->dlls[m->ndlls++] = p->dlls[k];
        }
    }
    return LDRSNAP_OK;
}

static int compare(dvs *o, const rn_proc *g, const rn_proc *b)
{
    int rc = bad_side(o, g, b);
    if (rc == 0)
        rc = good_side(o, g, b);
    if (rc == 0)
        rc = order_side(o, g, b);
    return rc;
}

/* Pair processes by image name; one unnamed process with one process. */
static int pairs(dvs *o, const ldrsnap_run *good, const ldrsnap_run *bad,
                 size_t *npairs)
{
    bool used[64] = {false};
    int rc = LDRSNAP_OK;
    *npairs = 0;
    for (size_t i = 0; i < bad->nprocs && rc == 0; i++) {
        const rn_proc *b = &bad->procs[i];
        for (size_t k = 0; k < good->nprocs && k < 64; k++) {
            const rn_proc *g = &good->procs[k];
            bool named = g->image && b->image;
            if (used[k] || (named && !ldrsnap__name_eq(g->image, b->image)) ||
                (!named && (good->nprocs != 1 || bad->nprocs != 1)))
                continue;
            used[k] = true;
            (*npairs)++;
            rc = compare(o, g, b);
            break;
        }
    }
    return rc;
}

int ldrsnap_diff(const ldrsnap_run *good, const ldrsnap_run *bad,
                 unsigned flags, ldrsnap_difference_cb cb, void *userdata)
{
    if (!valid(good) || !valid(bad) || !cb || (flags & ~LDRSNAP_DIFF_FORCE))
        return LDRSNAP_EINVAL;
    dvs o = {&bad->al, NULL, 0, 0};
    size_t npairs;
    int rc = pairs(&o, good, bad, &npairs);
    if (rc == 0 && !npairs && good->nprocs && bad->nprocs) {
        rn_proc mg, mb;
        rc = LDRSNAP_ENOTFOUND;
        if ((flags & LDRSNAP_DIFF_FORCE) && (rc = merge(&bad->al, good, &mg)) == 0) {
            if ((rc = merge(&bad->al, bad, &mb)) == 0)
                rc = compare(&o, &mg, &mb);
            ldrsnap__free(&bad->al, mb.dlls);
        }
        if (flags & LDRSNAP_DIFF_FORCE)
            ldrsnap__free(&bad->al, mg.dlls);
    }
    if (rc == 0 && o.n > 1)
        qsort(o.v, o.n, sizeof *o.v, by_rank);
    for (size_t i = 0; i < o.n && rc == 0; i++)
        if (cb(&o.v[i].d, userdata))
            rc = LDRSNAP_ECALLBACK;
    ldrsnap__free(&bad->al, o.v);
    return rc;
}

const char *ldrsnap_diff_kind_name(ldrsnap_diff_kind k)
{
    switch (k) {
    case LDRSNAP_DIFF_FAILED_IN_BAD:
        return "failed_in_bad";
    case LDRSNAP_DIFF_OTHER_PATH:
        return "other_path";
    case LDRSNAP_DIFF_ONLY_IN_GOOD:
        return "only_in_good";
    case LDRSNAP_DIFF_ONLY_IN_BAD:
        return "only_in_bad";
    case LDRSNAP_DIFF_ORDER:
        return "order";
    }
    return "unknown";
}
