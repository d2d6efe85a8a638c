/*
 * status.c - what the loader's statuses and functions mean.
 *
 * A small table of the codes seen in loader-snaps logs, exit codes and
 * debugger exception events; the full Win32/HRESULT/NTSTATUS table is the
 * error-code module's job.  Sorted by code for bsearch.
 */
#include <stdlib.h>
#include <string.h>

#include "ldrsnap_internal.h"

typedef struct code_name {
    uint32_t code;
    const char *name;
} code_name;

static const code_name names[] = {
    {0x00000000, "STATUS_SUCCESS"},
    {0x00000002, "ERROR_FILE_NOT_FOUND"},
    {0x00000003, "ERROR_PATH_NOT_FOUND"},
    {0x00000005, "ERROR_ACCESS_DENIED"},
    {0x0000007E, "ERROR_MOD_NOT_FOUND"},
    {0x0000007F, "ERROR_PROC_NOT_FOUND"},
    {0x000000B6, "ERROR_INVALID_ORDINAL"},
    {0x000000C1, "ERROR_BAD_EXE_FORMAT"},
    {0x0000045A, "ERROR_DLL_INIT_FAILED"},
    {0x000036B1, "ERROR_SXS_CANT_GEN_ACTCTX"},
    {0x40000003, "STATUS_IMAGE_NOT_AT_BASE"},
    {0x4000001F, "STATUS_WX86_BREAKPOINT"},
    {0x40010005, "DBG_CONTROL_C"},
    {0x40010006, "DBG_PRINTEXCEPTION_C"},
    {0x4001000A, "DBG_PRINTEXCEPTION_WIDE_C"},
    {0x406D1388, "MS_VC_EXCEPTION"},
    {0x80000003, "STATUS_BREAKPOINT"},
    {0x80000004, "STATUS_SINGLE_STEP"},
    {0x80004002, "E_NOINTERFACE"},
    {0x80004005, "E_FAIL"},
    {0x80040154, "REGDB_E_CLASSNOTREG"},
    {0x800401F0, "CO_E_NOTINITIALIZED"},
    {0x80070002, "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)"},
    {0x80070003, "HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND)"},
    {0x80070005, "E_ACCESSDENIED"},
    {0x8007000E, "E_OUTOFMEMORY"},
    {0x80070057, "E_INVALIDARG"},
    {0x8007007E, "HRESULT_FROM_WIN32(ERROR_MOD_NOT_FOUND)"},
    {0x8007007F, "HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND)"},
    {0x800700C1, "HRESULT_FROM_WIN32(ERROR_BAD_EXE_FORMAT)"},
    {0x8007045A, "HRESULT_FROM_WIN32(ERROR_DLL_INIT_FAILED)"},
    {0x800736B1, "HRESULT_FROM_WIN32(ERROR_SXS_CANT_GEN_ACTCTX)"},
    {0x80080005, "CO_E_SERVER_EXEC_FAILURE"},
    {0xC0000005, "STATUS_ACCESS_VIOLATION"},
    {0xC0000008, "STATUS_INVALID_HANDLE"},
    {0xC000000D, "STATUS_INVALID_PARAMETER"},
    {0xC0000017, "STATUS_NO_MEMORY"},
    {0xC0000018, "STATUS_CONFLICTING_ADDRESSES"},
    {0xC000001D, "STATUS_ILLEGAL_INSTRUCTION"},
    {0xC0000022, "STATUS_ACCESS_DENIED"},
    {0xC0000034, "STATUS_OBJECT_NAME_NOT_FOUND"},
    {0xC000003A, "STATUS_OBJECT_PATH_NOT_FOUND"},
    {0xC0000043, "STATUS_SHARING_VIOLATION"},
    {0xC000007B, "STATUS_INVALID_IMAGE_FORMAT"},
    {0xC0000094, "STATUS_INTEGER_DIVIDE_BY_ZERO"},
    {0xC000009A, "STATUS_INSUFFICIENT_RESOURCES"},
    {0xC00000BA, "STATUS_FILE_IS_A_DIRECTORY"},
    {0xC00000FD, "STATUS_STACK_OVERFLOW"},
    {0xC0000102, "STATUS_FILE_CORRUPT_ERROR"},
    {0xC000012F, "STATUS_INVALID_IMAGE_NOT_MZ"},
    {0xC0000130, "STATUS_INVALID_IMAGE_PROTECT"},
    {0xC0000131, "STATUS_INVALID_IMAGE_WIN_16"},
    {0xC0000135, "STATUS_DLL_NOT_FOUND"},
    {0xC0000138, "STATUS_ORDINAL_NOT_FOUND"},
    {0xC0000139, "STATUS_ENTRYPOINT_NOT_FOUND"},
    {0xC000013A, "STATUS_CONTROL_C_EXIT"},
    {0xC0000142, "STATUS_DLL_INIT_FAILED"},
    {0xC0000145, "STATUS_APP_INIT_FAILURE"},
    {0xC0000194, "STATUS_POSSIBLE_DEADLOCK"},
    {0xC0000221, "STATUS_IMAGE_CHECKSUM_MISMATCH"},
    {0xC0000359, "STATUS_INVALID_IMAGE_WIN_32"},
    {0xC000035A, "STATUS_INVALID_IMAGE_WIN_64"},
    {0xC0000361, "STATUS_ACCESS_DISABLED_BY_POLICY_DEFAULT"},
    {0xC0000362, "STATUS_ACCESS_DISABLED_BY_POLICY_PATH"},
    {0xC0000363, "STATUS_ACCESS_DISABLED_BY_POLICY_PUBLISHER"},
    {0xC0000364, "STATUS_ACCESS_DISABLED_BY_POLICY_OTHER"},
    {0xC0000374, "STATUS_HEAP_CORRUPTION"},
    {0xC0000409, "STATUS_STACK_BUFFER_OVERRUN"},
    {0xC0000420, "STATUS_ASSERTION_FAILURE"},
    {0xC0000428, "STATUS_INVALID_IMAGE_HASH"},
    {0xC0000602, "STATUS_FAIL_FAST_EXCEPTION"},
    {0xC0150001, "STATUS_SXS_SECTION_NOT_FOUND"},
    {0xC0150002, "STATUS_SXS_CANT_GEN_ACTCTX"},
    {0xC0150003, "STATUS_SXS_INVALID_ACTCTXDATA_FORMAT"},
    {0xC0150004, "STATUS_SXS_ASSEMBLY_NOT_FOUND"},
    {0xC0150005, "STATUS_SXS_MANIFEST_FORMAT_ERROR"},
    {0xC0150006, "STATUS_SXS_MANIFEST_PARSE_ERROR"},
    {0xC0150007, "STATUS_SXS_ACTIVATION_CONTEXT_DISABLED"},
    {0xE0434352, "CLR exception (.NET 4+)"},
    {0xE0434F4D, "CLR exception (COMPlus)"},
    {0xE06D7363, "C++ exception (Visual C++ EH)"},
};

static int cmp_code(const void *k, const void *e)
{
    uint32_t a = *(const uint32_t *)k, b = ((const code_name *)e)->code;
    return a < b ? -1 : a > b;
}

const char *ldrsnap_status_name(uint32_t code)
{
    const code_name *c = bsearch(&code, names, sizeof names / sizeof names[0],
                                 sizeof names[0], cmp_code);
    return c ? c->name : NULL;
}

ldrsnap_kind ldrsnap_status_kind(uint32_t code)
{
    switch (code) {
    case 0xC0000135: case 0xC0000034: case 0xC000003A:
    case 0x8007007E: case 0x80070002: case 0x80070003:
    case 0x7E: case 0x02: case 0x03:
        return LDRSNAP_K_DLL_NOT_FOUND;
    case 0xC0000139: case 0x8007007F: case 0x7F:
        return LDRSNAP_K_EXPORT_NOT_FOUND;
    case 0xC0000138: case 0x800700B6: case 0xB6:
        return LDRSNAP_K_ORDINAL_NOT_FOUND;
    case 0xC000007B: case 0xC000012F: case 0xC0000130: case 0xC0000131:
    case 0xC0000221: case 0xC0000359: case 0xC000035A: case 0xC0000428:
    case 0x800700C1: case 0xC1:
        return LDRSNAP_K_BAD_IMAGE;
    case 0xC0000142: case 0x8007045A: case 0x45A:
        return LDRSNAP_K_INIT_FAILED;
    case 0xC0000022: case 0x80070005: case 0x05:
    case 0xC0000361: case 0xC0000362: case 0xC0000363: case 0xC0000364:
        return LDRSNAP_K_ACCESS_DENIED;
    case 0x36B1: case 0x800736B1:
        return LDRSNAP_K_SXS;
    default:
        break;
    }
    if ((code & 0xFFFF0000u) == 0xC0150000u ||
        (code & 0xFFFFFF00u) == 0x80073600u)
        return LDRSNAP_K_SXS;
    return LDRSNAP_K_OTHER;
}

bool ldrsnap__status_is_error(uint32_t code)
{
    return (code & 0x80000000u) != 0;
}

bool ldrsnap__exception_is_benign(uint32_t code)
{
    /* Informational codes (debug prints, thread naming, Wx86 breaks) and
     * the debugger's own break and single-step are not failures. */
    return (code & 0xC0000000u) == 0x40000000u || code == 0x80000003u ||
           code == 0x80000004u || code == 0;
}

typedef struct func_info {
    const char *name;
    unsigned char len;
    unsigned char id;
    unsigned flags;
} func_info;

#define F(name, id, flags) {name, sizeof(name) - 1, id, flags}
static const func_info funcs[] = {
    F("LdrLoadDll", LS_FID_LOADDLL, LS_FN_TOP),
    F("LdrpLoadDllInternal", LS_FID_OTHER_KNOWN, 0),
    F("LdrpLoadDll", LS_FID_OTHER_KNOWN + 1, 0),
    F("LdrpFindOrMapDll", LS_FID_OTHER_KNOWN + 2, 0),
    F("LdrpResolveDllName", LS_FID_RESOLVE, LS_FN_PROBE),
    F("LdrpSearchPath", LS_FID_SEARCH, LS_FN_SEARCH),
    F("LdrpFindKnownDll", LS_FID_OTHER_KNOWN + 3, LS_FN_PROBE),
    F("LdrpMinimalMapModule", LS_FID_OTHER_KNOWN + 4, LS_FN_MAP),
    F("LdrpMapViewOfSection", LS_FID_OTHER_KNOWN + 5, LS_FN_MAP),
    F("LdrpMapDll", LS_FID_OTHER_KNOWN + 6, LS_FN_MAP),
    F("LdrpMapDllNtFileName", LS_FID_OTHER_KNOWN + 7, LS_FN_MAP),
    F("LdrpMapDllWithSectionHandle", LS_FID_OTHER_KNOWN + 8, LS_FN_MAP),
    F("LdrGetDllHandleEx", LS_FID_OTHER_KNOWN + 9, LS_FN_PROBE | LS_FN_HANDLE),
    F("LdrGetDllHandle", LS_FID_OTHER_KNOWN + 10, LS_FN_PROBE | LS_FN_HANDLE),
    F("LdrGetDllHandleByName", LS_FID_OTHER_KNOWN + 11,
      LS_FN_PROBE | LS_FN_HANDLE),
    F("LdrGetDllHandleByMapping", LS_FID_OTHER_KNOWN + 12,
      LS_FN_PROBE | LS_FN_HANDLE),
    F("LdrpFindLoadedDll", LS_FID_OTHER_KNOWN + 13, LS_FN_PROBE),
    F("LdrpFindLoadedDllInternal", LS_FID_OTHER_KNOWN + 14, LS_FN_PROBE),
    F("LdrpFindLoadedDllByName", LS_FID_OTHER_KNOWN + 15, LS_FN_PROBE),
    F("LdrpFindLoadedDllByHandle", LS_FID_OTHER_KNOWN + 16, LS_FN_PROBE),
    F("LdrShutdownProcess", LS_FID_SHUTDOWN, 0),
};
#undef F

/* An id for a loader function name (LS_FID_UNKNOWN for names not in the
 * table, which are then compared as strings) and what the trace must know
 * about it.  Length first, then the bytes: no string function calls. */
unsigned ldrsnap__func_id(const char *name, size_t len, unsigned *flags)
{
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++) {
        if (funcs[i].len == len && memcmp(funcs[i].name, name, len) == 0) {
            *flags = funcs[i].flags;
            return funcs[i].id;
        }
    }
    *flags = 0;
    return LS_FID_UNKNOWN;
}

unsigned ldrsnap__func_flags(const char *name)
{
    unsigned flags;
    ldrsnap__func_id(name, name ? strlen(name) : 0, &flags);
    return flags;
}

const char *ldrsnap_kind_name(ldrsnap_kind k)
{
    switch (k) {
    case LDRSNAP_K_OTHER:
        return "other";
    case LDRSNAP_K_DLL_NOT_FOUND:
        return "dll_not_found";
    case LDRSNAP_K_EXPORT_NOT_FOUND:
        return "export_not_found";
    case LDRSNAP_K_ORDINAL_NOT_FOUND:
        return "ordinal_not_found";
    case LDRSNAP_K_BAD_IMAGE:
        return "bad_image";
    case LDRSNAP_K_INIT_FAILED:
        return "init_failed";
    case LDRSNAP_K_ACCESS_DENIED:
        return "access_denied";
    case LDRSNAP_K_SXS:
        return "sxs";
    case LDRSNAP_K_PROCESS_INIT_FAILED:
        return "process_init_failed";
    }
    return "other";
}

const char *ldrsnap_role_name(ldrsnap_role r)
{
    switch (r) {
    case LDRSNAP_ROLE_ROOT_CAUSE:
        return "root_cause";
    case LDRSNAP_ROLE_CONSEQUENCE:
        return "consequence";
    case LDRSNAP_ROLE_HANDLED:
        return "handled";
    case LDRSNAP_ROLE_NOISE:
        return "noise";
    }
    return "noise";
}

const char *ldrsnap_confidence_name(ldrsnap_confidence c)
{
    switch (c) {
    case LDRSNAP_CONF_HIGH:
        return "high";
    case LDRSNAP_CONF_MEDIUM:
        return "medium";
    case LDRSNAP_CONF_LOW:
        return "low";
    }
    return "low";
}
