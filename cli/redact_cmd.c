/*
 * redact_cmd.c - `ldrsnap redact PATH... [-o OUT]`: each log with stable
 * pseudonyms for the names in it (ldrsnap_redactor), every other byte as
 * it was.
 *
 * Every input is read twice: first for names (all of them, so that a name
 * found in one log is replaced in the others and from the first line on),
 * then redacted.  One file (or '-') goes to -o FILE or standard output;
 * several, a directory or an archive, into the directory -o DIR, in the
 * same shape (dir/sub/x.log -> DIR/sub/x.log; a.zip!d/x.log ->
 * DIR/a.zip/d/x.log, member by member; a compressed file is written
 * plain, without .gz).  A file is written under a temporary name and renamed only when
 * no name it found stays in it; an output that is an input is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

typedef struct rd_input {
    char *name;       /* as shown */
    char *path;       /* to open; NULL: standard input, or a member */
    char *archive;    /* a member's: the operand to open and walk again */
    char *rel;        /* its place under -o DIR */
    char *errmsg;     /* could not even be listed */
} rd_input;

typedef struct rd_run {
    rd_input *in;
    size_t n, cap;
    char *stdin_buf;  /* standard input, read once */
    size_t stdin_len;
    ldrsnap_batch *walk; /* an archive operand, at the member read last */
    const char *walking;
    ldrsnap_redactor *r;
    int status;
    bool quiet;       /* say nothing of inputs that cannot be read */
} rd_run;

static void say(rd_run *run, const char *name, const char *msg)
{
    run->status = EXIT_TROUBLE;
    if (run->quiet)
        return;
    size_t k = strlen(name);
    if (!strncmp(msg, name, k) && msg[k] == ':') /* it names the input */
        fprintf(stderr, "ldrsnap: redact: %s\n", msg);
    else
        fprintf(stderr, "ldrsnap: redact: %s: %s\n", name, msg);
    run->status = EXIT_TROUBLE;
}

/* ---- listing ------------------------------------------------------------ */

/* A member's place under -o DIR: "a.zip!dir/x.log" -> "a.zip/dir/x.log";
 * a backslash is a separator, "." goes, and no component may climb out
 * (".." -> "__") or start at the root. */
static void safe_rel(char *rel)
{
    for (char *c = rel; *c; c++)
        if (*c == '!' || *c == '\\')
            *c = '/';
    char *o = rel;
    for (char *c = rel; *c;) {
        while (*c == '/')
            c++;
        size_t n = strcspn(c, "/");
        if (!n)
            break;
        if (n == 1 && c[0] == '.') { /* "./x" */
            c += n;
            continue;
        }
        if (o != rel)
            *o++ = '/';
        if (n == 2 && c[0] == '.' && c[1] == '.')
            memcpy(o, "__", 2); /* the same length: o never passes c */
        else
            memmove(o, c, n);
        o += n;
        c += n;
    }
    *o = 0;
    if (!*rel)
        strcpy(rel, "_");
}

static rd_input *add_input(rd_run *run, const char *name, const char *path,
                           const char *dir, const char *rel)
{
    if (run->n == run->cap) {
        size_t cap = run->cap ? 2 * run->cap : 16;
        rd_input *n = realloc(run->in, cap * sizeof *n);
        if (!n)
            return NULL;
        run->in = n, run->cap = cap;
    }
    rd_input *in = &run->in[run->n++];
    memset(in, 0, sizeof *in);
    in->name = strdup(name);
    in->path = path ? strdup(path) : NULL;
    size_t k = strlen(dir) + strlen(rel) + 1;
    in->rel = malloc(k + 1);
    if (in->rel)
        snprintf(in->rel, k + 1, "%s%s%s", dir, *dir ? "/" : "", rel);
    if (in->rel)
        safe_rel(in->rel);
    k = in->rel ? strlen(in->rel) : 0;
    if (in->rel && k > 3 && !strcmp(in->rel + k - 3, ".gz"))
        in->rel[k - 3] = 0; /* written plain */
    return in->name && in->rel ? in : NULL;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The operands, directories walked; *dirs: some operand is a directory.
 * Under -o DIR the files of one directory operand keep their places;
 * with several operands, each goes under its own name. */
static int list_inputs(rd_run *run, int argc, char **argv, bool *dirs)
{
    for (int i = 0; i < argc; i++) {
        struct stat st;
        if (!strcmp(argv[i], "-")) {
            if (!add_input(run, "<stdin>", NULL, "", "stdin.log"))
                return -1;
            continue;
        }
        bool dir = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode);
        *dirs |= dir;
        ldrsnap_batch *b = NULL;
        ldrsnap_entry *e;
        if (ldrsnap_batch_new(&b, NULL, 0) < 0 ||
            ldrsnap_batch_add(b, argv[i]) < 0) {
            ldrsnap_batch_free(b);
            return -1;
        }
        int rc;
        size_t k = strlen(argv[i]);
        while (k > 1 && argv[i][k - 1] == '/')
            k--;
        char top[256];
        snprintf(top, sizeof top, "%.*s", (int)k, argv[i]);
        const char *under = argc > 1 && dir ? base_name(top) : "";
        while ((rc = ldrsnap_batch_next(b, &e)) == LDRSNAP_OK) {
            const char *rel = base_name(e->name);
            if (dir && !strncmp(e->name, argv[i], k) && e->name[k] == '/')
                rel = e->name + k + 1;
            else if (!dir && !strncmp(e->name, top, strlen(top)))
                rel = e->name + (base_name(top) - top); /* a.zip!x.log */
            rd_input *in = add_input(run, e->name, e->path, under, rel);
            if (!in)
                break;
            if (!e->path && e->member) {
                in->archive = strdup(argv[i]);
                *dirs = true; /* an archive: a directory of copies */
            }
            if (e->error)
                in->errmsg = strdup(ldrsnap_batch_errmsg(b));
        }
        ldrsnap_batch_free(b);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

typedef int (*chunk_fn)(void *ctx, const void *buf, size_t len);

static int feed_redactor(void *ctx, const void *buf, size_t len)
{
    return ldrsnap_redactor_feed(ctx, buf, len);
}

static int keep_stdin(void *ctx, const void *buf, size_t len)
{
    rd_run *run = ctx;
    char *n = realloc(run->stdin_buf, run->stdin_len + len + 1);
    if (!n)
        return LDRSNAP_ENOMEM;
    memcpy(n + run->stdin_len, buf, len);
    run->stdin_buf = n;
    run->stdin_len += len;
    return 0;
}

/* Every byte of one input to fn(); standard input is read once and kept.
 * 0, or -1 after saying why. */
/* Stand on the member of an archive operand: the walk goes on from the
 * member read last (members come in order), else starts again. */
static ldrsnap_batch *member(rd_run *run, rd_input *in)
{
    ldrsnap_entry *e;
    for (int again = 0; again < 2; again++) {
        if (!run->walk || run->walking != in->archive) {
            ldrsnap_batch_free(run->walk);
            run->walk = NULL;
            run->walking = in->archive;
            if (ldrsnap_batch_new(&run->walk, NULL, 0) < 0 ||
                ldrsnap_batch_add(run->walk, in->archive) < 0)
                return NULL;
        }
        while (ldrsnap_batch_next(run->walk, &e) == LDRSNAP_OK)
            if (!strcmp(e->name, in->name))
                return e->error ? NULL : run->walk;
        ldrsnap_batch_free(run->walk); /* passed it: from the start */
        run->walk = NULL;
    }
    return NULL;
}

static int read_input(rd_run *run, rd_input *in, chunk_fn fn, void *ctx)
{
    if (!in->path && !in->archive && run->stdin_buf)
        return fn(ctx, run->stdin_buf, run->stdin_len) < 0 ? -1 : 0;
    ldrsnap_batch *b = NULL;
    ldrsnap_entry *e;
    if (in->archive) {
        if (!(b = member(run, in))) {
            say(run, in->name, run->walk && *ldrsnap_batch_errmsg(run->walk)
                                   ? ldrsnap_batch_errmsg(run->walk)
                                   : "cannot read the member again");
            return -1;
        }
    } else if (ldrsnap_batch_new(&b, NULL, LDRSNAP_BATCH_NO_RECURSE |
                                               LDRSNAP_BATCH_NO_ARCHIVES) < 0 ||
               ldrsnap_batch_add(b, in->path ? in->path : "-") < 0 ||
               ldrsnap_batch_next(b, &e) != 0 || e->error) {
        say(run, in->name, b && *ldrsnap_batch_errmsg(b)
                               ? ldrsnap_batch_errmsg(b)
                               : "cannot open input");
        ldrsnap_batch_free(b);
        return -1;
    }
    static char buf[1 << 16];
    size_t got;
    int rc;
    bool is_stdin = !in->path && !in->archive;
    if (is_stdin && !run->stdin_buf)
        run->stdin_buf = malloc(1);
    while ((rc = ldrsnap_batch_read(b, buf, sizeof buf, &got)) == 0 && got) {
        if (is_stdin && keep_stdin(run, buf, got) < 0)
            rc = LDRSNAP_ENOMEM;
        else if ((rc = fn(ctx, buf, got)) != 0)
            break;
    }
    if (rc < 0)
        say(run, in->name, *ldrsnap_batch_errmsg(b) ? ldrsnap_batch_errmsg(b)
                                                    : ldrsnap_strerror(rc));
    if (b != run->walk)
        ldrsnap_batch_free(b);
    return rc < 0 ? -1 : 0;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct sink {
    int fd;           /* a temporary file, or -1: memory */
    obuf mem;
    int err;
} sink;

static int sink_write(void *ctx, const void *buf, size_t len)
{
    sink *s = ctx;
    if (s->fd < 0) {
        ob_write(&s->mem, buf, len);
        return s->mem.err ? -1 : 0;
    }
    const char *p = buf;
    while (len && !s->err) {
        ssize_t w = write(s->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            s->err = errno;
        else
            p += w, len -= (size_t)w;
    }
    return s->err ? -1 : 0;
}

/* Is `out` one of the inputs (the same file)? */
static bool is_an_input(const rd_run *run, const char *out)
{
    struct stat so, si;
    if (stat(out, &so) != 0)
        return false;
    for (size_t i = 0; i < run->n; i++)
        if (run->in[i].path && stat(run->in[i].path, &si) == 0 &&
            si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            return true;
    return false;
}

static int make_parents(char *path)
{
    for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        int rc = mkdir(path, 0777);
        *s = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

/* The redacted input, written to `out` (NULL: standard output) only when
 * no name it found stays in it. */
static void redact_one(rd_run *run, rd_input *in, const char *out)
{
    char tmp[4096];
    sink s = {-1, {0}, 0};
    if (out && is_an_input(run, out)) {
        say(run, in->name, "the output would write over an input: refused");
        return;
    }
    struct stat st;
    const char *special = NULL; /* a device or a pipe: written in place */
    if (out && stat(out, &st) == 0 && !S_ISREG(st.st_mode) &&
        !S_ISDIR(st.st_mode))
        special = out, out = NULL;
    if (out) {
        snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out);
        if (make_parents(tmp) < 0 || (s.fd = mkstemp(tmp)) < 0) {
            fprintf(stderr, "ldrsnap: redact: %s: %s\n", out, strerror(errno));
            run->status = EXIT_TROUBLE;
            return;
        }
    } else {
        ob_init_mem(&s.mem);
    }
    int rc = ldrsnap_redactor_begin(run->r, sink_write, &s) < 0 ||
             read_input(run, in, feed_redactor, run->r) < 0;
    rc |= ldrsnap_redactor_end(run->r) < 0;
    uint64_t leaks = ldrsnap_redactor_leaks(run->r);
    if (leaks) {
        char msg[700];
        snprintf(msg, sizeof msg, "not written: %llu place%s would keep a "
                 "name it replaced elsewhere (%s)", (unsigned long long)leaks,
                 leaks == 1 ? "" : "s", ldrsnap_redactor_errmsg(run->r));
        say(run, in->name, msg);
    } else if (rc || s.err || s.mem.err) {
        if (s.err)
            fprintf(stderr, "ldrsnap: redact: %s: %s\n", out, strerror(s.err));
        run->status = EXIT_TROUBLE;
    }
    bool keep = !leaks && !rc && !s.err && !s.mem.err;
    if (out) {
        if (close(s.fd) != 0 && keep) {
            fprintf(stderr, "ldrsnap: redact: %s: %s\n", out, strerror(errno));
            keep = false, run->status = EXIT_TROUBLE;
        }
        if (keep && rename(tmp, out) != 0) {
            fprintf(stderr, "ldrsnap: redact: %s: %s\n", out, strerror(errno));
            keep = false, run->status = EXIT_TROUBLE;
        }
        if (!keep)
            unlink(tmp);
    } else if (special && keep) {
        obuf f;
        ob_init_fd(&f, open(special, O_WRONLY | O_CLOEXEC));
        if (f.fd < 0) {
            fprintf(stderr, "ldrsnap: redact: %s: %s\n", special,
                    strerror(errno));
            run->status = EXIT_TROUBLE;
        } else {
            ob_write(&f, s.mem.buf, s.mem.len);
            if (ob_finish(&f, special) < 0)
                run->status = EXIT_TROUBLE;
            close(f.fd);
        }
        ob_free(&f);
        ob_free(&s.mem);
    } else {
        if (keep)
            ob_write(&ob_stdout, s.mem.buf, s.mem.len);
        ob_free(&s.mem);
    }
}

static void list_names(const ldrsnap_redactor *r)
{
    size_t n = ldrsnap_redactor_count(r);
    fprintf(stderr, "ldrsnap: redact: %zu name%s replaced (for your eyes "
                    "only):\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        ldrsnap_redaction x;
        if (ldrsnap_redactor_get(r, i, &x) == 0)
            fprintf(stderr, "  %-6s %-24s -> %s (%llu)\n", x.kind, x.name,
                    x.pseudonym, (unsigned long long)x.count);
    }
}

static void free_run(rd_run *run)
{
    for (size_t i = 0; i < run->n; i++) {
        free(run->in[i].name);
        free(run->in[i].path);
        free(run->in[i].archive);
        free(run->in[i].rel);
        free(run->in[i].errmsg);
    }
    free(run->in);
    free(run->stdin_buf);
    ldrsnap_batch_free(run->walk);
    ldrsnap_redactor_free(run->r);
}

/* analyze --redact: the names of every input that can be read again (not
 * standard input), so that the output's pseudonyms cover every name the
 * logs hold, also one the output shows only inside a DLL's name. */
void redact_learn(ldrsnap_redactor *r, int argc, char **argv)
{
    rd_run run = {0};
    bool dirs = false;
    run.quiet = true;
    if (list_inputs(&run, argc, argv, &dirs) == 0) {
        for (size_t i = 0; i < run.n; i++) {
            if (run.in[i].errmsg || (!run.in[i].path && !run.in[i].archive))
                continue;
            ldrsnap_redactor_begin(r, NULL, NULL);
            read_input(&run, &run.in[i], feed_redactor, r);
            ldrsnap_redactor_end(r);
        }
    }
    free_run(&run);
}

int cmd_redact(int argc, char **argv, const cli_opts *o)
{
    rd_run run = {0};
    bool dirs = false;
    if (list_inputs(&run, argc, argv, &dirs) < 0) {
        fputs("ldrsnap: redact: out of memory listing the inputs\n", stderr);
        free_run(&run);
        return EXIT_TROUBLE;
    }
    bool single = argc == 1 && !dirs && run.n == 1;
    if (!single && !o->output) {
        free_run(&run);
        cli_usage_error(o, "%s", "several inputs, a directory or an archive: give -o DIR "
                                 "for the redacted copies");
        return EXIT_TROUBLE;
    }
    if (ldrsnap_redactor_new(&run.r, NULL, o->redact_paths ? LDRSNAP_REDACT_PATHS
                                                            : 0,
                             o->redact_key) < 0) {
        free_run(&run);
        return EXIT_TROUBLE;
    }
    for (size_t i = 0; i < run.n; i++) { /* first every name */
        rd_input *in = &run.in[i];
        if (in->errmsg) {
            say(&run, in->name, in->errmsg);
            continue;
        }
        ldrsnap_redactor_begin(run.r, NULL, NULL);
        if (read_input(&run, in, feed_redactor, run.r) < 0)
            in->errmsg = strdup("not read");
        ldrsnap_redactor_end(run.r);
    }
    bool can_write = true;
    for (size_t i = 0; i < run.n && !single; i++)
        for (size_t j = 0; j < i; j++)
            if (!run.in[i].errmsg && !strcmp(run.in[i].rel, run.in[j].rel)) {
                say(&run, run.in[i].name, "its redacted copy would have the "
                                          "name of another's: not written");
                run.in[i].errmsg = strdup("a name taken");
                break;
            }
    if (!single && mkdir(o->output, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ldrsnap: redact: %s: %s\n", o->output, strerror(errno));
        run.status = EXIT_TROUBLE;
        can_write = false;
    }
    for (size_t i = 0; i < run.n && can_write; i++) {
        rd_input *in = &run.in[i];
        if (in->errmsg)
            continue;
        if (single) {
            redact_one(&run, in, o->output);
            continue;
        }
        char out[4096];
        snprintf(out, sizeof out, "%s/%s", o->output, in->rel);
        redact_one(&run, in, out);
    }
    if (o->redact_list)
        list_names(run.r);
    int status = run.status;
    free_run(&run);
    return status;
}
