/*
 * cli.h - shared declarations of the ldrsnap command line.
 * The CLI uses nothing but the public header <ldrsnap.h>.
 */
#ifndef LDRSNAP_CLI_H
#define LDRSNAP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <ldrsnap.h>

enum { EXIT_CLEAN = 0, EXIT_FOUND = 1, EXIT_TROUBLE = 2 };

enum out_format { FMT_TEXT, FMT_JSONL };

typedef struct cli_opts {
    enum out_format format;
    bool all;
    bool color;
    unsigned jobs;
    bool threaded;     /* cores to spare: tokenize each input on a thread */
    bool no_builtin_rules;
    const char **rule_files;
    size_t n_rule_files;
    const ldrsnap_rules *rules;  /* loaded once, shared by every task */
    struct cli_opts *rules_wait; /* while set, the rules are still loading
                                    (cmd_analyze()): a task waits for them
                                    and sets them here */
} cli_opts;

/* json.c: JSON Lines output, valid whatever bytes come in. */
void json_str(FILE *out, const char *s);       /* "..." or null */
void json_key_str(FILE *out, const char *key, const char *s, bool comma);
void json_key_u64(FILE *out, const char *key, unsigned long long v,
                  bool comma);
void json_key_hex(FILE *out, const char *key, bool has, unsigned v,
                  bool comma);               /* "0x%08x" or null */
void json_chain(FILE *out, const char *const *chain, size_t n);
void json_key_strs(FILE *out, const char *key, const char *const *v,
                   size_t n);                /* ,"key":[...] */

/* A deep copy of what the analyzer reports for one input. */
typedef struct fail_copy {
    ldrsnap_failure f;
    size_t seq;
    char *strings[7];
    char **chain;
} fail_copy;

typedef struct exc_copy {
    ldrsnap_exception e;
    char *strings[4];
} exc_copy;

typedef struct sig_copy {
    ldrsnap_signature s;
    char *strings[6];
    uint64_t *lines;
} sig_copy;

typedef struct report {
    const char *source;
    fail_copy *fails;
    size_t nfails, fcap;
    exc_copy *excs;
    size_t nexcs, ecap;
    sig_copy *sigs;
    size_t nsigs, scap;
} report;

int report_add_failure(report *r, const ldrsnap_failure *f);
int report_add_exception(report *r, const ldrsnap_exception *e);
int report_add_signature(report *r, const ldrsnap_signature *s);
void report_free(report *r);
void report_sort(report *r);

/* render_json.c */
void json_failure(FILE *out, const char *source, const ldrsnap_failure *f);
void json_exception(FILE *out, const char *source,
                    const ldrsnap_exception *e);
void json_summary(FILE *out, const char *source, const ldrsnap_summary *s);
void json_error(FILE *out, const char *source, const char *message);
void json_signature(FILE *out, const char *source, const ldrsnap_signature *s);
void json_record(FILE *out, const char *source, const ldrsnap_record *r);

/* render_text.c */
void text_report(FILE *out, const report *r, const ldrsnap_summary *s,
                 const cli_opts *o);
void text_error(FILE *out, const char *source, const char *message,
                const cli_opts *o);
void text_record(FILE *out, const ldrsnap_record *r);

/* analyze.c */
int cmd_analyze(int argc, char **argv, const cli_opts *o);
int cmd_tokens(int argc, char **argv, const cli_opts *o);

/* rules_cmd.c */
int load_rules(cli_opts *o, ldrsnap_rules **out);
int cmd_rules(int argc, char **argv, const cli_opts *o);

/* decode.c */
int cmd_decode(int argc, char **argv, const cli_opts *o);
void text_wrapped(FILE *out, size_t indent, const char *lead,
                  const char *text, size_t cont);

#endif
