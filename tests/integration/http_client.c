/* The test HTTP client; see http_client.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <http_parser.h>
#include <jansson.h>

#include "http_client.h"

bool tc_open(tc_conn_t *c, int port) {
  memset(c, 0, sizeof *c);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    return false;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(c->fd);
    c->fd = -1;
    return false;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

void tc_close(tc_conn_t *c) {
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  free(c->buf);
  c->buf = NULL;
  c->have = c->cap = 0;
}

bool tc_send(tc_conn_t *c, const char *data, size_t len) {
  while (len) {
    ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    len -= (size_t)n;
  }
  return true;
}

bool tc_sends(tc_conn_t *c, const char *text) {
  return tc_send(c, text, strlen(text));
}

/* Reads more into the buffer; 1 got data, 0 EOF/reset, -2 timeout. */
static int fill(tc_conn_t *c, int wait_ms) {
  if (c->eof)
    return 0;
  struct pollfd p = {.fd = c->fd, .events = POLLIN};
  int rc;
  do
    rc = poll(&p, 1, wait_ms);
  while (rc < 0 && errno == EINTR);
  if (rc == 0)
    return TC_TIMEOUT;
  if (c->cap - c->have < 65536) {
    c->cap = c->cap ? c->cap * 2 : 131072;
    c->buf = realloc(c->buf, c->cap);
  }
  ssize_t n = recv(c->fd, c->buf + c->have, c->cap - c->have - 1, 0);
  if (n <= 0) {
    c->eof = true;
    return 0;
  }
  c->have += (size_t)n;
  return 1;
}

typedef struct pstate {
  tc_resp_t *r;
  size_t hcap, hlen, bcap;
  bool done, in_value, head;
} pstate_t;

static void hadd(pstate_t *s, const char *p, size_t n, bool lower) {
  if (s->hlen + n + 2 > s->hcap) {
    s->hcap = (s->hlen + n + 2) * 2;
    s->r->headers = realloc(s->r->headers, s->hcap);
  }
  for (size_t i = 0; i < n; i++)
    s->r->headers[s->hlen++] =
        lower ? (char)tolower((unsigned char)p[i]) : p[i];
  s->r->headers[s->hlen] = '\0';
}

static int p_field(http_parser *p, const char *at, size_t n) {
  pstate_t *s = p->data;
  if (s->in_value)
    hadd(s, "\n", 1, false);
  s->in_value = false;
  hadd(s, at, n, true);
  return 0;
}

static int p_value(http_parser *p, const char *at, size_t n) {
  pstate_t *s = p->data;
  if (!s->in_value)
    hadd(s, ": ", 2, false);
  s->in_value = true;
  hadd(s, at, n, false);
  return 0;
}

static int p_headers_done(http_parser *p) {
  pstate_t *s = p->data;
  if (s->in_value)
    hadd(s, "\n", 1, false);
  s->in_value = false;
  s->r->status = (int)p->status_code;
  return s->head || p->status_code == 100 ? 1 : 0;
}

static int p_body(http_parser *p, const char *at, size_t n) {
  pstate_t *s = p->data;
  tc_resp_t *r = s->r;
  if (r->body_len + n + 1 > s->bcap) {
    s->bcap = (r->body_len + n + 1) * 2;
    r->body = realloc(r->body, s->bcap);
  }
  memcpy(r->body + r->body_len, at, n);
  r->body_len += n;
  r->body[r->body_len] = '\0';
  return 0;
}

static int p_done(http_parser *p) {
  pstate_t *s = p->data;
  s->done = true;
  http_parser_pause(p, 1);
  return 0;
}

int tc_read(tc_conn_t *c, tc_resp_t *r, bool head, int wait_ms) {
  memset(r, 0, sizeof *r);
  pstate_t s = {.r = r, .head = head};
  hadd(&s, "", 0, false);
  r->body = calloc(1, 1);
  s.bcap = 1;
  http_parser_settings set = {.on_header_field = p_field,
                              .on_header_value = p_value,
                              .on_headers_complete = p_headers_done,
                              .on_body = p_body,
                              .on_message_complete = p_done};
  http_parser p;
  http_parser_init(&p, HTTP_RESPONSE);
  p.data = &s;
  size_t used = 0;
  for (;;) {
    if (used < c->have) {
      size_t n = http_parser_execute(&p, &set, c->buf + used, c->have - used);
      used += n;
      if (s.done) {
        memmove(c->buf, c->buf + used, c->have - used);
        c->have -= used;
        return TC_OK;
      }
      if (HTTP_PARSER_ERRNO(&p) != HPE_OK)
        return TC_BAD;
    }
    int f = fill(c, wait_ms);
    if (f == TC_TIMEOUT)
      return TC_TIMEOUT;
    if (f == 0) {
      /* A body delimited by the close. */
      http_parser_execute(&p, &set, NULL, 0);
      if (s.done) {
        c->have = 0;
        return TC_OK;
      }
      return TC_CLOSED;
    }
  }
}

bool tc_wait_closed(tc_conn_t *c, int wait_ms) {
  for (;;) {
    int f = fill(c, wait_ms);
    if (f == TC_TIMEOUT)
      return false;
    if (f == 0)
      break;
  }
  for (size_t i = 0; i < c->have; i++)
    if (!isspace((unsigned char)c->buf[i]))
      return false;
  return true;
}

const char *tc_header(const tc_resp_t *r, const char *name) {
  static char val[1024];
  size_t n = strlen(name);
  for (const char *l = r->headers; l && *l;) {
    const char *end = strchr(l, '\n');
    size_t len = end ? (size_t)(end - l) : strlen(l);
    if (len > n + 1 && strncmp(l, name, n) == 0 && l[n] == ':') {
      size_t vl = len - n - 2;
      if (vl >= sizeof val)
        vl = sizeof val - 1;
      memcpy(val, l + n + 2, vl);
      val[vl] = '\0';
      return val;
    }
    l += len + (end ? 1 : 0);
  }
  return NULL;
}

void tc_resp_free(tc_resp_t *r) {
  free(r->headers);
  free(r->body);
  memset(r, 0, sizeof *r);
}

int tc_exchange(int port, const char *raw, tc_resp_t *r) {
  tc_conn_t c;
  memset(r, 0, sizeof *r);
  if (!tc_open(&c, port))
    return TC_CLOSED;
  int rc = tc_sends(&c, raw) ? tc_read(&c, r, false, TC_WAIT_MS) : TC_CLOSED;
  tc_close(&c);
  return rc;
}

static json_t *json_of(int port, const char *raw) {
  tc_resp_t r;
  json_t *j = NULL;
  if (tc_exchange(port, raw, &r) == TC_OK && r.status == 200)
    j = json_loadb(r.body, r.body_len, JSON_DECODE_ANY, NULL);
  tc_resp_free(&r);
  return j;
}

json_t *tc_get_json(int port, const char *target) {
  size_t n = strlen(target) + 128;
  char *raw = malloc(n);
  snprintf(raw, n, "GET /%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target);
  json_t *j = json_of(port, raw);
  free(raw);
  return j;
}

json_t *tc_post_json(int port, const char *body, const char *extra) {
  size_t n = strlen(body) + (extra ? strlen(extra) : 0) + 160;
  char *raw = malloc(n);
  snprintf(raw, n,
           "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n%s"
           "\r\n%s",
           strlen(body), extra ? extra : "", body);
  json_t *j = json_of(port, raw);
  free(raw);
  return j;
}

int tc_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0)
    close(fd);
  return port;
}
