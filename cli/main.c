/*
 * main.c - ldrsnap: arguments, subcommands and exit status.
 *
 *   ldrsnap [analyze] [OPTIONS] PATH...   (design.md, version 1 contract)
 *   ldrsnap decode [--format=text|jsonl] [--] CODE...
 *   ldrsnap rules list | show ID... | check FILE...
 *   ldrsnap tokens [--format=text|jsonl] PATH...
 *   ldrsnap --version | --help
 *
 * Exit status: 0 no failure found, 1 a failure found, 2 an input could not
 * be read or the usage was wrong (the other inputs are still analyzed).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage_text[] =
    "usage: ldrsnap [analyze] [OPTIONS] PATH...   analyze loader-snaps logs\n"
    "       ldrsnap decode [--format=text|jsonl] [--] CODE...\n"
    "       ldrsnap rules list | show ID... | check FILE...\n"
    "       ldrsnap tokens [--format=text|jsonl] PATH...\n"
    "       ldrsnap --version | --help\n"
    "\n"
    "PATH is a log file, a directory (searched recursively), a .gz file,\n"
    "or '-' for standard input.  Logs may be UTF-8, UTF-16 or CP1252.\n"
    "\n"
    "options:\n"
    "  --format=text|jsonl   text for people (default), JSON Lines for\n"
    "                        machines; --json is --format=jsonl\n"
    "  --all                 also list handled failures and probe misses\n"
    "  -j N, --jobs=N        analyze N inputs in parallel (default: cores)\n"
    "  --color=auto|always|never   colour (auto: only on a terminal)\n"
    "  --rules=FILE          add a YAML rule file (repeatable)\n"
    "  --no-builtin-rules    leave the built-in signatures out\n"
    "\n"
    "decode reads 0x80070005, c0000135, 80070005 (hex and decimal),\n"
    "-2147024891 (after --), 2147942405 or a name such as E_ACCESSDENIED.\n"
    "\n"
    "exit status: 0 no failure found, 1 a failure found, 2 an input could\n"
    "not be read or the usage was wrong (the other inputs are analyzed).\n";

__attribute__((format(printf, 1, 2))) static int
usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ldrsnap: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'ldrsnap --help'.\n", stderr);
    return EXIT_TROUBLE;
}

static bool parse_jobs(const char *s, unsigned *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > 1024)
        return false;
    *out = (unsigned)v;
    return true;
}

/* Parse options, moving operands to the front of argv.  Returns the
 * number of operands, or -1 after a usage error (already printed). */
static int parse(int argc, char **argv, cli_opts *o, int *color_mode)
{
    int nops = 0;
    bool only_operands = false;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (only_operands || a[0] != '-' || !strcmp(a, "-")) {
            argv[nops++] = a;
        } else if (!strcmp(a, "--")) {
            only_operands = true;
        } else if (!strcmp(a, "--format=text")) {
            o->format = FMT_TEXT;
        } else if (!strcmp(a, "--format=jsonl") || !strcmp(a, "--json")) {
            o->format = FMT_JSONL;
        } else if (!strncmp(a, "--format=", 9)) {
            usage_error("unknown format '%s' (text or jsonl)", a + 9);
            return -1;
        } else if (!strcmp(a, "--all")) {
            o->all = true;
        } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
            if (i + 1 >= argc || !parse_jobs(argv[++i], &o->jobs)) {
                usage_error("%s needs a number from 1 to 1024", a);
                return -1;
            }
        } else if (!strncmp(a, "-j", 2) || !strncmp(a, "--jobs=", 7)) {
            if (!parse_jobs(a + (a[1] == 'j' ? 2 : 7), &o->jobs)) {
                usage_error("bad job count in '%s'", a);
                return -1;
            }
        } else if (!strcmp(a, "--color=always")) {
            *color_mode = 1;
        } else if (!strcmp(a, "--color=never") || !strcmp(a, "--no-color")) {
            *color_mode = 0;
        } else if (!strcmp(a, "--color=auto") || !strcmp(a, "--color")) {
            *color_mode = -1;
        } else if (!strcmp(a, "--no-builtin-rules")) {
            o->no_builtin_rules = true;
        } else if (!strcmp(a, "--rules") || !strncmp(a, "--rules=", 8)) {
            const char *f = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i]
                                                                : NULL);
            if (!f || !*f) {
                usage_error("%s needs a rule file", a);
                return -1;
            }
            if (o->n_rule_files == 64) {
                usage_error("%s", "at most 64 --rules files");
                return -1;
            }
            o->rule_files[o->n_rule_files++] = f;
        } else {
            usage_error("unknown option '%s'", a);
            return -1;
        }
    }
    return nops;
}

/* The subcommand is the first operand when it is one of ours: options may
 * come before it (`ldrsnap --json decode 0x5`).  A log named "decode" is
 * read as ./decode or after `analyze`.  Removes it from argv. */
static int (*subcommand(int *argc, char **argv))(int, char **,
                                                  const cli_opts *)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **, const cli_opts *);
    } cmds[] = {{"analyze", cmd_analyze},
                {"decode", cmd_decode},
                {"rules", cmd_rules},
                {"tokens", cmd_tokens}};
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--"))
            break;
        if (!strcmp(a, "-j") || !strcmp(a, "--jobs") || !strcmp(a, "--rules")) {
            i++; /* its value */
            continue;
        }
        if (a[0] == '-' && a[1])
            continue;
        for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
            if (!strcmp(a, cmds[k].name)) {
                memmove(&argv[i], &argv[i + 1],
                        (size_t)(*argc - i - 1) * sizeof *argv);
                (*argc)--;
                return cmds[k].fn;
            }
        }
        break; /* the first operand is a path */
    }
    return cmd_analyze;
}

static unsigned default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

int main(int argc, char **argv)
{
    cli_opts o = {.format = FMT_TEXT, .jobs = default_jobs()};
    const char *rule_files[64];
    o.rule_files = rule_files;
    int color_mode = -1;
    argc--, argv++;
    if (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        fputs(usage_text, stdout);
        return EXIT_CLEAN;
    }
    if (argc >= 1 && !strcmp(argv[0], "--version")) {
        printf("ldrsnap %s (library %s, JSON schema %d)\n",
               LDRSNAP_VERSION_STRING, ldrsnap_version(),
               LDRSNAP_SCHEMA_VERSION);
        return EXIT_CLEAN;
    }
    int (*cmd)(int, char **, const cli_opts *) = subcommand(&argc, argv);
    int n = parse(argc, argv, &o, &color_mode);
    if (n < 0)
        return EXIT_TROUBLE;
    if (n == 0 && cmd == cmd_rules)
        return cmd_rules(0, argv, &o);
    if (n == 0)
        return usage_error("%s", cmd == cmd_decode
                                     ? "no code: give a code or a name"
                                     : "no input: give a log path, or '-' "
                                       "for standard input");
    o.color = color_mode == 1 ||
              (color_mode == -1 && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    return cmd(n, argv, &o);
}
