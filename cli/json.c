/*
 * json.c - the CLI's own JSON (decode, diff, the batch rollup) around
 * strings written as the library writes the records' strings
 * (ldrsnap_json_string(): control characters escaped, bytes that are not
 * valid UTF-8, a file name say, as U+FFFD).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A JSON string as the library writes the records' strings
 * (ldrsnap_json_string()): into the buffer's room for its worst case
 * (six bytes a byte), else through a copy of its length. */
void json_str(obuf *out, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char *p;
    size_t cap = n < ((size_t)1 << 24) ? ob_room(out, 6 * n + 3, &p) : 0;
    if (cap) {
        ob_advance(out, ldrsnap_json_string(p, cap, s));
        return;
    }
    if (out->err)
        return;
    size_t k = ldrsnap_json_string(NULL, 0, s);
    char *tmp = malloc(k + 1);
    if (!tmp) {
        out->err = ENOMEM;
        return;
    }
    ldrsnap_json_string(tmp, k + 1, s);
    ob_write(out, tmp, k);
    free(tmp);
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
