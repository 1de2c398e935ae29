/*
 * check.c - the validation rules of consensus.md §7, in the reference's
 * order (TxPoWChecker, RelayPolicy).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cs.h"

static const uint8_t k_zero = 0x00;
static const uint8_t k_eltoo = 0x01;
static const uint8_t k_create = 0xFF;

#define MAX_RELAY_OUTPUTCOINS 32
#define MAX_RELAY_STORESTATESIZE 65536

static bool fail(cs_fail_t *why, mn_chain_reason_t r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(cs_fail_t *why, mn_chain_reason_t r, const char *fmt, ...) {
  if (why) {
    why->reason = r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->msg, sizeof why->msg, fmt, ap);
    va_end(ap);
  }
  return false;
}

/* ---- coin id uniqueness -------------------------------------------------- */

static int cmp_data(const void *a, const void *b) {
  const mn_data_t *x = *(const mn_data_t *const *)a;
  const mn_data_t *y = *(const mn_data_t *const *)b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = n ? memcmp(x->data, y->data, n) : 0;
  if (c)
    return c;
  return (x->len > y->len) - (x->len < y->len);
}

static size_t collect_ids(const mn_witness_t *w, const mn_data_t **out,
                          size_t n) {
  for (uint32_t i = 0; i < w->n_coinproofs; i++)
    out[n++] = &w->coinproofs[i].coin.coinid;
  return n;
}

bool cs_coinids_unique(const mn_txpow_t *const *ts, size_t nt) {
  size_t total = 0;
  for (size_t i = 0; i < nt; i++)
    if (ts[i] && mn_txpow_is_txn(ts[i]))
      total += ts[i]->body->witness.n_coinproofs +
               ts[i]->body->burnwitness.n_coinproofs;
  if (total < 2)
    return true;
  const mn_data_t **ids = cs_xmalloc(total * sizeof *ids);
  size_t n = 0;
  for (size_t i = 0; i < nt; i++)
    if (ts[i] && mn_txpow_is_txn(ts[i])) {
      n = collect_ids(&ts[i]->body->witness, ids, n);
      n = collect_ids(&ts[i]->body->burnwitness, ids, n);
    }
  qsort(ids, n, sizeof *ids, cmp_data);
  bool ok = true;
  for (size_t i = 1; i < n && ok; i++)
    if (cmp_data(&ids[i - 1], &ids[i]) == 0)
      ok = false;
  free(ids);
  return ok;
}

/* ---- checkTxPoWBasic ----------------------------------------------------- */

static bool basic_txn(const cs_env_t *env, const mn_transaction_t *txn,
                      const mn_witness_t *w, const char *which,
                      cs_fail_t *why) {
  const mn_obj_api_t *obj = env->obj;
  if (mn_transaction_is_empty(txn))
    return true;
  if (!obj->txn_check_valid(txn))
    return fail(why, MN_CHAIN_R_BASIC,
                "%s transaction: inputs and outputs do not add up", which);
  if (txn->n_inputs == 0)
    return fail(why, MN_CHAIN_R_BASIC, "%s transaction has no input", which);
  if (txn->n_inputs != w->n_coinproofs)
    return fail(why, MN_CHAIN_R_BASIC,
                "%s transaction: %u inputs but %u coin proofs", which,
                txn->n_inputs, w->n_coinproofs);
  for (uint32_t i = 0; i < txn->n_inputs; i++) {
    const mn_coin_t *in = &txn->inputs[i];
    const mn_coin_t *pc = &w->coinproofs[i].coin;
    for (uint32_t j = 0; j < i; j++)
      if (cs_data_eq(&w->coinproofs[j].coin.coinid, &pc->coinid))
        return fail(why, MN_CHAIN_R_BASIC,
                    "%s transaction spends a coin id twice (input %u)", which,
                    i);
    if (env->num->cmp(&in->amount, &pc->amount) != 0 ||
        !cs_data_eq(&in->address, &pc->address) ||
        !cs_data_eq(&in->tokenid, &pc->tokenid))
      return fail(why, MN_CHAIN_R_BASIC,
                  "%s input %u does not match its coin proof", which, i);
    if (!cs_data_is(&in->coinid, &k_eltoo, 1) &&
        !cs_data_eq(&in->coinid, &pc->coinid))
      return fail(why, MN_CHAIN_R_BASIC,
                  "%s input %u coin id differs from its proof", which, i);
    if (!cs_data_is(&in->tokenid, &k_zero, 1)) {
      uint8_t tid[32];
      if (!in->token || obj->token_id(in->token, tid) ||
          !cs_data_is(&in->tokenid, tid, 32))
        return fail(why, MN_CHAIN_R_BASIC,
                    "%s input %u token does not match its token id", which, i);
      if (!pc->token || obj->token_id(pc->token, tid) ||
          !cs_data_is(&pc->tokenid, tid, 32))
        return fail(why, MN_CHAIN_R_BASIC,
                    "%s input %u proof token does not match its token id",
                    which, i);
    }
    if (pc->spent)
      return fail(why, MN_CHAIN_R_BASIC,
                  "%s input %u spends a coin marked spent", which, i);
    if (!obj->witness_find_script(w, in->address.data, in->address.len))
      return fail(why, MN_CHAIN_R_BASIC,
                  "%s input %u has no script in the witness", which, i);
  }
  for (uint32_t k = 0; k < txn->n_outputs; k++) {
    const mn_coin_t *o = &txn->outputs[k];
    bool minima = cs_data_is(&o->tokenid, &k_zero, 1);
    bool create = cs_data_is(&o->tokenid, &k_create, 1);
    if (!minima && !create) {
      uint8_t tid[32];
      if (!o->token || obj->token_id(o->token, tid) ||
          !cs_data_is(&o->tokenid, tid, 32))
        return fail(why, MN_CHAIN_R_BASIC,
                    "%s output %u token does not match its token id", which, k);
    } else if (create && !o->token) {
      return fail(why, MN_CHAIN_R_BASIC,
                  "%s output %u creates a token without its details", which, k);
    }
  }
  return true;
}

bool cs_check_basic(const cs_env_t *env, const mn_txpow_t *t, cs_fail_t *why) {
  if (!cs_data_is_zero(&t->header.chainid))
    return fail(why, MN_CHAIN_R_CHAINID, "chain id is not 0x00");
  if (!t->body)
    return fail(why, MN_CHAIN_R_BASIC, "a TxPoW without a body");
  if (!cs_coinids_unique(&t, 1))
    return fail(why, MN_CHAIN_R_BASIC,
                "transaction and burn spend the same coin id");
  const mn_txbody_t *b = t->body;
  if (!basic_txn(env, &b->txn, &b->witness, "main", why))
    return false;
  if (!cs_data_is_zero(&b->txn.linkhash))
    return fail(why, MN_CHAIN_R_BASIC, "main transaction linkhash not 0x00");
  if (!mn_transaction_is_empty(&b->burntxn)) {
    if (!cs_data_is(&b->burntxn.linkhash, t->txnid, 32))
      return fail(why, MN_CHAIN_R_BASIC,
                  "burn transaction is not linked to the main transaction");
    return basic_txn(env, &b->burntxn, &b->burnwitness, "burn", why);
  }
  return true;
}

/* ---- signatures ---------------------------------------------------------- */

static bool sigs_ok(const cs_env_t *env, const uint8_t txnid[32],
                    const mn_witness_t *w) {
  for (uint32_t i = 0; i < w->n_sigs; i++) {
    const mn_signature_t *s = &w->sigs[i];
    if (!s->has_rootkey)
      return false;
    if (env->crypto->treekey_verify(s->rootkey, 32, txnid, 32, s->bytes.data,
                                    s->bytes.len))
      return false;
  }
  return true;
}

bool cs_check_signatures(const cs_env_t *env, const mn_txpow_t *t,
                         cs_fail_t *why) {
  if (!t->body)
    return true;
  if (!sigs_ok(env, t->txnid, &t->body->witness))
    return fail(why, MN_CHAIN_R_SIGNATURE,
                "a signature of the main transaction does not verify");
  if (!sigs_ok(env, t->burntxnid, &t->body->burnwitness))
    return fail(why, MN_CHAIN_R_SIGNATURE,
                "a signature of the burn transaction does not verify");
  return true;
}

/* ---- relay policy -------------------------------------------------------- */

static uint64_t state_store(const cs_env_t *env, const mn_transaction_t *t) {
  uint64_t n = 0;
  for (uint32_t k = 0; k < t->n_outputs; k++)
    if (t->outputs[k].storestate)
      n++;
  size_t sz = 0;
  if (env->obj->txn_state_size(t, &sz))
    return UINT64_MAX / 4;
  return n * (uint64_t)sz;
}

bool cs_check_state_size(const cs_env_t *env, const mn_txpow_t *t,
                         int64_t max) {
  if (!t->body)
    return true;
  uint64_t total =
      state_store(env, &t->body->txn) + state_store(env, &t->body->burntxn);
  return max >= 0 && total <= (uint64_t)max;
}

bool cs_check_relay(const cs_env_t *env, const mn_txpow_t *t) {
  if (!t->body)
    return true;
  if (t->body->txn.n_outputs > MAX_RELAY_OUTPUTCOINS ||
      t->body->burntxn.n_outputs > MAX_RELAY_OUTPUTCOINS)
    return false;
  return cs_check_state_size(env, t, MAX_RELAY_STORESTATESIZE);
}

/* ---- scripts ------------------------------------------------------------- */

bool cs_scripts_monotonic(const mn_txpow_t *t, const cs_scripts_t *s) {
  bool txn = s->txn.checked && s->txn.monotonic;
  bool burn = true;
  if (t->body && !mn_transaction_is_empty(&t->body->burntxn))
    burn = s->burn.checked && s->burn.monotonic;
  return txn && burn;
}

static void kcoin(const cs_env_t *env, const mn_coin_t *c, mn_kiss_coin_t *k) {
  memset(k, 0, sizeof *k);
  k->coinid = c->coinid.data;
  k->coinid_len = c->coinid.len;
  k->address = c->address.data;
  k->address_len = c->address.len;
  k->amount = c->amount;
  k->tokenid = c->tokenid.data;
  k->tokenid_len = c->tokenid.len;
  if (c->token) {
    k->has_token = true;
    k->token_scale = env->num->to_i32_wrap(&c->token->scale);
  }
  k->keepstate = c->storestate;
}

static void kstate(const mn_statevar_t *sv, uint32_t n, mn_kiss_state_t *out) {
  for (uint32_t i = 0; i < n; i++) {
    out[i].port = sv[i].port;
    out[i].text = (const char *)sv[i].text.data;
    out[i].len = sv[i].text.len;
  }
}

static void gnum(mn_kiss_global_t *g, const char *name, const mn_num_t *v) {
  memset(g, 0, sizeof *g);
  g->name = name;
  g->value.type = MN_KISS_NUMBER;
  g->value.number = *v;
}

static void ghex(mn_kiss_global_t *g, const char *name, const mn_data_t *d) {
  memset(g, 0, sizeof *g);
  g->name = name;
  g->value.type = MN_KISS_HEX;
  g->value.data = d->data;
  g->value.len = d->len;
}

int cs_run_script(const cs_env_t *env, const mn_transaction_t *txn,
                  const mn_witness_t *w, uint32_t input, const char *script,
                  size_t len, const mn_num_t *blocknumber,
                  const mn_num_t *blocktime, uint32_t maxops, bool *success,
                  bool *monotonic, char *msg, size_t msgcap) {
  const mn_num_api_t *num = env->num;
  *success = false;
  *monotonic = true;
  if (msgcap)
    msg[0] = 0;
  if (!env->vm) {
    snprintf(msg, msgcap, "no script VM");
    return MN_ESTATE;
  }
  if (input >= txn->n_inputs || input >= w->n_coinproofs) {
    snprintf(msg, msgcap, "input %u out of range", input);
    return MN_ERANGE;
  }
  const mn_coin_t *cc = &txn->inputs[input];
  const mn_coin_t *pc = &w->coinproofs[input].coin;
  int rc = 0;
  mn_num_t coinage, amount, tmp;
  if ((rc = num->sub(&coinage, blocknumber, &pc->created)))
    goto exc;
  amount = cc->amount;
  if (!cs_data_is(&cc->tokenid, &k_zero, 1)) {
    if (!cc->token) {
      rc = MN_EMISSING;
      goto exc;
    }
    if ((rc = env->obj->token_scale_up(cc->token, &cc->amount, &amount)))
      goto exc;
  }
  mn_kiss_global_t g[12];
  gnum(&g[0], "@BLOCK", blocknumber);
  gnum(&g[1], "@BLOCKMILLI", blocktime);
  gnum(&g[2], "@CREATED", &pc->created);
  gnum(&g[3], "@COINAGE", &coinage);
  num->from_u64(&tmp, input);
  gnum(&g[4], "@INPUT", &tmp);
  ghex(&g[5], "@COINID", &cc->coinid);
  gnum(&g[6], "@AMOUNT", &amount);
  ghex(&g[7], "@ADDRESS", &cc->address);
  ghex(&g[8], "@TOKENID", &cc->tokenid);
  memset(&g[9], 0, sizeof g[9]);
  g[9].name = "@SCRIPT";
  g[9].value.type = MN_KISS_STRING;
  g[9].value.data = (const uint8_t *)script;
  g[9].value.len = len;
  mn_num_t tin, tout;
  num->from_u64(&tin, txn->n_inputs);
  num->from_u64(&tout, txn->n_outputs);
  gnum(&g[10], "@TOTIN", &tin);
  gnum(&g[11], "@TOTOUT", &tout);

  size_t nin = txn->n_inputs, nout = txn->n_outputs;
  size_t nst = txn->n_state, npst = pc->n_state, nsig = w->n_sigs;
  size_t nscr = w->n_scripts;
  mn_kiss_coin_t *kin = cs_xcalloc(nin, sizeof *kin);
  mn_kiss_coin_t *kout = cs_xcalloc(nout, sizeof *kout);
  mn_kiss_state_t *kst = cs_xcalloc(nst, sizeof *kst);
  mn_kiss_state_t *kpst = cs_xcalloc(npst, sizeof *kpst);
  mn_kiss_bytes_t *ksig = cs_xcalloc(nsig, sizeof *ksig);
  mn_kiss_script_t *kscr = cs_xcalloc(nscr, sizeof *kscr);
  mn_buf_t proofs = {0};
  size_t *offs = cs_xcalloc(nscr + 1, sizeof *offs);
  for (size_t i = 0; i < nin; i++)
    kcoin(env, &txn->inputs[i], &kin[i]);
  for (size_t i = 0; i < nout; i++)
    kcoin(env, &txn->outputs[i], &kout[i]);
  kstate(txn->state, txn->n_state, kst);
  kstate(pc->state, pc->n_state, kpst);
  size_t ns = 0;
  for (size_t i = 0; i < nsig; i++)
    if (w->sigs[i].has_rootkey) {
      ksig[ns].data = w->sigs[i].rootkey;
      ksig[ns].len = 32;
      ns++;
    }
  for (size_t i = 0; i < nscr; i++) {
    offs[i] = proofs.len;
    mn_mmrproof_encode(env->obj, &w->scripts[i].proof, &proofs);
  }
  offs[nscr] = proofs.len;
  for (size_t i = 0; i < nscr; i++) {
    kscr[i].script = (const char *)w->scripts[i].script.data;
    kscr[i].script_len = w->scripts[i].script.len;
    kscr[i].proof = proofs.data + offs[i];
    kscr[i].proof_len = offs[i + 1] - offs[i];
  }
  mn_kiss_ctx_t ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.size = sizeof ctx;
  ctx.max_instructions = maxops;
  ctx.globals = g;
  ctx.nglobals = 12;
  ctx.state = kst;
  ctx.nstate = nst;
  ctx.prevstate = kpst;
  ctx.nprevstate = npst;
  ctx.inputs = kin;
  ctx.ninputs = nin;
  ctx.outputs = kout;
  ctx.noutputs = nout;
  ctx.signatures = ksig;
  ctx.nsignatures = ns;
  ctx.scripts = kscr;
  ctx.nscripts = nscr;
  mn_kiss_result_t res;
  memset(&res, 0, sizeof res);
  res.size = sizeof res;
  rc = proofs.err ? proofs.err : env->vm->run(script, len, &ctx, 0, &res);
  if (rc == 0) {
    *success = res.success;
    *monotonic = res.monotonic;
    if (!res.success)
      snprintf(msg, msgcap, "%s", res.message[0] ? res.message : "not TRUE");
  }
  env->vm->result_free(&res);
  free(kin);
  free(kout);
  free(kst);
  free(kpst);
  free(ksig);
  free(kscr);
  free(offs);
  mn_buf_free(&proofs);
  if (rc == 0)
    return 0;
exc:
  snprintf(msg, msgcap, "script context: %s", mn_strerror(rc));
  return rc;
}

/* Java String.trim(): chars <= U+0020 off both ends. */
static bool is_return_true(const mn_data_t *s) {
  size_t a = 0, b = s->len;
  while (a < b && s->data[a] <= 0x20)
    a++;
  while (b > a && s->data[b - 1] <= 0x20)
    b--;
  return b - a == 11 && memcmp(s->data + a, "RETURN TRUE", 11) == 0;
}

static bool scripts_txn(const cs_env_t *env, const mn_transaction_t *txn,
                        const mn_witness_t *w, const mn_num_t *bn,
                        const mn_num_t *bt, const mn_num_t *maxops,
                        cs_script_state_t *st, const char *which,
                        cs_fail_t *why) {
  if (st->checked && st->monotonic) {
    if (!st->valid)
      return fail(why, MN_CHAIN_R_SCRIPT, "%s transaction: script failed",
                  which);
    return true;
  }
  st->checked = true;
  st->monotonic = true;
  st->valid = false;
  if (mn_transaction_is_empty(txn)) {
    st->valid = true;
    return true;
  }
  uint32_t ops = (uint32_t)env->num->to_i32_wrap(maxops);
  if (w->n_coinproofs != txn->n_inputs)
    return fail(why, MN_CHAIN_R_SCRIPT,
                "%s transaction: proofs and inputs differ in number", which);
  for (uint32_t i = 0; i < w->n_coinproofs; i++) {
    const mn_coin_t *pc = &w->coinproofs[i].coin;
    const mn_scriptproof_t *sp =
        env->obj->witness_find_script(w, pc->address.data, pc->address.len);
    if (!sp)
      return fail(why, MN_CHAIN_R_SCRIPT, "%s input %u: no script", which, i);
    bool ok, mono;
    char msg[MN_KISS_MSG_MAX];
    int rc =
        cs_run_script(env, txn, w, i, (const char *)sp->script.data,
                      sp->script.len, bn, bt, ops, &ok, &mono, msg, sizeof msg);
    if (rc)
      return fail(why, MN_CHAIN_R_SCRIPT, "%s input %u: %s", which, i, msg);
    if (!mono)
      st->monotonic = false;
    if (!ok)
      return fail(why, MN_CHAIN_R_SCRIPT, "%s input %u script fails: %s", which,
                  i, msg);
    if (!cs_data_is(&pc->tokenid, &k_zero, 1)) {
      if (!pc->token)
        return fail(why, MN_CHAIN_R_SCRIPT, "%s input %u: no token", which, i);
      const mn_data_t *ts = &pc->token->script;
      if (!is_return_true(ts)) {
        /* The trimmed script runs, as the reference does. */
        size_t a = 0, b = ts->len;
        while (a < b && ts->data[a] <= 0x20)
          a++;
        while (b > a && ts->data[b - 1] <= 0x20)
          b--;
        rc = cs_run_script(env, txn, w, i, (const char *)ts->data + a, b - a,
                           bn, bt, ops, &ok, &mono, msg, sizeof msg);
        if (rc)
          return fail(why, MN_CHAIN_R_SCRIPT, "%s input %u token: %s", which, i,
                      msg);
        if (!mono)
          st->monotonic = false;
        if (!ok)
          return fail(why, MN_CHAIN_R_SCRIPT,
                      "%s input %u token script fails: %s", which, i, msg);
      }
    }
  }
  st->valid = true;
  return true;
}

bool cs_check_scripts(const cs_env_t *env, const mn_txpow_t *t,
                      const mn_num_t *bn, const mn_num_t *bt,
                      const mn_num_t *maxops, cs_scripts_t *s, cs_fail_t *why) {
  if (!t->body)
    return fail(why, MN_CHAIN_R_SCRIPT, "no body");
  if (!scripts_txn(env, &t->body->txn, &t->body->witness, bn, bt, maxops,
                   &s->txn, "main", why))
    return false;
  return scripts_txn(env, &t->body->burntxn, &t->body->burnwitness, bn, bt,
                     maxops, &s->burn, "burn", why);
}

/* ---- MMR ----------------------------------------------------------------- */

static bool mmr_witness(const cs_env_t *env, const cs_mmr_t *mmr,
                        const mn_witness_t *w, cs_fail_t *why) {
  for (uint32_t i = 0; i < w->n_coinproofs; i++) {
    const mn_coinproof_t *cp = &w->coinproofs[i];
    mn_mmrdata_t leaf;
    if (env->obj->coin_leaf(&cp->coin, false, &leaf))
      return fail(why, MN_CHAIN_R_MMR_PROOF, "coin %u cannot be hashed", i);
    if (!cs_mmr_check_time_valid(env, mmr, cp->coin.mmrentry, &leaf,
                                 &cp->proof))
      return fail(why, MN_CHAIN_R_MMR_PROOF,
                  "invalid MMR proof for coin %u at block %lld", i,
                  (long long)cs_mmr_blocktime(mmr));
  }
  return true;
}

bool cs_check_mmr(const cs_env_t *env, const cs_mmr_t *mmr, const mn_txpow_t *t,
                  cs_fail_t *why) {
  if (!t->body)
    return true;
  return mmr_witness(env, mmr, &t->body->witness, why) &&
         mmr_witness(env, mmr, &t->body->burnwitness, why);
}

/* ---- checkTxPoWSimple ---------------------------------------------------- */

bool cs_check_simple(const cs_env_t *env, const cs_mmr_t *mmr,
                     const mn_txpow_t *t, const mn_txpow_t *block,
                     cs_scripts_t *s, cs_fail_t *why) {
  const mn_obj_api_t *obj = env->obj;
  const mn_magic_t *mg = &block->header.magic;
  if (!t->body)
    return fail(why, MN_CHAIN_R_BASIC, "a listed TxPoW has no body");
  const mn_data_t *td = &t->body->txndifficulty;
  if (obj->data_cmp_value(td->data, td->len, mg->min_txpow_work.data,
                          mg->min_txpow_work.len) > 0)
    return fail(why, MN_CHAIN_R_TXN_DIFFICULTY,
                "transaction difficulty easier than the block's minimum");
  int64_t maxsize = 0;
  if (env->num->to_i64(&mg->max_txpow_size, &maxsize))
    maxsize = INT64_MAX;
  if (mn_txpow_size_no_txns(t) > (uint64_t)(maxsize < 0 ? 0 : maxsize))
    return fail(why, MN_CHAIN_R_SIZE, "TxPoW of %llu bytes over the limit",
                (unsigned long long)mn_txpow_size_no_txns(t));
  if (!cs_check_state_size(env, t, maxsize))
    return fail(why, MN_CHAIN_R_STATE_SIZE, "stored state over the limit");
  if (!cs_check_mmr(env, mmr, t, why))
    return false;
  return cs_check_scripts(env, t, &block->header.blocknumber,
                          &block->header.timemilli, &mg->max_kissvm_ops, s,
                          why);
}

/* ---- super parents ------------------------------------------------------- */

bool cs_check_parents(const cs_node_t *parent, const cs_cascade_t *casc,
                      const mn_txpow_t *block) {
  int sup = 0;
  for (const cs_node_t *n = parent; n; n = n->parent) {
    while (n->txpow->superlevel >= sup) {
      if (sup >= MN_CASCADE_LEVELS)
        return true; /* the reference would index past 31 and throw */
      if (!cs_data_is(&block->header.superparents[sup], n->txpow->txpowid, 32))
        return false;
      sup++;
    }
  }
  if (casc)
    for (uint32_t i = casc->n; i-- > 0;) {
      const cs_cnode_t *cn = &casc->nodes[i];
      while (cn->superlevel >= sup) {
        if (sup >= MN_CASCADE_LEVELS)
          return true;
        if (!cs_data_is(&block->header.superparents[sup], cn->txpow->txpowid,
                        32))
          return false;
        sup++;
      }
    }
  /* The reference tests index `sup` again and again, not i: only the
   * first unfilled slot must be 0x00. */
  for (int i = sup; i < MN_CASCADE_LEVELS; i++)
    if (!cs_data_is_zero(&block->header.superparents[sup]))
      return false;
  return true;
}

/* ---- checkTxPoWBlock ----------------------------------------------------- */

bool cs_check_block(const cs_env_t *env, cs_node_t *parent,
                    const cs_cascade_t *casc, const mn_txpow_t *block,
                    cs_scripts_t *bs, const mn_txpow_t *const *txns,
                    cs_scripts_t *const *scripts, size_t ntxns,
                    cs_fail_t *why) {
  const mn_obj_api_t *obj = env->obj;
  const mn_txheader_t *h = &block->header;
  if (!cs_data_is_zero(&h->chainid))
    return fail(why, MN_CHAIN_R_CHAINID, "block chain id is not 0x00");
  int64_t number;
  if (cs_num_i64(env, &h->blocknumber, &number) || number != parent->number + 1)
    return fail(why, MN_CHAIN_R_BLOCK_NUMBER, "block number is not %lld + 1",
                (long long)parent->number);
  if (!cs_check_parents(parent, casc, block))
    return fail(why, MN_CHAIN_R_SUPER_PARENTS, "wrong super parents");
  cs_node_t *median = cs_median_time_block(env, parent, env->p.median_calc * 2);
  mn_num_t maxtime, day;
  env->num->from_i64(&day, 86400000);
  if (env->num->add(&maxtime, &median->txpow->header.timemilli, &day))
    return fail(why, MN_CHAIN_R_TIME, "time overflow");
  if (env->num->cmp(&h->timemilli, &median->txpow->header.timemilli) < 0)
    return fail(why, MN_CHAIN_R_TIME, "block time before the median time");
  if (env->num->cmp(&h->timemilli, &maxtime) > 0)
    return fail(why, MN_CHAIN_R_TIME,
                "block time more than 24 h after the median time");
  uint8_t diff[64];
  size_t dlen;
  if (cs_next_difficulty(env, parent, diff, &dlen) ||
      !cs_data_is(&h->blockdifficulty, diff, dlen))
    return fail(why, MN_CHAIN_R_DIFFICULTY, "wrong block difficulty");
  mn_magic_t next;
  uint8_t work[64];
  if (obj->magic_next(&parent->txpow->header.magic, &next, work) ||
      !obj->magic_same(&h->magic, &next))
    return fail(why, MN_CHAIN_R_MAGIC, "magic values differ from the parent's");
  uint32_t nlist = block->body ? block->body->n_txpowlist : 0;
  int32_t maxtxns = env->num->to_i32_wrap(&h->magic.max_txns);
  if ((int64_t)nlist > (int64_t)maxtxns)
    return fail(why, MN_CHAIN_R_TXN_COUNT, "%u transactions, at most %d", nlist,
                maxtxns);
  /* Every coin id spent in the block is unique. */
  const mn_txpow_t **all = cs_xmalloc((ntxns + 1) * sizeof *all);
  all[0] = block;
  for (size_t i = 0; i < ntxns; i++)
    all[i + 1] = txns[i];
  bool uniq = cs_coinids_unique(all, ntxns + 1);
  free(all);
  if (!uniq)
    return fail(why, MN_CHAIN_R_DUPLICATE_INPUT,
                "a coin is spent twice in the block");
  cs_mmr_t *pm = parent->mmr;
  if (mn_txpow_is_txn(block) &&
      !cs_check_simple(env, pm, block, block, bs, why))
    return false;
  for (size_t i = 0; i < ntxns; i++) {
    cs_scripts_t local = {0};
    cs_scripts_t *sc = scripts && scripts[i] ? scripts[i] : &local;
    if (!cs_check_simple(env, pm, txns[i], block, sc, why))
      return false;
  }
  mn_txblock_t *tb = NULL;
  cs_mmr_t *layer = NULL;
  int rc = cs_txblock_build(env, pm, block, txns, ntxns, &tb);
  if (!rc)
    rc = cs_txblock_layer(env, tb, &layer, NULL);
  bool ok = false;
  if (!rc) {
    mn_mmrdata_t root;
    ok = cs_mmr_root(env, layer, &root) == 0 &&
         cs_data_is(&h->mmrroot, root.hash, root.len) &&
         env->num->cmp(&root.value, &h->mmrtotal) == 0;
  }
  cs_mmr_free(layer);
  obj->free(tb);
  if (!ok)
    return fail(why, MN_CHAIN_R_MMR_ROOT,
                rc ? "the block's coins cannot be applied: %s"
                   : "MMR root or total does not match%s",
                rc ? mn_strerror(rc) : "");
  return true;
}
