/*
 * analyzer.c - the public analyzer handle, the one place where the stages
 * meet: the parser's records go to the trace (and the rules), the
 * processes the trace ends go to the verdicts, and every result comes
 * back through the sink below, to the rules and the caller's callback.
 */
#include <stdio.h>
#include <string.h>

#include "analyzer_internal.h"
#include "pipe/pipeline_internal.h"

#define ANALYZER_MAGIC 0x4C445241u /* "LDRA" */
/* LDRSNAP_OPT_THREADED: below this, a thread costs more than it saves */
#define PIPE_AFTER_BYTES (1u << 20)
/* Pulled input comes in reads of up to PULL_READ: one of this much says
 * the input is large, and the thread starts with it (waiting for a whole
 * MiB would analyze the first read, often the input's first 256 KiB that
 * a reader kept from sniffing, on one thread). */
#define PULL_PIPE_AFTER_BYTES (64u << 10)
/* ldrsnap_analyzer_buffer() without a tokenizer thread */
#define FEED_ROOM (1u << 20)
/* ldrsnap_analyzer_pull() without a tokenizer thread reads no more than
 * this at a time: the bytes read() has just copied are still in this
 * core's L2 cache (2 MiB here) when the parser reads them, with the items
 * and strings it writes beside them.  One thread, the 200 MB capture,
 * --json -j 1, perf stat task-clock, 11 runs of each alternated: reads
 * of 1 MiB 502 ms (median), 512 KiB 495, 256 KiB 492; 128 KiB took more
 * than 256 in another series (docs/PERFORMANCE.md, seventh round); the
 * tokenizer thread's reads (pipeline.c, BLOCK_BYTES) are 256 KiB too. */
#define PULL_READ (256u << 10)

enum { A_OPEN, A_FINISHED, A_FAILED };

static bool valid(const ldrsnap_analyzer *a)
{
    return a && a->magic == ANALYZER_MAGIC;
}

/* ---- the sink: results of the trace, the verdicts and the rules ------- */

static int event(ldrsnap_analyzer *a, const ldrsnap_event *ev)
{
    if (a->cb && a->cb(ev, a->ud) != 0)
        return a->cb_rc = LDRSNAP_ECALLBACK;
    return LDRSNAP_OK;
}

static int sink_signature(void *ctx, const ldrsnap_signature *sig)
{
    ldrsnap_event ev = {LDRSNAP_EV_SIGNATURE, NULL, NULL, sig};
    return event(ctx, &ev);
}

/* A failure may complete a rule's sequence (noise never does). */
static int sink_failure(void *ctx, const ldrsnap_failure *f)
{
    ldrsnap_analyzer *a = ctx;
    if (a->rx && f->role != LDRSNAP_ROLE_NOISE) {
        int rc = ldrsnap__rx_failure(a->rx, f, &a->sink);
        if (rc != 0)
            return rc;
    }
    ldrsnap_event ev = {LDRSNAP_EV_FAILURE, f, NULL, NULL};
    return event(a, &ev);
}

static int sink_rule_limit(void *ctx, const ldrsnap_signature *sig)
{
    ldrsnap_event ev = {LDRSNAP_EV_RULE_LIMIT, NULL, NULL, sig};
    return event(ctx, &ev);
}

static int sink_process_end(void *ctx, const ldrsnap_process *p)
{
    ldrsnap_event ev = {LDRSNAP_EV_PROCESS_END, NULL, NULL, NULL, NULL, NULL,
                        NULL, p};
    return event(ctx, &ev);
}

static int sink_exception(void *ctx, const ldrsnap_exception *e)
{
    ldrsnap_event ev = {LDRSNAP_EV_EXCEPTION, NULL, e, NULL};
    return event(ctx, &ev);
}

/* ---- records ----------------------------------------------------------- */

/* Judge the processes the trace has ended, first ended first. */
static int judge_ended(ldrsnap_analyzer *a)
{
    int rc = LDRSNAP_OK;
    for (ls_proc *p; (p = ldrsnap__trace_ended(a->trace));) {
        if (rc == LDRSNAP_OK)
            rc = ldrsnap__verdict_process(a->verdicts, a->trace, p,
                                          &a->sink);
        ldrsnap__trace_release(a->trace, p);
    }
    return rc;
}

/* The trace, and the verdicts of the processes it ends; a record that
 * had to end a process first is offered again once it is judged. */
static int trace(ldrsnap_analyzer *a, const ldrsnap_record *rec,
                 const ls_note *note)
{
    int rc;
    do {
        rc = ldrsnap__trace_record(a->trace, rec, note, &a->sink);
        if (rc >= 0 && ldrsnap__trace_has_ended(a->trace)) {
            int vrc = judge_ended(a);
            if (vrc != 0)
                return vrc;
        }
    } while (rc == LS_TRACE_AGAIN);
    return rc;
}

/* The process and thread rules scope a record to: its own, or for XP
 * lines that name none, the last the XP stream named. */
static rx_where where_of(const ldrsnap_analyzer *a, const ldrsnap_record *rec)
{
    rx_where w = {rec->pid, rec->tid, (rec->flags & LDRSNAP_RF_PID) != 0,
                  (rec->flags & LDRSNAP_RF_TID) != 0};
    uint32_t pid, tid;
    if (!w.has_pid && rec->dialect == LDRSNAP_D_XP &&
        ldrsnap__trace_xp_context(a->trace, &pid, &tid)) {
        w.pid = pid, w.tid = tid;
        w.has_pid = w.has_tid = true;
    }
    return w;
}

/* The rules on a record that ldrsnap__rx_wants() said they have to do
 * with: out of line, with ldrsnap__rx_run() and where_of() inline in it. */
static LS_NOINLINE int rules_run(ldrsnap_analyzer *a,
                                 const ldrsnap_record *rec,
                                 const ls_note *note)
{
    rx_where w = where_of(a, rec);
    return ldrsnap__rx_run(a->rx, rec, note, &w, &a->sink);
}

/* The rules, on a record the trace has taken: most records end at the
 * gate (no rule can start on them, no literal, nothing under way), before
 * their process and thread are looked up. */
static LS_NOINLINE int rules(ldrsnap_analyzer *a, const ldrsnap_record *rec,
                             const ls_note *note)
{
    return ldrsnap__rx_wants(a->rx, rec, note) ? rules_run(a, rec, note)
                                                : LDRSNAP_OK;
}

/* A record from the parser, or from the tokenizer thread, with what was
 * learnt of it there: the trace, then the rules. */
static int on_record(void *ctx, const ldrsnap_record *rec,
                     const ls_note *learnt)
{
    ldrsnap_analyzer *a = ctx;
    if (a->rec_cb && a->rec_cb(rec, a->rec_ud) != 0)
        return a->cb_rc = LDRSNAP_ECALLBACK;
    const ls_note *note = learnt;
    ls_note known;
    if (!learnt->has_fid && rec->function) { /* the id, worked out here */
        known = *learnt;
        known.fid = ldrsnap__func_id(rec->function, strlen(rec->function),
                                     &known.fflags);
        known.has_fid = true;
        note = &known;
    }
    int rc = trace(a, rec, note);
    /* a compact item no rule can start on, nor find a literal in, while
     * no sequence is under way: the rules have nothing to do with it */
    if (rc == 0 && a->rx && note->gated && !note->rules_may &&
        !note->watched && !ldrsnap__rx_busy(a->rx))
        return a->cb_rc;
    if (rc == 0 && a->rx)
        rc = rules(a, rec, note);
    return rc < 0 ? rc : a->cb_rc;
}

/* A usual ENTER or RETURN item (most of a log), from the tokenizer
 * thread or the parser on this one: its fields straight to the trace
 * (ldrsnap__trace_call()), its record built only for the record callback
 * or the rules; the same answers as on_record() of that record (test_engine.c
 * compares with LS_OPT_NO_FAST_ANALYSIS, which leaves this way out).  A
 * function with no id, or a record a rule could start on or read a
 * watched byte of, or one that comes while a rule's sequence is under
 * way, goes as a record. */
static int on_usual(void *ctx, const ls_item *it, const char *mem,
                    const ls_item_ctx *cx)
{
    ldrsnap_analyzer *a = ctx;
    const ls_usual *pl = &it->u.usual;
    const char *w = mem + pl->at;
    size_t n = it->len, pos = pl->pos, f = pos + pl->head;
    unsigned fflags, fid = ldrsnap__func_id(w + f, pl->fl, &fflags);
    ldrsnap_record built;
    ls_note note;
    const ldrsnap_record *rec = NULL;
    bool enter = pl->level == LDRSNAP_L_ENTER;
    size_t dll = ls_usual_dll(pl);
    /* an ENTER a rule could start on by its shape whose DLL name holds
     * none of the needles its rules look for there goes this way too
     * (LdrpMinimalMapModule's lines, for the two rules on its names) */
    if (fid == LS_FID_UNKNOWN ||
        (a->rx && ((ls_usual_may(pl, fid, &cx->gate) &&
                    (!enter || ldrsnap__rx_enter_may(a->rx, fid, w + dll,
                                                     n - dll))) ||
                   ls_usual_watched(it, w, fid, cx) ||
                   ldrsnap__rx_busy(a->rx))))
        return on_record(
            a, ls_usual_decode_fid(it, mem, &built, &note, cx, fid, fflags),
            &note);
    if (a->rec_cb) {
        rec = ls_usual_decode_fid(it, mem, &built, &note, cx, fid, fflags);
        if (a->rec_cb(rec, a->rec_ud) != 0)
            return a->cb_rc = LDRSNAP_ECALLBACK;
    }
    ls_call c = {pl->line,
                 w + pos,
                 ldrsnap__fid_names[fid],
                 enter ? w + dll : NULL,
                 enter ? n - dll : 0,
                 w,
                 pos ? ls_prefix_image(w, n, pos) : 0,
                 pl->pid,
                 pl->tid,
                 enter ? 0 : pl->status,
                 fid,
                 fflags,
                 (ldrsnap_level)pl->level,
                 !enter,
                 pl->form != LS_FORM_LONG};
    int rc;
    do {
        rc = ldrsnap__trace_call(a->trace, &c, &a->sink);
        if (rc >= 0 && ldrsnap__trace_has_ended(a->trace)) {
            int vrc = judge_ended(a);
            if (vrc != 0)
                return vrc;
        }
    } while (rc == LS_TRACE_AGAIN);
    if (rc == 0 && a->rx && ldrsnap__rx_busy(a->rx)) {
        /* a failure it gave started a rule's sequence: the rules read it */
        if (!rec)
            rec = ls_usual_decode_fid(it, mem, &built, &note, cx, fid, fflags);
        rc = rules(a, rec, &note);
    }
    return rc < 0 ? rc : a->cb_rc;
}

static int set_rules(ldrsnap_analyzer *a, const ldrsnap_rules *rules)
{
    if (a->state != A_OPEN || a->parser.text.in_bytes)
        return LDRSNAP_EMISUSE;
    ldrsnap__rx_free(a->rx);
    a->rx = NULL;
    ldrsnap__gate_build(&a->gate, rules);
    if (!a->gate.on) { /* nothing to match: no per-record cost */
        ldrsnap__text_watch(&a->parser.text, NULL, 0);
        ldrsnap__parser_gate(&a->parser, NULL);
        return LDRSNAP_OK;
    }
    /* The gate tells the parser which records a rule could start on, and
     * the bytes to check a compact item's names for (where the rest of
     * the line is a frame without them), on either thread.  Without
     * compact items on one thread, lines lacking every literal's rarest
     * byte are told apart as their chunk is checked for ASCII instead:
     * their records skip the literal scan.  (A pass of its own over every
     * chunk measured slower than the names' checks: on one thread, r20,
     * 421.3M against 405.2M instructions.) */
    if (!a->threaded && (a->parser.flags & LS_OPT_NO_COMPACT)) {
        ldrsnap__text_watch(&a->parser.text, a->gate.line_bytes,
                            a->gate.nline_bytes);
        ldrsnap__parser_gate(&a->parser, NULL);
    } else {
        ldrsnap__text_watch(&a->parser.text, NULL, 0);
        ldrsnap__parser_gate(&a->parser, &a->gate);
    }
    return ldrsnap__rx_new(&a->rx, &a->al, rules, !a->slow);
}

int ldrsnap_analyzer_new(ldrsnap_analyzer **out, const ldrsnap_options *opts,
                         ldrsnap_event_cb cb, void *userdata)
{
    if (!out)
        return LDRSNAP_EINVAL;
    *out = NULL;
    ls_alloc al;
    int rc;
    ldrsnap_analyzer *a = ldrsnap__handle_alloc(opts, sizeof *a, &al, &rc);
    if (!a)
        return rc;
    a->magic = ANALYZER_MAGIC;
    a->al = al;
    a->cb = cb;
    a->ud = userdata;
    a->quiet_noise = !cb || (opts && (opts->flags & LDRSNAP_OPT_QUIET_NOISE));
    a->threaded = opts && (opts->flags & LDRSNAP_OPT_THREADED);
    a->slow = opts && (opts->flags & LS_OPT_NO_FAST_ANALYSIS);
    a->sink = (ls_sink){sink_failure, sink_exception, sink_signature, a,
                        sink_rule_limit, NULL};
    if (cb && opts && (opts->flags & LDRSNAP_OPT_PROCESS_EVENTS))
        a->sink.process_end = sink_process_end;
    if ((rc = ldrsnap__trace_new(&a->trace, &a->al, a->quiet_noise)) != 0 ||
        (rc = ldrsnap__verdicts_new(&a->verdicts, &a->al)) != 0) {
        ldrsnap__trace_free(a->trace);
        ldrsnap__free(&al, a);
        return rc;
    }
    if (a->slow) {
        ldrsnap__trace_general(a->trace);
        ldrsnap__verdicts_general_sort(a->verdicts);
    }
    if (opts && (opts->flags & LDRSNAP_OPT_FEW_VERDICTS))
        ldrsnap__verdicts_keep(a->verdicts, LDRSNAP_FEW_VERDICTS);
    ldrsnap__parser_init(&a->parser, opts, on_record, a);
    if (!a->slow)
        a->parser.usual = on_usual;
    *out = a;
    return LDRSNAP_OK;
}

void ldrsnap__analyzer_pipe_after(ldrsnap_analyzer *a, size_t bytes)
{
    if (valid(a))
        a->pipe_after = bytes ? bytes : 1;
}

static int set_record_cb(ldrsnap_analyzer *a, ldrsnap_record_cb cb,
                         void *userdata)
{
    if (a->state != A_OPEN)
        return LDRSNAP_EMISUSE;
    a->rec_cb = cb;
    a->rec_ud = userdata;
    return LDRSNAP_OK;
}

static int fail(ldrsnap_analyzer *a, int rc)
{
    ldrsnap__pipe_free(a->pipe); /* the caller's buffer is theirs again */
    a->pipe = NULL;
    a->state = A_FAILED;
    snprintf(a->errmsg, sizeof a->errmsg, "%s", ldrsnap_strerror(rc));
    return rc;
}

static int feed(ldrsnap_analyzer *a, const void *buf, size_t len)
{
    if (a->state != A_OPEN)
        return LDRSNAP_EMISUSE;
    if (!buf && len)
        return LDRSNAP_EINVAL;
    if (!len) /* feed(NULL, 0) is a valid empty chunk */
        return LDRSNAP_OK;
    if (buf != a->room)
        a->room = NULL; /* a room given out is stale once bytes go by */
    size_t after = a->pipe_after  ? a->pipe_after
                   : a->pulling   ? PULL_PIPE_AFTER_BYTES
                                  : PIPE_AFTER_BYTES;
    if (a->threaded && !a->pipe && a->parser.text.in_bytes + len >= after &&
        ldrsnap__pipe_start(&a->pipe, &a->al, &a->parser, on_record,
                            a->parser.usual, a) != 0)
        a->threaded = false; /* no thread: go on with one */
    int rc = a->pipe ? ldrsnap__pipe_feed(a->pipe, buf, len)
                     : ldrsnap__parser_feed(&a->parser, buf, len);
    return rc != 0 ? fail(a, rc) : LDRSNAP_OK;
}

static int buffer(ldrsnap_analyzer *a, void **buf, size_t *cap)
{
    if (a->state != A_OPEN || !buf || !cap)
        return a->state == A_OPEN ? LDRSNAP_EINVAL : LDRSNAP_EMISUSE;
    if (a->pipe) {
        int rc = ldrsnap__pipe_room(a->pipe, buf, cap);
        if (rc != 0)
            return fail(a, rc);
        a->room = *buf;
        a->room_cap = *cap;
        a->room_in_pipe = true;
        return LDRSNAP_OK;
    }
    if (!a->inbuf && !(a->inbuf = ldrsnap__malloc(&a->al, FEED_ROOM)))
        return LDRSNAP_ENOMEM;
    *buf = a->room = a->inbuf;
    *cap = a->room_cap = FEED_ROOM;
    a->room_in_pipe = false;
    return LDRSNAP_OK;
}

static int commit(ldrsnap_analyzer *a, size_t len)
{
    if (a->state != A_OPEN || !a->room)
        return LDRSNAP_EMISUSE;
    if (len > a->room_cap)
        return LDRSNAP_EINVAL;
    void *room = a->room;
    a->room = NULL;
    if (!a->room_in_pipe) /* the scratch room: fed (and copied, should a
                             tokenizer thread start now) as any bytes */
        return feed(a, room, len);
    int rc = ldrsnap__pipe_commit(a->pipe, len);
    return rc != 0 ? fail(a, rc) : LDRSNAP_OK;
}

static int pull(ldrsnap_analyzer *a, ldrsnap_read_fn read, void *ctx)
{
    if (a->state != A_OPEN)
        return LDRSNAP_EMISUSE;
    if (!read)
        return LDRSNAP_EINVAL;
    for (;;) {
        if (a->pipe) {
            int read_rc;
            int rc = ldrsnap__pipe_pull(a->pipe, read, ctx, &read_rc);
            if (rc == 0 && read_rc < 0)
                a->summary.truncated = 1; /* the input ended early */
            return rc != 0 ? fail(a, rc) : read_rc;
        }
        void *buf;
        size_t cap, got = 0;
        int rc = buffer(a, &buf, &cap);
        if (rc == 0 && !a->pipe && cap > PULL_READ)
            cap = PULL_READ;
        if (rc == 0)
            rc = read(ctx, buf, cap, &got);
        if (rc == 0 && got > cap)
            rc = LDRSNAP_EINVAL; /* more than it was given room for */
        if (rc != 0 || !got) {
            a->room = NULL;
            if (rc < 0)
                a->summary.truncated = 1; /* the input ended early */
            return rc;
        }
        a->pulling = true;
        rc = commit(a, got);
        a->pulling = false;
        if (rc != 0)
            return rc;
    }
}

static const char *dialect_of(const ldrsnap_analyzer *a)
{
    const ls_trace_counts *n = ldrsnap__trace_counts(a->trace);
    if (n->vista_records && n->xp_records)
        return "mixed";
    if (n->vista_records)
        return "vista";
    if (n->xp_records)
        return "xp";
    return "none";
}

static int finish(ldrsnap_analyzer *a)
{
    if (a->state != A_OPEN)
        return LDRSNAP_EMISUSE;
    a->room = NULL;
    int rc;
    if (a->pipe) {
        rc = ldrsnap__pipe_finish(a->pipe);
        ldrsnap__pipe_free(a->pipe);
        a->pipe = NULL;
    } else {
        rc = ldrsnap__parser_finish(&a->parser);
    }
    if (rc == 0) {
        ldrsnap__trace_end(a->trace);
        rc = judge_ended(a);
    }
    if (rc != 0)
        return fail(a, rc);
    ldrsnap_summary *s = &a->summary;
    const ls_trace_counts *n = ldrsnap__trace_counts(a->trace);
    s->verdicts = ldrsnap__verdicts(a->verdicts, &s->n_verdicts);
    s->lines = a->parser.text.lineno;
    s->bytes = a->parser.text.in_bytes;
    s->dialect = dialect_of(a);
    s->encoding = ldrsnap__text_encoding(&a->parser.text);
    s->processes = n->procs_seen;
    s->loader_lines = n->vista_records + n->xp_records;
    s->host_lines = n->host_records;
    s->program = n->program;
    s->failures = n->failures;
    s->noise = n->noise;
    s->handled = ldrsnap__verdicts_handled(a->verdicts);
    s->verdicts_dropped = ldrsnap__verdicts_dropped(a->verdicts);
    s->exceptions = n->exceptions;
    s->signatures = ldrsnap__rx_count(a->rx);
    a->state = A_FINISHED;
    return LDRSNAP_OK;
}

const ldrsnap_summary *ldrsnap_analyzer_summary(const ldrsnap_analyzer *a)
{
    return valid(a) && a->state == A_FINISHED ? &a->summary : NULL;
}

const char *ldrsnap_analyzer_errmsg(const ldrsnap_analyzer *a)
{
    return valid(a) ? a->errmsg : "invalid analyzer handle";
}

void ldrsnap_analyzer_free(ldrsnap_analyzer *a)
{
    if (!valid(a) || a->busy) /* not from inside its own callbacks */
        return;
    ls_alloc al = a->al;
    ldrsnap__pipe_free(a->pipe);
    ldrsnap__free(&al, a->inbuf);
    ldrsnap__trace_free(a->trace);
    ldrsnap__verdicts_free(a->verdicts);
    ldrsnap__rx_free(a->rx);
    ldrsnap__parser_fini(&a->parser);
    a->magic = 0;
    ldrsnap__free(&al, a);
}

/* ---- public entry points: none from inside the analyzer's callbacks
 * (the analyzer is in the middle of a record, or of a verdict) --------- */

static int reentered(ldrsnap_analyzer *a, const char *fn)
{
    snprintf(a->errmsg, sizeof a->errmsg,
             "%s() called from inside a callback of the same analyzer", fn);
    return LDRSNAP_EMISUSE;
}

#define GUARDED(fn, call)                                                     \
    do {                                                                      \
        if (!valid(a))                                                        \
            return LDRSNAP_EMISUSE;                                           \
        if (a->busy)                                                          \
            return reentered(a, fn);                                          \
        a->busy = true;                                                       \
        int rc_ = (call);                                                     \
        a->busy = false;                                                      \
        return rc_;                                                           \
    } while (0)

int ldrsnap_analyzer_set_rules(ldrsnap_analyzer *a,
                               const ldrsnap_rules *rules)
{
    GUARDED("ldrsnap_analyzer_set_rules", set_rules(a, rules));
}

int ldrsnap_analyzer_set_record_cb(ldrsnap_analyzer *a, ldrsnap_record_cb cb,
                                   void *userdata)
{
    GUARDED("ldrsnap_analyzer_set_record_cb", set_record_cb(a, cb, userdata));
}

int ldrsnap_analyzer_feed(ldrsnap_analyzer *a, const void *buf, size_t len)
{
    GUARDED("ldrsnap_analyzer_feed", feed(a, buf, len));
}

int ldrsnap_analyzer_buffer(ldrsnap_analyzer *a, void **buf, size_t *cap)
{
    GUARDED("ldrsnap_analyzer_buffer", buffer(a, buf, cap));
}

int ldrsnap_analyzer_commit(ldrsnap_analyzer *a, size_t len)
{
    GUARDED("ldrsnap_analyzer_commit", commit(a, len));
}

int ldrsnap_analyzer_pull(ldrsnap_analyzer *a, ldrsnap_read_fn read,
                          void *ctx)
{
    GUARDED("ldrsnap_analyzer_pull", pull(a, read, ctx));
}

int ldrsnap_analyzer_finish(ldrsnap_analyzer *a)
{
    GUARDED("ldrsnap_analyzer_finish", finish(a));
}
