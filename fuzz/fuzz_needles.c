/*
 * fuzz_needles.c - libFuzzer target: the needles of a pattern
 * (rules/needles.c, the prefilter of steps whose pattern requires one of
 * an alternation of words) never say no to a line the pattern matches,
 * and their fast way (a vector pass, needles by their last byte) says
 * what the plain way says.
 * The input is a pattern, a newline, and the line (which may hold more
 * newlines).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rules/rules_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl || (size_t)(nl - data) > 512)
        return 0;
    char re_text[513];
    size_t k = (size_t)(nl - data);
    memcpy(re_text, data, k);
    re_text[k] = '\0';
    if (strlen(re_text) != k)
        return 0; /* a NUL in the pattern */
    rx_needles nd;
    ldrsnap__needles_extract(re_text, &nd);
    if (!nd.n)
        return 0;
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)re_text, k, PCRE2_UTF, &err,
                                   &off, NULL);
    if (!re)
        return 0;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mc, 100000);
    const char *line = (const char *)nl + 1;
    size_t n = size - k - 1;
    int rc = md && mc ? pcre2_match(re, (PCRE2_SPTR)line, n, 0, 0, md, mc)
                      : -1;
    bool may = ldrsnap__needles_may(&nd, line, n);
    if (rc >= 0 && !may)
        __builtin_trap(); /* the prefilter hid a match */
    if (may != ldrsnap__needles_may_plain(&nd, line, n))
        __builtin_trap(); /* the fast way and the plain way differ */
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return 0;
}
