/*
 * json.c - JSON string output that stays valid JSON whatever the bytes:
 * control characters are escaped, and bytes that are not valid UTF-8
 * (a file name, say) become U+FFFD.
 */
#include <string.h>

#include "cli.h"

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

void json_str(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    putc('"', out);
    while (*p) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc((int)c, out);
            p++;
        } else if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default: fprintf(out, "\\u%04x", c); break;
            }
            p++;
        } else if (c < 0x80) {
            putc((int)c, out);
            p++;
        } else {
            size_t k = utf8_len(p);
            if (k) {
                fwrite(p, 1, k, out);
                p += k;
            } else {
                fputs("\\ufffd", out);
                p++;
            }
        }
    }
    putc('"', out);
}

void json_key_str(FILE *out, const char *key, const char *s, bool comma)
{
    fprintf(out, "%s\"%s\":", comma ? "," : "", key);
    json_str(out, s);
}

void json_key_u64(FILE *out, const char *key, unsigned long long v,
                  bool comma)
{
    fprintf(out, "%s\"%s\":%llu", comma ? "," : "", key, v);
}

void json_key_hex(FILE *out, const char *key, bool has, unsigned v,
                  bool comma)
{
    if (has)
        fprintf(out, "%s\"%s\":\"0x%08x\"", comma ? "," : "", key, v);
    else
        fprintf(out, "%s\"%s\":null", comma ? "," : "", key);
}

void json_key_strs(FILE *out, const char *key, const char *const *v,
                   size_t n)
{
    fprintf(out, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putc(',', out);
        json_str(out, v[i]);
    }
    putc(']', out);
}

void json_chain(FILE *out, const char *const *chain, size_t n)
{
    json_key_strs(out, "chain", chain, n);
}
