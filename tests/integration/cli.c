/*
 * cli.c - minima-cli against real nodes: exit statuses (0 success, 1
 * command error, 2 unreachable, 64 usage) and their messages; settings
 * from options, environment and the config file; passwords; quoting of
 * arguments; wait-sync against a fake chain plugin (tests/integration/
 * fake_chain.c) and against nodes that cannot be waited for; the bash
 * completion script, run in bash.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"

#include "http_client.h"
#include "node.h"
#include "util/util.h"

#ifndef FAKE_CHAIN_SO
#error FAKE_CHAIN_SO must name the fake chain plugin
#endif

static char *home; /* HOME and XDG_CONFIG_HOME of every run */

typedef struct run {
  int code;
  char *out, *err;
} run_t;

/* Runs minima-cli with args (NULL-terminated) and extra environment. */
static run_t cli_env(const char *const *env, const char *const *args) {
  const char *argv[48] = {itest_bin("minima-cli")};
  size_t k = 1;
  for (size_t i = 0; args[i] && k < 47; i++)
    argv[k++] = args[i];
  argv[k] = NULL;
  char h[4096], x[4096];
  snprintf(h, sizeof h, "HOME=%s", home);
  snprintf(x, sizeof x, "XDG_CONFIG_HOME=%s/.config", home);
  const char *e[16] = {h,
                       x,
                       "MINIMA_CLI_HOST=",
                       "MINIMA_CLI_PORT=",
                       "MINIMA_CLI_PASSWORD=",
                       "MINIMA_CLI_TIMEOUT="};
  size_t ne = 6;
  for (size_t i = 0; env && env[i] && ne < 15; i++)
    e[ne++] = env[i];
  e[ne] = NULL;
  run_t r;
  r.code = itest_run(argv, e, &r.out, &r.err);
  return r;
}

static run_t cli(const char *const *args) {
  return cli_env(NULL, args);
}

static void run_free(run_t *r) {
  free(r->out);
  free(r->err);
}

static void expect(const run_t *r, int code, const char *out, const char *err) {
  if (r->code != code || (out && !strstr(r->out, out)) ||
      (err && !strstr(r->err, err)))
    fail_msg("exit %d (expected %d)\nstdout: %s\nstderr: %s\nexpected "
             "stdout to contain: %s\nexpected stderr to contain: %s",
             r->code, code, r->out, r->err, out ? out : "-", err ? err : "-");
}

static itest_node_t node;
static char port[16];

static int start_plain(void **state) {
  (void)state;
  const char *args[] = {"--profile", "all", NULL};
  if (!itest_node_start(&node, "cli", args))
    fail_msg("minimad did not start (exit %d)", node.exit_code);
  snprintf(port, sizeof port, "%d", node.rpc_port);
  return 0;
}

static void write_file(const char *path, const char *text, mode_t mode);

/* A node with the RPC plugin alone: no chain, so no status command. */
static int start_rpc_only(void **state) {
  (void)state;
  char *profile = mn__xasprintf("%s/rpc-only.toml", home);
  write_file(profile, "[[plugin]]\nname = \"rpc\"\n", 0600);
  const char *args[] = {"--config", profile, NULL};
  bool ok = itest_node_start(&node, "cli", args);
  free(profile);
  if (!ok)
    fail_msg("minimad did not start (exit %d)", node.exit_code);
  snprintf(port, sizeof port, "%d", node.rpc_port);
  return 0;
}

static int stop(void **state) {
  (void)state;
  itest_node_free(&node);
  return 0;
}

static void test_exit_codes(void **state) {
  (void)state;
  run_t r = cli((const char *[]){"--port", port, "help", NULL});
  expect(&r, 0, "\"command\":\"help\"", NULL);
  assert_string_equal(r.err, "");
  run_free(&r);
  /* --json: the reply as sent, one line. */
  r = cli((const char *[]){"-p", port, "--json", "help", "command:rpc", NULL});
  expect(&r, 0, "{\"command\":\"help\",\"params\":{\"command\":\"rpc\"},",
         NULL);
  assert_int_equal(strchr(r.out, '\n') - r.out, (long)strlen(r.out) - 1);
  run_free(&r);
  /* --pretty indents; options may follow the command. */
  r = cli((const char *[]){"help", "--pretty", "-p", port, NULL});
  expect(&r, 0, "{\n  \"command\": \"help\",\n", NULL);
  run_free(&r);
  /* A command error. */
  r = cli((const char *[]){"-p", port, "nosuchcommand", NULL});
  expect(&r, 1, "\"error\":\"Command not found\"",
         "minima-cli: Command not found\n");
  run_free(&r);
  r = cli((const char *[]){"-p", port, "help", "bogus:1", NULL});
  expect(&r, 1, NULL, "minima-cli: Invalid parameter : bogus\n");
  run_free(&r);
  /* Several commands: 0 only when all succeed. */
  r = cli((const char *[]){"-p", port, "help; rpc", NULL});
  expect(&r, 0, "[", NULL);
  run_free(&r);
  r = cli((const char *[]){"-p", port, "rpc; nosuch", NULL});
  expect(&r, 1, "[", "Command not found");
  run_free(&r);
  /* Nobody there. */
  char closed[16];
  snprintf(closed, sizeof closed, "%d", tc_free_port());
  char msg[128];
  snprintf(msg, sizeof msg,
           "minima-cli: cannot reach the node at 127.0.0.1:%s: Connection "
           "refused",
           closed);
  r = cli((const char *[]){"--port", closed, "help", NULL});
  expect(&r, 2, NULL, msg);
  assert_string_equal(r.out, "");
  run_free(&r);
  r = cli((const char *[]){"--host", "::1", "--port", closed, "help", NULL});
  expect(&r, 2, NULL, "cannot reach the node at [::1]:");
  run_free(&r);
  /* Something that is not an RPC port: it answers, but not in HTTP. */
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(lfd, 1), 0);
  assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
  pid_t pid = fork();
  if (pid == 0) {
    int c = accept(lfd, NULL, NULL);
    static const char banner[] = "SSH-2.0-OpenSSH_9.2\r\n";
    if (write(c, banner, sizeof banner - 1) < 0)
      _exit(1);
    sleep(1);
    _exit(0);
  }
  close(lfd);
  char other[16];
  snprintf(other, sizeof other, "%d", ntohs(a.sin_port));
  r = cli((const char *[]){"--port", other, "help", NULL});
  expect(&r, 2, NULL, "answered, but not in HTTP");
  run_free(&r);
  waitpid(pid, NULL, 0);
  /* Usage errors. */
  r = cli((const char *[]){"--bogus", NULL});
  expect(&r, 64, NULL, "minima-cli: unknown option --bogus\n");
  run_free(&r);
  r = cli((const char *[]){"--port", "0", "help", NULL});
  expect(&r, 64, NULL, "--port 0: expected a port from 1 to 65535");
  run_free(&r);
  r = cli((const char *[]){NULL});
  expect(&r, 64, NULL, "no command given");
  run_free(&r);
  r = cli((const char *[]){"--help", NULL});
  expect(&r, 0, "Usage: minima-cli [OPTION]... COMMAND [KEY:VALUE]...", NULL);
  expect(&r, 0, "Exit status:", NULL);
  run_free(&r);
  r = cli((const char *[]){"--version", NULL});
  expect(&r, 0, "minima-cli 0.", NULL);
  run_free(&r);
}

static void test_quoting(void **state) {
  (void)state;
  /* The shell removed the quotes; minima-cli puts them back. */
  run_t r = cli((const char *[]){"-p", port, "--json", "runscript",
                                 "script:RETURN 1 EQ 1", NULL});
  expect(&r, 0, "\"script\":\"RETURN 1 EQ 1\"", NULL);
  assert_non_null(strstr(r.out, "\"success\":true"));
  run_free(&r);
  /* JSON values pass as they are. */
  r = cli((const char *[]){"-p", port, "--json", "runscript",
                           "script:RETURN STATE(1) EQ 7",
                           "state:{\"1\": \"7\"}", NULL});
  expect(&r, 0, "\"success\":true", NULL);
  run_free(&r);
  /* A whole line in one argument is sent as it is. */
  r = cli((const char *[]){"-p", port, "--json",
                           "runscript script:\"RETURN 2 EQ 2\"", NULL});
  expect(&r, 0, "\"success\":true", NULL);
  run_free(&r);
}

static void write_file(const char *path, const char *text, mode_t mode) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  chmod(path, mode);
}

static void test_settings(void **state) {
  (void)state;
  char env_port[64];
  snprintf(env_port, sizeof env_port, "MINIMA_CLI_PORT=%s", port);
  run_t r =
      cli_env((const char *[]){env_port, NULL}, (const char *[]){"help", NULL});
  expect(&r, 0, "\"status\":true", NULL);
  run_free(&r);
  /* The option wins over the environment. */
  char closed[16];
  snprintf(closed, sizeof closed, "%d", tc_free_port());
  r = cli_env((const char *[]){env_port, NULL},
              (const char *[]){"--port", closed, "help", NULL});
  expect(&r, 2, NULL, closed);
  run_free(&r);
  /* The config file, at its default place. */
  char dir[4096], path[4200], text[256];
  snprintf(dir, sizeof dir, "%s/.config", home);
  mkdir(dir, 0700);
  snprintf(dir, sizeof dir, "%s/.config/minima-cli", home);
  mkdir(dir, 0700);
  snprintf(path, sizeof path, "%s/config.toml", dir);
  snprintf(text, sizeof text, "# test\nhost = \"127.0.0.1\"\nport = %s\n",
           port);
  write_file(path, text, 0600);
  r = cli((const char *[]){"help", NULL});
  expect(&r, 0, "\"status\":true", NULL);
  run_free(&r);
  /* The environment wins over the file. */
  char env_closed[64];
  snprintf(env_closed, sizeof env_closed, "MINIMA_CLI_PORT=%s", closed);
  r = cli_env((const char *[]){env_closed, NULL},
              (const char *[]){"help", NULL});
  expect(&r, 2, NULL, closed);
  run_free(&r);
  /* Mistakes in the file are usage errors with file:line. */
  write_file(path, "host = \"127.0.0.1\"\nprot = 9005\n", 0600);
  r = cli((const char *[]){"help", NULL});
  expect(&r, 64, NULL, "config.toml:2: unknown key");
  run_free(&r);
  write_file(path, "port = \"x\"\n", 0600);
  r = cli((const char *[]){"help", NULL});
  expect(&r, 64, NULL, "config.toml:1: wrong type or value");
  run_free(&r);
  write_file(path, "port = \n", 0600);
  r = cli((const char *[]){"help", NULL});
  expect(&r, 64, NULL, "config.toml:1:");
  run_free(&r);
  /* --config names another file, which must exist. */
  r = cli((const char *[]){"--config", "/nonexistent/x.toml", "help", NULL});
  expect(&r, 64, NULL, "cannot read the config file /nonexistent/x.toml");
  run_free(&r);
  unlink(path);
}

static itest_node_t locked;

static int start_locked(void **state) {
  (void)state;
  const char *args[] = {"--profile", "dev", "--set", "rpc.password=pa ss",
                        NULL};
  if (!itest_node_start(&locked, "cli-pw", args))
    fail_msg("minimad did not start (exit %d)", locked.exit_code);
  snprintf(port, sizeof port, "%d", locked.rpc_port);
  return 0;
}

static int stop_locked(void **state) {
  (void)state;
  itest_node_free(&locked);
  return 0;
}

static void test_password(void **state) {
  (void)state;
  run_t r = cli((const char *[]){"-p", port, "rpc", NULL});
  expect(&r, 1, NULL, "needs a password (HTTP 401)");
  run_free(&r);
  r = cli((const char *[]){"-p", port, "--password", "wrong", "rpc", NULL});
  expect(&r, 1, NULL, "refused the password (HTTP 401)");
  run_free(&r);
  r = cli((const char *[]){"-p", port, "--password", "pa ss", "rpc", NULL});
  expect(&r, 0, "\"authenticate\":true", NULL);
  run_free(&r);
  r = cli_env((const char *[]){"MINIMA_CLI_PASSWORD=pa ss", NULL},
              (const char *[]){"-p", port, "rpc", NULL});
  expect(&r, 0, "\"authenticate\":true", NULL);
  run_free(&r);
  /* From the file; a file others can read earns a warning. */
  char path[4200], text[128];
  snprintf(path, sizeof path, "%s/pw.toml", home);
  snprintf(text, sizeof text, "password = \"pa ss\"\nport = %s\n", port);
  write_file(path, text, 0644);
  r = cli((const char *[]){"-c", path, "rpc", NULL});
  expect(&r, 0, "\"authenticate\":true", "other users can read it");
  run_free(&r);
  unlink(path);
}

/* ---- wait-sync ----------------------------------------------------------- */

static itest_node_t chain;

static void start_chain(const char *mode) {
  char *profile = mn__xasprintf("%s/chain.toml", home);
  char *text = mn__xasprintf("[[plugin]]\nname = \"rpc\"\n\n[[plugin]]\n"
                             "name = \"fake-chain\"\npath = \"%s\"\n\n"
                             "[fake-chain]\nmode = \"%s\"\n",
                             FAKE_CHAIN_SO, mode);
  write_file(profile, text, 0600);
  const char *args[] = {"--config", profile, NULL};
  if (!itest_node_start(&chain, "cli-chain", args)) {
    char *log = itest_node_log(&chain);
    fail_msg("minimad did not start (exit %d): %s", chain.exit_code, log);
  }
  snprintf(port, sizeof port, "%d", chain.rpc_port);
  free(profile);
  free(text);
}

static void test_wait_sync(void **state) {
  (void)state;
  start_chain("normal");
  run_t r = cli((const char *[]){"-p", port, "wait-sync", NULL});
  /* Off a terminal, a progress line now and then, then the result. */
  expect(&r, 0, "in sync at block 50\n", "block 0 of 50");
  assert_non_null(strstr(r.err, "[------------------------------]   0.0%"));
  run_free(&r);
  /* Already in sync: at once. */
  r = cli((const char *[]){"-p", port, "wait-sync", NULL});
  expect(&r, 0, "in sync at block 50\n", NULL);
  run_free(&r);
  itest_node_free(&chain);

  start_chain("notop");
  r = cli((const char *[]){"-p", port, "wait-sync", NULL});
  expect(&r, 0, "in sync at block", "does not report network.topblock");
  run_free(&r);
  itest_node_free(&chain);

  start_chain("noblock");
  r = cli((const char *[]){"-p", port, "wait-sync", NULL});
  expect(&r, 1, NULL, "has no chain.block");
  run_free(&r);
  itest_node_free(&chain);
}

static void test_wait_sync_without_status(void **state) {
  (void)state;
  run_t r = cli((const char *[]){"-p", port, "wait-sync", NULL});
  expect(&r, 1, NULL,
         "has no status command, which wait-sync polls (is the chain "
         "plugin loaded?)");
  run_free(&r);
  char closed[16];
  snprintf(closed, sizeof closed, "%d", tc_free_port());
  r = cli((const char *[]){"-p", closed, "wait-sync", NULL});
  expect(&r, 2, NULL, "cannot reach the node at 127.0.0.1:");
  run_free(&r);
  r = cli((const char *[]){"-p", port, "wait-sync", "now:1", NULL});
  expect(&r, 64, NULL, "wait-sync takes no parameters");
  run_free(&r);
}

/* ---- completion ---------------------------------------------------------- */

/* Completes line (as typed, cursor at the end) in bash; COMPREPLY. */
static char *complete(const char *line) {
  char *script = mn__xasprintf("%s/complete.bash", home);
  run_t r = cli((const char *[]){"completion", "bash", NULL});
  assert_int_equal(r.code, 0);
  write_file(script, r.out, 0600);
  run_free(&r);
  char *prog =
      mn__xasprintf("source '%s'; COMP_LINE=\"$1\"; COMP_POINT=${#COMP_LINE}; "
                    "_minima_cli; printf '%%s\\n' \"${COMPREPLY[@]}\"",
                    script);
  const char *argv[] = {"/bin/bash", "-c", prog, "bash", line, NULL};
  char *out, *err;
  int code = itest_run(argv, NULL, &out, &err);
  if (code != 0)
    fail_msg("bash failed (%d): %s", code, err);
  free(err);
  free(prog);
  free(script);
  return out;
}

static void test_completion(void **state) {
  (void)state;
  if (access("/bin/bash", X_OK) != 0) {
    print_message("SKIP: no /bin/bash\n");
    skip();
  }
  run_t r = cli((const char *[]){"completion", "bash", NULL});
  expect(&r, 0, "complete -F _minima_cli minima-cli\n", NULL);
  run_free(&r);
  r = cli((const char *[]){"completion", "fish", NULL});
  expect(&r, 64, NULL, "only bash is");
  run_free(&r);
  const char *bin = itest_bin("minima-cli");
  char line[4300];
  snprintf(line, sizeof line, "%s --port %s he", bin, port);
  char *got = complete(line);
  assert_string_equal(got, "help\n");
  free(got);
  snprintf(line, sizeof line, "%s -p %s ", bin, port);
  got = complete(line);
  assert_non_null(strstr(got, "runscript\n"));
  assert_non_null(strstr(got, "wait-sync\n"));
  free(got);
  snprintf(line, sizeof line, "%s -p %s runscript s", bin, port);
  got = complete(line);
  assert_string_equal(got, "script:\nstate:\nsignatures:\n");
  free(got);
  /* Parameters already given are not offered again. */
  snprintf(line, sizeof line, "%s -p %s runscript script:x s", bin, port);
  got = complete(line);
  assert_string_equal(got, "state:\nsignatures:\n");
  free(got);
  snprintf(line, sizeof line, "%s --po", bin);
  got = complete(line);
  assert_string_equal(got, "--port\n");
  free(got);
}

static int group_setup(void **state) {
  (void)state;
  home = mn_test_tmpdir("cli-home");
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  mn_test_rmtree(home);
  free(home);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_exit_codes, start_plain, stop),
      cmocka_unit_test_setup_teardown(test_quoting, start_plain, stop),
      cmocka_unit_test_setup_teardown(test_settings, start_plain, stop),
      cmocka_unit_test_setup_teardown(test_password, start_locked, stop_locked),
      cmocka_unit_test(test_wait_sync),
      cmocka_unit_test_setup_teardown(test_wait_sync_without_status,
                                      start_rpc_only, stop),
      cmocka_unit_test_setup_teardown(test_completion, start_plain, stop),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
