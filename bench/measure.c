/*
 * measure.c - run a command N times; print the best wall time and the
 * largest peak RSS of the child, so `make bench` needs no extra package.
 *
 *   measure N command [args...]   ->   "<seconds> <peak KiB>"
 *
 * The command's stdout goes to a scratch file, not /dev/null: GNU grep
 * stops at the first match when it sees /dev/null, which would not be a
 * fair baseline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int runs = atoi(argv[1]);
    double best = 1e30;
    long rss = 0;
    for (int i = 0; i < runs; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pid_t pid = fork();
        if (pid == 0) {
            int out = open("bench/out/measure.out",
                           O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(out, 1);
            execvp(argv[2], argv + 2);
            _exit(127);
        }
        int st;
        struct rusage ru;
        wait4(pid, &st, 0, &ru);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
            return 2;
        double t = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
        if (t < best)
            best = t;
        if (ru.ru_maxrss > rss)
            rss = ru.ru_maxrss;
    }
    printf("%.3f %ld\n", best, rss);
    return 0;
}
