/*
 * transport-mem - in-process links: the "transport.mem" service,
 * addresses mem://NAME (minima/svc/transport.h is the contract).
 *
 * Every instance of the plugin on the same libuv loop joins one *hub*, the
 * registry of listener names, so a process holding many embedded nodes
 * (tools/testnet's simulation) has them dial each other exactly as over
 * TCP; all instances share this .so and its hub list.  minimad, one node
 * per process, uses it for loopback tests of a single node.  Frames cross
 * a link by reference, never copied, in send order.
 *
 * A link is two connection ends.  Each end has an inbound queue of events
 * (open, frame, close) that its peer fills; the bytes of the frames in it
 * are the peer's send queue, which is how back-pressure works here.  The
 * hub owns a ready list of ends that have events and are reading, and a
 * zero-delay timer (the pump) that delivers one event per end in turn, so
 * no event is ever delivered inside a call the user made.
 *
 * An end that died (closed by its user, or closed() delivered) leaves the
 * ready list and its instance at once but stays allocated until the pump
 * has finished its round, because the pump or a callback further up the
 * stack may still hold it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include <minima/minima.h>
#include <minima/svc/transport.h>

#define MEM_NAME_MAX 63u
#define MEM_PUMP_BUDGET 65536u

typedef enum ev_kind { EV_OPEN, EV_FRAME, EV_CLOSE } ev_kind_t;

typedef struct ev {
  struct ev *next;
  ev_kind_t kind;
  int reason;
  mn_frame_t *frame;
} ev_t;

typedef struct hub hub_t;
typedef struct mem_tp mem_tp_t;
typedef struct mconn mconn_t;
typedef struct mlst mlst_t;

struct hub {
  uv_loop_t *loop;
  uv_timer_t *pump;
  bool armed;
  mlst_t *listeners;
  mconn_t *ready_head, *ready_tail;
  mconn_t *grave;
  unsigned refs;
  uint64_t anon;
  hub_t *next;
};

struct mem_tp {
  mn_transport_t iface; /* first: the service pointer is the instance */
  mn_plugin_t *self;
  const mn_host_t *host;
  hub_t *hub;
  mconn_t *conns;
  bool stopped;
  uint64_t next_id;
  uint32_t max_conns;
};

struct mlst {
  mn_tp_listener_t pub;
  mem_tp_t *tp;
  const mn_tp_handler_t *h;
  uint32_t max_frame, hwm, max_conns;
  unsigned live;
  char addr[MN_TP_ADDR_MAX];
  mlst_t *next;
};

struct mconn {
  mn_tp_conn_t pub;
  mem_tp_t *tp; /* NULL once dead */
  hub_t *hub;
  mconn_t *peer;
  mlst_t *lst;
  const mn_tp_handler_t *h;
  uint32_t max_frame, hwm;
  ev_t *q_head, *q_tail;
  size_t q_bytes;
  uint32_t q_frames;
  bool reading, want_writable, in_ready, dead;
  mconn_t *ready_prev, *ready_next;
  mconn_t *prev, *next; /* the instance's live connections */
  mconn_t *grave_next;
  uint64_t frames_in, frames_out, bytes_in, bytes_out;
  char peer_addr[MN_TP_ADDR_MAX];
  char local_addr[MN_TP_ADDR_MAX];
};

static hub_t *g_hubs;

/* Hubs alive in the process (one per loop with instances); 0 once every
 * instance is finalised.  Exported for leak checks in tests. */
MN_PLUGIN_EXPORT size_t mn_mem_transport_hubs(void);
size_t mn_mem_transport_hubs(void) {
  size_t n = 0;
  for (hub_t *h = g_hubs; h; h = h->next)
    n++;
  return n;
}

static mem_tp_t *tp_of(const mn_transport_t *t) {
  return (mem_tp_t *)t;
}

/* ---- the hub and its pump ------------------------------------------------ */

static void pump(uv_timer_t *t);

static void arm(hub_t *hub) {
  if (!hub->armed) {
    hub->armed = true;
    uv_timer_start(hub->pump, pump, 0, 0);
  }
}

static void ready_push(mconn_t *c) {
  hub_t *hub = c->hub;
  if (c->in_ready || c->dead || !c->reading || !c->q_head)
    return;
  c->in_ready = true;
  c->ready_next = NULL;
  c->ready_prev = hub->ready_tail;
  if (hub->ready_tail)
    hub->ready_tail->ready_next = c;
  else
    hub->ready_head = c;
  hub->ready_tail = c;
  arm(hub);
}

static void ready_remove(mconn_t *c) {
  hub_t *hub = c->hub;
  if (!c->in_ready)
    return;
  if (c->ready_prev)
    c->ready_prev->ready_next = c->ready_next;
  else
    hub->ready_head = c->ready_next;
  if (c->ready_next)
    c->ready_next->ready_prev = c->ready_prev;
  else
    hub->ready_tail = c->ready_prev;
  c->ready_prev = c->ready_next = NULL;
  c->in_ready = false;
}

static void enqueue(mconn_t *c, ev_kind_t kind, int reason, mn_frame_t *frame) {
  ev_t *e = malloc(sizeof *e);
  if (!e)
    abort(); /* a link cannot lose an event and stay coherent */
  *e = (ev_t){NULL, kind, reason, frame};
  if (c->q_tail)
    c->q_tail->next = e;
  else
    c->q_head = e;
  c->q_tail = e;
  if (frame) {
    c->q_bytes += frame->len;
    c->q_frames++;
  }
  ready_push(c);
}

static ev_t *dequeue(mconn_t *c) {
  ev_t *e = c->q_head;
  if (!e)
    return NULL;
  c->q_head = e->next;
  if (!c->q_head)
    c->q_tail = NULL;
  if (e->frame) {
    c->q_bytes -= e->frame->len;
    c->q_frames--;
  }
  return e;
}

static void drop_queue(mconn_t *c) {
  ev_t *e;
  while ((e = dequeue(c))) {
    mn_frame_unref(e->frame);
    free(e);
  }
}

static void unlink_conn(mconn_t *c) {
  mem_tp_t *tp = c->tp;
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

/* Ends c.  notify: deliver closed(reason) to c's user (not when the user
 * closed it).  The peer gets a close event after what c sent it. */
static void die(mconn_t *c, int reason, bool notify) {
  if (c->dead)
    return;
  c->dead = true;
  unlink_conn(c);
  if (c->lst) {
    c->lst->live--;
    c->lst = NULL;
  }
  drop_queue(c);
  ready_remove(c);
  if (c->peer) {
    mconn_t *p = c->peer;
    p->peer = NULL;
    c->peer = NULL;
    enqueue(p, EV_CLOSE, MN_ECLOSED, NULL);
  }
  c->grave_next = c->hub->grave;
  c->hub->grave = c;
  arm(c->hub);
  if (notify)
    c->h->closed(&c->pub, reason);
}

static void bury(hub_t *hub) {
  while (hub->grave) {
    mconn_t *c = hub->grave;
    hub->grave = c->grave_next;
    free(c);
  }
}

static void deliver_frame(mconn_t *c, mn_frame_t *f) {
  mconn_t *s = c->peer; /* the sender, if still there */
  if (s) {
    s->frames_out++;
    s->bytes_out += f->len;
  }
  if (f->len > c->max_frame) {
    die(c, MN_ETOOBIG, true);
    return;
  }
  c->frames_in++;
  c->bytes_in += f->len;
  c->h->frame(&c->pub, f);
  if (s && !s->dead && s->want_writable && s->peer == c &&
      c->q_bytes <= s->hwm / 2) {
    s->want_writable = false;
    if (s->h->writable)
      s->h->writable(&s->pub);
  }
}

static void pump(uv_timer_t *t) {
  hub_t *hub = t->data;
  hub->armed = false;
  for (unsigned budget = MEM_PUMP_BUDGET; budget > 0 && hub->ready_head;
       budget--) {
    mconn_t *c = hub->ready_head;
    ready_remove(c);
    ev_t *e = dequeue(c);
    ready_push(c); /* round robin: its next event waits for the others */
    switch (e->kind) {
    case EV_OPEN:
      c->h->open(&c->pub);
      break;
    case EV_FRAME:
      deliver_frame(c, e->frame);
      break;
    case EV_CLOSE:
      die(c, e->reason, true);
      break;
    }
    mn_frame_unref(e->frame);
    free(e);
  }
  bury(hub);
  if (hub->ready_head)
    arm(hub);
}

static hub_t *hub_get(uv_loop_t *loop) {
  for (hub_t *h = g_hubs; h; h = h->next)
    if (h->loop == loop) {
      h->refs++;
      return h;
    }
  hub_t *h = calloc(1, sizeof *h);
  uv_timer_t *t = malloc(sizeof *t);
  if (!h || !t) {
    free(h);
    free(t);
    return NULL;
  }
  h->loop = loop;
  h->pump = t;
  uv_timer_init(loop, t);
  t->data = h;
  h->refs = 1;
  h->next = g_hubs;
  g_hubs = h;
  return h;
}

static void free_timer(uv_handle_t *h) {
  free(h);
}

static void hub_put(hub_t *hub) {
  if (--hub->refs > 0)
    return;
  for (hub_t **pp = &g_hubs; *pp; pp = &(*pp)->next)
    if (*pp == hub) {
      *pp = hub->next;
      break;
    }
  while (hub->ready_head) {
    mconn_t *c = hub->ready_head;
    ready_remove(c);
    drop_queue(c);
  }
  bury(hub);
  uv_close((uv_handle_t *)hub->pump, free_timer);
  free(hub);
}

/* ---- addresses ----------------------------------------------------------- */

/* The name of a mem:// address: 0 and *name (may be empty), MN_ENOTSUP for
 * another scheme, MN_EINVAL when malformed. */
static int parse_addr(const char *addr, const char **name) {
  char scheme[MN_TP_SCHEME_MAX];
  if (mn_tp_scheme(addr, scheme, sizeof scheme))
    return MN_EINVAL;
  if (strcmp(scheme, "mem") != 0)
    return MN_ENOTSUP;
  const char *n = addr + 6;
  size_t len = strlen(n);
  if (len > MEM_NAME_MAX)
    return MN_EINVAL;
  for (size_t i = 0; i < len; i++) {
    char ch = n[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
          (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
      return MN_EINVAL;
  }
  *name = n;
  return 0;
}

static mlst_t *find_listener(hub_t *hub, const char *addr) {
  for (mlst_t *l = hub->listeners; l; l = l->next)
    if (strcmp(l->addr, addr) == 0)
      return l;
  return NULL;
}

static uint32_t opt_or(const mn_tp_opts_t *o, size_t off, uint32_t def) {
  if (!o || o->size < off + sizeof(uint32_t))
    return def;
  uint32_t v;
  memcpy(&v, (const char *)o + off, sizeof v);
  return v ? v : def;
}

#define OPT(o, field, def) opt_or((o), offsetof(mn_tp_opts_t, field), (def))

/* ---- the service ----------------------------------------------------------
 */

static mconn_t *conn_new(mem_tp_t *tp, const mn_tp_handler_t *h, void *data,
                         uint32_t max_frame, uint32_t hwm) {
  mconn_t *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->pub.transport = &tp->iface;
  c->pub.data = data;
  c->pub.id = ++tp->next_id;
  c->tp = tp;
  c->hub = tp->hub;
  c->h = h;
  c->max_frame = max_frame;
  c->hwm = hwm;
  c->reading = true;
  c->next = tp->conns;
  if (tp->conns)
    tp->conns->prev = c;
  tp->conns = c;
  return c;
}

static int m_listen(const mn_transport_t *t, const char *addr,
                    const mn_tp_opts_t *o, const mn_tp_handler_t *h, void *data,
                    mn_tp_listener_t **out) {
  mem_tp_t *tp = tp_of(t);
  const char *name;
  int err = parse_addr(addr, &name);
  if (err)
    return err;
  if (!h || !h->open || !h->frame || !h->closed)
    return MN_EINVAL;
  if (tp->stopped)
    return MN_ESTATE;
  mlst_t *l = calloc(1, sizeof *l);
  if (!l)
    return MN_ENOMEM;
  if (*name)
    snprintf(l->addr, sizeof l->addr, "mem://%s", name);
  else
    snprintf(l->addr, sizeof l->addr, "mem://auto-%llu",
             (unsigned long long)++tp->hub->anon);
  if (find_listener(tp->hub, l->addr)) {
    free(l);
    return MN_EADDRINUSE;
  }
  l->pub.transport = t;
  l->pub.data = data;
  l->tp = tp;
  l->h = h;
  l->max_frame = OPT(o, max_frame, MN_TP_FRAME_MAX);
  l->hwm = OPT(o, send_hwm, MN_TP_SEND_HWM);
  l->max_conns = OPT(o, max_conns, tp->max_conns);
  l->next = tp->hub->listeners;
  tp->hub->listeners = l;
  *out = &l->pub;
  return 0;
}

static const char *m_listener_addr(const mn_tp_listener_t *pub) {
  return ((const mlst_t *)pub)->addr;
}

static void m_listener_close(mn_tp_listener_t *pub) {
  mlst_t *l = (mlst_t *)pub;
  if (!l)
    return;
  hub_t *hub = l->tp->hub;
  for (mlst_t **pp = &hub->listeners; *pp; pp = &(*pp)->next)
    if (*pp == l) {
      *pp = l->next;
      break;
    }
  for (mconn_t *c = l->tp->conns; c; c = c->next)
    if (c->lst == l)
      c->lst = NULL;
  free(l);
}

static int m_dial(const mn_transport_t *t, const char *addr,
                  const mn_tp_opts_t *o, const mn_tp_handler_t *h, void *data,
                  mn_tp_conn_t **out) {
  mem_tp_t *tp = tp_of(t);
  const char *name;
  int err = parse_addr(addr, &name);
  if (err)
    return err;
  if (!*name || !h || !h->open || !h->frame || !h->closed)
    return MN_EINVAL;
  if (tp->stopped)
    return MN_ESTATE;
  mconn_t *c = conn_new(tp, h, data, OPT(o, max_frame, MN_TP_FRAME_MAX),
                        OPT(o, send_hwm, MN_TP_SEND_HWM));
  if (!c)
    return MN_ENOMEM;
  uint64_t anon = ++tp->hub->anon;
  snprintf(c->peer_addr, sizeof c->peer_addr, "%s", addr);
  snprintf(c->local_addr, sizeof c->local_addr, "mem://~%llu",
           (unsigned long long)anon);
  mlst_t *l = find_listener(tp->hub, addr);
  mconn_t *a = NULL;
  if (l && (l->max_conns == 0 || l->live < l->max_conns))
    a = conn_new(l->tp, l->h, l->pub.data, l->max_frame, l->hwm);
  if (!a) {
    enqueue(c, EV_CLOSE, MN_ECONNREFUSED, NULL);
  } else {
    a->pub.flags = MN_TP_INCOMING;
    a->lst = l;
    l->live++;
    snprintf(a->peer_addr, sizeof a->peer_addr, "%s", c->local_addr);
    snprintf(a->local_addr, sizeof a->local_addr, "%s", l->addr);
    a->peer = c;
    c->peer = a;
    enqueue(a, EV_OPEN, 0, NULL);
    enqueue(c, EV_OPEN, 0, NULL);
  }
  *out = &c->pub;
  return 0;
}

static int m_send(mn_tp_conn_t *pub, mn_frame_t *f) {
  mconn_t *c = (mconn_t *)pub;
  if (c->dead || !c->peer)
    return MN_ECLOSED;
  if (f->len > c->max_frame)
    return MN_ETOOBIG;
  if (c->peer->q_bytes >= c->hwm) {
    c->want_writable = true;
    return MN_EAGAIN;
  }
  enqueue(c->peer, EV_FRAME, 0, mn_frame_ref(f));
  return 0;
}

static void m_close(mn_tp_conn_t *pub, int reason, uint32_t flags) {
  mconn_t *c = (mconn_t *)pub;
  if (c)
    die(c, reason, false);
}

static void m_set_reading(mn_tp_conn_t *pub, bool on) {
  mconn_t *c = (mconn_t *)pub;
  c->reading = on;
  if (on)
    ready_push(c);
  else
    ready_remove(c);
}

static const char *m_peer_addr(const mn_tp_conn_t *pub) {
  return ((const mconn_t *)pub)->peer_addr;
}

static const char *m_local_addr(const mn_tp_conn_t *pub) {
  return ((const mconn_t *)pub)->local_addr;
}

static void m_stats(const mn_tp_conn_t *pub, mn_tp_stats_t *out) {
  const mconn_t *c = (const mconn_t *)pub;
  *out = (mn_tp_stats_t){
      .frames_in = c->frames_in,
      .frames_out = c->frames_out,
      .bytes_in = c->bytes_in,
      .bytes_out = c->bytes_out,
      .queued_bytes = c->peer ? c->peer->q_bytes : 0,
      .queued_frames = c->peer ? c->peer->q_frames : 0,
      .reading = c->reading,
  };
}

/* ---- the plugin ------------------------------------------------------------
 */

static int mem_init(mn_plugin_t *self, const mn_host_t *host, void **state) {
  mem_tp_t *tp = calloc(1, sizeof *tp);
  if (!tp)
    return MN_ENOMEM;
  tp->self = self;
  tp->host = host;
  tp->max_conns = (uint32_t)host->cfg_int(self, "max_connections");
  tp->hub = hub_get(host->uv_loop(self));
  if (!tp->hub) {
    free(tp);
    return MN_ENOMEM;
  }
  tp->iface = (mn_transport_t){
      .size = sizeof(mn_transport_t),
      .scheme = "mem",
      .description = "in-process links (mem://name)",
      .listen = m_listen,
      .listener_addr = m_listener_addr,
      .listener_close = m_listener_close,
      .dial = m_dial,
      .send = m_send,
      .close = m_close,
      .set_reading = m_set_reading,
      .peer_addr = m_peer_addr,
      .local_addr = m_local_addr,
      .stats = m_stats,
  };
  int err = host->service_register(self, MN_TRANSPORT_SERVICE_PREFIX "mem",
                                   MN_TRANSPORT_SERVICE_VERSION, &tp->iface);
  if (err) {
    hub_put(tp->hub);
    free(tp);
    return err;
  }
  *state = tp;
  return 0;
}

static void mem_stop(void *state) {
  mem_tp_t *tp = state;
  if (tp->stopped)
    return;
  tp->stopped = true;
  hub_t *hub = tp->hub;
  for (mlst_t **pp = &hub->listeners; *pp;) {
    mlst_t *l = *pp;
    if (l->tp == tp) {
      *pp = l->next;
      free(l);
    } else {
      pp = &l->next;
    }
  }
  while (tp->conns) {
    mconn_t *c = tp->conns;
    c->lst = NULL;
    die(c, MN_ECANCELED, true);
  }
}

static void mem_fini(void *state) {
  mem_tp_t *tp = state;
  mem_stop(tp);
  hub_put(tp->hub);
  free(tp);
}

static const mn_cfg_key_t mem_config[] = {
    {"max_connections", MN_CFG_INT, "4096", 0, 1000000,
     "live accepted connections per listener unless the listener says "
     "otherwise; 0: no limit"},
    {NULL, 0, NULL, 0, 0, NULL}};

static const mn_dep_t mem_provides[] = {
    {MN_TRANSPORT_SERVICE_PREFIX "mem", MN_TRANSPORT_SERVICE_VERSION, 0},
    {NULL, 0, 0}};

static const mn_plugin_desc_t mem_desc = {
    MN_PLUGIN_HEAD,
    .name = "transport-mem",
    .version = "1.0.0",
    .role = "transport",
    .description = "in-process links (mem://name) for tests and simulations",
    .config_table = "transport.mem",
    .config = mem_config,
    .provides = mem_provides,
    .init = mem_init,
    .stop = mem_stop,
    .fini = mem_fini,
};

MN_PLUGIN_DEFINE(mem_desc)
