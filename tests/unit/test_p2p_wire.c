/*
 * test_p2p_wire.c - the p2p payload codecs: greetings and pulses round
 * trip, hostile counts and lengths are refused before anything is
 * allocated for them, and the version rule of spec/p2p.md §3.
 */
#include <stdlib.h>
#include <string.h>

#include "p2p.h"
#include "test_support.h"
#include "types/num.h"

static const mn_num_api_t *num;

static void test_greeting_roundtrip(void **state) {
  uint8_t ids[3 * 32];
  for (size_t i = 0; i < sizeof ids; i++)
    ids[i] = (uint8_t)i;
  json_t *extra = json_pack("{s:s,s:s}", "welcome", "hi", "port", "9001");
  mn_buf_t b = {0};
  p2p_greeting_encode(num, "1.0.45-TEST", extra, 1234, ids, 3, &b);
  assert_int_equal(b.err, 0);
  /* version: int32 length + bytes */
  assert_bytes_equal(b.data, 4, (const uint8_t *)"\0\0\0\x0b", 4);
  assert_memory_equal(b.data + 4, "1.0.45-TEST", 11);
  p2p_greeting_t g;
  assert_int_equal(p2p_greeting_decode(num, b.data, b.len, &g), 0);
  assert_string_equal(g.version, "1.0.45-TEST");
  assert_int_equal(g.top, 1234);
  assert_int_equal(g.n, 3);
  assert_memory_equal(g.ids, ids, sizeof ids);
  assert_string_equal(json_string_value(json_object_get(g.extra, "port")),
                      "9001");
  p2p_greeting_free(&g);
  /* no chain: top -1, no ids */
  mn_buf_free(&b);
  p2p_greeting_encode(num, "1.0", extra, -1, NULL, 0, &b);
  assert_int_equal(p2p_greeting_decode(num, b.data, b.len, &g), 0);
  assert_int_equal(g.top, -1);
  assert_int_equal(g.n, 0);
  assert_null(g.ids);
  p2p_greeting_free(&g);
  mn_buf_free(&b);
  json_decref(extra);
}

/* A greeting with a chosen count and id bytes after it. */
static mn_buf_t greeting_with(int64_t top, int64_t count, const uint8_t *tail,
                              size_t tail_len) {
  mn_buf_t b = {0};
  mn_buf_put_data(&b, "1.0", 3);
  mn_buf_put_data(&b, "{}", 2);
  uint8_t n[40];
  mn_num_t v;
  num->from_i64(&v, top);
  mn_buf_put(&b, n, (size_t)num->encode(&v, n, sizeof n));
  num->from_i64(&v, count);
  mn_buf_put(&b, n, (size_t)num->encode(&v, n, sizeof n));
  mn_buf_put(&b, tail, tail_len);
  return b;
}

static void test_greeting_hostile(void **state) {
  p2p_greeting_t g;
  uint8_t id[4 + 32] = {0, 0, 0, 32};
  /* a count far beyond the bytes present: refused, nothing allocated */
  mn_buf_t b = greeting_with(5, 2000000000, id, sizeof id);
  assert_int_equal(p2p_greeting_decode(num, b.data, b.len, &g), MN_EFORMAT);
  assert_null(g.ids);
  mn_buf_free(&b);
  /* a count one more than present */
  b = greeting_with(5, 2, id, sizeof id);
  assert_int_equal(p2p_greeting_decode(num, b.data, b.len, &g), MN_EFORMAT);
  mn_buf_free(&b);
  /* negative count */
  b = greeting_with(5, -1, NULL, 0);
  assert_int_equal(p2p_greeting_decode(num, b.data, b.len, &g), MN_EFORMAT);
  mn_buf_free(&b);
  /* an id that is not 32 bytes */
  uint8_t short_id[4 + 31] = {0, 0, 0, 31};
  uint8_t two[2 * 35] = {0};
  memcpy(two, short_id, sizeof short_id);
  b = greeting_with(5, 1, two, 35 + 1);
  assert_int_equal(p2p_greeting_decode(num, b.data, b.len, &g), MN_EFORMAT);
  mn_buf_free(&b);
  /* a fractional top block */
  b = (mn_buf_t){0};
  mn_buf_put_data(&b, "1.0", 3);
  mn_buf_put_data(&b, "{}", 2);
  uint8_t frac[] = {1, 1, 5, 0, 1, 0}; /* 0.5, then count 0 */
  mn_buf_put(&b, frac, sizeof frac);
  assert_int_equal(p2p_greeting_decode(num, b.data, b.len, &g), MN_EFORMAT);
  mn_buf_free(&b);
  /* a version string over the limit */
  b = (mn_buf_t){0};
  char big[300];
  memset(big, 'v', sizeof big);
  mn_buf_put_data(&b, big, sizeof big);
  assert_int_equal(p2p_greeting_decode(num, b.data, b.len, &g), MN_EFORMAT);
  mn_buf_free(&b);
  /* a length prefix claiming 2 GiB */
  uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 'x'};
  assert_int_equal(p2p_greeting_decode(num, huge, sizeof huge, &g), MN_EFORMAT);
  /* every truncation of a good greeting fails cleanly */
  uint8_t ids[2 * 32] = {1};
  json_t *extra = json_object();
  b = (mn_buf_t){0};
  p2p_greeting_encode(num, "1.0.45", extra, 7, ids, 2, &b);
  json_decref(extra);
  for (size_t cut = 0; cut < b.len; cut++)
    assert_int_equal(p2p_greeting_decode(num, b.data, cut, &g), MN_EFORMAT);
  /* extras that are not a JSON object become an empty object */
  mn_buf_free(&b);
  b = (mn_buf_t){0};
  mn_buf_put_data(&b, "1.0", 3);
  mn_buf_put_data(&b, "[1,2", 4);
  uint8_t tail[] = {0, 1, 0, 0, 1, 0};
  mn_buf_put(&b, tail, sizeof tail);
  assert_int_equal(p2p_greeting_decode(num, b.data, b.len, &g), 0);
  assert_true(json_is_object(g.extra));
  assert_int_equal(json_object_size(g.extra), 0);
  p2p_greeting_free(&g);
  mn_buf_free(&b);
}

static void test_pulse(void **state) {
  uint8_t ids[5 * 32];
  for (size_t i = 0; i < sizeof ids; i++)
    ids[i] = (uint8_t)(i * 3);
  mn_buf_t b = {0};
  p2p_pulse_encode(num, ids, 5, &b);
  const uint8_t *got;
  size_t n;
  bool ignored;
  assert_int_equal(p2p_pulse_decode(num, b.data, b.len, &got, &n, &ignored), 0);
  assert_false(ignored);
  assert_int_equal(n, 5);
  for (size_t i = 0; i < 5; i++)
    assert_memory_equal(p2p_pulse_id(got, i), ids + 32 * i, 32);
  for (size_t cut = 0; cut < b.len; cut++)
    assert_int_equal(p2p_pulse_decode(num, b.data, cut, &got, &n, &ignored),
                     MN_EFORMAT);
  mn_buf_free(&b);
  /* more than 1000 ids: ignored, as the reference does, without reading
   * them */
  uint8_t head[] = {0, 1, 1, 0, 2, 0x03, 0xe9}; /* version 1, count 1001 */
  assert_int_equal(p2p_pulse_decode(num, head, sizeof head, &got, &n, &ignored),
                   0);
  assert_true(ignored);
  assert_int_equal(n, 0);
}

static void test_minidata_and_strings(void **state) {
  const uint8_t ok[] = {0, 0, 0, 2, 0xab, 0xcd};
  const uint8_t *d;
  size_t n;
  assert_int_equal(p2p_minidata_decode(ok, sizeof ok, 64, &d, &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(d[1], 0xcd);
  assert_int_equal(p2p_minidata_decode(ok, sizeof ok, 1, &d, &n), MN_EFORMAT);
  assert_int_equal(p2p_minidata_decode(ok, 5, 64, &d, &n), MN_EFORMAT);
  const uint8_t neg[] = {0xff, 0xff, 0xff, 0xff};
  assert_int_equal(p2p_minidata_decode(neg, sizeof neg, 64, &d, &n),
                   MN_EFORMAT);
  char *s;
  const uint8_t str[] = {0, 0, 0, 3, 'a', 'b', 'c'};
  assert_int_equal(p2p_ministring_decode(str, sizeof str, 10, &s), 0);
  assert_string_equal(s, "abc");
  free(s);
  assert_int_equal(p2p_ministring_decode(str, sizeof str, 2, &s), MN_EFORMAT);
  assert_null(s);
}

static void test_frames(void **state) {
  mn_buf_t b = {0};
  mn_buf_put(&b, "xyz", 3);
  mn_frame_t *f = p2p_frame(4, &b);
  assert_non_null(f);
  assert_null(b.data); /* taken */
  assert_bytes_equal(f->data, f->len, (const uint8_t *)"\x04xyz", 4);
  mn_frame_unref(f);
  mn_buf_t empty = {0};
  f = p2p_frame(8, &empty);
  assert_int_equal(f->len, 1);
  assert_int_equal(f->data[0], 8);
  mn_frame_unref(f);
  f = p2p_frame_copy(2, "ab", 2);
  assert_bytes_equal(f->data, f->len,
                     (const uint8_t *)"\x02"
                                      "ab",
                     3);
  mn_frame_unref(f);
}

static void test_version_rule(void **state) {
  assert_true(p2p_version_ok("1.0.45", false));
  assert_true(p2p_version_ok("1.0.45.15", false));
  assert_false(p2p_version_ok("1.0.45-TEST", false));
  assert_true(p2p_version_ok("1.0.45-TEST", true));
  assert_false(p2p_version_ok("1.0.45", true));
  assert_false(p2p_version_ok("0.98", false));
  assert_false(p2p_version_ok("2.0", false));
  assert_false(p2p_version_ok("", false));
  assert_false(p2p_version_ok("1.", false));
}

int main(void) {
  num = mn__num_api();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_greeting_roundtrip),
      cmocka_unit_test(test_greeting_hostile),
      cmocka_unit_test(test_pulse),
      cmocka_unit_test(test_minidata_and_strings),
      cmocka_unit_test(test_frames),
      cmocka_unit_test(test_version_rule),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
