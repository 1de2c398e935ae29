/*
 * minima/svc/transport.h - the "transport.<scheme>" services: moving frames
 * between nodes.
 *
 * A transport carries *frames*, opaque byte strings, over connections.  It
 * knows nothing about Minima: the p2p plugin puts one protocol message
 * (type byte + payload) in each frame, Maxima may later do the same.
 * Several transports can be loaded at once; each registers the service
 * "transport.<scheme>" (MN_TRANSPORT_SERVICE_PREFIX + scheme) and serves
 * addresses of the form "<scheme>://<rest>":
 *
 *   tcp://host:port     transport-tcp: TCP on the node's loop.  host is an
 *                       IPv4 literal, [IPv6 literal] or a name.
 *   mem://name          transport-mem: in-process links, for tests and
 *                       simulations of many nodes in one process.
 *
 * A user (p2p) finds the transport for an address with mn_tp_lookup(),
 * below, and never needs to know which plugin provides it.  A third party
 * can add a scheme (tls://, tor://, quic://) by writing a plugin that
 * implements this interface; no other plugin changes.
 *
 * Framing.  The transport delimits frames; its user never adds a length.
 * A stream transport writes each frame as a uint32 big-endian length
 * followed by the frame's bytes, which is exactly the Minima wire format
 * (spec/p2p.md §1: length, then type byte and payload), so transport-tcp
 * talks to the reference node unchanged.  A message transport (mem://)
 * keeps frame boundaries itself and has no wire at all.
 *
 * Use:
 *
 *   const mn_transport_t *tp;
 *   if (mn_tp_lookup(host, self, "tcp://10.0.0.5:9001", &tp) == 0)
 *     tp->dial(tp, "tcp://10.0.0.5:9001", &opts, &handler, peer, &conn);
 *   ...
 *   handler.open(conn)            the connection is up
 *   mn_frame_t *f = mn_frame_new(n);  fill f->data
 *   tp->send(conn, f);            the transport takes its own reference
 *   mn_frame_unref(f);
 *   handler.frame(conn, f)        a frame arrived (borrowed)
 *   handler.closed(conn, reason)  the connection ended; conn is gone
 *   tp->close(conn, 0, MN_TP_FLUSH)   we end it; no callback follows
 *
 * Events, all on the loop thread and never from inside a call the user
 * made into the transport (a transport defers them instead):
 *
 *   open      once, when a dialled connection is established or a
 *             listener accepted one.  Frames may be sent before it (they
 *             are queued).
 *   frame     one complete frame, in the order the peer sent them.
 *   writable  once after send() returned MN_EAGAIN, when the queue has
 *             drained to half the high-water mark.
 *   closed    exactly once for every connection that the user has not
 *             closed itself, as the last event, with the reason (below).
 *             A failed dial gets closed without open.  The handle is
 *             invalid after the callback returns.
 *
 * Inside any callback the user may send, close this or any other
 * connection, dial, listen or close listeners.
 *
 * Closing.  close() ends the handle for the user at once: no callback is
 * made for it afterwards and it must not be used again.  With MN_TP_FLUSH
 * the frames already accepted by send() are still delivered (a transport
 * may give up after a linger time of a few seconds); without it they may
 * be dropped.
 *
 * Reasons passed to closed():
 *   MN_ECLOSED       the peer ended the connection (or closed its side)
 *   MN_ECONNRESET    the connection broke
 *   MN_ECONNREFUSED  dial: nobody listens there (or the listener is full)
 *   MN_ETIMEDOUT     dial: no answer within the connect timeout
 *   MN_ENOENT        dial: the host name does not resolve
 *   MN_ETOOBIG       the peer sent a frame larger than our max_frame
 *   MN_EFORMAT       the transport's own encoding was violated
 *   MN_ECANCELED     the transport is stopping
 *   other MN_E* / negated errno values for system errors
 *
 * Limits and back-pressure.  Each connection has a largest frame
 * (max_frame: a larger incoming frame closes the connection with
 * MN_ETOOBIG before the transport allocates it, and send() refuses larger
 * outgoing frames with MN_ETOOBIG) and a high-water mark for queued bytes
 * (send_hwm: send() returns MN_EAGAIN, queuing nothing, while the bytes
 * accepted but not yet handed to the peer are at or above it; so at most
 * send_hwm + max_frame bytes are ever queued).  Pausing reading
 * (set_reading(false)) stops frame events and, through the peer's queue,
 * slows the peer down.  Listeners cap their live accepted connections
 * (max_conns); beyond it new connections are closed at once without an
 * open event.  Incoming frames are buffered as their bytes arrive, so a
 * peer announcing a large frame costs memory only for what it really sent.
 *
 * Frames.  mn_frame_t is reference counted (on the loop thread only) so
 * one frame can be queued on many connections without copies: flood-fill
 * sends the same TxPoW to every peer.  A frame must not change once it
 * was sent.
 *
 * Threads.  Every function here is loop-thread only.  A transport must
 * accept calls from the moment its service is registered (init), because
 * its users may start before it; after its plugin stopped, listen and dial
 * return MN_ESTATE and remaining connections got closed(MN_ECANCELED).
 *
 * A frame's release function may be code of the plugin that made it, so
 * every frame is released before that plugin is unloaded (a node keeps
 * its plugins loaded until it is destroyed).
 *
 * Ownership.  Handler and options structs are read during the call only,
 * except the handler, which must outlive every connection made with it
 * (use a static const).  Strings returned for addresses belong to the
 * connection or listener and live as long as it.  Connection and listener
 * handles belong to the transport.
 *
 * Writing a transport: register one mn_transport_t per instance with
 * service_register(self, "transport.<scheme>", MN_TRANSPORT_SERVICE_VERSION,
 * &iface), list it in .provides, allocate connection structs that begin
 * with mn_tp_conn_t (and listener structs with mn_tp_listener_t), honour
 * the event rules above, and run the conformance tests of
 * tests/unit/test_transport.c against it (docs/p2p.md).
 */
#ifndef MINIMA_SVC_TRANSPORT_H
#define MINIMA_SVC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../errors.h"
#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MN_TRANSPORT_SERVICE_PREFIX "transport."
#define MN_TRANSPORT_SERVICE_VERSION 1u

/* The largest frame of the Minima protocol (spec/p2p.md §1: 256 MiB);
 * also the default max_frame. */
#define MN_TP_FRAME_MAX (256u * 1024u * 1024u)
/* Default high-water mark of a connection's send queue. */
#define MN_TP_SEND_HWM (4u * 1024u * 1024u)
/* Room for any address text a transport returns, NUL included. */
#define MN_TP_ADDR_MAX 128u
/* Longest scheme name. */
#define MN_TP_SCHEME_MAX 16u

/* ---- frames ------------------------------------------------------------- */

typedef struct mn_frame mn_frame_t;

struct mn_frame {
  uint8_t *data;
  size_t len;
  uint32_t refs;                      /* loop thread only */
  void (*release)(mn_frame_t *frame); /* called when refs reaches 0 */
};

static inline void mn_frame__free(mn_frame_t *f) {
  free(f);
}

/* A frame of len bytes (uninitialised) in one allocation, holding one
 * reference; NULL when out of memory. */
static inline mn_frame_t *mn_frame_new(size_t len) {
  if (len > SIZE_MAX - sizeof(mn_frame_t))
    return NULL;
  mn_frame_t *f = (mn_frame_t *)malloc(sizeof *f + (len ? len : 1));
  if (!f)
    return NULL;
  f->data = (uint8_t *)(f + 1);
  f->len = len;
  f->refs = 1;
  f->release = mn_frame__free;
  return f;
}

/* A new frame holding a copy of data[0..len). */
static inline mn_frame_t *mn_frame_copy(const void *data, size_t len) {
  mn_frame_t *f = mn_frame_new(len);
  if (f && len)
    memcpy(f->data, data, len);
  return f;
}

static inline mn_frame_t *mn_frame_ref(mn_frame_t *f) {
  f->refs++;
  return f;
}

static inline void mn_frame_unref(mn_frame_t *f) {
  if (f && --f->refs == 0)
    f->release(f);
}

/* ---- handles, events, options ------------------------------------------ */

typedef struct mn_transport mn_transport_t;
typedef struct mn_tp_conn mn_tp_conn_t;
typedef struct mn_tp_listener mn_tp_listener_t;

/* Connection flags (mn_tp_conn_t.flags). */
#define MN_TP_INCOMING 0x1u /* accepted by a listener, not dialled */

/* The public head of every connection.  A transport's connection struct
 * begins with it. */
struct mn_tp_conn {
  const mn_transport_t *transport; /* read-only */
  void *data;     /* the user's; starts as the dial's or listener's data */
  uint32_t flags; /* read-only: MN_TP_* */
  uint64_t id;    /* read-only: unique within the transport instance */
};

/* The public head of every listener. */
struct mn_tp_listener {
  const mn_transport_t *transport; /* read-only */
  void *data;                      /* the user's */
};

/* Event callbacks (see the top of this file).  open, frame and closed are
 * required; writable may be NULL. */
typedef struct mn_tp_handler {
  uint32_t size; /* sizeof(mn_tp_handler_t) */
  void (*open)(mn_tp_conn_t *conn);
  /* frame is borrowed for the callback; mn_frame_ref() it to keep it. */
  void (*frame)(mn_tp_conn_t *conn, mn_frame_t *frame);
  void (*writable)(mn_tp_conn_t *conn);
  void (*closed)(mn_tp_conn_t *conn, int reason);
} mn_tp_handler_t;

/* Per-connection limits; a NULL pointer or a zero field means the
 * default.  Fields beyond `size` are taken as zero. */
typedef struct mn_tp_opts {
  uint32_t size;       /* sizeof(mn_tp_opts_t) */
  uint32_t max_frame;  /* largest frame either way; 0: MN_TP_FRAME_MAX */
  uint32_t send_hwm;   /* send queue high-water mark; 0: MN_TP_SEND_HWM */
  uint32_t max_conns;  /* listen: live accepted connections; 0: the
                          transport's configured maximum */
  uint32_t timeout_ms; /* dial: connect timeout; 0: the transport's */
} mn_tp_opts_t;

/* Counters of one connection. */
typedef struct mn_tp_stats {
  uint64_t frames_in, frames_out; /* delivered to us / handed to the peer */
  uint64_t bytes_in, bytes_out;   /* frame bytes (no framing overhead) */
  uint64_t queued_bytes;          /* accepted by send, not yet handed on */
  uint32_t queued_frames;
  bool reading; /* set_reading state */
} mn_tp_stats_t;

/* Flags of close(). */
#define MN_TP_FLUSH 0x1u /* deliver what send() accepted before ending */

/* ---- the service -------------------------------------------------------- */

struct mn_transport {
  uint32_t size;           /* sizeof(mn_transport_t) of the provider */
  const char *scheme;      /* "tcp": the part before "://" */
  const char *description; /* one line, for logs and `network` */

  /* Listens on addr ("tcp://127.0.0.1:9001"; port 0 or "mem://" picks a
   * free one, see listener_addr).  Accepted connections use handler and
   * start with conn->data = data.  0, MN_EINVAL (malformed address),
   * MN_ENOTSUP (another scheme), MN_EADDRINUSE, MN_EACCES, MN_ESTATE
   * (stopped) or another error. */
  int (*listen)(const mn_transport_t *tp, const char *addr,
                const mn_tp_opts_t *opts, const mn_tp_handler_t *handler,
                void *data, mn_tp_listener_t **out);
  /* The address actually bound, in full ("tcp://127.0.0.1:41234"). */
  const char *(*listener_addr)(const mn_tp_listener_t *l);
  /* Stops accepting; connections already accepted stay open.  The handle
   * is invalid afterwards. */
  void (*listener_close)(mn_tp_listener_t *l);

  /* Starts connecting to addr; *out is valid at once and receives open or
   * closed later.  conn->data = data.  0, or MN_EINVAL / MN_ENOTSUP /
   * MN_ESTATE / MN_ENOMEM with no handle and no callback. */
  int (*dial)(const mn_transport_t *tp, const char *addr,
              const mn_tp_opts_t *opts, const mn_tp_handler_t *handler,
              void *data, mn_tp_conn_t **out);

  /* Queues frame (taking a reference; the caller keeps its own).  0,
   * MN_EAGAIN (queue at the high-water mark, nothing queued, writable
   * follows), MN_ETOOBIG (frame->len > max_frame), MN_ECLOSED (the
   * connection is ending). */
  int (*send)(mn_tp_conn_t *conn, mn_frame_t *frame);
  /* Ends the connection for the user (see Closing above).  reason is
   * informative (logged by the transport); flags: MN_TP_FLUSH. */
  void (*close)(mn_tp_conn_t *conn, int reason, uint32_t flags);
  /* Pauses (false) or resumes (true) frame events; new connections read. */
  void (*set_reading)(mn_tp_conn_t *conn, bool on);

  /* Full addresses of both ends ("tcp://1.2.3.4:51000"), valid while the
   * handle is.  The dialled address for a connection still connecting. */
  const char *(*peer_addr)(const mn_tp_conn_t *conn);
  const char *(*local_addr)(const mn_tp_conn_t *conn);
  void (*stats)(const mn_tp_conn_t *conn, mn_tp_stats_t *out);
};

_Static_assert(offsetof(mn_transport_t, listen) == 24,
               "mn_transport_t layout is ABI");

/* ---- helpers ------------------------------------------------------------ */

/* Copies the scheme of addr ("tcp" from "tcp://h:1") into out.  0, or
 * MN_EINVAL when addr has no "<scheme>://" prefix of 1 to
 * MN_TP_SCHEME_MAX - 1 characters [a-z0-9+.-]. */
static inline int mn_tp_scheme(const char *addr, char *out, size_t outlen) {
  size_t n = 0;
  if (!addr || outlen == 0)
    return MN_EINVAL;
  while (addr[n] && addr[n] != ':') {
    char ch = addr[n];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' ||
          ch == '.' || ch == '-'))
      return MN_EINVAL;
    n++;
  }
  if (n == 0 || n >= MN_TP_SCHEME_MAX || n >= outlen ||
      strncmp(addr + n, "://", 3) != 0)
    return MN_EINVAL;
  memcpy(out, addr, n);
  out[n] = '\0';
  return 0;
}

/* Finds the transport that serves addr's scheme.  0 and *out, MN_EINVAL
 * (no scheme) or MN_ENOTSUP (no loaded transport serves it). */
static inline int mn_tp_lookup(const mn_host_t *host, mn_plugin_t *self,
                               const char *addr, const mn_transport_t **out) {
  char scheme[MN_TP_SCHEME_MAX];
  char name[sizeof MN_TRANSPORT_SERVICE_PREFIX + MN_TP_SCHEME_MAX];
  int err = mn_tp_scheme(addr, scheme, sizeof scheme);
  if (err)
    return err;
  memcpy(name, MN_TRANSPORT_SERVICE_PREFIX,
         sizeof MN_TRANSPORT_SERVICE_PREFIX - 1);
  strcpy(name + sizeof MN_TRANSPORT_SERVICE_PREFIX - 1, scheme);
  const mn_transport_t *tp = (const mn_transport_t *)host->service_lookup(
      self, name, MN_TRANSPORT_SERVICE_VERSION);
  if (!tp)
    return MN_ENOTSUP;
  *out = tp;
  return 0;
}

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_SVC_TRANSPORT_H */
