/*
 * rules_cmd.c - loading rule files for analyze, and `ldrsnap rules`:
 * list, show ID, check FILE...
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void rule_error(const cli_opts *o, const char *msg)
{
    if (o->format == FMT_JSONL) {
        ob_puts(&ob_stdout, "{\"type\":\"error\"");
        json_key_str(&ob_stdout, "source", "rules", true);
        json_key_str(&ob_stdout, "message", msg, true);
        ob_puts(&ob_stdout, "}\n");
    }
    fprintf(stderr, "ldrsnap: error: %s\n", msg);
}

/* The built-in rules (unless --no-builtin-rules) and every --rules file.
 * A bad file stops everything: never a silently ignored rule. */
int load_rules(cli_opts *o, ldrsnap_rules **out)
{
    ldrsnap_rules *r = NULL;
    int rc = ldrsnap_rules_new(&r, NULL,
                               o->no_builtin_rules ? LDRSNAP_RULES_NO_BUILTIN
                                                   : 0);
    for (size_t i = 0; rc == LDRSNAP_OK && i < o->n_rule_files; i++)
        rc = ldrsnap_rules_add_file(r, o->rule_files[i]);
    if (rc < 0) {
        rule_error(o, r ? ldrsnap_rules_errmsg(r) : ldrsnap_strerror(rc));
        ldrsnap_rules_free(r);
        *out = NULL;
        return rc;
    }
    *out = r;
    return LDRSNAP_OK;
}

static void json_rule(const ldrsnap_rule_info *in, bool full)
{
    ob_puts(&ob_stdout, "{\"type\":\"rule\"");
    json_key_str(&ob_stdout, "id", in->id, true);
    json_key_str(&ob_stdout, "severity", in->severity, true);
    json_key_str(&ob_stdout, "title", in->title, true);
    json_key_str(&ob_stdout, "source", in->source, true);
    json_key_u64(&ob_stdout, "line", in->line, true);
    if (full) {
        json_key_str(&ob_stdout, "explanation", in->explanation, true);
        json_key_str(&ob_stdout, "advice", in->advice, true);
        json_key_str(&ob_stdout, "scope", in->scope, true);
        json_key_u64(&ob_stdout, "window", in->window, true);
        json_key_u64(&ob_stdout, "steps", in->n_steps, true);
        json_key_strs(&ob_stdout, "references", in->references,
                      in->n_references);
    }
    ob_puts(&ob_stdout, "}\n");
}

static void text_show(const ldrsnap_rule_info *in)
{
    ob_printf(&ob_stdout, "id           %s\nseverity     %s\ntitle        %s\n"
           "source       %s:%lu\nmatch        %zu step%s, scope %s",
           in->id, in->severity, in->title, in->source, in->line,
           in->n_steps, in->n_steps == 1 ? "" : "s", in->scope);
    if (in->window)
        ob_printf(&ob_stdout, ", window %lu line%s", in->window,
                  in->window == 1 ? "" : "s");
    ob_putc(&ob_stdout, '\n');
    if (in->explanation)
        text_wrapped(&ob_stdout, 0, "explanation  ", in->explanation, 13);
    if (in->advice) {
        ob_printf(&ob_stdout, "advice\n");
        /* advice keeps its own lines: commands stay intact */
        const char *p = in->advice;
        while (*p) {
            size_t k = strcspn(p, "\n");
            ob_printf(&ob_stdout, "  %.*s\n", (int)k, p);
            p += k + (p[k] == '\n');
        }
    }
    for (size_t i = 0; i < in->n_references; i++)
        ob_printf(&ob_stdout, "reference    %s\n", in->references[i]);
}

static int rules_list(const ldrsnap_rules *r, const cli_opts *o)
{
    for (size_t i = 0; i < ldrsnap_rules_count(r); i++) {
        ldrsnap_rule_info in;
        ldrsnap_rules_get(r, i, &in);
        if (o->format == FMT_JSONL)
            json_rule(&in, false);
        else
            ob_printf(&ob_stdout, "%-32s %-8s %s\n", in.id, in.severity,
                      in.title);
    }
    return EXIT_CLEAN;
}

static int rules_show(const ldrsnap_rules *r, int argc, char **argv,
                      const cli_opts *o)
{
    int status = EXIT_CLEAN;
    for (int i = 0; i < argc; i++) {
        long k = ldrsnap_rules_find(r, argv[i]);
        if (k < 0) {
            fprintf(stderr, "ldrsnap: rules: no rule with id '%s'\n",
                    argv[i]);
            status = EXIT_TROUBLE;
            continue;
        }
        ldrsnap_rule_info in;
        ldrsnap_rules_get(r, (size_t)k, &in);
        if (o->format == FMT_JSONL)
            json_rule(&in, true);
        else
            text_show(&in);
        if (o->format != FMT_JSONL && i + 1 < argc)
            ob_putc(&ob_stdout, '\n');
    }
    return status;
}

/* Check each file on its own, against the built-in ids (unless
 * --no-builtin-rules): all errors are reported, not only the first. */
static int rules_check(int argc, char **argv, const cli_opts *o)
{
    int status = EXIT_CLEAN;
    for (int i = 0; i < argc; i++) {
        ldrsnap_rules *r = NULL;
        int rc = ldrsnap_rules_new(&r, NULL,
                                   o->no_builtin_rules
                                       ? LDRSNAP_RULES_NO_BUILTIN : 0);
        size_t before = ldrsnap_rules_count(r);
        if (rc == 0)
            rc = ldrsnap_rules_add_file(r, argv[i]);
        if (rc < 0) {
            rule_error(o, ldrsnap_rules_errmsg(r));
            status = EXIT_TROUBLE;
        } else if (o->format == FMT_JSONL) {
            ob_printf(&ob_stdout, "{\"type\":\"check\"");
            json_key_str(&ob_stdout, "source", argv[i], true);
            ob_printf(&ob_stdout, ",\"rules\":%zu,\"ok\":true}\n",
                   ldrsnap_rules_count(r) - before);
        } else {
            ob_printf(&ob_stdout, "%s: %zu rule%s, ok\n", argv[i],
                   ldrsnap_rules_count(r) - before,
                   ldrsnap_rules_count(r) - before == 1 ? "" : "s");
        }
        ldrsnap_rules_free(r);
    }
    return status;
}

int cmd_rules(int argc, char **argv, const cli_opts *co)
{
    cli_opts o = *co;
    if (argc < 1) {
        fputs("ldrsnap: rules: list, show ID... or check FILE...\n", stderr);
        return EXIT_TROUBLE;
    }
    if (!strcmp(argv[0], "check")) {
        if (argc < 2) {
            fputs("ldrsnap: rules check: give a rule file\n", stderr);
            return EXIT_TROUBLE;
        }
        return rules_check(argc - 1, argv + 1, &o);
    }
    ldrsnap_rules *r;
    if (load_rules(&o, &r) < 0)
        return EXIT_TROUBLE;
    int status;
    if (!strcmp(argv[0], "list") && argc == 1) {
        status = rules_list(r, &o);
    } else if (!strcmp(argv[0], "show") && argc >= 2) {
        status = rules_show(r, argc - 1, argv + 1, &o);
    } else {
        fprintf(stderr, "ldrsnap: rules: unknown request '%s' (list, show "
                        "ID..., check FILE...)\n", argv[0]);
        status = EXIT_TROUBLE;
    }
    ldrsnap_rules_free(r);
    return status;
}
