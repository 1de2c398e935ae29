/*
 * chain-replay - make, export and replay chains with embedded nodes.
 *
 *   chain-replay make N FILE [DIR]
 *       a fresh node (test parameters, so the cascade is cut every few
 *       blocks) posts a transaction per block until block N: each spends
 *       the previous one's RETURN TRUE coin, so every block runs a script,
 *       proves a coin and updates the MMR.  The main chain's TxBlocks,
 *       genesis first, go to FILE.  Prints the time taken, the node's RSS
 *       and its disk use.
 *
 *   chain-replay replay FILE [DIR]
 *       an empty node takes the genesis block as a one-block IBD, then
 *       every further block as a TxPoW through the full checks (a window of
 *       blocks in flight), and must end on the file's last block.  Prints
 *       blocks per second, RSS and disk use.
 *
 * File: "MNCHAIN1", then per block a 4-byte big-endian length and the
 * serialized TxBlock.  DIR (default: a new folder under /tmp) holds the
 * node's store.  Exit status 0 on success, 1 on a failure, 2 on usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <minima/svc/chain.h>

#include "host/node.h"
#include "util/util.h"

static uv_loop_t loop;
static char exe_dir[4096];

typedef struct node {
  mn__node_t *n;
  const mn_host_t *h;
  mn_plugin_t *k;
  const mn_chain_t *ch;
  char *dir;
} node_t;

static double now_s(void) {
  return (double)mn__mono_ns() / 1e9;
}

/* A /proc/self/status figure in KiB ("VmRSS:", "RssAnon:", "RssFile:"). */
static uint64_t status_kb(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  uint64_t kb = 0;
  size_t kl = strlen(key);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, key, kl) == 0)
      kb = strtoull(line + kl, NULL, 10);
  if (f)
    fclose(f);
  return kb;
}

static uint64_t disk_kb(const char *dir) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "du -sk '%s' 2>/dev/null", dir);
  FILE *p = popen(cmd, "r");
  uint64_t kb = 0;
  if (p) {
    if (fscanf(p, "%llu", (unsigned long long *)&kb) != 1)
      kb = 0;
    pclose(p);
  }
  return kb;
}

static void print_memory(int64_t blocks, const char *dir) {
  printf("after %lld blocks: RSS %llu KiB (heap and stacks %llu KiB, "
         "mapped store pages %llu KiB), store %llu KiB on disk\n",
         (long long)blocks, (unsigned long long)status_kb("VmRSS:"),
         (unsigned long long)status_kb("RssAnon:"),
         (unsigned long long)status_kb("RssFile:"),
         (unsigned long long)disk_kb(dir));
}

static bool node_open(node_t *nd, const char *dir, bool make) {
  nd->dir = mn__xstrdup(dir);
  char *profile = mn__xasprintf("%s/chain-replay.toml", dir);
  FILE *f = fopen(profile, "w");
  if (!f) {
    fprintf(stderr, "chain-replay: cannot write %s: %s\n", profile,
            strerror(errno));
    return false;
  }
  fprintf(f,
          "[node]\nplugin_dir = \"%s/../lib/minima/plugins\"\n"
          "log_level = \"warn\"\nthreads = 2\n"
          "[store]\nmap_size_mb = 256\n"
          "[[plugin]]\nname = \"kissvm\"\n[[plugin]]\nname = \"consensus\"\n"
          "[consensus]\nnetwork = \"test\"\ngenesis = %s\nautomine = false\n"
          "block_speed = \"1000\"\nmining_threads = 2\n",
          exe_dir, make ? "true" : "false");
  fclose(f);
  char *data = mn__xasprintf("%s/data", dir);
  mn__config_opts_t co = {.file = profile, .data_dir = data};
  char *why = NULL;
  bool ok = mn__node_create(&co, &loop, NULL, &nd->n, &why) == 0 &&
            mn__node_start(nd->n, &why) == 0;
  free(profile);
  free(data);
  if (!ok) {
    fprintf(stderr, "chain-replay: %s\n", why ? why : "cannot start a node");
    free(why);
    return false;
  }
  nd->h = mn__node_host(nd->n, &nd->k);
  nd->ch =
      nd->h->service_lookup(nd->k, MN_CHAIN_SERVICE, MN_CHAIN_SERVICE_VERSION);
  return nd->ch != NULL;
}

static void node_close(node_t *nd) {
  if (nd->n)
    mn__node_destroy(nd->n);
  uv_run(&loop, UV_RUN_DEFAULT);
  free(nd->dir);
}

static int64_t tip_of(node_t *nd) {
  mn_chain_tip_t t = {.size = sizeof t};
  nd->ch->tip(nd->ch, &t);
  return t.number;
}

/* Runs the loop until *flag is set. */
static void wait_flag(bool *flag) {
  while (!*flag)
    uv_run(&loop, UV_RUN_ONCE);
}

/* ---- make ---------------------------------------------------------------- */

typedef struct post_wait {
  bool done;
  bool ok;
  char msg[200];
} post_wait_t;

static void on_post(const mn_chain_post_result_t *r, void *data) {
  post_wait_t *w = data;
  w->done = true;
  w->ok = r->status == MN_CHAIN_ACCEPTED;
  snprintf(w->msg, sizeof w->msg, "%s", r->message ? r->message : "");
}

static int keep_first(const mn_coin_t *coin, void *data) {
  void **d = data;
  const mn_obj_api_t *obj = d[0];
  if (!d[1])
    mn_coin_copy(obj, coin, (mn_coin_t **)&d[1]);
  return 1;
}

static int cmd_make(long n, const char *file, const char *dir) {
  node_t nd = {0};
  if (!node_open(&nd, dir, true))
    return 1;
  const mn_obj_api_t *obj = nd.h->obj;
  uint8_t addr[32];
  obj->script_address("RETURN TRUE", 11, addr);
  double t0 = now_s();
  while (tip_of(&nd) < n) {
    mn_chain_coin_query_t q;
    memset(&q, 0, sizeof q);
    q.size = sizeof q;
    q.flags = MN_CHAIN_Q_ADDRESS;
    q.address.data = addr;
    q.address.len = 32;
    q.depth = -1;
    void *found[2] = {(void *)obj, NULL};
    nd.ch->coins_search(nd.ch, &q, keep_first, found);
    mn_coin_t *coin = found[1];
    if (!coin) {
      fprintf(stderr, "chain-replay: no coin to spend at block %lld\n",
              (long long)tip_of(&nd));
      return 1;
    }
    mn_txpow_t *t;
    mn_txpow_new(obj, &t);
    mn_add_txn_inputs(obj, t, &t->body->txn, coin);
    mn_coin_t o = *coin;
    uint8_t zero = 0;
    o.coinid.data = &zero;
    o.coinid.len = 1;
    o.n_state = 0;
    o.state = NULL;
    mn_add_txn_outputs(obj, t, &t->body->txn, &o);
    mn_coinproof_t *cp;
    if (nd.ch->coin_proof(nd.ch, coin, -1, &cp)) {
      fprintf(stderr, "chain-replay: cannot prove the coin\n");
      return 1;
    }
    mn_add_witness_coinproofs(obj, t, &t->body->witness, cp);
    obj->free(cp);
    mn_scriptproof_t sp;
    memset(&sp, 0, sizeof sp);
    obj->scriptproof_make(t, "RETURN TRUE", 11, NULL, &sp);
    mn_add_witness_scripts(obj, t, &t->body->witness, &sp);
    obj->txpow_compute(t);
    post_wait_t w = {0};
    if (nd.ch->txn_post(nd.ch, t, 0, on_post, &w, NULL)) {
      fprintf(stderr, "chain-replay: cannot post\n");
      return 1;
    }
    wait_flag(&w.done);
    obj->free(t);
    obj->free(coin);
    if (!w.ok) {
      fprintf(stderr, "chain-replay: a posted transaction failed: %s\n", w.msg);
      return 1;
    }
  }
  double secs = now_s() - t0;
  int64_t tip = tip_of(&nd);
  FILE *f = fopen(file, "wb");
  if (!f) {
    fprintf(stderr, "chain-replay: cannot write %s: %s\n", file,
            strerror(errno));
    return 1;
  }
  fwrite("MNCHAIN1", 1, 8, f);
  for (int64_t b = 1; b <= tip; b++) {
    mn_txblock_t *tb;
    if (nd.ch->block_by_number(nd.ch, b, &tb)) {
      fprintf(stderr, "chain-replay: block %lld is not held\n", (long long)b);
      fclose(f);
      return 1;
    }
    mn_buf_t buf = {0};
    mn_txblock_encode(obj, tb, &buf);
    uint8_t len[4] = {(uint8_t)(buf.len >> 24), (uint8_t)(buf.len >> 16),
                      (uint8_t)(buf.len >> 8), (uint8_t)buf.len};
    fwrite(len, 1, 4, f);
    fwrite(buf.data, 1, buf.len, f);
    mn_buf_free(&buf);
    obj->free(tb);
  }
  fclose(f);
  printf("made %lld blocks (one transaction each) in %.1f s: %.0f blocks/s\n",
         (long long)tip, secs, (double)(tip - 1) / secs);
  print_memory(tip, dir);
  node_close(&nd);
  return 0;
}

/* ---- replay -------------------------------------------------------------- */

typedef struct inflight {
  int pending;
  int failed;
  char msg[256];
} inflight_t;

static void on_verdict(const mn_chain_verdict_t *v, void *data) {
  inflight_t *f = data;
  f->pending--;
  if (v->status != MN_CHAIN_ACCEPTED && v->status != MN_CHAIN_KNOWN) {
    f->failed++;
    snprintf(f->msg, sizeof f->msg, "%s: %s", mn_chain_reason_name(v->reason),
             v->message ? v->message : "");
  }
}

static int cmd_replay(const char *file, const char *dir) {
  size_t len;
  char *data;
  if (mn__read_file(file, 1u << 31, &data, &len) || len < 8 ||
      memcmp(data, "MNCHAIN1", 8) != 0) {
    fprintf(stderr, "chain-replay: %s is not a chain file\n", file);
    return 1;
  }
  node_t nd = {0};
  if (!node_open(&nd, dir, false))
    return 1;
  const mn_obj_api_t *obj = nd.h->obj;
  /* Index the blocks. */
  size_t cap = 1024, n = 0;
  const uint8_t **blk = malloc(cap * sizeof *blk);
  size_t *blen = malloc(cap * sizeof *blen);
  for (size_t off = 8; off + 4 <= len;) {
    const uint8_t *p = (const uint8_t *)data + off;
    size_t l =
        (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    if (off + 4 + l > len)
      break;
    if (n == cap) {
      cap *= 2;
      blk = realloc(blk, cap * sizeof *blk);
      blen = realloc(blen, cap * sizeof *blen);
    }
    blk[n] = p + 4;
    blen[n++] = l;
    off += 4 + l;
  }
  if (n < 2) {
    fprintf(stderr, "chain-replay: %s holds fewer than 2 blocks\n", file);
    return 1;
  }
  /* Genesis as a one-block IBD (no cascade). */
  mn_buf_t ibd = {0};
  mn_buf_put_u8(&ibd, 0);
  uint8_t one[3] = {0, 1, 1};
  mn_buf_put(&ibd, one, 3);
  mn_buf_put(&ibd, blk[0], blen[0]);
  inflight_t fl = {1, 0, ""};
  nd.ch->ibd_process(nd.ch, ibd.data, ibd.len, 1, on_verdict, &fl, NULL);
  while (fl.pending)
    uv_run(&loop, UV_RUN_ONCE);
  mn_buf_free(&ibd);
  if (fl.failed || tip_of(&nd) != 1) {
    fprintf(stderr, "chain-replay: the genesis block was refused: %s\n",
            fl.msg);
    return 1;
  }
  /* The rest as TxPoWs, a window at a time. */
  double t0 = now_s();
  size_t next = 1;
  const int window = 32;
  while (next < n || fl.pending) {
    while (next < n && fl.pending < window) {
      mn_txblock_t *tb;
      if (mn_txblock_decode(obj, blk[next], blen[next], NULL, &tb)) {
        fprintf(stderr, "chain-replay: block record %zu is damaged\n", next);
        return 1;
      }
      mn_buf_t b = {0};
      mn_txpow_encode(obj, &tb->txpow, &b);
      obj->free(tb);
      fl.pending++;
      nd.ch->submit(nd.ch, b.data, b.len, 1, on_verdict, &fl, NULL);
      mn_buf_free(&b);
      next++;
    }
    uv_run(&loop, UV_RUN_ONCE);
  }
  double secs = now_s() - t0;
  mn_txblock_t *last;
  mn_txblock_decode(obj, blk[n - 1], blen[n - 1], NULL, &last);
  mn_chain_tip_t t = {.size = sizeof t};
  nd.ch->tip(nd.ch, &t);
  bool ok = !fl.failed && memcmp(t.txpowid, last->txpow.txpowid, 32) == 0;
  obj->free(last);
  printf("replayed %zu blocks in %.2f s: %.0f blocks/s (full checks)\n", n - 1,
         secs, (double)(n - 1) / secs);
  print_memory(t.number, dir);
  if (!ok)
    fprintf(stderr,
            "chain-replay: the replay did not end on the file's last "
            "block (tip %lld; %s)\n",
            (long long)t.number, fl.msg);
  free(blk);
  free(blen);
  free(data);
  node_close(&nd);
  return ok ? 0 : 1;
}

static int usage(void) {
  fprintf(stderr, "usage: chain-replay make N FILE [DIR]\n"
                  "       chain-replay replay FILE [DIR]\n");
  return 2;
}

int main(int argc, char **argv) {
  ssize_t l = readlink("/proc/self/exe", exe_dir, sizeof exe_dir - 1);
  exe_dir[l > 0 ? l : 0] = 0;
  char *slash = strrchr(exe_dir, '/');
  if (slash)
    *slash = 0;
  if (argc < 3)
    return usage();
  char tmpl[] = "/tmp/chain-replay-XXXXXX";
  uv_loop_init(&loop);
  int rc;
  if (strcmp(argv[1], "make") == 0 && argc >= 4) {
    long n = strtol(argv[2], NULL, 10);
    if (n < 2)
      return usage();
    const char *dir = argc > 4 ? argv[4] : mkdtemp(tmpl);
    mkdir(dir, 0700);
    rc = cmd_make(n, argv[3], dir);
  } else if (strcmp(argv[1], "replay") == 0) {
    const char *dir = argc > 3 ? argv[3] : mkdtemp(tmpl);
    mkdir(dir, 0700);
    rc = cmd_replay(argv[2], dir);
  } else {
    return usage();
  }
  uv_loop_close(&loop);
  return rc;
}
