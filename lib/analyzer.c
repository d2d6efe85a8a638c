/*
 * analyzer.c - the public analyzer handle: a parser whose records feed the
 * trace, and at the end the verdicts.
 */
#include <stdio.h>
#include <string.h>

#include "analyzer_internal.h"

#define ANALYZER_MAGIC 0x4C445241u /* "LDRA" */

enum { A_OPEN, A_FINISHED, A_FAILED };

static int on_record(const ldrsnap_record *rec, void *ud)
{
    ldrsnap_analyzer *a = ud;
    if (a->rec_cb && a->rec_cb(rec, a->rec_ud) != 0)
        return a->cb_rc = LDRSNAP_ECALLBACK;
    int rc = ldrsnap__trace_record(a, rec);
    return rc < 0 ? rc : a->cb_rc;
}

int ldrsnap__emit_failure(ldrsnap_analyzer *a, const ldrsnap_failure *f)
{
    if (!a->cb)
        return LDRSNAP_OK;
    ldrsnap_event ev = {LDRSNAP_EV_FAILURE, f, NULL};
    if (a->cb(&ev, a->ud) != 0)
        return a->cb_rc = LDRSNAP_ECALLBACK;
    return LDRSNAP_OK;
}

static bool valid(const ldrsnap_analyzer *a)
{
    return a && a->magic == ANALYZER_MAGIC;
}

int ldrsnap_analyzer_new(ldrsnap_analyzer **out, const ldrsnap_options *opts,
                         ldrsnap_event_cb cb, void *userdata)
{
    if (!out)
        return LDRSNAP_EINVAL;
    *out = NULL;
    ls_alloc al;
    ldrsnap_analyzer *a;
    int rc = ldrsnap__handle_new((void **)&a, opts, sizeof *a, &al);
    if (rc < 0)
        return rc;
    a->magic = ANALYZER_MAGIC;
    a->al = al;
    a->cb = cb;
    a->ud = userdata;
    a->quiet_noise = !cb || (opts && (opts->flags & LDRSNAP_OPT_QUIET_NOISE));
    ldrsnap__parser_init(&a->parser, opts, on_record, a);
    *out = a;
    return LDRSNAP_OK;
}

int ldrsnap_analyzer_set_record_cb(ldrsnap_analyzer *a, ldrsnap_record_cb cb,
                                   void *userdata)
{
    if (!valid(a) || a->state != A_OPEN)
        return LDRSNAP_EMISUSE;
    a->rec_cb = cb;
    a->rec_ud = userdata;
    return LDRSNAP_OK;
}

static int fail(ldrsnap_analyzer *a, int rc)
{
    a->state = A_FAILED;
    snprintf(a->errmsg, sizeof a->errmsg, "%s", ldrsnap_strerror(rc));
    return rc;
}

int ldrsnap_analyzer_feed(ldrsnap_analyzer *a, const void *buf, size_t len)
{
    if (!valid(a) || a->state != A_OPEN)
        return LDRSNAP_EMISUSE;
    if (!buf && len)
        return LDRSNAP_EINVAL;
    int rc = ldrsnap__parser_feed(&a->parser, buf, len);
    return rc != 0 ? fail(a, rc) : LDRSNAP_OK;
}

static const char *dialect_of(const ldrsnap_analyzer *a)
{
    if (a->vista_records && a->xp_records)
        return "mixed";
    if (a->vista_records)
        return "vista";
    if (a->xp_records)
        return "xp";
    return "none";
}

int ldrsnap_analyzer_finish(ldrsnap_analyzer *a)
{
    if (!valid(a) || a->state != A_OPEN)
        return LDRSNAP_EMISUSE;
    int rc = ldrsnap__parser_finish(&a->parser);
    if (rc == 0)
        rc = ldrsnap__verdict_run(a);
    if (rc != 0)
        return fail(a, rc);
    ldrsnap_summary *s = &a->summary;
    s->lines = a->parser.text.lineno;
    s->bytes = a->parser.text.in_bytes;
    s->dialect = dialect_of(a);
    s->encoding = ldrsnap__text_encoding(&a->parser.text);
    s->processes = a->procs_seen;
    s->failures = a->total_failures;
    s->noise = a->noise;
    s->handled = a->handled;
    s->exceptions = a->exceptions;
    a->state = A_FINISHED;
    return LDRSNAP_OK;
}

const ldrsnap_summary *ldrsnap_analyzer_summary(const ldrsnap_analyzer *a)
{
    return valid(a) && a->state == A_FINISHED ? &a->summary : NULL;
}

const char *ldrsnap_analyzer_errmsg(const ldrsnap_analyzer *a)
{
    return valid(a) ? a->errmsg : "invalid analyzer handle";
}

void ldrsnap_analyzer_free(ldrsnap_analyzer *a)
{
    if (!valid(a))
        return;
    ls_alloc al = a->al;
    ldrsnap__trace_free(a);
    ldrsnap__verdict_free(a);
    ldrsnap__parser_fini(&a->parser);
    a->magic = 0;
    ldrsnap__free(&al, a);
}
