/*
 * core/path.h - file names in Windows and POSIX paths, compared the way
 * the loader does (ASCII case folded, nothing else).  libc only.
 */
#ifndef LDRSNAP_CORE_PATH_H
#define LDRSNAP_CORE_PATH_H

#include <stdbool.h>

/* The file-name part of a Windows or POSIX path (after the last \ or /). */
const char *ldrsnap__basename(const char *path);
/* ASCII case-insensitive comparison of two file names. */
bool ldrsnap__name_eq(const char *a, const char *b);

#endif
