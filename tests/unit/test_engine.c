/*
 * test_engine.c - the differential test of every fast path: the whole
 * matrix {one thread, tokenizer thread} x {general way, fast lines, fast
 * lines without compact items} x {scalar, sse2, avx2 kernels}, with the
 * built-in rules and with none, must give the records, events and
 * summary of the plainest engine there is: one thread, every line the
 * general way (LS_OPT_NO_FAST_LINES), the analyzing thread's general ways
 * (LS_OPT_NO_FAST_ANALYSIS), the scalar kernels.  Run on every
 * log we wrote, and on realistic captures of bench/capgen.c in each of
 * its forms (the shapes the fast ways were built for).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "core/common.h" /* LS_OPT_NO_FAST_LINES, LS_OPT_NO_COMPACT, ... */
#include "helpers.h"
#include "simd/simd.h"

/* Every log we wrote (samples, test data, rule fixtures), one after the
 * other, repeated past `min` bytes (the tokenizer thread starts after the
 * first MiB): many processes, both dialects, UTF-16 and binary junk in
 * the middle of UTF-8; with CRLF line ends when crlf. */
static char *all_logs(size_t min, bool crlf, size_t *len)
{
    static const char *const dirs[] = {SRCDIR "/samples", SRCDIR "/tests/data",
                                       SRCDIR "/tests/data/rules"};
    size_t n = 0, cap = 0;
    char *out = NULL;
    while (n < min) {
        size_t before = n;
        for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
            struct dirent **names;
            int k = scandir(dirs[d], &names, NULL, alphasort);
            cr_assert_geq(k, 0, "cannot list %s", dirs[d]);
            for (int i = 0; i < k; i++) {
                char path[512];
                snprintf(path, sizeof path, "%s/%s", dirs[d], names[i]->d_name);
                free(names[i]);
                size_t flen;
                char *f = strstr(path, ".log") ? read_file(path, &flen) : NULL;
                if (!f)
                    continue;
                if (n + 2 * flen + 2 > cap) {
                    cap = (n + 2 * flen + 2) * 2;
                    out = realloc(out, cap);
                    cr_assert_not_null(out);
                }
                for (size_t j = 0; j < flen; j++) {
                    if (crlf && f[j] == '\n' && (!j || f[j - 1] != '\r'))
                        out[n++] = '\r';
                    out[n++] = f[j];
                }
                out[n++] = '\n';
                free(f);
            }
            free(names);
        }
        cr_assert_gt(n, before, "no logs found");
    }
    *len = n;
    return out;
}

/* What a run gives, one line of text per record, event and the summary. */
typedef struct run {
    char **lines;
    size_t n, cap;
} run;

static void push(run *r, char *s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 4096;
        r->lines = realloc(r->lines, r->cap * sizeof *r->lines);
        cr_assert_not_null(r->lines);
    }
    r->lines[r->n++] = s;
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->lines[i]);
    free(r->lines);
    memset(r, 0, sizeof *r);
}

static int on_event(const ldrsnap_event *ev, void *ud)
{
    char line[600];
    if (ev->type == LDRSNAP_EV_FAILURE) {
        const ldrsnap_failure *f = ev->failure;
        snprintf(line, sizeof line, "failure|%llu|%d|%d|%s|%s|%08x|%zu|%s",
                 (unsigned long long)f->line, f->role, f->kind,
                 f->dll ? f->dll : "", f->parent ? f->parent : "", f->status,
                 f->chain_len, f->text ? f->text : "");
    } else if (ev->type == LDRSNAP_EV_EXCEPTION) {
        snprintf(line, sizeof line, "exception|%llu|%08x",
                 (unsigned long long)ev->exception->line, ev->exception->code);
    } else {
        snprintf(line, sizeof line, "signature|%s|%llu|%zu", ev->signature->id,
                 (unsigned long long)ev->signature->line,
                 ev->signature->n_lines);
    }
    push(ud, strdup(line));
    return 0;
}

/* Every field of the record (its line starts with RECORD). */
#define RECORD "record|"
static int on_rec(const ldrsnap_record *rec, void *ud)
{
    char *line = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&line, &n);
#define S(f) (rec->f ? rec->f : "(null)")
    fprintf(m,
            RECORD "%llu|%llu|%d|%d|%d|%x|%x:%x|%llu|%x|%x|%llx|%llx|%llx|"
                   "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s",
            (unsigned long long)rec->line, (unsigned long long)rec->offset,
            rec->dialect, rec->msg, rec->level, rec->flags, rec->pid,
            rec->tid, (unsigned long long)rec->tick, rec->status,
            rec->status_orig, (unsigned long long)rec->base,
            (unsigned long long)rec->end, (unsigned long long)rec->address,
            S(text), S(raw), S(prefix), S(function), S(message), S(dll),
            S(dll_path), S(parent), S(symbol), S(search_path), S(image));
#undef S
    fclose(m);
    push(ud, line);
    return 0;
}

static void summarize(run *r, const ldrsnap_summary *s)
{
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    fprintf(m, "summary %llu %llu %s %s %zu %zu %zu %zu %zu %zu|",
            (unsigned long long)s->lines, (unsigned long long)s->bytes,
            s->dialect, s->encoding, s->processes, s->failures, s->noise,
            s->handled, s->exceptions, s->signatures);
    for (size_t i = 0; i < s->n_verdicts; i++) {
        const ldrsnap_verdict *v = &s->verdicts[i];
        fprintf(m, "%u:%llu:%s:%08x:%d:%zu;", v->pid,
                (unsigned long long)v->line, v->dll ? v->dll : "", v->status,
                v->confidence, v->chain_len);
    }
    fclose(m);
    push(r, text);
}

/* One run of the engine: the kernels of `form`, the built-in rules or
 * none (compiled after the kernels are chosen: the rules keep theirs),
 * fed in pieces that cut lines anywhere; with a record callback or
 * without one (the analyzer then builds the record of a usual ENTER or
 * RETURN only when the rules read it: on_usual()). */
static void engine(const char *form, bool rules, unsigned flags,
                   bool records, const char *buf, size_t len, run *r)
{
    cr_assert_eq(ldrsnap__simd_use(form), 0);
    ldrsnap_rules *rs = NULL;
    if (rules)
        cr_assert_eq(ldrsnap_rules_new(&rs, NULL, 0), LDRSNAP_OK);
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags = flags;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, on_event, r), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_set_rules(a, rs), LDRSNAP_OK);
    if (records)
        cr_assert_eq(ldrsnap_analyzer_set_record_cb(a, on_rec, r),
                     LDRSNAP_OK);
    for (size_t pos = 0, k = 65536 + 7; pos < len; pos += k) {
        if (k > len - pos)
            k = len - pos;
        cr_assert_eq(ldrsnap_analyzer_feed(a, buf + pos, k), LDRSNAP_OK);
    }
    cr_assert_eq(ldrsnap_analyzer_finish(a), LDRSNAP_OK);
    summarize(r, ldrsnap_analyzer_summary(a));
    ldrsnap_analyzer_free(a);
    ldrsnap_rules_free(rs);
}

static const char *const forms[] = {"scalar", "sse2", "avx2"};

/* The whole matrix on buf, with the built-in rules and with none. */
static void every_way(const char *form, const char *what, const char *buf,
                      size_t len)
{
    static const struct {
        unsigned flags;
        bool records;
        const char *name;
    } ways[] = {
        {LS_OPT_NO_FAST_LINES | LS_OPT_NO_FAST_ANALYSIS, true,
         "one thread, general way"},
        {LS_OPT_NO_FAST_LINES, true,
         "one thread, general lines, fast analysis"},
        {LS_OPT_NO_FAST_ANALYSIS, true,
         "one thread, fast lines, general analysis"},
        {0, true, "one thread, fast lines, compact items"},
        {0, false, "one thread, fast lines, compact items, no records"},
        {LS_OPT_NO_COMPACT, true, "one thread, fast lines, no compact items"},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_FAST_LINES, true,
         "tokenizer thread, general way"},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_FAST_ANALYSIS, true,
         "tokenizer thread, fast lines, general analysis"},
        {LDRSNAP_OPT_THREADED, true,
         "tokenizer thread, fast lines, compact items"},
        {LDRSNAP_OPT_THREADED, false,
         "tokenizer thread, fast lines, compact items, no records"},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_COMPACT, true,
         "tokenizer thread, fast lines, no compact items"},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_PEEK, true,
         "tokenizer thread, failure records held without a peek"},
        {LDRSNAP_OPT_THREADED | LS_OPT_NO_RUN_LOOP, true,
         "tokenizer thread, each usual record on its own (no run loop)"},
    };
    for (int rules = 0; rules < 2; rules++) {
        run oracle = {0}, events = {0};
        engine("scalar", rules, LS_OPT_NO_FAST_LINES | LS_OPT_NO_FAST_ANALYSIS,
               true, buf, len, &oracle);
        cr_assert_gt(oracle.n, 10000, "a log of many records");
        /* what a run without a record callback must give */
        for (size_t i = 0; i < oracle.n; i++)
            if (strncmp(oracle.lines[i], RECORD, strlen(RECORD)) != 0)
                push(&events, strdup(oracle.lines[i]));
        for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
            run r = {0};
            const run *want = ways[w].records ? &oracle : &events;
            engine(form, rules, ways[w].flags, ways[w].records, buf, len, &r);
            for (size_t i = 0; i < want->n && i < r.n; i++)
                cr_assert_str_eq(r.lines[i], want->lines[i],
                                 "%s kernels, %s, %s, %s: line %zu", form,
                                 ways[w].name,
                                 rules ? "built-in rules" : "no rules", what,
                                 i);
            cr_assert_eq(r.n, want->n, "%s kernels, %s, %s: %zu lines, not %zu",
                         form, ways[w].name, what, r.n, want->n);
            run_free(&r);
        }
        run_free(&events);
        run_free(&oracle);
    }
}

/* A capture of bench/capgen.c (make unit passes its path in
 * LDRSNAP_CAPGEN): about 1.5 MB, so that the tokenizer thread starts. */
static char *capture(const char *args, size_t *len)
{
    const char *gen = getenv("LDRSNAP_CAPGEN");
    if (!gen)
        cr_skip_test("LDRSNAP_CAPGEN is not set (make unit sets it)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' -n 200 %s", gen, args);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f, "cannot run %s", cmd);
    size_t n = 0, cap = 1 << 20;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (size_t k; (k = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += k;
        if (n == cap) {
            buf = realloc(buf, cap *= 2);
            cr_assert_not_null(buf);
        }
    }
    cr_assert_eq(pclose(f), 0, "%s failed", cmd);
    cr_assert_gt(n, (size_t)1 << 20, "%s: %zu bytes", cmd, n);
    *len = n;
    return buf;
}

static const char *const variants[] = {
    "-s 3",          "-s 4 --prefix", "-s 5 --pasted",
    "-s 6 --crlf",   "-s 7 --utf16",  "-s 8 --host=dbgview",
};
#define NVARIANTS (sizeof variants / sizeof variants[0])

ParameterizedTestParameters(engine, realistic_captures_give_the_oracles)
{
    /* form * NVARIANTS + variant */
    static int cases[3 * NVARIANTS];
    for (size_t i = 0; i < 3 * NVARIANTS; i++)
        cases[i] = (int)i;
    return cr_make_param_array(int, cases, 3 * NVARIANTS);
}

ParameterizedTest(int *c, engine, realistic_captures_give_the_oracles)
{
    const char *form = forms[(size_t)*c / NVARIANTS];
    const char *args = variants[(size_t)*c % NVARIANTS];
    if (ldrsnap__simd_use(form) != 0)
        cr_skip_test("this build or CPU has no %s", form);
    size_t len;
    char *buf = capture(args, &len);
    every_way(form, args, buf, len);
    free(buf);
}

ParameterizedTestParameters(engine, every_way_gives_the_oracles_answers)
{
    /* form * 2 + crlf */
    static int cases[] = {0, 1, 2, 3, 4, 5};
    return cr_make_param_array(int, cases, 6);
}

ParameterizedTest(int *c, engine, every_way_gives_the_oracles_answers)
{
    const char *form = forms[*c / 2];
    if (ldrsnap__simd_use(form) != 0)
        cr_skip_test("this build or CPU has no %s", form);
    size_t len;
    char *buf = all_logs((5u << 20) / 4, *c % 2, &len);
    every_way(form, *c % 2 ? "our logs, CRLF" : "our logs, LF", buf, len);
    free(buf);
}

/* LdrpMinimalMapModule's two built-in rules look for their needles (a
 * backslash and then `Downloads`, `Temp`, `Desktop`, or a DLL's name
 * ending the line) in a plain ENTER item's DLL name alone, whose frame
 * holds no backslash: the same signatures as the general way, for the
 * words at the name's first byte, in a capture tool's prefix (not in the
 * text the rules read), in a name shorter than a needle, in heads of
 * other widths and in Windows 11's compact twin. */
/* The IIS rules' literals are found by their anchors (' and =, no
 * letter): a line past ASCII without them holds none, even with a
 * character a case-blind pattern takes for a letter (U+212A, U+017F), and
 * the fast way does not scan it; one with them is scanned as before.
 * Every way against the oracle, and the signatures counted. */
Test(engine, literal_anchors_past_ascii)
{
    static const char *const lines[] = {
        "A process serving application pool 'DefaultAppPool' terminated "
        "unexpectedly. The process id was '1234'. The process exit code "
        "was '0x80'.\n",
        "A process serving application pool 'Z\xc3\xbcrich' terminated "
        "unexpectedly. The process exit code was '0x80'.\n",
        "a process \xe2\x84\xaa" "erving application pool 'x' terminated "
        "unexpectedly. The process exit code was '0x80'.\n",
        "Error reading AppPoolId property. hr = 80070005\n",
        "Error reading Gr\xc3\xb6\xc3\x9f" "e property. hr = 80070005\n",
        "\xe7\xba\xbf\xe7\xa8\x8b 0x91d8 \xe5\xb7\xb2\xe9\x80\x80"
        "\xe5\x87\xba \xe2\x84\xaa \xc5\xbf\n",
        "Fehler beim Laden: \xc5\xbf" "ervice W3SVC \xe2\x84\xaa\n",
        "1540:5890 @ 82353061 - LdrpLoadDllInternal - ENTER: DLL name: "
        "C:\\Users\\m\\a.dll\n",
    };
    size_t len = 0, cap = (3u << 20) / 2 + 4096, reps = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    while (len < cap - 4096) {
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
            size_t k = strlen(lines[i]);
            memcpy(buf + len, lines[i], k);
            len += k;
        }
        reps++;
    }
    const char *form = ldrsnap__simd_use("avx2") == 0 ? "avx2" : "scalar";
    every_way(form, "IIS lines past ASCII", buf, len);
    run r = {0};
    engine(form, true, LDRSNAP_OPT_THREADED, false, buf, len, &r);
    size_t exit80 = 0, metabase = 0;
    for (size_t i = 0; i < r.n; i++) {
        exit80 += strstr(r.lines[i], "signature|w3svc-1009-exit-80") != 0;
        metabase += strstr(r.lines[i], "signature|iis-metabase") != 0;
    }
    cr_assert_eq(exit80, 2 * reps, "%zu of %zu", exit80, reps);
    /* (\w takes no letter past ASCII: not "Gr\u00f6\u00dfe") */
    cr_assert_eq(metabase, reps, "%zu of %zu", metabase, reps);
    run_free(&r);
    free(buf);
}

/* A thread of a released process is kept for the next new thread, its
 * frames with it (procs.c, thread_retire()): the new one must start as a
 * new block would, whatever the old one was in the middle of (open frames,
 * a DllMain, a probe, a compact twin to fold, failures).  Processes begin
 * again and again under a few pids, their threads under recycled tids,
 * each left at another depth; every way against the oracle, whose general
 * way keeps no thread. */
Test(engine, threads_of_released_processes_reused)
{
    static const char *const funcs[] = {
        "LdrpLoadDllInternal", "LdrpFindOrPrepareLoadingModule",
        "LdrpSearchPath",      "LdrpResolveDllName",
        "LdrpMinimalMapModule", "LdrpFindKnownDll",
        "LdrpMapDllFullPath",  "LdrpProcessWork"};
    enum { NF = sizeof funcs / sizeof funcs[0] };
    size_t cap = (3u << 20) / 2 + 8192, len = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    unsigned tick = 0x8235000;
#define PUT(...) (len += (size_t)snprintf(buf + len, cap - len, __VA_ARGS__))
    for (unsigned k = 0; len < cap - 8192; k++) {
        unsigned pid = 0x1540 + k % 5;
        PUT("%04x:%04x @ %08x - LdrpInitializeProcess - INFO: Beginning "
            "execution of app%u.exe (C:\\a\\app%u.exe)\n",
            pid, 0xd5a0 + k % 3, tick++, k % 7, k % 7);
        for (unsigned t = 0; t <= k % 4; t++) {
            unsigned tid = 0x5890 + (k * 7 + t) % 11;
            unsigned depth = 1 + (k + t) % 9;
            for (unsigned d = 0; d < depth; d++)
                PUT("%04x:%04x @ %08x - %s - ENTER: %s%sm%u.dll\n", pid, tid,
                    tick++, funcs[(k + d) % NF],
                    (k + d) % 3 ? "DLL name: " : "",
                    (k + d) % 2 ? "C:\\Windows\\System32\\" : "", (k + d) % 13);
            if ((k + t) % 5 == 1)
                PUT("%04x:%04x @ %08x - LdrpInitializeNode - INFO: Calling "
                    "init routine 00007FFD3C9BA4A9 for DLL "
                    "\"C:\\Windows\\System32\\i%u.dll\"\n",
                    pid, tid, tick++, k % 5);
            /* some frames return (failing or not, long or compact, some
             * compact twins), the rest stay open */
            for (unsigned d = depth; d > (k + t) % 3; d--) {
                const char *f = funcs[(k + d - 1) % NF];
                if ((k + d) % 4 == 0)
                    PUT("%04x:%04x @ %08x - %s - RETURN: Status: 0x%08x\n"
                        "%04x:%04x @ %08x - %s - RETURN: %08x\n",
                        pid, tid, tick, f, (k + d) % 8 ? 0u : 0xc0000135u,
                        pid, tid, tick + 1, f, (k + d) % 8 ? 0u : 0xc0000135u);
                else
                    PUT("%04x:%04x @ %08x - %s - RETURN: Status: 0x%08x\n",
                        pid, tid, tick, f, (k + d) % 3 ? 0u : 0xc0000135u);
                tick += 2;
            }
        }
    }
#undef PUT
    const char *form = ldrsnap__simd_use("avx2") == 0 ? "avx2" : "scalar";
    every_way(form, "threads of released processes", buf, len);
    free(buf);
}

Test(engine, needles_in_a_dll_name_alone)
{
    static const char *const lines[] = {
        "1540:5890 @ 82353061 - LdrpMinimalMapModule - ENTER: DLL name: "
        "C:\\Users\\m\\Downloads\\a.dll\n",
        "app(5440): 1540:5890 @ 82353062 - LdrpMinimalMapModule - ENTER: "
        "DLL name: C:\\Windows\\System32\\b.dll\n",
        "C:\\Temp\\app(5440): 1540:5890 @ 82353062 - LdrpMinimalMapModule "
        "- ENTER: DLL name: C:\\Windows\\System32\\b.dll\n",
        "1540:5890 @ 82353063 - LdrpMinimalMapModule - ENTER: "
        "C:\\Temp\\c.dll\n",
        "1540:5890 @ 1234567890 - LdrpMinimalMapModule - ENTER: DLL name: "
        "D:\\Desktop\\d.dll\n",
        "1540:5890 @ 82353064 - LdrpMinimalMapModule - ENTER: DLL name: "
        "\\Temp\\e.dll\n",
        "1540:5890 @ 82353065 - LdrpMinimalMapModule - ENTER: DLL name: "
        "C:\\x\\version.dll\n",
        "1540:5890 @ 82353066 - LdrpMinimalMapModule - ENTER: DLL name: "
        "version.dll\n",
        "1540:5890 @ 82353067 - LdrpMinimalMapModule - ENTER: DLL name: "
        "C:\\Windows\\System32\\kernel32.dll\n",
        "1540:5890 @ 82353068 - LdrpMinimalMapModule - ENTER: DLL name: "
        "C:\\Users\\m\\Desktop\n",
        /* past ASCII: U+212A is a 'k' to the case-blind pattern, U+017F an
         * 's' (no needle of the name then, but the pattern decides) */
        "1540:5890 @ 82353069 - LdrpMinimalMapModule - ENTER: DLL name: "
        "D:\\Des\xe2\x84\xaa" "top\\g.dll\n",
        "1540:5890 @ 8235306a - LdrpMinimalMapModule - ENTER: DLL name: "
        "C:\\Windows\\Sy\xc5\xbf" "tem32\\ws2_32.dll\n",
        "1540:5890 @ 8235306b - LdrpMinimalMapModule - ENTER: DLL name: "
        "C:\\Program Files\\Gr\xc3\xb6\xc3\x9f" "e\\dbghelp.dll\n",
    };
    /* names of every length the name's check and its memo treat apart
     * (the memo keeps names of 8 to 124 bytes): 7 and 8 bytes (no rule can
     * match so short a name), 10 (the shortest a folder's rule matches),
     * then 60, 124, 125 and 200 bytes under Downloads, Temp or Desktop, and
     * 200 bytes ending in version.dll outside Windows */
    static const struct {
        size_t len;
        const char *tail;
    } sized[] = {{7, "\\b.dll"},
                 {8, "\\ab.dll"},
                 {10, "\\Temp\\.dll"},
                 {60, "\\Downloads\\x.dll"},
                 {124, "\\Downloads\\x.dll"},
                 {125, "\\temp\\y.dll"},
                 {200, "\\Desktop\\z.dll"},
                 {200, "\\version.dll"}};
    enum { NSIZED = sizeof sized / sizeof sized[0] };
    enum { NLINES = sizeof lines / sizeof lines[0] };
    char named[NSIZED][320];
    for (size_t i = 0; i < NSIZED; i++) {
        char name[256];
        size_t t = strlen(sized[i].tail), pad = sized[i].len - t;
        memset(name, 'p', pad);
        if (pad >= 3)
            memcpy(name, "D:\\", 3);
        memcpy(name + pad, sized[i].tail, t + 1);
        cr_assert_eq(strlen(name), sized[i].len);
        snprintf(named[i], sizeof named[i],
                 "1540:5890 @ %08zu - LdrpMinimalMapModule - ENTER: DLL "
                 "name: %s\n", (size_t)82353070 + i, name);
    }
    size_t len = 0, cap = (3u << 20) / 2 + 4096, reps = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    while (len < cap - 4096) {
        for (size_t i = 0; i < NLINES + NSIZED; i++) {
            const char *l = i < NLINES ? lines[i] : named[i - NLINES];
            size_t k = strlen(l);
            memcpy(buf + len, l, k);
            len += k;
        }
        reps++;
    }
    const char *form = ldrsnap__simd_use("avx2") == 0 ? "avx2" : "scalar";
    every_way(form, "LdrpMinimalMapModule lines", buf, len);
    /* and the rules found what they should, the fast way, on the tokenizer
     * thread: a user-writable folder in four names (one with U+212A for
     * its 'k') and in five of the sized ones, version.dll and dbghelp.dll
     * outside System32 and the sized version.dll */
    run r = {0};
    engine(form, true, LDRSNAP_OPT_THREADED, false, buf, len, &r);
    size_t folder = 0, system = 0;
    for (size_t i = 0; i < r.n; i++) {
        folder += strstr(r.lines[i], "signature|dll-from-user-writable") != 0;
        system += strstr(r.lines[i], "signature|system-dll-outside") != 0;
    }
    cr_assert_eq(folder, 9 * reps, "%zu of %zu", folder, reps);
    cr_assert_eq(system, 3 * reps, "%zu of %zu", system, reps);
    run_free(&r);
    free(buf);
}
