/*
 * test_num.c - MiniNumber against the conformance data: every MiniByte and
 * MiniNumber.* entry of vectors/serialization.json, the number results of
 * vectors/kissvm.json that a single operation decides, and the examples
 * that spec/kissvm.md §3.2, §4.3 and §9 spell out.  Each group prints how
 * many entries passed; an entry of an unknown operation fails the test.
 *
 * Expected encodings come from the vectors as hex; the tests never build
 * expected bytes with the encoder they check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/errors.h>
#include <minima/stream.h>

#include "test_support.h"
#include "types/num.h"

/* --------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static const char *vname(json_t *e) {
  return json_string_value(json_object_get(e, "name"));
}

static const char *str(json_t *e, const char *k) {
  json_t *v = json_object_get(e, k);
  if (!json_is_string(v))
    fail_msg("vector %s: no string field %s", vname(e), k);
  return json_string_value(v);
}

static long long intf(json_t *e, const char *k) {
  json_t *v = json_object_get(e, k);
  if (!json_is_integer(v))
    fail_msg("vector %s: no integer field %s", vname(e), k);
  return json_integer_value(v);
}

static bool has(json_t *e, const char *k) {
  json_t *v = json_object_get(e, k);
  return v != NULL && !json_is_null(v);
}

static mn_num_t num(const char *text) {
  mn_num_t n;
  int rc = mn__num_parse(&n, text, strlen(text));
  if (rc)
    fail_msg("cannot parse %s: %s", text, mn_err_name(rc));
  return n;
}

/* Asserts the number's encoding equals the hex. */
static void assert_encoding(const mn_num_t *n, const char *hex) {
  uint8_t enc[MN_NUM_MAX_ENCODED];
  int k = mn__num_encode(n, enc, sizeof enc);
  assert_true(k > 0);
  mn_buf_t want = mn_test_unhex(hex);
  assert_bytes_equal(enc, (size_t)k, want.data, want.len);
  mn_buf_free(&want);
}

static void assert_str(const mn_num_t *n, const char *want) {
  char buf[MN_NUM_STR_MAX];
  size_t len = mn__num_to_str(n, buf, sizeof buf);
  assert_string_equal(buf, want);
  assert_int_equal(len, strlen(want));
}

static void report(const char *what, int passed, int total) {
  printf("%-28s %d/%d passed\n", what, passed, total);
  assert_int_equal(passed, total);
}

/* The reference's named constants (MiniNumber.java), by the text they are
 * built from. */
static const char *constant_text(const char *input) {
  static const struct {
    const char *name, *text;
  } consts[] = {
      {"MiniNumber.TEN", "1E1"},         {"MiniNumber.HUNDRED", "1E2"},
      {"MiniNumber.THOUSAND", "1E3"},    {"MiniNumber.MILLION", "1E6"},
      {"MiniNumber.HUNDMILLION", "1E8"}, {"MiniNumber.BILLION", "1E9"},
      {"MiniNumber.TRILLION", "1E12"},   {"MiniNumber.MINUSONE", "-1"},
  };
  for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++)
    if (strcmp(consts[i].name, input) == 0)
      return consts[i].text;
  fail_msg("unknown constant %s", input);
  return NULL;
}

/* --------------------------------------------------------------------------
 * serialization.json
 * ------------------------------------------------------------------------ */

static json_t *vectors;

static int setup(void **state) {
  (void)state;
  vectors = mn_test_load_vectors("serialization.json");
  return vectors ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  json_decref(vectors);
  return 0;
}

static void check_encode(json_t *e) {
  const char *ctor = str(e, "constructor"), *input = str(e, "input");
  mn_num_t n;
  int rc;
  if (strcmp(ctor, "string") == 0) {
    rc = mn__num_parse(&n, input, strlen(input));
  } else if (strcmp(ctor, "int") == 0 || strcmp(ctor, "long") == 0) {
    mn__num_from_i64(&n, strtoll(input, NULL, 10));
    rc = 0;
  } else if (strcmp(ctor, "BigInteger") == 0) {
    mn__num_from_u64(&n, strtoull(input, NULL, 10));
    rc = 0;
  } else if (strcmp(ctor, "BigDecimal") == 0) {
    /* "1E+1 (BigDecimal scale -1)": the BigDecimal, then the reference's
     * MiniNumber(BigDecimal) constructor. */
    char text[64];
    size_t k = strcspn(input, " ");
    assert_true(k < sizeof text);
    memcpy(text, input, k);
    text[k] = '\0';
    mn_num_t bd = num(text);
    assert_true(bd.scale < 0);
    rc = mn__num_from_decimal(&n, &bd);
  } else if (strcmp(ctor, "constant") == 0) {
    const char *t = constant_text(input);
    rc = mn__num_parse(&n, t, strlen(t));
  } else {
    fail_msg("vector %s: unknown constructor %s", vname(e), ctor);
    return;
  }
  if (has(e, "error")) {
    /* NumberFormatException: bad text or out of range. */
    if (rc != MN_EFORMAT && rc != MN_EOVERFLOW)
      fail_msg("vector %s: want an error, got %s", vname(e), mn_err_name(rc));
    return;
  }
  if (rc)
    fail_msg("vector %s: %s", vname(e), mn_err_name(rc));
  assert_int_equal(n.scale, intf(e, "scale"));
  assert_encoding(&n, str(e, "serialized_hex"));
  /* The unscaled value alone is the encoding after scale and length. */
  uint8_t enc[MN_NUM_MAX_ENCODED];
  int k = mn__num_encode(&n, enc, sizeof enc);
  mn_buf_t u = mn_test_unhex(str(e, "unscaled_hex"));
  assert_bytes_equal(enc + 2, (size_t)k - 2, u.data, u.len);
  mn_buf_free(&u);
  assert_str(&n, str(e, "to_string"));
}

static void check_decode(json_t *e) {
  mn_buf_t in = mn_test_unhex(str(e, "bytes_hex"));
  mn_num_t n;
  size_t used = 0;
  int rc = mn__num_decode(&n, in.data, in.len, &used);
  if (has(e, "error")) {
    assert_int_equal(rc, MN_EFORMAT);
  } else {
    assert_int_equal(rc, 0);
    assert_int_equal(used, in.len);
    assert_int_equal(n.scale, intf(e, "scale"));
    assert_str(&n, str(e, "to_string"));
    assert_encoding(&n, str(e, "reserialized_hex"));
  }
  mn_buf_free(&in);
}

static int arith(const char *op, mn_num_t *r, const mn_num_t *a, json_t *e) {
  int d;
  if (strcmp(op, "add") == 0)
    return mn__num_add(r, a, (mn_num_t[]){num(str(e, "b"))});
  if (strcmp(op, "sub") == 0)
    return mn__num_sub(r, a, (mn_num_t[]){num(str(e, "b"))});
  if (strcmp(op, "mult") == 0)
    return mn__num_mul(r, a, (mn_num_t[]){num(str(e, "b"))});
  if (strcmp(op, "div") == 0)
    return mn__num_div(r, a, (mn_num_t[]){num(str(e, "b"))});
  if (strcmp(op, "modulo") == 0)
    return mn__num_rem(r, a, (mn_num_t[]){num(str(e, "b"))});
  if (strcmp(op, "pow(int)") == 0)
    return mn__num_pow(r, a, atoi(str(e, "b")));
  if (strcmp(op, "sqrt") == 0)
    return mn__num_sqrt(r, a);
  if (strcmp(op, "floor") == 0)
    return mn__num_floor(r, a);
  if (strcmp(op, "ceil") == 0)
    return mn__num_ceil(r, a);
  if (strcmp(op, "abs") == 0)
    return mn__num_abs(r, a);
  if (strcmp(op, "increment") == 0 || strcmp(op, "decrement") == 0) {
    mn_num_t one;
    mn__num_from_i64(&one, 1); /* BigDecimal.ONE */
    return op[0] == 'i' ? mn__num_add(r, a, &one) : mn__num_sub(r, a, &one);
  }
  if (sscanf(op, "setSignificantDigits(%d)", &d) == 1)
    return mn__num_sigdig(r, a, d);
  fail_msg("vector %s: unknown op %s", vname(e), op);
  return -1;
}

static void check_arith(json_t *e) {
  mn_num_t a = num(str(e, "a")), r;
  memset(&r, 0x5a, sizeof r);
  mn_num_t before = r;
  int rc = arith(str(e, "op"), &r, &a, e);
  if (has(e, "error")) {
    const char *ex = str(e, "error");
    if (strcmp(ex, "ArithmeticException") == 0)
      assert_int_equal(rc, MN_EDIVZERO);
    else
      assert_int_equal(rc, MN_EOVERFLOW);
    assert_memory_equal(&r, &before, sizeof r); /* untouched */
    return;
  }
  if (rc)
    fail_msg("vector %s: %s", vname(e), mn_err_name(rc));
  assert_str(&r, str(e, "result"));
  assert_int_equal(r.scale, intf(e, "result_scale"));
  assert_encoding(&r, str(e, "result_serialized_hex"));
}

static void check_compare(json_t *e) {
  mn_num_t a = num(str(e, "a")), b = num(str(e, "b"));
  bool eq = json_is_true(json_object_get(e, "isEqual"));
  assert_int_equal(mn__num_cmp(&a, &b) == 0, eq);
  assert_int_equal(mn__num_cmp(&b, &a) == 0, eq);
  assert_encoding(&a, str(e, "a_serialized_hex"));
  assert_encoding(&b, str(e, "b_serialized_hex"));
}

static void check_minibyte(json_t *e) {
  mn_buf_t b = {0};
  mn_buf_put_u8(&b, (uint8_t)intf(e, "value"));
  mn_buf_t want = mn_test_unhex(str(e, "serialized_hex"));
  assert_bytes_equal(b.data, b.len, want.data, want.len);
  mn_reader_t r;
  mn_reader_init(&r, want.data, want.len);
  uint8_t v = mn_reader_u8(&r);
  assert_int_equal(v, intf(e, "value"));
  assert_int_equal(v != 0, json_is_true(json_object_get(e, "is_true")));
  mn_buf_free(&b);
  mn_buf_free(&want);
}

static void run_kind(const char *kind, void (*check)(json_t *)) {
  size_t i;
  json_t *e;
  int total = 0;
  json_array_foreach(vectors, i, e) {
    if (strcmp(str(e, "kind"), kind) != 0)
      continue;
    total++;
    check(e); /* fails the test on the first mismatch */
  }
  assert_true(total > 0);
  report(kind, total, total);
}

static void test_vec_minibyte(void **state) {
  (void)state;
  run_kind("MiniByte", check_minibyte);
}
static void test_vec_encode(void **state) {
  (void)state;
  run_kind("MiniNumber.encode", check_encode);
}
static void test_vec_decode(void **state) {
  (void)state;
  run_kind("MiniNumber.decode", check_decode);
}
static void test_vec_arith(void **state) {
  (void)state;
  run_kind("MiniNumber.arith", check_arith);
}
static void test_vec_compare(void **state) {
  (void)state;
  run_kind("MiniNumber.compare", check_compare);
}

/* --------------------------------------------------------------------------
 * kissvm.json: variables whose value one operation decides
 * ------------------------------------------------------------------------ */

/* op: + - * / % (binary), "parse", or a KISS function name.  For POW the
 * operands are in KISS order: POW(n x) is x^n.  var NULL means the case
 * expects an error. */
static const struct kiss_case {
  const char *name, *var, *op, *a, *b;
} kiss_cases[] = {
    {"num_add_sub", "b", "+", "0.1", "0.2"},
    {"num_div_one_third", "a", "/", "1", "3"},
    {"num_div_two_thirds_truncated", "a", "/", "2", "3"},
    {"num_div_large_quotient", "a", "/", "1000000", "7"},
    {"num_div_exact", "a", "/", "144", "12"},
    {"num_div_by_zero", NULL, "/", "5", "0"},
    {"num_div_by_zero_decimal", NULL, "/", "5", "0.000"},
    {"num_modulo_basic", "a", "%", "17", "5"},
    {"num_modulo_basic", "b", "%", "17.5", "5"},
    {"num_modulo_negative_dividend", "a", "%", "-17", "5"},
    {"num_modulo_zero", NULL, "%", "5", "0"},
    {"num_negative_literal", "c", "*", "-2.5", "4"},
    {"num_negative_literal", "b", "-", "3", "-5"},
    {"num_max_value", "a", "parse", "18446744073709551615", NULL},
    {"num_min_value", "a", "parse", "-18446744073709551615", NULL},
    {"num_overflow_add", NULL, "+", "18446744073709551615", "1"},
    {"num_underflow_sub", NULL, "-", "-18446744073709551615", "1"},
    {"num_overflow_mul", NULL, "*", "4294967296", "4294967296"},
    {"num_overflow_literal_parse", NULL, "parse", "18446744073709551616", NULL},
    {"num_44_decimals_kept", "a", "parse",
     "0.00000000000000000000000000000000000000000001", NULL},
    {"num_45th_decimal_truncated", "a", "parse",
     "0.000000000000000000000000000000000000000000009", NULL},
    {"num_64_significant_digits", "a", "parse",
     "12345678901234567890.123456789012345678901234567890123456789", NULL},
    {"num_more_than_64_digits_truncated", "a", "parse",
     "1234567890123456789.01234567890123456789012345678901234567890123456789",
     NULL},
    {"num_small_times_small", "a", "*", "0.0000000000000000000001",
     "0.0000000000000000000001"},
    {"num_small_times_small_underflow", "a", "*", "0.00000000000000000000001",
     "0.0000000000000000000001"},
    {"num_trailing_zeros_stripped", "a", "*", "2.50", "2"},
    {"number_decimal_literal", "n", "parse", "3.14159", NULL},
    {"number_leading_zeros", "n", "parse", "0007.50", NULL},
    {"fn_abs", "a", "ABS", "-7.25", NULL},
    {"fn_abs", "b", "ABS", "3", NULL},
    {"fn_ceil_floor", "a", "CEIL", "2.1", NULL},
    {"fn_ceil_floor", "b", "FLOOR", "2.9", NULL},
    {"fn_ceil_floor", "c", "CEIL", "-2.1", NULL},
    {"fn_ceil_floor", "d", "FLOOR", "-2.1", NULL},
    {"fn_inc_dec", "a", "INC", "9", NULL},
    {"fn_inc_dec", "b", "DEC", "0", NULL},
    {"fn_inc_dec", "c", "INC", "-0.5", NULL},
    {"fn_pow_arg_order", "a", "POW", "3", "2"},
    {"fn_pow_arg_order", "b", "POW", "2", "10"},
    {"fn_pow_zero_and_fraction", "a", "POW", "0", "5"},
    {"fn_pow_zero_and_fraction", "b", "POW", "2", "1.5"},
    {"fn_pow_negative_exponent", "a", "POW", "-2", "4"},
    {"fn_pow_overflow", NULL, "POW", "65", "2"},
    {"fn_sqrt", "a", "SQRT", "2", NULL},
    {"fn_sqrt", "b", "SQRT", "144", NULL},
    {"fn_sqrt", "c", "SQRT", "0.25", NULL},
    {"fn_sqrt_negative", NULL, "SQRT", "-4", NULL},
    {"fn_sigdig", "a", "SIGDIG", "3", "1234.5678"},
    {"fn_sigdig", "b", "SIGDIG", "2", "0.0012345"},
    {"fn_sigdig", "c", "SIGDIG", "5", "-98765.4321"},
    {"fn_sigdig_zero_digits", "a", "SIGDIG", "0", "123.456"},
    {"fn_sigdig_negative_error", NULL, "SIGDIG", "-1", "5"},
    {"fn_sigdig_too_many_error", NULL, "SIGDIG", "65", "5"},
    {"fn_number_casts", "a", "parse", "42.10", NULL},
    {"fn_number_casts", "d", "parse", "-3", NULL},
    {"fn_number_exponent_string", "a", "parse", "1E3", NULL},
    {"fn_number_exponent_string", "b", "parse", "2.5e-2", NULL},
    {"fn_number_bad_string", NULL, "parse", "twelve", NULL},
    {"exec_runs_script", "y", "*", "21", "2"},
    {"instruction_count_simple", "a", "+", "1", "2"},
};

/* Runs one operation the way the KISS functions use the number table. */
static int kiss_op(const char *op, const char *as, const char *bs,
                   mn_num_t *r) {
  mn_num_t a, b, one;
  int rc = mn__num_parse(&a, as, strlen(as));
  if (rc || strcmp(op, "parse") == 0) {
    *r = a;
    return rc;
  }
  if (bs && (rc = mn__num_parse(&b, bs, strlen(bs))))
    return rc;
  mn__num_from_i64(&one, 1);
  if (strcmp(op, "+") == 0)
    return mn__num_add(r, &a, &b);
  if (strcmp(op, "-") == 0)
    return mn__num_sub(r, &a, &b);
  if (strcmp(op, "*") == 0)
    return mn__num_mul(r, &a, &b);
  if (strcmp(op, "/") == 0)
    return mn__num_div(r, &a, &b);
  if (strcmp(op, "%") == 0)
    return mn__num_rem(r, &a, &b);
  if (strcmp(op, "ABS") == 0)
    return mn__num_abs(r, &a);
  if (strcmp(op, "CEIL") == 0)
    return mn__num_ceil(r, &a);
  if (strcmp(op, "FLOOR") == 0)
    return mn__num_floor(r, &a);
  if (strcmp(op, "INC") == 0)
    return mn__num_add(r, &a, &one);
  if (strcmp(op, "DEC") == 0)
    return mn__num_sub(r, &a, &one);
  if (strcmp(op, "SQRT") == 0)
    return mn__num_sqrt(r, &a);
  if (strcmp(op, "POW") == 0) {
    /* The exponent must be whole and below 1024 in magnitude (KISS
     * rules, checked by the VM); then x^n. */
    if (!mn__num_is_whole(&a))
      return MN_ERANGE;
    int32_t n = mn__num_to_i32_wrap(&a);
    if (n <= -1024 || n >= 1024)
      return MN_ERANGE;
    return mn__num_pow(r, &b, n);
  }
  if (strcmp(op, "SIGDIG") == 0)
    return mn__num_sigdig(r, &b, mn__num_to_i32_wrap(&a));
  fail_msg("unknown op %s", op);
  return -1;
}

static json_t *kiss_find(json_t *cases, const char *name) {
  size_t i;
  json_t *c;
  json_array_foreach(cases, i, c) {
    if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
      return c;
  }
  fail_msg("kissvm.json has no case %s", name);
  return NULL;
}

static void test_kissvm_numbers(void **state) {
  (void)state;
  json_t *all = mn_test_load_vectors("kissvm.json");
  json_t *cases = json_object_get(all, "cases");
  int passed = 0, total = 0;
  for (size_t i = 0; i < sizeof kiss_cases / sizeof kiss_cases[0]; i++) {
    const struct kiss_case *k = &kiss_cases[i];
    json_t *expect = json_object_get(kiss_find(cases, k->name), "expect");
    mn_num_t r;
    int rc = kiss_op(k->op, k->a, k->b, &r);
    total++;
    if (!k->var) {
      /* The script must fail, and so must the operation. */
      assert_false(json_is_null(json_object_get(expect, "error")));
      if (rc == 0)
        fail_msg("%s: %s %s %s succeeded", k->name, k->a, k->op,
                 k->b ? k->b : "");
      passed++;
      continue;
    }
    json_t *var = json_object_get(json_object_get(expect, "vars"), k->var);
    assert_string_equal(json_string_value(json_object_get(var, "type")),
                        "NUMBER");
    if (rc)
      fail_msg("%s: %s %s %s: %s", k->name, k->a, k->op, k->b ? k->b : "",
               mn_err_name(rc));
    assert_str(&r, json_string_value(json_object_get(var, "value")));
    passed++;
  }
  json_decref(all);
  report("kissvm.json numbers", passed, total);
}

/* --------------------------------------------------------------------------
 * Examples written out in spec/kissvm.md
 * ------------------------------------------------------------------------ */

static const struct spec_case {
  const char *op, *a, *b, *want; /* want NULL: an error */
} spec_cases[] = {
    /* §3.2 */
    {"/", "1", "3", "0.33333333333333333333333333333333333333333333"},
    {"/", "1000000", "7",
     "142857.14285714285714285714285714285714285714285714"},
    {"*", "0.0000000000000000000001", "0.00000000000000000000001", "0"},
    /* §2.5 */
    {"parse", "18446744073709551616", NULL, NULL},
    {"parse", "18446744073709551615.5", NULL, NULL},
    {"parse", "0.000000000000000000000000000000000000000000009", NULL, "0"},
    /* §4.3 */
    {"%", "17", "5", "2"},
    {"%", "-17", "5", "-2"},
    {"%", "10", "-3", "1"},
    {"%", "10.75", "0.5", "0.25"},
    {"%", "-10.75", "3", "-1.75"},
    {"*", "-1", "0", "0"},
    /* §9.2 */
    {"parse", "1E3", NULL, "1000"},
    {"parse", "2.5e-2", NULL, "0.025"},
    {"parse", "+5.50", NULL, "5.5"},
    {"parse", "-3", NULL, "-3"},
    {"parse", "1E-50", NULL, "0"},
    {"parse", "twelve", NULL, NULL},
    {"parse", " 5", NULL, NULL},
    /* §9.3 */
    {"CEIL", "-2.1", NULL, "-2"},
    {"FLOOR", "-0.0001", NULL, "-1"},
    {"POW", "3", "2", "8"},
    {"POW", "2", "10", "100"},
    {"POW", "-2", "4", "0.0625"},
    {"POW", "0", "0", "1"},
    {"POW", "1024", "1", NULL},
    {"SQRT", "2", NULL, "1.41421356237309504880168872420969807856967187"},
    {"SIGDIG", "3", "1234.5678", "1230"},
    {"SIGDIG", "2", "199", "190"},
};

static void test_spec_examples(void **state) {
  (void)state;
  int passed = 0, total = 0;
  for (size_t i = 0; i < sizeof spec_cases / sizeof spec_cases[0]; i++) {
    const struct spec_case *c = &spec_cases[i];
    mn_num_t r;
    int rc = kiss_op(c->op, c->a, c->b, &r);
    total++;
    if (!c->want) {
      if (rc == 0)
        fail_msg("%s %s %s succeeded", c->a, c->op, c->b ? c->b : "");
    } else {
      if (rc)
        fail_msg("%s %s %s: %s", c->a, c->op, c->b ? c->b : "",
                 mn_err_name(rc));
      assert_str(&r, c->want);
    }
    passed++;
  }
  /* §3.2: 2/3*3, two operations. */
  mn_num_t t, r;
  assert_int_equal(
      mn__num_div(&t, (mn_num_t[]){num("2")}, (mn_num_t[]){num("3")}), 0);
  assert_int_equal(mn__num_mul(&r, &t, (mn_num_t[]){num("3")}), 0);
  assert_str(&r, "1.99999999999999999999999999999999999999999998");
  total++;
  passed++;
  report("kissvm.md examples", passed, total);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vec_minibyte),
      cmocka_unit_test(test_vec_encode),
      cmocka_unit_test(test_vec_decode),
      cmocka_unit_test(test_vec_arith),
      cmocka_unit_test(test_vec_compare),
      cmocka_unit_test(test_kissvm_numbers),
      cmocka_unit_test(test_spec_examples),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
