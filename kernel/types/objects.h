/*
 * types/objects.h - the chain objects, the kernel side of mn_obj_api_t.
 *
 * mn__obj_api() is the table the host hands to plugins as host->obj.
 * Kernel code, tools and tests may call the functions below directly:
 * each mn__obj_X has exactly the contract of the table's X, documented in
 * minima/objects.h.  The implementation is split over obj_*.c
 * (obj_internal.h lists them).
 */
#ifndef MN_TYPES_OBJECTS_H
#define MN_TYPES_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/objects.h>

/* The host->obj table (static storage, never NULL). */
const mn_obj_api_t *mn__obj_api(void);

int mn__obj_decode(mn_obj_kind_t kind, const uint8_t *p, size_t len,
                   size_t *used, void **out);
int mn__obj_encode(mn_obj_kind_t kind, const void *obj, mn_buf_t *out);
int mn__obj_measure(mn_obj_kind_t kind, const void *obj, size_t *len);
int mn__obj_hash(mn_obj_kind_t kind, const void *obj, uint8_t out[32]);
int mn__obj_create(mn_obj_kind_t kind, void **out);
int mn__obj_copy(mn_obj_kind_t kind, const void *obj, void **out);
void mn__obj_free(void *root);
size_t mn__obj_mem(const void *root);
json_t *mn__obj_json(mn_obj_kind_t kind, const void *obj, uint32_t flags);
int mn__obj_dup(void *owner, const void *p, size_t len, mn_data_t *out);
int mn__obj_dup_string(void *owner, const char *s, size_t len,
                       mn_data_t *out);
int mn__obj_add(void *owner, mn_obj_list_t list, void *container,
                const void *item);
int mn__obj_count_decode(const uint8_t *p, size_t len, size_t *used,
                         uint32_t *n);

int mn__obj_statevar_parse(void *owner, int port, const char *text,
                           size_t len, mn_statevar_t *out);
int mn__obj_statevar_number(const mn_statevar_t *sv, mn_num_t *out);
int mn__obj_statevar_hex(const mn_statevar_t *sv, mn_buf_t *out);
int mn__obj_txn_set_state(void *owner, mn_transaction_t *t,
                          const mn_statevar_t *sv);
bool mn__obj_txn_remove_state(mn_transaction_t *t, int port);
const mn_statevar_t *mn__obj_txn_get_state(const mn_transaction_t *t,
                                           int port);
int mn__obj_txn_state_size(const mn_transaction_t *t, size_t *len);
int mn__obj_txn_burn(const mn_transaction_t *t, mn_num_t *out);
bool mn__obj_txn_check_valid(const mn_transaction_t *t);
void mn__obj_coinid(const uint8_t *base, size_t baselen, uint32_t k,
                    uint8_t out[32]);
int mn__obj_txn_output_coinid(const mn_transaction_t *t,
                              const mn_witness_t *w, bool genesis,
                              uint32_t k, uint8_t out[32]);
int mn__obj_txn_make_output(void *owner, const mn_transaction_t *t,
                            uint32_t k, const uint8_t coinid[32],
                            const mn_num_t *blocknumber, mn_coin_t *out);
int mn__obj_witness_add_signature(void *owner, mn_witness_t *w,
                                  const uint8_t *sig, size_t len);
const mn_scriptproof_t *mn__obj_witness_find_script(const mn_witness_t *w,
                                                    const uint8_t *addr,
                                                    size_t len);
int mn__obj_scriptproof_make(void *owner, const char *script, size_t len,
                             const mn_mmrproof_t *proof,
                             mn_scriptproof_t *out);
int mn__obj_coin_set_state(void *owner, mn_coin_t *c,
                           const mn_statevar_t *sv, uint32_t n);
int mn__obj_coin_set_token(void *owner, mn_coin_t *c, const mn_token_t *tok);
int mn__obj_token_id(const mn_token_t *tok, uint8_t out[32]);
int mn__obj_token_scale_up(const mn_token_t *tok, const mn_num_t *minima,
                           mn_num_t *out);
int mn__obj_token_scale_down(const mn_token_t *tok, const mn_num_t *tokens,
                             mn_num_t *out);

int mn__obj_mmr_leaf(const void *x, size_t len, const mn_num_t *value,
                     mn_mmrdata_t *out);
int mn__obj_coin_leaf(const mn_coin_t *c, bool spent, mn_mmrdata_t *out);
int mn__obj_mmr_parent(const mn_mmrdata_t *l, const mn_mmrdata_t *r,
                       mn_mmrdata_t *out);
int mn__obj_mmr_fold(const mn_mmrproof_t *p, const mn_mmrdata_t *leaf,
                     mn_mmrdata_t *root);
int mn__obj_mmr_bag(const mn_mmrdata_t *peaks, size_t n, mn_mmrdata_t *root);
bool mn__obj_mmr_equal(const mn_mmrdata_t *a, const mn_mmrdata_t *b);
void mn__obj_script_address(const char *script, size_t len, uint8_t out[32]);

int mn__obj_txpow_compute(mn_txpow_t *t);
int mn__obj_txpow_set_bodyhash(void *owner, mn_txpow_t *t);
int mn__obj_txpow_burn(const mn_txpow_t *t, mn_num_t *out);
int mn__obj_superlevel(const uint8_t *diff, size_t dlen, const uint8_t *id,
                       size_t idlen, int *level);
int mn__obj_mine_prepare(mn_txpow_t *t, mn_buf_t *hdr);
void mn__obj_mine_counter(uint8_t *hdr, size_t len, uint64_t counter);
int mn__obj_mine_finish(mn_txpow_t *t, const uint8_t *hdr, size_t len);

void mn__obj_magic_default(mn_magic_t *m);
int mn__obj_magic_next(const mn_magic_t *parent, mn_magic_t *out,
                       uint8_t work[64]);
bool mn__obj_magic_same(const mn_magic_t *a, const mn_magic_t *b);

int mn__obj_weight_of(const uint8_t *diff, size_t len, mn_weight_t *out);
int mn__obj_weight_add(mn_weight_t *r, const mn_weight_t *a,
                       const mn_weight_t *b);
int mn__obj_weight_cmp(const mn_weight_t *a, const mn_weight_t *b);
int mn__obj_weight_mul_pow2(mn_weight_t *r, const mn_weight_t *a,
                            uint32_t level);
int mn__obj_weight_trunc(mn_weight_t *r, const mn_weight_t *a);
size_t mn__obj_weight_to_str(const mn_weight_t *a, char *buf, size_t cap);

int mn__obj_uint_from_bytes(mn_uint_t *r, const uint8_t *p, size_t len);
size_t mn__obj_uint_to_bytes(const mn_uint_t *a, uint8_t out[64]);
void mn__obj_uint_from_u64(mn_uint_t *r, uint64_t v);
int mn__obj_uint_cmp(const mn_uint_t *a, const mn_uint_t *b);
unsigned mn__obj_uint_bitlen(const mn_uint_t *a);
int mn__obj_uint_add(mn_uint_t *r, const mn_uint_t *a, const mn_uint_t *b);
int mn__obj_uint_sub(mn_uint_t *r, const mn_uint_t *a, const mn_uint_t *b);
int mn__obj_uint_mul(mn_uint_t *r, const mn_uint_t *a, const mn_uint_t *b);
int mn__obj_uint_divmod(mn_uint_t *q, mn_uint_t *rem, const mn_uint_t *a,
                        const mn_uint_t *b);
int mn__obj_uint_from_num(mn_uint_t *r, const mn_num_t *n);
int mn__obj_uint_mul_num(mn_uint_t *r, const mn_uint_t *a,
                         const mn_num_t *ratio);
int mn__obj_uint_div_num(mn_uint_t *r, const mn_uint_t *a, const mn_num_t *d,
                         unsigned digits);
size_t mn__obj_uint_to_dec(const mn_uint_t *a, char *buf, size_t cap);
int mn__obj_uint_from_dec(mn_uint_t *r, const char *s, size_t len);
int mn__obj_data_cmp_value(const uint8_t *a, size_t alen, const uint8_t *b,
                           size_t blen);

#endif
