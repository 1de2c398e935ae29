/*
 * service.c - the "chain" service (minima/svc/chain.h) and the entry
 * checks that run on the work queue.
 *
 * A submitted TxPoW is decoded, checked context-free (basic rules,
 * signatures) and its scripts run against a snapshot of the tip, all on
 * a pool thread; the rest of the reference's MSG_TXPOW handling runs on
 * the loop in cs_receive().  Jobs are listed so stop and cancel() can
 * silence their callbacks.
 */
#include <stdio.h>
#include <string.h>

#include "cons.h"

/* Far above any TxPoW the magic limits allow for a long time. */
#define MAX_TXPOW_BYTES (16u * 1024u * 1024u)

enum { JOB_ENTRY = 1, JOB_IBD };

struct cs_job {
  cs_t *c;
  cs_job_t *next;
  uint64_t ticket;
  bool canceled;
  int kind;
  uint8_t *bytes;
  size_t len;
  mn_txpow_t *txpow;
  mn_ibd_t *ibd;
  int decode_rc;
  uint64_t origin;
  bool have_tip;
  mn_num_t bn, bt, maxops;
  cs_entry_result_t er;
  mn_chain_verdict_cb vcb;
  void *vdata;
  cs_entry_done_fn edone;
  void *edata;
  /* IBD processing in slices. */
  mn_timer_t *timer;
  uint32_t next_block, added;
  mn_chain_verdict_t v;
  char msg[256];
};

static void job_link(cs_t *c, cs_job_t *j) {
  j->ticket = c->next_ticket++;
  j->next = c->jobs;
  c->jobs = j;
}

static void job_unlink(cs_t *c, cs_job_t *j) {
  for (cs_job_t **p = &c->jobs; *p; p = &(*p)->next)
    if (*p == j) {
      *p = j->next;
      return;
    }
}

static void job_free(cs_t *c, cs_job_t *j) {
  free(j->bytes);
  c->env.obj->free(j->txpow);
  c->env.obj->free(j->ibd);
  free(j);
}

static void entry_work(void *data) {
  cs_job_t *j = data;
  const cs_env_t *env = &j->c->env;
  cs_entry_result_t *er = &j->er;
  if (j->bytes) {
    size_t used;
    j->decode_rc =
        j->len > MAX_TXPOW_BYTES
            ? MN_ETOOBIG
            : mn_txpow_decode(env->obj, j->bytes, j->len, &used, &j->txpow);
    if (j->decode_rc)
      return;
  }
  er->decoded = true;
  mn_txpow_t *t = j->txpow;
  er->basic_ok = cs_check_basic(env, t, &er->fail);
  if (!er->basic_ok)
    return;
  er->sig_ok = cs_check_signatures(env, t, &er->fail);
  if (!er->sig_ok)
    return;
  er->state_ok = true;
  if (!j->have_tip) {
    er->scripts_ok = true;
    return;
  }
  er->scripts_ok = cs_check_scripts(env, t, &j->bn, &j->bt, &j->maxops,
                                    &er->scripts, &er->script_fail);
  er->script_error =
      !er->scripts_ok && strstr(er->script_fail.msg, "script context") != NULL;
}

static void verdict_format(cs_job_t *j, mn_chain_verdict_t *v, char *msg,
                           size_t cap) {
  memset(v, 0, sizeof *v);
  v->size = sizeof *v;
  v->status = MN_CHAIN_REJECTED;
  v->stage = MN_CHAIN_STAGE_ENTRY;
  v->reason =
      j->decode_rc == MN_ETOOBIG ? MN_CHAIN_R_TOO_BIG : MN_CHAIN_R_FORMAT;
  v->disconnect = true;
  v->blocknumber = -1;
  snprintf(msg, cap, "%s: %s",
           v->reason == MN_CHAIN_R_TOO_BIG ? "larger than any valid TxPoW"
                                           : "bytes are not a TxPoW",
           mn_strerror(j->decode_rc));
  v->message = msg;
}

static void entry_done(void *data, int status) {
  cs_job_t *j = data;
  cs_t *c = j->c;
  job_unlink(c, j);
  mn_chain_verdict_t v;
  char msg[256];
  const mn_txpow_t *txpow = NULL;
  uint8_t id[32] = {0};
  if (status == MN_ECANCELED || c->stopping) {
    memset(&v, 0, sizeof v);
    v.size = sizeof v;
    v.status = MN_CHAIN_REJECTED;
    v.stage = MN_CHAIN_STAGE_ENTRY;
    v.reason = MN_CHAIN_R_CANCELED;
    v.blocknumber = -1;
    v.message = "the chain stopped";
  } else if (!j->er.decoded) {
    verdict_format(j, &v, msg, sizeof msg);
    c->stats.rejected[v.reason]++;
    uint8_t zero[32] = {0};
    cs_note_reject(c, v.reason, zero, msg);
    cs_publish_txpow(c, c->t_rejected, MN_CHAIN_REJECTED, MN_CHAIN_STAGE_ENTRY,
                     v.reason, false, j->origin, NULL, -1, NULL, msg);
  } else {
    mn_txpow_t *t = j->txpow;
    j->txpow = NULL;
    memcpy(id, t->txpowid, 32);
    cs_receive(c, t, j->origin, &j->er, &v, msg, sizeof msg);
    cs_entry_t *e = cs_idmap_get(&c->ram, id);
    if (e)
      txpow = e->txpow;
  }
  if (!j->canceled) {
    if (j->vcb)
      j->vcb(&v, j->vdata);
    if (j->edone)
      j->edone(c, &v, txpow, j->edata);
  }
  job_free(c, j);
}

/* A job of this kind; bytes (copied) when given.  Entry jobs also note
 * the tip they are checked against. */
static cs_job_t *job_new(cs_t *c, int kind, uint64_t origin,
                         const uint8_t *bytes, size_t len) {
  cs_job_t *j = cs_xcalloc(1, sizeof *j);
  j->c = c;
  j->kind = kind;
  j->origin = origin;
  if (bytes) {
    j->bytes = cs_xmalloc(len ? len : 1);
    if (len)
      memcpy(j->bytes, bytes, len);
    j->len = len;
  }
  cs_node_t *tip = c->tree.tip;
  if (kind == JOB_ENTRY && tip) {
    j->have_tip = true;
    j->bn = tip->txpow->header.blocknumber;
    j->bt = tip->txpow->header.timemilli;
    j->maxops = tip->txpow->header.magic.max_kissvm_ops;
  }
  return j;
}

/* Queues j on the work queue; on failure it is gone. */
static int job_submit(cs_t *c, cs_job_t *j, mn_work_fn work,
                      mn_work_done_fn done, uint64_t *ticket) {
  job_link(c, j);
  if (ticket)
    *ticket = j->ticket;
  int rc = c->host->work_submit(c->self, work, done, j);
  if (rc) {
    job_unlink(c, j);
    job_free(c, j);
  }
  return rc;
}

int cs_entry_submit(cs_t *c, const uint8_t *bytes, size_t len,
                    mn_txpow_t *txpow, uint64_t origin, cs_entry_done_fn done,
                    void *data, uint64_t *ticket) {
  if (c->stopping) {
    c->env.obj->free(txpow);
    return MN_ESTATE;
  }
  cs_job_t *j = job_new(c, JOB_ENTRY, origin, bytes, len);
  j->txpow = txpow;
  j->edone = done;
  j->edata = data;
  return job_submit(c, j, entry_work, entry_done, ticket);
}

void cs_jobs_cancel_all(cs_t *c) {
  for (cs_job_t *j = c->jobs; j; j = j->next)
    (void)j; /* completions run with MN_ECANCELED or see c->stopping */
}

/* ---- IBD jobs ------------------------------------------------------------ */

static void ibd_work(void *data) {
  cs_job_t *j = data;
  size_t used;
  j->decode_rc = mn_ibd_decode(j->c->env.obj, j->bytes, j->len, &used, &j->ibd);
}

static void ibd_finish(cs_job_t *j) {
  cs_t *c = j->c;
  if (j->timer) {
    c->host->timer_stop(j->timer);
    j->timer = NULL;
  }
  job_unlink(c, j);
  j->v.message = j->msg;
  if (!j->canceled && j->vcb)
    j->vcb(&j->v, j->vdata);
  job_free(c, j);
  c->ibd_running = false;
}

static void ibd_tick(mn_timer_t *t, void *data) {
  (void)t;
  cs_job_t *j = data;
  if (cs_ibd_step(j->c, j->ibd, j->origin, &j->next_block, &j->added, &j->v,
                  j->msg, sizeof j->msg))
    ibd_finish(j);
}

static void ibd_done(void *data, int status) {
  cs_job_t *j = data;
  cs_t *c = j->c;
  mn_chain_verdict_t *v = &j->v;
  memset(v, 0, sizeof *v);
  v->size = sizeof *v;
  v->stage = MN_CHAIN_STAGE_IBD;
  v->blocknumber = -1;
  j->msg[0] = 0;
  if (status == MN_ECANCELED || c->stopping) {
    v->status = MN_CHAIN_REJECTED;
    v->reason = MN_CHAIN_R_CANCELED;
    snprintf(j->msg, sizeof j->msg, "the chain stopped");
  } else if (j->decode_rc) {
    v->status = MN_CHAIN_REJECTED;
    v->reason = MN_CHAIN_R_FORMAT;
    v->disconnect = true;
    snprintf(j->msg, sizeof j->msg, "bytes are not an IBD: %s",
             mn_strerror(j->decode_rc));
    c->stats.rejected[v->reason]++;
  } else if (cs_ibd_start(c, j->ibd, v, j->msg, sizeof j->msg)) {
    /* The TxBlocks go in slices, one per loop turn. */
    j->timer = c->host->timer_start(c->self, 0, 1, ibd_tick, j);
    if (j->timer)
      return;
    while (!cs_ibd_step(c, j->ibd, j->origin, &j->next_block, &j->added, v,
                        j->msg, sizeof j->msg))
      ;
  }
  ibd_finish(j);
}

void cs_ibd_stop_all(cs_t *c) {
  cs_job_t *j = c->jobs;
  while (j) {
    cs_job_t *nx = j->next;
    if (j->kind == JOB_IBD && j->timer) {
      j->v.status = MN_CHAIN_REJECTED;
      j->v.reason = MN_CHAIN_R_CANCELED;
      snprintf(j->msg, sizeof j->msg, "the chain stopped");
      ibd_finish(j);
    }
    j = nx;
  }
}

/* ---- the interface ------------------------------------------------------- */

static int s_tip(const mn_chain_t *ch, mn_chain_tip_t *out) {
  cs_t *c = cs_of(ch);
  uint32_t size = out->size;
  mn_chain_tip_t t;
  memset(&t, 0, sizeof t);
  t.size = sizeof t;
  t.number = -1;
  t.root = -1;
  t.cascade_tip = -1;
  cs_node_t *tip = c->tree.tip;
  if (tip) {
    const mn_txheader_t *h = &tip->txpow->header;
    t.number = tip->number;
    memcpy(t.txpowid, tip->txpow->txpowid, 32);
    t.timemilli = (uint64_t)tip->time;
    t.root = c->tree.root->number;
    t.tree_len = c->tree.length;
    t.weight = c->tree.root->total;
    if (h->mmrroot.len <= 32)
      memcpy(t.mmr_root + 32 - h->mmrroot.len, h->mmrroot.data, h->mmrroot.len);
    t.mmr_total = h->mmrtotal;
    t.mmr_leaves = cs_mmr_leaves(tip->mmr);
    if (h->blockdifficulty.len <= 32)
      memcpy(t.blockdifficulty + 32 - h->blockdifficulty.len,
             h->blockdifficulty.data, h->blockdifficulty.len);
  }
  const cs_cnode_t *ct = cs_cascade_tip(&c->casc);
  if (ct)
    t.cascade_tip = cs_txpow_number(&c->env, ct->txpow);
  t.cascade_len = c->casc.n;
  t.cascade_weight = c->casc.total;
  memcpy(out, &t, size < sizeof t ? size : sizeof t);
  out->size = size;
  return 0;
}

static int s_block_by_number(const mn_chain_t *ch, int64_t number,
                             mn_txblock_t **out) {
  cs_t *c = cs_of(ch);
  *out = NULL;
  cs_node_t *n = c->tree.tip ? cs_node_at(c->tree.tip, number) : NULL;
  if (n)
    return mn_txblock_copy(c->env.obj, n->tb, out);
  uint8_t k[8];
  for (int i = 0; i < 8; i++)
    k[i] = (uint8_t)((uint64_t)number >> (56 - 8 * i));
  mn_buf_t b = {0};
  int rc = cs_db_read(c, CS_DB_ARCHIVE, k, 8, &b);
  if (!rc)
    rc = mn_txblock_decode(c->env.obj, b.data, b.len, NULL, out);
  mn_buf_free(&b);
  return rc;
}

static int s_block_by_id(const mn_chain_t *ch, const uint8_t id[32],
                         mn_txblock_t **out) {
  cs_t *c = cs_of(ch);
  *out = NULL;
  cs_node_t *n = cs_tree_find(&c->tree, id);
  if (n)
    return mn_txblock_copy(c->env.obj, n->tb, out);
  /* An archived block: its number is in the stored TxPoW. */
  mn_txpow_t *owned = NULL;
  const mn_txpow_t *t = cs_txpow_find(c, id, &owned);
  int rc = MN_ENOENT;
  if (t && t->is_block) {
    rc = s_block_by_number(ch, cs_txpow_number(&c->env, t), out);
    if (!rc && memcmp((*out)->txpow.txpowid, id, 32) != 0) {
      c->env.obj->free(*out);
      *out = NULL;
      rc = MN_ENOENT;
    }
  }
  c->env.obj->free(owned);
  return rc;
}

static int s_txpow_get(const mn_chain_t *ch, const uint8_t id[32],
                       mn_txpow_t **out) {
  cs_t *c = cs_of(ch);
  mn_txpow_t *owned = NULL;
  const mn_txpow_t *t = cs_txpow_find(c, id, &owned);
  if (!t) {
    *out = NULL;
    return MN_ENOENT;
  }
  if (owned) {
    *out = owned;
    return 0;
  }
  return mn_txpow_copy(c->env.obj, t, out);
}

static int s_lookup(const mn_chain_t *ch, const uint8_t id[32],
                    mn_chain_where_t *out) {
  cs_t *c = cs_of(ch);
  uint32_t size = out->size;
  mn_chain_where_t w;
  memset(&w, 0, sizeof w);
  w.size = sizeof w;
  w.blocknumber = -1;
  w.onchain_block = -1;
  if (cs_idmap_get(&c->invalid, id))
    w.flags |= MN_CHAIN_INVALID;
  cs_node_t *n = cs_tree_find(&c->tree, id);
  if (n) {
    w.flags |= MN_CHAIN_IN_TREE | MN_CHAIN_IS_BLOCK | MN_CHAIN_HAVE_TXPOW;
    if (n->on_main)
      w.flags |= MN_CHAIN_ON_MAIN;
    w.blocknumber = n->number;
  }
  mn_txpow_t *owned = NULL;
  const mn_txpow_t *t = cs_txpow_find(c, id, &owned);
  if (t) {
    w.flags |= MN_CHAIN_HAVE_TXPOW;
    if (t->is_block)
      w.flags |= MN_CHAIN_IS_BLOCK;
    if (mn_txpow_is_txn(t))
      w.flags |= MN_CHAIN_IS_TXN;
    w.blocknumber = cs_txpow_number(&c->env, t);
    cs_entry_t *e = cs_idmap_get(&c->ram, id);
    if (e && e->is_txn && !e->on_main && !e->in_cascade)
      w.flags |= MN_CHAIN_IN_MEMPOOL;
    if (e && e->in_cascade)
      w.flags |= MN_CHAIN_IN_CASCADE;
  }
  c->env.obj->free(owned);
  for (uint32_t i = 0; i < c->casc.n; i++)
    if (memcmp(c->casc.nodes[i].txpow->txpowid, id, 32) == 0) {
      w.flags |= MN_CHAIN_IN_CASCADE | MN_CHAIN_IS_BLOCK;
      w.blocknumber = cs_txpow_number(&c->env, c->casc.nodes[i].txpow);
    }
  /* The main-chain block that holds it (TxPoWSearcher). */
  for (cs_node_t *x = c->tree.tip; x; x = x->parent) {
    bool hit = memcmp(x->txpow->txpowid, id, 32) == 0;
    const mn_txbody_t *b = x->txpow->body;
    for (uint32_t i = 0; !hit && b && i < b->n_txpowlist; i++)
      hit = cs_data_is(&b->txpowlist[i], id, 32);
    if (hit) {
      w.onchain_block = x->number;
      memcpy(w.onchain_id, x->txpow->txpowid, 32);
      break;
    }
  }
  memcpy(out, &w, size < sizeof w ? size : sizeof w);
  out->size = size;
  return 0;
}

static int s_coins_search(const mn_chain_t *ch, const mn_chain_coin_query_t *q,
                          mn_chain_coin_cb cb, void *data) {
  cs_t *c = cs_of(ch);
  mn_chain_coin_query_t qq;
  memset(&qq, 0, sizeof qq);
  memcpy(&qq, q, q->size < sizeof qq ? q->size : sizeof qq);
  if (q->size < offsetof(mn_chain_coin_query_t, depth) + sizeof(int64_t))
    qq.depth = -1;
  return cs_coins_search(c, c->tree.tip, &qq, cb, data);
}

static int64_t s_proof_block(const mn_chain_t *ch, int64_t newest) {
  return cs_proof_block(cs_of(ch), newest);
}

static int s_coin_proof(const mn_chain_t *ch, const mn_coin_t *coin,
                        int64_t block, mn_coinproof_t **out) {
  return cs_coin_proof(cs_of(ch), coin, block, out);
}

static bool s_proof_valid(const mn_chain_t *ch, const mn_coinproof_t *cp) {
  cs_t *c = cs_of(ch);
  if (!c->tree.tip)
    return false;
  mn_mmrdata_t leaf;
  if (c->env.obj->coin_leaf(&cp->coin, false, &leaf))
    return false;
  return cs_mmr_check_time_valid(&c->env, c->tree.tip->mmr, cp->coin.mmrentry,
                                 &leaf, &cp->proof);
}

/* ---- posting ------------------------------------------------------------- */

typedef struct post {
  mn_chain_post_cb cb;
  void *data;
  uint64_t ticket;
  bool canceled;
  struct post *next;
} post_t;

static void post_unlink(cs_t *c, post_t *p) {
  for (post_t **q = (post_t **)&c->posts; *q; q = &(*q)->next)
    if (*q == p) {
      *q = p->next;
      return;
    }
}

static void post_finish(cs_t *c, post_t *p, const mn_chain_post_result_t *r) {
  post_unlink(c, p);
  if (!p->canceled && p->cb)
    p->cb(r, p->data);
  free(p);
}

static void post_entry_done(cs_t *c, const mn_chain_verdict_t *v,
                            const mn_txpow_t *txpow, void *data) {
  post_t *p = data;
  mn_chain_post_result_t r;
  memset(&r, 0, sizeof r);
  r.size = sizeof r;
  r.status =
      v->status == MN_CHAIN_ACCEPTED ? MN_CHAIN_ACCEPTED : MN_CHAIN_REJECTED;
  r.reason = v->reason;
  r.message = v->message;
  r.txpow = v->status == MN_CHAIN_ACCEPTED ? txpow : NULL;
  r.is_block = v->is_block;
  post_finish(c, p, &r);
}

static void post_mined(cs_t *c, mn_txpow_t *t, int status, void *data) {
  post_t *p = data;
  if (status) {
    c->env.obj->free(t);
    mn_chain_post_result_t r;
    memset(&r, 0, sizeof r);
    r.size = sizeof r;
    r.status = MN_CHAIN_REJECTED;
    r.reason = MN_CHAIN_R_CANCELED;
    r.message = "mining was stopped";
    post_finish(c, p, &r);
    return;
  }
  if (cs_entry_submit(c, NULL, 0, t, 0, post_entry_done, p, NULL)) {
    mn_chain_post_result_t r;
    memset(&r, 0, sizeof r);
    r.size = sizeof r;
    r.status = MN_CHAIN_REJECTED;
    r.reason = MN_CHAIN_R_CANCELED;
    r.message = "the chain stopped";
    post_finish(c, p, &r);
  }
}

static int s_txn_post(const mn_chain_t *ch, const mn_txpow_t *draft,
                      uint32_t flags, mn_chain_post_cb cb, void *data,
                      uint64_t *ticket) {
  cs_t *c = cs_of(ch);
  (void)flags;
  if (!draft || !draft->body)
    return MN_EINVAL;
  if (!c->tree.tip || c->stopping)
    return MN_ESTATE;
  mn_txpow_t *t;
  int rc = cs_generate(c, draft, &t);
  if (rc)
    return rc;
  post_t *p = cs_xcalloc(1, sizeof *p);
  p->cb = cb;
  p->data = data;
  p->ticket = c->next_ticket++;
  if (ticket)
    *ticket = p->ticket;
  p->next = c->posts;
  c->posts = p;
  rc = cs_mine(c, t, post_mined, p);
  if (rc) {
    post_unlink(c, p);
    free(p);
  }
  return rc;
}

static int s_txn_check(const mn_chain_t *ch, const mn_txpow_t *t,
                       mn_chain_check_t *out) {
  cs_t *c = cs_of(ch);
  uint32_t size = out->size;
  mn_chain_check_t r;
  memset(&r, 0, sizeof r);
  r.size = sizeof r;
  cs_fail_t f;
  memset(&f, 0, sizeof f);
  r.basic = cs_check_basic(&c->env, t, &f);
  cs_fail_t f2 = {0};
  r.signatures = cs_check_signatures(&c->env, t, &f2);
  cs_node_t *tip = c->tree.tip;
  cs_fail_t f3 = {0}, f4 = {0};
  if (tip && t->body) {
    r.mmrproofs = cs_check_mmr(&c->env, tip->mmr, t, &f3);
    cs_scripts_t s = {0};
    r.scripts =
        cs_check_scripts(&c->env, t, &tip->txpow->header.blocknumber,
                         &tip->txpow->header.timemilli,
                         &tip->txpow->header.magic.max_kissvm_ops, &s, &f4);
    r.monotonic = cs_scripts_monotonic(t, &s);
  }
  r.valid = r.basic && r.signatures && r.mmrproofs && r.scripts;
  const cs_fail_t *first = !r.basic        ? &f
                           : !r.signatures ? &f2
                           : !r.mmrproofs  ? &f3
                           : !r.scripts    ? &f4
                                           : NULL;
  if (first) {
    r.reason = first->reason;
    snprintf(r.message, sizeof r.message, "%s",
             first->msg[0] ? first->msg : "no chain yet");
    if (!tip && r.reason == MN_CHAIN_R_NONE)
      r.reason = MN_CHAIN_R_NO_TIP;
  }
  memcpy(out, &r, size < sizeof r ? size : sizeof r);
  out->size = size;
  return 0;
}

static bool s_mempool_spends(const mn_chain_t *ch, const uint8_t *coinid,
                             size_t len) {
  cs_t *c = cs_of(ch);
  mn_data_t id = {coinid, len};
  size_t it = 0;
  void *v;
  while (cs_idmap_next(&c->ram, &it, NULL, &v)) {
    cs_entry_t *e = v;
    if (!e->is_txn || e->on_main || e->in_cascade)
      continue;
    const mn_txbody_t *b = e->txpow->body;
    for (uint32_t i = 0; i < b->witness.n_coinproofs; i++)
      if (cs_data_eq(&b->witness.coinproofs[i].coin.coinid, &id))
        return true;
    for (uint32_t i = 0; i < b->burnwitness.n_coinproofs; i++)
      if (cs_data_eq(&b->burnwitness.coinproofs[i].coin.coinid, &id))
        return true;
  }
  return false;
}

static int s_mempool_ids(const mn_chain_t *ch, mn_buf_t *ids) {
  cs_t *c = cs_of(ch);
  size_t it = 0;
  const uint8_t *k;
  void *v;
  while (cs_idmap_next(&c->ram, &it, &k, &v)) {
    cs_entry_t *e = v;
    if (e->is_txn && !e->on_main && !e->in_cascade)
      mn_buf_put(ids, k, 32);
  }
  return ids->err;
}

static int s_submit(const mn_chain_t *ch, const uint8_t *bytes, size_t len,
                    uint64_t origin, mn_chain_verdict_cb cb, void *data,
                    uint64_t *ticket) {
  cs_t *c = cs_of(ch);
  if (c->stopping)
    return MN_ESTATE;
  /* the bytes are kept even when empty: the worker's decode rejects them */
  cs_job_t *j =
      job_new(c, JOB_ENTRY, origin, bytes ? bytes : (const uint8_t *)"", len);
  j->vcb = cb;
  j->vdata = data;
  return job_submit(c, j, entry_work, entry_done, ticket);
}

static int s_txpow_bytes(const mn_chain_t *ch, const uint8_t id[32],
                         mn_buf_t *out) {
  cs_t *c = cs_of(ch);
  cs_entry_t *e = cs_ram_get(c, id);
  if (e)
    return mn_txpow_encode(c->env.obj, e->txpow, out);
  return cs_db_read(c, CS_DB_TXPOW, id, 32, out);
}

static int s_txblock_bytes(const mn_chain_t *ch, const uint8_t id[32],
                           mn_buf_t *out) {
  cs_t *c = cs_of(ch);
  cs_node_t *n = cs_tree_find(&c->tree, id);
  if (n)
    return mn_txblock_encode(c->env.obj, n->tb, out);
  mn_txblock_t *tb;
  int rc = s_block_by_id(ch, id, &tb);
  if (rc)
    return rc;
  rc = mn_txblock_encode(c->env.obj, tb, out);
  c->env.obj->free(tb);
  return rc;
}

static int s_tree_ids(const mn_chain_t *ch, int64_t *top, mn_buf_t *ids) {
  cs_t *c = cs_of(ch);
  *top = c->tree.tip ? c->tree.tip->number : -1;
  for (cs_node_t *n = c->tree.tip; n; n = n->parent)
    mn_buf_put(ids, n->txpow->txpowid, 32);
  return ids->err;
}

static int s_pulse_ids(const mn_chain_t *ch, mn_buf_t *ids) {
  cs_t *c = cs_of(ch);
  int k = 0;
  for (cs_node_t *n = c->tree.tip; n && k < 512; n = n->parent, k++)
    mn_buf_put(ids, n->txpow->txpowid, 32);
  return ids->err;
}

static int s_missing(const mn_chain_t *ch, const uint8_t id[32],
                     mn_buf_t *ids) {
  cs_t *c = cs_of(ch);
  mn_txpow_t *owned = NULL;
  const mn_txpow_t *t = cs_txpow_find(c, id, &owned);
  if (!t)
    return MN_ENOENT;
  cs_collect_missing(c, t, ids);
  c->env.obj->free(owned);
  return ids->err;
}

static int s_ibd_build(const mn_chain_t *ch, int64_t top,
                       const uint8_t (*ids)[32], size_t n, mn_buf_t *out,
                       bool *crossover) {
  return cs_ibd_build(cs_of(ch), top, ids, n, out, crossover);
}

static int s_ibd_process(const mn_chain_t *ch, const uint8_t *bytes, size_t len,
                         uint64_t origin, mn_chain_verdict_cb cb, void *data,
                         uint64_t *ticket) {
  cs_t *c = cs_of(ch);
  if (c->stopping)
    return MN_ESTATE;
  cs_job_t *j =
      job_new(c, JOB_IBD, origin, bytes ? bytes : (const uint8_t *)"", len);
  j->vcb = cb;
  j->vdata = data;
  c->ibd_running = true;
  int rc = job_submit(c, j, ibd_work, ibd_done, ticket);
  if (rc)
    c->ibd_running = false;
  return rc;
}

static void s_peer_tip(const mn_chain_t *ch, uint64_t origin, int64_t number) {
  cs_t *c = cs_of(ch);
  (void)origin;
  if (number > c->best_known && number < (int64_t)1000000000000LL)
    c->best_known = number;
}

static int s_sync_status(const mn_chain_t *ch, mn_chain_sync_t *out) {
  cs_t *c = cs_of(ch);
  uint32_t size = out->size;
  mn_chain_sync_t s;
  memset(&s, 0, sizeof s);
  s.size = sizeof s;
  s.tip = c->tree.tip ? c->tree.tip->number : -1;
  s.best_known = c->best_known > s.tip ? c->best_known : s.tip;
  s.tip_time = c->tree.tip ? (uint64_t)c->tree.tip->time : 0;
  s.ibd_running = c->ibd_running;
  bool running_ibd = false;
  for (cs_job_t *j = c->jobs; j; j = j->next)
    if (j->kind == JOB_IBD)
      running_ibd = true;
  s.ibd_running = running_ibd;
  s.synced = s.tip >= 0 && s.tip >= s.best_known && !running_ibd;
  memcpy(out, &s, size < sizeof s ? size : sizeof s);
  out->size = size;
  return 0;
}

static void s_cancel(const mn_chain_t *ch, uint64_t ticket) {
  cs_t *c = cs_of(ch);
  for (cs_job_t *j = c->jobs; j; j = j->next)
    if (j->ticket == ticket)
      j->canceled = true;
  for (post_t *p = c->posts; p; p = p->next)
    if (p->ticket == ticket)
      p->canceled = true;
}

void cs_service_init(cs_t *c) {
  mn_chain_t *i = &c->iface;
  memset(i, 0, sizeof *i);
  i->size = sizeof *i;
  i->tip = s_tip;
  i->block_by_number = s_block_by_number;
  i->block_by_id = s_block_by_id;
  i->txpow_get = s_txpow_get;
  i->lookup = s_lookup;
  i->coins_search = s_coins_search;
  i->proof_block = s_proof_block;
  i->coin_proof = s_coin_proof;
  i->proof_valid = s_proof_valid;
  i->txn_post = s_txn_post;
  i->txn_check = s_txn_check;
  i->mempool_spends = s_mempool_spends;
  i->mempool_ids = s_mempool_ids;
  i->submit = s_submit;
  i->txpow_bytes = s_txpow_bytes;
  i->txblock_bytes = s_txblock_bytes;
  i->tree_ids = s_tree_ids;
  i->pulse_ids = s_pulse_ids;
  i->missing = s_missing;
  i->ibd_build = s_ibd_build;
  i->ibd_process = s_ibd_process;
  i->peer_tip = s_peer_tip;
  i->sync_status = s_sync_status;
  i->cancel = s_cancel;
}
