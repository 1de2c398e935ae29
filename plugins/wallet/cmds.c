/*
 * cmds.c - the wallet's reading commands and address commands, with the
 * reference node's names, parameters and JSON: balance, coins,
 * getaddress, newaddress, keys, scripts, newscript, tokens, history; and
 * the parameter helpers the other command files share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wal.h"

/* ---- helpers --------------------------------------------------------- */

bool wal_param_num(wal_t *w, mn_call_t *call, const char *name,
                   const mn_num_t *def, mn_num_t *out) {
  const char *s = w->host->call_param(call, name);
  if (!s) {
    if (def)
      *out = *def;
    return true;
  }
  if (w->num->parse(out, s, strlen(s)) == 0)
    return true;
  w->host->call_error(call, "Invalid number parameter : %s %s", name, s);
  return false;
}

bool wal_param_bool(wal_t *w, mn_call_t *call, const char *name, bool def) {
  const char *s = w->host->call_param(call, name);
  return s ? strcmp(s, "true") == 0 : def;
}

bool wal_param_hex(wal_t *w, mn_call_t *call, const char *name, mn_buf_t *out) {
  const char *s = w->host->call_param(call, name);
  if (s && wal_parse_data(w, s, out) == 0)
    return true;
  w->host->call_error(call, "Invalid Data param specified : %s %s", name,
                      s ? s : "");
  return false;
}

void wal_fail_message(wal_t *w, mn_call_t *call, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  w->host->call_set(call, "message", json_string(buf));
  w->host->call_error(call, "%s", buf);
}

json_t *wal_num_json(wal_t *w, const mn_num_t *n) {
  char buf[MN_NUM_STR_MAX];
  w->num->to_str(n, buf, sizeof buf);
  return json_string(buf);
}

static json_t *i64_json(int64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%lld", (long long)v);
  return json_string(buf);
}

static const uint8_t MINIMA_ID = 0x00;

/* ---- balance ------------------------------------------------------------ */

static json_t *text_of(const mn_data_t *d) {
  return json_stringn((const char *)d->data, d->len);
}

static int cmd_balance(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  mn_num_t three, conf;
  w->num->from_i64(&three, WAL_CONFIRM_DEPTH);
  if (!wal_param_num(w, call, "confirmations", &three, &conf))
    return 0;
  int64_t confs = 0;
  w->num->to_i64(&conf, &confs);
  bool simple = wal_param_bool(w, call, "simple", false);
  bool details = wal_param_bool(w, call, "tokendetails", false);
  mn_buf_t addr = {0}, only = {0};
  if (h->call_param(call, "address") &&
      !wal_param_hex(w, call, "address", &addr))
    goto out;
  if (h->call_param(call, "tokenid") &&
      !wal_param_hex(w, call, "tokenid", &only))
    goto out;
  json_t *arr = json_array();
  /* Minima first, then every token held, in order of first coin. */
  size_t ntok = 0;
  const mn_token_t **toks = calloc(w->ncoins + 1, sizeof *toks);
  for (size_t i = 0; toks && i < w->ncoins; i++) {
    const mn_coin_t *k = w->coins[i].coin;
    if (w->coins[i].spent >= 0 || !k->token || k->tokenid.len != 32)
      continue;
    bool seen = false;
    for (size_t j = 0; j < ntok && !seen; j++) {
      uint8_t id[32];
      w->obj->token_id(toks[j], id);
      seen = !memcmp(id, k->tokenid.data, 32);
    }
    if (!seen)
      toks[ntok++] = k->token;
  }
  for (size_t t = 0; t <= ntok; t++) {
    uint8_t id[32];
    const uint8_t *tid = &MINIMA_ID;
    size_t tlen = 1;
    const mn_token_t *tok = NULL;
    if (t > 0) {
      tok = toks[t - 1];
      w->obj->token_id(tok, id);
      tid = id;
      tlen = 32;
    }
    if (only.len && (only.len != tlen || memcmp(only.data, tid, tlen)))
      continue;
    mn_wallet_balance_t b = {.size = sizeof b};
    wal_balance(w, tid, tlen, addr.len == 32 ? addr.data : NULL, confs, &b);
    json_t *o = json_object();
    char buf[MN_NUM_STR_MAX];
    char *hex = wal_hex(tid, tlen);
    if (!tok) {
      json_object_set_new(o, "token", json_string("Minima"));
      json_object_set_new(o, "tokenid", json_string(hex));
      json_object_set_new(o, "confirmed", wal_num_json(w, &b.confirmed));
      json_object_set_new(o, "unconfirmed", wal_num_json(w, &b.unconfirmed));
      json_object_set_new(o, "sendable", wal_num_json(w, &b.sendable));
      json_object_set_new(o, "coins", i64_json(b.coins));
      json_object_set_new(o, "total", json_string("1000000000"));
    } else {
      json_object_set_new(o, "token", text_of(&tok->name));
      json_object_set_new(o, "tokenid", json_string(hex));
      wal_token_amount(w, tok, &b.confirmed, buf, sizeof buf);
      json_object_set_new(o, "confirmed", json_string(buf));
      wal_token_amount(w, tok, &b.unconfirmed, buf, sizeof buf);
      json_object_set_new(o, "unconfirmed", json_string(buf));
      wal_token_amount(w, tok, &b.sendable, buf, sizeof buf);
      json_object_set_new(o, "sendable", json_string(buf));
      json_object_set_new(o, "coins", i64_json(b.coins));
      wal_token_amount(w, tok, &tok->amount, buf, sizeof buf);
      json_object_set_new(o, "total", json_string(buf));
      if (details) {
        json_t *d = json_object();
        int32_t scale = w->num->to_i32_wrap(&tok->scale);
        json_object_set_new(d, "decimals",
                            json_integer(MN_TOKEN_DECIMALS - scale));
        json_object_set_new(d, "script", text_of(&tok->script));
        json_object_set_new(d, "totalamount", wal_num_json(w, &tok->amount));
        json_object_set_new(d, "scale", wal_num_json(w, &tok->scale));
        json_object_set_new(d, "created", wal_num_json(w, &tok->created));
        json_object_set_new(o, "details", d);
      }
    }
    free(hex);
    if (simple) {
      json_t *s = json_object();
      json_t *name = json_string("Minima");
      if (tok) {
        json_t *parsed =
            json_loadb((const char *)tok->name.data, tok->name.len, 0, NULL);
        json_t *n =
            json_is_object(parsed) ? json_object_get(parsed, "name") : NULL;
        json_decref(name);
        name = n ? json_incref(n) : text_of(&tok->name);
        json_decref(parsed);
      }
      json_object_set_new(s, "name", name);
      json_object_set(s, "amount", json_object_get(o, "confirmed"));
      json_decref(o);
      o = s;
    }
    json_array_append_new(arr, o);
  }
  free(toks);
  h->call_reply(call, arr);
out:
  mn_buf_free(&addr);
  mn_buf_free(&only);
  return 0;
}

/* ---- coins ----------------------------------------------------------------
 */

static bool state_has(const mn_coin_t *c, const char *text) {
  size_t n = strlen(text);
  for (uint32_t i = 0; i < c->n_state; i++) {
    const mn_data_t *t = &c->state[i].text;
    for (size_t k = 0; k + n <= t->len; k++)
      if (!strncasecmp((const char *)t->data + k, text, n))
        return true;
  }
  return false;
}

typedef struct coins_req {
  wal_t *w;
  bool sendable, checkmempool;
  mn_buf_t coinid, address, tokenid;
  bool has_amount;
  mn_num_t amount;
  const char *state;
  int64_t coinage, depth, tip;
  /* results: owned copies */
  wal_coin_t *c;
  size_t n, cap;
  int err;
} coins_req_t;

static bool coin_matches(coins_req_t *r, const mn_coin_t *k, int64_t created) {
  wal_t *w = r->w;
  if (r->coinid.len && (k->coinid.len != r->coinid.len ||
                        memcmp(k->coinid.data, r->coinid.data, r->coinid.len)))
    return false;
  if (r->address.len &&
      (k->address.len != r->address.len ||
       memcmp(k->address.data, r->address.data, r->address.len)))
    return false;
  if (r->tokenid.len &&
      (k->tokenid.len != r->tokenid.len ||
       memcmp(k->tokenid.data, r->tokenid.data, r->tokenid.len)))
    return false;
  if (r->has_amount && w->num->cmp(&k->amount, &r->amount) != 0)
    return false;
  if (r->state && !state_has(k, r->state))
    return false;
  if (r->sendable) {
    wal_script_t *s = wal_script_find(w, k->address.data, k->address.len);
    if (!s || !(s->flags & WAL_S_SIMPLE))
      return false;
  }
  if (created > r->tip - r->coinage)
    return false;
  if (r->depth >= 0 && r->tip - created > r->depth)
    return false;
  const mn_chain_t *ch = wal_chain(w);
  if (r->checkmempool && ch &&
      ch->mempool_spends(ch, k->coinid.data, k->coinid.len))
    return false;
  return true;
}

static int keep_coin(coins_req_t *r, const mn_coin_t *coin, int64_t created) {
  if (!coin_matches(r, coin, created))
    return 0;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 32;
    wal_coin_t *a = realloc(r->c, cap * sizeof *a);
    if (!a) {
      r->err = MN_ENOMEM;
      return 1;
    }
    r->c = a;
    r->cap = cap;
  }
  wal_coin_t *c = &r->c[r->n];
  memset(c, 0, sizeof *c);
  if (mn_coin_copy(r->w->obj, coin, &c->coin)) {
    r->err = MN_ENOMEM;
    return 1;
  }
  c->created = created;
  c->spent = -1;
  r->n++;
  return 0;
}

static int from_chain(const mn_coin_t *coin, void *data) {
  coins_req_t *r = data;
  int64_t created = 0;
  r->w->num->to_i64(&coin->created, &created);
  return keep_coin(r, coin, created);
}

static int cmp_created_asc(const void *a, const void *b) {
  const wal_coin_t *x = a, *y = b;
  return x->created < y->created ? -1 : x->created > y->created;
}

static int cmp_created_desc(const void *a, const void *b) {
  return cmp_created_asc(b, a);
}

static int cmd_coins(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  coins_req_t r = {.w = w, .tip = w->tip, .depth = -1};
  bool relevant = wal_param_bool(w, call, "relevant", false);
  if (!h->call_param(call, "relevant") && !h->call_param(call, "coinid") &&
      !h->call_param(call, "address") && !h->call_param(call, "state") &&
      !h->call_param(call, "tokenid"))
    relevant = true;
  r.sendable = wal_param_bool(w, call, "sendable", false);
  bool simplestate = wal_param_bool(w, call, "simplestate", false);
  r.checkmempool = wal_param_bool(w, call, "checkmempool", false);
  const char *order = h->call_param(call, "order");
  bool asc = order && strcmp(order, "asc") == 0;
  r.state = h->call_param(call, "state");
  mn_num_t zero, v, total;
  w->num->from_i64(&zero, 0);
  bool has_total = h->call_param(call, "totalamount") != NULL;
  if ((h->call_param(call, "coinid") &&
       !wal_param_hex(w, call, "coinid", &r.coinid)) ||
      (h->call_param(call, "address") &&
       !wal_param_hex(w, call, "address", &r.address)) ||
      (h->call_param(call, "tokenid") &&
       !wal_param_hex(w, call, "tokenid", &r.tokenid)) ||
      !wal_param_num(w, call, "coinage", &zero, &v) ||
      !wal_param_num(w, call, "totalamount", &zero, &total))
    goto out;
  w->num->to_i64(&v, &r.coinage);
  if (h->call_param(call, "depth")) {
    if (!wal_param_num(w, call, "depth", &zero, &v))
      goto out;
    w->num->to_i64(&v, &r.depth);
  }
  if (h->call_param(call, "amount")) {
    if (!wal_param_num(w, call, "amount", &zero, &r.amount))
      goto out;
    r.has_amount = true;
  }
  const mn_chain_t *ch = wal_chain(w);
  if (r.tip >= 0) {
    if (relevant) {
      /* The wallet's coins. */
      for (size_t i = 0; i < w->ncoins && !r.err; i++)
        if (w->coins[i].spent < 0)
          keep_coin(&r, w->coins[i].coin, w->coins[i].created);
      if (r.n > 1)
        qsort(r.c, r.n, sizeof *r.c, cmp_created_desc);
    } else if (ch) {
      /* Any coin of the chain. */
      mn_chain_coin_query_t q = {.size = sizeof q, .depth = -1};
      if (r.coinid.len) {
        q.flags |= MN_CHAIN_Q_COINID;
        q.coinid = (mn_data_t){r.coinid.data, r.coinid.len};
      }
      if (r.address.len) {
        q.flags |= MN_CHAIN_Q_ADDRESS;
        q.address = (mn_data_t){r.address.data, r.address.len};
      }
      if (r.tokenid.len) {
        q.flags |= MN_CHAIN_Q_TOKENID;
        q.tokenid = (mn_data_t){r.tokenid.data, r.tokenid.len};
      }
      ch->coins_search(ch, &q, from_chain, &r);
    }
  }
  if (r.err) {
    h->call_error(call, "out of memory");
    goto out;
  }
  if (asc && r.n > 1)
    qsort(r.c, r.n, sizeof *r.c, cmp_created_asc);
  size_t n = r.n;
  wal_coin_t **pick = malloc((n + 1) * sizeof *pick);
  if (!pick) {
    h->call_error(call, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    pick[i] = &r.c[i];
  if (has_total) {
    mn_num_t want = total;
    if (r.tokenid.len && !(r.tokenid.len == 1 && r.tokenid.data[0] == 0) &&
        n > 0 && pick[0]->coin->token)
      w->obj->token_scale_down(pick[0]->coin->token, &total, &want);
    n = wal_select(w, pick, n, &want);
  }
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *j = wal_coin_json(w, pick[i], simplestate);
    if (!j)
      continue;
    json_object_set_new(j, "age", i64_json(r.tip - pick[i]->created));
    json_array_append_new(arr, j);
  }
  free(pick);
  h->call_reply(call, arr);
out:
  (void)params;
  for (size_t i = 0; i < r.n; i++)
    w->obj->free(r.c[i].coin);
  free(r.c);
  mn_buf_free(&r.coinid);
  mn_buf_free(&r.address);
  mn_buf_free(&r.tokenid);
  return 0;
}

/* ---- addresses -------------------------------------------------------- */

static int cmd_getaddress(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  wal_script_t *s = wal_script_default(w);
  if (!s)
    wal_wait_default(w, call); /* the first default key is being made */
  else
    w->host->call_reply(call, wal_script_json(w, s));
  return 0;
}

static void newaddress_done(wal_t *w, int status, wal_key_t *key,
                            wal_script_t *script, void *data) {
  mn_call_t *call = data;
  (void)key;
  if (status)
    w->host->call_error(call, "Cannot make a new address: %s",
                        mn_strerror(status));
  else
    w->host->call_reply(call, wal_script_json(w, script));
}

static int cmd_newaddress(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  /* Making a key hashes for tens of milliseconds: on the work queue. */
  int err = wal_new_key_async(w, true, newaddress_done, call);
  if (err)
    w->host->call_error(call, "Cannot make a new address: %s",
                        mn_strerror(err));
  return 0;
}

/* ---- keys ---------------------------------------------------------------- */

static json_t *key_json(const wal_key_t *k) {
  uint8_t mod[4];
  size_t n = wal_modifier(k->index, mod);
  char *m = wal_hex(mod, n), *pub = wal_hex(k->pub, 32);
  json_t *o = json_object();
  json_object_set_new(o, "size", json_integer(k->size));
  json_object_set_new(o, "depth", json_integer(k->depth));
  json_object_set_new(o, "uses", json_integer((json_int_t)k->uses));
  json_object_set_new(o, "maxuses", json_integer((json_int_t)k->maxuses));
  json_object_set_new(o, "modifier", json_string(m ? m : ""));
  json_object_set_new(o, "publickey", json_string(pub ? pub : ""));
  free(m);
  free(pub);
  return o;
}

static void newkey_done(wal_t *w, int status, wal_key_t *key,
                        wal_script_t *script, void *data) {
  mn_call_t *call = data;
  (void)script;
  if (status)
    w->host->call_error(call, "Cannot make a new key: %s", mn_strerror(status));
  else
    w->host->call_reply(call, key_json(key));
}

typedef struct check_job {
  wal_t *w;
  mn_call_t *call;
  uint8_t seed[32];
  size_t n;
  wal_key_t *keys; /* copies */
  size_t correct, wrong;
} check_job_t;

static void check_work(void *data) {
  check_job_t *j = data;
  for (size_t i = 0; i < j->n; i++) {
    uint8_t pub[32];
    if (wal_derive_pub(j->w->crypto, j->seed, j->keys[i].index, j->keys[i].size,
                       j->keys[i].depth, pub) == 0 &&
        !memcmp(pub, j->keys[i].pub, 32))
      j->correct++;
    else
      j->wrong++;
  }
}

static void check_done(void *data, int status) {
  check_job_t *j = data;
  j->w->jobs--;
  if (status) {
    j->w->host->call_error(j->call, "the node is shutting down");
  } else {
    json_t *o = json_object();
    json_object_set_new(o, "allkeys", json_integer((json_int_t)j->n));
    json_object_set_new(o, "correct", json_integer((json_int_t)j->correct));
    json_object_set_new(o, "wrong", json_integer((json_int_t)j->wrong));
    j->w->host->call_reply(j->call, o);
  }
  memset(j->seed, 0, 32);
  free(j->keys);
  free(j);
}

static int cmd_keys(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const char *action = h->call_param(call, "action");
  if (!action)
    action = "list";
  if (!strcmp(action, "list")) {
    mn_buf_t pub = {0};
    const char *mod = h->call_param(call, "modifier");
    if (h->call_param(call, "publickey") &&
        !wal_param_hex(w, call, "publickey", &pub))
      return 0;
    json_t *arr = json_array();
    uint64_t maxuses = 0;
    for (size_t i = 0; i < w->nkeys; i++) {
      const wal_key_t *k = &w->keys[i];
      if (pub.len && (pub.len != 32 || memcmp(pub.data, k->pub, 32)))
        continue;
      json_t *j = key_json(k);
      if (mod &&
          strcasecmp(json_string_value(json_object_get(j, "modifier")), mod)) {
        json_decref(j);
        continue;
      }
      if (k->uses > maxuses)
        maxuses = k->uses;
      json_array_append_new(arr, j);
    }
    mn_buf_free(&pub);
    json_t *o = json_object();
    json_object_set_new(o, "total",
                        json_integer((json_int_t)json_array_size(arr)));
    json_object_set_new(o, "maxuses", json_integer((json_int_t)maxuses));
    json_object_set_new(o, "keys", arr);
    h->call_reply(call, o);
  } else if (!strcmp(action, "new")) {
    int err = wal_new_key_async(w, false, newkey_done, call);
    if (err)
      h->call_error(call, "Cannot make a new key: %s", mn_strerror(err));
  } else if (!strcmp(action, "checkkeys")) {
    check_job_t *j = calloc(1, sizeof *j);
    if (j)
      j->keys = calloc(w->nkeys + 1, sizeof *j->keys);
    if (!j || !j->keys) {
      free(j);
      h->call_error(call, "out of memory");
      return 0;
    }
    j->w = w;
    j->call = call;
    memcpy(j->seed, w->seed, 32);
    j->n = w->nkeys;
    for (size_t i = 0; i < w->nkeys; i++) {
      j->keys[i] = w->keys[i];
      j->keys[i].tk = NULL;
    }
    if (h->work_submit(w->self, check_work, check_done, j)) {
      free(j->keys);
      free(j);
      h->call_error(call, "the node is shutting down");
      return 0;
    }
    w->jobs++;
  } else {
    h->call_error(call, "Unknown action : %s", action);
  }
  return 0;
}

/* ---- scripts ------------------------------------------------------------- */

static int cmp_seq(const void *a, const void *b) {
  const wal_script_t *x = *(wal_script_t *const *)a;
  const wal_script_t *y = *(wal_script_t *const *)b;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmd_scripts(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  if (h->call_param(call, "address")) {
    mn_buf_t a = {0};
    if (!wal_param_hex(w, call, "address", &a))
      return 0;
    wal_script_t *s = wal_script_find(w, a.data, a.len);
    mn_buf_free(&a);
    if (!s)
      h->call_error(call, "Script with that address not found");
    else
      h->call_reply(call, wal_script_json(w, s));
    return 0;
  }
  wal_script_t **all = malloc((w->nscripts + 1) * sizeof *all);
  if (!all) {
    h->call_error(call, "out of memory");
    return 0;
  }
  for (size_t i = 0; i < w->nscripts; i++)
    all[i] = &w->scripts[i];
  qsort(all, w->nscripts, sizeof *all, cmp_seq);
  json_t *arr = json_array();
  for (size_t i = 0; i < w->nscripts; i++)
    json_array_append_new(arr, wal_script_json(w, all[i]));
  free(all);
  h->call_reply(call, arr);
  return 0;
}

static int cmd_newscript(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const char *script = h->call_param(call, "script");
  bool track = wal_param_bool(w, call, "trackall", false);
  bool clean = wal_param_bool(w, call, "clean", false);
  mn_buf_t c = {0};
  size_t len = strlen(script);
  if (clean) {
    if (!w->vm) {
      h->call_error(call, "clean:true needs the kissvm plugin");
      return 0;
    }
    if (w->vm->clean(script, len, &c) || c.err) {
      mn_buf_free(&c);
      h->call_error(call, "The script cannot be cleaned: %s", script);
      return 0;
    }
    script = (const char *)c.data;
    len = c.len;
  }
  wal_script_t *s;
  int err = wal_script_add(w, script, len, NULL, track ? WAL_S_TRACK : 0, &s);
  mn_buf_free(&c);
  if (err) {
    h->call_error(call, "Cannot store the script: %s", mn_strerror(err));
    return 0;
  }
  if (track)
    wal_scan_addresses(w, (const uint8_t(*)[32])s->address, 1);
  h->call_reply(call, wal_script_json(w, s));
  return 0;
}

/* ---- tokens -------------------------------------------------------------- */

static int cmd_tokens(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const char *action = h->call_param(call, "action");
  mn_buf_t id = {0};
  if (h->call_param(call, "tokenid") && !wal_param_hex(w, call, "tokenid", &id))
    return 0;
  if (action && !strcmp(action, "import")) {
    mn_buf_t d = {0};
    mn_token_t *tok = NULL;
    if (!h->call_param(call, "data"))
      h->call_error(call, "param not specified : data");
    else if (wal_param_hex(w, call, "data", &d)) {
      if (mn_token_decode(w->obj, d.data, d.len, NULL, &tok)) {
        h->call_error(call, "Invalid token data");
      } else {
        wal_batch_t b = {0};
        int err = wal_token_insert(w, tok, &b);
        if (!err)
          err = wal_commit(w, &b);
        else
          wal_batch_free(&b);
        if (err) {
          h->call_error(call, "Cannot store the token: %s", mn_strerror(err));
        } else {
          json_t *o = json_object();
          json_object_set_new(o, "token", w->obj->json(MN_OBJ_TOKEN, tok, 0));
          h->call_reply(call, o);
        }
      }
    }
    w->obj->free(tok);
    mn_buf_free(&d);
    mn_buf_free(&id);
    return 0;
  }
  if (id.len) {
    const mn_token_t *tok = wal_token_find(w, id.data, id.len);
    if (!tok) {
      char *hex = wal_hex(id.data, id.len);
      h->call_error(call, "Token not found : %s", hex ? hex : "");
      free(hex);
    } else if (action && !strcmp(action, "export")) {
      mn_buf_t b = {0};
      mn_token_encode(w->obj, tok, &b);
      char *tid = wal_hex(id.data, id.len), *hex = wal_hex(b.data, b.len);
      json_t *o = json_object();
      json_object_set_new(o, "tokenid", json_string(tid ? tid : ""));
      json_object_set_new(o, "data", json_string(hex ? hex : ""));
      free(tid);
      free(hex);
      mn_buf_free(&b);
      h->call_reply(call, o);
    } else {
      h->call_reply(call, w->obj->json(MN_OBJ_TOKEN, tok, 0));
    }
    mn_buf_free(&id);
    return 0;
  }
  if (action && !strcmp(action, "export")) {
    h->call_error(call, "param not specified : tokenid");
    return 0;
  }
  json_t *arr = json_array();
  json_t *m = json_object();
  json_object_set_new(m, "name", json_string("Minima"));
  json_object_set_new(m, "tokenid", json_string("0x00"));
  json_object_set_new(m, "total", json_string("1000000000"));
  json_object_set_new(m, "decimals", json_integer(MN_NUM_MAX_DECIMALS));
  json_object_set_new(m, "scale", json_integer(1));
  json_array_append_new(arr, m);
  for (size_t i = 0; i < w->ntokens; i++)
    json_array_append_new(arr, w->obj->json(MN_OBJ_TOKEN, w->tokens[i].tok, 0));
  h->call_reply(call, arr);
  return 0;
}

/* ---- history ------------------------------------------------------------ */

static void add_amount(wal_t *w, json_t *map, const mn_coin_t *c) {
  char *tok = wal_hex(c->tokenid.data, c->tokenid.len);
  mn_num_t amt = c->amount, old;
  if (c->token)
    w->obj->token_scale_up(c->token, &c->amount, &amt);
  const char *prev = json_string_value(json_object_get(map, tok));
  if (prev && w->num->parse(&old, prev, strlen(prev)) == 0)
    w->num->add(&amt, &amt, &old);
  json_object_set_new(map, tok, wal_num_json(w, &amt));
  free(tok);
}

static json_t *txn_details(wal_t *w, const mn_txpow_t *t) {
  json_t *ins = json_object(), *outs = json_object(), *diff = json_object();
  const mn_transaction_t *x = &t->body->txn;
  for (uint32_t i = 0; i < x->n_inputs; i++)
    if (wal_is_tracked(w, x->inputs[i].address.data, x->inputs[i].address.len))
      add_amount(w, ins, &x->inputs[i]);
  for (uint32_t i = 0; i < x->n_outputs; i++)
    if (wal_is_tracked(w, x->outputs[i].address.data,
                       x->outputs[i].address.len))
      add_amount(w, outs, &x->outputs[i]);
  json_t *maps[2] = {ins, outs};
  for (int m = 0; m < 2; m++) {
    const char *k;
    json_t *v;
    json_object_foreach(maps[m], k, v) {
      if (json_object_get(diff, k))
        continue;
      mn_num_t a, b, d;
      const char *sa = json_string_value(json_object_get(ins, k));
      const char *sb = json_string_value(json_object_get(outs, k));
      w->num->from_i64(&a, 0);
      b = a;
      if (sa)
        w->num->parse(&a, sa, strlen(sa));
      if (sb)
        w->num->parse(&b, sb, strlen(sb));
      w->num->sub(&d, &b, &a);
      json_object_set_new(diff, k, wal_num_json(w, &d));
    }
  }
  json_t *o = json_object();
  json_object_set_new(o, "inputs", ins);
  json_object_set_new(o, "outputs", outs);
  json_object_set_new(o, "difference", diff);
  return o;
}

static int cmd_history(mn_call_t *call, json_t *params, void *data) {
  wal_t *w = data;
  const mn_host_t *h = w->host;
  const char *action = h->call_param(call, "action");
  mn_num_t def, v;
  w->num->from_i64(&def, 100);
  if (!wal_param_num(w, call, "max", &def, &v))
    return 0;
  int64_t max = 100, offset = 0;
  w->num->to_i64(&v, &max);
  w->num->from_i64(&def, 0);
  if (!wal_param_num(w, call, "offset", &def, &v))
    return 0;
  w->num->to_i64(&v, &offset);
  bool sizeonly = action && !strcmp(action, "size");
  if (action && !sizeonly && strcmp(action, "list")) {
    h->call_error(call, "Invalid action:%s", action);
    return 0;
  }
  mn_txn_t *t;
  if (h->txn_begin(w->self, MN_TXN_RDONLY, &t)) {
    h->call_error(call, "cannot read the history");
    return 0;
  }
  mn_cursor_t *c = NULL;
  json_t *txps = json_array(), *details = json_array();
  int64_t count = 0;
  if (h->cursor_open(t, w->db_hist, &c) == 0) {
    mn_val_t k, val;
    for (int err = h->cursor_get(c, &k, &val, MN_CURSOR_LAST); err == 0;
         err = h->cursor_get(c, &k, &val, MN_CURSOR_PREV)) {
      count++;
      if (sizeonly || count <= offset || count > offset + max)
        continue;
      mn_txpow_t *tp;
      if (mn_txpow_decode(w->obj, val.data, val.size, NULL, &tp))
        continue;
      json_array_append_new(txps, wal_txpow_json(w, tp));
      json_array_append_new(details, txn_details(w, tp));
      w->obj->free(tp);
    }
    h->cursor_close(c);
  }
  h->txn_abort(t);
  json_t *o = json_object();
  if (sizeonly) {
    json_object_set_new(o, "size", json_integer((json_int_t)count));
    json_decref(txps);
    json_decref(details);
  } else {
    json_object_set_new(o, "relevant", json_true());
    json_object_set_new(o, "size",
                        json_integer((json_int_t)json_array_size(txps)));
    json_object_set_new(o, "txpows", txps);
    json_object_set_new(o, "details", details);
  }
  h->call_reply(call, o);
  return 0;
}

/* ---- the table ------------------------------------------------------------
 */

static const mn_cmd_param_t balance_params[] = {
    {"address", MN_PARAM_ADDRESS, 0, "only coins at this address"},
    {"tokenid", MN_PARAM_HEX, 0, "only this token"},
    {"confirmations", MN_PARAM_NUMBER, 0, "depth of a confirmed coin [3]"},
    {"tokendetails", MN_PARAM_BOOL, 0, "add each token's details"},
    {"megammr", MN_PARAM_BOOL, 0, "accepted for compatibility"},
    {"simple", MN_PARAM_BOOL, 0, "name and confirmed amount only"},
    {"debug", MN_PARAM_BOOL, 0, "accepted for compatibility"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t coins_params[] = {
    {"relevant", MN_PARAM_BOOL, 0, "only this wallet's coins"},
    {"sendable", MN_PARAM_BOOL, 0, "only coins of simple addresses"},
    {"coinid", MN_PARAM_HEX, 0, "this coin"},
    {"amount", MN_PARAM_NUMBER, 0, "coins of this amount"},
    {"address", MN_PARAM_ADDRESS, 0, "coins at this address"},
    {"tokenid", MN_PARAM_HEX, 0, "coins of this token"},
    {"checkmempool", MN_PARAM_BOOL, 0, "leave out coins the mempool spends"},
    {"order", MN_PARAM_STRING, 0, "asc or desc [desc] by block"},
    {"coinage", MN_PARAM_NUMBER, 0, "at least this many blocks old [0]"},
    {"simplestate", MN_PARAM_BOOL, 0, "state as {port: value}"},
    {"totalamount", MN_PARAM_NUMBER, 0, "only coins enough to pay this"},
    {"depth", MN_PARAM_NUMBER, 0, "at most this many blocks old"},
    {"state", MN_PARAM_STRING, 0, "a state variable contains this text"},
    {"megammr", MN_PARAM_BOOL, 0, "accepted for compatibility"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t keys_params[] = {
    {"action", MN_PARAM_STRING, 0, "list, new or checkkeys [list]"},
    {"publickey", MN_PARAM_HEX, 0, "list only this key"},
    {"modifier", MN_PARAM_STRING, 0, "list only the key of this modifier"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t scripts_params[] = {
    {"address", MN_PARAM_ADDRESS, 0, "only this address"}, {NULL, 0, 0, NULL}};

static const mn_cmd_param_t newscript_params[] = {
    {"script", MN_PARAM_STRING, MN_PARAM_REQUIRED, "the KISS script"},
    {"trackall", MN_PARAM_BOOL, MN_PARAM_REQUIRED,
     "true: every coin at the address is relevant"},
    {"clean", MN_PARAM_BOOL, 0, "clean the script first [false]"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t tokens_params[] = {
    {"tokenid", MN_PARAM_HEX, 0, "one token"},
    {"action", MN_PARAM_STRING, 0, "import or export"},
    {"data", MN_PARAM_HEX, 0, "token data to import"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t history_params[] = {
    {"action", MN_PARAM_STRING, 0, "list or size [list]"},
    {"max", MN_PARAM_NUMBER, 0, "at most this many [100]"},
    {"offset", MN_PARAM_NUMBER, 0, "skip this many newest"},
    {"relevant", MN_PARAM_BOOL, 0, "accepted; the history is relevant"},
    {"depth", MN_PARAM_NUMBER, 0, "accepted for compatibility"},
    {"startmilli", MN_PARAM_NUMBER, 0, "accepted for compatibility"},
    {"where", MN_PARAM_STRING, 0, "accepted for compatibility"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t defs[] = {
    {"balance",
     "(address:) (tokenid:) (confirmations:) (tokendetails:) (simple:) - "
     "your balance of Minima and tokens",
     "balance\n\nThe balance of every token this wallet holds: confirmed "
     "(at least `confirmations` blocks deep, default 3), unconfirmed, and "
     "sendable (confirmed, at simple addresses).\n\nExamples:\n\nbalance\n\n"
     "balance tokenid:0x00 confirmations:10\n",
     balance_params, 0, cmd_balance},
    {"coins",
     "(relevant:) (sendable:) (coinid:) (amount:) (address:) (tokenid:) "
     "(coinage:) (order:) (totalamount:) - search coins",
     "coins\n\nUnspent coins: this wallet's (relevant, the default without "
     "a search field) or any the chain holds.\n\nExamples:\n\ncoins\n\n"
     "coins tokenid:0x00 sendable:true\n\ncoins address:0xFF..\n",
     coins_params, 0, cmd_coins},
    {"getaddress", "- one of your default addresses",
     "getaddress\n\nOne of the wallet's default (change) addresses.\n", NULL, 0,
     cmd_getaddress},
    {"newaddress", "- a new address on a new key",
     "newaddress\n\nMakes a new key and its simple address.\n", NULL, 0,
     cmd_newaddress},
    {"keys", "(action:list|new|checkkeys) (publickey:) - your keys",
     "keys\n\nLists the wallet's keys (never their private parts), makes a "
     "new one, or checks every key against the seed.\n\nExamples:\n\nkeys\n"
     "\nkeys action:new\n\nkeys action:checkkeys\n",
     keys_params, 0, cmd_keys},
    {"scripts", "(address:) - your scripts and addresses",
     "scripts\n\nEvery script the wallet knows, or one.\n", scripts_params, 0,
     cmd_scripts},
    {"newscript", "[script:] [trackall:] (clean:) - add a custom script",
     "newscript\n\nAdds a script and its address to the wallet.  trackall: "
     "every coin at the address is relevant (else only those whose state "
     "holds one of your keys or addresses).\n\nExamples:\n\nnewscript "
     "script:\"RETURN TRUE\" trackall:true\n",
     newscript_params, 0, cmd_newscript},
    {"tokens", "(tokenid:) (action:import|export) (data:) - known tokens",
     "tokens\n\nEvery token the wallet has seen, one token, or a token's "
     "data for import on another node.\n",
     tokens_params, 0, cmd_tokens},
    {"history", "(max:) (offset:) (action:list|size) - your transactions",
     "history\n\nTransactions that touched your addresses, newest first, "
     "with what each changed.\n",
     history_params, 0, cmd_history},
};

int wal_cmds_register(wal_t *w) {
  for (size_t i = 0; i < sizeof defs / sizeof *defs; i++) {
    int err = w->host->command_register(w->self, &defs[i], w);
    if (err)
      return err;
  }
  return 0;
}
