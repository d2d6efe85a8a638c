/*
 * codes_internal.h - the layout of the generated code table (errtab.c).
 */
#ifndef LDRSNAP_CODES_INTERNAL_H
#define LDRSNAP_CODES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* One name of one value: offsets into one string pool, so the table holds
 * no pointers and needs no relocations. Sorted by value, then family, then
 * preference. */
typedef struct ls_code_entry {
    uint32_t value;
    uint32_t name_off;
    uint8_t family; /* ldrsnap_family */
} ls_code_entry;

/* Our explanation and advice for a value in one family (or context).
 * Sorted by family, then value. */
typedef struct ls_explain_entry {
    uint32_t value;
    uint8_t family;
    uint32_t text_off, advice_off;
} ls_explain_entry;

extern const char ldrsnap__code_pool[];
extern const ls_code_entry ldrsnap__codes[];
extern const size_t ldrsnap__ncodes;
extern const uint16_t ldrsnap__codes_by_name[];
extern const ls_explain_entry ldrsnap__explain[];
extern const size_t ldrsnap__nexplain;

#endif
