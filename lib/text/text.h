/*
 * text/text.h - stage 1: bytes -> UTF-8 lines.
 *
 * Takes the input's bytes in chunks of any size; gives numbered UTF-8
 * lines (BOM or zero-byte detection of UTF-16, transcoding, \n, \r\n and
 * lone \r, invalid UTF-8 recoded as CP1252, NUL as U+FFFD), each marked
 * when it may hold one of the bytes the rules watch for, and plain ASCII
 * lines to a fast callback when one is set.  libc only: knows bytes and
 * lines; never records, rules or the analyzer.
 */
#ifndef LDRSNAP_TEXT_H
#define LDRSNAP_TEXT_H

#include "core/ldrsnap_internal.h"

#define LS_DEFAULT_MAX_LINE (64u * 1024u)
#define LS_MIN_MAX_LINE 256u
/* max_line above this is taken as this: "no limit" (memory runs out
 * first), and sizes derived from it (a line recoded, its fields) cannot
 * overflow */
#define LS_MAX_MAX_LINE (SIZE_MAX / 64)

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
/* Offered each line that is whole in a chunk, valid UTF-8 without NUL
 * (nothing to recode; ascii: no byte past ASCII either), no longer than
 * max_line and not the end of a line begun in an earlier chunk: returns
 * 1 when it took the line, 0 to have it go to the line callback, or an
 * error (< 0). */
typedef int (*ls_fast_cb)(const char *s, size_t n, uint64_t line,
                          uint64_t offset, bool watched, bool ascii,
                          void *ud);
/* The fast way's answer for a line that may begin a run of its kind: it
 * took the line, and the lines after it are offered to the run callback
 * (ls_run_cb) many at a time. */
#define LS_FAST_RUN 2

/* The lines after a line the fast way answered LS_FAST_RUN for, offered
 * many at a time: the bytes being split (p[0..n)), their '\n' map, the
 * next line's start i, and split()'s loop state (the first byte past
 * ASCII at or after i when bad >= i, the lines completed, the input
 * offset of p[0] and its scale).  Every line there ends in "\n" or
 * "\r\n" (has_cr: some end in "\r\n"); a line it takes must be whole
 * (its '\n' before n), no longer than max_line and ASCII.  The callback
 * takes the lines it can from i on, and leaves i, bad and lineno at the
 * first it does not take; refused: the fast way refused that one (it
 * goes the general way).  Returns 0, or an error (< 0). */
typedef struct ls_lines {
    const char *p;
    size_t n;
    const uint64_t *nl;
    size_t i, bad;
    uint64_t lineno, orig;
    size_t max_line;
    unsigned scale;
    bool has_cr;
    bool refused;
} ls_lines;
typedef int (*ls_run_cb)(ls_lines *l, void *ud);

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
    bool utf16_units;        /* UTF-16LE a code unit at a time, without
                                the ASCII pass (its oracle, for tests) */
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
    const struct ls_simd *simd; /* the chunk passes (simd/simd.h) */
    ls_buf nlmap;            /* the chunk's '\n' bytes, a bit each */
    /* the bytes split() is splitting (a chunk's piece, or a UTF-16
     * piece's UTF-8): a line offered to the fast way lies in them, and
     * the line after it begins there when it is before piece_hi */
    const char *piece_lo, *piece_hi;
    ls_line_cb cb;
    ls_fast_cb fast;         /* NULL: every line goes to cb */
    ls_run_cb run;           /* lines after one fast answered LS_FAST_RUN
                                for (NULL: it never does) */
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

#endif
