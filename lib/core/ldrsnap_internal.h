/*
 * ldrsnap_internal.h - the core's headers in one (common, hash, alloc,
 * buf, path), and the inline vector helpers of the per-line paths until
 * lib/simd/ takes them.  Not installed.  Internal non-static symbols are
 * named ldrsnap__*.  Each stage declares its own parts in its own header
 * (text/text.h, lex/lex.h, codes/status.h, trace/trace.h, ...).
 */
#ifndef LDRSNAP_INTERNAL_H
#define LDRSNAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "core/alloc.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/path.h"
#include "ldrsnap.h"

/* Does this CPU run AVX2 code (the few passes that have such a form)? */
bool ldrsnap__cpu_avx2(void);

/* ---- stores another thread will read ----------------------------------- */

/* Copy n bytes (a multiple of 8; dst 8-byte aligned) for another thread,
 * with non-temporal stores where the CPU has them: the lines go to memory
 * without being read for ownership first, which here costs a round trip
 * to the core that read them last.  ldrsnap__stream_fence() orders them
 * before the hand-over.  Inline: a constant n unrolls. */
static inline void ldrsnap__stream_copy(void *dst, const void *src, size_t n)
{
#if defined(__SSE2__) && defined(__x86_64__)
    char *d = dst;
    const char *s = src;
    size_t i = 0;
    if (((uintptr_t)d & 15) == 0) {
#ifdef __GNUC__
#pragma GCC unroll 12 /* a whole record item, when n is known */
#endif
        for (; i + 16 <= n; i += 16)
            _mm_stream_si128((__m128i *)(void *)(d + i),
                             _mm_loadu_si128((const __m128i *)(s + i)));
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

/* Is s[0..n) ASCII (no byte >= 0x80)? */
static inline bool ldrsnap__ascii(const char *s, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    __m128i acc = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16)
        acc = _mm_or_si128(acc, _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
    if (_mm_movemask_epi8(acc))
        return false;
#endif
    for (; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/* Does s[0..n) hold one of bytes[0..k), 1 <= k <= 4, or a byte past
 * ASCII (which could be a letter case-blind matching takes for one of
 * them)?  32 bytes at a time where SSE2 is there, with two compares a
 * vector for k <= 2. */
static inline bool ldrsnap__any_byte(const char *s, size_t n,
                                     const unsigned char *bytes, size_t k)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i b0 = _mm_set1_epi8((char)bytes[0]);
    const __m128i b1 = _mm_set1_epi8((char)bytes[k > 1 ? 1 : 0]);
    const __m128i b2 = _mm_set1_epi8((char)bytes[k > 2 ? 2 : 0]);
    const __m128i b3 = _mm_set1_epi8((char)bytes[k > 3 ? 3 : 0]);
#define LS_EQ2(v) _mm_or_si128(_mm_cmpeq_epi8(v, b0), _mm_cmpeq_epi8(v, b1))
#define LS_EQ4(v)                                                             \
    _mm_or_si128(LS_EQ2(v),                                                   \
                 _mm_or_si128(_mm_cmpeq_epi8(v, b2), _mm_cmpeq_epi8(v, b3)))
/* a byte past ASCII shows as its sign bit */
#define LS_LOAD(at) _mm_loadu_si128((const __m128i *)(const void *)(s + (at)))
#define LS_HIT(EQ, v) _mm_or_si128(EQ(v), v)
#define LS_SCAN(EQ)                                                           \
    do {                                                                      \
        for (; i + 32 <= n; i += 32)                                          \
            if (_mm_movemask_epi8(_mm_or_si128(LS_HIT(EQ, LS_LOAD(i)),        \
                                               LS_HIT(EQ, LS_LOAD(i + 16))))) \
                return true;                                                  \
        if (i + 16 <= n) {                                                    \
            if (_mm_movemask_epi8(LS_HIT(EQ, LS_LOAD(i))))                    \
                return true;                                                  \
            i += 16;                                                          \
        }                                                                     \
        if (i < n && n >= 16) /* the tail, as the last 16 bytes */            \
            return _mm_movemask_epi8(LS_HIT(EQ, LS_LOAD(n - 16))) != 0;       \
    } while (0)
    if (k <= 2)
        LS_SCAN(LS_EQ2);
    else
        LS_SCAN(LS_EQ4);
#undef LS_SCAN
#undef LS_HIT
#undef LS_LOAD
#undef LS_EQ4
#undef LS_EQ2
#endif
    const unsigned b0s = bytes[0], b1s = bytes[k > 1 ? 1 : 0],
                   b2s = bytes[k > 2 ? 2 : 0], b3s = bytes[k > 3 ? 3 : 0];
    for (; i < n; i++) { /* short inputs: compares, not a call a byte */
        unsigned c = (unsigned char)s[i];
        if (c >= 0x80 || c == b0s || c == b1s || c == b2s || c == b3s)
            return true;
    }
    return false;
}

/* Does s[a..b) of a plain line hold a watched byte (each of watch[] is
 * one, 16 times)?  16 bytes at a time,
 * the last 16 ending at b (b >= 16 in such a line): bytes before a that
 * this reads are the line's frame, which holds none of them
 * (ldrsnap__rx_watch_names()).  The line is ASCII. */
static inline bool ldrsnap__names_watched(const unsigned char (*watch)[16],
                                          const char *s, size_t a, size_t b)
{
#ifdef __SSE2__
    const __m128i w0 = _mm_load_si128((const __m128i *)(const void *)watch[0]),
                  w1 = _mm_load_si128((const __m128i *)(const void *)watch[1]),
                  w2 = _mm_load_si128((const __m128i *)(const void *)watch[2]),
                  w3 = _mm_load_si128((const __m128i *)(const void *)watch[3]);
#define LS_WIN(v)                                                             \
    _mm_movemask_epi8(                                                        \
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, w0), _mm_cmpeq_epi8(v, w1)), \
                     _mm_or_si128(_mm_cmpeq_epi8(v, w2), _mm_cmpeq_epi8(v, w3))))
#define LS_LOAD(at) _mm_loadu_si128((const __m128i *)(const void *)(at))
    for (; a + 16 < b; a += 16) {
        __m128i v = LS_LOAD(s + a);
        if (LS_WIN(v))
            return true;
    }
    __m128i v = LS_LOAD(s + b - 16);
    return LS_WIN(v) != 0;
#undef LS_LOAD
#undef LS_WIN
#else
    return ldrsnap__any_byte(s + a, b - a, watch[0], 1) ||
           ldrsnap__any_byte(s + a, b - a, watch[1], 1) ||
           ldrsnap__any_byte(s + a, b - a, watch[2], 1) ||
           ldrsnap__any_byte(s + a, b - a, watch[3], 1);
#endif
}

static inline void ldrsnap__stream_fence(void)
{
#if defined(__SSE2__) && defined(__x86_64__)
    _mm_sfence();
#endif
}

#endif /* LDRSNAP_INTERNAL_H */
