/*
 * redact.c - the public redactor: inputs in, lines out with pseudonyms.
 *
 * The encoding is told as text/text.c tells it (BOM, else the zero bytes
 * of the first four), so that the redactor reads the units the analyzer
 * will read; the units are never transcoded: a UTF-16 log is read and
 * written as UTF-16 units, an 8-bit one as bytes.  A line ends at LF (a
 * CR stays in the line, before it or alone); a line longer than
 * RD_MAX_LINE units is taken in pieces of that size.
 */
#include <string.h>

#include "redact/redact_internal.h"

#define REDACTOR_MAGIC 0x4C445244u /* "LDRD" */

static bool valid(const ldrsnap_redactor *r)
{
    return r && r->magic == REDACTOR_MAGIC;
}

int ldrsnap_redactor_new(ldrsnap_redactor **out, const ldrsnap_options *opts,
                         unsigned flags, const char *key)
{
    if (!out)
        return LDRSNAP_EINVAL;
    *out = NULL;
    if (flags & ~LDRSNAP_REDACT_PATHS)
        return LDRSNAP_EINVAL;
    ls_alloc al;
    int rc;
    ldrsnap_redactor *r = ldrsnap__handle_alloc(opts, sizeof *r, &al, &rc);
    if (!r)
        return rc;
    r->al = al;
    r->magic = REDACTOR_MAGIC;
    r->flags = flags;
    for (size_t i = 0; i < RD_BUCKETS; i++)
        r->b8[i] = r->b16[i] = -1;
    if (key)
        ldrsnap__rd_set_key(r, key);
    *out = r;
    return LDRSNAP_OK;
}

int ldrsnap_redactor_begin(ldrsnap_redactor *r, ldrsnap_write_fn write,
                           void *ctx)
{
    if (!valid(r) || r->open)
        return LDRSNAP_EMISUSE;
    r->open = true;
    r->enc = RD_ENC_UNKNOWN;
    r->nsniff = 0;
    r->odd = -1;
    r->nline = 0;
    r->lineno = 1;
    r->write = write;
    r->wctx = ctx;
    r->leaks = 0;
    r->errmsg[0] = 0;
    r->out.len = 0;
    return LDRSNAP_OK;
}

/* ---- output --------------------------------------------------------------- */

static int flush(ldrsnap_redactor *r)
{
    if (!r->write || !r->out.len)
        return LDRSNAP_OK;
    int rc = r->write(r->wctx, r->out.ptr, r->out.len);
    r->out.len = 0;
    return rc ? LDRSNAP_ECALLBACK : LDRSNAP_OK;
}

/* Units as the bytes they were read from. */
static int put_units(ldrsnap_redactor *r, const uint16_t *u, size_t n)
{
    size_t w = r->enc == RD_ENC_8BIT ? 1 : 2;
    int rc = ldrsnap__buf_reserve(&r->al, &r->out, r->out.len + n * w);
    if (rc < 0)
        return rc;
    unsigned char *d = (unsigned char *)r->out.ptr + r->out.len;
    for (size_t i = 0; i < n; i++) {
        if (w == 1) {
            d[i] = (unsigned char)u[i];
        } else if (r->enc == RD_ENC_UTF16LE) {
            d[2 * i] = (unsigned char)u[i], d[2 * i + 1] = (unsigned char)(u[i] >> 8);
        } else {
            d[2 * i] = (unsigned char)(u[i] >> 8), d[2 * i + 1] = (unsigned char)u[i];
        }
    }
    r->out.len += n * w;
    return LDRSNAP_OK;
}

static int put_ascii(ldrsnap_redactor *r, const char *s, size_t n)
{
    uint16_t u[32];
    for (size_t i = 0; i < n && i < 32; i++)
        u[i] = (unsigned char)s[i];
    return put_units(r, u, n < 32 ? n : 32);
}

static int put_raw(ldrsnap_redactor *r, const void *p, size_t n)
{
    return r->write ? ldrsnap__buf_append(&r->al, &r->out, p, n) : LDRSNAP_OK;
}

/* ---- lines ---------------------------------------------------------------- */

static int emit(ldrsnap_redactor *r, const rd_line *l)
{
    size_t pos = 0;
    int rc = LDRSNAP_OK;
    for (size_t i = 0; i < r->nreps && rc == 0; i++) {
        rd_name *nm = &r->names[r->reps[i].name];
        rc = put_units(r, l->u + pos, r->reps[i].a - pos);
        if (rc == 0)
            rc = put_ascii(r, nm->pseudo, nm->plen);
        nm->count++;
        pos = r->reps[i].b;
    }
    if (rc == 0)
        rc = put_units(r, l->u + pos, l->n - pos);
    if (rc == 0 && r->out.len >= 65536)
        rc = flush(r);
    return rc;
}

static int line_done(ldrsnap_redactor *r)
{
    rd_line l = {r->line, r->nline, r->enc != RD_ENC_8BIT};
    int rc = ldrsnap__rd_scan(r, &l);
    if (rc == 0 && r->write)
        rc = emit(r, &l);
    for (size_t i = 0; i < l.n; i++) /* LF, and CR alone, end lines */
        r->lineno += l.u[i] == '\n' ||
                     (l.u[i] == '\r' && i + 1 < l.n && l.u[i + 1] != '\n');
    r->nline = 0;
    return rc;
}

static int reserve_line(ldrsnap_redactor *r, size_t more)
{
    if (r->nline + more <= r->lcap)
        return LDRSNAP_OK;
    size_t cap = r->lcap ? r->lcap : 256;
    while (cap < r->nline + more)
        cap *= 2;
    uint16_t *n = ldrsnap__realloc(&r->al, r->line, cap * sizeof *n);
    if (!n)
        return LDRSNAP_ENOMEM;
    r->line = n, r->lcap = cap;
    return LDRSNAP_OK;
}

static int feed_8bit(ldrsnap_redactor *r, const unsigned char *p, size_t n)
{
    while (n) {
        const unsigned char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) + 1 : n;
        if (take > RD_MAX_LINE - r->nline)
            take = RD_MAX_LINE - r->nline;
        int rc = reserve_line(r, take);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < take; i++)
            r->line[r->nline + i] = p[i];
        r->nline += take;
        p += take, n -= take;
        if ((r->nline && r->line[r->nline - 1] == '\n') ||
            r->nline == RD_MAX_LINE)
            if ((rc = line_done(r)) != 0)
                return rc;
    }
    return LDRSNAP_OK;
}

static int feed_16(ldrsnap_redactor *r, const unsigned char *p, size_t n)
{
    const bool le = r->enc == RD_ENC_UTF16LE;
    int rc = reserve_line(r, n / 2 + 1);
    for (size_t i = 0; i < n && rc == 0;) {
        unsigned b0, b1;
        if (r->odd >= 0) {
            b0 = (unsigned)r->odd, b1 = p[i++];
            r->odd = -1;
        } else if (i + 1 < n) {
            b0 = p[i], b1 = p[i + 1];
            i += 2;
        } else {
            r->odd = p[i++];
            break;
        }
        uint16_t u = (uint16_t)(le ? (b0 | b1 << 8) : (b0 << 8 | b1));
        r->line[r->nline++] = u;
        if (u == '\n' || r->nline == RD_MAX_LINE)
            rc = line_done(r);
        if (rc == 0)
            rc = reserve_line(r, (n - i) / 2 + 1);
    }
    return rc;
}

static int feed_known(ldrsnap_redactor *r, const unsigned char *p, size_t n)
{
    return r->enc == RD_ENC_8BIT ? feed_8bit(r, p, n) : feed_16(r, p, n);
}

/* As text/text.c: a BOM, else the zero bytes of the first four. */
static int detect(ldrsnap_redactor *r, bool final)
{
    const unsigned char *b = r->sniff;
    size_t n = r->nsniff, bom = 0;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        r->enc = RD_ENC_8BIT, bom = 3;
    else if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE)
        r->enc = RD_ENC_UTF16LE, bom = 2;
    else if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF)
        r->enc = RD_ENC_UTF16BE, bom = 2;
    else if (n < 4 && !final)
        return LDRSNAP_OK;
    else if (n >= 4 && b[0] && !b[1] && b[2] && !b[3])
        r->enc = RD_ENC_UTF16LE;
    else if (n >= 4 && !b[0] && b[1] && !b[2] && b[3])
        r->enc = RD_ENC_UTF16BE;
    else if (n == 2 && b[0] && !b[1])
        r->enc = RD_ENC_UTF16LE;
    else if (n == 2 && !b[0] && b[1])
        r->enc = RD_ENC_UTF16BE;
    else
        r->enc = RD_ENC_8BIT;
    int rc = put_raw(r, b, bom); /* the BOM as it was, not read for names */
    if (rc == 0 && n > bom)
        rc = feed_known(r, b + bom, n - bom);
    r->nsniff = 0;
    return rc;
}

int ldrsnap_redactor_feed(ldrsnap_redactor *r, const void *buf, size_t len)
{
    if (!valid(r) || !r->open)
        return LDRSNAP_EMISUSE;
    if (!buf && len)
        return LDRSNAP_EINVAL;
    const unsigned char *p = buf;
    while (r->enc == RD_ENC_UNKNOWN && len) {
        r->sniff[r->nsniff++] = *p++, len--;
        if (r->nsniff >= 2) {
            int rc = detect(r, false);
            if (rc != 0)
                return rc;
        }
    }
    return len ? feed_known(r, p, len) : LDRSNAP_OK;
}

int ldrsnap_redactor_end(ldrsnap_redactor *r)
{
    if (!valid(r) || !r->open)
        return LDRSNAP_EMISUSE;
    int rc = LDRSNAP_OK;
    if (r->enc == RD_ENC_UNKNOWN)
        rc = detect(r, true);
    if (rc == 0 && r->nline)
        rc = line_done(r);
    if (rc == 0 && r->odd >= 0) {
        unsigned char b = (unsigned char)r->odd;
        rc = put_raw(r, &b, 1);
    }
    if (rc == 0)
        rc = flush(r);
    r->open = false;
    return rc;
}

uint64_t ldrsnap_redactor_leaks(const ldrsnap_redactor *r)
{
    return valid(r) ? r->leaks : 0;
}

size_t ldrsnap_redactor_count(const ldrsnap_redactor *r)
{
    return valid(r) ? r->nnames : 0;
}

int ldrsnap_redactor_get(const ldrsnap_redactor *r, size_t i,
                         ldrsnap_redaction *out)
{
    if (!valid(r) || !out || i >= r->nnames)
        return LDRSNAP_EINVAL;
    const rd_name *nm = &r->names[i];
    out->kind = ldrsnap__rd_kind_name(nm->kind);
    out->name = nm->utf8;
    out->pseudonym = nm->pseudo;
    out->count = nm->count;
    return LDRSNAP_OK;
}

const char *ldrsnap_redactor_errmsg(const ldrsnap_redactor *r)
{
    return valid(r) ? r->errmsg : "not a redactor";
}

void ldrsnap_redactor_free(ldrsnap_redactor *r)
{
    if (!valid(r))
        return;
    ldrsnap__rd_names_free(r);
    ldrsnap__free(&r->al, r->line);
    ldrsnap__free(&r->al, r->reps);
    ldrsnap__buf_free(&r->al, &r->out);
    r->magic = 0;
    ls_alloc al = r->al;
    ldrsnap__free(&al, r);
}
