/*
 * helpers.c - fixtures shared by the unit tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    *len = got;
    return buf;
}

static void push(rec_list *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->lines = realloc(l->lines, l->cap * sizeof *l->lines);
        cr_assert_not_null(l->lines);
    }
    l->lines[l->n++] = s;
}

static const char *nz(const char *s)
{
    return s ? s : "-";
}

int collect_record(const ldrsnap_record *r, void *ud)
{
    char *s = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&s, &n);
    fprintf(m, "%llu|%s|%s|%s|%x|%x:%x|%08x|%08x|%s|%s|%s|%s|%s|%s|%s|%s",
            (unsigned long long)r->line, ldrsnap_dialect_name(r->dialect),
            ldrsnap_msg_name(r->msg), ldrsnap_level_name(r->level), r->flags,
            r->pid, r->tid, r->status, r->status_orig, nz(r->prefix),
            nz(r->function), nz(r->dll), nz(r->dll_path), nz(r->parent),
            nz(r->symbol), nz(r->search_path), nz(r->text));
    fclose(m);
    push(ud, s);
    return 0;
}

void rec_list_free(rec_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->lines[i]);
    free(l->lines);
    memset(l, 0, sizeof *l);
}

void tokenize(const char *buf, size_t len, size_t chunk, unsigned seed,
              const ldrsnap_options *opts, rec_list *out)
{
    ldrsnap_parser *p;
    cr_assert_eq(ldrsnap_parser_new(&p, opts, collect_record, out),
                 LDRSNAP_OK);
    srand(seed);
    size_t pos = 0;
    while (pos < len) {
        size_t k = chunk == 0          ? len
                   : chunk == SIZE_MAX ? (size_t)(rand() % 97) + 1
                                       : chunk;
        if (k > len - pos)
            k = len - pos;
        cr_assert_eq(ldrsnap_parser_feed(p, buf + pos, k), LDRSNAP_OK);
        pos += k;
    }
    cr_assert_eq(ldrsnap_parser_finish(p), LDRSNAP_OK);
    ldrsnap_parser_free(p);
}

int collect_event(const ldrsnap_event *ev, void *ud)
{
    analysis *an = ud;
    char *s = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&s, &n);
    if (ev->type == LDRSNAP_EV_FAILURE) {
        const ldrsnap_failure *f = ev->failure;
        fprintf(m, "failure|%llu|%s|%s|%s|%s|%08x|%zu", (unsigned long long)f->line,
                ldrsnap_role_name(f->role), ldrsnap_kind_name(f->kind),
                nz(f->dll), nz(f->parent), f->status, f->chain_len);
        for (size_t i = 0; i < f->chain_len; i++)
            fprintf(m, "%s%s", i ? ">" : "|", f->chain[i]);
        switch (f->role) {
        case LDRSNAP_ROLE_ROOT_CAUSE: an->roots++; break;
        case LDRSNAP_ROLE_CONSEQUENCE: an->consequences++; break;
        case LDRSNAP_ROLE_HANDLED: an->handled++; break;
        case LDRSNAP_ROLE_NOISE: an->noise++; break;
        }
    } else {
        const ldrsnap_exception *e = ev->exception;
        fprintf(m, "exception|%llu|%08x|%s", (unsigned long long)e->line,
                e->code, nz(e->dll));
        an->exceptions++;
    }
    fclose(m);
    push(&an->events, s);
    return 0;
}

void analyze_buf(const char *buf, size_t len, size_t chunk, analysis *an)
{
    memset(an, 0, sizeof *an);
    cr_assert_eq(ldrsnap_analyzer_new(&an->a, NULL, collect_event, an),
                 LDRSNAP_OK);
    size_t pos = 0;
    while (pos < len) {
        size_t k = chunk && chunk < len - pos ? chunk : len - pos;
        cr_assert_eq(ldrsnap_analyzer_feed(an->a, buf + pos, k), LDRSNAP_OK);
        pos += k;
    }
    cr_assert_eq(ldrsnap_analyzer_finish(an->a), LDRSNAP_OK);
    an->s = ldrsnap_analyzer_summary(an->a);
    cr_assert_not_null(an->s);
}

void analyze_file(const char *path, analysis *an)
{
    size_t len;
    char *buf = read_file(path, &len);
    cr_assert_not_null(buf, "cannot read %s", path);
    analyze_buf(buf, len, 0, an);
    free(buf);
}

void analysis_free(analysis *an)
{
    rec_list_free(&an->events);
    ldrsnap_analyzer_free(an->a);
    memset(an, 0, sizeof *an);
}

const char *verdict_dll(const analysis *an)
{
    if (!an->s->n_verdicts || !an->s->verdicts[0].dll)
        return "";
    return an->s->verdicts[0].dll;
}

const char *verdict_status(const analysis *an)
{
    static __thread char buf[16];
    if (!an->s->n_verdicts || !(an->s->verdicts[0].flags & LDRSNAP_FF_STATUS))
        return "";
    snprintf(buf, sizeof buf, "0x%08x", an->s->verdicts[0].status);
    return buf;
}
