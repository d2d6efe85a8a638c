/*
 * report.c - deep copies of the events of one input, for the text report
 * (which prints the verdict before the evidence).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, c * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
}

int report_add_failure(report *r, const ldrsnap_failure *f)
{
    if (r->cap && r->nfails >= r->cap)
        return r->gone++, 0;
    if (grow((void **)&r->fails, &r->fcap, r->nfails, sizeof *r->fails) < 0)
        return -1;
    fail_copy *c = &r->fails[r->nfails];
    memset(c, 0, sizeof *c);
    c->f = *f;
    c->seq = r->nfails;
    const char *src[7] = {f->status_name, f->dll, f->dll_path, f->parent,
                          f->symbol, f->text, f->note};
    const char **dst[7] = {&c->f.status_name, &c->f.dll, &c->f.dll_path,
                           &c->f.parent, &c->f.symbol, &c->f.text,
                           &c->f.note};
    for (int i = 0; i < 7; i++)
        *dst[i] = c->strings[i] = dup_or_null(src[i]);
    c->chain = calloc(f->chain_len + 1, sizeof *c->chain);
    if (!c->chain)
        return -1;
    for (size_t i = 0; i < f->chain_len; i++)
        c->chain[i] = dup_or_null(f->chain[i]);
    c->f.chain = (const char *const *)c->chain;
    r->nfails++;
    return 0;
}

int report_add_exception(report *r, const ldrsnap_exception *e)
{
    if (r->cap && r->nexcs >= r->cap)
        return r->gone++, 0;
    if (grow((void **)&r->excs, &r->ecap, r->nexcs, sizeof *r->excs) < 0)
        return -1;
    exc_copy *c = &r->excs[r->nexcs];
    memset(c, 0, sizeof *c);
    c->e = *e;
    c->e.code_name = c->strings[0] = dup_or_null(e->code_name);
    c->e.description = c->strings[1] = dup_or_null(e->description);
    c->e.dll = c->strings[2] = dup_or_null(e->dll);
    c->e.text = c->strings[3] = dup_or_null(e->text);
    r->nexcs++;
    return 0;
}

static int by_line(const void *x, const void *y)
{
    const fail_copy *a = x, *b = y;
    if (a->f.line != b->f.line)
        return a->f.line < b->f.line ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Noise arrives as it is read, the rest at the end: put all in line
 * order for reading. */
void report_sort(report *r)
{
    if (r->nfails > 1)
        qsort(r->fails, r->nfails, sizeof *r->fails, by_line);
}

int report_add_signature(report *r, const ldrsnap_signature *sg)
{
    if (r->cap && r->nsigs >= r->cap / 4)
        return r->gone++, 0;
    if (grow((void **)&r->sigs, &r->scap, r->nsigs, sizeof *r->sigs) < 0)
        return -1;
    sig_copy *c = &r->sigs[r->nsigs];
    memset(c, 0, sizeof *c);
    c->s = *sg;
    c->s.id = c->strings[0] = dup_or_null(sg->id);
    c->s.title = c->strings[1] = dup_or_null(sg->title);
    c->s.severity = c->strings[2] = dup_or_null(sg->severity);
    c->s.explanation = c->strings[3] = dup_or_null(sg->explanation);
    c->s.advice = c->strings[4] = dup_or_null(sg->advice);
    c->s.references = NULL;
    c->s.n_references = 0;
    c->lines = calloc(sg->n_lines + 1, sizeof *c->lines);
    if (!c->lines)
        return -1;
    memcpy(c->lines, sg->lines, sg->n_lines * sizeof *c->lines);
    c->s.lines = c->lines;
    r->nsigs++;
    return 0;
}

static void fail_free(fail_copy *c)
{
    for (int j = 0; j < 7; j++)
        free(c->strings[j]);
    for (size_t j = 0; c->chain && j < c->f.chain_len; j++)
        free(c->chain[j]);
    free(c->chain);
}

static void exc_free(exc_copy *c)
{
    for (int j = 0; j < 4; j++)
        free(c->strings[j]);
}

static void sig_free(sig_copy *c)
{
    for (int j = 0; j < 6; j++)
        free(c->strings[j]);
    free(c->lines);
}

static bool same_process(unsigned flags, uint32_t pid, unsigned pflags,
                         uint32_t ppid)
{
    bool has = (flags & LDRSNAP_FF_PID) != 0;
    return has == ((pflags & LDRSNAP_FF_PID) != 0) && (!has || pid == ppid);
}

size_t report_end_process(report *r, size_t from_f, unsigned pflags,
                          uint32_t pid, bool keep_events, bool keep_sigs)
{
    size_t nsigs = 0;
    size_t m = from_f;
    for (size_t i = from_f; i < r->nfails; i++) {
        fail_copy *c = &r->fails[i];
        if (!keep_events && same_process(c->f.flags, c->f.pid, pflags, pid))
            fail_free(c);
        else
            r->fails[m++] = *c;
    }
    r->nfails = m;
    /* its exceptions came as they were read: those not settled yet (an
     * earlier process of its pid settled its own) */
    m = 0;
    for (size_t i = 0; i < r->nexcs; i++) {
        exc_copy *c = &r->excs[i];
        if (!c->settled && same_process(c->e.flags, c->e.pid, pflags, pid)) {
            if (!keep_events) {
                exc_free(c);
                continue;
            }
            c->settled = true;
        }
        r->excs[m++] = *c;
    }
    r->nexcs = m;
    /* its signatures came as they matched: those not settled yet */
    m = 0;
    for (size_t i = 0; i < r->nsigs; i++) {
        sig_copy *c = &r->sigs[i];
        if (!c->settled && same_process(c->s.flags, c->s.pid, pflags, pid)) {
            nsigs++;
            if (!keep_sigs) {
                sig_free(c);
                continue;
            }
            c->settled = true;
        }
        r->sigs[m++] = *c;
    }
    r->nsigs = m;
    return nsigs;
}

void report_free(report *r)
{
    for (size_t i = 0; i < r->nfails; i++)
        fail_free(&r->fails[i]);
    for (size_t i = 0; i < r->nexcs; i++)
        exc_free(&r->excs[i]);
    for (size_t i = 0; i < r->nsigs; i++)
        sig_free(&r->sigs[i]);
    free(r->fails);
    free(r->excs);
    free(r->sigs);
    memset(r, 0, sizeof *r);
}
