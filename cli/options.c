/*
 * options.c - the command line's options, as a table, and the parser that
 * reads them the way getopt_long() users expect:
 *
 *   - options anywhere, before or after the subcommand and the operands;
 *   - --opt value and --opt=value; -j 4 and -j4;
 *   - '--' ends the options; '-' alone is an operand (standard input);
 *   - a subcommand that reads numbers (decode) takes -1073741515 as an
 *     operand, not as an option;
 *   - ldrsnap SUBCOMMAND --help prints that subcommand's help.
 *
 * To add an option: a row in `options[]` (its long name, its short letter
 * if any, whether it takes a value, the subcommands that accept it, the
 * function that stores it, one line of help) and, usually, a field in
 * cli_opts.  To add a subcommand: a value in `enum cli_cmd`, a row in
 * `commands[]`, and its bit in the rows of the options it accepts.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- storing option values ------------------------------------------ */

static int set_format(cli_opts *o, const char *v)
{
    if (!strcmp(v, "text"))
        o->format = FMT_TEXT;
    else if (!strcmp(v, "jsonl") || !strcmp(v, "json"))
        o->format = FMT_JSONL;
    else if (!strcmp(v, "html"))
        o->format = FMT_HTML;
    else
        return cli_usage_error(o, "unknown format '%s' (text, jsonl or "
                                  "html)", v);
    o->format_given = true;
    return 0;
}

static int set_json(cli_opts *o, const char *v)
{
    (void)v;
    return set_format(o, "jsonl");
}

static int set_all(cli_opts *o, const char *v)
{
    (void)v;
    o->all = true;
    return 0;
}

static int set_brief(cli_opts *o, const char *v)
{
    (void)v;
    o->brief = true;
    return 0;
}

static int set_ascii(cli_opts *o, const char *v)
{
    (void)v;
    o->ascii = true;
    return 0;
}

static int set_jobs(cli_opts *o, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 1 || n > 1024)
        return cli_usage_error(o, "bad job count '%s' (a number from 1 "
                                  "to 1024)", v);
    o->jobs = (unsigned)n;
    return 0;
}

static int set_color(cli_opts *o, const char *v)
{
    if (!v || !strcmp(v, "auto"))
        o->color_mode = -1;
    else if (!strcmp(v, "always"))
        o->color_mode = 1;
    else if (!strcmp(v, "never"))
        o->color_mode = 0;
    else
        return cli_usage_error(o, "--color takes auto, always or never, "
                                  "not '%s'", v);
    return 0;
}

static int set_no_color(cli_opts *o, const char *v)
{
    (void)v;
    o->color_mode = 0;
    return 0;
}

static int set_rules(cli_opts *o, const char *v)
{
    if (!*v)
        return cli_usage_error(o, "%s", "--rules needs a rule file");
    if (o->n_rule_files == CLI_MAX_RULE_FILES)
        return cli_usage_error(o, "at most %d --rules files",
                               CLI_MAX_RULE_FILES);
    o->rule_files[o->n_rule_files++] = v;
    return 0;
}

static int set_no_builtin(cli_opts *o, const char *v)
{
    (void)v;
    o->no_builtin_rules = true;
    return 0;
}

static int set_output(cli_opts *o, const char *v)
{
    if (!*v)
        return cli_usage_error(o, "%s", "-o needs a file name");
    o->output = v;
    return 0;
}

static int set_redact(cli_opts *o, const char *v)
{
    (void)v;
    o->redact = true;
    return 0;
}

static int set_paths(cli_opts *o, const char *v)
{
    (void)v;
    o->redact_paths = true;
    return 0;
}

static int set_key(cli_opts *o, const char *v)
{
    if (!*v)
        return cli_usage_error(o, "%s", "--key needs a value");
    o->redact_key = v;
    return 0;
}

static int set_list(cli_opts *o, const char *v)
{
    (void)v;
    o->redact_list = true;
    return 0;
}

static int set_files_from(cli_opts *o, const char *v)
{
    if (!*v)
        return cli_usage_error(o, "%s", "--files-from needs a file ('-': "
                                        "standard input)");
    o->files_from = v;
    return 0;
}

static int set_null(cli_opts *o, const char *v)
{
    (void)v;
    o->null_sep = true;
    return 0;
}

static int set_no_progress(cli_opts *o, const char *v)
{
    (void)v;
    o->no_progress = true;
    return 0;
}

static int set_follow(cli_opts *o, const char *v)
{
    (void)v;
    o->follow = true;
    return 0;
}

/* A size: 123, 64K, 512M, 16G, 1T (powers of 1024). */
static int parse_size(const char *v, uint64_t *out)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: break;
    }
    if (*end == 'i' && shift)
        end++;
    if ((*end == 'B' || *end == 'b') && end[1] == '\0')
        end++;
    if (!*v || *v == '-' || *end || n == 0 || n > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)n << shift;
    return 0;
}

static int set_max_bytes(cli_opts *o, const char *v)
{
    if (parse_size(v, &o->limits.max_bytes) < 0)
        return cli_usage_error(o, "bad size '%s' (a number, with K, M, G "
                                  "or T)", v);
    return 0;
}

static int set_max_total(cli_opts *o, const char *v)
{
    if (parse_size(v, &o->limits.max_total) < 0)
        return cli_usage_error(o, "bad size '%s' (a number, with K, M, G "
                                  "or T)", v);
    return 0;
}

static int set_max_ratio(cli_opts *o, const char *v)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *v == '-' || *end || n < 1 || n > 1000000)
        return cli_usage_error(o, "bad ratio '%s' (a number from 1 to "
                                  "1000000)", v);
    o->limits.max_ratio = (uint32_t)n;
    return 0;
}

static int set_force(cli_opts *o, const char *v)
{
    (void)v;
    o->force = true;
    return 0;
}

static int set_help(cli_opts *o, const char *v)
{
    (void)v;
    o->help = true;
    return 0;
}

static int set_version(cli_opts *o, const char *v)
{
    (void)v;
    o->version = true;
    return 0;
}

/* ---- the tables ------------------------------------------------------ */

#define ON(c) (1u << (c))
#define ON_ALL (~0u)
#define ON_INPUTS (ON(CMD_ANALYZE) | ON(CMD_TREE) | ON(CMD_TOKENS))
#define ON_ANALYSIS (ON(CMD_ANALYZE) | ON(CMD_TREE))

static const cli_command commands[CMD_COUNT] = {
    [CMD_ANALYZE] = {"analyze", cmd_analyze, CMDF_INPUTS,
                     "[analyze] [OPTIONS] [PATH...]",
                     "Analyze loader-snaps logs: files, directories, .gz "
                     "files, or '-' for standard input (read when no PATH "
                     "is given and standard input is not a terminal)."},
    [CMD_DECODE] = {"decode", cmd_decode, CMDF_NUMBERS | CMDF_OPERAND,
                    "decode [--format=text|jsonl] CODE...",
                    "What a Win32, HRESULT, NTSTATUS or exception code "
                    "means, every candidate: 0x80070005, c0000135, "
                    "80070005, -2147024891, 2147942405 or a name such as "
                    "E_ACCESSDENIED."},
    [CMD_RULES] = {"rules", cmd_rules, 0,
                   "rules list | show ID... | check FILE...",
                   "List the signatures of known problems, show one, or "
                   "check a rule file (ldrsnap-rules(5))."},
    [CMD_TREE] = {"tree", cmd_analyze, CMDF_INPUTS, "tree [OPTIONS] [PATH...]",
                  "The load tree of each failing process: the program at "
                  "the root, each DLL under the module that loaded it, the "
                  "failing path marked with its status; --all shows every "
                  "process and module.  Exit status as analyze's."},
    [CMD_REDACT] = {"redact", cmd_redact, CMDF_INPUTS | CMDF_OWN_OUTPUT,
                    "redact [--paths] [--key=KEY] [--list] PATH... [-o OUT]",
                    "Each log with stable pseudonyms (user1, host1, "
                    "domain1, dir1) for user, machine and domain names, "
                    "every other byte kept (encoding, line ends, DLL "
                    "names): one log to -o FILE or standard output, "
                    "several or a directory into -o DIR in the same shape. "
                    "A file that would keep a name found elsewhere is not "
                    "written; an input is never written over."},
    [CMD_DIFF] = {"diff", cmd_diff, CMDF_OPERAND,
                  "diff [--format=text|jsonl] [--force] GOOD BAD",
                  "Where a failing run differs from a good one: the "
                  "processes matched by image name, per DLL loaded in good "
                  "and failed in bad, loaded from another folder, loaded "
                  "in only one run, and where the main thread's load "
                  "orders part.  GOOD and BAD are logs (or ARCHIVE!member)."
                  "  Exit status 1 when the runs differ in what explains a "
                  "failure, 0 when not, 2 when an input cannot be read."},
    [CMD_ROLLUP] = {"rollup", cmd_rollup, CMDF_OPERAND,
                    "rollup [--format=text|jsonl] FILE.jsonl...",
                    "One rollup from the JSON Lines of earlier runs "
                    "(shards, '-' for standard input): logs, failing, "
                    "clean, skipped and unreadable, the root causes by "
                    "(kind, DLL, status) and the signatures by count, the "
                    "same as one run over all their inputs gives."},
    [CMD_TOKENS] = {"tokens", cmd_tokens, CMDF_INPUTS,
                    "tokens [--format=text|jsonl] [PATH...]",
                    "The records the tokenizer reads, one per logical "
                    "line."},
};

/* Options that take a value give its name in `arg`; ARG_CHOICE options
 * take the next word only when it is one of `choices` (`--color always`,
 * and `--color` alone before a path). */
static const cli_option options[] = {
    {"format", 0, ARG_REQUIRED, NULL, ON_ALL, set_format, "FMT",
     "text (default), jsonl, or html (analyze: one self-contained page)"},
    {"json", 0, ARG_NONE, NULL, ON_ALL, set_json, NULL,
     "the same as --format=jsonl"},
    {"output", 'o', ARG_REQUIRED, NULL, ON_ALL, set_output, "FILE",
     "write the output to FILE instead of standard output"},
    {"brief", 0, ARG_NONE, NULL, ON(CMD_ANALYZE), set_brief, NULL,
     "one line per log: path: DLL status kind (text)"},
    {"all", 0, ARG_NONE, NULL, ON_ANALYSIS, set_all, NULL,
     "also list handled failures and probe misses (tree: every process "
     "and module)"},
    {"ascii", 0, ARG_NONE, NULL, ON(CMD_TREE), set_ascii, NULL,
     "ASCII lines instead of box drawing (also where the locale is not "
     "UTF-8)"},
    {"jobs", 'j', ARG_REQUIRED, NULL, ON_ANALYSIS, set_jobs, "N",
     "analyze N inputs in parallel (default: the cores)"},
    {"color", 0, ARG_CHOICE, "auto\0always\0never\0", ON_ALL, set_color,
     "WHEN", "auto (a terminal, NO_COLOR unset, TERM not dumb), always, "
             "never"},
    {"colour", 0, ARG_CHOICE, "auto\0always\0never\0", ON_ALL, set_color,
     NULL, NULL},
    {"no-color", 0, ARG_NONE, NULL, ON_ALL, set_no_color, NULL,
     "the same as --color=never"},
    {"rules", 0, ARG_REQUIRED, NULL, ON_ANALYSIS | ON(CMD_RULES),
     set_rules, "FILE", "add a YAML rule file (repeatable)"},
    {"no-builtin-rules", 0, ARG_NONE, NULL, ON_ANALYSIS | ON(CMD_RULES),
     set_no_builtin, NULL, "leave the built-in signatures out"},
    {"redact", 0, ARG_NONE, NULL, ON_ANALYSIS, set_redact, NULL,
     "pseudonyms for user, machine and domain names in all output (as "
     "ldrsnap redact gives them)"},
    {"paths", 0, ARG_NONE, NULL, ON(CMD_REDACT) | ON_ANALYSIS, set_paths,
     NULL, "redact: also the customer's folder names outside Windows and "
           "Program Files (dir1...)"},
    {"key", 0, ARG_REQUIRED, NULL, ON(CMD_REDACT) | ON_ANALYSIS, set_key,
     "KEY", "redact: pseudonyms from a keyed hash, the same in every run "
            "with this KEY"},
    {"list", 0, ARG_NONE, NULL, ON(CMD_REDACT), set_list, NULL,
     "print what was replaced with what on standard error (for your eyes "
     "only)"},
    {"files-from", 0, ARG_REQUIRED, NULL, ON_ANALYSIS, set_files_from, "FILE",
     "more inputs from FILE, one path a line ('-': standard input)"},
    {"null", 0, ARG_NONE, NULL, ON_ANALYSIS, set_null, NULL,
     "--files-from: paths end with a NUL byte, not a newline"},
    {"no-progress", 0, ARG_NONE, NULL, ON_ANALYSIS, set_no_progress, NULL,
     "no progress line on a terminal's standard error"},
    {"follow", 0, ARG_NONE, NULL, ON_ANALYSIS, set_follow, NULL,
     "follow symbolic links met in a directory walk (a link named on "
     "the line is always followed)"},
    {"max-bytes", 0, ARG_REQUIRED, NULL, ON_INPUTS, set_max_bytes, "SIZE",
     "stop reading an input or archive member after SIZE bytes, "
     "decompressed (default 8G)"},
    {"max-total", 0, ARG_REQUIRED, NULL, ON_INPUTS, set_max_total, "SIZE",
     "stop inflating an archive after SIZE bytes, all members and "
     "levels (default 32G)"},
    {"max-ratio", 0, ARG_REQUIRED, NULL, ON_INPUTS, set_max_ratio, "N",
     "refuse what expands more than N:1 past its first 64 MiB "
     "(default 250)"},
    {"force", 0, ARG_NONE, NULL, ON(CMD_DIFF), set_force, NULL,
     "diff: compare logs of different programs too, by DLL name"},
    {"help", 'h', ARG_NONE, NULL, ON_ALL, set_help, NULL,
     "this help (ldrsnap SUBCOMMAND --help: that subcommand's)"},
    {"version", 0, ARG_NONE, NULL, ON_ALL, set_version, NULL,
     "the version of ldrsnap, the library and the JSON schema"},
};

#define N_OPTIONS (sizeof options / sizeof options[0])

const cli_command *cli_command_of(enum cli_cmd c)
{
    return &commands[c];
}

/* ---- messages -------------------------------------------------------- */

int cli_usage_error(const cli_opts *o, const char *fmt, ...)
{
    va_list ap;
    const char *name = o && o->cmd != CMD_ANALYZE ? commands[o->cmd].name
                                                  : NULL;
    va_start(ap, fmt);
    fprintf(stderr, "ldrsnap: %s%s", name ? name : "", name ? ": " : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'ldrsnap %s%s--help'.\n", name ? name : "",
            name ? " " : "");
    return -1;
}

static void option_help(obuf *out, const cli_option *op)
{
    char spelled[64];
    if (op->short_name)
        snprintf(spelled, sizeof spelled, "-%c, --%s%s%s", op->short_name,
                 op->name, op->metavar ? " " : "",
                 op->metavar ? op->metavar : "");
    else
        snprintf(spelled, sizeof spelled, "    --%s%s%s", op->name,
                 op->metavar ? "=" : "", op->metavar ? op->metavar : "");
    char lead[96];
    if (strlen(spelled) > 24) {
        ob_printf(out, "  %s\n", spelled);
        spelled[0] = '\0';
    }
    snprintf(lead, sizeof lead, "  %-24s ", spelled);
    text_wrapped(out, 0, lead, op->help, 27);
}

void cli_help(obuf *out, enum cli_cmd c, bool overview)
{
    if (overview) {
        ob_puts(out, "usage:");
        for (int i = 0; i < CMD_COUNT; i++)
            ob_printf(out, "%s ldrsnap %s\n", i ? "      " : "",
                      commands[i].usage);
        ob_puts(out, "       ldrsnap --version | --help\n");
    } else {
        ob_printf(out, "usage: ldrsnap %s\n", commands[c].usage);
    }
    ob_putc(out, '\n');
    text_wrapped(out, 0, "", commands[c].about, 0);
    ob_puts(out, "\noptions (anywhere on the line; '--' ends them):\n");
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (options[i].help && (options[i].cmds & ON(c)))
            option_help(out, &options[i]);
    if (overview)
        ob_puts(out, "\nldrsnap SUBCOMMAND --help tells more of each.\n");
    ob_puts(out, "\nexit status: 0 no failure found, 1 a failure found, 2 "
                 "an input could\nnot be read or the usage was wrong (the "
                 "other inputs are analyzed).\n");
}

/* ---- parsing --------------------------------------------------------- */

static const cli_option *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(options[i].name) == len &&
            !strncmp(options[i].name, name, len))
            return &options[i];
    return NULL;
}

static const cli_option *find_short(char c)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (options[i].short_name && options[i].short_name == c)
            return &options[i];
    return NULL;
}

static bool is_choice(const cli_option *op, const char *v)
{
    for (const char *c = op->choices; c && *c; c += strlen(c) + 1)
        if (!strcmp(c, v))
            return true;
    return false;
}

/* "-5", "-0x80070005": a number, an operand of a subcommand that reads
 * numbers. */
static bool negative_number(const char *a)
{
    return a[0] == '-' && a[1] >= '0' && a[1] <= '9';
}

static int find_command(const char *a)
{
    for (int i = 0; i < CMD_COUNT; i++)
        if (!strcmp(a, commands[i].name))
            return i;
    return -1;
}

/* Options seen, checked against the subcommand once it is known (it may
 * come after them: `ldrsnap --json decode 5`). */
typedef struct seen {
    const cli_option *op;
    const char *spelled;
} seen;

/* One option at argv[*i]; takes its value from argv[*i + 1] when it
 * needs one and it is not glued on.  0, or -1 after a usage error. */
static int one_option(cli_opts *o, int argc, char **argv, int *i,
                      seen *s)
{
    const char *a = argv[*i];
    const cli_option *op;
    const char *val = NULL;
    bool glued = false;
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        op = find_long(a + 2, len);
        if (eq)
            val = eq + 1, glued = true;
    } else {
        op = find_short(a[1]);
        if (op && a[2])
            val = a + 2, glued = true;
    }
    if (!op)
        return cli_usage_error(o, "unknown option '%s'", a);
    s->op = op;
    s->spelled = a;
    if (op->arg == ARG_NONE && glued)
        return cli_usage_error(o, "%s takes no value", a);
    if (op->arg == ARG_REQUIRED && !glued) {
        if (*i + 1 >= argc)
            return cli_usage_error(o, "%s needs a value (%s)", a,
                                   op->metavar);
        val = argv[++*i];
    }
    if (op->arg == ARG_CHOICE && !glued && *i + 1 < argc &&
        is_choice(op, argv[*i + 1]))
        val = argv[++*i];
    return op->set(o, val) < 0 ? -1 : 0;
}

static int check_seen(cli_opts *o, const seen *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(s[i].op->cmds & ON(o->cmd)))
            return cli_usage_error(o, "%s does not apply here",
                                   s[i].spelled);
    if (o->cmd == CMD_TREE && o->format != FMT_TEXT)
        return cli_usage_error(o, "%s", "the tree is text only");
    if (o->format == FMT_HTML && o->cmd != CMD_ANALYZE)
        return cli_usage_error(o, "%s", "--format=html is for analyze");
    if (o->cmd == CMD_REDACT && o->format_given)
        return cli_usage_error(o, "%s", "redact writes the log's own "
                                        "format: no --format");
    if ((o->redact_paths || o->redact_key) && o->cmd != CMD_REDACT &&
        !o->redact)
        return cli_usage_error(o, "%s", "--paths and --key go with --redact");
    return 0;
}

/* Where colour goes: only to a terminal, never with NO_COLOR set (and not
 * empty) or TERM=dumb, unless --color=always. */
bool cli_want_colour(int mode)
{
    if (mode >= 0)
        return mode == 1;
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    if ((nc && *nc) || (term && !strcmp(term, "dumb")))
        return false;
    return isatty(STDOUT_FILENO);
}

int cli_parse(cli_opts *o, int argc, char **argv)
{
    seen *s = calloc((size_t)argc + 1, sizeof *s);
    if (!s) {
        fputs("ldrsnap: out of memory\n", stderr);
        return -1;
    }
    size_t ns = 0;
    int nops = 0, cmd = -1;
    bool only_operands = false;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        bool numbers = cmd >= 0 && (commands[cmd].flags & CMDF_NUMBERS);
        if (only_operands || a[0] != '-' || !a[1] ||
            (numbers && negative_number(a))) {
            if (cmd < 0 && nops == 0 && !only_operands &&
                (cmd = find_command(a)) >= 0) {
                o->cmd = (enum cli_cmd)cmd;
                continue;
            }
            argv[nops++] = a;
        } else if (!strcmp(a, "--")) {
            only_operands = true;
        } else if (one_option(o, argc, argv, &i, &s[ns++]) < 0) {
            free(s);
            return -1;
        }
        if (cmd < 0 && nops > 0)
            cmd = CMD_ANALYZE;
    }
    int rc = o->help || o->version ? 0 : check_seen(o, s, ns);
    free(s);
    return rc < 0 ? -1 : nops;
}
