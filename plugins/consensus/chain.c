/*
 * chain.c - the running chain: the RAM TxPoW store, receiving and
 * processing TxPoWs (the reference's NIOMessage MSG_TXPOW and
 * TxPoWProcessor), tree recalculation with cascading, block templates
 * (TxPoWGenerator), coin searches, persistence and events.
 *
 * Persistence: every change a round makes (a TxPoW received and the
 * blocks it connects, an IBD slice, a cascade cut) is collected as
 * operations and committed in one LMDB write transaction by cs_commit(),
 * so a crash at any instant leaves the last committed state.
 *
 * Databases: txpow (id -> TxPoW), node (id -> tree node record), meta
 * ("root" -> id, "cascade" -> cascade, "seq"), archive (block number,
 * 8 bytes big-endian -> TxBlock of a cascaded main-chain block) and
 * children (dupsort: parent id -> child block id).
 */
#include <stdio.h>
#include <string.h>

#include "cons.h"

static const char *const db_names[CS_DB_COUNT] = {"txpow", "node", "meta",
                                                  "archive", "children"};

/* ---- store operations ---------------------------------------------------- */

static void op_add(cs_t *c, int db, bool del, const void *k, size_t kl,
                   const void *v, size_t vl) {
  if (c->nops == c->capops) {
    c->capops = c->capops ? c->capops * 2 : 64;
    c->ops = cs_xrealloc(c->ops, c->capops * sizeof *c->ops);
  }
  cs_op_t *o = &c->ops[c->nops++];
  o->db = db;
  o->del = del;
  o->key = cs_xmalloc(kl);
  memcpy(o->key, k, kl);
  o->klen = kl;
  o->val = NULL;
  o->vlen = vl;
  if (!del) {
    o->val = cs_xmalloc(vl);
    if (vl)
      memcpy(o->val, v, vl);
  } else if (v) {
    o->val = cs_xmalloc(vl);
    memcpy(o->val, v, vl); /* a dupsort value to delete */
  }
}

void cs_op_put(cs_t *c, int db, const void *k, size_t kl, const void *v,
               size_t vl) {
  op_add(c, db, false, k, kl, v, vl);
}

void cs_op_del(cs_t *c, int db, const void *k, size_t kl) {
  op_add(c, db, true, k, kl, NULL, 0);
}

static void ops_clear(cs_t *c) {
  for (size_t i = 0; i < c->nops; i++) {
    free(c->ops[i].key);
    free(c->ops[i].val);
  }
  c->nops = 0;
}

static int write_ops(mn_txn_t *txn, void *data) {
  cs_t *c = data;
  const mn_host_t *h = c->host;
  for (size_t i = 0; i < c->nops; i++) {
    cs_op_t *o = &c->ops[i];
    int rc;
    if (o->del) {
      rc = h->db_del(txn, c->db[o->db], o->key, o->klen);
      if (rc == MN_ENOENT)
        rc = 0;
    } else {
      rc = h->db_put(txn, c->db[o->db], o->key, o->klen, o->val, o->vlen, 0);
      if (rc == MN_EEXIST)
        rc = 0;
    }
    if (rc)
      return rc;
  }
  return 0;
}

int cs_commit(cs_t *c) {
  if (!c->nops)
    return 0;
  int rc = c->host->store_write(c->self, write_ops, c);
  if (rc) {
    c->store_failed = true;
    c->host->log(c->self, MN_LOG_ERROR,
                 "cannot write the chain to the store: %s (is the disk "
                 "full? the node keeps running from memory)",
                 mn_strerror(rc));
  }
  ops_clear(c);
  return rc;
}

int cs_db_read(cs_t *c, int db, const void *key, size_t klen, mn_buf_t *out) {
  mn_txn_t *txn;
  int rc = c->host->txn_begin(c->self, MN_TXN_RDONLY, &txn);
  if (rc)
    return rc;
  mn_val_t v;
  rc = c->host->db_get(txn, c->db[db], key, klen, &v);
  if (!rc)
    mn_buf_put(out, v.data, v.size);
  c->host->txn_abort(txn);
  return rc ? rc : out->err;
}

/* ---- logging and events -------------------------------------------------- */

void cs_note_reject(cs_t *c, mn_chain_reason_t r, const uint8_t id[32],
                    const char *msg) {
  if (r < MN_CHAIN_R_COUNT)
    c->stats.rejected[r]++;
  char hex[80];
  cs_hex(id, 32, hex, sizeof hex);
  mn_log_level_t lv = MN_LOG_DEBUG;
  if (r < MN_CHAIN_R_COUNT && !c->last_log[r]) {
    c->last_log[r] = 1;
    lv = MN_LOG_INFO;
  }
  c->host->log(
      c->self, lv, "rejected %s (%s): %s%s", hex, mn_chain_reason_name(r), msg,
      lv == MN_LOG_INFO ? " (further ones of this kind at debug)" : "");
}

typedef struct txpow_payload {
  mn_chain_txpow_event_t ev;
  mn_txpow_t *copy;
  const mn_obj_api_t *obj;
  char msg[200];
} txpow_payload_t;

static void free_txpow_payload(void *p) {
  txpow_payload_t *tp = p;
  tp->obj->free(tp->copy);
  free(tp);
}

void cs_publish_txpow(cs_t *c, mn_topic_t *t, mn_chain_status_t st,
                      mn_chain_stage_t stage, mn_chain_reason_t r, bool relay,
                      uint64_t origin, const uint8_t id[32], int64_t number,
                      const mn_txpow_t *txpow, const char *msg) {
  if (!t || !c->host->has_subscribers(t))
    return;
  txpow_payload_t *p = cs_xcalloc(1, sizeof *p);
  p->obj = c->env.obj;
  if (txpow && mn_txpow_copy(c->env.obj, txpow, &p->copy))
    p->copy = NULL;
  snprintf(p->msg, sizeof p->msg, "%s", msg ? msg : "");
  mn_chain_txpow_event_t *e = &p->ev;
  e->size = sizeof *e;
  e->status = st;
  e->stage = stage;
  e->reason = r;
  e->relay = relay;
  e->is_block = txpow && txpow->is_block;
  e->is_txn = txpow && mn_txpow_is_txn(txpow);
  e->origin = origin;
  if (id)
    memcpy(e->txpowid, id, 32);
  e->blocknumber = number;
  e->txpow = p->copy;
  e->message = p->msg;
  c->host->publish(c->self, t, p, sizeof *p, free_txpow_payload);
}

typedef struct need_payload {
  mn_chain_need_event_t ev;
  uint8_t (*ids)[32];
} need_payload_t;

static void free_need(void *p) {
  need_payload_t *n = p;
  free(n->ids);
  free(n);
}

void cs_publish_need(cs_t *c, uint64_t origin, const uint8_t block[32],
                     const mn_buf_t *ids) {
  if (!ids->len || !c->t_need || !c->host->has_subscribers(c->t_need))
    return;
  need_payload_t *p = cs_xcalloc(1, sizeof *p);
  p->ids = cs_xmalloc(ids->len);
  memcpy(p->ids, ids->data, ids->len);
  p->ev.size = sizeof p->ev;
  p->ev.origin = origin;
  memcpy(p->ev.block, block, 32);
  p->ev.ids = (const uint8_t(*)[32])p->ids;
  p->ev.n_ids = (uint32_t)(ids->len / 32);
  c->host->publish(c->self, c->t_need, p, sizeof *p, free_need);
}

typedef struct block_payload {
  mn_chain_block_event_t ev;
  const mn_obj_api_t *obj;
  mn_txblock_t *tb;
  mn_txblock_t *coins;
  mn_txpow_t **txns;
  uint32_t ntxns;
} block_payload_t;

static void free_block_payload(void *p) {
  block_payload_t *b = p;
  b->obj->free(b->tb);
  b->obj->free(b->coins);
  for (uint32_t i = 0; i < b->ntxns; i++)
    b->obj->free(b->txns[i]);
  free(b->txns);
  free(b);
}

static void publish_block(cs_t *c, mn_topic_t *t, cs_node_t *n, bool sync) {
  if (!t || !c->host->has_subscribers(t))
    return;
  const mn_obj_api_t *obj = c->env.obj;
  block_payload_t *p = cs_xcalloc(1, sizeof *p);
  p->obj = obj;
  if (mn_txblock_copy(obj, n->tb, &p->tb) ||
      (n->coins && mn_txblock_copy(obj, n->coins, &p->coins))) {
    free_block_payload(p);
    return;
  }
  const mn_txbody_t *b = n->txpow->body;
  uint32_t nl = b ? b->n_txpowlist : 0;
  p->txns = cs_xcalloc(nl, sizeof *p->txns);
  for (uint32_t i = 0; i < nl; i++) {
    if (b->txpowlist[i].len != 32)
      continue;
    mn_txpow_t *owned = NULL;
    const mn_txpow_t *x = cs_txpow_find(c, b->txpowlist[i].data, &owned);
    if (!x)
      continue;
    if (owned)
      p->txns[p->ntxns++] = owned;
    else if (mn_txpow_copy(obj, x, &p->txns[p->ntxns]) == 0)
      p->ntxns++;
  }
  mn_chain_block_event_t *e = &p->ev;
  e->size = sizeof *e;
  e->number = n->number;
  memcpy(e->txpowid, n->txpow->txpowid, 32);
  e->timemilli = (uint64_t)n->time;
  e->txblock = p->tb;
  uint32_t ns = n->tb->n_spent, nn = n->tb->n_newcoins;
  if (p->coins && p->coins->n_newcoins >= ns + nn) {
    e->spent = p->coins->newcoins;
    e->n_spent = ns;
    e->created = p->coins->newcoins + ns;
    e->n_created = nn;
  }
  e->txns = (const mn_txpow_t *const *)p->txns;
  e->n_txns = p->ntxns;
  e->sync = sync;
  c->host->publish(c->self, t, p, sizeof *p, free_block_payload);
}

static void publish_tip(cs_t *c, const cs_node_t *tip, int64_t oldn,
                        const uint8_t *oldid, int64_t fork, uint32_t disc,
                        uint32_t conn) {
  if (!c->t_tip || !c->host->has_subscribers(c->t_tip) || !tip)
    return;
  mn_chain_tip_event_t *e = cs_xcalloc(1, sizeof *e);
  e->size = sizeof *e;
  e->number = tip->number;
  memcpy(e->txpowid, tip->txpow->txpowid, 32);
  e->timemilli = (uint64_t)tip->time;
  e->old_number = oldn;
  if (oldid)
    memcpy(e->old_txpowid, oldid, 32);
  e->fork_number = fork;
  e->disconnected = disc;
  e->connected = conn;
  e->reorg = disc > 0;
  c->host->publish(c->self, c->t_tip, e, sizeof *e, free);
}

/* ---- the RAM store ------------------------------------------------------- */

cs_entry_t *cs_ram_get(cs_t *c, const uint8_t id[32]) {
  cs_entry_t *e = cs_idmap_get(&c->ram, id);
  if (e)
    e->last_access = c->host->mono_ms();
  return e;
}

cs_entry_t *cs_ram_add(cs_t *c, mn_txpow_t *txpow) {
  cs_entry_t *e = cs_idmap_get(&c->ram, txpow->txpowid);
  if (e) {
    c->env.obj->free(txpow);
    e->last_access = c->host->mono_ms();
    return e;
  }
  e = cs_xcalloc(1, sizeof *e);
  e->txpow = txpow;
  e->number = cs_txpow_number(&c->env, txpow);
  e->is_txn = mn_txpow_is_txn(txpow);
  e->is_block = txpow->is_block;
  e->last_access = c->host->mono_ms();
  cs_idmap_put(&c->ram, txpow->txpowid, e);
  return e;
}

static void ram_free_entry(cs_t *c, cs_entry_t *e) {
  c->env.obj->free(e->txpow);
  free(e);
}

static void ram_del(cs_t *c, const uint8_t id[32]) {
  cs_entry_t *e = cs_idmap_del(&c->ram, id);
  if (e)
    ram_free_entry(c, e);
}

/* Entries not touched for ram_keep_ms are dropped (they stay stored). */
static void ram_clean(cs_t *c) {
  uint64_t now = c->host->mono_ms();
  if (now < c->env.p.ram_keep_ms)
    return;
  uint64_t cut = now - c->env.p.ram_keep_ms;
  size_t it = 0;
  const uint8_t *k;
  void *v;
  uint8_t(*del)[32] = NULL;
  size_t nd = 0, cap = 0;
  while (cs_idmap_next(&c->ram, &it, &k, &v)) {
    cs_entry_t *e = v;
    if (e->last_access >= cut)
      continue;
    if (nd == cap) {
      cap = cap ? cap * 2 : 64;
      del = cs_xrealloc(del, cap * 32);
    }
    memcpy(del[nd++], k, 32);
  }
  for (size_t i = 0; i < nd; i++)
    ram_del(c, del[i]);
  free(del);
}

const mn_txpow_t *cs_txpow_find(cs_t *c, const uint8_t id[32],
                                mn_txpow_t **owned) {
  *owned = NULL;
  cs_entry_t *e = cs_ram_get(c, id);
  if (e)
    return e->txpow;
  mn_buf_t b = {0};
  if (cs_db_read(c, CS_DB_TXPOW, id, 32, &b) == 0 &&
      mn_txpow_decode(c->env.obj, b.data, b.len, NULL, owned) == 0) {
    mn_buf_free(&b);
    return *owned;
  }
  mn_buf_free(&b);
  return NULL;
}

bool cs_txpow_exists(cs_t *c, const uint8_t id[32]) {
  if (cs_idmap_get(&c->ram, id))
    return true;
  mn_txn_t *txn;
  if (c->host->txn_begin(c->self, MN_TXN_RDONLY, &txn))
    return false;
  mn_val_t v;
  bool ok = c->host->db_get(txn, c->db[CS_DB_TXPOW], id, 32, &v) == 0;
  c->host->txn_abort(txn);
  return ok;
}

/* Stores a TxPoW (RAM and the txpow database) and its child link. */
static cs_entry_t *store_txpow(cs_t *c, mn_txpow_t *txpow) {
  mn_buf_t b = {0};
  if (mn_txpow_encode(c->env.obj, txpow, &b) == 0)
    cs_op_put(c, CS_DB_TXPOW, txpow->txpowid, 32, b.data, b.len);
  mn_buf_free(&b);
  if (txpow->is_block) {
    const mn_data_t *par = mn_txpow_parent(txpow);
    if (par->len == 32)
      cs_op_put(c, CS_DB_CHILDREN, par->data, 32, txpow->txpowid, 32);
  }
  return cs_ram_add(c, txpow);
}

/* Forgets a TxPoW found invalid: nothing of it stays stored. */
static void unstore_txpow(cs_t *c, const mn_txpow_t *t) {
  uint8_t id[32];
  memcpy(id, t->txpowid, 32);
  /* Drop the round's pending writes of it, then delete what is stored. */
  for (size_t i = 0; i < c->nops; i++) {
    cs_op_t *o = &c->ops[i];
    if (!o->del && ((o->db == CS_DB_TXPOW && memcmp(o->key, id, 32) == 0) ||
                    (o->db == CS_DB_CHILDREN && o->vlen == 32 &&
                     memcmp(o->val, id, 32) == 0))) {
      free(o->key);
      free(o->val);
      c->ops[i] = c->ops[--c->nops];
      i--;
    }
  }
  cs_op_del(c, CS_DB_TXPOW, id, 32);
  ram_del(c, id);
}

/* ---- node records -------------------------------------------------------- */

static void put_u32(mn_buf_t *b, uint32_t v) {
  mn_buf_put_u32be(b, v);
}

static void put_u64(mn_buf_t *b, uint64_t v) {
  put_u32(b, (uint32_t)(v >> 32));
  put_u32(b, (uint32_t)v);
}

static uint64_t get_u64(mn_reader_t *r) {
  uint64_t hi = mn_reader_u32be(r);
  return hi << 32 | mn_reader_u32be(r);
}

static void persist_node(cs_t *c, cs_node_t *n, uint64_t seq) {
  const mn_obj_api_t *obj = c->env.obj;
  mn_buf_t b = {0}, t = {0};
  put_u32(&b, 0x4e4f4431u); /* "NOD1" */
  put_u64(&b, seq);
  if (mn_txblock_encode(obj, n->tb, &t) == 0) {
    put_u32(&b, (uint32_t)t.len);
    mn_buf_put(&b, t.data, t.len);
  }
  mn_buf_free(&t);
  cs_mmr_encode(&c->env, n->mmr, &b);
  put_u32(&b, n->nrel);
  for (uint32_t i = 0; i < n->nrel; i++)
    put_u64(&b, n->relevant[i]);
  uint32_t nc = n->coins ? n->coins->n_newcoins : 0;
  put_u32(&b, nc);
  for (uint32_t i = 0; i < nc; i++) {
    mn_buf_t cb = {0};
    mn_coin_encode(obj, &n->coins->newcoins[i], &cb);
    put_u32(&b, (uint32_t)cb.len);
    mn_buf_put(&b, cb.data, cb.len);
    mn_buf_free(&cb);
  }
  if (!b.err)
    cs_op_put(c, CS_DB_NODE, n->txpow->txpowid, 32, b.data, b.len);
  mn_buf_free(&b);
}

static int load_node(cs_t *c, const void *p, size_t len, cs_node_t **out,
                     uint64_t *seq) {
  const mn_obj_api_t *obj = c->env.obj;
  mn_reader_t r;
  mn_reader_init(&r, p, len);
  *out = NULL;
  if (mn_reader_u32be(&r) != 0x4e4f4431u)
    return MN_ECORRUPT;
  *seq = get_u64(&r);
  uint32_t tl = mn_reader_u32be(&r);
  const uint8_t *tp = mn_reader_take(&r, tl);
  if (r.err)
    return MN_ECORRUPT;
  mn_txblock_t *tb = NULL;
  if (mn_txblock_decode(obj, tp, tl, NULL, &tb))
    return MN_ECORRUPT;
  cs_mmr_t *mmr = NULL;
  mn_txblock_t *coins = NULL;
  if (cs_mmr_decode(&c->env, &r, &mmr) || mn_txblock_new(obj, &coins)) {
    obj->free(tb);
    cs_mmr_free(mmr);
    return MN_ECORRUPT;
  }
  cs_node_t *n = cs_node_new(&c->env, tb, NULL, mmr, coins);
  uint32_t nrel = mn_reader_u32be(&r);
  for (uint32_t i = 0; i < nrel && !r.err; i++)
    cs_node_add_relevant(n, get_u64(&r));
  uint32_t nc = mn_reader_u32be(&r);
  for (uint32_t i = 0; i < nc && !r.err; i++) {
    uint32_t cl = mn_reader_u32be(&r);
    const uint8_t *cp = mn_reader_take(&r, cl);
    mn_coin_t *coin;
    if (!cp || mn_coin_decode(obj, cp, cl, NULL, &coin)) {
      r.err = MN_ECORRUPT;
      break;
    }
    int rc = mn_add_txblock_newcoins(obj, coins, coins, coin);
    obj->free(coin);
    if (rc)
      r.err = rc;
  }
  if (r.err) {
    cs_node_free(&c->env, n);
    return MN_ECORRUPT;
  }
  *out = n;
  return 0;
}

/* ---- making nodes -------------------------------------------------------- */

static bool hook_relevant(cs_t *c, const mn_coin_t *coin, bool spent,
                          int64_t number) {
  if (!c->h_relevant)
    return false;
  mn_chain_relevant_t a = {sizeof a, coin, spent, number};
  return c->host->hook_call(c->h_relevant, &a) == MN_HOOK_ACCEPT;
}

/* A tree node for a TxBlock (taken over): its layer, coins, relevance. */
static int make_node(cs_t *c, mn_txblock_t *tb, void *extra, cs_node_t **out) {
  cs_mmr_t *mmr;
  mn_txblock_t *coins;
  int rc = cs_txblock_layer(&c->env, tb, &mmr, &coins);
  if (rc) {
    c->env.obj->free(tb);
    c->env.obj->free(extra);
    return rc;
  }
  cs_node_t *n = cs_node_new(&c->env, tb, extra, mmr, coins);
  uint32_t ns = tb->n_spent;
  for (uint32_t i = 0; i < coins->n_newcoins; i++)
    if (hook_relevant(c, &coins->newcoins[i], i < ns, n->number))
      cs_node_add_relevant(n, coins->newcoins[i].mmrentry);
  *out = n;
  return 0;
}

static void node_store(cs_t *c, cs_node_t *n) {
  persist_node(c, n, ++c->node_seq);
  uint8_t s[8];
  for (int i = 0; i < 8; i++)
    s[i] = (uint8_t)(c->node_seq >> (56 - 8 * i));
  cs_op_put(c, CS_DB_META, "seq", 3, s, 8);
}

/* ---- recalculation ------------------------------------------------------- */

static int hold_coin(const mn_coin_t *coin, void *data) {
  cs_t *c = ((void **)data)[0];
  mn_txblock_t *hold = ((void **)data)[1];
  mn_add_txblock_newcoins(c->env.obj, hold, hold, coin);
  return 0;
}

/* TxPoWTreeNode.copyParentRelevantCoins on the node that becomes root:
 * the MMR paths of the ancestors' unspent relevant coins are copied into
 * its own layer, so they stay provable after the cut. */
static void copy_parent_relevant(cs_t *c, cs_node_t *root) {
  if (!root->parent)
    return;
  mn_chain_coin_query_t q;
  memset(&q, 0, sizeof q);
  q.size = sizeof q;
  q.flags = MN_CHAIN_Q_RELEVANT;
  q.depth = -1;
  mn_txblock_t *hold = NULL;
  if (mn_txblock_new(c->env.obj, &hold))
    return;
  void *cx[2] = {c, hold};
  cs_coins_search(c, root->parent, &q, hold_coin, cx);
  cs_mmr_unfinalize(root->mmr);
  for (uint32_t i = 0; i < hold->n_newcoins; i++) {
    const mn_coin_t *coin = &hold->newcoins[i];
    uint64_t e = coin->mmrentry;
    const mn_mmrdata_t *d = cs_mmr_get(root->mmr, 0, e, 0);
    if (!d)
      continue;
    mn_mmrdata_t data = *d;
    mn_mmrproof_t *proof;
    if (mn_mmrproof_new(c->env.obj, &proof))
      continue;
    if (cs_mmr_proof_to_peak(&c->env, root->mmr, e, proof, proof) == 0)
      cs_mmr_update(&c->env, root->mmr, e, proof, &data);
    c->env.obj->free(proof);
    mn_add_txblock_newcoins(c->env.obj, root->coins, root->coins, coin);
    cs_node_add_relevant(root, e);
  }
  cs_mmr_finalize(&c->env, root->mmr);
  c->env.obj->free(hold);
}

static void mark_main(cs_t *c) {
  size_t it = 0;
  void *v;
  while (cs_idmap_next(&c->ram, &it, NULL, &v))
    ((cs_entry_t *)v)->on_main = false;
  for (cs_node_t *n = c->tree.tip; n; n = n->parent) {
    cs_entry_t *e = cs_idmap_get(&c->ram, n->txpow->txpowid);
    if (e)
      e->on_main = true;
    const mn_txbody_t *b = n->txpow->body;
    for (uint32_t i = 0; b && i < b->n_txpowlist; i++)
      if (b->txpowlist[i].len == 32 &&
          (e = cs_idmap_get(&c->ram, b->txpowlist[i].data)))
        e->on_main = true;
  }
}

/* A cascaded block and its txns can never be used again (setInCascade):
 * they leave the RAM store, staying in the txpow database. */
static void set_in_cascade(cs_t *c, const mn_txpow_t *t) {
  const mn_txbody_t *b = t->body;
  for (uint32_t i = 0; b && i < b->n_txpowlist; i++)
    if (b->txpowlist[i].len == 32)
      ram_del(c, b->txpowlist[i].data);
  uint8_t id[32];
  memcpy(id, t->txpowid, 32);
  ram_del(c, id);
}

static void put_meta_cascade(cs_t *c) {
  mn_buf_t b = {0};
  if (cs_cascade_encode(&c->env, &c->casc, &b) == 0)
    cs_op_put(c, CS_DB_META, "cascade", 7, b.data, b.len);
  mn_buf_free(&b);
}

static void archive_block(cs_t *c, const cs_node_t *n) {
  mn_buf_t b = {0};
  if (mn_txblock_encode(c->env.obj, n->tb, &b) == 0) {
    uint8_t k[8];
    for (int i = 0; i < 8; i++)
      k[i] = (uint8_t)((uint64_t)n->number >> (56 - 8 * i));
    cs_op_put(c, CS_DB_ARCHIVE, k, 8, b.data, b.len);
  }
  mn_buf_free(&b);
}

static void cascade_cut(cs_t *c) {
  const cs_params_t *p = &c->env.p;
  cs_node_t *tip = c->tree.tip;
  if (!tip || (int64_t)c->tree.length <
                  (int64_t)p->cascade_start_depth + p->cascade_frequency)
    return;
  cs_node_t *newroot =
      cs_node_at(tip, tip->number - p->cascade_start_depth + 1);
  if (!newroot)
    return;
  copy_parent_relevant(c, newroot);
  cs_node_t **rem;
  size_t nrem;
  cs_tree_cut(&c->env, &c->tree, p->cascade_start_depth, &rem, &nrem);
  for (size_t i = 0; i < nrem; i++) {
    cs_node_t *n = rem[i];
    set_in_cascade(c, n->txpow);
    archive_block(c, n);
    cs_cascade_add(&c->env, &c->casc, n->txpow);
    cs_op_del(c, CS_DB_NODE, n->txpow->txpowid, 32);
    cs_node_free(&c->env, n);
  }
  free(rem);
  cs_cascade_chain(&c->env, &c->casc);
  put_meta_cascade(c);
  cs_op_put(c, CS_DB_META, "root", 4, c->tree.root->txpow->txpowid, 32);
  node_store(c, c->tree.root);
  cs_tree_recalc(&c->env, &c->tree);
}

static void push_node(cs_node_t ***arr, size_t *n, size_t *cap, cs_node_t *x) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 16;
    *arr = cs_xrealloc(*arr, *cap * sizeof **arr);
  }
  (*arr)[(*n)++] = x;
}

int cs_recalc(cs_t *c) {
  cs_node_t *old = c->tree.tip;
  uint8_t oldid[32] = {0};
  int64_t oldn = -1;
  if (old) {
    memcpy(oldid, old->txpow->txpowid, 32);
    oldn = old->number;
  }
  int rc = cs_tree_recalc(&c->env, &c->tree);
  cs_node_t *tip = c->tree.tip;
  if (tip && (!old || memcmp(oldid, tip->txpow->txpowid, 32) != 0)) {
    /* Walk both tips back to their common block: disconnects newest
     * first, then connects oldest first.  The old tip is still in the
     * tree (only a cut frees nodes, and it runs after this). */
    cs_node_t *a = old && cs_tree_find(&c->tree, oldid) == old ? old : NULL;
    cs_node_t *b = tip;
    cs_node_t **conn = NULL;
    size_t nd = 0, nc = 0, capc = 0;
    while (a && b && a != b) {
      if (a->number >= b->number) {
        publish_block(c, c->t_disconnected, a, false);
        nd++;
        a = a->parent;
      }
      if (a && b->number > a->number) {
        push_node(&conn, &nc, &capc, b);
        b = b->parent;
      }
    }
    if (!a) /* no old tip in the tree: connect the whole branch */
      for (; b && (!old || b->number > oldn); b = b->parent)
        push_node(&conn, &nc, &capc, b);
    for (size_t i = nc; i-- > 0;)
      publish_block(c, c->t_connected, conn[i], false);
    free(conn);
    int64_t fork = a ? a->number : (b ? b->number : -1);
    if (nd)
      c->stats.reorgs++;
    publish_tip(c, tip, oldn, old ? oldid : NULL, fork, (uint32_t)nd,
                (uint32_t)nc);
  }
  cascade_cut(c);
  mark_main(c);
  return rc;
}

/* ---- processing blocks (TxPoWProcessor.processTxPoW) --------------------- */

typedef struct stackv {
  const mn_txpow_t **v;
  size_t n, cap;
  mn_txpow_t **owned;
  size_t nown, capown;
} stackv_t;

static void sv_push(stackv_t *s, const mn_txpow_t *t) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    s->v = cs_xrealloc(s->v, s->cap * sizeof *s->v);
  }
  s->v[s->n++] = t;
}

static void sv_own(stackv_t *s, mn_txpow_t *t) {
  if (s->nown == s->capown) {
    s->capown = s->capown ? s->capown * 2 : 16;
    s->owned = cs_xrealloc(s->owned, s->capown * sizeof *s->owned);
  }
  s->owned[s->nown++] = t;
}

static void sv_free(const cs_env_t *env, stackv_t *s) {
  for (size_t i = 0; i < s->nown; i++)
    env->obj->free(s->owned[i]);
  free(s->owned);
  free(s->v);
}

/* Child block ids stored under parent. */
static void children_of(cs_t *c, const uint8_t parent[32], mn_buf_t *ids) {
  const mn_host_t *h = c->host;
  mn_txn_t *txn;
  if (h->txn_begin(c->self, MN_TXN_RDONLY, &txn))
    return;
  mn_cursor_t *cur;
  if (h->cursor_open(txn, c->db[CS_DB_CHILDREN], &cur) == 0) {
    mn_val_t k = {parent, 32}, v;
    int rc = h->cursor_get(cur, &k, &v, MN_CURSOR_SET);
    while (rc == 0 && k.size == 32 && memcmp(k.data, parent, 32) == 0) {
      if (v.size == 32)
        mn_buf_put(ids, v.data, 32);
      rc = h->cursor_get(cur, &k, &v, MN_CURSOR_NEXT);
    }
    h->cursor_close(cur);
  }
  h->txn_abort(txn);
}

static bool valid_range(cs_t *c, int64_t blk) {
  cs_tree_t *t = &c->tree;
  if (!t->root || !t->tip)
    return false;
  if (c->env.p.test_range)
    return blk > t->root->number;
  if (t->tip->number < 1000)
    return true;
  return blk > t->root->number + c->env.p.speed_calc;
}

static void reject_block(cs_t *c, const mn_txpow_t *t, const cs_fail_t *f) {
  cs_note_reject(c, f->reason, t->txpowid, f->msg);
  cs_publish_txpow(c, c->t_rejected, MN_CHAIN_REJECTED, MN_CHAIN_STAGE_BLOCK,
                   f->reason, false, 0, t->txpowid, cs_txpow_number(&c->env, t),
                   t, f->msg);
  cs_idmap_put(&c->invalid, t->txpowid, (void *)1);
}

/* Connects what can be connected starting from t; true when the tree
 * changed.  origin is who sent t (for chain.need). */
static bool process(cs_t *c, const mn_txpow_t *first, uint64_t origin) {
  const cs_env_t *env = &c->env;
  stackv_t s = {0};
  bool added = false;
  sv_push(&s, first);
  while (s.n) {
    const mn_txpow_t *t = s.v[--s.n];
    if (!t->is_block)
      continue;
    int64_t blk = cs_txpow_number(env, t);
    if (!valid_range(c, blk))
      continue;
    if (cs_tree_find(&c->tree, t->txpowid) ||
        cs_idmap_get(&c->invalid, t->txpowid))
      continue;
    const mn_data_t *pid = mn_txpow_parent(t);
    cs_node_t *parent =
        pid->len == 32 ? cs_tree_find(&c->tree, pid->data) : NULL;
    if (!parent) {
      if (pid->len == 32 && cs_idmap_get(&c->invalid, pid->data)) {
        cs_fail_t f = {MN_CHAIN_R_INVALID_PARENT, "its parent is invalid"};
        reject_block(c, t, &f);
        unstore_txpow(c, t);
        continue;
      }
      mn_txpow_t *owned = NULL;
      const mn_txpow_t *p =
          pid->len == 32 ? cs_txpow_find(c, pid->data, &owned) : NULL;
      if (p) {
        if (owned)
          sv_own(&s, owned);
        sv_push(&s, p);
      }
      continue;
    }
    /* All the block's txns must be here. */
    uint32_t nl = t->body ? t->body->n_txpowlist : 0;
    const mn_txpow_t **txns = cs_xcalloc(nl, sizeof *txns);
    cs_scripts_t **scr = cs_xcalloc(nl, sizeof *scr);
    bool all = true;
    mn_buf_t missing = {0};
    for (uint32_t i = 0; i < nl; i++) {
      const mn_data_t *id = &t->body->txpowlist[i];
      mn_txpow_t *owned = NULL;
      const mn_txpow_t *x =
          id->len == 32 ? cs_txpow_find(c, id->data, &owned) : NULL;
      if (!x) {
        all = false;
        if (id->len == 32)
          mn_buf_put(&missing, id->data, 32);
        continue;
      }
      if (owned)
        sv_own(&s, owned);
      txns[i] = x;
      cs_entry_t *e = cs_idmap_get(&c->ram, x->txpowid);
      scr[i] = e ? &e->scripts : NULL;
    }
    if (!all) {
      cs_publish_need(c, origin, t->txpowid, &missing);
      mn_buf_free(&missing);
      free(txns);
      free(scr);
      continue;
    }
    mn_buf_free(&missing);
    cs_entry_t *be = cs_idmap_get(&c->ram, t->txpowid);
    cs_scripts_t local = {0};
    cs_fail_t f = {0};
    bool ok = cs_check_block(env, parent, &c->casc, t,
                             be ? &be->scripts : &local, txns, scr, nl, &f);
    mn_txblock_t *tb = NULL;
    int rc = ok ? cs_txblock_build(env, parent->mmr, t, txns, nl, &tb) : 0;
    free(txns);
    free(scr);
    if (!ok || rc) {
      if (ok)
        snprintf(f.msg, sizeof f.msg, "cannot build the TxBlock: %s",
                 mn_strerror(rc)),
            f.reason = MN_CHAIN_R_INTERNAL;
      reject_block(c, t, &f);
      unstore_txpow(c, t);
      continue;
    }
    cs_node_t *n;
    if (make_node(c, tb, NULL, &n))
      continue;
    cs_tree_add_child(&c->tree, parent, n);
    node_store(c, n);
    c->stats.blocks_added++;
    added = true;
    mn_buf_t kids = {0};
    children_of(c, n->txpow->txpowid, &kids);
    for (size_t k = 0; k + 32 <= kids.len; k += 32) {
      mn_txpow_t *owned = NULL;
      const mn_txpow_t *x = cs_txpow_find(c, kids.data + k, &owned);
      if (x) {
        if (owned)
          sv_own(&s, owned);
        sv_push(&s, x);
      }
    }
    mn_buf_free(&kids);
  }
  sv_free(env, &s);
  return added;
}

void cs_collect_missing(cs_t *c, const mn_txpow_t *block, mn_buf_t *ids) {
  const mn_txbody_t *b = block->body;
  for (uint32_t i = 0; b && i < b->n_txpowlist; i++)
    if (b->txpowlist[i].len == 32 && !cs_txpow_exists(c, b->txpowlist[i].data))
      mn_buf_put(ids, b->txpowlist[i].data, 32);
  int64_t rootn = c->tree.root ? c->tree.root->number : 0;
  const mn_txpow_t *cur = block;
  mn_txpow_t *owned = NULL;
  for (int counter = 0; counter < 512; counter++) {
    if (cs_txpow_number(&c->env, cur) <= rootn)
      break;
    const mn_data_t *pid = mn_txpow_parent(cur);
    if (pid->len != 32)
      break;
    cs_node_t *pn = cs_tree_find(&c->tree, pid->data);
    if (pn && pn->on_main)
      break;
    mn_txpow_t *pown = NULL;
    const mn_txpow_t *parent = cs_txpow_find(c, pid->data, &pown);
    if (!parent) {
      mn_buf_put(ids, pid->data, 32);
      break;
    }
    const mn_txbody_t *pb = parent->body;
    for (uint32_t i = 0; pb && i < pb->n_txpowlist; i++)
      if (pb->txpowlist[i].len == 32 &&
          !cs_txpow_exists(c, pb->txpowlist[i].data))
        mn_buf_put(ids, pb->txpowlist[i].data, 32);
    c->env.obj->free(owned);
    owned = pown;
    cur = parent;
  }
  c->env.obj->free(owned);
}

/* ---- receiving (NIOMessage MSG_TXPOW, after the work-queue checks) ------- */

static bool mempool_has_coin(cs_t *c, const mn_data_t *coinid) {
  size_t it = 0;
  void *v;
  while (cs_idmap_next(&c->ram, &it, NULL, &v)) {
    cs_entry_t *e = v;
    if (!e->is_txn || e->in_cascade)
      continue;
    const mn_txbody_t *b = e->txpow->body;
    for (uint32_t i = 0; i < b->witness.n_coinproofs; i++)
      if (cs_data_eq(&b->witness.coinproofs[i].coin.coinid, coinid))
        return true;
    for (uint32_t i = 0; i < b->burnwitness.n_coinproofs; i++)
      if (cs_data_eq(&b->burnwitness.coinproofs[i].coin.coinid, coinid))
        return true;
  }
  return false;
}

static bool mempool_coins(cs_t *c, const mn_txpow_t *t) {
  const mn_txbody_t *b = t->body;
  for (uint32_t i = 0; i < b->witness.n_coinproofs; i++)
    if (mempool_has_coin(c, &b->witness.coinproofs[i].coin.coinid))
      return true;
  for (uint32_t i = 0; i < b->burnwitness.n_coinproofs; i++)
    if (mempool_has_coin(c, &b->burnwitness.coinproofs[i].coin.coinid))
      return true;
  return false;
}

static void not_relayed(mn_chain_verdict_t *v, mn_chain_reason_t r, char *msg,
                        size_t cap, const char *text) {
  if (v->relay) {
    v->relay = false;
    v->reason = r;
    snprintf(msg, cap, "%s", text);
  }
}

void cs_receive(cs_t *c, mn_txpow_t *txpow, uint64_t origin,
                const cs_entry_result_t *er, mn_chain_verdict_t *v, char *msg,
                size_t msgcap) {
  const cs_env_t *env = &c->env;
  uint8_t id[32];
  memcpy(id, txpow->txpowid, 32);
  memset(v, 0, sizeof *v);
  v->size = sizeof *v;
  v->stage = MN_CHAIN_STAGE_ENTRY;
  v->is_block = txpow->is_block;
  v->is_txn = mn_txpow_is_txn(txpow);
  memcpy(v->txpowid, id, 32);
  v->blocknumber = cs_txpow_number(env, txpow);
  msg[0] = 0;
  v->message = msg;
  c->stats.received++;
  cs_publish_txpow(c, c->t_received, 0, MN_CHAIN_STAGE_ENTRY, MN_CHAIN_R_NONE,
                   false, origin, id, v->blocknumber, txpow, "");
  if (cs_txpow_exists(c, id) || cs_idmap_get(&c->invalid, id)) {
    v->status = MN_CHAIN_KNOWN;
    c->stats.known++;
    env->obj->free(txpow);
    return;
  }
  cs_node_t *tip = c->tree.tip;
  if (!tip) {
    v->status = MN_CHAIN_REJECTED;
    v->reason = MN_CHAIN_R_NO_TIP;
    snprintf(msg, msgcap, "the node has no chain yet");
    env->obj->free(txpow);
    return;
  }
  const mn_magic_t *tm = &tip->txpow->header.magic;
  int64_t maxsize = 0;
  if (env->num->to_i64(&tm->max_txpow_size, &maxsize))
    maxsize = INT64_MAX;
  cs_fail_t f = er->fail;
  bool groupa = true;
  if (!er->basic_ok || !er->sig_ok) {
    groupa = false;
  } else if (!cs_check_state_size(env, txpow, maxsize)) {
    groupa = false;
    f.reason = MN_CHAIN_R_STATE_SIZE;
    snprintf(f.msg, sizeof f.msg, "stored state larger than %lld bytes",
             (long long)maxsize);
  }
  if (!groupa) {
    v->status = MN_CHAIN_REJECTED;
    v->reason = f.reason;
    v->disconnect = true;
    snprintf(msg, msgcap, "%s", f.msg);
    cs_note_reject(c, f.reason, id, f.msg);
    cs_publish_txpow(c, c->t_rejected, MN_CHAIN_REJECTED, MN_CHAIN_STAGE_ENTRY,
                     f.reason, false, origin, id, v->blocknumber, txpow, f.msg);
    env->obj->free(txpow);
    return;
  }
  /* Fully valid decides only whether it is announced. */
  v->relay = true;
  if (txpow->is_block) {
    const mn_data_t *td = &tip->txpow->header.blockdifficulty;
    const mn_data_t *bd = &txpow->header.blockdifficulty;
    mn_uint_t a, b, hundred;
    env->obj->uint_from_u64(&hundred, 100);
    if (env->obj->uint_from_bytes(&a, td->data, td->len) == 0 &&
        env->obj->uint_from_bytes(&b, bd->data, bd->len) == 0 &&
        env->obj->uint_mul(&a, &a, &hundred) == 0 &&
        env->obj->uint_cmp(&a, &b) < 0)
      not_relayed(v, MN_CHAIN_R_EASY_BLOCK, msg, msgcap,
                  "block difficulty far easier than the tip's");
  }
  bool beforecascade = false;
  if (c->tree.root && v->blocknumber < c->tree.root->number) {
    beforecascade = true;
    not_relayed(v, MN_CHAIN_R_BEFORE_CASCADE, msg, msgcap,
                "older than the tree root");
  }
  if (!cs_check_relay(env, txpow))
    not_relayed(v, MN_CHAIN_R_RELAY_POLICY, msg, msgcap,
                "outside the relay policy");
  if (!er->scripts_ok) {
    if (er->script_error || cs_scripts_monotonic(txpow, &er->scripts)) {
      /* A monotonic transaction whose scripts fail never becomes valid:
       * it is dropped. */
      v->status = MN_CHAIN_REJECTED;
      v->reason = MN_CHAIN_R_SCRIPT;
      v->relay = false;
      snprintf(msg, msgcap, "%s", er->script_fail.msg);
      cs_note_reject(c, MN_CHAIN_R_SCRIPT, id, er->script_fail.msg);
      cs_publish_txpow(c, c->t_rejected, MN_CHAIN_REJECTED,
                       MN_CHAIN_STAGE_ENTRY, MN_CHAIN_R_SCRIPT, false, origin,
                       id, v->blocknumber, txpow, er->script_fail.msg);
      env->obj->free(txpow);
      return;
    }
    not_relayed(v, MN_CHAIN_R_SCRIPT, msg, msgcap, er->script_fail.msg);
  }
  if (txpow->is_block &&
      cs_txpow_time(env, txpow) > (int64_t)c->host->now_ms() + 7200000)
    not_relayed(v, MN_CHAIN_R_FUTURE, msg, msgcap,
                "block time more than 2 h in the future");
  if (mn_txpow_size_no_txns(txpow) > (uint64_t)(maxsize < 0 ? 0 : maxsize))
    not_relayed(v, MN_CHAIN_R_SIZE, msg, msgcap,
                "larger than the magic size limit");
  if (mempool_coins(c, txpow))
    not_relayed(v, MN_CHAIN_R_DOUBLE_SPEND, msg, msgcap,
                "an input is already spent by a pending TxPoW");
  cs_fail_t mf;
  if (!cs_check_mmr(env, tip->mmr, txpow, &mf))
    not_relayed(v, MN_CHAIN_R_MMR_PROOF, msg, msgcap, mf.msg);
  if (c->mempool_full) {
    mn_num_t burn;
    if (env->obj->txpow_burn(txpow, &burn) == 0 &&
        env->num->cmp(&burn, &c->min_burn) <= 0)
      not_relayed(v, MN_CHAIN_R_MEMPOOL_FULL, msg, msgcap,
                  "mempool full and burn too low");
  }
  if (!v->relay && v->reason != MN_CHAIN_R_NONE)
    c->stats.rejected[v->reason]++;
  v->status = MN_CHAIN_ACCEPTED;
  c->stats.accepted++;
  bool is_block = txpow->is_block;
  cs_entry_t *e = store_txpow(c, txpow);
  e->scripts = er->scripts;
  const mn_txpow_t *t = e->txpow;
  cs_publish_txpow(c, c->t_accepted, MN_CHAIN_ACCEPTED, MN_CHAIN_STAGE_ENTRY,
                   v->reason, v->relay, origin, id, v->blocknumber, t, msg);
  if (process(c, t, origin))
    cs_recalc(c);
  if (is_block && !beforecascade && cs_idmap_get(&c->ram, id)) {
    mn_buf_t ids = {0};
    cs_collect_missing(c, t, &ids);
    cs_publish_need(c, origin, id, &ids);
    mn_buf_free(&ids);
  }
  cs_commit(c);
}

/* ---- generation (TxPoWGenerator.generateTxPoW) --------------------------- */

typedef struct memtx {
  cs_entry_t *e;
  mn_num_t burn;
} memtx_t;

static const mn_num_api_t *g_sort_num; /* qsort has no context argument */

static int by_burn_desc(const void *a, const void *b) {
  const memtx_t *x = a, *y = b;
  return g_sort_num->cmp(&y->burn, &x->burn);
}

static bool ids_contain(const mn_data_t **ids, size_t n, const mn_data_t *id) {
  for (size_t i = 0; i < n; i++)
    if (cs_data_eq(ids[i], id))
      return true;
  return false;
}

static size_t add_ids(const mn_txpow_t *t, const mn_data_t ***ids, size_t n,
                      size_t *cap) {
  const mn_txbody_t *b = t->body;
  const mn_witness_t *ws[2] = {&b->witness, &b->burnwitness};
  for (int k = 0; k < 2; k++)
    for (uint32_t i = 0; i < ws[k]->n_coinproofs; i++) {
      if (n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        *ids = cs_xrealloc(*ids, *cap * sizeof **ids);
      }
      (*ids)[n++] = &ws[k]->coinproofs[i].coin.coinid;
    }
  return n;
}

static bool any_id_in(const mn_txpow_t *t, const mn_data_t **ids, size_t n) {
  const mn_txbody_t *b = t->body;
  for (uint32_t i = 0; i < b->witness.n_coinproofs; i++)
    if (ids_contain(ids, n, &b->witness.coinproofs[i].coin.coinid))
      return true;
  for (uint32_t i = 0; i < b->burnwitness.n_coinproofs; i++)
    if (ids_contain(ids, n, &b->burnwitness.coinproofs[i].coin.coinid))
      return true;
  return false;
}

int cs_generate(cs_t *c, const mn_txpow_t *draft, mn_txpow_t **out) {
  const cs_env_t *env = &c->env;
  const mn_obj_api_t *obj = env->obj;
  const mn_num_api_t *num = env->num;
  *out = NULL;
  cs_node_t *tip = c->tree.tip;
  if (!tip)
    return MN_ESTATE;
  mn_txpow_t *t = NULL;
  int rc = draft ? mn_txpow_copy(obj, draft, &t) : mn_txpow_new(obj, &t);
  if (rc)
    return rc;
  if (!t->body) {
    obj->free(t);
    return MN_EINVAL;
  }
  if (draft) {
    /* A fresh random PRNG and an empty block list, as a new TxPoW has. */
    uint8_t prng[32];
    if ((rc = c->host->crypto->random(prng, 32)) ||
        (rc = obj->dup(t, prng, 32, &t->body->prng)))
      goto fail;
    t->body->n_txpowlist = 0;
    t->body->cap_txpowlist = 0;
    t->body->txpowlist = NULL;
  }
  mn_txheader_t *h = &t->header;
  mn_num_t one;
  num->from_i64(&one, 1);
  if ((rc = num->add(&h->blocknumber, &tip->txpow->header.blocknumber, &one)))
    goto fail;
  int64_t now = (int64_t)c->host->now_ms();
  cs_node_t *med = cs_median_time_block(env, tip, env->p.median_calc * 2);
  int64_t mintime = med->time, maxtime = med->time + 86400000;
  if (now < mintime)
    now = mintime + 50000;
  else if (now > maxtime)
    now = maxtime;
  num->from_i64(&h->timemilli, now);
  /* Magic: the parent's next current values, default desired ones. */
  uint8_t work[64];
  mn_magic_t mg;
  if ((rc = obj->magic_next(&tip->txpow->header.magic, &mg, work)))
    goto fail;
  if ((rc = obj->dup(t, mg.min_txpow_work.data, mg.min_txpow_work.len,
                     &mg.min_txpow_work)))
    goto fail;
  h->magic = mg;
  /* Super parents: the tip's, then the tip itself at its levels. */
  for (int i = 0; i < MN_CASCADE_LEVELS; i++)
    h->superparents[i] = tip->txpow->header.superparents[i];
  mn_data_t tipid;
  if ((rc = obj->dup(t, tip->txpow->txpowid, 32, &tipid)))
    goto fail;
  for (int i = tip->txpow->superlevel; i >= 0; i--)
    if (i < MN_CASCADE_LEVELS)
      h->superparents[i] = tipid;
  uint8_t bd[64], td[64];
  size_t bdl, tdl;
  if ((rc = cs_next_difficulty(env, tip, bd, &bdl)) ||
      (rc = obj->dup(t, bd, bdl, &h->blockdifficulty)))
    goto fail;
  if ((rc = cs_txn_difficulty(env, &c->hashrate, &h->blockdifficulty,
                              &mg.min_txpow_work, td, &tdl)) ||
      (rc = obj->dup(t, td, tdl, &t->body->txndifficulty)))
    goto fail;
  if ((rc = obj->txpow_compute(t)))
    goto fail;

  /* The mempool, by burn, at most mempool_max kept. */
  size_t n = 0, it = 0;
  void *v;
  memtx_t *mem = cs_xcalloc(c->ram.n + 1, sizeof *mem);
  while (cs_idmap_next(&c->ram, &it, NULL, &v)) {
    cs_entry_t *e = v;
    if (e->on_main || !e->is_txn || e->in_cascade)
      continue;
    mem[n].e = e;
    if (obj->txpow_burn(e->txpow, &mem[n].burn))
      num->from_i64(&mem[n].burn, 0);
    n++;
  }
  g_sort_num = num;
  qsort(mem, n, sizeof *mem, by_burn_desc);
  c->mempool_full = false;
  if (n > (size_t)env->p.mempool_max) {
    c->mempool_full = true;
    c->min_burn = mem[env->p.mempool_max].burn;
    for (size_t i = (size_t)env->p.mempool_max; i < n; i++)
      ram_del(c, mem[i].e->txpow->txpowid);
    n = (size_t)env->p.mempool_max;
  }
  const mn_data_t **ids = NULL;
  size_t nids = 0, capids = 0;
  nids = add_ids(t, &ids, nids, &capids);
  const mn_txpow_t **chosen = cs_xcalloc(n + 1, sizeof *chosen);
  size_t nchosen = 0;
  int64_t maxsize = 0;
  if (num->to_i64(&mg.max_txpow_size, &maxsize))
    maxsize = INT64_MAX;
  int32_t maxtxns = num->to_i32_wrap(&mg.max_txns);
  uint8_t(*drop)[32] = cs_xcalloc(n + 1, 32);
  size_t ndrop = 0;
  for (size_t i = 0; i < n; i++) {
    cs_entry_t *e = mem[i].e;
    const mn_txpow_t *m = e->txpow;
    bool valid = e->rejects <= 3;
    if (valid) {
      if (any_id_in(m, ids, nids)) {
        e->rejects++;
        continue;
      }
      const mn_data_t *mtd = &m->body->txndifficulty;
      if (mn_txpow_size_no_txns(m) > (uint64_t)(maxsize < 0 ? 0 : maxsize) ||
          obj->data_cmp_value(mtd->data, mtd->len, mg.min_txpow_work.data,
                              mg.min_txpow_work.len) > 0)
        valid = false;
    }
    if (valid) {
      cs_fail_t f;
      if (cs_check_simple(env, tip->mmr, m, t, &e->scripts, &f)) {
        mn_data_t idd = {m->txpowid, 32};
        if ((rc = mn_add_body_txpowlist(obj, t, t->body, &idd)))
          break;
        chosen[nchosen++] = m;
        nids = add_ids(m, &ids, nids, &capids);
      } else {
        e->rejects++;
      }
    } else {
      memcpy(drop[ndrop++], m->txpowid, 32);
    }
    if ((int64_t)nchosen >= (int64_t)maxtxns)
      break;
  }
  free(ids);
  free(mem);
  if (!rc && (rc = obj->txpow_compute(t)) == 0) {
    mn_txblock_t *tb = NULL;
    cs_mmr_t *layer = NULL;
    rc = cs_txblock_build(env, tip->mmr, t, chosen, nchosen, &tb);
    if (!rc)
      rc = cs_txblock_layer(env, tb, &layer, NULL);
    mn_mmrdata_t root;
    if (!rc && (rc = cs_mmr_root(env, layer, &root)) == 0) {
      rc = obj->dup(t, root.hash, root.len, &h->mmrroot);
      h->mmrtotal = root.value;
    }
    cs_mmr_free(layer);
    obj->free(tb);
  }
  free(chosen);
  for (size_t i = 0; i < ndrop; i++)
    ram_del(c, drop[i]);
  free(drop);
  if (rc)
    goto fail;
  if ((rc = obj->txpow_set_bodyhash(t, t)) || (rc = obj->txpow_compute(t)))
    goto fail;
  *out = t;
  return 0;
fail:
  obj->free(t);
  return rc;
}

/* ---- coins --------------------------------------------------------------- */

static bool coin_match(const cs_env_t *env, const mn_coin_t *coin,
                       const mn_chain_coin_query_t *q) {
  if ((q->flags & MN_CHAIN_Q_TOKENID) &&
      !cs_data_eq(&coin->tokenid, &q->tokenid))
    return false;
  if ((q->flags & MN_CHAIN_Q_COINID) && !cs_data_eq(&coin->coinid, &q->coinid))
    return false;
  if ((q->flags & MN_CHAIN_Q_AMOUNT) &&
      env->num->cmp(&coin->amount, &q->amount) != 0)
    return false;
  if ((q->flags & MN_CHAIN_Q_ADDRESS) &&
      !cs_data_eq(&coin->address, &q->address))
    return false;
  return true;
}

typedef struct seen {
  const mn_data_t **ids;
  size_t n, cap;
} seen_t;

static bool seen_has(const seen_t *s, const mn_data_t *id) {
  return ids_contain(s->ids, s->n, id);
}

static void seen_add(seen_t *s, const mn_data_t *id) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->ids = cs_xrealloc(s->ids, s->cap * sizeof *s->ids);
  }
  s->ids[s->n++] = id;
}

int cs_coins_search(cs_t *c, cs_node_t *start, const mn_chain_coin_query_t *q,
                    mn_chain_coin_cb cb, void *data) {
  seen_t s = {0};
  int rc = 0;
  int64_t depth = 0;
  for (cs_node_t *n = start; n && !rc; n = n->parent) {
    if (q->depth >= 0 && depth++ > q->depth)
      break;
    if (!n->coins)
      continue;
    for (uint32_t i = 0; i < n->coins->n_newcoins && !rc; i++) {
      const mn_coin_t *coin = &n->coins->newcoins[i];
      if ((q->flags & MN_CHAIN_Q_RELEVANT) &&
          !cs_node_is_relevant(n, coin->mmrentry))
        continue;
      if (!coin_match(&c->env, coin, q))
        continue;
      if (coin->spent) {
        seen_add(&s, &coin->coinid);
      } else if (!seen_has(&s, &coin->coinid)) {
        seen_add(&s, &coin->coinid);
        if (cb)
          rc = cb(coin, data);
      }
    }
  }
  free(s.ids);
  return rc;
}

int64_t cs_proof_block(cs_t *c, int64_t newest) {
  cs_node_t *tip = c->tree.tip;
  if (!tip)
    return -1;
  int64_t d = tip->number - newest;
  if (d < 0)
    d = 0;
  if (d > c->env.p.proof_history)
    d = c->env.p.proof_history;
  int64_t b = tip->number - d;
  if (c->tree.root && b < c->tree.root->number)
    b = c->tree.root->number;
  return b;
}

int cs_coin_proof(cs_t *c, const mn_coin_t *coin, int64_t block,
                  mn_coinproof_t **out) {
  const mn_obj_api_t *obj = c->env.obj;
  *out = NULL;
  if (!c->tree.tip)
    return MN_ESTATE;
  if (block < 0) {
    int64_t created;
    if (cs_num_i64(&c->env, &coin->created, &created))
      return MN_EINVAL;
    block = cs_proof_block(c, created);
  }
  cs_node_t *n = cs_node_at(c->tree.tip, block);
  if (!n)
    return MN_ENOENT;
  const mn_mmrdata_t *have = cs_mmr_get(n->mmr, 0, coin->mmrentry, 0);
  if (!have)
    return MN_ENOENT;
  mn_mmrdata_t want;
  int rc = obj->coin_leaf(coin, false, &want);
  if (rc)
    return rc;
  if (!obj->mmr_equal(have, &want))
    return MN_EINVALID;
  mn_mmrproof_t *proof;
  if ((rc = mn_mmrproof_new(obj, &proof)))
    return rc;
  mn_buf_t b = {0};
  if (!(rc = cs_mmr_proof_to_peak(&c->env, n->mmr, coin->mmrentry, proof,
                                  proof)) &&
      !(rc = mn_coin_encode(obj, coin, &b)) &&
      !(rc = mn_mmrproof_encode(obj, proof, &b)))
    rc = mn_coinproof_decode(obj, b.data, b.len, NULL, out);
  mn_buf_free(&b);
  obj->free(proof);
  return rc;
}

/* ---- sync blocks (IBD) --------------------------------------------------- */

int cs_add_sync_block(cs_t *c, const mn_txblock_t *tb, bool *added) {
  *added = false;
  mn_txblock_t *copy;
  int rc = mn_txblock_copy(c->env.obj, tb, &copy);
  if (rc)
    return rc;
  if (!c->tree.root) {
    const cs_cnode_t *ct = cs_cascade_tip(&c->casc);
    if (ct && cs_txpow_number(&c->env, ct->txpow) + 1 !=
                  cs_txpow_number(&c->env, &tb->txpow)) {
      c->env.obj->free(copy);
      return MN_EINVALID;
    }
    cs_node_t *n;
    if ((rc = make_node(c, copy, NULL, &n)))
      return rc;
    cs_tree_set_root(&c->env, &c->tree, n);
    cs_op_put(c, CS_DB_META, "root", 4, n->txpow->txpowid, 32);
    node_store(c, n);
    *added = true;
    /* a chainless node's first block is its tip at once, as a genesis
     * is: cs_recalc only sees moves from here */
    publish_block(c, c->t_connected, n, false);
    publish_tip(c, n, -1, NULL, -1, 0, 1);
    goto stored;
  }
  if (cs_tree_find(&c->tree, tb->txpow.txpowid)) {
    c->env.obj->free(copy);
    return 0;
  }
  const mn_data_t *pid = mn_txpow_parent(&tb->txpow);
  cs_node_t *parent = pid->len == 32 ? cs_tree_find(&c->tree, pid->data) : NULL;
  if (!parent) {
    c->env.obj->free(copy);
    return MN_EINVALID;
  }
  cs_node_t *n;
  if ((rc = make_node(c, copy, NULL, &n)))
    return rc;
  cs_tree_add_child(&c->tree, parent, n);
  node_store(c, n);
  *added = true;
stored:
  if (!cs_txpow_exists(c, tb->txpow.txpowid)) {
    mn_txpow_t *t;
    if (mn_txpow_copy(c->env.obj, &tb->txpow, &t) == 0)
      store_txpow(c, t);
  }
  return 0;
}

int cs_install_cascade(cs_t *c, const cs_cascade_t *casc) {
  cs_cascade_t copy;
  int rc = cs_cascade_copy(&c->env, casc, &copy);
  if (rc)
    return rc;
  cs_cascade_free(&c->env, &c->casc);
  c->casc = copy;
  put_meta_cascade(c);
  return 0;
}

/* ---- genesis ------------------------------------------------------------- */

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* 0x hex or Mx text into bytes (1..64). */
static int parse_address(cs_t *c, const char *a, mn_buf_t *out) {
  size_t l = strlen(a);
  int rc = 0;
  if (l > 2 && (a[0] == 'M' || a[0] == 'm') && (a[1] == 'x' || a[1] == 'X')) {
    rc = c->host->crypto->mx_decode(a, l, out);
  } else if (l > 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X') &&
             l % 2 == 0) {
    for (size_t i = 2; i < l; i += 2) {
      int hi = hexval(a[i]), lo = hexval(a[i + 1]);
      if (hi < 0 || lo < 0)
        return MN_EINVAL;
      mn_buf_put_u8(out, (uint8_t)(hi << 4 | lo));
    }
  } else {
    rc = MN_EINVAL;
  }
  if (!rc && (out->len == 0 || out->len > 64))
    rc = MN_EINVAL;
  return rc ? rc : out->err;
}

static int make_genesis(cs_t *c) {
  const cs_env_t *env = &c->env;
  uint8_t payout[64];
  size_t plen = 0;
  if (c->genesis_address[0]) {
    mn_buf_t pb = {0};
    int rc = parse_address(c, c->genesis_address, &pb);
    if (!rc) {
      memcpy(payout, pb.data, pb.len);
      plen = pb.len;
    }
    mn_buf_free(&pb);
    if (rc) {
      c->host->log(c->self, MN_LOG_ERROR,
                   "consensus.genesis_address \"%s\" is not 0x hex or an Mx "
                   "address of at most 64 bytes; set a valid address or "
                   "leave it empty",
                   c->genesis_address);
      return rc;
    }
  } else if (c->h_genesis) {
    mn_chain_genesis_t g = {.size = sizeof g};
    if (c->host->hook_call(c->h_genesis, &g) == MN_HOOK_ACCEPT && g.set) {
      memcpy(payout, g.address, 32);
      plen = 32;
    }
  }
  mn_txpow_t *t;
  mn_txblock_t *tb;
  int rc = cs_genesis(env, (int64_t)c->host->now_ms(), plen ? payout : NULL,
                      plen, &t, &tb);
  if (rc)
    return rc;
  cs_node_t *n;
  if ((rc = make_node(c, tb, NULL, &n))) {
    env->obj->free(t);
    return rc;
  }
  cs_tree_set_root(env, &c->tree, n);
  cs_op_put(c, CS_DB_META, "root", 4, n->txpow->txpowid, 32);
  node_store(c, n);
  store_txpow(c, t);
  char hex[80];
  c->host->log(c->self, MN_LOG_INFO, "genesis block created: %s",
               cs_hex(n->txpow->txpowid, 32, hex, sizeof hex));
  publish_block(c, c->t_connected, n, false);
  publish_tip(c, n, -1, NULL, -1, 0, 1);
  mark_main(c);
  return cs_commit(c);
}

/* ---- loading ------------------------------------------------------------- */

typedef struct loaded {
  cs_node_t *node;
  uint64_t seq;
} loaded_t;

static int by_seq(const void *a, const void *b) {
  const loaded_t *x = a, *y = b;
  return (x->seq > y->seq) - (x->seq < y->seq);
}

static int load_chain(cs_t *c) {
  const mn_host_t *h = c->host;
  mn_buf_t root = {0}, casc = {0}, seq = {0};
  int rc = cs_db_read(c, CS_DB_META, "root", 4, &root);
  if (rc == MN_ENOENT) {
    mn_buf_free(&root);
    return 0;
  }
  if (rc || root.len != 32) {
    mn_buf_free(&root);
    return rc ? rc : MN_ECORRUPT;
  }
  if (cs_db_read(c, CS_DB_META, "seq", 3, &seq) == 0 && seq.len == 8)
    for (int i = 0; i < 8; i++)
      c->node_seq = c->node_seq << 8 | seq.data[i];
  mn_buf_free(&seq);
  if (cs_db_read(c, CS_DB_META, "cascade", 7, &casc) == 0 && casc.len) {
    mn_cascade_t *o;
    if (mn_cascade_decode(c->env.obj, casc.data, casc.len, NULL, &o) == 0) {
      /* Stored levels are kept as written (the cascade was chained). */
      for (uint32_t i = o->n_nodes; i-- > 0;) {
        mn_txpow_t *copy;
        if (mn_txpow_copy(c->env.obj, &o->nodes[i].txpow, &copy) == 0)
          cs_cascade_push(&c->casc, copy, o->nodes[i].level);
      }
      c->env.obj->free(o);
      cs_cascade_chain(&c->env, &c->casc);
    }
  }
  mn_buf_free(&casc);
  /* Every node record, attached in insertion order. */
  loaded_t *all = NULL;
  size_t n = 0, cap = 0;
  mn_txn_t *txn;
  if ((rc = h->txn_begin(c->self, MN_TXN_RDONLY, &txn)))
    goto out;
  mn_cursor_t *cur;
  if ((rc = h->cursor_open(txn, c->db[CS_DB_NODE], &cur)) == 0) {
    mn_val_t k, v;
    int r = h->cursor_get(cur, &k, &v, MN_CURSOR_FIRST);
    while (r == 0) {
      cs_node_t *node;
      uint64_t sq;
      if (load_node(c, v.data, v.size, &node, &sq) == 0) {
        if (n == cap) {
          cap = cap ? cap * 2 : 256;
          all = cs_xrealloc(all, cap * sizeof *all);
        }
        all[n].node = node;
        all[n].seq = sq;
        n++;
      } else {
        h->log(c->self, MN_LOG_WARN,
               "a stored tree node is unreadable; "
               "it is skipped");
      }
      r = h->cursor_get(cur, &k, &v, MN_CURSOR_NEXT);
    }
    h->cursor_close(cur);
  }
  h->txn_abort(txn);
  qsort(all, n, sizeof *all, by_seq);
  cs_node_t *rootn = NULL;
  for (size_t i = 0; i < n; i++)
    if (memcmp(all[i].node->txpow->txpowid, root.data, 32) == 0) {
      rootn = all[i].node;
      all[i].node = NULL;
    }
  if (!rootn) {
    h->log(c->self, MN_LOG_ERROR,
           "the stored chain has no root node: the store is damaged; move "
           "the data directory away to start a new chain");
    rc = MN_ECORRUPT;
    goto out;
  }
  c->tree.root = rootn;
  cs_mmr_set_parent(rootn->mmr, NULL);
  cs_idmap_put(&c->tree.map, rootn->txpow->txpowid, rootn);
  size_t dropped = 0;
  for (size_t i = 0; i < n; i++) {
    cs_node_t *node = all[i].node;
    if (!node)
      continue;
    const mn_data_t *pid = mn_txpow_parent(node->txpow);
    cs_node_t *parent =
        pid->len == 32 ? cs_tree_find(&c->tree, pid->data) : NULL;
    if (!parent) {
      cs_op_del(c, CS_DB_NODE, node->txpow->txpowid, 32);
      cs_node_free(&c->env, node);
      dropped++;
      continue;
    }
    cs_tree_add_child(&c->tree, parent, node);
  }
  if (dropped)
    h->log(c->self, MN_LOG_INFO,
           "%zu stored nodes no longer attach and "
           "were dropped",
           dropped);
  cs_tree_recalc(&c->env, &c->tree);
  /* Finalise layers root first so children see finished parents. */
  for (cs_node_t *x = c->tree.tip; x; x = x->parent)
    cs_mmr_finalize(&c->env, x->mmr);
  cs_commit(c);
  rc = 0;
out:
  for (size_t i = 0; rc && i < n; i++)
    cs_node_free(&c->env, all[i].node);
  free(all);
  mn_buf_free(&root);
  return rc;
}

/* ---- lifecycle ----------------------------------------------------------- */

int cs_create(mn_plugin_t *self, const mn_host_t *host, const mn_kissvm_t *vm,
              const cs_params_t *p, cs_t **out) {
  *out = NULL;
  cs_t *c = calloc(1, sizeof *c);
  if (!c)
    return MN_ENOMEM;
  c->host = host;
  c->self = self;
  int rc = cs_env_init(&c->env, host->num, host->crypto, host->obj, vm, p);
  if (rc) {
    free(c);
    return rc;
  }
  cs_tree_init(&c->tree);
  cs_cascade_init(&c->casc);
  cs_idmap_init(&c->ram);
  cs_idmap_init(&c->invalid);
  host->num->from_i64(&c->hashrate, 1000000);
  c->best_known = -1;
  c->next_ticket = 1;
  for (int i = 0; i < CS_DB_COUNT && !rc; i++)
    rc = host->db_open(self, db_names[i],
                       i == CS_DB_CHILDREN ? MN_DB_DUPSORT : 0, &c->db[i]);
  if (rc) {
    host->log(self, MN_LOG_ERROR, "cannot open the chain databases: %s",
              mn_strerror(rc));
    cs_destroy(c);
    return rc;
  }
  *out = c;
  return 0;
}

int cs_start(cs_t *c) {
  const mn_host_t *h = c->host;
  c->start_mono = h->mono_ms();
  c->first_ibd_mono = c->start_mono;
  uint32_t schema = 0;
  h->schema_get(c->self, &schema);
  if (schema > CS_SCHEMA) {
    h->log(c->self, MN_LOG_ERROR,
           "the stored chain has data format %u, newer than this plugin's "
           "%u; run a newer minima-c or move the data directory away",
           schema, CS_SCHEMA);
    return MN_EVERSION;
  }
  int rc = load_chain(c);
  if (rc)
    return rc;
  if (c->tree.tip) {
    char hex[80];
    h->log(c->self, MN_LOG_INFO,
           "chain loaded: tip %lld %s, root %lld, "
           "cascade %u",
           (long long)c->tree.tip->number,
           cs_hex(c->tree.tip->txpow->txpowid, 32, hex, sizeof hex),
           (long long)c->tree.root->number, c->casc.n);
  } else if (c->genesis) {
    if ((rc = make_genesis(c)))
      return rc;
  }
  c->started = true;
  /* The timer also does housekeeping; it mines only with automine on. */
  cs_pulse_start(c);
  return 0;
}

static int set_schema(mn_txn_t *txn, void *data) {
  cs_t *c = data;
  return c->host->schema_set(txn, CS_SCHEMA);
}

void cs_stop(cs_t *c) {
  c->stopping = true;
  cs_pulse_stop(c);
  cs_mine_stop_all(c);
  cs_jobs_cancel_all(c);
  cs_ibd_stop_all(c);
  cs_commit(c);
  if (c->started)
    c->host->store_write(c->self, set_schema, c);
}

void cs_destroy(cs_t *c) {
  if (!c)
    return;
  ops_clear(c);
  free(c->ops);
  cs_tree_free(&c->env, &c->tree);
  cs_cascade_free(&c->env, &c->casc);
  size_t it = 0;
  void *v;
  while (cs_idmap_next(&c->ram, &it, NULL, &v))
    ram_free_entry(c, v);
  cs_idmap_free(&c->ram);
  cs_idmap_free(&c->invalid);
  free(c);
}

/* Housekeeping the pulse timer calls. */
void cs_housekeeping(cs_t *c) {
  ram_clean(c);
}
