/*
 * service.c - the "wallet" service (minima/svc/wallet.h) over the wallet's
 * tables.
 */
#include <stdlib.h>
#include <string.h>

#include "wal.h"

static void script_text(const wal_script_t *s, mn_buf_t *script) {
  if (script)
    mn_buf_put(script, s->script, s->len);
}

static int svc_new_address(const mn_wallet_t *svc, mn_wallet_addr_t *out,
                           mn_buf_t *script) {
  wal_t *w = wal_of(svc);
  wal_script_t *s;
  int err = wal_new_simple(w, false, &s);
  if (err)
    return err;
  wal_script_fill(s, out);
  script_text(s, script);
  return 0;
}

static int svc_get_address(const mn_wallet_t *svc, mn_wallet_addr_t *out,
                           mn_buf_t *script) {
  wal_t *w = wal_of(svc);
  wal_script_t *s = wal_script_default(w);
  if (!s) {
    wal_keygen_kick(w);
    return MN_EPENDING;
  }
  wal_script_fill(s, out);
  script_text(s, script);
  return 0;
}

static int svc_add_script(const mn_wallet_t *svc, const char *script,
                          size_t len, bool clean, bool track,
                          mn_wallet_addr_t *out) {
  wal_t *w = wal_of(svc);
  mn_buf_t c = {0};
  if (len == 0)
    return MN_EINVAL;
  if (clean) {
    if (!w->vm)
      return MN_ESTATE;
    int err = w->vm->clean(script, len, &c);
    if (err) {
      mn_buf_free(&c);
      return err;
    }
    script = (const char *)c.data;
    len = c.len;
  }
  wal_script_t *s;
  int err = wal_script_add(w, script, len, NULL, track ? WAL_S_TRACK : 0, &s);
  mn_buf_free(&c);
  if (err)
    return err;
  if (track)
    wal_scan_addresses(w, (const uint8_t(*)[32])s->address, 1);
  wal_script_fill(s, out);
  return 0;
}

static int svc_find_address(const mn_wallet_t *svc, const uint8_t addr[32],
                            mn_wallet_addr_t *out, mn_buf_t *script) {
  wal_script_t *s = wal_script_find(wal_of(svc), addr, 32);
  if (!s)
    return MN_ENOENT;
  wal_script_fill(s, out);
  script_text(s, script);
  return 0;
}

static int svc_find_key(const mn_wallet_t *svc, const uint8_t pub[32],
                        mn_wallet_key_t *out) {
  wal_key_t *k = wal_key_find(wal_of(svc), pub, 32);
  if (!k)
    return MN_ENOENT;
  mn_wallet_key_t r = {.size = out->size};
  memcpy(r.publickey, k->pub, 32);
  r.index = k->index;
  r.keys_per_level = k->size;
  r.levels = k->depth;
  r.uses = k->uses;
  r.max_uses = k->maxuses;
  memcpy(out, &r, out->size < sizeof r ? out->size : sizeof r);
  return 0;
}

static int svc_sign(const mn_wallet_t *svc, const uint8_t pub[32],
                    const void *data, size_t len, mn_buf_t *sig) {
  wal_t *w = wal_of(svc);
  uint64_t use;
  char why[256];
  int err =
      wal_reserve_uses(w, (const uint8_t(*)[32])pub, 1, &use, why, sizeof why);
  if (err)
    return err;
  return wal_sign_now(w, pub, use, data, len, sig);
}

typedef struct svc_sign_ctx {
  void *owner;
  mn_witness_t *wit;
  mn_wallet_signed_cb cb;
  void *data;
} svc_sign_ctx_t;

static void svc_signed(wal_t *w, int status, mn_buf_t *sigs, size_t n,
                       void *data) {
  svc_sign_ctx_t *c = data;
  uint32_t done = 0;
  for (size_t i = 0; i < n && !status; i++) {
    int err = w->obj->witness_add_signature(c->owner, c->wit, sigs[i].data,
                                            sigs[i].len);
    if (err && err != MN_EEXIST)
      status = err;
    else
      done++;
  }
  c->cb(status, status ? 0 : done, c->data);
  free(c);
}

static int svc_sign_txn(const mn_wallet_t *svc, void *owner,
                        const mn_transaction_t *txn, mn_witness_t *wit,
                        const uint8_t (*keys)[32], size_t n,
                        mn_wallet_signed_cb cb, void *data) {
  wal_t *w = wal_of(svc);
  uint8_t txid[32];
  int err = mn_transaction_hash(w->obj, txn, txid);
  if (err)
    return err;
  svc_sign_ctx_t *c = calloc(1, sizeof *c);
  uint64_t *uses = calloc(n ? n : 1, sizeof *uses);
  if (!c || !uses) {
    free(c);
    free(uses);
    return MN_ENOMEM;
  }
  *c = (svc_sign_ctx_t){owner, wit, cb, data};
  char why[256];
  err = wal_reserve_uses(w, keys, n, uses, why, sizeof why);
  if (!err)
    err = wal_sign_async(w, keys, uses, n, txid, svc_signed, c);
  free(uses);
  if (err)
    free(c);
  return err;
}

static bool svc_is_relevant(const mn_wallet_t *svc, const mn_coin_t *coin) {
  return wal_is_relevant(wal_of(svc), coin);
}

static int svc_coins(const mn_wallet_t *svc, const mn_wallet_coin_query_t *q,
                     mn_wallet_coin_cb cb, void *data) {
  wal_t *w = wal_of(svc);
  uint32_t flags = q ? q->flags : 0;
  /* Newest first. */
  size_t n = w->ncoins;
  size_t *order = malloc((n ? n : 1) * sizeof *order);
  if (!order)
    return MN_ENOMEM;
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i;
         j > 0 && w->coins[order[j - 1]].created < w->coins[order[j]].created;
         j--) {
      size_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    wal_coin_t *c = &w->coins[order[i]];
    const mn_coin_t *k = c->coin;
    if (c->spent >= 0 && !(flags & MN_WALLET_Q_SPENT))
      continue;
    if ((flags & MN_WALLET_Q_TOKENID) &&
        (k->tokenid.len != q->tokenid.len ||
         memcmp(k->tokenid.data, q->tokenid.data, q->tokenid.len)))
      continue;
    if ((flags & MN_WALLET_Q_ADDRESS) &&
        (k->address.len != 32 || memcmp(k->address.data, q->address, 32)))
      continue;
    wal_script_t *s = wal_script_find(w, k->address.data, k->address.len);
    bool simple = s && (s->flags & WAL_S_SIMPLE);
    if ((flags & MN_WALLET_Q_SENDABLE) && !simple)
      continue;
    if (q && q->min_depth > 0 && w->tip - c->created < q->min_depth)
      continue;
    mn_wallet_coin_t wc = {.size = sizeof wc,
                           .coin = k,
                           .proof = c->proof,
                           .created = c->created,
                           .spent_block = c->spent,
                           .simple = simple};
    rc = cb(&wc, data);
  }
  free(order);
  return rc;
}

static int svc_balance(const mn_wallet_t *svc, const uint8_t *tokenid,
                       size_t len, int64_t confirmations,
                       mn_wallet_balance_t *out) {
  wal_balance(wal_of(svc), tokenid, len, NULL, confirmations, out);
  return 0;
}

static int svc_coin_proof(const mn_wallet_t *svc, const uint8_t coinid[32],
                          mn_coinproof_t **out) {
  wal_t *w = wal_of(svc);
  wal_coin_t *c = wal_coin_find(w, coinid, 32);
  if (!c || c->spent >= 0)
    return MN_ENOENT;
  int err = wal_coin_prove(w, c, true);
  if (err)
    return err;
  return mn_coinproof_copy(w->obj, c->proof, out);
}

void wal_service_init(wal_t *w) {
  w->svc = (mn_wallet_t){
      .size = sizeof(mn_wallet_t),
      .new_address = svc_new_address,
      .get_address = svc_get_address,
      .add_script = svc_add_script,
      .find_address = svc_find_address,
      .find_key = svc_find_key,
      .sign = svc_sign,
      .sign_txn = svc_sign_txn,
      .is_relevant = svc_is_relevant,
      .coins = svc_coins,
      .balance = svc_balance,
      .coin_proof = svc_coin_proof,
  };
}
