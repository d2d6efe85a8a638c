/*
 * test_zip.c - our zip reader (lib/source/zip.c) against libarchive's:
 * zips written here (stored and deflated members, zip64, data
 * descriptors, a directory out of offset order, an empty member, one
 * larger than a read window), each read through the batch both ways
 * (ldrsnap__zip_native()), the same names and bytes; a corrupt member, a
 * wrong CRC, a cut archive and an encrypted member; members inflated
 * whole (libdeflate) against the stream (ldrsnap__zip_whole()), good,
 * broken and stopped by a limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <criterion/criterion.h>

#include "source/source.h"

typedef struct zbuf {
    unsigned char *p;
    size_t len, cap;
} zbuf;

static void put(zbuf *b, const void *s, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        cr_assert_not_null(b->p);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void put16(zbuf *b, unsigned v)
{
    unsigned char c[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, c, 2);
}

static void put32(zbuf *b, uint32_t v)
{
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}

static void put64(zbuf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

typedef struct zmem {
    const char *name;
    const unsigned char *data;
    size_t len;
    int method; /* 0 stored, 8 deflated */
} zmem;

enum { ZIP64 = 1, DESCRIPTOR = 2, REVERSED = 4, ENCRYPTED = 8 };

static unsigned char *deflate_raw(const unsigned char *p, size_t n,
                                  size_t *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8,
                              Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, (uLong)n) + 16;
    unsigned char *d = malloc(cap);
    zs.next_in = (unsigned char *)p;
    zs.avail_in = (uInt)n;
    zs.next_out = d;
    zs.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out = cap - zs.avail_out;
    deflateEnd(&zs);
    return d;
}

/* A zip of the members, as flags say. */
static unsigned char *make_zip(const zmem *m, size_t n, unsigned flags,
                               size_t *len)
{
    zbuf z = {0}, cd = {0};
    uint64_t off[16];
    uint32_t crc[16];
    size_t csz[16];
    bool z64 = flags & ZIP64;
    for (size_t i = 0; i < n; i++) {
        unsigned char *packed = NULL;
        size_t clen = m[i].len;
        if (m[i].method == 8)
            packed = deflate_raw(m[i].data, m[i].len, &clen);
        crc[i] = (uint32_t)crc32(0, m[i].data, (uInt)m[i].len);
        csz[i] = clen;
        off[i] = z.len;
        unsigned gp = (1u << 11) | (flags & DESCRIPTOR ? 8u : 0u) |
                      (flags & ENCRYPTED ? 1u : 0u);
        bool dd = flags & DESCRIPTOR;
        put32(&z, 0x04034b50);
        put16(&z, z64 ? 45 : 20);
        put16(&z, gp);
        put16(&z, (unsigned)m[i].method);
        put32(&z, 0);
        put32(&z, dd ? 0 : crc[i]);
        put32(&z, z64 ? 0xFFFFFFFFu : dd ? 0 : (uint32_t)clen);
        put32(&z, z64 ? 0xFFFFFFFFu : dd ? 0 : (uint32_t)m[i].len);
        put16(&z, (unsigned)strlen(m[i].name));
        put16(&z, z64 ? 20 : 0);
        put(&z, m[i].name, strlen(m[i].name));
        if (z64) {
            put16(&z, 1);
            put16(&z, 16);
            put64(&z, dd ? 0 : m[i].len);
            put64(&z, dd ? 0 : clen);
        }
        put(&z, packed ? packed : m[i].data, clen);
        free(packed);
        if (dd) {
            put32(&z, 0x08074b50);
            put32(&z, crc[i]);
            if (z64) {
                put64(&z, clen);
                put64(&z, m[i].len);
            } else {
                put32(&z, (uint32_t)clen);
                put32(&z, (uint32_t)m[i].len);
            }
        }
    }
    uint64_t cd_off = z.len;
    for (size_t k = 0; k < n; k++) {
        size_t i = flags & REVERSED ? n - 1 - k : k;
        put32(&cd, 0x02014b50);
        put16(&cd, 3u << 8 | 45);
        put16(&cd, z64 ? 45 : 20);
        put16(&cd, (1u << 11) | (flags & DESCRIPTOR ? 8u : 0u) |
                       (flags & ENCRYPTED ? 1u : 0u));
        put16(&cd, (unsigned)m[i].method);
        put32(&cd, 0);
        put32(&cd, crc[i]);
        put32(&cd, z64 ? 0xFFFFFFFFu : (uint32_t)csz[i]);
        put32(&cd, z64 ? 0xFFFFFFFFu : (uint32_t)m[i].len);
        put16(&cd, (unsigned)strlen(m[i].name));
        put16(&cd, z64 ? 28 : 0);
        put16(&cd, 0);
        put16(&cd, 0);
        put16(&cd, 0);
        put32(&cd, 0100644u << 16);
        put32(&cd, z64 ? 0xFFFFFFFFu : (uint32_t)off[i]);
        put(&cd, m[i].name, strlen(m[i].name));
        if (z64) {
            put16(&cd, 1);
            put16(&cd, 24);
            put64(&cd, m[i].len);
            put64(&cd, csz[i]);
            put64(&cd, off[i]);
        }
    }
    put(&z, cd.p, cd.len);
    if (z64) {
        uint64_t at = z.len;
        put32(&z, 0x06064b50);
        put64(&z, 44);
        put16(&z, 45);
        put16(&z, 45);
        put32(&z, 0);
        put32(&z, 0);
        put64(&z, n);
        put64(&z, n);
        put64(&z, cd.len);
        put64(&z, cd_off);
        put32(&z, 0x07064b50);
        put32(&z, 0);
        put64(&z, at);
        put32(&z, 1);
    }
    put32(&z, 0x06054b50);
    put16(&z, 0);
    put16(&z, 0);
    put16(&z, z64 ? 0xFFFF : (unsigned)n);
    put16(&z, z64 ? 0xFFFF : (unsigned)n);
    put32(&z, z64 ? 0xFFFFFFFFu : (uint32_t)cd.len);
    put32(&z, z64 ? 0xFFFFFFFFu : (uint32_t)cd_off);
    put16(&z, 0);
    free(cd.p);
    *len = z.len;
    return z.p;
}

/* What the batch gives of a zip in memory: a line per entry (name,
 * skipped, error and its message, the bytes' CRC and length); zip.c's
 * members inflated whole when they may be, or all as streams; under the
 * limits lim (NULL: the defaults). */
static char *read_with(const unsigned char *zip, size_t len, bool native,
                       bool whole, const ldrsnap_limits *lim)
{
    ldrsnap__zip_native(native);
    ldrsnap__zip_whole(whole);
    ldrsnap_batch *b = NULL;
    cr_assert_eq(ldrsnap_batch_new(&b, NULL, 0), 0);
    if (lim)
        cr_assert_eq(ldrsnap_batch_set_limits(b, lim), 0);
    cr_assert_eq(ldrsnap_batch_add_memory(b, "t.zip", zip, len), 0);
    zbuf out = {0};
    ldrsnap_entry *e;
    static unsigned char buf[1000]; /* odd sizes: many reads a member */
    while (ldrsnap_batch_next(b, &e) == LDRSNAP_OK) {
        char line[800];
        uLong crc = crc32(0, NULL, 0);
        size_t total = 0, got;
        int rc = 0;
        if (!e->error && !e->skipped)
            while ((rc = ldrsnap_batch_read(b, buf, sizeof buf, &got)) ==
                       0 && got) {
                crc = crc32(crc, buf, (uInt)got);
                total += got;
            }
        snprintf(line, sizeof line, "%s|%s|%d|%s|%08lx|%zu\n", e->name,
                 e->skipped ? e->skipped : "", e->error ? e->error : rc,
                 e->error || rc ? ldrsnap_batch_errmsg(b) : "", crc, total);
        put(&out, line, strlen(line));
    }
    ldrsnap_batch_free(b);
    ldrsnap__zip_native(true);
    ldrsnap__zip_whole(true);
    put(&out, "", 1);
    return (char *)out.p;
}

static char *read_all(const unsigned char *zip, size_t len, bool native)
{
    return read_with(zip, len, native, true, NULL);
}

static unsigned char *pattern(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n + 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) { /* text-like, compressible */
        x = x * 1103515245u + 12345u;
        p[i] = (unsigned char)("abcdefgh \n:0123456789"[(x >> 16) % 21]);
    }
    return p;
}

static zmem members[4];
static unsigned char *big, *small;

static void setup(int method)
{
    big = pattern(600000, 1);   /* past a read window (256 KiB) */
    small = pattern(5000, 2);
    members[0] = (zmem){"a.log", small, 5000, method};
    members[1] = (zmem){"dir/empty.log", small, 0, method};
    members[2] = (zmem){"b\xc3\xbc.log", big, 600000, method};
    members[3] = (zmem){"c.log", small + 7, 3000, method};
}

Test(zip, ours_reads_what_libarchive_reads)
{
    for (int method = 0; method <= 8; method += 8) {
        setup(method);
        for (unsigned flags = 0; flags < 8; flags++) {
            size_t len;
            unsigned char *z = make_zip(members, 4, flags, &len);
            unsigned long before = ldrsnap__zip_opened();
            char *ours = read_all(z, len, true);
            cr_expect_eq(ldrsnap__zip_opened(), before + 1,
                         "method %d flags %u: not read by zip.c", method,
                         flags);
            char *theirs = read_all(z, len, false);
            cr_expect_eq(ldrsnap__zip_opened(), before + 1);
            cr_expect_str_eq(ours, theirs, "method %d flags %u", method,
                             flags);
            cr_expect(strstr(ours, "t.zip!b\xc3\xbc.log||0||") != NULL,
                      "%s", ours);
            free(ours);
            free(theirs);
            free(z);
        }
        free(big);
        free(small);
    }
}

Test(zip, a_bad_member_is_its_error_and_the_next_are_read)
{
    setup(8);
    size_t len;
    unsigned char *z = make_zip(members, 4, 0, &len);
    /* the large member's deflate data, garbled before its end: the
     * fourth local header is c.log's */
    unsigned char *p = z;
    for (int k = 0; k < 3; k++)
        while (memcmp(++p, "PK\3\4", 4))
            ;
    for (unsigned char *q = p - 4000; q < p - 3000; q++)
        *q ^= 0x5A;
    char *ours = read_all(z, len, true);
    cr_expect(strstr(ours, "t.zip!a.log||0||") != NULL, "%s", ours);
    cr_expect(strstr(ours, "t.zip!b\xc3\xbc.log||-") != NULL, "%s", ours);
    cr_expect(strstr(ours, "t.zip!b\xc3\xbc.log: zip member is corrupt") !=
                  NULL, "%s", ours);
    cr_expect(strstr(ours, "t.zip!c.log||0||") != NULL, "%s", ours);
    free(ours);
    free(z);
    /* a local header that says "stored" where the directory says
     * "deflated" (libarchive would read it stored): the member's error */
    z = make_zip(members, 4, 0, &len);
    z[8] = 0;
    ours = read_all(z, len, true);
    cr_expect(strstr(ours, "t.zip!a.log: zip member's local header does "
                           "not match the central directory") != NULL,
              "%s", ours);
    cr_expect(strstr(ours, "t.zip!c.log||0||") != NULL, "%s", ours);
    free(ours);
    free(z);
    free(big);
    free(small);
    /* a stored member whose CRC-32 is wrong in both headers */
    setup(0);
    z = make_zip(members, 4, 0, &len);
    uint32_t bad = (uint32_t)crc32(0, small, 5000) ^ 1;
    for (unsigned char *q = z; q + 4 <= z + len; q++)
        if (!memcmp(q, (unsigned char[]){(unsigned char)(bad ^ 1),
                                        (unsigned char)((bad ^ 1) >> 8),
                                        (unsigned char)((bad ^ 1) >> 16),
                                        (unsigned char)((bad ^ 1) >> 24)},
                    4))
            *q ^= 1;
    ours = read_all(z, len, true);
    cr_expect(strstr(ours, "t.zip!a.log: zip member is corrupt (incorrect "
                           "CRC-32)") != NULL, "%s", ours);
    cr_expect(strstr(ours, "t.zip!c.log||0||") != NULL, "%s", ours);
    free(ours);
    /* libarchive says it with a warning at the member's end: an error of
     * the member too, not its bytes taken as good */
    ours = read_all(z, len, false);
    cr_expect(strstr(ours, "t.zip!a.log: ZIP bad CRC") != NULL, "%s", ours);
    cr_expect(strstr(ours, "t.zip!c.log||0||") != NULL, "%s", ours);
    free(ours);
    free(z);
    free(big);
    free(small);
}

Test(zip, what_is_not_ours_goes_to_libarchive)
{
    setup(8);
    size_t len;
    /* cut short: no central directory */
    unsigned char *z = make_zip(members, 4, 0, &len);
    unsigned long before = ldrsnap__zip_opened();
    char *ours = read_all(z, len - 30, true);
    char *theirs = read_all(z, len - 30, false);
    cr_expect_eq(ldrsnap__zip_opened(), before);
    cr_expect_str_eq(ours, theirs);
    cr_expect(strstr(ours, "t.zip!a.log||0||") != NULL, "%s", ours);
    free(ours);
    free(theirs);
    free(z);
    /* encrypted: listed and skipped, as libarchive says */
    z = make_zip(members, 4, ENCRYPTED, &len);
    ours = read_all(z, len, true);
    cr_expect_eq(ldrsnap__zip_opened(), before);
    cr_expect(strstr(ours, "t.zip!a.log|encrypted, not read (no password)|")
                  != NULL, "%s", ours);
    free(ours);
    free(z);
    free(big);
    free(small);
}

/* The central directory's entry of the member named name: its first
 * byte. */
static unsigned char *cd_entry(unsigned char *z, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (unsigned char *q = z; q + 46 + nl <= z + len; q++)
        if (!memcmp(q, "PK\1\2", 4) && q[28] == nl && q[29] == 0 &&
            !memcmp(q + 46, name, nl))
            return q;
    cr_assert_fail("no directory entry for %s", name);
    return NULL;
}

/* Whole and streamed: the same lines; n members whole (n < 0: any). */
static char *both_ways(const unsigned char *z, size_t len,
                       const ldrsnap_limits *lim, long n, const char *what)
{
    unsigned long before = ldrsnap__zip_wholes();
    char *whole = read_with(z, len, true, true, lim);
    if (n >= 0)
        cr_expect_eq(ldrsnap__zip_wholes(), before + (unsigned long)n,
                     "%s: %lu members inflated whole, not %ld", what,
                     ldrsnap__zip_wholes() - before, n);
    before = ldrsnap__zip_wholes();
    char *stream = read_with(z, len, true, false, lim);
    cr_expect_eq(ldrsnap__zip_wholes(), before);
    cr_expect_str_eq(whole, stream, "%s", what);
    free(stream);
    return whole;
}

Test(zip, a_member_inflated_whole_is_the_stream)
{
#ifdef LS_HAVE_LIBDEFLATE
    long good = 3; /* a.log, b.log and c.log; not the empty one */
#else
    long good = 0;
#endif
    setup(8);
    for (unsigned flags = 0; flags < 8; flags++) {
        size_t len;
        unsigned char *z = make_zip(members, 4, flags, &len);
        char *ours = both_ways(z, len, NULL, good, "flags");
        char *theirs = read_all(z, len, false);
        cr_expect_str_eq(ours, theirs, "flags %u", flags);
        free(ours);
        free(theirs);
        free(z);
    }
    /* broken members: each read as a stream again, its bytes and error
     * as before */
    size_t len;
    unsigned char *z = make_zip(members, 4, 0, &len);
    unsigned char *p = z; /* the large member's data, garbled */
    for (int k = 0; k < 3; k++)
        while (memcmp(++p, "PK\3\4", 4))
            ;
    for (unsigned char *q = p - 4000; q < p - 3000; q++)
        *q ^= 0x5A;
    char *ours = both_ways(z, len, NULL, good ? good - 1 : 0, "garbled");
    cr_expect(strstr(ours, "t.zip!b\xc3\xbc.log: zip member is corrupt") !=
                  NULL, "%s", ours);
    free(ours);
    free(z);
    /* a.log longer than its directory entry says; c.log's CRC-32 wrong */
    z = make_zip(members, 4, 0, &len);
    unsigned char *a = cd_entry(z, len, "a.log");
    a[24] = (unsigned char)((5000 - 1) & 0xFF); /* 4999 */
    cd_entry(z, len, "c.log")[16] ^= 1;
    ours = both_ways(z, len, NULL, good ? good - 2 : 0, "longer, crc");
    cr_expect(strstr(ours, "t.zip!a.log: zip member is corrupt (longer "
                           "than the archive says)") != NULL, "%s", ours);
    cr_expect(strstr(ours, "t.zip!c.log: zip member is corrupt (incorrect "
                           "CRC-32)") != NULL, "%s", ours);
    free(ours);
    free(z);
    /* limits that stop b.log part way: it is a stream, stopped where it
     * was; a.log and c.log are still inflated whole */
    z = make_zip(members, 4, 0, &len);
    ldrsnap_limits lim = LDRSNAP_LIMITS_INIT;
    lim.max_bytes = 100000;
    ours = both_ways(z, len, &lim, good ? good - 1 : 0, "max_bytes");
    cr_expect(strstr(ours, "max_bytes") != NULL, "%s", ours);
    free(ours);
    /* the input's total: nothing read after b.log */
    lim = (ldrsnap_limits)LDRSNAP_LIMITS_INIT;
    lim.max_total = 300000;
    ours = both_ways(z, len, &lim, good ? 1 : 0, "max_total");
    cr_expect(strstr(ours, "max_total") != NULL, "%s", ours);
    free(ours);
    lim = (ldrsnap_limits)LDRSNAP_LIMITS_INIT;
    lim.ratio_floor = 4096;
    lim.max_ratio = 2;
    ours = both_ways(z, len, &lim, -1, "max_ratio");
    free(ours);
    free(z);
    free(big);
    free(small);
}
