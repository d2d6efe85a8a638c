/*
 * render_html.c - one self-contained page (--format=html): inline CSS and
 * a little inline script, no network, readable without JavaScript; light
 * and dark schemes follow the system.
 *
 * Per log: the verdict cards (what failed, why, the status with its name
 * and meaning, the confidence, the signatures, the advice and the next
 * steps), the load tree of each failing process (the failing path open,
 * the rest folded in <details>), a per-thread timeline (a lane per loader
 * thread, top-level loads as spans, failures marked), the decoded codes,
 * and the evidence with line numbers, each a link to its place in an
 * excerpt of the log (only windows around the evidence: the page of a
 * 200 MB log stays small).  Over several logs the page opens with the
 * rollup table (written last, shown first with CSS `order`, so that the
 * page streams).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* stdio's argument order, onto the output buffer (out.c) */
static inline void ob_puts_(const char *s, obuf *o)
{
    ob_puts(o, s);
}

static inline void ob_putc_(int c, obuf *o)
{
    ob_putc(o, (char)c);
}

static inline void ob_fwrite_(const void *p, size_t size, size_t n, obuf *o)
{
    ob_write(o, p, size * n);
}

#define MAX_LINE_BYTES EXCERPT_LINE_BYTES

/* ---- escaping ---------------------------------------------------------- */

/* Text for HTML: markup characters as entities, control bytes shown as
 * \xNN, bytes that are not UTF-8 as U+FFFD. */
static void hputx(obuf *out, const char *str, size_t n, bool lines);

static void hputn(obuf *out, const char *str, size_t n)
{
    hputx(out, str, n, false);
}

/* Text that keeps its line breaks (advice laid out by its author). */
static void hput_lines(obuf *out, const char *s)
{
    if (s)
        hputx(out, s, strlen(s), true);
}

static void hputx(obuf *out, const char *str, size_t n, bool lines)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n && s[i];) {
        unsigned c = s[i];
        switch (c) {
        case '&': ob_puts_("&amp;", out); i++; continue;
        case '<': ob_puts_("&lt;", out); i++; continue;
        case '>': ob_puts_("&gt;", out); i++; continue;
        case '"': ob_puts_("&quot;", out); i++; continue;
        case '\'': ob_puts_("&#39;", out); i++; continue;
        case '\t': ob_puts_("    ", out); i++; continue;
        default: break;
        }
        if (c == '\n' && lines) {
            ob_putc_('\n', out);
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            ob_printf(out, "\\x%02x", c);
            i++;
            continue;
        }
        size_t k = cli_utf8_len(s + i, false); /* C1 controls as U+FFFD */
        if (!k || i + k > n) {
            ob_puts_("\xEF\xBF\xBD", out);
            i++;
            continue;
        }
        ob_fwrite_(s + i, 1, k, out);
        i += k;
    }
}

static void hput(obuf *out, const char *s)
{
    if (s)
        hputn(out, s, strlen(s));
}

/* ---- the page ---------------------------------------------------------- */

static const char css[] =
    ":root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--mute:#59636e;"
    "--line:#d1d9e0;--card:#f6f8fa;--bad:#cf222e;--badbg:#ffebe9;"
    "--warn:#9a6700;--ok:#1a7f37;--acc:#0969da;--hl:#fff8c5}\n"
    "@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;"
    "--mute:#9198a1;--line:#3d444d;--card:#151b23;--bad:#ff7b72;"
    "--badbg:#3c1618;--warn:#d29922;--ok:#3fb950;--acc:#4493f8;"
    "--hl:#3d3000}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 "
    "system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\n"
    "main{display:flex;flex-direction:column;gap:28px;max-width:1180px;"
    "margin:0 auto;padding:20px}\n"
    "#rollup{order:-1}\n"
    "h1{font-size:20px;margin:0}h2{font-size:18px;margin:0 0 10px;"
    "word-break:break-all}h3{font-size:15px;margin:18px 0 8px}\n"
    "code,pre,.mono{font-family:ui-monospace,'Cascadia Mono',Consolas,"
    "'DejaVu Sans Mono',monospace;font-size:12.5px}\n"
    "a{color:var(--acc)}\n"
    ".log{border-top:3px solid var(--line);padding-top:12px}\n"
    ".log.failing{border-top-color:var(--bad)}\n"
    ".card{background:var(--card);border:1px solid var(--line);"
    "border-left:5px solid var(--bad);border-radius:6px;padding:12px 16px;"
    "margin:10px 0}\n"
    ".card.low{border-left-color:var(--warn)}\n"
    ".headline{font-size:17px;font-weight:600;color:var(--bad);margin:0 0 "
    "8px;word-break:break-word}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;"
    "margin:0}dt{color:var(--mute)}dd{margin:0;word-break:break-word}\n"
    ".chain{display:inline;padding:0;margin:0;list-style:none}"
    ".chain li{display:inline}.chain li+li::before{content:' \\203A ';"
    "color:var(--mute)}\n"
    ".status-name{font-weight:600}\n"
    ".sig{border-left:3px solid var(--warn);padding:4px 10px;margin:8px 0}"
    "\n.sev{font-weight:600;text-transform:uppercase;font-size:11px;"
    "color:var(--warn)}\n"
    ".advice,.steps pre{white-space:pre-wrap}\n"
    ".steps{padding-left:22px}.steps li{margin:6px 0}\n"
    ".steps pre{background:var(--card);border:1px solid var(--line);"
    "border-radius:4px;padding:4px 8px;margin:3px 0;position:relative}\n"
    ".copy{position:absolute;right:4px;top:2px;font-size:11px}\n"
    ".tree ul{list-style:none;margin:0;padding-left:18px;border-left:1px "
    "dotted var(--line)}.tree>ul{border:0;padding:0}\n"
    ".tree summary{cursor:pointer}.node.fail{color:var(--bad);"
    "font-weight:600}.node.path>span,.node.path>details>summary>span{"
    "font-weight:600}\n"
    ".node .st{font-weight:400;font-size:12px}.folded{color:var(--mute)}\n"
    ".timeline{border:1px solid var(--line);border-radius:6px;padding:8px;"
    "overflow-x:auto}\n"
    ".lane{display:grid;grid-template-columns:110px 1fr;align-items:center;"
    "min-height:22px}\n"
    ".tid{color:var(--mute);font-size:12px}\n"
    ".track{position:relative;height:18px;background:var(--card);"
    "border-radius:3px}\n"
    ".span{position:absolute;top:2px;height:14px;min-width:3px;"
    "background:var(--ok);opacity:.75;border-radius:2px;overflow:hidden;"
    "font-size:10px;line-height:14px;color:#fff;white-space:nowrap;"
    "text-decoration:none}\n"
    ".span.failed{background:var(--bad);opacity:1}\n"
    ".mark{position:absolute;top:0;width:3px;height:18px;"
    "background:var(--bad)}\n"
    ".axis{display:flex;justify-content:space-between;color:var(--mute);"
    "font-size:11px;margin-left:110px}\n"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;"
    "padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:"
    "top}\n"
    "td.text{word-break:break-all}\n"
    "tr.root_cause td{color:var(--bad)}\n"
    ".excerpt{background:var(--card);border:1px solid var(--line);"
    "border-radius:6px;padding:6px 0;overflow-x:auto;white-space:pre;"
    "margin:0}\n"
    ".excerpt span{display:block;padding:0 10px}.excerpt .no{display:"
    "inline-block;min-width:64px;color:var(--mute);user-select:none;"
    "padding:0}\n"
    ".excerpt .ev{background:var(--badbg)}\n"
    ".excerpt .gap{color:var(--mute)}\n"
    ".excerpt span:target{background:var(--hl);outline:2px solid "
    "var(--acc)}\n"
    ".mute{color:var(--mute)}.clean{color:var(--ok)}\n";

static const char script[] =
    "(function(){\n"
    "var d=document;d.documentElement.setAttribute('data-js','ready');\n"
    "d.querySelectorAll('.steps pre').forEach(function(p){\n"
    " var b=d.createElement('button');b.className='copy';b.type='button';\n"
    " b.textContent='copy';b.addEventListener('click',function(){\n"
    "  var t=p.querySelector('code').textContent;\n"
    "  if(navigator.clipboard)navigator.clipboard.writeText(t);\n"
    "  b.textContent='copied';});p.appendChild(b);});\n"
    "d.querySelectorAll('a.ev').forEach(function(a){\n"
    " a.addEventListener('click',function(){\n"
    "  var t=d.getElementById(a.getAttribute('href').slice(1));\n"
    "  if(!t)return;var x=t.closest('details');if(x)x.open=true;});});\n"
    "d.querySelectorAll('[data-expand]').forEach(function(b){\n"
    " b.hidden=false;b.addEventListener('click',function(){\n"
    "  var s=d.getElementById(b.getAttribute('data-expand'));\n"
    "  var all=s.querySelectorAll('details'),open=b.textContent=="
    "'expand all';\n"
    "  all.forEach(function(x){x.open=open;});\n"
    "  b.textContent=open?'fold':'expand all';});});\n"
    "var f=d.querySelectorAll('section.log.failing').length;\n"
    "d.documentElement.setAttribute('data-failing',String(f));\n"
    "})();\n";

void html_begin(obuf *out, size_t nlogs)
{
    ob_puts_("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset="
          "\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-"
          "width,initial-scale=1\">\n<meta name=\"generator\" content="
          "\"ldrsnap " LDRSNAP_VERSION_STRING "\">\n"
          "<title>ldrsnap report</title>\n<style>\n", out);
    ob_puts_(css, out);
    ob_printf(out, "</style>\n</head>\n<body>\n<main data-logs=\"%zu\">\n",
            nlogs);
}

/* ---- a log ------------------------------------------------------------- */

static void headline(obuf *out, const ldrsnap_verdict *v)
{
    const char *dll = v->dll;
    if (v->confidence == LDRSNAP_CONF_LOW)
        ob_puts_("possibly: ", out);
    switch (v->kind) {
    case LDRSNAP_K_DLL_NOT_FOUND:
        hput(out, dll ? dll : "a DLL");
        ob_puts_(" was not found", out);
        break;
    case LDRSNAP_K_EXPORT_NOT_FOUND:
    case LDRSNAP_K_ORDINAL_NOT_FOUND:
        hput(out, dll ? dll : "a DLL");
        ob_puts_(v->symbol ? " lacks the export " : " lacks an export", out);
        hput(out, v->symbol);
        if (v->parent) {
            ob_puts_(" needed by ", out);
            hput(out, cli_basename(v->parent));
        }
        break;
    case LDRSNAP_K_BAD_IMAGE:
        hput(out, dll ? dll : "a DLL");
        ob_puts_(" is not a valid image for this process", out);
        break;
    case LDRSNAP_K_INIT_FAILED:
        hput(out, dll ? dll : "a DLL");
        ob_puts_(" failed to initialize (its DllMain)", out);
        break;
    case LDRSNAP_K_ACCESS_DENIED:
        ob_puts_("access denied", out);
        if (dll) {
            ob_puts_(" loading ", out);
            hput(out, dll);
        }
        break;
    case LDRSNAP_K_SXS:
        ob_puts_("side-by-side configuration of ", out);
        hput(out, dll ? dll : "a DLL");
        ob_puts_(" failed", out);
        break;
    case LDRSNAP_K_PROCESS_INIT_FAILED:
        ob_puts_("the process failed to initialize", out);
        break;
    case LDRSNAP_K_OTHER:
        hput(out, dll ? dll : "the process");
        ob_puts_(dll ? " could not be loaded" : " failed", out);
        break;
    }
}

static bool code_of(uint32_t status, const char *name, ldrsnap_code *out)
{
    ldrsnap_code m[16];
    size_t n = ldrsnap_code_lookup(status, m, 16);
    for (size_t i = 0; i < n && i < 16; i++) {
        if (name && strcmp(m[i].name, name) != 0)
            continue;
        *out = m[i];
        return true;
    }
    if (n) {
        *out = m[0];
        return true;
    }
    return false;
}

typedef struct hlog {
    obuf *out;
    const html_input *in;
    report_index ix;
    unsigned id;
    excerpt x;         /* the lines of the log the page holds */
} hlog;

/* Does the page hold this line of the log (a link to it opens)? */
static bool in_excerpt(const hlog *h, uint64_t line)
{
    size_t lo = 0, hi = h->x.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->x.lines[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < h->x.n && h->x.lines[lo].line == line;
}

static void sig_html(hlog *h, const ldrsnap_signature *sg,
                     const ldrsnap_verdict *v)
{
    obuf *out = h->out;
    ob_puts_("<div class=\"sig\" data-rule=\"", out);
    hput(out, sg->id);
    ob_puts_("\"><span class=\"sev\">", out);
    hput(out, sg->severity);
    ob_puts_("</span> <strong>", out);
    hput(out, sg->title);
    ob_puts_("</strong> <span class=\"mute\">rule ", out);
    hput(out, sg->id);
    ob_puts_(", line", out);
    for (size_t i = 0; i < sg->n_lines && i < 20; i++)
        ob_printf(out, "%s <a class=\"ev\" href=\"#l%u-%llu\">%llu</a>",
                i ? "," : "", h->id, (unsigned long long)sg->lines[i],
                (unsigned long long)sg->lines[i]);
    ob_puts_("</span>", out);
    if (sg->explanation) {
        ob_puts_("<p>", out);
        hput(out, sg->explanation);
        ob_puts_("</p>", out);
    }
    if (sg->advice) {
        char *filled = cli_fill_names(sg->advice, v ? v->dll : NULL,
                                      v ? v->image : NULL);
        ob_puts_("<div class=\"advice\">", out);
        hput_lines(out, filled ? filled : sg->advice);
        free(filled);
        ob_puts_("</div>", out);
    }
    ob_puts_("</div>\n", out);
}

static void card(hlog *h, size_t k)
{
    obuf *out = h->out;
    const ldrsnap_summary *s = h->in->summary;
    const ldrsnap_verdict *v = &s->verdicts[k];
    ob_printf(out, "<article class=\"card verdict%s\" id=\"v%u-%zu\" "
                 "data-kind=\"%s\" data-status=\"",
            v->confidence == LDRSNAP_CONF_LOW ? " low" : "", h->id, k,
            ldrsnap_kind_name(v->kind));
    if (v->flags & LDRSNAP_FF_STATUS)
        ob_printf(out, "0x%08x", v->status);
    ob_puts_("\" data-dll=\"", out);
    hput(out, v->dll);
    ob_puts_("\">\n<p class=\"headline\">", out);
    headline(out, v);
    ob_puts_("</p>\n<dl>\n<dt>process</dt><dd>", out);
    if (v->flags & LDRSNAP_FF_PID)
        ob_printf(out, "%04x", v->pid);
    else
        ob_puts_("(not in the log)", out);
    if (v->image) {
        ob_puts_(" <strong>", out);
        hput(out, v->image);
        ob_puts_("</strong>", out);
    }
    if (v->flags & LDRSNAP_FF_TID)
        ob_printf(out, ", thread %04x", v->tid);
    ob_puts_("</dd>\n<dt>status</dt><dd>", out);
    ldrsnap_code code;
    bool has_code = (v->flags & LDRSNAP_FF_STATUS) &&
                    code_of(v->status, v->status_name, &code);
    if (v->flags & LDRSNAP_FF_STATUS) {
        ob_printf(out, "<code class=\"status\">0x%08x</code>", v->status);
        if (v->status_name) {
            ob_puts_(" <span class=\"status-name\">", out);
            hput(out, v->status_name);
            ob_puts_("</span>", out);
        }
        if (has_code && code.explanation) {
            ob_puts_(": ", out);
            hput(out, code.explanation);
        }
    } else {
        ob_puts_("not in the log", out);
    }
    ob_puts_("</dd>\n", out);
    if (v->dll_path && v->dll && strcmp(v->dll_path, v->dll)) {
        ob_puts_("<dt>path</dt><dd class=\"mono\">", out);
        hput(out, v->dll_path);
        ob_puts_("</dd>\n", out);
    }
    if (v->parent) {
        ob_puts_("<dt>loaded by</dt><dd class=\"mono\">", out);
        hput(out, v->parent);
        ob_puts_("</dd>\n", out);
    }
    if (v->chain_len) {
        ob_puts_("<dt>chain</dt><dd><ol class=\"chain\">", out);
        for (size_t i = 0; i < v->chain_len; i++) {
            ob_puts_("<li>", out);
            hput(out, v->chain[i]);
            ob_puts_("</li>", out);
        }
        ob_puts_("</ol></dd>\n", out);
    }
    ob_printf(out, "<dt>kind</dt><dd>%s</dd>\n<dt>confidence</dt><dd>%s",
            ldrsnap_kind_name(v->kind),
            ldrsnap_confidence_name(v->confidence));
    if (v->note) {
        ob_puts_(": ", out);
        hput(out, v->note);
    }
    ob_printf(out, " (<a class=\"ev\" href=\"#l%u-%llu\">line %llu</a>)"
                 "</dd>\n</dl>\n",
            h->id, (unsigned long long)v->line,
            (unsigned long long)v->line);
    const buckets *b = &h->ix.sigs;
    for (size_t i = b->start[k]; i < b->start[k + 1]; i++)
        sig_html(h, &h->in->rep->sigs[b->idx[i]].s, v);
    if (has_code && code.advice &&
        b->start[k] == b->start[k + 1]) {
        char *filled = cli_fill_names(code.advice, v->dll, v->image);
        ob_puts_("<div class=\"advice\"><strong>advice</strong> ", out);
        hput(out, filled ? filled : code.advice);
        free(filled);
        ob_puts_("</div>\n", out);
    }
    ob_puts_("</article>\n", out);
}

static void next_steps_html(hlog *h)
{
    obuf *out = h->out;
    steps st = {0};
    size_t nv = h->in->summary->n_verdicts;
    const char **arch = calloc(nv + 1, sizeof *arch);
    for (size_t k = 0; arch && k < nv && k < 64; k++)
        arch[k] = report_arch(h->in->rep, h->in->summary, &h->ix, k);
    if (arch && next_steps(&st, h->in->summary, arch) == 0 && st.n) {
        ob_puts_("<h3>Next steps</h3>\n<ol class=\"steps\">\n", out);
        for (size_t i = 0; i < st.n; i++) {
            ob_puts_("<li><span>", out);
            hput(out, st.v[i].title);
            ob_puts_("</span>", out);
            for (size_t k = 0; k < st.v[i].ncmds; k++) {
                ob_puts_("<pre><code>", out);
                hput(out, st.v[i].cmds[k]);
                ob_puts_("</code></pre>", out);
            }
            ob_puts_("</li>\n", out);
        }
        ob_puts_("</ol>\n", out);
    }
    steps_free(&st);
    free(arch);
}

/* ---- the load tree ------------------------------------------------------- */

static void node_label(hlog *h, const tnode *n)
{
    obuf *out = h->out;
    ob_puts_("<span", out);
    if (n->path) {
        ob_puts_(" title=\"", out);
        hput(out, n->path);
        ob_puts_("\"", out);
    }
    ob_puts_(">", out);
    hput(out, n->name);
    ob_puts_("</span>", out);
    if (n->rank >= 2) {
        ob_puts_(" <span class=\"st\">", out);
        if (n->has_status) {
            const char *nm = ldrsnap_status_name(n->status);
            ob_printf(out, "0x%08x %s ", n->status, nm ? nm : "");
        }
        /* a handled failure's line is in the excerpts only with --all */
        if (in_excerpt(h, n->fail_line))
            ob_printf(out, "(%s, <a class=\"ev\" href=\"#l%u-%llu\">line "
                           "%llu</a>)</span>",
                      ldrsnap_role_name(n->role), h->id,
                      (unsigned long long)n->fail_line,
                      (unsigned long long)n->fail_line);
        else
            ob_printf(out, "(%s, line %llu)</span>",
                      ldrsnap_role_name(n->role),
                      (unsigned long long)n->fail_line);
    }
}

static const char *node_class(const tnode *n)
{
    return n->rank >= 3 ? "node fail" : n->shown ? "node path" : "node";
}

/* The children of n that are not shown, an item each (200 at most). */
static void folded_kids(hlog *h, const tree *t, const tnode *n)
{
    size_t k = 0;
    for (uint32_t c = n->first; c != TREE_NONE && k < 200;
         c = tree_node(t, c)->next)
        if (!tree_node(t, c)->shown) {
            ob_puts_("<li class=\"node\">", h->out);
            node_label(h, tree_node(t, c));
            ob_puts_("</li>", h->out);
            k++;
        }
}

/* The children of n: the shown ones (the failing paths) open, the rest
 * folded.  Depth-first without recursion. */
static void tree_html(hlog *h, const tree *t, uint32_t root)
{
    obuf *out = h->out;
    enum { DEPTH = 48 };
    uint32_t stack[DEPTH];
    int d = 0;
    const tnode *r = tree_node(t, root);
    ob_printf(out, "<ul><li class=\"%s\" data-root=\"1\">", node_class(r));
    ob_puts_("<details open><summary>", out);
    node_label(h, r);
    ob_puts_("</summary>\n<ul>", out);
    stack[0] = r->first;
    while (d >= 0) {
        uint32_t i = stack[d];
        if (i == TREE_NONE) {
            ob_puts_("</ul></details></li>", out);
            if (--d >= 0)
                stack[d] = tree_node(t, stack[d])->next;
            continue;
        }
        const tnode *n = tree_node(t, i);
        if (!n->shown) { /* folded: listed under its parent's fold */
            stack[d] = n->next;
            continue;
        }
        ob_printf(out, "<li class=\"%s\">", node_class(n));
        bool kids = false;
        for (uint32_t c = n->first; c != TREE_NONE && !kids;
             c = tree_node(t, c)->next)
            kids = true;
        if (kids && d + 1 < DEPTH) {
            ob_puts_("<details open><summary>", out);
            node_label(h, n);
            ob_puts_("</summary>\n<ul>", out);
            stack[++d] = n->first;
            /* the folded children first, in one closed <details> */
            if (n->nhidden) {
                ob_printf(out, "<li class=\"folded\"><details><summary>%zu "
                             "more loaded</summary><ul>",
                        n->nhidden);
                folded_kids(h, t, n);
                ob_puts_("</ul></details></li>", out);
            }
        } else {
            node_label(h, n);
            ob_puts_("</li>", out);
            stack[d] = n->next;
        }
    }
    ob_puts_("</ul>\n", out);
}

static void root_folded(hlog *h, const tree *t, uint32_t root)
{
    /* the root's own folded children: tree_html() lists them only under
     * nodes it opens, and the root is opened by hand */
    const tnode *r = tree_node(t, root);
    if (!r->nhidden)
        return;
    obuf *out = h->out;
    ob_printf(out, "<div class=\"folded\"><details><summary>%zu more loaded "
                 "by the program</summary><ul>",
            r->nhidden);
    folded_kids(h, t, r);
    ob_puts_("</ul></details></div>\n", out);
}

/* ---- the timeline -------------------------------------------------------- */

static double pos(uint64_t line, uint64_t lo, uint64_t hi)
{
    return hi > lo ? 100.0 * (double)(line - lo) / (double)(hi - lo) : 0;
}

static void timeline(hlog *h, const tree *t, const tproc *p, size_t k)
{
    obuf *out = h->out;
    uint64_t lo = p->first_line, hi = p->last_line + 1;
    const report *r = h->in->rep;
    const buckets *fb = &h->ix.fails;
    if (!p->threads)
        return;
    ob_printf(out, "<h3>Threads</h3>\n<div class=\"timeline\" "
                 "data-lanes=\"%zu\">\n",
            p->nthreads);
    for (const tthread *th = p->threads; th; th = th->next) {
        ob_puts_("<div class=\"lane\"><span class=\"tid\">", out);
        if (th->has_tid)
            ob_printf(out, "thread %04x", th->tid);
        else
            ob_puts_("(no thread)", out);
        ob_puts_("</span><div class=\"track\">", out);
        for (size_t i = 0; i < th->nspans; i++) {
            const tspan *sp = &th->spans[i];
            const tnode *n = tree_node(t, sp->node);
            double a = pos(sp->start, lo, hi), b = pos(sp->end + 1, lo, hi);
            /* a link to where the load began or ended, when the excerpts
             * hold it (most loads are far from any evidence) */
            uint64_t to = in_excerpt(h, sp->start) ? sp->start
                          : in_excerpt(h, sp->end) ? sp->end : 0;
            ob_printf(out, "<a class=\"span%s\"", sp->failed ? " failed" : "");
            if (to)
                ob_printf(out, " href=\"#l%u-%llu\"", h->id,
                          (unsigned long long)to);
            ob_printf(out, " style=\"left:%.2f%%;width:%.2f%%\" title=\"",
                      a, b - a);
            hput(out, n ? n->name : "?");
            ob_printf(out, ", lines %llu-%llu", (unsigned long long)sp->start,
                    (unsigned long long)sp->end);
            if (sp->failed)
                ob_printf(out, ", 0x%08x", sp->status);
            ob_puts_("\">", out);
            hput(out, n ? n->name : "");
            ob_puts_("</a>", out);
        }
        /* the failures of this thread, marked */
        for (size_t i = fb->start[k]; i < fb->start[k + 1]; i++) {
            const ldrsnap_failure *f = &r->fails[fb->idx[i]].f;
            bool has = (f->flags & LDRSNAP_FF_TID) != 0;
            if (f->role != LDRSNAP_ROLE_ROOT_CAUSE || has != th->has_tid ||
                (has && f->tid != th->tid))
                continue;
            ob_printf(out, "<i class=\"mark\" style=\"left:%.2f%%\" "
                         "title=\"line %llu: ",
                    pos(f->line, lo, hi), (unsigned long long)f->line);
            hput(out, f->dll);
            ob_puts_("\"></i>", out);
        }
        ob_puts_("</div></div>\n", out);
        if (th->more)
            ob_printf(out, "<p class=\"mute\">thread %04x: %zu more loads "
                         "not drawn</p>\n",
                    th->tid, th->more);
    }
    ob_printf(out, "<div class=\"axis\"><span>line %llu</span><span>line "
                 "%llu</span></div>\n</div>\n",
            (unsigned long long)lo, (unsigned long long)p->last_line);
}

/* ---- codes, evidence, excerpts ------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void codes(hlog *h)
{
    obuf *out = h->out;
    const ldrsnap_summary *s = h->in->summary;
    const report *r = h->in->rep;
    uint32_t v[64];
    size_t n = 0;
    for (size_t i = 0; i < s->n_verdicts && n < 32; i++)
        if (s->verdicts[i].flags & LDRSNAP_FF_STATUS)
            v[n++] = s->verdicts[i].status;
    for (size_t i = 0; i < r->nfails && n < 64; i++)
        if ((r->fails[i].f.flags & LDRSNAP_FF_STATUS) &&
            r->fails[i].f.role != LDRSNAP_ROLE_NOISE)
            v[n++] = r->fails[i].f.status;
    qsort(v, n, sizeof *v, cmp_u32);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || v[m - 1] != v[i])
            v[m++] = v[i];
    if (!m)
        return;
    ob_puts_("<h3>Codes</h3>\n<table class=\"codes\"><tr><th>value</th>"
          "<th>family</th><th>name</th><th>meaning</th></tr>\n", out);
    for (size_t i = 0; i < m; i++) {
        ldrsnap_code c[8];
        size_t k = ldrsnap_code_lookup(v[i], c, 8);
        if (k > 8)
            k = 8;
        if (!k)
            ob_printf(out, "<tr><td class=\"mono\">0x%08x</td><td></td><td>"
                         "</td><td>no known name</td></tr>\n",
                    v[i]);
        for (size_t j = 0; j < k; j++) {
            ob_printf(out, "<tr><td class=\"mono\">0x%08x</td><td>%s</td>"
                         "<td class=\"mono\">",
                    v[i], ldrsnap_family_name(c[j].family));
            hput(out, c[j].name);
            ob_puts_("</td><td>", out);
            hput(out, c[j].explanation);
            ob_puts_("</td></tr>\n", out);
        }
    }
    ob_puts_("</table>\n", out);
}

static void evidence_row(hlog *h, uint64_t line, const char *role,
                         const char *text)
{
    obuf *out = h->out;
    ob_printf(out, "<tr class=\"%s\"><td><a class=\"ev\" href=\"#l%u-%llu\">"
                 "%llu</a></td><td>%s</td><td class=\"text mono\">",
            role, h->id, (unsigned long long)line, (unsigned long long)line,
            role);
    hputn(out, text ? text : "", MAX_LINE_BYTES);
    ob_puts_("</td></tr>\n", out);
}

static bool shown_failure(const cli_opts *o, const ldrsnap_failure *f)
{
    return o->all || (f->role != LDRSNAP_ROLE_NOISE &&
                      f->role != LDRSNAP_ROLE_HANDLED);
}

static void evidence(hlog *h, size_t k)
{
    obuf *out = h->out;
    const report *r = h->in->rep;
    const buckets *fb = &h->ix.fails, *eb = &h->ix.excs;
    size_t fi = fb->start[k], fe = fb->start[k + 1];
    size_t ei = eb->start[k], ee = eb->start[k + 1];
    size_t rows = 0, more = 0;
    ob_puts_("<h3>Evidence</h3>\n<table class=\"evidence\">\n", out);
    while (fi < fe || ei < ee) {
        const ldrsnap_exception *e =
            ei < ee ? &r->excs[eb->idx[ei]].e : NULL;
        const ldrsnap_failure *f =
            fi < fe ? &r->fails[fb->idx[fi]].f : NULL;
        if (e && (!f || e->line < f->line)) {
            ei++;
            if (report_promoted(r, e) ||
                (!h->in->o->all && (e->flags & LDRSNAP_FF_BENIGN)))
                continue;
            if (rows++ < HTML_MAX_EVIDENCE)
                evidence_row(h, e->line, "exception", e->text);
            else
                more++;
            continue;
        }
        fi++;
        if (!shown_failure(h->in->o, f))
            continue;
        if (rows++ < HTML_MAX_EVIDENCE)
            evidence_row(h, f->line, ldrsnap_role_name(f->role), f->text);
        else
            more++;
    }
    ob_puts_("</table>\n", out);
    if (more)
        ob_printf(out, "<p class=\"mute\">%zu more evidence lines</p>\n",
                more);
}

static void excerpts(hlog *h, const excerpt *x)
{
    obuf *out = h->out;
    ob_puts_("<h3>Log excerpts</h3>\n", out);
    if (!x || !x->n) {
        ob_printf(out, "<p class=\"mute\">%s</p>\n",
                x && x->note ? x->note : "no excerpt");
        return;
    }
    ob_puts_("<pre class=\"excerpt\">", out);
    uint64_t prev = 0;
    for (size_t i = 0; i < x->n; i++) {
        const excerpt_line *l = &x->lines[i];
        if (prev && l->line != prev + 1 && !(i && x->lines[i - 1].joined))
            ob_puts_("<span class=\"gap\">\xE2\x8B\xAF</span>", out);
        prev = l->line;
        ob_printf(out, "<span id=\"l%u-%llu\"%s><span class=\"no\">%llu</span>",
                h->id, (unsigned long long)l->line,
                l->evidence ? " class=\"ev\"" : "",
                (unsigned long long)l->line);
        hputn(out, l->text, MAX_LINE_BYTES);
        ob_puts_("</span>", out);
    }
    ob_puts_("</pre>\n", out);
    if (x->missing)
        ob_printf(out, "<p class=\"mute\">%zu evidence line%s not in the "
                       "excerpts: the page keeps the windows of at most %d "
                       "lines, captured while the log is read; a process "
                       "holds the first %d of its lines that may be "
                       "evidence until it ends</p>\n",
                  x->missing, x->missing == 1 ? "" : "s", EXCERPT_PIN_LINES,
                  EXCERPT_HOLD_LINES);
}

/* ---- the lines the excerpts show ----------------------------------------- */

typedef struct want {
    uint64_t *lines; /* evidence lines, sorted, unique */
    size_t n, cap;
} want;

static void want_add(want *w, uint64_t line)
{
    if (!line || w->n >= 4096)
        return;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        uint64_t *v = realloc(w->lines, cap * sizeof *v);
        if (!v)
            return;
        w->lines = v;
        w->cap = cap;
    }
    w->lines[w->n++] = line;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The lines the page links to: the evidence of the processes shown. */
static void wanted(hlog *h, const size_t *cards, size_t shown, want *w)
{
    const report *r = h->in->rep;
    const ldrsnap_summary *s = h->in->summary;
    const buckets *fb = &h->ix.fails, *eb = &h->ix.excs, *sb = &h->ix.sigs;
    bool orphans = h->in->o->all && !s->n_verdicts;
    size_t last = orphans ? 0 : shown;
    for (size_t c = 0; c < last + orphans; c++) {
        size_t k = c < last ? cards[c] : s->n_verdicts, rows = 0;
        if (k < s->n_verdicts)
            want_add(w, s->verdicts[k].line);
        for (size_t i = fb->start[k]; i < fb->start[k + 1]; i++) {
            const ldrsnap_failure *f = &r->fails[fb->idx[i]].f;
            if (shown_failure(h->in->o, f) && rows++ < HTML_MAX_EVIDENCE)
                want_add(w, f->line);
        }
        for (size_t i = eb->start[k]; i < eb->start[k + 1]; i++)
            if (rows++ < HTML_MAX_EVIDENCE)
                want_add(w, r->excs[eb->idx[i]].e.line);
    }
    for (size_t k = 0; k <= s->n_verdicts; k++)
        for (size_t i = sb->start[k]; i < sb->start[k + 1]; i++) {
            const ldrsnap_signature *sg = &r->sigs[sb->idx[i]].s;
            for (size_t j = 0; j < sg->n_lines && j < 20; j++)
                want_add(w, sg->lines[j]);
        }
    if (w->n > 1) /* no lines: w->lines may be NULL, not for qsort() */
        qsort(w->lines, w->n, sizeof *w->lines, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < w->n; i++)
        if (!m || w->lines[m - 1] != w->lines[i])
            w->lines[m++] = w->lines[i];
    w->n = m;
}

void excerpt_free(excerpt *x)
{
    free(x->lines);
    memset(x, 0, sizeof *x);
}

/* ---- a whole log --------------------------------------------------------- */

static void totals(hlog *h)
{
    const ldrsnap_summary *s = h->in->summary;
    ob_printf(h->out, "<p class=\"mute\">%llu lines, %s, %s; %zu process%s; "
                    "%zu failure line%s (%zu probe miss%s, %zu handled)</p>\n",
            (unsigned long long)s->lines, s->dialect, s->encoding,
            s->processes, s->processes == 1 ? "" : "es", s->failures,
            s->failures == 1 ? "" : "s", s->noise, s->noise == 1 ? "" : "es",
            s->handled);
    if (h->in->rep->gone)
        ob_printf(h->out, "<p class=\"mute\">%zu more failure, exception "
                        "and signature records not shown: the page keeps "
                        "the first %d of each (--format=jsonl has them all)"
                        "</p>\n",
                h->in->rep->gone, HTML_KEEP_EVENTS);
}

int html_rest_add(html_rest *r, const ldrsnap_verdict *v)
{
    if (r->failing < HTML_CARDS)
        r->cards[r->failing] = (html_card){v->line, v->pid,
                                           v->flags & LDRSNAP_FF_PID};
    if (r->failing++ < HTML_CARDS || r->n >= HTML_ROWS)
        return 0;
    if (!r->rows && !(r->rows = calloc(HTML_ROWS, sizeof *r->rows)))
        return -1;
    html_row *w = &r->rows[r->n++];
    w->line = v->line;
    w->pid = v->pid;
    w->status = v->status;
    w->flags = v->flags & (LDRSNAP_FF_PID | LDRSNAP_FF_STATUS);
    w->image = v->image ? strdup(v->image) : NULL;
    w->dll = v->dll ? strdup(v->dll) : NULL;
    w->status_name = (v->flags & LDRSNAP_FF_STATUS)
                         ? ldrsnap_status_name(v->status) : NULL;
    w->kind = v->kind;
    return 0;
}

void html_rest_free(html_rest *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->rows[i].image);
        free(r->rows[i].dll);
    }
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* The failing processes past the cards: a row each, HTML_ROWS at most. */
static void rest_table(hlog *h, size_t total, size_t from)
{
    const html_rest *rest = h->in->rest;
    obuf *out = h->out;
    if (from >= total)
        return;
    ob_printf(out, "<h3>%zu more failing processes</h3>\n<table class="
                 "\"more\"><tr><th>line</th><th>process</th><th>DLL</th>"
                 "<th>status</th><th>kind</th></tr>\n",
            total - from);
    size_t n = rest ? rest->n : 0;
    for (size_t k = 0; k < n; k++) {
        const html_row *v = &rest->rows[k];
        ob_printf(out, "<tr><td>%llu</td><td>", (unsigned long long)v->line);
        if (v->flags & LDRSNAP_FF_PID)
            ob_printf(out, "%04x ", v->pid);
        hput(out, v->image);
        ob_puts_("</td><td class=\"mono\">", out);
        hput(out, v->dll);
        ob_puts_("</td><td class=\"mono\">", out);
        if (v->flags & LDRSNAP_FF_STATUS)
            ob_printf(out, "0x%08x ", v->status);
        hput(out, v->status_name);
        ob_printf(out, "</td><td>%s</td></tr>\n", ldrsnap_kind_name(v->kind));
    }
    ob_puts_("</table>\n", out);
    if (from + n < total)
        ob_printf(out, "<p class=\"mute more\">%zu more failing processes "
                     "not shown (--format=jsonl lists every verdict)</p>\n",
                total - from - n);
}

/* The verdicts shown as cards, in the summary's order: those of the
 * processes whose events the page kept (the first HTML_CARDS failing
 * processes to end), or without that list the summary's first. */
static size_t pick_cards(const html_input *in, size_t *cards)
{
    const ldrsnap_summary *s = in->summary;
    const html_rest *r = in->rest;
    size_t n = 0;
    if (!r || !r->failing) {
        while (n < s->n_verdicts && n < HTML_CARDS) {
            cards[n] = n;
            n++;
        }
        return n;
    }
    size_t kept = r->failing < HTML_CARDS ? r->failing : HTML_CARDS;
    for (size_t k = 0; k < s->n_verdicts && n < kept; k++) {
        const ldrsnap_verdict *v = &s->verdicts[k];
        for (size_t i = 0; i < kept; i++) {
            const html_card *c = &r->cards[i];
            if (c->line == v->line && c->pid == v->pid &&
                c->flags == (v->flags & LDRSNAP_FF_PID)) {
                cards[n++] = k;
                break;
            }
        }
    }
    return n;
}

int html_log(obuf *out, const html_input *in)
{
    hlog h = {.out = out, .in = in, .id = in->id};
    const ldrsnap_summary *s = in->summary;
    if (report_index_build(&h.ix, in->rep, s) < 0) {
        report_index_free(&h.ix);
        return -1;
    }
    /* the summary keeps the first verdicts, the rest are counted */
    size_t total = s->n_verdicts + s->verdicts_dropped;
    ob_printf(out, "<section class=\"log%s\" id=\"log%u\" data-verdicts="
                 "\"%zu\" data-source=\"",
            total ? " failing" : "", in->id, total);
    hput(out, in->source);
    ob_puts_("\">\n<h2>", out);
    hput(out, in->source);
    ob_puts_("</h2>\n", out);
    size_t cards[HTML_CARDS];
    size_t shown = pick_cards(in, cards);
    want w = {0};
    wanted(&h, cards, shown, &w);
    if (w.n)
        capture_excerpt(in->cap, w.lines, w.n, &h.x);
    free(w.lines);
    if (!s->n_verdicts)
        ob_printf(out, "<p class=\"clean\">No loader failure found%s.</p>\n",
                in->rep->nsigs ? "; signatures of known problems below" : "");
    for (size_t c = 0; c < shown; c++)
        card(&h, cards[c]);
    if (s->n_verdicts)
        next_steps_html(&h);
    /* signatures no verdict took */
    const buckets *sb = &h.ix.sigs;
    for (size_t i = sb->start[s->n_verdicts];
         i < sb->start[s->n_verdicts + 1]; i++)
        sig_html(&h, &in->rep->sigs[sb->idx[i]].s,
                 s->n_verdicts ? &s->verdicts[0] : NULL);
    if (in->rest && in->rest->sigs_gone)
        ob_printf(out, "<p class=\"mute\">%zu more signatures of processes "
                       "that did not fail not shown: the page keeps the "
                       "first %d (--format=jsonl lists them all)</p>\n",
                  in->rest->sigs_gone, HTML_OTHER_SIGS);
    if (in->tree)
        tree_mark(in->tree, in->o->all);
    for (size_t c = 0; c < shown; c++) {
        size_t k = cards[c];
        const ldrsnap_verdict *v = &s->verdicts[k];
        ob_printf(out, "<div class=\"process\" id=\"p%u-%zu\">\n", in->id, k);
        if (shown > 1) {
            ob_puts_("<h3>Process ", out);
            if (v->flags & LDRSNAP_FF_PID)
                ob_printf(out, "%04x ", v->pid);
            hput(out, v->image);
            ob_puts_("</h3>\n", out);
        }
        long pi = in->tree ? tree_proc_at(in->tree, v->flags, v->pid,
                                          v->line)
                           : -1;
        if (pi >= 0) {
            const tproc *p = tree_proc(in->tree, (size_t)pi);
            if (p->root != TREE_NONE) {
                ob_printf(out, "<section class=\"tree\" id=\"t%u-%zu\">"
                             "<h3>Load tree <button type=\"button\" "
                             "data-expand=\"t%u-%zu\" hidden>expand all"
                             "</button></h3>\n",
                        in->id, k, in->id, k);
                tree_html(&h, in->tree, p->root);
                root_folded(&h, in->tree, p->root);
                ob_puts_("</section>\n", out);
            }
            timeline(&h, in->tree, p, k);
        }
        evidence(&h, k);
        ob_puts_("</div>\n", out);
    }
    rest_table(&h, total, shown);
    codes(&h);
    if (in->o->all && !s->n_verdicts)
        evidence(&h, s->n_verdicts);
    excerpts(&h, &h.x);
    excerpt_free(&h.x);
    totals(&h);
    ob_puts_("</section>\n", out);
    report_index_free(&h.ix);
    return 0;
}

void html_error(obuf *out, unsigned id, const char *source,
                const char *message)
{
    ob_printf(out, "<section class=\"log error\" id=\"log%u\" data-source=\"",
            id);
    hput(out, source);
    ob_puts_("\">\n<h2>", out);
    hput(out, source);
    ob_puts_("</h2>\n<p class=\"headline\">", out);
    hput(out, message);
    ob_puts_("</p>\n</section>\n", out);
}

/* ---- the rollup, and the end of the page --------------------------------- */

void html_end(obuf *out, const rollup_row *rows, size_t n)
{
    if (n > 1) {
        size_t failing = 0, clean = 0, errors = 0;
        for (size_t i = 0; i < n; i++) {
            failing += rows[i].state == ROW_FAILING;
            clean += rows[i].state == ROW_CLEAN;
            errors += rows[i].state == ROW_ERROR;
        }
        ob_printf(out, "<section id=\"rollup\" data-failing=\"%zu\">\n<h1>%zu "
                     "logs: %zu failing, %zu clean%s",
                failing, n, failing, clean, errors ? ", " : "");
        if (errors)
            ob_printf(out, "%zu not read", errors);
        ob_puts_("</h1>\n<table><tr><th>log</th><th>DLL</th><th>status</th>"
              "<th>kind</th><th>processes</th></tr>\n", out);
        for (size_t i = 0; i < n; i++) {
            const rollup_row *r = &rows[i];
            ob_printf(out, "<tr class=\"%s\"><td>",
                    r->state == ROW_FAILING ? "root_cause" : "");
            if (r->state == ROW_FAILING)
                ob_printf(out, "<a href=\"#log%u\">", r->id);
            hput(out, r->source);
            ob_puts_(r->state == ROW_FAILING ? "</a>" : "", out);
            ob_puts_("</td><td class=\"mono\">", out);
            if (r->state == ROW_FAILING) {
                hput(out, r->dll ? r->dll : "-");
                ob_puts_("</td><td class=\"mono\">", out);
                if (r->has_status)
                    ob_printf(out, "0x%08x ", r->status);
                hput(out, r->status_name);
                ob_printf(out, "</td><td>%s</td><td>%zu</td></tr>\n", r->kind,
                        r->verdicts);
            } else {
                ob_printf(out, "</td><td></td><td>%s</td><td></td></tr>\n",
                        r->state == ROW_CLEAN ? "no failure" : "not read");
            }
        }
        ob_puts_("</table>\n</section>\n", out);
    }
    ob_puts_("</main>\n<script>\n", out);
    ob_puts_(script, out);
    ob_puts_("</script>\n</body>\n</html>\n", out);
}
