/*
 * test_rpc_server.c - the rpc plugin's HTTP server (plugins/rpc/server.c)
 * on a private loop, driven by real sockets on loopback: replies and
 * headers, keep-alive and pipelining, POST bodies (plain, chunked, with
 * Expect: 100-continue), malformed requests, every limit (size, header
 * count, connections, idle time), 1,000 concurrent connections, replies
 * that come later or never reach a client that left, and closing the
 * server with requests outstanding (teardown checks the loop closes
 * clean, so nothing is left behind).
 *
 * The server runs on its own thread; the test thread is the client.  The
 * handler answers "<METHOD> <target>|<body>|<authorization>" and knows a
 * few special targets: /later (answered from a timer), /hold (kept
 * unanswered until /release), /stats (the server's counters).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "test_support.h"

#include "rpc.h"

#include "../integration/http_client.c"

typedef struct fx {
  uv_loop_t loop;
  uv_async_t wake;
  uv_timer_t later_timer;
  rpc_server_t *srv;
  pthread_t thread;
  int port;
  rpc_request_t *later;
  rpc_request_t *held;
} fx_t;

static fx_t *g_fx;

/* ---- the server side (loop thread) --------------------------------------- */

static void answer(rpc_request_t *req) {
  char *body = NULL;
  int n = asprintf(&body, "%s %s|%s|%s", req->method_name, req->target,
                   req->body, req->authorization ? req->authorization : "-");
  assert_true(n >= 0);
  rpc_respond(req, 200, body, (size_t)n, NULL);
  free(body);
}

static void on_later(uv_timer_t *t) {
  fx_t *f = t->data;
  rpc_request_t *r = f->later;
  f->later = NULL;
  answer(r);
}

static void on_request(rpc_request_t *req, void *data) {
  fx_t *f = data;
  if (strcmp(req->target, "/later") == 0 && !f->later) {
    f->later = req;
    uv_timer_start(&f->later_timer, on_later, 20, 0);
    return;
  }
  if (strcmp(req->target, "/hold") == 0 && !f->held) {
    f->held = req;
    return;
  }
  if (strcmp(req->target, "/release") == 0 && f->held) {
    answer(f->held);
    f->held = NULL;
  }
  if (strcmp(req->target, "/stats") == 0) {
    rpc_stats_t st;
    rpc_server_stats(f->srv, &st);
    char body[256];
    int n = snprintf(
        body, sizeof body,
        "held=%d connections=%zu requests=%llu rejected=%llu "
        "timeouts=%llu bad=%llu buffered=%zu",
        f->held != NULL, st.connections, (unsigned long long)st.requests,
        (unsigned long long)st.rejected, (unsigned long long)st.timeouts,
        (unsigned long long)st.bad_requests, st.buffered);
    rpc_respond(req, 200, body, (size_t)n, NULL);
    return;
  }
  answer(req);
}

static void on_wake(uv_async_t *a) {
  fx_t *f = a->data;
  /* Close first: answers owed to closed connections must be dropped
   * cleanly. */
  rpc_server_close(f->srv);
  if (f->held)
    answer(f->held);
  if (f->later)
    answer(f->later);
  f->held = f->later = NULL;
  uv_close((uv_handle_t *)&f->wake, NULL);
  uv_close((uv_handle_t *)&f->later_timer, NULL);
}

static void *loop_main(void *arg) {
  fx_t *f = arg;
  uv_run(&f->loop, UV_RUN_DEFAULT);
  return NULL;
}

static size_t g_max_buffered; /* for the next start_server */

static int start_server(void **state, size_t max_conns, size_t max_bytes,
                        size_t max_headers, uint64_t idle_ms) {
  fx_t *f = calloc(1, sizeof *f);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  uv_async_init(&f->loop, &f->wake, on_wake);
  f->wake.data = f;
  uv_timer_init(&f->loop, &f->later_timer);
  f->later_timer.data = f;
  rpc_server_opts_t o = {
      .bind = "127.0.0.1",
      .port = 0,
      .limits = {max_conns, max_bytes, max_headers, idle_ms, g_max_buffered},
      .server_name = "test",
      .on_request = on_request,
      .data = f,
  };
  char why[256];
  int rc = rpc_server_start(&f->loop, &o, &f->srv, why, sizeof why);
  if (rc != 0)
    fail_msg("server did not start: %s", why);
  f->port = rpc_server_port(f->srv);
  assert_true(f->port > 0);
  assert_int_equal(pthread_create(&f->thread, NULL, loop_main, f), 0);
  g_fx = f;
  *state = f;
  return 0;
}

static int setup(void **state) {
  return start_server(state, 64, 4096, 16, 60000);
}
static int setup_short_idle(void **state) {
  return start_server(state, 64, 4096, 16, 1000);
}
static int setup_four(void **state) {
  return start_server(state, 4, 4096, 16, 60000);
}
static int setup_big(void **state) {
  return start_server(state, 2000, 4096, 16, 60000);
}
static int setup_hundred(void **state) {
  return start_server(state, 100, 4096, 16, 60000);
}
static int setup_small_buffer(void **state) {
  g_max_buffered = 6000;
  int rc = start_server(state, 64, 4096, 16, 60000);
  g_max_buffered = 0;
  return rc;
}

static int teardown(void **state) {
  fx_t *f = *state;
  uv_async_send(&f->wake);
  pthread_join(f->thread, NULL);
  /* Every handle is closed: nothing was left behind. */
  assert_int_equal(uv_loop_close(&f->loop), 0);
  free(f);
  return 0;
}

/* ---- helpers (client side) ----------------------------------------------- */

static void expect_reply(tc_conn_t *c, int status, const char *body) {
  tc_resp_t r;
  int rc = tc_read(c, &r, false, TC_WAIT_MS);
  assert_int_equal(rc, TC_OK);
  assert_int_equal(r.status, status);
  if (body)
    assert_string_equal(r.body, body);
  tc_resp_free(&r);
}

static void get(tc_conn_t *c, const char *target) {
  char raw[512];
  snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target);
  assert_true(tc_sends(c, raw));
}

static char *stats(fx_t *f) {
  tc_resp_t r;
  assert_int_equal(tc_exchange(f->port, "GET /stats HTTP/1.1\r\n\r\n", &r),
                   TC_OK);
  char *s = strdup(r.body);
  tc_resp_free(&r);
  return s;
}

/* ---- tests --------------------------------------------------------------- */

static void test_reply_headers(void **state) {
  fx_t *f = *state;
  tc_conn_t c;
  assert_true(tc_open(&c, f->port));
  get(&c, "/help");
  /* Raw bytes: CRLF line ends and the reference's header set. */
  char raw[2048];
  size_t n = 0;
  while (!strstr(raw, "|-") && n < sizeof raw - 1) {
    ssize_t k = recv(c.fd, raw + n, sizeof raw - 1 - n, 0);
    assert_true(k > 0);
    n += (size_t)k;
    raw[n] = '\0';
  }
  assert_memory_equal(raw, "HTTP/1.1 200 OK\r\n", 17);
  char *end = strstr(raw, "\r\n\r\n");
  assert_non_null(end);
  for (char *p = raw; p < end; p++)
    if (*p == '\n')
      assert_int_equal(p[-1], '\r');
  assert_non_null(strstr(raw, "\r\nContent-Type: text/plain\r\n"));
  assert_non_null(strstr(raw, "\r\nContent-Length: 12\r\n"));
  assert_non_null(strstr(raw, "\r\nAccess-Control-Allow-Origin: *\r\n"));
  assert_non_null(strstr(raw, "\r\nServer: test\r\n"));
  assert_non_null(strstr(raw, "\r\nDate: "));
  assert_non_null(strstr(raw, "\r\nConnection: keep-alive\r\n"));
  assert_string_equal(end + 4, "GET /help||-");
  tc_close(&c);
}

static void test_keep_alive(void **state) {
  fx_t *f = *state;
  tc_conn_t c;
  assert_true(tc_open(&c, f->port));
  for (int i = 0; i < 5; i++) {
    char target[32], want[64];
    snprintf(target, sizeof target, "/n%d", i);
    snprintf(want, sizeof want, "GET /n%d||-", i);
    get(&c, target);
    expect_reply(&c, 200, want);
  }
  /* Connection: close is honoured. */
  assert_true(tc_sends(&c, "GET /bye HTTP/1.1\r\nConnection: close\r\n\r\n"));
  tc_resp_t r;
  assert_int_equal(tc_read(&c, &r, false, TC_WAIT_MS), TC_OK);
  assert_string_equal(tc_header(&r, "connection"), "close");
  tc_resp_free(&r);
  assert_true(tc_wait_closed(&c, TC_WAIT_MS));
  tc_close(&c);
  /* HTTP/1.0 closes unless asked to keep the connection. */
  assert_true(tc_open(&c, f->port));
  assert_true(tc_sends(&c, "GET /old HTTP/1.0\r\n\r\n"));
  expect_reply(&c, 200, "GET /old||-");
  assert_true(tc_wait_closed(&c, TC_WAIT_MS));
  tc_close(&c);
  assert_true(tc_open(&c, f->port));
  assert_true(
      tc_sends(&c, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  expect_reply(&c, 200, "GET /a||-");
  assert_true(tc_sends(&c, "GET /b HTTP/1.0\r\n\r\n"));
  expect_reply(&c, 200, "GET /b||-");
  tc_close(&c);
}

static void test_pipelining_in_order(void **state) {
  fx_t *f = *state;
  tc_conn_t c;
  assert_true(tc_open(&c, f->port));
  /* The middle request is answered later; replies still come in order. */
  assert_true(tc_sends(&c, "GET /one HTTP/1.1\r\n\r\n"
                           "GET /later HTTP/1.1\r\n\r\n"
                           "POST /three HTTP/1.1\r\nContent-Length: 3\r\n\r\n"
                           "abc"));
  expect_reply(&c, 200, "GET /one||-");
  expect_reply(&c, 200, "GET /later||-");
  expect_reply(&c, 200, "POST /three|abc|-");
  tc_close(&c);
}

static void test_post_bodies(void **state) {
  fx_t *f = *state;
  tc_conn_t c;
  assert_true(tc_open(&c, f->port));
  assert_true(tc_sends(&c, "POST / HTTP/1.1\r\nAuthorization: Bearer k\r\n"
                           "Content-Length: 11\r\n\r\nhelp  x:y z"));
  expect_reply(&c, 200, "POST /|help  x:y z|Bearer k");
  /* Chunked. */
  assert_true(tc_sends(&c, "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                           "\r\n4\r\nhelp\r\n3\r\n a:\r\n1\r\nb\r\n0\r\n\r\n"));
  expect_reply(&c, 200, "POST /c|help a:b|-");
  /* Expect: 100-continue gets the go-ahead before the body is sent. */
  assert_true(tc_sends(&c, "POST /e HTTP/1.1\r\nContent-Length: 4\r\n"
                           "Expect: 100-continue\r\n\r\n"));
  expect_reply(&c, 100, NULL);
  assert_true(tc_sends(&c, "body"));
  expect_reply(&c, 200, "POST /e|body|-");
  tc_close(&c);
}

static void test_head_and_exact_length(void **state) {
  fx_t *f = *state;
  tc_conn_t c;
  assert_true(tc_open(&c, f->port));
  assert_true(tc_sends(&c, "HEAD /h HTTP/1.1\r\n\r\n"));
  tc_resp_t r;
  assert_int_equal(tc_read(&c, &r, true, TC_WAIT_MS), TC_OK);
  assert_int_equal(r.status, 200);
  assert_string_equal(tc_header(&r, "content-length"), "10");
  assert_int_equal(r.body_len, 0);
  tc_resp_free(&r);
  /* No stray body bytes: the next reply parses from its first byte. */
  get(&c, "/next");
  expect_reply(&c, 200, "GET /next||-");
  tc_close(&c);
}

static void expect_error_and_close(int port, const char *raw, int status,
                                   const char *text) {
  tc_conn_t c;
  assert_true(tc_open(&c, port));
  assert_true(tc_sends(&c, raw));
  tc_resp_t r;
  assert_int_equal(tc_read(&c, &r, false, TC_WAIT_MS), TC_OK);
  assert_int_equal(r.status, status);
  json_t *j = json_loads(r.body, 0, NULL);
  if (!j)
    fail_msg("not JSON: %s", r.body);
  assert_true(json_is_false(json_object_get(j, "status")));
  const char *err = json_string_value(json_object_get(j, "error"));
  assert_non_null(err);
  if (!strstr(err, text))
    fail_msg("error \"%s\" does not mention \"%s\"", err, text);
  json_decref(j);
  assert_string_equal(tc_header(&r, "connection"), "close");
  tc_resp_free(&r);
  assert_true(tc_wait_closed(&c, TC_WAIT_MS));
  tc_close(&c);
}

static void test_malformed(void **state) {
  fx_t *f = *state;
  expect_error_and_close(f->port, "GARBAGE\r\n\r\n", 400,
                         "malformed HTTP request");
  /* A bare CR inside a header (smuggling, injection). */
  expect_error_and_close(f->port, "GET / HTTP/1.1\r\nX: a\rb: c\r\n\r\n", 400,
                         "malformed HTTP request");
  expect_error_and_close(f->port, "GET / HTTP/9.Q\r\n\r\n", 400,
                         "malformed HTTP request");
  expect_error_and_close(f->port,
                         "POST / HTTP/1.1\r\nContent-Length: zz\r\n\r\n", 400,
                         "malformed HTTP request");
  expect_error_and_close(f->port,
                         "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                         "\r\nZZ\r\n",
                         400, "malformed HTTP request");
  /* Binary noise. */
  expect_error_and_close(f->port, "\x01\x02\x03\xff\r\n\r\n", 400,
                         "malformed HTTP request");
  /* The server is still fine. */
  char *s = stats(f);
  assert_non_null(strstr(s, "bad=6"));
  free(s);
}

static void test_limits(void **state) {
  fx_t *f = *state;
  /* Announced body too large: refused before the body is sent. */
  expect_error_and_close(f->port,
                         "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 413,
                         "max_request_bytes");
  /* A chunked body that grows past the limit. */
  tc_conn_t c;
  assert_true(tc_open(&c, f->port));
  assert_true(
      tc_sends(&c, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  char chunk[1100];
  memset(chunk, 'a', sizeof chunk);
  memcpy(chunk, "400\r\n", 5);
  memcpy(chunk + 5 + 1024, "\r\n", 2);
  tc_resp_t r;
  int rc = TC_TIMEOUT;
  for (int i = 0; i < 8; i++) {
    if (!tc_send(&c, chunk, 5 + 1024 + 2))
      break;
  }
  rc = tc_read(&c, &r, false, TC_WAIT_MS);
  assert_int_equal(rc, TC_OK);
  assert_int_equal(r.status, 413);
  tc_resp_free(&r);
  tc_close(&c);
  /* A target longer than the limit. */
  char *raw = malloc(6000);
  memcpy(raw, "GET /", 5);
  memset(raw + 5, 'x', 5000);
  strcpy(raw + 5005, " HTTP/1.1\r\n\r\n");
  expect_error_and_close(f->port, raw, 413, "max_request_bytes");
  free(raw);
  /* Too many header lines. */
  char hdrs[1024] = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 17; i++)
    snprintf(hdrs + strlen(hdrs), sizeof hdrs - strlen(hdrs), "X-%d: y\r\n", i);
  strcat(hdrs, "\r\n");
  expect_error_and_close(f->port, hdrs, 431, "max_headers");
  /* Exactly at the header limit is fine. */
  char ok[1024] = "GET /ok HTTP/1.1\r\n";
  for (int i = 0; i < 16; i++)
    snprintf(ok + strlen(ok), sizeof ok - strlen(ok), "X-%d: y\r\n", i);
  strcat(ok, "\r\n");
  assert_int_equal(tc_exchange(f->port, ok, &r), TC_OK);
  assert_int_equal(r.status, 200);
  tc_resp_free(&r);
}

static void test_slow_client_does_not_block_others(void **state) {
  fx_t *f = *state;
  tc_conn_t slow, idle;
  assert_true(tc_open(&slow, f->port));
  assert_true(tc_open(&idle, f->port));
  /* Headers that never finish. */
  assert_true(tc_sends(&slow, "GET /slow HTTP/1.1\r\nHost: x\r\nX-A: "));
  /* Others are served meanwhile. */
  for (int i = 0; i < 20; i++) {
    tc_resp_t r;
    assert_int_equal(tc_exchange(f->port, "GET /new HTTP/1.1\r\n\r\n", &r),
                     TC_OK);
    assert_int_equal(r.status, 200);
    tc_resp_free(&r);
  }
  /* Trickling bytes does not buy time: the reply comes while we keep
   * sending.  (Each poll waits 50 ms; the bound only stops a broken
   * server from hanging the test.) */
  int rounds = 0;
  for (;; rounds++) {
    assert_true(rounds < TC_WAIT_MS / 50);
    struct pollfd p = {.fd = slow.fd, .events = POLLIN};
    if (poll(&p, 1, 50) > 0)
      break;
    assert_true(tc_sends(&slow, "b"));
  }
  tc_resp_t r;
  assert_int_equal(tc_read(&slow, &r, false, TC_WAIT_MS), TC_OK);
  assert_int_equal(r.status, 408);
  assert_non_null(strstr(r.body, "idle_timeout_ms"));
  tc_resp_free(&r);
  assert_true(tc_wait_closed(&slow, TC_WAIT_MS));
  /* A connection that sent nothing is simply closed. */
  assert_true(tc_wait_closed(&idle, TC_WAIT_MS));
  tc_close(&slow);
  tc_close(&idle);
  char *s = stats(f);
  assert_non_null(strstr(s, "timeouts=2 "));
  free(s);
}

static void test_connection_limit(void **state) {
  fx_t *f = *state;
  tc_conn_t c[4], extra;
  for (int i = 0; i < 4; i++) {
    assert_true(tc_open(&c[i], f->port));
    get(&c[i], "/held-open");
    expect_reply(&c[i], 200, "GET /held-open||-");
  }
  assert_true(tc_open(&extra, f->port));
  tc_resp_t r;
  assert_int_equal(tc_read(&extra, &r, false, TC_WAIT_MS), TC_OK);
  assert_int_equal(r.status, 503);
  assert_non_null(strstr(r.body, "max_connections"));
  tc_resp_free(&r);
  assert_true(tc_wait_closed(&extra, TC_WAIT_MS));
  tc_close(&extra);
  /* The served connections still work. */
  get(&c[2], "/still");
  expect_reply(&c[2], 200, "GET /still||-");
  /* Room again after one leaves. */
  tc_close(&c[0]);
  for (int tries = 0;; tries++) {
    assert_true(tc_open(&extra, f->port));
    get(&extra, "/again");
    assert_int_equal(tc_read(&extra, &r, false, TC_WAIT_MS), TC_OK);
    int status = r.status;
    tc_resp_free(&r);
    tc_close(&extra);
    if (status == 200)
      break;
    /* The server may not have seen the close yet. */
    assert_int_equal(status, 503);
    assert_true(tries < 1000);
    usleep(1000);
  }
  for (int i = 1; i < 4; i++)
    tc_close(&c[i]);
}

/* The bytes of unfinished requests the server holds. */
static size_t buffered(fx_t *f) {
  char *s = stats(f);
  const char *b = strstr(s, "buffered=");
  assert_non_null(b);
  size_t n = strtoul(b + 9, NULL, 10);
  free(s);
  return n;
}

static void test_buffer_limit(void **state) {
  fx_t *f = *state;
  /* One unfinished request holds about 3,000 of the 6,000 bytes all may
   * hold together. */
  static const char head[] = "POST / HTTP/1.1\r\nContent-Length: 3500\r\n\r\n";
  const size_t total = sizeof head - 1 + 3500;
  char part[3600];
  memset(part, 'a', sizeof part);
  memcpy(part, head, sizeof head - 1);
  tc_conn_t a, b;
  assert_true(tc_open(&a, f->port));
  assert_true(tc_send(&a, part, 3000));
  for (int tries = 0; buffered(f) < 2900; tries++) {
    assert_true(tries < TC_WAIT_MS);
    usleep(1000);
  }
  /* A second one that would pass the total is refused. */
  assert_true(tc_open(&b, f->port));
  assert_true(tc_send(&b, part, 3100));
  tc_resp_t r;
  assert_int_equal(tc_read(&b, &r, false, TC_WAIT_MS), TC_OK);
  assert_int_equal(r.status, 503);
  assert_non_null(strstr(r.body, "too many large requests"));
  tc_resp_free(&r);
  tc_close(&b);
  /* The first still completes, and gives its share back. */
  assert_true(tc_send(&a, part + 3000, total - 3000));
  expect_reply(&a, 200, NULL);
  tc_close(&a);
  for (int tries = 0; buffered(f) > 100; tries++) {
    assert_true(tries < TC_WAIT_MS);
    usleep(1000);
  }
  assert_true(tc_open(&b, f->port));
  assert_true(tc_send(&b, part, total));
  expect_reply(&b, 200, NULL);
  tc_close(&b);
}

static void raise_nofile(rlim_t want) {
  struct rlimit rl;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur >= want)
    return;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
    print_message("SKIP: the open-file hard limit %llu is below %llu\n",
                  (unsigned long long)rl.rlim_max, (unsigned long long)want);
    skip();
  }
  rl.rlim_cur = want;
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* Opens n connections, sends a request on each, and reads every reply.
 * counts[0]: 200s, [1]: 503s, [2]: closed without a reply. */
static void many(fx_t *f, int n, int counts[3]) {
  tc_conn_t *c = calloc((size_t)n, sizeof *c);
  for (int i = 0; i < n; i++) {
    if (!tc_open(&c[i], f->port))
      fail_msg("connection %d refused", i);
  }
  for (int i = 0; i < n; i++)
    tc_sends(&c[i], "GET /many HTTP/1.1\r\n\r\n");
  counts[0] = counts[1] = counts[2] = 0;
  for (int i = 0; i < n; i++) {
    tc_resp_t r;
    int rc = tc_read(&c[i], &r, false, TC_WAIT_MS);
    if (rc == TC_OK && r.status == 200 && strcmp(r.body, "GET /many||-") == 0)
      counts[0]++;
    else if (rc == TC_OK && r.status == 503)
      counts[1]++;
    else if (rc == TC_CLOSED)
      counts[2]++;
    else
      fail_msg("connection %d: read %d status %d", i, rc, r.status);
    tc_resp_free(&r);
  }
  for (int i = 0; i < n; i++)
    tc_close(&c[i]);
  free(c);
}

static void test_thousand_connections(void **state) {
  fx_t *f = *state;
  raise_nofile(4096);
  int counts[3];
  many(f, 1000, counts);
  assert_int_equal(counts[0], 1000);
  /* And the server still serves. */
  tc_resp_t r;
  assert_int_equal(tc_exchange(f->port, "GET /after HTTP/1.1\r\n\r\n", &r),
                   TC_OK);
  assert_int_equal(r.status, 200);
  tc_resp_free(&r);
}

static void test_thousand_over_limit(void **state) {
  fx_t *f = *state;
  raise_nofile(4096);
  int counts[3];
  many(f, 1000, counts);
  /* The first hundred are served; every other one is refused or closed. */
  assert_int_equal(counts[0], 100);
  assert_int_equal(counts[0] + counts[1] + counts[2], 1000);
  assert_true(counts[1] > 0);
  for (int tries = 0;; tries++) {
    tc_resp_t r;
    assert_int_equal(tc_exchange(f->port, "GET /after HTTP/1.1\r\n\r\n", &r),
                     TC_OK);
    int status = r.status;
    tc_resp_free(&r);
    if (status == 200)
      break;
    assert_true(tries < 5000);
    usleep(1000);
  }
}

/* Waits until the server holds the /hold request. */
static void wait_held(fx_t *f) {
  for (int tries = 0;; tries++) {
    char *s = stats(f);
    bool held = strstr(s, "held=1") != NULL;
    free(s);
    if (held)
      return;
    assert_true(tries < TC_WAIT_MS);
    usleep(1000);
  }
}

static void test_client_leaves_while_busy(void **state) {
  fx_t *f = *state;
  tc_conn_t c;
  assert_true(tc_open(&c, f->port));
  get(&c, "/hold");
  wait_held(f);
  tc_close(&c);
  /* Answering the request of a client that left is harmless. */
  tc_resp_t r;
  assert_int_equal(tc_exchange(f->port, "GET /release HTTP/1.1\r\n\r\n", &r),
                   TC_OK);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "GET /release||-");
  tc_resp_free(&r);
  char *s = stats(f);
  assert_non_null(strstr(s, "held=0"));
  free(s);
}

static void test_close_with_requests_outstanding(void **state) {
  fx_t *f = *state;
  tc_conn_t c, idle;
  assert_true(tc_open(&c, f->port));
  assert_true(tc_open(&idle, f->port));
  get(&c, "/hold");
  wait_held(f);
  /* teardown closes the server while /hold is owed and idle is open. */
  tc_close(&c);
  tc_close(&idle);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_reply_headers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_keep_alive, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pipelining_in_order, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_post_bodies, setup, teardown),
      cmocka_unit_test_setup_teardown(test_head_and_exact_length, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
      cmocka_unit_test_setup_teardown(test_slow_client_does_not_block_others,
                                      setup_short_idle, teardown),
      cmocka_unit_test_setup_teardown(test_connection_limit, setup_four,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_thousand_connections, setup_big,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_thousand_over_limit, setup_hundred,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_buffer_limit, setup_small_buffer,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_client_leaves_while_busy, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_close_with_requests_outstanding,
                                      setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
