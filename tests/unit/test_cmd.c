/* The command registry: the reference's command language, parameter
 * checks, the JSON envelope, multi-command lines and async replies. */
#include <stdlib.h>
#include <string.h>

#include <minima/stream.h>

#include "cmd/cmd.h"
#include "crypto/crypto.h"
#include "test_support.h"
#include "types/num.h"
#include "util/util.h"

static int owner_a, owner_b;

static char **words_of(const char *line, size_t *n) {
  char **w;
  *n = mn__cmdline_words(line, &w);
  return w;
}

static void free_words(char **w, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(w[i]);
  free(w);
}

static void expect_words(const char *line, const char *const *expect) {
  size_t n;
  char **w = words_of(line, &n);
  size_t k = 0;
  for (; expect[k]; k++) {
    if (k >= n)
      fail_msg("\"%s\": only %zu words, expected \"%s\"", line, n, expect[k]);
    assert_string_equal(w[k], expect[k]);
  }
  assert_int_equal(n, k);
  free_words(w, n);
}

static void test_tokenizer(void **state) {
  expect_words("send address:0xFF amount:1",
               (const char *[]){"send", "address:0xFF", "amount:1", NULL});
  /* Spaces around the colon and quoted values (quick method). */
  expect_words("send address : 0xFF  amount:\"1 2\"",
               (const char *[]){"send", "address:0xFF", "amount:1 2", NULL});
  /* A colon inside a value falls back to the general method. */
  expect_words("connect host:1.2.3.4:9001",
               (const char *[]){"connect", "host:1.2.3.4:9001", NULL});
  /* A name with no value is dropped, as the reference does. */
  expect_words("status clean",
               (const char *[]){"status", NULL});
  /* JSON keeps its spaces and quotes. */
  expect_words("send state:{\"0\": \"a b\", \"1\":[1, 2]} amount:1",
               (const char *[]){"send", "state:{\"0\": \"a b\", \"1\":[1, 2]}",
                                "amount:1", NULL});
  expect_words("runscript script:\"RETURN TRUE\" globals:{\"@BLOCK\":\"1\"}",
               (const char *[]){"runscript", "script:RETURN TRUE",
                                "globals:{\"@BLOCK\":\"1\"}", NULL});
  expect_words("   ", (const char *[]){NULL});
}

typedef struct result {
  json_t *j;
  int calls;
} result_t;

static void done(json_t *r, void *data) {
  result_t *res = data;
  json_decref(res->j);
  res->j = r;
  res->calls++;
}

static mn_call_t *pending_call;

static int h_echo(mn_call_t *call, json_t *params, void *data) {
  mn__call_reply(call, json_incref(params));
  return 0;
}
static int h_fail(mn_call_t *call, json_t *params, void *data) {
  return MN_EINVALID;
}
static int h_later(mn_call_t *call, json_t *params, void *data) {
  pending_call = call;
  return 0;
}
static int h_msg(mn_call_t *call, json_t *params, void *data) {
  mn__call_set(call, "message", json_string("done"));
  mn__call_reply(call, NULL);
  return 0;
}

static const mn_cmd_param_t echo_params[] = {
    {"amount", MN_PARAM_NUMBER, MN_PARAM_REQUIRED, "an amount"},
    {"address", MN_PARAM_ADDRESS, 0, "an address"},
    {"data", MN_PARAM_HEX, 0, "bytes"},
    {"state", MN_PARAM_JSON, 0, "json"},
    {"text", MN_PARAM_STRING, 0, "text"},
    {"flag", MN_PARAM_BOOL, 0, "flag"},
    {NULL, 0, 0, NULL}};
static const mn_cmd_param_t raw_params[] = {
    {"value", MN_PARAM_STRING, MN_PARAM_REQUIRED, "kept raw"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t defs[] = {
    {"echo", "echo params", NULL, echo_params, 0, h_echo},
    {"fail", "fails", NULL, NULL, 0, h_fail},
    {"later", "replies later", NULL, NULL, 0, h_later},
    {"msg", "message only", NULL, NULL, 0, h_msg},
    {"spend", "a write command", NULL, NULL, MN_CMD_WRITE, h_msg},
    {"rawstate", "raw brackets", NULL, raw_params, MN_CMD_RAW_BRACKETS,
     h_echo},
};

static int setup(void **state) {
  mn__cmds_t *c = mn__cmds_new(mn__num_api(), mn__crypto_api());
  for (size_t i = 0; i < sizeof defs / sizeof *defs; i++)
    assert_int_equal(mn__cmds_register(c, &owner_a, "a", &defs[i], NULL, NULL),
                     0);
  *state = c;
  return 0;
}

static int teardown(void **state) {
  mn__cmds_free(*state);
  return 0;
}

static json_t *exec(mn__cmds_t *c, const char *line, uint32_t flags) {
  static result_t res;
  res.calls = 0;
  json_decref(res.j);
  res.j = NULL;
  assert_int_equal(mn__cmds_exec(c, line, flags, done, &res), 0);
  assert_int_equal(res.calls, 1);
  return res.j;
}

static void expect_json(json_t *got, const char *expect) {
  json_error_t e;
  json_t *want = json_loads(expect, 0, &e);
  assert_non_null(want);
  if (!json_equal(got, want)) {
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
    fail_msg("got      %s\nexpected %s", g, expect);
  }
  json_decref(want);
}

static void test_registry(void **state) {
  mn__cmds_t *c = *state;
  char *why = NULL;
  assert_int_equal(mn__cmds_register(c, &owner_b, "b", &defs[0], NULL, &why),
                   MN_EEXIST);
  assert_string_equal(why, "command \"echo\" is already registered by plugin "
                           "\"a\"");
  free(why);
  mn_command_def_t bad = {"Bad Name", "", NULL, NULL, 0, h_echo};
  assert_int_equal(mn__cmds_register(c, &owner_b, "b", &bad, NULL, &why),
                   MN_EINVAL);
  free(why);
  assert_int_equal(mn__cmds_count(c), 6);
  assert_string_equal(mn__cmds_at(c, 0, NULL)->name, "echo"); /* sorted */
  mn__cmds_drop_owner(c, &owner_a);
  assert_int_equal(mn__cmds_count(c), 0);
}

static void test_envelopes(void **state) {
  mn__cmds_t *c = *state;
  expect_json(exec(c, "nosuch a:b", MN_EXEC_WRITE),
              "{\"command\":\"nosuch\",\"status\":false,\"pending\":false,"
              "\"error\":\"Command not found\"}");
  expect_json(exec(c, "ECHO amount:1.50 text:\"hi there\" flag:true",
                   MN_EXEC_WRITE),
              "{\"command\":\"echo\",\"params\":{\"amount\":\"1.50\","
              "\"text\":\"hi there\",\"flag\":\"true\"},\"status\":true,"
              "\"pending\":false,\"response\":{\"amount\":\"1.50\",\"text\":"
              "\"hi there\",\"flag\":\"true\"}}");
  expect_json(exec(c, "echo amount:1 bogus:2", MN_EXEC_WRITE),
              "{\"command\":\"echo amount:1 bogus:2\",\"params\":{\"amount\":"
              "\"1\",\"bogus\":\"2\"},\"status\":false,\"pending\":false,"
              "\"error\":\"Invalid parameter : bogus\"}");
  expect_json(exec(c, "echo text:x", MN_EXEC_WRITE),
              "{\"command\":\"echo\",\"params\":{\"text\":\"x\"},\"status\":"
              "false,\"pending\":false,\"error\":\"param not specified : "
              "amount\"}");
  expect_json(exec(c, "echo amount:\"\"", MN_EXEC_WRITE),
              "{\"command\":\"echo\",\"params\":{\"amount\":\"\"},\"status\":"
              "false,\"pending\":false,\"error\":\"BLANK param not allowed : "
              "amount\"}");
  expect_json(exec(c, "echo amount:12x", MN_EXEC_WRITE),
              "{\"command\":\"echo\",\"params\":{\"amount\":\"12x\"},"
              "\"status\":false,\"pending\":false,\"error\":\"Invalid number "
              "parameter : amount 12x\"}");
  json_t *j = exec(c, "echo amount:1 junk", MN_EXEC_WRITE);
  /* "junk" has no colon: with JSON-free input it is dropped (quick
   * method), exactly as the reference. */
  assert_true(json_is_true(json_object_get(j, "status")));
  j = exec(c, "echo amount:1 state:{\"a\":1} junk", MN_EXEC_WRITE);
  expect_json(j, "{\"command\":\"echo\",\"status\":false,\"pending\":false,"
                 "\"error\":\"Invalid parameters for echo @ junk\"}");
  j = exec(c, "echo amount:1 state:{bad json}", MN_EXEC_WRITE);
  assert_true(json_is_false(json_object_get(j, "status")));
  assert_memory_equal(
      json_string_value(json_object_get(j, "error")),
      "Invalid JSON parameter for echo @ state:{bad json}", 49);
  expect_json(exec(c, "echo amount:1 state:text", MN_EXEC_WRITE),
              "{\"command\":\"echo\",\"params\":{\"amount\":\"1\",\"state\":"
              "\"text\"},\"status\":false,\"pending\":false,\"error\":"
              "\"Invalid JSON parameter : state text\"}");
}

static void test_hex_and_addresses(void **state) {
  mn__cmds_t *c = *state;
  json_t *j = exec(c, "echo amount:1 data:0xabc", MN_EXEC_WRITE);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(j, "response"), "data")),
      "0x0ABC");
  j = exec(c, "echo amount:1 data:zz", MN_EXEC_WRITE);
  assert_string_equal(json_string_value(json_object_get(j, "error")),
                      "Invalid Data param specified : data zz");
  const char *hex =
      "0x582AA40EA996419A3D8A5D26039A4E9584B746C2C26F860DAC8372BEA4457AF6";
  char line[256];
  snprintf(line, sizeof line, "echo amount:1 address:%s", hex);
  j = exec(c, line, MN_EXEC_WRITE);
  assert_true(json_is_true(json_object_get(j, "status")));
  /* The same address as Mx text is converted to hex. */
  mn_buf_t raw = mn_test_unhex(hex);
  char mx[MN_MX_MAX];
  assert_true(mn__crypto_api()->mx_encode(raw.data, raw.len, mx, sizeof mx) >
              0);
  mn_buf_free(&raw);
  snprintf(line, sizeof line, "echo amount:1 address:%s", mx);
  j = exec(c, line, MN_EXEC_WRITE);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(j, "response"), "address")),
                      hex);
  j = exec(c, "echo amount:1 address:0x1234", MN_EXEC_WRITE);
  assert_true(json_is_false(json_object_get(j, "status")));
}

static void test_raw_brackets(void **state) {
  mn__cmds_t *c = *state;
  json_t *j = exec(c, "rawstate value:[hello world]", MN_EXEC_WRITE);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(j, "response"), "value")),
                      "[hello world]");
}

static void test_multi_and_permissions(void **state) {
  mn__cmds_t *c = *state;
  json_t *j = exec(c, "msg; echo amount:2 ; ; msg", MN_EXEC_WRITE);
  assert_true(json_is_array(j));
  assert_int_equal(json_array_size(j), 3);
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(j, 0), "message")),
      "done");
  /* Stops at the first failure. */
  j = exec(c, "msg;fail;msg", MN_EXEC_WRITE);
  assert_int_equal(json_array_size(j), 2);
  expect_json(json_array_get(j, 1),
              "{\"command\":\"fail\",\"status\":false,\"pending\":false,"
              "\"error\":\"object failed validation\"}");
  /* A ';' inside JSON or quotes does not split. */
  j = exec(c, "echo amount:1 state:{\"a\":\"x;y\"} text:\"p;q\"",
           MN_EXEC_WRITE);
  assert_true(json_is_object(j));
  assert_true(json_is_true(json_object_get(j, "status")));
  /* WRITE commands need write access. */
  j = exec(c, "spend", 0);
  assert_true(json_is_false(json_object_get(j, "status")));
  assert_string_equal(json_string_value(json_object_get(j, "error")),
                      "spend changes the node and needs WRITE access, which "
                      "this caller does not have");
  j = exec(c, "", MN_EXEC_WRITE);
  assert_true(json_is_false(json_object_get(j, "status")));
}

static void test_async_reply(void **state) {
  mn__cmds_t *c = *state;
  result_t res = {0};
  pending_call = NULL;
  assert_int_equal(mn__cmds_exec(c, "later; msg", MN_EXEC_WRITE, done, &res),
                   0);
  assert_int_equal(res.calls, 0);
  assert_non_null(pending_call);
  mn__call_reply(pending_call, json_string("late"));
  assert_int_equal(res.calls, 1);
  assert_int_equal(json_array_size(res.j), 2);
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(res.j, 0), "response")),
      "late");
  json_decref(res.j);
  /* A call still waiting at shutdown is answered; a late reply is then
   * ignored. */
  res = (result_t){0};
  assert_int_equal(mn__cmds_exec(c, "later", MN_EXEC_WRITE, done, &res), 0);
  mn__cmds_fail_live(c, "the node is shutting down");
  assert_int_equal(res.calls, 1);
  assert_string_equal(json_string_value(json_object_get(res.j, "error")),
                      "the node is shutting down");
  mn__call_reply(pending_call, json_string("too late"));
  assert_int_equal(res.calls, 1);
  json_decref(res.j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tokenizer),
      cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
      cmocka_unit_test_setup_teardown(test_envelopes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hex_and_addresses, setup, teardown),
      cmocka_unit_test_setup_teardown(test_raw_brackets, setup, teardown),
      cmocka_unit_test_setup_teardown(test_multi_and_permissions, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_async_reply, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
