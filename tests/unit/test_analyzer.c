/*
 * test_analyzer.c - verdicts, roles and attribution on our samples and on
 * the shared corpus of real excerpts.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "helpers.h"

typedef struct expect {
    const char *file;
    size_t verdicts;       /* failing processes */
    const char *dll;       /* first verdict: "" for none */
    const char *status;    /* "" when not in the log */
    ldrsnap_kind kind;
    ldrsnap_confidence conf;
    size_t roots;          /* failures with role root_cause */
    size_t handled;
    const char *chain;     /* first verdict's chain joined by '>' or "" */
    const char *parent;
} expect;

static const expect samples[] = {
    {"samples/win10-missing-vcruntime.log", 1, "VCRUNTIME140.dll",
     "0xc0000135", LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "ContosoViewer.exe>ImageCodec.dll>VCRUNTIME140.dll",
     "C:\\Program Files\\Contoso\\Viewer\\ImageCodec.dll"},
    {"samples/win7-return-chain.log", 1, "ZipHelper.dll", "0xc0000135",
     LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_MEDIUM, 1, 0,
     "Archiver.exe>ZipHelper.dll", ""},
    {"samples/win10-1507-bad-image.log", 1,
     "C:\\Tools\\Scanner\\plugins\\ScanEngine.dll", "0xc000007b",
     LDRSNAP_K_BAD_IMAGE, LDRSNAP_CONF_HIGH, 1, 0,
     "Scanner.exe>ScanEngine.dll", ""}, /* the image from the VS session */
    {"samples/win11-arm64-compact.log", 1, "VCRUNTIME140.dll", "0xc0000135",
     LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 2, 0,
     "Markdown.WinUI.dll>VCRUNTIME140.dll", NULL},
    {"samples/xp-sxs-manifest.log", 1, "QtCored4.dll", "0xc0150002",
     LDRSNAP_K_SXS, LDRSNAP_CONF_HIGH, 1, 0, "QtGuid4.dll>QtCored4.dll",
     "C:\\Qt\\4.8.7\\bin\\QtGuid4.dll"}, /* the module being loaded */
    {"samples/xp-w3wp-static-import.log", 1, "w3isapi.dll", "0xc0000135",
     LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "w3wp.exe>w3core.dll>w3isapi.dll",
     "C:\\WINDOWS\\system32\\inetsrv\\w3core.dll"},
    {"samples/windbg-missing-export.log", 1, "Charting.dll", "0xc0000139",
     LDRSNAP_K_EXPORT_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "ReportTool.exe>PdfExport.dll>Charting.dll",
     "C:\\build\\out\\PdfExport.dll"}, /* the image: its CommandLine */
    {"samples/two-processes.log", 1, "libssl-3-x64.dll", "0xc0000135",
     LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "worker.exe>libssl-3-x64.dll", "C:\\Tools\\Suite\\worker.exe"},
    {"samples/win10-success.log", 0, "", "", 0, 0, 0, 0, "", ""},
    {"samples/vs-output-utf16-crlf.log", 1, "libcrypto-3-x64.dll",
     "0xc0000135", LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "curl.exe>libssl-3-x64.dll>libcrypto-3-x64.dll", NULL},
    {"samples/vs-output-de-dllmain.log", 1,
     "C:\\Users\\mmuster\\Downloads\\InstallHelper.dll", "0xc0000142",
     LDRSNAP_K_INIT_FAILED, LDRSNAP_CONF_MEDIUM, 1, 0,
     "Setup.exe>InstallHelper.dll", ""},
    {"samples/win10-dllmain-failed.log", 1,
     "C:\\Program Files\\Fabrikam\\Licensing\\FabLicense.dll", "0xc0000142",
     LDRSNAP_K_INIT_FAILED, LDRSNAP_CONF_HIGH, 1, 0, "", ""},
    {"samples/win10-handled-optional.log", 0, "", "", 0, 0, 0, 4, "", ""},
    /* issue 11: one sample per pattern of real logs */
    /* 1: XP processes begin at "PID: ... started" and "NEW PROCESS" */
    {"samples/xp-new-process.log", 1, "txflog.dll", "0xc0000135",
     LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "dllhost.exe>comsvcs.dll>txflog.dll",
     "C:\\WINDOWS\\system32\\comsvcs.dll"},
    /* 2: an XP load request with no news after it was not found */
    {"samples/xp-not-found-inferred.log", 1, "crdb_odbc.dll", "0xc0000135",
     LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 1,
     "reports.exe>crdb_odbc.dll", ""},
    /* 3: DCOM's E_ACCESSDENIED ends the process; the earlier first-chance
     * exceptions were survived */
    {"samples/xp-iis6-dcom-handled-first.log", 1, "", "0x80070005",
     LDRSNAP_K_ACCESS_DENIED, LDRSNAP_CONF_MEDIUM, 1, 0, "", ""},
    /* 4: an init failure names its DLL; the access violation is how */
    {"samples/cdb-init-routine-av.log", 1, "C:\\Tools\\Ledger\\LedgerCore.dll",
     "0xc0000142", LDRSNAP_K_INIT_FAILED, LDRSNAP_CONF_HIGH, 1, 0,
     "ledger.exe>LedgerCore.dll", ""},
    /* 5: ERROR lines the program went on after, and exit code 0 */
    {"samples/vs-handled-plugins-exit-0.log", 0, "", "", 0, 0, 0, 12, "",
     ""},
    /* 6: exit lines are consequences, thread ids stay in their process */
    {"samples/vs-exit-lines-three-programs.log", 1, "sqlite3.dll",
     "0xc0000135", LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "suite.exe>sqlite3.dll", "C:\\Program Files\\Contoso\\Suite\\suite.exe"},
    /* 7: the exporter at the warning's base is of the same process */
    {"samples/cdb-export-base-reused.log", 1, "Charting.dll", "0xc0000139",
     LDRSNAP_K_EXPORT_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "ReportTool.exe>PdfExport.dll>Charting.dll",
     "C:\\build\\out\\PdfExport.dll"},
    /* 8: newer and older vocabularies */
    {"samples/win11-init-routine-failed.log", 1,
     "C:\\Program Files\\WindowsApps\\Fabrikam.Notes_2.4.0.0_x64__"
     "8wekyb3d8bbwe\\SyncEngine.dll",
     "0xc0000142", LDRSNAP_K_INIT_FAILED, LDRSNAP_CONF_HIGH, 1, 0,
     "Notes.exe>SyncEngine.dll", ""},
    {"samples/win7-snapiat-exception.log", 1, "", "0xc0000005",
     LDRSNAP_K_OTHER, LDRSNAP_CONF_MEDIUM, 1, 0, "", ""},
    {"samples/nt4-relocations.log", 0, "", "", 0, 0, 0, 0, "", ""},
    /* 9: logs as people paste them: in code comments, names padded, a
     * record wrapped onto an indented line; heads cut off; a fragment of
     * a message (low confidence) */
    {"samples/pasted-code-comment-wrapped.log", 1, "libxml2-2.dll",
     "0xc0000135", LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "Importer.exe>CsvBridge.dll>libxml2-2.dll",
     "C:\\src\\Importer\\bin\\Debug\\CsvBridge.dll"},
    {"samples/pasted-headless-lines.log", 1, "tesseract53.dll", "0xc0000135",
     LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_HIGH, 1, 0,
     "OcrEngine.dll>tesseract53.dll",
     "C:\\Tools\\Scanner\\plugins\\OcrEngine.dll"},
    {"samples/pasted-message-fragment.log", 1, "gtk-3-0.dll", "0xc0000135",
     LDRSNAP_K_DLL_NOT_FOUND, LDRSNAP_CONF_LOW, 1, 0,
     "node_gtk.node>gtk-3-0.dll",
     "C:\\msys64\\home\\dev\\app\\node_modules\\node-gtk\\lib\\"
     "binding\\node_gtk.node"},
    /* 10: a debugger capture without loader snaps: no verdict, and no
     * all-clear either (loader_lines is 0: a test below) */
    {"samples/cdb-without-snaps.log", 0, "", "", 0, 0, 0, 0, "", ""},
    {"tests/data/xp-console-wrapped.log", 1,
     "C:\\Program Files\\Acme\\bin\\acmehook.dll", "0xc0000142",
     LDRSNAP_K_INIT_FAILED, LDRSNAP_CONF_HIGH, 1, 0, "", ""},
};

static void chain_str(const ldrsnap_verdict *v, char *buf, size_t n)
{
    buf[0] = '\0';
    for (size_t i = 0; v->chain_len > 1 && i < v->chain_len; i++) {
        strncat(buf, i ? ">" : "", n - strlen(buf) - 1);
        strncat(buf, v->chain[i], n - strlen(buf) - 1);
    }
}

#define NSAMPLES (sizeof samples / sizeof samples[0])

/* Criterion re-executes the test binary: parameters are indices. */
ParameterizedTestParameters(analyzer, samples_give_their_verdict)
{
    static size_t idx[NSAMPLES];
    for (size_t i = 0; i < NSAMPLES; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, NSAMPLES);
}

ParameterizedTest(size_t *ix, analyzer, samples_give_their_verdict)
{
    const expect *e = &samples[*ix];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", SRCDIR, e->file);
    analysis an;
    analyze_file(path, &an);
    cr_assert_eq(an.s->n_verdicts, e->verdicts, "%s: %zu verdicts", e->file,
                 an.s->n_verdicts);
    cr_assert_str_eq(verdict_dll(&an), e->dll, "%s", e->file);
    cr_assert_str_eq(verdict_status(&an), e->status, "%s", e->file);
    cr_assert_eq(an.roots, e->roots, "%s: %zu roots", e->file, an.roots);
    cr_assert_eq(an.handled, e->handled, "%s: %zu handled", e->file,
                 an.handled);
    if (e->verdicts) {
        const ldrsnap_verdict *v = &an.s->verdicts[0];
        cr_assert_eq(v->kind, e->kind, "%s: kind %s", e->file,
                     ldrsnap_kind_name(v->kind));
        cr_assert_eq(v->confidence, e->conf, "%s", e->file);
        char chain[512];
        chain_str(v, chain, sizeof chain);
        cr_assert_str_eq(chain, e->chain, "%s", e->file);
        if (e->parent)
            cr_assert_str_eq(v->parent ? v->parent : "", e->parent, "%s",
                             e->file);
    }
    analysis_free(&an);
}

Test(analyzer, results_do_not_depend_on_chunking)
{
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", SRCDIR, samples[i].file);
        size_t len;
        char *buf = read_file(path, &len);
        analysis whole, bytes;
        analyze_buf(buf, len, 0, &whole);
        analyze_buf(buf, len, 1, &bytes);
        cr_assert_eq(whole.events.n, bytes.events.n);
        for (size_t k = 0; k < whole.events.n; k++)
            cr_assert_str_eq(whole.events.lines[k], bytes.events.lines[k]);
        analysis_free(&whole);
        analysis_free(&bytes);
        free(buf);
    }
}

/* An allocator that hands out memory from the top of an arena down, so
 * that each block lies below the one before (free does nothing). */
static _Alignas(16) char down_arena[8u << 20];
static size_t down_used;

static void *down_malloc(size_t n, void *ctx)
{
    (void)ctx;
    size_t k = (n + sizeof(size_t) + 15) & ~(size_t)15;
    if (down_used + k > sizeof down_arena)
        return NULL;
    down_used += k;
    char *p = down_arena + sizeof down_arena - down_used;
    memcpy(p, &n, sizeof n);
    return p + 16;
}

static void *down_realloc(void *old, size_t n, void *ctx)
{
    char *p = down_malloc(n, ctx);
    if (p && old) {
        size_t was;
        memcpy(&was, (char *)old - 16, sizeof was);
        memcpy(p, old, was < n ? was : n);
    }
    return p;
}

static void down_free(void *p, void *ctx)
{
    (void)p, (void)ctx;
}

/* Two failures on one line (glued records) come in the order they were
 * found, whatever addresses the allocator gives them. */
Test(analyzer, failures_on_one_line_keep_their_order)
{
    const char *log =
        "LDR: Loading (STATIC, NON_REDIRECTED) C:\\app\\w3core.dll\n"
        "LDR: LdrLoadDll - failing because of DLL (w3isapi.dll) status "
        "0xc0000135LDR: Unloading C:\\app\\w3core.dll because either its "
        "static imports failed; status = 0xc0000135\n";
    ldrsnap_allocator down = {down_malloc, down_realloc, down_free, NULL};
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.allocator = &down;
    analysis ways[2];
    for (int w = 0; w < 2; w++) {
        analysis *an = &ways[w];
        memset(an, 0, sizeof *an);
        down_used = 0;
        cr_assert_eq(ldrsnap_analyzer_new(&an->a, w ? &o : NULL,
                                          collect_event, an), LDRSNAP_OK);
        cr_assert_eq(ldrsnap_analyzer_feed(an->a, log, strlen(log)), 0);
        cr_assert_eq(ldrsnap_analyzer_finish(an->a), 0);
        cr_assert_eq(an->events.n, 2);
    }
    cr_assert(strstr(ways[0].events.lines[0], "w3isapi.dll"), "%s",
              ways[0].events.lines[0]);
    for (size_t i = 0; i < 2; i++)
        cr_assert_str_eq(ways[1].events.lines[i], ways[0].events.lines[i]);
    for (int w = 0; w < 2; w++)
        analysis_free(&ways[w]);
}

Test(analyzer, attribution_follows_the_thread_not_the_previous_line)
{
    /* The ERROR is on worker 0f44 while the lines around it belong to
     * 2b18; the exception line after a GetProcAddress is a COM HRESULT. */
    const char *log =
        "1a2c:0f44 @ 1 - LdrpSearchPath - ENTER: DLL name: missing.dll\n"
        "1a2c:2b18 @ 1 - LdrpLoadDllInternal - ENTER: DLL name: other.dll\n"
        "1a2c:0f44 @ 1 - LdrpSearchPath - RETURN: Status: 0xc0000135\n"
        "1a2c:2b18 @ 1 - LdrpLoadDllInternal - RETURN: Status: 0x00000000\n"
        "1a2c:0f44 @ 1 - LdrpProcessWork - ERROR: Unable to load DLL: "
        "\"missing.dll\", Parent Module: \"C:\\app\\plugin.dll\", Status: "
        "0xc0000135\n";
    analysis an;
    analyze_buf(log, strlen(log), 0, &an);
    cr_assert_eq(an.s->n_verdicts, 1);
    cr_assert_eq(an.s->verdicts[0].tid, 0x0f44);
    cr_assert_str_eq(verdict_dll(&an), "missing.dll");
    analysis_free(&an);
}

Test(analyzer, dependency_that_failed_because_of_its_own_import_is_consequence)
{
    /* libglib needs libintl; both are reported; libintl is the root. */
    const char *log =
        "0100:0200 @ 1 - LdrpProcessWork - ERROR: Unable to load DLL: "
        "\"libintl-8.dll\", Parent Module: \"C:\\m\\libglib-2.0-0.dll\", "
        "Status: 0xc0000135\n"
        "0100:0300 @ 1 - LdrpProcessWork - ERROR: Unable to load DLL: "
        "\"libglib-2.0-0.dll\", Parent Module: \"C:\\m\\app.node\", Status: "
        "0xc0000135\n";
    analysis an;
    analyze_buf(log, strlen(log), 0, &an);
    cr_assert_str_eq(verdict_dll(&an), "libintl-8.dll");
    cr_assert_eq(an.roots, 1);
    cr_assert_eq(an.consequences, 1);
    analysis_free(&an);
}

Test(analyzer, probe_misses_alone_are_no_verdict)
{
    const char *log =
        "0100:0200 @ 1 - LdrpFindKnownDll - ENTER: DLL name: a.dll\n"
        "0100:0200 @ 1 - LdrpFindKnownDll - RETURN: Status: 0xc0000135\n"
        "0100:0200 @ 1 - LdrGetDllHandleEx - ENTER: DLL name: b.dll\n"
        "0100:0200 @ 1 - LdrGetDllHandleEx - RETURN: Status: 0xc0000135\n";
    analysis an;
    analyze_buf(log, strlen(log), 0, &an);
    cr_assert_eq(an.s->n_verdicts, 0);
    cr_assert_eq(an.noise, 2);
    analysis_free(&an);
}

Test(analyzer, exception_code_is_not_blamed_on_the_previous_line)
{
    const char *log =
        "LDR: LdrGetProcedureAddress by NAME - CoReleaseMarshalData\n"
        "(15c8.914): Unknown exception - code 80070005 (first chance)\n"
        "LDR: UNINIT LIST\n";
    analysis an;
    analyze_buf(log, strlen(log), 0, &an);
    cr_assert_eq(an.s->n_verdicts, 1);
    cr_assert_str_eq(verdict_dll(&an), "");
    cr_assert_str_eq(verdict_status(&an), "0x80070005");
    cr_assert_eq(an.s->verdicts[0].kind, LDRSNAP_K_ACCESS_DENIED);
    cr_assert_eq(an.s->verdicts[0].pid, 0x15c8);
    analysis_free(&an);
}

Test(analyzer, first_chance_exception_the_program_survives_is_no_verdict)
{
    const char *log =
        "(15c8.914): C++ EH exception - code e06d7363 (first chance)\n"
        "15c8:0914 @ 1 - LdrLoadDll - ENTER: DLL name: x.dll\n"
        "15c8:0914 @ 1 - LdrLoadDll - RETURN: Status: 0x00000000\n";
    analysis an;
    analyze_buf(log, strlen(log), 0, &an);
    cr_assert_eq(an.s->n_verdicts, 0);
    cr_assert_eq(an.exceptions, 1);
    analysis_free(&an);
}

Test(analyzer, second_chance_exception_is_a_crash_verdict)
{
    const char *log =
        "2000:2004 @ 1 - LdrpInitializeNode - INFO: Calling init routine "
        "10001000 for DLL \"C:\\x\\hook.dll\"\n"
        "(2000.2004): Access violation - code c0000005 (!!! second chance "
        "!!!)\n";
    analysis an;
    analyze_buf(log, strlen(log), 0, &an);
    cr_assert_eq(an.s->n_verdicts, 1);
    cr_assert_str_eq(verdict_status(&an), "0xc0000005");
    analysis_free(&an);
}

Test(analyzer, several_processes_are_kept_apart)
{
    char path[512];
    snprintf(path, sizeof path, "%s/samples/two-processes.log", SRCDIR);
    analysis an;
    analyze_file(path, &an);
    cr_assert_eq(an.s->processes, 2);
    cr_assert_eq(an.s->verdicts[0].pid, 0x1d98);
    analysis_free(&an);
}

/* ---- the shared corpus of real excerpts --------------------------------- */

/* Extract "key": "value" (or null) from the truth object of a corpus
 * .json; a small reader for this one flat shape. */
static bool truth_field(const char *json, const char *key, char *out,
                        size_t n)
{
    const char *t = strstr(json, "\"truth\"");
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = t ? strstr(t, pat) : NULL;
    if (!p)
        return false;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (!strncmp(p, "null", 4)) {
        out[0] = '\0';
        return true;
    }
    if (*p != '"')
        return false;
    size_t o = 0;
    for (p++; *p && *p != '"' && o + 1 < n; p++) {
        if (*p == '\\' && p[1])
            p++;
        out[o++] = *p;
    }
    out[o] = '\0';
    return true;
}

static bool ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return true;
    return false;
}

Test(corpus, every_excerpt_with_evidence_gets_its_truth)
{
    const char *dir = getenv("LDRSNAP_CORPUS");
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d)
        cr_skip_test("corpus not found (set LDRSNAP_CORPUS)");
    struct dirent *de;
    size_t checked = 0;
    while ((de = readdir(d)) != NULL) {
        size_t k = strlen(de->d_name);
        if (k < 5 || strcmp(de->d_name + k - 4, ".log"))
            continue;
        char log[1024], js[1024], dll[512], st[64];
        snprintf(log, sizeof log, "%s/%s", dir, de->d_name);
        snprintf(js, sizeof js, "%.*s.json", (int)strlen(log) - 4, log);
        size_t jl, ll;
        char *json = read_file(js, &jl);
        char *text = read_file(log, &ll);
        cr_assert(json && text);
        cr_assert(truth_field(json, "failed_dll", dll, sizeof dll));
        cr_assert(truth_field(json, "status", st, sizeof st));
        const char *base = strrchr(dll, '\\') ? strrchr(dll, '\\') + 1 : dll;
        bool has_dll = *dll && ci_contains(text, base);
        bool has_status = *st && strlen(st) == 10 && ci_contains(text, st + 2);
        analysis an;
        analyze_buf(text, ll, 0, &an);
        if (!*dll && !*st) {
            cr_expect_eq(an.s->n_verdicts, 0, "%s: control got a verdict",
                         de->d_name);
        } else if (has_dll || has_status) {
            cr_expect_gt(an.s->n_verdicts, 0, "%s: no verdict", de->d_name);
            if (has_dll)
                cr_expect(ci_contains(verdict_dll(&an), base),
                          "%s: dll %s, want %s", de->d_name,
                          verdict_dll(&an), base);
            if (has_status)
                cr_expect(!strcasecmp(verdict_status(&an), st),
                          "%s: status %s, want %s", de->d_name,
                          verdict_status(&an), st);
        }
        checked++;
        analysis_free(&an);
        free(json);
        free(text);
    }
    closedir(d);
    cr_assert_gt(checked, 0);
}

/* Threads leave the thread table when their process ends, by backward-
 * shift deletion.  63 processes of 16 threads each start, then one process
 * with 1000 threads, each holding a frame open, whose table slots come
 * after theirs; then the 63 end together, leaving holes that no insertion
 * fills again.  Each of the 1000 must still be found, frame and all, for
 * its failure's chain. */
Test(analyzer, threads_of_ended_processes_leave_the_others_reachable)
{
    char *log = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&log, &len);
    for (unsigned q = 0; q < 63; q++)
        for (unsigned k = 0; k < 16; k++)
            fprintf(m, "%04x:%04x @ 1 - LdrpLoadDllInternal - ENTER: DLL name: "
                       "x.dll\n", 0x200 + q, 0x1000 + (q * 7 + k * 13) % 1024);
    for (unsigned k = 0; k < 1000; k++)
        fprintf(m, "0100:%04x @ 2 - LdrpLoadDllInternal - ENTER: DLL name: "
                   "a%03u.dll\n", 0x1000 + k, k);
    for (unsigned q = 0; q < 63; q++)
        fprintf(m, "The program '[%u] x.exe' has exited with code 0 (0x0).\n",
                0x200 + q);
    for (unsigned k = 0; k < 1000; k++)
        fprintf(m, "0100:%04x @ 3 - LdrpProcessWork - ERROR: Unable to load "
                   "DLL: \"b%03u.dll\", Parent Module: \"(null)\", Status: "
                   "0xc0000135\n", 0x1000 + k, k);
    fclose(m);
    analysis an;
    analyze_buf(log, len, 0, &an);
    size_t found = 0;
    for (size_t i = 0; i < an.events.n; i++) {
        const char *e = an.events.lines[i];
        const char *b = strstr(e, "|b");
        if (strncmp(e, "failure|", 8) != 0 || !b)
            continue;
        unsigned k = (unsigned)atoi(b + 2);
        char want[32];
        snprintf(want, sizeof want, "a%03u.dll>b%03u.dll", k, k);
        cr_assert(strstr(e, want), "thread %u lost its frame: %s", k, e);
        found++;
    }
    cr_assert_eq(found, 1000u, "%zu failures", found);
    cr_assert_eq(an.s->processes, 64u);
    analysis_free(&an);
    free(log);
}

/* ---- issue 11: what the patterns' samples show besides the verdict ---- */

static void sample(const char *name, analysis *an)
{
    char path[512];
    snprintf(path, sizeof path, "%s/samples/%s", SRCDIR, name);
    analyze_file(path, an);
}

/* A NEW PROCESS begins a process of its own: its failure is not the
 * previous one's, and it takes the pid its [pid,tid] lines give. */
Test(analyzer, an_xp_process_begins_at_its_start_lines)
{
    analysis an;
    sample("xp-new-process.log", &an);
    cr_assert_eq(an.s->processes, 2u);
    cr_assert_eq(an.s->n_verdicts, 1u);
    cr_assert_eq(an.s->verdicts[0].pid, 0x9e4u);
    cr_assert_eq(an.s->verdicts[0].line, 28u);
    analysis_free(&an);
}

/* Exit lines confirm a status; they are no failure of their own, and a
 * thread id of an ended process is not looked up. */
Test(analyzer, exit_lines_are_consequences)
{
    analysis an;
    sample("vs-exit-lines-three-programs.log", &an);
    cr_assert_eq(an.s->processes, 3u);
    cr_assert_eq(an.s->n_verdicts, 1u);
    cr_assert_eq(an.s->verdicts[0].pid, 7576u);
    for (size_t i = 0; i < an.events.n; i++) {
        unsigned long line = strtoul(an.events.lines[i] + 8, NULL, 10);
        if (!strncmp(an.events.lines[i], "failure|", 8))
            cr_assert(line < 19 || line > 24, "an exit line failed: %s",
                      an.events.lines[i]);
    }
    analysis_free(&an);
}

/* Legacy.dll of the first session spans the base the second session's
 * warning gives; the second session's Charting.dll starts there. */
Test(analyzer, the_exporter_is_of_the_same_process)
{
    analysis an;
    sample("cdb-export-base-reused.log", &an);
    cr_assert_eq(an.s->processes, 2u);
    cr_assert_str_eq(verdict_dll(&an), "Charting.dll");
    analysis_free(&an);
}

/* "Function LdrpSnapIAT raised exception": the loader's function, not a
 * symbol that was missing. */
Test(analyzer, a_loader_function_is_not_a_missing_symbol)
{
    analysis an;
    sample("win7-snapiat-exception.log", &an);
    cr_assert_eq(an.s->n_verdicts, 1u);
    cr_assert_null(an.s->verdicts[0].symbol);
    cr_assert_eq(an.s->verdicts[0].line, 5u);
    analysis_free(&an);
}

/* No loader-snaps line at all is not "no failure found": the summary
 * says so, and names the program the capture ran. */
Test(analyzer, no_loader_snaps_is_no_all_clear)
{
    analysis an;
    sample("cdb-without-snaps.log", &an);
    cr_assert_eq(an.s->loader_lines, 0u);
    cr_assert_gt(an.s->host_lines, 0u);
    cr_assert_str_eq(an.s->program ? an.s->program : "", "ContosoViewer.exe");
    analysis_free(&an);
    sample("win10-success.log", &an);
    cr_assert_gt(an.s->loader_lines, 0u);
    cr_assert_eq(an.s->n_verdicts, 0u);
    analysis_free(&an);
    static const char junk[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0";
    analyze_buf(junk, sizeof junk - 1, 0, &an);
    cr_assert_eq(an.s->loader_lines, 0u);
    cr_assert_eq(an.s->host_lines, 0u);
    cr_assert_null(an.s->program);
    analysis_free(&an);
}
