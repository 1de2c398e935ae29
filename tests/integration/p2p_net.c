/*
 * p2p_net.c - Minima networks of several nodes, each with the kissvm,
 * consensus, wallet and p2p plugins, run two ways:
 *
 *   tcp   real minimad processes on loopback (transport-tcp), driven over
 *         RPC
 *   mem   embedded nodes in this process on one loop (transport-mem,
 *         tools/testnet/simhost), driven through the command registry
 *
 *   itest_p2p_net SCENARIO MODE
 *
 * Scenarios:
 *   converge   5 nodes in a line; node 1 mines; every node reaches the
 *              same tip
 *   txn        a transaction sent at node 1 reaches node 5, then a block
 *   latesync   node 5 starts after 40 blocks and syncs (IBD, cascade)
 *   partition  {1,2} and {3,4,5} mine apart; when the link comes back the
 *              lighter side reorganises onto the heavier
 *   badpeer    a peer that sends garbage, an oversized frame or invalid
 *              TxPoWs is disconnected and banned; the nodes keep their tip
 *
 * Blocks are mined on demand (`automine enable:single`) at the test
 * parameters, so the chain grows only when a scenario says so.  Links are
 * made with the `connect` command (discovery is off, so partitions stay
 * apart).  Every wait is bounded by a hang guard; nothing measures time.
 * P2P_NET_LOG=info (or debug) shows the embedded nodes' logs and the
 * balances and lookups the waits poll.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include <minima/svc/transport.h>

#include "http_client.h"
#include "node.h"
#include "simhost.h"
#include "test_support.h"
#include "util/util.h"

#define MAXN 6
#define GUARD_MS 120000

static const char *scenario;
static bool mem_mode;

typedef struct net {
  char *dir;
  itest_node_t procs[MAXN];
  bool up[MAXN];
  uv_loop_t loop;
  mn_sim_t *sim;
  mn_sim_node_t *sn[MAXN];
  mn_sim_node_t *rawnode; /* mem: the raw peer's transport */
  const mn_transport_t *rawtp;
} net_t;

static net_t N;

/* ---- nodes -----------------------------------------------------------------
 */

static char *profile_text(int i, bool genesis) {
  char listen[64] = "";
  if (mem_mode)
    snprintf(listen, sizeof listen, "listen = [\"mem://node%d\"]\n", i + 1);
  return mn__xasprintf(
      "[node]\nlog_level = \"info\"\nthreads = 2\n"
      "[store]\nmap_size_mb = 64\n"
      "[[plugin]]\nname = \"kissvm\"\n"
      "[[plugin]]\nname = \"consensus\"\n"
      "[consensus]\nnetwork = \"test\"\ngenesis = %s\nautomine = false\n"
      "mining_threads = 1\n"
      "[[plugin]]\nname = \"wallet\"\n[wallet]\nkeys = 4\n"
      "[[plugin]]\nname = \"transport-%s\"\n"
      "[[plugin]]\nname = \"p2p\"\n[p2p]\nnetwork = \"test\"\n"
      "discovery = false\nreconnect_ms = 300\n%s%s",
      genesis ? "true" : "false", mem_mode ? "mem" : "tcp", listen,
      mem_mode ? "" : "[[plugin]]\nname = \"rpc\"\n");
}

static void node_start(int i, bool genesis) {
  char *text = profile_text(i, genesis);
  char *path = mn__xasprintf("%s/node%d.toml", N.dir, i + 1);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  if (mem_mode) {
    char name[16];
    snprintf(name, sizeof name, "node%d", i + 1);
    if (!N.sn[i]) {
      N.sn[i] = mn_sim_node_new(N.sim, name, 0);
      mn_sim_node_profile(N.sn[i], path);
    }
    char *why = NULL;
    if (mn_sim_node_start(N.sn[i], &why))
      fail_msg("%s", why);
  } else {
    const char *args[] = {"--config", path, NULL};
    char tag[32];
    snprintf(tag, sizeof tag, "p2p-node%d", i + 1);
    if (!itest_node_start(&N.procs[i], tag, args)) {
      char *log = itest_node_log(&N.procs[i]);
      fail_msg("node%d did not start:\n%s", i + 1, log);
    }
  }
  N.up[i] = true;
  free(text);
  free(path);
}

static void pump(int ms) {
  if (mem_mode) {
    mn_sim_run_for(N.sim, (uint64_t)ms);
  } else {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
}

/* Runs a command line on node i; returns the envelope (caller frees). */
static json_t *cmd(int i, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  json_t *env;
  if (mem_mode)
    env = mn_sim_node_exec_wait(N.sn[i], line, GUARD_MS);
  else
    env = tc_post_json(N.procs[i].rpc_port, line, NULL);
  if (!env)
    fail_msg("node%d did not answer \"%s\"", i + 1, line);
  return env;
}

static json_t *resp(json_t *env) {
  return json_object_get(env, "response");
}

/* The address other nodes dial to reach node i. */
static char *p2p_addr(int i) {
  if (mem_mode)
    return mn__xasprintf("mem://node%d", i + 1);
  return mn__xasprintf("127.0.0.1:%d", N.procs[i].base_port);
}

static void link_nodes(int from, int to) {
  char *a = p2p_addr(to);
  json_t *env = cmd(from, "connect host:%s", a);
  assert_true(json_is_true(json_object_get(env, "status")));
  json_decref(env);
  free(a);
}

typedef struct tip {
  int64_t block;
  char hash[80];
} tip_t;

static tip_t tip_of(int i) {
  tip_t t = {-1, ""};
  json_t *env = cmd(i, "status");
  json_t *chain = json_object_get(resp(env), "chain");
  json_t *b = json_object_get(chain, "block");
  json_t *h = json_object_get(chain, "hash");
  if (json_is_integer(b))
    t.block = json_integer_value(b);
  else if (json_is_string(b))
    t.block = atoll(json_string_value(b));
  if (json_is_string(h))
    snprintf(t.hash, sizeof t.hash, "%s", json_string_value(h));
  json_decref(env);
  return t;
}

static size_t valid_peers(int i) {
  json_t *env = cmd(i, "network");
  json_t *arr = json_object_get(resp(env), "connections");
  size_t n = 0, k;
  json_t *c;
  json_array_foreach(arr, k, c) n += json_is_true(json_object_get(c, "valid"));
  json_decref(env);
  return n;
}

/* Polls pred every 100 ms; fails the test after the hang guard. */
static void wait_for(bool (*pred)(void *), void *arg, const char *what) {
  for (int t = 0; t < GUARD_MS / 100; t++) {
    if (pred(arg))
      return;
    pump(100);
  }
  fail_msg("gave up waiting for %s (a hang guard, not a measurement)", what);
}

typedef struct same_arg {
  int from, to; /* nodes [from, to) */
  int64_t at_least;
  tip_t want; /* filled with the common tip */
} same_arg_t;

static bool same_tip(void *d) {
  same_arg_t *s = d;
  tip_t first = tip_of(s->from);
  if (first.block < s->at_least)
    return false;
  for (int i = s->from + 1; i < s->to; i++) {
    tip_t t = tip_of(i);
    if (t.block != first.block || strcmp(t.hash, first.hash) != 0)
      return false;
  }
  s->want = first;
  return true;
}

static tip_t wait_same_tip(int from, int to, int64_t at_least) {
  same_arg_t s = {from, to, at_least, {-1, ""}};
  wait_for(same_tip, &s, "the same tip on every node");
  return s.want;
}

typedef struct peers_arg {
  int node;
  size_t want;
} peers_arg_t;

static bool have_peers(void *d) {
  peers_arg_t *p = d;
  return valid_peers(p->node) >= p->want;
}

static void wait_peers(int node, size_t want) {
  peers_arg_t p = {node, want};
  wait_for(have_peers, &p, "greeted connections");
}

/* Mines one block at node i and waits until its tip moved. */
static void mine(int i) {
  int64_t before = tip_of(i).block;
  json_t *env = cmd(i, "automine enable:single");
  json_decref(env);
  for (int t = 0; t < GUARD_MS / 50; t++) {
    if (tip_of(i).block > before)
      return;
    pump(50);
  }
  fail_msg("node%d did not mine a block", i + 1);
}

/* Starts n nodes (node 1 makes the genesis block), links them in a line
 * (i dials i-1) and waits until all are greeted. */
static void line_of(int n) {
  for (int i = 0; i < n; i++)
    node_start(i, i == 0);
  for (int i = 1; i < n; i++)
    link_nodes(i, i - 1);
  for (int i = 1; i < n; i++)
    wait_peers(i, 1);
}

/* ---- scenarios
 * ---------------------------------------------------------------- */

static void scenario_converge(void) {
  line_of(5);
  for (int k = 0; k < 12; k++)
    mine(0);
  tip_t t = wait_same_tip(0, 5, 12);
  assert_true(t.block >= 12);
  /* blocks from the middle of the line reach both ends too */
  mine(2);
  wait_same_tip(0, 5, t.block + 1);
}

static bool txpow_known(void *d) {
  const char **a = d;
  json_t *env = cmd(4, "txpow txpowid:%s", a[0]);
  bool ok = json_is_true(json_object_get(env, "status"));
  json_decref(env);
  return ok;
}

static bool txpow_onchain(void *d) {
  const char **a = d;
  json_t *env = cmd(4, "txpow onchain:%s", a[0]);
  bool ok = json_is_true(json_object_get(resp(env), "found"));
  if (getenv("P2P_NET_LOG")) {
    json_t *e1 = cmd(0, "txpow onchain:%s", a[0]);
    char *t = json_dumps(env, 0), *t1 = json_dumps(e1, 0);
    fprintf(stderr, "node5: %s\nnode1: %s\n", t, t1);
    free(t);
    free(t1);
    json_decref(e1);
  }
  json_decref(env);
  if (!ok)
    mine(0); /* one more block from node 1 until it is in one */
  return ok;
}

static bool can_send(void *d) {
  json_t *env = cmd(0, "balance");
  json_t *b = json_array_get(resp(env), 0);
  const char *s = json_string_value(json_object_get(b, "sendable"));
  bool ok = s && atof(s) >= 3;
  if (getenv("P2P_NET_LOG")) {
    char *t = json_dumps(env, 0);
    fprintf(stderr, "balance: %s\n", t);
    free(t);
  }
  json_decref(env);
  if (!ok)
    mine(0);
  return ok;
}

static void scenario_txn(void) {
  line_of(5);
  mine(0);
  wait_for(can_send, NULL, "a sendable coin at node 1");
  wait_same_tip(0, 5, 1);
  json_t *env = cmd(4, "getaddress");
  char *addr =
      mn__xstrdup(json_string_value(json_object_get(resp(env), "address")));
  json_decref(env);
  env = cmd(0, "send amount:3 address:%s", addr);
  if (!json_is_true(json_object_get(env, "status")))
    fail_msg("send failed: %s", json_dumps(env, 0));
  const char *id = json_string_value(json_object_get(resp(env), "txpowid"));
  assert_non_null(id);
  char *txid = mn__xstrdup(id);
  json_decref(env);
  const char *arg[1] = {txid};
  wait_for(txpow_known, arg, "the transaction at node 5");
  wait_for(txpow_onchain, arg, "the transaction in a block at node 5");
  wait_same_tip(0, 5, 2);
  /* node 5's wallet sees the coin */
  env = cmd(4, "balance");
  json_t *b = json_array_get(resp(env), 0);
  double have = atof(json_string_value(json_object_get(b, "confirmed"))) +
                atof(json_string_value(json_object_get(b, "unconfirmed")));
  assert_true(have >= 3);
  json_decref(env);
  free(txid);
  free(addr);
}

static void scenario_latesync(void) {
  line_of(4);
  for (int k = 0; k < 40; k++)
    mine(0);
  tip_t t = wait_same_tip(0, 4, 40);
  node_start(4, false);
  link_nodes(4, 3);
  wait_peers(4, 1);
  tip_t late = wait_same_tip(0, 5, t.block);
  assert_int_equal(late.block, t.block);
  /* and it follows new blocks from then on */
  mine(0);
  wait_same_tip(0, 5, t.block + 1);
}

/* The uid of node i's connection to node j's listening address. */
static char *uid_to(int i, int j) {
  char *a = p2p_addr(j);
  char *want = mem_mode ? mn__xstrdup(a) : mn__xasprintf("tcp://%s", a);
  json_t *env = cmd(i, "network");
  json_t *arr = json_object_get(resp(env), "connections");
  char *uid = NULL;
  size_t k;
  json_t *c;
  json_array_foreach(arr, k, c) {
    if (strcmp(json_string_value(json_object_get(c, "address")), want) == 0)
      uid = mn__xstrdup(json_string_value(json_object_get(c, "uid")));
  }
  json_decref(env);
  free(a);
  free(want);
  assert_non_null(uid);
  return uid;
}

static void scenario_partition(void) {
  line_of(5);
  for (int k = 0; k < 4; k++)
    mine(0);
  tip_t common = wait_same_tip(0, 5, 4);
  /* node 3 drops its link to node 2: {1,2} and {3,4,5} */
  char *uid = uid_to(2, 1);
  json_decref(cmd(2, "disconnect uid:%s", uid));
  free(uid);
  for (int t = 0; t < 50 && valid_peers(1) > 1; t++)
    pump(100);
  assert_int_equal(valid_peers(1), 1); /* node 2 keeps only node 1 */
  for (int k = 0; k < 2; k++)
    mine(0); /* the light side */
  for (int k = 0; k < 7; k++)
    mine(2); /* the heavy side */
  tip_t a = wait_same_tip(0, 2, common.block + 2);
  tip_t b = wait_same_tip(2, 5, common.block + 7);
  assert_int_equal(a.block, common.block + 2);
  assert_int_equal(b.block, common.block + 7);
  assert_string_not_equal(a.hash, b.hash);
  /* heal: everyone ends on the heavier branch */
  link_nodes(2, 1);
  tip_t healed = wait_same_tip(0, 5, b.block);
  assert_int_equal(healed.block, b.block);
  assert_string_equal(healed.hash, b.hash);
  /* the light side's tip left node 1's main chain */
  json_t *env = cmd(0, "txpow onchain:%s", a.hash);
  assert_false(json_is_true(json_object_get(resp(env), "found")));
  json_decref(env);
  env = cmd(0, "txpow onchain:%s", b.hash);
  assert_true(json_is_true(json_object_get(resp(env), "found")));
  json_decref(env);
}

/* ---- a raw peer
 * ------------------------------------------------------------------ */

typedef struct raw {
  int fd;          /* tcp */
  mn_tp_conn_t *c; /* mem */
  bool closed;
  unsigned frames;
} raw_t;

static void rm_open(mn_tp_conn_t *c) {}
static void rm_frame(mn_tp_conn_t *c, mn_frame_t *f) {
  ((raw_t *)c->data)->frames++;
}
static void rm_closed(mn_tp_conn_t *c, int reason) {
  raw_t *r = c->data;
  r->closed = true;
  r->c = NULL;
}
static const mn_tp_handler_t raw_handler = {sizeof(mn_tp_handler_t), rm_open,
                                            rm_frame, NULL, rm_closed};

static raw_t *raw_open(int node) {
  raw_t *r = calloc(1, sizeof *r);
  r->fd = -1;
  if (mem_mode) {
    char *a = p2p_addr(node);
    assert_int_equal(N.rawtp->dial(N.rawtp, a, NULL, &raw_handler, r, &r->c),
                     0);
    free(a);
    pump(20);
  } else {
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons(N.procs[node].base_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(r->fd, (struct sockaddr *)&sa, sizeof sa), 0);
  }
  return r;
}

/* Sends one frame: type, then payload (the transport adds the length). */
static void raw_send(raw_t *r, uint8_t type, const void *p, size_t len) {
  if (mem_mode) {
    if (!r->c)
      return;
    mn_frame_t *f = mn_frame_new(len + 1);
    f->data[0] = type;
    if (len)
      memcpy(f->data + 1, p, len);
    N.rawtp->send(r->c, f);
    mn_frame_unref(f);
    pump(10);
    return;
  }
  uint8_t hdr[5] = {(uint8_t)((len + 1) >> 24), (uint8_t)((len + 1) >> 16),
                    (uint8_t)((len + 1) >> 8), (uint8_t)(len + 1), type};
  if (send(r->fd, hdr, 5, MSG_NOSIGNAL) != 5 ||
      (len && send(r->fd, p, len, MSG_NOSIGNAL) != (ssize_t)len))
    r->closed = true;
}

/* A raw 4-byte length header alone (the oversized case). */
static void raw_send_header(raw_t *r, uint32_t len) {
  if (mem_mode) {
    /* no wire in memory: a real frame over the node's limit */
    mn_frame_t *f = mn_frame_new(len);
    memset(f->data, 0, len);
    f->data[0] = 4;
    if (r->c)
      N.rawtp->send(r->c, f);
    mn_frame_unref(f);
    pump(10);
    return;
  }
  uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                    (uint8_t)(len >> 8), (uint8_t)len};
  if (send(r->fd, hdr, 4, MSG_NOSIGNAL) != 4)
    r->closed = true;
}

static bool raw_is_closed(void *d) {
  raw_t *r = d;
  if (mem_mode)
    return r->closed;
  struct pollfd pfd = {r->fd, POLLIN, 0};
  while (poll(&pfd, 1, 0) == 1) {
    uint8_t buf[65536];
    ssize_t n = recv(r->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0)
      return true;
    r->frames++; /* bytes arrived (its greeting and so on) */
  }
  return false;
}

static void raw_free(raw_t *r) {
  if (r->fd >= 0)
    close(r->fd);
  if (r->c)
    N.rawtp->close(r->c, 0, 0);
  free(r);
}

/* A greeting of this version: extras, top -1, no ids. */
static void raw_greet_as(raw_t *r, const char *version, int claimed_port) {
  char json[128];
  if (mem_mode)
    snprintf(json, sizeof json, "{\"p2p\":[\"mem://bad%d\"]}", claimed_port);
  else
    snprintf(json, sizeof json, "{\"port\":\"%d\"}", claimed_port);
  mn_buf_t b = {0};
  mn_buf_put_data(&b, version, strlen(version));
  mn_buf_put_data(&b, json, strlen(json));
  const uint8_t minus_one[] = {0, 1, 0xff}, zero[] = {0, 1, 0};
  mn_buf_put(&b, minus_one, 3);
  mn_buf_put(&b, zero, 3);
  raw_send(r, 0, b.data, b.len);
  mn_buf_free(&b);
}

static void raw_greet(raw_t *r, int claimed_port) {
  raw_greet_as(r, "1.0.45-TEST", claimed_port);
}

static size_t banned(int node, const char *key) {
  json_t *env = cmd(node, "network");
  json_t *arr = json_object_get(
      json_object_get(json_object_get(resp(env), "details"), "p2p"), "banned");
  size_t n = 0, k;
  json_t *b;
  json_array_foreach(arr, k, b) {
    const char *a = json_string_value(json_object_get(b, "address"));
    if (!key || (a && strstr(a, key)))
      n++;
  }
  json_decref(env);
  return n;
}

static void scenario_badpeer(void) {
  line_of(3);
  for (int k = 0; k < 3; k++)
    mine(0);
  tip_t before = wait_same_tip(0, 3, 3);
  char key[64];
  /* garbage: a TXPOWID whose length runs past the message */
  raw_t *r = raw_open(1);
  raw_greet(r, 40001);
  const uint8_t garbage[] = {0, 0, 9, 0, 1, 2, 3};
  raw_send(r, 2, garbage, sizeof garbage);
  wait_for(raw_is_closed, r, "the garbage peer's disconnection");
  raw_free(r);
  snprintf(key, sizeof key, mem_mode ? "mem://bad40001" : ":40001");
  assert_int_equal(banned(1, key), 1);
  /* the banned address is refused when it comes back */
  r = raw_open(1);
  raw_greet(r, 40001);
  wait_for(raw_is_closed, r, "the banned peer's refusal");
  raw_free(r);
  /* an oversized frame: over the 64 MiB default before any bytes of it */
  size_t bans = banned(1, NULL);
  r = raw_open(1);
  raw_send_header(r, (64u << 20) + 1);
  wait_for(raw_is_closed, r, "the oversized peer's disconnection");
  raw_free(r);
  assert_int_equal(banned(1, NULL), bans + 1);
  /* invalid TxPoWs: disconnected each time, banned the second time */
  for (int k = 0; k < 2; k++) {
    r = raw_open(1);
    raw_greet(r, 40002);
    uint8_t junk[300];
    for (size_t i = 0; i < sizeof junk; i++)
      junk[i] = (uint8_t)(i * 37 + 11);
    raw_send(r, 4, junk, sizeof junk);
    wait_for(raw_is_closed, r, "the invalid TxPoW peer's disconnection");
    raw_free(r);
  }
  snprintf(key, sizeof key, mem_mode ? "mem://bad40002" : ":40002");
  assert_int_equal(banned(1, key), 1);
  /* an incompatible version: banned by the port it listens on, so its
   * next attempt (from another source port) is the same entry */
  for (int k = 0; k < 2; k++) {
    r = raw_open(1);
    raw_greet_as(r, "0.98.1", 40003);
    wait_for(raw_is_closed, r, "the old version's disconnection");
    raw_free(r);
  }
  snprintf(key, sizeof key, mem_mode ? "mem://bad40003" : ":40003");
  assert_int_equal(banned(1, key), 1);
  /* the honest nodes kept their chain and their links */
  tip_t after = wait_same_tip(0, 3, before.block);
  assert_string_equal(after.hash, before.hash);
  mine(0);
  wait_same_tip(0, 3, before.block + 1);
  assert_true(valid_peers(1) >= 2);
}

/* ---- main
 * -------------------------------------------------------------------------- */

static void run(void **state) {
  N.dir = mn_test_tmpdir("p2p-net");
  if (mem_mode) {
    uv_loop_init(&N.loop);
    N.sim = mn_sim_new(&N.loop, N.dir);
    const char *lv = getenv("P2P_NET_LOG"); /* debug, info... */
    mn_sim_set_log_level(N.sim, lv ? lv : "warn");
    N.rawnode = mn_sim_node_new(N.sim, "raw", 0);
    mn_sim_node_plugin(N.rawnode, "transport-mem");
    char *why = NULL;
    if (mn_sim_node_start(N.rawnode, &why))
      fail_msg("%s", why);
    N.rawtp = mn_sim_node_service(N.rawnode, "transport.mem", 1);
  }
  if (!strcmp(scenario, "converge"))
    scenario_converge();
  else if (!strcmp(scenario, "txn"))
    scenario_txn();
  else if (!strcmp(scenario, "latesync"))
    scenario_latesync();
  else if (!strcmp(scenario, "partition"))
    scenario_partition();
  else if (!strcmp(scenario, "badpeer"))
    scenario_badpeer();
  else
    fail_msg("unknown scenario %s", scenario);
  if (mem_mode) {
    mn_sim_free(N.sim);
    uv_run(&N.loop, UV_RUN_NOWAIT);
    uv_loop_close(&N.loop);
  } else {
    for (int i = 0; i < MAXN; i++)
      if (N.up[i])
        itest_node_free(&N.procs[i]);
  }
  mn_test_rmtree(N.dir);
  free(N.dir);
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[2], "tcp") && strcmp(argv[2], "mem"))) {
    fprintf(stderr, "usage: itest_p2p_net SCENARIO tcp|mem\n");
    return 2;
  }
  scenario = argv[1];
  mem_mode = strcmp(argv[2], "mem") == 0;
  char name[64];
  snprintf(name, sizeof name, "p2p_%s_%s", scenario, argv[2]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_prestate(run, NULL),
  };
  return _cmocka_run_group_tests(name, tests, 1, NULL, NULL);
}
