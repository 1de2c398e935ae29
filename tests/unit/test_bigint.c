/*
 * test_bigint.c - the fixed-width integer primitives (types/bigint.h).
 *
 * Known values are written out as decimal or hex constants; division,
 * multiplication, shifts and square roots are also checked by their
 * defining identities on pseudo-random operands of every length.
 */
#include <stdio.h>
#include <string.h>

#include <minima/errors.h>

#include "test_support.h"
#include "types/bigint.h"

#define U256_MAX_DEC                                                           \
  "1157920892373161954235709850086879078532699846656405640394575840079131"     \
  "29639935"

/* xorshift64*: deterministic operands. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1du;
}

/* A random value of `limbs` significant limbs in n, with limb patterns
 * that stress carries (all ones, top bit only, zero). */
static void rnd_bn(uint64_t *a, size_t n, size_t limbs) {
  memset(a, 0, n * sizeof *a);
  for (size_t i = 0; i < limbs; i++) {
    switch (rnd() % 5) {
    case 0:
      a[i] = UINT64_MAX;
      break;
    case 1:
      a[i] = (uint64_t)1 << 63;
      break;
    case 2:
      a[i] = 0;
      break;
    default:
      a[i] = rnd();
    }
  }
  if (limbs)
    a[limbs - 1] |= 1;
}

static void test_decimal_text(void **state) {
  (void)state;
  mn_u256_t v;
  char buf[200];
  assert_int_equal(mn__u256_from_dec(&v, U256_MAX_DEC, strlen(U256_MAX_DEC)),
                   0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(v.w[i], UINT64_MAX);
  assert_int_equal(mn__u256_to_dec(&v, buf, sizeof buf), 78);
  assert_string_equal(buf, U256_MAX_DEC);
  /* One more does not fit. */
  char over[100];
  strcpy(over, U256_MAX_DEC);
  over[77] = '6';
  assert_int_equal(mn__u256_from_dec(&v, over, strlen(over)), MN_EOVERFLOW);
  /* Leading zeros, zero, bad text. */
  assert_int_equal(mn__u256_from_dec(&v, "000123", 6), 0);
  assert_int_equal(v.w[0], 123);
  assert_int_equal(mn__u256_from_dec(&v, "0", 1), 0);
  assert_true(mn__u256_is_zero(&v));
  assert_int_equal(mn__u256_to_dec(&v, buf, sizeof buf), 1);
  assert_string_equal(buf, "0");
  assert_int_equal(mn__u256_from_dec(&v, "", 0), MN_EFORMAT);
  assert_int_equal(mn__u256_from_dec(&v, "12a", 3), MN_EFORMAT);
  assert_int_equal(mn__u256_from_dec(&v, "-1", 2), MN_EFORMAT);
  /* 10^19 crosses the 19-digit chunk boundary. */
  assert_int_equal(mn__u256_from_dec(&v, "10000000000000000000", 20), 0);
  assert_int_equal(v.w[0], 10000000000000000000u);
  assert_int_equal(mn__u256_to_dec(&v, buf, sizeof buf), 20);
  assert_string_equal(buf, "10000000000000000000");
  /* snprintf-like truncation. */
  char small[5];
  mn__u256_set_u64(&v, 1234567);
  assert_int_equal(mn__u256_to_dec(&v, small, sizeof small), 7);
  assert_string_equal(small, "1234");
}

static void test_bytes(void **state) {
  (void)state;
  mn_u256_t v;
  uint8_t out[32];
  mn__u256_set_u64(&v, 0);
  assert_int_equal(mn__u256_to_be(&v, out), 1);
  assert_int_equal(out[0], 0);
  mn__u256_set_u64(&v, 0x100);
  assert_int_equal(mn__u256_to_be(&v, out), 2);
  assert_int_equal(out[0], 1);
  assert_int_equal(out[1], 0);
  memset(&v, 0, sizeof v);
  v.w[3] = (uint64_t)1 << 63;
  assert_int_equal(mn__u256_to_be(&v, out), 32);
  assert_int_equal(out[0], 0x80);
  assert_int_equal(out[31], 0);
  /* Round trip with leading zeros accepted. */
  uint8_t in[40] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 8; i < 40; i++)
    in[i] = (uint8_t)(i * 7);
  assert_int_equal(mn__u256_from_be(&v, in, 40), 0);
  assert_int_equal(mn__u256_to_be(&v, out), 32);
  assert_memory_equal(out, in + 8, 32);
  in[7] = 1; /* 33 significant bytes */
  assert_int_equal(mn__u256_from_be(&v, in + 7, 33), MN_EOVERFLOW);
  assert_int_equal(mn__u256_from_be(&v, in, 0), 0);
  assert_true(mn__u256_is_zero(&v));
}

static void test_add_sub_mul(void **state) {
  (void)state;
  mn_u256_t max, one, r;
  memset(max.w, 0xff, sizeof max.w);
  mn__u256_set_u64(&one, 1);
  assert_int_equal(mn__u256_add(&r, &max, &one), 1);
  assert_true(mn__u256_is_zero(&r));
  assert_int_equal(mn__u256_sub(&r, &r, &one), 1);
  assert_int_equal(mn__u256_cmp(&r, &max), 0);
  assert_int_equal(mn__u256_sub(&r, &max, &max), 0);
  assert_true(mn__u256_is_zero(&r));
  /* (2^256 - 1)^2 = 2^512 - 2^257 + 1. */
  mn_u512_t p;
  mn__u256_mul(&p, &max, &max);
  assert_int_equal(p.w[0], 1);
  assert_int_equal(p.w[1] | p.w[2] | p.w[3], 0);
  assert_int_equal(p.w[4], UINT64_MAX - 1);
  for (int i = 5; i < 8; i++)
    assert_int_equal(p.w[i], UINT64_MAX);
  /* mul_u64 carry and add_u64. */
  uint64_t a[2] = {UINT64_MAX, UINT64_MAX};
  assert_int_equal(mn__bn_mul_u64(a, a, 2, 2), 1);
  assert_int_equal(a[0], UINT64_MAX - 1);
  assert_int_equal(a[1], UINT64_MAX);
  assert_int_equal(mn__bn_add_u64(a, 2, 2), 1);
  assert_int_equal(a[0] | a[1], 0);
}

/* q*d + r == a and r < d, for the given operands. */
static void check_divmod(const uint64_t *a, size_t an, const uint64_t *d,
                         size_t dn) {
  uint64_t q[8], r[8], back[16], rr[16];
  assert_int_equal(mn__bn_divmod(q, r, a, an, d, dn), 0);
  assert_int_equal(mn__bn_cmp(r, d, dn), -1);
  mn__bn_mul(back, q, an, d, dn);
  memset(rr, 0, sizeof rr);
  memcpy(rr, r, dn * sizeof *r);
  assert_int_equal(mn__bn_add(back, back, rr, an + dn), 0);
  assert_int_equal(mn__bn_len(back, an + dn) <= an, 1);
  assert_memory_equal(back, a, an * sizeof *a);
}

static void test_divmod(void **state) {
  (void)state;
  /* A case whose first quotient estimate is one too large and is only
   * found out by the multiply-and-subtract step. */
  const uint64_t u[4] = {0, 0, (uint64_t)1 << 63, INT64_MAX};
  const uint64_t v[3] = {1, 0, (uint64_t)1 << 63};
  uint64_t q[4], r[3];
  assert_int_equal(mn__bn_divmod(q, r, u, 4, v, 3), 0);
  assert_int_equal(q[0], UINT64_MAX - 1);
  assert_int_equal(q[1] | q[2] | q[3], 0);
  assert_int_equal(r[0], 2);
  assert_int_equal(r[1], UINT64_MAX);
  assert_int_equal(r[2], (uint64_t)INT64_MAX);
  check_divmod(u, 4, v, 3);

  /* Division by zero, bad lengths, a < d. */
  uint64_t z[4] = {0};
  assert_int_equal(mn__bn_divmod(q, r, u, 4, z, 4), MN_EDIVZERO);
  assert_int_equal(mn__bn_divmod(q, r, u, 9, v, 3), MN_EINVAL);
  uint64_t small[1] = {5}, big[2] = {0, 1};
  uint64_t q2[1], r2[2];
  assert_int_equal(mn__bn_divmod(q2, r2, small, 1, big, 2), 0);
  assert_int_equal(q2[0], 0);
  assert_int_equal(r2[0], 5);

  /* Every length pair on random operands. */
  for (int iter = 0; iter < 4000; iter++) {
    uint64_t a[8], d[8];
    size_t an = 1 + rnd() % 8, dn = 1 + rnd() % 8;
    rnd_bn(a, an, 1 + rnd() % an);
    rnd_bn(d, dn, 1 + rnd() % dn);
    check_divmod(a, an, d, dn);
  }

  /* The named wrappers. */
  mn_u512_t n;
  mn_u256_t dd, rem;
  memset(n.w, 0xff, sizeof n.w);
  mn__u256_set_u64(&dd, 10);
  mn_u512_t qq;
  assert_int_equal(mn__u512_divmod(&qq, &rem, &n, &dd), 0);
  assert_int_equal(rem.w[0], 5); /* 2^512 - 1 ends in ...095 */
  mn__u256_set_u64(&dd, 0);
  assert_int_equal(mn__u512_divmod(&qq, &rem, &n, &dd), MN_EDIVZERO);
}

static void test_shifts_bitlen(void **state) {
  (void)state;
  const unsigned shifts[] = {0, 1, 63, 64, 65, 127, 128, 200, 255};
  for (int iter = 0; iter < 200; iter++) {
    uint64_t a[4], r[4], back[4];
    rnd_bn(a, 4, 1 + rnd() % 4);
    unsigned bl = mn__bn_bitlen(a, 4);
    for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
      unsigned s = shifts[i];
      /* Shifting left then right restores a when nothing fell off. */
      mn__bn_shl(r, a, 4, s);
      mn__bn_shr(back, r, 4, s);
      if (bl + s <= 256) {
        assert_memory_equal(back, a, sizeof a);
        assert_int_equal(mn__bn_bitlen(r, 4), bl ? bl + s : 0);
      }
      /* a >> s equals a / 2^s. */
      uint64_t p[4] = {0}, q[4];
      if (s < 256) {
        p[s / 64] = (uint64_t)1 << (s % 64);
        mn__bn_divmod(q, NULL, a, 4, p, 4);
        mn__bn_shr(r, a, 4, s);
        assert_memory_equal(r, q, sizeof q);
      }
    }
  }
  uint64_t a[4] = {1, 2, 3, 4}, r[4];
  mn__bn_shl(r, a, 4, 256);
  assert_true(mn__bn_is_zero(r, 4));
  mn__bn_shr(r, a, 4, 300);
  assert_true(mn__bn_is_zero(r, 4));
  /* In place. */
  mn__bn_shl(a, a, 4, 64);
  assert_int_equal(a[0], 0);
  assert_int_equal(a[1], 1);
  assert_int_equal(a[3], 3);
  assert_int_equal(mn__bn_bitlen(a, 4), 194);
}

static void test_decimal_helpers(void **state) {
  (void)state;
  uint64_t p[8], t[8];
  /* 10^k has k+1 digits and 10^k - 1 has k, up to 10^154. */
  for (unsigned k = 1; k <= 154; k++) {
    assert_true(mn__bn_pow10(p, 8, k));
    assert_int_equal(mn__bn_digits(p, 8), k + 1);
    assert_int_equal(mn__bn_trailing_zeros10(p, 8), k);
    memcpy(t, p, sizeof t);
    uint64_t one[8] = {1};
    mn__bn_sub(t, t, one, 8);
    assert_int_equal(mn__bn_digits(t, 8), k);
    assert_int_equal(mn__bn_trailing_zeros10(t, 8), 0);
    /* 10^k / 10^k == 1 exactly; (10^k - 1) / 10 is not exact. */
    assert_true(mn__bn_div_pow10(p, 8, k));
    assert_int_equal(p[0], 1);
    assert_false(mn__bn_div_pow10(t, 8, 1));
  }
  assert_false(mn__bn_pow10(p, 8, 155));
  assert_true(mn__bn_pow10(p, 4, 77));
  assert_false(mn__bn_pow10(p, 4, 78));
  uint64_t zero[8] = {0};
  assert_int_equal(mn__bn_digits(zero, 8), 1);
  assert_int_equal(mn__bn_trailing_zeros10(zero, 8), 0);
  /* mul_pow10 reports what does not fit. */
  uint64_t a[4] = {7};
  assert_true(mn__bn_mul_pow10(a, 4, 76));
  assert_int_equal(mn__bn_digits(a, 4), 77);
  assert_false(mn__bn_mul_pow10(a, 4, 1));
  /* div_pow10 beyond the digits gives zero. */
  uint64_t b[4] = {123456};
  assert_false(mn__bn_div_pow10(b, 4, 500));
  assert_true(mn__bn_is_zero(b, 4));
}

static void test_isqrt(void **state) {
  (void)state;
  for (int iter = 0; iter < 500; iter++) {
    uint64_t x[8] = {0}, sq[8], r[8], one[8] = {1};
    rnd_bn(x, 4, 1 + rnd() % 4);
    mn__bn_mul(sq, x, 4, x, 4);
    mn__bn_isqrt(r, sq, 8);
    assert_memory_equal(r, x, sizeof x);
    /* x^2 - 1 has root x - 1; x^2 + 2x has root x. */
    if (!mn__bn_is_zero(x, 8)) {
      uint64_t m[8], xm1[8];
      mn__bn_sub(m, sq, one, 8);
      mn__bn_isqrt(r, m, 8);
      mn__bn_sub(xm1, x, one, 8);
      assert_memory_equal(r, xm1, sizeof r);
      uint64_t two_x[8];
      mn__bn_add(two_x, x, x, 8);
      mn__bn_add(m, sq, two_x, 8);
      mn__bn_isqrt(r, m, 8);
      assert_memory_equal(r, x, sizeof r);
    }
  }
  uint64_t z[8] = {0}, r[8];
  mn__bn_isqrt(r, z, 8);
  assert_true(mn__bn_is_zero(r, 8));
  uint64_t two[1] = {2}, r1[1];
  mn__bn_isqrt(r1, two, 1);
  assert_int_equal(r1[0], 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decimal_text),
      cmocka_unit_test(test_bytes),
      cmocka_unit_test(test_add_sub_mul),
      cmocka_unit_test(test_divmod),
      cmocka_unit_test(test_shifts_bitlen),
      cmocka_unit_test(test_decimal_helpers),
      cmocka_unit_test(test_isqrt),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
