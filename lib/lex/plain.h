/*
 * lex/plain.h - the recognizers of the usual Vista head and of a plain
 * ENTER or RETURN record after it, inline: lex.c's finders and lexer use
 * them, and the parser's fast way (on_fast_line()) reads the usual line
 * with them without a call per line.  libc only, as lex.c.
 */
#ifndef LDRSNAP_LEX_PLAIN_H
#define LDRSNAP_LEX_PLAIN_H

#include <string.h>

#include "core/ldrsnap_internal.h"
#include "lex/lex.h"
#include "simd/simd.h"

/* ---- small scanners ---------------------------------------------------- */

/* Byte order.  The word-at-a-time readers below take the first byte of a
 * word as its low byte; where the compiler does not say the target is
 * little-endian (MSVC, a big-endian target: make check-portable builds so)
 * each has a scalar twin that reads a byte at a time and gives the same
 * answers. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LS_LE_WORDS 1
#else
#define LS_LE_WORDS 0
#endif

/* Hex digit value + 1; 0 for anything else (unlisted entries are 0).  A
 * function, so that a file that includes this and reads no digit a byte at
 * a time has no unused table. */
static inline unsigned hexv1(unsigned c)
{
    static const unsigned char t[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,
        ['5'] = 6,  ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10,
        ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
        ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14,
        ['E'] = 15, ['F'] = 16};
    return t[c & 0xFF];
}

typedef struct vhead {
    uint64_t ids; /* pid | tid << 32: written and read as one word (two
                     32-bit stores read back as one 64-bit load stall
                     store-to-load forwarding) */
    uint64_t tick;
} vhead;

/* Vista record head at s[0..n): "hhh:hhh @ ddd - ".  Returns its length
 * (0 when there is none) and, when h is given, its values: one pass. */
/* Four hex digits at s, or false. */
static inline bool hex4(const char *s, uint32_t *v)
{
    unsigned a = hexv1((unsigned char)s[0]), b = hexv1((unsigned char)s[1]),
             c = hexv1((unsigned char)s[2]), d = hexv1((unsigned char)s[3]);
    if (!a || !b || !c || !d)
        return false;
    *v = ((a - 1) << 12) | ((b - 1) << 8) | ((c - 1) << 4) | (d - 1);
    return true;
}

/* Eight decimal digits at s: their value, in a few word operations. */
static inline bool digits8(const char *s, uint64_t *out)
{
    uint64_t w;
    memcpy(&w, s, 8);
    /* each byte 0x30..0x39: high nibble 3, and adding 6 does not carry */
    if ((w & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL ||
        ((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) !=
            0x3030303030303030ULL)
        return false;
#if LS_LE_WORDS
    /* pairs, then fours, then all eight (the first digit is the low byte) */
    w = ((w & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
    w = ((w & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
    *out = ((w & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
#else
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v = v * 10 + (uint64_t)(s[k] - '0');
    *out = v;
#endif
    return true;
}

/* The common shape, "hhhh:hhhh @ ": straight-line, no loops. */
static inline bool head_4_4(const char *s, size_t n, uint32_t *pid,
                            uint32_t *tid)
{
    return n >= 16 && s[4] == ':' && s[9] == ' ' && s[10] == '@' &&
           s[11] == ' ' && hex4(s, pid) && hex4(s + 5, tid);
}

#if LS_LE_WORDS
/* Eight hex digits, the bytes of w (the first in the low byte), as two
 * 16-bit values, the first four digits in the low half; false unless all
 * eight are hex digits.  A word at a time: a digit is 0x30..0x39 as is, a
 * letter 0x61..0x66 once bit 5 is set. */
static LS_ALWAYS_INLINE bool hex8x2(uint64_t w, uint32_t *lo4, uint32_t *hi4)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t l = w | 0x2020202020202020ULL;
    /* x in [a, b] for bytes below 0x80: bit 7 of (x + 0x80 - a) set and of
     * (x + 0x7f - b) clear */
    uint64_t dig = (w + (0x80 - 0x30) * ones) & ~(w + (0x7f - 0x39) * ones);
    uint64_t let = (l + (0x80 - 0x61) * ones) & ~(l + (0x7f - 0x66) * ones);
    if (((dig | let) & high & ~w) != high)
        return false;
    /* nibble: low four bits, plus 9 for a letter (bit 6 set) */
    uint64_t x = (l & 0x0F0F0F0F0F0F0F0FULL) + 9 * ((l >> 6) & ones);
    x = ((x & 0x000F000F000F000FULL) << 4) | ((x >> 8) & 0x000F000F000F000FULL);
    x = ((x & 0x000000FF000000FFULL) << 8) | ((x >> 16) & 0x000000FF000000FFULL);
    *lo4 = (uint32_t)x;
    *hi4 = (uint32_t)(x >> 32);
    return true;
}

#if LS_SSE2
/* The usual head, "hhhh:hhhh @ dddddddd - ": its length (23), or 0 when
 * s does not start with exactly that shape.  Its eight hex digits and
 * eight decimal ones in one vector: checked (a decimal digit, or a hex
 * letter in the low half), each turned into its value, pairs of them
 * joined by a multiply (16 or 10) and pairs of pairs by pmaddwd (256 or
 * 100): pid | tid << 32 in the low half, the tick's two halves in the
 * high one (hex8x2() and digits8() took about twice the instructions). */
static inline size_t head_usual(const char *s, size_t n, vhead *h)
{
    if (n < 24)
        return 0;
    uint64_t punct, digits;
    uint32_t tail, a, b;
    memcpy(&punct, s + 4, 8); /* ':' at 4, " @ " at 9..11 */
    memcpy(&tail, s + 20, 4); /* " - " at 20..22 */
    if ((punct & 0xFFFFFF00000000FFULL) != 0x204020000000003AULL ||
        (tail & 0x00FFFFFFu) != 0x00202D20u)
        return 0;
    memcpy(&a, s, 4);
    memcpy(&b, s + 5, 4);
    memcpy(&digits, s + 12, 8);
    const __m128i v = _mm_set_epi64x((long long)digits,
                                     (long long)(a | (uint64_t)b << 32));
    const __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
    const __m128i dig = _mm_and_si128(
        _mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
        _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
    const __m128i let = _mm_and_si128(
        _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
                      _mm_cmpgt_epi8(_mm_set1_epi8('f' + 1), l)),
        _mm_set_epi64x(0, -1)); /* letters in the hex half only */
    if (_mm_movemask_epi8(_mm_or_si128(dig, let)) != 0xFFFF)
        return 0;
    const __m128i nib = _mm_add_epi8(_mm_and_si128(l, _mm_set1_epi8(0x0F)),
                                     _mm_and_si128(let, _mm_set1_epi8(9)));
    const __m128i pairs = _mm_add_epi16(
        _mm_mullo_epi16(_mm_and_si128(nib, _mm_set1_epi16(0x00FF)),
                        _mm_set_epi16(10, 10, 10, 10, 16, 16, 16, 16)),
        _mm_srli_epi16(nib, 8));
    const __m128i quads = _mm_madd_epi16(
        pairs, _mm_set_epi16(1, 100, 1, 100, 1, 256, 1, 256));
    uint64_t ids = (uint64_t)_mm_cvtsi128_si64(quads);
    uint64_t t = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(quads, quads));
    if (h)
        *h = (vhead){ids, (t & 0xFFFFFFFFu) * 10000 + (t >> 32)};
    return 23;
}
#else
/* The usual head, "hhhh:hhhh @ dddddddd - ", in a few word operations:
 * its length (23), or 0 when s does not start with exactly that shape. */
static inline size_t head_usual(const char *s, size_t n, vhead *h)
{
    if (n < 24)
        return 0;
    uint64_t punct, digits, hex;
    uint32_t tail, a, b;
    memcpy(&punct, s + 4, 8); /* ':' at 4, " @ " at 9..11 */
    memcpy(&tail, s + 20, 4); /* " - " at 20..22 */
    if ((punct & 0xFFFFFF00000000FFULL) != 0x204020000000003AULL ||
        (tail & 0x00FFFFFFu) != 0x00202D20u)
        return 0;
    uint32_t p4, t4;
    memcpy(&a, s, 4);
    memcpy(&b, s + 5, 4);
    hex = a | (uint64_t)b << 32;
    if (!hex8x2(hex, &p4, &t4) || !digits8(s + 12, &digits))
        return 0;
    if (h)
        *h = (vhead){p4 | (uint64_t)t4 << 32, digits};
    return 23;
}
#endif
#else
/* The usual head, its scalar twin: the same shape, a byte at a time. */
static inline size_t head_usual(const char *s, size_t n, vhead *h)
{
    uint32_t pid, tid;
    uint64_t digits;
    if (n < 24 || !head_4_4(s, n, &pid, &tid) || s[20] != ' ' ||
        s[21] != '-' || s[22] != ' ' || !digits8(s + 12, &digits))
        return 0;
    if (h)
        *h = (vhead){pid | (uint64_t)tid << 32, digits};
    return 23;
}
#endif

/* Eight hex digits at p: their value.  Always inline (plain_after_head()
 * reads a status with it once a line); hex8() is the same. */
static LS_ALWAYS_INLINE bool hex8_inline(const char *p, uint32_t *out)
{
#if LS_LE_WORDS
    uint64_t w;
    uint32_t hi, lo;
    memcpy(&w, p, 8);
    if (!hex8x2(w, &hi, &lo))
        return false;
    *out = hi << 16 | lo;
    return true;
#else
    uint32_t v = 0;
    for (int k = 0; k < 8; k++) {
        unsigned d = hexv1((unsigned char)p[k]);
        if (!d)
            return false;
        v = (v << 4) | (d - 1);
    }
    *out = v;
    return true;
#endif
}

static inline bool hex8(const char *p, uint32_t *out)
{
    return hex8_inline(p, out);
}

/* Do the 8 bytes at p equal lit's in the bits of mask? */
static inline bool word_eq(const char *p, const char *lit, uint64_t mask)
{
#if LS_LE_WORDS
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, lit, 8);
    return ((a ^ b) & mask) == 0;
#else
    /* the mask names bytes from the left of a little-endian word */
    for (int k = 0; k < 8; k++)
        if ((mask >> (8 * k) & 0xFF) && p[k] != lit[k])
            return false;
    return true;
#endif
}

/* The first space in f[0..n), or NULL (a loader function's name, then
 * " - ", fits the first 32 bytes most of the time). */
static inline const char *first_space(const char *f, size_t n)
{
    return ls_find_byte(f, n, ' ');
}

/* Does p[0..n) hold a ':'?  Inline: a DLL name is short, and a call to
 * memchr() costs more than the search. */
static inline bool has_colon(const char *p, size_t n)
{
    return ls_has_byte(p, n, ':');
}

/* ldrsnap__lex_plain() once its start is known to be a Vista head at 0;
 * always inline (the parser's loop over a run of such lines, where st
 * stays in registers): plain_after_head() is the same. */
static LS_ALWAYS_INLINE bool plain_after_head_inline(const char *s, size_t n,
                                                     ls_start *st)
{
    if (s[n - 1] == ' ' || s[n - 1] == '\t')
        return false;
    const char *f = s + st->head, *end = s + n;
    const char *sep = first_space(f, (size_t)(end - f));
    if (!sep || end - sep < 12 || sep[1] != '-' || sep[2] != ' ')
        return false;
    st->sep = (size_t)(sep - s); /* for the caller, plain or not */
    const char *w = sep + 3, *m;
    ldrsnap_level level;
    uint32_t status = 0, orig = 0;
    uint8_t form = LS_FORM_LONG;
    /* the usual spacing, 16 bytes at once: " - ENTER: DLL na" then "me: ",
     * " - RETURN: Statu" then "s: 0x" and eight digits; other spacing
     * takes the word-wise way below */
    if (end - sep >= 20 && ls_eq16(sep, " - ENTER: DLL na") &&
        memcmp(sep + 16, "me: ", 4) == 0) {
        m = sep + 10;
        if (end - m > 12 && has_colon(m + 12, (size_t)(end - m - 12)))
            return false;
        level = LDRSNAP_L_ENTER;
        goto done;
    }
    if (end - sep == 29 && ls_eq16(sep, " - RETURN: Statu") &&
        memcmp(sep + 16, "s: 0", 4) == 0 && (sep[20] == 'x' || sep[20] == 'X')) {
        m = sep + 11;
        if (!hex8_inline(m + 10, &status))
            return false;
        level = LDRSNAP_L_RETURN;
        goto done;
    }
    /* 9 bytes from w on are in the line: end - sep >= 12 */
    if (word_eq(w, "ENTER:\0\0", 0xFFFFFFFFFFFFull)) {
        for (m = w + 6; *m == ' '; m++)
            ;
        /* " DLL path: " holds a colon, and so would a glued head (after
         * three hex digits): none past a drive letter, neither */
        if (end - m >= 10 && word_eq(m, "DLL name", ~0ull) && m[8] == ':' &&
            m[9] == ' ') {
            if (end - m > 12 && has_colon(m + 12, (size_t)(end - m - 12)))
                return false;
        } else if (m < end && (end - m <= 2 ||
                               !has_colon(m + 2, (size_t)(end - m - 2)))) {
            form = LS_FORM_COMPACT; /* "ENTER: <dll>" (vista_enter()) */
        } else {
            return false;
        }
        level = LDRSNAP_L_ENTER;
    } else if (word_eq(w, "RETURN:\0", 0xFFFFFFFFFFFFFFull)) {
        for (m = w + 7; *m == ' '; m++)
            ;
        /* "Status: 0x<8 hex>", else vista_return()'s compact forms */
        if (end - m == 18) {
            if (!word_eq(m, "Status: ", ~0ull) || m[8] != '0' ||
                (m[9] != 'x' && m[9] != 'X') || !hex8_inline(m + 10, &status))
                return false;
        } else if (end - m == 8 && hex8_inline(m, &status)) {
            form = LS_FORM_COMPACT;
        } else if (end - m == 17 && m[8] == '-' && hex8_inline(m, &orig) &&
                   hex8_inline(m + 9, &status)) {
            form = LS_FORM_COMPACT_ORIG;
        } else {
            return false;
        }
        level = LDRSNAP_L_RETURN;
    } else {
        return false;
    }
done:
    st->plain = level;
    st->sep = (size_t)(sep - s);
    st->msg = (size_t)(m - s);
    st->status = status;
    st->form = form;
    st->status_orig = orig;
    return true;
}

static inline bool plain_after_head(const char *s, size_t n, ls_start *st)
{
    return plain_after_head_inline(s, n, st);
}

/* ldrsnap__lex_plain_line(), inline: the usual head ("hhhh:hhhh @
 * dddddddd - " at 0, the shape most lines of a log have) read here, any
 * other width by ldrsnap__lex_plain_other(). */
static inline bool ls_lex_plain_line(const char *s, size_t n, ls_start *st)
{
    vhead h;
    st->pos = 0;
    st->head = 0; /* none, unless a head is found */
    st->plain = LDRSNAP_L_NONE;
    st->sep = 0;  /* where " - LEVEL" starts, when plain_after_head() got
                     that far */
    if (head_usual(s, n, &h)) {
        st->head = 23;
        st->pid = (uint32_t)h.ids, st->tid = (uint32_t)(h.ids >> 32);
        st->tick = h.tick;
        st->dialect = LDRSNAP_D_VISTA;
        return plain_after_head(s, n, st);
    }
    return n && hexv1((unsigned char)s[0]) &&
           ldrsnap__lex_plain_other(s, n, st);
}

#endif
