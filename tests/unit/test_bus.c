/* Event bus: notifications and hooks. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "bus/bus.h"
#include "test_support.h"

static int owner_a, owner_b; /* addresses used as owner identities */

typedef struct rec {
  int n;
  char topics[64][16];
  int values[64];
} rec_t;

static void record(const mn_event_t *ev, void *data) {
  rec_t *r = data;
  if (r->n < 64) {
    snprintf(r->topics[r->n], sizeof r->topics[0], "%s", ev->topic);
    r->values[r->n] = ev->payload ? *(const int *)ev->payload : -1;
  }
  r->n++;
}

static int freed;
static void count_free(void *p) {
  freed++;
  free(p);
}

static int *boxed(int v) {
  int *p = malloc(sizeof *p);
  *p = v;
  return p;
}

typedef struct fixture {
  uv_loop_t loop;
  mn__bus_t *bus;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  uv_loop_init(&f->loop);
  f->bus = mn__bus_new(&f->loop);
  freed = 0;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  mn__bus_close(f->bus);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  mn__bus_free(f->bus);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  free(f);
  return 0;
}

static void run_pending(fixture_t *f) { uv_run(&f->loop, UV_RUN_NOWAIT); }

static void test_fanout_queued_in_order(void **state) {
  fixture_t *f = *state;
  rec_t r1 = {0}, r2 = {0};
  mn_sub_t *s1 = mn__bus_subscribe(f->bus, &owner_a, "a", record, &r1);
  mn__bus_subscribe(f->bus, &owner_b, "a", record, &r2);
  mn__bus_subscribe(f->bus, &owner_b, "b", record, &r2);
  mn_topic_t *a = mn__bus_topic(f->bus, "a"), *b = mn__bus_topic(f->bus, "b");
  assert_int_equal(mn__bus_publish(a, "t", boxed(1), 4, count_free), 0);
  assert_int_equal(mn__bus_publish(b, "t", boxed(2), 4, count_free), 0);
  assert_int_equal(mn__bus_publish(a, "t", boxed(3), 4, count_free), 0);
  /* Queued: nothing is delivered inside publish. */
  assert_int_equal(r1.n, 0);
  assert_int_equal(r2.n, 0);
  run_pending(f);
  assert_int_equal(r1.n, 2);
  assert_int_equal(r1.values[0], 1);
  assert_int_equal(r1.values[1], 3);
  assert_int_equal(r2.n, 3);
  assert_int_equal(r2.values[0], 1);
  assert_string_equal(r2.topics[1], "b");
  assert_int_equal(r2.values[1], 2);
  assert_int_equal(r2.values[2], 3);
  assert_int_equal(freed, 3);
  mn__bus_unsubscribe(s1);
  mn__bus_publish(a, "t", boxed(4), 4, count_free);
  run_pending(f);
  assert_int_equal(r1.n, 2);
  assert_int_equal(r2.n, 4);
}

static void test_no_listener_is_cheap(void **state) {
  fixture_t *f = *state;
  mn_topic_t *t = mn__bus_topic(f->bus, "quiet");
  assert_false(mn__bus_has_subscribers(t));
  assert_int_equal(mn__bus_publish(t, "t", boxed(1), 4, count_free), 0);
  /* Released at once, nothing queued. */
  assert_int_equal(freed, 1);
  rec_t r = {0};
  mn_sub_t *s = mn__bus_subscribe(f->bus, &owner_a, "quiet", record, &r);
  assert_true(mn__bus_has_subscribers(t));
  run_pending(f);
  assert_int_equal(r.n, 0); /* the earlier event never reaches a newcomer */
  mn__bus_unsubscribe(s);
  assert_false(mn__bus_has_subscribers(t));
}

typedef struct churn {
  fixture_t *f;
  mn_sub_t *self;
  rec_t late;
  mn_sub_t *late_sub;
  int seen;
} churn_t;

static void churn_cb(const mn_event_t *ev, void *data) {
  churn_t *c = data;
  c->seen++;
  if (c->seen == 1) {
    /* Subscribe a newcomer and leave, both during dispatch. */
    c->late_sub =
        mn__bus_subscribe(c->f->bus, &owner_b, ev->topic, record, &c->late);
    mn__bus_unsubscribe(c->self);
  }
}

static void test_subscribe_unsubscribe_during_dispatch(void **state) {
  fixture_t *f = *state;
  churn_t c = {.f = f};
  c.self = mn__bus_subscribe(f->bus, &owner_a, "x", churn_cb, &c);
  mn_topic_t *t = mn__bus_topic(f->bus, "x");
  mn__bus_publish(t, "t", boxed(1), 4, count_free);
  mn__bus_publish(t, "t", boxed(2), 4, count_free);
  run_pending(f);
  /* The churner saw only the first event; the newcomer saw neither (both
   * were published before it subscribed). */
  assert_int_equal(c.seen, 1);
  assert_int_equal(c.late.n, 0);
  mn__bus_publish(t, "t", boxed(3), 4, count_free);
  run_pending(f);
  assert_int_equal(c.seen, 1);
  assert_int_equal(c.late.n, 1);
  assert_int_equal(c.late.values[0], 3);
  assert_int_equal(freed, 3);
}

typedef struct worker_arg {
  mn_topic_t *topic;
  int base;
} worker_arg_t;

#define PER_THREAD 2000

static void *worker(void *p) {
  worker_arg_t *w = p;
  for (int i = 0; i < PER_THREAD; i++)
    mn__bus_publish(w->topic, "worker", boxed(w->base + i), 4, free);
  return NULL;
}

typedef struct seq_check {
  int last[4];
  int count;
  int disorder;
} seq_check_t;

static void seq_cb(const mn_event_t *ev, void *data) {
  seq_check_t *s = data;
  int v = *(const int *)ev->payload;
  int thread = v / 100000, i = v % 100000;
  if (i != s->last[thread] + 1)
    s->disorder++;
  s->last[thread] = i;
  s->count++;
}

static void test_publish_from_threads(void **state) {
  fixture_t *f = *state;
  seq_check_t s = {.last = {-1, -1, -1, -1}};
  mn__bus_subscribe(f->bus, &owner_a, "w", seq_cb, &s);
  mn_topic_t *t = mn__bus_topic(f->bus, "w");
  pthread_t th[4];
  worker_arg_t args[4];
  for (int i = 0; i < 4; i++) {
    args[i] = (worker_arg_t){t, i * 100000};
    pthread_create(&th[i], NULL, worker, &args[i]);
  }
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  while (s.count < 4 * PER_THREAD && uv_run(&f->loop, UV_RUN_ONCE))
    ;
  assert_int_equal(s.count, 4 * PER_THREAD);
  /* Each thread's events arrive in the order that thread published them. */
  assert_int_equal(s.disorder, 0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(s.last[i], PER_THREAD - 1);
}

static void test_topic_declare_and_drop_owner(void **state) {
  fixture_t *f = *state;
  char *why = NULL;
  assert_int_equal(
      mn__bus_topic_declare(f->bus, &owner_a, "a", "blocks", 2, &why), 0);
  assert_int_equal(
      mn__bus_topic_declare(f->bus, &owner_b, "b", "blocks", 1, &why),
      MN_EEXIST);
  assert_string_equal(why, "topic \"blocks\" is already declared by plugin "
                           "\"a\"");
  free(why);
  rec_t r = {0};
  mn__bus_subscribe(f->bus, &owner_b, "blocks", record, &r);
  mn__bus_publish(mn__bus_topic(f->bus, "blocks"), "a", NULL, 0, NULL);
  run_pending(f);
  assert_int_equal(r.n, 1);
  mn__bus_drop_owner(f->bus, &owner_b);
  mn__bus_drop_owner(f->bus, &owner_a);
  assert_false(mn__bus_has_subscribers(mn__bus_topic(f->bus, "blocks")));
  /* After the owner is gone the name is free again. */
  assert_int_equal(
      mn__bus_topic_declare(f->bus, &owner_b, "b", "blocks", 1, NULL), 0);
}

static int h_pass(void *arg, void *data) {
  (*(int *)arg)++;
  return MN_HOOK_PASS;
}
static int h_reject(void *arg, void *data) {
  (*(int *)arg)++;
  return MN_HOOK_REJECT;
}
static int h_accept(void *arg, void *data) {
  (*(int *)arg)++;
  return MN_HOOK_ACCEPT;
}
static int h_slow(void *arg, void *data) {
  struct timespec ts = {0, 30 * 1000 * 1000};
  nanosleep(&ts, NULL);
  return MN_HOOK_ACCEPT;
}

static void test_hook_chain(void **state) {
  fixture_t *f = *state;
  mn_hook_t *h = mn__bus_hook_declare(f->bus, &owner_a, "txpow.accept",
                                      MN_HOOK_CHAIN, 0, MN_HOOK_ACCEPT, NULL);
  assert_non_null(h);
  int calls = 0;
  /* No handler: the default verdict. */
  assert_int_equal(mn__bus_hook_call(h, &calls), MN_HOOK_ACCEPT);
  mn_hookreg_t *p = mn__bus_hook_attach(f->bus, &owner_b, "txpow.accept",
                                        h_pass, NULL, NULL);
  mn__bus_hook_attach(f->bus, &owner_b, "txpow.accept", h_reject, NULL, NULL);
  mn__bus_hook_attach(f->bus, &owner_b, "txpow.accept", h_accept, NULL, NULL);
  /* PASS continues, the first decision wins, later handlers don't run. */
  assert_int_equal(mn__bus_hook_call(h, &calls), MN_HOOK_REJECT);
  assert_int_equal(calls, 2);
  mn__bus_hook_detach(p);
  calls = 0;
  assert_int_equal(mn__bus_hook_call(h, &calls), MN_HOOK_REJECT);
  assert_int_equal(calls, 1);
  mn__bus_drop_owner(f->bus, &owner_b);
  assert_int_equal(mn__bus_hook_call(h, &calls), MN_HOOK_ACCEPT);
}

static void test_hook_single_and_deadline(void **state) {
  fixture_t *f = *state;
  char *why = NULL;
  mn_hook_t *h = mn__bus_hook_declare(f->bus, &owner_a, "peer.allow",
                                      MN_HOOK_SINGLE, 5, MN_HOOK_REJECT, NULL);
  assert_non_null(h);
  assert_non_null(mn__bus_hook_attach(f->bus, &owner_b, "peer.allow", h_slow,
                                      NULL, NULL));
  assert_null(mn__bus_hook_attach(f->bus, &owner_b, "peer.allow", h_accept,
                                  NULL, &why));
  assert_string_equal(why, "hook \"peer.allow\" takes a single handler and "
                           "already has one");
  free(why);
  /* The handler accepts but overruns its 5 ms deadline: default applies. */
  int calls = 0;
  assert_int_equal(mn__bus_hook_call(h, &calls), MN_HOOK_REJECT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_fanout_queued_in_order, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_no_listener_is_cheap, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_subscribe_unsubscribe_during_dispatch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_publish_from_threads, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_topic_declare_and_drop_owner, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_hook_chain, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hook_single_and_deadline, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
