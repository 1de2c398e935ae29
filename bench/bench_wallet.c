/*
 * bench_wallet.c - figures for the wallet plugin, on an embedded node with
 * the in-memory chain (plugins/wallet/chainsim.h):
 *
 *   send        `send` commands per second: coin choice, transaction,
 *               proofs, signing on the work queue, posting (the chain
 *               simulation checks each one: signatures, proofs, scripts)
 *   verify      tree-key signature verifications per second, the call a
 *               chain makes for every signature of every block
 *               (host->crypto->treekey_verify), on wallet-made signatures
 *   proofs      MMR proof upkeep with 10,000 tracked coins: the time per
 *               block when every proof is remade (proof_refresh = 1), and
 *               with the default policy (remade when 256 blocks old)
 *
 * Usage: bench_wallet [sends] [coins]   (defaults 300 and 10000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WTEST_FAIL(...)                                                        \
  do {                                                                         \
    fprintf(stderr, __VA_ARGS__);                                              \
    fputc('\n', stderr);                                                       \
    exit(1);                                                                   \
  } while (0)

#include "wal.h"
#include "wtest.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char plugins[4200];
static char *tmp;

static void find_plugins(void) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    WTEST_FAIL("cannot find the running program");
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  *slash = '\0';
  snprintf(plugins, sizeof plugins, "%s/../lib/minima/plugins", exe);
}

static void start(wtest_t *t, uv_loop_t *loop, const char *name,
                  const char *extra) {
  char *dir;
  if (asprintf(&dir, "%s/%s", tmp, name) < 0)
    exit(1);
  char *cmd;
  if (asprintf(&cmd, "mkdir -p %s", dir) < 0 || system(cmd) != 0)
    WTEST_FAIL("cannot make %s", dir);
  free(cmd);
  if (wtest_start_in(t, loop, dir, name, extra, plugins))
    WTEST_FAIL("cannot start a node: %s", t->why ? t->why : "?");
  free(dir);
}

/* Pays n coins of `amount` to the wallet's default addresses, in blocks of
 * at most 1000, then buries them 3 deep. */
static void fund(wtest_t *t, size_t n, const char *amount) {
  json_decref(wtest_ok(t, "getaddress"));
  uint8_t(*addrs)[32] = calloc(1000, 32);
  const char **amts = calloc(1000, sizeof *amts);
  for (size_t done = 0; done < n;) {
    size_t k = n - done < 1000 ? n - done : 1000;
    for (size_t i = 0; i < k; i++) {
      mn_wallet_addr_t a = {.size = sizeof a};
      if (t->wallet->get_address(t->wallet, &a, NULL))
        WTEST_FAIL("no address");
      memcpy(addrs[i], a.address, 32);
      amts[i] = amount;
    }
    if (wal_sim_mint(t->sim, (const uint8_t(*)[32])addrs, amts, k))
      WTEST_FAIL("mint failed");
    wtest_settle(t);
    done += k;
  }
  wtest_mine(t, 3);
  free(addrs);
  free(amts);
}

/* ---- send ------------------------------------------------------------ */

static void bench_send(uv_loop_t *loop, int sends) {
  wtest_t t;
  start(&t, loop, "send", "keys = 8");
  fund(&t, (size_t)sends + 10, "10");
  uint8_t other[32];
  t.host->obj->script_address("RETURN FALSE", 12, other);
  char *to = wal_hex(other, 32);
  /* One send first, so the signing keys are made and cached. */
  json_decref(wtest_ok(&t, "send address:%s amount:1", to));
  double t0 = now_s();
  for (int i = 0; i < sends; i++)
    json_decref(wtest_ok(&t, "send address:%s amount:1", to));
  double dt = now_s() - t0;
  printf("send: %d sends in %.3f s: %.1f sends/s (%.2f ms each: build, "
         "prove, sign, check, post)\n",
         sends, dt, sends / dt, 1000 * dt / sends);
  /* The cost of a signature alone, for comparison. */
  mn_wallet_addr_t a = {.size = sizeof a};
  t.wallet->get_address(t.wallet, &a, NULL);
  uint8_t msg[32] = {1};
  mn_buf_t sig = {0};
  t.wallet->sign(t.wallet, a.publickey, msg, 32, &sig);
  mn_buf_free(&sig);
  int n = 200;
  t0 = now_s();
  for (int i = 0; i < n; i++) {
    msg[0] = (uint8_t)i;
    t.wallet->sign(t.wallet, a.publickey, msg, 32, &sig);
    mn_buf_free(&sig);
  }
  dt = now_s() - t0;
  printf("sign: %.1f signatures/s with a warm key (use counter stored "
         "first)\n",
         n / dt);
  free(to);
  wtest_stop(&t, true);
}

/* ---- verify ----------------------------------------------------------- */

static void bench_verify(uv_loop_t *loop) {
  wtest_t t;
  start(&t, loop, "verify", "keys = 8");
  json_decref(wtest_ok(&t, "getaddress"));
  enum { N = 64 };
  mn_buf_t sigs[N];
  uint8_t pubs[N][32], msgs[N][32];
  for (int i = 0; i < N; i++) {
    mn_wallet_addr_t a = {.size = sizeof a};
    t.wallet->get_address(t.wallet, &a, NULL);
    memcpy(pubs[i], a.publickey, 32);
    t.host->crypto->random(msgs[i], 32);
    memset(&sigs[i], 0, sizeof sigs[i]);
    if (t.wallet->sign(t.wallet, a.publickey, msgs[i], 32, &sigs[i]))
      WTEST_FAIL("sign failed");
  }
  int rounds = 20, bad = 0;
  double t0 = now_s();
  for (int r = 0; r < rounds; r++)
    for (int i = 0; i < N; i++)
      bad += t.host->crypto->treekey_verify(pubs[i], 32, msgs[i], 32,
                                            sigs[i].data, sigs[i].len) != 0;
  double dt = now_s() - t0;
  if (bad)
    WTEST_FAIL("%d signatures did not verify", bad);
  printf("verify: %.1f tree-key signature verifications/s on one core "
         "(%zu-byte signatures, 64x3 keys)\n",
         rounds * N / dt, sigs[0].len);
  for (int i = 0; i < N; i++)
    mn_buf_free(&sigs[i]);
  wtest_stop(&t, true);
}

/* ---- proofs ---------------------------------------------------------- */

/* Runs the loop until the wallet has asked for no proof for 50 ms. */
static void until_quiet(wtest_t *t) {
  uint64_t last = wal_sim_proofs_made(t->sim);
  double since = now_s();
  while (now_s() - since < 0.05) {
    uv_run(t->loop, UV_RUN_NOWAIT);
    uint64_t now = wal_sim_proofs_made(t->sim);
    if (now != last) {
      last = now;
      since = now_s();
    }
  }
}

static void bench_proofs(uv_loop_t *loop, size_t coins) {
  const char *cfgs[2] = {"keys = 16\nproof_refresh = 1", "keys = 16"};
  const char *names[2] = {"every block", "default policy"};
  for (int c = 0; c < 2; c++) {
    wtest_t t;
    char name[32];
    snprintf(name, sizeof name, "proofs%d", c);
    start(&t, loop, name, cfgs[c]);
    fund(&t, coins, "1");
    until_quiet(&t);
    json_t *b = wtest_ok(&t, "balance");
    const char *conf =
        json_string_value(json_object_get(json_array_get(b, 0), "confirmed"));
    printf("proofs: %s Minima in %zu tracked coins\n", conf, coins);
    json_decref(b);
    int blocks = 5;
    uint64_t p0 = wal_sim_proofs_made(t.sim);
    double dt = 0;
    for (int i = 0; i < blocks; i++) {
      double t0 = now_s();
      wtest_mine(&t, 1);
      until_quiet(&t);
      dt += now_s() - t0 - 0.05; /* the quiet window is not work */
    }
    uint64_t made = wal_sim_proofs_made(t.sim) - p0;
    printf("proofs (%s): %.1f ms per block, %.1f proofs remade per block",
           names[c], 1000 * dt / blocks, (double)made / blocks);
    if (made)
      printf(", %.0f proof updates/s", (double)made / dt);
    printf("\n");
    wtest_stop(&t, true);
  }
}

int main(int argc, char **argv) {
  int sends = argc > 1 ? atoi(argv[1]) : 300;
  size_t coins = argc > 2 ? (size_t)atol(argv[2]) : 10000;
  find_plugins();
  char tmpl[] = "/tmp/bench-wallet-XXXXXX";
  tmp = mkdtemp(tmpl);
  if (!tmp)
    return 1;
  uv_loop_t loop;
  uv_loop_init(&loop);
  bench_send(&loop, sends);
  bench_verify(&loop);
  bench_proofs(&loop, coins);
  uv_run(&loop, UV_RUN_NOWAIT);
  uv_loop_close(&loop);
  char *cmd;
  if (asprintf(&cmd, "rm -rf %s", tmp) >= 0 && system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", tmp);
  free(cmd);
  return 0;
}
