/*
 * Transaction, Signature, Witness, CoinProof and ScriptProof
 * (spec/objects.md §5-6) and the transaction builders and checks.
 */
#include <stdlib.h>
#include <string.h>

#include <minima/errors.h>

#include "crypto/crypto.h"
#include "types/num.h"
#include "types/obj_internal.h"
#include "types/objects.h"
#include "types/wire.h"

/* --------------------------------------------------------------------------
 * Transaction
 * ------------------------------------------------------------------------ */

static void read_coins(mn__dec_t *d, mn_coin_t **items, uint32_t *n,
                       uint32_t *cap) {
  *n = mn__dec_count(d, MN__MIN_COIN);
  *items = mn__dec_array(d, *n, sizeof **items);
  for (uint32_t i = 0; i < *n && mn__dec_ok(d); i++)
    mn__read_coin(d, &(*items)[i]);
  if (!mn__dec_ok(d)) {
    *n = 0;
    *items = NULL;
  }
  *cap = *n;
}

void mn__read_transaction(mn__dec_t *d, mn_transaction_t *out) {
  read_coins(d, &out->inputs, &out->n_inputs, &out->cap_inputs);
  read_coins(d, &out->outputs, &out->n_outputs, &out->cap_outputs);
  out->n_state = mn__dec_count(d, MN__MIN_STATEVAR);
  out->state = mn__dec_array(d, out->n_state, sizeof *out->state);
  for (uint32_t i = 0; i < out->n_state && mn__dec_ok(d); i++)
    mn__read_statevar(d, &out->state[i]);
  out->cap_state = out->n_state;
  out->linkhash = mn__dec_data(d, MN_HASH_MAX);
  if (!mn__dec_ok(d)) {
    out->n_state = out->cap_state = 0;
    out->state = NULL;
  }
}

void mn__write_transaction(mn__sink_t *s, const mn_transaction_t *x) {
  mn__sink_int(s, x->n_inputs);
  for (uint32_t i = 0; i < x->n_inputs && !s->err; i++)
    mn__write_coin(s, &x->inputs[i]);
  mn__sink_int(s, x->n_outputs);
  for (uint32_t i = 0; i < x->n_outputs && !s->err; i++)
    mn__write_coin(s, &x->outputs[i]);
  mn__sink_int(s, x->n_state);
  for (uint32_t i = 0; i < x->n_state && !s->err; i++)
    mn__write_statevar(s, &x->state[i]);
  mn__sink_hash(s, &x->linkhash);
}

static int copy_coins(mn__arena_t *a, mn_coin_t **dst, uint32_t *cap,
                      const mn_coin_t *src, uint32_t n) {
  *dst = NULL;
  *cap = n;
  if (n == 0)
    return 0;
  mn_coin_t *c = mn__arena_alloc(a, (size_t)n * sizeof *c);
  if (!c)
    return MN_ENOMEM;
  for (uint32_t i = 0; i < n; i++)
    if (mn__copy_coin(a, &c[i], &src[i]))
      return MN_ENOMEM;
  *dst = c;
  return 0;
}

int mn__copy_transaction(mn__arena_t *a, mn_transaction_t *dst,
                         const mn_transaction_t *src) {
  mn_transaction_t t = *src;
  if (copy_coins(a, &t.inputs, &t.cap_inputs, src->inputs, src->n_inputs) ||
      copy_coins(a, &t.outputs, &t.cap_outputs, src->outputs, src->n_outputs) ||
      mn__copy_data(a, &t.linkhash, &src->linkhash))
    return MN_ENOMEM;
  t.state = NULL;
  t.cap_state = t.n_state;
  if (t.n_state) {
    t.state = mn__arena_alloc(a, (size_t)t.n_state * sizeof *t.state);
    if (!t.state)
      return MN_ENOMEM;
    for (uint32_t i = 0; i < t.n_state; i++)
      if (mn__copy_statevar(a, &t.state[i], &src->state[i]))
        return MN_ENOMEM;
  }
  *dst = t;
  return 0;
}

int mn__init_transaction(mn__arena_t *a, mn_transaction_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  x->linkhash = mn__data_zero;
  return 0;
}

/* Sorts state by port, keeping the order of equal ports (the reference
 * sorts with Java's stable merge sort). */
static int stable_sort_ports(mn__arena_t *a, mn_statevar_t *v, uint32_t n) {
  if (n < 2)
    return 0;
  mn_statevar_t *tmp = a ? mn__arena_alloc(a, (size_t)n * sizeof *tmp)
                         : malloc((size_t)n * sizeof *tmp);
  if (!tmp)
    return MN_ENOMEM;
  uint32_t count[257] = {0};
  for (uint32_t i = 0; i < n; i++)
    count[v[i].port + 1]++;
  for (int p = 0; p < 256; p++)
    count[p + 1] += count[p];
  for (uint32_t i = 0; i < n; i++)
    tmp[count[v[i].port]++] = v[i];
  memcpy(v, tmp, (size_t)n * sizeof *v);
  if (!a)
    free(tmp);
  return 0;
}

int mn__obj_txn_set_state(void *owner, mn_transaction_t *t,
                          const mn_statevar_t *sv) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !t || !sv)
    return MN_EINVAL;
  mn_statevar_t copy;
  int rc = mn__copy_statevar(a, &copy, sv);
  if (rc)
    return rc;
  /* The reference removes the port, appends and sorts stably.  On a list
   * that is sorted with unique ports (what builders keep) that is a
   * replacement or an insertion in place. */
  uint32_t n = t->n_state;
  bool sorted = true;
  for (uint32_t i = 1; i < n && sorted; i++)
    sorted = t->state[i - 1].port < t->state[i].port;
  if (sorted && t->cap_state > 0) {
    uint32_t at = 0;
    while (at < n && t->state[at].port < copy.port)
      at++;
    if (at < n && t->state[at].port == copy.port) {
      t->state[at] = copy;
      return 0;
    }
    if (n < t->cap_state) {
      memmove(&t->state[at + 1], &t->state[at],
              (size_t)(n - at) * sizeof *t->state);
      t->state[at] = copy;
      t->n_state = n + 1;
      return 0;
    }
  }
  uint32_t keep = 0;
  uint32_t cap = n < 4 ? 8 : 2 * n;
  mn_statevar_t *v = mn__arena_alloc(a, (size_t)cap * sizeof *v);
  if (!v)
    return MN_ENOMEM;
  for (uint32_t i = 0; i < n; i++)
    if (t->state[i].port != sv->port)
      v[keep++] = t->state[i];
  v[keep++] = copy;
  rc = stable_sort_ports(a, v, keep);
  if (rc)
    return rc;
  t->state = v;
  t->n_state = keep;
  t->cap_state = cap;
  return 0;
}

bool mn__obj_txn_remove_state(mn_transaction_t *t, int port) {
  uint32_t keep = 0;
  for (uint32_t i = 0; i < t->n_state; i++)
    if (t->state[i].port != port)
      t->state[keep++] = t->state[i];
  if (keep == t->n_state)
    return false;
  t->n_state = keep;
  /* The reference re-sorts after a removal; sorting a list in place
   * needs no arena for n <= 1 and a temporary otherwise. */
  stable_sort_ports(NULL, t->state, keep);
  return true;
}

const mn_statevar_t *mn__obj_txn_get_state(const mn_transaction_t *t,
                                           int port) {
  for (uint32_t i = 0; i < t->n_state; i++)
    if (t->state[i].port == port)
      return &t->state[i];
  return NULL;
}

int mn__obj_txn_state_size(const mn_transaction_t *t, size_t *len) {
  mn__sink_t s;
  mn__sink_init(&s, NULL, NULL);
  mn__sink_int(&s, t->n_state);
  for (uint32_t i = 0; i < t->n_state && !s.err; i++)
    mn__write_statevar(&s, &t->state[i]);
  if (s.err)
    return s.err;
  *len = s.n;
  return 0;
}

static int sum_amounts(const mn_coin_t *c, uint32_t n, const mn_data_t *tok,
                       mn_num_t *out) {
  mn_num_t tot = mn__num_zero;
  for (uint32_t i = 0; i < n; i++) {
    if (tok && (c[i].tokenid.len != tok->len ||
                memcmp(c[i].tokenid.data, tok->data, tok->len) != 0))
      continue;
    int rc = mn__num_add(&tot, &tot, &c[i].amount);
    if (rc)
      return rc;
  }
  *out = tot;
  return 0;
}

int mn__obj_txn_burn(const mn_transaction_t *t, mn_num_t *out) {
  mn_num_t in, outs;
  int rc = sum_amounts(t->inputs, t->n_inputs, NULL, &in);
  if (!rc)
    rc = sum_amounts(t->outputs, t->n_outputs, NULL, &outs);
  if (!rc)
    rc = mn__num_sub(out, &in, &outs);
  return rc;
}

static bool data_eq(const mn_data_t *a, const mn_data_t *b) {
  return a->len == b->len && (a->len == 0 || !memcmp(a->data, b->data, a->len));
}

bool mn__obj_txn_check_valid(const mn_transaction_t *t) {
  mn_num_t in, outs;
  if (t->n_inputs < 1)
    return false;
  if (sum_amounts(t->inputs, t->n_inputs, NULL, &in) ||
      sum_amounts(t->outputs, t->n_outputs, NULL, &outs) ||
      mn__num_cmp(&outs, &in) > 0)
    return false;
  for (uint32_t i = 0; i < t->n_inputs; i++)
    if (!mn__num_is_valid_amount(&t->inputs[i].amount))
      return false;
  for (uint32_t i = 0; i < t->n_outputs; i++)
    if (!mn__num_is_valid_amount(&t->outputs[i].amount))
      return false;
  /* Per output token (0xFF counted under 0x00): inputs of that token id
   * cover the outputs of that exact id.  As in the reference, outputs
   * that create a token (0xFF) only put 0x00 on the list; they are not
   * in the 0x00 sum. */
  static const uint8_t ff = 0xff;
  const mn_data_t create = {&ff, 1};
  for (uint32_t i = 0; i < t->n_outputs; i++) {
    const mn_data_t *tok = &t->outputs[i].tokenid;
    if (data_eq(tok, &create))
      tok = &mn__data_zero;
    bool seen = false;
    for (uint32_t j = 0; j < i && !seen; j++) {
      const mn_data_t *prev = &t->outputs[j].tokenid;
      if (data_eq(prev, &create))
        prev = &mn__data_zero;
      seen = data_eq(prev, tok);
    }
    if (seen)
      continue;
    mn_num_t tin, tout;
    if (sum_amounts(t->outputs, t->n_outputs, tok, &tout) ||
        sum_amounts(t->inputs, t->n_inputs, tok, &tin) ||
        mn__num_cmp(&tin, &tout) < 0)
      return false;
  }
  for (uint32_t i = 0; i < t->n_inputs; i++)
    for (uint32_t j = i + 1; j < t->n_inputs; j++)
      if (data_eq(&t->inputs[i].coinid, &t->inputs[j].coinid))
        return false;
  return true;
}

void mn__obj_coinid(const uint8_t *base, size_t baselen, uint32_t k,
                    uint8_t out[32]) {
  mn_sha3_t h;
  mn__sink_t s;
  mn__sha3_init(&h);
  mn__sink_init(&s, NULL, &h);
  mn__sink_data(&s, base, baselen);
  mn__sink_int(&s, k);
  mn__sink_end(&s);
  mn__sha3_final(&h, out);
}

int mn__obj_txn_output_coinid(const mn_transaction_t *t, const mn_witness_t *w,
                              bool genesis, uint32_t k, uint8_t out[32]) {
  if (genesis) {
    uint8_t id[32];
    int rc = mn__obj_hash(MN_OBJ_TRANSACTION, t, id);
    if (rc)
      return rc;
    mn__obj_coinid(id, 32, k, out);
    return 0;
  }
  if (!w || w->n_coinproofs == 0)
    return MN_EMISSING;
  const mn_data_t *base = &w->coinproofs[0].coin.coinid;
  mn__obj_coinid(base->data, base->len, k, out);
  return 0;
}

int mn__obj_txn_make_output(void *owner, const mn_transaction_t *t, uint32_t k,
                            const uint8_t coinid[32],
                            const mn_num_t *blocknumber, mn_coin_t *out) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !t || !coinid || !blocknumber || !out)
    return MN_EINVAL;
  if (k >= t->n_outputs)
    return MN_ERANGE;
  const mn_coin_t *src = &t->outputs[k];
  mn_coin_t c;
  int rc = mn__copy_coin(a, &c, src);
  if (rc)
    return rc;
  const uint8_t *id = mn__arena_dup(a, coinid, 32);
  if (!id)
    return MN_ENOMEM;
  c.coinid.data = id;
  c.coinid.len = 32;
  if (c.storestate) {
    rc = mn__obj_coin_set_state(owner, &c, t->state, t->n_state);
    if (rc)
      return rc;
  }
  if (src->tokenid.len == 1 && src->tokenid.data[0] == 0xff) {
    if (!src->token)
      return MN_EINVALID;
    mn_token_t *tok = mn__arena_alloc(a, sizeof *tok);
    if (!tok)
      return MN_ENOMEM;
    *tok = *c.token; /* copies of the request's name and script */
    tok->coinid = c.coinid;
    tok->amount = src->amount;
    tok->created = *blocknumber;
    uint8_t tid[32];
    rc = mn__obj_token_id(tok, tid);
    if (rc)
      return rc;
    const uint8_t *tp = mn__arena_dup(a, tid, 32);
    if (!tp)
      return MN_ENOMEM;
    c.tokenid.data = tp;
    c.tokenid.len = 32;
    c.token = tok;
  }
  *out = c;
  return 0;
}

/* --------------------------------------------------------------------------
 * Signature: count + SignatureProof (publickey MiniData, signature
 * MiniData, MMRProof), stored as canonical bytes.
 * ------------------------------------------------------------------------ */

/* Reads a count as decode() does, writing its canonical form. */
static int pass_count(mn_reader_t *r, mn__sink_t *s, size_t minsize,
                      uint32_t *n) {
  mn_num_t v;
  int64_t i;
  if (mn__num_get(r, &v) || v.neg || !mn__num_is_whole(&v) ||
      mn__num_to_i64(&v, &i) || i < 0 || i > INT32_MAX ||
      (uint64_t)i > mn_reader_left(r) / minsize)
    return MN_EFORMAT;
  *n = (uint32_t)i;
  if (s)
    mn__sink_int(s, i);
  return 0;
}

static int pass_num(mn_reader_t *r, mn__sink_t *s) {
  mn_num_t v;
  if (mn__num_get(r, &v))
    return MN_EFORMAT;
  if (s)
    mn__sink_num(s, &v);
  return 0;
}

static int pass_data(mn_reader_t *r, mn__sink_t *s, size_t max) {
  size_t n;
  const uint8_t *p = mn_reader_data(r, max, &n);
  if (!p)
    return MN_EFORMAT;
  if (s)
    mn__sink_data(s, p, n);
  return 0;
}

/* One pass over a serialized Signature: validates it and, given a sink,
 * writes it canonically. */
static int sig_pass(mn_reader_t *r, mn__sink_t *s) {
  uint32_t n;
  if (pass_count(r, s, MN__MIN_SIGPROOF, &n))
    return MN_EFORMAT;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t nc;
    if (pass_data(r, s, MN_MINIDATA_MAX) || pass_data(r, s, MN_MINIDATA_MAX) ||
        pass_num(r, s) || pass_count(r, s, MN__MIN_CHUNK, &nc))
      return MN_EFORMAT;
    for (uint32_t c = 0; c < nc; c++) {
      uint8_t left = mn_reader_u8(r);
      if (r->err)
        return MN_EFORMAT;
      if (s)
        mn__sink_u8(s, left);
      if (pass_data(r, s, MN_HASH_MAX) || pass_num(r, s))
        return MN_EFORMAT;
    }
  }
  return 0;
}

static const uint8_t k_nosig[3] = {0x00, 0x01, 0x00};

int mn__sig_read(mn__arena_t *a, const uint8_t *p, size_t len, size_t *used,
                 mn_signature_t *out) {
  /* First pass: validate and measure the canonical form; second pass:
   * write it straight into the arena. */
  mn_reader_t r;
  mn__sink_t s;
  mn_reader_init(&r, p, len);
  mn__sink_init(&s, NULL, NULL);
  if (sig_pass(&r, &s) || s.err)
    return MN_EFORMAT;
  size_t n = r.pos, clen = s.n;
  memset(out, 0, sizeof *out);
  if (clen == sizeof k_nosig) {
    /* The only three-byte Signature: no proofs, no root key. */
    out->bytes.data = k_nosig;
    out->bytes.len = clen;
    *used = n;
    return 0;
  }
  uint8_t *q = mn__arena_alloc(a, clen);
  if (!q)
    return MN_ENOMEM;
  mn_reader_init(&r, p, n);
  mn__sink_init_fixed(&s, q, clen);
  sig_pass(&r, &s);
  if (s.err || s.n != clen)
    return MN_EFORMAT;
  out->bytes.data = q;
  out->bytes.len = clen;
  out->has_rootkey = mn__treekey_sig_root(q, clen, out->rootkey) == 0;
  if (!out->has_rootkey)
    memset(out->rootkey, 0, sizeof out->rootkey);
  *used = n;
  return 0;
}

void mn__read_signature(mn__dec_t *d, mn_signature_t *out) {
  if (!mn__dec_ok(d))
    return;
  size_t used;
  int rc =
      mn__sig_read(d->a, d->r.p + d->r.pos, d->r.len - d->r.pos, &used, out);
  if (rc) {
    mn__dec_fail(d, rc);
    return;
  }
  d->r.pos += used;
}

void mn__write_signature(mn__sink_t *s, const mn_signature_t *x) {
  /* Stored canonical; anything else came from a caller's own bytes. */
  mn__sink_put(s, x->bytes.data, x->bytes.len);
  if (x->bytes.len == 0)
    mn__sink_fail(s, MN_EINVAL);
}

int mn__copy_signature(mn__arena_t *a, mn_signature_t *dst,
                       const mn_signature_t *src) {
  mn_signature_t t = *src;
  if (mn__copy_data(a, &t.bytes, &src->bytes))
    return MN_ENOMEM;
  *dst = t;
  return 0;
}

int mn__init_signature(mn__arena_t *a, mn_signature_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  x->bytes.data = k_nosig;
  x->bytes.len = 3;
  return 0;
}

/* --------------------------------------------------------------------------
 * CoinProof and ScriptProof
 * ------------------------------------------------------------------------ */

void mn__read_coinproof(mn__dec_t *d, mn_coinproof_t *out) {
  mn__read_coin(d, &out->coin);
  mn__read_mmrproof(d, &out->proof);
}

void mn__write_coinproof(mn__sink_t *s, const mn_coinproof_t *x) {
  mn__write_coin(s, &x->coin);
  mn__write_mmrproof(s, &x->proof);
}

int mn__copy_coinproof(mn__arena_t *a, mn_coinproof_t *dst,
                       const mn_coinproof_t *src) {
  mn_coinproof_t t;
  if (mn__copy_coin(a, &t.coin, &src->coin) ||
      mn__copy_mmrproof(a, &t.proof, &src->proof))
    return MN_ENOMEM;
  *dst = t;
  return 0;
}

int mn__init_coinproof(mn__arena_t *a, mn_coinproof_t *x) {
  memset(x, 0, sizeof *x);
  return mn__init_coin(a, &x->coin);
}

/* address = the proof applied to leaf(MiniString script, 0). */
static int script_root(const mn_scriptproof_t *x, uint8_t out[32]) {
  mn_mmrdata_t cur;
  mn__mmr_leaf_string(x->script.data, x->script.len, &cur);
  int rc = mn__mmr_fold(x->proof.chunks, x->proof.n_chunks, &cur);
  if (rc)
    return rc;
  /* The reference takes the root's hash bytes as the address; a root
   * always comes from SHA3 except for an empty proof, whose root is the
   * leaf, itself a hash. */
  memcpy(out, cur.hash, 32);
  return 0;
}

void mn__read_scriptproof(mn__dec_t *d, mn_scriptproof_t *out) {
  out->script = mn__dec_string(d);
  mn__read_mmrproof(d, &out->proof);
  if (mn__dec_ok(d) && script_root(out, out->address))
    mn__dec_fail(d, MN_EFORMAT);
}

void mn__write_scriptproof(mn__sink_t *s, const mn_scriptproof_t *x) {
  mn__sink_d(s, &x->script);
  mn__write_mmrproof(s, &x->proof);
}

int mn__copy_scriptproof(mn__arena_t *a, mn_scriptproof_t *dst,
                         const mn_scriptproof_t *src) {
  mn_scriptproof_t t = *src;
  if (mn__copy_data(a, &t.script, &src->script) ||
      mn__copy_mmrproof(a, &t.proof, &src->proof))
    return MN_ENOMEM;
  *dst = t;
  return 0;
}

int mn__init_scriptproof(mn__arena_t *a, mn_scriptproof_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  x->script = mn__data_empty;
  return script_root(x, x->address);
}

int mn__obj_scriptproof_make(void *owner, const char *script, size_t len,
                             const mn_mmrproof_t *proof,
                             mn_scriptproof_t *out) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !out || (len && !script))
    return MN_EINVAL;
  mn_scriptproof_t t;
  memset(&t, 0, sizeof t);
  int rc = mn__obj_dup_string(owner, script, len, &t.script);
  if (!rc && proof)
    rc = mn__copy_mmrproof(a, &t.proof, proof);
  if (!rc)
    rc = script_root(&t, t.address);
  if (!rc)
    *out = t;
  return rc;
}

int mn__scriptproof_address(const mn_scriptproof_t *x, uint8_t out[32]) {
  return script_root(x, out);
}

/* --------------------------------------------------------------------------
 * Witness
 * ------------------------------------------------------------------------ */

void mn__read_witness(mn__dec_t *d, mn_witness_t *out) {
  out->n_sigs = mn__dec_count(d, MN__MIN_SIGNATURE);
  out->sigs = mn__dec_array(d, out->n_sigs, sizeof *out->sigs);
  for (uint32_t i = 0; i < out->n_sigs && mn__dec_ok(d); i++)
    mn__read_signature(d, &out->sigs[i]);
  out->n_coinproofs = mn__dec_count(d, MN__MIN_COINPROOF);
  out->coinproofs =
      mn__dec_array(d, out->n_coinproofs, sizeof *out->coinproofs);
  for (uint32_t i = 0; i < out->n_coinproofs && mn__dec_ok(d); i++)
    mn__read_coinproof(d, &out->coinproofs[i]);
  out->n_scripts = mn__dec_count(d, MN__MIN_SCRIPTPROOF);
  out->scripts = mn__dec_array(d, out->n_scripts, sizeof *out->scripts);
  for (uint32_t i = 0; i < out->n_scripts && mn__dec_ok(d); i++)
    mn__read_scriptproof(d, &out->scripts[i]);
  if (!mn__dec_ok(d))
    memset(out, 0, sizeof *out);
  out->cap_sigs = out->n_sigs;
  out->cap_coinproofs = out->n_coinproofs;
  out->cap_scripts = out->n_scripts;
}

void mn__write_witness(mn__sink_t *s, const mn_witness_t *x) {
  mn__sink_int(s, x->n_sigs);
  for (uint32_t i = 0; i < x->n_sigs && !s->err; i++)
    mn__write_signature(s, &x->sigs[i]);
  mn__sink_int(s, x->n_coinproofs);
  for (uint32_t i = 0; i < x->n_coinproofs && !s->err; i++)
    mn__write_coinproof(s, &x->coinproofs[i]);
  mn__sink_int(s, x->n_scripts);
  for (uint32_t i = 0; i < x->n_scripts && !s->err; i++)
    mn__write_scriptproof(s, &x->scripts[i]);
}

int mn__copy_witness(mn__arena_t *a, mn_witness_t *dst,
                     const mn_witness_t *src) {
  mn_witness_t w;
  memset(&w, 0, sizeof w);
  w.n_sigs = w.cap_sigs = src->n_sigs;
  w.n_coinproofs = w.cap_coinproofs = src->n_coinproofs;
  w.n_scripts = w.cap_scripts = src->n_scripts;
  if (w.n_sigs) {
    w.sigs = mn__arena_alloc(a, (size_t)w.n_sigs * sizeof *w.sigs);
    if (!w.sigs)
      return MN_ENOMEM;
    for (uint32_t i = 0; i < w.n_sigs; i++)
      if (mn__copy_signature(a, &w.sigs[i], &src->sigs[i]))
        return MN_ENOMEM;
  }
  if (w.n_coinproofs) {
    w.coinproofs =
        mn__arena_alloc(a, (size_t)w.n_coinproofs * sizeof *w.coinproofs);
    if (!w.coinproofs)
      return MN_ENOMEM;
    for (uint32_t i = 0; i < w.n_coinproofs; i++)
      if (mn__copy_coinproof(a, &w.coinproofs[i], &src->coinproofs[i]))
        return MN_ENOMEM;
  }
  if (w.n_scripts) {
    w.scripts = mn__arena_alloc(a, (size_t)w.n_scripts * sizeof *w.scripts);
    if (!w.scripts)
      return MN_ENOMEM;
    for (uint32_t i = 0; i < w.n_scripts; i++)
      if (mn__copy_scriptproof(a, &w.scripts[i], &src->scripts[i]))
        return MN_ENOMEM;
  }
  *dst = w;
  return 0;
}

int mn__init_witness(mn__arena_t *a, mn_witness_t *x) {
  (void)a;
  memset(x, 0, sizeof *x);
  return 0;
}

int mn__obj_witness_add_signature(void *owner, mn_witness_t *w,
                                  const uint8_t *sig, size_t len) {
  mn__arena_t *a = mn__root_arena(owner);
  if (!a || !w || (len && !sig))
    return MN_EINVAL;
  mn_signature_t s;
  size_t used;
  int rc = mn__sig_read(a, sig, len, &used, &s);
  if (rc)
    return rc;
  if (used != len || !s.has_rootkey)
    return MN_EFORMAT;
  for (uint32_t i = 0; i < w->n_sigs; i++)
    if (w->sigs[i].has_rootkey &&
        memcmp(w->sigs[i].rootkey, s.rootkey, 32) == 0)
      return MN_EEXIST;
  mn_signature_t *slot = mn__list_grow(a, (void **)&w->sigs, &w->n_sigs,
                                       &w->cap_sigs, sizeof *w->sigs);
  if (!slot)
    return MN_ENOMEM;
  *slot = s;
  return 0;
}

const mn_scriptproof_t *mn__obj_witness_find_script(const mn_witness_t *w,
                                                    const uint8_t *addr,
                                                    size_t len) {
  if (len != 32)
    return NULL;
  for (uint32_t i = 0; i < w->n_scripts; i++)
    if (memcmp(w->scripts[i].address, addr, 32) == 0)
      return &w->scripts[i];
  return NULL;
}
