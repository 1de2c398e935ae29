/*
 * test_crypto.c - the crypto module against the conformance vectors:
 * every entry of vectors/crypto.json and the hash.* entries of
 * vectors/serialization.json.  Each vector kind prints how many entries
 * passed; an entry of a kind this file does not know fails the test.
 *
 * Preimages the reference builds from objects (MiniNumber, MiniData,
 * MiniString) are written out here byte by byte from the spec, so the
 * tests do not reuse the encoders they check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/stream.h>

#include "crypto/crypto.h"
#include "test_support.h"

/* --------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static const mn_crypto_api_t *api(void) {
  return mn__crypto_api();
}

static const char *str(json_t *e, const char *k) {
  json_t *v = json_object_get(e, k);
  if (!json_is_string(v))
    fail_msg("vector %s: no string field %s",
             json_string_value(json_object_get(e, "name")), k);
  return json_string_value(v);
}

static mn_buf_t hexf(json_t *e, const char *k) {
  return mn_test_unhex(str(e, k));
}

static long long intf(json_t *e, const char *k) {
  json_t *v = json_object_get(e, k);
  if (!json_is_integer(v))
    fail_msg("vector: no integer field %s", k);
  return json_integer_value(v);
}

static bool has(json_t *e, const char *k) {
  return json_object_get(e, k) != NULL;
}

static json_t *find(json_t *all, const char *name) {
  size_t i;
  json_t *e;
  json_array_foreach(all, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
      return e;
  }
  fail_msg("vector %s not found", name);
  return NULL;
}

static void sha3(const void *p, size_t n, uint8_t out[32]) {
  api()->sha3_256(p, n, out);
}

/* MiniData(x): int32 length, bytes. */
static void put_minidata(mn_buf_t *b, const void *p, size_t n) {
  uint8_t l[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                  (uint8_t)n};
  mn_buf_put(b, l, 4);
  mn_buf_put(b, p, n);
}

/* Per-kind tallies printed at the end of a run. */
typedef struct tally {
  char kind[40];
  int n;
} tally_t;

static void count(tally_t *t, size_t *nt, const char *kind) {
  for (size_t i = 0; i < *nt; i++)
    if (strcmp(t[i].kind, kind) == 0) {
      t[i].n++;
      return;
    }
  snprintf(t[*nt].kind, sizeof t[*nt].kind, "%s", kind);
  t[(*nt)++].n = 1;
}

/* Splits an honest Signature into its proofs (offsets and lengths).
 * Returns the number of proofs. */
static unsigned split_sig(const uint8_t *sig, size_t len, size_t off[8],
                          size_t plen[8], unsigned nchunks[8]) {
  mn_reader_t r;
  mn_reader_init(&r, sig, len);
  const uint8_t *cnt = mn_reader_take(&r, 3);
  assert_non_null(cnt);
  assert_int_equal(cnt[0], 0);
  assert_int_equal(cnt[1], 1);
  unsigned n = cnt[2];
  assert_true(n >= 1 && n <= 8);
  for (unsigned j = 0; j < n; j++) {
    size_t dl;
    off[j] = r.pos;
    mn_reader_data(&r, 64, &dl);
    mn_reader_data(&r, 2000, &dl);
    mn_reader_take(&r, 3);
    const uint8_t *c = mn_reader_take(&r, 3);
    assert_non_null(c);
    nchunks[j] = c[2];
    for (unsigned k = 0; k < nchunks[j]; k++) {
      mn_reader_u8(&r);
      mn_reader_data(&r, 64, &dl);
      mn_reader_take(&r, 3);
    }
    assert_int_equal(r.err, 0);
    plen[j] = r.pos - off[j];
  }
  assert_int_equal(r.pos, len);
  return n;
}

/* The root key of proof j alone, through a one-proof Signature. */
static void proof_root(const uint8_t *proof, size_t len, uint8_t root[32]) {
  mn_buf_t s = {0};
  static const uint8_t one[3] = {0, 1, 1};
  mn_buf_put(&s, one, 3);
  mn_buf_put(&s, proof, len);
  assert_int_equal(api()->treekey_sig_root(s.data, s.len, root), 0);
  mn_buf_free(&s);
}

/* --------------------------------------------------------------------------
 * One function per kind
 * ------------------------------------------------------------------------ */

static void v_hash(json_t *e, bool sha2) {
  mn_buf_t in =
      has(e, "input_hex") ? hexf(e, "input_hex") : hexf(e, "preimage_hex");
  mn_buf_t want = hexf(e, "hash_hex");
  uint8_t got[32];
  if (sha2) {
    api()->sha256(in.data, in.len, got);
  } else {
    sha3(in.data, in.len, got);
    assert_bytes_equal(got, 32, want.data, want.len);
    /* The incremental form, fed in two pieces. */
    mn_sha3_t c;
    api()->sha3_init(&c);
    api()->sha3_update(&c, in.data, in.len / 2);
    api()->sha3_update(&c, in.data + in.len / 2, in.len - in.len / 2);
    api()->sha3_final(&c, got);
  }
  assert_bytes_equal(got, 32, want.data, want.len);
  mn_buf_free(&in);
  mn_buf_free(&want);
}

static void v_wots_private_key(json_t *e) {
  mn_buf_t seed = hexf(e, "seed_hex");
  if (has(e, "error")) {
    /* The reference throws for seeds under 32 bytes; our functions take a
     * 32-byte array, so such a seed cannot be passed at all. */
    assert_true(seed.len < 32);
    mn_buf_free(&seed);
    return;
  }
  assert_true(seed.len >= 32);
  if (has(e, "element0_hex")) {
    uint8_t sk[MN__WOTS_CHAINS][32];
    mn__wots_privkey(seed.data, sk);
    assert_int_equal(intf(e, "num_elements"), MN__WOTS_CHAINS);
    mn_buf_t e0 = hexf(e, "element0_hex"), e1 = hexf(e, "element1_hex"),
             e33 = hexf(e, "element33_hex");
    assert_bytes_equal(sk[0], 32, e0.data, e0.len);
    assert_bytes_equal(sk[1], 32, e1.data, e1.len);
    assert_bytes_equal(sk[33], 32, e33.data, e33.len);
    mn_buf_free(&e0);
    mn_buf_free(&e1);
    mn_buf_free(&e33);
  }
  if (has(e, "public_key_hex")) {
    /* Only the first 32 bytes of a longer seed count. */
    mn_buf_t pk = hexf(e, "public_key_hex");
    uint8_t got[32];
    api()->wots_pubkey(seed.data, got);
    assert_bytes_equal(got, 32, pk.data, pk.len);
    if (has(e, "same_as_first_32_bytes_seed"))
      assert_true(
          json_is_true(json_object_get(e, "same_as_first_32_bytes_seed")));
    mn_buf_free(&pk);
  }
  mn_buf_free(&seed);
}

static void v_wots(json_t *e) {
  mn_buf_t seed = hexf(e, "seed_hex"), pk = hexf(e, "public_key_hex"),
           msg = hexf(e, "message_hex"), dg = hexf(e, "message_digest_hex"),
           sig = hexf(e, "signature_hex");
  uint8_t got[32], s[MN_WOTS_SIG_LEN];
  api()->wots_pubkey(seed.data, got);
  assert_bytes_equal(got, 32, pk.data, pk.len);
  sha3(msg.data, msg.len, got);
  assert_bytes_equal(got, 32, dg.data, dg.len);
  uint8_t d[MN__WOTS_CHAINS];
  mn__wots_digits(got, d);
  json_t *dj = json_object_get(e, "digits_derived");
  assert_int_equal(json_array_size(dj), MN__WOTS_CHAINS);
  for (size_t i = 0; i < MN__WOTS_CHAINS; i++)
    assert_int_equal(d[i], json_integer_value(json_array_get(dj, i)));
  assert_int_equal(d[32] | d[33] << 8, intf(e, "checksum_derived"));
  assert_int_equal(intf(e, "signature_len"), MN_WOTS_SIG_LEN);
  api()->wots_sign(seed.data, msg.data, msg.len, s);
  assert_bytes_equal(s, sizeof s, sig.data, sig.len);
  assert_true(
      api()->wots_verify(pk.data, msg.data, msg.len, sig.data, sig.len));
  mn_buf_free(&seed);
  mn_buf_free(&pk);
  mn_buf_free(&msg);
  mn_buf_free(&dg);
  mn_buf_free(&sig);
}

static void v_wots_verify(json_t *all, json_t *e) {
  json_t *base = find(all, "wots_sign_verify");
  mn_buf_t sig = hexf(base, "signature_hex");
  if (has(e, "error")) {
    /* One byte short: the reference dies on it, we say "invalid". */
    mn_buf_t pk = hexf(base, "public_key_hex"), msg = hexf(base, "message_hex");
    assert_true(
        api()->wots_verify(pk.data, msg.data, msg.len, sig.data, sig.len));
    assert_false(
        api()->wots_verify(pk.data, msg.data, msg.len, sig.data, sig.len - 1));
    mn_buf_free(&pk);
    mn_buf_free(&msg);
  } else {
    assert_string_equal(str(e, "signature"),
                        "signature_hex of wots_sign_verify");
    mn_buf_t pk = hexf(e, "public_key_hex"), msg = hexf(e, "message_hex");
    bool want = json_is_true(json_object_get(e, "verify"));
    assert_int_equal(
        api()->wots_verify(pk.data, msg.data, msg.len, sig.data, sig.len),
        want);
    mn_buf_free(&pk);
    mn_buf_free(&msg);
  }
  mn_buf_free(&sig);
}

static void v_treekey_node(json_t *e) {
  mn_buf_t seed = hexf(e, "seed_hex");
  assert_int_equal(seed.len, 32);
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(e, "keys"), i, k) {
    long long idx = intf(k, "index");
    /* MiniNumber(idx) || MiniData(seed) */
    mn_buf_t pre = {0};
    uint8_t num[4] = {0, 1, (uint8_t)idx};
    assert_true(idx < 128);
    mn_buf_put(&pre, num, 3);
    put_minidata(&pre, seed.data, 32);
    mn_buf_t want = hexf(k, "seed_preimage_hex");
    assert_bytes_equal(pre.data, pre.len, want.data, want.len);
    uint8_t ws[32], wpk[32], leaf[32];
    sha3(pre.data, pre.len, ws);
    mn_buf_t wseed = hexf(k, "seed_hex"), wpkv = hexf(k, "wots_public_key_hex"),
             leafv = hexf(k, "mmr_leaf_hash_hex");
    assert_bytes_equal(ws, 32, wseed.data, wseed.len);
    api()->wots_pubkey(ws, wpk);
    assert_bytes_equal(wpk, 32, wpkv.data, wpkv.len);
    /* leaf = SHA3(MiniNumber 0 || MiniData(pk) || MiniNumber 0) */
    mn_buf_t lp = {0};
    static const uint8_t zero[3] = {0, 1, 0};
    mn_buf_put(&lp, zero, 3);
    put_minidata(&lp, wpk, 32);
    mn_buf_put(&lp, zero, 3);
    sha3(lp.data, lp.len, leaf);
    assert_bytes_equal(leaf, 32, leafv.data, leafv.len);
    mn_buf_free(&pre);
    mn_buf_free(&want);
    mn_buf_free(&wseed);
    mn_buf_free(&wpkv);
    mn_buf_free(&leafv);
    mn_buf_free(&lp);
  }
  uint8_t npk[32];
  mn_buf_t want = hexf(e, "node_public_key_hex");
  assert_int_equal(mn__treekey_node_pubkey(seed.data, 64, npk), 0);
  assert_bytes_equal(npk, 32, want.data, want.len);
  mn_buf_free(&want);

  /* Child seed = SHA3(MiniData(seed)); child j = SHA3(MiniNumber(j) ||
   * MiniData(child seed)). */
  mn_buf_t md = {0};
  put_minidata(&md, seed.data, 32);
  uint8_t cs[32], c0[32];
  sha3(md.data, md.len, cs);
  want = hexf(e, "child_seed_hex");
  assert_bytes_equal(cs, 32, want.data, want.len);
  mn_buf_free(&want);
  mn_buf_free(&md);
  static const uint8_t zero[3] = {0, 1, 0};
  mn_buf_put(&md, zero, 3);
  put_minidata(&md, cs, 32);
  sha3(md.data, md.len, c0);
  want = hexf(e, "child0_node_seed_hex");
  assert_bytes_equal(c0, 32, want.data, want.len);
  mn_buf_free(&want);
  mn_buf_free(&md);
  want = hexf(e, "child0_public_key_hex");
  assert_int_equal(mn__treekey_node_pubkey(c0, 64, npk), 0);
  assert_bytes_equal(npk, 32, want.data, want.len);
  mn_buf_free(&want);

  /* The MMR proof of key 0 is the tail of a one-level signature with use
   * 0: count, MiniData(pk), MiniData(sig), proof. */
  mn_treekey_t *key;
  assert_int_equal(api()->treekey_new(seed.data, 64, 1, &key), 0);
  mn_buf_t sig = {0};
  uint8_t msg[1] = {0};
  assert_int_equal(api()->treekey_sign(key, 0, msg, 1, &sig), 0);
  want = hexf(e, "proof_key0_serialized_hex");
  size_t head = 3 + 4 + 32 + 4 + MN_WOTS_SIG_LEN;
  assert_true(sig.len > head);
  assert_bytes_equal(sig.data + head, sig.len - head, want.data, want.len);
  mn_buf_free(&want);
  mn_buf_free(&sig);
  api()->treekey_free(key);
  mn_buf_free(&seed);
}

static void v_treekey_sign(json_t *e, mn_buf_t *keep_sig) {
  mn_buf_t seed = hexf(e, "seed_hex"), pk = hexf(e, "public_key_hex"),
           msg = hexf(e, "message_hex");
  unsigned kpl = (unsigned)intf(e, "keys_per_level");
  unsigned lv = (unsigned)intf(e, "levels");
  mn_treekey_t *key;
  assert_int_equal(api()->treekey_new(seed.data, kpl, lv, &key), 0);
  uint8_t got[32];
  api()->treekey_pubkey(key, got);
  assert_bytes_equal(got, 32, pk.data, pk.len);
  if (has(e, "max_uses"))
    assert_int_equal(api()->treekey_max_uses(key), intf(e, "max_uses"));
  mn_buf_t sig = {0};
  uint64_t use = (uint64_t)intf(e, "uses_before");
  assert_int_equal(api()->treekey_sign(key, use, msg.data, msg.len, &sig), 0);
  if (has(e, "signature_serialized_hex")) {
    mn_buf_t want = hexf(e, "signature_serialized_hex");
    assert_bytes_equal(sig.data, sig.len, want.data, want.len);
    mn_buf_free(&want);
  }
  if (has(e, "signature_size_bytes"))
    assert_int_equal(sig.len, intf(e, "signature_size_bytes"));

  size_t off[8], plen[8];
  unsigned nch[8];
  unsigned n = split_sig(sig.data, sig.len, off, plen, nch);
  assert_int_equal(n, lv);
  json_t *path = json_object_get(e, "path");
  assert_int_equal(json_array_size(path), lv);
  for (unsigned j = 0; j < n; j++) {
    /* For a power-of-two K the chunks' left flags spell the key index,
     * lowest bit first. */
    unsigned p = (unsigned)json_integer_value(json_array_get(path, j));
    if ((kpl & (kpl - 1)) == 0) {
      const uint8_t *c = sig.data + off[j] + 36 + 4 + MN_WOTS_SIG_LEN + 6;
      unsigned idx = 0;
      for (unsigned b = 0; b < nch[j]; b++)
        idx |= (unsigned)(c[40 * b] != 0) << b;
      assert_int_equal(idx, p);
    }
  }
  json_t *det = json_object_get(e, "levels_detail");
  if (det) {
    assert_int_equal(json_array_size(det), n);
    for (unsigned j = 0; j < n; j++) {
      json_t *d = json_array_get(det, j);
      mn_buf_t wpk = hexf(d, "wots_public_key_hex"),
               root = hexf(d, "root_public_key_hex");
      assert_bytes_equal(sig.data + off[j] + 4, 32, wpk.data, wpk.len);
      uint8_t r[32];
      proof_root(sig.data + off[j], plen[j], r);
      assert_bytes_equal(r, 32, root.data, root.len);
      assert_int_equal(nch[j], intf(d, "proof_length"));
      mn_buf_free(&wpk);
      mn_buf_free(&root);
    }
  }
  int want = json_is_true(json_object_get(e, "verify")) ? 0 : MN_EINVALID;
  assert_int_equal(api()->treekey_verify(pk.data, pk.len, msg.data, msg.len,
                                         sig.data, sig.len),
                   want);
  if (has(e, "verify_other_message")) {
    assert_false(json_is_true(json_object_get(e, "verify_other_message")));
    msg.data[0] ^= 1;
    assert_int_equal(api()->treekey_verify(pk.data, pk.len, msg.data, msg.len,
                                           sig.data, sig.len),
                     MN_EINVALID);
    msg.data[0] ^= 1;
  }
  uint8_t root[32];
  assert_int_equal(api()->treekey_sig_root(sig.data, sig.len, root), 0);
  assert_bytes_equal(root, 32, pk.data, pk.len);
  if (keep_sig) {
    mn_buf_free(keep_sig);
    *keep_sig = sig;
  } else {
    mn_buf_free(&sig);
  }
  api()->treekey_free(key);
  mn_buf_free(&seed);
  mn_buf_free(&pk);
  mn_buf_free(&msg);
}

static void v_treekey_verify(json_t *all, json_t *e) {
  assert_false(json_is_true(json_object_get(e, "verify")));
  json_t *base = find(all, "treekey_4x3_sign_uses_5");
  mn_buf_t sig = hexf(base, "signature_serialized_hex"),
           pk = hexf(base, "public_key_hex"), msg = hexf(base, "message_hex");
  assert_int_equal(api()->treekey_verify(pk.data, pk.len, msg.data, msg.len,
                                         sig.data, sig.len),
                   0);
  size_t off[8], plen[8];
  unsigned nch[8];
  unsigned n = split_sig(sig.data, sig.len, off, plen, nch);
  assert_int_equal(n, 3);
  /* "Levels 1 and 2": swapping either neighbouring pair must fail. */
  for (unsigned a = 0; a < 2; a++) {
    mn_buf_t sw = {0};
    mn_buf_put(&sw, sig.data, off[0]);
    for (unsigned j = 0; j < n; j++) {
      unsigned src = j == a ? a + 1 : j == a + 1 ? a : j;
      mn_buf_put(&sw, sig.data + off[src], plen[src]);
    }
    assert_int_equal(sw.len, sig.len);
    assert_int_equal(api()->treekey_verify(pk.data, pk.len, msg.data, msg.len,
                                           sw.data, sw.len),
                     MN_EINVALID);
    mn_buf_free(&sw);
  }
  mn_buf_free(&sig);
  mn_buf_free(&pk);
  mn_buf_free(&msg);
}

/* Simple address of a public key: leaf(MiniString script, 0). */
static void simple_address(const uint8_t pk[32], char *script, size_t cap,
                           uint8_t addr[32]) {
  char hex[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02X", pk[i]);
  snprintf(script, cap, "RETURN SIGNEDBY(0x%s)", hex);
  mn_buf_t pre = {0};
  static const uint8_t zero[3] = {0, 1, 0};
  mn_buf_put(&pre, zero, 3);
  put_minidata(&pre, script, strlen(script));
  mn_buf_put(&pre, zero, 3);
  sha3(pre.data, pre.len, addr);
  mn_buf_free(&pre);
}

static void v_wallet(json_t *e) {
  const char *raw = str(e, "raw_phrase"), *clean = str(e, "clean_phrase");
  /* The phrase is abbreviated (4-letter prefixes): cleaning needs the
   * BIP-39 word list, which lives with the wallet.  Check the relation
   * that can be checked here: every raw word begins its clean word. */
  const char *r = raw, *c = clean;
  while (*r && *c) {
    size_t rl = strcspn(r, " "), cl = strcspn(c, " ");
    assert_true(rl >= 3 && rl <= cl);
    for (size_t i = 0; i < rl; i++)
      assert_int_equal(r[i] - 'a' + 'A', c[i]);
    r += rl + (r[rl] == ' ');
    c += cl + (c[cl] == ' ');
  }
  assert_true(*r == 0 && *c == 0);

  uint8_t base[32];
  sha3(clean, strlen(clean), base);
  mn_buf_t want = hexf(e, "base_seed_hex");
  assert_bytes_equal(base, 32, want.data, want.len);
  mn_buf_free(&want);
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(e, "keys"), i, k) {
    long long ki = intf(k, "key_index");
    /* Minimal unsigned big-endian bytes of the index (0 -> 00). */
    uint8_t mod[8];
    size_t ml = 0;
    for (int b = 7; b >= 0; b--)
      if (ml || (ki >> (8 * b)) & 0xff || b == 0)
        mod[ml++] = (uint8_t)(ki >> (8 * b));
    want = hexf(k, "modifier_hex");
    assert_bytes_equal(mod, ml, want.data, want.len);
    mn_buf_free(&want);
    mn_buf_t pre = {0};
    put_minidata(&pre, base, 32);
    put_minidata(&pre, mod, ml);
    uint8_t seed[32], pk[32], addr[32];
    sha3(pre.data, pre.len, seed);
    mn_buf_free(&pre);
    want = hexf(k, "private_seed_hex");
    assert_bytes_equal(seed, 32, want.data, want.len);
    mn_buf_free(&want);
    mn_treekey_t *key;
    assert_int_equal(api()->treekey_new(seed, 64, 3, &key), 0);
    api()->treekey_pubkey(key, pk);
    api()->treekey_free(key);
    want = hexf(k, "public_key_hex");
    assert_bytes_equal(pk, 32, want.data, want.len);
    mn_buf_free(&want);
    char script[128], mx[MN_MX_MAX];
    simple_address(pk, script, sizeof script, addr);
    assert_string_equal(script, str(k, "script"));
    want = hexf(k, "address_hex");
    assert_bytes_equal(addr, 32, want.data, want.len);
    mn_buf_free(&want);
    assert_int_equal(api()->mx_encode(addr, 32, mx, sizeof mx), 63);
    assert_string_equal(mx, str(k, "mx_address"));
  }
}

static void v_mx(json_t *e) {
  mn_buf_t data = hexf(e, "data_hex"), cs = hexf(e, "checksum_hex"),
           pre = hexf(e, "prefixed_bytes_hex"), dec = hexf(e, "decoded_hex");
  uint8_t h[32];
  sha3(data.data, data.len, h);
  assert_bytes_equal(h, 4, cs.data, cs.len);
  assert_int_equal(pre.data[0], 1);
  assert_int_equal(pre.data[1] << 8 | pre.data[2], data.len);
  assert_bytes_equal(pre.data + 3, pre.len - 7, data.data, data.len);
  assert_bytes_equal(pre.data + pre.len - 4, 4, cs.data, cs.len);
  const char *mx = str(e, "mx");
  char out[MN_MX_MAX];
  assert_int_equal(api()->mx_encode(data.data, data.len, out, sizeof out),
                   (int)strlen(mx));
  assert_string_equal(out, mx);
  /* The address text is the bare base 32 of the prefixed bytes. */
  assert_int_equal(mn__base32_encode(pre.data, pre.len, out, sizeof out),
                   (int)strlen(mx));
  assert_string_equal(out, mx);
  mn_buf_t got = {0};
  assert_int_equal(api()->mx_decode(mx, strlen(mx), &got), 0);
  assert_bytes_equal(got.data, got.len, dec.data, dec.len);
  mn_buf_free(&got);
  mn_buf_free(&data);
  mn_buf_free(&cs);
  mn_buf_free(&pre);
  mn_buf_free(&dec);
}

static void v_mx_decode(json_t *e) {
  const char *mx = str(e, "mx");
  mn_buf_t got = {0};
  int rc = api()->mx_decode(mx, strlen(mx), &got);
  if (has(e, "error")) {
    assert_string_equal(str(e, "error"), "IllegalArgumentException");
    assert_int_equal(rc, MN_EINVALID);
    assert_int_equal(got.len, 0);
  } else {
    mn_buf_t dec = hexf(e, "decoded_hex");
    assert_int_equal(rc, 0);
    assert_bytes_equal(got.data, got.len, dec.data, dec.len);
    mn_buf_free(&dec);
  }
  mn_buf_free(&got);
}

static void v_base32(json_t *e) {
  mn_buf_t data = hexf(e, "data_hex");
  const char *enc = str(e, "encoded");
  char out[MN_MX_MAX];
  assert_int_equal(mn__base32_encode(data.data, data.len, out, sizeof out),
                   (int)strlen(enc));
  assert_string_equal(out, enc);
  if (has(e, "decoded_hex")) {
    mn_buf_t dec = hexf(e, "decoded_hex"), got = {0};
    assert_int_equal(mn__base32_decode(enc, strlen(enc), &got), 0);
    assert_bytes_equal(got.data, got.len, dec.data, dec.len);
    mn_buf_free(&dec);
    mn_buf_free(&got);
  }
  mn_buf_free(&data);
}

static void v_pbkdf2(json_t *e) {
  /* JCE hands the password's chars to PBKDF2 as UTF-8 bytes. */
  const char *pw = str(e, "password");
  mn_buf_t salt = hexf(e, "salt_hex"), key = hexf(e, "key_hex");
  uint8_t out[64];
  size_t n = (size_t)intf(e, "key_bits") / 8;
  assert_int_equal(n, key.len);
  assert_int_equal(api()->pbkdf2_sha256(pw, strlen(pw), salt.data, salt.len,
                                        (uint32_t)intf(e, "iterations"), out,
                                        n),
                   0);
  assert_bytes_equal(out, n, key.data, key.len);
  mn_buf_free(&salt);
  mn_buf_free(&key);
}

static void v_aes(json_t *e) {
  mn_buf_t key = hexf(e, "key_hex"), iv = hexf(e, "iv_hex"),
           pt = hexf(e, "plaintext_hex"), ct = hexf(e, "ciphertext_hex");
  mn_buf_t out = {0};
  assert_int_equal(
      api()->aes_cbc_encrypt(key.data, key.len, iv.data, pt.data, pt.len, &out),
      0);
  assert_bytes_equal(out.data, out.len, ct.data, ct.len);
  mn_buf_free(&out);
  assert_true(json_is_true(json_object_get(e, "decrypts")));
  assert_int_equal(
      api()->aes_cbc_decrypt(key.data, key.len, iv.data, ct.data, ct.len, &out),
      0);
  assert_bytes_equal(out.data, out.len, pt.data, pt.len);
  mn_buf_free(&out);
  mn_buf_free(&key);
  mn_buf_free(&iv);
  mn_buf_free(&pt);
  mn_buf_free(&ct);
}

static void v_password_crypto(json_t *e) {
  const char *pw = str(e, "password");
  mn_buf_t blob = hexf(e, "blob_hex"), salt_v = hexf(e, "salt_hex"),
           iv_v = hexf(e, "iv_hex"), payload = hexf(e, "payload_hex"),
           ref = hexf(e, "reference_decrypt_hex");
  assert_bytes_equal(payload.data, payload.len, ref.data, ref.len);
  /* MiniData(salt) || MiniData(iv) || AES-CBC(GZIP(MiniData(payload))) */
  mn_reader_t r;
  size_t sl, il;
  mn_reader_init(&r, blob.data, blob.len);
  const uint8_t *salt = mn_reader_data(&r, 64, &sl);
  const uint8_t *iv = mn_reader_data(&r, 64, &il);
  assert_int_equal(r.err, 0);
  assert_bytes_equal(salt, sl, salt_v.data, salt_v.len);
  assert_bytes_equal(iv, il, iv_v.data, iv_v.len);
  assert_int_equal(il, 16);
  uint8_t key[16];
  assert_int_equal(
      api()->pbkdf2_sha256(pw, strlen(pw), salt, sl, 65536, key, sizeof key),
      0);
  mn_buf_t gz = {0}, plain = {0};
  assert_int_equal(
      api()->aes_cbc_decrypt(key, 16, iv, r.p + r.pos, mn_reader_left(&r), &gz),
      0);
  assert_int_equal(api()->gunzip(gz.data, gz.len, 1024, &plain), 0);
  mn_buf_t md = {0};
  put_minidata(&md, payload.data, payload.len);
  assert_bytes_equal(plain.data, plain.len, md.data, md.len);
  /* Our GZIP member is Java's byte for byte (the blob was written by a JDK
   * that sets the OS byte to ff, as we do), so encrypting again with the
   * same salt and IV gives the same blob. */
  mn_buf_t gz2 = {0}, enc = {0};
  assert_int_equal(api()->gzip(md.data, md.len, &gz2), 0);
  assert_int_equal(gz.data[9], 0xff);
  assert_bytes_equal(gz2.data, gz2.len, gz.data, gz.len);
  mn_buf_put(&enc, blob.data, r.pos);
  assert_int_equal(api()->aes_cbc_encrypt(key, 16, iv, gz2.data, gz2.len, &enc),
                   0);
  assert_bytes_equal(enc.data, enc.len, blob.data, blob.len);
  mn_buf_free(&gz);
  mn_buf_free(&gz2);
  mn_buf_free(&enc);
  mn_buf_free(&plain);
  mn_buf_free(&md);
  mn_buf_free(&blob);
  mn_buf_free(&salt_v);
  mn_buf_free(&iv_v);
  mn_buf_free(&payload);
  mn_buf_free(&ref);
}

static void v_rsa_sign(json_t *e) {
  mn_buf_t pub = hexf(e, "public_key_x509_hex"),
           priv = hexf(e, "private_key_pkcs8_hex"),
           msg = hexf(e, "message_hex"), sig = hexf(e, "signature_hex");
  assert_int_equal(pub.len, 162); /* 1024-bit key as X.509 DER */
  assert_true(json_is_true(json_object_get(e, "verify")));
  assert_int_equal(api()->rsa_verify_sha256(pub.data, pub.len, msg.data,
                                            msg.len, sig.data, sig.len),
                   0);
  /* PKCS#1 v1.5 signatures are deterministic: ours match the bytes. */
  mn_buf_t mine = {0};
  assert_int_equal(
      api()->rsa_sign_sha256(priv.data, priv.len, msg.data, msg.len, &mine), 0);
  assert_bytes_equal(mine.data, mine.len, sig.data, sig.len);
  msg.data[0] ^= 1;
  assert_int_equal(api()->rsa_verify_sha256(pub.data, pub.len, msg.data,
                                            msg.len, sig.data, sig.len),
                   MN_EINVALID);
  mn_buf_free(&mine);
  mn_buf_free(&pub);
  mn_buf_free(&priv);
  mn_buf_free(&msg);
  mn_buf_free(&sig);
}

static void v_cryptopackage(json_t *all, json_t *e) {
  json_t *keys = find(all, "rsa1024_sha256_sign");
  mn_buf_t priv = hexf(keys, "private_key_pkcs8_hex"),
           pkg = hexf(e, "package_hex"), pt = hexf(e, "plaintext_hex"),
           ref = hexf(e, "reference_decrypt_hex");
  assert_bytes_equal(pt.data, pt.len, ref.data, ref.len);
  /* MiniData(iv) || MiniData(RSA(AES key)) || MiniData(AES-CBC(data)) */
  mn_reader_t r;
  size_t il, kl, cl;
  mn_reader_init(&r, pkg.data, pkg.len);
  const uint8_t *iv = mn_reader_data(&r, 64, &il);
  const uint8_t *ek = mn_reader_data(&r, 1024, &kl);
  const uint8_t *ct = mn_reader_data(&r, 1 << 20, &cl);
  assert_int_equal(r.err, 0);
  assert_int_equal(mn_reader_left(&r), 0);
  assert_int_equal(il, 16);
  assert_int_equal(kl, 128);
  mn_buf_t key = {0}, out = {0};
  assert_int_equal(api()->rsa_decrypt(priv.data, priv.len, ek, kl, &key), 0);
  assert_int_equal(key.len, 16); /* AES-128 */
  assert_int_equal(api()->aes_cbc_decrypt(key.data, key.len, iv, ct, cl, &out),
                   0);
  assert_bytes_equal(out.data, out.len, pt.data, pt.len);
  mn_buf_free(&key);
  mn_buf_free(&out);
  mn_buf_free(&priv);
  mn_buf_free(&pkg);
  mn_buf_free(&pt);
  mn_buf_free(&ref);
}

static void v_maxima_message(json_t *all, json_t *e) {
  mn_buf_t ser = hexf(e, "serialized_hex"), id = hexf(e, "msgid_hex");
  /* msgid = SHA3(MiniData(serialized message)) */
  mn_buf_t md = {0};
  put_minidata(&md, ser.data, ser.len);
  uint8_t h[32];
  sha3(md.data, md.len, h);
  assert_bytes_equal(h, 32, id.data, id.len);
  /* The fields the description names: random, from, to, time,
   * application, data. */
  mn_reader_t r;
  size_t n;
  mn_reader_init(&r, ser.data, ser.len);
  const uint8_t *random = mn_reader_data(&r, 64, &n);
  sha3("random", 6, h);
  assert_bytes_equal(random, n, h, 32);
  const uint8_t *from = mn_reader_data(&r, 1024, &n);
  mn_buf_t pub = hexf(find(all, "rsa1024_sha256_sign"), "public_key_x509_hex");
  assert_bytes_equal(from, n, pub.data, pub.len);
  const uint8_t *to = mn_reader_data(&r, 1024, &n);
  assert_int_equal(n, 1);
  assert_int_equal(to[0], 0x30);
  const uint8_t *t = mn_reader_take(&r, 2);
  assert_non_null(t);
  assert_int_equal(t[0], 0); /* scale */
  const uint8_t *tv = mn_reader_take(&r, t[1]);
  assert_non_null(tv);
  uint64_t time = 0;
  for (unsigned i = 0; i < t[1]; i++)
    time = time << 8 | tv[i];
  assert_int_equal(time, 1700000000000ULL);
  const uint8_t *app = mn_reader_data(&r, 64, &n);
  assert_bytes_equal(app, n, (const uint8_t *)"app", 3);
  const uint8_t *data = mn_reader_data(&r, 64, &n);
  static const uint8_t d12[2] = {1, 2};
  assert_bytes_equal(data, n, d12, 2);
  assert_int_equal(r.err, 0);
  assert_int_equal(mn_reader_left(&r), 0);
  mn_buf_free(&pub);
  mn_buf_free(&md);
  mn_buf_free(&ser);
  mn_buf_free(&id);
}

/* --------------------------------------------------------------------------
 * Runners
 * ------------------------------------------------------------------------ */

static void print_tally(const char *file, tally_t *t, size_t nt) {
  for (size_t i = 0; i < nt; i++)
    printf("%s: %-22s %d passed\n", file, t[i].kind, t[i].n);
}

static void test_crypto_vectors(void **state) {
  (void)state;
  json_t *all = mn_test_load_vectors("crypto.json");
  tally_t t[40];
  size_t nt = 0, i;
  json_t *e;
  json_array_foreach(all, i, e) {
    const char *kind = str(e, "kind");
    if (!strcmp(kind, "sha3_256"))
      v_hash(e, false);
    else if (!strcmp(kind, "sha2_256"))
      v_hash(e, true);
    else if (!strcmp(kind, "wots.private_key"))
      v_wots_private_key(e);
    else if (!strcmp(kind, "wots"))
      v_wots(e);
    else if (!strcmp(kind, "wots.verify"))
      v_wots_verify(all, e);
    else if (!strcmp(kind, "treekey.node"))
      v_treekey_node(e);
    else if (!strcmp(kind, "treekey.sign"))
      v_treekey_sign(e, NULL);
    else if (!strcmp(kind, "treekey.verify"))
      v_treekey_verify(all, e);
    else if (!strcmp(kind, "wallet.derivation"))
      v_wallet(e);
    else if (!strcmp(kind, "address.mx"))
      v_mx(e);
    else if (!strcmp(kind, "address.mx.decode"))
      v_mx_decode(e);
    else if (!strcmp(kind, "base32"))
      v_base32(e);
    else if (!strcmp(kind, "pbkdf2"))
      v_pbkdf2(e);
    else if (!strcmp(kind, "aes"))
      v_aes(e);
    else if (!strcmp(kind, "password_crypto"))
      v_password_crypto(e);
    else if (!strcmp(kind, "rsa.sign"))
      v_rsa_sign(e);
    else if (!strcmp(kind, "rsa.cryptopackage"))
      v_cryptopackage(all, e);
    else if (!strcmp(kind, "maxima.message"))
      v_maxima_message(all, e);
    else
      fail_msg("crypto.json: unknown vector kind %s (%s)", kind,
               str(e, "name"));
    count(t, &nt, kind);
  }
  print_tally("crypto.json", t, nt);
  assert_int_equal(i, json_array_size(all));
  json_decref(all);
}

static void test_serialization_hash_vectors(void **state) {
  (void)state;
  json_t *all = mn_test_load_vectors("serialization.json");
  tally_t t[16];
  size_t nt = 0, i;
  json_t *e;
  json_array_foreach(all, i, e) {
    const char *kind = str(e, "kind");
    if (strncmp(kind, "hash.", 5) != 0)
      continue;
    if (!strcmp(kind, "hash.sha2_256"))
      v_hash(e, true);
    else if (!strcmp(kind, "hash.sha3_256") ||
             !strcmp(kind, "hash.hashObject") ||
             !strcmp(kind, "hash.hashAllObjects"))
      v_hash(e, false);
    else
      fail_msg("serialization.json: unknown hash kind %s", kind);
    count(t, &nt, kind);
  }
  print_tally("serialization.json", t, nt);
  assert_true(nt >= 4);
  json_decref(all);
}

/* The vectors again with each SHA3 tier, so the scalar, BMI, AVX2 and
 * AVX-512 code all meet them on a machine that has everything. */
static void test_vectors_every_isa(void **state) {
  (void)state;
  json_t *all = mn_test_load_vectors("crypto.json");
  int best = mn__sha3_set_isa(-1);
  for (int isa = 0; isa < best; isa++) {
    assert_int_equal(mn__sha3_set_isa(isa), isa);
    v_wots(find(all, "wots_sign_verify"));
    v_treekey_sign(find(all, "treekey_4x3_sign_uses_5"), NULL);
    v_treekey_sign(find(all, "treekey_default_sign_uses_4097"), NULL);
  }
  mn__sha3_set_isa(-1);
  printf(
      "crypto.json: wots/treekey vectors repeated on %d lower SHA3 tier(s)\n",
      best);
  json_decref(all);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crypto_vectors),
      cmocka_unit_test(test_serialization_hash_vectors),
      cmocka_unit_test(test_vectors_every_isa),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
