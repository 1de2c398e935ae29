/* The TxPoW tree (consensus.md §8): GHOST tip selection, ties, reorgs,
 * cutting into the cascade and the cascade's super-parent links, on
 * mined blocks. */
#include "test_consensus_fixture.h"

static int setup(void **state) {
  fx_t *f = calloc(1, sizeof *f);
  fx_setup(f, "test");
  fx_genesis(f);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx_t *f = *state;
  fx_teardown(f);
  free(f);
  return 0;
}

static void test_heavier_branch_and_reorg(void **state) {
  fx_t *f = *state;
  cs_node_t *base = fx_extend(f, f->tree.root, 2, FX_DT);
  cs_node_t *a = fx_extend(f, base, 3, FX_DT);
  assert_ptr_equal(f->tree.tip, a);
  /* Branch b grows longer (same difficulty): it becomes the tip. */
  cs_node_t *b = fx_extend(f, base, 4, FX_DT + 1);
  assert_ptr_equal(f->tree.tip, b);
  assert_true(b->on_main);
  assert_false(a->on_main);
  assert_true(base->on_main);
  /* a overtakes again: reorg back. */
  cs_node_t *a2 = fx_extend(f, a, 2, FX_DT);
  assert_ptr_equal(f->tree.tip, a2);
  assert_false(b->on_main);
  assert_int_equal(f->tree.length, a2->number);
}

static void test_tie_goes_to_first_child(void **state) {
  fx_t *f = *state;
  cs_node_t *p = f->tree.tip;
  cs_node_t *x = fx_extend(f, p, 1, FX_DT);
  cs_node_t *y = fx_extend(f, p, 1, FX_DT + 7);
  (void)y;
  assert_int_equal(f->env.obj->weight_cmp(&x->total, &y->total), 0);
  assert_ptr_equal(f->tree.tip, x);
}

static void test_ghost_not_longest(void **state) {
  fx_t *f = *state;
  cs_node_t *p = f->tree.tip;
  /* Subtree A: A and three children (4 blocks, 2 deep).  Chain B: 3
   * blocks, 3 deep.  GHOST takes the heavier subtree, A. */
  cs_node_t *a = fx_extend(f, p, 1, FX_DT);
  cs_node_t *ak[3];
  for (int i = 0; i < 3; i++)
    ak[i] = fx_extend(f, a, 1, FX_DT + i);
  cs_node_t *b = fx_extend(f, p, 3, FX_DT + 11);
  assert_true(b->number > ak[0]->number);
  assert_ptr_equal(f->tree.tip, ak[0]);
  assert_true(a->on_main);
}

static void test_cut_into_cascade(void **state) {
  fx_t *f = *state;
  /* Test parameters: cut at 32 + 3 blocks, keep 32. */
  cs_node_t *tip = fx_extend(f, f->tree.tip, 40, FX_DT);
  int64_t tipn = tip->number;
  assert_true(f->tree.length >= 35);
  cs_node_t **rem;
  size_t n;
  assert_int_equal(cs_tree_cut(&f->env, &f->tree, 32, &rem, &n), 0);
  assert_int_equal(f->tree.root->number, tipn - 31);
  assert_int_equal(f->tree.length, 32);
  assert_ptr_equal(f->tree.tip, tip);
  assert_int_equal(n, (size_t)(tipn - 32));
  assert_int_equal(rem[0]->number, 1);
  assert_null(f->tree.root->parent);
  /* Side branches below the new root went with the cut. */
  assert_null(cs_tree_find(&f->tree, rem[0]->txpow->txpowid));
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(cs_cascade_add(&f->env, &f->casc, rem[i]->txpow), 0);
    cs_node_free(&f->env, rem[i]);
  }
  free(rem);
  assert_int_equal(cs_cascade_chain(&f->env, &f->casc), 0);
  assert_true(f->casc.n >= 4);
  assert_true(cs_cascade_correct(&f->casc));
  /* The next block's super parents are found through tree and cascade. */
  mn_txpow_t *b = fx_block(f, tip, FX_DT, NULL, NULL, 0, false);
  assert_true(cs_check_parents(tip, &f->casc, b));
  f->env.obj->free(b);
  /* A cascade whose super parent names nothing it holds is not correct. */
  cs_cnode_t *cn = &f->casc.nodes[f->casc.n - 1];
  mn_data_t keep = cn->txpow->header.superparents[0];
  uint8_t bad[32];
  memset(bad, 0x5A, 32);
  fx_dup(f, cn->txpow, bad, 32, &cn->txpow->header.superparents[0]);
  assert_false(cs_cascade_correct(&f->casc));
  cn->txpow->header.superparents[0] = keep;
  assert_true(cs_cascade_correct(&f->casc));
  /* Serialized and read back (re-chained), still correct. */
  mn_buf_t buf = {0};
  assert_int_equal(cs_cascade_encode(&f->env, &f->casc, &buf), 0);
  mn_cascade_t *o;
  assert_int_equal(mn_cascade_decode(f->env.obj, buf.data, buf.len, NULL, &o),
                   0);
  cs_cascade_t back;
  assert_int_equal(cs_cascade_from_obj(&f->env, o, &back), 0);
  assert_int_equal(back.n, f->casc.n);
  assert_true(cs_cascade_correct(&back));
  assert_int_equal(f->env.obj->weight_cmp(&back.total, &f->casc.total), 0);
  cs_cascade_free(&f->env, &back);
  f->env.obj->free(o);
  mn_buf_free(&buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_heavier_branch_and_reorg, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_tie_goes_to_first_child, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_ghost_not_longest, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cut_into_cascade, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
