/*
 * fuzz_analyze.c - libFuzzer target: any bytes through the analyzer with
 * the built-in rules, split into two chunks at a point the input chooses.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ldrsnap.h>

static int touch(const ldrsnap_event *ev, void *ud)
{
    size_t *n = ud;
    if (ev->type == LDRSNAP_EV_FAILURE) {
        const ldrsnap_failure *f = ev->failure;
        *n += strlen(f->text ? f->text : "") + f->chain_len;
        for (size_t i = 0; i < f->chain_len; i++)
            *n += strlen(f->chain[i]);
    } else if (ev->type == LDRSNAP_EV_SIGNATURE) {
        *n += strlen(ev->signature->title) + ev->signature->n_lines;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ldrsnap_rules *rules;
    if (!rules && ldrsnap_rules_new(&rules, NULL, 0) != 0)
        __builtin_trap();
    size_t n = 0, cut = size ? data[0] % (size + 1) : 0;
    ldrsnap_options o = LDRSNAP_OPTIONS_INIT;
    o.max_line = 300; /* small: exercise the caps */
    ldrsnap_analyzer *a;
    if (ldrsnap_analyzer_new(&a, &o, touch, &n) != 0)
        return 0;
    ldrsnap_analyzer_set_rules(a, rules);
    ldrsnap_analyzer_feed(a, data, cut);
    ldrsnap_analyzer_feed(a, data + cut, size - cut);
    ldrsnap_analyzer_finish(a);
    const ldrsnap_summary *s = ldrsnap_analyzer_summary(a);
    for (size_t i = 0; s && i < s->n_verdicts; i++)
        n += s->verdicts[i].chain_len;
    ldrsnap_analyzer_free(a);
    return 0;
}
