/*
 * simd_sse2.c - the kernels of simd.h with SSE2 (x86-64's baseline).
 * Each answers exactly as its twin in simd_scalar.c.
 */
#include "simd/simd.h"

#if LS_SSE2

/* a byte >= 0x80 sets its sign bit, a NUL compares equal to zero: either
 * shows in the movemask */
static inline __m128i bad_bytes(__m128i a, __m128i b, __m128i c, __m128i d)
{
    const __m128i zero = _mm_setzero_si128();
    return _mm_or_si128(
        _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)),
        _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(a, zero), _mm_cmpeq_epi8(b, zero)),
            _mm_or_si128(_mm_cmpeq_epi8(c, zero), _mm_cmpeq_epi8(d, zero))));
}

/* the bytes from i on, after the vectors: a word at a time, then bytes */
static bool plain_tail(const unsigned char *s, size_t i, size_t n)
{
    const uint64_t hi = 0x8080808080808080ULL, lo = 0x0101010101010101ULL;
    uint64_t bad = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        bad |= v | ((v - lo) & ~v);
    }
    if (bad & hi)
        return false;
    for (; i < n; i++)
        if (s[i] >= 0x80 || s[i] == 0)
            return false;
    return true;
}

static bool plain(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        if (_mm_movemask_epi8(bad_bytes(LS_LOADU(s + i), LS_LOADU(s + i + 16),
                                        LS_LOADU(s + i + 32),
                                        LS_LOADU(s + i + 48))))
            return false;
    if (i == n)
        return true;
    /* the tail as the last 64 (or 16) bytes again, not byte by byte: the
     * text layer asks once per line */
    if (n >= 64)
        return !_mm_movemask_epi8(bad_bytes(
            LS_LOADU(s + n - 64), LS_LOADU(s + n - 48), LS_LOADU(s + n - 32),
            LS_LOADU(s + n - 16)));
    if (n >= 16) {
        for (; i + 16 <= n; i += 16) {
            __m128i v = LS_LOADU(s + i);
            if (_mm_movemask_epi8(bad_bytes(v, v, v, v)))
                return false;
        }
        __m128i v = LS_LOADU(s + n - 16);
        return !_mm_movemask_epi8(bad_bytes(v, v, v, v));
    }
    return plain_tail(s, i, n);
}

/* 32 bytes at a time, with two compares a vector for k <= 2; high: a byte
 * past ASCII counts */
static inline bool of4(const char *s, size_t n, const unsigned char *bytes,
                       size_t k, const bool high)
{
    size_t i = 0;
    const __m128i b0 = _mm_set1_epi8((char)bytes[0]);
    const __m128i b1 = _mm_set1_epi8((char)bytes[k > 1 ? 1 : 0]);
    const __m128i b2 = _mm_set1_epi8((char)bytes[k > 2 ? 2 : 0]);
    const __m128i b3 = _mm_set1_epi8((char)bytes[k > 3 ? 3 : 0]);
#define LS_EQ2(v) _mm_or_si128(_mm_cmpeq_epi8(v, b0), _mm_cmpeq_epi8(v, b1))
#define LS_EQ4(v)                                                             \
    _mm_or_si128(LS_EQ2(v),                                                   \
                 _mm_or_si128(_mm_cmpeq_epi8(v, b2), _mm_cmpeq_epi8(v, b3)))
/* a byte past ASCII shows as its sign bit */
#define LS_HIT(EQ, v) _mm_or_si128(EQ(v), high ? v : _mm_setzero_si128())
#define LS_SCAN(EQ)                                                           \
    do {                                                                      \
        for (; i + 32 <= n; i += 32)                                          \
            if (_mm_movemask_epi8(_mm_or_si128(LS_HIT(EQ, LS_LOADU(s + i)),   \
                                               LS_HIT(EQ, LS_LOADU(s + i + 16))))) \
                return true;                                                  \
        if (i + 16 <= n) {                                                    \
            if (_mm_movemask_epi8(LS_HIT(EQ, LS_LOADU(s + i))))               \
                return true;                                                  \
            i += 16;                                                          \
        }                                                                     \
        if (i < n && n >= 16) /* the tail, as the last 16 bytes */            \
            return _mm_movemask_epi8(LS_HIT(EQ, LS_LOADU(s + n - 16))) != 0;  \
    } while (0)
    if (k <= 2)
        LS_SCAN(LS_EQ2);
    else
        LS_SCAN(LS_EQ4);
#undef LS_SCAN
#undef LS_HIT
#undef LS_EQ4
#undef LS_EQ2
    const unsigned b0s = bytes[0], b1s = bytes[k > 1 ? 1 : 0],
                   b2s = bytes[k > 2 ? 2 : 0], b3s = bytes[k > 3 ? 3 : 0];
    for (; i < n; i++) { /* short inputs: compares, not a call a byte */
        unsigned c = (unsigned char)s[i];
        if ((high && c >= 0x80) || c == b0s || c == b1s || c == b2s ||
            c == b3s)
            return true;
    }
    return false;
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

/* 64 bytes a round: whether they are plain, and whether the block holds
 * a watched byte */
static bool watch_chunk(const unsigned char *s, size_t n,
                        const unsigned char *w, size_t k, uint64_t *map)
{
    size_t i = 0;
    bool ok = true;
    const __m128i w0 = _mm_set1_epi8((char)w[0]);
    const __m128i w1 = _mm_set1_epi8((char)w[k > 1 ? 1 : 0]);
    const __m128i w2 = _mm_set1_epi8((char)w[k > 2 ? 2 : 0]);
    const __m128i w3 = _mm_set1_epi8((char)w[k > 3 ? 3 : 0]);
    const bool two = k <= 2; /* the built-in rules' case: two compares */
#define LS_W(v)                                                               \
    (two ? _mm_or_si128(_mm_cmpeq_epi8(v, w0), _mm_cmpeq_epi8(v, w1))         \
         : _mm_or_si128(                                                      \
               _mm_or_si128(_mm_cmpeq_epi8(v, w0), _mm_cmpeq_epi8(v, w1)),    \
               _mm_or_si128(_mm_cmpeq_epi8(v, w2), _mm_cmpeq_epi8(v, w3))))
    uint64_t bits = 0; /* of the map word being filled */
    for (; i + 64 <= n; i += 64) {
        __m128i a = LS_LOADU(s + i), b = LS_LOADU(s + i + 16),
                c = LS_LOADU(s + i + 32), d = LS_LOADU(s + i + 48);
        if (ok)
            ok = !_mm_movemask_epi8(bad_bytes(a, b, c, d));
        size_t blk = i / 64;
        /* a byte past ASCII counts (any_of4()) */
        __m128i any = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d));
        uint64_t hit = _mm_movemask_epi8(_mm_or_si128(
                           any,
                           _mm_or_si128(_mm_or_si128(LS_W(a), LS_W(b)),
                                        _mm_or_si128(LS_W(c), LS_W(d))))) != 0;
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
    return ok && plain_tail(s, i, n);
}

/* Two vectors of 16 bytes make 32 bits of a mask. */
static inline uint64_t mask32(__m128i a, __m128i b, __m128i x)
{
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, x)) |
           (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, x)) << 16;
}

static bool plain_chunk(const unsigned char *s, size_t n, uint64_t *nl,
                        bool *cr, bool *lone_cr)
{
    const __m128i lf = _mm_set1_epi8('\n'), ret = _mm_set1_epi8('\r');
    __m128i bad = _mm_setzero_si128();
    bool any = false, lone = false;
    uint64_t carry = 0; /* the block before ended with '\r' */
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m128i a = LS_LOADU(s + i), b = LS_LOADU(s + i + 16),
                c = LS_LOADU(s + i + 32), d = LS_LOADU(s + i + 48);
        bad = _mm_or_si128(bad, bad_bytes(a, b, c, d));
        uint64_t l = mask32(a, b, lf) | mask32(c, d, lf) << 32;
        uint64_t r = mask32(a, b, ret) | mask32(c, d, ret) << 32;
        nl[i / 64] = l;
        if (r | carry) {
            any = true;
            /* each '\r' wants a '\n' next: in this block, or the next
             * block's first byte for the last one */
            lone |= (carry && !(l & 1)) ||
                    (r & ~(l >> 1) & ~(1ull << 63)) != 0;
            carry = r >> 63;
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
        __m128i a = LS_LOADU(q), b = LS_LOADU(q + 16), c = LS_LOADU(q + 32),
                d = LS_LOADU(q + 48);
        bad = _mm_or_si128(bad, bad_bytes(a, b, c, d));
        uint64_t l = mask32(a, b, lf) | mask32(c, d, lf) << 32;
        uint64_t r = mask32(a, b, ret) | mask32(c, d, ret) << 32;
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
    return !_mm_movemask_epi8(bad);
}

/* 16 units at a time: a unit u is U+0001..U+007F when u - 1 (wrapping)
 * is at most 0x7E, which a saturating subtraction of 0x7E leaves 0; the
 * rest of a block that is not all ASCII, a unit at a time */
static size_t utf16le_ascii(const unsigned char *p, size_t n, char *out)
{
    const __m128i one = _mm_set1_epi16(1), top = _mm_set1_epi16(0x7E);
    const __m128i zero = _mm_setzero_si128();
    size_t k = 0;
    for (; n - k >= 16; k += 16) {
        __m128i a = LS_LOADU(p + 2 * k), b = LS_LOADU(p + 2 * k + 16);
        __m128i oa = _mm_subs_epu16(_mm_sub_epi16(a, one), top);
        __m128i ob = _mm_subs_epu16(_mm_sub_epi16(b, one), top);
        _mm_storeu_si128((__m128i *)(void *)(out + k), _mm_packus_epi16(a, b));
        unsigned ok = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(oa, zero)) |
                      (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(ob, zero))
                          << 16;
        if (ok != 0xFFFFFFFFu) /* the first unit that is not (two mask
                                  bits a unit); bytes stored from it on
                                  are within out's n, and not counted */
            return k + (size_t)__builtin_ctz(~ok) / 2;
    }
    return k + ldrsnap__simd_scalar.utf16le_ascii(p + 2 * k, n - k, out + k);
}

/* the two passes, one after the other */
static size_t utf16le_ascii_nl(const unsigned char *p, size_t n, char *out,
                               uint64_t *nl, bool *cr, bool *lone_cr)
{
    size_t k = utf16le_ascii(p, n, out);
    plain_chunk((const unsigned char *)out, k / 64 * 64, nl, cr, lone_cr);
    return k;
}

/* Whether byte a or b comes before the NUL of s; when neither does, its
 * length into *len.  One pass of aligned 16-byte blocks, as
 * ldrsnap__simd_basename() reads (never past the page of the NUL), two
 * at a time. */
__attribute__((no_sanitize("address", "thread"))) static bool
has2_z(const char *s, unsigned char a, unsigned char b, size_t *len)
{
    /* 32 bytes a step (two aligned blocks: one page), one movemask for
     * the three tests of both while none holds */
    const __m128i nul = _mm_setzero_si128(), va = _mm_set1_epi8((char)a),
                  vb = _mm_set1_epi8((char)b);
    uintptr_t off = (uintptr_t)s & 31;
    const char *blk = s - off;
    uint32_t skip = ~0u << off; /* the bytes before s */
    for (;; blk += 32, skip = ~0u) {
        __m128i v0 = _mm_load_si128((const __m128i *)(const void *)blk);
        __m128i v1 = _mm_load_si128((const __m128i *)(const void *)(blk + 16));
        __m128i z0 = _mm_cmpeq_epi8(v0, nul), z1 = _mm_cmpeq_epi8(v1, nul);
        __m128i h0 = _mm_or_si128(_mm_cmpeq_epi8(v0, va),
                                  _mm_cmpeq_epi8(v0, vb));
        __m128i h1 = _mm_or_si128(_mm_cmpeq_epi8(v1, va),
                                  _mm_cmpeq_epi8(v1, vb));
        uint32_t any = ((uint32_t)_mm_movemask_epi8(_mm_or_si128(z0, h0)) |
                        (uint32_t)_mm_movemask_epi8(_mm_or_si128(z1, h1))
                            << 16) &
                       skip;
        if (!any)
            continue;
        uint32_t z = ((uint32_t)_mm_movemask_epi8(z0) |
                      (uint32_t)_mm_movemask_epi8(z1) << 16) &
                     skip;
        uint32_t h = any & ~z;
        if (h & ((z & -z) - 1)) /* one before the NUL (or no NUL) */
            return true;
        if (z) {
            *len = (size_t)(blk + __builtin_ctz(z) - s);
            return false;
        }
    }
}

const ls_simd ldrsnap__simd_sse2 = {
    "sse2",  plain_chunk,   watch_chunk,      plain,
    any_of4, utf16le_ascii, utf16le_ascii_nl, has_of4, has2_z,
};

#else
const ls_simd ldrsnap__simd_sse2 = {"sse2", NULL, NULL, NULL, NULL,
                                    NULL,   NULL, NULL, NULL};
#endif
