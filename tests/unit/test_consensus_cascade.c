/* The cascade (spec/cascade.md §4-§6): levels, dropping, weights, the
 * serialized form, on headers with chosen super levels. */
#include <stdlib.h>
#include <string.h>

#include "cs.h"
#include "crypto/crypto.h"
#include "test_support.h"
#include "types/num.h"
#include "types/objects.h"

static cs_env_t env;

/* A header-only TxPoW numbered n with super level sl and the easiest
 * difficulty (weight 10000). */
static mn_txpow_t *hdr(int64_t n, int32_t sl) {
  const mn_obj_api_t *obj = env.obj;
  mn_txpow_t *t;
  assert_int_equal(mn_txpow_new(obj, &t), 0);
  env.num->from_i64(&t->header.blocknumber, n);
  assert_int_equal(
      obj->dup(t, env.min_work, env.min_work_len, &t->header.blockdifficulty),
      0);
  /* Genesis-style 0x00 super parents (a new header has empty ones). */
  static const uint8_t zero = 0;
  for (int i = 0; i < MN_CASCADE_LEVELS; i++)
    assert_int_equal(obj->dup(t, &zero, 1, &t->header.superparents[i]), 0);
  t->body = NULL;
  assert_int_equal(obj->txpow_compute(t), 0);
  t->superlevel = sl;
  assert_int_equal(obj->weight_of(env.min_work, env.min_work_len, &t->weight),
                   0);
  return t;
}

static void weight_str(const mn_weight_t *w, char *buf, size_t cap) {
  mn_weight_t t;
  env.obj->weight_trunc(&t, w);
  env.obj->weight_to_str(&t, buf, cap);
}

static void test_levels_hand_checked(void **state) {
  (void)state;
  cs_env_t saved = env;
  env.p.cascade_level_nodes = 2;
  cs_cascade_t c;
  cs_cascade_init(&c);
  /* Oldest first: super levels 3,0,1,0,2,0,0 (block numbers 1..7). */
  int sl[] = {3, 0, 1, 0, 2, 0, 0};
  for (int i = 0; i < 7; i++)
    cs_cascade_push(&c, hdr(i + 1, sl[i]), 0);
  assert_int_equal(cs_cascade_chain(&env, &c), 0);
  /* Tip 7 and 6 at level 0; 5 and 3 at level 1; 1 at level 2. */
  int64_t want_n[] = {1, 3, 5, 6, 7};
  int32_t want_l[] = {2, 1, 1, 0, 0};
  assert_int_equal(c.n, 5);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(cs_txpow_number(&env, c.nodes[i].txpow), want_n[i]);
    assert_int_equal(c.nodes[i].level, want_l[i]);
  }
  /* Weight: 10000 x (1 + 1 + 2 + 2 + 4). */
  char w[64];
  weight_str(&c.total, w, sizeof w);
  assert_string_equal(w, "100000");
  cs_cascade_free(&env, &c);
  env = saved;
}

static void test_level0_keeps_tip_plus(void **state) {
  (void)state;
  /* Testnet: 4 nodes a level.  Twenty level-0 headers keep the tip and
   * three more (the counter restarts at 0 after the tip: QUIRK). */
  cs_env_t saved = env;
  env.p.cascade_level_nodes = 4;
  cs_cascade_t c;
  cs_cascade_init(&c);
  for (int i = 0; i < 20; i++)
    cs_cascade_push(&c, hdr(i + 1, 0), 0);
  assert_int_equal(cs_cascade_chain(&env, &c), 0);
  assert_int_equal(c.n, 4);
  assert_int_equal(cs_txpow_number(&env, c.nodes[0].txpow), 17);
  char w[64];
  weight_str(&c.total, w, sizeof w);
  assert_string_equal(w, "40000");
  /* Chaining again changes nothing. */
  assert_int_equal(cs_cascade_chain(&env, &c), 0);
  assert_int_equal(c.n, 4);
  cs_cascade_free(&env, &c);
  env = saved;
}

static void test_top_level_unbounded(void **state) {
  (void)state;
  cs_env_t saved = env;
  env.p.cascade_level_nodes = 1;
  cs_cascade_t c;
  cs_cascade_init(&c);
  /* 40 headers of super level 31: levels climb to 31 and stay there. */
  for (int i = 0; i < 40; i++)
    cs_cascade_push(&c, hdr(i + 1, 31), 0);
  assert_int_equal(cs_cascade_chain(&env, &c), 0);
  assert_int_equal(c.n, 40);
  assert_int_equal(c.nodes[c.n - 1].level, 0);
  assert_int_equal(c.nodes[0].level, 31);
  assert_int_equal(c.nodes[c.n - 33].level, 31);
  assert_int_equal(c.nodes[c.n - 32].level, 30);
  cs_cascade_free(&env, &c);
  env = saved;
}

static void test_serialized_round_trip(void **state) {
  (void)state;
  cs_env_t saved = env;
  env.p.cascade_level_nodes = 3;
  cs_cascade_t c;
  cs_cascade_init(&c);
  for (int i = 0; i < 25; i++)
    cs_cascade_push(&c, hdr(i + 1, i % 5 == 0 ? 2 : i % 2), 0);
  assert_int_equal(cs_cascade_chain(&env, &c), 0);
  mn_buf_t b = {0};
  assert_int_equal(cs_cascade_encode(&env, &c, &b), 0);
  mn_cascade_t *o;
  assert_int_equal(mn_cascade_decode(env.obj, b.data, b.len, NULL, &o), 0);
  assert_int_equal(o->n_nodes, c.n);
  /* Tip first on the wire. */
  assert_memory_equal(o->nodes[0].txpow.txpowid,
                      c.nodes[c.n - 1].txpow->txpowid, 32);
  cs_cascade_t back;
  /* The super levels are recomputed from the headers when read; these
   * synthetic headers are not mined, so keep ours for the comparison. */
  assert_int_equal(cs_cascade_from_obj(&env, o, &back), 0);
  assert_true(back.n <= c.n);
  env.obj->free(o);
  cs_cascade_free(&env, &back);
  /* Copies are deep and equal. */
  cs_cascade_t cp;
  assert_int_equal(cs_cascade_copy(&env, &c, &cp), 0);
  assert_int_equal(cp.n, c.n);
  assert_int_equal(env.obj->weight_cmp(&cp.total, &c.total), 0);
  for (uint32_t i = 0; i < c.n; i++)
    assert_int_equal(cp.nodes[i].level, c.nodes[i].level);
  cs_cascade_free(&env, &cp);
  mn_buf_free(&b);
  cs_cascade_free(&env, &c);
  env = saved;
}

static void test_correct_rejects_bad_levels(void **state) {
  (void)state;
  cs_cascade_t c;
  cs_cascade_init(&c);
  /* Super parents all 0x00: only the level rules can fail. */
  for (int i = 0; i < 3; i++) {
    mn_txpow_t *t = hdr(i + 1, 0);
    cs_cascade_push(&c, t, 0);
  }
  assert_true(cs_cascade_correct(&c));
  c.nodes[2].level = 1; /* the tip must be level 0 */
  assert_false(cs_cascade_correct(&c));
  c.nodes[2].level = 0;
  c.nodes[0].level = 2; /* levels climb one at a time */
  assert_false(cs_cascade_correct(&c));
  c.nodes[0].level = 1;
  assert_true(cs_cascade_correct(&c));
  /* An empty super parent is not 0x00 and names no node. */
  c.nodes[1].txpow->header.superparents[5].len = 0;
  assert_false(cs_cascade_correct(&c));
  cs_cascade_free(&env, &c);
}

int main(void) {
  cs_params_t p;
  cs_params_preset(mn__num_api(), "main", &p);
  cs_env_init(&env, mn__num_api(), mn__crypto_api(), mn__obj_api(), NULL, &p);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_levels_hand_checked),
      cmocka_unit_test(test_level0_keeps_tip_plus),
      cmocka_unit_test(test_top_level_unbounded),
      cmocka_unit_test(test_serialized_round_trip),
      cmocka_unit_test(test_correct_rejects_bad_levels),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
