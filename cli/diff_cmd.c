/*
 * diff_cmd.c - `ldrsnap diff GOOD BAD`: where a failing run differs from a
 * good one (ldrsnap_diff()).  Each log goes through an analyzer whose
 * records and failures fill a run; text says the decisive difference
 * first, in one line, then the rest grouped; JSON Lines gives one
 * "difference" record each, the most decisive first.
 *
 * Exit status: 1 the runs differ in something that may explain a failure,
 * 0 not, 2 an input could not be read, holds no loader snaps, or the runs
 * are of different programs (without --force).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

typedef struct side_in {
    const char *name;
    ldrsnap_run *run;
    uint64_t loader_lines;
    int rc;
} side_in;

static int on_record(const ldrsnap_record *rec, void *ud)
{
    side_in *s = ud;
    if (rec->dialect == LDRSNAP_D_VISTA || rec->dialect == LDRSNAP_D_XP)
        s->loader_lines++;
    if (s->rc == 0)
        s->rc = ldrsnap_run_record(s->run, rec);
    return 0;
}

static int on_event(const ldrsnap_event *ev, void *ud)
{
    side_in *s = ud;
    if (ev->type == LDRSNAP_EV_FAILURE && s->rc == 0)
        s->rc = ldrsnap_run_failure(s->run, ev->failure);
    return 0;
}

static int read_entry(void *ctx, void *buf, size_t cap, size_t *got)
{
    return ldrsnap_batch_read(ctx, buf, cap, got);
}

static void say(const cli_opts *o, const char *source, const char *msg)
{
    if (o->format == FMT_JSONL)
        json_error(&ob_stdout, source, msg);
    else
        fprintf(stderr, "ldrsnap: diff: %s\n", msg);
}

/* Stand on the log an operand names: a file, or "ARCHIVE!member" (the
 * member of that name; an archive alone when it holds one log).  0, or
 * -1 with msg saying why. */
static int open_log(const char *name, ldrsnap_batch **b, char *msg,
                    size_t cap)
{
    struct stat st;
    char path[4096];
    snprintf(path, sizeof path, "%s", name);
    char *bang = strchr(path, '!');
    bool member = bang && stat(path, &st) != 0;
    if (member)
        *bang = 0;
    ldrsnap_entry *e;
    if (ldrsnap_batch_new(b, NULL, LDRSNAP_BATCH_NO_RECURSE) < 0 ||
        ldrsnap_batch_add(*b, path) < 0)
        goto fail;
    for (int rc; (rc = ldrsnap_batch_next(*b, &e)) == LDRSNAP_OK;) {
        if (e->error)
            goto fail;
        if (member && strcmp(e->name, name))
            continue;
        if (!member && e->member) {
            char first[1024];
            snprintf(first, sizeof first, "%s", e->name);
            if (ldrsnap_batch_next(*b, &e) == LDRSNAP_OK) {
                snprintf(msg, cap, "%s holds several logs: name one as %s",
                         name, first);
                return -1;
            }
            ldrsnap_batch_free(*b); /* the one log: from the start */
            *b = NULL;
            return open_log(first, b, msg, cap);
        }
        return 0;
    }
    if (member) {
        snprintf(msg, cap, "%s: no such member", name);
        return -1;
    }
fail:
    snprintf(msg, cap, "%s", *b && *ldrsnap_batch_errmsg(*b)
                                 ? ldrsnap_batch_errmsg(*b)
                                 : "cannot open input");
    return -1;
}

/* One log into its run; 0, or -1 after saying why. */
static int load(side_in *s, const cli_opts *o)
{
    ldrsnap_batch *b = NULL;
    ldrsnap_analyzer *a = NULL;
    char msg[1200];
    int status = -1;
    if (ldrsnap_run_new(&s->run, NULL) < 0 ||
        open_log(s->name, &b, msg, sizeof msg) < 0) {
        say(o, s->name, msg);
        goto out;
    }
    ldrsnap_options opts = LDRSNAP_OPTIONS_INIT;
    opts.flags |= LDRSNAP_OPT_QUIET_NOISE;
    int rc = ldrsnap_analyzer_new(&a, &opts, on_event, s);
    if (rc == 0)
        rc = ldrsnap_analyzer_set_record_cb(a, on_record, s);
    if (rc == 0 && (rc = ldrsnap_analyzer_pull(a, read_entry, b)) < 0) {
        const char *m = ldrsnap_batch_errmsg(b);
        snprintf(msg, sizeof msg, "%s", *m ? m : ldrsnap_strerror(rc));
        say(o, s->name, msg);
        goto out;
    }
    if (rc == 0)
        rc = ldrsnap_analyzer_finish(a);
    if (rc < 0 || s->rc < 0) {
        snprintf(msg, sizeof msg, "%s: %s", s->name,
                 ldrsnap_strerror(rc < 0 ? rc : s->rc));
        say(o, s->name, msg);
    } else if (!s->loader_lines) {
        snprintf(msg, sizeof msg, "%s: no loader-snaps lines in it", s->name);
        say(o, s->name, msg);
    } else {
        status = 0;
    }
out:
    ldrsnap_analyzer_free(a);
    ldrsnap_batch_free(b);
    return status;
}

/* ---- output -------------------------------------------------------------- */

typedef struct collected {
    ldrsnap_difference *v;   /* shallow: the runs own the strings */
    size_t n, cap;
} collected;

static int collect(const ldrsnap_difference *d, void *ud)
{
    collected *c = ud;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        ldrsnap_difference *n = realloc(c->v, cap * sizeof *n);
        if (!n)
            return 1;
        c->v = n, c->cap = cap;
    }
    c->v[c->n++] = *d;
    return 0;
}

static void json_side(obuf *out, const char *key, const ldrsnap_diff_side *s)
{
    ob_printf(out, ",\"%s\":{\"loaded\":%s", key,
              s->flags & LDRSNAP_DS_LOADED ? "true" : "false");
    json_key_str(out, "path", s->path, true);
    bool failed = s->flags & LDRSNAP_DS_FAILED;
    json_key_hex(out, "status", failed, s->status, true);
    json_key_str(out, "status_name",
                 failed ? ldrsnap_status_name(s->status) : NULL, true);
    json_key_str(out, "failure", failed ? ldrsnap_kind_name(s->kind) : NULL,
                 true);
    json_key_str(out, "role", failed ? ldrsnap_role_name(s->role) : NULL,
                 true);
    if (s->line)
        json_key_u64(out, "line", s->line, true);
    else
        ob_puts(out, ",\"line\":null");
    if (s->flags & LDRSNAP_DS_ORDER)
        json_key_u64(out, "order", s->order, true);
    ob_putc(out, '}');
}

static void json_difference(obuf *out, const ldrsnap_difference *d)
{
    ob_puts(out, "{\"type\":\"difference\"");
    json_key_str(out, "kind", ldrsnap_diff_kind_name(d->kind), true);
    json_key_str(out, "dll", d->dll, true);
    json_key_str(out, "process", *d->image ? d->image : NULL, true);
    ob_printf(out, ",\"explains\":%s", d->explains ? "true" : "false");
    json_side(out, "good", &d->good);
    json_side(out, "bad", &d->bad);
    ob_puts(out, "}\n");
}

/* "loaded from PATH (line N)", "failed: 0x... NAME (kind, line N)",
 * "not loaded". */
static void text_side(obuf *out, const ldrsnap_diff_side *s)
{
    if (s->flags & LDRSNAP_DS_FAILED) {
        const char *n = ldrsnap_status_name(s->status);
        ob_printf(out, "failed with 0x%08x%s%s (%s, %s, line %llu)", s->status,
                  n ? " " : "", n ? n : "", ldrsnap_kind_name(s->kind),
                  ldrsnap_role_name(s->role), (unsigned long long)s->line);
    } else if (s->flags & LDRSNAP_DS_LOADED) {
        ob_printf(out, "loaded from %s (line %llu)",
                  s->path ? s->path : "a folder the log does not name",
                  (unsigned long long)s->line);
    } else {
        ob_puts(out, "not loaded");
    }
}

static void text_one(obuf *out, const ldrsnap_difference *d, bool lead)
{
    const char *proc = *d->image ? d->image : NULL;
    ob_printf(out, "%s%s%s%s: ", lead ? "" : "  ", d->dll,
              proc ? " in " : "", proc ? proc : "");
    if (d->kind == LDRSNAP_DIFF_ORDER) {
        ob_printf(out, "the main thread loads it %s%llu in good, ",
                  "#", (unsigned long long)d->good.order + 1);
        if (d->bad.flags & LDRSNAP_DS_ORDER)
            ob_printf(out, "#%llu in bad\n",
                      (unsigned long long)d->bad.order + 1);
        else
            ob_puts(out, "not there in bad\n");
        return;
    }
    ob_puts(out, "good ");
    text_side(out, &d->good);
    ob_puts(out, "; bad ");
    text_side(out, &d->bad);
    ob_putc(out, '\n');
}

static void diff_text(obuf *out, const collected *c, const char *good,
                      const char *bad)
{
    static const char *const heads[] = {
        "failed in bad:", "loaded from another folder:", "only in good:",
        "only in bad:", "where the main thread's loads part:"};
    if (!c->n) {
        ob_printf(out, "no difference in what %s and %s loaded\n", good, bad);
        return;
    }
    ob_puts(out, c->v[0].explains ? "the difference: " : "first difference: ");
    text_one(out, &c->v[0], true);
    static const ldrsnap_diff_kind by_weight[] = {
        LDRSNAP_DIFF_FAILED_IN_BAD, LDRSNAP_DIFF_OTHER_PATH,
        LDRSNAP_DIFF_ONLY_IN_BAD, LDRSNAP_DIFF_ONLY_IN_GOOD,
        LDRSNAP_DIFF_ORDER};
    for (size_t w = 0; w < 5; w++) {
        int k = (int)by_weight[w];
        bool head = false;
        for (size_t i = 1; i < c->n; i++) {
            if ((int)c->v[i].kind != k)
                continue;
            if (!head)
                ob_printf(out, "%s\n", heads[k]);
            head = true;
            text_one(out, &c->v[i], false);
        }
    }
}

static void different_programs(const cli_opts *o, const side_in *g,
                               const side_in *b)
{
    char msg[700];
    snprintf(msg, sizeof msg, "%s runs %s, %s runs %s: not the same program "
             "(--force compares them by DLL name)", g->name,
             ldrsnap_run_processes(g->run) ? ldrsnap_run_image(g->run, 0) : "?",
             b->name,
             ldrsnap_run_processes(b->run) ? ldrsnap_run_image(b->run, 0) : "?");
    say(o, b->name, msg);
}

int cmd_diff(int argc, char **argv, const cli_opts *o)
{
    if (argc != 2) {
        cli_usage_error(o, "%s", "diff takes two logs: GOOD BAD");
        return EXIT_TROUBLE;
    }
    side_in g = {argv[0], NULL, 0, 0}, b = {argv[1], NULL, 0, 0};
    int status = EXIT_TROUBLE;
    collected c = {0};
    if (load(&g, o) < 0 || load(&b, o) < 0)
        goto out;
    int rc = ldrsnap_diff(g.run, b.run, o->force ? LDRSNAP_DIFF_FORCE : 0,
                          collect, &c);
    if (rc == LDRSNAP_ENOTFOUND) {
        different_programs(o, &g, &b);
        goto out;
    }
    if (rc < 0) {
        say(o, b.name, ldrsnap_strerror(rc));
        goto out;
    }
    if (o->format == FMT_JSONL)
        for (size_t i = 0; i < c.n; i++)
            json_difference(&ob_stdout, &c.v[i]);
    else
        diff_text(&ob_stdout, &c, g.name, b.name);
    status = c.n && c.v[0].explains ? EXIT_FOUND : EXIT_CLEAN;
out:
    free(c.v);
    ldrsnap_run_free(g.run);
    ldrsnap_run_free(b.run);
    return status;
}
