/*
 * test_term.c - the CLI's terminal text (cli/term.c, built here with
 * cli/out.c): plain ASCII runs written in one copy show what a character
 * at a time shows (term_fast(false), the oracle), with and without a
 * column limit, and so do the widths and wrapped paragraphs.
 */
#include <criterion/criterion.h>

#include "../../cli/out.c"
#include "../../cli/term.c"

static const char *const term_bits[] = {
    "a", "plain words ", "C:\\Windows\\System32\\x.dll", "\x1b[2J", "\n",
    "\r", "\t", "\x7f", "\x01", "\xc3\xa9", "\xe7\x8e\x8b", "\xc2\x9b",
    "\xc2\x85", "\xff", "\xc3", "\xf0\x9f\x98\x80", "0123456789abcdef",
    "(bu x!DllMain)", "'quoted words'", "  "};

static size_t term_str(unsigned *seed, char *s, size_t cap)
{
    *seed = *seed * 1103515245u + 12345u;
    size_t parts = (*seed >> 8) % 14, n = 0;
    for (size_t i = 0; i < parts; i++) {
        *seed = *seed * 1103515245u + 12345u;
        const char *b =
            term_bits[(*seed >> 16) % (sizeof term_bits / sizeof term_bits[0])];
        size_t k = strlen(b);
        if (n + k < cap) {
            memcpy(s + n, b, k);
            n += k;
        }
    }
    s[n] = '\0';
    return n;
}

Test(term, runs_show_what_characters_show)
{
    unsigned seed = 5;
    char s[256];
    for (int round = 0; round < 20000; round++) {
        size_t n = term_str(&seed, s, sizeof s);
        size_t max = round % 3 ? (seed >> 4) % (n + 8) : 0;
        obuf a, b;
        ob_init_mem(&a);
        ob_init_mem(&b);
        bool cut_a = false, cut_b = true;
        term_fast(true);
        size_t ca = term_putn(&a, s, n, max, &cut_a);
        size_t wa = term_cols(s, n);
        term_para(&a, round % 2 ? 40 : 0, 2, "lead ", s, 7);
        term_fast(false);
        size_t cb = term_putn(&b, s, n, max, &cut_b);
        size_t wb = term_cols(s, n);
        term_para(&b, round % 2 ? 40 : 0, 2, "lead ", s, 7);
        term_fast(true);
        cr_assert_eq(ca, cb, "round %d", round);
        cr_assert_eq(cut_a, cut_b, "round %d", round);
        cr_assert_eq(wa, wb, "round %d", round);
        cr_assert_eq(a.len, b.len, "round %d", round);
        cr_assert(!a.len || memcmp(a.buf, b.buf, a.len) == 0, "round %d",
                  round);
        ob_free(&a);
        ob_free(&b);
    }
}
