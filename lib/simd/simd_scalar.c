/*
 * simd_scalar.c - the scalar twin of every kernel in simd.h: always built,
 * the reference the other forms are tested against, and what a build
 * without SIMD (LS_NO_SIMD, another CPU) runs.  Plain C, a byte at a time,
 * written to be obviously right rather than fast.
 */
#include "simd/simd.h"

static bool any_of4(const char *s, size_t n, const unsigned char *bytes,
                    size_t k)
{
    const unsigned b0 = bytes[0], b1 = bytes[k > 1 ? 1 : 0],
                   b2 = bytes[k > 2 ? 2 : 0], b3 = bytes[k > 3 ? 3 : 0];
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (c >= 0x80 || c == b0 || c == b1 || c == b2 || c == b3)
            return true;
    }
    return false;
}

static bool has_of4(const char *s, size_t n, const unsigned char *bytes,
                    size_t k)
{
    const unsigned b0 = bytes[0], b1 = bytes[k > 1 ? 1 : 0],
                   b2 = bytes[k > 2 ? 2 : 0], b3 = bytes[k > 3 ? 3 : 0];
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (c == b0 || c == b1 || c == b2 || c == b3)
            return true;
    }
    return false;
}

static bool plain(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80 || s[i] == 0)
            return false;
    return true;
}

static bool plain_chunk(const unsigned char *s, size_t n, uint64_t *nl,
                        bool *cr, bool *lone_cr)
{
    bool ok = true, any = false, lone = false, carry = false;
    for (size_t w = 0; w <= n / 64; w++)
        nl[w] = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        ok &= c < 0x80 && c != 0;
        lone |= carry && c != '\n'; /* the '\r' before wanted a '\n' */
        carry = c == '\r';
        any |= carry;
        nl[i / 64] |= (uint64_t)(c == '\n') << (i % 64);
    }
    *cr = any;
    *lone_cr = lone;
    return ok;
}

static bool watch_chunk(const unsigned char *s, size_t n,
                        const unsigned char *watch, size_t k, uint64_t *map)
{
    for (size_t j = 0; j < n; j += 64) {
        size_t blk = j / 64, len = n - j < 64 ? n - j : 64;
        if (blk % 64 == 0)
            map[blk / 64] = 0;
        if (any_of4((const char *)s + j, len, watch, k))
            map[blk / 64] |= 1ull << (blk % 64);
    }
    return plain(s, n);
}

static size_t utf16le_ascii(const unsigned char *p, size_t n, char *out)
{
    size_t k = 0;
    for (; k < n; k++) {
        unsigned lo = p[2 * k], hi = p[2 * k + 1];
        if (hi || !lo || lo >= 0x80)
            break;
        out[k] = (char)lo;
    }
    return k;
}

static size_t utf16le_ascii_nl(const unsigned char *p, size_t n, char *out,
                               uint64_t *nl, bool *cr, bool *lone_cr)
{
    size_t k = utf16le_ascii(p, n, out);
    plain_chunk((const unsigned char *)out, k / 64 * 64, nl, cr, lone_cr);
    return k;
}

static bool has2_z(const char *s, unsigned char a, unsigned char b,
                   size_t *len)
{
    for (const char *p = s;; p++) {
        if (!*p) {
            *len = (size_t)(p - s);
            return false;
        }
        if ((unsigned char)*p == a || (unsigned char)*p == b)
            return true;
    }
}

const ls_simd ldrsnap__simd_scalar = {
    "scalar",      plain_chunk,      watch_chunk, plain,  any_of4,
    utf16le_ascii, utf16le_ascii_nl, has_of4,     has2_z,
};
