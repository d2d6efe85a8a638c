/*
 * analyze.c - `ldrsnap analyze`: every input through the analyzer, in
 * parallel with -j N, the output in input order.
 *
 * Inputs are first listed (directories expanded, unreadable paths kept as
 * error tasks), then analyzed by N workers.  The members of an archive
 * are handed out to the workers one at a time: the worker that takes a
 * member reads it (decompressing it, once) and analyzes it, while the
 * next worker takes the next member.  Each worker (the main thread one
 * of them) writes a log's output (a unit: an input, or one member) to
 * memory; the worker that finishes the first unit not written yet writes
 * it and the finished units after it, inputs in input order and members
 * in archive order, so that the output is the same whatever N is.  With
 * one worker, output streams straight to stdout.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"


/* The output of one log, in its place: a whole input, or (-j) one
 * member of an archive. */
typedef struct unit {
    struct unit *next;
    struct task *t;
    struct run *run;   /* buffered (-j): spill() writes through at its turn */
    obuf *out, *err;   /* where it writes: stdout and stderr, or mo, me */
    obuf mo, me;       /* rendered output, when buffered */
    int status;        /* EXIT_* */
    bool done;
    unsigned owner;    /* -j: the worker that made it, and frees it */
    rollup ru;         /* its part of the run's rollup */
    rollup_row row;    /* --format=html: its input's row, when row_set */
    bool row_set;
} unit;

typedef struct task {
    char *name;
    char *path;        /* what to open; "-" for standard input */
    int error;         /* could not even be listed */
    char *errmsg;
    unsigned id;       /* its place among the inputs */
    rollup_row row;    /* --format=html: its line of the rollup table */
    bool walked;       /* found in a directory walk (not named) */
    const char *skipped; /* listed and not read (a link in a walk): why */
    /* -j: its units in order, added as they are taken, removed once
     * written (under run.mu) */
    unit *units, **tail;
    bool complete;     /* no unit will be added */
    ldrsnap_batch *b;  /* -j, an archive: the members still to hand out */
    bool busy;         /* a worker reads b */
} task;

/* -j: a full output buffer handed to the writing thread (spill()) */
typedef struct spilled {
    struct spilled *next;
    char *buf;
    size_t len, cap;
} spilled;

/* -j: at most this many workers */
#define MAX_JOBS 64u

typedef struct run {
    const cli_opts *o;
    task *tasks;
    size_t n, cap, next;
    size_t open_from;  /* -j: no task before it has members to hand out */
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* workers: members to take, a unit's turn */
    /* -j: the workers write the output themselves, in order: the one
     * that finishes the first unit not written yet writes it and the
     * units done after it (print_done()), while the other workers go on.
     * A printing thread beside N workers took a core's share from them
     * (about 40 ms of CPU on the bench's 1,920 logs: copying the units'
     * output, freeing it in the workers' malloc arenas, whose locks the
     * workers then waited for) and woke for every run of units. */
    size_t print_task;      /* the task of the first unit not written */
    bool printing;          /* a worker writes units (or spill()) */
    unsigned spilling;      /* workers waiting in spill() for their turn */
    /* -j: the full buffers of the first unit not written, which its
     * worker handed over in spill() (at most SPILL_QUEUE, queued + being
     * written: `queued`), written in order by the writing thread, started
     * at the first such buffer (a log's output past 1 MiB: the 53 MB of
     * JSON Lines of a 200 MB capture, whose write(2) was 45 ms of the
     * analyzing thread); and the written ones, for the next spill() */
    spilled *spilled_head, **spilled_tail;
    unsigned queued;
    spilled *spares;
    pthread_t writer;
    bool writer_on, writer_stop;
    pthread_cond_t writer_cv;
    /* -j: memory for the writing thread to fault in (summary_room()) */
    char *fault_at;
    size_t fault_len;
    bool printer_tty;       /* stdout is a terminal: written through */
    /* -j: per worker, its units written, for it to free (free() of
     * another thread's memory takes the lock of that thread's arena) */
    unit *written[MAX_JOBS];
    int status;             /* -j: the worst of the units written */
    /* progress: logs done, bytes read, for the line on stderr */
    atomic_size_t logs_done; /* inputs done */
    rollup total;      /* the run's rollup, units added in order */
    bool oom;
} run;

/* A task's output past this waits for the task's turn and is then
 * handed to the writing thread, which writes it while the task goes on
 * with a spare buffer: -j N holds at most N + SPILL_QUEUE + 1 such
 * buffers, whatever the inputs' size (issue 16, item 10). */
#define SPILL_AT (1u << 20)
#define SPILL_QUEUE 2u

/* -j: a written unit's output buffer is kept for its worker's next unit
 * when no larger than this */
#define KEEP_CAP (2u * SPILL_AT)

/* -j: a worker writes at most this many units done in one writev(2) */
#define WRITE_UNITS 64u

/* -j: a member is read ahead into memory up to this much, and the next
 * member is free for another worker at once; a larger one is read and
 * analyzed as it comes, the archive held until its end.  A member that
 * fits is analyzed on one thread (a thread per member of a zip of 2,000
 * logs of 100 KB made it 5.6 times as slow as the folder). */
#define AHEAD (4u << 20)

typedef struct sink {
    const cli_opts *o;
    const char *source;
    obuf *out;
    report rep;
    tree *tree;        /* ldrsnap tree: the load tree, or NULL */
    capture *cap;      /* --format=html: the excerpts, or NULL */
    bool oom;
    unit *u;
    obuf *real;        /* while a log may still be skipped (holding), its
                          JSON Lines wait in `held` (out == &held), or in
                          the unit's own buffer past `mark` (-j) */
    obuf *err;         /* warnings */
    obuf held;
    bool holding;
    size_t mark;
    rollup sigs;       /* its signatures, counted once the log is judged */
    text_stream *tx;   /* the text report, written as processes end */
    html_rest rest;    /* --format=html: the failing processes past the
                          cards */
    size_t fmark;      /* --format=html: the failures of the report
                          before it are of ended processes */
} sink;

/* -j, with r->mu held: the first unit not written yet, or NULL when its
 * task has none yet (or every unit is written); tasks whose units are
 * all written are passed (their inputs done). */
static unit *first_unwritten(run *r)
{
    while (r->print_task < r->n) {
        task *t = &r->tasks[r->print_task];
        if (t->units || !t->complete)
            return t->units;
        r->print_task++;
        atomic_fetch_add_explicit(&r->logs_done, 1, memory_order_relaxed);
    }
    return NULL;
}

static void print_done(run *r);

/* Fault in the whole pages of [at, at + len) of malloc()'s memory, its
 * bytes unchanged (Linux 5.14; elsewhere nothing is done). */
static void fault_in(char *at, size_t len)
{
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)at + (uintptr_t)page - 1) & -(uintptr_t)page;
    uintptr_t hi = ((uintptr_t)at + len) & -(uintptr_t)page;
    if (page > 0 && hi > lo)
        madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
    (void)at, (void)len;
#endif
}

/* -j: the writing thread: the buffers spill() hands over, in order; the
 * units done meanwhile once none is left (print_done()). */
static void *writer_main(void *arg)
{
    run *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->spilled_head && !r->writer_stop && !r->fault_len)
            pthread_cond_wait(&r->writer_cv, &r->mu);
        if (r->fault_len) {
            char *at = r->fault_at;
            size_t len = r->fault_len;
            r->fault_len = 0;
            pthread_mutex_unlock(&r->mu);
            fault_in(at, len);
            pthread_mutex_lock(&r->mu);
            continue;
        }
        spilled *c = r->spilled_head;
        if (!c)
            break;
        if (!(r->spilled_head = c->next))
            r->spilled_tail = &r->spilled_head;
        pthread_mutex_unlock(&r->mu);
        struct iovec v = {c->buf, c->len};
        ob_writev(&ob_stdout, &v, 1);
        c->len = 0;
        pthread_mutex_lock(&r->mu);
        c->next = r->spares;
        r->spares = c;
        r->queued--;
        pthread_cond_broadcast(&r->cv); /* a worker may wait for room */
        if (!r->queued)
            print_done(r);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* -j: a large summary about to be formatted into the unit's buffer, at
 * the end of a log: its room made now, and its pages past the first ones
 * faulted in by the writing thread (idle then, the tokenizer's core too)
 * while this one formats it: a 200 MB capture's summary line is 2.8 MB
 * (10,000 root causes) in room grown from 2 MiB, and its 500 faults were
 * a third of its 2.5 ms on the run's tail.  Only the writing thread
 * writes or frees the buffer once this one hands it over: never while
 * it faults it in. */
#define ROOT_CAUSE_BYTES 300 /* in a summary, about */
#define FAULT_FROM (128u << 10)
static void summary_room(unit *u, obuf *out, const ldrsnap_summary *sum)
{
    run *r = u->run;
    size_t room = r ? json_summary_room(out, sum) : 0, len;
    char *p;
    if (!room || out->fd >= 0 || !ob_room(out, room, &p) ||
        (len = sum->n_verdicts * ROOT_CAUSE_BYTES) <= FAULT_FROM)
        return;
    pthread_mutex_lock(&r->mu);
    if (r->writer_on && !r->writer_stop) {
        r->fault_at = p + FAULT_FROM;
        r->fault_len = len - FAULT_FROM;
        pthread_cond_signal(&r->writer_cv);
    }
    pthread_mutex_unlock(&r->mu);
}

/* -j: a unit's buffered output grew past SPILL_AT: wait for its turn
 * (every unit before it written) and hand the buffer to the writing
 * thread, going on with a spare one (on a terminal, or without a
 * thread: written through here). */
static void spill(unit *u)
{
    run *r = u->run;
    if (!r || u->mo.len < SPILL_AT)
        return;
    pthread_mutex_lock(&r->mu);
    r->spilling++;
    while (r->printing || first_unwritten(r) != u)
        pthread_cond_wait(&r->cv, &r->mu);
    r->spilling--;
    if (!r->printer_tty && !r->writer_on && !r->writer_stop)
        r->writer_on =
            pthread_create(&r->writer, NULL, writer_main, r) == 0;
    while (r->writer_on && r->queued >= SPILL_QUEUE)
        pthread_cond_wait(&r->cv, &r->mu);
    spilled *c = NULL;
    if (r->writer_on && (c = r->spares) != NULL)
        r->spares = c->next;
    else if (r->writer_on && (c = malloc(sizeof *c)) != NULL) {
        /* a spare as large as the buffer handed over (this output is
         * large): one grown again from 64 KiB is copied at each doubling */
        char *b = malloc(u->mo.cap);
        *c = (spilled){NULL, b, 0, b ? u->mo.cap : 0};
    }
    if (!c || !c->buf) {
        /* on a terminal (or out of memory): written through here, no
         * unit after it written meanwhile */
        if (c) {
            c->next = r->spares;
            r->spares = c;
        }
        while (r->queued) /* what was handed over first */
            pthread_cond_wait(&r->cv, &r->mu);
        r->printing = true;
        pthread_mutex_unlock(&r->mu);
        struct iovec v = {u->mo.buf, u->mo.len};
        ob_writev(&ob_stdout, &v, 1);
        u->mo.len = 0;
        pthread_mutex_lock(&r->mu);
        r->printing = false;
        pthread_mutex_unlock(&r->mu);
        return;
    }
    char *spare = c->buf;
    size_t spare_cap = c->cap;
    c->buf = u->mo.buf;
    c->len = u->mo.len;
    c->cap = u->mo.cap;
    c->next = NULL;
    u->mo.buf = spare;
    u->mo.cap = spare_cap;
    u->mo.len = 0;
    *r->spilled_tail = c;
    r->spilled_tail = &c->next;
    r->queued++;
    pthread_cond_signal(&r->writer_cv);
    pthread_mutex_unlock(&r->mu);
}

/* A log that may be skipped has held its JSON Lines; past SPILL_AT they
 * go out (it is not skipped then: it held events). */
static void release_held(sink *s)
{
    if (!s->holding)
        return;
    s->holding = false;
    if (s->out != &s->held)
        return; /* in the unit's buffer already */
    ob_write(s->real, s->held.buf, s->held.len);
    ob_free(&s->held);
    s->out = s->real;
}

static int on_tree_record(const ldrsnap_record *r, void *ud)
{
    sink *s = ud;
    if (s->cap)
        capture_record(s->cap, r);
    return tree_record(s->tree, r) < 0 ? (s->oom = true, 0) : 0;
}

/* A line of an event, for the page: pinned with its window. */
static void pin(sink *s, unsigned flags, uint32_t pid, uint64_t line)
{
    capture_pin(s->cap, (flags & LDRSNAP_FF_PID) != 0, pid, line);
}

static bool same_process(unsigned flags, uint32_t pid, const ldrsnap_process *p)
{
    bool has = (flags & LDRSNAP_FF_PID) != 0;
    return has == ((p->flags & LDRSNAP_FF_PID) != 0) && (!has || pid == p->pid);
}

/* The lines of a process the page shows, pinned from what the capture
 * held for it: its failures and exceptions (events), its signatures. */
static void pin_process(sink *s, const ldrsnap_process *p, bool events,
                        bool sigs)
{
    const report *r = &s->rep;
    size_t rows = 0; /* the page shows the first HTML_MAX_EVIDENCE */
    for (size_t i = s->fmark; events && i < r->nfails; i++) {
        const ldrsnap_failure *f = &r->fails[i].f;
        if ((f->role != LDRSNAP_ROLE_HANDLED || s->o->all) &&
            rows++ < HTML_MAX_EVIDENCE)
            pin(s, f->flags, f->pid, f->line);
    }
    rows = 0;
    for (size_t i = 0; events && i < r->nexcs; i++) {
        const ldrsnap_exception *e = &r->excs[i].e;
        if (!r->excs[i].settled && same_process(e->flags, e->pid, p) &&
            rows++ < HTML_MAX_EVIDENCE)
            pin(s, e->flags, e->pid, e->line);
    }
    for (size_t i = 0; sigs && i < r->nsigs; i++) {
        const ldrsnap_signature *sg = &r->sigs[i].s;
        if (r->sigs[i].settled || !same_process(sg->flags, sg->pid, p))
            continue;
        for (size_t j = 0; j < sg->n_lines && j < 20; j++)
            pin(s, sg->flags, sg->pid, sg->lines[j]);
    }
}

/* A process ended: the tree keeps it when it is to be shown; the page
 * keeps the events of the first HTML_CARDS failing processes (their
 * lines pinned for the excerpts), a row for the next HTML_ROWS, and the
 * signatures of those that did not fail (with --all their evidence). */
static void process_end(sink *s, const ldrsnap_process *p)
{
    bool failed = p->verdict != NULL;
    if (s->tree)
        tree_end(s->tree, p->flags, p->pid, p->last_line, failed);
    if (s->o->format != FMT_HTML)
        return;
    bool shown = failed && s->rest.failing < HTML_CARDS;
    if (failed)
        s->oom |= html_rest_add(&s->rest, p->verdict) < 0;
    bool other_sigs = !failed && s->rest.sigs < HTML_OTHER_SIGS;
    /* with --all, a log where no process failed shows every event */
    bool orphan = !failed && s->o->all && !s->rest.failing;
    if (s->cap) {
        pin_process(s, p, shown || orphan, shown || other_sigs);
        capture_end(s->cap, (p->flags & LDRSNAP_FF_PID) != 0, p->pid);
    }
    size_t n = report_end_process(&s->rep, s->fmark, p->flags,
                                  p->pid, shown || (!failed && s->o->all),
                                  shown || other_sigs);
    if (other_sigs)
        s->rest.sigs += n;
    else if (!failed)
        s->rest.sigs_gone += n;
    s->fmark = s->rep.nfails;
    /* what a later process can still show */
    if (s->cap)
        capture_want(s->cap, s->rest.failing < HTML_CARDS,
                     s->rest.sigs < HTML_OTHER_SIGS);
}

static int on_event(const ldrsnap_event *ev, void *ud)
{
    sink *s = ud;
    if (ev->type == LDRSNAP_EV_RULE_LIMIT) { /* every format: a warning */
        ob_puts(s->err, "ldrsnap: warning: ");
        term_put(s->err, s->source);
        ob_printf(s->err, ":%llu: rule '%s' gave up at the pattern "
                          "engine's match limit; it may miss matches in "
                          "this input\n",
                  (unsigned long long)ev->signature->line,
                  ev->signature->id);
        ob_flush(s->err);
        return 0;
    }
    if (s->o->format == FMT_JSONL) {
        if (ev->type == LDRSNAP_EV_FAILURE &&
            (s->o->all || (ev->failure->role != LDRSNAP_ROLE_NOISE &&
                           ev->failure->role != LDRSNAP_ROLE_HANDLED)))
            json_failure(s->out, s->source, ev->failure);
        else if (ev->type == LDRSNAP_EV_EXCEPTION)
            json_exception(s->out, s->source, ev->exception);
        else if (ev->type == LDRSNAP_EV_SIGNATURE)
            json_signature(s->out, s->source, ev->signature);
        if (ev->type == LDRSNAP_EV_SIGNATURE)
            s->oom |= rollup_signature(&s->sigs, ev->signature->id, 1) < 0;
        if (s->holding && s->out->len - s->mark >= SPILL_AT)
            release_held(s);
        if (s->out->tty)
            ob_flush(s->out);
        if (s->u)
            spill(s->u);
        return s->out->err ? -1 : 0; /* the output is lost: stop */
    }
    if (ev->type == LDRSNAP_EV_SIGNATURE)
        s->oom |= rollup_signature(&s->sigs, ev->signature->id, 1) < 0;
    int rc = 0;
    if (s->tx) {
        s->oom |= text_event(s->tx, ev) < 0;
        if (ev->type != LDRSNAP_EV_PROCESS_END)
            return 0;
        if (s->holding && s->out->len - s->mark >= SPILL_AT)
            release_held(s);
        if (s->out->tty)
            ob_flush(s->out);
        if (s->u)
            spill(s->u);
        return s->out->err ? -1 : 0; /* the output is lost: stop */
    }
    if (ev->type == LDRSNAP_EV_PROCESS_END) {
        process_end(s, ev->process);
        return 0;
    }
    if (s->tree) {
        if (ev->type == LDRSNAP_EV_FAILURE)
            rc = tree_failure(s->tree, ev->failure);
        s->oom |= rc < 0;
        if (s->o->format != FMT_HTML)
            return 0;
    }
    size_t kept = s->rep.nfails + s->rep.nexcs + s->rep.nsigs;
    if (ev->type == LDRSNAP_EV_FAILURE &&
        (s->o->all || ev->failure->role != LDRSNAP_ROLE_NOISE))
        rc = report_add_failure(&s->rep, ev->failure);
    else if (ev->type == LDRSNAP_EV_EXCEPTION)
        rc = report_add_exception(&s->rep, ev->exception);
    else if (ev->type == LDRSNAP_EV_SIGNATURE)
        rc = report_add_signature(&s->rep, ev->signature);
    s->oom |= rc < 0;
    /* a signature's lines, held with its process (they may be long before
     * it ends) until the page knows whether it shows them; an exception's
     * too (its line was held if it could be a failure's); a probe miss of
     * --all comes as it is read: pinned */
    if (!s->cap || kept == s->rep.nfails + s->rep.nexcs + s->rep.nsigs)
        return 0;
    if (ev->type == LDRSNAP_EV_SIGNATURE) {
        const ldrsnap_signature *sg = ev->signature;
        for (size_t i = 0; i < sg->n_lines && i < 20; i++)
            capture_hold(s->cap, (sg->flags & LDRSNAP_FF_PID) != 0, sg->pid,
                         sg->lines[i]);
    } else if (ev->type == LDRSNAP_EV_EXCEPTION) {
        const ldrsnap_exception *e = ev->exception;
        capture_hold(s->cap, (e->flags & LDRSNAP_FF_PID) != 0, e->pid,
                     e->line);
    } else if (ev->type == LDRSNAP_EV_FAILURE &&
               ev->failure->role == LDRSNAP_ROLE_NOISE)
        pin(s, ev->failure->flags, ev->failure->pid, ev->failure->line);
    return 0;
}

/* An error goes to stderr in every format; with --format=jsonl also as
 * an "error" record, in its place among the input's records. */
static void say_error(const cli_opts *o, obuf *out, obuf *err,
                      const char *source, const char *msg)
{
    if (o->format == FMT_JSONL)
        json_error(out, source, msg);
    if (out->tty && err->fd >= 0)
        ob_flush(out); /* on a terminal, what came before first */
    text_error(err, source, msg, o);
    ob_flush(err); /* standard error: at once (a task's: no-op) */
}

/* An error of one log of a task (the task's input, or a member). */
static void log_error(const cli_opts *o, unit *u, const char *name,
                      const char *msg)
{
    rollup_input(&u->ru, RS_ERROR);
    say_error(o, u->out, u->err, name, msg);
    if (o->format == FMT_HTML) {
        html_error(u->out, u->t->id, name, msg);
        u->row.state = ROW_ERROR;
        u->row_set = true;
    }
}

/* An input that gives no report: said, and in the page as a section. */
static void task_error(const cli_opts *o, unit *u, const char *msg)
{
    log_error(o, u, u->t->name, msg);
}

static void fill_row(unit *u, const ldrsnap_summary *s)
{
    rollup_row *r = &u->row;
    u->row_set = true;
    free(r->dll);
    r->dll = NULL;
    r->verdicts = s->n_verdicts + s->verdicts_dropped;
    r->state = s->n_verdicts ? ROW_FAILING : ROW_CLEAN;
    if (!s->n_verdicts)
        return;
    const ldrsnap_verdict *v = &s->verdicts[0];
    r->dll = v->dll ? strdup(cli_basename(v->dll)) : NULL;
    r->has_status = (v->flags & LDRSNAP_FF_STATUS) != 0;
    r->status = v->status;
    r->status_name = r->has_status ? ldrsnap_status_name(v->status) : NULL;
    r->kind = ldrsnap_kind_name(v->kind);
}

static atomic_ullong bytes_read; /* for the progress line */

/* A log's bytes: those read ahead, then (b) the rest from the batch. */
typedef struct reader {
    const unsigned char *mem;
    size_t len, pos;
    ldrsnap_batch *b;  /* NULL: the bytes read ahead are all */
    int rc;            /* the read ahead ended in this error */
    char *errmsg;      /* and this message */
} reader;

static int read_entry(void *ctx, void *buf, size_t cap, size_t *got)
{
    reader *rd = ctx;
    int rc = 0;
    *got = 0;
    if (rd->pos < rd->len) {
        size_t k = rd->len - rd->pos < cap ? rd->len - rd->pos : cap;
        memcpy(buf, rd->mem + rd->pos, k);
        rd->pos += k;
        *got = k;
    } else if (rd->b) {
        rc = ldrsnap_batch_read(rd->b, buf, cap, got);
    } else {
        rc = rd->rc;
    }
    atomic_fetch_add_explicit(&bytes_read, *got, memory_order_relaxed);
    return rc;
}

static const char *reader_errmsg(const reader *rd)
{
    return rd->b ? ldrsnap_batch_errmsg(rd->b)
                 : rd->errmsg ? rd->errmsg : "";
}

/* Let the analyzer pull the entry's bytes (on its tokenizer thread, when
 * it has one); returns 0, or the read error, which the caller says once
 * the analyzer is finished (read_error()): records of the bytes read
 * before it may still be on their way till then (queued by a tokenizer
 * thread, or held by the parser for a line's end), and they come first,
 * whatever the threads. */
static int pump(reader *rd, ldrsnap_analyzer *a)
{
    int rc = 0;
    if (!rd->b && rd->pos < rd->len) {
        /* a member read ahead whole: its bytes as they are, not copied
         * into the analyzer's room first */
        rc = ldrsnap_analyzer_feed(a, rd->mem + rd->pos, rd->len - rd->pos);
        atomic_fetch_add_explicit(&bytes_read, rd->len - rd->pos,
                                  memory_order_relaxed);
        rd->pos = rd->len;
    }
    if (rc == 0) /* the end, or the error the read ahead ended in */
        rc = ldrsnap_analyzer_pull(a, read_entry, rd);
    return rc;
}

/* The read error pump() returned (rc < 0), said in its place: after
 * every record of the log, before its summary. */
static void read_error(const reader *rd, int rc, const cli_opts *o,
                       obuf *out, obuf *err, const char *source)
{
    const char *m = reader_errmsg(rd);
    char tmp[600];
    if (!*m) {
        snprintf(tmp, sizeof tmp, "%s: %s", source, ldrsnap_strerror(rc));
        m = tmp;
    }
    say_error(o, out, err, source, m);
}

/* Open one input: a batch over its path (a file, standard input, an
 * archive whose members are its entries), standing before its first
 * entry.  NULL when out of memory. */
static ldrsnap_batch *open_input(const char *path, const cli_opts *o)
{
    ldrsnap_batch *b = NULL;
    if (ldrsnap_batch_new(&b, NULL, LDRSNAP_BATCH_NO_RECURSE) < 0 ||
        ldrsnap_batch_set_limits(b, &o->limits) < 0 ||
        ldrsnap_batch_add(b, path) < 0) {
        ldrsnap_batch_free(b);
        return NULL;
    }
    return b;
}

static const char *input_error(const ldrsnap_batch *b)
{
    if (!b)
        return "out of memory";
    const char *m = ldrsnap_batch_errmsg(b);
    return *m ? m : "cannot open input";
}

/* The rules, compiled on a thread of their own while the first input is
 * listed and opened (a few milliseconds at the start of every run, on
 * the way to the first byte otherwise). */
static struct {
    cli_opts *o;
    ldrsnap_rules *rules;
    int rc;
    pthread_t th;
    bool pending;            /* th runs, or ran and is not joined */
} loading;

static void *load_in_background(void *arg)
{
    (void)arg;
    loading.rc = load_rules(loading.o, &loading.rules);
    return NULL;
}

static void start_loading_rules(cli_opts *o)
{
    loading.o = o;
    loading.pending =
        pthread_create(&loading.th, NULL, load_in_background, NULL) == 0;
    if (!loading.pending)
        load_in_background(NULL);
}

/* Wait for the rules (on the thread that started loading them): 0, or
 * the error load_rules() has reported. */
static int rules_loaded(cli_opts *o)
{
    if (loading.pending) {
        pthread_join(loading.th, NULL);
        loading.pending = false;
    }
    o->rules = loading.rules;
    return loading.rc;
}

/* Inputs analyzed one after the other on this thread may open theirs
 * before the rules are there: rules_loaded() comes before any output, so
 * that a bad rule file still stops everything unsaid. */
/* a task that met a bad rule file: no output, the run stops */
#define EXIT_RULES 99

/* No loader-snaps line, nothing found: not a log to count as clean (in a
 * walk or an archive: skipped, not reported). */
static bool no_snaps(const ldrsnap_summary *sum)
{
    return sum->loader_lines == 0 && !sum->n_verdicts && !sum->signatures;
}

/* A log's part of the rollup: unreadable (it broke off), failing (a
 * root cause or a signature) or clean; its root causes (those of the
 * summary, or `causes` when the summary kept only the first few) and
 * signatures. */
static int count_log(rollup *ru, const char *name, const ldrsnap_summary *sum,
                     const rollup *sigs, const rollup *causes, bool broke,
                     bool no_causes)
{
    if (broke) {
        rollup_input(ru, RS_ERROR);
        return 0;
    }
    rollup_input(ru, sum->n_verdicts || sum->signatures ? RS_FAILING
                     : no_snaps(sum)                    ? RS_SKIPPED
                                                        : RS_CLEAN);
    if (causes) {
        rollup part = *causes;
        part.failing = part.clean = part.skipped = part.errors = 0;
        part.nsigs = 0;
        if (rollup_merge(ru, &part) < 0)
            return -1;
    }
    /* the run's only log: its rollup is never written (a run over one
     * log has none), and its 10,000 root causes took 0.8 ms at the end */
    for (size_t i = 0; !causes && !no_causes && i < sum->n_verdicts; i++) {
        const ldrsnap_verdict *v = &sum->verdicts[i];
        char st[16];
        hex8_str(st, (unsigned)v->status);
        if (rollup_cause(ru, ldrsnap_kind_name(v->kind), v->dll,
                         v->flags & LDRSNAP_FF_STATUS ? st : NULL, name,
                         1) < 0)
            return -1;
    }
    rollup part = *sigs;
    part.failing = part.clean = part.skipped = part.errors = 0;
    part.ncauses = 0;
    return rollup_merge(ru, &part);
}

/* An input listed and not analyzed (a link in a walk or an archive, an
 * encrypted member, a member with no loader-snaps lines): counted as
 * skipped; a "skipped" record in JSON Lines, a line with --all. */
static void say_skipped(const cli_opts *o, unit *u, const char *name,
                        const char *why)
{
    obuf *out = u->out;
    rollup_input(&u->ru, RS_SKIPPED);
    if (o->format == FMT_JSONL) {
        json_skipped(out, name, why);
    } else if (o->all && o->format == FMT_TEXT) {
        term_put(out, name);
        ob_puts(out, ": skipped: ");
        ob_puts(out, why);
        ob_putc(out, '\n');
    }
}

/* What analyze_log() needs of an entry (which the next entry of its
 * batch replaces). */
typedef struct log_in {
    const char *name;
    bool member;
    bool threaded;     /* a tokenizer thread for it */
} log_in;

/* One log (a file, or an archive's member) through a fresh analyzer. */
static int analyze_log(unit *u, reader *rd, const log_in *in,
                       const cli_opts *o)
{
    task *t = u->t;
    obuf *out = u->out, *err = u->err;
    const char *name = in->name;
    ldrsnap_analyzer *a = NULL;
    sink s = {o, name, out, {name, NULL, 0, 0, NULL, 0, 0, NULL, 0, 0},
              NULL, NULL, false, u, out, err};
    int status = EXIT_TROUBLE;
    /* found in a walk or an archive: skipped if it holds no loader-snaps
     * lines, so its records wait until that is known: in the unit's
     * buffer (-j) when they are the first there (cut off again if it is
     * skipped), else in a buffer of their own */
    bool may_skip = t->walked || in->member;
    /* the text report, a process at a time */
    bool stream = o->format == FMT_TEXT && o->cmd != CMD_TREE;
    if (may_skip && (o->format == FMT_JSONL || stream)) {
        s.holding = true;
        s.mark = out->len;
        if (!u->run || out->fd >= 0 || out->len) {
            ob_init_mem(&s.held);
            s.out = &s.held;
            s.mark = 0;
        }
    }
    ldrsnap_options opts = LDRSNAP_OPTIONS_INIT;
    if (!o->all)
        opts.flags |= LDRSNAP_OPT_QUIET_NOISE;
    if (in->threaded)
        opts.flags |= LDRSNAP_OPT_THREADED;
    if (stream || o->format == FMT_HTML || o->cmd == CMD_TREE)
        opts.flags |= LDRSNAP_OPT_PROCESS_EVENTS | LDRSNAP_OPT_FEW_VERDICTS;
    if (o->format == FMT_HTML)
        s.rep.cap = HTML_KEEP_EVENTS; /* the page shows the first ones */
    bool want_tree = o->cmd == CMD_TREE || o->format == FMT_HTML;
    size_t keep = o->cmd == CMD_TREE ? TREE_KEEP : HTML_CARDS;
    if ((want_tree &&
         tree_new(&s.tree, o->all && o->cmd == CMD_TREE, keep,
                  o->cmd != CMD_TREE) < 0) ||
        (stream && text_begin(&s.tx, &s.out, name, o) < 0) ||
        (o->format == FMT_HTML && capture_new(&s.cap) < 0) ||
        ldrsnap_analyzer_new(&a, &opts, on_event, &s) < 0 ||
        ldrsnap_analyzer_set_rules(a, o->rules) < 0 ||
        (s.tree && ldrsnap_analyzer_set_record_cb(a, on_tree_record, &s) <
                       0)) {
        log_error(o, u, name, "out of memory");
        goto out;
    }
    int rrc = pump(rd, a);
    int frc = ldrsnap_analyzer_finish(a);
    const ldrsnap_summary *sum = ldrsnap_analyzer_summary(a);
    if (frc == 0 && rrc == 0 && may_skip && no_snaps(sum) &&
        ((o->format != FMT_JSONL && !stream) || s.holding)) {
        if (s.holding && s.out == out)
            out->len = s.mark; /* what it held: dropped */
        say_skipped(o, u, name, "no loader-snaps lines");
        status = EXIT_CLEAN;
        goto out;
    }
    release_held(&s);
    /* the output lost (the event callback stopped the analyzer): said
     * once, at the end (main()), not as an error of this log */
    if (rrc < 0 && !(rrc == LDRSNAP_ECALLBACK && out->err))
        read_error(rd, rrc, o, out, err, name);
    if (out->err)
        goto out; /* said once, at the end (main()) */
    if (frc < 0) {
        log_error(o, u, name, ldrsnap_analyzer_errmsg(a));
        goto out;
    }
    if (o->format == FMT_HTML) {
        /* signatures no process's end took (a rule of the whole file) */
        for (size_t i = 0; s.cap && i < s.rep.nsigs; i++) {
            const ldrsnap_signature *sg = &s.rep.sigs[i].s;
            for (size_t j = 0; !s.rep.sigs[i].settled && j < sg->n_lines &&
                               j < 20; j++)
                pin(&s, sg->flags, sg->pid, sg->lines[j]);
        }
        report_sort(&s.rep);
        html_input hin = {t->id, name, s.cap, &s.rep, sum, s.tree, o,
                           &s.rest};
        s.oom |= html_log(out, &hin) < 0;
        fill_row(u, sum);
    } else if (s.tree)
        tree_text(out, s.tree, name, o);
    else if (o->format == FMT_JSONL) {
        summary_room(u, out, sum);
        json_summary(out, name, sum);
    } else {
        s.oom |= text_end(s.tx, sum, rrc < 0) < 0;
        if (rrc < 0 && !o->brief)
            s.oom |= text_truncated(out, name, sum, o) < 0;
    }
    if (s.oom)
        say_error(o, out, err, name, "out of memory: report incomplete");
    /* the log's output is whole: to the writing thread now (-j), which
     * writes it while this one counts the log and frees the analyzer
     * (a 200 MB log's summary line is 2.8 MB: 0.7 ms of write(2)) */
    spill(u);
    /* an input named on the command line (not a directory's or an
     * archive's member) with no loader-snaps line is no all-clear */
    bool named = !t->walked && strcmp(name, t->name) == 0;
    status = rrc < 0 || s.oom                     ? EXIT_TROUBLE
             : sum->n_verdicts || sum->signatures ? EXIT_FOUND
             : named && sum->loader_lines == 0    ? EXIT_TROUBLE
                                                  : EXIT_CLEAN;
    s.oom |= count_log(&u->ru, name, sum, &s.sigs,
                       s.tx ? text_causes(s.tx) : NULL, rrc < 0,
                       o->lone && !in->member) < 0;
out:
    if (s.out == &s.held)
        ob_free(&s.held);
    rollup_free(&s.sigs);
    report_free(&s.rep);
    text_free(s.tx);
    tree_free(s.tree);
    capture_free(s.cap);
    html_rest_free(&s.rest);
    ldrsnap_analyzer_free(a);
    spill(u);
    return status;
}

static int worst(int a, int b)
{
    return a > b ? a : b;
}

/* One entry of a batch into unit u, streamed: said (an error, a link,
 * an empty member) or analyzed. */
static int one_entry(unit *u, ldrsnap_batch *b, const ldrsnap_entry *e,
                     const cli_opts *o)
{
    const char *name = e->member ? e->name : u->t->name;
    if (e->error) {
        log_error(o, u, name, input_error(b));
        return EXIT_TROUBLE;
    }
    if (e->skipped) {
        say_skipped(o, u, name, e->skipped);
        return EXIT_CLEAN;
    }
    if (e->member && e->size == 0) {
        /* an empty member: no analyzer for it (100,000 of them) */
        say_skipped(o, u, name, "no loader-snaps lines");
        return EXIT_CLEAN;
    }
    reader rd = {NULL, 0, 0, b, 0, NULL};
    /* a second thread pays for itself on a large log only: not on a
     * member the archive says is small */
    log_in in = {name, e->member != 0,
                 o->threaded && !(e->member && e->size >= 0 &&
                                  e->size < (int64_t)AHEAD)};
    return analyze_log(u, &rd, &in, o);
}

/* A task that is no input to open (listed with an error, or skipped) is
 * said in u: true. */
static bool task_said(unit *u, const cli_opts *o, int *status)
{
    task *t = u->t;
    if (t->error) {
        task_error(o, u, t->errmsg);
        *status = EXIT_TROUBLE;
        return true;
    }
    if (t->skipped) {
        say_skipped(o, u, t->name, t->skipped);
        *status = EXIT_CLEAN;
        return true;
    }
    return false;
}

/* One task, one after the other (no -j): every log of its input (one, or
 * an archive's members), in order, streamed to u. */
static int analyze_task(unit *u, const cli_opts *o)
{
    task *t = u->t;
    ldrsnap_batch *b =
        t->error || t->skipped ? NULL : open_input(t->path, o);
    if (o->rules_wait && rules_loaded(o->rules_wait) < 0) {
        ldrsnap_batch_free(b);
        return EXIT_RULES;
    }
    int status = EXIT_CLEAN, rc = LDRSNAP_DONE;
    if (task_said(u, o, &status))
        return status;
    if (!b) {
        task_error(o, u, "out of memory");
        return EXIT_TROUBLE;
    }
    ldrsnap_entry *e;
    while (!u->out->err && (rc = ldrsnap_batch_next(b, &e)) == LDRSNAP_OK)
        status = worst(status, one_entry(u, b, e, o));
    if (rc < 0) {
        task_error(o, u, ldrsnap_strerror(rc));
        status = EXIT_TROUBLE;
    }
    ldrsnap_batch_free(b);
    return status;
}

/* ---- listing inputs ----------------------------------------------------- */

static task *add_task(run *r, const char *name, const char *path)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        task *t = realloc(r->tasks, cap * sizeof *t);
        if (!t)
            return NULL;
        r->tasks = t;
        r->cap = cap;
    }
    task *t = &r->tasks[r->n];
    memset(t, 0, sizeof *t);
    t->id = (unsigned)++r->n;
    t->row.id = t->id;
    t->name = strdup(name);
    t->path = path ? strdup(path) : NULL;
    return t;
}

static int list_inputs(run *r, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-")) {
            if (!add_task(r, "<stdin>", "-"))
                return -1;
            continue;
        }
        ldrsnap_batch *b = NULL;
        ldrsnap_entry *e;
        /* names only: each input is opened once, by its task (a FIFO or
         * a pipe named by path gives its bytes once) */
        unsigned flags = LDRSNAP_BATCH_NAMES_ONLY |
                         (r->o->follow ? LDRSNAP_BATCH_FOLLOW : 0);
        if (ldrsnap_batch_new(&b, NULL, flags) < 0 ||
            ldrsnap_batch_add(b, argv[i]) < 0) {
            ldrsnap_batch_free(b);
            return -1;
        }
        int rc;
        while ((rc = ldrsnap_batch_next(b, &e)) == LDRSNAP_OK) {
            task *t = add_task(r, e->name, e->path ? e->path : e->name);
            if (!t)
                break;
            t->walked = strcmp(e->name, argv[i]) != 0;
            t->skipped = e->skipped;
            if (e->error) {
                t->error = e->error;
                t->errmsg = strdup(ldrsnap_batch_errmsg(b));
            }
        }
        ldrsnap_batch_free(b);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- progress ----------------------------------------------------------- */

/* With more than one input and standard error a terminal: one line,
 * redrawn in place, cleared at the end (never in a pipe; --no-progress). */
static struct {
    pthread_t th;
    bool on, drawn;
    atomic_bool stop;
    run *r;
    struct timespec t0;
} progress;

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) +
           (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_draw(void)
{
    char line[160];
    double s = since(&progress.t0);
    double mib = (double)atomic_load(&bytes_read) / 1048576.0;
    int n = snprintf(line, sizeof line,
                     "\r\033[Kldrsnap: %zu/%zu inputs, %.1f MiB, %.1f MiB/s, "
                     "%.0f s",
                     atomic_load(&progress.r->logs_done), progress.r->n, mib,
                     s > 0 ? mib / s : 0.0, s);
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
}

static void *progress_loop(void *arg)
{
    (void)arg;
    while (!atomic_load(&progress.stop)) {
        progress_draw();
        for (int i = 0; i < 5 && !atomic_load(&progress.stop); i++)
            nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    return NULL;
}

static void progress_start(run *r, const cli_opts *o)
{
    if (o->no_progress || r->n < 2 || !isatty(STDERR_FILENO))
        return;
    progress.r = r;
    clock_gettime(CLOCK_MONOTONIC, &progress.t0);
    progress_draw(); /* at once: a short run shows it too */
    progress.drawn = true;
    progress.on = pthread_create(&progress.th, NULL, progress_loop, NULL) == 0;
}

static void progress_end(void)
{
    if (!progress.drawn)
        return;
    atomic_store(&progress.stop, true);
    if (progress.on)
        pthread_join(progress.th, NULL);
    if (write(STDERR_FILENO, "\r\033[K", 4) < 0)
        return;
}

/* --files-from=FILE ('-': standard input): one path a line (a NUL
 * byte with --null); empty lines are no paths.  -1 out of memory (an
 * unreadable list is said here and is an error task). */
static int files_from(run *r, const cli_opts *o)
{
    bool in = !strcmp(o->files_from, "-");
    FILE *f = in ? stdin : fopen(o->files_from, "r");
    if (!f) {
        task *t = add_task(r, o->files_from, o->files_from);
        if (!t)
            return -1;
        t->error = LDRSNAP_EIO;
        char msg[600];
        snprintf(msg, sizeof msg, "%s: %s (--files-from)", o->files_from,
                 strerror(errno));
        t->errmsg = strdup(msg);
        return 0;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getdelim(&line, &cap, o->null_sep ? '\0' : '\n',
                                    f)) > 0) {
        if (line[n - 1] == (o->null_sep ? '\0' : '\n'))
            line[--n] = '\0';
        if (!o->null_sep && n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (n == 0)
            continue;
        char *one[] = {line};
        rc = list_inputs(r, 1, one);
    }
    free(line);
    if (!in)
        fclose(f);
    return rc;
}

/* ---- running them ------------------------------------------------------- */

/* A unit printed: its part of the rollup joins the run's, and its row
 * its input's, in order; -1 out of memory. */
static int unit_merge(run *r, unit *u)
{
    int rc = rollup_merge(&r->total, &u->ru);
    if (u->row_set) {
        task *t = u->t;
        free(t->row.dll);
        unsigned id = t->row.id;
        t->row = u->row;
        t->row.id = id;
        u->row.dll = NULL;
    }
    return rc;
}

/* What a unit holds besides its output (freed by the thread that made
 * it: see run.written). */
static void unit_release(unit *u)
{
    rollup_free(&u->ru);
    free(u->row.dll);
    u->row.dll = NULL;
}

static void unit_done(run *r, unit *u)
{
    if (unit_merge(r, u) < 0)
        r->oom = true;
    unit_release(u);
}

/* -j: worker `id`'s units written since its last unit: freed, the first
 * output buffer small enough kept for its next unit (in mo). */
static void free_written(run *r, unsigned id, obuf *mo)
{
    pthread_mutex_lock(&r->mu);
    unit *u = r->written[id];
    r->written[id] = NULL;
    pthread_mutex_unlock(&r->mu);
    while (u) {
        unit *next = u->next;
        if (mo && !mo->buf && u->mo.buf && !u->mo.err &&
            u->mo.cap <= KEEP_CAP) {
            *mo = u->mo;
            mo->len = 0;
        } else {
            ob_free(&u->mo);
        }
        ob_free(&u->me);
        unit_release(u);
        free(u);
        u = next;
    }
}

/* -j: a new unit of t, last in its order (written in that order); NULL
 * out of memory. */
static unit *add_unit(run *r, task *t, unsigned id)
{
    obuf mo;
    ob_init_mem(&mo);
    free_written(r, id, &mo);
    unit *u = calloc(1, sizeof *u);
    if (!u) {
        ob_free(&mo);
        return NULL;
    }
    u->t = t;
    u->run = r;
    u->owner = id;
    u->mo = mo;
    ob_init_mem(&u->me);
    u->out = &u->mo;
    u->err = &u->me;
    u->status = EXIT_CLEAN;
    pthread_mutex_lock(&r->mu);
    *t->tail = u;
    t->tail = &u->next;
    pthread_mutex_unlock(&r->mu);
    return u;
}

/* -j: write units done, from the first not written on, in order, while
 * there are such (r->mu held; let go while writing): by the worker that
 * finished a unit or let a task go, unless another one writes already
 * (it then writes this one's too: it looks again before it stops). */
static void print_done(run *r)
{
    unit *u;
    if (r->printing || r->queued) /* the writing thread calls it then */
        return;
    while ((u = first_unwritten(r)) != NULL && u->done) {
        r->printing = true;
        /* the units done in a row of this task, taken off its list */
        task *t = u->t;
        unit *batch[WRITE_UNITS];
        size_t k = 0;
        for (; u && u->done && k < WRITE_UNITS; u = u->next)
            batch[k++] = u;
        if (!(t->units = u))
            t->tail = &t->units;
        pthread_mutex_unlock(&r->mu);
        /* their output in one writev(2), each one's standard error after
         * what came before it */
        struct iovec v[WRITE_UNITS];
        int nv = 0, status = EXIT_CLEAN;
        bool oom = false;
        for (size_t i = 0; i < k; i++) {
            unit *w = batch[i];
            if (w->mo.len)
                v[nv++] = (struct iovec){w->mo.buf, w->mo.len};
            if (w->me.len || w->mo.err || w->me.err) {
                ob_writev(&ob_stdout, v, nv);
                nv = 0;
                ob_write(&ob_stderr, w->me.buf, w->me.len);
                if (w->mo.err || w->me.err) {
                    ob_printf(&ob_stderr, "ldrsnap: error: %s: out of "
                                          "memory keeping the output\n",
                              t->name);
                    w->status = EXIT_TROUBLE;
                }
                ob_flush(&ob_stderr);
            }
        }
        ob_writev(&ob_stdout, v, nv);
        for (size_t i = 0; i < k; i++) {
            status = worst(status, batch[i]->status);
            oom |= unit_merge(r, batch[i]) < 0;
        }
        pthread_mutex_lock(&r->mu);
        for (size_t i = 0; i < k; i++) {
            unit *w = batch[i];
            w->mo.len = 0;
            w->next = r->written[w->owner];
            r->written[w->owner] = w;
        }
        r->status = worst(r->status, status);
        r->oom |= oom;
        r->printing = false;
    }
    if (r->spilling) /* the first unit not written may be theirs */
        pthread_cond_broadcast(&r->cv);
}

static void unit_finished(run *r, unit *u, int status)
{
    pthread_mutex_lock(&r->mu);
    u->status = status;
    u->done = true;
    print_done(r);
    pthread_mutex_unlock(&r->mu);
}

/* The archive's next member may go to another worker; t complete: it
 * has no more units (its members all handed out, or no archive). */
static void let_go(run *r, task *t, bool complete)
{
    pthread_mutex_lock(&r->mu);
    t->busy = false;
    t->complete |= complete;
    pthread_cond_broadcast(&r->cv);
    /* the units of the tasks after it may be written now */
    if (complete)
        print_done(r);
    pthread_mutex_unlock(&r->mu);
}

static void run_oom(run *r)
{
    pthread_mutex_lock(&r->mu);
    r->oom = true;
    pthread_mutex_unlock(&r->mu);
}

/* A worker: its number, its room for a member read ahead. */
typedef struct ahead {
    unsigned char *buf;
    unsigned id;
} ahead;

/* A member of t's archive (e, its batch held by this worker) into u: read
 * ahead into memory, the archive let go, then analyzed; a member too
 * large for that is analyzed as it is read, the archive held till its
 * end. */
static int member(run *r, task *t, unit *u, const ldrsnap_entry *e,
                  ahead *ah)
{
    const cli_opts *o = r->o;
    ldrsnap_batch *b = t->b;
    if (e->error || e->skipped || e->size == 0) {
        int st = one_entry(u, b, e, o);
        let_go(r, t, false);
        return st;
    }
    char *name = strdup(e->name);
    if (!ah->buf)
        ah->buf = malloc(AHEAD);
    if (!name || !ah->buf) {
        free(name);
        log_error(o, u, e->name, "out of memory");
        let_go(r, t, false);
        return EXIT_TROUBLE;
    }
    reader rd = {ah->buf, 0, 0, NULL, 0, NULL};
    while (rd.len < AHEAD) {
        size_t got;
        rd.rc = ldrsnap_batch_read(b, ah->buf + rd.len, AHEAD - rd.len, &got);
        if (rd.rc < 0 || got == 0)
            break;
        rd.len += got;
    }
    bool whole = rd.len < AHEAD || rd.rc < 0;
    if (rd.rc < 0) /* NULL: pump() says the code's message */
        rd.errmsg = strdup(ldrsnap_batch_errmsg(b));
    if (whole)
        let_go(r, t, false);
    else
        rd.b = b;
    log_in in = {name, true, !whole && o->threaded};
    int st = analyze_log(u, &rd, &in, o);
    if (!whole)
        let_go(r, t, false);
    free(rd.errmsg);
    free(name);
    return st;
}

/* The next member of t's archive (t->busy is this worker's): a unit for
 * it, or t complete. */
static void take_member(run *r, task *t, ahead *ah)
{
    ldrsnap_entry *e;
    int rc = ldrsnap_batch_next(t->b, &e);
    if (rc == LDRSNAP_OK) {
        unit *u = add_unit(r, t, ah->id);
        if (!u) {
            run_oom(r);
            let_go(r, t, false);
            return;
        }
        unit_finished(r, u, member(r, t, u, e, ah));
        return;
    }
    unit *u = rc < 0 ? add_unit(r, t, ah->id) : NULL;
    if (u) {
        task_error(r->o, u, ldrsnap_strerror(rc));
        unit_finished(r, u, EXIT_TROUBLE);
    }
    ldrsnap_batch_free(t->b);
    pthread_mutex_lock(&r->mu);
    t->b = NULL;
    pthread_mutex_unlock(&r->mu);
    let_go(r, t, true);
}

/* A task taken from the list: a file analyzed as it is read, or the first
 * member of an archive, whose next members are then handed out. */
static void start_task(run *r, task *t, ahead *ah)
{
    const cli_opts *o = r->o;
    unit *u = add_unit(r, t, ah->id);
    if (!u) {
        run_oom(r);
        let_go(r, t, true);
        return;
    }
    int status = EXIT_CLEAN, rc = LDRSNAP_DONE;
    ldrsnap_batch *b = NULL;
    ldrsnap_entry *e = NULL;
    if (task_said(u, o, &status)) {
        /* no input */
    } else if (!(b = open_input(t->path, o))) {
        task_error(o, u, "out of memory");
        status = EXIT_TROUBLE;
    } else if ((rc = ldrsnap_batch_next(b, &e)) == LDRSNAP_OK && e->member) {
        pthread_mutex_lock(&r->mu);
        t->b = b;
        t->busy = true;
        pthread_mutex_unlock(&r->mu);
        unit_finished(r, u, member(r, t, u, e, ah));
        return;
    }
    let_go(r, t, true);
    for (; rc == LDRSNAP_OK && !u->out->err; rc = ldrsnap_batch_next(b, &e))
        status = worst(status, one_entry(u, b, e, o));
    if (rc < 0 && rc != LDRSNAP_DONE) {
        task_error(o, u, ldrsnap_strerror(rc));
        status = EXIT_TROUBLE;
    }
    ldrsnap_batch_free(b);
    unit_finished(r, u, status);
}

typedef struct worker_arg {
    run *r;
    unsigned id;
} worker_arg;

static void *worker(void *arg)
{
    run *r = ((worker_arg *)arg)->r;
    ahead ah = {NULL, ((worker_arg *)arg)->id};
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (r->open_from < r->next && r->tasks[r->open_from].complete)
            r->open_from++;
        /* the earliest archive with members to hand out first: its
         * members are written first */
        task *a = NULL;
        bool open = false;
        for (size_t i = r->open_from; i < r->next && !a; i++) {
            task *t = &r->tasks[i];
            /* a task not complete may still hand out members: one just
             * taken is not open yet (a second worker used to leave a
             * lone archive to the first) */
            open |= !t->complete;
            if (t->b && !t->busy)
                a = t;
        }
        if (a) {
            a->busy = true;
            pthread_mutex_unlock(&r->mu);
            take_member(r, a, &ah);
        } else if (r->next < r->n) {
            task *t = &r->tasks[r->next++];
            pthread_mutex_unlock(&r->mu);
            start_task(r, t, &ah);
        } else if (open) { /* a member is being read, or the archive
                              opened: the next one soon */
            pthread_cond_wait(&r->cv, &r->mu);
            continue;
        } else {
            break;
        }
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    free(ah.buf);
    return NULL;
}

/* -j: `jobs` workers, this thread one of them; every unit is written by
 * the time they are all done. */
static int run_parallel(run *r, unsigned jobs)
{
    pthread_t th[MAX_JOBS];
    worker_arg args[MAX_JOBS];
    unsigned n = jobs > MAX_JOBS ? MAX_JOBS : jobs;
    unsigned started = 1;
    for (size_t i = 0; i < r->n; i++)
        r->tasks[i].tail = &r->tasks[i].units;
    ob_flush(&ob_stdout); /* what came before (the page's head) first */
    r->printer_tty = ob_stdout.tty;
    for (unsigned i = 0; i < n; i++)
        args[i] = (worker_arg){r, i};
    for (; started < n; started++)
        if (pthread_create(&th[started], NULL, worker, &args[started]) != 0)
            break;
    worker(&args[0]);
    for (unsigned i = 1; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_lock(&r->mu);
    r->writer_stop = true;
    pthread_cond_signal(&r->writer_cv);
    pthread_mutex_unlock(&r->mu);
    if (r->writer_on)
        pthread_join(r->writer, NULL);
    for (unsigned i = 0; i < n; i++)
        free_written(r, i, NULL);
    while (r->spares) {
        spilled *c = r->spares;
        r->spares = c->next;
        free(c->buf);
        free(c);
    }
    return r->status;
}

int cmd_analyze(int argc, char **argv, const cli_opts *co)
{
    cli_opts opts = *co;
    const cli_opts *o = &opts;
    start_loading_rules(&opts);
    run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    pthread_cond_init(&r.writer_cv, NULL);
    r.spilled_tail = &r.spilled_head;
    int status = EXIT_CLEAN;
    if (list_inputs(&r, argc, argv) < 0 ||
        (o->files_from && files_from(&r, o) < 0)) {
        ob_puts(&ob_stderr, "ldrsnap: error: out of memory listing the "
                            "inputs\n");
        status = EXIT_TROUBLE;
    }
    progress_start(&r, o);
    /* a second thread per input when the cores outnumber the inputs */
    opts.threaded = o->jobs >= 2 * r.n;
    opts.lone = r.n == 1;
    bool page = o->format == FMT_HTML;
    if (page) { /* the page begins once the rules are known good */
        if (rules_loaded(&opts) < 0)
            status = EXIT_RULES;
        else
            html_begin(&ob_stdout, r.n);
    }
    if (status == EXIT_RULES) {
        /* nothing analyzed */
    } else if (o->jobs > 1) {
        /* the rules before any worker starts */
        if (rules_loaded(&opts) < 0)
            status = EXIT_RULES;
        else
            status = worst(status, run_parallel(&r, o->jobs));
    } else {
        opts.rules_wait = &opts; /* the first task waits for them */
        for (size_t i = 0; i < r.n && status != EXIT_RULES; i++) {
            unit u = {.t = &r.tasks[i], .out = &ob_stdout,
                      .err = &ob_stderr};
            status = worst(status, analyze_task(&u, o));
            unit_done(&r, &u);
            atomic_fetch_add_explicit(&r.logs_done, 1, memory_order_relaxed);
            opts.rules_wait = NULL;
            if (ob_flush(&ob_stdout) < 0)
                break; /* said at the end (main()) */
        }
    }
    progress_end();
    if (rules_loaded(&opts) < 0) /* also when there was no input */
        status = EXIT_RULES;
    /* a run over more than one log ends with its rollup */
    if (status != EXIT_RULES && rollup_inputs(&r.total) > 1 &&
        o->cmd == CMD_ANALYZE && !ob_stdout.err) {
        if (o->format == FMT_JSONL)
            rollup_json(&ob_stdout, &r.total);
        else if (o->format == FMT_TEXT)
            rollup_text(&ob_stdout, &r.total);
        ob_flush(&ob_stdout);
    }
    if (r.oom) {
        ob_puts(&ob_stderr, "ldrsnap: error: out of memory: the rollup is "
                            "incomplete\n");
        status = worst(status, EXIT_TROUBLE);
    }
    rollup_free(&r.total);
    if (page && status != EXIT_RULES) {
        rollup_row *rows = calloc(r.n + 1, sizeof *rows);
        for (size_t i = 0; rows && i < r.n; i++) {
            rows[i] = r.tasks[i].row;
            rows[i].source = r.tasks[i].name;
        }
        html_end(&ob_stdout, rows, rows ? r.n : 0);
        free(rows);
        ob_flush(&ob_stdout);
    }
    for (size_t i = 0; i < r.n; i++) {
        free(r.tasks[i].row.dll);
        free(r.tasks[i].name);
        free(r.tasks[i].path);
        free(r.tasks[i].errmsg);
    }
    free(r.tasks);
    pthread_mutex_destroy(&r.mu);
    pthread_cond_destroy(&r.cv);
    pthread_cond_destroy(&r.writer_cv);
    ldrsnap_rules_free(loading.rules);
    /* a bad rule file: reported by load_rules(), nothing analyzed */
    return status == EXIT_RULES ? EXIT_TROUBLE : status;
}

/* ---- ldrsnap tokens ------------------------------------------------------- */

typedef struct tok_ctx {
    const cli_opts *o;
    const char *source;
} tok_ctx;

static int on_record(const ldrsnap_record *rec, void *ud)
{
    tok_ctx *c = ud;
    if (c->o->format == FMT_JSONL)
        json_record(&ob_stdout, c->source, rec);
    else
        text_record(&ob_stdout, rec);
    return ob_stdout.err ? -1 : 0; /* the output is lost: stop */
}

/* The records of one entry (a file, or an archive's member). */
static int tokens_of(ldrsnap_batch *b, const char *src, const cli_opts *o)
{
    ldrsnap_parser *p = NULL;
    tok_ctx c = {o, src};
    if (ldrsnap_parser_new(&p, NULL, on_record, &c) < 0) {
        say_error(o, &ob_stdout, &ob_stderr, src, "out of memory");
        return EXIT_TROUBLE;
    }
    char buf[65536];
    size_t got;
    int rc;
    while ((rc = ldrsnap_batch_read(b, buf, sizeof buf, &got)) == 0 && got)
        ldrsnap_parser_feed(p, buf, got);
    ldrsnap_parser_finish(p);
    ldrsnap_parser_free(p);
    if (rc < 0) {
        say_error(o, &ob_stdout, &ob_stderr, src, ldrsnap_batch_errmsg(b));
        return EXIT_TROUBLE;
    }
    return EXIT_CLEAN;
}

int cmd_tokens(int argc, char **argv, const cli_opts *o)
{
    int status = EXIT_CLEAN;
    for (int i = 0; i < argc; i++) {
        ldrsnap_batch *b = open_input(argv[i], o);
        const char *src = strcmp(argv[i], "-") ? argv[i] : "<stdin>";
        ldrsnap_entry *e;
        int rc = LDRSNAP_ENOMEM;
        while (b && (rc = ldrsnap_batch_next(b, &e)) == LDRSNAP_OK) {
            const char *name = e->member ? e->name : src;
            if (e->error) {
                say_error(o, &ob_stdout, &ob_stderr, name, input_error(b));
                status = EXIT_TROUBLE;
            } else if (!e->skipped) {
                status = worst(status, tokens_of(b, name, o));
            }
        }
        if (rc < 0) {
            say_error(o, &ob_stdout, &ob_stderr, src, ldrsnap_strerror(rc));
            status = EXIT_TROUBLE;
        }
        ldrsnap_batch_free(b);
    }
    return status;
}
