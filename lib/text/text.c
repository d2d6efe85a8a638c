/*
 * text.c - bytes to UTF-8 lines.
 *
 * Detects UTF-8 / UTF-16LE / UTF-16BE (by BOM, else by the zero-byte
 * pattern of ASCII text in UTF-16), transcodes to UTF-8, splits on \n,
 * \r\n and a lone \r, and counts lines as the original file has them.
 * Lines longer than max_line are capped: the rest up to the next line end
 * is counted but not kept, so memory never depends on the input.
 *
 * UTF-8 input that is not valid UTF-8 is almost always CP1252 (a log saved
 * by an old tool on a Western Windows); such bytes are recoded as CP1252,
 * and NUL bytes become U+FFFD, so that every line handed on is valid UTF-8
 * and safe to put in JSON.
 */
#include <string.h>

#include "core/ldrsnap_internal.h"
#include "text/text.h"
#include "simd/simd.h"

/* CP1252 0x80..0x9F; 0 marks bytes CP1252 leaves undefined. */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

static size_t put_utf8(char *d, uint32_t c)
{
    if (c < 0x80) {
        d[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        d[0] = (char)(0xC0 | (c >> 6));
        d[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        d[0] = (char)(0xE0 | (c >> 12));
        d[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        d[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (c >> 18));
    d[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    d[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    uint32_t min, cp;
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xC2 && c <= 0xDF) {
        k = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

/* Is s[0..n) valid UTF-8 without NUL (a line recode_line() would give
 * back as it is)?  What utf8_seq() accepts, sequence after sequence: the
 * ASCII start 16 bytes at a time, then a byte at a time, each sequence
 * checked inline by its lead byte and the range of its second byte (a
 * line past ASCII is most often Chinese or German: short runs of ASCII
 * between its characters, where a vector search per run and a call of
 * utf8_seq() per character took 656 instructions a line of the realistic
 * capture, 528 this way). */
static bool utf8_clean(const unsigned char *s, size_t n)
{
    size_t i = ls_plain_len(s, n);
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (!c)
                return false;
            i++;
            continue;
        }
        /* the second byte's range: no overlong form, no surrogate, none
         * past U+10FFFF */
        unsigned lo = 0x80, hi = 0xBF;
        size_t k;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 3;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 4;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (n - i < k || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t j = 2; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        i += k;
    }
    return true;
}

/* The next '\n' at or after i in the chunk of n bytes, by its map; n when
 * there is none. */
static inline size_t next_nl(const uint64_t *nl, size_t i, size_t n)
{
    size_t w = i / 64, last = n / 64;
    uint64_t bits = nl[w] & (~0ull << (i % 64));
    while (!bits) {
        if (++w > last)
            return n;
        bits = nl[w];
    }
    return w * 64 + (size_t)__builtin_ctzll(bits);
}

/* Whether p[from..to) of the chunk just scanned may hold a watched byte:
 * whole 64-byte blocks, a superset of the bytes, which is safe. */
static bool watched_in(const ls_text *t, size_t from, size_t to)
{
    if (!t->nwatch)
        return true;
    if (from >= to)
        return false;
    const uint64_t *map = (const uint64_t *)(const void *)t->wmap.ptr;
    size_t b = from / 64, last = (to - 1) / 64;
    if (b / 64 == last / 64) { /* one word of the map: a mask */
        size_t width = last - b + 1;
        uint64_t mask = width >= 64 ? ~0ull : (1ull << width) - 1;
        return (map[b / 64] >> (b % 64)) & mask;
    }
    for (; b <= last; b++)
        if (map[b / 64] >> (b % 64) & 1)
            return true;
    return false;
}
/* Recode a line into valid UTF-8 in t->recode.  Returns <0 on ENOMEM. */
static int recode_line(ls_text *t, const unsigned char *s, size_t n)
{
    int rc = ldrsnap__buf_reserve(t->al, &t->recode, n * 3 + 1);
    if (rc < 0)
        return rc;
    char *d = t->recode.ptr;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        if (k) {
            memcpy(d + o, s + i, k);
            o += k;
            i += k;
            continue;
        }
        uint32_t c = s[i++];
        if (c == 0) {
            c = 0xFFFD;
        } else {
            t->saw_invalid = true;
            if (c >= 0x80 && c < 0xA0)
                c = cp1252_c1[c - 0x80] ? cp1252_c1[c - 0x80] : 0xFFFD;
        }
        o += put_utf8(d + o, c);
    }
    t->recode.len = o;
    return LDRSNAP_OK;
}

/* Keep at most max_line bytes, cut on a character boundary. */
static size_t cap_len(const ls_text *t, const char *s, size_t n, bool *capped)
{
    if (n <= t->max_line)
        return n;
    size_t cut = t->max_line;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    *capped = true;
    return cut;
}

static int emit_line(ls_text *t, const char *s, size_t n, bool capped,
                     bool watched)
{
    ls_line ln;
    ln.line = t->lineno + 1;
    ln.offset = t->line_offset;
    ln.capped = capped;
    ln.recoded = false;
    ln.ascii = true;
    n = cap_len(t, s, n, &ln.capped);
    if (!t->chunk_plain && !t->simd->plain((const unsigned char *)s, n)) {
        ln.ascii = false;
        /* valid UTF-8 (a German or Chinese line) is handed on as it is:
         * recoding would copy the same bytes */
        if (!utf8_clean((const unsigned char *)s, n)) {
            int rc = recode_line(t, (const unsigned char *)s, n);
            if (rc < 0)
                return rc;
            ln.recoded = t->recode.len != n ||
                         memcmp(t->recode.ptr, s, n) != 0;
            s = t->recode.ptr;
            n = t->recode.len;
        }
    }
    ln.ptr = s;
    ln.len = n;
    ln.watched = watched;
    return t->cb(&ln, t->ud);
}

/* Add bytes to the partial line, dropping what passes max_line. */
static int hold_partial(ls_text *t, const char *s, size_t n)
{
    size_t room = t->max_line + 4 > t->line.len ? t->max_line + 4 - t->line.len
                                                 : 0;
    if (n > room) {
        n = room;
        t->line_capped = true;
    }
    return ldrsnap__buf_append(t->al, &t->line, s, n);
}

/* What the UTF-16LE ASCII pass learnt of a piece's first `mapped` bytes
 * (a multiple of 64, all ASCII) as it wrote them (utf16le_ascii_nl()):
 * their '\n' bits, already in t->nlmap, and whether they hold a '\r' and
 * one not followed by '\n' (their last byte left out). */
typedef struct ls_premap {
    size_t mapped;
    bool cr, lone_cr;
} ls_premap;

/*
 * Split UTF-8 bytes into lines.  `orig` is the input offset of p[0]; for
 * UTF-16 the caller passes pieces that end at a line-end code unit, so a
 * line can only start at the beginning of a piece or right after a
 * swallowed '\n' at its start (2 input bytes later): i * 2 is exact there.
 * pm (or NULL): what is known already of the piece's first bytes.
 */
static int split(ls_text *t, const char *p, size_t n, uint64_t orig,
                 const ls_premap *pm)
{
    const unsigned scale = t->enc == LS_ENC_UTF8 ? 1 : 2;
    size_t i = 0;
    int rc;
    uint64_t *map = NULL;
    t->piece_lo = p;
    t->piece_hi = p + n;
    if (t->nwatch) {
        rc = ldrsnap__buf_reserve(t->al, &t->wmap,
                                  (n / 4096 + 1) * sizeof(uint64_t));
        if (rc < 0)
            return rc;
        map = (uint64_t *)(void *)t->wmap.ptr;
    }
    /* one pass over the chunk: is it plain ASCII, and where its '\n'
     * bytes are (where its watched bytes are, when some are) */
    const uint64_t *nl = NULL;
    bool has_cr, lone_cr = true;
    rc = ldrsnap__buf_reserve(t->al, &t->nlmap,
                              (n / 64 + 1) * sizeof(uint64_t));
    if (rc < 0)
        return rc;
    uint64_t *m = (uint64_t *)(void *)t->nlmap.ptr;
    if (pm && pm->mapped) {
        /* the piece's first bytes are marked: the rest only, and whether
         * a '\r' that ends them has its '\n' */
        size_t h = pm->mapped;
        t->chunk_plain = t->simd->plain_chunk((const unsigned char *)p + h,
                                              n - h, m + h / 64, &has_cr,
                                              &lone_cr);
        lone_cr |= pm->lone_cr || (h < n && p[h - 1] == '\r' && p[h] != '\n');
        has_cr |= pm->cr;
    } else {
        t->chunk_plain = t->simd->plain_chunk((const unsigned char *)p, n, m,
                                              &has_cr, &lone_cr);
    }
    nl = m;
    if (map) /* a second pass: a search for '\n' per line costs more */
        t->simd->watch_chunk((const unsigned char *)p, n, t->watch,
                             t->nwatch, map);
    if (t->pending_cr && n) {
        t->pending_cr = false;
        if (p[0] == '\n')
            i = 1;
    }
    /* plain text with LF or CRLF line ends whose lines take the fast way:
     * a loop of its own, with the line count in a register (the callback
     * cannot see this state); any other line leaves it for the loop
     * below */
    const bool tight = nl && !lone_cr && t->fast;
    /* the first byte past plain ASCII at or after i, where bad >= i: the
     * lines before it are plain (in a chunk that is not, one German or
     * Chinese line no longer sends the others to a check of their own) */
    size_t bad = t->chunk_plain ? n : 0;
    bool refused = false; /* the fast way refused the line at i */
    while (i < n) {
        if (tight && !t->in_line && !t->line.len && !t->line_capped) {
            uint64_t lineno = t->lineno;
            while (i < n) {
                size_t end = next_nl(nl, i, n);
                /* every '\r' comes right before a '\n' here */
                size_t stop = has_cr && end > i && end < n &&
                                      p[end - 1] == '\r'
                                  ? end - 1
                                  : end;
                if (end == n || stop - i > t->max_line)
                    break;
                if (bad < stop) {
                    if (bad < i)
                        bad = i + ls_plain_len((const unsigned char *)p + i,
                                               n - i);
                    if (bad < stop)
                        break; /* past ASCII: the loop below */
                }
                rc = t->fast(p + i, stop - i, lineno + 1,
                             orig + (uint64_t)i * scale,
                             !map || watched_in(t, i, stop), true, t->ud);
                if (rc == 0) { /* this line takes the general way */
                    refused = true;
                    break;
                }
                if (rc < 0) {
                    t->lineno = lineno;
                    return rc;
                }
                lineno++;
                i = end + 1;
                if (rc > 1 && !map) { /* LS_FAST_RUN: a run may follow */
                    ls_lines run = {p,     n,      nl,   i,
                                    bad,   lineno, orig, t->max_line,
                                    scale, has_cr, false};
                    rc = t->run(&run, t->ud);
                    i = run.i;
                    bad = run.bad;
                    lineno = run.lineno;
                    if (rc < 0) {
                        t->lineno = lineno;
                        return rc;
                    }
                    if (run.refused) {
                        refused = true;
                        break;
                    }
                }
            }
            t->lineno = lineno;
            if (i >= n)
                break;
        }
        if (!t->in_line) {
            t->line_offset = orig + (uint64_t)i * scale;
            t->in_line = true;
        }
        size_t end;
        if (nl) {
            end = next_nl(nl, i, n);
        } else {
            const char *lf = memchr(p + i, '\n', n - i);
            end = lf ? (size_t)(lf - p) : n;
        }
        const char *cr = has_cr ? memchr(p + i, '\r', end - i) : NULL;
        if (cr)
            end = (size_t)(cr - p);
        bool watched = watched_in(t, i, end);
        if (end == n) {
            t->line_watched |= watched;
            return hold_partial(t, p + i, n - i);
        }
        if (t->line.len || t->line_capped) {
            if ((rc = hold_partial(t, p + i, end - i)) < 0)
                return rc;
            bool plain = t->chunk_plain;
            t->chunk_plain = false; /* the start came from another chunk */
            rc = emit_line(t, t->line.ptr, t->line.len, t->line_capped,
                           watched || t->line_watched);
            t->chunk_plain = plain;
            t->line.len = 0;
            t->line_capped = false;
            t->line_watched = false;
        } else {
            /* in a chunk that is not plain ASCII, a line that is takes
             * the fast way too (one German or Chinese line in the chunk
             * no longer sends all of its lines the general way) */
            bool chunk = t->chunk_plain, clean = true;
            bool offer = !refused && t->fast && end - i <= t->max_line;
            if (offer && !chunk) {
                t->chunk_plain =
                    t->simd->plain((const unsigned char *)p + i, end - i);
                /* past ASCII: offered too when nothing is to be recoded */
                clean = t->chunk_plain ||
                        utf8_clean((const unsigned char *)p + i, end - i);
            }
            rc = offer && clean
                     ? t->fast(p + i, end - i, t->lineno + 1, t->line_offset,
                               watched, t->chunk_plain, t->ud)
                     : 0;
            refused = false;
            if (rc == 0)
                rc = emit_line(t, p + i, end - i, false, watched);
            else if (rc > 0)
                rc = 0;
            t->chunk_plain = chunk;
        }
        t->in_line = false;
        if (rc != 0)
            return rc;
        t->lineno++;
        if (p[end] == '\r') {
            if (end + 1 < n) {
                if (p[end + 1] == '\n')
                    end++;
            } else {
                t->pending_cr = true;
            }
        }
        i = end + 1;
    }
    return LDRSNAP_OK;
}

static void detect(ls_text *t, bool final)
{
    const unsigned char *b = t->sniff;
    size_t n = t->nsniff;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        t->enc = LS_ENC_UTF8, t->bom = true;
    } else if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        t->enc = LS_ENC_UTF16LE, t->bom = true;
    } else if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
        t->enc = LS_ENC_UTF16BE, t->bom = true;
    } else if (n < 4 && !final) {
        return; /* wait for more bytes */
    } else if (n >= 4 && b[0] && !b[1] && b[2] && !b[3]) {
        t->enc = LS_ENC_UTF16LE;
    } else if (n >= 4 && !b[0] && b[1] && !b[2] && b[3]) {
        t->enc = LS_ENC_UTF16BE;
    } else if (n == 2 && b[0] && !b[1]) {
        t->enc = LS_ENC_UTF16LE;
    } else if (n == 2 && !b[0] && b[1]) {
        t->enc = LS_ENC_UTF16BE;
    } else {
        t->enc = LS_ENC_UTF8;
    }
}


/*
 * Transcode UTF-16 and hand pieces to split().  A piece whose code units
 * each became one byte (ASCII) may hold many lines and end anywhere: the
 * offset of each line in it is exact.  Once a unit became more (or less)
 * than one byte, the piece ends at the next line end, so that the lines
 * after it start a piece of their own.
 */
#define UTF16_LINE_WINDOW 256

static int feed_utf16(ls_text *t, const unsigned char *p, size_t n,
                      uint64_t orig)
{
    const bool le = t->enc == LS_ENC_UTF16LE;
    const bool bulk = le && !t->utf16_units;
    int rc = ldrsnap__buf_reserve(t->al, &t->u8, 65536);
    /* the '\n' map of a piece, which the ASCII pass begins (split()
     * reserves no more for a piece of the room's size) */
    if (rc == 0)
        rc = ldrsnap__buf_reserve(t->al, &t->nlmap,
                                  (t->u8.cap / 64 + 1) * sizeof(uint64_t));
    if (rc < 0)
        return rc;
    size_t i = 0;
    uint64_t piece_orig = orig - (t->odd_byte >= 0 ? 1 : 0);
    bool one_to_one = t->odd_byte < 0; /* every unit so far: one byte */
    ls_premap pm = {0, false, false}; /* what the pass marked of the piece */
    t->u8.len = 0;
    while (i < n) {
        /* the ASCII pass, unless the next unit is past ASCII too (a
         * Chinese line: the unit loop below, not a pass that takes none) */
        if (bulk && t->odd_byte < 0 && !t->high_surrogate && n - i >= 2 &&
            (one_to_one || (p[i + 1] == 0 && p[i] && p[i] < 0x80))) {
            size_t units = (n - i) / 2;
            size_t room = t->u8.cap - t->u8.len - 8;
            char *o = t->u8.ptr + t->u8.len;
            if (units > room)
                units = room;
            /* past a unit that was not one byte the piece ends at the
             * line's end: a line's worth at a time, not the rest of the
             * room (which was transcoded again after each such unit) */
            if (!one_to_one && units > UTF16_LINE_WINDOW)
                units = UTF16_LINE_WINDOW;
            size_t k;
            if (t->u8.len) {
                k = t->simd->utf16le_ascii(p + i, units, o);
            } else { /* a piece begins: its '\n' bits, as they are written */
                k = t->simd->utf16le_ascii_nl(
                    p + i, units, o, (uint64_t *)(void *)t->nlmap.ptr, &pm.cr,
                    &pm.lone_cr);
                pm.mapped = k / 64 * 64;
            }
            bool line_end = false;
            if (!one_to_one) { /* the piece ends at the line's end */
                size_t j = ls_find_eol(o, k);
                line_end = j < k;
                k = line_end ? j + 1 : k;
            }
            t->u8.len += k;
            i += 2 * k;
            if (line_end || t->u8.len + 8 >= t->u8.cap) {
                if ((rc = split(t, t->u8.ptr, t->u8.len, piece_orig, &pm)) != 0)
                    return rc;
                t->u8.len = 0;
                pm.mapped = 0;
                piece_orig = orig + i;
                one_to_one = true;
                continue;
            }
            if (i + 1 >= n)
                continue; /* the end, or an odd byte left */
        }
        unsigned b0, b1;
        if (t->odd_byte >= 0) {
            b0 = (unsigned)t->odd_byte, b1 = p[i++];
            t->odd_byte = -1;
        } else if (i + 1 < n) {
            b0 = p[i], b1 = p[i + 1];
            i += 2;
        } else {
            t->odd_byte = p[i++];
            break;
        }
        uint32_t u = le ? (b0 | (b1 << 8)) : ((b0 << 8) | b1);
        uint32_t c;
        size_t before = t->u8.len;
        if (t->high_surrogate) {
            one_to_one = false;
            if (u >= 0xDC00 && u <= 0xDFFF) {
                c = 0x10000 + ((t->high_surrogate - 0xD800) << 10) +
                    (u - 0xDC00);
                t->high_surrogate = 0;
                t->u8.len += put_utf8(t->u8.ptr + t->u8.len, c);
                goto next;
            }
            t->high_surrogate = 0;
            t->u8.len += put_utf8(t->u8.ptr + t->u8.len, 0xFFFD);
            before = t->u8.len;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            t->high_surrogate = u;
            one_to_one = false;
            goto next;
        }
        c = (u >= 0xDC00 && u <= 0xDFFF) || u == 0 ? 0xFFFD : u;
        t->u8.len += put_utf8(t->u8.ptr + t->u8.len, c);
        one_to_one &= t->u8.len - before == 1;
        if ((u == '\n' || u == '\r') && (!one_to_one || !bulk)) {
            if ((rc = split(t, t->u8.ptr, t->u8.len, piece_orig, &pm)) != 0)
                return rc;
            t->u8.len = 0;
            pm.mapped = 0;
            piece_orig = orig + i;
            one_to_one = true;
        }
    next:
        if (t->u8.len + 8 > t->u8.cap) {
            if ((rc = split(t, t->u8.ptr, t->u8.len, piece_orig, &pm)) != 0)
                return rc;
            t->u8.len = 0;
            pm.mapped = 0;
            piece_orig = orig + i;
            one_to_one = true;
        }
    }
    rc = t->u8.len ? split(t, t->u8.ptr, t->u8.len, piece_orig, &pm) : 0;
    t->u8.len = 0;
    return rc;
}

/* UTF-8 chunks are split in pieces of at most this: the maps of a piece
 * (a bit per byte for its '\n's) stay bounded whatever one feed gives (a
 * 5 GiB feed kept 640 MB of map). */
#define SPLIT_PIECE ((size_t)1 << 20)

static int feed_known(ls_text *t, const unsigned char *p, size_t n,
                      uint64_t orig)
{
    if (t->enc != LS_ENC_UTF8)
        return feed_utf16(t, p, n, orig);
    int rc = LDRSNAP_OK;
    while (n > SPLIT_PIECE && rc == 0) {
        rc = split(t, (const char *)p, SPLIT_PIECE, orig, NULL);
        p += SPLIT_PIECE, n -= SPLIT_PIECE, orig += SPLIT_PIECE;
    }
    return rc == 0 ? split(t, (const char *)p, n, orig, NULL) : rc;
}

/* Decide the encoding from the sniffed bytes and replay them. */
static int flush_sniff(ls_text *t, bool final)
{
    detect(t, final);
    if (t->enc == LS_ENC_UNKNOWN)
        return LDRSNAP_OK;
    size_t skip = 0;
    if (t->bom)
        skip = t->enc == LS_ENC_UTF8 ? 3 : 2;
    int rc = LDRSNAP_OK;
    if (t->nsniff > skip)
        rc = feed_known(t, t->sniff + skip, t->nsniff - skip, skip);
    t->nsniff = 0;
    return rc;
}

void ldrsnap__text_init(ls_text *t, const ls_alloc *al, size_t max_line,
                        ls_line_cb cb, void *ud)
{
    memset(t, 0, sizeof *t);
    t->al = al;
    t->odd_byte = -1;
    t->max_line = max_line;
    t->cb = cb;
    t->ud = ud;
    t->simd = ldrsnap__simd();
}

void ldrsnap__text_watch(ls_text *t, const unsigned char *bytes, size_t k)
{
    t->nwatch = k <= sizeof t->watch ? k : 0;
    if (t->nwatch)
        memcpy(t->watch, bytes, k);
}

int ldrsnap__text_feed(ls_text *t, const unsigned char *p, size_t n)
{
    uint64_t orig = t->in_bytes;
    t->in_bytes += n;
    if (t->enc == LS_ENC_UNKNOWN) {
        size_t take = LS_MIN(n, sizeof t->sniff - t->nsniff);
        memcpy(t->sniff + t->nsniff, p, take);
        t->nsniff += take;
        p += take, n -= take, orig += take;
        int rc = flush_sniff(t, false);
        if (rc != 0 || t->enc == LS_ENC_UNKNOWN)
            return rc;
    }
    return n ? feed_known(t, p, n, orig) : LDRSNAP_OK;
}

int ldrsnap__text_finish(ls_text *t)
{
    int rc;
    if (t->enc == LS_ENC_UNKNOWN) {
        if (t->nsniff == 0)
            return LDRSNAP_OK; /* empty input */
        if ((rc = flush_sniff(t, true)) != 0)
            return rc;
    }
    if (t->odd_byte >= 0 || t->high_surrogate) {
        char rep[3];
        size_t k = put_utf8(rep, 0xFFFD);
        t->odd_byte = -1;
        t->high_surrogate = 0;
        if ((rc = hold_partial(t, rep, k)) < 0)
            return rc;
    }
    if (t->in_line) {
        t->chunk_plain = false;
        rc = emit_line(t, t->line.ptr, t->line.len, t->line_capped,
                       !t->nwatch || t->line_watched);
        t->line_watched = false;
        t->line.len = 0;
        t->line_capped = false;
        t->in_line = false;
        if (rc != 0)
            return rc;
        t->lineno++;
    }
    return LDRSNAP_OK;
}

void ldrsnap__text_free(ls_text *t)
{
    ldrsnap__buf_free(t->al, &t->u8);
    ldrsnap__buf_free(t->al, &t->line);
    ldrsnap__buf_free(t->al, &t->recode);
    ldrsnap__buf_free(t->al, &t->wmap);
    ldrsnap__buf_free(t->al, &t->nlmap);
}

const char *ldrsnap__text_encoding(const ls_text *t)
{
    switch (t->enc) {
    case LS_ENC_UTF8:
        return t->saw_invalid ? "cp1252" : "utf-8";
    case LS_ENC_UTF16LE:
        return "utf-16le";
    case LS_ENC_UTF16BE:
        return "utf-16be";
    case LS_ENC_UNKNOWN:
        break;
    }
    return "unknown";
}
