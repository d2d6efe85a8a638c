/*
 * cli.h - shared declarations of the ldrsnap command line.
 * The CLI uses nothing but the public header <ldrsnap.h>.
 */
#ifndef LDRSNAP_CLI_H
#define LDRSNAP_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <ldrsnap.h>

enum { EXIT_CLEAN = 0, EXIT_FOUND = 1, EXIT_TROUBLE = 2 };

enum out_format { FMT_TEXT, FMT_JSONL, FMT_HTML };

/* The subcommands (options.c has their table). */
enum cli_cmd {
    CMD_ANALYZE,
    CMD_DECODE,
    CMD_RULES,
    CMD_TOKENS,
    CMD_TREE,
    CMD_REDACT,
    CMD_DIFF,
    CMD_ROLLUP,
    CMD_COUNT
};

#define CLI_MAX_RULE_FILES 64

typedef struct cli_opts {
    enum cli_cmd cmd;
    enum out_format format;
    bool format_given;
    bool all;
    bool brief;        /* one line per log */
    bool ascii;        /* tree: ASCII lines, not box drawing */
    int color_mode;    /* -1 auto, 0 never, 1 always */
    bool color;        /* resolved: colour this output */
    bool help, version;
    const char *output; /* -o FILE, or NULL for standard output */
    int width;         /* a terminal's columns; 0: not a terminal, no
                          wrapping */
    unsigned jobs;
    bool threaded;     /* cores to spare: tokenize each input on a thread */
    bool lone;         /* one input: a file's log is the run's only one,
                          and no rollup counts its root causes */
    bool no_builtin_rules;
    bool redact;            /* analyze --redact: pseudonyms in the output */
    bool redact_paths;      /* --paths: folder names too */
    const char *redact_key; /* --key: pseudonyms stable across runs */
    bool redact_list;       /* redact --list */
    bool force;             /* diff --force: different programs too */
    bool follow;       /* follow symbolic links in directory walks */
    const char *files_from; /* --files-from: more inputs, one a line */
    bool null_sep;     /* --null: ... separated by NUL bytes */
    bool no_progress;  /* --no-progress */
    ldrsnap_limits limits; /* --max-bytes, --max-total, --max-ratio */
    const char **rule_files;
    size_t n_rule_files;
    const ldrsnap_rules *rules;  /* loaded once, shared by every task */
    struct cli_opts *rules_wait; /* while set, the rules are still loading
                                    (cmd_analyze()): a task waits for them
                                    and sets them here */
} cli_opts;

/* out.c: output into a buffer handed to the system in large writes (no
 * stdio: its putc() locks the stream per character); the first failed
 * write is kept and the rest dropped.  fd -1: the buffer grows instead. */
typedef struct obuf {
    char *buf;
    size_t len, cap;
    int fd;
    int err;   /* errno of the first failure (ENOMEM in memory), or 0 */
    bool tty;  /* fd is a terminal: hand over each finished line */
} obuf;

extern obuf ob_stdout, ob_stderr;

void ob_init_fd(obuf *o, int fd);
void ob_init_mem(obuf *o);
int ob_flush(obuf *o);                  /* 0, or -1 after any failure */
void ob_putc_slow(obuf *o, char c);
void ob_write_slow(obuf *o, const void *p, size_t n);
__attribute__((format(printf, 2, 3))) void ob_printf(obuf *o,
                                                     const char *fmt, ...);
void ob_u64(obuf *o, unsigned long long v);
void ob_hex8(obuf *o, unsigned v);        /* 0x%08x */
void hex8_str(char st[11], unsigned v);   /* "0x%08x" and its NUL */
void ob_free(obuf *o);
/* Room for at least n bytes at the end of the buffer, for a writer of
 * its own (the library's JSON records): *p and how many bytes there
 * are, or 0 (a failure, or more than a descriptor's buffer holds); then
 * ob_advance() by what was written. */
size_t ob_room(obuf *o, size_t n, char **p);
static inline void ob_advance(obuf *o, size_t n)
{
    o->len += n;
}
struct iovec;
/* Flush, then write n buffers to the descriptor (writev(2)), or add
 * them to a buffer without one; 0, or -1 with o->err set (v is used
 * up). */
int ob_writev(obuf *o, struct iovec *v, int n);
/* Flush; after a failure say so on standard error (naming `what`) and
 * return -1. */
int ob_finish(obuf *o, const char *what);

static inline void ob_putc(obuf *o, char c)
{
    if (o->len < o->cap)
        o->buf[o->len++] = c;
    else
        ob_putc_slow(o, c);
}

static inline void ob_write(obuf *o, const void *p, size_t n)
{
    if (n - 1 < o->cap - o->len) { /* 0 < n <= room */
        memcpy(o->buf + o->len, p, n);
        o->len += n;
    } else {
        ob_write_slow(o, p, n);
    }
}

static inline void ob_puts(obuf *o, const char *s)
{
    ob_write(o, s, strlen(s));
}

struct cli_opts;

/* A subcommand: its name, what runs it, how its operands are read, and
 * its help. */
#define CMDF_INPUTS 0x1u   /* operands are inputs: '-' (stdin) when none
                              are given and stdin is not a terminal */
#define CMDF_NUMBERS 0x2u  /* "-123" is an operand, not an option */
#define CMDF_OPERAND 0x4u  /* needs at least one operand */
#define CMDF_OWN_OUTPUT 0x8u /* reads -o itself (a file or a directory) */

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv, const struct cli_opts *o);
    unsigned flags;    /* CMDF_* */
    const char *usage; /* after "ldrsnap " */
    const char *about;
} cli_command;

/* An option: --name, -short; the subcommands that take it (a bit per
 * enum cli_cmd); set() stores its value (NULL for ARG_NONE, and for an
 * ARG_CHOICE option given alone) and returns 0, or -1 after
 * cli_usage_error(). */
enum cli_arg { ARG_NONE, ARG_REQUIRED, ARG_CHOICE };

typedef struct cli_option {
    const char *name;
    char short_name;
    enum cli_arg arg;
    const char *choices;   /* ARG_CHOICE: "a\0b\0" */
    unsigned cmds;
    int (*set)(struct cli_opts *o, const char *value);
    const char *metavar;
    const char *help;      /* NULL: not listed (an alias) */
} cli_option;

/* options.c */
int cli_parse(struct cli_opts *o, int argc, char **argv);
bool cli_want_colour(int mode);
void cli_help(obuf *out, enum cli_cmd c, bool overview);
const cli_command *cli_command_of(enum cli_cmd c);
__attribute__((format(printf, 2, 3))) int
cli_usage_error(const struct cli_opts *o, const char *fmt, ...);

/* json.c: JSON Lines output, valid whatever bytes come in. */
void json_str(obuf *out, const char *s);       /* "..." or null */
void json_key_str(obuf *out, const char *key, const char *s, bool comma);
void json_key_u64(obuf *out, const char *key, unsigned long long v,
                  bool comma);
void json_key_hex(obuf *out, const char *key, bool has, unsigned v,
                  bool comma);               /* "0x%08x" or null */
void json_chain(obuf *out, const char *const *chain, size_t n);
void json_key_strs(obuf *out, const char *key, const char *const *v,
                   size_t n);                /* ,"key":[...] */

/* A deep copy of what the analyzer reports for one input. */
typedef struct fail_copy {
    ldrsnap_failure f;
    size_t seq;
    char *strings[7];
    char **chain;
} fail_copy;

typedef struct exc_copy {
    ldrsnap_exception e;
    char *strings[4];
    bool settled;        /* its process ended (report_end_process()) */
} exc_copy;

typedef struct sig_copy {
    ldrsnap_signature s;
    char *strings[6];
    uint64_t *lines;
    bool settled;        /* its process ended (report_end_process()) */
} sig_copy;

typedef struct report {
    const char *source;
    fail_copy *fails;
    size_t nfails, fcap;
    exc_copy *excs;
    size_t nexcs, ecap;
    sig_copy *sigs;
    size_t nsigs, scap;
    bool truncated;      /* the input ended early (a truncated .gz) */
    size_t cap;          /* events of each kind kept, 0: all (the page) */
    size_t gone;         /* events past the cap, counted only */
} report;

int report_add_failure(report *r, const ldrsnap_failure *f);
int report_add_exception(report *r, const ldrsnap_exception *e);
int report_add_signature(report *r, const ldrsnap_signature *s);
void report_free(report *r);
void report_sort(report *r);
/* A process ended (the page): its failures at or past from_f (they come
 * right before its end), its exceptions and signatures not yet settled
 * (they come as they are read) are kept, or dropped (keep_events,
 * keep_sigs false).
 * Returns how many signatures it had. */
size_t report_end_process(report *r, size_t from_f, unsigned pflags,
                          uint32_t pid, bool keep_events, bool keep_sigs);

/* Which verdict each event of a report is shown under (render_text.c):
 * index arrays bucketed by verdict, bucket n_verdicts holding what no
 * verdict takes; signatures by severity within a bucket. */
typedef struct buckets {
    size_t *idx;
    size_t *start; /* n_verdicts + 2 */
} buckets;
typedef struct report_index {
    size_t *vorder;
    buckets fails, excs, sigs;
} report_index;
int report_index_build(report_index *ix, const report *r,
                       const ldrsnap_summary *s);
void report_index_free(report_index *ix);
/* Was this exception turned into a failure (the same line)? */
bool report_promoted(const report *r, const ldrsnap_exception *e);

/* Advice with the log's names in its placeholders: <dll>! the module,
 * <dll> the DLL, <program>.exe the image (malloc'd; NULL out of memory). */
char *cli_fill_names(const char *text, const char *dll, const char *image);
const char *report_arch(const report *r, const ldrsnap_summary *s,
                        const report_index *ix, size_t k);

/* excerpt.c: the windows of a log around its evidence, captured while
 * it streams (whatever the source), in bounded memory. */
#define EXCERPT_WINDOW 3        /* lines before and after evidence */
#define EXCERPT_LINE_BYTES 2000 /* kept of a line */
#define EXCERPT_PIN_LINES 4096  /* lines a page shows at most */
#define EXCERPT_HOLD_LINES 2048 /* lines a live process holds at most */
typedef struct excerpt_line {
    uint64_t line;
    const char *text;      /* the capture's */
    bool evidence;
    bool joined;           /* rejoined: the lines up to the next are in it */
} excerpt_line;
typedef struct excerpt {
    excerpt_line *lines;
    size_t n, cap;
    size_t missing;        /* wanted lines the capture did not keep */
    const char *note;      /* why there is none */
} excerpt;
typedef struct capture capture;
int capture_new(capture **out);
void capture_free(capture *c);
int capture_record(capture *c, const ldrsnap_record *r); /* every record */
/* What the page may still show: the failures of a process (its lines that
 * may be a failure's are held), anything at all (else nothing is kept). */
void capture_want(capture *c, bool failures, bool any);
/* A line of a live process (a signature's) held with its window until the
 * process ends. */
void capture_hold(capture *c, bool has_pid, uint32_t pid, uint64_t line);
/* A process ended: what it held is let go (pin first). */
void capture_end(capture *c, bool has_pid, uint32_t pid);
/* A line the page names, and its window, kept for the page. */
void capture_pin(capture *c, bool has_pid, uint32_t pid, uint64_t line);
/* The captured lines within EXCERPT_WINDOW of the wanted ones (sorted,
 * unique); valid until capture_free(). */
void capture_excerpt(capture *c, const uint64_t *want, size_t nwant,
                     excerpt *x);
void excerpt_free(excerpt *x);

/* render_html.c */
/* A failing process the page lists in its table, not in full. */
typedef struct html_row {
    uint64_t line;
    uint32_t pid, status;
    unsigned flags;        /* LDRSNAP_FF_PID, LDRSNAP_FF_STATUS */
    char *image, *dll;
    const char *status_name; /* the code table's */
    ldrsnap_kind kind;
} html_row;
#define HTML_CARDS 20      /* failing processes shown in full per log */
#define HTML_ROWS 500      /* rows of the table of the other ones */
#define HTML_OTHER_SIGS 64 /* signatures of processes that did not fail */
#define HTML_MAX_EVIDENCE 200 /* evidence rows per process */
/* A failing process the page shows in full: its verdict's place. */
typedef struct html_card {
    uint64_t line;
    uint32_t pid;
    unsigned flags;        /* LDRSNAP_FF_PID */
} html_card;
typedef struct html_rest {
    html_row *rows;
    size_t n;
    /* the first HTML_CARDS failing processes to end: their events are
     * the ones kept, so theirs are the cards (the summary orders its
     * verdicts by line, not by the end of their process) */
    html_card cards[HTML_CARDS];
    size_t failing;        /* failing processes, in all */
    size_t sigs, sigs_gone; /* signatures of processes that did not fail:
                               kept, and past HTML_OTHER_SIGS */
} html_rest;
int html_rest_add(html_rest *r, const ldrsnap_verdict *v);
void html_rest_free(html_rest *r);
typedef struct html_input {
    unsigned id;           /* the log's place in the run: anchors */
    const char *source;    /* its name */
    capture *cap;          /* its excerpts, or NULL */
    const report *rep;
    const ldrsnap_summary *summary;
    struct tree *tree;
    const cli_opts *o;
    const html_rest *rest; /* the failing processes past HTML_CARDS */
} html_input;
enum row_state { ROW_CLEAN, ROW_FAILING, ROW_ERROR };
typedef struct rollup_row {   /* a log, for the rollup table */
    unsigned id;
    const char *source;
    enum row_state state;
    char *dll;
    const char *status_name;  /* static (the code table's) */
    const char *kind;
    bool has_status;
    uint32_t status;
    size_t verdicts;
} rollup_row;
#define HTML_KEEP_EVENTS 4096 /* failures, exceptions kept for a page */
void html_begin(obuf *out, size_t nlogs);
int html_log(obuf *out, const html_input *in);
void html_error(obuf *out, unsigned id, const char *source,
                const char *message);
void html_end(obuf *out, const rollup_row *rows, size_t n);

/* render_json.c */
void json_failure(obuf *out, const char *source, const ldrsnap_failure *f);
void json_exception(obuf *out, const char *source,
                    const ldrsnap_exception *e);
void json_summary(obuf *out, const char *source, const ldrsnap_summary *s);
/* The room json_summary() formats a large summary in (the buffer's own,
 * when in memory), or 0 when it goes the usual way. */
size_t json_summary_room(const obuf *out, const ldrsnap_summary *s);
void json_error(obuf *out, const char *source, const char *message);
void json_signature(obuf *out, const char *source, const ldrsnap_signature *s);
void json_record(obuf *out, const char *source, const ldrsnap_record *r);

/* render_text.c: 0, or -1 out of memory */
/* An input that ended early: what the report covers. */
int text_truncated(obuf *out, const char *source, const ldrsnap_summary *s,
                   const cli_opts *o);
/* The report written a process at a time: text_event() takes each event
 * of an analyzer run with LDRSNAP_OPT_PROCESS_EVENTS and writes a
 * process's section (its verdict, signatures, evidence) as it ends;
 * text_end() writes what is said once per log (advice, next steps,
 * totals) or, with --brief, the log's one line.  Memory follows the live
 * processes, not the log. */
typedef struct text_stream text_stream;
int text_begin(text_stream **t, obuf *const *out, const char *source,
               const cli_opts *o);  /* *out: where to write, read at each
                                       call */
int text_event(text_stream *t, const ldrsnap_event *ev);
int text_end(text_stream *t, const ldrsnap_summary *s, bool truncated);
struct rollup;
const struct rollup *text_causes(const text_stream *t);
void text_free(text_stream *t);
void text_error(obuf *out, const char *source, const char *message,
                const cli_opts *o);
void text_record(obuf *out, const ldrsnap_record *r);

/* term.c: text from logs and file names, escaped (control bytes, C1
 * controls and bytes that are not UTF-8 as \e, \n, \x07, \u009b), and
 * prose wrapped at a terminal's width (width 0: not wrapped), never
 * inside a path or a quoted stretch. */
int term_width(int fd);               /* 0 when fd is not a terminal */
void term_put(obuf *out, const char *s);
size_t term_putn(obuf *out, const char *s, size_t n, size_t max_cols,
                 bool *cut);          /* max_cols 0: all; returns columns */
size_t term_cols(const char *s, size_t n);
/* Plain ASCII runs written in one copy (on by default); off, a character
 * at a time: the oracle (tests/unit/test_term.c). */
void term_fast(bool on);
void term_para(obuf *out, int width, size_t indent, const char *lead,
               const char *text, size_t cont);
const char *cli_basename(const char *path);   /* after the last \ or / */
/* The length (1 to 4) of the valid UTF-8 sequence at s (NUL-terminated or
 * with 3 bytes after it), or 0: an overlong form, a surrogate, past
 * U+10FFFF, a stray continuation byte; a C1 control (U+0080..U+009F) only
 * when c1 is true. */
size_t cli_utf8_len(const unsigned char *s, bool c1);
size_t cli_stem_len(const char *name);        /* without its extension */

/* next_steps.c: the commands to run next, with the log's names. */
#define STEP_MAX_CMDS 3
typedef struct step {
    char *title;                 /* what it finds out, or what to do */
    char *cmds[STEP_MAX_CMDS];   /* ready to paste, one a line */
    size_t ncmds;
} step;
typedef struct steps {
    step *v;
    size_t n, cap;
} steps;
/* The steps for a log's verdicts (arch[k]: "x86", "x64", "arm64" or NULL
 * for verdict k, or arch NULL); 0, or -1 out of memory. */
int next_steps(steps *st, const ldrsnap_summary *s, const char *const *arch);
void steps_free(steps *st);
/* The architecture these texts of a process show, or NULL. */
const char *guess_arch(const char *const *texts, size_t n);

/* tree.c: the load tree of each process of an input. */
#define TREE_NONE UINT32_MAX
typedef struct tnode {
    char *name;          /* the file name */
    char *path;          /* a full path when the log gave one, or NULL */
    size_t proc;         /* its process (index) */
    uint64_t line;       /* first seen */
    uint32_t parent, first, last, next; /* TREE_NONE: none */
    bool sure;           /* the log names its parent */
    bool shown;          /* tree_mark() */
    size_t nhidden;      /* children not shown */
    int rank;            /* 0 no failure; 1 noise, 2 handled, 3 consequence,
                            4 root cause */
    ldrsnap_role role;
    ldrsnap_kind kind;
    bool has_status;
    uint32_t status;
    uint64_t fail_line;
} tnode;
#define TREE_MAX_LANES 32   /* threads per process in the timeline */
#define TREE_MAX_SPANS 48   /* top-level loads per thread */
typedef struct tspan {
    uint32_t node;
    uint64_t start, end; /* lines */
    uint32_t status;
    bool failed, open;
} tspan;
typedef struct tframe {
    uint32_t node;
    const char *fn;      /* interned function name */
} tframe;
typedef struct tthread {
    uint32_t tid;
    bool has_tid;
    uint64_t first, last; /* lines */
    tframe stack[24];
    unsigned depth;
    tspan *spans;
    size_t nspans, cspans, more;
    struct tthread *next;
} tthread;
typedef struct tproc {
    uint64_t key;        /* 1 << 32 | pid, or 0: the log gives no pid */
    uint64_t first_line, last_line;
    uint32_t root;       /* the image's node */
    size_t nthreads;
    uint32_t *slots;     /* its nodes by name: index + 1 */
    size_t nslots, nused;
    char *image;
    bool began, failing;
    bool kept;           /* ended, and kept to be shown */
    bool ended;          /* the analyzer ended it (tree_end()) */
    tthread *threads;
    tthread *last_thread; /* the one the last record named */
} tproc;
typedef struct tree tree;
/* all: keep clean processes too; keep: how many ended ones to show;
 * close: once they are kept, the others and the rest of the log are not
 * followed (the page shows only those) */
int tree_new(tree **out, bool all, size_t keep, bool close);
void tree_end(tree *t, unsigned flags, uint32_t pid, uint64_t last_line,
              bool failed);
void tree_free(tree *t);
int tree_record(tree *t, const ldrsnap_record *r);
int tree_failure(tree *t, const ldrsnap_failure *f);
void tree_mark(tree *t, bool all);  /* the failing paths, or all */
size_t tree_nprocs(const tree *t);
const tproc *tree_proc(const tree *t, size_t i);
const tnode *tree_node(const tree *t, uint32_t i);
size_t tree_dropped(const tree *t);
/* Ended processes freed unshown: failing ones, and (--all) the others. */
size_t tree_gone(const tree *t, bool failing);
#define TREE_KEEP 64        /* ended processes kept to be shown */
/* The process of a failure or verdict (index), or -1. */
long tree_proc_at(const tree *t, unsigned flags, uint32_t pid,
                  uint64_t line);
void tree_text(obuf *out, tree *t, const char *source, const cli_opts *o);

/* rollup.c: the rollup of a run over many logs, and ldrsnap rollup */
enum rollup_state { RS_FAILING, RS_CLEAN, RS_SKIPPED, RS_ERROR };
typedef struct rollup_cause_t {
    char *kind, *dll, *status;   /* status "0x%08x" or NULL */
    uint64_t hash;               /* of the three (rollup.c) */
    size_t count;
    char *sources[3];            /* the first few, in input order */
    size_t nsources;
} rollup_cause_t;
typedef struct rollup_sig_t {
    char *id;
    size_t count;
} rollup_sig_t;
typedef struct rollup {
    size_t failing, clean, skipped, errors;
    rollup_cause_t *causes;
    size_t ncauses, capc;
    size_t *cix;                 /* the causes by hash: index + 1, 0 free */
    size_t cix_cap;              /* (NULL once sorted: built again) */
    rollup_sig_t *sigs;
    size_t nsigs, caps;
} rollup;
void rollup_input(rollup *r, enum rollup_state st);
int rollup_cause(rollup *r, const char *kind, const char *dll,
                 const char *status, const char *source, size_t count);
int rollup_signature(rollup *r, const char *id, size_t count);
int rollup_merge(rollup *into, const rollup *from);
size_t rollup_inputs(const rollup *r);
void rollup_json(obuf *out, rollup *r);
void rollup_text(obuf *out, rollup *r);
void rollup_free(rollup *r);
void json_skipped(obuf *out, const char *source, const char *why);
int cmd_rollup(int argc, char **argv, const cli_opts *o);

/* analyze.c */
int cmd_analyze(int argc, char **argv, const cli_opts *o);
int cmd_tokens(int argc, char **argv, const cli_opts *o);

/* redact_cmd.c */
int cmd_redact(int argc, char **argv, const cli_opts *o);

/* redact_out.c: --redact.  out and err hold what the subcommand wrote;
 * their redacted text goes to out_fd and err_fd.  Returns the exit
 * status (status, or EXIT_TROUBLE when nothing could be written). */
int redact_output(const cli_opts *o, int argc, char **argv, obuf *out,
                  obuf *err, int out_fd, int err_fd, int status);
/* redact_cmd.c: read the inputs for names (standard input excepted). */
void redact_learn(ldrsnap_redactor *r, int argc, char **argv);

/* diff_cmd.c */
int cmd_diff(int argc, char **argv, const cli_opts *o);

/* rules_cmd.c */
int load_rules(cli_opts *o, ldrsnap_rules **out);
int cmd_rules(int argc, char **argv, const cli_opts *o);

/* decode.c */
int cmd_decode(int argc, char **argv, const cli_opts *o);
void text_wrapped(obuf *out, size_t indent, const char *lead,
                  const char *text, size_t cont);

#endif
