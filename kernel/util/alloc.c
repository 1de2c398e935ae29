/* Allocation for kernel code: exhaustion is fatal and says how much. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static void oom(size_t n) {
  fprintf(stderr, "minimad: out of memory allocating %zu bytes\n", n);
  abort();
}

void *mn__xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    oom(n);
  return p;
}

void *mn__xcalloc(size_t count, size_t n) {
  void *p = calloc(count ? count : 1, n ? n : 1);
  if (!p)
    oom(count * n);
  return p;
}

void *mn__xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q)
    oom(n);
  return q;
}

char *mn__xstrndup(const char *s, size_t n) {
  char *p = mn__xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *mn__xstrdup(const char *s) { return mn__xstrndup(s, strlen(s)); }

char *mn__xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    oom(0);
  char *p = mn__xmalloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}
