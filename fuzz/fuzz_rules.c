/*
 * fuzz_rules.c - libFuzzer target: any bytes as a YAML rule file, and
 * when they compile, a short log through them.
 */
#include <stddef.h>
#include <stdint.h>

#include <ldrsnap.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldrsnap_rules *r;
    if (ldrsnap_rules_new(&r, NULL, LDRSNAP_RULES_NO_BUILTIN) != 0)
        return 0;
    if (ldrsnap_rules_add_text(r, "fuzz.yml", (const char *)data, size) == 0) {
        static const char log[] =
            "0100:0200 @ 1 - LdrpProcessWork - ERROR: Unable to load DLL: "
            "\"a.dll\", Parent Module: \"C:\\b.dll\", Status: 0xc0000135\n"
            "(100.200): Unknown exception - code 80070005 (first chance)\n"
            "LDR: LdrGetProcedureAddress by NAME - CoMarshalInterface\n";
        ldrsnap_analyzer *a;
        if (ldrsnap_analyzer_new(&a, NULL, NULL, NULL) == 0) {
            ldrsnap_analyzer_set_rules(a, r);
            ldrsnap_analyzer_feed(a, log, sizeof log - 1);
            ldrsnap_analyzer_finish(a);
            ldrsnap_analyzer_free(a);
        }
    }
    ldrsnap_rules_free(r);
    return 0;
}
