/*
 * cmd.c - the network commands with the reference's parameters and
 * replies (spec/rpc.md §7.5): network, peers, connect, disconnect, ping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "p2p.h"

static json_t *date_json(p2p_t *p, uint64_t mono_ms) {
  /* connected times are kept on the monotonic clock */
  uint64_t wall = p->h->now_ms() - (p2p_now(p) - mono_ms);
  time_t t = (time_t)(wall / 1000);
  struct tm tm;
  char buf[64];
  gmtime_r(&t, &tm);
  strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return json_string(buf);
}

static int remote_port(const char *addr) {
  const char *colon = strrchr(addr, ':');
  return colon && strncmp(addr, "tcp://", 6) == 0 ? atoi(colon + 1) : 0;
}

static json_t *peer_json(p2p_t *p, peer_t *peer) {
  json_t *o = json_object();
  json_object_set_new(o, "welcome", json_string(peer->welcome));
  json_object_set_new(o, "uid", json_string(peer->uid));
  json_object_set_new(o, "incoming", json_boolean(peer->incoming));
  json_object_set_new(o, "host", json_string(peer->host));
  json_object_set_new(o, "port", json_integer(remote_port(peer->addr)));
  json_object_set_new(o, "minimaport", json_integer(peer->minima_port));
  json_object_set_new(o, "isconnected", json_boolean(peer->open));
  json_object_set_new(o, "valid", json_boolean(peer->greeted));
  json_object_set_new(o, "connected", date_json(p, peer->connected_ms));
  /* ours, beyond the reference's fields */
  json_object_set_new(o, "address", json_string(peer->addr));
  json_object_set_new(o, "version", json_string(peer->version));
  json_object_set_new(o, "topblock", json_integer(peer->top));
  return o;
}

static json_t *size_text(uint64_t bytes) {
  const char *units[] = {"bytes", "KB", "MB", "GB", "TB"};
  double v = (double)bytes;
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    u++;
  }
  return u ? json_sprintf("%.2f %s", v, units[u])
           : json_sprintf("%llu bytes", (unsigned long long)bytes);
}

static json_t *details_json(p2p_t *p) {
  json_t *d = json_object();
  size_t open = 0;
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    open += peer->open;
  json_object_set_new(d, "host", json_string(p->public_host));
  json_object_set_new(d, "hostset", json_boolean(p->host_set));
  json_object_set_new(d, "port", json_integer(p->listen_port));
  json_object_set_new(d, "connecting",
                      json_integer((json_int_t)(p->npeers - open)));
  json_object_set_new(d, "connected", json_integer((json_int_t)open));
  json_t *listen = json_array();
  for (size_t i = 0; i < p->nlisteners; i++)
    json_array_append_new(listen, json_string(p->listeners[i].addr));
  json_t *banned = json_array();
  for (size_t i = 0; i < p->nbans; i++)
    if (p->bans[i].until_ms > p2p_now(p))
      json_array_append_new(
          banned,
          json_pack("{s:s,s:s,s:I}", "address", p->bans[i].key, "why",
                    p->bans[i].why, "seconds",
                    (json_int_t)((p->bans[i].until_ms - p2p_now(p)) / 1000)));
  json_object_set_new(
      d, "p2p",
      json_pack("{s:b,s:I,s:I,s:o,s:o,s:I}", "enabled", p->discovery,
                "knownpeers", (json_int_t)p->nknown, "targets",
                (json_int_t)p->ntargets, "listen", listen, "banned", banned,
                "requests", (json_int_t)p->nreqs));
  uint64_t mins = (p2p_now(p) - p->traffic_from_ms) / 60000;
  if (mins == 0)
    mins = 1;
  json_t *t = json_object();
  json_object_set_new(t, "from", date_json(p, p->traffic_from_ms));
  json_object_set_new(t, "totalread", size_text(p->bytes_in));
  json_object_set_new(t, "totalwrite", size_text(p->bytes_out));
  json_t *r = size_text(p->bytes_in / mins),
         *w = size_text(p->bytes_out / mins);
  json_object_set_new(t, "read", json_sprintf("%s/min", json_string_value(r)));
  json_object_set_new(t, "write", json_sprintf("%s/min", json_string_value(w)));
  json_decref(r);
  json_decref(w);
  json_object_set_new(d, "traffic", t);
  return d;
}

static int cmd_network(mn_call_t *call, json_t *params, void *data) {
  p2p_t *p = data;
  const mn_host_t *h = p->h;
  const char *action = h->call_param(call, "action");
  if (!action || strcmp(action, "list") == 0) {
    const char *uid = h->call_param(call, "uid");
    json_t *arr = json_array();
    for (peer_t *peer = p->peers; peer; peer = peer->next)
      if (!uid || !*uid || strcmp(uid, peer->uid) == 0)
        json_array_append_new(arr, peer_json(p, peer));
    json_t *resp = json_object();
    json_object_set_new(resp, "connections", arr);
    json_object_set_new(resp, "details", details_json(p));
    h->call_reply(call, resp);
  } else if (strcmp(action, "reset") == 0) {
    p->bytes_in = p->bytes_out = 0;
    p->traffic_from_ms = p2p_now(p);
    h->call_reply(call, json_string("Traffic counter restarted.."));
  } else if (strcmp(action, "recalculateip") == 0) {
    h->call_reply(call, json_pack("{s:s}", "ip", p->public_host));
  } else {
    h->call_error(call, "Invalid action");
  }
  return 0;
}

/* "ip:port,ip:port" of the known peers (tcp without the scheme). */
static char *peers_list(p2p_t *p, size_t max, size_t *count) {
  size_t cap = 64, len = 0;
  char *s = malloc(cap);
  if (!s)
    return NULL;
  s[0] = '\0';
  *count = 0;
  for (size_t i = 0; i < p->nknown && *count < max; i++) {
    const char *a = p->known[i].addr;
    if (strncmp(a, "tcp://", 6) == 0)
      a += 6;
    size_t n = strlen(a);
    if (len + n + 2 > cap) {
      while (len + n + 2 > cap)
        cap *= 2;
      char *ns = realloc(s, cap);
      if (!ns)
        break;
      s = ns;
    }
    if (len)
      s[len++] = ',';
    memcpy(s + len, a, n + 1);
    len += n;
    (*count)++;
  }
  return s;
}

static int cmd_peers(mn_call_t *call, json_t *params, void *data) {
  p2p_t *p = data;
  const mn_host_t *h = p->h;
  const char *action = h->call_param(call, "action");
  if (!action || strcmp(action, "list") == 0) {
    size_t max = 1000;
    const char *m = h->call_param(call, "max");
    if (m && atoi(m) >= 0)
      max = (size_t)atoi(m);
    size_t n;
    char *list = peers_list(p, max, &n);
    if (!list)
      return MN_ENOMEM;
    h->call_reply(call, json_pack("{s:s,s:I,s:b,s:b}", "peerslist", list,
                                  "size", (json_int_t)n, "havepeers",
                                  p->nknown > 0, "p2penabled", p->discovery));
    free(list);
    return 0;
  }
  if (strcmp(action, "addpeers") == 0) {
    const char *list = h->call_param(call, "peerslist");
    if (!list || !*list) {
      h->call_error(call, "peerslist: give ip:port,ip:port");
      return 0;
    }
    char *copy = strdup(list);
    if (!copy)
      return MN_ENOMEM;
    json_t *valid = json_array(), *invalid = json_array();
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
      char addr[MN_TP_ADDR_MAX];
      if (p2p_normalize_addr(tok, addr, sizeof addr) == 0) {
        p2p_known_add(p, addr, false);
        json_array_append_new(valid, json_string(tok));
      } else {
        json_array_append_new(invalid, json_string(tok));
      }
    }
    free(copy);
    /* the reference prints Java lists: [a, b] */
    char *vt = json_dumps(valid, JSON_COMPACT),
         *it = json_dumps(invalid, JSON_COMPACT);
    json_t *resp = json_object();
    json_object_set_new(resp, "valid", json_string(vt ? vt : "[]"));
    json_object_set_new(resp, "invalid", json_string(it ? it : "[]"));
    json_object_set_new(resp, "message",
                        json_string("Valid peers added to checking queue.."));
    free(vt);
    free(it);
    json_decref(valid);
    json_decref(invalid);
    h->call_reply(call, resp);
    return 0;
  }
  h->call_error(call, "Invalid action: use list or addpeers");
  return 0;
}

static int cmd_connect(mn_call_t *call, json_t *params, void *data) {
  p2p_t *p = data;
  const mn_host_t *h = p->h;
  const char *host = h->call_param(call, "host");
  char addr[MN_TP_ADDR_MAX];
  if (!host || p2p_normalize_addr(host, addr, sizeof addr)) {
    h->call_error(call, "Must specify host:port");
    return 0;
  }
  const mn_transport_t *tp;
  if (mn_tp_lookup(h, p->self, addr, &tp)) {
    h->call_error(call, "No loaded transport serves %s", addr);
    return 0;
  }
  target_t *t = p2p_target_add(p, addr, false);
  if (t && !t->peer) {
    peer_t *peer = NULL;
    if (p2p_dial(p, addr, &peer) == 0)
      t->peer = peer->id;
  }
  h->call_set(call, "message",
              json_sprintf("Attempting to connect to %s", host));
  h->call_reply(call, NULL);
  return 0;
}

static void drop_target(p2p_t *p, uint64_t id) {
  target_t *t = p2p_target_of_peer(p, id);
  if (t && !t->permanent)
    *t = p->targets[--p->ntargets];
}

static int cmd_disconnect(mn_call_t *call, json_t *params, void *data) {
  p2p_t *p = data;
  const mn_host_t *h = p->h;
  const char *uid = h->call_param(call, "uid");
  if (!uid || !*uid) {
    h->call_error(call, "No uid specified");
    return 0;
  }
  if (strcmp(uid, "all") == 0) {
    while (p->peers) {
      drop_target(p, p->peers->id);
      p2p_close(p->peers, MN_ECANCELED, true, false, "disconnect all");
    }
  } else {
    peer_t *peer = p2p_peer_by_uid(p, uid);
    if (peer) {
      drop_target(p, peer->id);
      p2p_close(peer, MN_ECANCELED, true, false, "disconnect command");
    }
  }
  h->call_set(call, "message",
              json_sprintf("Attempting to disconnect from %s", uid));
  h->call_reply(call, NULL);
  return 0;
}

/* ---- ping: a one-shot connection
 * --------------------------------------------- */

static void pinger_free(pinger_t *pg) {
  p2p_t *p = pg->p;
  if (pg->prev)
    pg->prev->next = pg->next;
  else
    p->pingers = pg->next;
  if (pg->next)
    pg->next->prev = pg->prev;
  if (pg->timer)
    p->h->timer_stop(pg->timer);
  free(pg);
}

static void pinger_done(pinger_t *pg, const p2p_greeting_t *g) {
  p2p_t *p = pg->p;
  json_t *resp = json_object();
  json_object_set_new(resp, "host", json_string(pg->host));
  json_object_set_new(resp, "port", json_integer(pg->port));
  json_object_set_new(resp, "valid", json_boolean(g != NULL));
  if (g) {
    json_object_set_new(resp, "version", json_string(g->version));
    json_object_set_new(resp, "extradata", json_incref(g->extra));
  }
  p->h->call_reply(pg->call, resp);
  if (pg->conn)
    pg->conn->transport->close(pg->conn, 0, 0);
  pinger_free(pg);
}

static void pg_open(mn_tp_conn_t *conn) {
  pinger_t *pg = conn->data;
  uint8_t zero = 0;
  mn_buf_t b = {0};
  mn_buf_put_data(&b, &zero, 1); /* the reference pings with 0x00 */
  mn_frame_t *f = p2p_frame(MN_P2P_MSG_SINGLE_PING, &b);
  if (f) {
    conn->transport->send(conn, f);
    mn_frame_unref(f);
  }
  (void)pg;
}

static void pg_frame(mn_tp_conn_t *conn, mn_frame_t *f) {
  pinger_t *pg = conn->data;
  if (f->len < 1 || f->data[0] != MN_P2P_MSG_SINGLE_PONG)
    return; /* a greeting or anything else first: wait for the pong */
  p2p_greeting_t g;
  if (p2p_greeting_decode(pg->p->h->num, f->data + 1, f->len - 1, &g)) {
    pinger_done(pg, NULL);
    return;
  }
  pinger_done(pg, &g);
  p2p_greeting_free(&g);
}

static void pg_closed(mn_tp_conn_t *conn, int reason) {
  pinger_t *pg = conn->data;
  pg->conn = NULL;
  pinger_done(pg, NULL);
}

static const mn_tp_handler_t pinger_handler = {sizeof(mn_tp_handler_t), pg_open,
                                               pg_frame, NULL, pg_closed};

static void pg_timeout(mn_timer_t *t, void *data) {
  pinger_t *pg = data;
  pg->p->h->timer_stop(t);
  pg->timer = NULL;
  pinger_done(pg, NULL);
}

static int cmd_ping(mn_call_t *call, json_t *params, void *data) {
  p2p_t *p = data;
  const mn_host_t *h = p->h;
  const char *host = h->call_param(call, "host");
  char addr[MN_TP_ADDR_MAX];
  if (!host || p2p_normalize_addr(host, addr, sizeof addr)) {
    h->call_error(call, "Invalid host: give ip:port");
    return 0;
  }
  const mn_transport_t *tp;
  if (mn_tp_lookup(h, p->self, addr, &tp)) {
    h->call_error(call, "No loaded transport serves %s", addr);
    return 0;
  }
  pinger_t *pg = calloc(1, sizeof *pg);
  if (!pg)
    return MN_ENOMEM;
  pg->p = p;
  pg->call = call;
  const char *hp = strstr(addr, "://") + 3;
  const char *colon = strrchr(hp, ':');
  size_t hl = colon ? (size_t)(colon - hp) : strlen(hp);
  snprintf(pg->host, sizeof pg->host, "%.*s", (int)hl, hp);
  pg->port = colon ? atoi(colon + 1) : 0;
  pg->next = p->pingers;
  if (p->pingers)
    p->pingers->prev = pg;
  p->pingers = pg;
  mn_tp_opts_t o = {.size = sizeof o, .max_frame = 1u << 20};
  int err = tp->dial(tp, addr, &o, &pinger_handler, pg, &pg->conn);
  if (err) {
    pg->conn = NULL;
    pinger_done(pg, NULL);
    return 0;
  }
  pg->timer = h->timer_start(p->self, 20000, 0, pg_timeout, pg);
  return 0;
}

/* At stop the kernel has already answered waiting calls. */
void p2p_pingers_close(p2p_t *p) {
  while (p->pingers) {
    pinger_t *pg = p->pingers;
    if (pg->conn)
      pg->conn->transport->close(pg->conn, 0, 0);
    pinger_free(pg);
  }
}

/* ---- registration
 * ------------------------------------------------------------- */

static const mn_cmd_param_t network_params[] = {
    {"action", MN_PARAM_STRING, 0, "list (default), reset or recalculateip"},
    {"uid", MN_PARAM_STRING, 0, "list: only this connection"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t peers_params[] = {
    {"action", MN_PARAM_STRING, 0, "list (default) or addpeers"},
    {"peerslist", MN_PARAM_STRING, 0, "addpeers: ip:port,ip:port,..."},
    {"max", MN_PARAM_NUMBER, 0, "list: at most this many (default 1000)"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t host_params[] = {
    {"host", MN_PARAM_STRING, MN_PARAM_REQUIRED,
     "ip:port, or a transport address (tcp://..., mem://...)"},
    {NULL, 0, 0, NULL}};

static const mn_cmd_param_t uid_params[] = {
    {"uid", MN_PARAM_STRING, MN_PARAM_REQUIRED,
     "a connection's uid (see network), or all"},
    {NULL, 0, 0, NULL}};

static const mn_command_def_t commands[] = {
    {"network",
     "(action:list|reset|recalculateip) (uid:) - Show network "
     "status and connections",
     "network\n\nShow the node's connections and network details: listening "
     "addresses, known peers, banned addresses, traffic.\n\naction: "
     "(optional)\n    list : the connections and details (default).\n    "
     "reset : restart the traffic counters.\n    recalculateip : show the "
     "address peers see for this node.\n\nuid: (optional)\n    list only "
     "this connection.\n\nExamples:\n\nnetwork\n\nnetwork action:reset\n",
     network_params, 0, cmd_network},
    {"peers",
     "(action:list|addpeers) (peerslist:) - Prints the peers list "
     "this node has",
     "peers\n\nPrints the peers list this node has (the other Minima nodes "
     "it knows about), or adds to it.\n\naction: (optional)\n    list : "
     "list your peers (default).\n    addpeers : add a list of new peers."
     "\n\npeerslist: (optional)\n    CSV list of new peers "
     "[ip:port,ip:port,..]\n\nmax: (optional)\n    list at most this many."
     "\n\nExamples:\n\npeers\n\npeers action:addpeers "
     "peerslist:31.125.188.214:9001,94.0.239.117:9001\n",
     peers_params, MN_CMD_WRITE, cmd_peers},
    {"connect", "[host:ip:port] - Connect to a network Minima instance",
     "connect\n\nConnect to a network Minima instance, to join the main "
     "network or to make a private test network.  The node reconnects when "
     "the connection drops after a valid greeting.\n\nhost:\n    The "
     "ip:port of the node to connect to, or a transport address such as "
     "tcp://1.2.3.4:9001 or mem://node2.\n\nExamples:\n\nconnect "
     "host:94.0.239.117:9001\n",
     host_params, MN_CMD_WRITE, cmd_connect},
    {"disconnect",
     "[uid:uid] - Disconnect from a connected or connecting "
     "host",
     "disconnect\n\nDisconnect from a connected or connecting host.\n\nuid:"
     "\n    Use 'all' to disconnect from all hosts or enter the uid of the "
     "host to disconnect from.\n    uid can be found from the 'network' "
     "command.\n\nExamples:\n\ndisconnect uid:CVNPMLPO\n\ndisconnect "
     "uid:all\n",
     uid_params, MN_CMD_WRITE, cmd_disconnect},
    {"ping", "[host:] - Ping a host and get back Minima Node info",
     "ping\n\nPing a host and get back Minima Node info: its version and "
     "the extra data of its reply (tip, connections, peers).\n\nhost:\n    "
     "ip:port of the node.\n\nExamples:\n\nping host:127.0.0.1:9001\n",
     host_params, 0, cmd_ping},
};

int p2p_commands_register(p2p_t *p) {
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
    int err = p->h->command_register(p->self, &commands[i], p);
    if (err)
      return err;
  }
  return 0;
}
