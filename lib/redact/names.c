/*
 * names.c - the names a redactor found and their pseudonyms.
 *
 * A name is kept in both forms a line can hold it in (8-bit units as
 * UTF-8, and UTF-16 units), so that a name found in a UTF-16 log is
 * replaced in a UTF-8 one too.  Two names are the same when their UTF-16
 * forms are equal with ASCII letters folded (Windows compares names
 * without case).  Pseudonyms are numbered in the order names are found,
 * or with a key derived from a SipHash-2-4 of the name, stable across
 * runs.
 */
#include <stdio.h>
#include <string.h>

#include "redact/redact_internal.h"

static const char *const kind_names[RD_NKINDS] = {"user", "host", "domain",
                                                  "dir"};

const char *ldrsnap__rd_kind_name(enum rd_kind k)
{
    return kind_names[k];
}

/* ---- SipHash-2-4 (Aumasson, Bernstein), for keyed pseudonyms ---------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                              \
    do {                                                                      \
        v0 += v1, v1 = ROTL(v1, 13), v1 ^= v0, v0 = ROTL(v0, 32);             \
        v2 += v3, v3 = ROTL(v3, 16), v3 ^= v2;                                \
        v0 += v3, v3 = ROTL(v3, 21), v3 ^= v0;                                \
        v2 += v1, v1 = ROTL(v1, 17), v1 ^= v2, v2 = ROTL(v2, 32);             \
    } while (0)

static uint64_t siphash(const uint64_t k[2], const unsigned char *m,
                        size_t n)
{
    uint64_t v0 = 0x736f6d6570736575ull ^ k[0], v1 = 0x646f72616e646f6dull ^ k[1],
             v2 = 0x6c7967656e657261ull ^ k[0], v3 = 0x7465646279746573ull ^ k[1];
    uint64_t b = (uint64_t)n << 56;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = 0;
        for (int j = 7; j >= 0; j--)
            w = w << 8 | m[i + (size_t)j];
        v3 ^= w;
        SIPROUND;
        SIPROUND;
        v0 ^= w;
    }
    for (int j = 0; i + (size_t)j < n; j++)
        b |= (uint64_t)m[i + (size_t)j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The key of a run: two hashes of the caller's string under fixed keys. */
void ldrsnap__rd_set_key(ldrsnap_redactor *r, const char *key)
{
    static const uint64_t k0[2] = {0x6c6472736e617031ull, 0x7265646163746b31ull},
                          k1[2] = {0x6c6472736e617032ull, 0x7265646163746b32ull};
    size_t n = strlen(key);
    r->key[0] = siphash(k0, (const unsigned char *)key, n);
    r->key[1] = siphash(k1, (const unsigned char *)key, n);
    r->keyed = true;
}

/* ---- the two forms of a name -------------------------------------------- */

static size_t utf8_decode(const uint16_t *s, size_t n, size_t i, uint32_t *cp)
{
    unsigned c = s[i];
    size_t len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (!len || c > 0xFF || i + len > n)
        goto latin1;
    uint32_t v = c & (0x3Fu >> (len - 1));
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80 || s[i + k] > 0xFF)
            goto latin1;
        v = v << 6 | (s[i + k] & 0x3F);
    }
    *cp = v;
    return len;
latin1: /* CP1252 text: the byte as a code point is near enough */
    *cp = c;
    return 1;
}

static size_t put_utf8(char *d, uint32_t c)
{
    if (c < 0x80)
        return d[0] = (char)c, 1;
    if (c < 0x800)
        return d[0] = (char)(0xC0 | c >> 6), d[1] = (char)(0x80 | (c & 0x3F)), 2;
    if (c < 0x10000) {
        d[0] = (char)(0xE0 | c >> 12), d[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        d[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | c >> 18), d[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((c >> 6) & 0x3F)), d[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Fill both forms and the UTF-8 string from the units of one form. */
static int forms(ldrsnap_redactor *r, rd_name *nm, const uint16_t *u,
                 size_t n, bool wide)
{
    nm->f8 = ldrsnap__malloc(&r->al, (4 * n + 1) * sizeof *nm->f8);
    nm->f16 = ldrsnap__malloc(&r->al, (2 * n + 1) * sizeof *nm->f16);
    nm->utf8 = ldrsnap__malloc(&r->al, 4 * n + 1);
    if (!nm->f8 || !nm->f16 || !nm->utf8)
        return LDRSNAP_ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        if (wide) {
            cp = u[i++];
            if (cp >= 0xD800 && cp < 0xDC00 && i < n && u[i] >= 0xDC00 &&
                u[i] < 0xE000)
                cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i++] - 0xDC00u);
        } else {
            i += utf8_decode(u, n, i, &cp);
            if (cp >= 0x10000) {
                nm->f16[nm->n16++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
                nm->f16[nm->n16++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
            } else {
                nm->f16[nm->n16++] = (uint16_t)cp;
            }
        }
        o += put_utf8(nm->utf8 + o, cp);
    }
    if (wide) {
        memcpy(nm->f16, u, n * sizeof *u);
        nm->n16 = n;
    }
    nm->utf8[o] = 0;
    if (wide) {
        for (size_t i = 0; i < o; i++)
            nm->f8[i] = (unsigned char)nm->utf8[i];
        nm->n8 = o;
    } else {
        memcpy(nm->f8, u, n * sizeof *u);
        nm->n8 = n;
    }
    return LDRSNAP_OK;
}

static bool same16(const rd_name *a, const rd_name *b)
{
    if (a->n16 != b->n16)
        return false;
    for (size_t i = 0; i < a->n16; i++)
        if (rd_fold(a->f16[i]) != rd_fold(b->f16[i]))
            return false;
    return true;
}

/* Words of the loader's and debuggers' own text: a name that is one of
 * them is replaced where a pattern finds it, never as a free word (the
 * log would no longer parse), so each place it stays is a leak. */
static bool stopword(const rd_name *nm)
{
    static const char *const words[] = {
        "dll", "name", "path", "status", "enter", "return", "info",
        "warning", "error", "ldr", "loading", "loaded", "load", "for", "the",
        "of", "at", "by", "to", "from", "in", "is", "was", "and", "or",
        "not", "with", "base", "address", "module", "parent", "procedure",
        "process", "thread", "exception", "code", "chance", "first",
        "second", "calling", "init", "routine", "mapped", "unable", "failed",
        "null", "unknown", "image", "symbols", "program", "exited", "has",
        "windows", "system", "system32", "users", "user", "win32", "dll",
        "locating", "export", "ordinal", "current", "directory", "package",
        "directories", "beginning", "execution", "modload", "debugger",
        "search", "redirected", "api", "set", "ntdll", "kernel32", "pid",
        "tid", "exe", "by", "snaps"};
    if (nm->n16 > 12)
        return false;
    char w[16];
    for (size_t i = 0; i < nm->n16; i++) {
        if (nm->f16[i] >= 0x80)
            return false;
        w[i] = (char)rd_fold(nm->f16[i]);
    }
    w[nm->n16] = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(w, words[i]))
            return true;
    return false;
}

static bool pseudo_taken(const ldrsnap_redactor *r, const char *p, size_t n)
{
    for (size_t i = 0; i < r->nnames; i++) {
        const rd_name *o = &r->names[i];
        if (o->plen == n && !memcmp(o->pseudo, p, n))
            return true;
        if (o->n8 == n) { /* a real name that looks like a pseudonym */
            size_t k = 0;
            while (k < n && rd_fold(o->f8[k]) == (unsigned char)p[k])
                k++;
            if (k == n)
                return true;
        }
    }
    return false;
}

static void pseudonym(ldrsnap_redactor *r, rd_name *nm)
{
    const char *kn = kind_names[nm->kind];
    if (r->keyed) {
        unsigned char m[2 * 256 + 1];
        size_t n = 0;
        m[n++] = (unsigned char)nm->kind;
        for (size_t i = 0; i < nm->n16 && n + 2 <= sizeof m; i++) {
            unsigned c = rd_fold(nm->f16[i]);
            m[n++] = (unsigned char)c, m[n++] = (unsigned char)(c >> 8);
        }
        uint64_t h = siphash(r->key, m, n);
        nm->plen = (size_t)snprintf(nm->pseudo, sizeof nm->pseudo, "%s-%08x",
                                    kn, (unsigned)(h >> 32));
        if (pseudo_taken(r, nm->pseudo, nm->plen)) /* 1 in 2^32 */
            nm->plen = (size_t)snprintf(nm->pseudo, sizeof nm->pseudo,
                                        "%s-%016llx", kn,
                                        (unsigned long long)h);
        return;
    }
    do
        nm->plen = (size_t)snprintf(nm->pseudo, sizeof nm->pseudo, "%s%u", kn,
                                    ++r->counter[nm->kind]);
    while (pseudo_taken(r, nm->pseudo, nm->plen));
}

static unsigned bucket(unsigned c)
{
    return rd_fold(c) & (RD_BUCKETS - 1);
}

static void name_free(ldrsnap_redactor *r, rd_name *nm)
{
    ldrsnap__free(&r->al, nm->f8);
    ldrsnap__free(&r->al, nm->f16);
    ldrsnap__free(&r->al, nm->utf8);
}

int ldrsnap__rd_name(ldrsnap_redactor *r, const rd_line *l, size_t a,
                     size_t b, enum rd_kind k)
{
    if (r->nnames == r->ncap) {
        size_t cap = r->ncap ? 2 * r->ncap : 16;
        rd_name *n = ldrsnap__realloc(&r->al, r->names, cap * sizeof *n);
        if (!n)
            return -1;
        r->names = n, r->ncap = cap;
    }
    rd_name *nm = &r->names[r->nnames];
    memset(nm, 0, sizeof *nm);
    nm->kind = k;
    if (forms(r, nm, l->u + a, b - a, l->wide) < 0) {
        name_free(r, nm);
        return -1;
    }
    for (size_t i = 0; i < r->nnames; i++) {
        if (same16(&r->names[i], nm)) {
            name_free(r, nm);
            return (int)i;
        }
    }
    nm->free_text = nm->n16 >= 2 && !stopword(nm);
    pseudonym(r, nm);
    unsigned h8 = bucket(nm->f8[0]), h16 = bucket(nm->f16[0]);
    nm->next8 = r->b8[h8], nm->next16 = r->b16[h16];
    r->b8[h8] = r->b16[h16] = (int)r->nnames;
    return (int)r->nnames++;
}

size_t ldrsnap__rd_name_at(const ldrsnap_redactor *r, int i,
                           const rd_line *l, size_t at)
{
    const rd_name *nm = &r->names[i];
    const uint16_t *f = l->wide ? nm->f16 : nm->f8;
    size_t n = l->wide ? nm->n16 : nm->n8;
    if (at + n > l->n)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (rd_fold(l->u[at + k]) != rd_fold(f[k]))
            return 0;
    return n;
}

int ldrsnap__rd_bucket(const ldrsnap_redactor *r, bool wide, unsigned c)
{
    return wide ? r->b16[bucket(c)] : r->b8[bucket(c)];
}

void ldrsnap__rd_names_free(ldrsnap_redactor *r)
{
    for (size_t i = 0; i < r->nnames; i++)
        name_free(r, &r->names[i]);
    ldrsnap__free(&r->al, r->names);
    r->names = NULL;
    r->nnames = r->ncap = 0;
}
