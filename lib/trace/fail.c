/*
 * fail.c - failures as the trace finds them: their public form, the
 * strings they own (enum ls_fail_str), their load chain (the image, the
 * requesting thread's or the module map's parents, the frames open on the
 * thread, the DLL), and probe misses, sent to the sink at once as noise.
 */
#include <string.h>

#include "simd/simd.h"
#include "trace/trace_internal.h"

/* ---- chains ------------------------------------------------------------ */

typedef struct chain_b {
    const char *item[LS_MAX_CHAIN * 2];
    size_t len[LS_MAX_CHAIN * 2]; /* strlen(item[i]) */
    size_t n;
} chain_b;

/* a[0..n) and b[0..n) alike without case (ASCII), as ldrsnap__name_eq()
 * tells two names of n bytes apart: as printed first, then folded. */
static bool same_n(const char *a, const char *b, size_t n)
{
    if (memcmp(a, b, n) == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y && (x >= 'A' && x <= 'Z' ? x + 32 : x) !=
                          (y >= 'A' && y <= 'Z' ? y + 32 : y))
            return false;
    }
    return true;
}

/* The file name of name (n = strlen(name) bytes), unless the chain has it
 * (without case): its length first, so most compares are one test. */
static void chain_add_n(chain_b *c, const char *name, size_t n)
{
    if (!n || c->n >= sizeof c->item / sizeof c->item[0])
        return;
    const char *b = ls_basename_n(name, n);
    size_t bl = n - (size_t)(b - name);
    for (size_t i = 0; i < c->n; i++)
        if (c->len[i] == bl && same_n(c->item[i], b, bl))
            return;
    c->item[c->n] = b;
    c->len[c->n++] = bl;
}

static void chain_add(chain_b *c, const char *name)
{
    if (name)
        chain_add_n(c, name, strlen(name));
}

static void chain_frames(chain_b *c, const ls_thread *t, size_t upto)
{
    for (size_t i = 0; t && i < upto && i < t->depth; i++)
        if (!(t->frames[i].fflags & LS_FN_PROBE) && t->frames[i].dll)
            chain_add_n(c, t->frames[i].dll, t->frames[i].dll_len);
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

static void chain_ancestors(const ls_trace *tr, const ls_proc *p,
                            chain_b *c, const char *parent, size_t plen)
{
    const char *up[8];
    size_t n = 0;
    const ls_module *m = ldrsnap__module_find_n(tr, parent, plen);
    const char *pm;
    while ((pm = ldrsnap__module_parent(p, m)) && n < 8) {
        up[n++] = pm;
        m = ldrsnap__module_find(tr, pm);
    }
    while (n)
        chain_add(c, up[--n]);
}

/* The load chain of a failure of p on thread t, its last LS_MAX_CHAIN
 * names kept; dll and parent of dlen and plen bytes. */
static void build_chain(const ls_trace *tr, chain_b *c, const ls_proc *p,
                        const ls_thread *t, const char *dll, size_t dlen,
                        const char *parent, size_t plen)
{
    chain_add(c, p ? p->image : NULL);
    if (parent) {
        if (!chain_requester(c, p, parent))
            chain_ancestors(tr, p, c, parent, plen);
        chain_add_n(c, parent, plen);
    } else if (dll) /* "X used by Y" said who needs it */
        chain_ancestors(tr, p, c, dll, dlen);
    chain_frames(c, t, t ? t->depth : 0);
    if (dll)
        chain_add_n(c, dll, dlen);
}

/* ---- failures ---------------------------------------------------------- */

/* n bytes from s to d (n >= 1, the strings apart): 16 at a time and the
 * last 16 overlapping, in vector moves.  A memcpy() of a length the
 * profile knows, PGO's build makes a `rep movsq`, whose start costs tens
 * of cycles: the copies of a failure's strings (20 to 200 bytes) took a
 * fifth of this function's samples so. */
static inline void copy_bytes(char *d, const char *s, size_t n)
{
    if (n >= 16) {
        for (size_t i = 0; i + 16 < n; i += 16)
            memcpy(d + i, s + i, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    }
}

/* The name of a status, the last four kept (most failures and probe
 * misses of a log share a few statuses, and the misses' come between
 * the failures'; the table's search reads cold lines). */
static const char *status_name(ls_trace *tr, uint32_t status)
{
    size_t n = tr->nnamed < 4 ? tr->nnamed : 4;
    for (size_t i = 0; i < n; i++)
        if (tr->named_status[i] == status)
            return tr->status_name[i];
    size_t at = tr->nnamed++ & 3; /* the oldest goes */
    tr->named_status[at] = status;
    return tr->status_name[at] = ldrsnap_status_name(status);
}

ls_fail *ldrsnap__fail_add_at(ls_trace *tr, ls_proc *p, ls_thread *t,
                              uint64_t line, const char *text,
                              const fail_spec *s)
{
    tr->n.failures++;
    if (p->nfails >= LS_MAX_FAILURES) {
        tr->dropped++;
        return NULL;
    }
    if (p->nfails == p->fails_cap) {
        size_t cap = p->fails_cap ? p->fails_cap * 2 : 16;
        ls_fail **n = ldrsnap__realloc(&tr->al, p->fails, cap * sizeof *n);
        if (!n)
            return NULL;
        p->fails = n;
        p->fails_cap = cap;
    }
    /* the failure and every string it owns in one block */
    const char *str[LS_FS_COUNT] = {s->dll,    s->dll_path, s->parent,
                                    s->symbol, text,        s->note};
    size_t len[LS_FS_COUNT], size = sizeof(ls_fail);
    for (size_t j = 0; j < LS_FS_COUNT; j++) {
        str[j] = ls_nonempty(str[j]);
        len[j] = str[j] ? strlen(str[j]) : 0;
        size += str[j] ? len[j] + 1 : 0;
    }
    chain_b c;
    c.n = 0; /* items are read only below n: no 264-byte clearing */
    build_chain(
        tr, &c, p, t, s->dll,
        s->dll ? (str[LS_FS_DLL] ? len[LS_FS_DLL] : strlen(s->dll)) : 0,
        s->parent,
        s->parent ? (str[LS_FS_PARENT] ? len[LS_FS_PARENT] : strlen(s->parent))
                  : 0);
    size_t skip = c.n > LS_MAX_CHAIN ? c.n - LS_MAX_CHAIN : 0;
    const size_t *clen = c.len;
    for (size_t i = skip; i < c.n; i++)
        size += clen[i] + 1;
    ls_fail *f = ldrsnap__malloc(&tr->al, size);
    if (!f)
        return NULL;
    /* cleared up to its strings, which are set below, and its chain,
     * read only below chain_len (the whole of it, 312 bytes, was a
     * `rep stos`) */
    ls_clear(f, offsetof(ls_fail, strings));
    char *at = (char *)(f + 1);
    for (size_t j = 0; j < LS_FS_COUNT; j++) {
        f->strings[j] = NULL;
        if (!str[j])
            continue;
        copy_bytes(at, str[j], len[j] + 1);
        f->strings[j] = at;
        at += len[j] + 1;
    }
    for (size_t i = skip; i < c.n; i++) {
        copy_bytes(at, c.item[i], clen[i] + 1);
        f->chain[f->pub.chain_len++] = at;
        at += clen[i] + 1;
    }
    f->pub.chain = f->chain;
    f->seq = tr->fail_seq++;
    f->proc = p;
    f->tier = s->tier;
    f->pub.line = line;
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
        f->pub.status_name = status_name(tr, s->status);
        f->pub.flags |= LDRSNAP_FF_STATUS;
    }
    f->pub.dll = f->strings[LS_FS_DLL];
    f->pub.dll_path = f->strings[LS_FS_DLL_PATH];
    f->pub.parent = f->strings[LS_FS_PARENT];
    f->pub.symbol = f->strings[LS_FS_SYMBOL];
    f->pub.text = f->strings[LS_FS_TEXT];
    f->pub.note = f->strings[LS_FS_NOTE];
    p->fails[p->nfails++] = f;
    return f;
}

ls_fail *ldrsnap__fail_exception(ls_trace *tr, ls_proc *p,
                                 const ls_exc *e, const char *note)
{
    ldrsnap_record r;
    memset(&r, 0, sizeof r);
    r.line = e->line;
    r.text = e->text;
    fail_spec s = {ldrsnap_status_kind(e->code),
                   e->second ? LS_T_CHAIN : LS_T_SOFT,
                   NULL, NULL, NULL, NULL, note, true, e->code};
    ls_fail *f = ldrsnap__fail_add(tr, p, NULL, &r, &s);
    if (f) {
        f->pub.tid = e->tid;
        f->pub.flags |= LDRSNAP_FF_TID;
    }
    return f;
}

int ldrsnap__fail_noise(ls_trace *tr, ls_proc *p, ls_thread *t,
                        uint64_t line, uint32_t status, const char *text,
                        const char *dll, const char *note)
{
    ldrsnap_failure f;
    tr->n.failures++;
    tr->n.noise++;
    if (tr->quiet_noise)
        return LDRSNAP_OK;
    ls_clear(&f, sizeof f);
    f.line = line;
    f.kind = ldrsnap_status_kind(status);
    f.role = LDRSNAP_ROLE_NOISE;
    f.confidence = LDRSNAP_CONF_HIGH;
    f.status = status;
    f.status_name = status_name(tr, status);
    f.flags = LDRSNAP_FF_STATUS;
    if (p->has_pid) {
        f.pid = p->pid;
        f.flags |= LDRSNAP_FF_PID;
    }
    if (t->has_tid) {
        f.tid = t->tid;
        f.flags |= LDRSNAP_FF_TID;
    }
    f.dll = ls_nonempty(dll);
    f.text = text;
    f.note = note;
    chain_b c;
    c.n = 0; /* items are read only below n: no 264-byte clearing */
    chain_add(&c, p->image);
    chain_frames(&c, t, t->depth);
    chain_add(&c, dll);
    f.chain = c.item;
    f.chain_len = c.n;
    return tr->sink->failure(tr->sink->ctx, &f);
}

int ldrsnap__fail_process(ls_trace *tr, ls_proc *p, ls_thread *t,
                          const ldrsnap_record *rec, ldrsnap_kind k,
                          enum ls_tier tier, const char *note)
{
    fail_spec s = {k, tier, NULL, NULL, NULL, rec->symbol, note,
                   (rec->flags & LDRSNAP_RF_STATUS) != 0, rec->status};
    ls_fail *f = ldrsnap__fail_add(tr, p, t, rec, &s);
    if (f)
        f->process_level = tier == LS_T_PROCESS;
    p->died = true;
    if ((rec->flags & LDRSNAP_RF_STATUS) && !p->has_exit) {
        p->exit_status = rec->status;
        p->has_exit = true;
    }
    if (!p->teardown_line)
        p->teardown_line = rec->line;
    return ls_fail_rc(tr, f);
}

void ldrsnap__fail_free(const ls_alloc *al, ls_fail *f)
{
    ldrsnap__free(al, f); /* its strings are in its block */
}
