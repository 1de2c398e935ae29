/*
 * test_crypto_sha3.c - SHA3-256 against OpenSSL's EVP_sha3_256 as an
 * oracle: every length 0..1000 one-shot and incremental with random
 * splits, sha3_256_many against one-shot for 1..17 messages, the hash
 * chains against iterated one-shot hashing, all on every instruction-set
 * tier the machine has.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <minima/stream.h>

#include "crypto/crypto.h"
#include "test_support.h"

#define MAXLEN 1000

static uint8_t g_data[MAXLEN + 64 * 20];

/* A small deterministic generator, so a failure can be reproduced. */
static uint64_t g_rng = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}

static void oracle(const void *p, size_t n, uint8_t out[32]) {
  unsigned len = 0;
  assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha3_256(), NULL), 1);
  assert_int_equal(len, 32);
}

static int setup(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof g_data; i++)
    g_data[i] = (uint8_t)rnd();
  return 0;
}

static int best_isa(void) {
  return mn__sha3_set_isa(-1);
}

static const char *isa_name(int isa) {
  static const char *names[] = {"base", "bmi", "avx2", "avx512"};
  return names[isa];
}

/* FIPS 202 test values that do not come from the oracle. */
static void test_known_answers(void **state) {
  (void)state;
  static const struct {
    const char *in, *hash;
  } kat[] = {
      {"", "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"},
      {"abc",
       "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376"},
  };
  for (int isa = 0; isa <= best_isa(); isa++) {
    mn__sha3_set_isa(isa);
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
      uint8_t got[32];
      mn_buf_t want = mn_test_unhex(kat[i].hash);
      mn__sha3_256(kat[i].in, strlen(kat[i].in), got);
      assert_bytes_equal(got, 32, want.data, want.len);
      mn_buf_free(&want);
    }
    /* Keccak-f[1600] of the zero state: its first lane is a published
     * constant of the permutation. */
    uint64_t st[25] = {0};
    mn__keccakf(st);
    assert_true(st[0] == UINT64_C(0xf1258f7940e1dde7));
  }
  mn__sha3_set_isa(-1);
}

static void test_every_length(void **state) {
  (void)state;
  for (int isa = 0; isa <= best_isa(); isa++) {
    mn__sha3_set_isa(isa);
    for (size_t n = 0; n <= MAXLEN; n++) {
      uint8_t a[32], b[32];
      const uint8_t *p = g_data + (n % 7); /* unaligned starts too */
      mn__sha3_256(p, n, a);
      oracle(p, n, b);
      if (memcmp(a, b, 32) != 0)
        fail_msg("isa %s length %zu differs", isa_name(isa), n);
    }
  }
  mn__sha3_set_isa(-1);
}

static void test_incremental_splits(void **state) {
  (void)state;
  for (int isa = 0; isa <= best_isa(); isa++) {
    mn__sha3_set_isa(isa);
    for (size_t n = 0; n <= MAXLEN; n++) {
      uint8_t a[32], b[32];
      mn_sha3_t c;
      mn__sha3_init(&c);
      size_t off = 0;
      /* Random pieces: often tiny, sometimes whole blocks. */
      while (off < n) {
        size_t piece = (size_t)(rnd() % (rnd() & 1 ? 9 : 300));
        if (piece > n - off)
          piece = n - off;
        mn__sha3_update(&c, g_data + off, piece);
        off += piece;
      }
      mn__sha3_final(&c, a);
      oracle(g_data, n, b);
      if (memcmp(a, b, 32) != 0)
        fail_msg("isa %s length %zu (split) differs", isa_name(isa), n);
    }
  }
  mn__sha3_set_isa(-1);
}

static void test_fork_state(void **state) {
  (void)state;
  /* Copying a context forks the hash: a shared prefix absorbed once. */
  mn_sha3_t base, a;
  uint8_t h1[32], h2[32], o1[32], o2[32];
  mn__sha3_init(&base);
  mn__sha3_update(&base, g_data, 200);
  a = base;
  mn__sha3_update(&a, "x", 1);
  mn__sha3_final(&a, h1);
  a = base;
  mn__sha3_update(&a, "y", 1);
  mn__sha3_final(&a, h2);
  uint8_t buf[201];
  memcpy(buf, g_data, 200);
  buf[200] = 'x';
  oracle(buf, 201, o1);
  buf[200] = 'y';
  oracle(buf, 201, o2);
  assert_bytes_equal(h1, 32, o1, 32);
  assert_bytes_equal(h2, 32, o2, 32);
  /* The API table reaches the same functions. */
  const mn_crypto_api_t *api = mn__crypto_api();
  assert_int_equal(api->size, sizeof(mn_crypto_api_t));
  api->sha3_256(g_data, 77, h1);
  oracle(g_data, 77, o1);
  assert_bytes_equal(h1, 32, o1, 32);
}

static void test_many(void **state) {
  (void)state;
  static const size_t lens[] = {0,   1,   31,  32,  64,  100, 135,
                                136, 137, 256, 271, 272, 500, 1000};
  for (int isa = 0; isa <= best_isa(); isa++) {
    mn__sha3_set_isa(isa);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
      size_t len = lens[li];
      for (size_t count = 1; count <= 17; count++) {
        const uint8_t *in[17];
        uint8_t out[17][32];
        for (size_t j = 0; j < count; j++)
          in[j] = g_data + rnd() % 64; /* scattered, overlapping */
        memset(out, 0xaa, sizeof out);
        mn__sha3_256_many(in, len, count, out);
        for (size_t j = 0; j < count; j++) {
          uint8_t want[32];
          mn__sha3_256(in[j], len, want);
          if (memcmp(out[j], want, 32) != 0)
            fail_msg("isa %s many: len %zu count %zu message %zu differs",
                     isa_name(isa), len, count, j);
        }
        /* Nothing written past count. */
        for (size_t j = count; j < 17; j++)
          assert_int_equal(out[j][0], 0xaa);
      }
    }
  }
  mn__sha3_set_isa(-1);
  /* count 0 is a no-op. */
  uint8_t out[1][32];
  memset(out, 0x55, sizeof out);
  mn__sha3_256_many(NULL, 10, 0, out);
  assert_int_equal(out[0][0], 0x55);
}

static void test_chains(void **state) {
  (void)state;
  enum { N = 45 };
  for (int isa = 0; isa <= best_isa(); isa++) {
    mn__sha3_set_isa(isa);
    uint8_t v[N][32], w[N][32], steps[N];
    for (size_t n = 1; n <= N; n += 11) {
      for (size_t i = 0; i < n; i++) {
        memcpy(v[i], g_data + 32 * i, 32);
        memcpy(w[i], v[i], 32);
        /* Zeros, ones and long chains mixed. */
        steps[i] = (uint8_t)(i % 5 == 0 ? 0 : rnd() % 60 + (i % 3 ? 0 : 150));
      }
      mn__sha3_chain32(v, n, steps, 0);
      for (size_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < steps[i]; k++)
          oracle(w[i], 32, w[i]);
        if (memcmp(v[i], w[i], 32) != 0)
          fail_msg("isa %s chain %zu of %zu (%u steps) differs", isa_name(isa),
                   i, n, steps[i]);
      }
      /* Uniform length. */
      for (size_t i = 0; i < n; i++)
        memcpy(w[i], v[i], 32);
      mn__sha3_chain32(v, n, NULL, 3);
      for (size_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < 3; k++)
          oracle(w[i], 32, w[i]);
        assert_bytes_equal(v[i], 32, w[i], 32);
      }
    }
  }
  mn__sha3_set_isa(-1);
}

static void test_isa_cap(void **state) {
  (void)state;
  int best = best_isa();
  printf("SHA3 tiers on this machine: up to %s\n", isa_name(best));
  assert_int_equal(mn__sha3_set_isa(0), 0);
  assert_int_equal(mn__sha3_isa(), 0);
  /* A cap above what the CPU has gives what it has. */
  assert_int_equal(mn__sha3_set_isa(99), best);
  assert_int_equal(mn__sha3_set_isa(-1), best);
  assert_int_equal(mn__sha3_isa(), best);
}

static void test_sha256(void **state) {
  (void)state;
  for (size_t n = 0; n <= 300; n += 13) {
    uint8_t a[32], b[32];
    unsigned len;
    mn__sha256(g_data, n, a);
    EVP_Digest(g_data, n, b, &len, EVP_sha256(), NULL);
    assert_bytes_equal(a, 32, b, 32);
  }
}

static void test_random(void **state) {
  (void)state;
  uint8_t a[64], b[64];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  assert_int_equal(mn__crypto_api()->random(a, sizeof a), 0);
  assert_int_equal(mn__random(b, sizeof b), 0);
  /* 64 random bytes are neither all zero nor equal to another draw. */
  uint8_t zero[64] = {0};
  assert_true(memcmp(a, zero, 64) != 0);
  assert_true(memcmp(a, b, 64) != 0);
  assert_int_equal(mn__random(a, 0), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_every_length),
      cmocka_unit_test(test_incremental_splits),
      cmocka_unit_test(test_fork_state),
      cmocka_unit_test(test_many),
      cmocka_unit_test(test_chains),
      cmocka_unit_test(test_isa_cap),
      cmocka_unit_test(test_sha256),
      cmocka_unit_test(test_random),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
