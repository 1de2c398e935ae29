/* The sparse MMR layers (spec/mmr.md) against a plain full MMR kept in
 * arrays: append, peaks, root, proofs, updates and time-valid checks
 * across layers, and the storage form. */
#include <stdlib.h>
#include <string.h>

#include "cs.h"
#include "crypto/crypto.h"
#include "test_support.h"
#include "types/num.h"
#include "types/objects.h"

static cs_env_t env;

/* ---- a plain MMR: rows of nodes, no sparseness --------------------------- */

#define MAXN 300

typedef struct full {
  mn_mmrdata_t rows[20][MAXN];
  size_t len[20];
} full_t;

static void full_add(full_t *f, const mn_mmrdata_t *x) {
  f->rows[0][f->len[0]++] = *x;
  for (int r = 0; f->len[r] % 2 == 0; r++) {
    mn_mmrdata_t p;
    assert_int_equal(env.obj->mmr_parent(&f->rows[r][f->len[r] - 2],
                                         &f->rows[r][f->len[r] - 1], &p),
                     0);
    f->rows[r + 1][f->len[r + 1]++] = p;
  }
}

static size_t full_peaks(const full_t *f, mn_mmrdata_t *out) {
  size_t n = 0;
  for (int r = 19; r >= 0; r--)
    if (f->len[r] % 2 == 1)
      out[n++] = f->rows[r][f->len[r] - 1];
  return n;
}

static void full_root(const full_t *f, mn_mmrdata_t *root) {
  mn_mmrdata_t p[64];
  size_t n = full_peaks(f, p);
  while (n > 1) {
    full_t *g = calloc(1, sizeof *g);
    for (size_t i = 0; i < n; i++)
      full_add(g, &p[i]);
    n = full_peaks(g, p);
    free(g);
  }
  *root = p[0];
}

/* Recomputes everything from the leaves (after an update). */
static void full_rebuild(full_t *f) {
  full_t *g = calloc(1, sizeof *g);
  for (size_t i = 0; i < f->len[0]; i++)
    full_add(g, &f->rows[0][i]);
  memcpy(f, g, sizeof *g);
  free(g);
}

static void leaf(uint32_t i, const char *value, mn_mmrdata_t *out) {
  uint8_t x[8];
  memcpy(x, &i, 4);
  memcpy(x + 4, "leaf", 4);
  mn_num_t v;
  assert_int_equal(env.num->parse(&v, value, strlen(value)), 0);
  assert_int_equal(env.obj->mmr_leaf(x, 8, &v, out), 0);
}

static void assert_same(const mn_mmrdata_t *a, const mn_mmrdata_t *b) {
  assert_bytes_equal(a->hash, a->len, b->hash, b->len);
  assert_int_equal(env.num->cmp(&a->value, &b->value), 0);
}

static void test_append_matches_full(void **state) {
  (void)state;
  full_t *f = calloc(1, sizeof *f);
  cs_mmr_t *m = cs_mmr_new(0);
  for (uint32_t i = 0; i < 130; i++) {
    mn_mmrdata_t l, a, b;
    leaf(i, i % 3 ? "1.5" : "2", &l);
    uint64_t e;
    assert_int_equal(cs_mmr_add(&env, m, &l, &e), 0);
    assert_int_equal(e, i);
    full_add(f, &l);
    assert_int_equal(cs_mmr_root(&env, m, &a), 0);
    full_root(f, &b);
    assert_same(&a, &b);
    mn_mmrentry_t pk[CS_MMR_ROWS];
    mn_mmrdata_t fp[64];
    size_t n = cs_mmr_peaks(m, pk);
    assert_int_equal(n, full_peaks(f, fp));
    for (size_t k = 0; k < n; k++)
      assert_same(&pk[k].data, &fp[k]);
  }
  /* The root's value is the sum of all leaves, with the scale of 1.5. */
  mn_mmrdata_t r;
  assert_int_equal(cs_mmr_root(&env, m, &r), 0);
  char buf[64];
  env.num->to_plain(&r.value, buf, sizeof buf);
  assert_string_equal(buf, "217.0"); /* 44 x 2 + 86 x 1.5 */
  cs_mmr_free(m);
  free(f);
}

/* Layers: each child adds a few leaves; lookups fall through. */
static void test_layers_and_proofs(void **state) {
  (void)state;
  full_t *f = calloc(1, sizeof *f);
  cs_mmr_t *layers[40];
  layers[0] = cs_mmr_new(0);
  uint32_t k = 0;
  for (int b = 0; b < 40; b++) {
    if (b)
      layers[b] = cs_mmr_child(&env, layers[b - 1]);
    for (int j = 0; j < b % 4 + 1; j++, k++) {
      mn_mmrdata_t l;
      leaf(k, "3", &l);
      assert_int_equal(cs_mmr_add(&env, layers[b], &l, NULL), 0);
      full_add(f, &l);
    }
    cs_mmr_finalize(&env, layers[b]);
    assert_int_equal(cs_mmr_leaves(layers[b]), k);
    mn_mmrdata_t a, r;
    assert_int_equal(cs_mmr_root(&env, layers[b], &a), 0);
    full_root(f, &r);
    assert_same(&a, &r);
  }
  cs_mmr_t *tip = layers[39];
  /* Every leaf's proof to its peak checks, and is time-valid at the tip;
   * a tampered one does not. */
  for (uint32_t i = 0; i < k; i++) {
    mn_mmrproof_t *p;
    assert_int_equal(mn_mmrproof_new(env.obj, &p), 0);
    assert_int_equal(cs_mmr_proof_to_peak(&env, tip, i, p, p), 0);
    mn_mmrdata_t l;
    leaf(i, "3", &l);
    assert_true(cs_mmr_check_proof(&env, tip, &l, p));
    assert_true(cs_mmr_check_time_valid(&env, tip, i, &l, p));
    mn_mmrdata_t wrong;
    leaf(i + 1, "3", &wrong);
    assert_false(cs_mmr_check_proof(&env, tip, &wrong, p));
    assert_false(cs_mmr_check_time_valid(&env, tip, i, &wrong, p));
    env.obj->free(p);
  }
  /* A proof made at layer 10 is still valid at the tip (no later change
   * to the leaf), and fails against a proof block that is not held. */
  mn_mmrproof_t *p;
  assert_int_equal(mn_mmrproof_new(env.obj, &p), 0);
  assert_int_equal(cs_mmr_proof_to_peak(&env, layers[10], 3, p, p), 0);
  mn_mmrdata_t l3;
  leaf(3, "3", &l3);
  assert_true(cs_mmr_check_time_valid(&env, tip, 3, &l3, p));
  env.num->from_i64(&p->blocktime, 77);
  assert_false(cs_mmr_check_time_valid(&env, tip, 3, &l3, p));
  env.num->parse(&p->blocktime, "10.5", 4);
  assert_false(cs_mmr_check_time_valid(&env, tip, 3, &l3, p));
  env.num->from_i64(&p->blocktime, 10);

  /* Spend leaf 3 in a new layer: the root matches the full MMR with the
   * leaf replaced, the old proof is no longer time-valid there, and a
   * proof of the spent leaf is. */
  cs_mmr_t *spend = cs_mmr_child(&env, tip);
  mn_mmrdata_t spent;
  leaf(3, "0", &spent);
  assert_int_equal(cs_mmr_update(&env, spend, 3, p, &spent), 0);
  cs_mmr_finalize(&env, spend);
  f->rows[0][3] = spent;
  full_rebuild(f);
  mn_mmrdata_t a, r;
  assert_int_equal(cs_mmr_root(&env, spend, &a), 0);
  full_root(f, &r);
  assert_same(&a, &r);
  assert_true(cs_mmr_check_time_valid(&env, tip, 3, &l3, p));
  assert_false(cs_mmr_check_time_valid(&env, spend, 3, &l3, p));
  mn_mmrproof_t *q;
  assert_int_equal(mn_mmrproof_new(env.obj, &q), 0);
  assert_int_equal(cs_mmr_proof_to_peak(&env, spend, 3, q, q), 0);
  assert_true(cs_mmr_check_time_valid(&env, spend, 3, &spent, q));
  /* An update with a proof that has too few chunks fails. */
  cs_mmr_t *bad = cs_mmr_new(100);
  mn_mmrentry_t pk[CS_MMR_ROWS];
  size_t np = cs_mmr_peaks(spend, pk);
  for (size_t i = 0; i < np; i++)
    cs_mmr_set(bad, pk[i].row, pk[i].entry, &pk[i].data);
  q->n_chunks = 0;
  assert_int_equal(cs_mmr_update(&env, bad, 3, q, &l3), MN_EINVALID);
  cs_mmr_free(bad);
  env.obj->free(p);
  env.obj->free(q);

  /* The storage form keeps entries, leaves and the root. */
  mn_buf_t b = {0};
  assert_int_equal(cs_mmr_encode(&env, spend, &b), 0);
  mn_reader_t rd;
  mn_reader_init(&rd, b.data, b.len);
  cs_mmr_t *back;
  assert_int_equal(cs_mmr_decode(&env, &rd, &back), 0);
  assert_int_equal(cs_mmr_size(back), cs_mmr_size(spend));
  assert_int_equal(cs_mmr_leaves(back), cs_mmr_leaves(spend));
  assert_int_equal(cs_mmr_blocktime(back), cs_mmr_blocktime(spend));
  /* Without its parent the layer still has its peaks and root. */
  mn_mmrdata_t ra;
  assert_int_equal(cs_mmr_root(&env, back, &ra), 0);
  assert_same(&ra, &a);
  cs_mmr_t *cut;
  mn_reader_init(&rd, b.data, b.len - 3);
  assert_int_equal(cs_mmr_decode(&env, &rd, &cut), MN_ECORRUPT);
  assert_null(cut);
  cs_mmr_free(back);
  mn_buf_free(&b);
  cs_mmr_free(spend);
  for (int i = 39; i >= 0; i--)
    cs_mmr_free(layers[i]);
  free(f);
}

/* A layer built only from the parent's peaks (how a block's layer is made
 * from its TxBlock) gives the same root as the linked child. */
static void test_layer_from_peaks(void **state) {
  (void)state;
  cs_mmr_t *m = cs_mmr_new(0);
  for (uint32_t i = 0; i < 11; i++) {
    mn_mmrdata_t l;
    leaf(i, "1", &l);
    assert_int_equal(cs_mmr_add(&env, m, &l, NULL), 0);
  }
  cs_mmr_finalize(&env, m);
  cs_mmr_t *child = cs_mmr_child(&env, m);
  cs_mmr_t *alone = cs_mmr_new(1);
  mn_mmrentry_t pk[CS_MMR_ROWS];
  size_t np = cs_mmr_peaks(m, pk);
  assert_int_equal(np, 3); /* 11 = 8 + 2 + 1 */
  uint64_t leaves = 0;
  for (size_t i = 0; i < np; i++) {
    cs_mmr_set(alone, pk[i].row, pk[i].entry, &pk[i].data);
    leaves += 1ull << pk[i].row;
  }
  cs_mmr_set_leaves(alone, leaves);
  /* Spend leaf 9 in both (proof from m), add two leaves. */
  mn_mmrproof_t *p;
  assert_int_equal(mn_mmrproof_new(env.obj, &p), 0);
  assert_int_equal(cs_mmr_proof_to_peak(&env, m, 9, p, p), 0);
  mn_mmrdata_t z;
  leaf(9, "0", &z);
  assert_int_equal(cs_mmr_update(&env, child, 9, p, &z), 0);
  assert_int_equal(cs_mmr_update(&env, alone, 9, p, &z), 0);
  for (uint32_t i = 11; i < 13; i++) {
    mn_mmrdata_t l;
    leaf(i, "1", &l);
    assert_int_equal(cs_mmr_add(&env, child, &l, NULL), 0);
    assert_int_equal(cs_mmr_add(&env, alone, &l, NULL), 0);
  }
  mn_mmrdata_t a, b;
  assert_int_equal(cs_mmr_root(&env, child, &a), 0);
  assert_int_equal(cs_mmr_root(&env, alone, &b), 0);
  assert_same(&a, &b);
  env.obj->free(p);
  cs_mmr_free(alone);
  cs_mmr_free(child);
  cs_mmr_free(m);
}

static void test_genesis_mmr(void **state) {
  (void)state;
  cs_mmr_t *g = cs_genesis_mmr(&env);
  assert_non_null(g);
  uint8_t addr[32];
  mn_coin_t gc;
  cs_genesis_coin(&env, addr, &gc);
  mn_mmrdata_t l, r;
  assert_int_equal(env.obj->coin_leaf(&gc, false, &l), 0);
  assert_int_equal(cs_mmr_root(&env, g, &r), 0);
  assert_same(&l, &r);
  /* Block 1 spends it with an empty proof (a single leaf is a peak). */
  mn_mmrproof_t *p;
  assert_int_equal(mn_mmrproof_new(env.obj, &p), 0);
  assert_int_equal(cs_mmr_proof_to_peak(&env, g, 0, p, p), 0);
  assert_int_equal(p->n_chunks, 0);
  assert_true(cs_mmr_check_time_valid(&env, g, 0, &l, p));
  env.obj->free(p);
  cs_mmr_free(g);
}

int main(void) {
  cs_params_t p;
  cs_params_preset(mn__num_api(), "main", &p);
  cs_env_init(&env, mn__num_api(), mn__crypto_api(), mn__obj_api(), NULL, &p);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_append_matches_full),
      cmocka_unit_test(test_layers_and_proofs),
      cmocka_unit_test(test_layer_from_peaks),
      cmocka_unit_test(test_genesis_mmr),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
