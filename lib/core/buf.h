/*
 * core/buf.h - a growable byte buffer.  libc only.
 */
#ifndef LDRSNAP_CORE_BUF_H
#define LDRSNAP_CORE_BUF_H

#include "core/alloc.h"

typedef struct ls_buf {
    char *ptr;
    size_t len, cap;
} ls_buf;

int ldrsnap__buf_grow(const ls_alloc *al, ls_buf *b, size_t need);
/* Room for need bytes in b (the check inline: most calls have it). */
static inline int ldrsnap__buf_reserve(const ls_alloc *al, ls_buf *b,
                                       size_t need)
{
    return need <= b->cap ? LDRSNAP_OK : ldrsnap__buf_grow(al, b, need);
}
int ldrsnap__buf_append(const ls_alloc *al, ls_buf *b, const void *p,
                        size_t n);
void ldrsnap__buf_free(const ls_alloc *al, ls_buf *b);

#endif
