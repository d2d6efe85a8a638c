/*
 * rules.c - rule files (YAML, libyaml) compiled into matchable steps
 * (PCRE2 with JIT), the built-in rules, and the indexes the matcher uses.
 *
 * A rule file is all or nothing: the first error stops the load with a
 * message naming the file, the line and the rule, and nothing of that file
 * is kept.  ldrsnap-rules(5) documents the format.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "rules/rules_internal.h"
#include "simd/simd.h"

#define RULES_MAGIC 0x4C445252u /* "LDRR" */
#define MAX_STEPS 16
#define MAX_RULE_FILE (16u << 20)
/* Limits of a rule file, checked in one pass over its events before the
 * document is built (libyaml's own work grows with the nesting depth at
 * every token, and aliases would be copied once per use): */
#define MAX_YAML_DEPTH 32          /* nested lists and mappings */
#define MAX_YAML_KEYS 64           /* keys of one mapping */
#define MAX_YAML_ANCHORS 256
#define MAX_YAML_EXPANDED MAX_RULE_FILE /* bytes of the values, aliases
                                            expanded */
#define MAX_RULES 4096             /* rules in one set */

/* The built-in rule files, embedded at build time (build/gen/). */
extern const char *const ldrsnap__builtin_names[];
extern const char *const ldrsnap__builtin_texts[];
extern const size_t ldrsnap__builtin_lens[];
extern const size_t ldrsnap__nbuiltin;

static const char *const severities[] = {"info", "low", "medium", "high",
                                         "critical"};

static void *pc_malloc(size_t n, void *ctx)
{
    return ldrsnap__malloc(ctx, n);
}

static void pc_free(void *p, void *ctx)
{
    ldrsnap__free(ctx, p);
}

/* ---- loading context ------------------------------------------------------ */

typedef struct loader {
    ldrsnap_rules *r;
    yaml_document_t *doc;
    const char *source;
    const char *rule_id;     /* for messages */
    size_t rule_no;
} loader;

__attribute__((format(printf, 3, 4))) static int
fail_at(loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    unsigned long line = n ? (unsigned long)n->start_mark.line + 1 : 0;
    if (L->rule_id)
        snprintf(L->r->errmsg, sizeof L->r->errmsg, "%s:%lu: rule '%s': %s",
                 L->source, line, L->rule_id, what);
    else if (L->rule_no)
        snprintf(L->r->errmsg, sizeof L->r->errmsg, "%s:%lu: rule #%zu: %s",
                 L->source, line, L->rule_no, what);
    else
        snprintf(L->r->errmsg, sizeof L->r->errmsg, "%s:%lu: %s", L->source,
                 line, what);
    return LDRSNAP_EFORMAT;
}

static yaml_node_t *node(loader *L, int id)
{
    return yaml_document_get_node(L->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                            : NULL;
}

/* The scalar items of a scalar or a sequence of scalars. */
static int scalars(loader *L, yaml_node_t *n, const char *key,
                   const char ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (n->type == YAML_SCALAR_NODE) {
        *out = ldrsnap__malloc(&L->r->al, sizeof **out);
        if (!*out)
            return LDRSNAP_ENOMEM;
        (*out)[0] = scalar(n);
        *count = 1;
        return LDRSNAP_OK;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(L, n, "'%s' must be a value or a list of values",
                       key);
    size_t k = (size_t)(n->data.sequence.items.top -
                        n->data.sequence.items.start);
    *out = ldrsnap__malloc(&L->r->al, (k ? k : 1) * sizeof **out);
    if (!*out)
        return LDRSNAP_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *it = node(L, n->data.sequence.items.start[i]);
        if (!scalar(it)) {
            ldrsnap__free(&L->r->al, (void *)*out);
            *out = NULL;
            return fail_at(L, it, "'%s' items must be plain values", key);
        }
        (*out)[i] = scalar(it);
    }
    *count = k;
    return LDRSNAP_OK;
}

/* YAML allows a key twice in a mapping; a rule must not (which would win?). */
static int no_duplicate_keys(loader *L, yaml_node_t *map)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start;
             k && q < p; q++) {
            const char *e = scalar(node(L, q->key));
            if (e && !strcmp(e, k))
                return fail_at(L, node(L, p->key), "'%s' is given twice", k);
        }
    }
    return LDRSNAP_OK;
}

/* ---- names -------------------------------------------------------------------- */

static int name_index(const char *s, const char *(*name_of)(int), int lo,
                      int hi)
{
    for (int v = lo; v <= hi; v++)
        if (!strcasecmp(s, name_of(v)))
            return v;
    return -1;
}

static const char *dialect_of(int v)
{
    return ldrsnap_dialect_name((ldrsnap_dialect)v);
}

static const char *msg_of(int v)
{
    return ldrsnap_msg_name((ldrsnap_msg)v);
}

static const char *level_of(int v)
{
    return ldrsnap_level_name((ldrsnap_level)v);
}

static const char *kind_of(int v)
{
    return ldrsnap_kind_name((ldrsnap_kind)v);
}

static const char *role_of(int v)
{
    return ldrsnap_role_name((ldrsnap_role)v);
}

/* ---- literal extraction ------------------------------------------------------- */

/* The longest run of plain characters outside any group, with no
 * alternation in the pattern: a string every match contains.  Conservative:
 * NULL when unsure. */
static char *extract_literal(const ls_alloc *al, const char *re)
{
    if (strchr(re, '|'))
        return NULL;
    char run[256], best[256];
    size_t n = 0, bn = 0;
    int depth = 0;
    if (!strncmp(re, "(?i)", 4))
        re += 4;
    for (const char *p = re; *p; p++) {
        char c = *p;
        bool lit = false;
        if (c == '\\' && p[1]) {
            p++;
            if (!isalnum((unsigned char)*p)) {
                c = *p;
                lit = true;
            }
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            depth--;
        } else if (c == '*' || c == '?' || c == '{') {
            if (n)
                n--; /* the previous character is optional */
        } else if (!strchr(".^$+[]", c)) {
            lit = true;
        }
        if (lit && depth == 0 && n < sizeof run - 1) {
            run[n++] = (char)tolower((unsigned char)c);
            continue;
        }
        if (c == '[') /* skip a class */
            while (p[1] && p[1] != ']')
                p++;
        if (n > bn)
            memcpy(best, run, n), bn = n;
        n = 0;
    }
    if (n > bn)
        memcpy(best, run, n), bn = n;
    return bn >= 4 ? ldrsnap__strndup(al, best, bn) : NULL;
}

/* ---- steps ---------------------------------------------------------------------- */

static int compile_pattern(loader *L, yaml_node_t *v, rx_step *st)
{
    const char *pat = scalar(v);
    if (!pat || !*pat)
        return fail_at(L, v, "'pattern' must be a non-empty string");
    int err;
    PCRE2_SIZE off;
    st->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
                           &err, &off, L->r->cctx);
    if (!st->re) {
        if (err == PCRE2_ERROR_HEAP_FAILED)
            return LDRSNAP_ENOMEM; /* not the pattern's fault */
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(err, msg, sizeof msg);
        return fail_at(L, v, "bad pattern at offset %zu: %s", (size_t)off,
                       (const char *)msg);
    }
    /* else interpreted */
    st->jit = pcre2_jit_compile(st->re, PCRE2_JIT_COMPLETE) == 0;
    uint32_t groups = 0;
    pcre2_pattern_info(st->re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (groups + 1 > L->r->max_groups)
        L->r->max_groups = groups + 1;
    st->literal = extract_literal(&L->r->al, pat);
    rx_needles nd;
    if (!st->literal && (ldrsnap__needles_extract(pat, &nd), nd.n)) {
        st->needles = ldrsnap__malloc(&L->r->al, sizeof nd);
        if (!st->needles)
            return LDRSNAP_ENOMEM;
        *st->needles = nd;
    }
    return LDRSNAP_OK;
}

static int set_globs(loader *L, yaml_node_t *v, const char *key,
                     rx_globs *g)
{
    const char **items;
    size_t n;
    int rc = scalars(L, v, key, &items, &n);
    if (rc < 0)
        return rc;
    g->g = ldrsnap__calloc(&L->r->al, (n ? n : 1) * sizeof *g->g);
    size_t k = 0;
    for (; g->g && k < n; k++) {
        rx_glob *x = &g->g[k];
        if (!(x->pat = ldrsnap__strdup(&L->r->al, items[k])))
            break;
        x->len = strlen(x->pat);
        x->literal = !strpbrk(x->pat, "*?");
        x->has_sep = strpbrk(x->pat, "\\/") != NULL;
    }
    g->n = g->g ? k : 0;
    ldrsnap__free(&L->r->al, (void *)items);
    return g->g && k == n ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}

static int set_status(loader *L, yaml_node_t *v, const char *key,
                      rx_step *st, bool by_name)
{
    const char **items;
    size_t n;
    int rc = scalars(L, v, key, &items, &n);
    if (rc < 0)
        return rc;
    uint32_t *s = ldrsnap__realloc(&L->r->al, st->status,
                                   (st->nstatus + n + 1) * sizeof *s);
    if (!s) {
        ldrsnap__free(&L->r->al, (void *)items);
        return LDRSNAP_ENOMEM;
    }
    st->status = s;
    for (size_t i = 0; i < n && rc == 0; i++) {
        ldrsnap_code_input in;
        ldrsnap_code c;
        if (by_name) {
            if (ldrsnap_code_by_name(items[i], &c, 1) == 0)
                rc = fail_at(L, v, "unknown status name '%s'", items[i]);
            else
                s[st->nstatus++] = c.value;
        } else if (ldrsnap_code_parse(items[i], &in) != 0 || in.n != 1) {
            rc = fail_at(L, v, "'%s' is not a status (write 0xc0000135)",
                         items[i]);
        } else {
            s[st->nstatus++] = in.value[0];
        }
    }
    ldrsnap__free(&L->r->al, (void *)items);
    return rc;
}

static int set_mask(loader *L, yaml_node_t *v, const char *key,
                    unsigned *mask, const char *(*name_of)(int), int hi)
{
    const char **items;
    size_t n;
    int rc = scalars(L, v, key, &items, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int k = name_index(items[i], name_of, 0, hi);
        if (k < 0)
            rc = fail_at(L, v, "unknown %s '%s'", key, items[i]);
        else
            *mask |= 1u << k;
    }
    ldrsnap__free(&L->r->al, (void *)items);
    return rc;
}

static int set_enum(loader *L, yaml_node_t *v, const char *key, int *out,
                    const char *(*name_of)(int), int lo, int hi)
{
    const char *s = scalar(v);
    *out = s ? name_index(s, name_of, lo, hi) : -1;
    if (*out < 0)
        return fail_at(L, v, "unknown %s '%s'", key, s ? s : "(not a value)");
    return LDRSNAP_OK;
}

/* One key of a step. *target is set by keys that imply one. */
static int step_key(loader *L, const char *k, yaml_node_t *v, rx_step *st,
                    int *target)
{
    if (!strcmp(k, "pattern"))
        return compile_pattern(L, v, st);
    if (!strcmp(k, "dialect"))
        return *target = RX_LINE,
               set_enum(L, v, k, &st->dialect, dialect_of, 0, 6);
    if (!strcmp(k, "msg"))
        return *target = RX_LINE, set_enum(L, v, k, &st->msg, msg_of, 0,
                                           RX_NMSG - 1);
    if (!strcmp(k, "level"))
        return *target = RX_LINE,
               set_enum(L, v, k, &st->level, level_of, 1, 5);
    if (!strcmp(k, "function")) {
        *target = RX_LINE;
        if (!scalar(v))
            return fail_at(L, v, "'function' must be a name");
        st->function = ldrsnap__strdup(&L->r->al, scalar(v));
        return st->function ? LDRSNAP_OK : LDRSNAP_ENOMEM;
    }
    if (!strcmp(k, "kind"))
        return *target = RX_FAILURE, set_mask(L, v, k, &st->kinds, kind_of,
                                              LDRSNAP_K_PROCESS_INIT_FAILED);
    if (!strcmp(k, "role"))
        return *target = RX_FAILURE, set_mask(L, v, k, &st->roles, role_of,
                                              LDRSNAP_ROLE_NOISE);
    if (!strcmp(k, "status"))
        return set_status(L, v, k, st, false);
    if (!strcmp(k, "status_name"))
        return set_status(L, v, k, st, true);
    if (!strcmp(k, "dll"))
        return set_globs(L, v, k, &st->dll);
    if (!strcmp(k, "parent"))
        return *target = RX_FAILURE, set_globs(L, v, k, &st->parent);
    if (!strcmp(k, "symbol"))
        return set_globs(L, v, k, &st->symbol);
    return fail_at(L, v, "unknown step key '%s'", k);
}

/* A step; `single` when the match mapping is the step itself and may
 * also hold scope and window. */
static int parse_step(loader *L, yaml_node_t *n, rx_step *st,
                      enum rx_target *target, bool single)
{
    memset(st, 0, sizeof *st);
    st->dialect = st->msg = st->level = RX_ANY;
    st->literal_id = -1;
    st->line = (unsigned long)n->start_mark.line + 1;
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(L, n, "a step must be a mapping of conditions");
    int want = -1, on = -1, rc;
    size_t keys = 0;
    if ((rc = no_duplicate_keys(L, n)) < 0)
        return rc;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        yaml_node_t *v = node(L, p->value);
        if (!k)
            return fail_at(L, v, "step keys must be plain names");
        if (single && (!strcmp(k, "scope") || !strcmp(k, "window")))
            continue;
        if (!strcmp(k, "on")) {
            const char *s = scalar(v);
            on = s && !strcmp(s, "line")      ? RX_LINE
                 : s && !strcmp(s, "failure") ? RX_FAILURE
                                              : -2;
            if (on == -2)
                return fail_at(L, v, "'on' is 'line' or 'failure'");
            continue;
        }
        int t = -1;
        if ((rc = step_key(L, k, v, st, &t)) < 0)
            return rc;
        if (t >= 0 && want >= 0 && t != want)
            return fail_at(L, v, "'%s' cannot be used with the other keys "
                                 "of this step (line and failure "
                                 "conditions mixed)", k);
        if (t >= 0)
            want = t;
        keys++;
    }
    if (!keys)
        return fail_at(L, n, "a step needs at least one condition");
    if (on >= 0 && want >= 0 && on != want)
        return fail_at(L, n, "'on: %s' does not fit the step's conditions",
                       on == RX_LINE ? "line" : "failure");
    *target = on >= 0 ? (enum rx_target)on
              : want >= 0 ? (enum rx_target)want : RX_LINE;
    return LDRSNAP_OK;
}

/* ---- rules ---------------------------------------------------------------------- */

static int parse_match(loader *L, yaml_node_t *m, rx_rule *rule)
{
    if (m->type != YAML_MAPPING_NODE)
        return fail_at(L, m, "'match' must be a mapping");
    int drc = no_duplicate_keys(L, m);
    if (drc < 0)
        return drc;
    yaml_node_t *steps = NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
         p < m->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        yaml_node_t *v = node(L, p->value);
        if (k && !strcmp(k, "steps")) {
            steps = v;
        } else if (k && !strcmp(k, "scope")) {
            const char *s = scalar(v);
            if (s && !strcmp(s, "thread"))
                rule->scope = RX_THREAD;
            else if (s && !strcmp(s, "process"))
                rule->scope = RX_PROCESS;
            else if (s && !strcmp(s, "file"))
                rule->scope = RX_FILE;
            else
                return fail_at(L, v, "'scope' is thread, process or file");
        } else if (k && !strcmp(k, "window")) {
            const char *s = scalar(v);
            char *end;
            errno = 0;
            unsigned long w = s ? strtoul(s, &end, 10) : 0;
            if (!s || !*s || *end || errno || s[0] == '-')
                return fail_at(L, v, "'window' is a number of lines");
            rule->window = w;
        }
    }
    yaml_node_t *one = m;
    size_t n = 1;
    if (steps) {
        if (steps->type != YAML_SEQUENCE_NODE)
            return fail_at(L, steps, "'steps' must be a list");
        n = (size_t)(steps->data.sequence.items.top -
                     steps->data.sequence.items.start);
        if (n == 0 || n > MAX_STEPS)
            return fail_at(L, steps, "'steps' must hold 1 to %d steps",
                           MAX_STEPS);
    }
    rule->steps = ldrsnap__calloc(&L->r->al, n * sizeof *rule->steps);
    if (!rule->steps)
        return LDRSNAP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *sn = steps ? node(L, steps->data.sequence.items.start[i])
                                : one;
        enum rx_target t = RX_LINE;
        rule->nsteps = i + 1;
        int rc = parse_step(L, sn, &rule->steps[i], &t, steps == NULL);
        if (rc < 0)
            return rc;
        if (i && t != rule->target)
            return fail_at(L, sn, "a sequence cannot mix failure steps with "
                                  "line steps");
        rule->target = t;
    }
    return LDRSNAP_OK;
}

static bool valid_id(const char *s)
{
    if (!s || !isalnum((unsigned char)s[0]))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
            return false;
    return true;
}

static int text_field(loader *L, yaml_node_t *v, const char *key,
                      char **out)
{
    const char *s = scalar(v);
    if (!s)
        return fail_at(L, v, "'%s' must be text", key);
    size_t n = strlen(s); /* block scalars end with a newline: drop it */
    while (n && strchr(" \t\r\n", s[n - 1]))
        n--;
    *out = ldrsnap__strndup(&L->r->al, s, n);
    return *out ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}

static int rule_field(loader *L, const char *k, yaml_node_t *v, rx_rule *r,
                      yaml_node_t **match)
{
    if (!strcmp(k, "id"))
        return LDRSNAP_OK; /* read first, in parse_rule */
    if (!strcmp(k, "title"))
        return text_field(L, v, k, &r->title);
    if (!strcmp(k, "explanation"))
        return text_field(L, v, k, &r->explanation);
    if (!strcmp(k, "advice"))
        return text_field(L, v, k, &r->advice);
    if (!strcmp(k, "severity")) {
        const char *s = scalar(v);
        for (size_t i = 0; s && i < 5; i++)
            if (!strcmp(s, severities[i]))
                return text_field(L, v, k, &r->severity);
        return fail_at(L, v, "'severity' is info, low, medium, high or "
                             "critical");
    }
    if (!strcmp(k, "references")) {
        const char **items;
        int rc = scalars(L, v, k, &items, &r->nrefs);
        if (rc < 0)
            return rc;
        r->refs = ldrsnap__calloc(&L->r->al, (r->nrefs + 1) * sizeof *r->refs);
        rc = r->refs ? LDRSNAP_OK : LDRSNAP_ENOMEM;
        if (!r->refs)
            r->nrefs = 0; /* nothing to free */
        for (size_t i = 0; rc == 0 && i < r->nrefs; i++)
            if (!(r->refs[i] = ldrsnap__strdup(&L->r->al, items[i])))
                rc = LDRSNAP_ENOMEM; /* the copies so far go with the rule */
        ldrsnap__free(&L->r->al, (void *)items);
        return rc;
    }
    if (!strcmp(k, "match")) {
        *match = v;
        return LDRSNAP_OK;
    }
    return fail_at(L, v, "unknown key '%s'", k);
}

static int parse_rule(loader *L, yaml_node_t *n, rx_rule *r)
{
    memset(r, 0, sizeof *r);
    r->line = (unsigned long)n->start_mark.line + 1;
    r->source = ldrsnap__strdup(&L->r->al, L->source);
    if (!r->source)
        return LDRSNAP_ENOMEM;
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(L, n, "a rule must be a mapping");
    yaml_node_t *match = NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        if (k && !strcmp(k, "id")) {
            const char *id = scalar(node(L, p->value));
            if (r->id)
                return fail_at(L, node(L, p->key), "'id' is given twice");
            if (id)
                L->rule_id = id; /* name the rule in any message below */
            if (!valid_id(id))
                return fail_at(L, node(L, p->value),
                               "'id' must be letters, digits, '-', '_' "
                               "or '.'");
            if (ldrsnap_rules_find(L->r, id) >= 0)
                return fail_at(L, node(L, p->value),
                               "id '%s' is already defined", id);
            if (!(r->id = ldrsnap__strdup(&L->r->al, id)))
                return LDRSNAP_ENOMEM;
            L->rule_id = r->id;
        }
    }
    if (!r->id)
        return fail_at(L, n, "missing 'id'");
    int drc = no_duplicate_keys(L, n);
    if (drc < 0)
        return drc;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        if (!k)
            return fail_at(L, node(L, p->key), "keys must be plain names");
        int rc = rule_field(L, k, node(L, p->value), r, &match);
        if (rc < 0)
            return rc;
    }
    if (!r->title)
        return fail_at(L, n, "missing 'title'");
    if (!r->severity)
        return fail_at(L, n, "missing 'severity'");
    if (!match)
        return fail_at(L, n, "missing 'match'");
    return parse_match(L, match, r);
}

/* ---- freeing --------------------------------------------------------------------- */

static void free_globs(const ls_alloc *al, rx_globs *g)
{
    for (size_t i = 0; i < g->n; i++)
        ldrsnap__free(al, g->g[i].pat);
    ldrsnap__free(al, g->g);
}

static void free_rule(const ls_alloc *al, rx_rule *r)
{
    for (size_t i = 0; i < r->nsteps; i++) {
        rx_step *st = &r->steps[i];
        if (st->re)
            pcre2_code_free(st->re);
        ldrsnap__free(al, st->literal);
        ldrsnap__free(al, st->needles);
        ldrsnap__free(al, st->function);
        ldrsnap__free(al, st->status);
        free_globs(al, &st->dll);
        free_globs(al, &st->parent);
        free_globs(al, &st->symbol);
    }
    ldrsnap__free(al, r->steps);
    for (size_t i = 0; i < r->nrefs; i++)
        ldrsnap__free(al, r->refs[i]);
    ldrsnap__free(al, r->refs);
    char *strs[] = {r->id, r->title, r->severity, r->explanation, r->advice,
                    r->source};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        ldrsnap__free(al, strs[i]);
}

/* ---- indexes ------------------------------------------------------------------------ */

static int bucket_add(const ls_alloc *al, rx_bucket *b, size_t rule)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        size_t *n = ldrsnap__realloc(al, b->rule, cap * sizeof *n);
        if (!n)
            return LDRSNAP_ENOMEM;
        b->rule = n;
        b->cap = cap;
    }
    b->rule[b->n++] = rule;
    return LDRSNAP_OK;
}

static uint32_t lit_key(const char *s)
{
    return ((uint32_t)(unsigned char)s[0] << 24) |
           ((uint32_t)(unsigned char)s[1] << 16) |
           ((uint32_t)(unsigned char)s[2] << 8) | (unsigned char)s[3];
}

static size_t key_hash(uint32_t k, size_t slots)
{
    return (size_t)(ls_hash32(k) >> 7) & (slots - 1);
}

/* How common a byte is in loader logs (lower is rarer): letters, digits
 * and path punctuation are everywhere; quotes, '=' and the like are not. */
static int byte_rank(unsigned char c)
{
    if (strchr("'=<>#%&!?*+[]{}|~^$`", c))
        return 1;
    if (strchr("qzxjkvwy", c))
        return 5;
    if (isdigit(c))
        return 15;
    if (isalpha(c))
        return 20;
    return 30; /* space, '\\', ':', '.', '-', '"', ... */
}

/* The offset of a literal's rarest byte (its first of the lowest rank). */
static size_t rarest_at(const char *lit, size_t len)
{
    size_t best = 0;
    for (size_t i = 1; i < len; i++)
        if (byte_rank((unsigned char)lit[i]) <
            byte_rank((unsigned char)lit[best]))
            best = i;
    return best;
}

static void add_anchor(rx_lits *L, const char *lit, size_t len)
{
    unsigned char best = (unsigned char)lit[rarest_at(lit, len)];
    if (byte_rank(best) >= 20 || L->nanchor == sizeof L->anchor) {
        L->scan_always = true;
        return;
    }
    if (!memchr(L->anchor, best, L->nanchor))
        L->anchor[L->nanchor++] = best;
}

/* Empty a literal table with room for `total` literals. */
static int lits_reset(ldrsnap_rules *r, rx_lits *L, size_t total)
{
    ldrsnap__free(&r->al, L->key_slot);
    L->key_slot = NULL;
    L->n = L->nanchor = 0;
    L->scan_always = L->wide = false;
    memset(L->bloom, 0, sizeof L->bloom);
    if (L->cap < total) {
        char **lit = ldrsnap__realloc(&r->al, L->lit, total * sizeof *lit);
        size_t *len = lit ? ldrsnap__realloc(&r->al, L->len,
                                             total * sizeof *len)
                          : NULL;
        uint32_t *key = len ? ldrsnap__realloc(&r->al, L->key,
                                               total * sizeof *key)
                            : NULL;
        if (lit)
            L->lit = lit;
        if (len)
            L->len = len;
        if (!key)
            return LDRSNAP_ENOMEM;
        L->key = key;
        L->cap = total;
    }
    L->slots = 16;
    while (L->slots < total * 2)
        L->slots *= 2;
    L->key_slot = ldrsnap__calloc(&r->al, L->slots * sizeof *L->key_slot);
    return L->key_slot ? LDRSNAP_OK : LDRSNAP_ENOMEM;
}

/* Add a literal (lower case, at least four bytes; not copied) to L: its
 * index. */
static size_t lits_add(rx_lits *L, char *lit)
{
    size_t len = strlen(lit);
    uint32_t key = lit_key(lit);
    size_t j = key_hash(key, L->slots);
    while (L->key_slot[j])
        j = (j + 1) & (L->slots - 1);
    L->key_slot[j] = (uint32_t)L->n + 1;
    L->lit[L->n] = lit;
    L->len[L->n] = len;
    L->key[L->n] = key;
    for (size_t i = 0; i < len; i++)
        L->wide |= (unsigned char)lit[i] >= 0x80;
    uint32_t bit = rx_bloom_bit(key);
    L->bloom[bit >> 6] |= 1ull << (bit & 63);
    return L->n++;
}

/* The literals by their anchor (rx_lits.at_lit), each text once; none
 * (at_lit NULL) when every line is scanned whole, or without memory. */
static void index_anchors(ldrsnap_rules *r)
{
    rx_lits *L = &r->lits;
    ldrsnap__free(&r->al, L->at_lit);
    ldrsnap__free(&r->al, L->at_off);
    ldrsnap__free(&r->al, L->same_next);
    L->at_lit = L->at_off = L->same_next = NULL;
    if (L->scan_always || !L->n)
        return;
    uint32_t *lit = ldrsnap__malloc(&r->al, L->n * sizeof *lit);
    uint32_t *off = ldrsnap__malloc(&r->al, L->n * sizeof *off);
    uint32_t *same = ldrsnap__calloc(&r->al, L->n * sizeof *same);
    if (!lit || !off || !same) {
        ldrsnap__free(&r->al, lit);
        ldrsnap__free(&r->al, off);
        ldrsnap__free(&r->al, same);
        return; /* the rolling scan of every literal instead */
    }
    size_t k = 0;
    for (size_t a = 0; a < L->nanchor; a++) {
        L->at_from[a] = k;
        for (size_t id = 0; id < L->n; id++) {
            size_t at = rarest_at(L->lit[id], L->len[id]);
            if ((unsigned char)L->lit[id][at] != L->anchor[a])
                continue;
            size_t first = id;
            for (size_t j = L->at_from[a]; j < k && first == id; j++)
                if (L->len[lit[j]] == L->len[id] &&
                    !memcmp(L->lit[lit[j]], L->lit[id], L->len[id]))
                    first = lit[j];
            if (first != id) { /* at the end of that one's chain */
                while (same[first])
                    first = same[first] - 1;
                same[first] = (uint32_t)id + 1;
                continue;
            }
            lit[k] = (uint32_t)id;
            off[k++] = (uint32_t)at;
        }
    }
    L->at_from[L->nanchor] = k;
    L->at_lit = lit;
    L->at_off = off;
    L->same_next = same;
}

/* The literal table: the literals that index rules' first steps (other
 * steps check their literal directly). */
static int index_literals(ldrsnap_rules *r)
{
    rx_lits *L = &r->lits;
    int rc = lits_reset(r, L, r->n);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < r->n; i++) {
        for (size_t k = 0; k < r->rules[i].nsteps; k++) {
            rx_step *s = &r->rules[i].steps[k];
            unsigned fl;
            s->literal_id = -1;
            s->fid = s->function ? ldrsnap__func_id(s->function,
                                                    strlen(s->function), &fl)
                                 : 0;
        }
        rx_step *st = &r->rules[i].steps[0];
        if (r->rules[i].target != RX_LINE || !st->literal ||
            st->msg != RX_ANY || st->dialect != RX_ANY || st->function ||
            st->level != RX_ANY || st->nstatus)
            continue;
        st->literal_id = (int)lits_add(L, st->literal);
        add_anchor(L, st->literal, L->len[st->literal_id]);
    }
    L->nprobe = 0;
    for (size_t i = 0; i < L->nanchor && L->nprobe <= 4; i++) {
        unsigned char c = L->anchor[i];
        if (L->nprobe < 4)
            L->probe[L->nprobe] = c;
        L->nprobe++;
        if (c >= 'a' && c <= 'z') {
            if (L->nprobe < 4)
                L->probe[L->nprobe] = (unsigned char)(c - 32);
            L->nprobe++;
        }
    }
    if (L->nprobe > 4)
        L->nprobe = 0; /* too many for the vector pass: memchr each */
    L->any_of4 = ldrsnap__simd()->any_of4;
    L->has_of4 = ldrsnap__simd()->has_of4;
    L->has2_z = ldrsnap__simd()->has2_z;
    L->fold_safe = L->nprobe && !L->wide;
    for (size_t i = 0; i < L->nprobe; i++)
        if ((L->probe[i] | 0x20) >= 'a' && (L->probe[i] | 0x20) <= 'z')
            L->fold_safe = false;
    static const char frame[] = RX_PLAIN_FRAME;
    L->plain_safe = L->nprobe != 0;
    for (size_t i = 0; i < L->nprobe; i++)
        if (memchr(frame, L->probe[i], sizeof frame - 1))
            L->plain_safe = false;
    index_anchors(r);
    return LDRSNAP_OK;
}

static rx_bucket *first_step_bucket(ldrsnap_rules *r, const rx_step *st)
{
    if (st->msg != RX_ANY)
        return &r->by_msg[st->msg];
    if (st->dialect != RX_ANY)
        return &r->by_dialect[st->dialect];
    if (st->function || st->level != RX_ANY)
        return &r->by_dialect[LDRSNAP_D_VISTA];
    if (st->literal_id >= 0)
        return NULL; /* by literal */
    return &r->any;
}

/* The gate of a bucket: the union of its rules' first-step conditions. */
static void bucket_gate(const ldrsnap_rules *r, rx_bucket *b)
{
    b->levels = 0, b->fids = b->statuses = 0;
    b->any_fid = b->any_status = false;
    for (size_t i = 0; i < b->n; i++) {
        const rx_step *st = &r->rules[b->rule[i]].steps[0];
        b->levels |= st->level == RX_ANY ? ~0u : 1u << st->level;
        if (!st->fid || st->fid >= 64)
            b->any_fid = true;
        else
            b->fids |= 1ull << st->fid;
        if (!st->nstatus)
            b->any_status = true;
        for (size_t k = 0; k < st->nstatus; k++)
            b->statuses |= 1ull
                            << ls_hash_bits(st->status[k], LS_STATUS_BITS);
    }
}

static int index_rules(ldrsnap_rules *r)
{
    for (size_t m = 0; m < RX_NMSG; m++)
        r->by_msg[m].n = 0;
    for (size_t d = 0; d < RX_NDIALECT; d++)
        r->by_dialect[d].n = 0;
    r->any.n = 0;
    r->failure_rules.n = 0;
    int rc = index_literals(r);
    if (rc < 0)
        return rc;
    ldrsnap__free(&r->al, r->lit_rule);
    r->lit_rule = ldrsnap__malloc(&r->al, (r->lits.n + 1) * sizeof *r->lit_rule);
    if (!r->lit_rule)
        return LDRSNAP_ENOMEM;
    for (size_t i = 0; i < r->lits.n; i++)
        r->lit_rule[i] = -1;
    r->n_lit_rules = 0;
    for (size_t i = 0; i < r->n; i++) {
        const rx_rule *rule = &r->rules[i];
        if (rule->target == RX_FAILURE) {
            rc = bucket_add(&r->al, &r->failure_rules, i);
        } else {
            rx_bucket *b = first_step_bucket(r, &rule->steps[0]);
            if (b) {
                rc = bucket_add(&r->al, b, i);
            } else {
                r->lit_rule[rule->steps[0].literal_id] = (long)i;
                r->n_lit_rules++;
            }
        }
        if (rc < 0)
            return rc;
    }
    for (size_t m = 0; m < RX_NMSG; m++)
        bucket_gate(r, &r->by_msg[m]);
    for (size_t d = 0; d < RX_NDIALECT; d++)
        bucket_gate(r, &r->by_dialect[d]);
    bucket_gate(r, &r->any);
    return LDRSNAP_OK;
}

/* ---- loading ------------------------------------------------------------------------ */

static int load_rules(loader *L, yaml_node_t *root)
{
    yaml_node_t *list = root;
    if (root && root->type == YAML_MAPPING_NODE) {
        list = NULL;
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
             p < root->data.mapping.pairs.top; p++) {
            const char *k = scalar(node(L, p->key));
            if (k && !strcmp(k, "rules"))
                list = node(L, p->value);
            else
                return fail_at(L, node(L, p->key),
                               "unknown top-level key '%s' (expected "
                               "'rules')", k ? k : "?");
        }
    }
    if (!list || list->type != YAML_SEQUENCE_NODE)
        return fail_at(L, root, "expected a list of rules under 'rules:'");
    size_t n = (size_t)(list->data.sequence.items.top -
                        list->data.sequence.items.start);
    ldrsnap_rules *r = L->r;
    size_t first = r->n;
    int rc = LDRSNAP_OK;
    if (n > MAX_RULES - r->n) {
        fail_at(L, list, "more than %d rules in the set", MAX_RULES);
        return LDRSNAP_ELIMIT;
    }
    for (size_t i = 0; i < n && rc == LDRSNAP_OK; i++) {
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 32;
            rx_rule *nr = ldrsnap__realloc(&r->al, r->rules, cap * sizeof *nr);
            if (!nr) {
                rc = LDRSNAP_ENOMEM;
                break;
            }
            r->rules = nr;
            r->cap = cap;
        }
        L->rule_id = NULL;
        L->rule_no = i + 1;
        rc = parse_rule(L, node(L, list->data.sequence.items.start[i]),
                        &r->rules[r->n]);
        r->n++; /* counted even when broken, so that it is freed */
    }
    if (rc != LDRSNAP_OK) { /* all or nothing */
        while (r->n > first)
            free_rule(&r->al, &r->rules[--r->n]);
        return rc;
    }
    return index_rules(r);
}

/* ---- limits ------------------------------------------------------------------------ */

typedef struct yaml_anchor {
    char *name;
    size_t size; /* bytes of the values under it, aliases expanded */
} yaml_anchor;

typedef struct yaml_level {
    size_t size, items;
    bool map;
    char *anchor; /* the collection's own, owned */
} yaml_level;

typedef struct yaml_scan {
    ldrsnap_rules *r;
    const char *name;
    yaml_anchor anchors[MAX_YAML_ANCHORS];
    size_t nanchors;
    yaml_level level[MAX_YAML_DEPTH + 1];
    size_t depth;
    size_t expanded;
} yaml_scan;

__attribute__((format(printf, 3, 4))) static int
limit_at(yaml_scan *y, const yaml_mark_t *m, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(y->r->errmsg, sizeof y->r->errmsg, "%s:%lu: %s", y->name,
             (unsigned long)m->line + 1, what);
    return LDRSNAP_ELIMIT;
}

static int anchor_add(yaml_scan *y, const yaml_mark_t *m,
                      const yaml_char_t *name, size_t size)
{
    if (!name)
        return LDRSNAP_OK;
    if (y->nanchors == MAX_YAML_ANCHORS)
        return limit_at(y, m, "more than %d anchors", MAX_YAML_ANCHORS);
    char *k = ldrsnap__strdup(&y->r->al, (const char *)name);
    if (!k)
        return LDRSNAP_ENOMEM;
    y->anchors[y->nanchors++] = (yaml_anchor){k, size};
    return LDRSNAP_OK;
}

/* A value of `size` bytes (aliases expanded) in the current collection. */
static int value_add(yaml_scan *y, const yaml_mark_t *m, size_t size)
{
    yaml_level *l = &y->level[y->depth];
    l->size += size;
    l->items++;
    if (l->map && l->items > 2 * MAX_YAML_KEYS)
        return limit_at(y, m, "a mapping with more than %d keys",
                        MAX_YAML_KEYS);
    if (!l->map && y->depth && l->items > MAX_RULES)
        return limit_at(y, m, "a list of more than %d items", MAX_RULES);
    return LDRSNAP_OK;
}

static int scan_event(yaml_scan *y, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    size_t n;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = ev->data.scalar.length;
        y->expanded += n;
        if (y->expanded > MAX_YAML_EXPANDED)
            break;
        int rc = value_add(y, m, n);
        return rc ? rc : anchor_add(y, m, ev->data.scalar.anchor, n);
    case YAML_ALIAS_EVENT:
        n = 0;
        for (size_t i = y->nanchors; i-- > 0;)
            if (!strcmp(y->anchors[i].name,
                        (const char *)ev->data.alias.anchor)) {
                n = y->anchors[i].size;
                break;
            }
        y->expanded += n;
        if (y->expanded > MAX_YAML_EXPANDED)
            break;
        return value_add(y, m, n);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (y->depth == MAX_YAML_DEPTH)
            return limit_at(y, m, "lists and mappings nested deeper than %d",
                            MAX_YAML_DEPTH);
        const yaml_char_t *a = ev->type == YAML_SEQUENCE_START_EVENT
                                   ? ev->data.sequence_start.anchor
                                   : ev->data.mapping_start.anchor;
        yaml_level *l = &y->level[++y->depth];
        *l = (yaml_level){0, 0, ev->type == YAML_MAPPING_START_EVENT, NULL};
        if (a && !(l->anchor = ldrsnap__strdup(&y->r->al, (const char *)a)))
            return LDRSNAP_ENOMEM;
        return LDRSNAP_OK;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (!y->depth)
            return LDRSNAP_OK;
        yaml_level done = y->level[y->depth--];
        int arc = anchor_add(y, m, (const yaml_char_t *)done.anchor,
                             done.size);
        ldrsnap__free(&y->r->al, done.anchor);
        return arc ? arc : value_add(y, m, done.size);
    default:
        return LDRSNAP_OK;
    }
    return limit_at(y, m, "values larger than %u MiB once aliases are "
                          "expanded", MAX_YAML_EXPANDED >> 20);
}

/* One pass over the file's events: nesting, keys, anchors and the size
 * aliases expand to, within their limits.  A syntax error is left to the
 * load that follows, which reports it. */
static int check_limits(ldrsnap_rules *r, const char *name, const char *text,
                        size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return LDRSNAP_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_scan *y = ldrsnap__calloc(&r->al, sizeof *y);
    int rc = y ? LDRSNAP_OK : LDRSNAP_ENOMEM;
    if (y) {
        y->r = r;
        y->name = name;
    }
    for (bool end = false; rc == 0 && !end;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev))
            break;
        end = ev.type == YAML_STREAM_END_EVENT;
        rc = scan_event(y, &ev);
        yaml_event_delete(&ev);
    }
    for (size_t i = 0; y && i < y->nanchors; i++)
        ldrsnap__free(&r->al, y->anchors[i].name);
    for (size_t i = 1; y && i <= y->depth; i++)
        ldrsnap__free(&r->al, y->level[i].anchor);
    ldrsnap__free(&r->al, y);
    yaml_parser_delete(&parser);
    return rc;
}

/* A rule file's text; limits: check_limits() first (any text but the
 * built-in rules, which the unit tests pass through it). */
static int add_text(ldrsnap_rules *r, const char *name, const char *text,
                    size_t len, bool limits)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    loader L = {r, &doc, name, NULL, 0};
    int rc;
    r->errmsg[0] = '\0';
    if (limits && (rc = check_limits(r, name, text, len)) != 0)
        return rc;
    if (!yaml_parser_initialize(&parser))
        return LDRSNAP_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(r->errmsg, sizeof r->errmsg, "%s:%lu:%lu: YAML: %s%s%s",
                 name, (unsigned long)parser.problem_mark.line + 1,
                 (unsigned long)parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "syntax error",
                 parser.context ? " " : "",
                 parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return LDRSNAP_EFORMAT;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        snprintf(r->errmsg, sizeof r->errmsg, "%s: no rules (empty file)",
                 name);
        rc = LDRSNAP_EFORMAT;
    } else {
        rc = load_rules(&L, root);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

int ldrsnap_rules_add_text(ldrsnap_rules *r, const char *name,
                           const char *text, size_t len)
{
    if (!r || r->magic != RULES_MAGIC)
        return LDRSNAP_EMISUSE;
    if (!text || !name)
        return LDRSNAP_EINVAL;
    return add_text(r, name, text, len, true);
}

int ldrsnap_rules_add_file(ldrsnap_rules *r, const char *path)
{
    if (!r || r->magic != RULES_MAGIC)
        return LDRSNAP_EMISUSE;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        int e = errno;
        snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", path ? path : "(null)",
                 strerror(e));
        return e == ENOENT ? LDRSNAP_ENOTFOUND : LDRSNAP_EIO;
    }
    char *buf = ldrsnap__malloc(&r->al, MAX_RULE_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_RULE_FILE + 1, f) : 0;
    bool err = ferror(f);
    fclose(f);
    int rc;
    if (!buf) {
        rc = LDRSNAP_ENOMEM;
    } else if (err) {
        snprintf(r->errmsg, sizeof r->errmsg, "%s: read error", path);
        rc = LDRSNAP_EIO;
    } else if (n > MAX_RULE_FILE) {
        snprintf(r->errmsg, sizeof r->errmsg, "%s: larger than %u MiB",
                 path, MAX_RULE_FILE >> 20);
        rc = LDRSNAP_ELIMIT;
    } else {
        rc = ldrsnap_rules_add_text(r, path, buf, n);
    }
    ldrsnap__free(&r->al, buf);
    return rc;
}

int ldrsnap_rules_new(ldrsnap_rules **out, const ldrsnap_options *opts,
                      unsigned flags)
{
    if (!out)
        return LDRSNAP_EINVAL;
    *out = NULL;
    ls_alloc al;
    int rc;
    ldrsnap_rules *r = ldrsnap__handle_alloc(opts, sizeof *r, &al, &rc);
    if (!r)
        return rc;
    r->magic = RULES_MAGIC;
    r->al = al;
    r->max_groups = 1;
    /* PCRE2 allocates through the handle's allocator too */
    r->gctx = pcre2_general_context_create(pc_malloc, pc_free, &r->al);
    r->cctx = r->gctx ? pcre2_compile_context_create(r->gctx) : NULL;
    if (!r->cctx) {
        pcre2_general_context_free(r->gctx);
        ldrsnap__free(&al, r);
        return LDRSNAP_ENOMEM;
    }
    for (size_t i = 0; !(flags & LDRSNAP_RULES_NO_BUILTIN) &&
                       i < ldrsnap__nbuiltin; i++) {
        char name[128];
        snprintf(name, sizeof name, "builtin:%s", ldrsnap__builtin_names[i]);
        /* ours, known to be within the limits a user's file is checked
         * against (rules/builtin_rules_are_within_the_limits): a second
         * pass of libyaml over them was a quarter of the loading */
        rc = add_text(r, name, ldrsnap__builtin_texts[i],
                      ldrsnap__builtin_lens[i], false);
        if (rc < 0) {
            *out = r; /* the caller can read the message, then free */
            return rc;
        }
    }
    *out = r;
    return LDRSNAP_OK;
}

const char *ldrsnap_rules_errmsg(const ldrsnap_rules *r)
{
    return r && r->magic == RULES_MAGIC ? r->errmsg : "invalid rules handle";
}

size_t ldrsnap_rules_count(const ldrsnap_rules *r)
{
    return r && r->magic == RULES_MAGIC ? r->n : 0;
}

long ldrsnap_rules_find(const ldrsnap_rules *r, const char *id)
{
    for (size_t i = 0; r && id && i < r->n; i++)
        if (r->rules[i].id && !strcmp(r->rules[i].id, id))
            return (long)i;
    return -1;
}

int ldrsnap_rules_get(const ldrsnap_rules *r, size_t i,
                      ldrsnap_rule_info *info)
{
    if (!r || r->magic != RULES_MAGIC || !info)
        return LDRSNAP_EMISUSE;
    if (i >= r->n)
        return LDRSNAP_ENOTFOUND;
    const rx_rule *rule = &r->rules[i];
    static const char *const scopes[] = {"file", "process", "thread"};
    info->id = rule->id;
    info->title = rule->title;
    info->severity = rule->severity;
    info->explanation = rule->explanation;
    info->advice = rule->advice;
    info->references = (const char *const *)rule->refs;
    info->n_references = rule->nrefs;
    info->source = rule->source;
    info->line = rule->line;
    info->n_steps = rule->nsteps;
    info->scope = scopes[rule->scope];
    info->window = rule->window;
    return LDRSNAP_OK;
}

void ldrsnap_rules_free(ldrsnap_rules *r)
{
    if (!r || r->magic != RULES_MAGIC)
        return;
    ls_alloc al = r->al;
    for (size_t i = 0; i < r->n; i++)
        free_rule(&al, &r->rules[i]);
    ldrsnap__free(&al, r->rules);
    for (size_t m = 0; m < RX_NMSG; m++)
        ldrsnap__free(&al, r->by_msg[m].rule);
    for (size_t d = 0; d < RX_NDIALECT; d++)
        ldrsnap__free(&al, r->by_dialect[d].rule);
    ldrsnap__free(&al, r->any.rule);
    ldrsnap__free(&al, r->lit_rule);
    ldrsnap__free(&al, r->failure_rules.rule);
    ldrsnap__free(&al, r->lits.lit);
    ldrsnap__free(&al, r->lits.len);
    ldrsnap__free(&al, r->lits.key);
    ldrsnap__free(&al, r->lits.key_slot);
    ldrsnap__free(&al, r->lits.at_lit);
    ldrsnap__free(&al, r->lits.at_off);
    ldrsnap__free(&al, r->lits.same_next);
    pcre2_compile_context_free(r->cctx);
    pcre2_general_context_free(r->gctx);
    r->magic = 0;
    ldrsnap__free(&al, r);
}

static inline unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Where the text after a '*' can start: from s on, at the next byte that
 * can match p[0] (every byte for a letter, '?' or '*': the next one),
 * or NULL when none can. */
static const char *next_start(const char *p, const char *s)
{
    unsigned char c = (unsigned char)*p;
    if (c == '\0' || c == '?' || c == '*' || fold(c) != c ||
        (c >= 'a' && c <= 'z'))
        return s;
    return strchr(s, c);
}

/* Case-insensitive glob (ASCII folding, as Windows names in loader logs
 * are): '*' any run, '?' one character.  After a '*', candidate starts
 * are found with strchr() when the next pattern byte is not a letter (a
 * path separator, a dot). */
static bool glob1(const char *p, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*') {
            star = ++p;
            if (!(s = resume = next_start(p, s)))
                return false;
        } else if (*p == '?' ||
                   (*p && fold((unsigned char)*p) == fold((unsigned char)*s))) {
            p++, s++;
        } else if (star) {
            p = star;
            if (!(s = resume = next_start(p, resume + 1)))
                return false;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

static bool same_name(const char *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)p[i]) != fold((unsigned char)s[i]))
            return false;
    return true;
}

/* A DLL glob matches the file name, or the whole path.  A literal one
 * needs a name of its length; one with a separator, the whole path. */
bool ldrsnap__glob_match(const rx_globs *g, const char *s)
{
    if (!g->n)
        return true;
    if (!s)
        return false;
    size_t slen = strlen(s);
    const char *base = ls_basename_n(s, slen);
    size_t blen = slen - (size_t)(base - s);
    for (size_t i = 0; i < g->n; i++) {
        const rx_glob *x = &g->g[i];
        if (x->literal) {
            if ((x->len == blen && same_name(x->pat, base, blen)) ||
                (base != s && x->len == slen && same_name(x->pat, s, slen)))
                return true;
        } else if ((!x->has_sep && glob1(x->pat, base)) ||
                   (base != s && glob1(x->pat, s))) {
            return true;
        }
    }
    return false;
}
