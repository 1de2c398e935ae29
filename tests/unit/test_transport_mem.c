/*
 * test_transport_mem.c - what is particular to transport-mem: instances of
 * many simulated nodes meet on one hub, frames cross by reference, names,
 * and a ring of many nodes passing a token.  The shared transport contract
 * is tested in test_transport.c.
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

typedef struct ring ring_t;

/* One node of the ring: it listens, dials the next node, and forwards the
 * token it receives on its incoming link to its outgoing one. */
typedef struct rnode {
  ring_t *r;
  unsigned idx;
  const mn_transport_t *tp;
  mn_tp_listener_t *lst;
  mn_tp_conn_t *out, *in;
  unsigned seen;
  bool out_open;
} rnode_t;

struct ring {
  uv_loop_t loop;
  mn_sim_t *sim;
  rnode_t *nodes;
  unsigned n;
  unsigned opened, hops;
  mn_frame_t *token;
  bool same_frame; /* every hop saw the very frame that was sent */
  unsigned closed;
};

static void r_open(mn_tp_conn_t *c) {
  rnode_t *rn = c->data;
  if (c->flags & MN_TP_INCOMING)
    rn->in = c;
  else
    rn->out_open = true;
  rn->r->opened++;
}

static void r_frame(mn_tp_conn_t *c, mn_frame_t *f) {
  rnode_t *rn = c->data;
  ring_t *r = rn->r;
  assert_ptr_equal(c, rn->in);
  if (f != r->token)
    r->same_frame = false;
  rn->seen++;
  r->hops++;
  if (rn->idx != 0)
    assert_int_equal(rn->tp->send(rn->out, f), 0);
}

static void r_closed(mn_tp_conn_t *c, int reason) {
  rnode_t *rn = c->data;
  rn->r->closed++;
  if (c == rn->in)
    rn->in = NULL;
  if (c == rn->out)
    rn->out = NULL;
}

static const mn_tp_handler_t ring_handler = {sizeof(mn_tp_handler_t), r_open,
                                             r_frame, NULL, r_closed};

static bool all_open(void *d) {
  ring_t *r = d;
  return r->opened == 2 * r->n;
}

static bool token_home(void *d) {
  ring_t *r = d;
  return r->nodes[0].seen == 1;
}

static bool four_closed(void *d) {
  return ((ring_t *)d)->closed >= 4;
}

static void test_ring_of_nodes(void **state) {
  enum { N = 200 };
  ring_t *r = calloc(1, sizeof *r);
  uv_loop_init(&r->loop);
  r->sim = mn_sim_new(&r->loop, NULL);
  r->n = N;
  r->nodes = calloc(N, sizeof *r->nodes);
  r->same_frame = true;
  for (unsigned i = 0; i < N; i++) {
    char name[16];
    snprintf(name, sizeof name, "n%u", i);
    mn_sim_node_t *n = mn_sim_node_new(r->sim, name, 0);
    mn_sim_node_plugin(n, "transport-mem");
    char *why = NULL;
    if (mn_sim_node_start(n, &why))
      fail_msg("%s", why);
    rnode_t *rn = &r->nodes[i];
    rn->r = r;
    rn->idx = i;
    rn->tp = mn_sim_node_service(n, "transport.mem", 1);
    assert_non_null(rn->tp);
    char addr[32];
    snprintf(addr, sizeof addr, "mem://%s", name);
    assert_int_equal(
        rn->tp->listen(rn->tp, addr, NULL, &ring_handler, rn, &rn->lst), 0);
    assert_string_equal(rn->tp->listener_addr(rn->lst), addr);
  }
  /* every instance joined the one hub of this loop */
  assert_int_equal(mem_hubs(), 1);
  for (unsigned i = 0; i < N; i++) {
    rnode_t *rn = &r->nodes[i];
    char addr[32];
    snprintf(addr, sizeof addr, "mem://n%u", (i + 1) % N);
    assert_int_equal(
        rn->tp->dial(rn->tp, addr, NULL, &ring_handler, rn, &rn->out), 0);
  }
  assert_true(mn_sim_run_until(r->sim, all_open, r, GUARD_MS));
  r->token = mn_frame_copy("token", 5);
  assert_int_equal(r->nodes[0].tp->send(r->nodes[0].out, r->token), 0);
  assert_true(mn_sim_run_until(r->sim, token_home, r, GUARD_MS));
  assert_int_equal(r->hops, N);
  assert_true(r->same_frame); /* passed by reference, never copied */
  for (unsigned i = 0; i < N; i++)
    assert_int_equal(r->nodes[i].seen, 1);
  /* token's only reference left is ours: no copies queued anywhere */
  assert_int_equal(r->token->refs, 1);
  mn_frame_unref(r->token);
  /* stopping one node closes both of its links, on both sides */
  mn_sim_node_stop(mn_sim_node_at(r->sim, 5));
  assert_true(mn_sim_run_until(r->sim, four_closed, r, GUARD_MS));
  mn_sim_run_for(r->sim, 5);
  assert_int_equal(r->closed, 4);
  assert_null(r->nodes[4].out);
  assert_null(r->nodes[6].in);
  mn_sim_free(r->sim);
  assert_int_equal(uv_loop_close(&r->loop), 0);
  assert_int_equal(mem_hubs(), 0);
  free(r->nodes);
  free(r);
}

/* ---- names -------------------------------------------------------------- */

static void nop_open(mn_tp_conn_t *c) {}
static void nop_frame(mn_tp_conn_t *c, mn_frame_t *f) {}
static void nop_closed(mn_tp_conn_t *c, int reason) {}
static const mn_tp_handler_t nop = {sizeof nop, nop_open, nop_frame, NULL,
                                    nop_closed};

static void test_names(void **state) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  mn_sim_t *sim = mn_sim_new(&loop, NULL);
  mn_sim_node_t *a = mn_sim_node_new(sim, "a", 0);
  mn_sim_node_t *b = mn_sim_node_new(sim, "b", 0);
  mn_sim_node_plugin(a, "transport-mem");
  mn_sim_node_plugin(b, "transport-mem");
  assert_int_equal(mn_sim_node_start(a, NULL), 0);
  assert_int_equal(mn_sim_node_start(b, NULL), 0);
  const mn_transport_t *ta = mn_sim_node_service(a, "transport.mem", 1);
  const mn_transport_t *tb = mn_sim_node_service(b, "transport.mem", 1);
  assert_ptr_not_equal(ta, tb); /* one instance per node */
  mn_tp_listener_t *l1, *l2, *l3, *l4 = NULL;
  assert_int_equal(ta->listen(ta, "mem://Node_1.x-y", NULL, &nop, NULL, &l1),
                   0);
  /* names are one namespace for the whole hub */
  assert_int_equal(tb->listen(tb, "mem://Node_1.x-y", NULL, &nop, NULL, &l4),
                   MN_EADDRINUSE);
  assert_null(l4);
  /* an empty name picks a fresh one */
  assert_int_equal(ta->listen(ta, "mem://", NULL, &nop, NULL, &l2), 0);
  assert_int_equal(tb->listen(tb, "mem://", NULL, &nop, NULL, &l3), 0);
  assert_string_not_equal(ta->listener_addr(l2), tb->listener_addr(l3));
  assert_true(strncmp(ta->listener_addr(l2), "mem://", 6) == 0);
  char longname[80];
  memset(longname, 'n', sizeof longname);
  memcpy(longname, "mem://", 6);
  longname[sizeof longname - 1] = '\0';
  assert_int_equal(ta->listen(ta, longname, NULL, &nop, NULL, &l4), MN_EINVAL);
  assert_int_equal(ta->listen(ta, "mem://a/b", NULL, &nop, NULL, &l4),
                   MN_EINVAL);
  assert_int_equal(ta->listen(ta, "tcp://1.2.3.4:5", NULL, &nop, NULL, &l4),
                   MN_ENOTSUP);
  /* a closed name is free again */
  ta->listener_close(l1);
  assert_int_equal(tb->listen(tb, "mem://Node_1.x-y", NULL, &nop, NULL, &l1),
                   0);
  tb->listener_close(l1);
  ta->listener_close(l2);
  tb->listener_close(l3);
  /* after stop: refused */
  mn_sim_node_stop(a);
  mn_sim_free(sim);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(mem_hubs(), 0);
}

/* Two loops, two hubs: names do not leak between them. */
static void test_hub_per_loop(void **state) {
  uv_loop_t l1, l2;
  uv_loop_init(&l1);
  uv_loop_init(&l2);
  mn_sim_t *s1 = mn_sim_new(&l1, NULL), *s2 = mn_sim_new(&l2, NULL);
  mn_sim_node_t *a = mn_sim_node_new(s1, "a", 0);
  mn_sim_node_t *b = mn_sim_node_new(s2, "b", 0);
  mn_sim_node_plugin(a, "transport-mem");
  mn_sim_node_plugin(b, "transport-mem");
  assert_int_equal(mn_sim_node_start(a, NULL), 0);
  assert_int_equal(mn_sim_node_start(b, NULL), 0);
  assert_int_equal(mem_hubs(), 2);
  const mn_transport_t *ta = mn_sim_node_service(a, "transport.mem", 1);
  const mn_transport_t *tb = mn_sim_node_service(b, "transport.mem", 1);
  mn_tp_listener_t *la, *lb;
  assert_int_equal(ta->listen(ta, "mem://same", NULL, &nop, NULL, &la), 0);
  assert_int_equal(tb->listen(tb, "mem://same", NULL, &nop, NULL, &lb), 0);
  ta->listener_close(la);
  tb->listener_close(lb);
  mn_sim_free(s1);
  assert_int_equal(mem_hubs(), 1);
  mn_sim_free(s2);
  assert_int_equal(mem_hubs(), 0);
  assert_int_equal(uv_loop_close(&l1), 0);
  assert_int_equal(uv_loop_close(&l2), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ring_of_nodes),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_hub_per_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
