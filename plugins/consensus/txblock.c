/*
 * txblock.c - a block's coin changes (the reference's TxBlock) and the
 * MMR layer built from them (TxPoWTreeNode.constructMMR), mmr.md §4.
 */
#include <string.h>

#include "cs.h"

static int put_count(const cs_env_t *env, mn_buf_t *b, uint64_t n) {
  mn_num_t x;
  env->num->from_u64(&x, n);
  uint8_t nb[MN_NUM_MAX_ENCODED];
  int k = env->num->encode(&x, nb, sizeof nb);
  if (k < 0)
    return k;
  mn_buf_put(b, nb, (size_t)k);
  return 0;
}

typedef struct acc {
  mn_buf_t spent, coins;
  uint64_t nspent, ncoins;
} acc_t;

static int calc_coins(const cs_env_t *env, cs_mmr_t *work,
                      const mn_transaction_t *txn, const mn_witness_t *w,
                      const mn_num_t *blocknumber, acc_t *a) {
  const mn_obj_api_t *obj = env->obj;
  if (mn_transaction_is_empty(txn))
    return 0;
  int rc = 0;
  mn_mmrproof_t *proof = NULL;
  mn_coin_t *tmp = NULL;
  for (uint32_t i = 0; i < w->n_coinproofs; i++) {
    const mn_coinproof_t *cp = &w->coinproofs[i];
    mn_mmrdata_t leaf;
    if ((rc = obj->coin_leaf(&cp->coin, false, &leaf)))
      goto out;
    if ((rc = cs_mmr_update(env, work, cp->coin.mmrentry, &cp->proof, &leaf)))
      goto out;
    if ((rc = mn_mmrproof_new(obj, &proof)))
      goto out;
    if ((rc = cs_mmr_proof_to_peak(env, work, cp->coin.mmrentry, proof, proof)))
      goto out;
    /* CoinProof = Coin then MMRProof. */
    if ((rc = mn_coin_encode(obj, &cp->coin, &a->spent)) ||
        (rc = mn_mmrproof_encode(obj, proof, &a->spent)))
      goto out;
    obj->free(proof);
    proof = NULL;
    a->nspent++;
  }
  if (w->n_coinproofs == 0)
    goto out;
  bool genesis = cs_mmr_blocktime(work) == 1;
  for (uint32_t k = 0; k < txn->n_outputs; k++) {
    uint8_t coinid[32];
    if ((rc = obj->txn_output_coinid(txn, w, genesis, k, coinid)))
      goto out;
    if ((rc = mn_coin_new(obj, &tmp)))
      goto out;
    if ((rc = obj->txn_make_output(tmp, txn, k, coinid, blocknumber, tmp)) ||
        (rc = mn_coin_encode(obj, tmp, &a->coins)))
      goto out;
    obj->free(tmp);
    tmp = NULL;
    a->ncoins++;
  }
out:
  obj->free(proof);
  obj->free(tmp);
  return rc;
}

static int calc_txpow(const cs_env_t *env, cs_mmr_t *work, const mn_txpow_t *t,
                      const mn_num_t *blocknumber, acc_t *a) {
  if (!t->body)
    return 0;
  int rc =
      calc_coins(env, work, &t->body->txn, &t->body->witness, blocknumber, a);
  if (rc)
    return rc;
  return calc_coins(env, work, &t->body->burntxn, &t->body->burnwitness,
                    blocknumber, a);
}

int cs_txblock_build(const cs_env_t *env, cs_mmr_t *parent,
                     const mn_txpow_t *block, const mn_txpow_t *const *txns,
                     size_t ntxns, mn_txblock_t **out) {
  *out = NULL;
  const mn_obj_api_t *obj = env->obj;
  acc_t a;
  memset(&a, 0, sizeof a);
  mn_buf_t b = {0};
  cs_mmr_t *work = cs_mmr_child(env, parent);
  const mn_num_t *bn = &block->header.blocknumber;
  int rc = calc_txpow(env, work, block, bn, &a);
  if (block->body)
    for (uint32_t i = 0; i < block->body->n_txpowlist && !rc; i++) {
      const mn_data_t *id = &block->body->txpowlist[i];
      const mn_txpow_t *found = NULL;
      for (size_t j = 0; j < ntxns; j++)
        if (txns[j] && cs_data_is(id, txns[j]->txpowid, 32)) {
          found = txns[j];
          break;
        }
      rc = found ? calc_txpow(env, work, found, bn, &a) : MN_EMISSING;
    }
  if (rc)
    goto out;
  mn_mmrentry_t peaks[CS_MMR_ROWS];
  size_t np = cs_mmr_peaks(parent, peaks);
  if ((rc = mn_txpow_encode(obj, block, &b)) || (rc = put_count(env, &b, np)))
    goto out;
  for (size_t i = 0; i < np; i++)
    if ((rc = mn_mmrentry_encode(obj, &peaks[i], &b)))
      goto out;
  if ((rc = put_count(env, &b, a.nspent)))
    goto out;
  mn_buf_put(&b, a.spent.data, a.spent.len);
  if ((rc = put_count(env, &b, a.ncoins)))
    goto out;
  mn_buf_put(&b, a.coins.data, a.coins.len);
  if ((rc = b.err))
    goto out;
  rc = mn_txblock_decode(obj, b.data, b.len, NULL, out);
out:
  cs_mmr_free(work);
  mn_buf_free(&a.spent);
  mn_buf_free(&a.coins);
  mn_buf_free(&b);
  return rc;
}

int cs_txblock_layer(const cs_env_t *env, const mn_txblock_t *tb,
                     cs_mmr_t **mmrp, mn_txblock_t **coinsp) {
  const mn_obj_api_t *obj = env->obj;
  *mmrp = NULL;
  if (coinsp)
    *coinsp = NULL;
  int64_t number = cs_txpow_number(env, &tb->txpow);
  cs_mmr_t *m = cs_mmr_new(number);
  mn_txblock_t *coins = NULL;
  int rc = 0;
  if (coinsp && (rc = mn_txblock_new(obj, &coins)))
    goto out;
  uint64_t leaves = 0;
  for (uint32_t i = 0; i < tb->n_peaks; i++) {
    const mn_mmrentry_t *p = &tb->peaks[i];
    if (p->row < 0 || p->row >= CS_MMR_ROWS) {
      rc = MN_EINVALID;
      goto out;
    }
    if ((rc = cs_mmr_set(m, p->row, p->entry, &p->data)))
      goto out;
  }
  /* calculateEntryNumberFromPeaks: the peaks as this layer sees them. */
  {
    mn_mmrentry_t pk[CS_MMR_ROWS];
    size_t np = cs_mmr_peaks(m, pk);
    for (size_t i = 0; i < np; i++)
      leaves += (uint64_t)1 << pk[i].row;
  }
  cs_mmr_set_leaves(m, leaves);
  for (uint32_t i = 0; i < tb->n_spent; i++) {
    const mn_coinproof_t *cp = &tb->spent[i];
    mn_coin_t spent = cp->coin;
    spent.spent = 1;
    mn_mmrdata_t leaf;
    if ((rc = obj->coin_leaf(&spent, true, &leaf)) ||
        (rc = cs_mmr_update(env, m, cp->coin.mmrentry, &cp->proof, &leaf)))
      goto out;
    if (coins && (rc = mn_add_txblock_newcoins(obj, coins, coins, &spent)))
      goto out;
  }
  for (uint32_t i = 0; i < tb->n_newcoins; i++) {
    mn_coin_t c = tb->newcoins[i];
    c.mmrentry = cs_mmr_leaves(m);
    c.created = tb->txpow.header.blocknumber;
    c.spent = 0;
    mn_mmrdata_t leaf;
    if ((rc = obj->coin_leaf(&c, false, &leaf)))
      goto out;
    if ((rc = cs_mmr_add(env, m, &leaf, NULL)))
      goto out;
    if (coins && (rc = mn_add_txblock_newcoins(obj, coins, coins, &c)))
      goto out;
  }
  cs_mmr_finalize(env, m);
out:
  if (rc) {
    cs_mmr_free(m);
    obj->free(coins);
    return rc;
  }
  *mmrp = m;
  if (coinsp)
    *coinsp = coins;
  return 0;
}

int cs_txblock_encode(const cs_env_t *env, const mn_txblock_t *tb,
                      mn_buf_t *out) {
  return mn_txblock_encode(env->obj, tb, out);
}
