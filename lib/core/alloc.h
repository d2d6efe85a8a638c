/*
 * core/alloc.h - memory: the caller's allocator behind every handle
 * (ldrsnap_options.allocator), large reused regions, string copies, and
 * the start of every *_new().  libc only; every stage may include it.
 */
#ifndef LDRSNAP_CORE_ALLOC_H
#define LDRSNAP_CORE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "ldrsnap.h"

typedef struct ls_alloc {
    ldrsnap_allocator a;
} ls_alloc;

void ldrsnap__alloc_init(ls_alloc *al, const ldrsnap_options *opts);
void *ldrsnap__malloc(const ls_alloc *al, size_t n);
void *ldrsnap__calloc(const ls_alloc *al, size_t n);
void *ldrsnap__realloc(const ls_alloc *al, void *p, size_t n);
void ldrsnap__free(const ls_alloc *al, void *p);
/* Large memory filled once and reused (the pipeline's arena). */
void *ldrsnap__big_alloc(const ls_alloc *al, size_t n);
void ldrsnap__big_free(const ls_alloc *al, void *p, size_t n);
/* Fault in the whole pages of [p, p + n), part of such memory, ahead of
 * their first writes, the bytes unchanged (Linux 5.14's
 * MADV_POPULATE_WRITE, with malloc()'s memory only).  false: not done,
 * nor will it be (unsupported, or out of memory). */
bool ldrsnap__big_populate(const ls_alloc *al, void *p, size_t n);
char *ldrsnap__strndup(const ls_alloc *al, const char *s, size_t n);
char *ldrsnap__strdup(const ls_alloc *al, const char *s);

/* A pool of small blocks over another allocator, for a stage that makes
 * and frees many (the trace: a process's threads, frames, strings and
 * failures, all freed when it ends).  Blocks of up to LS_POOL_MAX bytes
 * come in power-of-two classes from 32 bytes, each behind a header that
 * says its class; a freed one waits on its class's list for the next
 * request (at most LS_POOL_KEEP bytes a class, the rest given back), and
 * a realloc() within its class keeps the block.  Larger blocks go
 * straight to the allocator below.  ldrsnap__pool_init() makes *al an
 * allocator on the pool; ldrsnap__pool_drain() gives every waiting block
 * back (once nothing made from it is live). */
#define LS_POOL_CLASSES 7 /* 32 .. 2048 bytes */
#define LS_POOL_MAX 2048
#define LS_POOL_KEEP ((size_t)256 << 10)
typedef struct ls_pool {
    ls_alloc under;
    void *head[LS_POOL_CLASSES];
    size_t n[LS_POOL_CLASSES];
} ls_pool;
void ldrsnap__pool_init(ls_pool *pool, const ls_alloc *under, ls_alloc *al);
void ldrsnap__pool_drain(ls_pool *pool);

/* The start of every *_new() (after its own out-parameter check): check
 * the options, set up the allocator, allocate a zeroed handle of `size`
 * bytes.  Returns it, or NULL with *rc saying why. */
void *ldrsnap__handle_alloc(const ldrsnap_options *opts, size_t size,
                            ls_alloc *al, int *rc);

/* Validate caller options; fills defaults.  Returns LDRSNAP_EINVAL on a
 * version or allocator the library does not know. */
int ldrsnap__options_check(const ldrsnap_options *opts);

#endif
