/*
 * minimad - the minima-c node.  Parses the command line and hands over to
 * mn__node_main(); `minimad --help` is the manual.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <minima/version.h>

#include "host/node.h"
#include "util/util.h"

static const char usage[] =
    "Usage: minimad [OPTION]...\n"
    "Run a Minima node: a small kernel that loads the plugins a TOML\n"
    "profile lists (consensus, P2P transports, RPC, wallet...).\n"
    "\n"
    "Configuration:\n"
    "  -p, --profile NAME     use profile NAME (default: dev), looked up as\n"
    "                         ./config/NAME.toml, then\n"
    "                         <prefix>/share/minima/config/NAME.toml\n"
    "  -c, --config FILE      use the profile in FILE instead\n"
    "  -s, --set TABLE.KEY=VALUE\n"
    "                         override one setting (repeatable); VALUE is TOML\n"
    "                         (9101, true, \"text\") or bare text for a string\n"
    "  -d, --data-dir DIR     data directory (store, lock); default\n"
    "                         ~/.minima-c/<profile>\n"
    "  -P, --port BASE        base port: P2P listens on BASE, RPC on BASE+4\n"
    "                         (default 9001, so RPC on 9005)\n"
    "\n"
    "Actions (instead of running the node):\n"
    "      --check-config     validate the configuration and the plugins and\n"
    "                         print the resolved start order\n"
    "      --print-config     print every effective setting, defaults too\n"
    "      --list-plugins     describe the profile's plugins\n"
    "      --list-commands[=markdown|json]\n"
    "                         initialise the plugins and print the command\n"
    "                         registry (docs/commands.md is made this way)\n"
    "  -V, --version          print the version and ABI, then exit\n"
    "  -h, --help             print this help, then exit\n"
    "\n"
    "Signals: SIGINT or SIGTERM stops the plugins in reverse order and closes\n"
    "the store; a second signal exits at once.\n"
    "\n"
    "Exit status: 0 clean stop, 1 runtime failure, 2 usage or configuration\n"
    "error.\n"
    "\n"
    "Docs: docs/configuration.md, docs/plugins.md, docs/commands.md.\n";

static int usage_error(const char *fmt, const char *arg) {
  fputs("minimad: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\nTry 'minimad --help' for more information.\n", stderr);
  return MN_EXIT_USAGE;
}

static char *exe_dir(const char *argv0) {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = '\0';
  } else if (!realpath(argv0, buf)) {
    return NULL;
  }
  return mn__xstrdup(dirname(buf));
}

enum { OPT_CHECK = 256, OPT_PRINT, OPT_LIST, OPT_COMMANDS };

/* Parses the options into *op (sets receives the --set values) and runs
 * the node or the requested action; returns the exit status. */
static int parse_and_run(int argc, char **argv, mn__node_opts_t *op,
                         const char **sets) {
  static const struct option opts[] = {
      {"profile", required_argument, NULL, 'p'},
      {"config", required_argument, NULL, 'c'},
      {"set", required_argument, NULL, 's'},
      {"data-dir", required_argument, NULL, 'd'},
      {"port", required_argument, NULL, 'P'},
      {"check-config", no_argument, NULL, OPT_CHECK},
      {"print-config", no_argument, NULL, OPT_PRINT},
      {"list-plugins", no_argument, NULL, OPT_LIST},
      {"list-commands", optional_argument, NULL, OPT_COMMANDS},
      {"version", no_argument, NULL, 'V'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  mn__node_opts_t o = *op;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":p:c:s:d:P:Vh", opts, NULL)) != -1) {
    switch (c) {
    case 'p':
      o.config.profile = optarg;
      break;
    case 'c':
      o.config.file = optarg;
      break;
    case 's':
      sets[o.config.nsets++] = optarg;
      break;
    case 'd':
      o.config.data_dir = optarg;
      break;
    case 'P': {
      char *end;
      long port = strtol(optarg, &end, 10);
      if (*end || port < 1 || port > 65531)
        return usage_error("--port %s: expected a port from 1 to 65531 "
                           "(RPC uses BASE+4)",
                           optarg);
      o.config.port = (int)port;
      break;
    }
    case OPT_CHECK:
      o.action = MN__CHECK_CONFIG;
      break;
    case OPT_PRINT:
      o.action = MN__PRINT_CONFIG;
      break;
    case OPT_LIST:
      o.action = MN__LIST_PLUGINS;
      break;
    case OPT_COMMANDS:
      o.action = MN__LIST_COMMANDS;
      o.commands_format = optarg ? optarg : "markdown";
      if (strcmp(o.commands_format, "markdown") != 0 &&
          strcmp(o.commands_format, "json") != 0)
        return usage_error("--list-commands=%s: use markdown or json",
                           optarg);
      break;
    case 'V':
      printf("minimad %s (plugin ABI %d.%d, Minima protocol %s)\n",
             MN_VERSION_STRING, MN_ABI_MAJOR, MN_ABI_MINOR,
             MN_PROTOCOL_VERSION);
      return MN_EXIT_OK;
    case 'h':
      fputs(usage, stdout);
      return MN_EXIT_OK;
    case ':':
      return usage_error("option %s needs a value", argv[optind - 1]);
    default:
      return usage_error("unknown option %s", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return usage_error("unexpected argument '%s'", argv[optind]);
  if (o.config.profile && o.config.file)
    return usage_error("%s", "--profile and --config are exclusive; give one");
  o.config.sets = sets;
  char *dir = exe_dir(argv[0]);
  o.config.exe_dir = dir;
  int code = mn__node_main(&o);
  free(dir);
  return code;
}

int main(int argc, char **argv) {
  mn__node_opts_t o;
  memset(&o, 0, sizeof o);
  const char **sets = mn__xcalloc((size_t)argc + 1, sizeof *sets);
  int code = parse_and_run(argc, argv, &o, sets);
  free(sets);
  return code;
}
