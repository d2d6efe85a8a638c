/*
 * simd_avx2.c - the kernels of simd.h that gain from AVX2, 32 bytes a
 * vector.  Built with -mavx2 (this file only), called only where the CPU
 * has AVX2 (simd.c): only static functions inside, and the table out.
 * Each answers exactly as its twin in simd_scalar.c.
 */
#include "simd/simd.h"

#if LS_AVX2
#include <immintrin.h>

#define LS_LOADU32(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))

/* 32 bytes a vector; shorter inputs 16 bytes at a time, then one by one;
 * high: a byte past ASCII counts */
static inline bool of4(const char *s, size_t n, const unsigned char *bytes,
                       size_t k, const bool high)
{
    const unsigned char b0 = bytes[0], b1 = bytes[k > 1 ? 1 : 0],
                        b2 = bytes[k > 2 ? 2 : 0], b3 = bytes[k > 3 ? 3 : 0];
    if (n < 32) {
        size_t i = 0;
        if (n >= 16) {
            const __m128i v0 = _mm_set1_epi8((char)b0),
                          v1 = _mm_set1_epi8((char)b1),
                          v2 = _mm_set1_epi8((char)b2),
                          v3 = _mm_set1_epi8((char)b3);
#define LS_HIT16(v)                                                           \
    _mm_movemask_epi8(_mm_or_si128(                                           \
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, v0), _mm_cmpeq_epi8(v, v1)), \
                     _mm_or_si128(_mm_cmpeq_epi8(v, v2), _mm_cmpeq_epi8(v, v3))), \
        high ? v : _mm_setzero_si128()))
            __m128i a = LS_LOADU(s), b = LS_LOADU(s + n - 16);
            return LS_HIT16(a) || LS_HIT16(b);
#undef LS_HIT16
        }
        for (; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if ((high && c >= 0x80) || c == b0 || c == b1 || c == b2 ||
                c == b3)
                return true;
        }
        return false;
    }
    const __m256i w0 = _mm256_set1_epi8((char)b0);
    const __m256i w1 = _mm256_set1_epi8((char)b1);
    const __m256i w2 = _mm256_set1_epi8((char)b2);
    const __m256i w3 = _mm256_set1_epi8((char)b3);
#define LS_EQ2(v)                                                             \
    _mm256_or_si256(_mm256_cmpeq_epi8(v, w0), _mm256_cmpeq_epi8(v, w1))
#define LS_EQ4(v)                                                             \
    _mm256_or_si256(LS_EQ2(v), _mm256_or_si256(_mm256_cmpeq_epi8(v, w2),      \
                                               _mm256_cmpeq_epi8(v, w3)))
#define LS_HIT(EQ, v)                                                         \
    _mm256_movemask_epi8(high ? _mm256_or_si256(EQ(v), v) : EQ(v))
    size_t i = 0;
    if (k <= 2) { /* the built-in rules' case: two compares a vector */
        for (; i + 32 <= n; i += 32)
            if (LS_HIT(LS_EQ2, LS_LOADU32(s + i)))
                return true;
        /* the tail, as the last 32 bytes */
        return i < n && LS_HIT(LS_EQ2, LS_LOADU32(s + n - 32));
    }
    for (; i + 32 <= n; i += 32)
        if (LS_HIT(LS_EQ4, LS_LOADU32(s + i)))
            return true;
    return i < n && LS_HIT(LS_EQ4, LS_LOADU32(s + n - 32));
#undef LS_HIT
#undef LS_EQ4
#undef LS_EQ2
}

static bool any_of4(const char *s, size_t n, const unsigned char *bytes,
                    size_t k)
{
    return of4(s, n, bytes, k, true);
}

static bool has_of4(const char *s, size_t n, const unsigned char *bytes,
                    size_t k)
{
    return of4(s, n, bytes, k, false);
}

/* a byte >= 0x80 sets its sign bit, a NUL compares equal to zero: either
 * shows in the movemask */
static inline __m256i bad_bytes(__m256i a, __m256i b)
{
    const __m256i zero = _mm256_setzero_si256();
    return _mm256_or_si256(_mm256_or_si256(a, b),
                           _mm256_or_si256(_mm256_cmpeq_epi8(a, zero),
                                           _mm256_cmpeq_epi8(b, zero)));
}

static bool plain_tail(const unsigned char *s, size_t i, size_t n)
{
    for (; i < n; i++)
        if (s[i] >= 0x80 || s[i] == 0)
            return false;
    return true;
}

/* Whether 16 bytes hold a NUL or a byte past ASCII. */
static inline bool bad16(const unsigned char *s)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    return _mm_movemask_epi8(
               _mm_or_si128(v, _mm_cmpeq_epi8(v, _mm_setzero_si128()))) != 0;
}

/* Called once per line by the text layer (lines of 30 to 200 bytes): the
 * tail is read as the last 32 (or 16) bytes again, not byte by byte. */
static bool plain(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        if (_mm256_movemask_epi8(
                bad_bytes(LS_LOADU32(s + i), LS_LOADU32(s + i + 32))))
            return false;
    if (i == n)
        return true;
    if (n >= 64) /* the last 64 bytes: the rest, and some seen already */
        return !_mm256_movemask_epi8(
            bad_bytes(LS_LOADU32(s + n - 64), LS_LOADU32(s + n - 32)));
    if (n >= 32)
        return !_mm256_movemask_epi8(
            bad_bytes(LS_LOADU32(s), LS_LOADU32(s + n - 32)));
    if (n >= 16)
        return !bad16(s) && !bad16(s + n - 16);
    return plain_tail(s, 0, n);
}

/* 64 bytes a round: whether they are plain, and whether the block holds
 * a watched byte */
static bool watch_chunk(const unsigned char *s, size_t n,
                        const unsigned char *w, size_t k, uint64_t *map)
{
    size_t i = 0;
    const __m256i w0 = _mm256_set1_epi8((char)w[0]);
    const __m256i w1 = _mm256_set1_epi8((char)w[k > 1 ? 1 : 0]);
    const __m256i w2 = _mm256_set1_epi8((char)w[k > 2 ? 2 : 0]);
    const __m256i w3 = _mm256_set1_epi8((char)w[k > 3 ? 3 : 0]);
    __m256i bad = _mm256_setzero_si256();
#define LS_W(v)                                                               \
    _mm256_or_si256(                                                          \
        _mm256_or_si256(_mm256_cmpeq_epi8(v, w0), _mm256_cmpeq_epi8(v, w1)),  \
        _mm256_or_si256(_mm256_cmpeq_epi8(v, w2), _mm256_cmpeq_epi8(v, w3)))
    uint64_t bits = 0; /* of the map word being filled */
    for (; i + 64 <= n; i += 64) {
        __m256i a = LS_LOADU32(s + i), b = LS_LOADU32(s + i + 32);
        bad = _mm256_or_si256(bad, bad_bytes(a, b));
        size_t blk = i / 64;
        /* a byte past ASCII counts (any_of4()) */
        uint64_t hit = _mm256_movemask_epi8(_mm256_or_si256(
                           _mm256_or_si256(a, b),
                           _mm256_or_si256(LS_W(a), LS_W(b)))) != 0;
        bits |= hit << (blk % 64);
        if (blk % 64 == 63) {
            map[blk / 64] = bits;
            bits = 0;
        }
    }
#undef LS_W
    if (i % 4096) /* a word begun */
        map[i / 4096] = bits;
    /* the last, short block */
    if (i < n) {
        size_t blk = i / 64;
        if (blk % 64 == 0)
            map[blk / 64] = 0;
        if (any_of4((const char *)s + i, n - i, w, k))
            map[blk / 64] |= 1ull << (blk % 64);
    }
    return !_mm256_movemask_epi8(bad) && plain_tail(s, i, n);
}

/* 64 bytes as two vectors: the pass every chunk of a large input takes */
static bool plain_chunk(const unsigned char *s, size_t n, uint64_t *nl,
                        bool *cr, bool *lone_cr)
{
    const __m256i zero = _mm256_setzero_si256(), lf = _mm256_set1_epi8('\n'),
                  ret = _mm256_set1_epi8('\r');
    __m256i bad = zero;
    bool any = false, lone = false;
    uint64_t carry = 0; /* the block before ended with '\r' */
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m256i a = LS_LOADU32(s + i);
        __m256i b = LS_LOADU32(s + i + 32);
        /* a byte >= 0x80 sets its sign bit, a NUL compares equal to 0 */
        bad = _mm256_or_si256(
            bad, _mm256_or_si256(_mm256_or_si256(a, b),
                                 _mm256_or_si256(_mm256_cmpeq_epi8(a, zero),
                                                 _mm256_cmpeq_epi8(b, zero))));
        uint32_t la = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, lf));
        uint32_t lb = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, lf));
        uint32_t ca = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, ret));
        uint32_t cb = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, ret));
        uint64_t l = la | (uint64_t)lb << 32, c = ca | (uint64_t)cb << 32;
        nl[i / 64] = l;
        if (c | carry) {
            any = true;
            /* each '\r' wants a '\n' next: in this block, or the next
             * block's first byte for the last one */
            lone |= (carry && !(l & 1)) ||
                    (c & ~(l >> 1) & ~(1ull << 63)) != 0;
            carry = c >> 63;
        }
    }
    uint64_t bits = 0;
    if (i < n) {
        /* the short last block: the last 64 bytes (those before it were
         * checked already), or the block in a buffer padded with 'a' */
        size_t rem = n - i;
        unsigned char pad[64];
        const unsigned char *q = s + n - 64;
        if (n < 64) {
            memset(pad, 'a', sizeof pad);
            memcpy(pad, s, n);
            q = pad;
        }
        __m256i a = LS_LOADU32(q), b = LS_LOADU32(q + 32);
        bad = _mm256_or_si256(
            bad, _mm256_or_si256(_mm256_or_si256(a, b),
                                 _mm256_or_si256(_mm256_cmpeq_epi8(a, zero),
                                                 _mm256_cmpeq_epi8(b, zero))));
        uint64_t l =
            (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, lf)) |
            (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, lf))
                << 32;
        uint64_t r =
            (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, ret)) |
            (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, ret))
                << 32;
        if (n >= 64) { /* the bytes of this block at the low bits */
            l >>= 64 - rem;
            r >>= 64 - rem;
        }
        uint64_t mask = rem == 64 ? ~0ull : (1ull << rem) - 1;
        l &= mask, r &= mask;
        bits = l;
        if (r | carry) {
            any |= r != 0;
            lone |= (carry && !(l & 1)) ||
                    (r & ~(l >> 1) & ~(1ull << (rem - 1))) != 0;
        }
    }
    nl[i / 64] = bits; /* the short last block, or an empty word */
    *cr = any;
    *lone_cr = lone;
    return !_mm256_movemask_epi8(bad);
}

/* 32 units at a time: a unit u is U+0001..U+007F when u - 1 (wrapping)
 * is at most 0x7E, which a saturating subtraction of 0x7E leaves 0; the
 * rest of a block that is not all ASCII, a unit at a time */
static size_t utf16le_ascii(const unsigned char *p, size_t n, char *out)
{
    const __m256i one = _mm256_set1_epi16(1), top = _mm256_set1_epi16(0x7E);
    size_t k = 0;
    for (; n - k >= 32; k += 32) {
        __m256i a = LS_LOADU32(p + 2 * k), b = LS_LOADU32(p + 2 * k + 32);
        __m256i oa = _mm256_subs_epu16(_mm256_sub_epi16(a, one), top);
        __m256i ob = _mm256_subs_epu16(_mm256_sub_epi16(b, one), top);
        __m256i over = _mm256_or_si256(oa, ob);
        /* the pack works per 128-bit lane: put the quarters in order */
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b),
                                                  0xD8);
        _mm256_storeu_si256((__m256i *)(void *)(out + k), packed);
        if (!_mm256_testz_si256(over, over)) {
            /* the first unit that is not (two mask bits a unit); the
             * bytes stored from it on are within out's n, and not
             * counted */
            const __m256i zero = _mm256_setzero_si256();
            uint64_t ok =
                (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi16(oa, zero)) |
                (uint64_t)(uint32_t)_mm256_movemask_epi8(
                    _mm256_cmpeq_epi16(ob, zero))
                    << 32;
            return k + (size_t)__builtin_ctzll(~ok) / 2;
        }
    }
    return k + ldrsnap__simd_scalar.utf16le_ascii(p + 2 * k, n - k, out + k);
}

/* 64 units a turn, each turn's 64 bytes marked as plain_chunk() marks
 * them (every byte ASCII: no check of its own); a turn with a unit past
 * ASCII, and the last units, utf16le_ascii() finishes (unmarked).  The
 * units packed to bytes first: one past 0xFF saturates to 0xFF, one past
 * 0x7FFF (negative) to 0, so a byte past ASCII or NUL is a unit that is
 * not one ASCII byte. */
static size_t utf16le_ascii_nl(const unsigned char *p, size_t n, char *out,
                               uint64_t *nl, bool *cr, bool *lone_cr)
{
    const __m256i zero = _mm256_setzero_si256(), lf = _mm256_set1_epi8('\n'),
                  ret = _mm256_set1_epi8('\r');
    uint64_t any = 0, lone = 0, carry = 0;
    size_t k = 0;
    for (; n - k >= 64; k += 64) {
        const unsigned char *q = p + 2 * k;
        __m256i lo = _mm256_packus_epi16(LS_LOADU32(q), LS_LOADU32(q + 32));
        __m256i hi = _mm256_packus_epi16(LS_LOADU32(q + 64), LS_LOADU32(q + 96));
        if (_mm256_movemask_epi8(_mm256_or_si256(
                _mm256_or_si256(lo, hi),
                _mm256_or_si256(_mm256_cmpeq_epi8(lo, zero),
                                _mm256_cmpeq_epi8(hi, zero)))))
            break;
        /* the pack works per 128-bit lane: the quarters in order */
        lo = _mm256_permute4x64_epi64(lo, 0xD8);
        hi = _mm256_permute4x64_epi64(hi, 0xD8);
        _mm256_storeu_si256((__m256i *)(void *)(out + k), lo);
        _mm256_storeu_si256((__m256i *)(void *)(out + k + 32), hi);
        uint64_t l =
            (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, lf)) |
            (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, lf))
                << 32;
        uint64_t r =
            (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, ret)) |
            (uint64_t)(uint32_t)_mm256_movemask_epi8(
                _mm256_cmpeq_epi8(hi, ret))
                << 32;
        nl[k / 64] = l;
        /* each '\r' wants a '\n' next: the byte after each (the next
         * block's first for the last one) with no '\n' (no branch: CRLF
         * is the rule) */
        lone |= ((r << 1) | carry) & ~l;
        any |= r;
        carry = r >> 63;
    }
    nl[k / 64] = 0;
    *cr = any != 0;
    *lone_cr = lone != 0;
    return k + utf16le_ascii(p + 2 * k, n - k, out + k);
}

/* Whether byte a or b comes before the NUL of s; when neither does, its
 * length into *len.  One pass of aligned 32-byte blocks (never past the
 * page of the NUL; unseen by the sanitizers, as libc's strlen()). */
__attribute__((no_sanitize("address", "thread"))) static bool
has2_z(const char *s, unsigned char a, unsigned char b, size_t *len)
{
    const __m256i nul = _mm256_setzero_si256(), va = _mm256_set1_epi8((char)a),
                  vb = _mm256_set1_epi8((char)b);
    uintptr_t off = (uintptr_t)s & 31;
    const char *blk = s - off;
    uint32_t skip = ~0u << off; /* the bytes before s */
    for (;; blk += 32, skip = ~0u) {
        __m256i v = _mm256_load_si256((const __m256i *)(const void *)blk);
        __m256i z = _mm256_cmpeq_epi8(v, nul);
        __m256i h = _mm256_or_si256(_mm256_cmpeq_epi8(v, va),
                                    _mm256_cmpeq_epi8(v, vb));
        uint32_t any =
            (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(z, h)) & skip;
        if (!any)
            continue;
        uint32_t zm = (uint32_t)_mm256_movemask_epi8(z) & skip;
        if (any & ~zm & ((zm & -zm) - 1)) /* one before the NUL */
            return true;
        if (zm) {
            *len = (size_t)(blk + __builtin_ctz(zm) - s);
            return false;
        }
    }
}

const ls_simd ldrsnap__simd_avx2 = {
    "avx2",  plain_chunk,   watch_chunk,      plain,
    any_of4, utf16le_ascii, utf16le_ascii_nl, has_of4, has2_z,
};

#else
const ls_simd ldrsnap__simd_avx2 = {"avx2", NULL, NULL, NULL, NULL,
                                    NULL,   NULL, NULL, NULL};
#endif
