/*
 * helpers.h - fixtures shared by the unit tests.
 */
#ifndef LDRSNAP_TEST_HELPERS_H
#define LDRSNAP_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include <ldrsnap.h>

#ifndef SRCDIR
#define SRCDIR "."
#endif

/* A whole file in memory (NULL when missing). */
char *read_file(const char *path, size_t *len);

/* Records flattened to one line of text each, for comparisons. */
typedef struct rec_list {
    char **lines;
    size_t n, cap;
} rec_list;

int collect_record(const ldrsnap_record *r, void *ud);
void rec_list_free(rec_list *l);

/* Tokenize buf fed in chunks of `chunk` bytes (0 = whole, SIZE_MAX =
 * random sizes from seed). */
void tokenize(const char *buf, size_t len, size_t chunk, unsigned seed,
              const ldrsnap_options *opts, rec_list *out);

/* Failures and exceptions, flattened. */
typedef struct analysis {
    ldrsnap_analyzer *a;
    const ldrsnap_summary *s;
    rec_list events;
    size_t roots, consequences, handled, noise, exceptions;
} analysis;

int collect_event(const ldrsnap_event *ev, void *ud);
void analyze_buf(const char *buf, size_t len, size_t chunk, analysis *out);
void analyze_file(const char *path, analysis *out);
void analysis_free(analysis *an);

/* The first verdict's fields, as strings ("" for NULL). */
const char *verdict_dll(const analysis *an);
const char *verdict_status(const analysis *an); /* "0xc0000135" or "" */

#endif
