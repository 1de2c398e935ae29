/*
 * minima-cli - run commands on a Minima node through its RPC port.
 * `minima-cli --help` is the manual; docs/cli.md says more.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <minima/errors.h>
#include <minima/version.h>

#include "cli.h"
#include "config/toml.h"
#include "util/util.h"

static const char usage[] =
    "Usage: minima-cli [OPTION]... COMMAND [KEY:VALUE]...\n"
    "       minima-cli [OPTION]... wait-sync\n"
    "       minima-cli completion bash\n"
    "Run a command on a Minima node through its RPC port and print the\n"
    "node's JSON reply.\n"
    "\n"
    "COMMAND and its KEY:VALUE parameters make one command line, as the\n"
    "node's terminal reads it (`minima-cli help` lists the commands,\n"
    "`minima-cli help command:NAME` explains one).  A value holding spaces\n"
    "is quoted for you: minima-cli runscript \"script:RETURN TRUE\".  Give\n"
    "several commands as one argument: minima-cli \"block; balance\".\n"
    "\n"
    "Connection:\n"
    "  -H, --host HOST        the node's address (default 127.0.0.1)\n"
    "  -p, --port PORT        its RPC port (default 9005)\n"
    "  -P, --password PW      its RPC password; other users can see command\n"
    "                         lines, so prefer MINIMA_CLI_PASSWORD or the\n"
    "                         config file\n"
    "  -t, --timeout SECONDS  give up when no complete reply came in time\n"
    "                         (default: wait; connecting gives up after 10)\n"
    "  -c, --config FILE      settings file (default\n"
    "                         $XDG_CONFIG_HOME/minima-cli/config.toml, or\n"
    "                         ~/.config/minima-cli/config.toml)\n"
    "\n"
    "Output:\n"
    "  -j, --json             print the reply exactly as the node sent it\n"
    "      --pretty           indent the reply even when stdout is not a\n"
    "                         terminal (on a terminal it always is)\n"
    "\n"
    "Other commands:\n"
    "  wait-sync              show a progress bar until the node is in sync\n"
    "                         with the network (it polls `status`; see\n"
    "                         docs/cli.md); --interval SECONDS between polls\n"
    "                         (default 1)\n"
    "  completion bash        print a bash completion script for commands\n"
    "                         and parameter names; load it with\n"
    "                         source <(minima-cli completion bash)\n"
    "\n"
    "  -V, --version          print the version, then exit\n"
    "  -h, --help             print this help, then exit\n"
    "\n"
    "Options may come before or after the command; after --, nothing is\n"
    "an option.\n"
    "\n"
    "Settings: options win over the environment (MINIMA_CLI_HOST,\n"
    "MINIMA_CLI_PORT, MINIMA_CLI_PASSWORD, MINIMA_CLI_TIMEOUT), which wins\n"
    "over the config file, a TOML file with the keys host, port, password\n"
    "and timeout:\n"
    "\n"
    "    host = \"127.0.0.1\"\n"
    "    port = 9005\n"
    "    password = \"...\"\n"
    "\n"
    "Exit status: 0 the command succeeded (status true); 1 the node answered\n"
    "with an error (status false, or it refused the password); 2 no node\n"
    "answered at that address; 64 bad options or settings.\n";

typedef struct settings {
  char *host;
  int port;
  char *password;
  int timeout_s;
} settings_t;

static int usage_error(const char *fmt, const char *arg) {
  fputs("minima-cli: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\nTry 'minima-cli --help' for more information.\n", stderr);
  return CLI_USAGE;
}

static bool parse_int(const char *s, long lo, long hi, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return false;
  *out = (int)v;
  return true;
}

static void set_str(char **slot, const char *v) {
  free(*slot);
  *slot = mn__xstrdup(v);
}

/* ---- the config file ----------------------------------------------------- */

static char *default_config_path(void) {
  const char *xdg = getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg)
    return mn__xasprintf("%s/minima-cli/config.toml", xdg);
  const char *home = getenv("HOME");
  if (!home || !*home)
    return NULL;
  return mn__xasprintf("%s/.config/minima-cli/config.toml", home);
}

/* Reads path into s.  A missing default file is fine (required false). */
static int read_config(const char *path, bool required, settings_t *s) {
  char *text = NULL;
  size_t len = 0;
  int rc = mn__read_file(path, 1u << 20, &text, &len);
  if (rc == MN_ENOENT && !required)
    return 0;
  if (rc != 0) {
    fprintf(stderr, "minima-cli: cannot read the config file %s: %s\n", path,
            mn_strerror(rc));
    return CLI_USAGE;
  }
  mn_toml_value_t *root = NULL;
  char *err = NULL;
  rc = mn__toml_parse(text, len, path, &root, &err);
  free(text);
  if (rc != 0) {
    fprintf(stderr, "minima-cli: %s\n", err);
    free(err);
    return CLI_USAGE;
  }
  int status = 0;
  for (size_t i = 0; i < mn__toml_table_len(root) && !status; i++) {
    const mn_toml_entry_t *e = mn__toml_table_at(root, i);
    const char *str = mn__toml_string(e->value, NULL);
    int64_t n = 0;
    bool is_int = mn__toml_int(e->value, &n) == 0;
    if (strcmp(e->key, "host") == 0 && str) {
      set_str(&s->host, str);
    } else if (strcmp(e->key, "password") == 0 && str) {
      set_str(&s->password, str);
      struct stat st;
      if (stat(path, &st) == 0 && (st.st_mode & 077))
        fprintf(stderr,
                "minima-cli: warning: %s holds a password and other users "
                "can read it; chmod 600 it\n",
                path);
    } else if (strcmp(e->key, "port") == 0 && is_int && n >= 1 && n <= 65535) {
      s->port = (int)n;
    } else if (strcmp(e->key, "timeout") == 0 && is_int && n >= 0 &&
               n <= 86400) {
      s->timeout_s = (int)n;
    } else {
      bool known =
          strcmp(e->key, "host") == 0 || strcmp(e->key, "password") == 0 ||
          strcmp(e->key, "port") == 0 || strcmp(e->key, "timeout") == 0;
      fprintf(stderr,
              "minima-cli: %s:%u: %s; the keys are host (text), port "
              "(1..65535), password (text) and timeout (seconds)\n",
              path, (unsigned)e->line,
              known ? "wrong type or value" : "unknown key");
      status = CLI_USAGE;
    }
  }
  mn__toml_free(root);
  return status;
}

/* ---- the command line sent to the node ----------------------------------- */

/* Joins the arguments into one command line, quoting values that hold
 * spaces (the shell took the user's quotes away). */
static char *join_args(int argc, char **argv) {
  size_t cap = 1;
  for (int i = 0; i < argc; i++)
    cap += strlen(argv[i]) + 3;
  char *line = mn__xmalloc(cap), *w = line;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (i > 0)
      *w++ = ' ';
    const char *colon = strchr(a, ':');
    bool spaced = false;
    for (const char *p = colon ? colon + 1 : a; *p; p++)
      if (isspace((unsigned char)*p))
        spaced = true;
    const char *v = colon ? colon + 1 : NULL;
    bool quotable = i > 0 && v && spaced && *v != '"' && *v != '{' &&
                    *v != '[' && !strchr(v, '"');
    if (quotable) {
      size_t kl = (size_t)(v - a);
      memcpy(w, a, kl);
      w += kl;
      *w++ = '"';
      strcpy(w, v);
      w += strlen(v);
      *w++ = '"';
    } else {
      strcpy(w, a);
      w += strlen(a);
    }
  }
  *w = '\0';
  return line;
}

static int run_command(const cli_target_t *t, const char *line, bool raw_out,
                       bool pretty) {
  json_t *j = NULL;
  char *raw = NULL;
  char why[1024];
  int rc = cli_call(t, line, &j, &raw, why, sizeof why);
  if (rc == CLI_UNREACHABLE) {
    fprintf(stderr, "minima-cli: %s\n", why);
    free(raw);
    return rc;
  }
  if (j && !raw_out && pretty) {
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
    putchar('\n');
  } else if (raw) {
    size_t n = strlen(raw);
    fputs(raw, stdout);
    if (n == 0 || raw[n - 1] != '\n')
      putchar('\n');
  }
  fflush(stdout);
  if (rc != CLI_OK)
    fprintf(stderr, "minima-cli: %s\n", why);
  json_decref(j);
  free(raw);
  return rc;
}

int main(int argc, char **argv) {
  enum { OPT_PRETTY = 256, OPT_INTERVAL };
  static const struct option opts[] = {
      {"host", required_argument, NULL, 'H'},
      {"port", required_argument, NULL, 'p'},
      {"password", required_argument, NULL, 'P'},
      {"timeout", required_argument, NULL, 't'},
      {"config", required_argument, NULL, 'c'},
      {"json", no_argument, NULL, 'j'},
      {"pretty", no_argument, NULL, OPT_PRETTY},
      {"interval", required_argument, NULL, OPT_INTERVAL},
      {"version", no_argument, NULL, 'V'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *opt_host = NULL, *opt_port = NULL, *opt_password = NULL;
  const char *opt_timeout = NULL, *opt_config = NULL;
  bool raw_out = false, pretty = isatty(STDOUT_FILENO);
  int interval_s = 1;
  int c;
  opterr = 0;
  /* Options may follow the command too (minima-cli help --json): the
   * node's parameters are key:value words, never -x. */
  while ((c = getopt_long(argc, argv, ":H:p:P:t:c:jVh", opts, NULL)) != -1) {
    switch (c) {
    case 'H':
      opt_host = optarg;
      break;
    case 'p':
      opt_port = optarg;
      break;
    case 'P':
      opt_password = optarg;
      break;
    case 't':
      opt_timeout = optarg;
      break;
    case 'c':
      opt_config = optarg;
      break;
    case 'j':
      raw_out = true;
      break;
    case OPT_PRETTY:
      pretty = true;
      break;
    case OPT_INTERVAL:
      if (!parse_int(optarg, 1, 3600, &interval_s))
        return usage_error("--interval %s: expected seconds from 1 to 3600",
                           optarg);
      break;
    case 'V':
      printf("minima-cli %s\n", MN_VERSION_STRING);
      return CLI_OK;
    case 'h':
      fputs(usage, stdout);
      return CLI_OK;
    case ':':
      return usage_error("option %s needs a value", argv[optind - 1]);
    default:
      return usage_error("unknown option %s", argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return usage_error("%s", "no command given; try minima-cli help");
  const char *cmd = argv[optind];
  if (strcmp(cmd, "completion") == 0) {
    if (optind + 2 != argc)
      return usage_error("%s", "completion takes one shell name: "
                               "minima-cli completion bash");
    return cli_completion(argv[optind + 1]);
  }

  /* Settings: file, then environment, then options. */
  settings_t s = {.host = mn__xstrdup("127.0.0.1"), .port = 9005};
  int rc = 0;
  char *path = opt_config ? mn__xstrdup(opt_config) : default_config_path();
  if (path)
    rc = read_config(path, opt_config != NULL, &s);
  free(path);
  struct {
    const char *env, *opt;
  } src[2] = {{getenv("MINIMA_CLI_HOST"), opt_host},
              {getenv("MINIMA_CLI_PASSWORD"), opt_password}};
  for (int i = 0; i < 2 && !rc; i++) {
    char **slot = i == 0 ? &s.host : &s.password;
    if (src[i].env && *src[i].env)
      set_str(slot, src[i].env);
    if (src[i].opt)
      set_str(slot, src[i].opt);
  }
  const char *ports[2] = {getenv("MINIMA_CLI_PORT"), opt_port};
  const char *timeouts[2] = {getenv("MINIMA_CLI_TIMEOUT"), opt_timeout};
  for (int i = 0; i < 2 && !rc; i++) {
    if (ports[i] && *ports[i] && !parse_int(ports[i], 1, 65535, &s.port))
      rc = usage_error(i == 0 ? "MINIMA_CLI_PORT=%s: expected a port from 1 "
                                "to 65535"
                              : "--port %s: expected a port from 1 to 65535",
                       ports[i]);
    else if (timeouts[i] && *timeouts[i] &&
             !parse_int(timeouts[i], 0, 86400, &s.timeout_s))
      rc = usage_error(i == 0 ? "MINIMA_CLI_TIMEOUT=%s: expected seconds "
                                "from 0 to 86400"
                              : "--timeout %s: expected seconds from 0 to "
                                "86400",
                       timeouts[i]);
  }
  if (!rc) {
    cli_target_t t = {.host = s.host,
                      .port = s.port,
                      .password = s.password && *s.password ? s.password : NULL,
                      .timeout_ms = s.timeout_s * 1000};
    if (strcmp(cmd, "wait-sync") == 0) {
      rc = optind + 1 == argc
               ? cli_wait_sync(&t, interval_s * 1000)
               : usage_error("%s", "wait-sync takes no parameters");
    } else if (strcmp(cmd, "__complete") == 0) {
      rc = cli_complete(&t, optind + 1 < argc ? argv[optind + 1] : "",
                        optind + 2 < argc ? argv[optind + 2] : NULL);
    } else {
      char *line = join_args(argc - optind, argv + optind);
      rc = run_command(&t, line, raw_out, pretty);
      free(line);
    }
  }
  free(s.host);
  free(s.password);
  return rc;
}
