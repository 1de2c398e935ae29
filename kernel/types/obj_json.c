/*
 * The reference's toJSON() forms of the chain objects (spec/rpc.md §6):
 * the same field names in the same order, MiniNumbers as their printed
 * text, byte strings as "0x" + upper-case hex.  Values the reference
 * writes bare (ints, MiniBytes, a few MiniNumbers) are JSON numbers.
 *
 * Every function returns a new reference or NULL when memory runs out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <minima/errors.h>

#include "crypto/crypto.h"
#include "types/num.h"
#include "types/obj_internal.h"
#include "types/objects.h"
#include "types/wire.h"

/* --------------------------------------------------------------------------
 * Building blocks
 * ------------------------------------------------------------------------ */

json_t *mn__json_num(const mn_num_t *v) {
  char buf[MN_NUM_STR_MAX];
  size_t n = mn__num_to_str(v, buf, sizeof buf);
  return json_stringn(buf, n < sizeof buf ? n : sizeof buf - 1);
}

static json_t *hex0x(const uint8_t *p, size_t n) {
  if (n == 0)
    return json_string("");
  size_t tl = 2 + 2 * n;
  char *t = malloc(tl + 1);
  if (!t)
    return NULL;
  mn__data_to_0x(p, n, t, tl + 1);
  json_t *j = json_stringn(t, tl);
  free(t);
  return j;
}

json_t *mn__json_0x(const mn_data_t *d) {
  return hex0x(d->data, d->len);
}

json_t *mn__json_bare_num(const mn_num_t *v) {
  int64_t i;
  if (mn__num_is_whole(v) && mn__num_to_i64(v, &i) == 0)
    return json_integer((json_int_t)i);
  char buf[MN_NUM_STR_MAX];
  mn__num_to_str(v, buf, sizeof buf);
  return json_real(strtod(buf, NULL));
}

static json_t *text(const mn_data_t *d) {
  /* Stored MiniStrings are valid UTF-8 (the reader normalises them). */
  json_t *j = json_stringn((const char *)d->data, d->len);
  return j ? j : json_string("");
}

/* Sets key to v (stolen); records a failure in *ok. */
static void put(json_t *o, const char *key, json_t *v, bool *ok) {
  if (!v || json_object_set_new(o, key, v))
    *ok = false;
}

static json_t *done(json_t *o, bool ok) {
  if (ok)
    return o;
  json_decref(o);
  return NULL;
}

static json_t *mx_text(const mn_data_t *d) {
  char buf[MN_MX_MAX];
  int n = mn__mx_encode(d->data, d->len, buf, sizeof buf);
  if (n < 0 || (size_t)n >= sizeof buf)
    return json_string("");
  return json_stringn(buf, (size_t)n);
}

/* --------------------------------------------------------------------------
 * Objects
 * ------------------------------------------------------------------------ */

json_t *mn__json_statevar(const mn_statevar_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "port", json_integer(x->port), &ok);
  put(o, "type", json_integer(x->type), &ok);
  put(o, "data", text(&x->text), &ok);
  return done(o, ok);
}

/* Java's trim().startsWith("{"). */
static bool looks_json(const mn_data_t *d) {
  for (size_t i = 0; i < d->len; i++)
    if (d->data[i] > 0x20)
      return d->data[i] == '{';
  return false;
}

json_t *mn__json_token(const mn_token_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  json_t *name = NULL;
  if (looks_json(&x->name))
    name = json_loadb((const char *)x->name.data, x->name.len, JSON_DECODE_ANY,
                      NULL);
  put(o, "name", name ? name : text(&x->name), &ok);
  put(o, "coinid", mn__json_0x(&x->coinid), &ok);
  mn_num_t total;
  put(o, "total",
      mn__obj_token_scale_up(x, &x->amount, &total) ? json_null()
                                                    : mn__json_num(&total),
      &ok);
  int64_t dec = (int64_t)MN_TOKEN_DECIMALS - mn__num_to_i32_wrap(&x->scale);
  put(o, "decimals", json_integer((json_int_t)(int32_t)(uint32_t)dec), &ok);
  put(o, "script", text(&x->script), &ok);
  put(o, "totalamount", mn__json_num(&x->amount), &ok);
  put(o, "scale", mn__json_num(&x->scale), &ok);
  put(o, "created", mn__json_num(&x->created), &ok);
  uint8_t id[32];
  put(o, "tokenid", mn__obj_token_id(x, id) ? json_null() : hex0x(id, 32), &ok);
  return done(o, ok);
}

json_t *mn__json_coin(const mn_coin_t *x, uint32_t flags) {
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "coinid", mn__json_0x(&x->coinid), &ok);
  put(o, "amount", mn__json_num(&x->amount), &ok);
  put(o, "address", mn__json_0x(&x->address), &ok);
  put(o, "miniaddress", mx_text(&x->address), &ok);
  put(o, "tokenid", mn__json_0x(&x->tokenid), &ok);
  if (!x->token) {
    put(o, "token", json_null(), &ok);
  } else {
    put(o, "token", mn__json_token(x->token, 0), &ok);
    mn_num_t amt;
    put(o, "tokenamount",
        mn__obj_token_scale_up(x->token, &x->amount, &amt) ? json_null()
                                                           : mn__json_num(&amt),
        &ok);
  }
  put(o, "storestate", json_boolean(x->storestate), &ok);
  json_t *st;
  if (flags & MN_JSON_SIMPLESTATE) {
    st = json_object();
    for (uint32_t i = 0; st && i < x->n_state; i++) {
      char port[4];
      snprintf(port, sizeof port, "%u", x->state[i].port);
      if (json_object_set_new(st, port, text(&x->state[i].text)))
        ok = false;
    }
  } else {
    st = json_array();
    for (uint32_t i = 0; st && i < x->n_state; i++)
      if (json_array_append_new(st, mn__json_statevar(&x->state[i], 0)))
        ok = false;
  }
  put(o, "state", st, &ok);
  put(o, "spent", json_boolean(x->spent != 0), &ok);
  char entry[24];
  snprintf(entry, sizeof entry, "%llu", (unsigned long long)x->mmrentry);
  put(o, "mmrentry", json_string(entry), &ok);
  put(o, "created", mn__json_num(&x->created), &ok);
  return done(o, ok);
}

static json_t *coin_array(const mn_coin_t *c, uint32_t n) {
  json_t *a = json_array();
  for (uint32_t i = 0; a && i < n; i++)
    if (json_array_append_new(a, mn__json_coin(&c[i], 0))) {
      json_decref(a);
      return NULL;
    }
  return a;
}

json_t *mn__json_transaction(const mn_transaction_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "inputs", coin_array(x->inputs, x->n_inputs), &ok);
  put(o, "outputs", coin_array(x->outputs, x->n_outputs), &ok);
  json_t *st = json_array();
  for (uint32_t i = 0; st && i < x->n_state; i++)
    if (json_array_append_new(st, mn__json_statevar(&x->state[i], 0)))
      ok = false;
  put(o, "state", st, &ok);
  put(o, "linkhash", mn__json_0x(&x->linkhash), &ok);
  uint8_t id[32];
  put(o, "transactionid",
      mn__obj_hash(MN_OBJ_TRANSACTION, x, id) ? json_string("null")
                                              : hex0x(id, 32),
      &ok);
  return done(o, ok);
}

json_t *mn__json_mmrdata(const mn_mmrdata_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "data", hex0x(x->hash, x->len <= MN_HASH_MAX ? x->len : 0), &ok);
  put(o, "value", mn__json_num(&x->value), &ok);
  return done(o, ok);
}

json_t *mn__json_mmrproof(const mn_mmrproof_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "blocktime", mn__json_num(&x->blocktime), &ok);
  json_t *arr = json_array();
  for (uint32_t i = 0; arr && i < x->n_chunks; i++) {
    json_t *c = json_object();
    bool cok = c != NULL;
    if (c) {
      put(c, "left", json_boolean(x->chunks[i].left != 0), &cok);
      put(c, "data", mn__json_mmrdata(&x->chunks[i].data, 0), &cok);
    }
    if (!cok || json_array_append_new(arr, done(c, cok)))
      ok = false;
  }
  put(o, "proof", arr, &ok);
  put(o, "prooflength", json_integer(x->n_chunks), &ok);
  return done(o, ok);
}

json_t *mn__json_mmrentry(const mn_mmrentry_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "row", json_integer(x->row), &ok);
  char entry[24];
  snprintf(entry, sizeof entry, "%llu", (unsigned long long)x->entry);
  put(o, "entry", json_string(entry), &ok);
  put(o, "data", mn__json_mmrdata(&x->data, 0), &ok);
  return done(o, ok);
}

json_t *mn__json_coinproof(const mn_coinproof_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "coin", mn__json_coin(&x->coin, 0), &ok);
  put(o, "proof", mn__json_mmrproof(&x->proof, 0), &ok);
  return done(o, ok);
}

json_t *mn__json_scriptproof(const mn_scriptproof_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "script", text(&x->script), &ok);
  put(o, "address", hex0x(x->address, 32), &ok);
  put(o, "proof", mn__json_mmrproof(&x->proof, 0), &ok);
  return done(o, ok);
}

/* One SignatureProof: publickey, rootkey, proof, signature. */
static json_t *sigproof_json(const mn_data_t *pk, const mn_data_t *sig,
                             const mn_mmrproof_t *proof) {
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  /* root = the proof applied to leaf(MiniData publickey, 0) */
  mn_mmrdata_t cur;
  mn__sink_t s;
  mn_buf_t b = {0};
  mn__sink_init(&s, &b, NULL);
  mn__sink_data(&s, pk->data, pk->len);
  int rc = mn__sink_end(&s);
  if (!rc)
    rc = mn__obj_mmr_leaf(b.data, b.len, &mn__num_zero, &cur);
  mn_buf_free(&b);
  if (!rc)
    rc = mn__mmr_fold(proof->chunks, proof->n_chunks, &cur);
  put(o, "publickey", mn__json_0x(pk), &ok);
  put(o, "rootkey", rc ? json_null() : hex0x(cur.hash, cur.len), &ok);
  put(o, "proof", mn__json_mmrproof(proof, 0), &ok);
  put(o, "signature", mn__json_0x(sig), &ok);
  return done(o, ok);
}

json_t *mn__json_signature(const mn_signature_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object(), *arr = json_array();
  bool ok = o && arr;
  void *tmp = mn__root_new(MN_OBJ_NONE, 0, x->bytes.len * 2);
  mn__arena_t *a = mn__root_arena(tmp);
  if (ok && a) {
    mn__dec_t d = {.a = a};
    mn_reader_init(&d.r, x->bytes.data, x->bytes.len);
    uint32_t n = mn__dec_count(&d, MN__MIN_SIGPROOF);
    for (uint32_t i = 0; i < n && mn__dec_ok(&d); i++) {
      mn_data_t pk = mn__dec_data(&d, MN_MINIDATA_MAX);
      mn_data_t sig = mn__dec_data(&d, MN_MINIDATA_MAX);
      mn_mmrproof_t proof;
      memset(&proof, 0, sizeof proof);
      mn__read_mmrproof(&d, &proof);
      if (mn__dec_ok(&d) &&
          json_array_append_new(arr, sigproof_json(&pk, &sig, &proof)))
        ok = false;
    }
  } else {
    ok = false;
  }
  mn__root_free(tmp);
  if (o)
    put(o, "signatures", arr, &ok);
  else
    json_decref(arr);
  return o ? done(o, ok) : NULL;
}

json_t *mn__json_witness(const mn_witness_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  json_t *a = json_array();
  for (uint32_t i = 0; a && i < x->n_sigs; i++)
    if (json_array_append_new(a, mn__json_signature(&x->sigs[i], 0)))
      ok = false;
  put(o, "signatures", a, &ok);
  a = json_array();
  for (uint32_t i = 0; a && i < x->n_coinproofs; i++)
    if (json_array_append_new(a, mn__json_coinproof(&x->coinproofs[i], 0)))
      ok = false;
  put(o, "mmrproofs", a, &ok);
  a = json_array();
  for (uint32_t i = 0; a && i < x->n_scripts; i++)
    if (json_array_append_new(a, mn__json_scriptproof(&x->scripts[i], 0)))
      ok = false;
  put(o, "scripts", a, &ok);
  return done(o, ok);
}

json_t *mn__json_magic(const mn_magic_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "currentmaxtxpowsize", mn__json_num(&x->max_txpow_size), &ok);
  put(o, "currentmaxkissvmops", mn__json_num(&x->max_kissvm_ops), &ok);
  put(o, "currentmaxtxn", mn__json_num(&x->max_txns), &ok);
  put(o, "currentmintxpowwork", mn__json_0x(&x->min_txpow_work), &ok);
  put(o, "desiredmaxtxpowsize", mn__json_num(&x->desired_max_txpow_size), &ok);
  put(o, "desiredmaxkissvmops", mn__json_num(&x->desired_max_kissvm_ops), &ok);
  put(o, "desiredmaxtxn", mn__json_num(&x->desired_max_txns), &ok);
  put(o, "desiredmintxpowwork", mn__json_0x(&x->desired_min_txpow_work), &ok);
  return done(o, ok);
}

json_t *mn__json_address(const mn_address_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "script", text(&x->script), &ok);
  put(o, "hexaddress", mn__json_0x(&x->address), &ok);
  put(o, "miniaddress", mx_text(&x->address), &ok);
  return done(o, ok);
}

/* Java's Date.toString() in the local time zone:
 * "EEE MMM dd HH:mm:ss zzz yyyy". */
static json_t *java_date(const mn_num_t *ms) {
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
  int64_t v = 0;
  mn__num_to_i64(ms, &v);
  /* Floor division: a negative time is before the epoch. */
  time_t secs = (time_t)(v / 1000 - (v % 1000 < 0 ? 1 : 0));
  struct tm tm;
  if (!localtime_r(&secs, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6 ||
      tm.tm_mon < 0 || tm.tm_mon > 11)
    return json_string("");
  char buf[96];
  snprintf(buf, sizeof buf, "%s %s %02d %02d:%02d:%02d %s %04lld",
           days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec, tm.tm_zone ? tm.tm_zone : "GMT",
           (long long)tm.tm_year + 1900);
  return json_string(buf);
}

json_t *mn__json_txheader(const mn_txheader_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "chainid", mn__json_0x(&x->chainid), &ok);
  put(o, "block", mn__json_num(&x->blocknumber), &ok);
  put(o, "blkdiff", mn__json_0x(&x->blockdifficulty), &ok);
  put(o, "cascadelevels", json_integer(MN_CASCADE_LEVELS), &ok);
  json_t *sp = json_array();
  unsigned start = 0;
  for (unsigned i = 1; sp && i <= MN_CASCADE_LEVELS; i++) {
    const mn_data_t *a = &x->superparents[start];
    if (i < MN_CASCADE_LEVELS && x->superparents[i].len == a->len &&
        (a->len == 0 || memcmp(x->superparents[i].data, a->data, a->len) == 0))
      continue;
    json_t *e = json_object();
    bool eok = e != NULL;
    if (e) {
      put(e, "difficulty", json_integer(i - 1), &eok);
      put(e, "count", json_integer(i - start), &eok);
      put(e, "parent", mn__json_0x(a), &eok);
    }
    if (!eok || json_array_append_new(sp, done(e, eok)))
      ok = false;
    start = i;
  }
  put(o, "superparents", sp, &ok);
  put(o, "magic", mn__json_magic(&x->magic, 0), &ok);
  put(o, "mmr", mn__json_0x(&x->mmrroot), &ok);
  put(o, "total", mn__json_num(&x->mmrtotal), &ok);
  put(o, "customhash", mn__json_0x(&x->customhash), &ok);
  put(o, "txbodyhash", mn__json_0x(&x->bodyhash), &ok);
  put(o, "nonce", mn__json_num(&x->nonce), &ok);
  put(o, "timemilli", mn__json_num(&x->timemilli), &ok);
  put(o, "date", java_date(&x->timemilli), &ok);
  return done(o, ok);
}

json_t *mn__json_txbody(const mn_txbody_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "prng", mn__json_0x(&x->prng), &ok);
  put(o, "txndiff", mn__json_0x(&x->txndifficulty), &ok);
  put(o, "txn", mn__json_transaction(&x->txn, 0), &ok);
  put(o, "witness", mn__json_witness(&x->witness, 0), &ok);
  put(o, "burntxn", mn__json_transaction(&x->burntxn, 0), &ok);
  put(o, "burnwitness", mn__json_witness(&x->burnwitness, 0), &ok);
  json_t *l = json_array();
  for (uint32_t i = 0; l && i < x->n_txpowlist; i++)
    if (json_array_append_new(l, mn__json_0x(&x->txpowlist[i])))
      ok = false;
  put(o, "txnlist", l, &ok);
  return done(o, ok);
}

json_t *mn__json_txpow(const mn_txpow_t *x, uint32_t flags) {
  (void)flags;
  json_t *o = json_object();
  bool ok = o != NULL;
  if (!ok)
    return NULL;
  put(o, "txpowid", hex0x(x->txpowid, 32), &ok);
  put(o, "isblock", json_boolean(x->is_block), &ok);
  put(o, "istransaction", json_boolean(x->txn_pow), &ok);
  put(o, "superblock", json_integer(x->superlevel), &ok);
  put(o, "size", json_integer((json_int_t)x->size), &ok);
  /* The reference has no burn for a header-only TxPoW (it would fail);
   * 0 is what its fields sum to. */
  mn_num_t burn;
  put(o, "burn",
      mn__obj_txpow_burn(x, &burn) ? json_null() : mn__json_bare_num(&burn),
      &ok);
  put(o, "header", mn__json_txheader(&x->header, 0), &ok);
  put(o, "hasbody", json_boolean(x->body != NULL), &ok);
  put(o, "body", x->body ? mn__json_txbody(x->body, 0) : json_string("null"),
      &ok);
  return done(o, ok);
}

/* Kinds the reference has no toJSON for. */
json_t *mn__json_txblock(const mn_txblock_t *x, uint32_t flags) {
  (void)x;
  (void)flags;
  return NULL;
}

json_t *mn__json_cascnode(const mn_cascnode_t *x, uint32_t flags) {
  (void)x;
  (void)flags;
  return NULL;
}

json_t *mn__json_cascade(const mn_cascade_t *x, uint32_t flags) {
  (void)x;
  (void)flags;
  return NULL;
}

json_t *mn__json_ibd(const mn_ibd_t *x, uint32_t flags) {
  (void)x;
  (void)flags;
  return NULL;
}
