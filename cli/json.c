/*
 * json.c - JSON string output that stays valid JSON whatever the bytes:
 * control characters are escaped, and bytes that are not valid UTF-8
 * (a file name, say) become U+FFFD.
 */
#include <stdint.h>
#include <string.h>

#include "cli.h"

/* Bytes that go out as they are: printable ASCII but '"' and '\\'. */
static bool plain(unsigned c)
{
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Whether any of the 8 bytes in x needs a look of its own: a control
 * byte, '"', '\\', DEL or a byte past ASCII (exact for the answer "none"). */
static bool swar_special(uint64_t x)
{
    uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
    uint64_t ctl = (x - ONES * 0x20) & ~x;          /* < 0x20 (or >= 0x80) */
    uint64_t hi = x | (x + ONES);                  /* >= 0x7F */
    uint64_t qz = (q - ONES) & ~q, bz = (b - ONES) & ~b;
    return ((ctl | hi | qz | bz) & HIGHS) != 0;
}

void json_str(obuf *out, const char *s)
{
    if (!s) {
        ob_write(out, "null", 4);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + strlen(s);
    ob_putc(out, '"');
    for (;;) {
        const unsigned char *run = p;
        uint64_t x;
        while (end - p >= 8 && (memcpy(&x, p, 8), !swar_special(x)))
            p += 8;
        while (p < end && plain(*p))
            p++;
        if (p > run)
            ob_write(out, run, (size_t)(p - run));
        if (p == end)
            break;
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            ob_putc(out, '\\');
            ob_putc(out, (char)c);
            p++;
        } else if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\n': ob_write(out, "\\n", 2); break;
            case '\r': ob_write(out, "\\r", 2); break;
            case '\t': ob_write(out, "\\t", 2); break;
            default: ob_printf(out, "\\u%04x", c); break;
            }
            p++;
        } else {
            size_t k = cli_utf8_len(p, true);
            if (k) {
                ob_write(out, p, k);
                p += k;
            } else {
                ob_write(out, "\\ufffd", 6);
                p++;
            }
        }
    }
    ob_putc(out, '"');
}

/* ,"key": (the comma when asked) */
static void key(obuf *out, const char *k, bool comma)
{
    if (comma)
        ob_putc(out, ',');
    ob_putc(out, '"');
    ob_puts(out, k);
    ob_write(out, "\":", 2);
}

void json_key_str(obuf *out, const char *k, const char *s, bool comma)
{
    key(out, k, comma);
    json_str(out, s);
}

void json_key_u64(obuf *out, const char *k, unsigned long long v,
                  bool comma)
{
    key(out, k, comma);
    ob_u64(out, v);
}

void json_key_hex(obuf *out, const char *k, bool has, unsigned v,
                  bool comma)
{
    key(out, k, comma);
    if (has) {
        ob_putc(out, '"');
        ob_hex8(out, v);
        ob_putc(out, '"');
    } else {
        ob_write(out, "null", 4);
    }
}

void json_key_strs(obuf *out, const char *k, const char *const *v,
                   size_t n)
{
    key(out, k, true);
    ob_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            ob_putc(out, ',');
        json_str(out, v[i]);
    }
    ob_putc(out, ']');
}

void json_chain(obuf *out, const char *const *chain, size_t n)
{
    json_key_strs(out, "chain", chain, n);
}
