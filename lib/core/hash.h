/*
 * core/hash.h - multiplicative (Fibonacci) hashing for every table and
 * bitmap keyed by 32 bits, and the 64-bit mixing the name hashes use.
 * libc only.
 */
#ifndef LDRSNAP_CORE_HASH_H
#define LDRSNAP_CORE_HASH_H

#include <stdint.h>

#define LS_HASH_MUL 2654435761u                 /* 2^32 / the golden ratio */
#define LS_HASH_MUL64 0x9E3779B97F4A7C15ULL     /* 2^64 / the golden ratio */
#define LS_MIX64 0xFF51AFD7ED558CCDULL          /* MurmurHash3's fmix64 */

/* key times LS_HASH_MUL: its top bits are the well-mixed ones. */
static inline uint32_t ls_hash32(uint32_t key)
{
    return key * LS_HASH_MUL;
}

/* The top `bits` bits (1..31) of ls_hash32(key). */
static inline uint32_t ls_hash_bits(uint32_t key, unsigned bits)
{
    return ls_hash32(key) >> (32 - bits);
}

#endif
