/*
 * types/obj_internal.h - what the obj_*.c files share: arenas and roots,
 * the decoder, the encoding sink, and the per-kind read / write / copy /
 * init / json functions the generic entry points dispatch to.
 *
 * Files:
 *   obj_arena.c   arenas, roots, decoder and sink primitives, UTF-8
 *   obj_coin.c    StateVariable, Token, Coin, Address
 *   obj_txn.c     Transaction, Signature, Witness, proofs' containers
 *   obj_mmr.c     MMRData, MMRProof, MMREntry, leaves, parents, bagging
 *   obj_txpow.c   Magic, TxHeader, TxBody, TxPoW, TxBlock, cascade, IBD,
 *                 mining, superlevel
 *   obj_num.c     chain weights and 512-bit integers
 *   obj_json.c    toJSON forms
 *   obj_api.c     the generic entry points and the host->obj table
 */
#ifndef MN_TYPES_OBJ_INTERNAL_H
#define MN_TYPES_OBJ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/crypto.h>
#include <minima/objects.h>
#include <minima/stream.h>

/* --------------------------------------------------------------------------
 * Arenas and roots
 * ------------------------------------------------------------------------ */

typedef struct mn__chunk mn__chunk_t;

/* A bump allocator: chunks of malloc()ed memory freed all at once.
 * Allocations are zeroed and 16-byte aligned. */
typedef struct mn__arena {
  mn__chunk_t *head;
  size_t total; /* bytes malloc()ed */
  size_t used;  /* bytes handed out */
} mn__arena_t;

/* NULL on exhaustion (the caller reports MN_ENOMEM). */
void *mn__arena_alloc(mn__arena_t *a, size_t n);
/* Copies n bytes; a zero-length copy gives a pointer to static memory. */
const uint8_t *mn__arena_dup(mn__arena_t *a, const void *p, size_t n);

/* A new root of kind with an object of objsize bytes, zeroed, in an arena
 * whose first chunk has room for about `hint` more bytes.  NULL on
 * exhaustion. */
void *mn__root_new(mn_obj_kind_t kind, size_t objsize, size_t hint);
/* The arena of a root, or NULL when obj is not a root. */
mn__arena_t *mn__root_arena(const void *obj);
mn_obj_kind_t mn__root_kind(const void *obj);
void mn__root_free(void *obj);
size_t mn__root_mem(const void *obj);

/* Grows a list to hold one more item of size `isz` and returns the slot
 * (zeroed), or NULL on exhaustion.  A list with cap 0 is copied first. */
void *mn__list_grow(mn__arena_t *a, void **items, uint32_t *n, uint32_t *cap,
                    size_t isz);

/* --------------------------------------------------------------------------
 * Decoding
 * ------------------------------------------------------------------------ */

typedef struct mn__dec {
  mn_reader_t r;
  mn__arena_t *a;
  int err; /* first error: MN_EFORMAT or MN_ENOMEM */
} mn__dec_t;

/* Records err (first wins) and returns the recorded error. */
int mn__dec_fail(mn__dec_t *d, int err);
static inline bool mn__dec_ok(const mn__dec_t *d) {
  return d->err == 0 && d->r.err == 0;
}
uint8_t mn__dec_u8(mn__dec_t *d);
bool mn__dec_bool(mn__dec_t *d);
void mn__dec_num(mn__dec_t *d, mn_num_t *out);
/* A MiniData of at most max bytes, copied into the arena. */
mn_data_t mn__dec_data(mn__dec_t *d, size_t max);
/* A MiniString, normalised by Java's UTF-8 decoder, in the arena. */
mn_data_t mn__dec_string(mn__dec_t *d);
/* A list count: a non-negative integral MiniNumber, at most INT32_MAX and
 * at most (bytes left) / minsize. */
uint32_t mn__dec_count(mn__dec_t *d, size_t minsize);
uint64_t mn__dec_entry(mn__dec_t *d);
/* n zeroed items of isz bytes (NULL for n == 0). */
void *mn__dec_array(mn__dec_t *d, uint32_t n, size_t isz);

/* Smallest encodings, for mn__dec_count. */
#define MN__MIN_STATEVAR 3
#define MN__MIN_COIN 32
#define MN__MIN_CHUNK 8
#define MN__MIN_PROOF 6
#define MN__MIN_COINPROOF (MN__MIN_COIN + MN__MIN_PROOF)
#define MN__MIN_SCRIPTPROOF (4 + MN__MIN_PROOF)
#define MN__MIN_SIGPROOF (8 + MN__MIN_PROOF)
#define MN__MIN_SIGNATURE 3
#define MN__MIN_HASH 4
#define MN__MIN_MMRENTRY 18
#define MN__MIN_TXPOW 64
#define MN__MIN_TXBLOCK (MN__MIN_TXPOW + 9)
#define MN__MIN_CASCNODE (MN__MIN_TXPOW + 3)

/* --------------------------------------------------------------------------
 * Encoding: one writer for buffers, hashes and lengths
 * ------------------------------------------------------------------------ */

typedef struct mn__sink {
  mn_buf_t *buf;   /* append here, or */
  mn_sha3_t *sha;  /* absorb here (staged), or */
  uint8_t *fixed;  /* fill this region of fixed_cap bytes, or none: count */
  size_t fixed_cap;
  size_t n;        /* bytes written */
  int err;         /* first error */
  size_t slen;
  uint8_t stage[512];
} mn__sink_t;

void mn__sink_init(mn__sink_t *s, mn_buf_t *buf, mn_sha3_t *sha);
/* A sink writing into p[0..cap); writing more is MN_ETOOBIG. */
void mn__sink_init_fixed(mn__sink_t *s, uint8_t *p, size_t cap);
void mn__sink_put(mn__sink_t *s, const void *p, size_t n);
void mn__sink_fail(mn__sink_t *s, int err);
/* Flushes staged bytes into the hash.  Returns s->err (or buf->err). */
int mn__sink_end(mn__sink_t *s);
static inline void mn__sink_u8(mn__sink_t *s, uint8_t v) {
  mn__sink_put(s, &v, 1);
}
void mn__sink_num(mn__sink_t *s, const mn_num_t *v);
/* An int as a MiniNumber with scale 0 (counts, rows, levels). */
void mn__sink_int(mn__sink_t *s, int64_t v);
void mn__sink_data(mn__sink_t *s, const uint8_t *p, size_t n);
static inline void mn__sink_d(mn__sink_t *s, const mn_data_t *d) {
  mn__sink_data(s, d->data, d->len);
}
/* The hash variant: at most 64 bytes (MN_ETOOBIG). */
void mn__sink_hash(mn__sink_t *s, const mn_data_t *d);
void mn__sink_entry(mn__sink_t *s, uint64_t v);

/* --------------------------------------------------------------------------
 * UTF-8 as Java's decoder reads it
 * ------------------------------------------------------------------------ */

/* Writes the bytes `new String(in, UTF_8).getBytes(UTF_8)` gives into out
 * (NULL to measure) and returns their length (at most 3 n).  *same, when
 * not NULL, is set to whether the result equals the input. */
size_t mn__utf8_java(const uint8_t *in, size_t n, uint8_t *out, bool *same);

/* --------------------------------------------------------------------------
 * Per-kind functions.  read: into *out from d (arena d->a); write: into
 * the sink; copy: deep copy of src into dst with arena a; init: the
 * default object; json: the reference's toJSON.
 * ------------------------------------------------------------------------ */

#define MN__OBJ_DECL(K, name, type)                                           \
  void mn__read_##name(mn__dec_t *d, type *out);                              \
  void mn__write_##name(mn__sink_t *s, const type *x);                        \
  int mn__copy_##name(mn__arena_t *a, type *dst, const type *src);            \
  int mn__init_##name(mn__arena_t *a, type *x);                               \
  json_t *mn__json_##name(const type *x, uint32_t flags);
MN_OBJ_KIND_MAP(MN__OBJ_DECL)
#undef MN__OBJ_DECL

/* A copy of a byte string into an arena (zero lengths share static memory). */
int mn__copy_data(mn__arena_t *a, mn_data_t *dst, const mn_data_t *src);

/* Signature internals (obj_txn.c): reads one serialized Signature at p;
 * out receives its canonical bytes (in a) and root key, *used the input
 * bytes it took.  MN_EFORMAT, MN_ENOMEM. */
int mn__sig_read(mn__arena_t *a, const uint8_t *p, size_t len, size_t *used,
                 mn_signature_t *out);

/* A script proof's address (the proof applied to the script's leaf). */
int mn__scriptproof_address(const mn_scriptproof_t *x, uint8_t out[32]);

/* MMR internals (obj_mmr.c). */
void mn__mmr_parent_hash(const mn_mmrdata_t *l, const mn_mmrdata_t *r,
                         const mn_num_t *sum, uint8_t out[32]);
int mn__mmr_fold(const mn_mmrchunk_t *ch, uint32_t n, mn_mmrdata_t *cur);
void mn__mmr_leaf_string(const uint8_t *s, size_t len, mn_mmrdata_t *out);

/* Scalars shared by several files. */
extern const mn_num_t mn__num_zero;
extern const mn_data_t mn__data_zero; /* 0x00 */
extern const mn_data_t mn__data_empty;
extern const mn_data_t mn__data_max_hash; /* 32 x ff */
extern const mn_data_t mn__data_min_work; /* MIN_TXPOW_WORK, 31 bytes */

/* Decimal text of a MiniNumber into a fresh JSON string. */
json_t *mn__json_num(const mn_num_t *v);
/* "0x..." upper-case ("" when empty). */
json_t *mn__json_0x(const mn_data_t *d);
/* A JSON integer or real for a number the reference writes bare. */
json_t *mn__json_bare_num(const mn_num_t *v);

#endif
