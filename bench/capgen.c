/*
 * capgen.c - realistic multi-process loader-snaps captures, with their
 * truth.
 *
 *   capgen [-m MB | -n PROCESSES] [-s SEED] [-t TRUTH] [--host=H]
 *          [--crlf] [--utf16] [--prefix] [--pasted] > capture.log
 *
 * Each process is one of the shapes real Windows logs show (a missing
 * static import found by a worker thread, a dynamic load the program
 * survives or dies of, a missing export named only by a base address, a
 * DllMain that fails, the XP loader that prints nothing for a DLL it could
 * not find, the IIS6 DCOM failure, ...), in the Vista+ dialect of Windows
 * 7, 8, 10 or 11 (with Windows 11's compact duplicates) or the XP/2003
 * `LDR:` dialect, with up to four loader threads interleaved line by line.
 * The host decides the lines around the loader's: plain, cdb/WinDbg
 * (banner, CommandLine, ModLoad, exception events), Visual Studio's output
 * window in English, German or Chinese, or DebugView (`[pid]` column).
 *
 * H is one of mix (the default: the host changes from process to process),
 * plain, cdb, vs, vs-de, vs-zh, dbgview.  --crlf ends lines with CR LF;
 * --utf16 writes UTF-16LE with a BOM and CR LF, as Visual Studio's "Save
 * Output As" does; --prefix puts `image(pid): ` before every loader line
 * (KDE's VSD); --pasted writes each process as people paste logs (in code
 * comments, heads cut off, names padded, records wrapped, fragments).
 *
 * The truth (-t) has one line per process, tab-separated:
 *
 *   P <pid|-> <image> <kind|-> <dll|-> <status|-> <line|-> <parent|->
 *     <pattern> <first line> <last line>
 *
 * kind, dll, status and line name the root cause: the failure that ended
 * the process (`-` for none); pid is the one the log gives (its PID line,
 * else its first [pid,tid] line, else a (pid.tid) debugger event, else the
 * IDE's exit line, else a capture prefix); dll is the file name.  Then one
 * line per failure the program handled:
 *
 *   H <pid|-> <dll> <status> <line>
 *
 * Deterministic for a seed.  Without -n it writes until -m megabytes
 * (default 200) are out, fast enough for `make bench`.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- random numbers ------------------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n ? (unsigned)((rng >> 11) % n) : 0;
}

static int chance(unsigned pct)
{
    return rnd(100) < pct;
}

#define PICK(a) ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

/* ---- names ------------------------------------------------------------- */

typedef struct app {
    const char *image, *dir;
    const char *own[4]; /* the app's own DLLs, imported statically */
} app;

static const app apps[] = {
    {"ContosoViewer.exe", "C:\\Program Files\\Contoso\\Viewer",
     {"ImageCodec.dll", "ViewerCore.dll", "libpng16.dll", "zlib1.dll"}},
    {"suite.exe", "C:\\Program Files\\Contoso\\Suite",
     {"tls.dll", "SuiteUI.dll", "sqlite3.dll", "Qt5Core.dll"}},
    {"curl.exe", "C:\\tools\\curl\\bin",
     {"libcurl-x64.dll", "libssl-3-x64.dll", "libcrypto-3-x64.dll",
      "zlib1.dll"}},
    {"node.exe", "C:\\Program Files\\nodejs",
     {"libuv.dll", "icuuc72.dll", "icuin72.dll", "node_gtk.node"}},
    {"python.exe", "C:\\Python311",
     {"python311.dll", "VCRUNTIME140.dll", "_ssl.pyd", "libffi-8.dll"}},
    {"Setup.exe", "C:\\Users\\mmuster\\Downloads",
     {"InstallHelper.dll", "msi.dll", "cabinet.dll", "version.dll"}},
    {"w3wp.exe", "C:\\WINDOWS\\system32\\inetsrv",
     {"w3core.dll", "w3isapi.dll", "iisutil.dll", "w3tp.dll"}},
    {"Game.exe", "D:\\Games\\Fabrikam\\Binaries\\Win64",
     {"UE4-Core.dll", "PhysX3_x64.dll", "nvapi64.dll", "fmod64.dll"}},
    {"ScanTool.exe", "C:\\Tools\\Scanner",
     {"ScanEngine.dll", "tbb12.dll", "avcodec-60.dll", "MSVCP140.dll"}},
    {"\xe6\xb5\x8b\xe8\xaf\x95.exe", "C:\\Users\\\xe7\x8e\x8b\xe4\xbc\x9f\\"
                                     "Projects\\\xe6\xb5\x8b\xe8\xaf\x95",
     {"Engine.dll", "Render.dll", "libglib-2.0-0.dll", "MSVCP140.dll"}},
};

static const char *const sys_dlls[] = {
    "KERNEL32.DLL", "KERNELBASE.dll", "USER32.dll",   "win32u.dll",
    "GDI32.dll",    "gdi32full.dll",  "msvcp_win.dll", "ucrtbase.dll",
    "ADVAPI32.dll", "msvcrt.dll",     "sechost.dll",  "RPCRT4.dll",
    "combase.dll",  "ole32.dll",      "SHELL32.dll",  "SHLWAPI.dll",
    "IMM32.dll",    "uxtheme.dll",    "CRYPTBASE.dll", "bcryptPrimitives.dll",
    "WS2_32.dll",   "VERSION.dll",    "dbghelp.dll",  "OLEAUT32.dll"};

/* DLLs that go missing: redistributables, plugins' dependencies. */
static const char *const missing_dlls[] = {
    "VCRUNTIME140.dll",   "MSVCP140.dll",      "VCRUNTIME140_1.dll",
    "libcrypto-3-x64.dll", "libssl-3-x64.dll", "libglib-2.0-0.dll",
    "libgmodule-2.0-0.dll", "libffi-7.dll",    "brotlidec.dll",
    "ksuser.dll",         "d3dx9_43.dll",      "xinput1_3.dll",
    "MSVCR120.dll",       "mfc140u.dll",       "libiomp5md.dll",
    "cudart64_12.dll",    "libopenblas.3HBPCJB5BPQGKWVZAVEBXNNJ2Q2G3TUP.gfortran-win_amd64.dll",
    "api-ms-win-core-path-l1-1-0.dll"};

static const char *const plugins[] = {
    "nvapi64.dll",    "atiadlxx.dll",    "ScanPlugin_x86.dll", "vrclient_x64.dll",
    "igdumdim64.dll", "PenIMC2_v0400.dll", "OptionalCodec.dll"};

static const char *const symbols[] = {
    "?DrawLegend@Chart@@QEAAXH@Z", "inflateValidate", "SSL_CTX_set_options",
    "g_once_init_leave_pointer", "?expected_function@@YAXXZ",
    "GetSystemTimePreciseAsFileTime", "PyInit__ssl", "sqlite3_prepare_v3"};

static const char *const sys_dirs[] = {
    "C:\\Windows\\SYSTEM32", "C:\\Windows\\system", "C:\\Windows",
    "C:\\Users\\svc\\AppData\\Local\\Microsoft\\WindowsApps",
    "C:\\Program Files\\Git\\cmd", "C:\\Tools\\bin"};

static const char *basename_of(const char *p)
{
    const char *b = strrchr(p, '\\');
    return b ? b + 1 : p;
}

/* ---- the current process: lines per thread, then interleaved -------------- */

enum { LF_LOADER = 1, LF_ROOT = 2, LF_HANDLED = 4, LF_VISTA = 8 };

#define NQ 5 /* main thread, three workers, and a fourth (XP/DebugView) */

typedef struct qline {
    size_t off;      /* in the arena */
    unsigned len;
    unsigned char flags, q;
} qline;

typedef struct lines {
    qline *v;
    size_t n, cap;
} lines;

static char *arena;
static size_t arena_len, arena_cap;
static lines queue[NQ], merged;

static void push(lines *l, qline x)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v)
            abort();
    }
    l->v[l->n++] = x;
}

static size_t arena_add(const char *s, size_t n)
{
    if (arena_len + n + 1 > arena_cap) {
        arena_cap = (arena_len + n + 1) * 2;
        arena = realloc(arena, arena_cap);
        if (!arena)
            abort();
    }
    memcpy(arena + arena_len, s, n);
    arena_len += n;
    return arena_len - n;
}

/* Append a line to queue q. */
static void qadd(unsigned q, unsigned flags, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    qline x = {arena_add(buf, (size_t)n), (unsigned)n, (unsigned char)flags,
               (unsigned char)q};
    push(&queue[q], x);
}

/* Move every queue into the merged order: the threads interleave, each
 * keeping its own order; a thread often prints a few lines in a row. */
static void barrier(void)
{
    size_t pos[NQ] = {0};
    size_t left = 0;
    for (unsigned q = 0; q < NQ; q++)
        left += queue[q].n;
    unsigned cur = 0;
    while (left) {
        if (pos[cur] == queue[cur].n || chance(45)) {
            unsigned k = rnd(NQ);
            for (unsigned i = 0; i < NQ; i++, k = (k + 1) % NQ)
                if (pos[k] < queue[k].n)
                    break;
            cur = k;
        }
        push(&merged, queue[cur].v[pos[cur]++]);
        left--;
    }
    for (unsigned q = 0; q < NQ; q++)
        queue[q].n = 0;
}

/* ---- output ---------------------------------------------------------------- */

enum host { H_PLAIN, H_CDB, H_VS, H_VS_DE, H_VS_ZH, H_DBGVIEW, H_NHOSTS };
static const char *const host_names[] = {"plain", "cdb",   "vs",
                                          "vs-de", "vs-zh", "dbgview"};

enum paste { P_NONE, P_COMMENT, P_COMMENT3, P_HEADLESS, P_HEADLESS2,
             P_PADDED, P_WRAPPED, P_PROSE, P_FRAGMENT, P_NPASTE };

static struct {
    int crlf, utf16, prefix, pasted;
    int host; /* -1: mix */
} opt = {0, 0, 0, 0, -1};

static unsigned char obuf[1 << 20];
static size_t olen;
static unsigned long long written, lineno;
static unsigned dbgview_no;
static double dbgview_time;

static void oflush(void)
{
    fwrite(obuf, 1, olen, stdout);
    olen = 0;
}

static void oput(const char *s, size_t n)
{
    if (!opt.utf16) {
        if (olen + n > sizeof obuf)
            oflush();
        if (n > sizeof obuf) {
            fwrite(s, 1, n, stdout);
        } else {
            memcpy(obuf + olen, s, n);
            olen += n;
        }
        written += n;
        return;
    }
    /* UTF-8 to UTF-16LE (the BMP is enough for our names) */
    for (size_t i = 0; i < n;) {
        unsigned c = (unsigned char)s[i];
        if (c >= 0xE0 && i + 2 < n) {
            c = ((c & 0x0F) << 12) | (((unsigned char)s[i + 1] & 0x3F) << 6) |
                ((unsigned char)s[i + 2] & 0x3F);
            i += 3;
        } else if (c >= 0xC0 && i + 1 < n) {
            c = ((c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F);
            i += 2;
        } else {
            i++;
        }
        if (olen + 2 > sizeof obuf)
            oflush();
        obuf[olen++] = (unsigned char)(c & 0xFF);
        obuf[olen++] = (unsigned char)(c >> 8);
        written += 2;
    }
}

static void oend(void)
{
    oput(opt.crlf || opt.utf16 ? "\r\n" : "\n", opt.crlf || opt.utf16 ? 2 : 1);
    lineno++;
}

/* ---- truth ---------------------------------------------------------------- */

typedef struct truth {
    unsigned pid;     /* 0: the log gives none */
    const char *image;
    const char *kind; /* NULL: no root cause */
    char dll[512];
    char parent[512];
    unsigned status;
    unsigned long long line;
    const char *pattern;
    unsigned long long first, last; /* the process's lines */
    unsigned long long handled_line[8];
    char handled_dll[8][128];
    unsigned handled_status[8];
    unsigned nhandled;
} truth;

static FILE *truth_out;
static truth T;

static void truth_dll(const char *dll)
{
    const char *b = dll ? basename_of(dll) : "";
    size_t n = strlen(b) < sizeof T.dll ? strlen(b) : sizeof T.dll - 1;
    memcpy(T.dll, b, n);
    T.dll[n] = '\0';
}

static void truth_write(void)
{
    if (!truth_out)
        return;
    char pid[16], st[16], ln[24];
    snprintf(pid, sizeof pid, "%u", T.pid);
    snprintf(st, sizeof st, "0x%08x", T.status);
    snprintf(ln, sizeof ln, "%llu", T.line);
    fprintf(truth_out, "P\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%llu\t%llu\n",
            T.pid ? pid : "-", T.image, T.kind ? T.kind : "-",
            T.kind && T.dll[0] ? T.dll : "-", T.kind ? st : "-",
            T.kind ? ln : "-", T.kind && T.parent[0] ? T.parent : "-",
            T.pattern, T.first, T.last);
    for (unsigned i = 0; i < T.nhandled; i++)
        fprintf(truth_out, "H\t%s\t%s\t0x%08x\t%llu\n", T.pid ? pid : "-",
                T.handled_dll[i], T.handled_status[i], T.handled_line[i]);
}

/* ---- writing a process out ------------------------------------------------- */

static const char *prefix_image; /* for --prefix: "app(1234): " */
static unsigned prefix_pid;

/* Where the head of a Vista record ends: "pid:tid @ tick ". */
static size_t vista_head(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n < 24 ? n : 24);
    if (!at)
        return 0;
    const char *d = memchr(at, '-', n - (size_t)(at - s));
    return d ? (size_t)(d - s) : 0;
}

/* One line as the paste style shows it. */
static void emit_pasted(const char *s, size_t n, unsigned flags, int style)
{
    char buf[9000];
    size_t h = (flags & LF_VISTA) ? vista_head(s, n) : 0;
    switch (style) {
    case P_COMMENT:
        oput("// ", 3);
        break;
    case P_COMMENT3:
        oput("///   ", 6);
        break;
    case P_HEADLESS:
        if (h)
            s += h, n -= h; /* "- LdrpX - ERROR: ..." */
        break;
    case P_HEADLESS2:
        if (h)
            s += h + 2, n -= h + 2; /* "LdrpX - ERROR: ..." */
        break;
    case P_PADDED:
        if (h) {
            /* "pid:tid @ tick - Function<spaces> - LEVEL: ..." */
            const char *f = s + h + 2;
            const char *e = strstr(f, " - ");
            if (e && (size_t)(e - s) < n && e > f) {
                int fl = (int)(e - f);
                int w = snprintf(buf, sizeof buf, "%.*s%-28.*s%.*s",
                                 (int)(h + 2), s, fl, f,
                                 (int)(n - (size_t)(e - s)), e);
                oput(buf, (size_t)w);
                return;
            }
        }
        break;
    case P_WRAPPED:
        if ((flags & LF_LOADER) && n > 110) {
            /* a record wrapped at a space onto an indented second line */
            size_t cut = 90;
            while (cut < n && s[cut] != ' ')
                cut++;
            if (cut < n - 1) {
                oput(s, cut);
                oend();
                oput("        ", 8);
                oput(s + cut + 1, n - cut - 1);
                return;
            }
        }
        break;
    }
    oput(s, n);
}

static unsigned long long tick; /* of the process being written out */

static void emit_line(const qline *l, int style)
{
    char *s = arena + l->off;
    size_t n = l->len;
    if (l->flags & LF_VISTA) {
        /* the tick only grows in print order, whatever the thread */
        char *at = memchr(s, '@', n < 24 ? n : 24);
        if (at && chance(30))
            tick += 15 + rnd(2);
        if (at) {
            char d[24];
            snprintf(d, sizeof d, "%08llu", tick % 100000000ULL);
            memcpy(at + 2, d, 8);
        }
    }
    if (l->flags & LF_ROOT)
        T.line = lineno + 1;
    if ((l->flags & LF_HANDLED) && T.nhandled < 8)
        T.handled_line[T.nhandled++] = lineno + 1;
    if (style != P_NONE) {
        emit_pasted(s, n, l->flags, style);
        oend();
        return;
    }
    if ((l->flags & LF_LOADER) && opt.host == H_DBGVIEW) {
        char b[64];
        dbgview_time += 0.0001 * (1 + rnd(20));
        int k = snprintf(b, sizeof b, "%08u\t%.8f\t[%u] ", ++dbgview_no,
                         dbgview_time, prefix_pid);
        oput(b, (size_t)k);
    } else if ((l->flags & LF_LOADER) && opt.prefix) {
        char b[160];
        int k = snprintf(b, sizeof b, "%s(%u): ", prefix_image, prefix_pid);
        oput(b, (size_t)k);
    }
    oput(s, n);
    oend();
}

/* A pasted excerpt: the lines around the root cause, or the ERROR line
 * alone in prose, or cut in the middle of its message. */
static void emit_excerpt(int style)
{
    size_t root = merged.n;
    for (size_t i = 0; i < merged.n; i++)
        if (merged.v[i].flags & LF_ROOT) {
            root = i;
            break;
        }
    if (style == P_PROSE || style == P_FRAGMENT) {
        if (root == merged.n)
            return;
        const qline *l = &merged.v[root];
        char s[8192];
        snprintf(s, sizeof s, "%.*s", (int)l->len, arena + l->off);
        char *at = (l->flags & LF_VISTA) ? strchr(s, '@') : NULL;
        if (at && at[1] == ' ') {
            char d[24];
            snprintf(d, sizeof d, "%08llu", tick % 100000000ULL);
            memcpy(at + 2, d, 8);
        }
        const char *q = style == P_FRAGMENT ? strstr(s, "DLL: \"") : NULL;
        if (style == P_FRAGMENT && (!q || (size_t)(q - s) >= l->len))
            style = P_PROSE;
        oput("The loader printed this, then the program closed.", 50);
        oend();
        T.line = lineno + 1;
        if (style == P_PROSE) {
            static const char *const intro[] = {
                "It might look like this: '", "I get this line: '",
                "Output window shows '"};
            const char *in = PICK(intro);
            oput(in, strlen(in));
            oput(s, l->len);
            oput("' and then it exits.", 20);
        } else {
            size_t skip = (size_t)(q - s) + 4 + rnd(3); /* at, in or after '"' */
            oput(s + skip, l->len - skip);
        }
        oend();
        return;
    }
    for (size_t i = 0; i < merged.n; i++)
        emit_line(&merged.v[i], style);
}

/* Does the root cause's line hold the facts by itself (a loader ERROR
 * line naming the DLL and the status)?  Only such a line is quoted alone
 * in prose or cut in the middle. */
static int root_says_it_all(void)
{
    for (size_t i = 0; i < merged.n; i++) {
        const qline *l = &merged.v[i];
        if (!(l->flags & LF_ROOT))
            continue;
        char st[16], s[8192];
        snprintf(st, sizeof st, "%08x", T.status);
        snprintf(s, sizeof s, "%.*s", (int)l->len, arena + l->off);
        return (l->flags & LF_LOADER) && strstr(s, "ERROR") &&
               (!T.dll[0] || strstr(s, T.dll)) && strstr(s, st);
    }
    return 0;
}

static void flush_process(void)
{
    barrier();
    T.first = lineno + 1;
    if (opt.pasted) {
        int style = 1 + (int)rnd(P_NPASTE - 1);
        if ((style == P_PROSE || style == P_FRAGMENT) && !root_says_it_all())
            style = P_COMMENT;
        if (style == P_HEADLESS || style == P_HEADLESS2 ||
            style == P_PROSE || style == P_FRAGMENT)
            T.pid = 0; /* the head with the pid is gone */
        emit_excerpt(style);
    } else {
        for (size_t i = 0; i < merged.n; i++)
            emit_line(&merged.v[i], P_NONE);
    }
    merged.n = 0;
    arena_len = 0;
    T.last = lineno;
    truth_write();
}

/* ---- the process being written -------------------------------------------- */

typedef struct proc {
    const app *a;
    unsigned pid;
    unsigned tid[NQ];
    int win;        /* 7, 8, 10, 11; 5 for XP, 4 for NT 4 */
    int host;
    int x86;
    int nworkers;
    char exe[512];
    int xp_pidtag;  /* XP: [pid,tid] on some lines */
    unsigned long long bases[64];
    int nbases;
} proc;

static unsigned next_pid = 0x1a4;
static unsigned last_tids[8]; /* tids of earlier processes, reused */

static const char *const levels[] = {"ENTER", "RETURN", "INFO", "WARNING",
                                     "ERROR"};
enum { ENTER, RETURN, INFO, WARNING, ERROR };

static void V(proc *p, unsigned q, unsigned extra, const char *fn, int lvl,
              const char *fmt, ...)
{
    char msg[6000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    qadd(q, LF_LOADER | LF_VISTA | extra, "%04x:%04x @ 00000000 - %s - %s: %s",
         p->pid, p->tid[q], fn, levels[lvl], msg);
}

/* Windows 11 prints a compact twin after some ENTER/RETURN lines. */
static void V2(proc *p, unsigned q, const char *fn, int lvl, const char *name,
               unsigned st, unsigned orig)
{
    if (lvl == ENTER) {
        V(p, q, 0, fn, ENTER, "DLL name: %s", name);
        if (p->win >= 11)
            V(p, q, 0, fn, ENTER, "%s", name);
        return;
    }
    if (p->win >= 11 && orig && orig != st)
        V(p, q, 0, fn, INFO, "Original status: 0x%08x", orig);
    V(p, q, 0, fn, RETURN, "Status: 0x%08x", st);
    if (p->win >= 11) {
        if (orig && orig != st)
            V(p, q, 0, fn, RETURN, "%08x-%08x", orig, st);
        else
            V(p, q, 0, fn, RETURN, "%08x", st);
    }
}

static int is_vs(int h)
{
    return h == H_VS || h == H_VS_DE || h == H_VS_ZH;
}

/* A base for a module: from a small pool, so that the processes of one
 * capture reuse each other's bases, but never one this process uses. */
static unsigned long long new_base(proc *p)
{
    unsigned long long b = 0;
    for (int tries = 0; tries < 100; tries++) {
        unsigned slot = rnd(48);
        b = p->x86 ? 0x60000000ULL + (unsigned long long)slot * 0x400000
                   : 0x00007ffd00000000ULL +
                         ((unsigned long long)(0xc000 + slot * 0x40) << 16);
        int used = 0;
        for (int i = 0; i < p->nbases; i++)
            used |= p->bases[i] == b;
        if (!used)
            break;
    }
    if (p->nbases < 64)
        p->bases[p->nbases++] = b;
    return b;
}

static void modload(proc *p, unsigned q, const char *path,
                    unsigned long long base)
{
    if (p->host != H_CDB)
        return;
    unsigned long long end = base + 0x20000 + rnd(0x100) * 0x1000;
    if (!p->x86)
        qadd(q, 0, "ModLoad: %08llx`%08llx %08llx`%08llx   %s", base >> 32,
             base & 0xffffffffULL, end >> 32, end & 0xffffffffULL, path);
    else
        qadd(q, 0, "ModLoad: %08llx %08llx   %s", base & 0xffffffffULL,
             end & 0xffffffffULL, path);
}

static void vs_loaded(proc *p, const char *path)
{
    const char *img = p->a->image;
    switch (p->host) {
    case H_VS:
        qadd(0, 0, "'%s' (Win32): Loaded '%s'.%s", img, path,
             chance(30) ? " Symbols loaded." : " ");
        break;
    case H_VS_DE:
        qadd(0, 0, "\"%s\" (Win32): \"%s\" geladen.%s", img, path,
             chance(30) ? " Symbole wurden geladen." : " ");
        break;
    case H_VS_ZH:
        qadd(0, 0, "\xe2\x80\x9c%s\xe2\x80\x9d(Win32): \xe5\xb7\xb2\xe5\x8a\xa0"
                   "\xe8\xbd\xbd\xe2\x80\x9c%s\xe2\x80\x9d\xe3\x80\x82",
             img, path);
        break;
    }
}

static void vs_thread_exit(proc *p, unsigned tid, int code)
{
    unsigned u = (unsigned)code;
    switch (p->host) {
    case H_VS:
        qadd(0, 0, "The thread 0x%x has exited with code %d (0x%x).", tid,
             code, u);
        break;
    case H_VS_DE:
        qadd(0, 0, "Der Thread 0x%x hat mit Code %d (0x%x) geendet.", tid,
             code, u);
        break;
    case H_VS_ZH:
        qadd(0, 0, "\xe7\xba\xbf\xe7\xa8\x8b 0x%x \xe5\xb7\xb2\xe9\x80\x80"
                   "\xe5\x87\xba\xef\xbc\x8c\xe8\xbf\x94\xe5\x9b\x9e\xe5\x80"
                   "\xbc\xe4\xb8\xba %d (0x%x)\xe3\x80\x82",
             tid, code, u);
        break;
    }
}

static void vs_program_exit(proc *p, int code)
{
    unsigned u = (unsigned)code;
    const char *img = p->a->image;
    switch (p->host) {
    case H_VS:
        if (u == 0xc0000135u)
            qadd(0, 0, "The program '[%u] %s' has exited with code %d (0x%x) "
                       "'A dependent dll was not found'.",
                 p->pid, img, code, u);
        else
            qadd(0, 0, "The program '[%u] %s' has exited with code %d (0x%x).",
                 p->pid, img, code, u);
        break;
    case H_VS_DE:
        qadd(0, 0, "Das Programm \"[%u] %s\" wurde mit Code %d (0x%x) beendet.",
             p->pid, img, code, u);
        break;
    case H_VS_ZH:
        qadd(0, 0, "\xe7\xa8\x8b\xe5\xba\x8f\xe2\x80\x9c[%u] %s\xe2\x80\x9d"
                   "\xe5\xb7\xb2\xe9\x80\x80\xe5\x87\xba\xef\xbc\x8c\xe8\xbf"
                   "\x94\xe5\x9b\x9e\xe5\x80\xbc\xe4\xb8\xba %d (0x%x)\xe3\x80"
                   "\x82",
             p->pid, img, code, u);
        break;
    }
}

/* The debugger session's head: each process debugged gets its own. */
static void cdb_banner(proc *p)
{
    qadd(0, 0, "Microsoft (R) Windows Debugger Version 10.0.%s AMD64",
         chance(50) ? "22621.2428" : "26100.1");
    qadd(0, 0, "Copyright (c) Microsoft Corporation. All rights reserved.");
    qadd(0, 0, "%s", "");
    qadd(0, 0, "CommandLine: \"%s\"%s", p->exe, chance(50) ? " --verbose" : "");
    qadd(0, 0, "Symbol search path is: srv*");
    qadd(0, 0, "Executable search path is: ");
    modload(p, 0, p->a->image, p->x86 ? 0x00400000ULL
                                      : 0x00007ff700000000ULL +
                                            rnd(0x100) * 0x10000);
    modload(p, 0, "ntdll.dll", p->x86 ? 0x77e00000ULL : 0x00007ffde8f50000ULL);
}

static void cdb_exc(proc *p, unsigned q, unsigned flags, const char *what,
                    unsigned code, int second)
{
    qadd(q, flags, "(%x.%x): %s - code %08x (%s chance)", p->pid, p->tid[q],
         what, code, second ? "second" : "first");
}

/* ---- Vista+: loads -------------------------------------------------------- */

/* Thread q finds and maps `dll` after some probe misses. */
static void v_load_found(proc *p, unsigned q, const char *dll, int app_dll)
{
    char path[600];
    snprintf(path, sizeof path, "%s\\%s",
             app_dll ? p->a->dir : "C:\\Windows\\SYSTEM32", dll);
    if (p->win <= 7) {
        V(p, q, 0, "LdrpLoadDll", INFO, "Loading DLL %s", dll);
        V(p, q, 0, "LdrpFindOrMapDll", ENTER, "DLL name: %s", dll);
        if (app_dll)
            ;
        else if (chance(50)) {
            V(p, q, 0, "LdrpResolveDllName", ENTER, "DLL name: %s\\%s",
              p->a->dir, dll);
            V(p, q, 0, "LdrpResolveDllName", RETURN, "Status: 0xc0000135");
        }
        unsigned long long b = new_base(p);
        V(p, q, 0, "LdrpMapDll", INFO, "Mapped DLL \"%s\" at address %llX",
          dll, b & 0xffffffffULL);
        modload(p, q, path, b);
        V(p, q, 0, "LdrpFindOrMapDll", RETURN, "Status: 0x00000000");
        return;
    }
    if (p->win == 8) {
        V(p, q, 0, "LdrGetDllHandleEx", ENTER, "DLL name: %s DLL path: %s;"
          "C:\\Windows\\SYSTEM32;C:\\Windows", dll, p->a->dir);
        V(p, q, 0, "LdrpFindLoadedDll", RETURN, "Status: 0xc0000135");
        V(p, q, 0, "LdrGetDllHandleEx", RETURN, "Status: 0xc0000135");
    }
    if (!app_dll && chance(60)) {
        V2(p, q, "LdrpFindKnownDll", ENTER, dll, 0, 0);
        V2(p, q, "LdrpFindKnownDll", RETURN, NULL, 0xc0000135, 0);
    }
    V2(p, q, "LdrpSearchPath", ENTER, dll, 0, 0);
    int misses = app_dll ? 0 : (int)rnd(3);
    for (int i = 0; i < misses; i++) {
        char pp[600];
        snprintf(pp, sizeof pp, "%s\\%s", i ? sys_dirs[3 + i] : p->a->dir,
                 dll);
        V2(p, q, "LdrpResolveDllName", ENTER, pp, 0, 0);
        V2(p, q, "LdrpResolveDllName", RETURN, NULL, 0xc0000135, 0xc0000034);
    }
    V2(p, q, "LdrpResolveDllName", ENTER, path, 0, 0);
    V2(p, q, "LdrpResolveDllName", RETURN, NULL, 0, 0);
    V2(p, q, "LdrpSearchPath", RETURN, NULL, 0, 0);
    V2(p, q, p->win == 10 && chance(20) ? "LdrpMapViewOfSection"
                                        : "LdrpMinimalMapModule",
       ENTER, path, 0, 0);
    modload(p, q, path, new_base(p));
    V2(p, q, "LdrpMinimalMapModule", RETURN, NULL, 0, 0);
}

/* Thread q searches every directory for `dll` and gives up. */
static void v_search_fails(proc *p, unsigned q, const char *dll,
                           unsigned flags)
{
    if (p->win <= 7) {
        V(p, q, 0, "LdrpFindOrMapDll", ENTER, "DLL name: %s", dll);
        for (int i = 0; i < 3; i++)
            V(p, q, 0, "LdrpResolveDllName", ENTER, "DLL name: %s\\%s",
              i ? sys_dirs[i - 1] : p->a->dir, dll),
                V(p, q, 0, "LdrpResolveDllName", RETURN,
                  "Status: 0xc0000135");
        return;
    }
    V2(p, q, "LdrpSearchPath", ENTER, dll, 0, 0);
    int n = 2 + (int)rnd(4);
    for (int i = 0; i < n; i++) {
        char pp[600];
        snprintf(pp, sizeof pp, "%s\\%s",
                 i ? sys_dirs[(i - 1) % 6] : p->a->dir, dll);
        V2(p, q, "LdrpResolveDllName", ENTER, pp, 0, 0);
        V2(p, q, "LdrpResolveDllName", RETURN, NULL, 0xc0000135, 0xc0000034);
    }
    if (flags) /* Windows 8: this RETURN says the search gave up */
        V(p, q, flags, "LdrpSearchPath", RETURN, "Status: 0xc0000135");
    else
        V2(p, q, "LdrpSearchPath", RETURN, NULL, 0xc0000135, 0);
}

static void v_unable(proc *p, unsigned q, unsigned flags, const char *dll,
                     const char *parent, unsigned st)
{
    V(p, q, flags, "LdrpProcessWork", ERROR,
      "Unable to load DLL: \"%s\", Parent Module: \"%s\", Status: 0x%08x",
      dll, parent ? parent : "(null)", st);
}

static void v_process_dies(proc *p, unsigned st, int walking)
{
    if (walking == 1)
        V(p, 0, 0, "LdrpInitializeProcess", ERROR,
          "Walking the import tables of the executable and its static "
          "imports failed with status 0x%08x", st);
    else if (walking == 2)
        V(p, 0, 0, "LdrpInitializeProcess", ERROR,
          "Running the init routines of the executable's static imports "
          "failed with status 0x%08x", st);
    V(p, 0, 0, "_LdrpInitialize", ERROR,
      "Process initialization failed with status 0x%08x", st);
    V(p, 0, 0, "LdrpInitializationFailure", ERROR,
      "Process initialization failed with status 0x%08x", st);
}

static void v_begin(proc *p)
{
    if (p->host == H_CDB)
        cdb_banner(p);
    if (is_vs(p->host))
        vs_loaded(p, p->exe);
    if (p->win <= 7) {
        V(p, 0, 0, "LdrpInitializeProcess", INFO, "Initializing process 0x%x",
          p->pid);
        V(p, 0, 0, "LdrpInitializeProcess", INFO,
          "Beginning execution of %s (%s)", p->a->image, p->exe);
    } else {
        V(p, 0, 0, "LdrpInitializeProcess", INFO,
          "Beginning execution of %s (%s)", p->a->image, p->exe);
        qadd(0, 0, "\tCurrent directory: %s\\", p->a->dir);
        qadd(0, 0, "\tPackage directories: (null)");
    }
    if (is_vs(p->host))
        vs_loaded(p, "C:\\Windows\\System32\\ntdll.dll");
    if (p->host == H_CDB && chance(30))
        cdb_exc(p, 0, 0, "Break instruction exception", 0x80000003, 0);
    barrier();
}

/* The static imports: system DLLs and some of the app's own, mapped by the
 * workers while the main thread redirects API sets. */
static void v_imports(proc *p, int own)
{
    int n = 4 + (int)rnd(6);
    for (int i = 0; i < n; i++) {
        unsigned q = p->nworkers ? 1 + (unsigned)(i % p->nworkers) : 0;
        v_load_found(p, q, sys_dlls[rnd(24)], 0);
        if (p->win >= 10 && chance(40))
            V(p, 0, 0, "LdrpPreprocessDllName", INFO,
              "DLL api-ms-win-crt-runtime-l1-1-%u.dll was redirected to "
              "C:\\Windows\\SYSTEM32\\ucrtbase.dll by API set", rnd(3));
    }
    for (int i = 0; i < own && i < 2; i++)
        v_load_found(p, p->nworkers ? 1 + (unsigned)(i % p->nworkers) : 0,
                     p->a->own[i], 1);
    barrier();
}

static void v_inits(proc *p, int n)
{
    for (int i = 0; i < n; i++)
        V(p, 0, 0, p->win <= 7 ? "LdrpRunInitializeRoutines"
                               : "LdrpInitializeNode",
          INFO, "Calling init routine %016llX for DLL \"C:\\Windows\\System32\\%s\"",
          0x00007FFD00000000ULL + rnd(0x7fffffff), sys_dlls[rnd(24)]);
}

/* A dynamic load on the main thread that works. */
static void v_dynamic_ok(proc *p, const char *dll)
{
    V(p, 0, 0, "LdrLoadDll", ENTER, "DLL name: %s", dll);
    if (p->win >= 10)
        V(p, 0, 0, "LdrpLoadDllInternal", ENTER, "DLL name: %s", dll);
    v_load_found(p, 0, dll, 0);
    if (p->win >= 10)
        V(p, 0, 0, "LdrpLoadDllInternal", RETURN, "Status: 0x00000000");
    V(p, 0, 0, "LdrLoadDll", RETURN, "Status: 0x00000000");
    if (chance(60))
        V(p, 0, 0, p->win >= 10 ? "LdrpGetProcedureAddress"
                                : "LdrGetProcedureAddressEx",
          INFO, "Locating procedure \"%s\" by name", PICK(symbols));
}

/* A dynamic load on the main thread that fails: the DLL is missing (or its
 * dependency is, or it is of the wrong architecture).  flags mark the line
 * that names it. */
static void v_dynamic_fails(proc *p, const char *dll, const char *dep,
                            unsigned st, unsigned flags)
{
    char path[600];
    snprintf(path, sizeof path, "%s\\plugins\\%s", p->a->dir, dll);
    V(p, 0, 0, "LdrLoadDll", ENTER, "DLL name: %s", dep ? path : dll);
    if (p->win <= 7) {
        V(p, 0, 0, "LdrpLoadDll", ENTER, "DLL name: %s", dll);
        v_search_fails(p, 0, dll, 0);
        V(p, 0, flags, "LdrpFindOrMapDll", RETURN, "Status: 0x%08x", st);
        V(p, 0, 0, "LdrpLoadDll", RETURN, "Status: 0x%08x", st);
        V(p, 0, 0, "LdrLoadDll", RETURN, "Status: 0x%08x", st);
        return;
    }
    V(p, 0, 0, "LdrpLoadDllInternal", ENTER, "DLL name: %s", dep ? path : dll);
    if (dep) { /* the plugin is there; its dependency is not */
        V2(p, 0, "LdrpResolveDllName", ENTER, path, 0, 0);
        V2(p, 0, "LdrpResolveDllName", RETURN, NULL, 0, 0);
        V2(p, 0, "LdrpMinimalMapModule", ENTER, path, 0, 0);
        modload(p, 0, path, new_base(p));
        V2(p, 0, "LdrpMinimalMapModule", RETURN, NULL, 0, 0);
        unsigned q = p->nworkers ? 1 : 0;
        v_search_fails(p, q, dep, 0);
        v_unable(p, q, flags, dep, path, st);
        barrier();
    } else if (st == 0xc000007b) { /* found, but built for another CPU */
        V2(p, 0, "LdrpResolveDllName", ENTER, path, 0, 0);
        V2(p, 0, "LdrpResolveDllName", RETURN, NULL, 0, 0);
        V2(p, 0, "LdrpMinimalMapModule", ENTER, path, 0, 0);
        V2(p, 0, "LdrpMinimalMapModule", RETURN, NULL, st, 0);
        v_unable(p, 0, flags, dll, NULL, st);
    } else {
        v_search_fails(p, 0, dll, 0);
        v_unable(p, 0, flags, dll, NULL, st);
    }
    V(p, 0, 0, "LdrpLoadDllInternal", RETURN, "Status: 0x%08x", st);
    V(p, 0, 0, "LdrLoadDll", RETURN, "Status: 0x%08x", st);
}

static void v_end(proc *p, int code)
{
    if (is_vs(p->host)) {
        for (int i = 1; i <= p->nworkers; i++)
            vs_thread_exit(p, p->tid[i], 0);
        vs_thread_exit(p, p->tid[0], code);
        vs_program_exit(p, code);
    } else if (p->host == H_CDB && code != 0 && chance(50)) {
        qadd(0, 0, "ntdll!NtTerminateProcess+0x14:");
        qadd(0, 0, "00007ffd`e8ff0d24 c3              ret");
    }
}

static void app_message(proc *p, const char *dll)
{
    static const char *const msgs[] = {
        "Error: could not load %s (error 126)",
        "qt.qpa.plugin: Could not load the Qt platform plugin \"windows\" (%s)",
        "[2024.03.01-10.12.55:171][  0]LogModuleManager:Warning: ModuleManager: "
        "Unable to load module '%s' because the file couldn't be loaded by "
        "the OS.",
        "Traceback (most recent call last): ImportError: DLL load failed while "
        "importing %s: The specified module could not be found."};
    if (p->host == H_CDB || chance(40))
        return;
    qadd(0, 0, PICK(msgs), dll);
}

static void handled(const char *dll, unsigned st)
{
    if (T.nhandled < 8) {
        snprintf(T.handled_dll[T.nhandled], sizeof T.handled_dll[0], "%s",
                 basename_of(dll));
        T.handled_status[T.nhandled] = st;
    }
}

static void root(const char *kind, const char *dll, unsigned st,
                 const char *parent, const char *pattern)
{
    T.kind = kind;
    truth_dll(dll);
    const char *b = parent ? basename_of(parent) : "";
    size_t n = strlen(b) < sizeof T.parent ? strlen(b) : sizeof T.parent - 1;
    memcpy(T.parent, b, n);
    T.parent[n] = '\0';
    T.status = st;
    T.pattern = pattern;
}

/* ---- Vista+ processes -------------------------------------------------- */

static void vista_process(proc *p)
{
    int kind = (int)rnd(100);
    v_begin(p);
    v_imports(p, 1 + (int)rnd(2));
    /* handled failures first, sometimes, when the program itself runs */
    int dynamic = kind < 25 || (kind >= 45 && kind < 55) ||
                  (kind >= 80 && kind < 88) || kind >= 96;
    if (dynamic && chance(25) && p->win >= 10) {
        const char *pl = PICK(plugins);
        int wrong_arch = chance(30);
        const char *dep = !wrong_arch && chance(40) ? PICK(missing_dlls) : NULL;
        unsigned st = wrong_arch ? 0xc000007b : 0xc0000135;
        handled(dep ? dep : pl, st);
        v_dynamic_fails(p, pl, dep, st, LF_HANDLED);
        v_dynamic_ok(p, sys_dlls[rnd(24)]);
        if (!T.pattern)
            T.pattern = "handled";
    }
    if (kind < 25) { /* success */
        v_inits(p, 3 + (int)rnd(5));
        v_dynamic_ok(p, sys_dlls[rnd(24)]);
        barrier();
        if (!T.pattern)
            T.pattern = "success";
        v_end(p, 0);
        return;
    }
    if (kind < 45) { /* a static import is missing; a worker finds out */
        const char *miss = PICK(missing_dlls);
        int via_own = chance(50);
        char parent[600];
        if (via_own)
            snprintf(parent, sizeof parent, "%s\\%s", p->a->dir, p->a->own[0]);
        else
            snprintf(parent, sizeof parent, "%s", p->exe);
        unsigned q = p->nworkers ? 1 + rnd((unsigned)p->nworkers) : 0;
        if (p->win <= 8) {
            /* Windows 7/8: no ERROR line, only the RETURN chain */
            V(p, 0, 0, "LdrpLoadDll", ENTER, "DLL name: %s", miss);
            v_search_fails(p, 0, miss, p->win == 8 ? LF_ROOT : 0);
            V(p, 0, p->win == 8 ? 0 : LF_ROOT, "LdrpFindOrMapDll", RETURN,
              "Status: 0xc0000135");
            V(p, 0, 0, "LdrpLoadDll", RETURN, "Status: 0xc0000135");
            barrier();
            v_process_dies(p, 0xc0000135, 1);
            root("dll_not_found", miss, 0xc0000135, NULL, "win7-chain");
        } else {
            v_search_fails(p, q, miss, 0);
            v_unable(p, q, LF_ROOT, miss, parent, 0xc0000135);
            if (p->nworkers >= 2 && chance(40)) {
                /* a second missing DLL on another worker: the first named
                 * is the verdict */
                unsigned q2 = q % (unsigned)p->nworkers + 1;
                const char *m2 = PICK(missing_dlls);
                if (strcmp(m2, miss) != 0) {
                    barrier();
                    v_search_fails(p, q2, m2, 0);
                    v_unable(p, q2, 0, m2, parent, 0xc0000135);
                }
            }
            barrier();
            v_process_dies(p, 0xc0000135, 1);
            root("dll_not_found", miss, 0xc0000135, parent, "static-missing");
        }
        barrier();
        v_end(p, (int)0xc0000135);
        return;
    }
    if (kind < 55) { /* a dynamic load fails and the program gives up */
        const char *dll = PICK(missing_dlls);
        int bad = p->win >= 10 && chance(25);
        unsigned st = bad ? 0xc000007b : 0xc0000135;
        v_dynamic_fails(p, dll, NULL, st, LF_ROOT);
        barrier();
        app_message(p, dll);
        root(bad ? "bad_image" : "dll_not_found", dll, st, NULL,
             p->win <= 7 ? "win7-chain" : "dynamic-fatal");
        v_end(p, 1);
        return;
    }
    if (kind < 67) { /* a missing export, named only by the base */
        const char *sym = PICK(symbols);
        const char *exporter = p->a->own[1];
        char epath[600], ipath[600];
        snprintf(epath, sizeof epath, "%s\\%s", p->a->dir, exporter);
        snprintf(ipath, sizeof ipath, "%s\\%s", p->a->dir, p->a->own[0]);
        unsigned q = p->nworkers ? 1 : 0;
        int mapped = p->host == H_CDB;
        unsigned long long b = new_base(p);
        if (p->win <= 7) {
            V(p, q, 0, "LdrpMapDll", INFO, "Mapped DLL \"%s\" at address %llX",
              exporter, b);
            modload(p, q, epath, b);
            mapped = 1;
        } else {
            V2(p, q, "LdrpMinimalMapModule", ENTER, epath, 0, 0);
            modload(p, q, epath, b);
            V2(p, q, "LdrpMinimalMapModule", RETURN, NULL, 0, 0);
        }
        barrier();
        /* an import by ordinal has no name to look up: no warning names
         * the exporter's base then */
        int ord = chance(15);
        unsigned ordinal = 1 + rnd(400);
        if (ord)
            mapped = 0;
        else
            V(p, 0, 0, "LdrpNameToOrdinal", WARNING,
              "Procedure \"%s\" could not be located in DLL at base 0x%0*llX.",
              sym, p->x86 ? 8 : 16, b);
        unsigned st = ord ? 0xc0000138 : 0xc0000139;
        if (ord)
            V(p, 0, LF_ROOT, "LdrpReportError", ERROR,
              "Locating ordinal \"%u\" for DLL \"%s\" failed with status: "
              "0x%08x.", ordinal, ipath, st);
        else
            V(p, 0, LF_ROOT, "LdrpReportError", ERROR,
              "Locating export \"%s\" for DLL \"%s\" failed with status: "
              "0x%08x.", sym, ipath, st);
        if (chance(50)) {
            V(p, 0, 0, "LdrpGenericExceptionFilter", ERROR,
              "Function LdrpSnapModule raised exception 0x%08x", st);
            qadd(0, 0, "        Exception record: .exr %016llX",
                 0x82B8AFE6A0ULL + rnd(0xffff));
            qadd(0, 0, "        Context record: .cxr %016llX",
                 0x82B8AFE1B0ULL + rnd(0xffff));
        }
        if (p->host == H_VS && chance(50))
            qadd(0, 0, "First-chance exception at 0x%08X (ntdll.dll) in %s: "
                       "0x%08X: %s.",
                 0x77A1E0A2u + rnd(0x100), p->a->image, st,
                 ord ? "Ordinal Not Found" : "Entry Point Not Found");
        if (p->win >= 10 && chance(50))
            v_unable(p, 0, 0, p->a->own[0], p->exe, st);
        v_process_dies(p, st, 1);
        barrier();
        root(ord ? "ordinal_not_found" : "export_not_found",
             mapped ? exporter : NULL, st, ipath,
             mapped ? "export-by-base" : "export-unmapped");
        v_end(p, (int)st);
        return;
    }
    if (kind < 80) { /* a static DLL's init routine fails */
        v_inits(p, 2 + (int)rnd(4));
        char path[600];
        snprintf(path, sizeof path, "%s\\%s", p->a->dir, p->a->own[0]);
        unsigned long long ep = 0x00007FFDB1A30000ULL + rnd(0xffff);
        int win11 = p->win >= 10 && chance(50);
        V(p, 0, win11 ? 0 : LF_ROOT, p->win <= 7 ? "LdrpRunInitializeRoutines"
                                                 : "LdrpInitializeNode",
          INFO, "Calling init routine %016llX for DLL \"%s\"", ep, path);
        if (p->host == H_CDB && chance(60))
            cdb_exc(p, 0, 0, "Access violation", 0xc0000005, 0);
        if (win11)
            V(p, 0, LF_ROOT, "LdrpInitializeNode", ERROR,
              "Init routine %016llX for DLL \"%s\" failed during "
              "DLL_PROCESS_ATTACH", ep, path);
        v_process_dies(p, 0xc0000142, p->win >= 10 && chance(60) ? 2 : 0);
        barrier();
        root("init_failed", path, 0xc0000142, NULL,
             win11 ? "init-named" : "init-by-name");
        v_end(p, (int)0xc0000142);
        return;
    }
    if (kind < 88) { /* a dynamic load whose DllMain fails */
        char path[600];
        snprintf(path, sizeof path, "%s\\%s", p->a->dir, p->a->own[2]);
        V(p, 0, 0, "LdrLoadDll", ENTER, "DLL name: %s", path);
        if (p->win >= 10)
            V(p, 0, 0, "LdrpLoadDllInternal", ENTER, "DLL name: %s", path);
        else
            V(p, 0, 0, "LdrpLoadDll", ENTER, "DLL name: %s", path);
        V2(p, 0, "LdrpMinimalMapModule", ENTER, path, 0, 0);
        modload(p, 0, path, new_base(p));
        V2(p, 0, "LdrpMinimalMapModule", RETURN, NULL, 0, 0);
        V(p, 0, 0, p->win <= 7 ? "LdrpRunInitializeRoutines"
                               : "LdrpInitializeNode",
          INFO, "Calling init routine %016llX for DLL \"%s\"",
          0x00007FFDB1A30000ULL + rnd(0xffff), path);
        V(p, 0, LF_ROOT, p->win >= 10 ? "LdrpLoadDllInternal" : "LdrpLoadDll",
          RETURN, "Status: 0xc0000142");
        V(p, 0, 0, "LdrLoadDll", RETURN, "Status: 0xc0000142");
        barrier();
        app_message(p, p->a->own[2]);
        root("init_failed", path, 0xc0000142, NULL, "init-dynamic");
        v_end(p, 1);
        return;
    }
    if (kind < 92) { /* \KnownDlls cannot be opened: a restricted token */
        V(p, 0, LF_ROOT, "LdrpInitializeProcess", ERROR,
          "Failed to open \\KnownDlls with status 0xc0000022");
        if (p->host == H_VS)
            qadd(0, 0, "%s has triggered a breakpoint.", p->a->image);
        v_process_dies(p, 0xc0000022, 0);
        barrier();
        root("access_denied", NULL, 0xc0000022, NULL, "knowndlls");
        v_end(p, (int)0xc0000022);
        return;
    }
    if (kind < 96 && p->win <= 8) { /* Windows 7: the snap raised */
        V(p, 0, LF_ROOT, "LdrpGenericExceptionFilter", ERROR,
          "Function LdrpSnapIAT raised exception 0xc0000005");
        qadd(0, 0, "        Exception record: .exr %016llX",
             0x12B8AFE6A0ULL + rnd(0xffff));
        qadd(0, 0, "        Context record: .cxr %016llX",
             0x12B8AFE1B0ULL + rnd(0xffff));
        v_process_dies(p, 0xc0000005, 0);
        barrier();
        root("other", NULL, 0xc0000005, NULL, "snapiat");
        v_end(p, (int)0xc0000005);
        return;
    }
    if (kind < 96) { /* the subsystem DLL cannot be loaded */
        unsigned st = chance(50) ? 0xc000007b : 0xc0000022;
        V(p, 0, LF_ROOT, "LdrpInitializeProcess", ERROR,
          "Loading Windows subsystem DLL \"C:\\Windows\\System32\\kernel32.dll"
          "\" failed with status 0x%08x", st);
        v_process_dies(p, st, 0);
        barrier();
        root(st == 0xc000007b ? "bad_image" : "access_denied",
             "kernel32.dll", st, NULL, "subsystem");
        v_end(p, (int)st);
        return;
    }
    /* a crash after the loading: a second-chance exception in cdb, else
     * the program exits with an error of its own (no loader failure) */
    v_inits(p, 2);
    v_dynamic_ok(p, sys_dlls[rnd(24)]);
    barrier();
    if (p->host == H_CDB) {
        cdb_exc(p, 0, 0, "Access violation", 0xc0000005, 0);
        cdb_exc(p, 0, LF_ROOT, "Access violation", 0xc0000005, 1);
        root("other", NULL, 0xc0000005, NULL, "crash");
    } else {
        if (!T.pattern)
            T.pattern = "exit-1";
        v_end(p, 1);
        return;
    }
    barrier();
}

/* ---- XP / Server 2003 --------------------------------------------------- */

static void X(proc *p, unsigned flags, const char *fmt, ...)
{
    char msg[6000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->xp_pidtag && chance(30)) {
        qadd(0, LF_LOADER | flags, "[%x,%x] LDR: %s", p->pid, p->tid[0], msg);
        if (!T.pid)
            T.pid = p->pid;
    } else {
        qadd(0, LF_LOADER | flags, "LDR: %s", msg);
    }
}

static const char *xp_search(proc *p)
{
    static char s[800];
    snprintf(s, sizeof s, "%s;C:\\WINDOWS\\system32;C:\\WINDOWS\\system;"
                          "C:\\WINDOWS;.;C:\\WINDOWS\\System32\\Wbem",
             p->a->dir);
    return s;
}

static void xp_load(proc *p, const char *dll, const char *by, int dynamic)
{
    char path[600];
    snprintf(path, sizeof path, "C:\\WINDOWS\\system32\\%s", dll);
    if (dynamic)
        X(p, 0, "LdrLoadDll, loading %s from %s", dll, xp_search(p));
    else
        X(p, 0, "%s used by %s", dll, by);
    X(p, 0, "Loading (%s, NON_REDIRECTED) %s", dynamic ? "DYNAMIC" : "STATIC",
      path);
    if (p->win == 4 && chance(30)) {
        /* NT 3.51/4: a relocation is news, not a failure */
        X(p, 0, "LdrpMapDll Relocating:  %s", path);
        X(p, 0, "Dll %s relocated due to collision with %s", dll,
          PICK(sys_dlls));
        X(p, 0, "Automatic DLL relocation in %s for %s", p->a->image, dll);
    }
    modload(p, 0, path, new_base(p));
    X(p, 0, "Snapping imports for %s from %s", by, dll);
    if (chance(30))
        X(p, 0, "%s bound to %s", by, dll);
    X(p, 0, "Refcount %s (%u)", dll, 1 + rnd(3));
    if (dynamic && chance(70))
        X(p, 0, "LdrGetProcedureAddress by NAME - %s", PICK(symbols));
}

static void xp_end(proc *p, int code)
{
    if (chance(60)) {
        X(p, 0, "UNINIT LIST");
        qadd(0, LF_LOADER, "          (1) [%s] C:\\WINDOWS\\system32\\%s (0) "
                           "deinit 0", "ole32.dll", "ole32.dll");
        X(p, 0, "Unmapping [%s]", "ole32.dll");
    }
    v_end(p, code);
}

static void xp_process(proc *p)
{
    int kind = (int)rnd(100);
    if (p->host == H_CDB)
        cdb_banner(p);
    if (is_vs(p->host))
        vs_loaded(p, p->exe);
    /* the process's head: the host's (above) and the loader's */
    int head = (int)rnd(4);
    if (p->host == H_PLAIN || p->host == H_DBGVIEW || opt.prefix)
        head = head ? head : 1 + (int)rnd(3);
    if (head & 1) {
        X(p, 0, "PID: 0x%x started - '\"%s\" '", p->pid, p->exe);
        T.pid = p->pid;
    }
    if (head & 2) {
        X(p, 0, "NEW PROCESS");
        qadd(0, LF_LOADER, "     Image Path: %s (%s)", p->exe, p->a->image);
        qadd(0, LF_LOADER, "     Current Directory: %s\\", p->a->dir);
        qadd(0, LF_LOADER, "     Search Path: %s", xp_search(p));
    }
    int n = 3 + (int)rnd(5);
    for (int i = 0; i < n; i++)
        xp_load(p, sys_dlls[rnd(24)], p->a->image, 0);
    if (kind >= 85 && kind < 95 && chance(80)) /* the importer's import */
        xp_load(p, p->a->own[0], p->a->image, 0);
    X(p, 0, "Real INIT LIST for process %s pid %u 0x%x", p->exe, p->pid,
      p->pid);
    for (int i = 0; i < 2; i++)
        qadd(0, LF_LOADER, "     C:\\WINDOWS\\system32\\%s init routine %08x",
             sys_dlls[rnd(24)], 0x77e40000u + rnd(0xffff));
    X(p, 0, "%s loaded - Calling init routine at %08x", sys_dlls[rnd(24)],
      0x7c800000u + rnd(0xffff));
    if (chance(30)) { /* an optional DLL not found: the program goes on */
        const char *pl = PICK(plugins);
        X(p, LF_HANDLED, "LdrLoadDll, loading %s from %s", pl, xp_search(p));
        handled(pl, 0xc0000135);
        if (p->host == H_CDB && chance(50))
            cdb_exc(p, 0, 0, "C++ EH exception", 0xe06d7363, 0);
        xp_load(p, sys_dlls[rnd(24)], p->a->image, 1);
        T.pattern = "xp-handled";
    }
    if (kind < 25) {
        xp_load(p, sys_dlls[rnd(24)], p->a->image, 1);
        if (!T.pattern)
            T.pattern = p->win == 4 ? "nt4-success" : "xp-success";
        xp_end(p, 0);
        return;
    }
    if (kind < 50) { /* not found: LdrLoadDll and nothing after it */
        const char *miss = PICK(missing_dlls);
        X(p, LF_ROOT, "LdrLoadDll, loading %s from %s", miss, xp_search(p));
        app_message(p, miss);
        root("dll_not_found", miss, 0xc0000135, NULL, "xp-not-found");
        v_end(p, 1);
        return;
    }
    if (kind < 68) { /* the IIS6 DCOM failure */
        if (chance(60)) { /* handled first-chance exceptions before it */
            static const struct { const char *w; unsigned c; } ex[] = {
                {"C++ EH exception", 0xe06d7363},
                {"CLR exception", 0xe0434f4d},
                {"Unknown exception", 0x000006ba}};
            int k = (int)rnd(3);
            cdb_exc(p, 0, 0, ex[k].w, ex[k].c, 0);
            if (!T.pid)
                T.pid = p->pid;
            xp_load(p, sys_dlls[rnd(24)], p->a->image, 1);
        }
        X(p, 0, "LdrLoadDll, loading ole32.dll from %s", xp_search(p));
        X(p, 0, "LdrGetProcedureAddress by NAME - CoMarshalInterface");
        X(p, 0, "LdrGetProcedureAddress by NAME - CoUnmarshalInterface");
        X(p, 0, "LdrGetProcedureAddress by NAME - CoReleaseMarshalData");
        cdb_exc(p, 0, LF_ROOT, "Unknown exception", 0x80070005, 0);
        if (!T.pid)
            T.pid = p->pid;
        X(p, 0, "UNINIT LIST");
        qadd(0, LF_LOADER, "          (1) [w3isapi.dll] "
                           "c:\\windows\\system32\\inetsrv\\w3isapi.dll (0) "
                           "deinit 0");
        X(p, 0, "Unmapping [w3isapi.dll]");
        X(p, 0, "Derefcount w3core.dll (0)");
        root("access_denied", NULL, 0x80070005, NULL, "dcom");
        v_end(p, -1);
        return;
    }
    if (kind < 85) { /* a DllMain fails */
        char path[600];
        snprintf(path, sizeof path, "%s\\%s", p->a->dir, p->a->own[2]);
        X(p, 0, "LdrLoadDll, loading %s from %s", path, xp_search(p));
        X(p, 0, "Loading (DYNAMIC, NON_REDIRECTED) %s", path);
        X(p, 0, "%s loaded - Calling init routine at %08x", path,
          0x10001000u + rnd(0xfff));
        if (chance(50)) {
            cdb_exc(p, 0, 0, "CLR exception", 0xe0434f4d, 0);
            if (!T.pid)
                T.pid = p->pid;
        }
        qadd(0, LF_LOADER | LF_ROOT,
             "[%x,%x] LDR: DLL_PROCESS_ATTACH for dll \"%s\" (InitRoutine: "
             "%08X) failed", p->pid, p->tid[0], path, 0x10001000u + rnd(0xfff));
        if (!T.pid)
            T.pid = p->pid;
        X(p, 0, "Unloading %s because either its init routine or one of its "
                "static imports failed; status = 0xc0000142", path);
        X(p, 0, "LdrLoadDll - failing because LdrpLoadDll(%s) returned "
                "status c0000142", path);
        app_message(p, p->a->own[2]);
        root("init_failed", path, 0xc0000142, NULL, "xp-init");
        v_end(p, 1);
        return;
    }
    /* a static import of an import is missing; another module's imports
     * were the last snapped */
    const char *miss = PICK(missing_dlls);
    char imp[600];
    snprintf(imp, sizeof imp, "%s\\%s", p->a->dir, p->a->own[0]);
    X(p, 0, "%s used by %s", miss, p->a->own[0]);
    X(p, 0, "Snapping imports for %s from %s", p->a->image, PICK(sys_dlls));
    X(p, LF_ROOT, "LdrpWalkImportTable - LdrpLoadImportModule failed on "
                  "import %s with status 0xc0000135", miss);
    X(p, 0, "Unloading %s because either its init routine or one of its "
            "static imports failed; status = 0xc0000135", imp);
    if (p->host == H_CDB) {
        cdb_exc(p, 0, 0, "Break instruction exception", 0x80000003, 0);
        if (!T.pid)
            T.pid = p->pid;
    }
    root("dll_not_found", miss, 0xc0000135, p->a->own[0], "xp-static");
    v_end(p, (int)0xc0000135);
}

/* ---- a capture -------------------------------------------------------------- */

/* A debugger session without loader snaps: no verdict. */
static void no_snaps(proc *p)
{
    cdb_banner(p);
    for (int i = 0; i < 4; i++)
        modload(p, 0, sys_dlls[rnd(24)], new_base(p));
    cdb_exc(p, 0, 0, "Break instruction exception", 0x80000003, 0);
    qadd(0, 0, "0:000> g");
    T.pattern = "no-snaps";
}

static void one_process(void)
{
    proc p;
    memset(&p, 0, sizeof p);
    p.a = &apps[rnd(sizeof apps / sizeof apps[0])];
    p.host = opt.host >= 0 ? opt.host : (int)rnd(H_NHOSTS);
    int save_host = opt.host;
    opt.host = p.host;
    next_pid = (next_pid + 4 + rnd(0x400) * 4) % 0xfffc;
    p.pid = next_pid ? next_pid : 4;
    for (unsigned q = 0; q < NQ; q++)
        p.tid[q] = chance(20) ? (last_tids[rnd(8)] + 4 * q + 4) & 0xfffc
                              : 0x100 + rnd(0x3e00) * 4;
    for (unsigned q = 0; q < NQ; q++)
        last_tids[rnd(8)] = p.tid[q];
    tick = 1000000 + rnd(90000000);
    snprintf(p.exe, sizeof p.exe, "%s\\%s", p.a->dir, p.a->image);
    int r = (int)rnd(100);
    p.win = r < 12 ? 7 : r < 18 ? 8 : r < 55 ? 10 : r < 75 ? 11 : 5;
    if (p.win == 5 && chance(20))
        p.win = 4;
    p.nworkers = p.win >= 10 ? 1 + (int)rnd(3) : 0;
    p.x86 = p.win <= 5 || chance(20);
    p.xp_pidtag = chance(50);
    prefix_pid = p.pid;
    static char pimg[128];
    snprintf(pimg, sizeof pimg, "%.*s", (int)(strlen(p.a->image) - 4),
             p.a->image);
    prefix_image = pimg;

    memset(&T, 0, sizeof T);
    T.image = p.a->image;
    if (p.win >= 7)
        T.pid = p.pid;
    if (p.host == H_CDB && chance(3))
        no_snaps(&p);
    else if (p.win >= 7)
        vista_process(&p);
    else
        xp_process(&p);
    if (!T.pid && (is_vs(p.host) ||
                   (!opt.pasted && (p.host == H_DBGVIEW || opt.prefix))))
        T.pid = p.pid; /* the IDE's exit line, or the capture's prefix (not
                          kept in a pasted excerpt) */
    if (!T.pattern)
        T.pattern = "other";
    if (!T.pid && p.win < 7 && !is_vs(p.host))
        T.pid = 0;
    flush_process();
    opt.host = save_host;
}

static void usage(void)
{
    fprintf(stderr, "usage: capgen [-m MB | -n PROCESSES] [-s SEED] "
                    "[-t TRUTH] [--host=mix|plain|cdb|vs|vs-de|vs-zh|dbgview] "
                    "[--crlf] [--utf16] [--prefix] [--pasted]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long long mb = 200, nproc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-m") && i + 1 < argc)
            mb = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "-n") && i + 1 < argc)
            nproc = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "-s") && i + 1 < argc)
            rng ^= strtoull(argv[++i], NULL, 10) * 0xD1B54A32D192ED03ULL;
        else if (!strcmp(a, "-t") && i + 1 < argc) {
            if (!(truth_out = fopen(argv[++i], "w"))) {
                perror(argv[i]);
                return 1;
            }
        } else if (!strcmp(a, "--crlf"))
            opt.crlf = 1;
        else if (!strcmp(a, "--utf16"))
            opt.utf16 = 1;
        else if (!strcmp(a, "--prefix"))
            opt.prefix = 1;
        else if (!strcmp(a, "--pasted"))
            opt.pasted = 1;
        else if (!strncmp(a, "--host=", 7)) {
            opt.host = -1;
            for (int h = 0; h < H_NHOSTS; h++)
                if (!strcmp(a + 7, host_names[h]))
                    opt.host = h;
            if (opt.host < 0 && strcmp(a + 7, "mix"))
                usage();
        } else
            usage();
    }
    if (!rng)
        rng = 1;
    if (opt.utf16)
        oput("\xef\xbb\xbf", 3); /* U+FEFF: FF FE */
    unsigned long long target = mb << 20;
    for (unsigned long long k = 0; nproc ? k < nproc : written < target; k++)
        one_process();
    oflush();
    if (truth_out && fclose(truth_out) != 0)
        return 1;
    return fflush(stdout) != 0;
}
