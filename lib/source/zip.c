/*
 * zip.c - our own reader of the usual zip: stored and deflated members,
 * zip64, data descriptors, in a seekable file or in memory (an archive
 * inside an archive).  Members come in the order of their local headers,
 * as libarchive's seekable reader gives them; each is inflated by ISA-L's
 * igzip (zlib without it) straight into the caller's buffer, its CRC-32
 * and length checked at its end.  libarchive's zip reader inflates with
 * zlib, through a copy of each block: on the bench's zip of 1,920 logs it
 * took a quarter of the run.  A deflated member of up to WHOLE_MAX bytes
 * whose compressed bytes are at hand in one piece is inflated whole, in
 * one call of libdeflate (LS_HAVE_LIBDEFLATE), and given out from there:
 * 15 % less CPU than igzip's stream on those 1,920 members, the copy out
 * included.  Only when the caller says no limit can stop it part way
 * (ldrsnap__zip_whole_max()), and only when it inflates cleanly, to the
 * length and CRC-32 the archive gives: any other member (corrupt, cut,
 * longer) is read again as a stream, whose bytes and error it is.
 *
 * Everything else stays with libarchive: ldrsnap__zip_open() says "not
 * ours" (0) for a zip read from a pipe, one with no central directory or
 * one that does not end where it says (cut short, data before it), an
 * encrypted member, a method other than store and deflate, a name that is
 * not UTF-8 or has an Info-ZIP Unicode path, an entry that is neither a
 * file, a directory nor a symbolic link.  The central directory is
 * checked whole before the first member is given, so a broken one is
 * libarchive's to report; a member's own bytes (local header, deflate
 * data, CRC, length) are checked as they are read, and a bad one is an
 * error of that member alone: the next ones are read from the offsets the
 * directory gives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "source/source.h"

#ifdef LS_HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif
#ifdef LS_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#define WIN_LEN (256u * 1024u)       /* bytes read from the file at once */
#define TAIL_LEN (65535u + 22u + 20u) /* the end record, its comment, the
                                         zip64 locator */
#define MAX_CD (64ull << 20)         /* a larger directory: libarchive's */
/* A member inflated whole: no larger than this (the room the CLI reads a
 * member ahead into), kept for the next member of a zip read from a file
 * (one per open archive), freed after each of a zip in memory (nested:
 * one per level). */
#define WHOLE_MAX (4u << 20)

enum { Z_REG, Z_DIR, Z_LNK };

typedef struct zent {
    uint64_t off;     /* its local header */
    uint64_t csize, usize;
    uint32_t crc;
    uint32_t name;    /* in the directory's bytes */
    uint16_t name_len;
    uint16_t method;
    uint8_t type;
} zent;

static bool native = true;
static bool whole_on = true;
static unsigned long opened; /* archives read here (for the tests) */
static unsigned long wholes; /* members inflated whole (for the tests) */

/* Off: every zip goes to libarchive (the tests' and the fuzzer's oracle). */
void ldrsnap__zip_native(bool on)
{
    __atomic_store_n(&native, on, __ATOMIC_RELAXED);
}

/* Off: every member is inflated as a stream (the tests' oracle). */
void ldrsnap__zip_whole(bool on)
{
    __atomic_store_n(&whole_on, on, __ATOMIC_RELAXED);
}

unsigned long ldrsnap__zip_opened(void)
{
    return __atomic_load_n(&opened, __ATOMIC_RELAXED);
}

unsigned long ldrsnap__zip_wholes(void)
{
    return __atomic_load_n(&wholes, __ATOMIC_RELAXED);
}

struct ls_zip {
    ls_alloc al;
    int fd;                    /* -1: mem */
    const unsigned char *mem;
    uint64_t size;
    uint64_t *in_total;        /* bytes read from fd */
    unsigned char *cd_buf;     /* the directory (read from fd), or NULL */
    const unsigned char *cd;
    zent *e;
    size_t n, next;
    unsigned char *win;        /* fd: the bytes at win_off */
    uint64_t win_off;
    size_t win_len;
    char *name;
    size_t name_cap;
    /* the member being read */
    const zent *cur;
    bool started, finished;
    uint64_t pos, end;         /* its deflate data, in the archive */
    uint64_t out;
    uint32_t crc;
    /* the member inflated whole: given out from whole[whole_pos] on */
    uint64_t whole_max;        /* its largest length for that (the limits) */
    bool in_whole;
    unsigned char *whole;
    size_t whole_cap, whole_pos;
#ifdef LS_HAVE_LIBDEFLATE
    struct libdeflate_decompressor *ld;
#endif
#ifdef LS_HAVE_ISAL
    struct inflate_state st;
#else
    z_stream zs;
    bool zs_init;
#endif
};

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
#ifdef LS_HAVE_ISAL
    return crc32_gzip_refl(crc, p, (uint64_t)n);
#else
    while (n) {
        uInt k = (uInt)LS_MIN(n, 1u << 30);
        crc = (uint32_t)crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return crc;
#endif
}

static ssize_t pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (char *)buf + got, len - got,
                          (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* The archive's bytes from off: *p and how many follow there (at least
 * want, unless the archive ends first); -1 on a read error. */
static int bytes_at(ls_zip *z, uint64_t off, size_t want,
                    const unsigned char **p, size_t *avail)
{
    if (off >= z->size) {
        *p = NULL;
        *avail = 0;
        return 0;
    }
    if (z->mem) {
        *p = z->mem + off;
        *avail = (size_t)LS_MIN(z->size - off, (uint64_t)SIZE_MAX);
        return 0;
    }
    if (off < z->win_off || off + LS_MIN(want, z->size - off) >
                                z->win_off + z->win_len) {
        ssize_t n = pread_all(z->fd, z->win, WIN_LEN, off);
        if (n < 0)
            return -1;
        *z->in_total += (uint64_t)n;
        z->win_off = off;
        z->win_len = (size_t)n;
    }
    *p = z->win + (off - z->win_off);
    *avail = z->win_len - (size_t)(off - z->win_off);
    return 0;
}

/* ---- the central directory ---------------------------------------------- */

static bool utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k = (c & 0xE0) == 0xC0 && c >= 0xC2 ? 2
                   : (c & 0xF0) == 0xE0             ? 3
                   : (c & 0xF8) == 0xF0 && c <= 0xF4 ? 4
                                                    : 0;
        if (!k || i + k > n)
            return false;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        if ((k == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) ||
                        (c == 0xED && s[i + 1] >= 0xA0))) ||
            (k == 4 && ((c == 0xF0 && s[i + 1] < 0x90) ||
                        (c == 0xF4 && s[i + 1] >= 0x90))))
            return false;
        i += k;
    }
    return true;
}

/* The zip64 extra field's values for the fields that say 0xFFFFFFFF. */
static bool zip64_extra(const unsigned char *x, size_t xl, zent *e,
                        bool need_u, bool need_c, bool need_o, bool need_d)
{
    while (xl >= 4) {
        unsigned id = rd16(x), len = rd16(x + 2);
        if (len > xl - 4)
            return false;
        if (id == 0x0001) {
            const unsigned char *p = x + 4;
            size_t left = len;
            if (need_u) {
                if (left < 8)
                    return false;
                e->usize = rd64(p);
                p += 8, left -= 8;
            }
            if (need_c) {
                if (left < 8)
                    return false;
                e->csize = rd64(p);
                p += 8, left -= 8;
            }
            if (need_o) {
                if (left < 8)
                    return false;
                e->off = rd64(p);
                p += 8, left -= 8;
            }
            if (need_d && (left < 4 || rd32(p) != 0))
                return false;
            return true;
        }
        x += 4 + len;
        xl -= 4 + len;
    }
    return !need_u && !need_c && !need_o && !need_d;
}

/* An extra field libarchive would read the name from: not ours. */
static bool has_unicode_path(const unsigned char *x, size_t xl)
{
    while (xl >= 4) {
        unsigned id = rd16(x), len = rd16(x + 2);
        if (len > xl - 4)
            return true; /* malformed: let libarchive judge */
        if (id == 0x7075)
            return true;
        x += 4 + len;
        xl -= 4 + len;
    }
    return false;
}

/* One directory record at *p (cd_len - *p left) into e: false when the
 * archive is not ours. */
static bool parse_entry(const unsigned char *cd, size_t cd_len, size_t *at,
                        uint64_t cd_off, zent *e)
{
    size_t p = *at;
    if (cd_len - p < 46 || rd32(cd + p) != 0x02014b50)
        return false;
    const unsigned char *r = cd + p;
    unsigned made_by = rd16(r + 4), flags = rd16(r + 8);
    unsigned nlen = rd16(r + 28), xlen = rd16(r + 30), clen = rd16(r + 32);
    uint32_t ext = rd32(r + 38);
    if (cd_len - p - 46 < (size_t)nlen + xlen + clen)
        return false;
    memset(e, 0, sizeof *e);
    e->method = rd16(r + 10);
    e->crc = rd32(r + 16);
    e->csize = rd32(r + 20);
    e->usize = rd32(r + 24);
    e->off = rd32(r + 42);
    e->name = (uint32_t)(p + 46);
    e->name_len = (uint16_t)nlen;
    const unsigned char *name = r + 46, *x = name + nlen;
    /* encrypted (traditional, strong, or a hidden directory), or packed
     * in some other way: libarchive's */
    if ((flags & (0x0001u | 0x0040u | 0x2000u)) ||
        (e->method != 0 && e->method != 8) || nlen == 0 ||
        !utf8_ok(name, nlen) || has_unicode_path(x, xlen) ||
        !zip64_extra(x, xlen, e, e->usize == 0xFFFFFFFFu,
                     e->csize == 0xFFFFFFFFu, e->off == 0xFFFFFFFFu,
                     rd16(r + 34) == 0xFFFFu) ||
        (rd16(r + 34) != 0 && rd16(r + 34) != 0xFFFFu))
        return false;
    bool slash = name[nlen - 1] == '/';
    if ((made_by >> 8) == 3 && (ext >> 16) != 0) { /* a Unix mode */
        switch ((ext >> 16) & S_IFMT) {
        case S_IFREG: e->type = Z_REG; break;
        case S_IFDIR: e->type = Z_DIR; break;
        case S_IFLNK: e->type = Z_LNK; break;
        default: return false;
        }
        if (slash && e->type != Z_DIR)
            return false;
    } else {
        e->type = slash || (ext & 0x10) ? Z_DIR : Z_REG;
    }
    if (e->off >= cd_off || e->csize > cd_off - e->off)
        return false;
    *at = p + 46 + nlen + xlen + clen;
    return true;
}

static int cmp_off(const void *x, const void *y)
{
    const zent *a = x, *b = y;
    return a->off < b->off ? -1 : a->off > b->off;
}

/* Where the directory is: 1 found, 0 not ours, -1 a read error. */
static int find_cd(ls_zip *z, uint64_t *cd_off, uint64_t *cd_len,
                   uint64_t *count)
{
    size_t tail = (size_t)LS_MIN(z->size, (uint64_t)TAIL_LEN);
    const unsigned char *t;
    size_t avail;
    if (z->mem) {
        t = z->mem + (z->size - tail);
    } else {
        if (bytes_at(z, z->size - tail, tail, &t, &avail) < 0)
            return -1;
        if (avail < tail)
            return 0;
    }
    /* the end record: the last one whose comment ends the file */
    size_t i = tail - 22 + 1, at = SIZE_MAX;
    while (i-- > 0)
        if (rd32(t + i) == 0x06054b50 && i + 22 + rd16(t + i + 20) == tail) {
            at = i;
            break;
        }
    if (at == SIZE_MAX)
        return 0;
    const unsigned char *r = t + at;
    uint64_t eocd = z->size - tail + at, end = eocd;
    if (rd16(r + 4) != 0 && rd16(r + 4) != 0xFFFF)
        return 0; /* a multi-disk archive */
    *count = rd16(r + 10);
    *cd_len = rd32(r + 12);
    *cd_off = rd32(r + 16);
    if (rd16(r + 8) != rd16(r + 10))
        return 0;
    if (*count == 0xFFFF || *cd_len == 0xFFFFFFFFu ||
        *cd_off == 0xFFFFFFFFu) {
        /* zip64: the locator before the end record, and its record */
        if (at < 20 || rd32(r - 20) != 0x07064b50 || rd32(r - 16) != 0 ||
            rd32(r - 4) != 1)
            return 0;
        uint64_t z64 = rd64(r - 12);
        if (z64 > eocd - 20 || eocd - 20 - z64 < 56)
            return 0;
        const unsigned char *q;
        if (bytes_at(z, z64, 56, &q, &avail) < 0)
            return -1;
        if (avail < 56 || rd32(q) != 0x06064b50 || rd32(q + 16) != 0 ||
            rd32(q + 20) != 0 || rd64(q + 24) != rd64(q + 32))
            return 0;
        *count = rd64(q + 32);
        *cd_len = rd64(q + 40);
        *cd_off = rd64(q + 48);
        end = z64;
    }
    /* the directory must end where the end records begin: data before
     * the archive (a self-extractor) or a cut file are libarchive's */
    if (*cd_off > end || end - *cd_off != *cd_len || *count == 0 ||
        *cd_len > MAX_CD || *count > *cd_len / 46)
        return 0;
    return 1;
}

/* 1: the directory read and every entry ours; 0 not ours; <0 error. */
static int read_cd(ls_zip *z)
{
    uint64_t cd_off, cd_len, count;
    int r = find_cd(z, &cd_off, &cd_len, &count);
    if (r <= 0)
        return r;
    if (z->mem) {
        z->cd = z->mem + cd_off;
    } else {
        if (!(z->cd_buf = ldrsnap__malloc(&z->al, (size_t)cd_len)))
            return LDRSNAP_ENOMEM;
        ssize_t n = pread_all(z->fd, z->cd_buf, (size_t)cd_len, cd_off);
        if (n < 0)
            return -1;
        *z->in_total += (uint64_t)n;
        if ((uint64_t)n != cd_len)
            return 0;
        z->cd = z->cd_buf;
    }
    if (!(z->e = ldrsnap__malloc(&z->al, (size_t)count * sizeof *z->e)))
        return LDRSNAP_ENOMEM;
    size_t at = 0;
    bool sorted = true;
    for (uint64_t i = 0; i < count; i++) {
        if (!parse_entry(z->cd, (size_t)cd_len, &at, cd_off, &z->e[i]))
            return 0;
        sorted &= i == 0 || z->e[i].off > z->e[i - 1].off;
    }
    z->n = (size_t)count;
    if (!sorted) {
        qsort(z->e, z->n, sizeof *z->e, cmp_off);
        for (size_t i = 1; i < z->n; i++)
            if (z->e[i].off == z->e[i - 1].off)
                return 0; /* two entries on one header */
    }
    /* the first member where the directory says */
    const unsigned char *p;
    size_t avail;
    if (bytes_at(z, z->e[0].off, 4, &p, &avail) < 0)
        return -1;
    return avail >= 4 && rd32(p) == 0x04034b50;
}

void ldrsnap__zip_free(ls_zip *z)
{
    if (!z)
        return;
#ifndef LS_HAVE_ISAL
    if (z->zs_init)
        inflateEnd(&z->zs);
#endif
    ls_alloc al = z->al;
    ldrsnap__free(&al, z->cd_buf);
    ldrsnap__free(&al, z->e);
    ldrsnap__free(&al, z->win);
    ldrsnap__free(&al, z->name);
    ldrsnap__free(&al, z->whole);
#ifdef LS_HAVE_LIBDEFLATE
    if (z->ld)
        libdeflate_free_decompressor(z->ld);
#endif
    ldrsnap__free(&al, z);
}

int ldrsnap__zip_open(ls_zip **out, const ls_alloc *al, int fd,
                      const unsigned char *mem, uint64_t size,
                      uint64_t *in_total)
{
    *out = NULL;
    if (!__atomic_load_n(&native, __ATOMIC_RELAXED))
        return 0;
    if (!mem) {
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
            return 0;
        size = (uint64_t)st.st_size;
    }
    if (size < 22 + 30)
        return 0;
    ls_zip *z = ldrsnap__calloc(al, sizeof *z);
    if (!z)
        return LDRSNAP_ENOMEM;
    z->al = *al;
    z->fd = mem ? -1 : fd;
    z->mem = mem;
    z->size = size;
    z->in_total = in_total;
    if (!mem && !(z->win = ldrsnap__malloc(al, WIN_LEN))) {
        ldrsnap__free(al, z);
        return LDRSNAP_ENOMEM;
    }
    int rc = read_cd(z);
    if (rc <= 0) {
        ldrsnap__zip_free(z);
        return rc == -1 ? 0 : rc; /* a read error: libarchive says it */
    }
#ifndef LS_HAVE_ISAL
    if (inflateInit2(&z->zs, -15) != Z_OK) {
        ldrsnap__zip_free(z);
        return LDRSNAP_ENOMEM;
    }
    z->zs_init = true;
#endif
    __atomic_add_fetch(&opened, 1, __ATOMIC_RELAXED);
    *out = z;
    return 1;
}

/* ---- members ------------------------------------------------------------- */

static void whole_done(ls_zip *z);

int ldrsnap__zip_next(ls_zip *z, ls_zip_member *m)
{
    memset(m, 0, sizeof *m);
    z->cur = NULL;
    if (z->in_whole) /* the last one left part read */
        whole_done(z);
    if (z->next >= z->n)
        return LDRSNAP_DONE;
    const zent *e = &z->e[z->next++];
    if (z->name_cap < (size_t)e->name_len + 1) {
        char *nm = ldrsnap__realloc(&z->al, z->name, e->name_len + 1u);
        if (!nm)
            return LDRSNAP_ENOMEM;
        z->name = nm;
        z->name_cap = e->name_len + 1u;
    }
    memcpy(z->name, z->cd + e->name, e->name_len);
    z->name[e->name_len] = '\0';
    m->name = z->name;
    m->dir = e->type == Z_DIR;
    m->link = e->type == Z_LNK;
    m->size = (int64_t)LS_MIN(e->usize, (uint64_t)INT64_MAX);
    z->cur = e;
    z->started = z->finished = false;
    z->out = 0;
    z->crc = 0;
    z->whole_max = 0;
    z->in_whole = false;
    return LDRSNAP_OK;
}

void ldrsnap__zip_whole_max(ls_zip *z, uint64_t max)
{
    z->whole_max = max;
}

uint64_t ldrsnap__zip_in(const ls_zip *z)
{
    return z->cur && z->started ? z->pos - (z->end - z->cur->csize) : 0;
}

/* The member's local header: where its data starts. */
static int start_member(ls_zip *z, const char **why)
{
    const zent *e = z->cur;
    const unsigned char *p;
    size_t avail;
    if (bytes_at(z, e->off, 30, &p, &avail) < 0) {
        *why = strerror(errno);
        return LDRSNAP_EIO;
    }
    if (avail < 30 || rd32(p) != 0x04034b50) {
        *why = "zip member's local header is missing (corrupt archive)";
        return LDRSNAP_EFORMAT;
    }
    /* libarchive takes the name, method and flags from here: one that
     * differs from the directory's is no member to guess at */
    unsigned nlen = rd16(p + 26);
    if (avail < 30 + (size_t)nlen &&
        bytes_at(z, e->off, 30 + (size_t)nlen, &p, &avail) < 0) {
        *why = strerror(errno);
        return LDRSNAP_EIO;
    }
    if (avail < 30 + (size_t)nlen || rd16(p + 8) != e->method ||
        (rd16(p + 6) & 0x41u) || nlen != e->name_len ||
        memcmp(p + 30, z->cd + e->name, nlen)) {
        *why = "zip member's local header does not match the central "
               "directory (corrupt archive)";
        return LDRSNAP_EFORMAT;
    }
    uint64_t data = e->off + 30 + nlen + rd16(p + 28);
    if (data > z->size || e->csize > z->size - data) {
        *why = "zip member is cut short (truncated archive)";
        return LDRSNAP_EFORMAT;
    }
    z->pos = data;
    z->end = data + e->csize;
    z->started = true;
#ifdef LS_HAVE_ISAL
    isal_inflate_init(&z->st);
    z->st.crc_flag = ISAL_GZIP_NO_HDR;
#else
    inflateReset(&z->zs);
#endif
    return LDRSNAP_OK;
}

/* The member's end: all its bytes, and the CRC-32 the archive gives. */
static int check_end(ls_zip *z, const char **why)
{
    z->finished = true;
    if (z->out != z->cur->usize) {
        *why = "zip member is corrupt (not the length the archive gives)";
        return LDRSNAP_EFORMAT;
    }
    if (z->crc != z->cur->crc) {
        *why = "zip member is corrupt (incorrect CRC-32)";
        return LDRSNAP_EFORMAT;
    }
    return LDRSNAP_OK;
}

static int read_stored(ls_zip *z, unsigned char *buf, size_t cap,
                       size_t *got, const char **why)
{
    uint64_t left = LS_MIN(z->end - z->pos, z->cur->usize - z->out);
    size_t want = (size_t)LS_MIN((uint64_t)cap, left);
    if (want == 0) { /* its end: as long as the archive says? */
        if (z->pos != z->end) {
            z->finished = true;
            *why = "zip member is corrupt (not the length the archive "
                   "gives)";
            return LDRSNAP_EFORMAT;
        }
        return check_end(z, why);
    }
    if (!z->mem && want >= WIN_LEN) { /* straight into the caller's room */
        ssize_t n = pread_all(z->fd, buf, want, z->pos);
        if (n < 0) {
            *why = strerror(errno);
            return LDRSNAP_EIO;
        }
        *z->in_total += (uint64_t)n;
        *got = (size_t)n;
    } else {
        const unsigned char *p;
        size_t avail;
        if (bytes_at(z, z->pos, want, &p, &avail) < 0) {
            *why = strerror(errno);
            return LDRSNAP_EIO;
        }
        *got = LS_MIN(want, avail);
        memcpy(buf, p, *got);
    }
    if (*got == 0) {
        *why = "zip member is cut short (truncated archive)";
        return LDRSNAP_EFORMAT;
    }
    z->pos += *got;
    z->out += *got;
    z->crc = crc_update(z->crc, buf, *got);
    return LDRSNAP_OK;
}

#ifdef LS_HAVE_ISAL
static const char *isal_why(int r)
{
    switch (r) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    default: return "inflate failed";
    }
}
#endif

static int read_deflated(ls_zip *z, unsigned char *buf, size_t cap,
                         size_t *got, const char **why, char *whybuf,
                         size_t whylen)
{
    size_t made = 0;
    while (made == 0) {
        const unsigned char *p = NULL;
        size_t avail = 0;
        if (z->pos < z->end &&
            bytes_at(z, z->pos, (size_t)LS_MIN(z->end - z->pos, WIN_LEN), &p,
                     &avail) < 0) {
            *why = strerror(errno);
            return LDRSNAP_EIO;
        }
        size_t in = (size_t)LS_MIN((uint64_t)avail, z->end - z->pos);
        in = LS_MIN(in, (size_t)1 << 30);
        /* never more than the archive says: past it, one byte into a
         * scratch tells a longer stream */
        unsigned char one, *dst = buf;
        size_t room = (size_t)LS_MIN((uint64_t)LS_MIN(cap, (size_t)1 << 30),
                                     z->cur->usize - z->out);
        if (room == 0) {
            dst = &one;
            room = 1;
        }
        const char *bad = NULL;
        bool fin;
#ifdef LS_HAVE_ISAL
        z->st.next_in = (uint8_t *)p;
        z->st.avail_in = (uint32_t)in;
        z->st.next_out = dst;
        z->st.avail_out = (uint32_t)room;
        int r = isal_inflate(&z->st);
        size_t used = in - z->st.avail_in;
        made = room - z->st.avail_out;
        fin = z->st.block_state == ISAL_BLOCK_FINISH;
        if (r < 0)
            bad = isal_why(r);
#else
        z->zs.next_in = (unsigned char *)p;
        z->zs.avail_in = (uInt)in;
        z->zs.next_out = dst;
        z->zs.avail_out = (uInt)room;
        int r = inflate(&z->zs, Z_NO_FLUSH);
        size_t used = in - z->zs.avail_in;
        made = room - z->zs.avail_out;
        fin = r == Z_STREAM_END;
        if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
            bad = z->zs.msg ? z->zs.msg : "inflate failed";
        if (made)
            z->crc = crc_update(z->crc, dst, made);
#endif
        if (dst == &one && made) {
            z->finished = true;
            *why = "zip member is corrupt (longer than the archive says)";
            return LDRSNAP_EFORMAT;
        }
        z->pos += used;
        z->out += made;
        if (bad && made == 0) {
            snprintf(whybuf, whylen, "zip member is corrupt (%s)", bad);
            *why = whybuf;
            return LDRSNAP_EFORMAT;
        }
        if (fin) {
#ifdef LS_HAVE_ISAL
            z->crc = z->st.crc;
#endif
            z->finished = made == 0;
            if (made == 0)
                return check_end(z, why);
            break;
        }
        if (!bad && made == 0 && used == 0) {
            *why = "zip member is cut short (truncated deflate data)";
            return LDRSNAP_EFORMAT;
        }
        if (bad) /* its bytes first, the error next time */
            break;
    }
    *got = made;
    return LDRSNAP_OK;
}

/* A member given out whole: its room freed at its end when it is not
 * to be kept. */
static void whole_done(ls_zip *z)
{
    z->in_whole = false;
    z->finished = true;
    if (z->mem) {
        ldrsnap__free(&z->al, z->whole);
        z->whole = NULL;
        z->whole_cap = 0;
    }
}

/* The deflated member just started, inflated whole into z->whole when it
 * may be (see the top): true, and z->out, z->crc, z->pos as at its end;
 * false, nothing changed: it is read as a stream. */
static bool inflate_whole(ls_zip *z)
{
#ifdef LS_HAVE_LIBDEFLATE
    const zent *e = z->cur;
    if (!__atomic_load_n(&whole_on, __ATOMIC_RELAXED) || e->method != 8 ||
        e->usize == 0 || e->usize > LS_MIN(z->whole_max, WHOLE_MAX) ||
        e->csize == 0 || (!z->mem && e->csize > WIN_LEN))
        return false;
    /* in one piece: as the stream's first read would ask for it (the
     * same window, the same bytes counted) */
    const unsigned char *p;
    size_t avail;
    if (bytes_at(z, z->pos, (size_t)e->csize, &p, &avail) < 0 ||
        avail < e->csize)
        return false; /* the stream says the error */
    if (!z->ld && !(z->ld = libdeflate_alloc_decompressor()))
        return false;
    size_t len = (size_t)e->usize;
    if (z->whole_cap < len) {
        unsigned char *w = ldrsnap__malloc(&z->al, len);
        if (!w)
            return false;
        ldrsnap__free(&z->al, z->whole);
        z->whole = w;
        z->whole_cap = len;
    }
    size_t used = 0, made = 0;
    if (libdeflate_deflate_decompress_ex(z->ld, p, (size_t)e->csize,
                                         z->whole, len, &used, &made) !=
            LIBDEFLATE_SUCCESS ||
        made != len || crc_update(0, z->whole, len) != e->crc)
        return false;
    z->pos += used;
    z->out = len;
    z->crc = e->crc;
    z->whole_pos = 0;
    z->in_whole = true;
    __atomic_add_fetch(&wholes, 1, __ATOMIC_RELAXED);
    return true;
#else
    LS_UNUSED(z);
    return false;
#endif
}

int ldrsnap__zip_read(ls_zip *z, void *buf, size_t cap, size_t *got,
                      char *why, size_t whylen)
{
    const char *w = NULL;
    int rc = LDRSNAP_OK;
    *got = 0;
    if (!z->cur || cap == 0 || (z->started && z->finished))
        return LDRSNAP_OK;
    if (!z->started) {
        if ((rc = start_member(z, &w)) < 0)
            goto fail;
        inflate_whole(z);
    }
    if (z->in_whole) {
        size_t k = LS_MIN(cap, z->out - z->whole_pos);
        memcpy(buf, z->whole + z->whole_pos, k);
        z->whole_pos += k;
        *got = k;
        if (k == 0)
            whole_done(z);
        return LDRSNAP_OK;
    }
    if (z->cur->method == 0) {
        rc = read_stored(z, buf, cap, got, &w);
    } else {
        rc = read_deflated(z, buf, cap, got, &w, why, whylen);
        if (rc == 0 && *got == 0 && !z->finished)
            rc = check_end(z, &w);
    }
    if (rc == 0)
        return rc;
fail:
    z->started = z->finished = true;
    *got = 0;
    if (w != why)
        snprintf(why, whylen, "%s", w);
    return rc;
}
