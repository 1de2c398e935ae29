/*
 * test_crypto_treekey.c - Winternitz keys, tree keys and the Signature
 * reader: round trips, tampering, multi-level keys of several sizes,
 * exhausted keys, every malformed shape we can think of, the MMR sums in
 * proofs, and the proof structure for key counts that are not powers of
 * two (checked against the reference MMR vectors in objects.json).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/stream.h>

#include "crypto/crypto.h"
#include "types/num.h"
#include "types/wire.h"
#include "test_support.h"

static const mn_crypto_api_t *api(void) {
  return mn__crypto_api();
}

static void seed_from(uint8_t seed[32], unsigned tag) {
  uint8_t t[4] = {(uint8_t)tag, (uint8_t)(tag >> 8), 0x5e, 0xed};
  mn__sha3_256(t, sizeof t, seed);
}

/* --------------------------------------------------------------------------
 * WOTS
 * ------------------------------------------------------------------------ */

static void test_wots_round_trip(void **state) {
  (void)state;
  for (unsigned t = 0; t < 8; t++) {
    uint8_t seed[32], pk[32], sig[MN_WOTS_SIG_LEN], msg[40];
    seed_from(seed, t);
    seed_from(msg, 100 + t);
    size_t mlen = t * 5; /* includes the empty message */
    api()->wots_pubkey(seed, pk);
    api()->wots_sign(seed, msg, mlen, sig);
    assert_true(api()->wots_verify(pk, msg, mlen, sig, sizeof sig));
    /* Another message, another key, any changed chain: rejected. */
    msg[0] ^= 1;
    assert_false(api()->wots_verify(pk, msg, mlen + 1, sig, sizeof sig));
    msg[0] ^= 1;
    uint8_t pk2[32];
    seed_from(seed, t + 50);
    api()->wots_pubkey(seed, pk2);
    assert_false(api()->wots_verify(pk2, msg, mlen, sig, sizeof sig));
    for (size_t i = 0; i < MN__WOTS_CHAINS; i++) {
      sig[32 * i + (i % 32)] ^= 0x10;
      assert_false(api()->wots_verify(pk, msg, mlen, sig, sizeof sig));
      sig[32 * i + (i % 32)] ^= 0x10;
    }
    assert_true(api()->wots_verify(pk, msg, mlen, sig, sizeof sig));
    /* Only 1088 bytes can be a signature. */
    assert_false(api()->wots_verify(pk, msg, mlen, sig, sizeof sig - 1));
    assert_false(api()->wots_verify(pk, msg, mlen, sig, 0));
    assert_false(api()->wots_verify(pk, msg, mlen, NULL, sizeof sig));
    uint8_t longer[MN_WOTS_SIG_LEN + 1];
    memcpy(longer, sig, sizeof sig);
    longer[MN_WOTS_SIG_LEN] = 0;
    assert_false(api()->wots_verify(pk, msg, mlen, longer, sizeof longer));
  }
}

static void test_wots_batches(void **state) {
  (void)state;
  /* Batched public keys and batched recovery equal the one-at-a-time
   * functions, for batch sizes around the SIMD widths. */
  uint8_t seeds[11][32], pk[11][32], one[32];
  for (unsigned i = 0; i < 11; i++)
    seed_from(seeds[i], 300 + i);
  for (size_t n = 1; n <= 11; n += 3) {
    assert_int_equal(mn__wots_pubkeys((const uint8_t(*)[32])seeds, n, pk), 0);
    for (size_t i = 0; i < n; i++) {
      mn__wots_pubkey(seeds[i], one);
      assert_bytes_equal(pk[i], 32, one, 32);
    }
  }
  assert_int_equal(mn__wots_pubkeys(NULL, 0, NULL), 0);
  uint8_t sigs[3][MN_WOTS_SIG_LEN], dg[3][32], rec[3][32];
  const uint8_t *sp[3];
  for (unsigned i = 0; i < 3; i++) {
    uint8_t m = (uint8_t)i;
    mn__wots_sign(seeds[i], &m, 1, sigs[i]);
    mn__sha3_256(&m, 1, dg[i]);
    sp[i] = sigs[i];
  }
  assert_int_equal(mn__wots_recover(sp, (const uint8_t(*)[32])dg, 3, rec), 0);
  for (unsigned i = 0; i < 3; i++) {
    mn__wots_pubkey(seeds[i], one);
    assert_bytes_equal(rec[i], 32, one, 32);
  }
}

static void test_wots_digits(void **state) {
  (void)state;
  uint8_t dg[32], d[MN__WOTS_CHAINS];
  memset(dg, 0, 32);
  mn__wots_digits(dg, d);
  assert_int_equal(d[32], 0); /* 8192 = 0x2000 */
  assert_int_equal(d[33], 32);
  memset(dg, 0xff, 32);
  mn__wots_digits(dg, d);
  assert_int_equal(d[32] | d[33] << 8, 8192 - 32 * 255);
}

/* --------------------------------------------------------------------------
 * Tree keys
 * ------------------------------------------------------------------------ */

static void test_treekey_args(void **state) {
  (void)state;
  uint8_t seed[32];
  seed_from(seed, 1);
  mn_treekey_t *key = (mn_treekey_t *)(uintptr_t)1;
  assert_int_equal(api()->treekey_new(seed, 1, 3, &key), MN_EINVAL);
  assert_null(key);
  assert_int_equal(api()->treekey_new(seed, 257, 3, &key), MN_EINVAL);
  assert_int_equal(api()->treekey_new(seed, 4, 0, &key), MN_EINVAL);
  assert_int_equal(api()->treekey_new(seed, 4, 9, &key), MN_EINVAL);
  assert_int_equal(mn__treekey_node_pubkey(seed, 1, seed), MN_EINVAL);
  api()->treekey_free(NULL);
  /* 256^8 does not fit in 64 bits: the count saturates. */
  assert_int_equal(api()->treekey_new(seed, 256, 8, &key), 0);
  assert_true(api()->treekey_max_uses(key) == UINT64_MAX);
  api()->treekey_free(key);
  assert_int_equal(api()->treekey_new(seed, 3, 4, &key), 0);
  assert_int_equal(api()->treekey_max_uses(key), 81);
  api()->treekey_free(key);
}

/* Signs `use` with a fresh key and checks it equals sig. */
static void same_as_fresh(const uint8_t seed[32], unsigned k, unsigned lv,
                          uint64_t use, const uint8_t *msg, size_t mlen,
                          const mn_buf_t *sig) {
  mn_treekey_t *fresh;
  mn_buf_t again = {0};
  assert_int_equal(api()->treekey_new(seed, k, lv, &fresh), 0);
  assert_int_equal(api()->treekey_sign(fresh, use, msg, mlen, &again), 0);
  assert_bytes_equal(again.data, again.len, sig->data, sig->len);
  mn_buf_free(&again);
  api()->treekey_free(fresh);
}

static void test_treekey_levels(void **state) {
  (void)state;
  static const unsigned ks[] = {2, 3, 5, 8};
  for (unsigned lv = 1; lv <= 3; lv++) {
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
      unsigned k = ks[ki];
      uint8_t seed[32], pk[32], other[32], root[32];
      seed_from(seed, 1000 + 10 * lv + k);
      mn_treekey_t *key;
      assert_int_equal(api()->treekey_new(seed, k, lv, &key), 0);
      api()->treekey_pubkey(key, pk);
      uint64_t max = api()->treekey_max_uses(key);
      uint64_t uses[] = {0, 1, k - 1, k, max / 2, max - 2, max - 1, 3};
      for (size_t u = 0; u < sizeof uses / sizeof uses[0]; u++) {
        uint64_t use = uses[u] % max;
        uint8_t msg[32];
        seed_from(msg, (unsigned)(7 * use + u));
        mn_buf_t sig = {0};
        assert_int_equal(api()->treekey_sign(key, use, msg, 32, &sig), 0);
        /* 3-byte count, then per level 36 + 1092 + 6 + 40 per chunk. */
        assert_true(sig.len > 3 + lv * (36 + 1092 + 6));
        assert_int_equal(
            api()->treekey_verify(pk, 32, msg, 32, sig.data, sig.len), 0);
        assert_int_equal(api()->treekey_sig_root(sig.data, sig.len, root), 0);
        assert_bytes_equal(root, 32, pk, 32);
        size_t used = 0;
        assert_int_equal(mn__treekey_sig_measure(sig.data, sig.len, &used), 0);
        assert_int_equal(used, sig.len);
        /* Wrong message, wrong key, short key. */
        msg[31] ^= 0x80;
        assert_int_equal(
            api()->treekey_verify(pk, 32, msg, 32, sig.data, sig.len),
            MN_EINVALID);
        msg[31] ^= 0x80;
        memcpy(other, pk, 32);
        other[0] ^= 1;
        assert_int_equal(
            api()->treekey_verify(other, 32, msg, 32, sig.data, sig.len),
            MN_EINVALID);
        assert_int_equal(
            api()->treekey_verify(pk, 31, msg, 32, sig.data, sig.len),
            MN_EINVALID);
        /* The cached path gives the bytes a fresh key gives. */
        if (u == 3 || u == 6)
          same_as_fresh(seed, k, lv, use, msg, 32, &sig);
        mn_buf_free(&sig);
      }
      api()->treekey_free(key);
    }
  }
}

static void test_treekey_appends(void **state) {
  (void)state;
  /* treekey_sign appends; two signatures back to back are measured
   * apart. */
  uint8_t seed[32], pk[32];
  seed_from(seed, 77);
  mn_treekey_t *key;
  assert_int_equal(api()->treekey_new(seed, 4, 2, &key), 0);
  api()->treekey_pubkey(key, pk);
  mn_buf_t out = {0};
  mn_buf_put(&out, "head", 4);
  assert_int_equal(api()->treekey_sign(key, 5, "a", 1, &out), 0);
  size_t first = out.len - 4;
  assert_int_equal(api()->treekey_sign(key, 6, "b", 1, &out), 0);
  size_t used;
  assert_int_equal(mn__treekey_sig_measure(out.data + 4, out.len - 4, &used),
                   0);
  assert_int_equal(used, first);
  assert_int_equal(api()->treekey_verify(pk, 32, "a", 1, out.data + 4, first),
                   0);
  assert_int_equal(api()->treekey_verify(pk, 32, "b", 1, out.data + 4 + first,
                                         out.len - 4 - first),
                   0);
  /* Both together are one signature with trailing bytes: malformed. */
  assert_int_equal(
      api()->treekey_verify(pk, 32, "a", 1, out.data + 4, out.len - 4),
      MN_EFORMAT);
  mn_buf_free(&out);
  api()->treekey_free(key);
}

static void test_treekey_exhausted(void **state) {
  (void)state;
  uint8_t seed[32];
  seed_from(seed, 5);
  mn_treekey_t *key;
  assert_int_equal(api()->treekey_new(seed, 2, 2, &key), 0);
  assert_int_equal(api()->treekey_max_uses(key), 4);
  mn_buf_t out = {0};
  assert_int_equal(api()->treekey_sign(key, 3, "m", 1, &out), 0);
  size_t len = out.len;
  assert_int_equal(api()->treekey_sign(key, 4, "m", 1, &out), MN_EEXHAUSTED);
  assert_int_equal(api()->treekey_sign(key, UINT64_MAX, "m", 1, &out),
                   MN_EEXHAUSTED);
  assert_int_equal(out.len, len); /* nothing appended */
  mn_buf_free(&out);
  api()->treekey_free(key);
}

/* --------------------------------------------------------------------------
 * Malformed signatures
 * ------------------------------------------------------------------------ */

typedef struct fixture {
  uint8_t pk[32];
  uint8_t msg[32];
  mn_buf_t sig; /* 3 levels of 4 keys */
  size_t off[3], len[3];
} fixture_t;

static fixture_t g_fx;

static int fx_setup(void **state) {
  (void)state;
  uint8_t seed[32];
  seed_from(seed, 4242);
  seed_from(g_fx.msg, 4343);
  mn_treekey_t *key;
  if (api()->treekey_new(seed, 4, 3, &key))
    return -1;
  api()->treekey_pubkey(key, g_fx.pk);
  memset(&g_fx.sig, 0, sizeof g_fx.sig);
  if (api()->treekey_sign(key, 27, g_fx.msg, 32, &g_fx.sig))
    return -1;
  api()->treekey_free(key);
  /* Each proof: 36 + 1092 + 3 + 3 + 2 chunks x 40. */
  for (int j = 0; j < 3; j++) {
    g_fx.off[j] = 3 + (size_t)j * 1214;
    g_fx.len[j] = 1214;
  }
  return g_fx.sig.len == 3 + 3 * 1214 ? 0 : -1;
}

static int fx_teardown(void **state) {
  (void)state;
  mn_buf_free(&g_fx.sig);
  return 0;
}

static int verify_bytes(const uint8_t *p, size_t n) {
  return api()->treekey_verify(g_fx.pk, 32, g_fx.msg, 32, p, n);
}

static int verify_buf(const mn_buf_t *b) {
  return verify_bytes(b->data, b->len);
}

/* The fixture's signature with bytes [at, at + cut) replaced by rep. */
static mn_buf_t splice(size_t at, size_t cut, const void *rep, size_t n) {
  mn_buf_t b = {0};
  mn_buf_put(&b, g_fx.sig.data, at);
  mn_buf_put(&b, rep, n);
  mn_buf_put(&b, g_fx.sig.data + at + cut, g_fx.sig.len - at - cut);
  return b;
}

static void expect_splice(size_t at, size_t cut, const void *rep, size_t n,
                          int want) {
  mn_buf_t b = splice(at, cut, rep, n);
  int rc = verify_buf(&b);
  if (rc != want)
    fail_msg("splice at %zu (cut %zu, %zu new bytes): got %s, want %s", at, cut,
             n, mn_err_name(rc), mn_err_name(want));
  mn_buf_free(&b);
}

static void test_malformed_counts(void **state) {
  (void)state;
  assert_int_equal(verify_buf(&g_fx.sig), 0);
  /* Empty input; count alone. */
  assert_int_equal(verify_bytes(NULL, 0), MN_EFORMAT);
  static const uint8_t zero[3] = {0, 1, 0};
  assert_int_equal(verify_bytes(zero, 3), MN_EINVALID); /* n == 0 */
  uint8_t root[32];
  assert_int_equal(api()->treekey_sig_root(zero, 3, root), MN_EFORMAT);
  /* Count larger than the proofs present; one proof short. */
  expect_splice(0, 3, (const uint8_t[]){0, 1, 4}, 3, MN_EFORMAT);
  expect_splice(0, 3, (const uint8_t[]){0, 1, 2}, 3, MN_EFORMAT);
  /* A count that is not a number: length 0, 33, negative; short. */
  expect_splice(0, 3, (const uint8_t[]){0, 0}, 2, MN_EFORMAT);
  expect_splice(0, 3, (const uint8_t[]){0, 33}, 2, MN_EFORMAT);
  expect_splice(0, 3, (const uint8_t[]){0, 0x80, 3}, 3, MN_EFORMAT);
  assert_int_equal(verify_bytes((const uint8_t[]){0, 1}, 2), MN_EFORMAT);
  /* Negative and huge counts. */
  expect_splice(0, 3, (const uint8_t[]){0, 1, 0xff}, 3, MN_EFORMAT);
  expect_splice(0, 3, (const uint8_t[]){0, 4, 0x7f, 0xff, 0xff, 0xff}, 6,
                MN_EFORMAT);
  assert_int_equal(verify_bytes((const uint8_t[]){0, 1, 0xff}, 3),
                   MN_EINVALID); /* -1 reads as no proofs */
  /* The reference reads counts with getAsInt(): 3.0 (30 at scale 1) is 3
   * proofs and the signature stays valid. */
  expect_splice(0, 3, (const uint8_t[]){1, 1, 30}, 3, 0);
  expect_splice(0, 3, (const uint8_t[]){0, 2, 0, 3}, 4, 0);
  /* Nine proofs: well formed, but more than 8 levels. */
  mn_buf_t nine = {0};
  mn_buf_put(&nine, (const uint8_t[]){0, 1, 9}, 3);
  for (int i = 0; i < 9; i++)
    mn_buf_put(&nine, g_fx.sig.data + g_fx.off[i % 3], g_fx.len[0]);
  assert_int_equal(verify_buf(&nine), MN_EINVALID);
  assert_int_equal(api()->treekey_sig_root(nine.data, nine.len, root), 0);
  assert_bytes_equal(root, 32, g_fx.pk, 32);
  mn_buf_free(&nine);
  /* Trailing bytes. */
  mn_buf_t t = splice(g_fx.sig.len, 0, "x", 1);
  assert_int_equal(verify_buf(&t), MN_EFORMAT);
  assert_int_equal(api()->treekey_sig_root(t.data, t.len, root), MN_EFORMAT);
  size_t used;
  assert_int_equal(mn__treekey_sig_measure(t.data, t.len, &used), 0);
  assert_int_equal(used, g_fx.sig.len);
  mn_buf_free(&t);
}

static void test_malformed_fields(void **state) {
  (void)state;
  size_t p0 = g_fx.off[0], p1 = g_fx.off[1];
  /* Public key MiniData: negative, huge, 31 bytes, 33 bytes. */
  expect_splice(p0, 4, (const uint8_t[]){0xff, 0xff, 0xff, 0xff}, 4,
                MN_EFORMAT);
  expect_splice(p0, 4, (const uint8_t[]){0x7f, 0xff, 0xff, 0xff}, 4,
                MN_EFORMAT);
  expect_splice(p0, 5, (const uint8_t[]){0, 0, 0, 31}, 4, MN_EINVALID);
  expect_splice(p0 + 4, 0, "z", 1, MN_EFORMAT); /* 33 bytes, length 32 */
  expect_splice(p0, 4, (const uint8_t[]){0, 0, 0, 33}, 4, MN_EFORMAT);
  /* WOTS signature of 1087 and 1089 bytes. */
  size_t s0 = p0 + 36;
  expect_splice(s0, 5, (const uint8_t[]){0, 0, 0x04, 0x3f}, 4, MN_EINVALID);
  expect_splice(s0, 4, (const uint8_t[]){0, 0, 0x04, 0x41, 0}, 5, MN_EINVALID);
  /* Block time: any number is accepted (the reference ignores it). */
  size_t bt = s0 + 4 + MN_WOTS_SIG_LEN;
  expect_splice(bt, 3, (const uint8_t[]){0, 1, 5}, 3, 0);
  expect_splice(bt, 3, (const uint8_t[]){0, 0}, 2, MN_EFORMAT);
  /* Chunk count: more chunks than present, fewer. */
  size_t cc = bt + 3;
  expect_splice(cc, 3, (const uint8_t[]){0, 1, 3}, 3, MN_EFORMAT);
  expect_splice(cc, 3, (const uint8_t[]){0, 4, 0x7f, 0xff, 0xff, 0xff}, 6,
                MN_EFORMAT);
  /* First chunk: left flag flipped; any non-zero byte is "left". */
  size_t ch = cc + 3;
  uint8_t flag = g_fx.sig.data[ch];
  expect_splice(ch, 1, (const uint8_t[]){(uint8_t)!flag}, 1, MN_EINVALID);
  if (flag)
    expect_splice(ch, 1, (const uint8_t[]){0x80}, 1, 0);
  /* Chunk hash: 65 bytes is malformed, 31 bytes is well formed. */
  expect_splice(ch + 1, 4, (const uint8_t[]){0, 0, 0, 65}, 4, MN_EFORMAT);
  expect_splice(ch + 1, 5, (const uint8_t[]){0, 0, 0, 31}, 4, MN_EINVALID);
  /* Chunk value: 0E+1 sums to the same 0 as 0; 0.0 does not; a value
   * too large for the sum makes the reference throw. */
  size_t cv = ch + 1 + 36;
  expect_splice(cv, 3, (const uint8_t[]){0xff, 1, 0}, 3, 0);
  expect_splice(cv, 3, (const uint8_t[]){0, 2, 0, 0}, 4, 0);
  expect_splice(cv, 3, (const uint8_t[]){1, 1, 0}, 3, MN_EINVALID);
  expect_splice(cv, 3, (const uint8_t[]){0, 1, 1}, 3, MN_EINVALID);
  expect_splice(cv, 3, (const uint8_t[]){0xe0, 1, 1}, 3, MN_EINVALID);
  expect_splice(cv, 3, (const uint8_t[]){0, 0x21}, 2, MN_EFORMAT);
  /* The same in a lower level's proof. */
  expect_splice(p1 + 36 + 4 + MN_WOTS_SIG_LEN + 6 + 37, 3,
                (const uint8_t[]){0xfe, 1, 0}, 3, 0);
  expect_splice(p1 + 36 + 4 + MN_WOTS_SIG_LEN + 6 + 37, 3,
                (const uint8_t[]){0, 1, 2}, 3, MN_EINVALID);
  /* Levels swapped or repeated. */
  mn_buf_t b = {0};
  mn_buf_put(&b, g_fx.sig.data, 3);
  mn_buf_put(&b, g_fx.sig.data + g_fx.off[0], g_fx.len[0]);
  mn_buf_put(&b, g_fx.sig.data + g_fx.off[2], g_fx.len[2]);
  mn_buf_put(&b, g_fx.sig.data + g_fx.off[1], g_fx.len[1]);
  assert_int_equal(verify_buf(&b), MN_EINVALID);
  mn_buf_free(&b);
  /* Dropping the last level: the middle key signed a root, not msg. */
  b = splice(0, 3, (const uint8_t[]){0, 1, 2}, 3);
  b.len -= g_fx.len[2];
  assert_int_equal(verify_buf(&b), MN_EINVALID);
  mn_buf_free(&b);
}

static void test_malformed_truncations(void **state) {
  (void)state;
  /* Every strict prefix is malformed; none may crash or read past it. */
  for (size_t n = 0; n < g_fx.sig.len; n++) {
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, g_fx.sig.data, n);
    int rc = verify_bytes(copy, n);
    uint8_t root[32];
    int rr = api()->treekey_sig_root(copy, n, root);
    free(copy);
    if (rc != MN_EFORMAT && !(n == 3 && rc == MN_EINVALID))
      fail_msg("prefix of %zu bytes: %s", n, mn_err_name(rc));
    assert_int_equal(rr, MN_EFORMAT);
  }
}

static void test_malformed_mutations(void **state) {
  (void)state;
  /* Random byte changes: the result is always one of the three answers,
   * and a change inside a WOTS signature is always caught. */
  uint64_t x = 88172645463325252u;
  for (int i = 0; i < 3000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    size_t at = (size_t)(x % g_fx.sig.len);
    uint8_t v = (uint8_t)(x >> 32);
    if (v == g_fx.sig.data[at])
      v ^= 0x01;
    mn_buf_t b = splice(at, 1, &v, 1);
    int rc = verify_buf(&b);
    assert_true(rc == 0 || rc == MN_EFORMAT || rc == MN_EINVALID);
    for (int j = 0; j < 3; j++) {
      size_t s = g_fx.off[j] + 36 + 4;
      if (at >= s && at < s + MN_WOTS_SIG_LEN)
        assert_int_equal(rc, MN_EINVALID);
    }
    uint8_t root[32];
    rc = api()->treekey_sig_root(b.data, b.len, root);
    assert_true(rc == 0 || rc == MN_EFORMAT);
    mn_buf_free(&b);
  }
}

/* --------------------------------------------------------------------------
 * MMR sums (MiniNumber arithmetic as proofs use it) and proof structure
 * ------------------------------------------------------------------------ */

static mn_num_t rd(const char *hex) {
  mn_buf_t b = mn_test_unhex(hex);
  mn_reader_t r;
  mn_num_t v;
  mn_reader_init(&r, b.data, b.len);
  if (mn__num_get(&r, &v) != 0 || mn_reader_left(&r) != 0)
    fail_msg("cannot read MiniNumber %s", hex);
  mn_buf_free(&b);
  return v;
}

static void expect_enc(const mn_num_t *v, const char *hex) {
  uint8_t out[MN_NUM_MAX_ENCODED];
  size_t n = (size_t)mn__num_encode(v, out, sizeof out);
  mn_buf_t want = mn_test_unhex(hex);
  assert_bytes_equal(out, n, want.data, want.len);
  mn_buf_free(&want);
}

static void expect_add(const char *a, const char *b, const char *sum) {
  mn_num_t x = rd(a), y = rd(b), s;
  int rc = mn__num_add(&s, &x, &y);
  if (!sum) {
    if (rc != MN_EOVERFLOW)
      fail_msg("%s + %s: expected overflow, got %s", a, b, mn_err_name(rc));
    return;
  }
  if (rc != 0)
    fail_msg("%s + %s: %s", a, b, mn_err_name(rc));
  expect_enc(&s, sum);
}

static void test_mmrsum(void **state) {
  (void)state;
  /* Reading: bad lengths and short input. */
  static const char *bad[] = {"0000",   "0021", "00ff", "0080",
                              "0002ff", "00",   ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mn_buf_t b = mn_test_unhex(bad[i]);
    mn_reader_t r;
    mn_num_t v;
    mn_reader_init(&r, b.data, b.len);
    assert_int_equal(mn__num_get(&r, &v), MN_EFORMAT);
    mn_buf_free(&b);
  }
  /* Encodings round trip (scale 0..44 values). */
  expect_enc(&(mn_num_t){{0}, 0, 0, {0}}, "000100");
  mn_num_t v = rd("00020080");
  expect_enc(&v, "00020080");
  v = rd("0001ff");
  assert_true(v.neg && v.mag[0] == 1);
  expect_enc(&v, "0001ff");
  v = rd("0002ff7f");
  assert_true(v.neg && v.mag[0] == 129);
  expect_enc(&v, "0002ff7f");
  v = rd("000180");
  assert_true(v.neg && v.mag[0] == 128);
  expect_enc(&v, "000180");
  /* More than 64 digits: truncated, scale lowered (2^255 - 1 has 77). */
  v = rd(
      "00207fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
  assert_int_equal(v.scale, -13);
  /* getAsInt(). */
  assert_int_equal(mn__num_to_i32_wrap(&(mn_num_t){{3}, 0, 0, {0}}), 3);
  v = rd("01011e"); /* 3.0 */
  assert_int_equal(mn__num_to_i32_wrap(&v), 3);
  v = rd("ff0103"); /* 3E1 */
  assert_int_equal(mn__num_to_i32_wrap(&v), 30);
  v = rd("0001fd"); /* -3 */
  assert_int_equal(mn__num_to_i32_wrap(&v), -3);
  v = rd("010105"); /* 0.5 */
  assert_int_equal(mn__num_to_i32_wrap(&v), 0);
  v = rd("0006010000000005"); /* 2^40 + 5: low 32 bits */
  assert_int_equal(mn__num_to_i32_wrap(&v), 5);
  v = rd("00050080000000"); /* 2^31 */
  assert_int_equal(mn__num_to_i32_wrap(&v), INT32_MIN);
  v = rd("d80101"); /* 1E40: a multiple of 2^32 */
  assert_int_equal(mn__num_to_i32_wrap(&v), 0);
  v = rd("f60107"); /* 7E10 = 70000000000 */
  assert_int_equal(mn__num_to_i32_wrap(&v), (int32_t)(70000000000ll & 0xffffffff));

  /* Sums, with the results Java's BigDecimal gives. */
  expect_add("000100", "000100", "000100");
  expect_add("000100", "ff0100", "000100"); /* 0 + 0E+1 = 0 */
  expect_add("000100", "010100", "010100"); /* 0 + 0.0 = 0.0 */
  expect_add("000101", "010119", "010123"); /* 1 + 2.5 = 3.5 */
  expect_add("000103", "000103", "000106");
  expect_add("000100", "ff0105", "000132"); /* 0 + 5E+1 = 50 */
  expect_add("000105", "0001fb", "000100"); /* 5 + -5 = 0 */
  expect_add("01010f", "0101f1", "010100"); /* 1.5 + -1.5 = 0.0 */
  expect_add("000100", "2c0101", "2c0101"); /* 1E-44 */
  /* 1E-50 truncates to 0 at 44 decimals; 1 - 1E-50 to 0.99..9. */
  expect_add("000100", "320101", "2c0100");
  expect_add("000101", "3201ff", "2c13047bf19673df52e37f2410011d0fffffffffff");
  expect_add("0001ff", "320101", "2c13fb840e698c20ad1c80dbeffee2f00000000001");
  /* Range: 2^64 - 1 is the largest value; a sum beyond it throws. */
  expect_add("000100", "000900ffffffffffffffff", "000900ffffffffffffffff");
  expect_add("000101", "000900ffffffffffffffff", NULL);
  expect_add("000100", "0009010000000000000000", NULL);
  expect_add("000100", "ec0101", NULL); /* 1E20 */
  expect_add("000100", "800101", NULL); /* 1E128 */
}

/* objects.json MMR vectors: proofs over leaves with values 1..n, so the
 * sums in them are real; and their shape for 3, 5 and 7 leaves, which our
 * tree-key nodes must reproduce for key counts that are not powers of 2. */
static void test_mmr_reference_proofs(void **state) {
  (void)state;
  json_t *all = mn_test_load_vectors("objects.json");
  size_t i, checked = 0;
  json_t *e;
  json_array_foreach(all, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "kind")), "MMR") != 0)
      continue;
    const char *name = json_string_value(json_object_get(e, "name"));
    unsigned n = 0;
    assert_int_equal(sscanf(name, "mmr_root_%u_leaves", &n), 1);
    mn_buf_t rootv =
        mn_test_unhex(json_string_value(json_object_get(e, "root_hash_hex")));
    const char *which[2] = {"proof_entry0_serialized_hex",
                            "proof_last_serialized_hex"};
    for (int w = 0; w < 2; w++) {
      unsigned idx = w ? n - 1 : 0;
      /* leaf(MiniString "leaf-i", i + 1) */
      char text[16];
      snprintf(text, sizeof text, "leaf-%u", idx);
      uint8_t pre[3 + 4 + 16 + 3], leaf[32], root[32];
      size_t tl = strlen(text), pl = 0;
      memcpy(pre, (const uint8_t[]){0, 1, 0, 0, 0, 0, (uint8_t)tl}, 7);
      memcpy(pre + 7, text, tl);
      pl = 7 + tl;
      memcpy(pre + pl, (const uint8_t[]){0, 1, (uint8_t)(idx + 1)}, 3);
      pl += 3;
      mn__sha3_256(pre, pl, leaf);
      mn_num_t val = {{idx + 1}, 0, 0, {0}}, rv;
      mn_buf_t proof =
          mn_test_unhex(json_string_value(json_object_get(e, which[w])));
      size_t used;
      assert_int_equal(mn__mmr_proof_root(proof.data, proof.len, &used, leaf,
                                          &val, root, &rv),
                       0);
      assert_int_equal(used, proof.len);
      assert_bytes_equal(root, 32, rootv.data, rootv.len);
      assert_true(rv.mag[0] == (uint64_t)n * (n + 1) / 2 && rv.scale == 0);

      /* Our node of n keys proves key idx with the same chunk count and
       * the same left/right pattern. */
      if (n >= 2) {
        uint8_t seed[32];
        seed_from(seed, n);
        mn_treekey_t *key;
        mn_buf_t sig = {0};
        assert_int_equal(api()->treekey_new(seed, n, 1, &key), 0);
        assert_int_equal(api()->treekey_sign(key, idx, "x", 1, &sig), 0);
        const uint8_t *ours = sig.data + 3 + 36 + 4 + MN_WOTS_SIG_LEN;
        size_t olen = sig.len - (size_t)(ours - sig.data);
        assert_int_equal(ours[5], proof.data[5]); /* chunk count */
        size_t po = 6, oo = 6;
        for (unsigned c = 0; c < proof.data[5]; c++) {
          assert_int_equal(ours[oo] != 0, proof.data[po] != 0);
          oo += 1 + 36 + 3;
          po += 1 + 4 + proof.data[po + 4] + 2 + proof.data[po + 1 + 36 + 1];
        }
        assert_int_equal(oo, olen);
        api()->treekey_free(key);
        mn_buf_free(&sig);
      }
      mn_buf_free(&proof);
      checked++;
    }
    mn_buf_free(&rootv);
  }
  assert_int_equal(checked, 10);
  printf("objects.json: MMR proofs checked %zu\n", checked);
  json_decref(all);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wots_round_trip),
      cmocka_unit_test(test_wots_batches),
      cmocka_unit_test(test_wots_digits),
      cmocka_unit_test(test_treekey_args),
      cmocka_unit_test(test_treekey_levels),
      cmocka_unit_test(test_treekey_appends),
      cmocka_unit_test(test_treekey_exhausted),
      cmocka_unit_test_setup_teardown(test_malformed_counts, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_malformed_fields, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_malformed_truncations, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_malformed_mutations, fx_setup,
                                      fx_teardown),
      cmocka_unit_test(test_mmrsum),
      cmocka_unit_test(test_mmr_reference_proofs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
