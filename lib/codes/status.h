/*
 * codes/status.h - what the loader's statuses and functions mean
 * (status.c): whether a status is an error, the names and harmlessness of
 * exception codes, and the table of the loader functions the trace tells
 * apart (their ids and flags, core/common.h).  libc only; comes early so
 * that the lexer, the trace and the verdicts may name them.
 */
#ifndef LDRSNAP_CODES_STATUS_H
#define LDRSNAP_CODES_STATUS_H

#include "core/common.h"

/* The name of each known id (NULL for LS_FID_UNKNOWN and unused ones). */
extern const char *const ldrsnap__fid_names[LS_FID_LIMIT];
unsigned ldrsnap__func_id(const char *name, size_t len, unsigned *flags);
/* For the tests: the i-th name of the function table, NULL past its end. */
const char *ldrsnap__func_name(size_t i);

bool ldrsnap__status_is_error(uint32_t code);
/* Name of an exception code: exception names first, then NTSTATUS. */
const char *ldrsnap__exception_name(uint32_t code);
bool ldrsnap__exception_is_benign(uint32_t code);

#endif
