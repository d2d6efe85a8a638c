/*
 * test_api.c - the public contract: status codes, misuse, callbacks,
 * copies, allocators, names, and the batch of inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <criterion/criterion.h>

#include "core/common.h" /* LS_OPT_NO_FAST_ANALYSIS */
#include "helpers.h"
#include "source/source.h" /* ldrsnap__gunzip_threads() */

static int ignore_record(const ldrsnap_record *r, void *ud)
{
    (void)r, (void)ud;
    return 0;
}

Test(api, strerror_names_every_status)
{
    for (int s = -8; s <= 1; s++) {
        const char *m = ldrsnap_strerror(s);
        cr_assert_not_null(m);
        cr_assert_str_neq(m, "unknown status", "%d", s);
    }
    cr_assert_str_eq(ldrsnap_strerror(-1000), "unknown status");
    cr_assert_str_eq(ldrsnap_version(), LDRSNAP_VERSION_STRING);
}

Test(api, misuse_is_reported_not_crashed)
{
    ldrsnap_parser *p = NULL;
    cr_assert_eq(ldrsnap_parser_new(NULL, NULL, ignore_record, NULL),
                 LDRSNAP_EINVAL);
    cr_assert_eq(ldrsnap_parser_new(&p, NULL, NULL, NULL), LDRSNAP_EINVAL);
    cr_assert_eq(ldrsnap_analyzer_new(NULL, NULL, NULL, NULL),
                 LDRSNAP_EINVAL);
    cr_assert_eq(ldrsnap_batch_new(NULL, NULL, 0), LDRSNAP_EINVAL);
    cr_assert_eq(ldrsnap_parser_feed(NULL, "x", 1), LDRSNAP_EMISUSE);
    cr_assert_eq(ldrsnap_parser_finish(NULL), LDRSNAP_EMISUSE);
    ldrsnap_options bad = LDRSNAP_OPTIONS_INIT;
    bad.version = 99;
    cr_assert_eq(ldrsnap_parser_new(&p, &bad, ignore_record, NULL),
                 LDRSNAP_EINVAL);
    cr_assert_eq(ldrsnap_parser_new(&p, NULL, ignore_record, NULL), 0);
    cr_assert_eq(ldrsnap_parser_feed(p, NULL, 3), LDRSNAP_EINVAL);
    cr_assert_eq(ldrsnap_parser_finish(p), 0);
    cr_assert_eq(ldrsnap_parser_feed(p, "x", 1), LDRSNAP_EMISUSE);
    cr_assert_eq(ldrsnap_parser_finish(p), LDRSNAP_EMISUSE);
    ldrsnap_parser_free(p);
    ldrsnap_parser_free(NULL);
    ldrsnap_analyzer_free(NULL);
    ldrsnap_batch_free(NULL);
    cr_assert_null(ldrsnap_analyzer_summary(NULL));
    /* a parser handle is not an analyzer */
    cr_assert_eq(ldrsnap_analyzer_feed((ldrsnap_analyzer *)(void *)"junkjunk",
                                       "x", 1),
                 LDRSNAP_EMISUSE);
}

static int stop_at_second(const ldrsnap_record *r, void *ud)
{
    (void)r;
    return ++*(int *)ud == 2;
}

Test(api, callback_can_stop_the_parser)
{
    int n = 0;
    ldrsnap_parser *p;
    ldrsnap_parser_new(&p, NULL, stop_at_second, &n);
    const char *in = "LDR: a\nLDR: b\nLDR: c\n";
    cr_assert_eq(ldrsnap_parser_feed(p, in, strlen(in)), LDRSNAP_ECALLBACK);
    cr_assert_eq(n, 2);
    cr_assert_str_neq(ldrsnap_parser_errmsg(p), "");
    cr_assert_eq(ldrsnap_parser_feed(p, in, 1), LDRSNAP_EMISUSE);
    ldrsnap_parser_free(p);
}

static ldrsnap_record *kept;

static int keep_first(const ldrsnap_record *r, void *ud)
{
    (void)ud;
    if (!kept)
        cr_assert_eq(ldrsnap_record_dup(&kept, r), 0);
    return 0;
}

Test(api, record_dup_outlives_the_callback)
{
    ldrsnap_parser *p;
    ldrsnap_parser_new(&p, NULL, keep_first, NULL);
    const char *in = "kstars(9496): 2518:8c04 @ 00508890 - LdrpProcessWork - "
                     "ERROR: Unable to load DLL: \"brotlidec.dll\", Parent "
                     "Module: \"C:\\k\\freetype.dll\", Status: 0xc0000135\n";
    ldrsnap_parser_feed(p, in, strlen(in));
    ldrsnap_parser_finish(p);
    ldrsnap_parser_free(p);
    cr_assert_not_null(kept);
    cr_assert_str_eq(kept->dll, "brotlidec.dll");
    cr_assert_str_eq(kept->parent, "C:\\k\\freetype.dll");
    cr_assert_str_eq(kept->prefix, "kstars(9496): ");
    cr_assert_str_eq(kept->image, "kstars");
    cr_assert_eq(kept->status, 0xc0000135u);
    cr_assert_eq(kept->pid, 0x2518);
    ldrsnap_record_free(kept);
    kept = NULL;
    ldrsnap_record_free(NULL);
}

typedef struct counting {
    size_t allocs, frees;
} counting;

static void *c_malloc(size_t n, void *ctx)
{
    ((counting *)ctx)->allocs++;
    return malloc(n);
}

static void *c_realloc(void *p, size_t n, void *ctx)
{
    if (!p)
        ((counting *)ctx)->allocs++;
    return realloc(p, n);
}

static void c_free(void *p, void *ctx)
{
    ((counting *)ctx)->frees++;
    free(p);
}

Test(api, custom_allocator_sees_every_allocation)
{
    counting c = {0, 0};
    ldrsnap_allocator al = {c_malloc, c_realloc, c_free, &c};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.allocator = &al;
    char path[512];
    snprintf(path, sizeof path, "%s/samples/win10-missing-vcruntime.log",
             SRCDIR);
    size_t len;
    char *buf = read_file(path, &len);
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, NULL, NULL), 0);
    ldrsnap_analyzer_feed(a, buf, len);
    ldrsnap_analyzer_finish(a);
    cr_assert_eq(ldrsnap_analyzer_summary(a)->n_verdicts, 1);
    ldrsnap_analyzer_free(a);
    free(buf);
    cr_assert_gt(c.allocs, 10);
    cr_assert_eq(c.allocs, c.frees);
}

Test(api, names_of_enums)
{
    cr_assert_str_eq(ldrsnap_kind_name(LDRSNAP_K_DLL_NOT_FOUND),
                     "dll_not_found");
    cr_assert_str_eq(ldrsnap_kind_name(LDRSNAP_K_PROCESS_INIT_FAILED),
                     "process_init_failed");
    cr_assert_str_eq(ldrsnap_role_name(LDRSNAP_ROLE_NOISE), "noise");
    cr_assert_str_eq(ldrsnap_confidence_name(LDRSNAP_CONF_LOW), "low");
    cr_assert_str_eq(ldrsnap_dialect_name(LDRSNAP_D_IDE), "ide");
    cr_assert_str_eq(ldrsnap_msg_name(LDRSNAP_M_SHELL_COMMAND),
                     "shell_command");
    cr_assert_str_eq(ldrsnap_level_name(LDRSNAP_L_WARNING), "WARNING");
    cr_assert_str_eq(ldrsnap_status_name(0xc0000135), "STATUS_DLL_NOT_FOUND");
    cr_assert_str_eq(ldrsnap_status_name(0xc0000018),
                     "STATUS_CONFLICTING_ADDRESSES");
    cr_assert_null(ldrsnap_status_name(0x12345678));
    cr_assert_eq(ldrsnap_status_kind(0xc000007b), LDRSNAP_K_BAD_IMAGE);
    cr_assert_eq(ldrsnap_status_kind(0xc0150004), LDRSNAP_K_SXS);
    cr_assert_eq(ldrsnap_status_kind(0x80070005), LDRSNAP_K_ACCESS_DENIED);
}

/* ---- batch ---------------------------------------------------------------- */

static char tmpdir[256];

static void make_tmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ldrsnap-test-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void write_gz(const char *path, const char *const *members, size_t n)
{
    FILE *f = fopen(path, "wb");
    for (size_t i = 0; i < n; i++) {
        /* each member compressed on its own: a multi-member stream */
        char tmp[300];
        snprintf(tmp, sizeof tmp, "%s.part", path);
        gzFile g = gzopen(tmp, "wb");
        gzwrite(g, members[i], (unsigned)strlen(members[i]));
        gzclose(g);
        size_t len;
        char *b = read_file(tmp, &len);
        fwrite(b, 1, len, f);
        free(b);
        unlink(tmp);
    }
    fclose(f);
}

static char *read_entry(ldrsnap_batch *b, int *rc)
{
    char *out = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&out, &n);
    char buf[7];
    size_t got;
    while ((*rc = ldrsnap_batch_read(b, buf, sizeof buf, &got)) == 0 && got)
        fwrite(buf, 1, got, m);
    fclose(m);
    return out;
}

Test(batch, gzip_multi_member_is_read_whole)
{
    make_tmp();
    char gz[300];
    snprintf(gz, sizeof gz, "%s/LDR.log.gz", tmpdir);
    const char *parts[] = {"LDR: UNINIT LIST\n", "LDR: Unmapping [a.dll]\n"};
    write_gz(gz, parts, 2);
    ldrsnap_batch *b;
    ldrsnap_entry *e;
    ldrsnap_batch_new(&b, NULL, 0);
    ldrsnap_batch_add(b, gz);
    cr_assert_eq(ldrsnap_batch_next(b, &e), LDRSNAP_OK);
    cr_assert_eq(e->error, 0);
    cr_assert_str_eq(e->compression, "gzip");
    int rc;
    char *text = read_entry(b, &rc);
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(text, "LDR: UNINIT LIST\nLDR: Unmapping [a.dll]\n");
    free(text);
    cr_assert_eq(ldrsnap_batch_next(b, &e), LDRSNAP_DONE);
    ldrsnap_batch_free(b);
}

/* A .gz padded with zero bytes after its last member (tape blocks, some
 * copying tools; gzip(1) reads it and ignores them): read whole, from a
 * file and from memory, with no error; bytes other than zeros after it
 * are still an error naming it.  ("gzip data is corrupt (incorrect
 * header check)" before, after every byte.) */
Test(batch, gzip_padded_with_zeros_is_read_whole)
{
    make_tmp();
    char gz[300];
    snprintf(gz, sizeof gz, "%s/padded.log.gz", tmpdir);
    const char *parts[] = {"LDR: UNINIT LIST\n", "LDR: Unmapping [a.dll]\n"};
    write_gz(gz, parts, 2);
    static const char zeros[300 << 10]; /* past one read of the file */
    FILE *f = fopen(gz, "ab");
    cr_assert_not_null(f);
    fwrite(zeros, 1, sizeof zeros, f);
    fclose(f);
    size_t len;
    char *mem = read_file(gz, &len);
    for (int way = 0; way < 3; way++) {
        ldrsnap_batch *b;
        ldrsnap_entry *e;
        cr_assert_eq(ldrsnap_batch_new(&b, NULL, 0), 0);
        mem[len] = way == 2 ? 'x' : '\0';
        if (way == 0)
            cr_assert_eq(ldrsnap_batch_add(b, gz), 0);
        else /* way 2: a byte past the zeros */
            cr_assert_eq(ldrsnap_batch_add_memory(b, "padded.log.gz", mem,
                                                  way == 1 ? len : len + 1),
                         0);
        cr_assert_eq(ldrsnap_batch_next(b, &e), LDRSNAP_OK);
        int rc;
        char *text = read_entry(b, &rc);
        cr_assert_str_eq(text, "LDR: UNINIT LIST\nLDR: Unmapping [a.dll]\n");
        if (way < 2) {
            cr_assert_eq(rc, 0, "way %d: %s", way, ldrsnap_batch_errmsg(b));
        } else {
            cr_assert_eq(rc, LDRSNAP_EFORMAT);
            cr_assert(strstr(ldrsnap_batch_errmsg(b), "padded.log.gz"), "%s",
                      ldrsnap_batch_errmsg(b));
        }
        free(text);
        ldrsnap_batch_free(b);
    }
    free(mem);
}

Test(batch, truncated_gzip_is_an_error_naming_the_file)
{
    make_tmp();
    char gz[300];
    snprintf(gz, sizeof gz, "%s/cut.gz", tmpdir);
    char big[16384];
    srand(42); /* incompressible enough that 200 bytes is a cut */
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + rand() % 26);
    big[sizeof big - 1] = '\0';
    const char *parts[] = {big};
    write_gz(gz, parts, 1);
    truncate(gz, 200);
    ldrsnap_batch *b;
    ldrsnap_entry *e;
    ldrsnap_batch_new(&b, NULL, 0);
    ldrsnap_batch_add(b, gz);
    cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
    int rc;
    free(read_entry(b, &rc));
    cr_assert_eq(rc, LDRSNAP_EFORMAT);
    cr_assert(strstr(ldrsnap_batch_errmsg(b), "cut.gz"));
    cr_assert(strstr(ldrsnap_batch_errmsg(b), "truncated"));
    ldrsnap_batch_free(b);
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* A log of n bytes of lines at path. */
static void write_lines(const char *path, size_t n, const char *mode)
{
    FILE *f = fopen(path, mode);
    cr_assert(f);
    for (size_t k = 0; k < n;) {
        char line[64];
        int w = snprintf(line, sizeof line, "LDR: line %zu of a long log\n", k);
        size_t take = min_size((size_t)w, n - k);
        fwrite(line, 1, take, f);
        k += take;
    }
    fclose(f);
}

/* Read up to `want` bytes of the entry (or to its end) in reads of cap. */
static size_t read_some(ldrsnap_batch *b, size_t cap, size_t want, int *rc)
{
    static char buf[256 * 1024];
    size_t total = 0, got = 1;
    *rc = 0;
    while (total < want && got && *rc == 0) {
        *rc = ldrsnap_batch_read(b, buf, min_size(cap, sizeof buf), &got);
        total += got;
    }
    return total;
}

/* A log truncated while it is read (rotated by copying it away and
 * truncating it) ends with an error naming it, not as if it had ended
 * there: in reads that take the batch's held chunk (7 bytes) and in reads
 * straight into the caller's buffer (256 KiB); to a few bytes, and to
 * none. */
Test(batch, a_file_truncated_while_read_is_an_error_naming_it)
{
    make_tmp();
    char p[300];
    snprintf(p, sizeof p, "%s/shrinks.log", tmpdir);
    const size_t caps[] = {7, 256 * 1024};
    const off_t to[] = {4096, 0};
    for (size_t c = 0; c < 2; c++)
        for (size_t t = 0; t < 2; t++) {
            write_lines(p, (size_t)1 << 20, "w");
            ldrsnap_batch *b;
            ldrsnap_entry *e;
            ldrsnap_batch_new(&b, NULL, 0);
            ldrsnap_batch_add(b, p);
            cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
            int rc;
            size_t n = read_some(b, caps[c], 600 * 1024, &rc);
            cr_assert_eq(rc, 0);
            cr_assert_geq(n, 600 * 1024);
            cr_assert_eq(truncate(p, to[t]), 0);
            read_some(b, caps[c], SIZE_MAX, &rc);
            cr_assert_eq(rc, LDRSNAP_EIO, "cap %zu, to %lld: %d", caps[c],
                         (long long)to[t], rc);
            const char *m = ldrsnap_batch_errmsg(b);
            cr_assert(strstr(m, "shrinks.log") && strstr(m, "shrank"), "%s", m);
            cr_assert_eq(e->error, LDRSNAP_EIO);
            ldrsnap_batch_free(b);
        }
}

/* No error where nothing was lost: a log that grows while it is read
 * (read to its new end), one cut to what was read already, a file of
 * /proc (0 bytes, says stat) and a FIFO. */
Test(batch, files_that_grow_or_say_no_size_are_read_whole)
{
    make_tmp();
    char p[300];
    snprintf(p, sizeof p, "%s/grows.log", tmpdir);
    write_lines(p, 300 * 1024, "w");
    ldrsnap_batch *b;
    ldrsnap_entry *e;
    ldrsnap_batch_new(&b, NULL, 0);
    ldrsnap_batch_add(b, p);
    cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
    int rc;
    size_t n = read_some(b, 64 * 1024, 100 * 1024, &rc);
    write_lines(p, 100 * 1024, "a");
    n += read_some(b, 64 * 1024, SIZE_MAX, &rc);
    cr_assert_eq(rc, 0);
    cr_assert_eq(n, 400 * 1024);
    ldrsnap_batch_free(b);

    write_lines(p, 300 * 1024, "w");
    ldrsnap_batch_new(&b, NULL, 0);
    ldrsnap_batch_add(b, p);
    cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
    n = read_some(b, 256 * 1024, 300 * 1024, &rc);
    cr_assert_eq(n, 300 * 1024);
    cr_assert_eq(truncate(p, 300 * 1024), 0); /* not shorter: no loss */
    read_some(b, 256 * 1024, SIZE_MAX, &rc);
    cr_assert_eq(rc, 0);
    ldrsnap_batch_free(b);

#ifdef __linux__
    ldrsnap_batch_new(&b, NULL, 0);
    ldrsnap_batch_add(b, "/proc/self/status");
    cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
    cr_assert_eq(e->error, 0);
    char *text = read_entry(b, &rc);
    cr_assert_eq(rc, 0, "%s", ldrsnap_batch_errmsg(b));
    cr_assert(strstr(text, "Name:"));
    free(text);
    ldrsnap_batch_free(b);
#endif

    snprintf(p, sizeof p, "%s/ldr.fifo", tmpdir);
    unlink(p);
    cr_assert_eq(mkfifo(p, 0600), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        write_lines(p, 300 * 1024, "w");
        _exit(0);
    }
    ldrsnap_batch_new(&b, NULL, 0);
    ldrsnap_batch_add(b, p);
    cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
    n = read_some(b, 256 * 1024, SIZE_MAX, &rc);
    cr_assert_eq(rc, 0);
    cr_assert_eq(n, 300 * 1024);
    ldrsnap_batch_free(b);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A tree with a link back to its top: not followed in a walk (listed as
 * skipped); with LDRSNAP_BATCH_FOLLOW, followed and the loop refused. */
static void link_tree(void)
{
    make_tmp();
    char p[400];
    snprintf(p, sizeof p, "%s/b", tmpdir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/b/2.log", tmpdir);
    fclose(fopen(p, "w"));
    snprintf(p, sizeof p, "%s/a.log", tmpdir);
    fclose(fopen(p, "w"));
    char target[400];
    snprintf(p, sizeof p, "%s/b/loop", tmpdir);
    snprintf(target, sizeof target, "%s", tmpdir);
    cr_assert_eq(symlink(target, p), 0);
}

static void walk_tree(unsigned flags, int loop_error, bool loop_skipped)
{
    ldrsnap_batch *b;
    ldrsnap_entry *e;
    char p[400];
    ldrsnap_batch_new(&b, NULL, flags);
    ldrsnap_batch_add(b, tmpdir);
    snprintf(p, sizeof p, "%s/missing.log", tmpdir);
    ldrsnap_batch_add(b, p);
    const char *want[] = {"/a.log", "/b/2.log", "/b/loop", "/missing.log"};
    int errors[] = {0, 0, loop_error, LDRSNAP_ENOTFOUND};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(ldrsnap_batch_next(b, &e), 0, "entry %zu", i);
        cr_assert(strstr(e->name, want[i]), "%s", e->name);
        cr_assert_eq(e->error, errors[i], "%s: %d", e->name, e->error);
        cr_assert_eq(e->skipped != NULL, i == 2 && loop_skipped, "%s",
                     e->name);
    }
    cr_assert_eq(ldrsnap_batch_next(b, &e), LDRSNAP_DONE);
    ldrsnap_batch_free(b);
}

Test(batch, directories_are_walked_in_order_links_not_followed)
{
    link_tree();
    walk_tree(0, 0, true);
}

Test(batch, followed_links_in_a_walk_refuse_loops)
{
    link_tree();
    walk_tree(LDRSNAP_BATCH_FOLLOW, LDRSNAP_ELIMIT, false);
}

Test(batch, analyze_path_reports_missing_files)
{
    ldrsnap_analyzer *a = NULL;
    cr_assert_eq(ldrsnap_analyze_path(&a, "/nonexistent/LDR.log", NULL, NULL,
                                      NULL),
                 LDRSNAP_ENOTFOUND);
    cr_assert_null(a);
    char path[512];
    snprintf(path, sizeof path, "%s/samples/win10-success.log", SRCDIR);
    cr_assert_eq(ldrsnap_analyze_path(&a, path, NULL, NULL, NULL), 0);
    cr_assert_eq(ldrsnap_analyzer_summary(a)->n_verdicts, 0);
    ldrsnap_analyzer_free(a);
}

/* ---- memory bounds ---------------------------------------------------- */

typedef struct sized {
    size_t now, peak;
} sized;

static void *s_malloc(size_t n, void *ctx)
{
    sized *z = ctx;
    size_t *p = malloc(n + 16);
    if (!p)
        return NULL;
    p[0] = n;
    z->now += n;
    if (z->now > z->peak)
        z->peak = z->now;
    return (char *)p + 16;
}

static void s_free(void *q, void *ctx)
{
    if (!q)
        return;
    size_t *p = (size_t *)((char *)q - 16);
    ((sized *)ctx)->now -= p[0];
    free(p);
}

static void *s_realloc(void *q, size_t n, void *ctx)
{
    void *d = s_malloc(n, ctx);
    if (d && q) {
        size_t old = *(size_t *)((char *)q - 16);
        memcpy(d, q, old < n ? old : n);
        s_free(q, ctx);
    }
    return d;
}

Test(api, memory_stays_bounded_on_a_hostile_log)
{
    /* 300 processes x 40 threads x 80 nested ENTERs that never return,
     * with a failure on each thread: far more state than any real log. */
    sized z = {0, 0};
    ldrsnap_allocator al = {s_malloc, s_realloc, s_free, &z};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.allocator = &al;
    o.flags = LDRSNAP_OPT_QUIET_NOISE;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, NULL, NULL), 0);
    char line[256];
    size_t fed = 0;
    for (unsigned pid = 1; pid <= 300; pid++) {
        for (unsigned tid = 1; tid <= 40; tid++) {
            for (unsigned d = 0; d < 80; d++) {
                int k = snprintf(line, sizeof line,
                                 "%04x:%04x @ 1 - LdrpLoadDllInternal - "
                                 "ENTER: DLL name: C:\\x\\dll%u.dll\n",
                                 pid, tid, d);
                ldrsnap_analyzer_feed(a, line, (size_t)k);
                fed += (size_t)k;
            }
            int k = snprintf(line, sizeof line,
                             "%04x:%04x @ 1 - LdrpProcessWork - ERROR: Unable "
                             "to load DLL: \"m%u.dll\", Parent Module: "
                             "\"C:\\x\\p.dll\", Status: 0xc0000135\n",
                             pid, tid, tid);
            ldrsnap_analyzer_feed(a, line, (size_t)k);
        }
    }
    cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
    const ldrsnap_summary *s = ldrsnap_analyzer_summary(a);
    cr_assert_eq(s->n_verdicts, 300);
    cr_assert_eq(s->processes, 300);
    ldrsnap_analyzer_free(a);
    cr_assert_eq(z.now, 0, "leaked %zu bytes", z.now);
    /* the live set is at most 64 processes; verdicts grow with failing
     * processes only */
    cr_assert_lt(z.peak, 32u << 20, "peak %zu bytes for %zu fed", z.peak,
                 fed);
}

/* The summary's root causes come by line whatever order their processes
 * end in (here the live set's, the least recently seen first: the last
 * to fail first), the same with the general way
 * (LS_OPT_NO_FAST_ANALYSIS: qsort()) as with the keys' radix sort. */
Test(api, root_causes_by_line_whatever_order_processes_end)
{
    const ldrsnap_verdict *got[2] = {NULL, NULL};
    ldrsnap_analyzer *a[2];
    for (int way = 0; way < 2; way++) {
        ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
        o.flags = LDRSNAP_OPT_QUIET_NOISE |
                  (way ? LS_OPT_NO_FAST_ANALYSIS : 0u);
        cr_assert_eq(ldrsnap_analyzer_new(&a[way], &o, NULL, NULL), 0);
        char line[256];
        for (unsigned pid = 1; pid <= 60; pid++) {
            for (unsigned i = 0; i < 9; i++) {
                int k = snprintf(line, sizeof line,
                                 "%04x:%04x @ 1 - LdrpLoadDllInternal - "
                                 "ENTER: DLL name: C:\\x\\dll%u.dll\n",
                                 pid, 7u, i);
                ldrsnap_analyzer_feed(a[way], line, (size_t)k);
            }
            int k = snprintf(line, sizeof line,
                             "%04x:%04x @ 1 - LdrpProcessWork - ERROR: Unable "
                             "to load DLL: \"m%u.dll\", Parent Module: "
                             "\"C:\\x\\p.dll\", Status: 0xc0000135\n",
                             pid, 7u, pid);
            ldrsnap_analyzer_feed(a[way], line, (size_t)k);
        }
        /* the failing processes seen again, last first, then 80 others:
         * the live set (64) ends the least recently seen first, 60 down
         * to 1 */
        for (unsigned pid = 140; pid >= 1; pid--) {
            unsigned p = pid > 80 ? pid - 80 : 141 - pid;
            int k = snprintf(line, sizeof line,
                             "%04x:%04x @ 1 - LdrpLoadDllInternal - "
                             "ENTER: DLL name: C:\\x\\q.dll\n",
                             p, 7u);
            ldrsnap_analyzer_feed(a[way], line, (size_t)k);
        }
        cr_assert_eq(ldrsnap_analyzer_finish(a[way]), 0);
        const ldrsnap_summary *s = ldrsnap_analyzer_summary(a[way]);
        cr_assert_eq(s->n_verdicts, 60);
        for (size_t i = 1; i < s->n_verdicts; i++)
            cr_assert_lt(s->verdicts[i - 1].line, s->verdicts[i].line,
                         "way %d: %zu", way, i);
        got[way] = s->verdicts;
    }
    for (size_t i = 0; i < 60; i++) {
        cr_assert_eq(got[0][i].line, got[1][i].line);
        cr_assert_eq(got[0][i].pid, got[1][i].pid);
        cr_assert_str_eq(got[0][i].dll, got[1][i].dll);
    }
    ldrsnap_analyzer_free(a[0]);
    ldrsnap_analyzer_free(a[1]);
}

/* ---- archives through the public iterator ------------------------------- */

typedef struct path_events {
    size_t inputs, failures, members;
    char last[512];
} path_events;

static int count_events(const ldrsnap_event *ev, void *ud)
{
    path_events *c = ud;
    cr_assert_not_null(ev->input, "every event names its input");
    if (ev->type == LDRSNAP_EV_FAILURE)
        c->failures++;
    if (ev->type == LDRSNAP_EV_INPUT_END) {
        c->inputs++;
        c->members += ev->input->member;
        snprintf(c->last, sizeof c->last, "%s", ev->input->name);
        cr_assert(ev->summary || ev->message, "%s", ev->input->name);
    }
    return 0;
}

/* ldrsnap_analyze_path() on a folder holding a log and a zip of two logs
 * (made with zip(1)): every log analyzed, members named ARCHIVE!member. */
Test(batch, analyze_path_takes_folders_and_archives_whole)
{
    make_tmp();
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "cp %s/samples/win10-missing-vcruntime.log %s/a.log && "
             "cp %s/samples/win7-return-chain.log %s/b.log && "
             "cd %s && zip -q -X z.zip a.log b.log",
             SRCDIR, tmpdir, SRCDIR, tmpdir, tmpdir);
    cr_assert_eq(system(cmd), 0);
    path_events c = {0};
    ldrsnap_analyzer *a = NULL;
    cr_assert_eq(ldrsnap_analyze_path(&a, tmpdir, NULL, count_events, &c), 0);
    cr_assert_eq(c.inputs, 4, "a.log, b.log, z.zip!a.log, z.zip!b.log: %zu",
                 c.inputs);
    cr_assert_eq(c.members, 2);
    cr_assert(strstr(c.last, "/z.zip!b.log"), "%s", c.last);
    cr_assert_not_null(a);
    cr_assert_eq(ldrsnap_analyzer_summary(a)->n_verdicts, 1);
    ldrsnap_analyzer_free(a);
}

/* A zip held in memory: its members come with their names; a member over
 * max_bytes is an error naming it and the limit, the next is read. */
Test(batch, memory_archive_members_and_limits)
{
    make_tmp();
    char cmd[1200], zip[400];
    snprintf(cmd, sizeof cmd,
             "cd %s && head -c 300000 /dev/zero | tr '\\\\0' x > big.log && "
             "cp %s/samples/win10-success.log ok.log && "
             "zip -q -X m.zip big.log ok.log",
             tmpdir, SRCDIR);
    cr_assert_eq(system(cmd), 0);
    snprintf(zip, sizeof zip, "%s/m.zip", tmpdir);
    size_t len;
    char *mem = read_file(zip, &len);
    ldrsnap_batch *b;
    ldrsnap_entry *e;
    ldrsnap_limits lim = LDRSNAP_LIMITS_INIT;
    lim.max_bytes = 100000;
    cr_assert_eq(ldrsnap_batch_new(&b, NULL, 0), 0);
    cr_assert_eq(ldrsnap_batch_set_limits(b, &lim), 0);
    cr_assert_eq(ldrsnap_batch_add_memory(b, "mem.zip", mem, len), 0);
    cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
    cr_assert_str_eq(e->name, "mem.zip!big.log");
    cr_assert_str_eq(e->compression, "zip");
    int rc;
    free(read_entry(b, &rc));
    cr_assert_eq(rc, LDRSNAP_ELIMIT);
    cr_assert(strstr(ldrsnap_batch_errmsg(b), "mem.zip!big.log: over the "
                                              "limit of 100000 bytes"),
              "%s", ldrsnap_batch_errmsg(b));
    cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
    cr_assert_str_eq(e->name, "mem.zip!ok.log");
    char *text = read_entry(b, &rc);
    cr_assert_eq(rc, 0);
    cr_assert(strstr(text, "LdrpInitializeProcess"));
    free(text);
    cr_assert_eq(ldrsnap_batch_next(b, &e), LDRSNAP_DONE);
    ldrsnap_batch_free(b);
    free(mem);
}

/* The bytes of an input given before a limit stops it, read in reads of
 * cap bytes: what is analyzed of a log past max_bytes or max_total. */
static size_t bytes_before_limit(const char *path, const ldrsnap_limits *lim,
                                 size_t cap, int *rc)
{
    ldrsnap_batch *b;
    ldrsnap_entry *e;
    cr_assert_eq(ldrsnap_batch_new(&b, NULL, 0), 0);
    cr_assert_eq(ldrsnap_batch_set_limits(b, lim), 0);
    cr_assert_eq(ldrsnap_batch_add(b, path), 0);
    cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
    char *buf = malloc(cap);
    size_t got, n = 0;
    while ((*rc = ldrsnap_batch_read(b, buf, cap, &got)) == 0 && got)
        n += got;
    free(buf);
    ldrsnap_batch_free(b);
    return n;
}

/* An input stopped by max_bytes or max_total is cut at the limit, whatever
 * the sizes of the reads (-j 1 reads 256 KiB, the tokenizer thread 256 KiB
 * and the caller's thread 64 KiB ahead of it, as the scheduler has it):
 * the bytes of the read that crosses the limit up to it are given, not
 * dropped with it, so what is analyzed of a log, a .gz or a zip member
 * past a limit is the same in every run. */
Test(batch, a_limit_cuts_at_the_same_byte_whatever_the_reads)
{
    make_tmp();
    char cmd[1200], path[3][400];
    snprintf(cmd, sizeof cmd,
             "cd %s && for i in $(seq 1 40000); do "
             "echo \"1234:5678 @ $i - LdrLoadDll - ENTER: DLL name: "
             "a$i.dll\"; "
             "done > lim.log && gzip -c lim.log > lim.log.gz && "
             "zip -q -X lim.zip lim.log",
             tmpdir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path[0], sizeof path[0], "%s/lim.log", tmpdir);
    snprintf(path[1], sizeof path[1], "%s/lim.log.gz", tmpdir);
    snprintf(path[2], sizeof path[2], "%s/lim.zip", tmpdir);
    const size_t caps[] = {7, 4096, 64 << 10, 256 << 10, 1 << 20};
    for (int which = 0; which < 2; which++) {
        ldrsnap_limits lim = LDRSNAP_LIMITS_INIT;
        if (which == 0)
            lim.max_bytes = 1000003;
        else
            lim.max_total = 1000003;
        for (int p = 0; p < 3; p++) {
            if (which == 1 && p < 2)
                continue; /* max_total: an archive's */
            for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
                int rc;
                size_t n = bytes_before_limit(path[p], &lim, caps[c], &rc);
                cr_expect_eq(rc, LDRSNAP_ELIMIT, "%s, reads of %zu", path[p],
                             caps[c]);
                cr_expect_eq(n, 1000003, "%s, reads of %zu: %zu bytes given",
                             path[p], caps[c], n);
            }
        }
    }
}

static int read_batch(void *ctx, void *buf, size_t cap, size_t *got)
{
    return ldrsnap_batch_read(ctx, buf, cap, got);
}

/* The bytes of path a threaded analyzer pulled before the ratio limit
 * stopped it (the tokenizer thread reads 256 KiB, the caller's thread 64
 * KiB ahead of it, as the scheduler has it). */
static uint64_t analyzed_before_limit(const char *path,
                                      const ldrsnap_limits *lim, int *rc)
{
    ldrsnap_batch *b;
    ldrsnap_entry *e;
    ldrsnap_analyzer *a;
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags = LDRSNAP_OPT_THREADED;
    cr_assert_eq(ldrsnap_batch_new(&b, NULL, 0), 0);
    cr_assert_eq(ldrsnap_batch_set_limits(b, lim), 0);
    cr_assert_eq(ldrsnap_batch_add(b, path), 0);
    cr_assert_eq(ldrsnap_batch_next(b, &e), 0);
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, NULL, NULL), 0);
    *rc = ldrsnap_analyzer_pull(a, read_batch, b);
    cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
    uint64_t n = ldrsnap_analyzer_summary(a)->bytes;
    ldrsnap_analyzer_free(a);
    ldrsnap_batch_free(b);
    return n;
}

/* The ratio limit cuts a .gz at the same byte whatever the reads and the
 * threads: the compressed bytes counted when the output reaches a byte
 * are the same in every run (the next ones are read once the inflater
 * has made all it can of those it has), and no read goes past the byte
 * at which the ratio trips with that count.  It used to be checked after
 * each read with the count of whichever read came last (an inflater
 * thread ran up to four slots ahead), and the read that crossed it was
 * dropped whole: reads of 7 bytes and of 1 MiB, or two runs of one
 * threaded analyzer, stopped at different places.  Three .gz: random
 * bytes (1.3:1) then a log line repeated (1,000:1), one large enough for
 * an inflater thread (4 MiB compressed) and one not; and log lines that
 * compress better and better (3:1 to 9:1), whose ratio goes up and down
 * with every 256 KiB read: the limit is met at its highest, just before
 * a read. */
Test(batch, the_ratio_limit_cuts_a_gz_at_the_same_byte_whatever_the_reads)
{
    make_tmp();
    char cmd[1400], path[3][400];
    snprintf(cmd, sizeof cmd,
             "cd %s && for k in 4800000 1200000; do "
             "{ head -c $k /dev/urandom | base64 -w 76; "
             "yes '1234:5678 @ 1 - LdrLoadDll - ENTER: DLL name: a.dll' | "
             "head -n $((k / 10)); } | gzip -1 > r$k.gz; done && "
             "awk 'BEGIN { srand(3); for (i = 0; i < 300000; i++) { "
             "h = sprintf(\"%%08x%%08x\", rand() * 4294967295, "
             "rand() * 4294967295); printf \"12a4:5b78 @ %%d - "
             "LdrpLoadDll - ENTER: DLL name: %%s.dll\\n\", i, "
             "substr(h, 1, 16 - 2 * int(i * 9 / 300000)) } }' | "
             "gzip -1 > m.gz",
             tmpdir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path[0], sizeof path[0], "%s/r4800000.gz", tmpdir);
    snprintf(path[1], sizeof path[1], "%s/r1200000.gz", tmpdir);
    snprintf(path[2], sizeof path[2], "%s/m.gz", tmpdir);
    const size_t caps[] = {7, 4096, 64 << 10, 100000, 256 << 10, 1 << 20};
    /* m.gz: over 2:1 at once, over 4:1 and 5:1 past 7 and 17 MB */
    const unsigned ratios[] = {2, 4, 5};
    for (int p = 0; p < 3; p++) {
        for (size_t q = 0; q < 3; q++) {
            ldrsnap_limits lim = LDRSNAP_LIMITS_INIT;
            lim.max_ratio = ratios[q];
            lim.ratio_floor = 1 << 20;
            int rc, rc0;
            unsigned long threads = ldrsnap__gunzip_threads();
            size_t first = bytes_before_limit(path[p], &lim, caps[0], &rc0);
            /* only the first inflated on a thread of its own */
            cr_expect_eq(ldrsnap__gunzip_threads() - threads, p ? 0ul : 1ul,
                         "%s: inflater threads %lu", path[p],
                         ldrsnap__gunzip_threads() - threads);
            if ((p < 2 && q == 0) || (p == 2 && q > 0)) {
                cr_expect_eq(rc0, LDRSNAP_ELIMIT, "%s", path[p]);
                cr_expect_gt(first, (size_t)(p < 2 ? 1 : 4) << 20, "%s: %zu",
                             path[p], first);
            }
            for (size_t c = 1; c < sizeof caps / sizeof caps[0]; c++) {
                size_t n = bytes_before_limit(path[p], &lim, caps[c], &rc);
                cr_expect_eq(rc, rc0, "%s, max_ratio %u, reads of %zu",
                             path[p], ratios[q], caps[c]);
                cr_expect_eq(n, first, "%s, max_ratio %u, reads of %zu: "
                             "%zu bytes given, %zu in reads of %zu", path[p],
                             ratios[q], caps[c], n, first, caps[0]);
            }
            for (int run = 0; run < 4; run++) {
                uint64_t n = analyzed_before_limit(path[p], &lim, &rc);
                cr_expect_eq(rc, rc0, "%s, max_ratio %u, analyzer", path[p],
                             ratios[q]);
                cr_expect_eq(n, (uint64_t)first, "%s, max_ratio %u, threaded "
                             "analyzer, run %d: %llu bytes, %zu in reads of "
                             "%zu", path[p], ratios[q], run,
                             (unsigned long long)n, first, caps[0]);
            }
        }
    }
}

/* Is a library whose name holds `name` mapped into this process? */
static bool mapped(const char *name)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024];
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, name) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* libarchive (with libxml2, ICU and libstdc++ behind it: 1.1 ms of
 * relocations at the start of every run) is opened by the first archive
 * that needs it, not at the start: a plain log, a .gz and a zip (ours,
 * zip.c) are read without it; a tar.gz opens it. */
Test(batch, libarchive_is_opened_by_the_first_archive_that_needs_it)
{
    if (ldrsnap__archive_loaded() < 0)
        cr_skip_test("libarchive linked (ARCHIVE_DLOPEN=0)");
    make_tmp();
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "cd %s && cp %s/samples/win10-missing-vcruntime.log a.log && "
             "gzip -k a.log && zip -q -X a.zip a.log && tar czf a.tgz a.log",
             tmpdir, SRCDIR);
    cr_assert_eq(system(cmd), 0);
    cr_assert(!mapped("libarchive"), "linked, or opened at the start");
    const char *plain[] = {"a.log", "a.log.gz", "a.zip"};
    for (size_t i = 0; i < 4; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s", tmpdir, i < 3 ? plain[i] : "a.tgz");
        ldrsnap_batch *b;
        ldrsnap_entry *e;
        cr_assert_eq(ldrsnap_batch_new(&b, NULL, 0), 0);
        cr_assert_eq(ldrsnap_batch_add(b, path), 0);
        cr_assert_eq(ldrsnap_batch_next(b, &e), 0, "%s", path);
        int rc;
        char *text = read_entry(b, &rc);
        cr_assert_eq(rc, 0, "%s: %s", path, ldrsnap_batch_errmsg(b));
        cr_assert(strstr(text, "ContosoViewer.exe"), "%s", path);
        free(text);
        ldrsnap_batch_free(b);
        cr_assert_eq(ldrsnap__archive_loaded(), i == 3, "%s", path);
        cr_assert_eq(mapped("libarchive"), i == 3, "%s", path);
    }
}
