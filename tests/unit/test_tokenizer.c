/*
 * test_tokenizer.c - text layer and parser: encodings, line ends, chunk
 * invariance, capped lines, console wraps and glued records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "helpers.h"

static const char VISTA[] =
    "06ac:066c @ 00092281 - LdrpProcessWork - ERROR: Unable to load DLL: "
    "\"ksuser.dll\", Parent Module: \"C:\\Windows\\SYSTEM32\\MFCORE.DLL\", "
    "Status: 0xc0000135";

/* Encode ASCII as UTF-16 (le or be), with or without a BOM. */
static char *utf16(const char *s, bool le, bool bom, size_t *len)
{
    size_t n = strlen(s);
    char *out = malloc(2 * n + 2);
    size_t o = 0;
    if (bom) {
        out[o++] = le ? (char)0xFF : (char)0xFE;
        out[o++] = le ? (char)0xFE : (char)0xFF;
    }
    for (size_t i = 0; i < n; i++) {
        out[o++] = le ? s[i] : 0;
        out[o++] = le ? 0 : s[i];
    }
    *len = o;
    return out;
}

static void one_record(const char *buf, size_t len, rec_list *l)
{
    tokenize(buf, len, 0, 0, NULL, l);
    cr_assert_eq(l->n, 1, "expected one record, got %zu", l->n);
}

Test(text, utf16_all_byte_orders_give_the_utf8_record)
{
    rec_list ref = {0};
    one_record(VISTA, strlen(VISTA), &ref);
    for (int le = 0; le < 2; le++) {
        for (int bom = 0; bom < 2; bom++) {
            size_t len;
            char *u = utf16(VISTA, le, bom, &len);
            for (size_t chunk = 0; chunk < 4; chunk++) {
                rec_list l = {0};
                tokenize(u, len, chunk == 3 ? SIZE_MAX : chunk, 7, NULL, &l);
                cr_assert_eq(l.n, 1);
                cr_assert_str_eq(l.lines[0], ref.lines[0],
                                 "le=%d bom=%d chunk=%zu", le, bom, chunk);
                rec_list_free(&l);
            }
            free(u);
        }
    }
    rec_list_free(&ref);
}

Test(text, encoding_is_reported)
{
    ldrsnap_parser *p;
    rec_list l = {0};
    size_t len;
    char *u = utf16("LDR: UNINIT LIST\r\n", true, true, &len);
    cr_assert_eq(ldrsnap_parser_new(&p, NULL, collect_record, &l), 0);
    cr_assert_str_eq(ldrsnap_parser_encoding(p), "unknown");
    ldrsnap_parser_feed(p, u, len);
    ldrsnap_parser_finish(p);
    cr_assert_str_eq(ldrsnap_parser_encoding(p), "utf-16le");
    cr_assert_eq(ldrsnap_parser_lines(p), 1);
    cr_assert_eq(ldrsnap_parser_bytes(p), len);
    ldrsnap_parser_free(p);
    rec_list_free(&l);
    free(u);
}

Test(text, line_ends_lf_crlf_and_lone_cr_count_lines)
{
    const char *in = "LDR: a\nLDR: b\r\nLDR: c\rLDR: d";
    for (size_t chunk = 0; chunk < 3; chunk++) {
        rec_list l = {0};
        tokenize(in, strlen(in), chunk, 0, NULL, &l);
        cr_assert_eq(l.n, 4);
        for (size_t i = 0; i < 4; i++) {
            char want[8];
            snprintf(want, sizeof want, "%zu|xp", i + 1);
            cr_assert(strncmp(l.lines[i], want, strlen(want)) == 0, "%s",
                      l.lines[i]);
        }
        rec_list_free(&l);
    }
}

/* Lines of every length up to 200, ending in LF, CRLF or a lone CR,
 * some with a NUL or a byte past ASCII: each record has its line number
 * and its text, whatever 64-byte block a line end falls in (the ASCII
 * pass of a chunk marks its '\n' bytes) and however the input is cut. */
typedef struct line_seen {
    uint64_t line[400];
    size_t len[400];
    size_t n;
} line_seen;

static int see_line(const ldrsnap_record *r, void *ud)
{
    line_seen *ls = ud;
    if (ls->n < 400) {
        ls->line[ls->n] = r->line;
        ls->len[ls->n] = strlen(r->raw);
        ls->n++;
    }
    return 0;
}

Test(text, line_ends_in_every_block_position)
{
    static char buf[64 * 1024];
    size_t n = 0, want_len[400];
    size_t lines = 0;
    for (size_t k = 0; k < 400; k++) {
        /* no blank line (CR then LF is CRLF), none of 80 columns (a wrap
         * the next line would join) */
        size_t len = 1 + k % 200 == 80 ? 81 : 1 + k % 200;
        buf[n] = 'L';
        for (size_t i = 1; i < len; i++)
            buf[n + i] = (char)('a' + (k + i) % 26);
        if (k % 17 == 5 && len > 3)
            buf[n + len / 2] = (char)0xE9; /* CP1252, recoded: 2 bytes */
        n += len;
        want_len[lines++] = len + (k % 17 == 5 && len > 3);
        const char *end = k % 3 == 0 ? "\n" : k % 3 == 1 ? "\r\n" : "\r";
        memcpy(buf + n, end, strlen(end));
        n += strlen(end);
    }
    const size_t chunks[] = {0, 1, 63, 64, 65, 127, 4096};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        ldrsnap_parser *p;
        line_seen seen = {0};
        cr_assert_eq(ldrsnap_parser_new(&p, NULL, see_line, &seen), 0);
        size_t step = chunks[c] ? chunks[c] : n;
        for (size_t at = 0; at < n; at += step)
            cr_assert_eq(ldrsnap_parser_feed(p, buf + at,
                                             at + step < n ? step : n - at),
                         0);
        cr_assert_eq(ldrsnap_parser_finish(p), 0);
        ldrsnap_parser_free(p);
        cr_assert_eq(seen.n, lines, "chunk %zu: %zu records", chunks[c],
                     seen.n);
        for (size_t i = 0; i < lines; i++) {
            cr_assert_eq(seen.line[i], i + 1, "chunk %zu", chunks[c]);
            cr_assert_eq(seen.len[i], want_len[i], "chunk %zu line %zu",
                         chunks[c], i + 1);
        }
    }
}

Test(text, blank_lines_keep_numbering_and_no_final_newline_is_kept)
{
    const char *in = "\n\nLDR: UNINIT LIST";
    rec_list l = {0};
    tokenize(in, strlen(in), 1, 0, NULL, &l);
    cr_assert_eq(l.n, 3);
    cr_assert(strstr(l.lines[2], "3|xp|uninit_list") == l.lines[2]);
    rec_list_free(&l);
}

Test(text, cp1252_and_nul_become_valid_utf8)
{
    /* "geladen" with a CP1252 u-umlaut (0xFC) and a NUL byte. */
    const char in[] = "\"x.exe\" (Win32): \"C:\\M\xFC"
                      "ll\\a.dll\" geladen.\x00 tail\n";
    rec_list l = {0};
    ldrsnap_parser *p;
    ldrsnap_parser_new(&p, NULL, collect_record, &l);
    ldrsnap_parser_feed(p, in, sizeof in - 1);
    ldrsnap_parser_finish(p);
    cr_assert_str_eq(ldrsnap_parser_encoding(p), "cp1252");
    ldrsnap_parser_free(p);
    cr_assert_eq(l.n, 1);
    cr_assert(strstr(l.lines[0], "M\xC3\xBCll") != NULL, "%s", l.lines[0]);
    cr_assert(strstr(l.lines[0], "\xEF\xBF\xBD tail") != NULL);
    cr_assert(strstr(l.lines[0], "ide_loaded") != NULL);
    rec_list_free(&l);
}

Test(text, pathological_line_is_capped_not_buffered)
{
    /* 100 MB without a newline, then a record: the long line is cut at
     * max_line and the record after it keeps its line number. */
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.max_line = 4096;
    rec_list l = {0};
    ldrsnap_parser *p;
    cr_assert_eq(ldrsnap_parser_new(&p, &o, collect_record, &l), 0);
    char *chunk = malloc(1 << 20);
    memset(chunk, 'A', 1 << 20);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(ldrsnap_parser_feed(p, chunk, 1 << 20), 0);
    free(chunk);
    const char *tail = "\nLDR: UNINIT LIST\n";
    ldrsnap_parser_feed(p, tail, strlen(tail));
    ldrsnap_parser_finish(p);
    ldrsnap_parser_free(p);
    cr_assert_eq(l.n, 2);
    /* flags carry LDRSNAP_RF_CAPPED (0x200) */
    unsigned flags = 0;
    sscanf(strchr(strchr(strchr(strchr(l.lines[0], '|') + 1, '|') + 1, '|') +
                      1, '|') + 1, "%x", &flags);
    cr_assert(flags & LDRSNAP_RF_CAPPED);
    cr_assert(strlen(l.lines[0]) < 3 * 4096);
    cr_assert(strncmp(l.lines[1], "2|xp|", 5) == 0);
    rec_list_free(&l);
}

/* ---- chunking invariance over every sample and corpus file ------------ */

static const char *const sample_files[] = {
    "samples/win10-missing-vcruntime.log", "samples/win7-return-chain.log",
    "samples/win10-1507-bad-image.log",    "samples/win11-arm64-compact.log",
    "samples/xp-sxs-manifest.log",         "samples/xp-w3wp-static-import.log",
    "samples/windbg-missing-export.log",   "samples/two-processes.log",
    "samples/win10-success.log",           "samples/vs-output-utf16-crlf.log",
    "samples/vs-output-de-dllmain.log",    "samples/win10-dllmain-failed.log",
    "samples/win10-handled-optional.log",  "tests/data/xp-console-wrapped.log",
    "tests/data/win7-flattened.log",
};

#define NFILES (sizeof sample_files / sizeof sample_files[0])

/* Criterion re-executes the test binary: parameters are indices into the
 * static table, never pointers. */
ParameterizedTestParameters(tokenizer, chunking_invariance)
{
    static size_t idx[NFILES];
    for (size_t i = 0; i < NFILES; i++)
        idx[i] = i;
    return cr_make_param_array(size_t, idx, NFILES);
}

ParameterizedTest(size_t *ix, tokenizer, chunking_invariance)
{
    const char *const *file = &sample_files[*ix];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", SRCDIR, *file);
    size_t len;
    char *buf = read_file(path, &len);
    cr_assert_not_null(buf, "missing %s", path);
    /* a max_line smaller than the longest line exercises the cap too */
    ldrsnap_options small = LDRSNAP_OPTIONS_INIT;
    small.max_line = 256;
    const ldrsnap_options *opts[] = {NULL, &small};
    for (int o = 0; o < 2; o++) {
        rec_list whole = {0};
        tokenize(buf, len, 0, 0, opts[o], &whole);
        cr_assert_gt(whole.n, 0);
        const size_t chunks[] = {1, 2, 3, 7, 64, SIZE_MAX, SIZE_MAX};
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            rec_list l = {0};
            tokenize(buf, len, chunks[c], (unsigned)c, opts[o], &l);
            cr_assert_eq(l.n, whole.n, "%s chunk %zu", *file, chunks[c]);
            for (size_t i = 0; i < l.n; i++)
                cr_assert_str_eq(l.lines[i], whole.lines[i], "%s chunk %zu",
                                 *file, chunks[c]);
            rec_list_free(&l);
        }
        rec_list_free(&whole);
    }
    free(buf);
}

/* ---- repairs ------------------------------------------------------------- */

/* Tokenize tests/data/<name> whole. */
static void tokenize_data(const char *name, rec_list *out)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/%s", SRCDIR, name);
    size_t len;
    char *buf = read_file(path, &len);
    cr_assert_not_null(buf, "missing %s", path);
    tokenize(buf, len, 0, 0, NULL, out);
    free(buf);
}

Test(parser, console_wraps_are_rejoined_with_original_line_numbers)
{
    rec_list l = {0};
    tokenize_data("xp-console-wrapped.log", &l);
    /* the DLL_PROCESS_ATTACH record spans lines 3-4 */
    bool attach = false, glued = false, loading = false;
    for (size_t i = 0; i < l.n; i++) {
        if (strstr(l.lines[i], "|init_failed|")) {
            attach = true;
            cr_assert(strncmp(l.lines[i], "3|xp|", 5) == 0, "%s", l.lines[i]);
            cr_assert(strstr(l.lines[i], "(InitRoutine: 10001A2C) failed"));
        }
        if (strstr(l.lines[i], "|refcount|") &&
            strstr(l.lines[i], "MSVCR80.dll")) {
            glued = true;
            cr_assert(strncmp(l.lines[i], "6|xp|", 5) == 0, "%s", l.lines[i]);
        }
        if (strstr(l.lines[i], "|loading_dll|")) {
            loading = true;
            cr_assert(strstr(l.lines[i], "C:\\WINDOWS\\system32;C:\\WINDOWS"
                                         "\\system;"));
        }
    }
    cr_assert(attach && glued && loading);
    rec_list_free(&l);
}

/* A line past ASCII is 80 columns wide by its characters, not its bytes:
 * bytes past ASCII in every place of the 8-byte words counted, and lines
 * of 79 and 81 characters are no wrap. */
Test(parser, an_80_character_line_past_ascii_is_a_wrap)
{
    for (size_t wide = 0; wide < 40; wide++)
        for (size_t chars = 79; chars <= 81; chars++) {
            /* "LDR: " then chars - 5 characters, `wide` of them U+00E9
             * (two bytes) spread evenly, the rest 'x' */
            char in[400];
            size_t k = 5, m = chars - 5;
            memcpy(in, "LDR: ", 5);
            for (size_t c = 0; c < m; c++) {
                if ((c + 1) * wide / m > c * wide / m)
                    in[k++] = '\xC3', in[k++] = '\xA9';
                else
                    in[k++] = 'x';
            }
            cr_assert_eq(k, chars + wide);
            const char *rest = "\nthe rest\n";
            memcpy(in + k, rest, strlen(rest) + 1);
            rec_list l = {0};
            tokenize(in, strlen(in), 0, 0, NULL, &l);
            cr_assert_eq(l.n, chars == 80 ? 1u : 2u,
                         "%zu characters, %zu bytes: %zu records", chars, k,
                         l.n);
            rec_list_free(&l);
        }
}

Test(parser, glued_records_are_split)
{
    const char *in = "LDR: Unloading C:\\x.dll because either its init "
                     "routine or one of its static imports failed; status "
                     "= 0xc0000142LDR: Derefcount MSVCR71.dll (5)\n";
    rec_list l = {0};
    tokenize(in, strlen(in), 0, 0, NULL, &l);
    cr_assert_eq(l.n, 2);
    cr_assert(strstr(l.lines[0], "|unloading_failed|"));
    cr_assert(strstr(l.lines[0], "|c0000142|"));
    cr_assert(strstr(l.lines[1], "1|xp|refcount|"), "%s", l.lines[1]);
    rec_list_free(&l);
}

/* A line that starts as a plain ENTER or RETURN record is taken whole
 * only when no record can be glued to it: a head after the DLL name is
 * still split off, at any place a head can start. */
Test(parser, plain_records_with_a_glued_head_are_split)
{
    static const struct {
        const char *tail;  /* after "0100:4076 @ 10000016 - F - " */
        size_t records;
    } c[] = {
        {"ENTER: DLL name: C:\\x 0101:4076 @ 1 - F - RETURN: Status: "
         "0x00000000", 2},
        {"ENTER: DLL name: x 0101:4076 @ 1 - G - INFO: y", 2},
        {"ENTER: DLL name: 0101:4076 @ 1 - G - INFO: y", 2},
        {"ENTER: DLL name: C:\\a.dll", 1},
        {"ENTER: DLL name: a.dll0101:4076 @ 1 - F - ENTER: DLL name: b", 1},
        {"RETURN: Status: 0x00000000 0101:4076 @ 1 - F - ENTER: DLL name: b",
         2},
        {"RETURN: Status: 0x00000000", 1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char in[256];
        snprintf(in, sizeof in, "0100:4076 @ 10000016 - F - %s\n", c[i].tail);
        rec_list l = {0};
        tokenize(in, strlen(in), 0, 0, NULL, &l);
        cr_assert_eq(l.n, c[i].records, "%s: %zu records", in, l.n);
        rec_list_free(&l);
    }
}

Test(parser, flattened_trace_is_resegmented)
{
    rec_list l = {0};
    tokenize_data("win7-flattened.log", &l);
    cr_assert_eq(l.n, 6, "got %zu records", l.n);
    cr_assert(strstr(l.lines[0], "|init_process|"));
    cr_assert(strstr(l.lines[3], "|mapped_dll|"));
    cr_assert(strstr(l.lines[5], "|calling_init|"));
    rec_list_free(&l);
}

Test(parser, options_turn_repairs_off)
{
    const char *in = "LDR: Derefcount a.dll (1)LDR: Derefcount b.dll (0)\n";
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.flags = LDRSNAP_OPT_NO_GLUE_SPLIT;
    rec_list l = {0};
    tokenize(in, strlen(in), 0, 0, &o, &l);
    cr_assert_eq(l.n, 1);
    rec_list_free(&l);
}

static ldrsnap_record *cont;

static int keep_continuation(const ldrsnap_record *r, void *ud)
{
    (void)ud;
    if (r->dialect == LDRSNAP_D_CONTINUATION && !cont)
        ldrsnap_record_dup(&cont, r);
    return 0;
}

Test(parser, continuation_lines_attach_to_the_record_before_them)
{
    const char *in =
        "06d8:0700 @ 00370515 - LdrpInitializeProcess - INFO: Beginning "
        "execution of a.exe (C:\\a.exe)\n"
        "\tCurrent directory: C:\\Windows\n";
    ldrsnap_parser *p;
    ldrsnap_parser_new(&p, NULL, keep_continuation, NULL);
    ldrsnap_parser_feed(p, in, strlen(in));
    ldrsnap_parser_finish(p);
    ldrsnap_parser_free(p);
    cr_assert_not_null(cont);
    cr_assert_eq(cont->pid, 0x06d8);
    cr_assert_eq(cont->tid, 0x0700);
    cr_assert(cont->flags & LDRSNAP_RF_PID);
    cr_assert_str_eq(cont->function, "LdrpInitializeProcess");
    cr_assert_eq(cont->line, 2);
    ldrsnap_record_free(cont);
    cont = NULL;
}

static int every_function(const ldrsnap_record *r, void *ud)
{
    rec_list *l = ud;
    char *s = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&s, &n);
    fprintf(m, "%llu %s %s", (unsigned long long)r->line,
            ldrsnap_dialect_name(r->dialect),
            r->function ? r->function : "-");
    fclose(m);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->lines = realloc(l->lines, l->cap * sizeof *l->lines);
    }
    l->lines[l->n++] = s;
    return 0;
}

/* The parser keeps the owner's function without copying it: continuations
 * after blank lines, after other continuations, and a name longer than
 * the 63 bytes a continuation keeps, through any chunking and with the
 * tokenizer thread's batches. */
Test(parser, continuations_keep_their_owners_function_across_blank_lines)
{
    const char *in =
        "06d8:0700 @ 00370515 - LdrpInitializeProcess - INFO: Beginning "
        "execution of a.exe (C:\\a.exe)\n"
        "\n\n\tCurrent directory: C:\\Windows\n"
        "\n"
        "    Package directories: (null)\n"
        "\tthird\n"
        "06d8:0700 @ 00370516 - F123456789012345678901234567890123456789012345"
        "67890123456789_tail_beyond - INFO: x\n"
        "\n\tlong one\n"
        "ModLoad: 1 2 c:\\b.dll\n"
        "\tnot a continuation\n";
    const char *want[] = {
        "1 vista LdrpInitializeProcess", "2 blank -", "3 blank -",
        "4 continuation LdrpInitializeProcess", "5 blank -",
        "6 continuation LdrpInitializeProcess",
        "7 continuation LdrpInitializeProcess",
        "8 vista F12345678901234567890123456789012345678901234567890123456789"
        "_tail_beyond",
        "9 blank -",
        "10 continuation F1234567890123456789012345678901234567890123456789"
        "0123456789_ta",
        "11 debugger -", "12 other -"};
    size_t nwant = sizeof want / sizeof want[0];
    for (size_t chunk = 0; chunk < 4; chunk++) {
        rec_list l = {0};
        ldrsnap_parser *p;
        ldrsnap_parser_new(&p, NULL, every_function, &l);
        size_t len = strlen(in), step = chunk ? chunk * 7 : len;
        for (size_t at = 0; at < len; at += step)
            ldrsnap_parser_feed(p, in + at, at + step > len ? len - at : step);
        ldrsnap_parser_finish(p);
        ldrsnap_parser_free(p);
        cr_assert_eq(l.n, nwant, "chunk %zu: %zu records", chunk, l.n);
        for (size_t i = 0; i < nwant; i++)
            cr_assert_str_eq(l.lines[i], want[i], "chunk %zu", chunk);
        rec_list_free(&l);
    }
}

Test(parser, an_80_column_line_then_a_long_line_is_read_in_bounds)
{
    /* found by fuzzing: the line after a held 80-column line was
     * classified with string functions before it was terminated */
    char in[80 + 1 + 1100 + 1];
    memset(in, 'x', 80);
    in[80] = '\n';
    in[81] = '\'';
    memset(in + 82, 'y', 1099);
    in[sizeof in - 1] = '\n';
    rec_list l = {0};
    tokenize(in, sizeof in, 0, 0, NULL, &l);
    cr_assert_eq(l.n, 1); /* joined: the second line begins no record */
    rec_list_free(&l);
}
