/*
 * render_text.c - the report for a person at a terminal: the verdict
 * first (what failed, on which thread, loaded by whom, the load chain,
 * the status and its name), then the evidence with line numbers.
 */
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

static const char *name_or(const char *s, const char *dflt)
{
    return s && *s ? s : dflt;
}

/* One line saying what failed. */
static void headline(FILE *out, const ldrsnap_verdict *v)
{
    const char *dll = v->dll;
    if (v->confidence == LDRSNAP_CONF_LOW)
        fputs("possibly: ", out);
    switch (v->kind) {
    case LDRSNAP_K_DLL_NOT_FOUND:
        if (dll)
            fprintf(out, "%s was not found", dll);
        else
            fputs("a DLL was not found (the log does not name it)", out);
        break;
    case LDRSNAP_K_EXPORT_NOT_FOUND:
    case LDRSNAP_K_ORDINAL_NOT_FOUND:
        fprintf(out, "%s%s lacks %s%s", dll ? "" : "a DLL",
                dll ? dll : "", v->symbol ? "the export " : "an export",
                v->symbol ? v->symbol : "");
        if (v->parent)
            fprintf(out, " needed by %s", v->parent);
        break;
    case LDRSNAP_K_BAD_IMAGE:
        fprintf(out, "%s is not a valid image for this process "
                     "(32/64-bit mismatch or damaged file)",
                name_or(dll, "a DLL"));
        break;
    case LDRSNAP_K_INIT_FAILED:
        fprintf(out, "%s failed to initialize (its DllMain)",
                name_or(dll, "a DLL"));
        break;
    case LDRSNAP_K_ACCESS_DENIED:
        fprintf(out, "access denied%s%s", dll ? " loading " : "",
                dll ? dll : "");
        break;
    case LDRSNAP_K_SXS:
        fprintf(out, "side-by-side configuration of %s failed",
                name_or(dll, "a DLL"));
        break;
    case LDRSNAP_K_PROCESS_INIT_FAILED:
        fputs("the process failed to initialize", out);
        break;
    case LDRSNAP_K_OTHER:
        if (dll)
            fprintf(out, "%s could not be loaded", dll);
        else
            fputs("the process failed", out);
        break;
    }
}

static void status_text(FILE *out, unsigned flags, unsigned status,
                        const char *name)
{
    if (flags & LDRSNAP_FF_STATUS)
        fprintf(out, "0x%08x%s%s", status, name ? " " : "", name ? name : "");
    else
        fputs("not in the log", out);
}

/* Our explanation and advice for the verdict's status, from the code
 * table: the candidate whose name the verdict shows. */
static void meaning(FILE *out, const ldrsnap_verdict *v)
{
    ldrsnap_code c[16];
    if (!(v->flags & LDRSNAP_FF_STATUS))
        return;
    size_t n = ldrsnap_code_lookup(v->status, c, 16);
    for (size_t i = 0; i < n && i < 16; i++) {
        if (!c[i].explanation ||
            (v->status_name && strcmp(c[i].name, v->status_name) != 0))
            continue;
        text_wrapped(out, 2, "meaning    ", c[i].explanation, 13);
        if (c[i].advice)
            text_wrapped(out, 2, "advice     ", c[i].advice, 13);
        return;
    }
}

static void verdict_block(FILE *out, const char *source,
                          const ldrsnap_verdict *v, const paint *p)
{
    fprintf(out, "%s%s:%s %s", p->bold, source, p->off, p->red);
    headline(out, v);
    fprintf(out, "%s\n", p->off);
    fputs("  process    ", out);
    if (v->flags & LDRSNAP_FF_PID)
        fprintf(out, "%04x", v->pid);
    else
        fputs("(not in the log)", out);
    if (v->image)
        fprintf(out, " %s", v->image);
    if (v->flags & LDRSNAP_FF_TID)
        fprintf(out, ", thread %04x", v->tid);
    fputs("\n  status     ", out);
    status_text(out, v->flags, v->status, v->status_name);
    fputc('\n', out);
    if (v->dll_path && v->dll && strcmp(v->dll_path, v->dll) != 0)
        fprintf(out, "  path       %s\n", v->dll_path);
    if (v->parent)
        fprintf(out, "  loaded by  %s\n", v->parent);
    if (v->chain_len > 1) {
        fputs("  chain      ", out);
        for (size_t i = 0; i < v->chain_len; i++)
            fprintf(out, "%s%s", i ? " > " : "", v->chain[i]);
        fputc('\n', out);
    }
    fprintf(out, "  kind       %s (confidence: %s)\n",
            ldrsnap_kind_name(v->kind),
            ldrsnap_confidence_name(v->confidence));
    if (v->note)
        fprintf(out, "  why        %s\n", v->note);
    meaning(out, v);
}

static void evidence_line(FILE *out, unsigned long long line,
                          const char *text, const char *tag, const paint *p,
                          const char *colour)
{
    size_t n = strlen(text);
    fprintf(out, "    %s%6llu%s  ", p->dim, line, p->off);
    if (n > EVIDENCE_WIDTH) {
        size_t cut = EVIDENCE_WIDTH;
        while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut--;
        fprintf(out, "%.*s...", (int)cut, text);
    } else {
        fputs(text, out);
    }
    fprintf(out, "  %s[%s]%s\n", colour, tag, p->off);
}

static bool same_process(unsigned flags, unsigned pid,
                         const ldrsnap_verdict *v)
{
    if (!(v->flags & LDRSNAP_FF_PID) || !(flags & LDRSNAP_FF_PID))
        return (v->flags & LDRSNAP_FF_PID) == (flags & LDRSNAP_FF_PID);
    return v->pid == pid;
}

/* Was this exception turned into a failure (the same line)? */
static bool promoted(const report *r, const ldrsnap_exception *e)
{
    for (size_t i = 0; i < r->nfails; i++)
        if (r->fails[i].f.line == e->line && r->fails[i].f.text &&
            e->text && !strcmp(r->fails[i].f.text, e->text))
            return true;
    return false;
}

/* The evidence of one process (or, with v NULL, of every process). */
static void evidence(FILE *out, const report *r, const ldrsnap_verdict *v,
                     const cli_opts *o, const paint *p)
{
    size_t fi = 0, ei = 0;
    bool any = false;
    while (fi < r->nfails || ei < r->nexcs) {
        bool take_exc = ei < r->nexcs &&
                        (fi >= r->nfails ||
                         r->excs[ei].e.line < r->fails[fi].f.line);
        if (take_exc) {
            const ldrsnap_exception *e = &r->excs[ei++].e;
            if (v && !same_process(e->flags, e->pid, v))
                continue;
            if (promoted(r, e) || (!o->all && (e->flags & LDRSNAP_FF_BENIGN)))
                continue; /* listed as the failure it became */
            if (!any)
                fputs("  evidence\n", out);
            any = true;
            evidence_line(out, e->line, e->text, "exception", p, p->yellow);
            continue;
        }
        const ldrsnap_failure *f = &r->fails[fi++].f;
        if (v && !same_process(f->flags, f->pid, v))
            continue;
        if (!o->all && (f->role == LDRSNAP_ROLE_NOISE ||
                        f->role == LDRSNAP_ROLE_HANDLED))
            continue;
        if (!any)
            fputs("  evidence\n", out);
        any = true;
        const char *c = f->role == LDRSNAP_ROLE_ROOT_CAUSE ? p->red : p->dim;
        evidence_line(out, f->line, f->text, ldrsnap_role_name(f->role), p,
                      c);
    }
}

/* Advice keeps its own line breaks (it often holds commands and is
 * wrapped by its author); only a line too long for a terminal is wrapped. */
static void advice_lines(FILE *out, const char *advice)
{
    char line[1024];
    bool first = true;
    for (const char *p = advice; *p;) {
        size_t k = strcspn(p, "\n");
        size_t n = k < sizeof line ? k : sizeof line - 1;
        memcpy(line, p, n);
        line[n] = '\0';
        const char *lead = first ? "             advice: " : "               ";
        if (n && strlen(lead) + n <= 100) {
            fprintf(out, "%s%s\n", lead, line);
        } else if (n) {
            size_t ind = strspn(line, " ");
            text_wrapped(out, first ? 13 : 15 + ind,
                         first ? "advice: " : "", line + ind,
                         first ? 15 : 17 + ind);
        }
        first = first && !n;
        p += k + (p[k] == '\n');
    }
}

static void signature_block(FILE *out, const ldrsnap_signature *sg,
                            const paint *p)
{
    fprintf(out, "  signature  %s[%s] %s%s\n", p->yellow, sg->severity,
            sg->title, p->off);
    fprintf(out, "             rule %s; line%s", sg->id,
            sg->n_lines == 1 ? "" : "s");
    for (size_t i = 0; i < sg->n_lines; i++)
        fprintf(out, "%s%llu", i ? ", " : " ",
                (unsigned long long)sg->lines[i]);
    fputc('\n', out);
    if (sg->explanation)
        text_wrapped(out, 13, "", sg->explanation, 13);
    if (sg->advice)
        advice_lines(out, sg->advice);
}

/* Signatures of one process (v), or those no verdict took (v NULL). */
static void signatures(FILE *out, const report *r, const ldrsnap_summary *s,
                       const ldrsnap_verdict *v, const paint *p)
{
    for (size_t i = 0; i < r->nsigs; i++) {
        const ldrsnap_signature *sg = &r->sigs[i].s;
        bool mine;
        if (v) {
            mine = same_process(sg->flags, sg->pid, v);
        } else {
            mine = true;
            for (size_t k = 0; k < s->n_verdicts; k++)
                mine &= !same_process(sg->flags, sg->pid, &s->verdicts[k]);
        }
        if (mine)
            signature_block(out, sg, p);
    }
}

static void totals(FILE *out, const ldrsnap_summary *s, const paint *p)
{
    fprintf(out, "  %s%llu lines, %s, %s; %zu process%s; %zu failure "
                 "line%s (%zu probe miss%s, %zu handled)%s\n",
            p->dim, (unsigned long long)s->lines, s->dialect, s->encoding,
            s->processes, s->processes == 1 ? "" : "es", s->failures,
            s->failures == 1 ? "" : "s", s->noise,
            s->noise == 1 ? "" : "es", s->handled, p->off);
}

void text_report(FILE *out, const report *r, const ldrsnap_summary *s,
                 const cli_opts *o)
{
    paint p = colours(o);
    for (size_t i = 0; i < s->n_verdicts; i++) {
        verdict_block(out, r->source, &s->verdicts[i], &p);
        signatures(out, r, s, &s->verdicts[i], &p);
        evidence(out, r, &s->verdicts[i], o, &p);
    }
    if (s->n_verdicts == 0) {
        fprintf(out, "%s%s:%s no loader failure found%s\n", p.bold,
                r->source, p.off,
                r->nsigs ? "; signatures of known problems:" : "");
        if (o->all)
            evidence(out, r, NULL, o, &p);
    } else if (r->nsigs) {
        bool orphans = false;
        for (size_t i = 0; i < r->nsigs; i++) {
            bool taken = false;
            for (size_t k = 0; k < s->n_verdicts; k++)
                taken |= same_process(r->sigs[i].s.flags, r->sigs[i].s.pid,
                                      &s->verdicts[k]);
            orphans |= !taken;
        }
        if (orphans)
            fprintf(out, "%s%s:%s other signatures\n", p.bold, r->source,
                    p.off);
    }
    signatures(out, r, s, NULL, &p);
    totals(out, s, &p);
}

void text_error(FILE *out, const char *source, const char *message,
                const cli_opts *o)
{
    paint p = colours(o);
    (void)source;
    fprintf(out, "%sldrsnap: error:%s %s\n", p.red, p.off, message);
}

void text_record(FILE *out, const ldrsnap_record *r)
{
    fprintf(out, "%llu\t%s\t%s\t%s\n", (unsigned long long)r->line,
            ldrsnap_dialect_name(r->dialect), ldrsnap_msg_name(r->msg),
            r->text);
}
