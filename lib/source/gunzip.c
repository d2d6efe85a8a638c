/*
 * gunzip.c - the inflater of plain gzip inputs (.gz, multi-member): ISA-L's
 * igzip where the build has it (LS_HAVE_ISAL: libisal, found by
 * pkg-config), else zlib.  On the realistic 200 MB capture (21 MB gzip
 * -6) igzip inflates in 0.10 s of CPU, zlib in 0.27 s, libdeflate in
 * 0.18 s (and libdeflate has no streaming: the whole log in memory); see
 * docs/PERFORMANCE.md.  Both check each member's CRC-32 and length.
 */
#include <string.h>
#include <zlib.h>

#include "source/source.h"

#ifdef LS_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

struct ls_gunzip {
    ls_alloc al;
#ifdef LS_HAVE_ISAL
    struct inflate_state st;
#else
    z_stream zs;
#endif
};

const char *ldrsnap__gunzip_engine(void)
{
#ifdef LS_HAVE_ISAL
    return "isa-l";
#else
    return "zlib";
#endif
}

int ldrsnap__gunzip_new(ls_gunzip **out, const ls_alloc *al)
{
    ls_gunzip *g = ldrsnap__calloc(al, sizeof *g);
    *out = NULL;
    if (!g)
        return LDRSNAP_ENOMEM;
    g->al = *al;
#ifdef LS_HAVE_ISAL
    isal_inflate_init(&g->st);
    g->st.crc_flag = ISAL_GZIP;
#else
    if (inflateInit2(&g->zs, 15 + 16) != Z_OK) {
        ldrsnap__free(al, g);
        return LDRSNAP_ENOMEM;
    }
#endif
    *out = g;
    return LDRSNAP_OK;
}

void ldrsnap__gunzip_reset(ls_gunzip *g)
{
#ifdef LS_HAVE_ISAL
    isal_inflate_reset(&g->st);
    g->st.crc_flag = ISAL_GZIP;
#else
    inflateReset(&g->zs);
#endif
}

void ldrsnap__gunzip_free(ls_gunzip *g)
{
    if (!g)
        return;
#ifndef LS_HAVE_ISAL
    inflateEnd(&g->zs);
#endif
    ls_alloc al = g->al;
    ldrsnap__free(&al, g);
}

#ifdef LS_HAVE_ISAL
static const char *isal_why(int r)
{
    switch (r) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    default: return "inflate failed";
    }
}
#endif

int ldrsnap__gunzip(ls_gunzip *g, const unsigned char *in, size_t *in_len,
                    unsigned char *out, size_t *out_len, const char **why)
{
    size_t il = LS_MIN(*in_len, 1u << 30), ol = LS_MIN(*out_len, 1u << 30);
#ifdef LS_HAVE_ISAL
    g->st.next_in = (uint8_t *)in;
    g->st.avail_in = (uint32_t)il;
    g->st.next_out = out;
    g->st.avail_out = (uint32_t)ol;
    int r = isal_inflate(&g->st);
    *in_len = il - g->st.avail_in;
    *out_len = ol - g->st.avail_out;
    if (r < 0) {
        *why = isal_why(r);
        return -1;
    }
    return g->st.block_state == ISAL_BLOCK_FINISH;
#else
    g->zs.next_in = (unsigned char *)in;
    g->zs.avail_in = (uInt)il;
    g->zs.next_out = out;
    g->zs.avail_out = (uInt)ol;
    int r = inflate(&g->zs, Z_NO_FLUSH);
    *in_len = il - g->zs.avail_in;
    *out_len = ol - g->zs.avail_out;
    if (r == Z_STREAM_END)
        return 1;
    if (r != Z_OK && r != Z_BUF_ERROR) {
        *why = g->zs.msg ? g->zs.msg : "inflate failed";
        return -1;
    }
    return 0;
#endif
}
