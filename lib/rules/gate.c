/*
 * gate.c - every prefilter decision about a rule set, compiled once into
 * ls_gate for the stages before the rules.
 *
 * A line meets these layers in this order, each cheaper than the next
 * and each letting through a superset of what the next keeps:
 *
 *   1. the bytes to watch (ls_gate.line_bytes, name_bytes): on one
 *      thread, text/ marks each 64-byte block of a chunk that holds one
 *      (the chunk's anchor map); with a tokenizer thread, the parser
 *      checks the names of a compact item, or the analyzing thread its
 *      DLL's name or its line (ls_note.watched);
 *   2. the bucket gate, by msg, dialect, level, function id and status:
 *      for a compact item, on the tokenizer thread from ls_gate
 *      (enter_may, init_may, modload_may, the RETURN gate; the
 *      analyzer then skips the rules for an item no rule can start on,
 *      holding no watched byte, with no sequence under way), and for
 *      every record in rxmatch.c (rx_bucket_may());
 *   3. the anchor pass: a memchr-like pass for the literals' rarest
 *      bytes (rxmatch.c, has_anchor());
 *   4. the rolling-key bloom of every literal's 4-byte keys;
 *   5. the exact literal compare, case-blind;
 *   6. PCRE2 (JIT-compiled where it can be).
 */
#include <string.h>

#include "rules/gate.h"
#include "rules/rules_internal.h"

/* The bytes a line must hold for a rule's first step to start on it by
 * its literal: up to four, into out; 0 when lines cannot be told apart
 * by a few ASCII bytes (or no rule starts by a literal): every line is
 * then scanned. */
static size_t watch_bytes(const ldrsnap_rules *R, unsigned char out[4])
{
    const rx_lits *L = &R->lits;
    if (!R->n_lit_rules || L->scan_always || !L->nprobe)
        return 0;
    /* ASCII only: recoding a line (CP1252 to UTF-8) keeps those bytes */
    for (size_t i = 0; i < L->nprobe; i++)
        if (L->probe[i] >= 0x80)
            return 0;
    memcpy(out, L->probe, L->nprobe);
    return L->nprobe;
}

/* Bucket b's part of the RETURN gate of function fid. */
static void return_gate(ls_gate *g, const rx_bucket *b, unsigned fid)
{
    if (!b->n || !(b->levels >> LDRSNAP_L_RETURN & 1) ||
        !(b->any_fid || (b->fids >> fid & 1)))
        return;
    if (b->any_status)
        g->return_any[fid] = true;
    else
        g->return_status[fid] |= b->statuses;
}

void ldrsnap__gate_build(ls_gate *g, const ldrsnap_rules *R)
{
    memset(g, 0, sizeof *g);
    if (!R || !ldrsnap_rules_count(R))
        return;
    g->on = true;
    g->nline_bytes = watch_bytes(R, g->line_bytes);
    /* the names of plain records only when their frame holds none */
    if (R->lits.plain_safe)
        g->nname_bytes = watch_bytes(R, g->name_bytes);
    for (unsigned id = 0; id < LS_FID_LIMIT; id++) {
        g->enter_may[id] = rx_rules_may(R, LDRSNAP_M_DLL_NAME,
                                        LDRSNAP_D_VISTA, LDRSNAP_L_ENTER,
                                        id, false, 0);
        g->init_may[id] = rx_rules_may(R, LDRSNAP_M_CALLING_INIT,
                                       LDRSNAP_D_VISTA, LDRSNAP_L_INFO, id,
                                       false, 0);
        /* rx_rules_may() of a RETURN "Status:" record, without its
         * status: the three buckets it asks */
        return_gate(g, &R->by_msg[LDRSNAP_M_STATUS % RX_NMSG], id);
        return_gate(g, &R->by_dialect[LDRSNAP_D_VISTA % RX_NDIALECT], id);
        return_gate(g, &R->any, id);
    }
    g->modload_may = rx_rules_may(R, LDRSNAP_M_MODLOAD, LDRSNAP_D_DEBUGGER,
                                  LDRSNAP_L_NONE, LS_FID_UNKNOWN, false, 0);
}
