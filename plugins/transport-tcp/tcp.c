/*
 * transport-tcp - frames over TCP on the node's libuv loop: the
 * "transport.tcp" service, addresses tcp://host:port (minima/svc/
 * transport.h is the contract, docs/p2p.md the configuration).
 *
 * Each frame travels as a uint32 big-endian length and the frame's bytes,
 * the Minima wire framing, so a node using this transport talks to the
 * reference node.
 *
 * A connection owns a TCP handle and a timer.  The timer serves one
 * purpose at a time: the connect timeout while connecting; deferred work
 * while open (a failure found inside a user's call, or bytes held back
 * while reading was paused); the linger limit after a flushing close.
 *
 * Reading: every connection of an instance reads into one shared 64 KiB
 * buffer (libuv calls alloc and read back to back on the loop thread) and
 * the bytes are split into frames at once.  A frame's buffer starts at
 * min(length, 64 KiB) and doubles as bytes arrive, so a peer that
 * announces a large frame costs only what it actually sends.
 *
 * Lifetime: a connection is freed when it is dead (its user was told, or
 * closed it) and its handles' close callbacks and its name lookup have
 * all come back.  Those callbacks may run after the instance itself was
 * freed (minimad closes handles last), so they touch only the connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include <minima/minima.h>
#include <minima/svc/transport.h>

#define TCP_RBUF 65536u
#define TCP_FIRST_CHUNK 65536u

typedef struct tcp_tp tcp_tp_t;
typedef struct tconn tconn_t;
typedef struct tlst tlst_t;

struct tcp_tp {
  mn_transport_t iface; /* first: the service pointer is the instance */
  mn_plugin_t *self;
  const mn_host_t *host;
  uv_loop_t *loop;
  tconn_t *conns;
  tlst_t *lsts;
  bool stopped;
  uint64_t next_id;
  uint32_t connect_timeout_ms, max_conns, keepalive_s, linger_ms;
  bool nodelay;
  char *rbuf;
};

typedef enum cstate { ST_RESOLVING, ST_CONNECTING, ST_OPEN } cstate_t;

typedef struct pending {
  struct pending *next;
  mn_frame_t *frame;
} pending_t;

typedef struct wreq {
  uv_write_t req;
  tconn_t *conn;
  mn_frame_t *frame;
  uint8_t hdr[4];
} wreq_t;

struct tconn {
  mn_tp_conn_t pub;
  tcp_tp_t *tp; /* NULL once dead */
  tlst_t *lst;
  const mn_tp_handler_t *h;
  cstate_t state;
  bool dead, user_closed, tcp_inited, reading, want_writable, shut;
  int handles; /* initialised handles whose close callback is due */
  int reqs;    /* name lookups in flight */
  int fail;    /* deferred failure reason, 0 if none */
  uint32_t max_frame, hwm;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_getaddrinfo_t gai;
  uv_connect_t creq;
  uv_shutdown_t sreq;
  uint16_t port;                  /* dial target */
  uint32_t timeout_ms;            /* dial: connect timeout */
  pending_t *pre_head, *pre_tail; /* frames sent before the connection */
  size_t queued_bytes;
  uint32_t queued_frames;
  /* frame being read */
  uint8_t hdr[4];
  uint32_t hdr_have;
  mn_frame_t *in;
  size_t in_have, in_cap;
  /* bytes held back while reading is paused */
  char *stash;
  size_t stash_len, stash_off;
  uint64_t frames_in, frames_out, bytes_in, bytes_out;
  tconn_t *prev, *next;
  char peer_addr[MN_TP_ADDR_MAX];
  char local_addr[MN_TP_ADDR_MAX];
};

struct tlst {
  mn_tp_listener_t pub;
  tcp_tp_t *tp;
  uv_tcp_t tcp;
  const mn_tp_handler_t *h;
  uint32_t max_frame, hwm, max_conns;
  unsigned live;
  tlst_t *next;
  char addr[MN_TP_ADDR_MAX];
};

static tcp_tp_t *tp_of(const mn_transport_t *t) {
  return (tcp_tp_t *)t;
}

/* libuv reports negated errno values, as we do, plus a few of its own. */
static int map_err(int uverr) {
  if (uverr == UV_EOF)
    return MN_ECLOSED;
  if (uverr == UV_EPIPE || uverr == UV_ECONNABORTED)
    return MN_ECONNRESET;
  if (uverr <= UV_EAI_ADDRFAMILY && uverr > UV_EAI_ADDRFAMILY - 32)
    return MN_ENOENT; /* the getaddrinfo family */
  return uverr;
}

/* ---- addresses -------------------------------------------------------------
 */

/* Splits "tcp://host:port" into host (no brackets) and port.  0,
 * MN_ENOTSUP (another scheme) or MN_EINVAL. */
static int parse_addr(const char *addr, char *host, size_t hostlen,
                      uint16_t *port) {
  char scheme[MN_TP_SCHEME_MAX];
  if (mn_tp_scheme(addr, scheme, sizeof scheme))
    return MN_EINVAL;
  if (strcmp(scheme, "tcp") != 0)
    return MN_ENOTSUP;
  const char *p = addr + 6, *end;
  size_t hl;
  if (*p == '[') {
    end = strchr(p, ']');
    if (!end || end[1] != ':')
      return MN_EINVAL;
    hl = (size_t)(end - p - 1);
    p++;
    end++;
  } else {
    end = strrchr(p, ':');
    if (!end)
      return MN_EINVAL;
    hl = (size_t)(end - p);
    if (memchr(p, ':', hl))
      return MN_EINVAL; /* a bare IPv6 literal needs brackets */
  }
  if (hl == 0 || hl >= hostlen)
    return MN_EINVAL;
  memcpy(host, p, hl);
  host[hl] = '\0';
  const char *ps = end + 1;
  if (!*ps || strlen(ps) > 5)
    return MN_EINVAL;
  unsigned v = 0;
  for (const char *q = ps; *q; q++) {
    if (*q < '0' || *q > '9')
      return MN_EINVAL;
    v = v * 10 + (unsigned)(*q - '0');
  }
  if (v > 65535)
    return MN_EINVAL;
  *port = (uint16_t)v;
  return 0;
}

static void format_addr(const struct sockaddr *sa, char *out, size_t len) {
  char ip[64] = "?";
  int port = 0;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    uv_ip4_name(s4, ip, sizeof ip);
    port = ntohs(s4->sin_port);
    snprintf(out, len, "tcp://%s:%d", ip, port);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    uv_ip6_name(s6, ip, sizeof ip);
    port = ntohs(s6->sin6_port);
    snprintf(out, len, "tcp://[%s]:%d", ip, port);
  } else {
    snprintf(out, len, "tcp://?");
  }
}

/* Fills sa from a numeric host; false when host is a name. */
static bool numeric_addr(const char *host, uint16_t port,
                         struct sockaddr_storage *sa) {
  memset(sa, 0, sizeof *sa);
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)sa) == 0)
    return true;
  if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)sa) == 0)
    return true;
  return false;
}

static uint32_t opt_or(const mn_tp_opts_t *o, size_t off, uint32_t def) {
  if (!o || o->size < off + sizeof(uint32_t))
    return def;
  uint32_t v;
  memcpy(&v, (const char *)o + off, sizeof v);
  return v ? v : def;
}

#define OPT(o, field, def) opt_or((o), offsetof(mn_tp_opts_t, field), (def))

/* ---- connection lifetime ------------------------------------------------- */

static void maybe_free(tconn_t *c) {
  if (!c->dead || c->handles > 0 || c->reqs > 0)
    return;
  while (c->pre_head) {
    pending_t *p = c->pre_head;
    c->pre_head = p->next;
    mn_frame_unref(p->frame);
    free(p);
  }
  mn_frame_unref(c->in);
  free(c->stash);
  free(c);
}

static void handle_closed(uv_handle_t *h) {
  tconn_t *c = h->data;
  c->handles--;
  maybe_free(c);
}

static void unlink_conn(tconn_t *c) {
  tcp_tp_t *tp = c->tp;
  if (!tp)
    return;
  if (c->prev)
    c->prev->next = c->next;
  else
    tp->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  c->prev = c->next = NULL;
  c->tp = NULL;
}

/* Ends c: closes its handles, and tells its user (notify, unless the user
 * closed it) with reason.  Safe to call from any libuv callback. */
static void die(tconn_t *c, int reason, bool notify) {
  if (c->dead)
    return;
  c->dead = true;
  unlink_conn(c);
  if (c->lst) {
    c->lst->live--;
    c->lst = NULL;
  }
  if (c->state == ST_RESOLVING && c->reqs > 0)
    uv_cancel((uv_req_t *)&c->gai);
  if (c->tcp_inited)
    uv_close((uv_handle_t *)&c->tcp, handle_closed);
  uv_close((uv_handle_t *)&c->timer, handle_closed);
  if (notify && !c->user_closed)
    c->h->closed(&c->pub, reason);
}

static void on_timer(uv_timer_t *t);

/* A failure found inside a user's call is reported from the loop. */
static void fail_later(tconn_t *c, int reason) {
  if (c->dead || c->fail)
    return;
  c->fail = reason;
  uv_timer_start(&c->timer, on_timer, 0, 0);
}

static tconn_t *conn_new(tcp_tp_t *tp, const mn_tp_handler_t *h, void *data,
                         uint32_t max_frame, uint32_t hwm) {
  tconn_t *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->pub.transport = &tp->iface;
  c->pub.data = data;
  c->pub.id = ++tp->next_id;
  c->tp = tp;
  c->h = h;
  c->max_frame = max_frame;
  c->hwm = hwm;
  c->reading = true;
  uv_timer_init(tp->loop, &c->timer);
  c->timer.data = c;
  c->handles = 1;
  c->next = tp->conns;
  if (tp->conns)
    tp->conns->prev = c;
  tp->conns = c;
  return c;
}

static void tcp_setup(tconn_t *c) {
  tcp_tp_t *tp = c->tp;
  if (tp->nodelay)
    uv_tcp_nodelay(&c->tcp, 1);
  if (tp->keepalive_s)
    uv_tcp_keepalive(&c->tcp, 1, tp->keepalive_s);
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
    format_addr((struct sockaddr *)&ss, c->peer_addr, sizeof c->peer_addr);
  len = sizeof ss;
  if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
    format_addr((struct sockaddr *)&ss, c->local_addr, sizeof c->local_addr);
}

/* ---- writing
 * ----------------------------------------------------------------- */

static void on_write(uv_write_t *req, int status) {
  wreq_t *w = (wreq_t *)req;
  tconn_t *c = w->conn;
  size_t len = w->frame->len;
  c->queued_bytes -= len;
  c->queued_frames--;
  mn_frame_unref(w->frame);
  free(w);
  if (c->dead)
    return;
  if (status < 0) {
    if (c->user_closed)
      die(c, 0, false);
    else
      die(c, map_err(status), true);
    return;
  }
  c->frames_out++;
  c->bytes_out += len;
  if (c->want_writable && !c->user_closed && c->queued_bytes <= c->hwm / 2) {
    c->want_writable = false;
    if (c->h->writable)
      c->h->writable(&c->pub);
  }
}

/* Hands f to libuv (the caller counted it as queued).  0 or an error. */
static int write_frame(tconn_t *c, mn_frame_t *f) {
  wreq_t *w = malloc(sizeof *w);
  if (!w)
    return MN_ENOMEM;
  w->conn = c;
  w->frame = f;
  uint32_t n = (uint32_t)f->len;
  w->hdr[0] = (uint8_t)(n >> 24);
  w->hdr[1] = (uint8_t)(n >> 16);
  w->hdr[2] = (uint8_t)(n >> 8);
  w->hdr[3] = (uint8_t)n;
  uv_buf_t bufs[2] = {uv_buf_init((char *)w->hdr, 4),
                      uv_buf_init((char *)f->data, (unsigned)f->len)};
  int err =
      uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, f->len ? 2 : 1, on_write);
  if (err) {
    free(w);
    return map_err(err);
  }
  return 0;
}

/* ---- reading
 * ------------------------------------------------------------------ */

static void frame_release(mn_frame_t *f) {
  free(f->data);
  free(f);
}

static void deliver(tconn_t *c) {
  mn_frame_t *f = c->in;
  c->in = NULL;
  c->in_have = c->in_cap = 0;
  c->frames_in++;
  c->bytes_in += f->len;
  c->h->frame(&c->pub, f);
  mn_frame_unref(f);
}

/* Starts the frame whose header was read.  false when the connection was
 * ended. */
static bool begin_frame(tconn_t *c) {
  uint32_t len = (uint32_t)c->hdr[0] << 24 | (uint32_t)c->hdr[1] << 16 |
                 (uint32_t)c->hdr[2] << 8 | c->hdr[3];
  c->hdr_have = 0;
  if (len > c->max_frame) {
    die(c, MN_ETOOBIG, true);
    return false;
  }
  mn_frame_t *f = malloc(sizeof *f);
  size_t cap = len < TCP_FIRST_CHUNK ? len : TCP_FIRST_CHUNK;
  uint8_t *data = malloc(cap ? cap : 1);
  if (!f || !data) {
    free(f);
    free(data);
    die(c, MN_ENOMEM, true);
    return false;
  }
  *f = (mn_frame_t){data, len, 1, frame_release};
  c->in = f;
  c->in_have = 0;
  c->in_cap = cap;
  if (len == 0)
    deliver(c);
  return true;
}

static void keep_rest(tconn_t *c, const char *p, size_t n) {
  char *s = malloc(n);
  if (!s) {
    die(c, MN_ENOMEM, true);
    return;
  }
  memcpy(s, p, n);
  free(c->stash);
  c->stash = s;
  c->stash_len = n;
  c->stash_off = 0;
}

/* Splits bytes into frames until they run out, the connection ends, or its
 * user pauses reading (the rest is kept for later). */
static void parse(tconn_t *c, const char *p, size_t n) {
  while (n > 0 && !c->dead && !c->user_closed) {
    if (!c->reading) {
      keep_rest(c, p, n);
      if (c->state == ST_OPEN && !c->dead)
        uv_read_stop((uv_stream_t *)&c->tcp);
      return;
    }
    if (!c->in) {
      size_t take = 4 - c->hdr_have;
      if (take > n)
        take = n;
      memcpy(c->hdr + c->hdr_have, p, take);
      c->hdr_have += (uint32_t)take;
      p += take;
      n -= take;
      if (c->hdr_have == 4 && !begin_frame(c))
        return;
      continue;
    }
    mn_frame_t *f = c->in;
    size_t take = f->len - c->in_have;
    if (take > n)
      take = n;
    if (c->in_have + take > c->in_cap) {
      size_t cap = c->in_cap ? c->in_cap : 1;
      while (cap < c->in_have + take)
        cap = cap > f->len / 2 ? f->len : cap * 2;
      uint8_t *d = realloc(f->data, cap);
      if (!d) {
        die(c, MN_ENOMEM, true);
        return;
      }
      f->data = d;
      c->in_cap = cap;
    }
    memcpy(f->data + c->in_have, p, take);
    c->in_have += take;
    p += take;
    n -= take;
    if (c->in_have == f->len)
      deliver(c);
  }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  tconn_t *c = h->data;
  buf->base = c->tp->rbuf;
  buf->len = TCP_RBUF;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  tconn_t *c = s->data;
  if (c->dead)
    return;
  if (nread < 0) {
    if (c->user_closed)
      die(c, 0, false);
    else
      die(c, map_err((int)nread), true);
    return;
  }
  if (c->user_closed) /* draining after a flushing close */
    return;
  parse(c, buf->base, (size_t)nread);
}

static void start_reading(tconn_t *c) {
  int err = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  if (err)
    fail_later(c, map_err(err));
}

/* ---- timer: connect timeout, deferred work, linger ------------------------
 */

static void on_timer(uv_timer_t *t) {
  tconn_t *c = t->data;
  if (c->dead)
    return;
  if (c->user_closed) { /* linger expired */
    die(c, 0, false);
    return;
  }
  if (c->state != ST_OPEN) {
    die(c, MN_ETIMEDOUT, true);
    return;
  }
  if (c->fail) {
    die(c, c->fail, true);
    return;
  }
  if (c->stash && c->reading) {
    char *s = c->stash;
    size_t off = c->stash_off, len = c->stash_len;
    c->stash = NULL;
    c->stash_len = c->stash_off = 0;
    parse(c, s + off, len - off);
    free(s);
    if (!c->dead && !c->user_closed && c->reading && !c->stash)
      start_reading(c);
  }
}

/* ---- connecting
 * ---------------------------------------------------------------- */

static void on_shutdown(uv_shutdown_t *req, int status) {
  tconn_t *c = req->data;
  if (c->dead)
    return;
  c->shut = true;
  if (status < 0)
    die(c, 0, false);
  /* else keep reading until the peer closes or the linger timer fires */
}

/* The flushing close of an open connection: finish the writes, send FIN,
 * drain what the peer still sends, close on its EOF or after linger_ms. */
static void begin_linger(tconn_t *c, uint32_t linger_ms) {
  c->sreq.data = c;
  uv_timer_start(&c->timer, on_timer, linger_ms, 0);
  if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    die(c, 0, false);
    return;
  }
  /* drain (and discard) until the peer's EOF; reading may be paused */
  uv_read_stop((uv_stream_t *)&c->tcp);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_connect(uv_connect_t *req, int status) {
  tconn_t *c = req->data;
  if (c->dead)
    return;
  if (status < 0) {
    die(c, map_err(status), true);
    return;
  }
  uv_timer_stop(&c->timer);
  c->state = ST_OPEN;
  tcp_setup(c);
  while (c->pre_head) {
    pending_t *p = c->pre_head;
    c->pre_head = p->next;
    if (!c->pre_head)
      c->pre_tail = NULL;
    mn_frame_t *f = p->frame;
    free(p);
    int err = write_frame(c, f);
    if (err) {
      c->queued_bytes -= f->len;
      c->queued_frames--;
      mn_frame_unref(f);
      die(c, err, true);
      return;
    }
  }
  if (c->user_closed) {
    begin_linger(c, c->tp->linger_ms);
    return;
  }
  if (c->reading)
    start_reading(c);
  c->h->open(&c->pub);
}

static void connect_to(tconn_t *c, const struct sockaddr *sa) {
  int err = uv_tcp_init(c->tp->loop, &c->tcp);
  if (err) {
    die(c, map_err(err), true);
    return;
  }
  c->tcp.data = c;
  c->tcp_inited = true;
  c->handles++;
  c->state = ST_CONNECTING;
  c->creq.data = c;
  err = uv_tcp_connect(&c->creq, &c->tcp, sa, on_connect);
  if (err)
    die(c, map_err(err), true);
}

static void on_resolved(uv_getaddrinfo_t *req, int status,
                        struct addrinfo *res) {
  tconn_t *c = req->data;
  c->reqs--;
  if (c->dead) {
    if (res)
      uv_freeaddrinfo(res);
    maybe_free(c);
    return;
  }
  if (status < 0 || !res) {
    if (res)
      uv_freeaddrinfo(res);
    die(c, status < 0 ? map_err(status) : MN_ENOENT, true);
    return;
  }
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  memcpy(&ss, res->ai_addr, res->ai_addrlen);
  uv_freeaddrinfo(res);
  if (ss.ss_family == AF_INET)
    ((struct sockaddr_in *)&ss)->sin_port = htons(c->port);
  else
    ((struct sockaddr_in6 *)&ss)->sin6_port = htons(c->port);
  connect_to(c, (struct sockaddr *)&ss);
}

/* Deferred start of a dial, so that a failure at once is still reported
 * from the loop. */
static void on_dial_start(uv_timer_t *t) {
  tconn_t *c = t->data;
  if (c->dead)
    return;
  uv_timer_start(&c->timer, on_timer, c->timeout_ms, 0);
  char host[MN_TP_ADDR_MAX];
  uint16_t port;
  parse_addr(c->peer_addr, host, sizeof host, &port);
  struct sockaddr_storage ss;
  if (numeric_addr(host, port, &ss)) {
    connect_to(c, (struct sockaddr *)&ss);
    return;
  }
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  c->port = port;
  c->gai.data = c;
  int err =
      uv_getaddrinfo(c->tp->loop, &c->gai, on_resolved, host, NULL, &hints);
  if (err) {
    die(c, map_err(err), true);
    return;
  }
  c->reqs++;
}

/* ---- the service ------------------------------------------------------------
 */

static int t_dial(const mn_transport_t *t, const char *addr,
                  const mn_tp_opts_t *o, const mn_tp_handler_t *h, void *data,
                  mn_tp_conn_t **out) {
  tcp_tp_t *tp = tp_of(t);
  char host[MN_TP_ADDR_MAX];
  uint16_t port;
  int err = parse_addr(addr, host, sizeof host, &port);
  if (err)
    return err;
  if (port == 0 || !h || !h->open || !h->frame || !h->closed)
    return MN_EINVAL;
  if (tp->stopped)
    return MN_ESTATE;
  tconn_t *c = conn_new(tp, h, data, OPT(o, max_frame, MN_TP_FRAME_MAX),
                        OPT(o, send_hwm, MN_TP_SEND_HWM));
  if (!c)
    return MN_ENOMEM;
  c->state = ST_RESOLVING;
  snprintf(c->peer_addr, sizeof c->peer_addr, "%s", addr);
  snprintf(c->local_addr, sizeof c->local_addr, "tcp://?");
  c->timeout_ms = OPT(o, timeout_ms, tp->connect_timeout_ms);
  c->port = port;
  uv_timer_start(&c->timer, on_dial_start, 0, 0);
  *out = &c->pub;
  return 0;
}

static int t_send(mn_tp_conn_t *pub, mn_frame_t *f) {
  tconn_t *c = (tconn_t *)pub;
  if (c->dead || c->user_closed || c->fail)
    return MN_ECLOSED;
  if (f->len > c->max_frame)
    return MN_ETOOBIG;
  if (c->queued_bytes >= c->hwm) {
    c->want_writable = true;
    return MN_EAGAIN;
  }
  if (c->state != ST_OPEN) {
    pending_t *p = malloc(sizeof *p);
    if (!p)
      return MN_ENOMEM;
    p->next = NULL;
    p->frame = mn_frame_ref(f);
    if (c->pre_tail)
      c->pre_tail->next = p;
    else
      c->pre_head = p;
    c->pre_tail = p;
  } else {
    int err = write_frame(c, mn_frame_ref(f));
    if (err) {
      mn_frame_unref(f);
      fail_later(c, err);
      return err;
    }
  }
  c->queued_bytes += f->len;
  c->queued_frames++;
  return 0;
}

static void t_close(mn_tp_conn_t *pub, int reason, uint32_t flags) {
  tconn_t *c = (tconn_t *)pub;
  if (!c || c->dead || c->user_closed)
    return;
  c->user_closed = true;
  c->want_writable = false;
  tcp_tp_t *tp = c->tp;
  if (!(flags & MN_TP_FLUSH) || tp->stopped) {
    die(c, reason, false);
    return;
  }
  if (c->state != ST_OPEN) {
    /* on_connect writes what was queued, then lingers */
    if (!c->pre_head)
      die(c, reason, false);
    return;
  }
  free(c->stash);
  c->stash = NULL;
  c->fail = 0;
  begin_linger(c, tp->linger_ms);
}

static void t_set_reading(mn_tp_conn_t *pub, bool on) {
  tconn_t *c = (tconn_t *)pub;
  if (c->dead || c->user_closed || c->reading == on)
    return;
  c->reading = on;
  if (c->state != ST_OPEN)
    return;
  if (!on) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    return;
  }
  if (c->stash)
    uv_timer_start(&c->timer, on_timer, 0, 0);
  else
    start_reading(c);
}

static const char *t_peer_addr(const mn_tp_conn_t *pub) {
  return ((const tconn_t *)pub)->peer_addr;
}

static const char *t_local_addr(const mn_tp_conn_t *pub) {
  return ((const tconn_t *)pub)->local_addr;
}

static void t_stats(const mn_tp_conn_t *pub, mn_tp_stats_t *out) {
  const tconn_t *c = (const tconn_t *)pub;
  *out = (mn_tp_stats_t){
      .frames_in = c->frames_in,
      .frames_out = c->frames_out,
      .bytes_in = c->bytes_in,
      .bytes_out = c->bytes_out,
      .queued_bytes = c->queued_bytes,
      .queued_frames = c->queued_frames,
      .reading = c->reading,
  };
}

/* ---- listening
 * ---------------------------------------------------------------- */

static void on_connection(uv_stream_t *server, int status) {
  tlst_t *l = server->data;
  tcp_tp_t *tp = l->tp;
  if (status < 0) {
    tp->host->log(tp->self, MN_LOG_WARN, "accept on %s failed: %s", l->addr,
                  uv_strerror(status));
    return;
  }
  tconn_t *c = conn_new(tp, l->h, l->pub.data, l->max_frame, l->hwm);
  if (!c)
    return;
  c->pub.flags = MN_TP_INCOMING;
  uv_tcp_init(tp->loop, &c->tcp);
  c->tcp.data = c;
  c->tcp_inited = true;
  c->handles++;
  c->user_closed = true; /* silent until accepted for good */
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    die(c, 0, false);
    return;
  }
  if (l->max_conns && l->live >= l->max_conns) {
    tp->host->log(tp->self, MN_LOG_DEBUG,
                  "%s: %u connections, refusing another", l->addr, l->live);
    die(c, 0, false);
    return;
  }
  c->user_closed = false;
  c->state = ST_OPEN;
  c->lst = l;
  l->live++;
  tcp_setup(c);
  start_reading(c);
  c->h->open(&c->pub);
}

static void lst_closed(uv_handle_t *h) {
  free(h->data);
}

static int t_listen(const mn_transport_t *t, const char *addr,
                    const mn_tp_opts_t *o, const mn_tp_handler_t *h, void *data,
                    mn_tp_listener_t **out) {
  tcp_tp_t *tp = tp_of(t);
  char host[MN_TP_ADDR_MAX];
  uint16_t port;
  int err = parse_addr(addr, host, sizeof host, &port);
  if (err)
    return err;
  if (!h || !h->open || !h->frame || !h->closed)
    return MN_EINVAL;
  if (tp->stopped)
    return MN_ESTATE;
  struct sockaddr_storage ss;
  if (!numeric_addr(host, port, &ss)) {
    /* a name: resolve it now (listening happens at start-up) */
    uv_getaddrinfo_t req;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    err = uv_getaddrinfo(tp->loop, &req, NULL, host, NULL, &hints);
    if (err || !req.addrinfo)
      return MN_ENOENT;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
    uv_freeaddrinfo(req.addrinfo);
    if (ss.ss_family == AF_INET)
      ((struct sockaddr_in *)&ss)->sin_port = htons(port);
    else
      ((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
  }
  tlst_t *l = calloc(1, sizeof *l);
  if (!l)
    return MN_ENOMEM;
  l->pub.transport = t;
  l->pub.data = data;
  l->tp = tp;
  l->h = h;
  l->max_frame = OPT(o, max_frame, MN_TP_FRAME_MAX);
  l->hwm = OPT(o, send_hwm, MN_TP_SEND_HWM);
  l->max_conns = OPT(o, max_conns, tp->max_conns);
  uv_tcp_init(tp->loop, &l->tcp);
  l->tcp.data = l;
  err = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0);
  if (!err)
    err = uv_listen((uv_stream_t *)&l->tcp, 128, on_connection);
  if (err) {
    uv_close((uv_handle_t *)&l->tcp, lst_closed); /* frees l */
    return map_err(err);
  }
  int len = sizeof ss;
  uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len);
  format_addr((struct sockaddr *)&ss, l->addr, sizeof l->addr);
  l->next = tp->lsts;
  tp->lsts = l;
  *out = &l->pub;
  return 0;
}

static const char *t_listener_addr(const mn_tp_listener_t *pub) {
  return ((const tlst_t *)pub)->addr;
}

static void t_listener_close(mn_tp_listener_t *pub) {
  tlst_t *l = (tlst_t *)pub;
  if (!l)
    return;
  tcp_tp_t *tp = l->tp;
  for (tlst_t **pp = &tp->lsts; *pp; pp = &(*pp)->next)
    if (*pp == l) {
      *pp = l->next;
      break;
    }
  for (tconn_t *c = tp->conns; c; c = c->next)
    if (c->lst == l)
      c->lst = NULL;
  uv_close((uv_handle_t *)&l->tcp, lst_closed);
}

/* ---- the plugin
 * ---------------------------------------------------------------- */

static int tcp_init(mn_plugin_t *self, const mn_host_t *host, void **state) {
  tcp_tp_t *tp = calloc(1, sizeof *tp);
  char *rbuf = malloc(TCP_RBUF);
  if (!tp || !rbuf) {
    free(tp);
    free(rbuf);
    return MN_ENOMEM;
  }
  tp->self = self;
  tp->host = host;
  tp->loop = host->uv_loop(self);
  tp->rbuf = rbuf;
  tp->connect_timeout_ms = (uint32_t)host->cfg_int(self, "connect_timeout_ms");
  tp->max_conns = (uint32_t)host->cfg_int(self, "max_connections");
  tp->keepalive_s = (uint32_t)host->cfg_int(self, "keepalive_s");
  tp->linger_ms = (uint32_t)host->cfg_int(self, "linger_ms");
  tp->nodelay = host->cfg_bool(self, "nodelay");
  tp->iface = (mn_transport_t){
      .size = sizeof(mn_transport_t),
      .scheme = "tcp",
      .description = "TCP with the Minima length framing (tcp://host:port)",
      .listen = t_listen,
      .listener_addr = t_listener_addr,
      .listener_close = t_listener_close,
      .dial = t_dial,
      .send = t_send,
      .close = t_close,
      .set_reading = t_set_reading,
      .peer_addr = t_peer_addr,
      .local_addr = t_local_addr,
      .stats = t_stats,
  };
  int err = host->service_register(self, MN_TRANSPORT_SERVICE_PREFIX "tcp",
                                   MN_TRANSPORT_SERVICE_VERSION, &tp->iface);
  if (err) {
    free(rbuf);
    free(tp);
    return err;
  }
  *state = tp;
  return 0;
}

static void tcp_stop(void *state) {
  tcp_tp_t *tp = state;
  if (tp->stopped)
    return;
  tp->stopped = true;
  while (tp->lsts)
    t_listener_close(&tp->lsts->pub);
  while (tp->conns)
    die(tp->conns, MN_ECANCELED, true);
}

static void tcp_fini(void *state) {
  tcp_tp_t *tp = state;
  tcp_stop(tp);
  free(tp->rbuf);
  free(tp);
}

static const mn_cfg_key_t tcp_config[] = {
    {"connect_timeout_ms", MN_CFG_INT, "10000", 100, 600000,
     "give up a dial that is not connected after this long"},
    {"max_connections", MN_CFG_INT, "1024", 0, 1000000,
     "live accepted connections per listener unless the listener says "
     "otherwise; 0: no limit"},
    {"keepalive_s", MN_CFG_INT, "60", 0, 86400,
     "TCP keep-alive probe delay in seconds; 0: off"},
    {"linger_ms", MN_CFG_INT, "2000", 0, 600000,
     "how long a flushing close waits for the queue and the peer"},
    {"nodelay", MN_CFG_BOOL, "true", 0, 0,
     "send small frames at once (TCP_NODELAY)"},
    {NULL, 0, NULL, 0, 0, NULL}};

static const mn_dep_t tcp_provides[] = {
    {MN_TRANSPORT_SERVICE_PREFIX "tcp", MN_TRANSPORT_SERVICE_VERSION, 0},
    {NULL, 0, 0}};

static const mn_plugin_desc_t tcp_desc = {
    MN_PLUGIN_HEAD,
    .name = "transport-tcp",
    .version = "1.0.0",
    .role = "transport",
    .description = "TCP transport with the Minima framing (tcp://host:port)",
    .config_table = "transport.tcp",
    .config = tcp_config,
    .provides = tcp_provides,
    .init = tcp_init,
    .stop = tcp_stop,
    .fini = tcp_fini,
};

MN_PLUGIN_DEFINE(tcp_desc)
