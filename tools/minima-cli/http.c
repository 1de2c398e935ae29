/*
 * http.c - minima-cli's HTTP/1.1 client: one POST per connection, the
 * reply read with http-parser, every wait bounded by poll().
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>

#include "cli.h"

/* Connecting never waits longer than this, whatever --timeout says. */
#define CONNECT_MS 10000

const char *cli_address(const cli_target_t *t) {
  static char buf[300];
  if (strchr(t->host, ':'))
    snprintf(buf, sizeof buf, "[%s]:%d", t->host, t->port);
  else
    snprintf(buf, sizeof buf, "%s:%d", t->host, t->port);
  return buf;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline (-1: none), for poll(). */
static int left(int64_t deadline) {
  if (deadline < 0)
    return -1;
  int64_t l = deadline - now_ms();
  return l < 0 ? 0 : l > INT32_MAX ? INT32_MAX : (int)l;
}

static int wait_fd(int fd, short events, int64_t deadline) {
  struct pollfd p = {.fd = fd, .events = events};
  int rc;
  do
    rc = poll(&p, 1, left(deadline));
  while (rc < 0 && errno == EINTR);
  return rc; /* 0: timed out */
}

static int connect_one(const struct addrinfo *ai, int64_t deadline, int *err) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                  ai->ai_protocol);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      *err = errno;
      close(fd);
      return -1;
    }
    if (wait_fd(fd, POLLOUT, deadline) == 0) {
      *err = ETIMEDOUT;
      close(fd);
      return -1;
    }
    socklen_t len = sizeof *err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) != 0 || *err) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64(const char *in, size_t n) {
  char *out = malloc(4 * ((n + 2) / 3) + 1), *w = out;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)(unsigned char)in[i + 1] << 8;
    if (i + 2 < n)
      v |= (unsigned char)in[i + 2];
    *w++ = b64[v >> 18 & 63];
    *w++ = b64[v >> 12 & 63];
    *w++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
    *w++ = i + 2 < n ? b64[v & 63] : '=';
  }
  *w = '\0';
  return out;
}

typedef struct rstate {
  cli_reply_t *r;
  size_t cap;
  bool done;
} rstate_t;

static int r_headers(http_parser *p) {
  rstate_t *s = p->data;
  s->r->status = (int)p->status_code;
  /* A 100 Continue has no body; the real reply follows. */
  return p->status_code == 100 ? 1 : 0;
}

static int r_body(http_parser *p, const char *at, size_t n) {
  rstate_t *s = p->data;
  cli_reply_t *r = s->r;
  if (r->len + n + 1 > s->cap) {
    size_t cap = (r->len + n + 1) * 2;
    char *b = realloc(r->body, cap);
    if (!b)
      return -1;
    r->body = b;
    s->cap = cap;
  }
  memcpy(r->body + r->len, at, n);
  r->len += n;
  r->body[r->len] = '\0';
  return 0;
}

static int r_done(http_parser *p) {
  rstate_t *s = p->data;
  if (s->r->status == 100) {
    s->r->status = 0;
    return 0;
  }
  s->done = true;
  http_parser_pause(p, 1);
  return 0;
}

int cli_post(const cli_target_t *t, const char *line, cli_reply_t *out,
             char *why, size_t cap) {
  memset(out, 0, sizeof *out);
  const char *addr = cli_address(t);
  int64_t start = now_ms();
  int64_t deadline = t->timeout_ms > 0 ? start + t->timeout_ms : -1;
  int64_t cdeadline = start + CONNECT_MS;
  if (deadline >= 0 && deadline < cdeadline)
    cdeadline = deadline;

  char port[16];
  snprintf(port, sizeof port, "%d", t->port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_NUMERICSERV};
  struct addrinfo *ais = NULL;
  int gai = getaddrinfo(t->host, port, &hints, &ais);
  if (gai != 0) {
    snprintf(why, cap, "cannot reach the node at %s: %s", addr,
             gai_strerror(gai));
    return CLI_UNREACHABLE;
  }
  int fd = -1, err = 0;
  for (const struct addrinfo *ai = ais; ai && fd < 0; ai = ai->ai_next)
    fd = connect_one(ai, cdeadline, &err);
  freeaddrinfo(ais);
  if (fd < 0) {
    snprintf(why, cap, "cannot reach the node at %s: %s%s", addr, strerror(err),
             err == ECONNREFUSED ? " (is minimad running, with the rpc "
                                   "plugin, on that port?)"
                                 : "");
    return CLI_UNREACHABLE;
  }

  /* The request. */
  size_t blen = strlen(line);
  char *auth = NULL;
  if (t->password) {
    size_t n = strlen(t->password) + 8;
    char *up = malloc(n);
    if (up) {
      snprintf(up, n, "minima:%s", t->password);
      auth = base64(up, strlen(up));
      free(up);
    }
  }
  size_t hcap = 512 + (auth ? strlen(auth) : 0);
  char *req = malloc(hcap + blen);
  if (!req) {
    free(auth);
    close(fd);
    snprintf(why, cap, "out of memory");
    return CLI_UNREACHABLE;
  }
  int hl = snprintf(req, hcap,
                    "POST / HTTP/1.1\r\nHost: %s\r\nUser-Agent: minima-cli\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n"
                    "Content-Length: %zu\r\n%s%s%sConnection: close\r\n\r\n",
                    addr, blen, auth ? "Authorization: Basic " : "",
                    auth ? auth : "", auth ? "\r\n" : "");
  free(auth);
  memcpy(req + hl, line, blen);
  size_t total = (size_t)hl + blen, sent = 0;
  int rc = CLI_UNREACHABLE;
  while (sent < total) {
    ssize_t n = send(fd, req + sent, total - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += (size_t)n;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (wait_fd(fd, POLLOUT, deadline) == 0) {
        snprintf(why, cap,
                 "no reply from the node at %s within %d ms "
                 "(--timeout)",
                 addr, t->timeout_ms);
        goto out;
      }
      continue;
    }
    /* The node may have answered (401, 413) and closed early: read on. */
    break;
  }

  /* The reply. */
  rstate_t st = {.r = out};
  http_parser_settings set = {.on_headers_complete = r_headers,
                              .on_body = r_body,
                              .on_message_complete = r_done};
  http_parser p;
  http_parser_init(&p, HTTP_RESPONSE);
  p.data = &st;
  char buf[65536];
  bool got_any = false;
  for (;;) {
    int w = wait_fd(fd, POLLIN, deadline);
    if (w == 0) {
      snprintf(why, cap,
               "no reply from the node at %s within %d ms "
               "(--timeout)",
               addr, t->timeout_ms);
      goto out;
    }
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if (n <= 0) {
      http_parser_execute(&p, &set, NULL, 0);
      if (!st.done) {
        snprintf(why, cap, "the node at %s closed the connection %s", addr,
                 got_any ? "in the middle of its reply"
                         : "without replying (is that the RPC port?)");
        goto out;
      }
      break;
    }
    got_any = true;
    http_parser_execute(&p, &set, buf, (size_t)n);
    if (st.done)
      break;
    if (HTTP_PARSER_ERRNO(&p) != HPE_OK) {
      snprintf(why, cap,
               "%s answered, but not in HTTP (%s); is that the "
               "node's RPC port?",
               addr, http_errno_description(HTTP_PARSER_ERRNO(&p)));
      goto out;
    }
  }
  if (!out->body) {
    out->body = calloc(1, 1);
    if (!out->body) {
      snprintf(why, cap, "out of memory");
      goto out;
    }
  }
  rc = 0;
out:
  free(req);
  close(fd);
  if (rc != 0)
    cli_reply_free(out);
  return rc;
}

void cli_reply_free(cli_reply_t *r) {
  free(r->body);
  memset(r, 0, sizeof *r);
}

static bool all_true(const json_t *j, const char **error) {
  if (json_is_array(j)) {
    size_t i;
    const json_t *v;
    json_array_foreach(j, i, v) if (!all_true(v, error)) return false;
    return json_array_size(j) > 0;
  }
  if (json_is_true(json_object_get(j, "status")))
    return true;
  if (!*error)
    *error = json_string_value(json_object_get(j, "error"));
  return false;
}

/* Hands the reply's body to *raw when the caller wants it. */
static void finish(cli_reply_t *r, char **raw) {
  if (raw) {
    *raw = r->body;
    r->body = NULL;
  }
  cli_reply_free(r);
}

int cli_call(const cli_target_t *t, const char *line, json_t **out, char **raw,
             char *why, size_t cap) {
  *out = NULL;
  if (raw)
    *raw = NULL;
  cli_reply_t r;
  int rc = cli_post(t, line, &r, why, cap);
  if (rc != 0)
    return rc;
  json_error_t jerr;
  json_t *j = json_loadb(r.body, r.len, JSON_DECODE_ANY, &jerr);
  if (r.status == 401) {
    snprintf(why, cap,
             "the node at %s %s (HTTP 401): give the RPC password with "
             "--password, MINIMA_CLI_PASSWORD or the config file",
             cli_address(t),
             t->password ? "refused the password" : "needs a password");
    finish(&r, raw);
    *out = j;
    return CLI_FAILED;
  }
  if (!j) {
    snprintf(why, cap,
             "the node at %s replied with HTTP %d and no JSON: "
             "%.200s",
             cli_address(t), r.status, r.body);
    finish(&r, raw);
    return CLI_UNREACHABLE;
  }
  *out = j;
  if (r.status != 200) {
    const char *e = json_string_value(json_object_get(j, "error"));
    snprintf(why, cap, "the node at %s refused the request (HTTP %d): %s",
             cli_address(t), r.status, e ? e : r.body);
    finish(&r, raw);
    return CLI_FAILED;
  }
  finish(&r, raw);
  const char *error = NULL;
  if (all_true(j, &error))
    return CLI_OK;
  snprintf(why, cap, "%s", error ? error : "the command failed");
  return CLI_FAILED;
}
