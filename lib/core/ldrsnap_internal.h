/*
 * ldrsnap_internal.h - the core's headers in one (common, hash, alloc,
 * buf, path).  Not installed.  Internal non-static symbols are
 * named ldrsnap__*.  Each stage declares its own parts in its own header
 * (text/text.h, lex/lex.h, codes/status.h, trace/trace.h, ...).
 */
#ifndef LDRSNAP_INTERNAL_H
#define LDRSNAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/path.h"
#include "ldrsnap.h"

#endif /* LDRSNAP_INTERNAL_H */
