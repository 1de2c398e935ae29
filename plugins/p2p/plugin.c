/*
 * p2p - the Minima node protocol (spec/p2p.md) over any loaded transport:
 * greetings and version checks, TxPoW flood-fill, pulses and pings, IBD
 * sync through the chain service, peer discovery, limits and bans, the
 * network commands, and the "p2p" service through which other plugins
 * (Maxima) carry their own message types.  docs/p2p.md is the manual.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p.h"

static p2p_t *of(const mn_p2p_t *s) {
  return (p2p_t *)s;
}

/* ---- events
 * ------------------------------------------------------------------ */

void p2p_publish_peer(p2p_t *p, peer_t *peer, bool closed, int reason,
                      bool banned, const char *why) {
  mn_topic_t *t = closed ? p->t_closed : p->t_connected;
  if (!t || !p->h->has_subscribers(t))
    return;
  mn_p2p_peer_event_t *e = calloc(1, sizeof *e);
  if (!e)
    return;
  e->size = sizeof *e;
  e->id = peer->id;
  snprintf(e->uid, sizeof e->uid, "%s", peer->uid);
  snprintf(e->addr, sizeof e->addr, "%s", peer->addr);
  snprintf(e->version, sizeof e->version, "%.63s", peer->version);
  e->incoming = peer->incoming;
  e->valid = peer->greeted;
  e->banned = banned;
  e->reason = reason;
  snprintf(e->why, sizeof e->why, "%s", why ? why : "");
  p->h->publish(p->self, t, e, sizeof *e, free);
}

/* ---- the service
 * --------------------------------------------------------------- */

static bool own_type(uint8_t type) {
  return type <= MN_P2P_MSG_PING ||
         (type >= MN_P2P_MSG_SINGLE_PING && type <= MN_P2P_MSG_TXBLOCKMINE);
}

static int s_handle(const mn_p2p_t *s, uint8_t type, mn_p2p_msg_fn fn,
                    void *data) {
  p2p_t *p = of(s);
  if (!fn)
    return MN_EINVAL;
  if (own_type(type))
    return MN_EBUSY;
  if (p->handlers[type].fn)
    return MN_EEXIST;
  p->handlers[type] = (handler_t){fn, data};
  return 0;
}

static void s_unhandle(const mn_p2p_t *s, uint8_t type) {
  of(s)->handlers[type] = (handler_t){NULL, NULL};
}

static int s_send(const mn_p2p_t *s, uint64_t id, uint8_t type,
                  const void *payload, size_t len) {
  p2p_t *p = of(s);
  peer_t *peer = p2p_peer_by_id(p, id);
  if (!peer || peer->dead)
    return MN_ENOENT;
  if (len + 1 > p->max_frame)
    return MN_ETOOBIG;
  mn_frame_t *f = p2p_frame_copy(type, payload, len);
  int err = p2p_send(peer, f);
  mn_frame_unref(f);
  return err;
}

static size_t s_broadcast(const mn_p2p_t *s, uint8_t type, const void *payload,
                          size_t len, uint64_t except) {
  p2p_t *p = of(s);
  if (len + 1 > p->max_frame)
    return 0;
  mn_frame_t *f = p2p_frame_copy(type, payload, len);
  if (!f)
    return 0;
  size_t n = 0;
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    if (peer->greeted && peer->id != except && p2p_send(peer, f) == 0)
      n++;
  mn_frame_unref(f);
  return n;
}

static size_t s_peers(const mn_p2p_t *s, mn_p2p_peer_info_t *out, size_t cap) {
  p2p_t *p = of(s);
  size_t i = 0;
  for (peer_t *peer = p->peers; peer; peer = peer->next, i++) {
    if (i >= cap || !out)
      continue;
    mn_p2p_peer_info_t info = {.size = sizeof info};
    info.id = peer->id;
    snprintf(info.uid, sizeof info.uid, "%s", peer->uid);
    snprintf(info.addr, sizeof info.addr, "%s", peer->addr);
    snprintf(info.version, sizeof info.version, "%.63s", peer->version);
    info.incoming = peer->incoming;
    info.valid = peer->greeted;
    info.top = peer->top;
    info.connected_ms = p->h->now_ms() - (p2p_now(p) - peer->connected_ms);
    uint32_t size = out[i].size < sizeof info ? out[i].size : sizeof info;
    memcpy(&out[i], &info, size);
    out[i].size = size;
  }
  return p->npeers;
}

static int s_disconnect(const mn_p2p_t *s, uint64_t id, bool ban) {
  peer_t *peer = p2p_peer_by_id(of(s), id);
  if (!peer || peer->dead)
    return MN_ENOENT;
  p2p_close(peer, MN_ECANCELED, true, ban,
            ban ? "banned by another plugin" : "closed by another plugin");
  return 0;
}

/* ---- lifecycle
 * ----------------------------------------------------------------- */

static int p2p_init(mn_plugin_t *self, const mn_host_t *h, void **state) {
  p2p_t *p = calloc(1, sizeof *p);
  if (!p)
    return MN_ENOMEM;
  p->reqs = calloc(P2P_REQS, sizeof *p->reqs);
  if (!p->reqs) {
    free(p);
    return MN_ENOMEM;
  }
  p->self = self;
  p->h = h;
  const char *network = h->cfg_string(self, "network");
  if (strcmp(network, "main") && strcmp(network, "test") &&
      strcmp(network, "dev")) {
    h->log(self, MN_LOG_ERROR,
           "p2p.network = \"%s\": use main, test or dev (the consensus "
           "plugin's network)",
           network);
    free(p->reqs);
    free(p);
    return MN_ECONFIG;
  }
  p->test = strcmp(network, "main") != 0;
  snprintf(p->version, sizeof p->version, "%s%s", P2P_VERSION,
           p->test ? "-TEST" : "");
  snprintf(p->welcome, sizeof p->welcome, "%s", h->cfg_string(self, "welcome"));
  snprintf(p->public_host, sizeof p->public_host, "%s",
           h->cfg_string(self, "host"));
  p->host_set = *p->public_host != '\0';
  p->discovery = h->cfg_bool(self, "discovery");
  p->allow_private = h->cfg_bool(self, "allow_private");
  p->max_peers = (uint32_t)h->cfg_int(self, "max_peers");
  p->max_inbound = (uint32_t)h->cfg_int(self, "max_inbound");
  p->target_out = (uint32_t)h->cfg_int(self, "target_outbound");
  p->ping_ms = (uint64_t)h->cfg_int(self, "ping_ms");
  p->pulse_ms = (uint64_t)h->cfg_int(self, "pulse_ms");
  p->idle_ms = (uint64_t)h->cfg_int(self, "idle_timeout_ms");
  p->reconnect_ms = (uint64_t)h->cfg_int(self, "reconnect_ms");
  p->ban_ms = (uint64_t)h->cfg_int(self, "ban_ms");
  p->ban_score = (int)h->cfg_int(self, "ban_score");
  p->max_frame = (uint32_t)h->cfg_int(self, "max_frame_mb") << 20;
  p->msg_rate = (double)h->cfg_int(self, "msg_rate");
  p->iface = (mn_p2p_t){
      .size = sizeof(mn_p2p_t),
      .handle = s_handle,
      .unhandle = s_unhandle,
      .send = s_send,
      .broadcast = s_broadcast,
      .peers = s_peers,
      .disconnect = s_disconnect,
  };
  int err = h->service_register(self, MN_P2P_SERVICE, MN_P2P_SERVICE_VERSION,
                                &p->iface);
  if (!err)
    err = h->topic_declare(self, MN_P2P_TOPIC_CONNECTED, MN_P2P_EVENT_VERSION);
  if (!err)
    err = h->topic_declare(self, MN_P2P_TOPIC_CLOSED, MN_P2P_EVENT_VERSION);
  if (!err)
    err = p2p_commands_register(p);
  if (!err)
    err = h->db_open(self, "peers", 0, &p->db);
  if (err) {
    free(p->reqs);
    free(p);
    return err;
  }
  p->t_connected = h->topic(self, MN_P2P_TOPIC_CONNECTED);
  p->t_closed = h->topic(self, MN_P2P_TOPIC_CLOSED);
  *state = p;
  return 0;
}

static int p2p_start(void *state) {
  p2p_t *p = state;
  const mn_host_t *h = p->h;
  p->start_ms = p->traffic_from_ms = p2p_now(p);
  uint8_t r[8] = {0};
  p->h->crypto->random(r, sizeof r);
  for (size_t i = 0; i < sizeof r; i++)
    snprintf(p->node_id + 2 * i, 3, "%02x", r[i]);
  p->last_ping_ms = p->last_pulse_ms = p->last_save_ms = p->start_ms;
  p->chain =
      h->service_lookup(p->self, MN_CHAIN_SERVICE, MN_CHAIN_SERVICE_VERSION);
  if (!p->chain)
    h->log(p->self, MN_LOG_WARN,
           "no chain service: peers get no TxPoWs or IBDs from this node");
  else {
    p->s_accepted = h->subscribe(p->self, MN_CHAIN_TOPIC_TXPOW_ACCEPTED,
                                 p2p_on_chain_accepted, p);
    p->s_need =
        h->subscribe(p->self, MN_CHAIN_TOPIC_NEED, p2p_on_chain_need, p);
    p->s_tip = h->subscribe(p->self, MN_CHAIN_TOPIC_TIP, p2p_on_chain_tip, p);
  }
  size_t n = 0;
  const char *const *listen = h->cfg_strings(p->self, "listen", &n);
  int err;
  if (n > 0) {
    err = p2p_listen_all(p, listen, n);
  } else {
    char def[64];
    snprintf(def, sizeof def, "tcp://0.0.0.0:%d", h->base_port(p->self));
    const char *one[] = {def};
    err = p2p_listen_all(p, one, 1);
  }
  if (err)
    return err;
  p2p_known_load(p);
  const char *const *connect = h->cfg_strings(p->self, "connect", &n);
  for (size_t i = 0; i < n; i++) {
    char addr[MN_TP_ADDR_MAX];
    if (p2p_normalize_addr(connect[i], addr, sizeof addr)) {
      h->log(p->self, MN_LOG_ERROR,
             "p2p.connect: \"%s\" is not ip:port or a transport address",
             connect[i]);
      return MN_ECONFIG;
    }
    p2p_target_add(p, addr, true);
  }
  p2p_targets_tick(p); /* dial the configured peers now */
  p->tick = h->timer_start(p->self, 1000, 1000, p2p_tick, p);
  return p->tick ? 0 : MN_ENOMEM;
}

static void p2p_stop(void *state) {
  p2p_t *p = state;
  const mn_host_t *h = p->h;
  p->stopping = true;
  p2p_ops_cancel_all(p);
  p2p_pingers_close(p);
  p2p_close_all(p);
  for (size_t i = 0; i < p->nlisteners; i++)
    p->listeners[i].tp->listener_close(p->listeners[i].l);
  p->nlisteners = 0;
  p2p_known_save(p);
  if (p->tick)
    h->timer_stop(p->tick);
  p->tick = NULL;
  if (p->s_accepted)
    h->unsubscribe(p->s_accepted);
  if (p->s_need)
    h->unsubscribe(p->s_need);
  if (p->s_tip)
    h->unsubscribe(p->s_tip);
  p->s_accepted = p->s_need = p->s_tip = NULL;
  p2p_free_zombies(p);
}

static void p2p_fini(void *state) {
  p2p_t *p = state;
  p2p_free_zombies(p);
  free(p->targets);
  free(p->known);
  free(p->bans);
  free(p->reqs);
  free(p);
}

static const mn_cfg_key_t p2p_config[] = {
    {"network", MN_CFG_STRING, "main", 0, 0,
     "main, test or dev: must match [consensus] network (test and dev send "
     "the -TEST version and accept only -TEST peers)"},
    {"listen", MN_CFG_STRINGS, "", 0, 0,
     "addresses to listen on (tcp://host:port, mem://name); empty: "
     "tcp://0.0.0.0:<node port>"},
    {"connect", MN_CFG_STRINGS, "", 0, 0,
     "peers to dial at start and keep connected (ip:port or a transport "
     "address)"},
    {"max_peers", MN_CFG_INT, "64", 1, 100000, "connections at most"},
    {"max_inbound", MN_CFG_INT, "48", 0, 100000,
     "accepted connections at most"},
    {"target_outbound", MN_CFG_INT, "5", 0, 1000,
     "discovery dials known peers until this many outgoing connections"},
    {"discovery", MN_CFG_BOOL, "true", 0, 0,
     "exchange known peers (P2P 1.1 greetings) and dial them"},
    {"allow_private", MN_CFG_BOOL, "false", 0, 0,
     "accept loopback and private addresses learned from peers"},
    {"host", MN_CFG_STRING, "", 0, 0,
     "this node's public host, sent in greetings; empty: learned from "
     "peers"},
    {"welcome", MN_CFG_STRING, "minima-c", 0, 0,
     "the welcome text of our greeting"},
    {"ping_ms", MN_CFG_INT, "180000", 1000, 86400000,
     "period of the PING keep-alive"},
    {"pulse_ms", MN_CFG_INT, "600000", 1000, 86400000,
     "period of the PULSE (our last 512 block ids)"},
    {"idle_timeout_ms", MN_CFG_INT, "600000", 5000, 86400000,
     "close a connection that sent nothing for this long"},
    {"reconnect_ms", MN_CFG_INT, "30000", 100, 86400000,
     "first retry delay for peers we dial (doubling to 10 minutes)"},
    {"ban_ms", MN_CFG_INT, "1800000", 0, 604800000,
     "how long a banned address is refused"},
    {"ban_score", MN_CFG_INT, "100", 1, 1000000,
     "misbehaviour score at which an address is banned"},
    {"max_frame_mb", MN_CFG_INT, "64", 1, 256,
     "largest message accepted or sent, in MiB (the protocol allows 256)"},
    {"msg_rate", MN_CFG_INT, "2000", 1, 10000000,
     "messages per second read from one peer (bursts of five seconds)"},
    {NULL, 0, NULL, 0, 0, NULL}};

static const mn_dep_t p2p_requires[] = {
    {MN_CHAIN_SERVICE, MN_CHAIN_SERVICE_VERSION, MN_DEP_OPTIONAL},
    {MN_TRANSPORT_SERVICE_PREFIX "tcp", MN_TRANSPORT_SERVICE_VERSION,
     MN_DEP_OPTIONAL},
    {MN_TRANSPORT_SERVICE_PREFIX "mem", MN_TRANSPORT_SERVICE_VERSION,
     MN_DEP_OPTIONAL},
    {NULL, 0, 0}};

static const mn_dep_t p2p_provides[] = {
    {MN_P2P_SERVICE, MN_P2P_SERVICE_VERSION, 0}, {NULL, 0, 0}};

static const mn_plugin_desc_t p2p_desc = {
    MN_PLUGIN_HEAD,
    .name = "p2p",
    .version = "1.0.0",
    .role = "network",
    .description = "the Minima node protocol over any transport: flood-fill, "
                   "sync, discovery",
    .config = p2p_config,
    .requires = p2p_requires,
    .provides = p2p_provides,
    .init = p2p_init,
    .start = p2p_start,
    .stop = p2p_stop,
    .fini = p2p_fini,
};

MN_PLUGIN_DEFINE(p2p_desc)
