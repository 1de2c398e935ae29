/*
 * Kernel benchmarks: event-bus notifications per second and store commits
 * per second.  Prints figures; asserts nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bus/bus.h"
#include "store/store.h"
#include "util/util.h"

static int owner;

static void count_cb(const mn_event_t *ev, void *data) { (*(uint64_t *)data)++; }

static double secs(uint64_t ns) { return (double)ns / 1e9; }

static void bench_bus(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  mn__bus_t *bus = mn__bus_new(&loop);
  uint64_t got = 0;
  mn__bus_subscribe(bus, &owner, "b", count_cb, &got);
  mn_topic_t *t = mn__bus_topic(bus, "b");
  const uint64_t n = 2000000;
  uint64_t t0 = mn__mono_ns();
  for (uint64_t i = 0; i < n; i++) {
    mn__bus_publish(t, "bench", NULL, 0, NULL);
    if ((i & 1023) == 1023)
      uv_run(&loop, UV_RUN_NOWAIT);
  }
  while (got < n)
    uv_run(&loop, UV_RUN_NOWAIT);
  uint64_t dt = mn__mono_ns() - t0;
  printf("bus: %.0f notifications/s published and delivered (1 subscriber, "
         "loop thread)\n",
         (double)n / secs(dt));

  /* Nobody listening: the cost of publish alone. */
  mn_topic_t *quiet = mn__bus_topic(bus, "quiet");
  t0 = mn__mono_ns();
  for (uint64_t i = 0; i < 10 * n; i++)
    mn__bus_publish(quiet, "bench", NULL, 0, NULL);
  dt = mn__mono_ns() - t0;
  printf("bus: %.0f publishes/s with no subscriber\n",
         (double)(10 * n) / secs(dt));
  mn__bus_close(bus);
  uv_run(&loop, UV_RUN_DEFAULT);
  mn__bus_free(bus);
  uv_loop_close(&loop);
}

typedef struct batch {
  mn_db_t *db;
  uint32_t from, count;
} batch_t;

static int write_batch(mn_txn_t *txn, void *data) {
  batch_t *b = data;
  uint8_t val[64] = {0};
  for (uint32_t i = b->from; i < b->from + b->count; i++) {
    int err = mn__store_put(txn, b->db, &i, sizeof i, val, sizeof val, 0);
    if (err)
      return err;
  }
  return 0;
}

static void bench_store(void) {
  char tmpl[] = "/tmp/mn-bench-store-XXXXXX";
  char *dir = mkdtemp(tmpl);
  mn__store_t *s;
  char *why = NULL;
  if (!dir || mn__store_open(dir, NULL, &s, &why)) {
    printf("store: cannot open: %s\n", why ? why : "mkdtemp");
    return;
  }
  mn_db_t *db;
  mn__store_db_open(s, "bench", "records", 0, &db);
  uint32_t next = 0;
  const uint32_t commits = 2000;
  uint64_t t0 = mn__mono_ns();
  for (uint32_t i = 0; i < commits; i++) {
    batch_t b = {db, next++, 1};
    mn__store_write(s, "bench", write_batch, &b);
  }
  uint64_t dt = mn__mono_ns() - t0;
  printf("store: %.0f durable commits/s (one 64-byte record each)\n",
         commits / secs(dt));
  const uint32_t per = 1000, batches = 200;
  t0 = mn__mono_ns();
  for (uint32_t i = 0; i < batches; i++) {
    batch_t b = {db, next, per};
    next += per;
    mn__store_write(s, "bench", write_batch, &b);
  }
  dt = mn__mono_ns() - t0;
  printf("store: %.0f records/s committed in transactions of %u\n",
         (double)per * batches / secs(dt), per);
  mn__store_close(s);
  char *cmd = mn__xasprintf("rm -rf %s", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  free(cmd);
}

int main(void) {
  bench_bus();
  bench_store();
  return 0;
}
