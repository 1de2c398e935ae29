/*
 * rpc - the node's HTTP interface: every command in the registry, reachable
 * with the reference node's requests (`GET /balance%20tokenid:0x00`, or a
 * POST whose body is the command line) and answered with its JSON
 * envelope.  See docs/rpc.md.
 *
 * Who may do what: on a loopback address without a password every request
 * runs with write access, as the reference's terminal does (web pages of
 * other sites are refused, see rpc_browser_refusal); with a password every
 * request must carry it (HTTP Basic as user "minima", or Bearer) and then
 * runs with write access.  Binding any other address without a password
 * is refused at init.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <http_parser.h>

#include <minima/minima.h>

#include "rpc.h"

typedef struct rpc {
  mn_plugin_t *self;
  const mn_host_t *host;
  rpc_server_t *srv;
  bool enabled;
  const char *bind;
  const char *password; /* NULL: none */
  int port;             /* configured; 0: base + 4 */
  int listening_port;
  rpc_limits_t lim;
  char server_name[64];
} rpc_t;

/* ---- answering ----------------------------------------------------------- */

static void respond_json(rpc_request_t *req, int status, json_t *body,
                         const char *extra) {
  char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  json_decref(body);
  if (!text) {
    static const char fallback[] = "{\"status\":false}\n";
    rpc_respond(req, status, fallback, sizeof fallback - 1, extra);
    return;
  }
  /* The reference ends the body with a newline; it is counted here so the
   * length is exact and the connection can be reused. */
  size_t n = strlen(text);
  char *with_nl = realloc(text, n + 2);
  if (with_nl) {
    text = with_nl;
    text[n++] = '\n';
    text[n] = '\0';
  }
  rpc_respond(req, status, text, n, extra);
  free(text);
}

static void respond_error(rpc_request_t *req, int status, const char *msg) {
  respond_json(req, status, json_pack("{s:b, s:s}", "status", 0, "error", msg),
               NULL);
}

/* A command-level refusal, in the registry's envelope. */
static void respond_envelope_error(rpc_request_t *req, const char *msg) {
  respond_json(req, 200,
               json_pack("{s:s, s:b, s:b, s:s}", "command", "", "status", 0,
                         "pending", 0, "error", msg),
               NULL);
}

static void on_exec_done(json_t *result, void *data) {
  respond_json(data, 200, result, NULL);
}

/* ---- requests ------------------------------------------------------------ */

static void log_command(rpc_t *r, const rpc_request_t *req, const char *line,
                        size_t len) {
  if (!r->host->log_enabled(r->self, MN_LOG_DEBUG))
    return;
  char *masked = rpc_mask_secrets(line, len, 1024);
  r->host->log(r->self, MN_LOG_DEBUG, "%s %s: %s", req->method_name, req->peer,
               masked ? masked : "(out of memory)");
  free(masked);
}

static void on_request(rpc_request_t *req, void *data) {
  rpc_t *r = data;
  if (req->method == HTTP_OPTIONS) {
    /* A browser's preflight: it never carries credentials. */
    rpc_respond(req, 204, NULL, 0, NULL);
    return;
  }
  if (r->password) {
    if (!rpc_auth_ok(req->authorization, r->password)) {
      r->host->log(r->self, MN_LOG_DEBUG, "%s %s: authentication failed",
                   req->method_name, req->peer);
      static const char body[] = "{\"error\":\"Authentication failure..\"}\n";
      rpc_respond(req, 401, body, sizeof body - 1,
                  "WWW-Authenticate: Basic realm=\"minima\"\r\n");
      return;
    }
  } else {
    const char *why =
        rpc_browser_refusal(req->origin, req->fetch_site, req->host);
    if (why) {
      r->host->log(r->self, MN_LOG_DEBUG, "%s %s: refused: %s",
                   req->method_name, req->peer, why);
      respond_error(req, 403, why);
      return;
    }
  }

  char *decoded = NULL;
  const char *line;
  size_t len;
  size_t blen = req->body_len;
  const char *b = rpc_trim(req->body, &blen);
  if (req->method == HTTP_POST && blen && (b[0] == '{' || b[0] == '[')) {
    /* A JSON request ({"command":..,"params":{..}}); a command line
     * never starts with a brace or bracket. */
    char err[200];
    if (rpc_json_command(b, blen, &decoded, err, sizeof err) != 0) {
      respond_envelope_error(req, err);
      return;
    }
    line = decoded;
    len = strlen(decoded);
  } else if (req->method == HTTP_POST) {
    line = req->body;
    len = req->body_len;
  } else {
    size_t bad = 0;
    int rc =
        rpc_target_command(req->target, req->target_len, &decoded, &len, &bad);
    if (rc == MN_ENOMEM) {
      respond_error(req, 503, "the server is out of memory");
      return;
    }
    if (rc != 0) {
      char msg[200];
      snprintf(msg, sizeof msg,
               "malformed request target: the '%%' at offset %zu is not "
               "followed by two hex digits (send a literal %% as %%25)",
               bad);
      respond_error(req, 400, msg);
      return;
    }
    line = decoded;
  }
  const char *nul = memchr(line, '\0', len);
  size_t bad_utf8 = rpc_utf8_check(line, len);
  char msg[160];
  if (nul) {
    snprintf(msg, sizeof msg,
             "the command line contains a NUL byte (offset %zu)",
             (size_t)(nul - line));
    respond_envelope_error(req, msg);
  } else if (bad_utf8 != len) {
    snprintf(msg, sizeof msg,
             "the command line is not valid UTF-8 (byte 0x%02X at offset "
             "%zu)",
             (unsigned char)line[bad_utf8], bad_utf8);
    respond_envelope_error(req, msg);
  } else {
    log_command(r, req, line, len);
    int rc =
        r->host->command_exec(r->self, line, MN_EXEC_WRITE, on_exec_done, req);
    if (rc != 0)
      respond_envelope_error(req, mn_strerror(rc));
  }
  free(decoded);
}

static void server_log(void *data, int level, const char *fmt, va_list ap) {
  rpc_t *r = data;
  r->host->vlog(r->self, (mn_log_level_t)level, fmt, ap);
}

/* ---- the rpc command ----------------------------------------------------- */

static int cmd_rpc(mn_call_t *call, json_t *params, void *data) {
  rpc_t *r = data;
  const mn_host_t *h = r->host;
  const char *enable = h->call_param(call, "enable");
  const char *ssl = h->call_param(call, "ssl");
  const char *action = h->call_param(call, "action");
  if (ssl && strcmp(ssl, "true") == 0) {
    h->call_error(call, "TLS is not offered on the RPC port; put a TLS proxy "
                        "(stunnel, nginx) in front of it");
    return 0;
  }
  if ((enable && (strcmp(enable, "true") == 0) != r->enabled) ||
      h->call_param(call, "password")) {
    h->call_error(call, "the RPC server cannot be changed at run time on this "
                        "node: set [rpc] enable and password in the profile "
                        "(or --set rpc.password=...) and restart");
    return 0;
  }
  bool list = false;
  if (action) {
    if (strcmp(action, "listusers") == 0) {
      list = true;
    } else if (strcmp(action, "adduser") == 0 ||
               strcmp(action, "removeuser") == 0) {
      h->call_error(call, "extra RPC users are not supported by this node: "
                          "the one user is minima, with write access");
      return 0;
    } else {
      h->call_error(call, "Invalid action : %s (use listusers)", action);
      return 0;
    }
  }
  rpc_stats_t st = {0};
  if (r->srv)
    rpc_server_stats(r->srv, &st);
  json_t *o = json_object();
  json_object_set_new(o, "enabled", json_boolean(r->srv != NULL));
  json_object_set_new(o, "port", json_integer(r->listening_port));
  json_object_set_new(o, "bind", json_string(r->bind));
  json_object_set_new(o, "ssl", json_false());
  json_object_set_new(o, "authenticate", json_boolean(r->password != NULL));
  json_object_set_new(o, "username", json_string("minima"));
  json_object_set_new(o, "password", json_string("***"));
  json_object_set_new(o, "rpcusers", list ? json_array() : json_integer(0));
  json_object_set_new(o, "connections",
                      json_integer((json_int_t)st.connections));
  json_object_set_new(o, "stats",
                      json_pack("{s:I, s:I, s:I, s:I, s:I}", "accepted",
                                (json_int_t)st.accepted, "requests",
                                (json_int_t)st.requests, "rejected",
                                (json_int_t)st.rejected, "timeouts",
                                (json_int_t)st.timeouts, "badrequests",
                                (json_int_t)st.bad_requests));
  json_object_set_new(o, "limits",
                      json_pack("{s:I, s:I, s:I, s:I}", "max_connections",
                                (json_int_t)r->lim.max_connections,
                                "max_request_bytes",
                                (json_int_t)r->lim.max_request_bytes,
                                "max_headers", (json_int_t)r->lim.max_headers,
                                "idle_timeout_ms", (json_int_t)r->lim.idle_ms));
  h->call_reply(call, o);
  return 0;
}

static const mn_cmd_param_t rpc_params[] = {
    {"enable", MN_PARAM_BOOL, 0,
     "accepted when it matches the current state; set [rpc] enable in the "
     "profile to change it"},
    {"ssl", MN_PARAM_BOOL, 0, "TLS is not offered; only false is accepted"},
    {"password", MN_PARAM_STRING, 0,
     "not changeable at run time; set [rpc] password"},
    {"action", MN_PARAM_STRING, 0,
     "listusers (adduser and removeuser are not supported)"},
    {"username", MN_PARAM_STRING, 0, "accepted for compatibility"},
    {"mode", MN_PARAM_STRING, 0, "accepted for compatibility"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t rpc_cmd = {
    "rpc",
    "(action:listusers) - show the RPC server's state: port, address, "
    "authentication, connections, limits",
    "rpc\n\nShows the RPC server: whether it runs, its port and address, "
    "whether clients must authenticate (as user minima, with HTTP Basic or "
    "Bearer), the connections open now, request counters and the limits.\n"
    "The server is configured in the profile's [rpc] table (docs/rpc.md); "
    "it cannot be changed at run time.\n\nExamples:\n\nrpc\n\n"
    "rpc action:listusers\n",
    rpc_params,
    MN_CMD_WRITE,
    cmd_rpc};

/* ---- lifecycle ----------------------------------------------------------- */

static int rpc_init(mn_plugin_t *self, const mn_host_t *host, void **state) {
  rpc_t *r = calloc(1, sizeof *r);
  if (!r)
    return MN_ENOMEM;
  r->self = self;
  r->host = host;
  r->enabled = host->cfg_bool(self, "enable");
  r->bind = host->cfg_string(self, "bind");
  if (!r->bind || !*r->bind)
    r->bind = "127.0.0.1";
  const char *pw = host->cfg_string(self, "password");
  r->password = pw && *pw ? pw : NULL;
  r->port = (int)host->cfg_int(self, "port");
  r->lim.max_connections = (size_t)host->cfg_int(self, "max_connections");
  r->lim.max_request_bytes = (size_t)host->cfg_int(self, "max_request_bytes");
  r->lim.max_headers = (size_t)host->cfg_int(self, "max_headers");
  r->lim.idle_ms = (uint64_t)host->cfg_int(self, "idle_timeout_ms");
  snprintf(r->server_name, sizeof r->server_name, "minima-c/%s", host->version);
  if (!rpc_is_address(r->bind)) {
    host->log(self, MN_LOG_ERROR,
              "[rpc] bind = \"%s\" is not an IP address; use an IPv4 or "
              "IPv6 address such as 127.0.0.1 (this machine only), ::1 or "
              "0.0.0.0 (every interface, needs a password)",
              r->bind);
    free(r);
    return MN_ECONFIG;
  }
  if (r->enabled && !r->password && !rpc_is_loopback(r->bind)) {
    host->log(self, MN_LOG_ERROR,
              "[rpc] bind = \"%s\" lets other machines reach the RPC server, "
              "but no password is set, so anyone who can connect could run "
              "every command, spending included.  Set [rpc] password (for "
              "example --set rpc.password=...; clients then send HTTP Basic "
              "auth as user minima, or Authorization: Bearer <password>), or "
              "bind to 127.0.0.1",
              r->bind);
    free(r);
    return MN_ECONFIG;
  }
  int err = host->command_register(self, &rpc_cmd, r);
  if (err) {
    free(r);
    return err;
  }
  *state = r;
  return 0;
}

/* Makes room for the connections the limits allow, if the hard limit
 * lets us. */
static void raise_fd_limit(rpc_t *r) {
  struct rlimit rl;
  rlim_t want = (rlim_t)r->lim.max_connections + 256;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
    return;
  rlim_t before = rl.rlim_cur;
  rl.rlim_cur =
      rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
    rl.rlim_cur = before;
  if (rl.rlim_cur < want)
    r->host->log(r->self, MN_LOG_WARN,
                 "the open-file limit (%llu) is below what [rpc] "
                 "max_connections = %zu needs; connections past it are "
                 "dropped (raise it with ulimit -n)",
                 (unsigned long long)rl.rlim_cur, r->lim.max_connections);
}

static int rpc_start(void *state) {
  rpc_t *r = state;
  const mn_host_t *h = r->host;
  if (!r->enabled) {
    h->log(r->self, MN_LOG_INFO, "disabled ([rpc] enable = false)");
    return 0;
  }
  int port = r->port ? r->port : h->base_port(r->self) + 4;
  if (port > 65535) {
    h->log(r->self, MN_LOG_ERROR,
           "the RPC port would be %d (base port + 4), past 65535; choose a "
           "lower --port or set [rpc] port",
           port);
    return MN_ECONFIG;
  }
  raise_fd_limit(r);
  rpc_server_opts_t o = {.bind = r->bind,
                         .port = port,
                         .limits = r->lim,
                         .server_name = r->server_name,
                         .on_request = on_request,
                         .log = server_log,
                         .data = r};
  char why[256] = "";
  int rc = rpc_server_start(h->uv_loop(r->self), &o, &r->srv, why, sizeof why);
  if (rc != 0) {
    h->log(r->self, MN_LOG_ERROR, "%s", why);
    return rc;
  }
  r->listening_port = rpc_server_port(r->srv);
  h->log(r->self, MN_LOG_INFO, "listening on %s port %d (%s)", r->bind,
         r->listening_port,
         r->password ? "password required" : "no password, local only");
  return 0;
}

static void rpc_stop(void *state) {
  rpc_t *r = state;
  rpc_server_close(r->srv);
  r->srv = NULL;
}

static void rpc_fini(void *state) {
  free(state);
}

static const mn_cfg_key_t rpc_config[] = {
    {"enable", MN_CFG_BOOL, "true", 0, 0,
     "serve the command registry over HTTP"},
    {"bind", MN_CFG_STRING, "127.0.0.1", 0, 0,
     "address to listen on (IPv4 or IPv6); any but loopback needs a "
     "password"},
    {"port", MN_CFG_INT, "0", 0, 65535,
     "TCP port; 0 means the node's base port + 4 (9005)"},
    {"password", MN_CFG_STRING, "", 0, 0,
     "when set, every request must carry it: HTTP Basic as user minima, or "
     "Authorization: Bearer"},
    {"max_connections", MN_CFG_INT, "1024", 1, 1000000,
     "connections served at once; more are answered 503 and closed"},
    {"max_request_bytes", MN_CFG_INT, "1048576", 1024, 1073741824,
     "largest request (target, headers and body); larger ones get 413"},
    {"max_headers", MN_CFG_INT, "64", 1, 100000,
     "most header lines in a request; more get 431"},
    {"idle_timeout_ms", MN_CFG_INT, "30000", 10, 86400000,
     "time a client has to send a whole request, or to take a reply"},
    {NULL, 0, NULL, 0, 0, NULL}};

static const mn_plugin_desc_t rpc_desc = {
    MN_PLUGIN_HEAD,
    .name = "rpc",
    .version = "1.0.0",
    .role = "rpc",
    .description = "HTTP server for the command registry (the reference's "
                   "RPC port)",
    .config = rpc_config,
    .init = rpc_init,
    .start = rpc_start,
    .stop = rpc_stop,
    .fini = rpc_fini,
};

MN_PLUGIN_DEFINE(rpc_desc)
