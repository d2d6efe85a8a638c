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
    const char *source;
    const cli_opts *o;
    const report *r;
    const ldrsnap_summary *s;
    paint p;
    int width;
    size_t *vorder;       /* verdicts by (pid, line) */
    buckets fails, excs, sigs;
    char **explained;     /* rule ids whose explanation was shown */
    size_t nexplained;
} ctx;

/* ---- who owns what ---------------------------------------------------- */

static uint64_t pid_key(unsigned flags, uint32_t pid)
{
    return flags & LDRSNAP_FF_PID ? (1ull << 32) | pid : 0;
}

/* qsort()'s comparators read these: one per thread (-j workers build
 * their page's index at once) */
static _Thread_local const ldrsnap_summary *sort_s;

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

static _Thread_local const report *sort_r;

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

/* s as printf's %s writes it ("(null)" for NULL): the report's fixed
 * pieces between its fields, without a format to read each time. */
static void str(ctx *c, const char *s)
{
    ob_puts(c->out, s ? s : "(null)");
}

/* printf's %*llu: v right-aligned in w columns. */
static void num_w(ctx *c, unsigned long long v, size_t w)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t k = sizeof tmp - i; k < w; k++)
        ob_putc(c->out, ' ');
    ob_write(c->out, tmp + i, sizeof tmp - i);
}

/* printf's %04x */
static void hex4(ctx *c, unsigned v)
{
    char tmp[8];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (sizeof tmp - i < 4)
        tmp[--i] = '0';
    ob_write(c->out, tmp + i, sizeof tmp - i);
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
    put(c, c->source);
    ob_putc(c->out, ':');
    str(c, p->off);
    ob_putc(c->out, ' ');
    str(c, p->red);
    headline(c, v);
    str(c, p->off);
    ob_putc(c->out, '\n');
    lit(c, "  process    ");
    if (v->flags & LDRSNAP_FF_PID)
        hex4(c, v->pid);
    else
        lit(c, "(not in the log)");
    if (v->image) {
        ob_putc(c->out, ' ');
        put(c, v->image);
    }
    if (v->flags & LDRSNAP_FF_TID) {
        lit(c, ", thread ");
        hex4(c, v->tid);
    }
    lit(c, "\n  status     ");
    if (v->flags & LDRSNAP_FF_STATUS) {
        ob_hex8(c->out, v->status);
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
    lit(c, "  kind       ");
    str(c, ldrsnap_kind_name(v->kind));
    lit(c, " (confidence: ");
    str(c, ldrsnap_confidence_name(v->confidence));
    lit(c, ")\n");
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
    char **e = realloc(c->explained, (c->nexplained + 1) * sizeof *e);
    if (e) {
        c->explained = e;
        if ((e[c->nexplained] = strdup(id)) != NULL)
            c->nexplained++;
    }
    return false;
}

static void signature_block(ctx *c, const ldrsnap_signature *sg)
{
    const paint *p = &c->p;
    lit(c, "  signature  ");
    str(c, p->yellow);
    ob_putc(c->out, '[');
    str(c, sg->severity);
    lit(c, "] ");
    put(c, sg->title);
    str(c, p->off);
    lit(c, "\n             rule ");
    str(c, sg->id);
    lit(c, sg->n_lines == 1 ? "; line" : "; lines");
    for (size_t i = 0; i < sg->n_lines; i++) {
        lit(c, i ? ", " : " ");
        ob_u64(c->out, (unsigned long long)sg->lines[i]);
    }
    ob_putc(c->out, '\n');
    if (sg->explanation && !explained(c, sg->id))
        term_para(c->out, c->width, 13, "", sg->explanation, 13);
}

static void evidence_line(ctx *c, unsigned long long line, const char *text,
                          const char *tag, const char *colour)
{
    const paint *p = &c->p;
    lit(c, "    ");
    str(c, p->dim);
    num_w(c, line, 6);
    str(c, p->off);
    lit(c, "  ");
    size_t room = EVIDENCE_WIDTH;
    if (c->width > 0) { /* a terminal: one screen line each */
        size_t used = 12 + 4 + strlen(tag) + 3;
        room = (size_t)c->width > used + 40 ? (size_t)c->width - used : 40;
    }
    bool cut;
    term_putn(c->out, text ? text : "", text ? strlen(text) : 0, room, &cut);
    lit(c, cut ? "...  " : "  ");
    str(c, colour);
    ob_putc(c->out, '[');
    str(c, tag);
    ob_putc(c->out, ']');
    str(c, p->off);
    ob_putc(c->out, '\n');
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
    size_t more = s->n_verdicts - 1 + s->verdicts_dropped;
    if (more)
        ob_printf(out, " (+%zu more failing process%s)", more,
                  more == 1 ? "" : "es");
    ob_putc(out, '\n');
}

/* ---- the report -------------------------------------------------------- */

/* No loader-snaps line at all: not "no failure found", and what it
 * likely means (for a debugger or IDE capture: snaps were off). */
static void no_snaps(ctx *c, bool truncated)
{
    const ldrsnap_summary *s = c->s;
    ob_puts(c->out, c->p.bold);
    put(c, c->source);
    ob_printf(c->out, ":%s no loader-snaps lines found\n", c->p.off);
    if (truncated) {
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

/* ---- the report, a process at a time ------------------------------------ */

/* What the report holds of a live process (events carry its pid, or
 * none): the evidence lines (failures and exceptions, their text in one
 * arena), its signatures.  Written and freed as the process ends
 * (LDRSNAP_EV_PROCESS_END), so memory follows the live processes, not
 * the log. */
enum ev_tag { EV_ROOT, EV_CONSEQUENCE, EV_HANDLED, EV_NOISE, EV_EXCEPTION };

typedef struct ev_item {
    uint64_t line;
    size_t seq;          /* arrival: the order among a line's items */
    size_t off, len;     /* its text in the arena */
    unsigned char tag;   /* enum ev_tag */
    bool shown;
} ev_item;

typedef struct pend {
    uint64_t key;        /* pid_key() */
    ev_item *items;
    size_t n, cap;
    char *text;          /* the arena */
    size_t tlen, tcap;
    report sigs;         /* its signatures (deep copies) */
    size_t noise_gone;   /* probe misses past the budget, counted */
} pend;

/* Advice is said once per log: per status (the first failing process
 * whose status has advice and no signature's advice), per rule id. */
typedef struct adv_status {
    uint32_t status;
    char *dll, *image;
} adv_status;

typedef struct adv_rule {
    char *id, *advice, *dll, *image;
    int rank;            /* severity_rank() */
    uint64_t line;
    size_t seq;
    bool named;          /* dll and image are its process's verdict's */
} adv_rule;

/* The first verdicts' architecture, for the next steps. */
#define ARCH_KEEP 64
typedef struct arch_of_v {
    uint64_t key, line;
    const char *arch;
} arch_of_v;

/* Evidence text kept for all live processes; past it, probe misses
 * (--all) are counted, not kept. */
#define NOISE_BUDGET (8u << 20)

struct text_stream {
    ctx c;
    obuf *const *outp;   /* where to write (the caller may move it) */
    pend *pend;
    size_t npend, cpend;
    size_t last;         /* the bucket an event went to last */
    size_t arena;        /* text bytes held in every bucket */
    size_t seq;
    size_t shown;        /* sections written */
    size_t verdicts;     /* failing processes */
    adv_status *st;
    size_t nst, cst;
    adv_rule *ru;
    size_t nru, cru;
    char *first_dll, *first_image; /* the first verdict's names */
    bool have_first;
    arch_of_v arch[ARCH_KEEP];
    size_t narch;
    rollup causes;       /* root causes, one per failing process */
    bool oom;
};

static void pend_reset(pend *b)
{
    free(b->items);
    free(b->text);
    report_free(&b->sigs);
    memset(b, 0, sizeof *b);
}

static pend *pend_of(text_stream *t, unsigned flags, uint32_t pid,
                     bool make)
{
    uint64_t k = pid_key(flags, pid);
    if (t->last < t->npend && t->pend[t->last].key == k)
        return &t->pend[t->last];
    for (size_t i = 0; i < t->npend; i++)
        if (t->pend[i].key == k)
            return &t->pend[t->last = i];
    if (!make)
        return NULL;
    if (t->npend == t->cpend) {
        size_t cap = t->cpend ? t->cpend * 2 : 16;
        pend *n = realloc(t->pend, cap * sizeof *n);
        if (!n)
            return NULL;
        t->pend = n;
        t->cpend = cap;
    }
    pend *b = &t->pend[t->npend];
    memset(b, 0, sizeof *b);
    b->key = k;
    b->sigs.cap = 4096; /* signatures kept: 1024 (report.c) */
    t->last = t->npend++;
    return b;
}

static void pend_drop(text_stream *t, pend *b)
{
    t->arena -= b->tlen;
    pend_reset(b);
    *b = t->pend[--t->npend];
    t->last = 0;
}

static int pend_add(text_stream *t, pend *b, uint64_t line, const char *text,
                    enum ev_tag tag, bool shown)
{
    size_t len = text ? strlen(text) : 0;
    if (tag == EV_NOISE && t->arena + len > NOISE_BUDGET) {
        b->noise_gone++;
        return 0;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        ev_item *n = realloc(b->items, cap * sizeof *n);
        if (!n)
            return -1;
        b->items = n;
        b->cap = cap;
    }
    if (b->tlen + len > b->tcap) {
        size_t cap = b->tcap ? b->tcap : 1024;
        while (cap < b->tlen + len)
            cap *= 2;
        char *n = realloc(b->text, cap);
        if (!n)
            return -1;
        b->text = n;
        b->tcap = cap;
    }
    if (len)
        memcpy(b->text + b->tlen, text, len);
    b->items[b->n++] = (ev_item){line, t->seq++, b->tlen, len,
                                 (unsigned char)tag, shown};
    b->tlen += len;
    t->arena += len;
    return 0;
}

static int by_line_seq(const void *x, const void *y)
{
    const ev_item *a = x, *b = y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Was the exception at items[i] turned into a failure (the same line and
 * text)?  Items are in line order. */
static bool promoted(const pend *b, size_t i)
{
    const ev_item *e = &b->items[i];
    size_t j = i;
    while (j > 0 && b->items[j - 1].line == e->line)
        j--;
    for (; j < b->n && b->items[j].line == e->line; j++) {
        const ev_item *f = &b->items[j];
        if (f->tag != EV_EXCEPTION && f->len == e->len &&
            !memcmp(b->text + f->off, b->text + e->off, e->len))
            return true;
    }
    return false;
}

static void evidence_of(text_stream *t, pend *b)
{
    ctx *c = &t->c;
    bool any = false;
    char *tmp = NULL;
    size_t tcap = 0;
    for (size_t i = 0; i < b->n; i++) {
        const ev_item *it = &b->items[i];
        if (!it->shown || (it->tag == EV_EXCEPTION && promoted(b, i)))
            continue;
        if (it->len + 1 > tcap) {
            free(tmp);
            tcap = it->len + 1 > 256 ? it->len + 1 : 256;
            if (!(tmp = malloc(tcap))) {
                t->oom = true;
                return;
            }
        }
        memcpy(tmp, b->text + it->off, it->len);
        tmp[it->len] = '\0';
        static const ldrsnap_role roles[] = {
            LDRSNAP_ROLE_ROOT_CAUSE, LDRSNAP_ROLE_CONSEQUENCE,
            LDRSNAP_ROLE_HANDLED, LDRSNAP_ROLE_NOISE};
        const char *tag = it->tag == EV_EXCEPTION
                              ? "exception"
                              : ldrsnap_role_name(roles[it->tag]);
        const char *colour = it->tag == EV_EXCEPTION ? c->p.yellow
                             : it->tag == EV_ROOT    ? c->p.red
                                                     : c->p.dim;
        if (!any)
            lit(c, "  evidence\n");
        any = true;
        evidence_line(c, it->line, tmp, tag, colour);
    }
    free(tmp);
    if (b->noise_gone)
        ob_printf(c->out, "    %s%zu more probe miss%s of this process not "
                          "shown (memory)%s\n",
                  c->p.dim, b->noise_gone, b->noise_gone == 1 ? "" : "es",
                  c->p.off);
}

static int by_severity_of(const void *x, const void *y)
{
    const sig_copy *a = x, *b = y;
    int ra = severity_rank(a->s.severity), rb = severity_rank(b->s.severity);
    if (ra != rb)
        return ra - rb;
    return a->s.line < b->s.line ? -1 : a->s.line > b->s.line;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Each rule's advice, once per log: the first signature of each rule,
 * named after its process's verdict when it has one. */
static void note_rule_advice(text_stream *t, const ldrsnap_signature *sg,
                             const ldrsnap_verdict *v)
{
    if (!sg->advice)
        return;
    for (size_t i = 0; i < t->nru; i++)
        if (!strcmp(t->ru[i].id, sg->id)) {
            adv_rule *a = &t->ru[i];
            if (!a->named && v) { /* the first one with a verdict */
                free(a->dll);
                free(a->image);
                a->dll = dup_or_null(v->dll);
                a->image = dup_or_null(v->image);
                a->named = true;
            }
            return;
        }
    if (t->nru == t->cru) {
        size_t cap = t->cru ? t->cru * 2 : 8;
        adv_rule *n = realloc(t->ru, cap * sizeof *n);
        if (!n) {
            t->oom = true;
            return;
        }
        t->ru = n;
        t->cru = cap;
    }
    adv_rule *a = &t->ru[t->nru++];
    *a = (adv_rule){strdup(sg->id), strdup(sg->advice),
                    v ? dup_or_null(v->dll) : NULL,
                    v ? dup_or_null(v->image) : NULL,
                    severity_rank(sg->severity), sg->line, t->seq++,
                    v != NULL};
}

/* The status's advice, once per status: with the names of the first
 * failing process whose signatures give no advice of their own. */
static void note_status_advice(text_stream *t, const ldrsnap_verdict *v,
                               const pend *b)
{
    ldrsnap_code code;
    if (!status_code(v, &code) || !code.advice)
        return;
    for (size_t i = 0; b && i < b->sigs.nsigs; i++)
        if (b->sigs.sigs[i].s.advice)
            return; /* a signature's advice says it here */
    for (size_t i = 0; i < t->nst; i++)
        if (t->st[i].status == v->status)
            return;
    if (t->nst == t->cst) {
        size_t cap = t->cst ? t->cst * 2 : 8;
        adv_status *n = realloc(t->st, cap * sizeof *n);
        if (!n) {
            t->oom = true;
            return;
        }
        t->st = n;
        t->cst = cap;
    }
    t->st[t->nst++] = (adv_status){v->status, dup_or_null(v->dll),
                                   dup_or_null(v->image)};
}

/* The architecture the texts of a failing process show. */
static const char *arch_guess(const ldrsnap_verdict *v, const pend *b)
{
    const char *txt[80];
    char *own[64];
    size_t n = 0, nown = 0;
    txt[n++] = v->dll_path, txt[n++] = v->parent, txt[n++] = v->text;
    txt[n++] = v->note, txt[n++] = v->image;
    for (size_t i = 0; i < v->chain_len && n < 16; i++)
        txt[n++] = v->chain[i];
    for (size_t i = 0; b && i < b->n && n < 80 && nown < 64; i++) {
        const ev_item *it = &b->items[i];
        if (it->tag == EV_EXCEPTION || it->tag == EV_NOISE)
            continue;
        char *s = malloc(it->len + 1);
        if (!s)
            break;
        memcpy(s, b->text + it->off, it->len);
        s[it->len] = '\0';
        txt[n++] = own[nown++] = s;
    }
    const char *a = guess_arch(txt, n);
    for (size_t i = 0; i < nown; i++)
        free(own[i]);
    return a;
}

/* "SRC: process 0fcc x.exe: no loader failure[; signatures:]" */
static void process_head(text_stream *t, uint64_t key, const char *image,
                         bool sigs)
{
    ctx *c = &t->c;
    ob_puts(c->out, c->p.bold);
    put(c, c->source);
    ob_printf(c->out, ":%s ", c->p.off);
    if (key || image) {
        lit(c, "process");
        if (key)
            ob_printf(c->out, " %04x", (unsigned)(key & 0xffffffffu));
        if (image) {
            ob_putc(c->out, ' ');
            put(c, image);
        }
        lit(c, ": no loader failure");
    } else {
        lit(c, "no loader failure found");
    }
    lit(c, sigs ? "; signatures of known problems:\n" : "\n");
}

/* One process's section: its verdict, signatures and evidence; nothing
 * for a process that did not fail unless it has signatures (or, with
 * --all, evidence). */
static void section(text_stream *t, pend *b, const ldrsnap_verdict *v,
                    uint64_t key, const char *image)
{
    ctx *c = &t->c;
    if (b && b->n > 1)
        qsort(b->items, b->n, sizeof *b->items, by_line_seq);
    size_t nsigs = b ? b->sigs.nsigs : 0;
    if (!v) {
        bool any = nsigs > 0 || (b && b->noise_gone);
        for (size_t i = 0; b && !any && i < b->n; i++)
            any = b->items[i].shown &&
                  (b->items[i].tag != EV_EXCEPTION || !promoted(b, i));
        if (!any)
            return;
        process_head(t, key, image, nsigs > 0);
    } else {
        verdict_block(c, v);
    }
    if (nsigs > 1)
        qsort(b->sigs.sigs, nsigs, sizeof *b->sigs.sigs, by_severity_of);
    for (size_t i = 0; i < nsigs; i++) {
        signature_block(c, &b->sigs.sigs[i].s);
        note_rule_advice(t, &b->sigs.sigs[i].s, v);
    }
    if (b && b->sigs.gone)
        ob_printf(c->out, "             %zu more signature%s not shown\n",
                  b->sigs.gone, b->sigs.gone == 1 ? "" : "s");
    if (b)
        evidence_of(t, b);
    t->shown++;
}

int text_begin(text_stream **out, obuf *const *outp, const char *source,
               const cli_opts *o)
{
    text_stream *t = calloc(1, sizeof *t);
    *out = t;
    if (!t)
        return -1;
    t->c = (ctx){.out = *outp, .source = source, .o = o, .p = colours(o),
                 .width = o->width};
    t->outp = outp;
    return 0;
}

static int on_process_end(text_stream *t, const ldrsnap_process *p)
{
    pend *b = pend_of(t, p->flags, p->pid, false);
    const ldrsnap_verdict *v = p->verdict;
    if (v) {
        t->verdicts++;
        if (!t->have_first) {
            t->first_dll = dup_or_null(v->dll);
            t->first_image = dup_or_null(v->image);
            t->have_first = true;
        }
        if (!t->c.o->brief)
            note_status_advice(t, v, b);
        if (t->narch < ARCH_KEEP && !t->c.o->brief)
            t->arch[t->narch++] =
                (arch_of_v){pid_key(v->flags, v->pid), v->line,
                            arch_guess(v, b)};
        /* the rollup counts the causes of the first verdicts, as many as
         * a summary keeps (each distinct cause is kept, and looked for
         * among the others) */
        char st[16];
        hex8_str(st, (unsigned)v->status);
        if (t->verdicts <= LDRSNAP_MAX_VERDICTS &&
            rollup_cause(&t->causes, ldrsnap_kind_name(v->kind), v->dll,
                         v->flags & LDRSNAP_FF_STATUS ? st : NULL,
                         t->c.source, 1) < 0)
            t->oom = true;
    }
    if (!t->c.o->brief)
        section(t, b, v, pid_key(p->flags, p->pid), p->image);
    if (b)
        pend_drop(t, b);
    return t->oom ? -1 : 0;
}

int text_event(text_stream *t, const ldrsnap_event *ev)
{
    const cli_opts *o = t->c.o;
    t->c.out = *t->outp;
    if (ev->type == LDRSNAP_EV_PROCESS_END)
        return on_process_end(t, ev->process);
    if (o->brief)
        return 0;
    pend *b;
    int rc = 0;
    if (ev->type == LDRSNAP_EV_FAILURE) {
        const ldrsnap_failure *f = ev->failure;
        if (f->role == LDRSNAP_ROLE_NOISE && !o->all)
            return 0;
        enum ev_tag tag = f->role == LDRSNAP_ROLE_ROOT_CAUSE ? EV_ROOT
                          : f->role == LDRSNAP_ROLE_CONSEQUENCE
                              ? EV_CONSEQUENCE
                          : f->role == LDRSNAP_ROLE_HANDLED ? EV_HANDLED
                                                            : EV_NOISE;
        bool shown = o->all || (tag != EV_NOISE && tag != EV_HANDLED);
        if (!(b = pend_of(t, f->flags, f->pid, true)))
            return -1;
        rc = pend_add(t, b, f->line, f->text, tag, shown);
    } else if (ev->type == LDRSNAP_EV_EXCEPTION) {
        const ldrsnap_exception *e = ev->exception;
        bool shown = o->all || !(e->flags & LDRSNAP_FF_BENIGN);
        if (!(b = pend_of(t, e->flags, e->pid, true)))
            return -1;
        rc = pend_add(t, b, e->line, e->text, EV_EXCEPTION, shown);
    } else if (ev->type == LDRSNAP_EV_SIGNATURE) {
        const ldrsnap_signature *sg = ev->signature;
        if (!(b = pend_of(t, sg->flags, sg->pid, true)))
            return -1;
        rc = report_add_signature(&b->sigs, sg);
    }
    return rc;
}

static int cmp_status(const void *x, const void *y)
{
    const adv_status *a = x, *b = y;
    return a->status < b->status ? -1 : a->status > b->status;
}

static int cmp_rule(const void *x, const void *y)
{
    const adv_rule *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void advice_all(text_stream *t)
{
    ctx *c = &t->c;
    if (t->nst > 1)
        qsort(t->st, t->nst, sizeof *t->st, cmp_status);
    for (size_t i = 0; i < t->nst; i++) {
        ldrsnap_verdict v = {.flags = LDRSNAP_FF_STATUS,
                             .status = t->st[i].status};
        ldrsnap_code code;
        if (status_code(&v, &code) && code.advice)
            advice_text(c, code.advice, t->st[i].dll, t->st[i].image);
    }
    if (t->nru > 1)
        qsort(t->ru, t->nru, sizeof *t->ru, cmp_rule);
    for (size_t i = 0; i < t->nru; i++) {
        const adv_rule *a = &t->ru[i];
        bool own = a->named || !t->have_first;
        advice_text(c, a->advice, own ? a->dll : t->first_dll,
                    own ? a->image : t->first_image);
    }
}

static int next_all(text_stream *t)
{
    ctx *c = &t->c;
    const ldrsnap_summary *s = c->s;
    size_t nv = s->n_verdicts;
    const char **arch = calloc(nv + 1, sizeof *arch);
    steps st = {0};
    if (!arch)
        return -1;
    for (size_t k = 0; k < nv; k++) {
        const ldrsnap_verdict *v = &s->verdicts[k];
        uint64_t key = pid_key(v->flags, v->pid);
        for (size_t i = 0; i < t->narch; i++)
            if (t->arch[i].key == key && t->arch[i].line == v->line) {
                arch[k] = t->arch[i].arch;
                break;
            }
    }
    int rc = next_steps(&st, s, arch);
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

int text_end(text_stream *t, const ldrsnap_summary *s, bool truncated)
{
    ctx *c = &t->c;
    c->s = s;
    c->out = *t->outp;
    if (c->o->brief) {
        brief(c->out, c->source, s, &c->p);
        return t->oom ? -1 : 0;
    }
    /* what no process that ended took (their pid never ended) */
    while (t->npend) {
        pend *b = &t->pend[0];
        section(t, b, NULL, b->key, NULL);
        pend_drop(t, b);
    }
    if (!t->verdicts && s->loader_lines == 0 && !s->signatures) {
        no_snaps(c, truncated);
        totals(c);
        return t->oom ? -1 : 0;
    }
    if (!t->verdicts && !t->shown) {
        ob_puts(c->out, c->p.bold);
        put(c, c->source);
        ob_printf(c->out, ":%s no loader failure found\n", c->p.off);
    }
    advice_all(t);
    int rc = next_all(t);
    totals(c);
    return rc < 0 || t->oom ? -1 : 0;
}

/* The root causes of the log, one per failing process (the summary may
 * keep only the first few verdicts). */
const rollup *text_causes(const text_stream *t)
{
    return &t->causes;
}

void text_free(text_stream *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->npend; i++)
        pend_reset(&t->pend[i]);
    free(t->pend);
    for (size_t i = 0; i < t->nst; i++) {
        free(t->st[i].dll);
        free(t->st[i].image);
    }
    free(t->st);
    for (size_t i = 0; i < t->nru; i++) {
        free(t->ru[i].id);
        free(t->ru[i].advice);
        free(t->ru[i].dll);
        free(t->ru[i].image);
    }
    free(t->ru);
    for (size_t i = 0; i < t->c.nexplained; i++)
        free(t->c.explained[i]);
    free(t->c.explained);
    free(t->first_dll);
    free(t->first_image);
    rollup_free(&t->causes);
    free(t);
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
