/*
 * render_json.c - the JSON Lines contract of design.md, schema 1: one
 * object per line, each with "type" and "source".
 */
#include <stddef.h>

#include "cli.h"

static void head(obuf *out, const char *type, const char *source)
{
    ob_write(out, "{\"type\":\"", 9);
    ob_puts(out, type);
    ob_putc(out, '"');
    json_key_str(out, "source", source, true);
}

static void pid_tid(obuf *out, unsigned flags, unsigned pid, unsigned tid)
{
    if (flags & LDRSNAP_FF_PID)
        json_key_u64(out, "pid", pid, true);
    else
        ob_puts(out, ",\"pid\":null");
    if (flags & LDRSNAP_FF_TID)
        json_key_u64(out, "tid", tid, true);
    else
        ob_puts(out, ",\"tid\":null");
}

void json_failure(obuf *out, const char *source, const ldrsnap_failure *f)
{
    head(out, "failure", source);
    json_key_u64(out, "line", f->line, true);
    pid_tid(out, f->flags, f->pid, f->tid);
    json_key_str(out, "kind", ldrsnap_kind_name(f->kind), true);
    json_key_str(out, "dll", f->dll, true);
    json_key_str(out, "dll_path", f->dll_path, true);
    json_key_str(out, "parent", f->parent, true);
    json_key_str(out, "symbol", f->symbol, true);
    json_key_hex(out, "status", f->flags & LDRSNAP_FF_STATUS, f->status,
                 true);
    json_key_str(out, "status_name", f->status_name, true);
    json_key_str(out, "role", ldrsnap_role_name(f->role), true);
    json_key_str(out, "confidence", ldrsnap_confidence_name(f->confidence),
                 true);
    json_chain(out, f->chain, f->chain_len);
    json_key_str(out, "note", f->note, true);
    json_key_str(out, "text", f->text, true);
    ob_puts(out, "}\n");
}

void json_exception(obuf *out, const char *source,
                    const ldrsnap_exception *e)
{
    head(out, "exception", source);
    json_key_u64(out, "line", e->line, true);
    pid_tid(out, e->flags, e->pid, e->tid);
    json_key_hex(out, "code", true, e->code, true);
    json_key_str(out, "code_name", e->code_name, true);
    json_key_str(out, "chance",
                 e->flags & LDRSNAP_FF_SECOND_CHANCE ? "second" : "first",
                 true);
    json_key_str(out, "description", e->description, true);
    json_key_str(out, "dll", e->dll, true);
    json_key_str(out, "text", e->text, true);
    ob_puts(out, "}\n");
}

static void root_cause(obuf *out, const ldrsnap_verdict *v)
{
    ob_putc(out, '{');
    if (v->flags & LDRSNAP_FF_PID)
        json_key_u64(out, "pid", v->pid, false);
    else
        ob_puts(out, "\"pid\":null");
    json_key_str(out, "kind", ldrsnap_kind_name(v->kind), true);
    json_key_str(out, "dll", v->dll, true);
    json_key_str(out, "parent", v->parent, true);
    json_key_hex(out, "status", v->flags & LDRSNAP_FF_STATUS, v->status,
                 true);
    json_key_str(out, "status_name", v->status_name, true);
    json_key_u64(out, "line", v->line, true);
    if (v->flags & LDRSNAP_FF_TID)
        json_key_u64(out, "tid", v->tid, true);
    else
        ob_puts(out, ",\"tid\":null");
    json_key_str(out, "symbol", v->symbol, true);
    json_key_str(out, "image", v->image, true);
    json_key_str(out, "confidence", ldrsnap_confidence_name(v->confidence),
                 true);
    json_chain(out, v->chain, v->chain_len);
    ob_putc(out, '}');
}

void json_signature(obuf *out, const char *source, const ldrsnap_signature *s)
{
    head(out, "signature", source);
    json_key_u64(out, "line", s->line, true);
    ob_puts(out, ",\"lines\":[");
    for (size_t i = 0; i < s->n_lines; i++) {
        if (i)
            ob_putc(out, ',');
        ob_u64(out, s->lines[i]);
    }
    ob_putc(out, ']');
    pid_tid(out, s->flags, s->pid, s->tid);
    json_key_str(out, "id", s->id, true);
    json_key_str(out, "title", s->title, true);
    json_key_str(out, "severity", s->severity, true);
    json_key_str(out, "explanation", s->explanation, true);
    json_key_str(out, "advice", s->advice, true);
    json_key_strs(out, "references", s->references, s->n_references);
    ob_puts(out, "}\n");
}

void json_summary(obuf *out, const char *source, const ldrsnap_summary *s)
{
    head(out, "summary", source);
    json_key_u64(out, "lines", s->lines, true);
    json_key_u64(out, "bytes", s->bytes, true);
    json_key_str(out, "dialect", s->dialect, true);
    json_key_str(out, "encoding", s->encoding, true);
    json_key_u64(out, "processes", s->processes, true);
    json_key_u64(out, "failures", s->failures, true);
    json_key_u64(out, "noise", s->noise, true);
    json_key_u64(out, "handled", s->handled, true);
    json_key_u64(out, "exceptions", s->exceptions, true);
    json_key_u64(out, "signatures", s->signatures, true);
    ob_puts(out, ",\"root_causes\":[");
    for (size_t i = 0; i < s->n_verdicts; i++) {
        if (i)
            ob_putc(out, ',');
        root_cause(out, &s->verdicts[i]);
    }
    ob_printf(out, "],\"schema\":%d}\n", LDRSNAP_SCHEMA_VERSION);
}

void json_error(obuf *out, const char *source, const char *message)
{
    head(out, "error", source);
    json_key_str(out, "message", message, true);
    ob_puts(out, "}\n");
}

void json_record(obuf *out, const char *source, const ldrsnap_record *r)
{
    head(out, "record", source);
    json_key_u64(out, "line", r->line, true);
    json_key_str(out, "dialect", ldrsnap_dialect_name(r->dialect), true);
    json_key_str(out, "msg", ldrsnap_msg_name(r->msg), true);
    if (r->level)
        json_key_str(out, "level", ldrsnap_level_name(r->level), true);
    if (r->flags & LDRSNAP_RF_PID)
        json_key_u64(out, "pid", r->pid, true);
    if (r->flags & LDRSNAP_RF_TID)
        json_key_u64(out, "tid", r->tid, true);
    if (r->flags & LDRSNAP_RF_STATUS)
        json_key_hex(out, "status", true, r->status, true);
    if (r->flags & LDRSNAP_RF_STATUS_ORIG)
        json_key_hex(out, "status_orig", true, r->status_orig, true);
    if (r->flags & LDRSNAP_RF_BASE)
        ob_printf(out, ",\"base\":\"0x%llx\"", (unsigned long long)r->base);
    static const struct {
        const char *k;
        size_t off;
    } f[] = {{"prefix", offsetof(ldrsnap_record, prefix)},
             {"function", offsetof(ldrsnap_record, function)},
             {"dll", offsetof(ldrsnap_record, dll)},
             {"dll_path", offsetof(ldrsnap_record, dll_path)},
             {"parent", offsetof(ldrsnap_record, parent)},
             {"symbol", offsetof(ldrsnap_record, symbol)},
             {"search_path", offsetof(ldrsnap_record, search_path)},
             {"image", offsetof(ldrsnap_record, image)}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const char *v = *(const char *const *)((const char *)r + f[i].off);
        if (v && *v)
            json_key_str(out, f[i].k, v, true);
    }
    static const struct {
        unsigned bit;
        const char *name;
    } fl[] = {{LDRSNAP_RF_COMPACT, "compact"}, {LDRSNAP_RF_CUT, "cut"},
              {LDRSNAP_RF_CAPPED, "capped"},   {LDRSNAP_RF_JOINED, "joined"},
              {LDRSNAP_RF_SPLIT, "split"},     {LDRSNAP_RF_RECODED, "recoded"}};
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if (r->flags & fl[i].bit)
            ob_printf(out, ",\"%s\":true", fl[i].name);
    json_key_str(out, "text", r->text, true);
    ob_puts(out, "}\n");
}
