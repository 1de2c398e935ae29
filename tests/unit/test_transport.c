/*
 * test_transport.c - the transport contract (minima/svc/transport.h), run
 * against every shipped transport: transport-tcp on loopback and
 * transport-mem.  A new transport earns its place by passing this file
 * with its own scheme added to main().
 *
 * Two simulated nodes (tools/testnet/simhost.h) share one loop: node a
 * listens, node b dials.  Every wait is bounded by a hang guard; no test
 * measures time.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include <minima/svc/transport.h>

#include "simhost.h"
#include "test_support.h"

#define GUARD_MS 20000

/* The hub count lives in the loaded plugin, not in this program. */
static size_t mem_hubs(void) {
  static size_t (*fn)(void);
  if (!fn) {
    char path[1024];
    snprintf(path, sizeof path, "%s/lib/minima/plugins/transport-mem.so",
             mn_test_build_dir());
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
      fail_msg("%s", dlerror());
    *(void **)&fn = dlsym(h, "mn_mem_transport_hubs");
    if (!fn)
      fail_msg("%s", dlerror());
  }
  return fn();
}

typedef struct fix fix_t;

/* What one end of a connection saw, and how it behaves. */
typedef struct ep {
  fix_t *fx;
  mn_tp_conn_t *c; /* NULL once closed (by us or by closed()) */
  bool incoming;
  int opened, closed, reason, writable;
  unsigned nframes;
  size_t nbytes;
  uint32_t next_seq;
  bool in_order;
  mn_frame_t *last;      /* the last frame, kept */
  bool echo;             /* send every frame back */
  int pause_after;       /* pause reading after this many frames (0: no) */
  bool close_on_frame;   /* close itself in its first frame callback */
  struct ep *also_close; /* ...and this one too */
  struct ep *next;
} ep_t;

struct fix {
  const char *scheme;
  uv_loop_t loop;
  mn_sim_t *sim;
  mn_sim_node_t *na, *nb;
  const mn_transport_t *ta, *tb;
  mn_tp_listener_t *lst;
  ep_t *eps; /* every end, for counting and freeing */
  unsigned accepted;
};

/* ---- the handler -------------------------------------------------------- */

static ep_t *ep_new(fix_t *fx) {
  ep_t *e = calloc(1, sizeof *e);
  assert_non_null(e);
  e->fx = fx;
  e->in_order = true;
  e->next = fx->eps;
  fx->eps = e;
  return e;
}

static void on_open(mn_tp_conn_t *c) {
  ep_t *e = c->data;
  if (c->flags & MN_TP_INCOMING) {
    fix_t *fx = c->data;
    e = ep_new(fx);
    e->c = c;
    e->incoming = true;
    c->data = e;
    fx->accepted++;
  }
  e->opened++;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static void on_frame(mn_tp_conn_t *c, mn_frame_t *f) {
  ep_t *e = c->data;
  assert_non_null(e->c);
  e->nframes++;
  e->nbytes += f->len;
  if (f->len >= 4) {
    if (be32(f->data) != e->next_seq)
      e->in_order = false;
    e->next_seq++;
  }
  mn_frame_unref(e->last);
  e->last = mn_frame_ref(f);
  if (e->echo)
    assert_int_equal(c->transport->send(c, f), 0);
  if (e->pause_after && e->nframes == (unsigned)e->pause_after)
    c->transport->set_reading(c, false);
  if (e->close_on_frame) {
    c->transport->close(c, 0, 0);
    e->c = NULL;
    if (e->also_close && e->also_close->c) {
      e->also_close->c->transport->close(e->also_close->c, 0, 0);
      e->also_close->c = NULL;
    }
  }
}

static void on_writable(mn_tp_conn_t *c) {
  ((ep_t *)c->data)->writable++;
}

static void on_closed(mn_tp_conn_t *c, int reason) {
  ep_t *e = c->data;
  assert_non_null(e->c);
  e->closed++;
  e->reason = reason;
  e->c = NULL;
}

static const mn_tp_handler_t handler = {sizeof(mn_tp_handler_t), on_open,
                                        on_frame, on_writable, on_closed};

/* Accepted ends are created in on_open; a test that wants behaviour on
 * them sets it through this hook after they appear. */
static ep_t *accepted_end(fix_t *fx, unsigned i) {
  unsigned n = 0;
  ep_t *found = NULL;
  /* eps is newest first; count accepted ones oldest first */
  for (ep_t *e = fx->eps; e; e = e->next)
    if (e->incoming)
      n++;
  for (ep_t *e = fx->eps; e; e = e->next)
    if (e->incoming && --n == i)
      found = e;
  return found;
}

/* ---- fixture ------------------------------------------------------------ */

static int setup(void **state) {
  fix_t *fx = calloc(1, sizeof *fx);
  fx->scheme = *state;
  uv_loop_init(&fx->loop);
  fx->sim = mn_sim_new(&fx->loop, NULL);
  assert_non_null(fx->sim);
  const char *names[2] = {"a", "b"};
  for (int i = 0; i < 2; i++) {
    mn_sim_node_t *n = mn_sim_node_new(fx->sim, names[i], 0);
    mn_sim_node_plugin(n, "transport-tcp");
    mn_sim_node_plugin(n, "transport-mem");
    mn_sim_node_set(n, "transport.tcp.linger_ms", "500");
    char *why = NULL;
    int err = mn_sim_node_start(n, &why);
    if (err)
      fail_msg("%s", why);
    if (i == 0)
      fx->na = n;
    else
      fx->nb = n;
  }
  char svc[32];
  snprintf(svc, sizeof svc, "transport.%s", fx->scheme);
  fx->ta = mn_sim_node_service(fx->na, svc, MN_TRANSPORT_SERVICE_VERSION);
  fx->tb = mn_sim_node_service(fx->nb, svc, MN_TRANSPORT_SERVICE_VERSION);
  assert_non_null(fx->ta);
  assert_non_null(fx->tb);
  assert_string_equal(fx->ta->scheme, fx->scheme);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fix_t *fx = *state;
  if (fx->lst)
    fx->ta->listener_close(fx->lst);
  /* frames made by a plugin are released before it is unloaded */
  for (ep_t *e = fx->eps; e; e = e->next) {
    mn_frame_unref(e->last);
    e->last = NULL;
  }
  mn_sim_free(fx->sim);
  assert_int_equal(uv_loop_close(&fx->loop), 0);
  while (fx->eps) {
    ep_t *e = fx->eps;
    fx->eps = e->next;
    free(e);
  }
  free(fx);
  return 0;
}

static void listen_opts(fix_t *fx, const mn_tp_opts_t *o) {
  char addr[64];
  snprintf(addr, sizeof addr, "%s://%s", fx->scheme,
           strcmp(fx->scheme, "tcp") == 0 ? "127.0.0.1:0" : "");
  assert_int_equal(fx->ta->listen(fx->ta, addr, o, &handler, fx, &fx->lst), 0);
  const char *bound = fx->ta->listener_addr(fx->lst);
  assert_non_null(bound);
  assert_true(strncmp(bound, fx->scheme, strlen(fx->scheme)) == 0);
  if (strcmp(fx->scheme, "tcp") == 0)
    assert_null(strstr(bound, ":0\0"));
}

static ep_t *dial_opts(fix_t *fx, const mn_tp_opts_t *o) {
  ep_t *e = ep_new(fx);
  assert_int_equal(fx->tb->dial(fx->tb, fx->ta->listener_addr(fx->lst), o,
                                &handler, e, &e->c),
                   0);
  assert_non_null(e->c);
  assert_ptr_equal(e->c->data, e);
  assert_int_equal(e->c->flags & MN_TP_INCOMING, 0);
  return e;
}

typedef struct wait_n {
  unsigned *counter;
  unsigned want;
} wait_n_t;

static bool reached(void *d) {
  wait_n_t *w = d;
  return *w->counter >= w->want;
}

static bool int_reached(void *d) {
  int **pp = d;
  return *pp[0] >= *pp[1];
}

/* Runs until *counter >= want or fails the test. */
static void wait_count(fix_t *fx, unsigned *counter, unsigned want) {
  wait_n_t w = {counter, want};
  if (!mn_sim_run_until(fx->sim, reached, &w, GUARD_MS))
    fail_msg("waited for %u, got %u", want, *counter);
}

static void wait_int(fix_t *fx, int *counter, int want) {
  int *pp[2] = {counter, &want};
  if (!mn_sim_run_until(fx->sim, int_reached, pp, GUARD_MS))
    fail_msg("waited for %d, got %d", want, *counter);
}

static mn_frame_t *seq_frame(uint32_t seq, size_t len) {
  mn_frame_t *f = mn_frame_new(len < 4 ? 4 : len);
  f->data[0] = (uint8_t)(seq >> 24);
  f->data[1] = (uint8_t)(seq >> 16);
  f->data[2] = (uint8_t)(seq >> 8);
  f->data[3] = (uint8_t)seq;
  for (size_t i = 4; i < f->len; i++)
    f->data[i] = (uint8_t)(i * 31 + seq);
  return f;
}

static int send_seq(ep_t *e, uint32_t seq, size_t len) {
  mn_frame_t *f = seq_frame(seq, len);
  int err = e->c->transport->send(e->c, f);
  mn_frame_unref(f);
  return err;
}

/* ---- tests ----------------------------------------------------------------
 */

static void test_connect_and_frames(void **state) {
  fix_t *fx = *state;
  listen_opts(fx, NULL);
  ep_t *cl = dial_opts(fx, NULL);
  /* frames may be queued before the connection is up */
  assert_int_equal(send_seq(cl, 0, 10), 0);
  wait_int(fx, &cl->opened, 1);
  wait_count(fx, &fx->accepted, 1);
  ep_t *sv = accepted_end(fx, 0);
  assert_non_null(sv);
  assert_int_equal(sv->opened, 1);
  assert_true(sv->c->flags & MN_TP_INCOMING);
  for (uint32_t i = 1; i < 5; i++)
    assert_int_equal(send_seq(cl, i, 100 + i), 0);
  for (uint32_t i = 0; i < 3; i++)
    assert_int_equal(send_seq(sv, i, 7), 0);
  wait_count(fx, &sv->nframes, 5);
  wait_count(fx, &cl->nframes, 3);
  assert_true(sv->in_order);
  assert_true(cl->in_order);
  assert_int_equal(sv->nbytes, 10 + 101 + 102 + 103 + 104);
  mn_frame_t *want = seq_frame(4, 104);
  assert_bytes_equal(sv->last->data, sv->last->len, want->data, want->len);
  mn_frame_unref(want);
  /* addresses name the scheme; each side sees the other */
  const char *cpeer = fx->tb->peer_addr(cl->c);
  const char *slocal = fx->ta->local_addr(sv->c);
  assert_true(strncmp(cpeer, fx->scheme, strlen(fx->scheme)) == 0);
  assert_string_equal(cpeer, slocal);
  assert_string_equal(fx->tb->local_addr(cl->c), fx->ta->peer_addr(sv->c));
  mn_tp_stats_t st;
  fx->ta->stats(sv->c, &st);
  assert_int_equal(st.frames_in, 5);
  assert_int_equal(st.bytes_in, sv->nbytes);
  assert_true(st.reading);
  wait_count(fx, (unsigned *)&cl->nframes, 3);
  fx->tb->stats(cl->c, &st);
  assert_int_equal(st.frames_in, 3);
  assert_int_equal(cl->closed + sv->closed, 0);
  assert_true(cl->c->id != 0);
}

static void test_large_and_empty_frames(void **state) {
  fix_t *fx = *state;
  listen_opts(fx, NULL);
  ep_t *cl = dial_opts(fx, NULL);
  wait_int(fx, &cl->opened, 1);
  size_t big = 9u * 1024 * 1024 + 17;
  mn_frame_t *f = seq_frame(0, big);
  mn_frame_t *empty = mn_frame_new(0);
  assert_int_equal(cl->c->transport->send(cl->c, empty), 0);
  assert_int_equal(cl->c->transport->send(cl->c, f), 0);
  /* one frame above the high-water mark is queued: the next must wait */
  assert_int_equal(cl->c->transport->send(cl->c, empty), MN_EAGAIN);
  wait_count(fx, &fx->accepted, 1);
  ep_t *sv = accepted_end(fx, 0);
  wait_count(fx, &sv->nframes, 2);
  assert_int_equal(sv->nbytes, big);
  assert_int_equal(sv->last->len, big);
  wait_int(fx, &cl->writable, 1);
  /* send it back through the echo path and compare the bytes */
  sv->echo = true;
  assert_int_equal(cl->c->transport->send(cl->c, f), 0);
  wait_count(fx, &cl->nframes, 1);
  assert_int_equal(cl->last->len, big);
  assert_memory_equal(cl->last->data, f->data, big);
  mn_frame_unref(f);
  mn_frame_unref(empty);
}

static void test_oversized_frame_closes(void **state) {
  fix_t *fx = *state;
  mn_tp_opts_t small = {.size = sizeof small, .max_frame = 1024};
  listen_opts(fx, &small);
  ep_t *cl = dial_opts(fx, NULL);
  wait_int(fx, &cl->opened, 1);
  wait_count(fx, &fx->accepted, 1);
  ep_t *sv = accepted_end(fx, 0);
  /* the sender's own limit: refused at once, connection intact */
  assert_int_equal(send_seq(sv, 0, 2048), MN_ETOOBIG);
  assert_non_null(sv->c);
  /* within the sender's limit, over the receiver's: the receiver ends it */
  assert_int_equal(send_seq(cl, 0, 1024), 0);
  assert_int_equal(send_seq(cl, 1, 1025), 0);
  wait_int(fx, &sv->closed, 1);
  assert_int_equal(sv->reason, MN_ETOOBIG);
  assert_int_equal(sv->nframes, 1);
  wait_int(fx, &cl->closed, 1);
  assert_true(cl->reason == MN_ECLOSED || cl->reason == MN_ECONNRESET);
}

static void test_back_pressure(void **state) {
  fix_t *fx = *state;
  listen_opts(fx, NULL);
  mn_tp_opts_t o = {.size = sizeof o, .send_hwm = 256 * 1024};
  ep_t *cl = dial_opts(fx, &o);
  wait_int(fx, &cl->opened, 1);
  wait_count(fx, &fx->accepted, 1);
  ep_t *sv = accepted_end(fx, 0);
  fx->ta->set_reading(sv->c, false);
  mn_tp_stats_t st;
  fx->ta->stats(sv->c, &st);
  assert_false(st.reading);
  /* keep sending one shared 64 KiB frame until the queue pushes back; the
   * peer reads nothing, so socket buffers and then the queue fill */
  unsigned sent = 0;
  int err = 0;
  for (unsigned i = 0; i < 200000 && err == 0; i++) {
    err = send_seq(cl, sent, 64 * 1024);
    if (err == 0)
      sent++;
    if (i % 8 == 0)
      uv_run(&fx->loop, UV_RUN_NOWAIT);
  }
  assert_int_equal(err, MN_EAGAIN);
  fx->tb->stats(cl->c, &st);
  assert_true(st.queued_bytes >= 256 * 1024);
  assert_true(st.queued_bytes <= 256 * 1024 + 64 * 1024);
  assert_int_equal(cl->writable, 0);
  assert_int_equal(sv->nframes, 0);
  /* again: still refused, nothing queued */
  assert_int_equal(send_seq(cl, sent, 16), MN_EAGAIN);
  fx->ta->set_reading(sv->c, true);
  wait_int(fx, &cl->writable, 1);
  wait_count(fx, &sv->nframes, sent);
  assert_true(sv->in_order);
  assert_int_equal(sv->nframes, sent);
  assert_int_equal(cl->writable, 1);
  assert_int_equal(send_seq(cl, sent, 16), 0);
  wait_count(fx, &sv->nframes, sent + 1);
}

static void test_pause_inside_callback(void **state) {
  fix_t *fx = *state;
  listen_opts(fx, NULL);
  ep_t *cl = dial_opts(fx, NULL);
  wait_count(fx, &fx->accepted, 1);
  ep_t *sv = accepted_end(fx, 0);
  sv->pause_after = 2;
  /* in one burst, so several frames arrive in one read */
  for (uint32_t i = 0; i < 6; i++)
    assert_int_equal(send_seq(cl, i, 40), 0);
  wait_count(fx, &sv->nframes, 2);
  mn_sim_run_for(fx->sim, 50);
  assert_int_equal(sv->nframes, 2);
  sv->pause_after = 0;
  fx->ta->set_reading(sv->c, true);
  wait_count(fx, &sv->nframes, 6);
  assert_true(sv->in_order);
}

static void test_close_from_dialer(void **state) {
  fix_t *fx = *state;
  listen_opts(fx, NULL);
  ep_t *cl = dial_opts(fx, NULL);
  wait_int(fx, &cl->opened, 1);
  assert_int_equal(send_seq(cl, 0, 1000), 0);
  assert_int_equal(send_seq(cl, 1, 300000), 0);
  fx->tb->close(cl->c, 0, MN_TP_FLUSH);
  cl->c = NULL;
  wait_count(fx, &fx->accepted, 1);
  ep_t *sv = accepted_end(fx, 0);
  wait_int(fx, &sv->closed, 1);
  assert_int_equal(sv->reason, MN_ECLOSED);
  assert_int_equal(sv->nframes, 2);
  assert_true(sv->in_order);
  assert_int_equal(cl->closed, 0); /* no callback after our own close */
}

static void test_close_from_acceptor(void **state) {
  fix_t *fx = *state;
  listen_opts(fx, NULL);
  ep_t *cl = dial_opts(fx, NULL);
  wait_count(fx, &fx->accepted, 1);
  ep_t *sv = accepted_end(fx, 0);
  assert_int_equal(send_seq(sv, 0, 10), 0);
  assert_int_equal(send_seq(sv, 1, 20), 0);
  fx->ta->close(sv->c, 0, MN_TP_FLUSH);
  sv->c = NULL;
  wait_int(fx, &cl->closed, 1);
  assert_int_equal(cl->reason, MN_ECLOSED);
  assert_int_equal(cl->nframes, 2);
  assert_int_equal(cl->opened, 1);
  assert_int_equal(sv->closed, 0);
}

static void test_close_inside_callback(void **state) {
  fix_t *fx = *state;
  listen_opts(fx, NULL);
  ep_t *c1 = dial_opts(fx, NULL);
  ep_t *c2 = dial_opts(fx, NULL);
  wait_int(fx, &c1->opened, 1);
  wait_int(fx, &c2->opened, 1);
  /* c1 closes itself and c2 from inside its frame callback */
  c1->close_on_frame = true;
  c1->also_close = c2;
  wait_count(fx, &fx->accepted, 2);
  ep_t *s1 = accepted_end(fx, 0), *s2 = accepted_end(fx, 1);
  /* whichever accepted end belongs to c1, frames to both */
  assert_int_equal(send_seq(s1, 0, 8), 0);
  assert_int_equal(send_seq(s1, 1, 8), 0);
  assert_int_equal(send_seq(s2, 0, 8), 0);
  assert_int_equal(send_seq(s2, 1, 8), 0);
  wait_int(fx, &s1->closed, 1);
  wait_int(fx, &s2->closed, 1);
  assert_null(c1->c);
  assert_null(c2->c);
  assert_int_equal(c1->closed + c2->closed, 0);
  assert_int_equal(c1->nframes, 1);
  assert_true(c2->nframes <= 2);
}

static void test_dial_refused(void **state) {
  fix_t *fx = *state;
  const char *addr;
  char buf[64];
  if (strcmp(fx->scheme, "tcp") == 0) {
    /* a port that was just free */
    listen_opts(fx, NULL);
    snprintf(buf, sizeof buf, "%s", fx->ta->listener_addr(fx->lst));
    fx->ta->listener_close(fx->lst);
    fx->lst = NULL;
    mn_sim_run_for(fx->sim, 10);
    addr = buf;
  } else {
    addr = "mem://nobody-here";
  }
  ep_t *e = ep_new(fx);
  assert_int_equal(fx->tb->dial(fx->tb, addr, NULL, &handler, e, &e->c), 0);
  wait_int(fx, &e->closed, 1);
  assert_int_equal(e->reason, MN_ECONNREFUSED);
  assert_int_equal(e->opened, 0);
}

static void test_bad_addresses(void **state) {
  fix_t *fx = *state;
  mn_plugin_t *self;
  const mn_host_t *host = mn_sim_node_host(fx->nb, &self);
  const mn_transport_t *tp = NULL;
  assert_int_equal(mn_tp_lookup(host, self, "quic://1.2.3.4:9001", &tp),
                   MN_ENOTSUP);
  assert_null(tp);
  assert_int_equal(mn_tp_lookup(host, self, "1.2.3.4:9001", &tp), MN_EINVAL);
  assert_int_equal(mn_tp_lookup(host, self, "://x", &tp), MN_EINVAL);
  char addr[64];
  snprintf(addr, sizeof addr, "%s://x", fx->scheme);
  assert_int_equal(mn_tp_lookup(host, self, addr, &tp), 0);
  assert_ptr_equal(tp, fx->tb);
  ep_t *e = ep_new(fx);
  mn_tp_conn_t *c = NULL;
  const char *other =
      strcmp(fx->scheme, "tcp") == 0 ? "mem://a" : "tcp://127.0.0.1:1";
  assert_int_equal(fx->tb->dial(fx->tb, other, NULL, &handler, e, &c),
                   MN_ENOTSUP);
  assert_int_equal(fx->tb->dial(fx->tb, "nonsense", NULL, &handler, e, &c),
                   MN_EINVAL);
  if (strcmp(fx->scheme, "tcp") == 0) {
    const char *bad[] = {"tcp://",        "tcp://host",  "tcp://:9001",
                         "tcp://h:99999", "tcp://h:12a", "tcp://::1:5",
                         "tcp://h:0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
      assert_int_equal(fx->tb->dial(fx->tb, bad[i], NULL, &handler, e, &c),
                       MN_EINVAL);
  } else {
    assert_int_equal(fx->tb->dial(fx->tb, "mem://", NULL, &handler, e, &c),
                     MN_EINVAL);
    assert_int_equal(fx->tb->dial(fx->tb, "mem://a b", NULL, &handler, e, &c),
                     MN_EINVAL);
  }
  assert_null(c);
  mn_sim_run_for(fx->sim, 10);
  assert_int_equal(e->closed + e->opened, 0);
}

static void test_many_connections(void **state) {
  fix_t *fx = *state;
  enum { N = 120 };
  listen_opts(fx, NULL);
  ep_t *cl[N];
  for (int i = 0; i < N; i++) {
    cl[i] = dial_opts(fx, NULL);
    assert_int_equal(send_seq(cl[i], 0, 32 + (size_t)i), 0);
  }
  wait_count(fx, &fx->accepted, N);
  /* every accepted end echoes; frames already received are sent back */
  for (unsigned i = 0; i < N; i++) {
    ep_t *sv = accepted_end(fx, i);
    sv->echo = true;
    if (sv->nframes)
      assert_int_equal(sv->c->transport->send(sv->c, sv->last), 0);
  }
  for (int i = 0; i < N; i++) {
    wait_count(fx, &cl[i]->nframes, 1);
    assert_int_equal(cl[i]->last->len, 32 + (size_t)i);
  }
  for (int i = 0; i < N; i++) {
    fx->tb->close(cl[i]->c, 0, 0);
    cl[i]->c = NULL;
  }
  for (unsigned i = 0; i < N; i++)
    wait_int(fx, &accepted_end(fx, i)->closed, 1);
}

static bool one_incoming_closed(void *d) {
  fix_t *fx = d;
  for (ep_t *e = fx->eps; e; e = e->next)
    if (e->incoming && e->closed)
      return true;
  return false;
}

static void test_listener_limit(void **state) {
  fix_t *fx = *state;
  mn_tp_opts_t o = {.size = sizeof o, .max_conns = 2};
  listen_opts(fx, &o);
  ep_t *c1 = dial_opts(fx, NULL);
  ep_t *c2 = dial_opts(fx, NULL);
  wait_count(fx, &fx->accepted, 2);
  ep_t *c3 = dial_opts(fx, NULL);
  wait_int(fx, &c3->closed, 1);
  assert_int_equal(fx->accepted, 2);
  assert_int_equal(c1->closed + c2->closed, 0);
  /* a slot frees up when one closes */
  fx->tb->close(c1->c, 0, 0);
  c1->c = NULL;
  assert_true(mn_sim_run_until(fx->sim, one_incoming_closed, fx, GUARD_MS));
  ep_t *c4 = dial_opts(fx, NULL);
  wait_count(fx, &fx->accepted, 3);
  wait_int(fx, &c4->opened, 1);
  assert_int_equal(c4->closed, 0);
}

static void test_stop_closes_everything(void **state) {
  fix_t *fx = *state;
  listen_opts(fx, NULL);
  ep_t *cl = dial_opts(fx, NULL);
  wait_count(fx, &fx->accepted, 1);
  wait_int(fx, &cl->opened, 1);
  ep_t *sv = accepted_end(fx, 0);
  fx->lst = NULL; /* the node's stop closes it */
  mn_sim_node_stop(fx->na);
  assert_int_equal(sv->closed, 1);
  assert_int_equal(sv->reason, MN_ECANCELED);
  wait_int(fx, &cl->closed, 1);
  assert_true(cl->reason == MN_ECLOSED || cl->reason == MN_ECONNRESET);
}

static void test_listen_twice(void **state) {
  fix_t *fx = *state;
  listen_opts(fx, NULL);
  mn_tp_listener_t *l2 = NULL;
  int err = fx->ta->listen(fx->ta, fx->ta->listener_addr(fx->lst), NULL,
                           &handler, fx, &l2);
  assert_int_equal(err, MN_EADDRINUSE);
  assert_null(l2);
}

#define T(fn) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, s)

static int run_for(const char *scheme) {
  void *s = (void *)scheme;
  const struct CMUnitTest tests[] = {
      T(test_connect_and_frames),     T(test_large_and_empty_frames),
      T(test_oversized_frame_closes), T(test_back_pressure),
      T(test_pause_inside_callback),  T(test_close_from_dialer),
      T(test_close_from_acceptor),    T(test_close_inside_callback),
      T(test_dial_refused),           T(test_bad_addresses),
      T(test_many_connections),       T(test_listener_limit),
      T(test_stop_closes_everything), T(test_listen_twice),
  };
  char name[32];
  snprintf(name, sizeof name, "transport.%s", scheme);
  return _cmocka_run_group_tests(name, tests, sizeof tests / sizeof *tests,
                                 NULL, NULL);
}

/* With an argument, only that scheme's group runs. */
int main(int argc, char **argv) {
  int failed = 0;
  if (argc < 2 || strcmp(argv[1], "mem") == 0)
    failed += run_for("mem");
  if (argc < 2 || strcmp(argv[1], "tcp") == 0)
    failed += run_for("tcp");
  if (mem_hubs() != 0) {
    fprintf(stderr, "transport-mem left a hub behind\n");
    failed++;
  }
  return failed;
}
