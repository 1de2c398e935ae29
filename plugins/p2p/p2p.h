/*
 * p2p.h - the p2p plugin's parts.
 *
 *   wire.c    encoding and bounded decoding of the protocol's payloads
 *             (greeting, pulse, MiniData/MiniString fields)
 *   peer.c    connections: listening, dialling, the handshake, dispatch
 *             of every message type, limits, ban scores, timers
 *   flood.c   TxPoW flood-fill (announce, request, send), the request
 *             table, pulses and IBDs with the chain service
 *   disc.c    known peers, the P2P 1.1 JSON messages, outbound targets,
 *             bans, persistence
 *   cmd.c     the commands: network, peers, connect, disconnect, ping
 *   plugin.c  descriptor, configuration, lifecycle, the "p2p" service
 *
 * Everything runs on the loop thread.  A peer that is closed is unlinked
 * at once and freed on the next tick, so code that called something which
 * may close it checks peer->dead before touching it again.
 */
#ifndef MN_P2P_INTERNAL_H
#define MN_P2P_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/minima.h>
#include <minima/objects.h>
#include <minima/svc/chain.h>
#include <minima/svc/p2p.h>
#include <minima/svc/transport.h>

/* ---- protocol constants (spec/p2p.md) -------------------------------------
 */

#define P2P_BASE_VERSION "1.0"
#define P2P_VERSION "1.0.45"
#define P2P_VERSION_MAX 255u         /* longest version string accepted */
#define P2P_JSON_MAX (1u << 20)      /* largest JSON text in a message */
#define P2P_PULSE_MAX 1000u          /* ids in a pulse we look at */
#define P2P_GREETING_IDS_MAX 100000u /* ids in a greeting's chain */
#define P2P_TOP_MAX 1000000000000LL  /* greeting topblock sanity limit */
#define P2P_ID_LEN 32u

/* ---- wire (wire.c)
 * ------------------------------------------------------------ */

typedef struct p2p_greeting {
  char version[P2P_VERSION_MAX + 1];
  json_t *extra; /* the JSON object (an empty one when absent or not JSON) */
  int64_t top;
  uint8_t (*ids)[32]; /* malloc()ed, n of them, tip first */
  size_t n;
} p2p_greeting_t;

/* Greeting payload: version, JSON extras, top, the chain ids (32 bytes
 * each, tip first).  Appends to out. */
void p2p_greeting_encode(const mn_num_api_t *num, const char *version,
                         const json_t *extra, int64_t top, const uint8_t *ids,
                         size_t n, mn_buf_t *out);
/* Bounded decode of a greeting payload.  0, MN_EFORMAT (malformed,
 * including ids that are not 32 bytes), MN_ENOMEM.  Free with
 * p2p_greeting_free(). */
int p2p_greeting_decode(const mn_num_api_t *num, const uint8_t *p, size_t len,
                        p2p_greeting_t *out);
void p2p_greeting_free(p2p_greeting_t *g);

/* Pulse payload: MiniNumber version 1, count, ids. */
void p2p_pulse_encode(const mn_num_api_t *num, const uint8_t *ids, size_t n,
                      mn_buf_t *out);
/* *ids points into p (32-byte ids, 4-byte length in between: use
 * p2p_pulse_id()); n is the count, *ignored true when the pulse has more
 * than P2P_PULSE_MAX ids (the reference ignores it).  0 or MN_EFORMAT. */
int p2p_pulse_decode(const mn_num_api_t *num, const uint8_t *p, size_t len,
                     const uint8_t **ids, size_t *n, bool *ignored);
/* The i-th id of a decoded pulse. */
static inline const uint8_t *p2p_pulse_id(const uint8_t *ids, size_t i) {
  return ids + i * (4 + P2P_ID_LEN) + 4;
}

/* One MiniData of at most max bytes filling the payload's start; *data
 * points into p.  0 or MN_EFORMAT. */
int p2p_minidata_decode(const uint8_t *p, size_t len, size_t max,
                        const uint8_t **data, size_t *n);
/* A MiniString of at most max bytes as a fresh NUL-terminated string
 * (NUL bytes inside are kept as read).  0, MN_EFORMAT or MN_ENOMEM. */
int p2p_ministring_decode(const uint8_t *p, size_t len, size_t max, char **out);

/* A frame holding type + the bytes of payload (taken: payload is emptied).
 * NULL when out of memory. */
mn_frame_t *p2p_frame(uint8_t type, mn_buf_t *payload);
/* A frame of type + a copy of len bytes. */
mn_frame_t *p2p_frame_copy(uint8_t type, const void *p, size_t len);

/* The version check of spec/p2p.md §3: starts with "1.0" and contains
 * "TEST" exactly when we run test parameters. */
bool p2p_version_ok(const char *version, bool test);

/* ---- plugin state
 * ------------------------------------------------------------ */

typedef struct p2p p2p_t;
typedef struct peer peer_t;

typedef struct listener {
  p2p_t *p;
  const mn_transport_t *tp;
  mn_tp_listener_t *l;
  char addr[MN_TP_ADDR_MAX]; /* as bound */
} listener_t;

struct peer {
  p2p_t *p;
  uint64_t id;
  char uid[16];
  const mn_transport_t *tp;
  mn_tp_conn_t *conn;
  bool incoming;
  bool open;    /* the transport connection is up */
  bool greeted; /* a valid greeting arrived */
  bool sent_greeting;
  bool p2p_greeted;             /* its P2P 1.1 greeting arrived */
  bool got_ibd;                 /* an IBD arrived on this connection */
  bool sent_ibd;                /* we sent it one */
  bool dead;                    /* closed; freed on the next tick */
  bool paused;                  /* reading paused by us */
  bool oneshot;                 /* spoke a claimed type or SINGLE_PING without a
                                   greeting: a one-shot connection */
  char addr[MN_TP_ADDR_MAX];    /* the transport's peer address */
  char dialled[MN_TP_ADDR_MAX]; /* outgoing: what we dialled */
  char listen[MN_TP_ADDR_MAX];  /* where it listens, "" until known */
  char host[64];                /* its IP (tcp) or name */
  int minima_port;              /* from its greeting, 0 until then */
  char version[P2P_VERSION_MAX + 1];
  char welcome[128];
  json_t *extra; /* its greeting's extras */
  int64_t top;
  uint64_t connected_ms, last_read_ms, greeted_ms;
  uint64_t last_walk_ms; /* last missing-txn walk for it (§4) */
  double tokens;         /* message budget (token bucket) */
  unsigned inflight;     /* our TXPOWREQs it has not answered */
  unsigned submits;      /* its TxPoWs the chain is checking */
  uint64_t frames_in, frames_out, bytes_in, bytes_out, drops;
  peer_t *next, *prev;
};

/* A TXPOWREQ in flight: who announced the id, whom we asked, when. */
#define REQ_ALTS 4
typedef struct req {
  uint8_t id[32];
  uint64_t peers[REQ_ALTS];
  uint8_t npeers, asked;
  bool used;
  uint64_t asked_ms; /* 0: not asked yet (nobody to ask) */
  uint64_t created_ms;
} req_t;

/* An address we dial and keep dialling. */
typedef struct target {
  char addr[MN_TP_ADDR_MAX];
  bool permanent;    /* configured: retried forever */
  bool had_greeting; /* it greeted us once (the reference reconnects) */
  uint64_t peer;     /* the live or dialling connection, 0 if none */
  uint64_t next_ms;  /* next attempt */
  unsigned fails;
} target_t;

/* A known peer address (discovery). */
typedef struct known {
  char addr[MN_TP_ADDR_MAX];
  uint64_t seen_ms;
  uint64_t retry_ms; /* not before */
} known_t;

/* Score and ban of an address. */
typedef struct ban {
  char key[MN_TP_ADDR_MAX];
  int score;
  uint64_t until_ms; /* banned until; 0: not banned */
  uint64_t touched_ms;
  char why[96];
} ban_t;

/* A pending chain operation for a peer. */
typedef struct op {
  p2p_t *p;
  uint64_t ticket;
  uint64_t peer;
  bool ibd;
  struct op *next, *prev;
} op_t;

/* A `ping` command waiting for its SINGLE_PONG. */
typedef struct pinger {
  p2p_t *p;
  mn_call_t *call;
  mn_tp_conn_t *conn;
  mn_timer_t *timer;
  char host[64];
  int port;
  struct pinger *next, *prev;
} pinger_t;

typedef struct handler {
  mn_p2p_msg_fn fn;
  void *data;
} handler_t;

struct p2p {
  mn_p2p_t iface; /* first: the service pointer is the instance */
  mn_plugin_t *self;
  const mn_host_t *h;
  const mn_chain_t *chain;

  /* configuration */
  bool test;
  char version[32];
  char welcome[128];
  char public_host[64];
  bool host_set;      /* public_host came from the configuration */
  char ip_secret[32]; /* our req_ip secret */
  char node_id[20];   /* random per start, in our greetings (docs/p2p.md) */
  bool discovery, allow_private;
  uint32_t max_peers, max_inbound, target_out;
  uint64_t ping_ms, pulse_ms, idle_ms, reconnect_ms, ban_ms;
  int ban_score;
  uint32_t max_frame;
  double msg_rate;

  listener_t listeners[8];
  size_t nlisteners;
  int listen_port; /* our TCP port for greetings, 0 if none */

  peer_t *peers, *zombies;
  size_t npeers;
  uint64_t next_id;

  target_t *targets;
  size_t ntargets;
  known_t *known;
  size_t nknown;
  ban_t *bans;
  size_t nbans;

  req_t *reqs; /* open addressing, P2P_REQS slots */
  size_t nreqs;

  op_t *ops;
  pinger_t *pingers;
  handler_t handlers[256];

  mn_timer_t *tick;
  mn_topic_t *t_connected, *t_closed;
  mn_sub_t *s_accepted, *s_need, *s_tip;
  mn_db_t *db;

  unsigned ibd_running;
  bool stopping;
  uint64_t start_ms, last_ping_ms, last_pulse_ms, last_idle_ms, last_disc_ms,
      last_save_ms, traffic_from_ms;
  uint64_t bytes_in, bytes_out;
  uint64_t type_in[256]; /* frames received by type */
  unsigned disc_jitter;
};

#define P2P_REQS 8192u /* request table slots (a power of two) */
#define P2P_REQ_TIMEOUT_MS 10000u
#define P2P_PEER_INFLIGHT_MAX 1024u
#define P2P_PEER_SUBMITS_MAX 64u
#define P2P_HANDSHAKE_MS 60000u
#define P2P_KNOWN_MAX 250u
#define P2P_BANS_MAX 1024u

/* ---- peer.c
 * ------------------------------------------------------------------ */

uint64_t p2p_now(p2p_t *p);
int p2p_listen_all(p2p_t *p, const char *const *addrs, size_t n);
/* Dials addr; the peer is registered at once (0 and *out) or an error. */
int p2p_dial(p2p_t *p, const char *addr, peer_t **out);
peer_t *p2p_peer_by_id(p2p_t *p, uint64_t id);
peer_t *p2p_peer_by_uid(p2p_t *p, const char *uid);
/* Sends a frame (the caller keeps its reference).  0 or the transport's
 * error; a full queue drops the frame. */
int p2p_send(peer_t *peer, mn_frame_t *f);
/* Sends type + payload (payload taken). */
int p2p_send_msg(peer_t *peer, uint8_t type, mn_buf_t *payload);
/* Closes a peer: flush sends what is queued first; ban refuses its
 * address for ban_ms.  why is one sentence for the log and the event. */
void p2p_close(peer_t *peer, int reason, bool flush, bool ban, const char *why);
/* Adds score to a peer's address; at the threshold the peer is closed and
 * banned.  Returns true when the peer was closed. */
bool p2p_penalize(peer_t *peer, int score, const char *why);
void p2p_close_all(p2p_t *p);
void p2p_free_zombies(p2p_t *p);
/* Our greeting (the chain's ids when a chain is loaded). */
mn_frame_t *p2p_make_greeting(p2p_t *p, bool single_pong);
void p2p_tick(mn_timer_t *t, void *data);

/* ---- flood.c
 * ----------------------------------------------------------------- */

void p2p_on_txpowid(peer_t *peer, const uint8_t *payload, size_t len);
void p2p_on_txpowreq(peer_t *peer, const uint8_t *payload, size_t len);
void p2p_on_txpow(peer_t *peer, const uint8_t *payload, size_t len);
void p2p_on_txblockreq(peer_t *peer, const uint8_t *payload, size_t len);
void p2p_on_pulse(peer_t *peer, const uint8_t *payload, size_t len);
void p2p_on_ibd(peer_t *peer, const uint8_t *payload, size_t len);
/* After a valid greeting: the IBD this peer needs from us. */
void p2p_send_ibd(peer_t *peer, const p2p_greeting_t *g);
/* Announces id to every greeted peer but `except`. */
void p2p_announce(p2p_t *p, const uint8_t id[32], uint64_t except);
/* Asks for id (from `from`, or any greeted peer when 0). */
void p2p_request(p2p_t *p, const uint8_t id[32], uint64_t from);
void p2p_send_pulse(p2p_t *p);
void p2p_send_pings(p2p_t *p);
void p2p_reqs_tick(p2p_t *p);
void p2p_reqs_forget_peer(p2p_t *p, uint64_t peer);
void p2p_ops_cancel_all(p2p_t *p);
void p2p_on_chain_accepted(const mn_event_t *ev, void *data);
void p2p_on_chain_need(const mn_event_t *ev, void *data);
/* Our chain moved: the new tip is announced, and peers that greeted us
 * with no chain while we had none get their IBD now. */
void p2p_on_chain_tip(const mn_event_t *ev, void *data);

/* ---- disc.c
 * ------------------------------------------------------------------ */

/* "tcp://1.2.3.4:9001" or "mem://x" from user text ("1.2.3.4:9001" is
 * tcp).  0 or MN_EINVAL. */
int p2p_normalize_addr(const char *text, char *out, size_t cap);
/* Whether addr is loopback, private or link-local (the reference's
 * refused ranges). */
bool p2p_addr_private(const char *addr);
/* The ban key of a peer (see docs/p2p.md): for TCP its real IP when
 * public, IP:listening port when private; the address otherwise. */
void p2p_ban_key(const peer_t *peer, char *out, size_t cap);
/* The ban key an address we would dial has. */
void p2p_addr_ban_key(const char *addr, char *out, size_t cap);
bool p2p_banned(p2p_t *p, const char *key);
/* Adds score to key; returns true when the key is (now) banned. */
bool p2p_score(p2p_t *p, const char *key, int score, const char *why);
void p2p_ban(p2p_t *p, const char *key, const char *why);
void p2p_bans_tick(p2p_t *p);

target_t *p2p_target_add(p2p_t *p, const char *addr, bool permanent);
target_t *p2p_target_of_peer(p2p_t *p, uint64_t id);
void p2p_targets_tick(p2p_t *p);
/* A target's connection ended (greeted or not). */
void p2p_target_closed(p2p_t *p, uint64_t peer, bool had_greeting);

void p2p_known_add(p2p_t *p, const char *addr, bool from_peer);
void p2p_known_load(p2p_t *p);
void p2p_known_save(p2p_t *p);
void p2p_discovery_tick(p2p_t *p);
/* Our P2P 1.1 greeting (and req_ip when our host is unknown). */
void p2p_send_p2p_greeting(peer_t *peer);
void p2p_on_p2p_msg(peer_t *peer, const uint8_t *payload, size_t len);
/* Where a greeted peer listens, from its greeting (tcp host + port, or
 * the "p2p" extra). */
void p2p_peer_listen_addr(peer_t *peer);

/* ---- cmd.c
 * ------------------------------------------------------------------- */

int p2p_commands_register(p2p_t *p);
void p2p_pingers_close(p2p_t *p);

/* ---- plugin.c
 * ---------------------------------------------------------------- */

void p2p_publish_peer(p2p_t *p, peer_t *peer, bool closed, int reason,
                      bool banned, const char *why);

#endif
