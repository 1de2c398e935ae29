/*
 * minima-testnet - a local Minima network: N minimad processes on loopback
 * ports (up, status, down), or N nodes inside this process on
 * transport-mem (sim).  `minima-testnet --help` is the manual;
 * docs/testnet.md is the guide.
 *
 * Every node's profile is rendered from one template
 * (share/minima/testnet/node.toml), whose blocks name the plugins they
 * need, so the tool itself knows no plugin.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include <minima/errors.h>
#include <minima/version.h>

#include "simhost.h"
#include "util/util.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define MAX_NODES 4096
#define PORT_STEP 10

static const char usage[] =
    "Usage: minima-testnet [OPTION]... up N\n"
    "       minima-testnet [OPTION]... status\n"
    "       minima-testnet [OPTION]... down\n"
    "       minima-testnet [OPTION]... sim N\n"
    "Run a local Minima network for development and tests.\n"
    "\n"
    "  up N      start N minimad processes on 127.0.0.1, each with its own\n"
    "            profile and data directory under the state directory, and\n"
    "            print one line per node: name, P2P address, RPC URL.  Node 1\n"
    "            makes the genesis block; the first --miners nodes mine; the\n"
    "            others join by IBD over P2P.\n"
    "  status    show each node's process, tip block and peer count (asked\n"
    "            over RPC: the status and network commands)\n"
    "  down      stop every node (SIGTERM, then SIGKILL after 15 s); the\n"
    "            data stays, so `up` with the same N resumes the chains\n"
    "  sim N     run N nodes inside this process on transport-mem (one\n"
    "            loop, one thread) for --seconds, printing the spread of\n"
    "            their tips as it goes; for networks too large for processes\n"
    "\n"
    "Options:\n"
    "  -d, --dir DIR          state directory (default ./testnet): "
    "testnet.json,\n"
    "                         node<i>/node.toml, node<i>/data, "
    "node<i>/minimad.log\n"
    "  -p, --base-port PORT   node i uses PORT + 10 (i - 1) for P2P and that\n"
    "                         + 4 for RPC (default: the first free range from\n"
    "                         12000)\n"
    "  -t, --topology T       who dials whom: line (i dials i-1, the "
    "default),\n"
    "                         ring (line, and 1 dials N), star (all dial 1),\n"
    "                         full (i dials every j < i), random:K (i dials a\n"
    "                         random j < i and K-1 more random nodes)\n"
    "  -m, --miners M         nodes 1..M mine (default 1; 0: nobody mines)\n"
    "  -s, --set TABLE.KEY=VALUE\n"
    "                         override a setting on every node (repeatable),\n"
    "                         as minimad --set does\n"
    "  -T, --template FILE    the node template (default\n"
    "                         <prefix>/share/minima/testnet/node.toml)\n"
    "  -l, --log-level LEVEL  the nodes' log level (default info; sim: warn)\n"
    "      --seed S           seed of the random topology (default 1)\n"
    "      --seconds S        sim: how long to run (default 60)\n"
    "      --wait S           up: how long to wait for the nodes' RPC ports\n"
    "                         (default 30)\n"
    "      --clean            down: also delete the state directory\n"
    "  -h, --help             print this help, then exit\n"
    "  -V, --version          print the version, then exit\n"
    "\n"
    "Examples:\n"
    "  minima-testnet up 5 && minima-testnet status\n"
    "  minima-cli --port 12004 send amount:1 address:0x...\n"
    "  minima-testnet down --clean\n"
    "  minima-testnet sim 200 --topology random:3 --seconds 120\n"
    "\n"
    "Exit status: 0 success, 1 a node failed or did not answer, 2 usage.\n"
    "Docs: docs/testnet.md.\n";

typedef struct opts {
  const char *dir;
  int base_port;
  const char *topology;
  int miners;
  const char *template_path;
  const char *log_level;
  const char **sets;
  size_t nsets;
  unsigned seed;
  double seconds;
  int wait_s;
  bool clean;
} opts_t;

typedef struct paths {
  char *bin;        /* directory of this program */
  char *minimad;    /* <bin>/minimad */
  char *plugin_dir; /* <bin>/../lib/minima/plugins */
  char *template_path;
} paths_t;

static void die_usage(const char *fmt, const char *arg) {
  fputs("minima-testnet: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\nTry 'minima-testnet --help' for more information.\n", stderr);
  exit(EXIT_USAGE);
}

static char *read_all(const char *path) {
  char *text = NULL;
  size_t len;
  if (mn__read_file(path, 16u << 20, &text, &len) != 0)
    return NULL;
  return text;
}

static bool file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static void mkdirs(const char *path) {
  char *p = mn__xstrdup(path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/') {
      *s = '\0';
      mkdir(p, 0700);
      *s = '/';
    }
  mkdir(p, 0700);
  free(p);
}

static char *absolute(const char *path) {
  char buf[PATH_MAX];
  if (path[0] == '/')
    return mn__xstrdup(path);
  if (!getcwd(buf, sizeof buf))
    return mn__xstrdup(path);
  return mn__xasprintf("%s/%s", buf, path);
}

static void find_paths(paths_t *p, const char *template_path) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    fputs("minima-testnet: cannot find its own program file\n", stderr);
    exit(EXIT_RUNTIME);
  }
  exe[n] = '\0';
  p->bin = mn__xstrdup(dirname(exe));
  p->minimad = mn__xasprintf("%s/minimad", p->bin);
  p->plugin_dir = mn__xasprintf("%s/../lib/minima/plugins", p->bin);
  p->template_path =
      template_path
          ? mn__xstrdup(template_path)
          : mn__xasprintf("%s/../share/minima/testnet/node.toml", p->bin);
}

/* ---- topology --------------------------------------------------------- */

/* The 0-based nodes that node i dials.  Returns the count. */
static int peers_of(const opts_t *o, int n, int i, int *out) {
  const char *t = o->topology;
  int k = 0;
  if (strcmp(t, "line") == 0 || strcmp(t, "ring") == 0) {
    if (i > 0)
      out[k++] = i - 1;
    if (strcmp(t, "ring") == 0 && i == 0 && n > 2)
      out[k++] = n - 1;
  } else if (strcmp(t, "star") == 0) {
    if (i > 0)
      out[k++] = 0;
  } else if (strcmp(t, "full") == 0) {
    for (int j = 0; j < i; j++)
      out[k++] = j;
  } else if (strncmp(t, "random:", 7) == 0) {
    int want = atoi(t + 7);
    unsigned s = o->seed * 2654435761u + (unsigned)i * 40503u + 1;
    if (i > 0)
      out[k++] = (int)(rand_r(&s) % (unsigned)i); /* keeps it connected */
    for (int tries = 0; k < want && tries < 50 * want; tries++) {
      int j = (int)(rand_r(&s) % (unsigned)n);
      bool dup = j == i;
      for (int m = 0; m < k; m++)
        dup |= out[m] == j;
      if (!dup)
        out[k++] = j;
    }
  }
  return k;
}

static bool topology_ok(const char *t) {
  if (!strcmp(t, "line") || !strcmp(t, "ring") || !strcmp(t, "star") ||
      !strcmp(t, "full"))
    return true;
  return strncmp(t, "random:", 7) == 0 && atoi(t + 7) >= 1 && atoi(t + 7) <= 64;
}

/* ---- the template ------------------------------------------------------ */

typedef struct node_vars {
  const char *name;
  int index;
  int port;
  const char *data_dir;
  const char *log_level;
  const char *transport;
  char *listen;
  char *peers;
  bool miner, genesis, process;
} node_vars_t;

static void buf_add(char **buf, size_t *len, size_t *cap, const char *s,
                    size_t n) {
  if (*len + n + 1 > *cap) {
    while (*len + n + 1 > *cap)
      *cap = *cap ? *cap * 2 : 4096;
    *buf = mn__xrealloc(*buf, *cap);
  }
  memcpy(*buf + *len, s, n);
  *len += n;
  (*buf)[*len] = '\0';
}

static char *substitute(const char *text, const node_vars_t *v) {
  char num[4][16];
  snprintf(num[0], sizeof num[0], "%d", v->index);
  snprintf(num[1], sizeof num[1], "%d", v->port);
  snprintf(num[2], sizeof num[2], "%d", v->port + 4);
  const struct {
    const char *key, *val;
  } vars[] = {
      {"@NAME@", v->name},
      {"@INDEX@", num[0]},
      {"@PORT@", num[1]},
      {"@RPC_PORT@", num[2]},
      {"@DATA_DIR@", v->data_dir},
      {"@LOG_LEVEL@", v->log_level},
      {"@TRANSPORT@", v->transport},
      {"@LISTEN@", v->listen},
      {"@PEERS@", v->peers},
      {"@MINER@", v->miner ? "true" : "false"},
      {"@GENESIS@", v->genesis ? "true" : "false"},
  };
  char *out = NULL;
  size_t len = 0, cap = 0;
  const char *p = text;
  while (*p) {
    bool hit = false;
    if (*p == '@')
      for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        size_t kl = strlen(vars[i].key);
        if (strncmp(p, vars[i].key, kl) == 0) {
          buf_add(&out, &len, &cap, vars[i].val, strlen(vars[i].val));
          p += kl;
          hit = true;
          break;
        }
      }
    if (!hit)
      buf_add(&out, &len, &cap, p++, 1);
  }
  if (!out)
    out = mn__xstrdup("");
  return out;
}

static bool condition(const char *c, const node_vars_t *v,
                      const paths_t *paths) {
  while (*c == ' ')
    c++;
  if (strncmp(c, "not ", 4) == 0)
    return !condition(c + 4, v, paths);
  char word[128];
  size_t n = strcspn(c, " \t\r\n");
  if (n >= sizeof word)
    n = sizeof word - 1;
  memcpy(word, c, n);
  word[n] = '\0';
  if (strncmp(word, "plugin:", 7) == 0) {
    char *so = mn__xasprintf("%s/%s.so", paths->plugin_dir, word + 7);
    bool ok = file_exists(so);
    free(so);
    return ok;
  }
  if (strcmp(word, "miner") == 0)
    return v->miner;
  if (strcmp(word, "genesis") == 0)
    return v->genesis;
  if (strcmp(word, "process") == 0)
    return v->process;
  fprintf(stderr, "minima-testnet: unknown template condition \"%s\"\n", word);
  exit(EXIT_USAGE);
}

/* The template with placeholders replaced and conditional blocks kept or
 * dropped. */
static char *render(const char *tmpl, const node_vars_t *v,
                    const paths_t *paths) {
  /* the template's opening comment documents the placeholders: substituted,
   * it would read as nonsense, so a node's profile gets one line instead */
  while (*tmpl == '#' && strncmp(tmpl, "#@", 2) != 0) {
    const char *nl = strchr(tmpl, '\n');
    tmpl = nl ? nl + 1 : tmpl + strlen(tmpl);
  }
  char *text = substitute(tmpl, v);
  char *out = NULL;
  size_t len = 0, cap = 0;
  char *head = mn__xasprintf("# %s of a minima-testnet network, from the "
                             "template %s\n",
                             v->name, paths->template_path);
  buf_add(&out, &len, &cap, head, strlen(head));
  free(head);
  bool keep[64];
  int depth = 0;
  keep[0] = true;
  for (char *line = text; *line;) {
    char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line + 1) : strlen(line);
    if (strncmp(line, "#@if ", 5) == 0) {
      if (depth + 1 >= 64)
        die_usage("template: conditional blocks nest too deep", "");
      keep[depth + 1] = keep[depth] && condition(line + 5, v, paths);
      depth++;
    } else if (strncmp(line, "#@end", 5) == 0) {
      if (depth == 0)
        die_usage("template: #@end without #@if", "");
      depth--;
    } else if (keep[depth]) {
      buf_add(&out, &len, &cap, line, n);
    }
    line += n;
  }
  if (depth != 0)
    die_usage("template: #@if without #@end", "");
  free(text);
  return out ? out : mn__xstrdup("");
}

/* ---- ports -------------------------------------------------------------- */

static bool port_free(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  /* as minimad binds (libuv sets SO_REUSEADDR): connections of a stopped
   * network still in TIME_WAIT do not make a port busy */
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  close(fd);
  return ok;
}

static bool range_free(int base, int n) {
  for (int i = 0; i < n; i++)
    if (!port_free(base + PORT_STEP * i) ||
        !port_free(base + PORT_STEP * i + 4))
      return false;
  return true;
}

static int choose_base(int n) {
  for (int base = 12000; base + PORT_STEP * n < 60000; base += 1000)
    if (range_free(base, n))
      return base;
  return 0;
}

/* ---- RPC ----------------------------------------------------------------- */

/* POSTs a command line to 127.0.0.1:port; returns the reply's JSON or
 * NULL. */
static json_t *rpc(int port, const char *line, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return NULL;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  json_t *result = NULL;
  char *req = NULL, *buf = NULL;
  int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
  if (r != 0 && errno != EINPROGRESS)
    goto out;
  struct pollfd pfd = {fd, POLLOUT, 0};
  if (poll(&pfd, 1, timeout_ms) != 1)
    goto out;
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
  if (soerr)
    goto out;
  req = mn__xasprintf("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                      strlen(line), line);
  size_t off = 0, total = strlen(req);
  while (off < total) {
    pfd.events = POLLOUT;
    if (poll(&pfd, 1, timeout_ms) != 1)
      goto out;
    ssize_t w = write(fd, req + off, total - off);
    if (w <= 0)
      goto out;
    off += (size_t)w;
  }
  size_t len = 0, cap = 65536;
  buf = mn__xmalloc(cap);
  for (;;) {
    pfd.events = POLLIN;
    if (poll(&pfd, 1, timeout_ms) != 1)
      goto out;
    if (len + 4096 > cap)
      buf = mn__xrealloc(buf, cap *= 2);
    ssize_t got = read(fd, buf + len, cap - len - 1);
    if (got < 0 && errno == EAGAIN)
      continue;
    if (got <= 0)
      break;
    len += (size_t)got;
    if (len > (64u << 20))
      goto out;
  }
  buf[len] = '\0';
  char *body = strstr(buf, "\r\n\r\n");
  if (body)
    result = json_loads(body + 4, JSON_DISABLE_EOF_CHECK, NULL);
out:
  free(req);
  free(buf);
  close(fd);
  return result;
}

/* ---- state ------------------------------------------------------------------
 */

static char *state_path(const opts_t *o) {
  return mn__xasprintf("%s/testnet.json", o->dir);
}

static json_t *state_load(const opts_t *o) {
  char *path = state_path(o);
  json_t *j = json_load_file(path, 0, NULL);
  free(path);
  return j;
}

static bool pid_alive(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0)
    return false;
  /* a zombie or a reused pid is not our node */
  char path[64], exe[PATH_MAX];
  snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
  ssize_t n = readlink(path, exe, sizeof exe - 1);
  if (n <= 0)
    return false;
  exe[n] = '\0';
  return strstr(exe, "minimad") != NULL;
}

/* ---- up --------------------------------------------------------------------
 */

static char *peers_text(const opts_t *o, int n, int i, const char *scheme,
                        int base) {
  int idx[MAX_NODES];
  int k = peers_of(o, n, i, idx);
  char *out = mn__xstrdup("");
  for (int m = 0; m < k; m++) {
    char *addr =
        strcmp(scheme, "tcp") == 0
            ? mn__xasprintf("\"tcp://127.0.0.1:%d\"", base + PORT_STEP * idx[m])
            : mn__xasprintf("\"mem://node%d\"", idx[m] + 1);
    char *next = mn__xasprintf("%s%s%s", out, m ? ", " : "", addr);
    free(out);
    free(addr);
    out = next;
  }
  return out;
}

static int spawn_node(const paths_t *p, const char *profile, const char *log,
                      const opts_t *o, pid_t *out) {
  pid_t pid = fork();
  if (pid < 0)
    return -errno;
  if (pid == 0) {
    setsid();
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    int nul = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (nul >= 0)
      dup2(nul, 0);
    const char **argv = mn__xcalloc(4 + 2 * o->nsets, sizeof *argv);
    size_t a = 0;
    argv[a++] = p->minimad;
    argv[a++] = "--config";
    argv[a++] = profile;
    for (size_t i = 0; i < o->nsets; i++) {
      argv[a++] = "--set";
      argv[a++] = o->sets[i];
    }
    argv[a] = NULL;
    execv(p->minimad, (char **)argv);
    _exit(127);
  }
  *out = pid;
  return 0;
}

static int cmd_up(const opts_t *o, const paths_t *p, int n) {
  json_t *old = state_load(o);
  if (old) {
    json_t *node;
    size_t i;
    json_array_foreach(json_object_get(old, "nodes"), i, node) {
      if (pid_alive((pid_t)json_integer_value(json_object_get(node, "pid")))) {
        fprintf(stderr,
                "minima-testnet: %s is already up (node %s is running); "
                "run `minima-testnet --dir %s down` first\n",
                o->dir, json_string_value(json_object_get(node, "name")),
                o->dir);
        json_decref(old);
        return EXIT_USAGE;
      }
    }
    json_decref(old);
  }
  if (!file_exists(p->minimad)) {
    fprintf(stderr, "minima-testnet: no minimad beside this program (%s)\n",
            p->minimad);
    return EXIT_RUNTIME;
  }
  char *tmpl = read_all(p->template_path);
  if (!tmpl) {
    fprintf(stderr, "minima-testnet: cannot read the node template %s\n",
            p->template_path);
    return EXIT_RUNTIME;
  }
  int base = o->base_port ? o->base_port : choose_base(n);
  if (!base || !range_free(base, n)) {
    fprintf(stderr,
            "minima-testnet: no free ports for %d nodes%s; choose another "
            "--base-port\n",
            n, o->base_port ? " at the given base" : "");
    free(tmpl);
    return EXIT_RUNTIME;
  }
  mkdirs(o->dir);
  json_t *state = json_object();
  json_t *nodes = json_array();
  json_object_set_new(state, "mode", json_string("process"));
  json_object_set_new(state, "topology", json_string(o->topology));
  json_object_set_new(state, "nodes", nodes);
  int rc = 0;
  for (int i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "node%d", i + 1);
    char *ndir = mn__xasprintf("%s/%s", o->dir, name);
    char *data = mn__xasprintf("%s/data", ndir);
    mkdirs(data);
    int port = base + PORT_STEP * i;
    node_vars_t v = {.name = name,
                     .index = i + 1,
                     .port = port,
                     .data_dir = data,
                     .log_level = o->log_level ? o->log_level : "info",
                     .transport = "tcp",
                     .listen = mn__xasprintf("\"tcp://127.0.0.1:%d\"", port),
                     .peers = peers_text(o, n, i, "tcp", base),
                     .miner = i < o->miners,
                     .genesis = i == 0,
                     .process = true};
    char *profile_text = render(tmpl, &v, p);
    char *profile = mn__xasprintf("%s/node.toml", ndir);
    char *log = mn__xasprintf("%s/minimad.log", ndir);
    FILE *f = fopen(profile, "w");
    pid_t pid = 0;
    int err = f ? 0 : -errno;
    if (f) {
      fputs(profile_text, f);
      fclose(f);
      err = spawn_node(p, profile, log, o, &pid);
    }
    if (err) {
      fprintf(stderr, "minima-testnet: cannot start %s: %s\n", name,
              mn_strerror(err));
      rc = EXIT_RUNTIME;
    }
    json_t *rec = json_object();
    json_object_set_new(rec, "name", json_string(name));
    json_object_set_new(rec, "index", json_integer(i + 1));
    json_object_set_new(rec, "port", json_integer(port));
    json_object_set_new(rec, "rpc_port", json_integer(port + 4));
    json_object_set_new(rec, "p2p", json_sprintf("tcp://127.0.0.1:%d", port));
    json_object_set_new(rec, "rpc",
                        json_sprintf("http://127.0.0.1:%d", port + 4));
    json_object_set_new(rec, "dir", json_string(ndir));
    json_object_set_new(rec, "log", json_string(log));
    json_object_set_new(rec, "pid", json_integer(pid));
    json_array_append_new(nodes, rec);
    free(profile_text);
    free(profile);
    free(log);
    free(v.listen);
    free(v.peers);
    free(data);
    free(ndir);
  }
  char *sp = state_path(o);
  json_dump_file(state, sp, JSON_INDENT(2));
  free(sp);
  free(tmpl);
  /* Wait for every node's RPC port (when the nodes have one). */
  char *rpc_so = mn__xasprintf("%s/rpc.so", p->plugin_dir);
  bool have_rpc = file_exists(rpc_so);
  free(rpc_so);
  json_t *node;
  size_t i;
  json_array_foreach(nodes, i, node) {
    pid_t pid = (pid_t)json_integer_value(json_object_get(node, "pid"));
    int rport = (int)json_integer_value(json_object_get(node, "rpc_port"));
    bool ready = false;
    for (int t = 0; t < o->wait_s * 10 && !ready; t++) {
      int wst;
      if (pid <= 0 || waitpid(pid, &wst, WNOHANG) == pid)
        break; /* our child exited */
      if (!have_rpc) {
        ready = t >= 10;
      } else {
        json_t *r = rpc(rport, "status", 1000);
        ready = r != NULL;
        json_decref(r);
      }
      if (!ready)
        usleep(100000);
    }
    const char *name = json_string_value(json_object_get(node, "name"));
    if (!ready) {
      fprintf(stderr, "minima-testnet: %s did not come up; see %s\n", name,
              json_string_value(json_object_get(node, "log")));
      rc = EXIT_RUNTIME;
      continue;
    }
    printf("%-8s %-24s %s\n", name,
           json_string_value(json_object_get(node, "p2p")),
           have_rpc ? json_string_value(json_object_get(node, "rpc"))
                    : "(no rpc plugin)");
  }
  fflush(stdout);
  json_decref(state);
  return rc;
}

/* ---- status
 * ------------------------------------------------------------------ */

static json_t *response_of(json_t *env) {
  if (json_is_array(env))
    env = json_array_get(env, 0);
  if (!json_is_true(json_object_get(env, "status")))
    return NULL;
  return json_object_get(env, "response");
}

static int cmd_status(const opts_t *o) {
  json_t *state = state_load(o);
  if (!state) {
    fprintf(stderr, "minima-testnet: no testnet in %s (run `up` first)\n",
            o->dir);
    return EXIT_USAGE;
  }
  const char *mode = json_string_value(json_object_get(state, "mode"));
  if (mode && strcmp(mode, "sim") == 0) {
    printf("%s holds an in-process network: it runs only while "
           "`minima-testnet sim` does\n",
           o->dir);
    json_decref(state);
    return 0;
  }
  printf("%-8s %-8s %-8s %-8s %-6s %-24s %s\n", "NAME", "PID", "STATE", "TIP",
         "PEERS", "P2P", "RPC");
  int rc = 0;
  json_t *node;
  size_t i;
  json_array_foreach(json_object_get(state, "nodes"), i, node) {
    pid_t pid = (pid_t)json_integer_value(json_object_get(node, "pid"));
    int rport = (int)json_integer_value(json_object_get(node, "rpc_port"));
    bool alive = pid_alive(pid);
    char tip[32] = "-", peers[16] = "-";
    if (alive) {
      json_t *st = rpc(rport, "status", 3000);
      json_t *resp = response_of(st);
      json_t *block = json_object_get(json_object_get(resp, "chain"), "block");
      if (json_is_integer(block))
        snprintf(tip, sizeof tip, "%lld", (long long)json_integer_value(block));
      else if (json_is_string(block))
        snprintf(tip, sizeof tip, "%s", json_string_value(block));
      json_decref(st);
      json_t *net = rpc(rport, "network", 3000);
      json_t *nr = json_object_get(response_of(net), "connections");
      if (json_is_array(nr))
        snprintf(peers, sizeof peers, "%zu", json_array_size(nr));
      json_decref(net);
    } else {
      rc = EXIT_RUNTIME;
    }
    printf("%-8s %-8d %-8s %-8s %-6s %-24s %s\n",
           json_string_value(json_object_get(node, "name")), (int)pid,
           alive ? "running" : "stopped", tip, peers,
           json_string_value(json_object_get(node, "p2p")),
           json_string_value(json_object_get(node, "rpc")));
  }
  json_decref(state);
  return rc;
}

/* ---- down
 * -------------------------------------------------------------------- */

static int cmd_down(const opts_t *o) {
  json_t *state = state_load(o);
  if (!state) {
    fprintf(stderr, "minima-testnet: no testnet in %s\n", o->dir);
    return EXIT_USAGE;
  }
  json_t *nodes = json_object_get(state, "nodes");
  json_t *node;
  size_t i;
  json_array_foreach(nodes, i, node) {
    pid_t pid = (pid_t)json_integer_value(json_object_get(node, "pid"));
    if (pid_alive(pid))
      kill(pid, SIGTERM);
  }
  int rc = 0;
  json_array_foreach(nodes, i, node) {
    pid_t pid = (pid_t)json_integer_value(json_object_get(node, "pid"));
    for (int t = 0; t < 150 && pid_alive(pid); t++)
      usleep(100000);
    if (pid_alive(pid)) {
      fprintf(stderr, "minima-testnet: %s ignored SIGTERM; killing it\n",
              json_string_value(json_object_get(node, "name")));
      kill(pid, SIGKILL);
      rc = EXIT_RUNTIME;
    }
    json_object_set_new(node, "pid", json_integer(0));
    printf("%s stopped\n", json_string_value(json_object_get(node, "name")));
  }
  char *sp = state_path(o);
  json_dump_file(state, sp, JSON_INDENT(2));
  free(sp);
  json_decref(state);
  if (o->clean) {
    char *cmd = mn__xasprintf("rm -rf '%s'", o->dir);
    if (system(cmd) != 0)
      rc = EXIT_RUNTIME;
    free(cmd);
  }
  return rc;
}

/* ---- sim
 * ----------------------------------------------------------------------- */

typedef struct sim_ctx {
  mn_sim_t *sim;
  int n;
  uv_timer_t tick;
  uint64_t t0;
  double seconds;
} sim_ctx_t;

static int64_t node_tip(mn_sim_node_t *nd) {
  json_t *env = mn_sim_node_exec_wait(nd, "status", 5000);
  json_t *b =
      json_object_get(json_object_get(response_of(env), "chain"), "block");
  int64_t tip = json_is_integer(b) ? (int64_t)json_integer_value(b) : -1;
  json_decref(env);
  return tip;
}

static int node_peers(mn_sim_node_t *nd) {
  json_t *env = mn_sim_node_exec_wait(nd, "network", 5000);
  json_t *r = json_object_get(response_of(env), "connections");
  int n = json_is_array(r) ? (int)json_array_size(r) : -1;
  json_decref(env);
  return n;
}

static void sim_report(mn_sim_t *sim, int n, double t, bool detail) {
  int64_t lo = INT64_MAX, hi = -1;
  int at_hi = 0, running = 0;
  long peers = 0;
  int64_t *tips = mn__xcalloc((size_t)n, sizeof *tips);
  for (int i = 0; i < n; i++) {
    mn_sim_node_t *nd = mn_sim_node_at(sim, (size_t)i);
    if (!mn_sim_node_running(nd)) {
      tips[i] = -2;
      continue;
    }
    running++;
    tips[i] = node_tip(nd);
    int pc = node_peers(nd);
    peers += pc > 0 ? pc : 0;
    if (tips[i] < lo)
      lo = tips[i];
    if (tips[i] > hi)
      hi = tips[i];
    if (detail)
      printf("  %-10s tip %-8lld peers %d\n", mn_sim_node_name(nd),
             (long long)tips[i], pc);
  }
  for (int i = 0; i < n; i++)
    at_hi += tips[i] == hi;
  printf("t=%6.1fs nodes %d/%d tips %lld..%lld, %d at the highest, "
         "%.1f peers each\n",
         t, running, n, (long long)(lo == INT64_MAX ? -1 : lo), (long long)hi,
         at_hi, running ? (double)peers / running : 0.0);
  fflush(stdout);
  free(tips);
}

static int cmd_sim(const opts_t *o, const paths_t *p, int n) {
  char *tmpl = read_all(p->template_path);
  if (!tmpl) {
    fprintf(stderr, "minima-testnet: cannot read the node template %s\n",
            p->template_path);
    return EXIT_RUNTIME;
  }
  mkdirs(o->dir);
  char *dir = mn__xstrdup(o->dir);
  json_t *state = json_pack("{s:s,s:s,s:[]}", "mode", "sim", "topology",
                            o->topology, "nodes");
  char *sp = state_path(o);
  json_dump_file(state, sp, JSON_INDENT(2));
  free(sp);
  json_decref(state);
  uv_loop_t loop;
  uv_loop_init(&loop);
  mn_sim_t *sim = mn_sim_new(&loop, dir);
  mn_sim_set_log_level(sim, o->log_level ? o->log_level : "warn");
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    char name[32];
    snprintf(name, sizeof name, "node%d", i + 1);
    char *ndir = mn__xasprintf("%s/%s", dir, name);
    char *data = mn__xasprintf("%s/data", ndir);
    mkdirs(data);
    node_vars_t v = {.name = name,
                     .index = i + 1,
                     .port = 9001,
                     .data_dir = data,
                     .log_level = o->log_level ? o->log_level : "warn",
                     .transport = "mem",
                     .listen = mn__xasprintf("\"mem://%s\"", name),
                     .peers = peers_text(o, n, i, "mem", 0),
                     .miner = i < o->miners,
                     .genesis = i == 0,
                     .process = false};
    char *text = render(tmpl, &v, p);
    char *profile = mn__xasprintf("%s/node.toml", ndir);
    FILE *f = fopen(profile, "w");
    if (f) {
      fputs(text, f);
      fclose(f);
    }
    mn_sim_node_t *nd = mn_sim_node_new(sim, name, 0);
    mn_sim_node_profile(nd, profile);
    for (size_t s = 0; s < o->nsets; s++) {
      char *key = mn__xstrdup(o->sets[s]);
      char *eq = strchr(key, '=');
      if (eq) {
        *eq = '\0';
        mn_sim_node_set(nd, key, eq + 1);
      }
      free(key);
    }
    char *why = NULL;
    if (mn_sim_node_start(nd, &why)) {
      fprintf(stderr, "minima-testnet: %s\n", why ? why : "start failed");
      free(why);
      rc = EXIT_RUNTIME;
    }
    free(text);
    free(profile);
    free(v.listen);
    free(v.peers);
    free(data);
    free(ndir);
  }
  free(tmpl);
  if (rc == 0) {
    printf("%d nodes running in one process (%s topology); state in %s\n", n,
           o->topology, dir);
    uint64_t t0 = uv_now(&loop);
    double step = o->seconds < 10 ? o->seconds : 5;
    for (double t = step;; t += step) {
      bool last = t >= o->seconds - 1e-9;
      if (last)
        t = o->seconds;
      uint64_t until = t0 + (uint64_t)(t * 1000);
      uv_update_time(&loop);
      if (until > uv_now(&loop))
        mn_sim_run_for(sim, until - uv_now(&loop));
      sim_report(sim, n, t, last);
      if (last)
        break;
    }
  }
  mn_sim_free(sim);
  uv_run(&loop, UV_RUN_NOWAIT);
  if (uv_loop_close(&loop) != 0)
    fputs("minima-testnet: the loop still had handles at exit\n", stderr);
  free(dir);
  return rc;
}

/* ---- main
 * ---------------------------------------------------------------------- */

enum { OPT_SEED = 256, OPT_SECONDS, OPT_WAIT, OPT_CLEAN };

int main(int argc, char **argv) {
  opts_t o = {.dir = "testnet",
              .topology = "line",
              .miners = 1,
              .seed = 1,
              .seconds = 60,
              .wait_s = 30};
  static const struct option lopts[] = {
      {"dir", required_argument, NULL, 'd'},
      {"base-port", required_argument, NULL, 'p'},
      {"topology", required_argument, NULL, 't'},
      {"miners", required_argument, NULL, 'm'},
      {"set", required_argument, NULL, 's'},
      {"template", required_argument, NULL, 'T'},
      {"log-level", required_argument, NULL, 'l'},
      {"seed", required_argument, NULL, OPT_SEED},
      {"seconds", required_argument, NULL, OPT_SECONDS},
      {"wait", required_argument, NULL, OPT_WAIT},
      {"clean", no_argument, NULL, OPT_CLEAN},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0}};
  o.sets = mn__xcalloc((size_t)argc, sizeof *o.sets);
  int c;
  /* "+" would stop at the command; options may come after it too */
  while ((c = getopt_long(argc, argv, "d:p:t:m:s:T:l:hV", lopts, NULL)) != -1) {
    switch (c) {
    case 'd':
      o.dir = optarg;
      break;
    case 'p':
      o.base_port = atoi(optarg);
      if (o.base_port < 1024 || o.base_port > 60000)
        die_usage("--base-port %s: use a port from 1024 to 60000", optarg);
      break;
    case 't':
      o.topology = optarg;
      if (!topology_ok(optarg))
        die_usage("--topology %s: use line, ring, star, full or random:K "
                  "(K from 1 to 64)",
                  optarg);
      break;
    case 'm':
      o.miners = atoi(optarg);
      if (o.miners < 0)
        die_usage("--miners %s: give a count from 0", optarg);
      break;
    case 's':
      if (!strchr(optarg, '=') || !strchr(optarg, '.'))
        die_usage("--set %s: write TABLE.KEY=VALUE", optarg);
      o.sets[o.nsets++] = optarg;
      break;
    case 'T':
      o.template_path = optarg;
      break;
    case 'l':
      o.log_level = optarg;
      break;
    case OPT_SEED:
      o.seed = (unsigned)strtoul(optarg, NULL, 10);
      break;
    case OPT_SECONDS:
      o.seconds = atof(optarg);
      if (!(o.seconds > 0))
        die_usage("--seconds %s: give a positive number", optarg);
      break;
    case OPT_WAIT:
      o.wait_s = atoi(optarg);
      break;
    case OPT_CLEAN:
      o.clean = true;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    case 'V':
      printf("minima-testnet %s\n", MN_VERSION_STRING);
      return 0;
    default:
      fputs("Try 'minima-testnet --help' for more information.\n", stderr);
      return EXIT_USAGE;
    }
  }
  if (optind >= argc)
    die_usage("say what to do: up N, status, down or sim N", "");
  char *dir = absolute(o.dir); /* node profiles name their data by it */
  o.dir = dir;
  const char *cmd = argv[optind];
  int n = 0;
  bool needs_n = !strcmp(cmd, "up") || !strcmp(cmd, "sim");
  if (needs_n) {
    if (optind + 1 >= argc)
      die_usage("%s needs the number of nodes", cmd);
    n = atoi(argv[optind + 1]);
    if (n < 1 || n > MAX_NODES)
      die_usage("%s: give from 1 to 4096 nodes", argv[optind + 1]);
    if (optind + 2 < argc)
      die_usage("unexpected argument %s", argv[optind + 2]);
  } else if (optind + 1 < argc) {
    die_usage("unexpected argument %s", argv[optind + 1]);
  }
  paths_t p;
  find_paths(&p, o.template_path);
  int rc;
  if (!strcmp(cmd, "up"))
    rc = cmd_up(&o, &p, n);
  else if (!strcmp(cmd, "status"))
    rc = cmd_status(&o);
  else if (!strcmp(cmd, "down"))
    rc = cmd_down(&o);
  else if (!strcmp(cmd, "sim"))
    rc = cmd_sim(&o, &p, n);
  else
    die_usage("unknown command %s: use up, status, down or sim", cmd);
  free(p.bin);
  free(p.minimad);
  free(p.plugin_dir);
  free(p.template_path);
  free(o.sets);
  free(dir);
  return rc;
}
