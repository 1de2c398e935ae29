/*
 * build.c - choosing coins, assembling transactions, signing and posting.
 *
 * Coin selection is the reference's (send.selectCoins): coins sorted by
 * amount, biggest first, then grouped by address; the smallest single
 * coin that covers the amount if there is one, else all of them in that
 * order.  Proofs come from the ones the wallet keeps (coins.c), scripts
 * from its ScriptRows.
 *
 * Posting: wal_post_start() stores the use counter of every key that will
 * sign (keys.c), marks the inputs pending so another send does not pick
 * them, signs the main and then the burn transaction on the work queue,
 * and hands the TxPoW to chain->txn_post(), which mines, checks and stores
 * it.  The caller's `done` gets the outcome.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wal.h"

/* ---- selection -------------------------------------------------------- */

static wal_t *sort_w;

static int by_amount_desc(const void *a, const void *b) {
  const wal_coin_t *x = *(wal_coin_t *const *)a;
  const wal_coin_t *y = *(wal_coin_t *const *)b;
  int c = sort_w->num->cmp(&y->coin->amount, &x->coin->amount);
  if (c)
    return c;
  /* Equal amounts: keep a stable, deterministic order. */
  return memcmp(x->coin->coinid.data, y->coin->coinid.data, 32);
}

/* The reference's orderCoins: by amount, then grouped by address in the
 * order each address first appears. */
static void order_coins(wal_t *w, wal_coin_t **coins, size_t n) {
  if (n < 2)
    return;
  sort_w = w;
  qsort(coins, n, sizeof *coins, by_amount_desc);
  wal_coin_t **out = malloc(n * sizeof *out);
  bool *taken = calloc(n, 1);
  if (!out || !taken) {
    free(out);
    free(taken);
    return;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (taken[i])
      continue;
    const mn_data_t *a = &coins[i]->coin->address;
    for (size_t j = i; j < n; j++) {
      const mn_data_t *b = &coins[j]->coin->address;
      if (!taken[j] && a->len == b->len && !memcmp(a->data, b->data, a->len)) {
        out[k++] = coins[j];
        taken[j] = true;
      }
    }
  }
  memcpy(coins, out, n * sizeof *out);
  free(out);
  free(taken);
}

size_t wal_select(wal_t *w, wal_coin_t **coins, size_t n,
                  const mn_num_t *amount) {
  order_coins(w, coins, n);
  wal_coin_t *pick = NULL;
  for (size_t i = 0; i < n; i++) {
    if (w->num->cmp(&coins[i]->coin->amount, amount) >= 0)
      pick = coins[i];
    else
      break;
  }
  if (!pick)
    return n;
  coins[0] = pick;
  return 1;
}

wal_coin_t **wal_candidates(wal_t *w, const uint8_t *tokenid, size_t tlen,
                            const uint8_t *address, int64_t coinage,
                            size_t *n) {
  wal_coin_t **out = malloc((w->ncoins + 1) * sizeof *out);
  *n = 0;
  if (!out)
    return NULL;
  const mn_chain_t *ch = wal_chain(w);
  for (size_t i = 0; i < w->ncoins; i++) {
    wal_coin_t *c = &w->coins[i];
    const mn_coin_t *k = c->coin;
    if (c->spent >= 0 || c->pending)
      continue;
    if (k->tokenid.len != tlen || memcmp(k->tokenid.data, tokenid, tlen))
      continue;
    if (address) {
      if (k->address.len != 32 || memcmp(k->address.data, address, 32))
        continue;
    } else {
      wal_script_t *s = wal_script_find(w, k->address.data, k->address.len);
      if (!s || !(s->flags & WAL_S_SIMPLE))
        continue;
    }
    if (c->created > w->tip - coinage)
      continue;
    if (ch && ch->mempool_spends(ch, k->coinid.data, k->coinid.len))
      continue;
    out[(*n)++] = c;
  }
  return out;
}

/* ---- assembling ----------------------------------------------------- */

static int add_key(uint8_t (**keys)[32], size_t *n, const uint8_t pub[32]) {
  for (size_t i = 0; i < *n; i++)
    if (!memcmp((*keys)[i], pub, 32))
      return 0;
  uint8_t(*k)[32] = realloc(*keys, (*n + 1) * 32);
  if (!k)
    return MN_ENOMEM;
  memcpy(k[*n], pub, 32);
  *keys = k;
  (*n)++;
  return 0;
}

int wal_add_inputs(wal_t *w, void *owner, mn_transaction_t *t,
                   mn_witness_t *wit, wal_coin_t **coins, size_t n,
                   uint8_t (**keys)[32], size_t *nkeys, char *why, size_t cap) {
  const mn_obj_api_t *o = w->obj;
  for (size_t i = 0; i < n; i++) {
    wal_coin_t *c = coins[i];
    char *id = wal_hex(c->coin->coinid.data, c->coin->coinid.len);
    int err = wal_coin_prove(w, c, true);
    if (err) {
      snprintf(why, cap, "Cannot make an MMR proof for coin %s: %s",
               id ? id : "?", mn_strerror(err));
      free(id);
      return MN_EMISSING;
    }
    wal_script_t *s =
        wal_script_find(w, c->coin->address.data, c->coin->address.len);
    if (!s) {
      snprintf(why, cap, "Script missing for the address of coin %s",
               id ? id : "?");
      free(id);
      return MN_EMISSING;
    }
    free(id);
    err = mn_add_txn_inputs(o, owner, t, &c->proof->coin);
    if (!err)
      err = mn_add_witness_coinproofs(o, owner, wit, c->proof);
    if (!err) {
      mn_scriptproof_t sp;
      err = o->scriptproof_make(owner, s->script, s->len, NULL, &sp);
      if (!err) {
        err = mn_add_witness_scripts(o, owner, wit, &sp);
        if (err == MN_EEXIST)
          err = 0;
      }
    }
    if (!err && (s->flags & WAL_S_SIMPLE))
      err = add_key(keys, nkeys, s->pub);
    if (err) {
      snprintf(why, cap, "Cannot build the transaction: %s", mn_strerror(err));
      return err;
    }
  }
  return 0;
}

int wal_precompute_coinids(wal_t *w, void *owner, mn_transaction_t *t) {
  if (t->n_inputs == 0)
    return 0;
  const mn_data_t *base = &t->inputs[0].coinid;
  bool eltoo = base->len == 1 && base->data[0] == 0x01;
  for (uint32_t k = 0; k < t->n_outputs; k++) {
    if (eltoo) {
      static const uint8_t zero = 0;
      t->outputs[k].coinid = (mn_data_t){&zero, 1};
      continue;
    }
    uint8_t id[32];
    w->obj->coinid(base->data, base->len, k, id);
    int err = w->obj->dup(owner, id, 32, &t->outputs[k].coinid);
    if (err)
      return err;
  }
  return 0;
}

void wal_mark_pending(wal_t *w, const mn_transaction_t *t, bool on) {
  for (uint32_t i = 0; i < t->n_inputs; i++) {
    wal_coin_t *c =
        wal_coin_find(w, t->inputs[i].coinid.data, t->inputs[i].coinid.len);
    if (c)
      c->pending = on;
  }
}

json_t *wal_txpow_json(wal_t *w, const mn_txpow_t *t) {
  json_t *j = w->obj->json(MN_OBJ_TXPOW, t, 0);
  return j ? j : json_null();
}

/* ---- the burn transaction ----------------------------------------------- */

int wal_burn_txn(wal_t *w, void *owner, const mn_transaction_t *main,
                 const mn_num_t *burn, mn_transaction_t *bt, mn_witness_t *bw,
                 uint8_t (**keys)[32], size_t *nkeys, char *why, size_t cap) {
  static const uint8_t minima = 0;
  size_t n;
  wal_coin_t **cands = wal_candidates(w, &minima, 1, NULL, 0, &n);
  if (!cands)
    return MN_ENOMEM;
  /* Not the main transaction's inputs. */
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    bool used = false;
    for (uint32_t k = 0; k < main->n_inputs && !used; k++)
      used = main->inputs[k].coinid.len == cands[i]->coin->coinid.len &&
             !memcmp(main->inputs[k].coinid.data, cands[i]->coin->coinid.data,
                     main->inputs[k].coinid.len);
    if (!used)
      cands[m++] = cands[i];
  }
  mn_num_t have;
  w->num->from_i64(&have, 0);
  size_t take = 0;
  while (take < m && w->num->cmp(&have, burn) < 0)
    w->num->add(&have, &have, &cands[take++]->coin->amount);
  int err = 0;
  if (w->num->cmp(&have, burn) < 0) {
    snprintf(why, cap, "Not enough funds / coins for the burn..");
    err = MN_ERANGE;
    goto out;
  }
  if (!w->num->is_valid_amount(burn)) {
    char b[MN_NUM_STR_MAX];
    w->num->to_str(burn, b, sizeof b);
    snprintf(why, cap, "Invalid Minima amount to send.. %s", b);
    err = MN_EINVAL;
    goto out;
  }
  err = wal_add_inputs(w, owner, bt, bw, cands, take, keys, nkeys, why, cap);
  if (err)
    goto out;
  mn_num_t change;
  w->num->sub(&change, &have, burn);
  if (w->num->sign(&change) > 0) {
    wal_script_t *s = wal_script_default(w);
    if (!s) {
      snprintf(why, cap,
               "No change address yet: the wallet is still "
               "making its keys, try again in a moment");
      err = MN_EPENDING;
      goto out;
    }
    static const uint8_t zero = 0;
    mn_coin_t out = {.coinid = {&zero, 1},
                     .address = {s->address, 32},
                     .amount = change,
                     .tokenid = {&minima, 1},
                     .created = {{0}, 0, 0, {0}}};
    w->num->from_i64(&out.created, 0);
    err = mn_add_txn_outputs(w->obj, owner, bt, &out);
  }
  uint8_t txid[32];
  if (!err)
    err = mn_transaction_hash(w->obj, main, txid);
  if (!err)
    err = w->obj->dup(owner, txid, 32, &bt->linkhash);
  if (!err)
    err = wal_precompute_coinids(w, owner, bt);
  if (err && !*why)
    snprintf(why, cap, "Cannot build the burn transaction: %s",
             mn_strerror(err));
out:
  free(cands);
  return err;
}

/* ---- signing and posting ------------------------------------------------ */

void wal_post_free(wal_post_t *p) {
  if (!p)
    return;
  p->w->obj->free(p->draft);
  free(p->keys);
  free(p->bkeys);
  free(p->uses);
  free(p);
}

static void finish(wal_post_t *p, int status, const char *msg,
                   const mn_txpow_t *txpow) {
  wal_t *w = p->w;
  for (wal_post_t **pp = &w->posts; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  if (p->marked && p->draft->body) {
    wal_mark_pending(w, &p->draft->body->txn, false);
    wal_mark_pending(w, &p->draft->body->burntxn, false);
  }
  p->done(w, p, status, msg, txpow);
  wal_post_free(p);
}

static void posted(const mn_chain_post_result_t *res, void *data) {
  wal_post_t *p = data;
  p->ticketed = false;
  if (res->status == MN_CHAIN_ACCEPTED) {
    finish(p, 0, "", res->txpow);
    return;
  }
  char msg[512];
  snprintf(msg, sizeof msg, "Transaction rejected (%s): %s",
           mn_chain_reason_name(res->reason),
           res->message && *res->message ? res->message
                                         : "the chain did not accept it");
  finish(p, MN_EINVALID, msg, res->txpow);
}

static void do_post(wal_post_t *p) {
  wal_t *w = p->w;
  if (p->sign_only) {
    finish(p, 0, "", p->draft);
    return;
  }
  const mn_chain_t *ch = wal_chain(w);
  if (w->stopping || !ch) {
    finish(p, MN_ESTATE,
           w->stopping ? "the node is stopping"
                       : "no chain: load the consensus plugin to post "
                         "transactions",
           NULL);
    return;
  }
  /* The chain's txncheck first: a transaction that cannot be valid now
   * (a script not satisfied yet, a proof too old) is refused with its
   * reason rather than posted. */
  mn_chain_check_t chk = {.size = sizeof chk};
  if (ch->txn_check(ch, p->draft, &chk) == 0 && !chk.valid) {
    char msg[512];
    snprintf(msg, sizeof msg, "Transaction rejected (%s): %s",
             mn_chain_reason_name(chk.reason),
             chk.message[0] ? chk.message : "the chain's checks fail");
    finish(p, MN_EINVALID, msg, NULL);
    return;
  }
  int err = ch->txn_post(ch, p->draft, 0, posted, p, &p->ticket);
  if (err) {
    char msg[256];
    snprintf(msg, sizeof msg, "The chain cannot take the transaction: %s",
             mn_strerror(err));
    finish(p, err, msg, NULL);
    return;
  }
  p->ticketed = true;
}

static int add_sigs(wal_post_t *p, mn_witness_t *wit, mn_buf_t *sigs,
                    size_t n) {
  for (size_t i = 0; i < n; i++) {
    int err = p->w->obj->witness_add_signature(p->draft, wit, sigs[i].data,
                                               sigs[i].len);
    if (err && err != MN_EEXIST)
      return err;
  }
  return 0;
}

static void burn_signed(wal_t *w, int status, mn_buf_t *sigs, size_t n,
                        void *data) {
  wal_post_t *p = data;
  if (!status)
    status = add_sigs(p, &p->draft->body->burnwitness, sigs, n);
  if (status) {
    finish(p, status,
           w->stopping ? "the node is stopping"
                       : "Cannot sign the burn transaction",
           NULL);
    return;
  }
  do_post(p);
}

static void main_signed(wal_t *w, int status, mn_buf_t *sigs, size_t n,
                        void *data) {
  wal_post_t *p = data;
  if (!status)
    status = add_sigs(p, &p->draft->body->witness, sigs, n);
  if (status) {
    finish(p, status,
           w->stopping ? "the node is stopping" : "Cannot sign the transaction",
           NULL);
    return;
  }
  if (p->nbkeys) {
    uint8_t txid[32];
    int err = mn_transaction_hash(w->obj, &p->draft->body->burntxn, txid);
    if (!err)
      err = wal_sign_async(w, (const uint8_t(*)[32])p->bkeys,
                           p->uses + p->nkeys, p->nbkeys, txid, burn_signed, p);
    if (err)
      finish(p, err, "Cannot sign the burn transaction", NULL);
    return;
  }
  do_post(p);
}

int wal_post_start(wal_post_t *p, char *why, size_t cap) {
  wal_t *w = p->w;
  size_t total = p->nkeys + p->nbkeys;
  p->uses = calloc(total ? total : 1, sizeof *p->uses);
  uint8_t(*all)[32] = calloc(total ? total : 1, 32);
  int err = (!p->uses || !all) ? MN_ENOMEM : 0;
  if (!err) {
    if (p->nkeys)
      memcpy(all, p->keys, p->nkeys * 32);
    if (p->nbkeys)
      memcpy(all + p->nkeys, p->bkeys, p->nbkeys * 32);
    err = wal_reserve_uses(w, (const uint8_t(*)[32])all, total, p->uses, why,
                           cap);
  } else {
    snprintf(why, cap, "out of memory");
  }
  free(all);
  if (err) {
    wal_post_free(p);
    return err;
  }
  wal_mark_pending(w, &p->draft->body->txn, true);
  wal_mark_pending(w, &p->draft->body->burntxn, true);
  p->marked = true;
  p->next = w->posts;
  w->posts = p;
  if (p->nkeys == 0) {
    main_signed(w, 0, NULL, 0, p);
    return 0;
  }
  uint8_t txid[32];
  err = mn_transaction_hash(w->obj, &p->draft->body->txn, txid);
  if (!err)
    err = wal_sign_async(w, (const uint8_t(*)[32])p->keys, p->uses, p->nkeys,
                         txid, main_signed, p);
  if (err) {
    /* Unlink without calling done: the caller answers now. */
    w->posts = p->next;
    wal_mark_pending(w, &p->draft->body->txn, false);
    wal_mark_pending(w, &p->draft->body->burntxn, false);
    snprintf(why, cap, "Cannot start signing: %s", mn_strerror(err));
    wal_post_free(p);
    return err;
  }
  return 0;
}

/* Called by wal_stop(): pending posts are cancelled and answered. */
void wal_posts_cancel(wal_t *w) {
  const mn_chain_t *ch = w->chain;
  wal_post_t *p = w->posts;
  while (p) {
    wal_post_t *next = p->next;
    if (p->ticketed) {
      if (ch)
        ch->cancel(ch, p->ticket);
      p->ticketed = false;
      finish(p, MN_ECANCELED, "the node is stopping", NULL);
    }
    p = next;
  }
}
