/*
 * bench_crypto.c - throughput of the crypto module on one core.
 *
 *   SHA3-256 on 64- and 256-byte inputs: our one-shot hash, our
 *   multi-buffer sha3_256_many, and OpenSSL's EVP interface, side by side,
 *   then each of our instruction-set tiers;
 *   WOTS signing and verification;
 *   tree keys (64 keys x 3 levels): key generation, the first signature
 *   of a fresh key, steady-state signing, verification.
 *
 * Each figure comes from about one second of work, the best of three
 * slices of it.  Prints, asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <minima/stream.h>

#include "crypto/crypto.h"
#include "bench_util.h"
#include "util/util.h"

#define BATCH 64

static uint8_t g_buf[BATCH * 256 + 64];

/* --------------------------------------------------------------------------
 * SHA3
 * ------------------------------------------------------------------------ */

typedef struct hash_arg {
  size_t len;
  EVP_MD_CTX *evp;
} hash_arg_t;

static size_t run_single(void *p) {
  hash_arg_t *a = p;
  uint8_t out[32];
  for (int i = 0; i < BATCH; i++) {
    g_buf[0] = (uint8_t)i; /* a nonce that changes */
    mn__sha3_256(g_buf, a->len, out);
    g_buf[1] ^= out[0];
  }
  return BATCH;
}

static size_t run_many(void *p) {
  hash_arg_t *a = p;
  const uint8_t *in[BATCH];
  uint8_t out[BATCH][32];
  for (int i = 0; i < BATCH; i++)
    in[i] = g_buf + (size_t)i * a->len;
  mn__sha3_256_many(in, a->len, BATCH, out);
  g_buf[1] ^= out[BATCH - 1][0];
  return BATCH;
}

static size_t run_evp(void *p) {
  hash_arg_t *a = p;
  uint8_t out[32];
  unsigned n;
  for (int i = 0; i < BATCH; i++) {
    g_buf[0] = (uint8_t)i;
    EVP_DigestInit_ex(a->evp, EVP_sha3_256(), NULL);
    EVP_DigestUpdate(a->evp, g_buf, a->len);
    EVP_DigestFinal_ex(a->evp, out, &n);
    g_buf[1] ^= out[0];
  }
  return BATCH;
}

static const char *tier_name(int t) {
  static const char *names[] = {"base x86-64", "BMI1/2", "AVX2 (4 lanes)",
                                "AVX-512 (8 lanes)"};
  return names[t];
}

static void bench_sha3(void) {
  int best = mn__sha3_set_isa(-1);
  hash_arg_t a = {0, EVP_MD_CTX_new()};
  char s1[16], s2[16], s3[16];
  printf("SHA3-256, one core, hashes per second (best tier: %s)\n",
         tier_name(best));
  printf("  %-7s %12s %14s %14s\n", "input", "ours single", "ours many",
         "OpenSSL EVP");
  static const size_t lens[] = {64, 256};
  for (int i = 0; i < 2; i++) {
    a.len = lens[i];
    bench_human(bench_rate(BENCH_SECONDS, run_single, &a), s1, sizeof s1);
    bench_human(bench_rate(BENCH_SECONDS, run_many, &a), s2, sizeof s2);
    bench_human(bench_rate(BENCH_SECONDS, run_evp, &a), s3, sizeof s3);
    printf("  %3zu B   %12s %14s %14s\n", a.len, s1, s2, s3);
  }
  printf("  per tier, 64-byte input (single / many):\n");
  a.len = 64;
  for (int t = 0; t <= best; t++) {
    mn__sha3_set_isa(t);
    bench_human(bench_rate(BENCH_SECONDS / 4, run_single, &a), s1, sizeof s1);
    bench_human(bench_rate(BENCH_SECONDS / 4, run_many, &a), s2, sizeof s2);
    printf("    %-18s %10s %10s\n", tier_name(t), s1, s2);
  }
  mn__sha3_set_isa(-1);
  EVP_MD_CTX_free(a.evp);
}

/* --------------------------------------------------------------------------
 * WOTS and tree keys
 * ------------------------------------------------------------------------ */

typedef struct sig_arg {
  uint8_t seed[32], pk[32], msg[32];
  uint8_t sig[MN_WOTS_SIG_LEN];
  mn_treekey_t *key;
  uint64_t use;
  mn_buf_t tsig;
} sig_arg_t;

static size_t run_wots_sign(void *p) {
  sig_arg_t *a = p;
  a->msg[0]++;
  mn__wots_sign(a->seed, a->msg, 32, a->sig);
  return 1;
}

static size_t run_wots_verify(void *p) {
  sig_arg_t *a = p;
  if (!mn__wots_verify(a->pk, a->msg, 32, a->sig, sizeof a->sig))
    fprintf(stderr, "bench: WOTS signature did not verify\n");
  return 1;
}

static size_t run_tk_new(void *p) {
  sig_arg_t *a = p;
  mn_treekey_t *k;
  a->seed[0]++;
  if (mn__treekey_new(a->seed, 64, 3, &k) == 0)
    mn__treekey_free(k);
  return 1;
}

static size_t run_tk_first(void *p) {
  sig_arg_t *a = p;
  mn_treekey_t *k;
  mn_buf_t sig = {0};
  a->seed[0]++;
  if (mn__treekey_new(a->seed, 64, 3, &k) == 0) {
    mn__treekey_sign(k, 0, a->msg, 32, &sig);
    mn__treekey_free(k);
  }
  mn_buf_free(&sig);
  return 1;
}

static size_t run_tk_sign(void *p) {
  sig_arg_t *a = p;
  a->tsig.len = 0;
  a->msg[0]++;
  mn__treekey_sign(a->key, a->use++, a->msg, 32, &a->tsig);
  return 1;
}

static size_t run_tk_verify(void *p) {
  sig_arg_t *a = p;
  if (mn__treekey_verify(a->pk, 32, a->msg, 32, a->tsig.data, a->tsig.len))
    fprintf(stderr, "bench: tree-key signature did not verify\n");
  return 1;
}

static void bench_signatures(void) {
  sig_arg_t a;
  memset(&a, 0, sizeof a);
  mn__sha3_256("bench", 5, a.seed);
  mn__wots_pubkey(a.seed, a.pk);
  char s[16];
  printf("\nSignatures, one core, operations per second\n");
  bench_human(bench_rate(BENCH_SECONDS, run_wots_sign, &a), s, sizeof s);
  printf("  WOTS sign                              %s\n", s);
  bench_human(bench_rate(BENCH_SECONDS, run_wots_verify, &a), s, sizeof s);
  printf("  WOTS verify                            %s\n", s);

  bench_human(bench_rate(BENCH_SECONDS, run_tk_new, &a), s, sizeof s);
  printf("  tree key 64x3: new key (root node)     %s\n", s);
  bench_human(bench_rate(BENCH_SECONDS, run_tk_first, &a), s, sizeof s);
  printf("  tree key 64x3: new key + first sign    %s\n", s);
  if (mn__treekey_new(a.seed, 64, 3, &a.key) != 0)
    return;
  mn__treekey_pubkey(a.key, a.pk);
  /* Consecutive uses from a random-looking start: one WOTS signature per
   * use, plus a bottom node rebuilt every 64 uses. */
  a.use = 4096 * 5 + 17;
  bench_human(bench_rate(2 * BENCH_SECONDS, run_tk_sign, &a), s, sizeof s);
  printf("  tree key 64x3: sign, steady state      %s\n", s);
  bench_human(bench_rate(BENCH_SECONDS, run_tk_verify, &a), s, sizeof s);
  printf("  tree key 64x3: verify                  %s\n", s);
  mn__treekey_free(a.key);
  mn_buf_free(&a.tsig);
}

int main(void) {
  for (size_t i = 0; i < sizeof g_buf; i++)
    g_buf[i] = (uint8_t)(i * 131 + 7);
  bench_sha3();
  bench_signatures();
  return 0;
}
