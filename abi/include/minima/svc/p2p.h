/*
 * minima/svc/p2p.h - the "p2p" service: the Minima node protocol's peers,
 * for plugins that carry their own messages over the same connections
 * (Maxima), and the events the p2p plugin publishes.
 *
 * The p2p plugin speaks the reference node's protocol (spec/p2p.md) over
 * any loaded transport (minima/svc/transport.h): greetings, TxPoW
 * flood-fill, pulses, pings, IBD sync and peer discovery.  Each protocol
 * message is one frame: a type byte, then the payload.  The plugin itself
 * handles types 0-8, 11-21; any other type (Maxima's 9 and 10, 22 and 23,
 * and new ones) can be claimed by another plugin with handle(), which then
 * receives those frames from every connection, including one-shot
 * connections that never send a greeting (Maxima delivery), and answers
 * with send().
 *
 * Use:
 *
 *   const mn_p2p_t *p = host->service_lookup(self, MN_P2P_SERVICE,
 *                                            MN_P2P_SERVICE_VERSION);
 *   p->handle(p, MN_P2P_MSG_MAXIMA_TXPOW, on_maxima, me);
 *   ...
 *   static void on_maxima(const mn_p2p_t *p, uint64_t peer, uint8_t type,
 *                         const uint8_t *payload, size_t len, void *data) {
 *     p->send(p, peer, MN_P2P_MSG_PING, status, 5);   // the reply
 *   }
 *
 * Threads: loop thread only.  Peer ids are never reused within a run; a
 * closed peer's id is simply unknown (MN_ENOENT).  The payload given to a
 * handler is valid only during the call.
 */
#ifndef MINIMA_SVC_P2P_H
#define MINIMA_SVC_P2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MN_P2P_SERVICE "p2p"
#define MN_P2P_SERVICE_VERSION 1u

/* Message types (spec/p2p.md §2). */
#define MN_P2P_MSG_MAP(X)                                                      \
  X(GREETING, 0)                                                               \
  X(IBD, 1)                                                                    \
  X(TXPOWID, 2)                                                                \
  X(TXPOWREQ, 3)                                                               \
  X(TXPOW, 4)                                                                  \
  X(GENMESSAGE, 5)                                                             \
  X(PULSE, 6)                                                                  \
  X(P2P, 7)                                                                    \
  X(PING, 8)                                                                   \
  X(MAXIMA_CTRL, 9)                                                            \
  X(MAXIMA_TXPOW, 10)                                                          \
  X(SINGLE_PING, 11)                                                           \
  X(SINGLE_PONG, 12)                                                           \
  X(IBD_REQ, 13)                                                               \
  X(IBD_RESP, 14)                                                              \
  X(ARCHIVE_REQ, 15)                                                           \
  X(ARCHIVE_DATA, 16)                                                          \
  X(ARCHIVE_SINGLE_REQ, 17)                                                    \
  X(TXBLOCKID, 18)                                                             \
  X(TXBLOCKREQ, 19)                                                            \
  X(TXBLOCK, 20)                                                               \
  X(TXBLOCKMINE, 21)                                                           \
  X(MEGAMMRSYNC_REQ, 22)                                                       \
  X(MEGAMMRSYNC_RESP, 23)

enum mn_p2p_msg {
#define MN__P2P_MSG_ENUM(name, code) MN_P2P_MSG_##name = code,
  MN_P2P_MSG_MAP(MN__P2P_MSG_ENUM)
#undef MN__P2P_MSG_ENUM
};

/* One peer, as peers() reports it. */
typedef struct mn_p2p_peer_info {
  uint32_t size;         /* set by the caller */
  uint64_t id;           /* the peer id (also the chain's origin) */
  char uid[16];          /* the reference-style uid `network` shows */
  char addr[128];        /* transport address of the other end */
  char version[64];      /* its greeting's version, "" before it */
  bool incoming;         /* it dialled us */
  bool valid;            /* a valid greeting was received */
  int64_t top;           /* its greeting's top block, or a later valid
                            block it sent */
  uint64_t connected_ms; /* wall clock */
} mn_p2p_peer_info_t;

typedef struct mn_p2p mn_p2p_t;

/* A frame of a claimed type arrived from peer (the type byte removed). */
typedef void (*mn_p2p_msg_fn)(const mn_p2p_t *p, uint64_t peer, uint8_t type,
                              const uint8_t *payload, size_t len, void *data);

struct mn_p2p {
  uint32_t size; /* sizeof(mn_p2p_t) of the provider */

  /* -- version 1 --------------------------------------------------------- */

  /* Claims message type `type` for fn.  0, MN_EBUSY (a type the p2p
   * plugin handles itself), MN_EEXIST (claimed already). */
  int (*handle)(const mn_p2p_t *p, uint8_t type, mn_p2p_msg_fn fn, void *data);
  /* Releases a claimed type (frames of it are ignored again). */
  void (*unhandle)(const mn_p2p_t *p, uint8_t type);
  /* Sends one frame (type + payload) to a peer.  0, MN_ENOENT (no such
   * peer), MN_EAGAIN (its send queue is full: the peer is slow),
   * MN_ETOOBIG, MN_ENOMEM. */
  int (*send)(const mn_p2p_t *p, uint64_t peer, uint8_t type,
              const void *payload, size_t len);
  /* Sends to every peer with a valid greeting except `except` (0: none).
   * Returns how many peers took it. */
  size_t (*broadcast)(const mn_p2p_t *p, uint8_t type, const void *payload,
                      size_t len, uint64_t except);
  /* Fills up to cap peers (each out[i].size set by the caller); returns
   * the number of connected peers (may exceed cap). */
  size_t (*peers)(const mn_p2p_t *p, mn_p2p_peer_info_t *out, size_t cap);
  /* Ends a peer's connection; with ban, its address is refused for the
   * configured ban time.  0 or MN_ENOENT. */
  int (*disconnect)(const mn_p2p_t *p, uint64_t peer, bool ban);
};

/* ---- events -------------------------------------------------------------- */

#define MN_P2P_EVENT_VERSION 1u

/* A peer sent a valid greeting (it is now part of the network). */
#define MN_P2P_TOPIC_CONNECTED "p2p.peer.connected"
/* A connection ended (greeted or not). */
#define MN_P2P_TOPIC_CLOSED "p2p.peer.closed"

typedef struct mn_p2p_peer_event {
  uint32_t size;
  uint64_t id;
  char uid[16];
  char addr[128];
  char version[64];
  bool incoming;
  bool valid;   /* closed: whether it had greeted */
  bool banned;  /* closed: its address is now refused */
  int reason;   /* closed: MN_E* (MN_ECLOSED: the peer left) */
  char why[96]; /* closed: one sentence, "" when the peer left */
} mn_p2p_peer_event_t;

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_SVC_P2P_H */
