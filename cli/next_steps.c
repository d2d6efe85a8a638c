/*
 * next_steps.c - what to run next, ready to paste, with the names the log
 * gave: the DLL, its path, the module that needed it, the program, the
 * process's architecture.  A placeholder stays only where the log did not
 * give the name.  The text and HTML reports show the same steps.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static char *vfmt(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static int add_step(steps *st, const char *title)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 8;
        step *v = realloc(st->v, cap * sizeof *v);
        if (!v)
            return -1;
        st->v = v;
        st->cap = cap;
    }
    step *s = &st->v[st->n];
    memset(s, 0, sizeof *s);
    if (!(s->title = strdup(title)))
        return -1;
    st->n++;
    return 0;
}

__attribute__((format(printf, 2, 3))) static int cmd(steps *st,
                                                    const char *fmt, ...)
{
    step *s = &st->v[st->n - 1];
    if (s->ncmds == STEP_MAX_CMDS)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    s->cmds[s->ncmds] = vfmt(fmt, ap);
    va_end(ap);
    if (!s->cmds[s->ncmds])
        return -1;
    s->ncmds++;
    return 0;
}

__attribute__((format(printf, 2, 3))) static int title(steps *st,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = vfmt(fmt, ap);
    va_end(ap);
    if (!t)
        return -1;
    int rc = add_step(st, t);
    free(t);
    return rc;
}

void steps_free(steps *st)
{
    for (size_t i = 0; i < st->n; i++) {
        free(st->v[i].title);
        for (size_t k = 0; k < st->v[i].ncmds; k++)
            free(st->v[i].cmds[k]);
    }
    free(st->v);
    memset(st, 0, sizeof *st);
}

/* ---- names ------------------------------------------------------------- */

static bool ends_with_ci(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcasecmp(s + n - k, tail);
}

static bool starts_with_ci(const char *s, const char *head)
{
    return !strncasecmp(s, head, strlen(head));
}

/* The program: the process image, else the outermost .exe of the chain. */
static const char *program(const ldrsnap_verdict *v)
{
    if (v->image && *v->image)
        return cli_basename(v->image);
    if (v->chain_len && ends_with_ci(v->chain[0], ".exe"))
        return cli_basename(v->chain[0]);
    return NULL;
}

/* A path for a command line: quoted when it holds a space. */
static const char *q1(const char *s, char *buf, size_t cap)
{
    if (!strchr(s, ' '))
        return s;
    snprintf(buf, cap, "\"%s\"", s);
    return buf;
}

/* Which Visual C++ redistributable ships a DLL: NULL when none does. */
static const char *vc_year(const char *dll)
{
    static const struct {
        const char *prefix, *year;
    } t[] = {{"vcruntime140", "2015-2022"}, {"msvcp140", "2015-2022"},
             {"concrt140", "2015-2022"},    {"vccorlib140", "2015-2022"},
             {"vcomp140", "2015-2022"},     {"mfc140", "2015-2022"},
             {"ucrtbase", "2015-2022"},     {"api-ms-win-crt-", "2015-2022"},
             {"msvcr120", "2013"},          {"msvcp120", "2013"},
             {"mfc120", "2013"},            {"msvcr110", "2012"},
             {"msvcp110", "2012"},          {"msvcr100", "2010"},
             {"msvcp100", "2010"},          {"mfc100", "2010"},
             {"msvcr90", "2008"},           {"msvcp90", "2008"},
             {"msvcr80", "2005"},           {"msvcp80", "2005"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (starts_with_ci(dll, t[i].prefix))
            return t[i].year;
    return NULL;
}

static bool contains_ci(const char *s, const char *needle)
{
    size_t k = strlen(needle);
    for (; s && *s; s++)
        if (!strncasecmp(s, needle, k))
            return true;
    return false;
}

/* An address of more than 32 bits ("0x7ffdc3310000", "00007ffd`e903d4eb"):
 * a 64-bit process. */
static bool wide_address(const char *s)
{
    for (const char *p = s; p && *p;) {
        bool ox = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
        const char *d = ox ? p + 2 : p;
        if (!isxdigit((unsigned char)*d) ||
            (p > s && isalnum((unsigned char)p[-1]))) {
            p++;
            continue;
        }
        size_t n = 0, sig = 0;
        const char *e = d;
        for (; isxdigit((unsigned char)*e) || (*e == '`' && n == 8); e++) {
            if (*e == '`')
                continue;
            n++;
            sig += sig || *e != '0';
        }
        if ((ox || n == 16) && sig > 8 && !isalnum((unsigned char)*e))
            return true;
        p = e > p ? e : p + 1;
    }
    return false;
}

const char *guess_arch(const char *const *texts, size_t n)
{
    bool x64 = false;
    for (size_t i = 0; i < n; i++) {
        const char *t = texts[i];
        if (!t)
            continue;
        if (contains_ci(t, "\\SysWOW64\\") ||
            contains_ci(t, "Program Files (x86)"))
            return "x86";
        if (contains_ci(t, "_arm64_") || contains_ci(t, "\\arm64\\"))
            return "arm64";
        x64 |= contains_ci(t, "_x64_") || wide_address(t);
    }
    return x64 ? "x64" : NULL;
}

/* ---- the steps of one verdict ------------------------------------------ */

static int steps_not_found(steps *st, const ldrsnap_verdict *v,
                           const char *prog, const char *arch)
{
    const char *dll = cli_basename(v->dll);
    char b1[1024];
    int rc = 0;
    const char *year = vc_year(dll);
    if (year && !strcmp(year, "2015-2022")) {
        rc |= title(st, "Install the Visual C++ %s Redistributable for "
                        "%s (the process's architecture%s)",
                    year, arch ? arch : "x64 or x86",
                    arch ? "" : ": x86 for a 32-bit process");
        const char *a = arch ? arch : "x64";
        rc |= cmd(st, "winget install Microsoft.VCRedist.2015+.%s", a);
        rc |= cmd(st, "https://aka.ms/vs/17/release/vc_redist.%s.exe", a);
    } else if (year) {
        rc |= title(st, "Install the Visual C++ %s Redistributable for %s "
                        "(it ships %s)",
                    year, arch ? arch : "the process's architecture", dll);
    }
    rc |= title(st, "Which copies of %s the search path holds", dll);
    rc |= cmd(st, "where %s", q1(dll, b1, sizeof b1));
    rc |= cmd(st, "Get-Command -All %s   # PowerShell", q1(dll, b1, sizeof b1));
    rc |= title(st, "Every place Windows looked: Process Monitor with the "
                    "filters%s%s%s 'Path ends with %s' and 'Result is NAME "
                    "NOT FOUND'",
                prog ? " 'Process Name is " : "", prog ? prog : "",
                prog ? "'," : "", dll);
    if (v->parent) {
        rc |= title(st, "What %s imports (it needed %s)",
                    cli_basename(v->parent), dll);
        rc |= cmd(st, "dumpbin /dependents %s",
                  q1(v->parent, b1, sizeof b1));
    }
    return rc;
}

static int steps_export(steps *st, const ldrsnap_verdict *v)
{
    char b1[1024];
    const char *dll = v->dll ? v->dll_path ? v->dll_path : v->dll
                             : NULL;
    int rc = 0;
    if (dll) {
        rc |= title(st, "What %s exports%s%s", cli_basename(dll),
                    v->symbol ? ": look for " : "",
                    v->symbol ? v->symbol : "");
        if (v->symbol && !strchr(v->symbol, '"') && v->symbol[0] != '#')
            rc |= cmd(st, "dumpbin /exports %s | findstr /c:\"%s\"",
                      q1(dll, b1, sizeof b1), v->symbol);
        else
            rc |= cmd(st, "dumpbin /exports %s", q1(dll, b1, sizeof b1));
        rc |= title(st, "Which copies of %s the search path holds (an "
                        "older one found first?)", cli_basename(dll));
        rc |= cmd(st, "where %s", q1(cli_basename(dll), b1, sizeof b1));
    }
    if (v->parent) {
        rc |= title(st, "What %s imports from it", cli_basename(v->parent));
        rc |= cmd(st, "dumpbin /imports %s", q1(v->parent, b1, sizeof b1));
    }
    return rc;
}

static int steps_bad_image(steps *st, const ldrsnap_verdict *v,
                           const char *arch)
{
    char b1[1024];
    const char *dll = v->dll_path ? v->dll_path : v->dll;
    int rc = 0;
    if (dll) {
        rc |= title(st, "The machine type of %s (14C x86, 8664 x64, AA64 "
                        "ARM64)%s%s",
                    cli_basename(dll), arch ? "; the process is " : "",
                    arch ? arch : "");
        rc |= cmd(st, "dumpbin /headers %s | findstr machine",
                  q1(dll, b1, sizeof b1));
        rc |= title(st, "Which copies of %s the search path holds",
                    cli_basename(dll));
        rc |= cmd(st, "where %s", q1(cli_basename(dll), b1, sizeof b1));
    }
    return rc;
}

static int steps_init(steps *st, const ldrsnap_verdict *v, const char *prog)
{
    char mod[256];
    int rc = 0;
    if (!v->dll)
        return 0;
    const char *base = cli_basename(v->dll);
    size_t n = cli_stem_len(base);
    snprintf(mod, sizeof mod, "%.*s", (int)(n < 255 ? n : 255), base);
    rc |= title(st, "Stop in %s's DllMain under WinDbg%s%s%s: break when "
                    "it loads, then set the breakpoint",
                base, prog ? " (windbg -g " : "", prog ? prog : "",
                prog ? ")" : "");
    rc |= cmd(st, "sxe ld:%s", base);
    rc |= cmd(st, "bu %s!DllMain", mod);
    return rc;
}

static int steps_access(steps *st, const ldrsnap_verdict *v,
                        const char *prog)
{
    char b1[1024];
    const char *dll = v->dll_path ? v->dll_path : v->dll;
    int rc = 0;
    if (dll) {
        rc |= title(st, "Who may read %s", cli_basename(dll));
        rc |= cmd(st, "icacls %s", q1(dll, b1, sizeof b1));
    }
    rc |= title(st, "What was refused: Process Monitor with the filters%s%s%s "
                    "'Result is ACCESS DENIED'",
                prog ? " 'Process Name is " : "", prog ? prog : "",
                prog ? "'," : "");
    return rc;
}

static int steps_sxs(steps *st)
{
    int rc = title(st, "The missing side-by-side assembly: trace, "
                       "reproduce, then parse");
    rc |= cmd(st, "sxstrace trace -logfile:sxs.etl");
    rc |= cmd(st, "sxstrace parse -logfile:sxs.etl -outfile:sxs.txt");
    rc |= title(st, "The SideBySide errors of the Application event log");
    rc |= cmd(st, "wevtutil qe Application /q:\"*[System[Provider[@Name="
                  "'SideBySide']]]\" /c:5 /rd:true /f:text");
    return rc;
}

static bool seen_before(const ldrsnap_summary *s, size_t k)
{
    const ldrsnap_verdict *v = &s->verdicts[k];
    size_t from = k > 16 ? k - 16 : 0; /* recent ones: linear work */
    for (size_t i = from; i < k; i++) {
        const ldrsnap_verdict *u = &s->verdicts[i];
        if (u->kind == v->kind && !u->dll == !v->dll &&
            (!v->dll || !strcasecmp(cli_basename(u->dll),
                                    cli_basename(v->dll))))
            return true;
    }
    return false;
}

int next_steps(steps *st, const ldrsnap_summary *s, const char *const *arch)
{
    const char *prog = NULL;
    size_t shown = 0;
    int rc = 0;
    for (size_t k = 0; k < s->n_verdicts && shown < 4 && rc == 0; k++) {
        const ldrsnap_verdict *v = &s->verdicts[k];
        if (!prog)
            prog = program(v);
        if (seen_before(s, k))
            continue;
        shown++;
        const char *a = arch ? arch[k] : NULL;
        switch (v->kind) {
        case LDRSNAP_K_DLL_NOT_FOUND:
            if (v->dll)
                rc = steps_not_found(st, v, program(v), a);
            break;
        case LDRSNAP_K_EXPORT_NOT_FOUND:
        case LDRSNAP_K_ORDINAL_NOT_FOUND:
            rc = steps_export(st, v);
            break;
        case LDRSNAP_K_BAD_IMAGE:
            rc = steps_bad_image(st, v, a);
            break;
        case LDRSNAP_K_INIT_FAILED:
            rc = steps_init(st, v, program(v));
            break;
        case LDRSNAP_K_ACCESS_DENIED:
            rc = steps_access(st, v, program(v));
            break;
        case LDRSNAP_K_SXS:
            rc = steps_sxs(st);
            break;
        case LDRSNAP_K_PROCESS_INIT_FAILED:
        case LDRSNAP_K_OTHER:
            break;
        }
    }
    if (s->n_verdicts && rc == 0) {
        rc |= title(st, "Afterwards, turn loader snaps off again%s",
                    prog ? "" : " (the log does not name the program)");
        rc |= cmd(st, "gflags -i %s -sls", prog ? prog : "<program>.exe");
    }
    return rc;
}
