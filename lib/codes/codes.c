/*
 * codes.c - look-ups in the generated code table (errtab.c).
 *
 * Decoding follows how the codes are built, not err.exe's habit of trying
 * the low 16 bits of anything: an HRESULT 0x8007xxxx carries a Win32 code
 * in its low bits (FACILITY_WIN32), and an HRESULT with the N bit
 * (0x10000000) wraps an NTSTATUS; an NTSTATUS such as 0xC0000135 carries
 * nothing of the kind.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codes/codes_internal.h"
#include "core/ldrsnap_internal.h"

static const char *pool(uint32_t off)
{
    return ldrsnap__code_pool + off;
}

/* Index of the first entry with this value, or ncodes. */
static size_t first_of(uint32_t value)
{
    size_t lo = 0, hi = ldrsnap__ncodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ldrsnap__codes[mid].value < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const ls_explain_entry *explain_of(uint32_t value, unsigned family)
{
    size_t lo = 0, hi = ldrsnap__nexplain;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ls_explain_entry *e = &ldrsnap__explain[mid];
        if (e->family < family || (e->family == family && e->value < value))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ldrsnap__nexplain && ldrsnap__explain[lo].family == family &&
        ldrsnap__explain[lo].value == value)
        return &ldrsnap__explain[lo];
    return NULL;
}

static void fill(ldrsnap_code *c, const ls_code_entry *e, ldrsnap_via via)
{
    const ls_explain_entry *x = explain_of(e->value, e->family);
    c->value = e->value;
    c->family = (ldrsnap_family)e->family;
    c->via = via;
    c->name = pool(e->name_off);
    c->explanation = x ? pool(x->text_off) : NULL;
    c->advice = x ? pool(x->advice_off) : NULL;
}

/* Add every name of `value` (optionally of one family only). */
static size_t add_value(uint32_t value, int family, ldrsnap_via via,
                        ldrsnap_code *out, size_t max, size_t n)
{
    for (size_t i = first_of(value);
         i < ldrsnap__ncodes && ldrsnap__codes[i].value == value; i++) {
        if (family && ldrsnap__codes[i].family != family)
            continue;
        if (n < max)
            fill(&out[n], &ldrsnap__codes[i], via);
        n++;
    }
    return n;
}

size_t ldrsnap_code_lookup(uint32_t value, ldrsnap_code *out, size_t max)
{
    if (!out)
        max = 0;
    size_t n = add_value(value, 0, LDRSNAP_VIA_VALUE, out, max, 0);
    if ((value & 0xFFFF0000u) == 0x80070000u)
        n = add_value(value & 0xFFFFu, LDRSNAP_FAM_WIN32,
                      LDRSNAP_VIA_FACILITY_WIN32, out, max, n);
    if ((value & 0x10000000u) && (value & 0x80000000u))
        n = add_value(value & ~0x10000000u, LDRSNAP_FAM_NTSTATUS,
                      LDRSNAP_VIA_NT_BIT, out, max, n);
    return n;
}

/* Binary search in name order; exact (strcmp) order. */
static size_t name_lower_bound(const char *name)
{
    size_t lo = 0, hi = ldrsnap__ncodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ls_code_entry *e = &ldrsnap__codes[ldrsnap__codes_by_name[mid]];
        if (strcmp(pool(e->name_off), name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t ldrsnap_code_by_name(const char *name, ldrsnap_code *out, size_t max)
{
    size_t n = 0;
    if (!name || !*name)
        return 0;
    if (!out)
        max = 0;
    for (size_t i = name_lower_bound(name); i < ldrsnap__ncodes; i++) {
        const ls_code_entry *e = &ldrsnap__codes[ldrsnap__codes_by_name[i]];
        if (strcmp(pool(e->name_off), name) != 0)
            break;
        if (n < max)
            fill(&out[n], e, LDRSNAP_VIA_VALUE);
        n++;
    }
    if (n)
        return n;
    /* people type e_accessdenied too: a linear pass, only on a miss */
    for (size_t i = 0; i < ldrsnap__ncodes; i++) {
        const ls_code_entry *e = &ldrsnap__codes[i];
        if (strcasecmp(pool(e->name_off), name) == 0) {
            if (n < max)
                fill(&out[n], e, LDRSNAP_VIA_VALUE);
            n++;
        }
    }
    return n;
}

int ldrsnap_code_context(uint32_t value, const char *context,
                         const char **explanation, const char **advice)
{
    if (!context || strcmp(context, "iis_exit") != 0)
        return LDRSNAP_ENOTFOUND;
    const ls_explain_entry *x = explain_of(value, 5 /* iis_exit */);
    if (!x)
        return LDRSNAP_ENOTFOUND;
    if (explanation)
        *explanation = pool(x->text_off);
    if (advice)
        *advice = pool(x->advice_off);
    return LDRSNAP_OK;
}

const char *ldrsnap_family_name(ldrsnap_family f)
{
    switch (f) {
    case LDRSNAP_FAM_WIN32:
        return "win32";
    case LDRSNAP_FAM_HRESULT:
        return "hresult";
    case LDRSNAP_FAM_NTSTATUS:
        return "ntstatus";
    case LDRSNAP_FAM_EXCEPTION:
        return "exception";
    }
    return "unknown";
}

/* ---- reading what people type ------------------------------------------- */

static bool all_of(const char *s, int (*pred)(int))
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!pred((unsigned char)*s))
            return false;
    return true;
}

static bool parse_u64(const char *s, int base, unsigned long long *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, base);
    return errno == 0 && *end == '\0';
}

int ldrsnap_code_parse(const char *input, ldrsnap_code_input *out)
{
    if (!input || !out)
        return LDRSNAP_EINVAL;
    memset(out, 0, sizeof *out);
    unsigned long long v;
    const char *s = input;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (!all_of(s + 2, isxdigit) || !parse_u64(s + 2, 16, &v) ||
            v > 0xFFFFFFFFull)
            return LDRSNAP_EINVAL;
        out->n = 1, out->value[0] = (uint32_t)v, out->how[0] = "hex";
    } else if (s[0] == '-') {
        long long sv;
        char *end;
        errno = 0;
        sv = strtoll(s, &end, 10);
        if (!all_of(s + 1, isdigit) || errno || *end ||
            sv < -2147483648LL)
            return LDRSNAP_EINVAL;
        out->n = 1, out->value[0] = (uint32_t)(int32_t)sv;
        out->how[0] = "signed decimal";
    } else if (all_of(s, isdigit)) {
        /* digits only: a decimal and, when it fits, a hex reading */
        if (parse_u64(s, 10, &v) && v <= 0xFFFFFFFFull) {
            out->value[out->n] = (uint32_t)v;
            out->how[out->n++] = "decimal";
        }
        if (strlen(s) <= 8 && parse_u64(s, 16, &v) &&
            (out->n == 0 || (uint32_t)v != out->value[0])) {
            out->value[out->n] = (uint32_t)v;
            out->how[out->n++] = "hex";
        }
    } else if (all_of(s, isxdigit) && strlen(s) <= 8) {
        parse_u64(s, 16, &v);
        out->n = 1, out->value[0] = (uint32_t)v, out->how[0] = "hex";
    }
    return out->n ? LDRSNAP_OK : LDRSNAP_EINVAL;
}

/* ---- names for the analyzer -------------------------------------------- */

static const char *name_in(uint32_t value, ldrsnap_family family)
{
    for (size_t i = first_of(value);
         i < ldrsnap__ncodes && ldrsnap__codes[i].value == value; i++)
        if (ldrsnap__codes[i].family == family)
            return pool(ldrsnap__codes[i].name_off);
    return NULL;
}

const char *ldrsnap_status_name(uint32_t code)
{
    static const ldrsnap_family order[] = {
        LDRSNAP_FAM_NTSTATUS, LDRSNAP_FAM_HRESULT, LDRSNAP_FAM_EXCEPTION,
        LDRSNAP_FAM_WIN32};
    if (code != 0 && code < 0x10000u)
        return NULL; /* exit codes and the like: the program's own */
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *n = name_in(code, order[i]);
        if (n)
            return n;
    }
    return NULL;
}

const char *ldrsnap__exception_name(uint32_t code)
{
    static const ldrsnap_family order[] = {
        LDRSNAP_FAM_EXCEPTION, LDRSNAP_FAM_NTSTATUS, LDRSNAP_FAM_HRESULT};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *n = name_in(code, order[i]);
        if (n)
            return n;
    }
    return NULL;
}
