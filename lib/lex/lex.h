/*
 * lex/lex.h - stage 2: one logical line -> one ldrsnap_record.
 *
 * Takes a line (after the parser has joined and split it); finds the
 * record after any capture-tool prefix, tells its grammar (Vista+, XP,
 * debugger, IDE, continuation, other) and parses its payload into the
 * record's fields.  Also the pure recognizers of the usual shapes the
 * parser sends compact.  libc only: knows lines and records; never the
 * trace, the rules, the pipe or the analyzer.
 */
#ifndef LDRSNAP_LEX_H
#define LDRSNAP_LEX_H

#include "core/ldrsnap_internal.h"

/* Where a record begins inside a line, and which grammar it has. */
typedef struct ls_start {
    size_t pos;             /* offset of the record after the prefix */
    ldrsnap_dialect dialect;
    size_t head;            /* Vista: length of "pid:tid @ tick - " */
    uint32_t pid, tid;      /* Vista: parsed head */
    uint64_t tick;
    /* ldrsnap__lex_plain(): the line is one plain ENTER or RETURN record
     * (plain: its level, else LDRSNAP_L_NONE), function up to sep, the
     * message from msg, a RETURN's status */
    ldrsnap_level plain;
    size_t sep, msg;
    uint32_t status;
    /* plain: Windows 11's compact twin ("ENTER: <dll>", "RETURN:
     * <status>" or "RETURN: <original>-<status>"), and its original
     * status (LS_FORM_COMPACT_ORIG) */
    uint8_t form;
    uint32_t status_orig;
} ls_start;

/* ls_start.form of a plain record */
enum { LS_FORM_LONG, LS_FORM_COMPACT, LS_FORM_COMPACT_ORIG };

/* Is s[0..n), whose start st is a Vista head at 0, one of the two records
 * that make most of a log: "<head>Function - ENTER: DLL name: <dll>"
 * (no " DLL path: ") or "<head>Function - RETURN: Status: 0x<8 hex>",
 * or the compact twin Windows 11 prints after each ("ENTER: <dll>",
 * "RETURN: <8 hex>", "RETURN: <8 hex>-<8 hex>"), with no trailing blank?  Such a line holds no glued record; its shape
 * is kept in st for ldrsnap__lex_line(). */
bool ldrsnap__lex_plain(const char *s, size_t n, ls_start *st);
/* The same for a Vista record after a capture tool's prefix (st->pos >
 * 0, as ldrsnap__lex_find_start() found it; not after "DebugString:"):
 * st->sep and st->msg are then offsets in the line, as always. */
bool ldrsnap__lex_plain_after(const char *s, size_t n, ls_start *st);
/* The same, for a whole line that starts with the usual Vista head
 * "hhhh:hhhh @ dddddddd - ": ldrsnap__lex_find_start() and
 * ldrsnap__lex_plain() in one call.  False for any other line; st->head
 * is then 0 unless the line starts with that head. */
bool ldrsnap__lex_plain_line(const char *s, size_t n, ls_start *st);
/* ldrsnap__lex_plain_line() on a line with no usual head at 0 (st set as
 * it sets it before it reads the head): a Vista head of another width.
 * Its inline form, ls_lex_plain_line() (lex/plain.h), calls it. */
bool ldrsnap__lex_plain_other(const char *s, size_t n, ls_start *st);

/* Find where the first record begins (after any capture-tool prefix).
 * Returns false when the line holds no Vista/XP/debugger record start. */
bool ldrsnap__lex_find_start(const char *s, size_t n, ls_start *st);

/* The image's name a record after the prefix pre[0..n) takes from it
 * ("app(1234): ", when no "[pid,tid]" comes first): its length, 0 for
 * none. */
size_t ldrsnap__lex_prefix_image(const char *pre, size_t n);

/* ldrsnap__lex_find_start() on a line with no Vista head at 0, told
 * where its first '@' or "LDR:" is (q, ls_first_at_ldr(); n: none): one
 * search fewer.  The same answer (test_lex compares). */
bool ldrsnap__lex_find_start_at(const char *s, size_t n, size_t q,
                                ls_start *st);

/* Offset of the next glued record start after `from`, or n when none. */
size_t ldrsnap__lex_find_glued(const char *s, size_t n, size_t from,
                               bool xp_seen);

/* Does this line begin a record of its own (and so must not be joined to
 * an 80-column line before it)?  s must be NUL-terminated at s[n]. */
bool ldrsnap__lex_begins_record(const char *s, size_t n);
/* Is s[0..n) the prefix of a record that begins a line of its own (none,
 * "[pid,tid]", "error:", "DebugString:", digits, "app(pid):")?  A line
 * whose start ldrsnap__lex_find_start() finds after such a prefix begins
 * a record. */
bool ldrsnap__lex_known_prefix(const char *s, size_t n);

/* Surely no record start on s[0..n) (no '@', no "LDR:"), where
 * ldrsnap__lex_find_start() would find none.  False: perhaps one. */
bool ldrsnap__lex_no_start(const char *s, size_t n);

/* A Vista "Calling init routine <16 digits> for DLL "<name>"" line with
 * the usual head and spacing, the quoted name ending the line: where its
 * function name ends (sep), its message, its name; its routine. */
typedef struct ls_init_line {
    size_t sep, msg, dll, dll_len;
    uint64_t address;
} ls_init_line;
/* Offsets from the line's start; its head at 0 or after a prefix (see
 * LS_ITEM_PREFIX_MAX). */
bool ldrsnap__lex_init_usual(const char *s, size_t n, const ls_start *st,
                             ls_init_line *out);

/* The longest prefix (a capture tool's, before a Vista head) that an INFO
 * or init record of a usual shape after it may have to be taken by
 * ldrsnap__lex_info_usual() or ldrsnap__lex_init_usual(): its length and
 * its image's name's fit a byte of the item.  Not DebugString's (whose
 * closing quote use_prefix() cuts off the record) either. */
#define LS_ITEM_PREFIX_MAX 255

/* A debugger ModLoad line of the usual form, on which no record start
 * was found: both addresses with their backtick, no trailing blank.  Its
 * range, and where its path begins; false: not such a line. */
bool ldrsnap__lex_modload_usual(const char *s, size_t n, uint64_t *base,
                                uint64_t *end, size_t *path);

/* An XP "LDR:" record of one of the usual shapes (lex_xp()'s): "Loading
 * (...) <path>", "Snapping imports for <a> from <b>", "Refcount <dll>
 * (<n>)" and "Derefcount ...", "<dll> used by <b>", "<a> binding to
 * <b>" and "bound to", "<dll> loaded - Calling init routine at <hex>",
 * at 0 or after a capture tool's prefix ("[pid,tid] ", "app(pid): ",
 * DebugView's columns; not 'DebugString: "').  The strings as offsets
 * into the line (offset SIZE_MAX: NULL); a string that stops short of the
 * line's end is a copy in the record. */
typedef struct ls_xp_line {
    size_t msg;                 /* the message (after "LDR:" and blanks) */
    size_t dll, dll_len;
    size_t parent, parent_len;
    uint64_t address;
    uint32_t pid, tid;          /* the prefix's, as the record's */
    size_t image;               /* the image's name the prefix gives, at
                                   0: its length (0: none) */
    unsigned flags;             /* LDRSNAP_RF_PID | _TID | _ADDRESS */
    ldrsnap_msg kind;
} ls_xp_line;
/* Is s[0..n), whose XP record starts at pos, such a record?  The caller
 * has made sure that no "fail" is in s[pos..n) (lex_xp() looks for it
 * first) and that no "LDR:" is glued after pos + 4; false: the general
 * way (any other shape, a trailing blank). */
bool ldrsnap__lex_xp_usual(const char *s, size_t n, size_t pos,
                           ls_xp_line *out);

/* A Vista INFO record of a usual shape (vista_info()'s), with a head at
 * 0 or after a prefix (LS_ITEM_PREFIX_MAX): "Beginning execution of <x> (<path>)", "DLL <a> was redirected to
 * <b> by API set <c>", "Loading DLL "<x>" from path "<p>"", "Mapped DLL
 * <x> at address 0x<hex>", "Original status: 0x<hex>".  The strings as
 * offsets into the line (SIZE_MAX: NULL); one that stops short of the
 * line's end is a copy in the record. */
typedef struct ls_info_line {
    size_t sep;                 /* where the function's name ends */
    size_t msg;                 /* the message */
    size_t dll, dll_len, dll_path, dll_path_len, search, search_len;
    uint64_t number;            /* the base (LDRSNAP_RF_BASE) or the
                                   status (LDRSNAP_RF_STATUS) */
    unsigned flags;             /* LDRSNAP_RF_BASE, _STATUS */
    ldrsnap_msg kind;
} ls_info_line;
/* Is s[0..n), whose start st is a Vista head (at st->pos), such a record, with
 * the usual " - INFO: " after its function's name, no '@' after its head
 * (no glued record) and no trailing blank?  False: the general way.  With
 * errors, an ERROR record of the usual shapes too ("Unable to load DLL",
 * "Walking the import tables", "Failed to open \\KnownDlls", "Process
 * initialization failed", "Running the init routines": ls_info_level()),
 * as vista_error() reads it (the parent of "Unable to load DLL" as
 * dll_path). */
bool ldrsnap__lex_info_usual(const char *s, size_t n, const ls_start *st,
                             bool errors, ls_info_line *out);

/* The level of a record ldrsnap__lex_info_usual() took, by its kind. */
static inline ldrsnap_level ls_info_level(ldrsnap_msg kind)
{
    return kind == LDRSNAP_M_UNABLE_TO_LOAD ||
                   kind == LDRSNAP_M_IMPORTS_FAILED ||
                   kind == LDRSNAP_M_KNOWNDLLS_FAILED ||
                   kind == LDRSNAP_M_PROCESS_INIT_FAILED
               ? LDRSNAP_L_ERROR
               : LDRSNAP_L_INFO;
}

/* A start for ldrsnap__lex_line() that says ldrsnap__lex_find_start()
 * found none on the line (nor will it on the line trimmed): the lexer
 * does not search again. */
extern const ls_start ldrsnap__no_start;

/* What an ENTER record's message begins with, before the DLL's name. */
#define LS_DLL_NAME_TAG "DLL name: "
#define LS_DLL_NAME_TAG_LEN (sizeof LS_DLL_NAME_TAG - 1)

/* Room the lexer may need for the fields of a line of n bytes. */
#define LS_LEX_ROOM(n) (4 * (size_t)(n) + 512)

/* Classify one NUL-terminated logical line into rec.  `line` is mutable
 * scratch the lexer may cut with NULs; the substrings it copies out go to
 * `out`, which has LS_LEX_ROOM(len) bytes.  Returns the bytes used there.
 * prev_dialect is the dialect of the previous record on the stream, for
 * continuations; start, when not NULL, is where ldrsnap__lex_find_start()
 * found the record (pos relative to line), saving a second search. */
size_t ldrsnap__lex_line(char *out, char *line, size_t len,
                         ldrsnap_dialect prev_dialect, const ls_start *start,
                         ldrsnap_record *rec);

/* Hex / decimal helpers shared by the lexer and the trace. */
bool ldrsnap__parse_hex32(const char *s, size_t n, uint32_t *out);
bool ldrsnap__parse_hex64(const char *s, size_t n, uint64_t *out);
size_t ldrsnap__hex_run(const char *s, size_t n);

#endif
