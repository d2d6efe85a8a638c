/*
 * render_json.c - the JSON Lines contract of design.md, schema 1, as the
 * library writes it (lib/json/json.c, ldrsnap-json(5)): the CLI's records
 * are those of ldrsnap_event_to_json() and its siblings, written straight
 * into the output buffer (out.c) and checked as every write is.
 */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"

typedef size_t (*to_json)(char *buf, size_t cap, const char *source,
                          const void *what);

/* One record: into the buffer's room when it fits (nearly always), else
 * into room made for its length, else (larger than a descriptor's
 * buffer) through a copy. */
static void emit(obuf *out, to_json fn, const char *source, const void *what)
{
    char *p;
    size_t cap = ob_room(out, 1024, &p);
    size_t n = cap ? fn(p, cap, source, what) : fn(NULL, 0, source, what);
    if (n < cap) {
        ob_advance(out, n);
        return;
    }
    if (out->err)
        return;
    cap = ob_room(out, n + 1, &p);
    if (cap > n) {
        fn(p, cap, source, what);
        ob_advance(out, n);
        return;
    }
    if (out->err)
        return;
    char *tmp = malloc(n + 1);
    if (!tmp) {
        out->err = ENOMEM;
        return;
    }
    fn(tmp, n + 1, source, what);
    ob_write(out, tmp, n);
    free(tmp);
}

static size_t event_json(char *buf, size_t cap, const char *source,
                         const void *what)
{
    return ldrsnap_event_to_json(buf, cap, source, what);
}

static size_t summary_json(char *buf, size_t cap, const char *source,
                           const void *what)
{
    return ldrsnap_summary_to_json(buf, cap, source, what);
}

static size_t error_json(char *buf, size_t cap, const char *source,
                         const void *what)
{
    return ldrsnap_error_to_json(buf, cap, source, what);
}

static size_t record_json(char *buf, size_t cap, const char *source,
                          const void *what)
{
    return ldrsnap_record_to_json(buf, cap, source, what);
}

void json_failure(obuf *out, const char *source, const ldrsnap_failure *f)
{
    ldrsnap_event ev = {LDRSNAP_EV_FAILURE, f, NULL, NULL};
    emit(out, event_json, source, &ev);
}

void json_exception(obuf *out, const char *source,
                    const ldrsnap_exception *e)
{
    ldrsnap_event ev = {LDRSNAP_EV_EXCEPTION, NULL, e, NULL};
    emit(out, event_json, source, &ev);
}

void json_signature(obuf *out, const char *source, const ldrsnap_signature *s)
{
    ldrsnap_event ev = {LDRSNAP_EV_SIGNATURE, NULL, NULL, s};
    emit(out, event_json, source, &ev);
}

/* A summary lists the root causes of the input, often more than the
 * buffer holds: written into room of a size guessed from their number
 * (a root cause takes a few hundred bytes), so it is formatted once, not
 * once for its length and again (the guess too small: the usual way). */
#define SUMMARY_GUESS(n) ((size_t)(n) * 1024 + 4096)
size_t json_summary_room(const obuf *out, const ldrsnap_summary *s)
{
    size_t guess = SUMMARY_GUESS(s->n_verdicts);
    bool large = guess > (64u << 10) &&
                 s->n_verdicts < ((size_t)64 << 20) / 1024 && !out->err;
    return large ? guess : 0;
}

void json_summary(obuf *out, const char *source, const ldrsnap_summary *s)
{
    char *p;
    size_t guess = json_summary_room(out, s);
    bool large = guess != 0;
    /* in memory (-j): straight into the buffer's room, which grows to the
     * guess (pages it never reaches are never touched); a 200 MB log's
     * summary of 2.8 MB was formatted into a buffer of its own and copied
     * over, 1.1 ms at the end of the run */
    if (large && out->fd < 0) {
        size_t cap = ob_room(out, guess, &p);
        size_t n = cap ? ldrsnap_summary_to_json(p, cap, source, s) : cap;
        if (n < cap) {
            ob_advance(out, n);
            return;
        }
    } else if (large && (p = malloc(guess)) != NULL) {
        size_t n = ldrsnap_summary_to_json(p, guess, source, s);
        if (n < guess) {
            ob_write(out, p, n);
            free(p);
            return;
        }
        free(p);
    }
    emit(out, summary_json, source, s);
}

void json_error(obuf *out, const char *source, const char *message)
{
    emit(out, error_json, source, message);
}

void json_record(obuf *out, const char *source, const ldrsnap_record *r)
{
    emit(out, record_json, source, r);
}
