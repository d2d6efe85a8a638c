/*
 * test_rules.c - the rule engine: every built-in rule fires on its sample
 * and stays quiet on its near miss; each kind of step and scope; each kind
 * of error in a rule file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "helpers.h"

typedef struct sigs {
    char ids[32][64];
    char titles[32][256];
    size_t n;
    char lines[32][64];
} sigs;

static int on_sig(const ldrsnap_event *ev, void *ud)
{
    sigs *s = ud;
    if (ev->type != LDRSNAP_EV_SIGNATURE || s->n >= 32)
        return 0;
    snprintf(s->ids[s->n], 64, "%s", ev->signature->id);
    snprintf(s->titles[s->n], 256, "%s", ev->signature->title);
    char *p = s->lines[s->n];
    p[0] = '\0';
    for (size_t i = 0; i < ev->signature->n_lines; i++)
        snprintf(p + strlen(p), 64 - strlen(p), "%s%llu", i ? "," : "",
                 (unsigned long long)ev->signature->lines[i]);
    s->n++;
    return 0;
}

static void run(const ldrsnap_rules *r, const char *log, size_t len,
                sigs *out)
{
    memset(out, 0, sizeof *out);
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, NULL, on_sig, out), 0);
    cr_assert_eq(ldrsnap_analyzer_set_rules(a, r), 0);
    cr_assert_eq(ldrsnap_analyzer_feed(a, log, len), 0);
    cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
    cr_assert_eq(ldrsnap_analyzer_summary(a)->signatures, out->n);
    ldrsnap_analyzer_free(a);
}

static bool has(const sigs *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->ids[i], id))
            return true;
    return false;
}

/* ---- built-in rules ---------------------------------------------------- */

Test(rules, every_builtin_rule_fires_on_its_sample_and_not_on_its_near_miss)
{
    ldrsnap_rules *r;
    cr_assert_eq(ldrsnap_rules_new(&r, NULL, 0), 0, "%s",
                 ldrsnap_rules_errmsg(r));
    cr_assert_geq(ldrsnap_rules_count(r), 20);
    for (size_t i = 0; i < ldrsnap_rules_count(r); i++) {
        ldrsnap_rule_info in;
        ldrsnap_rules_get(r, i, &in);
        cr_assert(in.explanation && in.advice, "%s lacks words", in.id);
        const char *kinds[2] = {"fire", "miss"};
        for (int k = 0; k < 2; k++) {
            char path[512];
            snprintf(path, sizeof path, "%s/tests/data/rules/%s.%s.log",
                     SRCDIR, in.id, kinds[k]);
            size_t len;
            char *log = read_file(path, &len);
            cr_assert_not_null(log, "rule %s has no %s sample (%s)", in.id,
                               kinds[k], path);
            sigs s;
            run(r, log, len, &s);
            if (k == 0)
                cr_assert(has(&s, in.id), "%s did not fire on its sample",
                          in.id);
            else
                cr_assert(!has(&s, in.id), "%s fired on its near miss",
                          in.id);
            free(log);
        }
    }
    ldrsnap_rules_free(r);
}

/* ldrsnap_rules_new() loads the built-in rules without check_limits()'s
 * pass (nesting, keys, anchors, aliases' size): each must pass it, as a
 * user's file of the same text does. */
extern const char *const ldrsnap__builtin_names[];
extern const char *const ldrsnap__builtin_texts[];
extern const size_t ldrsnap__builtin_lens[];
extern const size_t ldrsnap__nbuiltin;

Test(rules, builtin_rules_are_within_the_limits)
{
    cr_assert_gt(ldrsnap__nbuiltin, 0);
    for (size_t i = 0; i < ldrsnap__nbuiltin; i++) {
        ldrsnap_rules *r = NULL;
        cr_assert_eq(ldrsnap_rules_new(&r, NULL, LDRSNAP_RULES_NO_BUILTIN), 0);
        cr_assert_eq(ldrsnap_rules_add_text(r, ldrsnap__builtin_names[i],
                                            ldrsnap__builtin_texts[i],
                                            ldrsnap__builtin_lens[i]),
                     0, "%s: %s", ldrsnap__builtin_names[i],
                     ldrsnap_rules_errmsg(r));
        ldrsnap_rules_free(r);
    }
    /* and they are the same rules both ways */
    ldrsnap_rules *all = NULL, *checked = NULL;
    cr_assert_eq(ldrsnap_rules_new(&all, NULL, 0), 0);
    cr_assert_eq(ldrsnap_rules_new(&checked, NULL, LDRSNAP_RULES_NO_BUILTIN), 0);
    for (size_t i = 0; i < ldrsnap__nbuiltin; i++)
        cr_assert_eq(ldrsnap_rules_add_text(checked, ldrsnap__builtin_names[i],
                                            ldrsnap__builtin_texts[i],
                                            ldrsnap__builtin_lens[i]),
                     0);
    cr_assert_eq(ldrsnap_rules_count(all), ldrsnap_rules_count(checked));
    ldrsnap_rules_free(all);
    ldrsnap_rules_free(checked);
}

Test(rules, builtin_captures_fill_the_title)
{
    ldrsnap_rules *r;
    ldrsnap_rules_new(&r, NULL, 0);
    const char *log = "A process serving application pool 'Intranet' "
                      "terminated unexpectedly. The process id was '3120'. "
                      "The process exit code was '0x80'.\n";
    sigs s;
    run(r, log, strlen(log), &s);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.titles[0], "IIS worker process for pool 'Intranet' "
                                  "exited with code 0x80 (Event 1009)");
    ldrsnap_rules_free(r);
}

/* ---- the user rule format ---------------------------------------------- */

static ldrsnap_rules *user_rules(const char *yaml)
{
    ldrsnap_rules *r;
    cr_assert_eq(ldrsnap_rules_new(&r, NULL, LDRSNAP_RULES_NO_BUILTIN), 0);
    int rc = ldrsnap_rules_add_text(r, "test.yml", yaml, strlen(yaml));
    cr_assert_eq(rc, 0, "%s", ldrsnap_rules_errmsg(r));
    return r;
}

#define LOG_THREADS                                                          \
    "0100:0a00 @ 1 - LdrLoadDll - ENTER: DLL name: alpha.dll\n"              \
    "0100:0b00 @ 1 - LdrLoadDll - ENTER: DLL name: beta.dll\n"               \
    "0100:0a00 @ 1 - LdrLoadDll - RETURN: Status: 0xc0000135\n"              \
    "0200:0c00 @ 1 - LdrLoadDll - ENTER: DLL name: gamma.dll\n"              \
    "0100:0b00 @ 1 - LdrpProcessWork - ERROR: Unable to load DLL: "          \
    "\"beta.dll\", Parent Module: \"C:\\x\\app.exe\", Status: 0xc0000135\n"

typedef struct fmt_case {
    const char *what;
    const char *yaml;
    const char *log;
    const char *expect_lines; /* "" = must not fire */
    const char *expect_title;
} fmt_case;

static const fmt_case fmts[] = {
    {"pattern with a named capture",
     "rules:\n- id: p\n  title: 'loading ${name}'\n  severity: low\n"
     "  match: {pattern: 'DLL name: (?<name>\\w+)\\.dll'}\n",
     "0100:0a00 @ 1 - LdrLoadDll - ENTER: DLL name: alpha.dll\n", "1",
     "loading alpha"},
    {"a missing capture takes its default",
     "rules:\n- id: dd\n  title: '${nothere:-fallback}/${dll:-none}/${x}'\n"
     "  severity: low\n  match: {msg: uninit_list}\n",
     "LDR: UNINIT LIST\n", "1", "fallback/none/${x}"},
    {"dialect and msg",
     "rules:\n- id: d\n  title: t\n  severity: low\n"
     "  match: {dialect: xp, msg: uninit_list}\n",
     "0100:0a00 @ 1 - LdrLoadDll - ENTER: DLL name: alpha.dll\n"
     "LDR: UNINIT LIST\n", "2", "t"},
    {"function and level",
     "rules:\n- id: f\n  title: t\n  severity: low\n"
     "  match: {function: LdrLoadDll, level: RETURN}\n",
     LOG_THREADS, "3", "t"},
    {"status and dll glob",
     "rules:\n- id: s\n  title: '${dll} ${status}'\n  severity: low\n"
     "  match: {status: 0xC0000135, dll: 'b*.dll'}\n",
     LOG_THREADS, "5", "beta.dll 0xc0000135"},
    {"status_name",
     "rules:\n- id: sn\n  title: t\n  severity: low\n"
     "  match: {status_name: STATUS_DLL_NOT_FOUND, msg: unable_to_load}\n",
     LOG_THREADS, "5", "t"},
    {"symbol glob",
     "rules:\n- id: sy\n  title: '${symbol}'\n  severity: low\n"
     "  match: {symbol: 'Co*Interface'}\n",
     "LDR: LdrGetProcedureAddress by NAME - CoMarshalInterface\n", "1",
     "CoMarshalInterface"},
    {"failure kind and role",
     "rules:\n- id: k\n  title: '${dll} is ${kind}'\n  severity: low\n"
     "  match: {kind: dll_not_found, role: root_cause}\n",
     LOG_THREADS, "5", "beta.dll is dll_not_found"},
    {"failure parent glob",
     "rules:\n- id: pa\n  title: t\n  severity: low\n"
     "  match: {on: failure, parent: 'app.exe'}\n",
     LOG_THREADS, "5", "t"},
    {"sequence in the same thread",
     "rules:\n- id: st\n  title: t\n  severity: low\n  match:\n"
     "    scope: thread\n    steps:\n"
     "    - {function: LdrLoadDll, level: ENTER, dll: beta.dll}\n"
     "    - {msg: unable_to_load}\n",
     LOG_THREADS, "2,5", "t"},
    {"sequence in the same thread: another thread does not count",
     "rules:\n- id: st2\n  title: t\n  severity: low\n  match:\n"
     "    scope: thread\n    steps:\n"
     "    - {function: LdrLoadDll, level: ENTER, dll: alpha.dll}\n"
     "    - {msg: unable_to_load}\n",
     LOG_THREADS, "", NULL},
    {"sequence in the same process",
     "rules:\n- id: sp\n  title: t\n  severity: low\n  match:\n"
     "    scope: process\n    steps:\n"
     "    - {function: LdrLoadDll, level: ENTER, dll: alpha.dll}\n"
     "    - {msg: unable_to_load}\n",
     LOG_THREADS, "1,5", "t"},
    {"sequence in the same process: another process does not count",
     "rules:\n- id: sp2\n  title: t\n  severity: low\n  match:\n"
     "    scope: process\n    steps:\n"
     "    - {function: LdrLoadDll, level: ENTER, dll: gamma.dll}\n"
     "    - {msg: unable_to_load}\n",
     LOG_THREADS, "", NULL},
    {"sequence in the file",
     "rules:\n- id: sf\n  title: t\n  severity: low\n  match:\n"
     "    scope: file\n    steps:\n"
     "    - {function: LdrLoadDll, level: ENTER, dll: gamma.dll}\n"
     "    - {msg: unable_to_load}\n",
     LOG_THREADS, "4,5", "t"},
    {"window: steps too far apart",
     "rules:\n- id: w\n  title: t\n  severity: low\n  match:\n"
     "    window: 2\n    steps:\n"
     "    - {dll: alpha.dll, level: ENTER}\n"
     "    - {msg: unable_to_load}\n",
     LOG_THREADS, "", NULL},
    {"window: steps close enough",
     "rules:\n- id: w2\n  title: t\n  severity: low\n  match:\n"
     "    window: 4\n    steps:\n"
     "    - {dll: alpha.dll, level: ENTER}\n"
     "    - {msg: unable_to_load}\n",
     LOG_THREADS, "1,5", "t"},
    {"two steps on one line",
     "rules:\n- id: one\n  title: '${a}-${b}'\n  severity: low\n  match:\n"
     "    window: 1\n    steps:\n"
     "    - {pattern: 'exit (?<a>code)'}\n"
     "    - {pattern: 'was (?<b>\\w+)'}\n",
     "the process exit code was 0x80\n", "1,1", "code-0x80"},
    {"failure sequence in line order",
     "rules:\n- id: fs\n  title: t\n  severity: low\n  match:\n"
     "    scope: process\n    steps:\n"
     "    - {kind: dll_not_found, role: consequence}\n"
     "    - {kind: dll_not_found, role: root_cause}\n",
     LOG_THREADS, "3,5", "t"},
};

#define NFMTS (sizeof fmts / sizeof fmts[0])

ParameterizedTestParameters(rules, user_rule_format)
{
    static size_t idx[NFMTS];
    for (size_t i = 0; i < NFMTS; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, NFMTS);
}

ParameterizedTest(size_t *ix, rules, user_rule_format)
{
    const fmt_case *c = &fmts[*ix];
    ldrsnap_rules *r = user_rules(c->yaml);
    sigs s;
    run(r, c->log, strlen(c->log), &s);
    if (!*c->expect_lines) {
        cr_assert_eq(s.n, 0, "%s: fired at %s", c->what, s.lines[0]);
    } else {
        cr_assert_eq(s.n, 1, "%s: %zu signatures", c->what, s.n);
        cr_assert_str_eq(s.lines[0], c->expect_lines, "%s", c->what);
        cr_assert_str_eq(s.titles[0], c->expect_title, "%s", c->what);
    }
    ldrsnap_rules_free(r);
}

/* ---- errors in rule files -------------------------------------------------- */

typedef struct err_case {
    const char *yaml;
    const char *expect; /* a substring of the message */
} err_case;

static const err_case errs[] = {
    {"rules: [ {id: a, title: t", "test.yml:2:1: YAML: did not find"},
    {"", "no rules"},
    {"other: 1\n", "unknown top-level key 'other'"},
    {"rules: 3\n", "expected a list of rules"},
    {"rules:\n- title: t\n  severity: low\n  match: {msg: exception}\n",
     "test.yml:2: rule #1: missing 'id'"},
    {"rules:\n- id: a\n  severity: low\n  match: {msg: exception}\n",
     "test.yml:2: rule 'a': missing 'title'"},
    {"rules:\n- id: a\n  title: t\n  match: {msg: exception}\n",
     "rule 'a': missing 'severity'"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n", "missing 'match'"},
    {"rules:\n- id: a\n  title: t\n  severity: urgent\n  match: {msg: exception}\n",
     "test.yml:4: rule 'a': 'severity' is info"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n  colour: red\n"
     "  match: {msg: exception}\n", "test.yml:5: rule 'a': unknown key 'colour'"},
    {"rules:\n- id: 'a b'\n  title: t\n  severity: low\n  match: {msg: exception}\n",
     "'id' must be"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n  match: {msg: exception}\n"
     "- id: a\n  title: t\n  severity: low\n  match: {msg: exception}\n",
     "test.yml:6: rule 'a': id 'a' is already defined"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n  match: {pattern: 'a(b'}\n",
     "test.yml:5: rule 'a': bad pattern at offset 3"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n  match: {msg: nonsense}\n",
     "unknown msg 'nonsense'"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n  match: {kind: lost}\n",
     "unknown kind 'lost'"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n  match: {status: nope}\n",
     "'nope' is not a status"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n"
     "  match: {status_name: STATUS_NOPE}\n", "unknown status name"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n  match: {scope: process}\n",
     "a step needs at least one condition"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n"
     "  match: {scope: galaxy, steps: [{msg: exception}]}\n",
     "'scope' is thread, process or file"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n"
     "  match: {window: -3, steps: [{msg: exception}]}\n",
     "'window' is a number of lines"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n  match: {steps: []}\n",
     "'steps' must hold 1 to 16 steps"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n"
     "  match: {steps: [{msg: exception}, {kind: sxs}]}\n",
     "a sequence cannot mix failure steps with line steps"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n"
     "  match: {msg: exception, kind: sxs}\n",
     "line and failure conditions mixed"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n"
     "  match: {on: failure, msg: exception}\n",
     "'on: failure' does not fit the step's conditions"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n  match: {frobs: 1}\n",
     "unknown step key 'frobs'"},
    {"rules:\n- id: a\n  title: t\n  title: u\n  severity: low\n"
     "  match: {msg: exception}\n", "test.yml:4: rule 'a': 'title' is given twice"},
    {"rules:\n- id: a\n  title: t\n  severity: low\n"
     "  match: {pattern: x, pattern: y}\n", "'pattern' is given twice"},
    {"rules:\n- id: a\n  id: b\n  title: t\n  severity: low\n"
     "  match: {msg: exception}\n", "test.yml:3: rule 'a': 'id' is given twice"},
    {"rules:\n- id: vcruntime-missing\n  title: t\n  severity: low\n"
     "  match: {msg: exception}\n",
     NULL /* against the built-in ids: tested below */},
};

#define NERRS (sizeof errs / sizeof errs[0])

ParameterizedTestParameters(rules, each_kind_of_error_names_file_line_and_rule)
{
    static size_t idx[NERRS - 1];
    for (size_t i = 0; i < NERRS - 1; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, NERRS - 1);
}

ParameterizedTest(size_t *ix, rules, each_kind_of_error_names_file_line_and_rule)
{
    const err_case *c = &errs[*ix];
    ldrsnap_rules *r;
    ldrsnap_rules_new(&r, NULL, LDRSNAP_RULES_NO_BUILTIN);
    int rc = ldrsnap_rules_add_text(r, "test.yml", c->yaml, strlen(c->yaml));
    cr_assert_eq(rc, LDRSNAP_EFORMAT, "accepted: %s", c->yaml);
    cr_assert(strstr(ldrsnap_rules_errmsg(r), c->expect),
              "message '%s' lacks '%s'", ldrsnap_rules_errmsg(r), c->expect);
    cr_assert_eq(ldrsnap_rules_count(r), 0, "a bad file left rules behind");
    ldrsnap_rules_free(r);
}

/* DLL globs: a literal one needs a name of its length (file name or
 * whole path); one with a separator is tried on the whole path only;
 * after a '*', starts are found by the next pattern byte. */
typedef struct glob_case {
    const char *glob, *dll;
    bool match;
} glob_case;

static const glob_case glob_cases[] = {
    {"version.dll", "C:\\Program Files\\x\\VERSION.DLL", true},
    {"version.dll", "version.dll", true},
    {"version.dll", "C:\\x\\version.dll.bak", false},
    {"version.dl", "version.dll", false},
    {"ersion.dll", "C:\\x\\version.dll", false},
    {"C:\\x\\version.dll", "c:\\X\\Version.dll", true},
    {"C:\\x\\version.dll", "version.dll", false},
    {"x/version.dll", "x/version.dll", true},
    {"*\\Downloads\\*.dll", "C:\\Users\\b\\downloads\\s\\h.dll", true},
    {"*\\Downloads\\*.dll", "C:\\Users\\b\\Downloads.dll", false},
    {"*\\Downloads\\*.dll", "C:\\a\\Downloadsx\\h.dll", false},
    {"*\\Downloads\\*.dll", "Downloads\\h.dll", false},
    {"*\\Downloads\\*.dll", "C:\\Downloads\\h.exe", false},
    {"*\\temp\\*", "C:\\x\\Tem\\y\\Temp\\z.dll", true},
    {"*\\temp\\*", "C:\\x\\temp", false},
    {"*.dll", "a.b.dll", true},
    {"*.dll", "a.dll.exe", false},
    {"a*b*c.dll", "aXbYbc.dll", true},
    {"a*b*c.dll", "aXcYc.dll", false},
    {"?sv*.dll", "msvcp140.dll", true},
    {"?sv*.dll", "svcp140.dll", false},
    {"*-*-*.dll", "api-ms-win-crt-x.dll", true},
    {"*-*-*.dll", "api-crt.dll", false},
    {"*.*.*", "a.b", false},
    {"*.*.*", "a.b.c", true},
    {"**x.dll", "ax.dll", true},
    {"a*-b.dll", "a-b.dll", true},
    {"*\\x.dll", "\\x.dll", true},
    {"*", "C:\\any\\thing.dll", true},
    {"*\\*\\*.dll", "C:\\a.dll", false},
    {"*\\*\\*.dll", "C:\\d\\a.dll", true},
};

Test(rules, dll_globs_match_names_and_paths)
{
    for (size_t i = 0; i < sizeof glob_cases / sizeof glob_cases[0]; i++) {
        const glob_case *c = &glob_cases[i];
        char yaml[256], log[256];
        snprintf(yaml, sizeof yaml,
                 "rules:\n- id: g\n  title: t\n  severity: low\n"
                 "  match: {level: ENTER, dll: '%s'}\n", c->glob);
        snprintf(log, sizeof log,
                 "0100:0a00 @ 1 - LdrLoadDll - ENTER: DLL name: %s\n",
                 c->dll);
        ldrsnap_rules *r = user_rules(yaml);
        sigs s;
        run(r, log, strlen(log), &s);
        cr_expect_eq(s.n, c->match ? 1u : 0u, "glob '%s' on '%s': %zu",
                     c->glob, c->dll, s.n);
        ldrsnap_rules_free(r);
    }
}

Test(rules, a_user_id_may_not_shadow_a_builtin)
{
    ldrsnap_rules *r;
    ldrsnap_rules_new(&r, NULL, 0);
    size_t before = ldrsnap_rules_count(r);
    const char *y = errs[NERRS - 1].yaml;
    cr_assert_eq(ldrsnap_rules_add_text(r, "user.yml", y, strlen(y)),
                 LDRSNAP_EFORMAT);
    cr_assert(strstr(ldrsnap_rules_errmsg(r),
                     "user.yml:2: rule 'vcruntime-missing': id "));
    cr_assert_eq(ldrsnap_rules_count(r), before);
    ldrsnap_rules_free(r);
}

Test(rules, missing_file_is_reported)
{
    ldrsnap_rules *r;
    ldrsnap_rules_new(&r, NULL, LDRSNAP_RULES_NO_BUILTIN);
    cr_assert_eq(ldrsnap_rules_add_file(r, "/nonexistent/rules.yml"),
                 LDRSNAP_ENOTFOUND);
    cr_assert(strstr(ldrsnap_rules_errmsg(r), "/nonexistent/rules.yml"));
    ldrsnap_rules_free(r);
    cr_assert_eq(ldrsnap_rules_add_file(NULL, "x"), LDRSNAP_EMISUSE);
}

Test(rules, rules_are_set_before_the_first_byte)
{
    ldrsnap_rules *r;
    ldrsnap_rules_new(&r, NULL, 0);
    ldrsnap_analyzer *a;
    ldrsnap_analyzer_new(&a, NULL, NULL, NULL);
    ldrsnap_analyzer_feed(a, "LDR: x\n", 7);
    cr_assert_eq(ldrsnap_analyzer_set_rules(a, r), LDRSNAP_EMISUSE);
    ldrsnap_analyzer_free(a);
    ldrsnap_rules_free(r);
}

Test(rules, many_rules_share_one_prefilter)
{
    /* 500 pattern rules: only the two whose literal is on a line run */
    char *y = malloc(200000);
    strcpy(y, "rules:\n");
    for (int i = 0; i < 500; i++)
        sprintf(y + strlen(y),
                "- id: r%d\n  title: 'marker %d'\n  severity: info\n"
                "  match: {pattern: 'CustomMarker%04d\\b'}\n", i, i, i);
    ldrsnap_rules *r = user_rules(y);
    free(y);
    const char *log = "x CustomMarker0042 y\nz CustomMarker0499\nnothing\n";
    sigs s;
    run(r, log, strlen(log), &s);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.ids[0], "r42");
    cr_assert_str_eq(s.ids[1], "r499");
    ldrsnap_rules_free(r);
}

/* ---- the literal prefilter ----------------------------------------------- */

#include "rules/rules_internal.h"

static bool ci_has(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && tolower((unsigned char)s[i + j]) == lit[j])
            j++;
        if (j == k)
            return true;
    }
    return false;
}

/* The prescan marks exactly the literals on the line, at any place and in
 * any case, whether its rarest bytes are found by the vector pass (at most
 * four) or one memchr each; bytes past the length given are not read. */
static void prescan_matches_a_plain_search(const char *yaml, bool vector)
{
    ldrsnap_rules *r = user_rules(yaml);
    const rx_lits *L = &r->lits;
    cr_assert_geq(L->n, 2u);
    cr_assert_eq(L->nprobe != 0, vector, "nprobe %zu", L->nprobe);
    size_t words = ldrsnap__rx_lit_words(r);
    uint64_t got[4];
    char line[160];
    unsigned seed = 12345;
    const char alphabet[] = "abcqQXYZ=':#09 \\-@";
    for (int round = 0; round < 20000; round++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 8) % 120;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            line[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        seed = seed * 1103515245u + 12345u;
        size_t id = (seed >> 8) % L->n, k = L->len[id];
        if (round % 3 && k <= n) { /* plant one, in mixed case */
            size_t at = (seed >> 12) % (n - k + 1);
            for (size_t j = 0; j < k; j++)
                line[at + j] = (char)(j % 2 ? toupper((unsigned char)L->lit[id][j])
                                            : L->lit[id][j]);
        }
        memcpy(line + n, "='#!", 4); /* anchors past the end: not read */
        ldrsnap__rx_prescan(r, line, n, false, got);
        for (size_t i = 0; i < L->n; i++) {
            bool want = ci_has(line, n, L->lit[i]);
            bool have = (got[i / 64] >> (i % 64)) & 1;
            cr_assert_eq(have, want, "literal '%s' on '%.*s': %d", L->lit[i],
                         (int)n, line, have);
        }
    }
    cr_assert_leq(words, 4u);
    ldrsnap_rules_free(r);
}

#define LIT_RULE(id, pat)                                                     \
    "- id: " id "\n  title: t\n  severity: info\n  match: {pattern: '" pat "'}\n"

Test(rules, prescan_vector_pass)
{
    prescan_matches_a_plain_search("rules:\n" LIT_RULE("a", "x=ab")
                                       LIT_RULE("b", "cab=c")
                                       LIT_RULE("c", "09''zc"), true);
}

Test(rules, prescan_memchr_pass)
{
    prescan_matches_a_plain_search("rules:\n" LIT_RULE("a", "x=ab")
                                       LIT_RULE("b", "c#b") LIT_RULE("c", "a:z@")
                                       LIT_RULE("d", "09''zc")
                                       LIT_RULE("e", "yyy-b"), false);
}

Test(rules, prescan_vector_pass_four_bytes)
{
    /* anchors '=', 'q' and 'Q': three bytes, the four-compare loop */
    prescan_matches_a_plain_search("rules:\n" LIT_RULE("a", "x=ab")
                                       LIT_RULE("b", "cqb")
                                       LIT_RULE("c", "aq09"), true);
}

/* Past ASCII, the prescan marks every literal (the patterns decide),
 * unless fast: then exactly those on the line, as on an ASCII line, but
 * every one where a character could be an ASCII letter to a case-blind
 * pattern in UTF mode (U+212A, U+017F; U+0130 and U+0131 too). */
Test(rules, prescan_past_ascii)
{
    ldrsnap_rules *r = user_rules("rules:\n" LIT_RULE("a", "x=ab")
                                      LIT_RULE("b", "cab=c")
                                      LIT_RULE("c", "09''zc"));
    const rx_lits *L = &r->lits;
    static const char *const bits[] = {
        "a", "b", "c", "=", "'", "z", "09", " ", "Q",
        "\xc3\xa9",         /* e acute */
        "\xe7\x8e\x8b",     /* a CJK ideograph */
        "\xc4", "\xe2\x84", /* the first bytes of a hazard, alone */
        "\xe2\x84\xaa",     /* KELVIN SIGN */
        "\xc5\xbf",         /* LATIN SMALL LETTER LONG S */
        "\xc4\xb0", "\xc4\xb1"};
    unsigned seed = 777;
    char line[400];
    uint64_t got[4];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        seed = seed * 1103515245u + 12345u;
        size_t parts = (seed >> 8) % 40;
        bool hazard = false, wide = false;
        for (size_t i = 0; i < parts; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t k = (seed >> 16) % (sizeof bits / sizeof bits[0]);
            if (k >= 13 && (seed >> 4) % 8) /* hazards are rare */
                k = 9;
            hazard |= k >= 13;
            wide |= k >= 9;
            memcpy(line + n, bits[k], strlen(bits[k]));
            n += strlen(bits[k]);
        }
        for (int fast = 0; fast < 2; fast++) {
            ldrsnap__rx_prescan(r, line, n, fast, got);
            for (size_t i = 0; i < L->n; i++) {
                bool want = ci_has(line, n, L->lit[i]) ||
                            (wide && (!fast || hazard));
                bool have = (got[i / 64] >> (i % 64)) & 1;
                cr_assert_eq(have, want, "fast %d literal '%s' on '%.*s'",
                             fast, L->lit[i], (int)n, line);
            }
        }
    }
    ldrsnap_rules_free(r);
}

/* Lines without any literal's rarest byte skip the literal scan; the
 * bytes are looked for as each chunk is checked for ASCII, a bit per 64
 * bytes.  A literal must still be found wherever its line falls: at
 * every offset against those blocks, across feed chunks of any size, in a
 * console-wrapped line, after a lone CR, in a CP1252 line. */
static size_t count_sig(const ldrsnap_rules *r, const char *log, size_t len,
                        size_t chunk)
{
    sigs s;
    memset(&s, 0, sizeof s);
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, NULL, on_sig, &s), 0);
    cr_assert_eq(ldrsnap_analyzer_set_rules(a, r), 0);
    for (size_t at = 0; at < len; at += chunk)
        cr_assert_eq(ldrsnap_analyzer_feed(a, log + at,
                                           LS_MIN(chunk, len - at)), 0);
    cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
    ldrsnap_analyzer_free(a);
    return s.n;
}

Test(rules, literal_lines_are_found_wherever_they_fall)
{
    ldrsnap_rules *r = user_rules("rules:\n" LIT_RULE("eq", "key=val"));
    char log[4096];
    for (size_t pad = 0; pad < 140; pad++) {
        int k = snprintf(log, sizeof log, "%*s\nsome text key=val here\n",
                         (int)pad, "x");
        for (size_t chunk = 1; chunk <= 97; chunk += 32)
            cr_assert_eq(count_sig(r, log, (size_t)k, chunk), 1,
                         "pad %zu chunk %zu", pad, chunk);
    }
    static const char *const odd[] = {
        /* the literal on the second part of an 80-column wrap */
        "LDR: a line that is exactly eighty characters long, wrapped by a "
        "console xxxxxxx\nkey=val\n",
        "first line\rkey=val\rlast\n",
        "caf\xe9 key=val \xe9t\xe9\n",
        "no newline at the end key=val",
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        for (size_t chunk = 1; chunk <= 65; chunk += 16)
            cr_assert_eq(count_sig(r, odd[i], strlen(odd[i]), chunk), 1,
                         "case %zu chunk %zu", i, chunk);
    cr_assert_eq(count_sig(r, "key-val key:val\n", 16, 4), 0);
    ldrsnap_rules_free(r);
}

/* The signatures an analyzer counts on log (flags: its options'). */
static size_t summary_sigs(const ldrsnap_rules *r, const char *log,
                           size_t len, unsigned flags)
{
    sigs s;
    memset(&s, 0, sizeof s);
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags = flags;
    ldrsnap_analyzer *a;
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, on_sig, &s), 0);
    cr_assert_eq(ldrsnap_analyzer_set_rules(a, r), 0);
    cr_assert_eq(ldrsnap_analyzer_feed(a, log, len), 0);
    cr_assert_eq(ldrsnap_analyzer_finish(a), 0);
    size_t n = ldrsnap_analyzer_summary(a)->signatures;
    ldrsnap_analyzer_free(a);
    return n;
}

/* A case-blind pattern in UTF mode takes U+212A KELVIN SIGN for 'k' and
 * U+017F LATIN SMALL LETTER LONG S for 's': the literal prefilter, which
 * folds ASCII only, must let such lines through to the pattern (in one
 * thread, where the chunk's pass marks the lines, and with the tokenizer
 * thread, where the analyzing thread scans them). */
Test(rules, case_blind_literals_past_ascii_reach_the_pattern)
{
    ldrsnap_rules *r = user_rules("rules:\n" LIT_RULE("k", "(?i)=desktop"));
    static const char *const lines[] = {
        "path =DES\xe2\x84\xaaTOP here\n",   /* Kelvin sign */
        "path =de\xc5\xbfktop here\n",       /* long s */
        "path =DESKTOP here\n",
        "p\xc3\xa4th =DESKTOP here\n",       /* past ASCII elsewhere */
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        for (size_t chunk = 1; chunk <= 33; chunk += 32)
            cr_assert_eq(count_sig(r, lines[i], strlen(lines[i]), chunk), 1,
                         "line %zu chunk %zu", i, chunk);
    cr_assert_eq(count_sig(r, "path =deskto here\n", 18, 4), 0);
    cr_assert_eq(count_sig(r, "p\xc3\xa4th =deskto here\n", 20, 4), 0);
    /* with the tokenizer thread: past 1 MiB of other lines first */
    size_t pad = (1u << 21), n = 0;
    char *big = malloc(pad + 64);
    cr_assert_not_null(big);
    while (n + 40 < pad)
        n += (size_t)sprintf(big + n, "0100:0a00 @ 1 - LdrpX - INFO: x\n");
    n += (size_t)sprintf(big + n, "%s", lines[0]);
    cr_assert_eq(summary_sigs(r, big, n, LDRSNAP_OPT_THREADED), 1);
    free(big);
    ldrsnap_rules_free(r);
}

/* With a tokenizer thread, a plain ENTER or RETURN record is sent with a
 * mark saying whether its names (function, DLL) hold a literal's rarest
 * byte; the rest of such a line is a fixed frame.  Literals in either
 * name, at any place, must still be found, and a literal whose rarest
 * byte is in the frame must make every line count. */
Test(rules, literals_in_the_names_of_plain_records_are_found_threaded)
{
    /* the second literal's rarest byte, 'x', is in every RETURN line's
     * frame, and in no name; the third is in a known function's name
     * (whose bytes are checked once, by its id); the first is also in
     * ModLoad and init-routine lines (their whole line is checked) */
    static const char *const pats[] = {"qw3core\\.dll", "Status: 0x00000000",
                                       "HandleByMapping"};
    for (size_t pi = 0; pi < 3; pi++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, "rules:\n" LIT_RULE("lit", "%s"), pats[pi]);
        ldrsnap_rules *r = user_rules(yaml);
        size_t cap = 3u << 20, n = 0, planted = 0;
        char *log = malloc(cap);
        cr_assert_not_null(log);
        for (unsigned k = 0; n + 512 < cap; k++) {
            char name[80];
            /* the literal at every place of a DLL name, sometimes */
            size_t at = k % 23;
            memset(name, 'a', sizeof name);
            if (k % 7 == 0 && pi == 0) {
                memcpy(name + at, "qw3core.dll", 11);
                planted++;
            }
            name[at + 11 + k % 5] = '\0';
            n += (size_t)sprintf(log + n,
                                 "0100:%04x @ %08u - LdrpLoadDll - ENTER: "
                                 "DLL name: %s\n",
                                 0x1000 + k % 3, 10000000 + k, name);
            /* in a function name, on a RETURN line */
            n += (size_t)sprintf(log + n,
                                 "0100:%04x @ %08u - %s - RETURN: Status: "
                                 "0x00000000\n",
                                 0x1000 + k % 3, 10000000 + k,
                                 k % 11 != 0 ? "LdrpLoadDll"
                                 : pi == 0   ? "Ldrpqw3core.dllX"
                                             : "LdrGetDllHandleByMapping");
            planted += pi == 1 ? 1 : k % 11 == 0;
            if (pi == 0 && k % 9 == 0) { /* in a ModLoad line's path */
                n += (size_t)sprintf(log + n,
                                     "ModLoad: 00007ffd`e0ae9a19 "
                                     "00007ffd`e1714b4f   C:\\%s\n",
                                     k % 18 ? "qw3core.dll" : "other.dll");
                planted += k % 18 != 0;
            }
            if (pi == 0 && k % 10 == 0) { /* in an init routine's DLL */
                n += (size_t)sprintf(log + n,
                                     "0100:%04x @ %08u - LdrpInitializeNode"
                                     " - INFO: Calling init routine "
                                     "00007FFD0F2F0A77 for DLL "
                                     "\"C:\\%s\"\n",
                                     0x1000 + k % 3, 10000000 + k,
                                     k % 20 ? "qw3core.dll" : "other.dll");
                planted += k % 20 != 0;
            }
        }
        size_t one = summary_sigs(r, log, n, 0);
        cr_assert_eq(one, planted, "pattern %zu: %zu of %zu", pi, one,
                     planted);
        cr_assert_eq(summary_sigs(r, log, n, LDRSNAP_OPT_THREADED), one,
                     "pattern %zu", pi);
        free(log);
        ldrsnap_rules_free(r);
    }
}

/* With a tokenizer thread, the analyzing thread skips the rules for a
 * plain record no rule can start on, unless a sequence is under way:
 * a later step on such a record must still complete its sequence. */
Test(rules, a_sequence_ends_on_a_plain_record_threaded)
{
    ldrsnap_rules *r = user_rules(
        "rules:\n"
        "- id: seq\n  title: t\n  severity: info\n"
        "  match:\n    scope: file\n    window: 3\n    steps:\n"
        "      - pattern: 'SeqMarkerStart'\n"
        "      - {level: RETURN, status: 0xc0000135}\n");
    size_t cap = 3u << 20, n = 0, want = 0;
    char *log = malloc(cap);
    cr_assert_not_null(log);
    for (unsigned k = 0; n + 512 < cap; k++) {
        if (k % 50 == 0) {
            n += (size_t)sprintf(log + n, "SeqMarkerStart %u\n", k);
            want++;
        }
        n += (size_t)sprintf(log + n,
                             "0100:1000 @ %08u - LdrpLoadDll - ENTER: DLL "
                             "name: a%u.dll\n"
                             "0100:1000 @ %08u - LdrpLoadDll - RETURN: "
                             "Status: 0x%08x\n",
                             10000000 + k, k, 10000000 + k,
                             k % 50 == 0 ? 0xc0000135u : 0u);
    }
    size_t one = summary_sigs(r, log, n, 0);
    cr_assert_eq(one, want, "%zu of %zu", one, want);
    cr_assert_eq(summary_sigs(r, log, n, LDRSNAP_OPT_THREADED), one);
    free(log);
    ldrsnap_rules_free(r);
}

/* Every msg `ldrsnap tokens --json` names (ldrsnap_msg_name()) may be a
 * rule's: those added after the rules' buckets were sized (init_routine_
 * failed, subsystem_failed, process_start, command_line) were refused as
 * unknown.  A rule on the last one fires on its line, one thread and the
 * tokenizer thread. */
Test(rules, every_msg_the_lexer_names_may_start_a_rule)
{
    for (int v = 1;; v++) {
        const char *name = ldrsnap_msg_name((ldrsnap_msg)v);
        if (!strcmp(name, "none"))
            break;
        char yaml[256];
        snprintf(yaml, sizeof yaml,
                 "rules:\n- id: m\n  title: t\n  severity: low\n"
                 "  match: {msg: %s}\n",
                 name);
        ldrsnap_rules_free(user_rules(yaml));
    }
    ldrsnap_rules *r = user_rules("rules:\n- id: cmd\n  title: t\n"
                                  "  severity: low\n"
                                  "  match: {msg: command_line}\n");
    static const char log[] =
        "Microsoft (R) Windows Debugger Version 10.0.22621.2428 AMD64\n"
        "CommandLine: C:\\Tools\\app.exe --selftest\n"
        "0100:0a00 @ 1 - LdrLoadDll - ENTER: DLL name: alpha.dll\n";
    sigs s;
    run(r, log, sizeof log - 1, &s);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.ids[0], "cmd");
    cr_assert_str_eq(s.lines[0], "2");
    ldrsnap_rules_free(r);
}

/* ---- the gate: the rules' prefilter decisions as plain data ------------- */

#include "rules/gate.h"

/* ls_gate answers as the rules' buckets do, for every function id and
 * statuses of every hash bucket: the parser reads the one without PCRE2,
 * the matcher the other. */
static void gate_matches_the_buckets(const ldrsnap_rules *r)
{
    ls_gate g;
    ldrsnap__gate_build(&g, r);
    cr_assert_eq(g.on, ldrsnap_rules_count(r) != 0);
    static const uint32_t known[] = {0, 0xC0000135u, 0xC0000034u,
                                     0xC0000142u, 0xC000007Bu, 0x80070005u,
                                     0xC0150002u, 0xE0434F4Du};
    for (unsigned fid = 0; fid < LS_FID_LIMIT; fid++) {
        cr_assert_eq(g.enter_may[fid],
                     rx_rules_may(r, LDRSNAP_M_DLL_NAME, LDRSNAP_D_VISTA,
                                  LDRSNAP_L_ENTER, fid, false, 0));
        cr_assert_eq(g.init_may[fid],
                     rx_rules_may(r, LDRSNAP_M_CALLING_INIT, LDRSNAP_D_VISTA,
                                  LDRSNAP_L_INFO, fid, false, 0));
        for (uint32_t i = 0; i < 4096 + 8; i++) {
            uint32_t st = i < 8 ? known[i] : (i - 8) * 0x9E3779B1u;
            cr_assert_eq(ls_gate_return_may(&g, fid, st),
                         rx_rules_may(r, LDRSNAP_M_STATUS, LDRSNAP_D_VISTA,
                                      LDRSNAP_L_RETURN, fid, true, st),
                         "fid %u status 0x%08x", fid, st);
        }
    }
    cr_assert_eq(g.modload_may,
                 rx_rules_may(r, LDRSNAP_M_MODLOAD, LDRSNAP_D_DEBUGGER,
                              LDRSNAP_L_NONE, LS_FID_UNKNOWN, false, 0));
}

Test(rules, gate_matches_the_buckets_builtin)
{
    ldrsnap_rules *r;
    cr_assert_eq(ldrsnap_rules_new(&r, NULL, 0), 0);
    gate_matches_the_buckets(r);
    ldrsnap_rules_free(r);
}

Test(rules, gate_matches_the_buckets_user)
{
    ldrsnap_rules *r = user_rules(
        "rules:\n"
        "  - id: ret-status\n"
        "    title: t\n    severity: low\n"
        "    match: {function: LdrpLoadDll, level: RETURN,"
        " status: [0xc0000135, 0xc000007b]}\n"
        "  - id: ret-any\n"
        "    title: t\n    severity: low\n"
        "    match: {function: LdrpSearchPath, level: RETURN}\n"
        "  - id: enter\n"
        "    title: t\n    severity: low\n"
        "    match: {function: LdrpMinimalMapModule, level: ENTER}\n"
        "  - id: modload\n"
        "    title: t\n    severity: low\n"
        "    match: {msg: modload, pattern: 'x\\.dll'}\n");
    gate_matches_the_buckets(r);
    ls_gate g;
    ldrsnap__gate_build(&g, r);
    unsigned fl, load = ldrsnap__func_id("LdrpLoadDll", 11, &fl);
    unsigned search = ldrsnap__func_id("LdrpSearchPath", 14, &fl);
    cr_assert(ls_gate_return_may(&g, load, 0xC0000135u));
    cr_assert(g.return_any[search]);
    cr_assert(g.modload_may);
    ldrsnap__gate_build(&g, NULL);
    cr_assert_not(g.on);
    ldrsnap_rules_free(r);
}

/* ---- needles (rules/needles.c) ------------------------------------------- */

/* The needles of a pattern, as "at_end:a|b|c" ("" when none). */
static void needles_of(const char *re, char *out, size_t cap)
{
    rx_needles nd;
    ldrsnap__needles_extract(re, &nd);
    size_t n = 0;
    out[0] = '\0';
    if (!nd.n)
        return;
    n += (size_t)snprintf(out, cap, "%s:", nd.at_end ? "end" : "any");
    for (size_t i = 0; i < nd.n && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "|" : "", nd.s[i]);
}

/* What is read as required, and what is not: an alternation of plain
 * words with the plain characters next to it; nothing under a
 * quantifier, in a lookaround, beside a top-level '|', or in syntax the
 * reader does not know. */
Test(rules, needles_are_what_every_match_holds)
{
    static const struct {
        const char *re, *want;
    } cases[] = {
        {"(?i)DLL name: (?<path>.*\\\\(?:Downloads|Temp|Desktop)\\\\.*\\.dll)$",
         "any:\\downloads\\|\\temp\\|\\desktop\\"},
        {"(?i)x: (?<p>(?![a-z]:\\\\w\\\\).*\\\\(?:version|dxgi)\\.dll)$",
         "end:\\version.dll|\\dxgi.dll"},
        {"a(bcd|efg)h", "any:abcdh|aefgh"},
        {"ab(cde|fgh)?ij", ""},        /* optional group */
        {"ab(cde|fgh)+ij", ""},        /* repeated: not adjacent */
        {"ab(?=cde|fgh)", ""},         /* lookahead */
        {"(?!abc|def)x", ""},
        {"xyz|a(bcd|efg)", ""},        /* top-level '|' */
        {"a(bcd|)e", ""},              /* an empty branch */
        {"a(b.d|efg)", ""},            /* not plain */
        {"a(bcd|ef?g)", ""},
        {"q(abc|\\x41bc)", ""},        /* \x41 is 'A' */
        {"(?x)a(bcd|efg)", ""},        /* options past (?i) */
        {"\\Q(\\Ea(bcd|efg)", ""},     /* quoting */
        {"ab?(cde|fgh)", "any:cde|fgh"}, /* b may be absent */
        {"(?:(bcd|efg))zz$", "any:bcd|efg"}, /* zz is outside the group */
        {"(?:x(bcd|efg)zz)$", "end:xbcdzz|xefgzz"},
        {"(?:(bcd|efg)zz)y$", "any:bcdzz|efgzz"}, /* y ends it, not zz */
        {"(bcd|efg)z\\$", "any:bcdz$|efgz$"},     /* an escaped '$' */
        {"(bcd|efg)z*$", "any:bcd|efg"},
        {"[(]x(bcd|efg)", "any:xbcd|xefg"},       /* '(' in a class */
        {"(ab|cd)", ""},                          /* shorter than three */
    };
    char got[2048];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        needles_of(cases[i].re, got, sizeof got);
        cr_assert_str_eq(got, cases[i].want, "%s", cases[i].re);
    }
}

/* The characters a case-blind pattern takes for ASCII letters, the plain
 * way: a byte at a time. */
static bool folds_plain(const unsigned char *t, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if ((t[i] == 0xc4 && (t[i + 1] == 0xb0 || t[i + 1] == 0xb1)) ||
            (t[i] == 0xc5 && t[i + 1] == 0xbf) ||
            (t[i] == 0xe2 && t[i + 1] == 0x84 && i + 2 < n &&
             t[i + 2] == 0xaa))
            return true;
    return false;
}

Test(rules, folds_to_ascii_as_the_plain_way)
{
    static const unsigned char bytes[] = {'a', 'K', 0xc4, 0xb0, 0xb1, 0xc5,
                                          0xbf, 0xe2, 0x84, 0xaa, 0xe4,
                                          0xb8, 0xad, 0xc3, 0xa4};
    unsigned seed = 99;
    size_t yes = 0;
    for (int round = 0; round < 200000; round++) {
        unsigned char t[40];
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 8) % sizeof t;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            t[i] = bytes[(seed >> 16) % sizeof bytes];
        }
        bool want = folds_plain(t, n);
        yes += want;
        cr_assert_eq(ldrsnap__folds_to_ascii(t, n), want, "round %d", round);
    }
    cr_assert_gt(yes, 1000);
}

/* Never a false no: wherever the pattern matches a line, the needles say
 * it may; and the fast way answers as the plain way on every line.  Lines of pieces of the needles in both cases, other words,
 * backslashes, newlines and characters that a case-blind pattern takes
 * for ASCII letters. */
Test(rules, needles_never_hide_a_match)
{
    static const char *const patterns[] = {
        "(?i)DLL name: (?<path>(?![a-z]:\\\\windows\\\\).*\\\\(?:version|"
        "dbghelp|winmm|dxgi|d3d11)\\.dll)$",
        "(?i)DLL name: (?<path>.*\\\\(?:Downloads|Temp|Desktop)\\\\.*\\.dll)$",
        "(?i)k(?:ask|sk)s$", "(?i)(?:sks|kiss)", "a(?<n>bcd|efg)h\\s",
        "(?:(bcd|efg)zz)y$",
    };
    static const char *const bits[] = {
        "DLL name: ", "c:\\windows\\", "C:\\Users\\x\\", "\\", "version",
        "VERSION", "dxgi", "d3d11", ".dll", ".DLL", "Downloads", "temp",
        "DeskTop", "\n", "a", "bcd", "EFG", "h ", "zz", "y", "k", "s",
        "sks", "kiss", "ask", "\xe2\x84\xaa", "\xc5\xbf", "\xc3\xa9"};
    int err;
    PCRE2_SIZE off;
    pcre2_match_data *md = pcre2_match_data_create(8, NULL);
    unsigned seed = 4242;
    size_t matched = 0;
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)patterns[k],
                                       PCRE2_ZERO_TERMINATED, PCRE2_UTF,
                                       &err, &off, NULL);
        cr_assert_not_null(re, "%s", patterns[k]);
        rx_needles nd;
        ldrsnap__needles_extract(patterns[k], &nd);
        cr_assert_gt(nd.n, 0, "%s has needles", patterns[k]);
        for (int round = 0; round < 20000; round++) {
            char line[512];
            size_t n = 0;
            seed = seed * 1103515245u + 12345u;
            size_t parts = (seed >> 8) % 12;
            for (size_t i = 0; i < parts; i++) {
                seed = seed * 1103515245u + 12345u;
                const char *b = bits[(seed >> 16) % (sizeof bits / sizeof bits[0])];
                memcpy(line + n, b, strlen(b));
                n += strlen(b);
            }
            bool m = pcre2_match(re, (PCRE2_SPTR)line, n, 0, 0, md, NULL) >= 0;
            matched += m;
            /* the fast way (a vector pass, needles by their last byte)
             * says what the plain way says */
            cr_assert_eq(ldrsnap__needles_may(&nd, line, n),
                         ldrsnap__needles_may_plain(&nd, line, n),
                         "%s on '%.*s'", patterns[k], (int)n, line);
            if (m)
                cr_assert(ldrsnap__needles_may(&nd, line, n),
                          "%s matches '%.*s'", patterns[k], (int)n, line);
        }
        pcre2_code_free(re);
    }
    cr_assert_gt(matched, 100, "the lines match now and then");
    pcre2_match_data_free(md);
}
