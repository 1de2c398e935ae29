/*
 * rpc_commands.c - every command of every shipped plugin, over HTTP, on a
 * real node (config/all.toml): each once with good parameters (by GET and
 * by POST) and with bad ones (an unknown parameter, a missing required
 * one, a value of the wrong type); then the envelope rules the RPC layer
 * owns: unknown commands, several commands on one line, invalid JSON,
 * invalid UTF-8, NUL bytes, bad %-escapes, header injection, browser
 * requests, secrets masked in the log, and `quit` last.
 *
 * ADDING A COMMAND: this test FAILS when the registry holds a command that
 * examples[] below lacks (and when examples[] names a command no plugin
 * registered).  A plugin that registers a command adds a line to
 * examples[]: the name, a command line with good parameters that succeeds
 * on a fresh node of config/all.toml, and a piece of text the reply must
 * contain.  Add the plugin to config/all.toml too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "http_client.h"
#include "node.h"

typedef struct example {
  const char *command;
  const char *line;   /* good parameters; must succeed (status true) */
  const char *expect; /* text the reply's JSON must contain */
} example_t;

/* What some good calls need (see quirks[] below). */
typedef struct quirk {
  const char *command;
  /* Run before each good call, its reply ignored (e.g. to recreate what
   * the command works on).  May be NULL. */
  const char *setup;
  /* For a command that cannot succeed on a fresh node (it needs funds):
   * the good call must fail with this in its error, its parameters
   * accepted.  NULL: it must succeed. */
  const char *fails;
} quirk_t;

/* An empty custom transaction "rpc", as txnexport writes it. */
#define TXN_RPC                                                               \
  "txnimport data:0x00000003727063000100000100000100000000010000010000010000" \
  "0100"
#define ADDR_TRUE                                                             \
  "0x582AA40EA996419A3D8A5D26039A4E9584B746C2C26F860DAC8372BEA4457AF6"

/* One line per command, sorted by name.  See "ADDING A COMMAND" above. */
static const example_t examples[] = {
    {"automine", "automine enable:false", "\"automine\":false"},
    {"backup", "backup file:rpc-example.bak password:pw", "\"backup\":{"},
    {"balance", "balance", "\"token\":\"Minima\""},
    {"block", "block", "\"block\":\"1\""},
    {"coins", "coins", "\"response\":["},
    {"connect", "connect host:mem://rpc-peer",
     "\"message\":\"Attempting to connect to mem://rpc-peer\""},
    {"consolidate", "consolidate tokenid:0x00", NULL},
    {"disconnect", "disconnect uid:all",
     "\"message\":\"Attempting to disconnect from all\""},
    {"example", "example name:Alice", "\"message\":\"Hello, Alice!\""},
    {"getaddress", "getaddress", "\"miniaddress\":\"Mx"},
    {"hashtest", "hashtest amount:1000", " MH/s\""},
    {"help", "help command:help", "\"fullhelp\":"},
    {"history", "history", "\"txpows\":["},
    {"keys", "keys", "\"maxuses\":"},
    {"mempool", "mempool", "\"txpow\":["},
    {"network", "network", "\"connections\":["},
    {"newaddress", "newaddress", "\"default\":false"},
    {"newscript", "newscript script:\"RETURN TRUE\" trackall:true",
     "\"address\":\"" ADDR_TRUE "\""},
    {"peers", "peers", "\"peerslist\":"},
    {"ping", "ping host:mem://all", "\"valid\":true"},
    {"printchain", "printchain depth:2", "\"chain\":\"\\n 1 [0/"},
    {"printmmr", "printmmr", "\"entrynumber\":\"2\""},
    {"printtree", "printtree cascade:true", "\"cascade\":"},
    {"quit", "quit", "\"message\":\"Shutdown complete\""},
    {"restore", "restore file:rpc-example.bak password:pw", "\"restore\":{"},
    {"rpc", "rpc action:listusers", "\"rpcusers\":[]"},
    {"runscript", "runscript script:\"RETURN TRUE\"", "\"success\":true"},
    {"scripts", "scripts", "\"script\":"},
    {"send", "send address:" ADDR_TRUE " amount:1", NULL},
    {"status", "status", "\"minima\":\"1000000000\""},
    {"tokencreate", "tokencreate name:rpc amount:10", NULL},
    {"tokens", "tokens", "\"name\":\"Minima\""},
    {"txncreate", "txncreate id:rpc-new", "\"id\":\"rpc-new\""},
    {"txndelete", "txndelete id:rpc-none", "\"response\":\"Not found\""},
    {"txnexport", "txnexport id:rpc", "\"data\":\"0x"},
    {"txnimport", TXN_RPC, "\"id\":\"rpc\""},
    {"txninput", "txninput id:rpc address:" ADDR_TRUE " amount:1",
     "\"coinid\":\"0x01\""},
    {"txnlist", "txnlist", "\"response\":["},
    {"txnoutput", "txnoutput id:rpc amount:1 address:" ADDR_TRUE,
     "\"outputcoindata\":[\"0x"},
    {"txnpost", "txnpost id:rpc-missing", NULL},
    {"txnsign", "txnsign id:rpc publickey:auto", "\"txnpost\":false"},
    {"txnstate", "txnstate id:rpc port:1 value:[hi]", "\"data\":\"[hi]\""},
    {"txpow", "txpow block:1", "\"isblock\":true"},
};

/* Commands whose good call needs a setup line, or fails on a fresh node
 * for want of funds (the wallet's end-to-end tests cover their success). */
static const quirk_t quirks[] = {
    {"consolidate", NULL, "Not enough coins (0) to consolidate"},
    {"restore", "backup file:rpc-example.bak password:pw", NULL},
    {"send", NULL, "No Coins of tokenid:0x00 available!"},
    {"tokencreate", NULL, "No Minima Coins available!"},
    {"txncreate", "txndelete id:rpc-new", NULL},
    {"txnexport", TXN_RPC, NULL},
    {"txninput", TXN_RPC, NULL},
    {"txnoutput", TXN_RPC, NULL},
    {"txnpost", NULL, "Transaction not found : rpc-missing"},
    {"txnsign", TXN_RPC, NULL},
    {"txnstate", TXN_RPC, NULL},
};

static const quirk_t *find_quirk(const char *name) {
  for (size_t i = 0; i < sizeof quirks / sizeof *quirks; i++)
    if (strcmp(quirks[i].command, name) == 0)
      return &quirks[i];
  return NULL;
}

static itest_node_t node;

static int setup(void **state) {
  (void)state;
  const char *args[] = {"--profile", "all", "--set", "node.log_level=debug",
                        NULL};
  if (!itest_node_start(&node, "rpc-commands", args)) {
    char *log = itest_node_log(&node);
    fail_msg("minimad did not start (exit %d):\n%s", node.exit_code, log);
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  itest_node_free(&node);
  return 0;
}

/* ---- helpers ------------------------------------------------------------- */

/* Percent-encodes a command line for a GET target. */
static char *encode(const char *line) {
  static const char hex[] = "0123456789ABCDEF";
  char *out = malloc(strlen(line) * 3 + 1), *w = out;
  for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || strchr("-_.~:", *p)) {
      *w++ = (char)*p;
    } else {
      *w++ = '%';
      *w++ = hex[*p >> 4];
      *w++ = hex[*p & 15];
    }
  }
  *w = '\0';
  return out;
}

static json_t *post(const char *line) {
  json_t *j = tc_post_json(node.rpc_port, line, NULL);
  if (!j)
    fail_msg("POST %s: no JSON reply", line);
  return j;
}

static json_t *get(const char *line) {
  char *target = encode(line);
  json_t *j = tc_get_json(node.rpc_port, target);
  if (!j)
    fail_msg("GET /%s: no JSON reply", target);
  free(target);
  return j;
}

static char *dump(const json_t *j) {
  return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void expect_ok(json_t *j, const char *name, const char *line,
                      const char *text) {
  char *s = dump(j);
  if (!json_is_true(json_object_get(j, "status")) ||
      !json_is_false(json_object_get(j, "pending")))
    fail_msg("%s: expected status true, got %s", line, s);
  const char *cmd = json_string_value(json_object_get(j, "command"));
  if (!cmd || strcmp(cmd, name) != 0)
    fail_msg("%s: command field %s", line, s);
  if (text && !strstr(s, text))
    fail_msg("%s: reply lacks %s: %s", line, text, s);
  free(s);
}

static void expect_fail(json_t *j, const char *line, const char *error) {
  char *s = dump(j);
  const char *e = json_string_value(json_object_get(j, "error"));
  if (!json_is_false(json_object_get(j, "status")) || !e || !*e)
    fail_msg("%s: expected status false with an error, got %s", line, s);
  if (error && !strstr(e, error))
    fail_msg("%s: error should mention \"%s\": %s", line, error, s);
  free(s);
}

static const example_t *find_example(const char *name) {
  for (size_t i = 0; i < sizeof examples / sizeof *examples; i++)
    if (strcmp(examples[i].command, name) == 0)
      return &examples[i];
  return NULL;
}

/* A value the parameter's type rejects, or NULL for types that take any
 * text. */
static const char *bad_value(const char *type) {
  if (strcmp(type, "number") == 0)
    return "notanumber";
  if (strcmp(type, "hex") == 0)
    return "0xZZ";
  if (strcmp(type, "address") == 0)
    return "0x12";
  if (strcmp(type, "json") == 0)
    return "notjson";
  return NULL;
}

/* ---- the registry, command by command ------------------------------------ */

static void test_every_command(void **state) {
  (void)state;
  json_t *help = post("help");
  json_t *all = json_object_get(help, "response");
  assert_true(json_is_object(all));
  assert_true(json_object_size(all) >= 3);
  /* The table and the registry agree. */
  const char *name;
  json_t *v;
  json_object_foreach(all, name, v) {
    if (!find_example(name))
      fail_msg("command \"%s\" is registered but examples[] in "
               "tests/integration/rpc_commands.c has no line for it: add "
               "one (see ADDING A COMMAND at the top of that file)",
               name);
  }
  for (size_t i = 0; i < sizeof examples / sizeof *examples; i++)
    if (!json_object_get(all, examples[i].command))
      fail_msg("examples[] lists \"%s\" but no plugin of config/all.toml "
               "registered it (plugin missing from the profile, or failed "
               "to load? see the node log)",
               examples[i].command);

  size_t calls = 0;
  json_object_foreach(all, name, v) {
    const example_t *ex = find_example(name);
    json_t *j;
    /* Good parameters, both ways (quit: last, in its own test). */
    const quirk_t *q = find_quirk(name);
    if (strcmp(name, "quit") != 0) {
      for (int way = 0; way < 2; way++) {
        if (q && q->setup)
          json_decref(post(q->setup));
        j = way ? get(ex->line) : post(ex->line);
        if (q && q->fails)
          expect_fail(j, ex->line, q->fails);
        else
          expect_ok(j, name, ex->line, ex->expect);
        json_decref(j);
      }
    }
    /* An unknown parameter. */
    char line[1024];
    snprintf(line, sizeof line, "%s nosuchparam:1", ex->line);
    j = post(line);
    expect_fail(j, line, "Invalid parameter : nosuchparam");
    json_decref(j);
    /* Missing and mistyped parameters, from the command's own schema. */
    snprintf(line, sizeof line, "help command:%s", name);
    json_t *h = post(line);
    json_t *params = json_object_get(json_object_get(h, "response"), "params");
    assert_true(json_is_array(params));
    size_t k;
    json_t *p;
    json_array_foreach(params, k, p) {
      const char *pname = json_string_value(json_object_get(p, "name"));
      const char *type = json_string_value(json_object_get(p, "type"));
      if (json_is_true(json_object_get(p, "required"))) {
        j = post(name);
        expect_fail(j, name, "param not specified : ");
        json_decref(j);
      }
      const char *bad = bad_value(type);
      if (bad) {
        snprintf(line, sizeof line, "%s %s:%s", ex->line, pname, bad);
        j = post(line);
        expect_fail(j, line, pname);
        json_decref(j);
      }
    }
    json_decref(h);
    calls++;
  }
  assert_int_equal(calls, json_object_size(all));
  json_decref(help);
}

/* ---- envelope rules ------------------------------------------------------ */

static void test_envelope(void **state) {
  (void)state;
  json_t *j = post("nosuchcommand a:b");
  char *s = dump(j);
  assert_string_equal(s, "{\"command\":\"nosuchcommand\",\"status\":false,"
                         "\"pending\":false,\"error\":\"Command not found\"}");
  free(s);
  json_decref(j);
  /* Several commands: an array, stopping after the first failure. */
  j = post("help command:help; rpc");
  assert_true(json_is_array(j));
  assert_int_equal(json_array_size(j), 2);
  json_decref(j);
  j = get("help; nosuch; rpc");
  assert_true(json_is_array(j));
  assert_int_equal(json_array_size(j), 2);
  expect_fail(json_array_get(j, 1), "nosuch", "Command not found");
  json_decref(j);
  /* Invalid JSON in a parameter. */
  j = post("runscript script:\"RETURN TRUE\" state:{\"1\":}");
  expect_fail(j, "bad JSON", "Invalid JSON parameter");
  json_decref(j);
  /* A blank value. */
  j = post("help command:\"\"");
  expect_fail(j, "blank", "BLANK param not allowed : command");
  json_decref(j);
  /* An empty line. */
  j = post("");
  expect_fail(j, "empty", "Command not found");
  json_decref(j);
  j = get("");
  expect_fail(j, "empty", "Command not found");
  json_decref(j);
}

static tc_resp_t raw(const char *request) {
  tc_resp_t r;
  int rc = tc_exchange(node.rpc_port, request, &r);
  if (rc != TC_OK)
    fail_msg("no reply (%d) to %.60s", rc, request);
  return r;
}

static json_t *body_json(const tc_resp_t *r) {
  json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
  if (!j)
    fail_msg("reply body is not JSON: %s", r->body);
  return j;
}

static void test_bad_bytes(void **state) {
  (void)state;
  /* Invalid UTF-8, by GET and by POST. */
  tc_resp_t r = raw("GET /help%20command:%FFx HTTP/1.1\r\n\r\n");
  assert_int_equal(r.status, 200);
  json_t *j = body_json(&r);
  expect_fail(j, "utf-8", "not valid UTF-8 (byte 0xFF at offset 13)");
  json_decref(j);
  tc_resp_free(&r);
  r = raw("POST / HTTP/1.1\r\nContent-Length: 7\r\n\r\nhelp \xc3\x28");
  j = body_json(&r);
  expect_fail(j, "utf-8", "not valid UTF-8");
  json_decref(j);
  tc_resp_free(&r);
  /* NUL. */
  r = raw("GET /help%00x HTTP/1.1\r\n\r\n");
  j = body_json(&r);
  expect_fail(j, "nul", "NUL byte (offset 4)");
  json_decref(j);
  tc_resp_free(&r);
  /* A broken %-escape is a bad request. */
  r = raw("GET /help%2 HTTP/1.1\r\n\r\n");
  assert_int_equal(r.status, 400);
  j = body_json(&r);
  expect_fail(j, "escape", "%25");
  json_decref(j);
  tc_resp_free(&r);
  /* CR LF in the command cannot add a response header. */
  r = raw("GET /help%0D%0AX-Injected:%20yes%0D%0A HTTP/1.1\r\n\r\n");
  assert_int_equal(r.status, 200);
  assert_null(tc_header(&r, "x-injected"));
  j = body_json(&r);
  expect_fail(j, "injection", "Invalid parameter");
  json_decref(j);
  tc_resp_free(&r);
  /* Nor can a request line cut short (read as HTTP/0.9, then the rest as
   * a malformed request). */
  r = raw("GET /help\r\nX-Injected: yes HTTP/1.1\r\n\r\n");
  assert_true(r.status == 200 || r.status == 400);
  assert_null(tc_header(&r, "x-injected"));
  tc_resp_free(&r);
}

static void test_browsers(void **state) {
  (void)state;
  /* A preflight is answered without running anything. */
  tc_resp_t r = raw("OPTIONS /quit HTTP/1.1\r\nOrigin: http://localhost:3000"
                    "\r\nAccess-Control-Request-Method: POST\r\n\r\n");
  assert_int_equal(r.status, 204);
  assert_string_equal(tc_header(&r, "access-control-allow-origin"), "*");
  assert_non_null(
      strstr(tc_header(&r, "access-control-allow-headers"), "Authorization"));
  tc_resp_free(&r);
  /* Another site's page cannot use a node that has no password. */
  r = raw("GET /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
          "https://evil.example\r\n\r\n");
  assert_int_equal(r.status, 403);
  json_t *j = body_json(&r);
  expect_fail(j, "origin", "set [rpc] password");
  json_decref(j);
  tc_resp_free(&r);
  r = raw("GET /rpc HTTP/1.1\r\nHost: evil.example:9005\r\n\r\n");
  assert_int_equal(r.status, 403);
  tc_resp_free(&r);
  r = raw("GET /rpc HTTP/1.1\r\nSec-Fetch-Site: cross-site\r\n\r\n");
  assert_int_equal(r.status, 403);
  tc_resp_free(&r);
  /* A page of this machine can. */
  r = raw("GET /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
          "http://localhost:3000\r\n\r\n");
  assert_int_equal(r.status, 200);
  tc_resp_free(&r);
}

static void test_log_masks_secrets(void **state) {
  (void)state;
  json_t *j = post("help command:help password:hunter2 phrase:\"a b c\"");
  expect_fail(j, "masked", "Invalid parameter");
  json_decref(j);
  char *log = itest_node_log(&node);
  if (!strstr(log, "help command:help password:*** phrase:***"))
    fail_msg("the command is not logged, masked:\n%s", log);
  assert_null(strstr(log, "hunter2"));
  assert_null(strstr(log, "a b c"));
  free(log);
}

static void test_quit_last(void **state) {
  (void)state;
  const example_t *ex = find_example("quit");
  json_t *j = post(ex->line);
  expect_ok(j, "quit", ex->line, ex->expect);
  json_decref(j);
  assert_int_equal(itest_node_wait(&node, TC_WAIT_MS), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_command),
      cmocka_unit_test(test_envelope),
      cmocka_unit_test(test_bad_bytes),
      cmocka_unit_test(test_browsers),
      cmocka_unit_test(test_log_masks_secrets),
      cmocka_unit_test(test_quit_last),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
