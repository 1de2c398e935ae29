/*
 * bench_p2p - figures of the p2p plugin on real chains:
 *
 *   mem N     N embedded nodes in this process on transport-mem (random
 *             graph, each node dials 3): time for one TxPoW (a block
 *             mined at node 1) to reach every node, median and worst over
 *             the nodes, for ten blocks; resident memory per node
 *   tcp N     the same with N minimad processes over transport-tcp on
 *             loopback (arrival seen by polling each node's RPC port)
 *   sync B    a node joining a chain of B blocks (main parameters: the
 *             IBD carries the cascade and the 2048-block tree): blocks per
 *             second of chain height, and TxBlocks per second
 *
 *   bench_p2p                     mem 100, tcp 20, sync 10000
 *   bench_p2p mem 50 sync 2000    only those
 *
 * Figures only; nothing is asserted.  The machine may be shared.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include <minima/svc/chain.h>

#include "bench_util.h"
#include "simhost.h"

extern char **environ;

#define ROUNDS 10

/* ---- small helpers ----------------------------------------------------- */

/* The peers node i dials: a random earlier node (keeps the graph
 * connected) and two more random ones. */
static int peers_of(int n, int i, int *out) {
  unsigned s = 12345u + (unsigned)i * 7919u;
  int k = 0;
  if (i > 0)
    out[k++] = (int)(rand_r(&s) % (unsigned)i);
  for (int tries = 0; k < 3 && tries < 100 && n > 1; tries++) {
    int j = (int)(rand_r(&s) % (unsigned)n);
    bool dup = j == i;
    for (int m = 0; m < k; m++)
      dup |= out[m] == j;
    if (!dup)
      out[k++] = j;
  }
  return k;
}

/* A profile; listen and connect are TOML values. */
static char *profile(const char *transport, bool genesis, bool automine,
                     const char *network, const char *listen,
                     const char *connect, bool rpc) {
  return mn__xasprintf(
      "[node]\nlog_level = \"warn\"\nthreads = 2\n"
      "[store]\nmap_size_mb = 256\n"
      "[[plugin]]\nname = \"kissvm\"\n"
      "[[plugin]]\nname = \"consensus\"\n"
      "[consensus]\nnetwork = \"%s\"\ngenesis = %s\nautomine = %s\n"
      "automine_ms = 1\nblock_speed = \"1000\"\nmining_threads = 1\n"
      "[[plugin]]\nname = \"transport-%s\"\n"
      "[[plugin]]\nname = \"p2p\"\n[p2p]\nnetwork = \"%s\"\n"
      "discovery = false\nreconnect_ms = 300\n%s%s%s",
      network, genesis ? "true" : "false", automine ? "true" : "false",
      transport, network, listen, connect,
      rpc ? "[[plugin]]\nname = \"rpc\"\n" : "");
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(1);
  }
  fputs(text, f);
  fclose(f);
}

static void report(const char *what, double *lat, size_t n) {
  qsort(lat, n, sizeof *lat, bench_cmp_double);
  printf("  %-34s median %8.2f ms   worst %8.2f ms\n", what,
         lat[n / 2] * 1e3, lat[n - 1] * 1e3);
}

/* ---- in-process nodes ------------------------------------------------------- */

typedef struct mnode {
  mn_sim_node_t *sn;
  const mn_chain_t *ch;
  double arrived; /* when the current TxPoW arrived, 0 before */
  struct mbench *b;
} mnode_t;

typedef struct mbench {
  uv_loop_t loop;
  mn_sim_t *sim;
  mnode_t *nodes;
  int n;
  uint8_t want[32];
  bool have_want;
  double t0;
  int arrived;
} mbench_t;

static void on_accepted(const mn_event_t *ev, void *data) {
  mnode_t *m = data;
  mbench_t *b = m->b;
  const mn_chain_txpow_event_t *e = ev->payload;
  if (m == &b->nodes[0]) {
    if (e->origin == 0 && e->is_block && !b->have_want) {
      memcpy(b->want, e->txpowid, 32);
      b->have_want = true;
      b->t0 = bench_now();
    }
    return;
  }
  if (b->have_want && !m->arrived && memcmp(e->txpowid, b->want, 32) == 0) {
    m->arrived = bench_now();
    b->arrived++;
  }
}

static bool all_arrived(void *d) {
  mbench_t *b = d;
  return b->have_want && b->arrived == b->n - 1;
}

static bool all_have_chain(void *d) {
  mbench_t *b = d;
  for (int i = 0; i < b->n; i++) {
    mn_chain_tip_t t = {.size = sizeof t};
    if (!b->nodes[i].ch || b->nodes[i].ch->tip(b->nodes[i].ch, &t) ||
        t.number < 1)
      return false;
  }
  return true;
}

static mn_sim_node_t *mem_node(mbench_t *b, const char *dir, int i,
                               const char *text) {
  char name[16];
  snprintf(name, sizeof name, "n%d", i + 1);
  char *path = mn__xasprintf("%s/%s.toml", dir, name);
  write_file(path, text);
  mn_sim_node_t *sn = mn_sim_node_new(b->sim, name, 0);
  mn_sim_node_profile(sn, path);
  char *why = NULL;
  if (mn_sim_node_start(sn, &why)) {
    fprintf(stderr, "%s\n", why);
    exit(1);
  }
  free(path);
  return sn;
}

static void bench_mem(int n) {
  printf("TxPoW propagation, %d nodes in one process (transport-mem)\n", n);
  mbench_t b;
  memset(&b, 0, sizeof b);
  uv_loop_init(&b.loop);
  b.sim = mn_sim_new(&b.loop, NULL);
  mn_sim_set_log_level(b.sim, "error");
  b.n = n;
  b.nodes = calloc((size_t)n, sizeof *b.nodes);
  long rss0 = bench_status_kb(0, "VmRSS:");
  double t_start = bench_now();
  for (int i = 0; i < n; i++) {
    int peers[4];
    int k = peers_of(n, i, peers);
    char *conn = mn__xstrdup("connect = [");
    for (int m = 0; m < k; m++) {
      char *next = mn__xasprintf("%s%s\"mem://n%d\"", conn, m ? ", " : "",
                                 peers[m] + 1);
      free(conn);
      conn = next;
    }
    char *full = mn__xasprintf("%s]\n", conn);
    char *listen = mn__xasprintf("listen = [\"mem://n%d\"]\n", i + 1);
    char *text = profile("mem", i == 0, false, "test", listen, full, false);
    b.nodes[i].b = &b;
    b.nodes[i].sn = mem_node(&b, mn_sim_dir(b.sim), i, text);
    b.nodes[i].ch = mn_sim_node_service(b.nodes[i].sn, MN_CHAIN_SERVICE, 1);
    mn_plugin_t *self;
    const mn_host_t *h = mn_sim_node_host(b.nodes[i].sn, &self);
    h->subscribe(self, MN_CHAIN_TOPIC_TXPOW_ACCEPTED, on_accepted,
                 &b.nodes[i]);
    free(conn);
    free(full);
    free(listen);
    free(text);
  }
  if (!mn_sim_run_until(b.sim, all_have_chain, &b, 300000)) {
    printf("  the nodes did not all get the chain\n");
    goto out;
  }
  printf("  %-34s %8.2f s\n", "start and sync the genesis", bench_now() -
                                                                t_start);
  long rss1 = bench_status_kb(0, "VmRSS:");
  double med[ROUNDS], worst[ROUNDS];
  double *lat = calloc((size_t)n, sizeof *lat);
  for (int r = 0; r < ROUNDS; r++) {
    b.have_want = false;
    b.arrived = 0;
    for (int i = 0; i < n; i++)
      b.nodes[i].arrived = 0;
    json_decref(
        mn_sim_node_exec_wait(b.nodes[0].sn, "automine enable:single", 60000));
    if (!mn_sim_run_until(b.sim, all_arrived, &b, 120000)) {
      printf("  round %d: only %d of %d nodes got the block\n", r, b.arrived,
             n - 1);
      continue;
    }
    for (int i = 1; i < n; i++)
      lat[i - 1] = b.nodes[i].arrived - b.t0;
    qsort(lat, (size_t)n - 1, sizeof *lat, bench_cmp_double);
    med[r] = lat[(n - 1) / 2];
    worst[r] = lat[n - 2];
  }
  report("one block to every node (medians)", med, ROUNDS);
  report("one block to every node (worst)", worst, ROUNDS);
  printf("  %-34s %8.1f MiB per node (process RSS %ld MiB)\n",
         "resident memory", (double)(rss1 - rss0) / 1024.0 / n,
         rss1 / 1024);
  free(lat);
out:
  mn_sim_free(b.sim);
  uv_run(&b.loop, UV_RUN_NOWAIT);
  uv_loop_close(&b.loop);
  free(b.nodes);
}

/* ---- processes ------------------------------------------------------------------ */

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, (struct sockaddr *)&sa, sizeof sa);
  socklen_t len = sizeof sa;
  getsockname(fd, (struct sockaddr *)&sa, &len);
  close(fd);
  return ntohs(sa.sin_port);
}

/* POSTs a command line to 127.0.0.1:port; the reply's JSON or NULL. */
static json_t *rpc(int port, const char *line) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  /* closed with a reset: polling leaves no TIME_WAIT sockets behind to
   * exhaust the ephemeral ports */
  struct linger lg = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
    close(fd);
    return NULL;
  }
  /* the server answers only a loopback Host (its DNS-rebinding guard) */
  char *req = mn__xasprintf("POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                            "Content-Length: %zu\r\nConnection: close\r\n"
                            "\r\n%s",
                            port, strlen(line), line);
  ssize_t w = write(fd, req, strlen(req));
  (void)w;
  free(req);
  size_t len = 0, cap = 65536;
  char *buf = malloc(cap);
  ssize_t got;
  struct pollfd pfd = {fd, POLLIN, 0};
  while (poll(&pfd, 1, 10000) == 1 &&
         (got = read(fd, buf + len, cap - len - 1)) > 0) {
    len += (size_t)got;
    if (cap - len < 4096)
      buf = realloc(buf, cap *= 2);
  }
  buf[len] = '\0';
  close(fd);
  char *body = strstr(buf, "\r\n\r\n");
  json_t *j = body ? json_loads(body + 4, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
  free(buf);
  return j;
}

static const char *status_hash(json_t *env, int64_t *block) {
  json_t *chain = json_object_get(json_object_get(env, "response"), "chain");
  json_t *b = json_object_get(chain, "block");
  *block = json_is_integer(b) ? json_integer_value(b) : -1;
  return json_string_value(json_object_get(chain, "hash"));
}

static void bench_tcp(int n, const char *bin) {
  printf("TxPoW propagation, %d minimad processes (transport-tcp)\n", n);
  char tmpl[] = "/tmp/bench-p2p-XXXXXX";
  if (!mkdtemp(tmpl))
    return;
  int *p2p = calloc((size_t)n, sizeof *p2p), *rpcp = calloc((size_t)n,
                                                             sizeof *rpcp);
  pid_t *pids = calloc((size_t)n, sizeof *pids);
  for (int i = 0; i < n; i++) {
    p2p[i] = free_port();
    rpcp[i] = free_port();
  }
  char *minimad = mn__xasprintf("%s/minimad", bin);
  for (int i = 0; i < n; i++) {
    int peers[4];
    int k = peers_of(n, i, peers);
    char *conn = mn__xstrdup("connect = [");
    for (int m = 0; m < k; m++) {
      char *next = mn__xasprintf("%s%s\"127.0.0.1:%d\"", conn, m ? ", " : "",
                                 p2p[peers[m]]);
      free(conn);
      conn = next;
    }
    char *full = mn__xasprintf("%s]\n", conn);
    char *listen = mn__xasprintf("listen = [\"tcp://127.0.0.1:%d\"]\n",
                                 p2p[i]);
    char *text = profile("tcp", i == 0, false, "test", listen, full, true);
    char *path = mn__xasprintf("%s/n%d.toml", tmpl, i + 1);
    char *data = mn__xasprintf("%s/n%d", tmpl, i + 1);
    char *rpcset = mn__xasprintf("rpc.port=%d", rpcp[i]);
    write_file(path, text);
    const char *argv[] = {minimad, "--config", path, "--data-dir", data,
                          "--set", rpcset, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    posix_spawn(&pids[i], minimad, &fa, NULL, (char **)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(conn);
    free(full);
    free(listen);
    free(text);
    free(path);
    free(data);
    free(rpcset);
  }
  /* everyone answers and holds the genesis block */
  double t0 = bench_now();
  for (int i = 0; i < n; i++) {
    int64_t blk = -1;
    while (blk < 1 && bench_now() - t0 < 120) {
      json_t *st = rpc(rpcp[i], "status");
      if (st)
        status_hash(st, &blk);
      json_decref(st);
      if (blk < 1)
        usleep(50000);
    }
    if (blk < 1)
      printf("  node %d has no chain after %.0f s (RPC port %d)\n", i + 1,
             bench_now() - t0, rpcp[i]);
  }
  double *med = calloc(ROUNDS, sizeof *med), *worst = calloc(ROUNDS,
                                                             sizeof *worst);
  double *lat = calloc((size_t)n, sizeof *lat);
  int rounds = 0;
  for (int r = 0; r < ROUNDS; r++) {
    int64_t before = -1, now = -1;
    json_t *st = rpc(rpcp[0], "status");
    status_hash(st, &before);
    json_decref(st);
    json_decref(rpc(rpcp[0], "automine enable:single"));
    char id[80] = "";
    double start = 0;
    while (now <= before && bench_now() - t0 < 600) {
      st = rpc(rpcp[0], "status");
      const char *h = status_hash(st, &now);
      if (now > before && h) {
        snprintf(id, sizeof id, "%s", h);
        start = bench_now();
      }
      json_decref(st);
      if (!*id)
        usleep(500);
    }
    if (!*id)
      break;
    bool *seen = calloc((size_t)n, sizeof *seen);
    int left = n - 1;
    double give_up = bench_now() + 30;
    while (left > 0 && bench_now() < give_up) {
      for (int i = 1; i < n; i++) {
        if (seen[i])
          continue;
        char line[128];
        snprintf(line, sizeof line, "txpow txpowid:%s", id);
        json_t *e = rpc(rpcp[i], line);
        if (json_is_true(json_object_get(e, "status"))) {
          seen[i] = true;
          lat[i - 1] = bench_now() - start;
          left--;
        }
        json_decref(e);
      }
      usleep(500);
    }
    if (left) {
      printf("  round %d: %d of %d nodes did not get the block:", r, left,
             n - 1);
      for (int i = 1; i < n; i++)
        if (!seen[i])
          printf(" %d", i + 1);
      printf("\n");
    }
    free(seen);
    if (left)
      continue;
    qsort(lat, (size_t)n - 1, sizeof *lat, bench_cmp_double);
    med[rounds] = lat[(n - 1) / 2];
    worst[rounds] = lat[n - 2];
    rounds++;
  }
  if (rounds) {
    report("one block to every node (medians)", med, (size_t)rounds);
    report("one block to every node (worst)", worst, (size_t)rounds);
  } else {
    printf("  no round completed: node 1 mined nothing, or the block did "
           "not reach every node in 60 s\n");
  }
  long total = 0;
  for (int i = 0; i < n; i++)
    total += bench_status_kb(pids[i], "VmRSS:");
  printf("  %-34s %8.1f MiB per process\n", "resident memory",
         (double)total / 1024.0 / n);
  for (int i = 0; i < n; i++)
    kill(pids[i], SIGTERM);
  for (int i = 0; i < n; i++)
    waitpid(pids[i], NULL, 0);
  char *rm = mn__xasprintf("rm -rf '%s'", tmpl);
  if (system(rm) != 0)
    fprintf(stderr, "could not remove %s\n", tmpl);
  free(rm);
  free(minimad);
  free(med);
  free(worst);
  free(lat);
  free(p2p);
  free(rpcp);
  free(pids);
}

/* ---- sync ---------------------------------------------------------------------- */

typedef struct sync_ctx {
  const mn_chain_t *a, *b;
  int64_t blocks;
} sync_ctx_t;

static bool chain_long(void *d) {
  sync_ctx_t *s = d;
  mn_chain_tip_t t = {.size = sizeof t};
  return s->a->tip(s->a, &t) == 0 && t.number >= s->blocks;
}

static bool same_tip(void *d) {
  sync_ctx_t *s = d;
  mn_chain_tip_t ta = {.size = sizeof ta}, tb = {.size = sizeof tb};
  if (s->a->tip(s->a, &ta) || s->b->tip(s->b, &tb))
    return false;
  return tb.number == ta.number && !memcmp(ta.txpowid, tb.txpowid, 32);
}

static void bench_sync(int64_t blocks) {
  printf("Sync of a new node to a %lld-block chain (main parameters)\n",
         (long long)blocks);
  mbench_t b;
  memset(&b, 0, sizeof b);
  uv_loop_init(&b.loop);
  b.sim = mn_sim_new(&b.loop, NULL);
  mn_sim_set_log_level(b.sim, "error");
  char *text = profile("mem", true, true, "main",
                       "listen = [\"mem://n1\"]\n", "", false);
  mn_sim_node_t *a = mem_node(&b, mn_sim_dir(b.sim), 0, text);
  free(text);
  sync_ctx_t s = {mn_sim_node_service(a, MN_CHAIN_SERVICE, 1), NULL, blocks};
  double t0 = bench_now();
  if (!mn_sim_run_until(b.sim, chain_long, &s, 3600000)) {
    printf("  the chain did not grow\n");
    goto out;
  }
  json_decref(mn_sim_node_exec_wait(a, "automine enable:false", 60000));
  mn_sim_run_for(b.sim, 500); /* let a mine in flight land */
  mn_chain_tip_t ta = {.size = sizeof ta};
  s.a->tip(s.a, &ta);
  printf("  %-34s %8.1f s (%lld blocks)\n", "mining the chain",
         bench_now() - t0, (long long)ta.number);
  text = profile("mem", false, false, "main", "listen = [\"mem://n2\"]\n",
                 "connect = [\"mem://n1\"]\n", false);
  double t1 = bench_now();
  mn_sim_node_t *nb = mem_node(&b, mn_sim_dir(b.sim), 1, text);
  free(text);
  s.b = mn_sim_node_service(nb, MN_CHAIN_SERVICE, 1);
  if (!mn_sim_run_until(b.sim, same_tip, &s, 3600000)) {
    printf("  the new node did not catch up\n");
    goto out;
  }
  double dt = bench_now() - t1;
  mn_chain_tip_t tb = {.size = sizeof tb};
  s.b->tip(s.b, &tb);
  printf("  %-34s %8.2f s\n", "start, greet, IBD, tip reached", dt);
  printf("  %-34s %8.0f blocks/s of chain height\n", "sync rate",
         (double)tb.number / dt);
  printf("  %-34s %8.0f TxBlocks/s (%u in the tree, %u cascade nodes)\n",
         "blocks transferred", (double)tb.tree_len / dt, tb.tree_len,
         tb.cascade_len);
out:
  mn_sim_free(b.sim);
  uv_run(&b.loop, UV_RUN_NOWAIT);
  uv_loop_close(&b.loop);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash)
    *slash = '\0';
  if (argc < 2) {
    bench_mem(100);
    bench_tcp(20, exe);
    bench_sync(10000);
    return 0;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    long v = atol(argv[i + 1]);
    if (!strcmp(argv[i], "mem"))
      bench_mem((int)v);
    else if (!strcmp(argv[i], "tcp"))
      bench_tcp((int)v, exe);
    else if (!strcmp(argv[i], "sync"))
      bench_sync(v);
    else {
      fprintf(stderr, "usage: bench_p2p [mem N] [tcp N] [sync BLOCKS]\n");
      return 2;
    }
  }
  return 0;
}
