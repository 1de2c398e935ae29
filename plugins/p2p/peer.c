/*
 * peer.c - connections: listening, dialling, the greeting handshake
 * (spec/p2p.md §3), dispatch of every message type, message budgets, ban
 * scores, and the one-second tick that drives the timers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p.h"

uint64_t p2p_now(p2p_t *p) {
  return p->h->mono_ms();
}

static void on_open(mn_tp_conn_t *conn);
static void on_frame(mn_tp_conn_t *conn, mn_frame_t *f);
static void on_closed(mn_tp_conn_t *conn, int reason);

static const mn_tp_handler_t peer_handler = {sizeof(mn_tp_handler_t), on_open,
                                             on_frame, NULL, on_closed};

static mn_tp_opts_t conn_opts(p2p_t *p) {
  mn_tp_opts_t o = {.size = sizeof o, .max_frame = p->max_frame};
  /* the transport's own cap on accepted connections sits above ours, so
   * we can still close extra ones politely */
  o.max_conns = p->max_inbound + 16;
  return o;
}

/* ---- peers ------------------------------------------------------------------
 */

static void make_uid(p2p_t *p, char *out) {
  static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
  uint8_t r[8];
  if (p->h->crypto->random(r, sizeof r) != 0)
    for (int i = 0; i < 8; i++)
      r[i] = (uint8_t)(p->next_id * 7 + (uint64_t)i * 13);
  for (int i = 0; i < 8; i++)
    out[i] = digits[r[i] & 31];
  out[8] = '\0';
}

/* The host part of a transport address ("1.2.3.4" of tcp://1.2.3.4:5,
 * "[::1]" stays bracketed, the whole address for other schemes). */
static void host_of(const char *addr, char *out, size_t cap) {
  const char *h = addr;
  size_t n = strlen(addr);
  if (strncmp(addr, "tcp://", 6) == 0) {
    h = addr + 6;
    const char *colon = strrchr(h, ':');
    n = colon ? (size_t)(colon - h) : strlen(h);
  }
  if (n >= cap)
    n = cap - 1;
  memcpy(out, h, n);
  out[n] = '\0';
}

static peer_t *peer_new(p2p_t *p, const mn_transport_t *tp, bool incoming) {
  peer_t *peer = calloc(1, sizeof *peer);
  if (!peer)
    return NULL;
  peer->p = p;
  peer->id = ++p->next_id;
  make_uid(p, peer->uid);
  peer->tp = tp;
  peer->incoming = incoming;
  peer->top = -1;
  peer->connected_ms = p2p_now(p);
  peer->last_read_ms = peer->connected_ms;
  peer->tokens = p->msg_rate * 5;
  peer->next = p->peers;
  if (p->peers)
    p->peers->prev = peer;
  p->peers = peer;
  p->npeers++;
  return peer;
}

static void peer_unlink(p2p_t *p, peer_t *peer) {
  if (peer->prev)
    peer->prev->next = peer->next;
  else
    p->peers = peer->next;
  if (peer->next)
    peer->next->prev = peer->prev;
  peer->prev = NULL;
  peer->next = p->zombies;
  p->zombies = peer;
  p->npeers--;
}

void p2p_free_zombies(p2p_t *p) {
  while (p->zombies) {
    peer_t *z = p->zombies;
    p->zombies = z->next;
    json_decref(z->extra);
    free(z);
  }
}

peer_t *p2p_peer_by_id(p2p_t *p, uint64_t id) {
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    if (peer->id == id)
      return peer;
  return NULL;
}

peer_t *p2p_peer_by_uid(p2p_t *p, const char *uid) {
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    if (strcmp(peer->uid, uid) == 0)
      return peer;
  return NULL;
}

static size_t count_incoming(p2p_t *p) {
  size_t n = 0;
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    n += peer->incoming;
  return n;
}

/* ---- sending
 * ----------------------------------------------------------------- */

int p2p_send(peer_t *peer, mn_frame_t *f) {
  if (!f)
    return MN_ENOMEM;
  if (peer->dead || !peer->conn)
    return MN_ECLOSED;
  int err = peer->tp->send(peer->conn, f);
  if (err == 0) {
    peer->frames_out++;
    peer->bytes_out += f->len;
    peer->p->bytes_out += f->len;
  } else if (err == MN_EAGAIN) {
    peer->drops++;
  }
  return err;
}

int p2p_send_msg(peer_t *peer, uint8_t type, mn_buf_t *payload) {
  mn_frame_t *f = p2p_frame(type, payload);
  if (!f)
    return MN_ENOMEM;
  int err = p2p_send(peer, f);
  mn_frame_unref(f);
  return err;
}

/* ---- closing
 * ------------------------------------------------------------------- */

static void finish(peer_t *peer, int reason, bool ban, const char *why) {
  p2p_t *p = peer->p;
  char key[MN_TP_ADDR_MAX];
  p2p_ban_key(peer, key, sizeof key);
  if (ban)
    p2p_ban(p, key, why);
  bool banned = p2p_banned(p, key);
  p->h->log(p->self, peer->greeted ? MN_LOG_INFO : MN_LOG_DEBUG,
            "peer %s %s closed: %s%s", peer->uid, peer->addr,
            why && *why ? why : mn_strerror(reason), banned ? " (banned)" : "");
  peer_unlink(p, peer);
  p2p_reqs_forget_peer(p, peer->id);
  p2p_target_closed(p, peer->id, peer->greeted);
  p2p_publish_peer(p, peer, true, reason, banned, why);
  peer->conn = NULL;
}

void p2p_close(peer_t *peer, int reason, bool flush, bool ban,
               const char *why) {
  if (peer->dead)
    return;
  peer->dead = true;
  if (peer->conn)
    peer->tp->close(peer->conn, reason, flush ? MN_TP_FLUSH : 0);
  finish(peer, reason, ban, why);
}

void p2p_close_all(p2p_t *p) {
  while (p->peers)
    p2p_close(p->peers, MN_ECANCELED, false, false, "the node is stopping");
}

bool p2p_penalize(peer_t *peer, int score, const char *why) {
  if (peer->dead)
    return true;
  char key[MN_TP_ADDR_MAX];
  p2p_ban_key(peer, key, sizeof key);
  peer->p->h->log(peer->p->self, MN_LOG_WARN, "peer %s %s: %s (score +%d)",
                  peer->uid, peer->addr, why, score);
  if (!p2p_score(peer->p, key, score, why))
    return false;
  p2p_close(peer, MN_EINVALID, false, false, why);
  return true;
}

/* ---- transport events
 * ---------------------------------------------------------- */

static void on_open(mn_tp_conn_t *conn) {
  peer_t *peer;
  if (conn->flags & MN_TP_INCOMING) {
    listener_t *l = conn->data;
    p2p_t *p = l->p;
    if (p->stopping || count_incoming(p) >= p->max_inbound ||
        p->npeers >= p->max_peers) {
      p->h->log(p->self, MN_LOG_DEBUG, "refusing %s: %zu peers already",
                conn->transport->peer_addr(conn), p->npeers);
      conn->transport->close(conn, MN_EBUSY, 0);
      return;
    }
    peer = peer_new(p, conn->transport, true);
    if (!peer) {
      conn->transport->close(conn, MN_ENOMEM, 0);
      return;
    }
    peer->conn = conn;
    conn->data = peer;
    snprintf(peer->addr, sizeof peer->addr, "%s",
             conn->transport->peer_addr(conn));
    host_of(peer->addr, peer->host, sizeof peer->host);
    char key[MN_TP_ADDR_MAX];
    p2p_ban_key(peer, key, sizeof key);
    if (p2p_banned(p, key)) {
      p2p_close(peer, MN_EACCES, false, false, "its address is banned");
      return;
    }
    p->h->log(p->self, MN_LOG_DEBUG, "peer %s connected from %s", peer->uid,
              peer->addr);
  } else {
    peer = conn->data;
    snprintf(peer->addr, sizeof peer->addr, "%s",
             conn->transport->peer_addr(conn));
    host_of(peer->addr, peer->host, sizeof peer->host);
    p2p_t *p = peer->p;
    p->h->log(p->self, MN_LOG_DEBUG, "peer %s connected to %s", peer->uid,
              peer->addr);
    /* the connector greets first (spec/p2p.md §3) */
    mn_frame_t *f = p2p_make_greeting(p, false);
    if (p2p_send(peer, f) == 0)
      peer->sent_greeting = true;
    mn_frame_unref(f);
  }
  peer->open = true;
}

static void on_closed(mn_tp_conn_t *conn, int reason) {
  peer_t *peer = conn->data;
  if (!peer || peer->dead)
    return;
  peer->dead = true;
  peer->conn = NULL;
  bool ban = reason == MN_ETOOBIG;
  const char *why = reason == MN_ETOOBIG ? "it sent a frame over the limit"
                    : !peer->open        ? "the connection failed"
                                         : "";
  finish(peer, reason, ban, why);
}

/* ---- the greeting
 * --------------------------------------------------------------- */

static json_t *connections_json(p2p_t *p) {
  size_t in = count_incoming(p);
  return json_pack("{s:I,s:I,s:I}", "total", (json_int_t)p->npeers, "incoming",
                   (json_int_t)in, "outgoing", (json_int_t)(p->npeers - in));
}

mn_frame_t *p2p_make_greeting(p2p_t *p, bool single_pong) {
  const mn_host_t *h = p->h;
  json_t *extra = json_object();
  int64_t top = -1;
  mn_buf_t ids = {0};
  if (single_pong) {
    /* the reference's SINGLE_PONG (spec/p2p.md §3) */
    json_object_set_new(extra, "welcome", json_string("hi there!"));
    mn_chain_tip_t tip = {.size = sizeof tip};
    char hex[2 + 64 + 1] = "0x00";
    char hex50[2 + 64 + 1] = "0x00";
    char num[32] = "0", num50[32] = "0";
    if (p->chain && p->chain->tip(p->chain, &tip) == 0 && tip.number >= 0) {
      h->obj->data_to_0x(tip.txpowid, 32, hex, sizeof hex);
      snprintf(num, sizeof num, "%lld", (long long)tip.number);
      int64_t back = tip.number - 100 < tip.root ? tip.root : tip.number - 100;
      mn_txblock_t *b = NULL;
      if (p->chain->block_by_number(p->chain, back, &b) == 0) {
        h->obj->data_to_0x(b->txpow.txpowid, 32, hex50, sizeof hex50);
        snprintf(num50, sizeof num50, "%lld", (long long)back);
        h->obj->free(b);
      }
    }
    json_object_set_new(extra, "topblock", json_string(num));
    json_object_set_new(extra, "tophash", json_string(hex));
    json_object_set_new(extra, "50block", json_string(num50));
    json_object_set_new(extra, "50hash", json_string(hex50));
    json_object_set_new(extra, "connections", connections_json(p));
    json_t *list = json_array();
    for (size_t i = 0; i < p->nknown && i < 50; i++)
      if (strncmp(p->known[i].addr, "tcp://", 6) == 0)
        json_array_append_new(list, json_string(p->known[i].addr + 6));
    json_object_set_new(extra, "peers-list", list);
    json_object_set_new(extra, "clients", json_integer(0));
    top = 0;
  } else {
    json_object_set_new(extra, "welcome", json_string(p->welcome));
    json_object_set_new(extra, "nodeid", json_string(p->node_id));
    if (*p->public_host)
      json_object_set_new(extra, "host", json_string(p->public_host));
    if (p->listen_port) {
      char port[16];
      snprintf(port, sizeof port, "%d", p->listen_port);
      json_object_set_new(extra, "port", json_string(port));
    }
    /* our listening addresses on schemes without a host:port form */
    json_t *addrs = json_array();
    for (size_t i = 0; i < p->nlisteners; i++)
      if (strncmp(p->listeners[i].addr, "tcp://", 6) != 0)
        json_array_append_new(addrs, json_string(p->listeners[i].addr));
    if (json_array_size(addrs))
      json_object_set_new(extra, "p2p", addrs);
    else
      json_decref(addrs);
    if (p->chain && p->chain->tree_ids(p->chain, &top, &ids) != 0) {
      mn_buf_free(&ids);
      top = -1;
    }
  }
  mn_buf_t out = {0};
  p2p_greeting_encode(h->num, p->version, extra, top, ids.data, ids.len / 32,
                      &out);
  json_decref(extra);
  mn_buf_free(&ids);
  return p2p_frame(single_pong ? MN_P2P_MSG_SINGLE_PONG : MN_P2P_MSG_GREETING,
                   &out);
}

static int extra_port(json_t *v) {
  if (json_is_integer(v))
    return (int)json_integer_value(v);
  if (json_is_string(v))
    return atoi(json_string_value(v));
  return 0;
}

/* For TCP, whether both connections really come from one IP (what a
 * greeting claims does not count); other schemes cannot tell. */
static bool same_tcp_host(const peer_t *a, const peer_t *b) {
  if (strncmp(a->addr, "tcp://", 6) != 0)
    return true;
  char ha[MN_TP_ADDR_MAX], hb[MN_TP_ADDR_MAX];
  host_of(a->addr, ha, sizeof ha);
  host_of(b->addr, hb, sizeof hb);
  return strcmp(ha, hb) == 0;
}

/* Two nodes that dial each other at the same moment end up with two
 * connections.  Both sides keep the one dialled by the node with the
 * smaller node id and close the other, so they agree without a word; a
 * target whose connection goes follows the one kept, so it does not
 * redial.  A connection to ourselves closes.  True when peer was closed. */
static bool drop_duplicate(peer_t *peer) {
  p2p_t *p = peer->p;
  json_t *id = json_object_get(peer->extra, "nodeid");
  if (!json_is_string(id))
    return false; /* nodes without ids (the reference) are not matched */
  const char *theirs = json_string_value(id);
  int cmp = strcmp(p->node_id, theirs);
  if (cmp == 0) {
    p2p_close(peer, MN_EINVAL, false, false, "it is this node");
    return true;
  }
  for (peer_t *o = p->peers; o; o = o->next) {
    json_t *oid = json_object_get(o->extra, "nodeid");
    if (o == peer || o->dead || !o->greeted || o->incoming == peer->incoming ||
        !json_is_string(oid) || strcmp(json_string_value(oid), theirs) != 0)
      continue;
    if (!same_tcp_host(peer, o))
      continue; /* an id copied by a third party evicts nothing */
    bool keep_outgoing = cmp < 0;
    peer_t *drop = peer->incoming == keep_outgoing ? peer : o;
    peer_t *keep = drop == peer ? o : peer;
    target_t *t = p2p_target_of_peer(p, drop->id);
    if (t)
      t->peer = keep->id;
    p2p_close(drop, 0, false, false, "a second connection to the same node");
    return drop == peer;
  }
  return false;
}

static void on_greeting(peer_t *peer, const uint8_t *payload, size_t len) {
  p2p_t *p = peer->p;
  if (peer->greeted)
    return; /* once per connection */
  p2p_greeting_t g;
  int err = p2p_greeting_decode(p->h->num, payload, len, &g);
  if (err) {
    p2p_penalize(peer, p->ban_score, "it sent a malformed greeting");
    return;
  }
  snprintf(peer->version, sizeof peer->version, "%s", g.version);
  /* what it says of itself first: a ban for its version is keyed by the
   * port it listens on */
  json_t *host = json_object_get(g.extra, "host");
  if (json_is_string(host) && json_string_length(host) < sizeof peer->host)
    snprintf(peer->host, sizeof peer->host, "%s", json_string_value(host));
  peer->minima_port = extra_port(json_object_get(g.extra, "port"));
  if (peer->minima_port < 0 || peer->minima_port > 65535)
    peer->minima_port = 0;
  json_t *welcome = json_object_get(g.extra, "welcome");
  snprintf(peer->welcome, sizeof peer->welcome, "%s",
           json_is_string(welcome) ? json_string_value(welcome) : "");
  peer->extra = json_incref(g.extra);
  peer->top = g.top > P2P_TOP_MAX ? -1 : g.top;
  p2p_peer_listen_addr(peer);
  if (!p2p_version_ok(g.version, p->test)) {
    char why[96];
    snprintf(why, sizeof why, "incompatible version %.40s (we are %.20s)",
             g.version, p->version);
    if (peer->incoming && !peer->sent_greeting) {
      /* greet back so they see why, then leave */
      mn_frame_t *f = p2p_make_greeting(p, false);
      p2p_send(peer, f);
      mn_frame_unref(f);
      peer->sent_greeting = true;
      p2p_close(peer, MN_EVERSION, true, true, why);
    } else {
      p2p_close(peer, MN_EVERSION, false, true, why);
    }
    p2p_greeting_free(&g);
    return;
  }
  char key[MN_TP_ADDR_MAX];
  p2p_ban_key(peer, key, sizeof key);
  if (p2p_banned(p, key)) {
    p2p_close(peer, MN_EACCES, false, false, "its address is banned");
    p2p_greeting_free(&g);
    return;
  }
  peer->greeted = true;
  peer->greeted_ms = p2p_now(p);
  if (peer->incoming && !peer->sent_greeting) {
    mn_frame_t *f = p2p_make_greeting(p, false);
    if (p2p_send(peer, f) == 0)
      peer->sent_greeting = true;
    mn_frame_unref(f);
  }
  p->h->log(p->self, MN_LOG_INFO, "peer %s %s greeted: version %s, tip %lld",
            peer->uid, peer->addr, peer->version, (long long)peer->top);
  if (p->chain && peer->top >= 0)
    p->chain->peer_tip(p->chain, peer->id, peer->top);
  p2p_publish_peer(p, peer, false, 0, false, NULL);
  if (*peer->listen)
    p2p_known_add(p, peer->listen, false);
  if (drop_duplicate(peer)) {
    p2p_greeting_free(&g);
    return;
  }
  target_t *t = p2p_target_of_peer(p, peer->id);
  if (t) {
    t->had_greeting = true;
    t->fails = 0;
  }
  p2p_send_ibd(peer, &g);
  if (!peer->dead && p->discovery)
    p2p_send_p2p_greeting(peer);
  p2p_greeting_free(&g);
}

static void on_single_ping(peer_t *peer, const uint8_t *payload, size_t len) {
  const uint8_t *d;
  size_t n;
  if (p2p_minidata_decode(payload, len, MN_HASH_MAX, &d, &n)) {
    p2p_penalize(peer, peer->p->ban_score, "it sent a malformed ping");
    return;
  }
  if (!peer->greeted)
    peer->oneshot = true;
  mn_frame_t *f = p2p_make_greeting(peer->p, true);
  p2p_send(peer, f);
  mn_frame_unref(f);
}

static void on_genmessage(peer_t *peer, const uint8_t *payload, size_t len) {
  char *text = NULL;
  if (p2p_ministring_decode(payload, len, 65536, &text)) {
    p2p_penalize(peer, peer->p->ban_score, "it sent a malformed message");
    return;
  }
  peer->p->h->log(peer->p->self, MN_LOG_INFO, "message from %s: %.200s",
                  peer->uid, text);
  free(text);
}

static void on_ping(peer_t *peer, const uint8_t *payload, size_t len) {
  const uint8_t *d;
  size_t n;
  /* a tip id, or a Maxima status: only its form is checked */
  if (p2p_minidata_decode(payload, len, MN_HASH_MAX, &d, &n))
    p2p_penalize(peer, peer->p->ban_score, "it sent a malformed ping");
}

/* ---- dispatch
 * ----------------------------------------------------------------- */

/* Types a connection may send before its greeting. */
static bool before_greeting_ok(p2p_t *p, uint8_t type) {
  return type == MN_P2P_MSG_GREETING || type == MN_P2P_MSG_SINGLE_PING ||
         type == MN_P2P_MSG_P2P || p->handlers[type].fn != NULL;
}

static void dispatch(peer_t *peer, uint8_t type, const uint8_t *payload,
                     size_t len) {
  p2p_t *p = peer->p;
  p->type_in[type]++;
  if (!peer->greeted && !before_greeting_ok(p, type)) {
    p->h->log(p->self, MN_LOG_DEBUG,
              "peer %s sent type %u before its greeting; ignored", peer->uid,
              type);
    return;
  }
  switch (type) {
  case MN_P2P_MSG_GREETING:
    on_greeting(peer, payload, len);
    return;
  case MN_P2P_MSG_IBD:
    p2p_on_ibd(peer, payload, len);
    return;
  case MN_P2P_MSG_TXPOWID:
    /* during an IBD the request is recorded and sent when it is over */
    p2p_on_txpowid(peer, payload, len);
    return;
  case MN_P2P_MSG_TXPOWREQ:
    p2p_on_txpowreq(peer, payload, len);
    return;
  case MN_P2P_MSG_TXPOW:
    p2p_on_txpow(peer, payload, len);
    return;
  case MN_P2P_MSG_GENMESSAGE:
    on_genmessage(peer, payload, len);
    return;
  case MN_P2P_MSG_PULSE:
    if (!p->ibd_running)
      p2p_on_pulse(peer, payload, len);
    return;
  case MN_P2P_MSG_P2P:
    p2p_on_p2p_msg(peer, payload, len);
    return;
  case MN_P2P_MSG_PING:
    on_ping(peer, payload, len);
    return;
  case MN_P2P_MSG_SINGLE_PING:
    on_single_ping(peer, payload, len);
    return;
  case MN_P2P_MSG_TXBLOCKREQ:
    p2p_on_txblockreq(peer, payload, len);
    return;
  case MN_P2P_MSG_SINGLE_PONG:
  case MN_P2P_MSG_IBD_REQ:
  case MN_P2P_MSG_IBD_RESP:
  case MN_P2P_MSG_ARCHIVE_REQ:
  case MN_P2P_MSG_ARCHIVE_DATA:
  case MN_P2P_MSG_ARCHIVE_SINGLE_REQ:
  case MN_P2P_MSG_TXBLOCKID:
  case MN_P2P_MSG_TXBLOCK:
  case MN_P2P_MSG_TXBLOCKMINE:
    /* archive sync and TxBlock-only nodes: not served (docs/p2p.md) */
    return;
  default:
    break;
  }
  handler_t *hd = &p->handlers[type];
  if (hd->fn) {
    if (!peer->greeted)
      peer->oneshot = true;
    hd->fn(&p->iface, peer->id, type, payload, len, hd->data);
  }
  /* unknown types are ignored, as the reference does */
}

static void on_frame(mn_tp_conn_t *conn, mn_frame_t *f) {
  peer_t *peer = conn->data;
  if (!peer || peer->dead)
    return;
  p2p_t *p = peer->p;
  peer->frames_in++;
  peer->bytes_in += f->len;
  p->bytes_in += f->len;
  peer->last_read_ms = p2p_now(p);
  if (f->len == 0) {
    p2p_penalize(peer, p->ban_score, "it sent an empty frame");
    return;
  }
  peer->tokens -= 1;
  if (peer->tokens < 0 && !peer->paused) {
    /* over its message budget: read nothing more until the next tick */
    peer->paused = true;
    peer->tp->set_reading(peer->conn, false);
  }
  dispatch(peer, f->data[0], f->data + 1, f->len - 1);
}

/* ---- listening and dialling
 * --------------------------------------------------- */

static int port_of(const char *addr) {
  const char *colon = strrchr(addr, ':');
  return colon ? atoi(colon + 1) : 0;
}

int p2p_listen_all(p2p_t *p, const char *const *addrs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p->nlisteners >= sizeof p->listeners / sizeof *p->listeners) {
      p->h->log(p->self, MN_LOG_ERROR, "p2p.listen: at most %zu addresses",
                sizeof p->listeners / sizeof *p->listeners);
      return MN_ECONFIG;
    }
    listener_t *l = &p->listeners[p->nlisteners];
    l->p = p;
    int err = mn_tp_lookup(p->h, p->self, addrs[i], &l->tp);
    if (err) {
      p->h->log(p->self, MN_LOG_ERROR,
                "p2p.listen: no loaded transport serves %s; add its "
                "transport plugin (transport-tcp, transport-mem) to the "
                "profile",
                addrs[i]);
      return err;
    }
    mn_tp_opts_t o = conn_opts(p);
    err = l->tp->listen(l->tp, addrs[i], &o, &peer_handler, l, &l->l);
    if (err) {
      p->h->log(p->self, MN_LOG_ERROR, "cannot listen on %s: %s", addrs[i],
                mn_strerror(err));
      return err;
    }
    snprintf(l->addr, sizeof l->addr, "%s", l->tp->listener_addr(l->l));
    if (!p->listen_port && strncmp(l->addr, "tcp://", 6) == 0)
      p->listen_port = port_of(l->addr);
    p->nlisteners++;
    p->h->log(p->self, MN_LOG_INFO, "listening on %s", l->addr);
  }
  return 0;
}

int p2p_dial(p2p_t *p, const char *addr, peer_t **out) {
  const mn_transport_t *tp;
  int err = mn_tp_lookup(p->h, p->self, addr, &tp);
  if (err)
    return err;
  if (p->npeers >= p->max_peers)
    return MN_EBUSY;
  peer_t *peer = peer_new(p, tp, false);
  if (!peer)
    return MN_ENOMEM;
  snprintf(peer->dialled, sizeof peer->dialled, "%s", addr);
  snprintf(peer->addr, sizeof peer->addr, "%s", addr);
  host_of(addr, peer->host, sizeof peer->host);
  mn_tp_opts_t o = conn_opts(p);
  err = tp->dial(tp, addr, &o, &peer_handler, peer, &peer->conn);
  if (err) {
    peer->dead = true;
    peer_unlink(p, peer);
    return err;
  }
  if (out)
    *out = peer;
  return 0;
}

/* ---- the tick
 * --------------------------------------------------------------------- */

static void idle_check(p2p_t *p, uint64_t now) {
  for (peer_t *peer = p->peers, *next; peer; peer = next) {
    next = peer->next;
    if (!peer->open)
      continue;
    if (peer->oneshot && now - peer->last_read_ms > P2P_HANDSHAKE_MS)
      p2p_close(peer, MN_ETIMEDOUT, false, false, "one-shot connection idle");
    else if (!peer->greeted && !peer->oneshot &&
             now - peer->connected_ms > P2P_HANDSHAKE_MS)
      p2p_close(peer, MN_ETIMEDOUT, false, false, "it sent no greeting");
    else if (now - peer->last_read_ms > p->idle_ms)
      p2p_close(peer, MN_ETIMEDOUT, false, false, "it has been silent");
  }
}

void p2p_tick(mn_timer_t *t, void *data) {
  p2p_t *p = data;
  uint64_t now = p2p_now(p);
  p2p_free_zombies(p);
  for (peer_t *peer = p->peers; peer; peer = peer->next) {
    peer->tokens += p->msg_rate;
    if (peer->tokens > p->msg_rate * 5)
      peer->tokens = p->msg_rate * 5;
    if (peer->paused && peer->tokens > 0 &&
        peer->submits < P2P_PEER_SUBMITS_MAX / 2 && peer->conn) {
      peer->paused = false;
      peer->tp->set_reading(peer->conn, true);
    }
  }
  if (now - p->last_idle_ms >= 10000) {
    p->last_idle_ms = now;
    idle_check(p, now);
  }
  if (now - p->last_ping_ms >= p->ping_ms) {
    p->last_ping_ms = now;
    p2p_send_pings(p);
  }
  if (now - p->last_pulse_ms >= p->pulse_ms) {
    p->last_pulse_ms = now;
    p2p_send_pulse(p);
  }
  p2p_reqs_tick(p);
  p2p_targets_tick(p);
  p2p_bans_tick(p);
  if (now - p->last_disc_ms >= 10000u + p->disc_jitter) {
    p->last_disc_ms = now;
    p->disc_jitter = (unsigned)(now % 3000);
    p2p_discovery_tick(p);
  }
  if (now - p->last_save_ms >= 600000) {
    p->last_save_ms = now;
    p2p_known_save(p);
  }
}
