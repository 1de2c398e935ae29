/*
 * cmd_txn.c - building any transaction by hand (the reference's txn*
 * commands): txncreate, txninput, txnoutput, txnstate, txnsign, txnpost,
 * txnlist, txndelete, txnexport, txnimport.  Each answers with the
 * TxnRow: id, transaction, witness and outputcoindata (the outputs with
 * their real coin ids, for a follow-up transaction).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wal.h"

static const uint8_t ELTOO = 0x01;

/* Loads the row named by the call's id; fails the call when absent. */
static bool load_row(wal_t *w, mn_call_t *call, wal_txnrow_t *row) {
  const char *id = w->host->call_param(call, "id");
  int err = wal_txn_get(w, id, row);
  if (err == MN_ENOENT) {
    w->host->call_error(call, "Transaction not found : %s", id);
    return false;
  }
  if (err) {
    w->host->call_error(call, "Cannot read transaction %s: %s", id,
                        mn_strerror(err));
    return false;
  }
  return true;
}

/* Stores the row and answers with it. */
static void save_reply(wal_t *w, mn_call_t *call, wal_txnrow_t *row) {
  int err = wal_txn_put(w, row);
  if (err)
    w->host->call_error(call, "Cannot store transaction %s: %s", row->id,
                        mn_strerror(err));
  else
    w->host->call_reply(call, wal_txnrow_json(w, row, true));
}

static int cmd_txncreate(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const char *id = w->host->call_param(call, "id");
  wal_txnrow_t row = {0};
  if (wal_txn_get(w, id, &row) == 0) {
    wal_txnrow_free(w, &row);
    w->host->call_error(call, "Txn with this ID already exists : %s", id);
    return 0;
  }
  row.id = strdup(id);
  if (!row.id || mn_transaction_new(w->obj, &row.txn) ||
      mn_witness_new(w->obj, &row.wit))
    w->host->call_error(call, "out of memory");
  else
    save_reply(w, call, &row);
  wal_txnrow_free(w, &row);
  return 0;
}

/* ---- finding coins ---------------------------------------------------- */

typedef struct find_ctx {
  wal_t *w;
  mn_coin_t *found;
} find_ctx_t;

static int take_first(const mn_coin_t *coin, void *data) {
  find_ctx_t *f = data;
  mn_coin_copy(f->w->obj, coin, &f->found);
  return 1;
}

/* The unspent coin with this id, as the MMR holds it (a copy), from the
 * wallet or the chain.  NULL when unknown. */
static mn_coin_t *find_coin(wal_t *w, const uint8_t *id, size_t len) {
  wal_coin_t *c = wal_coin_find(w, id, len);
  mn_coin_t *out = NULL;
  if (c && c->spent < 0) {
    mn_coin_copy(w->obj, c->coin, &out);
    return out;
  }
  const mn_chain_t *ch = wal_chain(w);
  if (!ch)
    return NULL;
  find_ctx_t f = {w, NULL};
  mn_chain_coin_query_t q = {.size = sizeof q,
                             .flags = MN_CHAIN_Q_COINID,
                             .coinid = {id, len},
                             .depth = -1};
  ch->coins_search(ch, &q, take_first, &f);
  return f.found;
}

/* The newest unspent coin a floating input can bind to. */
static mn_coin_t *find_floating(wal_t *w, const mn_coin_t *in) {
  const mn_chain_t *ch = wal_chain(w);
  if (!ch)
    return NULL;
  find_ctx_t f = {w, NULL};
  mn_chain_coin_query_t q = {.size = sizeof q,
                             .flags = MN_CHAIN_Q_AMOUNT | MN_CHAIN_Q_ADDRESS |
                                      MN_CHAIN_Q_TOKENID,
                             .amount = in->amount,
                             .address = in->address,
                             .tokenid = in->tokenid,
                             .depth = -1};
  ch->coins_search(ch, &q, take_first, &f);
  return f.found;
}

/* Adds coin's proof and its script (when the wallet knows it). */
static int add_proof_script(wal_t *w, void *owner, mn_witness_t *wit,
                            const mn_coin_t *coin, bool need_script, char *why,
                            size_t cap) {
  const mn_chain_t *ch = wal_chain(w);
  char *id = wal_hex(coin->coinid.data, coin->coinid.len);
  int err = 0;
  mn_coinproof_t *cp = NULL;
  wal_coin_t *wc = wal_coin_find(w, coin->coinid.data, coin->coinid.len);
  if (wc && wc->spent < 0 && wal_coin_prove(w, wc, true) == 0)
    err = mn_coinproof_copy(w->obj, wc->proof, &cp);
  else if (!ch)
    err = MN_ESTATE;
  else
    err = ch->coin_proof(ch, coin, -1, &cp);
  if (err) {
    snprintf(why, cap, "Cannot make an MMR proof for coin %s: %s",
             id ? id : "?", err == MN_ESTATE ? "no chain" : mn_strerror(err));
    goto out;
  }
  err = mn_add_witness_coinproofs(w->obj, owner, wit, cp);
  if (err)
    goto out;
  wal_script_t *s = wal_script_find(w, coin->address.data, coin->address.len);
  if (!s) {
    if (need_script) {
      char *a = wal_hex(coin->address.data, coin->address.len);
      snprintf(why, cap,
               "SERIOUS ERROR script missing for address : %s "
               "(add it with newscript)",
               a ? a : "?");
      free(a);
      err = MN_EMISSING;
    }
    goto out;
  }
  mn_scriptproof_t sp;
  err = w->obj->scriptproof_make(owner, s->script, s->len, NULL, &sp);
  if (!err) {
    err = mn_add_witness_scripts(w->obj, owner, wit, &sp);
    if (err == MN_EEXIST)
      err = 0;
  }
out:
  if (err && !*why)
    snprintf(why, cap, "Cannot add the proof of coin %s: %s", id ? id : "?",
             mn_strerror(err));
  w->obj->free(cp);
  free(id);
  return err;
}

/* ---- inputs, outputs, state ------------------------------------------- */

static int cmd_txninput(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  wal_txnrow_t row;
  if (!load_row(w, call, &row))
    return 0;
  bool floating = wal_param_bool(w, call, "floating", false);
  mn_buf_t id = {0}, cd = {0}, addr = {0}, tok = {0};
  mn_coin_t *coin = NULL;
  char why[512] = "";
  if (h->call_param(call, "coinid")) {
    if (!wal_param_hex(w, call, "coinid", &id))
      goto out;
    coin = find_coin(w, id.data, id.len);
    if (!coin) {
      h->call_error(call, "CoinID not found : %s",
                    h->call_param(call, "coinid"));
      goto out;
    }
  } else if (h->call_param(call, "coindata")) {
    if (!wal_param_hex(w, call, "coindata", &cd))
      goto out;
    if (mn_coin_decode(w->obj, cd.data, cd.len, NULL, &coin)) {
      h->call_error(call, "ERROR importing coin data");
      goto out;
    }
  } else {
    const char *a = h->call_param(call, "address");
    const char *amt = h->call_param(call, "amount");
    if (!a || !amt) {
      h->call_error(call, "param not specified : %s", a ? "amount" : "address");
      goto out;
    }
    mn_num_t amount;
    if (!wal_param_hex(w, call, "address", &addr) ||
        !wal_param_num(w, call, "amount", NULL, &amount))
      goto out;
    if (h->call_param(call, "tokenid")) {
      if (!wal_param_hex(w, call, "tokenid", &tok))
        goto out;
    } else {
      mn_buf_put_u8(&tok, 0);
    }
    if (mn_coin_new(w->obj, &coin) ||
        w->obj->dup(coin, addr.data, addr.len, &coin->address) ||
        w->obj->dup(coin, tok.data, tok.len, &coin->tokenid)) {
      h->call_error(call, "out of memory");
      goto out;
    }
    coin->amount = amount;
    floating = true;
  }
  if (floating)
    coin->coinid = (mn_data_t){&ELTOO, 1};
  if (mn_add_txn_inputs(w->obj, row.txn, row.txn, coin) ||
      wal_precompute_coinids(w, row.txn, row.txn)) {
    h->call_error(call, "out of memory");
    goto out;
  }
  if (wal_param_bool(w, call, "scriptmmr", false) &&
      add_proof_script(w, row.wit, row.wit, coin, true, why, sizeof why)) {
    h->call_error(call, "%s", why);
    goto out;
  }
  save_reply(w, call, &row);
out:
  w->obj->free(coin);
  mn_buf_free(&id);
  mn_buf_free(&cd);
  mn_buf_free(&addr);
  mn_buf_free(&tok);
  wal_txnrow_free(w, &row);
  return 0;
}

static int cmd_txnoutput(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  mn_num_t amount;
  mn_buf_t addr = {0}, tok = {0};
  wal_txnrow_t row = {0};
  if (!wal_param_num(w, call, "amount", NULL, &amount) ||
      !wal_param_hex(w, call, "address", &addr))
    goto out;
  bool storestate = wal_param_bool(w, call, "storestate", true);
  const mn_token_t *token = NULL;
  if (h->call_param(call, "tokenid")) {
    if (!wal_param_hex(w, call, "tokenid", &tok))
      goto out;
    if (!(tok.len == 1 && tok.data[0] == 0)) {
      token = wal_token_find(w, tok.data, tok.len);
      if (!token) {
        char *hex = wal_hex(tok.data, tok.len);
        h->call_error(call, "Token not found : %s", hex ? hex : "");
        free(hex);
        goto out;
      }
    }
  } else {
    mn_buf_put_u8(&tok, 0);
  }
  mn_num_t mini = amount;
  if (token && w->obj->token_scale_down(token, &amount, &mini)) {
    h->call_error(call, "Invalid token amount");
    goto out;
  }
  if (!load_row(w, call, &row))
    goto out;
  static const uint8_t zero = 0;
  mn_coin_t c = {.coinid = {&zero, 1},
                 .address = {addr.data, addr.len},
                 .amount = mini,
                 .tokenid = {tok.data, tok.len},
                 .storestate = storestate,
                 .token = (mn_token_t *)token};
  w->num->from_i64(&c.created, 0);
  if (mn_add_txn_outputs(w->obj, row.txn, row.txn, &c) ||
      wal_precompute_coinids(w, row.txn, row.txn))
    h->call_error(call, "out of memory");
  else
    save_reply(w, call, &row);
out:
  if (row.id)
    wal_txnrow_free(w, &row);
  mn_buf_free(&addr);
  mn_buf_free(&tok);
  return 0;
}

static int cmd_txnstate(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const char *port = h->call_param(call, "port");
  const char *value = h->call_param(call, "value");
  char *end;
  long p = strtol(port, &end, 10);
  if (*end || p < 0 || p > 255) {
    h->call_error(call, "Invalid port : %s (0..255)", port);
    return 0;
  }
  wal_txnrow_t row;
  if (!load_row(w, call, &row))
    return 0;
  mn_statevar_t sv;
  int err = w->obj->statevar_parse(row.txn, (int)p, value, strlen(value), &sv);
  if (!err)
    err = w->obj->txn_set_state(row.txn, row.txn, &sv);
  if (err)
    h->call_error(call, "Invalid state value : %s", value);
  else
    save_reply(w, call, &row);
  wal_txnrow_free(w, &row);
  return 0;
}

/* ---- posting ------------------------------------------------------------- */

/* What a txnpost (or txnsign with txnpostauto) needs after posting. */
typedef struct post_ctx {
  wal_txnrow_t row; /* alive while the draft points into it */
  bool del;
  json_t *signresp; /* txnsign's response, or NULL for txnpost */
  bool autopost, mine;
  char burn[MN_NUM_STR_MAX];
} post_ctx_t;

static void post_ctx_free(wal_t *w, post_ctx_t *c) {
  wal_txnrow_free(w, &c->row);
  json_decref(c->signresp);
  free(c);
}

static void txn_posted(wal_t *w, wal_post_t *p, int status, const char *msg,
                       const mn_txpow_t *txpow) {
  post_ctx_t *c = p->data;
  if (status) {
    w->host->call_error(p->call, "%s", msg && *msg ? msg : mn_strerror(status));
    post_ctx_free(w, c);
    return;
  }
  bool found = false;
  if (c->del)
    wal_txn_del(w, c->row.id, &found);
  if (c->signresp) {
    json_t *r = c->signresp;
    json_object_set_new(r, "txnpost", json_true());
    json_object_set_new(r, "txnpostauto", json_boolean(c->autopost));
    json_object_set_new(r, "txnpostburn", json_string(c->burn));
    json_object_set_new(r, "txnpostmine", json_boolean(c->mine));
    json_object_set_new(r, "txpow", wal_txpow_json(w, txpow));
    json_object_set_new(r, "delete", json_boolean(c->del));
    w->host->call_reply(p->call, json_incref(r));
  } else {
    w->host->call_reply(p->call, wal_txpow_json(w, txpow));
  }
  post_ctx_free(w, c);
}

/* Posts c->row (taking c). */
static void post_row(wal_t *w, mn_call_t *call, post_ctx_t *c, bool autoset,
                     const mn_num_t *burn) {
  const mn_host_t *h = w->host;
  char why[512] = "";
  mn_txpow_t *draft = NULL;
  uint8_t(*bkeys)[32] = NULL;
  size_t nbkeys = 0;
  if (w->num->sign(burn) < 0) {
    h->call_error(call, "Cannot have negative burn %s", c->burn);
    goto fail;
  }
  if (mn_txpow_new(w->obj, &draft)) {
    h->call_error(call, "out of memory");
    goto fail;
  }
  mn_transaction_t *t = &draft->body->txn;
  mn_witness_t *wit = &draft->body->witness;
  /* The draft borrows the row's lists; builders copy them before growing
   * (cap 0). */
  *t = *c->row.txn;
  *wit = *c->row.wit;
  t->cap_inputs = t->cap_outputs = t->cap_state = 0;
  wit->cap_sigs = wit->cap_coinproofs = wit->cap_scripts = 0;
  if (autoset) {
    for (uint32_t i = 0; i < t->n_inputs; i++) {
      const mn_coin_t *in = &t->inputs[i];
      mn_coin_t *coin = (in->coinid.len == 1 && in->coinid.data[0] == ELTOO)
                            ? find_floating(w, in)
                            : find_coin(w, in->coinid.data, in->coinid.len);
      if (!coin) {
        char *id = wal_hex(in->coinid.data, in->coinid.len);
        h->call_error(call, "Coin with CoinID not found : %s", id);
        free(id);
        goto fail;
      }
      int err = add_proof_script(w, draft, wit, coin, true, why, sizeof why);
      w->obj->free(coin);
      if (err) {
        h->call_error(call, "%s", why);
        goto fail;
      }
    }
  }
  if (wal_precompute_coinids(w, draft, t)) {
    h->call_error(call, "out of memory");
    goto fail;
  }
  if (w->num->sign(burn) > 0 &&
      wal_burn_txn(w, draft, t, burn, &draft->body->burntxn,
                   &draft->body->burnwitness, &bkeys, &nbkeys, why,
                   sizeof why)) {
    h->call_error(call, "%s", why);
    goto fail;
  }
  w->obj->txpow_compute(draft);
  wal_post_t *p = calloc(1, sizeof *p);
  if (!p) {
    h->call_error(call, "out of memory");
    goto fail;
  }
  *p = (wal_post_t){.w = w,
                    .draft = draft,
                    .bkeys = bkeys,
                    .nbkeys = nbkeys,
                    .call = call,
                    .done = txn_posted,
                    .data = c};
  if (wal_post_start(p, why, sizeof why)) {
    h->call_error(call, "%s", why);
    post_ctx_free(w, c);
  }
  return;
fail:
  w->obj->free(draft);
  free(bkeys);
  post_ctx_free(w, c);
}

static int cmd_txnpost(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  mn_num_t zero, burn;
  w->num->from_i64(&zero, 0);
  if (!wal_param_num(w, call, "burn", &zero, &burn))
    return 0;
  post_ctx_t *c = calloc(1, sizeof *c);
  if (!c) {
    w->host->call_error(call, "out of memory");
    return 0;
  }
  if (!load_row(w, call, &c->row)) {
    free(c);
    return 0;
  }
  c->del = wal_param_bool(w, call, "txndelete", false);
  w->num->to_str(&burn, c->burn, sizeof c->burn);
  post_row(w, call, c, wal_param_bool(w, call, "auto", false), &burn);
  return 0;
}

/* ---- signing ----------------------------------------------------------- */

typedef struct sign_ctx {
  wal_t *w;
  mn_call_t *call;
  wal_txnrow_t row;
  json_t *resp;
  bool post, postauto, mine, del;
  mn_num_t burn;
} sign_ctx_t;

static void sign_ctx_free(sign_ctx_t *s) {
  wal_txnrow_free(s->w, &s->row);
  json_decref(s->resp);
  free(s);
}

static void txn_signed(wal_t *w, wal_post_t *p, int status, const char *msg,
                       const mn_txpow_t *txpow) {
  sign_ctx_t *s = p->data;
  const mn_host_t *h = w->host;
  if (status) {
    h->call_error(p->call, "%s", msg && *msg ? msg : mn_strerror(status));
    sign_ctx_free(s);
    return;
  }
  /* Store the row with the draft's (signed) witness. */
  wal_txnrow_t signedrow = {s->row.id, s->row.txn, &p->draft->body->witness};
  int err = wal_txn_put(w, &signedrow);
  if (err) {
    h->call_error(p->call, "Cannot store the signed transaction: %s",
                  mn_strerror(err));
    sign_ctx_free(s);
    return;
  }
  if (!s->post) {
    json_object_set_new(s->resp, "txnpost", json_false());
    h->call_reply(p->call, json_incref(s->resp));
    sign_ctx_free(s);
    return;
  }
  post_ctx_t *c = calloc(1, sizeof *c);
  if (!c || wal_txn_get(w, s->row.id, &c->row)) {
    free(c);
    h->call_error(p->call, "Cannot read the signed transaction back");
    sign_ctx_free(s);
    return;
  }
  c->del = s->del;
  c->signresp = json_incref(s->resp);
  c->autopost = s->postauto;
  c->mine = s->mine;
  w->num->to_str(&s->burn, c->burn, sizeof c->burn);
  mn_call_t *call = p->call;
  mn_num_t burn = s->burn;
  bool autoset = s->postauto;
  sign_ctx_free(s);
  post_row(w, call, c, autoset, &burn);
}

static bool signed_by(const mn_witness_t *wit, const uint8_t pub[32]) {
  for (uint32_t i = 0; i < wit->n_sigs; i++)
    if (wit->sigs[i].has_rootkey && !memcmp(wit->sigs[i].rootkey, pub, 32))
      return true;
  return false;
}

static int cmd_txnsign(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const char *pubk = h->call_param(call, "publickey");
  char why[512] = "";
  mn_num_t zero;
  w->num->from_i64(&zero, 0);
  sign_ctx_t *s = calloc(1, sizeof *s);
  uint8_t(*keys)[32] = NULL;
  size_t nkeys = 0;
  mn_txpow_t *draft = NULL;
  if (!s) {
    h->call_error(call, "out of memory");
    return 0;
  }
  s->w = w;
  s->call = call;
  if (!wal_param_num(w, call, "txnpostburn", &zero, &s->burn) ||
      !load_row(w, call, &s->row)) {
    free(s);
    return 0;
  }
  s->post = h->call_param(call, "txnpostauto") != NULL;
  s->postauto = wal_param_bool(w, call, "txnpostauto", false);
  s->mine = wal_param_bool(w, call, "txnpostmine", false);
  s->del = wal_param_bool(w, call, "txndelete", false);
  if (wal_precompute_coinids(w, s->row.txn, s->row.txn))
    goto oom;
  json_t *found = json_array(), *notfound = json_array(),
         *nonsimple = json_array();
  s->resp = json_object();
  json_object_set_new(s->resp, "keys", found);
  if (!strcmp(pubk, "auto")) {
    for (uint32_t i = 0; i < s->row.txn->n_inputs; i++) {
      const mn_coin_t *in = &s->row.txn->inputs[i];
      wal_script_t *sc = wal_script_find(w, in->address.data, in->address.len);
      char *a = wal_hex(in->address.data, in->address.len);
      if (!sc)
        json_array_append_new(notfound, json_string(a));
      else if (!(sc->flags & WAL_S_SIMPLE))
        json_array_append_new(nonsimple, json_string(a));
      free(a);
      if (!sc || !(sc->flags & WAL_S_SIMPLE) || signed_by(s->row.wit, sc->pub))
        continue;
      bool dup = false;
      for (size_t k = 0; k < nkeys && !dup; k++)
        dup = !memcmp(keys[k], sc->pub, 32);
      if (dup)
        continue;
      uint8_t(*nk)[32] = realloc(keys, (nkeys + 1) * 32);
      if (!nk)
        goto oom;
      keys = nk;
      memcpy(keys[nkeys++], sc->pub, 32);
      char *pk = wal_hex(sc->pub, 32);
      json_array_append_new(found, json_string(pk));
      free(pk);
    }
  } else {
    mn_buf_t pk = {0};
    if (wal_parse_data(w, pubk, &pk) || pk.len != 32 ||
        !wal_key_find(w, pk.data, 32)) {
      h->call_error(call, "Public Key not found : %s", pubk);
      mn_buf_free(&pk);
      json_decref(notfound);
      json_decref(nonsimple);
      sign_ctx_free(s);
      return 0;
    }
    keys = malloc(32);
    if (!keys) {
      mn_buf_free(&pk);
      goto oom;
    }
    memcpy(keys[0], pk.data, 32);
    nkeys = 1;
    char *hex = wal_hex(pk.data, 32);
    json_array_append_new(found, json_string(hex));
    free(hex);
    mn_buf_free(&pk);
  }
  if (json_array_size(nonsimple))
    json_object_set(s->resp, "nonsimple", nonsimple);
  if (json_array_size(notfound))
    json_object_set(s->resp, "notfound", notfound);
  json_decref(nonsimple);
  json_decref(notfound);
  /* Sign through a draft that borrows the row's lists. */
  if (mn_txpow_new(w->obj, &draft))
    goto oom;
  draft->body->txn = *s->row.txn;
  draft->body->witness = *s->row.wit;
  mn_transaction_t *t = &draft->body->txn;
  mn_witness_t *wit = &draft->body->witness;
  t->cap_inputs = t->cap_outputs = t->cap_state = 0;
  wit->cap_sigs = wit->cap_coinproofs = wit->cap_scripts = 0;
  wal_post_t *p = calloc(1, sizeof *p);
  if (!p)
    goto oom;
  *p = (wal_post_t){.w = w,
                    .draft = draft,
                    .keys = keys,
                    .nkeys = nkeys,
                    .sign_only = true,
                    .call = call,
                    .done = txn_signed,
                    .data = s};
  if (wal_post_start(p, why, sizeof why)) {
    h->call_error(call, "%s", why);
    sign_ctx_free(s);
  }
  return 0;
oom:
  h->call_error(call, "out of memory");
  w->obj->free(draft);
  free(keys);
  sign_ctx_free(s);
  return 0;
}

/* ---- listing, deleting, export, import -------------------------------- */

static int cmd_txnlist(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  bool only = wal_param_bool(w, call, "transactiononly", false);
  if (h->call_param(call, "id")) {
    wal_txnrow_t row;
    if (!load_row(w, call, &row))
      return 0;
    h->call_reply(call, wal_txnrow_json(w, &row, !only));
    wal_txnrow_free(w, &row);
    return 0;
  }
  mn_txn_t *t;
  if (h->txn_begin(w->self, MN_TXN_RDONLY, &t)) {
    h->call_error(call, "cannot read the transactions");
    return 0;
  }
  json_t *arr = json_array();
  mn_cursor_t *c;
  if (h->cursor_open(t, w->db_txns, &c) == 0) {
    mn_val_t k, v;
    for (int err = h->cursor_get(c, &k, &v, MN_CURSOR_FIRST); err == 0;
         err = h->cursor_get(c, &k, &v, MN_CURSOR_NEXT)) {
      wal_txnrow_t row;
      if (wal_txnrow_decode(w, v.data, v.size, &row))
        continue;
      free(row.id);
      row.id = strndup(k.data, k.size);
      if (row.id)
        json_array_append_new(arr, wal_txnrow_json(w, &row, !only));
      wal_txnrow_free(w, &row);
    }
    h->cursor_close(c);
  }
  h->txn_abort(t);
  h->call_reply(call, arr);
  return 0;
}

static int cmd_txndelete(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const char *id = w->host->call_param(call, "id");
  bool found = true;
  int err;
  if (!strcmp(id, "all")) {
    wal_batch_t b = {0};
    wal_clear_db(&b, w->db_txns);
    err = wal_commit(w, &b);
  } else {
    err = wal_txn_del(w, id, &found);
  }
  if (err)
    w->host->call_error(call, "Cannot delete: %s", mn_strerror(err));
  else
    w->host->call_reply(call, json_string(found ? "Deleted" : "Not found"));
  return 0;
}

static int cmd_txnexport(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  wal_txnrow_t row;
  if (!load_row(w, call, &row))
    return 0;
  mn_buf_t b = {0};
  wal_txnrow_encode(w, &row, &b);
  const char *file = h->call_param(call, "file");
  json_t *o = json_object();
  if (file) {
    char *path = wal_path(w, file);
    FILE *f = path ? fopen(path, "wb") : NULL;
    bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
    if (f && fclose(f))
      ok = false;
    if (!ok) {
      h->call_error(call, "Cannot write %s", path ? path : file);
      json_decref(o);
      o = NULL;
    } else {
      json_object_set_new(o, "file", json_string(path));
      json_object_set_new(o, "size", json_integer((json_int_t)b.len));
    }
    free(path);
  } else {
    if (wal_param_bool(w, call, "showtxn", false))
      json_object_set_new(o, "txn", wal_txnrow_json(w, &row, true));
    char *hex = wal_hex(b.data, b.len);
    json_object_set_new(o, "data", json_string(hex ? hex : ""));
    free(hex);
  }
  if (o)
    h->call_reply(call, o);
  mn_buf_free(&b);
  wal_txnrow_free(w, &row);
  return 0;
}

static int cmd_txnimport(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const char *file = h->call_param(call, "file");
  mn_buf_t b = {0};
  if (file) {
    char *path = wal_path(w, file);
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
      h->call_error(call, "File does not exist : %s", path ? path : file);
      free(path);
      return 0;
    }
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
      mn_buf_put(&b, chunk, n);
    fclose(f);
    free(path);
  } else if (h->call_param(call, "data")) {
    if (!wal_param_hex(w, call, "data", &b))
      return 0;
  } else {
    h->call_error(call, "Must specify file or data");
    return 0;
  }
  wal_txnrow_t row;
  if (wal_txnrow_decode(w, b.data, b.len, &row)) {
    h->call_error(call, "Invalid transaction data");
  } else {
    const char *id = h->call_param(call, "id");
    if (id) {
      free(row.id);
      row.id = strdup(id);
    }
    if (!row.id || !*row.id)
      h->call_error(call, "The transaction has no id: give one with id:");
    else
      save_reply(w, call, &row);
    wal_txnrow_free(w, &row);
  }
  mn_buf_free(&b);
  return 0;
}

/* ---- the table ---------------------------------------------------------- */

#define ID_PARAM                                                               \
  { "id", MN_PARAM_STRING, MN_PARAM_REQUIRED, "the transaction" }

static const mn_cmd_param_t create_params[] = {ID_PARAM, {NULL, 0, 0, NULL}};

static const mn_cmd_param_t input_params[] = {
    ID_PARAM,
    {"coinid", MN_PARAM_HEX, 0, "an unspent coin by id"},
    {"coindata", MN_PARAM_HEX, 0, "a coin's bytes (outputcoindata)"},
    {"floating", MN_PARAM_BOOL, 0, "bind to any matching coin (0x01)"},
    {"address", MN_PARAM_ADDRESS, 0, "a floating input's address"},
    {"amount", MN_PARAM_NUMBER, 0, "a floating input's amount"},
    {"tokenid", MN_PARAM_HEX, 0, "a floating input's token [0x00]"},
    {"scriptmmr", MN_PARAM_BOOL, 0, "add the coin's proof and script"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t output_params[] = {
    ID_PARAM,
    {"amount", MN_PARAM_NUMBER, MN_PARAM_REQUIRED, "how much"},
    {"address", MN_PARAM_ADDRESS, MN_PARAM_REQUIRED, "to whom"},
    {"tokenid", MN_PARAM_HEX, 0, "the token [0x00]"},
    {"storestate", MN_PARAM_BOOL, 0, "the output keeps the state [true]"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t state_params[] = {
    ID_PARAM,
    {"port", MN_PARAM_STRING, MN_PARAM_REQUIRED, "0..255"},
    {"value", MN_PARAM_STRING, MN_PARAM_REQUIRED,
     "[string], 0x.., a number, TRUE or FALSE"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t sign_params[] = {
    ID_PARAM,
    {"publickey", MN_PARAM_STRING, MN_PARAM_REQUIRED,
     "0x.. one of your keys, or auto"},
    {"txnpostauto", MN_PARAM_BOOL, 0, "post afterwards (true: set proofs)"},
    {"txnpostburn", MN_PARAM_NUMBER, 0, "burn when posting"},
    {"txnpostmine", MN_PARAM_BOOL, 0, "accepted: the chain mines at once"},
    {"txndelete", MN_PARAM_BOOL, 0, "delete after posting"},
    {"password", MN_PARAM_STRING, 0, "accepted; the wallet is not locked"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t post_params[] = {
    ID_PARAM,
    {"auto", MN_PARAM_BOOL, 0, "set the MMR proofs and scripts"},
    {"burn", MN_PARAM_NUMBER, 0, "Minima to burn"},
    {"mine", MN_PARAM_BOOL, 0, "accepted: the chain mines at once"},
    {"txndelete", MN_PARAM_BOOL, 0, "delete after posting"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t list_params[] = {
    {"id", MN_PARAM_STRING, 0, "one transaction"},
    {"transactiononly", MN_PARAM_BOOL, 0, "leave out witnesses"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t delete_params[] = {
    {"id", MN_PARAM_STRING, MN_PARAM_REQUIRED, "the transaction, or all"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t export_params[] = {
    ID_PARAM,
    {"file", MN_PARAM_STRING, 0, "write to this file (data dir relative)"},
    {"showtxn", MN_PARAM_BOOL, 0, "add the TxnRow"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t import_params[] = {
    {"id", MN_PARAM_STRING, 0, "store under this id"},
    {"file", MN_PARAM_STRING, 0, "read this file (data dir relative)"},
    {"data", MN_PARAM_HEX, 0, "the exported data"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t defs[] = {
    {"txncreate", "[id:] - start a custom transaction",
     "txncreate\n\nCreates an empty transaction named id.\n\nExamples:\n\n"
     "txncreate id:simpletxn\n",
     create_params, 0, cmd_txncreate},
    {"txninput",
     "[id:] (coinid:) (coindata:) (floating:) (address:) (amount:) "
     "(tokenid:) (scriptmmr:) - add an input",
     "txninput\n\nAdds an input coin: by coin id, from coin data, or a "
     "floating input (address, amount, tokenid) that binds to any matching "
     "coin when posted.\n\nExamples:\n\ntxninput id:simpletxn "
     "coinid:0xCD34..\n\ntxninput id:eltoo address:0xFF.. amount:10 "
     "floating:true\n",
     input_params, 0, cmd_txninput},
    {"txnoutput",
     "[id:] [amount:] [address:] (tokenid:) (storestate:) - add an output",
     "txnoutput\n\nAdds an output.\n\nExamples:\n\ntxnoutput id:simpletxn "
     "amount:10 address:0xFF..\n",
     output_params, 0, cmd_txnoutput},
    {"txnstate", "[id:] [port:] [value:] - set a state variable",
     "txnstate\n\nSets state variable port (0..255) of a transaction.\n\n"
     "Examples:\n\ntxnstate id:simpletxn port:0 value:0xFF\n\ntxnstate "
     "id:simpletxn port:1 value:[hello]\n",
     state_params, MN_CMD_RAW_BRACKETS, cmd_txnstate},
    {"txnsign",
     "[id:] [publickey:0x..|auto] (txnpostauto:) (txnpostburn:) "
     "(txndelete:) - sign a transaction",
     "txnsign\n\nSigns a transaction with one of your keys, or with every "
     "key its simple inputs need (auto).\n\nExamples:\n\ntxnsign "
     "id:simpletxn publickey:auto\n\ntxnsign id:multisig "
     "publickey:0xFD8B..\n",
     sign_params, MN_CMD_WRITE, cmd_txnsign},
    {"txnpost", "[id:] (auto:) (burn:) (txndelete:) - post a transaction",
     "txnpost\n\nPosts a transaction; auto:true adds the MMR proofs and "
     "scripts of its inputs first.  The reply is the accepted TxPoW.\n\n"
     "Examples:\n\ntxnpost id:simpletxn auto:true\n",
     post_params, 0, cmd_txnpost},
    {"txnlist", "(id:) (transactiononly:) - custom transactions",
     "txnlist\n\nEvery custom transaction, or one.\n", list_params, 0,
     cmd_txnlist},
    {"txndelete", "[id:] - delete a custom transaction (or all)",
     "txndelete\n\nDeletes a custom transaction, or every one with "
     "id:all.\n",
     delete_params, 0, cmd_txndelete},
    {"txnexport", "[id:] (file:) (showtxn:) - export a transaction",
     "txnexport\n\nThe transaction's bytes as hex, or into a file.\n",
     export_params, 0, cmd_txnexport},
    {"txnimport", "(id:) (file:) (data:) - import a transaction",
     "txnimport\n\nImports an exported transaction.\n", import_params, 0,
     cmd_txnimport},
};

int wal_cmd_txn_register(wal_t *w) {
  for (size_t i = 0; i < sizeof defs / sizeof *defs; i++) {
    int err = w->host->command_register(w->self, &defs[i], w);
    if (err)
      return err;
  }
  return 0;
}
