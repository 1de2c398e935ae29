/*
 * store.c - the wallet's LMDB records and write batches.
 *
 * Databases (all private to the plugin):
 *   meta     "phrase" the seed phrase; "nextkey" u32; "synced" i64 + id
 *   keys     public key -> index u32, size u32, depth u32, uses u64,
 *            maxuses u64 (little-endian)
 *   scripts  address -> flags u32, seq u64, public key [32], script text
 *   coins    coin id -> created i64, spent i64, Coin bytes
 *   tokens   token id -> Token bytes
 *   txns     id text -> Transaction || Witness bytes
 *   history  block number (u64 big-endian) || TxPoW id -> TxPoW bytes
 */
#include <stdlib.h>
#include <string.h>

#include "wal.h"

static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++)
    v |= (uint32_t)p[i] << (8 * i);
  return v;
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

void wal_put_i64(uint8_t *p, int64_t v) {
  put_u64(p, (uint64_t)v);
}
int64_t wal_get_i64(const uint8_t *p) {
  return (int64_t)get_u64(p);
}

/* ---- batches ------------------------------------------------------------ */

static void add_op(wal_batch_t *b, mn_db_t *db, const void *key, size_t klen,
                   const void *val, size_t vlen, bool del) {
  if (b->err)
    return;
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 16;
    wal_op_t *ops = realloc(b->ops, cap * sizeof *ops);
    if (!ops) {
      b->err = MN_ENOMEM;
      return;
    }
    b->ops = ops;
    b->cap = cap;
  }
  wal_op_t *op = &b->ops[b->n];
  op->db = db;
  op->klen = klen;
  op->vlen = del ? 0 : vlen;
  op->key = malloc(klen ? klen : 1);
  op->val = del ? NULL : malloc(vlen ? vlen : 1);
  if (!op->key || (!del && !op->val)) {
    free(op->key);
    free(op->val);
    b->err = MN_ENOMEM;
    return;
  }
  memcpy(op->key, key, klen);
  if (!del && vlen)
    memcpy(op->val, val, vlen);
  b->n++;
}

void wal_put(wal_batch_t *b, mn_db_t *db, const void *key, size_t klen,
             const void *val, size_t vlen) {
  add_op(b, db, key, klen, val, vlen, false);
}

void wal_del(wal_batch_t *b, mn_db_t *db, const void *key, size_t klen) {
  add_op(b, db, key, klen, NULL, 0, true);
}

void wal_clear_db(wal_batch_t *b, mn_db_t *db) {
  if (b->nclear < sizeof b->clear / sizeof *b->clear)
    b->clear[b->nclear++] = db;
  else
    b->err = MN_ENOMEM;
}

typedef struct commit_ctx {
  wal_t *w;
  wal_batch_t *b;
} commit_ctx_t;

static int apply(mn_txn_t *txn, void *data) {
  commit_ctx_t *c = data;
  const mn_host_t *h = c->w->host;
  for (size_t i = 0; i < c->b->nclear; i++) {
    int err = h->db_clear(txn, c->b->clear[i]);
    if (err)
      return err;
  }
  for (size_t i = 0; i < c->b->n; i++) {
    wal_op_t *op = &c->b->ops[i];
    int err;
    if (op->val) {
      err = h->db_put(txn, op->db, op->key, op->klen, op->val, op->vlen, 0);
    } else {
      err = h->db_del(txn, op->db, op->key, op->klen);
      if (err == MN_ENOENT)
        err = 0;
    }
    if (err)
      return err;
  }
  return 0;
}

void wal_batch_free(wal_batch_t *b) {
  for (size_t i = 0; i < b->n; i++) {
    free(b->ops[i].key);
    free(b->ops[i].val);
  }
  free(b->ops);
  memset(b, 0, sizeof *b);
}

int wal_commit(wal_t *w, wal_batch_t *b) {
  int err = b->err;
  if (!err && (b->n || b->nclear)) {
    commit_ctx_t c = {w, b};
    err = w->host->store_write(w->self, apply, &c);
    if (err)
      w->host->log(w->self, MN_LOG_ERROR, "wallet store write failed: %s",
                   mn_strerror(err));
  }
  wal_batch_free(b);
  return err;
}

/* ---- records ------------------------------------------------------------ */

void wal_key_encode(const wal_key_t *k, uint8_t out[WAL_KEY_REC]) {
  put_u32(out, k->index);
  put_u32(out + 4, k->size);
  put_u32(out + 8, k->depth);
  put_u64(out + 12, k->uses);
  put_u64(out + 20, k->maxuses);
}

int wal_key_decode(const uint8_t *p, size_t len, wal_key_t *k) {
  if (len != WAL_KEY_REC)
    return MN_ECORRUPT;
  k->index = get_u32(p);
  k->size = get_u32(p + 4);
  k->depth = get_u32(p + 8);
  k->uses = get_u64(p + 12);
  k->maxuses = get_u64(p + 20);
  k->tk = NULL;
  k->busy = false;
  return 0;
}

int wal_script_encode(const wal_script_t *s, mn_buf_t *out) {
  uint8_t head[12];
  put_u32(head, s->flags);
  put_u64(head + 4, s->seq);
  mn_buf_put(out, head, sizeof head);
  mn_buf_put(out, s->pub, 32);
  mn_buf_put(out, s->script, s->len);
  return out->err;
}

int wal_script_decode(const uint8_t *p, size_t len, wal_script_t *s) {
  if (len < 44)
    return MN_ECORRUPT;
  s->flags = get_u32(p);
  s->seq = get_u64(p + 4);
  memcpy(s->pub, p + 12, 32);
  s->len = len - 44;
  s->script = malloc(s->len + 1);
  if (!s->script)
    return MN_ENOMEM;
  memcpy(s->script, p + 44, s->len);
  s->script[s->len] = '\0';
  return 0;
}

int wal_coin_encode(wal_t *w, const wal_coin_t *c, mn_buf_t *out) {
  uint8_t head[16];
  wal_put_i64(head, c->created);
  wal_put_i64(head + 8, c->spent);
  mn_buf_put(out, head, sizeof head);
  if (out->err)
    return out->err;
  return mn_coin_encode(w->obj, c->coin, out);
}

int wal_coin_decode(wal_t *w, const uint8_t *p, size_t len, wal_coin_t *c) {
  if (len < 16)
    return MN_ECORRUPT;
  memset(c, 0, sizeof *c);
  c->created = wal_get_i64(p);
  c->spent = wal_get_i64(p + 8);
  int err = mn_coin_decode(w->obj, p + 16, len - 16, NULL, &c->coin);
  return err ? MN_ECORRUPT : 0;
}
