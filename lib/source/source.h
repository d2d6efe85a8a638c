/*
 * source/source.h - stage 0: paths and buffers -> named inputs (bytes).
 * The only stage that knows zlib and libarchive.  source.c owns the
 * batch (queue, directory walks, plain files, the streaming gzip path,
 * the limits); archive.c reads containers and compressors through
 * libarchive, archives inside archives in memory.
 */
#ifndef LS_SOURCE_H
#define LS_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/ldrsnap_internal.h"

#define LS_IN_CHUNK (256u * 1024u)

/* What the first bytes of an input say it is. */
enum ls_sniff {
    LS_SNIFF_PLAIN,   /* text (or anything else): read as it is */
    LS_SNIFF_GZIP,    /* gzip: a log, or a tar inside (ls_gzip_is_tar) */
    LS_SNIFF_ARCHIVE  /* a container or compressor libarchive reads */
};

enum ls_sniff ldrsnap__sniff(const unsigned char *p, size_t n);
/* Is the gzip stream starting at p[0..n) a tar? (inflates its start) */
bool ldrsnap__gzip_is_tar(const unsigned char *p, size_t n);

typedef struct ls_arc ls_arc; /* the archive levels of one top input */

/* Where the archive reader gets the top input's bytes: the batch's held
 * first chunk, then fd (or a caller's memory buffer). */
typedef struct ls_feed {
    int fd;                    /* -1: mem */
    bool seekable;
    const unsigned char *mem;  /* a memory input, whole */
    size_t mem_len;
    unsigned char *held;       /* first chunk, already read (sniffed) */
    size_t held_len, held_pos;
    unsigned char *buf;        /* room for reads, LS_IN_CHUNK */
    uint64_t *in_total;        /* compressed bytes read, for the ratio */
} ls_feed;

/* The member the archive reader stands on. */
typedef struct ls_member {
    const char *name;       /* "top!dir/x.log" (valid until the next call) */
    const char *compression;
    const char *skipped;    /* why it is listed and not read, or NULL */
    int error;              /* LDRSNAP_E*: the member (or the archive
                               after it) could not be read */
    int64_t size;           /* as the archive says, or -1 */
} ls_member;

/* The limits, all set (defaults filled in). */
typedef struct ls_limits {
    uint64_t max_bytes, max_total, ratio_floor, max_members, max_nested;
    uint32_t max_ratio;
    unsigned max_depth;
} ls_limits;

int ldrsnap__arc_open(ls_arc **out, const ls_alloc *al, const char *top,
                      ls_feed *feed, const ls_limits *lim, uint64_t *total,
                      char *errmsg, size_t errlen);
/* Next member: 0 with *m set, LDRSNAP_DONE, or LDRSNAP_ENOMEM.  Members
 * that cannot be read come with m->error set and errmsg filled. */
int ldrsnap__arc_next(ls_arc *arc, ls_member *m);
/* Read the member's bytes: 0 (got 0 at its end) or an error (errmsg). */
int ldrsnap__arc_read(ls_arc *arc, void *buf, size_t cap, size_t *got);
void ldrsnap__arc_free(ls_arc *arc);

/* The inflater of plain gzip inputs (gunzip.c): ISA-L's igzip, or zlib
 * without it.  ldrsnap__gunzip() inflates in[0..*in_len) into
 * out[0..*out_len), sets both to what it used and made, and returns 0,
 * 1 at the end of a member (ldrsnap__gunzip_reset() before the next), or
 * -1 with *why. */
typedef struct ls_gunzip ls_gunzip;
int ldrsnap__gunzip_new(ls_gunzip **out, const ls_alloc *al);
void ldrsnap__gunzip_reset(ls_gunzip *g);
int ldrsnap__gunzip(ls_gunzip *g, const unsigned char *in, size_t *in_len,
                    unsigned char *out, size_t *out_len, const char **why);
void ldrsnap__gunzip_free(ls_gunzip *g);
const char *ldrsnap__gunzip_engine(void);
/* For the tests: how many inflater threads (source.c, a large .gz read
 * by a thread that is not a tokenizer thread) have started. */
unsigned long ldrsnap__gunzip_threads(void);

/* Our reader of the usual zip (zip.c): stored and deflated members of a
 * seekable file (fd) or of memory (mem, size).  ldrsnap__zip_open()
 * returns 1 with *out, 0 when the zip is libarchive's to read (see zip.c),
 * or LDRSNAP_ENOMEM; bytes read from fd are added to *in_total.  Members
 * come in the order of their local headers; ldrsnap__zip_read() fills
 * why (for "<member>: <why>") when it fails. */
typedef struct ls_zip ls_zip;
typedef struct ls_zip_member {
    const char *name;  /* as the archive has it (valid UTF-8) */
    bool dir, link;
    int64_t size;
} ls_zip_member;
int ldrsnap__zip_open(ls_zip **out, const ls_alloc *al, int fd,
                      const unsigned char *mem, uint64_t size,
                      uint64_t *in_total);
/* 0 with *m, LDRSNAP_DONE, or LDRSNAP_ENOMEM. */
int ldrsnap__zip_next(ls_zip *z, ls_zip_member *m);
int ldrsnap__zip_read(ls_zip *z, void *buf, size_t cap, size_t *got,
                      char *why, size_t whylen);
/* The member's compressed bytes read so far. */
uint64_t ldrsnap__zip_in(const ls_zip *z);
/* After ldrsnap__zip_next(): the member may be inflated whole (in one
 * call, before its first bytes are given) if it is no longer than max,
 * a length no limit could stop part way (archive.c). */
void ldrsnap__zip_whole_max(ls_zip *z, uint64_t max);
void ldrsnap__zip_free(ls_zip *z);
/* For the tests and the fuzzer: off, every zip goes to libarchive; how
 * many archives zip.c has opened. */
void ldrsnap__zip_native(bool on);
unsigned long ldrsnap__zip_opened(void);
/* For the tests and the fuzzer: off, every member is inflated as a
 * stream (zip.c's own oracle for its members inflated whole); how many
 * members were inflated whole. */
void ldrsnap__zip_whole(bool on);
unsigned long ldrsnap__zip_wholes(void);

/* Check one input's count against the limits: 0, or LDRSNAP_ELIMIT with
 * why (for "<name>: <why>"). */
int ldrsnap__limit_check(const ls_limits *lim, uint64_t out, uint64_t in,
                         uint64_t total, char *why, size_t len);
/* libarchive: 1 opened (dlopen(3), on the first archive that needs it), 0
 * not yet, -1 linked (ARCHIVE_DLOPEN=0): for the tests. */
int ldrsnap__archive_loaded(void);

/* The ratio alone: out bytes inflated from in compressed ones. */
int ldrsnap__ratio_check(const ls_limits *lim, uint64_t out, uint64_t in,
                         char *why, size_t len);

#endif
