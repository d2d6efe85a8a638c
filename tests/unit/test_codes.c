/*
 * test_codes.c - the code table and its decoding: inputs as people write
 * them, every candidate, facility peeling, and what must not be decoded.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "helpers.h"

typedef struct parse_case {
    const char *input;
    unsigned n;
    uint32_t v0, v1;
} parse_case;

static const parse_case parses[] = {
    {"0x80070005", 1, 0x80070005u, 0},
    {"0X80070005", 1, 0x80070005u, 0},
    {"c0000135", 1, 0xC0000135u, 0},
    {"C0000135", 1, 0xC0000135u, 0},
    {"80070005", 2, 80070005u, 0x80070005u}, /* decimal, and hex */
    {"126", 2, 126u, 0x126u},
    {"-2147024891", 1, 0x80070005u, 0},
    {"2147942405", 1, 0x80070005u, 0},       /* too long to be hex */
    {"4294967295", 1, 0xFFFFFFFFu, 0},
    {"0", 1, 0, 0},
    {"0x", 0, 0, 0},
    {"0x1FFFFFFFF", 0, 0, 0},
    {"-", 0, 0, 0},
    {"-2147483649", 0, 0, 0},
    {"E_ACCESSDENIED", 0, 0, 0},            /* a name, not a number */
    {"12g", 0, 0, 0},
    {"0n126", 1, 126u, 0},                  /* the debuggers' decimal */
    {"0N126", 1, 126u, 0},
    {"0n-1073741515", 1, 0xC0000135u, 0},
    {"0n3221225781", 1, 0xC0000135u, 0},
    {"0n", 0, 0, 0},
    {"0n12a", 0, 0, 0},
    {"0n4294967296", 0, 0, 0},
};

#define NPARSES (sizeof parses / sizeof parses[0])

ParameterizedTestParameters(codes, inputs_are_read_as_people_write_them)
{
    static size_t idx[NPARSES];
    for (size_t i = 0; i < NPARSES; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, NPARSES);
}

ParameterizedTest(size_t *ix, codes, inputs_are_read_as_people_write_them)
{
    const parse_case *c = &parses[*ix];
    ldrsnap_code_input in;
    int rc = ldrsnap_code_parse(c->input, &in);
    cr_assert_eq(in.n, c->n, "%s: %u readings", c->input, in.n);
    cr_assert_eq(rc, c->n ? LDRSNAP_OK : LDRSNAP_EINVAL, "%s", c->input);
    if (c->n >= 1)
        cr_assert_eq(in.value[0], c->v0, "%s: 0x%x", c->input, in.value[0]);
    if (c->n >= 2)
        cr_assert_eq(in.value[1], c->v1, "%s: 0x%x", c->input, in.value[1]);
}

/* Does the lookup of `value` list `name` in `family` (and how)? */
static bool has(uint32_t value, const char *name, ldrsnap_family fam,
                ldrsnap_via via)
{
    ldrsnap_code c[64];
    size_t n = ldrsnap_code_lookup(value, c, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        if (!strcmp(c[i].name, name) && c[i].family == fam && c[i].via == via)
            return true;
    return false;
}

Test(codes, every_candidate_of_a_value_is_listed)
{
    cr_assert(has(0x80, "ERROR_WAIT_NO_CHILDREN", LDRSNAP_FAM_WIN32,
                  LDRSNAP_VIA_VALUE));
    cr_assert(has(0x80, "STATUS_ABANDONED_WAIT_0", LDRSNAP_FAM_NTSTATUS,
                  LDRSNAP_VIA_VALUE));
    cr_assert(has(0xC0000135, "STATUS_DLL_NOT_FOUND", LDRSNAP_FAM_NTSTATUS,
                  LDRSNAP_VIA_VALUE));
    cr_assert(has(126, "ERROR_MOD_NOT_FOUND", LDRSNAP_FAM_WIN32,
                  LDRSNAP_VIA_VALUE));
    cr_assert(has(0xE0434F4D, "CLR_EXCEPTION_COMPLUS", LDRSNAP_FAM_EXCEPTION,
                  LDRSNAP_VIA_VALUE));
    cr_assert(has(0xE06D7363, "CPP_EH_EXCEPTION", LDRSNAP_FAM_EXCEPTION,
                  LDRSNAP_VIA_VALUE));
    cr_assert(has(0x80131040, "FUSION_E_REF_DEF_MISMATCH",
                  LDRSNAP_FAM_HRESULT, LDRSNAP_VIA_VALUE));
    cr_assert(has(2102, "NERR_NetNotStarted", LDRSNAP_FAM_WIN32,
                  LDRSNAP_VIA_VALUE));
    cr_assert(has(12001, "ERROR_INTERNET_OUT_OF_HANDLES", LDRSNAP_FAM_WIN32,
                  LDRSNAP_VIA_VALUE));
}

Test(codes, hresults_are_peeled_to_what_they_wrap)
{
    cr_assert(has(0x80070005, "E_ACCESSDENIED", LDRSNAP_FAM_HRESULT,
                  LDRSNAP_VIA_VALUE));
    cr_assert(has(0x80070005, "ERROR_ACCESS_DENIED", LDRSNAP_FAM_WIN32,
                  LDRSNAP_VIA_FACILITY_WIN32));
    cr_assert(has(0x8007007E, "ERROR_MOD_NOT_FOUND", LDRSNAP_FAM_WIN32,
                  LDRSNAP_VIA_FACILITY_WIN32));
    cr_assert(has(0xD0000135, "STATUS_DLL_NOT_FOUND", LDRSNAP_FAM_NTSTATUS,
                  LDRSNAP_VIA_NT_BIT));
}

Test(codes, an_ntstatus_is_not_read_as_win32_from_its_low_bits)
{
    /* err.exe lists ERROR_... for 0x135 here; that is wrong */
    ldrsnap_code c[64];
    size_t n = ldrsnap_code_lookup(0xC0000135, c, 64);
    for (size_t i = 0; i < n; i++)
        cr_assert_neq(c[i].family, LDRSNAP_FAM_WIN32, "%s", c[i].name);
    n = ldrsnap_code_lookup(0xC000007B, c, 64);
    for (size_t i = 0; i < n; i++)
        cr_assert_neq(c[i].family, LDRSNAP_FAM_WIN32, "%s", c[i].name);
}

Test(codes, a_value_with_no_meaning_is_unknown)
{
    cr_assert_eq(ldrsnap_code_lookup(0xFFFFFFFF, NULL, 0), 0);
    const char *ex, *adv;
    cr_assert_eq(ldrsnap_code_context(0xFFFFFFFF, "iis_exit", &ex, &adv), 0);
    cr_assert(strstr(adv, "Local System") != NULL);
    cr_assert_eq(ldrsnap_code_context(0x12345, "iis_exit", &ex, &adv),
                 LDRSNAP_ENOTFOUND);
    cr_assert_eq(ldrsnap_code_context(0x80, "nope", &ex, &adv),
                 LDRSNAP_ENOTFOUND);
}

Test(codes, names_resolve_to_values)
{
    ldrsnap_code c[4];
    cr_assert_eq(ldrsnap_code_by_name("STATUS_DLL_NOT_FOUND", c, 4), 1);
    cr_assert_eq(c[0].value, 0xC0000135u);
    cr_assert_eq(c[0].family, LDRSNAP_FAM_NTSTATUS);
    cr_assert_not_null(c[0].explanation);
    cr_assert_eq(ldrsnap_code_by_name("E_ACCESSDENIED", c, 4), 1);
    cr_assert_eq(c[0].value, 0x80070005u);
    cr_assert_eq(ldrsnap_code_by_name("e_accessdenied", c, 4), 1);
    cr_assert_eq(ldrsnap_code_by_name("NO_SUCH_CODE_NAME", c, 4), 0);
    cr_assert_eq(ldrsnap_code_by_name("", c, 4), 0);
}

Test(codes, the_table_has_the_coverage_asked_for)
{
    /* count names per family through the by-name index */
    size_t fam[5] = {0};
    static const char *const probes[] = {"ERROR_", "E_", "STATUS_"};
    (void)probes;
    for (uint32_t v = 0; v < 20000; v++) {
        ldrsnap_code c[32];
        size_t n = ldrsnap_code_lookup(v, c, 32);
        for (size_t i = 0; i < n && i < 32; i++)
            if (c[i].via == LDRSNAP_VIA_VALUE && c[i].family == LDRSNAP_FAM_WIN32)
                fam[LDRSNAP_FAM_WIN32]++;
    }
    cr_assert_geq(fam[LDRSNAP_FAM_WIN32], 2800, "%zu Win32 names",
                  fam[LDRSNAP_FAM_WIN32]);
    /* every explained code in the loader's core set */
    static const uint32_t core[] = {0xC0000135, 0xC000007B, 0xC0000139,
                                    0xC0000142, 0xC0000022, 0xC0150002,
                                    0x8007007E, 0x800700C1, 0x80070005,
                                    0x800736B1, 0xE0434F4D, 0x80040154};
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++) {
        ldrsnap_code c[16];
        size_t n = ldrsnap_code_lookup(core[i], c, 16);
        cr_assert_gt(n, 0);
        cr_assert_not_null(c[0].explanation, "0x%08x", core[i]);
        cr_assert_not_null(c[0].advice, "0x%08x", core[i]);
    }
}

Test(codes, analyzer_names_come_from_the_table)
{
    cr_assert_str_eq(ldrsnap_status_name(0xC0000135), "STATUS_DLL_NOT_FOUND");
    cr_assert_str_eq(ldrsnap_status_name(0x80070005), "E_ACCESSDENIED");
    cr_assert_str_eq(ldrsnap_status_name(0), "STATUS_SUCCESS");
    cr_assert_str_eq(ldrsnap_status_name(0xC0150002),
                     "STATUS_SXS_CANT_GEN_ACTCTX");
    cr_assert_null(ldrsnap_status_name(1)); /* an exit code: the program's */
    cr_assert_str_eq(ldrsnap_family_name(LDRSNAP_FAM_EXCEPTION), "exception");
}

/* Every name the headers give a value, also those defined through another
 * name (HRESULT_FROM_WIN32(), E_POINTER), and the debuggers' names of the
 * CLR and C++ exception codes. */
static bool has_name(uint32_t v, const char *name)
{
    ldrsnap_code c[32];
    size_t n = ldrsnap_code_lookup(v, c, 32);
    for (size_t i = 0; i < n && i < 32; i++)
        if (!strcmp(c[i].name, name))
            return true;
    return false;
}

Test(codes, every_alias_of_a_value_is_listed)
{
    cr_assert(has_name(0x80070002u, "COR_E_FILENOTFOUND"));
    cr_assert(has_name(0x80070002u, "ERROR_FILE_NOT_FOUND"));
    cr_assert(has_name(0x80004003u, "COR_E_NULLREFERENCE"));
    cr_assert(has_name(0x80004003u, "E_POINTER"));
    cr_assert(has_name(0x80070005u, "COR_E_UNAUTHORIZEDACCESS"));
    cr_assert(has_name(0x8007007Au, "E_NOT_SUFFICIENT_BUFFER"));
    cr_assert(has_name(0xE0434F4Du, "STATUS_CLR_EXCEPTION"));
    cr_assert(has_name(0xE0434F4Du, "CLR_EXCEPTION_COMPLUS"));
    cr_assert(has_name(0xE06D7363u, "STATUS_CPP_EH_EXCEPTION"));
    /* the names people know stay first */
    cr_assert_str_eq(ldrsnap_status_name(0x80004003u), "E_POINTER");
    cr_assert_str_eq(ldrsnap_status_name(0x80070005u), "E_ACCESSDENIED");
}

/* A name we have not explained gets a meaning that says more than the
 * name: the component, the words, what the value holds. */
Test(codes, a_name_without_explanation_has_a_meaning)
{
    static const uint32_t values[] = {0x80004003u, 0xC0000131u, 0x8013150Au,
                                      0x80070002u, 0x0000085Au, 0x00002747u,
                                      0xE06D7363u, 0x800706BAu};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        ldrsnap_code c[16];
        size_t n = ldrsnap_code_lookup(values[i], c, 16);
        cr_assert_gt(n, 0, "0x%08x", values[i]);
        for (size_t j = 0; j < n && j < 16; j++) {
            char m[256];
            size_t k = ldrsnap_code_meaning(&c[j], m, sizeof m);
            cr_assert_eq(k, strlen(m), "%s", c[j].name);
            cr_assert_gt(k, strlen(c[j].name) + 10, "%s: %s", c[j].name, m);
            cr_assert(strstr(m, c[j].name) == NULL ||
                          c[j].via != LDRSNAP_VIA_VALUE,
                      "%s: the name repeated: %s", c[j].name, m);
        }
    }
    ldrsnap_code c;
    cr_assert_eq(ldrsnap_code_by_name("COR_E_NULLREFERENCE", &c, 1), 1);
    char m[256];
    ldrsnap_code_meaning(&c, m, sizeof m);
    cr_assert(strstr(m, ".NET"), "%s", m);
    cr_assert_eq(ldrsnap_code_by_name("COR_E_FILENOTFOUND", &c, 1), 1);
    ldrsnap_code_meaning(&c, m, sizeof m);
    cr_assert(strstr(m, "Win32 error 2 (ERROR_FILE_NOT_FOUND)"), "%s", m);
    cr_assert_eq(ldrsnap_code_by_name("NERR_WkstaNotStarted", &c, 1), 1);
    ldrsnap_code_meaning(&c, m, sizeof m);
    cr_assert(strstr(m, "wksta not started"), "%s", m);
    /* as snprintf(): the whole length, a short buffer cut and ended */
    char small[8];
    size_t whole = ldrsnap_code_meaning(&c, small, sizeof small);
    cr_assert_eq(whole, strlen(m));
    cr_assert_eq(strlen(small), 7u);
    cr_assert_eq(ldrsnap_code_meaning(&c, NULL, 0), whole);
}
