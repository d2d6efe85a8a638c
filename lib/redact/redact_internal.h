/*
 * redact/redact_internal.h - stage after verdict: a log with stable
 * pseudonyms for the names in it (users, machines, domains, with
 * LDRSNAP_REDACT_PATHS folders), every other byte as it was.
 *
 * libc only.  Works on the log's own code units (bytes of UTF-8 or
 * CP1252, or UTF-16 units), a line at a time: the patterns that find
 * names look at ASCII units only, every unit past ASCII counts as a
 * letter, and the units of a line that no name covers are written back
 * as the bytes they came from.  Knows nothing of the other stages.
 */
#ifndef LDRSNAP_REDACT_INTERNAL_H
#define LDRSNAP_REDACT_INTERNAL_H

#include "core/ldrsnap_internal.h"

/* One line of the input as code units (a byte each for 8-bit text). */
typedef struct rd_line {
    const uint16_t *u;
    size_t n;
    bool wide;             /* UTF-16: punctuation past ASCII is a unit */
} rd_line;

enum rd_kind { RD_USER, RD_HOST, RD_DOMAIN, RD_DIR, RD_NKINDS };

typedef struct rd_name {
    enum rd_kind kind;
    uint16_t *f8, *f16;    /* the name as 8-bit (UTF-8) and UTF-16 units */
    size_t n8, n16;
    char *utf8;            /* for listing */
    char pseudo[32];
    size_t plen;
    uint64_t count;        /* replacements made */
    bool free_text;        /* replaced wherever it stands as a word */
    int next8, next16;     /* bucket chains (first unit, folded) */
} rd_name;

/* A span of the current line [a, b) to write as name's pseudonym. */
typedef struct rd_rep {
    size_t a, b;
    int name;
} rd_rep;

#define RD_BUCKETS 64
#define RD_MAX_LINE (1u << 20) /* units; a longer line is cut there */

struct ldrsnap_redactor {
    unsigned magic;
    ls_alloc al;
    unsigned flags;
    bool keyed;
    uint64_t key[2];
    rd_name *names;
    size_t nnames, ncap;
    int b8[RD_BUCKETS], b16[RD_BUCKETS];
    unsigned counter[RD_NKINDS];
    /* the input under way */
    bool open;
    int enc;               /* RD_ENC_* */
    unsigned char sniff[4];
    size_t nsniff;
    int odd;               /* a UTF-16 byte waiting for its pair, or -1 */
    uint16_t *line;
    size_t nline, lcap;
    uint64_t lineno;       /* 1-based line of line[0] */
    ldrsnap_write_fn write;
    void *wctx;
    rd_rep *reps;
    size_t nreps, rcap;
    ls_buf out;
    uint64_t leaks;
    char errmsg[512];
};

enum { RD_ENC_UNKNOWN, RD_ENC_8BIT, RD_ENC_UTF16LE, RD_ENC_UTF16BE };

/* ---- names.c ---- */
/* Add the name l->u[a..b) of kind k (or find it): its index, or -1 when
 * out of memory. */
int ldrsnap__rd_name(ldrsnap_redactor *r, const rd_line *l, size_t a,
                     size_t b, enum rd_kind k);
/* Does the name i stand at l->u[at..] (ASCII case folded)?  Its length
 * in units there, else 0. */
size_t ldrsnap__rd_name_at(const ldrsnap_redactor *r, int i,
                           const rd_line *l, size_t at);
void ldrsnap__rd_names_free(ldrsnap_redactor *r);
/* The first name in the bucket of the unit c, for lines of this width;
 * the next one with rd_name.next8 / next16.  -1 at the end. */
int ldrsnap__rd_bucket(const ldrsnap_redactor *r, bool wide, unsigned c);
/* Keyed pseudonyms from now on. */
void ldrsnap__rd_set_key(ldrsnap_redactor *r, const char *key);
const char *ldrsnap__rd_kind_name(enum rd_kind k);

/* ---- scan.c ---- */
static inline unsigned rd_u(const rd_line *l, size_t i)
{
    return i < l->n ? l->u[i] : 0;
}
static inline unsigned rd_fold(unsigned c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}
static inline bool rd_alnum(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}
/* Is the unit at i punctuation past ASCII (curly and full-width quotes,
 * CJK punctuation), which ends a name as ASCII punctuation does? */
bool ldrsnap__rd_punct(const rd_line *l, size_t i);
/* Is the unit at i part of a word: an ASCII letter or digit, or a letter
 * past ASCII. */
static inline bool rd_word(const rd_line *l, size_t i)
{
    unsigned c = rd_u(l, i);
    return rd_alnum(c) || (c >= 0x80 && !ldrsnap__rd_punct(l, i));
}
/* Find the names in a line: r->reps gets the spans, sorted and apart.
 * Then every other place where a known name stands as a word, outside the
 * file names of modules, which must stay (each such place is a leak). */
int ldrsnap__rd_scan(ldrsnap_redactor *r, const rd_line *l);

#endif
