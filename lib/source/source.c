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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/ldrsnap_internal.h"

#define BATCH_MAGIC 0x4C445242u /* "LDRB" */
#define MAX_DEPTH 64
#define GZ_MAX_OUT (16ULL << 30)   /* 16 GiB decompressed per input */
#define GZ_MAX_RATIO 1000ULL       /* ... and at most 1000 x the input */
#define GZ_RATIO_FLOOR (64ULL << 20)
#define IN_CHUNK (256u * 1024u)

typedef struct dir_level {
    char *path;       /* directory path as shown */
    char **names;     /* sorted entries */
    size_t n, next;
    dev_t dev;
    ino_t ino;
} dir_level;

struct ldrsnap_batch {
    uint32_t magic;
    ls_alloc al;
    unsigned flags;
    char **queue;
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
    bool gz;
    z_stream zs;
    bool zs_init;
    unsigned char *in;
    size_t in_len, in_pos;
    uint64_t in_total, out_total;
    char errmsg[512];
};

static bool valid(const ldrsnap_batch *b)
{
    return b && b->magic == BATCH_MAGIC;
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
    *out = b;
    return LDRSNAP_OK;
}

int ldrsnap_batch_add(ldrsnap_batch *b, const char *path)
{
    if (!valid(b))
        return LDRSNAP_EMISUSE;
    if (!path || !*path)
        return LDRSNAP_EINVAL;
    if (b->nqueue == b->qcap) {
        size_t cap = b->qcap ? b->qcap * 2 : 8;
        char **n = ldrsnap__realloc(&b->al, b->queue, cap * sizeof *n);
        if (!n)
            return LDRSNAP_ENOMEM;
        b->queue = n;
        b->qcap = cap;
    }
    if (!(b->queue[b->nqueue] = ldrsnap__strdup(&b->al, path)))
        return LDRSNAP_ENOMEM;
    b->nqueue++;
    return LDRSNAP_OK;
}

/* ---- closing and errors ------------------------------------------------ */

static void close_entry(ldrsnap_batch *b)
{
    if (b->fd >= 0 && !b->is_stdin)
        close(b->fd);
    b->fd = -1;
    if (b->zs_init)
        inflateEnd(&b->zs);
    b->zs_init = false;
    b->open = b->eof = b->gz = b->is_stdin = false;
    b->in_len = b->in_pos = 0;
    b->in_total = b->out_total = 0;
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

/* An entry that cannot be read: the caller reports it and goes on. */
static int error_entry(ldrsnap_batch *b, const char *name, int code,
                       const char *why)
{
    close_entry(b);
    memset(&b->entry, 0, sizeof b->entry);
    if (!(b->name = ldrsnap__strdup(&b->al, name)))
        return LDRSNAP_ENOMEM;
    b->entry.name = b->name;
    b->entry.compression = "none";
    snprintf(b->errmsg, sizeof b->errmsg, "%s: %s", name, why);
    b->entry.error = code;
    return LDRSNAP_OK;
}

/* ---- opening a file ------------------------------------------------------ */

static ssize_t fill(ldrsnap_batch *b)
{
    if (b->in_pos < b->in_len)
        return (ssize_t)(b->in_len - b->in_pos);
    ssize_t n;
    do
        n = read(b->fd, b->in, IN_CHUNK);
    while (n < 0 && errno == EINTR);
    b->in_pos = 0;
    b->in_len = n > 0 ? (size_t)n : 0;
    if (n > 0)
        b->in_total += (uint64_t)n;
    return n;
}

static int start_entry(ldrsnap_batch *b, const char *name, const char *path,
                       int fd, bool is_stdin)
{
    close_entry(b);
    memset(&b->entry, 0, sizeof b->entry);
    b->name = ldrsnap__strdup(&b->al, name);
    if (!b->name)
        return LDRSNAP_ENOMEM;
    b->entry.name = b->name;
    b->entry.path = path ? b->name : NULL;
    b->entry.compression = "none";
    b->fd = fd;
    b->is_stdin = is_stdin;
    b->errmsg[0] = '\0';
    if (!b->in && !(b->in = ldrsnap__malloc(&b->al, IN_CHUNK)))
        return LDRSNAP_ENOMEM;
    ssize_t n = fill(b);
    if (n < 0)
        return entry_error(b, LDRSNAP_EIO, strerror(errno));
    b->open = true;
    if (b->in_len >= 2 && b->in[0] == 0x1F && b->in[1] == 0x8B) {
        memset(&b->zs, 0, sizeof b->zs);
        if (inflateInit2(&b->zs, 15 + 16) != Z_OK)
            return entry_error(b, LDRSNAP_ENOMEM, "cannot start gzip decoder");
        b->zs_init = true;
        b->gz = true;
        b->entry.compression = "gzip";
    }
    return LDRSNAP_OK;
}

static int open_file(ldrsnap_batch *b, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_entry(b, path, errno_code(errno), strerror(errno));
    int rc = start_entry(b, path, path, fd, false);
    return rc == LDRSNAP_ENOMEM ? rc : LDRSNAP_OK;
}

/* ---- directories --------------------------------------------------------- */

static int cmp_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
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
        if (!(d->names[d->n] = ldrsnap__strdup(&b->al, de->d_name)))
            break;
        d->n++;
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

/* Visit one path: a file becomes the entry, a directory is entered. */
static int visit(ldrsnap_batch *b, const char *path, bool top)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return error_entry(b, path, errno_code(errno), strerror(errno));
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
        const char *nm = d->names[d->next++];
        size_t len = strlen(d->path) + strlen(nm) + 2;
        char *path = ldrsnap__malloc(&b->al, len);
        if (!path)
            return LDRSNAP_ENOMEM;
        bool slash = d->path[strlen(d->path) - 1] == '/';
        snprintf(path, len, "%s%s%s", d->path, slash ? "" : "/", nm);
        int rc = visit(b, path, false);
        ldrsnap__free(&b->al, path);
        if (rc != 1)
            return rc;
    }
    return 1;
}

int ldrsnap_batch_next(ldrsnap_batch *b, ldrsnap_entry **entry)
{
    if (!valid(b) || !entry)
        return valid(b) ? LDRSNAP_EINVAL : LDRSNAP_EMISUSE;
    *entry = NULL;
    close_entry(b);
    for (;;) {
        int rc = next_in_dirs(b);
        if (rc == 1 && b->qnext < b->nqueue) {
            const char *p = b->queue[b->qnext++];
            if (!strcmp(p, "-")) {
                rc = start_entry(b, "<stdin>", NULL, STDIN_FILENO, true);
                rc = rc == LDRSNAP_ENOMEM ? rc : LDRSNAP_OK;
            } else
                rc = visit(b, p, true);
        } else if (rc == 1) {
            return LDRSNAP_DONE;
        }
        if (rc == LDRSNAP_ENOMEM)
            return rc;
        if (rc != 1) {
            *entry = &b->entry;
            return LDRSNAP_OK;
        }
    }
}

/* ---- reading ------------------------------------------------------------- */

static int read_gz(ldrsnap_batch *b, void *buf, size_t cap, size_t *got)
{
    b->zs.next_out = buf;
    b->zs.avail_out = (uInt)LS_MIN(cap, 1u << 30);
    while (b->zs.avail_out == (uInt)LS_MIN(cap, 1u << 30)) {
        ssize_t n = fill(b);
        if (n < 0)
            return entry_error(b, LDRSNAP_EIO, strerror(errno));
        if (n == 0) {
            if (b->zs.total_in == 0 && b->zs.total_out == 0)
                break; /* clean end after a member */
            return entry_error(b, LDRSNAP_EFORMAT, "gzip stream is truncated");
        }
        b->zs.next_in = b->in + b->in_pos;
        b->zs.avail_in = (uInt)(b->in_len - b->in_pos);
        int zr = inflate(&b->zs, Z_NO_FLUSH);
        b->in_pos = b->in_len - b->zs.avail_in;
        if (zr == Z_STREAM_END) {
            inflateReset(&b->zs); /* another member may follow */
            b->zs.total_in = b->zs.total_out = 0;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            char why[160];
            snprintf(why, sizeof why, "gzip data is corrupt (%s)",
                     b->zs.msg ? b->zs.msg : "inflate failed");
            return entry_error(b, LDRSNAP_EFORMAT, why);
        }
    }
    *got = LS_MIN(cap, 1u << 30) - b->zs.avail_out;
    b->out_total += *got;
    if (b->out_total > GZ_MAX_OUT ||
        (b->out_total > GZ_RATIO_FLOOR &&
         b->out_total / (b->in_total ? b->in_total : 1) > GZ_MAX_RATIO))
        return entry_error(b, LDRSNAP_ELIMIT,
                           "decompressed size exceeds the safety limit "
                           "(gzip bomb?)");
    return LDRSNAP_OK;
}

int ldrsnap_batch_read(ldrsnap_batch *b, void *buf, size_t cap, size_t *got)
{
    if (!valid(b) || !got)
        return valid(b) ? LDRSNAP_EINVAL : LDRSNAP_EMISUSE;
    *got = 0;
    if (!b->open || b->eof || cap == 0)
        return b->open || !b->entry.error ? LDRSNAP_OK : b->entry.error;
    if (b->gz) {
        int rc = read_gz(b, buf, cap, got);
        if (rc < 0)
            b->eof = true;
        return rc;
    }
    if (b->in_pos == b->in_len && cap >= IN_CHUNK) {
        /* nothing held: read straight into the caller's buffer */
        ssize_t n;
        do
            n = read(b->fd, buf, cap);
        while (n < 0 && errno == EINTR);
        if (n <= 0) {
            b->eof = true;
            return n < 0 ? entry_error(b, LDRSNAP_EIO, strerror(errno))
                         : LDRSNAP_OK;
        }
        b->in_total += (uint64_t)n;
        *got = (size_t)n;
        return LDRSNAP_OK;
    }
    ssize_t n = fill(b);
    if (n < 0) {
        b->eof = true;
        return entry_error(b, LDRSNAP_EIO, strerror(errno));
    }
    size_t k = LS_MIN(cap, b->in_len - b->in_pos);
    memcpy(buf, b->in + b->in_pos, k);
    b->in_pos += k;
    *got = k;
    if (k == 0)
        b->eof = true;
    return LDRSNAP_OK;
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
    while (b->depth)
        free_level(b, &b->dirs[--b->depth]);
    for (size_t i = 0; i < b->nqueue; i++)
        ldrsnap__free(&b->al, b->queue[i]);
    ldrsnap__free(&b->al, b->queue);
    ldrsnap__free(&b->al, b->in);
    b->magic = 0;
    ls_alloc al = b->al;
    ldrsnap__free(&al, b);
}

/* ---- one path, start to finish ------------------------------------------- */

int ldrsnap_analyze_path(ldrsnap_analyzer **out, const char *path,
                         const ldrsnap_options *opts, ldrsnap_event_cb cb,
                         void *userdata)
{
    ldrsnap_batch *b = NULL;
    ldrsnap_entry *e;
    ldrsnap_analyzer *a = NULL;
    char *buf = NULL;
    int rc;
    if (!out || !path)
        return LDRSNAP_EINVAL;
    *out = NULL;
    if ((rc = ldrsnap_batch_new(&b, opts, LDRSNAP_BATCH_NO_RECURSE)) < 0 ||
        (rc = ldrsnap_batch_add(b, path)) < 0 ||
        (rc = ldrsnap_batch_next(b, &e)) < 0)
        goto out;
    if (rc == LDRSNAP_DONE || e->error) {
        rc = rc == LDRSNAP_DONE ? LDRSNAP_ENOTFOUND : e->error;
        goto out;
    }
    if ((rc = ldrsnap_analyzer_new(&a, opts, cb, userdata)) < 0)
        goto out;
    if (!(buf = malloc(IN_CHUNK))) {
        rc = LDRSNAP_ENOMEM;
        goto out;
    }
    size_t got;
    int rrc;
    while ((rrc = ldrsnap_batch_read(b, buf, IN_CHUNK, &got)) == 0 && got)
        if ((rc = ldrsnap_analyzer_feed(a, buf, got)) < 0)
            goto out;
    rc = ldrsnap_analyzer_finish(a);
    if (rc == 0)
        rc = rrc;
out:
    free(buf);
    ldrsnap_batch_free(b);
    *out = a;
    return rc;
}
