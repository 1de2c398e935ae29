/*
 * test_objects.c - every entry of vectors/objects.json: each serialized
 * object decodes and re-encodes to the same bytes, and every hash, id,
 * leaf, root, address, superlevel and weight the vector gives is
 * recomputed and compared.  Also the composite hash entries of
 * vectors/serialization.json.  One line per kind with its count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/errors.h>
#include <minima/objects.h>
#include <minima/stream.h>

#include "crypto/crypto.h"
#include "test_support.h"
#include "types/num.h"
#include "types/objects.h"

static json_t *vectors, *serial;
static const mn_obj_api_t *O;

static int setup(void **state) {
  (void)state;
  O = mn__obj_api();
  vectors = mn_test_load_vectors("objects.json");
  serial = mn_test_load_vectors("serialization.json");
  return vectors && serial ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  json_decref(vectors);
  json_decref(serial);
  return 0;
}

static const char *str(json_t *e, const char *k) {
  json_t *v = json_object_get(e, k);
  if (!json_is_string(v))
    fail_msg("vector %s: no string field %s",
             json_string_value(json_object_get(e, "name")), k);
  return json_string_value(v);
}

static const char *opt(json_t *e, const char *k) {
  json_t *v = json_object_get(e, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *find(const char *name) {
  size_t i;
  json_t *e;
  json_array_foreach(vectors, i, e) {
    if (strcmp(str(e, "name"), name) == 0)
      return e;
  }
  fail_msg("no vector named %s", name);
  return NULL;
}

static void assert_hex(const uint8_t *p, size_t n, const char *hex) {
  mn_buf_t want = mn_test_unhex(hex);
  assert_bytes_equal(p, n, want.data, want.len);
  mn_buf_free(&want);
}

static void assert_num_text(const mn_num_t *v, const char *text) {
  char buf[MN_NUM_STR_MAX];
  mn__num_to_str(v, buf, sizeof buf);
  assert_string_equal(buf, text);
}

/* Decodes hex as kind (all bytes), re-encodes and compares.  The caller
 * frees the root. */
static void *roundtrip(mn_obj_kind_t kind, const char *hex) {
  mn_buf_t in = mn_test_unhex(hex);
  void *obj = NULL;
  int rc = O->decode(kind, in.data, in.len, NULL, &obj);
  if (rc)
    fail_msg("decode kind %d: %s", kind, mn_err_name(rc));
  mn_buf_t out = {0};
  assert_int_equal(O->encode(kind, obj, &out), 0);
  assert_bytes_equal(out.data, out.len, in.data, in.len);
  size_t m = 0;
  assert_int_equal(O->measure(kind, obj, &m), 0);
  assert_int_equal(m, in.len);
  /* A deep copy encodes the same. */
  void *copy = NULL;
  assert_int_equal(O->copy(kind, obj, &copy), 0);
  mn_buf_t again = {0};
  assert_int_equal(O->encode(kind, copy, &again), 0);
  assert_bytes_equal(again.data, again.len, in.data, in.len);
  O->free(copy);
  mn_buf_free(&again);
  mn_buf_free(&out);
  mn_buf_free(&in);
  return obj;
}

static int run_kind(json_t *set, const char *kind, void (*check)(json_t *)) {
  size_t i;
  json_t *e;
  int total = 0;
  json_array_foreach(set, i, e) {
    if (strcmp(str(e, "kind"), kind) != 0)
      continue;
    total++;
    check(e);
  }
  assert_true(total > 0);
  printf("%-24s %d/%d passed\n", kind, total, total);
  return total;
}

/* --------------------------------------------------------------------------
 * Checks per kind
 * ------------------------------------------------------------------------ */

static void check_magic(json_t *e) {
  mn_magic_t *m = roundtrip(MN_OBJ_MAGIC, str(e, "serialized_hex"));
  /* The vector is the default Magic. */
  mn_magic_t def;
  O->magic_default(&def);
  mn_buf_t b = {0};
  assert_int_equal(O->encode(MN_OBJ_MAGIC, &def, &b), 0);
  assert_hex(b.data, b.len, str(e, "serialized_hex"));
  assert_true(O->magic_same(m, &def));
  mn_buf_free(&b);
  O->free(m);
}

static void check_statevar(json_t *e) {
  mn_statevar_t *sv = roundtrip(MN_OBJ_STATEVAR, str(e, "serialized_hex"));
  int port = (int)json_integer_value(json_object_get(e, "port"));
  assert_int_equal(sv->port, port);
  assert_int_equal(sv->type, json_integer_value(json_object_get(e, "type")));
  const char *stored = str(e, "stored_text");
  assert_int_equal(sv->text.len, strlen(stored));
  assert_memory_equal(sv->text.data, stored, sv->text.len);
  /* Built from the user's text, it classifies and encodes the same. */
  mn_transaction_t *t;
  assert_int_equal(O->create(MN_OBJ_TRANSACTION, (void **)&t), 0);
  mn_statevar_t built;
  const char *in = str(e, "input");
  assert_int_equal(O->statevar_parse(t, port, in, strlen(in), &built), 0);
  assert_int_equal(built.type, sv->type);
  assert_int_equal(built.text.len, strlen(stored));
  assert_memory_equal(built.text.data, stored, built.text.len);
  mn_buf_t b = {0};
  assert_int_equal(O->encode(MN_OBJ_STATEVAR, &built, &b), 0);
  assert_hex(b.data, b.len, str(e, "serialized_hex"));
  mn_buf_free(&b);
  O->free(t);
  O->free(sv);
}

static void check_coin(json_t *e) {
  mn_coin_t *c = roundtrip(MN_OBJ_COIN, str(e, "serialized_hex"));
  const char *h = opt(e, "hashObject_hex");
  if (h) {
    uint8_t id[32];
    assert_int_equal(O->hash(MN_OBJ_COIN, c, id), 0);
    assert_hex(id, 32, h);
  }
  const char *leaf = opt(e, "mmr_leaf_hash_hex");
  if (leaf) {
    mn_mmrdata_t d;
    assert_int_equal(O->coin_leaf(c, false, &d), 0);
    assert_hex(d.hash, d.len, leaf);
    const char *v = opt(e, "mmr_leaf_value");
    assert_num_text(&d.value, v ? v : "1000000000");
  }
  json_t *f = json_object_get(e, "fields");
  if (f) {
    json_t *j = O->json(MN_OBJ_COIN, c, 0);
    assert_non_null(j);
    const char *keys[] = {"coinid",  "address",  "amount",
                          "tokenid", "mmrentry", "created"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
      assert_string_equal(json_string_value(json_object_get(j, keys[i])),
                          json_string_value(json_object_get(f, keys[i])));
    assert_true(json_equal(json_object_get(j, "storestate"),
                           json_object_get(f, "storestate")));
    assert_true(
        json_equal(json_object_get(j, "spent"), json_object_get(f, "spent")));
    json_decref(j);
  }
  O->free(c);
}

static void check_coin_leaf(json_t *e) {
  mn_coin_t *c = roundtrip(MN_OBJ_COIN, str(e, "serialized_hex"));
  mn_mmrdata_t d;
  /* The stored spent coin hashed with value 0 ... */
  mn_buf_t b = mn_test_unhex(str(e, "serialized_hex"));
  mn_num_t zero;
  mn__num_from_u64(&zero, 0);
  assert_int_equal(O->mmr_leaf(b.data, b.len, &zero, &d), 0);
  assert_hex(d.hash, d.len, str(e, "mmr_leaf_hash_hex"));
  assert_num_text(&d.value, str(e, "mmr_leaf_value"));
  /* ... is what coin_leaf(spent) gives for the unspent coin. */
  json_t *prev = find("coin_with_state_and_entry");
  mn_buf_t pb = mn_test_unhex(str(prev, "serialized_hex"));
  mn_coin_t *u;
  assert_int_equal(O->decode(MN_OBJ_COIN, pb.data, pb.len, NULL, (void **)&u),
                   0);
  assert_int_equal(u->spent, 0);
  assert_int_equal(O->coin_leaf(u, true, &d), 0);
  assert_hex(d.hash, d.len, str(e, "mmr_leaf_hash_hex"));
  assert_int_equal(c->spent, 1);
  O->free(u);
  mn_buf_free(&pb);
  mn_buf_free(&b);
  O->free(c);
}

static void check_token(json_t *e) {
  mn_token_t *t = roundtrip(MN_OBJ_TOKEN, str(e, "serialized_hex"));
  uint8_t id[32];
  assert_int_equal(O->token_id(t, id), 0);
  assert_hex(id, 32, str(e, "tokenid_hex"));
  const char *pre = opt(e, "tokenid_preimage_hex");
  if (pre) {
    mn_buf_t p = mn_test_unhex(pre);
    uint8_t h[32];
    mn__sha3_256(p.data, p.len, h);
    assert_memory_equal(h, id, 32);
    mn_buf_free(&p);
  }
  const char *scaled = opt(e, "scaled_token_amount_of_colour");
  if (scaled) {
    mn_num_t v;
    assert_int_equal(O->token_scale_up(t, &t->amount, &v), 0);
    assert_num_text(&v, scaled);
  }
  json_t *j = O->json(MN_OBJ_TOKEN, t, 0);
  assert_non_null(j);
  const char *dec = opt(e, "decimals");
  if (dec)
    assert_int_equal(json_integer_value(json_object_get(j, "decimals")),
                     atoi(dec));
  json_t *f = json_object_get(e, "fields");
  assert_string_equal(json_string_value(json_object_get(j, "coinid")),
                      json_string_value(json_object_get(f, "coinid")));
  assert_string_equal(json_string_value(json_object_get(j, "script")),
                      json_string_value(json_object_get(f, "script")));
  assert_string_equal(json_string_value(json_object_get(j, "scale")),
                      json_string_value(json_object_get(f, "scale")));
  assert_string_equal(json_string_value(json_object_get(j, "totalamount")),
                      json_string_value(json_object_get(f, "amount")));
  assert_string_equal(json_string_value(json_object_get(j, "created")),
                      json_string_value(json_object_get(f, "created")));
  json_decref(j);
  O->free(t);
}

static void check_transaction(json_t *e) {
  mn_transaction_t *t = roundtrip(MN_OBJ_TRANSACTION, str(e, "serialized_hex"));
  uint8_t id[32];
  assert_int_equal(O->hash(MN_OBJ_TRANSACTION, t, id), 0);
  assert_hex(id, 32, str(e, "transactionid_hex"));
  const char *burn = opt(e, "burn");
  if (burn) {
    mn_num_t b;
    assert_int_equal(O->txn_burn(t, &b), 0);
    assert_num_text(&b, burn);
  }
  json_t *cv = json_object_get(e, "checkValid");
  if (cv)
    assert_int_equal(O->txn_check_valid(t), json_is_true(cv));
  json_t *outs = json_object_get(e, "output_coinids");
  size_t i;
  json_t *o;
  json_array_foreach(outs, i, o) {
    mn_buf_t base = mn_test_unhex(str(o, "basecoinid"));
    uint32_t k = (uint32_t)json_integer_value(json_object_get(o, "output"));
    uint8_t cid[32];
    O->coinid(base.data, base.len, k, cid);
    assert_hex(cid, 32, str(o, "coinid_hex"));
    mn_buf_t pre = mn_test_unhex(str(o, "preimage_hex"));
    uint8_t h[32];
    mn__sha3_256(pre.data, pre.len, h);
    assert_memory_equal(h, cid, 32);
    /* The same through the witness-based derivation: the first input is
     * the coin the witness proves. */
    mn_witness_t w;
    mn_coinproof_t cp;
    memset(&w, 0, sizeof w);
    memset(&cp, 0, sizeof cp);
    cp.coin = t->inputs[0];
    w.coinproofs = &cp;
    w.n_coinproofs = 1;
    assert_int_equal(O->txn_output_coinid(t, &w, false, k, h), 0);
    assert_memory_equal(h, cid, 32);
    mn_buf_free(&pre);
    mn_buf_free(&base);
  }
  O->free(t);
}

static void leaf_of_string(const char *s, const mn_num_t *v,
                           mn_mmrdata_t *out) {
  mn_buf_t b = {0};
  mn_buf_put_data(&b, s, strlen(s));
  assert_int_equal(O->mmr_leaf(b.data, b.len, v, out), 0);
  mn_buf_free(&b);
}

static void num_of(const char *text, mn_num_t *v) {
  assert_int_equal(mn__num_parse_cstr(v, text), 0);
}

static void check_mmrdata(json_t *e) {
  json_t *l0 = json_object_get(e, "leaf0"), *l1 = json_object_get(e, "leaf1");
  json_t *p = json_object_get(e, "parent");
  mn_num_t v0, v1;
  num_of(str(l0, "value"), &v0);
  num_of(str(l1, "value"), &v1);
  mn_mmrdata_t a, b, c;
  leaf_of_string("leaf-0", &v0, &a);
  leaf_of_string("leaf-1", &v1, &b);
  assert_hex(a.hash, 32, str(l0, "hash_hex"));
  assert_hex(b.hash, 32, str(l1, "hash_hex"));
  assert_int_equal(O->mmr_parent(&a, &b, &c), 0);
  assert_hex(c.hash, 32, str(p, "hash_hex"));
  assert_num_text(&c.value, str(p, "value"));
  mn_buf_t pre = mn_test_unhex(str(p, "preimage_hex"));
  uint8_t h[32];
  mn__sha3_256(pre.data, pre.len, h);
  assert_memory_equal(h, c.hash, 32);
  mn_buf_free(&pre);
  mn_buf_t s = {0};
  assert_int_equal(O->encode(MN_OBJ_MMRDATA, &a, &s), 0);
  assert_hex(s.data, s.len, str(e, "leaf0_serialized_hex"));
  mn_buf_free(&s);
  mn_mmrdata_t *d = roundtrip(MN_OBJ_MMRDATA, str(e, "leaf0_serialized_hex"));
  assert_true(O->mmr_equal(d, &a));
  O->free(d);
}

/* A plain MMR of n leaves (the append rule) for the MMR vectors: nodes
 * by row, node (r, e) at row[r][e]. */
#define MAXL 16
typedef struct mmr {
  mn_mmrdata_t node[8][MAXL];
  unsigned count[8];
} mmr_t;

static void mmr_append(mmr_t *m, const mn_mmrdata_t *leaf) {
  unsigned r = 0, e = m->count[0]++;
  m->node[0][e] = *leaf;
  while (e % 2 == 1) {
    mn_mmrdata_t p;
    assert_int_equal(O->mmr_parent(&m->node[r][e - 1], &m->node[r][e], &p), 0);
    e /= 2;
    r++;
    m->node[r][e] = p;
    if (m->count[r] <= e)
      m->count[r] = e + 1;
  }
}

static void check_mmr(json_t *e) {
  json_t *peaks = json_object_get(e, "peaks");
  /* The leaf count is the sum of 2^row over the peaks. */
  unsigned n = 0;
  size_t i;
  json_t *pk;
  json_array_foreach(peaks, i, pk) {
    n += 1u << json_integer_value(json_object_get(pk, "row"));
  }
  mmr_t m;
  memset(&m, 0, sizeof m);
  mn_mmrdata_t leaves[MAXL];
  for (unsigned k = 0; k < n; k++) {
    char name[24], val[16];
    snprintf(name, sizeof name, "leaf-%u", k);
    snprintf(val, sizeof val, "%u", k + 1);
    mn_num_t v;
    num_of(val, &v);
    leaf_of_string(name, &v, &leaves[k]);
    mmr_append(&m, &leaves[k]);
  }
  mn_mmrdata_t got[8];
  size_t np = 0;
  json_array_foreach(peaks, i, pk) {
    unsigned row = (unsigned)json_integer_value(json_object_get(pk, "row"));
    unsigned ent = (unsigned)atoi(str(pk, "entry"));
    got[np] = m.node[row][ent];
    assert_hex(got[np].hash, 32, str(pk, "hash_hex"));
    assert_num_text(&got[np].value, str(pk, "value"));
    np++;
  }
  mn_mmrdata_t root;
  assert_int_equal(O->mmr_bag(got, np, &root), 0);
  assert_hex(root.hash, 32, str(e, "root_hash_hex"));
  assert_num_text(&root.value, str(e, "root_value"));
  /* The serialized proofs of the first and last leaf fold to the root. */
  const char *which[2] = {"proof_entry0_serialized_hex",
                          "proof_last_serialized_hex"};
  const char *flags[2] = {"proof_entry0_recomputes_root",
                          "proof_last_recomputes_root"};
  for (int w = 0; w < 2; w++) {
    mn_mmrproof_t *p = roundtrip(MN_OBJ_MMRPROOF, str(e, which[w]));
    mn_mmrdata_t r;
    assert_int_equal(O->mmr_fold(p, &leaves[w ? n - 1 : 0], &r), 0);
    assert_int_equal(O->mmr_equal(&r, &root),
                     json_is_true(json_object_get(e, flags[w])));
    O->free(p);
  }
}

static void check_mmrentry(json_t *e) {
  mn_mmrentry_t *m = roundtrip(MN_OBJ_MMRENTRY, str(e, "serialized_hex"));
  assert_int_equal(m->row, 0);
  assert_int_equal(m->entry, 3);
  O->free(m);
}

static void check_address(json_t *e) {
  const char *script = str(e, "script");
  uint8_t a[32];
  O->script_address(script, strlen(script), a);
  assert_hex(a, 32, str(e, "address_hex"));
  char mx[MN_MX_MAX];
  assert_true(mn__mx_encode(a, 32, mx, sizeof mx) > 0);
  assert_string_equal(mx, str(e, "mx_address"));
  mn_address_t *ad =
      roundtrip(MN_OBJ_ADDRESS, str(e, "address_serialized_hex"));
  assert_memory_equal(ad->address.data, a, 32);
  json_t *j = O->json(MN_OBJ_ADDRESS, ad, 0);
  assert_string_equal(json_string_value(json_object_get(j, "miniaddress")),
                      str(e, "mx_address"));
  json_decref(j);
  O->free(ad);
  mn_scriptproof_t *sp =
      roundtrip(MN_OBJ_SCRIPTPROOF, str(e, "scriptproof_serialized_hex"));
  assert_memory_equal(sp->address, a, 32);
  O->free(sp);
  /* The builder makes the same single-script proof. */
  mn_witness_t *w;
  assert_int_equal(O->create(MN_OBJ_WITNESS, (void **)&w), 0);
  mn_scriptproof_t made;
  assert_int_equal(O->scriptproof_make(w, script, strlen(script), NULL, &made),
                   0);
  assert_memory_equal(made.address, a, 32);
  mn_buf_t b = {0};
  assert_int_equal(O->encode(MN_OBJ_SCRIPTPROOF, &made, &b), 0);
  assert_hex(b.data, b.len, str(e, "scriptproof_serialized_hex"));
  mn_buf_free(&b);
  O->free(w);
}

static void check_coinproof(json_t *e) {
  mn_coinproof_t *cp = roundtrip(MN_OBJ_COINPROOF, str(e, "serialized_hex"));
  mn_mmrdata_t leaf, root;
  assert_int_equal(O->coin_leaf(&cp->coin, false, &leaf), 0);
  assert_int_equal(O->mmr_fold(&cp->proof, &leaf, &root), 0);
  assert_hex(root.hash, 32, str(e, "root_hash_hex"));
  assert_hex(root.hash, 32, str(e, "recomputed_root_hex"));
  assert_num_text(&root.value, str(e, "root_value"));
  O->free(cp);
}

static void check_witness(json_t *e) {
  mn_witness_t *w = roundtrip(MN_OBJ_WITNESS, str(e, "serialized_hex"));
  assert_int_equal(w->n_sigs, 1);
  assert_true(w->sigs[0].has_rootkey);
  assert_hex(w->sigs[0].rootkey, 32, str(e, "signature_root_pubkey_hex"));
  assert_hex(w->sigs[0].rootkey, 32, str(e, "treekey_pubkey_hex"));
  assert_hex(w->sigs[0].bytes.data, w->sigs[0].bytes.len,
             str(e, "signature_serialized_hex"));
  /* The signature signs the transactionid of transaction_1in_2out_state. */
  json_t *tv = find("transaction_1in_2out_state");
  mn_transaction_t *t =
      roundtrip(MN_OBJ_TRANSACTION, str(tv, "serialized_hex"));
  uint8_t id[32];
  assert_int_equal(O->hash(MN_OBJ_TRANSACTION, t, id), 0);
  assert_int_equal(mn__treekey_verify(w->sigs[0].rootkey, 32, id, 32,
                                      w->sigs[0].bytes.data,
                                      w->sigs[0].bytes.len),
                   0);
  /* The builder adds the same signature once. */
  mn_witness_t *b;
  assert_int_equal(O->create(MN_OBJ_WITNESS, (void **)&b), 0);
  assert_int_equal(O->witness_add_signature(b, b, w->sigs[0].bytes.data,
                                            w->sigs[0].bytes.len),
                   0);
  assert_int_equal(O->witness_add_signature(b, b, w->sigs[0].bytes.data,
                                            w->sigs[0].bytes.len),
                   MN_EEXIST);
  assert_int_equal(b->n_sigs, 1);
  assert_memory_equal(b->sigs[0].rootkey, w->sigs[0].rootkey, 32);
  O->free(b);
  O->free(t);
  O->free(w);
}

static void check_txheader(json_t *e) {
  mn_txheader_t *h = roundtrip(MN_OBJ_TXHEADER, str(e, "serialized_hex"));
  uint8_t id[32];
  assert_int_equal(O->hash(MN_OBJ_TXHEADER, h, id), 0);
  const char *want = opt(e, "txpowid_hex");
  assert_hex(id, 32, want ? want : str(e, "hash_hex"));
  O->free(h);
}

static void check_txbody(json_t *e) {
  mn_txbody_t *b = roundtrip(MN_OBJ_TXBODY, str(e, "serialized_hex"));
  uint8_t id[32];
  assert_int_equal(O->hash(MN_OBJ_TXBODY, b, id), 0);
  assert_hex(id, 32, str(e, "bodyhash_hex"));
  O->free(b);
}

static void check_txpow(json_t *e) {
  const char *ser = opt(e, "serialized_hex");
  mn_txpow_t *t;
  if (ser) {
    t = roundtrip(MN_OBJ_TXPOW, ser);
  } else {
    /* The mined variant gives only its header: the full TxPoW with the
     * nonce replaced through the mining helper. */
    json_t *full = find("txpow_full");
    t = roundtrip(MN_OBJ_TXPOW, str(full, "serialized_hex"));
    mn_buf_t hdr = mn_test_unhex(str(e, "header_serialized_hex"));
    assert_int_equal(O->mine_finish(t, hdr.data, hdr.len), 0);
    mn_buf_free(&hdr);
  }
  assert_hex(t->txpowid, 32, str(e, "txpowid_hex"));
  const char *hdr = opt(e, "header_serialized_hex");
  if (hdr) {
    mn_buf_t b = {0};
    assert_int_equal(O->encode(MN_OBJ_TXHEADER, &t->header, &b), 0);
    assert_hex(b.data, b.len, hdr);
    mn_buf_free(&b);
  }
  json_t *v;
  if ((v = json_object_get(e, "is_block")))
    assert_int_equal(t->is_block, json_is_true(v));
  if ((v = json_object_get(e, "is_transaction")))
    assert_int_equal(mn_txpow_is_txn(t), json_is_true(v));
  if ((v = json_object_get(e, "superlevel")))
    assert_int_equal(t->superlevel, json_integer_value(v));
  if ((v = json_object_get(e, "size_bytes")))
    assert_int_equal(t->size, json_integer_value(v));
  const char *w = opt(e, "block_weight");
  if (w) {
    char buf[MN_NUM_STR_MAX];
    O->weight_to_str(&t->weight, buf, sizeof buf);
    assert_string_equal(buf, w);
  }
  const char *nonce = opt(e, "nonce");
  if (nonce)
    assert_num_text(&t->header.nonce, nonce);
  if (!t->body)
    assert_string_equal(str(e, "name"), "txpow_header_only");
  O->free(t);
}

static void check_superlevel(json_t *e) {
  mn_buf_t d = mn_test_unhex(str(e, "block_difficulty_hex"));
  mn_buf_t id = mn_test_unhex(str(e, "txpowid_hex"));
  int lv = 99;
  assert_int_equal(O->superlevel(d.data, d.len, id.data, id.len, &lv), 0);
  assert_int_equal(lv, json_integer_value(json_object_get(e, "raw_level")));
  mn_buf_free(&id);
  mn_buf_free(&d);
}

/* serialization.json: the object-level hash entries. */
static void check_hash_object(json_t *e) {
  /* "MiniData 0x00": hashObject hashes the length-prefixed bytes. */
  mn_buf_t pre = mn_test_unhex(str(e, "preimage_hex"));
  mn_buf_t b = {0};
  static const uint8_t zero = 0;
  mn_buf_put_data(&b, &zero, 1);
  assert_bytes_equal(b.data, b.len, pre.data, pre.len);
  uint8_t h[32];
  mn__sha3_256(b.data, b.len, h);
  assert_hex(h, 32, str(e, "hash_hex"));
  mn_buf_free(&b);
  mn_buf_free(&pre);
}

static void check_hash_all(json_t *e) {
  /* leaf(MiniString 'RETURN TRUE', 0), i.e. the script's address. */
  uint8_t a[32];
  O->script_address("RETURN TRUE", 11, a);
  assert_hex(a, 32, str(e, "hash_hex"));
  mn_mmrdata_t d;
  leaf_of_string("RETURN TRUE", &(mn_num_t){{0}, 0, 0, {0}}, &d);
  assert_hex(d.hash, 32, str(e, "hash_hex"));
}

/* --------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------ */

static void test_vectors(void **state) {
  (void)state;
  int n = 0;
  n += run_kind(vectors, "Magic", check_magic);
  n += run_kind(vectors, "StateVariable", check_statevar);
  n += run_kind(vectors, "Coin", check_coin);
  n += run_kind(vectors, "Coin.mmr_leaf", check_coin_leaf);
  n += run_kind(vectors, "Token", check_token);
  n += run_kind(vectors, "Transaction", check_transaction);
  n += run_kind(vectors, "MMRData", check_mmrdata);
  n += run_kind(vectors, "MMR", check_mmr);
  n += run_kind(vectors, "MMREntry", check_mmrentry);
  n += run_kind(vectors, "Address", check_address);
  n += run_kind(vectors, "CoinProof", check_coinproof);
  n += run_kind(vectors, "Witness", check_witness);
  n += run_kind(vectors, "TxHeader", check_txheader);
  n += run_kind(vectors, "TxBody", check_txbody);
  n += run_kind(vectors, "TxPoW", check_txpow);
  n += run_kind(vectors, "TxPoW.superlevel", check_superlevel);
  /* Every entry of the file was checked by one of the kinds above. */
  assert_int_equal(n, (int)json_array_size(vectors));
  run_kind(serial, "hash.hashObject", check_hash_object);
  run_kind(serial, "hash.hashAllObjects", check_hash_all);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vectors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
