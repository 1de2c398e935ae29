/* The validation rules of consensus.md §7, each accepting the good case
 * and rejecting the bad one, in the reference's order. */
#include "test_consensus_fixture.h"

static uint8_t g_to[32];

static const uint8_t k_zero = 0, k_one = 1;

typedef struct ctx {
  fx_t f;
  cs_node_t *gen, *tip;
  const mn_coin_t *coin;
  mn_txpow_t *draft; /* spends the genesis output, proven at tip */
} ctx_t;

static int setup(void **state) {
  ctx_t *c = calloc(1, sizeof *c);
  fx_setup(&c->f, "test");
  c->gen = fx_genesis(&c->f);
  c->tip = fx_extend(&c->f, c->gen, 3, FX_DT);
  c->coin = fx_genesis_output(&c->f);
  memset(g_to, 0x42, 32);
  static const char *amts[] = {"600000000", "400000000"};
  c->draft = fx_spend(&c->f, c->coin, c->tip, "RETURN TRUE", g_to, amts, 2);
  *state = c;
  return 0;
}

static int teardown(void **state) {
  ctx_t *c = *state;
  c->f.env.obj->free(c->draft);
  fx_teardown(&c->f);
  free(c);
  return 0;
}

static mn_txpow_t *copy_draft(ctx_t *c) {
  mn_txpow_t *t;
  assert_int_equal(mn_txpow_copy(c->f.env.obj, c->draft, &t), 0);
  return t;
}

static void expect_basic(ctx_t *c, mn_txpow_t *t, bool ok,
                         mn_chain_reason_t r) {
  assert_int_equal(c->f.env.obj->txpow_compute(t), 0);
  cs_fail_t why = {0};
  bool got = cs_check_basic(&c->f.env, t, &why);
  if (got != ok)
    fail_msg("basic: expected %d got %d (%s)", ok, got, why.msg);
  if (!ok)
    assert_int_equal(why.reason, r);
  c->f.env.obj->free(t);
}

/* ---- checkTxPoWBasic ----------------------------------------------------- */

static void test_basic_good(void **state) {
  ctx_t *c = *state;
  expect_basic(c, copy_draft(c), true, 0);
}

static void test_basic_chainid(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  fx_dup(&c->f, t, &k_one, 1, &t->header.chainid);
  expect_basic(c, t, false, MN_CHAIN_R_CHAINID);
}

static void test_basic_no_body(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  t->body = NULL;
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_outputs_exceed(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  c->f.env.num->parse(&t->body->txn.outputs[0].amount, "700000000", 9);
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_no_input(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  t->body->txn.n_inputs = 0;
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_proof_count(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  t->body->witness.n_coinproofs = 0;
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_amount_mismatch(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  c->f.env.num->parse(&t->body->witness.coinproofs[0].coin.amount, "5", 1);
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_coinid_mismatch(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  uint8_t other[32];
  memset(other, 7, 32);
  fx_dup(&c->f, t, other, 32, &t->body->txn.inputs[0].coinid);
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_eltoo_input(void **state) {
  /* A floating (0x01) input matches any proof coin id. */
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  fx_dup(&c->f, t, &k_one, 1, &t->body->txn.inputs[0].coinid);
  expect_basic(c, t, true, 0);
}

static void test_basic_spent_proof(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  t->body->witness.coinproofs[0].coin.spent = 1;
  t->body->txn.inputs[0].spent = 1;
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_missing_script(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  t->body->witness.n_scripts = 0;
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_output_token(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  uint8_t tok[32];
  memset(tok, 9, 32);
  fx_dup(&c->f, t, tok, 32, &t->body->txn.outputs[1].tokenid);
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_linkhash(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = copy_draft(c);
  fx_dup(&c->f, t, &k_one, 1, &t->body->txn.linkhash);
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

static void test_basic_burn_link_and_dup(void **state) {
  ctx_t *c = *state;
  const mn_obj_api_t *obj = c->f.env.obj;
  /* A burn transaction spending the same coin: duplicate coin id. */
  mn_txpow_t *t = copy_draft(c);
  assert_int_equal(obj->txpow_compute(t), 0);
  assert_int_equal(mn_add_txn_inputs(obj, t, &t->body->burntxn, c->coin), 0);
  assert_int_equal(mn_add_witness_coinproofs(obj, t, &t->body->burnwitness,
                                             &t->body->witness.coinproofs[0]),
                   0);
  mn_scriptproof_t sp = t->body->witness.scripts[0];
  mn_add_witness_scripts(obj, t, &t->body->burnwitness, &sp);
  fx_dup(&c->f, t, t->txnid, 32, &t->body->burntxn.linkhash);
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
  /* A burn transaction whose link hash is not the main txn id. */
  t = copy_draft(c);
  assert_int_equal(obj->txpow_compute(t), 0);
  sp = t->body->witness.scripts[0];
  mn_coin_t other = *c->coin;
  uint8_t oid[32];
  memset(oid, 3, 32);
  other.coinid.data = oid;
  assert_int_equal(mn_add_txn_inputs(obj, t, &t->body->burntxn, &other), 0);
  mn_coinproof_t cp = t->body->witness.coinproofs[0];
  cp.coin = other;
  assert_int_equal(
      mn_add_witness_coinproofs(obj, t, &t->body->burnwitness, &cp), 0);
  mn_add_witness_scripts(obj, t, &t->body->burnwitness, &sp);
  fx_dup(&c->f, t, &k_zero, 1, &t->body->burntxn.linkhash);
  expect_basic(c, t, false, MN_CHAIN_R_BASIC);
}

/* ---- signatures ---------------------------------------------------------- */

static void test_signatures(void **state) {
  ctx_t *c = *state;
  const mn_obj_api_t *obj = c->f.env.obj;
  const mn_crypto_api_t *cr = c->f.env.crypto;
  mn_txpow_t *t = copy_draft(c);
  assert_int_equal(obj->txpow_compute(t), 0);
  uint8_t seed[32];
  memset(seed, 5, 32);
  mn_treekey_t *k;
  assert_int_equal(cr->treekey_new(seed, 4, 2, &k), 0);
  mn_buf_t sig = {0};
  assert_int_equal(cr->treekey_sign(k, 0, t->txnid, 32, &sig), 0);
  assert_int_equal(
      obj->witness_add_signature(t, &t->body->witness, sig.data, sig.len), 0);
  cs_fail_t why;
  assert_true(cs_check_signatures(&c->f.env, t, &why));
  /* The same signature over another message does not verify. */
  mn_buf_t sig2 = {0};
  uint8_t other[32];
  memset(other, 1, 32);
  assert_int_equal(cr->treekey_sign(k, 1, other, 32, &sig2), 0);
  mn_txpow_t *u = copy_draft(c);
  assert_int_equal(obj->txpow_compute(u), 0);
  assert_int_equal(
      obj->witness_add_signature(u, &u->body->witness, sig2.data, sig2.len), 0);
  assert_false(cs_check_signatures(&c->f.env, u, &why));
  assert_int_equal(why.reason, MN_CHAIN_R_SIGNATURE);
  mn_buf_free(&sig);
  mn_buf_free(&sig2);
  cr->treekey_free(k);
  obj->free(t);
  obj->free(u);
}

/* ---- state size and relay policy ----------------------------------------- */

static void test_state_and_relay(void **state) {
  ctx_t *c = *state;
  const mn_obj_api_t *obj = c->f.env.obj;
  mn_txpow_t *t = copy_draft(c);
  assert_true(cs_check_state_size(&c->f.env, t, 65536));
  assert_true(cs_check_relay(&c->f.env, t));
  /* 2 outputs keep state: 2 x the state size counts. */
  char *big = malloc(40002);
  big[0] = '[';
  memset(big + 1, 'a', 40000);
  big[40001] = ']';
  mn_statevar_t sv;
  assert_int_equal(obj->statevar_parse(t, 1, big, 40002, &sv), 0);
  assert_int_equal(obj->txn_set_state(t, &t->body->txn, &sv), 0);
  free(big);
  assert_true(cs_check_state_size(&c->f.env, t, 100000));
  assert_false(cs_check_state_size(&c->f.env, t, 65536));
  assert_false(cs_check_relay(&c->f.env, t));
  t->body->txn.outputs[1].storestate = false;
  assert_true(cs_check_state_size(&c->f.env, t, 65536));
  obj->free(t);
  /* More than 32 outputs is outside the relay policy. */
  const char *amts[33];
  for (int i = 0; i < 33; i++)
    amts[i] = "1";
  mn_txpow_t *many =
      fx_spend(&c->f, c->coin, c->tip, "RETURN TRUE", g_to, amts, 33);
  assert_false(cs_check_relay(&c->f.env, many));
  obj->free(many);
}

/* Locks the (only) input of t with script: the input and its proof coin
 * get the script's address (the MMR proof no longer matches; scripts do
 * not look at it). */
static mn_txpow_t *relock(ctx_t *c, mn_txpow_t *t, const char *script) {
  uint8_t a[32];
  c->f.env.obj->script_address(script, strlen(script), a);
  fx_dup(&c->f, t, a, 32, &t->body->txn.inputs[0].address);
  fx_dup(&c->f, t, a, 32, &t->body->witness.coinproofs[0].coin.address);
  assert_int_equal(c->f.env.obj->txpow_compute(t), 0);
  return t;
}

/* ---- scripts ------------------------------------------------------------- */

static bool scripts_at(ctx_t *c, const mn_txpow_t *t, int64_t block,
                       cs_scripts_t *s, cs_fail_t *why) {
  mn_num_t bn, bt, ops;
  c->f.env.num->from_i64(&bn, block);
  c->f.env.num->from_i64(&bt, FX_T0 + block * FX_DT);
  c->f.env.num->from_i64(&ops, 1024);
  return cs_check_scripts(&c->f.env, t, &bn, &bt, &ops, s, why);
}

static void test_scripts(void **state) {
  ctx_t *c = *state;
  const mn_obj_api_t *obj = c->f.env.obj;
  static const char *amts[] = {"1000000000"};
  cs_scripts_t s = {0};
  cs_fail_t why = {0};
  assert_true(scripts_at(c, c->draft, 4, &s, &why));
  assert_true(cs_scripts_monotonic(c->draft, &s));
  /* A failing script, monotonic: it can never pass. */
  mn_txpow_t *t =
      relock(c, fx_spend(&c->f, c->coin, c->tip, "RETURN FALSE", g_to, amts, 1),
             "RETURN FALSE");
  memset(&s, 0, sizeof s);
  assert_false(scripts_at(c, t, 4, &s, &why));
  assert_non_null(strstr(why.msg, "script fails"));
  assert_int_equal(why.reason, MN_CHAIN_R_SCRIPT);
  assert_true(cs_scripts_monotonic(t, &s));
  /* The verdict of a monotonic transaction is cached... */
  assert_true(s.txn.checked && !s.txn.valid);
  obj->free(t);
  /* A block-dependent script: fails at 4, passes at 10, not monotonic. */
  t = relock(
      c, fx_spend(&c->f, c->coin, c->tip, "RETURN @BLOCK GT 5", g_to, amts, 1),
      "RETURN @BLOCK GT 5");
  memset(&s, 0, sizeof s);
  assert_false(scripts_at(c, t, 4, &s, &why));
  assert_false(cs_scripts_monotonic(t, &s));
  assert_true(scripts_at(c, t, 10, &s, &why));
  obj->free(t);
  /* Globals reach the script: @AMOUNT, @INPUT, @TOTOUT, @COINAGE. */
  const char *gs = "ASSERT @AMOUNT EQ 1000000000 ASSERT @INPUT EQ 0 "
                   "ASSERT @TOTOUT EQ 1 RETURN @COINAGE EQ 3";
  t = relock(c, fx_spend(&c->f, c->coin, c->tip, gs, g_to, amts, 1), gs);
  memset(&s, 0, sizeof s);
  assert_true(scripts_at(c, t, 4, &s, &why));
  memset(&s, 0, sizeof s);
  assert_false(scripts_at(c, t, 5, &s, &why));
  obj->free(t);
}

/* ---- MMR proofs ---------------------------------------------------------- */

static void test_mmr_proofs(void **state) {
  ctx_t *c = *state;
  const mn_obj_api_t *obj = c->f.env.obj;
  cs_fail_t why;
  assert_true(cs_check_mmr(&c->f.env, c->tip->mmr, c->draft, &why));
  /* Tampered sibling data. */
  mn_txpow_t *t = copy_draft(c);
  mn_coinproof_t *cp = &t->body->witness.coinproofs[0];
  assert_true(cp->proof.n_chunks > 0);
  cp->proof.chunks[0].data.hash[0] ^= 1;
  assert_false(cs_check_mmr(&c->f.env, c->tip->mmr, t, &why));
  assert_int_equal(why.reason, MN_CHAIN_R_MMR_PROOF);
  obj->free(t);
  /* A proof made at a block this branch does not hold. */
  t = copy_draft(c);
  c->f.env.num->from_i64(&t->body->witness.coinproofs[0].proof.blocktime, 999);
  assert_false(cs_check_mmr(&c->f.env, c->tip->mmr, t, &why));
  obj->free(t);
  /* A proof of another coin (the leaf differs). */
  t = copy_draft(c);
  c->f.env.num->parse(&t->body->witness.coinproofs[0].coin.amount, "7", 1);
  assert_false(cs_check_mmr(&c->f.env, c->tip->mmr, t, &why));
  obj->free(t);
}

static void test_mmr_proof_after_spend(void **state) {
  /* Once a block spends the coin, the old proof is no longer valid. */
  ctx_t *c = *state;
  const mn_obj_api_t *obj = c->f.env.obj;
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, c->draft, NULL, 0, false);
  cs_node_t *n = fx_attach(&c->f, c->tip, b, NULL, 0);
  cs_fail_t why;
  assert_true(cs_check_mmr(&c->f.env, c->tip->mmr, c->draft, &why));
  assert_false(cs_check_mmr(&c->f.env, n->mmr, c->draft, &why));
  obj->free(b);
}

/* ---- checkTxPoWSimple ---------------------------------------------------- */

static void test_simple_txn_difficulty_and_size(void **state) {
  ctx_t *c = *state;
  const mn_obj_api_t *obj = c->f.env.obj;
  mn_txpow_t *blk = fx_block(&c->f, c->tip, FX_DT, NULL, NULL, 0, false);
  mn_txpow_t *t = fx_txn(&c->f, c->tip, c->draft);
  cs_scripts_t s = {0};
  cs_fail_t why;
  assert_true(cs_check_simple(&c->f.env, c->tip->mmr, t, blk, &s, &why));
  /* A transaction difficulty easier than the block's minimum work. */
  uint8_t ff[32];
  memset(ff, 0xff, 32);
  fx_dup(&c->f, t, ff, 32, &t->body->txndifficulty);
  assert_int_equal(obj->txpow_compute(t), 0);
  assert_false(cs_check_simple(&c->f.env, c->tip->mmr, t, blk, &s, &why));
  assert_int_equal(why.reason, MN_CHAIN_R_TXN_DIFFICULTY);
  obj->free(t);
  /* Larger than the magic size limit (state not stored: size only). */
  t = copy_draft(c);
  char *big = malloc(70002);
  big[0] = '[';
  memset(big + 1, 'b', 70000);
  big[70001] = ']';
  mn_statevar_t sv;
  assert_int_equal(obj->statevar_parse(t, 2, big, 70002, &sv), 0);
  assert_int_equal(obj->txn_set_state(t, &t->body->txn, &sv), 0);
  free(big);
  mn_txpow_t *tt = fx_txn(&c->f, c->tip, t);
  assert_false(cs_check_simple(&c->f.env, c->tip->mmr, tt, blk, &s, &why));
  assert_int_equal(why.reason, MN_CHAIN_R_SIZE);
  obj->free(t);
  obj->free(tt);
  obj->free(blk);
}

/* ---- super parents ------------------------------------------------------- */

static void test_parents(void **state) {
  ctx_t *c = *state;
  const mn_obj_api_t *obj = c->f.env.obj;
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, NULL, NULL, 0, false);
  assert_true(cs_check_parents(c->tip, &c->f.casc, b));
  /* Slot 0 must be the parent. */
  mn_data_t saved = b->header.superparents[0];
  uint8_t bad[32];
  memset(bad, 0xAB, 32);
  fx_dup(&c->f, b, bad, 32, &b->header.superparents[0]);
  assert_false(cs_check_parents(c->tip, &c->f.casc, b));
  b->header.superparents[0] = saved;
  /* The first slot past the walked ones must be 0x00... */
  int sup = 0;
  for (cs_node_t *n = c->tip; n; n = n->parent)
    while (n->txpow->superlevel >= sup && sup < 32)
      sup++;
  assert_true(sup < 31);
  mn_data_t keep = b->header.superparents[sup];
  fx_dup(&c->f, b, bad, 32, &b->header.superparents[sup]);
  assert_false(cs_check_parents(c->tip, &c->f.casc, b));
  b->header.superparents[sup] = keep;
  /* ...but the reference tests that slot again and again (QUIRK), so a
   * wrong later slot passes. */
  fx_dup(&c->f, b, bad, 32, &b->header.superparents[sup + 1]);
  assert_true(cs_check_parents(c->tip, &c->f.casc, b));
  obj->free(b);
}

/* ---- checkTxPoWBlock ----------------------------------------------------- */

static void expect_block(ctx_t *c, mn_txpow_t *b, const mn_txpow_t *const *txns,
                         size_t n, bool ok, mn_chain_reason_t r) {
  cs_scripts_t bs = {0};
  cs_fail_t why = {0};
  bool got = cs_check_block(&c->f.env, c->tip, &c->f.casc, b, &bs, txns, NULL,
                            n, &why);
  if (got != ok)
    fail_msg("block: expected %d got %d (%s: %s)", ok, got,
             mn_chain_reason_name(why.reason), why.msg);
  if (!ok && why.reason != r)
    fail_msg("block: expected reason %s got %s (%s)", mn_chain_reason_name(r),
             mn_chain_reason_name(why.reason), why.msg);
}

static void test_block_good(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, c->draft, NULL, 0, false);
  expect_block(c, b, NULL, 0, true, 0);
  c->f.env.obj->free(b);
  /* A block listing a loose transaction. */
  mn_txpow_t *t = fx_txn(&c->f, c->tip, c->draft);
  const mn_txpow_t *txns[] = {t};
  b = fx_block(&c->f, c->tip, FX_DT, NULL, txns, 1, false);
  expect_block(c, b, txns, 1, true, 0);
  c->f.env.obj->free(b);
  c->f.env.obj->free(t);
}

static void test_block_number(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, NULL, NULL, 0, false);
  c->f.env.num->from_i64(&b->header.blocknumber, c->tip->number + 2);
  fx_seal(&c->f, c->tip, b, NULL, 0, false);
  expect_block(c, b, NULL, 0, false, MN_CHAIN_R_BLOCK_NUMBER);
  c->f.env.obj->free(b);
}

static void test_block_time(void **state) {
  ctx_t *c = *state;
  /* Before the median time of the last 2 x MEDIAN_BLOCK_CALC blocks. */
  mn_txpow_t *b = fx_block(&c->f, c->tip, -3 * FX_DT, NULL, NULL, 0, false);
  expect_block(c, b, NULL, 0, false, MN_CHAIN_R_TIME);
  c->f.env.obj->free(b);
  /* Exactly the median time is allowed. */
  cs_node_t *med = cs_median_time_block(&c->f.env, c->tip, 16);
  b = fx_block(&c->f, c->tip, med->time - c->tip->time, NULL, NULL, 0, false);
  expect_block(c, b, NULL, 0, true, 0);
  c->f.env.obj->free(b);
  /* More than 24 h after it is not. */
  b = fx_block(&c->f, c->tip, med->time - c->tip->time + 86400001, NULL, NULL,
               0, false);
  expect_block(c, b, NULL, 0, false, MN_CHAIN_R_TIME);
  c->f.env.obj->free(b);
}

static void test_block_difficulty_and_magic(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, NULL, NULL, 0, false);
  uint8_t easier[33];
  memset(easier, 0xff, 32);
  fx_dup(&c->f, b, easier, 32, &b->header.blockdifficulty);
  fx_seal(&c->f, c->tip, b, NULL, 0, false);
  expect_block(c, b, NULL, 0, false, MN_CHAIN_R_DIFFICULTY);
  c->f.env.obj->free(b);
  b = fx_block(&c->f, c->tip, FX_DT, NULL, NULL, 0, false);
  c->f.env.num->from_i64(&b->header.magic.max_txns, 300);
  fx_seal(&c->f, c->tip, b, NULL, 0, false);
  expect_block(c, b, NULL, 0, false, MN_CHAIN_R_MAGIC);
  c->f.env.obj->free(b);
}

static void test_block_txn_count(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, NULL, NULL, 0, false);
  for (int i = 0; i < 257; i++) {
    uint8_t id[32];
    memset(id, 0, 32);
    id[0] = (uint8_t)i;
    id[1] = (uint8_t)(i >> 8);
    mn_data_t d = {id, 32};
    assert_int_equal(mn_add_body_txpowlist(c->f.env.obj, b, b->body, &d), 0);
  }
  assert_int_equal(c->f.env.obj->txpow_compute(b), 0);
  expect_block(c, b, NULL, 0, false, MN_CHAIN_R_TXN_COUNT);
  c->f.env.obj->free(b);
}

static void test_block_duplicate_input(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *t = fx_txn(&c->f, c->tip, c->draft);
  const mn_txpow_t *txns[] = {t};
  /* The block's own transaction and a listed one spend the same coin. */
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, c->draft, NULL, 0, false);
  for (int i = 0; i < 1; i++) {
    mn_data_t d = {t->txpowid, 32};
    assert_int_equal(mn_add_body_txpowlist(c->f.env.obj, b, b->body, &d), 0);
  }
  assert_int_equal(c->f.env.obj->txpow_compute(b), 0);
  expect_block(c, b, txns, 1, false, MN_CHAIN_R_DUPLICATE_INPUT);
  c->f.env.obj->free(b);
  c->f.env.obj->free(t);
}

static void test_block_mmr_root(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, c->draft, NULL, 0, false);
  c->f.env.num->parse(&b->header.mmrtotal, "999999999", 9);
  assert_int_equal(c->f.env.obj->txpow_compute(b), 0);
  expect_block(c, b, NULL, 0, false, MN_CHAIN_R_MMR_ROOT);
  c->f.env.obj->free(b);
}

static void test_block_listed_bad_proof(void **state) {
  ctx_t *c = *state;
  mn_txpow_t *d = copy_draft(c);
  d->body->witness.coinproofs[0].proof.chunks[0].data.hash[3] ^= 0x10;
  mn_txpow_t *t = fx_txn(&c->f, c->tip, d);
  const mn_txpow_t *txns[] = {t};
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, NULL, NULL, 0, false);
  mn_data_t id = {t->txpowid, 32};
  assert_int_equal(mn_add_body_txpowlist(c->f.env.obj, b, b->body, &id), 0);
  assert_int_equal(c->f.env.obj->txpow_compute(b), 0);
  expect_block(c, b, txns, 1, false, MN_CHAIN_R_MMR_PROOF);
  c->f.env.obj->free(b);
  c->f.env.obj->free(t);
  c->f.env.obj->free(d);
}

static void test_block_listed_failing_script(void **state) {
  ctx_t *c = *state;
  static const char *amts[] = {"1000000000"};
  mn_txpow_t *d =
      fx_spend(&c->f, c->coin, c->tip, "RETURN FALSE", g_to, amts, 1);
  /* The coin's address is RETURN TRUE's: give the proof coin and input the
   * address of the failing script so the script is the one that runs. */
  uint8_t fa[32];
  c->f.env.obj->script_address("RETURN FALSE", 12, fa);
  fx_dup(&c->f, d, fa, 32, &d->body->txn.inputs[0].address);
  fx_dup(&c->f, d, fa, 32, &d->body->witness.coinproofs[0].coin.address);
  mn_txpow_t *t = fx_txn(&c->f, c->tip, d);
  const mn_txpow_t *txns[] = {t};
  mn_txpow_t *b = fx_block(&c->f, c->tip, FX_DT, NULL, NULL, 0, false);
  mn_data_t id = {t->txpowid, 32};
  assert_int_equal(mn_add_body_txpowlist(c->f.env.obj, b, b->body, &id), 0);
  assert_int_equal(c->f.env.obj->txpow_compute(b), 0);
  /* The changed address breaks the proof first; that is checked first. */
  expect_block(c, b, txns, 1, false, MN_CHAIN_R_MMR_PROOF);
  c->f.env.obj->free(b);
  c->f.env.obj->free(t);
  c->f.env.obj->free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic_good),
      cmocka_unit_test(test_basic_chainid),
      cmocka_unit_test(test_basic_no_body),
      cmocka_unit_test(test_basic_outputs_exceed),
      cmocka_unit_test(test_basic_no_input),
      cmocka_unit_test(test_basic_proof_count),
      cmocka_unit_test(test_basic_amount_mismatch),
      cmocka_unit_test(test_basic_coinid_mismatch),
      cmocka_unit_test(test_basic_eltoo_input),
      cmocka_unit_test(test_basic_spent_proof),
      cmocka_unit_test(test_basic_missing_script),
      cmocka_unit_test(test_basic_output_token),
      cmocka_unit_test(test_basic_linkhash),
      cmocka_unit_test(test_basic_burn_link_and_dup),
      cmocka_unit_test(test_signatures),
      cmocka_unit_test(test_state_and_relay),
      cmocka_unit_test(test_scripts),
      cmocka_unit_test(test_mmr_proofs),
      cmocka_unit_test(test_mmr_proof_after_spend),
      cmocka_unit_test(test_simple_txn_difficulty_and_size),
      cmocka_unit_test(test_parents),
      cmocka_unit_test(test_block_good),
      cmocka_unit_test(test_block_number),
      cmocka_unit_test(test_block_time),
      cmocka_unit_test(test_block_difficulty_and_magic),
      cmocka_unit_test(test_block_txn_count),
      cmocka_unit_test(test_block_duplicate_input),
      cmocka_unit_test(test_block_mmr_root),
      cmocka_unit_test(test_block_listed_bad_proof),
      cmocka_unit_test(test_block_listed_failing_script),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
