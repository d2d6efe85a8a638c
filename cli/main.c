/*
 * main.c - ldrsnap: the subcommand, its options and operands (options.c),
 * the output file, and the exit status.
 *
 *   ldrsnap [analyze] [OPTIONS] [PATH...]  (design.md, version 1 contract)
 *   ldrsnap decode [--format=text|jsonl] CODE...
 *   ldrsnap rules list | show ID... | check FILE...
 *   ldrsnap tokens [--format=text|jsonl] [PATH...]
 *   ldrsnap redact [--paths] [--key=KEY] [--list] PATH... [-o OUT]
 *   ldrsnap diff [--format=text|jsonl] [--force] GOOD BAD
 *   ldrsnap --version | --help
 *
 * Exit status: 0 no failure found, 1 a failure found, 2 an input could not
 * be read or the usage was wrong (the other inputs are still analyzed).
 */
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static unsigned default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* -o FILE: standard output goes to FILE (so that every writer, stdio or
 * not, writes there). */
static int redirect_output(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        fprintf(stderr, "ldrsnap: error: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fd != STDOUT_FILENO && dup2(fd, STDOUT_FILENO) < 0) {
        fprintf(stderr, "ldrsnap: error: %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (fd != STDOUT_FILENO)
        close(fd);
    return 0;
}

static int run(int argc, char **argv)
{
    const char *rule_files[CLI_MAX_RULE_FILES];
    cli_opts o = {.cmd = CMD_ANALYZE, .format = FMT_TEXT, .color_mode = -1,
                  .jobs = default_jobs(), .rule_files = rule_files,
                  .limits = LDRSNAP_LIMITS_INIT};
    int n = cli_parse(&o, argc - 1, argv + 1);
    if (n < 0)
        return EXIT_TROUBLE;
    char **ops = argv + 1;
    if (o.version) {
        ob_printf(&ob_stdout, "ldrsnap %s (library %s, JSON schema %d)\n",
                  LDRSNAP_VERSION_STRING, ldrsnap_version(),
                  LDRSNAP_SCHEMA_VERSION);
        return EXIT_CLEAN;
    }
    const cli_command *c = cli_command_of(o.cmd);
    if (o.help) {
        cli_help(&ob_stdout, o.cmd, o.cmd == CMD_ANALYZE);
        return EXIT_CLEAN;
    }
    static char stdin_name[] = "-";
    char *stdin_only[] = {stdin_name, NULL};
    if (n == 0 && (c->flags & CMDF_INPUTS) && !o.files_from) {
        if (isatty(STDIN_FILENO)) {
            cli_usage_error(&o, "%s", "no input: give a log path, or '-' "
                                      "for standard input");
            return EXIT_TROUBLE;
        }
        ops = stdin_only;
        n = 1;
    }
    if (n == 0 && (c->flags & CMDF_OPERAND)) {
        cli_usage_error(&o, "%s", o.cmd == CMD_DECODE
                                      ? "no code: give a code or a name"
                                      : "nothing to do");
        return EXIT_TROUBLE;
    }
    if (o.output && !(c->flags & CMDF_OWN_OUTPUT) &&
        redirect_output(o.output) < 0)
        return EXIT_TROUBLE;
    ob_init_fd(&ob_stdout, STDOUT_FILENO); /* a terminal no more, maybe */
    o.color = cli_want_colour(o.color_mode);
    o.width = term_width(STDOUT_FILENO);
    if (!o.redact)
        return c->run(n, ops, &o);
    /* --redact: every byte of the output through one redactor */
    ob_finish(&ob_stderr, "standard error");
    ob_init_mem(&ob_stdout);
    ob_init_mem(&ob_stderr);
    int status = c->run(n, ops, &o);
    fflush(stderr);
    status = redact_output(&o, n, ops, &ob_stdout, &ob_stderr, STDOUT_FILENO,
                           STDERR_FILENO, status);
    ob_free(&ob_stdout);
    ob_free(&ob_stderr);
    ob_init_fd(&ob_stdout, STDOUT_FILENO);
    ob_init_fd(&ob_stderr, STDERR_FILENO);
    return status;
}

/* Every write is checked: output that could not be written (a full disk,
 * a closed pipe) is exit 2, said on standard error. */
/* glibc's malloc raises its mmap threshold to the size of the largest
 * block freed so far, up to 32 MiB, and keeps twice that free at the top
 * of every thread's arena.  A run over many large logs frees large blocks
 * (a 200 MB log's summary line: 10 MB) and then kept more and more of
 * what later logs freed: the peak RSS of make bench's tar.zst of 1 GiB
 * was 50.9 MiB, of 4 GiB 60.0 MiB, against 28 MiB for one of its logs.
 * Fixed thresholds keep it flat (37 to 40 MiB from 2 logs to 41): blocks
 * of 2 MiB and more are mapped and given back when freed, and at most
 * 2 MiB is kept free at an arena's top (256 KiB made -j 2 on a folder of
 * 1,920 logs fault 5,000 pages instead of 1,400: the workers' arenas
 * given back and taken again log after log; 2 MiB, 2,200 to 3,300).  A
 * log's buffers (1 MiB and less, reused from one log to the next) stay
 * in the arenas. */
static void malloc_bounds(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    mallopt(M_MMAP_THRESHOLD, 2 << 20);
    mallopt(M_TRIM_THRESHOLD, 2 << 20);
#endif
}

int main(int argc, char **argv)
{
    malloc_bounds();
    ob_init_fd(&ob_stdout, STDOUT_FILENO);
    ob_init_fd(&ob_stderr, STDERR_FILENO);
    int status = run(argc, argv);
    if (ob_finish(&ob_stdout, "standard output") < 0 ||
        ob_finish(&ob_stderr, "standard error") < 0 || fflush(stderr) != 0 ||
        ferror(stderr))
        status = EXIT_TROUBLE;
    ob_free(&ob_stdout);
    ob_free(&ob_stderr);
    return status;
}
