/*
 * test_wallet.c - the wallet plugin on an embedded node with the
 * in-memory chain (plugins/wallet/chainsim.h): seed phrases and keys
 * against the conformance vectors, addresses, receiving, sending,
 * tokens, change, reorgs and the relevance hook.  Scripts, custom
 * transactions, backups and bad input are in test_wallet_txn.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include "test_support.h"

#include "bip39.h"
#include "wal.h"
#include "wtest.h"

#define VECTOR_PHRASE                                                          \
  "abandon abil able abou above absent absorb abstract absurd abuse access "   \
  "accident"

static const mn_host_t *H;

static json_t *vector(const char *kind) {
  json_t *all = mn_test_load_vectors("crypto.json");
  size_t i;
  json_t *v;
  json_array_foreach(all, i, v) {
    if (!strcmp(json_string_value(json_object_get(v, "kind")), kind)) {
      json_incref(v);
      json_decref(all);
      return v;
    }
  }
  json_decref(all);
  fail_msg("no %s vector", kind);
  return NULL;
}

static void hex_eq(const char *hex, const uint8_t *p, size_t n) {
  mn_buf_t b = mn_test_unhex(hex);
  assert_bytes_equal(b.data, b.len, p, n);
  mn_buf_free(&b);
}

/* ---- word list and phrases ------------------------------------------- */

static void test_wordlist(void **state) {
  (void)state;
  for (size_t i = 1; i < WAL_BIP39_WORDS; i++)
    if (strcmp(wal_bip39_words[i - 1], wal_bip39_words[i]) >= 0)
      fail_msg("word list not sorted at %zu: %s %s", i, wal_bip39_words[i - 1],
               wal_bip39_words[i]);
  assert_string_equal(wal_bip39_words[0], "abandon");
  assert_string_equal(wal_bip39_words[2047], "zoo");
  json_t *v = vector("wallet.derivation");
  const char *clean = json_string_value(json_object_get(v, "clean_phrase"));
  char *copy = strdup(clean), *save = NULL;
  for (char *w = strtok_r(copy, " ", &save); w;
       w = strtok_r(NULL, " ", &save)) {
    bool found = false;
    for (size_t i = 0; i < WAL_BIP39_WORDS && !found; i++)
      found = !strcasecmp(wal_bip39_words[i], w);
    if (!found)
      fail_msg("vector word %s is not in the list", w);
  }
  free(copy);
  json_decref(v);
}

static void test_phrase_clean_and_seed(void **state) {
  (void)state;
  json_t *v = vector("wallet.derivation");
  char why[128], *out = NULL;
  assert_int_equal(
      wal_bip39_clean(json_string_value(json_object_get(v, "raw_phrase")), &out,
                      why, sizeof why),
      0);
  assert_string_equal(out,
                      json_string_value(json_object_get(v, "clean_phrase")));
  uint8_t seed[32];
  wal_bip39_seed(H->crypto, out, seed);
  hex_eq(json_string_value(json_object_get(v, "base_seed_hex")), seed, 32);
  free(out);
  /* Three letters must be a word; unknown words and short ones fail. */
  assert_int_equal(wal_bip39_clean("abandon zzzz", &out, why, sizeof why),
                   MN_EINVAL);
  assert_string_equal(why, "Unknown BIP39 word found! zzzz");
  assert_int_equal(wal_bip39_clean("ab", &out, why, sizeof why), MN_EINVAL);
  assert_string_equal(why, "Word too short : ab");
  assert_int_equal(wal_bip39_clean("aba", &out, why, sizeof why), MN_EINVAL);
  assert_int_equal(wal_bip39_clean("ZOO  Abandon", &out, why, sizeof why), 0);
  assert_string_equal(out, "ZOO ABANDON");
  free(out);
  /* A new phrase: 24 list words, upper case, and not twice the same. */
  char *a, *b;
  assert_int_equal(wal_bip39_new(H->crypto, &a), 0);
  assert_int_equal(wal_bip39_new(H->crypto, &b), 0);
  assert_string_not_equal(a, b);
  char *c2;
  assert_int_equal(wal_bip39_clean(a, &c2, why, sizeof why), 0);
  assert_string_equal(a, c2);
  int words = 1;
  for (const char *p = a; *p; p++)
    words += *p == ' ';
  assert_int_equal(words, 24);
  free(a);
  free(b);
  free(c2);
  json_decref(v);
}

static void test_key_derivation_vectors(void **state) {
  (void)state;
  json_t *v = vector("wallet.derivation");
  uint8_t seed[32];
  wal_bip39_seed(H->crypto,
                 json_string_value(json_object_get(v, "clean_phrase")), seed);
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(v, "keys"), i, k) {
    uint32_t idx =
        (uint32_t)json_integer_value(json_object_get(k, "key_index"));
    uint8_t mod[4], priv[32], pub[32], addr[32];
    size_t n = wal_modifier(idx, mod);
    hex_eq(json_string_value(json_object_get(k, "modifier_hex")), mod, n);
    wal_privseed(H->crypto, seed, idx, priv);
    hex_eq(json_string_value(json_object_get(k, "private_seed_hex")), priv, 32);
    assert_int_equal(wal_derive_pub(H->crypto, seed, idx, 64, 3, pub), 0);
    hex_eq(json_string_value(json_object_get(k, "public_key_hex")), pub, 32);
    char script[WAL_SIMPLE_SCRIPT_LEN + 1];
    wal_simple_script(pub, script);
    assert_string_equal(script,
                        json_string_value(json_object_get(k, "script")));
    H->obj->script_address(script, strlen(script), addr);
    hex_eq(json_string_value(json_object_get(k, "address_hex")), addr, 32);
    char mx[MN_MX_MAX];
    H->crypto->mx_encode(addr, 32, mx, sizeof mx);
    assert_string_equal(mx,
                        json_string_value(json_object_get(k, "mx_address")));
  }
  /* Modifiers are minimal unsigned bytes. */
  uint8_t m[4];
  assert_int_equal(wal_modifier(0, m), 1);
  assert_int_equal(m[0], 0);
  assert_int_equal(wal_modifier(128, m), 1);
  assert_int_equal(m[0], 0x80);
  assert_int_equal(wal_modifier(256, m), 2);
  assert_int_equal(m[0], 1);
  assert_int_equal(m[1], 0);
  json_decref(v);
}

/* ---- a node ----------------------------------------------------------- */

static uv_loop_t loop;

static int setup_loop(void **state) {
  (void)state;
  uv_loop_init(&loop);
  return 0;
}

static void show_handle(uv_handle_t *h, void *arg) {
  (void)arg;
  fprintf(stderr, "left open: %s%s\n", uv_handle_type_name(h->type),
          uv_is_closing(h) ? " (closing)" : "");
}

static int teardown_loop(void **state) {
  (void)state;
  uv_run(&loop, UV_RUN_NOWAIT);
  uv_walk(&loop, show_handle, NULL);
  assert_int_equal(uv_loop_close(&loop), 0);
  return 0;
}

static const char *str(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  if (!s)
    fail_msg("no string %s", k);
  return s;
}

/* The Minima row of a balance. */
static json_t *minima_row(json_t *bal) {
  size_t i;
  json_t *r;
  json_array_foreach(bal, i,
                     r) if (!strcmp(str(r, "tokenid"), "0x00")) return r;
  fail_msg("no Minima row");
  return NULL;
}

static void expect_balance(wtest_t *t, const char *confirmed,
                           const char *unconfirmed, const char *sendable) {
  json_t *b = wtest_ok(t, "balance");
  json_t *m = minima_row(b);
  assert_string_equal(str(m, "confirmed"), confirmed);
  assert_string_equal(str(m, "unconfirmed"), unconfirmed);
  assert_string_equal(str(m, "sendable"), sendable);
  json_decref(b);
}

static void test_node_keys_and_addresses(void **state) {
  (void)state;
  wtest_t t;
  wtest_start(&t, &loop, "wallet-keys", "phrase = \"" VECTOR_PHRASE "\"");
  json_t *v = vector("wallet.derivation");
  json_t *k0 = json_array_get(json_object_get(v, "keys"), 0);
  /* getaddress waits for the first default key, made on the work queue. */
  json_t *a = wtest_ok(&t, "getaddress");
  assert_true(json_is_true(json_object_get(a, "simple")));
  assert_true(json_is_true(json_object_get(a, "default")));
  assert_int_equal(strlen(str(a, "miniaddress")), 63);
  json_decref(a);
  /* Wait until the four default keys exist. */
  for (int i = 0; i < 200; i++) {
    json_t *k = wtest_ok(&t, "keys");
    json_int_t n = json_integer_value(json_object_get(k, "total"));
    json_decref(k);
    if (n >= 4)
      break;
    uv_sleep(20);
    wtest_settle(&t);
  }
  json_t *keys = wtest_ok(&t, "keys");
  assert_int_equal(json_integer_value(json_object_get(keys, "total")), 4);
  /* Key 0 (modifier 0x00) is the vector's. */
  json_t *byk = wtest_ok(&t, "keys modifier:0x00");
  json_t *row = json_array_get(json_object_get(byk, "keys"), 0);
  char expect[80];
  snprintf(expect, sizeof expect, "0x%s", str(k0, "public_key_hex"));
  for (char *p = expect + 2; *p; p++)
    *p = (char)toupper((unsigned char)*p);
  assert_string_equal(str(row, "publickey"), expect);
  assert_int_equal(json_integer_value(json_object_get(row, "size")), 64);
  assert_int_equal(json_integer_value(json_object_get(row, "depth")), 3);
  assert_int_equal(json_integer_value(json_object_get(row, "uses")), 0);
  assert_int_equal(json_integer_value(json_object_get(row, "maxuses")), 262144);
  json_decref(byk);
  json_decref(keys);
  /* Its address is a default script row with the vector's Mx form. */
  json_t *sc = wtest_ok(&t, "scripts address:%s", str(k0, "mx_address"));
  assert_string_equal(str(sc, "script"), str(k0, "script"));
  assert_string_equal(str(sc, "miniaddress"), str(k0, "mx_address"));
  json_decref(sc);
  /* newaddress: a new key, not a default address, tracked. */
  json_t *n = wtest_ok(&t, "newaddress");
  assert_true(json_is_false(json_object_get(n, "default")));
  assert_true(json_is_true(json_object_get(n, "track")));
  json_t *k5 = wtest_ok(&t, "keys modifier:0x04");
  assert_int_equal(json_integer_value(json_object_get(k5, "total")), 1);
  assert_string_equal(
      str(json_array_get(json_object_get(k5, "keys"), 0), "publickey"),
      str(n, "publickey"));
  json_decref(k5);
  json_decref(n);
  /* newscript: cleaned on request, tracked as asked. */
  json_t *ns = wtest_ok(&t, "newscript script:\"return   true\" "
                            "trackall:true clean:true");
  assert_string_equal(str(ns, "script"), "RETURN TRUE");
  json_t *ov = mn_test_load_vectors("objects.json");
  size_t i;
  json_t *x;
  json_array_foreach(ov, i, x) {
    if (strcmp(str(x, "name"), "address_return_true"))
      continue;
    char hex[80];
    snprintf(hex, sizeof hex, "0x%s", str(x, "address_hex"));
    for (char *p = hex + 2; *p; p++)
      *p = (char)toupper((unsigned char)*p);
    assert_string_equal(str(ns, "address"), hex);
    assert_string_equal(str(ns, "miniaddress"), str(x, "mx_address"));
  }
  json_decref(ov);
  assert_true(json_is_false(json_object_get(ns, "simple")));
  assert_string_equal(str(ns, "publickey"), "0x00");
  json_decref(ns);
  /* checkkeys re-derives every key from the seed. */
  json_t *ck = wtest_ok(&t, "keys action:checkkeys");
  assert_int_equal(json_integer_value(json_object_get(ck, "allkeys")), 5);
  assert_int_equal(json_integer_value(json_object_get(ck, "correct")), 5);
  assert_int_equal(json_integer_value(json_object_get(ck, "wrong")), 0);
  json_decref(ck);
  json_decref(v);
  wtest_stop(&t, false);
}

/* Genesis pays the wallet through the chain's genesis hook. */
static void test_genesis_send_and_change(void **state) {
  (void)state;
  wtest_t t;
  wtest_start(&t, &loop, "wallet-send", NULL);
  /* Before any block: zero balance, no coins. */
  expect_balance(&t, "0", "0", "0");
  assert_int_equal(wal_sim_genesis(t.sim), 0);
  wtest_settle(&t);
  expect_balance(&t, "0", "1000000000", "0");
  wtest_mine(&t, 3);
  expect_balance(&t, "1000000000", "0", "1000000000");
  json_t *coins = wtest_ok(&t, "coins");
  assert_int_equal(json_array_size(coins), 1);
  assert_string_equal(str(json_array_get(coins, 0), "age"), "3");
  json_decref(coins);
  /* Pay someone else 10 (the RETURN TRUE address is not ours). */
  uint8_t other[32];
  H->obj->script_address("RETURN FALSE", 12, other);
  char *oaddr = wal_hex(other, 32);
  json_t *tx = wtest_ok(&t, "send address:%s amount:10", oaddr);
  assert_true(json_is_object(json_object_get(tx, "body")));
  json_decref(tx);
  assert_int_equal(wal_sim_mempool(t.sim), 1);
  /* While it waits, the coin is spent in the mempool: nothing to send. */
  char *e = wtest_err(&t, "send address:%s amount:10", oaddr);
  assert_non_null(strstr(e, "No Coins of tokenid:0x00 available!"));
  free(e);
  wtest_mine(&t, 1);
  /* The change is ours but new: three blocks deep makes it confirmed. */
  expect_balance(&t, "0", "999999990", "0");
  wtest_mine(&t, 2);
  expect_balance(&t, "0", "999999990", "0");
  wtest_mine(&t, 1);
  expect_balance(&t, "999999990", "0", "999999990");
  /* The key that signed counted one use. */
  json_t *keys = wtest_ok(&t, "keys");
  json_int_t uses = json_integer_value(json_object_get(keys, "maxuses"));
  assert_int_equal(uses, 1);
  json_decref(keys);
  /* Send to ourselves with split and state: both outputs ours. */
  json_t *na = wtest_ok(&t, "newaddress");
  json_t *tx2 = wtest_ok(&t,
                         "send address:%s amount:100 split:4 "
                         "state:{\"1\":\"0xFEED\",\"2\":\"[hi]\"}",
                         str(na, "miniaddress"));
  json_t *outs = json_object_get(
      json_object_get(json_object_get(tx2, "body"), "txn"), "outputs");
  assert_int_equal(json_array_size(outs), 5); /* 4 x 25 + change */
  assert_string_equal(str(json_array_get(outs, 0), "amount"), "25");
  json_decref(tx2);
  wtest_mine(&t, 4);
  expect_balance(&t, "999999990", "0", "999999990");
  json_t *mine = wtest_ok(&t, "coins address:%s", str(na, "address"));
  assert_int_equal(json_array_size(mine), 4);
  json_t *c0 = json_array_get(mine, 0);
  assert_true(json_is_true(json_object_get(c0, "storestate")));
  assert_string_equal(
      str(json_array_get(json_object_get(c0, "state"), 0), "data"), "0xFEED");
  json_decref(mine);
  json_decref(na);
  /* The history lists both sends. */
  json_t *h = wtest_ok(&t, "history");
  assert_int_equal(json_integer_value(json_object_get(h, "size")), 2);
  json_decref(h);
  free(oaddr);
  wtest_stop(&t, false);
}

static void test_tokens(void **state) {
  (void)state;
  wtest_t t;
  wtest_start(&t, &loop, "wallet-token", NULL);
  assert_int_equal(wal_sim_genesis(t.sim), 0);
  wtest_mine(&t, 3);
  json_t *tx = wtest_ok(&t, "tokencreate name:gold amount:1000 decimals:2");
  json_decref(tx);
  wtest_mine(&t, 4);
  json_t *b = wtest_ok(&t, "balance tokendetails:true");
  assert_int_equal(json_array_size(b), 2);
  json_t *g = json_array_get(b, 1);
  assert_string_equal(str(g, "token"), "{\"name\":\"gold\"}");
  assert_string_equal(str(g, "confirmed"), "1000");
  assert_string_equal(str(g, "sendable"), "1000");
  assert_int_equal(json_integer_value(json_object_get(
                       json_object_get(g, "details"), "decimals")),
                   2);
  char *tokenid = strdup(str(g, "tokenid"));
  json_decref(b);
  json_t *tl = wtest_ok(&t, "tokens tokenid:%s", tokenid);
  assert_string_equal(str(tl, "total"), "1000");
  json_decref(tl);
  /* Send 250.5 of it away, burning 1 Minima in a burn transaction. */
  uint8_t other[32];
  H->obj->script_address("RETURN FALSE", 12, other);
  char *oaddr = wal_hex(other, 32);
  json_t *tx2 = wtest_ok(&t,
                         "send address:%s amount:250.5 tokenid:%s "
                         "burn:1",
                         oaddr, tokenid);
  json_t *burn = json_object_get(json_object_get(tx2, "body"), "burntxn");
  assert_true(json_array_size(json_object_get(burn, "inputs")) > 0);
  json_decref(tx2);
  wtest_mine(&t, 4);
  b = wtest_ok(&t, "balance tokenid:%s", tokenid);
  assert_int_equal(json_array_size(b), 1);
  assert_string_equal(str(json_array_get(b, 0), "confirmed"), "749.5");
  json_decref(b);
  b = wtest_ok(&t, "balance simple:true");
  assert_string_equal(str(json_array_get(b, 1), "name"), "gold");
  json_decref(b);
  /* Too many decimals for the token. */
  char *e =
      wtest_err(&t, "send address:%s amount:0.001 tokenid:%s", oaddr, tokenid);
  assert_non_null(strstr(e, "Invalid Token amount to send"));
  free(e);
  free(oaddr);
  free(tokenid);
  wtest_stop(&t, false);
}

static void test_reorg_restores_balance(void **state) {
  (void)state;
  wtest_t t;
  wtest_start(&t, &loop, "wallet-reorg", NULL);
  assert_int_equal(wal_sim_genesis(t.sim), 0);
  wtest_mine(&t, 3);
  uint8_t other[32];
  H->obj->script_address("RETURN FALSE", 12, other);
  char *oaddr = wal_hex(other, 32);
  json_decref(wtest_ok(&t, "send address:%s amount:400000000", oaddr));
  wtest_mine(&t, 4);
  expect_balance(&t, "600000000", "0", "600000000");
  /* The send's block and those after it leave the chain. */
  assert_int_equal(wal_sim_reorg(t.sim, 4), 0);
  wtest_settle(&t);
  expect_balance(&t, "1000000000", "0", "1000000000");
  json_t *c = wtest_ok(&t, "coins");
  assert_int_equal(json_array_size(c), 1);
  assert_string_equal(str(json_array_get(c, 0), "amount"), "1000000000");
  json_decref(c);
  /* And the wallet can send again from the restored coin, whose proof it
   * made again against the new chain. */
  wtest_mine(&t, 1);
  json_decref(wtest_ok(&t, "send address:%s amount:1", oaddr));
  wtest_mine(&t, 4);
  expect_balance(&t, "999999999", "0", "999999999");
  free(oaddr);
  wtest_stop(&t, false);
}

/* A restart keeps keys, counters and coins; the relevance hook answers. */
static void test_restart_and_relevance(void **state) {
  (void)state;
  wtest_t t;
  char *dir = mn_test_tmpdir("wallet-restart");
  char plugins[1024];
  snprintf(plugins, sizeof plugins, "%s/lib/minima/plugins",
           mn_test_build_dir());
  assert_int_equal(wtest_start_in(&t, &loop, dir, "r1", NULL, plugins), 0);
  assert_int_equal(wal_sim_genesis(t.sim), 0);
  wtest_mine(&t, 3);
  json_t *a1 = wtest_ok(&t, "scripts");
  json_t *coin = wtest_ok(&t, "coins");
  json_t *cj = json_array_get(coin, 0);
  /* The hook: our address is relevant, another is not. */
  mn_buf_t addr = mn_test_unhex(str(cj, "address") + 2);
  mn_coin_t probe = {.address = {addr.data, addr.len}};
  assert_true(t.wallet->is_relevant(t.wallet, &probe));
  uint8_t other[32];
  H->obj->script_address("RETURN FALSE", 12, other);
  probe.address = (mn_data_t){other, 32};
  assert_false(t.wallet->is_relevant(t.wallet, &probe));
  mn_buf_free(&addr);
  wtest_stop(&t, true);
  /* Start again on the same data: a new chain simulation replays from
   * scratch, so rebuild the same chain first... the stored coin stays
   * until the chain says otherwise; here the new simulated chain has no
   * blocks, so the wallet keeps what it has and lists the same scripts. */
  assert_int_equal(wtest_start_in(&t, &loop, dir, "r2", NULL, plugins), 0);
  json_t *a2 = wtest_ok(&t, "scripts");
  assert_true(json_equal(a1, a2));
  json_decref(a1);
  json_decref(a2);
  json_decref(coin);
  wtest_stop(&t, false);
  free(dir);
}

int main(void) {
  H = mn__host_table();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wordlist),
      cmocka_unit_test(test_phrase_clean_and_seed),
      cmocka_unit_test(test_key_derivation_vectors),
      cmocka_unit_test(test_node_keys_and_addresses),
      cmocka_unit_test(test_genesis_send_and_change),
      cmocka_unit_test(test_tokens),
      cmocka_unit_test(test_reorg_restores_balance),
      cmocka_unit_test(test_restart_and_relevance),
  };
  return cmocka_run_group_tests(tests, setup_loop, teardown_loop);
}
