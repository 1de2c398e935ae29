/*
 * test_wallet_txn.c - the wallet's custom transactions, scripts, backups
 * and bad input on an embedded node with the in-memory chain: coins
 * locked in a 2-of-3 MULTISIG, a time lock on @COINAGE and a
 * STATE/VERIFYOUT covenant, each refused with the reason before its
 * conditions hold and spent after; txnexport/txnimport; backup and
 * restore; and every kind of bad input leaving the wallet unchanged.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "wal.h"
#include "wtest.h"

static uv_loop_t loop;

static int setup_loop(void **state) {
  (void)state;
  uv_loop_init(&loop);
  return 0;
}

static int teardown_loop(void **state) {
  (void)state;
  uv_run(&loop, UV_RUN_NOWAIT);
  assert_int_equal(uv_loop_close(&loop), 0);
  return 0;
}

static const char *str(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  if (!s)
    fail_msg("no string %s", k);
  return s;
}

static void expect_in(const char *text, const char *part) {
  if (!strstr(text, part))
    fail_msg("\"%s\" should mention \"%s\"", text, part);
}

/* A funded wallet: genesis paid it, 3 blocks on top. */
static void funded(wtest_t *t, const char *tag, const char *extra) {
  wtest_start(t, &loop, tag, extra);
  assert_int_equal(wal_sim_genesis(t->sim), 0);
  wtest_mine(t, 3);
}

/* Sends amount to a new script address (tracked); returns the coin id
 * once it is 4 blocks deep.  state: "" or a JSON object. */
static char *lock(wtest_t *t, const char *script, const char *amount,
                  const char *state, char **address) {
  json_t *s = wtest_ok(t, "newscript script:\"%s\" trackall:true", script);
  *address = strdup(str(s, "address"));
  json_decref(s);
  json_decref(wtest_ok(t, "send address:%s amount:%s%s%s", *address, amount,
                       *state ? " state:" : "", state));
  wtest_mine(t, 4);
  json_t *c = wtest_ok(t, "coins address:%s", *address);
  assert_int_equal(json_array_size(c), 1);
  char *id = strdup(str(json_array_get(c, 0), "coinid"));
  json_decref(c);
  return id;
}

static size_t coins_at(wtest_t *t, const char *address) {
  json_t *c = wtest_ok(t, "coins address:%s", address);
  size_t n = json_array_size(c);
  json_decref(c);
  return n;
}

static char *new_key(wtest_t *t) {
  json_t *k = wtest_ok(t, "keys action:new");
  char *pk = strdup(str(k, "publickey"));
  json_decref(k);
  return pk;
}

static char *my_address(wtest_t *t) {
  json_t *a = wtest_ok(t, "getaddress");
  char *s = strdup(str(a, "address"));
  json_decref(a);
  return s;
}

/* A spend of coin to dest, built by hand. */
static void build_spend(wtest_t *t, const char *id, const char *coin,
                        const char *amount, const char *dest) {
  json_decref(wtest_ok(t, "txncreate id:%s", id));
  json_decref(wtest_ok(t, "txninput id:%s coinid:%s", id, coin));
  json_decref(
      wtest_ok(t, "txnoutput id:%s amount:%s address:%s", id, amount, dest));
}

static size_t sigs_of(wtest_t *t, const char *id) {
  json_t *r = wtest_ok(t, "txnlist id:%s", id);
  size_t n = json_array_size(
      json_object_get(json_object_get(r, "witness"), "signatures"));
  json_decref(r);
  return n;
}

/* ---- scripts ------------------------------------------------------------ */

static void test_multisig_2_of_3(void **state) {
  (void)state;
  wtest_t t;
  funded(&t, "wallet-multisig", NULL);
  char *pk[3];
  for (int i = 0; i < 3; i++)
    pk[i] = new_key(&t);
  char script[512];
  snprintf(script, sizeof script, "RETURN MULTISIG(2 %s %s %s)", pk[0], pk[1],
           pk[2]);
  char *addr;
  char *coin = lock(&t, script, "100", "", &addr);
  /* Not a simple address: the coin is ours to track, not to send. */
  json_t *b = wtest_ok(&t, "balance address:%s", addr);
  assert_string_equal(str(json_array_get(b, 0), "confirmed"), "100");
  assert_string_equal(str(json_array_get(b, 0), "sendable"), "0");
  json_decref(b);
  char *me = my_address(&t);
  build_spend(&t, "ms", coin, "100", me);
  /* One signature: refused, with the script as the reason. */
  json_t *s1 = wtest_ok(&t, "txnsign id:ms publickey:%s", pk[0]);
  assert_int_equal(json_array_size(json_object_get(s1, "keys")), 1);
  assert_true(json_is_false(json_object_get(s1, "txnpost")));
  json_decref(s1);
  char *e = wtest_err(&t, "txnpost id:ms auto:true");
  expect_in(e, "Transaction rejected (script)");
  expect_in(e, "script does not return TRUE");
  free(e);
  assert_int_equal(wal_sim_mempool(t.sim), 0);
  assert_int_equal(coins_at(&t, addr), 1);
  assert_int_equal(sigs_of(&t, "ms"), 1);
  /* The second key: accepted and spent in the next block. */
  json_decref(wtest_ok(&t, "txnsign id:ms publickey:%s", pk[2]));
  assert_int_equal(sigs_of(&t, "ms"), 2);
  json_t *tx = wtest_ok(&t, "txnpost id:ms auto:true txndelete:true");
  assert_true(json_is_object(json_object_get(tx, "body")));
  json_decref(tx);
  wtest_mine(&t, 1);
  assert_int_equal(coins_at(&t, addr), 0);
  char *gone = wtest_err(&t, "txnlist id:ms");
  expect_in(gone, "Transaction not found : ms");
  free(gone);
  for (int i = 0; i < 3; i++)
    free(pk[i]);
  free(me);
  free(addr);
  free(coin);
  wtest_stop(&t, false);
}

static void test_coinage_time_lock(void **state) {
  (void)state;
  wtest_t t;
  funded(&t, "wallet-timelock", NULL);
  char *pk = new_key(&t);
  char script[256];
  snprintf(script, sizeof script, "ASSERT @COINAGE GTE 8 RETURN SIGNEDBY(%s)",
           pk);
  char *addr;
  char *coin = lock(&t, script, "50", "", &addr); /* 3 blocks deep */
  char *me = my_address(&t);
  build_spend(&t, "tl", coin, "50", me);
  json_t *s = wtest_ok(&t, "txnsign id:tl publickey:%s", pk);
  json_decref(s);
  char *e = wtest_err(&t, "txnpost id:tl auto:true");
  expect_in(e, "Transaction rejected (script)");
  free(e);
  assert_int_equal(coins_at(&t, addr), 1);
  wtest_mine(&t, 4); /* 7 deep: still locked */
  e = wtest_err(&t, "txnpost id:tl auto:true");
  expect_in(e, "rejected (script)");
  free(e);
  wtest_mine(&t, 1); /* 8 */
  json_decref(wtest_ok(&t, "txnpost id:tl auto:true"));
  wtest_mine(&t, 1);
  assert_int_equal(coins_at(&t, addr), 0);
  free(pk);
  free(me);
  free(addr);
  free(coin);
  wtest_stop(&t, false);
}

static void test_state_covenant(void **state) {
  (void)state;
  wtest_t t;
  funded(&t, "wallet-covenant", NULL);
  /* Anyone may move the coin, but only to the address in its state. */
  char *dest = my_address(&t);
  char st[128];
  snprintf(st, sizeof st, "{\"1\":\"%s\"}", dest);
  char *addr;
  char *coin = lock(&t,
                    "RETURN VERIFYOUT(@INPUT PREVSTATE(1) @AMOUNT @TOKENID "
                    "TRUE)",
                    "30", st, &addr);
  uint8_t other[32];
  mn__host_table()->obj->script_address("RETURN FALSE", 12, other);
  char *oaddr = wal_hex(other, 32);
  build_spend(&t, "bad", coin, "30", oaddr);
  char *e = wtest_err(&t, "txnpost id:bad auto:true");
  expect_in(e, "Transaction rejected (script)");
  free(e);
  /* The right amount to the wrong address, or too little to the right
   * one: refused. */
  build_spend(&t, "less", coin, "20", dest);
  e = wtest_err(&t, "txnpost id:less auto:true");
  expect_in(e, "rejected (script)");
  free(e);
  assert_int_equal(coins_at(&t, addr), 1);
  build_spend(&t, "good", coin, "30", dest);
  json_decref(wtest_ok(&t, "txnpost id:good auto:true"));
  wtest_mine(&t, 1);
  assert_int_equal(coins_at(&t, addr), 0);
  json_t *c = wtest_ok(&t, "coins address:%s amount:30", dest);
  assert_int_equal(json_array_size(c), 1);
  json_decref(c);
  free(oaddr);
  free(dest);
  free(addr);
  free(coin);
  wtest_stop(&t, false);
}

/* txnexport, txnimport, outputcoindata, floating inputs, auto signing. */
static void test_txn_export_import_and_auto(void **state) {
  (void)state;
  wtest_t t;
  funded(&t, "wallet-txnio", NULL);
  json_t *cs = wtest_ok(&t, "coins");
  json_t *c0 = json_array_get(cs, 0);
  char *me = my_address(&t);
  build_spend(&t, "x", str(c0, "coinid"), "1000000000", me);
  json_t *st = wtest_ok(&t, "txnstate id:x port:3 value:[hello world]");
  json_t *sv = json_array_get(
      json_object_get(json_object_get(st, "transaction"), "state"), 0);
  assert_string_equal(str(sv, "data"), "[hello world]");
  assert_int_equal(json_array_size(json_object_get(st, "outputcoindata")), 1);
  json_decref(st);
  json_t *ex = wtest_ok(&t, "txnexport id:x");
  char *data = strdup(str(ex, "data"));
  json_decref(ex);
  json_t *before = wtest_ok(&t, "txnlist id:x");
  json_t *d = wtest_ok(&t, "txndelete id:x");
  assert_string_equal(json_string_value(d), "Deleted");
  json_decref(d);
  d = wtest_ok(&t, "txndelete id:x");
  assert_string_equal(json_string_value(d), "Not found");
  json_decref(d);
  json_t *im = wtest_ok(&t, "txnimport data:%s", data);
  assert_true(json_equal(im, before));
  json_decref(im);
  json_decref(before);
  /* Auto signing finds the simple input's key; post with a burn. */
  json_t *s = wtest_ok(&t, "txnsign id:x publickey:auto");
  assert_int_equal(json_array_size(json_object_get(s, "keys")), 1);
  json_decref(s);
  char *e = wtest_err(&t, "txnpost id:x auto:true burn:1");
  /* All of the only coin is already spent by the main transaction. */
  expect_in(e, "Not enough funds / coins for the burn");
  free(e);
  json_decref(wtest_ok(&t, "txnpost id:x auto:true"));
  wtest_mine(&t, 4);
  json_t *b = wtest_ok(&t, "balance");
  assert_string_equal(str(json_array_get(b, 0), "confirmed"), "1000000000");
  json_decref(b);
  /* A floating input binds to a coin of that address and amount. */
  json_t *c2 = wtest_ok(&t, "coins");
  const char *a2 = str(json_array_get(c2, 0), "address");
  json_decref(wtest_ok(&t, "txncreate id:f"));
  json_decref(wtest_ok(&t,
                       "txninput id:f address:%s amount:1000000000 "
                       "floating:true",
                       a2));
  json_decref(wtest_ok(&t, "txnoutput id:f address:%s amount:1000000000", me));
  json_t *fl = wtest_ok(&t, "txnlist id:f");
  json_t *in = json_array_get(
      json_object_get(json_object_get(fl, "transaction"), "inputs"), 0);
  assert_string_equal(str(in, "coinid"), "0x01");
  json_decref(fl);
  json_decref(wtest_ok(&t, "txnsign id:f publickey:auto txnpostauto:true"));
  wtest_mine(&t, 1);
  json_t *after = wtest_ok(&t, "coins");
  assert_int_equal(json_array_size(after), 1);
  assert_string_not_equal(str(json_array_get(after, 0), "coinid"),
                          str(json_array_get(c2, 0), "coinid"));
  json_decref(after);
  json_decref(c2);
  json_decref(cs);
  free(data);
  free(me);
  wtest_stop(&t, false);
}

/* ---- backup and restore ----------------------------------------------- */

static void test_backup_restore(void **state) {
  (void)state;
  wtest_t a, b;
  wtest_start(&a, &loop, "wallet-backup-a", NULL);
  char *addr = my_address(&a);
  mn_buf_t raw = mn_test_unhex(addr + 2);
  const char *amt = "1234.5";
  assert_int_equal(wal_sim_mint(a.sim, (const uint8_t(*)[32])raw.data, &amt, 1),
                   0);
  wtest_mine(&a, 3);
  json_t *bal_a = wtest_ok(&a, "balance");
  json_t *scripts_a = wtest_ok(&a, "scripts");
  json_t *keys_a = wtest_ok(&a, "keys");
  char file[512];
  snprintf(file, sizeof file, "%s/w.bak", a.dir);
  json_t *r = wtest_exec(&a, "backup password:s3cret file:%s", file);
  assert_true(json_is_true(json_object_get(r, "status")));
  json_t *info = json_object_get(r, "backup");
  assert_string_equal(str(info, "file"), file);
  assert_true(json_integer_value(json_object_get(info, "size")) > 0);
  json_decref(r);
  /* A wrong password: a clear error, and the wallet unchanged. */
  char *e = wtest_err(&a, "restore file:%s password:wrong", file);
  assert_string_equal(e, "Incorrect Password!");
  free(e);
  json_t *s2 = wtest_ok(&a, "scripts");
  assert_true(json_equal(s2, scripts_a));
  json_decref(s2);
  /* A fresh node on the same chain. */
  wtest_start(&b, &loop, "wallet-backup-b", NULL);
  assert_int_equal(wal_sim_mint(b.sim, (const uint8_t(*)[32])raw.data, &amt, 1),
                   0);
  wtest_mine(&b, 3);
  json_t *sb = wtest_ok(&b, "scripts");
  assert_false(json_equal(sb, scripts_a));
  json_decref(sb);
  json_t *rr = wtest_exec(&b, "restore file:%s password:s3cret", file);
  assert_true(json_is_true(json_object_get(rr, "status")));
  assert_non_null(json_object_get(rr, "restore"));
  json_decref(rr);
  wtest_settle(&b);
  sb = wtest_ok(&b, "scripts");
  assert_true(json_equal(sb, scripts_a));
  json_decref(sb);
  json_t *bal_b = wtest_ok(&b, "balance");
  assert_true(json_equal(bal_a, bal_b));
  json_decref(bal_b);
  /* Every key moved 256 uses ahead. */
  json_t *keys_b = wtest_ok(&b, "keys");
  assert_int_equal(json_integer_value(json_object_get(keys_b, "maxuses")),
                   json_integer_value(json_object_get(keys_a, "maxuses")) +
                       256);
  json_decref(keys_b);
  /* And the restored keys spend the coin. */
  uint8_t other[32];
  mn__host_table()->obj->script_address("RETURN FALSE", 12, other);
  char *oaddr = wal_hex(other, 32);
  json_decref(wtest_ok(&b, "send address:%s amount:34.5", oaddr));
  wtest_mine(&b, 4);
  bal_b = wtest_ok(&b, "balance");
  assert_string_equal(str(json_array_get(bal_b, 0), "confirmed"), "1200");
  json_decref(bal_b);
  free(oaddr);
  json_decref(bal_a);
  json_decref(scripts_a);
  json_decref(keys_a);
  mn_buf_free(&raw);
  free(addr);
  wtest_stop(&b, false);
  wtest_stop(&a, false);
}

/* ---- bad input ------------------------------------------------------------
 */

/* What must not change when a command fails. */
static json_t *snapshot(wtest_t *t) {
  json_t *s = json_object();
  json_object_set_new(s, "balance", wtest_ok(t, "balance"));
  json_object_set_new(s, "coins", wtest_ok(t, "coins"));
  json_object_set_new(s, "keys", wtest_ok(t, "keys"));
  json_object_set_new(s, "scripts", wtest_ok(t, "scripts"));
  json_object_set_new(s, "txns", wtest_ok(t, "txnlist"));
  return s;
}

static void same_as(wtest_t *t, json_t *before) {
  json_t *now = snapshot(t);
  if (!json_equal(now, before)) {
    char *a = json_dumps(before, JSON_COMPACT), *b = json_dumps(now, 0);
    fail_msg("the wallet changed:\n%s\n%s", a, b);
  }
  json_decref(now);
}

static void test_bad_input(void **state) {
  (void)state;
  wtest_t t;
  funded(&t, "wallet-bad", NULL);
  uint8_t other[32];
  const mn_host_t *h = mn__host_table();
  h->obj->script_address("RETURN FALSE", 12, other);
  char *oaddr = wal_hex(other, 32);
  char mx[MN_MX_MAX];
  h->crypto->mx_encode(other, 32, mx, sizeof mx);
  json_t *before = snapshot(&t);

  /* Insufficient funds: status false, message and error. */
  json_t *r = wtest_exec(&t, "send address:%s amount:1000000001", oaddr);
  assert_true(json_is_false(json_object_get(r, "status")));
  expect_in(str(r, "message"), "Insufficient funds.. you only have "
                               "1000000000 require:1000000001");
  expect_in(str(r, "error"), "Insufficient funds");
  json_decref(r);
  same_as(&t, before);

  /* A malformed address: one Mx digit changed breaks the checksum. */
  char bad[MN_MX_MAX];
  strcpy(bad, mx);
  bad[20] = bad[20] == 'A' ? 'B' : 'A';
  char *e = wtest_err(&t, "send address:%s amount:1", bad);
  expect_in(e, "Invalid address");
  free(e);
  e = wtest_err(&t, "send multi:[\"%s:1\"]", bad);
  expect_in(e, "wrong Mx checksum");
  free(e);
  e = wtest_err(&t, "txnoutput id:none amount:1 address:%s", bad);
  expect_in(e, "Invalid address");
  free(e);
  same_as(&t, before);

  /* A token that does not exist. */
  const char *nt = "0xABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
                   "0123456789";
  e = wtest_err(&t, "send address:%s amount:1 tokenid:%s", oaddr, nt);
  expect_in(e, "No Coins of tokenid:0xABCDEF");
  free(e);
  e = wtest_err(&t, "tokens tokenid:%s", nt);
  expect_in(e, "Token not found : 0xABCDEF");
  free(e);
  json_decref(wtest_ok(&t, "txncreate id:tok"));
  json_decref(before);
  before = snapshot(&t);
  e = wtest_err(&t, "txnoutput id:tok amount:1 address:%s tokenid:%s", oaddr,
                nt);
  expect_in(e, "Token not found : 0xABCDEF");
  free(e);
  same_as(&t, before);

  /* A script that cannot be satisfied. */
  json_decref(before);
  char *ff;
  char *coin = lock(&t, "RETURN FALSE", "5", "", &ff);
  build_spend(&t, "never", coin, "5", oaddr);
  before = snapshot(&t);
  e = wtest_err(&t, "txnpost id:never auto:true");
  expect_in(e, "Transaction rejected (script): input 0: script does not "
               "return TRUE");
  free(e);
  assert_int_equal(wal_sim_mempool(t.sim), 0);
  same_as(&t, before);
  /* Sending it with fromaddress meets the same script. */
  e = wtest_err(&t, "send address:%s amount:1 fromaddress:%s", oaddr, ff);
  expect_in(e, "Transaction rejected (script)");
  free(e);

  /* Other malformed parameters. */
  e = wtest_err(&t, "send address:%s amount:1 split:21", oaddr);
  expect_in(e, "Split must be whole number from 1 to 20");
  free(e);
  e = wtest_err(&t, "send address:%s amount:1 coinage:2", oaddr);
  expect_in(e, "Coinage MUST be >= 3");
  free(e);
  e = wtest_err(&t, "send address:%s amount:0", oaddr);
  expect_in(e, "Invalid Minima amount to send.. 0");
  free(e);
  e = wtest_err(&t, "txnsign id:never publickey:0x1234");
  expect_in(e, "Public Key not found : 0x1234");
  free(e);
  e = wtest_err(&t, "txninput id:never coinid:0x99");
  expect_in(e, "CoinID not found : 0x99");
  free(e);
  e = wtest_err(&t, "txncreate id:never");
  expect_in(e, "Txn with this ID already exists : never");
  free(e);
  same_as(&t, before);
  json_decref(before);
  free(coin);
  free(ff);
  free(oaddr);
  wtest_stop(&t, false);
}

/* Keys of 2 one-time signatures: the third use is refused before any
 * signing, and nothing changes. */
static void test_exhausted_key(void **state) {
  (void)state;
  wtest_t t;
  funded(&t, "wallet-reuse", "key_size = 2\nkey_depth = 1");
  json_t *k = wtest_ok(&t, "keys");
  json_t *k0 = json_array_get(json_object_get(k, "keys"), 0);
  assert_int_equal(json_integer_value(json_object_get(k0, "maxuses")), 2);
  char *pk = strdup(str(k0, "publickey"));
  json_decref(k);
  json_decref(wtest_ok(&t, "txncreate id:r"));
  json_decref(wtest_ok(&t, "txnsign id:r publickey:%s", pk));
  json_decref(wtest_ok(&t, "txnsign id:r publickey:%s", pk));
  json_t *before = snapshot(&t);
  char *e = wtest_err(&t, "txnsign id:r publickey:%s", pk);
  expect_in(e, "has used all 2 of its one-time signatures");
  free(e);
  same_as(&t, before);
  json_t *k2 = wtest_ok(&t, "keys publickey:%s", pk);
  assert_int_equal(json_integer_value(json_object_get(
                       json_array_get(json_object_get(k2, "keys"), 0), "uses")),
                   2);
  json_decref(k2);
  json_decref(before);
  free(pk);
  /* The genesis coin's key has two uses: two sends of it work (each
   * spends all of it back to ourselves), a third does not. */
  wtest_stop(&t, false);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_multisig_2_of_3),
      cmocka_unit_test(test_coinage_time_lock),
      cmocka_unit_test(test_state_covenant),
      cmocka_unit_test(test_txn_export_import_and_auto),
      cmocka_unit_test(test_backup_restore),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_exhausted_key),
  };
  return cmocka_run_group_tests(tests, setup_loop, teardown_loop);
}
