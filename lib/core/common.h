/*
 * core/common.h - the small types every stage may see.
 *
 * libc only, plain data.  The ids of the loader functions the stages tell
 * apart; ls_note: what was learnt of a record before the analyzer takes
 * it (on the tokenizer thread, say), travelling with it; ls_gate: what a
 * rule set asks of the stages before the rules, compiled by rules/gate.c
 * and read without PCRE2; ls_sink: the one way results leave the trace,
 * the verdicts and the rules (the analyzer implements it, and no stage
 * sees the analyzer behind it).
 */
#ifndef LDRSNAP_CORE_COMMON_H
#define LDRSNAP_CORE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"
#include "ldrsnap.h"

/* Internal option bits, beside the public LDRSNAP_OPT_* in
 * ldrsnap_options.flags, for the tests and the fuzz targets.
 * LS_OPT_NO_FAST_LINES: every line the general way (text.c's offer of
 * whole ASCII lines to the parser, the parser's fast ways on one thread
 * and on the tokenizer's, the UTF-16LE ASCII pass): the oracle the fast
 * ways are compared against.  LS_OPT_NO_COMPACT: the fast ways send no
 * compact item (parse/item.h) to the tokenizer's batches, only records
 * as lexed: the oracle of the compact decoders.  LS_OPT_NO_FAST_ANALYSIS:
 * the analyzing thread's fast ways off (the rules' literal scan of lines
 * past ASCII, ...): their oracle. */
#define LS_OPT_NO_FAST_LINES 0x80000000u
#define LS_OPT_NO_COMPACT 0x40000000u
#define LS_OPT_NO_FAST_ANALYSIS 0x20000000u
/* LS_OPT_NO_RUNS: the fast way reads a line after a capture tool's prefix
 * as it reads the first of its run (on_fast_line()), not by the prefix
 * the line before had: their oracle. */
#define LS_OPT_NO_RUNS 0x10000000u
/* LS_OPT_NO_WIDE_PREFIX: a plain record after a prefix past ASCII (and
 * ASCII after it) goes the general way, as any line past ASCII, not as a
 * compact item: its oracle. */
#define LS_OPT_NO_WIDE_PREFIX 0x08000000u
/* LS_OPT_NO_FAST_HELD: an 80-column line held for a wrapped rest that no
 * rest joined goes the general way (emit_logical()), not the fast way of
 * any other line: its oracle. */
#define LS_OPT_NO_FAST_HELD 0x04000000u
/* LS_OPT_NO_PREFIX_ITEMS: an INFO or init record of a usual shape after
 * a capture tool's prefix goes the general way, not as a compact item
 * (LS_ITEM_INFO, LS_ITEM_INIT): their oracle. */
#define LS_OPT_NO_PREFIX_ITEMS 0x02000000u
/* LS_OPT_NO_ERROR_ITEMS: an ERROR record of a usual shape ("Unable to
 * load DLL", "Process initialization failed", ...) goes the general way,
 * not as a compact item (LS_ITEM_INFO): their oracle. */
#define LS_OPT_NO_ERROR_ITEMS 0x01000000u
/* LS_OPT_NO_COLUMNS: a plain record after DebugView's columns is found as
 * any record after a prefix (on_fast_other()'s search for its start),
 * not read after the columns at once (ls_columns_len()): their oracle. */
#define LS_OPT_NO_COLUMNS 0x00800000u
/* LS_OPT_NO_PEEK: a failure record the fast way finds (a Vista ERROR or
 * WARNING, an INFO ending in hex digits, an XP "fail") is held for an
 * indented rest even when the next line's first byte, in the same bytes,
 * says it cannot be one (no blank, no quote mark): their oracle. */
#define LS_OPT_NO_PEEK 0x00400000u
/* LS_OPT_NO_RUN_LOOP: each line after a usual plain record at 0 is offered
 * to the fast way on its own (on_fast_line()), not taken with the lines
 * after it in one loop while they are such records too (on_fast_run()):
 * its oracle. */
#define LS_OPT_NO_RUN_LOOP 0x00200000u

#define LS_UNUSED(x) ((void)(x))
#define LS_MIN(a, b) ((a) < (b) ? (a) : (b))

/* For a small helper of a per-line path that the compiler would call. */
#ifdef __GNUC__
#define LS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define LS_ALWAYS_INLINE inline
#endif
/* For a path of a few lines that must not grow its per-line caller (whose
 * other inlined helpers would then go out of line). */
#ifdef __GNUC__
#define LS_NOINLINE __attribute__((noinline))
#else
#define LS_NOINLINE
#endif

/* Known loader function names and what the trace must know about them. */
enum ls_func_flags {
    LS_FN_PROBE = 0x1,     /* a failing RETURN is a probe miss */
    LS_FN_TOP = 0x2,       /* a top-level request (LdrLoadDll) */
    LS_FN_SEARCH = 0x4,    /* the whole path search (LdrpSearchPath) */
    LS_FN_HANDLE = 0x8,    /* GetModuleHandle-style lookup */
    LS_FN_MAP = 0x10,      /* maps an image: a failure is a real one */
    LS_FN_LOAD = 0x20      /* the loader's own entry of a load, when
                              LdrLoadDll is not printed */
};

/* Ids of the functions the trace tells apart; LS_FID_UNKNOWN is compared
 * by name. */
enum ls_func_id {
    LS_FID_UNKNOWN = 0,
    LS_FID_LOADDLL,
    LS_FID_RESOLVE,
    LS_FID_SEARCH,
    LS_FID_SHUTDOWN,
    LS_FID_OTHER_KNOWN, /* and up */
    LS_FID_LIMIT = 64   /* ids stay below (the rules keep them in a mask) */
};

/* What was learnt of a record before the analyzer takes it: by the
 * tokenizer thread for a compact item, else by the parser, else nothing
 * (the analyzer works out the rest). */
typedef struct ls_note {
    unsigned fid, fflags;    /* ldrsnap__func_id() of rec->function */
    size_t text_len;         /* strlen(rec->text); SIZE_MAX: not known */
    size_t dll_len;          /* strlen(rec->dll); SIZE_MAX: not known */
    bool has_fid;            /* fid and fflags are set */
    bool watched;            /* the line may hold one of the bytes the
                                rules watch for (ls_gate) */
    bool gated;              /* its shape told whether a rule could start
                                on it: rules_may */
    bool rules_may;
} ls_note;

/* A note that knows nothing: the line may hold anything. */
#define LS_NOTE_NONE                                                      \
    ((ls_note){LS_FID_UNKNOWN, 0, SIZE_MAX, SIZE_MAX, false, true, false, \
               true})

/* Where a record goes, with its note: returns 0, or an error that stops
 * the stage sending it. */
typedef int (*ls_record_fn)(void *ctx, const ldrsnap_record *rec,
                            const ls_note *note);

/* The bucket hash of a status in ls_gate.return_status: 6 bits. */
#define LS_STATUS_BITS 6

/* What a rule set asks of the stages before the rules, as plain data
 * (rules/gate.c builds it; its header lists the prefilter layers in the
 * order a line meets them).  All false and zero: no rules. */
typedef struct ls_gate {
    bool on;                         /* there are rules */
    /* The bytes a line must hold for a rule's first step to start on it
     * by its literal (ASCII, at most four; 0: every line may).  line_: any
     * line (text/ marks them per chunk); name_: the names of plain ENTER
     * and RETURN records, whose frame holds none of them (0 otherwise) */
    unsigned char line_bytes[4], name_bytes[4];
    size_t nline_bytes, nname_bytes;
    /* Could a rule's first step start on a record of this shape? */
    bool enter_may[LS_FID_LIMIT];    /* Vista ENTER "DLL name:", by fid */
    bool init_may[LS_FID_LIMIT];     /* "Calling init routine", by fid */
    bool modload_may;                /* a debugger ModLoad line */
    /* The RETURN gate: a Vista RETURN of function fid with status s may
     * start a rule when return_any[fid], or when bit
     * ls_hash_bits(s, LS_STATUS_BITS) of return_status[fid] is set. */
    bool return_any[LS_FID_LIMIT];
    uint64_t return_status[LS_FID_LIMIT];
} ls_gate;

/* Could a rule start on a Vista RETURN of function fid with status s? */
static inline bool ls_gate_return_may(const ls_gate *g, unsigned fid,
                                      uint32_t s)
{
    return g->return_any[fid] ||
           (g->return_status[fid] >> ls_hash_bits(s, LS_STATUS_BITS) & 1);
}

/* Where the results of a stage go.  Each function returns 0, or an error
 * (< 0) that stops the stage and is returned by it. */
typedef struct ls_sink {
    /* a failure, with its role (noise at once, the others when their
     * process is judged) */
    int (*failure)(void *ctx, const ldrsnap_failure *f);
    /* an exception, as it is read */
    int (*exception)(void *ctx, const ldrsnap_exception *e);
    /* a rule's signature, once its last step matched */
    int (*signature)(void *ctx, const ldrsnap_signature *sig);
    void *ctx;
    /* a rule whose pattern gave up at a PCRE2 limit (once per rule): sig
     * names it, sig->line the log line; may be NULL */
    int (*rule_limit)(void *ctx, const ldrsnap_signature *sig);
    /* a process was judged (after its failures), with its verdict or
     * none; may be NULL */
    int (*process_end)(void *ctx, const ldrsnap_process *p);
} ls_sink;

/* True on a tokenizer thread (pipe/pipeline.c sets it as the thread
 * starts): its reads already overlap the analysis, so a source read
 * there does its work in place (source.c inflates a large .gz straight
 * into the tokenizer's block instead of on a thread of its own, then
 * copied out of that thread's slots). */
extern _Thread_local bool ldrsnap__tokenizer_thread;

#endif
