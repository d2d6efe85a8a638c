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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codes/codes_internal.h"
#include "core/ldrsnap_internal.h"
#include "codes/status.h"

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
    if (s[0] == '0' && (s[1] == 'n' || s[1] == 'N') && s[2]) {
        /* the Windows debuggers' decimal: 0n126, 0n-1073741515 */
        bool neg = s[2] == '-';
        long long sv;
        char *end;
        errno = 0;
        sv = strtoll(s + 2, &end, 10);
        if (!all_of(s + 2 + neg, isdigit) || errno || *end ||
            sv < -2147483648LL || sv > 0xFFFFFFFFLL)
            return LDRSNAP_EINVAL;
        out->n = 1, out->value[0] = (uint32_t)sv;
        out->how[0] = neg ? "signed decimal" : "decimal";
        return LDRSNAP_OK;
    }
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

/* ---- a meaning for a name we have not explained ------------------------- */

/* What a name's prefix says of the code: the component that defines it.
 * Longest prefixes first where one starts another. */
static const struct {
    const char *prefix, *what;
} origins[] = {
    {"ERROR_INTERNET_", "a WinINet (internet client) error"},
    {"ERROR_HTTP_", "a WinINet HTTP error"},
    {"ERROR_FTP_", "a WinINet FTP error"},
    {"ERROR_SXS_", "a side-by-side assembly (SxS) error"},
    {"ERROR_CTX_", "a Remote Desktop session error"},
    {"ERROR_CLUSTER_", "a failover cluster error"},
    {"ERROR_DS_", "an Active Directory error"},
    {"ERROR_", "a Win32 system error"},
    {"STATUS_", "an NT status (kernel and native API)"},
    {"WSA", "a Windows Sockets (Winsock) error"},
    {"RPC_S_", "an RPC runtime error"},
    {"RPC_X_", "an RPC stub error"},
    {"EPT_S_", "an RPC endpoint mapper error"},
    {"RPC_E_", "a COM call (RPC) error"},
    {"CO_E_", "a COM runtime error"},
    {"CO_S_", "a COM runtime status"},
    {"REGDB_E_", "a COM registration (registry) error"},
    {"CLASS_E_", "a COM class factory error"},
    {"DISP_E_", "an OLE Automation (IDispatch) error"},
    {"TYPE_E_", "an OLE Automation type library error"},
    {"STG_E_", "a COM structured storage error"},
    {"OLE_E_", "an OLE error"},
    {"MK_E_", "a COM moniker error"},
    {"COR_E_", "the HRESULT of a .NET exception (common language runtime)"},
    {"FUSION_E_", "a .NET assembly binding (Fusion) error"},
    {"CLDB_E_", "a .NET metadata error"},
    {"META_E_", "a .NET metadata error"},
    {"CORDBG_", "a .NET debugging API error"},
    {"CORSEC_", "a .NET security error"},
    {"SECURITY_E_", "a .NET security error"},
    {"CLR_E_", "a .NET runtime hosting error"},
    {"HOST_E_", "a .NET runtime hosting error"},
    {"SEC_E_", "a security package (SSPI: Kerberos, NTLM, Schannel) error"},
    {"SEC_I_", "a security package (SSPI) status"},
    {"CERT_E_", "a certificate chain error"},
    {"TRUST_E_", "a signature trust (Authenticode) error"},
    {"CRYPT_E_", "a CryptoAPI error"},
    {"NTE_", "a cryptographic provider error"},
    {"SCARD_", "a smart card error"},
    {"SPAPI_E_", "a SetupAPI (device installation) error"},
    {"NERR_", "a LAN Manager (network) error"},
    {"DNS_", "a DNS client error"},
    {"DXGI_", "a DirectX graphics infrastructure error"},
    {"D3D", "a Direct3D error"},
    {"D2DERR_", "a Direct2D error"},
    {"DWRITE_", "a DirectWrite error"},
    {"WINCODEC_", "a Windows Imaging Component error"},
    {"FVE_", "a BitLocker error"},
    {"FWP_", "a Windows Filtering Platform error"},
    {"TPM_", "a TPM error"},
    {"TBS_", "a TPM base services error"},
    {"APPX_", "an app package (AppX) error"},
    {"APPMODEL_", "an app model (packaged app) error"},
    {"WER_", "a Windows Error Reporting status"},
    {"E_", "a generic COM error"},
    {"S_", "a COM success code"},
};

/* Words people read in an acronym's case. */
static bool acronym(const char *w, size_t n)
{
    static const char *const a[] = {
        "DLL", "RPC", "COM", "CLR", "HTTP", "DNS", "SID", "ACL", "API", "IO",
        "ID", "GUID", "CPU", "USB", "NTFS", "TCP", "IP", "UDP", "SSL", "TLS",
        "LPC", "ALPC", "PNP", "WMI", "SXS", "EXE", "OS", "VM", "URL", "XML",
        "CRC", "DC", "SAM", "LSA", "NT", "MUI", "EFS", "FS", "PDB", "PE"};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        if (strlen(a[i]) == n && strncmp(a[i], w, n) == 0)
            return true;
    return false;
}

typedef struct sbuf {
    char *p;
    size_t n, len;
} sbuf;

static void sput(sbuf *b, const char *s, size_t k)
{
    for (size_t i = 0; i < k; i++, b->len++)
        if (b->len + 1 < b->n)
            b->p[b->len] = s[i];
    if (b->n)
        b->p[b->len < b->n ? b->len : b->n - 1] = '\0';
}

static void sputs(sbuf *b, const char *s)
{
    sput(b, s, strlen(s));
}

/* The name in words: after its prefix, split at '_' and at case changes
 * (NERR_WkstaNotStarted), lower case but for acronyms. */
static void name_words(sbuf *b, const char *name, size_t skip)
{
    const char *s = name + skip;
    bool first = true;
    while (*s) {
        while (*s == '_')
            s++;
        size_t k = 0;
        if (s[k] >= 'A' && s[k] <= 'Z' && s[k + 1] >= 'a' && s[k + 1] <= 'z')
            for (k = 1; s[k] >= 'a' && s[k] <= 'z'; k++)
                ; /* a CamelCase word */
        else
            while (s[k] && s[k] != '_' &&
                   !(k && s[k] >= 'A' && s[k] <= 'Z' && s[k + 1] >= 'a' &&
                     s[k + 1] <= 'z' && s[k - 1] >= 'a'))
                k++;
        if (!k)
            break;
        if (!first)
            sput(b, " ", 1);
        if (acronym(s, k)) {
            sput(b, s, k);
        } else {
            for (size_t i = 0; i < k; i++) {
                char ch = s[i];
                if (ch >= 'A' && ch <= 'Z')
                    ch = (char)(ch - 'A' + 'a');
                sput(b, &ch, 1);
            }
        }
        first = false;
        s += k;
    }
}

static const char *hresult_facility(unsigned f)
{
    switch (f) {
    case 0: return "FACILITY_NULL (generic)";
    case 1: return "FACILITY_RPC";
    case 2: return "FACILITY_DISPATCH (OLE Automation)";
    case 3: return "FACILITY_STORAGE (structured storage)";
    case 4: return "FACILITY_ITF (defined by the interface)";
    case 7: return "FACILITY_WIN32";
    case 8: return "FACILITY_WINDOWS";
    case 9: return "FACILITY_SECURITY (SSPI)";
    case 10: return "FACILITY_CONTROL (ActiveX controls)";
    case 11: return "FACILITY_CERT (certificates)";
    case 12: return "FACILITY_INTERNET (URL monikers)";
    case 15: return "FACILITY_SETUPAPI";
    case 16: return "FACILITY_SCARD (smart cards)";
    case 17: return "FACILITY_COMPLUS";
    case 19: return "FACILITY_URT (.NET runtime)";
    case 0x3E: return "FACILITY_GRAPHICS";
    case 0x87A: return "FACILITY_DXGI";
    }
    return NULL;
}

size_t ldrsnap_code_meaning(const ldrsnap_code *c, char *buf, size_t n)
{
    sbuf b = {buf, buf ? n : 0, 0};
    if (b.n)
        buf[0] = '\0';
    if (!c || !c->name)
        return 0;
    const char *what = NULL;
    size_t skip = 0;
    for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++) {
        size_t k = strlen(origins[i].prefix);
        if (strncmp(c->name, origins[i].prefix, k) == 0) {
            what = origins[i].what;
            skip = k;
            break;
        }
    }
    if (!what) {
        const char *e = strstr(c->name, "_E_");
        if (!e)
            e = strstr(c->name, "_S_");
        skip = e ? (size_t)(e - c->name) + 3 : 0;
    }
    if (!what)
        switch (c->family) {
        case LDRSNAP_FAM_WIN32: what = "a Win32 error"; break;
        case LDRSNAP_FAM_HRESULT: what = "an HRESULT"; break;
        case LDRSNAP_FAM_NTSTATUS: what = "an NT status"; break;
        case LDRSNAP_FAM_EXCEPTION:
            what = "an exception code (raised by a program or runtime, seen "
                   "by debuggers)";
            break;
        }
    sputs(&b, what ? what : "a code");
    sputs(&b, ": \"");
    name_words(&b, c->name, skip);
    sputs(&b, "\"");
    uint32_t v = c->value;
    char num[64];
    if (c->family == LDRSNAP_FAM_HRESULT && (v >> 16) == 0x8007u) {
        const char *w = name_in(v & 0xFFFFu, LDRSNAP_FAM_WIN32);
        snprintf(num, sizeof num, "; Win32 error %u", (unsigned)(v & 0xFFFFu));
        sputs(&b, num);
        if (w) {
            sputs(&b, " (");
            sputs(&b, w);
            sputs(&b, ")");
        }
        sputs(&b, " as an HRESULT");
    } else if (c->family == LDRSNAP_FAM_HRESULT) {
        const char *f = hresult_facility((v >> 16) & 0x7FFu);
        sputs(&b, v & 0x80000000u ? "; a failure" : "; a success");
        if (f) {
            sputs(&b, " of ");
            sputs(&b, f);
        }
    } else if (c->family == LDRSNAP_FAM_NTSTATUS) {
        static const char *const sev[] = {"a success", "informational",
                                          "a warning", "an error"};
        sputs(&b, "; ");
        sputs(&b, sev[v >> 30]);
        if ((v >> 16) & 0xFFFu) {
            snprintf(num, sizeof num, " of facility 0x%03x",
                     (unsigned)((v >> 16) & 0xFFFu));
            sputs(&b, num);
        }
    } else if (c->family == LDRSNAP_FAM_WIN32) {
        snprintf(num, sizeof num, "; GetLastError() %u", (unsigned)v);
        sputs(&b, num);
    }
    return b.len;
}
