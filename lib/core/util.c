/*
 * util.c - allocation, buffers, small string helpers, status strings.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "core/ldrsnap_internal.h"
#include "simd/simd.h"

_Thread_local bool ldrsnap__tokenizer_thread;

static void *std_malloc(size_t n, void *ctx)
{
    LS_UNUSED(ctx);
    return malloc(n);
}

static void *std_realloc(void *p, size_t n, void *ctx)
{
    LS_UNUSED(ctx);
    return realloc(p, n);
}

static void std_free(void *p, void *ctx)
{
    LS_UNUSED(ctx);
    free(p);
}

/* Memory a thread fills once and reuses (the pipeline's batches and
 * blocks): an allocation like any other.  It was mapped on its own and
 * marked for transparent huge pages (a fault per 2 MiB instead of one per
 * 4 KiB), but a fresh huge page is cleared whole, touched or not, and on
 * a virtual machine whose free memory goes back to the host that clearing
 * took from 0.2 % to 51 % of a 20 MB run (clear_page_erms, from run to
 * run) against 0.1 to 0.4 % with 4 KiB pages, of which only the ones the
 * batches reach are touched (docs/PERFORMANCE.md). */
void *ldrsnap__big_alloc(const ls_alloc *al, size_t n)
{
    return ldrsnap__malloc(al, n);
}

void ldrsnap__big_free(const ls_alloc *al, void *p, size_t n)
{
    LS_UNUSED(n);
    if (p)
        ldrsnap__free(al, p);
}

bool ldrsnap__big_populate(const ls_alloc *al, void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    /* malloc()'s memory is private and anonymous; a caller's allocator
     * may hand out a file's shared mapping, whose pages this would dirty */
    if (al->a.malloc != std_malloc)
        return false;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return false;
    uintptr_t lo = ((uintptr_t)p + (uintptr_t)page - 1) & -(uintptr_t)page;
    uintptr_t hi = ((uintptr_t)p + n) & -(uintptr_t)page;
    return hi <= lo || madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0;
#else
    LS_UNUSED(al), LS_UNUSED(p), LS_UNUSED(n);
    return false;
#endif
}

void ldrsnap__alloc_init(ls_alloc *al, const ldrsnap_options *opts)
{
    if (opts && opts->allocator) {
        al->a = *opts->allocator;
    } else {
        al->a.malloc = std_malloc;
        al->a.realloc = std_realloc;
        al->a.free = std_free;
        al->a.ctx = NULL;
    }
}

int ldrsnap__options_check(const ldrsnap_options *opts)
{
    if (!opts)
        return LDRSNAP_OK;
    if (opts->version != LDRSNAP_OPTIONS_VERSION)
        return LDRSNAP_EINVAL;
    if (opts->allocator &&
        (!opts->allocator->malloc || !opts->allocator->realloc ||
         !opts->allocator->free))
        return LDRSNAP_EINVAL;
    return LDRSNAP_OK;
}

void *ldrsnap__handle_alloc(const ldrsnap_options *opts, size_t size,
                            ls_alloc *al, int *rc)
{
    if ((*rc = ldrsnap__options_check(opts)) < 0)
        return NULL;
    ldrsnap__alloc_init(al, opts);
    void *h = ldrsnap__calloc(al, size);
    *rc = h ? LDRSNAP_OK : LDRSNAP_ENOMEM;
    return h;
}

void *ldrsnap__malloc(const ls_alloc *al, size_t n)
{
    return al->a.malloc(n ? n : 1, al->a.ctx);
}

void *ldrsnap__calloc(const ls_alloc *al, size_t n)
{
    void *p = ldrsnap__malloc(al, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *ldrsnap__realloc(const ls_alloc *al, void *p, size_t n)
{
    return al->a.realloc(p, n ? n : 1, al->a.ctx);
}

void ldrsnap__free(const ls_alloc *al, void *p)
{
    if (p)
        al->a.free(p, al->a.ctx);
}

char *ldrsnap__strndup(const ls_alloc *al, const char *s, size_t n)
{
    char *d = ldrsnap__malloc(al, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *ldrsnap__strdup(const ls_alloc *al, const char *s)
{
    return s ? ldrsnap__strndup(al, s, strlen(s)) : NULL;
}

/* ---- the pool ---------------------------------------------------------- */

/* Before each block: its class, or LS_POOL_LARGE (a block of the
 * allocator below); 16 bytes, so that the block stays aligned. */
#define LS_POOL_LARGE ((size_t)-1)
#define LS_POOL_HEAD 16

/* Under AddressSanitizer a block waiting on its class's list is poisoned
 * whole, and a block in use past the bytes asked for, so that a use after
 * free or an overflow inside a class is reported as with malloc(). */
#if defined(__SANITIZE_ADDRESS__)
#define LS_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LS_POOL_ASAN 1
#endif
#endif
#ifdef LS_POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POOL_POISON(p, n) ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* A block of class c given out for n bytes. */
static void *pool_give(void *b, size_t c, size_t n)
{
    POOL_UNPOISON(b, n);
    POOL_POISON((char *)b + n, ((size_t)32 << c) - n);
    return b;
}

static size_t pool_class(size_t n)
{
    if (n <= 32)
        return 0;
    /* ceil(log2(n)) - 5 */
    return (size_t)(64 - __builtin_clzll((unsigned long long)(n - 1))) - 5;
}

static void *pool_malloc(size_t n, void *ctx)
{
    ls_pool *pool = ctx;
    size_t *h;
    if (n > LS_POOL_MAX) {
        if (n > SIZE_MAX - LS_POOL_HEAD ||
            !(h = ldrsnap__malloc(&pool->under, n + LS_POOL_HEAD)))
            return NULL;
        *h = LS_POOL_LARGE;
        return (char *)h + LS_POOL_HEAD;
    }
    size_t c = pool_class(n);
    void *b = pool->head[c];
    if (b) { /* the list's link is the block's first word */
        POOL_UNPOISON(b, sizeof b);
        memcpy(&pool->head[c], b, sizeof b);
        pool->n[c]--;
        return pool_give(b, c, n);
    }
    if (!(h = ldrsnap__malloc(&pool->under, ((size_t)32 << c) + LS_POOL_HEAD)))
        return NULL;
    *h = c;
    return pool_give((char *)h + LS_POOL_HEAD, c, n);
}

static void pool_free(void *p, void *ctx)
{
    ls_pool *pool = ctx;
    size_t *h = (size_t *)(void *)((char *)p - LS_POOL_HEAD);
    size_t c = *h;
    if (c == LS_POOL_LARGE || pool->n[c] >= (LS_POOL_KEEP >> 5 >> c)) {
        if (c != LS_POOL_LARGE)
            POOL_UNPOISON(p, (size_t)32 << c);
        ldrsnap__free(&pool->under, h);
        return;
    }
    POOL_UNPOISON(p, sizeof p);
    memcpy(p, &pool->head[c], sizeof p);
    POOL_POISON(p, (size_t)32 << c);
    pool->head[c] = p;
    pool->n[c]++;
}

static void *pool_realloc(void *p, size_t n, void *ctx)
{
    ls_pool *pool = ctx;
    if (!p)
        return pool_malloc(n, ctx);
    size_t *h = (size_t *)(void *)((char *)p - LS_POOL_HEAD);
    size_t c = *h;
    if (c == LS_POOL_LARGE) {
        if (n <= LS_POOL_MAX) /* stays large: its size is not kept */
            n = LS_POOL_MAX + 1;
        if (n > SIZE_MAX - LS_POOL_HEAD)
            return NULL;
        h = ldrsnap__realloc(&pool->under, h, n + LS_POOL_HEAD);
        return h ? (char *)h + LS_POOL_HEAD : NULL;
    }
    size_t cap = (size_t)32 << c;
    if (n <= cap)
        return pool_give(p, c, n);
    void *q = pool_malloc(n, ctx);
    if (!q)
        return NULL;
    POOL_UNPOISON(p, cap); /* the bytes past those asked for too */
    memcpy(q, p, cap);
    pool_free(p, ctx);
    return q;
}

void ldrsnap__pool_init(ls_pool *pool, const ls_alloc *under, ls_alloc *al)
{
    memset(pool, 0, sizeof *pool);
    pool->under = *under;
    al->a.malloc = pool_malloc;
    al->a.realloc = pool_realloc;
    al->a.free = pool_free;
    al->a.ctx = pool;
}

void ldrsnap__pool_drain(ls_pool *pool)
{
    for (size_t c = 0; c < LS_POOL_CLASSES; c++) {
        for (void *b = pool->head[c], *next; b; b = next) {
            POOL_UNPOISON(b, (size_t)32 << c); /* for the allocator below */
            memcpy(&next, b, sizeof next);
            ldrsnap__free(&pool->under, (char *)b - LS_POOL_HEAD);
        }
        pool->head[c] = NULL;
        pool->n[c] = 0;
    }
}

int ldrsnap__buf_grow(const ls_alloc *al, ls_buf *b, size_t need)
{
    if (need <= b->cap)
        return LDRSNAP_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return LDRSNAP_ENOMEM;
        cap *= 2;
    }
    char *p = ldrsnap__realloc(al, b->ptr, cap);
    if (!p)
        return LDRSNAP_ENOMEM;
    b->ptr = p;
    b->cap = cap;
    return LDRSNAP_OK;
}

int ldrsnap__buf_append(const ls_alloc *al, ls_buf *b, const void *p,
                        size_t n)
{
    if (b->len + n < b->len)
        return LDRSNAP_ENOMEM;
    int rc = ldrsnap__buf_reserve(al, b, b->len + n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    return LDRSNAP_OK;
}

void ldrsnap__buf_free(const ls_alloc *al, ls_buf *b)
{
    ldrsnap__free(al, b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

const char *ldrsnap__basename(const char *path)
{
    return path ? ldrsnap__simd_basename(path) : NULL;
}

static inline unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Windows file names compare without case (ASCII folding, as the loader's
 * own names are ASCII). */
bool ldrsnap__name_eq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    if (strcmp(a, b) == 0) /* the usual case, and a vectorized compare */
        return true;
    for (; *a && *b; a++, b++)
        if (*a != *b && fold((unsigned char)*a) != fold((unsigned char)*b))
            return false;
    return *a == *b;
}

const char *ldrsnap_strerror(int status)
{
    switch ((enum ldrsnap_status)status) {
    case LDRSNAP_OK:
        return "success";
    case LDRSNAP_DONE:
        return "no more entries";
    case LDRSNAP_ENOMEM:
        return "out of memory";
    case LDRSNAP_EINVAL:
        return "invalid argument";
    case LDRSNAP_EMISUSE:
        return "handle misused (wrong handle or call out of order)";
    case LDRSNAP_ECALLBACK:
        return "stopped by the callback";
    case LDRSNAP_EIO:
        return "input could not be read";
    case LDRSNAP_EFORMAT:
        return "input is corrupt";
    case LDRSNAP_ELIMIT:
        return "input exceeds a safety limit";
    case LDRSNAP_ENOTFOUND:
        return "not found";
    }
    return "unknown status";
}

const char *ldrsnap_version(void)
{
    return LDRSNAP_VERSION_STRING;
}
