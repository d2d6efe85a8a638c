/*
 * test_trace.c - stage 3 (trace/) and stage 4 (verdict/) on their own,
 * with no analyzer: records from the public tokenizer go to the trace,
 * results come back through a sink, ended processes are taken from the
 * trace's queue and judged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "trace/trace_internal.h"
#include "verdict/verdict.h"

/* What the sink saw, one line each; and the trace's answers. */
typedef struct seen {
    char lines[512][96];
    size_t n;
    size_t again;        /* LS_TRACE_AGAIN answers */
    ls_trace *t;
    ls_verdicts *v;
    ls_sink sink;
    size_t ended;        /* records after which a process was queued */
} seen;

static void note_line(seen *s, const char *what, unsigned long long a,
                      const char *b)
{
    cr_assert_lt(s->n, sizeof s->lines / sizeof s->lines[0]);
    snprintf(s->lines[s->n++], sizeof s->lines[0], "%s %llu %s", what, a,
             b ? b : "-");
}

static int on_failure(void *ctx, const ldrsnap_failure *f)
{
    note_line(ctx, "failure", f->line, ldrsnap_role_name(f->role));
    return 0;
}

static int on_exception(void *ctx, const ldrsnap_exception *e)
{
    note_line(ctx, "exception", e->line, e->code_name);
    return 0;
}

static int on_signature(void *ctx, const ldrsnap_signature *sig)
{
    note_line(ctx, "signature", 0, sig->id);
    return 0;
}

static int judge_ended(seen *s)
{
    for (ls_proc *p; (p = ldrsnap__trace_ended(s->t));) {
        note_line(s, "ended pid", p->pid, p->image);
        if (s->v)
            cr_assert_eq(ldrsnap__verdict_process(s->v, s->t, p, &s->sink),
                         0);
        ldrsnap__trace_release(s->t, p);
    }
    return 0;
}

static int on_record(const ldrsnap_record *rec, void *ud)
{
    seen *s = ud;
    ls_note note = LS_NOTE_NONE;
    if (rec->function)
        note.fid = ldrsnap__func_id(rec->function, strlen(rec->function),
                                    &note.fflags);
    int rc;
    while ((rc = ldrsnap__trace_record(s->t, rec, &note, &s->sink)) ==
           LS_TRACE_AGAIN) {
        s->again++;
        judge_ended(s);
    }
    if (ldrsnap__trace_has_ended(s->t)) {
        s->ended++;
        judge_ended(s);
    }
    return rc;
}

static void run_open(seen *s, const char *log, bool quiet_noise,
                     bool verdicts)
{
    ls_alloc al;
    ldrsnap__alloc_init(&al, NULL);
    memset(s, 0, sizeof *s);
    cr_assert_eq(ldrsnap__trace_new(&s->t, &al, quiet_noise), 0);
    if (verdicts)
        cr_assert_eq(ldrsnap__verdicts_new(&s->v, &al), 0);
    s->sink = (ls_sink){on_failure, on_exception, on_signature, s};
    ldrsnap_parser *p;
    cr_assert_eq(ldrsnap_parser_new(&p, NULL, on_record, s), 0);
    cr_assert_eq(ldrsnap_parser_feed(p, log, strlen(log)), 0);
    cr_assert_eq(ldrsnap_parser_finish(p), 0);
    ldrsnap_parser_free(p);
}

/* The log, to its end: every process is ended and judged. */
static void run(seen *s, const char *log, bool quiet_noise, bool verdicts)
{
    run_open(s, log, quiet_noise, verdicts);
    ldrsnap__trace_end(s->t);
    judge_ended(s);
}

static void done(seen *s)
{
    ldrsnap__verdicts_free(s->v);
    ldrsnap__trace_free(s->t);
}

#define BEGIN(pid, img)                                                     \
    pid ":0010 @ 00000001 - LdrpInitializeProcess - INFO: Beginning "       \
        "execution of " img " (C:\\" img ")\n"
#define PROBE_MISS(pid)                                                     \
    pid ":0010 @ 00000002 - LdrpResolveDllName - ENTER: DLL name: "         \
        "C:\\x\\m.dll\n" pid ":0010 @ 00000003 - LdrpResolveDllName - "     \
        "RETURN: Status: 0xc0000135\n"
#define UNABLE(pid)                                                         \
    pid ":0010 @ 00000004 - LdrpProcessWork - ERROR: Unable to load DLL: "  \
        "\"m.dll\", Parent Module: \"(null)\", Status: 0xc0000135\n"

/* Noise leaves at once; a process's other failures wait until it ends. */
Test(trace, noise_at_once_failures_when_the_process_ends)
{
    seen s;
    run(&s, BEGIN("0100", "a.exe") PROBE_MISS("0100") UNABLE("0100"), false,
        true);
    cr_assert_eq(s.n, 3);
    cr_assert_str_eq(s.lines[0], "failure 3 noise");
    cr_assert_str_eq(s.lines[1], "ended pid 256 a.exe");
    cr_assert_str_eq(s.lines[2], "failure 4 root_cause");
    const ls_trace_counts *n = ldrsnap__trace_counts(s.t);
    cr_assert_eq(n->failures, 2);
    cr_assert_eq(n->noise, 1);
    cr_assert_eq(n->procs_seen, 1);
    size_t nv;
    const ldrsnap_verdict *v = ldrsnap__verdicts(s.v, &nv);
    cr_assert_eq(nv, 1);
    cr_assert_str_eq(v[0].dll, "m.dll");
    cr_assert_str_eq(v[0].image, "a.exe");
    done(&s);
}

/* quiet_noise: counted, not sent. */
Test(trace, quiet_noise_is_counted_only)
{
    seen s;
    run(&s, BEGIN("0100", "a.exe") PROBE_MISS("0100"), true, false);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.lines[0], "ended pid 256 a.exe");
    cr_assert_eq(ldrsnap__trace_counts(s.t)->noise, 1);
    done(&s);
}

/* A pid that begins again ends its process before the record is taken:
 * the trace answers LS_TRACE_AGAIN once, and the old process is judged
 * before anything of the new one. */
Test(trace, restart_ends_the_process_first)
{
    seen s;
    run(&s,
        BEGIN("0100", "a.exe") UNABLE("0100") BEGIN("0100", "b.exe")
            PROBE_MISS("0100"),
        false, true);
    cr_assert_eq(s.again, 1);
    cr_assert_eq(s.n, 5);
    cr_assert_str_eq(s.lines[0], "ended pid 256 a.exe");
    cr_assert_str_eq(s.lines[1], "failure 2 root_cause");
    cr_assert_str_eq(s.lines[2], "failure 5 noise");
    cr_assert_str_eq(s.lines[3], "ended pid 256 b.exe");
    cr_assert_eq(ldrsnap__trace_counts(s.t)->procs_seen, 2);
    done(&s);
}

/* Past LS_MAX_PROCS live processes the least recently active one ends,
 * and is judged before the record that needed the room (a probe miss,
 * sent at once) is taken. */
Test(trace, eviction_judges_before_the_new_record)
{
    char *log = malloc(64 * 1024);
    size_t o = 0;
    for (unsigned i = 0; i <= LS_MAX_PROCS; i++) {
        unsigned pid = 0x100 + i;
        if (i == LS_MAX_PROCS) { /* a new process that starts with noise */
            o += (size_t)sprintf(log + o,
                                 "%04x:0010 @ 00000009 - LdrpResolveDllName "
                                 "- RETURN: Status: 0xc0000135\n", pid);
            break;
        }
        o += (size_t)sprintf(log + o,
                             "%04x:0010 @ 00000001 - LdrpInitializeProcess - "
                             "INFO: Beginning execution of p%u.exe "
                             "(C:\\p%u.exe)\n", pid, i, i);
        o += (size_t)sprintf(log + o,
                             "%04x:0010 @ 00000004 - LdrpProcessWork - ERROR: "
                             "Unable to load DLL: \"m%u.dll\", Parent Module: "
                             "\"(null)\", Status: 0xc0000135\n", pid, i);
    }
    seen s;
    run(&s, log, false, true);
    cr_assert_eq(s.again, 1);
    /* the first process (least recently active) ended, its failure was
     * sent, then the new process's noise */
    cr_assert_str_eq(s.lines[0], "ended pid 256 p0.exe");
    cr_assert_str_eq(s.lines[1], "failure 2 root_cause");
    cr_assert_str_eq(s.lines[2], "failure 129 noise");
    /* then, at the end of the log, the others oldest first */
    cr_assert_str_eq(s.lines[3], "ended pid 257 p1.exe");
    cr_assert_eq(ldrsnap__trace_counts(s.t)->procs_seen, LS_MAX_PROCS + 1);
    size_t nv;
    ldrsnap__verdicts(s.v, &nv);
    cr_assert_eq(nv, LS_MAX_PROCS);
    done(&s);
    free(log);
}

/* The program's exit ends its process: the record is taken, and a
 * process waits in the queue (ldrsnap__trace_has_ended()). */
Test(trace, program_exit_ends_the_process)
{
    seen s;
    run(&s,
        BEGIN("1f30", "Setup.exe") UNABLE("1f30")
        "The program '[7984] Setup.exe' has exited with code 0 (0x0).\n"
        BEGIN("0100", "b.exe"),
        false, true);
    cr_assert_eq(s.ended, 1);
    cr_assert_eq(s.again, 0);
    cr_assert_str_eq(s.lines[0], "ended pid 7984 Setup.exe");
    /* its failure (whatever its role), before anything of the next */
    cr_assert_eq(strncmp(s.lines[1], "failure 2 ", 10), 0, "%s", s.lines[1]);
    cr_assert_str_eq(s.lines[2], "ended pid 256 b.exe");
    done(&s);
}

/* Exceptions leave through the sink as they are read; one the process did
 * not survive becomes a failure when it is judged. */
Test(trace, exceptions_to_the_sink_then_a_failure)
{
    seen s;
    run(&s,
        BEGIN("0d4c", "w.exe")
        "(d4c.e30): Access violation - code c0000005 (second chance)\n",
        false, true);
    cr_assert_eq(s.n, 3);
    cr_assert_str_eq(s.lines[0], "exception 2 STATUS_ACCESS_VIOLATION");
    cr_assert_str_eq(s.lines[1], "ended pid 3404 w.exe");
    cr_assert_str_eq(s.lines[2], "failure 2 root_cause");
    cr_assert_eq(ldrsnap__trace_counts(s.t)->exceptions, 1);
    done(&s);
}

/* A sink error stops the trace and is its answer. */
static int refuse(void *ctx, const ldrsnap_failure *f)
{
    (void)ctx, (void)f;
    return LDRSNAP_ECALLBACK;
}

Test(trace, sink_error_is_returned)
{
    ls_alloc al;
    ldrsnap__alloc_init(&al, NULL);
    ls_trace *t;
    cr_assert_eq(ldrsnap__trace_new(&t, &al, false), 0);
    ls_sink sink = {refuse, NULL, NULL, NULL};
    ldrsnap_record r;
    memset(&r, 0, sizeof r);
    r.dialect = LDRSNAP_D_VISTA;
    r.level = LDRSNAP_L_RETURN;
    r.msg = LDRSNAP_M_STATUS;
    r.function = "LdrpResolveDllName";
    r.status = 0xC0000135u;
    r.flags = LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_STATUS;
    r.pid = 1, r.tid = 2, r.line = 1;
    r.text = "";
    ls_note note = LS_NOTE_NONE;
    note.fid = ldrsnap__func_id(r.function, strlen(r.function), &note.fflags);
    cr_assert_eq(ldrsnap__trace_record(t, &r, &note, &sink),
                 LDRSNAP_ECALLBACK);
    ldrsnap__trace_free(t);
}

/* The module map finds a name whatever its ASCII case (its hash sets 0x20
 * in every byte, so '@' and '`' share one), and only ASCII letters fold. */
Test(trace, module_names_fold_ascii_case_only)
{
    seen s;
    run_open(&s,
        "ModLoad: 00000000`10000000 00000000`10010000   "
        "C:\\X\\ABCDEFGHIJKLMNOPQRSTUVWXYZ@[`{.DLL\n"
        "ModLoad: 00000000`20000000 00000000`20010000   "
        "C:\\X\\abcdefghijklmnopqrstuvwxyz.dll\n"
        "ModLoad: 00000000`30000000 00000000`30010000   "
        "C:\\X\\\xc3\x89t\xc3\xa9.dll\n"
        "ModLoad: 00000000`40000000 00000000`40010000   C:\\X\\K.DLL\n",
        false, false);
    const ls_trace *t = s.t;
    const ls_module *m =
        ldrsnap__module_find(t, "abcdefghijklmnopqrstuvwxyz@[`{.dll");
    cr_assert_not_null(m);
    cr_assert_eq(m->base, 0x10000000);
    m = ldrsnap__module_find(t, "D:\\ABCDEFGHIJKLMNOPQRSTUVWXYZ.DLL");
    cr_assert_not_null(m);
    cr_assert_eq(m->base, 0x20000000);
    cr_assert_not_null(ldrsnap__module_find(t, "\xc3\x89T\xc3\xa9.DLL"));
    cr_assert_null(ldrsnap__module_find(t, "\xc3\xa9t\xc3\xa9.dll"));
    /* '@' is not '`', nor '[' '{': no folding outside the letters */
    cr_assert_null(
        ldrsnap__module_find(t, "abcdefghijklmnopqrstuvwxyz`{`{.dll"));
    cr_assert_not_null(ldrsnap__module_find(t, "k.dll"));
    cr_assert_null(ldrsnap__module_find(t, "k.dl"));
    ldrsnap__trace_end(s.t);
    judge_ended(&s);
    done(&s);
}

/* The trace's pool of small blocks (core/util.c): every size keeps its
 * bytes through realloc(), a freed block serves the next request of its
 * class, at most LS_POOL_KEEP bytes a class wait, and drain gives every
 * waiting block back to the allocator below. */
typedef struct counted {
    size_t live, calls;
} counted;
static void *c_malloc(size_t n, void *ctx)
{
    ((counted *)ctx)->live++, ((counted *)ctx)->calls++;
    return malloc(n);
}
static void *c_realloc(void *p, size_t n, void *ctx)
{
    if (!p)
        ((counted *)ctx)->live++;
    ((counted *)ctx)->calls++;
    return realloc(p, n);
}
static void c_free(void *p, void *ctx)
{
    if (p)
        ((counted *)ctx)->live--;
    free(p);
}

Test(trace, pool_keeps_bytes_reuses_blocks_and_drains)
{
    counted c = {0, 0};
    ls_alloc under = {{c_malloc, c_realloc, c_free, &c}}, al;
    ls_pool pool;
    ldrsnap__pool_init(&pool, &under, &al);
    enum { N = 300 };
    unsigned char *b[N];
    size_t len[N];
    for (size_t i = 0; i < N; i++) { /* 1 .. 5000 bytes: every class, and
                                        large blocks */
        len[i] = 1 + (i * 7919u) % 5000;
        cr_assert_not_null(b[i] = ldrsnap__malloc(&al, len[i]));
        memset(b[i], (int)(i & 0xFF), len[i]);
    }
    for (size_t i = 0; i < N; i += 3) { /* grow, shrink, grow past 2048 */
        size_t n = i % 2 ? len[i] / 2 + 1 : len[i] * 3;
        cr_assert_not_null(b[i] = ldrsnap__realloc(&al, b[i], n));
        for (size_t k = 0; k < LS_MIN(n, len[i]); k++)
            cr_assert_eq(b[i][k], (unsigned char)(i & 0xFF), "block %zu", i);
        len[i] = LS_MIN(n, len[i]);
    }
    for (size_t i = 0; i < N; i++) {
        for (size_t k = 0; k < len[i]; k++)
            cr_assert_eq(b[i][k], (unsigned char)(i & 0xFF), "block %zu", i);
        ldrsnap__free(&al, b[i]);
    }
    /* a freed block of a class serves the next request of it */
    size_t calls = c.calls;
    void *x = ldrsnap__malloc(&al, 100);
    ldrsnap__free(&al, x);
    cr_assert_eq(ldrsnap__malloc(&al, 120), x);
    cr_assert_eq(c.calls, calls);
    ldrsnap__free(&al, x);
    /* no more than LS_POOL_KEEP bytes of a class wait */
    enum { M = 20000 };
    void **s = malloc(M * sizeof *s);
    for (size_t i = 0; i < M; i++)
        cr_assert_not_null(s[i] = ldrsnap__malloc(&al, 20));
    for (size_t i = 0; i < M; i++)
        ldrsnap__free(&al, s[i]);
    free(s);
    cr_assert_leq(pool.n[0], LS_POOL_KEEP / 32);
    cr_assert_gt(c.live, 0);
    ldrsnap__pool_drain(&pool);
    cr_assert_eq(c.live, 0, "%zu blocks left", c.live);
}

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* Under ASan the pool's blocks are poisoned as malloc()'s are: a block
 * waiting on its list whole, one in use past the bytes asked for. */
Test(trace, pool_blocks_are_poisoned_under_asan)
{
    counted c = {0, 0};
    ls_alloc under = {{c_malloc, c_realloc, c_free, &c}}, al;
    ls_pool pool;
    ldrsnap__pool_init(&pool, &under, &al);
    char *p = ldrsnap__malloc(&al, 40); /* a block of 64 */
    cr_assert(!__asan_address_is_poisoned(p + 39));
    cr_assert(__asan_address_is_poisoned(p + 40));
    cr_assert(__asan_address_is_poisoned(p + 63));
    p = ldrsnap__realloc(&al, p, 60); /* stays: more of it in use */
    cr_assert(!__asan_address_is_poisoned(p + 59));
    cr_assert(__asan_address_is_poisoned(p + 60));
    ldrsnap__free(&al, p);
    cr_assert(__asan_address_is_poisoned(p));
    cr_assert(__asan_address_is_poisoned(p + 20));
    char *q = ldrsnap__malloc(&al, 50);
    cr_assert_eq(q, p);
    cr_assert(!__asan_address_is_poisoned(q));
    cr_assert(!__asan_address_is_poisoned(q + 49));
    ldrsnap__free(&al, q);
    ldrsnap__pool_drain(&pool);
    cr_assert_eq(c.live, 0);
}
#endif
