/*
 * rpc_http.c - the RPC port's HTTP behaviour on a real node (the server's
 * corner cases are in tests/unit/test_rpc_server.c): several requests on
 * one kept-alive connection, malformed requests, a request over the size
 * limit, too many header lines, a slow client that never finishes its
 * headers (closed after the idle limit while others are served), and
 * 1,000 concurrent connections, each answered, with the node serving
 * throughout.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "test_support.h"

#include "http_client.h"
#include "node.h"

static itest_node_t node;

static int setup(void **state) {
  (void)state;
  /* 1,000 client sockets here and as many in the node (which inherits the
   * limit). */
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 4096) {
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 4096) {
      print_message("SKIP: the open-file hard limit (%llu) is below 4096\n",
                    (unsigned long long)rl.rlim_max);
      exit(77);
    }
    rl.rlim_cur = 4096;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  const char *args[] = {"--profile", "all",
                        "--set",     "rpc.max_request_bytes=2048",
                        "--set",     "rpc.max_headers=20",
                        "--set",     "rpc.idle_timeout_ms=1000",
                        "--set",     "rpc.max_connections=1100",
                        NULL};
  if (!itest_node_start(&node, "rpc-http", args)) {
    char *log = itest_node_log(&node);
    fail_msg("minimad did not start (exit %d):\n%s", node.exit_code, log);
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  assert_int_equal(itest_node_stop(&node), 0);
  itest_node_free(&node);
  return 0;
}

static json_t *read_json(tc_conn_t *c) {
  tc_resp_t r;
  assert_int_equal(tc_read(c, &r, false, TC_WAIT_MS), TC_OK);
  assert_int_equal(r.status, 200);
  json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
  if (!j)
    fail_msg("not JSON: %s", r.body);
  tc_resp_free(&r);
  return j;
}

static void test_keep_alive(void **state) {
  (void)state;
  tc_conn_t c;
  assert_true(tc_open(&c, node.rpc_port));
  const char *lines[] = {"help", "rpc", "runscript script:\"RETURN 1 EQ 1\"",
                         "help command:rpc", "nosuch"};
  for (int round = 0; round < 3; round++) {
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
      char req[256];
      snprintf(req, sizeof req,
               "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
               "%zu\r\n\r\n%s",
               strlen(lines[i]), lines[i]);
      assert_true(tc_sends(&c, req));
      json_t *j = read_json(&c);
      assert_int_equal(json_is_true(json_object_get(j, "status")), i < 4);
      json_decref(j);
    }
  }
  /* Pipelined GETs on the same connection. */
  assert_true(tc_sends(&c, "GET /help HTTP/1.1\r\n\r\nGET /rpc HTTP/1.1\r\n"
                           "\r\n"));
  json_t *a = read_json(&c), *b = read_json(&c);
  assert_string_equal(json_string_value(json_object_get(a, "command")), "help");
  assert_string_equal(json_string_value(json_object_get(b, "command")), "rpc");
  json_decref(a);
  json_decref(b);
  tc_close(&c);
}

static void expect_status(const char *raw, int status, const char *text) {
  tc_resp_t r;
  assert_int_equal(tc_exchange(node.rpc_port, raw, &r), TC_OK);
  if (r.status != status || !strstr(r.body, text))
    fail_msg("status %d (expected %d), body %s (expected to mention %s)",
             r.status, status, r.body, text);
  json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
  assert_true(json_is_false(json_object_get(j, "status")));
  json_decref(j);
  tc_resp_free(&r);
}

static void test_bad_requests(void **state) {
  (void)state;
  expect_status("HELLO\r\n\r\n", 400, "malformed HTTP request");
  expect_status("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400,
                "malformed HTTP request");
  expect_status("POST / HTTP/1.1\r\nContent-Length: 4096\r\n\r\n", 413,
                "max_request_bytes");
  char *big = malloc(3000);
  memset(big, 'a', 2999);
  big[2999] = '\0';
  memcpy(big, "GET /", 5);
  memcpy(big + 2980, " HTTP/1.1\r\n\r\n", 14);
  big[2994] = '\0';
  expect_status(big, 413, "max_request_bytes");
  free(big);
  char hdrs[2048] = "GET /help HTTP/1.1\r\n";
  for (int i = 0; i < 21; i++)
    snprintf(hdrs + strlen(hdrs), sizeof hdrs - strlen(hdrs), "X-%d: y\r\n", i);
  strcat(hdrs, "\r\n");
  expect_status(hdrs, 431, "max_headers");
}

static void test_slow_client(void **state) {
  (void)state;
  tc_conn_t slow;
  assert_true(tc_open(&slow, node.rpc_port));
  assert_true(tc_sends(&slow, "GET /help HTTP/1.1\r\nHost: 127"));
  /* Everyone else is served meanwhile, until the slow one is told off. */
  int served = 0;
  for (;;) {
    json_t *j = tc_get_json(node.rpc_port, "help");
    assert_non_null(j);
    json_decref(j);
    served++;
    struct pollfd p = {.fd = slow.fd, .events = POLLIN};
    if (poll(&p, 1, 20) > 0)
      break;
    assert_true(served < TC_WAIT_MS / 20);
  }
  tc_resp_t r;
  assert_int_equal(tc_read(&slow, &r, false, TC_WAIT_MS), TC_OK);
  assert_int_equal(r.status, 408);
  tc_resp_free(&r);
  assert_true(tc_wait_closed(&slow, TC_WAIT_MS));
  tc_close(&slow);
  assert_true(served > 0);
}

static void test_thousand_connections(void **state) {
  (void)state;
  enum { N = 1000 };
  tc_conn_t *c = calloc(N, sizeof *c);
  for (int i = 0; i < N; i++)
    if (!tc_open(&c[i], node.rpc_port))
      fail_msg("connection %d refused", i);
  for (int i = 0; i < N; i++)
    assert_true(tc_sends(&c[i], "GET /rpc HTTP/1.1\r\n\r\n"));
  int answered = 0;
  size_t most = 0;
  for (int i = 0; i < N; i++) {
    tc_resp_t r;
    assert_int_equal(tc_read(&c[i], &r, false, TC_WAIT_MS), TC_OK);
    assert_int_equal(r.status, 200);
    json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
    json_t *n = json_object_get(json_object_get(j, "response"), "connections");
    if ((size_t)json_integer_value(n) > most)
      most = (size_t)json_integer_value(n);
    json_decref(j);
    tc_resp_free(&r);
    answered++;
  }
  assert_int_equal(answered, N);
  /* They were open at the same time. */
  assert_true(most >= N);
  /* Every connection is still usable. */
  for (int i = 0; i < N; i += 97) {
    assert_true(tc_sends(&c[i], "GET /help HTTP/1.1\r\n\r\n"));
    json_decref(read_json(&c[i]));
  }
  for (int i = 0; i < N; i++)
    tc_close(&c[i]);
  free(c);
  json_t *j = tc_get_json(node.rpc_port, "help");
  assert_non_null(j);
  json_decref(j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keep_alive),
      cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_slow_client),
      cmocka_unit_test(test_thousand_connections),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
