/*
 * source.c - named inputs: files, directory trees, standard input and
 * gzip streams (multi-member), each read as plain bytes.
 *
 * Every input that cannot be read still comes out as an entry, with its
 * error, so that the caller reports it and goes on with the others.
 * Directory walks are sorted (stable output), skip what is neither a file
 * nor a directory, and refuse to enter a directory already on the path
 * (symlink loops).  Decompression stops at a size limit and at a ratio
 * limit, so that a gzip bomb is an error and not an outage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "source/source.h"

#define BATCH_MAGIC 0x4C445242u /* "LDRB" */
#define MAX_DEPTH 64
#define IN_CHUNK LS_IN_CHUNK

/* The documented defaults (ldrsnap.h, ldrsnap_limits): far above any
 * real log (a loader-snaps log compresses 13:1 with gzip, 21:1 with
 * bzip2 or zstd), far below what a bomb would take. */
#define DEF_MAX_BYTES (8ULL << 30)
#define DEF_MAX_TOTAL (32ULL << 30)
#define DEF_MAX_RATIO 250u
#define DEF_RATIO_FLOOR (64ULL << 20)
#define DEF_MAX_DEPTH 8u
#define DEF_MAX_MEMBERS 1000000u
#define DEF_MAX_NESTED (512ULL << 20)

typedef struct dir_level {
    char *path;       /* directory path as shown */
    char **names;     /* sorted entries, each after its type byte */
    size_t n, next;
    dev_t dev;
    ino_t ino;
} dir_level;

typedef struct queued {
    char *path;              /* NULL: a memory input */
    char *name;              /* a memory input's name */
    const void *mem;
    size_t len;
} queued;

enum kind { K_NONE, K_PLAIN, K_GZ, K_ARC };

/* A .gz of at least GZ_THREAD_MIN compressed bytes (or from a pipe) is
 * inflated on a thread of its own, GZ_SLOTS slots of GZ_SLOT bytes
 * ahead of the reader, while the reader's thread analyzes; from the
 * second read on, and only when the reader is not a tokenizer thread
 * (ldrsnap__tokenizer_thread).  That one overlaps the analysis already:
 * it inflates in place, straight into its input block.  With an inflater
 * thread beside it, the 200 MB capture's .gz ran three threads on two
 * cores, the tokenizer copying every byte out of the slots (6.5% of the
 * run's CPU) and 1,000 context switches a run; the first read comes from
 * the caller's thread before the tokenizer's starts. */
#define GZ_THREAD_MIN (4u << 20)
#define GZ_SLOTS 4u
#define GZ_SLOT (1u << 20)

typedef struct gz_pipe {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *slot[GZ_SLOTS];
    size_t len[GZ_SLOTS];
    unsigned head, tail;  /* slots filled, slots read (mod 2^32) */
    size_t pos;           /* in the slot being read */
    bool done, stop;
    int rc;               /* the inflater's error (b->errmsg says it) */
} gz_pipe;

struct ldrsnap_batch {
    uint32_t magic;
    ls_alloc al;
    unsigned flags;
    ls_limits lim;
    queued *queue;
    size_t nqueue, qnext, qcap;
    dir_level dirs[MAX_DEPTH];
    size_t depth;
    /* the current entry */
    ldrsnap_entry entry;
    char *name;
    int fd;
    bool is_stdin;
    bool open;
    bool eof;
    enum kind kind;
    const unsigned char *mem;  /* a memory input */
    size_t mem_len, mem_pos;
    ls_gunzip *gz;             /* K_GZ: kept from one input to the next */
    bool gz_fresh;             /* between members: none of the next read */
    bool gz_big;               /* K_GZ: worth a thread (gz_pipe) */
    gz_pipe *pipe;             /* K_GZ: the inflater's thread, or NULL */
    uint64_t gz_out;           /* K_GZ: bytes inflated */
    bool gz_dry;               /* K_GZ: the inflater wants more input */
    unsigned char *in;
    size_t in_len, in_pos;
    uint64_t in_total, out_total, top_total;
    ls_feed feed;
    ls_arc *arc;
    /* a regular file's size when it was opened (-1: not one, or one the
     * first read took whole), and its offset then (standard input may
     * start past 0): a file that ends shorter than what was read of it
     * shrank under us (read_plain()) */
    int64_t open_size;
    uint64_t open_pos;
    char errmsg[1024];
};

static bool valid(const ldrsnap_batch *b)
{
    return b && b->magic == BATCH_MAGIC;
}

static void default_limits(ls_limits *l)
{
    l->max_bytes = DEF_MAX_BYTES;
    l->max_total = DEF_MAX_TOTAL;
    l->max_ratio = DEF_MAX_RATIO;
    l->ratio_floor = DEF_RATIO_FLOOR;
    l->max_depth = DEF_MAX_DEPTH;
    l->max_members = DEF_MAX_MEMBERS;
    l->max_nested = DEF_MAX_NESTED;
}

int ldrsnap_batch_new(ldrsnap_batch **out, const ldrsnap_options *opts,
                      unsigned flags)
{
    if (!out)
        return LDRSNAP_EINVAL;
    *out = NULL;
    ls_alloc al;
    int rc;
    ldrsnap_batch *b = ldrsnap__handle_alloc(opts, sizeof *b, &al, &rc);
    if (!b)
        return rc;
    b->magic = BATCH_MAGIC;
    b->al = al;
    b->flags = flags;
    b->fd = -1;
    b->open_size = -1;
    default_limits(&b->lim);
    *out = b;
    return LDRSNAP_OK;
}

int ldrsnap_batch_set_limits(ldrsnap_batch *b, const ldrsnap_limits *l)
{
    if (!valid(b))
        return LDRSNAP_EMISUSE;
    if (!l || l->version != LDRSNAP_LIMITS_VERSION)
        return LDRSNAP_EINVAL;
    default_limits(&b->lim);
    if (l->max_bytes)
        b->lim.max_bytes = l->max_bytes;
    if (l->max_total)
        b->lim.max_total = l->max_total;
    if (l->max_ratio)
        b->lim.max_ratio = l->max_ratio;
    if (l->ratio_floor)
        b->lim.ratio_floor = l->ratio_floor;
    if (l->max_depth)
        b->lim.max_depth = LS_MIN(l->max_depth, 64u);
    if (l->max_members)
        b->lim.max_members = l->max_members;
    if (l->max_nested)
        b->lim.max_nested = l->max_nested;
    return LDRSNAP_OK;
}

static queued *enqueue(ldrsnap_batch *b)
{
    if (b->nqueue == b->qcap) {
        size_t cap = b->qcap ? b->qcap * 2 : 8;
        queued *n = ldrsnap__realloc(&b->al, b->queue, cap * sizeof *n);
        if (!n)
            return NULL;
        b->queue = n;
        b->qcap = cap;
    }
    queued *q = &b->queue[b->nqueue];
    memset(q, 0, sizeof *q);
    return q;
}

int ldrsnap_batch_add(ldrsnap_batch *b, const char *path)
{
    if (!valid(b))
        return LDRSNAP_EMISUSE;
    if (!path || !*path)
        return LDRSNAP_EINVAL;
    queued *q = enqueue(b);
    if (!q || !(q->path = ldrsnap__strdup(&b->al, path)))
        return LDRSNAP_ENOMEM;
    b->nqueue++;
    return LDRSNAP_OK;
}

int ldrsnap_batch_add_memory(ldrsnap_batch *b, const char *name,
                             const void *buf, size_t len)
{
    if (!valid(b))
        return LDRSNAP_EMISUSE;
    if (!name || !*name || (!buf && len))
        return LDRSNAP_EINVAL;
    queued *q = enqueue(b);
    if (!q || !(q->name = ldrsnap__strdup(&b->al, name)))
        return LDRSNAP_ENOMEM;
    q->mem = buf ? buf : "";
    q->len = len;
    b->nqueue++;
    return LDRSNAP_OK;
}

/* ---- closing and errors ------------------------------------------------ */

static void pipe_stop(ldrsnap_batch *b);

static void close_top(ldrsnap_batch *b)
{
    pipe_stop(b);
    ldrsnap__arc_free(b->arc);
    b->arc = NULL;
    if (b->fd >= 0 && !b->is_stdin)
        close(b->fd);
    b->fd = -1;
    b->kind = K_NONE;
    b->is_stdin = false;
    b->mem = NULL;
    b->mem_len = b->mem_pos = 0;
    b->in_len = b->in_pos = 0;
    b->in_total = b->top_total = 0;
    b->open_size = -1;
}

static void close_entry(ldrsnap_batch *b)
{
    if (!b->arc)
        close_top(b);
    b->open = b->eof = false;
    b->out_total = 0;
    ldrsnap__free(&b->al, b->name);
    b->name = NULL;
}

/* The entry broke off: "<name>: <why>". */
static int entry_error(ldrsnap_batch *b, int code, const char *why)
{
    snprintf(b->errmsg, sizeof b->errmsg, "%s: %s", b->entry.name, why);
    b->entry.error = code;
    return code;
}

static int errno_code(int e)
{
    return e == ENOENT || e == ENOTDIR ? LDRSNAP_ENOTFOUND : LDRSNAP_EIO;
}

static int set_entry(ldrsnap_batch *b, const char *name)
{
    memset(&b->entry, 0, sizeof b->entry);
    b->errmsg[0] = '\0';
    if (!(b->name = ldrsnap__strdup(&b->al, name)))
        return LDRSNAP_ENOMEM;
    b->entry.name = b->name;
    b->entry.compression = "none";
    b->entry.size = -1;
    return LDRSNAP_OK;
}

/* An entry that cannot be read: the caller reports it and goes on. */
static int error_entry(ldrsnap_batch *b, const char *name, int code,
                       const char *why)
{
    close_entry(b);
    close_top(b);
    if (set_entry(b, name) < 0)
        return LDRSNAP_ENOMEM;
    snprintf(b->errmsg, sizeof b->errmsg, "%s: %s", name, why);
    b->entry.error = code;
    return LDRSNAP_OK;
}

/* An entry listed and not read (a link in a walk), with why. */
static int skipped_entry(ldrsnap_batch *b, const char *name, const char *why)
{
    close_entry(b);
    close_top(b);
    if (set_entry(b, name) < 0)
        return LDRSNAP_ENOMEM;
    b->entry.skipped = why;
    return LDRSNAP_OK;
}

/* ---- opening an input ---------------------------------------------------- */

static ssize_t src_read(ldrsnap_batch *b, void *buf, size_t cap)
{
    if (b->mem) {
        size_t k = LS_MIN(cap, b->mem_len - b->mem_pos);
        memcpy(buf, b->mem + b->mem_pos, k);
        b->mem_pos += k;
        return (ssize_t)k;
    }
    ssize_t n;
    do
        n = read(b->fd, buf, cap);
    while (n < 0 && errno == EINTR);
    return n;
}

static ssize_t fill(ldrsnap_batch *b)
{
    if (b->in_pos < b->in_len)
        return (ssize_t)(b->in_len - b->in_pos);
    ssize_t n = src_read(b, b->in, IN_CHUNK);
    b->in_pos = 0;
    b->in_len = n > 0 ? (size_t)n : 0;
    if (n > 0)
        b->in_total += (uint64_t)n;
    return n;
}

/* An archive: its first member becomes the entry (or none: DONE). */
static int start_archive(ldrsnap_batch *b, bool seekable)
{
    b->feed.fd = b->mem ? -1 : b->fd;
    b->feed.seekable = seekable;
    b->feed.mem = b->mem;
    b->feed.mem_len = b->mem_len;
    b->feed.held = b->in;
    b->feed.held_len = b->mem ? 0 : b->in_len;
    b->feed.held_pos = 0;
    b->feed.buf = b->in;
    b->feed.in_total = &b->in_total;
    if (b->mem)
        b->in_total = b->mem_len;
    b->kind = K_ARC;
    return ldrsnap__arc_open(&b->arc, &b->al, b->name, &b->feed, &b->lim,
                             &b->top_total, b->errmsg, sizeof b->errmsg);
}

static int start_gzip(ldrsnap_batch *b)
{
    if (b->gz)
        ldrsnap__gunzip_reset(b->gz);
    else if (ldrsnap__gunzip_new(&b->gz, &b->al) < 0)
        return entry_error(b, LDRSNAP_ENOMEM, "cannot start gzip decoder");
    b->gz_fresh = false;
    b->gz_out = 0;
    b->gz_dry = true;
    b->kind = K_GZ;
    struct stat st;
    b->gz_big = !b->mem && (fstat(b->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
                            st.st_size >= (off_t)GZ_THREAD_MIN);
    b->entry.compression = "gzip";
    return LDRSNAP_OK;
}

/* Open the top input on fd (or b->mem) and tell what it is: 1 when it is
 * an archive (its members come from next_member()). */
static int start_entry(ldrsnap_batch *b, const char *name, const char *path,
                       int fd, bool is_stdin, const queued *q)
{
    close_entry(b);
    close_top(b);
    if (set_entry(b, name) < 0)
        return LDRSNAP_ENOMEM;
    b->entry.path = path ? b->name : NULL;
    b->fd = fd;
    b->is_stdin = is_stdin;
    if (q) {
        b->mem = q->mem;
        b->mem_len = q->len;
    }
    if (!b->in && !(b->in = ldrsnap__malloc(&b->al, IN_CHUNK)))
        return LDRSNAP_ENOMEM;
    ssize_t n = fill(b);
    if (n < 0)
        return entry_error(b, LDRSNAP_EIO, strerror(errno));
    b->open = true;
    b->kind = K_PLAIN;
    enum ls_sniff s = ldrsnap__sniff(b->in, b->in_len);
    bool arcs = !(b->flags & LDRSNAP_BATCH_NO_ARCHIVES);
    if (s == LS_SNIFF_GZIP &&
        !(arcs && ldrsnap__gzip_is_tar(b->in, b->in_len)))
        return start_gzip(b);
    struct stat st;
    if (s == LS_SNIFF_PLAIN || !arcs) {
        /* more to read than the first read gave: what the file holds now,
         * to tell at its end whether it shrank under us (read_plain()) */
        if (!b->mem && b->in_len == IN_CHUNK && fstat(fd, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            off_t at = is_stdin ? lseek(fd, 0, SEEK_CUR) : (off_t)b->in_len;
            if (at >= (off_t)b->in_len) {
                b->open_size = (int64_t)st.st_size;
                b->open_pos = (uint64_t)at - b->in_len;
            }
        }
        return LDRSNAP_OK;
    }
    bool seekable = !b->mem && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (b->mem) {
        b->mem_pos = 0;
        b->in_len = b->in_pos = 0;
    }
    int rc = start_archive(b, seekable);
    if (rc == LDRSNAP_ENOMEM)
        return rc;
    b->open = false;
    if (rc < 0) { /* the message names it */
        b->entry.error = rc;
        return LDRSNAP_OK;
    }
    return 2;
}

static int open_file(ldrsnap_batch *b, const char *path)
{
    if (b->flags & LDRSNAP_BATCH_NAMES_ONLY) {
        close_entry(b);
        close_top(b);
        if (set_entry(b, path) < 0)
            return LDRSNAP_ENOMEM;
        b->entry.path = b->name;
        return LDRSNAP_OK;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_entry(b, path, errno_code(errno), strerror(errno));
    return start_entry(b, path, path, fd, false, NULL);
}

/* ---- directories --------------------------------------------------------- */

static int cmp_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x + 1, *(char *const *)y + 1);
}

/* What readdir() says an entry is, when it says (not every file system
 * does): a regular file, a symbolic link, or to be told by lstat(). */
enum { T_ASK = 1, T_FILE, T_LINK };

static int dir_type(const struct dirent *de)
{
#ifdef DT_REG
    if (de->d_type == DT_REG)
        return T_FILE;
    if (de->d_type == DT_LNK)
        return T_LINK;
#else
    (void)de;
#endif
    return T_ASK;
}

static void free_level(ldrsnap_batch *b, dir_level *d)
{
    for (size_t i = 0; i < d->n; i++)
        ldrsnap__free(&b->al, d->names[i]);
    ldrsnap__free(&b->al, d->names);
    ldrsnap__free(&b->al, d->path);
    memset(d, 0, sizeof *d);
}

static int read_dir(ldrsnap_batch *b, dir_level *d)
{
    DIR *dir = opendir(d->path);
    if (!dir)
        return -errno;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (d->n == cap) {
            cap = cap ? cap * 2 : 16;
            char **n = ldrsnap__realloc(&b->al, d->names, cap * sizeof *n);
            if (!n)
                break;
            d->names = n;
        }
        /* the entry's type as the directory tells it (DT_REG: a file,
         * DT_LNK: a link), which spares an lstat() of each (on a folder
         * of 1,920 logs, a few milliseconds before the first is read) */
        size_t len = strlen(de->d_name);
        char *nm = ldrsnap__malloc(&b->al, len + 2);
        if (!nm)
            break;
        nm[0] = (char)dir_type(de);
        memcpy(nm + 1, de->d_name, len + 1);
        d->names[d->n++] = nm;
    }
    closedir(dir);
    if (d->n > 1)
        qsort(d->names, d->n, sizeof *d->names, cmp_name);
    return 0;
}

static bool on_path(const ldrsnap_batch *b, const struct stat *st)
{
    for (size_t i = 0; i < b->depth; i++)
        if (b->dirs[i].dev == st->st_dev && b->dirs[i].ino == st->st_ino)
            return true;
    return false;
}

/* Enter a directory; an error becomes an entry the caller reports. */
static int push_dir(ldrsnap_batch *b, const char *path, const struct stat *st)
{
    if (b->depth >= MAX_DEPTH || on_path(b, st))
        return error_entry(b, path, LDRSNAP_ELIMIT,
                           b->depth >= MAX_DEPTH
                               ? "directory tree too deep, not entered"
                               : "directory loop (symbolic link), not "
                                 "entered again");
    dir_level *d = &b->dirs[b->depth];
    memset(d, 0, sizeof *d);
    if (!(d->path = ldrsnap__strdup(&b->al, path)))
        return LDRSNAP_ENOMEM;
    d->dev = st->st_dev;
    d->ino = st->st_ino;
    int e = read_dir(b, d);
    if (e < 0) {
        free_level(b, d);
        return error_entry(b, path, errno_code(-e), strerror(-e));
    }
    b->depth++;
    return 1; /* entered: no entry yet */
}

/* Visit one path: a file becomes the entry (2: an archive, whose members
 * come next), a directory is entered (1).  In a walk, symbolic links are
 * followed only with LDRSNAP_BATCH_FOLLOW; `type` is what the directory
 * said the entry is (T_ASK at the top). */
static int visit(ldrsnap_batch *b, const char *path, bool top, int type)
{
    struct stat st;
    if (type == T_FILE)
        return open_file(b, path);
    if (type == T_LINK && !(b->flags & LDRSNAP_BATCH_FOLLOW))
        return skipped_entry(b, path, "a symbolic link, not followed in "
                                      "a directory walk (--follow)");
    if (!top && !(b->flags & LDRSNAP_BATCH_FOLLOW)) {
        if (lstat(path, &st) != 0)
            return error_entry(b, path, errno_code(errno), strerror(errno));
        if (S_ISLNK(st.st_mode))
            return skipped_entry(b, path, "a symbolic link, not followed in "
                                          "a directory walk (--follow)");
    } else if (stat(path, &st) != 0) {
        return error_entry(b, path, errno_code(errno), strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        if (!top && (b->flags & LDRSNAP_BATCH_NO_RECURSE))
            return 1;
        return push_dir(b, path, &st);
    }
    if (!top && !S_ISREG(st.st_mode))
        return 1; /* sockets, devices, fifos met in a walk */
    return open_file(b, path);
}

static int next_in_dirs(ldrsnap_batch *b)
{
    while (b->depth) {
        dir_level *d = &b->dirs[b->depth - 1];
        if (d->next >= d->n) {
            free_level(b, d);
            b->depth--;
            continue;
        }
        const char *nm = d->names[d->next] + 1;
        int type = d->names[d->next++][0];
        size_t len = strlen(d->path) + strlen(nm) + 2;
        char *path = ldrsnap__malloc(&b->al, len);
        if (!path)
            return LDRSNAP_ENOMEM;
        bool slash = d->path[strlen(d->path) - 1] == '/';
        snprintf(path, len, "%s%s%s", d->path, slash ? "" : "/", nm);
        int rc = visit(b, path, false, type);
        ldrsnap__free(&b->al, path);
        if (rc != 1)
            return rc;
    }
    return 1;
}

/* A single compressed stream's "member" has no size of its own. */
static bool L_raw(const ldrsnap_batch *b)
{
    return b->name && !strchr(b->name, '!');
}

/* The next member of the open archive: 0, LDRSNAP_DONE or ENOMEM. */
static int next_member(ldrsnap_batch *b)
{
    ldrsnap__free(&b->al, b->name);
    b->name = NULL;
    b->open = b->eof = false;
    b->out_total = 0;
    b->errmsg[0] = '\0';
    ls_member m;
    int rc = ldrsnap__arc_next(b->arc, &m);
    if (rc != 0)
        return rc;
    memset(&b->entry, 0, sizeof b->entry);
    if (!(b->name = ldrsnap__strdup(&b->al, m.name)))
        return LDRSNAP_ENOMEM;
    b->entry.name = b->name;
    b->entry.compression = m.compression ? m.compression : "none";
    b->entry.skipped = m.skipped;
    b->entry.error = m.error;
    b->entry.member = 1;
    b->entry.size = m.error || m.skipped || L_raw(b) ? -1 : m.size;
    b->open = !m.error && !m.skipped;
    return 0;
}

/* The next top input: 0 (an entry), 2 (an archive), 1 (none yet). */
static int next_queued(ldrsnap_batch *b)
{
    const queued *q = &b->queue[b->qnext++];
    int rc;
    if (!q->path)
        rc = start_entry(b, q->name, NULL, -1, false, q);
    else if (!strcmp(q->path, "-"))
        rc = start_entry(b, "<stdin>", NULL, STDIN_FILENO, true, NULL);
    else
        return visit(b, q->path, true, T_ASK);
    return rc < 0 && rc != LDRSNAP_ENOMEM ? LDRSNAP_OK : rc;
}

int ldrsnap_batch_next(ldrsnap_batch *b, ldrsnap_entry **entry)
{
    if (!valid(b) || !entry)
        return valid(b) ? LDRSNAP_EINVAL : LDRSNAP_EMISUSE;
    *entry = NULL;
    int rc = b->arc ? 2 : 1;
    if (!b->arc)
        close_entry(b);
    for (;;) {
        if (rc == 2) {
            rc = next_member(b);
            if (rc == LDRSNAP_DONE) {
                close_entry(b);
                close_top(b);
                rc = 1;
            }
        }
        if (rc == 1) {
            rc = next_in_dirs(b);
            if (rc == 1 && b->qnext < b->nqueue)
                rc = next_queued(b);
            else if (rc == 1)
                return LDRSNAP_DONE;
        }
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *entry = &b->entry;
            return LDRSNAP_OK;
        }
    }
}

/* ---- reading ------------------------------------------------------------- */

/* The count of bytes inflated at which the ratio limit trips, with the
 * compressed bytes read so far: out > ratio_floor and out / in >
 * max_ratio, the first out >= (max_ratio + 1) * in past the floor. */
static uint64_t ratio_stop(const ldrsnap_batch *b)
{
    const ls_limits *l = &b->lim;
    if (!l->max_ratio || !b->in_total || l->ratio_floor == UINT64_MAX)
        return UINT64_MAX;
    uint64_t r = (uint64_t)l->max_ratio + 1;
    uint64_t t = b->in_total > UINT64_MAX / r ? UINT64_MAX : b->in_total * r;
    return t > l->ratio_floor ? t : l->ratio_floor + 1;
}

/* The next inflated bytes.  The ratio limit cuts a .gz at the same byte
 * whatever the sizes of the reads and the threads that make them: the
 * next compressed bytes are read only once the inflater has made all it
 * can of those it has (it stopped with room left: gz_dry), so the count
 * of compressed bytes read when the output reaches a given byte is the
 * same in every run; and no read goes past the byte at which the ratio
 * trips with that count (ratio_stop()), as none goes past max_bytes:
 * the bytes before it are given, and the next read, which would make
 * it, says the limit.  The ratio was checked after each read with the
 * count of whichever read came last (an inflater thread ran up to four
 * slots ahead), and the read that crossed it was dropped whole. */
static int read_gz(ldrsnap_batch *b, void *buf, size_t cap, size_t *got)
{
    size_t made = 0;
    *got = 0;
    while (made == 0) {
        if (b->in_pos == b->in_len && b->gz_dry) {
            ssize_t n = fill(b);
            if (n < 0)
                return entry_error(b, LDRSNAP_EIO, strerror(errno));
            if (n == 0) {
                if (b->gz_fresh)
                    break; /* clean end after a member */
                return entry_error(b, LDRSNAP_EFORMAT,
                                   "gzip stream is truncated");
            }
        }
        if (b->gz_fresh) {
            /* zero bytes after a member (a file padded to a block size):
             * skipped, as gzip(1) does; the end after them is clean */
            while (b->in_pos < b->in_len && b->in[b->in_pos] == 0)
                b->in_pos++;
            if (b->in_pos == b->in_len) {
                b->gz_dry = true;
                continue;
            }
        }
        uint64_t stop = ratio_stop(b);
        size_t room = cap;
        bool last = b->gz_out + 1 >= stop; /* a byte now trips the limit */
        if (last)
            room = 1;
        else if (stop - 1 - b->gz_out < room)
            room = (size_t)(stop - 1 - b->gz_out);
        size_t used = b->in_len - b->in_pos, out = room;
        const char *why = NULL;
        int r = ldrsnap__gunzip(b->gz, b->in + b->in_pos, &used, buf, &out,
                                &why);
        b->in_pos += used;
        if (used || out)
            b->gz_fresh = false;
        if (r < 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "gzip data is corrupt (%s)", why);
            return entry_error(b, LDRSNAP_EFORMAT, msg);
        }
        if (last && out) { /* the byte past the limit: not given */
            char msg[300];
            ldrsnap__ratio_check(&b->lim, stop, b->in_total, msg, sizeof msg);
            return entry_error(b, LDRSNAP_ELIMIT, msg);
        }
        b->gz_out += out;
        made = out;
        b->gz_dry = out < room && b->in_pos == b->in_len;
        if (r == 1) { /* another member may follow */
            ldrsnap__gunzip_reset(b->gz);
            b->gz_fresh = true;
            b->gz_dry = b->in_pos == b->in_len;
        }
    }
    *got = made;
    return LDRSNAP_OK;
}

/* ---- the inflater's thread ------------------------------------------- */

static void *pipe_main(void *arg)
{
    ldrsnap_batch *b = arg;
    gz_pipe *p = b->pipe;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->head - p->tail == GZ_SLOTS && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            return NULL;
        unsigned k = p->head % GZ_SLOTS;
        size_t n = 0, got = 1;
        int rc = 0;
        while (n < GZ_SLOT && got && rc == 0) {
            rc = read_gz(b, p->slot[k] + n, GZ_SLOT - n, &got);
            n += got;
        }
        pthread_mutex_lock(&p->mu);
        p->len[k] = n;
        if (n)
            p->head++;
        p->done = rc < 0 || got == 0;
        p->rc = rc;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (rc < 0 || got == 0)
            return NULL;
    }
}

static unsigned long gz_threads; /* started, for the tests */

unsigned long ldrsnap__gunzip_threads(void)
{
    return __atomic_load_n(&gz_threads, __ATOMIC_RELAXED);
}

/* Start the thread (false: none, read on this one). */
static bool pipe_start(ldrsnap_batch *b)
{
    gz_pipe *p = ldrsnap__calloc(&b->al, sizeof *p);
    if (!p)
        return false;
    unsigned i = 0;
    for (; i < GZ_SLOTS; i++)
        if (!(p->slot[i] = ldrsnap__malloc(&b->al, GZ_SLOT)))
            break;
    b->pipe = p;
    if (i < GZ_SLOTS || pthread_mutex_init(&p->mu, NULL) != 0) {
        for (unsigned k = 0; k < i; k++)
            ldrsnap__free(&b->al, p->slot[k]);
        ldrsnap__free(&b->al, p);
        b->pipe = NULL;
        return false;
    }
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->th, NULL, pipe_main, b) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        for (unsigned k = 0; k < GZ_SLOTS; k++)
            ldrsnap__free(&b->al, p->slot[k]);
        ldrsnap__free(&b->al, p);
        b->pipe = NULL;
        return false;
    }
    __atomic_add_fetch(&gz_threads, 1, __ATOMIC_RELAXED);
    return true;
}

static void pipe_stop(ldrsnap_batch *b)
{
    gz_pipe *p = b->pipe;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    for (unsigned k = 0; k < GZ_SLOTS; k++)
        ldrsnap__free(&b->al, p->slot[k]);
    ldrsnap__free(&b->al, p);
    b->pipe = NULL;
}

/* The next inflated bytes from the thread's slots. */
static int pipe_read(ldrsnap_batch *b, void *buf, size_t cap, size_t *got)
{
    gz_pipe *p = b->pipe;
    pthread_mutex_lock(&p->mu);
    while (p->head == p->tail && !p->done)
        pthread_cond_wait(&p->cv, &p->mu);
    if (p->head == p->tail) { /* all read: the end, or its error */
        int rc = p->rc;
        pthread_mutex_unlock(&p->mu);
        *got = 0;
        return rc;
    }
    pthread_mutex_unlock(&p->mu);
    unsigned k = p->tail % GZ_SLOTS;
    size_t n = LS_MIN(cap, p->len[k] - p->pos);
    memcpy(buf, p->slot[k] + p->pos, n);
    p->pos += n;
    *got = n;
    if (p->pos == p->len[k]) {
        p->pos = 0;
        pthread_mutex_lock(&p->mu);
        p->tail++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return LDRSNAP_OK;
}

/* At the end of a regular file: did it end shorter than what was read of
 * it, and than it was when opened (truncated under us, as a log rotated
 * by copying it away and truncating it)?  Then the entry ends with an
 * error naming it, not as if the file had ended there.  (A file of /proc
 * says 0 bytes, opened or not: never an error.) */
static int check_end(ldrsnap_batch *b)
{
    struct stat st;
    uint64_t read = b->open_pos + b->in_total;
    if (b->open_size <= 0 || fstat(b->fd, &st) != 0 ||
        !S_ISREG(st.st_mode) || (uint64_t)st.st_size >= read ||
        st.st_size >= b->open_size)
        return LDRSNAP_OK;
    char why[200];
    snprintf(why, sizeof why,
             "the file shrank to %lld bytes while it was read (%llu bytes "
             "read; %lld when opened): truncated under us",
             (long long)st.st_size, (unsigned long long)read,
             (long long)b->open_size);
    return entry_error(b, LDRSNAP_EIO, why);
}

static int read_plain(ldrsnap_batch *b, void *buf, size_t cap, size_t *got)
{
    if (b->in_pos == b->in_len && cap >= IN_CHUNK) {
        /* nothing held: read straight into the caller's buffer */
        ssize_t n = src_read(b, buf, cap);
        if (n < 0)
            return entry_error(b, LDRSNAP_EIO, strerror(errno));
        b->in_total += (uint64_t)n;
        *got = (size_t)n;
        return n ? LDRSNAP_OK : check_end(b);
    }
    ssize_t n = fill(b);
    if (n < 0)
        return entry_error(b, LDRSNAP_EIO, strerror(errno));
    if (n == 0) {
        *got = 0;
        return check_end(b);
    }
    size_t k = LS_MIN(cap, b->in_len - b->in_pos);
    memcpy(buf, b->in + b->in_pos, k);
    b->in_pos += k;
    *got = k;
    return LDRSNAP_OK;
}

int ldrsnap_batch_read(ldrsnap_batch *b, void *buf, size_t cap, size_t *got)
{
    if (!valid(b) || !got)
        return valid(b) ? LDRSNAP_EINVAL : LDRSNAP_EMISUSE;
    *got = 0;
    if (!b->open || b->eof || cap == 0)
        return b->open || !b->entry.error ? LDRSNAP_OK : b->entry.error;
    int rc;
    if (b->kind == K_ARC) {
        rc = ldrsnap__arc_read(b->arc, buf, cap, got);
        if (rc < 0)
            b->entry.error = rc;
    } else {
        /* no read past the limit: as raw_read() (archive.c) */
        uint64_t max = LS_MIN(b->lim.max_bytes, b->lim.max_total);
        uint64_t room = max - LS_MIN(b->out_total, max);
        cap = (size_t)LS_MIN((uint64_t)cap, room ? room : 1);
        if (b->kind == K_GZ && b->gz_big && !b->pipe && b->out_total &&
            !ldrsnap__tokenizer_thread) {
            b->gz_big = false; /* one try */
            pipe_start(b);
        }
        rc = b->pipe                ? pipe_read(b, buf, cap, got)
             : b->kind == K_GZ      ? read_gz(b, buf, cap, got)
                                    : read_plain(b, buf, cap, got);
        b->out_total += *got;
        char why[300];
        /* the sizes; read_gz() stops at the ratio itself */
        if (rc == 0 &&
            (rc = ldrsnap__limit_check(&b->lim, b->out_total, 0,
                                       b->out_total, why, sizeof why)) < 0) {
            pipe_stop(b); /* its thread writes no message after this */
            entry_error(b, rc, why);
            *got = 0;
        }
    }
    if (rc < 0 || *got == 0)
        b->eof = true;
    return rc;
}

const char *ldrsnap_batch_errmsg(const ldrsnap_batch *b)
{
    return valid(b) ? b->errmsg : "invalid batch handle";
}

void ldrsnap_batch_free(ldrsnap_batch *b)
{
    if (!valid(b))
        return;
    close_entry(b);
    close_top(b);
    while (b->depth)
        free_level(b, &b->dirs[--b->depth]);
    for (size_t i = 0; i < b->nqueue; i++) {
        ldrsnap__free(&b->al, b->queue[i].path);
        ldrsnap__free(&b->al, b->queue[i].name);
    }
    ldrsnap__free(&b->al, b->queue);
    ldrsnap__free(&b->al, b->in);
    ldrsnap__gunzip_free(b->gz);
    b->magic = 0;
    ls_alloc al = b->al;
    ldrsnap__free(&al, b);
}

/* ---- one path, start to finish ------------------------------------------- */

typedef struct path_run {
    ldrsnap_event_cb cb;
    void *ud;
    const ldrsnap_entry *input;
} path_run;

/* Every event of ldrsnap_analyze_path() names its input. */
static int with_input(const ldrsnap_event *ev, void *ud)
{
    path_run *r = ud;
    ldrsnap_event e = *ev;
    e.input = r->input;
    return r->cb(&e, r->ud);
}

static int input_end(path_run *r, const ldrsnap_summary *sum,
                     const char *message)
{
    if (!r->cb)
        return 0;
    ldrsnap_event e = {LDRSNAP_EV_INPUT_END, NULL, NULL, NULL, r->input, sum,
                       message};
    return r->cb(&e, r->ud) ? LDRSNAP_ECALLBACK : 0;
}

static int pull_entry(void *ctx, void *buf, size_t cap, size_t *got)
{
    return ldrsnap_batch_read(ctx, buf, cap, got);
}

/* One readable entry through a fresh analyzer (left in *a). */
static int analyze_entry(ldrsnap_analyzer **a, ldrsnap_batch *b,
                         const ldrsnap_options *opts, path_run *r)
{
    int rc = ldrsnap_analyzer_new(a, opts, r->cb ? with_input : NULL, r);
    if (rc < 0)
        return rc;
    int rrc = ldrsnap_analyzer_pull(*a, pull_entry, b);
    rc = ldrsnap_analyzer_finish(*a);
    if (rc == LDRSNAP_ECALLBACK)
        return rc;
    int erc = input_end(r, ldrsnap_analyzer_summary(*a),
                        rrc < 0 ? ldrsnap_batch_errmsg(b) : NULL);
    return rc < 0 ? rc : erc < 0 ? erc : rrc;
}

int ldrsnap_analyze_path(ldrsnap_analyzer **out, const char *path,
                         const ldrsnap_options *opts, ldrsnap_event_cb cb,
                         void *userdata)
{
    ldrsnap_batch *b = NULL;
    ldrsnap_entry *e;
    ldrsnap_analyzer *a = NULL;
    path_run r = {cb, userdata, NULL};
    int rc, first = LDRSNAP_OK;
    size_t n = 0;
    if (!out || !path)
        return LDRSNAP_EINVAL;
    *out = NULL;
    if ((rc = ldrsnap_batch_new(&b, opts, 0)) < 0 ||
        (rc = ldrsnap_batch_add(b, path)) < 0)
        goto out;
    while ((rc = ldrsnap_batch_next(b, &e)) == LDRSNAP_OK) {
        r.input = e;
        n++;
        if (e->error || e->skipped) {
            if (e->error && first == LDRSNAP_OK)
                first = e->error;
            if ((rc = input_end(&r, NULL, e->error ? ldrsnap_batch_errmsg(b)
                                                   : e->skipped)) < 0)
                goto out;
            continue;
        }
        ldrsnap_analyzer_free(a);
        a = NULL;
        rc = analyze_entry(&a, b, opts, &r);
        if (rc == LDRSNAP_ECALLBACK || rc == LDRSNAP_ENOMEM)
            goto out;
        if (rc < 0 && first == LDRSNAP_OK)
            first = rc;
    }
    if (rc == LDRSNAP_DONE)
        rc = n ? first : LDRSNAP_ENOTFOUND;
out:
    ldrsnap_batch_free(b);
    *out = a;
    return rc;
}
