/*
 * test_p2p.c - the p2p plugin on simulated nodes over transport-mem,
 * without a chain: the handshake, the network commands, version checks,
 * bans for garbage and oversized frames, limits, reconnects, events, and
 * the "p2p" service's handler registry.  A test-controlled "raw peer"
 * (node x, which loads only transport-mem) speaks the wire protocol by
 * hand.  The chain scenarios (flood-fill, sync, reorgs) are integration
 * tests: tests/integration/p2p_net.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include <minima/svc/p2p.h>
#include <minima/svc/transport.h>

#include "p2p.h"
#include "simhost.h"
#include "test_support.h"

#define GUARD_MS 20000

typedef struct fix {
  uv_loop_t loop;
  mn_sim_t *sim;
  mn_sim_node_t *a, *b, *x;
  const mn_transport_t *xt; /* the raw peer's transport */
  unsigned connected_events, closed_events;
  mn_p2p_peer_event_t last_closed;
} fix_t;

static fix_t *F;

/* ---- a raw peer ---------------------------------------------------------- */

typedef struct raw {
  mn_tp_conn_t *c;
  int opened, closed, reason;
  unsigned frames;
  uint8_t types[64];
  mn_frame_t *last;
} raw_t;

static void r_open(mn_tp_conn_t *c) {
  ((raw_t *)c->data)->opened++;
}
static void r_frame(mn_tp_conn_t *c, mn_frame_t *f) {
  raw_t *r = c->data;
  if (r->frames < 64 && f->len)
    r->types[r->frames] = f->data[0];
  r->frames++;
  mn_frame_unref(r->last);
  r->last = mn_frame_ref(f);
}
static void r_closed(mn_tp_conn_t *c, int reason) {
  raw_t *r = c->data;
  r->closed++;
  r->reason = reason;
  r->c = NULL;
}
static const mn_tp_handler_t raw_handler = {sizeof(mn_tp_handler_t), r_open,
                                            r_frame, NULL, r_closed};

static raw_t *raw_dial(const char *addr) {
  raw_t *r = calloc(1, sizeof *r);
  assert_int_equal(F->xt->dial(F->xt, addr, NULL, &raw_handler, r, &r->c), 0);
  return r;
}

static void raw_free(raw_t *r) {
  if (r->c)
    F->xt->close(r->c, 0, 0);
  mn_frame_unref(r->last);
  free(r);
}

static void raw_send(raw_t *r, mn_frame_t *f) {
  assert_non_null(r->c);
  assert_int_equal(F->xt->send(r->c, f), 0);
  mn_frame_unref(f);
}

/* A greeting frame with this version and extras (JSON text). */
static mn_frame_t *greeting(const char *version, const char *extra) {
  json_t *j = json_loads(extra, 0, NULL);
  mn_plugin_t *self;
  const mn_host_t *h = mn_sim_node_host(F->x, &self);
  mn_buf_t b = {0};
  p2p_greeting_encode(h->num, version, j, -1, NULL, 0, &b);
  json_decref(j);
  return p2p_frame(MN_P2P_MSG_GREETING, &b);
}

/* ---- waiting ----------------------------------------------------------- */

static bool int_reached(void *d) {
  int **pp = d;
  return *pp[0] >= *pp[1];
}

static void wait_int(int *counter, int want) {
  int *pp[2] = {counter, &want};
  if (!mn_sim_run_until(F->sim, int_reached, pp, GUARD_MS))
    fail_msg("waited for %d, got %d", want, *counter);
}

static void wait_frames(raw_t *r, unsigned want) {
  wait_int((int *)&r->frames, (int)want);
}

static json_t *exec(mn_sim_node_t *n, const char *line) {
  json_t *env = mn_sim_node_exec_wait(n, line, GUARD_MS);
  assert_non_null(env);
  return env;
}

/* The `network` connections of a node. */
static size_t valid_connections(mn_sim_node_t *n) {
  json_t *env = exec(n, "network");
  json_t *arr =
      json_object_get(json_object_get(env, "response"), "connections");
  size_t valid = 0, i;
  json_t *c;
  json_array_foreach(arr, i, c) valid +=
      json_is_true(json_object_get(c, "valid"));
  json_decref(env);
  return valid;
}

typedef struct conn_wait {
  mn_sim_node_t *n;
  size_t want;
} conn_wait_t;

static bool have_connections(void *d) {
  conn_wait_t *w = d;
  return valid_connections(w->n) == w->want;
}

static void wait_connections_at(int line, mn_sim_node_t *n, size_t want) {
  conn_wait_t w = {n, want};
  if (!mn_sim_run_until(F->sim, have_connections, &w, GUARD_MS))
    fail_msg("line %d: %s: waited for %zu valid connections, have %zu", line,
             mn_sim_node_name(n), want, valid_connections(n));
}
#define wait_connections(n, want) wait_connections_at(__LINE__, n, want)

static size_t banned_count(mn_sim_node_t *n, const char *key) {
  json_t *env = exec(n, "network");
  json_t *arr = json_object_get(
      json_object_get(
          json_object_get(json_object_get(env, "response"), "details"), "p2p"),
      "banned");
  size_t hits = 0, i;
  json_t *b;
  json_array_foreach(arr, i, b) {
    const char *a = json_string_value(json_object_get(b, "address"));
    if (!key || (a && strcmp(a, key) == 0))
      hits++;
  }
  json_decref(env);
  return hits;
}

/* ---- fixture --------------------------------------------------------------
 */

static void on_conn_event(const mn_event_t *ev, void *data) {
  F->connected_events++;
}

static void on_closed_event(const mn_event_t *ev, void *data) {
  F->closed_events++;
  if (ev->size == sizeof F->last_closed)
    memcpy(&F->last_closed, ev->payload, sizeof F->last_closed);
}

static mn_sim_node_t *p2p_node(const char *name, const char *connect) {
  mn_sim_node_t *n = mn_sim_node_new(F->sim, name, 0);
  mn_sim_node_plugin(n, "transport-mem");
  mn_sim_node_plugin(n, "p2p");
  char listen[64];
  snprintf(listen, sizeof listen, "[\"mem://%s\"]", name);
  mn_sim_node_set(n, "p2p.listen", listen);
  if (connect)
    mn_sim_node_set(n, "p2p.connect", connect);
  mn_sim_node_set(n, "p2p.reconnect_ms", "200");
  mn_sim_node_set(n, "p2p.max_frame_mb", "1");
  mn_sim_node_set(n, "p2p.max_inbound", "4");
  return n;
}

static void start(mn_sim_node_t *n) {
  char *why = NULL;
  if (mn_sim_node_start(n, &why))
    fail_msg("%s", why);
}

static int setup(void **state) {
  F = calloc(1, sizeof *F);
  uv_loop_init(&F->loop);
  F->sim = mn_sim_new(&F->loop, NULL);
  if (getenv("MN_TEST_LOG_LEVEL")) /* e.g. debug, when a test fails */
    mn_sim_set_log_level(F->sim, getenv("MN_TEST_LOG_LEVEL"));
  F->a = p2p_node("a", NULL);
  F->b = p2p_node("b", "[\"mem://a\"]");
  F->x = mn_sim_node_new(F->sim, "x", 0);
  mn_sim_node_plugin(F->x, "transport-mem");
  start(F->a);
  start(F->x);
  F->xt = mn_sim_node_service(F->x, "transport.mem", 1);
  assert_non_null(F->xt);
  mn_plugin_t *self;
  const mn_host_t *h = mn_sim_node_host(F->a, &self);
  h->subscribe(self, MN_P2P_TOPIC_CONNECTED, on_conn_event, NULL);
  h->subscribe(self, MN_P2P_TOPIC_CLOSED, on_closed_event, NULL);
  *state = F;
  return 0;
}

static int teardown(void **state) {
  mn_sim_free(F->sim);
  assert_int_equal(uv_loop_close(&F->loop), 0);
  free(F);
  F = NULL;
  return 0;
}

/* ---- tests -----------------------------------------------------------------
 */

static void test_handshake_and_commands(void **state) {
  start(F->b);
  wait_connections(F->a, 1);
  wait_connections(F->b, 1);
  json_t *env = exec(F->a, "network");
  json_t *resp = json_object_get(env, "response");
  json_t *c = json_array_get(json_object_get(resp, "connections"), 0);
  assert_true(json_is_true(json_object_get(c, "incoming")));
  assert_true(json_is_true(json_object_get(c, "isconnected")));
  assert_string_equal(json_string_value(json_object_get(c, "version")),
                      "1.0.45");
  assert_string_equal(json_string_value(json_object_get(c, "welcome")),
                      "minima-c");
  assert_int_equal(strlen(json_string_value(json_object_get(c, "uid"))), 8);
  json_t *d = json_object_get(resp, "details");
  assert_int_equal(json_integer_value(json_object_get(d, "connected")), 1);
  json_t *listen = json_object_get(json_object_get(d, "p2p"), "listen");
  assert_string_equal(json_string_value(json_array_get(listen, 0)), "mem://a");
  json_decref(env);
  /* b knows a (it dialled it); a learned b's address from its greeting */
  env = exec(F->b, "peers");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(env, "response"), "peerslist")),
                      "mem://a");
  json_decref(env);
  env = exec(F->a, "peers");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(env, "response"), "peerslist")),
                      "mem://b");
  json_decref(env);
  assert_true(F->connected_events >= 1);
  /* ping: a one-shot connection answered by SINGLE_PONG */
  env = exec(F->a, "ping host:mem://b");
  resp = json_object_get(env, "response");
  assert_true(json_is_true(json_object_get(resp, "valid")));
  assert_string_equal(json_string_value(json_object_get(resp, "version")),
                      "1.0.45");
  json_t *extra = json_object_get(resp, "extradata");
  assert_string_equal(json_string_value(json_object_get(extra, "welcome")),
                      "hi there!");
  assert_string_equal(json_string_value(json_object_get(extra, "topblock")),
                      "0");
  json_decref(env);
  env = exec(F->a, "ping host:mem://nobody");
  assert_false(
      json_is_true(json_object_get(json_object_get(env, "response"), "valid")));
  json_decref(env);
  env = exec(F->a, "ping host:nonsense");
  assert_false(json_is_true(json_object_get(env, "status")));
  json_decref(env);
}

static void test_disconnect_and_reconnect(void **state) {
  start(F->b);
  wait_connections(F->a, 1);
  /* a configured peer comes back after its node returns */
  mn_sim_node_stop(F->a);
  wait_connections(F->b, 0);
  start(F->a);
  wait_connections(F->b, 1);
  /* disconnect by uid from a: b reconnects (its target is configured) */
  json_t *env = exec(F->a, "network");
  const char *uid = json_string_value(json_object_get(
      json_array_get(
          json_object_get(json_object_get(env, "response"), "connections"), 0),
      "uid"));
  char line[64];
  snprintf(line, sizeof line, "disconnect uid:%s", uid);
  json_t *d = exec(F->a, line);
  assert_true(json_is_true(json_object_get(d, "status")));
  assert_non_null(strstr(json_string_value(json_object_get(d, "message")),
                         "Attempting to disconnect from"));
  json_decref(d);
  json_decref(env);
  wait_int((int *)&F->closed_events, 1);
  wait_connections(F->a, 1);
  /* connect and disconnect with the commands: no reconnect */
  mn_sim_node_t *c = p2p_node("c", NULL);
  start(c);
  env = exec(F->a, "connect host:mem://c");
  assert_string_equal(json_string_value(json_object_get(env, "message")),
                      "Attempting to connect to mem://c");
  json_decref(env);
  wait_connections(c, 1);
  /* a drops its connection to c: a command's target is not redialled */
  env = exec(F->a, "network");
  json_t *conns =
      json_object_get(json_object_get(env, "response"), "connections");
  size_t i;
  json_t *cn;
  json_array_foreach(conns, i, cn) {
    if (strcmp(json_string_value(json_object_get(cn, "address")), "mem://c") ==
        0) {
      snprintf(line, sizeof line, "disconnect uid:%s",
               json_string_value(json_object_get(cn, "uid")));
      json_decref(exec(F->a, line));
    }
  }
  json_decref(env);
  wait_connections(c, 0);
  mn_sim_run_for(F->sim, 500); /* longer than reconnect_ms */
  assert_int_equal(valid_connections(c), 0);
  /* disconnect all: the configured b comes back, nothing else */
  json_decref(exec(F->a, "disconnect uid:all"));
  wait_connections(F->a, 1);
  env = exec(F->a, "connect host:1.2.3");
  assert_false(json_is_true(json_object_get(env, "status")));
  json_decref(env);
}

/* Two nodes configured to dial each other keep one connection, and the
 * one whose dialled connection was dropped does not keep redialling. */
static void count_event(const mn_event_t *ev, void *data) {
  (*(unsigned *)data)++;
}

static void test_mutual_dial_keeps_one(void **state) {
  mn_sim_node_t *c = p2p_node("c", "[\"mem://d\"]");
  mn_sim_node_t *d = p2p_node("d", "[\"mem://c\"]");
  start(c);
  start(d);
  wait_connections(c, 1);
  wait_connections(d, 1);
  mn_sim_run_for(F->sim, 1500); /* c's first dial, before d listened, failed:
                                  its retry makes the second connection */
  static unsigned closed; /* the subscription outlives this frame */
  closed = 0;
  mn_plugin_t *self;
  const mn_host_t *h = mn_sim_node_host(c, &self);
  h->subscribe(self, MN_P2P_TOPIC_CLOSED, count_event, &closed);
  mn_sim_run_for(F->sim, 2000); /* ten reconnect periods */
  assert_int_equal(closed, 0);
  assert_int_equal(valid_connections(c), 1);
  assert_int_equal(valid_connections(d), 1);
}

static void test_version_mismatch_bans(void **state) {
  raw_t *r = raw_dial("mem://a");
  wait_int(&r->opened, 1);
  raw_send(r, greeting("0.98.1", "{\"p2p\":[\"mem://x\"]}"));
  wait_int(&r->closed, 1);
  /* it greeted back first, so we learn why */
  assert_true(r->frames >= 1);
  assert_int_equal(r->types[0], MN_P2P_MSG_GREETING);
  assert_int_equal(banned_count(F->a, NULL), 1);
  assert_int_equal(F->last_closed.reason, MN_EVERSION);
  assert_true(F->last_closed.banned);
  raw_free(r);
  /* a TEST node is refused by a main node too */
  r = raw_dial("mem://a");
  raw_send(r, greeting("1.0.45-TEST", "{}"));
  wait_int(&r->closed, 1);
  raw_free(r);
}

static void test_garbage_bans(void **state) {
  raw_t *r = raw_dial("mem://a");
  raw_send(r, greeting("1.0.45", "{\"p2p\":[\"mem://x\"]}"));
  wait_frames(r, 1); /* a's greeting */
  assert_int_equal(r->types[0], MN_P2P_MSG_GREETING);
  /* a TXPOWID whose length prefix runs past the frame */
  const uint8_t bad[] = {MN_P2P_MSG_TXPOWID, 0, 0, 3, 0xe8, 1, 2};
  raw_send(r, mn_frame_copy(bad, sizeof bad));
  wait_int(&r->closed, 1);
  assert_int_equal(banned_count(F->a, "mem://x"), 1);
  raw_free(r);
  /* the same peer, back with the same address: refused after greeting */
  mn_tp_listener_t *lx;
  const mn_tp_handler_t *h = &raw_handler;
  assert_int_equal(F->xt->listen(F->xt, "mem://x", NULL, h, NULL, &lx), 0);
  r = raw_dial("mem://a");
  raw_send(r, greeting("1.0.45", "{\"p2p\":[\"mem://x\"]}"));
  wait_int(&r->closed, 1);
  assert_int_equal(r->frames, 0);
  raw_free(r);
  F->xt->listener_close(lx);
  /* an empty frame is garbage too */
  r = raw_dial("mem://a");
  raw_send(r, greeting("1.0.45", "{\"p2p\":[\"mem://y\"]}"));
  wait_frames(r, 1);
  raw_send(r, mn_frame_new(0));
  wait_int(&r->closed, 1);
  assert_int_equal(banned_count(F->a, "mem://y"), 1);
  raw_free(r);
  /* the good peer is unaffected */
  start(F->b);
  wait_connections(F->a, 1);
}

static void test_oversized_frame_bans(void **state) {
  raw_t *r = raw_dial("mem://a");
  raw_send(r, greeting("1.0.45", "{\"p2p\":[\"mem://z\"]}"));
  wait_frames(r, 1);
  mn_frame_t *f = mn_frame_new((1u << 20) + 1); /* over max_frame_mb = 1 */
  memset(f->data, 0, f->len);
  f->data[0] = MN_P2P_MSG_TXPOW;
  raw_send(r, f);
  wait_int(&r->closed, 1);
  assert_int_equal(banned_count(F->a, "mem://z"), 1);
  raw_free(r);
}

static bool got_pong(void *d) {
  raw_t *r = d;
  for (unsigned i = 0; i < r->frames && i < 64; i++)
    if (r->types[i] == MN_P2P_MSG_SINGLE_PONG)
      return true;
  return false;
}

static void test_messages_before_greeting_and_unknown(void **state) {
  raw_t *r = raw_dial("mem://a");
  wait_int(&r->opened, 1);
  /* a TxPoW id before the greeting is ignored, not punished */
  const uint8_t early[] = {MN_P2P_MSG_TXPOWID, 0, 0, 0, 1, 7};
  raw_send(r, mn_frame_copy(early, sizeof early));
  raw_send(r, greeting("1.0.45", "{}"));
  wait_frames(r, 1);
  /* unknown types and a second greeting are ignored */
  const uint8_t unknown[] = {200, 1, 2, 3};
  raw_send(r, mn_frame_copy(unknown, sizeof unknown));
  raw_send(r, greeting("1.0.45", "{}"));
  /* GENMESSAGE and PING are read and accepted */
  mn_buf_t b = {0};
  mn_buf_put_data(&b, "hello", 5);
  raw_send(r, p2p_frame(MN_P2P_MSG_GENMESSAGE, &b));
  uint8_t zero = 0;
  b = (mn_buf_t){0};
  mn_buf_put_data(&b, &zero, 1);
  raw_send(r, p2p_frame(MN_P2P_MSG_PING, &b));
  /* a SINGLE_PING gets its pong on the same connection */
  b = (mn_buf_t){0};
  mn_buf_put_data(&b, &zero, 1);
  raw_send(r, p2p_frame(MN_P2P_MSG_SINGLE_PING, &b));
  assert_true(mn_sim_run_until(F->sim, got_pong, r, GUARD_MS));
  assert_int_equal(r->closed, 0);
  assert_int_equal(banned_count(F->a, NULL), 0);
  raw_free(r);
}

static void test_inbound_limit(void **state) {
  raw_t *r[5];
  for (int i = 0; i < 5; i++) {
    r[i] = raw_dial("mem://a");
    wait_int(&r[i]->opened, 1);
  }
  /* max_inbound = 4: the fifth is closed at once */
  wait_int(&r[4]->closed, 1);
  for (int i = 0; i < 4; i++)
    assert_int_equal(r[i]->closed, 0);
  for (int i = 0; i < 5; i++)
    raw_free(r[i]);
}

/* ---- the service ------------------------------------------------------------
 */

typedef struct got {
  unsigned calls;
  uint64_t peer;
  uint8_t type;
  size_t len;
  uint8_t first;
} got_t;

static void on_claimed(const mn_p2p_t *p, uint64_t peer, uint8_t type,
                       const uint8_t *payload, size_t len, void *data) {
  got_t *g = data;
  g->calls++;
  g->peer = peer;
  g->type = type;
  g->len = len;
  g->first = len ? payload[0] : 0;
  /* answer on the same connection, as Maxima answers with a status */
  const uint8_t status[] = {0, 0, 0, 1, 1};
  assert_int_equal(p->send(p, peer, MN_P2P_MSG_PING, status, sizeof status), 0);
}

static void test_service_handlers(void **state) {
  const mn_p2p_t *p = mn_sim_node_service(F->a, MN_P2P_SERVICE, 1);
  assert_non_null(p);
  got_t g = {0};
  assert_int_equal(p->handle(p, MN_P2P_MSG_TXPOW, on_claimed, &g), MN_EBUSY);
  assert_int_equal(p->handle(p, MN_P2P_MSG_MAXIMA_TXPOW, on_claimed, &g), 0);
  assert_int_equal(p->handle(p, MN_P2P_MSG_MAXIMA_TXPOW, on_claimed, &g),
                   MN_EEXIST);
  /* a one-shot connection: no greeting, one claimed frame, one answer */
  raw_t *r = raw_dial("mem://a");
  const uint8_t maxima[] = {MN_P2P_MSG_MAXIMA_TXPOW, 0xaa, 0xbb};
  raw_send(r, mn_frame_copy(maxima, sizeof maxima));
  wait_frames(r, 1);
  assert_int_equal(g.calls, 1);
  assert_int_equal(g.type, MN_P2P_MSG_MAXIMA_TXPOW);
  assert_int_equal(g.len, 2);
  assert_int_equal(g.first, 0xaa);
  assert_int_equal(r->types[0], MN_P2P_MSG_PING);
  assert_int_equal(r->last->len, 6);
  /* peers() sees it; send to an unknown id fails */
  mn_p2p_peer_info_t info[4] = {{.size = sizeof info[0]}};
  assert_int_equal(p->peers(p, info, 1), 1);
  assert_int_equal(info[0].id, g.peer);
  assert_false(info[0].valid);
  assert_int_equal(p->send(p, 999999, 8, "", 0), MN_ENOENT);
  /* released: ignored again */
  p->unhandle(p, MN_P2P_MSG_MAXIMA_TXPOW);
  raw_send(r, mn_frame_copy(maxima, sizeof maxima));
  mn_sim_run_for(F->sim, 20);
  assert_int_equal(g.calls, 1);
  /* disconnect with a ban through the service */
  assert_int_equal(p->disconnect(p, g.peer, true), 0);
  wait_int(&r->closed, 1);
  assert_int_equal(banned_count(F->a, NULL), 1);
  raw_free(r);
  /* broadcast reaches greeted peers only, and a claimed type arrives */
  start(F->b);
  wait_connections(F->a, 1);
  const mn_p2p_t *pb = mn_sim_node_service(F->b, MN_P2P_SERVICE, 1);
  got_t gb = {0};
  assert_int_equal(pb->handle(pb, 22, on_claimed, &gb), 0);
  const uint8_t payload[] = {5};
  assert_int_equal(p->broadcast(p, 22, payload, 1, 0), 1);
  wait_int((int *)&gb.calls, 1);
  assert_int_equal(gb.first, 5);
}

static void test_closed_event(void **state) {
  start(F->b);
  wait_connections(F->a, 1);
  unsigned before = F->closed_events;
  mn_sim_node_stop(F->b);
  wait_int((int *)&F->closed_events, (int)before + 1);
  assert_true(F->last_closed.valid);
  assert_false(F->last_closed.banned);
  assert_int_equal(F->last_closed.reason, MN_ECLOSED);
  assert_int_equal(F->last_closed.size, sizeof F->last_closed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_handshake_and_commands, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_disconnect_and_reconnect, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_mutual_dial_keeps_one, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_version_mismatch_bans, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_garbage_bans, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oversized_frame_bans, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_messages_before_greeting_and_unknown,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_inbound_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_service_handlers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_closed_event, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
