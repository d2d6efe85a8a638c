/*
 * verdict.c - a role for every failure and one verdict per process.
 *
 * Within a process the strongest tier of evidence present decides
 * (trace/fail.h, enum ls_tier).  Among the failures of that tier the
 * root cause is the earliest one whose DLL is not itself the parent of
 * another failure (a DLL that failed only because its dependency did is a
 * consequence).  Independent failures of the same tier (four missing DLLs
 * on four worker threads) are all root causes; the verdict names the
 * first.  A failure is "handled" when the process later started a new
 * top-level load that succeeded, or went on after it otherwise (an XP
 * load request that got no news, followed by another), or exited with
 * code 0: the program went on.  No evidence, no verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict/verdict.h"

#define LS_VERDICT_DROPPED 1 /* keep_verdict(): past the verdicts kept */

struct ls_verdicts {
    ls_alloc al;
    /* verdicts of judged processes, each with its strings in one block of
     * its own (kept[i]; the root failure is freed with its process: a
     * failure with its slots is three times the size) */
    ldrsnap_verdict *verdicts;
    char **kept;
    size_t nverdicts, verdicts_cap;
    size_t keep;      /* verdicts kept: LDRSNAP_MAX_VERDICTS, or fewer */
    size_t dropped;   /* verdicts past those, counted */
    size_t handled;
    bool general_sort; /* by qsort() (the oracle), not by sort_keys() */
};

static bool same_dll(const ls_fail *a, const ls_fail *b)
{
    return a->pub.dll && b->pub.dll &&
           ldrsnap__name_eq(ldrsnap__basename(a->pub.dll),
                            ldrsnap__basename(b->pub.dll));
}

static ldrsnap_confidence tier_confidence(enum ls_tier t)
{
    switch (t) {
    case LS_T_ERROR:
        return LDRSNAP_CONF_HIGH;
    case LS_T_CHAIN:
    case LS_T_SOFT:
    case LS_T_PROCESS:
        return LDRSNAP_CONF_MEDIUM;
    case LS_T_INFERRED:
        break;
    }
    return LDRSNAP_CONF_LOW;
}

/* Turn exceptions the process did not survive into failures. */
static void promote_exceptions(ls_trace *t, ls_proc *p)
{
    /* a debugger capture taken without loader snaps says nothing of
     * loading: its exceptions are no loader failure */
    for (size_t i = 0; p->nrecords && i < p->nexc; i++) {
        const ls_exc *e = &p->exc[i];
        /* a first-chance exception the process went on after (loaded,
         * resolved a procedure) was caught: only one that the run-down
         * followed with nothing else between ended the process */
        bool fatal = e->second || (p->teardown_line > e->line &&
                                   p->went_on_line < e->line);
        if (!fatal)
            continue;
        char note[200];
        snprintf(note, sizeof note,
                 "%s exception 0x%08x%s%s; the process %s after it. The "
                 "code is the exception's, not a loader status",
                 e->second ? "second-chance" : "first-chance", e->code,
                 e->dll ? " while the thread was in " : "",
                 e->dll ? e->dll : "",
                 e->second ? "crashed" : "ran down");
        ldrsnap__fail_exception(t, p, e, note);
    }
}

/* The failures' parent modules, sorted by file name without case, so
 * that whether a DLL is the parent of another failure takes a binary
 * search (a scan of them all per failure was quadratic: 40,000 failures
 * of one process took minutes). */
typedef struct ls_parent {
    const char *name; /* basename of the failure's parent */
    const ls_fail *f;
} ls_parent;

static int name_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        x = x >= 'A' && x <= 'Z' ? (unsigned char)(x + 32) : x;
        y = y >= 'A' && y <= 'Z' ? (unsigned char)(y + 32) : y;
        if (x != y || !x)
            return x < y ? -1 : x > y;
    }
}

static int cmp_parent(const void *x, const void *y)
{
    return name_cmp(((const ls_parent *)x)->name,
                    ((const ls_parent *)y)->name);
}

/* Arrays this short are sorted in place by insertion (stable, as the
 * merge sort of qsort() is: the same order), without its call and its
 * temporary room. */
#define SHORT_SORT 16

static size_t parents_of(ls_parent *ps, ls_fail **r, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i]->pub.parent)
            ps[k++] = (ls_parent){ldrsnap__basename(r[i]->pub.parent), r[i]};
    if (k > SHORT_SORT) {
        qsort(ps, k, sizeof *ps, cmp_parent);
    } else {
        for (size_t i = 1; i < k; i++) {
            ls_parent x = ps[i];
            size_t j = i;
            for (; j && cmp_parent(&ps[j - 1], &x) > 0; j--)
                ps[j] = ps[j - 1];
            ps[j] = x;
        }
    }
    return k;
}

static bool dll_is_parent_of_other(const ls_parent *ps, size_t n,
                                   const ls_fail *f)
{
    if (!f->pub.dll)
        return false;
    const char *b = ldrsnap__basename(f->pub.dll);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (name_cmp(ps[mid].name, b) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* f's own parent may be among them (at most once) */
    for (; lo < n && name_cmp(ps[lo].name, b) == 0; lo++)
        if (ps[lo].f != f)
            return true;
    return false;
}

static void fill_verdict(ldrsnap_verdict *v, const ls_fail *r,
                         const ls_proc *p)
{
    memset(v, 0, sizeof *v);
    v->pid = r->pub.pid;
    v->tid = r->pub.tid;
    v->flags = r->pub.flags;
    v->kind = r->pub.kind;
    v->confidence = r->pub.confidence;
    v->status = r->pub.status;
    v->status_name = r->pub.status_name;
    v->dll = r->pub.dll;
    v->dll_path = r->pub.dll_path;
    v->parent = r->pub.parent;
    v->symbol = r->pub.symbol;
    v->chain = r->pub.chain;
    v->chain_len = r->pub.chain_len;
    v->line = r->pub.line;
    v->text = r->pub.text;
    v->note = r->pub.note;
    v->image = p->image;
}

/* Roles for one process; returns its root cause or NULL. */
static ls_fail *decide(ls_verdicts *v, ls_proc *p, ls_fail **buf,
                       ls_parent *ps)
{
    size_t n = 0;
    enum ls_tier top = 0;
    for (size_t i = 0; i < p->nfails; i++) {
        ls_fail *f = p->fails[i];
        f->pub.confidence = f->low ? LDRSNAP_CONF_LOW
                                   : tier_confidence(f->tier);
        if (!(f->pub.flags & LDRSNAP_FF_PID) && p->has_pid) {
            /* the process was named after the failure was found */
            f->pub.pid = p->pid;
            f->pub.flags |= LDRSNAP_FF_PID;
        }
        if (!f->process_level &&
            (f->survived || (p->exited_ok && !p->died) ||
             (f->tier != LS_T_INFERRED && (p->went_on_enter > f->pub.line ||
                                           p->went_on_start > f->pub.line)))) {
            f->pub.role = LDRSNAP_ROLE_HANDLED;
            v->handled++;
        } else if (f->absorbed) {
            f->pub.role = LDRSNAP_ROLE_CONSEQUENCE;
        } else {
            f->pub.role = LDRSNAP_ROLE_CONSEQUENCE;
            buf[n++] = f;
            if (f->tier > top)
                top = f->tier;
        }
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i]->tier == top)
            buf[m++] = buf[i];
    if (m == 0)
        return NULL;
    size_t np = parents_of(ps, buf, m);
    ls_fail *root = NULL;
    for (size_t i = 0; i < m; i++)
        if (!dll_is_parent_of_other(ps, np, buf[i]) &&
            (!root || buf[i]->pub.line < root->pub.line))
            root = buf[i];
    if (!root)
        root = buf[0];
    for (size_t i = 0; i < m; i++) {
        ls_fail *f = buf[i];
        bool root_role;
        if (f == root)
            root_role = true;
        else if (!f->pub.dll || !root->pub.dll ||
                 dll_is_parent_of_other(ps, np, f))
            root_role = false;
        else if (same_dll(f, root))
            root_role = f->tier == LS_T_ERROR; /* the loader said it again;
                                                  a RETURN chain repeats */
        else
            root_role = true; /* an independent failure of the same tier */
        if (root_role)
            f->pub.role = LDRSNAP_ROLE_ROOT_CAUSE;
    }
    return root;
}

static int cmp_line(const void *x, const void *y)
{
    const ls_fail *a = *(ls_fail *const *)x, *b = *(ls_fail *const *)y;
    if (a->pub.line != b->pub.line)
        return a->pub.line < b->pub.line ? -1 : 1;
    /* then the order they were found in: the same on every run (their
     * addresses are not) */
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Room for a string of the verdict in its block. */
static size_t str_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* s and its NUL (n bytes; none when s is NULL) into the block at *at. */
static const char *str_put(char **at, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = *at;
    memcpy(d, s, n);
    *at += n;
    return d;
}

/* Keep the verdict of root: a copy of it and of its strings in one
 * block. */
static int keep_verdict(ls_verdicts *v, const ls_fail *root, ls_proc *p)
{
    if (v->nverdicts >= v->keep) {
        v->dropped++;
        return LS_VERDICT_DROPPED;
    }
    if (v->nverdicts == v->verdicts_cap) {
        size_t cap = v->verdicts_cap ? v->verdicts_cap * 2 : 8;
        ldrsnap_verdict *n =
            ldrsnap__realloc(&v->al, v->verdicts, cap * sizeof *n);
        if (!n)
            return LDRSNAP_ENOMEM;
        v->verdicts = n;
        char **k = ldrsnap__realloc(&v->al, v->kept, cap * sizeof *k);
        if (!k)
            return LDRSNAP_ENOMEM;
        v->kept = k;
        v->verdicts_cap = cap;
    }
    ldrsnap_verdict w;
    fill_verdict(&w, root, p);
    const char **strs[] = {&w.dll,  &w.dll_path, &w.parent, &w.symbol,
                           &w.text, &w.note,     &w.image};
    enum { NSTR = sizeof strs / sizeof strs[0] };
    size_t lens[NSTR];
    size_t size = w.chain_len * sizeof(const char *);
    for (size_t i = 0; i < NSTR; i++)
        size += lens[i] = str_size(*strs[i]);
    size_t clens[LS_MAX_CHAIN]; /* the chain's first names, measured once */
    for (size_t i = 0; i < w.chain_len; i++) {
        size_t k = str_size(w.chain[i]);
        if (i < LS_MAX_CHAIN)
            clens[i] = k;
        size += k;
    }
    char *block = ldrsnap__malloc(&v->al, size + 1);
    if (!block)
        return LDRSNAP_ENOMEM;
    const char **chain = (const char **)(void *)block;
    char *at = block + w.chain_len * sizeof(const char *);
    for (size_t i = 0; i < w.chain_len; i++)
        chain[i] = str_put(&at, w.chain[i],
                           i < LS_MAX_CHAIN ? clens[i] : str_size(w.chain[i]));
    w.chain = w.chain_len ? chain : NULL;
    for (size_t i = 0; i < NSTR; i++)
        *strs[i] = str_put(&at, *strs[i], lens[i]);
    v->kept[v->nverdicts] = block;
    v->verdicts[v->nverdicts++] = w;
    return LDRSNAP_OK;
}

int ldrsnap__verdicts_new(ls_verdicts **out, const ls_alloc *al)
{
    ls_verdicts *v = ldrsnap__calloc(al, sizeof *v);
    *out = v;
    if (!v)
        return LDRSNAP_ENOMEM;
    v->al = *al;
    v->keep = LDRSNAP_MAX_VERDICTS;
    return LDRSNAP_OK;
}

void ldrsnap__verdicts_keep(ls_verdicts *v, size_t n)
{
    v->keep = n < LDRSNAP_MAX_VERDICTS ? n : LDRSNAP_MAX_VERDICTS;
}

/* The process's end, with its verdict (also one not kept). */
static int process_end(ls_proc *p, const ls_fail *root,
                       const ldrsnap_verdict *kept, const ls_sink *sink)
{
    ldrsnap_verdict v;
    ldrsnap_process e = {p->pid, p->has_pid ? LDRSNAP_FF_PID : 0u, p->image,
                         p->last_line, kept};
    if (root && !kept) {
        fill_verdict(&v, root, p);
        e.verdict = &v;
    }
    return sink->process_end(sink->ctx, &e);
}

/* Give every failure its role, report them in line order, keep the
 * verdict; the failures stay in p, freed with it. */
int ldrsnap__verdict_process(ls_verdicts *v, ls_trace *t, ls_proc *p,
                             const ls_sink *sink)
{
    int rc = LDRSNAP_OK;
    ldrsnap__trace_pending(t, p);
    promote_exceptions(t, p);
    /* most processes have a few failures or none: room on the stack */
    ls_fail *sbuf[SHORT_SORT];
    ls_parent sps[SHORT_SORT];
    bool small = p->nfails <= SHORT_SORT;
    ls_fail **buf = small ? sbuf
                          : ldrsnap__malloc(&v->al,
                                            (p->nfails + 1) * sizeof *buf);
    ls_parent *ps = small ? sps
                          : ldrsnap__malloc(&v->al,
                                            (p->nfails + 1) * sizeof *ps);
    if (!buf || !ps) {
        if (!small) {
            ldrsnap__free(&v->al, buf);
            ldrsnap__free(&v->al, ps);
        }
        return LDRSNAP_ENOMEM;
    }
    ls_fail *root = decide(v, p, buf, ps);
    if (!small) {
        ldrsnap__free(&v->al, ps);
        ldrsnap__free(&v->al, buf);
    }
    if (p->nfails > SHORT_SORT) {
        qsort(p->fails, p->nfails, sizeof *p->fails, cmp_line);
    } else { /* in place by insertion: cmp_line() is a total order */
        for (size_t i = 1; i < p->nfails; i++) {
            ls_fail *x = p->fails[i];
            size_t j = i;
            for (; j && cmp_line(&p->fails[j - 1], &x) > 0; j--)
                p->fails[j] = p->fails[j - 1];
            p->fails[j] = x;
        }
    }
    for (size_t i = 0; i < p->nfails && rc == LDRSNAP_OK; i++)
        rc = sink->failure(sink->ctx, &p->fails[i]->pub);
    const ldrsnap_verdict *kept = NULL;
    if (root && rc == LDRSNAP_OK && (rc = keep_verdict(v, root, p)) == 0)
        kept = &v->verdicts[v->nverdicts - 1];
    if (rc == LS_VERDICT_DROPPED)
        rc = LDRSNAP_OK;
    if (rc == LDRSNAP_OK && sink->process_end)
        rc = process_end(p, root, kept, sink);
    return rc;
}

static int cmp_verdict(const void *x, const void *y)
{
    const ldrsnap_verdict *a = x, *b = y;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* The verdicts by line, as qsort() with cmp_verdict() leaves them (its
 * merge sort is stable: equal lines in the order they were kept), at the
 * end of a run, when nothing else is done: keys of the line and the
 * verdict's place (unique, so their order is the stable one), sorted a
 * byte at a time from the lowest (the bytes all keys share skipped),
 * then the verdicts moved in place along the permutation's cycles (a
 * copy of them all would raise the peak by 1.2 MB at 10,000).  qsort()
 * of 10,000 verdicts (a 200 MB capture's) took 2.9M instructions, about
 * 130,000 calls of the compare and the structs' moves.  false, nothing
 * done: too many, a line past 2^48, or no memory. */
#define SORT_IX_BITS 14
#define SORT_DONE ((uint64_t)1 << 63)
static bool sort_keys(ls_verdicts *v)
{
    size_t n = v->nverdicts;
    if (n >= (size_t)1 << SORT_IX_BITS)
        return false;
    uint64_t *k = ldrsnap__malloc(&v->al, 2 * n * sizeof *k);
    if (!k)
        return false;
    uint64_t *t = k + n, *block = k, all = 0, first = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t line = v->verdicts[i].line;
        if (line >> (64 - SORT_IX_BITS - 2)) {
            ldrsnap__free(&v->al, block);
            return false;
        }
        k[i] = line << SORT_IX_BITS | i;
        if (i == 0)
            first = k[i];
        all |= k[i] ^ first; /* the bits where keys differ */
    }
    for (unsigned sh = 0; sh < 64; sh += 8) {
        if (!(all >> sh & 0xFF))
            continue; /* every key has the same byte here */
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[(k[i] >> sh & 0xFF) + 1]++;
        for (size_t b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            t[count[k[i] >> sh & 0xFF]++] = k[i];
        uint64_t *x = k;
        k = t, t = x;
    }
    /* place i takes verdict k[i] & mask: each cycle once, from its first
     * place, one verdict aside (SORT_DONE marks the places filled) */
    const uint64_t mask = ((uint64_t)1 << SORT_IX_BITS) - 1;
    ldrsnap_verdict *a = v->verdicts;
    for (size_t i = 0; i < n; i++) {
        if ((k[i] & SORT_DONE) || (k[i] & mask) == i)
            continue;
        ldrsnap_verdict aside = a[i];
        size_t at = i;
        for (size_t from; (from = (size_t)(k[at] & mask)) != i; at = from) {
            a[at] = a[from];
            k[at] |= SORT_DONE;
        }
        a[at] = aside;
        k[at] |= SORT_DONE;
    }
    ldrsnap__free(&v->al, block);
    return true;
}

void ldrsnap__verdicts_general_sort(ls_verdicts *v)
{
    v->general_sort = true;
}

const ldrsnap_verdict *ldrsnap__verdicts(ls_verdicts *v, size_t *n)
{
    /* verdicts point into v->kept, not into each other: sorting the
     * verdict array alone is safe */
    if (v->nverdicts > 1 && (v->general_sort || !sort_keys(v)))
        qsort(v->verdicts, v->nverdicts, sizeof *v->verdicts, cmp_verdict);
    *n = v->nverdicts;
    return v->verdicts;
}

size_t ldrsnap__verdicts_dropped(const ls_verdicts *v)
{
    return v->dropped;
}

size_t ldrsnap__verdicts_handled(const ls_verdicts *v)
{
    return v->handled;
}

void ldrsnap__verdicts_free(ls_verdicts *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nverdicts; i++)
        ldrsnap__free(&v->al, v->kept[i]);
    ldrsnap__free(&v->al, v->kept);
    ldrsnap__free(&v->al, v->verdicts);
    ldrsnap__free(&v->al, v);
}
