/*
 * core/common.h - the small types every stage may see.
 *
 * libc only.  ls_sink: the one way results leave the trace, the verdicts
 * and the rules; the analyzer implements it, and no stage sees the
 * analyzer behind it.
 */
#ifndef LDRSNAP_CORE_COMMON_H
#define LDRSNAP_CORE_COMMON_H

#include "ldrsnap.h"

/* Where the results of a stage go.  Each function returns 0, or an error
 * (< 0) that stops the stage and is returned by it. */
typedef struct ls_sink {
    /* a failure, with its role (noise at once, the others when their
     * process is judged) */
    int (*failure)(void *ctx, const ldrsnap_failure *f);
    /* an exception, as it is read */
    int (*exception)(void *ctx, const ldrsnap_exception *e);
    /* a rule's signature, once its last step matched */
    int (*signature)(void *ctx, const ldrsnap_signature *sig);
    void *ctx;
} ls_sink;

#endif
