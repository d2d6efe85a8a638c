/*
 * status.c - what the loader's statuses and functions mean: the failure
 * kind a status implies, and the loader functions the trace tells apart.
 * Names of codes come from the generated table (codes.c, errtab.c).
 */
#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/ldrsnap_internal.h"
#include "codes/status.h"

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

/* The loader functions the trace tells apart: name, id, LS_FN_* flags. */
#define LS_FUNCS(X)                                                          \
    X("LdrLoadDll", LS_FID_LOADDLL, LS_FN_TOP) \
    X("LdrpLoadDllInternal", LS_FID_OTHER_KNOWN, LS_FN_LOAD) \
    X("LdrpLoadDll", LS_FID_OTHER_KNOWN + 1, LS_FN_LOAD) \
    X("LdrpFindOrMapDll", LS_FID_OTHER_KNOWN + 2, 0) \
    X("LdrpResolveDllName", LS_FID_RESOLVE, LS_FN_PROBE) \
    X("LdrpSearchPath", LS_FID_SEARCH, LS_FN_SEARCH) \
    X("LdrpFindKnownDll", LS_FID_OTHER_KNOWN + 3, LS_FN_PROBE) \
    X("LdrpMinimalMapModule", LS_FID_OTHER_KNOWN + 4, LS_FN_MAP) \
    X("LdrpMapViewOfSection", LS_FID_OTHER_KNOWN + 5, LS_FN_MAP) \
    X("LdrpMapDll", LS_FID_OTHER_KNOWN + 6, LS_FN_MAP) \
    X("LdrpMapDllNtFileName", LS_FID_OTHER_KNOWN + 7, LS_FN_MAP) \
    X("LdrpMapDllWithSectionHandle", LS_FID_OTHER_KNOWN + 8, LS_FN_MAP) \
    X("LdrGetDllHandleEx", LS_FID_OTHER_KNOWN + 9,                   \
      LS_FN_PROBE | LS_FN_HANDLE)                                          \
    X("LdrGetDllHandle", LS_FID_OTHER_KNOWN + 10,                   \
      LS_FN_PROBE | LS_FN_HANDLE)                                          \
    X("LdrGetDllHandleByName", LS_FID_OTHER_KNOWN + 11,                   \
      LS_FN_PROBE | LS_FN_HANDLE)                                          \
    X("LdrGetDllHandleByMapping", LS_FID_OTHER_KNOWN + 12,                   \
      LS_FN_PROBE | LS_FN_HANDLE)                                          \
    X("LdrpFindLoadedDll", LS_FID_OTHER_KNOWN + 13, LS_FN_PROBE) \
    X("LdrpFindLoadedDllInternal", LS_FID_OTHER_KNOWN + 14, LS_FN_PROBE) \
    X("LdrpFindLoadedDllByName", LS_FID_OTHER_KNOWN + 15, LS_FN_PROBE) \
    X("LdrpFindLoadedDllByHandle", LS_FID_OTHER_KNOWN + 16, LS_FN_PROBE) \
    X("LdrShutdownProcess", LS_FID_SHUTDOWN, 0)                              \
    X("LdrpInitializeNode", LS_FID_OTHER_KNOWN + 17, 0)                     \
    X("LdrpRunInitializeRoutines", LS_FID_OTHER_KNOWN + 18, 0)

#define F(name, id, flags) {name, sizeof(name) - 1, id, flags},
static const func_info funcs[] = {LS_FUNCS(F)};
#undef F

/* By id (an id past the array would not compile). */
#define N(name, id, flags) [id] = name,
const char *const ldrsnap__fid_names[LS_FID_LIMIT] = {LS_FUNCS(N)};
#undef N

/* The longest name the table takes: a longer one in LS_FUNCS does not
 * compile. */
#define FUNC_MAX_LEN 27
#define L(name, id, flags)                                                  \
    _Static_assert(sizeof(name) - 1 <= FUNC_MAX_LEN,                        \
                   name " is longer than FUNC_MAX_LEN");
LS_FUNCS(L)
#undef L
#define FUNC_MIN_LEN 8
#define L(name, id, flags)                                                  \
    _Static_assert(sizeof(name) - 1 >= FUNC_MIN_LEN,                        \
                   name " is shorter than FUNC_MIN_LEN");
LS_FUNCS(L)
#undef L

/* Each name at the slot of its hash, with what a look-up compares: its
 * first three words and its last (from a zero-padded copy), its length,
 * id and flags, in one line.  The hash's multiplier is the first from
 * HASH_MUL on (by steps of two) that puts every name of the table in a
 * slot of its own, found at first use (by_hash_ready): a look-up reads
 * one slot, with no loop.  (The table is fixed: so is the multiplier;
 * about ten tries.) */
#define BY_HASH_BITS 7
#define BY_HASH_SLOTS (1u << BY_HASH_BITS) /* > 4 times the names */
#define HASH_MUL 0x9E3779B97F4A7C15ull
typedef struct func_slot {
    uint64_t w[3];             /* bytes 0-7, 8-15, 16-23 */
    uint64_t last;             /* bytes len-8 to len-1 */
    unsigned flags;
    unsigned char len, id;     /* len 0: no name */
} func_slot;
static func_slot by_hash[BY_HASH_SLOTS];
static uint64_t by_hash_mul;
static atomic_int by_hash_ready; /* 0, 1: being built, 2: built */

static inline uint64_t word_at(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

/* The slot of a name of FUNC_MIN_LEN bytes or more: from its length and
 * its last eight bytes (the first ones are "Ldr" in every name). */
static inline unsigned name_slot(uint64_t last, size_t len, uint64_t mul)
{
    return (unsigned)(((last ^ len) * mul) >> (64 - BY_HASH_BITS));
}

static void by_hash_build(void)
{
    int expect = 0;
    if (!atomic_compare_exchange_strong(&by_hash_ready, &expect, 1)) {
        while (atomic_load_explicit(&by_hash_ready, memory_order_acquire) !=
               2)
            ; /* another thread builds it: a few thousand instructions */
        return;
    }
    enum { NFUNCS = sizeof funcs / sizeof funcs[0] };
    _Static_assert(NFUNCS * 4 < BY_HASH_SLOTS, "BY_HASH_SLOTS too small");
    func_slot one[NFUNCS];
    for (size_t i = 0; i < NFUNCS; i++) {
        char pad[32] = {0};
        size_t len = funcs[i].len;
        memcpy(pad, funcs[i].name, len);
        one[i] = (func_slot){{word_at(pad), word_at(pad + 8),
                              word_at(pad + 16)},
                             word_at(pad + len - 8),
                             funcs[i].flags,
                             funcs[i].len,
                             funcs[i].id};
    }
    for (uint64_t mul = HASH_MUL;; mul += 2) {
        memset(by_hash, 0, sizeof by_hash);
        size_t i = 0;
        for (; i < NFUNCS; i++) {
            func_slot *f = &by_hash[name_slot(one[i].last, one[i].len, mul)];
            if (f->len)
                break; /* taken: the next multiplier */
            *f = one[i];
        }
        if (i == NFUNCS) {
            by_hash_mul = mul;
            break;
        }
    }
    atomic_store_explicit(&by_hash_ready, 2, memory_order_release);
}

/* An id for a loader function name (LS_FID_UNKNOWN for names not in the
 * table, which are then compared as strings) and what the trace must know
 * about it.  The name's bytes are read in words, none past its end: its
 * first and last words, and its second and third when it is longer than
 * 16 and 24 bytes: together every byte (a slot's bytes past its name are
 * zeros, and compared only where the name's are). */
static LS_NOINLINE unsigned func_id_first(const char *name, size_t len,
                                           unsigned *flags)
{
    by_hash_build();
    return ldrsnap__func_id(name, len, flags);
}

unsigned ldrsnap__func_id(const char *name, size_t len, unsigned *flags)
{
    /* the table's building out of line: this is a leaf, saving no
     * register */
    if (atomic_load_explicit(&by_hash_ready, memory_order_acquire) != 2)
        return func_id_first(name, len, flags);
    if (len >= FUNC_MIN_LEN && len <= FUNC_MAX_LEN) {
        uint64_t last = word_at(name + len - 8);
        const func_slot *f = &by_hash[name_slot(last, len, by_hash_mul)];
        uint64_t diff = (f->len ^ len) | (f->last ^ last) |
                        (f->w[0] ^ word_at(name));
        if (len > 16)
            diff |= f->w[1] ^ word_at(name + 8);
        if (len > 24)
            diff |= f->w[2] ^ word_at(name + 16);
        if (!diff) {
            *flags = f->flags;
            return f->id;
        }
    }
    *flags = 0;
    return LS_FID_UNKNOWN;
}

/* For the tests: every name of the table, in order; NULL past the end. */
const char *ldrsnap__func_name(size_t i)
{
    return i < sizeof funcs / sizeof funcs[0] ? funcs[i].name : NULL;
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
