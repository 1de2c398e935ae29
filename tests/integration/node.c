/* Real processes for integration tests; see node.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"
#include "node.h"
#include "test_support.h"
#include "util/util.h"

extern char **environ;

const char *itest_bin(const char *name) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/bin/%s", mn_test_build_dir(), name);
  return path;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Reaps the child if it exited; true then. */
static bool reaped(itest_node_t *n, int flags) {
  int status;
  pid_t r = waitpid(n->pid, &status, flags);
  if (r != n->pid)
    return false;
  n->exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  n->pid = 0;
  return true;
}

bool itest_node_start(itest_node_t *n, const char *tag,
                      const char *const *args) {
  memset(n, 0, sizeof *n);
  n->exit_code = -1;
  n->dir = mn_test_tmpdir(tag);
  n->log = mn__xasprintf("%s/minimad.log", n->dir);
  n->base_port = tc_free_port();
  n->rpc_port = tc_free_port();
  if (n->rpc_port == n->base_port)
    n->rpc_port = tc_free_port();
  char *data = mn__xasprintf("%s/data", n->dir);
  char base[16], rpc[32];
  snprintf(base, sizeof base, "%d", n->base_port);
  snprintf(rpc, sizeof rpc, "rpc.port=%d", n->rpc_port);
  const char *argv[64];
  size_t k = 0;
  argv[k++] = itest_bin("minimad");
  for (size_t i = 0; args && args[i] && k < 56; i++)
    argv[k++] = args[i];
  argv[k++] = "--data-dir";
  argv[k++] = data;
  argv[k++] = "--port";
  argv[k++] = base;
  argv[k++] = "--set";
  argv[k++] = rpc;
  argv[k] = NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, n->log,
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, n->log,
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  int rc =
      posix_spawn(&n->pid, argv[0], &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  free(data);
  if (rc != 0) {
    n->pid = 0;
    return false;
  }
  /* Up when the RPC port takes a connection; the bound only stops a node
   * that never comes up from hanging the test. */
  for (int waited = 0; waited < TC_WAIT_MS; waited += 10) {
    if (reaped(n, WNOHANG))
      return false;
    tc_conn_t c;
    if (tc_open(&c, n->rpc_port)) {
      tc_close(&c);
      return true;
    }
    sleep_ms(10);
  }
  return false;
}

int itest_node_wait(itest_node_t *n, int wait_ms) {
  for (int waited = 0; n->pid && waited < wait_ms; waited += 10) {
    if (reaped(n, WNOHANG))
      return n->exit_code;
    sleep_ms(10);
  }
  if (n->pid) {
    kill(n->pid, SIGKILL);
    reaped(n, 0);
    return -1;
  }
  return n->exit_code;
}

int itest_node_stop(itest_node_t *n) {
  if (!n->pid)
    return n->exit_code;
  kill(n->pid, SIGTERM);
  return itest_node_wait(n, TC_WAIT_MS);
}

char *itest_node_log(const itest_node_t *n) {
  char *text = NULL;
  size_t len;
  if (mn__read_file(n->log, 64u << 20, &text, &len) != 0)
    text = mn__xstrdup("");
  return text;
}

void itest_node_free(itest_node_t *n) {
  /* A node stopped here must stop cleanly: a crash or, in the sanitizer
   * build, a leak report fails the test. */
  int code = n->pid ? itest_node_stop(n) : 0;
  char *log = code != 0 && n->log ? itest_node_log(n) : NULL;
  mn_test_rmtree(n->dir);
  free(n->dir);
  free(n->log);
  n->dir = n->log = NULL;
  if (log) {
    char msg[8192];
    snprintf(msg, sizeof msg, "%s", log);
    free(log);
    fail_msg("minimad exited with status %d when stopped; its log:\n%s", code,
             msg);
  }
}

/* Drains two pipes at once (so neither can fill and block the child). */
static void drain(int fo, int fe, char **out, char **err) {
  size_t cap[2] = {4096, 4096}, len[2] = {0, 0};
  char *buf[2] = {mn__xmalloc(cap[0]), mn__xmalloc(cap[1])};
  struct pollfd p[2] = {{.fd = fo, .events = POLLIN},
                        {.fd = fe, .events = POLLIN}};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(p, 2, -1) < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 2; i++) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      if (cap[i] - len[i] < 1024)
        buf[i] = mn__xrealloc(buf[i], cap[i] *= 2);
      ssize_t r = read(p[i].fd, buf[i] + len[i], cap[i] - len[i] - 1);
      if (r <= 0) {
        close(p[i].fd);
        p[i].fd = -1;
        open_fds--;
      } else {
        len[i] += (size_t)r;
      }
    }
  }
  buf[0][len[0]] = '\0';
  buf[1][len[1]] = '\0';
  *out = buf[0];
  *err = buf[1];
}

int itest_run(const char *const *argv, const char *const *env, char **out,
              char **err) {
  /* The environment: ours, with env's entries set or removed. */
  size_t ne = 0, nx = 0;
  while (environ[ne])
    ne++;
  while (env && env[nx])
    nx++;
  const char **envp = mn__xcalloc(ne + nx + 1, sizeof *envp);
  size_t k = 0;
  for (size_t i = 0; i < ne; i++) {
    bool replaced = false;
    for (size_t j = 0; j < nx; j++) {
      size_t kl = strcspn(env[j], "=");
      if (strncmp(environ[i], env[j], kl + 1) == 0)
        replaced = true;
    }
    if (!replaced)
      envp[k++] = environ[i];
  }
  for (size_t j = 0; j < nx; j++)
    if (env[j][strcspn(env[j], "=") + 1] != '\0')
      envp[k++] = env[j];
  envp[k] = NULL;
  int po[2], pe[2];
  if (pipe(po) != 0 || pipe(pe) != 0)
    fail_msg("pipe: %s", strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, po[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
  posix_spawn_file_actions_addclose(&fa, po[0]);
  posix_spawn_file_actions_addclose(&fa, pe[0]);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv,
                       (char *const *)envp);
  posix_spawn_file_actions_destroy(&fa);
  free(envp);
  close(po[1]);
  close(pe[1]);
  if (rc != 0)
    fail_msg("cannot run %s: %s", argv[0], strerror(rc));
  drain(po[0], pe[0], out, err);
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
