/*
 * out.c - output into a buffer, handed to the system in large writes.
 *
 * stdio's putc() takes the stream's lock on every character once the
 * process has a second thread (the tokenizer's), and a failed write only
 * sets a flag nobody reads.  An obuf is written by one thread, fills a
 * buffer with plain stores and hands it to write(2) when full; the first
 * failure is kept (its errno) and later output is dropped, so the command
 * can stop early and say why at the end (exit 2).  Without a descriptor
 * the buffer grows instead: the output of a task that runs beside others
 * and is printed in input order later.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli.h"

#define OB_SIZE (64 * 1024)

obuf ob_stdout = {NULL, 0, 0, STDOUT_FILENO, 0, false};
obuf ob_stderr = {NULL, 0, 0, STDERR_FILENO, 0, false};

void ob_init_fd(obuf *o, int fd)
{
    memset(o, 0, sizeof *o);
    o->fd = fd;
    o->tty = isatty(fd) == 1;
}

void ob_init_mem(obuf *o)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

/* Give the descriptor n bytes; 0, or -1 with o->err set. */
static int write_all(obuf *o, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(o->fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            o->err = errno;
            return -1;
        }
        if (k == 0) {
            o->err = EIO;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int ob_flush(obuf *o)
{
    if (o->fd >= 0 && o->len) {
        if (!o->err)
            write_all(o, o->buf, o->len);
        o->len = 0;
    }
    return o->err ? -1 : 0;
}

#ifndef IOV_MAX
#define IOV_MAX 16 /* _XOPEN_IOV_MAX, the least POSIX allows */
#endif

int ob_writev(obuf *o, struct iovec *v, int n)
{
    if (o->fd < 0) { /* output kept in memory (--redact) */
        for (int i = 0; i < n; i++)
            ob_write(o, v[i].iov_base, v[i].iov_len);
        return o->err ? -1 : 0;
    }
    if (ob_flush(o) < 0)
        return -1;
    while (n > 0) {
        int k = n < IOV_MAX ? n : IOV_MAX;
        ssize_t w = writev(o->fd, v, k);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            o->err = w < 0 ? errno : EIO;
            return -1;
        }
        /* past what was written (all of it, mostly) */
        while (n > 0 && (size_t)w >= v->iov_len) {
            w -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + w;
            v->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* Room for n more bytes in the buffer; false when there is none (an
 * error, now or before: the bytes are dropped). */
static bool room(obuf *o, size_t n)
{
    if (o->err) {
        o->len = 0; /* nothing more reaches the output */
        return false;
    }
    if (n <= o->cap - o->len)
        return true;
    if (o->fd >= 0) {
        if (ob_flush(o) < 0)
            return false;
        if (n <= o->cap - o->len)
            return true;
    }
    size_t want = o->fd >= 0 ? OB_SIZE : o->len + n;
    if (want < n)
        return false; /* a large write to a descriptor: the caller's */
    size_t cap = o->cap ? o->cap : OB_SIZE;
    while (cap < want)
        cap *= 2;
    if (cap != o->cap) {
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->err = ENOMEM;
            o->len = 0;
            return false;
        }
        o->buf = b;
        o->cap = cap;
    }
    return n <= o->cap - o->len;
}

size_t ob_room(obuf *o, size_t n, char **p)
{
    if (!room(o, n))
        return 0;
    *p = o->buf + o->len;
    return o->cap - o->len;
}

void ob_putc_slow(obuf *o, char c)
{
    if (room(o, 1))
        o->buf[o->len++] = c;
}

void ob_write_slow(obuf *o, const void *p, size_t n)
{
    if (!n)
        return;
    if (room(o, n)) {
        memcpy(o->buf + o->len, p, n);
        o->len += n;
    } else if (!o->err && o->fd >= 0) {
        /* larger than the buffer, which room() has emptied */
        write_all(o, p, n);
    }
}

void ob_printf(obuf *o, const char *fmt, ...)
{
    va_list ap;
    size_t avail = o->err ? 0 : o->cap - o->len;
    va_start(ap, fmt);
    int n = vsnprintf(avail ? o->buf + o->len : NULL, avail, fmt, ap);
    va_end(ap);
    if (n < 0) {
        if (!o->err)
            o->err = EINVAL;
        return;
    }
    if ((size_t)n < avail) {
        o->len += (size_t)n;
        return;
    }
    if (room(o, (size_t)n + 1)) {
        va_start(ap, fmt);
        vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        o->len += (size_t)n;
        return;
    }
    if (o->err)
        return;
    char *tmp = malloc((size_t)n + 1);
    if (!tmp) {
        o->err = ENOMEM;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ob_write_slow(o, tmp, (size_t)n);
    free(tmp);
}

void ob_u64(obuf *o, unsigned long long v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ob_write(o, tmp + i, sizeof tmp - i);
}

void hex8_str(char st[11], unsigned v)
{
    static const char digits[] = "0123456789abcdef";
    st[0] = '0', st[1] = 'x';
    for (int i = 0; i < 8; i++)
        st[2 + i] = digits[(v >> (28 - 4 * i)) & 0xF];
    st[10] = '\0';
}

void ob_hex8(obuf *o, unsigned v)
{
    char tmp[11];
    hex8_str(tmp, v);
    ob_write(o, tmp, 10);
}

void ob_free(obuf *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

int ob_finish(obuf *o, const char *what)
{
    if (ob_flush(o) == 0)
        return 0;
    if (o != &ob_stderr) {
        ob_stderr.err = 0;
        ob_stderr.len = 0;
        ob_printf(&ob_stderr, "ldrsnap: error: writing %s: %s\n", what,
                  strerror(o->err));
        ob_flush(&ob_stderr);
    }
    return -1;
}
