/*
 * fuzz_api.c - libFuzzer target for the public API as a careless caller
 * uses it: the input chooses the options (flags, max_line from 256 to
 * SIZE_MAX), when the tokenizer thread starts, how the bytes come in
 * (feed() in chunks of its sizes, feed(NULL, 0), buffer() and commit(),
 * pull()), and a call the callbacks make back into the analyzer or the
 * parser (every one must be refused).  Whatever the way, the records,
 * events and summary must be those of one plain feed of the same bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldrsnap.h>

/* lib/analyzer_internal.h: start the tokenizer thread after `bytes` */
void ldrsnap__analyzer_pipe_after(ldrsnap_analyzer *a, size_t bytes);

#define CHECK(x)                                                              \
    do {                                                                      \
        if (!(x))                                                             \
            __builtin_trap();                                                 \
    } while (0)

/* FNV-1a over what a run gives, in order. */
static void mix(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ b[i]) * 0x100000001B3ull;
}

static void mix_str(uint64_t *h, const char *s)
{
    if (s)
        mix(h, s, strlen(s) + 1);
    else
        mix(h, "\xff", 1);
}

static void mix_num(uint64_t *h, uint64_t v)
{
    mix(h, &v, sizeof v);
}

enum { RE_NONE, RE_FEED, RE_FINISH, RE_BUFFER, RE_COMMIT, RE_PULL,
       RE_RULES, RE_RECORD_CB, RE_FREE, RE_COUNT };

typedef struct run {
    uint64_t h;
    ldrsnap_analyzer *a;
    const ldrsnap_rules *rules;
    unsigned reenter;      /* RE_* */
    bool from_event;       /* else from the record callback */
    /* the input, for pull() */
    const uint8_t *data;
    size_t size, at;
    const uint8_t *sizes;
    size_t nsizes, next;
} run;

static int no_read(void *ctx, void *buf, size_t cap, size_t *got)
{
    (void)ctx, (void)buf, (void)cap;
    *got = 0;
    return 0;
}

static int dummy_record(const ldrsnap_record *r, void *ud)
{
    (void)r, (void)ud;
    return 0;
}

/* A call back into the analyzer: refused, and nothing changes. */
static void call_back_in(run *x)
{
    ldrsnap_analyzer *a = x->a;
    void *room;
    size_t cap;
    int rc = LDRSNAP_EMISUSE;
    switch (x->reenter) {
    case RE_NONE:
        return;
    case RE_FEED:
        rc = ldrsnap_analyzer_feed(a, "x\n", 2);
        break;
    case RE_FINISH:
        rc = ldrsnap_analyzer_finish(a);
        break;
    case RE_BUFFER:
        rc = ldrsnap_analyzer_buffer(a, &room, &cap);
        break;
    case RE_COMMIT:
        rc = ldrsnap_analyzer_commit(a, 0);
        break;
    case RE_PULL:
        rc = ldrsnap_analyzer_pull(a, no_read, NULL);
        break;
    case RE_RULES:
        rc = ldrsnap_analyzer_set_rules(a, NULL);
        break;
    case RE_RECORD_CB:
        rc = ldrsnap_analyzer_set_record_cb(a, dummy_record, NULL);
        break;
    case RE_FREE:
        ldrsnap_analyzer_free(a);
        break;
    }
    CHECK(rc == LDRSNAP_EMISUSE);
    CHECK(ldrsnap_analyzer_summary(a) == NULL);
}

static int on_record(const ldrsnap_record *r, void *ud)
{
    run *x = ud;
    const uint64_t nums[] = {r->dialect, r->msg,    r->level, r->flags,
                             r->line,    r->offset, r->pid,   r->tid,
                             r->tick,    r->status, r->base,  r->end};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        mix_num(&x->h, nums[i]);
    const char *strs[] = {r->text, r->function, r->message, r->dll,
                          r->dll_path, r->parent, r->symbol, r->image};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        mix_str(&x->h, strs[i]);
    if (x->a && !x->from_event)
        call_back_in(x);
    return 0;
}

static int on_event(const ldrsnap_event *ev, void *ud)
{
    run *x = ud;
    mix_num(&x->h, ev->type);
    if (ev->type == LDRSNAP_EV_FAILURE) {
        mix_num(&x->h, ev->failure->line);
        mix_num(&x->h, ev->failure->role);
        mix_str(&x->h, ev->failure->dll);
        for (size_t i = 0; i < ev->failure->chain_len; i++)
            mix_str(&x->h, ev->failure->chain[i]);
    } else if (ev->type == LDRSNAP_EV_SIGNATURE) {
        mix_str(&x->h, ev->signature->title);
    }
    if (x->a && x->from_event)
        call_back_in(x);
    return 0;
}

/* The next chunk size the input chose (0 allowed). */
static size_t next_size(run *x)
{
    if (!x->nsizes)
        return x->size;
    uint8_t b = x->sizes[x->next++ % x->nsizes];
    return b < 200 ? b : (size_t)(b - 199) * 997;
}

static int pull_read(void *ctx, void *buf, size_t cap, size_t *got)
{
    run *x = ctx;
    size_t n = next_size(x);
    if (n == 0 && x->at < x->size)
        n = 1; /* 0 bytes would end the input */
    n = n < cap ? n : cap;
    n = n < x->size - x->at ? n : x->size - x->at;
    memcpy(buf, x->data + x->at, n);
    x->at += n;
    *got = n;
    return 0;
}

static void summary(run *x)
{
    const ldrsnap_summary *s = ldrsnap_analyzer_summary(x->a);
    CHECK(s != NULL);
    const uint64_t nums[] = {s->lines,    s->bytes,      s->processes,
                             s->failures, s->noise,      s->handled,
                             s->exceptions, s->signatures, s->n_verdicts};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        mix_num(&x->h, nums[i]);
    mix_str(&x->h, s->dialect);
    mix_str(&x->h, s->encoding);
}

/* One plain feed of everything, on one thread, no calls back in. */
static uint64_t reference(const ldrsnap_options *opts,
                          const ldrsnap_rules *rules, const uint8_t *data,
                          size_t size)
{
    run x;
    memset(&x, 0, sizeof x);
    ldrsnap_options o = *opts;
    o.flags &= ~LDRSNAP_OPT_THREADED;
    ldrsnap_analyzer *a;
    CHECK(ldrsnap_analyzer_new(&a, &o, on_event, &x) == 0);
    CHECK(ldrsnap_analyzer_set_record_cb(a, on_record, &x) == 0);
    CHECK(ldrsnap_analyzer_set_rules(a, rules) == 0);
    CHECK(ldrsnap_analyzer_feed(a, data, size) == 0);
    CHECK(ldrsnap_analyzer_finish(a) == 0);
    x.a = a;
    summary(&x);
    ldrsnap_analyzer_free(a);
    return x.h;
}

/* The public parser: chunks of the chosen sizes, a call back in. */
static int parser_record(const ldrsnap_record *r, void *ud)
{
    (void)r;
    ldrsnap_parser *p = *(ldrsnap_parser **)ud;
    CHECK(ldrsnap_parser_feed(p, "x\n", 2) == LDRSNAP_EMISUSE);
    CHECK(ldrsnap_parser_finish(p) == LDRSNAP_EMISUSE);
    ldrsnap_parser_free(p); /* refused */
    return 0;
}

static void parser_run(const ldrsnap_options *o, run *x)
{
    ldrsnap_parser *p;
    if (ldrsnap_parser_new(&p, o, parser_record, &p) != 0)
        return;
    CHECK(ldrsnap_parser_feed(p, NULL, 0) == 0);
    for (x->at = 0, x->next = 0; x->at < x->size;) {
        size_t n = next_size(x);
        n = n < x->size - x->at ? n : x->size - x->at;
        n = n ? n : 1;
        CHECK(ldrsnap_parser_feed(p, x->data + x->at, n) == 0);
        x->at += n;
    }
    CHECK(ldrsnap_parser_finish(p) == 0);
    CHECK(ldrsnap_parser_feed(p, "x", 1) == LDRSNAP_EMISUSE);
    ldrsnap_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ldrsnap_rules *rules;
    if (!rules && ldrsnap_rules_new(&rules, NULL, 0) != 0)
        __builtin_trap();
    if (size < 6)
        return 0;
    static const size_t max_lines[] = {0,    256,  300,     1000,
                                       4096, 1u << 20, (1u << 20) + 1,
                                       SIZE_MAX / 2, SIZE_MAX};
    static const size_t afters[] = {0, 1, 7, 100, 4096};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags = data[0] & 0xF; /* wrap join, glue split, quiet, threaded */
    o.max_line = max_lines[data[1] % (sizeof max_lines / sizeof *max_lines)];
    size_t after = afters[data[2] % (sizeof afters / sizeof *afters)];
    unsigned how = data[3] % 3; /* feed, buffer + commit, pull */
    run x;
    memset(&x, 0, sizeof x);
    x.reenter = data[4] % RE_COUNT;
    x.from_event = data[4] & 0x80;
    bool with_rules = data[0] & 0x10;
    x.nsizes = data[5] % 8;
    if (size < 6 + x.nsizes)
        return 0;
    x.sizes = data + 6;
    x.data = data + 6 + x.nsizes;
    x.size = size - 6 - x.nsizes;
    x.rules = with_rules ? rules : NULL;

    if (data[0] & 0x20) {
        parser_run(&o, &x);
        return 0;
    }
    uint64_t want = reference(&o, x.rules, x.data, x.size);

    ldrsnap_analyzer *a;
    CHECK(ldrsnap_analyzer_new(&a, &o, on_event, &x) == 0);
    if (after)
        ldrsnap__analyzer_pipe_after(a, after);
    CHECK(ldrsnap_analyzer_set_record_cb(a, on_record, &x) == 0);
    CHECK(ldrsnap_analyzer_set_rules(a, x.rules) == 0);
    x.a = a;
    CHECK(ldrsnap_analyzer_feed(a, NULL, 0) == 0);
    if (how == 2) {
        CHECK(ldrsnap_analyzer_pull(a, pull_read, &x) == 0);
    } else {
        while (x.at < x.size) {
            size_t n = next_size(&x);
            n = n < x.size - x.at ? n : x.size - x.at;
            if (!n) { /* an empty chunk, then on */
                CHECK(ldrsnap_analyzer_feed(a, NULL, 0) == 0);
                n = 1;
            }
            if (how == 0) {
                CHECK(ldrsnap_analyzer_feed(a, x.data + x.at, n) == 0);
            } else {
                void *room;
                size_t cap;
                CHECK(ldrsnap_analyzer_buffer(a, &room, &cap) == 0);
                CHECK(cap >= 4096);
                n = n < cap ? n : cap;
                memcpy(room, x.data + x.at, n);
                CHECK(ldrsnap_analyzer_commit(a, n) == 0);
                CHECK(ldrsnap_analyzer_commit(a, 0) == LDRSNAP_EMISUSE);
            }
            x.at += n;
        }
    }
    CHECK(ldrsnap_analyzer_finish(a) == 0);
    CHECK(ldrsnap_analyzer_feed(a, "x", 1) == LDRSNAP_EMISUSE);
    CHECK(ldrsnap_analyzer_finish(a) == LDRSNAP_EMISUSE);
    summary(&x);
    ldrsnap_analyzer_free(a);
    CHECK(x.h == want); /* the same whatever the way */
    return 0;
}
