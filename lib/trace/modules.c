/*
 * modules.c - the module map: every module the log shows (name, path,
 * and per process its base and the module that needed it), by file name
 * without case.  It names
 * the exporter LdrpNameToOrdinal gives only by address, and the parents
 * of a failure's load chain.
 */
#include <string.h>

#include "simd/simd.h"
#include "trace/trace_internal.h"

/* Eight bytes as a little-endian word (one load where the byte order is
 * known to be that). */
static uint64_t load_le64(const char *s)
{
    uint64_t w = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&w, s, 8);
#else
    for (size_t k = 0; k < 8; k++)
        w |= (uint64_t)(unsigned char)s[k] << (8 * k);
#endif
    return w;
}

/* A hash of a file name without case (ASCII), never 0: eight bytes at a
 * time, 0x20 set in each byte first (names that differ only in the case
 * of letters hash alike; the few other bytes it joins, '@' and '`', '['
 * and '{', ..., only share a hash, which ldrsnap__name_eq() tells
 * apart). */
static uint32_t name_hash(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t h = n * LS_HASH_MUL64;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { /* the whole words */
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ (w | 0x20 * ones)) * LS_MIX64;
        h ^= h >> 29;
    }
    if (i < n) { /* the tail */
        uint64_t w = 0;
        if (n >= 8) /* the last eight bytes, shifted */
            w = load_le64(s + n - 8) >> (8 * (8 - (n - i)));
        else /* the low bytes of a little-endian load */
            for (size_t k = 0; k < n; k++)
                w |= (uint64_t)(unsigned char)s[k] << (8 * k);
        h = (h ^ (w | 0x20 * ones)) * LS_MIX64;
        h ^= h >> 29;
    }
    uint32_t r = (uint32_t)(h ^ (h >> 32));
    return r ? r : 1;
}

static inline unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* a[0..n) and b[0..n) alike without case (ASCII), as ldrsnap__name_eq()
 * tells two names of n bytes apart: the bytes first, a word at a time
 * (the usual case: the same name as printed), then folded.  Both are
 * strings of n bytes: a word at n - 8 can be read. */
static inline bool name_eq_n(const char *a, const char *b, size_t n)
{
    bool same = true;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n && same; i += 8)
            same = load_le64(a + i) == load_le64(b + i);
        same = same && load_le64(a + n - 8) == load_le64(b + n - 8);
    } else {
        same = memcmp(a, b, n) == 0;
    }
    if (same)
        return true;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i] &&
            fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return false;
    return true;
}

/* module_find_base()'s search, every name compared in full (names of
 * less than 8 bytes, names that differ in case, hashes that collide). */
static LS_NOINLINE ls_module *module_find_full(const ls_trace *tr,
                                               const char *b, size_t n,
                                               uint32_t h)
{
    for (size_t i = h & (tr->mod_cap - 1);; i = (i + 1) & (tr->mod_cap - 1)) {
        ls_module *m = &tr->mods[i];
        if (!m->hash)
            return NULL;
        if (m->hash == h && m->name_len == n && name_eq_n(m->name, b, n))
            return m;
    }
}

/* The module of file name b (n bytes, hash h), or NULL.  The usual case
 * inline, with no call (and so no register saved): the first module of
 * the hash and length has the name as printed, a word at a time; any
 * other case is searched again in full, as a tail call. */
static ls_module *module_find_base(const ls_trace *tr, const char *b, size_t n,
                                   uint32_t h)
{
    if (!tr->mod_cap)
        return NULL;
    for (size_t i = h & (tr->mod_cap - 1);; i = (i + 1) & (tr->mod_cap - 1)) {
        ls_module *m = &tr->mods[i];
        if (!m->hash)
            return NULL;
        if (m->hash == h && m->name_len == n) {
            const char *a = m->name;
            bool same = n >= 8;
            for (size_t k = 0; k + 8 < n && same; k += 8)
                same = load_le64(a + k) == load_le64(b + k);
            if (same && load_le64(a + n - 8) == load_le64(b + n - 8))
                return m;
            return module_find_full(tr, b, n, h);
        }
    }
}

ls_module *ldrsnap__module_find(const ls_trace *tr, const char *name)
{
    if (!tr->mod_cap || !name)
        return NULL;
    const char *b = ldrsnap__basename(name);
    size_t n = strlen(b);
    return module_find_base(tr, b, n, name_hash(b, n));
}

/* The same for a name of n bytes (n = strlen(name)). */
ls_module *ldrsnap__module_find_n(const ls_trace *tr, const char *name,
                                  size_t n)
{
    if (!tr->mod_cap || !name)
        return NULL;
    const char *b = ls_basename_n(name, n);
    size_t bl = n - (size_t)(b - name);
    return module_find_base(tr, b, bl, name_hash(b, bl));
}

const char *ldrsnap__module_path(const ls_proc *p, const ls_module *m)
{
    return m && m->path && p && m->path_owner == p->serial ? m->path : NULL;
}

/* m is at path, of len bytes, in p. */
static void set_path(ls_trace *tr, const ls_proc *p, ls_module *m,
                     const char *path, size_t len)
{
    if (m->path && m->path_len == len && memcmp(m->path, path, len) == 0) {
        m->path_owner = p->serial; /* the usual case: no copy */
        return;
    }
    if (m->path_owner == p->serial && m->path)
        return; /* the first path this process gave */
    char *s = ldrsnap__strndup(&tr->al, path, len);
    if (!s)
        return;
    ldrsnap__free(&tr->al, m->path);
    m->path = s;
    m->path_len = len;
    m->path_owner = p->serial;
}

void ldrsnap__module_set_path(ls_trace *tr, const ls_proc *p, ls_module *m,
                              const char *path)
{
    if (m && p && path)
        set_path(tr, p, m, path, strlen(path));
}

const char *ldrsnap__module_parent(const ls_proc *p, const ls_module *m)
{
    return m && m->parent && p && m->parent_owner == p->serial ? m->parent
                                                                : NULL;
}

void ldrsnap__module_set_parent(ls_trace *tr, const ls_proc *p, ls_module *m,
                                const char *parent)
{
    if (!m || !p || !ls_nonempty(parent) || ldrsnap__module_parent(p, m))
        return;
    char *s = ldrsnap__strdup(&tr->al, ldrsnap__basename(parent));
    if (!s)
        return;
    ldrsnap__free(&tr->al, m->parent);
    m->parent = s;
    m->parent_owner = p->serial;
}

static int module_grow(ls_trace *tr)
{
    size_t cap = tr->mod_cap ? tr->mod_cap * 2 : 256;
    ls_module *n = ldrsnap__calloc(&tr->al, cap * sizeof *n);
    if (!n)
        return LDRSNAP_ENOMEM;
    for (size_t i = 0; i < tr->mod_cap; i++) {
        ls_module *m = &tr->mods[i];
        if (!m->hash)
            continue;
        size_t j = m->hash & (cap - 1);
        while (n[j].hash)
            j = (j + 1) & (cap - 1);
        n[j] = *m;
    }
    ldrsnap__free(&tr->al, tr->mods);
    tr->mods = n;
    tr->mod_cap = cap;
    tr->last_mod = NULL;
    return LDRSNAP_OK;
}

/* Find or add a module by name or path, whose file name b (n bytes) the
 * caller found; NULL when the map is full. */
static ls_module *module_get_base(ls_trace *tr, const char *name,
                                  const char *b, size_t n)
{
    if (!ls_nonempty(name))
        return NULL;
    /* the same name as the last one, as printed: the module a lookup
     * would find (one module a name, whatever its case) */
    ls_module *m = tr->last_mod;
    if (m && m->name_len == n && memcmp(m->name, b, n) == 0)
        return m;
    uint32_t h = name_hash(b, n);
    if ((m = module_find_base(tr, b, n, h)))
        return tr->last_mod = m;
    if (tr->nmods >= LS_MAX_MODULES || n > UINT32_MAX) /* (32-bit length) */
        return NULL;
    if ((tr->nmods + 1) * 2 > tr->mod_cap && module_grow(tr) < 0)
        return NULL;
    size_t i = h & (tr->mod_cap - 1);
    while (tr->mods[i].hash)
        i = (i + 1) & (tr->mod_cap - 1);
    m = &tr->mods[i];
    if (!(m->name = ldrsnap__strndup(&tr->al, b, n)))
        return NULL;
    m->name_len = (uint32_t)n;
    m->hash = h;
    tr->nmods++;
    return tr->last_mod = m;
}

ls_module *ldrsnap__module_get(ls_trace *tr, ls_proc *p, const char *name)
{
    (void)p;
    const char *b = ldrsnap__basename(name);
    return module_get_base(tr, name, b, b ? strlen(b) : 0);
}

/* p gives m its base: kept in p's list, for ldrsnap__module_at(). */
static void based_add(ls_trace *tr, ls_proc *p, const ls_module *m)
{
    if (p->nbased == p->based_cap) {
        size_t cap = p->based_cap ? p->based_cap * 2 : 16;
        ls_mod_ref *n = ldrsnap__realloc(&tr->al, p->based, cap * sizeof *n);
        if (!n) {
            p->based_lost = true; /* the map is searched whole */
            return;
        }
        p->based = n;
        p->based_cap = cap;
    }
    p->based[p->nbased++] = (ls_mod_ref){m->name, m->hash,
                                         (uint32_t)m->name_len};
}

/* Note a module that exists (seen mapped or loaded), whose file name b
 * (n bytes) the caller found: its path when the name is one, its range. */
void ldrsnap__module_seen_base(ls_trace *tr, ls_proc *p, const char *name,
                               const char *b, size_t n, uint64_t base,
                               uint64_t end)
{
    ls_module *m = tr->last_mod;
    size_t len = b != name ? (size_t)(b - name) + n : 0; /* b ends name */
    if (len && p && m && m->path && m->path_len == len &&
        memcmp(m->path, name, len) == 0) {
        /* the last module's path as printed (the lines of one load name
         * it in turn): its file name is the module's (set_path() is
         * given only paths whose file name found the module), and
         * set_path()'s usual case */
        m->path_owner = p->serial;
    } else {
        if (!(m = module_get_base(tr, name, b, n)))
            return;
        if (len && p)
            set_path(tr, p, m, name, len);
    }
    m->present = true;
    if (base) {
        if (p && m->base_owner != p->serial)
            based_add(tr, p, m);
        m->base = base, m->end = end, m->has_base = true;
        m->base_owner = p ? p->serial : 0;
    }
}

void ldrsnap__module_seen(ls_trace *tr, ls_proc *p, const char *name,
                          uint64_t base, uint64_t end)
{
    size_t n = name ? strlen(name) : 0;
    const char *b = name ? ls_basename_n(name, n) : NULL;
    ldrsnap__module_seen_base(tr, p, name, b, b ? n - (size_t)(b - name) : 0,
                              base, end);
}

/* The module of p that starts at addr, else the one whose range holds
 * it; the first in the map's order of either. */
static const ls_module *module_at_all(const ls_trace *tr, const ls_proc *p,
                                      uint64_t addr)
{
    const ls_module *inside = NULL;
    for (size_t i = 0; i < tr->mod_cap; i++) {
        const ls_module *m = &tr->mods[i];
        if (!m->hash || !m->has_base || m->base_owner != p->serial)
            continue;
        if (addr == m->base)
            return m;
        if (!inside && addr > m->base && addr < m->end)
            inside = m;
    }
    return inside;
}

const ls_module *ldrsnap__module_at(const ls_trace *tr, const ls_proc *p,
                                    uint64_t addr)
{
    if (!p)
        return NULL;
    if (p->based_lost || tr->whole_map)
        return module_at_all(tr, p, addr);
    /* the modules p gave a base to, not the whole map: a log names
     * thousands of modules, a process maps a few dozen */
    const ls_module *at = NULL, *inside = NULL;
    for (size_t i = 0; i < p->nbased; i++) {
        const ls_module *m = module_find_base(
            tr, p->based[i].name, p->based[i].len, p->based[i].hash);
        if (!m || !m->has_base || m->base_owner != p->serial)
            continue;
        if (addr == m->base) {
            if (!at || m < at)
                at = m;
        } else if (addr > m->base && addr < m->end &&
                   (!inside || m < inside)) {
            inside = m;
        }
    }
    return at ? at : inside;
}

void ldrsnap__modules_free(ls_trace *tr)
{
    for (size_t i = 0; i < tr->mod_cap; i++) {
        ldrsnap__free(&tr->al, tr->mods[i].name);
        ldrsnap__free(&tr->al, tr->mods[i].path);
        ldrsnap__free(&tr->al, tr->mods[i].parent);
    }
    ldrsnap__free(&tr->al, tr->mods);
}
