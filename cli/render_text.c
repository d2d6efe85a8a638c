/*
 * render_text.c - the report for a person at a terminal.
 *
 * Per log: for each failing process the verdict first (what failed, the
 * process and thread, the status and its name, who loaded it, the load
 * chain, the confidence, the meaning), its signatures by severity, and its
 * evidence with line numbers; then, once for the log, the advice and the
 * next steps, and the totals.  --brief: one line per log.
 *
 * Every failure, exception and signature is shown under one verdict only:
 * the verdict of its process (by pid; among processes that reused a pid,
 * or logs that give none, the one whose root-cause line is nearest).  The
 * report is linear in what the log holds.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define EVIDENCE_WIDTH 160

typedef struct paint {
    const char *bold, *red, *yellow, *dim, *off;
} paint;

static paint colours(const cli_opts *o)
{
    paint p = {"", "", "", "", ""};
    if (o->color) {
        p.bold = "\033[1m";
        p.red = "\033[1;31m";
        p.yellow = "\033[33m";
        p.dim = "\033[2m";
        p.off = "\033[0m";
    }
    return p;
}


typedef struct ctx {
    obuf *out;
    const cli_opts *o;
    const report *r;
    const ldrsnap_summary *s;
    paint p;
    int width;
    size_t *vorder;       /* verdicts by (pid, line) */
    buckets fails, excs, sigs;
    const char **explained; /* rule ids whose explanation was shown */
    size_t nexplained;
} ctx;

/* ---- who owns what ---------------------------------------------------- */

static uint64_t pid_key(unsigned flags, uint32_t pid)
{
    return flags & LDRSNAP_FF_PID ? (1ull << 32) | pid : 0;
}

static const ldrsnap_summary *sort_s;

static int by_key_line(const void *x, const void *y)
{
    const ldrsnap_verdict *a = &sort_s->verdicts[*(const size_t *)x];
    const ldrsnap_verdict *b = &sort_s->verdicts[*(const size_t *)y];
    uint64_t ka = pid_key(a->flags, a->pid), kb = pid_key(b->flags, b->pid);
    if (ka != kb)
        return ka < kb ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* The verdict an event of this process and line belongs to, or
 * n_verdicts when no verdict has its pid: O(log n). */
static size_t owner(const ctx *c, unsigned flags, uint32_t pid,
                    uint64_t line)
{
    const ldrsnap_verdict *v = c->s->verdicts;
    size_t n = c->s->n_verdicts, lo = 0, hi = n;
    uint64_t k = pid_key(flags, pid);
    while (lo < hi) { /* first verdict whose (key, line) >= (k, line) */
        size_t mid = (lo + hi) / 2;
        const ldrsnap_verdict *m = &v[c->vorder[mid]];
        uint64_t km = pid_key(m->flags, m->pid);
        if (km < k || (km == k && m->line < line))
            lo = mid + 1;
        else
            hi = mid;
    }
    const ldrsnap_verdict *after =
        lo < n && pid_key(v[c->vorder[lo]].flags, v[c->vorder[lo]].pid) == k
            ? &v[c->vorder[lo]] : NULL;
    const ldrsnap_verdict *before =
        lo > 0 &&
                pid_key(v[c->vorder[lo - 1]].flags, v[c->vorder[lo - 1]].pid) ==
                    k
            ? &v[c->vorder[lo - 1]] : NULL;
    if (before && (!after || line - before->line <= after->line - line))
        return c->vorder[lo - 1];
    return after ? c->vorder[lo] : n;
}

static int bucket(buckets *b, size_t n, size_t nv, const size_t *own)
{
    b->idx = malloc((n + 1) * sizeof *b->idx);
    b->start = calloc(nv + 2, sizeof *b->start);
    if (!b->idx || !b->start)
        return -1;
    for (size_t i = 0; i < n; i++)
        b->start[own[i] + 1]++;
    for (size_t k = 0; k <= nv; k++)
        b->start[k + 1] += b->start[k];
    size_t *fill = malloc((nv + 1) * sizeof *fill);
    if (!fill)
        return -1;
    memcpy(fill, b->start, (nv + 1) * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        b->idx[fill[own[i]]++] = i;
    free(fill);
    return 0;
}

static int severity_rank(const char *s)
{
    static const char *const order[] = {"critical", "high", "medium", "low",
                                        "info"};
    for (int i = 0; s && i < 5; i++)
        if (!strcmp(s, order[i]))
            return i;
    return 5;
}

static const report *sort_r;

static int by_severity(const void *x, const void *y)
{
    const ldrsnap_signature *a = &sort_r->sigs[*(const size_t *)x].s;
    const ldrsnap_signature *b = &sort_r->sigs[*(const size_t *)y].s;
    int ra = severity_rank(a->severity), rb = severity_rank(b->severity);
    if (ra != rb)
        return ra - rb;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

static int assign(ctx *c)
{
    const report *r = c->r;
    size_t nv = c->s->n_verdicts;
    size_t most = r->nfails > r->nexcs ? r->nfails : r->nexcs;
    most = most > r->nsigs ? most : r->nsigs;
    size_t *own = malloc((most + 1) * sizeof *own);
    c->vorder = malloc((nv + 1) * sizeof *c->vorder);
    if (!own || !c->vorder) {
        free(own);
        return -1;
    }
    for (size_t i = 0; i < nv; i++)
        c->vorder[i] = i;
    sort_s = c->s;
    qsort(c->vorder, nv, sizeof *c->vorder, by_key_line);
    int rc = 0;
    for (size_t i = 0; i < r->nfails; i++)
        own[i] = owner(c, r->fails[i].f.flags, r->fails[i].f.pid,
                       r->fails[i].f.line);
    rc |= bucket(&c->fails, r->nfails, nv, own);
    for (size_t i = 0; i < r->nexcs; i++)
        own[i] = owner(c, r->excs[i].e.flags, r->excs[i].e.pid,
                       r->excs[i].e.line);
    rc |= bucket(&c->excs, r->nexcs, nv, own);
    for (size_t i = 0; i < r->nsigs; i++)
        own[i] = owner(c, r->sigs[i].s.flags, r->sigs[i].s.pid,
                       r->sigs[i].s.line);
    rc |= bucket(&c->sigs, r->nsigs, nv, own);
    free(own);
    if (rc == 0) {
        sort_r = r;
        for (size_t k = 0; k <= nv; k++)
            qsort(c->sigs.idx + c->sigs.start[k],
                  c->sigs.start[k + 1] - c->sigs.start[k], sizeof(size_t),
                  by_severity);
    }
    return rc;
}

int report_index_build(report_index *ix, const report *r,
                       const ldrsnap_summary *s)
{
    ctx c = {.r = r, .s = s};
    int rc = assign(&c);
    ix->vorder = c.vorder;
    ix->fails = c.fails;
    ix->excs = c.excs;
    ix->sigs = c.sigs;
    return rc;
}

void report_index_free(report_index *ix)
{
    free(ix->vorder);
    free(ix->fails.idx);
    free(ix->fails.start);
    free(ix->excs.idx);
    free(ix->excs.start);
    free(ix->sigs.idx);
    free(ix->sigs.start);
    memset(ix, 0, sizeof *ix);
}

bool report_promoted(const report *r, const ldrsnap_exception *e);

/* ---- pieces ------------------------------------------------------------ */

static void put(ctx *c, const char *s)
{
    term_put(c->out, s);
}

static void lit(ctx *c, const char *s)
{
    ob_puts(c->out, s);
}

static const char *name_or(const char *s, const char *dflt)
{
    return s && *s ? s : dflt;
}

/* One line saying what failed. */
static void headline(ctx *c, const ldrsnap_verdict *v)
{
    const char *dll = v->dll;
    if (v->confidence == LDRSNAP_CONF_LOW)
        lit(c, "possibly: ");
    switch (v->kind) {
    case LDRSNAP_K_DLL_NOT_FOUND:
        put(c, name_or(dll, "a DLL"));
        lit(c, dll ? " was not found"
                   : " was not found (the log does not name it)");
        break;
    case LDRSNAP_K_EXPORT_NOT_FOUND:
    case LDRSNAP_K_ORDINAL_NOT_FOUND:
        put(c, name_or(dll, "a DLL"));
        lit(c, v->symbol ? " lacks the export " : " lacks an export");
        put(c, v->symbol);
        if (v->parent) {
            lit(c, " needed by ");
            put(c, v->parent);
        }
        break;
    case LDRSNAP_K_BAD_IMAGE:
        put(c, name_or(dll, "a DLL"));
        lit(c, " is not a valid image for this process (32/64-bit mismatch "
               "or damaged file)");
        break;
    case LDRSNAP_K_INIT_FAILED:
        put(c, name_or(dll, "a DLL"));
        lit(c, " failed to initialize (its DllMain)");
        break;
    case LDRSNAP_K_ACCESS_DENIED:
        lit(c, dll ? "access denied loading " : "access denied");
        put(c, dll);
        break;
    case LDRSNAP_K_SXS:
        lit(c, "side-by-side configuration of ");
        put(c, name_or(dll, "a DLL"));
        lit(c, " failed");
        break;
    case LDRSNAP_K_PROCESS_INIT_FAILED:
        lit(c, "the process failed to initialize");
        break;
    case LDRSNAP_K_OTHER:
        put(c, name_or(dll, "the process"));
        lit(c, dll ? " could not be loaded" : " failed");
        break;
    }
}

static void field(ctx *c, const char *label, const char *value)
{
    ob_printf(c->out, "  %-10s ", label);
    put(c, value);
    ob_putc(c->out, '\n');
}

/* The code table's entry for the verdict's status: the candidate whose
 * name the verdict shows. */
static bool status_code(const ldrsnap_verdict *v, ldrsnap_code *out)
{
    ldrsnap_code m[16];
    if (!(v->flags & LDRSNAP_FF_STATUS))
        return false;
    size_t n = ldrsnap_code_lookup(v->status, m, 16);
    for (size_t i = 0; i < n && i < 16; i++) {
        if (!m[i].explanation ||
            (v->status_name && strcmp(m[i].name, v->status_name) != 0))
            continue;
        *out = m[i];
        return true;
    }
    return false;
}

static void verdict_block(ctx *c, const ldrsnap_verdict *v)
{
    const paint *p = &c->p;
    ob_puts(c->out, p->bold);
    put(c, c->r->source);
    ob_printf(c->out, ":%s %s", p->off, p->red);
    headline(c, v);
    ob_printf(c->out, "%s\n", p->off);
    lit(c, "  process    ");
    if (v->flags & LDRSNAP_FF_PID)
        ob_printf(c->out, "%04x", v->pid);
    else
        lit(c, "(not in the log)");
    if (v->image) {
        ob_putc(c->out, ' ');
        put(c, v->image);
    }
    if (v->flags & LDRSNAP_FF_TID)
        ob_printf(c->out, ", thread %04x", v->tid);
    lit(c, "\n  status     ");
    if (v->flags & LDRSNAP_FF_STATUS) {
        ob_printf(c->out, "0x%08x", v->status);
        if (v->status_name) {
            ob_putc(c->out, ' ');
            put(c, v->status_name);
        }
    } else {
        lit(c, "not in the log");
    }
    ob_putc(c->out, '\n');
    if (v->dll_path && v->dll && strcmp(v->dll_path, v->dll) != 0)
        field(c, "path", v->dll_path);
    if (v->parent)
        field(c, "loaded by", v->parent);
    if (v->chain_len > 1) {
        lit(c, "  chain      ");
        for (size_t i = 0; i < v->chain_len; i++) {
            lit(c, i ? " > " : "");
            put(c, v->chain[i]);
        }
        ob_putc(c->out, '\n');
    }
    ob_printf(c->out, "  kind       %s (confidence: %s)\n",
            ldrsnap_kind_name(v->kind),
            ldrsnap_confidence_name(v->confidence));
    if (v->note)
        term_para(c->out, c->width, 2, "why        ", v->note, 13);
    ldrsnap_code code;
    if (status_code(v, &code))
        term_para(c->out, c->width, 2, "meaning    ", code.explanation, 13);
}

static bool explained(ctx *c, const char *id)
{
    for (size_t i = 0; i < c->nexplained; i++)
        if (!strcmp(c->explained[i], id))
            return true;
    const char **e =
        realloc(c->explained, (c->nexplained + 1) * sizeof *e);
    if (e) {
        c->explained = e;
        e[c->nexplained++] = id;
    }
    return false;
}

static void signature_block(ctx *c, const ldrsnap_signature *sg)
{
    const paint *p = &c->p;
    ob_printf(c->out, "  signature  %s[%s] ", p->yellow, sg->severity);
    put(c, sg->title);
    ob_printf(c->out, "%s\n             rule %s; line%s", p->off, sg->id,
            sg->n_lines == 1 ? "" : "s");
    for (size_t i = 0; i < sg->n_lines; i++)
        ob_printf(c->out, "%s%llu", i ? ", " : " ",
                (unsigned long long)sg->lines[i]);
    ob_putc(c->out, '\n');
    if (sg->explanation && !explained(c, sg->id))
        term_para(c->out, c->width, 13, "", sg->explanation, 13);
}

static void signatures_of(ctx *c, size_t k)
{
    for (size_t i = c->sigs.start[k]; i < c->sigs.start[k + 1]; i++)
        signature_block(c, &c->r->sigs[c->sigs.idx[i]].s);
}

static void evidence_line(ctx *c, unsigned long long line, const char *text,
                          const char *tag, const char *colour)
{
    const paint *p = &c->p;
    ob_printf(c->out, "    %s%6llu%s  ", p->dim, line, p->off);
    size_t room = EVIDENCE_WIDTH;
    if (c->width > 0) { /* a terminal: one screen line each */
        size_t used = 12 + 4 + strlen(tag) + 3;
        room = (size_t)c->width > used + 40 ? (size_t)c->width - used : 40;
    }
    bool cut;
    term_putn(c->out, text ? text : "", text ? strlen(text) : 0, room, &cut);
    ob_printf(c->out, "%s  %s[%s]%s\n", cut ? "..." : "", colour, tag, p->off);
}

static int cmp_line_key(const void *key, const void *elem)
{
    uint64_t line = *(const uint64_t *)key;
    const fail_copy *f = elem;
    return line < f->f.line ? -1 : line > f->f.line;
}

/* Was this exception turned into a failure (the same line)?  The
 * failures are sorted by line: O(log n). */
bool report_promoted(const report *r, const ldrsnap_exception *e)
{
    uint64_t line = e->line;
    const fail_copy *hit =
        bsearch(&line, r->fails, r->nfails, sizeof *r->fails, cmp_line_key);
    if (!hit || !e->text)
        return false;
    while (hit > r->fails && hit[-1].f.line == line)
        hit--;
    for (; hit < r->fails + r->nfails && hit->f.line == line; hit++)
        if (hit->f.text && !strcmp(hit->f.text, e->text))
            return true;
    return false;
}

static bool shown_failure(const cli_opts *o, const ldrsnap_failure *f)
{
    return o->all || (f->role != LDRSNAP_ROLE_NOISE &&
                      f->role != LDRSNAP_ROLE_HANDLED);
}

static bool shown_exception(const ctx *c, const ldrsnap_exception *e)
{
    return !report_promoted(c->r, e) &&
           (c->o->all || !(e->flags & LDRSNAP_FF_BENIGN));
}

/* The evidence of bucket k, failures and exceptions in line order. */
static void evidence(ctx *c, size_t k)
{
    const report *r = c->r;
    size_t fi = c->fails.start[k], fe = c->fails.start[k + 1];
    size_t ei = c->excs.start[k], ee = c->excs.start[k + 1];
    bool any = false;
    while (fi < fe || ei < ee) {
        const ldrsnap_exception *e =
            ei < ee ? &r->excs[c->excs.idx[ei]].e : NULL;
        const ldrsnap_failure *f =
            fi < fe ? &r->fails[c->fails.idx[fi]].f : NULL;
        bool take_exc = e && (!f || e->line < f->line);
        const char *tag, *colour, *text;
        unsigned long long line;
        if (take_exc) {
            ei++;
            if (!shown_exception(c, e))
                continue;
            tag = "exception", colour = c->p.yellow;
            line = e->line, text = e->text;
        } else {
            fi++;
            if (!shown_failure(c->o, f))
                continue;
            tag = ldrsnap_role_name(f->role);
            colour = f->role == LDRSNAP_ROLE_ROOT_CAUSE ? c->p.red
                                                        : c->p.dim;
            line = f->line, text = f->text;
        }
        if (!any)
            lit(c, "  evidence\n");
        any = true;
        evidence_line(c, line, text, tag, colour);
    }
}

/* ---- advice, once per log ---------------------------------------------- */

/* The advice's placeholders filled with the names the log gave:
 * <dll>! becomes the module (WinDbg's name, no extension), <dll> the
 * DLL, <program>.exe and <program> the process image. */
char *cli_fill_names(const char *text, const char *dll, const char *image)
{
    obuf mem, *m = &mem;
    ob_init_mem(m);
    const char *dll_base = dll ? cli_basename(dll) : NULL;
    const char *img_base = image ? cli_basename(image) : NULL;
    for (const char *p = text; *p;) {
        if (dll_base && !strncmp(p, "<dll>!", 6)) {
            ob_write(m, dll_base, cli_stem_len(dll_base));
            p += 5;
        } else if (dll_base && !strncmp(p, "<dll>", 5)) {
            ob_puts(m, dll_base);
            p += 5;
        } else if (img_base && !strncmp(p, "<program>.exe", 13)) {
            ob_puts(m, img_base);
            p += 13;
        } else if (img_base && !strncmp(p, "<program>", 9)) {
            ob_write(m, img_base, cli_stem_len(img_base));
            p += 9;
        } else {
            ob_putc(m, *p++);
        }
    }
    ob_putc(m, '\0');
    if (m->err) {
        ob_free(m);
        return NULL;
    }
    return m->buf;
}

/* Advice keeps its own line breaks (it often holds commands, laid out by
 * its author); each line is shown whole. */
static void advice_text(ctx *c, const char *advice, const char *dll,
                        const char *image)
{
    char *filled = cli_fill_names(advice, dll, image);
    const char *t = filled ? filled : advice;
    if (!strchr(t, '\n')) { /* prose: wrapped on a terminal */
        term_para(c->out, c->width, 2, "advice     ", t, 13);
        free(filled);
        return;
    }
    bool first = true;
    for (const char *p = t; *p;) {
        size_t k = strcspn(p, "\n");
        if (k) {
            lit(c, first ? "  advice     " : "             ");
            term_putn(c->out, p, k, 0, NULL);
            ob_putc(c->out, '\n');
            first = false;
        }
        p += k + (p[k] == '\n');
    }
    free(filled);
}

static int by_status(const void *x, const void *y)
{
    const ldrsnap_verdict *a = &sort_s->verdicts[*(const size_t *)x];
    const ldrsnap_verdict *b = &sort_s->verdicts[*(const size_t *)y];
    if (a->status != b->status)
        return a->status < b->status ? -1 : 1;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

static int by_id(const void *x, const void *y)
{
    const ldrsnap_signature *a = &sort_r->sigs[*(const size_t *)x].s;
    const ldrsnap_signature *b = &sort_r->sigs[*(const size_t *)y].s;
    int d = strcmp(a->id, b->id);
    if (d)
        return d;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

/* The verdict a signature is shown under, for the names in its advice. */
static const ldrsnap_verdict *verdict_of_sig(const ctx *c, size_t si)
{
    for (size_t k = 0; k < c->s->n_verdicts; k++)
        if (c->sigs.start[k] <= si && si < c->sigs.start[k + 1])
            return &c->s->verdicts[k];
    return NULL;
}

/* Does a signature of verdict k give advice? */
static bool rule_advice(const ctx *c, size_t k)
{
    for (size_t i = c->sigs.start[k]; i < c->sigs.start[k + 1]; i++)
        if (c->r->sigs[c->sigs.idx[i]].s.advice)
            return true;
    return false;
}

static void advice(ctx *c)
{
    const ldrsnap_summary *s = c->s;
    const report *r = c->r;
    size_t n = s->n_verdicts > r->nsigs ? s->n_verdicts : r->nsigs;
    size_t *ix = malloc((n + 1) * sizeof *ix);
    size_t *pos = malloc((r->nsigs + 1) * sizeof *pos);
    if (!ix || !pos)
        goto out;
    /* the status's advice, once per status */
    for (size_t i = 0; i < s->n_verdicts; i++)
        ix[i] = i;
    sort_s = s;
    qsort(ix, s->n_verdicts, sizeof *ix, by_status);
    bool said = false;
    uint32_t said_status = 0;
    for (size_t i = 0; i < s->n_verdicts; i++) {
        const ldrsnap_verdict *v = &s->verdicts[ix[i]];
        ldrsnap_code code;
        if ((said && said_status == v->status) || rule_advice(c, ix[i]) ||
            !status_code(v, &code) || !code.advice)
            continue; /* said, or a signature's advice says it here */
        advice_text(c, code.advice, v->dll, v->image);
        said = true;
        said_status = v->status;
    }
    /* each rule's advice, once per rule, by severity */
    for (size_t k = 0; k < r->nsigs; k++)
        pos[c->sigs.idx[k]] = k;
    size_t m = 0;
    for (size_t i = 0; i < r->nsigs; i++)
        ix[i] = i;
    sort_r = r;
    qsort(ix, r->nsigs, sizeof *ix, by_id);
    for (size_t i = 0; i < r->nsigs; i++)
        if (!i || strcmp(r->sigs[ix[i]].s.id, r->sigs[ix[i - 1]].s.id))
            ix[m++] = ix[i];
    qsort(ix, m, sizeof *ix, by_severity);
    for (size_t i = 0; i < m; i++) {
        const ldrsnap_signature *sg = &r->sigs[ix[i]].s;
        const ldrsnap_verdict *v = verdict_of_sig(c, pos[ix[i]]);
        if (!v && s->n_verdicts)
            v = &s->verdicts[0];
        if (sg->advice)
            advice_text(c, sg->advice, v ? v->dll : NULL,
                        v ? v->image : NULL);
    }
out:
    free(ix);
    free(pos);
}

/* The architecture the texts of verdict k's process show. */
const char *report_arch(const report *r, const ldrsnap_summary *s,
                        const report_index *ix, size_t k)
{
    const ldrsnap_verdict *v = &s->verdicts[k];
    const char *t[80];
    size_t n = 0;
    t[n++] = v->dll_path, t[n++] = v->parent, t[n++] = v->text;
    t[n++] = v->note, t[n++] = v->image;
    for (size_t i = 0; i < v->chain_len && n < 16; i++)
        t[n++] = v->chain[i];
    for (size_t i = ix->fails.start[k]; i < ix->fails.start[k + 1] && n < 80;
         i++)
        t[n++] = r->fails[ix->fails.idx[i]].f.text;
    return guess_arch(t, n);
}

static const char *arch_of(const ctx *c, size_t k)
{
    report_index ix = {c->vorder, c->fails, c->excs, c->sigs};
    return report_arch(c->r, c->s, &ix, k);
}

static int next(ctx *c)
{
    size_t nv = c->s->n_verdicts;
    const char **arch = calloc(nv + 1, sizeof *arch);
    steps st = {0};
    if (!arch)
        return -1;
    for (size_t k = 0; k < nv && k < 64; k++)
        arch[k] = arch_of(c, k);
    int rc = next_steps(&st, c->s, arch);
    if (rc == 0 && st.n)
        lit(c, "  next steps\n");
    for (size_t i = 0; rc == 0 && i < st.n; i++) {
        term_para(c->out, c->width, 4, "", st.v[i].title, 4);
        for (size_t k = 0; k < st.v[i].ncmds; k++) {
            lit(c, "      ");
            put(c, st.v[i].cmds[k]);
            ob_putc(c->out, '\n');
        }
    }
    steps_free(&st);
    free(arch);
    return rc;
}

static void totals(ctx *c)
{
    const ldrsnap_summary *s = c->s;
    ob_printf(c->out, "  %s%llu lines, %s, %s; %zu process%s; %zu failure "
                    "line%s (%zu probe miss%s, %zu handled)%s\n",
            c->p.dim, (unsigned long long)s->lines, s->dialect, s->encoding,
            s->processes, s->processes == 1 ? "" : "es", s->failures,
            s->failures == 1 ? "" : "s", s->noise,
            s->noise == 1 ? "" : "es", s->handled, c->p.off);
}

/* ---- one line per log -------------------------------------------------- */

static void brief(obuf *out, const char *source, const ldrsnap_summary *s,
                  const paint *p)
{
    ob_puts(out, p->bold);
    term_put(out, source);
    ob_printf(out, ":%s ", p->off);
    if (s->n_verdicts == 0 && s->loader_lines == 0 && !s->signatures) {
        ob_puts(out, s->host_lines ? "no loader-snaps lines: loader snaps "
                                     "were not on\n"
                                   : "no loader-snaps lines found\n");
        return;
    }
    if (s->n_verdicts == 0) {
        if (s->signatures)
            ob_printf(out, "no loader failure; %zu signature%s\n",
                    s->signatures, s->signatures == 1 ? "" : "s");
        else
            ob_puts(out, "no loader failure found\n");
        return;
    }
    const ldrsnap_verdict *v = &s->verdicts[0];
    ob_puts(out, p->red);
    term_put(out, v->dll ? cli_basename(v->dll) : "-");
    ob_puts(out, p->off);
    if (v->flags & LDRSNAP_FF_STATUS)
        ob_printf(out, " 0x%08x", v->status);
    if (v->status_name) {
        ob_putc(out, ' ');
        term_put(out, v->status_name);
    }
    ob_printf(out, " %s", ldrsnap_kind_name(v->kind));
    if (s->n_verdicts > 1)
        ob_printf(out, " (+%zu more failing process%s)", s->n_verdicts - 1,
                s->n_verdicts == 2 ? "" : "es");
    ob_putc(out, '\n');
}

/* ---- the report -------------------------------------------------------- */

static void free_ctx(ctx *c)
{
    free(c->vorder);
    free(c->fails.idx);
    free(c->fails.start);
    free(c->excs.idx);
    free(c->excs.start);
    free(c->sigs.idx);
    free(c->sigs.start);
    free(c->explained);
}

/* No loader-snaps line at all: not "no failure found", and what it
 * likely means (for a debugger or IDE capture: snaps were off). */
static void no_snaps(ctx *c)
{
    const ldrsnap_summary *s = c->s;
    ob_puts(c->out, c->p.bold);
    put(c, c->r->source);
    ob_printf(c->out, ":%s no loader-snaps lines found\n", c->p.off);
    if (c->r->truncated) {
        ob_puts(c->out, "  meaning    the input ended before any loader-snaps "
                        "line: nothing can be said\n"
                        "             of what it held after that\n");
    } else if (s->host_lines) {
        ob_puts(c->out, "  meaning    a debugger or IDE capture without loader "
                        "snaps: they were not\n"
                        "             turned on for this program, so this log "
                        "cannot say why it failed\n"
                        "  next steps\n"
                        "    Turn loader snaps on for the program (as an "
                        "administrator), run it again\n"
                        "    under the debugger, then turn them off\n");
        const char *prog = s->program ? s->program : "<program>.exe";
        ob_puts(c->out, "      gflags -i ");
        put(c, prog);
        ob_puts(c->out, " +sls\n      gflags -i ");
        put(c, prog);
        ob_puts(c->out, " -sls\n");
    } else {
        ob_puts(c->out, "  meaning    no line of this input is a loader-snaps "
                        "record (empty, binary,\n"
                        "             or another file?): it says nothing "
                        "either way about DLL loading\n");
    }
}

int text_truncated(obuf *out, const char *source, const ldrsnap_summary *s,
                   const cli_opts *o)
{
    paint p = colours(o);
    ob_puts(out, p.bold);
    term_put(out, source);
    ob_printf(out, ":%s truncated: the input ended early; this report covers "
                   "its first %llu lines\n",
              p.off, (unsigned long long)s->lines);
    return 0;
}

int text_report(obuf *out, const report *r, const ldrsnap_summary *s,
                const cli_opts *o)
{
    ctx c = {.out = out, .o = o, .r = r, .s = s, .p = colours(o),
             .width = o->width};
    if (o->brief) {
        brief(out, r->source, s, &c.p);
        return 0;
    }
    if (assign(&c) < 0) {
        free_ctx(&c);
        return -1;
    }
    size_t nv = s->n_verdicts;
    for (size_t k = 0; k < nv; k++) {
        verdict_block(&c, &s->verdicts[k]);
        signatures_of(&c, k);
        evidence(&c, k);
    }
    bool orphans = c.sigs.start[nv + 1] > c.sigs.start[nv];
    bool others = o->all && (c.fails.start[nv + 1] > c.fails.start[nv] ||
                             c.excs.start[nv + 1] > c.excs.start[nv]);
    if (nv == 0 && s->loader_lines == 0 && !r->nsigs) {
        no_snaps(&c);
        totals(&c);
        free_ctx(&c);
        return 0;
    }
    if (nv == 0 || orphans || others) {
        ob_puts(out, c.p.bold);
        put(&c, r->source);
        ob_printf(out, ":%s %s\n", c.p.off,
                nv ? "other processes"
                   : r->nsigs ? "no loader failure found; signatures of "
                                "known problems:"
                              : "no loader failure found");
        signatures_of(&c, nv);
        if (o->all)
            evidence(&c, nv);
    }
    advice(&c);
    int rc = next(&c);
    totals(&c);
    free_ctx(&c);
    return rc;
}

void text_error(obuf *out, const char *source, const char *message,
                const cli_opts *o)
{
    paint p = colours(o);
    (void)source;
    ob_printf(out, "%sldrsnap: error:%s ", p.red, p.off);
    term_put(out, message);
    ob_putc(out, '\n');
}

void text_record(obuf *out, const ldrsnap_record *r)
{
    ob_printf(out, "%llu\t%s\t%s\t", (unsigned long long)r->line,
            ldrsnap_dialect_name(r->dialect), ldrsnap_msg_name(r->msg));
    term_put(out, r->text);
    ob_putc(out, '\n');
}
