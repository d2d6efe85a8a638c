/*
 * test_lex.c - one line of every shape in the format notes, and what the
 * lexer must make of it.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "helpers.h"
#include "codes/status.h"
#include "lex/lex.h"
#include "lex/plain.h"
#include "simd/simd.h"
#include "simd/simd.h"
#include "core/ldrsnap_internal.h"

typedef struct lexcase {
    const char *line;
    ldrsnap_dialect dialect;
    ldrsnap_msg msg;
    const char *field;  /* "dll=...", "parent=...", "symbol=...", "status=..."
                           "prefix=...", "image=...", "search=..." or NULL */
    const char *field2;
} lexcase;

static const lexcase cases[] = {
    /* Vista+ */
    {"06ac:066c @ 00092281 - LdrpProcessWork - ERROR: Unable to load DLL: "
     "\"ksuser.dll\", Parent Module: \"(null)\", Status: 0xc0000135",
     LDRSNAP_D_VISTA, LDRSNAP_M_UNABLE_TO_LOAD, "dll=ksuser.dll",
     "parent="},
    {"18a0:2a40 @ 06858973 - LdrGetDllHandleEx - ENTER: DLL name: ntdll.dll "
     "DLL path: C:\\a;C:\\b c", LDRSNAP_D_VISTA, LDRSNAP_M_DLL_NAME,
     "dll=ntdll.dll", "search=C:\\a;C:\\b c"},
    {"1b3c:0b78 @ 04746171 - LdrpSearchPath - ENTER: VCRUNTIME140.dll",
     LDRSNAP_D_VISTA, LDRSNAP_M_DLL_NAME, "dll=VCRUNTIME140.dll", NULL},
    {"1b3c:0a20 @ 04746171 - LdrpResolveDllName - RETURN: c0000034-c0000135",
     LDRSNAP_D_VISTA, LDRSNAP_M_STATUS, "status=c0000135", NULL},
    {"4a58:3e34 @ 836003546 - LdrpNameToOrdinal - WARNING: Procedure "
     "\"?f@@YAXXZ\" could not be located in DLL at base 0x00007FFDC3310000.",
     LDRSNAP_D_VISTA, LDRSNAP_M_PROC_NOT_FOUND, "symbol=?f@@YAXXZ", NULL},
    {"4a58:3e34 @ 836003546 - LdrpReportError - WARNING: Locating export "
     "\"Foo\" for DLL \"Unknown\" failed with status: 0xc0000139.",
     LDRSNAP_D_VISTA, LDRSNAP_M_EXPORT_FAILED, "symbol=Foo", "parent="},
    {"622c:1418 @ 294557937 - LdrpInitializeProcess - ERROR: Failed to open "
     "\\KnownDlls with status 0xc0000022", LDRSNAP_D_VISTA,
     LDRSNAP_M_KNOWNDLLS_FAILED, "status=c0000022", NULL},
    {"0924:0248 @ 116983652 - LdrpMapDll - INFO: Mapped DLL \"kernel32.dll\" "
     "at address 76BD000", LDRSNAP_D_VISTA, LDRSNAP_M_MAPPED_DLL,
     "dll=kernel32.dll", NULL},
    {"3c1c:1898 @ 77103875 - LdrpMapViewOfSection", LDRSNAP_D_VISTA,
     LDRSNAP_M_NONE, NULL, NULL},
    {"1b3c:0a20 @ 04746171 - LdrpResolveDllName - INFO: Original status: "
     "0xc000003", LDRSNAP_D_VISTA, LDRSNAP_M_ORIGINAL_STATUS, NULL, NULL},
    {"kstars(9496): 2518:8c04 @ 00508890 - LdrpProcessWork - ERROR: Unable "
     "to load DLL: \"b.dll\", Parent Module: \"C:\\f.dll\", Status: "
     "0xc0000135", LDRSNAP_D_VISTA, LDRSNAP_M_UNABLE_TO_LOAD,
     "prefix=kstars(9496): ", "image=kstars"},
    {"1725 3de8:3df4 @ 00384546 - LdrpProcessWork - ERROR: Unable to load "
     "DLL: \"NTASN1.dll\", Parent Module: \"C:\\n.dll\", Status: 0xc0000139",
     LDRSNAP_D_VISTA, LDRSNAP_M_UNABLE_TO_LOAD, "prefix=1725 ", NULL},
    {"DebugString: \"3e24:37b4 @ 1641741390 - LdrLoadDll - ENTER: DLL name: "
     "ntdll.dll\"", LDRSNAP_D_VISTA, LDRSNAP_M_DLL_NAME, "dll=ntdll.dll",
     NULL},
    {"... LdrpProcessWork - ERROR: Unable to load DLL: \"libglib-2.0-0.dll\","
     " ...", LDRSNAP_D_VISTA, LDRSNAP_M_UNABLE_TO_LOAD,
     "dll=libglib-2.0-0.dll", NULL},
    /* XP / Server 2003 */
    {"error: LDR: LdrpWalkImportDescriptor() failed to probe QtCored4.dll for "
     "its manifest, ntstatus 0xc0150002", LDRSNAP_D_XP,
     LDRSNAP_M_SXS_PROBE_FAILED, "dll=QtCored4.dll", "status=c0150002"},
    {"LDR: Loading (STATIC, NON_REDIRECTED) C:\\WINDOWS\\system32\\a.dll",
     LDRSNAP_D_XP, LDRSNAP_M_LOADING_DLL, "dll=C:\\WINDOWS\\system32\\a.dll",
     NULL},
    {"LDR: a.dll used by w3wp.exe", LDRSNAP_D_XP, LDRSNAP_M_USED_BY,
     "dll=a.dll", "parent=w3wp.exe"},
    {"LDR: Snapping imports for w3wp.exe from a.dll", LDRSNAP_D_XP,
     LDRSNAP_M_SNAPPING, "dll=a.dll", "parent=w3wp.exe"},
    {"LDR: Refcount a.dll (2)", LDRSNAP_D_XP, LDRSNAP_M_REFCOUNT, "dll=a.dll",
     NULL},
    {"LDR: a.dll bound to b.dll", LDRSNAP_D_XP, LDRSNAP_M_BINDING,
     "dll=b.dll", "parent=a.dll"},
    {"LDR: a.dll has stale binding to b.dll", LDRSNAP_D_XP, LDRSNAP_M_BINDING,
     "dll=b.dll", "parent=a.dll"},
    {"LDR: Real INIT LIST for process C:\\x.exe pid 1234 0x4d2",
     LDRSNAP_D_XP, LDRSNAP_M_INIT_LIST, NULL, NULL},
    {"LDR: LdrpSnapThunk - WARNING: Hint index 0x1 for procedure Foo in DLL "
     "b.dll is invalid", LDRSNAP_D_XP, LDRSNAP_M_SNAP_WARNING, "symbol=Foo",
     "dll=b.dll"},
    {"LDR: a.dll loaded - Calling init routine at 77e4f000", LDRSNAP_D_XP,
     LDRSNAP_M_CALLING_INIT, "dll=a.dll", NULL},
    {"LDR: LdrpWalkImportTable - LdrpLoadImportModule failed on import b.dll "
     "with status 0xc0000135", LDRSNAP_D_XP, LDRSNAP_M_IMPORT_FAILED,
     "dll=b.dll", "status=c0000135"},
    {"[f70,d00]   DLL being requested: \"Kernel32.dll\"", LDRSNAP_D_XP,
     LDRSNAP_M_RECURSIVE_DETAIL, "dll=Kernel32.dll", "symbol=requested"},
    {"          (1) [iisres.dll] c:\\w\\iisres.dll (0) deinit 0",
     LDRSNAP_D_XP, LDRSNAP_M_UNINIT_ENTRY, "dll=iisres.dll", NULL},
    /* debugger */
    {"ModLoad: 00000000`63540000 00000000`63568000   C:\\x\\libansari.dll",
     LDRSNAP_D_DEBUGGER, LDRSNAP_M_MODLOAD, "dll=libansari.dll", NULL},
    {"(15c8.914): Unknown exception - code 80070005 (first chance)",
     LDRSNAP_D_DEBUGGER, LDRSNAP_M_EXCEPTION, "status=80070005",
     "symbol=Unknown exception"},
    {"(1.2): - code 80000003 (first chance)", LDRSNAP_D_DEBUGGER,
     LDRSNAP_M_EXCEPTION, "status=80000003", "symbol="},
    {"0:000> ed ntdll!ShowSnaps 9", LDRSNAP_D_DEBUGGER, LDRSNAP_M_PROMPT,
     "symbol=ed ntdll!ShowSnaps 9", NULL},
    {"eax=00000000 ebx=00000010 ecx=c81e0000", LDRSNAP_D_DEBUGGER,
     LDRSNAP_M_REGISTERS, NULL, NULL},
    {"Microsoft (R) Windows Debugger Version 10.0.16299.15 X86",
     LDRSNAP_D_DEBUGGER, LDRSNAP_M_BANNER, NULL, NULL},
    /* Visual Studio, en / de / zh */
    {"'tests.exe' (Win32): Loaded 'C:\\Windows\\System32\\ntdll.dll'. "
     "Symbols loaded.", LDRSNAP_D_IDE, LDRSNAP_M_IDE_LOADED,
     "dll=ntdll.dll", "image=tests.exe"},
    {"\"dosbox.exe\" (Win32): \"C:\\Windows\\System32\\ntdll.dll\" geladen. ",
     LDRSNAP_D_IDE, LDRSNAP_M_IDE_LOADED, "dll=ntdll.dll", "image=dosbox.exe"},
    {"\xE2\x80\x9CUE4Editor.exe\xE2\x80\x9D(Win32): \xE5\xB7\xB2\xE5\x8D\xB8"
     "\xE8\xBD\xBD\xE2\x80\x9C" "E:\\Ues\\GAS.dll\xE2\x80\x9D",
     LDRSNAP_D_IDE, LDRSNAP_M_IDE_UNLOADED, "dll=GAS.dll",
     "image=UE4Editor.exe"},
    {"The thread 0x700 has exited with code -1073741515 (0xc0000135).",
     LDRSNAP_D_IDE, LDRSNAP_M_IDE_THREAD_EXIT, "status=c0000135", NULL},
    {"Der Thread 0x2c54 hat mit Code -1073741502 (0xc0000142) geendet.",
     LDRSNAP_D_IDE, LDRSNAP_M_IDE_THREAD_EXIT, "status=c0000142", NULL},
    {"\xE7\xBA\xBF\xE7\xA8\x8B 0x5b0 \xE5\xB7\xB2\xE9\x80\x80\xE5\x87\xBA"
     "\xEF\xBC\x8C\xE8\xBF\x94\xE5\x9B\x9E\xE5\x80\xBC\xE4\xB8\xBA 0 (0x0)"
     "\xE3\x80\x82", LDRSNAP_D_IDE, LDRSNAP_M_IDE_THREAD_EXIT,
     "status=00000000", NULL},
    {"The program '[1752] MFIsolatedTest.exe' has exited with code "
     "-1073741515 (0xc0000135) 'A dependent dll was not found'.",
     LDRSNAP_D_IDE, LDRSNAP_M_IDE_PROGRAM_EXIT, "image=MFIsolatedTest.exe",
     "symbol=A dependent dll was not found"},
    {"Das Programm \"[7984] Setup.exe\" wurde mit Code -1073741502 "
     "(0xc0000142) beendet.", LDRSNAP_D_IDE, LDRSNAP_M_IDE_PROGRAM_EXIT,
     "image=Setup.exe", "status=c0000142"},
    {"tests.exe has triggered a breakpoint.", LDRSNAP_D_IDE,
     LDRSNAP_M_IDE_BREAKPOINT, "image=tests.exe", NULL},
    /* editorial */
    {"$ cdb -c \"g;q\" node.exe index.js 2>&1 | grep 'Unable to load DLL'",
     LDRSNAP_D_OTHER, LDRSNAP_M_SHELL_COMMAND, NULL, NULL},
    {"...", LDRSNAP_D_OTHER, LDRSNAP_M_ELISION, NULL, NULL},
    {"\t[SNIP]", LDRSNAP_D_OTHER, LDRSNAP_M_ELISION, NULL, NULL},
};

#define NCASES (sizeof cases / sizeof cases[0])

static ldrsnap_record *got;

static int keep(const ldrsnap_record *r, void *ud)
{
    (void)ud;
    if (!got)
        ldrsnap_record_dup(&got, r);
    return 0;
}

static void check_field(const ldrsnap_record *r, const char *spec)
{
    if (!spec)
        return;
    const char *eq = strchr(spec, '=');
    size_t k = (size_t)(eq - spec);
    const char *want = eq + 1;
    char buf[32];
    const char *have = NULL;
    if (!strncmp(spec, "dll", k))
        have = r->dll;
    else if (!strncmp(spec, "parent", k))
        have = r->parent;
    else if (!strncmp(spec, "symbol", k))
        have = r->symbol;
    else if (!strncmp(spec, "prefix", k))
        have = r->prefix;
    else if (!strncmp(spec, "image", k))
        have = r->image;
    else if (!strncmp(spec, "search", k))
        have = r->search_path;
    else if (!strncmp(spec, "status", k)) {
        cr_assert(r->flags & LDRSNAP_RF_STATUS, "no status in %s", r->text);
        snprintf(buf, sizeof buf, "%08x", r->status);
        have = buf;
    }
    cr_assert_str_eq(have ? have : "", want, "%s in: %s", spec, r->text);
}

ParameterizedTestParameters(lex, every_line_shape)
{
    static size_t idx[NCASES];
    for (size_t i = 0; i < NCASES; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, NCASES);
}

/* The first record of a line, in `got` (free it). */
static void lex_one(const char *line)
{
    ldrsnap_parser *p;
    got = NULL;
    cr_assert_eq(ldrsnap_parser_new(&p, NULL, keep, NULL), LDRSNAP_OK);
    ldrsnap_parser_feed(p, line, strlen(line));
    ldrsnap_parser_finish(p);
    ldrsnap_parser_free(p);
    cr_assert_not_null(got, "no record from: %s", line);
}

ParameterizedTest(size_t *ix, lex, every_line_shape)
{
    const lexcase *c = &cases[*ix];
    lex_one(c->line);
    cr_assert_eq(got->dialect, c->dialect, "%s: dialect %s", c->line,
                 ldrsnap_dialect_name(got->dialect));
    cr_assert_eq(got->msg, c->msg, "%s: msg %s", c->line,
                 ldrsnap_msg_name(got->msg));
    check_field(got, c->field);
    check_field(got, c->field2);
    ldrsnap_record_free(got);
    got = NULL;
}

/* The Vista head: pid, tid and tick of every width, the eight-digit tick
 * read a word at a time and the rest digit by digit. */
typedef struct headcase {
    const char *line;
    bool vista;
    uint32_t pid, tid;
    unsigned long long tick;
    ldrsnap_level level;
} headcase;

static const headcase heads[] = {
    {"0100:4076 @ 10000016 - LdrLoadDll - ENTER: DLL name: a.dll", true,
     0x100, 0x4076, 10000016ull, LDRSNAP_L_ENTER},
    {"abcd:EF01 @ 00000009 - F - RETURN: Status: 0x00000000", true, 0xabcd,
     0xef01, 9, LDRSNAP_L_RETURN},
    {"1b3c:0b78 @ 99999999 - F - INFO: x", true, 0x1b3c, 0xb78, 99999999ull,
     LDRSNAP_L_INFO},
    {"1b3c:0b78 @ 123456789 - F - ERROR: x", true, 0x1b3c, 0xb78,
     123456789ull, LDRSNAP_L_ERROR},
    {"1b3c:0b78 @ 1234567 - F - WARNING: x", true, 0x1b3c, 0xb78, 1234567ull,
     LDRSNAP_L_WARNING},
    {"1b3c:0b78 @ 0 - F - INFO: x", true, 0x1b3c, 0xb78, 0, LDRSNAP_L_INFO},
    {"12a4c:03b @ 00815171 - F - INFO: x", true, 0x12a4c, 0x3b, 815171ull,
     LDRSNAP_L_INFO},
    /* 25 digits: the first 19 are kept */
    {"1b3c:0b78 @ 1234567890123456789012345 - F - INFO: x", true, 0x1b3c,
     0xb78, 1234567890123456789ull, LDRSNAP_L_INFO},
    {"1b3c:0b78 @ 1234567x - F - INFO: x", false, 0, 0, 0, LDRSNAP_L_NONE},
    {"1b3c:0b78 @ 12345678x - F - INFO: x", false, 0, 0, 0, LDRSNAP_L_NONE},
    {"1b3c:0b78 @ 1234:678 - F - INFO: x", false, 0, 0, 0, LDRSNAP_L_NONE},
    {"1b3g:0b78 @ 12345678 - F - INFO: x", false, 0, 0, 0, LDRSNAP_L_NONE},
    {"1b3c:0b78 @ 12345678 - F - ENTRY: x", true, 0x1b3c, 0xb78, 12345678ull,
     LDRSNAP_L_NONE},
    {"1b3c:0b78 @ 12345678 - F - RETURN", true, 0x1b3c, 0xb78, 12345678ull,
     LDRSNAP_L_NONE},
};

#define NHEADS (sizeof heads / sizeof heads[0])

ParameterizedTestParameters(lex, vista_heads)
{
    static size_t idx[NHEADS];
    for (size_t i = 0; i < NHEADS; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, NHEADS);
}

ParameterizedTest(size_t *ix, lex, vista_heads)
{
    const headcase *c = &heads[*ix];
    lex_one(c->line);
    cr_assert_eq(got->dialect == LDRSNAP_D_VISTA, c->vista, "%s", c->line);
    if (c->vista) {
        cr_assert_eq(got->pid, c->pid, "%s: pid %x", c->line, got->pid);
        cr_assert_eq(got->tid, c->tid, "%s: tid %x", c->line, got->tid);
        cr_assert_eq((unsigned long long)got->tick, c->tick, "%s: tick %llu",
                     c->line, (unsigned long long)got->tick);
        cr_assert_eq(got->level, c->level, "%s: level %s", c->line,
                     ldrsnap_level_name(got->level));
    }
    ldrsnap_record_free(got);
    got = NULL;
}

/* Every loader function of the table gets its own id, whatever slot of
 * the by-length index it sits in; a name one byte off (at any place), a
 * prefix or an extension of it gets none. */
Test(lex, function_ids)
{
    unsigned ids[64] = {0};
    size_t n = 0;
    for (const char *name; (name = ldrsnap__func_name(n)) != NULL; n++) {
        size_t len = strlen(name);
        unsigned fl;
        unsigned id = ldrsnap__func_id(name, len, &fl);
        cr_assert_neq(id, LS_FID_UNKNOWN, "%s has no id", name);
        cr_assert_lt(id, LS_FID_LIMIT);
        cr_assert_str_eq(ldrsnap__fid_names[id], name,
                         "the name of id %u", id); /* compact items' */
        for (size_t j = 0; j < n; j++)
            cr_assert_neq(ids[j], id, "%s shares id %u", name, id);
        ids[n] = id;
        char buf[64];
        memcpy(buf, name, len + 1);
        for (size_t k = 0; k < len; k++) { /* names compare a word at a time */
            buf[k] ^= 0x20;
            cr_assert_eq(ldrsnap__func_id(buf, len, &fl), LS_FID_UNKNOWN,
                         "%s", buf);
            cr_assert_eq(fl, 0u);
            buf[k] ^= 0x20;
        }
        buf[len - 1] ^= 0x20;
        cr_assert_eq(ldrsnap__func_id(name, len - 1, &fl), LS_FID_UNKNOWN);
        buf[len - 1] ^= 0x20;
        buf[len] = 'x';
        cr_assert_eq(ldrsnap__func_id(buf, len + 1, &fl), LS_FID_UNKNOWN);
    }
    cr_assert_eq(n, 23u, "the table has %zu names", n);
    unsigned fl;
    cr_assert_eq(ldrsnap__func_id("LdrpResolveDllName", 18, &fl), LS_FID_RESOLVE);
    cr_assert_eq(fl, (unsigned)LS_FN_PROBE);
    cr_assert_eq(ldrsnap__func_id("LdrpSearchPath", 14, &fl), LS_FID_SEARCH);
    cr_assert_eq(ldrsnap__func_id("", 0, &fl), LS_FID_UNKNOWN);
    cr_assert_eq(ldrsnap__func_id("x", 200, &fl), LS_FID_UNKNOWN);
}

/* ---- the one-pass path for plain ENTER and RETURN records ----------------- */

static char *flat_all(const ldrsnap_record *r)
{
    char *s = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&s, &n);
#define S(f) (r->f ? r->f : "(null)")
    fprintf(m,
            "%d|%d|%d|%x|%x:%x|%llu|%08x|%08x|%llx-%llx|%llx|text=%s|raw=%s|"
            "prefix=%s|fn=%s|msg=%s|dll=%s|path=%s|parent=%s|sym=%s|sp=%s|"
            "img=%s",
            r->dialect, r->msg, r->level, r->flags, r->pid, r->tid,
            (unsigned long long)r->tick, r->status, r->status_orig,
            (unsigned long long)r->base, (unsigned long long)r->end,
            (unsigned long long)r->address, S(text), S(raw), S(prefix),
            S(function), S(message), S(dll), S(dll_path), S(parent), S(symbol),
            S(search_path), S(image));
#undef S
    fclose(m);
    return s;
}

/* Lex one line with its start known and its plain shape checked (what
 * the parser does, and where the one-pass path may take it) and with the
 * start found by the general path; the two records must agree in every
 * field. */
static void both_ways(const char *line, size_t n)
{
    char *w1 = malloc(n + 1), *w2 = malloc(n + 1);
    char *o1 = malloc(LS_LEX_ROOM(n)), *o2 = malloc(LS_LEX_ROOM(n));
    memcpy(w1, line, n), w1[n] = '\0';
    memcpy(w2, line, n), w2[n] = '\0';
    ls_start st;
    bool has = ldrsnap__lex_find_start(w1, n, &st);
    /* the fast way's test for lines without any start */
    if (ldrsnap__lex_no_start(w1, n))
        cr_assert(!has, "a start on '%.*s'", (int)n, line);
    /* and its one-call way for lines with the usual head */
    ls_start st2;
    bool plain_line = ldrsnap__lex_plain_line(w1, n, &st2);
    if (!st2.head) { /* no head at 0: the fast way's search from q */
        ls_start st4;
        bool has4 = ldrsnap__lex_find_start_at(w1, n,
                                               ls_first_at_ldr(w1, n), &st4);
        cr_assert_eq(has4, has, "start at q '%.*s'", (int)n, line);
        if (has)
            cr_assert(st4.pos == st.pos && st4.dialect == st.dialect &&
                          (st.dialect != LDRSNAP_D_VISTA ||
                           (st4.head == st.head && st4.pid == st.pid &&
                            st4.tid == st.tid && st4.tick == st.tick)),
                      "start at q '%.*s'", (int)n, line);
    }
    if (plain_line)
        cr_assert(has && st.pos == 0 && ldrsnap__lex_plain(w1, n, &st) &&
                      st.plain == st2.plain && st.sep == st2.sep &&
                      st.msg == st2.msg && st.status == st2.status,
                  "plain '%.*s'", (int)n, line);
    if (has && st.pos) { /* after a prefix: as the fast way does */
        ls_start st3 = st;
        if (ldrsnap__lex_plain_after(w1, n, &st3))
            st = st3;
    } else if (has) {
        ldrsnap__lex_plain(w1, n, &st); /* as the parser does */
    }
    ldrsnap_record r1, r2;
    memset(&r1, 0, sizeof r1);
    memset(&r2, 0, sizeof r2);
    ldrsnap__lex_line(o1, w1, n, LDRSNAP_D_VISTA, has ? &st : NULL, &r1);
    ldrsnap__lex_line(o2, w2, n, LDRSNAP_D_VISTA, NULL, &r2);
    char *a = flat_all(&r1), *b = flat_all(&r2);
    cr_assert_str_eq(a, b, "line '%.*s'", (int)n, line);
    /* the image's name a compact item after a prefix carries */
    if (has && st.pos && r2.prefix)
        cr_assert_eq(ldrsnap__lex_prefix_image(line, st.pos),
                     r2.image ? strlen(r2.image) : 0, "image of '%.*s'",
                     (int)n, line);
    free(a), free(b), free(w1), free(w2), free(o1), free(o2);
}

/* Near misses of the two shapes, each one byte away from the common one. */
static const char *const near[] = {
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER:   DLL name: a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER:DLL name: a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: ",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name:",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll ",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll\t",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: C:\\x\\a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll DLL path: "
    "C:\\a;C:\\b",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll DLL path: NULL",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a:b.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTRY: DLL name: a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER DLL name: a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll -  ENTER: DLL name: a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll  - ENTER: DLL name: a.dll",
    "0100:4076 @ 10000016 - Ldrp Load - ENTER: DLL name: a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: x@y.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0xc0000135",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0XC0000135",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN:  Status: 0xc0000135",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0xc000013",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0xc00001355",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0xc000013g",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: c0000135",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0xc0000135 ",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0xc0000135.",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0x",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c0000034-c0000135",
    /* a bare head: its " - " is a trailing blank away from trimmed */
    "0100:4076 @ 10000016 - ",
    "0100:4076 @ 10000016 -  ",
    "app(12): 0100:4076 @ 10000016 - ",
    /* Windows 11's compact twins, and near misses of them */
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: C:\\x\\a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER:   a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER:a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: a",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: a:",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: ab:",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: C:\\x:y.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER:",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name:",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL names.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name:a.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: a.dll DLL path: C:\\a",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: a.dll0101:4076 @ 10000016 - "
    "F - RETURN: 00000000",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: a.dllLDR: Derefcount x",
    "0100:4076 @ 10000016 - LdrpLoadDll - ENTER: x@y.dll",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: 00000000",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: C0000135",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN:   c0000135",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c000013",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c00001355",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c000013g",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c0000034-c000013",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c0000034-c00001355",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c0000034+c0000135",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c000003g-c0000135",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c0000034-c000013G",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: C0000034-C0000135",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0xc0000135xxxx",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: 0xc00001",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status:",
    "0100:4076 @ 10000016 - LdrpLoadDll - RETURN",
    "0100:4076 @ 10000016 - LdrpLoadDll - RET",
    "0100:4076 @ 10000016 - LdrpLoadDll",
    "0100:4076 @ 10000016 - LdrpLoadDll - INFO: DLL name: a.dll",
    "12a4c:03b @ 00815171 - LdrpLoadDll - ENTER: DLL name: a.dll",
    /* heads of every width: the ':' after 3 to 8 digits, 14 bytes or more */
    "abc:def @ 1 - LdrpLoadDll - ENTER: DLL name: a.dll",
    "abc:def @ 1 -",
    "abcdef12:0100 @ 1 - F - INFO: x",
    "abcdef123:0100 @ 1 - F - INFO: x",
    "ab:0100 @ 1 - F - INFO: x",
    "00000002\t0.00270000\t[5440] abc:def @ 1 - F - INFO: x",
    "0100:4076 @ 123 - LdrpLoadDll - RETURN: Status: 0x00000000",
    "app(12): 0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll",
    "0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll0101:4076 @ 10000016 - "
    "F - RETURN: Status: 0x00000000",
    /* record starts where the fast way's one pass looks, across its
     * 16-byte steps */
    "ModLoad: 00000000`10000000 00000000`10010000   C:\\x\\LDR: a.dll",
    "xxxxxxxxxxxxxLDR: Loading (DYNAMIC) C:\\a.dll",
    "xxxxxxxxxxxxxxLDR: Loading (DYNAMIC) C:\\a.dll",
    "xxxxxxxxxxxxxxxLDR: Loading (DYNAMIC) C:\\a.dll",
    "xxxxxxxxxxxxxxxxLDR: Loading (DYNAMIC) C:\\a.dll",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxLDR:",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxLDR:",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxLD R:",
    "app(12): 0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll",
    /* plain records after a capture tool's prefix */
    "app(12): 0100:4076 @ 10000016 - LdrpLoadDll - RETURN: Status: 0x00000000",
    "app(12): 0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c0000034-c0000135",
    "app(12): 0100:4076 @ 10000016 - LdrpLoadDll - ENTER: C:\\x\\a.dll",
    "app(12): 0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll ",
    "a(b(12): 0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll",
    "(12): 0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll",
    "app(1234567890): 0100:4076 @ 10000016 - LdrpLoadDll - ENTER: a.dll",
    "00000002\t0.00270000\t[5440] 1540:5890 @ 82352999 - LdrpFindKnownDll - "
    "ENTER: DLL name: USER32.dll",
    "00000002\t0.00270000\t[5440] 1540:5890 @ 82352999 - LdrpFindKnownDll - "
    "RETURN: Status: 0xc0000135",
    "[5440] [0100,4076] 1540:5890 @ 82352999 - LdrLoadDll - RETURN: 00000000",
    "[0100,4076] app(12): 1540:5890 @ 82352999 - LdrLoadDll - RETURN: 00000000",
    "[0100,x] app(12): 1540:5890 @ 82352999 - LdrLoadDll - RETURN: 00000000",
    "[0100,4076 app(12): 1540:5890 @ 82352999 - LdrLoadDll - RETURN: 00000000",
    "app(12) [0100,4076]: 1540:5890 @ 82352999 - LdrLoadDll - RETURN: 00000000",
    "a(pp(12): 1540:5890 @ 82352999 - LdrLoadDll - RETURN: 00000000",
    "[0100,4076] 1540:5890 @ 82352999 - LdrLoadDll - RETURN: 00000000",
    "[12345678901] 1540:5890 @ 82352999 - LdrLoadDll - RETURN: 00000000",
    "DebugString: \"1540:5890 @ 82352999 - LdrLoadDll - ENTER: a.dll\"",
    "DebugString: \"1540:5890 @ 82352999 - LdrLoadDll - RETURN: 00000000",
    "DebugString: 1540:5890 @ 82352999 - LdrLoadDll - ENTER: a.dll\"",
    "error: 1540:5890 @ 82352999 - LdrLoadDll - ENTER: DLL name: a.dll",
    "x 1540:5890 @ 823529991 - LdrLoadDll - ENTER: DLL name: a.dll",
    "x 1540:5890 @ 82352999 - LdrLoadDll - ENTER: a.dll1540:5890 @ "
    "82352999 - LdrLoadDll - ENTER: a.dll",
    "[0100,4076] 0100:4076 @ 10000016 - LdrpLoadDll - INFO: x",
    "line 1234 0100:4076 @ 10000016 - LdrpLoadDll - INFO: x yyyyyyyyyyy",
    "LDR:",
    "LDR",
    /* where the first '@' or "LDR:" is, and what follows */
    "app(12): LDR: Loading (STATIC) C:\\a.dll",
    "app(12): LDR: a.dll used by 0100:4076 @ 10000016 - F - INFO: x",
    "a@b(12): LDR: a.dll used by b.exe",
    "a@b(12): 0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "x 0100:4076 @ 10000016 - F - INFO: LDR: x",
    "xLDR 0100:4076 @ 10000016 - F - INFO: x",
    "x@ LDR: y",
    "x @ y LDR: z 0100:4076 @ 10000016 - F - INFO: x",
    "abc0100:4076 @ 10000016 - F - INFO: x",
    "0100:4076 @@ 10000016 - F - INFO: x",
    /* a usual head at the first '@', read back from it: what comes
     * before the head (a letter or digit makes it no head there, any
     * other byte does not), and heads of another width after a prefix */
    "_0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "Z0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "g0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "\xc3\xa9" "0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "[1]0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "a:0100:4076 @ 10000016 - F - RETURN: Status: 0x00000000",
    "x 0100:4076 @ 1000001 - F - INFO: x",
    "x 0100:4076 @ 100000161 - F - INFO: x",
    "x 100:4076 @ 10000016 - F - INFO: x",
    "x 0100:476 @ 10000016 - F - INFO: x",
    "x 0100:4076 @ 1000001x - F - INFO: x",
    "x 0100:4076 @ 10000016 -F - INFO: x",
    "x 0100;4076 @ 10000016 - F - INFO: x",
    "0100:4076 @ 10000016 - F - INFO: x",
    "0100:4076 @ 1000001",
    /* the image's name a prefix gives, and near misses of its end */
    "app12): 0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "app(12) 0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "app(12); 0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "app(12):0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "a(): 0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "[1,2]a(1): 0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
    "[1,2a(1): 0100:4076 @ 10000016 - F - ENTER: DLL name: a.dll",
};

Test(lex, compact_twins_take_the_one_pass_path)
{
    static const struct {
        const char *line;
        int level, form;
    } twins[] = {
        {"0100:4076 @ 10000016 - LdrpLoadDll - ENTER: C:\\x\\a.dll",
         LDRSNAP_L_ENTER, LS_FORM_COMPACT},
        {"0100:4076 @ 10000016 - LdrpLoadDll - ENTER: DLL name: a.dll",
         LDRSNAP_L_ENTER, LS_FORM_LONG},
        {"0100:4076 @ 10000016 - LdrpLoadDll - RETURN: 00000000",
         LDRSNAP_L_RETURN, LS_FORM_COMPACT},
        {"0100:4076 @ 10000016 - LdrpLoadDll - RETURN: c0000034-c0000135",
         LDRSNAP_L_RETURN, LS_FORM_COMPACT_ORIG},
    };
    for (size_t i = 0; i < sizeof twins / sizeof twins[0]; i++) {
        ls_start st;
        const char *l = twins[i].line;
        cr_assert(ldrsnap__lex_plain_line(l, strlen(l), &st), "%s", l);
        cr_assert_eq(st.plain, twins[i].level, "%s", l);
        cr_assert_eq(st.form, twins[i].form, "%s", l);
    }
}

Test(lex, one_pass_records_equal_the_general_path)
{
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++)
        both_ways(near[i], strlen(near[i]));
    /* and every line of every plain-text log we wrote */
    static const char *const dirs[] = {"samples", "tests/data"};
    size_t lines = 0;
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", SRCDIR, dirs[d]);
        DIR *dh = opendir(dir);
        cr_assert_not_null(dh, "%s", dir);
        for (struct dirent *de; (de = readdir(dh)) != NULL;) {
            char path[1024];
            size_t len;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            struct stat sb;
            if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
                continue;
            char *buf = read_file(path, &len);
            if (!buf || memchr(buf, '\0', len)) { /* UTF-16, gzip */
                free(buf);
                continue;
            }
            for (char *s = buf, *e; s < buf + len; s = e + 1) {
                e = memchr(s, '\n', (size_t)(buf + len - s));
                if (!e)
                    e = buf + len;
                size_t n = (size_t)(e - s);
                if (n && s[n - 1] == '\r')
                    n--;
                both_ways(s, n);
                lines++;
            }
            free(buf);
        }
        closedir(dh);
    }
    cr_assert_gt(lines, 100u);
}

/* The usual head is read a word at a time: every byte value at each of
 * its eight hex places is taken exactly when it is a hex digit, with the
 * value a digit-by-digit reading gives. */
Test(lex, usual_head_every_byte_at_every_hex_place)
{
    const char *base = "0a1B:c2D3 @ 12345678 - F - INFO: x";
    const size_t places[8] = {0, 1, 2, 3, 5, 6, 7, 8};
    for (size_t k = 0; k < 8; k++) {
        for (unsigned b = 1; b < 256; b++) {
            char line[64];
            strcpy(line, base);
            line[places[k]] = (char)b;
            bool hex = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') ||
                       (b >= 'A' && b <= 'F');
            ls_start st;
            bool found = ldrsnap__lex_find_start(line, strlen(line), &st) &&
                         st.pos == 0;
            cr_assert_eq(found, hex, "byte 0x%02x at %zu", b, places[k]);
            if (!hex)
                continue;
            uint32_t want[2] = {0, 0};
            for (size_t i = 0; i < 8; i++) {
                unsigned c = (unsigned char)line[places[i]];
                unsigned v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
                want[i / 4] = want[i / 4] << 4 | v;
            }
            cr_assert_eq(st.pid, want[0], "byte 0x%02x at %zu", b, places[k]);
            cr_assert_eq(st.tid, want[1], "byte 0x%02x at %zu", b, places[k]);
            cr_assert_eq(st.tick, 12345678u);
            cr_assert_eq(st.head, 23u);
        }
    }
}

/* head_usual() (lex/plain.h: the hex and decimal digits of the head in
 * one vector where there is SSE2) against a byte-by-byte reading: every
 * byte value at each of the head's 23 places, the answer and the values
 * (pid, tid, tick) the same. */
Test(lex, usual_head_every_byte_at_every_place)
{
    const char *base = "0a1B:c2D3 @ 12345678 - F - INFO: x";
    for (size_t k = 0; k < 23; k++) {
        for (unsigned b = 0; b < 256; b++) {
            char line[64];
            strcpy(line, base);
            line[k] = (char)b;
            bool ok = true;
            uint64_t want[3] = {0, 0, 0};
            for (size_t i = 0; i < 23; i++) {
                unsigned c = (unsigned char)line[i];
                bool dig = c >= '0' && c <= '9';
                bool hex = dig || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
                if (i < 9 && i != 4) {
                    ok &= hex;
                    unsigned v = dig ? c - '0' : (c | 0x20) - 'a' + 10;
                    want[i / 5] = want[i / 5] << 4 | (hex ? v : 0);
                } else if (i >= 12 && i < 20) {
                    ok &= dig;
                    want[2] = want[2] * 10 + (dig ? c - '0' : 0);
                } else {
                    ok &= c == (unsigned char)base[i];
                }
            }
            vhead h;
            size_t len = head_usual(line, strlen(base), &h);
            cr_assert_eq(len, ok ? 23u : 0u, "byte 0x%02x at %zu", b, k);
            if (!ok)
                continue;
            cr_assert_eq(h.ids, want[0] | want[1] << 32, "byte 0x%02x at %zu",
                         b, k);
            cr_assert_eq(h.tick, want[2], "byte 0x%02x at %zu", b, k);
        }
    }
}

/* ModLoad addresses: the usual "hhhhhhhh`hhhhhhhh" read a word at a
 * time, and every other shape digit by digit, to the same values. */
Test(lex, modload_addresses)
{
    static const struct {
        const char *line;
        unsigned long long base, end;
        const char *dll;
    } m[] = {
        {"ModLoad: 00007ffd`e0ae9a19 00007FFD`E1714B4F   C:\\W\\KERNEL32.DLL",
         0x00007ffde0ae9a19ull, 0x00007ffde1714b4full, "KERNEL32.DLL"},
        {"ModLoad: 00007ffd`e0ae9a19 00007ffd`e1714b4f C:\\a.dll", 0x7ffde0ae9a19ull,
         0x7ffde1714b4full, "a.dll"},
        {"ModLoad:   63540000 63568000   C:\\x\\b.dll", 0x63540000ull,
         0x63568000ull, "b.dll"},
        /* the odd shapes: what the digit-by-digit reading has always
         * made of them */
        {"ModLoad: 00007ffd`e0ae9a1g 00007ffd`e1714b4f c.dll", 0x7ffde0ae9a1ull,
         0, "g 00007ffd`e1714b4f c.dll"},
        {"ModLoad: 00007ffd`e0ae9a19$00007ffd`e1714b4f d.dll", 0, 0xd, ".dll"},
        {"ModLoad: 00007ffd`e0ae9a190 1 e.dll", 0, 1, "e.dll"},
        {"ModLoad: 00007ffd`e0ae9a19", 0x7ffde0ae9a19ull, 0, ""},
        {"ModLoad: 0007ffd`e0ae9a19 0000`1 f.dll", 0x7ffde0ae9a19ull, 1, "f.dll"},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        lex_one(m[i].line);
        cr_assert_eq(got->msg, LDRSNAP_M_MODLOAD, "%s", m[i].line);
        cr_assert_eq((unsigned long long)got->base, m[i].base, "%s: base %llx",
                     m[i].line, (unsigned long long)got->base);
        cr_assert_eq((unsigned long long)got->end, m[i].end, "%s: end %llx",
                     m[i].line, (unsigned long long)got->end);
        cr_assert_str_eq(got->dll ? got->dll : "", m[i].dll, "%s", m[i].line);
        ldrsnap_record_free(got);
        got = NULL;
    }
}

/* "Calling init routine": the usual 16-digit address read a word at a
 * time, other lengths digit by digit; the DLL after it either way. */
Test(lex, init_routine_addresses)
{
    static const struct {
        const char *tail;
        bool has;
        unsigned long long addr;
        const char *dll;
    } m[] = {
        {"00007FFD0F2F0A77 for DLL \"C:\\a.dll\"", true, 0x7ffd0f2f0a77ull,
         "C:\\a.dll"},
        {"00007ffd0f2f0a77 for DLL \"b.dll\"", true, 0x7ffd0f2f0a77ull, "b.dll"},
        {"6F2F0A77 for DLL \"c.dll\"", true, 0x6f2f0a77ull, "c.dll"},
        {"100007FFD0F2F0A77 for DLL \"d.dll\"", false, 0, "d.dll"},
        {"00007FFD0F2F0A77x for DLL \"e.dll\"", true, 0x7ffd0f2f0a77ull,
         "e.dll"},
        {"00007FFD0F2F0A7g for DLL \"f.dll\"", true, 0x7ffd0f2f0a7ull, "f.dll"},
        {"00007FFD0F2F0A77", true, 0x7ffd0f2f0a77ull, NULL},
        {"00007FFD0F2F0A77 for DLL \"cut", true, 0x7ffd0f2f0a77ull, "cut"},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "0100:1dad @ 10001872 - LdrpInitializeNode - INFO: Calling "
                 "init routine %s", m[i].tail);
        lex_one(line);
        cr_assert_eq(got->msg, LDRSNAP_M_CALLING_INIT, "%s", line);
        cr_assert_eq((got->flags & LDRSNAP_RF_ADDRESS) != 0, m[i].has, "%s",
                     line);
        if (m[i].has)
            cr_assert_eq((unsigned long long)got->address, m[i].addr,
                         "%s: %llx", line, (unsigned long long)got->address);
        if (m[i].dll)
            cr_assert_str_eq(got->dll ? got->dll : "(null)", m[i].dll, "%s",
                             line);
        else
            cr_assert_null(got->dll, "%s", line);
        ldrsnap_record_free(got);
        got = NULL;
    }
}

/* ldrsnap__basename() reads 16 bytes at a time from an aligned block:
 * every start alignment, every length, separators ('\\' and '/') at
 * every place, against the plain definition (the last separator). */
static const char *basename_ref(const char *s)
{
    const char *b = s;
    for (const char *p = s; *p; p++)
        if (*p == '\\' || *p == '/')
            b = p + 1;
    return b;
}

Test(util, basename_every_alignment_and_length)
{
    char buf[128];
    for (size_t start = 0; start < 16; start++)
        for (size_t len = 0; len < 70; len++)
            for (size_t sep = 0; sep <= len; sep++) {
                char *s = buf + start;
                for (size_t i = 0; i < len; i++)
                    s[i] = (char)('a' + i % 26);
                if (sep < len)
                    s[sep] = sep % 2 ? '\\' : '/';
                if (len > 3 && sep + 2 < len)
                    s[len - 2] = '\\'; /* a later one wins */
                s[len] = '\0';
                /* bytes after the NUL must not count */
                buf[start + len + 1] = '\\';
                cr_assert_eq(ldrsnap__basename(s), basename_ref(s),
                             "start %zu len %zu sep %zu", start, len, sep);
            }
    cr_assert_null(ldrsnap__basename(NULL));
    cr_assert_str_eq(ldrsnap__basename("C:\\Windows\\SYSTEM32\\KERNEL32.DLL"),
                     "KERNEL32.DLL");
    cr_assert_str_eq(ldrsnap__basename("a/b\\c"), "c");
    cr_assert_str_eq(ldrsnap__basename("\\"), "");
}

/* The fast ways' lexers read a line as s[0..n), with no NUL at its end:
 * the bytes past it are the next line's, or what was there before.  A
 * message cut right after a word of a usual shape ("Mapped", "Loading")
 * is not that shape: fuzz_analyze found "... - INFO: Mapped" lexed as a
 * "Mapped DLL" record with the bytes after the line as its DLL (the
 * general way: no such message), on one thread and on two.  Each line is
 * put in a buffer that goes on as the full shape. */
Test(lex, usual_shapes_stop_at_the_line_end)
{
    static const char *const info[] = {
        "0f40:4d90 @ 50686092 - LdrpMapDll - INFO: Mapped",
        "0f40:4d90 @ 50686092 - LdrpMapDll - INFO: Mapped DLL",
        "0f40:4d90 @ 50686092 - LdrpLoadDll - INFO: Loading DLL",
        "0f40:4d90 @ 50686092 - LdrpInit - INFO: Beginning execution",
        "0f40:4d90 @ 50686092 - LdrpPreprocess - INFO: DLL",
        "0f40:4d90 @ 50686092 - LdrpInit - INFO: Original status:",
        "0f40:4d90 @ 50686092 - LdrpProcessWork - ERROR: Unable to load DLL: "
        "\"x.dll\"",
        "0f40:4d90 @ 50686092 - LdrpProcessWork - ERROR: Unable to load DLL: "
        "\"x.dll\", Parent Module: \"C:\\a",
        "0f40:4d90 @ 50686092 - _LdrpInitialize - ERROR: Process "
        "initialization failed with status 0xc00",
        "0f40:4d90 @ 50686092 - LdrpInitializeProcess - ERROR: Walking the "
        "import tables of the executable and its static imports failed with "
        "s",
    };
    static const char *const rest[] = {
        " DLL \"x.dll\" at address 0x10000", " \"x.dll\" at address 1",
        " \"x.dll\" from path \"C:\\\\\"", " of app.exe (C:\\app.exe)",
        " a.dll by API set b", " 0xc0000135",
        ", Parent Module: \"(null)\", Status: 0xc0000135",
        "\\b.exe\", Status: 0xc0000135", "00135", "tatus 0xc0000135",
    };
    for (size_t i = 0; i < sizeof info / sizeof info[0]; i++) {
        char buf[256];
        size_t n = strlen(info[i]);
        snprintf(buf, sizeof buf, "%s%s", info[i], rest[i]);
        ls_start st;
        cr_assert(ldrsnap__lex_find_start(buf, n, &st), "%s", info[i]);
        ls_info_line out;
        cr_expect_not(ldrsnap__lex_info_usual(buf, n, &st, true, &out),
                      "%s: lexed as kind %d past its end", info[i],
                      (int)out.kind);
        /* the whole line is the shape */
        cr_expect(ldrsnap__lex_find_start(buf, strlen(buf), &st));
        cr_expect(ldrsnap__lex_info_usual(buf, strlen(buf), &st, true,
                                          &out),
                  "%s", buf);
    }
    static const char *const xp[] = {"LDR: Loading", "LDR: Snapping imports",
                                     "LDR: Refcount", "LDR: Derefcount"};
    static const char *const xrest[] = {" (DYNAMIC) x.dll", " for a.exe from b.dll",
                                        " x.dll (1)", " x.dll (0)"};
    for (size_t i = 0; i < sizeof xp / sizeof xp[0]; i++) {
        char buf[256];
        size_t n = strlen(xp[i]);
        snprintf(buf, sizeof buf, "%s%s", xp[i], xrest[i]);
        ls_xp_line out;
        cr_expect_not(ldrsnap__lex_xp_usual(buf, n, 0, &out),
                      "%s: lexed as kind %d past its end", xp[i],
                      (int)out.kind);
        cr_expect(ldrsnap__lex_xp_usual(buf, strlen(buf), 0, &out), "%s", buf);
    }
}
