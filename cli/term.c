/*
 * term.c - text for a terminal: bytes from a log or a file name are shown
 * escaped (a crafted log must not retitle or clear the terminal, and a
 * newline in a file name must not forge a line of the report), and prose
 * is wrapped at the terminal's width on a terminal only, never inside a
 * path or a quoted command.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

int term_width(int fd)
{
    if (!isatty(fd))
        return 0;
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    long n = c ? strtol(c, NULL, 10) : 0;
    return n >= 20 && n <= 1000 ? (int)n : 80;
}

size_t cli_utf8_len(const unsigned char *s, bool c1)
{
    unsigned c = s[0], cp;
    size_t k;
    if (c < 0x80)
        return 1;
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
    if (!c1 && k == 2 && cp <= 0x9F)
        return 0; /* a C1 control (CSI is U+009B) */
    return k;
}

/* How one character of s is shown: its bytes, or an escape written to
 * esc.  Returns the bytes of s it takes. */
static size_t shown(const char *s, char esc[8], const char **out,
                    size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = cli_utf8_len(p, false); /* C1 controls escaped */
    if (k == 1 && p[0] >= 0x20 && p[0] != 0x7F) {
        *out = s, *outlen = 1;
        return 1;
    }
    if (k > 1) {
        *out = s, *outlen = k;
        return k;
    }
    const char *named = p[0] == '\n' ? "\\n" : p[0] == '\r' ? "\\r"
                      : p[0] == '\t' ? "\\t" : p[0] == 0x1B ? "\\e" : NULL;
    if (named)
        strcpy(esc, named);
    else if (k == 0 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
        snprintf(esc, 8, "\\u%04x", p[1]);
        *out = esc, *outlen = strlen(esc);
        return 2;
    } else
        snprintf(esc, 8, "\\x%02x", p[0]);
    *out = esc, *outlen = strlen(esc);
    return 1;
}

/* The plain ASCII run at s: shown() shows each of its bytes as it is, a
 * column each, so a run is written in one copy (the text report is
 * nearly all such runs; shown() per character was a third of its
 * work).  Off (term_fast(false)), every character goes through shown():
 * the oracle tests/unit/test_term.c compares. */
static bool fast = true;

void term_fast(bool on)
{
    fast = on;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* How many bytes of s[0..n), from the first, are 0x20..0x7E: 8 bytes at a
 * time while none of them is a control byte, DEL or past ASCII (the test
 * is exact for "none"), then byte by byte. */
static size_t plain_run(const char *s, size_t n)
{
    size_t i = 0;
    if (!fast)
        return 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t ctl = (x - ONES * 0x20) & ~x; /* < 0x20 (or >= 0x80) */
        uint64_t hi = x | (x + ONES);          /* >= 0x7F */
        if ((ctl | hi) & HIGHS)
            break;
    }
    while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F)
        i++;
    return i;
}

size_t term_cols(const char *s, size_t n)
{
    size_t cols = 0;
    char esc[8];
    for (size_t i = 0; i < n;) {
        size_t run = plain_run(s + i, n - i);
        if (run) {
            cols += run;
            i += run;
            continue;
        }
        const char *o;
        size_t ol, k = shown(s + i, esc, &o, &ol);
        cols += o == esc ? ol : 1;
        i += k;
    }
    return cols;
}

size_t term_putn(obuf *out, const char *s, size_t n, size_t max_cols,
                 bool *cut)
{
    size_t cols = 0;
    char esc[8];
    if (cut)
        *cut = false;
    for (size_t i = 0; i < n;) {
        size_t run = plain_run(s + i, n - i);
        if (run) { /* cols <= max_cols: as much of it as fits */
            if (max_cols && cols + run > max_cols) {
                ob_write(out, s + i, max_cols - cols);
                if (cut)
                    *cut = true;
                return max_cols;
            }
            ob_write(out, s + i, run);
            cols += run;
            i += run;
            continue;
        }
        const char *o;
        size_t ol, k = shown(s + i, esc, &o, &ol);
        size_t w = o == esc ? ol : 1;
        if (max_cols && cols + w > max_cols) {
            if (cut)
                *cut = true;
            break;
        }
        ob_write(out, o, ol);
        cols += w;
        i += k;
    }
    return cols;
}

void term_put(obuf *out, const char *s)
{
    if (s)
        term_putn(out, s, strlen(s), 0, NULL);
}

/* ---- wrapping ---------------------------------------------------------- */

static bool pathish(const char *w, size_t n)
{
    return memchr(w, '\\', n) || memchr(w, '/', n);
}

/* The next unit that must stay on one line: a word, a path with spaces
 * in it ("C:\Program Files\Contoso\x.dll": words with a separator each),
 * or a quoted stretch ('Path ends with x.dll'). */
static size_t atom(const char *p, size_t *len_out)
{
    size_t n = strcspn(p, " ");
    char q = *p == '\'' || *p == '"' || *p == '`' ? *p : 0;
    if (*p == '(') { /* a short aside, "(bu x!DllMain)", stays whole */
        const char *close = strchr(p, ')');
        if (close && close - p < 40 &&
            !memchr(p + 1, '(', (size_t)(close - p - 1)))
            q = ')';
    }
    bool open = q && !memchr(p + 1, q, n - 1);
    bool path = pathish(p, n);
    for (;;) {
        const char *next = p + n;
        if (*next != ' ' || next[1] == ' ' || !next[1])
            break;
        size_t m = strcspn(next + 1, " ");
        if (open) {
            n += 1 + m;
            open = !memchr(next + 1, q, m);
        } else if (path && pathish(next + 1, m) && next[1] != '(') {
            n += 1 + m;
        } else {
            break;
        }
    }
    *len_out = n;
    return n;
}

/* n spaces */
static void spaces(obuf *out, size_t n)
{
    static const char sp[] = "                                ";
    for (; n > sizeof sp - 1; n -= sizeof sp - 1)
        ob_write(out, sp, sizeof sp - 1);
    if (n)
        ob_write(out, sp, n);
}

void term_para(obuf *out, int width, size_t indent, const char *lead,
               const char *text, size_t cont)
{
    spaces(out, indent);
    term_put(out, lead);
    size_t col = indent + term_cols(lead, strlen(lead));
    bool line_start = true;
    for (const char *p = text; *p;) {
        while (*p == ' ')
            p++;
        size_t n;
        if (!*p || !atom(p, &n))
            break;
        size_t w = term_cols(p, n);
        if (width > 0 && !line_start && col + 1 + w > (size_t)width) {
            ob_putc(out, '\n');
            spaces(out, cont);
            col = cont;
            line_start = true;
        }
        if (!line_start) {
            ob_putc(out, ' ');
            col++;
        }
        term_putn(out, p, n, 0, NULL);
        col += w;
        p += n;
        line_start = false;
    }
    ob_putc(out, '\n');
}

const char *cli_basename(const char *path)
{
    const char *a = strrchr(path, '\\'), *b = strrchr(path, '/');
    const char *sep = a > b ? a : b;
    return sep ? sep + 1 : path;
}

size_t cli_stem_len(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name ? (size_t)(dot - name) : strlen(name);
}
