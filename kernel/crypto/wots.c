/*
 * crypto/wots.c - Winternitz one-time signatures as Minima uses them:
 * BouncyCastle's GMSS-util WOTS with SHA3-256 and w = 8 (spec/crypto.md
 * section 2).  34 hash chains of 255 steps: 32 message digits (the bytes of
 * SHA3(message)) and 2 checksum digits.
 *
 * Every chain is independent, so the work goes to mn__sha3_chain32 in one
 * batch: a signature's 34 chains, a verification's 34, or the 34 x K chains
 * of a whole tree-key node.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define CHAIN_LEN 255 /* 2^w - 1 */

/* GMSS PRNG state update: state += r + 1, little-endian, carries upward. */
static void prng_step(uint8_t st[32], const uint8_t r[32]) {
  unsigned carry = 0;
  for (int i = 0; i < 32; i++) {
    unsigned t = (unsigned)st[i] + r[i] + carry;
    st[i] = (uint8_t)t;
    carry = t >> 8;
  }
  for (int i = 0; i < 32; i++)
    if (++st[i] != 0)
      break;
}

void mn__wots_privkey(const uint8_t seed[32], uint8_t sk[MN__WOTS_CHAINS][32]) {
  uint8_t st[32];
  memcpy(st, seed, 32);
  for (int i = 0; i < MN__WOTS_CHAINS; i++) {
    mn__sha3_256(st, 32, sk[i]);
    prng_step(st, sk[i]);
  }
  explicit_bzero(st, sizeof st);
}

void mn__wots_digits(const uint8_t digest[32], uint8_t d[MN__WOTS_CHAINS]) {
  unsigned sum = 0;
  for (int i = 0; i < 32; i++) {
    d[i] = digest[i];
    sum += digest[i];
  }
  unsigned c = 32 * 256 - sum; /* 32..8192 */
  d[32] = (uint8_t)(c & 0xff);
  d[33] = (uint8_t)(c >> 8);
}

void mn__wots_pubkey(const uint8_t seed[32], uint8_t pk[32]) {
  uint8_t sk[MN__WOTS_CHAINS][32];
  mn__wots_privkey(seed, sk);
  mn__sha3_chain32(sk, MN__WOTS_CHAINS, NULL, CHAIN_LEN);
  mn__sha3_256(sk, sizeof sk, pk);
  explicit_bzero(sk, sizeof sk);
}

int mn__wots_pubkeys(const uint8_t (*seeds)[32], size_t n, uint8_t (*pk)[32]) {
  if (n == 0)
    return 0;
  /* One block: n private keys, the PRNG states and outputs, pointers. */
  size_t sklen = n * MN__WOTS_CHAINS * 32;
  uint8_t *mem = malloc(sklen + 2 * n * 32 + n * sizeof(uint8_t *));
  if (!mem)
    return MN_ENOMEM;
  uint8_t(*sk)[32] = (uint8_t(*)[32])mem;
  uint8_t(*st)[32] = (uint8_t(*)[32])(mem + sklen);
  uint8_t(*r)[32] = st + n;
  const uint8_t **msgs = (const uint8_t **)(void *)(mem + sklen + 2 * n * 32);

  /* The n PRNGs advance together: element i of every key is one batch. */
  memcpy(st, seeds, n * 32);
  for (int i = 0; i < MN__WOTS_CHAINS; i++) {
    memcpy(r, st, n * 32);
    mn__sha3_chain32(r, n, NULL, 1);
    for (size_t k = 0; k < n; k++) {
      memcpy(sk[k * MN__WOTS_CHAINS + i], r[k], 32);
      prng_step(st[k], r[k]);
    }
  }
  mn__sha3_chain32(sk, n * MN__WOTS_CHAINS, NULL, CHAIN_LEN);
  for (size_t k = 0; k < n; k++)
    msgs[k] = sk[k * MN__WOTS_CHAINS];
  mn__sha3_256_many(msgs, MN_WOTS_SIG_LEN, n, pk);
  explicit_bzero(mem, sklen + 2 * n * 32);
  free(mem);
  return 0;
}

void mn__wots_sign(const uint8_t seed[32], const void *msg, size_t len,
                   uint8_t sig[MN_WOTS_SIG_LEN]) {
  uint8_t sk[MN__WOTS_CHAINS][32];
  uint8_t digest[32], d[MN__WOTS_CHAINS];
  mn__wots_privkey(seed, sk);
  mn__sha3_256(msg, len, digest);
  mn__wots_digits(digest, d);
  mn__sha3_chain32(sk, MN__WOTS_CHAINS, d, 0);
  memcpy(sig, sk, MN_WOTS_SIG_LEN);
  explicit_bzero(sk, sizeof sk);
}

bool mn__wots_verify(const uint8_t pk[32], const void *msg, size_t len,
                     const uint8_t *sig, size_t siglen) {
  if (!sig || siglen != MN_WOTS_SIG_LEN)
    return false;
  uint8_t t[MN__WOTS_CHAINS][32];
  uint8_t digest[32], d[MN__WOTS_CHAINS], got[32];
  mn__sha3_256(msg, len, digest);
  mn__wots_digits(digest, d);
  for (int i = 0; i < MN__WOTS_CHAINS; i++)
    d[i] = (uint8_t)(CHAIN_LEN - d[i]);
  memcpy(t, sig, MN_WOTS_SIG_LEN);
  mn__sha3_chain32(t, MN__WOTS_CHAINS, d, 0);
  mn__sha3_256(t, sizeof t, got);
  return memcmp(got, pk, 32) == 0;
}

int mn__wots_recover(const uint8_t *const *sigs, const uint8_t (*digests)[32],
                     size_t n, uint8_t (*pk)[32]) {
  if (n == 0)
    return 0;
  size_t tlen = n * MN_WOTS_SIG_LEN;
  uint8_t *mem =
      malloc(tlen + n * MN__WOTS_CHAINS + n * sizeof(const uint8_t *));
  if (!mem)
    return MN_ENOMEM;
  uint8_t(*t)[32] = (uint8_t(*)[32])mem;
  const uint8_t **msgs = (const uint8_t **)(void *)(mem + tlen);
  uint8_t *steps = mem + tlen + n * sizeof(const uint8_t *);
  for (size_t k = 0; k < n; k++) {
    uint8_t *s = steps + k * MN__WOTS_CHAINS;
    memcpy(t[k * MN__WOTS_CHAINS], sigs[k], MN_WOTS_SIG_LEN);
    mn__wots_digits(digests[k], s);
    for (int i = 0; i < MN__WOTS_CHAINS; i++)
      s[i] = (uint8_t)(CHAIN_LEN - s[i]);
    msgs[k] = t[k * MN__WOTS_CHAINS];
  }
  mn__sha3_chain32(t, n * MN__WOTS_CHAINS, steps, 0);
  mn__sha3_256_many(msgs, MN_WOTS_SIG_LEN, n, pk);
  free(mem);
  return 0;
}
