/*
 * excerpt.c - the windows of a log around its evidence, captured while
 * the log streams (the analyzer's record callback), so that the page has
 * them whatever the source: a file, standard input, an archive's member.
 *
 * The failures of a process come when the process ends, often long
 * after their lines; the capture keeps, in memory that does not grow
 * with the log:
 *   - `recent`: every line of the last RECENT_BYTES (about ten thousand
 *     lines): a failure judged soon after its line, a signature's earlier
 *     steps, what the trace inferred at the end of a process;
 *   - `strong`: the windows (WINDOW lines before and after) around the
 *     lines that may well be evidence (an ERROR or WARNING, a failure
 *     the loader names, a failing RETURN of a function that is not a
 *     probe of the search path, an exception, a program's exit), the
 *     last STRONG_BYTES of them;
 *   - `pinned`: the windows of the lines the events named (capture_pin()),
 *     at most PIN_LINES lines and PIN_BYTES, which the page shows; a
 *     signature's (pinned as it matches, before the page knows whether it
 *     shows it) at most a quarter of those.
 * The first two are rings: the oldest lines go first.  An evidence line
 * that neither held when its event came has no excerpt; the page counts
 * those.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define RECENT_BYTES ((size_t)1 << 20)
#define RECENT_LINES 16384
#define STRONG_BYTES ((size_t)1 << 20)
#define STRONG_LINES 16384
#define PIN_BYTES ((size_t)1 << 20)
#define PIN_LINES 4096
#define PIN_SLOTS 8192 /* a power of two, twice PIN_LINES */
#define SIG_LINES (PIN_LINES / 2)
#define SIG_BYTES (PIN_BYTES / 2)

/* ---- a ring of lines --------------------------------------------------- */

typedef struct lr_ent {
    uint64_t line;
    uint32_t off, len;
    bool joined;       /* the lines up to the next one are part of it */
} lr_ent;

typedef struct lring {
    char *bytes;
    size_t bcap;
    size_t wpos;       /* where the next line's bytes go */
    lr_ent *ents;
    size_t emask;      /* entries: a power of two, less one */
    size_t e0, en;     /* the oldest entry, how many */
} lring;

static int lr_init(lring *r, size_t bytes, size_t ents)
{
    memset(r, 0, sizeof *r);
    r->bytes = malloc(bytes);
    r->ents = malloc(ents * sizeof *r->ents);
    if (!r->bytes || !r->ents)
        return -1;
    r->bcap = bytes;
    r->emask = ents - 1;
    return 0;
}

static void lr_free(lring *r)
{
    free(r->bytes);
    free(r->ents);
}

static const lr_ent *lr_at(const lring *r, size_t i)
{
    return &r->ents[(r->e0 + i) & r->emask];
}

static uint64_t lr_last(const lring *r)
{
    return r->en ? lr_at(r, r->en - 1)->line : 0;
}

/* Append a line (n <= bcap / 2), the oldest let go to make room. */
static void lr_push(lring *r, uint64_t line, const char *s, size_t n,
                    bool joined)
{
    if (r->wpos + n > r->bcap) {
        /* the rest of the end stays unused: the lines there (the oldest,
         * when the live ones wrap) go */
        while (r->en && lr_at(r, 0)->off >= r->wpos) {
            r->e0 = (r->e0 + 1) & r->emask;
            r->en--;
        }
        r->wpos = 0;
    }
    while (r->en) {
        const lr_ent *f = lr_at(r, 0);
        bool overlap = f->off < r->wpos + n && r->wpos < f->off + f->len;
        if (!overlap && r->en <= r->emask)
            break;
        r->e0 = (r->e0 + 1) & r->emask;
        r->en--;
    }
    memcpy(r->bytes + r->wpos, s, n);
    lr_ent *e = &r->ents[(r->e0 + r->en) & r->emask];
    e->line = line;
    e->off = (uint32_t)r->wpos;
    e->len = (uint32_t)n;
    e->joined = joined;
    r->en++;
    r->wpos += n;
}

/* More of the last line (a record split off it), when it fits after it
 * without letting another line go. */
static void lr_extend(lring *r, uint64_t line, const char *s, size_t n)
{
    if (!r->en)
        return;
    lr_ent *e = &r->ents[(r->e0 + r->en - 1) & r->emask];
    const lr_ent *f = lr_at(r, 0);
    if (e->line != line || e->off + e->len != r->wpos ||
        r->wpos + n > r->bcap || e->len + n > EXCERPT_LINE_BYTES ||
        (f != e && f->off >= r->wpos && f->off < r->wpos + n))
        return;
    memcpy(r->bytes + r->wpos, s, n);
    e->len += (uint32_t)n;
    r->wpos += n;
}

/* The entry of a line, or NULL: lines are in increasing order. */
static const lr_ent *lr_find(const lring *r, uint64_t line)
{
    size_t lo = 0, hi = r->en;
    if (!hi || line < lr_at(r, 0)->line || line > lr_last(r))
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lr_at(r, mid)->line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->en && lr_at(r, lo)->line == line ? lr_at(r, lo) : NULL;
}

/* ---- the capture ------------------------------------------------------- */

typedef struct pin {
    uint64_t line;
    char *text;
    size_t len;
    bool joined;
} pin;

struct capture {
    lring recent, strong;
    uint64_t last;         /* the last line seen */
    uint64_t strong_until; /* lines up to it go to `strong` */
    uint64_t pin_until;    /* lines up to it are pinned as they come */
    pin *pins;
    size_t npins;
    size_t pin_bytes;
    size_t sig_lines, sig_bytes; /* pinned for signatures */
    uint64_t *slots;       /* pinned lines + 1, by hash */
};

int capture_new(capture **out)
{
    capture *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return -1;
    if (lr_init(&c->recent, RECENT_BYTES, RECENT_LINES) < 0 ||
        lr_init(&c->strong, STRONG_BYTES, STRONG_LINES) < 0 ||
        !(c->pins = malloc(PIN_LINES * sizeof *c->pins)) ||
        !(c->slots = calloc(PIN_SLOTS, sizeof *c->slots))) {
        capture_free(c);
        *out = NULL;
        return -1;
    }
    return 0;
}

void capture_free(capture *c)
{
    if (!c)
        return;
    lr_free(&c->recent);
    lr_free(&c->strong);
    for (size_t i = 0; c->pins && i < c->npins; i++)
        free(c->pins[i].text);
    free(c->pins);
    free(c->slots);
    free(c);
}

static uint64_t *slot_of(capture *c, uint64_t line)
{
    size_t k = (size_t)((line * 0x9E3779B97F4A7C15ull) >> 40) &
               (PIN_SLOTS - 1);
    while (c->slots[k] && c->slots[k] != line + 1)
        k = (k + 1) & (PIN_SLOTS - 1);
    return &c->slots[k];
}

/* Keep a copy of a line for the page; false past the budget. */
static bool pin_line(capture *c, uint64_t line, const char *s, size_t n,
                     bool joined, bool sig)
{
    uint64_t *slot = slot_of(c, line);
    if (*slot)
        return true;
    if (c->npins == PIN_LINES || c->pin_bytes + n > PIN_BYTES ||
        (sig && (c->sig_lines == SIG_LINES || c->sig_bytes + n > SIG_BYTES)))
        return false;
    c->sig_lines += sig;
    c->sig_bytes += sig ? n : 0;
    char *t = malloc(n + 1);
    if (!t)
        return false;
    memcpy(t, s, n);
    t[n] = '\0';
    c->pins[c->npins++] = (pin){line, t, n, joined};
    c->pin_bytes += n;
    *slot = line + 1;
    return true;
}

/* A RETURN from a function that probes the search path fails for every
 * folder that lacks the DLL: no evidence by itself. */
static bool probe_function(const char *fn)
{
    if (!fn)
        return false;
    return !strncmp(fn, "LdrpFind", 8) || !strncmp(fn, "LdrGetDllHandle", 15) ||
           !strcmp(fn, "LdrpResolveDllName") || !strcmp(fn, "LdrpSearchPath");
}

/* Could this line be a failure's or an exception's? */
static bool strong_line(const ldrsnap_record *r)
{
    if (r->level == LDRSNAP_L_ERROR || r->level == LDRSNAP_L_WARNING)
        return true;
    switch (r->msg) {
    case LDRSNAP_M_UNABLE_TO_LOAD:
    case LDRSNAP_M_IMPORTS_FAILED:
    case LDRSNAP_M_KNOWNDLLS_FAILED:
    case LDRSNAP_M_PROCESS_INIT_FAILED:
    case LDRSNAP_M_PROC_NOT_FOUND:
    case LDRSNAP_M_EXPORT_FAILED:
    case LDRSNAP_M_EXCEPTION_RAISED:
    case LDRSNAP_M_RECURSIVE_LOAD:
    case LDRSNAP_M_RECURSIVE_DETAIL:
    case LDRSNAP_M_INIT_FAILED:
    case LDRSNAP_M_UNLOADING_FAILED:
    case LDRSNAP_M_LOAD_FAILING:
    case LDRSNAP_M_IMPORT_FAILED:
    case LDRSNAP_M_SXS_PROBE_FAILED:
    case LDRSNAP_M_SNAP_WARNING:
    case LDRSNAP_M_FAILURE_TEXT:
    case LDRSNAP_M_EXCEPTION:
    case LDRSNAP_M_IDE_PROGRAM_EXIT:
    case LDRSNAP_M_INIT_ROUTINE_FAILED:
    case LDRSNAP_M_SUBSYSTEM_FAILED:
        return true;
    case LDRSNAP_M_IDE_THREAD_EXIT:
        return (r->flags & LDRSNAP_RF_STATUS) && r->status;
    default:
        break;
    }
    return (r->flags & LDRSNAP_RF_STATUS) && r->status >= 0x80000000u &&
           !probe_function(r->function);
}

/* A record split off a line the capture holds: the rest of the line. */
static void more_of_line(capture *c, const ldrsnap_record *r)
{
    const char *s = r->raw ? r->raw : r->text ? r->text : "";
    size_t n = strnlen(s, EXCERPT_LINE_BYTES);
    lr_extend(&c->recent, r->line, s, n);
    lr_extend(&c->strong, r->line, s, n);
    uint64_t *slot = slot_of(c, r->line);
    if (!*slot)
        return;
    for (size_t i = c->npins; i-- > 0;) {
        pin *p = &c->pins[i];
        if (p->line != r->line)
            continue;
        if (p->len + n <= EXCERPT_LINE_BYTES &&
            c->pin_bytes + n <= PIN_BYTES) {
            char *t = realloc(p->text, p->len + n + 1);
            if (t) {
                memcpy(t + p->len, s, n);
                p->len += n;
                t[p->len] = '\0';
                p->text = t;
                c->pin_bytes += n;
            }
        }
        break;
    }
}

int capture_record(capture *c, const ldrsnap_record *r)
{
    uint64_t line = r->line;
    if (line <= c->last) {
        if (line == c->last && (r->flags & LDRSNAP_RF_SPLIT))
            more_of_line(c, r);
        return 0;
    }
    const char *s = r->raw ? r->raw : r->text ? r->text : "";
    if (line == 1 && !memcmp(s, "\xEF\xBB\xBF", 3))
        s += 3; /* a byte order mark */
    size_t n = strnlen(s, EXCERPT_LINE_BYTES);
    bool joined = (r->flags & LDRSNAP_RF_JOINED) != 0;
    c->last = line;
    lr_push(&c->recent, line, s, n, joined);
    if (line <= c->pin_until)
        pin_line(c, line, s, n, joined, false);
    if (strong_line(r)) {
        /* its window: the lines before it, from the recent ones */
        uint64_t from = line > EXCERPT_WINDOW ? line - EXCERPT_WINDOW : 1;
        uint64_t held = lr_last(&c->strong);
        if (from <= held)
            from = held + 1;
        for (uint64_t l = from; l < line; l++) {
            const lr_ent *e = lr_find(&c->recent, l);
            if (e)
                lr_push(&c->strong, l, c->recent.bytes + e->off, e->len,
                        e->joined);
        }
        c->strong_until = line + EXCERPT_WINDOW;
    }
    if (line <= c->strong_until)
        lr_push(&c->strong, line, s, n, joined);
    return 0;
}

void capture_pin(capture *c, uint64_t line, bool sig)
{
    if (!line)
        return;
    uint64_t from = line > EXCERPT_WINDOW ? line - EXCERPT_WINDOW : 1;
    for (uint64_t l = from; l <= line + EXCERPT_WINDOW; l++) {
        if (*slot_of(c, l))
            continue;
        if (l > c->last) { /* still to come */
            if (c->pin_until < line + EXCERPT_WINDOW)
                c->pin_until = line + EXCERPT_WINDOW;
            break;
        }
        const lring *r = &c->recent;
        const lr_ent *e = lr_find(r, l);
        if (!e) {
            r = &c->strong;
            e = lr_find(r, l);
        }
        if (e)
            pin_line(c, l, r->bytes + e->off, e->len, e->joined, sig);
    }
}

static int by_pin_line(const void *a, const void *b)
{
    const pin *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

void capture_excerpt(capture *c, const uint64_t *want, size_t nwant,
                     excerpt *x)
{
    memset(x, 0, sizeof *x);
    if (!c) {
        x->note = "no excerpt";
        return;
    }
    if (c->npins > 1)
        qsort(c->pins, c->npins, sizeof *c->pins, by_pin_line);
    /* the slots hold lines, not places: still right after the sort */
    size_t w = 0, hit = 0;
    for (size_t i = 0; i < c->npins && nwant; i++) {
        uint64_t l = c->pins[i].line;
        while (w < nwant && want[w] + EXCERPT_WINDOW < l)
            w++;
        if (w == nwant)
            break;
        if (want[w] > l + EXCERPT_WINDOW)
            continue;
        if (x->n == x->cap) {
            size_t cap = x->cap ? x->cap * 2 : 64;
            excerpt_line *v = realloc(x->lines, cap * sizeof *v);
            if (!v)
                break;
            x->lines = v;
            x->cap = cap;
        }
        bool ev = false;
        for (size_t j = w; j < nwant && want[j] <= l; j++)
            ev |= want[j] == l;
        hit += ev;
        x->lines[x->n++] =
            (excerpt_line){l, c->pins[i].text, ev, c->pins[i].joined};
    }
    x->missing = nwant - hit;
}
