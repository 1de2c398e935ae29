/*
 * bench_objects.c - the chain objects on one core.
 *
 *   a typical transaction TxPoW (1 signed input with a 20-step MMR proof,
 *   2 outputs, 3 state variables, a script proof; about 4 KB): decode,
 *   encode, deep copy, txpowid (header hash), all derived values;
 *   a header-only TxPoW (the cascade form): decode;
 *   the mining inner loop: counter written into the header, SHA3.
 *
 * Each figure comes from about one second of work, the best of three
 * slices of it.  Prints, asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/objects.h>
#include <minima/stream.h>

#include "crypto/crypto.h"
#include "types/num.h"
#include "types/objects.h"
#include "bench_util.h"
#include "util/util.h"


static const mn_obj_api_t *O;

static void report(const char *what, double ops, size_t bytes) {
  if (bytes)
    printf("%-34s %10.0f /s  %8.1f MB/s\n", what, ops, ops * bytes / 1e6);
  else
    printf("%-34s %10.0f /s\n", what, ops);
}

static void die(const char *what, int rc) {
  fprintf(stderr, "bench_objects: %s: %s\n", what, mn_strerror(rc));
  exit(1);
}

/* A TxPoW as a wallet would build it. */
static mn_txpow_t *build(void) {
  mn_txpow_t *t;
  int rc = O->create(MN_OBJ_TXPOW, (void **)&t);
  if (rc)
    die("create", rc);
  mn_transaction_t *txn = &t->body->txn;
  static const uint8_t id[32] = {7}, addr[32] = {9}, zero = 0;
  mn_coin_t in;
  memset(&in, 0, sizeof in);
  in.coinid = (mn_data_t){id, 32};
  in.address = (mn_data_t){addr, 32};
  mn__num_parse_cstr(&in.amount, "100");
  in.tokenid = (mn_data_t){&zero, 1};
  in.storestate = true;
  in.mmrentry = 123456;
  mn__num_from_u64(&in.created, 99999);
  mn_coin_t out = in;
  out.coinid = (mn_data_t){&zero, 1};
  out.mmrentry = 0;
  mn__num_from_u64(&out.created, 0);
  mn__num_parse_cstr(&out.amount, "60");
  if ((rc = mn_add_txn_inputs(O, t, txn, &in)) ||
      (rc = mn_add_txn_outputs(O, t, txn, &out)))
    die("add", rc);
  mn__num_parse_cstr(&out.amount, "39.99");
  if ((rc = mn_add_txn_outputs(O, t, txn, &out)))
    die("add", rc);
  const char *st[] = {"0xFEEDFACE", "[hello]", "42"};
  for (int i = 0; i < 3; i++) {
    mn_statevar_t sv;
    if ((rc = O->statevar_parse(t, i, st[i], strlen(st[i]), &sv)) ||
        (rc = O->txn_set_state(t, txn, &sv)))
      die("state", rc);
  }
  /* Signature from a 16 x 3 tree key, a coin proof of 20 steps, a
   * script proof. */
  uint8_t seed[32] = {1}, txid[32];
  mn_treekey_t *key;
  if ((rc = mn__treekey_new(seed, 16, 3, &key)))
    die("treekey", rc);
  O->hash(MN_OBJ_TRANSACTION, txn, txid);
  mn_buf_t sig = {0};
  if ((rc = mn__treekey_sign(key, 5, txid, 32, &sig)) ||
      (rc = O->witness_add_signature(t, &t->body->witness, sig.data, sig.len)))
    die("sign", rc);
  mn_buf_free(&sig);
  mn__treekey_free(key);
  mn_coinproof_t cp;
  memset(&cp, 0, sizeof cp);
  cp.coin = in;
  for (int i = 0; i < 20; i++) {
    mn_mmrchunk_t ch;
    memset(&ch, 0, sizeof ch);
    ch.left = (uint8_t)(i & 1);
    ch.data.len = 32;
    memset(ch.data.hash, i, 32);
    mn__num_from_u64(&ch.data.value, (uint64_t)i * 1000);
    if ((rc = mn_add_proof_chunks(O, t, &cp.proof, &ch)))
      die("chunk", rc);
  }
  if ((rc = mn_add_witness_coinproofs(O, t, &t->body->witness, &cp)))
    die("coinproof", rc);
  mn_scriptproof_t sp;
  const char *script = "RETURN SIGNEDBY(0xFEEDFACE)";
  if ((rc = O->scriptproof_make(t, script, strlen(script), NULL, &sp)) ||
      (rc = mn_add_witness_scripts(O, t, &t->body->witness, &sp)) ||
      (rc = O->txpow_set_bodyhash(t, t)) || (rc = O->txpow_compute(t)))
    die("witness", rc);
  return t;
}

typedef struct ctx {
  mn_buf_t bytes;
  mn_txpow_t *txpow;
  mn_buf_t hdr;
  uint64_t counter;
} ctx_t;

static size_t do_decode(void *arg) {
  ctx_t *c = arg;
  void *t;
  if (O->decode(MN_OBJ_TXPOW, c->bytes.data, c->bytes.len, NULL, &t) == 0)
    O->free(t);
  return 1;
}

static size_t do_encode(void *arg) {
  ctx_t *c = arg;
  mn_buf_t b = {0};
  mn_buf_reserve(&b, c->bytes.len);
  O->encode(MN_OBJ_TXPOW, c->txpow, &b);
  mn_buf_free(&b);
  return 1;
}

static size_t do_copy(void *arg) {
  ctx_t *c = arg;
  void *t;
  if (O->copy(MN_OBJ_TXPOW, c->txpow, &t) == 0)
    O->free(t);
  return 1;
}

static size_t do_txpowid(void *arg) {
  ctx_t *c = arg;
  uint8_t id[32];
  O->hash(MN_OBJ_TXHEADER, &c->txpow->header, id);
  return 1;
}

static size_t do_compute(void *arg) {
  ctx_t *c = arg;
  O->txpow_compute(c->txpow);
  return 1;
}

static size_t do_mine(void *arg) {
  ctx_t *c = arg;
  uint8_t id[32];
  for (int i = 0; i < 64; i++) {
    O->mine_counter(c->hdr.data, c->hdr.len, c->counter++);
    mn__sha3_256(c->hdr.data, c->hdr.len, id);
  }
  return 64;
}

int main(void) {
  O = mn__obj_api();
  ctx_t c = {0};
  c.txpow = build();
  int rc = O->encode(MN_OBJ_TXPOW, c.txpow, &c.bytes);
  if (rc)
    die("encode", rc);
  void *dec;
  if ((rc = O->decode(MN_OBJ_TXPOW, c.bytes.data, c.bytes.len, NULL, &dec)))
    die("decode", rc);
  printf("transaction TxPoW: %zu bytes, %zu bytes held when decoded\n",
         c.bytes.len, O->mem(dec));
  O->free(dec);
  report("decode (with derived values)", bench_rate(BENCH_SECONDS, do_decode, &c),
         c.bytes.len);
  report("encode", bench_rate(BENCH_SECONDS, do_encode, &c), c.bytes.len);
  report("deep copy", bench_rate(BENCH_SECONDS, do_copy, &c), 0);
  report("txpowid (header hash)", bench_rate(BENCH_SECONDS, do_txpowid, &c), 0);
  report("all derived values", bench_rate(BENCH_SECONDS, do_compute, &c), 0);

  ctx_t h = {0};
  mn_txpow_t *bare;
  O->copy(MN_OBJ_TXPOW, c.txpow, (void **)&bare);
  bare->body = NULL;
  O->txpow_compute(bare);
  O->encode(MN_OBJ_TXPOW, bare, &h.bytes);
  report("decode header-only TxPoW", bench_rate(BENCH_SECONDS, do_decode, &h), h.bytes.len);

  if ((rc = O->mine_prepare(c.txpow, &c.hdr)))
    die("mine_prepare", rc);
  report("mining loop (counter + SHA3)", bench_rate(BENCH_SECONDS, do_mine, &c), 0);

  mn_buf_free(&h.bytes);
  mn_buf_free(&c.hdr);
  mn_buf_free(&c.bytes);
  O->free(bare);
  O->free(c.txpow);
  return 0;
}
