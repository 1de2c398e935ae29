/*
 * rpc_auth.c - who may use the RPC port, on real nodes: a node bound to
 * a public address without a password refuses to start (the message is
 * pinned); with a password every request must carry it (401 without, or
 * with wrong credentials; Basic as user minima and Bearer both work, and
 * then write commands run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "http_client.h"
#include "node.h"

static void test_public_bind_needs_password(void **state) {
  (void)state;
  char *dir = mn_test_tmpdir("rpc-auth");
  char *data = malloc(strlen(dir) + 8);
  sprintf(data, "%s/data", dir);
  char port[16];
  snprintf(port, sizeof port, "%d", tc_free_port());
  const char *argv[] = {itest_bin("minimad"),
                        "--profile",
                        "dev",
                        "--data-dir",
                        data,
                        "--port",
                        port,
                        "--set",
                        "rpc.bind=0.0.0.0",
                        NULL};
  char *out, *err;
  int code = itest_run(argv, NULL, &out, &err);
  if (code != 2 ||
      !strstr(err, "ERROR [rpc] [rpc] bind = \"0.0.0.0\" lets other "
                   "machines reach the RPC server, but no password is set, "
                   "so anyone who can connect could run every command, "
                   "spending included.  Set [rpc] password (for example "
                   "--set rpc.password=...; clients then send HTTP Basic "
                   "auth as user minima, or Authorization: Bearer "
                   "<password>), or bind to 127.0.0.1\n") ||
      !strstr(err, "minimad: plugin \"rpc\" failed to initialise: "
                   "configuration error (MN_ECONFIG)\n"))
    fail_msg("exit %d, stderr:\n%s", code, err);
  free(out);
  free(err);
  /* The same with a password starts (see the other tests); an IPv6
   * wildcard is just as public. */
  const char *argv6[] = {itest_bin("minimad"),
                         "--profile",
                         "dev",
                         "--data-dir",
                         data,
                         "--port",
                         port,
                         "--set",
                         "rpc.bind=::",
                         NULL};
  code = itest_run(argv6, NULL, &out, &err);
  assert_int_equal(code, 2);
  assert_non_null(strstr(err, "[rpc] bind = \"::\" lets other machines"));
  free(out);
  free(err);
  /* Not an address at all. */
  const char *argvx[] = {itest_bin("minimad"),
                         "--profile",
                         "dev",
                         "--data-dir",
                         data,
                         "--port",
                         port,
                         "--set",
                         "rpc.bind=nonsense",
                         NULL};
  code = itest_run(argvx, NULL, &out, &err);
  assert_int_equal(code, 2);
  assert_non_null(strstr(err, "ERROR [rpc] [rpc] bind = \"nonsense\" is not an "
                              "IP address; use an IPv4 or IPv6 address"));
  free(out);
  free(err);
  mn_test_rmtree(dir);
  free(dir);
  free(data);
}

static itest_node_t node;

static int start_with_password(void **state) {
  (void)state;
  const char *args[] = {
      "--profile",           "dev", "--set", "rpc.bind=0.0.0.0", "--set",
      "rpc.password=s3cret", NULL};
  if (!itest_node_start(&node, "rpc-auth", args)) {
    char *log = itest_node_log(&node);
    fail_msg("minimad did not start (exit %d):\n%s", node.exit_code, log);
  }
  return 0;
}

static int stop(void **state) {
  (void)state;
  itest_node_free(&node);
  return 0;
}

static void expect_401(const char *auth_header) {
  char req[512];
  snprintf(req, sizeof req, "GET /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n",
           auth_header);
  tc_conn_t c;
  assert_true(tc_open(&c, node.rpc_port));
  assert_true(tc_sends(&c, req));
  tc_resp_t r;
  assert_int_equal(tc_read(&c, &r, false, TC_WAIT_MS), TC_OK);
  if (r.status != 401)
    fail_msg("%s: status %d, body %s", auth_header, r.status, r.body);
  assert_string_equal(r.body, "{\"error\":\"Authentication failure..\"}\n");
  assert_string_equal(tc_header(&r, "www-authenticate"),
                      "Basic realm=\"minima\"");
  tc_resp_free(&r);
  assert_true(tc_wait_closed(&c, TC_WAIT_MS));
  tc_close(&c);
}

static void expect_write_ok(const char *auth_header) {
  char req[512];
  snprintf(req, sizeof req, "GET /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n",
           auth_header);
  tc_resp_t r;
  assert_int_equal(tc_exchange(node.rpc_port, req, &r), TC_OK);
  if (r.status != 200)
    fail_msg("%s: status %d, body %s", auth_header, r.status, r.body);
  json_t *j = json_loads(r.body, 0, NULL);
  /* rpc is a WRITE command: it ran, so the caller has write access. */
  assert_true(json_is_true(json_object_get(j, "status")));
  json_t *resp = json_object_get(j, "response");
  assert_true(json_is_true(json_object_get(resp, "authenticate")));
  assert_string_equal(json_string_value(json_object_get(resp, "bind")),
                      "0.0.0.0");
  json_decref(j);
  tc_resp_free(&r);
}

static void test_credentials(void **state) {
  (void)state;
  expect_401("");
  expect_401("Authorization: Basic bWluaW1hOndyb25n\r\n"); /* minima:wrong */
  expect_401("Authorization: Basic b3RoZXI6czNjcmV0\r\n"); /* other:s3cret */
  expect_401("Authorization: Basic czNjcmV0\r\n");         /* s3cret */
  expect_401("Authorization: Bearer s3cre\r\n");
  expect_401("Authorization: Bearer s3crets3cret\r\n");
  expect_401("Authorization: s3cret\r\n");
  expect_401("Authorization: Digest username=\"minima\"\r\n");
  /* minima:s3cret */
  expect_write_ok("Authorization: Basic bWluaW1hOnMzY3JldA==\r\n");
  expect_write_ok("Authorization: Bearer s3cret\r\n");
  expect_write_ok("authorization: bearer s3cret\r\n");
  /* With a password, web pages may use the node (they must know it). */
  expect_write_ok("Authorization: Bearer s3cret\r\n"
                  "Origin: https://wallet.example\r\n");
}

static void test_post_and_preflight(void **state) {
  (void)state;
  json_t *j = tc_post_json(node.rpc_port, "help command:rpc",
                           "Authorization: Bearer s3cret\r\n");
  assert_non_null(j);
  assert_true(json_is_true(json_object_get(j, "status")));
  json_decref(j);
  assert_null(tc_post_json(node.rpc_port, "help", NULL));
  /* Preflights carry no credentials and are answered. */
  tc_resp_t r;
  assert_int_equal(
      tc_exchange(node.rpc_port,
                  "OPTIONS / HTTP/1.1\r\nOrigin: https://wallet.example\r\n"
                  "Access-Control-Request-Headers: authorization\r\n\r\n",
                  &r),
      TC_OK);
  assert_int_equal(r.status, 204);
  tc_resp_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_public_bind_needs_password),
      cmocka_unit_test_setup_teardown(test_credentials, start_with_password,
                                      stop),
      cmocka_unit_test_setup_teardown(test_post_and_preflight,
                                      start_with_password, stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
