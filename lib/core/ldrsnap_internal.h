/*
 * ldrsnap_internal.h - declarations shared by the library's modules.
 * Not installed.  Internal non-static symbols are named ldrsnap__*.
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

#include "ldrsnap.h"
#include "core/common.h"

#define LS_UNUSED(x) ((void)(x))
#define LS_MIN(a, b) ((a) < (b) ? (a) : (b))

#define LS_DEFAULT_MAX_LINE (64u * 1024u)
#define LS_MIN_MAX_LINE 256u

/* ---- allocation ------------------------------------------------------ */

/* For a small helper of a per-line path that the compiler would call. */
#ifdef __GNUC__
#define LS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define LS_ALWAYS_INLINE inline
#endif

typedef struct ls_alloc {
    ldrsnap_allocator a;
} ls_alloc;

void ldrsnap__alloc_init(ls_alloc *al, const ldrsnap_options *opts);
void *ldrsnap__malloc(const ls_alloc *al, size_t n);
void *ldrsnap__calloc(const ls_alloc *al, size_t n);
void *ldrsnap__realloc(const ls_alloc *al, void *p, size_t n);
void ldrsnap__free(const ls_alloc *al, void *p);
/* Does this CPU run AVX2 code (the few passes that have such a form)? */
bool ldrsnap__cpu_avx2(void);
/* Large memory filled once and reused (huge pages where it can). */
void *ldrsnap__big_alloc(const ls_alloc *al, size_t n);
void ldrsnap__big_free(const ls_alloc *al, void *p, size_t n);
char *ldrsnap__strndup(const ls_alloc *al, const char *s, size_t n);
char *ldrsnap__strdup(const ls_alloc *al, const char *s);

/* The start of every *_new() (after its own out-parameter check): check
 * the options, set up the allocator, allocate a zeroed handle of `size`
 * bytes.  Returns it, or NULL with *rc saying why. */
void *ldrsnap__handle_alloc(const ldrsnap_options *opts, size_t size,
                            ls_alloc *al, int *rc);

/* Validate caller options; fills defaults.  Returns LDRSNAP_EINVAL on a
 * version or allocator the library does not know. */
int ldrsnap__options_check(const ldrsnap_options *opts);

/* ---- growable byte buffer --------------------------------------------- */

typedef struct ls_buf {
    char *ptr;
    size_t len, cap;
} ls_buf;

int ldrsnap__buf_grow(const ls_alloc *al, ls_buf *b, size_t need);
/* Room for need bytes in b (the check inline: most calls have it). */
static inline int ldrsnap__buf_reserve(const ls_alloc *al, ls_buf *b,
                                       size_t need)
{
    return need <= b->cap ? LDRSNAP_OK : ldrsnap__buf_grow(al, b, need);
}
int ldrsnap__buf_append(const ls_alloc *al, ls_buf *b, const void *p,
                        size_t n);
void ldrsnap__buf_free(const ls_alloc *al, ls_buf *b);

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

/* ---- text: bytes -> UTF-8 lines --------------------------------------- */

enum ls_encoding {
    LS_ENC_UNKNOWN = 0,
    LS_ENC_UTF8,
    LS_ENC_UTF16LE,
    LS_ENC_UTF16BE
};

/* A physical line, UTF-8, not NUL-terminated; valid during the callback. */
typedef struct ls_line {
    const char *ptr;
    size_t len;
    uint64_t line;   /* 1-based */
    uint64_t offset; /* byte offset of the line start in the input */
    bool capped;     /* longer than max_line; the rest was dropped */
    bool recoded;    /* invalid UTF-8 or NUL replaced */
    bool ascii;      /* every byte < 0x80: characters == bytes */
    bool watched;    /* may hold a watched byte (ldrsnap__text_watch) */
} ls_line;

typedef int (*ls_line_cb)(const ls_line *line, void *ud);
/* Offered each line of a plain ASCII chunk that is whole in it, no longer
 * than max_line and not the end of a line begun in an earlier chunk:
 * returns 1 when it took the line, 0 to have it go to the line callback,
 * or an error (< 0). */
typedef int (*ls_fast_cb)(const char *s, size_t n, uint64_t line,
                          uint64_t offset, bool watched, void *ud);

typedef struct ls_text {
    const ls_alloc *al;
    enum ls_encoding enc;
    bool bom;
    bool saw_invalid;        /* UTF-8 input held invalid sequences */
    unsigned char sniff[4];
    size_t nsniff;
    /* UTF-16 state: a dangling byte, a pending high surrogate */
    int odd_byte;            /* -1 when none */
    uint32_t high_surrogate; /* 0 when none */
    ls_buf u8;               /* scratch for transcoded UTF-16 */
    /* line assembly */
    ls_buf line;             /* partial line carried across chunks */
    bool line_capped;
    bool pending_cr;         /* the last byte seen was '\r' */
    bool in_line;            /* the current line has begun */
    bool chunk_plain;        /* the chunk being split is plain ASCII */
    uint64_t lineno;         /* lines completed */
    uint64_t line_offset;    /* input offset where the current line began */
    uint64_t in_bytes;       /* raw bytes consumed */
    size_t max_line;
    ls_buf recode;           /* scratch for recoded lines */
    /* bytes lines are checked for (nwatch of them, 0: none, and every
     * line may hold one), found by the chunk's ASCII pass: a bit per
     * 64-byte block of the chunk */
    unsigned char watch[4];
    size_t nwatch;
    ls_buf wmap;
    bool line_watched;       /* the partial line held one of them */
    ls_buf nlmap;            /* the chunk's '\n' bytes, a bit each, when
                                its AVX2 pass found them */
    ls_line_cb cb;
    ls_fast_cb fast;         /* NULL: every line goes to cb */
    void *ud;
} ls_text;

void ldrsnap__text_init(ls_text *t, const ls_alloc *al, size_t max_line,
                        ls_line_cb cb, void *ud);
/* Mark the lines that may hold one of bytes[0..k) (ASCII, k <= 4; 0:
 * none, every line is marked). */
void ldrsnap__text_watch(ls_text *t, const unsigned char *bytes, size_t k);
int ldrsnap__text_feed(ls_text *t, const unsigned char *p, size_t n);
int ldrsnap__text_finish(ls_text *t);
void ldrsnap__text_free(ls_text *t);
const char *ldrsnap__text_encoding(const ls_text *t);

/* ---- lex: one logical line -> one record ------------------------------ */

/* Where a record begins inside a line, and which grammar it has. */
typedef struct ls_start {
    size_t pos;             /* offset of the record after the prefix */
    ldrsnap_dialect dialect;
    size_t head;            /* Vista: length of "pid:tid @ tick - " */
    uint32_t pid, tid;      /* Vista: parsed head */
    uint64_t tick;
    /* ldrsnap__lex_plain(): the line is one plain ENTER or RETURN record
     * (plain: its level, else LDRSNAP_L_NONE), function up to sep, the
     * message from msg, a RETURN's status */
    ldrsnap_level plain;
    size_t sep, msg;
    uint32_t status;
} ls_start;

/* Is s[0..n), whose start st is a Vista head at 0, one of the two records
 * that make most of a log: "<head>Function - ENTER: DLL name: <dll>"
 * (no " DLL path: ") or "<head>Function - RETURN: Status: 0x<8 hex>",
 * with no trailing blank?  Such a line holds no glued record; its shape
 * is kept in st for ldrsnap__lex_line(). */
bool ldrsnap__lex_plain(const char *s, size_t n, ls_start *st);
/* The same, for a whole line that starts with the usual Vista head
 * "hhhh:hhhh @ dddddddd - ": ldrsnap__lex_find_start() and
 * ldrsnap__lex_plain() in one call.  False for any other line; st->head
 * is then 0 unless the line starts with that head. */
bool ldrsnap__lex_plain_line(const char *s, size_t n, ls_start *st);

/* Find where the first record begins (after any capture-tool prefix).
 * Returns false when the line holds no Vista/XP/debugger record start. */
bool ldrsnap__lex_find_start(const char *s, size_t n, ls_start *st);

/* Offset of the next glued record start after `from`, or n when none. */
size_t ldrsnap__lex_find_glued(const char *s, size_t n, size_t from,
                               bool xp_seen);

/* Does this line begin a record of its own (and so must not be joined to
 * an 80-column line before it)?  s must be NUL-terminated at s[n]. */
bool ldrsnap__lex_begins_record(const char *s, size_t n);

/* Surely no record start on s[0..n) (no '@', no "LDR:"), where
 * ldrsnap__lex_find_start() would find none.  False: perhaps one. */
bool ldrsnap__lex_no_start(const char *s, size_t n);

/* A Vista "Calling init routine <16 digits> for DLL "<name>"" line with
 * the usual head and spacing, the quoted name ending the line: where its
 * function name ends (sep), its message, its name; its routine. */
typedef struct ls_init_line {
    size_t sep, msg, dll, dll_len;
    uint64_t address;
} ls_init_line;
bool ldrsnap__lex_init_usual(const char *s, size_t n, const ls_start *st,
                             ls_init_line *out);

/* A debugger ModLoad line of the usual form, on which no record start
 * was found: both addresses with their backtick, no trailing blank.  Its
 * range, and where its path begins; false: not such a line. */
bool ldrsnap__lex_modload_usual(const char *s, size_t n, uint64_t *base,
                                uint64_t *end, size_t *path);

/* A start for ldrsnap__lex_line() that says ldrsnap__lex_find_start()
 * found none on the line (nor will it on the line trimmed): the lexer
 * does not search again. */
extern const ls_start ldrsnap__no_start;

/* What an ENTER record's message begins with, before the DLL's name. */
#define LS_DLL_NAME_TAG "DLL name: "
#define LS_DLL_NAME_TAG_LEN (sizeof LS_DLL_NAME_TAG - 1)

/* Room the lexer may need for the fields of a line of n bytes. */
#define LS_LEX_ROOM(n) (4 * (size_t)(n) + 512)

/* Classify one NUL-terminated logical line into rec.  `line` is mutable
 * scratch the lexer may cut with NULs; the substrings it copies out go to
 * `out`, which has LS_LEX_ROOM(len) bytes.  Returns the bytes used there.
 * prev_dialect is the dialect of the previous record on the stream, for
 * continuations; start, when not NULL, is where ldrsnap__lex_find_start()
 * found the record (pos relative to line), saving a second search. */
size_t ldrsnap__lex_line(char *out, char *line, size_t len,
                         ldrsnap_dialect prev_dialect, const ls_start *start,
                         ldrsnap_record *rec);

/* Hex / decimal helpers shared by the lexer and the trace. */
bool ldrsnap__parse_hex32(const char *s, size_t n, uint32_t *out);
bool ldrsnap__parse_hex64(const char *s, size_t n, uint64_t *out);
size_t ldrsnap__hex_run(const char *s, size_t n);

/* ---- parser internals used by the analyzer ---------------------------- */

typedef struct ls_parser_hooks {
    ldrsnap_record_cb cb;
    void *ud;
} ls_parser_hooks;

/* ---- loader status knowledge ----------------------------------------- */

/* The name of each known id (NULL for LS_FID_UNKNOWN and unused ones). */
extern const char *const ldrsnap__fid_names[LS_FID_LIMIT];
unsigned ldrsnap__func_id(const char *name, size_t len, unsigned *flags);
/* For the tests: the i-th name of the function table, NULL past its end. */
const char *ldrsnap__func_name(size_t i);

bool ldrsnap__status_is_error(uint32_t code);
/* Name of an exception code: exception names first, then NTSTATUS. */
const char *ldrsnap__exception_name(uint32_t code);
bool ldrsnap__exception_is_benign(uint32_t code);

/* ---- path helpers ----------------------------------------------------- */

/* The file-name part of a Windows or POSIX path (after the last \ or /). */
const char *ldrsnap__basename(const char *path);
/* ASCII case-insensitive comparison of two file names. */
bool ldrsnap__name_eq(const char *a, const char *b);

#endif /* LDRSNAP_INTERNAL_H */
