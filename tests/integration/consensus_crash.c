/*
 * consensus_crash - a mining node is killed with SIGKILL twenty times at
 * random moments.  After every restart the stored chain is whole (every
 * block from the root to the tip is there and links to its parent), it
 * holds at least the tip RPC last reported, and mining goes on from it.
 */
#include "consensus_node.h"

/* Every tree block from the root to the tip is stored, numbered right
 * and links to the block before it.  Tip and length come from one status
 * reply (the node may be mining meanwhile).  Returns the tip. */
static int64_t check_chain(cnode_t *n) {
  json_t *env;
  json_t *r = cn_cmd(n, "status", &env);
  json_t *ch = json_object_get(r, "chain");
  int64_t tip = json_integer_value(json_object_get(ch, "block"));
  int64_t len = json_integer_value(json_object_get(ch, "length"));
  json_decref(env);
  assert_true(len >= 1 && len <= tip);
  char prev[80] = "";
  for (int64_t b = tip - len + 1; b <= tip; b++) {
    char line[64];
    snprintf(line, sizeof line, "txpow block:%lld", (long long)b);
    r = cn_cmd(n, line, &env);
    json_t *h = json_object_get(r, "header");
    assert_true(json_is_true(json_object_get(r, "isblock")));
    char bs[32];
    snprintf(bs, sizeof bs, "%lld", (long long)b);
    assert_string_equal(json_string_value(json_object_get(h, "block")), bs);
    json_t *sp = json_object_get(h, "superparents");
    const char *parent =
        json_string_value(json_object_get(json_array_get(sp, 0), "parent"));
    if (prev[0])
      assert_string_equal(parent, prev);
    snprintf(prev, sizeof prev, "%s",
             json_string_value(json_object_get(r, "txpowid")));
    json_decref(env);
  }
  return tip;
}

static void test_kill_twenty_times(void **state) {
  (void)state;
  cnode_t n;
  cn_init(&n, "chaincrash");
  srand(12345);
  int64_t seen = 0;
  for (int round = 0; round < 20; round++) {
    if (!cn_start(&n, NULL))
      fail_msg("round %d: minimad did not start (see %s/minimad.log)", round,
               n.dir);
    int64_t t = cn_tip(&n);
    /* Nothing RPC reported is lost: it was committed first. */
    if (t < seen)
      fail_msg("round %d: tip %lld after restart, %lld seen before", round,
               (long long)t, (long long)seen);
    if (round % 5 == 4)
      check_chain(&n);
    seen = cn_wait_tip(&n, t + 1 + rand() % 4);
    assert_true(seen > t);
    cn_sleep(rand() % 150);
    assert_int_equal(cn_stop(&n, SIGKILL), 128 + SIGKILL);
  }
  assert_true(cn_start(&n, "consensus.automine=false"));
  int64_t t = check_chain(&n);
  assert_true(t >= seen);
  json_t *env;
  cn_cmd(&n, "automine enable:single", &env);
  json_decref(env);
  assert_int_equal(cn_wait_tip(&n, t + 1), t + 1);
  assert_int_equal(check_chain(&n), t + 1);
  assert_int_equal(cn_stop(&n, SIGTERM), 0);
  cn_free(&n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kill_twenty_times),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
