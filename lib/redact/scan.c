/*
 * scan.c - where the names in a line are.
 *
 * Each pattern reads ASCII units only and adds the spans it finds
 * (rd_rep) with their names; the spans of a line are then sorted and made
 * apart, the first found winning.  Separators are runs of '\' or '/' (a
 * JSON string doubles each backslash: the same rules read it).  Then
 * every known name that stands as a word elsewhere in the line is
 * replaced too, except inside the file name of a module, which the
 * analysis needs (a leak), and inside the numbers of a record's head.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact/redact_internal.h"

bool ldrsnap__rd_punct(const rd_line *l, size_t i)
{
    unsigned c = rd_u(l, i);
    if (c < 0x80) /* ASCII, and no byte of a UTF-8 sequence */
        return false;
    if (l->wide)
        return (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
               (c >= 0xFF00 && c <= 0xFF0F) || c == 0xFEFF || c == 0xFFFD;
    /* UTF-8: U+2000-U+207F (E2 80-81 xx), U+3000-U+303F (E3 80 xx),
     * U+FF00-U+FF0F (EF BC 80-8F); i may be any byte of the sequence */
    for (size_t k = 0; k < 3 && k <= i; k++) {
        size_t s = i - k;
        unsigned b0 = rd_u(l, s), b1 = rd_u(l, s + 1), b2 = rd_u(l, s + 2);
        if ((b2 & 0xC0) != 0x80 || s + 2 >= l->n)
            continue;
        if ((b0 == 0xE2 && (b1 == 0x80 || b1 == 0x81)) ||
            (b0 == 0xE3 && b1 == 0x80) ||
            (b0 == 0xEF && b1 == 0xBC && b2 < 0x90) ||
            (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF))
            return true;
    }
    return false;
}

static bool is_sep(unsigned c)
{
    return c == '\\' || c == '/';
}

static size_t sep_run(const rd_line *l, size_t i)
{
    size_t j = i;
    while (j < l->n && is_sep(l->u[j]))
        j++;
    return j - i;
}

static bool alpha(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool hexdig(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* Does the ASCII string s stand at i, letters in any case? */
static bool ci(const rd_line *l, size_t i, const char *s)
{
    for (; *s; s++, i++)
        if (i >= l->n || rd_fold(l->u[i]) != (unsigned)rd_fold((unsigned char)*s))
            return false;
    return true;
}

static bool ci_span(const rd_line *l, size_t a, size_t b, const char *s)
{
    return strlen(s) == b - a && ci(l, a, s);
}

static bool ci_any(const rd_line *l, size_t a, size_t b,
                   const char *const *list)
{
    for (; *list; list++)
        if (ci_span(l, a, b, *list))
            return true;
    return false;
}

/* Ends a name in a path or after a '=': controls, quotes and the
 * punctuation that cannot be in a file name. */
static bool term(const rd_line *l, size_t i)
{
    unsigned c = rd_u(l, i);
    if (i >= l->n || c < 0x20 || c == 0x7F)
        return true;
    return strchr("\"';|<>,*?&", (int)c) ? c != 0 : ldrsnap__rd_punct(l, i);
}

/* Separates tokens (the file name of a module is one). */
static bool tok_sep(const rd_line *l, size_t i)
{
    unsigned c = rd_u(l, i);
    if (c <= ' ' || c == 0x7F)
        return true;
    return (c < 0x80 && strchr("\"'`\\/:;,()<>|*?=[]{}&!", (int)c)) ||
           ldrsnap__rd_punct(l, i);
}

/* Is [a, b) a file name with one of these extensions? */
static bool has_ext(const rd_line *l, size_t a, size_t b,
                    const char *const *exts)
{
    size_t d = b;
    while (d > a && l->u[d - 1] != '.')
        d--;
    return d > a + 1 && ci_any(l, d, b, exts);
}

static const char *const module_exts[] = {
    "dll", "exe", "sys", "drv", "ocx", "cpl", "node", "pyd", "mui", "efi",
    "scr", "ax", "acm", "winmd", "ime", "tsp", "so", NULL};

static bool module_name(const rd_line *l, size_t a, size_t b)
{
    return has_ext(l, a, b, module_exts);
}

static const char *const file_exts[] = {
    "log", "txt", "ini", "xml", "json", "cfg", "conf", "config", "dat",
    "bin", "manifest", "pdb", "lib", "h", "c", "cpp", "cs", "py", "js",
    "bat", "cmd", "ps1", "tmp", "msi", "zip", "cab", NULL};

/* Does [a, b) end in ".ext" (1 to 5 letters or digits), a file name? */
static bool file_like(const rd_line *l, size_t a, size_t b)
{
    size_t d = b;
    while (d > a && rd_alnum(l->u[d - 1]) && b - d <= 5)
        d--;
    return d > a + 1 && d < b && l->u[d - 1] == '.';
}

/* The token around [a, b), between tok_sep() units. */
static void token(const rd_line *l, size_t a, size_t b, size_t *s, size_t *e)
{
    while (a > 0 && !tok_sep(l, a - 1))
        a--;
    while (b < l->n && !tok_sep(l, b))
        b++;
    *s = a, *e = b;
}

/* ---- spans -------------------------------------------------------------- */

static int push(ldrsnap_redactor *r, size_t a, size_t b, int name)
{
    if (r->nreps == r->rcap) {
        size_t cap = r->rcap ? 2 * r->rcap : 32;
        rd_rep *n = ldrsnap__realloc(&r->al, r->reps, cap * sizeof *n);
        if (!n)
            return LDRSNAP_ENOMEM;
        r->reps = n, r->rcap = cap;
    }
    r->reps[r->nreps++] = (rd_rep){a, b, name};
    return LDRSNAP_OK;
}

/* A name found by a pattern at [a, b). */
static int found(ldrsnap_redactor *r, const rd_line *l, size_t a, size_t b,
                 enum rd_kind k)
{
    while (b > a && (l->u[b - 1] == ' ' || l->u[b - 1] == '.'))
        b--;
    if (b == a)
        return LDRSNAP_OK;
    int i = ldrsnap__rd_name(r, l, a, b, k);
    return i < 0 ? LDRSNAP_ENOMEM : push(r, a, b, i);
}

static int by_start(const void *x, const void *y)
{
    const rd_rep *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b > b->b ? -1 : a->b < b->b; /* the longer first */
}

/* Sort, and drop spans that overlap one before them. */
static void settle(ldrsnap_redactor *r)
{
    if (r->nreps > 1)
        qsort(r->reps, r->nreps, sizeof *r->reps, by_start);
    size_t o = 0;
    for (size_t i = 0; i < r->nreps; i++)
        if (o == 0 || r->reps[i].a >= r->reps[o - 1].b)
            r->reps[o++] = r->reps[i];
    r->nreps = o;
}

/* ---- path components ---------------------------------------------------- */

/* The end of the path component at i: a separator, a terminator, an
 * unmatched ')', or where the words after a file name begin ("x.dll was
 * not found"), or two spaces, or " -", " /" (a command's options). */
static size_t comp_end(const rd_line *l, size_t i, bool *sep_after)
{
    int depth = 0;
    size_t j = i;
    *sep_after = false;
    for (; j < l->n; j++) {
        unsigned c = l->u[j];
        if (is_sep(c)) {
            *sep_after = true;
            break;
        }
        if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (depth-- == 0)
                break;
        } else if (term(l, j)) {
            break;
        } else if (c == ' ') {
            unsigned d = rd_u(l, j + 1);
            if (d == ' ' || d == '-' || d == '/' || file_like(l, i, j))
                break;
        }
    }
    size_t e = j;
    while (e > i && (l->u[e - 1] == ' ' || l->u[e - 1] == '.'))
        e--;
    return e;
}

static const char *const builtin_users[] = {
    "public", "default", "default user", "all users", "defaultuser0",
    "defaultapppool", "localservice", "networkservice", "systemprofile",
    "%username%", "<user>", "username", "user", "containeradministrator",
    "containeruser", NULL};

/* A profile folder "jdoe", "jdoe.CONTOSO" (a domain account's second
 * profile), "jdoe.000". */
static int profile_name(ldrsnap_redactor *r, const rd_line *l, size_t a,
                        size_t b)
{
    if (ci_any(l, a, b, builtin_users) || module_name(l, a, b))
        return LDRSNAP_OK;
    size_t d = b;
    while (d > a && l->u[d - 1] != '.')
        d--;
    if (d > a + 1 && d < b) {
        bool letters = true;
        for (size_t k = d; k < b; k++)
            letters &= alpha(l->u[k]) || l->u[k] == '-';
        int rc = found(r, l, a, d - 1, RD_USER);
        if (rc == 0 && letters)
            rc = found(r, l, d, b, RD_DOMAIN);
        return rc;
    }
    return found(r, l, a, b, RD_USER);
}

/* C:\Users\NAME, C:\Documents and Settings\NAME, also after \\?\, %X%,
 * an admin share c$, a device path, /c/ and /mnt/c/. */
static int profiles(ldrsnap_redactor *r, const rd_line *l)
{
    static const char *const roots[] = {"users", "documents and settings"};
    for (size_t i = 1; i < l->n; i++) {
        if (!is_sep(l->u[i - 1]) || !(l->u[i] == 'U' || l->u[i] == 'u' ||
                                      l->u[i] == 'D' || l->u[i] == 'd'))
            continue;
        for (size_t k = 0; k < 2; k++) {
            size_t len = strlen(roots[k]);
            if (!ci(l, i, roots[k]) || !is_sep(rd_u(l, i + len)))
                continue;
            size_t p = i - 1;
            while (p > 0 && is_sep(l->u[p - 1]))
                p--;
            unsigned prev = p ? l->u[p - 1] : 0;
            bool root = !p || prev == ':' || prev == '%' || prev == '$' ||
                        (prev < 0x80 && !rd_alnum(prev) && prev != '.' &&
                         prev != '_' && prev != '-') ||
                        (alpha(prev) && (p < 2 || is_sep(l->u[p - 2]))) ||
                        (p >= 15 && ci(l, p - 15, "harddiskvolume")) ||
                        (rd_alnum(prev) && p >= 16 &&
                         ci(l, p - 16, "harddiskvolume"));
            if (!root)
                continue;
            size_t a = i + len + sep_run(l, i + len);
            bool sep_after;
            size_t b = comp_end(l, a, &sep_after);
            int rc = b > a ? profile_name(r, l, a, b) : 0;
            if (rc < 0)
                return rc;
        }
    }
    return LDRSNAP_OK;
}

/* Where the rest of a path is Windows', a vendor's or the profile's own. */
static const char *const vendor_roots[] = {
    "windows", "winnt", "program files", "program files (x86)",
    "program files (arm)", "programdata", "microsoft", "programs",
    "windowsapps", "packages", "$recycle.bin", "system volume information",
    "common files", "windows kits", "microsoft visual studio",
    "microsoft sdks", "inetpub", "msys64", "cygwin64", NULL};

/* Folder names that say nothing of the customer. */
static const char *const generic_dirs[] = {
    "users", "documents and settings", "appdata", "local", "locallow",
    "roaming", "temp", "tmp", "desktop", "documents", "my documents",
    "downloads", "pictures", "music", "videos", "onedrive",
    "application data", "local settings", "bin", "lib", "lib64", "x64",
    "x86", "arm64", "win32", "win64", "amd64", "debug", "release", "build",
    "out", "src", "obj", "plugins", "platforms", "tools", "app", "apps",
    "dist", "packages", "sdk", "include", "wwwroot", "source", "repos",
    "projects", "code", "dev", "test", "tests", "data", "logs", "log",
    "install", "setup", "runtime", "runtimes", "native", "modules",
    "node_modules", "site-packages", "python", "scripts", "vendor", "deps",
    "third_party", "thirdparty", "external", "common", "shared",
    "imageformats", "styles", "iconengines", "relwithdebinfo",
    "minsizerel", ".nuget", "nuget", "symbols", "sym", NULL};

/* ---- machines and domains ------------------------------------------------ */

static const char *const public_domains[] = {
    "microsoft.com", "windows.com", "windowsupdate.com", "live.com",
    "office.com", "msft.net", "bing.com", "github.com", "python.org",
    "gnu.org", "example.com", "example.org", "localhost", NULL};

/* A machine named host.domain.tld: the host and the domain (without its
 * last label) apart; an IP address or a single label as one host. */
static int machine(ldrsnap_redactor *r, const rd_line *l, size_t a, size_t b)
{
    size_t d1 = a, dl = b;
    bool numeric = true;
    for (size_t k = a; k < b; k++)
        numeric &= (l->u[k] >= '0' && l->u[k] <= '9') || l->u[k] == '.';
    while (d1 < b && l->u[d1] != '.')
        d1++;
    while (dl > a && l->u[dl - 1] != '.')
        dl--;
    if (ci_span(l, a, b, "localhost") || ci_span(l, a, b, "127.0.0.1"))
        return LDRSNAP_OK;
    if (numeric || d1 == b)
        return found(r, l, a, b, RD_HOST);
    for (const char *const *p = public_domains; *p; p++) {
        size_t n = strlen(*p);
        if (b - a >= n && ci(l, b - n, *p) && (b - a == n || l->u[b - n - 1] == '.'))
            return LDRSNAP_OK;
    }
    int rc = found(r, l, a, d1, RD_HOST);
    if (rc == 0 && dl - 1 > d1 + 1)
        rc = found(r, l, d1 + 1, dl - 1, RD_DOMAIN);
    return rc;
}

static bool host_unit(const rd_line *l, size_t i)
{
    unsigned c = rd_u(l, i);
    return rd_alnum(c) || c == '-' || c == '_' || c == '.' ||
           (c >= 0x80 && rd_word(l, i));
}

/* \\HOST\share, \\?\UNC\HOST\share, \Device\Mup\HOST\share, \\HOST alone
 * (LOGONSERVER=\\DC01); with PATHS the share is a folder name too. */
static int unc_hosts(ldrsnap_redactor *r, const rd_line *l)
{
    for (size_t i = 0; i + 2 < l->n; i++) {
        if (l->u[i] != '\\')
            continue;
        size_t run = sep_run(l, i), h = i + run;
        unsigned prev = i ? l->u[i - 1] : 0;
        if (i && (prev == '\\' || prev == '/'))
            continue;
        if (run >= 2 && rd_u(l, h) == '?' && is_sep(rd_u(l, h + 1))) {
            size_t s = h + 1 + sep_run(l, h + 1);
            if (!ci(l, s, "unc") || !is_sep(rd_u(l, s + 3)))
                continue;
            h = s + 3 + sep_run(l, s + 3);
        } else if (ci(l, h, "device") && is_sep(rd_u(l, h + 6))) {
            size_t s = h + 6 + sep_run(l, h + 6);
            if (!ci(l, s, "mup") || !is_sep(rd_u(l, s + 3)))
                continue;
            h = s + 3 + sep_run(l, s + 3);
        } else if (run < 2 || (i && (rd_alnum(prev) || prev == ':' ||
                                      prev == '.' || prev == '$' ||
                                      prev == '_' || prev == '-'))) {
            continue;
        }
        size_t e = h;
        while (host_unit(l, e))
            e++;
        while (e > h && l->u[e - 1] == '.')
            e--;
        if (e == h || !(is_sep(rd_u(l, e)) || term(l, e) || rd_u(l, e) == ' ' ||
                        rd_u(l, e) == ')'))
            continue;
        int rc = machine(r, l, h, e);
        if (rc == 0 && (r->flags & LDRSNAP_REDACT_PATHS) && is_sep(rd_u(l, e))) {
            size_t s = e + sep_run(l, e);
            bool sep_after;
            size_t se = comp_end(l, s, &sep_after);
            bool admin = se == s + 2 && rd_u(l, s + 1) == '$';
            if (se > s && !admin && !ci_span(l, s, se, "ipc$") && sep_after)
                rc = found(r, l, s, se, RD_DIR);
        }
        if (rc < 0)
            return rc;
        i = e;
    }
    return LDRSNAP_OK;
}

/* USERNAME=jdoe, COMPUTERNAME=JDOE-PC ... (environment dumps). */
static int env_names(ldrsnap_redactor *r, const rd_line *l)
{
    static const struct {
        const char *key;
        enum rd_kind kind;
    } keys[] = {{"username=", RD_USER},       {"userdomain=", RD_DOMAIN},
                {"userdnsdomain=", RD_DOMAIN}, {"computername=", RD_HOST},
                {"clientname=", RD_HOST},      {"userdomain_roamingprofile=", RD_DOMAIN}};
    for (size_t i = 0; i < l->n; i++) {
        unsigned f = rd_fold(l->u[i]);
        if ((f != 'u' && f != 'c') || (i && rd_alnum(l->u[i - 1])))
            continue;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            if (!ci(l, i, keys[k].key))
                continue;
            size_t a = i + strlen(keys[k].key), b = a;
            while (b < l->n && !term(l, b) && l->u[b] != ' ')
                b++;
            int rc = b > a && !is_sep(l->u[a]) ? found(r, l, a, b, keys[k].kind)
                                               : 0;
            if (rc < 0)
                return rc;
        }
    }
    return LDRSNAP_OK;
}

/* DOMAIN\name standing alone ("Account: CONTOSO\jdoe"): the domain in
 * capitals, as Windows shows it, and no separator after the name (else it
 * is a relative path). */
static int domain_accounts(ldrsnap_redactor *r, const rd_line *l)
{
    static const char *const wellknown[] = {
        "authority", "builtin", "service", "apppool", "machine", "hklm",
        "hkcu", "hkcr", "hku", "hkcc", "global", "local", "session", NULL};
    static const char *const accounts[] = {
        "system", "local service", "network service", "localservice",
        "networkservice", "administrators", "users", "system32", NULL};
    for (size_t i = 0; i < l->n; i++) {
        unsigned prev = i ? l->u[i - 1] : ' ';
        if (!(prev == ' ' || prev == '\t' || prev == '"' || prev == '\'' ||
              prev == '(' || prev == '=' || prev == ',' || prev == ';' ||
              prev == '[' || ldrsnap__rd_punct(l, i ? i - 1 : 0)))
            continue;
        size_t e = i;
        bool letter = false;
        while (e < l->n && ((l->u[e] >= 'A' && l->u[e] <= 'Z') ||
                            (l->u[e] >= '0' && l->u[e] <= '9') || l->u[e] == '-'))
            letter |= alpha(l->u[e++]);
        size_t run = 0;
        while (rd_u(l, e + run) == '\\')
            run++;
        if (!letter || e - i > 15 || run < 1 || run > 2)
            continue;
        size_t a = e + run, b = a;
        while (b < l->n && (rd_alnum(l->u[b]) || l->u[b] == '.' ||
                            l->u[b] == '_' || l->u[b] == '-' ||
                            (l->u[b] >= 0x80 && rd_word(l, b))))
            b++;
        unsigned next = rd_u(l, b);
        if (b == a || e - i < 2 || is_sep(next) || next == ';' ||
            !(term(l, b) || next == ' ' || next == ')' || next == ']' ||
              next == ':'))
            continue;
        if (ci_any(l, i, e, wellknown) || ci_any(l, a, b, accounts) ||
            ci_any(l, a, b, vendor_roots) || ci_any(l, a, b, generic_dirs) ||
            module_name(l, a, b) || has_ext(l, a, b, file_exts))
            continue;
        int rc = found(r, l, i, e, RD_DOMAIN);
        if (rc == 0)
            rc = found(r, l, a, b, RD_USER);
        if (rc < 0)
            return rc;
        i = b;
    }
    return LDRSNAP_OK;
}

static bool mail_unit(const rd_line *l, size_t i)
{
    unsigned c = rd_u(l, i);
    return rd_alnum(c) || (c && strchr("._%+-", (int)c)) ||
           (c >= 0x80 && rd_word(l, i));
}

/* name@domain.tld (e-mail) and name@DOMAIN (a user principal name); not
 * a decorated C++ name (?f@ns@@...) nor a stdcall one (_f@12). */
static int mail_names(ldrsnap_redactor *r, const rd_line *l)
{
    for (size_t k = 1; k + 1 < l->n; k++) {
        if (l->u[k] != '@')
            continue;
        size_t a = k;
        while (a > 0 && mail_unit(l, a - 1))
            a--;
        unsigned prev = a ? l->u[a - 1] : 0;
        if (a == k || l->u[a] == '.' || prev == '?' || prev == '@' ||
            !(alpha(l->u[k + 1]) || l->u[k + 1] >= 0x80))
            continue;
        size_t b = k + 1;
        while (b < l->n && (rd_alnum(l->u[b]) || l->u[b] == '.' ||
                            l->u[b] == '-' || (l->u[b] >= 0x80 && rd_word(l, b))))
            b++;
        while (b > k + 1 && (l->u[b - 1] == '.' || l->u[b - 1] == '-'))
            b--;
        if (rd_u(l, b) == '@')
            continue;
        size_t dl = b;
        while (dl > k + 1 && l->u[dl - 1] != '.')
            dl--;
        int rc = found(r, l, a, k, RD_USER);
        if (rc == 0)
            rc = found(r, l, k + 1, dl > k + 2 ? dl - 1 : b, RD_DOMAIN);
        if (rc < 0)
            return rc;
        k = b;
    }
    return LDRSNAP_OK;
}

/* host.domain.tld written out (three labels or more, a top-level domain
 * at the end). */
static int fqdns(ldrsnap_redactor *r, const rd_line *l)
{
    static const char *const tlds[] = {
        "com", "net", "org", "edu", "gov", "mil", "int", "local", "lan",
        "corp", "internal", "intranet", "home", "arpa", "io", "biz", "info",
        "cloud", "ad", NULL};
    for (size_t i = 0; i < l->n; i++) {
        unsigned prev = i ? l->u[i - 1] : 0;
        if (!rd_alnum(l->u[i]) || (i && (host_unit(l, i - 1) || prev == '@')))
            continue;
        size_t e = i, labels = 1, last = i;
        while (e < l->n && (rd_alnum(l->u[e]) || l->u[e] == '-' ||
                            (l->u[e] == '.' && rd_alnum(rd_u(l, e + 1)))))
            if (l->u[e++] == '.')
                labels++, last = e;
        unsigned next = rd_u(l, e);
        bool tld = true;
        for (size_t k = last; k < e; k++)
            tld &= alpha(l->u[k]);
        tld &= e - last == 2 || ci_any(l, last, e, tlds);
        if (labels >= 3 && tld && !rd_alnum(next) && next != '@' &&
            next != '_' && !module_name(l, i, e)) {
            int rc = machine(r, l, i, e);
            if (rc < 0)
                return rc;
        }
        i = e;
    }
    return LDRSNAP_OK;
}

/* ---- folders (LDRSNAP_REDACT_PATHS) -------------------------------------- */

static int walk_path(ldrsnap_redactor *r, const rd_line *l, size_t i)
{
    bool sep_after = true, profile = false;
    for (size_t depth = 0; sep_after && i < l->n; depth++) {
        size_t e = comp_end(l, i, &sep_after);
        if (e == i)
            return LDRSNAP_OK;
        if (depth == 0 && (ci_span(l, i, e, "users") ||
                           ci_span(l, i, e, "documents and settings")))
            profile = true;
        bool skip_user = profile && depth == 1;
        if (ci_any(l, i, e, vendor_roots))
            return LDRSNAP_OK;
        if (!skip_user && !ci_any(l, i, e, generic_dirs) &&
            !(!sep_after && file_like(l, i, e)) && !module_name(l, i, e)) {
            int rc = found(r, l, i, e, RD_DIR);
            if (rc < 0)
                return rc;
        }
        if (!sep_after)
            return LDRSNAP_OK;
        i = e + sep_run(l, e);
    }
    return LDRSNAP_OK;
}

static int folders(ldrsnap_redactor *r, const rd_line *l)
{
    for (size_t i = 0; i + 2 < l->n; i++) {
        if (alpha(l->u[i]) && l->u[i + 1] == ':' && is_sep(l->u[i + 2]) &&
            (i == 0 || !rd_alnum(l->u[i - 1]))) {
            int rc = walk_path(r, l, i + 2 + sep_run(l, i + 2));
            if (rc < 0)
                return rc;
        }
    }
    return LDRSNAP_OK;
}

/* ---- every other place of a known name ------------------------------------ */

/* A name of hex digits inside a token of numbers (a pid:tid head, an
 * address): a number that looks like the name, not the name. */
static bool in_numbers(const rd_line *l, const rd_name *nm, size_t a,
                       size_t b)
{
    for (size_t k = 0; k < nm->n16; k++)
        if (!hexdig(nm->f16[k]))
            return false;
    while (a > 0 && l->u[a - 1] > ' ')
        a--;
    while (b < l->n && l->u[b] > ' ')
        b++;
    for (size_t k = a; k < b; k++)
        if (!hexdig(l->u[k]) && !strchr(":.,()[]`@x", (int)l->u[k]))
            return false;
    return true;
}

static void leak(ldrsnap_redactor *r, const rd_line *l, const rd_name *nm,
                 size_t a, size_t b, bool in_module)
{
    if (r->leaks++)
        return;
    uint64_t line = r->lineno;
    for (size_t k = 0; k < a; k++) /* a lone CR ends a line too */
        line += l->u[k] == '\r' && rd_u(l, k + 1) != '\n';
    char tok[128];
    size_t s, e, n = 0;
    token(l, a, b, &s, &e);
    for (size_t k = s; k < e && n + 1 < sizeof tok; k++)
        tok[n++] = l->u[k] >= 0x20 && l->u[k] < 0x7F ? (char)l->u[k] : '?';
    tok[n] = 0;
    if (in_module)
        snprintf(r->errmsg, sizeof r->errmsg,
                 "line %llu: the %s name '%s' stays in the module name '%s', "
                 "which the analysis needs",
                 (unsigned long long)line, ldrsnap__rd_kind_name(nm->kind),
                 nm->utf8, tok);
    else
        snprintf(r->errmsg, sizeof r->errmsg,
                 "line %llu: the %s name '%s' is also a word of the log's own "
                 "text ('%s') and stays there",
                 (unsigned long long)line, ldrsnap__rd_kind_name(nm->kind),
                 nm->utf8, tok);
}

/* The longest known name at i, standing as a word: its index, or -1. */
static int name_here(const ldrsnap_redactor *r, const rd_line *l, size_t i,
                     size_t *len)
{
    int best = -1;
    *len = 0;
    for (int k = ldrsnap__rd_bucket(r, l->wide, l->u[i]); k >= 0;
         k = l->wide ? r->names[k].next16 : r->names[k].next8) {
        size_t n = ldrsnap__rd_name_at(r, k, l, i);
        if (n > *len && !(rd_word(l, i + n - 1) && rd_word(l, i + n)) &&
            r->names[k].n16 >= 2)
            best = k, *len = n;
    }
    return best;
}

static int free_text(ldrsnap_redactor *r, const rd_line *l)
{
    size_t next = 0, found_reps = r->nreps;
    for (size_t i = 0; i < l->n; i++) {
        while (next < found_reps && r->reps[next].b <= i)
            next++;
        if (next < found_reps && r->reps[next].a <= i) {
            i = r->reps[next].b - 1;
            continue;
        }
        if (i && rd_word(l, i - 1) && rd_word(l, i))
            continue;
        size_t len;
        int k = name_here(r, l, i, &len);
        if (k < 0)
            continue;
        const rd_name *nm = &r->names[k];
        size_t s, e;
        token(l, i, i + len, &s, &e);
        if (in_numbers(l, nm, i, i + len))
            continue;
        if (module_name(l, s, e) || !nm->free_text) {
            /* a folder named as its program is (C:\Tools\Scanner\
             * Scanner.exe): the module's name, which stays, says no more */
            bool named_for = nm->kind == RD_DIR; /* or a word of the text */
            if (r->write && !named_for)
                leak(r, l, nm, i, i + len, nm->free_text);
        } else if (push(r, i, i + len, k) < 0) {
            return LDRSNAP_ENOMEM;
        }
        i += len - 1;
    }
    settle(r);
    return LDRSNAP_OK;
}

int ldrsnap__rd_scan(ldrsnap_redactor *r, const rd_line *l)
{
    r->nreps = 0;
    int rc = profiles(r, l);
    if (rc == 0)
        rc = unc_hosts(r, l);
    if (rc == 0)
        rc = env_names(r, l);
    if (rc == 0)
        rc = domain_accounts(r, l);
    if (rc == 0)
        rc = mail_names(r, l);
    if (rc == 0)
        rc = fqdns(r, l);
    if (rc == 0 && (r->flags & LDRSNAP_REDACT_PATHS))
        rc = folders(r, l);
    if (rc < 0)
        return rc;
    settle(r);
    return free_text(r, l);
}
