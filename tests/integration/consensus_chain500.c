/*
 * consensus_chain500 - a real node mines 500 blocks (with the test
 * cascade parameters, so the tree is cut into the cascade many times),
 * stops, restarts, and must hold the same tip, MMR root, cascade and
 * weight, then mine on.
 */
#include "consensus_node.h"

typedef struct snap {
  int64_t block, length, cstart, clength;
  char hash[80], weight[80], cweight[80], mmr[80], minima[40];
  char coins[40];
} snap_t;

static void take(cnode_t *n, snap_t *s) {
  json_t *env;
  json_t *r = cn_cmd(n, "status", &env);
  json_t *ch = json_object_get(r, "chain");
  json_t *ca = json_object_get(ch, "cascade");
  s->block = json_integer_value(json_object_get(ch, "block"));
  s->length = json_integer_value(json_object_get(ch, "length"));
  s->cstart = json_integer_value(json_object_get(ca, "start"));
  s->clength = json_integer_value(json_object_get(ca, "length"));
  snprintf(s->hash, sizeof s->hash, "%s",
           json_string_value(json_object_get(ch, "hash")));
  snprintf(s->weight, sizeof s->weight, "%s",
           json_string_value(json_object_get(r, "weight")));
  snprintf(s->cweight, sizeof s->cweight, "%s",
           json_string_value(json_object_get(ca, "weight")));
  snprintf(s->minima, sizeof s->minima, "%s",
           json_string_value(json_object_get(r, "minima")));
  snprintf(s->coins, sizeof s->coins, "%s",
           json_string_value(json_object_get(r, "coins")));
  json_decref(env);
  r = cn_cmd(n, "printmmr", &env);
  snprintf(
      s->mmr, sizeof s->mmr, "%s",
      json_string_value(json_object_get(json_object_get(r, "root"), "data")));
  json_decref(env);
}

static void test_500_blocks_restart(void **state) {
  (void)state;
  cnode_t n;
  cn_init(&n, "chain500");
  if (!cn_start(&n, NULL))
    fail_msg("minimad did not start (see %s/minimad.log)", n.dir);
  assert_true(cn_wait_tip(&n, 500) >= 500);
  cn_quiesce(&n);
  snap_t a;
  take(&n, &a);
  assert_true(a.block >= 500);
  /* The tree is cut at 32 + 3 blocks down to 32; the rest cascaded. */
  assert_true(a.length >= 32 && a.length < 35);
  assert_true(a.clength >= 4);
  assert_int_equal(a.cstart, a.block - a.length);
  assert_string_equal(a.minima, "1000000000");
  assert_int_equal(cn_stop(&n, SIGTERM), 0);

  assert_true(cn_start(&n, "consensus.automine=false"));
  snap_t b;
  take(&n, &b);
  assert_int_equal(b.block, a.block);
  assert_string_equal(b.hash, a.hash);
  assert_string_equal(b.mmr, a.mmr);
  assert_int_equal(b.length, a.length);
  assert_int_equal(b.cstart, a.cstart);
  assert_int_equal(b.clength, a.clength);
  assert_string_equal(b.cweight, a.cweight);
  assert_string_equal(b.weight, a.weight);
  assert_string_equal(b.coins, a.coins);
  /* And it mines on from the stored tip. */
  json_t *env;
  cn_cmd(&n, "automine enable:single", &env);
  json_decref(env);
  assert_int_equal(cn_wait_tip(&n, a.block + 1), a.block + 1);
  assert_int_equal(cn_stop(&n, SIGTERM), 0);
  cn_free(&n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_500_blocks_restart),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
