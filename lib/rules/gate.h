/*
 * rules/gate.h - a rule set compiled into the plain data the stages
 * before the rules read (ls_gate, core/common.h): they never include
 * PCRE2 to ask whether a rule could start on a line.
 */
#ifndef LDRSNAP_RULES_GATE_H
#define LDRSNAP_RULES_GATE_H

#include "core/ldrsnap_internal.h"

/* The gate of R (NULL or no rules: all off). */
void ldrsnap__gate_build(ls_gate *g, const struct ldrsnap_rules *R);

#endif
