/*
 * The generic entry points of the chain objects (decode, encode, measure,
 * hash, create, copy, free, json, dup, add) dispatching on the kind, and
 * the host->obj table.
 */
#include <string.h>

#include <minima/errors.h>

#include "crypto/crypto.h"
#include "types/obj_internal.h"
#include "types/objects.h"
#include "types/wire.h"

static size_t kind_size(mn_obj_kind_t kind) {
  switch (kind) {
#define SIZE_CASE(K, name, type)                                               \
  case MN_OBJ_##K:                                                             \
    return sizeof(type);
    MN_OBJ_KIND_MAP(SIZE_CASE)
#undef SIZE_CASE
  case MN_OBJ_NONE:
  case MN_OBJ_KIND_COUNT:
    break;
  }
  return 0;
}

static void read_kind(mn_obj_kind_t kind, mn__dec_t *d, void *obj) {
  switch (kind) {
#define READ_CASE(K, name, type)                                               \
  case MN_OBJ_##K:                                                             \
    mn__read_##name(d, (type *)obj);                                           \
    return;
    MN_OBJ_KIND_MAP(READ_CASE)
#undef READ_CASE
  case MN_OBJ_NONE:
  case MN_OBJ_KIND_COUNT:
    break;
  }
  mn__dec_fail(d, MN_EINVAL);
}

static void write_kind(mn_obj_kind_t kind, mn__sink_t *s, const void *obj) {
  switch (kind) {
#define WRITE_CASE(K, name, type)                                              \
  case MN_OBJ_##K:                                                             \
    mn__write_##name(s, (const type *)obj);                                    \
    return;
    MN_OBJ_KIND_MAP(WRITE_CASE)
#undef WRITE_CASE
  case MN_OBJ_NONE:
  case MN_OBJ_KIND_COUNT:
    break;
  }
  mn__sink_fail(s, MN_EINVAL);
}

static int copy_kind(mn_obj_kind_t kind, mn__arena_t *a, void *dst,
                     const void *src) {
  switch (kind) {
#define COPY_CASE(K, name, type)                                               \
  case MN_OBJ_##K:                                                             \
    return mn__copy_##name(a, (type *)dst, (const type *)src);
    MN_OBJ_KIND_MAP(COPY_CASE)
#undef COPY_CASE
  case MN_OBJ_NONE:
  case MN_OBJ_KIND_COUNT:
    break;
  }
  return MN_EINVAL;
}

static int init_kind(mn_obj_kind_t kind, mn__arena_t *a, void *obj) {
  switch (kind) {
#define INIT_CASE(K, name, type)                                               \
  case MN_OBJ_##K:                                                             \
    return mn__init_##name(a, (type *)obj);
    MN_OBJ_KIND_MAP(INIT_CASE)
#undef INIT_CASE
  case MN_OBJ_NONE:
  case MN_OBJ_KIND_COUNT:
    break;
  }
  return MN_EINVAL;
}

/* --------------------------------------------------------------------------
 * Generic functions
 * ------------------------------------------------------------------------ */

int mn__obj_decode(mn_obj_kind_t kind, const uint8_t *p, size_t len,
                   size_t *used, void **out) {
  if (!out)
    return MN_EINVAL;
  *out = NULL;
  size_t size = kind_size(kind);
  if (!size || (!p && len))
    return MN_EINVAL;
  /* Most objects take about twice their encoding in memory; start the
   * arena there, but small (the input may hold much more than this one
   * object, as an IBD stream does), and let it grow. */
  size_t hint = len < 4096 ? 2 * len : 8192;
  void *obj = mn__root_new(kind, size, hint);
  if (!obj)
    return MN_ENOMEM;
  mn__dec_t d = {.a = mn__root_arena(obj)};
  mn_reader_init(&d.r, p, len);
  read_kind(kind, &d, obj);
  int rc = 0;
  if (!mn__dec_ok(&d))
    rc = d.err ? d.err : MN_EFORMAT;
  else if (!used && d.r.pos != len)
    rc = MN_EFORMAT;
  if (rc) {
    mn__root_free(obj);
    return rc;
  }
  if (used)
    *used = d.r.pos;
  *out = obj;
  return 0;
}

int mn__obj_encode(mn_obj_kind_t kind, const void *obj, mn_buf_t *out) {
  if (!obj || !out || !kind_size(kind))
    return MN_EINVAL;
  if (out->err)
    return out->err;
  size_t before = out->len;
  mn__sink_t s;
  mn__sink_init(&s, out, NULL);
  write_kind(kind, &s, obj);
  int rc = mn__sink_end(&s);
  if (rc && !out->err)
    out->len = before; /* leave no partial object behind */
  return rc;
}

int mn__obj_measure(mn_obj_kind_t kind, const void *obj, size_t *len) {
  if (!obj || !len || !kind_size(kind))
    return MN_EINVAL;
  mn__sink_t s;
  mn__sink_init(&s, NULL, NULL);
  write_kind(kind, &s, obj);
  int rc = mn__sink_end(&s);
  if (!rc)
    *len = s.n;
  return rc;
}

int mn__obj_hash(mn_obj_kind_t kind, const void *obj, uint8_t out[32]) {
  if (!obj || !out || !kind_size(kind))
    return MN_EINVAL;
  mn_sha3_t h;
  mn__sink_t s;
  mn__sha3_init(&h);
  mn__sink_init(&s, NULL, &h);
  write_kind(kind, &s, obj);
  int rc = mn__sink_end(&s);
  if (rc)
    return rc;
  mn__sha3_final(&h, out);
  return 0;
}

int mn__obj_create(mn_obj_kind_t kind, void **out) {
  if (!out)
    return MN_EINVAL;
  *out = NULL;
  size_t size = kind_size(kind);
  if (!size)
    return MN_EINVAL;
  void *obj = mn__root_new(kind, size, 1024);
  if (!obj)
    return MN_ENOMEM;
  int rc = init_kind(kind, mn__root_arena(obj), obj);
  if (rc) {
    mn__root_free(obj);
    return rc;
  }
  *out = obj;
  return 0;
}

int mn__obj_copy(mn_obj_kind_t kind, const void *src, void **out) {
  if (!out)
    return MN_EINVAL;
  *out = NULL;
  size_t size = kind_size(kind);
  if (!size || !src)
    return MN_EINVAL;
  /* src need not be a root: size the arena from its encoding. */
  size_t enc = 0;
  mn__obj_measure(kind, src, &enc);
  size_t hint = enc < 32768 ? 2 * enc + 1024 : 65536;
  void *obj = mn__root_new(kind, size, hint);
  if (!obj)
    return MN_ENOMEM;
  int rc = copy_kind(kind, mn__root_arena(obj), obj, src);
  if (rc) {
    mn__root_free(obj);
    return rc;
  }
  *out = obj;
  return 0;
}

void mn__obj_free(void *root) {
  mn__root_free(root);
}

size_t mn__obj_mem(const void *root) {
  return mn__root_mem(root);
}

json_t *mn__obj_json(mn_obj_kind_t kind, const void *obj, uint32_t flags) {
  if (!obj)
    return NULL;
  switch (kind) {
#define JSON_CASE(K, name, type)                                               \
  case MN_OBJ_##K:                                                             \
    return mn__json_##name((const type *)obj, flags);
    MN_OBJ_KIND_MAP(JSON_CASE)
#undef JSON_CASE
  case MN_OBJ_NONE:
  case MN_OBJ_KIND_COUNT:
    break;
  }
  return NULL;
}

int mn__obj_dup(void *owner, const void *p, size_t len, mn_data_t *out) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !out || (len && !p))
    return MN_EINVAL;
  const uint8_t *q = mn__arena_dup(a, p, len);
  if (!q)
    return MN_ENOMEM;
  out->data = q;
  out->len = len;
  return 0;
}

int mn__obj_dup_string(void *owner, const char *s, size_t len, mn_data_t *out) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !out || (len && !s))
    return MN_EINVAL;
  bool same;
  size_t m = mn__utf8_java((const uint8_t *)s, len, NULL, &same);
  if (same)
    return mn__obj_dup(owner, s, len, out);
  uint8_t *q = mn__arena_alloc(a, m);
  if (!q)
    return MN_ENOMEM;
  mn__utf8_java((const uint8_t *)s, len, q, NULL);
  out->data = q;
  out->len = m;
  return 0;
}

int mn__obj_count_decode(const uint8_t *p, size_t len, size_t *used,
                         uint32_t *n) {
  if (!p || !used || !n)
    return MN_EINVAL;
  mn__dec_t d = {.a = NULL};
  mn_reader_init(&d.r, p, len);
  uint32_t v = mn__dec_count(&d, 1);
  if (!mn__dec_ok(&d))
    return MN_EFORMAT;
  *used = d.r.pos;
  *n = v;
  return 0;
}

/* --------------------------------------------------------------------------
 * add(): deep copies onto lists
 * ------------------------------------------------------------------------ */

/* Grows the list and copies the item with fn; rolls the count back if the
 * copy fails. */
#define APPEND(a, items, n, cap, fn, item)                                     \
  do {                                                                         \
    void *slot_ =                                                              \
        mn__list_grow(a, (void **)&(items), &(n), &(cap), sizeof *(items));    \
    if (!slot_)                                                                \
      return MN_ENOMEM;                                                        \
    int rc_ = fn(a, (void *)slot_, item);                                      \
    if (rc_) {                                                                 \
      (n)--;                                                                   \
      return rc_;                                                              \
    }                                                                          \
    return 0;                                                                  \
  } while (0)

static int copy_plain_chunk(mn__arena_t *a, mn_mmrchunk_t *dst,
                            const mn_mmrchunk_t *src) {
  (void)a;
  *dst = *src;
  return 0;
}

int mn__obj_add(void *owner, mn_obj_list_t list, void *container,
                const void *item) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !container || !item)
    return MN_EINVAL;
  switch (list) {
  case MN_LIST_TXN_INPUTS: {
    mn_transaction_t *t = container;
    APPEND(a, t->inputs, t->n_inputs, t->cap_inputs, mn__copy_coin,
           (const mn_coin_t *)item);
  }
  case MN_LIST_TXN_OUTPUTS: {
    mn_transaction_t *t = container;
    APPEND(a, t->outputs, t->n_outputs, t->cap_outputs, mn__copy_coin,
           (const mn_coin_t *)item);
  }
  case MN_LIST_PROOF_CHUNKS: {
    mn_mmrproof_t *p = container;
    APPEND(a, p->chunks, p->n_chunks, p->cap_chunks, copy_plain_chunk,
           (const mn_mmrchunk_t *)item);
  }
  case MN_LIST_WITNESS_COINPROOFS: {
    mn_witness_t *w = container;
    APPEND(a, w->coinproofs, w->n_coinproofs, w->cap_coinproofs,
           mn__copy_coinproof, (const mn_coinproof_t *)item);
  }
  case MN_LIST_WITNESS_SCRIPTS: {
    mn_witness_t *w = container;
    mn_scriptproof_t sp = *(const mn_scriptproof_t *)item;
    int rc = mn__scriptproof_address(&sp, sp.address);
    if (rc)
      return rc;
    if (mn__obj_witness_find_script(w, sp.address, 32))
      return MN_EEXIST;
    APPEND(a, w->scripts, w->n_scripts, w->cap_scripts, mn__copy_scriptproof,
           &sp);
  }
  case MN_LIST_BODY_TXPOWLIST: {
    mn_txbody_t *b = container;
    APPEND(a, b->txpowlist, b->n_txpowlist, b->cap_txpowlist, mn__copy_data,
           (const mn_data_t *)item);
  }
  case MN_LIST_TXBLOCK_PEAKS: {
    mn_txblock_t *b = container;
    APPEND(a, b->peaks, b->n_peaks, b->cap_peaks, mn__copy_mmrentry,
           (const mn_mmrentry_t *)item);
  }
  case MN_LIST_TXBLOCK_SPENT: {
    mn_txblock_t *b = container;
    APPEND(a, b->spent, b->n_spent, b->cap_spent, mn__copy_coinproof,
           (const mn_coinproof_t *)item);
  }
  case MN_LIST_TXBLOCK_NEWCOINS: {
    mn_txblock_t *b = container;
    APPEND(a, b->newcoins, b->n_newcoins, b->cap_newcoins, mn__copy_coin,
           (const mn_coin_t *)item);
  }
  case MN_LIST_CASCADE_NODES: {
    mn_cascade_t *c = container;
    APPEND(a, c->nodes, c->n_nodes, c->cap_nodes, mn__copy_cascnode,
           (const mn_cascnode_t *)item);
  }
  case MN_LIST_IBD_BLOCKS: {
    mn_ibd_t *b = container;
    APPEND(a, b->blocks, b->n_blocks, b->cap_blocks, mn__copy_txblock,
           (const mn_txblock_t *)item);
  }
  case MN_LIST_NONE:
  case MN_LIST_COUNT:
    break;
  }
  return MN_EINVAL;
}

/* --------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------ */

static const mn_obj_api_t g_api = {
    .size = sizeof(mn_obj_api_t),
    .decode = mn__obj_decode,
    .encode = mn__obj_encode,
    .measure = mn__obj_measure,
    .hash = mn__obj_hash,
    .create = mn__obj_create,
    .copy = mn__obj_copy,
    .free = mn__obj_free,
    .mem = mn__obj_mem,
    .json = mn__obj_json,
    .dup = mn__obj_dup,
    .dup_string = mn__obj_dup_string,
    .add = mn__obj_add,
    .count_decode = mn__obj_count_decode,
    .statevar_parse = mn__obj_statevar_parse,
    .statevar_number = mn__obj_statevar_number,
    .statevar_hex = mn__obj_statevar_hex,
    .txn_set_state = mn__obj_txn_set_state,
    .txn_remove_state = mn__obj_txn_remove_state,
    .txn_get_state = mn__obj_txn_get_state,
    .txn_state_size = mn__obj_txn_state_size,
    .txn_burn = mn__obj_txn_burn,
    .txn_check_valid = mn__obj_txn_check_valid,
    .coinid = mn__obj_coinid,
    .txn_output_coinid = mn__obj_txn_output_coinid,
    .txn_make_output = mn__obj_txn_make_output,
    .witness_add_signature = mn__obj_witness_add_signature,
    .witness_find_script = mn__obj_witness_find_script,
    .scriptproof_make = mn__obj_scriptproof_make,
    .coin_set_state = mn__obj_coin_set_state,
    .coin_set_token = mn__obj_coin_set_token,
    .token_id = mn__obj_token_id,
    .token_scale_up = mn__obj_token_scale_up,
    .token_scale_down = mn__obj_token_scale_down,
    .mmr_leaf = mn__obj_mmr_leaf,
    .coin_leaf = mn__obj_coin_leaf,
    .mmr_parent = mn__obj_mmr_parent,
    .mmr_fold = mn__obj_mmr_fold,
    .mmr_bag = mn__obj_mmr_bag,
    .mmr_equal = mn__obj_mmr_equal,
    .script_address = mn__obj_script_address,
    .txpow_compute = mn__obj_txpow_compute,
    .txpow_set_bodyhash = mn__obj_txpow_set_bodyhash,
    .txpow_burn = mn__obj_txpow_burn,
    .superlevel = mn__obj_superlevel,
    .mine_prepare = mn__obj_mine_prepare,
    .mine_counter = mn__obj_mine_counter,
    .mine_finish = mn__obj_mine_finish,
    .magic_default = mn__obj_magic_default,
    .magic_next = mn__obj_magic_next,
    .magic_same = mn__obj_magic_same,
    .weight_of = mn__obj_weight_of,
    .weight_add = mn__obj_weight_add,
    .weight_cmp = mn__obj_weight_cmp,
    .weight_mul_pow2 = mn__obj_weight_mul_pow2,
    .weight_trunc = mn__obj_weight_trunc,
    .weight_to_str = mn__obj_weight_to_str,
    .uint_from_bytes = mn__obj_uint_from_bytes,
    .uint_to_bytes = mn__obj_uint_to_bytes,
    .uint_from_u64 = mn__obj_uint_from_u64,
    .uint_cmp = mn__obj_uint_cmp,
    .uint_bitlen = mn__obj_uint_bitlen,
    .uint_add = mn__obj_uint_add,
    .uint_sub = mn__obj_uint_sub,
    .uint_mul = mn__obj_uint_mul,
    .uint_divmod = mn__obj_uint_divmod,
    .uint_from_num = mn__obj_uint_from_num,
    .uint_mul_num = mn__obj_uint_mul_num,
    .uint_div_num = mn__obj_uint_div_num,
    .uint_to_dec = mn__obj_uint_to_dec,
    .uint_from_dec = mn__obj_uint_from_dec,
    .data_cmp_value = mn__obj_data_cmp_value,
    .data_to_0x = mn__data_to_0x,
    .data_from_hex = mn__data_from_hex,
};

const mn_obj_api_t *mn__obj_api(void) {
  return &g_api;
}
