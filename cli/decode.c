/*
 * decode.c - `ldrsnap decode CODE...`: what a code means, every candidate,
 * like err.exe but offline, without err.exe's low-16-bit guesses, and with
 * our explanation and advice where we have them.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_MATCHES 64
#define WRAP 76

static const char *via_name(ldrsnap_via v)
{
    switch (v) {
    case LDRSNAP_VIA_VALUE:
        return "value";
    case LDRSNAP_VIA_FACILITY_WIN32:
        return "facility_win32";
    case LDRSNAP_VIA_NT_BIT:
        return "nt_bit";
    }
    return "value";
}

/* One reading of the input: a value, how it was read, its names. */
typedef struct reading {
    uint32_t value;
    const char *how;
    ldrsnap_code m[MAX_MATCHES];
    size_t n;
} reading;

typedef struct decoded {
    const char *input;
    reading r[2];
    unsigned n;
    bool by_name;
} decoded;

static bool decode_one(const char *input, decoded *d)
{
    ldrsnap_code_input in;
    memset(d, 0, sizeof *d);
    d->input = input;
    if (ldrsnap_code_parse(input, &in) == LDRSNAP_OK) {
        for (unsigned i = 0; i < in.n; i++) {
            reading *r = &d->r[d->n++];
            r->value = in.value[i];
            r->how = in.how[i];
            r->n = ldrsnap_code_lookup(r->value, r->m, MAX_MATCHES);
            if (r->n > MAX_MATCHES)
                r->n = MAX_MATCHES;
        }
        return true;
    }
    ldrsnap_code byname[8];
    size_t k = ldrsnap_code_by_name(input, byname, 8);
    if (!k)
        return false;
    /* a name: decode its value(s) in full */
    d->by_name = true;
    for (size_t i = 0; i < k && d->n < 2; i++) {
        if (d->n && d->r[0].value == byname[i].value)
            continue;
        reading *r = &d->r[d->n++];
        r->value = byname[i].value;
        r->how = "name";
        r->n = ldrsnap_code_lookup(r->value, r->m, MAX_MATCHES);
        if (r->n > MAX_MATCHES)
            r->n = MAX_MATCHES;
    }
    return true;
}

/* The reading to lead with: the first one that names something. */
static const reading *primary(const decoded *d)
{
    for (unsigned i = 0; i < d->n; i++)
        if (d->r[i].n)
            return &d->r[i];
    return &d->r[0];
}

/* ---- JSON Lines ------------------------------------------------------------ */

static void json_fields(obuf *out, uint32_t v)
{
    ob_printf(out,
            ",\"fields\":{\"severity\":%u,\"customer\":%u,\"n\":%u,"
            "\"facility\":%u,\"code\":%u}",
            v >> 30, (v >> 29) & 1, (v >> 28) & 1, (v >> 16) & 0xFFF,
            v & 0xFFFF);
}

static void json_match(obuf *out, const ldrsnap_code *c, const reading *r,
                       bool first)
{
    ob_puts(out, first ? "{" : ",{");
    json_key_str(out, "family", ldrsnap_family_name(c->family), false);
    json_key_str(out, "name", c->name, true);
    json_key_hex(out, "value", true, c->value, true);
    json_key_str(out, "via", via_name(c->via), true);
    json_key_str(out, "reading", r->how, true);
    json_key_str(out, "explanation", c->explanation, true);
    json_key_str(out, "advice", c->advice, true);
    char meaning[512];
    ldrsnap_code_meaning(c, meaning, sizeof meaning);
    json_key_str(out, "meaning", meaning, true);
    ob_putc(out, '}');
}

static void json_decoded(obuf *out, const decoded *d)
{
    const reading *p = primary(d);
    ob_puts(out, "{");
    json_key_str(out, "input", d->input, false);
    json_key_hex(out, "value", true, p->value, true);
    ob_puts(out, ",\"matches\":[");
    bool first = true;
    for (unsigned i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->r[i].n; j++, first = false)
            json_match(out, &d->r[i].m[j], &d->r[i], first);
    ob_putc(out, ']');
    json_fields(out, p->value);
    ob_puts(out, ",\"contexts\":[");
    const char *ex, *adv;
    if (ldrsnap_code_context(p->value, "iis_exit", &ex, &adv) == 0) {
        ob_puts(out, "{\"context\":\"iis_exit\"");
        json_key_str(out, "explanation", ex, true);
        json_key_str(out, "advice", adv, true);
        ob_putc(out, '}');
    }
    ob_puts(out, "]}\n");
}

/* ---- text ------------------------------------------------------------------ */

/* Print text wrapped at WRAP columns, the first line after `lead`,
 * continuation lines indented by `cont`. */
void text_wrapped(obuf *out, size_t indent, const char *lead,
                  const char *text, size_t cont)
{
    size_t col = indent + strlen(lead);
    ob_printf(out, "%*s%s", (int)indent, "", lead);
    bool line_start = true;
    for (const char *p = text; *p;) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (!w)
            break;
        if (!line_start && col + 1 + w > WRAP) {
            ob_printf(out, "\n%*s", (int)cont, "");
            col = cont;
            line_start = true;
        }
        if (!line_start) {
            ob_putc(out, ' ');
            col++;
        }
        ob_write(out, p, w);
        col += w;
        p += w;
        line_start = false;
    }
    ob_putc(out, '\n');
}

static void wrapped(obuf *out, const char *lead, const char *text)
{
    text_wrapped(out, 13, lead, text, 15);
}

static void text_match(obuf *out, const ldrsnap_code *c)
{
    ob_printf(out, "  %-10s %s", ldrsnap_family_name(c->family), c->name);
    if (c->via == LDRSNAP_VIA_FACILITY_WIN32)
        ob_printf(out, "  (Win32 %u inside the HRESULT: FACILITY_WIN32)",
                c->value);
    else if (c->via == LDRSNAP_VIA_NT_BIT)
        ob_printf(out, "  (NTSTATUS 0x%08x inside the HRESULT: N bit)",
                c->value);
    ob_putc(out, '\n');
    char meaning[512];
    if (c->explanation)
        wrapped(out, "", c->explanation);
    else if (ldrsnap_code_meaning(c, meaning, sizeof meaning))
        wrapped(out, "", meaning);
    if (c->advice)
        wrapped(out, "advice: ", c->advice);
}

static void text_reading(obuf *out, const reading *r)
{
    int32_t sv = (int32_t)r->value;
    ob_printf(out, "0x%08x  (read as %s; decimal %u", r->value, r->how,
            r->value);
    if (sv < 0)
        ob_printf(out, " / %d", sv);
    ob_puts(out, ")\n");
    for (size_t j = 0; j < r->n; j++)
        text_match(out, &r->m[j]);
    if (!r->n)
        ob_puts(out, "  unknown    no Win32, HRESULT, NTSTATUS or exception "
                     "code has this value\n");
    uint32_t v = r->value;
    ob_printf(out, "  fields     severity %u, customer %u, N %u, facility "
                 "0x%03x, code 0x%04x (%u)\n",
            v >> 30, (v >> 29) & 1, (v >> 28) & 1, (v >> 16) & 0xFFF,
            v & 0xFFFF, v & 0xFFFF);
    const char *ex, *adv;
    if (ldrsnap_code_context(v, "iis_exit", &ex, &adv) == 0) {
        ob_puts(out, "  as an IIS worker exit code (W3SVC Event 1009)\n");
        wrapped(out, "", ex);
        wrapped(out, "advice: ", adv);
    }
}

static void text_decoded(obuf *out, const decoded *d)
{
    ob_printf(out, "# %s\n", d->input);
    for (unsigned i = 0; i < d->n; i++) {
        const reading *r = &d->r[i];
        bool other_names = d->n > 1 && d->r[1 - i].n > 0;
        if (!r->n && other_names)
            ob_printf(out, "  (read as %s, 0x%08x names nothing)\n", r->how,
                    r->value);
        else
            text_reading(out, r);
    }
}

int cmd_decode(int argc, char **argv, const cli_opts *o)
{
    int status = EXIT_CLEAN;
    for (int i = 0; i < argc; i++) {
        decoded d;
        if (!decode_one(argv[i], &d)) {
            if (o->format == FMT_JSONL) {
                ob_puts(&ob_stdout, "{");
                json_key_str(&ob_stdout, "input", argv[i], false);
                ob_puts(&ob_stdout, ",\"value\":null,\"matches\":[],"
                                    "\"error\":\"not a number nor a known "
                                    "code name\"}\n");
            }
            if (ob_stdout.tty)
                ob_flush(&ob_stdout); /* what came before, first */
            fprintf(stderr, "ldrsnap: decode: '%s' is not a number nor "
                            "a known code name\n", argv[i]);
            status = EXIT_TROUBLE;
            continue;
        }
        if (o->format == FMT_JSONL)
            json_decoded(&ob_stdout, &d);
        else
            text_decoded(&ob_stdout, &d);
    }
    return status;
}
