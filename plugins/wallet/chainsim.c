/*
 * chainsim.c - the in-memory chain of the wallet's tests and benchmarks
 * (see chainsim.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/svc/kissvm.h>

#include "chainsim.h"

#define ROWS 64
#define HISTORY 256 /* MINIMA_MMR_PROOF_HISTORY */

typedef struct simcoin {
  mn_coin_t *coin; /* root: the coin as the MMR holds it (unspent form) */
  int64_t created;
  int64_t spent; /* -1 */
  bool relevant;
} simcoin_t;

typedef struct simblock {
  mn_txblock_t *tb; /* root */
  uint8_t id[32];
  uint64_t time;
  mn_mmrdata_t *peaks;
  size_t npeaks;
  mn_txpow_t **txns; /* roots */
  size_t ntxns;
} simblock_t;

typedef struct pending {
  wal_sim_t *s;
  uint64_t ticket;
  mn_chain_post_cb cb;
  void *data;
  mn_txpow_t *txpow; /* root */
  mn_chain_status_t status;
  mn_chain_reason_t reason;
  char msg[512];
  mn_timer_t *timer;
  struct pending *next;
} pending_t;

struct wal_sim {
  mn_chain_t iface; /* first */
  const mn_host_t *h;
  mn_plugin_t *self;
  const mn_obj_api_t *o;
  const mn_num_api_t *num;
  const mn_kissvm_t *vm;
  simcoin_t *coins;
  size_t ncoins, capcoins;
  mn_mmrdata_t *rows[ROWS];
  size_t nrow[ROWS], caprow[ROWS];
  simblock_t *blocks; /* index = block number */
  size_t nblocks, capblocks;
  mn_txpow_t **mempool;
  size_t nmempool, capmempool;
  mn_hook_t *hook_rel, *hook_gen;
  mn_topic_t *t_conn, *t_disc, *t_tip;
  pending_t *pending;
  uint64_t next_ticket;
  uint64_t nonce;
  uint64_t proofs;
  char last_error[512];
};

static wal_sim_t *sim_of(const mn_chain_t *c) {
  return (wal_sim_t *)(uintptr_t)c;
}

static int64_t tip_of(const wal_sim_t *s) {
  return (int64_t)s->nblocks - 1;
}

/* ---- MMR ---------------------------------------------------------------- */

static int row_set(wal_sim_t *s, int r, size_t e, const mn_mmrdata_t *d) {
  if (e >= s->caprow[r]) {
    size_t cap = s->caprow[r] ? s->caprow[r] * 2 : 64;
    while (cap <= e)
      cap *= 2;
    mn_mmrdata_t *a = realloc(s->rows[r], cap * sizeof *a);
    if (!a)
      return MN_ENOMEM;
    s->rows[r] = a;
    s->caprow[r] = cap;
  }
  s->rows[r][e] = *d;
  if (e >= s->nrow[r])
    s->nrow[r] = e + 1;
  return 0;
}

static int mmr_append(wal_sim_t *s, const mn_mmrdata_t *leaf) {
  size_t e = s->nrow[0];
  int err = row_set(s, 0, e, leaf);
  for (int r = 0; !err && (e & 1) && r + 1 < ROWS; r++) {
    mn_mmrdata_t p;
    err = s->o->mmr_parent(&s->rows[r][e - 1], &s->rows[r][e], &p);
    if (!err)
      err = row_set(s, r + 1, e / 2, &p);
    e /= 2;
  }
  return err;
}

static int mmr_update(wal_sim_t *s, size_t e, const mn_mmrdata_t *leaf) {
  int err = row_set(s, 0, e, leaf);
  for (int r = 0; !err && (e ^ 1) < s->nrow[r] && r + 1 < ROWS; r++) {
    size_t l = e & ~(size_t)1;
    mn_mmrdata_t p;
    err = s->o->mmr_parent(&s->rows[r][l], &s->rows[r][l + 1], &p);
    if (!err)
      err = row_set(s, r + 1, e / 2, &p);
    e /= 2;
  }
  return err;
}

static int mmr_peaks(wal_sim_t *s, mn_mmrdata_t **out, size_t *n) {
  *n = 0;
  *out = calloc(ROWS, sizeof **out);
  if (!*out)
    return MN_ENOMEM;
  for (int r = ROWS - 1; r >= 0; r--)
    if (s->nrow[r] & 1)
      (*out)[(*n)++] = s->rows[r][s->nrow[r] - 1];
  return 0;
}

static int coin_leaf(wal_sim_t *s, const simcoin_t *c, mn_mmrdata_t *leaf) {
  return s->o->coin_leaf(c->coin, c->spent >= 0, leaf);
}

static int mmr_rebuild(wal_sim_t *s) {
  for (int r = 0; r < ROWS; r++)
    s->nrow[r] = 0;
  for (size_t i = 0; i < s->ncoins; i++) {
    mn_mmrdata_t leaf;
    int err = coin_leaf(s, &s->coins[i], &leaf);
    if (!err)
      err = mmr_append(s, &leaf);
    if (err)
      return err;
  }
  return 0;
}

static int make_proof(wal_sim_t *s, size_t e, int64_t blocktime,
                      mn_coinproof_t **out) {
  mn_coinproof_t *cp;
  int err = mn_coinproof_new(s->o, &cp);
  if (err)
    return err;
  mn_coin_t *c = s->coins[e].coin;
  /* Deep copy of the coin into the proof's arena, via the input list of a
   * throwaway transaction would be roundabout: copy field by field. */
  cp->coin = *c;
  err = s->o->dup(cp, c->coinid.data, c->coinid.len, &cp->coin.coinid);
  if (!err)
    err = s->o->dup(cp, c->address.data, c->address.len, &cp->coin.address);
  if (!err)
    err = s->o->dup(cp, c->tokenid.data, c->tokenid.len, &cp->coin.tokenid);
  cp->coin.state = NULL;
  cp->coin.n_state = 0;
  cp->coin.token = NULL;
  if (!err)
    err = s->o->coin_set_state(cp, &cp->coin, c->state, c->n_state);
  if (!err && c->token)
    err = s->o->coin_set_token(cp, &cp->coin, c->token);
  s->num->from_i64(&cp->proof.blocktime, blocktime);
  size_t x = e;
  for (int r = 0; !err && r < ROWS && (x ^ 1) < s->nrow[r]; r++) {
    size_t sib = x ^ 1;
    mn_mmrchunk_t ch = {.left = sib < x, .data = s->rows[r][sib]};
    err = mn_add_proof_chunks(s->o, cp, &cp->proof, &ch);
    x /= 2;
  }
  if (err) {
    s->o->free(cp);
    return err;
  }
  *out = cp;
  return 0;
}

/* ---- blocks and events ------------------------------------------------- */

typedef struct block_bundle {
  mn_chain_block_event_t ev; /* first: the payload */
  mn_txblock_t *tb;
  mn_coin_t *spent;
  const mn_txpow_t **txns;
  mn_txpow_t **own;
  size_t nown;
  const mn_obj_api_t *o;
} block_bundle_t;

static void bundle_free(void *p) {
  block_bundle_t *b = p;
  b->o->free(b->tb);
  for (size_t i = 0; i < b->nown; i++)
    b->o->free(b->own[i]);
  free(b->own);
  free(b->spent);
  free(b->txns);
  free(b);
}

static void publish_block(wal_sim_t *s, int64_t n, mn_topic_t *topic) {
  simblock_t *bk = &s->blocks[n];
  block_bundle_t *b = calloc(1, sizeof *b);
  if (!b)
    return;
  b->o = s->o;
  if (mn_txblock_copy(s->o, bk->tb, &b->tb)) {
    free(b);
    return;
  }
  b->spent = calloc(b->tb->n_spent + 1, sizeof *b->spent);
  b->txns = calloc(bk->ntxns + 1, sizeof *b->txns);
  b->own = calloc(bk->ntxns + 1, sizeof *b->own);
  for (uint32_t i = 0; b->spent && i < b->tb->n_spent; i++) {
    b->spent[i] = b->tb->spent[i].coin;
    b->spent[i].spent = 1;
  }
  for (size_t i = 0; b->own && b->txns && i < bk->ntxns; i++)
    if (mn_txpow_copy(s->o, bk->txns[i], &b->own[i]) == 0)
      b->txns[b->nown++] = b->own[i];
  b->ev = (mn_chain_block_event_t){.size = sizeof b->ev,
                                   .number = n,
                                   .timemilli = bk->time,
                                   .txblock = b->tb,
                                   .spent = b->spent,
                                   .n_spent = b->tb->n_spent,
                                   .created = b->tb->newcoins,
                                   .n_created = b->tb->n_newcoins,
                                   .txns = b->txns,
                                   .n_txns = (uint32_t)b->nown};
  memcpy(b->ev.txpowid, bk->id, 32);
  s->h->publish(s->self, topic, b, sizeof b->ev, bundle_free);
}

static void publish_tip(wal_sim_t *s, int64_t old, const uint8_t oldid[32],
                        int64_t fork, uint32_t disc, uint32_t conn) {
  mn_chain_tip_event_t *e = calloc(1, sizeof *e);
  if (!e)
    return;
  int64_t t = tip_of(s);
  e->size = sizeof *e;
  e->number = t;
  if (t >= 0) {
    memcpy(e->txpowid, s->blocks[t].id, 32);
    e->timemilli = s->blocks[t].time;
  }
  e->old_number = old;
  memcpy(e->old_txpowid, oldid, 32);
  e->fork_number = fork;
  e->disconnected = disc;
  e->connected = conn;
  e->reorg = disc > 0;
  s->h->publish(s->self, s->t_tip, e, sizeof *e, free);
}

static void call_relevant(wal_sim_t *s, simcoin_t *c, bool spent, int64_t n) {
  mn_chain_relevant_t r = {
      .size = sizeof r, .coin = c->coin, .spent = spent, .blocknumber = n};
  if (s->h->hook_call(s->hook_rel, &r) == MN_HOOK_ACCEPT)
    c->relevant = true;
}

/* Appends a block holding txns (roots, taken), the coins it creates
 * (already appended to s->coins from index first_new) and spends. */
static int add_block(wal_sim_t *s, mn_txpow_t **txns, size_t ntxns,
                     size_t first_new, const size_t *spent, size_t nspent) {
  if (s->nblocks == s->capblocks) {
    size_t cap = s->capblocks ? s->capblocks * 2 : 64;
    simblock_t *a = realloc(s->blocks, cap * sizeof *a);
    if (!a)
      return MN_ENOMEM;
    s->blocks = a;
    s->capblocks = cap;
  }
  int64_t n = (int64_t)s->nblocks;
  simblock_t *bk = &s->blocks[s->nblocks];
  memset(bk, 0, sizeof *bk);
  bk->time = 1700000000000ull + (uint64_t)n * 1000;
  int err = mn_txblock_new(s->o, &bk->tb);
  if (err)
    return err;
  mn_txpow_t *tp = &bk->tb->txpow;
  s->num->from_i64(&tp->header.blocknumber, n);
  s->num->from_u64(&tp->header.timemilli, bk->time);
  s->num->from_u64(&tp->header.nonce, ++s->nonce);
  if (n > 0)
    err =
        s->o->dup(bk->tb, s->blocks[n - 1].id, 32, &tp->header.superparents[0]);
  for (size_t i = 0; !err && i < ntxns; i++) {
    mn_data_t id = {txns[i]->txpowid, 32};
    err = mn_add_body_txpowlist(s->o, bk->tb, tp->body, &id);
  }
  for (size_t i = 0; !err && i < nspent; i++) {
    mn_coinproof_t cp = {.coin = *s->coins[spent[i]].coin};
    s->num->from_i64(&cp.proof.blocktime, n - 1);
    err = mn_add_txblock_spent(s->o, bk->tb, bk->tb, &cp);
  }
  for (size_t i = first_new; !err && i < s->ncoins; i++)
    err = mn_add_txblock_newcoins(s->o, bk->tb, bk->tb, s->coins[i].coin);
  if (!err)
    err = s->o->txpow_compute(tp);
  if (!err)
    err = mmr_peaks(s, &bk->peaks, &bk->npeaks);
  if (err) {
    s->o->free(bk->tb);
    return err;
  }
  memcpy(bk->id, tp->txpowid, 32);
  bk->txns = txns;
  bk->ntxns = ntxns;
  s->nblocks++;
  for (size_t i = first_new; i < s->ncoins; i++)
    call_relevant(s, &s->coins[i], false, n);
  for (size_t i = 0; i < nspent; i++)
    call_relevant(s, &s->coins[spent[i]], true, n);
  return 0;
}

static void block_free(wal_sim_t *s, simblock_t *bk) {
  s->o->free(bk->tb);
  free(bk->peaks);
  for (size_t i = 0; i < bk->ntxns; i++)
    s->o->free(bk->txns[i]);
  free(bk->txns);
}

static int ensure_base(wal_sim_t *s) {
  if (s->nblocks)
    return 0;
  return add_block(s, NULL, 0, s->ncoins, NULL, 0);
}

/* Adds a new coin (final form) to the MMR. */
static int new_coin(wal_sim_t *s, const mn_coin_t *c, int64_t created) {
  if (s->ncoins == s->capcoins) {
    size_t cap = s->capcoins ? s->capcoins * 2 : 256;
    simcoin_t *a = realloc(s->coins, cap * sizeof *a);
    if (!a)
      return MN_ENOMEM;
    s->coins = a;
    s->capcoins = cap;
  }
  simcoin_t *sc = &s->coins[s->ncoins];
  memset(sc, 0, sizeof *sc);
  int err = mn_coin_copy(s->o, c, &sc->coin);
  if (err)
    return err;
  sc->coin->mmrentry = s->ncoins;
  s->num->from_i64(&sc->coin->created, created);
  sc->coin->spent = 0;
  sc->created = created;
  sc->spent = -1;
  mn_mmrdata_t leaf;
  err = coin_leaf(s, sc, &leaf);
  if (!err)
    err = mmr_append(s, &leaf);
  if (err) {
    s->o->free(sc->coin);
    return err;
  }
  s->ncoins++;
  return 0;
}

/* ---- checking transactions ------------------------------------------------
 */

static int fail(char *msg, size_t cap, mn_chain_reason_t *reason,
                mn_chain_reason_t r, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(char *msg, size_t cap, mn_chain_reason_t *reason,
                mn_chain_reason_t r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, cap, fmt, ap);
  va_end(ap);
  *reason = r;
  return MN_EINVALID;
}

static bool data_eq(const mn_data_t *a, const mn_data_t *b) {
  return a->len == b->len && (a->len == 0 || !memcmp(a->data, b->data, a->len));
}

static bool proof_ok(wal_sim_t *s, const mn_coinproof_t *cp) {
  int64_t bt, tip = tip_of(s);
  if (s->num->to_i64(&cp->proof.blocktime, &bt) || bt < 0 || bt > tip)
    return false;
  uint64_t e = cp->coin.mmrentry;
  if (e >= s->ncoins || s->coins[e].spent >= 0 || s->coins[e].created > bt)
    return false;
  mn_buf_t a = {0}, b = {0};
  mn_coin_encode(s->o, &cp->coin, &a);
  mn_coin_encode(s->o, s->coins[e].coin, &b);
  bool same = a.len == b.len && !memcmp(a.data, b.data, a.len);
  mn_buf_free(&a);
  mn_buf_free(&b);
  if (!same)
    return false;
  mn_mmrdata_t leaf, root;
  if (s->o->coin_leaf(&cp->coin, false, &leaf) ||
      s->o->mmr_fold(&cp->proof, &leaf, &root))
    return false;
  const simblock_t *bk = &s->blocks[bt];
  for (size_t i = 0; i < bk->npeaks; i++)
    if (s->o->mmr_equal(&bk->peaks[i], &root))
      return true;
  return false;
}

static void kiss_coin(wal_sim_t *s, const mn_coin_t *c, mn_kiss_coin_t *k) {
  memset(k, 0, sizeof *k);
  k->coinid = c->coinid.data;
  k->coinid_len = c->coinid.len;
  k->address = c->address.data;
  k->address_len = c->address.len;
  k->amount = c->amount;
  k->tokenid = c->tokenid.data;
  k->tokenid_len = c->tokenid.len;
  k->has_token = c->token != NULL;
  if (c->token)
    k->token_scale = s->num->to_i32_wrap(&c->token->scale);
  k->keepstate = c->storestate;
}

/* Runs every input's script (and token script) of t with witness w at
 * block (number, time). */
static int check_scripts(wal_sim_t *s, const mn_transaction_t *t,
                         const mn_witness_t *w, int64_t block, uint64_t time,
                         char *msg, size_t cap, mn_chain_reason_t *reason) {
  if (mn_transaction_is_empty(t))
    return 0;
  if (!s->vm)
    return fail(msg, cap, reason, MN_CHAIN_R_SCRIPT, "no script VM");
  size_t ni = t->n_inputs, no = t->n_outputs;
  mn_kiss_coin_t *ins = calloc(ni + 1, sizeof *ins);
  mn_kiss_coin_t *outs = calloc(no + 1, sizeof *outs);
  mn_kiss_state_t *st = calloc(t->n_state + 1, sizeof *st);
  mn_kiss_bytes_t *sigs = calloc(w->n_sigs + 1, sizeof *sigs);
  mn_kiss_script_t *scr = calloc(w->n_scripts + 1, sizeof *scr);
  mn_buf_t *proofs = calloc(w->n_scripts + 1, sizeof *proofs);
  int err = 0;
  if (!ins || !outs || !st || !sigs || !scr || !proofs) {
    err = MN_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < ni; i++)
    kiss_coin(s, &t->inputs[i], &ins[i]);
  for (size_t i = 0; i < no; i++)
    kiss_coin(s, &t->outputs[i], &outs[i]);
  for (uint32_t i = 0; i < t->n_state; i++)
    st[i] =
        (mn_kiss_state_t){t->state[i].port, (const char *)t->state[i].text.data,
                          t->state[i].text.len};
  size_t nsig = 0;
  for (uint32_t i = 0; i < w->n_sigs; i++)
    if (w->sigs[i].has_rootkey)
      sigs[nsig++] = (mn_kiss_bytes_t){w->sigs[i].rootkey, 32};
  for (uint32_t i = 0; i < w->n_scripts; i++) {
    mn_mmrproof_encode(s->o, &w->scripts[i].proof, &proofs[i]);
    scr[i] = (mn_kiss_script_t){(const char *)w->scripts[i].script.data,
                                w->scripts[i].script.len, proofs[i].data,
                                proofs[i].len};
  }
  for (size_t i = 0; i < ni && !err; i++) {
    const mn_coin_t *c = &w->coinproofs[i].coin;
    const mn_scriptproof_t *sp =
        s->o->witness_find_script(w, c->address.data, c->address.len);
    if (!sp) {
      err = fail(msg, cap, reason, MN_CHAIN_R_BASIC,
                 "input %zu: no script for its address", i);
      break;
    }
    int64_t created = 0;
    s->num->to_i64(&c->created, &created);
    mn_num_t amount = c->amount;
    if (c->token)
      s->o->token_scale_up(c->token, &c->amount, &amount);
    mn_kiss_state_t *prev = calloc(c->n_state + 1, sizeof *prev);
    if (!prev) {
      err = MN_ENOMEM;
      break;
    }
    for (uint32_t k = 0; k < c->n_state; k++)
      prev[k] = (mn_kiss_state_t){c->state[k].port,
                                  (const char *)c->state[k].text.data,
                                  c->state[k].text.len};
    mn_kiss_global_t g[12];
    memset(g, 0, sizeof g);
#define NUMG(i, nm, v)                                                         \
  g[i].name = nm;                                                              \
  g[i].value.type = MN_KISS_NUMBER;                                            \
  s->num->from_i64(&g[i].value.number, (v))
#define HEXG(i, nm, d)                                                         \
  g[i].name = nm;                                                              \
  g[i].value.type = MN_KISS_HEX;                                               \
  g[i].value.data = (d).data;                                                  \
  g[i].value.len = (d).len
    NUMG(0, "@BLOCK", block);
    g[1].name = "@BLOCKMILLI";
    g[1].value.type = MN_KISS_NUMBER;
    s->num->from_u64(&g[1].value.number, time);
    NUMG(2, "@CREATED", created);
    NUMG(3, "@COINAGE", block - created);
    NUMG(4, "@INPUT", (int64_t)i);
    HEXG(5, "@COINID", c->coinid);
    g[6].name = "@AMOUNT";
    g[6].value.type = MN_KISS_NUMBER;
    g[6].value.number = amount;
    HEXG(7, "@ADDRESS", c->address);
    HEXG(8, "@TOKENID", c->tokenid);
    g[9].name = "@SCRIPT";
    g[9].value.type = MN_KISS_STRING;
    g[9].value.data = sp->script.data;
    g[9].value.len = sp->script.len;
    NUMG(10, "@TOTIN", (int64_t)ni);
    NUMG(11, "@TOTOUT", (int64_t)no);
#undef NUMG
#undef HEXG
    mn_kiss_ctx_t ctx = {.size = sizeof ctx,
                         .globals = g,
                         .nglobals = 12,
                         .state = st,
                         .nstate = t->n_state,
                         .prevstate = prev,
                         .nprevstate = c->n_state,
                         .inputs = ins,
                         .ninputs = ni,
                         .outputs = outs,
                         .noutputs = no,
                         .signatures = sigs,
                         .nsignatures = nsig,
                         .scripts = scr,
                         .nscripts = w->n_scripts};
    mn_kiss_result_t res = {.size = sizeof res};
    s->vm->run((const char *)sp->script.data, sp->script.len, &ctx, 0, &res);
    if (!res.success)
      err = fail(msg, cap, reason, MN_CHAIN_R_SCRIPT,
                 "input %zu: script does not return TRUE%s%s", i,
                 res.message[0] ? ": " : "", res.message);
    s->vm->result_free(&res);
    if (!err && c->token &&
        !(c->token->script.len == 11 &&
          !memcmp(c->token->script.data, "RETURN TRUE", 11))) {
      mn_kiss_result_t tr = {.size = sizeof tr};
      s->vm->run((const char *)c->token->script.data, c->token->script.len,
                 &ctx, 0, &tr);
      if (!tr.success)
        err = fail(msg, cap, reason, MN_CHAIN_R_SCRIPT,
                   "input %zu: token script does not return TRUE%s%s", i,
                   tr.message[0] ? ": " : "", tr.message);
      s->vm->result_free(&tr);
    }
    free(prev);
  }
out:
  for (uint32_t i = 0; proofs && i < w->n_scripts; i++)
    mn_buf_free(&proofs[i]);
  free(proofs);
  free(ins);
  free(outs);
  free(st);
  free(sigs);
  free(scr);
  return err;
}

static bool mempool_has_input(wal_sim_t *s, const mn_data_t *id) {
  for (size_t i = 0; i < s->nmempool; i++) {
    const mn_transaction_t *ts[2] = {&s->mempool[i]->body->txn,
                                     &s->mempool[i]->body->burntxn};
    for (int k = 0; k < 2; k++)
      for (uint32_t j = 0; j < ts[k]->n_inputs; j++)
        if (data_eq(&ts[k]->inputs[j].coinid, id))
          return true;
  }
  return false;
}

/* One transaction and witness: basic, signatures, proofs. */
static int check_one(wal_sim_t *s, const mn_transaction_t *t,
                     const mn_witness_t *w, char *msg, size_t cap,
                     mn_chain_reason_t *reason) {
  if (mn_transaction_is_empty(t))
    return 0;
  if (!s->o->txn_check_valid(t))
    return fail(msg, cap, reason, MN_CHAIN_R_BASIC,
                "the transaction's amounts or inputs are not valid");
  if (t->n_inputs != w->n_coinproofs)
    return fail(msg, cap, reason, MN_CHAIN_R_BASIC,
                "%u inputs but %u coin proofs", t->n_inputs, w->n_coinproofs);
  for (uint32_t i = 0; i < t->n_inputs; i++) {
    const mn_coin_t *in = &t->inputs[i], *pc = &w->coinproofs[i].coin;
    bool floating = in->coinid.len == 1 && in->coinid.data[0] == 1;
    if ((!floating && !data_eq(&in->coinid, &pc->coinid)) ||
        !data_eq(&in->address, &pc->address) ||
        !data_eq(&in->tokenid, &pc->tokenid) ||
        s->num->cmp(&in->amount, &pc->amount))
      return fail(msg, cap, reason, MN_CHAIN_R_BASIC,
                  "input %u does not match its coin proof", i);
    if (!s->o->witness_find_script(w, in->address.data, in->address.len))
      return fail(msg, cap, reason, MN_CHAIN_R_BASIC,
                  "input %u: no script proof for its address", i);
  }
  uint8_t txid[32];
  mn_transaction_hash(s->o, t, txid);
  for (uint32_t i = 0; i < w->n_sigs; i++) {
    const mn_signature_t *sg = &w->sigs[i];
    if (!sg->has_rootkey ||
        s->h->crypto->treekey_verify(sg->rootkey, 32, txid, 32, sg->bytes.data,
                                     sg->bytes.len))
      return fail(msg, cap, reason, MN_CHAIN_R_SIGNATURE,
                  "signature %u does not verify", i);
  }
  for (uint32_t i = 0; i < w->n_coinproofs; i++)
    if (!proof_ok(s, &w->coinproofs[i]))
      return fail(msg, cap, reason, MN_CHAIN_R_MMR_PROOF,
                  "the MMR proof of input %u is not valid", i);
  return 0;
}

static int check_txpow(wal_sim_t *s, const mn_txpow_t *tp, int64_t block,
                       uint64_t time, bool mempool, char *msg, size_t cap,
                       mn_chain_reason_t *reason) {
  const mn_txbody_t *b = tp->body;
  if (!b)
    return fail(msg, cap, reason, MN_CHAIN_R_FORMAT, "no body");
  int err = check_one(s, &b->txn, &b->witness, msg, cap, reason);
  if (!err)
    err = check_one(s, &b->burntxn, &b->burnwitness, msg, cap, reason);
  if (!err && mempool) {
    const mn_transaction_t *ts[2] = {&b->txn, &b->burntxn};
    for (int k = 0; k < 2 && !err; k++)
      for (uint32_t j = 0; j < ts[k]->n_inputs && !err; j++)
        if (mempool_has_input(s, &ts[k]->inputs[j].coinid))
          err = fail(msg, cap, reason, MN_CHAIN_R_DOUBLE_SPEND,
                     "input %u is already spent in the mempool", j);
  }
  if (!err)
    err = check_scripts(s, &b->txn, &b->witness, block, time, msg, cap, reason);
  if (!err)
    err = check_scripts(s, &b->burntxn, &b->burnwitness, block, time, msg, cap,
                        reason);
  return err;
}

/* ---- the interface ---------------------------------------------------------
 */

static int c_tip(const mn_chain_t *c, mn_chain_tip_t *out) {
  wal_sim_t *s = sim_of(c);
  mn_chain_tip_t t = {
      .size = out->size, .number = tip_of(s), .cascade_tip = -1};
  if (t.number >= 0) {
    memcpy(t.txpowid, s->blocks[t.number].id, 32);
    t.timemilli = s->blocks[t.number].time;
    t.tree_len = (uint32_t)s->nblocks;
    t.mmr_leaves = s->ncoins;
  }
  memcpy(out, &t, out->size < sizeof t ? out->size : sizeof t);
  return 0;
}

static int c_block_by_number(const mn_chain_t *c, int64_t n,
                             mn_txblock_t **out) {
  wal_sim_t *s = sim_of(c);
  if (n < 0 || n > tip_of(s))
    return MN_ENOENT;
  return mn_txblock_copy(s->o, s->blocks[n].tb, out);
}

static int c_block_by_id(const mn_chain_t *c, const uint8_t id[32],
                         mn_txblock_t **out) {
  wal_sim_t *s = sim_of(c);
  for (size_t i = 0; i < s->nblocks; i++)
    if (!memcmp(s->blocks[i].id, id, 32))
      return mn_txblock_copy(s->o, s->blocks[i].tb, out);
  return MN_ENOENT;
}

static int c_txpow_get(const mn_chain_t *c, const uint8_t id[32],
                       mn_txpow_t **out) {
  wal_sim_t *s = sim_of(c);
  for (size_t i = 0; i < s->nblocks; i++)
    for (size_t k = 0; k < s->blocks[i].ntxns; k++)
      if (!memcmp(s->blocks[i].txns[k]->txpowid, id, 32))
        return mn_txpow_copy(s->o, s->blocks[i].txns[k], out);
  for (size_t i = 0; i < s->nmempool; i++)
    if (!memcmp(s->mempool[i]->txpowid, id, 32))
      return mn_txpow_copy(s->o, s->mempool[i], out);
  return MN_ENOENT;
}

static int c_lookup(const mn_chain_t *c, const uint8_t id[32],
                    mn_chain_where_t *out) {
  (void)c;
  (void)id;
  mn_chain_where_t w = {
      .size = out->size, .blocknumber = -1, .onchain_block = -1};
  memcpy(out, &w, out->size < sizeof w ? out->size : sizeof w);
  return 0;
}

static int c_coins_search(const mn_chain_t *c, const mn_chain_coin_query_t *q,
                          mn_chain_coin_cb cb, void *data) {
  wal_sim_t *s = sim_of(c);
  int64_t tip = tip_of(s);
  for (size_t i = s->ncoins; i-- > 0;) {
    simcoin_t *sc = &s->coins[i];
    const mn_coin_t *k = sc->coin;
    if (sc->spent >= 0)
      continue;
    if ((q->flags & MN_CHAIN_Q_RELEVANT) && !sc->relevant)
      continue;
    if ((q->flags & MN_CHAIN_Q_COINID) && !data_eq(&k->coinid, &q->coinid))
      continue;
    if ((q->flags & MN_CHAIN_Q_ADDRESS) && !data_eq(&k->address, &q->address))
      continue;
    if ((q->flags & MN_CHAIN_Q_TOKENID) && !data_eq(&k->tokenid, &q->tokenid))
      continue;
    if ((q->flags & MN_CHAIN_Q_AMOUNT) && s->num->cmp(&k->amount, &q->amount))
      continue;
    if (q->depth >= 0 && sc->created < tip - q->depth)
      continue;
    int rc = cb(k, data);
    if (rc)
      return rc;
  }
  return 0;
}

static int64_t c_proof_block(const mn_chain_t *c, int64_t newest) {
  wal_sim_t *s = sim_of(c);
  int64_t tip = tip_of(s);
  if (tip < 0)
    return -1;
  int64_t d = tip - newest;
  if (d > HISTORY)
    d = HISTORY;
  if (d < 0)
    d = 0;
  return tip - d;
}

static int c_coin_proof(const mn_chain_t *c, const mn_coin_t *coin,
                        int64_t block, mn_coinproof_t **out) {
  wal_sim_t *s = sim_of(c);
  (void)block; /* proofs are made at the tip */
  uint64_t e = coin->mmrentry;
  if (e >= s->ncoins)
    return MN_ENOENT;
  simcoin_t *sc = &s->coins[e];
  if (sc->spent >= 0 || !data_eq(&sc->coin->coinid, &coin->coinid))
    return MN_EINVALID;
  s->proofs++;
  return make_proof(s, e, tip_of(s), out);
}

static bool c_proof_valid(const mn_chain_t *c, const mn_coinproof_t *cp) {
  return proof_ok(sim_of(c), cp);
}

static void post_fire(mn_timer_t *t, void *data) {
  pending_t *p = data;
  wal_sim_t *s = p->s;
  s->h->timer_stop(t);
  for (pending_t **pp = &s->pending; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  mn_chain_post_result_t r = {.size = sizeof r,
                              .status = p->status,
                              .reason = p->reason,
                              .message = p->msg,
                              .txpow = p->txpow};
  p->cb(&r, p->data);
  s->o->free(p->txpow);
  free(p);
}

static int c_txn_post(const mn_chain_t *c, const mn_txpow_t *draft,
                      uint32_t flags, mn_chain_post_cb cb, void *data,
                      uint64_t *ticket) {
  wal_sim_t *s = sim_of(c);
  (void)flags;
  if (!draft->body)
    return MN_EINVAL;
  int64_t tip = tip_of(s);
  if (tip < 0)
    return MN_ESTATE;
  pending_t *p = calloc(1, sizeof *p);
  if (!p)
    return MN_ENOMEM;
  p->s = s;
  p->cb = cb;
  p->data = data;
  p->ticket = ++s->next_ticket;
  int err = mn_txpow_copy(s->o, draft, &p->txpow);
  if (!err) {
    s->num->from_u64(&p->txpow->header.nonce, ++s->nonce);
    s->num->from_i64(&p->txpow->header.blocknumber, tip);
    err = s->o->txpow_compute(p->txpow);
  }
  if (err) {
    s->o->free(p->txpow);
    free(p);
    return err;
  }
  p->status = MN_CHAIN_ACCEPTED;
  if (check_txpow(s, p->txpow, tip, s->blocks[tip].time, true, p->msg,
                  sizeof p->msg, &p->reason)) {
    p->status = MN_CHAIN_REJECTED;
    snprintf(s->last_error, sizeof s->last_error, "%s: %.400s",
             mn_chain_reason_name(p->reason), p->msg);
  } else {
    mn_txpow_t *copy;
    if (mn_txpow_copy(s->o, p->txpow, &copy) == 0) {
      if (s->nmempool == s->capmempool) {
        size_t cap = s->capmempool ? s->capmempool * 2 : 16;
        mn_txpow_t **a = realloc(s->mempool, cap * sizeof *a);
        if (a) {
          s->mempool = a;
          s->capmempool = cap;
        }
      }
      if (s->nmempool < s->capmempool)
        s->mempool[s->nmempool++] = copy;
      else
        s->o->free(copy);
    }
  }
  p->timer = s->h->timer_start(s->self, 0, 0, post_fire, p);
  if (!p->timer) {
    s->o->free(p->txpow);
    free(p);
    return MN_ENOMEM;
  }
  p->next = s->pending;
  s->pending = p;
  if (ticket)
    *ticket = p->ticket;
  return 0;
}

static int c_txn_check(const mn_chain_t *c, const mn_txpow_t *tp,
                       mn_chain_check_t *out) {
  wal_sim_t *s = sim_of(c);
  mn_chain_check_t r = {.size = out->size};
  int64_t tip = tip_of(s);
  int err = tip < 0 ? MN_ESTATE
                    : check_txpow(s, tp, tip, s->blocks[tip].time, false,
                                  r.message, sizeof r.message, &r.reason);
  r.valid = err == 0;
  r.basic = r.signatures = r.mmrproofs = r.scripts = r.valid;
  memcpy(out, &r, out->size < sizeof r ? out->size : sizeof r);
  return 0;
}

static bool c_mempool_spends(const mn_chain_t *c, const uint8_t *id,
                             size_t len) {
  mn_data_t d = {id, len};
  return mempool_has_input(sim_of(c), &d);
}

static int c_mempool_ids(const mn_chain_t *c, mn_buf_t *ids) {
  wal_sim_t *s = sim_of(c);
  for (size_t i = 0; i < s->nmempool; i++)
    mn_buf_put(ids, s->mempool[i]->txpowid, 32);
  return ids->err;
}

static int c_notsup(void) {
  return MN_ENOTSUP;
}

static int c_submit(const mn_chain_t *c, const uint8_t *b, size_t l, uint64_t o,
                    mn_chain_verdict_cb cb, void *d, uint64_t *t) {
  (void)c, (void)b, (void)l, (void)o, (void)cb, (void)d, (void)t;
  return c_notsup();
}

static int c_bytes(const mn_chain_t *c, const uint8_t id[32], mn_buf_t *o) {
  (void)c, (void)id, (void)o;
  return MN_ENOENT;
}

static int c_tree_ids(const mn_chain_t *c, int64_t *top, mn_buf_t *ids) {
  (void)ids;
  *top = tip_of(sim_of(c));
  return 0;
}

static int c_pulse_ids(const mn_chain_t *c, mn_buf_t *ids) {
  (void)c, (void)ids;
  return 0;
}

static int c_ibd_build(const mn_chain_t *c, int64_t top,
                       const uint8_t (*ids)[32], size_t n, mn_buf_t *out,
                       bool *cross) {
  (void)c, (void)top, (void)ids, (void)n, (void)out, (void)cross;
  return c_notsup();
}

static void c_peer_tip(const mn_chain_t *c, uint64_t o, int64_t n) {
  (void)c, (void)o, (void)n;
}

static int c_sync_status(const mn_chain_t *c, mn_chain_sync_t *out) {
  wal_sim_t *s = sim_of(c);
  mn_chain_sync_t r = {.size = out->size,
                       .tip = tip_of(s),
                       .best_known = tip_of(s),
                       .synced = true};
  memcpy(out, &r, out->size < sizeof r ? out->size : sizeof r);
  return 0;
}

static void c_cancel(const mn_chain_t *c, uint64_t ticket) {
  wal_sim_t *s = sim_of(c);
  for (pending_t **pp = &s->pending; *pp; pp = &(*pp)->next)
    if ((*pp)->ticket == ticket) {
      pending_t *p = *pp;
      *pp = p->next;
      s->h->timer_stop(p->timer);
      s->o->free(p->txpow);
      free(p);
      return;
    }
}

/* ---- public ----------------------------------------------------------- */

int wal_sim_new(const mn_host_t *host, mn_plugin_t *self, wal_sim_t **out) {
  wal_sim_t *s = calloc(1, sizeof *s);
  if (!s)
    return MN_ENOMEM;
  s->h = host;
  s->self = self;
  s->o = host->obj;
  s->num = host->num;
  s->iface = (mn_chain_t){
      .size = sizeof(mn_chain_t),
      .tip = c_tip,
      .block_by_number = c_block_by_number,
      .block_by_id = c_block_by_id,
      .txpow_get = c_txpow_get,
      .lookup = c_lookup,
      .coins_search = c_coins_search,
      .proof_block = c_proof_block,
      .coin_proof = c_coin_proof,
      .proof_valid = c_proof_valid,
      .txn_post = c_txn_post,
      .txn_check = c_txn_check,
      .mempool_spends = c_mempool_spends,
      .mempool_ids = c_mempool_ids,
      .submit = c_submit,
      .txpow_bytes = c_bytes,
      .txblock_bytes = c_bytes,
      .tree_ids = c_tree_ids,
      .pulse_ids = c_pulse_ids,
      .missing = c_bytes,
      .ibd_build = c_ibd_build,
      .ibd_process = c_submit,
      .peer_tip = c_peer_tip,
      .sync_status = c_sync_status,
      .cancel = c_cancel,
  };
  s->vm =
      host->service_lookup(self, MN_KISSVM_SERVICE, MN_KISSVM_SERVICE_VERSION);
  s->hook_rel = host->hook_declare(self, MN_CHAIN_HOOK_RELEVANT, MN_HOOK_CHAIN,
                                   0, MN_HOOK_REJECT);
  s->hook_gen = host->hook_declare(self, MN_CHAIN_HOOK_GENESIS, MN_HOOK_SINGLE,
                                   0, MN_HOOK_REJECT);
  int err = (!s->hook_rel || !s->hook_gen) ? MN_ENOMEM : 0;
  const char *topics[] = {MN_CHAIN_TOPIC_BLOCK_CONNECTED,
                          MN_CHAIN_TOPIC_BLOCK_DISCONNECTED,
                          MN_CHAIN_TOPIC_TIP};
  for (int i = 0; i < 3 && !err; i++)
    err = host->topic_declare(self, topics[i], MN_CHAIN_EVENT_VERSION);
  if (!err)
    err = host->service_register(self, MN_CHAIN_SERVICE,
                                 MN_CHAIN_SERVICE_VERSION, &s->iface);
  if (err) {
    free(s);
    return err;
  }
  s->t_conn = host->topic(self, MN_CHAIN_TOPIC_BLOCK_CONNECTED);
  s->t_disc = host->topic(self, MN_CHAIN_TOPIC_BLOCK_DISCONNECTED);
  s->t_tip = host->topic(self, MN_CHAIN_TOPIC_TIP);
  *out = s;
  return 0;
}

void wal_sim_free(wal_sim_t *s) {
  if (!s)
    return;
  while (s->pending) {
    pending_t *p = s->pending;
    s->pending = p->next;
    s->h->timer_stop(p->timer);
    s->o->free(p->txpow);
    free(p);
  }
  for (size_t i = 0; i < s->nblocks; i++)
    block_free(s, &s->blocks[i]);
  free(s->blocks);
  for (size_t i = 0; i < s->ncoins; i++)
    s->o->free(s->coins[i].coin);
  free(s->coins);
  for (int r = 0; r < ROWS; r++)
    free(s->rows[r]);
  for (size_t i = 0; i < s->nmempool; i++)
    s->o->free(s->mempool[i]);
  free(s->mempool);
  free(s);
}

const mn_chain_t *wal_sim_chain(wal_sim_t *s) {
  return &s->iface;
}
int64_t wal_sim_tip(const wal_sim_t *s) {
  return tip_of(s);
}
size_t wal_sim_mempool(const wal_sim_t *s) {
  return s->nmempool;
}
const char *wal_sim_last_error(const wal_sim_t *s) {
  return s->last_error;
}
uint64_t wal_sim_proofs_made(const wal_sim_t *s) {
  return s->proofs;
}

static void connected(wal_sim_t *s, int64_t old, const uint8_t oldid[32]) {
  publish_block(s, tip_of(s), s->t_conn);
  publish_tip(s, old, oldid, old, 0, 1);
}

int wal_sim_mint(wal_sim_t *s, const uint8_t (*addresses)[32],
                 const char *const *amounts, size_t n) {
  int err = ensure_base(s);
  if (err)
    return err;
  int64_t old = tip_of(s), num = old + 1;
  uint8_t oldid[32];
  memcpy(oldid, s->blocks[old].id, 32);
  size_t first = s->ncoins;
  static const uint8_t minima = 0;
  for (size_t i = 0; i < n && !err; i++) {
    uint8_t seed[40], id[32];
    memcpy(seed, "simcoin!", 8);
    for (int k = 0; k < 8; k++)
      seed[8 + k] = (uint8_t)((s->ncoins) >> (8 * k));
    memcpy(seed + 16, s->blocks[old].id, 24);
    s->h->crypto->sha3_256(seed, sizeof seed, id);
    mn_coin_t c = {.coinid = {id, 32},
                   .address = {addresses[i], 32},
                   .tokenid = {&minima, 1}};
    err = s->num->parse(&c.amount, amounts[i], strlen(amounts[i]));
    if (!err)
      err = new_coin(s, &c, num);
  }
  if (!err)
    err = add_block(s, NULL, 0, first, NULL, 0);
  if (!err)
    connected(s, old, oldid);
  return err;
}

int wal_sim_genesis(wal_sim_t *s) {
  mn_chain_genesis_t g = {.size = sizeof g};
  if (s->h->hook_call(s->hook_gen, &g) != MN_HOOK_ACCEPT || !g.set)
    s->o->script_address("RETURN TRUE", 11, g.address);
  const char *amt = "1000000000";
  return wal_sim_mint(s, (const uint8_t(*)[32])g.address, &amt, 1);
}

int wal_sim_mine(wal_sim_t *s, int n) {
  int err = ensure_base(s);
  for (int b = 0; b < n && !err; b++) {
    int64_t old = tip_of(s), num = old + 1;
    uint8_t oldid[32];
    memcpy(oldid, s->blocks[old].id, 32);
    uint64_t time = 1700000000000ull + (uint64_t)num * 1000;
    mn_txpow_t **take = calloc(s->nmempool + 1, sizeof *take);
    size_t ntake = 0, *spent = NULL, nspent = 0, first = s->ncoins;
    if (!take)
      return MN_ENOMEM;
    for (size_t i = 0; i < s->nmempool; i++) {
      mn_txpow_t *tp = s->mempool[i];
      char msg[256];
      mn_chain_reason_t reason;
      /* Proofs and double spends against the current MMR, scripts at the
       * new block. */
      if (check_txpow(s, tp, num, time, false, msg, sizeof msg, &reason)) {
        snprintf(s->last_error, sizeof s->last_error, "%s: %.400s",
                 mn_chain_reason_name(reason), msg);
        s->o->free(tp);
        continue;
      }
      const mn_transaction_t *ts[2] = {&tp->body->txn, &tp->body->burntxn};
      const mn_witness_t *ws[2] = {&tp->body->witness, &tp->body->burnwitness};
      for (int k = 0; k < 2 && !err; k++) {
        const mn_transaction_t *t = ts[k];
        for (uint32_t j = 0; j < t->n_inputs && !err; j++) {
          uint64_t e = ws[k]->coinproofs[j].coin.mmrentry;
          simcoin_t *sc = &s->coins[e];
          sc->spent = num;
          mn_mmrdata_t leaf;
          err = coin_leaf(s, sc, &leaf);
          if (!err)
            err = mmr_update(s, e, &leaf);
          size_t *a = realloc(spent, (nspent + 1) * sizeof *a);
          if (!a) {
            err = MN_ENOMEM;
            break;
          }
          spent = a;
          spent[nspent++] = e;
        }
        for (uint32_t j = 0; j < t->n_outputs && !err; j++) {
          uint8_t id[32];
          mn_coin_t *out;
          err = mn_coin_new(s->o, &out);
          if (err)
            break;
          mn_num_t bn;
          s->num->from_i64(&bn, num);
          err = s->o->txn_output_coinid(t, ws[k], false, j, id);
          if (!err)
            err = s->o->txn_make_output(out, t, j, id, &bn, out);
          if (!err)
            err = new_coin(s, out, num);
          s->o->free(out);
        }
      }
      take[ntake++] = tp;
    }
    s->nmempool = 0;
    if (!err)
      err = add_block(s, take, ntake, first, spent, nspent);
    free(spent);
    if (err) {
      for (size_t i = 0; i < ntake; i++)
        s->o->free(take[i]);
      free(take);
      return err;
    }
    connected(s, old, oldid);
  }
  return err;
}

int wal_sim_reorg(wal_sim_t *s, int back) {
  int64_t old = tip_of(s);
  if (back <= 0 || back > old)
    return MN_EINVAL;
  uint8_t oldid[32];
  memcpy(oldid, s->blocks[old].id, 32);
  int64_t fork = old - back;
  for (int64_t n = old; n > fork; n--)
    publish_block(s, n, s->t_disc);
  for (int64_t n = old; n > fork; n--) {
    block_free(s, &s->blocks[n]);
    s->nblocks--;
  }
  size_t keep = s->ncoins;
  while (keep > 0 && s->coins[keep - 1].created > fork)
    keep--;
  for (size_t i = keep; i < s->ncoins; i++)
    s->o->free(s->coins[i].coin);
  s->ncoins = keep;
  for (size_t i = 0; i < s->ncoins; i++)
    if (s->coins[i].spent > fork)
      s->coins[i].spent = -1;
  for (size_t i = 0; i < s->nmempool; i++)
    s->o->free(s->mempool[i]);
  s->nmempool = 0;
  int err = mmr_rebuild(s);
  publish_tip(s, old, oldid, fork, (uint32_t)back, 0);
  return err;
}
