/*
 * analyze.c - the smallest useful embedding of libldrsnap: print each
 * root cause of a loader-snaps log, one per line.
 *
 *   cc analyze.c $(pkg-config --cflags --libs ldrsnap) -o analyze
 *   ./analyze LDR.log
 *
 * Output: "<dll> <parent> <status> <status name>" per failing process,
 * with "-" for what the log does not say.  Exit status 0 when nothing
 * failed, 1 when something did, 2 when the log could not be read.
 */
#include <stdio.h>

#include <ldrsnap.h>

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

int main(int argc, char **argv)
{
    ldrsnap_analyzer *a = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: %s LDR.log\n", argv[0]);
        return 2;
    }
    /* No event callback: only the verdicts are wanted. */
    int rc = ldrsnap_analyze_path(&a, argv[1], NULL, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], ldrsnap_strerror(rc));
        ldrsnap_analyzer_free(a);
        return 2;
    }
    const ldrsnap_summary *s = ldrsnap_analyzer_summary(a);
    for (size_t i = 0; i < s->n_verdicts; i++) {
        const ldrsnap_verdict *v = &s->verdicts[i];
        char status[16] = "-";
        if (v->flags & LDRSNAP_FF_STATUS)
            snprintf(status, sizeof status, "0x%08x", (unsigned)v->status);
        printf("%s %s %s %s\n", or_dash(v->dll), or_dash(v->parent), status,
               or_dash(v->status_name));
    }
    int found = s->n_verdicts > 0;
    ldrsnap_analyzer_free(a);
    return found;
}
