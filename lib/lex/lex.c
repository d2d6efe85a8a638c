/*
 * lex.c - one logical line to one record.
 *
 * Finds where the record begins (whatever a capture tool put before it),
 * tells the grammar (Vista+, XP, debugger, IDE, continuation, other) and
 * parses the payload into fields.  The shapes are those of
 * docs/loader-snaps-format.md; every rule here has a sample in tests/.
 *
 * Field strings are copied, NUL-terminated, into one buffer reserved
 * before the record is parsed, so pointers handed out stay valid for the
 * whole record and nothing is allocated per line once the buffer has grown.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/ldrsnap_internal.h"
#include "lex/lex.h"
#include "lex/plain.h"
#include "simd/simd.h"

/* ---- small scanners ---------------------------------------------------- */

/* (the byte order, hexv1 and the usual head's and plain record's readers:
 * lex/plain.h) */

static bool is_hex(int c)
{
    return hexv1(c & 0xFF) != 0;
}

static unsigned hex_val(int c)
{
    return (unsigned)hexv1(c & 0xFF) - 1;
}

size_t ldrsnap__hex_run(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_hex((unsigned char)s[i]))
        i++;
    return i;
}

bool ldrsnap__parse_hex64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '`')
            continue; /* WinDbg 64-bit address separator */
        if (!is_hex((unsigned char)s[i]) || ++digits > 16)
            return false;
        v = (v << 4) | hex_val((unsigned char)s[i]);
    }
    if (!digits)
        return false;
    *out = v;
    return true;
}

bool ldrsnap__parse_hex32(const char *s, size_t n, uint32_t *out)
{
    uint64_t v;
    if (n > 8 || !ldrsnap__parse_hex64(s, n, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static size_t digit_run(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* If s starts with lit, return the rest, else NULL. */
static inline const char *after_n(const char *s, const char *lit, size_t k)
{
    /* the first two bytes inline (s[1] is there when s[0] is lit[0], no
     * NUL): most words are told apart before the call */
    if (s[0] != lit[0] || (k >= 2 && s[1] != lit[1]))
        return NULL;
    return strncmp(s, lit, k) == 0 ? s + k : NULL;
}
/* lit must be a string literal: "" lit "" does not compile otherwise, so
 * sizeof can never measure a pointer. */
#define after(s, lit) after_n((s), "" lit "", sizeof("" lit "") - 1)
/* after_n() on s[0..end), which need not end with a NUL (the fast ways'
 * lines: the bytes past end are the next line's, or stale ones): k bytes
 * are there, so memcmp() (inline for a literal's length), where strncmp()
 * is a call; lit holds no NUL, so both say the same */
static inline const char *after_e(const char *s, const char *end,
                                  const char *lit, size_t k)
{
    return (size_t)(end - s) >= k && s[0] == lit[0] &&
                   (k < 2 || s[1] == lit[1]) && memcmp(s, lit, k) == 0
               ? s + k
               : NULL;
}

/* ---- record starts ----------------------------------------------------- */


/* A run of 3 to 8 hex digits at s[*i..n): its value, or false. */
static inline bool hex_field(const char *s, size_t n, size_t *i, uint32_t *v)
{
    size_t start = *i, k = *i;
    uint32_t x = 0;
    unsigned d;
    while (k < n && k - start < 9 && (d = hexv1((unsigned char)s[k])))
        x = (x << 4) | (d - 1), k++;
    if (k - start < 3 || k - start > 8)
        return false;
    *i = k;
    *v = x;
    return true;
}


/* Sixteen hex digits, eight at hi and eight at lo, as one value; false
 * unless all sixteen are hex digits. */
static bool hex8_8(const char *hi, const char *lo, uint64_t *out)
{
    uint32_t h, l;
    if (!hex8(hi, &h) || !hex8(lo, &l))
        return false;
    *out = (uint64_t)h << 32 | l;
    return true;
}

/* Any Vista head: every width of pid, tid and tick. */
static size_t head_general(const char *s, size_t n, vhead *h)
{
    /* two scalars, not an array: written as 32 bits and read back as 64,
     * an array stalls store-to-load forwarding */
    uint32_t pid = 0, tid = 0;
    size_t i = 0;
    /* the shortest head, "hhh:hhh @ d - ", is 14 bytes, its ':' after 3
     * to 8 digits: most lines that are no head (a DebugView column, an
     * IDE's words) are told apart here */
    if (n < 14 || (s[3] != ':' && s[4] != ':' && s[5] != ':' &&
                   s[6] != ':' && s[7] != ':' && s[8] != ':'))
        return 0;
    if (head_4_4(s, n, &pid, &tid)) {
        i = 12;
        goto tick;
    }
    if (!hex_field(s, n, &i, &pid) || i >= n || s[i] != ':')
        return 0;
    i++;
    if (!hex_field(s, n, &i, &tid))
        return 0;
    if (i + 3 > n || s[i] != ' ' || s[i + 1] != '@' || s[i + 2] != ' ')
        return 0;
    i += 3;
tick:;
    /* the tick: at most 19 digits are kept (a uint64_t), more are read */
    size_t d = i, keep = LS_MIN(n, i + 19);
    uint64_t tick = 0;
    uint64_t w;
    if (i + 9 <= n && s[i + 8] == ' ' && digits8(s + i, &w)) {
        tick = w; /* the usual eight digits, at once */
        i += 8;
    }
    for (unsigned c; i < keep && (c = (unsigned char)s[i] - '0') < 10; i++)
        tick = tick * 10 + c;
    while (i < n && (unsigned)((unsigned char)s[i] - '0') < 10)
        i++;
    if (i == d || i + 3 > n || s[i] != ' ' || s[i + 1] != '-' ||
        s[i + 2] != ' ')
        return 0;
    if (h)
        *h = (vhead){pid | (uint64_t)tid << 32, tick};
    return i + 3;
}

/* The usual head a word at a time where it can be, else any. */
static size_t vista_head_parse(const char *s, size_t n, vhead *h)
{
    size_t k = head_usual(s, n, h);
    if (k)
        return k;
    return head_general(s, n, h);
}

static size_t vista_head(const char *s, size_t n)
{
    return vista_head_parse(s, n, NULL);
}

/* Find a Vista head that starts at or after `from`; sets *pos. */
static bool find_vista(const char *s, size_t n, size_t from, size_t *pos)
{
    const char *p = s + from;
    const char *end = s + n;
    while ((p = memchr(p, '@', (size_t)(end - p))) != NULL) {
        size_t at = (size_t)(p - s);
        p++;
        if (at < 8 || at + 2 > n || s[at - 1] != ' ' || s[at + 1] != ' ')
            continue;
        size_t j = at - 1; /* the space before '@' */
        size_t b = 0;
        while (j > 0 && b < 9 && is_hex((unsigned char)s[j - 1]))
            j--, b++;
        if (b < 3 || b > 8 || j == 0 || s[j - 1] != ':')
            continue;
        size_t k = j - 1, a = 0;
        while (k > 0 && a < 9 && is_hex((unsigned char)s[k - 1]))
            k--, a++;
        if (a < 3 || a > 8)
            continue;
        if (k < from || (k > 0 && isalnum((unsigned char)s[k - 1])))
            continue;
        if (vista_head(s + k, n - k)) {
            *pos = k;
            return true;
        }
    }
    return false;
}

static bool find_xp(const char *s, size_t n, size_t from, size_t *pos)
{
    const char *p = s + from, *end = s + n;
    while (end - p >= 4 && (p = memchr(p, 'L', (size_t)(end - p))) != NULL) {
        if (end - p >= 4 && memcmp(p, "LDR:", 4) == 0) {
            *pos = (size_t)(p - s);
            return true;
        }
        p++;
    }
    return false;
}

/* A Vista start with a head of `head` bytes (0: none, nothing is set). */
static bool vista_fill(ls_start *st, size_t head, const vhead *h)
{
    if (!head)
        return false;
    st->head = head;
    st->pid = (uint32_t)h->ids, st->tid = (uint32_t)(h->ids >> 32);
    st->tick = h->tick;
    st->dialect = LDRSNAP_D_VISTA;
    return true;
}

/* Fill the Vista head values of a start found at st->pos. */
static bool vista_start(const char *s, size_t n, ls_start *st)
{
    vhead h;
    return vista_fill(st, vista_head_parse(s + st->pos, n - st->pos, &h), &h);
}

bool ldrsnap__lex_find_start(const char *s, size_t n, ls_start *st)
{
    size_t pos;
    st->pos = 0;
    st->plain = LDRSNAP_L_NONE;
    vhead h;
    size_t k = head_usual(s, n, &h); /* inline: most lines */
    if (!k && s[0] >= '0')
        k = head_general(s, n, &h);
    if (vista_fill(st, k, &h))
        return true;
    if (n >= 4 && memcmp(s, "LDR:", 4) == 0) {
        st->pos = 0, st->dialect = LDRSNAP_D_XP;
        return true;
    }
    if (find_vista(s, n, 0, &pos)) {
        size_t xp;
        if (find_xp(s, pos, 0, &xp)) {
            st->pos = xp, st->dialect = LDRSNAP_D_XP;
            return true;
        }
        st->pos = pos;
        return vista_start(s, n, st);
    }
    if (find_xp(s, n, 0, &pos)) {
        st->pos = pos, st->dialect = LDRSNAP_D_XP;
        return true;
    }
    return false;
}

bool ldrsnap__lex_find_start_at(const char *s, size_t n, size_t q,
                                ls_start *st)
{
    size_t pos;
    st->pos = 0;
    st->plain = LDRSNAP_L_NONE;
    if (q >= n)
        return false;
    if (s[q] == 'L') { /* no '@' before it, so no Vista head either */
        st->pos = q, st->dialect = LDRSNAP_D_XP;
        return true;
    }
    /* the first '@' of the line is that of a usual head after a prefix
     * (DebugView's columns, "app(pid): "): the head find_vista() would
     * find there, as it reads back from that '@' over four hex digits, a
     * ':' and four more, to a byte that is no letter or digit; no "LDR:"
     * can come before it (q is the first of either) */
    vhead h;
    if (q >= 10 && (q == 10 || !isalnum((unsigned char)s[q - 11])) &&
        head_usual(s + q - 10, n - (q - 10), &h)) {
        st->pos = q - 10;
        return vista_fill(st, 23, &h);
    }
    /* as ldrsnap__lex_find_start(), with no "LDR:" before q to look at */
    if (find_vista(s, n, 0, &pos)) {
        size_t xp;
        if (find_xp(s, pos, q, &xp)) {
            st->pos = xp, st->dialect = LDRSNAP_D_XP;
            return true;
        }
        st->pos = pos;
        return vista_start(s, n, st);
    }
    if (find_xp(s, n, q, &pos)) {
        st->pos = pos, st->dialect = LDRSNAP_D_XP;
        return true;
    }
    return false;
}

bool ldrsnap__lex_no_start(const char *s, size_t n)
{
    /* every Vista head holds " @ ", every XP one "LDR:": one pass for
     * both, where ldrsnap__lex_find_start() takes a search for each */
    return ls_no_at_ldr(s, n);
}

size_t ldrsnap__lex_find_glued(const char *s, size_t n, size_t from,
                               bool xp)
{
    size_t pos;
    if (xp)
        return from < n && find_xp(s, n, from, &pos) ? pos : n;
    return find_vista(s, n, from, &pos) ? pos : n;
}

/* A prefix a capture tool adds: [pid,tid], error:, app(123):, 1725, or
 * DebugString: "  Shapes only: used to tell a record start from a
 * mid-line match. */
bool ldrsnap__lex_known_prefix(const char *s, size_t n)
{
    while (n && s[n - 1] == ' ')
        n--;
    if (n == 0)
        return true;
    if (s[0] == '[' && s[n - 1] == ']')
        return true;
    if (n == 6 && memcmp(s, "error:", 6) == 0)
        return true;
    if (n >= 13 && memcmp(s, "DebugString:", 12) == 0)
        return true;
    if (digit_run(s, n) == n)
        return true;
    if (n >= 4 && s[n - 1] == ':' && s[n - 2] == ')') {
        size_t i = n - 2;
        while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
            i--;
        return i > 0 && s[i - 1] == '(';
    }
    return false;
}

static bool debugger_start(const char *s, size_t n);
static bool ide_start(const char *s, size_t n);
static size_t column_lead(const char *s, size_t n);
static char *bare_vista(char *s);

bool ldrsnap__lex_begins_record(const char *s, size_t n)
{
    ls_start st;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n)
        return true; /* blank */
    if (ldrsnap__lex_find_start(s, n, &st) &&
        ldrsnap__lex_known_prefix(s, st.pos))
        return true;
    if (s[0] == '[' && memchr(s, ']', LS_MIN(n, 20)))
        return true; /* [pid,tid] detail lines */
    if (debugger_start(s, n) || ide_start(s, n))
        return true;
    size_t cl = column_lead(s, n);
    if (cl && (debugger_start(s + cl, n - cl) || ide_start(s + cl, n - cl)))
        return true;
    /* a record pasted with its head cut off: "- LdrpX - ENTER: ..." (s is
     * terminated: the parser's copy) */
    char *b = s[n] == '\0' ? bare_vista((char *)s) : NULL;
    return b && (size_t)(b - s) <= 2;
}

/* ---- field storage ----------------------------------------------------- */

typedef struct lexctx {
    char *out;          /* field buffer */
    size_t used;
    ldrsnap_record *rec;
} lexctx;

static const char *put(lexctx *c, const char *s, size_t n)
{
    char *d = c->out + c->used;
    memcpy(d, s, n);
    d[n] = '\0';
    c->used += n + 1;
    return d;
}

static const char *put_str(lexctx *c, const char *s)
{
    return put(c, s, strlen(s));
}

/* Copy the text between the quote at *s and its closing quote `q`; a
 * missing close takes the rest (a cut line).  Advances *s past it. */
static const char *put_quoted(lexctx *c, const char **s, char q)
{
    const char *b = *s + 1;
    const char *e = strchr(b, q);
    if (!e) {
        c->rec->flags |= LDRSNAP_RF_CUT;
        e = b + strlen(b);
        *s = e;
    } else {
        *s = e + 1;
    }
    return put(c, b, (size_t)(e - b));
}

/* Parse a status: "0x" + up to 8 hex digits, or bare hex.  A run cut by
 * the end of the line with fewer than 8 digits is a cut record, not a
 * status (0xc000003 is not 0x0c000003). */
static bool parse_status(lexctx *c, const char *s, uint32_t *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    uint32_t v = 0;
    size_t k = 0;
    while (k < 9 && is_hex((unsigned char)s[k])) /* stops at the NUL */
        v = (v << 4) | hex_val((unsigned char)s[k++]);
    if (k == 0 || k > 8)
        return false;
    if (k < 8 && s[k] == '\0') {
        c->rec->flags |= LDRSNAP_RF_CUT;
        return false;
    }
    *out = v;
    return true;
}

static void set_status(lexctx *c, const char *s)
{
    if (s && parse_status(c, s, &c->rec->status))
        c->rec->flags |= LDRSNAP_RF_STATUS;
}

/* Find "status" and parse the number after it ("status 0x..",
 * "status = 0x..", "Status: 0x..", "ntstatus 0x..", "status: 0x.."). */
static void find_status(lexctx *c, const char *msg)
{
    const char *p = msg, *hit = NULL;
    while ((p = strstr(p, "tatus")) != NULL) {
        hit = p + 5;
        p = hit;
    }
    if (!hit) {
        if ((hit = strstr(msg, "returned ")) != NULL)
            hit += 9;
        else
            return;
    }
    while (*hit == ' ' || *hit == ':' || *hit == '=')
        hit++;
    if (*hit == 's' && strncmp(hit, "status", 6) != 0)
        c->rec->flags |= LDRSNAP_RF_CUT; /* "returned s" cut short */
    set_status(c, hit);
}

/* Copy up to the first occurrence of `stop` (or the end). */
static const char *put_until(lexctx *c, const char *s, const char *stop,
                             const char **rest)
{
    const char *e = stop ? strstr(s, stop) : NULL;
    if (!e)
        e = s + strlen(s);
    if (rest)
        *rest = e;
    return put(c, s, (size_t)(e - s));
}

/* ---- Vista payloads ---------------------------------------------------- */

static void vista_enter(lexctx *c, const char *m)
{
    ldrsnap_record *r = c->rec;
    const char *v = after(m, LS_DLL_NAME_TAG);
    r->msg = LDRSNAP_M_DLL_NAME;
    if (!v) {
        r->flags |= LDRSNAP_RF_COMPACT;
        v = m;
    }
    const char *rest = strstr(v, " DLL path: ");
    if (!rest) {
        r->dll = v; /* the tail of the line: no copy */
        return;
    }
    r->dll = put(c, v, (size_t)(rest - v));
    const char *path = rest + strlen(" DLL path: ");
    if (strcmp(path, "NULL") != 0)
        r->search_path = path;
}

static bool is_compact_status(const char *m)
{
    size_t k = ldrsnap__hex_run(m, 8);
    if (k != 8)
        return false;
    if (m[8] == '\0')
        return true;
    return m[8] == '-' && ldrsnap__hex_run(m + 9, 8) == 8 && m[17] == '\0';
}

static void vista_return(lexctx *c, const char *m)
{
    ldrsnap_record *r = c->rec;
    const char *v = after(m, "Status: ");
    if (v) {
        r->msg = LDRSNAP_M_STATUS;
        set_status(c, v);
        return;
    }
    if (is_compact_status(m)) {
        r->msg = LDRSNAP_M_STATUS;
        r->flags |= LDRSNAP_RF_COMPACT;
        if (m[8] == '-') {
            ldrsnap__parse_hex32(m, 8, &r->status_orig);
            ldrsnap__parse_hex32(m + 9, 8, &r->status);
            r->flags |= LDRSNAP_RF_STATUS | LDRSNAP_RF_STATUS_ORIG;
        } else {
            ldrsnap__parse_hex32(m, 8, &r->status);
            r->flags |= LDRSNAP_RF_STATUS;
        }
    } else if (m[0] && ldrsnap__hex_run(m, 8) == strlen(m)) {
        r->flags |= LDRSNAP_RF_CUT; /* compact status cut short */
    }
}

static void vista_unable(lexctx *c, const char *v)
{
    ldrsnap_record *r = c->rec;
    r->msg = LDRSNAP_M_UNABLE_TO_LOAD;
    if (*v == '"')
        r->dll = put_quoted(c, &v, '"');
    else
        r->dll = put_until(c, v, ",", &v);
    const char *p = strstr(v, "Parent Module: ");
    if (p) {
        p += strlen("Parent Module: ");
        if (*p == '"') {
            const char *par = put_quoted(c, &p, '"');
            if (strcmp(par, "(null)") != 0)
                r->parent = par;
        }
    } else {
        r->flags |= LDRSNAP_RF_CUT;
    }
    const char *s = strstr(v, "Status: ");
    if (s)
        set_status(c, s + strlen("Status: "));
}

/* The usual init routine address: 16 hex digits, then not one more. */
static bool usual_init_address(const char *v, uint64_t *out)
{
    return strnlen(v, 17) == 17 && !is_hex((unsigned char)v[16]) &&
           hex8_8(v, v + 8, out);
}

/* "... for DLL "X"" / "... DLL at base 0x..." and friends */
static void vista_info(lexctx *c, const char *m)
{
    ldrsnap_record *r = c->rec;
    const char *v;
    if ((v = after(m, "Calling init routine ")) != NULL) {
        const char *q;
        if (usual_init_address(v, &r->address)) {
            /* 16 digits, then " for DLL \"" (no earlier one: digits) */
            r->flags |= LDRSNAP_RF_ADDRESS;
            q = memcmp(v + 16, " for DLL \"", 10) == 0 ? v + 17
                                                        : strstr(v, "for DLL \"");
        } else {
            size_t k = ldrsnap__hex_run(v, strlen(v));
            if (ldrsnap__parse_hex64(v, k, &r->address))
                r->flags |= LDRSNAP_RF_ADDRESS;
            q = strstr(v, "for DLL \"");
        }
        r->msg = LDRSNAP_M_CALLING_INIT;
        if (q) {
            q += strlen("for DLL ");
            r->dll = put_quoted(c, &q, '"');
            r->dll_path = r->dll;
        }
    } else if ((v = after(m, "Beginning execution of ")) != NULL) {
        r->msg = LDRSNAP_M_BEGIN_EXEC;
        const char *rest;
        r->dll = put_until(c, v, " (", &rest);
        if (*rest) {
            rest += 2;
            const char *e = strrchr(rest, ')');
            r->dll_path = put(c, rest, e ? (size_t)(e - rest) : strlen(rest));
        }
    } else if ((v = after(m, "Initializing process 0x")) != NULL) {
        r->msg = LDRSNAP_M_INIT_PROCESS;
        if (ldrsnap__parse_hex64(v, ldrsnap__hex_run(v, strlen(v)),
                                 &r->address))
            r->flags |= LDRSNAP_RF_ADDRESS;
    } else if ((v = after(m, "DLL ")) != NULL && strstr(v, " by API set")) {
        r->msg = LDRSNAP_M_APISET;
        const char *rest;
        r->dll = put_until(c, v, " was redirected to ", &rest);
        if (*rest) {
            rest += strlen(" was redirected to ");
            r->dll_path = put_until(c, rest, " by API set", NULL);
        }
    } else if ((v = after(m, "DLL search path computed: ")) != NULL) {
        r->msg = LDRSNAP_M_SEARCH_PATH;
        r->search_path = put_str(c, v);
    } else if ((v = after(m, "Locating DLL ")) != NULL) {
        r->msg = LDRSNAP_M_SEARCH_PATH;
        const char *rest;
        r->dll = put_until(c, v, " in path ", &rest);
        if (*rest)
            r->search_path = put_str(c, rest + strlen(" in path "));
    } else if ((v = after(m, "Locating procedure ")) != NULL) {
        r->msg = LDRSNAP_M_LOCATE_PROC;
        if (*v == '"')
            r->symbol = put_quoted(c, &v, '"');
        else
            r->symbol = put_until(c, v, " by ", NULL);
    } else if ((v = after(m, "Probing for the manifest of")) != NULL) {
        r->msg = LDRSNAP_M_MANIFEST_PROBE;
        while (*v == ' ')
            v++;
        if (*v)
            r->dll = put_str(c, v);
        else
            r->flags |= LDRSNAP_RF_CUT;
    } else if (strstr(m, "Detour detected")) {
        r->msg = LDRSNAP_M_DETOUR;
    } else if ((v = after(m, "Loading DLL ")) != NULL) {
        r->msg = LDRSNAP_M_LOADING_DLL;
        if (*v == '"') {
            r->dll = put_quoted(c, &v, '"');
            const char *fp = strstr(v, "from path ");
            if (fp) {
                fp += strlen("from path ");
                r->search_path = *fp == '"' ? put_quoted(c, &fp, '"')
                                            : put_str(c, fp);
            }
        } else {
            r->dll = put_str(c, v);
        }
    } else if ((v = after(m, "Mapped DLL ")) != NULL) {
        r->msg = LDRSNAP_M_MAPPED_DLL;
        r->dll = *v == '"' ? put_quoted(c, &v, '"') : put_until(c, v, " ", &v);
        const char *a = strstr(v, "at address ");
        if (a) {
            a += strlen("at address ");
            a += (a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) ? 2 : 0;
            if (ldrsnap__parse_hex64(a, ldrsnap__hex_run(a, strlen(a)),
                                     &r->base))
                r->flags |= LDRSNAP_RF_BASE;
        }
    } else if ((v = after(m, "Original status: ")) != NULL) {
        r->msg = LDRSNAP_M_ORIGINAL_STATUS;
        set_status(c, v);
    }
}

static void vista_error(lexctx *c, const char *m)
{
    ldrsnap_record *r = c->rec;
    const char *v;
    if ((v = after(m, "Unable to load DLL: ")) != NULL) {
        vista_unable(c, v);
    } else if (after(m, "Walking the import tables")) {
        r->msg = LDRSNAP_M_IMPORTS_FAILED;
        find_status(c, m);
    } else if (after(m, "Failed to open \\KnownDlls")) {
        r->msg = LDRSNAP_M_KNOWNDLLS_FAILED;
        find_status(c, m);
    } else if (after(m, "Process initialization failed") != NULL ||
               after(m, "Running the init routines") != NULL) {
        /* the second: Windows 10/11, when a static import's DllMain
         * failed */
        r->msg = LDRSNAP_M_PROCESS_INIT_FAILED;
        find_status(c, m);
    } else if ((v = after(m, "Init routine ")) != NULL &&
               strstr(v, " failed")) {
        /* "Init routine <address> for DLL "<path>" failed during
         * DLL_PROCESS_ATTACH" */
        r->msg = LDRSNAP_M_INIT_ROUTINE_FAILED;
        if (ldrsnap__parse_hex64(v, ldrsnap__hex_run(v, strlen(v)),
                                 &r->address))
            r->flags |= LDRSNAP_RF_ADDRESS;
        const char *q = strstr(v, "for DLL ");
        if (q) {
            q += strlen("for DLL ");
            r->dll = *q == '"' ? put_quoted(c, &q, '"')
                               : put_until(c, q, " failed", NULL);
            r->dll_path = r->dll;
        }
    } else if ((v = after(m, "Loading Windows subsystem DLL ")) != NULL) {
        r->msg = LDRSNAP_M_SUBSYSTEM_FAILED;
        r->dll = *v == '"' ? put_quoted(c, &v, '"')
                           : put_until(c, v, " failed", &v);
        r->dll_path = r->dll;
        find_status(c, v);
    } else if ((v = after(m, "Procedure ")) != NULL &&
               strstr(v, "could not be located")) {
        r->msg = LDRSNAP_M_PROC_NOT_FOUND;
        r->symbol = *v == '"' ? put_quoted(c, &v, '"')
                              : put_until(c, v, " could not", &v);
        const char *b = strstr(v, "at base ");
        if (b) {
            b += strlen("at base ");
            b += (b[0] == '0' && (b[1] == 'x' || b[1] == 'X')) ? 2 : 0;
            if (ldrsnap__parse_hex64(b, ldrsnap__hex_run(b, strlen(b)),
                                     &r->base))
                r->flags |= LDRSNAP_RF_BASE;
        }
    } else if ((v = after(m, "Locating export ")) != NULL ||
               (v = after(m, "Locating ordinal ")) != NULL) {
        r->msg = LDRSNAP_M_EXPORT_FAILED;
        if (after(m, "Locating ordinal ")) {
            const char *e = strstr(v, " for DLL");
            char tmp[64];
            size_t k = e ? (size_t)(e - v) : strlen(v);
            k = LS_MIN(k, sizeof tmp - 2);
            tmp[0] = '#';
            memcpy(tmp + 1, v + (*v == '"'), k - (*v == '"') * 2);
            tmp[1 + k - (*v == '"') * 2] = '\0';
            r->symbol = put_str(c, tmp);
        } else {
            r->symbol = *v == '"' ? put_quoted(c, &v, '"')
                                  : put_until(c, v, " for DLL", &v);
        }
        const char *d = strstr(v, "for DLL ");
        if (d) {
            d += strlen("for DLL ");
            const char *par = *d == '"' ? put_quoted(c, &d, '"')
                                        : put_until(c, d, " failed", &d);
            if (strcmp(par, "Unknown") != 0)
                r->parent = par;
        }
        find_status(c, v);
    } else if ((v = after(m, "Snapping the imports from DLL ")) != NULL &&
               strstr(v, " to DLL ")) {
        /* Windows 7: "... from DLL "<importer>" to DLL "<exporter>" failed
         * with status 0xc0000139": an export the importer needs is not
         * there (which one, the LdrpNameToOrdinal warning before says) */
        r->msg = LDRSNAP_M_EXPORT_FAILED;
        r->parent = *v == '"' ? put_quoted(c, &v, '"')
                              : put_until(c, v, " to DLL ", &v);
        const char *d = strstr(v, " to DLL ");
        if (d) {
            d += strlen(" to DLL ");
            r->dll = *d == '"' ? put_quoted(c, &d, '"')
                               : put_until(c, d, " failed", &d);
            r->dll_path = r->dll;
            v = d;
        }
        find_status(c, v);
    } else if ((v = after(m, "Function ")) != NULL &&
               strstr(v, " raised exception ")) {
        r->msg = LDRSNAP_M_EXCEPTION_RAISED;
        r->symbol = put_until(c, v, " raised exception ", &v);
        set_status(c, v + strlen(" raised exception "));
    } else {
        vista_info(c, m);
    }
}

static ldrsnap_level parse_level(const char *s, size_t *len)
{
    /* the five words differ in their first two letters */
    static const struct {
        char w[8];
        unsigned k;
        ldrsnap_level l;
    } words[] = {{"ENTER:", 5, LDRSNAP_L_ENTER},
                 {"ERROR:", 5, LDRSNAP_L_ERROR},
                 {"RETURN:", 6, LDRSNAP_L_RETURN},
                 {"INFO:", 4, LDRSNAP_L_INFO},
                 {"WARNING:", 7, LDRSNAP_L_WARNING}};
    size_t i;
    switch (s[0]) {
    case 'E':
        i = s[1] == 'N' ? 0 : 1;
        break;
    case 'R':
        i = 2;
        break;
    case 'I':
        i = 3;
        break;
    case 'W':
        i = 4;
        break;
    default:
        return LDRSNAP_L_NONE;
    }
    /* byte by byte: s is NUL-terminated and may be shorter than the word */
    for (unsigned j = 1; j <= words[i].k; j++)
        if (s[j] != words[i].w[j])
            return LDRSNAP_L_NONE;
    *len = words[i].k + 1;
    return words[i].l;
}

/* s points at the function name (after the head, or a bare one). */
static void vista_body(lexctx *c, char *s)
{
    ldrsnap_record *r = c->rec;
    /* function names hold no space: the first one starts " - " */
    char *sep = strchr(s, ' ');
    if (sep && (sep[1] != '-' || sep[2] != ' '))
        sep = strstr(sep, " - ");
    if (!sep) {
        r->function = put_str(c, s);
        r->flags |= LDRSNAP_RF_CUT;
        return;
    }
    char *fe = sep;
    while (fe > s && fe[-1] == ' ')
        fe--; /* a name padded to a column */
    r->function = put(c, s, (size_t)(fe - s));
    size_t k;
    r->level = parse_level(sep + 3, &k);
    if (r->level == LDRSNAP_L_NONE) {
        r->flags |= LDRSNAP_RF_CUT;
        return;
    }
    char *m = sep + 3 + k;
    while (*m == ' ')
        m++;
    r->message = m;
    switch (r->level) {
    case LDRSNAP_L_ENTER:
        vista_enter(c, m);
        break;
    case LDRSNAP_L_RETURN:
        vista_return(c, m);
        break;
    case LDRSNAP_L_INFO:
        vista_info(c, m);
        break;
    default:
        vista_error(c, m);
        break;
    }
}

static void lex_vista(lexctx *c, char *s, const ls_start *st)
{
    ldrsnap_record *r = c->rec;
    r->pid = st->pid;
    r->tid = st->tid;
    r->tick = st->tick;
    r->flags |= LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK;
    vista_body(c, s + st->head);
}

/* The lead of a line quoted in a code comment: "// ", "///   ", "# ". */
static size_t comment_lead(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] == ' ')
        k++;
    size_t c = k;
    while (k < n && (s[k] == '/' || s[k] == '#'))
        k++;
    if (k == c || (s[c] == '/' && k - c < 2))
        return 0;
    while (k < n && s[k] == ' ')
        k++;
    return k < n ? k : 0;
}

/* The columns a viewer or capture tool put before a host line: a line
 * number ("412 ModLoad: ..."), DebugView's sequence, time and [pid]
 * ("00000012\t0.00421\t[4660] ..."), a date and time: runs of digits,
 * '.', ':', '/' and "[digits]", each followed by a space or tab.  The
 * length of those columns, or 0. */
static size_t column_lead(const char *s, size_t n)
{
    size_t k = 0;
    for (;;) {
        size_t j = k, digits = 0;
        bool br = j < n && s[j] == '[';
        if (br)
            j++;
        while (j < n && ((s[j] >= '0' && s[j] <= '9') || (!br &&
               (s[j] == '.' || s[j] == ':' || s[j] == '/'))))
            digits += s[j] >= '0' && s[j] <= '9', j++;
        if (br && (j >= n || s[j++] != ']'))
            return k;
        if (!digits || j >= n || (s[j] != ' ' && s[j] != '\t'))
            return k;
        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j >= n)
            return k;
        k = j;
    }
}

/* A fragment pasted from the middle of an ERROR message, its head and
 * the start of its message cut off: `libfoo.dll", Parent Module: "C:\x
 * \bar.dll", Status: 0xc0000135` still names a DLL, a parent and a
 * status (an "Unable to load DLL" record, cut: no function, no level of
 * its own). */
static bool lex_fragment(lexctx *c, const char *s)
{
    const char *pm = strstr(s, "\", Parent Module: ");
    if (!pm)
        return false;
    ldrsnap_record *r = c->rec;
    const char *b = pm;
    while (b > s && b[-1] != '"' && b[-1] != ' ')
        b--;
    if (b == pm)
        return false;
    r->msg = LDRSNAP_M_UNABLE_TO_LOAD;
    r->level = LDRSNAP_L_ERROR;
    r->flags |= LDRSNAP_RF_CUT;
    r->dll = put(c, b, (size_t)(pm - b));
    const char *q = pm + strlen("\", Parent Module: ");
    if (*q == '"') {
        const char *par = put_quoted(c, &q, '"');
        if (strcmp(par, "(null)") != 0)
            r->parent = par;
    }
    const char *st = strstr(q, "Status: ");
    if (st)
        set_status(c, st + strlen("Status: "));
    return true;
}

/* "... LdrpProcessWork - ERROR: ..." with its head elided. */
static char *bare_vista(char *s)
{
    char *p = s;
    while ((p = strstr(p, "Ldr")) != NULL) {
        char *f = (p > s && p[-1] == '_') ? p - 1 : p;
        if (f == s || f[-1] == ' ') {
            char *e = p;
            while (isalnum((unsigned char)*e) || *e == '_')
                e++;
            size_t k;
            char *d = e;
            while (*d == ' ' && d[1] == ' ')
                d++; /* a name padded to a column */
            if (strncmp(d, " - ", 3) == 0 &&
                parse_level(d + 3, &k) != LDRSNAP_L_NONE)
                return f;
        }
        p += 3;
    }
    return NULL;
}

/* ---- XP payloads ------------------------------------------------------- */

/* "name (n)" -> dll=name, address=n */
static void xp_name_count(lexctx *c, const char *v)
{
    ldrsnap_record *r = c->rec;
    const char *rest;
    r->dll = put_until(c, v, " (", &rest);
    if (*rest) {
        rest += 2;
        size_t d = digit_run(rest, strlen(rest));
        uint64_t n = 0;
        for (size_t i = 0; i < d; i++)
            n = n * 10 + (uint64_t)(rest[i] - '0');
        if (d) {
            r->address = n;
            r->flags |= LDRSNAP_RF_ADDRESS;
        }
    }
}

/* fail: m holds "fail" (the last two shapes do) */
static bool xp_failures(lexctx *c, const char *m, bool fail)
{
    ldrsnap_record *r = c->rec;
    const char *v;
    if ((v = after(m, "DLL_PROCESS_ATTACH for dll ")) != NULL) {
        r->msg = LDRSNAP_M_INIT_FAILED;
        r->dll = *v == '"' ? put_quoted(c, &v, '"') : put_until(c, v, " ", &v);
        const char *a = strstr(v, "InitRoutine: ");
        if (a) {
            a += strlen("InitRoutine: ");
            if (ldrsnap__parse_hex64(a, ldrsnap__hex_run(a, strlen(a)),
                                     &r->address))
                r->flags |= LDRSNAP_RF_ADDRESS;
        }
        if (!strstr(v, "failed"))
            r->flags |= LDRSNAP_RF_CUT;
    } else if ((v = after(m, "Unloading ")) != NULL &&
               strstr(v, " because ")) {
        r->msg = LDRSNAP_M_UNLOADING_FAILED;
        r->dll = put_until(c, v, " because ", NULL);
        find_status(c, v);
    } else if ((v = after(m, "LdrLoadDll - failing because ")) != NULL) {
        r->msg = LDRSNAP_M_LOAD_FAILING;
        const char *o = strchr(v, '(');
        const char *e = o ? strrchr(o, ')') : NULL;
        if (o && e && e > o)
            r->dll = put(c, o + 1, (size_t)(e - o - 1));
        else if (o)
            r->dll = put_str(c, o + 1);
        find_status(c, e ? e : v);
        if (!(r->flags & LDRSNAP_RF_STATUS))
            r->flags |= LDRSNAP_RF_CUT;
    } else if (fail &&
               (v = strstr(m, "LdrpLoadImportModule failed on import ")) !=
                   NULL) {
        r->msg = LDRSNAP_M_IMPORT_FAILED;
        v += strlen("LdrpLoadImportModule failed on import ");
        r->dll = put_until(c, v, " with ", NULL);
        find_status(c, v);
    } else if (fail && (v = strstr(m, "failed to probe ")) != NULL &&
               strstr(v, "manifest")) {
        r->msg = LDRSNAP_M_SXS_PROBE_FAILED;
        v += strlen("failed to probe ");
        r->dll = put_until(c, v, " for its manifest", NULL);
        find_status(c, v);
    } else {
        return false;
    }
    return true;
}

static bool xp_lists(lexctx *c, const char *m)
{
    ldrsnap_record *r = c->rec;
    const char *v;
    if ((v = after(m, "LdrLoadDll, loading ")) != NULL) {
        r->msg = LDRSNAP_M_LOADING_DLL;
        const char *rest;
        r->dll = put_until(c, v, " from ", &rest);
        if (*rest)
            r->search_path = put_str(c, rest + 6);
    } else if ((v = after(m, "LdrGetProcedureAddress by ")) != NULL) {
        r->msg = LDRSNAP_M_LOCATE_PROC;
        const char *d = strstr(v, " - ");
        if (d) {
            if (strncmp(v, "ORDINAL", 7) == 0) {
                char tmp[32] = "#";
                strncat(tmp, d + 3, sizeof tmp - 2);
                r->symbol = put_str(c, tmp);
            } else {
                r->symbol = put_str(c, d + 3);
            }
        }
    } else if (after(m, "Recursive DLL load")) {
        r->msg = LDRSNAP_M_RECURSIVE_LOAD;
    } else if ((v = after(m, "Derefcount ")) != NULL ||
               (v = after(m, "Refcount ")) != NULL) {
        r->msg = LDRSNAP_M_REFCOUNT;
        xp_name_count(c, v);
    } else if (after(m, "UNINIT LIST")) {
        r->msg = LDRSNAP_M_UNINIT_LIST;
    } else if ((v = after(m, "Unmapping [")) != NULL) {
        r->msg = LDRSNAP_M_UNMAPPING;
        r->dll = put_until(c, v, "]", NULL);
    } else if ((v = after(m, "Real INIT LIST")) != NULL) {
        r->msg = LDRSNAP_M_INIT_LIST;
    } else if ((v = after(m, "PID: 0x")) != NULL ||
               (v = after(m, "PID: ")) != NULL) {
        /* "PID: 0x1a4 started - '"C:\x\app.exe" args'" */
        r->msg = LDRSNAP_M_PROCESS_START;
        size_t k = ldrsnap__hex_run(v, strlen(v));
        if (k && ldrsnap__parse_hex32(v, k, &r->pid))
            r->flags |= LDRSNAP_RF_PID;
        const char *q = strstr(v, " - '");
        if (q) {
            q += 4;
            q += *q == '"';
            const char *e = q;
            while (*e && *e != '"' && *e != '\'' &&
                   !(e[0] == ' ' && strstr(e, ".exe") == NULL))
                e++;
            if (e > q)
                r->dll = put(c, q, (size_t)(e - q));
        }
    } else if (after(m, "NEW PROCESS")) {
        r->msg = LDRSNAP_M_PROCESS_START;
    } else {
        return false;
    }
    return true;
}

static bool xp_binding(lexctx *c, const char *m)
{
    ldrsnap_record *r = c->rec;
    const char *v;
    if ((v = after(m, "Loading (")) != NULL) {
        r->msg = LDRSNAP_M_LOADING_DLL;
        const char *e = strstr(v, ") ");
        if (e)
            r->dll = put_str(c, e + 2);
    } else if ((v = after(m, "Snapping imports for ")) != NULL) {
        r->msg = LDRSNAP_M_SNAPPING;
        const char *rest;
        r->parent = put_until(c, v, " from ", &rest);
        if (*rest)
            r->dll = put_str(c, rest + 6);
    } else if ((v = strstr(m, "WARNING: Hint index")) != NULL) {
        r->msg = LDRSNAP_M_SNAP_WARNING;
        const char *p = strstr(v, "for procedure ");
        if (p)
            r->symbol = put_until(c, p + 14, " in DLL", NULL);
        const char *d = strstr(v, "in DLL ");
        if (d)
            r->dll = put_until(c, d + 7, " ", NULL);
    } else if ((v = strstr(m, " loaded - Calling init routine at ")) !=
               NULL) {
        r->msg = LDRSNAP_M_CALLING_INIT;
        r->dll = put(c, m, (size_t)(v - m));
        v += strlen(" loaded - Calling init routine at ");
        if (ldrsnap__parse_hex64(v, ldrsnap__hex_run(v, strlen(v)),
                                 &r->address))
            r->flags |= LDRSNAP_RF_ADDRESS;
    } else if ((v = strstr(m, " used by ")) != NULL) {
        r->msg = LDRSNAP_M_USED_BY;
        r->dll = put(c, m, (size_t)(v - m));
        r->parent = put_str(c, v + 9);
    } else if ((v = strstr(m, " binding to ")) != NULL ||
               (v = strstr(m, " bound to ")) != NULL) {
        r->msg = LDRSNAP_M_BINDING;
        const char *sp = strchr(m, ' ');
        r->parent = put(c, m, (size_t)(sp - m));
        r->dll = put_str(c, strstr(v, " to ") + 4);
    } else {
        return false;
    }
    return true;
}

static void lex_xp(lexctx *c, char *s)
{
    ldrsnap_record *r = c->rec;
    const char *m = s + 4;
    while (*m == ' ')
        m++;
    r->message = m;
    /* one search for "fail" spares two for longer words that hold it */
    bool fail = strstr(m, "fail") != NULL;
    if (xp_failures(c, m, fail) || xp_lists(c, m) || xp_binding(c, m))
        return;
    if (fail) {
        r->msg = LDRSNAP_M_FAILURE_TEXT;
        find_status(c, m);
    }
}

/* "[pid,tid]   Previous DLL being loaded: "x"" and its siblings */
static bool lex_xp_detail(lexctx *c, const char *m)
{
    static const struct {
        const char *lead, *role;
    } d[] = {{"Previous DLL being loaded: ", "previous"},
             {"DLL being requested: ", "requested"},
             {"DLL whose initializer was currently running: ",
              "initializing"}};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        const char *v = after_n(m, d[i].lead, strlen(d[i].lead));
        if (v) {
            c->rec->msg = LDRSNAP_M_RECURSIVE_DETAIL;
            c->rec->symbol = put_str(c, d[i].role);
            c->rec->dll = *v == '"' ? put_quoted(c, &v, '"') : put_str(c, v);
            return true;
        }
    }
    return false;
}

/* "          (1) [iisres.dll] c:\...\iisres.dll (0) deinit 0" */
static bool lex_uninit_entry(lexctx *c, const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s != '(' || !isdigit((unsigned char)s[1]))
        return false;
    const char *b = strstr(s, ") [");
    if (!b)
        return false;
    b += 3;
    const char *e = strchr(b, ']');
    if (!e)
        return false;
    c->rec->msg = LDRSNAP_M_UNINIT_ENTRY;
    c->rec->dll = put(c, b, (size_t)(e - b));
    const char *p = e + 1;
    while (*p == ' ')
        p++;
    const char *q = strstr(p, " (");
    c->rec->dll_path = put(c, p, q ? (size_t)(q - p) : strlen(p));
    return true;
}

/* ---- debugger lines ---------------------------------------------------- */

static bool is_register_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && i < 4 && isalnum((unsigned char)s[i]))
        i++;
    return i >= 2 && i < n && s[i] == '=' && i + 1 < n &&
           is_hex((unsigned char)s[i + 1]) && isalpha((unsigned char)s[0]);
}

static bool is_prompt(const char *s, size_t n)
{
    size_t d = digit_run(s, n);
    if (!d || d >= n || s[d] != ':')
        return false;
    const char *g = memchr(s + d, '>', LS_MIN(n - d, 16));
    return g != NULL;
}

static bool exception_head(const char *s, size_t n, size_t *len)
{
    if (n < 6 || s[0] != '(')
        return false;
    size_t a = ldrsnap__hex_run(s + 1, n - 1);
    if (!a || 1 + a >= n || s[1 + a] != '.')
        return false;
    size_t b = ldrsnap__hex_run(s + 2 + a, n - 2 - a);
    size_t i = 2 + a + b;
    if (!b || i + 2 > n || s[i] != ')' || s[i + 1] != ':')
        return false;
    *len = i + 2;
    return true;
}

static bool debugger_start(const char *s, size_t n)
{
    size_t k;
    return (n >= 8 && memcmp(s, "ModLoad:", 8) == 0) ||
           exception_head(s, n, &k) || is_prompt(s, n) ||
           is_register_line(s, n) ||
           (n >= 30 && memcmp(s, "Microsoft (R) Windows Debugger", 30) == 0);
}

static bool lex_exception(lexctx *c, const char *s)
{
    ldrsnap_record *r = c->rec;
    size_t head;
    if (s[0] != '(' || !exception_head(s, strlen(s), &head))
        return false;
    const char *code = strstr(s + head - 1, " - code ");
    if (!code)
        return false;
    size_t a = ldrsnap__hex_run(s + 1, strlen(s + 1));
    ldrsnap__parse_hex32(s + 1, a, &r->pid);
    ldrsnap__parse_hex32(s + 2 + a, ldrsnap__hex_run(s + 2 + a, 8),
                         &r->tid);
    r->flags |= LDRSNAP_RF_PID | LDRSNAP_RF_TID;
    r->dialect = LDRSNAP_D_DEBUGGER;
    r->msg = LDRSNAP_M_EXCEPTION;
    const char *d = s + head;
    while (*d == ' ' && d < code)
        d++; /* "(1.2): - code 5": no description, an empty one */
    r->symbol = put(c, d, (size_t)(code - d));
    set_status(c, code + 8);
    if (strstr(code, "second chance"))
        r->flags |= LDRSNAP_RF_SECOND_CHANCE;
    return true;
}

/* WinDbg's usual 64-bit address, "hhhhhhhh`hhhhhhhh" then a space: its
 * value, or false for any other shape. */
static bool windbg_addr(const char *p, uint64_t *v)
{
    return p[8] == '`' && p[17] == ' ' && hex8_8(p, p + 9, v);
}

static void lex_modload(lexctx *c, const char *s)
{
    ldrsnap_record *r = c->rec;
    const char *p = s + 8;
    uint64_t v[2];
    for (int i = 0; i < 2; i++) {
        while (*p == ' ')
            p++;
        /* the string is terminated: p[8] and p[17] are read only while
         * the bytes before them are not NUL */
        if (strnlen(p, 18) == 18 && windbg_addr(p, &v[i])) {
            p += 17;
            continue;
        }
        const char *b = p;
        while (is_hex((unsigned char)*p) || *p == '`' || *p == '$')
            p++;
        if (!ldrsnap__parse_hex64(b, (size_t)(p - b), &v[i]))
            v[i] = 0;
    }
    while (*p == ' ')
        p++;
    r->dialect = LDRSNAP_D_DEBUGGER;
    r->msg = LDRSNAP_M_MODLOAD;
    r->base = v[0], r->end = v[1];
    if (v[0] || v[1])
        r->flags |= LDRSNAP_RF_BASE;
    r->dll_path = put_str(c, p);
    r->dll = put_str(c, ldrsnap__basename(p));
}

bool ldrsnap__lex_modload_usual(const char *s, size_t n, uint64_t *base,
                                uint64_t *end, size_t *path)
{
    if (n < 8 || memcmp(s, "ModLoad:", 8) != 0 || s[n - 1] == ' ' ||
        s[n - 1] == '\t')
        return false;
    const char *p = s + 8, *e = s + n;
    uint64_t v[2];
    for (int i = 0; i < 2; i++) {
        while (p < e && *p == ' ')
            p++;
        /* lex_modload()'s test, the line's end for its NUL */
        if (e - p < 18 || !windbg_addr(p, &v[i]))
            return false;
        p += 17;
    }
    while (p < e && *p == ' ')
        p++;
    *base = v[0];
    *end = v[1];
    *path = (size_t)(p - s);
    return true;
}

/* The first lit[0..k) in p[0..end), as strstr() finds it on the line
 * terminated at end; NULL when none. */
static inline const char *find_lit(const char *p, const char *end,
                                   const char *lit, size_t k)
{
    /* where its first two bytes are (k >= 2), then the rest */
    while (end - p >= (ptrdiff_t)k &&
           (p = ls_find_pair(p, (size_t)(end - p) - k + 2, lit[0],
                             lit[1])) != NULL) {
        size_t i = 2;
        while (i < k && p[i] == lit[i])
            i++;
        if (i == k)
            return p;
        p++;
    }
    return NULL;
}
#define FIND_LIT(p, end, lit) find_lit((p), (end), "" lit "", sizeof lit - 1)

/* XP's "[pid,tid]" prefix of the usual shape (a hex pair, then blanks):
 * the pair use_prefix() reads there. */
static LS_ALWAYS_INLINE unsigned prefix_ids(const char *pre, size_t n,
                                            size_t len, uint32_t *pid,
                                            uint32_t *tid, size_t *image);
static inline bool debug_string(const char *pre, size_t n);

bool ldrsnap__lex_xp_usual(const char *s, size_t n, size_t pos,
                           ls_xp_line *out)
{
    const char *end = s + n, *m, *v;
    if (n < pos + 6 || s[n - 1] == ' ' || s[n - 1] == '\t')
        return false;
    /* the prefix, as use_prefix() reads it (not DebugView's quote, which
     * it cuts off the record) */
    if (pos > UINT16_MAX || (pos && debug_string(s, pos)))
        return false;
    out->pid = out->tid = 0;
    out->image = 0;
    out->flags =
        pos ? prefix_ids(s, pos, n, &out->pid, &out->tid, &out->image) : 0;
    for (m = s + pos + 4; m < end && *m == ' '; m++)
        ;
    if (m == end)
        return false;
    out->msg = (size_t)(m - s);
    out->address = 0;
    out->dll = out->parent = SIZE_MAX;
    out->dll_len = out->parent_len = 0;
#define XP_STR(f, b, e)                                                       \
    (out->f = (size_t)((b) - s), out->f##_len = (size_t)((e) - (b)))
    /* lex_xp()'s tests in its order: xp_failures() (the "fail" ones
     * excluded by the caller), xp_lists(), xp_binding(); the words below
     * are told apart by their first bytes, and no other word of those
     * tests begins as they do */
    if ((v = after_e(m, end, "Loading (", 9)) != NULL) {
        out->kind = LDRSNAP_M_LOADING_DLL;
        const char *e = FIND_LIT(v, end, ") ");
        if (e)
            XP_STR(dll, e + 2, end);
        return true;
    }
    if ((v = after_e(m, end, "Snapping imports for ", 21)) != NULL) {
        out->kind = LDRSNAP_M_SNAPPING;
        const char *rest = FIND_LIT(v, end, " from ");
        XP_STR(parent, v, rest ? rest : end);
        if (rest)
            XP_STR(dll, rest + 6, end);
        return true;
    }
    if ((v = after_e(m, end, "Derefcount ", 11)) != NULL ||
        (v = after_e(m, end, "Refcount ", 9)) != NULL) {
        /* xp_name_count() */
        out->kind = LDRSNAP_M_REFCOUNT;
        const char *rest = FIND_LIT(v, end, " (");
        XP_STR(dll, v, rest ? rest : end);
        if (rest) {
            rest += 2;
            size_t d = digit_run(rest, (size_t)(end - rest));
            uint64_t k = 0;
            for (size_t i = 0; i < d; i++)
                k = k * 10 + (uint64_t)(rest[i] - '0');
            if (d) {
                out->address = k;
                out->flags |= LDRSNAP_RF_ADDRESS;
            }
        }
        return true;
    }
    /* the rest of xp_binding(), on a message whose first word holds a
     * '.' (a DLL's name): no word lex_xp() tests at the start of a
     * message has one, so none of those tests takes it */
    const char *sp = ls_find_byte(m, (size_t)(end - m), ' ');
    if (!sp || !memchr(m, '.', (size_t)(sp - m)) ||
        FIND_LIT(m, end, "WARNING: Hint index"))
        return false;
    if ((v = FIND_LIT(sp, end, " loaded - Calling init routine at ")) !=
        NULL) {
        out->kind = LDRSNAP_M_CALLING_INIT;
        XP_STR(dll, m, v);
        v += 34;
        if (ldrsnap__parse_hex64(v, ldrsnap__hex_run(v, (size_t)(end - v)),
                                 &out->address))
            out->flags |= LDRSNAP_RF_ADDRESS;
        return true;
    }
    if ((v = FIND_LIT(sp, end, " used by ")) != NULL) {
        out->kind = LDRSNAP_M_USED_BY;
        XP_STR(dll, m, v);
        XP_STR(parent, v + 9, end);
        return true;
    }
    const char *to = (v = FIND_LIT(sp, end, " binding to ")) ? v + 12
                     : (v = FIND_LIT(sp, end, " bound to "))  ? v + 10
                                                              : NULL;
    if (!to)
        return false;
    out->kind = LDRSNAP_M_BINDING;
    XP_STR(parent, m, sp);
    XP_STR(dll, to, end);
    return true;
#undef XP_STR
}

/* May a record after the prefix s[0..pos) go as a compact INFO or init
 * item?  (LS_ITEM_PREFIX_MAX.) */
static inline bool item_prefix(const char *s, size_t pos)
{
    return pos <= LS_ITEM_PREFIX_MAX &&
           !(pos >= 14 && memcmp(s, "DebugString: \"", 14) == 0);
}

/* Exactly eight hex digits at v, not a ninth after them in v[0..end): their
 * value, the answer of the loops below on the usual status at once (a
 * word, not a digit at a time). */
static inline bool eight_hex(const char *v, const char *end, uint64_t *out)
{
    uint32_t x;
    if (end - v < 8 || !hex8(v, &x) ||
        (end - v > 8 && hexv1((unsigned char)v[8])))
        return false;
    *out = x;
    return true;
}

/* set_status() on v[0..end): "0x" and up to 8 hex digits; false when a
 * run of fewer than 8 ends the line (a cut record: the general way). */
static inline bool usual_status(const char *v, const char *end,
                                ls_info_line *out)
{
    if (end - v >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
        v += 2;
    if (eight_hex(v, end, &out->number)) {
        out->flags = LDRSNAP_RF_STATUS;
        return true;
    }
    uint32_t x = 0;
    size_t k = 0;
    unsigned d;
    while (k < 9 && v + k < end && (d = hexv1((unsigned char)v[k])) != 0)
        x = (x << 4) | (d - 1), k++;
    if (k >= 1 && k <= 8) {
        if (k < 8 && v + k == end)
            return false;
        out->number = x;
        out->flags = LDRSNAP_RF_STATUS;
    }
    return true;
}

/* An ERROR record's message m[0..end) of the usual shapes, as
 * vista_error() reads it (INFO_STR's names for what it cuts out: the
 * parent of "Unable to load DLL" in dll_path); false: the general way
 * (another message, or one vista_error() would mark cut). */
static bool error_usual(const char *s, const char *m, const char *end,
                        ls_info_line *out)
{
    const char *v, *q;
    if ((v = after_e(m, end, "Unable to load DLL: ", 20)) != NULL) {
        /* vista_unable() on quoted names, "Parent Module: " there */
        if (v == end || *v != '"' ||
            !(q = ls_find_byte(v + 1, (size_t)(end - v - 1), '"')))
            return false;
        out->kind = LDRSNAP_M_UNABLE_TO_LOAD;
        out->dll = (size_t)(v + 1 - s), out->dll_len = (size_t)(q - v - 1);
        v = q + 1;
        const char *p = FIND_LIT(v, end, "Parent Module: ");
        if (!p)
            return false;
        p += 15;
        if (p < end && *p == '"') {
            if (!(q = ls_find_byte(p + 1, (size_t)(end - p - 1), '"')))
                return false;
            if (!(q - p - 1 == 6 && memcmp(p + 1, "(null)", 6) == 0))
                out->dll_path = (size_t)(p + 1 - s),
                out->dll_path_len = (size_t)(q - p - 1);
        }
        p = FIND_LIT(v, end, "Status: ");
        return !p || usual_status(p + 8, end, out);
    }
    if (after_e(m, end, "Walking the import tables", 25))
        out->kind = LDRSNAP_M_IMPORTS_FAILED;
    else if (after_e(m, end, "Failed to open \\KnownDlls", 25))
        out->kind = LDRSNAP_M_KNOWNDLLS_FAILED;
    else if (after_e(m, end, "Process initialization failed", 29) ||
             after_e(m, end, "Running the init routines", 25))
        out->kind = LDRSNAP_M_PROCESS_INIT_FAILED;
    else
        return false;
    /* find_status(): after the last "tatus" (no two overlap: the last one
     * from the end), "returned " when there is none (the general way) */
    const char *hit = NULL;
    for (size_t i = (size_t)(end - m); i >= 5 && !hit; i--)
        if (m[i - 5] == 't' && memcmp(m + i - 5, "tatus", 5) == 0)
            hit = m + i;
    if (!hit)
        return false;
    while (hit < end && (*hit == ' ' || *hit == ':' || *hit == '='))
        hit++;
    if (hit < end && *hit == 's' &&
        !(end - hit >= 6 && memcmp(hit, "status", 6) == 0))
        return false; /* cut short */
    return usual_status(hit, end, out);
}

bool ldrsnap__lex_info_usual(const char *s, size_t n, const ls_start *st,
                             bool errors, ls_info_line *out)
{
    const char *end = s + n, *v;
    size_t h = st->pos + st->head; /* the function's name */
    if ((st->pos && !item_prefix(s, st->pos)) || !st->head ||
        st->dialect != LDRSNAP_D_VISTA || n > 16384 || n < h + 12 ||
        s[n - 1] == ' ' || s[n - 1] == '\t')
        return false;
    /* vista_body() on the usual spacing: the name, " - INFO:" (or
     * " - ERROR:"), blanks */
    const char *f = s + h;
    const char *sep = ls_find_byte(f, (size_t)(end - f), ' ');
    if (!sep || end - sep < 9 || sep[1] != '-' || sep[2] != ' ')
        return false;
    bool error = false;
    if (memcmp(sep + 3, "INFO:", 5) != 0) {
        if (!errors || end - sep < 10 || memcmp(sep + 3, "ERROR:", 6) != 0)
            return false;
        error = true;
    }
    if (ls_has_byte(s + h, n - h, '@'))
        return false;
    const char *m = sep + 8 + error;
    while (m < end && *m == ' ')
        m++;
    if (m == end)
        return false;
    out->sep = (size_t)(sep - s);
    out->msg = (size_t)(m - s);
    out->dll = out->dll_path = out->search = SIZE_MAX;
    out->dll_len = out->dll_path_len = out->search_len = 0;
    out->number = 0;
    out->flags = 0;
    if (error)
        return error_usual(s, m, end, out);
#define INFO_STR(f, b, e)                                                     \
    (out->f = (size_t)((b) - s), out->f##_len = (size_t)((e) - (b)))
    /* vista_info()'s tests in its order, told apart by their first bytes
     * (the words it tests that are not here begin otherwise) */
    if ((v = after_e(m, end, "Beginning execution of ", 23)) != NULL) {
        out->kind = LDRSNAP_M_BEGIN_EXEC;
        const char *rest = FIND_LIT(v, end, " (");
        INFO_STR(dll, v, rest ? rest : end);
        if (rest) {
            rest += 2;
            const char *e = end;
            while (e > rest && e[-1] != ')')
                e--; /* strrchr() */
            INFO_STR(dll_path, rest, e > rest ? e - 1 : end);
        }
        return true;
    }
    if ((v = after_e(m, end, "DLL ", 4)) != NULL) {
        /* an API set's redirection, else not one of ours ("DLL search
         * path computed: " and the like come after it in vista_info());
         * " was redirected to " looked for first, then " by API set"
         * after it: the line read once (from v only when there is none
         * after it) */
        const char *rest = FIND_LIT(v, end, " was redirected to ");
        const char *by = rest ? FIND_LIT(rest + 19, end, " by API set") : NULL;
        if (!by && !FIND_LIT(v, end, " by API set"))
            return false;
        out->kind = LDRSNAP_M_APISET;
        INFO_STR(dll, v, rest ? rest : end);
        if (rest)
            INFO_STR(dll_path, rest + 19, by ? by : end);
        return true;
    }
    bool loading = (v = after_e(m, end, "Loading DLL ", 12)) != NULL;
    if (!loading && !(v = after_e(m, end, "Mapped DLL ", 11)) &&
        !(v = after_e(m, end, "Original status: ", 17)))
        return false;
    /* these three come after vista_info()'s search for "Detour detected"
     * anywhere in the message: after their words (in which none begins:
     * no "De" in them) */
    if (FIND_LIT(v, end, "Detour detected"))
        return false;
    if (loading) {
        out->kind = LDRSNAP_M_LOADING_DLL;
        if (v == end || *v != '"') {
            INFO_STR(dll, v, end);
            return true;
        }
        const char *q = ls_find_byte(v + 1, (size_t)(end - v - 1), '"');
        if (!q) /* cut: the general way */
            return false;
        INFO_STR(dll, v + 1, q);
        const char *fp = FIND_LIT(q + 1, end, "from path ");
        if (!fp)
            return true;
        fp += 10;
        if (fp == end || *fp != '"') {
            INFO_STR(search, fp, end);
            return true;
        }
        q = ls_find_byte(fp + 1, (size_t)(end - fp - 1), '"');
        if (!q)
            return false;
        INFO_STR(search, fp + 1, q);
        return true;
    }
    if (m[0] == 'M') { /* "Mapped DLL " */
        out->kind = LDRSNAP_M_MAPPED_DLL;
        if (v < end && *v == '"') {
            const char *q = ls_find_byte(v + 1, (size_t)(end - v - 1), '"');
            if (!q)
                return false;
            INFO_STR(dll, v + 1, q);
            v = q + 1;
        } else {
            const char *sp = ls_find_byte(v, (size_t)(end - v), ' ');
            INFO_STR(dll, v, sp ? sp : end);
            v = sp ? sp : end;
        }
        const char *a = FIND_LIT(v, end, "at address ");
        if (a) {
            a += 11;
            if (end - a >= 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X'))
                a += 2;
            if (ldrsnap__parse_hex64(a, ldrsnap__hex_run(a, (size_t)(end - a)),
                                     &out->number))
                out->flags = LDRSNAP_RF_BASE;
        }
        return true;
    }
    /* "Original status: ": set_status() */
    out->kind = LDRSNAP_M_ORIGINAL_STATUS;
    if (end - v >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
        v += 2;
    if (eight_hex(v, end, &out->number)) {
        out->flags = LDRSNAP_RF_STATUS;
        return true;
    }
    uint32_t x = 0;
    size_t k = 0;
    unsigned d;
    while (k < 9 && v + k < end && (d = hexv1((unsigned char)v[k])) != 0)
        x = (x << 4) | (d - 1), k++;
    if (k >= 1 && k <= 8) {
        if (k < 8 && v + k == end)
            return false; /* cut short: the general way */
        out->number = x;
        out->flags = LDRSNAP_RF_STATUS;
    }
    return true;
#undef INFO_STR
}

static bool lex_debugger(lexctx *c, const char *s, size_t n)
{
    ldrsnap_record *r = c->rec;
    if (s[0] == ' ' || s[0] == '\t') {
        /* a blank first (an indented continuation): no word below begins
         * so, nor a prompt's digit, a register's letter, an exception's
         * '(': only a symbol's line ("\tntdll!X:") is one of ours */
        if (n > 2 && s[n - 1] == ':' && strchr(s, '!') && !strchr(s, ' ')) {
            r->dialect = LDRSNAP_D_DEBUGGER;
            r->msg = LDRSNAP_M_REGISTERS;
            return true;
        }
        return false;
    }
    if (n >= 8 && memcmp(s, "ModLoad:", 8) == 0) {
        lex_modload(c, s);
        return true;
    }
    if (lex_exception(c, s))
        return true;
    if (is_prompt(s, n)) {
        r->dialect = LDRSNAP_D_DEBUGGER;
        r->msg = LDRSNAP_M_PROMPT;
        const char *g = strchr(s, '>');
        r->symbol = put_str(c, g[1] == ' ' ? g + 2 : g + 1);
        return true;
    }
    if (is_register_line(s, n) ||
        (n > 2 && s[n - 1] == ':' && strchr(s, '!') && !strchr(s, ' '))) {
        r->dialect = LDRSNAP_D_DEBUGGER;
        r->msg = LDRSNAP_M_REGISTERS;
        return true;
    }
    if (n >= 12 && memcmp(s, "CommandLine:", 12) == 0) {
        r->dialect = LDRSNAP_D_DEBUGGER;
        r->msg = LDRSNAP_M_COMMAND_LINE;
        const char *v = s + 12;
        while (*v == ' ')
            v++;
        r->symbol = put_str(c, v);
        return true;
    }
    static const char *const banner[] = {
        "Microsoft (R) Windows Debugger", "Copyright (c) Microsoft",
        "Symbol search path is:",
        "Executable search path is:", "************* "};
    for (size_t i = 0; i < sizeof banner / sizeof banner[0]; i++) {
        if (s[0] == banner[i][0] &&
            strncmp(s, banner[i], strlen(banner[i])) == 0) {
            r->dialect = LDRSNAP_D_DEBUGGER;
            r->msg = LDRSNAP_M_BANNER;
            return true;
        }
    }
    return false;
}

/* ---- IDE (Visual Studio output window) --------------------------------- */

/* Quote pairs VS uses: 'x' (en), "x" (de), “x” (zh). */
static const char *const open_q[] = {"'", "\"", "\xE2\x80\x9C"};
static const char *const close_q[] = {"'", "\"", "\xE2\x80\x9D"};

/* Parse the image name of "'x.exe' (Win32): ": returns the text after it,
 * or NULL.  *qi receives the quote style. */
static const char *ide_head(lexctx *c, const char *s, int *qi)
{
    for (int i = 0; i < 3; i++) {
        size_t k = strlen(open_q[i]);
        if (s[0] != open_q[i][0] || strncmp(s, open_q[i], k) != 0)
            continue;
        const char *e = strstr(s + k, close_q[i]);
        if (!e)
            return NULL;
        const char *p = e + strlen(close_q[i]);
        while (*p == ' ')
            p++;
        if (*p != '(')
            return NULL;
        const char *q = strstr(p, "): ");
        if (!q)
            return NULL;
        if (c)
            c->rec->image = put(c, s + k, (size_t)(e - s - k));
        *qi = i;
        return q + 3;
    }
    return NULL;
}

static bool ide_start(const char *s, size_t n)
{
    int qi;
    LS_UNUSED(n);
    return ide_head(NULL, s, &qi) != NULL || after(s, "The thread ") != NULL ||
           after(s, "The program ") != NULL ||
           after(s, "Der Thread ") != NULL ||
           after(s, "Das Programm ") != NULL;
}

static void ide_path(lexctx *c, const char *v, int qi)
{
    ldrsnap_record *r = c->rec;
    size_t k = strlen(open_q[qi]);
    if (strncmp(v, open_q[qi], k) != 0)
        return;
    const char *e = strstr(v + k, close_q[qi]);
    size_t len = e ? (size_t)(e - v - k) : strlen(v + k);
    r->dll_path = put(c, v + k, len);
    r->dll = put_str(c, ldrsnap__basename(r->dll_path));
}

static bool lex_ide_module(lexctx *c, const char *s)
{
    ldrsnap_record *r = c->rec;
    int qi;
    const char *v = ide_head(c, s, &qi);
    if (!v)
        return false;
    r->dialect = LDRSNAP_D_IDE;
    const char *w;
    if ((w = after(v, "Loaded ")) != NULL ||
        (w = after(v, "\xE5\xB7\xB2\xE5\x8A\xA0\xE8\xBD\xBD")) != NULL) {
        r->msg = LDRSNAP_M_IDE_LOADED; /* en / zh 已加载 */
        ide_path(c, w, qi);
    } else if ((w = after(v, "Unloaded ")) != NULL ||
               (w = after(v, "\xE5\xB7\xB2\xE5\x8D\xB8\xE8\xBD\xBD")) != NULL) {
        r->msg = LDRSNAP_M_IDE_UNLOADED; /* en / zh 已卸载 */
        ide_path(c, w, qi);
    } else if (strstr(v, " geladen")) {
        r->msg = LDRSNAP_M_IDE_LOADED;
        ide_path(c, v, qi);
    } else if (strstr(v, " entladen")) {
        r->msg = LDRSNAP_M_IDE_UNLOADED;
        ide_path(c, v, qi);
    }
    return true;
}

/* The last "(0x" of from[0..end), or NULL: where a search from `from`
 * for one after another ends ("(0x" cannot overlap itself), looked for
 * from the end (the exit code ends the line). */
static const char *last_open_hex(const char *from, const char *end)
{
    for (size_t k = (size_t)(end - from); k >= 3; k--)
        if (from[k - 3] == '(' && from[k - 2] == '0' && from[k - 1] == 'x')
            return from + k - 3;
    return NULL;
}

/* The exit code "(0x...)" after the decimal code: the last "(0x" (hit, or
 * NULL) of the line that ends at end. */
static void ide_exit_code(lexctx *c, const char *hit, const char *end)
{
    if (hit) {
        hit += 3;
        size_t k = ldrsnap__hex_run(hit, (size_t)(end - hit));
        if (k && ldrsnap__parse_hex32(hit, k, &c->rec->status))
            c->rec->flags |= LDRSNAP_RF_STATUS;
    }
}

/* s[0..n), n its NUL (the lexer's line, or its end after a lead). */
static bool lex_ide_exit(lexctx *c, const char *s, size_t n)
{
    const char *end = s + n, *last;
    ldrsnap_record *r = c->rec;
    const char *v;
    if ((v = after(s, "The thread ")) != NULL ||
        (v = after(s, "Der Thread ")) != NULL ||
        (v = after(s, "\xE7\xBA\xBF\xE7\xA8\x8B ")) != NULL) { /* 线程 */
        const char *x = strstr(v, "0x");
        if (!x || !(last = last_open_hex(v, end)))
            return false;
        r->dialect = LDRSNAP_D_IDE;
        r->msg = LDRSNAP_M_IDE_THREAD_EXIT;
        x += 2;
        if (ldrsnap__parse_hex32(x, ldrsnap__hex_run(x, 8), &r->tid))
            r->flags |= LDRSNAP_RF_TID;
        ide_exit_code(c, last >= x ? last : NULL, end);
        return true;
    }
    if ((v = after(s, "The program ")) != NULL ||
        (v = after(s, "Das Programm ")) != NULL ||
        (v = after(s, "\xE7\xA8\x8B\xE5\xBA\x8F")) != NULL) { /* 程序 */
        const char *b = strchr(v, '[');
        if (!b || !strchr(b, ']') || !(last = last_open_hex(b, end)))
            return false;
        r->dialect = LDRSNAP_D_IDE;
        r->msg = LDRSNAP_M_IDE_PROGRAM_EXIT;
        uint64_t pid = 0;
        size_t d = digit_run(b + 1, 12);
        for (size_t i = 0; i < d; i++)
            pid = pid * 10 + (uint64_t)(b[1 + i] - '0');
        if (d && pid <= UINT32_MAX) {
            r->pid = (uint32_t)pid;
            r->flags |= LDRSNAP_RF_PID;
        }
        const char *e = strchr(b, ']') + 1;
        while (*e == ' ')
            e++;
        size_t k = strcspn(e, "'\"\xE2");
        r->image = put(c, e, k);
        ide_exit_code(c, last >= e ? last : NULL, end);
        const char *t = strrchr(s, ')');
        if (t && (t = strchr(t, '\'')) != NULL && strrchr(t + 1, '\'')) {
            const char *te = strrchr(t + 1, '\'');
            if (te > t + 1)
                r->symbol = put(c, t + 1, (size_t)(te - t - 1));
        }
        return true;
    }
    return false;
}

/* mk: ls_lex_marks() of the line s is in (a part of it: its marks' bits
 * are set when its own would be). */
static bool lex_ide(lexctx *c, const char *s, size_t n, unsigned mk)
{
    static const char *const bp[] = {
        " has triggered a breakpoint", " hat einen Haltepunkt ausgel",
        "\xE5\xB7\xB2\xE8\xA7\xA6\xE5\x8F\x91\xE4\xBA\x86\xE4\xB8\x80"
        "\xE4\xB8\xAA\xE6\x96\xAD\xE7\x82\xB9"}; /* 已触发了一个断点 */
    /* a module's line begins with its quote ('\'', '"', U+201C), an exit's
     * with "The", "Der", "Das" or 线程, 程序 */
    unsigned char f = (unsigned char)s[0];
    if ((f == '\'' || f == '"' || f == 0xE2 || f == 'T' || f == 'D' ||
         f == 0xE7) &&
        (lex_ide_module(c, s) || lex_ide_exit(c, s, n)))
        return true;
    if (!(mk & (LS_MK_SP_H | LS_MK_E5)))
        return false; /* neither a " h" nor the Chinese one's first byte */
    /* where each could start first: the English and German ones at a
     * " ha", the Chinese one at its first byte (most lines hold neither:
     * two searches, not three) */
    const char *from[] = {mk & LS_MK_SP_H ? strstr(s, " ha") : NULL, NULL,
                          mk & LS_MK_E5 ? strchr(s, bp[2][0]) : NULL};
    from[1] = from[0];
    for (size_t i = 0; i < sizeof bp / sizeof bp[0]; i++) {
        const char *h = from[i] ? strstr(from[i], bp[i]) : NULL;
        if (h && (size_t)(h - s) < n) {
            c->rec->dialect = LDRSNAP_D_IDE;
            c->rec->msg = LDRSNAP_M_IDE_BREAKPOINT;
            c->rec->image = put(c, s, (size_t)(h - s));
            return true;
        }
    }
    return false;
}

/* ---- editorial lines --------------------------------------------------- */

static bool lex_editorial(lexctx *c, const char *s, size_t n)
{
    ldrsnap_record *r = c->rec;
    const char *t = s;
    while (*t == ' ' || *t == '\t')
        t++;
    /* the first byte before each call */
    if ((t[0] == '.' && strncmp(t, "...", 3) == 0) ||
        (t[0] == '\xE2' && strncmp(t, "\xE2\x80\xA6", 3) == 0) ||
        (t[0] == '[' &&
         (strncmp(t, "[SNIP]", 6) == 0 || strncmp(t, "[snip]", 6) == 0))) {
        r->msg = LDRSNAP_M_ELISION;
        return true;
    }
    static const char *const tools[] = {"cdb", "ntsd", "windbg", "grep",
                                        "findstr", "ShowLoaderSnaps",
                                        "gflags"};
    bool shell = (n > 2 && (s[0] == '$' || s[0] == '>') && s[1] == ' ') ||
                 (n > 3 && isalpha((unsigned char)s[0]) && s[1] == ':' &&
                  (s[2] == '>' || s[2] == '\\'));
    if (!shell)
        return false;
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        if (strstr(s, tools[i])) {
            r->msg = LDRSNAP_M_SHELL_COMMAND;
            return true;
        }
    }
    return false;
}

/* ---- the line ------------------------------------------------------------ */

/* n (at most 9) decimal digits. */
static uint32_t decimal_u32(const char *s, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint32_t)(s[i] - '0');
    return v;
}

/* "app(1234): " (KDE's VSD): the length of the image's name, 0 when the
 * prefix does not end so. */
static size_t paren_image(const char *pre, size_t n)
{
    if (n < 4 || pre[n - 1] != ' ' || pre[n - 2] != ':' || pre[n - 3] != ')')
        return 0;
    const char *o = memchr(pre, '(', n);
    return o && o > pre ? (size_t)(o - pre) : 0;
}

/* Does the prefix hold XP's "[pid,tid]" (hex), which use_prefix() takes
 * before anything else? */
static bool hex_pair(const char *pre, size_t n)
{
    uint32_t a, b;
    for (const char *o = memchr(pre, '[', n); o;
         o = memchr(o + 1, '[', n - (size_t)(o + 1 - pre))) {
        size_t left = n - (size_t)(o - pre);
        const char *comma = memchr(o, ',', left);
        const char *e = memchr(o, ']', left);
        if (!e)
            return false;
        if (comma && comma < e &&
            ldrsnap__parse_hex32(o + 1, (size_t)(comma - o - 1), &a) &&
            ldrsnap__parse_hex32(comma + 1, (size_t)(e - comma - 1), &b))
            return true;
    }
    return false;
}

size_t ldrsnap__lex_prefix_image(const char *pre, size_t n)
{
    /* paren_image() first: it looks at the prefix's last bytes before it
     * searches (DebugView's "[pid] " ends otherwise) */
    size_t img = paren_image(pre, n);
    return img && !hex_pair(pre, n) ? img : 0;
}

/* What the prefix pre[0..n) of a line of len bytes says of its record:
 * [pid,tid], "[pid]", "app(pid): ".  Returns the record's flags for it
 * (LDRSNAP_RF_PID, _TID); *pid and *tid are written as the record's (the
 * first of a pair even when the second is no number), *image is the
 * length of the image's name it gives (0: none). */
static LS_ALWAYS_INLINE unsigned prefix_ids(const char *pre, size_t n,
                                            size_t len, uint32_t *pid,
                                            uint32_t *tid, size_t *image)
{
    *image = 0;
    /* where its '[' and '(' are, in one look at the line's first 32
     * bytes when it fits them (each a bit; all set: not looked) */
    uint64_t brk = ~0ull, open = ~0ull;
#if LS_SSE2
    if (len >= 32 && n <= 32) {
        uint64_t in = ((uint64_t)1 << n) - 1;
        brk = ls_byte_bits64(pre, 32, '[') & in;
        open = ls_byte_bits64(pre, 32, '(') & in;
    }
#else
    LS_UNUSED(len);
#endif
    /* XP's "[pid,tid]" (hex); else DebugView's "[pid]" (decimal) */
    bool decimal = false;
    uint32_t dpid = 0;
    for (const char *b = brk ? memchr(pre, '[', n) : NULL; b;
         b = memchr(b + 1, '[', n - (size_t)(b + 1 - pre))) {
        size_t left = n - (size_t)(b - pre);
        const char *comma = memchr(b, ',', left);
        const char *e = memchr(b, ']', left);
        if (!e)
            break;
        if (comma && comma < e &&
            ldrsnap__parse_hex32(b + 1, (size_t)(comma - b - 1), pid) &&
            ldrsnap__parse_hex32(comma + 1, (size_t)(e - comma - 1), tid))
            return LDRSNAP_RF_PID | LDRSNAP_RF_TID;
        if (e > b + 1 && e - b - 1 <= 9 &&
            digit_run(b + 1, (size_t)(e - b - 1)) == (size_t)(e - b - 1)) {
            decimal = true;
            dpid = decimal_u32(b + 1, (size_t)(e - b - 1));
        }
    }
    /* paren_image(), its '(' known when looked for above */
    size_t img = open == ~0ull ? paren_image(pre, n)
                 : n < 4 || pre[n - 1] != ' ' || pre[n - 2] != ':' ||
                         pre[n - 3] != ')' || !(open & ~1ull) || (open & 1)
                     ? 0
                     : (size_t)ls_ctz64(open);
    if (img) {
        /* "app(1234): " (KDE's VSD): the image and its decimal pid */
        const char *o = pre + img;
        *image = img;
        size_t k = (size_t)(pre + n - 3 - o - 1);
        if (pre + n - 3 > o + 1 && k <= 9 && digit_run(o + 1, k) == k) {
            decimal = true;
            dpid = decimal_u32(o + 1, k);
        }
    }
    if (!decimal)
        return 0;
    *pid = dpid;
    return LDRSNAP_RF_PID;
}

/* Is the prefix pre[0..n) DebugView's 'DebugString: "', whose record
 * ends in the closing quote use_prefix() cuts off? */
static inline bool debug_string(const char *pre, size_t n)
{
    return n >= 13 && pre[0] == 'D' && strncmp(pre, "DebugString: \"", 14) == 0;
}

/* Interpret the prefix: [pid,tid], app(pid):, DebugString: ".  The line
 * it begins has len bytes. */
static void use_prefix(lexctx *c, const char *pre, size_t n, char *text,
                       size_t len)
{
    ldrsnap_record *r = c->rec;
    if (!n) { /* most records: no prefix, nothing to read in it */
        r->prefix = "";
        return;
    }
    r->prefix = put(c, pre, n);
    if (debug_string(pre, n)) {
        size_t k = strlen(text);
        if (k && text[k - 1] == '"')
            text[k - 1] = '\0';
    }
    size_t img;
    r->flags |= prefix_ids(pre, n, len, &r->pid, &r->tid, &img);
    if (img)
        r->image = put(c, pre, img);
}

static void trim_right(char *s, size_t *n)
{
    while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
        s[--*n] = '\0';
}

const ls_start ldrsnap__no_start = {0, LDRSNAP_D_OTHER, 0, 0, 0, 0,
                                    LDRSNAP_L_NONE, 0, 0, 0};

static void lex_record(lexctx *c, char *s, size_t n, ldrsnap_dialect prev,
                       const ls_start *known)
{
    ldrsnap_record *r = c->rec;
    ls_start found;
    /* the start by pointer, not copied: a struct copy reads back, as
     * vectors, what was just stored field by field, and such loads wait
     * for the stores (store-to-load forwarding fails) */
    const ls_start *st = known == &ldrsnap__no_start ? NULL : known;
    if (st || (!known && ldrsnap__lex_find_start(s, n, &found) &&
               (st = &found))) {
        char *body = s + st->pos;
        use_prefix(c, s, st->pos, body, n);
        r->text = body;
        r->dialect = st->dialect;
        if (st->dialect == LDRSNAP_D_VISTA)
            lex_vista(c, body, st);
        else
            lex_xp(c, body);
        return;
    }
    r->prefix = "";
    r->text = s;
    /* which of the searches below can find anything: one pass */
    unsigned mk = ls_lex_marks(s, n);
    if (lex_debugger(c, s, n) || lex_ide(c, s, n, mk))
        return;
    size_t cm = comment_lead(s, n);
    if (cm &&
        (lex_debugger(c, s + cm, n - cm) || lex_ide(c, s + cm, n - cm, mk))) {
        r->prefix = put(c, s, cm); /* quoted in a code comment */
        r->text = s + cm;
        return;
    }
    cm = column_lead(s, n);
    if (cm &&
        (lex_debugger(c, s + cm, n - cm) || lex_ide(c, s + cm, n - cm, mk))) {
        r->prefix = put(c, s, cm); /* behind a viewer's columns */
        r->text = s + cm;
        return;
    }
    if (s[0] == '[') { /* XP "[pid,tid]   detail" */
        char *e = strchr(s, ']');
        if (e) {
            char *m = e + 1;
            while (*m == ' ')
                m++;
            if (lex_xp_detail(c, m)) {
                r->dialect = LDRSNAP_D_XP;
                use_prefix(c, s, (size_t)(m - s), m, n);
                r->text = m;
                return;
            }
        }
    }
    if (lex_uninit_entry(c, s)) {
        r->dialect = LDRSNAP_D_XP;
        return;
    }
    char *bare = mk & LS_MK_LD ? bare_vista(s) : NULL;
    if (bare) {
        use_prefix(c, s, (size_t)(bare - s), bare, n);
        r->text = bare;
        r->dialect = LDRSNAP_D_VISTA;
        r->flags |= LDRSNAP_RF_CUT;
        vista_body(c, bare);
        return;
    }
    if ((mk & LS_MK_QC) && lex_fragment(c, s)) {
        r->dialect = LDRSNAP_D_VISTA;
        return;
    }
    r->dialect = LDRSNAP_D_OTHER;
    if (lex_editorial(c, s, n))
        return;
    if ((s[0] == '\t' || after(s, "    ") != NULL) &&
        (prev == LDRSNAP_D_VISTA || prev == LDRSNAP_D_XP ||
         prev == LDRSNAP_D_CONTINUATION))
        r->dialect = LDRSNAP_D_CONTINUATION;
}


bool ldrsnap__lex_init_usual(const char *s, size_t n, const ls_start *st,
                             ls_init_line *out)
{
    /* what vista_body() and vista_info() find, on the usual spacing */
    if (!st->head || (st->pos && !item_prefix(s, st->pos)) ||
        st->pos + st->head >= n)
        return false;
    const char *f = s + st->pos + st->head, *end = s + n;
    const char *sep = first_space(f, (size_t)(end - f));
    if (!sep || end - sep < 60 || sep[1] != '-' || sep[2] != ' ' ||
        memcmp(sep + 3, "INFO:", 5) != 0)
        return false;
    const char *m = sep + 8;
    while (m < end && *m == ' ')
        m++;
    const char *v = m + 21;
    if (end - m < 21 + 16 + 10 + 1 ||
        memcmp(m, "Calling init routine ", 21) != 0 ||
        memcmp(v + 16, " for DLL \"", 10) != 0 ||
        !hex8_8(v, v + 8, &out->address)) /* usual_init_address() */
        return false;
    /* the name, quoted to the end of the line (put_quoted() stops at the
     * first quote) */
    const char *b = v + 26;
    if (end[-1] != '"' || end - 1 < b || memchr(b, '"', (size_t)(end - 1 - b)))
        return false;
    out->sep = (size_t)(sep - s);
    out->msg = (size_t)(m - s);
    out->dll = (size_t)(b - s);
    out->dll_len = (size_t)(end - 1 - b);
    return true;
}

bool ldrsnap__lex_plain(const char *s, size_t n, ls_start *st)
{
    st->plain = LDRSNAP_L_NONE;
    if (st->pos || st->dialect != LDRSNAP_D_VISTA || !st->head || !n)
        return false;
    return plain_after_head(s, n, st);
}

bool ldrsnap__lex_plain_after(const char *s, size_t n, ls_start *st)
{
    st->plain = LDRSNAP_L_NONE;
    size_t pos = st->pos;
    /* not after "DebugString: \"", whose closing quote use_prefix() cuts
     * off the line */
    if (!pos || st->dialect != LDRSNAP_D_VISTA || !st->head ||
        pos + st->head >= n ||
        (pos >= 14 && memcmp(s, "DebugString: \"", 14) == 0))
        return false;
    if (!plain_after_head(s + pos, n - pos, st)) {
        st->plain = LDRSNAP_L_NONE;
        st->sep = 0;
        return false;
    }
    st->sep += pos, st->msg += pos; /* in the line */
    return true;
}

bool ldrsnap__lex_plain_line(const char *s, size_t n, ls_start *st)
{
    return ls_lex_plain_line(s, n, st);
}

bool ldrsnap__lex_plain_other(const char *s, size_t n, ls_start *st)
{
    /* a head of another width (a tick of 9 or 10 digits, after a day of
     * uptime): found as ldrsnap__lex_find_start() finds it at 0 */
    vhead h;
    return vista_fill(st, head_general(s, n, &h), &h) &&
           plain_after_head(s, n, st);
}

/* A line ldrsnap__lex_plain() took, lexed from what it found: exactly
 * the record lex_record() makes of it. */
static void lex_plain(lexctx *c, char *s, size_t n, const ls_start *st)
{
    ldrsnap_record *r = c->rec;
    r->raw = s;
    if (st->pos) /* after a capture tool's prefix */
        use_prefix(c, s, st->pos, s + st->pos, n);
    else
        r->prefix = "";
    r->text = s + st->pos;
    r->dialect = LDRSNAP_D_VISTA;
    r->pid = st->pid;
    r->tid = st->tid;
    r->tick = st->tick;
    r->flags |= LDRSNAP_RF_PID | LDRSNAP_RF_TID | LDRSNAP_RF_TICK;
    size_t f = st->pos + st->head; /* the function's name */
    r->function = put(c, s + f, st->sep - f);
    r->level = st->plain;
    r->message = s + st->msg;
    if (st->form != LS_FORM_LONG)
        r->flags |= LDRSNAP_RF_COMPACT;
    if (st->plain == LDRSNAP_L_ENTER) {
        r->msg = LDRSNAP_M_DLL_NAME;
        r->dll = s + st->msg +
                 (st->form == LS_FORM_LONG ? LS_DLL_NAME_TAG_LEN : 0);
    } else {
        r->msg = LDRSNAP_M_STATUS;
        r->status = st->status;
        r->flags |= LDRSNAP_RF_STATUS;
        if (st->form == LS_FORM_COMPACT_ORIG) {
            r->status_orig = st->status_orig;
            r->flags |= LDRSNAP_RF_STATUS_ORIG;
        }
    }
}

size_t ldrsnap__lex_line(char *out, char *line, size_t len,
                         ldrsnap_dialect prev_dialect, const ls_start *start,
                         ldrsnap_record *rec)
{
    lexctx c = {out, 0, rec};
    ls_start found;
    /* no start given: found as the parser finds it, on the line before
     * its trailing blanks are trimmed (a bare head "0100:4076 @ 10000016 - "
     * has one there and none after) */
    if (!start)
        start = ldrsnap__lex_find_start(line, len, &found)
                    ? &found
                    : &ldrsnap__no_start;
    if (start->plain) {
        lex_plain(&c, line, len, start);
        return c.used;
    }
    /* Fields point into `line` where they run to its end; only what must
     * be cut out of the middle is copied. raw is copied only when trimming
     * is about to cut trailing blanks off the same buffer. */
    bool blanks = len && (line[len - 1] == ' ' || line[len - 1] == '\t');
    rec->raw = blanks ? put(&c, line, len) : line;
    trim_right(line, &len);
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len) {
        rec->dialect = LDRSNAP_D_BLANK;
        rec->text = "";
        rec->prefix = "";
        return c.used;
    }
    lex_record(&c, line, len, prev_dialect,
               start && (start == &ldrsnap__no_start || start->pos < len)
                   ? start
                   : NULL);
    return c.used;
}

/* ---- names --------------------------------------------------------------- */

const char *ldrsnap_dialect_name(ldrsnap_dialect d)
{
    switch (d) {
    case LDRSNAP_D_BLANK:
        return "blank";
    case LDRSNAP_D_VISTA:
        return "vista";
    case LDRSNAP_D_XP:
        return "xp";
    case LDRSNAP_D_DEBUGGER:
        return "debugger";
    case LDRSNAP_D_IDE:
        return "ide";
    case LDRSNAP_D_CONTINUATION:
        return "continuation";
    case LDRSNAP_D_OTHER:
        return "other";
    }
    return "other";
}

const char *ldrsnap_level_name(ldrsnap_level l)
{
    switch (l) {
    case LDRSNAP_L_NONE:
        return "";
    case LDRSNAP_L_ENTER:
        return "ENTER";
    case LDRSNAP_L_RETURN:
        return "RETURN";
    case LDRSNAP_L_INFO:
        return "INFO";
    case LDRSNAP_L_WARNING:
        return "WARNING";
    case LDRSNAP_L_ERROR:
        return "ERROR";
    }
    return "";
}

const char *ldrsnap_msg_name(ldrsnap_msg m)
{
#define M(v, s)                                                               \
    case LDRSNAP_M_##v:                                                       \
        return s;
    switch (m) {
        M(NONE, "none") M(DLL_NAME, "dll_name") M(STATUS, "status")
        M(UNABLE_TO_LOAD, "unable_to_load")
        M(ORIGINAL_STATUS, "original_status")
        M(IMPORTS_FAILED, "imports_failed")
        M(KNOWNDLLS_FAILED, "knowndlls_failed")
        M(PROCESS_INIT_FAILED, "process_init_failed")
        M(PROC_NOT_FOUND, "proc_not_found") M(EXPORT_FAILED, "export_failed")
        M(EXCEPTION_RAISED, "exception_raised")
        M(CALLING_INIT, "calling_init") M(BEGIN_EXEC, "begin_exec")
        M(INIT_PROCESS, "init_process") M(APISET, "apiset")
        M(SEARCH_PATH, "search_path") M(LOCATE_PROC, "locate_proc")
        M(MANIFEST_PROBE, "manifest_probe") M(DETOUR, "detour")
        M(LOADING_DLL, "loading_dll") M(MAPPED_DLL, "mapped_dll")
        M(RECURSIVE_LOAD, "recursive_load")
        M(RECURSIVE_DETAIL, "recursive_detail")
        M(INIT_FAILED, "init_failed") M(UNLOADING_FAILED, "unloading_failed")
        M(LOAD_FAILING, "load_failing") M(IMPORT_FAILED, "import_failed")
        M(SXS_PROBE_FAILED, "sxs_probe_failed") M(REFCOUNT, "refcount")
        M(UNINIT_LIST, "uninit_list") M(UNINIT_ENTRY, "uninit_entry")
        M(UNMAPPING, "unmapping") M(USED_BY, "used_by")
        M(SNAPPING, "snapping") M(SNAP_WARNING, "snap_warning")
        M(INIT_LIST, "init_list") M(BINDING, "binding")
        M(FAILURE_TEXT, "failure_text") M(MODLOAD, "modload")
        M(EXCEPTION, "exception") M(PROMPT, "prompt")
        M(REGISTERS, "registers") M(BANNER, "banner")
        M(IDE_LOADED, "ide_loaded") M(IDE_UNLOADED, "ide_unloaded")
        M(IDE_THREAD_EXIT, "ide_thread_exit")
        M(IDE_PROGRAM_EXIT, "ide_program_exit")
        M(IDE_BREAKPOINT, "ide_breakpoint") M(ELISION, "elision")
        M(SHELL_COMMAND, "shell_command")
        M(INIT_ROUTINE_FAILED, "init_routine_failed")
        M(SUBSYSTEM_FAILED, "subsystem_failed")
        M(PROCESS_START, "process_start") M(COMMAND_LINE, "command_line")
    }
#undef M
    return "none";
}
