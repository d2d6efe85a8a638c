/*
 * gen.c - write a large, realistic loader-snaps log for `make bench`.
 *
 *   gen MEGABYTES > big.log
 *
 * Deterministic (fixed seed).  The log is a sequence of process sessions:
 * most are Windows 10+ starts with three interleaved loader threads, DLL
 * searches with probe misses, GetModuleHandle misses, API-set redirects,
 * init routines, WinDbg ModLoad lines and Visual Studio module lines; some
 * are Windows XP sessions; a few handle an optional DLL that is missing,
 * and one in fifty fails for real.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *const dlls[] = {
    "KERNEL32.DLL", "KERNELBASE.dll", "USER32.dll",  "win32u.dll",
    "GDI32.dll",    "gdi32full.dll",  "msvcp_win.dll", "ucrtbase.dll",
    "ADVAPI32.dll", "msvcrt.dll",     "sechost.dll", "RPCRT4.dll",
    "combase.dll",  "ole32.dll",      "SHELL32.dll", "SHLWAPI.dll",
    "IMM32.dll",    "uxtheme.dll",    "dwmapi.dll",  "CRYPTBASE.dll",
    "bcryptPrimitives.dll", "windows.storage.dll", "profapi.dll",
    "TextShaping.dll", "VCRUNTIME140.dll", "MSVCP140.dll"};
static const char *const dirs[] = {
    "C:\\Program Files\\Contoso\\Suite", "C:\\Windows\\SYSTEM32",
    "C:\\Windows\\system", "C:\\Windows", "C:\\Users\\svc\\AppData\\Local\\Microsoft\\WindowsApps",
    "C:\\Program Files\\Git\\cmd", "C:\\Tools\\bin"};

#define NDLLS (sizeof dlls / sizeof dlls[0])
#define NDIRS (sizeof dirs / sizeof dirs[0])

static unsigned long long tick = 10000000;
static unsigned long long written;

#define OUT(...) (written += (unsigned long long)printf(__VA_ARGS__))

static void rec(unsigned pid, unsigned tid, const char *fn, const char *lvl,
                const char *msg)
{
    OUT("%04x:%04x @ %08llu - %s - %s: %s\n", pid, tid, tick, fn, lvl, msg);
    tick += rnd(3) == 0 ? 16 : 0;
}

/* One thread's load of a DLL found in System32 after some probe misses. */
static void load_one(unsigned pid, unsigned tid, const char *dll, int misses)
{
    char m[512];
    snprintf(m, sizeof m, "DLL name: %s", dll);
    rec(pid, tid, "LdrpFindKnownDll", "ENTER", m);
    rec(pid, tid, "LdrpFindKnownDll", "RETURN", "Status: 0xc0000135");
    rec(pid, tid, "LdrpSearchPath", "ENTER", m);
    for (int i = 0; i < misses; i++) {
        snprintf(m, sizeof m, "DLL name: %s\\%s", dirs[i % NDIRS], dll);
        rec(pid, tid, "LdrpResolveDllName", "ENTER", m);
        rec(pid, tid, "LdrpResolveDllName", "RETURN", "Status: 0xc0000135");
    }
    snprintf(m, sizeof m, "DLL name: C:\\Windows\\SYSTEM32\\%s", dll);
    rec(pid, tid, "LdrpResolveDllName", "ENTER", m);
    rec(pid, tid, "LdrpResolveDllName", "RETURN", "Status: 0x00000000");
    rec(pid, tid, "LdrpSearchPath", "RETURN", "Status: 0x00000000");
    rec(pid, tid, "LdrpMinimalMapModule", "ENTER", m);
    OUT("ModLoad: 00007ffd`%08x 00007ffd`%08x   C:\\Windows\\SYSTEM32\\%s\n",
        0xe0000000u + rnd(0x1000000), 0xe1000000u + rnd(0x1000000), dll);
    rec(pid, tid, "LdrpMinimalMapModule", "RETURN", "Status: 0x00000000");
}

static void vista_session(unsigned pid, int outcome)
{
    unsigned main_tid = 0x1000 + rnd(0x3000);
    unsigned w[2] = {0x4000 + rnd(0x1000), 0x5000 + rnd(0x1000)};
    char m[512];
    OUT("'suite.exe' (Win32): Loaded 'C:\\Program Files\\Contoso\\Suite\\suite.exe'. Symbols loaded.\n");
    snprintf(m, sizeof m, "Beginning execution of suite.exe (C:\\Program Files\\Contoso\\Suite\\suite.exe)");
    rec(pid, main_tid, "LdrpInitializeProcess", "INFO", m);
    OUT("\tCurrent directory: C:\\Program Files\\Contoso\\Suite\\\n\tPackage directories: (null)\n");
    /* three threads interleaved: main does API-set redirects and
     * GetModuleHandle probes while two workers map imports */
    for (size_t i = 0; i < NDLLS - 2; i += 2) {
        load_one(pid, w[0], dlls[i], (int)rnd(5));
        snprintf(m, sizeof m, "DLL api-ms-win-crt-runtime-l1-1-%u.dll was redirected to C:\\Windows\\SYSTEM32\\ucrtbase.dll by API set", rnd(3));
        rec(pid, main_tid, "LdrpPreprocessDllName", "INFO", m);
        load_one(pid, w[1], dlls[i + 1], (int)rnd(5));
        snprintf(m, sizeof m, "DLL name: %s", dlls[rnd(NDLLS)]);
        rec(pid, main_tid, "LdrGetDllHandleEx", "ENTER", m);
        rec(pid, main_tid, "LdrpFindLoadedDllInternal", "RETURN", "Status: 0xc0000135");
        rec(pid, main_tid, "LdrGetDllHandleEx", "RETURN", "Status: 0xc0000135");
    }
    for (size_t i = 0; i < NDLLS - 2; i++) {
        snprintf(m, sizeof m, "Calling init routine 00007FFD%08X for DLL \"C:\\Windows\\SYSTEM32\\%s\"", rnd(0xFFFFFFF), dlls[i]);
        rec(pid, main_tid, "LdrpInitializeNode", "INFO", m);
    }
    if (outcome == 1) { /* an optional DLL is missing; the program goes on */
        rec(pid, main_tid, "LdrLoadDll", "ENTER", "DLL name: nvapi64.dll");
        rec(pid, main_tid, "LdrpLoadDllInternal", "ENTER", "DLL name: nvapi64.dll");
        rec(pid, main_tid, "LdrpSearchPath", "ENTER", "DLL name: nvapi64.dll");
        rec(pid, main_tid, "LdrpSearchPath", "RETURN", "Status: 0xc0000135");
        rec(pid, main_tid, "LdrpProcessWork", "ERROR", "Unable to load DLL: \"nvapi64.dll\", Parent Module: \"(null)\", Status: 0xc0000135");
        rec(pid, main_tid, "LdrpLoadDllInternal", "RETURN", "Status: 0xc0000135");
        rec(pid, main_tid, "LdrLoadDll", "RETURN", "Status: 0xc0000135");
    }
    if (outcome == 2) { /* a real failure: a plugin's dependency */
        rec(pid, w[0], "LdrpSearchPath", "ENTER", "DLL name: libcrypto-3-x64.dll");
        rec(pid, w[0], "LdrpSearchPath", "RETURN", "Status: 0xc0000135");
        rec(pid, w[0], "LdrpProcessWork", "ERROR", "Unable to load DLL: \"libcrypto-3-x64.dll\", Parent Module: \"C:\\Program Files\\Contoso\\Suite\\tls.dll\", Status: 0xc0000135");
        rec(pid, main_tid, "LdrpInitializeProcess", "ERROR", "Walking the import tables of the executable and its static imports failed with status 0xc0000135");
        OUT("The program '[%u] suite.exe' has exited with code -1073741515 (0xc0000135) 'A dependent dll was not found'.\n", pid);
        return;
    }
    rec(pid, main_tid, "LdrLoadDll", "ENTER", "DLL name: d3d11.dll");
    rec(pid, main_tid, "LdrpLoadDllInternal", "ENTER", "DLL name: d3d11.dll");
    rec(pid, main_tid, "LdrpLoadDllInternal", "RETURN", "Status: 0x00000000");
    rec(pid, main_tid, "LdrLoadDll", "RETURN", "Status: 0x00000000");
    OUT("The thread 0x%x has exited with code 0 (0x0).\n", w[0]);
}

static void xp_session(unsigned pid)
{
    unsigned tid = 0x100 + rnd(0xe00);
    for (size_t i = 0; i < NDLLS; i++) {
        OUT("[%x,%x] LDR: Loading (STATIC, NON_REDIRECTED) C:\\WINDOWS\\system32\\%s\n", pid, tid, dlls[i]);
        OUT("LDR: %s used by w3wp.exe\n", dlls[i]);
        OUT("LDR: Snapping imports for w3wp.exe from %s\n", dlls[i]);
        OUT("LDR: LdrGetProcedureAddress by NAME - %sEntry%u\n", "Get", rnd(99));
        OUT("LDR: Refcount %s (%u)\n", dlls[i], 1 + rnd(4));
    }
    OUT("LDR: %s loaded - Calling init routine at 77e4%04x\n", dlls[0], rnd(0xffff));
}

int main(int argc, char **argv)
{
    unsigned long long target = (argc > 1 ? strtoull(argv[1], NULL, 10) : 200)
                                << 20;
    unsigned session = 0;
    while (written < target) {
        unsigned pid = 0x100 + (session * 4) % 0xfe00;
        if (session % 10 == 9)
            xp_session(pid);
        else
            vista_session(pid, session % 50 == 23 ? 2
                               : session % 7 == 3 ? 1
                                                  : 0);
        session++;
    }
    return 0;
}
