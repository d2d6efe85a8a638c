/*
 * excerpt.c - the windows of a log around its evidence, captured while
 * the log streams (the analyzer's record callback), so that the page has
 * them whatever the source: a file, standard input, an archive's member.
 *
 * The failures of a process come when the process ends, often long
 * after their lines, and the page shows the evidence of only some
 * processes (the first failing ones, the signatures of the first that
 * did not fail), which is known only then.  So the capture keeps, in
 * memory that does not grow with the log:
 *   - `recent`: every line of the last RECENT_BYTES (about ten thousand
 *     lines), a ring: a signature's earlier steps, an event's window;
 *   - a `hold` for each live process that has lines which may become
 *     evidence: the windows (WINDOW lines before and after) of the lines
 *     that may be a failure's (an ERROR or WARNING, a failure the loader
 *     names, a failing RETURN of a function that is not a probe of the
 *     search path, an exception, a program's exit) and of its
 *     signatures' lines (capture_hold(), as they match).  A hold is let go
 *     when its process ends (capture_end()), once the page pinned what it
 *     shows; at most HOLD_LINES lines and HOLD_BYTES a process, the first
 *     ones, and HOLD_TOTAL in all;
 *   - `pinned`: the windows of the lines the page shows (capture_pin()),
 *     at most PIN_LINES lines and PIN_BYTES.
 * What the page can no longer show is not captured at all (capture_want():
 * once the first failing processes ended, no line is held for a failure,
 * and once no process can be shown, no line is kept).  An evidence line
 * that none of them held has no excerpt; the page counts those.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define RECENT_BYTES ((size_t)1 << 20) /* a power of two */
#define RECENT_LINES 16384             /* a power of two */
#define HOLD_SLOTS 128                 /* processes held at once */
#define HOLD_LINES EXCERPT_HOLD_LINES
#define HOLD_BYTES ((size_t)256 << 10)
#define HOLD_TOTAL ((size_t)4 << 20)
#define PIN_BYTES ((size_t)1 << 20)
#define PIN_LINES EXCERPT_PIN_LINES
#define PIN_SLOTS 8192 /* a power of two, twice PIN_LINES */

/* ---- the recent lines: a ring of bytes, entries by line number -------- */

typedef struct rent {
    uint64_t line;     /* 0: none */
    uint64_t pos;      /* where its bytes begin, counted since the start */
    uint32_t len;
    bool joined;       /* the lines up to the next one are part of it */
} rent;

typedef struct recent {
    char *bytes;       /* RECENT_BYTES */
    uint64_t wpos;     /* bytes written since the start */
    rent *ents;        /* RECENT_LINES, by line & (RECENT_LINES - 1) */
} recent;

static void rc_write(recent *r, const char *s, size_t n)
{
    size_t at = (size_t)(r->wpos & (RECENT_BYTES - 1));
    size_t first = RECENT_BYTES - at < n ? RECENT_BYTES - at : n;
    memcpy(r->bytes + at, s, first);
    if (first < n)
        memcpy(r->bytes, s + first, n - first);
    r->wpos += n;
}

static void rc_push(recent *r, uint64_t line, const char *s, size_t n,
                    bool joined)
{
    rent *e = &r->ents[line & (RECENT_LINES - 1)];
    e->line = line;
    e->pos = r->wpos;
    e->len = (uint32_t)n;
    e->joined = joined;
    rc_write(r, s, n);
}

/* The entry of a line still whole in the ring, or NULL. */
static const rent *rc_find(const recent *r, uint64_t line)
{
    const rent *e = &r->ents[line & (RECENT_LINES - 1)];
    if (!line || e->line != line || r->wpos - e->pos > RECENT_BYTES)
        return NULL;
    return e;
}

/* A line's bytes out of the ring into dst (e->len bytes). */
static void rc_read(const recent *r, const rent *e, char *dst)
{
    size_t at = (size_t)(e->pos & (RECENT_BYTES - 1));
    size_t first = RECENT_BYTES - at < e->len ? RECENT_BYTES - at : e->len;
    memcpy(dst, r->bytes + at, first);
    memcpy(dst + first, r->bytes, e->len - first);
}

/* ---- what a live process holds ----------------------------------------- */

typedef struct hline {
    uint64_t line;
    uint32_t off, len; /* in the hold's bytes */
    bool joined;
} hline;

typedef struct hold {
    uint64_t key;      /* 1 << 32 | pid, or 0: no pid */
    hline *lines;      /* in line order */
    size_t n, cap;
    char *bytes;
    size_t nbytes, bcap;
    uint64_t until;    /* the lines up to it are held as they come */
    bool full;
} hold;

/* ---- the capture ------------------------------------------------------- */

typedef struct pin {
    uint64_t line;
    char *text;
    size_t len;
    bool joined;
} pin;

struct capture {
    recent recent;
    uint64_t last;         /* the last line seen */
    bool any, failures;    /* capture_want() */
    uint64_t key;          /* the process of the last line naming one */
    hold *holds[HOLD_SLOTS];
    size_t nholds;
    size_t last_hold;      /* the one the last line went to */
    size_t hold_bytes;     /* of every hold */
    uint64_t hold_until;   /* the latest `until` of the holds */
    uint64_t pin_until;    /* lines up to it are pinned as they come */
    pin *pins;
    size_t npins;
    size_t pin_bytes;
    uint64_t *slots;       /* pinned lines + 1, by hash */
    char line_buf[EXCERPT_LINE_BYTES + 1];
};

int capture_new(capture **out)
{
    capture *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return -1;
    c->any = c->failures = true;
    if (!(c->recent.bytes = malloc(RECENT_BYTES)) ||
        !(c->recent.ents = calloc(RECENT_LINES, sizeof *c->recent.ents)) ||
        !(c->pins = malloc(PIN_LINES * sizeof *c->pins)) ||
        !(c->slots = calloc(PIN_SLOTS, sizeof *c->slots))) {
        capture_free(c);
        *out = NULL;
        return -1;
    }
    return 0;
}

static void hold_free(hold *h)
{
    if (!h)
        return;
    free(h->lines);
    free(h->bytes);
    free(h);
}

void capture_free(capture *c)
{
    if (!c)
        return;
    free(c->recent.bytes);
    free(c->recent.ents);
    for (size_t i = 0; i < c->nholds; i++)
        hold_free(c->holds[i]);
    for (size_t i = 0; c->pins && i < c->npins; i++)
        free(c->pins[i].text);
    free(c->pins);
    free(c->slots);
    free(c);
}

void capture_want(capture *c, bool failures, bool any)
{
    c->failures = failures;
    c->any = any || failures;
}

static uint64_t key_of(bool has_pid, uint32_t pid)
{
    return has_pid ? (1ull << 32) | pid : 0;
}

/* The hold of a process, made when `make` (NULL: none, or no room). */
static hold *hold_of(capture *c, uint64_t key, bool make)
{
    if (c->last_hold < c->nholds && c->holds[c->last_hold]->key == key)
        return c->holds[c->last_hold];
    for (size_t i = 0; i < c->nholds; i++)
        if (c->holds[i]->key == key) {
            c->last_hold = i;
            return c->holds[i];
        }
    if (!make || c->nholds == HOLD_SLOTS)
        return NULL;
    hold *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->key = key;
    c->last_hold = c->nholds;
    c->holds[c->nholds++] = h;
    return h;
}

/* The place of a line in a hold: the first entry at or past it. */
static size_t hold_at(const hold *h, uint64_t line)
{
    size_t lo = 0, hi = h->n;
    if (hi && h->lines[hi - 1].line < line)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->lines[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const hline *hold_find(const hold *h, uint64_t line)
{
    size_t i = hold_at(h, line);
    return i < h->n && h->lines[i].line == line ? &h->lines[i] : NULL;
}

/* Room for a line of n bytes in a hold (false: full, or out of memory). */
static bool hold_room(capture *c, hold *h, size_t n)
{
    if (h->full)
        return false;
    if (h->n == HOLD_LINES || h->nbytes + n > HOLD_BYTES ||
        c->hold_bytes + n > HOLD_TOTAL) {
        h->full = true; /* the first ones are held */
        return false;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        hline *v = realloc(h->lines, cap * sizeof *v);
        if (!v)
            return false;
        h->lines = v;
        h->cap = cap;
    }
    if (h->nbytes + n > h->bcap) {
        size_t cap = h->bcap ? h->bcap * 2 : 2048;
        while (cap < h->nbytes + n)
            cap *= 2;
        char *v = realloc(h->bytes, cap);
        if (!v)
            return false;
        h->bytes = v;
        h->bcap = cap;
    }
    return true;
}

/* Hold a line of the recent ring (its text: s, when given). */
static void hold_line(capture *c, hold *h, uint64_t line, const char *s,
                      size_t n, bool joined)
{
    size_t i = hold_at(h, line);
    if (i < h->n && h->lines[i].line == line)
        return;
    const rent *e = NULL;
    if (!s) {
        if (!(e = rc_find(&c->recent, line)))
            return;
        n = e->len;
        joined = e->joined;
    }
    if (!hold_room(c, h, n))
        return;
    if (e)
        rc_read(&c->recent, e, h->bytes + h->nbytes);
    else
        memcpy(h->bytes + h->nbytes, s, n);
    if (i < h->n) /* an earlier line (a signature's): in its place */
        memmove(&h->lines[i + 1], &h->lines[i],
                (h->n - i) * sizeof *h->lines);
    h->lines[i] = (hline){line, (uint32_t)h->nbytes, (uint32_t)n, joined};
    h->n++;
    h->nbytes += n;
    c->hold_bytes += n;
}

/* Hold a line's window: the lines before it from the recent ring, the
 * ones after it as they come. */
static void hold_window(capture *c, hold *h, uint64_t line)
{
    uint64_t from = line > EXCERPT_WINDOW ? line - EXCERPT_WINDOW : 1;
    for (uint64_t l = from; l <= line && l <= c->last; l++)
        hold_line(c, h, l, NULL, 0, false);
    if (h->until < line + EXCERPT_WINDOW)
        h->until = line + EXCERPT_WINDOW;
    if (c->hold_until < h->until)
        c->hold_until = h->until;
}

void capture_hold(capture *c, bool has_pid, uint32_t pid, uint64_t line)
{
    if (!line || !c->any)
        return;
    hold *h = hold_of(c, key_of(has_pid, pid), true);
    if (h)
        hold_window(c, h, line);
}

void capture_end(capture *c, bool has_pid, uint32_t pid)
{
    /* a pid that begins again ends its process at the new one's first
     * line, which no failure's window has reached yet: all of it goes */
    hold *h = hold_of(c, key_of(has_pid, pid), false);
    if (!h)
        return;
    c->hold_bytes -= h->nbytes;
    hold_free(h);
    c->holds[c->last_hold] = c->holds[--c->nholds];
}

/* ---- pins -------------------------------------------------------------- */

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
                     bool joined)
{
    uint64_t *slot = slot_of(c, line);
    if (*slot)
        return true;
    if (c->npins == PIN_LINES || c->pin_bytes + n > PIN_BYTES)
        return false;
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

/* Pin a line the capture still has: the recent ring, the hold of its
 * process, any hold. */
static void pin_held(capture *c, uint64_t key, uint64_t line)
{
    const rent *e = rc_find(&c->recent, line);
    if (e) {
        rc_read(&c->recent, e, c->line_buf);
        pin_line(c, line, c->line_buf, e->len, e->joined);
        return;
    }
    hold *own = hold_of(c, key, false);
    for (size_t i = 0; i <= c->nholds; i++) {
        const hold *h = i ? c->holds[i - 1] : own;
        const hline *l = h ? hold_find(h, line) : NULL;
        if (l) {
            pin_line(c, line, h->bytes + l->off, l->len, l->joined);
            return;
        }
    }
}

void capture_pin(capture *c, bool has_pid, uint32_t pid, uint64_t line)
{
    if (!line)
        return;
    uint64_t key = key_of(has_pid, pid);
    uint64_t from = line > EXCERPT_WINDOW ? line - EXCERPT_WINDOW : 1;
    for (uint64_t l = from; l <= line + EXCERPT_WINDOW; l++) {
        if (*slot_of(c, l))
            continue;
        if (l > c->last) { /* still to come */
            if (c->pin_until < line + EXCERPT_WINDOW)
                c->pin_until = line + EXCERPT_WINDOW;
            break;
        }
        pin_held(c, key, l);
    }
}

/* ---- the records ------------------------------------------------------- */

/* A RETURN from a function that probes the search path fails for every
 * folder that lacks the DLL: no evidence by itself. */
static bool probe_function(const char *fn)
{
    if (!fn || fn[0] != 'L' || fn[1] != 'd' || fn[2] != 'r')
        return false;
    if (fn[3] == 'G') /* a few letters tell them apart */
        return !strncmp(fn + 3, "GetDllHandle", 12);
    if (fn[3] != 'p')
        return false;
    switch (fn[4]) {
    case 'F':
        return !strncmp(fn + 4, "Find", 4);
    case 'R':
        return !strcmp(fn + 4, "ResolveDllName");
    case 'S':
        return !strcmp(fn + 4, "SearchPath");
    default:
        return false;
    }
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
    recent *rc = &c->recent;
    rent *e = &rc->ents[r->line & (RECENT_LINES - 1)];
    if (e->line == r->line && e->pos + e->len == rc->wpos &&
        e->len + n <= EXCERPT_LINE_BYTES) {
        rc_write(rc, s, n);
        e->len += (uint32_t)n;
    }
    for (size_t i = 0; i < c->nholds; i++) {
        hold *h = c->holds[i];
        hline *l = h->n ? &h->lines[h->n - 1] : NULL;
        if (l && l->line == r->line && l->off + l->len == h->nbytes &&
            l->len + n <= EXCERPT_LINE_BYTES && hold_room(c, h, n)) {
            memcpy(h->bytes + h->nbytes, s, n);
            l->len += (uint32_t)n;
            h->nbytes += n;
            c->hold_bytes += n;
        }
    }
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
        if (line == c->last && (r->flags & LDRSNAP_RF_SPLIT)) {
            more_of_line(c, r);
            if (r->flags & LDRSNAP_RF_PID)
                c->key = key_of(true, r->pid);
            hold *h; /* a glued record may be the failure */
            if (c->failures && strong_line(r) &&
                (h = hold_of(c, c->key, true)))
                hold_window(c, h, line);
        }
        return 0;
    }
    c->last = line;
    if (!c->any && line > c->pin_until)
        return 0; /* the page can show no more */
    const char *s = r->raw ? r->raw : r->text ? r->text : "";
    if (line == 1 && !memcmp(s, "\xEF\xBB\xBF", 3))
        s += 3; /* a byte order mark */
    size_t n = strnlen(s, EXCERPT_LINE_BYTES);
    bool joined = (r->flags & LDRSNAP_RF_JOINED) != 0;
    if (c->any)
        rc_push(&c->recent, line, s, n, joined);
    if (line <= c->pin_until)
        pin_line(c, line, s, n, joined);
    if (r->flags & LDRSNAP_RF_PID)
        c->key = key_of(true, r->pid);
    if (line <= c->hold_until) /* the windows after held lines */
        for (size_t i = 0; i < c->nholds; i++)
            if (c->holds[i]->until >= line)
                hold_line(c, c->holds[i], line, s, n, joined);
    if (c->failures && strong_line(r)) {
        hold *h = hold_of(c, c->key, true);
        if (h)
            hold_window(c, h, line);
    }
    return 0;
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
