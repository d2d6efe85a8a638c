/*
 * fuzz_json.c - libFuzzer target: any bytes as the strings of a JSON
 * record, written by the writer's fast way (strings straight into room
 * for their worst case, plain runs checked and copied in one pass) and by
 * its general way (ldrsnap__json_fast(false)), into a buffer of any size
 * the input chooses: the same bytes and length both ways.  The same bytes
 * cut at each 0x1E are the strings of a failure, an exception, a
 * signature and a summary, which the fast way writes whole while they
 * fit, each string read 16 bytes at a time to its NUL, not measured
 * first (put_cstr()), and leaves to the general way when they do not:
 * the same records both ways.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldrsnap.h>

void ldrsnap__json_fast(bool on); /* lib/json/json.c */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The record of ev (or of the summary) both ways into room of size cap:
 * traps when they disagree. */
static void both_ways(const ldrsnap_event *ev, const ldrsnap_summary *sum,
                      const char *source, size_t cap, char *a, char *b)
{
    ldrsnap__json_fast(true);
    size_t na = sum ? ldrsnap_summary_to_json(a, cap, source, sum)
                    : ldrsnap_event_to_json(a, cap, source, ev);
    ldrsnap__json_fast(false);
    size_t nb = sum ? ldrsnap_summary_to_json(b, cap, source, sum)
                    : ldrsnap_event_to_json(b, cap, source, ev);
    ldrsnap__json_fast(true);
    if (na != nb || (cap && strcmp(a, b) != 0))
        __builtin_trap(); /* the ways disagree */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cap = ((size_t)data[0] << 8 | data[1]) % 4096;
    char *msg = malloc(size - 1);
    char *a = malloc(cap + 1), *b = malloc(cap + 1);
    if (!msg || !a || !b)
        goto out;
    memcpy(msg, data + 2, size - 2);
    msg[size - 2] = '\0';
    ldrsnap__json_fast(true);
    size_t na = ldrsnap_error_to_json(a, cap, msg, msg);
    ldrsnap__json_fast(false);
    size_t nb = ldrsnap_error_to_json(b, cap, msg, msg);
    ldrsnap__json_fast(true);
    if (na != nb || (cap && strcmp(a, b) != 0))
        __builtin_trap(); /* the ways disagree */
    /* the message cut at each 0x1E into the strings of whole records
     * (written whole by the fast way where their worst case fits) */
    const char *str[12] = {NULL};
    size_t ns = 0;
    for (char *p = msg; ns < 12;) {
        str[ns++] = p;
        char *e = strchr(p, 0x1E);
        if (!e)
            break;
        *e = '\0';
        p = e + 1;
    }
    unsigned bits = (unsigned)data[0] ^ (unsigned)data[1] << 3;
    const char *const *chain = str + 1;
    size_t nchain = ns > 1 ? (bits >> 2) % ns : 0;
    ldrsnap_failure f = {size, bits, bits * 7, bits & 0xF,
                         (ldrsnap_kind)(bits % 11), (ldrsnap_role)(bits % 6),
                         (ldrsnap_confidence)(bits % 5), bits * 0x9e3779b9u,
                         str[1], str[2], str[3], str[4], str[5], chain,
                         nchain, str[6], str[7]};
    ldrsnap_exception e = {size, bits, bits >> 1, bits & 0xF, bits * 31,
                           str[8], str[9], str[10], str[11]};
    uint64_t lines[3] = {size, size + 1, (uint64_t)bits << 40};
    ldrsnap_signature g;
    memset(&g, 0, sizeof g);
    g.id = str[0], g.title = str[1], g.severity = str[2];
    g.explanation = str[3], g.advice = str[4];
    g.references = chain, g.n_references = nchain;
    g.lines = lines, g.n_lines = bits % 4, g.line = size;
    g.pid = bits, g.tid = bits >> 2, g.flags = bits & 0xF;
    ldrsnap_verdict v;
    memset(&v, 0, sizeof v);
    v.pid = bits, v.flags = bits & 0xF, v.tid = bits >> 3;
    v.kind = (ldrsnap_kind)(bits % 11), v.status = bits * 3;
    v.confidence = (ldrsnap_confidence)((bits >> 4) % 5);
    v.status_name = str[5], v.dll = str[6], v.parent = str[7];
    v.symbol = str[8], v.image = str[9], v.chain = chain;
    v.chain_len = nchain, v.line = size;
    ldrsnap_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.lines = size, sum.dialect = str[10], sum.encoding = str[11];
    sum.n_verdicts = bits % 2, sum.verdicts = &v;
    ldrsnap_event evs[3] = {{LDRSNAP_EV_FAILURE, &f, NULL, NULL},
                            {LDRSNAP_EV_EXCEPTION, NULL, &e, NULL},
                            {LDRSNAP_EV_SIGNATURE, NULL, NULL, &g}};
    for (size_t k = 0; k < 3; k++)
        both_ways(&evs[k], NULL, str[0], cap, a, b);
    both_ways(NULL, &sum, str[0], cap, a, b);
out:
    free(msg);
    free(a);
    free(b);
    return 0;
}
