/*
 * redact_out.c - `--redact`: the pseudonyms of `ldrsnap redact` in every
 * output format.  What the subcommand writes (text, JSON Lines, HTML,
 * the tree, errors) is kept in memory; the inputs (standard input
 * excepted) and that output are read for names, then the output is
 * written through the same redactor: one filter that every renderer goes
 * through, so a format added later is redacted too.  An output that would
 * keep a name it found elsewhere (inside a DLL's file name) is not
 * written.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int to_obuf(void *ctx, const void *buf, size_t len)
{
    obuf *o = ctx;
    ob_write(o, buf, len);
    return o->err ? -1 : 0;
}

static int pass(ldrsnap_redactor *r, const obuf *in, obuf *out)
{
    int rc = ldrsnap_redactor_begin(r, out ? to_obuf : NULL, out);
    if (rc == 0 && in->len)
        rc = ldrsnap_redactor_feed(r, in->buf, in->len);
    int end = ldrsnap_redactor_end(r);
    return rc ? rc : end;
}

int redact_output(const cli_opts *o, int argc, char **argv, obuf *out,
                  obuf *err, int out_fd, int err_fd, int status)
{
    ldrsnap_redactor *r = NULL;
    obuf ro, re;
    ob_init_fd(&ro, out_fd);
    ob_init_fd(&re, err_fd);
    unsigned flags = o->redact_paths ? LDRSNAP_REDACT_PATHS : 0;
    int rc = ldrsnap_redactor_new(&r, NULL, flags, o->redact_key);
    if (rc == 0)
        redact_learn(r, argc, argv);
    if (rc == 0)
        rc = pass(r, out, NULL);
    if (rc == 0)
        rc = pass(r, err, NULL);
    if (rc == 0)
        rc = pass(r, err, &re);
    uint64_t leaks = ldrsnap_redactor_leaks(r);
    if (rc == 0)
        rc = pass(r, out, &ro);
    leaks += ldrsnap_redactor_leaks(r);
    if (rc < 0) {
        ob_printf(&re, "ldrsnap: --redact: %s\n", ldrsnap_strerror(rc));
        status = EXIT_TROUBLE;
        ro.len = 0;
    } else if (leaks) {
        ob_printf(&re, "ldrsnap: --redact: the output is not written: a name "
                       "it replaced elsewhere would stay (output %s)\n",
                  ldrsnap_redactor_errmsg(r));
        status = EXIT_TROUBLE;
        ro.len = 0;
    }
    if (ob_finish(&ro, "standard output") < 0 ||
        ob_finish(&re, "standard error") < 0)
        status = EXIT_TROUBLE;
    ob_free(&ro);
    ob_free(&re);
    ldrsnap_redactor_free(r);
    return status;
}
