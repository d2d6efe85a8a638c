/*
 * archive.c - containers and compressors through libarchive: zip (deflate,
 * store, zip64), tar and pax, tar.gz/bz2/xz/zst, plain .bz2 .xz .zst (and
 * .gz inside archives), 7z, cab, rar.  The format is told from the bytes,
 * never from the name.
 *
 * One ls_arc per top input holds a stack of levels: the top archive read
 * from the input's feed, and each archive found inside a member, read
 * whole into memory (at most max_nested bytes) and opened there, to
 * max_depth levels.  Each member is named "top!dir/x.log", nested
 * "top!inner.zip!x.log"; a single compressed stream has no member name.
 *
 * Member names are names, never paths: nothing is ever created or opened
 * by them.  Links, devices and encrypted members are listed as skipped
 * with why.  Every byte inflated counts against the member's and the top
 * input's limits; a member over one is an error naming it, and the next
 * member is read.  A broken archive is an error naming the member after
 * which it broke; the members before it were read.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <zlib.h>

#include "source/source.h"

#ifdef LS_ARCHIVE_SONAME
/* libarchive is opened on the first archive (dlopen(3)), not linked: it
 * brings libxml2, ICU and libstdc++, whose relocations were 5.1M
 * instructions of the dynamic linker (1.1 ms) at the start of every run,
 * a plain log's too.  Every function of it this file calls, through
 * ar.p_<name>. */
#include <dlfcn.h>
#include <pthread.h>

#define AR_FUNCS(X)                                                         \
    X(archive_error_string) X(archive_set_error)                            \
    X(archive_read_open_memory) X(archive_format) X(archive_filter_bytes)   \
    X(archive_filter_code) X(archive_entry_filetype)                        \
    X(archive_entry_size_is_set) X(archive_entry_size)                      \
    X(archive_entry_pathname_w) X(archive_entry_pathname_utf8)              \
    X(archive_entry_pathname) X(archive_entry_is_encrypted)                 \
    X(archive_entry_hardlink) X(archive_read_support_format_zip)            \
    X(archive_read_support_format_tar) X(archive_read_support_format_raw)   \
    X(archive_read_support_format_rar5) X(archive_read_support_format_rar)  \
    X(archive_read_support_format_cpio) X(archive_read_support_format_cab)  \
    X(archive_read_support_format_7zip) X(archive_read_support_filter_all)  \
    X(archive_read_set_seek_callback) X(archive_read_set_read_callback)     \
    X(archive_read_set_callback_data) X(archive_read_open1)                 \
    X(archive_read_next_header) X(archive_read_new) X(archive_read_free)    \
    X(archive_read_data_block) X(archive_read_data)

#define AR_FIELD(f) __typeof__(&f) p_##f;
static struct {
    AR_FUNCS(AR_FIELD)
} ar;
static pthread_once_t ar_once = PTHREAD_ONCE_INIT;
static char ar_err[200]; /* why it could not be opened, or "" */

static void ar_open(void)
{
    void *h = dlopen(LS_ARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(ar_err, sizeof ar_err, "%s", e ? e : LS_ARCHIVE_SONAME);
        return;
    }
#define AR_SYM(f)                                                           \
    {                                                                       \
        void *s = dlsym(h, #f);                                             \
        if (!s) {                                                           \
            snprintf(ar_err, sizeof ar_err, "%s: no %s", LS_ARCHIVE_SONAME, \
                     #f);                                                   \
            return;                                                         \
        }                                                                   \
        memcpy(&ar.p_##f, &s, sizeof s);                                    \
    }
    AR_FUNCS(AR_SYM)
}

/* libarchive, opened: NULL, or why not. */
static const char *ar_load(void)
{
    pthread_once(&ar_once, ar_open);
    return ar.p_archive_read_data ? NULL
           : ar_err[0]            ? ar_err
                                  : "cannot open " LS_ARCHIVE_SONAME;
}

#define archive_error_string (ar.p_archive_error_string)
#define archive_set_error (ar.p_archive_set_error)
#define archive_read_open_memory (ar.p_archive_read_open_memory)
#define archive_format (ar.p_archive_format)
#define archive_filter_bytes (ar.p_archive_filter_bytes)
#define archive_filter_code (ar.p_archive_filter_code)
#define archive_entry_filetype (ar.p_archive_entry_filetype)
#define archive_entry_size_is_set (ar.p_archive_entry_size_is_set)
#define archive_entry_size (ar.p_archive_entry_size)
#define archive_entry_pathname_w (ar.p_archive_entry_pathname_w)
#define archive_entry_pathname_utf8 (ar.p_archive_entry_pathname_utf8)
#define archive_entry_pathname (ar.p_archive_entry_pathname)
#define archive_entry_is_encrypted (ar.p_archive_entry_is_encrypted)
#define archive_entry_hardlink (ar.p_archive_entry_hardlink)
#define archive_read_support_format_zip (ar.p_archive_read_support_format_zip)
#define archive_read_support_format_tar (ar.p_archive_read_support_format_tar)
#define archive_read_support_format_raw (ar.p_archive_read_support_format_raw)
#define archive_read_support_format_rar5                                   \
    (ar.p_archive_read_support_format_rar5)
#define archive_read_support_format_rar (ar.p_archive_read_support_format_rar)
#define archive_read_support_format_cpio                                   \
    (ar.p_archive_read_support_format_cpio)
#define archive_read_support_format_cab (ar.p_archive_read_support_format_cab)
#define archive_read_support_format_7zip                                   \
    (ar.p_archive_read_support_format_7zip)
#define archive_read_support_filter_all (ar.p_archive_read_support_filter_all)
#define archive_read_set_seek_callback (ar.p_archive_read_set_seek_callback)
#define archive_read_set_read_callback (ar.p_archive_read_set_read_callback)
#define archive_read_set_callback_data (ar.p_archive_read_set_callback_data)
#define archive_read_open1 (ar.p_archive_read_open1)
#define archive_read_next_header (ar.p_archive_read_next_header)
#define archive_read_new (ar.p_archive_read_new)
#define archive_read_free (ar.p_archive_read_free)
#define archive_read_data_block (ar.p_archive_read_data_block)
#define archive_read_data (ar.p_archive_read_data)
int ldrsnap__archive_loaded(void)
{
    return ar.p_archive_read_data != NULL;
}
#else
static const char *ar_load(void)
{
    return NULL;
}

int ldrsnap__archive_loaded(void)
{
    return -1;
}
#endif

#define LS_MAX(a, b) ((a) > (b) ? (a) : (b))
#define PEEK_LEN (64u * 1024u)
#define SNIFF_LEN 4096u /* a member's first bytes, to tell an archive */
#define LS_MAX_NEST 64

typedef struct level {
    struct archive *a;     /* libarchive's reader, or */
    ls_zip *z;             /* ours (zip.c) */
    char *prefix;          /* the archive's own name */
    unsigned char *mem;    /* nested: its bytes */
    uint64_t members;
    char *last;            /* the last member's name (for "broke after") */
    bool raw;              /* one compressed stream: no members */
} level;

struct ls_arc {
    ls_alloc al;
    ls_feed *feed;
    const ls_limits *lim;
    uint64_t *total;
    char *errmsg;
    size_t errlen;
    level lv[LS_MAX_NEST + 1];
    unsigned n;
    char *name;                 /* the current member */
    unsigned char *peek;
    size_t peek_len, peek_pos;
    bool in_member, m_eof;
    bool dead;                  /* a limit of the whole input: no more */
    uint64_t m_out, m_in0;
    /* the member's block that libarchive gave last, read from blk_pos */
    const unsigned char *blk;
    size_t blk_len, blk_pos;
    int64_t blk_end;            /* where it ends in the member */
    uint64_t hole;              /* zeros before it (a sparse member) */
};

/* ---- sniffing ------------------------------------------------------------ */

static bool has(const unsigned char *p, size_t n, size_t at, const char *m,
                size_t len)
{
    return n >= at + len && !memcmp(p + at, m, len);
}

enum ls_sniff ldrsnap__sniff(const unsigned char *p, size_t n)
{
    if (has(p, n, 0, "\x1f\x8b", 2))
        return LS_SNIFF_GZIP;
    if (has(p, n, 0, "PK\3\4", 4) || has(p, n, 0, "PK\5\6", 4) ||
        has(p, n, 0, "PK\7\x08", 4) ||             /* zip */
        has(p, n, 0, "7z\xbc\xaf\x27\x1c", 6) ||   /* 7z */
        has(p, n, 0, "\xfd" "7zXZ\0", 6) ||        /* xz */
        has(p, n, 0, "\x28\xb5\x2f\xfd", 4) ||     /* zstd */
        has(p, n, 0, "MSCF\0\0\0\0", 8) ||         /* cab */
        has(p, n, 0, "Rar!\x1a\x07", 6) ||         /* rar, rar5 */
        has(p, n, 0, "\x04\x22\x4d\x18", 4) ||     /* lz4 */
        has(p, n, 257, "ustar", 5))                /* tar, pax */
        return LS_SNIFF_ARCHIVE;
    if (has(p, n, 0, "BZh", 3) && n >= 10 && p[3] >= '1' && p[3] <= '9' &&
        (has(p, n, 4, "\x31\x41\x59\x26\x53\x59", 6) ||
         has(p, n, 4, "\x17\x72\x45\x38\x50\x90", 6)))
        return LS_SNIFF_ARCHIVE;                    /* bzip2 */
    return LS_SNIFF_PLAIN;
}

bool ldrsnap__gzip_is_tar(const unsigned char *p, size_t n)
{
    unsigned char out[512];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return false;
    zs.next_in = (unsigned char *)p;
    zs.avail_in = (uInt)LS_MIN(n, 1u << 30);
    zs.next_out = out;
    zs.avail_out = sizeof out;
    inflate(&zs, Z_SYNC_FLUSH);
    size_t got = sizeof out - zs.avail_out;
    inflateEnd(&zs);
    return got >= 262 && !memcmp(out + 257, "ustar", 5);
}

/* ---- limits -------------------------------------------------------------- */

static void say_bytes(char *s, size_t n, uint64_t v)
{
    if (v >= (1ull << 30) && v % (1ull << 30) == 0)
        snprintf(s, n, "%llu GiB", (unsigned long long)(v >> 30));
    else if (v >= (1ull << 20) && v % (1ull << 20) == 0)
        snprintf(s, n, "%llu MiB", (unsigned long long)(v >> 20));
    else
        snprintf(s, n, "%llu bytes", (unsigned long long)v);
}

int ldrsnap__limit_check(const ls_limits *lim, uint64_t out, uint64_t in,
                         uint64_t total, char *why, size_t len)
{
    char b[32];
    if (out > lim->max_bytes) {
        say_bytes(b, sizeof b, lim->max_bytes);
        snprintf(why, len, "over the limit of %s per input (max_bytes, "
                 "--max-bytes), the rest not read", b);
        return LDRSNAP_ELIMIT;
    }
    if (total > lim->max_total) {
        say_bytes(b, sizeof b, lim->max_total);
        snprintf(why, len, "over the limit of %s inflated per top input "
                 "(max_total, --max-total), the rest not read", b);
        return LDRSNAP_ELIMIT;
    }
    return ldrsnap__ratio_check(lim, out, in, why, len);
}

int ldrsnap__ratio_check(const ls_limits *lim, uint64_t out, uint64_t in,
                         char *why, size_t len)
{
    char b[32];
    if (in && out > lim->ratio_floor && out / in > lim->max_ratio) {
        say_bytes(b, sizeof b, lim->ratio_floor);
        snprintf(why, len, "expands more than %u:1 past the first %s "
                 "(max_ratio, --max-ratio: a decompression bomb?), the rest "
                 "not read", (unsigned)lim->max_ratio, b);
        return LDRSNAP_ELIMIT;
    }
    return LDRSNAP_OK;
}

/* ---- the top input's bytes --------------------------------------------- */

static la_ssize_t feed_read(struct archive *a, void *ud, const void **buf)
{
    ls_feed *f = ud;
    if (f->held_pos < f->held_len) {
        *buf = f->held + f->held_pos;
        size_t n = f->held_len - f->held_pos;
        f->held_pos = f->held_len;
        return (la_ssize_t)n;
    }
    ssize_t n;
    do
        n = read(f->fd, f->buf, LS_IN_CHUNK);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        archive_set_error(a, errno, "%s", strerror(errno));
        return -1;
    }
    *f->in_total += (uint64_t)n;
    *buf = f->buf;
    return n;
}

static la_int64_t feed_seek(struct archive *a, void *ud, la_int64_t off,
                            int whence)
{
    ls_feed *f = ud;
    off_t r;
    if (whence == SEEK_CUR) {
        off_t cur = lseek(f->fd, 0, SEEK_CUR);
        r = cur < 0 ? cur
                    : lseek(f->fd,
                            cur - (off_t)(f->held_len - f->held_pos) + off,
                            SEEK_SET);
    } else {
        r = lseek(f->fd, off, whence);
    }
    f->held_pos = f->held_len;
    if (r < 0) {
        archive_set_error(a, errno, "%s", strerror(errno));
        return ARCHIVE_FATAL;
    }
    return r;
}

/* ---- levels -------------------------------------------------------------- */

static struct archive *new_reader(void)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_zip(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_cab(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_raw(a);
    return a;
}

static void arc_error(ls_arc *arc, const char *name, const char *lead,
                      const char *what, const char *tail)
{
    snprintf(arc->errmsg, arc->errlen, "%s: %s%s%s", name, lead,
             what ? what : "unreadable", tail);
    /* some of libarchive's messages end in a newline */
    size_t n = strlen(arc->errmsg);
    while (n && (arc->errmsg[n - 1] == '\n' || arc->errmsg[n - 1] == '\r'))
        arc->errmsg[--n] = '\0';
}

static void pop(ls_arc *arc)
{
    level *L = &arc->lv[--arc->n];
    if (L->a)
        archive_read_free(L->a);
    ldrsnap__zip_free(L->z);
    ldrsnap__free(&arc->al, L->prefix);
    ldrsnap__free(&arc->al, L->mem);
    ldrsnap__free(&arc->al, L->last);
    memset(L, 0, sizeof *L);
}

/* Push a level reading mem (nested) or the feed (top); takes mem. */
static int push(ls_arc *arc, const char *prefix, unsigned char *mem,
                size_t len)
{
    level *L = &arc->lv[arc->n];
    memset(L, 0, sizeof *L);
    L->mem = mem;
    if (!(L->prefix = ldrsnap__strdup(&arc->al, prefix))) {
        ldrsnap__free(&arc->al, mem);
        memset(L, 0, sizeof *L);
        return LDRSNAP_ENOMEM;
    }
    /* the usual zip: ours, when its central directory can be read */
    const ls_feed *f = arc->feed;
    const unsigned char *head = mem ? mem : f->fd < 0 ? f->mem : f->held;
    size_t head_len = mem ? len : f->fd < 0 ? f->mem_len : f->held_len;
    int zr = 0;
    if (head_len >= 4 && !memcmp(head, "PK\3\4", 4) &&
        (mem || f->fd < 0 || f->seekable))
        zr = ldrsnap__zip_open(&L->z, &arc->al, mem || f->fd < 0 ? -1 : f->fd,
                               mem ? mem : f->fd < 0 ? f->mem : NULL,
                               mem ? len : f->mem_len, f->in_total);
    if (zr == 1) {
        arc->n++;
        return LDRSNAP_OK;
    }
    const char *no_ar = zr < 0 ? NULL : ar_load();
    if (zr < 0 || no_ar || !(L->a = new_reader())) {
        ldrsnap__free(&arc->al, L->prefix);
        ldrsnap__free(&arc->al, mem);
        memset(L, 0, sizeof *L);
        if (!no_ar)
            return LDRSNAP_ENOMEM;
        arc_error(arc, prefix, "cannot read archives: ", no_ar, "");
        return LDRSNAP_EIO;
    }
    arc->n++;
    int r;
    if (mem) {
        r = archive_read_open_memory(L->a, mem, len);
    } else if (arc->feed->fd < 0) {
        r = archive_read_open_memory(L->a, arc->feed->mem,
                                     arc->feed->mem_len);
    } else {
        if (arc->feed->seekable)
            archive_read_set_seek_callback(L->a, feed_seek);
        archive_read_set_read_callback(L->a, feed_read);
        archive_read_set_callback_data(L->a, arc->feed);
        r = archive_read_open1(L->a);
    }
    if (r != ARCHIVE_OK) {
        arc_error(arc, prefix, "not a readable archive (",
                  archive_error_string(L->a), ")");
        pop(arc);
        return LDRSNAP_EFORMAT;
    }
    return LDRSNAP_OK;
}

/* ---- members ------------------------------------------------------------- */

/* Copy a member name, invalid UTF-8 as U+FFFD (output stays valid JSON). */
static char *clean_name(const ls_alloc *al, const char *prefix,
                        const char *s)
{
    size_t pl = strlen(prefix), sl = strlen(s);
    char *out = ldrsnap__malloc(al, pl + 1 + 3 * sl + 1);
    if (!out)
        return NULL;
    memcpy(out, prefix, pl);
    char *o = out + pl;
    *o++ = '!';
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 && c >= 0xC2 ? 2
                             : (c & 0xF0) == 0xE0               ? 3
                             : (c & 0xF8) == 0xF0 && c <= 0xF4  ? 4
                                                                : 0;
        bool ok = k > 0;
        for (size_t i = 1; ok && i < k; i++)
            ok = (p[i] & 0xC0) == 0x80;
        if (ok && k == 3)
            ok = !(c == 0xE0 && p[1] < 0xA0) && !(c == 0xED && p[1] >= 0xA0);
        if (ok && k == 4)
            ok = !(c == 0xF0 && p[1] < 0x90) && !(c == 0xF4 && p[1] >= 0x90);
        if (ok) {
            memcpy(o, p, k);
            o += k;
            p += k;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        }
    }
    *o = '\0';
    return out;
}

static const char *level_compression(const level *L)
{
    if (L->z)
        return "zip";
    switch (archive_format(L->a) & ARCHIVE_FORMAT_BASE_MASK) {
    case ARCHIVE_FORMAT_ZIP: return "zip";
    case ARCHIVE_FORMAT_7ZIP: return "7z";
    case ARCHIVE_FORMAT_CAB: return "cab";
    case ARCHIVE_FORMAT_RAR: return "rar";
    case ARCHIVE_FORMAT_RAR_V5: return "rar";
    default: break;
    }
    switch (archive_filter_code(L->a, 0)) {
    case ARCHIVE_FILTER_GZIP: return "gzip";
    case ARCHIVE_FILTER_BZIP2: return "bzip2";
    case ARCHIVE_FILTER_XZ: return "xz";
    case ARCHIVE_FILTER_ZSTD: return "zstd";
    case ARCHIVE_FILTER_LZ4: return "lz4";
    default: return L->raw ? "none" : "tar";
    }
}

/* Read member bytes, counted against the limits.  They come from the
 * blocks libarchive decompresses (archive_read_data() would drop what it
 * had copied into the caller's buffer when a later block breaks: how much
 * of a broken member is read would hang on the callers' buffer sizes,
 * and so differ between -j 1 and -j 2). */
static int raw_read(ls_arc *arc, void *buf, size_t cap, size_t *got)
{
    level *L = &arc->lv[arc->n - 1];
    *got = 0;
    size_t n;
    uint64_t in;
    /* no read past max_bytes or max_total: the bytes up to the limit are
     * given, the next read (one byte) says it, so where a member is cut
     * does not hang on the callers' read sizes (-j 1's, the tokenizer
     * thread's, the caller's thread's reads ahead of it) */
    const ls_limits *lim = arc->lim;
    uint64_t room =
        LS_MIN(lim->max_bytes - LS_MIN(arc->m_out, lim->max_bytes),
               lim->max_total - LS_MIN(*arc->total, lim->max_total));
    cap = (size_t)LS_MIN((uint64_t)cap, room ? room : 1);
    if (L->z) {
        char why[200];
        int rc = ldrsnap__zip_read(L->z, buf, cap, &n, why, sizeof why);
        if (rc < 0) {
            snprintf(arc->errmsg, arc->errlen, "%s: %s", arc->name, why);
            return rc;
        }
        if (n == 0)
            return LDRSNAP_OK;
        in = LS_MAX(ldrsnap__zip_in(L->z), 1);
        goto count;
    }
    while (arc->blk_pos == arc->blk_len && !arc->hole) {
        const void *p;
        size_t len;
        la_int64_t off;
        int r = archive_read_data_block(L->a, &p, &len, &off);
        if (r == ARCHIVE_EOF)
            return LDRSNAP_OK;
        /* a warning here is the member's data found bad at its end (a
         * zip's CRC-32 or length): an error of the member, not its bytes
         * taken as good */
        if (r <= ARCHIVE_WARN) {
            arc_error(arc, arc->name, "", archive_error_string(L->a), "");
            return LDRSNAP_EFORMAT;
        }
        if (off > arc->blk_end) /* a hole in a sparse member: zeros */
            arc->hole = (uint64_t)(off - arc->blk_end);
        arc->blk = p;
        arc->blk_len = len;
        arc->blk_pos = 0;
        arc->blk_end = (off > arc->blk_end ? off : arc->blk_end) +
                       (int64_t)len;
    }
    if (arc->hole) {
        n = (size_t)LS_MIN((uint64_t)cap, arc->hole);
        memset(buf, 0, n);
        arc->hole -= n;
    } else {
        n = LS_MIN(cap, arc->blk_len - arc->blk_pos);
        if (n)
            memcpy(buf, arc->blk + arc->blk_pos, n);
        arc->blk_pos += n;
    }
    la_int64_t pos = archive_filter_bytes(L->a, -1);
    in = pos > 0 && (uint64_t)pos > arc->m_in0 ? (uint64_t)pos - arc->m_in0
                                               : 1;
count:
    arc->m_out += (uint64_t)n;
    *arc->total += (uint64_t)n;
    char why[300];
    int rc = ldrsnap__limit_check(arc->lim, arc->m_out, in, *arc->total, why,
                                  sizeof why);
    if (rc == 0 && arc->lim->max_ratio && *arc->feed->in_total &&
        *arc->total > arc->lim->ratio_floor &&
        *arc->total / *arc->feed->in_total > arc->lim->max_ratio)
        rc = ldrsnap__limit_check(arc->lim, *arc->total,
                                  *arc->feed->in_total, *arc->total, why,
                                  sizeof why);
    /* the whole input's total or ratio: the rest of it is not read */
    if (rc < 0 && (*arc->total > arc->lim->max_total ||
                   (*arc->total > arc->lim->ratio_floor &&
                    *arc->total / LS_MAX(*arc->feed->in_total, 1) >
                        arc->lim->max_ratio)))
        arc->dead = true;
    if (rc < 0) {
        snprintf(arc->errmsg, arc->errlen, "%s: %s", arc->name, why);
        return rc;
    }
    *got = (size_t)n;
    return LDRSNAP_OK;
}

/* The member's first bytes, to tell an archive inside. */
static int peek(ls_arc *arc)
{
    arc->peek_len = arc->peek_pos = 0;
    while (arc->peek_len < SNIFF_LEN) {
        size_t got;
        int rc = raw_read(arc, arc->peek + arc->peek_len,
                          SNIFF_LEN - arc->peek_len, &got);
        if (rc < 0)
            return rc;
        if (got == 0)
            break;
        arc->peek_len += got;
    }
    return LDRSNAP_OK;
}

/* The rest of a nested archive into memory, then a level over it. */
static int open_nested(ls_arc *arc)
{
    size_t cap = arc->peek_len * 2 + PEEK_LEN, len = arc->peek_len;
    unsigned char *mem = ldrsnap__malloc(&arc->al, cap);
    if (!mem)
        return LDRSNAP_ENOMEM;
    memcpy(mem, arc->peek, len);
    for (;;) {
        if (cap - len < PEEK_LEN) {
            unsigned char *m = ldrsnap__realloc(&arc->al, mem, cap * 2);
            if (!m) {
                ldrsnap__free(&arc->al, mem);
                return LDRSNAP_ENOMEM;
            }
            mem = m;
            cap *= 2;
        }
        size_t got;
        int rc = raw_read(arc, mem + len, cap - len, &got);
        if (rc == 0 && len + got > arc->lim->max_nested) {
            char b[32];
            say_bytes(b, sizeof b, arc->lim->max_nested);
            snprintf(arc->errmsg, arc->errlen,
                     "%s: an archive inside of more than %s (max_nested), "
                     "not opened", arc->name, b);
            rc = LDRSNAP_ELIMIT;
        }
        if (rc < 0) {
            ldrsnap__free(&arc->al, mem);
            return rc;
        }
        if (got == 0)
            break;
        len += got;
    }
    arc->in_member = false;
    return push(arc, arc->name, mem, len);
}

/* The member's name as UTF-8: libarchive's UTF-8 form, else its wide
 * form (7z and cab keep names in UTF-16; the C locale cannot convert
 * them), else its bytes as they are (clean_name() mends them). */
static const char *entry_name(struct archive_entry *ae, char *buf,
                              size_t len)
{
    const char *pn = archive_entry_pathname_utf8(ae);
    if (pn && *pn)
        return pn;
    const wchar_t *w = archive_entry_pathname_w(ae);
    if (w && *w) {
        size_t o = 0;
        for (; *w && o + 5 < len; w++) {
            uint32_t c = (uint32_t)*w;
            if (c >= 0xD800 && c <= 0xDFFF)
                c = 0xFFFD;
            if (c < 0x80) {
                buf[o++] = (char)c;
            } else if (c < 0x800) {
                buf[o++] = (char)(0xC0 | c >> 6);
                buf[o++] = (char)(0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                buf[o++] = (char)(0xE0 | c >> 12);
                buf[o++] = (char)(0x80 | (c >> 6 & 0x3F));
                buf[o++] = (char)(0x80 | (c & 0x3F));
            } else {
                buf[o++] = (char)(0xF0 | (c > 0x10FFFF ? 0 : c >> 18));
                buf[o++] = (char)(0x80 | (c >> 12 & 0x3F));
                buf[o++] = (char)(0x80 | (c >> 6 & 0x3F));
                buf[o++] = (char)(0x80 | (c & 0x3F));
            }
        }
        buf[o] = '\0';
        return buf;
    }
    pn = archive_entry_pathname(ae);
    return pn ? pn : "";
}

/* Why a member is listed and not read, or NULL. */
static const char *why_skipped(struct archive_entry *ae)
{
    switch (archive_entry_filetype(ae)) {
    case AE_IFREG:
        break;
    case AE_IFLNK:
        return "a symbolic link in the archive, not followed";
    default:
        return "a device, FIFO or socket entry, not read";
    }
    if (archive_entry_hardlink(ae))
        return "a hard link in the archive (its target is read under its "
               "own name)";
    if (archive_entry_is_encrypted(ae))
        return "encrypted, not read (no password)";
    return NULL;
}

/* A member of level L named pn (counted against max_members): m. */
static int name_member(ls_arc *arc, level *L, ls_member *m, const char *pn)
{
    if (++L->members > arc->lim->max_members) {
        snprintf(arc->errmsg, arc->errlen, "%s: more than %llu members "
                 "(max_members), the rest not read", L->prefix,
                 (unsigned long long)arc->lim->max_members);
        ldrsnap__free(&arc->al, arc->name);
        if (!(arc->name = ldrsnap__strdup(&arc->al, L->prefix)))
            return LDRSNAP_ENOMEM;
        pop(arc);
        m->name = arc->name;
        m->error = LDRSNAP_ELIMIT;
        return 1;
    }
    ldrsnap__free(&arc->al, arc->name);
    arc->name = L->raw ? ldrsnap__strdup(&arc->al, L->prefix)
                       : clean_name(&arc->al, L->prefix, pn ? pn : "");
    ldrsnap__free(&arc->al, L->last);
    L->last = pn ? ldrsnap__strdup(&arc->al, pn) : NULL;
    if (!arc->name)
        return LDRSNAP_ENOMEM;
    m->name = arc->name;
    m->compression = level_compression(&arc->lv[0]);
    return 0;
}

/* The longest member that no limit could stop part way, whatever the
 * reads it comes in (raw_read()'s checks): within max_bytes, within the
 * per-member ratio's floor, the input's total within max_total and its
 * ratio to the bytes read so far within max_ratio (or the floor).  Such a
 * member may be inflated whole (zip.c) before its first byte is given. */
static uint64_t whole_budget(const ls_arc *arc)
{
    const ls_limits *l = arc->lim;
    uint64_t t = *arc->total;
    uint64_t b = LS_MIN(l->max_bytes, l->ratio_floor);
    b = LS_MIN(b, l->max_total > t ? l->max_total - t : 0);
    uint64_t r = l->ratio_floor > t ? l->ratio_floor - t : 0;
    uint64_t in = *arc->feed->in_total;
    if (l->max_ratio && in) {
        uint64_t room = in > UINT64_MAX / l->max_ratio
                            ? UINT64_MAX
                            : in * l->max_ratio;
        if (room > t)
            r = LS_MAX(r, room - t);
    }
    return LS_MIN(b, r);
}

/* The next member of a zip of ours (zip.c). */
static int next_zip_header(ls_arc *arc, ls_member *m, bool *again)
{
    level *L = &arc->lv[arc->n - 1];
    ls_zip_member zm;
    int r = ldrsnap__zip_next(L->z, &zm);
    if (r == LDRSNAP_DONE || zm.dir) {
        if (r == LDRSNAP_DONE)
            pop(arc);
        *again = true;
        return 0;
    }
    if (r < 0)
        return r;
    if ((r = name_member(arc, L, m, zm.name)) != 0)
        return r < 0 ? r : 0;
    if (zm.link)
        m->skipped = "a symbolic link in the archive, not followed";
    m->size = zm.size;
    ldrsnap__zip_whole_max(L->z, whole_budget(arc));
    return 0;
}

/* A header: the member, an entry to skip, or the end of the level. */
static int next_header(ls_arc *arc, ls_member *m, bool *again)
{
    level *L = &arc->lv[arc->n - 1];
    struct archive_entry *ae;
    *again = false;
    if (L->z)
        return next_zip_header(arc, m, again);
    int r = archive_read_next_header(L->a, &ae);
    if (r == ARCHIVE_EOF) {
        pop(arc);
        *again = true;
        return 0;
    }
    if (r < ARCHIVE_WARN) {
        char why[400];
        snprintf(why, sizeof why, "%s%s%s%s",
                 L->last ? "broken after member " : "cannot read the "
                                                    "archive: ",
                 L->last ? L->last : "", L->last ? ": " : "",
                 archive_error_string(L->a) ? archive_error_string(L->a)
                                            : "corrupt archive");
        snprintf(arc->errmsg, arc->errlen, "%s: %s", L->prefix, why);
        ldrsnap__free(&arc->al, arc->name);
        if (!(arc->name = ldrsnap__strdup(&arc->al, L->prefix)))
            return LDRSNAP_ENOMEM;
        pop(arc);
        m->name = arc->name;
        m->error = LDRSNAP_EFORMAT;
        return 0;
    }
    if (archive_entry_filetype(ae) == AE_IFDIR) {
        *again = true;
        return 0;
    }
    L->raw = archive_format(L->a) == ARCHIVE_FORMAT_RAW;
    char wide[1024];
    const char *pn = entry_name(ae, wide, sizeof wide);
    if ((r = name_member(arc, L, m, pn)) != 0)
        return r < 0 ? r : 0;
    m->skipped = why_skipped(ae);
    m->size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : -1;
    return 0;
}

/* Member names are decoded in a UTF-8 locale of this thread alone (7z
 * and cab keep names in UTF-16, which libarchive turns into the locale's
 * charset: the C locale would lose every name past ASCII).  The
 * process's locale is left as it is. */
static locale_t utf8_locale(void)
{
    static locale_t loc;
    static int tried;
    if (!__atomic_load_n(&tried, __ATOMIC_ACQUIRE)) {
        locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        if (!l)
            l = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
        locale_t none = (locale_t)0;
        if (!__atomic_compare_exchange_n(&loc, &none, l, false,
                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
            l)
            freelocale(l);
        __atomic_store_n(&tried, 1, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(&loc, __ATOMIC_ACQUIRE);
}

static int arc_next(ls_arc *arc, ls_member *m);

int ldrsnap__arc_next(ls_arc *arc, ls_member *m)
{
    locale_t l = utf8_locale(), old = (locale_t)0;
    if (l)
        old = uselocale(l);
    int rc = arc_next(arc, m);
    if (l)
        uselocale(old);
    return rc;
}

static int arc_next(ls_arc *arc, ls_member *m)
{
    arc->in_member = false;
    for (;;) {
        memset(m, 0, sizeof *m);
        while (arc->dead && arc->n)
            pop(arc);
        if (arc->n == 0)
            return LDRSNAP_DONE;
        bool again;
        int rc = next_header(arc, m, &again);
        if (rc < 0)
            return rc;
        if (again)
            continue;
        if (m->error || m->skipped)
            return 0;
        level *L = &arc->lv[arc->n - 1];
        arc->m_out = 0;
        arc->blk = NULL;
        arc->blk_len = arc->blk_pos = 0;
        arc->blk_end = 0;
        arc->hole = 0;
        la_int64_t pos = L->a ? archive_filter_bytes(L->a, -1) : 0;
        arc->m_in0 = pos > 0 ? (uint64_t)pos : 0;
        arc->in_member = true;
        arc->m_eof = false;
        if ((rc = peek(arc)) < 0) {
            m->error = rc;
            arc->in_member = false;
            return 0;
        }
        if (ldrsnap__sniff(arc->peek, arc->peek_len) == LS_SNIFF_PLAIN)
            return 0;
        if (arc->n >= arc->lim->max_depth) {
            snprintf(arc->errmsg, arc->errlen, "%s: archives nested more "
                     "than %u deep (max_depth), not opened", arc->name,
                     arc->lim->max_depth);
            m->error = LDRSNAP_ELIMIT;
            arc->in_member = false;
            return 0;
        }
        rc = open_nested(arc);
        if (rc == LDRSNAP_ENOMEM)
            return rc;
        if (rc < 0) {
            m->error = rc;
            return 0;
        }
    }
}

int ldrsnap__arc_read(ls_arc *arc, void *buf, size_t cap, size_t *got)
{
    *got = 0;
    if (!arc->in_member || arc->m_eof || cap == 0)
        return LDRSNAP_OK;
    if (arc->peek_pos < arc->peek_len) {
        size_t k = LS_MIN(cap, arc->peek_len - arc->peek_pos);
        memcpy(buf, arc->peek + arc->peek_pos, k);
        arc->peek_pos += k;
        *got = k;
        return LDRSNAP_OK;
    }
    int rc = raw_read(arc, buf, cap, got);
    if (rc < 0 || *got == 0)
        arc->m_eof = true;
    return rc;
}

int ldrsnap__arc_open(ls_arc **out, const ls_alloc *al, const char *top,
                      ls_feed *feed, const ls_limits *lim, uint64_t *total,
                      char *errmsg, size_t errlen)
{
    ls_arc *arc = ldrsnap__calloc(al, sizeof *arc);
    *out = NULL;
    if (!arc)
        return LDRSNAP_ENOMEM;
    arc->al = *al;
    arc->feed = feed;
    arc->lim = lim;
    arc->total = total;
    arc->errmsg = errmsg;
    arc->errlen = errlen;
    if (!(arc->peek = ldrsnap__malloc(al, PEEK_LEN))) {
        ldrsnap__free(al, arc);
        return LDRSNAP_ENOMEM;
    }
    locale_t l = utf8_locale(), old = (locale_t)0;
    if (l)
        old = uselocale(l);
    int rc = push(arc, top, NULL, 0);
    if (l)
        uselocale(old);
    if (rc < 0) {
        ldrsnap__arc_free(arc);
        return rc;
    }
    *out = arc;
    return LDRSNAP_OK;
}

void ldrsnap__arc_free(ls_arc *arc)
{
    if (!arc)
        return;
    while (arc->n)
        pop(arc);
    ldrsnap__free(&arc->al, arc->name);
    ldrsnap__free(&arc->al, arc->peek);
    ldrsnap__free(&arc->al, arc);
}
