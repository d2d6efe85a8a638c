/*
 * core/alloc.h - memory: the caller's allocator behind every handle
 * (ldrsnap_options.allocator), large reused regions, string copies, and
 * the start of every *_new().  libc only; every stage may include it.
 */
#ifndef LDRSNAP_CORE_ALLOC_H
#define LDRSNAP_CORE_ALLOC_H

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
/* Large memory filled once and reused (huge pages where it can). */
void *ldrsnap__big_alloc(const ls_alloc *al, size_t n);
void ldrsnap__big_free(const ls_alloc *al, void *p, size_t n);
char *ldrsnap__strndup(const ls_alloc *al, const char *s, size_t n);
char *ldrsnap__strdup(const ls_alloc *al, const char *s);

/* The start of every *_new() (after its own out-parameter check): check
 * the options, set up the allocator, allocate a zeroed handle of `size`
 * bytes.  Returns it, or NULL with *rc saying why. */
void *ldrsnap__handle_alloc(const ldrsnap_options *opts, size_t size,
                            ls_alloc *al, int *rc);

/* Validate caller options; fills defaults.  Returns LDRSNAP_EINVAL on a
 * version or allocator the library does not know. */
int ldrsnap__options_check(const ldrsnap_options *opts);

#endif
