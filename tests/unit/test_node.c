/* minimad as a process: options, configuration errors, plugin failures and
 * rollback, the data-directory lock, signals.  Messages are pinned. */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_support.h"
#include "util/util.h"

extern char **environ;

typedef struct out {
  int code;
  char *out, *err;
} out_t;

static char *slurp_fd(int fd) {
  size_t cap = 4096, n = 0;
  char *buf = mn__xmalloc(cap);
  ssize_t r;
  while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
    n += (size_t)r;
    if (cap - n < 2)
      buf = mn__xrealloc(buf, cap *= 2);
  }
  buf[n] = '\0';
  return buf;
}

static char *minimad(void) {
  return mn__xasprintf("%s/bin/minimad", mn_test_build_dir());
}

/* Runs minimad with args (NULL-terminated) and collects its output. */
static out_t run(const char *const *args) {
  char *exe = minimad();
  const char *argv[32] = {exe};
  size_t n = 1;
  for (; args[n - 1]; n++)
    argv[n] = args[n - 1];
  argv[n] = NULL;
  int po[2], pe[2];
  assert_int_equal(pipe(po), 0);
  assert_int_equal(pipe(pe), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, po[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
  posix_spawn_file_actions_addclose(&fa, po[0]);
  posix_spawn_file_actions_addclose(&fa, pe[0]);
  pid_t pid;
  assert_int_equal(posix_spawn(&pid, exe, &fa, NULL, (char **)argv, environ),
                   0);
  posix_spawn_file_actions_destroy(&fa);
  close(po[1]);
  close(pe[1]);
  out_t o;
  o.out = slurp_fd(po[0]);
  o.err = slurp_fd(pe[0]);
  close(po[0]);
  close(pe[0]);
  int status;
  waitpid(pid, &status, 0);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  free(exe);
  return o;
}

static void out_free(out_t *o) {
  free(o->out);
  free(o->err);
}

typedef struct fixture {
  char *dir;     /* scratch */
  char *profile; /* profile path */
  char *data;    /* data dir */
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  f->dir = mn_test_tmpdir("node");
  f->profile = mn__xasprintf("%s/test.toml", f->dir);
  f->data = mn__xasprintf("%s/data", f->dir);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  mn_test_rmtree(f->dir);
  free(f->dir);
  free(f->profile);
  free(f->data);
  free(f);
  return 0;
}

/* Writes a profile whose plugins come from the doctored set. */
static void profile(fixture_t *f, const char *body) {
  FILE *fp = fopen(f->profile, "w");
  fprintf(fp, "[node]\nplugin_dir = \"%s/tests/plugins\"\n%s",
          mn_test_build_dir(), body);
  fclose(fp);
}

static void expect_err(const out_t *o, int code, const char *text) {
  if (o->code != code || strcmp(o->err, text) != 0)
    fail_msg("exit %d (expected %d)\nstderr: %s\nexpected: %s", o->code, code,
             o->err, text);
}

static void test_version_help_usage(void **state) {
  out_t o = run((const char *[]){"--version", NULL});
  assert_int_equal(o.code, 0);
  assert_non_null(strstr(o.out, "minimad 0.1.0 (plugin ABI 1."));
  out_free(&o);
  o = run((const char *[]){"--help", NULL});
  assert_int_equal(o.code, 0);
  assert_non_null(strstr(o.out, "Usage: minimad [OPTION]..."));
  out_free(&o);
  o = run((const char *[]){"--bogus", NULL});
  expect_err(&o, 2, "minimad: unknown option --bogus\nTry 'minimad --help' "
                    "for more information.\n");
  out_free(&o);
  o = run((const char *[]){"--port", "70000", NULL});
  expect_err(&o, 2, "minimad: --port 70000: expected a port from 1 to 65531 "
                    "(RPC uses BASE+4)\nTry 'minimad --help' for more "
                    "information.\n");
  out_free(&o);
  o = run((const char *[]){"--profile", "no-such-profile", NULL});
  assert_int_equal(o.code, 2);
  assert_non_null(strstr(o.err, "minimad: no profile \"no-such-profile\": "
                                "looked for "));
  out_free(&o);
}

static void test_check_config_order(void **state) {
  fixture_t *f = *state;
  profile(f, "[[plugin]]\nname = \"consumer\"\n[[plugin]]\nname = \"good\"\n"
             "[good]\nlevel = 7\n");
  out_t o = run((const char *[]){"--config", f->profile, "--check-config",
                                 NULL});
  assert_int_equal(o.code, 0);
  char *a = strstr(o.out, "1. good 0.0.1 (required) provides good-svc>=1");
  char *b = strstr(o.out, "2. consumer 0.0.1 (required) requires good-svc>=1");
  assert_non_null(a);
  assert_non_null(b);
  out_free(&o);
  /* --print-config shows overrides and defaults. */
  o = run((const char *[]){"--config", f->profile, "--set", "good.level=3",
                           "--port", "9101", "--print-config", NULL});
  assert_int_equal(o.code, 0);
  assert_non_null(strstr(o.out, "[good]  # plugin \"good\"\nlevel = 3\n"));
  assert_non_null(strstr(o.out, "port = 9101\n"));
  assert_non_null(strstr(o.out, "log_level = \"info\"  # default\n"));
  out_free(&o);
}

static void test_config_errors(void **state) {
  fixture_t *f = *state;
  char *expect;
  out_t o;

  profile(f, "[[plugin]]\nname = \"good\"\n[good]\nbogus = 1\n");
  o = run((const char *[]){"-c", f->profile, "--check-config", NULL});
  expect = mn__xasprintf("minimad: %s:6:1: unknown key \"bogus\" in [good]; "
                         "plugin \"good\" accepts: level\n",
                         f->profile);
  expect_err(&o, 2, expect);
  free(expect);
  out_free(&o);

  profile(f, "[[plugin]]\nname = \"good\"\n[wallet]\nx = 1\n");
  o = run((const char *[]){"-c", f->profile, "--check-config", NULL});
  expect = mn__xasprintf("minimad: %s:5:2: table [wallet] configures a "
                         "plugin that this profile does not load (no loaded "
                         "plugin reads [wallet]); add the plugin under "
                         "[[plugin]] or remove the table\n",
                         f->profile);
  expect_err(&o, 2, expect);
  free(expect);
  out_free(&o);

  profile(f, "[[plugin]]\nname = \"good\"\n[good]\nlevel = \"high\"\n");
  o = run((const char *[]){"-c", f->profile, "--check-config", NULL});
  expect = mn__xasprintf("minimad: %s:6:9: good.level must be an integer, "
                         "found a string\n",
                         f->profile);
  expect_err(&o, 2, expect);
  free(expect);
  out_free(&o);

  profile(f, "[[plugin]]\nname = \"good\"\n[good]\nlevel = 99\n");
  o = run((const char *[]){"-c", f->profile, "--check-config", NULL});
  expect = mn__xasprintf("minimad: %s:6:9: good.level = 99 is out of range; "
                         "use 1 to 10\n",
                         f->profile);
  expect_err(&o, 2, expect);
  free(expect);
  out_free(&o);

  profile(f, "[[plugin]]\nname = \"good\"\n");
  o = run((const char *[]){"-c", f->profile, "--set", "good.nope=1",
                           "--check-config", NULL});
  expect_err(&o, 2, "minimad: --set good.nope=1: unknown key \"nope\" in "
                    "[good]; plugin \"good\" accepts: level\n");
  out_free(&o);

  o = run((const char *[]){"-c", f->profile, "--set", "nodot", "--check-config",
                           NULL});
  expect_err(&o, 2, "minimad: --set nodot: expected table.key=value, e.g. "
                    "--set node.port=9101\n");
  out_free(&o);

  /* Malformed TOML names file, line and column. */
  profile(f, "[[plugin]]\nname = \"good\"\n[good\n");
  o = run((const char *[]){"-c", f->profile, "--check-config", NULL});
  assert_int_equal(o.code, 2);
  expect = mn__xasprintf("minimad: %s:5:6: ", f->profile);
  assert_memory_equal(o.err, expect, strlen(expect));
  free(expect);
  out_free(&o);
}

static void test_plugin_errors(void **state) {
  fixture_t *f = *state;
  out_t o;
  char *expect;

  profile(f, "[[plugin]]\nname = \"noentry\"\n");
  o = run((const char *[]){"-c", f->profile, "--check-config", NULL});
  expect = mn__xasprintf("minimad: %s/tests/plugins/noentry.so is not a "
                         "minima-c plugin: it does not export "
                         "mn_plugin_describe(); build plugins against the "
                         "minima-c SDK (docs/writing-plugins.md)\n",
                         mn_test_build_dir());
  expect_err(&o, 2, expect);
  free(expect);
  out_free(&o);

  /* A required plugin whose init fails stops the node (runtime, 1). */
  profile(f, "[[plugin]]\nname = \"initfail\"\n");
  o = run((const char *[]){"-c", f->profile, "-d", f->data, NULL});
  assert_int_equal(o.code, 1);
  assert_non_null(strstr(o.err, "minimad: plugin \"initfail\" failed to "
                                "initialise: input/output error (MN_EIO)\n"));
  out_free(&o);

  /* A required plugin that refuses its settings is a configuration
   * error (2), as the kernel's own checks are. */
  profile(f, "[[plugin]]\nname = \"badsetting\"\n");
  o = run((const char *[]){"-c", f->profile, "-d", f->data, NULL});
  assert_int_equal(o.code, 2);
  assert_non_null(strstr(o.err, "plugin \"badsetting\" failed to initialise: "
                                "configuration error (MN_ECONFIG)"));
  out_free(&o);

  /* An optional one is rolled back: its command is gone, the others
   * remain. */
  profile(f, "[[plugin]]\nname = \"initfail\"\nrequired = false\n"
             "[[plugin]]\nname = \"good\"\n");
  o = run((const char *[]){"-c", f->profile, "-d", f->data,
                           "--list-commands=json", NULL});
  assert_int_equal(o.code, 0);
  assert_null(strstr(o.out, "doctored-initfail"));
  assert_non_null(strstr(o.out, "\"doctored-good\""));
  assert_non_null(strstr(o.err, "plugin \"initfail\" failed to initialise: "
                                "input/output error (MN_EIO); it is "
                                "optional, continuing without it"));
  out_free(&o);
}

static void test_data_dir_errors(void **state) {
  fixture_t *f = *state;
  profile(f, "[[plugin]]\nname = \"good\"\n");
  out_t o = run((const char *[]){"-c", f->profile, "-d",
                                 "/proc/self/no/such", NULL});
  expect_err(&o, 2, "minimad: cannot create the data directory "
                    "/proc/self/no/such: No such file or directory; choose "
                    "another --data-dir\n");
  out_free(&o);
  /* A corrupt store is refused and left as it was. */
  char *store = mn__xasprintf("%s/store", f->data);
  mkdir(f->data, 0700);
  mkdir(store, 0700);
  char *mdb = mn__xasprintf("%s/data.mdb", store);
  FILE *fp = fopen(mdb, "w");
  for (int i = 0; i < 4096; i++)
    fputc(i * 31, fp);
  fclose(fp);
  o = run((const char *[]){"-c", f->profile, "-d", f->data, NULL});
  char *expect = mn__xasprintf(
      "minimad: %s/data.mdb is not an LMDB store or its header is damaged; "
      "it was left untouched.  Restore it from a backup, or move the "
      "directory away to start fresh\n",
      store);
  expect_err(&o, 2, expect);
  struct stat st;
  assert_int_equal(stat(mdb, &st), 0);
  assert_int_equal(st.st_size, 4096);
  free(expect);
  free(mdb);
  free(store);
  out_free(&o);
}

/* Starts minimad in the background with stderr in a file; waits for the
 * "node ready" line. */
static pid_t start_bg(fixture_t *f, const char *log) {
  char *exe = minimad();
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    execl(exe, exe, "-c", f->profile, "-d", f->data, (char *)NULL);
    _exit(127);
  }
  free(exe);
  for (int i = 0; i < 200; i++) {
    char *text = NULL;
    if (mn__read_file(log, 1 << 20, &text, NULL) == 0) {
      bool ready = strstr(text, "node ready") != NULL;
      free(text);
      if (ready)
        return pid;
    }
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  fail_msg("minimad did not become ready");
  return -1;
}

static void test_lock_and_signals(void **state) {
  fixture_t *f = *state;
  profile(f, "[[plugin]]\nname = \"good\"\n");
  char *log = mn__xasprintf("%s/first.log", f->dir);
  pid_t pid = start_bg(f, log);
  out_t o = run((const char *[]){"-c", f->profile, "-d", f->data, NULL});
  char *expect = mn__xasprintf("minimad: the data directory %s is in use by "
                               "another minimad (pid %ld); stop that node "
                               "first or choose another --data-dir\n",
                               f->data, (long)pid);
  expect_err(&o, 2, expect);
  free(expect);
  out_free(&o);
  kill(pid, SIGTERM);
  int status;
  waitpid(pid, &status, 0);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  char *text = NULL;
  assert_int_equal(mn__read_file(log, 1 << 20, &text, NULL), 0);
  assert_non_null(strstr(text, "SIGTERM received, stopping"));
  assert_non_null(strstr(text, "[kernel] stopped"));
  free(text);
  /* The lock is gone: a new node starts on the same directory. */
  pid = start_bg(f, log);
  kill(pid, SIGINT);
  waitpid(pid, &status, 0);
  assert_int_equal(WEXITSTATUS(status), 0);
  free(log);
}

static void test_second_signal_exits_at_once(void **state) {
  fixture_t *f = *state;
  /* This plugin's stop() hangs for 20 s; a second signal must not wait. */
  profile(f, "[[plugin]]\nname = \"slowstop\"\n");
  char *log = mn__xasprintf("%s/slow.log", f->dir);
  pid_t pid = start_bg(f, log);
  kill(pid, SIGTERM);
  char *text = NULL;
  for (int i = 0; i < 100; i++) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    free(text);
    text = NULL;
    if (mn__read_file(log, 1 << 20, &text, NULL) == 0 &&
        strstr(text, "SIGTERM received"))
      break;
  }
  kill(pid, SIGINT);
  int status = 0;
  pid_t got = 0;
  for (int i = 0; i < 250 && got == 0; i++) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    got = waitpid(pid, &status, WNOHANG);
  }
  if (got == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    fail_msg("minimad ignored the second signal");
  }
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 1);
  free(text);
  assert_int_equal(mn__read_file(log, 1 << 20, &text, NULL), 0);
  assert_non_null(strstr(text, "minimad: second signal, exiting at once"));
  free(text);
  free(log);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version_help_usage),
      cmocka_unit_test_setup_teardown(test_check_config_order, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_plugin_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_data_dir_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lock_and_signals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_second_signal_exits_at_once, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
