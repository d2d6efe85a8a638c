/*
 * fuzz_archive.c - libFuzzer target: any bytes as an input of the batch
 * (plain, gzip, or an archive libarchive reads, nested), every entry read
 * to its end under small limits, the errors' messages non-empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ldrsnap.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldrsnap_batch *b = NULL;
    ldrsnap_limits lim = LDRSNAP_LIMITS_INIT;
    lim.max_bytes = 1u << 20;
    lim.max_total = 4u << 20;
    lim.ratio_floor = 1u << 16;
    lim.max_members = 256;
    lim.max_nested = 1u << 20;
    if (ldrsnap_batch_new(&b, NULL, 0) < 0 ||
        ldrsnap_batch_set_limits(b, &lim) < 0 ||
        ldrsnap_batch_add_memory(b, "fuzz.bin", data, size) < 0) {
        ldrsnap_batch_free(b);
        return 0;
    }
    ldrsnap_entry *e;
    char buf[4096];
    while (ldrsnap_batch_next(b, &e) == LDRSNAP_OK) {
        if (e->error && !*ldrsnap_batch_errmsg(b))
            __builtin_trap(); /* an error always says why */
        size_t got;
        int rc;
        while ((rc = ldrsnap_batch_read(b, buf, sizeof buf, &got)) == 0 &&
               got)
            ;
        if (rc < 0 && !*ldrsnap_batch_errmsg(b))
            __builtin_trap();
    }
    ldrsnap_batch_free(b);
    return 0;
}
