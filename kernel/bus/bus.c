/*
 * The event bus: a mutex-protected FIFO of notifications drained on the loop
 * by a uv_async_t, per-topic subscriber arrays, and hooks.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "util/log.h"
#include "util/util.h"

/* Events delivered per wake-up before yielding to other loop work. */
#define DISPATCH_BATCH 4096

struct mn_sub {
  mn_topic_t *topic;
  const void *owner;
  mn_event_cb cb;
  void *data;
  uint64_t since; /* first sequence number this subscriber may see */
  bool dead;
};

struct mn_topic {
  mn__bus_t *bus;
  char *name;
  uint32_t version;
  const void *owner; /* declarer, NULL while undeclared */
  char *owner_name;
  _Atomic unsigned live; /* live subscribers; read from any thread */
  mn_sub_t **subs;
  size_t nsubs, capsubs;
  mn_topic_t *next;
};

typedef struct event {
  struct event *next;
  mn_topic_t *topic;
  const char *origin;
  const void *payload;
  size_t size;
  void (*free_fn)(void *);
  uint64_t seq;
} event_t;

struct mn_hookreg {
  mn_hook_t *hook;
  const void *owner;
  mn_hook_fn fn;
  void *data;
  bool dead;
};

struct mn_hook {
  mn__bus_t *bus;
  char *name;
  bool declared;
  const void *owner;
  mn_hook_mode_t mode;
  uint32_t deadline_ms;
  int default_verdict;
  mn_hookreg_t **regs;
  size_t nregs, capregs;
  int calling; /* nesting depth of hook_call */
  mn_hook_t *next;
};

struct mn__bus {
  uv_loop_t *loop;
  uv_async_t wake;
  bool closing;
  pthread_mutex_t lock; /* guards head/tail/next_seq */
  event_t *head, *tail;
  uint64_t next_seq;
  mn_topic_t *topics;
  mn_hook_t *hooks;
  int dispatching;
  bool have_dead; /* subscribers to sweep after dispatch */
  _Atomic uint64_t published, delivered;
  mn__bus_enter_fn enter;
  mn__bus_leave_fn leave;
};

static void enter(mn__bus_t *bus, const void *owner, const char *what) {
  if (bus->enter)
    bus->enter(owner, what);
}

static void leave(mn__bus_t *bus) {
  if (bus->leave)
    bus->leave();
}

static void release(event_t *ev) {
  if (ev->free_fn)
    ev->free_fn((void *)ev->payload);
  free(ev);
}

/* Removes dead subscribers from every topic (only when not dispatching). */
static void sweep(mn__bus_t *bus) {
  if (bus->dispatching || !bus->have_dead)
    return;
  for (mn_topic_t *t = bus->topics; t; t = t->next) {
    size_t w = 0;
    for (size_t r = 0; r < t->nsubs; r++) {
      if (t->subs[r]->dead)
        free(t->subs[r]);
      else
        t->subs[w++] = t->subs[r];
    }
    t->nsubs = w;
  }
  bus->have_dead = false;
}

static void deliver(mn__bus_t *bus, event_t *ev) {
  mn_topic_t *t = ev->topic;
  mn_event_t e = {.topic = t->name,
                  .version = t->version,
                  .payload = ev->payload,
                  .size = ev->size,
                  .seq = ev->seq,
                  .origin = ev->origin ? ev->origin : "kernel"};
  /* Index-based: callbacks may subscribe (realloc) or unsubscribe. */
  for (size_t i = 0; i < t->nsubs; i++) {
    mn_sub_t *s = t->subs[i];
    if (s->dead || ev->seq < s->since)
      continue;
    enter(bus, s->owner, t->name);
    s->cb(&e, s->data);
    leave(bus);
    atomic_fetch_add_explicit(&bus->delivered, 1, memory_order_relaxed);
  }
}

/* Drains at most `limit` events; returns true if more are queued. */
static bool dispatch(mn__bus_t *bus, size_t limit) {
  bus->dispatching++;
  size_t done = 0;
  bool more = false;
  while (done < limit) {
    pthread_mutex_lock(&bus->lock);
    event_t *ev = bus->head;
    if (ev) {
      bus->head = ev->next;
      if (!bus->head)
        bus->tail = NULL;
    }
    more = bus->head != NULL;
    pthread_mutex_unlock(&bus->lock);
    if (!ev)
      break;
    deliver(bus, ev);
    release(ev);
    done++;
  }
  bus->dispatching--;
  sweep(bus);
  return more;
}

static void on_wake(uv_async_t *h) {
  mn__bus_t *bus = h->data;
  if (dispatch(bus, DISPATCH_BATCH))
    uv_async_send(&bus->wake);
}

mn__bus_t *mn__bus_new(uv_loop_t *loop) {
  mn__bus_t *bus = mn__xcalloc(1, sizeof *bus);
  bus->loop = loop;
  pthread_mutex_init(&bus->lock, NULL);
  uv_async_init(loop, &bus->wake, on_wake);
  bus->wake.data = bus;
  return bus;
}

void mn__bus_set_tracker(mn__bus_t *bus, mn__bus_enter_fn e,
                         mn__bus_leave_fn l) {
  bus->enter = e;
  bus->leave = l;
}

static void drop_queue(mn__bus_t *bus) {
  pthread_mutex_lock(&bus->lock);
  event_t *ev = bus->head;
  bus->head = bus->tail = NULL;
  pthread_mutex_unlock(&bus->lock);
  while (ev) {
    event_t *next = ev->next;
    release(ev);
    ev = next;
  }
}

void mn__bus_close(mn__bus_t *bus) {
  if (bus->closing)
    return;
  bus->closing = true;
  drop_queue(bus);
  uv_close((uv_handle_t *)&bus->wake, NULL);
}

void mn__bus_free(mn__bus_t *bus) {
  if (!bus)
    return;
  drop_queue(bus);
  for (mn_topic_t *t = bus->topics, *n; t; t = n) {
    n = t->next;
    for (size_t i = 0; i < t->nsubs; i++)
      free(t->subs[i]);
    free(t->subs);
    free(t->name);
    free(t->owner_name);
    free(t);
  }
  for (mn_hook_t *h = bus->hooks, *n; h; h = n) {
    n = h->next;
    for (size_t i = 0; i < h->nregs; i++)
      free(h->regs[i]);
    free(h->regs);
    free(h->name);
    free(h);
  }
  pthread_mutex_destroy(&bus->lock);
  free(bus);
}

void mn__bus_flush(mn__bus_t *bus) {
  while (dispatch(bus, SIZE_MAX))
    ;
}

uint64_t mn__bus_published(const mn__bus_t *bus) { return bus->published; }
uint64_t mn__bus_delivered(const mn__bus_t *bus) { return bus->delivered; }

/* ---- topics --------------------------------------------------------------- */

mn_topic_t *mn__bus_topic(mn__bus_t *bus, const char *name) {
  for (mn_topic_t *t = bus->topics; t; t = t->next)
    if (strcmp(t->name, name) == 0)
      return t;
  mn_topic_t *t = mn__xcalloc(1, sizeof *t);
  t->bus = bus;
  t->name = mn__xstrdup(name);
  t->next = bus->topics;
  bus->topics = t;
  return t;
}

int mn__bus_topic_declare(mn__bus_t *bus, const void *owner,
                          const char *owner_name, const char *name,
                          uint32_t version, char **why) {
  mn_topic_t *t = mn__bus_topic(bus, name);
  if (t->owner && t->owner != owner) {
    if (why)
      *why = mn__xasprintf("topic \"%s\" is already declared by plugin \"%s\"",
                           name, t->owner_name);
    return MN_EEXIST;
  }
  t->owner = owner;
  free(t->owner_name);
  t->owner_name = mn__xstrdup(owner_name ? owner_name : "kernel");
  t->version = version;
  return 0;
}

bool mn__bus_has_subscribers(mn_topic_t *topic) {
  return topic &&
         atomic_load_explicit(&topic->live, memory_order_acquire) != 0;
}

int mn__bus_publish(mn_topic_t *topic, const char *origin, const void *payload,
                    size_t size, void (*free_fn)(void *)) {
  if (!topic) {
    if (free_fn)
      free_fn((void *)payload);
    return MN_EINVAL;
  }
  mn__bus_t *bus = topic->bus;
  atomic_fetch_add_explicit(&bus->published, 1, memory_order_relaxed);
  if (!mn__bus_has_subscribers(topic)) {
    if (free_fn)
      free_fn((void *)payload);
    return 0;
  }
  event_t *ev = malloc(sizeof *ev);
  if (!ev) {
    if (free_fn)
      free_fn((void *)payload);
    return MN_ENOMEM;
  }
  *ev = (event_t){.topic = topic,
                  .origin = origin,
                  .payload = payload,
                  .size = size,
                  .free_fn = free_fn};
  pthread_mutex_lock(&bus->lock);
  if (bus->closing) {
    pthread_mutex_unlock(&bus->lock);
    release(ev);
    return MN_ESTATE;
  }
  ev->seq = bus->next_seq++;
  if (bus->tail)
    bus->tail->next = ev;
  else
    bus->head = ev;
  bus->tail = ev;
  pthread_mutex_unlock(&bus->lock);
  uv_async_send(&bus->wake);
  return 0;
}

mn_sub_t *mn__bus_subscribe(mn__bus_t *bus, const void *owner,
                            const char *topic, mn_event_cb cb, void *data) {
  if (!cb)
    return NULL;
  mn_topic_t *t = mn__bus_topic(bus, topic);
  mn_sub_t *s = mn__xcalloc(1, sizeof *s);
  s->topic = t;
  s->owner = owner;
  s->cb = cb;
  s->data = data;
  pthread_mutex_lock(&bus->lock);
  s->since = bus->next_seq;
  pthread_mutex_unlock(&bus->lock);
  if (t->nsubs == t->capsubs) {
    t->capsubs = t->capsubs ? 2 * t->capsubs : 4;
    t->subs = mn__xrealloc(t->subs, t->capsubs * sizeof *t->subs);
  }
  t->subs[t->nsubs++] = s;
  atomic_fetch_add_explicit(&t->live, 1, memory_order_release);
  return s;
}

static void mark_dead(mn_sub_t *sub) {
  if (sub->dead)
    return;
  sub->dead = true;
  atomic_fetch_sub_explicit(&sub->topic->live, 1, memory_order_release);
  sub->topic->bus->have_dead = true;
}

void mn__bus_unsubscribe(mn_sub_t *sub) {
  if (!sub || sub->dead)
    return;
  mark_dead(sub);
  sweep(sub->topic->bus);
}

/* ---- hooks ---------------------------------------------------------------- */

static mn_hook_t *hook_get(mn__bus_t *bus, const char *name) {
  for (mn_hook_t *h = bus->hooks; h; h = h->next)
    if (strcmp(h->name, name) == 0)
      return h;
  mn_hook_t *h = mn__xcalloc(1, sizeof *h);
  h->bus = bus;
  h->name = mn__xstrdup(name);
  h->mode = MN_HOOK_CHAIN;
  h->default_verdict = MN_HOOK_ACCEPT;
  h->next = bus->hooks;
  bus->hooks = h;
  return h;
}

static size_t live_regs(const mn_hook_t *h) {
  size_t n = 0;
  for (size_t i = 0; i < h->nregs; i++)
    n += !h->regs[i]->dead;
  return n;
}

mn_hook_t *mn__bus_hook_declare(mn__bus_t *bus, const void *owner,
                                const char *name, mn_hook_mode_t mode,
                                uint32_t deadline_ms, int default_verdict,
                                char **why) {
  if ((mode != MN_HOOK_SINGLE && mode != MN_HOOK_CHAIN) ||
      (default_verdict != MN_HOOK_ACCEPT &&
       default_verdict != MN_HOOK_REJECT)) {
    if (why)
      *why = mn__xasprintf("hook \"%s\": invalid mode or default verdict",
                           name);
    return NULL;
  }
  mn_hook_t *h = hook_get(bus, name);
  if (h->declared && h->owner != owner) {
    if (why)
      *why = mn__xasprintf("hook \"%s\" is already declared", name);
    return NULL;
  }
  if (mode == MN_HOOK_SINGLE && live_regs(h) > 1) {
    if (why)
      *why = mn__xasprintf("hook \"%s\" is single-handler but already has "
                           "%zu handlers attached",
                           name, live_regs(h));
    return NULL;
  }
  h->declared = true;
  h->owner = owner;
  h->mode = mode;
  h->deadline_ms = deadline_ms;
  h->default_verdict = default_verdict;
  return h;
}

static void hook_sweep(mn_hook_t *h) {
  if (h->calling)
    return;
  size_t w = 0;
  for (size_t r = 0; r < h->nregs; r++) {
    if (h->regs[r]->dead)
      free(h->regs[r]);
    else
      h->regs[w++] = h->regs[r];
  }
  h->nregs = w;
}

mn_hookreg_t *mn__bus_hook_attach(mn__bus_t *bus, const void *owner,
                                  const char *name, mn_hook_fn fn, void *data,
                                  char **why) {
  if (!fn)
    return NULL;
  mn_hook_t *h = hook_get(bus, name);
  if (h->declared && h->mode == MN_HOOK_SINGLE && live_regs(h) > 0) {
    if (why)
      *why = mn__xasprintf("hook \"%s\" takes a single handler and already "
                           "has one",
                           name);
    return NULL;
  }
  mn_hookreg_t *r = mn__xcalloc(1, sizeof *r);
  *r = (mn_hookreg_t){.hook = h, .owner = owner, .fn = fn, .data = data};
  if (h->nregs == h->capregs) {
    h->capregs = h->capregs ? 2 * h->capregs : 4;
    h->regs = mn__xrealloc(h->regs, h->capregs * sizeof *h->regs);
  }
  h->regs[h->nregs++] = r;
  return r;
}

void mn__bus_hook_detach(mn_hookreg_t *reg) {
  if (!reg || reg->dead)
    return;
  reg->dead = true;
  hook_sweep(reg->hook);
}

int mn__bus_hook_call(mn_hook_t *h, void *arg) {
  if (!h)
    return MN_HOOK_REJECT;
  mn__bus_t *bus = h->bus;
  uint64_t start = mn__mono_ns();
  int verdict = MN_HOOK_PASS;
  h->calling++;
  for (size_t i = 0; i < h->nregs && verdict == MN_HOOK_PASS; i++) {
    mn_hookreg_t *r = h->regs[i];
    if (r->dead)
      continue;
    enter(bus, r->owner, h->name);
    int v = r->fn(arg, r->data);
    leave(bus);
    if (v == MN_HOOK_ACCEPT || v == MN_HOOK_REJECT)
      verdict = v;
    else if (v != MN_HOOK_PASS)
      mn__log(NULL, MN_LOG_WARN, "hook \"%s\": handler returned %d, which "
              "is not a verdict; treated as no opinion", h->name, v);
  }
  h->calling--;
  hook_sweep(h);
  uint64_t took_ms = (mn__mono_ns() - start) / 1000000u;
  if (h->deadline_ms && took_ms > h->deadline_ms) {
    mn__log(NULL, MN_LOG_WARN,
            "hook \"%s\": handlers took %llu ms, over the %u ms deadline; "
            "the default verdict (%s) applies",
            h->name, (unsigned long long)took_ms, h->deadline_ms,
            h->default_verdict == MN_HOOK_ACCEPT ? "accept" : "reject");
    return h->default_verdict;
  }
  return verdict == MN_HOOK_PASS ? h->default_verdict : verdict;
}

void mn__bus_drop_owner(mn__bus_t *bus, const void *owner) {
  for (mn_topic_t *t = bus->topics; t; t = t->next) {
    for (size_t i = 0; i < t->nsubs; i++)
      if (t->subs[i]->owner == owner)
        mark_dead(t->subs[i]);
    if (t->owner == owner) {
      t->owner = NULL;
      t->version = 0;
    }
  }
  for (mn_hook_t *h = bus->hooks; h; h = h->next) {
    for (size_t i = 0; i < h->nregs; i++)
      if (h->regs[i]->owner == owner)
        h->regs[i]->dead = true;
    hook_sweep(h);
    if (h->declared && h->owner == owner) {
      h->declared = false;
      h->owner = NULL;
    }
  }
  sweep(bus);
}
