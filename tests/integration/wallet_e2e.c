/*
 * wallet_e2e.c - the wallet on real chains: embedded nodes (one process,
 * one loop) loading the kissvm, consensus and wallet plugins from the
 * build tree, mining on demand (`automine enable:single`).
 *
 *   itest_wallet_e2e SCENARIO     one of: genesis send token multisig
 *                                 timelock covenant reorg backup
 *
 * Funding: the chain pays its genesis coin to consensus.genesis_address,
 * set to the first key of a fixed seed phrase; scenario `genesis` checks
 * the chain.genesis.address hook instead, and that the coin it pays is
 * spendable.  Two nodes share a chain by IBD and
 * blocks handed over through the chain service, as p2p would.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "test_support.h"

#include <minima/svc/chain.h>
#include <minima/svc/wallet.h>

#include "host/node.h"
#include "util/util.h"

#define PHRASE                                                                 \
  "abandon abil able abou above absent absorb abstract absurd abuse access "   \
  "accident"
/* Key 0 of PHRASE (vectors/crypto.json wallet.derivation). */
#define KEY0_ADDRESS                                                           \
  "0x09D7246750911ECB288ADC2D5B0B6D05243C4EA34DE7F857D8170487B5EC9808"
#define ADDR_FALSE_SCRIPT "RETURN FALSE"

static const char *scenario;
static uv_loop_t loop;
static char *dir;

typedef struct enode {
  mn__node_t *n;
  const mn_host_t *h;
  mn_plugin_t *k;
  const mn_chain_t *ch;
  char *data;
} enode_t;

/* ---- the loop ------------------------------------------------------------ */

typedef bool (*pred_fn)(void *arg);

static void tick(uv_timer_t *t) {
  (void)t;
}

/* Runs the loop until pred holds; fails after about a minute. */
static void run_until(pred_fn pred, void *arg) {
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  uv_timer_start(&t, tick, 10, 10);
  uint64_t start = uv_now(&loop);
  while (!pred(arg)) {
    uv_run(&loop, UV_RUN_ONCE);
    if (uv_now(&loop) - start > 120000) {
      uv_close((uv_handle_t *)&t, NULL);
      fail_msg("timed out waiting (a hang guard, not a measurement)");
    }
  }
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
}

static void settle(void) {
  for (int i = 0; i < 64; i++)
    uv_run(&loop, UV_RUN_NOWAIT);
}

/* ---- nodes ------------------------------------------------------------- */

static void open_node(enode_t *n, const char *name, bool genesis,
                      const char *genesis_address, const char *phrase) {
  char *profile = mn__xasprintf("%s/%s.toml", dir, name);
  FILE *f = fopen(profile, "w");
  fprintf(f,
          "[node]\nplugin_dir = \"%s/lib/minima/plugins\"\nlog_level = "
          "\"warn\"\nthreads = 2\n"
          "[[plugin]]\nname = \"kissvm\"\n[[plugin]]\nname = \"consensus\"\n"
          "[consensus]\nnetwork = \"test\"\ngenesis = %s\nautomine = false\n"
          "mining_threads = 2\ngenesis_address = \"%s\"\n"
          "[[plugin]]\nname = \"wallet\"\n[wallet]\nkeys = 4\n"
          "phrase = \"%s\"\n",
          mn_test_build_dir(), genesis ? "true" : "false",
          genesis_address ? genesis_address : "", phrase ? phrase : "");
  fclose(f);
  if (!n->data)
    n->data = mn__xasprintf("%s/%s", dir, name);
  mn__config_opts_t co = {.file = profile, .data_dir = n->data};
  char *why = NULL;
  if (mn__node_create(&co, &loop, name, &n->n, &why))
    fail_msg("create %s: %s", name, why);
  if (mn__node_start(n->n, &why))
    fail_msg("start %s: %s", name, why);
  free(profile);
  n->h = mn__node_host(n->n, &n->k);
  n->ch =
      n->h->service_lookup(n->k, MN_CHAIN_SERVICE, MN_CHAIN_SERVICE_VERSION);
  assert_non_null(n->ch);
  settle();
}

static void close_node(enode_t *n) {
  if (n->n) {
    settle();
    mn__node_destroy(n->n);
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  n->n = NULL;
  free(n->data);
  n->data = NULL;
}

typedef struct reply {
  json_t *j;
} reply_t;

static void got(json_t *r, void *data) {
  ((reply_t *)data)->j = r;
}
static bool have_reply(void *arg) {
  return ((reply_t *)arg)->j != NULL;
}

static json_t *exec_line(enode_t *n, const char *line) {
  reply_t r = {0};
  assert_int_equal(mn__node_exec(n->n, line, got, &r), 0);
  run_until(have_reply, &r);
  return r.j;
}

static json_t *ok(enode_t *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static json_t *ok(enode_t *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *line;
  if (vasprintf(&line, fmt, ap) < 0)
    line = NULL;
  va_end(ap);
  assert_non_null(line);
  json_t *j = exec_line(n, line);
  if (!json_is_true(json_object_get(j, "status"))) {
    char *s = json_dumps(j, JSON_COMPACT);
    fail_msg("%s failed: %s", line, s);
  }
  json_t *r = json_incref(json_object_get(j, "response"));
  json_decref(j);
  free(line);
  return r;
}

static char *err_of(enode_t *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *err_of(enode_t *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *line;
  if (vasprintf(&line, fmt, ap) < 0)
    line = NULL;
  va_end(ap);
  assert_non_null(line);
  json_t *j = exec_line(n, line);
  const char *e = json_string_value(json_object_get(j, "error"));
  if (!json_is_false(json_object_get(j, "status")) || !e) {
    char *s = json_dumps(j, JSON_COMPACT);
    fail_msg("%s should have failed: %s", line, s);
  }
  char *out = strdup(e);
  json_decref(j);
  free(line);
  return out;
}

static void expect_in(const char *text, const char *part) {
  if (!strstr(text, part))
    fail_msg("\"%s\" should mention \"%s\"", text, part);
}

static const char *str(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  if (!s)
    fail_msg("no string %s", k);
  return s;
}

static int64_t tip_of(enode_t *n) {
  mn_chain_tip_t t = {.size = sizeof t};
  n->ch->tip(n->ch, &t);
  return t.number;
}

typedef struct tipwait {
  enode_t *n;
  int64_t want;
} tipwait_t;

static bool tip_reached(void *arg) {
  tipwait_t *w = arg;
  return tip_of(w->n) >= w->want;
}

static void mine(enode_t *n, int count) {
  for (int i = 0; i < count; i++) {
    tipwait_t w = {n, tip_of(n) + 1};
    json_decref(ok(n, "automine enable:single"));
    run_until(tip_reached, &w);
  }
  settle();
}

/* Mines until the mempool is empty (the posted transactions are in). */
static void mine_mempool(enode_t *n) {
  for (int i = 0; i < 10; i++) {
    mn_buf_t ids = {0};
    n->ch->mempool_ids(n->ch, &ids);
    size_t len = ids.len;
    mn_buf_free(&ids);
    if (len == 0)
      return;
    mine(n, 1);
  }
  fail_msg("the mempool does not empty");
}

/* The Minima row of a balance, or of an address's balance. */
static void expect_balance(enode_t *n, const char *address,
                           const char *confirmed, const char *unconfirmed) {
  json_t *b = address ? ok(n, "balance address:%s", address) : ok(n, "balance");
  json_t *m = json_array_get(b, 0);
  assert_string_equal(str(m, "tokenid"), "0x00");
  assert_string_equal(str(m, "confirmed"), confirmed);
  assert_string_equal(str(m, "unconfirmed"), unconfirmed);
  json_decref(b);
}

static char *address_of(enode_t *n, const char *cmd) {
  json_t *a = ok(n, "%s", cmd);
  char *s = strdup(str(a, "address"));
  json_decref(a);
  return s;
}

static char *foreign(void) {
  uint8_t a[32];
  mn__host_table()->obj->script_address(ADDR_FALSE_SCRIPT,
                                        strlen(ADDR_FALSE_SCRIPT), a);
  char *hex = mn__xmalloc(67);
  strcpy(hex, "0x");
  for (int i = 0; i < 32; i++)
    sprintf(hex + 2 + 2 * i, "%02X", a[i]);
  return hex;
}

/* A node whose genesis pays its wallet, 3 blocks deep. */
static void funded(enode_t *a) {
  open_node(a, "a", true, KEY0_ADDRESS, PHRASE);
  /* getaddress answers once the first default keys (key 0 among them)
   * exist. */
  json_decref(ok(a, "getaddress"));
  mine(a, 3);
  expect_balance(a, NULL, "1000000000", "0");
}

/* ---- scenarios ------------------------------------------------------- */

static void scenario_genesis(void) {
  enode_t a = {0};
  open_node(&a, "a", true, NULL, NULL);
  mine(&a, 3);
  json_t *c = ok(&a, "coins");
  /* The coin as the MMR holds it: entry 1 (entry 0 is the pre-genesis
   * coin it spent), created in block 1. */
  assert_int_equal(json_array_size(c), 1);
  json_t *coin = json_array_get(c, 0);
  assert_string_equal(json_string_value(json_object_get(coin, "mmrentry")),
                      "1");
  assert_string_equal(json_string_value(json_object_get(coin, "created")),
                      "1");
  json_decref(c);
  expect_balance(&a, NULL, "1000000000", "0");
  /* And it can be spent: its proof is good. */
  char *f = foreign();
  json_decref(ok(&a, "send address:%s amount:5", f));
  mine_mempool(&a);
  mine(&a, 3);
  expect_balance(&a, NULL, "999999995", "0");
  free(f);
  close_node(&a);
}

static void scenario_send(void) {
  enode_t a = {0};
  funded(&a);
  char *x = address_of(&a, "newaddress");
  char *f = foreign();
  json_t *tx = ok(&a, "send multi:[\"%s:1000\",\"%s:500\"]", x, f);
  assert_true(json_is_true(json_object_get(tx, "istransaction")));
  json_decref(tx);
  mine_mempool(&a);
  /* Unconfirmed until 3 blocks deep. */
  expect_balance(&a, x, "0", "1000");
  mine(&a, 3);
  expect_balance(&a, x, "1000", "0");
  expect_balance(&a, NULL, "999999500", "0");
  /* From the new address to the foreign one: both balances move. */
  json_decref(ok(&a, "send address:%s amount:400 fromaddress:%s", f, x));
  mine_mempool(&a);
  mine(&a, 3);
  expect_balance(&a, x, "600", "0");
  expect_balance(&a, NULL, "999999100", "0");
  json_t *h = ok(&a, "history");
  assert_int_equal(json_integer_value(json_object_get(h, "size")), 2);
  json_decref(h);
  /* Insufficient funds on a real chain too, nothing changed. */
  char *e = err_of(&a, "send address:%s amount:2000000000", f);
  expect_in(e, "Insufficient funds");
  free(e);
  expect_balance(&a, NULL, "999999100", "0");
  free(x);
  free(f);
  close_node(&a);
}

static void scenario_token(void) {
  enode_t a = {0};
  funded(&a);
  json_decref(ok(&a, "tokencreate name:{\"name\":\"gold\",\"description\":"
                     "\"shiny\"} amount:1000 decimals:3"));
  mine_mempool(&a);
  mine(&a, 3);
  json_t *b = ok(&a, "balance");
  assert_int_equal(json_array_size(b), 2);
  json_t *g = json_array_get(b, 1);
  assert_string_equal(str(g, "confirmed"), "1000");
  char *tok = strdup(str(g, "tokenid"));
  json_decref(b);
  char *f = foreign();
  json_decref(ok(&a, "send address:%s amount:250.125 tokenid:%s", f, tok));
  mine_mempool(&a);
  mine(&a, 3);
  b = ok(&a, "balance tokenid:%s", tok);
  assert_string_equal(str(json_array_get(b, 0), "confirmed"), "749.875");
  json_decref(b);
  json_t *t = ok(&a, "tokens tokenid:%s", tok);
  assert_string_equal(str(json_object_get(t, "name"), "description"), "shiny");
  json_decref(t);
  char *e = err_of(&a, "send address:%s amount:1 tokenid:0x%064d", f, 7);
  expect_in(e, "No Coins of tokenid");
  free(e);
  free(f);
  free(tok);
  close_node(&a);
}

/* Locks `amount` at a new tracked script; returns the coin id. */
static char *lock(enode_t *a, const char *script, const char *amount,
                  const char *state, char **addr) {
  json_t *s = ok(a, "newscript script:\"%s\" trackall:true", script);
  *addr = strdup(str(s, "address"));
  json_decref(s);
  json_decref(ok(a, "send address:%s amount:%s%s%s", *addr, amount,
                 state ? " state:" : "", state ? state : ""));
  mine_mempool(a);
  json_t *c = ok(a, "coins address:%s", *addr);
  assert_int_equal(json_array_size(c), 1);
  char *id = strdup(str(json_array_get(c, 0), "coinid"));
  json_decref(c);
  return id;
}

static void spend(enode_t *a, const char *id, const char *coin,
                  const char *amount, const char *dest) {
  json_decref(ok(a, "txncreate id:%s", id));
  json_decref(ok(a, "txninput id:%s coinid:%s", id, coin));
  json_decref(ok(a, "txnoutput id:%s amount:%s address:%s", id, amount, dest));
}

static size_t coins_at(enode_t *a, const char *addr) {
  json_t *c = ok(a, "coins address:%s", addr);
  size_t n = json_array_size(c);
  json_decref(c);
  return n;
}

static char *new_key(enode_t *a) {
  json_t *k = ok(a, "keys action:new");
  char *pk = strdup(str(k, "publickey"));
  json_decref(k);
  return pk;
}

static void scenario_multisig(void) {
  enode_t a = {0};
  funded(&a);
  char *pk[3];
  for (int i = 0; i < 3; i++)
    pk[i] = new_key(&a);
  char script[512], *addr;
  snprintf(script, sizeof script, "RETURN MULTISIG(2 %s %s %s)", pk[0], pk[1],
           pk[2]);
  char *coin = lock(&a, script, "100", NULL, &addr);
  char *me = address_of(&a, "getaddress");
  spend(&a, "ms", coin, "100", me);
  json_decref(ok(&a, "txnsign id:ms publickey:%s", pk[1]));
  char *e = err_of(&a, "txnpost id:ms auto:true");
  expect_in(e, "Transaction rejected (script)");
  printf("one signature of two: %s\n", e);
  free(e);
  assert_int_equal(coins_at(&a, addr), 1);
  json_decref(ok(&a, "txnsign id:ms publickey:%s", pk[0]));
  json_decref(ok(&a, "txnpost id:ms auto:true"));
  mine_mempool(&a);
  assert_int_equal(coins_at(&a, addr), 0);
  for (int i = 0; i < 3; i++)
    free(pk[i]);
  free(me);
  free(addr);
  free(coin);
  close_node(&a);
}

static void scenario_timelock(void) {
  enode_t a = {0};
  funded(&a);
  char *pk = new_key(&a);
  char script[256], *addr;
  snprintf(script, sizeof script, "ASSERT @COINAGE GTE 6 RETURN SIGNEDBY(%s)",
           pk);
  char *coin = lock(&a, script, "50", NULL, &addr);
  char *me = address_of(&a, "getaddress");
  spend(&a, "tl", coin, "50", me);
  json_decref(ok(&a, "txnsign id:tl publickey:%s", pk));
  char *e = err_of(&a, "txnpost id:tl auto:true");
  expect_in(e, "Transaction rejected (script)");
  printf("too young: %s\n", e);
  free(e);
  mine(&a, 6);
  json_decref(ok(&a, "txnpost id:tl auto:true"));
  mine_mempool(&a);
  assert_int_equal(coins_at(&a, addr), 0);
  free(pk);
  free(me);
  free(addr);
  free(coin);
  close_node(&a);
}

static void scenario_covenant(void) {
  enode_t a = {0};
  funded(&a);
  char *dest = address_of(&a, "getaddress");
  char st[128], *addr;
  snprintf(st, sizeof st, "{\"1\":\"%s\"}", dest);
  char *coin = lock(&a,
                    "RETURN VERIFYOUT(@INPUT PREVSTATE(1) @AMOUNT @TOKENID "
                    "TRUE)",
                    "30", st, &addr);
  char *f = foreign();
  spend(&a, "bad", coin, "30", f);
  char *e = err_of(&a, "txnpost id:bad auto:true");
  expect_in(e, "Transaction rejected (script)");
  printf("wrong destination: %s\n", e);
  free(e);
  assert_int_equal(coins_at(&a, addr), 1);
  spend(&a, "good", coin, "30", dest);
  json_decref(ok(&a, "txnpost id:good auto:true"));
  mine_mempool(&a);
  assert_int_equal(coins_at(&a, addr), 0);
  free(f);
  free(dest);
  free(addr);
  free(coin);
  close_node(&a);
}

/* ---- two nodes ----------------------------------------------------------- */

typedef struct vwait {
  bool done;
  mn_chain_status_t status;
} vwait_t;

static void on_verdict(const mn_chain_verdict_t *v, void *data) {
  vwait_t *w = data;
  w->status = v->status;
  w->done = true;
}

static bool vdone(void *arg) {
  return ((vwait_t *)arg)->done;
}

/* B takes A's chain by IBD, as p2p would hand it over. */
static void sync_from(enode_t *a, enode_t *b) {
  mn_buf_t ids = {0}, ibd = {0};
  int64_t top;
  assert_int_equal(b->ch->tree_ids(b->ch, &top, &ids), 0);
  bool cross;
  assert_int_equal(a->ch->ibd_build(a->ch, top, (const uint8_t(*)[32])ids.data,
                                    ids.len / 32, &ibd, &cross),
                   0);
  vwait_t w = {0};
  assert_int_equal(
      b->ch->ibd_process(b->ch, ibd.data, ibd.len, 9, on_verdict, &w, NULL), 0);
  run_until(vdone, &w);
  assert_int_equal(w.status, MN_CHAIN_ACCEPTED);
  mn_buf_free(&ids);
  mn_buf_free(&ibd);
  settle();
}

/* Hands B's newest `count` blocks to A, oldest first. */
static void relay_blocks(enode_t *b, enode_t *a, int count) {
  mn_buf_t ids = {0};
  assert_int_equal(b->ch->pulse_ids(b->ch, &ids), 0);
  for (int i = count - 1; i >= 0; i--) {
    mn_buf_t bytes = {0};
    assert_int_equal(b->ch->txpow_bytes(b->ch, ids.data + 32 * i, &bytes), 0);
    vwait_t w = {0};
    assert_int_equal(
        a->ch->submit(a->ch, bytes.data, bytes.len, 7, on_verdict, &w, NULL),
        0);
    run_until(vdone, &w);
    mn_buf_free(&bytes);
  }
  mn_buf_free(&ids);
  settle();
}

static void scenario_reorg(void) {
  enode_t a = {0}, b = {0};
  funded(&a);
  open_node(&b, "b", false, NULL, NULL);
  sync_from(&a, &b);
  assert_int_equal(tip_of(&b), tip_of(&a));
  /* A sends, and its send is confirmed on A's branch. */
  char *f = foreign();
  json_decref(ok(&a, "send address:%s amount:300000000", f));
  mine_mempool(&a);
  mine(&a, 3);
  int64_t a_tip = tip_of(&a);
  expect_balance(&a, NULL, "700000000", "0");
  /* B, which never saw the send, mines a longer branch. */
  int64_t fork = tip_of(&b);
  mine(&b, (int)(a_tip - fork) + 3);
  relay_blocks(&b, &a, (int)(a_tip - fork) + 3);
  mn_chain_tip_t ta = {.size = sizeof ta}, tb = {.size = sizeof tb};
  a.ch->tip(a.ch, &ta);
  b.ch->tip(b.ch, &tb);
  assert_memory_equal(ta.txpowid, tb.txpowid, 32);
  /* The send left the chain: the whole genesis coin is back. */
  expect_balance(&a, NULL, "1000000000", "0");
  json_t *c = ok(&a, "coins");
  assert_int_equal(json_array_size(c), 1);
  json_decref(c);
  /* The send went back to A's mempool, so its coin is not sendable now;
   * mined again on the new branch, it takes the balance down again. */
  char *e = err_of(&a, "send address:%s amount:1", f);
  expect_in(e, "No Coins of tokenid:0x00 available!");
  free(e);
  mine_mempool(&a);
  mine(&a, 3);
  expect_balance(&a, NULL, "700000000", "0");
  free(f);
  close_node(&b);
  close_node(&a);
}

static void scenario_backup(void) {
  enode_t a = {0}, b = {0};
  funded(&a);
  char *x = address_of(&a, "newaddress");
  json_decref(ok(&a, "send address:%s amount:12345", x));
  mine_mempool(&a);
  mine(&a, 3);
  json_t *bal = ok(&a, "balance");
  json_t *scripts = ok(&a, "scripts");
  char *file = mn__xasprintf("%s/a.bak", dir);
  char *line = mn__xasprintf("backup password:longer-secret file:%s", file);
  json_t *r = exec_line(&a, line);
  free(line);
  assert_true(json_is_true(json_object_get(r, "status")));
  json_decref(r);
  /* A fresh node (its own random wallet) on the same chain. */
  open_node(&b, "b", false, NULL, NULL);
  sync_from(&a, &b);
  char *e = err_of(&b, "restore file:%s password:wrong", file);
  assert_string_equal(e, "Incorrect Password!");
  free(e);
  json_t *before = ok(&b, "scripts");
  assert_false(json_equal(before, scripts));
  json_decref(before);
  json_decref(ok(&b, "restore file:%s password:longer-secret", file));
  settle();
  json_t *s2 = ok(&b, "scripts");
  assert_true(json_equal(s2, scripts));
  json_decref(s2);
  json_t *b2 = ok(&b, "balance");
  assert_true(json_equal(b2, bal));
  json_decref(b2);
  /* The restored wallet spends on its own chain. */
  char *f = foreign();
  json_decref(ok(&b, "send address:%s amount:45", f));
  mine_mempool(&b);
  mine(&b, 3);
  expect_balance(&b, NULL, "999999955", "0");
  free(f);
  free(file);
  free(x);
  json_decref(bal);
  json_decref(scripts);
  close_node(&b);
  close_node(&a);
}

static void run(void **state) {
  (void)state;
  struct {
    const char *name;
    void (*fn)(void);
  } all[] = {{"genesis", scenario_genesis},   {"send", scenario_send},
             {"token", scenario_token},       {"multisig", scenario_multisig},
             {"timelock", scenario_timelock}, {"covenant", scenario_covenant},
             {"reorg", scenario_reorg},       {"backup", scenario_backup}};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    if (!strcmp(all[i].name, scenario)) {
      all[i].fn();
      return;
    }
  fail_msg("unknown scenario %s", scenario);
}

static int setup(void **state) {
  (void)state;
  uv_loop_init(&loop);
  dir = mn_test_tmpdir("wallet-e2e");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  uv_run(&loop, UV_RUN_NOWAIT);
  int rc = uv_loop_close(&loop);
  mn_test_rmtree(dir);
  free(dir);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCENARIO\n", argv[0]);
    return 2;
  }
  scenario = argv[1];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(run),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
