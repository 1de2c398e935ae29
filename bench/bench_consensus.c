/*
 * bench_consensus.c - throughput of the chain's hot paths.
 *
 *   mining: TxPoW header hashes per second on one thread (counter written
 *   into the header, sha3_256_many eight at a time, as the miner does),
 *   on two threads at once, against raw SHA3 on the same header length;
 *   validation: TxPoWs per second through the basic checks alone, with
 *   the tree-key signature, and with the script too;
 *   MMR: proofs built and verified per second in a 100 000-leaf MMR.
 *
 * Each figure is the best of three slices of about a second.  Needs the
 * kissvm plugin built (the scripts run in an embedded node's VM).  Prints,
 * asserts nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cs.h"
#include "crypto/crypto.h"
#include "host/node.h"
#include "types/num.h"
#include "types/objects.h"
#include "bench_util.h"
#include "util/util.h"


static cs_env_t env;

static void row(const char *what, double v, const char *unit) {
  char h[32];
  bench_human(v, h, sizeof h);
  printf("  %-44s %s%s\n", what, h, unit);
}

/* ---- mining -------------------------------------------------------------- */

typedef struct mine_arg {
  uint8_t *hdr;
  size_t len;
  uint64_t counter;
} mine_arg_t;

static size_t mine_slice(void *p) {
  mine_arg_t *a = p;
  enum { LANES = 8, ROUNDS = 64 };
  uint8_t buf[LANES][512];
  const uint8_t *in[LANES];
  uint8_t out[LANES][32];
  for (int l = 0; l < LANES; l++) {
    memcpy(buf[l], a->hdr, a->len);
    in[l] = buf[l];
  }
  for (int r = 0; r < ROUNDS; r++) {
    for (int l = 0; l < LANES; l++)
      env.obj->mine_counter(buf[l], a->len, a->counter++);
    env.crypto->sha3_256_many(in, a->len, LANES, out);
  }
  return LANES * ROUNDS;
}

static size_t raw_slice(void *p) {
  mine_arg_t *a = p;
  uint8_t out[32];
  for (int i = 0; i < 512; i++) {
    a->hdr[5] = (uint8_t)i;
    env.crypto->sha3_256(a->hdr, a->len, out);
  }
  return 512;
}

static void *mine_thread(void *p) {
  double *r = p;
  mine_arg_t a = *(mine_arg_t *)(r + 1);
  uint8_t hdr[512];
  memcpy(hdr, a.hdr, a.len);
  a.hdr = hdr;
  r[0] = bench_rate(BENCH_SECONDS, mine_slice, &a);
  return NULL;
}

static void bench_mining(void) {
  mn_txpow_t *t;
  mn_txpow_new(env.obj, &t);
  env.obj->txpow_set_bodyhash(t, t);
  mn_buf_t hdr = {0};
  env.obj->mine_prepare(t, &hdr);
  printf("mining (TxPoW header of %zu bytes)\n", hdr.len);
  mine_arg_t a = {hdr.data, hdr.len, 0};
  row("raw sha3_256, one header at a time", bench_rate(BENCH_SECONDS, raw_slice, &a),
      "hash/s");
  double one = bench_rate(BENCH_SECONDS, mine_slice, &a);
  row("miner loop, 1 thread", one, "hash/s");
  struct {
    double r;
    mine_arg_t a;
  } th[2];
  pthread_t tid[2];
  for (int i = 0; i < 2; i++) {
    th[i].a = a;
    pthread_create(&tid[i], NULL, mine_thread, &th[i]);
  }
  for (int i = 0; i < 2; i++)
    pthread_join(tid[i], NULL);
  row("miner loop, 2 threads (per thread)", (th[0].r + th[1].r) / 2, "hash/s");
  row("miner loop, 2 threads (total)", th[0].r + th[1].r, "hash/s");
  mn_buf_free(&hdr);
  env.obj->free(t);
}

/* ---- validation ---------------------------------------------------------- */

typedef struct val_arg {
  const mn_txpow_t *t;
  int level; /* 0 basic, 1 + signatures, 2 + scripts */
} val_arg_t;

static size_t validate(void *p) {
  val_arg_t *a = p;
  mn_num_t bn, bt, ops;
  env.num->from_i64(&bn, 10);
  env.num->from_i64(&bt, 1700000000000LL);
  env.num->from_i64(&ops, 1024);
  for (int i = 0; i < 16; i++) {
    cs_fail_t f;
    if (!cs_check_basic(&env, a->t, &f))
      abort();
    if (a->level >= 1 && !cs_check_signatures(&env, a->t, &f))
      abort();
    if (a->level >= 2) {
      cs_scripts_t s = {0}; /* fresh: no cached verdict */
      if (!cs_check_scripts(&env, a->t, &bn, &bt, &ops, &s, &f))
        abort();
    }
  }
  return 16;
}

static void bench_validation(void) {
  const mn_obj_api_t *obj = env.obj;
  const mn_crypto_api_t *cr = env.crypto;
  /* A signed transaction: one input locked by SIGNEDBY, two outputs. */
  uint8_t seed[32];
  memset(seed, 9, 32);
  mn_treekey_t *k;
  cr->treekey_new(seed, 64, 3, &k);
  uint8_t pk[32];
  cr->treekey_pubkey(k, pk);
  char hex[80], script[128];
  snprintf(script, sizeof script, "RETURN SIGNEDBY(%s)",
           cs_hex(pk, 32, hex, sizeof hex));
  uint8_t addr[32];
  obj->script_address(script, strlen(script), addr);
  mn_txpow_t *t;
  mn_txpow_new(obj, &t);
  uint8_t zero = 0, cid[32];
  memset(cid, 0x17, 32);
  mn_coin_t in;
  memset(&in, 0, sizeof in);
  in.coinid.data = cid;
  in.coinid.len = 32;
  in.address.data = addr;
  in.address.len = 32;
  env.num->from_i64(&in.amount, 100);
  in.tokenid.data = &zero;
  in.tokenid.len = 1;
  env.num->from_i64(&in.created, 3);
  mn_add_txn_inputs(obj, t, &t->body->txn, &in);
  mn_coin_t out = in;
  out.coinid.data = &zero;
  out.coinid.len = 1;
  env.num->from_i64(&out.amount, 60);
  mn_add_txn_outputs(obj, t, &t->body->txn, &out);
  env.num->from_i64(&out.amount, 40);
  mn_add_txn_outputs(obj, t, &t->body->txn, &out);
  mn_coinproof_t cp;
  memset(&cp, 0, sizeof cp);
  cp.coin = in;
  mn_add_witness_coinproofs(obj, t, &t->body->witness, &cp);
  mn_scriptproof_t sp;
  memset(&sp, 0, sizeof sp);
  obj->scriptproof_make(t, script, strlen(script), NULL, &sp);
  mn_add_witness_scripts(obj, t, &t->body->witness, &sp);
  obj->txpow_compute(t);
  mn_buf_t sig = {0};
  cr->treekey_sign(k, 0, t->txnid, 32, &sig);
  obj->witness_add_signature(t, &t->body->witness, sig.data, sig.len);
  obj->txpow_compute(t);
  printf("validation (1 input, 2 outputs, tree-key signature, %llu bytes)\n",
         (unsigned long long)t->size);
  val_arg_t a = {t, 0};
  row("basic checks", bench_rate(BENCH_SECONDS, validate, &a), "txpow/s");
  a.level = 1;
  row("basic + signature", bench_rate(BENCH_SECONDS, validate, &a), "txpow/s");
  a.level = 2;
  if (env.vm)
    row("basic + signature + script", bench_rate(BENCH_SECONDS, validate, &a), "txpow/s");
  mn_buf_free(&sig);
  cr->treekey_free(k);
  obj->free(t);
}

/* ---- MMR proofs ---------------------------------------------------------- */

typedef struct mmr_arg {
  cs_mmr_t *m;
  uint64_t n, i;
  bool verify;
} mmr_arg_t;

static size_t proofs(void *p) {
  mmr_arg_t *a = p;
  for (int k = 0; k < 64; k++) {
    uint64_t e = (a->i++ * 2654435761u) % a->n;
    mn_mmrproof_t *pr;
    mn_mmrproof_new(env.obj, &pr);
    cs_mmr_proof_to_peak(&env, a->m, e, pr, pr);
    if (a->verify) {
      const mn_mmrdata_t *leaf = cs_mmr_get(a->m, 0, e, 0);
      if (!cs_mmr_check_proof(&env, a->m, leaf, pr))
        abort();
    }
    env.obj->free(pr);
  }
  return 64;
}

static void bench_mmr(void) {
  enum { N = 100000 };
  cs_mmr_t *m = cs_mmr_new(0);
  double t0 = bench_now();
  for (uint32_t i = 0; i < N; i++) {
    mn_num_t v;
    env.num->from_i64(&v, 1 + i % 7);
    mn_mmrdata_t leaf;
    env.obj->mmr_leaf(&i, sizeof i, &v, &leaf);
    cs_mmr_add(&env, m, &leaf, NULL);
  }
  double add = N / (bench_now() - t0);
  cs_mmr_finalize(&env, m);
  printf("MMR (%d leaves)\n", N);
  row("leaves appended", add, "leaf/s");
  mmr_arg_t a = {m, N, 0, false};
  row("proofs built", bench_rate(BENCH_SECONDS, proofs, &a), "proof/s");
  a.verify = true;
  row("proofs built and verified", bench_rate(BENCH_SECONDS, proofs, &a), "proof/s");
  cs_mmr_free(m);
}

int main(void) {
  /* The VM comes from an embedded node that loads only kissvm. */
  uv_loop_t loop;
  uv_loop_init(&loop);
  char dir[] = "/tmp/bench-consensus-XXXXXX";
  const mn_kissvm_t *vm = NULL;
  mn__node_t *node = NULL;
  if (mkdtemp(dir)) {
    char profile[300], data[300];
    snprintf(profile, sizeof profile, "%s/p.toml", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    FILE *f = fopen(profile, "w");
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
      *slash = 0;
    fprintf(f,
            "[node]\nplugin_dir = \"%s/../lib/minima/plugins\"\n"
            "log_level = \"error\"\n[[plugin]]\nname = \"kissvm\"\n",
            exe);
    fclose(f);
    mn__config_opts_t co = {.file = profile, .data_dir = data};
    char *why = NULL;
    if (mn__node_create(&co, &loop, "bench", &node, &why) == 0 &&
        mn__node_start(node, &why) == 0) {
      mn_plugin_t *k;
      const mn_host_t *h = mn__node_host(node, &k);
      vm = h->service_lookup(k, MN_KISSVM_SERVICE, MN_KISSVM_SERVICE_VERSION);
    } else {
      printf("(no kissvm plugin: %s; script figures skipped)\n",
             why ? why : "?");
      free(why);
    }
  }
  cs_params_t p;
  cs_params_preset(mn__num_api(), "main", &p);
  cs_env_init(&env, mn__num_api(), mn__crypto_api(), mn__obj_api(), vm, &p);
  bench_mining();
  bench_validation();
  bench_mmr();
  if (node)
    mn__node_destroy(node);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    return 0;
  return 0;
}
