/*
 * test_redact.c - the redactor: what it replaces and what it must keep,
 * and every sample and corpus log redacted with planted secrets: none
 * survives, the verdicts are the same, UTF-16 and CRLF stay.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "helpers.h"

typedef struct membuf {
    char *p;
    size_t n, cap;
} membuf;

static int mem_write(void *ctx, const void *buf, size_t len)
{
    membuf *m = ctx;
    if (m->n + len + 1 > m->cap) {
        m->cap = (m->n + len + 1) * 2;
        m->p = realloc(m->p, m->cap);
    }
    memcpy(m->p + m->n, buf, len);
    m->n += len;
    m->p[m->n] = 0;
    return 0;
}

/* One input through the redactor in chunks of `chunk` bytes (0: whole);
 * out NULL: the learning pass. */
static void run(ldrsnap_redactor *r, const char *buf, size_t len,
                size_t chunk, membuf *out)
{
    cr_assert_eq(ldrsnap_redactor_begin(r, out ? mem_write : NULL, out), 0);
    if (out)
        mem_write(out, "", 0);
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t i = 0; i < len; i += step)
        cr_assert_eq(ldrsnap_redactor_feed(r, buf + i,
                                           len - i < step ? len - i : step),
                     0);
    cr_assert_eq(ldrsnap_redactor_end(r), 0);
}

/* Both passes over one text; the result is malloc'ed. */
static char *redact_text(const char *in, unsigned flags, const char *key,
                         uint64_t *leaks)
{
    ldrsnap_redactor *r;
    cr_assert_eq(ldrsnap_redactor_new(&r, NULL, flags, key), 0);
    run(r, in, strlen(in), 0, NULL);
    membuf m = {0};
    run(r, in, strlen(in), 0, &m);
    if (leaks)
        *leaks = ldrsnap_redactor_leaks(r);
    ldrsnap_redactor_free(r);
    return m.p;
}

typedef struct rcase {
    const char *in, *out;
} rcase;

static rcase cases[] = {
    /* profile paths, and the same name elsewhere as a word */
    {"Current directory: C:\\Users\\jdoe\\Documents\n",
     "Current directory: C:\\Users\\user1\\Documents\n"},
    {"C:\\Documents and Settings\\John Doe\\x.dll; John Doe said\n",
     "C:\\Documents and Settings\\user1\\x.dll; user1 said\n"},
    {"\\\\?\\C:\\Users\\JDoe\\a.dll and jdoe-pc\n",
     "\\\\?\\C:\\Users\\user1\\a.dll and user1-pc\n"},
    {"\"C:\\\\Users\\\\jdoe\\\\a.dll\" (JSON)\n",
     "\"C:\\\\Users\\\\user1\\\\a.dll\" (JSON)\n"},
    {"C:/Users/jdoe/x and /c/Users/ann/y\n", "C:/Users/user1/x and /c/Users/user2/y\n"},
    {"C:\\Users\\jdoe.CONTOSO\\x CONTOSO\n", "C:\\Users\\user1.domain1\\x domain1\n"},
    {"C:\\Users\\Public\\x C:\\Users\\Default\\y\n",
     "C:\\Users\\Public\\x C:\\Users\\Default\\y\n"},
    /* machines, domains, mail */
    {"open \\\\FILESRV07\\builds\\a.dll\n", "open \\\\host1\\builds\\a.dll\n"},
    {"\\\\?\\UNC\\fs01.corp.contoso.com\\s\\a.dll\n",
     "\\\\?\\UNC\\host1.domain1.com\\s\\a.dll\n"},
    {"LOGONSERVER=\\\\DC01 COMPUTERNAME=WKS-4711 USERNAME=alice\n",
     "LOGONSERVER=\\\\host1 COMPUTERNAME=host2 USERNAME=user1\n"},
    {"Account: CONTOSO\\alice.smith (interactive)\n",
     "Account: domain1\\user1 (interactive)\n"},
    {"mail bob.jones@fabrikam.com or bob.jones@FABRIKAM\n",
     "mail user1@domain1.com or user1@domain1\n"},
    {"host wks-4711.corp.tailspin.com up\n", "host host1.domain1.com up\n"},
    /* kept: the loader's own text, numbers, decorated names, system
     * accounts, DLL names, paths that name no one */
    {"0a18:0b5c @ 00452187 - LdrLoadDll - ENTER: DLL name: C:\\Windows\\x.dll\n",
     "0a18:0b5c @ 00452187 - LdrLoadDll - ENTER: DLL name: C:\\Windows\\x.dll\n"},
    {"Procedure \"?f@ns@@YAXXZ\" and _g@12 and NT AUTHORITY\\SYSTEM\n",
     "Procedure \"?f@ns@@YAXXZ\" and _g@12 and NT AUTHORITY\\SYSTEM\n"},
    {"HKLM\\Software x64\\Release bin\\a.dll Global\\Mutex\n",
     "HKLM\\Software x64\\Release bin\\a.dll Global\\Mutex\n"},
    {"System.Runtime.dll Microsoft.VC90.CRT www.microsoft.com\n",
     "System.Runtime.dll Microsoft.VC90.CRT www.microsoft.com\n"},
    {"C:\\Program Files\\Contoso\\Viewer\\ImageCodec.dll\n",
     "C:\\Program Files\\Contoso\\Viewer\\ImageCodec.dll\n"},
    /* not a line end of ours: CR, CRLF and no final newline stay */
    {"C:\\Users\\jdoe\r\nC:\\Users\\jdoe\rjdoe", "C:\\Users\\user1\r\nC:\\Users\\user1\ruser1"},
    /* non-ASCII names, UTF-8 curly quotes around paths */
    {"C:\\Users\\Zo\xc3\xab\\x \xe2\x80\x9c" "C:\\Users\\J\xc3\xb6rg\xe2\x80\x9d\n",
     "C:\\Users\\user1\\x \xe2\x80\x9c" "C:\\Users\\user2\xe2\x80\x9d\n"},
};

#define NCASES (sizeof cases / sizeof cases[0])

ParameterizedTestParameters(redact, patterns)
{
    static size_t idx[NCASES];
    for (size_t i = 0; i < NCASES; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, NCASES);
}

ParameterizedTest(size_t *i, redact, patterns)
{
    const rcase *c = &cases[*i];
    uint64_t leaks;
    char *out = redact_text(c->in, 0, NULL, &leaks);
    cr_assert_str_eq(out, c->out);
    cr_assert_eq(leaks, 0);
    free(out);
}

Test(redact, paths_option_names_customer_folders)
{
    char *out = redact_text(
        "C:\\Falcon Project\\bin\\x64\\Release\\engine.dll "
        "C:\\Program Files\\Vendor\\a.dll C:\\Users\\jdoe\\AppData\\Local\\"
        "Programs\\Tool\\t.exe D:\\Secret\\notes.txt\n",
        LDRSNAP_REDACT_PATHS, NULL, NULL);
    cr_assert_str_eq(out, "C:\\dir1\\bin\\x64\\Release\\engine.dll "
                          "C:\\Program Files\\Vendor\\a.dll C:\\Users\\user1\\"
                          "AppData\\Local\\Programs\\Tool\\t.exe D:\\dir2\\"
                          "notes.txt\n");
    free(out);
}

Test(redact, a_folder_named_as_its_program_is_no_leak)
{
    uint64_t leaks;
    char *out = redact_text("C:\\Tools\\Scanner\\Scanner.exe loads "
                            "C:\\Tools\\Scanner\\plugins\\x.dll\n",
                            LDRSNAP_REDACT_PATHS, NULL, &leaks);
    cr_assert_str_eq(out, "C:\\Tools\\dir1\\Scanner.exe loads "
                          "C:\\Tools\\dir1\\plugins\\x.dll\n");
    cr_assert_eq(leaks, 0);
    free(out);
}

Test(redact, a_name_learned_late_is_replaced_early)
{
    char *out = redact_text("built by jdoe\nC:\\Users\\jdoe\\x\n", 0, NULL,
                            NULL);
    cr_assert_str_eq(out, "built by user1\nC:\\Users\\user1\\x\n");
    free(out);
}

Test(redact, a_name_inside_a_module_name_is_a_leak)
{
    uint64_t leaks;
    char *out = redact_text("C:\\Users\\jdoe\\x\nDLL name: jdoe_tools.dll\n", 0,
                            NULL, &leaks);
    cr_assert_eq(leaks, 1);
    cr_assert(strstr(out, "jdoe_tools.dll"), "the DLL name stays");
    free(out);
    ldrsnap_redactor *r;
    cr_assert_eq(ldrsnap_redactor_new(&r, NULL, 0, NULL), 0);
    const char *t = "C:\\Users\\jdoe\\x\nDLL name: jdoe_tools.dll\n";
    run(r, t, strlen(t), 0, NULL);
    membuf m = {0};
    run(r, t, strlen(t), 0, &m);
    cr_assert(strstr(ldrsnap_redactor_errmsg(r), "line 2"));
    cr_assert(strstr(ldrsnap_redactor_errmsg(r), "jdoe_tools.dll"));
    ldrsnap_redactor_free(r);
    free(m.p);
}

Test(redact, keyed_pseudonyms_are_stable)
{
    char *a = redact_text("C:\\Users\\ann\\x C:\\Users\\jdoe\\y\n", 0, "k1", NULL);
    char *b = redact_text("C:\\Users\\jdoe\\y\n", 0, "k1", NULL);
    char *c = redact_text("C:\\Users\\jdoe\\y\n", 0, "k2", NULL);
    const char *pa = strstr(a, "user-");
    cr_assert(pa);
    pa = strstr(pa + 1, "user-"); /* jdoe's */
    cr_assert(pa);
    cr_assert(strncmp(pa, strstr(b, "user-"), 13) == 0, "%s vs %s", a, b);
    cr_assert(strncmp(strstr(c, "user-"), strstr(b, "user-"), 13) != 0);
    free(a), free(b), free(c);
}

Test(redact, listing)
{
    ldrsnap_redactor *r;
    cr_assert_eq(ldrsnap_redactor_new(&r, NULL, 0, NULL), 0);
    const char *t = "C:\\Users\\jdoe\\x jdoe \\\\SRV\\s\n";
    run(r, t, strlen(t), 0, NULL);
    membuf m = {0};
    run(r, t, strlen(t), 0, &m);
    cr_assert_eq(ldrsnap_redactor_count(r), 2);
    ldrsnap_redaction x;
    cr_assert_eq(ldrsnap_redactor_get(r, 0, &x), 0);
    cr_assert_str_eq(x.kind, "user");
    cr_assert_str_eq(x.name, "jdoe");
    cr_assert_str_eq(x.pseudonym, "user1");
    cr_assert_eq(x.count, 2);
    cr_assert_eq(ldrsnap_redactor_get(r, 1, &x), 0);
    cr_assert_str_eq(x.kind, "host");
    cr_assert_eq(ldrsnap_redactor_get(r, 2, &x), LDRSNAP_EINVAL);
    cr_assert_eq(ldrsnap_redactor_begin(NULL, NULL, NULL), LDRSNAP_EMISUSE);
    cr_assert_eq(ldrsnap_redactor_feed(r, "x", 1), LDRSNAP_EMISUSE);
    ldrsnap_redactor_free(r);
    free(m.p);
}

/* ---- encodings --------------------------------------------------------- */

/* UTF-8 to UTF-16 (le or be), with a BOM when asked, LF as CRLF when
 * asked. */
static char *to16(const char *s, size_t n, bool le, bool bom, bool crlf,
                  size_t *outlen)
{
    char *o = malloc(4 * n + 8);
    size_t k = 0;
    if (bom) {
        o[k++] = le ? '\xff' : '\xfe';
        o[k++] = le ? '\xfe' : '\xff';
    }
    for (size_t i = 0; i < n;) {
        unsigned c = (unsigned char)s[i], cp, len = 1;
        if (c >= 0xF0 && i + 3 < n)
            len = 4, cp = (c & 7) << 18 | (s[i + 1] & 0x3Fu) << 12 |
                          (s[i + 2] & 0x3Fu) << 6 | (s[i + 3] & 0x3Fu);
        else if (c >= 0xE0 && i + 2 < n)
            len = 3, cp = (c & 15) << 12 | (s[i + 1] & 0x3Fu) << 6 |
                          (s[i + 2] & 0x3Fu);
        else if (c >= 0xC0 && i + 1 < n)
            len = 2, cp = (c & 31) << 6 | (s[i + 1] & 0x3Fu);
        else
            cp = c;
        i += len;
        unsigned units[3], nu = 0;
        if (cp == '\n' && crlf)
            units[nu++] = '\r';
        if (cp >= 0x10000) {
            units[nu++] = 0xD800 + ((cp - 0x10000) >> 10);
            units[nu++] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
        } else {
            units[nu++] = cp;
        }
        for (unsigned j = 0; j < nu; j++) {
            o[k++] = (char)(le ? units[j] & 0xFF : units[j] >> 8);
            o[k++] = (char)(le ? units[j] >> 8 : units[j] & 0xFF);
        }
    }
    *outlen = k;
    return o;
}

Test(redact, utf16_stays_utf16_in_any_chunks)
{
    const char *t = "\tCurrent directory: C:\\Users\\Zo\xc3\xab\\x\n"
                    "mail jdoe@contoso.com\n";
    const char *want = "\tCurrent directory: C:\\Users\\user1\\x\n"
                       "mail user2@domain1.com\n";
    for (int v = 0; v < 4; v++) {
        bool le = v & 1, bom = v & 2;
        size_t n, wn;
        char *in = to16(t, strlen(t), le, bom, true, &n);
        char *exp = to16(want, strlen(want), le, bom, true, &wn);
        size_t chunks[] = {0, 1, 3, 7};
        for (size_t c = 0; c < 4; c++) {
            ldrsnap_redactor *r;
            cr_assert_eq(ldrsnap_redactor_new(&r, NULL, 0, NULL), 0);
            run(r, in, n, chunks[c], NULL);
            membuf m = {0};
            run(r, in, n, chunks[c], &m);
            cr_assert_eq(m.n, wn, "variant %d chunk %zu", v, chunks[c]);
            cr_assert(memcmp(m.p, exp, wn) == 0, "variant %d chunk %zu", v,
                      chunks[c]);
            free(m.p);
            ldrsnap_redactor_free(r);
        }
        free(in), free(exp);
    }
}

Test(redact, binary_bytes_pass_through)
{
    unsigned seed = 7;
    size_t n = 1 << 18;
    char *junk = malloc(n);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        junk[i] = (char)(seed >> 16);
    }
    memcpy(junk + 1000, "C:\\Users\\jdoe\\", 14);
    for (size_t chunk = 0; chunk < 2; chunk++) {
        ldrsnap_redactor *r;
        cr_assert_eq(ldrsnap_redactor_new(&r, NULL, LDRSNAP_REDACT_PATHS, NULL),
                     0);
        run(r, junk, n, chunk ? 4093 : 0, NULL);
        membuf m = {0};
        run(r, junk, n, chunk ? 4093 : 0, &m);
        cr_assert(m.n > 0);
        ldrsnap_redactor_free(r);
        free(m.p);
    }
    free(junk);
}

/* ---- every sample and corpus log, with planted secrets ------------------ */

static const char *const secrets[] = {
    "alice.smith", "WOODGROVE", "FILESRV-07", "bob.jones", "tailspin",
    "wks-4711", "Zo\xc3\xabW", "carol", "NIGHTLY-BLD3"};

/* Lines put before the log: every form, and each name once more as a
 * word before the line where a pattern shows it is a name. */
static const char planted_head[] =
    "build host wks-4711 by alice.smith for carol (Zo\xc3\xabW)\n"
    "Account: WOODGROVE\\alice.smith\n"
    "Profile: C:\\Users\\alice.smith\\AppData\\Local\\Temp\n"
    "Share: \\\\FILESRV-07\\builds\\nightly\\app.exe\n"
    "Mail: bob.jones@tailspin.com\n"
    "Machine: wks-4711.corp.tailspin.com\n"
    "COMPUTERNAME=NIGHTLY-BLD3 USERNAME=carol\n"
    "C:\\Users\\Zo\xc3\xabW\\Desktop\n"
    "tailspin FILESRV-07 WOODGROVE NIGHTLY-BLD3 bob.jones\n";

static bool has_80(const char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' || s[i] == '\r') {
            if (col == 80)
                return true;
            col = 0;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    return col == 80;
}

/* The log with the head before it, and (when no line is exactly 80
 * columns, which would change a console wrap) every "C:\Program Files"
 * moved to alice.smith's profile, so that names stand in loader records
 * and in verdicts too. */
static char *plant(const char *log, size_t n, size_t *outlen)
{
    bool move = !has_80(log, n);
    const char *from = "C:\\Program Files";
    const char *to = "C:\\Users\\alice.smith\\Apps";
    char *o = malloc(sizeof planted_head + 2 * n + 1);
    size_t k = strlen(planted_head);
    memcpy(o, planted_head, k);
    for (size_t i = 0; i < n;) {
        if (move && n - i >= strlen(from) && !memcmp(log + i, from, strlen(from))) {
            memcpy(o + k, to, strlen(to));
            k += strlen(to), i += strlen(from);
        } else {
            o[k++] = log[i++];
        }
    }
    o[k] = 0;
    *outlen = k;
    return o;
}

static char *utf16_to_8(const char *s, size_t n, size_t *outlen)
{
    size_t i = 0;
    bool le = true;
    if (n >= 2 && (unsigned char)s[0] == 0xFF && (unsigned char)s[1] == 0xFE)
        i = 2;
    char *o = malloc(2 * n + 1);
    size_t k = 0;
    for (; i + 1 < n; i += 2) {
        unsigned u = le ? ((unsigned char)s[i] | (unsigned char)s[i + 1] << 8)
                        : 0;
        if (u < 0x80) {
            o[k++] = (char)u;
        } else if (u < 0x800) {
            o[k++] = (char)(0xC0 | u >> 6), o[k++] = (char)(0x80 | (u & 0x3F));
        } else {
            o[k++] = (char)(0xE0 | u >> 12);
            o[k++] = (char)(0x80 | ((u >> 6) & 0x3F));
            o[k++] = (char)(0x80 | (u & 0x3F));
        }
    }
    o[k] = 0;
    *outlen = k;
    return o;
}

static size_t count(const char *s, size_t n, const char *what, size_t wn)
{
    size_t c = 0;
    for (size_t i = 0; i + wn <= n; i++)
        c += !memcmp(s + i, what, wn);
    return c;
}

static bool ci_has(const char *s, size_t n, const char *w)
{
    size_t wn = strlen(w);
    for (size_t i = 0; i + wn <= n; i++) {
        size_t j = 0;
        while (j < wn && ((s[i + j] | 0x20) == (w[j] | 0x20)))
            j++;
        if (j == wn)
            return true;
    }
    return false;
}

/* A string of a verdict, through the redactor that redacted the log. */
static char *redact_str(ldrsnap_redactor *r, const char *s)
{
    if (!s)
        return strdup("");
    membuf m = {0};
    run(r, s, strlen(s), 0, &m);
    return m.p;
}

static void same_str(ldrsnap_redactor *r, const char *orig, const char *red,
                     const char *what, const char *file)
{
    char *want = redact_str(r, orig);
    cr_expect_str_eq(red ? red : "", want, "%s: %s", file, what);
    free(want);
}

static void same_verdicts(ldrsnap_redactor *r, const analysis *a,
                          const analysis *b, const char *file)
{
    cr_assert_eq(a->s->n_verdicts, b->s->n_verdicts, "%s", file);
    cr_expect_eq(a->s->failures, b->s->failures, "%s", file);
    cr_expect_eq(a->s->noise, b->s->noise, "%s", file);
    cr_expect_eq(a->s->handled, b->s->handled, "%s", file);
    cr_expect_eq(a->s->exceptions, b->s->exceptions, "%s", file);
    cr_expect_eq(a->s->lines, b->s->lines, "%s", file);
    cr_expect_str_eq(a->s->dialect, b->s->dialect, "%s", file);
    cr_expect_str_eq(a->s->encoding, b->s->encoding, "%s", file);
    for (size_t i = 0; i < a->s->n_verdicts; i++) {
        const ldrsnap_verdict *x = &a->s->verdicts[i], *y = &b->s->verdicts[i];
        cr_expect_eq(x->kind, y->kind, "%s", file);
        cr_expect_eq(x->status, y->status, "%s", file);
        cr_expect_eq(x->pid, y->pid, "%s", file);
        cr_expect_eq(x->line, y->line, "%s", file);
        cr_expect_eq(x->confidence, y->confidence, "%s", file);
        cr_expect_eq(x->chain_len, y->chain_len, "%s", file);
        same_str(r, x->dll, y->dll, "dll", file);
        same_str(r, x->dll_path, y->dll_path, "dll_path", file);
        same_str(r, x->parent, y->parent, "parent", file);
        same_str(r, x->text, y->text, "text", file);
    }
}

/* Redact one planted log (8-bit or UTF-16) and check (a), (b), (c). */
static void check_log(const char *file, const char *buf, size_t n,
                      bool utf16, unsigned flags)
{
    ldrsnap_redactor *r;
    cr_assert_eq(ldrsnap_redactor_new(&r, NULL, flags, NULL), 0);
    run(r, buf, n, 0, NULL);
    membuf m = {0};
    run(r, buf, n, 4096, &m);
    cr_expect_eq(ldrsnap_redactor_leaks(r), 0, "%s: %s", file,
                 ldrsnap_redactor_errmsg(r));
    /* (a) no planted secret survives */
    size_t tn;
    char *text = utf16 ? utf16_to_8(m.p, m.n, &tn) : (tn = m.n, m.p);
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cr_expect(!ci_has(text, tn, secrets[i]), "%s: '%s' survived", file,
                  secrets[i]);
    /* (c) the encoding and the line ends */
    const char *crlf = utf16 ? "\r\0\n\0" : "\r\n";
    const char *lf = utf16 ? "\n\0" : "\n";
    size_t w = utf16 ? 2 : 1;
    cr_expect_eq(count(buf, n, crlf, 2 * w), count(m.p, m.n, crlf, 2 * w),
                 "%s: CRLF", file);
    cr_expect_eq(count(buf, n, lf, w), count(m.p, m.n, lf, w), "%s: LF", file);
    cr_expect(n < 2 || memcmp(buf, m.p, 2) == 0, "%s: BOM", file);
    /* (b) the same verdicts */
    analysis a, b;
    analyze_buf(buf, n, 0, &a);
    analyze_buf(m.p, m.n, 0, &b);
    same_verdicts(r, &a, &b, file);
    analysis_free(&a);
    analysis_free(&b);
    if (utf16)
        free(text);
    free(m.p);
    ldrsnap_redactor_free(r);
}

static void check_file(const char *path)
{
    size_t n;
    char *log = read_file(path, &n);
    cr_assert(log, "%s", path);
    bool utf16 = n >= 2 && (unsigned char)log[0] == 0xFF &&
                 (unsigned char)log[1] == 0xFE;
    size_t n8 = n;
    char *log8 = utf16 ? utf16_to_8(log, n, &n8) : log;
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cr_assert(!ci_has(log8, n8, secrets[i]), "%s holds '%s' already", path,
                  secrets[i]);
    size_t pn;
    char *p = plant(log8, n8, &pn);
    char name[1100];
    snprintf(name, sizeof name, "%s (planted)", path);
    check_log(name, p, pn, false, 0);
    snprintf(name, sizeof name, "%s (planted, --paths)", path);
    check_log(name, p, pn, false, LDRSNAP_REDACT_PATHS);
    /* the same as CRLF, and as UTF-16LE with a BOM */
    char *crlf = malloc(2 * pn + 1);
    size_t cn = 0;
    for (size_t i = 0; i < pn; i++) {
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            crlf[cn++] = '\r';
        crlf[cn++] = p[i];
    }
    snprintf(name, sizeof name, "%s (planted, CRLF)", path);
    check_log(name, crlf, cn, false, 0);
    size_t un;
    char *u16 = to16(p, pn, true, true, false, &un);
    snprintf(name, sizeof name, "%s (planted, UTF-16LE)", path);
    check_log(name, u16, un, true, 0);
    free(u16), free(crlf), free(p);
    if (utf16)
        free(log8);
    free(log);
}

static size_t check_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    size_t n = 0;
    while ((de = readdir(d)) != NULL) {
        size_t k = strlen(de->d_name);
        if (k < 5 || strcmp(de->d_name + k - 4, ".log"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        check_file(path);
        n++;
    }
    closedir(d);
    return n;
}

Test(redact, every_sample_planted, .timeout = 120)
{
    cr_assert_geq(check_dir(SRCDIR "/samples"), 10);
    check_dir(SRCDIR "/tests/data");
}

Test(redact, every_corpus_log_planted, .timeout = 120)
{
    const char *dir = getenv("LDRSNAP_CORPUS");
    size_t n = dir ? check_dir(dir) : 0;
    if (!n)
        cr_skip_test("corpus not found (set LDRSNAP_CORPUS)");
}
