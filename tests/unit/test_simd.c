/*
 * test_simd.c - every vector pass answers as its scalar twin: each kernel
 * of each form this build and CPU have ("scalar", "sse2", "avx2"), and
 * each inline helper, over every length, alignment and needle position
 * that crosses a vector, a 64-byte block or a map word.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "simd/simd.h"

static const char *const forms[] = {"scalar", "sse2", "avx2"};

/* Each kernel test runs once per form. */
#define EACH_FORM(name)                                                       \
    ParameterizedTestParameters(simd, name)                                   \
    {                                                                         \
        static size_t ix[] = {0, 1, 2};                                       \
        return cr_make_param_array(size_t, ix, 3);                            \
    }                                                                         \
    ParameterizedTest(size_t *ix, simd, name)

/* The form's table, or skip: this build or CPU has none. */
static const ls_simd *use(size_t ix)
{
    if (ldrsnap__simd_use(forms[ix]) != 0)
        cr_skip_test("this build or CPU has no %s", forms[ix]);
    const ls_simd *s = ldrsnap__simd();
    cr_assert_str_eq(s->name, forms[ix]);
    return s;
}

/* A buffer of n bytes at the given alignment (a fresh allocation, so the
 * sanitizers see any read past its end). */
static unsigned char *at_align(unsigned char **base, size_t n, size_t align)
{
    *base = malloc(n + align + 1);
    cr_assert(*base);
    return *base + align;
}

static uint32_t rnd(uint32_t *st)
{
    *st = *st * 1664525u + 1013904223u;
    return *st >> 8;
}

EACH_FORM(any_of4_equals_scalar)
{
    const ls_simd *s = use(*ix);
    const unsigned char bytes[4] = {'x', 'Q', '"', '\\'};
    for (size_t n = 0; n <= 160; n++)
        for (size_t align = 0; align < 32; align += n < 70 ? 1 : 7) {
            unsigned char *base, *b = at_align(&base, n, align);
            memset(b, 'a', n);
            for (size_t k = 1; k <= 4; k++)
                for (size_t pos = 0; pos <= n; pos++) { /* n: none */
                    for (unsigned what = 0; what < k + 1; what++) {
                        if (pos < n)
                            b[pos] = what < k ? bytes[what] : 0x80 + pos % 128;
                        bool want = ldrsnap__simd_scalar.any_of4(
                            (const char *)b, n, bytes, k);
                        cr_assert_eq(want, pos < n);
                        cr_assert_eq(s->any_of4((const char *)b, n, bytes, k),
                                     want, "%s: n %zu align %zu k %zu pos %zu",
                                     s->name, n, align, k, pos);
                        if (pos < n)
                            b[pos] = 'a';
                        if (pos == n)
                            break;
                    }
                }
            free(base);
        }
}

/* any_of4() without its bytes past ASCII: those are no hit */
EACH_FORM(has_of4_equals_scalar)
{
    const ls_simd *s = use(*ix);
    const unsigned char bytes[4] = {'\'', '=', '"', '\\'};
    for (size_t n = 0; n <= 160; n++)
        for (size_t align = 0; align < 32; align += n < 70 ? 1 : 7) {
            unsigned char *base, *b = at_align(&base, n, align);
            memset(b, 'a', n);
            for (size_t k = 1; k <= 4; k++)
                for (size_t pos = 0; pos <= n; pos++) { /* n: none */
                    for (unsigned what = 0; what < k + 1; what++) {
                        if (pos < n)
                            b[pos] = what < k ? bytes[what] : 0x80 + pos % 128;
                        bool want = ldrsnap__simd_scalar.has_of4(
                            (const char *)b, n, bytes, k);
                        cr_assert_eq(want, pos < n && what < k);
                        cr_assert_eq(s->has_of4((const char *)b, n, bytes, k),
                                     want, "%s: n %zu align %zu k %zu pos %zu",
                                     s->name, n, align, k, pos);
                        if (pos < n)
                            b[pos] = 'a';
                        if (pos == n)
                            break;
                    }
                }
            free(base);
        }
}

EACH_FORM(plain_equals_scalar)
{
    const ls_simd *s = use(*ix);
    const unsigned char bad[] = {0, 0x80, 0xC3, 0xFF};
    for (size_t n = 0; n <= 200; n++)
        for (size_t align = 0; align < 32; align += 5) {
            unsigned char *base, *b = at_align(&base, n, align);
            memset(b, 'z', n);
            for (size_t pos = 0; pos <= n; pos++)
                for (size_t j = 0; j < sizeof bad; j++) {
                    if (pos < n)
                        b[pos] = bad[j];
                    bool want = ldrsnap__simd_scalar.plain(b, n);
                    cr_assert_eq(want, pos == n);
                    cr_assert_eq(s->plain(b, n), want,
                                 "%s: n %zu pos %zu byte %02x", s->name, n,
                                 pos, bad[j]);
                    if (pos < n)
                        b[pos] = 'z';
                }
            free(base);
        }
}

/* Fill b with text of lines: '\n', '\r\n', lone '\r', now and then a byte
 * past ASCII or a NUL. */
static void text(unsigned char *b, size_t n, uint32_t seed, unsigned odd)
{
    uint32_t st = seed;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rnd(&st) % 64;
        b[i] = (unsigned char)(r == 0          ? '\n'
                               : r == 1        ? '\r'
                               : r == 2 && odd ? (odd == 1 ? 0x80 + i % 128 : 0)
                               : r == 3        ? '\n'
                                               : 'a' + r % 26);
        if (r == 4 && i + 1 < n) /* CRLF */
            b[i++] = '\r', b[i] = '\n';
    }
}

EACH_FORM(plain_chunk_equals_scalar)
{
    const ls_simd *s = use(*ix);
    for (size_t n = 0; n <= 700; n += n < 200 ? 1 : 13)
        for (uint32_t seed = 1; seed <= 6; seed++) {
            unsigned char *base, *b = at_align(&base, n, seed * 3);
            text(b, n, seed * 7919u + (uint32_t)n, seed % 3);
            /* a '\r' at a block's end, and at the chunk's end */
            if (seed == 4 && n > 64)
                b[63] = '\r', b[64] = 'x';
            if (seed == 5 && n)
                b[n - 1] = '\r';
            size_t words = n / 64 + 1;
            uint64_t want[16], got[16];
            memset(got, 0xA5, sizeof got);
            bool wcr, wlone, gcr, glone;
            bool wplain = ldrsnap__simd_scalar.plain_chunk(b, n, want, &wcr,
                                                           &wlone);
            bool gplain = s->plain_chunk(b, n, got, &gcr, &glone);
            cr_assert_eq(gplain, wplain, "%s: n %zu seed %u", s->name, n, seed);
            cr_assert_eq(gcr, wcr, "%s: n %zu seed %u", s->name, n, seed);
            cr_assert_eq(glone, wlone, "%s: n %zu seed %u", s->name, n, seed);
            for (size_t w = 0; w < words; w++)
                cr_assert_eq(got[w], want[w], "%s: n %zu seed %u word %zu",
                             s->name, n, seed, w);
            free(base);
        }
}

/* One byte of each kind at every place, the short last block most of
 * all (read as the chunk's last 64 bytes, or padded when the chunk is
 * shorter): a '\r' then another byte, a '\r' then '\n', NUL, past ASCII,
 * '\n'. */
EACH_FORM(plain_chunk_each_place_equals_scalar)
{
    const ls_simd *s = use(*ix);
    static const unsigned char put[][2] = {
        {'\r', 'y'}, {'\r', '\n'}, {0, 'y'}, {0x80, 'y'}, {'\n', '\r'}};
    for (size_t n = 1; n <= 200; n++)
        for (size_t j = 0; j < n; j++)
            for (size_t v = 0; v < sizeof put / sizeof put[0]; v++) {
                unsigned char *base, *b = at_align(&base, n, (n + j) % 7);
                for (size_t i = 0; i < n; i++)
                    b[i] = (unsigned char)(i % 9 == 8 ? '\n' : 'a' + i % 26);
                b[j] = put[v][0];
                if (j + 1 < n)
                    b[j + 1] = put[v][1];
                uint64_t want[4], got[4];
                memset(got, 0xA5, sizeof got);
                bool wcr, wlone, gcr, glone;
                bool wplain = ldrsnap__simd_scalar.plain_chunk(b, n, want,
                                                               &wcr, &wlone);
                bool gplain = s->plain_chunk(b, n, got, &gcr, &glone);
                cr_assert_eq(gplain, wplain, "%s: n %zu j %zu v %zu",
                             s->name, n, j, v);
                cr_assert_eq(gcr, wcr, "%s: n %zu j %zu v %zu", s->name, n,
                             j, v);
                cr_assert_eq(glone, wlone, "%s: n %zu j %zu v %zu", s->name,
                             n, j, v);
                for (size_t w = 0; w < n / 64 + 1; w++)
                    cr_assert_eq(got[w], want[w], "%s: n %zu j %zu word %zu",
                                 s->name, n, j, w);
                free(base);
            }
}

EACH_FORM(watch_chunk_equals_scalar)
{
    const ls_simd *s = use(*ix);
    const unsigned char watch[4] = {'%', 'Q', '#', '~'};
    uint32_t st = 42;
    for (size_t n = 0; n <= 9000; n += n < 300 ? 1 : 61)
        for (size_t k = 1; k <= 4; k++) {
            unsigned char *base, *b = at_align(&base, n, k * 5);
            text(b, n, (uint32_t)(n * 31 + k), k == 3 ? 1 : 0);
            /* a few watched bytes (those past k are not watched) */
            for (unsigned j = 0; n && j < 1 + n / 500; j++)
                b[rnd(&st) % n] = watch[rnd(&st) % 4];
            size_t words = n ? (n - 1) / 4096 + 1 : 0;
            uint64_t want[4], got[4];
            memset(got, 0xA5, sizeof got);
            bool wplain = ldrsnap__simd_scalar.watch_chunk(b, n, watch, k,
                                                           want);
            bool gplain = s->watch_chunk(b, n, watch, k, got);
            cr_assert_eq(gplain, wplain, "%s: n %zu k %zu", s->name, n, k);
            for (size_t w = 0; w < words; w++)
                cr_assert_eq(got[w], want[w], "%s: n %zu k %zu word %zu",
                             s->name, n, k, w);
            free(base);
        }
}

EACH_FORM(utf16le_ascii_equals_scalar)
{
    const ls_simd *s = use(*ix);
    /* units that stop the ASCII run: past ASCII, NUL, a high byte */
    static const unsigned stops[] = {0x0080, 0x0000, 0x0100, 0x00E9, 0x4E2D,
                                     0xFFFF, 0x8000, 0x017F, 0x7F00, 0xD83D};
    for (size_t n = 0; n <= 100; n++)
        for (size_t align = 0; align < 4; align++)
            for (size_t pos = 0; pos <= n; pos++)
                for (size_t j = 0; j < sizeof stops / sizeof stops[0]; j++) {
                    unsigned char *base, *b = at_align(&base, 2 * n, align);
                    for (size_t k = 0; k < n; k++)
                        b[2 * k] = (unsigned char)('!' + k % 90),
                                  b[2 * k + 1] = 0;
                    if (pos < n)
                        b[2 * pos] = (unsigned char)stops[j],
                                  b[2 * pos + 1] = (unsigned char)(stops[j] >> 8);
                    char want[128], got[128];
                    size_t wk = ldrsnap__simd_scalar.utf16le_ascii(b, n, want);
                    size_t gk = s->utf16le_ascii(b, n, got);
                    cr_assert_eq(wk, pos, "n %zu pos %zu", n, pos);
                    cr_assert_eq(gk, wk, "%s: n %zu pos %zu unit %04x",
                                 s->name, n, pos, stops[j]);
                    cr_assert_eq(memcmp(got, want, wk), 0);
                    free(base);
                    if (pos == n)
                        break;
                }
    /* the ends of the range go through: U+0001 and U+007F */
    for (size_t n = 0; n <= 100; n++) {
        unsigned char *base, *b = at_align(&base, 2 * n, n % 4);
        for (size_t k = 0; k < n; k++)
            b[2 * k] = k % 3 ? 0x7F : 0x01, b[2 * k + 1] = 0;
        char got[128];
        cr_assert_eq(s->utf16le_ascii(b, n, got), n, "%s: n %zu", s->name,
                     n);
        for (size_t k = 0; k < n; k++)
            cr_assert_eq(got[k], k % 3 ? 0x7F : 0x01);
        free(base);
    }
}

/* The ASCII pass with plain_chunk()'s marks of its output: lines with
 * '\n', '\r\n' and lone '\r' (at a block's end, the mapped bytes' end,
 * the input's end), a unit past ASCII at each of a few places. */
EACH_FORM(utf16le_ascii_nl_equals_scalar)
{
    const ls_simd *s = use(*ix);
    for (size_t n = 0; n <= 700; n += n < 200 ? 1 : 13)
        for (uint32_t seed = 1; seed <= 7; seed++) {
            unsigned char t[700], *base, *b = at_align(&base, 2 * n, seed);
            text(t, n, seed * 7919u + (uint32_t)n, 0);
            if (seed == 4 && n > 65)
                t[63] = '\r', t[64] = 'x';
            if (seed == 5 && n)
                t[n - 1] = '\r';
            if (seed == 6 && n > 129)
                t[127] = '\r', t[128] = '\n';
            if (seed == 7 && n > 64)
                t[63] = '\r', t[64] = '\n';
            for (size_t k = 0; k < n; k++)
                b[2 * k] = t[k], b[2 * k + 1] = 0;
            /* the unit past ASCII: none, or at one of these places */
            static const size_t at[] = {700, 0, 1, 63, 64, 65, 127, 128, 200};
            static const unsigned stops[] = {0x0080, 0x0000, 0x0100, 0x00E9,
                                             0x4E2D, 0xFFFF, 0x8000, 0x017F,
                                             0x7F00, 0xD83D, 0x00FF};
            for (size_t a = 0; a < sizeof at / sizeof at[0]; a++) {
                unsigned u = stops[(a + n + seed) % 11];
                if (at[a] < n)
                    b[2 * at[a]] = (unsigned char)u,
                              b[2 * at[a] + 1] = (unsigned char)(u >> 8);
                char want[704], got[704];
                uint64_t wnl[12], gnl[12];
                memset(gnl, 0xA5, sizeof gnl);
                bool wcr, wlone, gcr, glone;
                size_t wk = ldrsnap__simd_scalar.utf16le_ascii_nl(
                    b, n, want, wnl, &wcr, &wlone);
                size_t gk = s->utf16le_ascii_nl(b, n, got, gnl, &gcr, &glone);
                cr_assert_eq(wk, at[a] < n ? at[a] : n);
                cr_assert_eq(gk, wk, "%s: n %zu seed %u at %zu", s->name, n,
                             seed, at[a]);
                cr_assert_eq(memcmp(got, want, wk), 0);
                cr_assert_eq(gcr, wcr, "%s: n %zu seed %u at %zu", s->name, n,
                             seed, at[a]);
                cr_assert_eq(glone, wlone, "%s: n %zu seed %u at %zu",
                             s->name, n, seed, at[a]);
                for (size_t w = 0; w <= wk / 64; w++)
                    cr_assert_eq(gnl[w], wnl[w], "%s: n %zu seed %u word %zu",
                                 s->name, n, seed, w);
                if (at[a] < n)
                    b[2 * at[a]] = t[at[a]], b[2 * at[a] + 1] = 0;
            }
            free(base);
        }
}

/* ---- the inline helpers: SSE2 where this build has it, else the scalar
 * twin (make check-portable): the same answers either way -------------- */

/* Every byte value at every place of a few lengths: the vector check of
 * a 16-byte block (one signed compare for the control bytes and those
 * past ASCII) says what the scalar twin says. */
Test(simd, json_plain_every_byte_value)
{
    static const size_t lens[] = {8, 15, 16, 17, 31, 32, 33};
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
        size_t n = lens[l];
        unsigned char b[48];
        for (size_t i = 0; i < n; i++)
            b[i] = (unsigned char)('a' + i % 26);
        for (size_t pos = 0; pos < n; pos++)
            for (unsigned c = 0; c < 256; c++) {
                unsigned char keep = b[pos];
                b[pos] = (unsigned char)c;
                size_t want = ls_json_plain_scalar(b, n);
                cr_assert_eq(want, c >= 0x20 && c < 0x7F && c != '"' &&
                                           c != '\\'
                                       ? n
                                       : pos);
                cr_assert_eq(ls_json_plain(b, n), want, "n %zu pos %zu c %#x",
                             n, pos, c);
                char d[64];
                cr_assert_eq(ls_json_plain_copy(d, b, n), want,
                             "n %zu pos %zu c %#x", n, pos, c);
                cr_assert_eq(memcmp(d, b, want), 0);
                b[pos] = keep;
            }
    }
}

Test(simd, json_plain_equals_scalar)
{
    const unsigned char special[] = {0, 0x01, 0x1F, '"', '\\', 0x7F, 0x80,
                                     0xC3, 0xFF};
    for (size_t n = 0; n <= 100; n++)
        for (size_t align = 0; align < 16; align += 3) {
            unsigned char *base, *b = at_align(&base, n, align);
            for (size_t i = 0; i < n; i++)
                b[i] = (unsigned char)(0x20 + (i * 7) % 0x5F);
            for (size_t i = 0; i < n; i++)
                if (b[i] == '"' || b[i] == '\\')
                    b[i] = 'q';
            cr_assert_eq(ls_json_plain(b, n), n);
            char all[128];
            cr_assert_eq(ls_json_plain_copy(all, b, n), n);
            cr_assert_eq(memcmp(all, b, n), 0);
            for (size_t pos = 0; pos < n; pos++)
                for (size_t j = 0; j < sizeof special; j++) {
                    unsigned char keep = b[pos];
                    b[pos] = special[j];
                    cr_assert_eq(ls_json_plain(b, n), pos, "n %zu pos %zu",
                                 n, pos);
                    cr_assert_eq(ls_json_plain_scalar(b, n), pos);
                    /* the copy: the same count, those bytes copied, and
                     * nothing written past n */
                    char d[128];
                    memset(d, '#', sizeof d);
                    cr_assert_eq(ls_json_plain_copy(d, b, n), pos);
                    cr_assert_eq(memcmp(d, b, pos), 0);
                    for (size_t k = n; k < sizeof d; k++)
                        cr_assert_eq(d[k], '#', "n %zu: byte %zu written", n,
                                     k);
                    b[pos] = keep;
                }
            free(base);
        }
}

Test(simd, plain_len_equals_scalar)
{
    const unsigned char special[] = {0, 0x80, 0xC3, 0xFF};
    for (size_t n = 0; n <= 100; n++)
        for (size_t align = 0; align < 16; align += 3) {
            unsigned char *base, *b = at_align(&base, n, align);
            for (size_t i = 0; i < n; i++)
                b[i] = (unsigned char)(0x01 + (i * 7) % 0x7F);
            cr_assert_eq(ls_plain_len(b, n), n);
            cr_assert_eq(ls_plain_len_scalar(b, n), n);
            for (size_t pos = 0; pos < n; pos++)
                for (size_t j = 0; j < sizeof special; j++) {
                    unsigned char keep = b[pos];
                    b[pos] = special[j];
                    if (pos + 5 < n) /* a later one does not count */
                        b[pos + 5] = 0x90;
                    cr_assert_eq(ls_plain_len(b, n), pos, "n %zu pos %zu",
                                 n, pos);
                    cr_assert_eq(ls_plain_len_scalar(b, n), pos);
                    b[pos] = keep;
                    if (pos + 5 < n)
                        b[pos + 5] = (unsigned char)(0x01 + ((pos + 5) * 7) % 0x7F);
                }
            free(base);
        }
}

Test(simd, ascii_find_has_byte_equal_scalar)
{
    for (size_t n = 0; n <= 100; n++)
        for (size_t align = 0; align < 16; align++) {
            unsigned char *base, *b = at_align(&base, n, align);
            const char *c = (const char *)b;
            memset(b, 'k', n);
            for (size_t pos = 0; pos <= n; pos++) {
                if (pos < n)
                    b[pos] = 0x9C;
                cr_assert_eq(ls_ascii(c, n), ls_ascii_scalar(c, n));
                if (pos < n)
                    b[pos] = ' ';
                cr_assert_eq(ls_find_byte(c, n, ' '),
                             ls_find_byte_scalar(c, n, ' '), "n %zu pos %zu",
                             n, pos);
                cr_assert_eq(ls_has_byte(c, n, ' '),
                             ls_has_byte_scalar(c, n, ' '), "n %zu pos %zu",
                             n, pos);
                if (pos + 1 < n) { /* two: the first is found */
                    b[pos + 1] = ' ';
                    cr_assert_eq(ls_find_byte(c, n, ' '), c + pos);
                    b[pos + 1] = 'k';
                }
                if (pos < n)
                    b[pos] = 'k';
            }
            free(base);
        }
}

/* Every length to 64 and alignment, with the byte at every place and at
 * pseudo-random others: the bits of the vector form equal the scalar
 * twin's, and the twin's are the places of the byte. */
Test(simd, byte_bits64_equal_scalar)
{
    for (size_t n = 0; n <= 64; n++)
        for (size_t align = 0; align < 16; align++) {
            unsigned char *base, *b = at_align(&base, n, align);
            const char *c = (const char *)b;
            for (size_t pos = 0; pos <= n; pos++) {
                uint64_t want = 0;
                for (size_t i = 0; i < n; i++) {
                    bool on = i == pos || (i * 13 + pos * 7) % 11 == 0;
                    b[i] = on ? '\\' : (unsigned char)(0x9C + i % 3);
                    want |= (uint64_t)on << i;
                }
                cr_assert_eq(ls_byte_bits64_scalar(c, n, '\\'), want,
                             "n %zu pos %zu", n, pos);
                cr_assert_eq(ls_byte_bits64(c, n, '\\'), want,
                             "n %zu pos %zu align %zu", n, pos, align);
            }
            free(base);
        }
}

Test(simd, eq16_equals_scalar)
{
    const char lit[17] = " - ENTER: DLL na";
    char s[17];
    for (int pos = -1; pos < 16; pos++) {
        memcpy(s, lit, 17);
        if (pos >= 0)
            s[pos] ^= 0x20;
        cr_assert_eq(ls_eq16(s, lit), ls_eq16_scalar(s, lit));
        cr_assert_eq(ls_eq16(s, lit), pos < 0);
    }
}

Test(simd, first_at_ldr_equals_scalar)
{
    static const char *const marks[] = {"@", "LDR:", "LD", "LDR", "L@",
                                        "LDR@", "xLDR:"};
    for (size_t n = 0; n <= 70; n++)
        for (size_t align = 0; align < 16; align += 5) {
            unsigned char *base, *b = at_align(&base, n, align);
            char *c = (char *)b;
            memset(c, 'L', n); /* every byte could begin "LDR:" */
            cr_assert_eq(ls_first_at_ldr(c, n), ls_first_at_ldr_scalar(c, n));
            cr_assert_eq(ls_first_at_ldr(c, n), n);
            for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++)
                for (size_t pos = 0; pos < n; pos++) {
                    size_t k = strlen(marks[m]);
                    memset(c, 'L', n);
                    memcpy(c + pos, marks[m], k < n - pos ? k : n - pos);
                    if (pos + 20 < n) /* a later one does not count */
                        c[pos + 20] = '@';
                    size_t want = ls_first_at_ldr_scalar(c, n);
                    cr_assert_eq(ls_first_at_ldr(c, n), want,
                                 "n %zu pos %zu mark %s", n, pos, marks[m]);
                    cr_assert_eq(want == n, ls_no_at_ldr_scalar(c, n));
                }
            free(base);
        }
}

/* The general lexer's marks (ls_lex_marks()): what the scalar twin says,
 * and a bit set exactly when its pair (byte) is in the line, each at every
 * place, at every length to past two vectors, at every alignment. */
Test(simd, lex_marks_equal_scalar)
{
    static const char *const pairs[] = {" h", "\xE5", "Ld", "\",", " ",
                                        "h",  "L",    "d",  "\"",  ","};
    static const unsigned bits[] = {
        LS_MK_SP_H, LS_MK_E5, LS_MK_LD, LS_MK_QC, 0, 0, 0, 0, 0, 0};
    for (size_t n = 0; n <= 50; n++)
        for (size_t align = 0; align < 16; align += 5) {
            unsigned char *base, *b = at_align(&base, n, align);
            char *c = (char *)b;
            memset(c, 'x', n);
            cr_assert_eq(ls_lex_marks(c, n), 0);
            cr_assert_eq(ls_lex_marks_scalar(c, n), 0);
            for (size_t m = 0; m < sizeof pairs / sizeof pairs[0]; m++)
                for (size_t pos = 0; pos < n; pos++) {
                    size_t k = strlen(pairs[m]);
                    memset(c, 'x', n);
                    memcpy(c + pos, pairs[m], k < n - pos ? k : n - pos);
                    unsigned want = pos + k <= n ? bits[m] : 0;
                    cr_assert_eq(ls_lex_marks_scalar(c, n), want,
                                 "n %zu pos %zu pair %zu", n, pos, m);
                    cr_assert_eq(ls_lex_marks(c, n), want,
                                 "n %zu pos %zu pair %zu", n, pos, m);
                }
            free(base);
        }
}

/* DebugView's columns: ls_columns_len() says what its scalar twin says,
 * on lines of the bytes it looks at, every length up to past 32, at
 * every alignment. */
Test(simd, columns_len_equal_scalar)
{
    static const char al[] = "0123] @L\t.[x";
    unsigned seed = 7;
    size_t taken = 0;
    for (size_t n = 0; n <= 40; n++)
        for (size_t align = 0; align < 16; align += 5) {
            unsigned char *base, *b = at_align(&base, n, align);
            char *c = (char *)b;
            for (int t = 0; t < 3000; t++) {
                for (size_t i = 0; i < n; i++)
                    c[i] = al[rand_r(&seed) % (sizeof al - 1)];
                size_t k = ls_columns_len(c, n);
                cr_assert_eq(k, ls_columns_len_scalar(c, n), "n %zu %.*s", n,
                             (int)n, c);
                taken += k != 0;
            }
            free(base);
        }
    cr_assert_gt(taken, 100);
}

/* XP's glued "LDR:" and "fail" marks, and the first pair of bytes: on
 * lines of the bytes they look for, every length and start, at every
 * alignment. */
Test(simd, xp_marks_and_find_pair_equal_scalar)
{
    static const char al[] = "LDR:fail a";
    unsigned seed = 11;
    for (size_t n = 0; n <= 90; n++)
        for (size_t align = 0; align < 16; align += 5) {
            unsigned char *base, *b = at_align(&base, n, align);
            char *c = (char *)b;
            for (int t = 0; t < 200; t++) {
                for (size_t i = 0; i < n; i++)
                    c[i] = al[rand_r(&seed) % (sizeof al - 1)];
                for (size_t pos = 0; pos <= n; pos++)
                    cr_assert_eq(ls_xp_marks(c, n, pos),
                                 ls_xp_marks_scalar(c, n, pos, pos + 4),
                                 "n %zu pos %zu %.*s", n, pos, (int)n, c);
                cr_assert_eq(ls_find_pair(c, n, 'f', 'a'),
                             ls_find_pair_scalar(c, n, 'f', 'a'));
                cr_assert_eq(ls_find_pair(c, n, ' ', 'L'),
                             ls_find_pair_scalar(c, n, ' ', 'L'));
            }
            free(base);
        }
}

Test(simd, find_eol_equals_scalar)
{
    for (size_t n = 0; n <= 70; n++)
        for (size_t pos = 0; pos <= n; pos++)
            for (int c = 0; c < 2; c++) {
                char *b = malloc(n ? n : 1); /* nothing past n is read */
                memset(b, 'x', n);
                if (pos < n)
                    b[pos] = c ? '\r' : '\n';
                if (pos + 5 < n) /* a later one does not count */
                    b[pos + 5] = c ? '\n' : '\r';
                cr_assert_eq(ls_find_eol_scalar(b, n), pos);
                cr_assert_eq(ls_find_eol(b, n), pos, "n %zu pos %zu", n, pos);
                free(b);
            }
}

Test(simd, no_at_ldr_equals_scalar)
{
    static const char *const needles[] = {"@", "LDR:", "LD", "LDR", "L@"};
    for (size_t n = 0; n <= 70; n++)
        for (size_t k = 0; k < 5; k++)
            for (size_t pos = 0; pos <= n; pos++) {
                char *b = malloc(n + 1);
                memset(b, 'L', n); /* "LL...": no "LD" */
                size_t len = strlen(needles[k]);
                if (pos + len <= n)
                    memcpy(b + pos, needles[k], len);
                bool want = ls_no_at_ldr_scalar(b, n);
                cr_assert_eq(ls_no_at_ldr(b, n), want,
                             "n %zu needle %s pos %zu", n, needles[k], pos);
                free(b);
            }
}

Test(simd, names_watched_equals_scalar)
{
    _Alignas(16) unsigned char watch[4][16];
    const unsigned char w[4] = {'%', 'Q', '#', '~'};
    for (int i = 0; i < 4; i++)
        memset(watch[i], w[i], 16);
    char line[200];
    /* a frame of 16 bytes without watched bytes, then the names */
    for (size_t a = 16; a < 40; a++)
        for (size_t b = a + 1; b < 120; b++)
            for (size_t pos = a - 1; pos <= b; pos++) {
                memset(line, 'n', sizeof line);
                if (pos >= a && pos < b)
                    line[pos] = (char)w[pos % 4];
                bool want = ls_names_watched_scalar(watch, line, a, b);
                cr_assert_eq(want, pos >= a && pos < b);
                cr_assert_eq(ls_names_watched(watch, line, a, b), want,
                             "a %zu b %zu pos %zu", a, b, pos);
            }
}

/* The first k (0 to 16) bytes of a 16-byte read checked as the scalar
 * loop checks them: a watched byte at each place, before k and after. */
Test(simd, names_watched_head_equals_scalar)
{
    _Alignas(16) unsigned char watch[4][16];
    const unsigned char w[4] = {'q', 'Z', 0xE4, '#'};
    for (int i = 0; i < 4; i++)
        memset(watch[i], w[i], 16);
    for (size_t k = 0; k <= 16; k++)
        for (size_t pos = 0; pos <= 16; pos++) /* 16: none */
            for (int j = 0; j < 4; j++) {
                char line[16];
                memset(line, 'a', sizeof line);
                if (pos < 16)
                    line[pos] = (char)w[j];
                bool want = ls_names_watched_scalar(watch, line, 0, k);
                cr_assert_eq(want, pos < k);
                cr_assert_eq(ls_names_watched_head(watch, line, k), want,
                             "k %zu pos %zu", k, pos);
            }
}

Test(simd, copy_line_copies)
{
    char src[100], dst[100];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (char)('!' + i % 90);
    for (size_t n = 0; n < sizeof src; n++) {
        memset(dst, 0, sizeof dst);
        ls_copy_line(dst, src, n);
        cr_assert_eq(memcmp(dst, src, n), 0);
        cr_assert_eq(n < sizeof dst ? dst[n] : 0, 0, "n %zu", n);
    }
}

/* The line and its NUL streamed as whole 16-byte blocks: the line's
 * bytes, the NUL, zeros to the block's end; nothing past it written and
 * nothing past the line read (the source ends at a guard of other
 * bytes). */
Test(simd, stream_line_streams_the_line_and_its_nul)
{
    _Alignas(16) char dst[160];
    char src[130];
    for (size_t n = 0; n < 128; n++) {
        for (size_t i = 0; i < sizeof src; i++)
            src[i] = (char)('!' + i % 90);
        memset(src + n, 'Z', sizeof src - n); /* past the line */
        memset(dst, 0x55, sizeof dst);
        ls_stream_line(dst, src, n);
        ls_stream_fence();
        size_t span = (n + 16) / 16 * 16;
        cr_assert_eq(memcmp(dst, src, n), 0, "n %zu", n);
        for (size_t i = n; i < span; i++)
            cr_assert_eq(dst[i], 0, "n %zu byte %zu", n, i);
        for (size_t i = span; i < sizeof dst; i++)
            cr_assert_eq((unsigned char)dst[i], 0x55, "n %zu byte %zu", n, i);
    }
}

/* ls_stream_line_over(): the same blocks as ls_stream_line(), the last
 * one read whole past the line when room says it can be (the bytes
 * after the line, other than zeros, masked off), and as
 * ls_stream_line() does when it cannot; in an allocation of exactly
 * room bytes (ASan sees a read past them). */
Test(simd, stream_line_over_streams_as_stream_line)
{
    _Alignas(16) char dst[160], want[160];
    for (size_t n = 0; n < 128; n++) {
        for (size_t room = n; room < n + 20; room++) {
            char *src = malloc(room ? room : 1);
            cr_assert_not_null(src);
            for (size_t i = 0; i < room; i++)
                src[i] = i < n ? (char)('!' + i % 90) : 'Z';
            memset(dst, 0x55, sizeof dst);
            memset(want, 0x55, sizeof want);
            ls_stream_line(want, src, n);
            ls_stream_line_over(dst, src, n, room);
            ls_stream_fence();
            cr_assert_eq(memcmp(dst, want, sizeof dst), 0, "n %zu room %zu", n,
                         room);
            free(src);
        }
    }
}

/* ls_basename_n() reads 16 bytes at a time from the end: every length
 * to 70, a separator ('\\' or '/') at every place and a later one, in
 * an allocation of exactly the path's bytes (no NUL: ASan sees a read
 * past them), against the last separator found a byte at a time. */
Test(simd, basename_n_equals_scalar)
{
    for (size_t len = 0; len <= 70; len++)
        for (size_t sep = 0; sep <= len; sep++)
            for (int later = 0; later < 2; later++) {
                char *s = malloc(len ? len : 1);
                cr_assert_not_null(s);
                for (size_t i = 0; i < len; i++)
                    s[i] = (char)('a' + i % 26);
                if (sep < len)
                    s[sep] = sep % 2 ? '\\' : '/';
                if (later && sep + 3 < len)
                    s[sep + 3] = '\\';
                const char *want = s;
                for (size_t i = 0; i < len; i++)
                    if (s[i] == '\\' || s[i] == '/')
                        want = s + i + 1;
                cr_assert_eq(ls_basename_n(s, len), want,
                             "len %zu sep %zu later %d", len, sep, later);
                cr_assert_eq(ls_basename_n_scalar(s, len), want,
                             "len %zu sep %zu later %d", len, sep, later);
                free(s);
            }
    cr_assert_str_eq(ls_basename_n("C:\\Windows\\System32\\kernel32.dll", 32),
                     "kernel32.dll");
}

/* has2_z(): strlen() and a search for two bytes in one pass, the same
 * answers as the two, at every alignment, with the bytes before, at and
 * after the NUL (after it they never count), and for strings whose NUL
 * is the last byte of a page with none after it. */
EACH_FORM(has2_z_equals_strlen_and_search)
{
    const ls_simd *s = use(*ix);
    char buf[256];
    for (size_t n = 0; n < 100; n++)
        for (size_t off = 0; off < 64; off++) {
            char *p = buf + off;
            memset(buf, '=', sizeof buf); /* past the NUL: a probe */
            memset(p, 'x', n);
            p[n] = '\0';
            for (size_t pos = 0; pos <= n; pos++) { /* n: none */
                for (int which = 0; which < 2; which++) {
                    if (pos < n)
                        p[pos] = which ? '=' : '\'';
                    size_t len = 12345;
                    bool hit = s->has2_z(p, '\'', '=', &len);
                    cr_assert_eq(hit, pos < n, "%s: n %zu off %zu pos %zu",
                                 s->name, n, off, pos);
                    if (!hit)
                        cr_assert_eq(len, n, "%s: n %zu off %zu", s->name, n,
                                     off);
                    if (pos < n)
                        p[pos] = 'x';
                    if (pos == n)
                        break;
                }
            }
        }
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(m, MAP_FAILED);
    cr_assert_eq(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
    for (size_t n = 0; n < 70; n++) {
        char *p = m + pg - 1 - n;
        memset(p, 'y', n);
        p[n] = '\0';
        size_t len = 0;
        cr_assert(!s->has2_z(p, '\'', '=', &len), "%s: n %zu", s->name, n);
        cr_assert_eq(len, n);
        if (n) {
            p[n - 1] = '\'';
            cr_assert(s->has2_z(p, '\'', '=', &len), "%s: n %zu", s->name, n);
        }
    }
    munmap(m, 2 * (size_t)pg);
}

Test(simd, basename_equals_scalar)
{
    static const char *const paths[] = {
        "",
        "a.dll",
        "C:\\Windows\\System32\\kernel32.dll",
        "C:/x/y.dll",
        "C:\\mixed/sep\\last.dll",
        "trailing\\",
        "\\",
        "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/after.dll",
    };
    char buf[160];
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        for (size_t off = 0; off < 32; off++) { /* every alignment */
            strcpy(buf + off, paths[i]);
            const char *p = buf + off;
            cr_assert_eq(ldrsnap__simd_basename(p), ls_basename_scalar(p),
                         "%s at %zu", paths[i], off);
        }
}
