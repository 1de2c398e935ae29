/*
 * disc.c - who we talk to: addresses, bans and scores, the addresses we
 * keep dialling (targets), the known peers learned from others and saved
 * in the store, and the P2P 1.1 JSON messages (spec/p2p.md §7) in the
 * subset docs/p2p.md describes: greetings with known peers and the IP
 * echo.  Link walks and swaps are read and ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p.h"

/* ---- addresses -------------------------------------------------------------
 */

int p2p_normalize_addr(const char *text, char *out, size_t cap) {
  while (*text == ' ')
    text++;
  char scheme[MN_TP_SCHEME_MAX];
  if (strstr(text, "://")) {
    if (mn_tp_scheme(text, scheme, sizeof scheme) || strlen(text) >= cap)
      return MN_EINVAL;
    snprintf(out, cap, "%s", text);
    return 0;
  }
  const char *colon = strrchr(text, ':');
  if (!colon || colon == text || !colon[1] || strlen(colon + 1) > 5)
    return MN_EINVAL;
  for (const char *c = colon + 1; *c; c++)
    if (*c < '0' || *c > '9')
      return MN_EINVAL;
  int port = atoi(colon + 1);
  if (port < 1 || port > 65535)
    return MN_EINVAL;
  if ((size_t)snprintf(out, cap, "tcp://%s", text) >= cap)
    return MN_EINVAL;
  return 0;
}

bool p2p_addr_private(const char *addr) {
  if (strncmp(addr, "tcp://", 6) != 0)
    return false; /* in-process and other schemes have no IP ranges */
  const char *h = addr + 6;
  if (*h == '[' || strncmp(h, "localhost", 9) == 0)
    return true; /* IPv6 literals are refused as the reference does */
  unsigned a = 0, b = 0;
  if (sscanf(h, "%u.%u.", &a, &b) != 2)
    return false;
  return a == 127 || a == 10 || a == 0 || (a == 100 && b >= 64 && b < 128) ||
         (a == 169 && b == 254) || (a == 172 && b >= 16 && b < 32) ||
         (a == 192 && b == 168) || (a == 198 && (b == 18 || b == 19));
}

/* "tcp://1.2.3.4:5" -> "tcp://1.2.3.4" */
static void strip_port(const char *addr, char *out, size_t cap) {
  snprintf(out, cap, "%s", addr);
  if (strncmp(out, "tcp://", 6) != 0)
    return;
  char *colon = strrchr(out + 6, ':');
  if (colon && !strchr(colon, ']'))
    *colon = '\0';
}

void p2p_addr_ban_key(const char *addr, char *out, size_t cap) {
  if (strncmp(addr, "tcp://", 6) == 0 && !p2p_addr_private(addr))
    strip_port(addr, out, cap); /* a public host: all its ports */
  else
    snprintf(out, cap, "%s", addr);
}

void p2p_ban_key(const peer_t *peer, char *out, size_t cap) {
  /* TCP: the address the connection really comes from, never one the
   * peer claims (it could name another node to have it banned) */
  if (strncmp(peer->addr, "tcp://", 6) == 0) {
    if (!p2p_addr_private(peer->addr)) {
      strip_port(peer->addr, out, cap);
      return;
    }
    if (peer->incoming && peer->minima_port > 0) {
      /* a private host runs many nodes: its IP and the port it listens on
       * (not the connection's passing source port) */
      char ip[MN_TP_ADDR_MAX];
      strip_port(peer->addr, ip, sizeof ip);
      snprintf(out, cap, "%s:%d", ip, peer->minima_port);
      return;
    }
  }
  const char *a = !peer->incoming && *peer->dialled ? peer->dialled
                  : *peer->listen                   ? peer->listen
                                                    : peer->addr;
  snprintf(out, cap, "%s", a);
}

/* ---- scores and bans
 * ---------------------------------------------------------- */

static ban_t *ban_find(p2p_t *p, const char *key) {
  for (size_t i = 0; i < p->nbans; i++)
    if (strcmp(p->bans[i].key, key) == 0)
      return &p->bans[i];
  return NULL;
}

static ban_t *ban_get(p2p_t *p, const char *key) {
  ban_t *b = ban_find(p, key);
  if (b)
    return b;
  if (p->nbans >= P2P_BANS_MAX) {
    /* forget the entry touched longest ago */
    size_t old = 0;
    for (size_t i = 1; i < p->nbans; i++)
      if (p->bans[i].touched_ms < p->bans[old].touched_ms)
        old = i;
    b = &p->bans[old];
  } else {
    ban_t *nb = realloc(p->bans, (p->nbans + 1) * sizeof *nb);
    if (!nb)
      return NULL;
    p->bans = nb;
    b = &p->bans[p->nbans++];
  }
  memset(b, 0, sizeof *b);
  snprintf(b->key, sizeof b->key, "%s", key);
  b->touched_ms = p2p_now(p);
  return b;
}

/* Scores halve every ten minutes. */
static void decay(p2p_t *p, ban_t *b) {
  uint64_t now = p2p_now(p);
  while (b->score > 0 && now - b->touched_ms >= 600000) {
    b->score /= 2;
    b->touched_ms += 600000;
  }
  if (b->score == 0)
    b->touched_ms = now;
}

bool p2p_banned(p2p_t *p, const char *key) {
  ban_t *b = ban_find(p, key);
  return b && b->until_ms > p2p_now(p);
}

bool p2p_score(p2p_t *p, const char *key, int score, const char *why) {
  ban_t *b = ban_get(p, key);
  if (!b)
    return false;
  decay(p, b);
  b->score += score;
  b->touched_ms = p2p_now(p);
  if (b->score < p->ban_score)
    return b->until_ms > p2p_now(p);
  if (b->until_ms <= p2p_now(p)) {
    b->until_ms = p2p_now(p) + p->ban_ms;
    snprintf(b->why, sizeof b->why, "%s", why ? why : "");
    p->h->log(p->self, MN_LOG_WARN, "banned %s for %llu s: %s", key,
              (unsigned long long)(p->ban_ms / 1000), why ? why : "");
  }
  return true;
}

void p2p_ban(p2p_t *p, const char *key, const char *why) {
  ban_t *b = ban_get(p, key);
  if (!b)
    return;
  b->score = p->ban_score;
  b->touched_ms = p2p_now(p);
  b->until_ms = p2p_now(p) + p->ban_ms;
  snprintf(b->why, sizeof b->why, "%s", why ? why : "");
  p->h->log(p->self, MN_LOG_WARN, "banned %s for %llu s: %s", key,
            (unsigned long long)(p->ban_ms / 1000), why ? why : "");
}

void p2p_bans_tick(p2p_t *p) {
  uint64_t now = p2p_now(p);
  for (size_t i = 0; i < p->nbans;) {
    ban_t *b = &p->bans[i];
    decay(p, b);
    if (b->until_ms <= now && b->score == 0) {
      p->bans[i] = p->bans[--p->nbans];
      continue;
    }
    i++;
  }
}

/* ---- targets
 * ------------------------------------------------------------------ */

static target_t *target_find(p2p_t *p, const char *addr) {
  for (size_t i = 0; i < p->ntargets; i++)
    if (strcmp(p->targets[i].addr, addr) == 0)
      return &p->targets[i];
  return NULL;
}

target_t *p2p_target_add(p2p_t *p, const char *addr, bool permanent) {
  target_t *t = target_find(p, addr);
  if (t) {
    t->permanent |= permanent;
    if (!t->peer)
      t->next_ms = 0;
    return t;
  }
  target_t *nt = realloc(p->targets, (p->ntargets + 1) * sizeof *nt);
  if (!nt)
    return NULL;
  p->targets = nt;
  t = &p->targets[p->ntargets++];
  memset(t, 0, sizeof *t);
  snprintf(t->addr, sizeof t->addr, "%s", addr);
  t->permanent = permanent;
  return t;
}

target_t *p2p_target_of_peer(p2p_t *p, uint64_t id) {
  for (size_t i = 0; i < p->ntargets; i++)
    if (p->targets[i].peer == id)
      return &p->targets[i];
  return NULL;
}

static void target_remove(p2p_t *p, target_t *t) {
  *t = p->targets[--p->ntargets];
}

static uint64_t backoff(p2p_t *p, unsigned fails) {
  uint64_t d = p->reconnect_ms;
  for (unsigned i = 1; i < fails && i < 5; i++)
    d *= 2;
  return d < 600000 ? d : 600000;
}

void p2p_target_closed(p2p_t *p, uint64_t peer, bool had_greeting) {
  target_t *t = p2p_target_of_peer(p, peer);
  if (!t)
    return;
  t->peer = 0;
  if (had_greeting) {
    t->fails = 0;
    t->next_ms = p2p_now(p) + (p->reconnect_ms < 5000 ? p->reconnect_ms : 5000);
    return;
  }
  t->fails++;
  if (!t->permanent && t->fails >= 3) {
    target_remove(p, t);
    return;
  }
  t->next_ms = p2p_now(p) + backoff(p, t->fails);
}

void p2p_targets_tick(p2p_t *p) {
  if (p->stopping)
    return;
  uint64_t now = p2p_now(p);
  for (size_t i = 0; i < p->ntargets; i++) {
    target_t *t = &p->targets[i];
    if (t->peer || now < t->next_ms)
      continue;
    char key[MN_TP_ADDR_MAX];
    p2p_addr_ban_key(t->addr, key, sizeof key);
    if (p2p_banned(p, key)) { /* tried again when the ban ends */
      t->next_ms = now + p->reconnect_ms;
      continue;
    }
    peer_t *peer = NULL;
    int err = p2p_dial(p, t->addr, &peer);
    if (err) {
      p->h->log(p->self, MN_LOG_DEBUG, "cannot dial %s: %s", t->addr,
                mn_strerror(err));
      t->fails++;
      t->next_ms = now + backoff(p, t->fails);
      continue;
    }
    t->peer = peer->id;
  }
}

/* ---- known peers
 * ---------------------------------------------------------------- */

static bool is_self(p2p_t *p, const char *addr) {
  for (size_t i = 0; i < p->nlisteners; i++)
    if (strcmp(p->listeners[i].addr, addr) == 0)
      return true;
  if (p->listen_port && strncmp(addr, "tcp://", 6) == 0) {
    const char *colon = strrchr(addr, ':');
    if (colon && atoi(colon + 1) == p->listen_port &&
        (strncmp(addr + 6, "127.", 4) == 0 ||
         (*p->public_host &&
          strncmp(addr + 6, p->public_host, strlen(p->public_host)) == 0)))
      return true;
  }
  return false;
}

void p2p_known_add(p2p_t *p, const char *text, bool from_peer) {
  char addr[MN_TP_ADDR_MAX];
  if (p2p_normalize_addr(text, addr, sizeof addr) || is_self(p, addr))
    return;
  if (from_peer && p2p_addr_private(addr) && !p->allow_private)
    return;
  if (strncmp(addr, "tcp://", 6) == 0 && strstr(addr, ":0") &&
      strlen(strstr(addr, ":0")) == 2)
    return;
  uint64_t now = p2p_now(p);
  for (size_t i = 0; i < p->nknown; i++)
    if (strcmp(p->known[i].addr, addr) == 0) {
      p->known[i].seen_ms = now;
      return;
    }
  known_t *k;
  if (p->nknown >= P2P_KNOWN_MAX) {
    size_t old = 0;
    for (size_t i = 1; i < p->nknown; i++)
      if (p->known[i].seen_ms < p->known[old].seen_ms)
        old = i;
    k = &p->known[old];
  } else {
    known_t *nk = realloc(p->known, (p->nknown + 1) * sizeof *nk);
    if (!nk)
      return;
    p->known = nk;
    k = &p->known[p->nknown++];
  }
  memset(k, 0, sizeof *k);
  snprintf(k->addr, sizeof k->addr, "%s", addr);
  k->seen_ms = now;
}

void p2p_known_load(p2p_t *p) {
  if (!p->db)
    return;
  mn_txn_t *txn;
  if (p->h->txn_begin(p->self, MN_TXN_RDONLY, &txn))
    return;
  mn_cursor_t *cur;
  if (p->h->cursor_open(txn, p->db, &cur) == 0) {
    mn_val_t k, v;
    int err = p->h->cursor_get(cur, &k, &v, MN_CURSOR_FIRST);
    while (err == 0 && p->nknown < P2P_KNOWN_MAX) {
      char addr[MN_TP_ADDR_MAX];
      if (k.size < sizeof addr) {
        memcpy(addr, k.data, k.size);
        addr[k.size] = '\0';
        p2p_known_add(p, addr, false);
      }
      err = p->h->cursor_get(cur, &k, &v, MN_CURSOR_NEXT);
    }
    p->h->cursor_close(cur);
  }
  p->h->txn_abort(txn);
}

static int save_fn(mn_txn_t *txn, void *data) {
  p2p_t *p = data;
  int err = p->h->db_clear(txn, p->db);
  for (size_t i = 0; i < p->nknown && !err; i++) {
    uint8_t v[8];
    uint64_t seen = p->known[i].seen_ms;
    for (int b = 0; b < 8; b++)
      v[b] = (uint8_t)(seen >> (56 - 8 * b));
    err = p->h->db_put(txn, p->db, p->known[i].addr, strlen(p->known[i].addr),
                       v, sizeof v, 0);
  }
  if (!err)
    err = p->h->schema_set(txn, 1);
  return err;
}

void p2p_known_save(p2p_t *p) {
  if (p->db)
    p->h->store_write(p->self, save_fn, p);
}

static bool connected_to(p2p_t *p, const char *addr) {
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    if (strcmp(peer->dialled, addr) == 0 || strcmp(peer->listen, addr) == 0)
      return true;
  return target_find(p, addr) != NULL;
}

void p2p_discovery_tick(p2p_t *p) {
  if (!p->discovery || p->stopping || p->nknown == 0)
    return;
  size_t out = 0;
  for (peer_t *peer = p->peers; peer; peer = peer->next)
    out += !peer->incoming;
  if (out >= p->target_out || p->npeers >= p->max_peers)
    return;
  uint64_t now = p2p_now(p);
  size_t start = (size_t)(now / 7) % p->nknown;
  for (size_t k = 0; k < p->nknown; k++) {
    known_t *kp = &p->known[(start + k) % p->nknown];
    if (kp->retry_ms > now || connected_to(p, kp->addr))
      continue;
    char key[MN_TP_ADDR_MAX];
    p2p_addr_ban_key(kp->addr, key, sizeof key);
    if (p2p_banned(p, key))
      continue;
    kp->retry_ms = now + 300000;
    p->h->log(p->self, MN_LOG_DEBUG, "discovery: dialling %s", kp->addr);
    p2p_target_add(p, kp->addr, false);
    return; /* one per round, as the reference's loop does */
  }
}

/* ---- P2P 1.1 messages
 * ----------------------------------------------------------- */

static json_t *addr_json(const char *addr) {
  if (strncmp(addr, "tcp://", 6) != 0)
    return NULL;
  const char *h = addr + 6;
  const char *colon = strrchr(h, ':');
  if (!colon)
    return NULL;
  return json_pack("{s:s%,s:i}", "host", h, (size_t)(colon - h), "port",
                   atoi(colon + 1));
}

static void send_json(peer_t *peer, json_t *inner) {
  json_t *msg = json_pack("{s:o}", "swap_links_p2p", inner);
  char *text = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  if (!text)
    return;
  mn_buf_t b = {0};
  mn_buf_put_data(&b, text, strlen(text));
  free(text);
  p2p_send_msg(peer, MN_P2P_MSG_P2P, &b);
}

void p2p_send_p2p_greeting(peer_t *peer) {
  p2p_t *p = peer->p;
  json_t *known = json_array(), *in = json_array(), *out = json_array();
  for (size_t i = 0; i < p->nknown && json_array_size(known) < 50; i++) {
    json_t *a = addr_json(p->known[i].addr);
    if (a)
      json_array_append_new(known, a);
  }
  for (peer_t *o = p->peers; o; o = o->next) {
    if (!o->greeted || !*o->listen)
      continue;
    json_t *a = addr_json(o->listen);
    if (a)
      json_array_append_new(o->incoming ? in : out, a);
  }
  bool accepting = p->listen_port != 0;
  json_t *g = json_pack("{s:i,s:b,s:o}", "myMinimaPort", p->listen_port,
                        "isAcceptingInLinks", accepting, "knownPeers", known);
  if (accepting) {
    json_object_set_new(g, "numNoneP2PConnections", json_integer(0));
    json_object_set_new(g, "maxNumNoneP2PConnections",
                        json_integer((json_int_t)p->max_inbound));
    json_object_set_new(g, "outLinks", out);
    json_object_set_new(g, "inLinks", in);
  } else {
    json_decref(out);
    json_decref(in);
  }
  send_json(peer, json_pack("{s:o}", "greeting", g));
  if (!*p->public_host && p->listen_port) {
    uint8_t r[12];
    char hex[25];
    if (p->h->crypto->random(r, sizeof r) == 0) {
      for (int i = 0; i < 12; i++)
        snprintf(hex + 2 * i, 3, "%02x", r[i]);
      send_json(peer, json_pack("{s:s}", "req_ip", hex));
      snprintf(p->ip_secret, sizeof p->ip_secret, "%s", hex);
    }
  }
}

void p2p_on_p2p_msg(peer_t *peer, const uint8_t *payload, size_t len) {
  p2p_t *p = peer->p;
  char *text = NULL;
  if (p2p_ministring_decode(payload, len, P2P_JSON_MAX, &text)) {
    p2p_penalize(peer, p->ban_score, "it sent a malformed P2P message");
    return;
  }
  json_t *msg = json_loads(text, 0, NULL);
  free(text);
  json_t *inner = json_object_get(msg, "swap_links_p2p");
  if (!json_is_object(inner)) {
    json_decref(msg);
    p2p_penalize(peer, 10, "it sent a P2P message that is not P2P JSON");
    return;
  }
  if (!p->discovery) {
    json_decref(msg);
    return;
  }
  json_t *g = json_object_get(inner, "greeting");
  if (json_is_object(g)) {
    peer->p2p_greeted = true;
    json_t *port = json_object_get(g, "myMinimaPort");
    if (json_is_integer(port) && !peer->minima_port &&
        json_integer_value(port) > 0 && json_integer_value(port) < 65536) {
      peer->minima_port = (int)json_integer_value(port);
      if (!*peer->listen)
        p2p_peer_listen_addr(peer);
    }
    json_t *list = json_object_get(g, "knownPeers");
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
      if (i >= P2P_KNOWN_MAX)
        break;
      json_t *h = json_object_get(e, "host");
      json_t *pt = json_object_get(e, "port");
      if (!json_is_string(h) || !json_is_integer(pt) ||
          json_string_length(h) > 64)
        continue;
      char addr[MN_TP_ADDR_MAX];
      snprintf(addr, sizeof addr, "tcp://%s:%lld", json_string_value(h),
               (long long)json_integer_value(pt));
      p2p_known_add(p, addr, true);
    }
  }
  json_t *req = json_object_get(inner, "req_ip");
  if (json_is_string(req) && json_string_length(req) <= 64 &&
      strncmp(peer->addr, "tcp://", 6) == 0) {
    char ip[MN_TP_ADDR_MAX];
    strip_port(peer->addr, ip, sizeof ip);
    send_json(peer, json_pack("{s:s,s:s}", "res_ip", ip + 6, "secret",
                              json_string_value(req)));
  }
  json_t *res = json_object_get(inner, "res_ip");
  json_t *secret = json_object_get(inner, "secret");
  if (json_is_string(res) && json_is_string(secret) && *p->ip_secret &&
      strcmp(json_string_value(secret), p->ip_secret) == 0 &&
      json_string_length(res) < sizeof p->public_host && !p->host_set) {
    if (strcmp(p->public_host, json_string_value(res)) != 0)
      p->h->log(p->self, MN_LOG_INFO, "our address as peers see it: %s",
                json_string_value(res));
    snprintf(p->public_host, sizeof p->public_host, "%s",
             json_string_value(res));
  }
  /* walk_links, do_swap and notAcceptingMsg: not acted on (docs/p2p.md) */
  json_decref(msg);
}

void p2p_peer_listen_addr(peer_t *peer) {
  if (!peer->incoming && *peer->dialled) {
    snprintf(peer->listen, sizeof peer->listen, "%s", peer->dialled);
    return;
  }
  json_t *addrs = json_object_get(peer->extra, "p2p");
  size_t i;
  json_t *e;
  json_array_foreach(addrs, i, e) {
    const mn_transport_t *tp;
    if (json_is_string(e) && json_string_length(e) < sizeof peer->listen &&
        mn_tp_lookup(peer->p->h, peer->p->self, json_string_value(e), &tp) ==
            0) {
      snprintf(peer->listen, sizeof peer->listen, "%s", json_string_value(e));
      return;
    }
  }
  if (strncmp(peer->addr, "tcp://", 6) == 0 && peer->minima_port > 0) {
    const char *h = peer->host;
    bool v6 = strchr(h, ':') && *h != '[';
    snprintf(peer->listen, sizeof peer->listen, "tcp://%s%s%s:%d",
             v6 ? "[" : "", h, v6 ? "]" : "", peer->minima_port);
  }
}
