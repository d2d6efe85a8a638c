/*
 * test_threaded.c - LDRSNAP_OPT_THREADED gives the same answers as one
 * thread, whatever the chunking, stops cleanly when a callback says so,
 * and frees cleanly at any point.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "core/common.h"
#include "helpers.h"
#include "rules/gate.h"
#include "source/source.h"

/* Every log we wrote (samples, test data, rule fixtures), one after the
 * other, repeated past `min` bytes: many processes, both dialects, UTF-16
 * and binary junk in the middle of UTF-8. */
static char *big_log(size_t min, size_t *len)
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
                if (n + flen + 1 > cap) {
                    cap = (n + flen + 1) * 2;
                    out = realloc(out, cap);
                    cr_assert_not_null(out);
                }
                memcpy(out + n, f, flen);
                n += flen;
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

typedef struct run {
    rec_list events;
    rec_list records;
    char *summary;
    size_t summary_len;
    int stop_after;           /* stop at this event (0 = never) */
    int seen;
} run;

/* Append, doubling the array: a realloc per line is quadratic under the
 * sanitizers, which copy on every realloc. */
static void push_line(rec_list *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->lines = realloc(l->lines, l->cap * sizeof *l->lines);
        cr_assert_not_null(l->lines);
    }
    l->lines[l->n++] = s;
}

static int on_event(const ldrsnap_event *ev, void *ud)
{
    run *r = ud;
    char line[512];
    if (ev->type == LDRSNAP_EV_FAILURE) {
        const ldrsnap_failure *f = ev->failure;
        snprintf(line, sizeof line, "failure|%llu|%d|%d|%s|%s|%08x|%zu",
                 (unsigned long long)f->line, f->role, f->kind,
                 f->dll ? f->dll : "", f->parent ? f->parent : "", f->status,
                 f->chain_len);
    } else if (ev->type == LDRSNAP_EV_EXCEPTION) {
        snprintf(line, sizeof line, "exception|%llu|%08x",
                 (unsigned long long)ev->exception->line, ev->exception->code);
    } else {
        snprintf(line, sizeof line, "signature|%s|%llu|%zu", ev->signature->id,
                 (unsigned long long)ev->signature->line,
                 ev->signature->n_lines);
    }
    push_line(&r->events, strdup(line));
    return r->stop_after && ++r->seen >= r->stop_after;
}

/* Every field of the record: the tokenizer thread hands records over in
 * two forms (compact and whole), and both must give them back intact. */
static int on_rec(const ldrsnap_record *rec, void *ud)
{
    run *r = ud;
    char *line = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&line, &n);
#define S(f) (rec->f ? rec->f : "(null)")
    fprintf(m, "%llu|%llu|%d|%d|%d|%x|%x:%x|%llu|%x|%x|%llx|%llx|%llx|%s|%s|"
               "%s|%s|%s|%s|%s|%s|%s|%s|%s",
            (unsigned long long)rec->line, (unsigned long long)rec->offset,
            rec->dialect, rec->msg, rec->level, rec->flags, rec->pid,
            rec->tid, (unsigned long long)rec->tick, rec->status,
            rec->status_orig, (unsigned long long)rec->base,
            (unsigned long long)rec->end, (unsigned long long)rec->address,
            S(text), S(raw), S(prefix), S(function), S(message), S(dll),
            S(dll_path), S(parent), S(symbol), S(search_path), S(image));
#undef S
    fclose(m);
    push_line(&r->records, line);
    return 0;
}

static void summarize(run *r, const ldrsnap_summary *s)
{
    FILE *m = open_memstream(&r->summary, &r->summary_len);
    fprintf(m, "%llu %llu %s %s %zu %zu %zu %zu %zu %zu|",
            (unsigned long long)s->lines, (unsigned long long)s->bytes,
            s->dialect, s->encoding, s->processes, s->failures, s->noise,
            s->handled, s->exceptions, s->signatures);
    for (size_t i = 0; i < s->n_verdicts; i++) {
        const ldrsnap_verdict *v = &s->verdicts[i];
        fprintf(m, "%u:%llu:%s:%08x:%d;", v->pid, (unsigned long long)v->line,
                v->dll ? v->dll : "", v->status, v->confidence);
    }
    fclose(m);
}

/* An analyzer that records its records and events into r. */
static ldrsnap_analyzer *open_analyzer(unsigned flags,
                                       const ldrsnap_rules *rules, run *r)
{
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags = flags;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, on_event, r), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_set_rules(a, rules), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_set_record_cb(a, on_rec, r), LDRSNAP_OK);
    return a;
}

/* Finish (unless rc says the input failed), summarize into r, free. */
static int close_analyzer(ldrsnap_analyzer *a, int rc, run *r)
{
    if (rc == 0)
        rc = ldrsnap_analyzer_finish(a);
    if (rc == 0)
        summarize(r, ldrsnap_analyzer_summary(a));
    ldrsnap_analyzer_free(a);
    return rc;
}

/* chunk: bytes per feed (0 = all at once, SIZE_MAX = random sizes). */
static int analyze(const char *buf, size_t len, size_t chunk, unsigned flags,
                   const ldrsnap_rules *rules, run *r)
{
    ldrsnap_analyzer *a = open_analyzer(flags, rules, r);
    unsigned seed = 7;
    int rc = LDRSNAP_OK;
    for (size_t pos = 0; pos < len && rc == 0;) {
        size_t k = chunk == SIZE_MAX ? 1 + (size_t)(rand_r(&seed) % 300000)
                   : chunk          ? chunk
                                    : len;
        if (k > len - pos)
            k = len - pos;
        rc = ldrsnap_analyzer_feed(a, buf + pos, k);
        pos += k;
    }
    return close_analyzer(a, rc, r);
}

static void run_free(run *r)
{
    rec_list_free(&r->events);
    rec_list_free(&r->records);
    free(r->summary);
}

static void assert_same(const rec_list *x, const rec_list *y, const char *what)
{
    cr_assert_eq(x->n, y->n, "%s: %zu vs %zu", what, x->n, y->n);
    for (size_t i = 0; i < x->n; i++)
        cr_assert_str_eq(x->lines[i], y->lines[i], "%s %zu", what, i);
}

/* Two runs gave the same records, events and summary; both are freed. */
static void same_runs(run *one, run *two)
{
    assert_same(&one->records, &two->records, "record");
    assert_same(&one->events, &two->events, "event");
    cr_assert_str_eq(one->summary, two->summary);
    run_free(one);
    run_free(two);
}

static const size_t chunks[] = {0, 4096, 1u << 20, SIZE_MAX, 333};

ParameterizedTestParameters(threaded, same_answers_as_one_thread)
{
    static int idx[] = {0, 1, 2, 3, 4};
    return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

/* One way of analyzing buf (param picks a variant of it). */
typedef int (*way_fn)(const char *buf, size_t len, const ldrsnap_rules *rules,
                      run *r, int param);

/* Records, events and summary must equal those of the plain way: the
 * whole input fed at once to an analyzer without a thread, every line
 * the general way (LS_OPT_NO_FAST_LINES). */
static void same_as_plain(size_t min, way_fn way, int param)
{
    size_t len;
    char *buf = big_log(min, &len);
    ldrsnap_rules *rules;
    cr_assert_eq(ldrsnap_rules_new(&rules, NULL, 0), LDRSNAP_OK);
    run one = {0}, two = {0};
    cr_assert_eq(analyze(buf, len, 0, LS_OPT_NO_FAST_LINES, rules, &one),
                 LDRSNAP_OK);
    cr_assert_eq(way(buf, len, rules, &two, param), LDRSNAP_OK);
    cr_assert_gt(one.events.n, 100, "the input holds failures");
    cr_assert_gt(one.records.n, 30000);
    same_runs(&one, &two);
    ldrsnap_rules_free(rules);
    free(buf);
}

static int threaded_in_chunks(const char *buf, size_t len,
                              const ldrsnap_rules *rules, run *r, int i)
{
    return analyze(buf, len, chunks[i], LDRSNAP_OPT_THREADED, rules, r);
}

ParameterizedTest(int *i, threaded, same_answers_as_one_thread)
{
    same_as_plain(5u << 20, threaded_in_chunks, *i);
}

/* One thread takes the fast ways too (whole ASCII lines offered by the
 * text layer, records found without the general way's steps). */
static int one_thread_in_chunks(const char *buf, size_t len,
                                const ldrsnap_rules *rules, run *r, int i)
{
    return analyze(buf, len, chunks[i], 0, rules, r);
}

ParameterizedTestParameters(threaded, one_thread_fast_way_as_the_general_way)
{
    static int idx[] = {0, 1, 2, 3, 4};
    return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(int *i, threaded, one_thread_fast_way_as_the_general_way)
{
    same_as_plain(3u << 20, one_thread_in_chunks, *i);
}

/* The tokenizer thread builds plain ENTER and RETURN records its own way
 * (emit_plain): the same records as the general lexer's, for function
 * names of every length (short ones are moved as two vectors) and for
 * known ones (whose name the record takes from the table), with the
 * owner a continuation line takes, and around lines that are not plain;
 * likewise ModLoad and init-routine lines (emit_modload, emit_init),
 * and those that are not of the usual form; with LF and with CRLF line
 * ends. */
Test(threaded, plain_records_as_the_lexer_makes_them)
{
    static const char *const known[5] = {
        "LdrLoadDll", "LdrpMinimalMapModule", "LdrpLoadDllInternal",
        "LdrpFindOrMapDll", "LdrGetDllHandleByMapping"};
    size_t cap = 4u << 20, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (unsigned k = 0; n + 4096 < cap; k++) {
        char fn[80];
        size_t fl = 1 + k % 70;
        for (size_t i = 0; i < fl; i++)
            fn[i] = "LdrpFunc_0123456789abcdefXYZ"[(i + k) % 28];
        fn[fl] = '\0';
        if (k % 4 == 3) /* a known one: its name is not sent */
            snprintf(fn, sizeof fn, "%s", known[k / 4 % 5]);
        unsigned tid = 0x1000 + k % 7;
        n += (size_t)sprintf(buf + n,
                             "%04x:%04x @ %08u - %s - ENTER: DLL name: "
                             "C:\\Windows\\SYSTEM32\\m%u.dll\n",
                             0x100 + k % 3, tid, 10000000 + k, fn, k);
        if (k % 5 == 0)
            n += (size_t)sprintf(buf + n, "\tDLL path: C:\\x%u\n", k);
        if (k % 11 == 0)
            n += (size_t)sprintf(buf + n, "\n");
        n += (size_t)sprintf(buf + n,
                             "%04x:%04x @ %08u - %s - RETURN: Status: "
                             "0x%08x\n",
                             0x100 + k % 3, tid, 10000000 + k, fn,
                             k % 4 ? 0u : 0xc0000135u);
        if (k % 6 == 0) { /* ModLoad lines, usual and not */
            static const char *const forms[][2] = {
                {"ModLoad: 00007ffd`e0ae9a19 00007ffd`e1714b4f   "
                 "C:\\Windows\\SYSTEM32\\m", ".dll"},
                {"ModLoad: 00007ffd`e0ae9a19 00007ffd`e1714b4f C:\\x\\m",
                 ".dll "},
                {"ModLoad: 00007ffde0ae9a19 00007ffd`e1714b4f   C:\\m", ".dll"},
                {"ModLoad: 00000000`00000000 00000000`00000000   m", ".dll"},
                {"ModLoad: 00007ffd`e0ae9a19 00007ffd`e1714b4f   C:\\a@b\\m",
                 ""},
                {"ModLoad: 00007ffd`e0ae9a19 00007ffd`e1714b4g   C:\\m", ".dll"},
                {"ModLoad:   00007ffd`e0ae9a19  00007ffd`e1714b4f", ""},
            };
            const char *const *f = forms[k / 6 % 7];
            n += (size_t)sprintf(buf + n, "%s%u%s\n", f[0], k, f[1]);
            if (k % 12 == 0) /* not a continuation after ModLoad */
                n += (size_t)sprintf(buf + n, "\tafter ModLoad %u\n", k);
        }
        if (k % 4 == 1) { /* init-routine lines, usual and not */
            static const char *const forms[][4] = {
                {"LdrpInitializeNode", "INFO: Calling init routine ",
                 "00007FFD0F2F0A77 for DLL \"C:\\W\\m", ".dll\""},
                {"LdrpFuncX", "INFO: Calling init routine ",
                 "00007ffd0f2f0a77 for DLL \"C:\\W\\m", ".dll\""},
                {"LdrpInitializeNode", "INFO:  Calling init routine ",
                 "00007FFD0F2F0A77 for DLL \"m", ".dll\""},
                {"LdrpInitializeNode", "INFO: Calling init routine ",
                 "00007FFD0F2F0A7 for DLL \"C:\\W\\m", ".dll\""},
                {"LdrpInitializeNode", "INFO: Calling init routine ",
                 "00007FFD0F2F0A77 for DLL \"C:\\W\\m", ".dll"},
                {"LdrpInitializeNode", "INFO: Calling init routine ",
                 "00007FFD0F2F0A77 for DLL \"C:\\W\\m", ".dll\" x\""},
                {"LdrpRunInitializeRoutines", "INFO: Calling init routine ",
                 "00007FFD0F2F0A77 for DLL \"C:\\W\\m", ".dll\" "},
                {"LdrpInitializeNode", "INFO: Calling init routine ",
                 "00007FFD0F2F0A77 for DLL \"", "\""},
            };
            const char *const *f = forms[k / 4 % 8];
            n += (size_t)sprintf(buf + n, "%04x:%04x @ %08u - %s - %s%s",
                                 0x100 + k % 3, tid, 10000000 + k, f[0],
                                 f[1], f[2]);
            if (k / 4 % 8 != 7) /* the last one's name is empty */
                n += (size_t)sprintf(buf + n, "%u", k);
            n += (size_t)sprintf(buf + n, "%s\n", f[3]);
            if (k % 3 == 0) /* a continuation takes its function */
                n += (size_t)sprintf(buf + n, "\tafter init %u\n", k);
        }
        if (k % 13 == 0) /* not plain: a blank at the end */
            n += (size_t)sprintf(buf + n,
                                 "%04x:%04x @ %08u - %s - RETURN: Status: "
                                 "0x00000000 \n",
                                 0x100 + k % 3, tid, 10000000 + k, fn);
    }
    run one = {0}, two = {0};
    cr_assert_eq(analyze(buf, n, 0, 0, NULL, &one), LDRSNAP_OK);
    cr_assert_eq(analyze(buf, n, 65536, LDRSNAP_OPT_THREADED, NULL, &two),
                 LDRSNAP_OK);
    cr_assert_gt(one.records.n, 30000);
    same_runs(&one, &two);
    /* the same with CRLF line ends (as Windows tools write them), cut so
     * that some pairs fall across two chunks, and with a lone CR too */
    char *crlf = malloc(2 * n + 2);
    cr_assert_not_null(crlf);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n')
            crlf[m++] = '\r';
        crlf[m++] = buf[i];
    }
    static const size_t cuts[] = {65536, 4097, 333};
    for (int lone = 0; lone < 3; lone++) {
        /* then one line ended by a CR alone, in the middle: at the end of
         * a 64-byte block (blocks of input start on one), then inside
         * one */
        size_t q = m / 2 / 64 * 64 + (lone == 1 ? 63 : 17);
        while (lone && (crlf[q] == '\r' || crlf[q] == '\n' ||
                        crlf[q + 1] == '\n' || crlf[q - 1] == '\r'))
            q += 64;
        char was = crlf[q];
        if (lone)
            crlf[q] = '\r';
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            run x = {0}, y = {0};
            cr_assert_eq(analyze(crlf, m, 0, 0, NULL, &x), LDRSNAP_OK);
            cr_assert_eq(analyze(crlf, m, cuts[c], LDRSNAP_OPT_THREADED, NULL,
                                 &y),
                         LDRSNAP_OK);
            cr_assert_gt(x.records.n, 30000);
            same_runs(&x, &y);
        }
        if (lone)
            crlf[q] = was;
    }
    free(crlf);
    free(buf);
}

/* Plain records after capture tools' prefixes ("app(pid): ", DebugView's
 * columns, others), of every length of prefix and image name, short
 * lines and long, known functions and not: the tokenizer thread's
 * compact items (the line streamed from where it is; the prefix's
 * strings, the image's name and a function's name without an id put
 * together by the analyzing thread) against the general way on one
 * thread; with rules, whether a name may hold a byte they watch for
 * (the function's, the DLL's: the analyzing thread's checks) must not
 * lose a signature. */
static void prefixed_as_the_general_way(const ldrsnap_rules *rules)
{
    static const char *const fns[] = {"LdrLoadDll", "LdrpMinimalMapModule",
                                      "F", "LdrpFuncNotKnown_x",
                                      "LdrpFindKnownDll"};
    size_t cap = 4u << 20, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (unsigned k = 0; n + 4096 < cap; k++) {
        char name[64], pre[160];
        size_t nl = 1 + k % 45;
        for (size_t i = 0; i < nl; i++)
            name[i] = "ContosoViewer.exe_123 XYZ"[(i + k / 45) % 25];
        name[nl] = '\0';
        unsigned pid = 10u + k % 100000u;
        switch (k / 45 % 11) {
        case 0: snprintf(pre, sizeof pre, "%s(%u): ", name, pid); break;
        case 1: snprintf(pre, sizeof pre, "%s(%u):  ", name, pid); break;
        case 2: snprintf(pre, sizeof pre, "a(%s(%u): ", name, pid); break;
        case 3: snprintf(pre, sizeof pre, "[%s](%u): ", name, pid); break;
        case 4: snprintf(pre, sizeof pre, "%s[1](%u): ", name, pid); break;
        case 5: snprintf(pre, sizeof pre, "(%s%u): ", name, pid); break;
        case 6: snprintf(pre, sizeof pre, "%s (%u) ", name, pid); break;
        case 7:
            snprintf(pre, sizeof pre, "%08u\t0.00%s\t[%u] ", k, name, pid);
            break;
        case 8: snprintf(pre, sizeof pre, "[%s,%u] ", name, pid); break;
        case 9: snprintf(pre, sizeof pre, "%s(%u)[1]: ", name, pid); break;
        default:
            snprintf(pre, sizeof pre, "DebugString(%s%u): ", name, pid);
            break;
        }
        const char *fn = fns[k / 7 % 5];
        unsigned tid = 0x1000 + k % 7;
        if (k % 3 == 0)
            n += (size_t)sprintf(buf + n,
                                 "%s%04x:%04x @ %08u - %s - ENTER: DLL "
                                 "name: %s\n",
                                 pre, 0x100 + k % 3, tid, 10000000 + k, fn,
                                 k % 2 ? "a.dll" : "C:\\Windows\\m.dll");
        else if (k % 3 == 1)
            n += (size_t)sprintf(buf + n,
                                 "%s%04x:%04x @ %08u - %s - RETURN: %08x\n",
                                 pre, 0x100 + k % 3, tid, 10000000 + k, fn,
                                 k % 4 ? 0u : 0xc0000135u);
        else
            n += (size_t)sprintf(buf + n,
                                 "%s%04x:%04x @ %08u - %s - RETURN: Status: "
                                 "0x%08x\n",
                                 pre, 0x100 + k % 3, tid, 10000000 + k, fn,
                                 k % 4 ? 0u : 0xc0000135u);
        if (k % 4 == 1) { /* INFO and init records after the prefix */
            static const char *const info[] = {
                "Original status: 0xc0000%u",
                "Calling init routine 00007FFD0F2F0A77 for DLL \"m%u.dll\"",
                "Loading DLL \"C:\\w\\m%u.dll\" from path \"C:\\w;C:\\x\"",
                "DLL api-ms-win-crt-runtime-l1-1-%u.dll was redirected to "
                "ucrtbase.dll by API set api-ms-win-crt-runtime-l1-1-0",
                "Mapped DLL \"C:\\w\\m%u.dll\" at address 0x00007FFDE0AE0000",
                "Beginning execution of app%u.exe (C:\\x\\app.exe)",
            };
            n += (size_t)sprintf(buf + n, "%s%04x:%04x @ %08u - %s - INFO: ",
                                 pre, 0x100 + k % 3, tid, 10000000 + k, fn);
            const char *t = info[k / 4 % 6], *u = strstr(t, "%u");
            n += (size_t)sprintf(buf + n, "%.*s%u%s\n", (int)(u - t), t,
                                 k % 1000, u + 2);
        }
    }
    run one = {0}, two = {0}, three = {0};
    cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, rules, &one),
                 LDRSNAP_OK);
    cr_assert_eq(analyze(buf, n, 65536,
                         LDRSNAP_OPT_THREADED | LS_OPT_NO_PREFIX_ITEMS, rules,
                         &three),
                 LDRSNAP_OK);
    same_runs(&one, &three); /* the INFO and init records the general way */
    cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, rules, &one),
                 LDRSNAP_OK);
    cr_assert_eq(analyze(buf, n, 65536, LDRSNAP_OPT_THREADED, rules, &two),
                 LDRSNAP_OK);
    cr_assert_gt(one.records.n, 30000);
    if (rules) { /* each rule's signatures: in a known function's name,
                    in one that has no id, in a DLL's */
        static const char *const ids[] = {"signature|in-known|",
                                          "signature|in-func|",
                                          "signature|in-dll|"};
        for (size_t k = 0; k < 3; k++) {
            size_t seen = 0;
            for (size_t i = 0; i < one.events.n; i++)
                seen += strncmp(one.events.lines[i], ids[k],
                                strlen(ids[k])) == 0;
            cr_assert_gt(seen, 100, "%s", ids[k]);
        }
    }
    same_runs(&one, &two);
    free(buf);
}

Test(threaded, prefixed_records_as_the_general_way)
{
    prefixed_as_the_general_way(NULL);
}

Test(threaded, prefixed_records_with_watching_rules)
{
    /* literals only in a known function's name, in one that has no id,
     * in a DLL's name, told by a 'k' or a 'w' (which the frame of a plain
     * record does not hold: the gate watches the names for them);
     * the prefixes hold one too ("ContosoViewer"), but the rules read a
     * record's text, which the prefix is not part of */
    static const char yaml[] =
        "rules:\n"
        "  - id: in-known\n    title: t\n    severity: low\n"
        "    match: {pattern: 'FindKnown'}\n"
        "  - id: in-func\n    title: t\n    severity: low\n"
        "    match: {pattern: 'NotKnown_x'}\n"
        "  - id: in-dll\n    title: t\n    severity: low\n"
        "    match: {pattern: 'Windows'}\n";
    ldrsnap_rules *r;
    cr_assert_eq(ldrsnap_rules_new(&r, NULL, LDRSNAP_RULES_NO_BUILTIN), 0);
    cr_assert_eq(ldrsnap_rules_add_text(r, "test.yml", yaml, strlen(yaml)),
                 0, "%s", ldrsnap_rules_errmsg(r));
    ls_gate g;
    ldrsnap__gate_build(&g, r);
    cr_assert_eq(g.nname_bytes, 4, "the names are watched for k, K, w, W");
    prefixed_as_the_general_way(r);
    ldrsnap_rules_free(r);
}

/* XP "LDR:" records of the usual shapes go compact (emit_xp(),
 * ldrsnap__lex_xp_usual()): each shape and the lines near it that must
 * not (another first word, "fail" somewhere, a glued record, a trailing
 * blank, "WARNING: Hint index", the words in another order, names cut
 * short), at 0 and after capture tools' prefixes, each followed by
 * a continuation that takes its owner: the same records as the general
 * way's on one thread, and as the tokenizer thread without compact
 * items. */
Test(threaded, xp_records_as_the_general_way)
{
    static const char *const msgs[] = {
        "Loading (STATIC, NON_REDIRECTED) C:\\WINDOWS\\system32\\m%u.dll",
        "Loading (DYNAMIC) ",
        "Loading (DYNAMIC, NON_REDIRECTED)C:\\x%u.dll",
        "Loading (STATIC) C:\\a (b) c%u.dll",
        "Snapping imports for app%u.exe from KERNEL32.dll",
        "Snapping imports for app%u.exe",
        "Snapping imports for  from x.dll from y%u.dll",
        "Refcount KERNEL32.DLL (%u)",
        "Derefcount w3core.dll (0)%u",
        "Refcount x%u.dll",
        "Refcount x.dll (99999999999999999999999%u)",
        "Refcount  (x%u)",
        "Recursive DLL load %u",
        "m%u.dll used by app.exe",
        "m%u.dll used by ",
        "a b.dll used by c%u.exe",
        "m.dll used by x used by y%u",
        "Unloading m%u.dll used by x",
        "m%u.dll loaded - Calling init routine at 77f01234",
        "m%u.dll loaded - Calling init routine at 77f0123456789abcdef",
        "m%u.dll loaded - Calling init routine at ",
        "m.dll used by x loaded - Calling init routine at 1%u",
        "app.exe bound to KERNEL32.dll %u",
        "app.exe binding to %u.dll",
        "a.b bound to x binding to y%u",
        "m%u.dll WARNING: Hint index 0x12 for procedure F in DLL k.dll",
        "m%u.dll used by app.exe, load failed",
        "LdrpWalkImportTable - LdrpLoadImportModule failed on import %u.dll",
        "m%u.dll used by app.exe LDR: Refcount x.dll (1)",
        "m%u.dll used by app.exe ",
        "nodot%u used by app.exe",
        "PID: 0x%u started - 'C:\\app.exe'",
        "NEW PROCESS %u",
        "Unmapping [m%u.dll]",
        "LdrLoadDll, loading m%u.dll from C:\\x",
        "LdrGetProcedureAddress by NAME - F%u",
        "m%u.dll",
        "",
    };
    static const char *const pre[] = {
        "", "[fcc,1c4c] ", "[1,2]   ", "[123456789,1] ", "[12] ",
        "app(12): ", "[a,b]x ", "ContosoViewer.exe(4044): ",
        "00000012\t12.34567890\t[5440] ",
        "00000012\t1.5\t[5440] [ee12,bd39] ", "x(): ", "(12): ",
        "app(1234567890): ", "[1,zz] ", "app[1](2): ", "DebugString: \"",
        "[4,5] app(6): ", "a(b)(7): "};
    size_t cap = 2u << 20, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (unsigned k = 0; n + 4096 < cap; k++) {
        char msg[256]; /* k in place of the template's "%u", if any */
        const char *t = msgs[k % (sizeof msgs / sizeof msgs[0])];
        const char *u = strstr(t, "%u");
        if (u)
            snprintf(msg, sizeof msg, "%.*s%u%s", (int)(u - t), t, k, u + 2);
        else
            snprintf(msg, sizeof msg, "%s", t);
        const char *p = pre[k / 3 % (sizeof pre / sizeof pre[0])];
        n += (size_t)sprintf(buf + n, "%sLDR: %s%s\n", p, k % 17 ? "" : " ",
                             msg);
        if (k % 5 == 0) /* a continuation: the record's owner */
            n += (size_t)sprintf(buf + n, "    after %u\n", k);
        if (k % 7 == 0) /* and a Vista record between */
            n += (size_t)sprintf(buf + n,
                                 "0100:%04x @ %08u - LdrpLoadDll - RETURN: "
                                 "Status: 0x00000000\n",
                                 0x1000 + k % 3, 10000000 + k);
    }
    run one = {0}, two = {0}, three = {0};
    cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, NULL, &one),
                 LDRSNAP_OK);
    cr_assert_eq(analyze(buf, n, 65536, LDRSNAP_OPT_THREADED, NULL, &two),
                 LDRSNAP_OK);
    cr_assert_gt(one.records.n, 30000);
    same_runs(&one, &two);
    cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, NULL, &one),
                 LDRSNAP_OK);
    cr_assert_eq(analyze(buf, n, 4096,
                         LDRSNAP_OPT_THREADED | LS_OPT_NO_COMPACT, NULL,
                         &three),
                 LDRSNAP_OK);
    same_runs(&one, &three);
    free(buf);
}

/* Vista INFO and ERROR records of the usual shapes go compact
 * (emit_info(), ldrsnap__lex_info_usual()), those the fast way holds for
 * a wrapped rest (their last digits, a failure's indented rest) too when
 * no rest joins them: each shape and its near misses (other spacing, a
 * glued head, a trailing blank, a quote left open, "Detour detected", a
 * status cut short, no "Parent Module: "), followed by a
 * line that begins a record, an indented rest, or a continuation:
 * against the general way on one thread and the tokenizer thread without
 * compact items. */
Test(threaded, info_records_as_the_general_way)
{
    static const char *const msgs[] = {
        "Beginning execution of app%u.exe (C:\\x\\app.exe)",
        "Beginning execution of app%u.exe (C:\\x (y)\\app.exe) z",
        "Beginning execution of app%u.exe",
        "Beginning execution of app%u.exe (",
        "DLL api-ms-win-crt-runtime-l1-1-%u.dll was redirected to "
        "ucrtbase.dll by API set api-ms-win-crt-runtime-l1-1-0",
        "DLL a%u.dll by API set x",
        "DLL search path computed: C:\\%u",
        "DLL a%u.dll was redirected to b.dll",
        "DLL a%u.dll by API set x was redirected to b.dll",
        "DLL a%u.dll was redirected to b.dll by API set x by API set y",
        "Loading DLL \"C:\\w\\m%u.dll\" from path \"C:\\w;C:\\x\"",
        "Loading DLL \"m%u.dll\" from path C:\\w",
        "Loading DLL \"m%u.dll\"",
        "Loading DLL m%u.dll from path \"x\"",
        "Loading DLL \"m%u.dll from path \"x\"",
        "Loading DLL \"m%u.dll\" from path \"x",
        "Loading DLL \"m%u.dll\" from path ",
        "Loading DLL \"m.dll\" Detour detected %u",
        "Mapped DLL \"C:\\w\\m%u.dll\" at address 0x00007FFDE0AE0000",
        "Mapped DLL m%u.dll at address 7ffde0ae0000",
        "Mapped DLL m%u.dll at address 0x",
        "Mapped DLL m%u.dll at address 0x112233445566778899",
        "Mapped DLL \"m%u.dll at address 0x1",
        "Mapped DLL m%u.dll",
        "Original status: 0xc0000%u",
        "Original status: 0xc0000135",
        "Original status: c01%u",
        "Original status: 0x1234567890%u",
        "Original status: 0xzz%u",
        "Original status: 0x0000000%u 1",
        "Calling init routine 00007FFD0F2F0A77 for DLL \"m%u.dll\"",
        "Initializing process 0x%u",
        "Locating procedure \"F%u\" by name",
        "Probing for the manifest of m%u.dll",
        "Detour detected in m%u.dll",
        "Something else %u",
        /* ERROR records (ldrsnap__lex_info_usual() with errors) */
        "Unable to load DLL: \"m%u.dll\", Parent Module: \"C:\\x\\app.exe\", "
        "Status: 0xc0000135",
        "Unable to load DLL: \"m%u.dll\", Parent Module: \"(null)\", "
        "Status: 0xc0000135",
        "Unable to load DLL: \"m%u.dll\", Parent Module: (null), Status: "
        "0xc000013",
        "Unable to load DLL: \"m%u.dll\", Parent Module: \"(null)x\"",
        "Unable to load DLL: m%u.dll, Parent Module: \"x\"",
        "Unable to load DLL: \"m%u.dll, Parent Module: \"x\"",
        "Unable to load DLL: \"m%u.dll\", Status: 0xc0000135",
        "Unable to load DLL: \"m%u.dll\", Parent Module: \"C:\\x, Status: 0x1",
        "Unable to load DLL: \"m.dll\", Parent Module: \"x\", Status: "
        "0xc000013%u",
        "Walking the import tables of the executable and its static imports "
        "failed with status 0xc0000%u",
        "Walking the import tables failed with status = 0x%u",
        "Walking the import tables failed with statu%u",
        "Walking the import tables failed, returned 0xc0000%u",
        "Failed to open \\KnownDlls\\x%u with Status: c0000034",
        "Process initialization failed with status 0xc0000%u",
        "Process initialization failed with ntstatus: 0x%u status",
        "Process initialization failed with stat%u",
        "Process initialization failed with status s%u",
        "Process initialization failed with status %u0000000000",
        /* two "tatus": find_status() reads after the last one */
        "Process initialization failed with status 0xc0000135, status "
        "0x0000000%u x",
        "Process initialization failed with status 0xc0000135 status 0x%u",
        "Running the init routines of the static imports failed with status "
        "0xc0000142 %u",
        "Locating export \"F%u\" for DLL \"x.dll\" failed with status "
        "0xc0000139",
    };
    static const char *const lv[] = {
        " - INFO: ",    " - INFO:  ",  " - INFO:",   "  - INFO: ",
        " - WARNING: ", " - ERROR: ", " - ERROR:  ", " - ERROR:"};
    static const unsigned pick[] = {0, 0, 0, 0, 0, 5, 5, 5, 1, 2, 3, 4, 6, 7};
    /* the line after: none, an indented rest (by spaces, a tab, quoted
     * in a comment or a mail), a blank line, a record, lines that begin
     * with a byte a rest may begin with but are none (one space, one
     * '/'), a DLL's path with no indentation */
    static const char *const after[] = {
        "", "    rest of it %u\n", "\tDLL path: C:\\x%u\n", "\n",
        "0100:4076 @ 1%07u - F - RETURN: Status: 0x00000000\n",
        "//   rest %u\n", "#\trest %u\n", "> \tx%u\n", " x%u\n", "/x%u\n",
        "C:\\x\\m%u.dll\n"};
    size_t cap = 4u << 20, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (unsigned k = 0; n + 4096 < cap; k++) {
        char msg[256], tail[256];
        const char *t = msgs[k % (sizeof msgs / sizeof msgs[0])];
        const char *u = strstr(t, "%u");
        if (u)
            snprintf(msg, sizeof msg, "%.*s%u%s", (int)(u - t), t, k, u + 2);
        else
            snprintf(msg, sizeof msg, "%s", t);
        const char *l = lv[pick[k / 7 % (sizeof pick / sizeof pick[0])]];
        const char *fn = k % 11 ? "LdrpMapDllNtFileName" : "LdrpFunc_x";
        const char *head = k % 23 == 5 ? "0100:4076 @ 100000000 - "
                                       : "0100:4076 @ 10000016 - ";
        /* at 0, after prefixes: the longest one an item takes, one byte
         * more, DebugString's (its closing quote cut), past ASCII */
        static char p255[256], p256[257];
        if (!p255[0]) {
            memset(p255, 'x', 255);
            memcpy(p255 + 255 - 11, "app(1234): ", 11);
            memset(p256, 'x', 256);
            memcpy(p256 + 256 - 11, "app(1234): ", 11);
        }
        const char *const pres[] = {
            "", "app(1234): ", "", "[1a4,2b8] ", "00000002\t0.0027\t[5440] ",
            p255, p256, "DebugString: \"", "a(b(12): ",
            "\xE6\xB5\x8B\xE8\xAF\x95(32496): ", "ContosoViewer.exe(4044): "};
        const char *pre = pres[k / 5 % (sizeof pres / sizeof pres[0])];
        n += (size_t)sprintf(buf + n, "%s%s%s%s%s%s%s\n", pre, head, fn, l,
                             msg, k % 19 == 3 ? " " : k % 29 == 4 ? " @ x" : "",
                             pre[0] == 'D' ? "\"" : "");
        t = after[k / 3 % (sizeof after / sizeof after[0])];
        u = strstr(t, "%u");
        if (u)
            snprintf(tail, sizeof tail, "%.*s%u%s", (int)(u - t), t, k % 10000000,
                     u + 2);
        else
            snprintf(tail, sizeof tail, "%s", t);
        n += (size_t)sprintf(buf + n, "%s", tail);
    }
    /* the tokenizer thread, with compact items, without, without them
     * after a prefix (LS_OPT_NO_PREFIX_ITEMS), without ERROR items
     * (LS_OPT_NO_ERROR_ITEMS), every failure record held for a rest
     * (LS_OPT_NO_PEEK); one thread's fast way (compact items decoded at
     * once), without ERROR items, without the peek; with the built-in
     * rules and without */
    static const unsigned ways[] = {
        LDRSNAP_OPT_THREADED, LDRSNAP_OPT_THREADED | LS_OPT_NO_COMPACT,
        LDRSNAP_OPT_THREADED | LS_OPT_NO_PREFIX_ITEMS,
        LDRSNAP_OPT_THREADED | LS_OPT_NO_ERROR_ITEMS, 0,
        LS_OPT_NO_ERROR_ITEMS, LDRSNAP_OPT_THREADED | LS_OPT_NO_PEEK,
        LS_OPT_NO_PEEK};
    ldrsnap_rules *rules;
    cr_assert_eq(ldrsnap_rules_new(&rules, NULL, 0), LDRSNAP_OK);
    for (size_t i = 0; i < 2 * sizeof ways / sizeof ways[0]; i++) {
        const ldrsnap_rules *with = i % 2 ? rules : NULL;
        run one = {0}, two = {0};
        cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, with, &one),
                     LDRSNAP_OK);
        cr_assert_eq(analyze(buf, n, i / 2 == 1 ? 4096 : 65536, ways[i / 2],
                             with, &two),
                     LDRSNAP_OK);
        cr_assert_gt(one.records.n, 30000);
        same_runs(&one, &two);
    }
    ldrsnap_rules_free(rules);
    free(buf);
}

/* Runs of a capture tool's prefix (the same "app(pid): " line after
 * line, read after it at once by the fast way: on_fast_line()'s run_at()),
 * of prefixes it may keep and prefixes it must not (an '@' or "LDR:" in
 * them, DebugString's, not ending in ": ", longer than 32 bytes, past
 * ASCII, a '[' for the image's name), each run of lines of every kind
 * after the prefix (plain records, other levels, heads of other widths,
 * XP, 80 columns, a byte past ASCII, a trailing blank), some lines at 0
 * between them, with the built-in rules (bytes to watch) and without:
 * the tokenizer thread with runs, and without (LS_OPT_NO_RUNS, and
 * LS_OPT_NO_COLUMNS: DebugView's columns and their near misses among the
 * prefixes), one thread's fast way, against the general way on one
 * thread. */
Test(threaded, prefix_runs_as_the_general_way)
{
    static const char *const pres[] = {
        "app(1234): ", "ContosoViewer.exe(4044): ", ": ", "x: ", "abc: ",
        "ab:cd: ", "0100:4076 x: ", "1234: ",
        "ContosoViewer_with_long_nam(1): ", /* 32 bytes */
        "ContosoViewer_with_long_name(1): ", /* 33 */
        "ContosoViewer_with_long_na(1): ",   /* 31 */
        "a@b(12): ", "xLDR:(12): ", "DebugString: \"a(1): ", "a(1):  ",
        "[w3wp](12): ", "w3wp[1](12): ", "\xE6\xB5\x8B\xE8\xAF\x95(32496): ",
        "a(b(12): ", "curl(40536) ", "LdrpLoadDll(7): ", "LdrLoadDll: ",
        /* DebugView's columns (ls_columns_len()), 32 and 33 bytes, and
         * near misses */
        "00000002\t0.0027\t[5440] ", "1\t2\t[3] ", "1] ", "0] [1] ",
        "12345678\t123.12345678\t[123456] ",
        "123456789\t123.12345678\t[123456] ", "1\t@\t[5] ", "1\tL\t[5] ",
        "1\t2\t[3]  ", "1\t[LDR:] ", "1\t2\t[3]\t",
    };
    static const char *const fns[] = {"LdrpLoadDll", "LdrpFuncNotKnown_x"};
    size_t npre = sizeof pres / sizeof pres[0];
    size_t cap = 4u << 20, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (unsigned k = 0; n + 8192 < cap; k++) {
        const char *pre = pres[k % npre];
        const char *fn = fns[k / 3 % 2];
        for (unsigned j = 0; j < 1 + k % 6; j++) {
            unsigned v = (k * 7 + j * 3) % 13, tick = 10000000 + k;
            const char *at = k % 5 == 4 && j == 2 ? "" : pre;
            int w;
            switch (v) {
            case 0:
            case 1:
                w = sprintf(buf + n, "%s0%03x:%04x @ %08u - %s - ENTER: DLL "
                                     "name: C:\\W\\%c.dll\n",
                            at, k % 4096, j, tick, fn, 'a' + (int)(k % 26));
                break;
            case 2:
                w = sprintf(buf + n,
                            "%s0100:%04x @ %08u - %s - RETURN: Status: "
                            "0x%08x\n",
                            at, j, tick, fn, k % 4 ? 0u : 0xc0000135u);
                break;
            case 3:
                w = sprintf(buf + n, "%s0100:%04x @ %08u - %s - RETURN: %08x\n",
                            at, j, tick, fn, k % 3 ? 0u : 0xc0000135u);
                break;
            case 4:
                w = sprintf(buf + n,
                            "%s0100:%04x @ %08u - %s - INFO: Original "
                            "status: 0xc0000034\n",
                            at, j, tick, fn);
                break;
            case 5: /* a tick of nine digits, a pid of three */
                w = sprintf(buf + n, "%s0100:%04x @ 1%08u - %s - ENTER: DLL "
                                     "name: b.dll\n%s100:%04x @ %08u - %s - "
                                     "RETURN: Status: 0x00000000\n",
                            at, j, tick, fn, at, j, tick, fn);
                break;
            case 6:
                w = sprintf(buf + n, "%sLDR: Loading (STATIC) C:\\W\\x.dll\n",
                            at);
                break;
            case 7: { /* 80 columns, then a line that may be its rest */
                int m = sprintf(buf + n, "%s0100:%04x @ %08u - %s - ENTER: "
                                         "DLL name: ",
                                at, j, tick, fn);
                for (const char *c = at; *c; c++) /* in characters */
                    m -= ((unsigned char)*c & 0xC0) == 0x80;
                int pad = 80 - 4 - m; /* and ".dll" */
                if (pad < 1)
                    pad = 1;
                w = (int)strlen(buf + n);
                w += sprintf(buf + n + w, "%.*s.dll\n%sRETURN\n", pad,
                                "C:\\Windows\\System32\\a\\b\\c\\d\\e\\f\\g\\h"
                                "\\i\\j\\k\\l\\m\\n\\o\\p\\q",
                                at);
                break;
            }
            case 8: /* past ASCII */
                w = sprintf(buf + n, "%s0100:%04x @ %08u - %s - ENTER: DLL "
                                     "name: C:\\W\\\xC3\xA9.dll\n",
                            at, j, tick, fn);
                break;
            case 9: /* a trailing blank, a glued head */
                w = sprintf(buf + n, "%s0100:%04x @ %08u - %s - ENTER: DLL "
                                     "name: a.dll \n%s0100:%04x @ %08u - F - "
                                     "RETURN: 0100:0000 @ 1 - ",
                            at, j, tick, fn, at, j, tick);
                w += sprintf(buf + n + w, "F - ENTER: a.dll\n");
                break;
            case 10:
                w = sprintf(buf + n, "%s0100:%04x @ %08u - %s - ERROR: Unable "
                                     "to load DLL: \"a.dll\", Status: "
                                     "0xc0000135\n",
                            at, j, tick, fn);
                break;
            case 11: /* the prefix alone, a short line */
                w = sprintf(buf + n, "%s\n%s0100:%04x @ %08u - F\n", at, at, j,
                            tick);
                break;
            default:
                w = sprintf(buf + n, "%s0100:%04x @ %08u - %s - ENTER: a.dll\n",
                            at, j, tick, fn);
                break;
            }
            n += (size_t)w;
        }
    }
    ldrsnap_rules *rules;
    cr_assert_eq(ldrsnap_rules_new(&rules, NULL, 0), LDRSNAP_OK);
    for (int r = 0; r < 2; r++) {
        const ldrsnap_rules *with = r ? rules : NULL;
        run one = {0}, two = {0}, three = {0}, four = {0}, again2 = {0};
        cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, with, &one),
                     LDRSNAP_OK);
        cr_assert_gt(one.records.n, 50000);
        cr_assert_eq(analyze(buf, n, 65536,
                             LDRSNAP_OPT_THREADED | LS_OPT_NO_RUNS |
                                 LS_OPT_NO_COLUMNS,
                             with, &three),
                     LDRSNAP_OK);
        cr_assert_eq(analyze(buf, n, 65536, LDRSNAP_OPT_THREADED, with, &two),
                     LDRSNAP_OK);
        /* run_free() of one by the first, so a copy for the second */
        run again = {0};
        cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, with, &again),
                     LDRSNAP_OK);
        same_runs(&one, &two);
        same_runs(&again, &three);
        /* and with a prefix past ASCII the general way */
        cr_assert_eq(analyze(buf, n, 65536,
                             LDRSNAP_OPT_THREADED | LS_OPT_NO_WIDE_PREFIX,
                             with, &four),
                     LDRSNAP_OK);
        cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, with, &again2),
                     LDRSNAP_OK);
        same_runs(&again2, &four);
        /* one thread's fast way, and without DebugView's columns read at
         * once */
        run five = {0}, six = {0}, again3 = {0}, again4 = {0};
        cr_assert_eq(analyze(buf, n, 0, 0, with, &five), LDRSNAP_OK);
        cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, with, &again3),
                     LDRSNAP_OK);
        same_runs(&again3, &five);
        cr_assert_eq(analyze(buf, n, 65536,
                             LDRSNAP_OPT_THREADED | LS_OPT_NO_COLUMNS, with,
                             &six),
                     LDRSNAP_OK);
        cr_assert_eq(analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, with, &again4),
                     LDRSNAP_OK);
        same_runs(&again4, &six);
    }
    ldrsnap_rules_free(rules);
    free(buf);
}

/* Runs of the usual plain record at 0 (on_fast_run() takes the lines
 * after the first of a run in one loop): runs of 1 to 23 records of every
 * form (ENTER and RETURN, their compact twins, function names of 1 to 90
 * bytes, which a continuation takes the first 63 of), LF and CRLF, each
 * run ended by a line of another kind (an INFO or ERROR record with the
 * usual head, a near miss of the plain record, 80 columns, past ASCII, a
 * trailing blank, a head of another width, XP, an indented continuation
 * that takes the last record's owner, a blank line, the end of the
 * input), fed whole and in chunks that end inside runs and lines, with
 * the built-in rules and without: the tokenizer thread with the loop and
 * without (LS_OPT_NO_RUN_LOOP), against the general way on one thread. */
Test(threaded, usual_runs_as_the_general_way)
{
    static const char *const fns[] = {
        "F", "LdrpLoadDll", "LdrpFindOrPrepareLoadingModule",
        "LdrpFunctionNameOfSixtyFourBytesLdrpFunctionNameOfSixtyFourByte",
        "LdrpAFunctionNameOfNinetyBytesAFunctionNameOfNinetyBytesAFunctionN"
        "ameOfNinetyBytesAFunctio"};
    static const char *const ends[] = {
        " - INFO: Original status: 0xc0000034",
        " - ERROR: Unable to load DLL: \"a.dll\", Parent Module: "
        "\"(null)\", Status: 0xc0000135",
        " - ENTER: DLL name: C:\\a:b.dll",
        " - RETURN: Status: 0xc00001",
        " - ENTER: DLL name: C:\\W\\\xC3\xA9.dll",
        " - ENTER: DLL name: a.dll ",
        " - RETURN: 0000000g",
        " - ENTERED: x.dll",
        " - INFO: Mapped DLL x.dll at 0x1000",
        " - WARNING: x",
        ""};
    size_t cap = 4u << 20, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (unsigned k = 0; n + 16384 < cap; k++) {
        const char *eol = k % 7 == 3 ? "\r\n" : "\n";
        unsigned tick = 10000000 + k * 13;
        /* at 0, after DebugView's columns (new on each line), after a
         * capture tool's prefix (the same on each), after a prefix of
         * 32 bytes, a prefix past ASCII */
        char pre[64];
        unsigned pk = k / 2 % 5;
        if (pk == 1)
            snprintf(pre, sizeof pre, "%08u\t%u.%08u\t[5440] ", k, k % 9,
                     k * 7 % 100000000);
        else
            snprintf(pre, sizeof pre, "%s",
                     pk == 2   ? "app(1234): "
                     : pk == 3 ? "ContosoViewer_with_long_nam(1): "
                     : pk == 4 ? "\xE6\xB5\x8B(32496): "
                               : "");
        for (unsigned j = 0; j < 1 + (k * 5 + 3) % 23; j++) {
            const char *fn = fns[(k + j) % 5];
            unsigned v = (k * 3 + j * 7) % 6, tid = (k + j) % 65536;
            int w;
            switch (v) {
            case 0:
            case 1:
                w = sprintf(buf + n,
                            "%s%04x:%04x @ %08u - %s - ENTER: DLL name: "
                            "C:\\Windows\\System32\\%.*s.dll%s",
                            pre, k % 65536, tid, tick + j, fn,
                            (int)(1 + j % 20), "abcdefghijklmnopqrstuvwxyz",
                            eol);
                break;
            case 2:
                w = sprintf(buf + n,
                            "%s%04x:%04x @ %08u - %s - RETURN: Status: "
                            "0x%08x%s",
                            pre, k % 65536, tid, tick + j, fn,
                            j % 3 ? 0u : 0xc0000135u, eol);
                break;
            case 3:
                w = sprintf(
                    buf + n, "%s%04x:%04x @ %08u - %s - ENTER: %c.dll%s", pre,
                    k % 65536, tid, tick + j, fn, 'a' + (int)(j % 26), eol);
                break;
            case 4:
                w = sprintf(buf + n,
                            "%s%04x:%04x @ %08u - %s - RETURN: %08x%s", pre,
                            k % 65536, tid, tick + j, fn,
                            j % 2 ? 0u : 0xc0000034u, eol);
                break;
            default:
                w = sprintf(buf + n,
                            "%s%04X:%04X @ %08u - %s - RETURN: %08x-%08x%s",
                            pre, k % 65536, tid, tick + j, fn, 0xc0000135u,
                            j % 2 ? 0u : 0xc0000034u, eol);
                break;
            }
            n += (size_t)w;
        }
        /* what ends the run */
        char head[64];
        snprintf(head, sizeof head, "%04x:%04x @ %08u - LdrpLoadDll",
                 k % 65536, k % 7, tick);
        unsigned e = k % 17;
        int w;
        if (e < sizeof ends / sizeof ends[0]) {
            w = sprintf(buf + n, "%s%s%s%s", pre, head, ends[e], eol);
        } else if (e == 11) { /* 80 columns */
            w = sprintf(buf + n, "%s - ENTER: DLL name: C:\\Windows\\x", head);
            while (w < 76)
                buf[n + w++] = 'y';
            w += sprintf(buf + n + w, ".dll%s", eol);
        } else if (e == 12) { /* a tick of nine digits */
            w = sprintf(buf + n, "%04x:%04x @ 1%08u - F - ENTER: a.dll%s",
                        k % 65536, k % 7, tick, eol);
        } else if (e == 13) {
            w = sprintf(buf + n, "LDR: Loading (STATIC) C:\\W\\x.dll%s", eol);
        } else if (e == 14) { /* the owner's */
            w = sprintf(buf + n, "\tCurrent directory: C:\\W\\%s", eol);
        } else if (e == 16) { /* past UTF-8 (CP1252): the general way's */
            w = sprintf(buf + n,
                        "%s%s - ENTER: DLL name: C:\\W\\caf\xE9.dll%s", pre,
                        head, eol);
        } else {
            w = sprintf(buf + n, "%s", eol);
        }
        n += (size_t)w;
    }
    ldrsnap_rules *rules;
    cr_assert_eq(ldrsnap_rules_new(&rules, NULL, 0), LDRSNAP_OK);
    static const size_t steps[] = {0, 65536, 4096, 333, SIZE_MAX};
    for (int r = 0; r < 2; r++) {
        const ldrsnap_rules *with = r ? rules : NULL;
        for (size_t c = 0; c < sizeof steps / sizeof steps[0]; c++) {
            static const unsigned ways[] = {LDRSNAP_OPT_THREADED,
                                            LDRSNAP_OPT_THREADED |
                                                LS_OPT_NO_RUN_LOOP};
            for (size_t w = 0; w < 2; w++) {
                run one = {0}, two = {0};
                cr_assert_eq(
                    analyze(buf, n, 0, LS_OPT_NO_FAST_LINES, with, &one),
                    LDRSNAP_OK);
                cr_assert_gt(one.records.n, 30000, "%zu", one.records.n);
                cr_assert_eq(analyze(buf, n, steps[c], ways[w], with, &two),
                             LDRSNAP_OK);
                same_runs(&one, &two);
            }
        }
    }
    ldrsnap_rules_free(rules);
    free(buf);
}

/* A line of 80 columns (a console's wrap) is held by the fast way for
 * its rest; the next line goes on with it unless it begins a record (at
 * 0, after a known prefix, or any other way the general way knows): each
 * kind of line after each kind of 80-column line, one thread and two,
 * against the general way. */
Test(threaded, wrapped_lines_as_the_general_way)
{
    static const char *const wide[] = {
        "LDR: Snapping imports for app.exe from msvcrt.dll and more text",
        "app(12): LDR: Snapping imports for app.exe from x.dll text",
        "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: C:\\x\\",
        "0100:4076 @ 10000016 - LdrpMapDll - ERROR: Unable to map",
        "00000002\t0.00270000\t[5440] 0100:4076 @ 10000016 - F - INFO:",
        "Der Thread 0x1a2b hat mit Code 0 (0x0) geendet, wirklich: \xC3\xA9",
        "some words of a console that wrapped them at eighty:",
        "app(12): 0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: C:",
        "curl(7): 0100:4076 @ 10000016 - LdrpSearchPath - ENTER: C:\\x\\y",
        "\xE6\xB5\x8B\xE8\xAF\x95(32496): 0100:4076 @ 10000016 - "
        "LdrpLoadDll - ENTER: DLL name: C:",
        "app(12): 0100:4076 @ 10000016 - LdrpLoadDll - INFO: Loading DLL",
        "app(12): 0100:4076 @ 10000016 - LdrpLoadDll - ERROR: Unable to",
        "0100:4076 @ 10000016 - LdrpLoadDll - INFO: Original status:",
        "[1a4,2b8] LDR: Loading (STATIC, NON_REDIRECTED) C:\\x\\",
        "app(12): LDR: Refcount a.dll (2) and",
        "ModLoad: 00007ffd`e0ae0000 00007ffd`e1710000   C:\\x\\a",
        "\tdeep in a wrapped record:",
    };
    static const char *const next[] = {
        "0100:4076 @ 10000017 - LdrpLoadDll - ENTER: DLL name: a.dll",
        "0100:4076 @ 10000017 - LdrpLoadDll - RETURN: Status: 0xc0000135",
        "0100:4076 @ 10000017 - LdrpMapDll - ERROR: Unable to map a.dll",
        "0100:4076 @ 10000017 - LdrpLoadDll - INFO: Loading DLL a.dll",
        "0100:4076 @ 100000170 - LdrpLoadDll - ENTER: DLL name: a.dll",
        "app(12): 0100:4076 @ 10000017 - LdrpLoadDll - ENTER: DLL name: a.dll",
        "app(12): 0100:4076 @ 10000017 - F - WARNING: Unable to find x",
        "00000003\t0.00280000\t[5440] 0100:4076 @ 10000017 - F - RETURN: "
        "Status: 0x00000000",
        "[1a4,2b8] LDR: Refcount a.dll (2)",
        "error: 0100:4076 @ 10000017 - LdrpLoadDll - ENTER: a.dll",
        "DebugString: \"0100:4076 @ 10000017 - LdrpLoadDll - ENTER: a.dll\"",
        "xyz 0100:4076 @ 10000017 - LdrpLoadDll - ENTER: DLL name: a.dll",
        "x(1)0100:4076 @ 10000017 - LdrpLoadDll - ENTER: DLL name: a.dll",
        "LDR: Refcount a.dll (2)",
        "app(12): LDR: Refcount a.dll (2)",
        "wordsLDR: Refcount a.dll (2)",
        "ModLoad: 00007ffd`e0ae0000 00007ffd`e1710000   C:\\x\\a.dll",
        "(1a4.2b8): Access violation - code c0000005 (first chance)",
        "'app.exe' (Win32): Loaded 'C:\\x\\a.dll'. Symbols loaded.",
        "The thread 0x1a2b has exited with code 0 (0x0).",
        "- LdrpLoadDll - ENTER: DLL name: a.dll",
        "the rest of the wrapped line",
        "    indented rest of it",
        "\tand a tab",
        "",
        "a@b rest",
        "\xE7\xBA\xBF\xE7\xA8\x8B 0x1a2b \xE5\xB7\xB2\xE9\x80\x80\xE5\x87\xBA",
    };
    size_t cap = 8u << 20, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (unsigned rep = 0; n + (1u << 16) < cap && rep < 40; rep++)
        for (size_t w = 0; w < sizeof wide / sizeof wide[0]; w++)
            for (size_t x = 0; x < sizeof next / sizeof next[0]; x++) {
                /* the wide line padded to 80 characters */
                char line[400], pad[100];
                size_t chars = 0, k;
                snprintf(line, sizeof line, "%s ", wide[w]);
                for (k = 0; line[k]; k++)
                    chars += ((unsigned char)line[k] & 0xC0) != 0x80;
                size_t m = chars < 80 ? 80 - chars : 0;
                for (k = 0; k < m; k++)
                    pad[k] = (char)('a' + (k + rep) % 26);
                pad[m] = '\0';
                n += (size_t)sprintf(buf + n, "%s%s", line, pad);
                n += (size_t)sprintf(buf + n, "\n%s\n", next[x]);
                if ((w + x + rep) % 5 == 0) /* and an ordinary record */
                    n += (size_t)sprintf(buf + n,
                                         "0100:4076 @ 10000018 - LdrLoadDll "
                                         "- RETURN: Status: 0x00000000\n");
            }
    /* the held line no rest joined the fast way (and not:
     * LS_OPT_NO_FAST_HELD); wraps not joined, where the fast way takes an
     * 80-column line as any other */
    static const unsigned ways[] = {
        0,
        LDRSNAP_OPT_THREADED,
        LS_OPT_NO_FAST_HELD,
        LDRSNAP_OPT_THREADED | LS_OPT_NO_FAST_HELD,
        LDRSNAP_OPT_NO_WRAP_JOIN,
        LDRSNAP_OPT_THREADED | LDRSNAP_OPT_NO_WRAP_JOIN,
    };
    ldrsnap_rules *rules;
    cr_assert_eq(ldrsnap_rules_new(&rules, NULL, 0), LDRSNAP_OK);
    for (size_t i = 0; i < 2 * sizeof ways / sizeof ways[0]; i++) {
        const ldrsnap_rules *with = i % 2 ? rules : NULL;
        unsigned way = ways[i / 2];
        run one = {0}, two = {0};
        cr_assert_eq(analyze(buf, n, 0,
                             LS_OPT_NO_FAST_LINES |
                                 (way & LDRSNAP_OPT_NO_WRAP_JOIN),
                             with, &one),
                     LDRSNAP_OK);
        cr_assert_eq(analyze(buf, n, 65536, way, with, &two), LDRSNAP_OK);
        cr_assert_gt(one.records.n, 10000);
        same_runs(&one, &two);
    }
    ldrsnap_rules_free(rules);
    free(buf);
}

ParameterizedTestParameters(threaded, a_callback_stops_it_cleanly)
{
    static int at[] = {1, 50, 400};
    return cr_make_param_array(int, at, sizeof at / sizeof at[0]);
}

ParameterizedTest(int *at, threaded, a_callback_stops_it_cleanly)
{
    size_t len;
    char *buf = big_log(3u << 20, &len);
    run r = {0};
    r.stop_after = *at;
    int rc = analyze(buf, len, 65536, LDRSNAP_OPT_THREADED, NULL, &r);
    cr_assert_eq(rc, LDRSNAP_ECALLBACK);
    cr_assert_eq(r.events.n, (size_t)*at, "no event after the stop");
    run_free(&r);
    free(buf);
}

/* Freed in mid-stream, with the tokenizer busy: no hang, no leak (the
 * sanitizer run checks the latter). */
Test(threaded, free_without_finish)
{
    size_t len;
    char *buf = big_log(4u << 20, &len);
    for (size_t stop = 1u << 20; stop < len; stop += 1u << 20) {
        ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
        o.flags = LDRSNAP_OPT_THREADED;
        ldrsnap_analyzer *a;
        cr_assert_eq(ldrsnap_analyzer_new(&a, &o, NULL, NULL), LDRSNAP_OK);
        for (size_t pos = 0; pos < stop; pos += 100000)
            cr_assert_eq(ldrsnap_analyzer_feed(a, buf + pos,
                                               pos + 100000 < stop ? 100000
                                                                   : stop - pos),
                         LDRSNAP_OK);
        ldrsnap_analyzer_free(a);
    }
    free(buf);
}

/* The allocator is called from both threads: count with atomics. */
static atomic_size_t live;

static void *t_malloc(size_t n, void *ctx)
{
    (void)ctx;
    void *p = malloc(n + 16);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    atomic_fetch_add(&live, 1);
    return (char *)p + 16;
}

static void *t_realloc(void *p, size_t n, void *ctx)
{
    if (!p)
        return t_malloc(n, ctx);
    void *q = realloc((char *)p - 16, n + 16);
    return q ? (char *)q + 16 : NULL;
}

static void t_free(void *p, void *ctx)
{
    (void)ctx;
    if (!p)
        return;
    atomic_fetch_sub(&live, 1);
    free((char *)p - 16);
}

Test(threaded, custom_allocator_gets_everything_back)
{
    size_t len;
    char *buf = big_log(3u << 20, &len);
    ldrsnap_allocator al = {t_malloc, t_realloc, t_free, NULL};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags = LDRSNAP_OPT_THREADED;
    o.allocator = &al;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, NULL, NULL), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_feed(a, buf, len), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_finish(a), LDRSNAP_OK);
    cr_assert_gt(ldrsnap_analyzer_summary(a)->lines, 20000);
    ldrsnap_analyzer_free(a);
    cr_assert_eq(atomic_load(&live), 0);
    free(buf);
}

/* ldrsnap_analyzer_buffer()/_commit(): the bytes read straight into the
 * analyzer's room (with a tokenizer thread, its input block) give the
 * same records, events and summary as ldrsnap_analyzer_feed(), whether a
 * commit fills the room or a part of it (step bytes, 0 = all it holds,
 * SIZE_MAX = random). */
static int analyze_in_room(const char *buf, size_t len, size_t step,
                           unsigned flags, const ldrsnap_rules *rules, run *r)
{
    ldrsnap_analyzer *a = open_analyzer(flags, rules, r);
    unsigned seed = 11;
    int rc = LDRSNAP_OK;
    for (size_t pos = 0; pos < len && rc == 0;) {
        void *room;
        size_t cap;
        cr_assert_eq(ldrsnap_analyzer_buffer(a, &room, &cap), LDRSNAP_OK);
        cr_assert_geq(cap, 4096u);
        size_t k = step == SIZE_MAX ? 1 + (size_t)(rand_r(&seed) % 70000)
                   : step           ? step
                                    : cap;
        k = k > cap ? cap : k;
        k = k > len - pos ? len - pos : k;
        memcpy(room, buf + pos, k);
        rc = ldrsnap_analyzer_commit(a, k);
        pos += k;
    }
    return close_analyzer(a, rc, r);
}

ParameterizedTestParameters(threaded, zero_copy_feeding_gives_the_same_answers)
{
    static int idx[] = {0, 1, 2, 3, 4, 5};
    return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

static int in_room(const char *buf, size_t len, const ldrsnap_rules *rules,
                   run *r, int i)
{
    static const size_t steps[] = {0, 333, SIZE_MAX};
    return analyze_in_room(buf, len, steps[i % 3],
                           i >= 3 ? LDRSNAP_OPT_THREADED : 0, rules, r);
}

ParameterizedTest(int *i, threaded, zero_copy_feeding_gives_the_same_answers)
{
    same_as_plain(3u << 20, in_room, *i);
}

/* A commit needs a room, fits in it, and a feed in between retires it;
 * asking twice gives the same room. */
Test(threaded, zero_copy_misuse_is_refused)
{
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags = LDRSNAP_OPT_THREADED;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, NULL, NULL), LDRSNAP_OK);
    void *room, *again;
    size_t cap, cap2;
    cr_assert_eq(ldrsnap_analyzer_commit(a, 0), LDRSNAP_EMISUSE);
    cr_assert_eq(ldrsnap_analyzer_buffer(a, NULL, &cap), LDRSNAP_EINVAL);
    cr_assert_eq(ldrsnap_analyzer_buffer(a, &room, &cap), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_buffer(a, &again, &cap2), LDRSNAP_OK);
    cr_assert_eq(room, again);
    cr_assert_eq(cap, cap2);
    cr_assert_eq(ldrsnap_analyzer_commit(a, cap + 1), LDRSNAP_EINVAL);
    const char *line = "0100:0200 @ 1 - LdrLoadDll - ENTER: DLL name: a.dll\n";
    memcpy(room, line, strlen(line));
    cr_assert_eq(ldrsnap_analyzer_commit(a, strlen(line)), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_commit(a, 1), LDRSNAP_EMISUSE);
    cr_assert_eq(ldrsnap_analyzer_buffer(a, &room, &cap), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_feed(a, line, strlen(line)), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_commit(a, 1), LDRSNAP_EMISUSE);
    cr_assert_eq(ldrsnap_analyzer_finish(a), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_summary(a)->lines, 2u);
    void *r2;
    size_t c2;
    cr_assert_eq(ldrsnap_analyzer_buffer(a, &r2, &c2), LDRSNAP_EMISUSE);
    ldrsnap_analyzer_free(a);
}

/* ldrsnap_analyzer_pull(): the input read by the analyzer (with a
 * tokenizer thread, by that thread into its own blocks). */
typedef struct src {
    const char *buf;
    size_t len, pos, step;     /* step: at most this much a read */
    size_t fail_at;            /* a read past this fails (0 = never) */
    unsigned seed;
} src;

static int src_read(void *ctx, void *buf, size_t cap, size_t *got)
{
    src *s = ctx;
    if (s->fail_at && s->pos >= s->fail_at)
        return LDRSNAP_EIO;
    size_t k = s->step == SIZE_MAX ? 1 + (size_t)(rand_r(&s->seed) % 90000)
                                   : s->step;
    k = k > cap ? cap : k;
    k = k > s->len - s->pos ? s->len - s->pos : k;
    memcpy(buf, s->buf + s->pos, k);
    s->pos += k;
    *got = k;
    return LDRSNAP_OK;
}

static int analyze_pulled(src *in, unsigned flags, const ldrsnap_rules *rules,
                          run *r, int *pull_rc)
{
    ldrsnap_analyzer *a = open_analyzer(flags, rules, r);
    *pull_rc = ldrsnap_analyzer_pull(a, src_read, in);
    return close_analyzer(a, LDRSNAP_OK, r); /* finished after a read error too */
}

ParameterizedTestParameters(threaded, pulled_input_gives_the_same_answers)
{
    static int idx[] = {0, 1, 2, 3};
    return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

static int pulled(const char *buf, size_t len, const ldrsnap_rules *rules,
                  run *r, int i)
{
    src in = {buf, len, 0, i % 2 ? SIZE_MAX : (size_t)1 << 20, 0, 5};
    int prc;
    int rc = analyze_pulled(&in, i >= 2 ? LDRSNAP_OPT_THREADED : 0, rules, r,
                            &prc);
    cr_assert_eq(prc, LDRSNAP_OK);
    return rc;
}

ParameterizedTest(int *i, threaded, pulled_input_gives_the_same_answers)
{
    same_as_plain(3u << 20, pulled, *i);
}

/* Pulled, the input goes to the tokenizer thread once a read gives
 * 64 KiB, not after a whole MiB: the CLI's first read hands over the
 * 256 KiB its reader kept from sniffing the format, which one thread would
 * otherwise analyze while the other waits. */
static pthread_t reader_of_first;
static bool read_elsewhere;

static int src_read_where(void *ctx, void *buf, size_t cap, size_t *got)
{
    if (!pthread_equal(pthread_self(), reader_of_first))
        read_elsewhere = true;
    return src_read(ctx, buf, cap, got);
}

Test(threaded, pulling_starts_the_thread_after_a_large_read)
{
    size_t len;
    char *buf = big_log(600u << 10, &len);
    len = 600u << 10; /* less than a MiB */
    run one = {0}, two = {0};
    cr_assert_eq(analyze(buf, len, 0, 0, NULL, &one), LDRSNAP_OK);
    src in = {buf, len, 0, 256u << 10, 0, 5};
    reader_of_first = pthread_self();
    read_elsewhere = false;
    ldrsnap_analyzer *a = open_analyzer(LDRSNAP_OPT_THREADED, NULL, &two);
    cr_assert_eq(ldrsnap_analyzer_pull(a, src_read_where, &in), LDRSNAP_OK);
    cr_assert_eq(close_analyzer(a, LDRSNAP_OK, &two), LDRSNAP_OK);
    cr_assert(read_elsewhere, "the tokenizer thread read the rest");
    same_runs(&one, &two);
    free(buf);
}

/* A read error ends the input: pull() returns it, and what was read
 * before it is analyzed and finished as any input (the CLI reports the
 * error and the analysis of the rest). */
ParameterizedTestParameters(threaded, a_read_error_ends_the_input)
{
    static int idx[] = {0, 1};
    return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(int *i, threaded, a_read_error_ends_the_input)
{
    size_t len;
    char *buf = big_log(4u << 20, &len);
    size_t cut = 3u << 20; /* past the 1 MiB a tokenizer thread waits for */
    src in = {buf, len, 0, 65536, cut, 1};
    run got = {0}, want = {0};
    int prc;
    cr_assert_eq(analyze_pulled(&in, *i ? LDRSNAP_OPT_THREADED : 0, NULL,
                                &got, &prc),
                 LDRSNAP_OK);
    cr_assert_eq(prc, LDRSNAP_EIO);
    cr_assert_eq(analyze(buf, cut, 0, 0, NULL, &want), LDRSNAP_OK);
    assert_same(&want.records, &got.records, "record");
    assert_same(&want.events, &got.events, "event");
    cr_assert_str_eq(want.summary, got.summary);
    run_free(&got);
    run_free(&want);
    free(buf);
}

/* A large .gz (from a pipe here, as a .gz of 4 MiB or more from a file)
 * read by the analyzer's tokenizer thread is inflated there, straight
 * into its block; read on the caller's thread, it is inflated ahead on a
 * thread of its own from the second read on.  The same answers both ways,
 * as the plain bytes'. */
typedef struct fifo_writer {
    const char *path;
    const unsigned char *gz;
    size_t len;
} fifo_writer;

static void *write_fifo(void *arg)
{
    fifo_writer *w = arg;
    int fd = open(w->path, O_WRONLY);
    for (size_t pos = 0; fd >= 0 && pos < w->len;) {
        ssize_t n = write(fd, w->gz + pos, w->len - pos);
        if (n <= 0)
            break;
        pos += (size_t)n;
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int batch_pull(void *ctx, void *buf, size_t cap, size_t *got)
{
    return ldrsnap_batch_read(ctx, buf, cap, got);
}

ParameterizedTestParameters(threaded, a_large_gzip_is_inflated_where_it_pays)
{
    static int idx[] = {0, 1};
    return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(int *i, threaded, a_large_gzip_is_inflated_where_it_pays,
                  .timeout = 120)
{
    size_t len;
    char *buf = big_log(3u << 20, &len);
    z_stream zs = {0};
    cr_assert_eq(deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8,
                              Z_DEFAULT_STRATEGY),
                 Z_OK);
    size_t cap = deflateBound(&zs, len);
    unsigned char *gz = malloc(cap);
    cr_assert_not_null(gz);
    zs.next_in = (unsigned char *)buf;
    zs.avail_in = (uInt)len;
    zs.next_out = gz;
    zs.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    fifo_writer w = {NULL, gz, zs.total_out};
    deflateEnd(&zs);
    char dir[] = "/tmp/ldrsnap-gz-XXXXXX", path[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/in.gz", dir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    w.path = path;
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, write_fifo, &w), 0);

    run want = {0}, got = {0};
    cr_assert_eq(analyze(buf, len, 0, 0, NULL, &want), LDRSNAP_OK);
    ldrsnap_batch *b;
    ldrsnap_entry *e;
    cr_assert_eq(ldrsnap_batch_new(&b, NULL, 0), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_batch_add(b, path), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_batch_next(b, &e), LDRSNAP_OK);
    cr_assert_str_eq(e->compression, "gzip");
    unsigned long before = ldrsnap__gunzip_threads();
    ldrsnap_analyzer *a = open_analyzer(*i ? LDRSNAP_OPT_THREADED : 0, NULL,
                                        &got);
    cr_assert_eq(ldrsnap_analyzer_pull(a, batch_pull, b), LDRSNAP_OK);
    cr_assert_eq(close_analyzer(a, LDRSNAP_OK, &got), LDRSNAP_OK);
    cr_assert_eq(ldrsnap__gunzip_threads() - before, *i ? 0ul : 1ul,
                 "inflater threads started: %lu",
                 ldrsnap__gunzip_threads() - before);
    ldrsnap_batch_free(b);
    pthread_join(th, NULL);
    /* the same but for the byte count: the summary's first field */
    same_runs(&want, &got);
    unlink(path);
    rmdir(dir);
    free(gz);
    free(buf);
}

/* A tokenizer thread that is the longer one (here its reads take 2 ms
 * each, as if it inflated): the caller's thread, with no batch to
 * analyze, reads blocks ahead for it instead of waiting
 * (pipe/pull_ahead()); reads come from either thread, never two at once,
 * and the answers are those of the bytes fed. */
typedef struct slow_src {
    const char *p;
    size_t len, pos;
    pthread_t caller;
    atomic_int in_read;
    atomic_bool overlap;
    unsigned from_caller, from_tokenizer;
    unsigned caller_after; /* reads ahead by the caller's thread */
} slow_src;

static int slow_read(void *ctx, void *buf, size_t cap, size_t *got)
{
    slow_src *s = ctx;
    if (atomic_fetch_add(&s->in_read, 1) != 0)
        atomic_store(&s->overlap, true);
    if (pthread_equal(pthread_self(), s->caller)) {
        s->from_caller++;
        /* a read ahead (pipe/ marks the thread as one that reads for a
         * tokenizer), not one before the tokenizer thread started */
        s->caller_after += ldrsnap__tokenizer_thread;
    } else {
        s->from_tokenizer++;
        nanosleep(&(struct timespec){0, 2 * 1000 * 1000}, NULL);
    }
    size_t k = s->len - s->pos;
    if (k > cap)
        k = cap;
    if (k > 65536)
        k = 65536;
    memcpy(buf, s->p + s->pos, k);
    s->pos += k;
    *got = k;
    atomic_fetch_sub(&s->in_read, 1);
    return 0;
}

Test(threaded, the_caller_reads_ahead_while_it_waits, .timeout = 120)
{
    size_t len;
    char *buf = big_log(3u << 20, &len);
    /* the caller reads when it finds no batch while the tokenizer
     * tokenizes: on a loaded machine it may not run then in one pass
     * (a make check under load average 13 saw 1 read by the caller,
     * before the tokenizer started): up to five passes */
    unsigned after = 0, by_caller = 0, by_tokenizer = 0;
    for (int pass = 0; pass < 5 && !after; pass++) {
        run want = {0}, got = {0};
        cr_assert_eq(analyze(buf, len, 0, 0, NULL, &want), LDRSNAP_OK);
        slow_src s = {buf, len, 0, pthread_self(), 0, false, 0, 0, 0};
        ldrsnap_analyzer *a = open_analyzer(LDRSNAP_OPT_THREADED, NULL, &got);
        cr_assert_eq(ldrsnap_analyzer_pull(a, slow_read, &s), LDRSNAP_OK);
        cr_assert_eq(close_analyzer(a, LDRSNAP_OK, &got), LDRSNAP_OK);
        cr_assert_eq(s.pos, len);
        cr_assert(!atomic_load(&s.overlap), "two reads at once");
        same_runs(&want, &got);
        after = s.caller_after;
        by_caller = s.from_caller;
        by_tokenizer = s.from_tokenizer;
    }
    cr_assert_gt(after, 0, "reads: %u by the caller, %u by the tokenizer",
                 by_caller, by_tokenizer);
    free(buf);
}

/* A read that claims more bytes than it had room for ends the input with
 * LDRSNAP_EINVAL; nothing past the room is read.  The liar first gives
 * 2 MiB of empty lines, past the start of a tokenizer thread. */
static int liar_read(void *ctx, void *buf, size_t cap, size_t *got)
{
    size_t *given = ctx;
    if (*given >= (2u << 20)) {
        *got = cap + 1;
        return LDRSNAP_OK;
    }
    size_t k = cap < 65536 ? cap : 65536;
    memset(buf, '\n', k);
    *given += k;
    *got = k;
    return LDRSNAP_OK;
}

ParameterizedTestParameters(threaded, a_read_past_its_room_is_refused)
{
    static int idx[] = {0, 1};
    return cr_make_param_array(int, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(int *i, threaded, a_read_past_its_room_is_refused,
                  .timeout = 60)
{
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags = *i ? LDRSNAP_OPT_THREADED : 0;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, NULL, NULL), LDRSNAP_OK);
    size_t given = 0;
    cr_assert_eq(ldrsnap_analyzer_pull(a, liar_read, &given), LDRSNAP_EINVAL);
    cr_assert_eq(ldrsnap_analyzer_finish(a), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_summary(a)->lines, given);
    ldrsnap_analyzer_free(a);
}
