/*
 * simd.c - which kernels this process runs: chosen once, from what the
 * CPU has (AVX2, then SSE2, then the scalar twins), unless a test chose.
 */
#include "simd/simd.h"

static bool cpu_has(const char *name)
{
#if LS_AVX2
    if (strcmp(name, "avx2") == 0)
        return __builtin_cpu_supports("avx2");
#endif
#if LS_SSE2
    if (strcmp(name, "sse2") == 0)
        return true;
#endif
    return strcmp(name, "scalar") == 0;
}

static const ls_simd *chosen; /* NULL: not chosen yet */

static const ls_simd *form(const char *name)
{
    static const ls_simd *const tables[] = {
        &ldrsnap__simd_avx2, &ldrsnap__simd_sse2, &ldrsnap__simd_scalar};
    for (int i = 0; i < 3; i++)
        if (strcmp(tables[i]->name, name) == 0)
            return cpu_has(name) ? tables[i] : NULL;
    return NULL;
}

const ls_simd *ldrsnap__simd(void)
{
    const ls_simd *s = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (s)
        return s;
    if (!(s = form("avx2")) && !(s = form("sse2")))
        s = form("scalar");
    __atomic_store_n(&chosen, s, __ATOMIC_RELEASE);
    return s;
}

int ldrsnap__simd_use(const char *name)
{
    const ls_simd *s = form(name);
    if (!s)
        return -1;
    __atomic_store_n(&chosen, s, __ATOMIC_RELEASE);
    return 0;
}

#if LS_SSE2 && defined(__GNUC__)
__attribute__((no_sanitize("address", "thread")))
#endif
const char *ldrsnap__simd_basename(const char *path)
{
#if LS_SSE2
    /* one pass, 16 bytes at a time from the aligned block that holds the
     * start (an aligned load never crosses into another page): the last
     * separator before the terminating NUL */
    const __m128i nul = _mm_setzero_si128(), bs = _mm_set1_epi8('\\'),
                  sl = _mm_set1_epi8('/');
    uintptr_t off = (uintptr_t)path & 15;
    const char *blk = path - off;
    const char *last = NULL;
    unsigned skip = ~0u << off; /* the bytes before path */
    for (;; blk += 16, skip = ~0u) {
        __m128i v = _mm_load_si128((const __m128i *)(const void *)blk);
        unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nul)) & skip;
        unsigned sep = (unsigned)_mm_movemask_epi8(_mm_or_si128(
                           _mm_cmpeq_epi8(v, bs), _mm_cmpeq_epi8(v, sl))) &
                       skip;
        if (z) {
            sep &= (z & -z) - 1; /* before the NUL */
            if (sep)
                last = blk + 31 - __builtin_clz(sep);
            return last ? last + 1 : path;
        }
        if (sep)
            last = blk + 31 - __builtin_clz(sep);
    }
#else
    return ls_basename_scalar(path);
#endif
}
