/*
 * cmd_send.c - send, tokencreate and consolidate, as the reference builds
 * them (send.java, tokencreate.java, consolidate.java): the same coin
 * choice, outputs, change, split, state, burn transaction and errors.
 *
 * The reply waits for the chain: it carries the TxPoW the chain mined and
 * accepted, or the chain's reason for refusing it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wal.h"

static const uint8_t MINIMA = 0x00;
static const uint8_t CREATE = 0xFF;
static const uint8_t ZERO = 0x00;

typedef struct recipient {
  uint8_t address[32];
  mn_num_t amount;
} recipient_t;

static void num_text(wal_t *w, const mn_num_t *n, char *buf) {
  w->num->to_str(n, buf, MN_NUM_STR_MAX);
}

static bool is_return_true(const mn_data_t *s) {
  return s->len == 11 && !memcmp(s->data, "RETURN TRUE", 11);
}

/* The reply of a posted send/tokencreate. */
static void post_done(wal_t *w, wal_post_t *p, int status, const char *msg,
                      const mn_txpow_t *txpow) {
  if (status) {
    w->host->call_error(p->call, "%s", msg && *msg ? msg : mn_strerror(status));
    return;
  }
  w->host->call_set(p->call, "dryrun", json_false());
  w->host->call_reply(p->call, wal_txpow_json(w, txpow));
}

/* Adds the state variables of a {"port": value} object.  false (and the
 * call failed) on a bad port or value. */
static bool add_state(wal_t *w, mn_call_t *call, void *owner,
                      mn_transaction_t *t, json_t *state) {
  const char *key;
  json_t *val;
  json_object_foreach(state, key, val) {
    char *end;
    long port = strtol(key, &end, 10);
    char *text = json_is_string(val)
                     ? strdup(json_string_value(val))
                     : json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
    mn_statevar_t sv;
    int err =
        (*key && !*end && text)
            ? w->obj->statevar_parse(owner, (int)port, text, strlen(text), &sv)
            : MN_EINVAL;
    if (!err)
      err = w->obj->txn_set_state(owner, t, &sv);
    if (err) {
      w->host->call_error(call, "Invalid state variable %s : %s", key,
                          text ? text : "?");
      free(text);
      return false;
    }
    free(text);
  }
  return true;
}

static void out_coin(mn_coin_t *c, const uint8_t *address, const mn_num_t *amt,
                     const uint8_t *tokenid, size_t tlen, const mn_token_t *tok,
                     bool storestate) {
  memset(c, 0, sizeof *c);
  c->coinid = (mn_data_t){&ZERO, 1};
  c->address = (mn_data_t){address, 32};
  c->amount = *amt;
  c->tokenid = (mn_data_t){tokenid, tlen};
  c->storestate = storestate;
  c->token = (mn_token_t *)tok;
}

static json_t *sizes_json(wal_t *w, const mn_txpow_t *t) {
  json_t *o = json_object();
  size_t len = 0;
  w->obj->measure(MN_OBJ_TXPOW, t, &len);
  json_object_set_new(o, "txpow", json_integer((json_int_t)len));
  const mn_transaction_t *x = &t->body->txn;
  json_t *ins = json_object(), *outs = json_object();
  for (uint32_t i = 0; i < x->n_inputs; i++) {
    char *id = wal_hex(x->inputs[i].coinid.data, x->inputs[i].coinid.len);
    w->obj->measure(MN_OBJ_COIN, &x->inputs[i], &len);
    json_object_set_new(ins, id, json_integer((json_int_t)len));
    free(id);
  }
  for (uint32_t i = 0; i < x->n_outputs; i++) {
    char *id = wal_hex(x->outputs[i].coinid.data, x->outputs[i].coinid.len);
    w->obj->measure(MN_OBJ_COIN, &x->outputs[i], &len);
    json_object_set_new(outs, id, json_integer((json_int_t)len));
    free(id);
  }
  json_object_set_new(o, "inputcoins", ins);
  json_object_set_new(o, "outputcoins", outs);
  w->obj->measure(MN_OBJ_WITNESS, &t->body->witness, &len);
  json_object_set_new(o, "witness", json_integer((json_int_t)len));
  return o;
}

/* ---- send --------------------------------------------------------------- */

static bool parse_recipients(wal_t *w, mn_call_t *call, json_t *params,
                             recipient_t **out, size_t *n, mn_num_t *total) {
  const mn_host_t *h = w->host;
  json_t *multi = json_object_get(params, "multi");
  w->num->from_i64(total, 0);
  if (multi) {
    if (!json_is_array(multi)) {
      h->call_error(call, "multi must be a JSON array of \"address:amount\"");
      return false;
    }
    *out = calloc(json_array_size(multi) + 1, sizeof **out);
    size_t i;
    json_t *v;
    json_array_foreach(multi, i, v) {
      const char *s = json_string_value(v);
      const char *colon = s ? strchr(s, ':') : NULL;
      if (!colon) {
        h->call_error(call, "multi entry %zu is not \"address:amount\"", i);
        return false;
      }
      char *addr = strndup(s, (size_t)(colon - s));
      mn_buf_t b = {0};
      int err = wal_parse_data(w, addr, &b);
      if (err || b.len != 32) {
        h->call_error(call, "Invalid address %s%s", addr,
                      err == MN_EINVALID ? " (wrong Mx checksum)" : "");
        free(addr);
        mn_buf_free(&b);
        return false;
      }
      free(addr);
      recipient_t *r = &(*out)[(*n)++];
      memcpy(r->address, b.data, 32);
      mn_buf_free(&b);
      if (w->num->parse(&r->amount, colon + 1, strlen(colon + 1))) {
        h->call_error(call, "Invalid amount in multi : %s", s);
        return false;
      }
      w->num->add(total, total, &r->amount);
    }
    return true;
  }
  const char *addr = h->call_param(call, "address");
  const char *amt = h->call_param(call, "amount");
  if (!addr || !amt) {
    h->call_error(call, "param not specified : %s",
                  addr ? "amount" : "address");
    return false;
  }
  *out = calloc(1, sizeof **out);
  mn_buf_t b = {0};
  wal_parse_data(w, addr, &b);
  memcpy((*out)[0].address, b.data, 32); /* normalised 32 bytes */
  mn_buf_free(&b);
  w->num->parse(&(*out)[0].amount, amt, strlen(amt));
  *total = (*out)[0].amount;
  *n = 1;
  return true;
}

static int cmd_send(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const mn_num_api_t *N = w->num;
  recipient_t *rec = NULL;
  size_t nrec = 0;
  mn_buf_t tokenid = {0}, from = {0}, signkey = {0};
  wal_coin_t **cands = NULL;
  wal_post_t *p = NULL;
  uint8_t(*keys)[32] = NULL;
  size_t nkeys = 0;
  uint8_t(*bkeys)[32] = NULL;
  size_t nbkeys = 0;
  char why[512] = "";
  char b1[MN_NUM_STR_MAX], b2[MN_NUM_STR_MAX];
  mn_txpow_t *draft = NULL;

  mn_num_t total, zero, one, three, burn, split, coinage;
  N->from_i64(&zero, 0);
  N->from_i64(&one, 1);
  N->from_i64(&three, WAL_CONFIRM_DEPTH);
  if (!parse_recipients(w, call, params, &rec, &nrec, &total))
    goto out;
  if (h->call_param(call, "tokenid")) {
    if (!wal_param_hex(w, call, "tokenid", &tokenid))
      goto out;
  } else {
    mn_buf_put_u8(&tokenid, MINIMA);
  }
  bool minima = tokenid.len == 1 && tokenid.data[0] == MINIMA;
  bool dryrun = wal_param_bool(w, call, "dryrun", false);
  bool storestate = wal_param_bool(w, call, "storestate", true);
  if (!wal_param_num(w, call, "burn", &zero, &burn) ||
      !wal_param_num(w, call, "split", &one, &split) ||
      !wal_param_num(w, call, "coinage", &three, &coinage))
    goto out;
  if (N->sign(&burn) < 0) {
    num_text(w, &burn, b1);
    h->call_error(call, "Cannot have negative burn %s", b1);
    goto out;
  }
  N->floor(&split, &split);
  int64_t isplit = 0;
  N->to_i64(&split, &isplit);
  if (isplit < 1 || isplit > WAL_MAX_SPLIT) {
    h->call_error(call, "Split must be whole number from 1 to %d",
                  WAL_MAX_SPLIT);
    goto out;
  }
  if (minima)
    N->add(&total, &total, &burn);
  int64_t age = 0;
  N->to_i64(&coinage, &age);
  if (N->cmp(&coinage, &three) < 0) {
    h->call_error(call, "Coinage MUST be >= %d", WAL_CONFIRM_DEPTH);
    goto out;
  }
  if ((h->call_param(call, "fromaddress") &&
       !wal_param_hex(w, call, "fromaddress", &from)) ||
      (h->call_param(call, "signkey") &&
       !wal_param_hex(w, call, "signkey", &signkey)))
    goto out;
  json_t *state = json_object_get(params, "state");
  if (state && !json_is_object(state)) {
    h->call_error(call, "state must be a JSON object {\"port\":\"value\"}");
    goto out;
  }
  if (!wal_chain(w) || w->tip < 0) {
    h->call_error(call, "No blocks yet.. (no chain to send on)");
    goto out;
  }

  /* Coins. */
  size_t ncand;
  cands = wal_candidates(w, tokenid.data, tokenid.len,
                         from.len == 32 ? from.data : NULL, age, &ncand);
  char *tid = wal_hex(tokenid.data, tokenid.len);
  if (!cands || ncand == 0) {
    h->call_error(call, "No Coins of tokenid:%s available!", tid);
    free(tid);
    goto out;
  }
  free(tid);
  const mn_token_t *token = NULL;
  mn_num_t find = total;
  if (!minima) {
    token = cands[0]->coin->token;
    if (!token || w->obj->token_scale_down(token, &total, &find)) {
      h->call_error(call, "Invalid token amount to send");
      goto out;
    }
  }
  size_t nsel = wal_select(w, cands, ncand, &find);
  mn_num_t have;
  N->from_i64(&have, 0);
  size_t used = 0;
  for (size_t i = 0; i < nsel && N->cmp(&have, &total) < 0; i++) {
    mn_num_t amt = cands[i]->coin->amount;
    if (!minima)
      w->obj->token_scale_up(cands[i]->coin->token, &amt, &amt);
    N->add(&have, &have, &amt);
    cands[used++] = cands[i];
  }
  if (token && !is_return_true(&token->script)) {
    wal_fail_message(w, call, "Token script is not simple : %.*s",
                     (int)token->script.len, token->script.data);
    goto out;
  }
  if (N->cmp(&have, &total) < 0) {
    num_text(w, &have, b1);
    num_text(w, &total, b2);
    wal_fail_message(w, call,
                     "Insufficient funds.. you only have %s "
                     "require:%s",
                     b1, b2);
    goto out;
  }
  mn_num_t change;
  N->sub(&change, &have, &total);

  /* The transaction. */
  if (mn_txpow_new(w->obj, &draft)) {
    h->call_error(call, "out of memory");
    goto out;
  }
  mn_transaction_t *t = &draft->body->txn;
  mn_witness_t *wit = &draft->body->witness;
  if (wal_add_inputs(w, draft, t, wit, cands, used, &keys, &nkeys, why,
                     sizeof why)) {
    h->call_error(call, "%s", why);
    goto out;
  }
  if (signkey.len == 32) {
    free(keys);
    keys = malloc(32);
    memcpy(keys[0], signkey.data, 32);
    nkeys = 1;
  }
  mn_num_t sendtotal = total;
  if (!minima) {
    mn_num_t back;
    if (w->obj->token_scale_down(token, &total, &sendtotal) ||
        w->obj->token_scale_up(token, &sendtotal, &back) ||
        N->cmp(&back, &total) != 0) {
      num_text(w, &total, b1);
      h->call_error(call, "Invalid Token amount to send.. %s", b1);
      goto out;
    }
  } else if (!N->is_valid_amount(&total)) {
    num_text(w, &total, b1);
    h->call_error(call, "Invalid Minima amount to send.. %s", b1);
    goto out;
  }
  for (size_t r = 0; r < nrec; r++) {
    mn_num_t utotal = rec[r].amount, each, sum, rest;
    if (!minima)
      w->obj->token_scale_down(token, &rec[r].amount, &utotal);
    N->div(&each, &utotal, &split);
    if (N->sign(&each) <= 0) {
      char *a = wal_hex(rec[r].address, 32);
      h->call_error(call,
                    "Cannot have ZERO output - output is too small "
                    "for this user.. %s",
                    a);
      free(a);
      goto out;
    }
    N->from_i64(&sum, 0);
    mn_coin_t c;
    for (int64_t i = 0; i < isplit; i++) {
      out_coin(&c, rec[r].address, &each, tokenid.data, tokenid.len, token,
               storestate);
      if (mn_add_txn_outputs(w->obj, draft, t, &c))
        goto oom;
      N->add(&sum, &sum, &each);
    }
    N->sub(&rest, &utotal, &sum);
    if (N->sign(&rest) > 0) {
      out_coin(&c, rec[r].address, &rest, tokenid.data, tokenid.len, token,
               storestate);
      if (mn_add_txn_outputs(w->obj, draft, t, &c))
        goto oom;
    }
  }
  if (N->sign(&change) > 0) {
    wal_script_t *s = wal_script_default(w);
    if (!s) {
      h->call_error(call, "No change address yet: the wallet is still "
                          "making its keys, try again in a moment");
      goto out;
    }
    const uint8_t *chg = from.len == 32 ? from.data : s->address;
    mn_num_t camt = change;
    if (!minima)
      w->obj->token_scale_down(token, &change, &camt);
    mn_coin_t c;
    out_coin(&c, chg, &camt, tokenid.data, tokenid.len, token, false);
    if (mn_add_txn_outputs(w->obj, draft, t, &c))
      goto oom;
  }
  if (t->n_outputs > WAL_MAX_OUTPUTS) {
    h->call_error(call,
                  "Too many outputs %u - will not be relayed by "
                  "network",
                  t->n_outputs);
    goto out;
  }
  if (state && !add_state(w, call, draft, t, state))
    goto out;
  if (wal_precompute_coinids(w, draft, t))
    goto oom;
  if (!minima && N->sign(&burn) > 0) {
    if (wal_burn_txn(w, draft, t, &burn, &draft->body->burntxn,
                     &draft->body->burnwitness, &bkeys, &nbkeys, why,
                     sizeof why)) {
      h->call_error(call, "%s", why);
      goto out;
    }
  }
  w->obj->txpow_compute(draft);
  if (dryrun) {
    h->call_set(call, "dryrun", json_true());
    h->call_set(call, "bytesize", sizes_json(w, draft));
    h->call_reply(call, wal_txpow_json(w, draft));
    goto out;
  }
  p = calloc(1, sizeof *p);
  if (!p)
    goto oom;
  *p = (wal_post_t){.w = w,
                    .draft = draft,
                    .keys = keys,
                    .nkeys = nkeys,
                    .bkeys = bkeys,
                    .nbkeys = nbkeys,
                    .call = call,
                    .done = post_done};
  draft = NULL;
  keys = bkeys = NULL;
  if (wal_post_start(p, why, sizeof why))
    h->call_error(call, "%s", why);
  goto out;
oom:
  h->call_error(call, "out of memory");
out:
  w->obj->free(draft);
  free(keys);
  free(bkeys);
  free(cands);
  free(rec);
  mn_buf_free(&tokenid);
  mn_buf_free(&from);
  mn_buf_free(&signkey);
  return 0;
}

/* ---- tokencreate ------------------------------------------------------- */

static int cmd_tokencreate(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const mn_num_api_t *N = w->num;
  char why[512] = "", b1[MN_NUM_STR_MAX];
  mn_txpow_t *draft = NULL;
  wal_coin_t **cands = NULL;
  uint8_t(*keys)[32] = NULL;
  size_t nkeys = 0;
  json_t *jname = NULL;
  char *nametext = NULL;
  mn_buf_t signkey = {0};

  json_t *name = json_object_get(params, "name");
  const char *amount = h->call_param(call, "amount");
  if (!name || !amount) {
    h->call_error(call, "MUST specify name and amount");
    goto out;
  }
  if (json_is_object(name)) {
    if (!json_object_get(name, "name")) {
      h->call_error(call, "MUST specify a 'name' for the token in the JSON");
      goto out;
    }
    jname = json_deep_copy(name);
  } else {
    jname = json_object();
    json_object_set_new(jname, "name",
                        json_is_string(name)
                            ? json_incref(name)
                            : json_string(h->call_param(call, "name")));
  }
  bool uselimits = wal_param_bool(w, call, "uselimits", true);
  mn_num_t zero, eight, dec, burn, toks;
  N->from_i64(&zero, 0);
  N->from_i64(&eight, 8);
  if (!wal_param_num(w, call, "decimals", &eight, &dec) ||
      !wal_param_num(w, call, "burn", &zero, &burn) ||
      !wal_param_num(w, call, "amount", &zero, &toks))
    goto out;
  int64_t decimals = 8;
  if (N->to_i64(&dec, &decimals) || !N->is_whole(&dec) || decimals < 0 ||
      decimals > MN_TOKEN_DECIMALS) {
    h->call_error(call, "Invalid decimals : %s",
                  h->call_param(call, "decimals"));
    goto out;
  }
  if (uselimits && decimals > 16) {
    h->call_error(call, "MAX 16 decimal places");
    goto out;
  }
  if (N->sign(&burn) < 0) {
    h->call_error(call, "Cannot have negative burn");
    goto out;
  }
  N->floor(&toks, &toks);
  mn_num_t trillion;
  N->parse(&trillion, "1000000000000", 13);
  if (uselimits && N->cmp(&toks, &trillion) > 0) {
    h->call_error(call, "MAX 1 Trillion coins for a token");
    goto out;
  }
  if (N->sign(&toks) <= 0) {
    h->call_error(call, "Cannot create less than 1 token");
    goto out;
  }
  json_t *state = json_object_get(params, "state");
  if (state && !json_is_object(state)) {
    h->call_error(call, "state must be a JSON object {\"port\":\"value\"}");
    goto out;
  }
  const char *script = h->call_param(call, "script");
  if (!script)
    script = "RETURN TRUE";
  if (!wal_chain(w) || w->tip < 0) {
    h->call_error(call, "No blocks yet.. (no chain to create a token on)");
    goto out;
  }
  /* colour = 1E-44 x 10^decimals x tokens; scale = 44 - decimals. */
  mn_num_t unit, ten, pw, colour, scale, need;
  N->parse(&unit, "1E-44", 5);
  N->from_i64(&ten, 10);
  N->pow(&pw, &ten, (int32_t)decimals);
  N->mul(&colour, &unit, &pw);
  N->mul(&colour, &colour, &toks);
  N->from_i64(&scale, MN_TOKEN_DECIMALS - decimals);
  N->add(&need, &colour, &burn);

  size_t ncand;
  cands = wal_candidates(w, &MINIMA, 1, NULL, WAL_CONFIRM_DEPTH, &ncand);
  if (!cands || ncand == 0) {
    h->call_error(call, "No Minima Coins available!");
    goto out;
  }
  mn_num_t have;
  N->from_i64(&have, 0);
  size_t used = 0;
  for (size_t i = 0; i < ncand && N->cmp(&have, &need) < 0; i++) {
    N->add(&have, &have, &cands[i]->coin->amount);
    cands[used++] = cands[i];
  }
  if (N->cmp(&have, &need) < 0) {
    num_text(w, &have, b1);
    wal_fail_message(w, call, "Insufficient funds.. you only have %s", b1);
    goto out;
  }
  mn_num_t change;
  N->sub(&change, &have, &need);
  if (mn_txpow_new(w->obj, &draft))
    goto oom;
  mn_transaction_t *t = &draft->body->txn;
  if (wal_add_inputs(w, draft, t, &draft->body->witness, cands, used, &keys,
                     &nkeys, why, sizeof why)) {
    h->call_error(call, "%s", why);
    goto out;
  }
  wal_script_t *dest = wal_script_default(w);
  if (!dest) {
    h->call_error(call, "No address yet: the wallet is still making its "
                        "keys, try again in a moment");
    goto out;
  }
  const char *web = h->call_param(call, "webvalidate");
  if (web)
    json_object_set_new(jname, "webvalidate", json_string(web));
  if (h->call_param(call, "signtoken")) {
    if (!wal_param_hex(w, call, "signtoken", &signkey))
      goto out;
    uint8_t tcoin[32];
    w->obj->coinid(t->inputs[0].coinid.data, t->inputs[0].coinid.len, 0, tcoin);
    uint64_t use;
    mn_buf_t sig = {0};
    int err = signkey.len == 32
                  ? wal_reserve_uses(w, (const uint8_t(*)[32])signkey.data, 1,
                                     &use, why, sizeof why)
                  : MN_ENOENT;
    if (!err)
      err = wal_sign_now(w, signkey.data, use, tcoin, 32, &sig);
    if (err) {
      h->call_error(call, "%s", *why ? why : "Cannot sign the token");
      mn_buf_free(&sig);
      goto out;
    }
    char *pk = wal_hex(signkey.data, 32), *sg = wal_hex(sig.data, sig.len);
    json_object_set_new(jname, "signtype", json_string("minima"));
    json_object_set_new(jname, "signedby", json_string(pk));
    json_object_set_new(jname, "signature", json_string(sg));
    free(pk);
    free(sg);
    mn_buf_free(&sig);
  }
  nametext = json_dumps(jname, JSON_COMPACT);
  mn_token_t tok = {
      .coinid = {&ZERO, 1}, .scale = scale, .amount = colour, .created = zero};
  if (w->obj->dup_string(draft, script, strlen(script), &tok.script) ||
      w->obj->dup_string(draft, nametext, strlen(nametext), &tok.name))
    goto oom;
  mn_coin_t c;
  out_coin(&c, dest->address, &colour, &CREATE, 1, &tok, true);
  if (mn_add_txn_outputs(w->obj, draft, t, &c))
    goto oom;
  if (N->sign(&change) > 0) {
    wal_script_t *s = wal_script_default(w);
    out_coin(&c, s->address, &change, &MINIMA, 1, NULL, false);
    if (mn_add_txn_outputs(w->obj, draft, t, &c))
      goto oom;
  }
  if (state && !add_state(w, call, draft, t, state))
    goto out;
  if (wal_precompute_coinids(w, draft, t))
    goto oom;
  w->obj->txpow_compute(draft);
  wal_post_t *p = calloc(1, sizeof *p);
  if (!p)
    goto oom;
  *p = (wal_post_t){.w = w,
                    .draft = draft,
                    .keys = keys,
                    .nkeys = nkeys,
                    .call = call,
                    .done = post_done};
  draft = NULL;
  keys = NULL;
  if (wal_post_start(p, why, sizeof why))
    h->call_error(call, "%s", why);
  goto out;
oom:
  h->call_error(call, "out of memory");
out:
  w->obj->free(draft);
  free(keys);
  free(cands);
  json_decref(jname);
  free(nametext);
  mn_buf_free(&signkey);
  return 0;
}

/* ---- consolidate --------------------------------------------------------- */

typedef struct consolidate_ctx {
  wal_t *w;
  mn_call_t *call;
} consolidate_ctx_t;

static void consolidate_done(json_t *result, void *data) {
  consolidate_ctx_t *c = data;
  const mn_host_t *h = c->w->host;
  json_t *r = json_is_array(result) ? json_array_get(result, 0) : result;
  if (json_is_true(json_object_get(r, "status"))) {
    h->call_reply(c->call, json_incref(json_object_get(r, "response")));
  } else {
    const char *m = json_string_value(json_object_get(r, "message"));
    if (!m)
      m = json_string_value(json_object_get(r, "error"));
    wal_fail_message(c->w, c->call, "%s", m ? m : "consolidate failed");
  }
  json_decref(result);
  free(c);
}

static int cmd_consolidate(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const mn_num_api_t *N = w->num;
  mn_buf_t tokenid = {0};
  wal_coin_t **cands = NULL;
  char *line = NULL;
  if (!wal_param_hex(w, call, "tokenid", &tokenid))
    goto out;
  mn_num_t three, five, twenty, zero, coinage, maxsigs, maxcoins, burn;
  N->from_i64(&three, WAL_CONFIRM_DEPTH);
  N->from_i64(&five, 5);
  N->from_i64(&twenty, 20);
  N->from_i64(&zero, 0);
  if (!wal_param_num(w, call, "coinage", &three, &coinage) ||
      !wal_param_num(w, call, "maxsigs", &five, &maxsigs) ||
      !wal_param_num(w, call, "maxcoins", &twenty, &maxcoins) ||
      !wal_param_num(w, call, "burn", &zero, &burn))
    goto out;
  if (N->cmp(&coinage, &three) < 0) {
    h->call_error(call, "Coinage MUST be >= %d", WAL_CONFIRM_DEPTH);
    goto out;
  }
  int64_t age = 3, msigs = 5, mcoins = 20;
  N->to_i64(&coinage, &age);
  N->to_i64(&maxsigs, &msigs);
  N->to_i64(&maxcoins, &mcoins);
  size_t n;
  cands = wal_candidates(w, tokenid.data, tokenid.len, NULL, age, &n);
  if (!cands || n < 3) {
    h->call_error(call, "Not enough coins (%zu) to consolidate", n);
    goto out;
  }
  /* Ordered as the reference's orderCoins: an amount that no coin
   * reaches returns every coin in that order. */
  mn_num_t huge;
  N->parse(&huge, "1000000000000000000000", 22);
  n = wal_select(w, cands, n, &huge);
  mn_num_t total;
  N->from_i64(&total, 0);
  int64_t sigs = 0, coins = 0;
  const mn_data_t *cur = NULL;
  for (size_t i = 0; i < n; i++) {
    const mn_coin_t *k = cands[i]->coin;
    mn_num_t amt = k->amount;
    if (k->token)
      w->obj->token_scale_up(k->token, &k->amount, &amt);
    if (!cur || cur->len != k->address.len ||
        memcmp(cur->data, k->address.data, cur->len)) {
      if (sigs + 1 > msigs)
        break;
      cur = &k->address;
      sigs++;
    }
    N->add(&total, &total, &amt);
    if (++coins >= mcoins)
      break;
  }
  wal_script_t *s = wal_script_default(w);
  if (!s) {
    h->call_error(call, "No address yet: the wallet is still making keys");
    goto out;
  }
  char tb[MN_NUM_STR_MAX], bb[MN_NUM_STR_MAX], cb[MN_NUM_STR_MAX];
  N->to_str(&total, tb, sizeof tb);
  N->to_str(&burn, bb, sizeof bb);
  N->to_str(&coinage, cb, sizeof cb);
  char *addr = wal_hex(s->address, 32);
  char *tid = wal_hex(tokenid.data, tokenid.len);
  bool dryrun = wal_param_bool(w, call, "dryrun", false);
  if (asprintf(&line,
               "send coinage:%s split:2 dryrun:%s burn:%s amount:%s "
               "address:%s tokenid:%s",
               cb, dryrun ? "true" : "false", bb, tb, addr, tid) < 0)
    line = NULL;
  free(addr);
  free(tid);
  consolidate_ctx_t *c = line ? malloc(sizeof *c) : NULL;
  if (!c) {
    h->call_error(call, "out of memory");
    goto out;
  }
  c->w = w;
  c->call = call;
  if (h->command_exec(w->self, line, MN_EXEC_WRITE, consolidate_done, c)) {
    free(c);
    h->call_error(call, "cannot run send");
  }
out:
  (void)params;
  free(line);
  free(cands);
  mn_buf_free(&tokenid);
  return 0;
}

/* ---- the table ------------------------------------------------------------
 */

static const mn_cmd_param_t send_params[] = {
    {"address", MN_PARAM_ADDRESS, 0, "the address to pay (0x or Mx)"},
    {"amount", MN_PARAM_NUMBER, 0, "how much"},
    {"multi", MN_PARAM_JSON, 0, "[\"address:amount\",..] several payees"},
    {"tokenid", MN_PARAM_HEX, 0, "the token [0x00, Minima]"},
    {"state", MN_PARAM_JSON, 0, "state variables {\"port\":\"value\"}"},
    {"burn", MN_PARAM_NUMBER, 0, "Minima to burn"},
    {"split", MN_PARAM_NUMBER, 0, "outputs per payee, 1..20 [1]"},
    {"coinage", MN_PARAM_NUMBER, 0, "minimum coin depth, >= 3 [3]"},
    {"debug", MN_PARAM_BOOL, 0, "accepted for compatibility"},
    {"dryrun", MN_PARAM_BOOL, 0, "build but neither sign nor post"},
    {"mine", MN_PARAM_BOOL, 0, "accepted: the chain always mines at once"},
    {"password", MN_PARAM_STRING, 0, "accepted; the wallet is not locked"},
    {"storestate", MN_PARAM_BOOL, 0, "outputs keep the state [true]"},
    {"fromaddress", MN_PARAM_ADDRESS, 0, "only coins of this address"},
    {"signkey", MN_PARAM_HEX, 0, "sign with only this key"},
    {"action", MN_PARAM_STRING, 0, "accepted for compatibility"},
    {"uid", MN_PARAM_STRING, 0, "accepted for compatibility"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t tokencreate_params[] = {
    {"name", MN_PARAM_ANY, 0, "the name, or a JSON object with a name"},
    {"amount", MN_PARAM_NUMBER, 0, "how many tokens, 1..1e12"},
    {"decimals", MN_PARAM_NUMBER, 0, "decimal places, 0..16 [8]"},
    {"script", MN_PARAM_STRING, 0, "the token script [RETURN TRUE]"},
    {"state", MN_PARAM_JSON, 0, "state variables {\"port\":\"value\"}"},
    {"signtoken", MN_PARAM_HEX, 0, "sign the token with this key"},
    {"webvalidate", MN_PARAM_STRING, 0, "a URL that validates the token"},
    {"burn", MN_PARAM_NUMBER, 0, "Minima to burn"},
    {"mine", MN_PARAM_BOOL, 0, "accepted: the chain always mines at once"},
    {"uselimits", MN_PARAM_BOOL, 0, "keep the 16 decimals / 1e12 limits"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t consolidate_params[] = {
    {"tokenid", MN_PARAM_HEX, MN_PARAM_REQUIRED, "the token to consolidate"},
    {"coinage", MN_PARAM_NUMBER, 0, "minimum coin depth [3]"},
    {"maxcoins", MN_PARAM_NUMBER, 0, "at most this many coins [20]"},
    {"maxsigs", MN_PARAM_NUMBER, 0, "at most this many keys [5]"},
    {"burn", MN_PARAM_NUMBER, 0, "Minima to burn"},
    {"debug", MN_PARAM_BOOL, 0, "accepted for compatibility"},
    {"dryrun", MN_PARAM_BOOL, 0, "build but neither sign nor post"},
    {"password", MN_PARAM_STRING, 0, "accepted; the wallet is not locked"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t defs[] = {
    {"send",
     "(address:) (amount:) (multi:) (tokenid:) (state:) (burn:) (split:) "
     "(coinage:) (dryrun:) - send Minima or tokens",
     "send\n\nSends Minima or a token to an address (or several, with "
     "multi), from coins at least `coinage` blocks deep.  split: the payee "
     "gets that many equal coins.  burn: Minima burnt as the fee.  The "
     "reply is the TxPoW the chain mined and accepted.\n\nExamples:\n\n"
     "send address:0xFF.. amount:10\n\nsend address:Mx.. amount:10 "
     "tokenid:0xFED5.. burn:0.1\n\nsend multi:[\"0xFF..:10\",\"0xEE..:5\"] "
     "split:2\n\nsend amount:1 address:0xFF.. state:{\"0\":\"0xEE..\"}\n",
     send_params, MN_CMD_WRITE, cmd_send},
    {"tokencreate",
     "[name:] [amount:] (decimals:) (script:) (state:) (burn:) - create a "
     "token",
     "tokencreate\n\nCreates `amount` tokens, coloured with Minima, paid "
     "to one of your addresses.\n\nExamples:\n\ntokencreate name:mytoken "
     "amount:1000\n\ntokencreate name:{\"name\":\"Gold\",\"description\":"
     "\"shiny\"} amount:10 decimals:2\n",
     tokencreate_params, MN_CMD_WRITE, cmd_tokencreate},
    {"consolidate",
     "[tokenid:] (coinage:) (maxcoins:) (maxsigs:) (burn:) (dryrun:) - join "
     "small coins",
     "consolidate\n\nSends up to maxcoins of your coins of a token back to "
     "yourself as two coins.\n\nExamples:\n\nconsolidate tokenid:0x00\n",
     consolidate_params, MN_CMD_WRITE, cmd_consolidate},
};

int wal_cmd_send_register(wal_t *w) {
  for (size_t i = 0; i < sizeof defs / sizeof *defs; i++) {
    int err = w->host->command_register(w->self, &defs[i], w);
    if (err)
      return err;
  }
  return 0;
}
