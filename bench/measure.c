/*
 * measure.c - run commands N times each, taking turns; print each one's
 * best wall time and the largest peak RSS of its runs, so `make bench`
 * needs no extra package.
 *
 *   measure N cmd1 [args...] [-- cmd2 [args...]]...
 *       ->  one line per command: "<seconds> <peak KiB>"
 *
 * Taking turns (cmd1, cmd2, cmd1, cmd2, ...) rather than all runs of one
 * command and then all of the next keeps a ratio between them fair on a
 * machine whose speed drifts over a few seconds (a shared virtual
 * machine does).
 *
 * The commands' stdout goes to a scratch file, not /dev/null: GNU grep
 * stops at the first match when it sees /dev/null, which would not be a
 * fair baseline.  The file is emptied before the clock starts: freeing
 * the previous run's output (54 MB after ldrsnap --json on the 200 MB
 * capture) took 19 to 32 ms, charged to whichever command ran next.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 16

/* One run: its wall time in seconds, or -1 when it could not start. */
static double run_once(char **argv, long *rss)
{
    struct timespec a, b;
    int out = open("bench/out/measure.out", O_WRONLY | O_CREAT | O_TRUNC,
                   0644);
    if (out < 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(out);
    int st;
    struct rusage ru;
    wait4(pid, &st, 0, &ru);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        return -1;
    if (ru.ru_maxrss > *rss)
        *rss = ru.ru_maxrss;
    return (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int runs = atoi(argv[1]);
    char **cmd[MAX_CMDS];
    int ncmd = 0;
    cmd[ncmd++] = argv + 2;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0 && ncmd < MAX_CMDS) {
            argv[i] = NULL; /* ends the command before it */
            cmd[ncmd++] = argv + i + 1;
        }
    }
    double best[MAX_CMDS];
    long rss[MAX_CMDS] = {0};
    for (int c = 0; c < ncmd; c++)
        best[c] = 1e30;
    for (int r = 0; r < runs; r++) {
        for (int c = 0; c < ncmd; c++) {
            double t = run_once(cmd[c], &rss[c]);
            if (t < 0)
                return 2;
            if (t < best[c])
                best[c] = t;
        }
    }
    for (int c = 0; c < ncmd; c++)
        printf("%.3f %ld\n", best[c], rss[c]);
    return 0;
}
