/*
 * test_rpc_text.c - the rpc plugin's text helpers (plugins/rpc/text.c):
 * how a GET target becomes a command line (the reference's rules), UTF-8
 * and base64 checks, credentials, loopback addresses, the browser guard
 * and the masking of secrets in logs.
 */
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include <minima/errors.h>

#include "rpc.h"

static void expect_target(const char *target, const char *line) {
  char *out = NULL;
  size_t len = 0, bad = 99;
  int rc = rpc_target_command(target, strlen(target), &out, &len, &bad);
  if (rc != 0)
    fail_msg("%s: rc %d at %zu", target, rc, bad);
  assert_string_equal(out, line);
  assert_int_equal(len, strlen(line));
  free(out);
}

static void expect_bad_target(const char *target, size_t at) {
  char *out = NULL;
  size_t len = 0, bad = 99;
  assert_int_equal(rpc_target_command(target, strlen(target), &out, &len, &bad),
                   MN_EFORMAT);
  assert_null(out);
  assert_int_equal(bad, at);
}

static void test_target(void **state) {
  (void)state;
  expect_target("/help", "help");
  expect_target("/help/", "help");
  expect_target("//help//", "/help/");
  expect_target("/send%20address:0xFF%20amount:1",
                "send address:0xFF amount:1");
  /* Form-style: '+' is a space, %2B a plus. */
  expect_target("/maths+calculate:1%2B1", "maths calculate:1+1");
  /* Decoded, then trimmed (bytes <= ' '). */
  expect_target("/%20%09help%0A%20", "help");
  expect_target("/", "");
  expect_target("", "");
  /* Slashes are removed before decoding, so an encoded one stays. */
  expect_target("/%2Fx%2F", "/x/");
  expect_target("/runscript%20script:%22RETURN%20TRUE%22",
                "runscript script:\"RETURN TRUE\"");
  /* UTF-8 passes through as bytes. */
  expect_target("/x%C3%A9", "x\xc3\xa9");
  expect_bad_target("/help%", 5);
  expect_bad_target("/help%2", 5);
  expect_bad_target("/a%zz", 2);
  /* Embedded NUL survives with its length. */
  char *out;
  size_t len, bad;
  assert_int_equal(rpc_target_command("/a%00b", 6, &out, &len, &bad), 0);
  assert_int_equal(len, 3);
  assert_memory_equal(out, "a\0b", 3);
  free(out);
}

static void test_utf8(void **state) {
  (void)state;
  const char *ok = "plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
  assert_int_equal(rpc_utf8_check(ok, strlen(ok)), strlen(ok));
  assert_int_equal(rpc_utf8_check("ab\xff", 3), 2);
  assert_int_equal(rpc_utf8_check("\xc0\xaf", 2), 0);         /* overlong */
  assert_int_equal(rpc_utf8_check("x\xe0\x80\xaf", 4), 1);    /* overlong */
  assert_int_equal(rpc_utf8_check("\xed\xa0\x80", 3), 0);     /* surrogate */
  assert_int_equal(rpc_utf8_check("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
  assert_int_equal(rpc_utf8_check("ab\xc3", 3), 2);           /* cut */
  assert_int_equal(rpc_utf8_check("ab\xe2\x82", 4), 2);       /* cut */
  assert_int_equal(rpc_utf8_check("\xc3\x28", 2), 0);         /* bad tail */
  assert_int_equal(rpc_utf8_check("", 0), 0);
}

static void expect_b64(const char *in, const char *out) {
  unsigned char buf[64];
  size_t n = 0;
  assert_true(rpc_base64_decode(in, strlen(in), buf, &n));
  assert_int_equal(n, strlen(out));
  assert_memory_equal(buf, out, n);
}

static void test_base64(void **state) {
  (void)state;
  expect_b64("", "");
  expect_b64("Zg==", "f");
  expect_b64("Zm8=", "fo");
  expect_b64("Zm9v", "foo");
  expect_b64("Zm9vYg", "foob"); /* padding optional */
  expect_b64("bWluaW1hOnNlY3JldA==", "minima:secret");
  unsigned char buf[64];
  size_t n;
  assert_false(rpc_base64_decode("Z", 1, buf, &n));
  assert_false(rpc_base64_decode("Zm9v!", 5, buf, &n));
  assert_false(rpc_base64_decode("Zh==", 4, buf, &n)); /* stray bits */
  assert_false(rpc_base64_decode("Zg=", 3, buf, &n));  /* bad padding */
}

static void test_secret_equal(void **state) {
  (void)state;
  assert_true(rpc_secret_equal("secret", 6, "secret", 6));
  assert_false(rpc_secret_equal("secreT", 6, "secret", 6));
  assert_false(rpc_secret_equal("secret1", 7, "secret", 6));
  assert_false(rpc_secret_equal("secre", 5, "secret", 6));
  /* A repetition of the secret is not the secret. */
  assert_false(rpc_secret_equal("secretsecret", 12, "secret", 6));
  assert_false(rpc_secret_equal("", 0, "secret", 6));
  assert_false(rpc_secret_equal("", 0, "", 0));
}

static void test_auth(void **state) {
  (void)state;
  /* minima:secret */
  assert_true(rpc_auth_ok("Basic bWluaW1hOnNlY3JldA==", "secret"));
  assert_true(rpc_auth_ok("basic   bWluaW1hOnNlY3JldA== ", "secret"));
  assert_true(rpc_auth_ok("Bearer secret", "secret"));
  assert_true(rpc_auth_ok("bearer secret ", "secret"));
  assert_false(rpc_auth_ok("Bearer secre", "secret"));
  assert_false(rpc_auth_ok("Bearer", "secret"));
  /* minima:wrong */
  assert_false(rpc_auth_ok("Basic bWluaW1hOndyb25n", "secret"));
  /* other:secret - only user minima exists */
  assert_false(rpc_auth_ok("Basic b3RoZXI6c2VjcmV0", "secret"));
  /* minima (no colon) */
  assert_false(rpc_auth_ok("Basic bWluaW1h", "secret"));
  assert_false(rpc_auth_ok("Basic !!!", "secret"));
  assert_false(rpc_auth_ok("Digest x", "secret"));
  assert_false(rpc_auth_ok("secret", "secret"));
  assert_false(rpc_auth_ok(NULL, "secret"));
  assert_false(rpc_auth_ok("Bearer ", ""));
  /* A password holding a colon: split at the first one. minima:a:b */
  assert_true(rpc_auth_ok("Basic bWluaW1hOmE6Yg==", "a:b"));
}

static void test_loopback(void **state) {
  (void)state;
  assert_true(rpc_is_loopback("127.0.0.1"));
  assert_true(rpc_is_loopback("127.1.2.3"));
  assert_true(rpc_is_loopback("::1"));
  assert_true(rpc_is_loopback("::ffff:127.0.0.1"));
  assert_true(rpc_is_loopback("localhost"));
  assert_true(rpc_is_loopback("LocalHost"));
  assert_false(rpc_is_loopback("0.0.0.0"));
  assert_false(rpc_is_loopback("::"));
  assert_false(rpc_is_loopback("192.168.1.2"));
  assert_false(rpc_is_loopback("128.0.0.1"));
  assert_false(rpc_is_loopback("example.com"));
  assert_false(rpc_is_loopback(""));
  assert_false(rpc_is_loopback(NULL));
  assert_true(rpc_is_address("0.0.0.0"));
  assert_true(rpc_is_address("::"));
  assert_true(rpc_is_address("fe80::1"));
  assert_true(rpc_is_address("localhost"));
  assert_false(rpc_is_address("nonsense"));
  assert_false(rpc_is_address("1.2.3"));
  assert_false(rpc_is_address("example.com"));
  assert_false(rpc_is_address(""));
  assert_false(rpc_is_address(NULL));
}

static void test_browser_guard(void **state) {
  (void)state;
  /* Plain clients send none of these, or a local Host. */
  assert_null(rpc_browser_refusal(NULL, NULL, NULL));
  assert_null(rpc_browser_refusal(NULL, NULL, "127.0.0.1:9005"));
  assert_null(rpc_browser_refusal(NULL, NULL, "localhost:9005"));
  assert_null(rpc_browser_refusal(NULL, NULL, "localhost"));
  assert_null(rpc_browser_refusal(NULL, NULL, "[::1]:9005"));
  /* A local page and a typed-in address are fine. */
  assert_null(rpc_browser_refusal("http://localhost:3000", "same-site",
                                  "127.0.0.1:9005"));
  assert_null(
      rpc_browser_refusal("http://127.0.0.1:8080", NULL, "127.0.0.1:9005"));
  assert_null(rpc_browser_refusal("http://[::1]:8080", "same-origin", NULL));
  assert_null(rpc_browser_refusal(NULL, "none", "127.0.0.1:9005"));
  /* Other sites are refused. */
  const char *why =
      rpc_browser_refusal("https://evil.example", NULL, "127.0.0.1:9005");
  assert_non_null(why);
  assert_non_null(strstr(why, "Origin"));
  assert_non_null(rpc_browser_refusal("null", NULL, NULL));
  assert_non_null(
      rpc_browser_refusal("http://localhost.evil.example", NULL, NULL));
  assert_non_null(
      rpc_browser_refusal("http://127.0.0.1.evil.example:80", NULL, NULL));
  why = rpc_browser_refusal(NULL, "cross-site", "127.0.0.1:9005");
  assert_non_null(why);
  assert_non_null(strstr(why, "Sec-Fetch-Site"));
  /* DNS rebinding: a foreign name that resolved to us. */
  why = rpc_browser_refusal(NULL, "same-origin", "evil.example:9005");
  assert_non_null(why);
  assert_non_null(strstr(why, "Host"));
  assert_non_null(rpc_browser_refusal(NULL, NULL, "192.168.1.5:9005"));
}

static void expect_masked(const char *line, const char *want) {
  char *m = rpc_mask_secrets(line, strlen(line), 1000);
  assert_non_null(m);
  assert_string_equal(m, want);
  free(m);
}

static void test_mask(void **state) {
  (void)state;
  expect_masked("balance", "balance");
  expect_masked("send amount:1 password:hunter2 address:0xFF",
                "send amount:1 password:*** address:0xFF");
  expect_masked("vault action:seed phrase:\"one two three\" confirm:x",
                "vault action:seed phrase:*** confirm:x");
  expect_masked("txnsign id:a privatekey:0xAB;status",
                "txnsign id:a privatekey:***;status");
  expect_masked("x seed:{\"a\":\"b c\"} y:1", "x seed:*** y:1");
  expect_masked("x Password:abc", "x Password:***");
  /* Only whole keys: these are not secrets. */
  expect_masked("x mypassword:abc seedless:1", "x mypassword:abc seedless:1");
  /* Control characters cannot forge log lines. */
  expect_masked("help\nFAKE LOG LINE\x1b[31m", "help?FAKE LOG LINE?[31m");
  /* Long lines are cut. */
  char *m = rpc_mask_secrets("abcdefghij", 10, 4);
  assert_string_equal(m, "abcd...(10 bytes)");
  free(m);
}

static void expect_json(const char *body, const char *line) {
  char *out = NULL, err[200] = "";
  int rc = rpc_json_command(body, strlen(body), &out, err, sizeof err);
  if (!line) {
    assert_int_equal(rc, MN_EFORMAT);
    assert_true(err[0] != '\0');
    return;
  }
  if (rc != 0)
    fail_msg("%s: %s", body, err);
  assert_string_equal(out, line);
  free(out);
}

static void test_json_body(void **state) {
  expect_json("{\"command\":\"status\"}", "status");
  expect_json("{\"command\":\"send\",\"params\":{\"amount\":\"1.5\","
              "\"address\":\"0xFF\",\"mine\":true,\"split\":3}}",
              "send amount:1.5 address:0xFF mine:true split:3");
  expect_json("{\"command\":\"runscript\",\"params\":{\"script\":"
              "\"RETURN TRUE\",\"globals\":{\"@BLOCK\":\"1\"}}}",
              "runscript script:\"RETURN TRUE\" globals:{\"@BLOCK\":\"1\"}");
  expect_json("[{\"command\":\"balance\"},{\"command\":\"block\"}]",
              "balance;block");
  expect_json("{\"command\":\"x\",\"params\":{\"t\":\"say \\\"hi\\\"\"}}",
              NULL);
  expect_json("{\"command\":\"a;b\"}", NULL);
  expect_json("{\"params\":{}}", NULL);
  expect_json("{\"command\":\"x\",\"params\":[1]}", NULL);
  expect_json("{\"command\":\"x\",\"extra\":1}", NULL);
  expect_json("[]", NULL);
  expect_json("{bad", NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_target),        cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_base64),        cmocka_unit_test(test_secret_equal),
      cmocka_unit_test(test_auth),          cmocka_unit_test(test_loopback),
      cmocka_unit_test(test_browser_guard), cmocka_unit_test(test_mask),
      cmocka_unit_test(test_json_body),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
