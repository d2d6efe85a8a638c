/*
 * fuzz_archive.c - libFuzzer target: any bytes as an input of the batch
 * (plain, gzip, or an archive libarchive reads, nested), every entry read
 * to its end under small limits, the errors' messages non-empty.  The
 * input is read twice: with our zip reader (lib/source/zip.c) and with
 * every zip left to libarchive (ldrsnap__zip_native(false)); a member
 * both read to its end without an error must have the same bytes.  And a
 * third time with zip.c's members all inflated as streams
 * (ldrsnap__zip_whole(false)): every entry the same as with the members
 * it inflates whole, errors and bytes read before them included.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ldrsnap.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void ldrsnap__zip_native(bool on); /* lib/source/zip.c */
void ldrsnap__zip_whole(bool on);

#define MAX_SEEN 64

typedef struct seen {
    char name[128];
    uint64_t hash, len;
} seen;

/* Every entry, in order: what read_all() saw of the first MAX_SEEN. */
typedef struct entry_seen {
    uint64_t name, hash, len;
    int error, rc;
} entry_seen;

static entry_seen *all;
static size_t all_n;

/* Read every entry; the first MAX_SEEN read whole without an error go
 * to s (their count in *n); with `all` set, every entry's there too. */
static void read_all(const uint8_t *data, size_t size, seen *s, size_t *n)
{
    ldrsnap_batch *b = NULL;
    ldrsnap_limits lim = LDRSNAP_LIMITS_INIT;
    lim.max_bytes = 1u << 20;
    lim.max_total = 4u << 20;
    lim.ratio_floor = 1u << 16;
    lim.max_members = 256;
    lim.max_nested = 1u << 20;
    *n = 0;
    if (ldrsnap_batch_new(&b, NULL, 0) < 0 ||
        ldrsnap_batch_set_limits(b, &lim) < 0 ||
        ldrsnap_batch_add_memory(b, "fuzz.bin", data, size) < 0) {
        ldrsnap_batch_free(b);
        return;
    }
    ldrsnap_entry *e;
    char buf[4096];
    while (ldrsnap_batch_next(b, &e) == LDRSNAP_OK) {
        if (e->error && !*ldrsnap_batch_errmsg(b))
            __builtin_trap(); /* an error always says why */
        size_t got;
        int rc;
        uint64_t h = 1469598103934665603u, len = 0;
        while ((rc = ldrsnap_batch_read(b, buf, sizeof buf, &got)) == 0 &&
               got) {
            for (size_t i = 0; i < got; i++)
                h = (h ^ (unsigned char)buf[i]) * 1099511628211u;
            len += got;
        }
        if (rc < 0 && !*ldrsnap_batch_errmsg(b))
            __builtin_trap();
        if (all && all_n < MAX_SEEN) {
            uint64_t nh = 1469598103934665603u;
            for (const char *c = e->name; *c; c++)
                nh = (nh ^ (unsigned char)*c) * 1099511628211u;
            all[all_n++] = (entry_seen){nh, h, len, e->error, rc};
        }
        if (rc == 0 && !e->error && !e->skipped && *n < MAX_SEEN &&
            strlen(e->name) < sizeof s->name) {
            strcpy(s[*n].name, e->name);
            s[*n].hash = h;
            s[*n].len = len;
            ++*n;
        }
    }
    ldrsnap_batch_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static seen ours[MAX_SEEN], theirs[MAX_SEEN];
    static entry_seen whole[MAX_SEEN], stream[MAX_SEEN];
    size_t n1, n2, nw;
    all = whole;
    all_n = 0;
    read_all(data, size, ours, &n1);
    nw = all_n;
    all = stream;
    all_n = 0;
    ldrsnap__zip_whole(false);
    read_all(data, size, theirs, &n2);
    ldrsnap__zip_whole(true);
    all = NULL;
    if (nw != all_n || memcmp(whole, stream, nw * sizeof *whole))
        __builtin_trap(); /* inflated whole, not as the stream */
    ldrsnap__zip_native(false);
    read_all(data, size, theirs, &n2);
    ldrsnap__zip_native(true);
    /* a name met once by each reader (an archive may hold one twice) */
    for (size_t i = 0; i < n1; i++) {
        size_t at = 0, c1 = 0, c2 = 0;
        for (size_t j = 0; j < n1; j++)
            c1 += !strcmp(ours[j].name, ours[i].name);
        for (size_t j = 0; j < n2; j++)
            if (!strcmp(theirs[j].name, ours[i].name))
                c2++, at = j;
        if (c1 == 1 && c2 == 1 && (theirs[at].len != ours[i].len ||
                                   theirs[at].hash != ours[i].hash))
            __builtin_trap(); /* the two readers disagree */
    }
    return 0;
}
