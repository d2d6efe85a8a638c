/*
 * rxmatch.c - matching rules while a log streams.
 *
 * Each analyzer has its own state (match data, partial sequences); the
 * compiled rules are shared and read-only.  Per record:
 *  1. partial sequences of this record's scope try their next step (a
 *     step may complete on the same record as the one before it, so one
 *     rule serves a message on one line or wrapped over two);
 *  2. rules whose first step could match a record of this grammar try it;
 *     their pattern runs only when the step's required literal is on the
 *     line (one pass over the line finds every literal, for all rules).
 * Nothing is allocated per line; a partial sequence costs one slot.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rules/rules_internal.h"
#include "simd/simd.h"

#define MAX_INST 4096 /* partial sequences kept; the oldest goes first */
#define MAX_CAPS 512  /* bytes of captured text per partial sequence */
/* PCRE2's limits for one pattern on one line (its defaults: 10 million
 * matches, a `(a+)+$` took 29 ms a line); a pattern that hits one does not
 * match there, and its rule is reported once (LDRSNAP_EV_RULE_LIMIT) */
#define RX_MATCH_LIMIT 200000
#define RX_DEPTH_LIMIT 10000
#define RX_HEAP_LIMIT_KIB 16384
/* a rule that gave up on this many lines is off for the rest of the
 * input */
#define RX_LIMIT_LINES 64
/* bytes of captured values a signature's title, explanation or advice
 * takes in before the rest is copied as written */
#define RX_EXPAND_MAX (64u << 10)

/* ldrsnap__rx_enter_may()'s answers, by function and DLL name (a log
 * names a few hundred DLLs, each thousands of times): a table of slots,
 * a name to the slot of its hash, the last one's answer kept there */
#define RX_MEMO_BITS 9
#define RX_MEMO_SLOTS (1u << RX_MEMO_BITS)
#define RX_MEMO_NAME 124 /* bytes of a name kept; a longer one is not */
typedef struct rx_memo {
    uint16_t len; /* 0: empty */
    uint8_t fid;
    uint8_t may;
    char name[RX_MEMO_NAME];
} rx_memo;

typedef struct rx_inst {
    size_t rule;
    uint64_t key;
    size_t next;            /* the step it waits for */
    uint64_t last_line;
    uint64_t lines[16];
    char caps[MAX_CAPS];    /* "name\0value\0" pairs, later ones win */
    size_t caps_len;
    bool used;
} rx_inst;

struct rx_state {
    ls_alloc al;
    const ldrsnap_rules *rules;
    pcre2_match_data *md;
    pcre2_general_context *gctx;
    pcre2_match_context *mctx; /* the match, depth and heap limits */
    bool limit_hit;            /* the last pattern gave up at one */
    unsigned *limit_hits;      /* per rule: lines it gave up on */
    uint64_t *lits;         /* literals scanned here */
    const uint64_t *cur;    /* those of the current line (lits) */
    size_t lit_words;
    bool scanned;
    const char *text;       /* the record's text, when its length */
    size_t text_len;        /* is known (else SIZE_MAX) */
    const ls_note *note;    /* the record's */
    signed char past_ascii; /* the record's text holds a character that
                               may be an ASCII letter to a case-blind
                               pattern (-1: not looked at yet) */
    rx_memo *memo;          /* RX_MEMO_SLOTS, made on first use (NULL:
                               none yet, or no memory) */
    bool memo_failed;
    unsigned want;          /* what ldrsnap__rx_wants() found to do: its
                               RX_WANT_* bits */
    const rx_step *nd_said; /* a step whose needles may_start() found
                               possible on the record: pattern_ok() need
                               not look again */

    rx_inst *inst;          /* grown on demand up to MAX_INST */
    size_t ninst, inst_cap;
    size_t *active;         /* partial sequences per rule */
    rx_inst scratch;        /* a one-record match in progress */
    unsigned char *plain;   /* per rule: a bit for each of its title,
                               explanation and advice that holds no
                               "${" (given as written, not expanded) */
    uint32_t *seen;         /* == stamp: rule tried on this record */
    uint32_t stamp;
    unsigned fid;           /* function id of the current record */
    bool fast;              /* the fast ways (LS_OPT_NO_FAST_ANALYSIS) */
    ls_buf out;
    size_t count;
};

static void *x_malloc(size_t n, void *ctx)
{
    return ldrsnap__malloc(ctx, n);
}

static void x_free(void *p, void *ctx)
{
    ldrsnap__free(ctx, p);
}

int ldrsnap__rx_new(rx_state **out, const ls_alloc *al,
                    const ldrsnap_rules *rules, bool fast)
{
    rx_state *x = ldrsnap__calloc(al, sizeof *x);
    if (!x)
        return LDRSNAP_ENOMEM;
    x->al = *al;
    x->fast = fast;
    x->rules = rules;
    x->gctx = pcre2_general_context_create(x_malloc, x_free, &x->al);
    x->md = x->gctx ? pcre2_match_data_create(rules->max_groups, x->gctx)
                    : NULL;
    x->mctx = x->gctx ? pcre2_match_context_create(x->gctx) : NULL;
    if (x->mctx) {
        pcre2_set_match_limit(x->mctx, RX_MATCH_LIMIT);
        pcre2_set_depth_limit(x->mctx, RX_DEPTH_LIMIT);
        pcre2_set_heap_limit(x->mctx, RX_HEAP_LIMIT_KIB);
    }
    x->limit_hits = ldrsnap__calloc(al, (rules->n + 1) * sizeof *x->limit_hits);
    x->lit_words = rules->lits.n / 64 + 1;
    x->lits = ldrsnap__calloc(al, x->lit_words * sizeof *x->lits);
    x->active = ldrsnap__calloc(al, (rules->n + 1) * sizeof *x->active);
    x->seen = ldrsnap__calloc(al, (rules->n + 1) * sizeof *x->seen);
    x->plain = ldrsnap__calloc(al, rules->n + 1);
    for (size_t i = 0; x->plain && fast && i < rules->n; i++) {
        const rx_rule *r = &rules->rules[i];
        const char *t[3] = {r->title, r->explanation, r->advice};
        for (int k = 0; k < 3; k++)
            if (t[k] && !strstr(t[k], "${"))
                x->plain[i] |= (unsigned char)(1u << k);
    }
    if (!x->md || !x->mctx || !x->limit_hits || !x->lits || !x->active ||
        !x->seen || !x->plain) {
        ldrsnap__rx_free(x);
        return LDRSNAP_ENOMEM;
    }
    *out = x;
    return LDRSNAP_OK;
}

void ldrsnap__rx_free(rx_state *x)
{
    if (!x)
        return;
    if (x->md)
        pcre2_match_data_free(x->md);
    if (x->mctx)
        pcre2_match_context_free(x->mctx);
    ldrsnap__free(&x->al, x->limit_hits);
    if (x->gctx)
        pcre2_general_context_free(x->gctx);
    ldrsnap__free(&x->al, x->lits);
    ldrsnap__free(&x->al, x->inst);
    ldrsnap__free(&x->al, x->active);
    ldrsnap__free(&x->al, x->seen);
    ldrsnap__free(&x->al, x->plain);
    ldrsnap__free(&x->al, x->memo);
    ldrsnap__buf_free(&x->al, &x->out);
    ls_alloc al = x->al;
    ldrsnap__free(&al, x);
}

bool ldrsnap__rx_busy(const rx_state *x)
{
    return x->ninst != 0;
}

size_t ldrsnap__rx_count(const rx_state *x)
{
    return x ? x->count : 0;
}

/* ---- the literal prefilter ------------------------------------------------ */

/* Does s[0..n) hold one of the literals' rarest bytes?  No line that
 * lacks them all can hold a literal. */
/* Does s[0..n) hold one of the anchors, in either case? */
static bool has_ascii_anchor(const rx_lits *L, const char *s, size_t n)
{
    for (size_t i = 0; i < L->nanchor; i++) {
        unsigned a = L->anchor[i];
        if (memchr(s, (int)a, n) ||
            (a >= 'a' && a <= 'z' && memchr(s, (int)a - 32, n)))
            return true;
    }
    return false;
}

static bool has_anchor(const rx_lits *L, const char *s, size_t n,
                       bool fast)
{
    if (L->nprobe) { /* the anchors in both cases, at most four; and any
                        byte past ASCII (see scan_into()), unless none
                        can be an anchor (fold_safe) */
        return fast && L->fold_safe ? L->has_of4(s, n, L->probe, L->nprobe)
                                    : L->any_of4(s, n, L->probe, L->nprobe);
    }
    if (has_ascii_anchor(L, s, n))
        return true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

static inline unsigned char fold_byte(unsigned char c)
{
    return (unsigned)c - 'A' < 26u ? (unsigned char)(c + 32) : c;
}

/* Mark every rule literal on t[0..n) from the places of the anchors:
 * each literal holds its anchor at a known offset, so where it is on the
 * line, one of those places is its anchor's (in either case, for a
 * letter); the literals of each anchor are compared there.  The same
 * literals as the rolling scan below, which is its oracle
 * (LS_OPT_NO_FAST_ANALYSIS); most lines that reach it hold an anchor
 * (a quote, '=') a few times and no literal. */
static void scan_anchors(const rx_lits *L, const unsigned char *t, size_t n,
                         uint64_t *lits)
{
    const char *s = (const char *)t;
    for (size_t a = 0; a < L->nanchor; a++) {
        unsigned char c = L->anchor[a];
        for (int up = 0; up < 1 + (c >= 'a' && c <= 'z'); up++) {
            int want = up ? c - 32 : c;
            for (const char *p = s; (p = memchr(p, want, n - (size_t)(p - s)));
                 p++) {
                size_t pos = (size_t)(p - s);
                for (size_t k = L->at_from[a]; k < L->at_from[a + 1]; k++) {
                    size_t id = L->at_lit[k], off = L->at_off[k];
                    size_t len = L->len[id];
                    if (pos < off || len > n - (pos - off) ||
                        (lits[id / 64] & (1ull << (id % 64))))
                        continue;
                    const unsigned char *at = t + pos - off;
                    if (fold_byte(at[0]) != (unsigned char)L->lit[id][0] ||
                        strncasecmp((const char *)at, L->lit[id], len) != 0)
                        continue;
                    for (size_t j = id + 1; j; j = L->same_next[j - 1])
                        lits[(j - 1) / 64] |= 1ull << ((j - 1) % 64);
                }
            }
        }
    }
}

/* Mark every rule literal on text[0..n): one pass, a rolling 4-byte key,
 * a bloom filter, and an exact check only on a bloom hit.  A line past
 * ASCII has every literal marked (the patterns decide), unless `fast`:
 * then only where one of its characters could be an ASCII letter to a
 * case-blind pattern (PCRE2 takes U+212A KELVIN SIGN for 'k' and U+017F
 * LATIN SMALL LETTER LONG S for 's'; U+0130 and U+0131 are 'i' to
 * Turkish casing, a PCRE2 option today, and no harm to count), or a
 * literal is itself past ASCII (its other case is other bytes);
 * elsewhere the bytes of an ASCII literal are on the line as they are on
 * an ASCII one. */
static void scan_into(const rx_lits *L, const char *text, size_t n,
                      uint64_t *lits, size_t words, bool fast)
{
    lits[0] = 0; /* words >= 1: no memset call for the usual one */
    for (size_t w = 1; w < words; w++)
        lits[w] = 0;
    /* the scan of the anchors' places finds nothing on a line without
     * them: no pass of its own to say so first (the caller's said yes) */
    bool at_anchors = fast && L->at_lit;
    if (!L->n ||
        (!at_anchors && !L->scan_always && !has_anchor(L, text, n, false)))
        return;
    const unsigned char *t = (const unsigned char *)text;
    if (!ls_ascii(text, n)) {
        if (!fast || L->wide || ldrsnap__folds_to_ascii(t, n)) {
            /* past ASCII, case-blind matching knows more equal letters
             * (U+212A KELVIN SIGN is a 'k' to (?i) in UTF mode): the
             * patterns decide */
            for (size_t id = 0; id < L->n; id++)
                lits[id / 64] |= 1ull << (id % 64);
            return;
        }
        /* the bytes past ASCII made has_anchor() say yes */
        if (!at_anchors && !L->scan_always && !has_ascii_anchor(L, text, n))
            return;
    }
    if (at_anchors) {
        scan_anchors(L, t, n, lits);
        return;
    }
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = t[i];
        k = (k << 8) | (c - 'A' < 26u ? c + 32 : c);
        uint32_t bit = rx_bloom_bit(k);
        if (i < 3 || !(L->bloom[bit >> 6] & (1ull << (bit & 63))))
            continue;
        size_t start = i - 3;
        for (size_t j = (size_t)(ls_hash32(k) >> 7) & (L->slots - 1);
             L->key_slot[j]; j = (j + 1) & (L->slots - 1)) {
            size_t id = L->key_slot[j] - 1;
            if (L->key[id] == k && L->len[id] <= n - start &&
                strncasecmp(text + start, L->lit[id], L->len[id]) == 0)
                lits[id / 64] |= 1ull << (id % 64);
        }
    }
}

static LS_NOINLINE void scan_literals(rx_state *x, const char *text,
                                      size_t len)
{
    ldrsnap__rx_prescan(x->rules, text, len != SIZE_MAX ? len : strlen(text),
                        x->fast, x->lits);
    x->cur = x->lits;
    x->scanned = true;
}

size_t ldrsnap__rx_lit_words(const ldrsnap_rules *R)
{
    return R->lits.n ? R->lits.n / 64 + 1 : 0;
}

void ldrsnap__rx_prescan(const ldrsnap_rules *R, const char *text,
                         size_t len, bool fast, uint64_t *lits)
{
    size_t words = ldrsnap__rx_lit_words(R);
    if (words) /* else no literal, and no room for one */
        scan_into(&R->lits, text, len, lits, words, fast);
}

/* Does text contain lit (lower case), ignoring ASCII case? */
static bool ci_contains(const char *text, const char *lit)
{
    size_t n = strlen(lit);
    int c0 = (unsigned char)lit[0];
    int up = c0 >= 'a' && c0 <= 'z' ? c0 - 32 : c0;
    for (const char *p = text; *p; p++)
        if ((*p == c0 || *p == up) && strncasecmp(p, lit, n) == 0)
            return true;
    return false;
}

/* ---- captures ----------------------------------------------------------------- */

static void cap_add(rx_inst *in, const char *name, const char *v, size_t vn)
{
    size_t k = strlen(name);
    if (in->caps_len + k + vn + 2 > MAX_CAPS)
        return;
    memcpy(in->caps + in->caps_len, name, k + 1);
    in->caps_len += k + 1;
    memcpy(in->caps + in->caps_len, v, vn);
    in->caps[in->caps_len + vn] = '\0';
    in->caps_len += vn + 1;
}

static void cap_str(rx_inst *in, const char *name, const char *v)
{
    if (v && *v)
        cap_add(in, name, v, strlen(v));
}

static void cap_status(rx_inst *in, uint32_t status)
{
    static const char hex[] = "0123456789abcdef";
    char buf[10] = {'0', 'x'};
    for (int i = 0; i < 8; i++)
        buf[2 + i] = hex[(status >> (28 - 4 * i)) & 0xF];
    cap_add(in, "status", buf, sizeof buf);
}

/* The named groups of the last pattern match. */
static void cap_groups(rx_state *x, const pcre2_code *re, const char *subj,
                       rx_inst *in)
{
    uint32_t count = 0, size = 0;
    PCRE2_SPTR table;
    pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
    if (!count)
        return;
    pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size);
    pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
    for (uint32_t i = 0; i < count; i++, table += size) {
        int g = (table[0] << 8) | table[1];
        if (ov[2 * g] == PCRE2_UNSET)
            continue;
        cap_add(in, (const char *)table + 2, subj + ov[2 * g],
                ov[2 * g + 1] - ov[2 * g]);
    }
}

/* ---- steps ----------------------------------------------------------------------- */

static bool status_in(const rx_step *st, bool has, uint32_t status)
{
    if (!st->nstatus)
        return true;
    for (size_t i = 0; has && i < st->nstatus; i++)
        if (st->status[i] == status)
            return true;
    return false;
}

static bool pattern_ok(rx_state *x, const rx_step *st, const char *text,
                       rx_inst *in)
{
    if (!st->re)
        return true;
    if (!text)
        return false;
    if (st->literal_id >= 0) {
        if (!x->scanned)
            scan_literals(x, text, SIZE_MAX);
        if (!(x->cur[st->literal_id / 64] & (1ull << (st->literal_id % 64))))
            return false;
    }
    /* the JIT's own entry skips pcre2_match()'s checks of what we know
     * (the text is valid UTF-8, the options are none) */
    size_t len = x->text == text && x->text_len != SIZE_MAX ? x->text_len
                                                             : strlen(text);
    if (st->literal_id < 0 && st->literal &&
        !(x->fast ? ldrsnap__find_fold((const unsigned char *)text, len,
                                       st->literal, strlen(st->literal))
                  : ci_contains(text, st->literal)))
        return false;
    if (st->needles && x->fast && !(x->nd_said == st && x->text == text) &&
        !ldrsnap__needles_may(st->needles, text, len))
        return false;
    int rc = st->jit ? pcre2_jit_match(st->re, (PCRE2_SPTR)text, len, 0, 0,
                                       x->md, x->mctx)
                     : pcre2_match(st->re, (PCRE2_SPTR)text,
                                   PCRE2_ZERO_TERMINATED, 0,
                                   PCRE2_NO_UTF_CHECK, x->md, x->mctx);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
        rc == PCRE2_ERROR_NOMEMORY)
        x->limit_hit = true; /* no match, said once per rule */
    if (rc < 0)
        return false;
    cap_groups(x, st->re, text, in);
    return true;
}

static bool line_step(rx_state *x, const rx_step *st,
                      const ldrsnap_record *r, rx_inst *in)
{
    if (st->fid && st->fid != x->fid)
        return false;
    if ((st->dialect != RX_ANY && (int)r->dialect != st->dialect) ||
        (st->msg != RX_ANY && (int)r->msg != st->msg) ||
        (st->level != RX_ANY && (int)r->level != st->level) ||
        (st->function && !st->fid &&
         (!r->function || strcmp(st->function, r->function))) ||
        !status_in(st, (r->flags & LDRSNAP_RF_STATUS) != 0, r->status) ||
        (st->dll.n && !ldrsnap__glob_match(&st->dll, r->dll)) ||
        (st->symbol.n && !ldrsnap__glob_match(&st->symbol, r->symbol)))
        return false;
    size_t mark = in->caps_len;
    if (!pattern_ok(x, st, r->text, in)) {
        in->caps_len = mark;
        return false;
    }
    cap_str(in, "dll", r->dll);
    cap_str(in, "symbol", r->symbol);
    cap_str(in, "parent", r->parent);
    cap_str(in, "function", r->function);
    if (r->flags & LDRSNAP_RF_STATUS)
        cap_status(in, r->status);
    return true;
}

static bool failure_step(rx_state *x, const rx_step *st,
                         const ldrsnap_failure *f, rx_inst *in)
{
    if ((st->kinds && !(st->kinds & (1u << f->kind))) ||
        (st->roles && !(st->roles & (1u << f->role))) ||
        !status_in(st, (f->flags & LDRSNAP_FF_STATUS) != 0, f->status) ||
        (st->dll.n &&
         !ldrsnap__glob_match(&st->dll, f->dll ? f->dll : f->dll_path)) ||
        (st->parent.n && !ldrsnap__glob_match(&st->parent, f->parent)) ||
        (st->symbol.n && !ldrsnap__glob_match(&st->symbol, f->symbol)))
        return false;
    x->scanned = false; /* failure text is another line */
    size_t mark = in->caps_len;
    if (!pattern_ok(x, st, f->text, in)) {
        in->caps_len = mark;
        return false;
    }
    cap_str(in, "dll", f->dll);
    cap_str(in, "symbol", f->symbol);
    cap_str(in, "parent", f->parent);
    cap_str(in, "kind", ldrsnap_kind_name(f->kind));
    if (f->flags & LDRSNAP_FF_STATUS)
        cap_status(in, f->status);
    return true;
}

/* ---- signatures ------------------------------------------------------------------- */

static const char *cap_get(const rx_inst *in, const char *name, size_t n)
{
    const char *found = NULL;
    for (size_t i = 0; i < in->caps_len;) {
        const char *k = in->caps + i;
        size_t kl = strlen(k);
        const char *v = k + kl + 1;
        if (kl == n && !strncmp(k, name, n))
            found = v;
        i += kl + 1 + strlen(v) + 1;
    }
    return found;
}

/* Copy s into x->out with ${name} replaced; returns its offset.  Each
 * ${ is looked at once, within its braces (a search for ":-" to the end
 * of the text made many of them quadratic), and a field stops growing
 * past RX_EXPAND_MAX bytes of values. */
static size_t expand(rx_state *x, const char *s, const rx_inst *in)
{
    size_t off = x->out.len;
    for (const char *p = s; p && *p;) {
        const char *d = strstr(p, "${");
        const char *e = d ? strchr(d, '}') : NULL;
        if (!d || !e || x->out.len - off > RX_EXPAND_MAX) {
            ldrsnap__buf_append(&x->al, &x->out, p, strlen(p));
            break;
        }
        ldrsnap__buf_append(&x->al, &x->out, p, (size_t)(d - p));
        /* ${name} or ${name:-text when the name has no value} */
        const char *dflt = d + 2;
        while (dflt + 1 < e && !(dflt[0] == ':' && dflt[1] == '-'))
            dflt++;
        if (dflt + 1 >= e)
            dflt = NULL;
        size_t nlen = (size_t)((dflt ? dflt : e) - d - 2);
        const char *v = cap_get(in, d + 2, nlen);
        if (v)
            ldrsnap__buf_append(&x->al, &x->out, v, strlen(v));
        else if (dflt && dflt < e)
            ldrsnap__buf_append(&x->al, &x->out, dflt + 2,
                                (size_t)(e - dflt - 2));
        else /* leave unknown names visible to the rule's author */
            ldrsnap__buf_append(&x->al, &x->out, d, (size_t)(e - d + 1));
        p = e + 1;
    }
    ldrsnap__buf_append(&x->al, &x->out, "", 1);
    return off;
}

static int emit(rx_state *x, const rx_rule *r, const rx_inst *in,
                const rx_where *w, const ls_sink *sink)
{
    /* a text without "${" is given as written (expand() copied it):
     * x->plain, worked out once per rule in fast mode */
    unsigned plain = x->plain[r - x->rules->rules];
    x->out.len = 0;
    size_t t = plain & 1 ? 0 : expand(x, r->title, in);
    size_t e = plain & 2 ? 0 : expand(x, r->explanation, in);
    size_t a = plain & 4 ? 0 : expand(x, r->advice, in);
    if (plain != 7 && !x->out.ptr)
        return LDRSNAP_ENOMEM;
    ldrsnap_signature sig;
    memset(&sig, 0, sizeof sig);
    sig.id = r->id;
    sig.title = plain & 1 ? r->title : x->out.ptr + t;
    sig.severity = r->severity;
    sig.explanation = !r->explanation ? NULL
                      : plain & 2     ? r->explanation
                                      : x->out.ptr + e;
    sig.advice = !r->advice ? NULL : plain & 4 ? r->advice : x->out.ptr + a;
    sig.references = (const char *const *)r->refs;
    sig.n_references = r->nrefs;
    sig.lines = in->lines;
    sig.n_lines = r->nsteps;
    sig.line = in->lines[0];
    if (w && w->has_pid) {
        sig.pid = w->pid;
        sig.flags |= LDRSNAP_FF_PID;
    }
    if (w && w->has_tid) {
        sig.tid = w->tid;
        sig.flags |= LDRSNAP_FF_TID;
    }
    x->count++;
    return sink->signature(sink->ctx, &sig);
}

/* ---- sequences --------------------------------------------------------------------- */

static uint64_t scope_key(const rx_rule *r, const rx_where *w)
{
    switch (r->scope) {
    case RX_FILE:
        return 0;
    case RX_PROCESS:
        return w->has_pid ? ((uint64_t)w->pid << 1) | 1 : 0;
    case RX_THREAD:
        return w->has_pid && w->has_tid
                   ? ((((uint64_t)w->pid << 32) | w->tid) << 1) | 1
                   : 0;
    }
    return 0;
}

static rx_inst *inst_find(rx_state *x, size_t rule, uint64_t key)
{
    if (!x->active[rule])
        return NULL;
    for (size_t i = 0; i < x->ninst; i++)
        if (x->inst[i].used && x->inst[i].rule == rule &&
            x->inst[i].key == key)
            return &x->inst[i];
    return NULL;
}

static void inst_drop(rx_state *x, rx_inst *in)
{
    in->used = false;
    x->active[in->rule]--;
    while (x->ninst && !x->inst[x->ninst - 1].used)
        x->ninst--;
}

/* Keep a partial sequence; the oldest partial one makes room. */
static void inst_keep(rx_state *x, const rx_inst *src)
{
    rx_inst *slot = NULL;
    for (size_t i = 0; i < x->ninst && !slot; i++)
        if (!x->inst[i].used)
            slot = &x->inst[i];
    if (!slot && x->ninst == x->inst_cap && x->inst_cap < MAX_INST) {
        size_t cap = x->inst_cap ? x->inst_cap * 2 : 16;
        rx_inst *n = ldrsnap__realloc(&x->al, x->inst, cap * sizeof *n);
        if (n) {
            x->inst = n;
            x->inst_cap = cap;
        }
    }
    if (!slot && x->ninst < x->inst_cap)
        slot = &x->inst[x->ninst++];
    if (!slot && !x->ninst)
        return; /* no memory for even one: the sequence is forgotten */
    if (!slot) {
        slot = &x->inst[0];
        for (size_t i = 1; i < x->ninst; i++)
            if (x->inst[i].last_line < slot->last_line)
                slot = &x->inst[i];
        x->active[slot->rule]--;
    }
    *slot = *src;
    slot->used = true;
    x->active[slot->rule]++;
}

typedef struct event {
    const ldrsnap_record *rec;
    const ldrsnap_failure *fail;
    uint64_t line;
} event;

static bool step_ok(rx_state *x, const rx_step *st, const event *ev,
                    rx_inst *in)
{
    return ev->rec ? line_step(x, st, ev->rec, in)
                   : failure_step(x, st, ev->fail, in);
}

/* Advance `in` over as many steps as this event satisfies; emits and
 * returns 1 when the rule completes. */
static int advance(rx_state *x, const rx_rule *r, rx_inst *in,
                   const event *ev, const rx_where *w, const ls_sink *sink)
{
    while (in->next < r->nsteps && step_ok(x, &r->steps[in->next], ev, in)) {
        in->lines[in->next++] = ev->line;
        in->last_line = ev->line;
    }
    if (in->next < r->nsteps)
        return 0;
    int rc = emit(x, r, in, w, sink);
    return rc < 0 ? rc : 1;
}

/* Say once that rule ri gave up at a limit on this event's line. */
static int say_limit(rx_state *x, size_t ri, const event *ev,
                     const rx_where *w, const ls_sink *sink)
{
    x->limit_hit = false;
    if (x->limit_hits[ri]++ || !sink->rule_limit)
        return LDRSNAP_OK;
    const rx_rule *r = &x->rules->rules[ri];
    ldrsnap_signature sig;
    memset(&sig, 0, sizeof sig);
    sig.id = r->id;
    sig.title = r->title;
    sig.severity = r->severity;
    sig.line = ev->line;
    if (w && w->has_pid) {
        sig.pid = w->pid;
        sig.flags |= LDRSNAP_FF_PID;
    }
    if (w && w->has_tid) {
        sig.tid = w->tid;
        sig.flags |= LDRSNAP_FF_TID;
    }
    return sink->rule_limit(sink->ctx, &sig);
}

static int try_rule_steps(rx_state *x, size_t ri, const event *ev,
                          const rx_where *w, const ls_sink *sink)
{
    const rx_rule *r = &x->rules->rules[ri];
    uint64_t key = scope_key(r, w);
    rx_inst *in = inst_find(x, ri, key);
    int rc;
    if (in && r->window && ev->line > in->last_line + r->window) {
        inst_drop(x, in); /* too far apart */
        in = NULL;
    }
    if (in) {
        size_t before = in->next;
        if ((rc = advance(x, r, in, ev, w, sink)) != 0) {
            inst_drop(x, in);
            return rc < 0 ? rc : 0;
        }
        if (in->next > before)
            return 0;
    }
    /* a fresh start: on a first-step match, a partial one is restarted */
    rx_inst *s = &x->scratch;
    s->rule = ri, s->key = key, s->next = 0, s->caps_len = 0;
    if ((rc = advance(x, r, s, ev, w, sink)) != 0)
        return rc < 0 ? rc : 0;
    if (s->next == 0)
        return 0;
    if (in)
        inst_drop(x, in);
    inst_keep(x, s);
    return 0;
}

static int try_rule(rx_state *x, size_t ri, const event *ev,
                    const rx_where *w, const ls_sink *sink)
{
    if (x->limit_hits[ri] >= RX_LIMIT_LINES)
        return LDRSNAP_OK; /* off for the rest of the input */
    x->limit_hit = false;
    int rc = try_rule_steps(x, ri, ev, w, sink);
    if (rc >= 0 && x->limit_hit)
        rc = say_limit(x, ri, ev, w, sink);
    return rc;
}

/* Try a rule on this event unless it was tried already. */
static int try_once(rx_state *x, size_t ri, const event *ev,
                    const rx_where *w, const ls_sink *sink)
{
    if (x->seen[ri] == x->stamp)
        return LDRSNAP_OK;
    x->seen[ri] = x->stamp;
    int rc = try_rule(x, ri, ev, w, sink);
    return rc < 0 ? rc : LDRSNAP_OK;
}

/* Could the pattern of step st be on the record's line?  Whether the
 * line holds a character a case-blind pattern may take for an ASCII
 * letter is looked at once for all its steps. */
static bool needles_may(rx_state *x, const rx_step *st,
                        const ldrsnap_record *r)
{
    if (x->text_len == SIZE_MAX)
        x->text_len = strlen(r->text); /* once for the record's steps */
    /* a plain ENTER item's frame cannot hold a needle that starts with
     * none of its bytes: its DLL name, which ends the text (dll_len,
     * known of such an item alone), is looked at alone (for
     * LdrpMinimalMapModule's rules, half the line) */
    size_t name = x->note->dll_len, from = 0;
    if (st->needles->in_name && x->note->gated && name <= x->text_len)
        from = x->text_len - name;
    if (ldrsnap__needles_found(st->needles, r->text + from,
                               x->text_len - from)) {
        x->nd_said = st;
        return true;
    }
    if (x->past_ascii < 0) {
        /* such an item's frame is ASCII (RX_PLAIN_FRAME and a loader
         * function's name): only its DLL name may be past it */
        size_t at = x->note->gated && name <= x->text_len
                        ? x->text_len - name
                        : 0;
        x->past_ascii = !ls_ascii(r->text + at, x->text_len - at) &&
                        ldrsnap__folds_to_ascii(
                            (const unsigned char *)r->text + at,
                            x->text_len - at);
    }
    if (x->past_ascii)
        x->nd_said = st;
    return x->past_ascii != 0;
}

/* Could this record be the first step of rule ri?  The cheap tests of
 * line_step(), inline; a rule with a partial sequence that fails them is
 * still tried by run_partials(). */
static bool may_start(rx_state *x, size_t ri, const ldrsnap_record *r)
{
    const rx_step *st = &x->rules->rules[ri].steps[0];
    return (st->level == RX_ANY || (int)r->level == st->level) &&
           (!st->fid || st->fid == x->fid) &&
           (!st->nstatus ||
            status_in(st, (r->flags & LDRSNAP_RF_STATUS) != 0, r->status)) &&
           (!st->needles || !x->fast || !r->text || needles_may(x, st, r));
}

static int run_bucket(rx_state *x, const rx_bucket *b, const event *ev,
                      const rx_where *w, const ls_sink *sink)
{
    int rc = LDRSNAP_OK;
    for (size_t i = 0; i < b->n && rc == LDRSNAP_OK; i++)
        if (may_start(x, b->rule[i], ev->rec))
            rc = try_once(x, b->rule[i], ev, w, sink);
    return rc;
}

/* Rules with a partial sequence whose first step is of another dialect
 * must still see this record. */
static int run_partials(rx_state *x, const event *ev, const rx_where *w,
                        const ls_sink *sink)
{
    int rc = LDRSNAP_OK;
    for (size_t i = 0; i < x->ninst && rc == LDRSNAP_OK; i++)
        if (x->inst[i].used &&
            x->rules->rules[x->inst[i].rule].target == RX_LINE)
            rc = try_once(x, x->inst[i].rule, ev, w, sink);
    return rc;
}

/* Rules whose first step needs a literal that is on this line. */
static int run_literals(rx_state *x, const event *ev, const rx_where *w,
                        const ls_sink *sink)
{
    const ldrsnap_rules *R = x->rules;
    if (!R->n_lit_rules || !ev->rec->text)
        return LDRSNAP_OK;
    if (!x->scanned)
        scan_literals(x, ev->rec->text, SIZE_MAX);
    for (size_t wd = 0; wd < x->lit_words; wd++) {
        for (uint64_t bits = x->cur[wd]; bits; bits &= bits - 1) {
            size_t id = wd * 64 + (size_t)__builtin_ctzll(bits);
            int rc = R->lit_rule[id] < 0
                         ? LDRSNAP_OK
                         : try_once(x, (size_t)R->lit_rule[id], ev, w, sink);
            if (rc < 0)
                return rc;
        }
    }
    return LDRSNAP_OK;
}

enum { RX_WANT_MSG = 1, RX_WANT_DIALECT = 2, RX_WANT_ANY = 4, RX_WANT_LITS = 8 };

/* the buckets rx_rules_may() asks: a compare, not a division, for a value
 * of the enum (every one the lexer gives) */
static inline const rx_bucket *msg_bucket(const ldrsnap_rules *R, unsigned mi)
{
    return &R->by_msg[mi < RX_NMSG ? mi : mi % RX_NMSG];
}

static inline const rx_bucket *dialect_bucket(const ldrsnap_rules *R,
                                              unsigned di)
{
    return &R->by_dialect[di < RX_NDIALECT ? di : di % RX_NDIALECT];
}

bool ldrsnap__rx_wants(rx_state *x, const ldrsnap_record *rec,
                       const ls_note *note)
{
    const ldrsnap_rules *R = x->rules;
    /* most records: no rule can start on them and none is under way */
    bool st = (rec->flags & LDRSNAP_RF_STATUS) != 0;
    unsigned want =
        (rx_bucket_may(msg_bucket(R, rec->msg), rec->level, note->fid, st,
                       rec->status)
             ? RX_WANT_MSG
             : 0) |
        (rx_bucket_may(dialect_bucket(R, rec->dialect), rec->level,
                       note->fid, st, rec->status)
             ? RX_WANT_DIALECT
             : 0) |
        (rx_bucket_may(&R->any, rec->level, note->fid, st, rec->status)
             ? RX_WANT_ANY
             : 0);
    x->scanned = false;
    x->text = rec->text;
    x->text_len = note->text_len;
    if (R->n_lit_rules && rec->text && note->watched) {
        /* the anchor pass here: most lines end with it (a line found to
         * lack them is left unscanned: a literal's step would scan it,
         * and find nothing) */
        const rx_lits *L = &R->lits;
        if (note->text_len == SIZE_MAX && !L->scan_always &&
            L->nprobe - 1u < 2u && L->fold_safe && x->fast) {
            /* a general record's text, of unknown length (most have no
             * anchor): measured and searched for its anchors in one pass */
            size_t n;
            if (!L->has2_z(rec->text, L->probe[0], L->probe[L->nprobe - 1],
                           &n)) {
                x->text_len = n;
                x->want = want;
                return want || x->ninst;
            }
        }
        size_t len = x->text_len = note->text_len != SIZE_MAX
                                       ? note->text_len
                                       : strlen(rec->text);
        /* has_anchor(), its usual case inline */
        if (L->scan_always ||
            (L->nprobe && L->fold_safe && x->fast
                 ? L->has_of4(rec->text, len, L->probe, L->nprobe)
                 : has_anchor(L, rec->text, len, x->fast))) {
            scan_literals(x, rec->text, len);
            for (size_t i = 0; i < x->lit_words; i++)
                if (x->cur[i])
                    want |= RX_WANT_LITS;
        }
    }
    x->want = want;
    return want || x->ninst;
}

int ldrsnap__rx_run(rx_state *x, const ldrsnap_record *rec,
                    const ls_note *note, const rx_where *w,
                    const ls_sink *sink)
{
    const ldrsnap_rules *R = x->rules;
    unsigned want = x->want;
    x->note = note;
    x->past_ascii = -1;
    x->nd_said = NULL;
    if (++x->stamp == 0) { /* wrapped: no rule may look tried */
        memset(x->seen, 0, R->n * sizeof *x->seen);
        x->stamp = 1;
    }
    x->fid = note->fid;
    event ev = {rec, NULL, rec->line};
    int rc = want & RX_WANT_MSG
                 ? run_bucket(x, msg_bucket(R, rec->msg), &ev, w, sink)
                 : 0;
    if (rc == 0 && (want & RX_WANT_DIALECT))
        rc = run_bucket(x, dialect_bucket(R, rec->dialect), &ev, w, sink);
    if (rc == 0 && (want & RX_WANT_ANY))
        rc = run_bucket(x, &R->any, &ev, w, sink);
    if (rc == 0 && (want & RX_WANT_LITS))
        rc = run_literals(x, &ev, w, sink);
    if (rc == 0 && x->ninst)
        rc = run_partials(x, &ev, w, sink);
    return rc;
}

/* Could the first step of a rule of bucket b start on a plain ENTER item
 * of function fid whose DLL name is name[0..n)?  may_start() of its
 * record, told from the name alone: false only where every rule's cheap
 * tests fail, or its needles, which only the name can hold (in_name),
 * are not in it. */
static bool enter_bucket_may(rx_state *x, const rx_bucket *b, unsigned fid,
                             const char *name, size_t n, int *past)
{
    if (!rx_bucket_may(b, LDRSNAP_L_ENTER, fid, false, 0))
        return false;
    for (size_t i = 0; i < b->n; i++) {
        const rx_step *st = &x->rules->rules[b->rule[i]].steps[0];
        if ((st->level != RX_ANY && st->level != LDRSNAP_L_ENTER) ||
            (st->fid && st->fid != fid) || st->nstatus)
            continue;
        if (!st->needles || !st->needles->in_name ||
            ldrsnap__needles_found(st->needles, name, n))
            return true;
        if (*past < 0)
            *past = !ls_ascii(name, n) &&
                    ldrsnap__folds_to_ascii((const unsigned char *)name, n);
        if (*past)
            return true;
    }
    return false;
}

static bool enter_may(rx_state *x, unsigned fid, const char *name, size_t n)
{
    const ldrsnap_rules *R = x->rules;
    int past = -1;
    return enter_bucket_may(x, msg_bucket(R, LDRSNAP_M_DLL_NAME), fid, name,
                            n, &past) ||
           enter_bucket_may(x, dialect_bucket(R, LDRSNAP_D_VISTA), fid, name,
                            n, &past) ||
           enter_bucket_may(x, &R->any, fid, name, n, &past);
}

static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

bool ldrsnap__rx_enter_may(rx_state *x, unsigned fid, const char *name,
                           size_t n)
{
    if (!x->fast)
        return true;
    if (n < 8 || n > RX_MEMO_NAME || fid > UINT8_MAX)
        return enter_may(x, fid, name, n);
    if (!x->memo && !x->memo_failed &&
        !(x->memo = ldrsnap__calloc(&x->al, RX_MEMO_SLOTS * sizeof *x->memo)))
        x->memo_failed = true;
    if (!x->memo)
        return enter_may(x, fid, name, n);
    /* the name's last 8 bytes, 8 from its middle, its length and the
     * function, mixed */
    uint64_t h = (load8(name + n - 8) * 0x9E3779B97F4A7C15ull) ^
                 (load8(name + (n - 8) / 2) + n + ((uint64_t)fid << 16));
    h *= 0xFF51AFD7ED558CCDull;
    rx_memo *m = &x->memo[h >> (64 - RX_MEMO_BITS)];
    if (m->len == n && m->fid == fid && !memcmp(m->name, name, n))
        return m->may;
    bool may = enter_may(x, fid, name, n);
    m->len = (uint16_t)n;
    m->fid = (uint8_t)fid;
    m->may = may;
    memcpy(m->name, name, n);
    return may;
}

int ldrsnap__rx_record(rx_state *x, const ldrsnap_record *rec,
                       const ls_note *note, const rx_where *w,
                       const ls_sink *sink)
{
    return ldrsnap__rx_wants(x, rec, note)
               ? ldrsnap__rx_run(x, rec, note, w, sink)
               : LDRSNAP_OK;
}

int ldrsnap__rx_failure(rx_state *x, const ldrsnap_failure *f,
                        const ls_sink *sink)
{
    const ldrsnap_rules *R = x->rules;
    if (!R->failure_rules.n)
        return LDRSNAP_OK;
    rx_where w = {f->pid, f->tid, (f->flags & LDRSNAP_FF_PID) != 0,
                  (f->flags & LDRSNAP_FF_TID) != 0};
    event ev = {NULL, f, f->line};
    for (size_t i = 0; i < R->failure_rules.n; i++) {
        size_t ri = R->failure_rules.rule[i];
        /* the cheap tests of failure_step(), inline: with no sequence
         * under way, a rule whose first step's kind, role or status this
         * failure lacks has nothing to do with it */
        const rx_step *st = &R->rules[ri].steps[0];
        if (x->fast && !x->active[ri] &&
            ((st->kinds && !(st->kinds & (1u << f->kind))) ||
             (st->roles && !(st->roles & (1u << f->role))) ||
             !status_in(st, (f->flags & LDRSNAP_FF_STATUS) != 0, f->status)))
            continue;
        int rc = try_rule(x, ri, &ev, &w, sink);
        if (rc < 0)
            return rc;
    }
    return LDRSNAP_OK;
}
