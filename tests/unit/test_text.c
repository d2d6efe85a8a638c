/*
 * test_text.c - the text layer on its own: the UTF-16LE ASCII pass (16
 * code units at a time) against the code-unit loop it skips, its oracle.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/alloc.h"
#include "simd/simd.h"
#include "text/text.h"

/* Every line as "<line> <offset> <flags> <text>\n", one string. */
typedef struct seen {
    char *s;
    size_t len, cap;
} seen;

static int keep_line(const ls_line *l, void *ud)
{
    seen *v = ud;
    size_t need = v->len + l->len + 64;
    if (need > v->cap) {
        v->cap = need * 2;
        v->s = realloc(v->s, v->cap);
        cr_assert(v->s);
    }
    v->len += (size_t)snprintf(v->s + v->len, 64, "%llu %llu %d%d%d ",
                               (unsigned long long)l->line,
                               (unsigned long long)l->offset, l->capped,
                               l->recoded, l->ascii);
    memcpy(v->s + v->len, l->ptr, l->len);
    v->len += l->len;
    v->s[v->len++] = '\n';
    return 0;
}

static uint64_t rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* A UTF-16LE log: long ASCII stretches, line ends of every kind, and now
 * and then a unit the ASCII pass must leave (past ASCII, NUL, a surrogate
 * pair, a lone surrogate). */
static unsigned char *make_utf16(size_t units, size_t *len)
{
    unsigned char *p = malloc(2 * units + 2);
    size_t o = 0;
    if (rnd(2)) {
        p[o++] = 0xFF, p[o++] = 0xFE;
    }
    while (o + 4 <= 2 * units) {
        unsigned u, k = rnd(1000);
        if (k < 30)
            u = '\n';
        else if (k < 40)
            u = '\r';
        else if (k < 43)
            u = 0xE4 + rnd(3); /* ä */
        else if (k < 45)
            u = 0x4E2D;        /* 中 */
        else if (k < 46)
            u = 0;
        else if (k < 47)
            u = 0xDC00 + rnd(16); /* lone low surrogate */
        else if (k < 48) {
            p[o++] = 0x3D, p[o++] = 0xD8; /* a pair: U+1F6xx */
            u = 0xDE00 + rnd(64);
        } else if (k < 49)
            u = 0xD800 + rnd(16); /* a high one, maybe alone */
        else if (k < 50)
            u = 0x80 + rnd(0x780);
        else
            u = 0x20 + rnd(0x5F);
        p[o++] = (unsigned char)(u & 0xFF);
        p[o++] = (unsigned char)(u >> 8);
    }
    *len = o;
    return p;
}

static void run(const unsigned char *p, size_t n, bool units, size_t max_line,
                unsigned cut, seen *v)
{
    ls_alloc al;
    ls_text t;
    ldrsnap__alloc_init(&al, NULL);
    ldrsnap__text_init(&t, &al, max_line, keep_line, v);
    t.utf16_units = units;
    for (size_t i = 0; i < n;) {
        size_t k = cut ? 1 + rnd(cut) : n;
        if (k > n - i)
            k = n - i;
        cr_assert_eq(ldrsnap__text_feed(&t, p + i, k), 0);
        i += k;
    }
    cr_assert_eq(ldrsnap__text_finish(&t), 0);
    ldrsnap__text_free(&t);
}

Test(text, utf16le_ascii_pass_gives_what_the_unit_loop_gives)
{
    static const unsigned cuts[] = {0, 1, 7, 33, 4096, 200000};
    for (int round = 0; round < 12; round++) {
        size_t len;
        unsigned char *p = make_utf16(50000 + rnd(150000), &len);
        if (round == 0) /* no NUL in the first units: sniffed as UTF-16 */
            p[0] = 0xFF, p[1] = 0xFE;
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            size_t max_line = round % 3 == 2 ? 64 : 65536;
            unsigned seed = (unsigned)rng;
            seen a = {0}, b = {0};
            rng = seed;
            run(p, len, false, max_line, cuts[c], &a);
            rng = seed;
            run(p, len, true, max_line, cuts[c], &b);
            cr_assert_gt(a.len, 0);
            cr_assert_eq(a.len, b.len, "round %d cut %u", round, cuts[c]);
            cr_assert(memcmp(a.s, b.s, a.len) == 0, "round %d cut %u", round,
                      cuts[c]);
            free(a.s);
            free(b.s);
        }
        free(p);
    }
}

/* An all-ASCII log in UTF-16LE gives the lines (and their offsets) of
 * the same log in UTF-8, offsets doubled. */
Test(text, utf16le_ascii_lines_match_utf8)
{
    const char *lines[] = {"1a2c:0e10 @ 01 - LdrpLoadDll - ENTER: DLL name: x.dll",
                           "", "LDR: PID: 0x1, a", "x"};
    char u8[4096];
    size_t n8 = 0;
    for (int r = 0; r < 40; r++)
        for (size_t i = 0; i < 4; i++)
            n8 += (size_t)snprintf(u8 + n8, sizeof u8 - n8, "%s%s", lines[i],
                                   i % 2 ? "\r\n" : "\n");
    unsigned char u16[8192 + 2];
    u16[0] = 0xFF, u16[1] = 0xFE;
    for (size_t i = 0; i < n8; i++)
        u16[2 + 2 * i] = (unsigned char)u8[i], u16[3 + 2 * i] = 0;
    seen a = {0}, b = {0};
    run((const unsigned char *)u8, n8, false, 65536, 0, &a);
    run(u16, 2 + 2 * n8, false, 65536, 0, &b);
    /* same lines; offsets: 2 + 2 * the UTF-8 offset */
    char *pa = a.s, *pb = b.s;
    size_t lines_seen = 0;
    while (pa < a.s + a.len) {
        unsigned long long la, oa, lb, ob;
        cr_assert_eq(sscanf(pa, "%llu %llu", &la, &oa), 2);
        cr_assert_eq(sscanf(pb, "%llu %llu", &lb, &ob), 2);
        cr_assert_eq(la, lb);
        cr_assert_eq(ob, 2 + 2 * oa, "line %llu", la);
        pa = strchr(pa, '\n') + 1;
        pb = strchr(pb, '\n') + 1;
        lines_seen++;
    }
    cr_assert_eq(lines_seen, 160);
    free(a.s);
    free(b.s);
}

/* The input cut in two (and three) at every offset, odd and even: a unit,
 * a surrogate pair, a CRLF or the BOM split across feeds, with each set of
 * kernels, gives the lines (and offsets) of the code-unit loop fed whole. */
static void run_pieces(const unsigned char *p, size_t n, bool units,
                       const size_t *cuts, size_t ncuts, seen *v)
{
    ls_alloc al;
    ls_text t;
    ldrsnap__alloc_init(&al, NULL);
    ldrsnap__text_init(&t, &al, 65536, keep_line, v);
    t.utf16_units = units;
    size_t at = 0;
    for (size_t c = 0; c <= ncuts; c++) {
        size_t end = c < ncuts ? cuts[c] : n;
        cr_assert_eq(ldrsnap__text_feed(&t, p + at, end - at), 0);
        at = end;
    }
    cr_assert_eq(ldrsnap__text_finish(&t), 0);
    ldrsnap__text_free(&t);
}

Test(text, utf16le_cut_at_every_offset)
{
    /* ASCII stretches longer than a vector, German and Chinese lines, a
     * surrogate pair, a lone surrogate, NUL, CRLF, lone CR */
    static const char *const parts[] = {
        "1a2c:0e10 @ 01 - LdrpLoadDll - ENTER: DLL name: x.dll\r\n",
        "\"App.exe\" (Win32): \xC3\xBC" "ber C:\\Program Files\\x.dll geladen\r\n",
        "\xE4\xB8\xAD\xE6\x96\x87 Windows\\System32\\y.dll\r\n",
        "LDR: PID: 0x1, a \xF0\x9F\x98\x80 emoji\r\n",
        "lone\rcr and a longer ASCII line to pass thirty-two units twice over\n"};
    unsigned char u16[4096];
    size_t n = 0;
    u16[n++] = 0xFF, u16[n++] = 0xFE;
    for (int r = 0; r < 2; r++)
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            const unsigned char *s = (const unsigned char *)parts[i];
            while (*s) { /* UTF-8 to UTF-16LE */
                uint32_t c = *s++;
                if (c >= 0xF0) {
                    c = (c & 7) << 18 | (s[0] & 0x3Fu) << 12 |
                        (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
                    s += 3;
                } else if (c >= 0xE0) {
                    c = (c & 15) << 12 | (s[0] & 0x3Fu) << 6 | (s[1] & 0x3Fu);
                    s += 2;
                } else if (c >= 0xC0) {
                    c = (c & 31) << 6 | (s[0] & 0x3Fu);
                    s += 1;
                }
                if (c >= 0x10000) {
                    uint32_t hi = 0xD800 + ((c - 0x10000) >> 10);
                    u16[n++] = (unsigned char)hi, u16[n++] = (unsigned char)(hi >> 8);
                    c = 0xDC00 + ((c - 0x10000) & 0x3FF);
                }
                u16[n++] = (unsigned char)c, u16[n++] = (unsigned char)(c >> 8);
            }
            if (r == 1 && i == 2) { /* a lone low surrogate and a NUL */
                u16[n++] = 0x00, u16[n++] = 0xDC;
                u16[n++] = 0x00, u16[n++] = 0x00;
            }
        }
    seen want = {0};
    run_pieces(u16, n, true, NULL, 0, &want);
    cr_assert_gt(want.len, 0);
    static const char *const forms[] = {"scalar", "sse2", "avx2"};
    const char *was = ldrsnap__simd()->name;
    for (size_t f = 0; f < 3; f++) {
        if (ldrsnap__simd_use(forms[f]) < 0)
            continue;
        for (size_t c = 0; c <= n; c++)
            for (size_t w = 0; w < 2; w++) {
                size_t cuts[2] = {c, c + 1}; /* w: a 1-byte piece after */
                if (w && c + 1 > n)
                    continue;
                seen got = {0};
                run_pieces(u16, n, false, cuts, 1 + w, &got);
                cr_assert_eq(got.len, want.len, "%s: cut %zu+%zu", forms[f],
                             c, w);
                cr_assert(memcmp(got.s, want.s, want.len) == 0,
                          "%s: cut %zu+%zu", forms[f], c, w);
                free(got.s);
            }
    }
    ldrsnap__simd_use(was);
    free(want.s);
}

/* What the fast way is offered, as keep_line() writes a line. */
static int keep_fast(const char *s, size_t n, uint64_t line, uint64_t offset,
                     bool watched, bool ascii, void *ud)
{
    (void)watched;
    ls_line l = {s, n, line, offset, false, false, ascii, true};
    keep_line(&l, ud);
    return 1;
}

/* A lone '\r' (a line end of its own) at every place of a UTF-16LE +
 * CRLF log, the ends of the 64-byte blocks the ASCII pass marks as it
 * writes them most of all, and a '\r' before the '\n' of a CRLF split
 * from it there: the lines the fast way and the line callback are given
 * are those of the code-unit loop. */
Test(text, utf16le_lone_cr_where_the_ascii_pass_marks)
{
    static const char line[] = "1a2c:0e10 @ 01 - LdrpLoadDll - ENTER: x.dll";
    unsigned char u16[4096];
    /* the ASCII stretch ends at the log's end, or at an 'ä' */
    for (size_t at = 0; at < 2 * 20 * (sizeof line + 1); at++) {
        size_t o = 0;
        u16[o++] = 0xFF, u16[o++] = 0xFE;
        for (int r = 0; r < 20; r++) {
            for (size_t i = 0; i < sizeof line - 1; i++)
                u16[o++] = (unsigned char)line[i], u16[o++] = 0;
            u16[o++] = '\r', u16[o++] = 0, u16[o++] = '\n', u16[o++] = 0;
        }
        /* unit `at` of the text (after the BOM) becomes a lone '\r', or,
         * on a '\n', the one before it becomes 'x' */
        size_t u = 2 + 2 * (at % (o / 2 - 1));
        if (u16[u] == '\n')
            u16[u - 2] = 'x';
        else
            u16[u] = '\r';
        if (at >= o / 2 - 1) /* the stretch ends at unit 200 */
            u16[2 + 2 * 200] = 0xE4;
        seen v[2] = {{0}, {0}};
        for (int w = 0; w < 2; w++) {
            ls_alloc al;
            ls_text t;
            ldrsnap__alloc_init(&al, NULL);
            ldrsnap__text_init(&t, &al, 65536, keep_line, &v[w]);
            t.fast = keep_fast;
            t.utf16_units = w;
            cr_assert_eq(ldrsnap__text_feed(&t, u16, o), 0);
            cr_assert_eq(ldrsnap__text_finish(&t), 0);
            ldrsnap__text_free(&t);
        }
        cr_assert_eq(v[0].len, v[1].len, "at %zu", at);
        cr_assert(memcmp(v[0].s, v[1].s, v[0].len) == 0, "at %zu", at);
        free(v[0].s);
        free(v[1].s);
    }
}

/* Whether a UTF-8 line is handed on as it is (utf8_clean(): valid UTF-8
 * without NUL) or recoded, for every lead byte and second byte, the
 * further bytes at the edges of their ranges, and sequences cut by the
 * line's end: against the definition (a code point of its sequence's
 * length, no surrogate, none past U+10FFFF). */
static bool utf8_valid_ref(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp, min;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
            k = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
            k = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0)
            k = 4, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if (n - i < k)
            return false;
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k;
    }
    return true;
}

typedef struct flags_seen {
    unsigned char *recoded;
    size_t n, cap;
} flags_seen;

static int keep_recoded(const ls_line *l, void *ud)
{
    flags_seen *v = ud;
    cr_assert_lt(v->n, v->cap);
    v->recoded[v->n++] = l->recoded;
    return 0;
}

static void add_line(unsigned char *p, size_t *o, bool *want, size_t *nl,
                     const unsigned char *b, size_t k)
{
    unsigned char line[40];
    line[0] = 'a';
    memcpy(line + 1, b, k);
    want[(*nl)++] = !utf8_valid_ref(line, k + 1);
    memcpy(p + *o, line, k + 1);
    *o += k + 1;
    p[(*o)++] = '\n';
}

Test(text, utf8_lines_recoded_as_the_definition_says)
{
    static const unsigned char edge[] = {0x41, 0x7F, 0x80, 0x8F, 0x90,
                                         0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    const size_t most = 400000; /* 275,000 lines */
    unsigned char *p = malloc(most * 8);
    bool *want = malloc(most);
    size_t o = 0, nl = 0;
    cr_assert(p && want);
    memcpy(p, "first line\n", 11); /* sniffed as UTF-8 */
    o = 11;
    want[nl++] = false;
    for (unsigned a = 0x80; a < 0x100; a++) {
        for (unsigned b = 1; b < 0x100; b++) {
            if (b == '\n' || b == '\r')
                continue;
            unsigned char s[4] = {(unsigned char)a, (unsigned char)b, 0, 0};
            add_line(p, &o, want, &nl, s, 2);
            if (a < 0xE0)
                continue;
            for (size_t x = 0; x < sizeof edge; x++) {
                s[2] = edge[x];
                add_line(p, &o, want, &nl, s, 3);
                if (a < 0xF0)
                    continue;
                for (size_t y = 0; y < sizeof edge; y += 3) {
                    s[3] = edge[y];
                    add_line(p, &o, want, &nl, s, 4);
                }
            }
        }
        /* cut by the line's end: the lead alone, then with one and two
         * good continuation bytes */
        unsigned char c[3] = {(unsigned char)a, 0x80 + (a == 0xE0 ? 0x20 : 0) +
                                                    (a == 0xF0 ? 0x10 : 0),
                              0x80};
        for (size_t k = 1; k <= 3; k++)
            add_line(p, &o, want, &nl, c, k);
    }
    /* past a character, ASCII runs of every length up to 32 with a NUL,
     * a byte past ASCII or a sequence in any place of them */
    static const unsigned char odd[][3] = {{0, 0, 0},       {0xFF, 0, 0},
                                           {0xC3, 0xA4, 0}, {0xC3, 0x41, 0},
                                           {0x80, 0, 0},    {0x7F, 0, 0}};
    for (size_t len = 1; len <= 32; len++) {
        for (size_t at = 0; at < len; at++) {
            for (size_t x = 0; x < sizeof odd / sizeof odd[0]; x++) {
                unsigned char s[36] = {0xC3, 0xA4}; /* ä */
                memset(s + 2, 'x', len);
                size_t k = strlen((const char *)odd[x]);
                memcpy(s + 2 + at, odd[x], k ? k : 1);
                add_line(p, &o, want, &nl, s, 2 + len);
            }
        }
    }
    cr_assert_lt(nl, most);
    flags_seen v = {malloc(most), 0, most};
    ls_alloc al;
    ls_text t;
    ldrsnap__alloc_init(&al, NULL);
    ldrsnap__text_init(&t, &al, 1024, keep_recoded, &v);
    cr_assert_eq(ldrsnap__text_feed(&t, p, o), 0);
    cr_assert_eq(ldrsnap__text_finish(&t), 0);
    ldrsnap__text_free(&t);
    cr_assert_eq(v.n, nl);
    size_t valid = 0;
    for (size_t i = 0; i < nl; i++) {
        cr_assert_eq(v.recoded[i], want[i], "line %zu", i + 1);
        valid += !want[i];
    }
    cr_assert_gt(valid, 1000); /* both kinds, many of each */
    cr_assert_gt(nl - valid, 1000);
    free(v.recoded);
    free(want);
    free(p);
}
