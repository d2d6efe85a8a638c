/*
 * test_diff.c - ldrsnap_diff() on pairs of runs of one program from a
 * generator that knows the truth: the good run loads every DLL; in the bad
 * run one DLL is removed (not found), moved (found in another folder) or
 * replaced (a bad image).  The two runs may be of different Windows
 * versions (7, 10, 11 with its compact twins), in UTF-8 or UTF-16LE with
 * CRLF, with other pids, tids, ticks and probe orders.  The first
 * difference must name the DLL, with the right kind.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

/* ---- the generator ------------------------------------------------------- */

static unsigned long long rng;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)((rng >> 11) % n);
}

typedef struct text {
    char *p;
    size_t n, cap;
} text;

__attribute__((format(printf, 2, 3))) static void out(text *t,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[2048];
    int k = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (t->n + (size_t)k + 1 > t->cap) {
        t->cap = (t->n + (size_t)k + 1) * 2;
        t->p = realloc(t->p, t->cap);
    }
    memcpy(t->p + t->n, line, (size_t)k + 1);
    t->n += (size_t)k;
}

enum change { REMOVED, MOVED, REPLACED, NCHANGES };
enum winver { WIN7, WIN10, WIN11 };

typedef struct program {
    char image[32], appdir[96];
    char dlls[8][32];
    size_t ndlls;
} program;

typedef struct runspec {
    const program *prog;
    enum winver ver;
    int target;           /* -1: none changed */
    enum change change;
    unsigned pid, main_tid, worker_tid;
    unsigned long tick;
} runspec;

static const char *const extra_dirs[] = {
    "C:\\Windows\\system32", "C:\\Windows\\system", "C:\\Windows",
    "C:\\Windows\\System32\\Wbem", "C:\\Tools\\bin"};

static void make_program(program *p)
{
    static const char *const stems[] = {"codec", "render", "netio", "crypto",
                                        "ui", "sqlite", "zip", "imaging",
                                        "audio", "licence"};
    snprintf(p->image, sizeof p->image, "App%u.exe", rnd(1000));
    snprintf(p->appdir, sizeof p->appdir, "C:\\Program Files\\Vendor%u\\App",
             rnd(100));
    p->ndlls = 3 + rnd(5);
    unsigned first = rnd(10);
    for (size_t i = 0; i < p->ndlls; i++)
        snprintf(p->dlls[i], sizeof p->dlls[i], "lib%s%u.dll",
                 stems[(first + i) % 10], (unsigned)i);
}

static void head(text *t, const runspec *r, const char *fn, const char *lvl,
                 bool worker)
{
    out(t, "%04x:%04x @ %08lu - %s - %s: ", r->pid,
        worker ? r->worker_tid : r->main_tid, r->tick, fn, lvl);
}

static void line(text *t, runspec *r, bool worker, const char *fn,
                 const char *lvl, const char *fmt, ...)
{
    r->tick += rnd(3) * 16;
    head(t, r, fn, lvl, worker);
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out(t, "%s\n", msg);
    if (r->ver == WIN11 && (!strcmp(lvl, "ENTER") || !strcmp(lvl, "RETURN")) &&
        (!strcmp(fn, "LdrpResolveDllName") || !strcmp(fn, "LdrpSearchPath"))) {
        head(t, r, fn, lvl, worker); /* the compact twin */
        out(t, "%s\n", !strncmp(msg, "DLL name: ", 10) ? msg + 10
                       : !strncmp(msg, "Status: 0x", 10) ? msg + 10
                                                         : msg);
    }
}

/* Where the DLL i of the run is: its folder, or NULL when it is nowhere. */
static const char *dll_dir(const runspec *r, size_t i)
{
    if ((int)i != r->target)
        return r->prog->appdir;
    return r->change == REMOVED ? NULL
           : r->change == MOVED ? "C:\\Tools\\bin"
                                : r->prog->appdir;
}

/* The search: the app folder, then the others in an order of this run's. */
static bool search(text *t, runspec *r, size_t i, bool w, char *found,
                   size_t cap)
{
    const char *dir = dll_dir(r, i), *name = r->prog->dlls[i];
    const char *order[6];
    size_t n = 0;
    order[n++] = r->prog->appdir;
    size_t start = rnd(5);
    for (size_t k = 0; k < 5; k++)
        order[n++] = extra_dirs[(start + k) % 5];
    for (size_t k = 0; k < n; k++) {
        line(t, r, w, "LdrpResolveDllName", "ENTER", "DLL name: %s\\%s",
             order[k], name);
        bool hit = dir && !strcmp(order[k], dir);
        line(t, r, w, "LdrpResolveDllName", "RETURN", "Status: 0x%08x",
             hit ? 0u : 0xc0000135u);
        if (hit) {
            snprintf(found, cap, "%s\\%s", dir, name);
            return true;
        }
    }
    return false;
}

static void load_win10(text *t, runspec *r, size_t i)
{
    const char *name = r->prog->dlls[i];
    char path[256];
    line(t, r, true, "LdrpFindKnownDll", "ENTER", "DLL name: %s", name);
    line(t, r, true, "LdrpFindKnownDll", "RETURN", "Status: 0xc0000135");
    line(t, r, true, "LdrpSearchPath", "ENTER", "DLL name: %s", name);
    bool ok = search(t, r, i, true, path, sizeof path);
    line(t, r, true, "LdrpSearchPath", "RETURN", "Status: 0x%08x",
         ok ? 0u : 0xc0000135u);
    uint32_t st = ok ? 0 : 0xc0000135u;
    if (ok) {
        bool bad = (int)i == r->target && r->change == REPLACED;
        line(t, r, true, "LdrpMinimalMapModule", "ENTER", "DLL name: %s", path);
        st = bad ? 0xc000007bu : 0;
        line(t, r, true, "LdrpMinimalMapModule", "RETURN", "Status: 0x%08x",
             st);
    }
    if (st)
        line(t, r, true, "LdrpProcessWork", "ERROR",
             "Unable to load DLL: \"%s\", Parent Module: \"%s\\%s\", Status: "
             "0x%08x", name, r->prog->appdir, r->prog->image, st);
}

static bool load_win7(text *t, runspec *r, size_t i)
{
    const char *name = r->prog->dlls[i];
    char path[256];
    line(t, r, false, "LdrLoadDll", "ENTER", "DLL name: %s", name);
    line(t, r, false, "LdrpLoadDll", "ENTER", "DLL name: %s", name);
    line(t, r, false, "LdrpFindOrMapDll", "ENTER", "DLL name: %s", name);
    bool ok = search(t, r, i, false, path, sizeof path);
    uint32_t st = ok ? 0 : 0xc0000135u;
    if (ok && (int)i == r->target && r->change == REPLACED)
        st = 0xc000007bu;
    if (!st)
        line(t, r, false, "LdrpMapDll", "INFO",
             "Mapped DLL \"%s\" at address %08X", name, 0x10000000u + (unsigned)i * 0x100000u);
    line(t, r, false, "LdrpFindOrMapDll", "RETURN", "Status: 0x%08x", st);
    line(t, r, false, "LdrpLoadDll", "RETURN", "Status: 0x%08x", st);
    line(t, r, false, "LdrLoadDll", "RETURN", "Status: 0x%08x", st);
    return !st;
}

static void write_run(text *t, runspec *r)
{
    const program *p = r->prog;
    line(t, r, false, "LdrpInitializeProcess", "INFO",
         "Beginning execution of %s (%s\\%s)", p->image, p->appdir, p->image);
    out(t, "\tCurrent directory: %s\\\n", p->appdir);
    line(t, r, false, "LdrLoadDll", "ENTER", "DLL name: KERNEL32.DLL");
    line(t, r, false, "LdrpFindKnownDll", "ENTER", "DLL name: KERNEL32.DLL");
    line(t, r, false, "LdrpFindKnownDll", "RETURN", "Status: 0x00000000");
    line(t, r, false, "LdrLoadDll", "RETURN", "Status: 0x00000000");
    bool failed = false;
    for (size_t i = 0; i < p->ndlls && !failed; i++) {
        if (r->ver == WIN7) {
            failed = !load_win7(t, r, i);
        } else {
            load_win10(t, r, i);
            failed = (int)i == r->target && r->change != MOVED;
        }
    }
    if (failed && r->ver != WIN7) {
        uint32_t st = r->change == REPLACED ? 0xc000007bu : 0xc0000135u;
        line(t, r, false, "LdrpInitializeProcess", "ERROR",
             "Walking the import tables of the executable and its static "
             "imports failed with status 0x%08x", st);
        line(t, r, false, "_LdrpInitialize", "ERROR",
             "Process initialization failed with status 0x%08x", st);
    }
}

static void new_ids(runspec *r)
{
    r->pid = 0x100 + rnd(0xe000);
    r->main_tid = 0x100 + rnd(0xe000);
    r->worker_tid = r->main_tid + 4 + rnd(64);
    r->tick = 1000000 + rnd(90000000);
}

/* UTF-8 -> UTF-16LE with a BOM and CRLF. */
static char *utf16(const text *t, size_t *n)
{
    char *o = malloc(4 * t->n + 2);
    size_t k = 0;
    o[k++] = '\xff', o[k++] = '\xfe';
    for (size_t i = 0; i < t->n; i++) {
        if (t->p[i] == '\n')
            o[k++] = '\r', o[k++] = 0;
        o[k++] = t->p[i], o[k++] = 0;
    }
    *n = k;
    return o;
}

/* ---- running ldrsnap_diff() ------------------------------------------------ */

static int rec_cb(const ldrsnap_record *rec, void *ud)
{
    return ldrsnap_run_record(ud, rec) < 0;
}

static int ev_cb(const ldrsnap_event *ev, void *ud)
{
    if (ev->type == LDRSNAP_EV_FAILURE)
        return ldrsnap_run_failure(ud, ev->failure) < 0;
    return 0;
}

static ldrsnap_run *run_of(const char *buf, size_t n)
{
    ldrsnap_run *run;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_run_new(&run, NULL), 0);
    cr_assert_eq(ldrsnap_analyzer_new(&a, NULL, ev_cb, run), 0);
    cr_assert_eq(ldrsnap_analyzer_set_record_cb(a, rec_cb, run), 0);
    cr_assert_eq(ldrsnap_analyzer_feed(a, buf, n), 0);
    cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
    ldrsnap_analyzer_free(a);
    return run;
}

typedef struct first {
    ldrsnap_difference d;
    char dll[64];
    size_t n;
} first;

static int keep_first(const ldrsnap_difference *d, void *ud)
{
    first *f = ud;
    if (f->n++ == 0) {
        f->d = *d;
        snprintf(f->dll, sizeof f->dll, "%s", d->dll);
    }
    return 0;
}

static void as_input(const text *t, bool wide, char **buf, size_t *n)
{
    if (wide) {
        *buf = utf16(t, n);
    } else {
        *buf = malloc(t->n + 1);
        memcpy(*buf, t->p, t->n + 1);
        *n = t->n;
    }
}

Test(diff, generated_pairs_name_the_changed_dll, .timeout = 60)
{
    static const char *const kinds[] = {"failed_in_bad", "other_path",
                                        "failed_in_bad"};
    rng = 0x2545F4914F6CDD1DULL;
    for (unsigned trial = 0; trial < 300; trial++) {
        program prog;
        make_program(&prog);
        runspec g = {&prog, (enum winver)rnd(3), -1, REMOVED, 0, 0, 0, 0};
        runspec b = {&prog, (enum winver)rnd(3), (int)rnd((unsigned)prog.ndlls),
                     (enum change)rnd(NCHANGES), 0, 0, 0, 0};
        new_ids(&g), new_ids(&b);
        text gt = {0}, bt = {0};
        /* a third of the logs hold another program's run too (another
         * pid), before or after: processes are paired by image name */
        program other;
        make_program(&other);
        snprintf(other.image, sizeof other.image, "Helper.exe");
        runspec og = {&other, (enum winver)rnd(3), -1, REMOVED, 0, 0, 0, 0};
        runspec ob = og;
        new_ids(&og), new_ids(&ob);
        unsigned extra = rnd(3), order = rnd(2);
        if (extra == 0 && order == 0)
            write_run(&gt, &og);
        if (extra == 0 && order == 1)
            write_run(&bt, &ob);
        write_run(&gt, &g);
        write_run(&bt, &b);
        if (extra == 0 && order == 1)
            write_run(&gt, &og);
        if (extra == 0 && order == 0)
            write_run(&bt, &ob);
        char *gb, *bb;
        size_t gn, bn;
        as_input(&gt, rnd(2), &gb, &gn);
        as_input(&bt, rnd(2), &bb, &bn);
        const char *dump = getenv("LDRSNAP_DIFF_DUMP"); /* to look at */
        if (dump && trial < 8) {
            char path[512];
            snprintf(path, sizeof path, "%s/good%u.log", dump, trial);
            FILE *fp = fopen(path, "wb");
            fwrite(gb, 1, gn, fp), fclose(fp);
            snprintf(path, sizeof path, "%s/bad%u.log", dump, trial);
            fp = fopen(path, "wb");
            fwrite(bb, 1, bn, fp), fclose(fp);
        }
        ldrsnap_run *gr = run_of(gb, gn), *br = run_of(bb, bn);
        first f = {0};
        cr_assert_eq(ldrsnap_diff(gr, br, 0, keep_first, &f), 0);
        cr_assert(f.n > 0, "trial %u: no difference", trial);
        cr_expect_str_eq(f.dll, prog.dlls[b.target],
                         "trial %u: win%d good, win%d bad, %s %s: first is %s "
                         "%s", trial, g.ver == WIN7 ? 7 : g.ver == WIN10 ? 10 : 11,
                         b.ver == WIN7 ? 7 : b.ver == WIN10 ? 10 : 11,
                         kinds[b.change], prog.dlls[b.target],
                         ldrsnap_diff_kind_name(f.d.kind), f.dll);
        cr_expect_str_eq(ldrsnap_diff_kind_name(f.d.kind), kinds[b.change],
                         "trial %u (change %d, win %d -> %d)", trial, b.change,
                         g.ver, b.ver);
        cr_expect(f.d.explains);
        ldrsnap_run_free(gr), ldrsnap_run_free(br);
        free(gb), free(bb), free(gt.p), free(bt.p);
    }
}

Test(diff, same_program_other_run_has_no_difference)
{
    rng = 99;
    for (unsigned trial = 0; trial < 50; trial++) {
        program prog;
        make_program(&prog);
        runspec g = {&prog, (enum winver)rnd(3), -1, REMOVED, 0, 0, 0, 0};
        runspec b = g;
        b.ver = (enum winver)rnd(3);
        new_ids(&g), new_ids(&b);
        text gt = {0}, bt = {0};
        write_run(&gt, &g);
        write_run(&bt, &b);
        ldrsnap_run *gr = run_of(gt.p, gt.n), *br = run_of(bt.p, bt.n);
        first f = {0};
        cr_assert_eq(ldrsnap_diff(gr, br, 0, keep_first, &f), 0);
        cr_expect_eq(f.n, 0, "trial %u: %s %s", trial,
                     f.n ? ldrsnap_diff_kind_name(f.d.kind) : "", f.dll);
        ldrsnap_run_free(gr), ldrsnap_run_free(br);
        free(gt.p), free(bt.p);
    }
}

Test(diff, different_programs_need_force)
{
    rng = 5;
    program p1, p2;
    make_program(&p1);
    make_program(&p2);
    snprintf(p2.image, sizeof p2.image, "Other.exe");
    runspec g = {&p1, WIN10, -1, REMOVED, 0, 0, 0, 0};
    runspec b = {&p2, WIN10, 0, REMOVED, 0, 0, 0, 0};
    new_ids(&g), new_ids(&b);
    text gt = {0}, bt = {0};
    write_run(&gt, &g);
    write_run(&bt, &b);
    ldrsnap_run *gr = run_of(gt.p, gt.n), *br = run_of(bt.p, bt.n);
    first f = {0};
    cr_assert_eq(ldrsnap_diff(gr, br, 0, keep_first, &f), LDRSNAP_ENOTFOUND);
    cr_assert_eq(f.n, 0);
    cr_assert_str_eq(ldrsnap_run_image(br, 0), "Other.exe");
    cr_assert_eq(ldrsnap_diff(gr, br, LDRSNAP_DIFF_FORCE, keep_first, &f), 0);
    cr_assert(f.n > 0);
    cr_assert_str_eq(f.dll, p2.dlls[0]);
    cr_assert_eq(ldrsnap_diff(gr, br, 0x80, keep_first, &f), LDRSNAP_EINVAL);
    ldrsnap_run_free(gr), ldrsnap_run_free(br);
    free(gt.p), free(bt.p);
}
