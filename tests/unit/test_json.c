/*
 * test_json.c - the library's JSON Lines writer (ldrsnap_event_to_json()
 * and its siblings): a program that links the library writes the CLI's
 * records byte for byte, with snprintf()'s contract, valid JSON whatever
 * the bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

typedef struct lines {
    char *buf;
    size_t len;
    FILE *out;
    const char *source;
} lines;

/* As the CLI does by default: noise and handled failures left out. */
static int write_event(const ldrsnap_event *ev, void *ud)
{
    lines *l = ud;
    if (ev->type == LDRSNAP_EV_FAILURE &&
        (ev->failure->role == LDRSNAP_ROLE_NOISE ||
         ev->failure->role == LDRSNAP_ROLE_HANDLED))
        return 0;
    size_t n = ldrsnap_event_to_json(NULL, 0, l->source, ev);
    char *b = malloc(n + 1);
    cr_assert_not_null(b);
    cr_assert_eq(ldrsnap_event_to_json(b, n + 1, l->source, ev), n);
    cr_assert_eq(strlen(b), n);
    fputs(b, l->out);
    free(b);
    return 0;
}

Test(json, library_records_are_the_clis)
{
    char path[512], golden[512];
    snprintf(path, sizeof path, "%s/samples/win10-missing-vcruntime.log",
             SRCDIR);
    snprintf(golden, sizeof golden, "%s/tests/cli/expected/json-vcruntime.out",
             SRCDIR);
    lines l = {NULL, 0, NULL, "samples/win10-missing-vcruntime.log"};
    l.out = open_memstream(&l.buf, &l.len);
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags |= LDRSNAP_OPT_QUIET_NOISE;
    ldrsnap_analyzer *a = NULL;
    ldrsnap_rules *rules = NULL;
    cr_assert_eq(ldrsnap_rules_new(&rules, NULL, 0), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, write_event, &l), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_set_rules(a, rules), LDRSNAP_OK);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        cr_assert_eq(ldrsnap_analyzer_feed(a, chunk, got), LDRSNAP_OK);
    fclose(f);
    cr_assert_eq(ldrsnap_analyzer_finish(a), LDRSNAP_OK);
    char sum[4096];
    size_t n = ldrsnap_summary_to_json(sum, sizeof sum, l.source,
                                       ldrsnap_analyzer_summary(a));
    cr_assert_lt(n, sizeof sum);
    fputs(sum, l.out);
    fclose(l.out);
    ldrsnap_analyzer_free(a);
    ldrsnap_rules_free(rules);
    /* the golden file: the CLI's stdout, then "--- stderr" */
    FILE *g = fopen(golden, "rb");
    cr_assert_not_null(g);
    char *want = calloc(1, 1 << 16);
    size_t wn = fread(want, 1, (1 << 16) - 1, g);
    fclose(g);
    char *cut = strstr(want, "--- stderr\n");
    cr_assert_not_null(cut);
    *cut = '\0';
    cr_assert_gt(wn, 0);
    cr_assert_str_eq(l.buf, want);
    free(want);
    free(l.buf);
}

Test(json, snprintf_contract_and_escapes)
{
    ldrsnap_failure f;
    memset(&f, 0, sizeof f);
    f.line = 7;
    f.flags = LDRSNAP_FF_PID | LDRSNAP_FF_STATUS;
    f.pid = 0x1a2c;
    f.status = 0xc0000135;
    f.dll = "ev\x1b[2Jil\"\\.dll";
    f.text = "bad \xff byte\n";
    const char *chain[] = {"a.exe", "b.dll"};
    f.chain = chain;
    f.chain_len = 2;
    ldrsnap_event ev = {LDRSNAP_EV_FAILURE, &f, NULL, NULL};
    size_t n = ldrsnap_event_to_json(NULL, 0, "x\ny.log", &ev);
    char *full = malloc(n + 1);
    cr_assert_eq(ldrsnap_event_to_json(full, n + 1, "x\ny.log", &ev), n);
    cr_assert(strstr(full, "\"source\":\"x\\ny.log\""));
    cr_assert(strstr(full, "\"dll\":\"ev\\u001b[2Jil\\\"\\\\.dll\""));
    cr_assert(strstr(full, "\"text\":\"bad \\ufffd byte\\n\""));
    cr_assert(strstr(full, "\"status\":\"0xc0000135\""));
    cr_assert(strstr(full, "\"tid\":null"));
    cr_assert(strstr(full, "\"chain\":[\"a.exe\",\"b.dll\"]"));
    cr_assert_eq(full[n - 1], '\n');
    /* every smaller buffer: the same length back, a NUL-ended prefix */
    for (size_t cap = 1; cap <= n; cap++) {
        char *b = malloc(cap);
        cr_assert_eq(ldrsnap_event_to_json(b, cap, "x\ny.log", &ev), n);
        cr_assert_eq(strlen(b), cap - 1);
        cr_assert_eq(memcmp(b, full, cap - 1), 0);
        free(b);
    }
    char e[256];
    n = ldrsnap_error_to_json(e, sizeof e, "in.log", "in.log: gone");
    cr_assert_str_eq(e, "{\"type\":\"error\",\"source\":\"in.log\","
                        "\"message\":\"in.log: gone\"}\n");
    cr_assert_eq(n, strlen(e));
    free(full);
}
