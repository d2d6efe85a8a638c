/*
 * simd/simd.h - every vector pass of the library, and the only place that
 * includes <emmintrin.h> or <immintrin.h>.  libc only: takes bytes, gives
 * answers about them; knows no record, line or rule, so any stage (core
 * too) may include it.
 *
 * Two kinds of pass:
 *
 * - Kernels over a chunk or a record (ls_simd), chosen once per process
 *   by what the CPU runs: "avx2", "sse2" or "scalar".  The scalar twins
 *   (simd_scalar.c) are always built and are the reference the tests
 *   compare every other form against (tests/unit/test_simd.c); the tests
 *   and the differential test force one with ldrsnap__simd_use().  A
 *   stage copies the table's pointer when it is made, so a kernel costs
 *   one indirect call per chunk or record, never one per byte.
 *
 * - Small helpers that a per-line path calls, inline so that they unroll:
 *   SSE2 where the compiler targets it (x86-64's baseline), else the
 *   scalar twin beside each (ls_*_scalar), which the tests compare too.
 *
 * LS_NO_SIMD (make check-portable) builds no vector form at all: every
 * pass is its scalar twin, as on a compiler without x86 intrinsics.
 */
#ifndef LS_SIMD_H
#define LS_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(LS_NO_SIMD) && defined(__SSE2__) && defined(__x86_64__)
#define LS_SSE2 1
#include <emmintrin.h>
#else
#define LS_SSE2 0
#endif
/* simd_avx2.c is built with -mavx2 (GCC and clang on x86-64) */
#if !defined(LS_NO_SIMD) && defined(__x86_64__) && defined(__GNUC__)
#define LS_AVX2 1
#else
#define LS_AVX2 0
#endif

/* ---- kernels, chosen once per process ---------------------------------- */

typedef struct ls_simd {
    const char *name; /* "scalar", "sse2", "avx2" */
    /* Is s[0..n) plain ASCII (no byte >= 0x80, no NUL)?  Also marks each
     * '\n' in nl (a bit per byte, bit i % 64 of nl[i / 64]; n / 64 + 1
     * words are written, no bit past n), and tells whether s holds a '\r'
     * (*cr) and whether one is not followed by '\n' (*lone_cr; a '\r' in
     * the last byte does not count). */
    bool (*plain_chunk)(const unsigned char *s, size_t n, uint64_t *nl,
                        bool *cr, bool *lone_cr);
    /* Is s[0..n) plain ASCII?  Also marks each 64-byte block that holds
     * one of watch[0..k), 1 <= k <= 4, or a byte past ASCII: bit b % 64
     * of map[b / 64] (words 0 .. (n - 1) / 4096 are written). */
    bool (*watch_chunk)(const unsigned char *s, size_t n,
                        const unsigned char *watch, size_t k, uint64_t *map);
    /* Is s[0..n) plain ASCII (no byte >= 0x80, no NUL)? */
    bool (*plain)(const unsigned char *s, size_t n);
    /* Does s[0..n) hold one of bytes[0..k), 1 <= k <= 4, or a byte past
     * ASCII (which could be a letter case-blind matching takes for one of
     * them)? */
    bool (*any_of4)(const char *s, size_t n, const unsigned char *bytes,
                    size_t k);
    /* UTF-16LE -> UTF-8 for the ASCII stretches that are nearly all of a
     * log: how many of the n code units at p, from the first, are
     * U+0001..U+007F (one UTF-8 byte each); those are written to out,
     * which has room for n bytes (a vector kernel may write past the
     * count, within them). */
    size_t (*utf16le_ascii)(const unsigned char *p, size_t n, char *out);
    /* utf16le_ascii() and plain_chunk() in one pass, for a piece of UTF-8
     * that begins at out: the units transcoded (their count returned, as
     * utf16le_ascii() counts them), and what plain_chunk() tells of the
     * first m bytes written, m the count rounded down to 64 (all ASCII):
     * their '\n' bits in nl (m / 64 + 1 words, the last one empty), *cr
     * and *lone_cr. */
    size_t (*utf16le_ascii_nl)(const unsigned char *p, size_t n, char *out,
                               uint64_t *nl, bool *cr, bool *lone_cr);
    /* Does s[0..n) hold one of bytes[0..k), 1 <= k <= 4?  any_of4()
     * without its bytes past ASCII: for bytes that no character past
     * ASCII stands for to a case-blind match (no letter). */
    bool (*has_of4)(const char *s, size_t n, const unsigned char *bytes,
                    size_t k);
    /* Does byte a or b come before the NUL of s (a NUL itself never
     * counts)?  When neither does, s's length into *len: strlen() and
     * the search in one pass.  The vector forms read whole aligned
     * blocks, as ldrsnap__simd_basename() does (past the NUL, never past
     * its page; unseen by the sanitizers), and are not inline. */
    bool (*has2_z)(const char *s, unsigned char a, unsigned char b,
                   size_t *len);
} ls_simd;

/* The kernels this process uses: the best the CPU runs, unless a test
 * chose others.  Never NULL. */
const ls_simd *ldrsnap__simd(void);
/* Tests: use the kernels named "scalar", "sse2" or "avx2" from now on
 * (stages made before keep theirs).  0, or -1 when this build or CPU has
 * no such form. */
int ldrsnap__simd_use(const char *name);

/* The tables, for simd.c and the tests (a form this build lacks has NULL
 * kernels). */
extern const ls_simd ldrsnap__simd_scalar;
extern const ls_simd ldrsnap__simd_sse2;
extern const ls_simd ldrsnap__simd_avx2;

/* ---- inline helpers: SSE2 or the scalar twin --------------------------- */

#if LS_SSE2
#define LS_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#endif

/* The index of the lowest bit set in m (m != 0). */
static inline unsigned ls_ctz64(uint64_t m)
{
#ifdef __GNUC__
    return (unsigned)__builtin_ctzll(m);
#else
    unsigned k = 0;
    for (; !(m & 1); m >>= 1)
        k++;
    return k;
#endif
}

/* Is s[0..n) ASCII (no byte >= 0x80)? */
static inline bool ls_ascii_scalar(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

static inline bool ls_ascii(const char *s, size_t n)
{
#if LS_SSE2
    size_t i = 0;
    __m128i acc = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16)
        acc = _mm_or_si128(acc, LS_LOADU(s + i));
    if (_mm_movemask_epi8(acc))
        return false;
    return ls_ascii_scalar(s + i, n - i);
#else
    return ls_ascii_scalar(s, n);
#endif
}

/* How many bytes of s[0..n), from the first, are plain ASCII (neither
 * NUL nor past 0x7F).  Where a chunk is not plain, the lines before its
 * first such byte are, and need no check of their own. */
static inline size_t ls_plain_len_scalar(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] && s[i] < 0x80)
        i++;
    return i;
}

static inline size_t ls_plain_len(const unsigned char *s, size_t n)
{
#if LS_SSE2
    size_t i = 0;
    const __m128i zero = _mm_setzero_si128();
    /* 64 bytes a step while they are all plain (nearly always), then
     * 16 to find the byte */
    for (; i + 64 <= n; i += 64) {
        __m128i a = LS_LOADU(s + i), b = LS_LOADU(s + i + 16),
                c = LS_LOADU(s + i + 32), d = LS_LOADU(s + i + 48);
        __m128i nul = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(a, zero), _mm_cmpeq_epi8(b, zero)),
            _mm_or_si128(_mm_cmpeq_epi8(c, zero), _mm_cmpeq_epi8(d, zero)));
        __m128i any = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d));
        if (_mm_movemask_epi8(_mm_or_si128(any, nul)))
            break;
    }
    for (; i + 16 <= n; i += 16) {
        __m128i v = LS_LOADU(s + i);
        /* a byte past ASCII has its top bit set; a NUL equals zero */
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(v, _mm_cmpeq_epi8(v, zero)));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
    return i + ls_plain_len_scalar(s + i, n - i);
#else
    return ls_plain_len_scalar(s, n);
#endif
}

/* Does s[a..b) of an ASCII line hold one of watch[0..4)[0] (each byte
 * stands 16 times in its row)?  The SSE2 form reads 16 bytes at a time,
 * the last 16 ending at b (b >= 16): bytes before a that it reads must
 * hold none of them (a plain line's frame, ldrsnap__rx_watch_names()). */
static inline bool ls_names_watched_scalar(const unsigned char (*watch)[16],
                                           const char *s, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == watch[0][0] || c == watch[1][0] || c == watch[2][0] ||
            c == watch[3][0])
            return true;
    }
    return false;
}

static inline bool ls_names_watched(const unsigned char (*watch)[16],
                                    const char *s, size_t a, size_t b)
{
#if LS_SSE2
    const __m128i w0 = _mm_load_si128((const __m128i *)(const void *)watch[0]),
                  w1 = _mm_load_si128((const __m128i *)(const void *)watch[1]),
                  w2 = _mm_load_si128((const __m128i *)(const void *)watch[2]),
                  w3 = _mm_load_si128((const __m128i *)(const void *)watch[3]);
#define LS_WIN(v)                                                             \
    _mm_movemask_epi8(_mm_or_si128(                                           \
        _mm_or_si128(_mm_cmpeq_epi8(v, w0), _mm_cmpeq_epi8(v, w1)),           \
        _mm_or_si128(_mm_cmpeq_epi8(v, w2), _mm_cmpeq_epi8(v, w3))))
    for (; a + 16 < b; a += 16) {
        __m128i v = LS_LOADU(s + a);
        if (LS_WIN(v))
            return true;
    }
    __m128i v = LS_LOADU(s + b - 16);
    return LS_WIN(v) != 0;
#undef LS_WIN
#else
    return ls_names_watched_scalar(watch, s, a, b);
#endif
}

/* ls_names_watched_scalar(watch, s, 0, k) for k <= 16 when the 16 bytes
 * at s can be read: one vector, its bytes from k on left out (a short
 * prefix such as "app(1234): " was read a byte at a time). */
static inline bool ls_names_watched_head(const unsigned char (*watch)[16],
                                         const char *s, size_t k)
{
#if LS_SSE2
    const __m128i v = LS_LOADU(s);
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
        _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_load_si128(
                                  (const __m128i *)(const void *)watch[0])),
            _mm_cmpeq_epi8(v, _mm_load_si128(
                                  (const __m128i *)(const void *)watch[1]))),
        _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_load_si128(
                                  (const __m128i *)(const void *)watch[2])),
            _mm_cmpeq_epi8(v, _mm_load_si128(
                                  (const __m128i *)(const void *)watch[3])))));
    return (m & ((1u << k) - 1)) != 0;
#else
    return ls_names_watched_scalar(watch, s, 0, k);
#endif
}

/* Where the first '\n' or '\r' of s[0..n) is, n when none. */
static inline size_t ls_find_eol_scalar(const char *s, size_t n)
{
    size_t j = 0;
    while (j < n && s[j] != '\n' && s[j] != '\r')
        j++;
    return j;
}

static inline size_t ls_find_eol(const char *s, size_t n)
{
    size_t i = 0;
#if LS_SSE2
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    for (; i + 16 <= n; i += 16) {
        __m128i v = LS_LOADU(s + i);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    return i + ls_find_eol_scalar(s + i, n - i);
}

/* The first c in f[0..n), or NULL.  The SSE2 form tests the first 32
 * bytes as one (a loader function's name and " - " fit there most of the
 * time), then 16 at a time. */
static inline const char *ls_find_byte_scalar(const char *f, size_t n, char c)
{
    return memchr(f, c, n);
}

static inline const char *ls_find_byte(const char *f, size_t n, char c)
{
#if LS_SSE2
    const __m128i sp = _mm_set1_epi8(c);
    size_t i = 0;
    if (n >= 32) {
        unsigned m =
            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(LS_LOADU(f), sp)) |
            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(LS_LOADU(f + 16), sp))
                << 16;
        if (m)
            return f + __builtin_ctz(m);
        i = 32;
    }
    for (; i + 16 <= n; i += 16) {
        unsigned m =
            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(LS_LOADU(f + i), sp));
        if (m)
            return f + i + (size_t)__builtin_ctz(m);
    }
    return memchr(f + i, c, n - i);
#else
    return ls_find_byte_scalar(f, n, c);
#endif
}

/* Does p[0..n) hold c?  Inline: the SSE2 form spares a call to memchr()
 * on short strings such as a DLL's name. */
static inline bool ls_has_byte_scalar(const char *p, size_t n, char c)
{
    return memchr(p, c, n) != NULL;
}

static inline bool ls_has_byte(const char *p, size_t n, char c)
{
#if LS_SSE2
    const __m128i v = _mm_set1_epi8(c);
    if (n >= 16) {
        size_t i = 0;
        for (; i + 16 <= n; i += 16)
            if (_mm_movemask_epi8(_mm_cmpeq_epi8(LS_LOADU(p + i), v)))
                return true;
        /* the tail, as the last 16 bytes */
        return i < n &&
               _mm_movemask_epi8(_mm_cmpeq_epi8(LS_LOADU(p + n - 16), v));
    }
#endif
    return ls_has_byte_scalar(p, n, c);
}

/* A bit for each byte of s[0..n) equal to c, n at most 64 (bit i for
 * s[i]).  The SSE2 form reads 16 bytes at a time, the last block
 * overlapping the one before; below 16 bytes, the scalar twin. */
static inline uint64_t ls_byte_bits64_scalar(const char *s, size_t n, char c)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++)
        m |= (uint64_t)(s[i] == c) << i;
    return m;
}

static inline uint64_t ls_byte_bits64(const char *s, size_t n, char c)
{
#if LS_SSE2
    if (n >= 16) {
        const __m128i v = _mm_set1_epi8(c);
        uint64_t m = 0;
        size_t i = 0;
        for (; i + 16 <= n; i += 16)
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(
                     _mm_cmpeq_epi8(LS_LOADU(s + i), v))
                 << i;
        if (i < n) /* the last 16 bytes: their first 16 - (n - i) again */
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(
                     _mm_cmpeq_epi8(LS_LOADU(s + n - 16), v))
                 << (n - 16);
        return m;
    }
#endif
    return ls_byte_bits64_scalar(s, n, c);
}

/* Do the 16 bytes at p equal lit's 16? */
static inline bool ls_eq16_scalar(const char *p, const char *lit)
{
    return memcmp(p, lit, 16) == 0;
}

static inline bool ls_eq16(const char *p, const char *lit)
{
#if LS_SSE2
    return _mm_movemask_epi8(_mm_cmpeq_epi8(LS_LOADU(p), LS_LOADU(lit))) ==
           0xFFFF;
#else
    return ls_eq16_scalar(p, lit);
#endif
}

/* Does s[0..n) hold neither '@' nor "LDR:" (no Vista or XP record head
 * can start in it)? */
static inline bool ls_no_at_ldr_scalar(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '@' ||
            (s[i] == 'L' && n - i >= 4 && memcmp(s + i, "LDR:", 4) == 0))
            return false;
    return true;
}

static inline bool ls_no_at_ldr(const char *s, size_t n)
{
    size_t i = 0;
#if LS_SSE2
    /* one pass for '@' and "LD" (then "R:") */
    const __m128i at = _mm_set1_epi8('@'), L = _mm_set1_epi8('L'),
                  D = _mm_set1_epi8('D');
    for (; i + 17 <= n; i += 16) {
        __m128i v = LS_LOADU(s + i);
        __m128i w = LS_LOADU(s + i + 1);
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, at)))
            return false;
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(v, L), _mm_cmpeq_epi8(w, D)));
        for (; m; m &= m - 1) {
            size_t j = i + (size_t)__builtin_ctz(m);
            if (j + 4 <= n && s[j + 2] == 'R' && s[j + 3] == ':')
                return false;
        }
    }
#endif
    return ls_no_at_ldr_scalar(s + i, n - i);
}

/* Where the first '@' or "LDR:" of s[0..n) is (whichever comes first: the
 * first byte where a Vista or XP record head could be), n when none. */
static inline size_t ls_first_at_ldr_scalar(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '@' ||
            (s[i] == 'L' && n - i >= 4 && memcmp(s + i, "LDR:", 4) == 0))
            return i;
    return n;
}

/* DebugView's columns before a record ("00000002\t0.0027\t[5440] ": a
 * count, a time, the pid): their length when s[0..n) (n >= 32) begins
 * with a digit and the first "] " ends within its first 32 bytes, with
 * no '@' and no 'L' before it (the line's first '@' or "LDR:" is then
 * after them), else 0.  The SSE2 form reads the 32 bytes as two
 * vectors. */
static inline size_t ls_columns_len_scalar(const char *s, size_t n)
{
    if (n < 32 || (unsigned)((unsigned char)s[0] - '0') > 9)
        return 0;
    for (size_t i = 0; i < 31; i++) {
        if (s[i] == '@' || s[i] == 'L')
            return 0;
        if (s[i] == ']' && s[i + 1] == ' ')
            return i + 2;
    }
    return 0;
}

static inline size_t ls_columns_len(const char *s, size_t n)
{
#if LS_SSE2
    if (n < 32 || (unsigned)((unsigned char)s[0] - '0') > 9)
        return 0;
    const __m128i a = LS_LOADU(s), b = LS_LOADU(s + 16);
#define LS_BITS32(c)                                                          \
    ((uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, _mm_set1_epi8(c))) |      \
     (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8(c))) << 16)
    uint32_t m = LS_BITS32(']') & (LS_BITS32(' ') >> 1);
    if (!m)
        return 0;
    unsigned k = (unsigned)__builtin_ctz(m) + 2; /* at most 32 */
    uint32_t bad = LS_BITS32('@') | LS_BITS32('L');
#undef LS_BITS32
    return bad & (k == 32 ? ~0u : (1u << k) - 1) ? 0 : k;
#else
    return ls_columns_len_scalar(s, n);
#endif
}

static inline size_t ls_first_at_ldr(const char *s, size_t n)
{
    size_t i = 0;
#if LS_SSE2
    const __m128i at = _mm_set1_epi8('@'), L = _mm_set1_epi8('L'),
                  D = _mm_set1_epi8('D');
    for (; i + 17 <= n; i += 16) {
        __m128i v = LS_LOADU(s + i);
        __m128i w = LS_LOADU(s + i + 1);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(v, at),
            _mm_and_si128(_mm_cmpeq_epi8(v, L), _mm_cmpeq_epi8(w, D))));
        for (; m; m &= m - 1) { /* in order: the first that is one */
            size_t j = i + (size_t)__builtin_ctz(m);
            if (s[j] == '@' ||
                (j + 4 <= n && s[j + 2] == 'R' && s[j + 3] == ':'))
                return j;
        }
    }
    if (i && i < n) {
        /* the rest (1 to 16 bytes) as the 17 positions from n - 17 on,
         * those before i masked off: "LD" at n - 17 .. n - 2 (v, w), '@'
         * at n - 16 .. n - 1 (w), a bit each from n - 17 on */
        size_t b = n - 17;
        __m128i v = LS_LOADU(s + b), w = LS_LOADU(s + b + 1);
        uint32_t m = ((uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, at))
                      << 1) |
                     (uint32_t)_mm_movemask_epi8(_mm_and_si128(
                         _mm_cmpeq_epi8(v, L), _mm_cmpeq_epi8(w, D)));
        for (m &= ~0u << (i - b); m; m &= m - 1) {
            size_t j = b + (size_t)__builtin_ctz(m);
            if (s[j] == '@' ||
                (j + 4 <= n && s[j + 2] == 'R' && s[j + 3] == ':'))
                return j;
        }
        return n;
    }
#endif
    return i + ls_first_at_ldr_scalar(s + i, n - i);
}

/* Which of the general lexer's searches of a line with no record start
 * could find anything in s[0..n) (each bit clear: no such bytes in it, the
 * search finds nothing): LS_MK_SP_H a " h" (lex_ide()'s " ha"), LS_MK_E5 a
 * byte 0xE5 (its Chinese breakpoint's first), LS_MK_LD an "Ld"
 * (bare_vista()'s "Ldr"), LS_MK_QC a "\"," (lex_fragment()'s "\", Parent
 * Module: ").  One pass where the lexer made four searches. */
#define LS_MK_SP_H 1u
#define LS_MK_E5 2u
#define LS_MK_LD 4u
#define LS_MK_QC 8u

static inline unsigned ls_lex_marks_scalar(const char *s, size_t n)
{
    unsigned r = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i], d = i + 1 < n ? s[i + 1] : 0;
        r |= c == ' ' && d == 'h' ? LS_MK_SP_H : 0;
        r |= (unsigned char)c == 0xE5 ? LS_MK_E5 : 0;
        r |= c == 'L' && d == 'd' ? LS_MK_LD : 0;
        r |= c == '"' && d == ',' ? LS_MK_QC : 0;
    }
    return r;
}

static inline unsigned ls_lex_marks(const char *s, size_t n)
{
#if LS_SSE2
    if (n >= 17) {
        const __m128i sp = _mm_set1_epi8(' '), h = _mm_set1_epi8('h'),
                      e5 = _mm_set1_epi8((char)0xE5), L = _mm_set1_epi8('L'),
                      d = _mm_set1_epi8('d'), q = _mm_set1_epi8('"'),
                      cm = _mm_set1_epi8(',');
        __m128i a = _mm_setzero_si128(), b = a, c = a, e = a;
        /* pairs at i .. i + 15 (v, w), the last block the 16 from n - 17
         * on, overlapping the one before */
        for (size_t i = 0;; i += 16) {
            size_t k = i + 17 <= n ? i : n - 17;
            __m128i v = LS_LOADU(s + k), w = LS_LOADU(s + k + 1);
            a = _mm_or_si128(
                a, _mm_and_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(w, h)));
            b = _mm_or_si128(
                b, _mm_or_si128(_mm_cmpeq_epi8(v, e5), _mm_cmpeq_epi8(w, e5)));
            c = _mm_or_si128(
                c, _mm_and_si128(_mm_cmpeq_epi8(v, L), _mm_cmpeq_epi8(w, d)));
            e = _mm_or_si128(
                e, _mm_and_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(w, cm)));
            if (k == n - 17)
                break;
        }
        return (_mm_movemask_epi8(a) ? LS_MK_SP_H : 0) |
               (_mm_movemask_epi8(b) ? LS_MK_E5 : 0) |
               (_mm_movemask_epi8(c) ? LS_MK_LD : 0) |
               (_mm_movemask_epi8(e) ? LS_MK_QC : 0);
    }
#endif
    return ls_lex_marks_scalar(s, n);
}

/* What XP's record at pos says of the line s[0..n) around it: bit 0, an
 * "LDR:" at or after glue (pos + 4: a record glued after it); bit 1, a
 * "fail" at or after pos (a failure record, which a pasted log may wrap).
 * One pass for both, where the parser and the lexer took three searches. */
static inline unsigned ls_xp_marks_scalar(const char *s, size_t n, size_t i,
                                          size_t glue)
{
    unsigned r = 0;
    for (; i + 4 <= n; i++) {
        if (s[i] == 'L' && i >= glue && memcmp(s + i, "LDR:", 4) == 0)
            r |= 1;
        if (s[i] == 'f' && memcmp(s + i, "fail", 4) == 0)
            r |= 2;
    }
    return r;
}

#if LS_SSE2
/* ls_xp_marks() of the 16 positions from i on (s[i..i + 17) read). */
static inline unsigned ls_xp_marks16(const char *s, size_t n, size_t i,
                                     size_t glue)
{
    const __m128i L = _mm_set1_epi8('L'), D = _mm_set1_epi8('D'),
                  f = _mm_set1_epi8('f'), a = _mm_set1_epi8('a');
    __m128i v = LS_LOADU(s + i);
    __m128i w = LS_LOADU(s + i + 1);
    unsigned ml = (unsigned)_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpeq_epi8(v, L), _mm_cmpeq_epi8(w, D)));
    unsigned mf = (unsigned)_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpeq_epi8(v, f), _mm_cmpeq_epi8(w, a)));
    unsigned r = 0;
    for (; ml; ml &= ml - 1) {
        size_t j = i + (size_t)__builtin_ctz(ml);
        if (j >= glue && j + 4 <= n && s[j + 2] == 'R' && s[j + 3] == ':')
            r |= 1;
    }
    for (; mf; mf &= mf - 1) {
        size_t j = i + (size_t)__builtin_ctz(mf);
        if (j + 4 <= n && s[j + 2] == 'i' && s[j + 3] == 'l')
            r |= 2;
    }
    return r;
}
#endif

static inline unsigned ls_xp_marks(const char *s, size_t n, size_t pos)
{
    size_t i = pos, glue = pos + 4;
    unsigned r = 0;
#if LS_SSE2
    if (n - pos >= 17) {
        for (; i + 17 <= n; i += 16)
            r |= ls_xp_marks16(s, n, i, glue);
        /* the rest as the 16 positions from n - 17 on, overlapping those
         * before (a mark found twice is the same mark) */
        return i + 3 < n ? r | ls_xp_marks16(s, n, n - 17, glue) : r;
    }
#endif
    return r | ls_xp_marks_scalar(s, n, i, glue);
}

/* The first i with s[i] == a and s[i + 1] == b in s[0..n), or NULL: where
 * a word of two bytes or more may start. */
static inline const char *ls_find_pair_scalar(const char *s, size_t n, char a,
                                              char b)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == a && s[i + 1] == b)
            return s + i;
    return NULL;
}

static inline const char *ls_find_pair(const char *s, size_t n, char a,
                                       char b)
{
    size_t i = 0;
#if LS_SSE2
    const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
    for (; i + 17 <= n; i += 16) {
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(LS_LOADU(s + i), va),
                          _mm_cmpeq_epi8(LS_LOADU(s + i + 1), vb)));
        if (m)
            return s + i + (size_t)__builtin_ctz(m);
    }
    if (i && i + 1 < n) {
        /* the rest as the 16 pairs from n - 17 on, those before i masked
         * off (most searches here find nothing: no byte at a time) */
        size_t k = n - 17;
        unsigned m = (unsigned)_mm_movemask_epi8(
                         _mm_and_si128(_mm_cmpeq_epi8(LS_LOADU(s + k), va),
                                       _mm_cmpeq_epi8(LS_LOADU(s + k + 1), vb))) &
                     (~0u << (i - k));
        return m ? s + k + (size_t)__builtin_ctz(m) : NULL;
    }
#endif
    const char *p = ls_find_pair_scalar(s + i, n - i, a, b);
    return p;
}

/* memcpy(d, s, n) for a line: 16 bytes at a time, the last 16 ending at
 * its end (no call; a line is rarely shorter than that). */
static inline void ls_copy_line(char *d, const char *s, size_t n)
{
#if LS_SSE2
    if (n >= 16) {
        for (size_t i = 0; i + 16 < n; i += 16)
            _mm_storeu_si128((__m128i *)(void *)(d + i), LS_LOADU(s + i));
        _mm_storeu_si128((__m128i *)(void *)(d + n - 16),
                         LS_LOADU(s + n - 16));
        return;
    }
#endif
    memcpy(d, s, n);
}

/* memset(d, 0, n) for a struct of known size: 16 bytes at a time.  GCC
 * makes a memset() of a few hundred bytes, and a plain loop of stores,
 * a `rep stos`, whose start costs tens of cycles; the empty asm keeps the
 * loop a loop. */
static inline void ls_clear(void *d, size_t n)
{
#if LS_SSE2 && defined(__GNUC__)
    char *p = d;
    size_t i = 0;
    __m128i z = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        _mm_storeu_si128((__m128i *)(void *)(p + i), z);
        __asm__("" : "+x"(z));
    }
    if (i < n)
        memset(p + i, 0, n - i);
#else
    memset(d, 0, n);
#endif
}

/* Copy n bytes (a multiple of 8; dst 8-byte aligned) for another thread,
 * with non-temporal stores where the CPU has them: the bytes go to memory
 * without being read for ownership first, which here costs a round trip
 * to the core that read them last.  ls_stream_fence() orders them before
 * the hand-over.  Inline: a constant n unrolls. */
static inline void ls_stream_copy(void *dst, const void *src, size_t n)
{
#if LS_SSE2
    char *d = dst;
    const char *s = src;
    size_t i = 0;
    if (((uintptr_t)d & 15) == 0) {
#ifdef __GNUC__
#pragma GCC unroll 12 /* a whole record item, when n is known */
#endif
        for (; i + 16 <= n; i += 16)
            _mm_stream_si128((__m128i *)(void *)(d + i), LS_LOADU(s + i));
    }
    for (; i < n; i += 8) {
        long long v;
        memcpy(&v, s + i, 8);
        _mm_stream_si64((long long *)(void *)(d + i), v);
    }
#else
    memcpy(dst, src, n);
#endif
}

/* Stream the line s[0..n) and a NUL to dst (16-byte aligned) as the
 * (n + 16) / 16 blocks ls_stream_copy() would send of a staged copy: its
 * whole blocks straight from s, the last one (the line's last n % 16
 * bytes, the NUL, zeros) put together from two words that end at the
 * line's end; s[n] and past are not read.  The line need not be staged
 * in a buffer of this core's first. */
static inline void ls_stream_line(void *dst, const char *s, size_t n)
{
#if LS_SSE2
    char *d = dst;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm_stream_si128((__m128i *)(void *)(d + i), LS_LOADU(s + i));
    size_t r = n - i; /* 0 to 15 bytes, then the NUL */
    uint64_t lo = 0, hi = 0;
    if (n >= 8) { /* x86: little-endian words */
        uint64_t e;
        memcpy(&e, s + n - 8, 8); /* the line's last eight bytes */
        if (r >= 8) {
            memcpy(&lo, s + i, 8);
            hi = r > 8 ? e >> (8 * (16 - r)) : 0;
        } else {
            lo = r ? e >> (8 * (8 - r)) : 0;
        }
    } else {
        for (size_t k = 0; k < r; k++)
            lo |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
    }
    _mm_stream_si128((__m128i *)(void *)(d + i),
                     _mm_set_epi64x((long long)hi, (long long)lo));
#else
    char *d = dst;
    memcpy(d, s, n);
    memset(d + n, 0, 16 - n % 16);
#endif
}

/* ls_stream_line() when room >= n bytes can be read from s (the line's
 * '\n' and what follows it in the bytes being split): the last block is
 * loaded whole, past the line, and the bytes from the line's end on set
 * to zero by a mask (the NUL among them); the same stores. */
static inline void ls_stream_line_over(void *dst, const char *s, size_t n,
                                       size_t room)
{
#if LS_SSE2
    size_t r = n % 16, i = n - r;
    if (room < i + 16) {
        ls_stream_line(dst, s, n);
        return;
    }
    static const unsigned char ones[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                           0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                           0xFF, 0xFF, 0xFF, 0xFF};
    char *d = dst;
    for (size_t k = 0; k < i; k += 16)
        _mm_stream_si128((__m128i *)(void *)(d + k), LS_LOADU(s + k));
    _mm_stream_si128(
        (__m128i *)(void *)(d + i),
        _mm_and_si128(LS_LOADU(s + i), LS_LOADU((const char *)ones + 16 - r)));
#else
    (void)room;
    ls_stream_line(dst, s, n);
#endif
}

static inline void ls_stream_fence(void)
{
#if LS_SSE2
    _mm_sfence();
#endif
}

/* How many bytes of s[0..n), from the first, go into a JSON string as
 * they are: printable ASCII other than '"' and '\\' (0x20..0x7E). */
static inline size_t ls_json_plain_scalar(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] >= 0x20 && s[i] < 0x7F && s[i] != '"' && s[i] != '\\')
        i++;
    return i;
}

#if LS_SSE2
/* A bit for each byte of v that does not go in as it is: below 0x20,
 * 0x7F and up, '"', '\\'.  One signed compare for the first two: v + 1
 * is below 0x21 exactly for 0x00-0x1F (0x01-0x20) and 0x7F-0xFF (0x80-0xFF
 * and 0x00, negative or zero). */
static inline unsigned ls_json_bad16(__m128i v)
{
    __m128i ctl = _mm_cmpgt_epi8(_mm_set1_epi8(0x21),
                                 _mm_add_epi8(v, _mm_set1_epi8(1)));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(
        ctl, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
}
#endif

static inline size_t ls_json_plain(const unsigned char *s, size_t n)
{
#if LS_SSE2
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        unsigned m = ls_json_bad16(LS_LOADU(s + i));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
    return i + ls_json_plain_scalar(s + i, n - i);
#else
    return ls_json_plain_scalar(s, n);
#endif
}

/* ls_json_plain() and a copy of those bytes to d (room for n bytes), in
 * one pass: 16-byte blocks, the last one overlapping the one before, two
 * 8-byte halves for 8 to 15 bytes.  Bytes of d past the count returned
 * may be written too (the writer's next bytes go there).  The scalar
 * twin is the oracle. */
static inline size_t ls_json_plain_copy_scalar(char *d, const unsigned char *s,
                                               size_t n)
{
    size_t k = ls_json_plain_scalar(s, n);
    memcpy(d, s, k);
    return k;
}


static inline size_t ls_json_plain_copy(char *d, const unsigned char *s,
                                        size_t n)
{
#if LS_SSE2
    if (n >= 16) {
        size_t i = 0;
        for (; i + 16 <= n; i += 16) {
            __m128i v = LS_LOADU(s + i);
            unsigned m = ls_json_bad16(v);
            _mm_storeu_si128((__m128i *)(void *)(d + i), v);
            if (m)
                return i + (size_t)__builtin_ctz(m);
        }
        if (i == n)
            return n;
        __m128i v = LS_LOADU(s + n - 16);
        /* the block's first 16 - (n - i) bytes were checked already */
        unsigned m = ls_json_bad16(v) >> (16 - (n - i));
        _mm_storeu_si128((__m128i *)(void *)(d + n - 16), v);
        return m ? i + (size_t)__builtin_ctz(m) : n;
    }
    if (n >= 8) {
        __m128i lo = _mm_loadl_epi64((const __m128i *)(const void *)s);
        __m128i hi = _mm_loadl_epi64((const __m128i *)(const void *)(s + n - 8));
        unsigned m = ls_json_bad16(_mm_unpacklo_epi64(lo, hi));
        _mm_storel_epi64((__m128i *)(void *)d, lo);
        _mm_storel_epi64((__m128i *)(void *)(d + n - 8), hi);
        if (m & 0xFF)
            return (size_t)__builtin_ctz(m);
        return m ? n - 8 + (size_t)__builtin_ctz(m >> 8) : n;
    }
#endif
    return ls_json_plain_copy_scalar(d, s, n);
}

/* The file name in a path: after its last '\\' or '/', or the path. */
static inline const char *ls_basename_scalar(const char *path)
{
    const char *bs = strrchr(path, '\\'), *sl = strrchr(path, '/');
    const char *b = !bs ? sl : !sl ? bs : bs > sl ? bs : sl;
    return b ? b + 1 : path;
}

/* The file name in the path s of n bytes (n = strlen(s)): after its last
 * '\\' or '/', or s; read from the end, where a file name is short. */
static inline const char *ls_basename_n_scalar(const char *s, size_t n)
{
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '\\' || s[i - 1] == '/')
            return s + i;
    return s;
}

/* The same, 16 bytes at a time from the end (no byte outside s[0, n) is
 * read: the last block may overlap the one before it, which held no
 * separator); 8 to 15 bytes as two 8-byte halves that may overlap. */
static inline const char *ls_basename_n(const char *s, size_t n)
{
#if LS_SSE2
    if (n >= 16) {
        const __m128i bs = _mm_set1_epi8('\\'), sl = _mm_set1_epi8('/');
        for (size_t at = n - 16;; at = at > 16 ? at - 16 : 0) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + at));
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_or_si128(_mm_cmpeq_epi8(v, bs), _mm_cmpeq_epi8(v, sl)));
            if (m)
                return s + at + (32 - (unsigned)__builtin_clz(m));
            if (!at)
                return s;
        }
    }
    if (n >= 8) { /* its first and last eight bytes, in one vector */
        const __m128i bs = _mm_set1_epi8('\\'), sl = _mm_set1_epi8('/');
        __m128i v = _mm_unpacklo_epi64(
            _mm_loadl_epi64((const __m128i *)(const void *)s),
            _mm_loadl_epi64((const __m128i *)(const void *)(s + n - 8)));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, bs), _mm_cmpeq_epi8(v, sl)));
        if (m >> 8)
            return s + n - 8 + (32 - (unsigned)__builtin_clz(m >> 8));
        return m ? s + (32 - (unsigned)__builtin_clz(m)) : s;
    }
#endif
    return ls_basename_n_scalar(s, n);
}

/* The SSE2 form reads whole aligned 16-byte blocks, so up to 15 bytes
 * past the string's end (perhaps of a freed neighbour), but never past
 * its page: safe, and what the sanitizers must be told, as they are of
 * libc's own strlen().  Not inline for that reason. */
const char *ldrsnap__simd_basename(const char *path);

#endif
