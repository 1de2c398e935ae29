/* The consensus plugin in embedded nodes: the chain service, mining,
 * posting transactions, events, bad input (each rejected with its reason
 * and nothing stored), reorgs between two nodes, IBDs, restarts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cons.h"
#include "host/node.h"
#include "test_support.h"
#include "util/util.h"

static uv_loop_t loop;
static char *dir;

typedef struct node {
  mn__node_t *n;
  const mn_host_t *h;
  mn_plugin_t *k;
  const mn_chain_t *ch;
  cs_t *c;
  char *data;
  int connected, disconnected, tips, rejected, accepted, need;
  mn_chain_reason_t last_reason;
  mn_chain_stage_t last_stage;
  int reorgs;
  uint32_t reorg_disc, reorg_conn;
  int64_t created_coins, spent_coins;
} node_t;

/* ---- running the loop ---------------------------------------------------- */

typedef bool (*pred_fn)(void *arg);
typedef struct waiter {
  pred_fn pred;
  void *arg;
  int ticks;
} waiter_t;

static void tick(uv_timer_t *t) {
  waiter_t *w = t->data;
  if (w->pred(w->arg) || ++w->ticks > 20000)
    uv_stop(t->loop);
}

/* Runs the loop until pred holds (a hang guard gives up after many
 * ticks; the caller's assertion then fails). */
static void run_until(pred_fn pred, void *arg) {
  if (pred(arg))
    return;
  uv_timer_t t;
  waiter_t w = {pred, arg, 0};
  uv_timer_init(&loop, &t);
  t.data = &w;
  uv_timer_start(&t, tick, 2, 2);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
}

static bool never(void *arg) {
  return ++*(int *)arg > 50;
}

static void settle(void) {
  int n = 0;
  run_until(never, &n);
}

/* ---- events -------------------------------------------------------------- */

static void on_block(const mn_event_t *ev, void *data) {
  node_t *n = data;
  const mn_chain_block_event_t *b = ev->payload;
  assert_int_equal(b->size, sizeof *b);
  if (strcmp(ev->topic, MN_CHAIN_TOPIC_BLOCK_CONNECTED) == 0) {
    n->connected++;
    n->created_coins += b->n_created;
    n->spent_coins += b->n_spent;
    /* New coins carry their MMR entry and block. */
    for (uint32_t i = 0; i < b->n_created; i++) {
      int64_t cr;
      assert_int_equal(n->h->num->to_i64(&b->created[i].created, &cr), 0);
      assert_int_equal(cr, b->number);
      assert_int_equal(b->created[i].spent, 0);
    }
    for (uint32_t i = 0; i < b->n_spent; i++)
      assert_int_equal(b->spent[i].spent, 1);
  } else {
    n->disconnected++;
  }
}

static void on_tip(const mn_event_t *ev, void *data) {
  node_t *n = data;
  const mn_chain_tip_event_t *t = ev->payload;
  n->tips++;
  if (t->reorg) {
    n->reorgs++;
    n->reorg_disc = t->disconnected;
    n->reorg_conn = t->connected;
  }
}

static void on_txpow(const mn_event_t *ev, void *data) {
  node_t *n = data;
  const mn_chain_txpow_event_t *e = ev->payload;
  if (strcmp(ev->topic, MN_CHAIN_TOPIC_TXPOW_REJECTED) == 0) {
    n->rejected++;
    n->last_reason = e->reason;
    n->last_stage = e->stage;
  } else {
    n->accepted++;
  }
}

static void on_need(const mn_event_t *ev, void *data) {
  node_t *n = data;
  const mn_chain_need_event_t *e = ev->payload;
  assert_true(e->n_ids > 0);
  n->need++;
}

/* ---- nodes --------------------------------------------------------------- */

static void node_open(node_t *n, const char *name, bool genesis) {
  char *profile = mn__xasprintf("%s/%s.toml", dir, name);
  FILE *f = fopen(profile, "w");
  fprintf(f,
          "[node]\nplugin_dir = \"%s/lib/minima/plugins\"\nlog_level = "
          "\"warn\"\nthreads = 2\n"
          "[[plugin]]\nname = \"kissvm\"\n[[plugin]]\nname = \"consensus\"\n"
          "[consensus]\nnetwork = \"test\"\ngenesis = %s\nautomine = false\n"
          "mining_threads = 2\n",
          mn_test_build_dir(), genesis ? "true" : "false");
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
  assert_int_equal(n->ch->size, sizeof(mn_chain_t));
  n->c = cs_of(n->ch);
  n->h->subscribe(n->k, MN_CHAIN_TOPIC_BLOCK_CONNECTED, on_block, n);
  n->h->subscribe(n->k, MN_CHAIN_TOPIC_BLOCK_DISCONNECTED, on_block, n);
  n->h->subscribe(n->k, MN_CHAIN_TOPIC_TIP, on_tip, n);
  n->h->subscribe(n->k, MN_CHAIN_TOPIC_TXPOW_REJECTED, on_txpow, n);
  n->h->subscribe(n->k, MN_CHAIN_TOPIC_TXPOW_ACCEPTED, on_txpow, n);
  n->h->subscribe(n->k, MN_CHAIN_TOPIC_NEED, on_need, n);
}

static void node_close(node_t *n) {
  mn__node_destroy(n->n);
  uv_run(&loop, UV_RUN_NOWAIT);
  n->n = NULL;
}

static int64_t tip_of(node_t *n) {
  mn_chain_tip_t t = {.size = sizeof t};
  n->ch->tip(n->ch, &t);
  return t.number;
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

/* Runs a command; returns its response (caller decrefs the envelope). */
static json_t *exec(node_t *n, const char *line, json_t **env) {
  reply_t r = {0};
  assert_int_equal(mn__node_exec(n->n, line, got, &r), 0);
  run_until(have_reply, &r);
  assert_non_null(r.j);
  *env = r.j;
  return json_object_get(r.j, "response");
}

typedef struct tipwait {
  node_t *n;
  int64_t want;
} tipwait_t;

static bool tip_reached(void *arg) {
  tipwait_t *w = arg;
  return tip_of(w->n) >= w->want;
}

static void mine(node_t *n, int count) {
  for (int i = 0; i < count; i++) {
    int64_t want = tip_of(n) + 1;
    json_t *env;
    exec(n, "automine enable:single", &env);
    json_decref(env);
    tipwait_t w = {n, want};
    run_until(tip_reached, &w);
    assert_int_equal(tip_of(n), want);
  }
}

/* ---- verdicts ------------------------------------------------------------ */

typedef struct vwait {
  bool done;
  mn_chain_verdict_t v;
  char msg[256];
} vwait_t;

static void on_verdict(const mn_chain_verdict_t *v, void *data) {
  vwait_t *w = data;
  w->v = *v;
  snprintf(w->msg, sizeof w->msg, "%s", v->message ? v->message : "");
  w->v.message = w->msg;
  w->done = true;
}

static bool vdone(void *arg) {
  return ((vwait_t *)arg)->done;
}

static void submit(node_t *n, const uint8_t *b, size_t len, vwait_t *w) {
  memset(w, 0, sizeof *w);
  assert_int_equal(n->ch->submit(n->ch, b, len, 7, on_verdict, w, NULL), 0);
  run_until(vdone, w);
  assert_true(w->done);
}

static void submit_txpow(node_t *n, const mn_txpow_t *t, vwait_t *w) {
  mn_buf_t b = {0};
  assert_int_equal(mn_txpow_encode(n->h->obj, t, &b), 0);
  submit(n, b.data, b.len, w);
  mn_buf_free(&b);
}

typedef struct pwait {
  bool done;
  mn_chain_status_t status;
  mn_chain_reason_t reason;
  uint8_t id[32];
  bool is_block;
} pwait_t;

static void on_post(const mn_chain_post_result_t *r, void *data) {
  pwait_t *w = data;
  w->done = true;
  w->status = r->status;
  w->reason = r->reason;
  w->is_block = r->is_block;
  if (r->txpow)
    memcpy(w->id, r->txpow->txpowid, 32);
}

static bool pdone(void *arg) {
  return ((pwait_t *)arg)->done;
}

/* ---- making TxPoWs ------------------------------------------------------- */

static void mine_local(const mn_host_t *h, mn_txpow_t *t) {
  const mn_obj_api_t *obj = h->obj;
  assert_int_equal(obj->txpow_set_bodyhash(t, t), 0);
  mn_buf_t hdr = {0};
  assert_int_equal(obj->mine_prepare(t, &hdr), 0);
  const mn_data_t *td = &t->body->txndifficulty;
  for (uint64_t k = 0;; k++) {
    obj->mine_counter(hdr.data, hdr.len, k);
    uint8_t hh[32];
    h->crypto->sha3_256(hdr.data, hdr.len, hh);
    if (obj->data_cmp_value(hh, 32, td->data, td->len) < 0)
      break;
  }
  assert_int_equal(obj->mine_finish(t, hdr.data, hdr.len), 0);
  mn_buf_free(&hdr);
}

/* A block template from the node's generator, mined to be a block. */
static mn_txpow_t *block_template(node_t *n) {
  mn_txpow_t *t;
  assert_int_equal(cs_generate(n->c, NULL, &t), 0);
  const mn_data_t *bd = &t->header.blockdifficulty;
  assert_int_equal(
      n->h->obj->dup(t, bd->data, bd->len, &t->body->txndifficulty), 0);
  return t;
}

typedef struct found {
  const mn_obj_api_t *obj;
  mn_coin_t *coin;
  int count;
} found_t;

static int take_coin(const mn_coin_t *coin, void *data) {
  found_t *f = data;
  f->count++;
  if (!f->coin)
    assert_int_equal(mn_coin_copy(f->obj, coin, &f->coin), 0);
  return 0;
}

/* The first unspent coin at address (a copy), and how many there are. */
static mn_coin_t *coin_at(node_t *n, const uint8_t addr[32], int *count) {
  mn_chain_coin_query_t q;
  memset(&q, 0, sizeof q);
  q.size = sizeof q;
  q.flags = MN_CHAIN_Q_ADDRESS;
  q.address.data = addr;
  q.address.len = 32;
  q.depth = -1;
  found_t f = {n->h->obj, NULL, 0};
  assert_int_equal(n->ch->coins_search(n->ch, &q, take_coin, &f), 0);
  if (count)
    *count = f.count;
  return f.coin;
}

static uint8_t g_true[32], g_dest[32];

/* A draft spending coin (RETURN TRUE) into one output of its amount at
 * dest, locked by script (the witness script the coin is proven with). */
static mn_txpow_t *draft_spend(node_t *n, const mn_coin_t *coin,
                               const uint8_t dest[32], const char *script) {
  const mn_obj_api_t *obj = n->h->obj;
  mn_txpow_t *t;
  assert_int_equal(mn_txpow_new(obj, &t), 0);
  assert_int_equal(mn_add_txn_inputs(obj, t, &t->body->txn, coin), 0);
  mn_coin_t o = *coin;
  uint8_t zero = 0;
  o.coinid.data = &zero;
  o.coinid.len = 1;
  o.address.data = dest;
  o.address.len = 32;
  o.n_state = 0;
  o.state = NULL;
  o.token = NULL;
  o.mmrentry = 0;
  n->h->num->from_i64(&o.created, 0);
  assert_int_equal(mn_add_txn_outputs(obj, t, &t->body->txn, &o), 0);
  mn_coinproof_t *cp;
  assert_int_equal(n->ch->coin_proof(n->ch, coin, -1, &cp), 0);
  assert_int_equal(mn_add_witness_coinproofs(obj, t, &t->body->witness, cp), 0);
  obj->free(cp);
  mn_scriptproof_t sp;
  memset(&sp, 0, sizeof sp);
  assert_int_equal(obj->scriptproof_make(t, script, strlen(script), NULL, &sp),
                   0);
  mn_add_witness_scripts(obj, t, &t->body->witness, &sp);
  assert_int_equal(obj->txpow_compute(t), 0);
  return t;
}

static void post(node_t *n, const mn_txpow_t *draft, pwait_t *w) {
  memset(w, 0, sizeof *w);
  assert_int_equal(n->ch->txn_post(n->ch, draft, 0, on_post, w, NULL), 0);
  run_until(pdone, w);
  assert_true(w->done);
}

/* ---- tests --------------------------------------------------------------- */

static node_t A, B;

static void test_mine_and_commands(void **state) {
  (void)state;
  assert_int_equal(tip_of(&A), 1);
  mine(&A, 5);
  assert_int_equal(tip_of(&A), 6);
  assert_true(A.connected >= 5);
  json_t *env;
  json_t *r = exec(&A, "status", &env);
  assert_int_equal(
      json_integer_value(json_object_get(json_object_get(r, "chain"), "block")),
      6);
  assert_string_equal(json_string_value(json_object_get(r, "minima")),
                      "1000000000");
  assert_false(
      json_is_true(json_object_get(json_object_get(r, "network"), "syncing")));
  json_decref(env);
  r = exec(&A, "block", &env);
  assert_string_equal(json_string_value(json_object_get(r, "block")), "6");
  json_decref(env);
  r = exec(&A, "printtree depth:3", &env);
  assert_non_null(
      strstr(json_string_value(json_object_get(r, "chain")), "--> 6 ["));
  json_decref(env);
  r = exec(&A, "txpow block:1", &env);
  assert_true(json_is_true(json_object_get(r, "isblock")));
  json_decref(env);
  r = exec(&A, "mempool", &env);
  assert_int_equal(json_integer_value(json_object_get(r, "transactions")), 1);
  json_decref(env);
  r = exec(&A, "printmmr", &env);
  assert_string_equal(json_string_value(json_object_get(r, "entrynumber")),
                      "2");
  json_decref(env);
  r = exec(&A, "hashtest amount:20000", &env);
  assert_non_null(
      strstr(json_string_value(json_object_get(r, "speed")), "MH/s"));
  json_decref(env);
}

static void test_post_transaction(void **state) {
  (void)state;
  int count;
  mn_coin_t *coin = coin_at(&A, g_true, &count);
  assert_non_null(coin);
  assert_int_equal(count, 1);
  mn_txpow_t *d = draft_spend(&A, coin, g_dest, "RETURN TRUE");
  pwait_t w;
  int64_t spent0 = A.spent_coins;
  post(&A, d, &w);
  assert_int_equal(w.status, MN_CHAIN_ACCEPTED);
  /* At the easiest difficulty a posted TxPoW mined to the block target is
   * a block itself; otherwise it waits in the mempool. */
  assert_true(w.is_block ||
              A.ch->mempool_spends(A.ch, coin->coinid.data, coin->coinid.len));
  mine(&A, 1);
  /* Mined into a block: the coin is spent, the new one is found, and
   * it can be proven. */
  mn_chain_where_t where = {.size = sizeof where};
  A.ch->lookup(A.ch, w.id, &where);
  assert_true(where.onchain_block > 0);
  assert_true(A.spent_coins > spent0);
  mn_coin_t *nc = coin_at(&A, g_dest, &count);
  assert_non_null(nc);
  assert_int_equal(count, 1);
  /* The old coin id is no longer unspent. */
  mn_chain_coin_query_t q;
  memset(&q, 0, sizeof q);
  q.size = sizeof q;
  q.flags = MN_CHAIN_Q_COINID;
  q.coinid = coin->coinid;
  q.depth = -1;
  found_t f = {A.h->obj, NULL, 0};
  assert_int_equal(A.ch->coins_search(A.ch, &q, take_coin, &f), 0);
  assert_int_equal(f.count, 0);
  mn_coinproof_t *cp;
  assert_int_equal(A.ch->coin_proof(A.ch, nc, -1, &cp), 0);
  assert_true(A.ch->proof_valid(A.ch, cp));
  A.h->obj->free(cp);
  /* The old coin can no longer be proven unspent at the tip. */
  assert_int_equal(A.ch->coin_proof(A.ch, coin, tip_of(&A), &cp), MN_EINVALID);
  mn_chain_check_t ck = {.size = sizeof ck};
  assert_int_equal(A.ch->txn_check(A.ch, d, &ck), 0);
  assert_true(ck.basic && ck.signatures && ck.scripts);
  assert_false(ck.mmrproofs);
  A.h->obj->free(nc);
  A.h->obj->free(coin);
  A.h->obj->free(d);
}

static void test_double_spend(void **state) {
  (void)state;
  int count;
  mn_coin_t *coin = coin_at(&A, g_dest, &count);
  assert_non_null(coin);
  assert_int_equal(count, 1);
  /* Two TxPoWs spending the same coin (their PRNGs make them differ);
   * both pay RETURN TRUE's address again so later tests can spend on. */
  mn_txpow_t *t1 = draft_spend(&A, coin, g_dest, "RETURN TRUE");
  mn_txpow_t *t2 = draft_spend(&A, coin, g_dest, "RETURN TRUE");
  /* Make them plain transactions (not blocks), as a wallet's usually
   * are, by asking for less work than a block. */
  pwait_t w1, w2;
  mn_txpow_t *m1, *m2;
  assert_int_equal(cs_generate(A.c, t1, &m1), 0);
  assert_int_equal(cs_generate(A.c, t2, &m2), 0);
  uint8_t one = 1;
  A.h->obj->dup(m1, &one, 1, &m1->header.blockdifficulty);
  A.h->obj->dup(m2, &one, 1, &m2->header.blockdifficulty);
  mine_local(A.h, m1);
  mine_local(A.h, m2);
  vwait_t v1, v2;
  submit_txpow(&A, m1, &v1);
  assert_int_equal(v1.v.status, MN_CHAIN_ACCEPTED);
  assert_true(v1.v.relay);
  assert_true(A.ch->mempool_spends(A.ch, coin->coinid.data, coin->coinid.len));
  submit_txpow(&A, m2, &v2);
  /* Stored but not relayed: it spends a coin a pending TxPoW spends. */
  assert_int_equal(v2.v.status, MN_CHAIN_ACCEPTED);
  assert_false(v2.v.relay);
  assert_int_equal(v2.v.reason, MN_CHAIN_R_DOUBLE_SPEND);
  memcpy(w1.id, m1->txpowid, 32);
  memcpy(w2.id, m2->txpowid, 32);
  mine(&A, 2);
  mn_chain_where_t a = {.size = sizeof a}, b = {.size = sizeof b};
  A.ch->lookup(A.ch, w1.id, &a);
  A.ch->lookup(A.ch, w2.id, &b);
  /* Exactly one of them made it on chain. */
  assert_true((a.onchain_block >= 0) != (b.onchain_block >= 0));
  mn_coin_t *x = coin_at(&A, g_dest, &count);
  assert_int_equal(count, 1);
  assert_false(
      A.ch->mempool_spends(A.ch, coin->coinid.data, coin->coinid.len) && false);
  A.h->obj->free(x);
  A.h->obj->free(m1);
  A.h->obj->free(m2);
  A.h->obj->free(t1);
  A.h->obj->free(t2);
  A.h->obj->free(coin);
}

static size_t stored_txpows(node_t *n) {
  json_t *env;
  json_t *r = exec(n, "status", &env);
  size_t v = (size_t)json_integer_value(
      json_object_get(json_object_get(r, "txpow"), "txpowdb"));
  json_decref(env);
  return v;
}

static void test_bad_bytes(void **state) {
  (void)state;
  size_t before = stored_txpows(&A);
  vwait_t w;
  uint8_t junk[40];
  memset(junk, 0xEE, sizeof junk);
  submit(&A, junk, sizeof junk, &w);
  assert_int_equal(w.v.status, MN_CHAIN_REJECTED);
  assert_int_equal(w.v.reason, MN_CHAIN_R_FORMAT);
  assert_true(w.v.disconnect);
  /* Oversized. */
  size_t big = 17u * 1024 * 1024;
  uint8_t *huge = calloc(1, big);
  submit(&A, huge, big, &w);
  free(huge);
  assert_int_equal(w.v.reason, MN_CHAIN_R_TOO_BIG);
  assert_true(w.v.disconnect);
  /* A known TxPoW. */
  mn_buf_t b = {0};
  mn_chain_tip_t t = {.size = sizeof t};
  A.ch->tip(A.ch, &t);
  assert_int_equal(A.ch->txpow_bytes(A.ch, t.txpowid, &b), 0);
  submit(&A, b.data, b.len, &w);
  assert_int_equal(w.v.status, MN_CHAIN_KNOWN);
  assert_false(w.v.disconnect);
  mn_buf_free(&b);
  assert_int_equal(stored_txpows(&A), before);
}

static void test_wrong_difficulty_block(void **state) {
  (void)state;
  size_t before = stored_txpows(&A);
  int rej = A.rejected;
  int64_t tip = tip_of(&A);
  mn_txpow_t *t = block_template(&A);
  /* Half the right target: still a block, but not this height's. */
  mn_uint_t v, two;
  const mn_data_t *bd = &t->header.blockdifficulty;
  A.h->obj->uint_from_bytes(&v, bd->data, bd->len);
  A.h->obj->uint_from_u64(&two, 2);
  A.h->obj->uint_divmod(&v, NULL, &v, &two);
  uint8_t nb[64];
  size_t nl = A.h->obj->uint_to_bytes(&v, nb);
  A.h->obj->dup(t, nb, nl, &t->header.blockdifficulty);
  A.h->obj->dup(t, nb, nl, &t->body->txndifficulty);
  mine_local(A.h, t);
  assert_true(t->is_block);
  vwait_t w;
  submit_txpow(&A, t, &w);
  /* It passes the entry checks (relayable as a TxPoW)... */
  assert_int_equal(w.v.status, MN_CHAIN_ACCEPTED);
  settle();
  /* ...and is rejected as a block, and nothing of it stays stored. */
  assert_int_equal(A.rejected, rej + 1);
  assert_int_equal(A.last_reason, MN_CHAIN_R_DIFFICULTY);
  assert_int_equal(A.last_stage, MN_CHAIN_STAGE_BLOCK);
  assert_int_equal(tip_of(&A), tip);
  mn_txpow_t *back;
  assert_int_equal(A.ch->txpow_get(A.ch, t->txpowid, &back), MN_ENOENT);
  assert_int_equal(stored_txpows(&A), before);
  mn_chain_where_t wh = {.size = sizeof wh};
  A.ch->lookup(A.ch, t->txpowid, &wh);
  assert_true(wh.flags & MN_CHAIN_INVALID);
  /* Sent again it is known (as invalid), not processed again. */
  submit_txpow(&A, t, &w);
  assert_int_equal(w.v.status, MN_CHAIN_KNOWN);
  A.h->obj->free(t);
}

static void test_future_block(void **state) {
  (void)state;
  int64_t tip = tip_of(&A);
  mn_txpow_t *t = block_template(&A);
  /* Three hours ahead: within the median + 24 h rule, so valid, but not
   * announced (relay policy: more than 2 h in the future). */
  A.h->num->from_i64(&t->header.timemilli,
                     (int64_t)A.h->now_ms() + 3 * 3600 * 1000);
  mine_local(A.h, t);
  vwait_t w;
  submit_txpow(&A, t, &w);
  assert_int_equal(w.v.status, MN_CHAIN_ACCEPTED);
  assert_false(w.v.relay);
  assert_int_equal(w.v.reason, MN_CHAIN_R_FUTURE);
  assert_int_equal(tip_of(&A), tip + 1);
  A.h->obj->free(t);
  /* Two days ahead breaks the median-time rule: rejected as a block. */
  t = block_template(&A);
  A.h->num->from_i64(&t->header.timemilli,
                     (int64_t)A.h->now_ms() + 48ll * 3600 * 1000);
  mine_local(A.h, t);
  int rej = A.rejected;
  submit_txpow(&A, t, &w);
  settle();
  assert_int_equal(A.rejected, rej + 1);
  assert_int_equal(A.last_reason, MN_CHAIN_R_TIME);
  assert_int_equal(tip_of(&A), tip + 1);
  A.h->obj->free(t);
}

static void test_failing_script_and_bad_proof(void **state) {
  (void)state;
  int count;
  uint8_t d3[32];
  memset(d3, 0x33, 32);
  mn_coin_t *coin = coin_at(&A, g_dest, &count);
  assert_non_null(coin);
  size_t before = stored_txpows(&A);
  /* A witness script that fails (and never reads the block): the TxPoW
   * is dropped, not stored. */
  mn_txpow_t *d = draft_spend(&A, coin, d3, "RETURN FALSE");
  uint8_t fa[32];
  A.h->obj->script_address("RETURN FALSE", 12, fa);
  A.h->obj->dup(d, fa, 32, &d->body->txn.inputs[0].address);
  A.h->obj->dup(d, fa, 32, &d->body->witness.coinproofs[0].coin.address);
  pwait_t w;
  int rej = A.rejected;
  post(&A, d, &w);
  assert_int_equal(w.status, MN_CHAIN_REJECTED);
  assert_int_equal(w.reason, MN_CHAIN_R_SCRIPT);
  settle();
  assert_int_equal(A.rejected, rej + 1);
  assert_int_equal(stored_txpows(&A), before);
  A.h->obj->free(d);
  /* A broken MMR proof: stored, never announced, never in a block. */
  d = draft_spend(&A, coin, d3, "RETURN TRUE");
  A.h->num->from_i64(&d->body->witness.coinproofs[0].proof.blocktime, 99999);
  post(&A, d, &w);
  assert_int_equal(w.status, MN_CHAIN_ACCEPTED);
  assert_int_equal(w.reason, MN_CHAIN_R_MMR_PROOF);
  mine(&A, 1);
  mn_chain_where_t wh = {.size = sizeof wh};
  A.ch->lookup(A.ch, w.id, &wh);
  assert_int_equal(wh.onchain_block, -1);
  A.h->obj->free(d);
  A.h->obj->free(coin);
}

static void test_block_with_double_spend(void **state) {
  (void)state;
  /* Two loose transactions spending one coin, both listed in a block. */
  int count;
  mn_coin_t *coin = coin_at(&A, g_dest, &count);
  assert_non_null(coin);
  (void)count;
  int64_t tip = tip_of(&A);
  mn_txpow_t *blk = block_template(&A);
  for (int k = 0; k < 2; k++) {
    /* Both pay RETURN TRUE's address (they differ by their PRNG), so the
     * one that is mined later leaves a coin the next tests can spend. */
    mn_txpow_t *d = draft_spend(&A, coin, g_dest, "RETURN TRUE");
    mn_txpow_t *t;
    assert_int_equal(cs_generate(A.c, d, &t), 0);
    uint8_t one = 1;
    A.h->obj->dup(t, &one, 1, &t->header.blockdifficulty);
    mine_local(A.h, t);
    vwait_t w;
    submit_txpow(&A, t, &w);
    assert_int_equal(w.v.status, MN_CHAIN_ACCEPTED);
    mn_data_t id = {t->txpowid, 32};
    assert_int_equal(mn_add_body_txpowlist(A.h->obj, blk, blk->body, &id), 0);
    A.h->obj->free(t);
    A.h->obj->free(d);
  }
  mine_local(A.h, blk);
  int rej = A.rejected;
  vwait_t w;
  submit_txpow(&A, blk, &w);
  settle();
  assert_int_equal(A.rejected, rej + 1);
  assert_int_equal(A.last_reason, MN_CHAIN_R_DUPLICATE_INPUT);
  assert_int_equal(tip_of(&A), tip);
  A.h->obj->free(blk);
  A.h->obj->free(coin);
}

typedef struct ibdw {
  vwait_t w;
} ibdw_t;

static void sync_b_from_a(void) {
  mn_buf_t ids = {0}, ibd = {0};
  int64_t top;
  assert_int_equal(B.ch->tree_ids(B.ch, &top, &ids), 0);
  bool cross;
  assert_int_equal(A.ch->ibd_build(A.ch, top, (const uint8_t(*)[32])ids.data,
                                   ids.len / 32, &ibd, &cross),
                   0);
  assert_true(cross);
  vwait_t w;
  memset(&w, 0, sizeof w);
  assert_int_equal(
      B.ch->ibd_process(B.ch, ibd.data, ibd.len, 9, on_verdict, &w, NULL), 0);
  run_until(vdone, &w);
  assert_int_equal(w.v.status, MN_CHAIN_ACCEPTED);
  mn_buf_free(&ids);
  mn_buf_free(&ibd);
}

static void test_ibd_and_reorg(void **state) {
  (void)state;
  /* B starts empty and takes A's chain by IBD (with a cascade by now). */
  mine(&A, 40);
  node_open(&B, "b", false);
  assert_int_equal(tip_of(&B), -1);
  sync_b_from_a();
  assert_int_equal(tip_of(&B), tip_of(&A));
  mn_chain_tip_t ta = {.size = sizeof ta}, tb = {.size = sizeof tb};
  A.ch->tip(A.ch, &ta);
  B.ch->tip(B.ch, &tb);
  assert_memory_equal(ta.txpowid, tb.txpowid, 32);
  assert_memory_equal(ta.mmr_root, tb.mmr_root, 32);
  assert_true(ta.cascade_len > 0);
  assert_int_equal(ta.cascade_len, tb.cascade_len);
  assert_int_equal(ta.root, tb.root);
  /* Both mine on their own: A two blocks, B four. */
  mine(&A, 2);
  mine(&B, 4);
  int disc = A.disconnected;
  /* A hears B's blocks, oldest first: it reorganises onto B's branch. */
  mn_buf_t ids = {0};
  int64_t top;
  B.ch->pulse_ids(B.ch, &ids);
  for (int i = 3; i >= 0; i--) {
    mn_buf_t b = {0};
    assert_int_equal(B.ch->txpow_bytes(B.ch, ids.data + 32 * i, &b), 0);
    vwait_t w;
    submit(&A, b.data, b.len, &w);
    assert_int_equal(w.v.status, MN_CHAIN_ACCEPTED);
    assert_true(w.v.relay);
    mn_buf_free(&b);
  }
  (void)top;
  settle();
  A.ch->tip(A.ch, &ta);
  B.ch->tip(B.ch, &tb);
  assert_memory_equal(ta.txpowid, tb.txpowid, 32);
  /* Ties keep the first branch, so the switch came with B's third block:
   * two disconnected, three connected, then one more connected. */
  assert_int_equal(A.disconnected, disc + 2);
  assert_int_equal(A.reorgs, 1);
  assert_int_equal(A.reorg_disc, 2);
  assert_int_equal(A.reorg_conn, 3);
  mn_buf_free(&ids);
  /* A block whose parent A does not have is kept and asked for. */
  mine(&B, 2);
  ids = (mn_buf_t){0};
  B.ch->pulse_ids(B.ch, &ids);
  mn_buf_t b = {0};
  assert_int_equal(B.ch->txpow_bytes(B.ch, ids.data, &b), 0);
  int need = A.need;
  vwait_t w;
  submit(&A, b.data, b.len, &w);
  settle();
  assert_true(A.need > need);
  mn_buf_t miss = {0};
  assert_int_equal(A.ch->missing(A.ch, ids.data, &miss), 0);
  assert_int_equal(miss.len, 32);
  assert_memory_equal(miss.data, ids.data + 32, 32);
  /* The parent arrives: both connect. */
  mn_buf_t pb = {0};
  assert_int_equal(B.ch->txpow_bytes(B.ch, ids.data + 32, &pb), 0);
  submit(&A, pb.data, pb.len, &w);
  settle();
  assert_int_equal(tip_of(&A), tip_of(&B));
  mn_buf_free(&pb);
  mn_buf_free(&miss);
  mn_buf_free(&b);
  mn_buf_free(&ids);
  /* A second IBD from a peer that already has everything changes
   * nothing. */
  sync_b_from_a();
  assert_int_equal(tip_of(&A), tip_of(&B));
  mn_chain_sync_t sy = {.size = sizeof sy};
  B.ch->peer_tip(B.ch, 1, tip_of(&B) + 5);
  B.ch->sync_status(B.ch, &sy);
  assert_false(sy.synced);
  assert_int_equal(sy.best_known, tip_of(&B) + 5);
  node_close(&B);
}

static bool idle(void *arg) {
  node_t *n = arg;
  return !n->c->mining && !n->c->jobs && !n->c->posts;
}

static void test_cancel_post(void **state) {
  (void)state;
  /* Any body will do: posting fills the rest and mines it. */
  mn_txpow_t *d;
  assert_int_equal(mn_txpow_new(A.h->obj, &d), 0);
  pwait_t w;
  memset(&w, 0, sizeof w);
  uint64_t ticket = 0;
  assert_int_equal(A.ch->txn_post(A.ch, d, 0, on_post, &w, &ticket), 0);
  assert_true(ticket != 0);
  A.ch->cancel(A.ch, ticket);
  run_until(idle, &A);
  assert_true(idle(&A));
  assert_false(w.done);
  /* Posting needs a body. */
  mn_txpow_t *nobody;
  assert_int_equal(mn_txpow_copy(A.h->obj, d, &nobody), 0);
  nobody->body = NULL;
  assert_int_equal(A.ch->txn_post(A.ch, nobody, 0, on_post, &w, NULL),
                   MN_EINVAL);
  A.h->obj->free(nobody);
  A.h->obj->free(d);
}

/* The reference never checks a loose TxPoW's id against its own
 * transaction difficulty (consensus.md §7.1): an unmined one is taken. */
static void test_txn_pow_not_checked(void **state) {
  (void)state;
  mn_txpow_t *d;
  assert_int_equal(mn_txpow_new(A.h->obj, &d), 0);
  mn_txpow_t *t;
  assert_int_equal(cs_generate(A.c, d, &t), 0);
  uint8_t one = 1;
  A.h->obj->dup(t, &one, 1, &t->header.blockdifficulty);
  /* The hardest possible transaction difficulty: no id meets it. */
  A.h->obj->dup(t, &one, 1, &t->body->txndifficulty);
  assert_int_equal(A.h->obj->txpow_set_bodyhash(t, t), 0);
  assert_int_equal(A.h->obj->txpow_compute(t), 0);
  assert_false(t->txn_pow);
  vwait_t w;
  submit_txpow(&A, t, &w);
  assert_int_equal(w.v.status, MN_CHAIN_ACCEPTED);
  /* Generated magic: desired values are the defaults (QUIRK). */
  mn_magic_t def;
  A.h->obj->magic_default(&def);
  assert_int_equal(A.h->num->cmp(&t->header.magic.desired_max_txpow_size,
                                 &def.desired_max_txpow_size),
                   0);
  assert_int_equal(
      A.h->num->cmp(&t->header.magic.desired_max_txns, &def.desired_max_txns),
      0);
  A.h->obj->free(t);
  A.h->obj->free(d);
}

/* A failing script that reads @BLOCK may pass later: the TxPoW is kept
 * (not announced), unlike a monotonic one, which is dropped. */
static void test_non_monotonic_script_kept(void **state) {
  (void)state;
  int count;
  mn_coin_t *coin = coin_at(&A, g_dest, &count);
  assert_non_null(coin);
  const char *script = "RETURN @BLOCK GT 1000000";
  uint8_t sa[32];
  A.h->obj->script_address(script, strlen(script), sa);
  mn_txpow_t *d = draft_spend(&A, coin, g_dest, script);
  A.h->obj->dup(d, sa, 32, &d->body->txn.inputs[0].address);
  A.h->obj->dup(d, sa, 32, &d->body->witness.coinproofs[0].coin.address);
  A.h->obj->txpow_compute(d);
  mn_txpow_t *t;
  assert_int_equal(cs_generate(A.c, d, &t), 0);
  uint8_t one = 1;
  A.h->obj->dup(t, &one, 1, &t->header.blockdifficulty);
  mine_local(A.h, t);
  vwait_t w;
  submit_txpow(&A, t, &w);
  assert_int_equal(w.v.status, MN_CHAIN_ACCEPTED);
  assert_false(w.v.relay);
  assert_int_equal(w.v.reason, MN_CHAIN_R_SCRIPT);
  mn_txpow_t *back;
  assert_int_equal(A.ch->txpow_get(A.ch, t->txpowid, &back), 0);
  A.h->obj->free(back);
  A.h->obj->free(t);
  A.h->obj->free(d);
  A.h->obj->free(coin);
}

typedef struct few {
  const mn_obj_api_t *obj;
  mn_coin_t *c[4];
  int n;
} few_t;

static int take_few(const mn_coin_t *coin, void *data) {
  few_t *f = data;
  if (f->n < 4)
    assert_int_equal(mn_coin_copy(f->obj, coin, &f->c[f->n++]), 0);
  return 0;
}

/* A loose (non-block) transaction spending coin back to g_dest. */
static mn_txpow_t *loose(node_t *n, const mn_coin_t *coin) {
  mn_txpow_t *d = draft_spend(n, coin, g_dest, "RETURN TRUE");
  mn_txpow_t *t;
  assert_int_equal(cs_generate(n->c, d, &t), 0);
  uint8_t one = 1;
  n->h->obj->dup(t, &one, 1, &t->header.blockdifficulty);
  mine_local(n->h, t);
  n->h->obj->free(d);
  return t;
}

/* With the mempool over its limit, a template drops the lowest-burn
 * TxPoWs and later ones with no more burn are not announced. */
static void test_mempool_full(void **state) {
  (void)state;
  const mn_obj_api_t *obj = A.h->obj;
  int count;
  mn_coin_t *coin = coin_at(&A, g_dest, &count);
  assert_non_null(coin);
  /* Split the coin in three (a posted TxPoW is a block here). */
  mn_txpow_t *d = draft_spend(&A, coin, g_dest, "RETURN TRUE");
  A.h->num->parse(&d->body->txn.outputs[0].amount, "1", 1);
  mn_coin_t o = d->body->txn.outputs[0];
  assert_int_equal(mn_add_txn_outputs(obj, d, &d->body->txn, &o), 0);
  assert_int_equal(mn_add_txn_outputs(obj, d, &d->body->txn, &o), 0);
  obj->txpow_compute(d);
  pwait_t pw;
  post(&A, d, &pw);
  assert_int_equal(pw.status, MN_CHAIN_ACCEPTED);
  mine(&A, 1);
  obj->free(d);
  obj->free(coin);
  mn_chain_coin_query_t q;
  memset(&q, 0, sizeof q);
  q.size = sizeof q;
  q.flags = MN_CHAIN_Q_ADDRESS;
  q.address.data = g_dest;
  q.address.len = 32;
  q.depth = -1;
  few_t f = {obj, {NULL}, 0};
  assert_int_equal(A.ch->coins_search(A.ch, &q, take_few, &f), 0);
  assert_int_equal(f.n, 3);
  mn_txpow_t *t[3];
  for (int k = 0; k < 3; k++)
    t[k] = loose(&A, f.c[k]);
  vwait_t w;
  for (int k = 0; k < 2; k++) {
    submit_txpow(&A, t[k], &w);
    assert_int_equal(w.v.status, MN_CHAIN_ACCEPTED);
    assert_true(w.v.relay);
  }
  /* Keep one: the next template drops the other and marks the mempool
   * full at burn 0. */
  A.c->env.p.mempool_max = 1;
  mn_txpow_t *tmpl;
  assert_int_equal(cs_generate(A.c, NULL, &tmpl), 0);
  obj->free(tmpl);
  submit_txpow(&A, t[2], &w);
  assert_int_equal(w.v.status, MN_CHAIN_ACCEPTED);
  assert_false(w.v.relay);
  assert_int_equal(w.v.reason, MN_CHAIN_R_MEMPOOL_FULL);
  A.c->env.p.mempool_max = 5000;
  /* The counters of status show what was refused. */
  json_t *env;
  json_t *r = exec(&A, "status", &env);
  json_t *rej = json_object_get(json_object_get(r, "txpow"), "rejected");
  assert_true(json_integer_value(json_object_get(rej, "mempoolfull")) >= 1);
  json_decref(env);
  for (int k = 0; k < 3; k++) {
    obj->free(t[k]);
    obj->free(f.c[k]);
  }
  mine(&A, 1);
}

static void test_restart(void **state) {
  (void)state;
  mn_chain_tip_t before = {.size = sizeof before};
  A.ch->tip(A.ch, &before);
  node_close(&A);
  node_open(&A, "a", true);
  mn_chain_tip_t after = {.size = sizeof after};
  A.ch->tip(A.ch, &after);
  assert_int_equal(after.number, before.number);
  assert_memory_equal(after.txpowid, before.txpowid, 32);
  assert_memory_equal(after.mmr_root, before.mmr_root, 32);
  assert_int_equal(after.cascade_len, before.cascade_len);
  assert_int_equal(after.root, before.root);
  assert_int_equal(A.h->obj->weight_cmp(&after.weight, &before.weight), 0);
  mine(&A, 2);
  assert_int_equal(tip_of(&A), before.number + 2);
}

static int setup(void **state) {
  (void)state;
  dir = mn_test_tmpdir("cschain");
  uv_loop_init(&loop);
  node_open(&A, "a", true);
  A.h->obj->script_address("RETURN TRUE", 11, g_true);
  memcpy(g_dest, g_true, 32);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (A.n)
    node_close(&A);
  if (B.n)
    node_close(&B);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  free(A.data);
  free(B.data);
  mn_test_rmtree(dir);
  free(dir);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mine_and_commands),
      cmocka_unit_test(test_post_transaction),
      cmocka_unit_test(test_double_spend),
      cmocka_unit_test(test_bad_bytes),
      cmocka_unit_test(test_wrong_difficulty_block),
      cmocka_unit_test(test_future_block),
      cmocka_unit_test(test_failing_script_and_bad_proof),
      cmocka_unit_test(test_block_with_double_spend),
      cmocka_unit_test(test_txn_pow_not_checked),
      cmocka_unit_test(test_non_monotonic_script_kept),
      cmocka_unit_test(test_mempool_full),
      /* Mines 40 blocks: coins older than the tree root are then found
       * only when the wallet marked them relevant (none here). */
      cmocka_unit_test(test_ibd_and_reorg),
      cmocka_unit_test(test_cancel_post),
      cmocka_unit_test(test_restart),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
