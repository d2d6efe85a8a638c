/*
 * test_hardening.c - the library against a careless or hostile caller:
 * huge max_line values, calls from inside callbacks, allocation failures,
 * empty feeds (issue #16).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "analyzer_internal.h"
#include "helpers.h"

/* A log of n copies of a failing load, lines of every usual kind. */
static char *make_log(size_t n, size_t *len)
{
    static const char unit[] =
        "1a2c:1b30 @ 01234567 - LdrLoadDll - ENTER: DLL name: foo.dll\n"
        "1a2c:1b30 @ 01234568 - LdrpLoadDllInternal - RETURN: Status: "
        "0xc0000135\n"
        "1a2c:1b30 @ 01234569 - LdrpProcessWork - ERROR: Unable to load "
        "DLL: \"bar.dll\", Parent Module: \"foo.dll\", Status: 0xc0000135\n"
        "1a2c:1b30 @ 0123456a - LdrLoadDll - RETURN: Status: 0xc0000135\n";
    size_t u = sizeof unit - 1;
    char *buf = malloc(n * u + 1);
    cr_assert_not_null(buf);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * u, unit, u);
    buf[n * u] = '\0';
    *len = n * u;
    return buf;
}

typedef struct run {
    size_t records, events, longest;
    int rc;
    char errmsg[200];
} run;

static int count_record(const ldrsnap_record *r, void *ud)
{
    run *x = ud;
    x->records++;
    size_t n = strlen(r->text);
    if (n > x->longest)
        x->longest = n;
    return 0;
}

static int count_event(const ldrsnap_event *ev, void *ud)
{
    (void)ev;
    ((run *)ud)->events++;
    return 0;
}

static run analyze(const char *buf, size_t len, size_t chunk,
                   const ldrsnap_options *o, size_t pipe_after)
{
    run x;
    memset(&x, 0, sizeof x);
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, o, count_event, &x), 0);
    if (pipe_after)
        ldrsnap__analyzer_pipe_after(a, pipe_after);
    cr_assert_eq(ldrsnap_analyzer_set_record_cb(a, count_record, &x), 0);
    int rc = 0;
    for (size_t at = 0; at < len && rc == 0; at += chunk)
        rc = ldrsnap_analyzer_feed(a, buf + at, LS_MIN(chunk, len - at));
    if (rc == 0)
        rc = ldrsnap_analyzer_finish(a);
    x.rc = rc;
    snprintf(x.errmsg, sizeof x.errmsg, "%s", ldrsnap_analyzer_errmsg(a));
    ldrsnap_analyzer_free(a);
    return x;
}

/* A max_line near SIZE_MAX made the tokenizer thread's batch size wrap
 * around (a crash); the thread is not used for lines that long. */
Test(hardening, huge_max_line_with_the_tokenizer_thread)
{
    size_t len;
    char *log = make_log(20000, &len); /* > 1 MiB: the thread starts */
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    run one = analyze(log, len, 65536, &o, 0);
    cr_assert_eq(one.rc, 0);
    const size_t huge[] = {SIZE_MAX / 2, SIZE_MAX / 3, SIZE_MAX - 1,
                           SIZE_MAX, (size_t)1 << 40, (size_t)1 << 21};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        o.max_line = huge[i];
        o.flags = LDRSNAP_OPT_THREADED;
        run two = analyze(log, len, 65536, &o, 0);
        cr_assert_eq(two.rc, 0, "max_line %zu: %s", huge[i], two.errmsg);
        cr_assert_eq(two.records, one.records, "max_line %zu", huge[i]);
        cr_assert_eq(two.events, one.events, "max_line %zu", huge[i]);
    }
    free(log);
}

/* SIZE_MAX means no limit: a long line that crosses feed boundaries was
 * cut to a few bytes (max_line + 4 wrapped around). */
Test(hardening, no_limit_keeps_a_line_across_feeds)
{
    const size_t n = 200000;
    char *line = malloc(n + 2);
    memset(line, 'x', n);
    memcpy(line, "1a2c:1b30 @ 01234567 - LdrLoadDll - ENTER: DLL name: ", 53);
    line[n] = '\n';
    line[n + 1] = '\0';
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    const size_t limits[] = {SIZE_MAX, SIZE_MAX - 3, SIZE_MAX / 2};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        o.max_line = limits[i];
        for (unsigned t = 0; t < 2; t++) {
            o.flags = t ? LDRSNAP_OPT_THREADED : 0;
            run x = analyze(line, n + 1, 4096, &o, t ? 1 : 0);
            cr_assert_eq(x.rc, 0);
            cr_assert_eq(x.records, 1);
            cr_assert_eq(x.longest, n, "max_line %zu: kept %zu of %zu",
                         limits[i], x.longest, n);
        }
    }
    free(line);
}

/* ---- calls from inside callbacks ------------------------------------ */

typedef struct nested {
    ldrsnap_analyzer *a;
    int feed_rc, finish_rc, buffer_rc, pull_rc, rules_rc, commit_rc;
    char errmsg[200];
    size_t calls;
} nested;

static int no_read(void *ctx, void *buf, size_t cap, size_t *got)
{
    (void)ctx, (void)buf, (void)cap;
    *got = 0;
    return 0;
}

static void call_back_in(nested *n)
{
    if (n->calls++)
        return;
    void *room;
    size_t cap;
    n->feed_rc = ldrsnap_analyzer_feed(n->a, "x\n", 2);
    snprintf(n->errmsg, sizeof n->errmsg, "%s",
             ldrsnap_analyzer_errmsg(n->a));
    n->finish_rc = ldrsnap_analyzer_finish(n->a);
    n->buffer_rc = ldrsnap_analyzer_buffer(n->a, &room, &cap);
    n->commit_rc = ldrsnap_analyzer_commit(n->a, 0);
    n->pull_rc = ldrsnap_analyzer_pull(n->a, no_read, NULL);
    n->rules_rc = ldrsnap_analyzer_set_rules(n->a, NULL);
    ldrsnap_analyzer_free(n->a); /* refused: the analyzer is in use */
}

static int nested_event(const ldrsnap_event *ev, void *ud)
{
    (void)ev;
    call_back_in(ud);
    return 0;
}

static int nested_record(const ldrsnap_record *r, void *ud)
{
    (void)r;
    call_back_in(ud);
    return 0;
}

static void expect_refused(const nested *n)
{
    cr_assert_eq(n->calls > 0, true);
    cr_assert_eq(n->feed_rc, LDRSNAP_EMISUSE);
    cr_assert_eq(n->finish_rc, LDRSNAP_EMISUSE);
    cr_assert_eq(n->buffer_rc, LDRSNAP_EMISUSE);
    cr_assert_eq(n->commit_rc, LDRSNAP_EMISUSE);
    cr_assert_eq(n->pull_rc, LDRSNAP_EMISUSE);
    cr_assert_eq(n->rules_rc, LDRSNAP_EMISUSE);
    cr_assert_str_eq(n->errmsg, "ldrsnap_analyzer_feed() called from inside "
                                "a callback of the same analyzer");
}

/* finish() from an event callback freed what the verdicts were walking
 * (a use after free under ASan); feed() from a record callback ran a
 * parser inside itself.  Both are refused, and the outer call goes on. */
Test(hardening, calls_from_inside_callbacks_are_refused)
{
    size_t len;
    char *log = make_log(3, &len);
    ldrsnap_analyzer *plain;
    cr_assert_eq(ldrsnap_analyzer_new(&plain, NULL, NULL, NULL), 0);
    cr_assert_eq(ldrsnap_analyzer_feed(plain, log, len), 0);
    cr_assert_eq(ldrsnap_analyzer_finish(plain), 0);
    size_t verdicts = ldrsnap_analyzer_summary(plain)->n_verdicts;
    ldrsnap_analyzer_free(plain);
    for (unsigned t = 0; t < 2; t++) {
        ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
        o.flags = t ? LDRSNAP_OPT_THREADED : 0;
        for (unsigned which = 0; which < 2; which++) {
            nested n;
            memset(&n, 0, sizeof n);
            cr_assert_eq(ldrsnap_analyzer_new(&n.a, &o,
                                              which ? nested_event : NULL,
                                              &n),
                         0);
            if (t)
                ldrsnap__analyzer_pipe_after(n.a, 1);
            if (!which)
                ldrsnap_analyzer_set_record_cb(n.a, nested_record, &n);
            cr_assert_eq(ldrsnap_analyzer_feed(n.a, log, len), 0);
            cr_assert_eq(ldrsnap_analyzer_finish(n.a), 0);
            expect_refused(&n);
            const ldrsnap_summary *s = ldrsnap_analyzer_summary(n.a);
            cr_assert_not_null(s);
            cr_assert_eq(s->lines, 12);
            cr_assert_eq(s->n_verdicts, verdicts);
            ldrsnap_analyzer_free(n.a);
        }
    }
    free(log);
}

typedef struct pnested {
    ldrsnap_parser *p;
    int feed_rc, finish_rc;
    size_t records;
} pnested;

static int parser_nested(const ldrsnap_record *r, void *ud)
{
    (void)r;
    pnested *n = ud;
    if (!n->records++) {
        n->feed_rc = ldrsnap_parser_feed(n->p, "x\n", 2);
        n->finish_rc = ldrsnap_parser_finish(n->p);
        ldrsnap_parser_free(n->p);
    }
    return 0;
}

Test(hardening, parser_refuses_calls_from_its_callback)
{
    pnested n = {NULL, 0, 0, 0};
    cr_assert_eq(ldrsnap_parser_new(&n.p, NULL, parser_nested, &n), 0);
    cr_assert_eq(ldrsnap_parser_feed(n.p, "a\nb\nc\n", 6), 0);
    cr_assert_eq(ldrsnap_parser_finish(n.p), 0);
    cr_assert_eq(n.feed_rc, LDRSNAP_EMISUSE);
    cr_assert_eq(n.finish_rc, LDRSNAP_EMISUSE);
    cr_assert_eq(n.records, 3);
    cr_assert_str_eq(ldrsnap_parser_errmsg(n.p),
                     "ldrsnap_parser_finish() called from inside the "
                     "parser's callback");
    ldrsnap_parser_free(n.p);
}

/* ---- allocation failures -------------------------------------------- */

typedef struct failing {
    size_t left; /* allocations that succeed; then every one fails */
    size_t made;
} failing;

static void *f_malloc(size_t n, void *ctx)
{
    failing *f = ctx;
    if (!f->left)
        return NULL;
    f->left--, f->made++;
    return malloc(n);
}

static void *f_realloc(void *p, size_t n, void *ctx)
{
    failing *f = ctx;
    if (!f->left)
        return NULL;
    f->left--, f->made++;
    return realloc(p, n);
}

static void f_free(void *p, void *ctx)
{
    (void)ctx;
    free(p);
}

/* Every allocation of loading the built-in rules fails in turn: the load
 * says out of memory and frees what it made (a failed copy of a rule's
 * references was dereferenced). */
Test(hardening, rules_load_survives_every_failed_allocation)
{
    ldrsnap_allocator al = {f_malloc, f_realloc, f_free, NULL};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.allocator = &al;
    size_t k;
    for (k = 0;; k++) {
        failing f = {k, 0};
        al.ctx = &f;
        ldrsnap_rules *r = NULL;
        int rc = ldrsnap_rules_new(&r, &o, 0);
        if (rc == 0) {
            cr_assert_gt(ldrsnap_rules_count(r), 10);
            for (size_t i = 0; i < ldrsnap_rules_count(r); i++) {
                ldrsnap_rule_info info;
                cr_assert_eq(ldrsnap_rules_get(r, i, &info), 0);
                for (size_t j = 0; j < info.n_references; j++)
                    cr_assert_not_null(info.references[j]);
            }
            ldrsnap_rules_free(r);
            break;
        }
        cr_assert_eq(rc, LDRSNAP_ENOMEM, "allocation %zu: %d", k, rc);
        ldrsnap_rules_free(r); /* NULL, or kept for its message */
    }
    cr_assert_gt(k, 100);
}

/* Every allocation of an analysis fails in turn: the error is "out of
 * memory", never "stopped by the callback". */
Test(hardening, analysis_out_of_memory_is_said_so)
{
    size_t len;
    char *log = make_log(40, &len);
    ldrsnap_rules *rules;
    cr_assert_eq(ldrsnap_rules_new(&rules, NULL, 0), 0);
    ldrsnap_allocator al = {f_malloc, f_realloc, f_free, NULL};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.allocator = &al;
    size_t k, ok = 0;
    for (k = 0; ok < 4; k++) {
        failing f = {k, 0};
        al.ctx = &f;
        ldrsnap_analyzer *a;
        int rc = ldrsnap_analyzer_new(&a, &o, count_event, &(run){0});
        if (rc != 0) {
            cr_assert_eq(rc, LDRSNAP_ENOMEM);
            continue;
        }
        rc = ldrsnap_analyzer_set_rules(a, rules);
        if (rc != 0) { /* the analyzer stays usable without them */
            cr_assert_eq(rc, LDRSNAP_ENOMEM);
            ldrsnap_analyzer_free(a);
            continue;
        }
        for (size_t at = 0; at < len && rc == 0; at += 100)
            rc = ldrsnap_analyzer_feed(a, log + at, LS_MIN(100, len - at));
        if (rc == 0)
            rc = ldrsnap_analyzer_finish(a);
        if (rc == 0)
            ok++;
        else {
            cr_assert_eq(rc, LDRSNAP_ENOMEM, "allocation %zu: %s", k,
                         ldrsnap_strerror(rc));
            cr_assert_str_eq(ldrsnap_analyzer_errmsg(a), "out of memory",
                             "allocation %zu", k);
        }
        ldrsnap_analyzer_free(a);
    }
    cr_assert_gt(k, 20);
    ldrsnap_rules_free(rules);
    free(log);
}

/* feed(NULL, 0) before any byte passed NULL on to memcpy() and pointer
 * arithmetic (undefined; UBSan in make asan). */
Test(hardening, empty_feeds_are_fine)
{
    size_t len;
    char *log = make_log(2, &len);
    for (unsigned t = 0; t < 2; t++) {
        ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
        o.flags = t ? LDRSNAP_OPT_THREADED : 0;
        run x;
        memset(&x, 0, sizeof x);
        ldrsnap_analyzer *a;
        cr_assert_eq(ldrsnap_analyzer_new(&a, &o, count_event, &x), 0);
        if (t)
            ldrsnap__analyzer_pipe_after(a, 1);
        cr_assert_eq(ldrsnap_analyzer_feed(a, NULL, 0), 0);
        cr_assert_eq(ldrsnap_analyzer_feed(a, log, 10), 0);
        cr_assert_eq(ldrsnap_analyzer_feed(a, NULL, 0), 0);
        cr_assert_eq(ldrsnap_analyzer_feed(a, log + 10, len - 10), 0);
        cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
        cr_assert_eq(ldrsnap_analyzer_summary(a)->lines, 8);
        ldrsnap_analyzer_free(a);
        ldrsnap_parser *p;
        rec_list l = {NULL, 0, 0};
        cr_assert_eq(ldrsnap_parser_new(&p, &o, collect_record, &l), 0);
        cr_assert_eq(ldrsnap_parser_feed(p, NULL, 0), 0);
        cr_assert_eq(ldrsnap_parser_finish(p), 0);
        cr_assert_eq(l.n, 0);
        ldrsnap_parser_free(p);
        rec_list_free(&l);
    }
    free(log);
}

/* ---- memory bounded whatever one feed gives -------------------------- */

typedef struct peak {
    size_t live, peak;
} peak;

static void *p_malloc(size_t n, void *ctx)
{
    peak *k = ctx;
    size_t *h = malloc(n + 16);
    if (!h)
        return NULL;
    *h = n;
    k->live += n;
    if (k->live > k->peak)
        k->peak = k->live;
    return (char *)h + 16;
}

static void p_free(void *p, void *ctx)
{
    if (!p)
        return;
    size_t *h = (size_t *)(void *)((char *)p - 16);
    ((peak *)ctx)->live -= *h;
    free(h);
}

static void *p_realloc(void *p, size_t n, void *ctx)
{
    if (!p)
        return p_malloc(n, ctx);
    size_t *h = (size_t *)(void *)((char *)p - 16);
    size_t old = *h;
    size_t *g = realloc(h, n + 16);
    if (!g)
        return NULL;
    peak *k = ctx;
    *g = n;
    k->live = k->live - old + n;
    if (k->live > k->peak)
        k->peak = k->live;
    return (char *)g + 16;
}

/* One feed of 48 MiB on one thread: the chunk's newline map was an
 * eighth of it (6 MiB here, 640 MB for a 5 GiB feed); now the chunk is
 * scanned in pieces of 1 MiB. */
Test(hardening, one_big_feed_keeps_memory_bounded)
{
    static const char unit[] =
        "1a2c:1b30 @ 01234567 - LdrLoadDll - ENTER: DLL name: foo.dll\n"
        "1a2c:1b30 @ 01234568 - LdrpLoadDllInternal - RETURN: Status: "
        "0x00000000\n"
        "1a2c:1b30 @ 0123456a - LdrLoadDll - RETURN: Status: 0x00000000\n"
        "1a2c:1b30 @ 0123456b - LdrpInitializeNode - INFO: Calling init "
        "routine 00007FFB12340000 for DLL \"C:\\A\\foo.dll\"\n";
    const size_t u = sizeof unit - 1, n = ((size_t)48 << 20) / u + 1;
    size_t len = n * u;
    char *log = malloc(len);
    for (size_t i = 0; i < n; i++)
        memcpy(log + i * u, unit, u);
    peak k = {0, 0};
    ldrsnap_allocator al = {p_malloc, p_realloc, p_free, &k};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.allocator = &al;
    o.flags = LDRSNAP_OPT_QUIET_NOISE;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, NULL, NULL), 0);
    cr_assert_eq(ldrsnap_analyzer_feed(a, log, len), 0);
    cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
    cr_assert_eq(ldrsnap_analyzer_summary(a)->lines, 4 * n);
    ldrsnap_analyzer_free(a);
    cr_assert_eq(k.live, 0);
    cr_assert_lt(k.peak, (size_t)3 << 20, "peak %zu bytes", k.peak);
    free(log);
}

/* ---- memory bounded whatever the number of failing processes ---------- */

/* 10,050 failing processes: the first LDRSNAP_MAX_VERDICTS verdicts are
 * kept, the rest counted (a million kept 893 MiB and made a 700 MB
 * summary line). */
Test(hardening, verdicts_are_capped_and_counted)
{
    const size_t procs = LDRSNAP_MAX_VERDICTS + 50;
    size_t cap = procs * 200, len = 0;
    char *log = malloc(cap);
    for (size_t i = 0; i < procs; i++)
        len += (size_t)snprintf(
            log + len, cap - len,
            "%04zx:1b30 @ 01 - LdrpProcessWork - ERROR: Unable to load DLL: "
            "\"dep%zu.dll\", Parent Module: \"app.exe\", Status: "
            "0xc0000135\n",
            i + 0x1000, i);
    peak k = {0, 0};
    ldrsnap_allocator al = {p_malloc, p_realloc, p_free, &k};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.allocator = &al;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, NULL, NULL), 0);
    cr_assert_eq(ldrsnap_analyzer_feed(a, log, len), 0);
    cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
    const ldrsnap_summary *s = ldrsnap_analyzer_summary(a);
    cr_assert_eq(s->n_verdicts + s->verdicts_dropped, procs, "%zu processes, %zu + %zu verdicts", s->processes, s->n_verdicts, s->verdicts_dropped);
    cr_assert_eq(s->n_verdicts, LDRSNAP_MAX_VERDICTS);
    cr_assert_eq(s->verdicts_dropped, 50);
    cr_assert_str_eq(s->verdicts[0].dll, "dep0.dll");
    cr_assert_str_eq(s->verdicts[9999].dll, "dep9999.dll");
    cr_assert_eq(s->verdicts[9999].chain_len, 2);
    cr_assert_str_eq(s->verdicts[9999].chain[1], "dep9999.dll");
    cr_assert_str_eq(s->verdicts[9999].parent, "app.exe");
    /* each verdict and its strings in one block (the root failure kept
     * with its slots made it three times the size) */
    cr_assert_lt(k.peak, (size_t)9 << 20, "peak %zu bytes", k.peak);
    /* (11.4 MB before, 7.1 MB so) */
    ldrsnap_analyzer_free(a);
    cr_assert_eq(k.live, 0);
    free(log);
}

/* LDRSNAP_OPT_PROCESS_EVENTS: one LDRSNAP_EV_PROCESS_END per process,
 * right after its failures, carrying every failing process's verdict (also
 * past the verdicts kept); with LDRSNAP_OPT_FEW_VERDICTS the summary keeps
 * the first LDRSNAP_FEW_VERDICTS and counts the rest. */
typedef struct ends {
    size_t ends, verdicts, failures;
    uint32_t last_fail_pid;  /* pid of the last failure seen */
    bool fail_pending;       /* a failure waits for its process's end */
    bool order_ok;
    bool first_is_dep0;
} ends;

static int on_end(const ldrsnap_event *ev, void *ud)
{
    ends *e = ud;
    if (ev->type == LDRSNAP_EV_FAILURE) {
        e->failures++;
        if (e->fail_pending && ev->failure->pid != e->last_fail_pid)
            e->order_ok = false; /* another process's failure between */
        e->last_fail_pid = ev->failure->pid;
        e->fail_pending = true;
    } else if (ev->type == LDRSNAP_EV_PROCESS_END) {
        const ldrsnap_process *p = ev->process;
        e->ends++;
        if (!(p->flags & LDRSNAP_FF_PID) ||
            (e->fail_pending && p->pid != e->last_fail_pid))
            e->order_ok = false;
        if (p->verdict) {
            if (e->verdicts++ == 0)
                e->first_is_dep0 = !strcmp(p->verdict->dll, "dep0.dll");
            if (p->verdict->pid != p->pid || !p->verdict->dll ||
                p->verdict->kind != LDRSNAP_K_DLL_NOT_FOUND)
                e->order_ok = false;
        }
        e->fail_pending = false;
    }
    return 0;
}

Test(hardening, process_events_carry_every_verdict)
{
    const size_t procs = LDRSNAP_MAX_VERDICTS + 50;
    size_t cap = procs * 400, len = 0;
    char *log = malloc(cap);
    for (size_t i = 0; i < procs; i++) {
        len += (size_t)snprintf(
            log + len, cap - len,
            "%04zx:1b30 @ 01 - LdrpProcessWork - ERROR: Unable to load DLL: "
            "\"dep%zu.dll\", Parent Module: \"app.exe\", Status: "
            "0xc0000135\n",
            i + 0x1000, i);
        if (i % 3 == 0) /* a process that does not fail */
            len += (size_t)snprintf(log + len, cap - len,
                                    "%04zx:1b30 @ 01 - LdrLoadDll - ENTER: "
                                    "DLL name: ok.dll\n",
                                    i + 0x100000);
    }
    size_t peaks[2] = {0, 0};
    for (int few = 0; few < 2; few++) {
        peak k = {0, 0};
        ldrsnap_allocator al = {p_malloc, p_realloc, p_free, &k};
        ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
        o.allocator = &al;
        o.flags = LDRSNAP_OPT_PROCESS_EVENTS |
                  (few ? LDRSNAP_OPT_FEW_VERDICTS : 0);
        ends e = {0};
        e.order_ok = true;
        ldrsnap_analyzer *a;
        cr_assert_eq(ldrsnap_analyzer_new(&a, &o, on_end, &e), 0);
        cr_assert_eq(ldrsnap_analyzer_feed(a, log, len), 0);
        cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
        const ldrsnap_summary *s = ldrsnap_analyzer_summary(a);
        cr_assert_eq(e.ends, s->processes, "%zu ends, %zu processes", e.ends,
                     s->processes);
        cr_assert_eq(e.ends, procs + (procs + 2) / 3);
        cr_assert_eq(e.verdicts, procs);
        cr_assert(e.order_ok);
        cr_assert(e.first_is_dep0);
        size_t kept = few ? LDRSNAP_FEW_VERDICTS : LDRSNAP_MAX_VERDICTS;
        cr_assert_eq(s->n_verdicts, kept);
        cr_assert_eq(s->verdicts_dropped, procs - kept);
        cr_assert_str_eq(s->verdicts[0].dll, "dep0.dll");
        peaks[few] = k.peak;
        ldrsnap_analyzer_free(a);
        cr_assert_eq(k.live, 0);
    }
    /* 64 verdicts kept instead of 10,000: megabytes less */
    cr_assert_lt(peaks[1] + ((size_t)2 << 20), peaks[0], "peaks %zu, %zu",
                 peaks[0], peaks[1]);
    /* without the flag: no such event */
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    ends e = {0};
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, on_end, &e), 0);
    cr_assert_eq(ldrsnap_analyzer_feed(a, log, len), 0);
    cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
    cr_assert_eq(e.ends, 0);
    ldrsnap_analyzer_free(a);
    free(log);
}
