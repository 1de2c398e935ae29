/*
 * coins.c - the wallet's coins, followed through the chain's events.
 *
 * A block that joins the main chain (chain.block.connected) adds the
 * relevant coins it creates and marks ours it spends; a block that leaves
 * it in a reorg (chain.block.disconnected, newest first) undoes exactly
 * that.  Each block's changes, with the block as the new "synced" mark,
 * commit in one write transaction before memory changes.  At start (and
 * after a restore) wal_catch_up() replays what the wallet missed, walking
 * back first if the chain reorganised meanwhile, or rescans the chain for
 * our addresses when the gap is older than the chain's tree.
 *
 * Proofs: every unspent coin keeps an MMR proof from chain->coin_proof().
 * After each tip change a timer re-proves, in slices, coins whose proof is
 * missing, no longer accepted by the chain (a reorg), or older than
 * proof_refresh blocks, so a spend never waits for proofs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wal.h"

/* Coins re-proved per timer tick. */
#define REFRESH_SLICE 256

wal_coin_t *wal_coin_find(wal_t *w, const uint8_t *coinid, size_t len) {
  size_t i;
  return wal_hset_get(&w->coinidx, coinid, len, &i) ? &w->coins[i] : NULL;
}

int wal_coin_insert(wal_t *w, const wal_coin_t *c) {
  if (c->coin->coinid.len != 32)
    return MN_EINVAL;
  wal_coin_t *old = wal_coin_find(w, c->coin->coinid.data, 32);
  if (old) {
    w->obj->free(old->coin);
    w->obj->free(old->proof);
    *old = *c;
    return 0;
  }
  if (w->ncoins == w->capcoins) {
    size_t cap = w->capcoins ? w->capcoins * 2 : 64;
    wal_coin_t *a = realloc(w->coins, cap * sizeof *a);
    if (!a)
      return MN_ENOMEM;
    w->coins = a;
    w->capcoins = cap;
  }
  int err = wal_hset_put(&w->coinidx, c->coin->coinid.data, w->ncoins);
  if (err)
    return err;
  w->coins[w->ncoins++] = *c;
  return 0;
}

static void coin_remove(wal_t *w, wal_coin_t *c) {
  size_t i = (size_t)(c - w->coins);
  uint8_t id[32];
  memcpy(id, c->coin->coinid.data, 32);
  wal_hset_del(&w->coinidx, id);
  w->obj->free(c->coin);
  w->obj->free(c->proof);
  size_t last = w->ncoins - 1;
  if (i != last) {
    w->coins[i] = w->coins[last];
    wal_hset_put(&w->coinidx, w->coins[i].coin->coinid.data, i);
  }
  w->ncoins--;
}

void wal_coins_free(wal_t *w) {
  for (size_t i = 0; i < w->ncoins; i++) {
    w->obj->free(w->coins[i].coin);
    w->obj->free(w->coins[i].proof);
  }
  free(w->coins);
  w->coins = NULL;
  w->ncoins = w->capcoins = 0;
  wal_hset_free(&w->coinidx);
  for (size_t i = 0; i < w->ntokens; i++)
    w->obj->free(w->tokens[i].tok);
  free(w->tokens);
  w->tokens = NULL;
  w->ntokens = w->captokens = 0;
  wal_hset_free(&w->tokidx);
}

/* ---- tokens ------------------------------------------------------------ */

const mn_token_t *wal_token_find(wal_t *w, const uint8_t *id, size_t len) {
  size_t i;
  return wal_hset_get(&w->tokidx, id, len, &i) ? w->tokens[i].tok : NULL;
}

int wal_token_insert(wal_t *w, const mn_token_t *tok, wal_batch_t *b) {
  uint8_t id[32];
  int err = w->obj->token_id(tok, id);
  if (err)
    return err;
  if (wal_token_find(w, id, 32))
    return 0;
  if (w->ntokens == w->captokens) {
    size_t cap = w->captokens ? w->captokens * 2 : 16;
    wal_token_t *a = realloc(w->tokens, cap * sizeof *a);
    if (!a)
      return MN_ENOMEM;
    w->tokens = a;
    w->captokens = cap;
  }
  mn_token_t *copy;
  err = mn_token_copy(w->obj, tok, &copy);
  if (err)
    return err;
  err = wal_hset_put(&w->tokidx, id, w->ntokens);
  if (err) {
    w->obj->free(copy);
    return err;
  }
  memcpy(w->tokens[w->ntokens].id, id, 32);
  w->tokens[w->ntokens++].tok = copy;
  if (b) {
    mn_buf_t rec = {0};
    if (mn_token_encode(w->obj, tok, &rec) == 0)
      wal_put(b, w->db_tokens, id, 32, rec.data, rec.len);
    mn_buf_free(&rec);
  }
  return 0;
}

void wal_token_amount(wal_t *w, const mn_token_t *tok, const mn_num_t *minima,
                      char *buf, size_t cap) {
  mn_num_t t;
  if (!tok || w->obj->token_scale_up(tok, minima, &t))
    t = *minima;
  w->num->to_str(&t, buf, cap);
}

/* ---- relevance hook ---------------------------------------------------- */

int wal_on_relevant(void *arg, void *data) {
  const mn_chain_relevant_t *r = arg;
  wal_t *w = data;
  if (!r || !r->coin)
    return MN_HOOK_PASS;
  if (wal_is_relevant(w, r->coin) ||
      (r->spent && wal_coin_find(w, r->coin->coinid.data, r->coin->coinid.len)))
    return MN_HOOK_ACCEPT;
  return MN_HOOK_PASS;
}

/* ---- applying blocks --------------------------------------------------- */

typedef struct blockview {
  int64_t number;
  uint8_t id[32];
  uint8_t parent[32];
  const mn_coin_t *created;
  uint32_t n_created;
  const mn_coin_t *const *spent; /* pointers, so TxBlock proofs fit too */
  uint32_t n_spent;
  const mn_txpow_t *const *txns; /* the block's own txpow may be one */
  uint32_t n_txns;
} blockview_t;

static bool txpow_relevant(wal_t *w, const mn_txpow_t *t) {
  if (!t || !t->body)
    return false;
  const mn_transaction_t *ts[2] = {&t->body->txn, &t->body->burntxn};
  for (int k = 0; k < 2; k++) {
    for (uint32_t i = 0; i < ts[k]->n_inputs; i++)
      if (wal_is_tracked(w, ts[k]->inputs[i].address.data,
                         ts[k]->inputs[i].address.len))
        return true;
    for (uint32_t i = 0; i < ts[k]->n_outputs; i++)
      if (wal_is_tracked(w, ts[k]->outputs[i].address.data,
                         ts[k]->outputs[i].address.len))
        return true;
  }
  return false;
}

static void hist_key(int64_t block, const uint8_t id[32], uint8_t key[40]) {
  for (int i = 0; i < 8; i++)
    key[i] = (uint8_t)((uint64_t)block >> (56 - 8 * i));
  memcpy(key + 8, id, 32);
}

void wal_history_add(wal_t *w, const mn_txpow_t *t, int64_t block,
                     wal_batch_t *b) {
  uint8_t key[40];
  hist_key(block < 0 ? 0 : block, t->txpowid, key);
  mn_buf_t rec = {0};
  if (mn_txpow_encode(w->obj, t, &rec) == 0)
    wal_put(b, w->db_hist, key, sizeof key, rec.data, rec.len);
  mn_buf_free(&rec);
}

static void put_synced(wal_t *w, wal_batch_t *b, int64_t n,
                       const uint8_t id[32]) {
  uint8_t rec[40];
  wal_put_i64(rec, n);
  memcpy(rec + 8, id, 32);
  wal_put(b, w->db_meta, WAL_META_SYNCED, strlen(WAL_META_SYNCED), rec,
          sizeof rec);
}

static int apply_block(wal_t *w, const blockview_t *v) {
  wal_batch_t b = {0};
  int err = 0;
  /* New coins are staged, then added after the commit. */
  wal_coin_t *add = calloc(v->n_created ? v->n_created : 1, sizeof *add);
  size_t nadd = 0;
  if (!add)
    return MN_ENOMEM;
  for (uint32_t i = 0; i < v->n_created; i++) {
    const mn_coin_t *c = &v->created[i];
    if (c->token && c->tokenid.len == 32 &&
        !wal_token_find(w, c->tokenid.data, 32))
      wal_token_insert(w, c->token, &b);
    if (!wal_is_relevant(w, c) || c->coinid.len != 32)
      continue;
    wal_coin_t wc = {0};
    if (mn_coin_copy(w->obj, c, &wc.coin)) {
      err = MN_ENOMEM;
      goto out;
    }
    wc.created = v->number;
    wc.spent = -1;
    mn_buf_t rec = {0};
    wal_coin_encode(w, &wc, &rec);
    wal_put(&b, w->db_coins, c->coinid.data, 32, rec.data, rec.len);
    mn_buf_free(&rec);
    add[nadd++] = wc;
  }
  for (uint32_t i = 0; i < v->n_spent; i++) {
    const mn_coin_t *c = v->spent[i];
    wal_coin_t *wc = wal_coin_find(w, c->coinid.data, c->coinid.len);
    if (!wc || wc->spent >= 0)
      continue;
    wal_coin_t copy = *wc;
    copy.spent = v->number;
    mn_buf_t rec = {0};
    wal_coin_encode(w, &copy, &rec);
    wal_put(&b, w->db_coins, c->coinid.data, 32, rec.data, rec.len);
    mn_buf_free(&rec);
  }
  for (uint32_t i = 0; i < v->n_txns; i++)
    if (txpow_relevant(w, v->txns[i]))
      wal_history_add(w, v->txns[i], v->number, &b);
  put_synced(w, &b, v->number, v->id);
  err = wal_commit(w, &b);
  if (err)
    goto out;
  for (size_t i = 0; i < nadd; i++) {
    if (wal_coin_insert(w, &add[i]) == 0)
      add[i].coin = NULL;
  }
  for (uint32_t i = 0; i < v->n_spent; i++) {
    const mn_coin_t *c = v->spent[i];
    wal_coin_t *wc = wal_coin_find(w, c->coinid.data, c->coinid.len);
    if (wc && wc->spent < 0) {
      wc->spent = v->number;
      wc->pending = false;
      w->obj->free(wc->proof);
      wc->proof = NULL;
    }
  }
  w->synced = v->number;
  memcpy(w->syncedid, v->id, 32);
out:
  for (size_t i = 0; i < nadd; i++)
    w->obj->free(add[i].coin);
  free(add);
  wal_batch_free(&b);
  return err;
}

/* Undoes block `number` (which must be the synced block). */
static int undo_block(wal_t *w, int64_t number, const uint8_t parent[32],
                      const mn_txpow_t *const *txns, uint32_t n_txns) {
  wal_batch_t b = {0};
  for (size_t i = 0; i < w->ncoins; i++) {
    wal_coin_t *c = &w->coins[i];
    if (c->created >= number) {
      wal_del(&b, w->db_coins, c->coin->coinid.data, 32);
    } else if (c->spent >= number) {
      wal_coin_t copy = *c;
      copy.spent = -1;
      mn_buf_t rec = {0};
      wal_coin_encode(w, &copy, &rec);
      wal_put(&b, w->db_coins, c->coin->coinid.data, 32, rec.data, rec.len);
      mn_buf_free(&rec);
    }
  }
  for (uint32_t i = 0; i < n_txns; i++) {
    uint8_t key[40];
    hist_key(number, txns[i]->txpowid, key);
    wal_del(&b, w->db_hist, key, sizeof key);
  }
  put_synced(w, &b, number - 1, parent);
  int err = wal_commit(w, &b);
  if (err)
    return err;
  for (size_t i = w->ncoins; i-- > 0;) {
    wal_coin_t *c = &w->coins[i];
    if (c->created >= number) {
      coin_remove(w, c);
      continue;
    }
    if (c->spent >= number)
      c->spent = -1;
    /* A proof made against a block that left the chain is worthless. */
    if (c->proof) {
      int64_t bt;
      if (w->num->to_i64(&c->proof->proof.blocktime, &bt) != 0 ||
          bt >= number) {
        w->obj->free(c->proof);
        c->proof = NULL;
      }
    }
  }
  w->synced = number - 1;
  memcpy(w->syncedid, parent, 32);
  return 0;
}

static void view_of_event(const mn_chain_block_event_t *e, blockview_t *v,
                          const mn_coin_t **spent, const mn_txpow_t **txns) {
  memset(v, 0, sizeof *v);
  v->number = e->number;
  memcpy(v->id, e->txpowid, 32);
  if (e->txblock) {
    const mn_data_t *p = mn_txpow_parent(&e->txblock->txpow);
    if (p->len == 32)
      memcpy(v->parent, p->data, 32);
  }
  v->created = e->created;
  v->n_created = e->n_created;
  for (uint32_t i = 0; i < e->n_spent; i++)
    spent[i] = &e->spent[i];
  v->spent = spent;
  v->n_spent = e->n_spent;
  uint32_t n = 0;
  if (e->txblock && mn_txpow_is_txn(&e->txblock->txpow))
    txns[n++] = &e->txblock->txpow;
  for (uint32_t i = 0; i < e->n_txns; i++)
    txns[n++] = e->txns[i];
  v->txns = txns;
  v->n_txns = n;
}

void wal_on_connected(const mn_event_t *ev, void *data) {
  wal_t *w = data;
  const mn_chain_block_event_t *e = ev->payload;
  if (w->stopping || ev->size < sizeof *e)
    return;
  if (e->number <= w->synced)
    return; /* replayed by a catch-up already */
  bool next = w->synced >= 0 ? e->number == w->synced + 1 : e->number <= 1;
  if (!next) {
    wal_catch_up(w);
    return;
  }
  const mn_coin_t **spent = calloc(e->n_spent + 1, sizeof *spent);
  const mn_txpow_t **txns = calloc(e->n_txns + 2, sizeof *txns);
  if (spent && txns) {
    blockview_t v;
    view_of_event(e, &v, spent, txns);
    if (w->synced >= 0 && e->txblock && memcmp(v.parent, w->syncedid, 32)) {
      free(spent);
      free(txns);
      wal_catch_up(w);
      return;
    }
    int err = apply_block(w, &v);
    if (err)
      w->host->log(w->self, MN_LOG_ERROR,
                   "cannot record block %lld in the wallet: %s",
                   (long long)e->number, mn_strerror(err));
  }
  free(spent);
  free(txns);
}

void wal_on_disconnected(const mn_event_t *ev, void *data) {
  wal_t *w = data;
  const mn_chain_block_event_t *e = ev->payload;
  if (w->stopping || ev->size < sizeof *e)
    return;
  if (e->number != w->synced || memcmp(e->txpowid, w->syncedid, 32))
    return; /* not a block we applied */
  const mn_txpow_t **txns = calloc(e->n_txns + 2, sizeof *txns);
  const mn_coin_t **spent = calloc(e->n_spent + 1, sizeof *spent);
  if (txns && spent) {
    blockview_t v;
    view_of_event(e, &v, spent, txns);
    int err = undo_block(w, e->number, v.parent, v.txns, v.n_txns);
    if (err)
      w->host->log(w->self, MN_LOG_ERROR,
                   "cannot undo block %lld in the wallet: %s",
                   (long long)e->number, mn_strerror(err));
  }
  free(txns);
  free(spent);
}

static void prune_spent(wal_t *w) {
  wal_batch_t b = {0};
  bool any = false;
  for (size_t i = 0; i < w->ncoins; i++) {
    wal_coin_t *c = &w->coins[i];
    if (c->spent >= 0 && c->spent + WAL_SPENT_KEEP < w->tip) {
      wal_del(&b, w->db_coins, c->coin->coinid.data, 32);
      any = true;
    }
  }
  if (!any || wal_commit(w, &b))
    return;
  for (size_t i = w->ncoins; i-- > 0;)
    if (w->coins[i].spent >= 0 && w->coins[i].spent + WAL_SPENT_KEEP < w->tip)
      coin_remove(w, &w->coins[i]);
}

void wal_on_tip(const mn_event_t *ev, void *data) {
  wal_t *w = data;
  const mn_chain_tip_event_t *e = ev->payload;
  if (w->stopping || ev->size < sizeof *e)
    return;
  w->tip = e->number;
  memcpy(w->tipid, e->txpowid, 32);
  if (w->synced != w->tip || memcmp(w->syncedid, w->tipid, 32))
    wal_catch_up(w);
  prune_spent(w);
  wal_refresh_kick(w);
}

/* ---- catching up ------------------------------------------------------ */

static int replay(wal_t *w, int64_t number) {
  mn_txblock_t *tb;
  int err = w->chain->block_by_number(w->chain, number, &tb);
  if (err)
    return err;
  blockview_t v = {0};
  v.number = number;
  memcpy(v.id, tb->txpow.txpowid, 32);
  const mn_data_t *p = mn_txpow_parent(&tb->txpow);
  if (p->len == 32)
    memcpy(v.parent, p->data, 32);
  /* A TxBlock carries its new coins as the transactions made them; the
   * MMR entry and creation block are given when the block's MMR layer is
   * built (mmr.md §4.4): entries follow the parent's leaf count, the sum
   * of 2^row over its peaks. */
  mn_coin_t *made = calloc(tb->n_newcoins + 1, sizeof *made);
  uint64_t leaves = 0;
  for (uint32_t i = 0; i < tb->n_peaks; i++)
    if (tb->peaks[i].row >= 0 && tb->peaks[i].row < 64)
      leaves += UINT64_C(1) << tb->peaks[i].row;
  for (uint32_t i = 0; made && i < tb->n_newcoins; i++) {
    made[i] = tb->newcoins[i];
    made[i].mmrentry = leaves + i;
    made[i].spent = 0;
    w->num->from_i64(&made[i].created, number);
  }
  v.created = made;
  v.n_created = tb->n_newcoins;
  const mn_coin_t **spent = calloc(tb->n_spent + 1, sizeof *spent);
  uint32_t ntx = tb->txpow.body ? tb->txpow.body->n_txpowlist : 0;
  mn_txpow_t **fetched = calloc(ntx + 1, sizeof *fetched);
  const mn_txpow_t **txns = calloc(ntx + 2, sizeof *txns);
  if (!made || !spent || !fetched || !txns) {
    err = MN_ENOMEM;
    goto out;
  }
  for (uint32_t i = 0; i < tb->n_spent; i++)
    spent[i] = &tb->spent[i].coin;
  v.spent = spent;
  v.n_spent = tb->n_spent;
  uint32_t n = 0;
  if (mn_txpow_is_txn(&tb->txpow))
    txns[n++] = &tb->txpow;
  for (uint32_t i = 0; i < ntx; i++) {
    const mn_data_t *id = &tb->txpow.body->txpowlist[i];
    if (id->len == 32 &&
        w->chain->txpow_get(w->chain, id->data, &fetched[i]) == 0)
      txns[n++] = fetched[i];
  }
  v.txns = txns;
  v.n_txns = n;
  err = apply_block(w, &v);
out:
  for (uint32_t i = 0; fetched && i < ntx; i++)
    w->obj->free(fetched[i]);
  free(fetched);
  free(spent);
  free(txns);
  free(made);
  w->obj->free(tb);
  return err;
}

typedef struct rescan_ctx {
  wal_t *w;
  wal_batch_t *b;
  wal_coin_t *found;
  size_t n, cap;
  int err;
} rescan_ctx_t;

static int rescan_coin(const mn_coin_t *coin, void *data) {
  rescan_ctx_t *r = data;
  if (coin->coinid.len != 32)
    return 0;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    wal_coin_t *a = realloc(r->found, cap * sizeof *a);
    if (!a) {
      r->err = MN_ENOMEM;
      return 1;
    }
    r->found = a;
    r->cap = cap;
  }
  wal_coin_t c = {0};
  if (mn_coin_copy(r->w->obj, coin, &c.coin)) {
    r->err = MN_ENOMEM;
    return 1;
  }
  int64_t created;
  if (r->w->num->to_i64(&coin->created, &created))
    created = 0;
  c.created = created;
  c.spent = -1;
  r->found[r->n++] = c;
  return 0;
}

int wal_rescan(wal_t *w) {
  const mn_chain_t *ch = wal_chain(w);
  if (!ch)
    return MN_ESTATE;
  mn_chain_tip_t tip = {.size = sizeof tip};
  ch->tip(ch, &tip);
  if (tip.number < 0)
    return 0;
  wal_batch_t b = {0};
  rescan_ctx_t r = {.w = w, .b = &b};
  for (size_t i = 0; i < w->nscripts && !r.err; i++) {
    if (!(w->scripts[i].flags & WAL_S_TRACK))
      continue;
    mn_chain_coin_query_t q = {.size = sizeof q,
                               .flags = MN_CHAIN_Q_ADDRESS,
                               .address = {w->scripts[i].address, 32},
                               .depth = -1};
    ch->coins_search(ch, &q, rescan_coin, &r);
  }
  int err = r.err;
  if (!err) {
    /* Our unspent coins the chain no longer has are spent. */
    for (size_t i = 0; i < w->ncoins; i++) {
      wal_coin_t *c = &w->coins[i];
      bool seen = false;
      for (size_t k = 0; k < r.n && !seen; k++)
        seen = w->obj->data_cmp_value(r.found[k].coin->coinid.data, 32,
                                      c->coin->coinid.data, 32) == 0;
      if (c->spent < 0 && !seen) {
        wal_coin_t copy = *c;
        copy.spent = tip.number;
        mn_buf_t rec = {0};
        wal_coin_encode(w, &copy, &rec);
        wal_put(&b, w->db_coins, c->coin->coinid.data, 32, rec.data, rec.len);
        mn_buf_free(&rec);
      }
    }
    for (size_t k = 0; k < r.n; k++) {
      if (r.found[k].coin->token)
        wal_token_insert(w, r.found[k].coin->token, &b);
      mn_buf_t rec = {0};
      wal_coin_encode(w, &r.found[k], &rec);
      wal_put(&b, w->db_coins, r.found[k].coin->coinid.data, 32, rec.data,
              rec.len);
      mn_buf_free(&rec);
    }
    put_synced(w, &b, tip.number, tip.txpowid);
    err = wal_commit(w, &b);
  }
  if (!err) {
    for (size_t i = 0; i < w->ncoins; i++) {
      wal_coin_t *c = &w->coins[i];
      bool seen = false;
      for (size_t k = 0; k < r.n && !seen; k++)
        seen =
            memcmp(r.found[k].coin->coinid.data, c->coin->coinid.data, 32) == 0;
      if (c->spent < 0 && !seen)
        c->spent = tip.number;
    }
    for (size_t k = 0; k < r.n; k++) {
      wal_coin_t *old = wal_coin_find(w, r.found[k].coin->coinid.data, 32);
      if (old && old->spent < 0)
        continue; /* keep its proof */
      if (wal_coin_insert(w, &r.found[k]) == 0)
        r.found[k].coin = NULL;
    }
    w->synced = tip.number;
    memcpy(w->syncedid, tip.txpowid, 32);
  }
  for (size_t k = 0; k < r.n; k++)
    w->obj->free(r.found[k].coin);
  free(r.found);
  wal_batch_free(&b);
  return err;
}

typedef struct scan_ctx {
  wal_t *w;
  wal_batch_t b;
  wal_coin_t *add;
  size_t n, cap;
  int err;
} scan_ctx_t;

static int scan_coin(const mn_coin_t *coin, void *data) {
  scan_ctx_t *x = data;
  wal_t *w = x->w;
  if (coin->coinid.len != 32 || wal_coin_find(w, coin->coinid.data, 32))
    return 0;
  for (size_t i = 0; i < x->n; i++)
    if (!memcmp(x->add[i].coin->coinid.data, coin->coinid.data, 32))
      return 0;
  if (x->n == x->cap) {
    size_t cap = x->cap ? x->cap * 2 : 16;
    wal_coin_t *a = realloc(x->add, cap * sizeof *a);
    if (!a) {
      x->err = MN_ENOMEM;
      return 1;
    }
    x->add = a;
    x->cap = cap;
  }
  wal_coin_t c = {.spent = -1};
  if (mn_coin_copy(w->obj, coin, &c.coin)) {
    x->err = MN_ENOMEM;
    return 1;
  }
  if (w->num->to_i64(&coin->created, &c.created))
    c.created = 0;
  if (coin->token)
    wal_token_insert(w, coin->token, &x->b);
  mn_buf_t rec = {0};
  wal_coin_encode(w, &c, &rec);
  wal_put(&x->b, w->db_coins, coin->coinid.data, 32, rec.data, rec.len);
  mn_buf_free(&rec);
  x->add[x->n++] = c;
  return 0;
}

void wal_scan_addresses(wal_t *w, const uint8_t (*addrs)[32], size_t n) {
  const mn_chain_t *ch = wal_chain(w);
  if (!ch || n == 0 || w->stopping || w->in_genesis)
    return;
  scan_ctx_t x = {.w = w};
  for (size_t i = 0; i < n && !x.err; i++) {
    mn_chain_coin_query_t q = {.size = sizeof q,
                               .flags = MN_CHAIN_Q_ADDRESS,
                               .address = {addrs[i], 32},
                               .depth = -1};
    ch->coins_search(ch, &q, scan_coin, &x);
  }
  int err = x.err ? x.err : wal_commit(w, &x.b);
  for (size_t i = 0; i < x.n; i++) {
    if (!err && wal_coin_insert(w, &x.add[i]) == 0)
      continue;
    w->obj->free(x.add[i].coin);
  }
  wal_batch_free(&x.b);
  free(x.add);
  if (!err && x.n)
    wal_refresh_kick(w);
}

void wal_catch_up(wal_t *w) {
  const mn_chain_t *ch = wal_chain(w);
  if (!ch)
    return;
  mn_chain_tip_t tip = {.size = sizeof tip};
  ch->tip(ch, &tip);
  w->tip = tip.number;
  memcpy(w->tipid, tip.txpowid, 32);
  if (tip.number < 0)
    return;
  /* Walk back to the newest synced block still on the main chain. */
  while (w->synced >= 0 && w->synced >= tip.root) {
    mn_txblock_t *tb = NULL;
    bool same = false;
    if (w->synced <= tip.number &&
        ch->block_by_number(ch, w->synced, &tb) == 0) {
      same = memcmp(tb->txpow.txpowid, w->syncedid, 32) == 0;
      w->obj->free(tb);
    }
    if (same)
      break;
    uint8_t parent[32] = {0};
    /* The parent's id is that of the main chain's block below, when it
     * is on the main chain too; the next pass checks. */
    mn_txblock_t *pb = NULL;
    if (w->synced - 1 >= 0 &&
        ch->block_by_number(ch, w->synced - 1, &pb) == 0) {
      memcpy(parent, pb->txpow.txpowid, 32);
      w->obj->free(pb);
    }
    if (undo_block(w, w->synced, parent, NULL, 0))
      return;
  }
  int64_t first = w->synced + 1;
  if (w->synced < 0 || first < tip.root) {
    /* Nothing to replay from (a fresh wallet on an old chain, or a gap
     * older than the tree): ask the chain for our coins instead.  A fresh
     * wallet on a young chain replays from its first block. */
    if (w->synced < 0 && tip.root <= 1)
      first = tip.root < 0 ? 0 : tip.root;
    else {
      int err = wal_rescan(w);
      if (err)
        w->host->log(w->self, MN_LOG_WARN, "wallet rescan failed: %s",
                     mn_strerror(err));
      return;
    }
  }
  for (int64_t n = first; n <= tip.number; n++) {
    int err = replay(w, n);
    if (err) {
      w->host->log(w->self, MN_LOG_WARN,
                   "wallet catch-up stopped at block %lld: %s", (long long)n,
                   mn_strerror(err));
      return;
    }
  }
}

/* ---- proofs ------------------------------------------------------------ */

int wal_coin_prove(wal_t *w, wal_coin_t *c, bool verify) {
  const mn_chain_t *ch = wal_chain(w);
  if (!ch)
    return MN_ESTATE;
  if (c->spent >= 0)
    return MN_ENOENT;
  if (c->proof) {
    /* Reorgs drop the proofs they invalidate (undo_block), so the
     * background refresh only looks at age; a spend asks the chain. */
    int64_t bt = -1;
    w->num->to_i64(&c->proof->proof.blocktime, &bt);
    if (w->tip - bt < w->proof_refresh &&
        (!verify || ch->proof_valid(ch, c->proof)))
      return 0;
  }
  mn_coinproof_t *cp;
  int err = ch->coin_proof(ch, c->coin, -1, &cp);
  if (err)
    return err;
  w->obj->free(c->proof);
  c->proof = cp;
  return 0;
}

static void refresh_tick(mn_timer_t *t, void *data) {
  wal_t *w = data;
  size_t end = w->refresh_at + REFRESH_SLICE;
  for (; w->refresh_at < w->ncoins && w->refresh_at < end; w->refresh_at++) {
    wal_coin_t *c = &w->coins[w->refresh_at];
    if (c->spent < 0)
      wal_coin_prove(w, c, false);
  }
  if (w->refresh_at >= w->ncoins) {
    w->host->timer_stop(t);
    w->refresh = NULL;
  }
}

void wal_refresh_kick(wal_t *w) {
  w->refresh_at = 0;
  if (w->refresh || w->stopping || !w->chain || w->ncoins == 0)
    return;
  w->refresh = w->host->timer_start(w->self, 0, 1, refresh_tick, w);
}

/* ---- balances ------------------------------------------------------------ */

void wal_balance(wal_t *w, const uint8_t *tokenid, size_t tlen,
                 const uint8_t *address, int64_t confirmations,
                 mn_wallet_balance_t *out) {
  mn_wallet_balance_t r = {.size = out->size};
  w->num->from_i64(&r.confirmed, 0);
  r.unconfirmed = r.sendable = r.confirmed;
  for (size_t i = 0; i < w->ncoins; i++) {
    wal_coin_t *c = &w->coins[i];
    const mn_coin_t *k = c->coin;
    if (c->spent >= 0)
      continue;
    if (k->tokenid.len != tlen || memcmp(k->tokenid.data, tokenid, tlen))
      continue;
    if (address &&
        (k->address.len != 32 || memcmp(k->address.data, address, 32)))
      continue;
    bool confirmed = w->tip - c->created >= confirmations;
    mn_num_t *into = confirmed ? &r.confirmed : &r.unconfirmed;
    w->num->add(into, into, &k->amount);
    r.coins++;
    wal_script_t *s = wal_script_find(w, k->address.data, k->address.len);
    bool simple = s && (s->flags & WAL_S_SIMPLE);
    bool plain = true;
    if (k->token) {
      const char *rt = "RETURN TRUE";
      plain = k->token->script.len == strlen(rt) &&
              memcmp(k->token->script.data, rt, strlen(rt)) == 0;
    }
    if (confirmed && simple && plain)
      w->num->add(&r.sendable, &r.sendable, &k->amount);
  }
  size_t n = out->size < sizeof r ? out->size : sizeof r;
  memcpy(out, &r, n);
}

json_t *wal_coin_json(wal_t *w, const wal_coin_t *c, bool simplestate) {
  return w->obj->json(MN_OBJ_COIN, c->coin,
                      simplestate ? MN_JSON_SIMPLESTATE : 0);
}
