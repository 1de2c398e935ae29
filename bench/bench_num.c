/*
 * bench_num.c - MiniNumber throughput: parse, to_str, add, sub, mul, div
 * and cmp on typical small values (amounts such as 1.5 and 1000) and on
 * 64-digit values, in operations per second.
 *
 * When built with GMP (MN_HAVE_GMP) the same operations also run on a
 * small GMP-backed decimal with the same rules (64-digit truncation, 44
 * decimals, range check, division truncated at 44 decimals with trailing
 * zeros removed down to the preferred scale), as a baseline for the
 * choice of our own fixed-width integers.  Both implementations are
 * first checked to print the same results.  Figures only, no assertions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/errors.h>

#include "types/num.h"
#include "util/util.h"

#ifdef MN_HAVE_GMP
#include <gmp.h>
#endif

#define NVAL 8

static const char *small_vals[NVAL] = {
    "1.5", "1000", "0.25", "12345.678", "3", "99.99", "7", "0.001",
};

static const char *big_vals[NVAL] = {
    "12345678901234567890.12345678901234567890123456789012345678901234",
    "9876543210.987654321098765432109876543210987654321098765432109876",
    "1.234567890123456789012345678901234567890123456789012345678901234",
    "3141592653.589793238462643383279502884197169399375105820974944592",
    "18446744073709551614.99999999999999999999999999999999999999999999",
    "2718281828.459045235360287471352662497757247093699959574966967627",
    "0.1111111111111111111111111111111111111111111111111111111111111111",
    "17.77777777777777777777777777777777777777777777777777777777777777",
};

enum op { OP_PARSE, OP_STR, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_CMP, OP_N };
static const char *op_names[OP_N] = {"parse", "to_str", "add", "sub",
                                     "mul",   "div",    "cmp"};

static volatile uint64_t sink;

/* --------------------------------------------------------------------------
 * Ours
 * ------------------------------------------------------------------------ */

static uint64_t run_ours(enum op op, const char **vals, long iters) {
  mn_num_t v[NVAL], r;
  size_t lens[NVAL];
  char buf[MN_NUM_STR_MAX];
  for (int i = 0; i < NVAL; i++) {
    lens[i] = strlen(vals[i]);
    mn__num_parse(&v[i], vals[i], lens[i]);
  }
  uint64_t acc = 0, t0 = mn__mono_ns();
  for (long k = 0; k < iters; k++) {
    int i = (int)(k % NVAL), j = (int)((k / NVAL + 1 + k) % NVAL);
    switch (op) {
    case OP_PARSE:
      acc += (uint64_t)mn__num_parse(&r, vals[i], lens[i]) + r.mag[0];
      break;
    case OP_STR:
      acc += mn__num_to_str(&v[i], buf, sizeof buf);
      break;
    case OP_ADD:
      acc += (uint64_t)mn__num_add(&r, &v[i], &v[j]) + r.mag[0];
      break;
    case OP_SUB:
      acc += (uint64_t)mn__num_sub(&r, &v[i], &v[j]) + r.mag[0];
      break;
    case OP_MUL:
      acc += (uint64_t)mn__num_mul(&r, &v[i], &v[j]) + r.mag[0];
      break;
    case OP_DIV:
      acc += (uint64_t)mn__num_div(&r, &v[i], &v[j]) + r.mag[0];
      break;
    case OP_CMP:
      acc += (uint64_t)(mn__num_cmp(&v[i], &v[j]) + 1);
      break;
    case OP_N:
      break;
    }
  }
  sink += acc;
  return mn__mono_ns() - t0;
}

/* --------------------------------------------------------------------------
 * GMP baseline
 * ------------------------------------------------------------------------ */

#ifdef MN_HAVE_GMP
typedef struct gdec {
  mpz_t u; /* signed unscaled value */
  long scale;
} gdec_t;

static mpz_t pow10_tab[160], gmax, tmp, tmp2;

static void g_setup(void) {
  for (int k = 0; k < 160; k++) {
    mpz_init(pow10_tab[k]);
    mpz_ui_pow_ui(pow10_tab[k], 10, (unsigned long)k);
  }
  mpz_init_set_str(gmax, "18446744073709551615", 10);
  mpz_init(tmp);
  mpz_init(tmp2);
}

static void g_teardown(void) {
  for (int k = 0; k < 160; k++)
    mpz_clear(pow10_tab[k]);
  mpz_clear(gmax);
  mpz_clear(tmp);
  mpz_clear(tmp2);
}

static long g_digits(const mpz_t v) {
  if (mpz_sgn(v) == 0)
    return 1;
  long d = (long)mpz_sizeinbase(v, 10); /* exact or one too many */
  if (d > 1 && mpz_cmpabs(v, pow10_tab[d - 1]) < 0)
    d--;
  return d;
}

/* 64-digit truncation, plain re-parse, 44 decimals, range check. */
static int g_finish(gdec_t *x) {
  long d = g_digits(x->u);
  if (d > 64) {
    mpz_tdiv_q(x->u, x->u, pow10_tab[d - 64]);
    x->scale -= d - 64;
    d = 64;
  }
  if (x->scale < 0) {
    if (mpz_sgn(x->u) == 0) {
      x->scale = 0;
    } else {
      if (d - x->scale > 20)
        return MN_EOVERFLOW;
      mpz_mul(x->u, x->u, pow10_tab[-x->scale]);
      x->scale = 0;
    }
  } else if (x->scale > 44) {
    mpz_tdiv_q(x->u, x->u,
               pow10_tab[x->scale - 44 > 159 ? 159 : x->scale - 44]);
    x->scale = 44;
  }
  mpz_mul(tmp, gmax, pow10_tab[x->scale]);
  if (mpz_cmpabs(x->u, tmp) > 0)
    return MN_EOVERFLOW;
  return 0;
}

static int g_parse(gdec_t *x, const char *s) {
  char digits[200];
  size_t n = 0;
  long frac = 0;
  int dot = 0;
  const char *p = s;
  if (*p == '-' || *p == '+')
    p++;
  for (; *p && n < sizeof digits - 1; p++) {
    if (*p == '.') {
      dot = 1;
      continue;
    }
    digits[n++] = *p;
    frac += dot;
  }
  digits[n] = '\0';
  if (mpz_set_str(x->u, digits, 10))
    return MN_EFORMAT;
  if (s[0] == '-')
    mpz_neg(x->u, x->u);
  x->scale = frac;
  /* No negative scale from plain text: the limit check alone. */
  long d = g_digits(x->u);
  if (d > 64) {
    mpz_tdiv_q(x->u, x->u, pow10_tab[d - 64]);
    x->scale -= d - 64;
  }
  return g_finish(x);
}

static size_t g_to_str(const gdec_t *x, char *buf, size_t cap) {
  char d[200];
  mpz_abs(tmp2, x->u);
  mpz_get_str(d, 10, tmp2);
  size_t n = strlen(d);
  long s = x->scale;
  if (mpz_sgn(x->u) == 0) {
    return (size_t)snprintf(buf, cap, "0");
  }
  while (s > 0 && n > 1 && d[n - 1] == '0') {
    n--;
    s--;
  }
  d[n] = '\0';
  const char *sign = mpz_sgn(x->u) < 0 ? "-" : "";
  if (s <= 0)
    return (size_t)snprintf(buf, cap, "%s%s", sign, d);
  if ((size_t)s < n)
    return (size_t)snprintf(buf, cap, "%s%.*s.%s", sign, (int)(n - (size_t)s),
                            d, d + n - (size_t)s);
  char zeros[200];
  memset(zeros, '0', (size_t)s - n);
  zeros[(size_t)s - n] = '\0';
  return (size_t)snprintf(buf, cap, "%s0.%s%s", sign, zeros, d);
}

static int g_add(gdec_t *r, const gdec_t *a, const gdec_t *b, int neg_b) {
  /* Exact sum at the larger scale (operands are at most 64 digits with
   * scales 0..44, so the exact sum is small). */
  long s = a->scale > b->scale ? a->scale : b->scale;
  mpz_mul(tmp, a->u, pow10_tab[s - a->scale]);
  mpz_mul(tmp2, b->u, pow10_tab[s - b->scale]);
  if (neg_b)
    mpz_sub(r->u, tmp, tmp2);
  else
    mpz_add(r->u, tmp, tmp2);
  r->scale = s;
  return g_finish(r);
}

static int g_mul(gdec_t *r, const gdec_t *a, const gdec_t *b) {
  mpz_mul(r->u, a->u, b->u);
  r->scale = a->scale + b->scale;
  return g_finish(r);
}

static int g_div(gdec_t *r, const gdec_t *a, const gdec_t *b) {
  if (mpz_sgn(b->u) == 0)
    return MN_EDIVZERO;
  long pref = a->scale - b->scale, k = 44 - pref;
  mpz_mul(tmp, a->u, pow10_tab[k]);
  mpz_tdiv_qr(r->u, tmp2, tmp, b->u);
  r->scale = 44;
  if (mpz_sgn(tmp2) == 0) {
    long floor_s = pref > 0 ? pref : 0;
    while (r->scale > floor_s && mpz_sgn(r->u) != 0 &&
           mpz_divisible_ui_p(r->u, 10)) {
      mpz_divexact_ui(r->u, r->u, 10);
      r->scale--;
    }
  }
  return g_finish(r);
}

static int g_cmp(const gdec_t *a, const gdec_t *b) {
  long s = a->scale > b->scale ? a->scale : b->scale;
  mpz_mul(tmp, a->u, pow10_tab[s - a->scale]);
  mpz_mul(tmp2, b->u, pow10_tab[s - b->scale]);
  int c = mpz_cmp(tmp, tmp2);
  return c < 0 ? -1 : c > 0;
}

static uint64_t run_gmp(enum op op, const char **vals, long iters) {
  gdec_t v[NVAL], r;
  char buf[MN_NUM_STR_MAX];
  for (int i = 0; i < NVAL; i++) {
    mpz_init(v[i].u);
    g_parse(&v[i], vals[i]);
  }
  mpz_init2(r.u, 1024);
  uint64_t acc = 0, t0 = mn__mono_ns();
  for (long k = 0; k < iters; k++) {
    int i = (int)(k % NVAL), j = (int)((k / NVAL + 1 + k) % NVAL);
    switch (op) {
    case OP_PARSE:
      acc += (uint64_t)g_parse(&r, vals[i]) + (uint64_t)r.scale;
      break;
    case OP_STR:
      acc += g_to_str(&v[i], buf, sizeof buf);
      break;
    case OP_ADD:
      acc += (uint64_t)g_add(&r, &v[i], &v[j], 0) + (uint64_t)r.scale;
      break;
    case OP_SUB:
      acc += (uint64_t)g_add(&r, &v[i], &v[j], 1) + (uint64_t)r.scale;
      break;
    case OP_MUL:
      acc += (uint64_t)g_mul(&r, &v[i], &v[j]) + (uint64_t)r.scale;
      break;
    case OP_DIV:
      acc += (uint64_t)g_div(&r, &v[i], &v[j]) + (uint64_t)r.scale;
      break;
    case OP_CMP:
      acc += (uint64_t)(g_cmp(&v[i], &v[j]) + 1);
      break;
    case OP_N:
      break;
    }
  }
  uint64_t ns = mn__mono_ns() - t0;
  sink += acc;
  for (int i = 0; i < NVAL; i++)
    mpz_clear(v[i].u);
  mpz_clear(r.u);
  return ns;
}

/* Both implementations print the same result for every pair. */
static int agree(const char **vals) {
  int bad = 0;
  gdec_t ga, gb, gr;
  mpz_init(ga.u);
  mpz_init(gb.u);
  mpz_init(gr.u);
  for (int i = 0; i < NVAL; i++)
    for (int j = 0; j < NVAL; j++)
      for (int op = OP_ADD; op <= OP_CMP; op++) {
        mn_num_t a, b, r;
        char s1[MN_NUM_STR_MAX] = "", s2[MN_NUM_STR_MAX] = "";
        int rc1, rc2;
        mn__num_parse(&a, vals[i], strlen(vals[i]));
        mn__num_parse(&b, vals[j], strlen(vals[j]));
        g_parse(&ga, vals[i]);
        g_parse(&gb, vals[j]);
        switch (op) {
        case OP_ADD:
          rc1 = mn__num_add(&r, &a, &b);
          rc2 = g_add(&gr, &ga, &gb, 0);
          break;
        case OP_SUB:
          rc1 = mn__num_sub(&r, &a, &b);
          rc2 = g_add(&gr, &ga, &gb, 1);
          break;
        case OP_MUL:
          rc1 = mn__num_mul(&r, &a, &b);
          rc2 = g_mul(&gr, &ga, &gb);
          break;
        case OP_DIV:
          rc1 = mn__num_div(&r, &a, &b);
          rc2 = g_div(&gr, &ga, &gb);
          break;
        default:
          rc1 = mn__num_cmp(&a, &b);
          rc2 = g_cmp(&ga, &gb);
          if (rc1 != rc2)
            bad++;
          continue;
        }
        if (rc1 != rc2) {
          bad++;
          continue;
        }
        if (rc1)
          continue;
        mn__num_to_str(&r, s1, sizeof s1);
        g_to_str(&gr, s2, sizeof s2);
        if (strcmp(s1, s2) != 0 || r.scale != gr.scale) {
          fprintf(stderr, "differ: %s %s %s: %s / %s\n", op_names[op], vals[i],
                  vals[j], s1, s2);
          bad++;
        }
      }
  mpz_clear(ga.u);
  mpz_clear(gb.u);
  mpz_clear(gr.u);
  return bad;
}
#endif

/* --------------------------------------------------------------------------
 * Driver
 * ------------------------------------------------------------------------ */

/* Best of three runs, in operations per second. */
static double best_rate(uint64_t (*fn)(enum op, const char **, long),
                        enum op op, const char **vals, long iters) {
  uint64_t best = UINT64_MAX;
  for (int rep = 0; rep < 3; rep++) {
    uint64_t ns = fn(op, vals, iters);
    if (ns < best)
      best = ns;
  }
  return best ? (double)iters * 1e9 / (double)best : 0;
}

static void table(const char *title, const char **vals, long iters) {
  printf("\n%s\n", title);
#ifdef MN_HAVE_GMP
  printf("  %-8s %14s %14s %8s\n", "op", "ours ops/s", "gmp ops/s", "ratio");
#else
  printf("  %-8s %14s\n", "op", "ours ops/s");
#endif
  for (int op = 0; op < OP_N; op++) {
    double ours = best_rate(run_ours, (enum op)op, vals, iters);
#ifdef MN_HAVE_GMP
    double gmp = best_rate(run_gmp, (enum op)op, vals, iters);
    printf("  %-8s %14.0f %14.0f %7.2fx\n", op_names[op], ours, gmp,
           gmp > 0 ? ours / gmp : 0);
#else
    printf("  %-8s %14.0f\n", op_names[op], ours);
#endif
  }
}

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 2000000;
  printf("MiniNumber throughput, best of 3 runs of %ld operations\n", iters);
#ifdef MN_HAVE_GMP
  g_setup();
  int bad = agree(small_vals) + agree(big_vals);
  printf("ours and the GMP baseline agree on all pairs: %s\n",
         bad ? "NO" : "yes");
#else
  printf("(built without GMP: no baseline)\n");
#endif
  table("(a) small values (1.5, 1000, 0.25, 12345.678, ...)", small_vals,
        iters);
  table("(b) 64-digit values", big_vals, iters);
#ifdef MN_HAVE_GMP
  g_teardown();
#endif
  return 0;
}
