/*
 * fuzz_analyze.c - libFuzzer target: any bytes through the analyzer with
 * the built-in rules, split into two chunks at a point the input chooses,
 * through the whole matrix of ways (test_engine.c's): {one thread,
 * tokenizer thread (started with the first chunk or the second)} x
 * {every line the general way (LS_OPT_NO_FAST_LINES), fast lines, fast
 * lines without compact items (LS_OPT_NO_COMPACT), without a prefix's
 * runs (LS_OPT_NO_RUNS), a prefix past ASCII the general way
 * (LS_OPT_NO_WIDE_PREFIX), a held 80-column line the general way
 * (LS_OPT_NO_FAST_HELD), INFO and init records after a prefix the general
 * way (LS_OPT_NO_PREFIX_ITEMS), ERROR records of the usual shapes the
 * general way (LS_OPT_NO_ERROR_ITEMS), a plain record after DebugView's
 * columns found by a search (LS_OPT_NO_COLUMNS), every failure record
 * held for a rest (LS_OPT_NO_PEEK), each usual plain record on its own,
 * not in a run's loop (LS_OPT_NO_RUN_LOOP)} x {the analyzing
 * thread's fast ways, its general ways (LS_OPT_NO_FAST_ANALYSIS)} x
 * {scalar, sse2, avx2 kernels, those this CPU has}: every record, event
 * (each as its JSON record, every field) and summary must agree with one
 * thread, the general ways and the scalar kernels.  Two ways more run
 * without a record callback (the analyzer then builds a usual ENTER's or
 * RETURN's record only when the rules read it): their events and summary
 * must agree.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldrsnap.h>

#include "core/common.h" /* LS_OPT_NO_FAST_LINES, LS_OPT_NO_COMPACT, ... */
#include "simd/simd.h"    /* ldrsnap__simd_use() */

/* lib/analyzer_internal.h: start the tokenizer thread after `bytes` (it
 * starts after 1 MiB otherwise, and inputs here are at most 8 KiB) */
void ldrsnap__analyzer_pipe_after(ldrsnap_analyzer *a, size_t bytes);

/* FNV-1a over what the runs give, in order. */
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
        mix(h, "\xff", 1); /* NULL is not "" */
}

static void mix_num(uint64_t *h, uint64_t v)
{
    mix(h, &v, sizeof v);
}

/* What a run gives: its records, events and summary in order (all), its
 * events and summary alone (ev). */
typedef struct hashes {
    uint64_t all, ev;
} hashes;

static int on_record(const ldrsnap_record *r, void *ud)
{
    uint64_t *h = &((hashes *)ud)->all;
    const uint64_t nums[] = {r->dialect, r->msg,  r->level,      r->flags,
                             r->line,    r->offset, r->pid,      r->tid,
                             r->tick,    r->status, r->status_orig, r->base,
                             r->end,     r->address};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        mix_num(h, nums[i]);
    const char *strs[] = {r->text,    r->raw,         r->prefix,
                          r->function, r->message,    r->dll,
                          r->dll_path, r->parent,     r->symbol,
                          r->search_path, r->image};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        mix_str(h, strs[i]);
    return 0;
}

static void mix_event(uint64_t *h, const ldrsnap_event *ev)
{
    mix_num(h, ev->type);
    /* the whole event as the CLI writes it (every field of a failure,
     * exception or signature: its status, kind, paths, captures, ...) */
    static char js[1 << 16];
    size_t k = ldrsnap_event_to_json(js, sizeof js, "x", ev);
    if (k < sizeof js) {
        mix(h, js, k);
    } else { /* longer than the buffer: in a buffer of its size */
        char *big = malloc(k + 1);
        if (!big)
            __builtin_trap();
        ldrsnap_event_to_json(big, k + 1, "x", ev);
        mix(h, big, k);
        free(big);
    }
    if (ev->type == LDRSNAP_EV_FAILURE) {
        const ldrsnap_failure *f = ev->failure;
        mix_num(h, f->line);
        mix_num(h, f->role);
        mix_str(h, f->text);
        mix_str(h, f->dll);
        for (size_t i = 0; i < f->chain_len; i++)
            mix_str(h, f->chain[i]);
    } else if (ev->type == LDRSNAP_EV_SIGNATURE) {
        mix_str(h, ev->signature->title);
        mix_num(h, ev->signature->n_lines);
    }
}

static int on_event(const ldrsnap_event *ev, void *ud)
{
    hashes *hs = ud;
    mix_event(&hs->all, ev);
    mix_event(&hs->ev, ev);
    return 0;
}

/* records: with a record callback. */
static hashes run(const ldrsnap_rules *rules, const uint8_t *data,
                  size_t size, size_t cut, unsigned flags, bool records)
{
    hashes h = {0xCBF29CE484222325ull, 0xCBF29CE484222325ull};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.max_line = 300; /* small: exercise the caps */
    o.flags = flags;
    ldrsnap_analyzer *a;
    if (ldrsnap_analyzer_new(&a, &o, on_event, &h) != 0)
        return (hashes){0, 0};
    /* the thread starts with the first chunk, or with the second */
    ldrsnap__analyzer_pipe_after(a, size % 2 ? 1 : cut + 1);
    if (records)
        ldrsnap_analyzer_set_record_cb(a, on_record, &h);
    ldrsnap_analyzer_set_rules(a, rules);
    ldrsnap_analyzer_feed(a, data, cut);
    ldrsnap_analyzer_feed(a, data + cut, size - cut);
    ldrsnap_analyzer_finish(a);
    const ldrsnap_summary *s = ldrsnap_analyzer_summary(a);
    if (s) {
        const uint64_t nums[] = {s->lines,      s->bytes,   s->processes,
                                 s->failures,   s->noise,   s->handled,
                                 s->exceptions, s->signatures, s->n_verdicts};
        for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
            mix_num(&h.all, nums[i]);
            mix_num(&h.ev, nums[i]);
        }
        for (size_t i = 0; i < s->n_verdicts; i++) {
            mix_num(&h.all, s->verdicts[i].chain_len);
            mix_num(&h.ev, s->verdicts[i].chain_len);
        }
    }
    ldrsnap_analyzer_free(a);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const forms[] = {"scalar", "sse2", "avx2"};
    /* flags, and whether the run has a record callback */
    static const struct {
        unsigned flags;
        bool records;
    } ways[] = {
        {LS_OPT_NO_FAST_LINES | LS_OPT_NO_FAST_ANALYSIS, true},
        {LS_OPT_NO_FAST_LINES, true},
        {0, true},
        {0, false},
        {LS_OPT_NO_COMPACT, true},
        {LS_OPT_NO_FAST_ANALYSIS, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_FAST_LINES, true},
        {LDRSNAP_OPT_THREADED, true},
        {LDRSNAP_OPT_THREADED, false},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_FAST_ANALYSIS, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_COMPACT, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_RUNS, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_WIDE_PREFIX, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_FAST_HELD, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_PREFIX_ITEMS, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_ERROR_ITEMS, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_COLUMNS, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_PEEK, true},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_RUN_LOOP, true},
    };
    /* the rules keep the kernels chosen when they were compiled: a set
     * for each form (NULL: this CPU has no such form) */
    static ldrsnap_rules *rules[3];
    static bool ready;
    if (!ready) {
        for (int f = 0; f < 3; f++)
            if (ldrsnap__simd_use(forms[f]) == 0 &&
                ldrsnap_rules_new(&rules[f], NULL, 0) != 0)
                __builtin_trap();
        ready = true;
    }
    size_t cut = size ? data[0] % (size + 1) : 0;
    hashes oracle = {0, 0};
    for (int f = 0; f < 3; f++) {
        if (!rules[f])
            continue;
        ldrsnap__simd_use(forms[f]);
        for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
            hashes h = run(rules[f], data, size, cut, ways[w].flags,
                           ways[w].records);
            if (f == 0 && w == 0)
                oracle = h;
            else if (h.ev != oracle.ev ||
                     (ways[w].records && h.all != oracle.all))
                __builtin_trap(); /* the ways disagree */
        }
    }
    return 0;
}
