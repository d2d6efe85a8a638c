/*
 * rollup.c - the rollup of a run over many logs, and `ldrsnap rollup`,
 * which makes the same rollup from the JSON Lines of earlier runs
 * (shards): how many logs, failing, clean, skipped and unreadable; the
 * root causes grouped by (kind, DLL, status) with counts and the first
 * few sources; the signatures by count.
 *
 * One rule for both: an input is unreadable when it has an error, else
 * skipped when it was skipped, else failing when it has a root cause or
 * a signature, else skipped when it holds no loader-snaps line, else
 * clean.  A run adds each input as it is printed (in
 * input order); the reducer reads the records of each source in turn, so
 * shards given in input order reduce to the run's rollup, byte for byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ROLLUP_SOURCES 3

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

void rollup_input(rollup *r, enum rollup_state st)
{
    switch (st) {
    case RS_FAILING: r->failing++; break;
    case RS_CLEAN: r->clean++; break;
    case RS_SKIPPED: r->skipped++; break;
    case RS_ERROR: r->errors++; break;
    }
}

/* FNV-1a of a string and its end (NULL: a byte no string holds). */
static uint64_t hash_str(uint64_t h, const char *s)
{
    const uint64_t prime = 0x100000001b3ULL;
    if (!s)
        return (h ^ 0x1FF) * prime;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * prime;
    return (h ^ 0x100) * prime;
}

/* r->cix as large as cap (a power of two), every cause in it. */
static int cix_build(rollup *r, size_t cap)
{
    size_t *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < r->ncauses; i++) {
        size_t j = (size_t)r->causes[i].hash & (cap - 1);
        while (n[j])
            j = (j + 1) & (cap - 1);
        n[j] = i + 1;
    }
    free(r->cix);
    r->cix = n;
    r->cix_cap = cap;
    return 0;
}

int rollup_cause(rollup *r, const char *kind, const char *dll,
                 const char *status, const char *source, size_t count)
{
    /* a log's summary may hold a great many causes: they are looked up
     * by hash (their order stays the order they came in) */
    uint64_t h = hash_str(hash_str(hash_str(0xcbf29ce484222325ULL, dll),
                                   status),
                          kind);
    if (!r->cix || (r->ncauses + 1) * 2 > r->cix_cap) {
        size_t cap = r->cix_cap ? r->cix_cap : 64;
        while ((r->ncauses + 1) * 2 > cap)
            cap *= 2;
        if (cix_build(r, cap) < 0)
            return -1;
    }
    rollup_cause_t *c = NULL;
    size_t j = (size_t)h & (r->cix_cap - 1);
    for (; r->cix[j]; j = (j + 1) & (r->cix_cap - 1)) {
        rollup_cause_t *o = &r->causes[r->cix[j] - 1];
        if (o->hash == h && same(o->dll, dll) && same(o->status, status) &&
            same(o->kind, kind)) {
            c = o;
            break;
        }
    }
    if (!c) {
        if (r->ncauses == r->capc) {
            size_t cap = r->capc ? r->capc * 2 : 16;
            rollup_cause_t *n = realloc(r->causes, cap * sizeof *n);
            if (!n)
                return -1;
            r->causes = n;
            r->capc = cap;
        }
        c = &r->causes[r->ncauses++];
        memset(c, 0, sizeof *c);
        c->kind = dup_or_null(kind);
        c->dll = dup_or_null(dll);
        c->status = dup_or_null(status);
        c->hash = h;
        r->cix[j] = r->ncauses;
    }
    c->count += count;
    if (source && c->nsources < ROLLUP_SOURCES &&
        !(c->nsources && same(c->sources[c->nsources - 1], source)))
        c->sources[c->nsources++] = strdup(source);
    return 0;
}

int rollup_signature(rollup *r, const char *id, size_t count)
{
    for (size_t i = 0; i < r->nsigs; i++)
        if (same(r->sigs[i].id, id)) {
            r->sigs[i].count += count;
            return 0;
        }
    if (r->nsigs == r->caps) {
        size_t cap = r->caps ? r->caps * 2 : 16;
        rollup_sig_t *n = realloc(r->sigs, cap * sizeof *n);
        if (!n)
            return -1;
        r->sigs = n;
        r->caps = cap;
    }
    r->sigs[r->nsigs].id = dup_or_null(id);
    r->sigs[r->nsigs++].count = count;
    return 0;
}

/* Add what `from` holds after what `into` holds (input order). */
int rollup_merge(rollup *into, const rollup *from)
{
    into->failing += from->failing;
    into->clean += from->clean;
    into->skipped += from->skipped;
    into->errors += from->errors;
    for (size_t i = 0; i < from->ncauses; i++) {
        const rollup_cause_t *c = &from->causes[i];
        for (size_t k = 0; k < c->nsources || k == 0; k++)
            if (rollup_cause(into, c->kind, c->dll, c->status,
                             k < c->nsources ? c->sources[k] : NULL,
                             k == 0 ? c->count : 0) < 0)
                return -1;
    }
    for (size_t i = 0; i < from->nsigs; i++)
        if (rollup_signature(into, from->sigs[i].id, from->sigs[i].count) <
            0)
            return -1;
    return 0;
}

void rollup_free(rollup *r)
{
    for (size_t i = 0; i < r->ncauses; i++) {
        free(r->causes[i].kind);
        free(r->causes[i].dll);
        free(r->causes[i].status);
        for (size_t k = 0; k < r->causes[i].nsources; k++)
            free(r->causes[i].sources[k]);
    }
    for (size_t i = 0; i < r->nsigs; i++)
        free(r->sigs[i].id);
    free(r->causes);
    free(r->cix);
    free(r->sigs);
    memset(r, 0, sizeof *r);
}

size_t rollup_inputs(const rollup *r)
{
    return r->failing + r->clean + r->skipped + r->errors;
}

/* ---- output -------------------------------------------------------------- */

void json_skipped(obuf *out, const char *source, const char *why)
{
    ob_puts(out, "{\"type\":\"skipped\"");
    json_key_str(out, "source", source, true);
    json_key_str(out, "reason", why, true);
    ob_puts(out, "}\n");
}

static int cmp_str(const char *a, const char *b)
{
    return !a ? (b ? -1 : 0) : !b ? 1 : strcmp(a, b);
}

static int cmp_cause(const void *x, const void *y)
{
    const rollup_cause_t *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    int c = cmp_str(a->kind, b->kind);
    if (!c)
        c = cmp_str(a->dll, b->dll);
    return c ? c : cmp_str(a->status, b->status);
}

static int cmp_sig(const void *x, const void *y)
{
    const rollup_sig_t *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return cmp_str(a->id, b->id);
}

static void sort(rollup *r)
{
    if (r->ncauses > 1) {
        qsort(r->causes, r->ncauses, sizeof *r->causes, cmp_cause);
        free(r->cix); /* built again if a cause comes after */
        r->cix = NULL;
        r->cix_cap = 0;
    }
    if (r->nsigs > 1)
        qsort(r->sigs, r->nsigs, sizeof *r->sigs, cmp_sig);
}

void rollup_json(obuf *out, rollup *r)
{
    sort(r);
    ob_puts(out, "{\"type\":\"rollup\"");
    json_key_u64(out, "logs", r->failing + r->clean, true);
    json_key_u64(out, "failing", r->failing, true);
    json_key_u64(out, "clean", r->clean, true);
    json_key_u64(out, "skipped", r->skipped, true);
    json_key_u64(out, "errors", r->errors, true);
    ob_puts(out, ",\"root_causes\":[");
    for (size_t i = 0; i < r->ncauses; i++) {
        const rollup_cause_t *c = &r->causes[i];
        ob_puts(out, i ? ",{" : "{");
        json_key_str(out, "kind", c->kind, false);
        json_key_str(out, "dll", c->dll, true);
        json_key_str(out, "status", c->status, true);
        json_key_u64(out, "count", c->count, true);
        json_key_strs(out, "sources", (const char *const *)c->sources,
                      c->nsources);
        ob_putc(out, '}');
    }
    ob_puts(out, "],\"signatures\":[");
    for (size_t i = 0; i < r->nsigs; i++) {
        ob_puts(out, i ? ",{" : "{");
        json_key_str(out, "id", r->sigs[i].id, false);
        json_key_u64(out, "count", r->sigs[i].count, true);
        ob_putc(out, '}');
    }
    ob_puts(out, "]}\n");
}

void rollup_text(obuf *out, rollup *r)
{
    sort(r);
    ob_printf(out, "\nrollup: %zu logs: %zu failing, %zu clean; %zu "
                   "skipped, %zu unreadable\n",
              r->failing + r->clean, r->failing, r->clean, r->skipped,
              r->errors);
    if (r->ncauses) {
        ob_puts(out, "root causes:\n");
        ob_printf(out, "  %6s  %-18s %-24s %-10s %s\n", "count", "kind", "dll",
                  "status", "e.g.");
    }
    for (size_t i = 0; i < r->ncauses; i++) {
        const rollup_cause_t *c = &r->causes[i];
        ob_printf(out, "  %6zu  %-18s ", c->count, c->kind ? c->kind : "-");
        size_t w = term_cols(c->dll ? c->dll : "-",
                             strlen(c->dll ? c->dll : "-"));
        term_put(out, c->dll ? c->dll : "-");
        ob_printf(out, "%*s %-10s ", w < 24 ? (int)(24 - w) : 0, "",
                  c->status ? c->status : "-");
        for (size_t k = 0; k < c->nsources; k++) {
            if (k)
                ob_puts(out, ", ");
            term_put(out, c->sources[k]);
        }
        ob_putc(out, '\n');
    }
    if (r->nsigs)
        ob_puts(out, "signatures:\n");
    for (size_t i = 0; i < r->nsigs; i++)
        ob_printf(out, "  %6zu  %s\n", r->sigs[i].count, r->sigs[i].id);
}

/* ---- ldrsnap rollup: reading JSON Lines ----------------------------------- */

/* A small JSON reader: enough for our own records (objects, arrays,
 * strings with escapes, numbers, true, false, null). */
typedef struct jv {
    enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } t;
    double num;
    char *str;              /* J_STR */
    struct jv *items;       /* J_ARR values, J_OBJ values */
    char **keys;            /* J_OBJ */
    size_t n;
} jv;

static void jv_free(jv *v)
{
    free(v->str);
    for (size_t i = 0; i < v->n; i++) {
        jv_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
}

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

static void put_utf8(char **o, unsigned c)
{
    char *q = *o;
    if (c < 0x80) {
        *q++ = (char)c;
    } else if (c < 0x800) {
        *q++ = (char)(0xC0 | c >> 6);
        *q++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *q++ = (char)(0xE0 | c >> 12);
        *q++ = (char)(0x80 | (c >> 6 & 0x3F));
        *q++ = (char)(0x80 | (c & 0x3F));
    } else {
        *q++ = (char)(0xF0 | c >> 18);
        *q++ = (char)(0x80 | (c >> 12 & 0x3F));
        *q++ = (char)(0x80 | (c >> 6 & 0x3F));
        *q++ = (char)(0x80 | (c & 0x3F));
    }
    *o = q;
}

static const char *parse_str(const char *p, char **out)
{
    size_t n = 0;
    for (const char *q = p + 1; *q && *q != '"'; q++, n++)
        if (*q == '\\' && q[1])
            q++;
    char *s = malloc(n * 4 + 1), *o = s;
    if (!s)
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        switch (*++p) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            unsigned c = (unsigned)strtoul((char[5]){p[1], p[2], p[3], p[4],
                                                     0}, NULL, 16);
            p += 4;
            if (c >= 0xD800 && c < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
                unsigned lo = (unsigned)strtoul(
                    (char[5]){p[3], p[4], p[5], p[6], 0}, NULL, 16);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                }
            }
            put_utf8(&o, c);
            break;
        }
        case '\0': p--; break;
        default: *o++ = *p; break;
        }
    }
    *o = '\0';
    if (*p != '"') {
        free(s);
        return NULL;
    }
    *out = s;
    return p + 1;
}

static const char *parse_value(const char *p, jv *v, int depth);

static const char *parse_list(const char *p, jv *v, int depth, bool obj)
{
    size_t cap = 0;
    p = ws(p + 1);
    if (*p == (obj ? '}' : ']'))
        return p + 1;
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            jv *ni = realloc(v->items, cap * sizeof *ni);
            if (!ni)
                return NULL;
            v->items = ni;
            if (obj) {
                char **nk = realloc(v->keys, cap * sizeof *nk);
                if (!nk)
                    return NULL;
                v->keys = nk;
            }
        }
        memset(&v->items[v->n], 0, sizeof *v->items);
        if (obj) {
            v->keys[v->n] = NULL;
            if (*p != '"' || !(p = parse_str(p, &v->keys[v->n])))
                return v->n++, NULL;
            p = ws(p);
            if (*p != ':')
                return v->n++, NULL;
            p = ws(p + 1);
        }
        p = parse_value(p, &v->items[v->n++], depth + 1);
        if (!p)
            return NULL;
        p = ws(p);
        if (*p == ',') {
            p = ws(p + 1);
            continue;
        }
        return *p == (obj ? '}' : ']') ? p + 1 : NULL;
    }
}

static const char *parse_value(const char *p, jv *v, int depth)
{
    if (depth > 64)
        return NULL;
    p = ws(p);
    switch (*p) {
    case '{': v->t = J_OBJ; return parse_list(p, v, depth, true);
    case '[': v->t = J_ARR; return parse_list(p, v, depth, false);
    case '"': v->t = J_STR; return parse_str(p, &v->str);
    case 't': v->t = J_BOOL; v->num = 1; return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f': v->t = J_BOOL; return strncmp(p, "false", 5) ? NULL : p + 5;
    case 'n': v->t = J_NULL; return strncmp(p, "null", 4) ? NULL : p + 4;
    default: {
        char *end;
        v->t = J_NUM;
        v->num = strtod(p, &end);
        return end == p ? NULL : end;
    }
    }
}

static const jv *get(const jv *o, const char *key)
{
    if (!o || o->t != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key))
            return &o->items[i];
    return NULL;
}

static const char *get_str(const jv *o, const char *key)
{
    const jv *v = get(o, key);
    return v && v->t == J_STR ? v->str : NULL;
}

/* The records of one source, gathered until the next source begins. */
typedef struct pending {
    char *source;
    bool error, skipped, summary, failing, no_snaps;
    rollup part;   /* its causes and signatures */
} pending;

static int settle(rollup *r, pending *p)
{
    int rc = 0;
    if (p->source) {
        if (p->error) {
            rollup_input(r, RS_ERROR);
        } else if (p->skipped) {
            rollup_input(r, RS_SKIPPED);
        } else if (p->summary) {
            p->part.failing = p->part.clean = 0;
            rollup_input(r, p->failing || p->part.nsigs ? RS_FAILING
                            : p->no_snaps               ? RS_SKIPPED
                                                        : RS_CLEAN);
            rc = rollup_merge(r, &p->part);
        }
    }
    free(p->source);
    rollup_free(&p->part);
    memset(p, 0, sizeof *p);
    return rc;
}

static int one_record(rollup *r, pending *p, const jv *rec)
{
    const char *type = get_str(rec, "type"), *src = get_str(rec, "source");
    if (!type || !strcmp(type, "rollup") || !src)
        return 0;
    if (!p->source || strcmp(p->source, src)) {
        if (settle(r, p) < 0 || !(p->source = strdup(src)))
            return -1;
    }
    if (!strcmp(type, "error")) {
        p->error = true;
    } else if (!strcmp(type, "skipped")) {
        p->skipped = true;
    } else if (!strcmp(type, "signature")) {
        return rollup_signature(&p->part, get_str(rec, "id"), 1);
    } else if (!strcmp(type, "summary")) {
        const jv *rcs = get(rec, "root_causes");
        const jv *sigs = get(rec, "signatures");
        const jv *ll = get(rec, "loader_lines");
        p->summary = true;
        p->failing = (rcs && rcs->t == J_ARR && rcs->n) ||
                     (sigs && sigs->t == J_NUM && sigs->num > 0);
        p->no_snaps = ll && ll->t == J_NUM && ll->num == 0;
        for (size_t i = 0; rcs && rcs->t == J_ARR && i < rcs->n; i++)
            if (rollup_cause(&p->part, get_str(&rcs->items[i], "kind"),
                             get_str(&rcs->items[i], "dll"),
                             get_str(&rcs->items[i], "status"), src, 1) < 0)
                return -1;
    }
    return 0;
}

/* Read one JSONL file (or standard input) into the rollup: 0, or -1 after
 * saying why. */
static int read_shard(rollup *r, pending *p, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        ob_printf(&ob_stderr, "ldrsnap: rollup: %s: %s\n", path,
                  strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        const char *q = ws(line);
        if (!*q)
            continue;
        jv v;
        memset(&v, 0, sizeof v);
        const char *end = parse_value(q, &v, 0);
        if (!end || *ws(end) || v.t != J_OBJ) {
            ob_printf(&ob_stderr, "ldrsnap: rollup: %s:%zu: not a JSON "
                                  "object, skipped\n", path, lineno);
            rc = -1;
        } else if (one_record(r, p, &v) < 0) {
            ob_printf(&ob_stderr, "ldrsnap: rollup: out of memory\n");
            jv_free(&v);
            rc = -1;
            break;
        }
        jv_free(&v);
    }
    if (ferror(f)) {
        ob_printf(&ob_stderr, "ldrsnap: rollup: %s: %s\n", path,
                  strerror(errno));
        rc = -1;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

int cmd_rollup(int argc, char **argv, const cli_opts *o)
{
    rollup r;
    pending p;
    memset(&r, 0, sizeof r);
    memset(&p, 0, sizeof p);
    int status = EXIT_CLEAN;
    for (int i = 0; i < argc; i++)
        if (read_shard(&r, &p, argv[i]) < 0)
            status = EXIT_TROUBLE;
    if (settle(&r, &p) < 0)
        status = EXIT_TROUBLE;
    obuf *out = &ob_stdout;
    if (o->format == FMT_JSONL)
        rollup_json(out, &r);
    else
        rollup_text(out, &r);
    if (status == EXIT_CLEAN && (r.failing || r.errors))
        status = r.errors ? EXIT_TROUBLE : EXIT_FOUND;
    rollup_free(&r);
    return status;
}
