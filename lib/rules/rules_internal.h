/*
 * rules/rules_internal.h - stage 5: compiled rules (rules.c, libyaml and
 * PCRE2) and the matcher (rxmatch.c).
 *
 * Takes records and failures, with their notes; gives signatures to the
 * analyzer's ls_sink.  What the stages before it need to know of a rule
 * set they get as plain data from gate.c (ls_gate), never from here:
 * this header includes pcre2.h, and only lib/rules/ and lib/analyzer.c
 * may include it (make check-layers).
 */
#ifndef LDRSNAP_RULES_INTERNAL_H
#define LDRSNAP_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/ldrsnap_internal.h"
#include "codes/status.h"
#include "rules/gate.h"

enum rx_target { RX_LINE = 0, RX_FAILURE = 1 };
enum rx_scope { RX_FILE = 0, RX_PROCESS, RX_THREAD };

#define RX_ANY (-1)
#define RX_NDIALECT 7

/* A case-insensitive glob, with what tells most names apart at once. */
typedef struct rx_glob {
    char *pat;
    size_t len;              /* strlen(pat) */
    bool literal;            /* no '*' nor '?': only a name of its length */
    bool has_sep;            /* holds '\\' or '/': never a bare file name */
} rx_glob;

typedef struct rx_globs {
    rx_glob *g;
    size_t n;
} rx_globs;

/* One step: every condition given must hold. */
/* needles.c: the strings one of which every match of a pattern holds
 * (lower case), when its required text is an alternation of plain words;
 * at_end: one of them ends the line (the pattern ends with `$`). */
#define RX_NEEDLES_MAX 32
typedef struct rx_needles {
    char s[RX_NEEDLES_MAX][65];
    size_t len[RX_NEEDLES_MAX];
    size_t n;
    bool at_end;
    /* at_end: the bytes all needles end with, and a bit for each byte
     * that comes before them in one */
    size_t common;
    uint64_t before[4];
    unsigned char last[RX_NEEDLES_MAX]; /* that byte of each */
    /* the first byte of every needle, when it is the same and no letter
     * (else 0) */
    unsigned char first;
    /* at_end: a bit for each needle whose byte before the common end is
     * b (last[i] == b), by b */
    uint32_t by_last[256];
    /* first: a bit for each byte a needle has second */
    uint64_t second[4];
    /* each needle's last 8 bytes (fewer: the last ones) as the word 8
     * bytes ending there load as, and the mask of those bytes: compared
     * with a line's last 8; the same for the common end (at most 7 bytes
     * of it; common_mask 0 when longer) */
    uint64_t tail8[RX_NEEDLES_MAX], tail_mask[RX_NEEDLES_MAX];
    uint64_t common8, common_mask;
    /* first is no byte of a plain ENTER line's frame (RX_PLAIN_FRAME) nor
     * of a loader function's name (letters, digits, '_'): on such a line
     * every needle starts in the DLL name that ends it */
    bool in_name;
} rx_needles;

/* The bytes of the fixed frame of a plain ENTER or RETURN line (its head,
 * " - ENTER: DLL name: ", " - RETURN: Status: 0x" and hex digits), but
 * for its function's name. */
#define RX_PLAIN_FRAME                                                        \
    "0123456789abcdefABCDEF:@ -xX"                                            \
    "ENTER DLL name RETURN Status"

/* The needles of pattern re (out->n 0: none known). */
void ldrsnap__needles_extract(const char *re, rx_needles *out);
/* Could a match of the pattern be on text[0..n)?  False only when no
 * needle is there (case blind), and no character past ASCII could be an
 * ASCII letter to a case-blind pattern. */
bool ldrsnap__needles_may(const rx_needles *nd, const char *text, size_t n);
/* Is a needle on text[0..n) (or at its end, for at_end)?  The first half
 * of ldrsnap__needles_may(), for a caller that knows whether the line is
 * ASCII. */
bool ldrsnap__needles_found(const rx_needles *nd, const char *text,
                            size_t n);
/* ldrsnap__needles_may() the plain way (a needle at a time, memchr() for
 * a first byte, each needle's end compared): the oracle of the fast one,
 * which the tests and fuzz_needles compare it with. */
bool ldrsnap__needles_may_plain(const rx_needles *nd, const char *text,
                                size_t n);
/* Could a case-blind pattern in UTF mode take a character of t[0..n) for
 * an ASCII letter (U+212A, U+017F; U+0130, U+0131)? */
bool ldrsnap__folds_to_ascii(const unsigned char *t, size_t n);
/* Is the lower-case s[0..len) on t[0..n), ASCII case blind? */
bool ldrsnap__find_fold(const unsigned char *t, size_t n, const char *s,
                        size_t len);

typedef struct rx_step {
    pcre2_code *re;          /* NULL when the step has no pattern */
    rx_needles *needles;     /* NULL when none are known */
    bool jit;                /* re is JIT-compiled */
    char *literal;           /* a string any match must contain (lower
                                case), for the prefilter; NULL if none */
    int literal_id;          /* index in the prefilter, or -1 */
    int dialect, msg, level; /* RX_ANY or the enum value */
    char *function;
    unsigned fid;            /* ldrsnap__func_id() of function; 0 when
                                it is none or a name the table lacks */
    unsigned kinds, roles;   /* bit masks; 0 = any */
    uint32_t *status;        /* any of these; nstatus 0 = any */
    size_t nstatus;
    rx_globs dll, parent, symbol;
    unsigned long line;      /* where the step starts in its file */
} rx_step;

typedef struct rx_rule {
    char *id, *title, *severity, *explanation, *advice;
    char **refs;
    size_t nrefs;
    char *source;
    unsigned long line;
    rx_step *steps;
    size_t nsteps;
    enum rx_scope scope;
    enum rx_target target;
    unsigned long window;
} rx_rule;

/* The literal prefilter: 4-byte lower-case keys of every literal, in a
 * small open-addressing table, plus a 64 Kbit bloom of the keys. */
typedef struct rx_lits {
    char **lit;              /* lower-case literals */
    size_t *len;
    size_t n, cap;
    uint32_t *key;           /* each literal's key */
    uint32_t *key_slot;      /* table of literal index + 1 by key hash */
    size_t slots;
    uint64_t bloom[1024];
    /* Each literal's rarest byte: a line holding none of them holds no
     * literal, and memchr says so fast.  Unused when a literal has no
     * rare byte (scan_always). */
    unsigned char anchor[32];
    size_t nanchor;
    bool scan_always;
    bool wide;               /* a literal holds a byte past ASCII */
    /* the anchors in both cases, when there are at most four: one
     * vector pass finds them all */
    unsigned char probe[4];
    size_t nprobe;
    /* that pass (simd/simd.h), chosen when the rules were compiled */
    bool (*any_of4)(const char *s, size_t n, const unsigned char *bytes,
                    size_t k);
    /* No anchor is an ASCII letter, and no literal holds a byte past
     * ASCII: no character past ASCII is an anchor to a case-blind
     * pattern, so a line without them holds no literal, past ASCII or
     * not; the fast way then looks for the anchors alone (has_of4). */
    bool fold_safe;
    bool (*has_of4)(const char *s, size_t n, const unsigned char *bytes,
                    size_t k);
    /* strlen() and has_of4() of two bytes in one pass (simd.h), for a
     * text of unknown length */
    bool (*has2_z)(const char *s, unsigned char a, unsigned char b,
                   size_t *len);
    /* no probe byte can be in the fixed frame of a plain ENTER or RETURN
     * line (its head, " - ENTER: DLL name: ", " - RETURN: Status: 0x" and
     * hex digits): such a line can hold an anchor only in its names */
    bool plain_safe;
    /* The literals by their anchor, for a scan of the anchors' places
     * (unless scan_always; NULL when there was no memory): those of
     * anchor[a] are at_lit[at_from[a] .. at_from[a + 1]), each with the
     * offset of its anchor in it (at_off); a literal whose text another
     * had before is not there, but on that one's chain of same_next
     * (literal id + 1; 0 ends it). */
    uint32_t *at_lit, *at_off, *same_next;
    size_t at_from[33];
} rx_lits;

/* The bloom bit of a key: all four bytes mixed (the low bits alone would
 * be the key's last two letters, a common pair in most lines). */
static inline uint32_t rx_bloom_bit(uint32_t key)
{
    return ls_hash_bits(key, 16);
}

/* Which rules a record of one dialect could start. */
typedef struct rx_bucket {
    size_t *rule;            /* rule indices */
    size_t n, cap;
    /* What a record must have for one of them to start on it, at most
     * (a superset test, so that most records skip the bucket unread):
     * a level in `levels`, a function id in `fids` unless `any_fid`, a
     * status whose bit is in `statuses` unless `any_status`. */
    uint32_t levels;
    uint64_t fids, statuses;
    bool any_fid, any_status;
} rx_bucket;

/* Could a rule of b start on a record of this level, function id and
 * status?  False means surely not. */
static inline bool rx_bucket_may(const rx_bucket *b, unsigned level,
                                 unsigned fid, bool has_status,
                                 uint32_t status)
{
    return b->n && (b->levels >> level & 1) &&
           (b->any_fid || (fid < 64 && (b->fids >> fid & 1))) &&
           (b->any_status ||
            (has_status &&
             (b->statuses >> ls_hash_bits(status, LS_STATUS_BITS) & 1)));
}

/* every msg the lexer gives (ldrsnap_msg_name() names): a rule may name
 * each (those past LDRSNAP_M_SHELL_COMMAND were refused as unknown) */
#define RX_NMSG (LDRSNAP_M_COMMAND_LINE + 1)

/* Could a rule's first step, by its bucket, start on a record of this
 * msg, dialect, level, function id and status?  (The literal rules and
 * sequences under way aside.)  False means surely not. */
static inline bool rx_rules_may(const struct ldrsnap_rules *R, unsigned msg,
                                unsigned dialect, unsigned level,
                                unsigned fid, bool has_status,
                                uint32_t status);

/* Where a line rule's first step is indexed, most selective first: by the
 * record's msg, by its dialect (a loader function implies Vista+), by a
 * literal its pattern requires, or nowhere (tried on every record). */
struct ldrsnap_rules {
    uint32_t magic;
    ls_alloc al;
    rx_rule *rules;
    size_t n, cap;
    rx_lits lits;
    rx_bucket by_msg[RX_NMSG];
    rx_bucket by_dialect[RX_NDIALECT];
    rx_bucket any;
    long *lit_rule;          /* literal id -> rule whose first step it
                                indexes, or -1 */
    size_t n_lit_rules;
    rx_bucket failure_rules;
    uint32_t max_groups;
    pcre2_general_context *gctx;
    pcre2_compile_context *cctx;
    char errmsg[600];
};

static inline bool rx_rules_may(const struct ldrsnap_rules *R, unsigned msg,
                                unsigned dialect, unsigned level,
                                unsigned fid, bool has_status,
                                uint32_t status)
{
    return rx_bucket_may(&R->by_msg[msg % RX_NMSG], level, fid, has_status,
                         status) ||
           rx_bucket_may(&R->by_dialect[dialect % RX_NDIALECT], level, fid,
                         has_status, status) ||
           rx_bucket_may(&R->any, level, fid, has_status, status);
}

/* rules.c */
bool ldrsnap__glob_match(const rx_globs *g, const char *s);

/* rxmatch.c: per-analyzer state */
typedef struct rx_state rx_state;
/* fast: the fast ways of matching (LS_OPT_NO_FAST_ANALYSIS turns them
 * off: the oracle) */
int ldrsnap__rx_new(rx_state **out, const ls_alloc *al,
                    const ldrsnap_rules *rules, bool fast);
void ldrsnap__rx_free(rx_state *x);

/* What the analyzer knows of the process and thread of a record. */
typedef struct rx_where {
    uint32_t pid, tid;
    bool has_pid, has_tid;
} rx_where;

/* A record; note: its function id, and note->watched false when its
 * line surely lacks the bytes of ldrsnap__rx_watch_bytes().  Signatures
 * go to sink. */
int ldrsnap__rx_record(rx_state *x, const ldrsnap_record *rec,
                       const ls_note *note, const rx_where *w,
                       const ls_sink *sink);
/* ldrsnap__rx_record() in two: could a rule start on the record, find a
 * literal on it, or take a step of a sequence under way?  (The buckets'
 * gates and the literals' anchor pass; most records end here.)  Then,
 * when it said so, the rules on it (its process and thread w known only
 * then). */
bool ldrsnap__rx_wants(rx_state *x, const ldrsnap_record *rec,
                       const ls_note *note);
int ldrsnap__rx_run(rx_state *x, const ldrsnap_record *rec,
                    const ls_note *note, const rx_where *w,
                    const ls_sink *sink);
/* Could a rule's first step start on a plain Vista ENTER item ("DLL
 * name:", no status) of function fid whose DLL name, which ends its
 * text, is name[0..n)?  False only when ldrsnap__rx_record() of its
 * record would try no rule of its buckets (the literals and sequences
 * under way aside): every first step's level, function or status rules
 * it out, or its needles, which only the DLL name can hold, are not in
 * it.  Always true without the fast ways. */
bool ldrsnap__rx_enter_may(rx_state *x, unsigned fid, const char *name,
                           size_t n);
/* Words of the literal set of a rule set (0: no literals to look for). */
size_t ldrsnap__rx_lit_words(const ldrsnap_rules *R);
/* The literals of R on text[0..len), into lits[ldrsnap__rx_lit_words(R)]:
 * the matcher's prefilter, a pure function.  A line past ASCII has them
 * all unless fast (see scan_into()). */
void ldrsnap__rx_prescan(const ldrsnap_rules *R, const char *text,
                         size_t len, bool fast, uint64_t *lits);
int ldrsnap__rx_failure(rx_state *x, const ldrsnap_failure *f,
                        const ls_sink *sink);
size_t ldrsnap__rx_count(const rx_state *x);
/* Is a sequence under way (a later step may come on any record)? */
bool ldrsnap__rx_busy(const rx_state *x);

#endif
