/*
 * fuzz_decode.c - libFuzzer target: any string as a code to decode.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ldrsnap.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    if (size >= sizeof s)
        size = sizeof s - 1;
    memcpy(s, data, size);
    s[size] = '\0';
    ldrsnap_code_input in;
    ldrsnap_code c[16];
    if (ldrsnap_code_parse(s, &in) == 0)
        for (unsigned i = 0; i < in.n; i++)
            ldrsnap_code_lookup(in.value[i], c, 16);
    ldrsnap_code_by_name(s, c, 16);
    return 0;
}
