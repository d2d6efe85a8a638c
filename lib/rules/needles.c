/*
 * rules/needles.c - the strings one of which every match of a pattern
 * holds, when the pattern's only required text is an alternation of plain
 * words (`.*\\(?:Downloads|Temp|Desktop)\\.*`), and whether they end the
 * line (`\\(?:version|dbghelp)\.dll)$`): the prefilter the single literal
 * of extract_literal() cannot be there.  Conservative: a pattern whose
 * syntax this reader does not know in full gives no needles, and its
 * step runs the pattern on every line that reaches it.  rxmatch.c asks
 * ldrsnap__needles_may() before the pattern (not with
 * LS_OPT_NO_FAST_ANALYSIS: the oracle runs every pattern).
 */
#include <string.h>

#include "rules/rules_internal.h"
#include "simd/simd.h"

#define NEEDLES_MAX 32    /* branches of one alternation */
#define NEEDLE_LEN_MAX 64 /* bytes of one needle */
#define NEEDLE_LEN_MIN 3  /* a shorter needle would be on most lines */

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* A character of the pattern that stands for itself (an escaped
 * punctuation mark, or ASCII that is no metacharacter): its byte, lower
 * case, in *c and the pattern bytes it takes; 0 for anything else. */
static size_t plain_char(const char *p, unsigned char *c)
{
    unsigned char b = (unsigned char)p[0];
    if (b == '\\') {
        unsigned char e = (unsigned char)p[1];
        if (e > 0x20 && e < 0x7f && !(e >= '0' && e <= '9') &&
            !((e | 0x20) >= 'a' && (e | 0x20) <= 'z')) {
            *c = e;
            return 2;
        }
        return 0;
    }
    if (!b || b >= 0x80 || strchr(".^$|()[]{}*+?", b))
        return 0;
    *c = lower(b);
    return 1;
}

/* Does a quantifier start at q (the item before it may repeat, or be
 * absent)? */
static bool is_quant(const char *q)
{
    return *q == '?' || *q == '*' || *q == '+' ||
           (*q == '{' && ((q[1] >= '0' && q[1] <= '9') || q[1] == ','));
}

/* The ']' that ends the class opened at p, or NULL. */
static const char *class_end(const char *p)
{
    const char *q = p + 1;
    if (*q == '^')
        q++;
    if (*q == ']')
        q++;
    for (; *q; q++) {
        if (*q == '\\') {
            if (!*++q)
                return NULL;
        } else if (*q == '[' && q[1] == ':') {
            const char *e = strstr(q + 2, ":]");
            if (!e)
                return NULL;
            q = e + 1;
        } else if (*q == ']') {
            return q;
        }
    }
    return NULL;
}

/* The ')' that closes the group opened at p, or NULL. */
static const char *group_close(const char *p)
{
    int depth = 0;
    for (; *p; p++) {
        if (*p == '\\') {
            if (!*++p)
                return NULL;
        } else if (*p == '[') {
            if (!(p = class_end(p)))
                return NULL;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            return p;
        }
    }
    return NULL;
}

/* A top-level '|' in [s, e)? */
static const char *top_bar(const char *s, const char *e)
{
    for (const char *p = s; p < e; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '[')
            p = class_end(p);
        else if (*p == '(')
            p = group_close(p);
        else if (*p == '|')
            return p;
        if (!p)
            return NULL;
    }
    return NULL;
}

/* The content of the group opened at p (after its name or ?:), NULL for
 * a lookaround (*look set) or a kind of group not known here. */
static const char *group_body(const char *p, bool *look)
{
    *look = false;
    if (p[1] == '*')
        return NULL; /* a verb */
    if (p[1] != '?')
        return p + 1;
    const char *q = p + 2;
    if (*q == ':')
        return q + 1;
    if (*q == '=' || *q == '!' ||
        (*q == '<' && (q[1] == '=' || q[1] == '!'))) {
        *look = true;
        return NULL;
    }
    if (*q == 'P' && q[1] == '<')
        q++;
    char close = *q == '<' ? '>' : *q == '\'' ? '\'' : 0;
    if (!close)
        return NULL; /* options, branch reset, conditions, recursion... */
    for (q++; *q && *q != close; q++)
        if (!((*q | 0x20) >= 'a' && (*q | 0x20) <= 'z') &&
            !(*q >= '0' && *q <= '9') && *q != '_')
            return NULL;
    return *q ? q + 1 : NULL;
}

typedef struct cand {
    char s[NEEDLES_MAX][NEEDLE_LEN_MAX + 1];
    size_t n, min;
    bool at_end;
} cand;

typedef struct walker {
    cand best;
    bool unsure; /* syntax not known: no needles at all */
} walker;

static bool better(const cand *c, const cand *best)
{
    if (!best->n)
        return true;
    if (c->at_end != best->at_end)
        return c->at_end;
    return c->min > best->min;
}

/* An alternation of plain words in [s, e), with the plain run before it
 * (pre) and after it (from after, to the end of the sequence at seq_end
 * when anchored there): a candidate. */
static void alternation(walker *w, const char *s, const char *e,
                        const unsigned char *pre, size_t npre,
                        const char *after, const char *seq_end, bool anchored)
{
    unsigned char post[NEEDLE_LEN_MAX];
    size_t npost = 0, k;
    const char *q = after;
    unsigned char c;
    while (npost < sizeof post && q < seq_end && (k = plain_char(q, &c))) {
        if (is_quant(q + k))
            break; /* that character may be absent */
        post[npost++] = c;
        q += k;
    }
    cand cd;
    cd.n = 0;
    cd.min = SIZE_MAX;
    cd.at_end = anchored && q == seq_end;
    for (const char *b = s; b <= e; b++) {
        size_t len = npre;
        if (cd.n == NEEDLES_MAX || npre > NEEDLE_LEN_MAX)
            return;
        memcpy(cd.s[cd.n], pre, npre);
        for (; b < e && *b != '|'; b += k) {
            if (!(k = plain_char(b, &c)) || is_quant(b + k) ||
                len == NEEDLE_LEN_MAX)
                return; /* not a plain word */
            cd.s[cd.n][len++] = (char)c;
        }
        if (len + npost > NEEDLE_LEN_MAX || len == npre)
            return; /* an empty branch: nothing is required */
        memcpy(cd.s[cd.n] + len, post, npost);
        len += npost;
        cd.s[cd.n++][len] = '\0';
        if (len < cd.min)
            cd.min = len;
    }
    if (cd.min >= NEEDLE_LEN_MIN && better(&cd, &w->best))
        w->best = cd;
}

/* The items of one sequence [s, e), none of them a top-level '|';
 * anchored: the sequence ends where the line does. */
static void walk(walker *w, const char *s, const char *e, bool anchored)
{
    unsigned char run[NEEDLE_LEN_MAX];
    size_t nrun = 0, k;
    unsigned char c;
    for (const char *p = s; p < e && !w->unsure;) {
        if ((k = plain_char(p, &c))) {
            p += k;
            if (is_quant(p)) {
                nrun = 0; /* it may be absent */
            } else if (nrun < sizeof run) {
                run[nrun++] = c;
            } else {
                nrun = 0;
            }
            continue;
        }
        if (*p == '\\') {
            /* a one-letter escape (\d, \s, \b, \n...); any other (\x41,
             * \1, \p{L}, \k<n>, \Q...\E, \c) takes the characters after
             * it as other than they look here */
            if (!p[1] || !strchr("dDwWsShHvVRXbBAZzGKnrtfea", p[1])) {
                w->unsure = true;
                return;
            }
            p += 2;
            nrun = 0;
            continue;
        }
        if (*p == '[') {
            const char *ce = class_end(p);
            if (!ce) {
                w->unsure = true;
                return;
            }
            p = ce + 1;
            nrun = 0;
            continue;
        }
        if (*p != '(') {
            p++; /* . ^ $ a quantifier: no plain character */
            nrun = 0;
            continue;
        }
        const char *close = group_close(p);
        bool look;
        const char *body = close ? group_body(p, &look) : NULL;
        if (!close || (!body && !look)) {
            w->unsure = true;
            return;
        }
        const char *after = close + 1;
        if (body && !is_quant(after)) {
            if (top_bar(body, close))
                alternation(w, body, close, run, nrun, after, e, anchored);
            else
                walk(w, body, close, anchored && after == e);
        }
        p = after;
        nrun = 0;
    }
}

/* The k bytes at s as the last k of 8 loaded as one word (in the
 * machine's byte order, as fold8() loads a line's), and their mask. */
static void tail_word(const char *s, size_t k, uint64_t *word, uint64_t *mask)
{
    unsigned char b[8] = {0}, m[8] = {0};
    memcpy(b + 8 - k, s, k);
    memset(m + 8 - k, 0xFF, k);
    memcpy(word, b, 8);
    memcpy(mask, m, 8);
}

void ldrsnap__needles_extract(const char *re, rx_needles *out)
{
    memset(out, 0, sizeof *out);
    walker w;
    w.best.n = 0;
    w.unsure = false;
    if (!strncmp(re, "(?i)", 4))
        re += 4;
    const char *e = re + strlen(re);
    bool anchored = false;
    if (e > re && e[-1] == '$') {
        size_t bs = 0; /* an escaped '$' is a dollar sign */
        for (const char *q = e - 1; q > re && q[-1] == '\\'; q--)
            bs++;
        if (bs % 2 == 0)
            anchored = true, e--;
    }
    if (strstr(re, "\\Q") || top_bar(re, e))
        return; /* quoting, or no item is required */
    walk(&w, re, e, anchored);
    if (w.unsure || !w.best.n)
        return;
    out->n = w.best.n;
    out->at_end = w.best.at_end;
    for (size_t i = 0; i < w.best.n; i++) {
        out->len[i] = strlen(w.best.s[i]);
        memcpy(out->s[i], w.best.s[i], out->len[i] + 1);
    }
    /* the shortest needle is at least NEEDLE_LEN_MIN long: common stops
     * one byte short of it, so a byte comes before in each */
    size_t c = 0;
    for (bool same = true; same && c + 1 < w.best.min; c += same) {
        unsigned char b = (unsigned char)out->s[0][out->len[0] - 1 - c];
        for (size_t i = 1; i < out->n; i++)
            same &= (unsigned char)out->s[i][out->len[i] - 1 - c] == b;
    }
    out->common = c;
    for (size_t i = 0; i < out->n; i++) {
        unsigned char b = (unsigned char)out->s[i][out->len[i] - 1 - c];
        out->before[b >> 6] |= 1ull << (b & 63);
        out->last[i] = b;
    }
    unsigned char f = (unsigned char)out->s[0][0];
    for (size_t i = 1; i < out->n; i++)
        if ((unsigned char)out->s[i][0] != f)
            f = 0;
    out->first = f >= 'a' && f <= 'z' ? 0 : f;
    out->in_name = f && !strchr(RX_PLAIN_FRAME, f) && f != '_' &&
                   !(f >= '0' && f <= '9') &&
                   !((f | 0x20) >= 'a' && (f | 0x20) <= 'z');
    for (size_t i = 0; i < out->n; i++) {
        out->by_last[out->last[i]] |= 1u << i;
        unsigned char b = (unsigned char)out->s[i][1];
        out->second[b >> 6] |= 1ull << (b & 63);
        size_t k = out->len[i] < 8 ? out->len[i] : 8;
        tail_word(out->s[i] + out->len[i] - k, k, &out->tail8[i],
                  &out->tail_mask[i]);
    }
    if (out->n && out->common < 8)
        tail_word(out->s[0] + out->len[0] - out->common, out->common,
                  &out->common8, &out->common_mask);
}

/* Do the n bytes at t equal the lower-case needle s, ASCII case blind? */
static bool eq_fold(const unsigned char *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower(t[i]) != (unsigned char)s[i])
            return false;
    return true;
}

/* Is the lower-case needle s on t[0..n), case blind?  memchr() finds its
 * first byte that is no letter (one case only), else the loop looks at
 * every byte. */
bool ldrsnap__find_fold(const unsigned char *t, size_t n, const char *s,
                        size_t len)
{
    if (len > n)
        return false;
    size_t j = 0;
    while (j < len && s[j] >= 'a' && s[j] <= 'z')
        j++;
    if (j < len) {
        const unsigned char *p = t + j, *last = t + n - len + j;
        while (p <= last &&
               (p = memchr(p, (unsigned char)s[j], (size_t)(last - p) + 1))) {
            if (eq_fold(p - j, s, len))
                return true;
            p++;
        }
        return false;
    }
    unsigned char c0 = (unsigned char)s[0];
    for (size_t i = 0; i + len <= n; i++)
        if ((unsigned char)(t[i] | 0x20) == c0 &&
            eq_fold(t + i + 1, s + 1, len - 1))
            return true;
    return false;
}

/* Does a needle end t[0..n)? */
static bool ends_with_one(const rx_needles *nd, const unsigned char *t,
                          size_t n)
{
    if (n <= nd->common ||
        !eq_fold(t + n - nd->common, nd->s[0] + nd->len[0] - nd->common,
                 nd->common))
        return false;
    unsigned char b = lower(t[n - nd->common - 1]);
    if (!(nd->before[b >> 6] & (1ull << (b & 63))))
        return false;
    for (size_t i = 0; i < nd->n; i++)
        if (nd->last[i] == b && nd->len[i] <= n &&
            eq_fold(t + n - nd->len[i], nd->s[i], nd->len[i] - nd->common))
            return true;
    return false;
}

/* Is a needle on t[0..n)? */
static bool holds_one(const rx_needles *nd, const unsigned char *t, size_t n)
{
    if (!nd->first) {
        for (size_t i = 0; i < nd->n; i++)
            if (ldrsnap__find_fold(t, n, nd->s[i], nd->len[i]))
                return true;
        return false;
    }
    /* every needle starts with that byte: one memchr() for all */
    for (const unsigned char *p = t, *end = t + n;
         p < end && (p = memchr(p, nd->first, (size_t)(end - p))); p++)
        for (size_t i = 0; i < nd->n; i++)
            if (nd->len[i] <= (size_t)(end - p) &&
                eq_fold(p + 1, nd->s[i] + 1, nd->len[i] - 1))
                return true;
    return false;
}

bool ldrsnap__needles_may_plain(const rx_needles *nd, const char *text,
                                size_t n)
{
    const unsigned char *t = (const unsigned char *)text;
    bool found;
    if (nd->at_end) /* '$': the end, or before a newline that ends it */
        found = ends_with_one(nd, t, n) ||
                (n && t[n - 1] == '\n' && ends_with_one(nd, t, n - 1));
    else
        found = holds_one(nd, t, n);
    /* elsewhere a case-blind pattern may see a needle past ASCII */
    return found || (!ls_ascii(text, n) && ldrsnap__folds_to_ascii(t, n));
}

/* 8 bytes with 'A'..'Z' made lower case (as lower() does each), as one
 * word. */
static uint64_t fold8(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8); /* each byte on its own below: any byte order */
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t h = x & (ones * 0x7F);
    uint64_t ge_a = h + ones * (0x80 - 'A'); /* high bit: h >= 'A' */
    uint64_t gt_z = h + ones * (0x80 - 'Z' - 1); /* high bit: h > 'Z' */
    uint64_t up = ge_a & ~gt_z & ~x & (ones * 0x80); /* and below 0x80 */
    return x | (up >> 2);
}

/* ends_with_one(), trying only the needles whose byte before the common
 * end is the line's (by_last), each first by its last 8 bytes against
 * the line's, as one word. */
static bool ends_with_fast(const rx_needles *nd, const unsigned char *t,
                           size_t n)
{
    if (n < 8 || !nd->common_mask)
        return ends_with_one(nd, t, n);
    uint64_t w = fold8(t + n - 8);
    if ((w & nd->common_mask) != nd->common8)
        return false;
    uint32_t m = nd->by_last[lower(t[n - nd->common - 1])];
    for (; m; m &= m - 1) {
        size_t i = (size_t)__builtin_ctz(m);
        if ((w & nd->tail_mask[i]) == nd->tail8[i] &&
            (nd->len[i] <= 8 ||
             (nd->len[i] <= n &&
              eq_fold(t + n - nd->len[i], nd->s[i], nd->len[i] - 8))))
            return true;
    }
    return false;
}

/* holds_one() for needles with one first byte: its places 64 bytes at a
 * time from a vector compare, and at each the needles tried only when
 * one of them has the next byte second. */
static bool holds_first_fast(const rx_needles *nd, const unsigned char *t,
                             size_t n)
{
    for (size_t base = 0; base < n; base += 64) {
        size_t k = n - base < 64 ? n - base : 64;
        uint64_t m =
            ls_byte_bits64((const char *)t + base, k, (char)nd->first);
        for (; m; m &= m - 1) {
            size_t p = base + (size_t)__builtin_ctzll(m);
            if (p + 1 >= n)
                break; /* no needle is one byte long */
            unsigned char b = lower(t[p + 1]);
            if (!(nd->second[b >> 6] & (1ull << (b & 63))))
                continue;
            for (size_t i = 0; i < nd->n; i++)
                if (nd->len[i] <= n - p &&
                    eq_fold(t + p + 1, nd->s[i] + 1, nd->len[i] - 1))
                    return true;
        }
    }
    return false;
}

bool ldrsnap__needles_found(const rx_needles *nd, const char *text, size_t n)
{
    const unsigned char *t = (const unsigned char *)text;
    if (nd->at_end) /* '$': the end, or before a newline that ends it */
        return ends_with_fast(nd, t, n) ||
               (n && t[n - 1] == '\n' && ends_with_fast(nd, t, n - 1));
    return nd->first ? holds_first_fast(nd, t, n) : holds_one(nd, t, n);
}

bool ldrsnap__needles_may(const rx_needles *nd, const char *text, size_t n)
{
    /* elsewhere a case-blind pattern may see a needle past ASCII */
    return ldrsnap__needles_found(nd, text, n) ||
           (!ls_ascii(text, n) &&
            ldrsnap__folds_to_ascii((const unsigned char *)text, n));
}

/* U+0130, U+0131 (C4 B0, C4 B1), U+017F (C5 BF), U+212A (E2 84 AA): each
 * lead byte looked for with memchr() (a Chinese line has a byte past
 * 0xC4 every third byte; these leads are rare). */
bool ldrsnap__folds_to_ascii(const unsigned char *t, size_t n)
{
    static const unsigned char lead[] = {0xc4, 0xc5, 0xe2};
    if (n < 2)
        return false;
    for (size_t k = 0; k < sizeof lead; k++) {
        const unsigned char *p = t, *end = t + n - 1; /* a byte after */
        for (; p < end && (p = memchr(p, lead[k], (size_t)(end - p))); p++) {
            unsigned char b = p[1];
            if ((k == 0 && (b == 0xb0 || b == 0xb1)) ||
                (k == 1 && b == 0xbf) ||
                (k == 2 && b == 0x84 && p + 2 < t + n && p[2] == 0xaa))
                return true;
        }
    }
    return false;
}
