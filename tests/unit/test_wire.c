/*
 * test_wire.c - the primitive wire types (types/wire.h) against every
 * MiniData*, MiniString and MMREntryNumber entry of
 * vectors/serialization.json, then malformed input of each shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/errors.h>
#include <minima/stream.h>

#include "test_support.h"
#include "types/bigint.h"
#include "types/num.h"
#include "types/wire.h"

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

static const char *str(json_t *e, const char *k) {
  json_t *v = json_object_get(e, k);
  if (!json_is_string(v))
    fail_msg("vector %s: no string field %s",
             json_string_value(json_object_get(e, "name")), k);
  return json_string_value(v);
}

static bool has(json_t *e, const char *k) {
  return json_object_get(e, k) != NULL;
}

static void assert_buf_hex(const mn_buf_t *b, const char *hex) {
  mn_buf_t want = mn_test_unhex(hex);
  assert_int_equal(b->err, 0);
  assert_bytes_equal(b->data, b->len, want.data, want.len);
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
    check(e);
  }
  assert_true(total > 0);
  printf("%-32s %d/%d passed\n", kind, total, total);
}

/* --------------------------------------------------------------------------
 * Vectors
 * ------------------------------------------------------------------------ */

static void check_minidata(json_t *e) {
  mn_buf_t data = mn_test_unhex(str(e, "data_hex"));
  mn_buf_t b = {0};
  mn__data_put(&b, data.data, data.len);
  assert_buf_hex(&b, str(e, "serialized_hex"));

  mn_reader_t r;
  size_t n;
  mn_reader_init(&r, b.data, b.len);
  const uint8_t *p = mn__data_get(&r, &n);
  assert_int_equal(r.err, 0);
  assert_bytes_equal(p, n, data.data, data.len);
  assert_int_equal(mn_reader_left(&r), 0);

  char text[256];
  size_t tl = mn__data_to_0x(data.data, data.len, text, sizeof text);
  assert_string_equal(text, str(e, "to0xString"));
  assert_int_equal(tl, strlen(text));

  mn_buf_t h = {0};
  mn__hash_put(&h, data.data, data.len);
  mn_reader_init(&r, b.data, b.len);
  p = mn__hash_get(&r, &n);
  if (has(e, "hash_serialized_error")) {
    assert_int_equal(h.err, MN_ETOOBIG);
    assert_int_equal(h.len, 0);
    assert_null(p);
    assert_int_equal(r.err, MN_EFORMAT);
  } else {
    assert_buf_hex(&h, str(e, "hash_serialized_hex"));
    assert_int_equal(r.err, 0);
    assert_bytes_equal(p, n, data.data, data.len);
  }
  mn_buf_free(&h);
  mn_buf_free(&b);
  mn_buf_free(&data);
}

static void check_parse_hex(json_t *e) {
  const char *text = str(e, "text");
  mn_buf_t b = {0};
  assert_int_equal(mn__data_from_hex(text, strlen(text), &b), 0);
  mn_buf_t want = mn_test_unhex(str(e, "bytes_hex"));
  assert_bytes_equal(b.data, b.len, want.data, want.len);
  char out[256];
  mn__data_to_0x(b.data, b.len, out, sizeof out);
  assert_string_equal(out, str(e, "to0xString"));
  mn_buf_free(&want);
  mn_buf_free(&b);
}

static void check_from_uint(json_t *e) {
  const char *dec = str(e, "integer");
  mn_u256_t v;
  assert_int_equal(mn__u256_from_dec(&v, dec, strlen(dec)), 0);
  uint8_t out[32];
  size_t n = mn__data_from_u256(&v, out);
  mn_buf_t want = mn_test_unhex(str(e, "bytes_hex"));
  assert_bytes_equal(out, n, want.data, want.len);
  if (strlen(dec) < 20) {
    uint8_t o8[8];
    size_t n8 = mn__data_from_u64(strtoull(dec, NULL, 10), o8);
    assert_bytes_equal(o8, n8, want.data, want.len);
  }
  mn_buf_free(&want);
}

static void check_constant(json_t *e) {
  const char *name = str(e, "name");
  /* MAX_HASH is 2^256 - 1; MIN_TXPOW_WORK is MAX_HASH / 10000 (the
   * reference's Magic.MIN_HASHES), both as minimal bytes. */
  mn_u256_t max, v;
  memset(max.w, 0xff, sizeof max.w);
  if (strcmp(name, "constant_MAX_HASH") == 0) {
    v = max;
  } else if (strcmp(name, "constant_MIN_TXPOW_WORK") == 0) {
    mn_u256_t d;
    mn__u256_set_u64(&d, 10000);
    assert_int_equal(mn__u256_divmod(&v, NULL, &max, &d), 0);
  } else {
    fail_msg("unknown constant %s", name);
    return;
  }
  uint8_t out[32];
  size_t n = mn__data_from_u256(&v, out);
  mn_buf_t want = mn_test_unhex(str(e, "bytes_hex"));
  assert_bytes_equal(out, n, want.data, want.len);
  mn_buf_free(&want);
}

static void check_ministring(json_t *e) {
  const char *text = str(e, "text");
  mn_buf_t utf8 = mn_test_unhex(str(e, "utf8_hex"));
  assert_bytes_equal((const uint8_t *)text, strlen(text), utf8.data, utf8.len);
  mn_buf_t b = {0};
  mn__string_put(&b, text, strlen(text));
  assert_buf_hex(&b, str(e, "serialized_hex"));
  mn_reader_t r;
  size_t n;
  mn_reader_init(&r, b.data, b.len);
  const char *s = mn__string_get(&r, &n);
  assert_int_equal(r.err, 0);
  assert_int_equal(n, strlen(text));
  assert_memory_equal(s, text, n);
  mn_buf_free(&b);
  mn_buf_free(&utf8);
}

static void check_mmr_entry(json_t *e) {
  /* "value" is a decimal, optionally followed by a note. */
  uint64_t v = strtoull(str(e, "value"), NULL, 10);
  mn_buf_t b = {0};
  mn__mmr_entry_put(&b, v);
  assert_buf_hex(&b, str(e, "serialized_hex"));
  mn_reader_t r;
  uint64_t back = 1;
  mn_reader_init(&r, b.data, b.len);
  assert_int_equal(mn__mmr_entry_get(&r, &back), 0);
  assert_int_equal(back, v);
  assert_int_equal(mn_reader_left(&r), 0);
  mn_buf_free(&b);
}

static void test_vec_minidata(void **state) {
  (void)state;
  run_kind("MiniData", check_minidata);
}
static void test_vec_parse_hex(void **state) {
  (void)state;
  run_kind("MiniData.parse_hex_text", check_parse_hex);
}
static void test_vec_from_uint(void **state) {
  (void)state;
  run_kind("MiniData.from_unsigned_integer", check_from_uint);
}
static void test_vec_constant(void **state) {
  (void)state;
  run_kind("MiniData.constant", check_constant);
}
static void test_vec_ministring(void **state) {
  (void)state;
  run_kind("MiniString", check_ministring);
}
static void test_vec_mmr_entry(void **state) {
  (void)state;
  run_kind("MMREntryNumber", check_mmr_entry);
}

/* MiniNumber through the stream helpers: every decode vector reads and
 * writes back byte for byte; the error ones set the reader's error. */
static void test_vec_num_stream(void **state) {
  (void)state;
  size_t i;
  json_t *e;
  int total = 0;
  json_array_foreach(vectors, i, e) {
    if (strcmp(str(e, "kind"), "MiniNumber.decode") != 0)
      continue;
    total++;
    mn_buf_t in = mn_test_unhex(str(e, "bytes_hex"));
    mn_reader_t r;
    mn_num_t n;
    mn_reader_init(&r, in.data, in.len);
    int rc = mn__num_get(&r, &n);
    if (has(e, "error")) {
      assert_int_equal(rc, MN_EFORMAT);
      assert_int_equal(r.err, MN_EFORMAT);
    } else {
      assert_int_equal(rc, 0);
      assert_int_equal(mn_reader_left(&r), 0);
      mn_buf_t out = {0};
      mn__num_put(&out, &n);
      assert_buf_hex(&out, str(e, "reserialized_hex"));
      mn_buf_free(&out);
    }
    mn_buf_free(&in);
  }
  printf("%-32s %d/%d passed\n", "MiniNumber stream helpers", total, total);
}

/* --------------------------------------------------------------------------
 * Malformed input and edges
 * ------------------------------------------------------------------------ */

/* Reads a MiniData from hex with the given reader; returns reader err. */
static int read_data(const char *hex, int hash, size_t *n) {
  mn_buf_t in = mn_test_unhex(hex);
  mn_reader_t r;
  mn_reader_init(&r, in.data, in.len);
  const uint8_t *p = hash ? mn__hash_get(&r, n) : mn__data_get(&r, n);
  int err = r.err;
  assert_true((p == NULL) == (err != 0));
  mn_buf_free(&in);
  return err;
}

static void test_minidata_malformed(void **state) {
  (void)state;
  size_t n;
  assert_int_equal(read_data("80000000", 0, &n), MN_EFORMAT); /* < 0 */
  assert_int_equal(read_data("ffffffff", 0, &n), MN_EFORMAT); /* -1 */
  assert_int_equal(read_data("20000001", 0, &n), MN_EFORMAT); /* 512M+1 */
  assert_int_equal(read_data("000000", 0, &n), MN_EFORMAT);   /* short */
  assert_int_equal(read_data("00000002ab", 0, &n), MN_EFORMAT);
  assert_int_equal(read_data("00000000", 0, &n), 0);
  assert_int_equal(n, 0);
  /* Exactly 512 MiB is allowed by the length check (then short here). */
  assert_int_equal(read_data("20000000", 0, &n), MN_EFORMAT);
  /* Hash: at most 64. */
  assert_int_equal(read_data("00000041", 1, &n), MN_EFORMAT);
  assert_int_equal(read_data("80000000", 1, &n), MN_EFORMAT);
  char h64[2 * 68 + 1] = "00000040";
  for (int i = 0; i < 64; i++)
    memcpy(h64 + 8 + 2 * i, "ab", 2);
  h64[8 + 128] = '\0';
  assert_int_equal(read_data(h64, 1, &n), 0);
  assert_int_equal(n, 64);

  /* The exact-size reader. */
  mn_buf_t in = mn_test_unhex("00000002abcd");
  mn_reader_t r;
  mn_reader_init(&r, in.data, in.len);
  assert_null(mn__data_get_exact(&r, 3));
  assert_int_equal(r.err, MN_EFORMAT);
  mn_reader_init(&r, in.data, in.len);
  assert_non_null(mn__data_get_exact(&r, 2));
  assert_int_equal(r.err, 0);
  mn_buf_free(&in);
}

static void test_hex_text(void **state) {
  (void)state;
  static const char *bad[] = {"0xg1", "12 34", "-1",  "0x0x",
                              "+12",  "0x1.",  "x12", "\xc3\xa9"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mn_buf_t b = {0};
    mn_buf_put_u8(&b, 0x77);
    assert_int_equal(mn__data_from_hex(bad[i], strlen(bad[i]), &b), MN_EFORMAT);
    assert_int_equal(b.len, 1); /* unchanged */
    mn_buf_free(&b);
  }
  /* The empty text is empty data, like "0x". */
  mn_buf_t b = {0};
  assert_int_equal(mn__data_from_hex("", 0, &b), 0);
  assert_int_equal(b.len, 0);
  mn_buf_free(&b);

  /* to0x is snprintf-like. */
  const uint8_t d[] = {0x0a, 0xbc};
  char small[4];
  assert_int_equal(mn__data_to_0x(d, 2, small, sizeof small), 6);
  assert_string_equal(small, "0x0");
  assert_int_equal(mn__data_to_0x(d, 2, NULL, 0), 6);
  char e[4] = "zz";
  assert_int_equal(mn__data_to_0x(d, 0, e, sizeof e), 0);
  assert_string_equal(e, "");
}

static void test_data_compare(void **state) {
  (void)state;
  const uint8_t a[] = {0x00, 0x00, 0x01, 0x00};
  const uint8_t b[] = {0x01, 0x00};
  const uint8_t c[] = {0x00, 0xff};
  assert_int_equal(mn__data_cmp_value(a, 4, b, 2), 0);
  assert_int_equal(mn__data_cmp_value(c, 2, b, 2), -1);
  assert_int_equal(mn__data_cmp_value(b, 2, c, 2), 1);
  assert_int_equal(mn__data_cmp_value(a, 0, c, 0), 0);
  assert_int_equal(mn__data_cmp_value(a, 2, c, 0), 0); /* 0000 == empty */
  mn_u256_t v;
  assert_int_equal(mn__data_to_u256(a, 4, &v), 0);
  assert_int_equal(v.w[0], 256);
  uint8_t big[33];
  memset(big, 0xff, sizeof big);
  assert_int_equal(mn__data_to_u256(big, 33, &v), MN_EOVERFLOW);
  big[0] = 0;
  assert_int_equal(mn__data_to_u256(big, 33, &v), 0);
}

static int read_mmr(const char *hex, uint64_t *v) {
  mn_buf_t in = mn_test_unhex(hex);
  mn_reader_t r;
  mn_reader_init(&r, in.data, in.len);
  int rc = mn__mmr_entry_get(&r, v);
  assert_int_equal(rc, r.err);
  mn_buf_free(&in);
  return rc;
}

static void test_mmr_entry_malformed(void **state) {
  (void)state;
  uint64_t v;
  assert_int_equal(read_mmr("00010000000001ff", &v), MN_EFORMAT); /* -1 */
  assert_int_equal(read_mmr("00010000000000", &v), MN_EFORMAT);   /* empty */
  assert_int_equal(read_mmr("0001010000000105", &v), MN_EFORMAT); /* s=1 */
  assert_int_equal(read_mmr("000100000000090100000000000000"
                            "00",
                            &v),
                   MN_EFORMAT);                             /* 2^64 */
  assert_int_equal(read_mmr("0001000000", &v), MN_EFORMAT); /* short */
  assert_int_equal(read_mmr("0021", &v), MN_EFORMAT);       /* bad scale */
  /* Leading zero bytes and a scale of 0.0 read as the reference reads
   * them; the largest value fits. */
  assert_int_equal(read_mmr("0001000000000400000005", &v), 0);
  assert_int_equal(v, 5);
  assert_int_equal(read_mmr("010100000000010a", &v), 0);
  assert_int_equal(v, 10);
  assert_int_equal(read_mmr("00010000000009"
                            "00ffffffffffffffff",
                            &v),
                   0);
  assert_int_equal(v, UINT64_MAX);
  mn_buf_t b = {0};
  mn__mmr_entry_put(&b, UINT64_MAX);
  assert_buf_hex(&b, "00010000000009"
                     "00ffffffffffffffff");
  mn_buf_free(&b);
}

static void test_bool_and_counts(void **state) {
  (void)state;
  mn_buf_t in = mn_test_unhex("000102ff");
  mn_reader_t r;
  mn_reader_init(&r, in.data, in.len);
  assert_false(mn__bool_get(&r));
  assert_true(mn__bool_get(&r));
  assert_true(mn__bool_get(&r));
  assert_true(mn__bool_get(&r));
  assert_false(mn__bool_get(&r)); /* past the end */
  assert_int_equal(r.err, MN_EFORMAT);
  mn_buf_free(&in);

  mn_buf_t b = {0};
  mn__bool_put(&b, true);
  mn__bool_put(&b, false);
  mn__num_put_i64(&b, 3);
  mn__num_put_i64(&b, 300);
  mn__num_put_i64(&b, -1);
  assert_buf_hex(&b, "0100"
                     "000103"
                     "0002012c"
                     "0001ff");
  mn_buf_free(&b);

  /* A number that cannot be written marks the buffer. */
  mn_num_t huge;
  memset(&huge, 0, sizeof huge);
  huge.mag[3] = (uint64_t)1 << 63;
  mn__num_put(&b, &huge);
  assert_int_equal(b.err, MN_EINVAL);
  mn_buf_free(&b);

  /* A reader already in error stays so and yields zero. */
  mn_reader_t bad;
  mn_num_t n;
  mn_reader_init(&bad, "\x00", 1);
  bad.err = MN_EFORMAT;
  assert_int_equal(mn__num_get(&bad, &n), MN_EFORMAT);
  assert_true(mn__num_is_zero(&n));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vec_minidata),
      cmocka_unit_test(test_vec_parse_hex),
      cmocka_unit_test(test_vec_from_uint),
      cmocka_unit_test(test_vec_constant),
      cmocka_unit_test(test_vec_ministring),
      cmocka_unit_test(test_vec_mmr_entry),
      cmocka_unit_test(test_vec_num_stream),
      cmocka_unit_test(test_minidata_malformed),
      cmocka_unit_test(test_hex_text),
      cmocka_unit_test(test_data_compare),
      cmocka_unit_test(test_mmr_entry_malformed),
      cmocka_unit_test(test_bool_and_counts),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
