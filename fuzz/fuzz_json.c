/*
 * fuzz_json.c - libFuzzer target: any bytes as the strings of a JSON
 * record, written by the writer's fast way (strings straight into room
 * for their worst case, plain runs checked and copied in one pass) and by
 * its general way (ldrsnap__json_fast(false)), into a buffer of any size
 * the input chooses: the same bytes and length both ways.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldrsnap.h>

void ldrsnap__json_fast(bool on); /* lib/json/json.c */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
out:
    free(msg);
    free(a);
    free(b);
    return 0;
}
