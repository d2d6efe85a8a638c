/*
 * score.c - precision and recall of the analyzer's root causes on
 * generated captures (bench/capgen.c), against their truth.
 *
 *   score [--min=P] [-v] TRUTH LOG [TRUTH LOG ...]
 *
 * A verdict is right when a process of the truth has a root cause on the
 * verdict's line with the same kind, status and DLL file name (case
 * blind; none for none) and, when the log gives the process's pid, the
 * same pid.  Precision: right verdicts / verdicts; recall: right verdicts
 * / root causes in the truth.  Both are printed, with the misses of each
 * pattern; the exit status is 1 when either is below --min.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldrsnap.h>

typedef struct tproc {
    unsigned pid;            /* 0: none in the log */
    char kind[32], dll[256], status[16], pattern[32];
    unsigned long long line, first, last;
    int matched;
} tproc;

typedef struct pstat {
    char name[32];
    unsigned truth, found, wrong; /* roots, found right, verdicts wrong */
    unsigned procs;
} pstat;

static pstat pats[64];
static unsigned npats;
static int verbose;

static pstat *pat(const char *name)
{
    for (unsigned i = 0; i < npats; i++)
        if (!strcmp(pats[i].name, name))
            return &pats[i];
    if (npats == 64)
        return &pats[63];
    snprintf(pats[npats].name, sizeof pats[npats].name, "%s", name);
    return &pats[npats++];
}

static tproc *read_truth(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    tproc *v = NULL;
    size_t cap = 0;
    *n = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        if (line[0] != 'P')
            continue;
        char *fld[12] = {0};
        size_t k = 0;
        for (char *s = strtok(line, "\t\n"); s && k < 12;
             s = strtok(NULL, "\t\n"))
            fld[k++] = s;
        if (k < 11)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            v = realloc(v, cap * sizeof *v);
            if (!v)
                exit(2);
        }
        tproc *t = &v[(*n)++];
        memset(t, 0, sizeof *t);
        t->pid = strcmp(fld[1], "-") ? (unsigned)strtoul(fld[1], NULL, 10) : 0;
        snprintf(t->kind, sizeof t->kind, "%s", fld[3]);
        snprintf(t->dll, sizeof t->dll, "%s", fld[4]);
        snprintf(t->status, sizeof t->status, "%s", fld[5]);
        t->line = strcmp(fld[6], "-") ? strtoull(fld[6], NULL, 10) : 0;
        snprintf(t->pattern, sizeof t->pattern, "%s", fld[8]);
        t->first = strtoull(fld[9], NULL, 10);
        t->last = strtoull(fld[10], NULL, 10);
    }
    fclose(f);
    return v;
}

static const char *base(const char *p)
{
    const char *b = p ? strrchr(p, '\\') : NULL;
    return b ? b + 1 : p;
}

/* Why the verdict is not the truth's root cause, or NULL when it is. */
static const char *differs(const tproc *t, const ldrsnap_verdict *v)
{
    char st[16];
    snprintf(st, sizeof st, "0x%08x", v->status);
    if (strcmp(t->kind, ldrsnap_kind_name(v->kind)))
        return "kind";
    if (strcmp(t->status, st))
        return "status";
    const char *d = base(v->dll);
    if (strcmp(t->dll, "-") ? !d || strcasecmp(d, t->dll) : d != NULL)
        return "dll";
    if (t->pid && (!(v->flags & LDRSNAP_FF_PID) || v->pid != t->pid))
        return "pid";
    return NULL;
}

static const ldrsnap_summary *analyze(ldrsnap_analyzer **a, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    if (ldrsnap_analyzer_new(a, NULL, NULL, NULL) != LDRSNAP_OK)
        exit(2);
    static char buf[1 << 16];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        if (ldrsnap_analyzer_feed(*a, buf, k) != LDRSNAP_OK)
            exit(2);
    fclose(f);
    if (ldrsnap_analyzer_finish(*a) != LDRSNAP_OK)
        exit(2);
    return ldrsnap_analyzer_summary(*a);
}

static tproc *proc_of_line(tproc *t, size_t n, unsigned long long line)
{
    for (size_t i = 0; i < n; i++)
        if (line >= t[i].first && line <= t[i].last)
            return &t[i];
    return NULL;
}

static void score(const char *truth, const char *log, unsigned *right,
                  unsigned *verdicts, unsigned *roots)
{
    size_t n;
    tproc *t = read_truth(truth, &n);
    for (size_t i = 0; i < n; i++) {
        pat(t[i].pattern)->procs++;
        if (strcmp(t[i].kind, "-")) {
            (*roots)++;
            pat(t[i].pattern)->truth++;
        }
    }
    ldrsnap_analyzer *a;
    const ldrsnap_summary *s = analyze(&a, log);
    for (size_t i = 0; i < s->n_verdicts; i++) {
        const ldrsnap_verdict *v = &s->verdicts[i];
        (*verdicts)++;
        tproc *p = proc_of_line(t, n, v->line);
        const char *why = !p ? "no process"
                          : !strcmp(p->kind, "-") ? "no root cause"
                          : p->line != v->line    ? "line"
                                                  : differs(p, v);
        if (!why && !p->matched) {
            p->matched = 1;
            (*right)++;
            pat(p->pattern)->found++;
            continue;
        }
        pat(p ? p->pattern : "?")->wrong++;
        if (verbose)
            printf("%s:%llu: wrong (%s): %s %s 0x%08x pid %u; truth %s "
                   "%s %s line %llu pid %u [%s]\n",
                   log, (unsigned long long)v->line, why ? why : "twice",
                   ldrsnap_kind_name(v->kind), v->dll ? v->dll : "-",
                   v->status, v->pid, p ? p->kind : "-", p ? p->dll : "-",
                   p ? p->status : "-", p ? p->line : 0, p ? p->pid : 0,
                   p ? p->pattern : "-");
    }
    for (size_t i = 0; verbose && i < n; i++)
        if (strcmp(t[i].kind, "-") && !t[i].matched)
            printf("%s:%llu: missed: %s %s %s pid %u [%s]\n", log, t[i].line,
                   t[i].kind, t[i].dll, t[i].status, t[i].pid, t[i].pattern);
    ldrsnap_analyzer_free(a);
    free(t);
}

int main(int argc, char **argv)
{
    double min = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strncmp(argv[i], "--min=", 6))
            min = atof(argv[i] + 6);
        else if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else
            break;
    }
    if (i >= argc || (argc - i) % 2) {
        fprintf(stderr, "usage: score [--min=P] [-v] TRUTH LOG...\n");
        return 2;
    }
    unsigned right = 0, verdicts = 0, roots = 0;
    for (; i + 1 < argc; i += 2)
        score(argv[i], argv[i + 1], &right, &verdicts, &roots);
    double prec = verdicts ? (double)right / verdicts : 1;
    double rec = roots ? (double)right / roots : 1;
    printf("%-16s %6s %6s %6s %6s\n", "pattern", "procs", "roots", "found",
           "wrong");
    for (unsigned k = 0; k < npats; k++)
        printf("%-16s %6u %6u %6u %6u\n", pats[k].name, pats[k].procs,
               pats[k].truth, pats[k].found, pats[k].wrong);
    printf("root causes %u, verdicts %u, right %u: precision %.4f recall "
           "%.4f (minimum %.2f)\n",
           roots, verdicts, right, prec, rec, min);
    return prec < min || rec < min;
}
