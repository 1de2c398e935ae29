/* The block difficulty retarget and median times (consensus.md §5) on
 * crafted timelines, and the transaction difficulty (§3.1). */
#include <stdlib.h>
#include <string.h>

#include "cs.h"
#include "crypto/crypto.h"
#include "test_support.h"
#include "types/num.h"
#include "types/objects.h"

static cs_env_t env;

typedef struct chain {
  cs_node_t **n;
  size_t len;
} chain_t;

static cs_node_t *mk(int64_t number, int64_t time, const mn_uint_t *diff) {
  const mn_obj_api_t *obj = env.obj;
  mn_txblock_t *tb;
  assert_int_equal(mn_txblock_new(obj, &tb), 0);
  env.num->from_i64(&tb->txpow.header.blocknumber, number);
  env.num->from_i64(&tb->txpow.header.timemilli, time);
  uint8_t b[64];
  size_t l = obj->uint_to_bytes(diff, b);
  assert_int_equal(obj->dup(tb, b, l, &tb->txpow.header.blockdifficulty), 0);
  return cs_node_new(&env, tb, NULL, cs_mmr_new(number), NULL);
}

/* count blocks from number 1, spacing ms apart, all of difficulty d
 * (or alternating d and d2 when d2 is given). */
static chain_t build(size_t count, int64_t spacing, const mn_uint_t *d,
                     const mn_uint_t *d2) {
  chain_t c = {calloc(count, sizeof(cs_node_t *)), count};
  for (size_t i = 0; i < count; i++) {
    c.n[i] = mk((int64_t)i + 1, 1000000 + (int64_t)i * spacing,
                d2 && i % 2 ? d2 : d);
    if (i)
      c.n[i]->parent = c.n[i - 1];
  }
  return c;
}

static void drop(chain_t *c) {
  for (size_t i = 0; i < c->len; i++)
    cs_node_free(&env, c->n[i]);
  free(c->n);
}

static void next(chain_t *c, mn_uint_t *out) {
  uint8_t b[64];
  size_t l;
  assert_int_equal(cs_next_difficulty(&env, c->n[c->len - 1], b, &l), 0);
  assert_int_equal(env.obj->uint_from_bytes(out, b, l), 0);
  /* Minimal bytes: no leading zero. */
  assert_true(l == 1 || b[0] != 0);
}

static void frac(mn_uint_t *r, const mn_uint_t *a, uint64_t num, uint64_t den) {
  mn_uint_t n, d;
  env.obj->uint_from_u64(&n, num);
  env.obj->uint_from_u64(&d, den);
  assert_int_equal(env.obj->uint_mul(r, a, &n), 0);
  assert_int_equal(env.obj->uint_divmod(r, NULL, r, &d), 0);
}

static void assert_uint_eq(const mn_uint_t *a, const mn_uint_t *b) {
  char x[200], y[200];
  env.obj->uint_to_dec(a, x, sizeof x);
  env.obj->uint_to_dec(b, y, sizeof y);
  assert_string_equal(x, y);
}

static void test_first_blocks_easiest(void **state) {
  (void)state;
  mn_uint_t d, got;
  frac(&d, &env.min_work_u, 1, 4);
  chain_t c = build(7, 50000, &d, NULL);
  next(&c, &got);
  assert_uint_eq(&got, &env.min_work_u);
  drop(&c);
}

static void test_on_target(void **state) {
  (void)state;
  mn_uint_t d, got;
  frac(&d, &env.min_work_u, 1, 4);
  chain_t c = build(300, 50000, &d, NULL);
  next(&c, &got);
  assert_uint_eq(&got, &d);
  drop(&c);
}

static void test_fast_chain_harder(void **state) {
  (void)state;
  mn_uint_t d, got, want;
  frac(&d, &env.min_work_u, 1, 4);
  /* 40 s blocks: speed 0.025, ratio 0.8. */
  chain_t c = build(300, 40000, &d, NULL);
  next(&c, &got);
  frac(&want, &d, 8, 10);
  assert_uint_eq(&got, &want);
  drop(&c);
  /* 1 s blocks: the ratio is clamped to 0.5. */
  c = build(300, 1000, &d, NULL);
  next(&c, &got);
  frac(&want, &d, 1, 2);
  assert_uint_eq(&got, &want);
  drop(&c);
}

static void test_slow_chain_easier(void **state) {
  (void)state;
  mn_uint_t d, got, want;
  frac(&d, &env.min_work_u, 1, 8);
  /* 62.5 s blocks: speed 0.016, ratio 1.25. */
  chain_t c = build(300, 62500, &d, NULL);
  next(&c, &got);
  frac(&want, &d, 125, 100);
  assert_uint_eq(&got, &want);
  drop(&c);
  /* 10 min blocks: clamped to 2. */
  c = build(300, 600000, &d, NULL);
  next(&c, &got);
  frac(&want, &d, 2, 1);
  assert_uint_eq(&got, &want);
  drop(&c);
  /* Never easier than the minimum work. */
  c = build(300, 600000, &env.min_work_u, NULL);
  next(&c, &got);
  assert_uint_eq(&got, &env.min_work_u);
  drop(&c);
}

static void test_average_of_window(void **state) {
  (void)state;
  mn_uint_t d1, d2, got, want, sum;
  frac(&d1, &env.min_work_u, 1, 4);
  frac(&d2, &env.min_work_u, 1, 3);
  /* On target, so the result is the floor of the average difficulty. */
  chain_t c = build(300, 50000, &d1, &d2);
  next(&c, &got);
  /* The window from the start median back 256 blocks holds 128 of each. */
  assert_int_equal(env.obj->uint_add(&sum, &d1, &d2), 0);
  frac(&want, &sum, 1, 2);
  assert_uint_eq(&got, &want);
  drop(&c);
}

static void test_time_error_keeps_parent(void **state) {
  (void)state;
  mn_uint_t d, got;
  frac(&d, &env.min_work_u, 1, 5);
  chain_t c = build(300, 0, &d, NULL); /* every block at the same time */
  next(&c, &got);
  assert_uint_eq(&got, &d);
  drop(&c);
}

static void test_median_time_stable(void **state) {
  (void)state;
  mn_uint_t d;
  frac(&d, &env.min_work_u, 1, 2);
  chain_t c = build(9, 1000, &d, NULL);
  /* Times 1000000 + 1000 i; make blocks 3..6 share a time. */
  for (int i = 2; i < 6; i++)
    c.n[i]->time = 5555555;
  /* From block 9 back 8 blocks: 9,8,7,6,5,4,3,2 -> sorted by time the
   * median index 4 is the first of the equal ones: Java's stable sort
   * keeps walk order (6,5,4,3 after 2,7,8,9), so it is block 6. */
  cs_node_t *m = cs_median_time_block(&env, c.n[8], 8);
  assert_int_equal(m->number, 6);
  /* Fewer nodes than asked: it stops at the root; of blocks 2 and 1 the
   * element at index 1 of the sorted pair is block 2. */
  m = cs_median_time_block(&env, c.n[1], 64);
  assert_int_equal(m->number, 2);
  drop(&c);
}

static void test_testnet_window(void **state) {
  (void)state;
  cs_env_t saved = env;
  cs_params_t p;
  cs_params_preset(env.num, "test", &p);
  env.p = p;
  mn_uint_t d, got, want;
  frac(&d, &env.min_work_u, 1, 4);
  /* 25 s blocks against a 20 s target: ratio 0.8 over a 16-block window. */
  chain_t c = build(40, 25000, &d, NULL);
  next(&c, &got);
  frac(&want, &d, 125, 100);
  assert_uint_eq(&got, &want);
  drop(&c);
  env = saved;
}

static void test_txn_difficulty(void **state) {
  (void)state;
  uint8_t out[64];
  size_t len;
  mn_num_t hr;
  mn_data_t mw = {env.min_work, env.min_work_len};
  /* A fast miner would be harder than the block: the block's is used. */
  env.num->from_i64(&hr, 1000000);
  assert_int_equal(cs_txn_difficulty(&env, &hr, &mw, &mw, out, &len), 0);
  assert_bytes_equal(out, len, env.min_work, env.min_work_len);
  /* A slow miner would be too easy: min work / 1.1 (DECIMAL64). */
  env.num->from_i64(&hr, 1);
  uint8_t ff[32];
  memset(ff, 0xff, 32);
  mn_data_t easy = {ff, 32};
  assert_int_equal(cs_txn_difficulty(&env, &hr, &easy, &mw, out, &len), 0);
  mn_uint_t got, want;
  env.obj->uint_from_bytes(&got, out, len);
  frac(&want, &env.min_work_u, 10, 11);
  /* DECIMAL64 rounds the quotient to 16 significant digits before the
   * integer part is taken: the same leading digits, zeros after. */
  char a[200], b[200];
  env.obj->uint_to_dec(&got, a, sizeof a);
  env.obj->uint_to_dec(&want, b, sizeof b);
  assert_int_equal(strlen(a), strlen(b));
  assert_memory_equal(a, b, 15);
  for (size_t i = 16; i < strlen(a); i++)
    assert_int_equal(a[i], '0');
  /* ...rounded half-even at the 16th digit. */
  int d16 = b[15] - '0', d17 = b[16] - '0';
  assert_int_equal(a[15] - '0', d17 >= 5 ? d16 + 1 : d16);
}

int main(void) {
  cs_params_t p;
  cs_params_preset(mn__num_api(), "main", &p);
  cs_env_init(&env, mn__num_api(), mn__crypto_api(), mn__obj_api(), NULL, &p);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_first_blocks_easiest),
      cmocka_unit_test(test_on_target),
      cmocka_unit_test(test_fast_chain_harder),
      cmocka_unit_test(test_slow_chain_easier),
      cmocka_unit_test(test_average_of_window),
      cmocka_unit_test(test_time_error_keeps_parent),
      cmocka_unit_test(test_median_time_stable),
      cmocka_unit_test(test_testnet_window),
      cmocka_unit_test(test_txn_difficulty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
