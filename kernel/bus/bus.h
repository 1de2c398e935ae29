/*
 * bus/bus.h - notifications and hooks, the two ways plugins talk without
 * knowing each other.
 *
 * Notifications are fan-out and asynchronous.  publish() may be called from
 * any thread; it appends to one queue, in publish order across all topics,
 * and wakes the loop, where every event is handed to each subscriber of its
 * topic.  A topic nobody listens to costs one atomic load: the payload is
 * released at once.  Subscribing or unsubscribing inside a callback is safe:
 * a removed subscriber gets nothing more, a new one only what was published
 * after it subscribed.
 *
 * Hooks are synchronous decisions.  A hook is declared once with a mode
 * (single handler, or a chain that runs until someone decides), a deadline
 * and a default verdict; hook_call() runs the handlers on the caller's
 * thread and returns ACCEPT or REJECT.
 *
 * Every subscription, topic declaration, hook and handler records its owner
 * (a plugin name) so a plugin's registrations can be withdrawn at once when
 * its init fails or it stops.  All functions but publish() and
 * has_subscribers() belong to the loop thread.
 */
#ifndef MN_BUS_H
#define MN_BUS_H

#include <uv.h>

#include <minima/host.h>

typedef struct mn__bus mn__bus_t;

/* Called around every callback into plugin code so the kernel knows who is
 * running (logs, fatal-signal report).  May be NULL. */
typedef void (*mn__bus_enter_fn)(const void *owner, const char *what);
typedef void (*mn__bus_leave_fn)(void);

/* Creates the bus on loop.  Never fails (aborts on exhaustion). */
mn__bus_t *mn__bus_new(uv_loop_t *loop);
void mn__bus_set_tracker(mn__bus_t *bus, mn__bus_enter_fn enter,
                         mn__bus_leave_fn leave);
/* Starts the close of the loop handles; call before the loop's last run.
 * Pending notifications are dropped (their payloads released). */
void mn__bus_close(mn__bus_t *bus);
/* Frees the bus after mn__bus_close and the loop ran the close callback. */
void mn__bus_free(mn__bus_t *bus);

/* Delivers every queued notification now (tests, shutdown). */
void mn__bus_flush(mn__bus_t *bus);

/* ---- notifications ----------------------------------------------------- */

/* owner is the plugin (opaque, compared by address) and owner_name its name
 * for messages; both must outlive its registrations. */
int mn__bus_topic_declare(mn__bus_t *bus, const void *owner,
                          const char *owner_name, const char *name,
                          uint32_t version, char **why);
mn_topic_t *mn__bus_topic(mn__bus_t *bus, const char *name);
bool mn__bus_has_subscribers(mn_topic_t *topic);
int mn__bus_publish(mn_topic_t *topic, const char *origin, const void *payload,
                    size_t size, void (*free_fn)(void *));
mn_sub_t *mn__bus_subscribe(mn__bus_t *bus, const void *owner,
                            const char *topic, mn_event_cb cb, void *data);
void mn__bus_unsubscribe(mn_sub_t *sub);

/* Counters for status and benchmarks. */
uint64_t mn__bus_published(const mn__bus_t *bus);
uint64_t mn__bus_delivered(const mn__bus_t *bus);

/* ---- hooks ------------------------------------------------------------- */

mn_hook_t *mn__bus_hook_declare(mn__bus_t *bus, const void *owner,
                                const char *name, mn_hook_mode_t mode,
                                uint32_t deadline_ms, int default_verdict,
                                char **why);
mn_hookreg_t *mn__bus_hook_attach(mn__bus_t *bus, const void *owner,
                                  const char *name, mn_hook_fn fn, void *data,
                                  char **why);
void mn__bus_hook_detach(mn_hookreg_t *reg);
int mn__bus_hook_call(mn_hook_t *hook, void *arg);

/* Withdraws every registration of owner (subscriptions, topic declarations,
 * hooks it declared, handlers it attached). */
void mn__bus_drop_owner(mn__bus_t *bus, const void *owner);

#endif
