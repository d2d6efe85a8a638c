/*
 * json/json.c - the JSON Lines records of `ldrsnap --format=jsonl`
 * (ldrsnap-json(5), schema LDRSNAP_SCHEMA_VERSION), for any program that
 * links the library: the CLI writes its records with these functions, so
 * a tool's records are the CLI's, byte for byte.
 *
 * Each function writes one record and its newline into the caller's
 * buffer with snprintf()'s contract: it returns the record's length and
 * writes at most cap - 1 bytes and a NUL; a caller whose buffer was too
 * small gives one of that length + 1.  Strings stay valid JSON whatever
 * their bytes: control characters are escaped and bytes that are not
 * UTF-8 (a file name, say) become U+FFFD.  Knows only the public header.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ldrsnap.h>

#include "simd/simd.h"

/* A writer with snprintf()'s contract: what does not fit is counted. */
typedef struct jw {
    char *buf;
    size_t cap, len;
} jw;

/* n bytes from s to d, for the short runs most writes are: two
 * overlapping words instead of a call to memcpy(). */
static inline void copy_short(char *d, const void *s, size_t n)
{
    const char *c = s;
    if (n >= 16) {
        for (size_t i = 0; i + 16 < n; i += 16)
            memcpy(d + i, c + i, 16);
        memcpy(d + n - 16, c + n - 16, 16);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, c, 8);
        memcpy(&b, c + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, c, 4);
        memcpy(&b, c + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = c[i];
    }
}

static inline __attribute__((always_inline)) void jw_write(jw *w,
                                                            const void *p,
                                                            size_t n)
{
    if (w->len <= w->cap && n <= w->cap - w->len) { /* all of it fits */
        copy_short(w->buf + w->len, p, n);
    } else if (w->len < w->cap) {
        size_t k = w->cap - w->len;
        memcpy(w->buf + w->len, p, n < k ? n : k);
    }
    w->len += n;
}

static void jw_putc(jw *w, char c)
{
    if (w->len < w->cap)
        w->buf[w->len] = c;
    w->len++;
}

static void jw_puts(jw *w, const char *s)
{
    jw_write(w, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void jw_printf(jw *w,
                                                          const char *fmt,
                                                          ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        jw_write(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void jw_u64(jw *w, unsigned long long v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    jw_write(w, tmp + i, sizeof tmp - i);
}

static void jw_hex8(jw *w, unsigned v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[10] = {'0', 'x'};
    for (int i = 0; i < 8; i++)
        tmp[2 + i] = digits[(v >> (28 - 4 * i)) & 0xF];
    jw_write(w, tmp, sizeof tmp);
}

/* The record's length; a NUL after what was written. */
static size_t jw_end(jw *w)
{
    if (w->cap)
        w->buf[w->len < w->cap ? w->len : w->cap - 1] = '\0';
    return w->len;
}

static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t k;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        k = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        k = 4, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return k;
}

/* The bytes that go into a JSON string as they are (ls_json_plain()'s):
 * printable ASCII other than '"' and '\\'. */
#define PLAIN16(b)                                                            \
    ((b) >= 0x20 && (b) < 0x7F && (b) != '"' && (b) != '\\')
#define PLAIN4(b) PLAIN16(b), PLAIN16((b) + 1), PLAIN16((b) + 2), PLAIN16((b) + 3)
#define PLAIN_ROW(b) PLAIN4(b), PLAIN4((b) + 4), PLAIN4((b) + 8), PLAIN4((b) + 12)
static const bool json_plain_byte[256] = {
    PLAIN_ROW(0x00), PLAIN_ROW(0x10), PLAIN_ROW(0x20), PLAIN_ROW(0x30),
    PLAIN_ROW(0x40), PLAIN_ROW(0x50), PLAIN_ROW(0x60), PLAIN_ROW(0x70)};

/* How many bytes of p[0..n), from the first, go in as they are: whole
 * 16-byte blocks the vector way, the rest (most of a short string) by
 * the table. */
static size_t plain_len(const unsigned char *p, size_t n)
{
    size_t i = 0, blocks = n & ~(size_t)15;
    if (blocks && (i = ls_json_plain(p, blocks)) < blocks)
        return i;
    while (i < n && json_plain_byte[p[i]])
        i++;
    return i;
}

/* Strings written straight into room for their worst case, plain runs
 * checked and copied in one pass (json_str_room()); off, every write is
 * checked against the room, each run found, then copied: the oracle
 * (ldrsnap__json_fast(false), for the tests). */
static bool json_fast = true;

void ldrsnap__json_fast(bool on);
void ldrsnap__json_fast(bool on)
{
    json_fast = on;
}

/* The string p..end at d, which has room for its worst case (six bytes
 * a byte, and the quotes): written through a pointer, plain runs checked
 * and copied in one pass, no check of the room per write.  Returns the
 * end of what it wrote. */
static char *put_str(char *d, const unsigned char *p, const unsigned char *end)
{
    static const char hex[] = "0123456789abcdef";
    *d++ = '"';
    while (p < end) {
        size_t n = (size_t)(end - p), k = 0;
        bool stopped = false; /* at a byte not plain, not '"' or '\\' */
#if LS_SSE2
        /* 16 bytes at a time while 16 are left, a quote or a backslash
         * (a path's separators) escaped in the loop, which keeps its
         * constants: no new start of ls_json_plain_copy() for each */
        while (n >= 16) {
            __m128i v = LS_LOADU(p);
            unsigned m = ls_json_bad16(v);
            _mm_storeu_si128((__m128i *)(void *)d, v);
            if (!m) {
                p += 16, d += 16, n -= 16;
                continue;
            }
            k = (size_t)__builtin_ctz(m);
            p += k, d += k, n -= k;
            if (*p != '"' && *p != '\\') {
                stopped = true; /* the other escapes: below */
                break;
            }
            d[0] = '\\', d[1] = (char)*p, d += 2, p++, n--;
        }
        k = 0;
#endif
        if (stopped) {
            /* at the byte to escape */
        } else if (n >= 8) {
            k = ls_json_plain_copy(d, p, n);
        } else { /* a short name ("noise", "high"): byte by byte, no call */
            while (k < n && json_plain_byte[p[k]]) {
                d[k] = (char)p[k];
                k++;
            }
        }
        d += k;
        p += k;
        if (p == end)
            break;
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            d[0] = '\\', d[1] = (char)c, d += 2, p++;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            d[0] = '\\', d[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            d += 2, p++;
        } else if (c < 0x20 || c == 0x7F) {
            memcpy(d, "\\u00", 4);
            d[4] = hex[c >> 4], d[5] = hex[c & 15];
            d += 6, p++;
        } else if ((k = utf8_len(p)) != 0) {
            memcpy(d, p, k);
            d += k, p += k;
        } else {
            memcpy(d, "\\ufffd", 6);
            d += 6, p++;
        }
    }
    *d++ = '"';
    return d;
}

static void json_str_room(jw *out, const unsigned char *p,
                          const unsigned char *end)
{
    out->len = (size_t)(put_str(out->buf + out->len, p, end) - out->buf);
}

static void json_str(jw *out, const char *s)
{
    if (!s) {
        jw_write(out, "null", 4);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + strlen(s);
    if (json_fast && out->len + 2 <= out->cap &&
        (size_t)(end - p) <= (out->cap - out->len - 2) / 6) {
        json_str_room(out, p, end);
        return;
    }
    jw_putc(out, '"');
    for (;;) {
        const unsigned char *run = p;
        p += plain_len(p, (size_t)(end - p));
        if (p > run)
            jw_write(out, run, (size_t)(p - run));
        if (p == end)
            break;
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            jw_putc(out, '\\');
            jw_putc(out, (char)c);
            p++;
        } else if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\n': jw_write(out, "\\n", 2); break;
            case '\r': jw_write(out, "\\r", 2); break;
            case '\t': jw_write(out, "\\t", 2); break;
            default: jw_printf(out, "\\u%04x", c); break;
            }
            p++;
        } else {
            size_t k = utf8_len(p);
            if (k) {
                jw_write(out, p, k);
                p += k;
            } else {
                jw_write(out, "\\ufffd", 6);
                p++;
            }
        }
    }
    jw_putc(out, '"');
}

/* ,"key": (the comma when asked) */
static void key(jw *out, const char *k, bool comma)
{
    if (comma)
        jw_putc(out, ',');
    jw_putc(out, '"');
    jw_puts(out, k);
    jw_write(out, "\":", 2);
}

/* The same for a literal key: ,"key": is one literal, written in one copy
 * of a length known when compiling (no strlen(), no four writes). */
#define KEY(k, comma)                                                         \
    &(",\"" k "\":")[!(comma)], sizeof(",\"" k "\":") - 1 - !(comma)

static void kstr(jw *out, const char *k, size_t klen, const char *s)
{
    jw_write(out, k, klen);
    json_str(out, s);
}

static void ku64(jw *out, const char *k, size_t klen, unsigned long long v)
{
    jw_write(out, k, klen);
    jw_u64(out, v);
}

static void khex(jw *out, const char *k, size_t klen, bool has, unsigned v)
{
    jw_write(out, k, klen);
    if (has) {
        jw_putc(out, '"');
        jw_hex8(out, v);
        jw_putc(out, '"');
    } else {
        jw_write(out, "null", 4);
    }
}

#define json_key_str(out, k, s, comma) kstr(out, KEY(k, comma), s)
#define json_key_u64(out, k, v, comma) ku64(out, KEY(k, comma), v)
#define json_key_hex(out, k, has, v, comma) khex(out, KEY(k, comma), has, v)

static void json_key_str_dyn(jw *out, const char *k, const char *s, bool comma)
{
    key(out, k, comma);
    json_str(out, s);
}

static void json_key_strs(jw *out, const char *k, const char *const *v,
                   size_t n)
{
    key(out, k, true);
    jw_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            jw_putc(out, ',');
        json_str(out, v[i]);
    }
    jw_putc(out, ']');
}

static void json_chain(jw *out, const char *const *chain, size_t n)
{
    json_key_strs(out, "chain", chain, n);
}

static void head(jw *out, const char *type, const char *source)
{
    jw_write(out, "{\"type\":\"", 9);
    jw_puts(out, type);
    jw_putc(out, '"');
    json_key_str(out, "source", source, true);
}

static void pid_tid(jw *out, unsigned flags, unsigned pid, unsigned tid)
{
    if (flags & LDRSNAP_FF_PID)
        json_key_u64(out, "pid", pid, true);
    else
        jw_puts(out, ",\"pid\":null");
    if (flags & LDRSNAP_FF_TID)
        json_key_u64(out, "tid", tid, true);
    else
        jw_puts(out, ",\"tid\":null");
}

static void json_failure(jw *out, const char *source, const ldrsnap_failure *f)
{
    head(out, "failure", source);
    json_key_u64(out, "line", f->line, true);
    pid_tid(out, f->flags, f->pid, f->tid);
    json_key_str(out, "kind", ldrsnap_kind_name(f->kind), true);
    json_key_str(out, "dll", f->dll, true);
    json_key_str(out, "dll_path", f->dll_path, true);
    json_key_str(out, "parent", f->parent, true);
    json_key_str(out, "symbol", f->symbol, true);
    json_key_hex(out, "status", f->flags & LDRSNAP_FF_STATUS, f->status,
                 true);
    json_key_str(out, "status_name", f->status_name, true);
    json_key_str(out, "role", ldrsnap_role_name(f->role), true);
    json_key_str(out, "confidence", ldrsnap_confidence_name(f->confidence),
                 true);
    json_chain(out, f->chain, f->chain_len);
    json_key_str(out, "note", f->note, true);
    json_key_str(out, "text", f->text, true);
    jw_puts(out, "}\n");
}

static void json_exception(jw *out, const char *source,
                    const ldrsnap_exception *e)
{
    head(out, "exception", source);
    json_key_u64(out, "line", e->line, true);
    pid_tid(out, e->flags, e->pid, e->tid);
    json_key_hex(out, "code", true, e->code, true);
    json_key_str(out, "code_name", e->code_name, true);
    json_key_str(out, "chance",
                 e->flags & LDRSNAP_FF_SECOND_CHANCE ? "second" : "first",
                 true);
    json_key_str(out, "description", e->description, true);
    json_key_str(out, "dll", e->dll, true);
    json_key_str(out, "text", e->text, true);
    jw_puts(out, "}\n");
}

static void root_cause(jw *out, const ldrsnap_verdict *v)
{
    jw_putc(out, '{');
    if (v->flags & LDRSNAP_FF_PID)
        json_key_u64(out, "pid", v->pid, false);
    else
        jw_puts(out, "\"pid\":null");
    json_key_str(out, "kind", ldrsnap_kind_name(v->kind), true);
    json_key_str(out, "dll", v->dll, true);
    json_key_str(out, "parent", v->parent, true);
    json_key_hex(out, "status", v->flags & LDRSNAP_FF_STATUS, v->status,
                 true);
    json_key_str(out, "status_name", v->status_name, true);
    json_key_u64(out, "line", v->line, true);
    if (v->flags & LDRSNAP_FF_TID)
        json_key_u64(out, "tid", v->tid, true);
    else
        jw_puts(out, ",\"tid\":null");
    json_key_str(out, "symbol", v->symbol, true);
    json_key_str(out, "image", v->image, true);
    json_key_str(out, "confidence", ldrsnap_confidence_name(v->confidence),
                 true);
    json_chain(out, v->chain, v->chain_len);
    jw_putc(out, '}');
}

static void json_signature(jw *out, const char *source, const ldrsnap_signature *s)
{
    head(out, "signature", source);
    json_key_u64(out, "line", s->line, true);
    jw_puts(out, ",\"lines\":[");
    for (size_t i = 0; i < s->n_lines; i++) {
        if (i)
            jw_putc(out, ',');
        jw_u64(out, s->lines[i]);
    }
    jw_putc(out, ']');
    pid_tid(out, s->flags, s->pid, s->tid);
    json_key_str(out, "id", s->id, true);
    json_key_str(out, "title", s->title, true);
    json_key_str(out, "severity", s->severity, true);
    json_key_str(out, "explanation", s->explanation, true);
    json_key_str(out, "advice", s->advice, true);
    json_key_strs(out, "references", s->references, s->n_references);
    jw_puts(out, "}\n");
}

static bool fast_root_cause(jw *out, const ldrsnap_verdict *v);

static void json_summary(jw *out, const char *source, const ldrsnap_summary *s)
{
    head(out, "summary", source);
    json_key_u64(out, "lines", s->lines, true);
    json_key_u64(out, "bytes", s->bytes, true);
    json_key_str(out, "dialect", s->dialect, true);
    json_key_str(out, "encoding", s->encoding, true);
    json_key_u64(out, "processes", s->processes, true);
    json_key_u64(out, "failures", s->failures, true);
    json_key_u64(out, "noise", s->noise, true);
    json_key_u64(out, "handled", s->handled, true);
    json_key_u64(out, "exceptions", s->exceptions, true);
    json_key_u64(out, "signatures", s->signatures, true);
    jw_puts(out, ",\"root_causes\":[");
    for (size_t i = 0; i < s->n_verdicts; i++) {
        if (i)
            jw_putc(out, ',');
        if (!(json_fast && fast_root_cause(out, &s->verdicts[i])))
            root_cause(out, &s->verdicts[i]);
    }
    jw_putc(out, ']');
    if (s->verdicts_dropped) /* past the first LDRSNAP_MAX_VERDICTS */
        json_key_u64(out, "root_causes_omitted", s->verdicts_dropped, true);
    /* 0: no loader-snaps line at all, which is no all-clear */
    json_key_u64(out, "loader_lines", s->loader_lines, true);
    if (s->truncated)
        jw_puts(out, ",\"truncated\":true");
    jw_printf(out, ",\"schema\":%d}\n", LDRSNAP_SCHEMA_VERSION);
}

static void json_error(jw *out, const char *source, const char *message)
{
    head(out, "error", source);
    json_key_str(out, "message", message, true);
    jw_puts(out, "}\n");
}

static void json_record(jw *out, const char *source, const ldrsnap_record *r)
{
    head(out, "record", source);
    json_key_u64(out, "line", r->line, true);
    json_key_str(out, "dialect", ldrsnap_dialect_name(r->dialect), true);
    json_key_str(out, "msg", ldrsnap_msg_name(r->msg), true);
    if (r->level)
        json_key_str(out, "level", ldrsnap_level_name(r->level), true);
    if (r->flags & LDRSNAP_RF_PID)
        json_key_u64(out, "pid", r->pid, true);
    if (r->flags & LDRSNAP_RF_TID)
        json_key_u64(out, "tid", r->tid, true);
    if (r->flags & LDRSNAP_RF_STATUS)
        json_key_hex(out, "status", true, r->status, true);
    if (r->flags & LDRSNAP_RF_STATUS_ORIG)
        json_key_hex(out, "status_orig", true, r->status_orig, true);
    if (r->flags & LDRSNAP_RF_BASE)
        jw_printf(out, ",\"base\":\"0x%llx\"", (unsigned long long)r->base);
    static const struct {
        const char *k;
        size_t off;
    } f[] = {{"prefix", offsetof(ldrsnap_record, prefix)},
             {"function", offsetof(ldrsnap_record, function)},
             {"dll", offsetof(ldrsnap_record, dll)},
             {"dll_path", offsetof(ldrsnap_record, dll_path)},
             {"parent", offsetof(ldrsnap_record, parent)},
             {"symbol", offsetof(ldrsnap_record, symbol)},
             {"search_path", offsetof(ldrsnap_record, search_path)},
             {"image", offsetof(ldrsnap_record, image)}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const char *v = *(const char *const *)((const char *)r + f[i].off);
        if (v && *v)
            json_key_str_dyn(out, f[i].k, v, true);
    }
    static const struct {
        unsigned bit;
        const char *name;
    } fl[] = {{LDRSNAP_RF_COMPACT, "compact"}, {LDRSNAP_RF_CUT, "cut"},
              {LDRSNAP_RF_CAPPED, "capped"},   {LDRSNAP_RF_JOINED, "joined"},
              {LDRSNAP_RF_SPLIT, "split"},     {LDRSNAP_RF_RECODED, "recoded"}};
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if (r->flags & fl[i].bit)
            jw_printf(out, ",\"%s\":true", fl[i].name);
    json_key_str(out, "text", r->text, true);
    jw_puts(out, "}\n");
}

/* ---- the fast way of whole records --------------------------------------
 *
 * A failure, exception, signature or summary record is written in one go
 * through a pointer while it fits the room left: each string checked,
 * escaped and copied in one pass that finds its end too (put_cstr(): no
 * strlen() first), the room checked once a 16-byte block, the keys and
 * punctuation copied as literals of known length, numbers from a table of
 * digit pairs.  A record that reaches past the room is left (nothing
 * counted) to the general way above, which writes any record, and every
 * record when json_fast is off (the oracle: test_json.c and fuzz_json
 * compare the two). */

/* Room for the keys, punctuation and numbers between two strings of any
 * record and after its last (not a signature's lines: counted apart), and
 * for the bytes a string's writer may store past its limit. */
#define FIXED_ROOM 640u
#define PAST_LIM 64u

#define PUT(d, lit)                                                           \
    (memcpy((d), (lit), sizeof(lit) - 1), (d) += sizeof(lit) - 1)

/* A string of known length (a table's name, quoted). */
typedef struct fstr {
    const char *s;
    size_t n;
} fstr;

/* The escapes of put_str() for the byte at p (not plain, not NUL): the
 * end of what it wrote at d; *pp past the bytes it took. */
static char *put_escape(char *d, const unsigned char **pp)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = *pp;
    unsigned c = *p;
    size_t k;
    if (c == '"' || c == '\\') {
        d[0] = '\\', d[1] = (char)c, d += 2, p++;
    } else if (c == '\n' || c == '\r' || c == '\t') {
        d[0] = '\\', d[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        d += 2, p++;
    } else if (c < 0x20 || c == 0x7F) {
        memcpy(d, "\\u00", 4);
        d[4] = hex[c >> 4], d[5] = hex[c & 15];
        d += 6, p++;
    } else if ((k = utf8_len(p)) != 0) { /* stops at the NUL */
        memcpy(d, p, k);
        d += k, p += k;
    } else {
        memcpy(d, "\\ufffd", 6);
        d += 6, p++;
    }
    *pp = p;
    return d;
}

/* The string s (NUL-terminated, or NULL: null) at d in one pass: no
 * strlen() first.  16 bytes at a time from s on, its NUL found with the
 * bytes to escape (a control byte), a block of plain bytes stored
 * whole, the plain bytes before the first other byte of a block alone
 * (put_head16(): the bytes read past the NUL never reach the room, so
 * the caller's buffer holds nothing of the memory after a string); a
 * block that would reach into the next page is not loaded (the bytes up to the
 * page's end go one at a time), so the loads past the NUL never leave
 * the page the string ends in.  NULL when d would pass lim before the
 * string is written: lim leaves room for 32 bytes past it and what
 * comes between two strings of a record (FIXED_ROOM).  Those loads read
 * past the string's end: unseen by AddressSanitizer and ThreadSanitizer
 * (the bytes past the NUL are never used); under AddressSanitizer the
 * string is read through strlen() first, so a string that is not
 * valid is reported as before. */
#if defined(__SANITIZE_ADDRESS__)
#define LS_JSON_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LS_JSON_ASAN 1
#endif
#endif
#if LS_SSE2
/* The first k (0 to 15) bytes of v at d, and nothing past them. */
static inline void put_head16(char *d, __m128i v, size_t k)
{
    char t[16];
    _mm_storeu_si128((__m128i *)(void *)t, v);
    if (k >= 8) {
        memcpy(d, t, 8);
        memcpy(d + k - 8, t + k - 8, 8);
    } else if (k >= 4) {
        memcpy(d, t, 4);
        memcpy(d + k - 4, t + k - 4, 4);
    } else if (k) {
        d[0] = t[0];
        d[k - 1] = t[k - 1];
        d[k / 2] = t[k / 2];
    }
}
#endif

__attribute__((no_sanitize("address", "thread"))) static char *
put_cstr(char *d, const char *s, const char *lim)
{
    if (d > lim)
        return NULL;
    if (!s) {
        memcpy(d, "null", 4);
        return d + 4;
    }
#ifdef LS_JSON_ASAN
    (void)strlen(s); /* checked by AddressSanitizer's interceptor */
#endif
    const unsigned char *p = (const unsigned char *)s;
    *d++ = '"';
    for (;;) {
#if LS_SSE2
        if (((uintptr_t)p & 4095) <= 4096 - 16) {
            __m128i v = LS_LOADU(p);
            unsigned m = ls_json_bad16(v);
            if (!m) {
                _mm_storeu_si128((__m128i *)(void *)d, v);
                p += 16, d += 16;
                if (d > lim)
                    return NULL;
                continue;
            }
            /* only the plain bytes before the first one to escape or the
             * NUL: nothing read past the string goes into the room */
            size_t k = (size_t)__builtin_ctz(m);
            put_head16(d, v, k);
            p += k, d += k;
        } else if (json_plain_byte[*p]) { /* the page's last bytes */
            *d++ = (char)*p++;
            continue;
        }
#else
        while (json_plain_byte[*p]) {
            *d++ = (char)*p++;
            if (d > lim)
                return NULL;
        }
#endif
        if (!*p)
            break;
        d = put_escape(d, &p);
        if (d > lim)
            return NULL;
    }
    *d++ = '"';
    return d;
}

static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

static char *put_u64(char *d, unsigned long long v)
{
    /* its digits: from its bits (log10(2) ~ 1233 / 4096), then one
     * comparison (a loop of comparisons before: about 75 instructions a
     * number of a pid's size) */
    static const unsigned long long pow10[20] = {1ull,
                                                 10ull,
                                                 100ull,
                                                 1000ull,
                                                 10000ull,
                                                 100000ull,
                                                 1000000ull,
                                                 10000000ull,
                                                 100000000ull,
                                                 1000000000ull,
                                                 10000000000ull,
                                                 100000000000ull,
                                                 1000000000000ull,
                                                 10000000000000ull,
                                                 100000000000000ull,
                                                 1000000000000000ull,
                                                 10000000000000000ull,
                                                 100000000000000000ull,
                                                 1000000000000000000ull,
                                                 10000000000000000000ull};
#ifdef __GNUC__
    unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
#else
    unsigned bits = 1;
    for (unsigned long long u = v >> 1; u; u >>= 1)
        bits++;
#endif
    size_t n = (bits * 1233) >> 12; /* 10^n <= v, or v < 10^n (n < 20) */
    n += v >= pow10[n];             /* then v < 10^n: n digits */
    n += !n;                        /* 0 */
    char *e = d + n, *p = e;
    if (v <= 0xFFFFFFFFu) { /* lines, pids, tids: 32-bit divisions */
        uint32_t u = (uint32_t)v;
        while (u >= 100) {
            uint32_t q = u / 100;
            p -= 2;
            memcpy(p, digit_pairs + 2 * (u - q * 100), 2);
            u = q;
        }
        v = u;
    }
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * r, 2);
    }
    if (v >= 10)
        memcpy(p - 2, digit_pairs + 2 * v, 2);
    else
        p[-1] = (char)('0' + v);
    return e;
}

/* "0x%08x", quoted */
static char *put_hex8(char *d, unsigned v)
{
    static const char hx[] = "0123456789abcdef";
    d[0] = '"', d[1] = '0', d[2] = 'x';
    for (int i = 0; i < 8; i++)
        d[3 + i] = hx[(v >> (28 - 4 * i)) & 0xF];
    d[11] = '"';
    return d + 12;
}

static char *put_pid_tid(char *d, unsigned flags, unsigned pid, unsigned tid)
{
    if (flags & LDRSNAP_FF_PID) {
        PUT(d, ",\"pid\":");
        d = put_u64(d, pid);
    } else {
        PUT(d, ",\"pid\":null");
    }
    if (flags & LDRSNAP_FF_TID) {
        PUT(d, ",\"tid\":");
        d = put_u64(d, tid);
    } else {
        PUT(d, ",\"tid\":null");
    }
    return d;
}

/* The limit of put_cstr() in w's room: NULL when the room is less than
 * a record's fixed part. */
static const char *room_lim(const jw *w)
{
    if (w->len >= w->cap || w->cap - w->len <= FIXED_ROOM + PAST_LIM)
        return NULL;
    return w->buf + w->cap - FIXED_ROOM - PAST_LIM;
}

static void advance_to(jw *w, const char *d)
{
    w->len = (size_t)(d - w->buf);
}

/* d = put_cstr(d, s, lim), or return false */
#define PUT_STR(d, s, lim)                                                    \
    do {                                                                      \
        if (!((d) = put_cstr((d), (s), (lim))))                               \
            return false;                                                     \
    } while (0)

/* ["a","b",...] or NULL past lim */
static char *put_strs(char *d, const char *const *v, size_t n, const char *lim)
{
    *d++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *d++ = ',';
        if (!(d = put_cstr(d, v[i], lim)))
            return NULL;
    }
    *d++ = ']';
    return d;
}

/* The names of the library's own tables (ldrsnap_kind_name(),
 * ldrsnap_role_name(), ldrsnap_confidence_name()) as JSON strings, quotes
 * and all, of known length: copied, neither measured nor checked byte by
 * byte.  A value past a table is the function's name, the usual way.
 * test_json.c checks each against its function. */
#define QNAME(s)                                                              \
    {                                                                         \
        "\"" s "\"", sizeof(s) + 1                                            \
    }
static const fstr kind_json[] = {QNAME("other"),
                                 QNAME("dll_not_found"),
                                 QNAME("export_not_found"),
                                 QNAME("ordinal_not_found"),
                                 QNAME("bad_image"),
                                 QNAME("init_failed"),
                                 QNAME("access_denied"),
                                 QNAME("sxs"),
                                 QNAME("process_init_failed")};
static const fstr role_json[] = {QNAME("root_cause"), QNAME("consequence"),
                                 QNAME("handled"), QNAME("noise")};
static const fstr conf_json[] = {QNAME("high"), QNAME("medium"), QNAME("low")};
#undef QNAME
#define NAMES(t) (sizeof(t) / sizeof(t)[0])

/* The name of table t for value v, quoted, or else namefn's name for it
 * as a string (its function is called only then); return false past lim */
#define PUT_NAME(d, t, v, namefn, lim)                                        \
    do {                                                                      \
        if ((unsigned)(v) < NAMES(t)) {                                       \
            copy_short((d), (t)[(unsigned)(v)].s, (t)[(unsigned)(v)].n);      \
            (d) += (t)[(unsigned)(v)].n;                                      \
        } else {                                                              \
            PUT_STR(d, namefn(v), lim);                                       \
        }                                                                     \
    } while (0)

static bool fast_failure(jw *out, const char *source, const ldrsnap_failure *f)
{
    const char *lim = room_lim(out);
    if (!lim)
        return false;
    char *d = out->buf + out->len;
    PUT(d, "{\"type\":\"failure\",\"source\":");
    PUT_STR(d, source, lim);
    PUT(d, ",\"line\":");
    d = put_u64(d, f->line);
    d = put_pid_tid(d, f->flags, f->pid, f->tid);
    PUT(d, ",\"kind\":");
    PUT_NAME(d, kind_json, f->kind, ldrsnap_kind_name, lim);
    PUT(d, ",\"dll\":");
    PUT_STR(d, f->dll, lim);
    PUT(d, ",\"dll_path\":");
    PUT_STR(d, f->dll_path, lim);
    PUT(d, ",\"parent\":");
    PUT_STR(d, f->parent, lim);
    PUT(d, ",\"symbol\":");
    PUT_STR(d, f->symbol, lim);
    PUT(d, ",\"status\":");
    if (f->flags & LDRSNAP_FF_STATUS)
        d = put_hex8(d, f->status);
    else
        PUT(d, "null");
    PUT(d, ",\"status_name\":");
    PUT_STR(d, f->status_name, lim);
    PUT(d, ",\"role\":");
    PUT_NAME(d, role_json, f->role, ldrsnap_role_name, lim);
    PUT(d, ",\"confidence\":");
    PUT_NAME(d, conf_json, f->confidence, ldrsnap_confidence_name, lim);
    PUT(d, ",\"chain\":");
    if (!(d = put_strs(d, f->chain, f->chain_len, lim)))
        return false;
    PUT(d, ",\"note\":");
    PUT_STR(d, f->note, lim);
    PUT(d, ",\"text\":");
    PUT_STR(d, f->text, lim);
    PUT(d, "}\n");
    advance_to(out, d);
    return true;
}

static bool fast_exception(jw *out, const char *source,
                           const ldrsnap_exception *e)
{
    const char *lim = room_lim(out);
    if (!lim)
        return false;
    char *d = out->buf + out->len;
    PUT(d, "{\"type\":\"exception\",\"source\":");
    PUT_STR(d, source, lim);
    PUT(d, ",\"line\":");
    d = put_u64(d, e->line);
    d = put_pid_tid(d, e->flags, e->pid, e->tid);
    PUT(d, ",\"code\":");
    d = put_hex8(d, e->code);
    PUT(d, ",\"code_name\":");
    PUT_STR(d, e->code_name, lim);
    PUT(d, ",\"chance\":");
    if (e->flags & LDRSNAP_FF_SECOND_CHANCE)
        PUT(d, "\"second\"");
    else
        PUT(d, "\"first\"");
    PUT(d, ",\"description\":");
    PUT_STR(d, e->description, lim);
    PUT(d, ",\"dll\":");
    PUT_STR(d, e->dll, lim);
    PUT(d, ",\"text\":");
    PUT_STR(d, e->text, lim);
    PUT(d, "}\n");
    advance_to(out, d);
    return true;
}

static bool fast_signature(jw *out, const char *source,
                           const ldrsnap_signature *g)
{
    const char *lim = room_lim(out);
    if (!lim || g->n_lines > 1024)
        return false;
    char *d = out->buf + out->len;
    PUT(d, "{\"type\":\"signature\",\"source\":");
    PUT_STR(d, source, lim);
    if (d > lim || (size_t)(lim - d) < 21 * g->n_lines)
        return false; /* the lines: 20 digits and a comma each at most */
    PUT(d, ",\"line\":");
    d = put_u64(d, g->line);
    PUT(d, ",\"lines\":[");
    for (size_t i = 0; i < g->n_lines; i++) {
        if (i)
            *d++ = ',';
        d = put_u64(d, g->lines[i]);
    }
    *d++ = ']';
    d = put_pid_tid(d, g->flags, g->pid, g->tid);
    PUT(d, ",\"id\":");
    PUT_STR(d, g->id, lim);
    PUT(d, ",\"title\":");
    PUT_STR(d, g->title, lim);
    PUT(d, ",\"severity\":");
    PUT_STR(d, g->severity, lim);
    PUT(d, ",\"explanation\":");
    PUT_STR(d, g->explanation, lim);
    PUT(d, ",\"advice\":");
    PUT_STR(d, g->advice, lim);
    PUT(d, ",\"references\":");
    if (!(d = put_strs(d, g->references, g->n_references, lim)))
        return false;
    PUT(d, "}\n");
    advance_to(out, d);
    return true;
}

/* One root cause of a summary, when it fits. */
static bool fast_root_cause(jw *out, const ldrsnap_verdict *v)
{
    const char *lim = room_lim(out);
    if (!lim)
        return false;
    char *d = out->buf + out->len;
    if (v->flags & LDRSNAP_FF_PID) {
        PUT(d, "{\"pid\":");
        d = put_u64(d, v->pid);
    } else {
        PUT(d, "{\"pid\":null");
    }
    PUT(d, ",\"kind\":");
    PUT_NAME(d, kind_json, v->kind, ldrsnap_kind_name, lim);
    PUT(d, ",\"dll\":");
    PUT_STR(d, v->dll, lim);
    PUT(d, ",\"parent\":");
    PUT_STR(d, v->parent, lim);
    PUT(d, ",\"status\":");
    if (v->flags & LDRSNAP_FF_STATUS)
        d = put_hex8(d, v->status);
    else
        PUT(d, "null");
    PUT(d, ",\"status_name\":");
    PUT_STR(d, v->status_name, lim);
    PUT(d, ",\"line\":");
    d = put_u64(d, v->line);
    if (v->flags & LDRSNAP_FF_TID) {
        PUT(d, ",\"tid\":");
        d = put_u64(d, v->tid);
    } else {
        PUT(d, ",\"tid\":null");
    }
    PUT(d, ",\"symbol\":");
    PUT_STR(d, v->symbol, lim);
    PUT(d, ",\"image\":");
    PUT_STR(d, v->image, lim);
    PUT(d, ",\"confidence\":");
    PUT_NAME(d, conf_json, v->confidence, ldrsnap_confidence_name, lim);
    PUT(d, ",\"chain\":");
    if (!(d = put_strs(d, v->chain, v->chain_len, lim)))
        return false;
    *d++ = '}';
    advance_to(out, d);
    return true;
}

/* ---- the public entry points --------------------------------------------- */

size_t ldrsnap_event_to_json(char *buf, size_t cap, const char *source,
                             const ldrsnap_event *ev)
{
    jw w = {buf, buf ? cap : 0, 0};
    if (!ev)
        return 0;
    switch (ev->type) {
    case LDRSNAP_EV_FAILURE:
        if (ev->failure && !(json_fast && fast_failure(&w, source, ev->failure)))
            json_failure(&w, source, ev->failure);
        break;
    case LDRSNAP_EV_EXCEPTION:
        if (ev->exception &&
            !(json_fast && fast_exception(&w, source, ev->exception)))
            json_exception(&w, source, ev->exception);
        break;
    case LDRSNAP_EV_SIGNATURE:
        if (ev->signature &&
            !(json_fast && fast_signature(&w, source, ev->signature)))
            json_signature(&w, source, ev->signature);
        break;
    case LDRSNAP_EV_INPUT_END: /* its summary, or why it was not read */
        if (ev->summary)
            json_summary(&w, source, ev->summary);
        else
            json_error(&w, source, ev->message ? ev->message : "not read");
        break;
    case LDRSNAP_EV_RULE_LIMIT:  /* a warning, not a record */
    case LDRSNAP_EV_PROCESS_END: /* its failures said it */
        break;
    }
    return jw_end(&w);
}

size_t ldrsnap_summary_to_json(char *buf, size_t cap, const char *source,
                               const ldrsnap_summary *s)
{
    jw w = {buf, buf ? cap : 0, 0};
    if (s)
        json_summary(&w, source, s);
    return jw_end(&w);
}

size_t ldrsnap_error_to_json(char *buf, size_t cap, const char *source,
                             const char *message)
{
    jw w = {buf, buf ? cap : 0, 0};
    json_error(&w, source, message);
    return jw_end(&w);
}

size_t ldrsnap_record_to_json(char *buf, size_t cap, const char *source,
                              const ldrsnap_record *r)
{
    jw w = {buf, buf ? cap : 0, 0};
    if (r)
        json_record(&w, source, r);
    return jw_end(&w);
}

size_t ldrsnap_json_string(char *buf, size_t cap, const char *s)
{
    jw w = {buf, buf ? cap : 0, 0};
    json_str(&w, s);
    return jw_end(&w);
}
