/*
 * test_json.c - the library's JSON Lines writer (ldrsnap_event_to_json()
 * and its siblings): a program that links the library writes the CLI's
 * records byte for byte, with snprintf()'s contract, valid JSON whatever
 * the bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"

typedef struct lines {
    char *buf;
    size_t len;
    FILE *out;
    const char *source;
} lines;

/* As the CLI does by default: noise and handled failures left out. */
static int write_event(const ldrsnap_event *ev, void *ud)
{
    lines *l = ud;
    if (ev->type == LDRSNAP_EV_FAILURE &&
        (ev->failure->role == LDRSNAP_ROLE_NOISE ||
         ev->failure->role == LDRSNAP_ROLE_HANDLED))
        return 0;
    size_t n = ldrsnap_event_to_json(NULL, 0, l->source, ev);
    char *b = malloc(n + 1);
    cr_assert_not_null(b);
    cr_assert_eq(ldrsnap_event_to_json(b, n + 1, l->source, ev), n);
    cr_assert_eq(strlen(b), n);
    fputs(b, l->out);
    free(b);
    return 0;
}

Test(json, library_records_are_the_clis)
{
    char path[512], golden[512];
    snprintf(path, sizeof path, "%s/samples/win10-missing-vcruntime.log",
             SRCDIR);
    snprintf(golden, sizeof golden, "%s/tests/cli/expected/json-vcruntime.out",
             SRCDIR);
    lines l = {NULL, 0, NULL, "samples/win10-missing-vcruntime.log"};
    l.out = open_memstream(&l.buf, &l.len);
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags |= LDRSNAP_OPT_QUIET_NOISE;
    ldrsnap_analyzer *a = NULL;
    ldrsnap_rules *rules = NULL;
    cr_assert_eq(ldrsnap_rules_new(&rules, NULL, 0), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_new(&a, &o, write_event, &l), LDRSNAP_OK);
    cr_assert_eq(ldrsnap_analyzer_set_rules(a, rules), LDRSNAP_OK);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        cr_assert_eq(ldrsnap_analyzer_feed(a, chunk, got), LDRSNAP_OK);
    fclose(f);
    cr_assert_eq(ldrsnap_analyzer_finish(a), LDRSNAP_OK);
    char sum[4096];
    size_t n = ldrsnap_summary_to_json(sum, sizeof sum, l.source,
                                       ldrsnap_analyzer_summary(a));
    cr_assert_lt(n, sizeof sum);
    fputs(sum, l.out);
    fclose(l.out);
    ldrsnap_analyzer_free(a);
    ldrsnap_rules_free(rules);
    /* the golden file: the CLI's stdout, then "--- stderr" */
    FILE *g = fopen(golden, "rb");
    cr_assert_not_null(g);
    char *want = calloc(1, 1 << 16);
    size_t wn = fread(want, 1, (1 << 16) - 1, g);
    fclose(g);
    char *cut = strstr(want, "--- stderr\n");
    cr_assert_not_null(cut);
    *cut = '\0';
    cr_assert_gt(wn, 0);
    cr_assert_str_eq(l.buf, want);
    free(want);
    free(l.buf);
}

Test(json, snprintf_contract_and_escapes)
{
    ldrsnap_failure f;
    memset(&f, 0, sizeof f);
    f.line = 7;
    f.flags = LDRSNAP_FF_PID | LDRSNAP_FF_STATUS;
    f.pid = 0x1a2c;
    f.status = 0xc0000135;
    f.dll = "ev\x1b[2Jil\"\\.dll";
    f.text = "bad \xff byte\n";
    const char *chain[] = {"a.exe", "b.dll"};
    f.chain = chain;
    f.chain_len = 2;
    ldrsnap_event ev = {LDRSNAP_EV_FAILURE, &f, NULL, NULL};
    size_t n = ldrsnap_event_to_json(NULL, 0, "x\ny.log", &ev);
    char *full = malloc(n + 1);
    cr_assert_eq(ldrsnap_event_to_json(full, n + 1, "x\ny.log", &ev), n);
    cr_assert(strstr(full, "\"source\":\"x\\ny.log\""));
    cr_assert(strstr(full, "\"dll\":\"ev\\u001b[2Jil\\\"\\\\.dll\""));
    cr_assert(strstr(full, "\"text\":\"bad \\ufffd byte\\n\""));
    cr_assert(strstr(full, "\"status\":\"0xc0000135\""));
    cr_assert(strstr(full, "\"tid\":null"));
    cr_assert(strstr(full, "\"chain\":[\"a.exe\",\"b.dll\"]"));
    cr_assert_eq(full[n - 1], '\n');
    /* every smaller buffer: the same length back, a NUL-ended prefix */
    for (size_t cap = 1; cap <= n; cap++) {
        char *b = malloc(cap);
        cr_assert_eq(ldrsnap_event_to_json(b, cap, "x\ny.log", &ev), n);
        cr_assert_eq(strlen(b), cap - 1);
        cr_assert_eq(memcmp(b, full, cap - 1), 0);
        free(b);
    }
    char e[256];
    cr_assert_eq(ldrsnap_json_string(e, sizeof e, NULL), 4);
    cr_assert_str_eq(e, "null");
    cr_assert_eq(ldrsnap_json_string(e, 3, "a\"b"), 6);
    cr_assert_str_eq(e, "\"a");
    n = ldrsnap_error_to_json(e, sizeof e, "in.log", "in.log: gone");
    cr_assert_str_eq(e, "{\"type\":\"error\",\"source\":\"in.log\","
                        "\"message\":\"in.log: gone\"}\n");
    cr_assert_eq(n, strlen(e));
    free(full);
}

/* The plain way to write a JSON string, byte by byte: the oracle of the
 * writer's runs (16-byte blocks, a table for the rest, short copies). */
static size_t ref_str(char *o, const unsigned char *s, size_t n)
{
    size_t k = 0;
    o[k++] = '"';
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t u = 0;
        unsigned cp = 0;
        if (c >= 0xC2 && c <= 0xDF)
            u = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            u = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            u = 4, cp = c & 0x07;
        for (size_t j = 1; j < u; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) {
                u = 0;
                break;
            }
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((u == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (u == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            u = 0;
        if (c == '"' || c == '\\') {
            o[k++] = '\\';
            o[k++] = (char)c;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            o[k++] = '\\';
            o[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20 || c == 0x7F) {
            k += (size_t)sprintf(o + k, "\\u%04x", c);
        } else if (c < 0x80) {
            o[k++] = (char)c;
        } else if (u) {
            memcpy(o + k, s + i, u);
            k += u;
            i += u;
            continue;
        } else {
            memcpy(o + k, "\\ufffd", 6);
            k += 6;
        }
        i++;
    }
    o[k++] = '"';
    return k;
}

void ldrsnap__json_fast(bool on); /* lib/json/json.c */
static void strings_round(int fast);

/* Strings of every length to 80 from a mix of plain runs, escapes, valid
 * and broken UTF-8: the message of an error record is written as the
 * plain way writes it, in a buffer of any size, with the writer's fast
 * way and without. */
Test(json, strings_as_the_plain_way_writes_them)
{
    for (int fast = 0; fast < 2; fast++) {
        ldrsnap__json_fast(fast);
        strings_round(fast);
    }
    ldrsnap__json_fast(true);
}

static void strings_round(int fast)
{
    static const char *const bits[] = {
        "a", "plain text ", "C:\\Windows\\x.dll", "\"", "\x01", "\x7f",
        "\n", "\t", "\xc3\xa9", "\xe7\x8e\x8b", "\xf0\x9f\x98\x80", "\xff",
        "\xc3", "\xe2\x84", "\xed\xa0\x80", "0123456789abcdef0123456789"};
    unsigned seed = 99;
    char msg[256], want[2048], got[2048];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        seed = seed * 1103515245u + 12345u;
        size_t parts = (seed >> 8) % 8;
        for (size_t i = 0; i < parts; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *b = bits[(seed >> 16) % (sizeof bits / sizeof bits[0])];
            size_t k = strlen(b);
            if (n + k < 81) {
                memcpy(msg + n, b, k);
                n += k;
            }
        }
        msg[n] = '\0';
        /* the string alone, as a program's own JSON takes it */
        size_t sn = ref_str(want, (const unsigned char *)msg, n);
        want[sn] = '\0';
        cr_assert_eq(ldrsnap_json_string(got, sizeof got, msg), sn);
        cr_assert_str_eq(got, want, "fast %d", fast);
        size_t w = (size_t)sprintf(want, "{\"type\":\"error\",\"source\":\"s\","
                                         "\"message\":");
        w += ref_str(want + w, (const unsigned char *)msg, n);
        w += (size_t)sprintf(want + w, "}\n");
        size_t cap = round % 3 ? sizeof got : (seed >> 4) % (w + 2);
        size_t len = ldrsnap_error_to_json(got, cap, "s", msg);
        cr_assert_eq(len, w, "fast %d: '%s'", fast, msg);
        if (cap)
            cr_assert_eq(memcmp(got, want, (cap - 1 < w ? cap - 1 : w)), 0,
                         "fast %d: '%s' in %zu", fast, msg, cap);
    }
}

/* ---- whole records: the fast way against the general way --------------- */

static const char *const rec_bits[] = {
    "a", "plain text ", "C:\\Windows\\System32\\x.dll", "\"", "\x01", "\x7f",
    "\n", "\t", "\xc3\xa9", "\xe7\x8e\x8b", "\xff", "\xc3",
    "0123456789abcdef0123456789"};

/* A string of a few bits, or NULL now and then. */
static const char *rec_str(unsigned *seed, char *room, size_t cap)
{
    *seed = *seed * 1103515245u + 12345u;
    if ((*seed >> 8) % 7 == 0)
        return NULL;
    size_t parts = (*seed >> 12) % 6, n = 0;
    for (size_t i = 0; i < parts; i++) {
        *seed = *seed * 1103515245u + 12345u;
        const char *b =
            rec_bits[(*seed >> 16) % (sizeof rec_bits / sizeof rec_bits[0])];
        size_t k = strlen(b);
        if (n + k < cap) {
            memcpy(room + n, b, k);
            n += k;
        }
    }
    room[n] = '\0';
    return room;
}

/* The record both ways, in room of size cap: the same length, and the
 * same bytes as far as they fit. */
static void both_ways(const ldrsnap_event *ev, const ldrsnap_summary *sum,
                      size_t cap, int round)
{
    static char b[1 << 16];
    /* the fast way's room ends at a page no one may touch: a write past
     * cap faults (its strings' writer is out of AddressSanitizer's view) */
    static char *guard;
    if (!guard) {
        long pg = sysconf(_SC_PAGESIZE);
        size_t room = ((size_t)1 << 16) + (size_t)pg;
        char *m = mmap(NULL, room + (size_t)pg, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        cr_assert_neq(m, MAP_FAILED);
        cr_assert_eq(mprotect(m + room, (size_t)pg, PROT_NONE), 0);
        guard = m + room;
    }
    cr_assert_leq(cap, (size_t)1 << 16);
    char *a = guard - cap;
    ldrsnap__json_fast(true);
    size_t na = sum ? ldrsnap_summary_to_json(a, cap, "src\\x.log", sum)
                    : ldrsnap_event_to_json(a, cap, "src\\x.log", ev);
    ldrsnap__json_fast(false);
    size_t nb = sum ? ldrsnap_summary_to_json(b, cap, "src\\x.log", sum)
                    : ldrsnap_event_to_json(b, cap, "src\\x.log", ev);
    ldrsnap__json_fast(true);
    cr_assert_eq(na, nb, "round %d cap %zu", round, cap);
    if (cap)
        cr_assert_str_eq(a, b, "round %d cap %zu", round, cap);
}

/* Failures, exceptions, signatures and summaries of random strings (NULL
 * too), flags and numbers, written by the fast way (each record whole
 * where its worst case fits) and by the general way into room of every
 * kind of size: the same records.  Every kind, role and confidence and a
 * few values past them: the fast way copies the names of its own tables,
 * the general way writes ldrsnap_kind_name() and its siblings. */
Test(json, records_as_the_general_way_writes_them)
{
    unsigned seed = 7;
    char s[16][128];
    const char *chain[20];
    uint64_t lnum[4];
    ldrsnap_verdict v[3];
    for (int round = 0; round < 6000; round++) {
        for (size_t i = 0; i < 16; i++)
            (void)rec_str(&seed, s[i], sizeof s[i]);
        seed = seed * 1103515245u + 12345u;
        size_t nchain = (seed >> 8) % 20;
        for (size_t i = 0; i < nchain; i++)
            chain[i] = i % 3 ? s[i % 16] : s[(i + 5) % 16];
        unsigned flags = (seed >> 4) & (LDRSNAP_FF_PID | LDRSNAP_FF_TID |
                                        LDRSNAP_FF_STATUS |
                                        LDRSNAP_FF_SECOND_CHANCE);
        uint64_t num = (uint64_t)seed * (round % 5 ? 1 : 0x9e3779b97f4a7c15ull);
        ldrsnap_failure f = {num, seed, seed >> 3, flags,
                             (ldrsnap_kind)(round % 11), (ldrsnap_role)(round % 6),
                             (ldrsnap_confidence)(round % 5), seed ^ 0xc0000000u,
                             round % 2 ? s[0] : NULL, round % 3 ? s[1] : NULL,
                             s[2], round % 4 ? s[3] : NULL, s[4], chain, nchain,
                             round % 6 ? s[5] : NULL, s[6]};
        ldrsnap_exception e = {num, seed, seed >> 2, flags, seed,
                               round % 2 ? s[7] : NULL, s[8],
                               round % 3 ? s[9] : NULL, s[10]};
        size_t nl = (seed >> 20) % 4;
        for (size_t i = 0; i < nl; i++)
            lnum[i] = num + i * 977;
        ldrsnap_signature g;
        memset(&g, 0, sizeof g);
        g.id = s[11], g.title = round % 2 ? s[12] : NULL, g.severity = "high";
        g.explanation = s[13], g.advice = round % 3 ? s[14] : NULL;
        g.references = chain, g.n_references = nchain % 4;
        g.lines = lnum, g.n_lines = nl, g.line = num;
        g.pid = seed, g.tid = seed >> 5, g.flags = flags;
        size_t nv = round % 4;
        for (size_t i = 0; i < nv; i++) {
            memset(&v[i], 0, sizeof v[i]);
            v[i].pid = seed + (uint32_t)i, v[i].tid = seed >> 9;
            v[i].flags = flags >> i;
            v[i].kind = (ldrsnap_kind)((round + i) % 11);
            v[i].confidence = (ldrsnap_confidence)((round + i) % 5);
            v[i].status = seed, v[i].status_name = s[i];
            v[i].dll = s[i + 1], v[i].parent = i ? s[i + 2] : NULL;
            v[i].symbol = s[15], v[i].image = i % 2 ? s[14] : NULL;
            v[i].chain = chain, v[i].chain_len = nchain;
            v[i].line = num + i;
        }
        ldrsnap_summary sum;
        memset(&sum, 0, sizeof sum);
        sum.lines = num, sum.bytes = seed, sum.dialect = "mixed";
        sum.encoding = round % 2 ? "utf-8" : NULL;
        sum.n_verdicts = nv, sum.verdicts = v;
        sum.verdicts_dropped = round % 7 == 0;
        sum.truncated = round % 11 == 0;
        ldrsnap_event evs[3] = {{LDRSNAP_EV_FAILURE, &f, NULL, NULL},
                                {LDRSNAP_EV_EXCEPTION, NULL, &e, NULL},
                                {LDRSNAP_EV_SIGNATURE, NULL, NULL, &g}};
        size_t caps[] = {sizeof s, (seed >> 3) % 4096, 1 << 16, 0, 700};
        for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
            for (size_t k = 0; k < 3; k++)
                both_ways(&evs[k], NULL, caps[c], round);
            both_ways(NULL, &sum, caps[c], round);
        }
    }
}

/* Strings whose NUL is the last byte of a page with no page after it
 * (PROT_NONE): the fast way reads a string 16 bytes at a time without
 * measuring it first, and must not load past its page.  Strings of 0 to
 * 47 bytes, plain or ending in an escape, a character of two bytes or a
 * broken one, as every string of a failure and of a summary's root
 * cause: the same records as the general way's, and no fault. */
Test(json, strings_that_end_at_a_page_end)
{
    long pg = sysconf(_SC_PAGESIZE);
    cr_assert_gt(pg, 0);
    char *m = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(m, MAP_FAILED);
    cr_assert_eq(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
    static const char *const ends[] = {"", "x", "\\", "\"", "\n", "\x01",
                                       "\xc3\xa9", "\xc3", "\xe7\x8e\x8b"};
    for (size_t len = 0; len < 48; len++) {
        for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++) {
            size_t el = strlen(ends[e]);
            if (el > len)
                continue;
            char *str = m + pg - 1 - len; /* its NUL: the page's last byte */
            for (size_t i = 0; i < len - el; i++)
                str[i] = (char)('a' + (i * 7 + len) % 26);
            memcpy(str + len - el, ends[e], el);
            str[len] = '\0';
            const char *chain[2] = {str, str};
            ldrsnap_failure f = {len + 1, 4, 8, LDRSNAP_FF_PID |
                                 LDRSNAP_FF_STATUS,
                                 LDRSNAP_K_DLL_NOT_FOUND,
                                 LDRSNAP_ROLE_ROOT_CAUSE, LDRSNAP_CONF_HIGH,
                                 0xc0000135u, str, str, NULL, str, str,
                                 chain, 2, str, str};
            ldrsnap_event ev = {LDRSNAP_EV_FAILURE, &f, NULL, NULL};
            ldrsnap_verdict v;
            memset(&v, 0, sizeof v);
            v.dll = v.parent = v.symbol = v.image = v.status_name = str;
            v.chain = chain, v.chain_len = 2, v.line = len;
            ldrsnap_summary sum;
            memset(&sum, 0, sizeof sum);
            sum.dialect = str, sum.n_verdicts = 1, sum.verdicts = &v;
            size_t caps[] = {1 << 16, 1200, 900};
            for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
                both_ways(&ev, NULL, caps[c], (int)len);
                both_ways(NULL, &sum, caps[c], (int)len);
            }
        }
    }
    munmap(m, 2 * (size_t)pg);
}

/* Strings followed in memory by bytes that are not theirs ('Z' after
 * each NUL): the fast way reads 16 bytes at a time past a string's end,
 * and none of those bytes may reach the caller's buffer, neither in the
 * record nor after its NUL (the room is filled with 0xA5 first, and the
 * record fits it: the bytes after its NUL stay as they were).  Strings
 * of 0 to 47 bytes ending plain, in an escape or in a character of two
 * or three bytes; every string of a failure and of a summary. */
Test(json, nothing_read_past_a_string_reaches_the_room)
{
    static char pool[4096], room[1 << 16];
    static const char *const ends[] = {"", "x", "\\", "\"", "\n", "\x01",
                                       "\xc3\xa9", "\xe7\x8e\x8b"};
    for (size_t len = 0; len < 48; len++) {
        for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++) {
            size_t el = strlen(ends[e]);
            if (el > len)
                continue;
            for (size_t at = 0; at < 16; at++) { /* every alignment */
                memset(pool, 'Z', sizeof pool);
                char *str = pool + 64 + at;
                for (size_t i = 0; i < len - el; i++)
                    str[i] = (char)('a' + (i * 7 + len) % 26);
                memcpy(str + len - el, ends[e], el);
                str[len] = '\0';
                const char *chain[2] = {str, str};
                ldrsnap_failure f = {len + 1, 4, 8,
                                     LDRSNAP_FF_PID | LDRSNAP_FF_STATUS,
                                     LDRSNAP_K_DLL_NOT_FOUND,
                                     LDRSNAP_ROLE_ROOT_CAUSE,
                                     LDRSNAP_CONF_HIGH, 0xc0000135u, str,
                                     str, NULL, str, str, chain, 2, str, str};
                ldrsnap_event ev = {LDRSNAP_EV_FAILURE, &f, NULL, NULL};
                ldrsnap_verdict v;
                memset(&v, 0, sizeof v);
                v.dll = v.parent = v.symbol = v.image = v.status_name = str;
                v.chain = chain, v.chain_len = 2, v.line = len;
                ldrsnap_summary sum;
                memset(&sum, 0, sizeof sum);
                sum.dialect = str, sum.n_verdicts = 1, sum.verdicts = &v;
                for (int w = 0; w < 2; w++) {
                    memset(room, 0xA5, sizeof room);
                    size_t n = w ? ldrsnap_summary_to_json(room, sizeof room,
                                                           "x.log", &sum)
                                 : ldrsnap_event_to_json(room, sizeof room,
                                                         "x.log", &ev);
                    cr_assert_lt(n, sizeof room);
                    cr_assert_null(memchr(room, 'Z', n), "len %zu end %zu",
                                   len, e);
                    for (size_t i = n + 1; i < n + 64; i++)
                        cr_assert_eq((unsigned char)room[i], 0xA5,
                                     "len %zu end %zu at %zu: byte %zu past "
                                     "the NUL written", len, e, at, i - n);
                }
            }
        }
    }
}

/* Long strings (a path of a few thousand bytes, plain or with a byte to
 * escape now and then) into room of every size around them: the fast way
 * checks its room once a 16-byte block and must stop before cap (the
 * output buffer ends at a page no one may touch, both_ways()). */
Test(json, long_strings_into_room_of_every_size)
{
    static char str[3][3001];
    for (size_t i = 0; i < 3000; i++) {
        str[0][i] = (char)('a' + i % 26);
        str[1][i] = i % 97 == 96 ? '\\' : (char)('A' + i % 26);
        str[2][i] = i % 331 == 330 ? '\x01' : (char)('0' + i % 10);
    }
    for (size_t k = 0; k < 3; k++) {
        for (size_t len = 600; len <= 3000; len += 601) {
            char keep = str[k][len];
            str[k][len] = '\0';
            const char *chain[1] = {str[k]};
            ldrsnap_failure f = {7, 4, 8, LDRSNAP_FF_PID,
                                 LDRSNAP_K_DLL_NOT_FOUND,
                                 LDRSNAP_ROLE_ROOT_CAUSE, LDRSNAP_CONF_HIGH,
                                 0, str[k], "a.dll", str[k], NULL, NULL,
                                 chain, 1, NULL, str[k]};
            ldrsnap_event ev = {LDRSNAP_EV_FAILURE, &f, NULL, NULL};
            for (size_t cap = 0; cap < 4 * len + 1600; cap += 37) {
                both_ways(&ev, NULL, cap, (int)len);
            }
            str[k][len] = keep;
        }
    }
}
