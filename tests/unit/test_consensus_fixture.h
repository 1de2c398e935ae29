/*
 * test_consensus_fixture.h - a chain built in memory for the consensus
 * unit tests: the libraries, the KISS VM (from an embedded node that loads
 * only the kissvm plugin), a tree and a cascade, and helpers that make
 * valid blocks and transactions that tests then break one rule at a time.
 */
#ifndef TEST_CONSENSUS_FIXTURE_H
#define TEST_CONSENSUS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cs.h"
#include "crypto/crypto.h"
#include "host/node.h"
#include "test_support.h"
#include "types/num.h"
#include "types/objects.h"
#include "util/util.h"

#define FX_T0 1700000000000LL /* genesis time */
#define FX_DT 5000            /* ms between blocks */

typedef struct fx {
  uv_loop_t loop;
  mn__node_t *node;
  const mn_host_t *host;
  mn_plugin_t *kernel;
  cs_env_t env;
  char *dir;
  cs_tree_t tree;
  cs_cascade_t casc;
  mn_txpow_t *gen_txpow;
} fx_t;

static inline const mn_obj_api_t *fx_obj(fx_t *f) {
  return f->env.obj;
}

static inline void fx_setup(fx_t *f, const char *net) {
  memset(f, 0, sizeof *f);
  f->dir = mn_test_tmpdir("cs");
  char *profile = mn__xasprintf("%s/p.toml", f->dir);
  FILE *fp = fopen(profile, "w");
  assert_non_null(fp);
  fprintf(fp,
          "[node]\nplugin_dir = \"%s/lib/minima/plugins\"\n"
          "log_level = \"warn\"\n[[plugin]]\nname = \"kissvm\"\n",
          mn_test_build_dir());
  fclose(fp);
  uv_loop_init(&f->loop);
  char *data = mn__xasprintf("%s/data", f->dir);
  mn__config_opts_t co = {.file = profile, .data_dir = data};
  char *why = NULL;
  if (mn__node_create(&co, &f->loop, "fx", &f->node, &why))
    fail_msg("cannot create a node with the kissvm plugin: %s", why);
  if (mn__node_start(f->node, &why))
    fail_msg("cannot start it: %s", why);
  free(profile);
  free(data);
  f->host = mn__node_host(f->node, &f->kernel);
  const mn_kissvm_t *vm = f->host->service_lookup(f->kernel, MN_KISSVM_SERVICE,
                                                  MN_KISSVM_SERVICE_VERSION);
  assert_non_null(vm);
  cs_params_t p;
  assert_int_equal(cs_params_preset(mn__num_api(), net, &p), 0);
  assert_int_equal(cs_env_init(&f->env, mn__num_api(), mn__crypto_api(),
                               mn__obj_api(), vm, &p),
                   0);
  cs_tree_init(&f->tree);
  cs_cascade_init(&f->casc);
}

static inline void fx_teardown(fx_t *f) {
  cs_tree_free(&f->env, &f->tree);
  cs_cascade_free(&f->env, &f->casc);
  f->env.obj->free(f->gen_txpow);
  mn__node_destroy(f->node);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  uv_loop_close(&f->loop);
  mn_test_rmtree(f->dir);
  free(f->dir);
}

/* A node for a TxBlock (taken over). */
static inline cs_node_t *fx_node(fx_t *f, mn_txblock_t *tb) {
  cs_mmr_t *mmr;
  mn_txblock_t *coins;
  assert_int_equal(cs_txblock_layer(&f->env, tb, &mmr, &coins), 0);
  return cs_node_new(&f->env, tb, NULL, mmr, coins);
}

/* The genesis block as the tree root. */
static inline cs_node_t *fx_genesis(fx_t *f) {
  mn_txblock_t *tb;
  assert_int_equal(cs_genesis(&f->env, FX_T0, NULL, 0, &f->gen_txpow, &tb), 0);
  cs_node_t *n = fx_node(f, tb);
  cs_tree_set_root(&f->env, &f->tree, n);
  return n;
}

static inline void fx_dup(fx_t *f, void *owner, const void *p, size_t n,
                          mn_data_t *out) {
  assert_int_equal(f->env.obj->dup(owner, p, n, out), 0);
}

/* Mines t to its txndifficulty (after setting the body hash). */
static inline void fx_mine(fx_t *f, mn_txpow_t *t) {
  const mn_obj_api_t *obj = f->env.obj;
  assert_int_equal(obj->txpow_set_bodyhash(t, t), 0);
  mn_buf_t hdr = {0};
  assert_int_equal(obj->mine_prepare(t, &hdr), 0);
  const mn_data_t *td = &t->body->txndifficulty;
  for (uint64_t k = 0;; k++) {
    obj->mine_counter(hdr.data, hdr.len, k);
    uint8_t h[32];
    f->env.crypto->sha3_256(hdr.data, hdr.len, h);
    if (obj->data_cmp_value(h, 32, td->data, td->len) < 0)
      break;
  }
  assert_int_equal(obj->mine_finish(t, hdr.data, hdr.len), 0);
  mn_buf_free(&hdr);
}

/* Fills the MMR root of t (on parent) and the body hash; mines when
 * asked.  Run after changing anything in t. */
static inline void fx_seal(fx_t *f, cs_node_t *parent, mn_txpow_t *t,
                           const mn_txpow_t *const *txns, size_t n, bool mine) {
  const mn_obj_api_t *obj = f->env.obj;
  assert_int_equal(obj->txpow_compute(t), 0);
  mn_txblock_t *tb;
  int rc = cs_txblock_build(&f->env, parent->mmr, t, txns, n, &tb);
  if (rc == 0) {
    cs_mmr_t *layer;
    assert_int_equal(cs_txblock_layer(&f->env, tb, &layer, NULL), 0);
    mn_mmrdata_t root;
    assert_int_equal(cs_mmr_root(&f->env, layer, &root), 0);
    fx_dup(f, t, root.hash, root.len, &t->header.mmrroot);
    t->header.mmrtotal = root.value;
    cs_mmr_free(layer);
    obj->free(tb);
  }
  assert_int_equal(obj->txpow_set_bodyhash(t, t), 0);
  assert_int_equal(obj->txpow_compute(t), 0);
  if (mine)
    fx_mine(f, t);
}

/* A valid block template on parent, dt ms later, with the body of draft
 * (its txn and witness) and the listed txns; txndifficulty is the block
 * difficulty, so mining it makes a block. */
static inline mn_txpow_t *fx_block(fx_t *f, cs_node_t *parent, int64_t dt,
                                   const mn_txpow_t *draft,
                                   const mn_txpow_t *const *txns, size_t n,
                                   bool mine) {
  const mn_obj_api_t *obj = f->env.obj;
  const mn_num_api_t *num = f->env.num;
  mn_txpow_t *t;
  if (draft)
    assert_int_equal(mn_txpow_copy(obj, draft, &t), 0);
  else
    assert_int_equal(mn_txpow_new(obj, &t), 0);
  mn_txheader_t *h = &t->header;
  num->from_i64(&h->blocknumber, parent->number + 1);
  num->from_i64(&h->timemilli, parent->time + dt);
  uint8_t work[64];
  mn_magic_t mg;
  assert_int_equal(obj->magic_next(&parent->txpow->header.magic, &mg, work), 0);
  fx_dup(f, t, mg.min_txpow_work.data, mg.min_txpow_work.len,
         &mg.min_txpow_work);
  h->magic = mg;
  for (int i = 0; i < MN_CASCADE_LEVELS; i++)
    h->superparents[i] = parent->txpow->header.superparents[i];
  mn_data_t pid;
  fx_dup(f, t, parent->txpow->txpowid, 32, &pid);
  for (int i = parent->txpow->superlevel; i >= 0; i--)
    h->superparents[i] = pid;
  uint8_t d[64];
  size_t dl;
  assert_int_equal(cs_next_difficulty(&f->env, parent, d, &dl), 0);
  fx_dup(f, t, d, dl, &h->blockdifficulty);
  fx_dup(f, t, d, dl, &t->body->txndifficulty);
  t->body->n_txpowlist = 0;
  t->body->cap_txpowlist = 0;
  t->body->txpowlist = NULL;
  for (size_t i = 0; i < n; i++) {
    mn_data_t id = {txns[i]->txpowid, 32};
    assert_int_equal(mn_add_body_txpowlist(obj, t, t->body, &id), 0);
  }
  fx_seal(f, parent, t, txns, n, mine);
  return t;
}

/* Adds a block (copied) under parent and recalculates the tree. */
static inline cs_node_t *fx_attach(fx_t *f, cs_node_t *parent,
                                   const mn_txpow_t *t,
                                   const mn_txpow_t *const *txns, size_t n) {
  mn_txblock_t *tb;
  assert_int_equal(cs_txblock_build(&f->env, parent->mmr, t, txns, n, &tb), 0);
  cs_node_t *node = fx_node(f, tb);
  cs_tree_add_child(&f->tree, parent, node);
  assert_int_equal(cs_tree_recalc(&f->env, &f->tree), 0);
  return node;
}

/* count mined empty blocks on parent; returns the last. */
static inline cs_node_t *fx_extend(fx_t *f, cs_node_t *parent, int count,
                                   int64_t dt) {
  for (int i = 0; i < count; i++) {
    mn_txpow_t *t = fx_block(f, parent, dt, NULL, NULL, 0, true);
    parent = fx_attach(f, parent, t, NULL, 0);
    f->env.obj->free(t);
  }
  return parent;
}

/* The genesis output coin as the MMR holds it (found in the root's
 * coins: the unspent one). */
static inline const mn_coin_t *fx_genesis_output(fx_t *f) {
  cs_node_t *r = f->tree.root;
  for (uint32_t i = 0; i < r->coins->n_newcoins; i++)
    if (!r->coins->newcoins[i].spent)
      return &r->coins->newcoins[i];
  fail_msg("no unspent genesis coin");
  return NULL;
}

/* A draft TxPoW spending coin (locked by `script`) proven on node `at`,
 * with outputs of the given amounts to address `to` (32 bytes). */
static inline mn_txpow_t *fx_spend(fx_t *f, const mn_coin_t *coin,
                                   cs_node_t *at, const char *script,
                                   const uint8_t to[32],
                                   const char *const *amounts, size_t n) {
  const mn_obj_api_t *obj = f->env.obj;
  mn_txpow_t *t;
  assert_int_equal(mn_txpow_new(obj, &t), 0);
  assert_int_equal(mn_add_txn_inputs(obj, t, &t->body->txn, coin), 0);
  for (size_t i = 0; i < n; i++) {
    mn_coin_t o;
    memset(&o, 0, sizeof o);
    uint8_t zero = 0;
    o.coinid.data = &zero;
    o.coinid.len = 1;
    o.address.data = to;
    o.address.len = 32;
    assert_int_equal(
        f->env.num->parse(&o.amount, amounts[i], strlen(amounts[i])), 0);
    o.tokenid.data = &zero;
    o.tokenid.len = 1;
    o.storestate = true;
    assert_int_equal(mn_add_txn_outputs(obj, t, &t->body->txn, &o), 0);
  }
  mn_coinproof_t cp;
  memset(&cp, 0, sizeof cp);
  cp.coin = *coin;
  assert_int_equal(
      cs_mmr_proof_to_peak(&f->env, at->mmr, coin->mmrentry, t, &cp.proof), 0);
  assert_int_equal(mn_add_witness_coinproofs(obj, t, &t->body->witness, &cp),
                   0);
  mn_scriptproof_t sp;
  memset(&sp, 0, sizeof sp);
  assert_int_equal(obj->scriptproof_make(t, script, strlen(script), NULL, &sp),
                   0);
  mn_add_witness_scripts(obj, t, &t->body->witness, &sp);
  assert_int_equal(obj->txpow_compute(t), 0);
  return t;
}

/* A loose transaction TxPoW (not a block) from a spend draft, with the
 * header of a block template on parent, mined to an easy difficulty. */
static inline mn_txpow_t *fx_txn(fx_t *f, cs_node_t *parent,
                                 const mn_txpow_t *draft) {
  mn_txpow_t *t = fx_block(f, parent, FX_DT, draft, NULL, 0, false);
  /* The network's minimum transaction work, and a block difficulty no
   * hash meets, so it is a transaction and not a block. */
  const mn_data_t *mw = &t->header.magic.min_txpow_work;
  fx_dup(f, t, mw->data, mw->len, &t->body->txndifficulty);
  uint8_t one = 1;
  fx_dup(f, t, &one, 1, &t->header.blockdifficulty);
  fx_seal(f, parent, t, NULL, 0, true);
  return t;
}

#endif
