/*
 * genesis.c - the genesis block (consensus.md §11, the reference's
 * GenesisTxPoW, GenesisMMR and GenesisCoin).
 */
#include <string.h>

#include "cs.h"

int cs_genesis_coin(const cs_env_t *env, uint8_t addrbuf[32], mn_coin_t *gc) {
  static const uint8_t zero = 0;
  env->obj->script_address("RETURN TRUE", 11, addrbuf);
  memset(gc, 0, sizeof *gc);
  gc->coinid.data = (const uint8_t *)MN_GENESIS_COINID;
  gc->coinid.len = 20;
  gc->address.data = addrbuf;
  gc->address.len = 32;
  env->num->from_i64(&gc->amount, 1000000000);
  gc->tokenid.data = &zero;
  gc->tokenid.len = 1;
  gc->storestate = true;
  env->num->from_i64(&gc->created, 0);
  return 0;
}

cs_mmr_t *cs_genesis_mmr(const cs_env_t *env) {
  uint8_t addr[32];
  mn_coin_t gc;
  cs_genesis_coin(env, addr, &gc);
  mn_mmrdata_t leaf;
  if (env->obj->coin_leaf(&gc, false, &leaf))
    return NULL;
  cs_mmr_t *gm = cs_mmr_new(0);
  if (cs_mmr_add(env, gm, &leaf, NULL)) {
    cs_mmr_free(gm);
    return NULL;
  }
  cs_mmr_finalize(env, gm);
  return gm;
}

int cs_genesis(const cs_env_t *env, int64_t timemilli, const uint8_t *payout,
               size_t plen, mn_txpow_t **txpow, mn_txblock_t **txblock) {
  const mn_obj_api_t *obj = env->obj;
  const mn_num_api_t *num = env->num;
  *txpow = NULL;
  *txblock = NULL;
  mn_txpow_t *t = NULL;
  mn_txblock_t *tb = NULL;
  cs_mmr_t *gm = cs_genesis_mmr(env);
  if (!gm)
    return MN_EINVAL;
  int rc = mn_txpow_new(obj, &t);
  if (rc)
    goto out;
  uint8_t maxhash[32];
  memset(maxhash, 0xff, 32);
  uint8_t zero = 0;
  mn_txheader_t *h = &t->header;
  if ((rc = obj->dup(t, maxhash, 32, &t->body->txndifficulty)) ||
      (rc = obj->dup(t, maxhash, 32, &h->blockdifficulty)))
    goto out;
  num->from_i64(&h->nonce, 256);
  num->from_i64(&h->timemilli, timemilli);
  num->from_i64(&h->blocknumber, 1);
  mn_data_t z;
  if ((rc = obj->dup(t, &zero, 1, &z)))
    goto out;
  for (int i = 0; i < MN_CASCADE_LEVELS; i++)
    h->superparents[i] = z;
  uint8_t trueaddr[32];
  mn_coin_t gc;
  cs_genesis_coin(env, trueaddr, &gc);
  if (!payout) {
    payout = trueaddr;
    plen = 32;
  }
  if ((rc = mn_add_txn_inputs(obj, t, &t->body->txn, &gc)))
    goto out;
  mn_coin_t outc;
  memset(&outc, 0, sizeof outc);
  outc.coinid.data = &zero;
  outc.coinid.len = 1;
  outc.address.data = payout;
  outc.address.len = plen;
  num->from_i64(&outc.amount, 1000000000);
  outc.tokenid.data = &zero;
  outc.tokenid.len = 1;
  outc.storestate = true;
  num->from_i64(&outc.created, 0);
  if ((rc = mn_add_txn_outputs(obj, t, &t->body->txn, &outc)))
    goto out;
  mn_coinproof_t cp;
  memset(&cp, 0, sizeof cp);
  cp.coin = gc;
  if ((rc = cs_mmr_proof_to_peak(env, gm, 0, t, &cp.proof)) ||
      (rc = mn_add_witness_coinproofs(obj, t, &t->body->witness, &cp)))
    goto out;
  mn_scriptproof_t sp;
  memset(&sp, 0, sizeof sp);
  if ((rc = obj->scriptproof_make(t, "RETURN TRUE", 11, NULL, &sp)) ||
      (rc = mn_add_witness_scripts(obj, t, &t->body->witness, &sp)))
    goto out;
  if ((rc = obj->txpow_set_bodyhash(t, t)) || (rc = obj->txpow_compute(t)))
    goto out;
  /* The MMR root after applying it goes into the header. */
  if ((rc = cs_txblock_build(env, gm, t, NULL, 0, &tb)))
    goto out;
  cs_mmr_t *layer;
  if ((rc = cs_txblock_layer(env, tb, &layer, NULL)))
    goto out;
  mn_mmrdata_t root;
  rc = cs_mmr_root(env, layer, &root);
  cs_mmr_free(layer);
  if (rc || (rc = obj->dup(t, root.hash, root.len, &h->mmrroot)))
    goto out;
  h->mmrtotal = root.value;
  if ((rc = obj->txpow_compute(t)))
    goto out;
  obj->free(tb);
  tb = NULL;
  if ((rc = cs_txblock_build(env, gm, t, NULL, 0, &tb)))
    goto out;
  *txpow = t;
  *txblock = tb;
  t = NULL;
  tb = NULL;
out:
  obj->free(t);
  obj->free(tb);
  cs_mmr_free(gm);
  return rc;
}
