#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/log.h"
#include "util/util.h"

static _Atomic int g_level = MN_LOG_INFO;
static FILE *_Atomic g_stream;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG",
                                          "TRACE"};

void mn__log_set_level(mn_log_level_t level) { g_level = (int)level; }
mn_log_level_t mn__log_get_level(void) { return (mn_log_level_t)g_level; }
void mn__log_set_stream(FILE *f) { g_stream = f; }

int mn__log_parse_level(const char *text, mn_log_level_t *out) {
  for (int i = 0; i <= MN_LOG_TRACE; i++) {
    if (strcasecmp(text, level_names[i]) == 0 ||
        (i == MN_LOG_WARN && strcasecmp(text, "warning") == 0)) {
      *out = (mn_log_level_t)i;
      return 0;
    }
  }
  return MN_EINVAL;
}

bool mn__log_enabled(mn_log_level_t level) { return (int)level <= g_level; }

void mn__logv(const char *who, mn_log_level_t level, const char *fmt,
              va_list ap) {
  if (!mn__log_enabled(level))
    return;
  if ((int)level < 0 || level > MN_LOG_TRACE)
    level = MN_LOG_ERROR;
  FILE *f = g_stream ? g_stream : stderr;
  uint64_t ms = mn__now_ms();
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  flockfile(f);
  fprintf(f, "%s.%03uZ %-5s [%s] ", stamp, (unsigned)(ms % 1000),
          level_names[level], who ? who : "kernel");
  vfprintf(f, fmt, ap);
  size_t n = strlen(fmt);
  if (n == 0 || fmt[n - 1] != '\n')
    fputc('\n', f);
  fflush(f);
  funlockfile(f);
}

void mn__log(const char *who, mn_log_level_t level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mn__logv(who, level, fmt, ap);
  va_end(ap);
}
