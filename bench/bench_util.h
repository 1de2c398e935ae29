/*
 * bench_util.h - what every benchmark program measures with: a monotonic
 * clock, the best of three slices of a timed loop, figures in k/M, a
 * process's memory from /proc, and a comparison for sorting samples.
 */
#ifndef MN_BENCH_UTIL_H
#define MN_BENCH_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "util/util.h"

/* Seconds spent on one figure. */
#define BENCH_SECONDS 1.0

static inline double bench_now(void) { return (double)mn__mono_ns() / 1e9; }

/* Operations per second of fn (which returns how many operations one call
 * did): after a warm-up call, three slices of secs/3 each, best kept. The
 * machine may be shared, and the best slice is the closest to what the
 * code can do. */
static inline double bench_rate(double secs, size_t (*fn)(void *), void *arg) {
  fn(arg);
  double best = 0;
  for (int slice = 0; slice < 3; slice++) {
    double t0 = bench_now(), t;
    size_t ops = 0;
    do {
      ops += fn(arg);
      t = bench_now();
    } while (t - t0 < secs / 3);
    double r = (double)ops / (t - t0);
    if (r > best)
      best = r;
  }
  return best;
}

/* "  12.34 M", "  56.78 k" or "   9.00  ". */
static inline void bench_human(double v, char *out, size_t cap) {
  if (v >= 1e6)
    snprintf(out, cap, "%8.3f M", v / 1e6);
  else if (v >= 1e3)
    snprintf(out, cap, "%8.2f k", v / 1e3);
  else
    snprintf(out, cap, "%8.1f  ", v);
}

/* A "VmRSS:"-style field of /proc/PID/status in KiB (pid 0: this
 * process), or -1. */
static inline long bench_status_kb(pid_t pid, const char *field) {
  char path[64], line[256];
  if (pid)
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  else
    snprintf(path, sizeof path, "/proc/self/status");
  FILE *f = fopen(path, "r");
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, field, strlen(field)) == 0)
      kb = strtol(line + strlen(field) + 1, NULL, 10);
  if (f)
    fclose(f);
  return kb;
}

/* qsort order of doubles, smallest first. */
static inline int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#endif
