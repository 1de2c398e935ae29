/*
 * Unit tests of the TOML parser (kernel/config/toml.h) beyond the
 * toml-test suite: lookups, positions, the exact text of every error, the
 * nesting limit, large inputs, NUL, bad UTF-8, CRLF and the byte-order
 * mark.
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include <minima/errors.h>

#include "config/toml.h"
#include "util/util.h"

/* --------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static mn_toml_value_t *parse_n(const char *text, size_t len) {
  mn_toml_value_t *root = (mn_toml_value_t *)1;
  char *err = (char *)1;
  int rc = mn__toml_parse(text, len, "t.toml", &root, &err);
  if (rc != 0)
    fail_msg("parse failed (%s): %s", mn_err_name(rc), err ? err : "?");
  assert_null(err);
  assert_non_null(root);
  return root;
}

static mn_toml_value_t *parse(const char *text) {
  return parse_n(text, strlen(text));
}

/* The error message for text, which must be rejected. */
static char *parse_err_n(const char *text, size_t len) {
  mn_toml_value_t *root = (mn_toml_value_t *)1;
  char *err = NULL;
  int rc = mn__toml_parse(text, len, "t.toml", &root, &err);
  assert_int_equal(rc, MN_EFORMAT);
  assert_null(root);
  assert_non_null(err);
  return err;
}

#define assert_error_n(text, len, expected)                                    \
  do {                                                                         \
    char *e_ = parse_err_n((text), (len));                                     \
    assert_string_equal(e_, (expected));                                       \
    free(e_);                                                                  \
  } while (0)

#define assert_error(text, expected)                                           \
  assert_error_n((text), strlen(text), (expected))

static int64_t get_int(const mn_toml_value_t *t, const char *path) {
  const mn_toml_value_t *v = mn__toml_get_path(t, path);
  if (!v)
    fail_msg("no value at %s", path);
  int64_t i = 0;
  assert_int_equal(mn__toml_int(v, &i), 0);
  return i;
}

static const char *get_str(const mn_toml_value_t *t, const char *path) {
  const mn_toml_value_t *v = mn__toml_get_path(t, path);
  if (!v)
    fail_msg("no value at %s", path);
  const char *s = mn__toml_string(v, NULL);
  assert_non_null(s);
  return s;
}

static void assert_pos(const mn_toml_value_t *v, uint32_t line, uint32_t col) {
  assert_non_null(v);
  assert_int_equal(mn__toml_line(v), line);
  assert_int_equal(mn__toml_col(v), col);
}

static void assert_key_pos(const mn_toml_value_t *t, const char *key,
                           uint32_t line, uint32_t col) {
  const mn_toml_entry_t *e = mn__toml_get_entry(t, key, strlen(key));
  if (!e)
    fail_msg("no key %s", key);
  assert_int_equal(e->line, line);
  assert_int_equal(e->col, col);
}

/* A growable string for building big inputs. */
typedef struct sb {
  char *s;
  size_t len, cap;
} sb_t;

static void sb_add(sb_t *b, const char *text, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->s = mn__xrealloc(b->s, b->cap);
  }
  memcpy(b->s + b->len, text, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void sb_puts(sb_t *b, const char *text) {
  sb_add(b, text, strlen(text));
}

static void sb_repeat(sb_t *b, const char *text, size_t times) {
  for (size_t i = 0; i < times; i++)
    sb_puts(b, text);
}

/* --------------------------------------------------------------------------
 * Lookups
 * ------------------------------------------------------------------------ */

static const char k_doc[] = "title = \"minima\"\n"
                            "[transport.tcp]\n"
                            "port = 9001\n"
                            "host = \"0.0.0.0\"\n"
                            "[[peers]]\n"
                            "addr = \"a\"\n"
                            "[[peers]]\n"
                            "addr = \"b\"\n"
                            "weights = [1.5, 2, true]\n";

static void test_get_path(void **state) {
  (void)state;
  mn_toml_value_t *root = parse(k_doc);
  assert_int_equal(mn__toml_type(root), MN_TOML_TABLE);
  assert_int_equal(get_int(root, "transport.tcp.port"), 9001);
  assert_string_equal(get_str(root, "transport.tcp.host"), "0.0.0.0");
  const mn_toml_value_t *tcp = mn__toml_get_path(root, "transport.tcp");
  assert_non_null(tcp);
  assert_int_equal(mn__toml_type(tcp), MN_TOML_TABLE);
  assert_ptr_equal(mn__toml_get(mn__toml_get(root, "transport"), "tcp"), tcp);
  assert_ptr_equal(mn__toml_get_path(root, ""), root);
  assert_null(mn__toml_get_path(root, "transport.udp"));
  assert_null(mn__toml_get_path(root, "transport.tcp.port.x"));
  assert_null(mn__toml_get_path(root, "title.x"));
  assert_null(mn__toml_get_path(root, "transport."));
  assert_null(mn__toml_get_path(root, "peers.addr")); /* arrays: no */
  assert_null(mn__toml_get_path(mn__toml_get(root, "title"), ""));
  assert_null(mn__toml_get_path(NULL, "title"));
  assert_null(mn__toml_get(NULL, "title"));
  assert_null(mn__toml_get(root, "nope"));
  mn__toml_free(root);
}

static void test_table_order_and_arrays(void **state) {
  (void)state;
  mn_toml_value_t *root = parse(k_doc);
  const char *want[] = {"title", "transport", "peers"};
  assert_int_equal(mn__toml_table_len(root), 3);
  for (size_t i = 0; i < 3; i++) {
    const mn_toml_entry_t *e = mn__toml_table_at(root, i);
    assert_non_null(e);
    assert_string_equal(e->key, want[i]);
    assert_int_equal(e->key_len, strlen(want[i]));
    assert_ptr_equal(e->value, mn__toml_get(root, want[i]));
  }
  assert_null(mn__toml_table_at(root, 3));

  const mn_toml_value_t *peers = mn__toml_get(root, "peers");
  assert_int_equal(mn__toml_type(peers), MN_TOML_ARRAY);
  assert_int_equal(mn__toml_array_len(peers), 2);
  assert_string_equal(get_str(mn__toml_array_at(peers, 0), "addr"), "a");
  const mn_toml_value_t *p1 = mn__toml_array_at(peers, 1);
  assert_string_equal(get_str(p1, "addr"), "b");
  assert_null(mn__toml_array_at(peers, 2));
  const mn_toml_value_t *w = mn__toml_get(p1, "weights");
  assert_int_equal(mn__toml_array_len(w), 3);
  double d = 0;
  assert_int_equal(mn__toml_float(mn__toml_array_at(w, 0), &d), 0);
  assert_true(d == 1.5);
  int64_t i = 0;
  assert_int_equal(mn__toml_int(mn__toml_array_at(w, 1), &i), 0);
  assert_int_equal(i, 2);
  bool b = false;
  assert_int_equal(mn__toml_bool(mn__toml_array_at(w, 2), &b), 0);
  assert_true(b);

  /* Wrong-type accessors say so and leave the output alone. */
  assert_int_equal(mn__toml_table_len(peers), 0);
  assert_null(mn__toml_table_at(peers, 0));
  assert_int_equal(mn__toml_array_len(root), 0);
  assert_null(mn__toml_array_at(root, 0));
  i = 77;
  assert_int_equal(mn__toml_int(mn__toml_array_at(w, 0), &i), MN_ETYPE);
  assert_int_equal(i, 77);
  d = 7.5;
  assert_int_equal(mn__toml_float(mn__toml_array_at(w, 1), &d), MN_ETYPE);
  assert_true(d == 7.5);
  assert_int_equal(mn__toml_bool(mn__toml_get(root, "title"), &b), MN_ETYPE);
  assert_int_equal(mn__toml_int(NULL, &i), MN_ETYPE);
  mn_toml_datetime_t dt;
  assert_int_equal(mn__toml_datetime(mn__toml_get(root, "title"), &dt),
                   MN_ETYPE);
  assert_null(mn__toml_string(mn__toml_array_at(w, 1), NULL));
  assert_null(mn__toml_string(root, NULL));
  mn__toml_free(root);
}

static void test_type_names(void **state) {
  (void)state;
  assert_string_equal(mn__toml_type_name(MN_TOML_STRING), "string");
  assert_string_equal(mn__toml_type_name(MN_TOML_BOOL), "bool");
  assert_string_equal(mn__toml_type_name(MN_TOML_DATETIME), "datetime");
  assert_string_equal(mn__toml_type_name(MN_TOML_DATETIME_LOCAL),
                      "datetime-local");
  assert_string_equal(mn__toml_type_name(MN_TOML_DATE_LOCAL), "date-local");
  assert_string_equal(mn__toml_type_name(MN_TOML_TIME_LOCAL), "time-local");
  assert_string_equal(mn__toml_type_name(MN_TOML_TABLE), "table");
  assert_string_equal(mn__toml_type_name((mn_toml_type_t)99), "?");
}

static void test_scalars(void **state) {
  (void)state;
  mn_toml_value_t *root = parse("min = -9223372036854775808\n"
                                "max = 9223372036854775807\n"
                                "hex = 0x7FFF_ffff_ffff_ffff\n"
                                "oct = 0o755\n"
                                "bin = 0b1010_0101\n"
                                "under = 1_000_000\n"
                                "plus = +17\n"
                                "f1 = 6.02e23\n"
                                "f2 = -0.0\n"
                                "f3 = 1e-400\n"
                                "f4 = 1_000.000_5\n"
                                "ninf = -inf\n"
                                "nan = nan\n"
                                "t = true\n"
                                "f = false\n");
  assert_int_equal(get_int(root, "min"), INT64_MIN);
  assert_int_equal(get_int(root, "max"), INT64_MAX);
  assert_int_equal(get_int(root, "hex"), INT64_MAX);
  assert_int_equal(get_int(root, "oct"), 0755);
  assert_int_equal(get_int(root, "bin"), 0xa5);
  assert_int_equal(get_int(root, "under"), 1000000);
  assert_int_equal(get_int(root, "plus"), 17);
  double d;
  assert_int_equal(mn__toml_float(mn__toml_get(root, "f1"), &d), 0);
  assert_true(d == 6.02e23);
  assert_int_equal(mn__toml_float(mn__toml_get(root, "f2"), &d), 0);
  assert_true(d == 0.0 && signbit(d));
  assert_int_equal(mn__toml_float(mn__toml_get(root, "f3"), &d), 0);
  assert_true(d == 0.0);
  assert_int_equal(mn__toml_float(mn__toml_get(root, "f4"), &d), 0);
  assert_true(d == 1000.0005);
  assert_int_equal(mn__toml_float(mn__toml_get(root, "ninf"), &d), 0);
  assert_true(isinf(d) && d < 0);
  assert_int_equal(mn__toml_float(mn__toml_get(root, "nan"), &d), 0);
  assert_true(isnan(d));
  bool b = true;
  assert_int_equal(mn__toml_bool(mn__toml_get(root, "f"), &b), 0);
  assert_false(b);
  assert_int_equal(mn__toml_bool(mn__toml_get(root, "t"), &b), 0);
  assert_true(b);
  mn__toml_free(root);
}

static void test_strings(void **state) {
  (void)state;
  mn_toml_value_t *root =
      parse("esc = \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\U0001F600\"\n"
            "lit = 'C:\\path\\n'\n"
            "ml = \"\"\"\n"
            "one\n"
            "two \\\n"
            "     three\"\"\"\n"
            "mll = '''\n"
            "raw \\n ''quoted'''''\n"
            "empty = \"\"\n");
  assert_string_equal(get_str(root, "esc"),
                      "tab\there \"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80");
  assert_string_equal(get_str(root, "lit"), "C:\\path\\n");
  assert_string_equal(get_str(root, "ml"), "one\ntwo three");
  assert_string_equal(get_str(root, "mll"), "raw \\n ''quoted''");
  size_t len = 9;
  assert_string_equal(mn__toml_string(mn__toml_get(root, "empty"), &len), "");
  assert_int_equal(len, 0);
  mn__toml_free(root);
}

static void test_datetimes(void **state) {
  (void)state;
  mn_toml_value_t *root = parse("odt = 1979-05-27 07:32:00.999999999999-07:30\n"
                                "z = 1979-05-27t00:00:00z\n"
                                "ldt = 1979-05-27T07:32:00\n"
                                "ld = 2000-02-29\n"
                                "lt = 23:59:60.5\n");
  const mn_toml_value_t *v = mn__toml_get(root, "odt");
  assert_int_equal(mn__toml_type(v), MN_TOML_DATETIME);
  assert_string_equal(mn__toml_string(v, NULL),
                      "1979-05-27T07:32:00.999999999999-07:30");
  mn_toml_datetime_t dt;
  assert_int_equal(mn__toml_datetime(v, &dt), 0);
  assert_int_equal(dt.year, 1979);
  assert_int_equal(dt.month, 5);
  assert_int_equal(dt.day, 27);
  assert_int_equal(dt.hour, 7);
  assert_int_equal(dt.minute, 32);
  assert_int_equal(dt.second, 0);
  assert_int_equal(dt.nanosecond, 999999999); /* truncated, not rounded */
  assert_int_equal(dt.offset_minutes, -(7 * 60 + 30));

  v = mn__toml_get(root, "z");
  assert_int_equal(mn__toml_type(v), MN_TOML_DATETIME);
  assert_string_equal(mn__toml_string(v, NULL), "1979-05-27T00:00:00Z");
  assert_int_equal(mn__toml_datetime(v, &dt), 0);
  assert_int_equal(dt.offset_minutes, 0);

  v = mn__toml_get(root, "ldt");
  assert_int_equal(mn__toml_type(v), MN_TOML_DATETIME_LOCAL);
  assert_string_equal(mn__toml_string(v, NULL), "1979-05-27T07:32:00");

  v = mn__toml_get(root, "ld");
  assert_int_equal(mn__toml_type(v), MN_TOML_DATE_LOCAL);
  assert_int_equal(mn__toml_datetime(v, &dt), 0);
  assert_int_equal(dt.year, 2000);
  assert_int_equal(dt.month, 2);
  assert_int_equal(dt.day, 29);
  assert_int_equal(dt.hour, 0);

  v = mn__toml_get(root, "lt");
  assert_int_equal(mn__toml_type(v), MN_TOML_TIME_LOCAL);
  assert_int_equal(mn__toml_datetime(v, &dt), 0);
  assert_int_equal(dt.year, 0);
  assert_int_equal(dt.hour, 23);
  assert_int_equal(dt.second, 60);
  assert_int_equal(dt.nanosecond, 500000000);
  mn__toml_free(root);
}

/* --------------------------------------------------------------------------
 * Positions
 * ------------------------------------------------------------------------ */

static void test_positions_values(void **state) {
  (void)state;
  mn_toml_value_t *root = parse("# comment\n"           /* 1 */
                                "a = 1\n"               /* 2 */
                                "  b\t=  \"x\"\n"       /* 3 */
                                "[t]\n"                 /* 4 */
                                "c.d = true\n"          /* 5 */
                                "[t.u.v]\n"             /* 6 */
                                "z = ['\xc3\xa9', 2]\n" /* 7 */
                                "'\xc3\xa9' = 3\n");    /* 8 */
  assert_pos(root, 1, 1);
  assert_key_pos(root, "a", 2, 1);
  assert_pos(mn__toml_get(root, "a"), 2, 5);
  assert_key_pos(root, "b", 3, 3);
  assert_pos(mn__toml_get(root, "b"), 3, 8);

  const mn_toml_value_t *t = mn__toml_get(root, "t");
  assert_pos(t, 4, 1); /* the header's '[' */
  assert_key_pos(root, "t", 4, 2);
  const mn_toml_value_t *c = mn__toml_get(t, "c");
  assert_pos(c, 5, 1); /* made by the dotted key */
  assert_key_pos(t, "c", 5, 1);
  assert_key_pos(c, "d", 5, 3);
  assert_pos(mn__toml_get(c, "d"), 5, 7);

  const mn_toml_value_t *u = mn__toml_get(t, "u");
  assert_pos(u, 6, 4); /* made implicitly by [t.u.v] */
  const mn_toml_value_t *v = mn__toml_get(u, "v");
  assert_pos(v, 6, 1);
  assert_key_pos(u, "v", 6, 6);

  /* Columns count code points: 'é' is two bytes but one column. */
  const mn_toml_value_t *z = mn__toml_get(v, "z");
  assert_pos(z, 7, 5);
  assert_pos(mn__toml_array_at(z, 0), 7, 6);
  assert_pos(mn__toml_array_at(z, 1), 7, 11);
  assert_key_pos(v, "\xc3\xa9", 8, 1);
  assert_pos(mn__toml_get(v, "\xc3\xa9"), 8, 7);
  mn__toml_free(root);
}

static void test_positions_redefined_and_aot(void **state) {
  (void)state;
  mn_toml_value_t *root = parse("[a.b]\n"
                                "x = 1\n"
                                "  [a]\n"
                                "y = 2\n"
                                "[[arr]]\n"
                                "[[arr]]\n"
                                "i = {k = 1}\n");
  /* a was made by [a.b] at 1:2, then defined by its own header. */
  assert_pos(mn__toml_get(root, "a"), 3, 3);
  assert_key_pos(root, "a", 3, 4);
  assert_pos(mn__toml_get_path(root, "a.b"), 1, 1);
  const mn_toml_value_t *arr = mn__toml_get(root, "arr");
  assert_pos(arr, 5, 1);
  assert_pos(mn__toml_array_at(arr, 0), 5, 1);
  const mn_toml_value_t *e1 = mn__toml_array_at(arr, 1);
  assert_pos(e1, 6, 1);
  const mn_toml_value_t *i = mn__toml_get(e1, "i");
  assert_pos(i, 7, 5);
  assert_pos(mn__toml_get(i, "k"), 7, 10);
  mn__toml_free(root);
}

static void test_crlf(void **state) {
  (void)state;
  mn_toml_value_t *root = parse("a = 1\r\n"
                                "b = \"\"\"x\r\n"
                                "y\"\"\"\r\n"
                                "\r\n"
                                "[t]\r\n"
                                "c = 'z' # note\r\n"
                                "s = \"\"\"a\\\r\n"
                                "    b\"\"\"\r\n"
                                "arr = [\r\n"
                                "  1, # one\r\n"
                                "  2\r\n"
                                "]\r\n");
  size_t len = 0;
  /* CRLF inside a multi-line string is stored as "\n". */
  assert_string_equal(mn__toml_string(mn__toml_get(root, "b"), &len), "x\ny");
  assert_int_equal(len, 3);
  assert_pos(mn__toml_get(root, "b"), 2, 5);
  const mn_toml_value_t *t = mn__toml_get(root, "t");
  assert_pos(t, 5, 1);
  assert_key_pos(t, "c", 6, 1);
  assert_string_equal(get_str(t, "s"), "ab");
  const mn_toml_value_t *arr = mn__toml_get(t, "arr");
  assert_int_equal(mn__toml_array_len(arr), 2);
  assert_pos(mn__toml_array_at(arr, 1), 11, 3);
  mn__toml_free(root);

  assert_error("a = 1\r\n\rb = 2\n",
               "t.toml:2:1: carriage return (U+000D) not followed by a line "
               "feed");
  assert_error("a = 1\r", "t.toml:1:6: carriage return (U+000D) not followed "
                          "by a line feed");
}

static void test_bom(void **state) {
  (void)state;
  mn_toml_value_t *root = parse("\xef\xbb\xbf"
                                "a = 1\n"
                                "s = \"\xef\xbb\xbf\"\n");
  /* The mark is skipped and not counted. */
  assert_key_pos(root, "a", 1, 1);
  assert_pos(mn__toml_get(root, "a"), 1, 5);
  size_t len = 0;
  assert_string_equal(mn__toml_string(mn__toml_get(root, "s"), &len),
                      "\xef\xbb\xbf");
  assert_int_equal(len, 3);
  mn__toml_free(root);

  root = parse("\xef\xbb\xbf");
  assert_int_equal(mn__toml_table_len(root), 0);
  mn__toml_free(root);

  assert_error("\xef\xbb\xbf"
               "a = ?\n",
               "t.toml:1:5: expected a value, found '?'");
  assert_error("a = 1\n\xef\xbb\xbf"
               "b = 2\n",
               "t.toml:2:1: expected a key, found U+FEFF");
  assert_error("\xef\xbb\xbf\xef\xbb\xbf"
               "a = 1\n",
               "t.toml:1:1: expected a key, found U+FEFF");
}

/* --------------------------------------------------------------------------
 * NUL and UTF-8
 * ------------------------------------------------------------------------ */

static void test_nul(void **state) {
  (void)state;
  mn_toml_value_t *root = parse("s = \"a\\u0000b\"\n"
                                "\"k\\u0000ey\" = 1\n");
  size_t len = 0;
  const char *s = mn__toml_string(mn__toml_get(root, "s"), &len);
  assert_int_equal(len, 3);
  assert_memory_equal(s, "a\0b", 4); /* and still NUL-terminated */
  const mn_toml_entry_t *e = mn__toml_get_entry(root, "k\0ey", 4);
  assert_non_null(e);
  assert_int_equal(e->key_len, 4);
  assert_memory_equal(e->key, "k\0ey", 5);
  assert_null(mn__toml_get(root, "k")); /* "k" is not "k\0ey" */
  assert_null(mn__toml_get_entry(root, "k\0ex", 4));
  mn__toml_free(root);

  /* Raw NUL bytes are control characters wherever they are. */
  assert_error_n("a = 1\0\n", 7,
                 "t.toml:1:6: expected end of line after a value, found "
                 "control character U+0000");
  assert_error_n("\0", 1,
                 "t.toml:1:1: expected a key, found control "
                 "character U+0000");
  assert_error_n("a = \"x\0\"\n", 9,
                 "t.toml:1:7: control character U+0000 must be written as an "
                 "escape (\\u0000) in a string");
  assert_error_n("# x\0\n", 5,
                 "t.toml:1:4: control character U+0000 is not allowed in a "
                 "comment");
  /* The text need not be NUL-terminated: only len bytes are read. */
  mn_toml_value_t *r2 = parse_n("a = 12345", 6);
  assert_int_equal(get_int(r2, "a"), 12);
  mn__toml_free(r2);
}

static void test_bad_utf8(void **state) {
  (void)state;
  /* Overlong, surrogate, past U+10FFFF, lone continuation, truncated. */
  assert_error("a = \"\xc0\x80\"", "t.toml:1:6: invalid UTF-8 byte 0xC0");
  assert_error("a = \"\xed\xa0\x80\"", "t.toml:1:6: invalid UTF-8 byte 0xED");
  assert_error("a = 'x\xf4\x90\x80\x80'",
               "t.toml:1:7: invalid UTF-8 byte 0xF4");
  assert_error("a = '''\n\xc3\xa9\x80'''",
               "t.toml:2:2: invalid UTF-8 byte 0x80");
  assert_error("a = \"\xe2\x82", "t.toml:1:6: invalid UTF-8 byte 0xE2");
  assert_error("# caf\xc3\n", "t.toml:1:6: invalid UTF-8 byte 0xC3");
  assert_error("a = \xff\n",
               "t.toml:1:5: expected a value, found invalid UTF-8 byte 0xFF");
  assert_error("\xfe\xff\0a", "t.toml:1:1: the input is UTF-16; TOML "
                              "documents must be UTF-8");
  /* Valid 2-, 3- and 4-byte sequences pass, at the edges of the ranges. */
  mn_toml_value_t *root =
      parse("a = \"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"
            "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"\n");
  size_t len = 0;
  mn__toml_string(mn__toml_get(root, "a"), &len);
  assert_int_equal(len, 2 + 2 + 3 + 3 + 3 + 4 + 4);
  mn__toml_free(root);
}

/* --------------------------------------------------------------------------
 * Error texts: one case per kind of error
 * ------------------------------------------------------------------------ */

typedef struct err_case {
  const char *input;
  const char *message;
} err_case_t;

static void run_cases(const err_case_t *cases, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char *e = parse_err_n(cases[i].input, strlen(cases[i].input));
    if (strcmp(e, cases[i].message) != 0) {
      print_error("input: %s\n", cases[i].input);
      assert_string_equal(e, cases[i].message);
    }
    free(e);
  }
}

static void test_errors_lines_and_keys(void **state) {
  (void)state;
  static const err_case_t cases[] = {
      {"port : 1", "t.toml:1:6: expected '=' after key \"port\", found ':'"},
      {"a.\"b c\" 1",
       "t.toml:1:9: expected '=' after key \"a.b c\", found '1'"},
      {"= 1", "t.toml:1:1: expected a key, found '='"},
      {"a. = 1", "t.toml:1:4: expected a key after '.', found '='"},
      {"\"\"\"k\"\"\" = 1", "t.toml:1:1: a multi-line string cannot be a key"},
      {"a = 1 b = 2\n",
       "t.toml:1:7: expected end of line after a value, found 'b'"},
      {"[t] x\n",
       "t.toml:1:5: expected end of line after a table header, found 'x'"},
      {"a = 1\na = 2\n", "t.toml:2:1: duplicate key \"a\" (first defined at "
                         "1:1)"},
      {"x.y = 1\nx . 'y' = 2\n",
       "t.toml:2:5: duplicate key \"x.y\" (first defined at 1:3)"},
      {"a = 1\na.b = 2\n", "t.toml:2:1: key \"a\" is already an integer "
                           "(defined at 1:1), not a table"},
      {"a = {}\na.b = 1\n",
       "t.toml:2:1: cannot add to inline table \"a\" (defined at 1:5): inline "
       "tables are complete"},
      {"[a.b]\n[a]\nb.c = 1\n",
       "t.toml:3:1: cannot add to table \"b\" with dotted keys: it was "
       "created by a [table] header at 1:1"},
      /* ...also when the header only implied it. */
      {"[a.b.c]\n[a]\nb.d = 1\n",
       "t.toml:3:1: cannot add to table \"b\" with dotted keys: it was "
       "created by a [table] header at 1:4"},
      {"# a\x01\n", "t.toml:1:4: control character U+0001 is not allowed in "
                    "a comment"},
      {"# x\ry\n", "t.toml:1:4: carriage return (U+000D) not followed by a "
                   "line feed"},
      {"k = \"\x1b[0m\"",
       "t.toml:1:6: control character U+001B must be written as an escape "
       "(\\u001B) in a string"},
  };
  run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_errors_strings(void **state) {
  (void)state;
  static const err_case_t cases[] = {
      {"a = \"abc\nb = 1\n",
       "t.toml:1:9: unterminated string: expected '\"' before end of line"},
      {"a = \"abc", "t.toml:1:9: unterminated string: expected '\"' before "
                    "end of file"},
      {"a = 'abc", "t.toml:1:9: unterminated string: expected \"'\" before "
                   "end of file"},
      {"a = \"\"\"abc\n",
       "t.toml:1:5: unterminated multi-line string: no closing \"\"\" before "
       "end of file"},
      {"a = '''abc\n", "t.toml:1:5: unterminated multi-line string: no "
                       "closing ''' before end of file"},
      {"a = \"\"\"x\"\"\"\"\"\"",
       "t.toml:1:9: too many '\"' in a row: \"\"\" closes the string and at "
       "most two may come before it"},
      {"a = '''x''''''", "t.toml:1:9: too many \"'\" in a row: ''' closes "
                         "the string and at most two may come before it"},
      {"a = \"\\u12\"", "t.toml:1:6: invalid escape sequence: \\u must be "
                        "followed by 4 hexadecimal digits"},
      {"a = \"\\U0000004\"", "t.toml:1:6: invalid escape sequence: \\U must "
                             "be followed by 8 hexadecimal digits"},
      {"a = \"\\uDC00\"", "t.toml:1:6: invalid escape sequence \\uDC00: not "
                          "a Unicode scalar value"},
      {"a = \"x\\U00110000\"", "t.toml:1:7: invalid escape sequence "
                               "\\U00110000: not a Unicode scalar value"},
      {"a = \"\\e\"", "t.toml:1:6: invalid escape sequence '\\e'"},
      {"a = \"\\\x01\"", "t.toml:1:6: invalid escape sequence: '\\' followed "
                         "by control character U+0001"},
      {"a = \"\\", "t.toml:1:7: unterminated string: found end of file after "
                   "'\\'"},
      {"a = \"\"\"x\\ y\"\"\"",
       "t.toml:1:9: invalid escape sequence '\\ ': only a backslash at the "
       "end of a line may be followed by blanks"},
      {"a = \"\"\"x\ry\"\"\"", "t.toml:1:9: carriage return (U+000D) not "
                               "followed by a line feed"},
      {"a = 'x\x7f'", "t.toml:1:7: control character U+007F is not allowed "
                      "in a literal string"},
      {"a = 'x\ny'",
       "t.toml:1:7: unterminated string: expected \"'\" before end of line"},
  };
  run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_errors_values(void **state) {
  (void)state;
  static const err_case_t cases[] = {
      {"a = ]", "t.toml:1:5: expected a value, found ']'"},
      {"a =", "t.toml:1:4: expected a value, found end of file"},
      {"a = \n", "t.toml:1:5: expected a value, found end of line"},
      {"a = hello", "t.toml:1:5: expected a value, found 'hello' (strings "
                    "must be quoted)"},
      {"a = True", "t.toml:1:5: expected a value, found 'True' (true and "
                   "false are written in lower case)"},
      {"a = -NaN", "t.toml:1:5: expected a value, found '-NaN' (inf and nan "
                   "are written in lower case)"},
      {"a = .5", "t.toml:1:5: expected a value, found '.5'"},
      {"a = [1 2]", "t.toml:1:8: expected ',' or ']' after an array element, "
                    "found '2'"},
      {"a = [1,\n# c\n", "t.toml:3:1: expected a value, found end of file"},
      {"a = {b = 1\n}", "t.toml:1:11: line ends are not allowed inside an "
                        "inline table (outside its values)"},
      {"a = {b = 1,}", "t.toml:1:12: a comma after the last key of an inline "
                       "table is not allowed"},
      {"a = {b = 1 c = 2}", "t.toml:1:12: expected ',' or '}' in an inline "
                            "table, found 'c'"},
      {"a = {b = 1, b = 2}",
       "t.toml:1:13: duplicate key \"b\" (first defined at 1:6)"},
  };
  run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_errors_numbers(void **state) {
  (void)state;
  static const err_case_t cases[] = {
      {"a = 1x", "t.toml:1:5: invalid number '1x'"},
      {"a = +0x1", "t.toml:1:5: invalid number '+0x1': a sign is not allowed "
                   "on hexadecimal, octal or binary integers"},
      {"a = 1__0",
       "t.toml:1:5: invalid number '1__0': '_' must be between two digits"},
      {"a = 1_", "t.toml:1:5: invalid number '1_': '_' must be between two "
                 "digits"},
      {"a = 0o8", "t.toml:1:5: invalid number '0o8': expected octal digits "
                  "after '0o'"},
      {"a = 0b", "t.toml:1:5: invalid number '0b': expected binary digits "
                 "after '0b'"},
      {"a = 0X1", "t.toml:1:5: invalid number '0X1': the base prefix must be "
                  "lower case (0x, 0o, 0b)"},
      {"a = 9223372036854775808", "t.toml:1:5: invalid number "
                                  "'9223372036854775808': does not fit in 64 "
                                  "bits"},
      {"a = -9223372036854775809", "t.toml:1:5: invalid number "
                                   "'-9223372036854775809': does not fit in "
                                   "64 bits"},
      {"a = 0x8000000000000000", "t.toml:1:5: invalid number "
                                 "'0x8000000000000000': does not fit in 64 "
                                 "bits"},
      {"a = 007", "t.toml:1:5: invalid number '007': leading zeros are not "
                  "allowed"},
      {"a = 1.e5", "t.toml:1:5: invalid number '1.e5': a '.' must be "
                   "followed by digits"},
      {"a = 1e+", "t.toml:1:5: invalid number '1e+': an exponent must have "
                  "digits"},
      {"a = 1e400", "t.toml:1:5: invalid number '1e400': too large for a "
                    "64-bit float"},
      {"a = -1.5e309", "t.toml:1:5: invalid number '-1.5e309': too large for "
                       "a 64-bit float"},
  };
  run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_errors_datetimes(void **state) {
  (void)state;
  static const err_case_t cases[] = {
      {"a = 1979-5-27",
       "t.toml:1:5: invalid date '1979-5-27': expected YYYY-MM-DD"},
      {"a = 1979-13-01",
       "t.toml:1:5: invalid date '1979-13-01': month must be 01 to 12"},
      {"a = 2023-02-29", "t.toml:1:5: invalid date '2023-02-29': day must be "
                         "01 to 28 in 2023-02"},
      {"a = 1900-02-29", "t.toml:1:5: invalid date '1900-02-29': day must be "
                         "01 to 28 in 1900-02"},
      {"a = 2024-04-31", "t.toml:1:5: invalid date '2024-04-31': day must be "
                         "01 to 30 in 2024-04"},
      {"a = 1979-05-27x", "t.toml:1:5: invalid date '1979-05-27x': expected "
                          "'T' or a space between date and time"},
      {"a = 1979-05-27T07:32", "t.toml:1:5: invalid date-time "
                               "'1979-05-27T07:32': seconds are required"},
      {"a = 07:3:00", "t.toml:1:5: invalid time '07:3:00': expected a time "
                      "as HH:MM:SS"},
      {"a = 24:00:00",
       "t.toml:1:5: invalid time '24:00:00': hour must be 00 to 23"},
      {"a = 00:60:00",
       "t.toml:1:5: invalid time '00:60:00': minute must be 00 to 59"},
      {"a = 00:00:61",
       "t.toml:1:5: invalid time '00:00:61': second must be 00 to 60"},
      {"a = 00:00:00.", "t.toml:1:5: invalid time '00:00:00.': a '.' must be "
                        "followed by digits"},
      {"a = 1979-05-27T00:00:00+0700",
       "t.toml:1:5: invalid date-time '1979-05-27T00:00:00+0700': expected an "
       "offset as +HH:MM or -HH:MM"},
      {"a = 1979-05-27T00:00:00+24:00",
       "t.toml:1:5: invalid date-time '1979-05-27T00:00:00+24:00': offset "
       "must be 00:00 to 23:59"},
      {"a = 1979-05-27T00:00:00Zx",
       "t.toml:1:5: invalid date-time '1979-05-27T00:00:00Zx'"},
      {"a = 00:00:00Z", "t.toml:1:5: invalid time '00:00:00Z'"},
      /* "date space time" only when the time follows: this is a date, then
       * junk. */
      {"a = 1979-05-27 x", "t.toml:1:16: expected end of line after a value, "
                           "found 'x'"},
  };
  run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_errors_tables(void **state) {
  (void)state;
  static const err_case_t cases[] = {
      {"[]", "t.toml:1:2: expected a table name, found ']'"},
      {"[a", "t.toml:1:3: expected ']' after table name \"a\", found end of "
             "file"},
      {"[[a]", "t.toml:1:5: expected ']]' after array of tables name \"a\", "
               "found end of file"},
      {"[[a] ]", "t.toml:1:5: expected ']]' after array of tables name "
                 "\"a\", found ' '"},
      {"a = {}\n[a.b]\n",
       "t.toml:2:2: cannot add to inline table \"a\" (defined at 1:5): inline "
       "tables are complete"},
      {"a = 1\n[a.b]\n", "t.toml:2:2: key \"a\" is already an integer "
                         "(defined at 1:1), not a table"},
      {"a = [{}]\n[a.b]\n", "t.toml:2:2: key \"a\" is already an array "
                            "(defined at 1:1), not a table"},
      {"a = []\n[[a]]\n",
       "t.toml:2:3: cannot define array of tables [[a]]: key \"a\" is already "
       "a static array (defined at 1:1)"},
      {"[a]\n[[a]]\n",
       "t.toml:2:3: cannot define array of tables [[a]]: key \"a\" is already "
       "a table (defined at 1:2)"},
      {"a = 1\n[a]\n", "t.toml:2:2: cannot define table [a]: key \"a\" is "
                       "already an integer (defined at 1:1)"},
      {"[[a]]\n[a]\n", "t.toml:2:2: cannot define table [a]: key \"a\" is "
                       "already an array (defined at 1:3)"},
      {"a = {}\n[a]\n", "t.toml:2:2: cannot define table [a]: it is already "
                        "an inline table (defined at 1:5)"},
      {"a.b = 1\n[a]\n", "t.toml:2:2: cannot define table [a]: it was "
                         "already made by dotted keys at 1:1"},
      {"[a]\n[b]\n[ a ]\n",
       "t.toml:3:3: table [a] is defined twice (first at 1:1)"},
      {"[x.'a\"b']\n[x.\"a\\\"b\"]\n",
       "t.toml:2:4: table [x.a\\\"b] is defined twice (first at 1:1)"},
  };
  run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_error_misc(void **state) {
  (void)state;
  /* No filename: "<input>". */
  char *err = NULL;
  mn_toml_value_t *root = NULL;
  assert_int_equal(mn__toml_parse("a = ", 4, NULL, &root, &err), MN_EFORMAT);
  assert_string_equal(err, "<input>:1:5: expected a value, found end of file");
  free(err);
  /* err may be NULL when the caller only wants the code. */
  assert_int_equal(mn__toml_parse("a = ", 4, "x", &root, NULL), MN_EFORMAT);
  assert_null(root);
  /* Too big for 32-bit positions: refused before reading anything. */
  err = NULL;
  assert_int_equal(
      mn__toml_parse("", MN_TOML_MAX_INPUT, "big.toml", &root, &err),
      MN_EFORMAT);
  assert_string_equal(err, "big.toml:1:1: input of 4294967295 bytes is too "
                           "large (limit 4294967294)");
  free(err);
  /* The first error in document order wins. */
  assert_error("a = 1\nb = ?\nc = 2 x\n",
               "t.toml:2:5: expected a value, found '?'");
  /* Long keys are cut in messages. */
  sb_t b = {0};
  sb_repeat(&b, "k", 400);
  sb_puts(&b, " 1");
  char *e = parse_err_n(b.s, b.len);
  assert_non_null(strstr(e, "kkk...\", found '1'"));
  assert_true(strlen(e) < 300);
  free(e);
  free(b.s);
}

/* --------------------------------------------------------------------------
 * Nesting limit
 * ------------------------------------------------------------------------ */

static char *nested_arrays(size_t depth) {
  sb_t b = {0};
  sb_puts(&b, "a = ");
  sb_repeat(&b, "[", depth);
  sb_repeat(&b, "]", depth);
  return b.s;
}

static void test_depth_arrays(void **state) {
  (void)state;
  char *text = nested_arrays(MN_TOML_MAX_DEPTH);
  mn_toml_value_t *root = parse(text);
  const mn_toml_value_t *v = mn__toml_get(root, "a");
  size_t levels = 0;
  for (; v && mn__toml_type(v) == MN_TOML_ARRAY; levels++)
    v = mn__toml_array_at(v, 0);
  assert_int_equal(levels, MN_TOML_MAX_DEPTH);
  mn__toml_free(root);
  free(text);

  /* One more is refused at the '[' that goes too deep. */
  text = nested_arrays(MN_TOML_MAX_DEPTH + 1);
  assert_error(text, "t.toml:1:133: tables and arrays nested deeper than 128 "
                     "levels");
  free(text);
}

static void test_depth_inline_tables(void **state) {
  (void)state;
  sb_t b = {0};
  sb_puts(&b, "a = ");
  sb_repeat(&b, "{b = ", MN_TOML_MAX_DEPTH);
  sb_puts(&b, "1");
  sb_repeat(&b, "}", MN_TOML_MAX_DEPTH);
  mn_toml_value_t *root = parse(b.s);
  const mn_toml_value_t *v = mn__toml_get(root, "a");
  size_t levels = 0;
  for (; v && mn__toml_type(v) == MN_TOML_TABLE; levels++)
    v = mn__toml_get(v, "b");
  assert_int_equal(levels, MN_TOML_MAX_DEPTH);
  mn__toml_free(root);
  free(b.s);

  b = (sb_t){0};
  sb_puts(&b, "a = ");
  sb_repeat(&b, "{b = ", MN_TOML_MAX_DEPTH + 1);
  assert_error(b.s, "t.toml:1:645: tables and arrays nested deeper than 128 "
                    "levels");
  free(b.s);
}

static void test_depth_headers_and_keys(void **state) {
  (void)state;
  /* [a.a...a] with 128 parts is the deepest table; its values may be
   * scalars but not containers. */
  sb_t b = {0};
  sb_puts(&b, "[a");
  sb_repeat(&b, ".a", MN_TOML_MAX_DEPTH - 1);
  sb_puts(&b, "]\nx = 1\n");
  mn_toml_value_t *root = parse(b.s);
  const mn_toml_value_t *v = root;
  for (int i = 0; i < MN_TOML_MAX_DEPTH; i++)
    v = mn__toml_get(v, "a");
  assert_int_equal(get_int(v, "x"), 1);
  mn__toml_free(root);
  sb_puts(&b, "y = []\n");
  assert_error(b.s, "t.toml:3:5: tables and arrays nested deeper than 128 "
                    "levels");
  free(b.s);

  /* 129 parts: refused at the 129th. */
  b = (sb_t){0};
  sb_puts(&b, "[a");
  sb_repeat(&b, ".a", MN_TOML_MAX_DEPTH);
  sb_puts(&b, "]\n");
  assert_error(b.s, "t.toml:1:258: tables and arrays nested deeper than 128 "
                    "levels");
  free(b.s);

  /* An array of tables costs two levels: the array and its table. */
  b = (sb_t){0};
  sb_puts(&b, "[[a");
  sb_repeat(&b, ".a", MN_TOML_MAX_DEPTH - 2);
  sb_puts(&b, "]]\n");
  root = parse(b.s);
  mn__toml_free(root);
  free(b.s);
  b = (sb_t){0};
  sb_puts(&b, "[[a");
  sb_repeat(&b, ".a", MN_TOML_MAX_DEPTH - 1);
  sb_puts(&b, "]]\n");
  assert_error(b.s, "t.toml:1:257: tables and arrays nested deeper than 128 "
                    "levels");
  free(b.s);

  /* Dotted keys: 129 parts make 128 tables and a scalar; with 130 the
   * 129th part would be a table too deep. */
  b = (sb_t){0};
  sb_puts(&b, "a");
  sb_repeat(&b, ".a", MN_TOML_MAX_DEPTH);
  sb_puts(&b, " = 1\n");
  root = parse(b.s);
  mn__toml_free(root);
  free(b.s);
  b = (sb_t){0};
  sb_puts(&b, "a");
  sb_repeat(&b, ".a", MN_TOML_MAX_DEPTH + 1);
  sb_puts(&b, " = 1\n");
  assert_error(b.s, "t.toml:1:257: tables and arrays nested deeper than 128 "
                    "levels");
  free(b.s);
  /* ...and inside a deep header, the dotted key's own tables count. */
  b = (sb_t){0};
  sb_puts(&b, "[a");
  sb_repeat(&b, ".a", MN_TOML_MAX_DEPTH - 2);
  sb_puts(&b, "]\nb.c.d = 1\n");
  assert_error(b.s, "t.toml:2:3: tables and arrays nested deeper than 128 "
                    "levels");
  free(b.s);
}

/* Far past the limit: a clean error, not a stack overflow. */
static void test_depth_hostile(void **state) {
  (void)state;
  const size_t n = 1000000;
  char *text = mn__xmalloc(n + 5);
  memcpy(text, "a = ", 4);
  memset(text + 4, '[', n);
  char *e = parse_err_n(text, n + 4);
  assert_string_equal(e, "t.toml:1:133: tables and arrays nested deeper than "
                         "128 levels");
  free(e);
  memset(text + 4, '{', n);
  e = parse_err_n(text, n + 4);
  assert_string_equal(e, "t.toml:1:6: expected a key, found '{'");
  free(e);
  /* x={x={x={... */
  sb_t b = {0};
  sb_repeat(&b, "x={", 300000);
  e = parse_err_n(b.s, b.len);
  assert_string_equal(e, "t.toml:1:387: tables and arrays nested deeper than "
                         "128 levels");
  free(e);
  free(b.s);
  /* a.a.a.a... = 1 and [a.a.a...] with half a million parts. */
  for (size_t i = 0; i < n; i += 2)
    memcpy(text + i, "a.", 2);
  memcpy(text + n, "a=1", 3);
  e = parse_err_n(text, n + 3);
  assert_string_equal(e, "t.toml:1:257: tables and arrays nested deeper than "
                         "128 levels");
  free(e);
  free(text);
  b = (sb_t){0};
  sb_puts(&b, "[");
  sb_repeat(&b, "a.", n / 2);
  sb_puts(&b, "a]\n");
  e = parse_err_n(b.s, b.len);
  assert_string_equal(e, "t.toml:1:258: tables and arrays nested deeper than "
                         "128 levels");
  free(e);
  free(b.s);
}

/* --------------------------------------------------------------------------
 * Large inputs
 * ------------------------------------------------------------------------ */

/* Many keys in one table: lookups by hash, order and positions kept. */
static void test_many_keys(void **state) {
  (void)state;
  const int n = 200000;
  sb_t b = {0};
  char line[64];
  for (int i = 0; i < n; i++) {
    int len = snprintf(line, sizeof line, "key%d = %d\n", i, i * 3);
    sb_add(&b, line, (size_t)len);
  }
  mn_toml_value_t *root = parse_n(b.s, b.len);
  assert_int_equal(mn__toml_table_len(root), n);
  for (int i = 0; i < n; i += 997) {
    snprintf(line, sizeof line, "key%d", i);
    assert_int_equal(get_int(root, line), (int64_t)i * 3);
    const mn_toml_entry_t *e = mn__toml_table_at(root, (size_t)i);
    assert_string_equal(e->key, line);
    assert_int_equal(e->line, i + 1);
  }
  assert_null(mn__toml_get(root, "key200000"));
  mn__toml_free(root);
  /* A duplicate at the very end is still found. */
  sb_puts(&b, "key123456 = 0\n");
  char *e = parse_err_n(b.s, b.len);
  assert_string_equal(e, "t.toml:200001:1: duplicate key \"key123456\" (first "
                         "defined at 123457:1)");
  free(e);
  free(b.s);
}

/* One very long line: columns stay exact without quadratic counting. */
static void test_long_line(void **state) {
  (void)state;
  const size_t n = 1000000;
  sb_t b = {0};
  sb_puts(&b, "a = [");
  char num[32];
  size_t last_col = 0;
  for (size_t i = 0; i < n; i++) {
    if (i)
      sb_puts(&b, ", ");
    last_col = b.len + 1; /* ASCII only: bytes == columns */
    int len = snprintf(num, sizeof num, "%zu", i);
    sb_add(&b, num, (size_t)len);
  }
  sb_puts(&b, "]");
  mn_toml_value_t *root = parse_n(b.s, b.len);
  const mn_toml_value_t *a = mn__toml_get(root, "a");
  assert_int_equal(mn__toml_array_len(a), n);
  int64_t v = 0;
  assert_int_equal(mn__toml_int(mn__toml_array_at(a, n - 1), &v), 0);
  assert_int_equal(v, (int64_t)(n - 1));
  assert_pos(mn__toml_array_at(a, n - 1), 1, (uint32_t)last_col);
  mn__toml_free(root);
  free(b.s);
}

static void test_big_string_and_many_tables(void **state) {
  (void)state;
  const size_t n = 8u << 20;
  char *text = mn__xmalloc(n + 16);
  memcpy(text, "s = '", 5);
  memset(text + 5, 'x', n);
  memcpy(text + 5 + n, "'\n", 2);
  mn_toml_value_t *root = parse_n(text, n + 7);
  size_t len = 0;
  const char *s = mn__toml_string(mn__toml_get(root, "s"), &len);
  assert_int_equal(len, n);
  assert_int_equal(s[n - 1], 'x');
  assert_int_equal(s[n], '\0');
  mn__toml_free(root);
  free(text);

  const int tables = 50000;
  sb_t b = {0};
  char line[64];
  for (int i = 0; i < tables; i++) {
    int l =
        snprintf(line, sizeof line, "[[t]]\nx = %d\n[t.sub]\ny = %d\n", i, -i);
    sb_add(&b, line, (size_t)l);
  }
  root = parse_n(b.s, b.len);
  const mn_toml_value_t *t = mn__toml_get(root, "t");
  assert_int_equal(mn__toml_array_len(t), tables);
  for (int i = 0; i < tables; i += 499) {
    const mn_toml_value_t *item = mn__toml_array_at(t, (size_t)i);
    assert_int_equal(get_int(item, "x"), i);
    assert_int_equal(get_int(item, "sub.y"), -i);
    assert_pos(item, (uint32_t)(4 * i + 1), 1);
  }
  mn__toml_free(root);
  free(b.s);
}

/* --------------------------------------------------------------------------
 * Output helpers
 * ------------------------------------------------------------------------ */

static void test_format_float(void **state) {
  (void)state;
  char buf[32];
  mn__toml_format_float(0.1, buf, sizeof buf);
  assert_string_equal(buf, "0.1");
  mn__toml_format_float(100.0, buf, sizeof buf);
  assert_string_equal(buf, "100.0");
  mn__toml_format_float(-0.0, buf, sizeof buf);
  assert_string_equal(buf, "-0.0");
  mn__toml_format_float(1e100, buf, sizeof buf);
  assert_string_equal(buf, "1e+100");
  mn__toml_format_float(INFINITY, buf, sizeof buf);
  assert_string_equal(buf, "inf");
  mn__toml_format_float(-INFINITY, buf, sizeof buf);
  assert_string_equal(buf, "-inf");
  mn__toml_format_float(NAN, buf, sizeof buf);
  assert_string_equal(buf, "nan");
  /* Whatever the text, it must read back as the same double. */
  const double samples[] = {1.0 / 3,
                            5e-324,
                            DBL_MAX,
                            -DBL_MIN,
                            6.02214076e23,
                            0.30000000000000004,
                            123456789012345678.0};
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    int n = mn__toml_format_float(samples[i], buf, sizeof buf);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_true(strtod(buf, NULL) == samples[i]);
    assert_non_null(strpbrk(buf, ".e"));
  }
}

static void test_locale_independent(void **state) {
  (void)state;
  if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") &&
      !setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
    print_message("SKIP: no de_DE.UTF-8 or fr_FR.UTF-8 locale on this "
                  "machine (a decimal-comma locale is what it checks)\n");
    skip();
    return;
  }
  mn_toml_value_t *root = parse("f = 1.5\n");
  double d = 0;
  assert_int_equal(mn__toml_float(mn__toml_get(root, "f"), &d), 0);
  char buf[32];
  mn__toml_format_float(d, buf, sizeof buf);
  setlocale(LC_NUMERIC, "C");
  assert_true(d == 1.5);
  assert_string_equal(buf, "1.5");
  mn__toml_free(root);
}

/* json_equal() for values whose object keys may hold NUL (jansson's own
 * compares keys as C strings). */
static bool json_same(const json_t *a, const json_t *b) {
  if (json_typeof(a) != json_typeof(b))
    return false;
  if (json_is_object(a)) {
    if (json_object_size(a) != json_object_size(b))
      return false;
    const char *k;
    size_t kl;
    json_t *v;
    json_object_keylen_foreach((json_t *)a, k, kl, v) {
      const json_t *w = json_object_getn(b, k, kl);
      if (!w || !json_same(v, w))
        return false;
    }
    return true;
  }
  if (json_is_array(a)) {
    if (json_array_size(a) != json_array_size(b))
      return false;
    for (size_t i = 0; i < json_array_size(a); i++)
      if (!json_same(json_array_get(a, i), json_array_get(b, i)))
        return false;
    return true;
  }
  return json_equal(a, b);
}

static void test_tagged_json(void **state) {
  (void)state;
  mn_toml_value_t *root = parse("i = 0x10\n"
                                "f = 2.5e-3\n"
                                "d = 1979-05-27 07:32:00Z\n"
                                "\"k\\u0000\" = [true, 'x', {a.b = []}]\n"
                                "[[t]]\n"
                                "[t.u]\n");
  json_t *have = mn__toml_to_tagged_json(root);
  assert_non_null(have);
  json_error_t jerr;
  json_t *want = json_loads(
      "{\"i\": {\"type\": \"integer\", \"value\": \"16\"},"
      " \"f\": {\"type\": \"float\", \"value\": \"0.0025\"},"
      " \"d\": {\"type\": \"datetime\", \"value\": \"1979-05-27T07:32:00Z\"},"
      " \"t\": [{\"u\": {}}]}",
      0, &jerr);
  assert_non_null(want);
  json_t *arr = json_loads("[{\"type\": \"bool\", \"value\": \"true\"},"
                           " {\"type\": \"string\", \"value\": \"x\"},"
                           " {\"a\": {\"b\": []}}]",
                           0, &jerr);
  assert_non_null(arr);
  assert_int_equal(json_object_setn_new(want, "k\0", 2, arr), 0);
  if (!json_same(want, have)) {
    char *w = json_dumps(want, JSON_SORT_KEYS);
    char *h = json_dumps(have, JSON_SORT_KEYS);
    print_error("want %s\nhave %s\n", w, h);
    free(w);
    free(h);
    fail();
  }
  /* Keys come out in document order. */
  const char *first = NULL;
  json_object_foreach(have, first, arr) break;
  assert_string_equal(first, "i");
  json_decref(want);
  json_decref(have);
  mn__toml_free(root);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get_path),
      cmocka_unit_test(test_table_order_and_arrays),
      cmocka_unit_test(test_type_names),
      cmocka_unit_test(test_scalars),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_datetimes),
      cmocka_unit_test(test_positions_values),
      cmocka_unit_test(test_positions_redefined_and_aot),
      cmocka_unit_test(test_crlf),
      cmocka_unit_test(test_bom),
      cmocka_unit_test(test_nul),
      cmocka_unit_test(test_bad_utf8),
      cmocka_unit_test(test_errors_lines_and_keys),
      cmocka_unit_test(test_errors_strings),
      cmocka_unit_test(test_errors_values),
      cmocka_unit_test(test_errors_numbers),
      cmocka_unit_test(test_errors_datetimes),
      cmocka_unit_test(test_errors_tables),
      cmocka_unit_test(test_error_misc),
      cmocka_unit_test(test_depth_arrays),
      cmocka_unit_test(test_depth_inline_tables),
      cmocka_unit_test(test_depth_headers_and_keys),
      cmocka_unit_test(test_depth_hostile),
      cmocka_unit_test(test_many_keys),
      cmocka_unit_test(test_long_line),
      cmocka_unit_test(test_big_string_and_many_tables),
      cmocka_unit_test(test_format_float),
      cmocka_unit_test(test_locale_independent),
      cmocka_unit_test(test_tagged_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
