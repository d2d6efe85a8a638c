/*
 * ldrsnap.h - turn Windows loader-snaps logs into answers.
 *
 * This is the only public header of libldrsnap. The library reads the
 * output of the Windows loader's "show loader snaps" tracing (gflags +sls,
 * ntdll!LdrpDebugFlags) as captured by ntsd, cdb, WinDbg, Visual Studio or
 * any other debugger, and tells which DLL failed to load, why, on which
 * thread and for whom.
 *
 * Layers, each usable on its own:
 *
 *   ldrsnap_parser    bytes -> records (tokens): encoding detection, line
 *                     splitting, prefix stripping, dialect classification
 *                     and payload fields.  Feed any chunk boundaries.
 *   ldrsnap_analyzer  bytes -> events: per-process and per-thread loader
 *                     state, failures with their role (root cause,
 *                     consequence, handled, noise), debugger exceptions and
 *                     one verdict per failing process.
 *   ldrsnap_batch     paths and buffers -> entries: files, directories,
 *                     standard input, compressed files and archive members
 *                     (nested too), each a named input to analyze.
 *
 * Conventions
 *   - Fallible calls return int: LDRSNAP_OK (0), a negative LDRSNAP_E* code,
 *     or a documented positive non-error (LDRSNAP_DONE).
 *   - Handles are opaque and library-allocated; every *_free() accepts NULL.
 *   - Argument order: out-params, handle, inputs, callback, userdata.
 *   - Strings are UTF-8 and NUL-terminated.  Pointers inside result structs
 *     are borrowed: valid only until the callback returns (records, events)
 *     or until the handle is fed again or freed (summaries).
 *   - A handle may be used by one thread at a time; distinct handles are
 *     independent and may be used from different threads concurrently.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LDRSNAP_H
#define LDRSNAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LDRSNAP_VERSION_MAJOR 0
#define LDRSNAP_VERSION_MINOR 1
#define LDRSNAP_VERSION_PATCH 0
#define LDRSNAP_VERSION_NUMBER                                                 \
    (LDRSNAP_VERSION_MAJOR * 10000 + LDRSNAP_VERSION_MINOR * 100 +            \
     LDRSNAP_VERSION_PATCH)
#define LDRSNAP_VERSION_STRING "0.1.0"

/** Version of the JSON Lines output contract (design.md, "schema"). */
#define LDRSNAP_SCHEMA_VERSION 1

#if defined(_WIN32) && defined(LDRSNAP_DLL_EXPORT)
#define LDRSNAP_API __declspec(dllexport)
#elif defined(_WIN32) && defined(LDRSNAP_DLL_IMPORT)
#define LDRSNAP_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define LDRSNAP_API __attribute__((visibility("default")))
#else
#define LDRSNAP_API
#endif

/* ------------------------------------------------------------------------
 * Status codes.  Values are pinned: new codes get new numbers, retired
 * codes keep theirs.
 */
enum ldrsnap_status {
    LDRSNAP_OK = 0,
    LDRSNAP_DONE = 1,         /**< an iterator has no more entries */
    LDRSNAP_ENOMEM = -1,      /**< an allocation failed */
    LDRSNAP_EINVAL = -2,      /**< an argument is invalid */
    LDRSNAP_EMISUSE = -3,     /**< wrong handle, or a call out of order */
    LDRSNAP_ECALLBACK = -4,   /**< a callback returned non-zero */
    LDRSNAP_EIO = -5,         /**< an input could not be read */
    LDRSNAP_EFORMAT = -6,     /**< an input is corrupt (e.g. bad gzip) */
    LDRSNAP_ELIMIT = -7,      /**< an input exceeds a safety limit */
    LDRSNAP_ENOTFOUND = -8    /**< no such file, name or entry */
};

/**
 * Describe a status code.
 * @return a static string, never NULL ("unknown status" for other values).
 */
LDRSNAP_API const char *ldrsnap_strerror(int status);

/** @return LDRSNAP_VERSION_STRING of the library actually linked. */
LDRSNAP_API const char *ldrsnap_version(void);

/* ------------------------------------------------------------------------
 * Options, shared by every handle.
 */

/** An optional allocator; all three functions are required when given. */
typedef struct ldrsnap_allocator {
    void *(*malloc)(size_t size, void *ctx);
    void *(*realloc)(void *ptr, size_t size, void *ctx);
    void (*free)(void *ptr, void *ctx);
    void *ctx;
} ldrsnap_allocator;

#define LDRSNAP_OPTIONS_VERSION 1

/** Do not rejoin lines that a console wrapped at 80 columns. */
#define LDRSNAP_OPT_NO_WRAP_JOIN 0x1u
/** Do not split records glued onto one line. */
#define LDRSNAP_OPT_NO_GLUE_SPLIT 0x2u
/** Analyzer: count noise failures (probe misses) but do not report each
 *  as an event: logs hold thousands, and most callers only want the rest. */
#define LDRSNAP_OPT_QUIET_NOISE 0x4u
/** Analyzer: once an input passes 1 MiB (or a read of
 *  ldrsnap_analyzer_pull() gives 64 KiB), tokenize it on a second thread
 *  while the calling thread analyzes (about twice as fast on two cores).
 *  Every callback still runs on the calling thread, in input order, and
 *  the results are the same; a custom allocator must then be thread-safe.
 *  Ignored when max_line is above 1 MiB. */
#define LDRSNAP_OPT_THREADED 0x8u
/** Analyzer: also report an LDRSNAP_EV_PROCESS_END event as each process
 *  ends, right after its failures, carrying its verdict (every failing
 *  process's, also past LDRSNAP_MAX_VERDICTS): a caller can write its
 *  report a process at a time, in memory that does not grow with the
 *  log. */
#define LDRSNAP_OPT_PROCESS_EVENTS 0x10u
/** Analyzer: the summary keeps only the first LDRSNAP_FEW_VERDICTS
 *  verdicts (the rest counted in verdicts_dropped), for a caller that
 *  takes them from LDRSNAP_EV_PROCESS_END events. */
#define LDRSNAP_OPT_FEW_VERDICTS 0x20u

typedef struct ldrsnap_options {
    unsigned version;       /**< LDRSNAP_OPTIONS_VERSION */
    unsigned flags;         /**< LDRSNAP_OPT_* */
    size_t max_line;        /**< longest line kept, bytes; 0 = 64 KiB,
                                 SIZE_MAX/64 or more = no limit.  The
                                 rest of a longer line is dropped and the
                                 record flagged LDRSNAP_RF_CAPPED. */
    const ldrsnap_allocator *allocator; /**< NULL = malloc/realloc/free */
} ldrsnap_options;

#define LDRSNAP_OPTIONS_INIT { LDRSNAP_OPTIONS_VERSION, 0, 0, NULL }

/* ------------------------------------------------------------------------
 * Records: one per logical line of the log.
 */

/** The grammar a line belongs to. */
typedef enum ldrsnap_dialect {
    LDRSNAP_D_BLANK = 0,     /**< empty or whitespace only */
    LDRSNAP_D_VISTA = 1,     /**< pid:tid @ tick - Function - LEVEL: msg */
    LDRSNAP_D_XP = 2,        /**< LDR: ... (Windows XP / Server 2003) */
    LDRSNAP_D_DEBUGGER = 3,  /**< ModLoad, exception events, prompts... */
    LDRSNAP_D_IDE = 4,       /**< Visual Studio output window lines */
    LDRSNAP_D_CONTINUATION = 5, /**< continues the record before it on the
                                     same stream, whose pid, tid, tick,
                                     function and level it carries */
    LDRSNAP_D_OTHER = 6      /**< anything else (program output, notes) */
} ldrsnap_dialect;

/** Level of a Vista+ record. */
typedef enum ldrsnap_level {
    LDRSNAP_L_NONE = 0,
    LDRSNAP_L_ENTER,
    LDRSNAP_L_RETURN,
    LDRSNAP_L_INFO,
    LDRSNAP_L_WARNING,
    LDRSNAP_L_ERROR
} ldrsnap_level;

/**
 * What a record says.  The fields it fills are listed after each value;
 * values are pinned and new ones are only appended.
 */
typedef enum ldrsnap_msg {
    LDRSNAP_M_NONE = 0,          /**< nothing recognised in the payload */
    /* Vista+ (some also XP) */
    LDRSNAP_M_DLL_NAME,          /**< ENTER: dll [, search_path] */
    LDRSNAP_M_STATUS,            /**< RETURN: status [, status_orig] */
    LDRSNAP_M_UNABLE_TO_LOAD,    /**< dll, parent (NULL for "(null)"), status */
    LDRSNAP_M_ORIGINAL_STATUS,   /**< status before mapping */
    LDRSNAP_M_IMPORTS_FAILED,    /**< walking the import tables failed: status */
    LDRSNAP_M_KNOWNDLLS_FAILED,  /**< \KnownDlls could not be opened: status */
    LDRSNAP_M_PROCESS_INIT_FAILED, /**< process initialization failed: status */
    LDRSNAP_M_PROC_NOT_FOUND,    /**< symbol not in the DLL at base */
    LDRSNAP_M_EXPORT_FAILED,     /**< symbol, parent (the importer), status */
    LDRSNAP_M_EXCEPTION_RAISED,  /**< symbol (the loader function), status */
    LDRSNAP_M_CALLING_INIT,      /**< dll, address (the init routine) */
    LDRSNAP_M_BEGIN_EXEC,        /**< dll (the image name), dll_path */
    LDRSNAP_M_INIT_PROCESS,      /**< address (the pid, Windows 7) */
    LDRSNAP_M_APISET,            /**< dll (the contract), dll_path (host) */
    LDRSNAP_M_SEARCH_PATH,       /**< search_path [, dll] */
    LDRSNAP_M_LOCATE_PROC,       /**< symbol (by name or "#ordinal") */
    LDRSNAP_M_MANIFEST_PROBE,    /**< dll */
    LDRSNAP_M_DETOUR,            /**< parallel loading disabled */
    LDRSNAP_M_LOADING_DLL,       /**< dll [, search_path] */
    LDRSNAP_M_MAPPED_DLL,        /**< dll, base */
    /* XP / Server 2003 */
    LDRSNAP_M_RECURSIVE_LOAD,    /**< header of a recursive-load report */
    LDRSNAP_M_RECURSIVE_DETAIL,  /**< dll; symbol names the role: "previous",
                                      "requested" or "initializing" */
    LDRSNAP_M_INIT_FAILED,       /**< dll, address: DLL_PROCESS_ATTACH failed */
    LDRSNAP_M_UNLOADING_FAILED,  /**< dll, status */
    LDRSNAP_M_LOAD_FAILING,      /**< dll [, status] */
    LDRSNAP_M_IMPORT_FAILED,     /**< dll (the import), status */
    LDRSNAP_M_SXS_PROBE_FAILED,  /**< dll, status */
    LDRSNAP_M_REFCOUNT,          /**< dll, address (the new count) */
    LDRSNAP_M_UNINIT_LIST,       /**< process or DLL teardown begins */
    LDRSNAP_M_UNINIT_ENTRY,      /**< dll, dll_path */
    LDRSNAP_M_UNMAPPING,         /**< dll */
    LDRSNAP_M_USED_BY,           /**< dll, parent */
    LDRSNAP_M_SNAPPING,          /**< dll (exporter), parent (importer) */
    LDRSNAP_M_SNAP_WARNING,      /**< symbol, dll */
    LDRSNAP_M_INIT_LIST,         /**< the list of init routines follows */
    LDRSNAP_M_BINDING,           /**< dll, parent */
    LDRSNAP_M_FAILURE_TEXT,      /**< some other "failed" line [, status] */
    /* debugger */
    LDRSNAP_M_MODLOAD,           /**< base, end, dll_path, dll */
    LDRSNAP_M_EXCEPTION,         /**< status (the code), chance, symbol (the
                                      debugger's description) */
    LDRSNAP_M_PROMPT,            /**< symbol (the command typed) */
    LDRSNAP_M_REGISTERS,
    LDRSNAP_M_BANNER,
    /* IDE */
    LDRSNAP_M_IDE_LOADED,        /**< dll_path, dll, image (the process) */
    LDRSNAP_M_IDE_UNLOADED,      /**< dll_path, dll, image */
    LDRSNAP_M_IDE_THREAD_EXIT,   /**< tid, status (the exit code) */
    LDRSNAP_M_IDE_PROGRAM_EXIT,  /**< pid, image, status, symbol (text) */
    LDRSNAP_M_IDE_BREAKPOINT,    /**< image */
    /* editorial */
    LDRSNAP_M_ELISION,           /**< "...", "[SNIP]": lines were left out */
    LDRSNAP_M_SHELL_COMMAND,     /**< "$ cdb ... | grep": the capture command */
    /* added in 0.x: newer and older vocabularies, process boundaries */
    LDRSNAP_M_INIT_ROUTINE_FAILED, /**< dll, address: "Init routine ... for
                                        DLL ... failed during
                                        DLL_PROCESS_ATTACH" (Windows 10/11) */
    LDRSNAP_M_SUBSYSTEM_FAILED,  /**< dll, status: "Loading Windows subsystem
                                      DLL ... failed" */
    LDRSNAP_M_PROCESS_START,     /**< XP "PID: 0x... started - '...'" (pid
                                      and dll, the image) or "NEW PROCESS" */
    LDRSNAP_M_COMMAND_LINE       /**< a debugger's "CommandLine:": a
                                      debugging session begins (symbol: the
                                      command line) */
} ldrsnap_msg;

/* ldrsnap_record.flags */
#define LDRSNAP_RF_PID 0x0001u       /**< pid is set */
#define LDRSNAP_RF_TID 0x0002u       /**< tid is set */
#define LDRSNAP_RF_TICK 0x0004u      /**< tick is set */
#define LDRSNAP_RF_STATUS 0x0008u    /**< status is set */
#define LDRSNAP_RF_STATUS_ORIG 0x0010u /**< status_orig is set */
#define LDRSNAP_RF_BASE 0x0020u      /**< base (and for ModLoad end) is set */
#define LDRSNAP_RF_ADDRESS 0x0040u   /**< address is set */
#define LDRSNAP_RF_COMPACT 0x0080u   /**< Windows 11 compact second line */
#define LDRSNAP_RF_CUT 0x0100u       /**< the record stops short (truncated
                                          log, elided tail) */
#define LDRSNAP_RF_CAPPED 0x0200u    /**< the line exceeded max_line */
#define LDRSNAP_RF_JOINED 0x0400u    /**< rejoined from 80-column wraps */
#define LDRSNAP_RF_SPLIT 0x0800u     /**< split off a line holding several
                                          glued records */
#define LDRSNAP_RF_RECODED 0x1000u   /**< invalid UTF-8 or NUL bytes were
                                          replaced (as CP1252 / U+FFFD) */
#define LDRSNAP_RF_SECOND_CHANCE 0x2000u /**< exception: second chance */

/**
 * One record.  Every pointer is borrowed and valid only until the record
 * callback returns; copy with ldrsnap_record_dup().  String fields that do
 * not apply are NULL.
 */
typedef struct ldrsnap_record {
    ldrsnap_dialect dialect;
    ldrsnap_msg msg;
    ldrsnap_level level;
    unsigned flags;         /**< LDRSNAP_RF_* */
    uint64_t line;          /**< 1-based line in the original input */
    uint64_t offset;        /**< byte offset of that line in the input */
    uint32_t pid, tid;      /**< when LDRSNAP_RF_PID / _TID */
    uint64_t tick;          /**< Vista+ millisecond tick, LDRSNAP_RF_TICK */
    uint32_t status;        /**< NTSTATUS / code, LDRSNAP_RF_STATUS */
    uint32_t status_orig;   /**< status before mapping, _STATUS_ORIG */
    uint64_t base, end;     /**< image range, LDRSNAP_RF_BASE */
    uint64_t address;       /**< init routine, count, pid... _ADDRESS */
    const char *text;       /**< the line without prefix and trailing blanks */
    const char *raw;        /**< the whole line as read (after decoding) */
    const char *prefix;     /**< what a capture tool put before the record
                                 ("" when none) */
    const char *function;   /**< Vista+ loader function name */
    const char *message;    /**< Vista+/XP payload after "LEVEL: "/"LDR: " */
    const char *dll;        /**< DLL name or path as the loader printed it */
    const char *dll_path;   /**< full path when the line gives one */
    const char *parent;     /**< importing / parent module */
    const char *symbol;     /**< procedure, description or command */
    const char *search_path;/**< ;-separated search path */
    const char *image;      /**< process image name (IDE lines, prefixes) */
} ldrsnap_record;

/** @return "vista", "xp", "debugger", "ide", "continuation", "other" or
 *  "blank". */
LDRSNAP_API const char *ldrsnap_dialect_name(ldrsnap_dialect d);
/** @return the name of a ldrsnap_msg value, e.g. "unable_to_load". */
LDRSNAP_API const char *ldrsnap_msg_name(ldrsnap_msg m);
/** @return "ENTER", "RETURN", "INFO", "WARNING", "ERROR" or "". */
LDRSNAP_API const char *ldrsnap_level_name(ldrsnap_level l);

/**
 * Copy a record and every string it points to into one allocation.
 * @return LDRSNAP_OK, LDRSNAP_EINVAL or LDRSNAP_ENOMEM.
 */
LDRSNAP_API int ldrsnap_record_dup(ldrsnap_record **out,
                                   const ldrsnap_record *rec);
/** Release a copy made by ldrsnap_record_dup(); NULL is accepted. */
LDRSNAP_API void ldrsnap_record_free(ldrsnap_record *rec);

/**
 * Called once per record, in input order.  Return 0 to go on; any other
 * value stops the parser, whose call then returns LDRSNAP_ECALLBACK.
 */
typedef int (*ldrsnap_record_cb)(const ldrsnap_record *rec, void *userdata);

/* ------------------------------------------------------------------------
 * Parser: the tokenizer on its own.
 */
typedef struct ldrsnap_parser ldrsnap_parser;

/**
 * Create a parser.
 * @param out      receives the handle
 * @param opts     NULL for defaults
 * @param cb       called for each record (required)
 * @param userdata passed to cb
 * @return LDRSNAP_OK, LDRSNAP_EINVAL or LDRSNAP_ENOMEM.
 */
LDRSNAP_API int ldrsnap_parser_new(ldrsnap_parser **out,
                                   const ldrsnap_options *opts,
                                   ldrsnap_record_cb cb, void *userdata);

/**
 * Feed bytes.  Chunks may split lines, UTF-16 code units or CRLF pairs
 * anywhere: the records are the same whatever the chunking.  Memory stays
 * bounded by max_line whatever the input.
 * @return LDRSNAP_OK, LDRSNAP_ECALLBACK, LDRSNAP_ENOMEM or LDRSNAP_EMISUSE
 *         (after finish or after an error).
 */
LDRSNAP_API int ldrsnap_parser_feed(ldrsnap_parser *p, const void *buf,
                                    size_t len);

/** Flush the last line (which needs no final newline).  Call once. */
LDRSNAP_API int ldrsnap_parser_finish(ldrsnap_parser *p);

/** @return a message for the last error on p ("" when none). */
LDRSNAP_API const char *ldrsnap_parser_errmsg(const ldrsnap_parser *p);

/** @return "utf-8", "utf-16le", "utf-16be" or "cp1252" (UTF-8 holding
 *  invalid bytes), once known; "unknown" before the first bytes. */
LDRSNAP_API const char *ldrsnap_parser_encoding(const ldrsnap_parser *p);

/** @return the number of lines and bytes seen so far. */
LDRSNAP_API uint64_t ldrsnap_parser_lines(const ldrsnap_parser *p);
LDRSNAP_API uint64_t ldrsnap_parser_bytes(const ldrsnap_parser *p);

LDRSNAP_API void ldrsnap_parser_free(ldrsnap_parser *p);

/* ------------------------------------------------------------------------
 * Analyzer: failures, roles and verdicts.
 */

/** What kind of loader failure. */
typedef enum ldrsnap_kind {
    LDRSNAP_K_OTHER = 0,
    LDRSNAP_K_DLL_NOT_FOUND,
    LDRSNAP_K_EXPORT_NOT_FOUND,
    LDRSNAP_K_ORDINAL_NOT_FOUND,
    LDRSNAP_K_BAD_IMAGE,
    LDRSNAP_K_INIT_FAILED,
    LDRSNAP_K_ACCESS_DENIED,
    LDRSNAP_K_SXS,
    LDRSNAP_K_PROCESS_INIT_FAILED
} ldrsnap_kind;

/** What a failure means for the process. */
typedef enum ldrsnap_role {
    LDRSNAP_ROLE_ROOT_CAUSE = 0,  /**< why the process failed */
    LDRSNAP_ROLE_CONSEQUENCE,     /**< caused by a root cause */
    LDRSNAP_ROLE_HANDLED,         /**< the program went on after it */
    LDRSNAP_ROLE_NOISE            /**< a probe miss: the search went on */
} ldrsnap_role;

/** How strongly the log supports a finding. */
typedef enum ldrsnap_confidence {
    LDRSNAP_CONF_HIGH = 0,   /**< the loader says so in so many words */
    LDRSNAP_CONF_MEDIUM,     /**< follows from several lines together */
    LDRSNAP_CONF_LOW         /**< the log stops where this would fail */
} ldrsnap_confidence;

/* ldrsnap_failure.flags and ldrsnap_exception.flags */
#define LDRSNAP_FF_PID 0x1u
#define LDRSNAP_FF_TID 0x2u
#define LDRSNAP_FF_STATUS 0x4u
#define LDRSNAP_FF_SECOND_CHANCE 0x8u
#define LDRSNAP_FF_BENIGN 0x10u /**< exception: a debugger break, single
                                     step or debug print, not a failure */

/**
 * A failure.  Borrowed pointers, valid until the event callback returns.
 */
typedef struct ldrsnap_failure {
    uint64_t line;            /**< 1-based line of the failure */
    uint32_t pid, tid;        /**< when LDRSNAP_FF_PID / _TID */
    unsigned flags;           /**< LDRSNAP_FF_* */
    ldrsnap_kind kind;
    ldrsnap_role role;
    ldrsnap_confidence confidence;
    uint32_t status;          /**< when LDRSNAP_FF_STATUS */
    const char *status_name;  /**< e.g. "STATUS_DLL_NOT_FOUND", or NULL */
    const char *dll;          /**< the failing DLL as the loader named it */
    const char *dll_path;     /**< its full path when known */
    const char *parent;       /**< the module that needed it */
    const char *symbol;       /**< missing procedure */
    const char *const *chain; /**< load chain, outermost first */
    size_t chain_len;
    const char *text;         /**< the line */
    const char *note;         /**< why this role, in a sentence */
} ldrsnap_failure;

/** A debugger exception event, "(pid.tid): ... - code X (first chance)". */
typedef struct ldrsnap_exception {
    uint64_t line;
    uint32_t pid, tid;
    unsigned flags;           /**< LDRSNAP_FF_* */
    uint32_t code;
    const char *code_name;    /**< or NULL */
    const char *description;  /**< the debugger's words, e.g. "Unknown
                                   exception" */
    const char *dll;          /**< module the thread was loading, or NULL:
                                   a context, not a loader status */
    const char *text;
} ldrsnap_exception;

/** A known problem recognised by a rule (see ldrsnap_rules). */
typedef struct ldrsnap_signature {
    const char *id;
    const char *title;        /**< with ${captures} filled in */
    const char *severity;     /**< "info", "low", "medium", "high", "critical" */
    const char *explanation;  /**< with ${captures} filled in */
    const char *advice;       /**< with ${captures} filled in */
    const char *const *references;
    size_t n_references;
    uint64_t line;            /**< first evidence line */
    const uint64_t *lines;    /**< every evidence line, in order */
    size_t n_lines;
    uint32_t pid, tid;        /**< when LDRSNAP_FF_PID / _TID */
    unsigned flags;
} ldrsnap_signature;

typedef enum ldrsnap_event_type {
    LDRSNAP_EV_FAILURE = 1,
    LDRSNAP_EV_EXCEPTION = 2,
    LDRSNAP_EV_SIGNATURE = 3,
    /** ldrsnap_analyze_path() only: an input (a file, an archive member)
     *  is done: its summary, or why it was not analyzed (message). */
    LDRSNAP_EV_INPUT_END = 4,
    /** A rule's pattern gave up on a line at PCRE2's match, depth or heap
     *  limit (a pattern that backtracks without end, such as (a+)+$): the
     *  rule may miss a match there.  Once per rule and input;
     *  ev->signature names the rule (id, title, severity) and the line
     *  (line, pid, tid); its other fields are empty. */
    LDRSNAP_EV_RULE_LIMIT = 5,
    /** With LDRSNAP_OPT_PROCESS_EVENTS: a process ended (its pid began
     *  again, the program exited, it was evicted, the input ended).  Its
     *  failures came just before; ev->process says which process it was
     *  and carries its verdict, if it failed. */
    LDRSNAP_EV_PROCESS_END = 6
} ldrsnap_event_type;

struct ldrsnap_entry;
struct ldrsnap_summary;
struct ldrsnap_process;

typedef struct ldrsnap_event {
    ldrsnap_event_type type;
    const ldrsnap_failure *failure;     /**< LDRSNAP_EV_FAILURE */
    const ldrsnap_exception *exception; /**< LDRSNAP_EV_EXCEPTION */
    const ldrsnap_signature *signature; /**< LDRSNAP_EV_SIGNATURE and
                                             LDRSNAP_EV_RULE_LIMIT */
    /** ldrsnap_analyze_path(): the input every event comes from (its
     *  name is "dir/x.log" or "a.zip!dir/x.log"); NULL otherwise. */
    const struct ldrsnap_entry *input;
    /** LDRSNAP_EV_INPUT_END: the input's summary (NULL when it could not
     *  be read, or was skipped), and the error or why it was skipped
     *  (NULL when it was read whole). */
    const struct ldrsnap_summary *summary;
    const char *message;
    /** LDRSNAP_EV_PROCESS_END: the process that ended. */
    const struct ldrsnap_process *process;
} ldrsnap_event;

/**
 * Called for each event.  Noise failures and exceptions come as they are
 * read; every other failure comes from ldrsnap_analyzer_finish(), in line
 * order, once its role is known.  Return non-zero to stop
 * (LDRSNAP_ECALLBACK).  A callback must not call the analyzer that called
 * it: from inside a callback every ldrsnap_analyzer_* call that changes
 * it returns LDRSNAP_EMISUSE (the error message names the call) and
 * ldrsnap_analyzer_free() does nothing; the same holds for a parser's
 * record callback and ldrsnap_parser_feed/finish/free().
 */
typedef int (*ldrsnap_event_cb)(const ldrsnap_event *ev, void *userdata);

/** The verdict for one failing process. */
typedef struct ldrsnap_verdict {
    uint32_t pid;             /**< 0 when the log gives none */
    unsigned flags;           /**< LDRSNAP_FF_PID, _TID, _STATUS */
    uint32_t tid;
    ldrsnap_kind kind;
    ldrsnap_confidence confidence;
    uint32_t status;
    const char *status_name;
    const char *dll, *dll_path, *parent, *symbol;
    const char *const *chain;
    size_t chain_len;
    uint64_t line;
    const char *text;
    const char *note;
    const char *image;        /**< the process image name, when known */
} ldrsnap_verdict;

/** A process that ended (LDRSNAP_EV_PROCESS_END), valid during the
 *  callback.  Its failures, exceptions and signatures carry the same pid
 *  (or none, without LDRSNAP_FF_PID). */
typedef struct ldrsnap_process {
    uint32_t pid;             /**< when LDRSNAP_FF_PID */
    unsigned flags;           /**< LDRSNAP_FF_PID */
    const char *image;        /**< its image name, or NULL */
    uint64_t last_line;       /**< the last line that named it */
    const ldrsnap_verdict *verdict; /**< its verdict, or NULL: it did not
                                         fail */
} ldrsnap_process;

/** Per-input totals, valid after ldrsnap_analyzer_finish() until free. */
typedef struct ldrsnap_summary {
    uint64_t lines, bytes;
    const char *dialect;      /**< "vista", "xp", "mixed" or "none" */
    const char *encoding;     /**< as ldrsnap_parser_encoding() */
    size_t processes;         /**< processes seen */
    size_t failures;          /**< failures of every role */
    size_t noise;             /**< of which noise */
    size_t handled;           /**< of which handled */
    size_t exceptions;
    size_t signatures;        /**< signatures recognised */
    size_t n_verdicts;
    const ldrsnap_verdict *verdicts; /**< one per failing process, the
                                          first LDRSNAP_MAX_VERDICTS */
    /* added in 0.x */
    uint64_t loader_lines;    /**< loader-snaps records (Vista+ and XP);
                                   0: the input holds none at all, which
                                   is no "no failure found" */
    uint64_t host_lines;      /**< debugger and IDE lines (ModLoad,
                                   banners, exceptions, Visual Studio's
                                   module and exit lines) */
    const char *program;      /**< the program the log names first (a
                                   debugger's CommandLine, an IDE session,
                                   the loader's own lines), or NULL */
    int truncated;            /**< nonzero: the input ended early (the read
                                   of ldrsnap_analyzer_pull() failed part
                                   way, as for a truncated .gz): the
                                   analysis covers what was read */
    size_t verdicts_dropped;  /**< failing processes past those, counted:
                                   memory stays bounded however many
                                   processes fail */
} ldrsnap_summary;

/** Verdicts an analyzer keeps (ldrsnap_summary.verdicts). */
#define LDRSNAP_MAX_VERDICTS 10000
/** Verdicts kept with LDRSNAP_OPT_FEW_VERDICTS. */
#define LDRSNAP_FEW_VERDICTS 64

typedef struct ldrsnap_analyzer ldrsnap_analyzer;

/**
 * Create an analyzer.  It owns a parser; records are also passed to
 * record_cb when one is set with ldrsnap_analyzer_set_record_cb().
 * @return LDRSNAP_OK, LDRSNAP_EINVAL or LDRSNAP_ENOMEM.
 */
LDRSNAP_API int ldrsnap_analyzer_new(ldrsnap_analyzer **out,
                                     const ldrsnap_options *opts,
                                     ldrsnap_event_cb cb, void *userdata);

/** Also receive each record (before the analyzer sees it). */
LDRSNAP_API int ldrsnap_analyzer_set_record_cb(ldrsnap_analyzer *a,
                                               ldrsnap_record_cb cb,
                                               void *userdata);

/** Feed bytes; as ldrsnap_parser_feed(). */
LDRSNAP_API int ldrsnap_analyzer_feed(ldrsnap_analyzer *a, const void *buf,
                                      size_t len);

/**
 * Feed without a copy: *buf is room of the analyzer's own (*cap bytes, at
 * least 4 KiB) to read the next input into; ldrsnap_analyzer_commit()
 * then takes the first len bytes of it, as ldrsnap_analyzer_feed() would.
 * With LDRSNAP_OPT_THREADED the room is the tokenizer thread's next input
 * block, so the bytes are not copied again.  The room is valid until the
 * next call on the analyzer; calling ldrsnap_analyzer_buffer() again
 * without a commit gives the same room.
 * @return LDRSNAP_OK, LDRSNAP_EMISUSE or LDRSNAP_ENOMEM.
 */
LDRSNAP_API int ldrsnap_analyzer_buffer(ldrsnap_analyzer *a, void **buf,
                                        size_t *cap);

/** Take len bytes of the room ldrsnap_analyzer_buffer() gave (len <=
 * its cap; 0 is allowed).  @return as ldrsnap_analyzer_feed(), or
 * LDRSNAP_EMISUSE without a room, LDRSNAP_EINVAL when len is over. */
LDRSNAP_API int ldrsnap_analyzer_commit(ldrsnap_analyzer *a, size_t len);

/** Reads up to cap bytes into buf, *got = 0 at the end of the input;
 * returns 0, or a negative LDRSNAP_E* code, which ends the input (as
 * does *got > cap, with LDRSNAP_EINVAL). */
typedef int (*ldrsnap_read_fn)(void *ctx, void *buf, size_t cap,
                               size_t *got);

/**
 * Pull the rest of the input instead of feeding it: read() is called
 * until it gives 0 bytes or an error.  With LDRSNAP_OPT_THREADED, once
 * the reads have given 64 KiB, the tokenizer thread calls it, reading
 * straight into its own input blocks, and so does the calling thread
 * while it has nothing to analyze, a block ahead (read() must then be
 * safe to call from another thread, as a file descriptor is; it is never
 * called twice at once); every other callback still runs on the calling
 * thread.  What was read before an error is analyzed as any input; call
 * ldrsnap_analyzer_finish() after, in either case.
 * @return LDRSNAP_OK, read()'s error, or the analysis's.
 */
LDRSNAP_API int ldrsnap_analyzer_pull(ldrsnap_analyzer *a, ldrsnap_read_fn read,
                                      void *ctx);

/** End of input: decide roles and verdicts, emit the pending failures. */
LDRSNAP_API int ldrsnap_analyzer_finish(ldrsnap_analyzer *a);

/** @return the summary once finished, else NULL. */
LDRSNAP_API const ldrsnap_summary *
ldrsnap_analyzer_summary(const ldrsnap_analyzer *a);

LDRSNAP_API const char *ldrsnap_analyzer_errmsg(const ldrsnap_analyzer *a);

LDRSNAP_API void ldrsnap_analyzer_free(ldrsnap_analyzer *a);

/** @return "dll_not_found", "export_not_found", ... "other". */
LDRSNAP_API const char *ldrsnap_kind_name(ldrsnap_kind k);
/** @return "root_cause", "consequence", "handled" or "noise". */
LDRSNAP_API const char *ldrsnap_role_name(ldrsnap_role r);
/** @return "high", "medium" or "low". */
LDRSNAP_API const char *ldrsnap_confidence_name(ldrsnap_confidence c);

/**
 * Name a loader status or exit code the way the loader's world knows it:
 * the NTSTATUS name first, then HRESULT, exception and Win32 names
 * (STATUS_DLL_NOT_FOUND, E_ACCESSDENIED, ...).  Small positive values
 * (exit codes such as 1) get no name: they are the program's own.
 * @return a static string, or NULL when the code is not known.
 */
LDRSNAP_API const char *ldrsnap_status_name(uint32_t code);

/** The failure kind a loader status implies (LDRSNAP_K_OTHER if none). */
LDRSNAP_API ldrsnap_kind ldrsnap_status_kind(uint32_t code);

/* ------------------------------------------------------------------------
 * Rules: signatures of known problems, as data.  A rule file is YAML
 * (ldrsnap-rules(5)); the built-in rules are embedded in the library.
 * A compiled rule set is read-only: one set may serve many analyzers, in
 * many threads, and must outlive them.
 */
typedef struct ldrsnap_rules ldrsnap_rules;

/** ldrsnap_rules_new() flags */
#define LDRSNAP_RULES_NO_BUILTIN 0x1u /**< start empty */

/** What a rule is, for listing. Strings live as long as the rule set. */
typedef struct ldrsnap_rule_info {
    const char *id, *title, *severity, *explanation, *advice;
    const char *const *references;
    size_t n_references;
    const char *source;       /**< "builtin:<file>" or the file path */
    unsigned long line;       /**< where the rule starts in it */
    size_t n_steps;
    const char *scope;        /**< "thread", "process" or "file" */
    unsigned long window;     /**< lines allowed between steps; 0 = any */
} ldrsnap_rule_info;

/**
 * Create a rule set, with the built-in rules unless flags has
 * LDRSNAP_RULES_NO_BUILTIN.
 * @return LDRSNAP_OK, LDRSNAP_ENOMEM, LDRSNAP_EINVAL or LDRSNAP_EFORMAT
 *         (a built-in rule does not compile: a bug).
 */
LDRSNAP_API int ldrsnap_rules_new(ldrsnap_rules **out,
                                  const ldrsnap_options *opts,
                                  unsigned flags);

/**
 * Add the rules of a YAML file.  On LDRSNAP_EFORMAT nothing of the file
 * is added and ldrsnap_rules_errmsg() says "<file>:<line>: rule '<id>':
 * <what>".
 * @return LDRSNAP_OK, LDRSNAP_EIO, LDRSNAP_ENOTFOUND, LDRSNAP_EFORMAT,
 *         LDRSNAP_ELIMIT (past a limit of ldrsnap-rules(5)) or
 *         LDRSNAP_ENOMEM.
 */
LDRSNAP_API int ldrsnap_rules_add_file(ldrsnap_rules *r, const char *path);

/** Add rules from YAML text; `name` is used in error messages. */
LDRSNAP_API int ldrsnap_rules_add_text(ldrsnap_rules *r, const char *name,
                                       const char *text, size_t len);

LDRSNAP_API const char *ldrsnap_rules_errmsg(const ldrsnap_rules *r);
LDRSNAP_API size_t ldrsnap_rules_count(const ldrsnap_rules *r);

/** Describe rule i (0-based, in the order added). */
LDRSNAP_API int ldrsnap_rules_get(const ldrsnap_rules *r, size_t i,
                                  ldrsnap_rule_info *info);

/** Find a rule by id; @return its index, or -1. */
LDRSNAP_API long ldrsnap_rules_find(const ldrsnap_rules *r, const char *id);

LDRSNAP_API void ldrsnap_rules_free(ldrsnap_rules *r);

/**
 * Match these rules while the analyzer reads (call before the first feed).
 * Signatures come as LDRSNAP_EV_SIGNATURE events.  NULL turns rules off.
 * @return LDRSNAP_OK, LDRSNAP_EMISUSE or LDRSNAP_ENOMEM.
 */
LDRSNAP_API int ldrsnap_analyzer_set_rules(ldrsnap_analyzer *a,
                                           const ldrsnap_rules *rules);

/* ------------------------------------------------------------------------
 * Error codes: every Win32 error, HRESULT and NTSTATUS by name and value,
 * from a table compiled into the library (static data: no allocation, no
 * start-up cost, safe from any number of threads).
 */

/** What kind of code a name belongs to. */
typedef enum ldrsnap_family {
    LDRSNAP_FAM_WIN32 = 1,     /**< GetLastError() codes, ERROR_*, NERR_* */
    LDRSNAP_FAM_HRESULT = 2,   /**< COM / Windows Runtime / .NET HRESULTs */
    LDRSNAP_FAM_NTSTATUS = 3,  /**< kernel and loader statuses, STATUS_* */
    LDRSNAP_FAM_EXCEPTION = 4  /**< exception codes no header names */
} ldrsnap_family;

/** How a candidate relates to the value asked about. */
typedef enum ldrsnap_via {
    LDRSNAP_VIA_VALUE = 0,          /**< the value itself */
    LDRSNAP_VIA_FACILITY_WIN32 = 1, /**< an HRESULT 0x8007xxxx: the Win32 code
                                         in its low 16 bits */
    LDRSNAP_VIA_NT_BIT = 2          /**< an HRESULT with the N bit
                                         (0x10000000): the NTSTATUS it wraps */
} ldrsnap_via;

/** One name for a value.  Strings are static. */
typedef struct ldrsnap_code {
    uint32_t value;          /**< the value the name has */
    ldrsnap_family family;
    ldrsnap_via via;
    const char *name;
    const char *explanation; /**< our one-line explanation, or NULL */
    const char *advice;      /**< what a loader expert would do, or NULL */
} ldrsnap_code;

/**
 * Every name a 32-bit value has: exact matches in every family first, then
 * the Win32 code inside a FACILITY_WIN32 HRESULT and the NTSTATUS inside an
 * HRESULT with the N bit.  An NTSTATUS is never read as a Win32 code from
 * its low 16 bits.
 * @param out room for max candidates (may be NULL when max is 0)
 * @return the number of candidates, which may exceed max.
 */
LDRSNAP_API size_t ldrsnap_code_lookup(uint32_t value, ldrsnap_code *out,
                                       size_t max);

/**
 * Look a name up (STATUS_DLL_NOT_FOUND, E_ACCESSDENIED, 0xc0000135's
 * names...); exact case first, then any case.
 * @return the number of matches (one name can live in two families).
 */
LDRSNAP_API size_t ldrsnap_code_by_name(const char *name, ldrsnap_code *out,
                                        size_t max);

/**
 * Our explanation and advice for a value seen in a context rather than as a
 * code family: "iis_exit" (a w3wp.exe exit code in W3SVC Event 1009).
 * @return LDRSNAP_OK, or LDRSNAP_ENOTFOUND.
 */
LDRSNAP_API int ldrsnap_code_context(uint32_t value, const char *context,
                                     const char **explanation,
                                     const char **advice);

/**
 * A one-line meaning for a name we have no explanation of (c->explanation
 * is NULL): the component its prefix names, its name in words, and what
 * its value says (the Win32 code inside a FACILITY_WIN32 HRESULT, the
 * facility, the severity), e.g. for 0x80070002 COR_E_FILENOTFOUND: 'the
 * HRESULT of a .NET exception (common language runtime): "filenotfound";
 * Win32 error 2 (ERROR_FILE_NOT_FOUND) as an HRESULT'.
 * @param buf room for n bytes, NUL-terminated (may be NULL when n is 0)
 * @return the length of the whole meaning (as snprintf()); 0 for a code
 *         without a name.  Thread-safe.
 */
LDRSNAP_API size_t ldrsnap_code_meaning(const ldrsnap_code *c, char *buf,
                                        size_t n);

/** @return "win32", "hresult", "ntstatus" or "exception". */
LDRSNAP_API const char *ldrsnap_family_name(ldrsnap_family f);

/** The readings of a code written by a person or found in a log. */
typedef struct ldrsnap_code_input {
    unsigned n;              /**< 0 (not a number), 1 or 2 readings */
    uint32_t value[2];
    const char *how[2];      /**< "hex", "decimal", "signed decimal" */
} ldrsnap_code_input;

/**
 * Read a code as logs and people write it: 0x80070005, 0X80070005,
 * c0000135 (hex with letters), 80070005 (digits only: tried as decimal and
 * as hex), -2147024891 (signed decimal), 2147942405 (unsigned decimal),
 * 0n126 and 0n-1073741515 (the Windows debuggers' decimal).
 * @return LDRSNAP_OK, or LDRSNAP_EINVAL when it is not a number (try
 *         ldrsnap_code_by_name()).
 */
LDRSNAP_API int ldrsnap_code_parse(const char *input,
                                   ldrsnap_code_input *out);

/* ------------------------------------------------------------------------
 * Batch: the input iterator, in libarchive's manner.  Queue paths (files,
 * directories, "-") and memory buffers, then iterate their logs: each
 * entry is one log to analyze, read with ldrsnap_batch_read().  Archives
 * and compressed files are told from their bytes, never from their names:
 * gzip (streamed through zlib), and through libarchive zip (deflate,
 * store, zip64, UTF-8 names), tar and pax, tar.gz/bz2/xz/zst, plain
 * .bz2/.xz/.zst, 7z, cab and rar.  Each member is an entry named
 * "archive!dir/member"; archives inside archives are opened in memory
 * ("outer.zip!inner.tar.gz!LDR.log").  Member names are only names: links,
 * devices and encrypted members are entries with `skipped` set.
 */
typedef struct ldrsnap_batch ldrsnap_batch;

/** One input to analyze. */
typedef struct ldrsnap_entry {
    const char *name;    /**< as given, "-" shown as "<stdin>"; files found
                              in a directory as "dir/sub/file"; archive
                              members as "archive!dir/member" (invalid
                              UTF-8 in member names as U+FFFD) */
    const char *path;    /**< a file that can be opened again, or NULL
                              (standard input, a memory buffer, a member) */
    int error;           /**< LDRSNAP_OK, or why the entry cannot be read
                              (then ldrsnap_batch_errmsg() says more) */
    const char *compression; /**< "none", "gzip", "bzip2", "xz", "zstd",
                                  "lz4", "tar", "zip", "7z", "cab", "rar" */
    const char *skipped; /**< not to be read, and why (a symbolic link in a
                              walk or an archive, a device entry, an
                              encrypted member); NULL for a log */
    int member;          /**< 1: a member of an archive */
    int64_t size;        /**< bytes once decompressed, when the archive
                              says (0: an empty member); -1 unknown */
} ldrsnap_entry;

/* ldrsnap_batch_new() flags */
#define LDRSNAP_BATCH_NO_RECURSE 0x1u  /**< do not descend into directories */
/** Follow symbolic links met in a directory walk (a link named in
 *  ldrsnap_batch_add() is always followed); loops are still refused. */
#define LDRSNAP_BATCH_FOLLOW 0x2u
/** List files without opening them: entries have a name and a path and
 *  nothing to read (to share the files among workers). */
#define LDRSNAP_BATCH_NAMES_ONLY 0x4u
/** Read archives as the bytes they are (a single gzip stream is still
 *  decompressed): for tools that copy an input, not analyze its logs. */
#define LDRSNAP_BATCH_NO_ARCHIVES 0x8u

LDRSNAP_API int ldrsnap_batch_new(ldrsnap_batch **out,
                                  const ldrsnap_options *opts,
                                  unsigned flags);

/** Queue a path: a file, a directory, or "-" for standard input.  Each
 *  input is read once (a FIFO or a pipe loses nothing). */
LDRSNAP_API int ldrsnap_batch_add(ldrsnap_batch *b, const char *path);

/** Queue a memory buffer (a log, a compressed log or an archive) under a
 *  name.  The buffer must stay valid until the batch has moved past it. */
LDRSNAP_API int ldrsnap_batch_add_memory(ldrsnap_batch *b, const char *name,
                                         const void *buf, size_t len);

#define LDRSNAP_LIMITS_VERSION 1

/** Limits against decompression bombs and endless inputs; 0 in a field
 *  keeps its default.  A member or input over a limit ends with
 *  LDRSNAP_ELIMIT and a message naming it and the limit; the batch goes
 *  on with the next member. */
typedef struct ldrsnap_limits {
    unsigned version;      /**< LDRSNAP_LIMITS_VERSION */
    uint64_t max_bytes;    /**< bytes read from one input or member, after
                                decompression: 8 GiB (a plain file too:
                                /dev/zero, a file that keeps growing) */
    uint64_t max_total;    /**< bytes inflated for one input given to the
                                batch, all its members and levels: 32 GiB */
    uint32_t max_ratio;    /**< decompressed : compressed, checked once
                                past ratio_floor bytes: 250 */
    uint64_t ratio_floor;  /**< 64 MiB */
    unsigned max_depth;    /**< archives within archives: 8 (at most 64) */
    uint64_t max_members;  /**< members of one archive: 1,000,000 */
    uint64_t max_nested;   /**< bytes of an archive inside an archive,
                                held in memory to open it: 512 MiB */
} ldrsnap_limits;

#define LDRSNAP_LIMITS_INIT { LDRSNAP_LIMITS_VERSION, 0, 0, 0, 0, 0, 0, 0 }

/** Set the limits (before the first ldrsnap_batch_next()).
 * @return LDRSNAP_OK, LDRSNAP_EMISUSE, or LDRSNAP_EINVAL (version). */
LDRSNAP_API int ldrsnap_batch_set_limits(ldrsnap_batch *b,
                                         const ldrsnap_limits *limits);

/**
 * Move to the next entry.  Entries that cannot be read still come, with
 * entry->error set, so that the caller can report them; a broken archive
 * comes as an entry with an error naming the member after which it broke.
 * @return LDRSNAP_OK with *entry set, LDRSNAP_DONE at the end, or a
 *         negative code.  *entry is valid until the next call.
 */
LDRSNAP_API int ldrsnap_batch_next(ldrsnap_batch *b, ldrsnap_entry **entry);

/**
 * Read the current entry's bytes, decompressed.
 * @param got receives the count; 0 with LDRSNAP_OK means the entry ended.
 * @return LDRSNAP_OK, or LDRSNAP_EIO / LDRSNAP_EFORMAT / LDRSNAP_ELIMIT
 *         when the entry breaks off (the bytes before it were good).
 */
LDRSNAP_API int ldrsnap_batch_read(ldrsnap_batch *b, void *buf, size_t cap,
                                   size_t *got);

/** @return the message for the last error, naming the input (and the
 *  member: "a.zip!x.log: ..."). */
LDRSNAP_API const char *ldrsnap_batch_errmsg(const ldrsnap_batch *b);

LDRSNAP_API void ldrsnap_batch_free(ldrsnap_batch *b);

/**
 * Analyze every log of a path (a file, "-", a compressed file, an archive,
 * a directory tree) with the default limits, each with a fresh analyzer.
 * Every event names its input (ev->input), and each input ends with an
 * LDRSNAP_EV_INPUT_END event carrying its summary, or why it was not read.
 * *out receives the finished analyzer of the last log analyzed (of the
 * only one, for a plain file), whose summary the caller reads and frees
 * with ldrsnap_analyzer_free().
 * @return LDRSNAP_OK when every input was read; else the first error (the
 *         other inputs are still analyzed; LDRSNAP_ENOTFOUND for a path
 *         with nothing in it); *out may still hold a partial analysis.
 */
LDRSNAP_API int ldrsnap_analyze_path(ldrsnap_analyzer **out,
                                     const char *path,
                                     const ldrsnap_options *opts,
                                     ldrsnap_event_cb cb, void *userdata);

/* ------------------------------------------------------------------------
 * Diff: where a failing run differs from a good one.  A run is what one
 * log says of each process's loads: fill it from an analyzer's record and
 * event callbacks (ldrsnap_run_record(), ldrsnap_run_failure()), then
 * compare two runs.  Processes are matched by image name; per DLL (by file
 * name, case folded, whatever the Windows version or the log's encoding)
 * the comparison finds a DLL that loaded in the good run and failed in the
 * bad one, one loaded from another folder, one loaded in only one run, and
 * the first place where the main thread's loads part.  Ticks, pids, tids,
 * the order of probes and the search path's misses never count.
 */
typedef struct ldrsnap_run ldrsnap_run;

/** Create an empty run.  @return LDRSNAP_OK, LDRSNAP_EINVAL or
 *  LDRSNAP_ENOMEM. */
LDRSNAP_API int ldrsnap_run_new(ldrsnap_run **out,
                                const ldrsnap_options *opts);
/** Take one record of the log, in order (an analyzer's record callback).
 *  @return LDRSNAP_OK, LDRSNAP_EINVAL or LDRSNAP_ENOMEM. */
LDRSNAP_API int ldrsnap_run_record(ldrsnap_run *run,
                                   const ldrsnap_record *rec);
/** Take one failure (an analyzer's LDRSNAP_EV_FAILURE events; noise is
 *  ignored).  @return LDRSNAP_OK, LDRSNAP_EINVAL or LDRSNAP_ENOMEM. */
LDRSNAP_API int ldrsnap_run_failure(ldrsnap_run *run,
                                    const ldrsnap_failure *f);
/** @return the number of processes seen. */
LDRSNAP_API size_t ldrsnap_run_processes(const ldrsnap_run *run);
/** @return the image name of process i ("" when the log gives none). */
LDRSNAP_API const char *ldrsnap_run_image(const ldrsnap_run *run, size_t i);
LDRSNAP_API void ldrsnap_run_free(ldrsnap_run *run);

typedef enum ldrsnap_diff_kind {
    LDRSNAP_DIFF_FAILED_IN_BAD = 0, /**< loaded (or not needed) in good,
                                         failed in bad */
    LDRSNAP_DIFF_OTHER_PATH,        /**< loaded from another folder */
    LDRSNAP_DIFF_ONLY_IN_GOOD,      /**< loaded in good only */
    LDRSNAP_DIFF_ONLY_IN_BAD,       /**< loaded in bad only */
    LDRSNAP_DIFF_ORDER              /**< where the main thread's loads part */
} ldrsnap_diff_kind;

/* ldrsnap_diff_side.flags */
#define LDRSNAP_DS_LOADED 0x1u  /**< the run loaded the DLL */
#define LDRSNAP_DS_FAILED 0x2u  /**< the run failed to load it: status */
#define LDRSNAP_DS_PATH 0x4u    /**< path is where it was found */
#define LDRSNAP_DS_ORDER 0x8u   /**< order is its place on the main thread */

/** One run's side of a difference.  Borrowed strings. */
typedef struct ldrsnap_diff_side {
    unsigned flags;          /**< LDRSNAP_DS_* */
    const char *path;        /**< full path it was loaded from, or NULL */
    uint32_t status;         /**< when LDRSNAP_DS_FAILED */
    ldrsnap_kind kind;       /**< when LDRSNAP_DS_FAILED */
    ldrsnap_role role;       /**< when LDRSNAP_DS_FAILED */
    uint64_t line;           /**< where the log shows it (0: nowhere) */
    size_t order;            /**< 0-based, when LDRSNAP_DS_ORDER */
} ldrsnap_diff_side;

typedef struct ldrsnap_difference {
    ldrsnap_diff_kind kind;
    const char *dll;         /**< the file name, as the good run (else the
                                  bad one) wrote it */
    const char *image;       /**< the process's image name, or "" */
    int explains;            /**< 1: may explain the bad run's failure
                                  (failed_in_bad, other_path, only_in_bad) */
    ldrsnap_diff_side good, bad;
} ldrsnap_difference;

/** Called once per difference, the most decisive first; return non-zero
 *  to stop (LDRSNAP_ECALLBACK). */
typedef int (*ldrsnap_difference_cb)(const ldrsnap_difference *d,
                                     void *userdata);

/* ldrsnap_diff() flags */
#define LDRSNAP_DIFF_FORCE 0x1u /**< compare by DLL name even when the runs
                                     are of different programs */

/**
 * Compare a good run with a bad one.
 * @return LDRSNAP_OK; LDRSNAP_ENOTFOUND when no process of one runs a
 *         program of the other (and not LDRSNAP_DIFF_FORCE: then every
 *         process of each run counts as one); LDRSNAP_ECALLBACK,
 *         LDRSNAP_EINVAL or LDRSNAP_ENOMEM.
 */
LDRSNAP_API int ldrsnap_diff(const ldrsnap_run *good, const ldrsnap_run *bad,
                             unsigned flags, ldrsnap_difference_cb cb,
                             void *userdata);

/** @return "failed_in_bad", "other_path", "only_in_good", "only_in_bad"
 *  or "order". */
LDRSNAP_API const char *ldrsnap_diff_kind_name(ldrsnap_diff_kind k);

/* ------------------------------------------------------------------------
 * Redaction: a log with stable pseudonyms for the names in it, every other
 * byte as it was, so that it can leave the customer.
 *
 * Found and replaced: user names (profile paths C:\Users\NAME\ and
 * C:\Documents and Settings\NAME\, DOMAIN\NAME, NAME@DOMAIN, e-mail
 * addresses, USERNAME=), machine names (UNC hosts \\HOST\share,
 * HOST.domain.tld, COMPUTERNAME=), domain names, and with
 * LDRSNAP_REDACT_PATHS the customer's own folder names outside Windows and
 * Program Files.  A name found once is replaced wherever it stands as a
 * word, in every input of the redactor (learn every input first for
 * that).  Kept: the encoding (UTF-16 stays UTF-16, a BOM stays), line
 * ends, every byte no name covers, and the file names of modules (DLL
 * names), so the redacted log analyzes to the same verdicts.  A name that
 * also stands inside a module's file name cannot be replaced there: that
 * place is a leak, and the caller should not publish the output
 * (ldrsnap_redactor_leaks()).  Pseudonyms are user1, host1, domain1,
 * dir1... in the order found; with a key, user-<8 hex digits> from a keyed
 * hash (SipHash-2-4) of the name, the same across runs.
 */
typedef struct ldrsnap_redactor ldrsnap_redactor;

/* ldrsnap_redactor_new() flags */
#define LDRSNAP_REDACT_PATHS 0x1u /**< also folder names outside Windows,
                                       Program Files and the profile's
                                       standard folders (dir1...) */

/** Takes len bytes of output; returns 0, or non-zero to stop
 *  (LDRSNAP_ECALLBACK). */
typedef int (*ldrsnap_write_fn)(void *ctx, const void *buf, size_t len);

/**
 * Create a redactor.
 * @param key NULL for numbered pseudonyms, else any string: the same key
 *            gives the same pseudonym to a name in every run
 * @return LDRSNAP_OK, LDRSNAP_EINVAL or LDRSNAP_ENOMEM.
 */
LDRSNAP_API int ldrsnap_redactor_new(ldrsnap_redactor **out,
                                     const ldrsnap_options *opts,
                                     unsigned flags, const char *key);

/**
 * Start an input.  With write NULL the input is only read for names (a
 * first pass, so that a name found late is replaced from the first line
 * on); else each line goes to write() redacted.
 * @return LDRSNAP_OK or LDRSNAP_EMISUSE (an input is under way).
 */
LDRSNAP_API int ldrsnap_redactor_begin(ldrsnap_redactor *r,
                                       ldrsnap_write_fn write, void *ctx);

/** Feed bytes of the input; any chunk boundaries.
 * @return LDRSNAP_OK, LDRSNAP_ENOMEM, LDRSNAP_ECALLBACK or
 *         LDRSNAP_EMISUSE (no input begun). */
LDRSNAP_API int ldrsnap_redactor_feed(ldrsnap_redactor *r, const void *buf,
                                      size_t len);

/** End the input (its last line needs no line end).  @return as feed. */
LDRSNAP_API int ldrsnap_redactor_end(ldrsnap_redactor *r);

/**
 * Names of the last input (since ldrsnap_redactor_begin()) that could not
 * be replaced: a name found elsewhere that also stands inside a module's
 * file name, or is a word of the loader's own text.
 * ldrsnap_redactor_errmsg() names the first ("line 12: 'jdoe' ...").
 * @return their number; 0 when the output holds no name the redactor
 *         knows.
 */
LDRSNAP_API uint64_t ldrsnap_redactor_leaks(const ldrsnap_redactor *r);

/** What was replaced, for the engineer's eyes only.  Strings live as long
 *  as the redactor. */
typedef struct ldrsnap_redaction {
    const char *kind;       /**< "user", "host", "domain" or "dir" */
    const char *name;       /**< as found (UTF-8) */
    const char *pseudonym;
    uint64_t count;         /**< places replaced, over every input */
} ldrsnap_redaction;

/** @return the number of names found so far. */
LDRSNAP_API size_t ldrsnap_redactor_count(const ldrsnap_redactor *r);
/** Name i (0-based, in the order found).  @return LDRSNAP_OK or
 *  LDRSNAP_EINVAL. */
LDRSNAP_API int ldrsnap_redactor_get(const ldrsnap_redactor *r, size_t i,
                                     ldrsnap_redaction *out);

LDRSNAP_API const char *ldrsnap_redactor_errmsg(const ldrsnap_redactor *r);

LDRSNAP_API void ldrsnap_redactor_free(ldrsnap_redactor *r);

/* ------------------------------------------------------------------------
 * JSON Lines: the records of `ldrsnap --format=jsonl`, documented in
 * ldrsnap-json(5), so that a program linking the library writes exactly
 * the CLI's records.  Each function writes one record and its newline
 * with snprintf()'s contract: it returns the record's length (without a
 * NUL) and writes at most cap - 1 bytes and a NUL into buf (which may be
 * NULL when cap is 0); when the return is cap or more, call again with a
 * buffer of that length + 1.  The output is valid UTF-8 JSON whatever the
 * strings hold (control characters escaped, invalid UTF-8 as U+FFFD).
 * Thread-safe; no allocation.  source names the input ("type", "source"
 * come first in every record).
 */

/** A "failure", "exception" or "signature" record for an event; for
 *  LDRSNAP_EV_INPUT_END the input's "summary", or an "error" record;
 *  nothing (0) for LDRSNAP_EV_RULE_LIMIT and LDRSNAP_EV_PROCESS_END. */
LDRSNAP_API size_t ldrsnap_event_to_json(char *buf, size_t cap,
                                         const char *source,
                                         const ldrsnap_event *ev);
/** The "summary" record of a finished input (with "schema"). */
LDRSNAP_API size_t ldrsnap_summary_to_json(char *buf, size_t cap,
                                           const char *source,
                                           const ldrsnap_summary *s);
/** An "error" record: an input that could not be read, and why. */
LDRSNAP_API size_t ldrsnap_error_to_json(char *buf, size_t cap,
                                         const char *source,
                                         const char *message);
/** A "record" record (`ldrsnap tokens --format=jsonl`): one token. */
LDRSNAP_API size_t ldrsnap_record_to_json(char *buf, size_t cap,
                                          const char *source,
                                          const ldrsnap_record *r);
/** One JSON string, quoted and escaped as the records' strings are (or
 *  null for NULL), without a newline, for a program's own JSON: the same
 *  contract. */
LDRSNAP_API size_t ldrsnap_json_string(char *buf, size_t cap, const char *s);

#ifdef __cplusplus
}
#endif

#endif /* LDRSNAP_H */
