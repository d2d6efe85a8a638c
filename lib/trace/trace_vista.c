/*
 * trace_vista.c - Vista+ records: ENTER frames matched by RETURNs
 * (tolerating RETURNs whose ENTER was cut off and ENTERs whose RETURN
 * never came), Windows 11 compact twins folded, the DllMain a thread
 * runs, the DLL whose directories it probes, and the INFO, WARNING and
 * ERROR lines that name a failure; and ldrsnap__trace_record(), which
 * takes every record to its dialect's file (the Vista+ ones inline).
 */
#include <stdio.h>
#include <string.h>

#include "simd/simd.h"
#include "trace/trace_internal.h"

/* ---- ENTER / RETURN ---------------------------------------------------- */

static void copy_func(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n >= LS_FUNC_LEN)
        n = LS_FUNC_LEN - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* What the trace knows of the current record's function. */
typedef struct fn {
    unsigned id, flags;
} fn;

static bool same_func(unsigned fid, const char *stored, unsigned want,
                      const char *name)
{
    if (fid != want)
        return false;
    return fid != LS_FID_UNKNOWN ||
           strncmp(stored, name, LS_FUNC_LEN - 1) == 0;
}

/* The thread's previous record, for the next one's compact twin. */
static void remember(ls_thread *t, ldrsnap_level level, fn f,
                     const char *function, uint32_t status, bool compactable)
{
    t->last_level = level;
    t->last_fid = f.id;
    if (f.id == LS_FID_UNKNOWN)
        copy_func(t->last_func, function ? function : "");
    t->last_status = status;
    t->last_compactable = compactable;
}

/* Windows 11 prints a compact twin straight after the long form. */
static LS_ALWAYS_INLINE bool compact_twin(const ls_thread *t,
                                          const ls_call *c, fn f)
{
    return c->compact && t->last_compactable && t->last_level == c->level &&
           same_func(t->last_fid, t->last_func, f.id, c->function) &&
           (c->level != LDRSNAP_L_RETURN || t->last_status == c->status);
}

/* The thread's probed DLL's file name is b, of bl bytes (without case,
 * as ldrsnap__name_eq() compares: its length first). */
static bool probing(const ls_thread *t, const char *b, size_t bl)
{
    if (!t->probe_base || !b ||
        t->probe_dll_len - (size_t)(t->probe_base - t->probe_dll) != bl)
        return false;
    const char *a = t->probe_base;
    if (memcmp(a, b, bl) == 0)
        return true;
    for (size_t i = 0; i < bl; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y && (x >= 'A' && x <= 'Z' ? x + 32 : x) !=
                          (y >= 'A' && y <= 'Z' ? y + 32 : y))
            return false;
    }
    return true;
}

/* b: the file name in c->dll, of n bytes */
static LS_NOINLINE void probe_track(ls_trace *tr, ls_thread *t,
                                    const ls_call *c, const char *b,
                                    size_t n)
{
    if (!probing(t, b, b ? n - (size_t)(b - c->dll) : 0)) {
        if (!c->dll) {
            ls_renew(tr, &t->probe_dll, &t->probe_dll_cap, NULL);
            t->probe_base = NULL;
        } else if (ls_set_strn_min(tr, &t->probe_dll, &t->probe_dll_cap,
                                   c->dll, n, LS_THREAD_STR) == 0) {
            t->probe_base = t->probe_dll + (b - c->dll); /* a copy */
        } else { /* out of memory: the one before is kept */
            t->probe_base = ldrsnap__basename(t->probe_dll);
            n = t->probe_dll ? strlen(t->probe_dll) : 0;
        }
        t->probe_dll_len = c->dll ? n : 0;
        t->probe_misses = 0;
        t->probe_found = false;
        t->probe_line = c->line;
        ls_renew(tr, &t->probe_text, &t->probe_text_cap, c->text);
    }
}

static LS_ALWAYS_INLINE int on_enter(ls_trace *tr, ls_thread *t,
                                     const ls_call *c, fn f)
{
    if (compact_twin(t, c, f))
        return LDRSNAP_OK;
    /* the name's length, and its file name once it is needed: kept in the
     * frame for the module map when the frame returns */
    size_t n = c->dll_len;
    const char *b = NULL;
    if ((f.flags & LS_FN_SEARCH) || (f.id == LS_FID_RESOLVE && c->dll)) {
        if (f.flags & LS_FN_SEARCH)
            t->search_fail = 0;
        size_t bl = t->probe_dll ? t->probe_dll_len -
                                       (size_t)(t->probe_base - t->probe_dll)
                                 : 0;
        if (c->dll && t->probe_dll && bl <= n &&
            (bl == n || c->dll[n - bl - 1] == '\\' ||
             c->dll[n - bl - 1] == '/') &&
            memcmp(c->dll + n - bl, t->probe_base, bl) == 0) {
            /* the file name of the DLL being probed ends the name, as it
             * was printed: it is the name's file name */
            b = c->dll + n - bl;
        } else {
            b = c->dll ? ls_basename_n(c->dll, n) : NULL;
            probe_track(tr, t, c, b, n);
        }
    }
    if (t->depth >= LS_MAX_FRAMES)
        return LDRSNAP_OK; /* deeper ENTERs are not kept */
    if (t->depth == t->frames_cap) {
        size_t cap = t->frames_cap ? t->frames_cap * 2 : 8;
        ls_frame *fs = ldrsnap__realloc(&tr->al, t->frames, cap * sizeof *fs);
        if (!fs)
            return LDRSNAP_ENOMEM;
        memset(fs + t->frames_cap, 0, (cap - t->frames_cap) * sizeof *fs);
        t->frames = fs;
        t->frames_cap = cap;
    }
    ls_frame *fr = &t->frames[t->depth];
    fr->fid = f.id;
    if (f.id == LS_FID_UNKNOWN)
        copy_func(fr->func, c->function);
    fr->fflags = f.flags;
    fr->line = c->line;
    if (c->dll ? ls_set_strn(tr, &fr->dll, &fr->dll_cap, c->dll, n) < 0
               : ls_set_str(tr, &fr->dll, &fr->dll_cap, NULL) < 0)
        return LDRSNAP_ENOMEM;
    fr->dll_len = n;
    fr->dll_base = b ? (size_t)(b - c->dll) : SIZE_MAX;
    if (fr->fail_dll)
        fr->fail_dll[0] = '\0';
    t->depth++;
    return LDRSNAP_OK;
}

/* A request to load a DLL (not a probe or map a load makes on its way):
 * LdrLoadDll, or the loader's own entry when LdrLoadDll is not printed
 * (LdrpLoadDllInternal, LdrpLoadDll: their flag). */
static bool is_load_request(fn f)
{
    return (f.flags & (LS_FN_TOP | LS_FN_LOAD)) != 0;
}

/* Index + 1 of the innermost open frame of this function, or 0. */
static size_t frame_of(const ls_thread *t, fn f, const char *func)
{
    for (size_t i = t->depth; i > 0; i--)
        if (same_func(t->frames[i - 1].fid, t->frames[i - 1].func, f.id,
                      func))
            return i;
    return 0;
}

static void init_clear(ls_thread *t)
{
    if (t->init_dll)
        t->init_dll[0] = '\0';
}

static int init_failed_by_return(ls_trace *tr, ls_proc *p,
                                 ls_thread *t, const ls_call *c)
{
    char note[160];
    snprintf(note, sizeof note,
             "the loader returned this status right after calling the "
             "DLL's init routine (DllMain) at line %llu",
             (unsigned long long)t->init_line);
    fail_spec s = {LDRSNAP_K_INIT_FAILED, LS_T_ERROR, t->init_dll,
                   t->init_dll, NULL, NULL, note, true, c->status};
    if (c->status != 0xC0000142u)
        s.kind = ldrsnap_status_kind(c->status) == LDRSNAP_K_OTHER
                     ? LDRSNAP_K_INIT_FAILED
                     : ldrsnap_status_kind(c->status);
    ls_fail *f = ldrsnap__fail_add_at(tr, p, t, c->line, c->text, &s);
    init_clear(t);
    return ls_fail_rc(tr, f);
}

static int chain_failure(ls_trace *tr, ls_proc *p, ls_thread *t,
                         const ls_call *c, ls_frame *fr)
{
    const char *dll = fr && fr->fail_dll && fr->fail_dll[0] ? fr->fail_dll
                      : fr                                 ? fr->dll
                                                           : NULL;
    fail_spec s = {ldrsnap_status_kind(c->status), LS_T_CHAIN,
                   dll, NULL, NULL, NULL, NULL, true, c->status};
    if (fr && (fr->fflags & LS_FN_MAP)) {
        s.dll_path = fr->dll;
        s.note = "mapping the image failed";
        s.tier = LS_T_ERROR;
    } else if (fr && (fr->fflags & LS_FN_SEARCH)) {
        s.note = "the search of every directory gave up";
    } else {
        s.note = dll ? "the loader's RETURN chain carries this failure for "
                       "this DLL (Windows 7 and 8 print no ERROR line)"
                     : "a loader function returned this failure";
    }
    ls_fail *f = ldrsnap__fail_add_at(tr, p, t, c->line, c->text, &s);
    /* the ERROR line that names the DLL and its parent may follow: it is
     * the one to keep (a search that gave up, an image that would not
     * map) */
    if (f && fr && (fr->fflags & (LS_FN_SEARCH | LS_FN_MAP)))
        t->search_fail = p->nfails;
    return ls_fail_rc(tr, f);
}

/* Hand the failing DLL up to the caller's frame. */
static int propagate(ls_trace *tr, ls_thread *t, const ls_frame *fr)
{
    if (t->depth == 0)
        return LDRSNAP_OK;
    ls_frame *up = &t->frames[t->depth - 1];
    const char *d = fr->fail_dll && fr->fail_dll[0] ? fr->fail_dll : fr->dll;
    if (!d || (up->fail_dll && up->fail_dll[0]))
        return LDRSNAP_OK;
    return ls_set_str(tr, &up->fail_dll, &up->fail_cap, d);
}

static LS_ALWAYS_INLINE int on_return(ls_trace *tr, ls_proc *p,
                                      ls_thread *t, const ls_call *c, fn f)
{
    if (compact_twin(t, c, f))
        return LDRSNAP_OK;
    size_t at = frame_of(t, f, c->function);
    ls_frame *fr = at ? &t->frames[at - 1] : NULL;
    unsigned ff = f.flags;
    bool failed = c->has_status && ldrsnap__status_is_error(c->status);
    int rc = LDRSNAP_OK;

    bool init_fail = false;
    if (ls_init_pending(t) && at && at - 1 <= t->init_depth) {
        if (failed && fr &&
            ls_set_str(tr, &fr->fail_dll, &fr->fail_cap, t->init_dll) == 0) {
            rc = init_failed_by_return(tr, p, t, c);
            init_fail = true;
        } else {
            init_clear(t);
        }
    }
    if (at)
        t->depth = at; /* drop frames whose RETURN never came */
    if (!(ff & LS_FN_PROBE))
        t->probe_misses = 0, t->probe_found = true; /* the search is over */
    else if (f.id == LS_FID_RESOLVE) {
        if (failed)
            t->probe_misses++;
        else
            t->probe_found = true;
    }
    if (!failed) {
        if (fr && (ff & (LS_FN_MAP | LS_FN_PROBE)) && !(ff & LS_FN_HANDLE) &&
            fr->dll) {
            if (fr->dll_base == SIZE_MAX)
                fr->dll_base =
                    (size_t)(ls_basename_n(fr->dll, fr->dll_len) - fr->dll);
            if ((ff & LS_FN_MAP) || fr->dll_base)
                ldrsnap__module_seen_base(tr, p, fr->dll,
                                          fr->dll + fr->dll_base,
                                          fr->dll_len - fr->dll_base, 0, 0);
        }
        if (fr && (ff & LS_FN_TOP) && fr->line > p->went_on_enter) {
            p->went_on_enter = fr->line;
            p->went_on_line = c->line;
        }
    } else if (ff & LS_FN_PROBE) {
        rc = ldrsnap__fail_noise(
            tr, p, t, c->line, c->status, c->text, fr ? fr->dll : NULL,
            ff & LS_FN_HANDLE ? "a module-handle lookup missed: normal "
                                "before a load or for an optional DLL"
                              : "a probe missed: the loader goes on to the "
                                "next place to look");
    } else if (rc >= 0 && !init_fail) {
        rc = chain_failure(tr, p, t, c, fr);
    }
    if (fr) {
        t->depth = at - 1;
        if (failed && !(ff & LS_FN_PROBE) && rc >= 0)
            rc = propagate(tr, t, fr);
    }
    return rc;
}

/* An ENTER or a RETURN of a known process and thread. */
static LS_ALWAYS_INLINE int vista_call(ls_trace *tr, ls_proc *p, ls_thread *t,
                                       const ls_call *c)
{
    fn f = {c->fid, c->fflags};
    int rc;
    if (c->level == LDRSNAP_L_ENTER) {
        if (t->depth == 0 && is_load_request(f))
            p->went_on_start = c->line; /* a new load: the process went on */
        rc = on_enter(tr, t, c, f);
    } else {
        rc = on_return(tr, p, t, c, f);
    }
    if (f.id == LS_FID_SHUTDOWN && !p->teardown_line)
        p->teardown_line = c->line;
    remember(t, c->level, f, c->function, c->status, true);
    return rc;
}

/* ---- INFO / WARNING / ERROR -------------------------------------------- */

static ls_fail *fail_at(const ls_proc *p, size_t idx1)
{
    return idx1 && idx1 <= p->nfails ? p->fails[idx1 - 1] : NULL;
}

static int on_unable(ls_trace *tr, ls_proc *p, ls_thread *t,
                     const ldrsnap_record *rec)
{
    bool st = rec->flags & LDRSNAP_RF_STATUS;
    fail_spec s = {st ? ldrsnap_status_kind(rec->status) : LDRSNAP_K_OTHER,
                   LS_T_ERROR, rec->dll, NULL, rec->parent, NULL,
                   st ? "the loader reports it could not load this DLL"
                      : "the loader reports it could not load this DLL "
                        "(the status was cut from the log)",
                   st, rec->status};
    if (!rec->function) {
        /* a fragment: as strong as the RETURN chain that follows it (it
         * names what the chain does not), with low confidence */
        s.tier = LS_T_CHAIN;
        s.note = "a fragment of the loader's 'Unable to load DLL' line, "
                 "its start cut off: the DLL, its parent and the status "
                 "it names";
    }
    ls_module *m = ldrsnap__module_get(tr, p, rec->dll);
    if (m && !ldrsnap__module_path(p, m) && rec->dll &&
        ldrsnap__basename(rec->dll) != rec->dll)
        ldrsnap__module_set_path(tr, p, m, rec->dll);
    s.dll_path = ldrsnap__module_path(p, m);
    if (rec->parent) {
        /* noting the parent may grow the map and move m */
        ldrsnap__module_seen(tr, p, rec->parent, 0, 0);
        if (m)
            m = ldrsnap__module_find(tr, rec->dll);
        ldrsnap__module_set_parent(tr, p, m, rec->parent);
    }
    ls_fail *sf = fail_at(p, t->search_fail);
    if (sf && sf->pub.dll &&
        ldrsnap__name_eq(ldrsnap__basename(sf->pub.dll),
                         ldrsnap__basename(rec->dll)))
        sf->absorbed = true;
    t->search_fail = 0;
    t->probe_misses = 0;
    ls_fail *f = ldrsnap__fail_add(tr, p, t, rec, &s);
    if (f && !rec->function)
        f->low = true;
    return ls_fail_rc(tr, f);
}

static int on_export(ls_trace *tr, ls_proc *p, ls_thread *t,
                     const ldrsnap_record *rec)
{
    const ls_module *m = NULL;
    char note[160];
    bool same = t->nto_symbol && rec->symbol &&
                strcmp(t->nto_symbol, rec->symbol) == 0;
    if (same && t->nto_has_base)
        m = ldrsnap__module_at(tr, p, t->nto_base);
    ldrsnap_kind k = rec->symbol && rec->symbol[0] == '#'
                         ? LDRSNAP_K_ORDINAL_NOT_FOUND
                         : LDRSNAP_K_EXPORT_NOT_FOUND;
    if (rec->flags & LDRSNAP_RF_STATUS &&
        ldrsnap_status_kind(rec->status) == LDRSNAP_K_ORDINAL_NOT_FOUND)
        k = LDRSNAP_K_ORDINAL_NOT_FOUND;
    if (m)
        snprintf(note, sizeof note,
                 "%s (mapped at 0x%llx) does not export it; the loader "
                 "names only that address, the module map names the DLL",
                 m->name, (unsigned long long)t->nto_base);
    else if (same && t->nto_has_base)
        snprintf(note, sizeof note,
                 "the DLL lacking it is named only by its base 0x%llx; no "
                 "ModLoad or map line in the log names that address",
                 (unsigned long long)t->nto_base);
    else
        snprintf(note, sizeof note, "the loader could not find the export");
    if (rec->level == LDRSNAP_L_WARNING)
        snprintf(note, sizeof note, "%s",
                 "GetProcAddress found no such export; the program gets "
                 "NULL and decides what to do");
    fail_spec s = {k, rec->level == LDRSNAP_L_WARNING ? LS_T_SOFT
                                                       : LS_T_ERROR,
                   m ? m->name
                     : rec->dll ? ldrsnap__basename(rec->dll) : NULL,
                   m ? ldrsnap__module_path(p, m) : rec->dll_path, rec->parent,
                   rec->symbol, note, (rec->flags & LDRSNAP_RF_STATUS) != 0,
                   rec->status};
    if (rec->parent)
        ldrsnap__module_seen(tr, p, rec->parent, 0, 0);
    ls_replace(tr, &t->nto_symbol, NULL);
    return ls_fail_rc(tr, ldrsnap__fail_add(tr, p, t, rec, &s));
}


static int on_init_call(ls_trace *tr, ls_proc *p, ls_thread *t,
                        const ldrsnap_record *rec)
{
    if (!rec->dll)
        return LDRSNAP_OK;
    ldrsnap__module_seen(tr, p, rec->dll, 0, 0);
    t->init_depth = t->depth;
    t->init_line = rec->line;
    /* both buffers are reused: every DLL load calls an init routine */
    ls_renew(tr, &t->init_text, &t->init_text_cap, rec->text);
    return ls_set_str(tr, &t->init_dll, &t->init_dll_cap, rec->dll);
}

/* The process failed to initialize with STATUS_DLL_INIT_FAILED while a
 * thread's last act was to call a DLL's init routine: that DLL's DllMain
 * failed (a first-chance exception between them is how it failed). */
static int init_failed_by_name(ls_trace *tr, ls_proc *p,
                               const ldrsnap_record *rec)
{
    ls_thread *last = NULL;
    for (ls_thread *o = p->threads; o; o = o->proc_next)
        if (ls_init_pending(o) && (!last || o->init_line > last->init_line))
            last = o;
    if (!last)
        return LDRSNAP_OK;
    char note[200];
    snprintf(note, sizeof note,
             "the process failed to initialize with this status (line "
             "%llu) right after calling this DLL's init routine (DllMain)",
             (unsigned long long)rec->line);
    ldrsnap_record r;
    memset(&r, 0, sizeof r);
    r.line = last->init_line;
    r.text = last->init_text;
    fail_spec s = {LDRSNAP_K_INIT_FAILED, LS_T_ERROR, last->init_dll,
                   last->init_dll, NULL, NULL, note, true, 0xC0000142u};
    ls_fail *f = ldrsnap__fail_add(tr, p, last, &r, &s);
    init_clear(last);
    return ls_fail_rc(tr, f);
}

static int on_vista_msg(ls_trace *tr, ls_proc *p, ls_thread *t,
                        const ldrsnap_record *rec)
{
    switch (rec->msg) {
    case LDRSNAP_M_UNABLE_TO_LOAD:
        return on_unable(tr, p, t, rec);
    case LDRSNAP_M_PROC_NOT_FOUND:
        ls_replace(tr, &t->nto_symbol, rec->symbol);
        t->nto_base = rec->base;
        t->nto_has_base = (rec->flags & LDRSNAP_RF_BASE) != 0;
        return LDRSNAP_OK;
    case LDRSNAP_M_EXPORT_FAILED:
        if (!rec->symbol && t->nto_symbol) {
            /* Windows 7's LdrpSnapIAT names the two DLLs, the warning
             * before it the export; a copy: on_export() lets it go */
            ldrsnap_record r = *rec;
            char *sym = ldrsnap__strdup(&tr->al, t->nto_symbol);
            if (!sym)
                return LDRSNAP_ENOMEM;
            r.symbol = sym;
            int rc = on_export(tr, p, t, &r);
            ldrsnap__free(&tr->al, sym);
            return rc;
        }
        return on_export(tr, p, t, rec);
    case LDRSNAP_M_KNOWNDLLS_FAILED:
        return ldrsnap__fail_process(
            tr, p, t, rec, ldrsnap_status_kind(rec->status), LS_T_ERROR,
            "the loader could not open the \\KnownDlls object directory");
    case LDRSNAP_M_IMPORTS_FAILED:
        return ldrsnap__fail_process(
            tr, p, t, rec, LDRSNAP_K_PROCESS_INIT_FAILED, LS_T_PROCESS,
            "loading the executable's static imports failed");
    case LDRSNAP_M_PROCESS_INIT_FAILED:
        return ldrsnap__fail_process(tr, p, t, rec,
                                     LDRSNAP_K_PROCESS_INIT_FAILED,
                                     LS_T_PROCESS,
                                     "the process could not start");
    case LDRSNAP_M_EXCEPTION_RAISED: {
        /* the function named is the loader's own (LdrpSnapIAT,
         * LdrpSnapModule), not a symbol that was missing */
        ldrsnap_record r = *rec;
        r.symbol = NULL;
        if (t->nto_symbol && (rec->flags & LDRSNAP_RF_STATUS) &&
            (ldrsnap_status_kind(rec->status) == LDRSNAP_K_EXPORT_NOT_FOUND ||
             ldrsnap_status_kind(rec->status) ==
                 LDRSNAP_K_ORDINAL_NOT_FOUND)) {
            /* Windows 7 prints no LdrpReportError: the export that
             * LdrpNameToOrdinal could not find is what snapping raised */
            /* a copy: on_export() lets the thread's go */
            char *sym = ldrsnap__strdup(&tr->al, t->nto_symbol);
            if (!sym)
                return LDRSNAP_ENOMEM;
            r.symbol = sym;
            r.parent = NULL;
            int rc = on_export(tr, p, t, &r);
            ldrsnap__free(&tr->al, sym);
            return rc;
        }
        return ldrsnap__fail_process(
            tr, p, t, &r, ldrsnap_status_kind(rec->status), LS_T_PROCESS,
            "a loader function raised this status as an exception");
    }
    case LDRSNAP_M_INIT_ROUTINE_FAILED: {
        fail_spec s = {LDRSNAP_K_INIT_FAILED, LS_T_ERROR, rec->dll,
                       rec->dll_path, NULL, NULL,
                       "its init routine (DllMain) failed during "
                       "DLL_PROCESS_ATTACH",
                       true, 0xC0000142u};
        ldrsnap__module_seen(tr, p, rec->dll, 0, 0);
        init_clear(t);
        return ls_fail_rc(tr, ldrsnap__fail_add(tr, p, t, rec, &s));
    }
    case LDRSNAP_M_SUBSYSTEM_FAILED: {
        bool st = (rec->flags & LDRSNAP_RF_STATUS) != 0;
        ldrsnap_kind k = st ? ldrsnap_status_kind(rec->status)
                            : LDRSNAP_K_OTHER;
        fail_spec s = {k, LS_T_ERROR, rec->dll, rec->dll_path, NULL, NULL,
                       "the Windows subsystem DLL could not be loaded: the "
                       "process cannot start",
                       st, rec->status};
        return ls_fail_rc(tr, ldrsnap__fail_add(tr, p, t, rec, &s));
    }
    case LDRSNAP_M_LOCATE_PROC:
        p->went_on_line = rec->line;
        p->went_on_start = rec->line;
        return LDRSNAP_OK;
    case LDRSNAP_M_CALLING_INIT:
        return on_init_call(tr, p, t, rec);
    case LDRSNAP_M_BEGIN_EXEC:
        p->seen_begin = true;
        if (!p->image)
            ls_replace(tr, &p->image, rec->dll);
        ldrsnap__module_seen(tr, p, rec->dll_path ? rec->dll_path : rec->dll,
                             0, 0);
        return LDRSNAP_OK;
    case LDRSNAP_M_MAPPED_DLL:
        ldrsnap__module_seen(tr, p, rec->dll, rec->base, 0);
        return LDRSNAP_OK;
    default:
        return LDRSNAP_OK;
    }
}

/* A pid that begins again is a new process: the old one has ended.  (Not
 * asked again of the record that ended it, when it is offered again.) */
static bool restarts(const ls_trace *tr, const ls_proc *p,
                     const ldrsnap_record *rec)
{
    return !tr->retry &&
           ((rec->msg == LDRSNAP_M_BEGIN_EXEC && p->seen_begin) ||
            (rec->msg == LDRSNAP_M_INIT_PROCESS &&
             (p->seen_init || p->seen_begin)));
}

static LS_ALWAYS_INLINE int trace_vista(ls_trace *tr,
                                        const ldrsnap_record *rec,
                                        const ls_note *note)
{
    bool has_pid = (rec->flags & LDRSNAP_RF_PID) != 0;
    if (has_pid && tr->anon && tr->anon->xp &&
        !ldrsnap__proc_find(tr, rec->pid)) {
        /* an XP process named by no pid is over: a Vista+ record is no
         * line of it (two captures one after the other) */
        ldrsnap__proc_end(tr, tr->anon);
        tr->has_xp_pid = false;
    }
    ls_proc *p = ls_proc_get(tr, rec->pid, has_pid);
    if (p && restarts(tr, p, rec)) {
        ldrsnap__proc_end(tr, p);
        tr->again = true;
        return LS_TRACE_AGAIN;
    }
    if (!p)
        return ls_no_proc(tr);
    if (rec->msg == LDRSNAP_M_INIT_PROCESS)
        p->seen_init = true;
    ls_thread *t = ls_thread_get(tr, p, rec->tid,
                                 (rec->flags & LDRSNAP_RF_TID) != 0);
    if (!t)
        return LDRSNAP_OK; /* thread table full: the record is counted only */
    tr->n.vista_records++;
    p->last_line = rec->line;
    p->nrecords++;
    if (rec->image && !p->image &&
        ls_replace(tr, &p->image, rec->image) < 0)
        return LDRSNAP_ENOMEM;
    int rc = LDRSNAP_OK;
    fn f = {LS_FID_UNKNOWN, 0};
    if (!rec->function && rec->msg == LDRSNAP_M_UNABLE_TO_LOAD)
        rc = on_unable(tr, p, t, rec); /* a fragment of the message */
    if (!rec->function) {
        remember(t, rec->level, f, NULL, rec->status, false);
        return rc;
    }
    f.id = note->fid, f.flags = note->fflags;
    if ((rec->level == LDRSNAP_L_ENTER && rec->msg == LDRSNAP_M_DLL_NAME) ||
        (rec->level == LDRSNAP_L_RETURN && rec->msg == LDRSNAP_M_STATUS)) {
        size_t n = !rec->dll                    ? 0
                   : note->dll_len != SIZE_MAX ? note->dll_len
                                               : strlen(rec->dll);
        ls_call c = {rec->line,
                     rec->text,
                     rec->function,
                     rec->dll,
                     n,
                     NULL,
                     0,
                     rec->pid,
                     rec->tid,
                     rec->status,
                     f.id,
                     f.flags,
                     rec->level,
                     (rec->flags & LDRSNAP_RF_STATUS) != 0,
                     (rec->flags & LDRSNAP_RF_COMPACT) != 0};
        return vista_call(tr, p, t, &c);
    } else {
        if (rec->msg == LDRSNAP_M_PROCESS_INIT_FAILED &&
            (rec->flags & LDRSNAP_RF_STATUS) &&
            rec->status == 0xC0000142u)
            rc = init_failed_by_name(tr, p, rec);
        if (ls_init_pending(t) && t->depth <= t->init_depth &&
            rec->msg != LDRSNAP_M_CALLING_INIT)
            init_clear(t); /* the thread went on after DllMain */
        if (rc == LDRSNAP_OK)
            rc = on_vista_msg(tr, p, t, rec);
    }
    if (f.id == LS_FID_SHUTDOWN && !p->teardown_line)
        p->teardown_line = rec->line;
    remember(t, rec->level, f, rec->function, rec->status,
             rec->level == LDRSNAP_L_ENTER || rec->level == LDRSNAP_L_RETURN);
    return rc;
}

int ldrsnap__trace_call(ls_trace *tr, const ls_call *c, const ls_sink *sink)
{
    tr->sink = sink;
    tr->retry = tr->again; /* (no restart: neither ends a process) */
    tr->again = false;
    if (tr->anon && tr->anon->xp && !ldrsnap__proc_find(tr, c->pid)) {
        /* as trace_vista() */
        ldrsnap__proc_end(tr, tr->anon);
        tr->has_xp_pid = false;
    }
    ls_proc *p = ls_proc_get(tr, c->pid, true);
    if (!p)
        return ls_no_proc(tr);
    ls_thread *t = ls_thread_get(tr, p, c->tid, true);
    if (!t)
        return LDRSNAP_OK; /* thread table full: the record is counted only */
    tr->n.vista_records++;
    p->last_line = c->line;
    p->nrecords++;
    if (c->image_len && !p->image &&
        !(p->image = ldrsnap__strndup(&tr->al, c->image, c->image_len)))
        return LDRSNAP_ENOMEM;
    return vista_call(tr, p, t, c);
}

/* Each record, to its dialect's file: here, with the Vista+ records (most
 * of a log) inline. */
int ldrsnap__trace_record(ls_trace *tr, const ldrsnap_record *rec,
                          const ls_note *note, const ls_sink *sink)
{
    tr->sink = sink;
    tr->retry = tr->again;
    tr->again = false;
    switch (rec->dialect) {
    case LDRSNAP_D_VISTA:
        if (!tr->program && rec->msg == LDRSNAP_M_BEGIN_EXEC)
            ldrsnap__trace_program(tr, rec->dll);
        return trace_vista(tr, rec, note);
    case LDRSNAP_D_XP:
        return ldrsnap__trace_xp(tr, rec);
    case LDRSNAP_D_DEBUGGER:
        if (!tr->retry)
            tr->n.host_records++;
        return ldrsnap__trace_debugger(tr, rec);
    case LDRSNAP_D_IDE:
        if (!tr->retry)
            tr->n.host_records++;
        return ldrsnap__trace_ide(tr, rec);
    case LDRSNAP_D_BLANK:
    case LDRSNAP_D_CONTINUATION:
    case LDRSNAP_D_OTHER:
        break;
    }
    return LDRSNAP_OK;
}
