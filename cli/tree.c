/*
 * tree.c - the load tree of each process: who loaded whom, from the
 * records as they stream (the analyzer's record callback), then the
 * failures and their load chains once the analysis is done.
 *
 * A DLL hangs under the module that loaded it:
 *   - the loader says so: "Unable to load DLL: X, Parent Module: Y", XP's
 *     "X used by Y", "Snapping imports for Y from X", a failure's chain
 *     (the library's trace: exe > a.dll > b.dll, authoritative);
 *   - else the load functions open on the same thread (an ENTER for b.dll
 *     inside the frames of a.dll's load);
 *   - else the process image (LoadLibrary by the program, a ModLoad or
 *     Visual Studio "Loaded" line).
 * One node per DLL name (case-blind) per process; a pid that begins again
 * is a new process.
 *
 * Memory follows the live processes, not the log: a process ends when
 * the analyzer says so (tree_end(), from its LDRSNAP_EV_PROCESS_END
 * event), after its failures; those that ended are freed PRUNE_ENDED at
 * a time, but for the first few that failed (any, with --all), which the
 * page and the terminal show (tree_new()'s keep); the others are counted.
 * A process the analyzer never ends (a pid the tree split where the
 * library did not) goes once it is not among the RECENT most recently
 * active, checked every PRUNE_EVERY new processes.  No input holds more
 * than TREE_MAX_NODES nodes.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define TREE_MAX_NODES (1 << 16)
#define RECENT 256       /* processes most recently active: never freed
                            unless ended */
#define PRUNE_EVERY 512  /* new processes between two prunings */
#define PRUNE_ENDED 32   /* ended processes between two prunings */
#define TREE_MAX_PROCS (1 << 16)
#define FN_CACHE 64
#define TREE_KEY_SLOTS 8192 /* distinct pids followed at once */
#define STACK_MAX 24 /* = tthread.stack */



struct tree {
    tnode *nodes;
    size_t nnodes, cap;
    tproc *procs;
    size_t nprocs, pcap;
    size_t keys[TREE_KEY_SLOTS]; /* process index + 1, by pid */
    size_t hcap;
    size_t dropped;
    char **fns; /* interned function names */
    const char *fn_raw[FN_CACHE];      /* a record's pointer ... */
    const char *fn_interned[FN_CACHE]; /* ... and its interned name */
    size_t nfns;
    size_t prune_at;    /* prune when nprocs reaches it */
    bool keep_all;      /* keep any process, failing or not (--all) */
    size_t keep;        /* ended processes kept at most */
    bool close;         /* follow the log no more once `keep` are kept */
    bool closed;
    size_t nkept;       /* ended processes kept */
    size_t nended;      /* ended, not kept, not yet freed */
    size_t gone_failing, gone_other; /* ended processes freed */
};

static uint64_t name_hash(size_t proc, const char *s)
{
    uint64_t h = 1469598103934665603ull ^ proc;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c += 32;
        h = (h ^ c) * 1099511628211ull;
    }
    /* FNV's low bits depend only on the inputs' low bits: mix (the
     * finalizer of MurmurHash3) before the table takes them */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

int tree_new(tree **out, bool all, size_t keep, bool close)
{
    tree *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->keep_all = all;
    t->keep = keep;
    t->close = close;
    t->prune_at = PRUNE_EVERY;
    *out = t;
    return 0;
}

static void proc_free(tproc *p)
{
    free(p->image);
    free(p->slots);
    for (tthread *th = p->threads, *n; th; th = n) {
        n = th->next;
        free(th->spans);
        free(th);
    }
}

void tree_free(tree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nnodes; i++) {
        free(t->nodes[i].name);
        free(t->nodes[i].path);
    }
    for (size_t i = 0; i < t->nprocs; i++)
        proc_free(&t->procs[i]);
    for (size_t i = 0; i < t->nfns; i++)
        free(t->fns[i]);
    free(t->fns);
    free(t->nodes);
    free(t->procs);
    free(t);
}

const tnode *tree_node(const tree *t, uint32_t i)
{
    return i == TREE_NONE ? NULL : &t->nodes[i];
}

size_t tree_nprocs(const tree *t)
{
    return t->nprocs;
}

const tproc *tree_proc(const tree *t, size_t i)
{
    return &t->procs[i];
}

/* ---- processes and nodes --------------------------------------------- */

static uint64_t key_of(bool has_pid, uint32_t pid)
{
    return has_pid ? (1ull << 32) | pid : 0;
}

/* The latest process of each pid: a table by key. */
static size_t *key_slot(tree *t, uint64_t key)
{
    size_t mask = TREE_KEY_SLOTS - 1;
    size_t k = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 40) & mask;
    for (size_t n = 0; n < TREE_KEY_SLOTS; n++, k = (k + 1) & mask) {
        size_t v = t->keys[k];
        if (!v || t->procs[v - 1].key == key)
            return &t->keys[k];
    }
    return NULL;
}

static void key_set(tree *t, size_t i)
{
    size_t *slot = key_slot(t, t->procs[i].key);
    if (slot)
        *slot = i + 1;
}

static tproc *new_proc(tree *t, uint64_t key, uint64_t line)
{
    if (t->nprocs == TREE_MAX_PROCS)
        return NULL;
    if (t->nprocs == t->pcap) {
        size_t cap = t->pcap ? t->pcap * 2 : 8;
        tproc *p = realloc(t->procs, cap * sizeof *p);
        if (!p)
            return NULL;
        t->procs = p;
        t->pcap = cap;
    }
    tproc *p = &t->procs[t->nprocs++];
    memset(p, 0, sizeof *p);
    p->key = key;
    p->first_line = line;
    p->root = TREE_NONE;
    key_set(t, t->nprocs - 1);
    return p;
}

/* The latest process of this pid (or of none), made when missing. */
static tproc *proc_of(tree *t, uint64_t key, uint64_t line)
{
    size_t *slot = key_slot(t, key);
    if (slot && *slot && !t->procs[*slot - 1].ended)
        return &t->procs[*slot - 1];
    if (slot && *slot) /* the analyzer ended it: the pid's next process */
        return new_proc(t, key, line);
    /* a debugger's lines (ModLoad of the program) before the first line
     * that names a pid: the same process */
    if (key && t->nprocs == 1 && t->procs[0].key == 0 && !t->procs[0].began) {
        size_t *anon = key_slot(t, 0);
        if (anon)
            *anon = 0;
        t->procs[0].key = key;
        key_set(t, 0);
        return &t->procs[0];
    }
    return new_proc(t, key, line);
}

static bool name_eq(const char *a, const char *b)
{
    return !strcasecmp(a, b);
}

/* Each process has a table of its own: the few dozen DLLs of the process
 * being read stay in the cache. */
static int rehash(tree *t, tproc *p)
{
    size_t cap = p->nslots ? p->nslots * 2 : 32;
    uint32_t *h = calloc(cap, sizeof *h);
    if (!h)
        return -1;
    for (size_t i = 0; i < p->nslots; i++) {
        uint32_t v = p->slots[i];
        if (!v)
            continue;
        size_t k = name_hash(0, t->nodes[v - 1].name) & (cap - 1);
        while (h[k])
            k = (k + 1) & (cap - 1);
        h[k] = v;
    }
    free(p->slots);
    p->slots = h;
    p->nslots = cap;
    return 0;
}

static void link_child(tree *t, uint32_t parent, uint32_t child)
{
    tnode *c = &t->nodes[child];
    c->parent = parent;
    c->next = TREE_NONE;
    if (parent == TREE_NONE)
        return;
    tnode *p = &t->nodes[parent];
    if (p->last == TREE_NONE)
        p->first = child;
    else
        t->nodes[p->last].next = child;
    p->last = child;
}

static void unlink_child(tree *t, uint32_t child)
{
    tnode *c = &t->nodes[child];
    if (c->parent == TREE_NONE)
        return;
    tnode *p = &t->nodes[c->parent];
    uint32_t prev = TREE_NONE;
    for (uint32_t i = p->first; i != TREE_NONE; prev = i, i = t->nodes[i].next) {
        if (i != child)
            continue;
        if (prev == TREE_NONE)
            p->first = c->next;
        else
            t->nodes[prev].next = c->next;
        if (p->last == child)
            p->last = prev;
        break;
    }
    c->parent = TREE_NONE;
}

/* The node of a DLL in process p (its file name), made when missing. */
static uint32_t node_of(tree *t, tproc *p, const char *dll, const char *path,
                        uint64_t line)
{
    const char *name = cli_basename(dll);
    size_t proc = (size_t)(p - t->procs);
    if (!*name)
        return TREE_NONE;
    if ((p->nused + 1) * 2 > p->nslots && rehash(t, p) < 0)
        return TREE_NONE;
    size_t k = name_hash(0, name) & (p->nslots - 1);
    for (uint32_t i; (i = p->slots[k]); k = (k + 1) & (p->nslots - 1)) {
        tnode *n = &t->nodes[i - 1];
        if (name_eq(n->name, name)) {
            if (!n->path && path && strcmp(path, name))
                n->path = strdup(path); /* NULL: shown without */
            return i - 1;
        }
    }
    if (t->nnodes == TREE_MAX_NODES) {
        t->dropped++;
        return TREE_NONE;
    }
    if (t->nnodes == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        tnode *v = realloc(t->nodes, cap * sizeof *v);
        if (!v)
            return TREE_NONE;
        t->nodes = v;
        t->cap = cap;
    }
    uint32_t i = (uint32_t)t->nnodes;
    tnode *n = &t->nodes[i];
    memset(n, 0, sizeof *n);
    n->name = strdup(name);
    if (!n->name)
        return TREE_NONE;
    n->path = path && strcmp(path, name) ? strdup(path) : NULL;
    n->proc = proc;
    n->line = line;
    n->parent = n->first = n->last = n->next = TREE_NONE;
    t->nnodes++;
    p->slots[k] = i + 1;
    p->nused++;
    return i;
}

/* Is a an ancestor of (or) b? */
static bool above(const tree *t, uint32_t a, uint32_t b)
{
    for (unsigned hops = 0; b != TREE_NONE && hops < 4096; hops++) {
        if (a == b)
            return true;
        b = t->nodes[b].parent;
    }
    return false;
}

/* Hang child under parent.  `sure`: the log says so (an explicit parent
 * or a chain), which moves a node the guesses had placed. */
static void attach(tree *t, uint32_t parent, uint32_t child, bool sure)
{
    if (parent == TREE_NONE || child == TREE_NONE || above(t, child, parent))
        return;
    tnode *c = &t->nodes[child];
    if (c->parent == parent || (c->parent != TREE_NONE && c->sure) ||
        (c->parent != TREE_NONE && !sure &&
         c->parent != t->procs[c->proc].root))
        return;
    unlink_child(t, child);
    link_child(t, parent, child);
    c->sure = sure;
}

static uint32_t root_of(tree *t, tproc *p, const char *image, uint64_t line)
{
    if (p->root == TREE_NONE && image) {
        p->root = node_of(t, p, image, image, line);
        if (p->root != TREE_NONE) {
            free(p->image);
            p->image = strdup(cli_basename(image));
            /* what was found before the image was named hangs under it
             * once tree_mark() runs */
        }
    }
    return p->root;
}

/* ---- records ----------------------------------------------------------- */

static const char *intern_new(tree *t, const char *fn);

/* A function name kept as long as the tree: the library gives the known
 * loader functions' names from one table, so the same pointer comes
 * back and a small cache by pointer answers most calls without a
 * compare. */
static const char *intern(tree *t, const char *fn)
{
    /* a record's strings are borrowed: the same address may hold another
     * name at the next record (the one-thread way reuses its buffers), so
     * a hit by address is checked by content */
    size_t h = ((uintptr_t)fn >> 3) & (FN_CACHE - 1);
    if (t->fn_raw[h] == fn && !strcmp(t->fn_interned[h], fn))
        return t->fn_interned[h];
    const char *got = NULL;
    for (size_t i = 0; i < t->nfns && !got; i++)
        if (!strcmp(t->fns[i], fn))
            got = t->fns[i];
    if (!got)
        got = intern_new(t, fn);
    if (got) {
        t->fn_raw[h] = fn;
        t->fn_interned[h] = got;
    }
    return got;
}

static const char *intern_new(tree *t, const char *fn)
{
    for (size_t i = 0; i < t->nfns; i++)
        if (!strcmp(t->fns[i], fn))
            return t->fns[i];
    if (t->nfns >= 512)
        return NULL;
    char **v = realloc(t->fns, (t->nfns + 1) * sizeof *v);
    if (!v)
        return NULL;
    t->fns = v;
    if (!(v[t->nfns] = strdup(fn)))
        return NULL;
    return v[t->nfns++];
}

static tthread *thread_of(tproc *p, const ldrsnap_record *r)
{
    bool has = (r->flags & LDRSNAP_RF_TID) != 0;
    tthread *th = p->last_thread;
    if (th && th->has_tid == has && (!has || th->tid == r->tid)) {
        th->last = r->line;
        return th;
    }
    for (th = p->threads; th; th = th->next)
        if (th->has_tid == has && (!has || th->tid == r->tid))
            break;
    if (!th) {
        if (p->nthreads >= TREE_MAX_LANES || !(th = calloc(1, sizeof *th)))
            return NULL;
        th->tid = r->tid;
        th->has_tid = has;
        th->first = r->line;
        /* in the order they first appear */
        tthread **tail = &p->threads;
        while (*tail)
            tail = &(*tail)->next;
        *tail = th;
        p->nthreads++;
    }
    th->last = r->line;
    p->last_thread = th;
    return th;
}

/* A top-level load on a thread: a span of its lane in the timeline. */
static void span_open(tthread *th, uint32_t node, uint64_t line)
{
    if (th->nspans == TREE_MAX_SPANS) {
        th->more++;
        return;
    }
    if (th->nspans == th->cspans) {
        size_t cap = th->cspans ? th->cspans * 2 : 4;
        tspan *v = realloc(th->spans, cap * sizeof *v);
        if (!v)
            return;
        th->spans = v;
        th->cspans = cap;
    }
    tspan *sp = &th->spans[th->nspans++];
    memset(sp, 0, sizeof *sp);
    sp->node = node;
    sp->start = sp->end = line;
    sp->open = true;
}

/* A new top-level node hangs under the image when there is one. */
static void place(tree *t, tproc *p, uint32_t n)
{
    if (n != TREE_NONE && t->nodes[n].parent == TREE_NONE && n != p->root &&
        p->root != TREE_NONE)
        link_child(t, p->root, n);
}

static void on_enter(tree *t, tproc *p, const ldrsnap_record *r)
{
    tthread *th = thread_of(p, r);
    if (!th)
        return;
    /* the load functions of one DLL nest: most ENTERs name the DLL of the
     * frame above them, found without the table */
    uint32_t n = TREE_NONE;
    if (th->depth) {
        tnode *top = &t->nodes[th->stack[th->depth - 1].node];
        const char *name = cli_basename(r->dll);
        if (top->name[0] == name[0] && name_eq(top->name, name)) {
            n = th->stack[th->depth - 1].node;
            if (!top->path && r->dll_path)
                top->path = strdup(r->dll_path);
        }
    }
    if (n == TREE_NONE)
        n = node_of(t, p, r->dll, r->dll_path ? r->dll_path : r->dll,
                    r->line);
    if (n == TREE_NONE)
        return;
    for (unsigned i = th->depth; i-- > 0;) {
        if (th->stack[i].node != n) {
            attach(t, th->stack[i].node, n, false);
            break;
        }
    }
    place(t, p, n);
    if (th->depth == 0)
        span_open(th, n, r->line);
    if (th->depth < STACK_MAX && r->function) {
        th->stack[th->depth].node = n;
        th->stack[th->depth].fn = intern(t, r->function);
        th->depth++;
    }
}

static void on_return(tree *t, tproc *p, const ldrsnap_record *r)
{
    tthread *th = thread_of(p, r);
    if (!th || !r->function)
        return;
    const char *fn = intern(t, r->function);
    for (unsigned i = th->depth; i-- > 0;) {
        if (th->stack[i].fn && th->stack[i].fn == fn) {
            th->depth = i;
            if (i == 0 && th->nspans && th->spans[th->nspans - 1].open) {
                tspan *sp = &th->spans[th->nspans - 1];
                sp->open = false;
                sp->end = r->line;
                sp->status = r->status;
                sp->failed = (r->flags & LDRSNAP_RF_STATUS) &&
                             r->status >= 0xC0000000u;
            }
            return;
        }
    }
}

static void edge(tree *t, tproc *p, const char *parent, const char *dll,
                 const ldrsnap_record *r)
{
    if (!dll)
        return;
    uint32_t c = node_of(t, p, dll, r->dll_path ? r->dll_path : dll, r->line);
    if (parent) {
        uint32_t q = node_of(t, p, parent, parent, r->line);
        place(t, p, q);
        attach(t, q, c, true);
    }
    place(t, p, c);
}

/* ---- memory: ended processes ------------------------------------------- */

static uint64_t activity(const tproc *p)
{
    return p->last_line > p->first_line ? p->last_line : p->first_line;
}

static int cmp_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x > y ? -1 : x < y;
}

static uint32_t remap(const uint32_t *map, uint32_t i)
{
    return i == TREE_NONE ? TREE_NONE : map[i];
}

/* Free the processes that ended and are not kept; the arrays are packed
 * again (indexes remapped).  -1 out of memory (nothing freed). */
static int prune(tree *t, bool final)
{
    size_t n = t->nprocs;
    t->nended = 0;
    uint64_t *act = malloc(n * sizeof *act);
    size_t *pmap = malloc(n * sizeof *pmap);
    uint32_t *nmap = malloc((t->nnodes + 1) * sizeof *nmap);
    size_t *oldkeys = malloc(sizeof t->keys);
    if (!act || !pmap || !nmap || !oldkeys) {
        free(act), free(pmap), free(nmap), free(oldkeys);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        act[i] = activity(&t->procs[i]);
    qsort(act, n, sizeof *act, cmp_desc);
    uint64_t recent = n > RECENT ? act[RECENT - 1] : 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        tproc *p = &t->procs[i];
        bool live = !t->closed && ((!p->ended && activity(p) >= recent) ||
                                   (i + 1 == n && !final));
        if (!live && !p->kept && !p->ended && (p->failing || t->keep_all) &&
            t->nkept < t->keep) {
            p->kept = true;
            t->nkept++;
        }
        if (live || p->kept) {
            pmap[i] = m++;
            continue;
        }
        pmap[i] = SIZE_MAX;
        if (p->failing)
            t->gone_failing++;
        else
            t->gone_other++;
    }
    /* the nodes */
    uint32_t k = 0;
    for (size_t i = 0; i < t->nnodes; i++) {
        tnode *nd = &t->nodes[i];
        if (pmap[nd->proc] == SIZE_MAX) {
            free(nd->name);
            free(nd->path);
            nmap[i] = TREE_NONE;
            continue;
        }
        nmap[i] = k;
        t->nodes[k++] = *nd;
    }
    t->nnodes = k;
    for (size_t i = 0; i < t->nnodes; i++) {
        tnode *nd = &t->nodes[i];
        nd->proc = pmap[nd->proc];
        nd->parent = remap(nmap, nd->parent);
        nd->first = remap(nmap, nd->first);
        nd->last = remap(nmap, nd->last);
        nd->next = remap(nmap, nd->next);
    }
    /* the processes */
    for (size_t i = 0; i < n; i++) {
        tproc *p = &t->procs[i];
        if (pmap[i] == SIZE_MAX) {
            proc_free(p);
            continue;
        }
        p->root = remap(nmap, p->root);
        for (size_t j = 0; j < p->nslots; j++)
            if (p->slots[j])
                p->slots[j] = nmap[p->slots[j] - 1] + 1;
        for (tthread *th = p->threads; th; th = th->next) {
            for (unsigned d = 0; d < th->depth && d < STACK_MAX; d++)
                th->stack[d].node = remap(nmap, th->stack[d].node);
            for (size_t j = 0; j < th->nspans; j++)
                th->spans[j].node = remap(nmap, th->spans[j].node);
        }
        t->procs[pmap[i]] = *p;
    }
    t->nprocs = m;
    /* the latest process of each pid, when it stays */
    memcpy(oldkeys, t->keys, sizeof t->keys);
    memset(t->keys, 0, sizeof t->keys);
    for (size_t j = 0; j < TREE_KEY_SLOTS; j++)
        if (oldkeys[j] && pmap[oldkeys[j] - 1] != SIZE_MAX)
            key_set(t, pmap[oldkeys[j] - 1]);
    free(act), free(pmap), free(nmap), free(oldkeys);
    return 0;
}

size_t tree_gone(const tree *t, bool failing)
{
    return failing ? t->gone_failing : t->gone_other;
}

/* The analyzer ended the process of this pid that its last line was in
 * (a pid that begins again has its new process already: the record that
 * begins it comes before the old one's end); its failures came before.
 * Kept to be shown when it failed (or --all) and there is room, else
 * freed at the next pruning. */
void tree_end(tree *t, unsigned flags, uint32_t pid, uint64_t last_line,
              bool failed)
{
    long i = tree_proc_at(t, flags, pid, last_line);
    if (i < 0)
        return;
    tproc *p = &t->procs[i];
    if (p->ended || p->kept)
        return;
    p->ended = true;
    if ((failed || p->failing || t->keep_all) && t->nkept < t->keep) {
        p->kept = true;
        t->nkept++;
    } else {
        t->nended++;
    }
    if (t->close && t->nkept == t->keep && !t->closed) {
        /* no process that ends later is shown: the others go now, and the
         * records are not followed any more */
        t->closed = true;
        prune(t, true);
    }
}

int tree_record(tree *t, const ldrsnap_record *r)
{
    if (t->closed)
        return 0;
    if (t->nprocs >= t->prune_at || t->nended >= PRUNE_ENDED) {
        if (prune(t, false) < 0)
            return -1;
        t->prune_at = t->nprocs + PRUNE_EVERY;
    }
    uint64_t key = key_of((r->flags & LDRSNAP_RF_PID) != 0, r->pid);
    bool pidless = !(r->flags & LDRSNAP_RF_PID);
    tproc *p;
    if (r->msg == LDRSNAP_M_BEGIN_EXEC) {
        p = proc_of(t, key, r->line);
        if (p && p->began)
            p = new_proc(t, key, r->line);
        if (!p)
            return 0;
        p->began = true;
        root_of(t, p, r->dll_path ? r->dll_path : r->dll, r->line);
        return 0;
    }
    /* lines that name no process belong to the last one seen */
    p = pidless && t->nprocs ? &t->procs[t->nprocs - 1]
                             : proc_of(t, key, r->line);
    if (!p)
        return 0;
    p->last_line = r->line;
    if (r->dialect == LDRSNAP_D_VISTA || r->dialect == LDRSNAP_D_XP)
        thread_of(p, r); /* a lane in the timeline, loads or not */
    switch (r->msg) {
    case LDRSNAP_M_DLL_NAME:
    case LDRSNAP_M_LOADING_DLL:
        if (r->dll && r->level == LDRSNAP_L_ENTER)
            on_enter(t, p, r);
        else if (r->dll && r->dialect == LDRSNAP_D_XP) {
            if (p->root == TREE_NONE && cli_stem_len(r->dll) + 4 ==
                                            strlen(r->dll) &&
                !strcasecmp(r->dll + strlen(r->dll) - 4, ".exe"))
                root_of(t, p, r->dll, r->line);
            else
                place(t, p, node_of(t, p, r->dll, r->dll, r->line));
        }
        break;
    case LDRSNAP_M_STATUS:
        if (r->level == LDRSNAP_L_RETURN)
            on_return(t, p, r);
        break;
    case LDRSNAP_M_UNABLE_TO_LOAD:
    case LDRSNAP_M_USED_BY:
    case LDRSNAP_M_SNAPPING:
    case LDRSNAP_M_BINDING:
        edge(t, p, r->parent, r->dll, r);
        break;
    case LDRSNAP_M_MODLOAD:
    case LDRSNAP_M_IDE_LOADED:
        if (r->image)
            root_of(t, p, r->image, r->line);
        if (r->dll && strlen(r->dll) > 4 &&
            !strcasecmp(r->dll + strlen(r->dll) - 4, ".exe") &&
            p->root == TREE_NONE)
            root_of(t, p, r->dll_path ? r->dll_path : r->dll, r->line);
        else if (r->dll)
            place(t, p, node_of(t, p, r->dll, r->dll_path, r->line));
        break;
    default:
        break;
    }
    return 0;
}

/* ---- failures ------------------------------------------------------------ */

static int role_rank(ldrsnap_role r)
{
    switch (r) {
    case LDRSNAP_ROLE_ROOT_CAUSE:
        return 4;
    case LDRSNAP_ROLE_CONSEQUENCE:
        return 3;
    case LDRSNAP_ROLE_HANDLED:
        return 2;
    case LDRSNAP_ROLE_NOISE:
        return 1;
    }
    return 0;
}

/* The process a failure belongs to: the latest of its pid begun before
 * its line. */
static tproc *proc_at(tree *t, unsigned flags, uint32_t pid, uint64_t line)
{
    uint64_t key = key_of((flags & LDRSNAP_FF_PID) != 0, pid);
    tproc *any = NULL;
    size_t *slot = key_slot(t, key);
    if (slot && *slot && t->procs[*slot - 1].first_line <= line)
        return &t->procs[*slot - 1]; /* the latest of its pid */
    for (size_t i = t->nprocs; i-- > 0;) {
        if (t->procs[i].key != key)
            continue;
        if (t->procs[i].first_line <= line)
            return &t->procs[i];
        any = &t->procs[i];
    }
    if (!any && key == 0 && t->nprocs)
        return &t->procs[0]; /* XP: one process, named by no pid */
    return any ? any : new_proc(t, key, line);
}

int tree_failure(tree *t, const ldrsnap_failure *f)
{
    if (t->closed)
        return 0;
    tproc *p = proc_at(t, f->flags, f->pid, f->line);
    if (!p)
        return 0;
    /* the chain, outermost first, is the library's reading of who loaded
     * whom: it wins over guesses */
    uint32_t prev = TREE_NONE;
    for (size_t i = 0; i < f->chain_len; i++) {
        uint32_t n;
        if (i == 0 && p->root == TREE_NONE &&
            strlen(f->chain[0]) > 4 &&
            !strcasecmp(f->chain[0] + strlen(f->chain[0]) - 4, ".exe"))
            n = root_of(t, p, f->chain[0], f->line);
        else
            n = node_of(t, p, f->chain[i], f->chain[i], f->line);
        if (prev != TREE_NONE)
            attach(t, prev, n, true);
        else
            place(t, p, n);
        prev = n;
    }
    if (!f->dll)
        return 0;
    uint32_t n = node_of(t, p, f->dll, f->dll_path, f->line);
    if (n == TREE_NONE)
        return 0;
    if (f->parent)
        attach(t, node_of(t, p, f->parent, f->parent, f->line), n, true);
    place(t, p, n);
    tnode *d = &t->nodes[n];
    if (role_rank(f->role) > d->rank) {
        d->rank = role_rank(f->role);
        d->role = f->role;
        d->has_status = (f->flags & LDRSNAP_FF_STATUS) != 0;
        d->status = f->status;
        d->fail_line = f->line;
        d->kind = f->kind;
    }
    if (f->role == LDRSNAP_ROLE_ROOT_CAUSE || f->role == LDRSNAP_ROLE_CONSEQUENCE)
        p->failing = true;
    return 0;
}

long tree_proc_at(const tree *t, unsigned flags, uint32_t pid,
                  uint64_t line)
{
    uint64_t key = key_of((flags & LDRSNAP_FF_PID) != 0, pid);
    long any = -1;
    size_t *slot = key_slot((tree *)t, key);
    if (slot && *slot && t->procs[*slot - 1].first_line <= line)
        return (long)(*slot - 1); /* the latest of its pid */
    for (size_t i = t->nprocs; i-- > 0;) {
        if (t->procs[i].key != key)
            continue;
        if (t->procs[i].first_line <= line)
            return (long)i;
        any = (long)i;
    }
    if (any < 0 && key == 0 && t->nprocs)
        return 0;
    return any;
}

size_t tree_dropped(const tree *t)
{
    return t->dropped;
}

/* ---- what to show -------------------------------------------------------- */

/* Mark the nodes that matter: failures (not noise unless all), their
 * ancestors.  Returns whether any node of the process matters. */
void tree_mark(tree *t, bool all)
{
    /* the ended processes not kept go (the last ones the input ended) */
    if (t->nended)
        prune(t, true); /* out of memory: they are shown */
    /* a process whose image the log does not name: its top-level modules
     * under a stand-in */
    for (size_t i = 0, n = t->nnodes; i < n; i++) {
        tnode *nd = &t->nodes[i];
        tproc *p = &t->procs[nd->proc];
        if (nd->parent != TREE_NONE || (uint32_t)i == p->root)
            continue;
        if (p->root == TREE_NONE) {
            p->root = node_of(t, p, "(the program: the log does not name "
                                    "it)", NULL, 0);
            if (p->root == TREE_NONE)
                continue;
        }
        link_child(t, p->root, (uint32_t)i);
    }
    for (size_t i = 0; i < t->nnodes; i++) {
        t->nodes[i].shown = all;
        t->nodes[i].nhidden = 0;
    }
    for (size_t i = 0; !all && i < t->nnodes; i++) {
        tnode *n = &t->nodes[i];
        if (n->rank < 3)
            continue;
        for (uint32_t k = (uint32_t)i; k != TREE_NONE && !t->nodes[k].shown;
             k = t->nodes[k].parent)
            t->nodes[k].shown = true;
    }
    for (size_t i = 0; i < t->nnodes; i++)
        if (!t->nodes[i].shown && t->nodes[i].parent != TREE_NONE)
            t->nodes[t->nodes[i].parent].nhidden++;
}

/* ---- the tree in a terminal ---------------------------------------------- */

#define SHOW_DEPTH 48

typedef struct glyphs {
    const char *tee, *elbow, *pipe, *blank;
} glyphs;

static bool utf8_locale(void)
{
    const char *v[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (int i = 0; i < 3; i++) {
        const char *s = getenv(v[i]);
        if (!s || !*s)
            continue;
        for (; *s; s++)
            if (!strncasecmp(s, "utf-8", 5) || !strncasecmp(s, "utf8", 4))
                return true;
        return false;
    }
    return false;
}

static void label(obuf *out, const tree *t, const tnode *n, const cli_opts *o)
{
    const char *red = o->color ? "\033[1;31m" : "";
    const char *yel = o->color ? "\033[33m" : "";
    const char *dim = o->color ? "\033[2m" : "";
    const char *off = o->color ? "\033[0m" : "";
    (void)t;
    const char *c = n->rank == 4 ? red : n->rank == 3 ? yel
                  : n->rank == 2 ? dim : "";
    ob_puts(out, c);
    term_put(out, n->name);
    if (n->rank >= 2) { /* not a probe miss: the search went on */
        ob_puts(out, n->rank < 3 ? " " : o->ascii ? "  x" : "  \u2717");
        if (n->has_status) {
            const char *nm = ldrsnap_status_name(n->status);
            ob_printf(out, " 0x%08x%s%s", n->status, nm ? " " : "",
                    nm ? nm : "");
        }
        ob_printf(out, " (%s, line %llu)", ldrsnap_role_name(n->role),
                (unsigned long long)n->fail_line);
    }
    ob_puts(out, *c ? off : "");
    ob_putc(out, '\n');
}

/* How many children of n are not shown (counted by tree_mark()). */
static size_t hidden(const tree *t, const tnode *n)
{
    (void)t;
    return n->nhidden;
}

static uint32_t next_shown(const tree *t, uint32_t i)
{
    while (i != TREE_NONE && !t->nodes[i].shown)
        i = t->nodes[i].next;
    return i;
}

/* Depth first, without recursion (a hostile log may nest deep). */
static void subtree(obuf *out, const tree *t, uint32_t top,
                    const glyphs *g, const cli_opts *o)
{
    uint32_t stack[SHOW_DEPTH + 1];
    bool last[SHOW_DEPTH + 1];
    int d = 0;
    stack[0] = next_shown(t, t->nodes[top].first);
    while (d >= 0) {
        uint32_t i = stack[d];
        if (i == TREE_NONE) {
            /* the parent's folded children, after its shown ones */
            uint32_t parent = d ? stack[d - 1] : top;
            size_t h = hidden(t, &t->nodes[parent]);
            if (h) {
                for (int k = 0; k < d; k++)
                    ob_puts(out, last[k] ? g->blank : g->pipe);
                ob_printf(out, "%s(%zu more loaded)\n", g->elbow, h);
            }
            if (--d >= 0)
                stack[d] = next_shown(t, t->nodes[stack[d]].next);
            continue;
        }
        const tnode *n = &t->nodes[i];
        uint32_t after = next_shown(t, n->next);
        uint32_t parent = n->parent;
        last[d] = after == TREE_NONE &&
                  !(parent != TREE_NONE && hidden(t, &t->nodes[parent]));
        for (int k = 0; k < d; k++)
            ob_puts(out, last[k] ? g->blank : g->pipe);
        ob_puts(out, last[d] ? g->elbow : g->tee);
        label(out, t, n, o);
        if (d < SHOW_DEPTH && n->first != TREE_NONE) {
            stack[++d] = next_shown(t, n->first);
        } else {
            if (n->first != TREE_NONE) {
                for (int k = 0; k <= d; k++)
                    ob_puts(out, last[k] ? g->blank : g->pipe);
                ob_printf(out, "%s(deeper levels not shown)\n", g->elbow);
            }
            stack[d] = after;
        }
    }
}

void tree_text(obuf *out, tree *t, const char *source, const cli_opts *o)
{
    static const glyphs box = {"\u251c\u2500\u2500 ", "\u2514\u2500\u2500 ",
                               "\u2502   ", "    "};
    static const glyphs ascii = {"|-- ", "`-- ", "|   ", "    "};
    const glyphs *g = o->ascii || !utf8_locale() ? &ascii : &box;
    cli_opts oo = *o;
    oo.ascii = g == &ascii;
    tree_mark(t, o->all);
    bool any = false;
    size_t shown = 0, more = tree_gone(t, true) + (o->all ? tree_gone(t, false)
                                                           : 0);
    for (size_t pi = 0; pi < t->nprocs; pi++) {
        tproc *p = &t->procs[pi];
        if (!o->all && !p->failing)
            continue;
        any = true;
        if (shown++ == TREE_KEEP + RECENT) {
            more++;
            continue;
        }
        term_put(out, source);
        ob_puts(out, ": process ");
        if (p->key)
            ob_printf(out, "%04x", (unsigned)(p->key & 0xffffffffu));
        else
            ob_puts(out, "(no pid in the log)");
        if (p->image) {
            ob_putc(out, ' ');
            term_put(out, p->image);
        }
        ob_putc(out, '\n');
        uint32_t root = p->root;
        if (root == TREE_NONE)
            continue;
        label(out, t, &t->nodes[root], &oo);
        subtree(out, t, root, g, &oo);
    }
    if (shown > TREE_KEEP + RECENT)
        more += shown - TREE_KEEP - RECENT - 1;
    if (!any && !more) {
        term_put(out, source);
        ob_puts(out, ": no loader failure found\n");
    }
    if (more)
        ob_printf(out, "(%zu more %sprocesses not shown: the first %d that "
                       "ended are kept; ldrsnap analyze lists every verdict)"
                       "\n",
                  more, o->all ? "" : "failing ", TREE_KEEP);
    if (t->dropped)
        ob_printf(out, "(%zu modules beyond %d not shown)\n", t->dropped,
                TREE_MAX_NODES);
}
