/*
 * sync.c - `minima-cli wait-sync`: poll `status` until the node has the
 * chain the network has, with a progress bar (blocks synced of known,
 * rate, time left).  What it reads from `status` is set out in
 * docs/cli.md:
 *
 *   response.chain.block       the node's tip (required)
 *   response.network.topblock  the highest block its peers announced
 *                              (optional: without it the tip counts as
 *                              the network's)
 *   response.network.syncing   true while the node is still catching up
 *                              (optional)
 *
 * Numbers may be JSON numbers or text, as the reference prints them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The node may restart or stall for a moment; this many failed polls in
 * a row end the wait. */
#define MAX_MISSES 10
#define WINDOW 30 /* polls the rate is measured over */
#define BAR 30

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0)
    ;
}

static bool number_of(const json_t *v, double *out) {
  if (json_is_number(v)) {
    *out = json_number_value(v);
    return true;
  }
  const char *s = json_string_value(v);
  if (!s || !*s)
    return false;
  char *end;
  *out = strtod(s, &end);
  return *end == '\0';
}

static void format_eta(double secs, char *buf, size_t cap) {
  if (secs < 0 || secs > 1e8) {
    snprintf(buf, cap, "?");
    return;
  }
  unsigned long s = (unsigned long)(secs + 0.5);
  if (s >= 3600)
    snprintf(buf, cap, "%luh%02lum", s / 3600, s % 3600 / 60);
  else if (s >= 60)
    snprintf(buf, cap, "%lum%02lus", s / 60, s % 60);
  else
    snprintf(buf, cap, "%lus", s);
}

static void show(bool tty, double block, double top, double rate) {
  double frac = top > 0 ? block / top : 1;
  if (frac > 1)
    frac = 1;
  if (frac < 0)
    frac = 0;
  char bar[BAR + 1];
  int fill = (int)(frac * BAR);
  for (int i = 0; i < BAR; i++)
    bar[i] = i < fill ? '#' : '-';
  bar[BAR] = '\0';
  char eta[32];
  format_eta(rate > 0 ? (top - block) / rate : -1, eta, sizeof eta);
  fprintf(stderr, "%s[%s] %5.1f%%  block %.0f of %.0f  %.1f blocks/s  ETA %s%s",
          tty ? "\r" : "", bar, frac * 100, block, top, rate, eta,
          tty ? "\x1b[K" : "\n");
  fflush(stderr);
}

int cli_wait_sync(const cli_target_t *t, int interval_ms) {
  bool tty = isatty(STDERR_FILENO);
  double times[WINDOW], blocks[WINDOW];
  size_t samples = 0;
  int misses = 0;
  bool said_no_top = false, shown = false;
  unsigned polls = 0;
  for (;; polls++) {
    json_t *j = NULL;
    char why[1024];
    int rc = cli_call(t, "status", &j, NULL, why, sizeof why);
    if (rc == CLI_UNREACHABLE) {
      if (polls == 0 || ++misses >= MAX_MISSES) {
        if (shown && tty)
          fputc('\n', stderr);
        fprintf(stderr, "minima-cli: %s\n", why);
        return CLI_UNREACHABLE;
      }
      sleep_ms(interval_ms);
      continue;
    }
    misses = 0;
    if (rc == CLI_FAILED) {
      if (shown && tty)
        fputc('\n', stderr);
      if (strstr(why, "Command not found"))
        fprintf(stderr,
                "minima-cli: the node at %s has no status command, which "
                "wait-sync polls (is the chain plugin loaded?)\n",
                cli_address(t));
      else
        fprintf(stderr, "minima-cli: status failed: %s\n", why);
      json_decref(j);
      return CLI_FAILED;
    }
    json_t *resp = json_object_get(j, "response");
    json_t *net = json_object_get(resp, "network");
    double block, top;
    if (!number_of(json_object_get(json_object_get(resp, "chain"), "block"),
                   &block)) {
      if (shown && tty)
        fputc('\n', stderr);
      fprintf(stderr,
              "minima-cli: the status reply of %s has no chain.block, so "
              "wait-sync cannot tell how far the node is (see docs/cli.md)\n",
              cli_address(t));
      json_decref(j);
      return CLI_FAILED;
    }
    if (!number_of(json_object_get(net, "topblock"), &top)) {
      top = block;
      if (!said_no_top)
        fprintf(stderr,
                "minima-cli: the node does not report network.topblock; "
                "its own tip is taken as the network's\n");
      said_no_top = true;
    }
    bool syncing = json_is_true(json_object_get(net, "syncing"));
    json_decref(j);

    double now = now_s();
    size_t slot = samples % WINDOW;
    times[slot] = now;
    blocks[slot] = block;
    samples++;
    size_t oldest = samples > WINDOW ? samples % WINDOW : 0;
    double dt = now - times[oldest];
    double rate = dt > 0 ? (block - blocks[oldest]) / dt : 0;
    if (rate < 0)
      rate = 0;

    if (!syncing && block >= top) {
      if (shown && tty) {
        show(tty, block, top, rate);
        fputc('\n', stderr);
      }
      printf("in sync at block %.0f\n", block);
      return CLI_OK;
    }
    /* Off a terminal, one line every ten seconds is plenty. */
    int every = interval_ms >= 10000 ? 1 : 10000 / interval_ms;
    if (tty || polls % (unsigned)every == 0) {
      show(tty, block, top, rate);
      shown = true;
    }
    sleep_ms(interval_ms);
  }
}
