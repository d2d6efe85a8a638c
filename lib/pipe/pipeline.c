/*
 * pipeline.c - tokenize on a second thread (LDRSNAP_OPT_THREADED).
 *
 * The caller's thread keeps everything that calls back into the caller:
 * the trace, the rules and the events.  The tokenizer thread runs the
 * parser, which lexes each record straight into a batch (record structs
 * plus their strings); full batches go to the caller's thread, which
 * replays them through the same record handler as the one-thread path,
 * and hands them back.  A fixed ring of batches bounds the memory.
 *
 * ldrsnap_analyzer_feed() copies its bytes into one of a few input
 * blocks (so the caller's chunk size does not matter and its buffer is its
 * own again at once), hands full blocks to the tokenizer, and analyzes the
 * batches that are ready; it waits only when every input block is in use,
 * and then analyzes while it waits.  Finish hands over the last block and
 * analyzes the rest.
 */
#include <pthread.h>
#include <string.h>

#include "pipe/pipeline_internal.h"
#include "simd/simd.h"

/* Three: the tokenizer's first pass over the ring faults in every page it
 * writes (each 1-2 us here, some 300 a batch), and with the per-batch
 * costs of the 200 MB capture a fourth batch never shortened the run
 * (/work/lead-tools/sim.py: the same makespan for 3 to 100,000; 2 is
 * 2 % longer) */
#define PIPE_BATCHES 3
/* the items' room: 64-byte units (parse/item.h), a compact item one, a
 * record item three */
#define BATCH_UNITS 8192
#define BATCH_MIN_BYTES (1u << 20)
#define PIPE_BLOCKS 3
#define POP_RANGES (PIPE_BATCHES + 1)
#define ROOM_MIN 4096 /* ldrsnap_analyzer_buffer() gives no less */
#define BLOCK_BYTES (256u << 10)
/* what the caller's thread reads ahead at once: a short task, so that it
 * does not take more of the tokenizer's work than it had time for */
#define AHEAD_BYTES (64u << 10)
/* the longest max_line a tokenizer thread takes */
#define PIPE_MAX_LINE ((size_t)1 << 20)
/* The ring's pages the caller's thread faults in for the tokenizer while
 * it waits (populate()): a batch's items and this much of its strings
 * (the realistic capture's batches, full of items, hold 640 KB of them on
 * average, 700 KB at most), a step at a time */
#define POP_STRINGS (768u << 10)
#define POP_STEP (64u << 10)

typedef struct ls_block {
    char *mem;
    size_t len;
    struct ls_block *next;
} ls_block;

struct ls_pipe {
    ls_alloc al;
    ldrsnap_parser *parser;      /* the tokenizer thread's while it runs */
    ls_record_fn consume;        /* on the caller's thread, with notes */
    ls_usual_fn usual;           /* the same, the usual items; or NULL */
    void *ctx;
    /* the parser's watch bytes and gate, copied (the tokenizer thread
     * writes next to the parser's own) for the items it leaves to this
     * thread; 16 bytes aligned for the vector loads, no more: the struct
     * comes from the caller's allocator, which promises malloc()'s
     * alignment only */
    ls_item_ctx cx;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t to_worker, to_caller;
    /* input blocks: free, being filled by the caller, queued */
    ls_block *free_blocks;
    ls_block *filling;
    ls_block *in_head, *in_tail;
    bool eof, stop;
    /* ldrsnap_analyzer_pull(): the tokenizer reads the input itself, and
     * the caller's thread reads a block ahead for it when it would
     * otherwise wait for a batch (pull_ahead()); one read at a time */
    ldrsnap_read_fn pull;
    void *pull_ctx;
    int pull_rc;                 /* the read error that ended the input */
    bool reading;                /* a thread is in pull() */
    bool worker_done;
    int worker_rc;
    /* what populate() has done: ranges (the first batch, the blocks, the
     * other batches) and bytes into the next; all done at POP_RANGES */
    unsigned pop_range;
    size_t pop_off;
    ls_block blocks[PIPE_BLOCKS];
    void *arena;                 /* the batches' and blocks' memory */
    size_t arena_len;
    ls_batch *free_list;
    ls_batch *full_head, *full_tail;
    /* Each batch header on cache lines of its own: the tokenizer updates
     * its batch's count on every record while the caller's thread reads
     * another's; sharing a line, each update would wait for that core. */
    char gap[64];
    struct {
        ls_batch b;
        char gap[128 - sizeof(ls_batch) % 128];
    } slot[PIPE_BATCHES];
};

/* With the lock held: queue a full batch for the caller's thread. */
static void push_full(ls_pipe *pp, ls_batch *b)
{
    ls_stream_fence(); /* the batch's streaming stores first */
    b->next = NULL;
    if (pp->full_tail)
        pp->full_tail->next = b;
    else
        pp->full_head = b;
    pp->full_tail = b;
    pthread_cond_signal(&pp->to_caller);
}

/* Tokenizer side: queue the full batch, wait for an empty one. */
static ls_batch *swap(void *ud, ls_batch *full)
{
    ls_pipe *pp = ud;
    pthread_mutex_lock(&pp->mu);
    if (full) /* never empty: an empty batch has room for any record */
        push_full(pp, full);
    while (!pp->free_list && !pp->stop)
        pthread_cond_wait(&pp->to_worker, &pp->mu);
    ls_batch *b = NULL;
    if (!pp->stop) {
        b = pp->free_list;
        pp->free_list = b->next;
        b->nrec = b->used = 0;
    }
    pthread_mutex_unlock(&pp->mu);
    return b;
}

static void *worker(void *arg)
{
    ls_pipe *pp = arg;
    ldrsnap_parser *p = pp->parser;
    int rc = LDRSNAP_OK;
    ldrsnap__tokenizer_thread = true; /* reads here work in place */
    pthread_mutex_lock(&pp->mu);
    for (;;) {
        /* with a read by the caller's thread under way, its block is next */
        while (!pp->in_head && !pp->eof && !pp->stop &&
               (!pp->pull || pp->reading))
            pthread_cond_wait(&pp->to_worker, &pp->mu);
        if (pp->stop)
            break;
        ls_block *blk = pp->in_head;
        if (!blk && pp->pull && !pp->eof) {
            /* read into a block of our own: the input never crosses to
             * the other core, nor does the block come back dirty from it */
            blk = pp->free_blocks;
            pp->free_blocks = blk->next;
            pp->reading = true;
            pthread_mutex_unlock(&pp->mu);
            size_t got = 0;
            int rrc = pp->pull(pp->pull_ctx, blk->mem, BLOCK_BYTES, &got);
            if (rrc == 0 && got > BLOCK_BYTES)
                rrc = LDRSNAP_EINVAL; /* more than it was given room for */
            /* the next read is free for the caller's thread while this
             * block is tokenized (pull_ahead()) */
            pthread_mutex_lock(&pp->mu);
            pp->reading = false;
            if (rrc == 0 && got) {
                pthread_cond_signal(&pp->to_caller);
                pthread_mutex_unlock(&pp->mu);
                rc = ldrsnap__parser_feed(p, blk->mem, got);
                pthread_mutex_lock(&pp->mu);
            }
            blk->next = pp->free_blocks;
            pp->free_blocks = blk;
            if (rrc != 0 || !got) {
                pp->pull_rc = rrc < 0 ? rrc : 0;
                pp->eof = true; /* what was read is still analyzed */
            }
            if (rc != 0)
                break;
            continue;
        }
        if (blk) {
            pp->in_head = blk->next;
            if (!pp->in_head)
                pp->in_tail = NULL;
            if (pp->pull) /* the caller's thread may read the next one */
                pthread_cond_signal(&pp->to_caller);
            pthread_mutex_unlock(&pp->mu);
            rc = ldrsnap__parser_feed(p, blk->mem, blk->len);
            pthread_mutex_lock(&pp->mu);
            blk->next = pp->free_blocks;
            pp->free_blocks = blk;
            pthread_cond_signal(&pp->to_caller);
            if (rc != 0)
                break;
            continue;
        }
        /* end of input: the parser flushes what it holds */
        pthread_mutex_unlock(&pp->mu);
        rc = ldrsnap__parser_finish(p);
        ls_batch *last = p->batch;
        p->batch = NULL;
        pthread_mutex_lock(&pp->mu);
        if (rc == 0 && last && last->nrec)
            push_full(pp, last);
        break;
    }
    pp->worker_rc = rc;
    pp->worker_done = true;
    pthread_cond_signal(&pp->to_caller);
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

/* Free a pipe whose thread is not running (never started, or joined). */
static void release(ls_pipe *pp)
{
    const ls_alloc *al = &pp->al;
    ldrsnap__big_free(al, pp->arena, pp->arena_len);
    pthread_mutex_destroy(&pp->mu);
    pthread_cond_destroy(&pp->to_worker);
    pthread_cond_destroy(&pp->to_caller);
    ldrsnap__free(al, pp);
}

int ldrsnap__pipe_start(ls_pipe **out, const ls_alloc *al,
                        ldrsnap_parser *parser, ls_record_fn consume,
                        ls_usual_fn usual, void *ctx)
{
    *out = NULL;
    /* a batch holds at least one whole record: past PIPE_MAX_LINE its
     * three batches would take more memory than a thread saves time (the
     * analyzer goes on with one) */
    if (parser->max_line > PIPE_MAX_LINE)
        return LDRSNAP_ELIMIT;
    ls_pipe *pp = ldrsnap__malloc(al, sizeof *pp);
    if (!pp)
        return LDRSNAP_ENOMEM;
    memset(pp, 0, sizeof *pp);
    pp->al = *al;
    pp->parser = parser;
    pp->consume = consume;
    pp->usual = usual;
    pp->ctx = ctx;
    ldrsnap__parser_item_ctx(parser, &pp->cx);
    pthread_mutex_init(&pp->mu, NULL);
    pthread_cond_init(&pp->to_worker, NULL);
    pthread_cond_init(&pp->to_caller, NULL);
    size_t cap = ldrsnap__batch_room(parser->max_line);
    if (cap < BATCH_MIN_BYTES)
        cap = BATCH_MIN_BYTES;
    cap = (cap + 63) & ~(size_t)63;
    /* every batch and block in one piece of memory, each on a cache
     * line (pages the batches never reach are never touched) */
    const size_t items = BATCH_UNITS * LS_ITEM_UNIT;
    _Static_assert(BATCH_UNITS * LS_ITEM_UNIT % 64 == 0 &&
                       BLOCK_BYTES % 64 == 0,
                   "the pieces of the arena stay on cache lines");
    /* and the room the caller's thread puts an item's strings together
     * in (a line of a batch at most; its pages are touched only as far as
     * the longest prefix and name) */
    pp->arena_len = PIPE_BATCHES * (items + cap) + PIPE_BLOCKS * BLOCK_BYTES +
                    LS_ITEM_ROOM(cap) + 63;
    char *m = pp->arena = ldrsnap__big_alloc(al, pp->arena_len);
    if (!m)
        goto fail;
    m += -(uintptr_t)m & 63;
    for (size_t i = 0; i < PIPE_BATCHES; i++) {
        ls_batch *b = &pp->slot[i].b;
        b->items = (ls_item *)(void *)m;
        b->mem = m + items;
        m += items + cap;
        b->maxrec = BATCH_UNITS;
        b->cap = cap;
        b->next = i + 1 < PIPE_BATCHES ? &pp->slot[i + 1].b : NULL;
    }
    for (size_t i = 0; i < PIPE_BLOCKS; i++) {
        ls_block *k = &pp->blocks[i];
        k->mem = m;
        m += BLOCK_BYTES;
        k->next = i + 1 < PIPE_BLOCKS ? &pp->blocks[i + 1] : NULL;
    }
    pp->cx.room = m;
    pp->free_blocks = &pp->blocks[0];
    pp->free_list = &pp->slot[1].b;
    /* the parser moves to the tokenizer thread with its first batch */
    ls_batch *first = &pp->slot[0].b;
    first->next = NULL;
    parser->batch = first;
    parser->swap = swap;
    parser->swap_ud = pp;
    if (pthread_create(&pp->th, NULL, worker, pp) != 0) {
        parser->batch = NULL;
        goto fail;
    }
    *out = pp;
    return LDRSNAP_OK;
fail:
    release(pp);
    return LDRSNAP_ENOMEM;
}

/* Caller side, with the lock held and no batch to analyze: fault in the
 * next POP_STEP of the ring ahead of the tokenizer's first pass over it,
 * in the order it writes them (the first batch, the blocks it reads into,
 * the other batches).  Its first writes to each page faulted it in
 * (about 1,000 faults of 1-2 us on the 200 MB capture, its first three
 * batches 70 % dearer than later ones), while this thread waited for the
 * first batch.  Only when this thread would wait, as pull_ahead(): what
 * it has time for.  false: nothing left to do. */
static bool populate(ls_pipe *pp)
{
    if (pp->pop_range >= POP_RANGES)
        return false;
    char *from;
    size_t len;
    if (pp->pop_range == 1) {
        from = pp->blocks[0].mem;
        len = PIPE_BLOCKS * BLOCK_BYTES;
    } else {
        const ls_batch *b = &pp->slot[pp->pop_range ? pp->pop_range - 1 : 0].b;
        from = (char *)b->items;
        len = (size_t)(b->mem - from) + LS_MIN(b->cap, (size_t)POP_STRINGS);
    }
    size_t off = pp->pop_off, step = LS_MIN(len - off, (size_t)POP_STEP);
    if (off + step < len) {
        pp->pop_off = off + step;
    } else {
        pp->pop_off = 0;
        pp->pop_range++;
    }
    pthread_mutex_unlock(&pp->mu);
    bool ok = ldrsnap__big_populate(&pp->al, from + off, step);
    pthread_mutex_lock(&pp->mu);
    if (!ok)
        pp->pop_range = POP_RANGES;
    return true;
}

/* Caller side, pulling, with the lock held and no batch to analyze: read
 * the next AHEAD_BYTES for the tokenizer instead of waiting (up to two
 * blocks ahead, when no read is under way).  On two cores a run lasts as
 * long as its longer thread: when the tokenizer is the longer one (a .gz,
 * which it also inflates), the caller's thread takes some of its reads
 * (inflating) while it would wait, and the two even out; when the
 * caller's thread is the longer one it seldom waits, and reads little.
 * With one block ahead at most, the .gz's caller thread still waited 6
 * to 8 % of the run (inflating 15 to 18 % of the capture, the tokenizer
 * the rest); with two, 20 to 28 %.  false: no read. */
static bool pull_ahead(ls_pipe *pp)
{
    if (!pp->pull || pp->eof || pp->reading || pp->stop ||
        (pp->in_head && pp->in_head->next) || !pp->free_blocks)
        return false;
    ls_block *blk = pp->free_blocks;
    pp->free_blocks = blk->next;
    pp->reading = true;
    pthread_mutex_unlock(&pp->mu);
    /* source/ reads in place on a thread that reads for a tokenizer */
    bool was = ldrsnap__tokenizer_thread;
    ldrsnap__tokenizer_thread = true;
    size_t got = 0;
    int rrc = pp->pull(pp->pull_ctx, blk->mem, AHEAD_BYTES, &got);
    ldrsnap__tokenizer_thread = was;
    if (rrc == 0 && got > AHEAD_BYTES)
        rrc = LDRSNAP_EINVAL; /* more than it was given room for */
    pthread_mutex_lock(&pp->mu);
    pp->reading = false;
    if (rrc == 0 && got) {
        blk->len = got;
        blk->next = NULL;
        if (pp->in_tail)
            pp->in_tail->next = blk;
        else
            pp->in_head = blk;
        pp->in_tail = blk;
    } else {
        blk->next = pp->free_blocks;
        pp->free_blocks = blk;
        pp->pull_rc = rrc < 0 ? rrc : 0;
        pp->eof = true; /* what was read is still analyzed */
    }
    pthread_cond_signal(&pp->to_worker);
    return true;
}

/* A batch comes from the other core's streaming stores: its items and
 * strings are in memory, in no cache, and the first read of each line of
 * them waited for memory (an item's kind, a usual line's function name:
 * about a sixth of this thread's time on the realistic capture, perf
 * record -e cpu-clock).  So they are asked for ahead: the units of
 * items AHEAD_UNITS on (as many as the item being analyzed takes: each
 * unit once), and two lines of strings AHEAD_STRINGS bytes past the line
 * being analyzed (the tokenizer writes them in order; a line and its NUL
 * take 96 bytes on average).  Hints only, as integers: they may point
 * past the batch, and never fault. */
#define AHEAD_UNITS 16
#define AHEAD_STRINGS 1024

static LS_ALWAYS_INLINE void ahead_line(uintptr_t a)
{
#ifdef __GNUC__
    __builtin_prefetch((const void *)a, 0, 3);
#else
    LS_UNUSED(a);
#endif
}

/* Before the item at unit u, of k units, is decoded: the units that
 * many on from it. */
static LS_ALWAYS_INLINE void ahead_items(const ls_batch *b, size_t u, size_t k)
{
    uintptr_t at = (uintptr_t)b->items + (u + AHEAD_UNITS) * LS_ITEM_UNIT;
    ahead_line(at);
    if (k > 1) { /* a record item */
        ahead_line(at + LS_ITEM_UNIT);
        ahead_line(at + 2 * LS_ITEM_UNIT);
    }
}

/* raw: the line of the item being analyzed. */
static LS_ALWAYS_INLINE void ahead_strings(const char *raw)
{
    ahead_line((uintptr_t)raw + AHEAD_STRINGS);
    ahead_line((uintptr_t)raw + AHEAD_STRINGS + 64);
}

/* Caller side, with the lock held: analyze the full batches queued; with
 * `wait`, first wait until wait(pp) holds or a batch comes, and go on
 * until wait(pp) holds.  Returns the first error, the tokenizer's or the
 * consumer's. */
static int drain(ls_pipe *pp, bool (*wait)(const ls_pipe *))
{
    int rc = LDRSNAP_OK;
    for (;;) {
        if (pp->worker_done && pp->worker_rc != 0)
            return pp->worker_rc;
        ls_batch *b = pp->full_head;
        if (!b) {
            if (!wait || wait(pp) || pp->worker_done)
                return LDRSNAP_OK;
            if (!populate(pp) && !pull_ahead(pp))
                pthread_cond_wait(&pp->to_caller, &pp->mu);
            continue;
        }
        pp->full_head = b->next;
        if (!pp->full_head)
            pp->full_tail = NULL;
        pthread_mutex_unlock(&pp->mu);
        for (size_t u = 0; u < AHEAD_UNITS; u++)
            ahead_line((uintptr_t)b->items + u * LS_ITEM_UNIT);
        for (size_t k = 0; k < AHEAD_STRINGS; k += 64)
            ahead_line((uintptr_t)b->mem + k);
        for (size_t u = 0, k; u < b->nrec && rc == 0; u += k) {
            ldrsnap_record built;
            ls_note note; /* what the tokenizer thread learnt */
            ls_item *it = ls_item_at(b->items, u);
            k = ls_item_units(it);
            ahead_items(b, u, k);
            if (it->kind == LS_ITEM_USUAL && pp->usual) {
                /* no record built unless the consumer needs it */
                ahead_strings(b->mem + it->u.usual.at);
                rc = pp->usual(pp->ctx, it, b->mem, &pp->cx);
                continue;
            }
            const ldrsnap_record *r =
                ldrsnap__item_decode(it, b->mem, &pp->cx, &built, &note);
            ahead_strings(r->raw);
            rc = pp->consume(pp->ctx, r, &note);
        }
        pthread_mutex_lock(&pp->mu);
        b->next = pp->free_list;
        pp->free_list = b;
        pthread_cond_signal(&pp->to_worker);
        if (rc != 0)
            return rc;
        if (wait && wait(pp))
            return LDRSNAP_OK;
    }
}

static bool block_free(const ls_pipe *pp)
{
    return pp->free_blocks != NULL;
}

static bool all_done(const ls_pipe *pp)
{
    return pp->worker_done && !pp->full_head;
}

/* With the lock held: queue the block being filled. */
static void hand_over(ls_pipe *pp)
{
    ls_block *k = pp->filling;
    if (!k)
        return;
    pp->filling = NULL;
    k->next = NULL;
    if (pp->in_tail)
        pp->in_tail->next = k;
    else
        pp->in_head = k;
    pp->in_tail = k;
    pthread_cond_signal(&pp->to_worker);
}

/* With the lock held: the block being filled, a free one taken when
 * there is none (analyzing batches while every block is in use). */
static int filling(ls_pipe *pp, ls_block **out)
{
    int rc = LDRSNAP_OK;
    if (!pp->filling) {
        /* drain() returns with no block free only when the tokenizer has
         * ended: then nothing would read these bytes */
        if (!pp->free_blocks &&
            (rc = drain(pp, block_free)) == 0 && !pp->free_blocks)
            rc = LDRSNAP_EMISUSE;
        if (rc != 0)
            return rc;
        pp->filling = pp->free_blocks;
        pp->free_blocks = pp->filling->next;
        pp->filling->len = 0;
    }
    *out = pp->filling;
    return LDRSNAP_OK;
}

int ldrsnap__pipe_room(ls_pipe *pp, void **buf, size_t *cap)
{
    ls_block *k;
    pthread_mutex_lock(&pp->mu);
    int rc = filling(pp, &k);
    if (rc == 0 && BLOCK_BYTES - k->len < ROOM_MIN) {
        hand_over(pp); /* too little left: the block goes as it is */
        rc = filling(pp, &k);
    }
    if (rc == 0) {
        *buf = k->mem + k->len;
        *cap = BLOCK_BYTES - k->len; /* > 0: a full block is handed over */
    }
    pthread_mutex_unlock(&pp->mu);
    return rc;
}

int ldrsnap__pipe_commit(ls_pipe *pp, size_t len)
{
    pthread_mutex_lock(&pp->mu);
    ls_block *k = pp->filling;
    k->len += len;
    if (k->len == BLOCK_BYTES)
        hand_over(pp);
    int rc = drain(pp, NULL); /* what is ready, without waiting */
    pthread_mutex_unlock(&pp->mu);
    return rc;
}

int ldrsnap__pipe_pull(ls_pipe *pp, ldrsnap_read_fn fn, void *ctx,
                      int *read_rc)
{
    pthread_mutex_lock(&pp->mu);
    hand_over(pp); /* bytes fed so far go first */
    pp->pull = fn;
    pp->pull_ctx = ctx;
    pthread_cond_signal(&pp->to_worker);
    /* every record of the bytes read, before the read error is told:
     * the tokenizer may have ended with batches still queued */
    int rc = drain(pp, all_done);
    *read_rc = pp->pull_rc;
    pthread_mutex_unlock(&pp->mu);
    return rc;
}

int ldrsnap__pipe_feed(ls_pipe *pp, const void *buf, size_t len)
{
    const char *s = buf;
    int rc = LDRSNAP_OK;
    pthread_mutex_lock(&pp->mu);
    while (len && rc == 0) {
        ls_block *k;
        if ((rc = filling(pp, &k)) != 0)
            break;
        size_t take = LS_MIN(len, BLOCK_BYTES - k->len);
        pthread_mutex_unlock(&pp->mu);
        memcpy(k->mem + k->len, s, take);
        pthread_mutex_lock(&pp->mu);
        k->len += take;
        s += take, len -= take;
        if (k->len == BLOCK_BYTES)
            hand_over(pp);
    }
    if (rc == 0)
        rc = drain(pp, NULL); /* what is ready, without waiting */
    pthread_mutex_unlock(&pp->mu);
    return rc;
}

int ldrsnap__pipe_finish(ls_pipe *pp)
{
    pthread_mutex_lock(&pp->mu);
    hand_over(pp);
    pp->eof = true;
    pthread_cond_signal(&pp->to_worker);
    int rc = drain(pp, all_done);
    pthread_mutex_unlock(&pp->mu);
    return rc;
}

void ldrsnap__pipe_free(ls_pipe *pp)
{
    if (!pp)
        return;
    pthread_mutex_lock(&pp->mu);
    pp->stop = true;
    pthread_cond_broadcast(&pp->to_worker);
    pthread_mutex_unlock(&pp->mu);
    pthread_join(pp->th, NULL);
    pp->parser->batch = NULL;
    pp->parser->swap = NULL;
    release(pp);
}
