/*
 * server.c - a small HTTP/1.1 server on a libuv loop, for the RPC port.
 *
 * Each connection runs one request at a time through a small state
 * machine:
 *
 *   READ    parsing a request (http-parser); the idle deadline runs from
 *           the moment the connection became ready and is NOT extended by
 *           each byte, so a client that trickles its headers is closed
 *   BUSY    the request is with the handler; no deadline, reading paused
 *           (pipelined bytes already received wait in `leftover`)
 *   WRITE   the reply is being written; the deadline catches clients that
 *           never read it
 *   LINGER  the final reply is out and our side shut down; the rest of
 *           what the client sends is read and dropped until it closes or a
 *           short deadline passes, so it sees the reply rather than a reset
 *
 * One repeating timer sweeps the deadlines.  Memory: a connection is freed
 * when its handle has closed and the handler has answered its request; the
 * server when its handles have closed, its connections are gone and its
 * owner called rpc_server_close().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <http_parser.h>

#include <minima/errors.h>

#include "rpc.h"

#define LOG_ERROR 0
#define LOG_WARN 1
#define LOG_INFO 2
#define LOG_DEBUG 3

/* Connections refused with a 503 that may be waiting for their reply to
 * drain at once; past this they are closed without a word. */
#define MAX_REJECTING 64
/* Longest wait for a client to close after our final reply. */
#define LINGER_MS 2000
#define LISTEN_BACKLOG 1024
/* All connections together hold at most this much of unfinished requests
 * (or four times max_request_bytes, if more) unless told otherwise, so
 * many large requests at once cannot exhaust memory. */
#define MIN_BUFFERED (64u << 20)

typedef enum conn_state { C_READ, C_BUSY, C_WRITE, C_LINGER } conn_state_t;

typedef struct conn conn_t;

struct conn {
  rpc_server_t *srv;
  conn_t *prev, *next; /* the server's list of open connections */
  uv_tcp_t tcp;
  uv_shutdown_t shut;
  http_parser parser;
  conn_state_t state;
  bool open;        /* the handle is not closing */
  bool handle_gone; /* its close callback ran */
  bool owed;        /* the handler still owes an answer to req */
  bool rejecting;   /* refused with 503, never parsed */
  bool reading;
  bool peer_eof;
  bool in_message;      /* a request has begun and not yet completed */
  bool in_value;        /* the parser is inside a header value */
  bool expect_continue; /* the client waits for 100 Continue */
  bool close_after;     /* close once the reply is written */
  bool keep_alive;
  uint64_t deadline; /* uv_now() ms; 0: none */
  size_t req_bytes, nheaders;
  unsigned writes; /* in flight */
  int fail_status; /* set by a parser callback that aborts the parse */
  char fail_text[160];
  rpc_buf_t field, value, target, body;
  char *leftover;
  size_t nleft;
  rpc_request_t req;
};

struct rpc_server {
  uv_loop_t *loop;
  uv_tcp_t listener;
  uv_timer_t sweep;
  rpc_limits_t lim;
  rpc_request_cb on_request;
  rpc_log_fn log;
  void *data;
  char *server_name;
  http_parser_settings settings;
  conn_t *conns;
  size_t nconns, nrejecting;
  size_t buffered; /* request bytes held by all connections */
  unsigned refs;
  bool listener_open, sweep_open;
  int port;
  uint64_t last_accept_warn;
  time_t date_time;
  char date[40];
  rpc_stats_t st;
  char readbuf[64 * 1024];
};

typedef struct wreq {
  uv_write_t w;
  conn_t *c;
  size_t len;
  char data[];
} wreq_t;

static void slog(rpc_server_t *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void slog(rpc_server_t *s, int level, const char *fmt, ...) {
  if (!s->log)
    return;
  va_list ap;
  va_start(ap, fmt);
  s->log(s->data, level, fmt, ap);
  va_end(ap);
}

static void srv_unref(rpc_server_t *s) {
  if (--s->refs > 0)
    return;
  free(s->server_name);
  free(s);
}

/* ---- connection lifetime ------------------------------------------------- */

static void clear_request(conn_t *c) {
  c->srv->buffered -= c->req_bytes;
  free(c->req.authorization);
  free(c->req.host);
  free(c->req.origin);
  free(c->req.fetch_site);
  c->req.authorization = c->req.host = NULL;
  c->req.origin = c->req.fetch_site = NULL;
  rpc_buf_reset(&c->field);
  rpc_buf_reset(&c->value);
  rpc_buf_reset(&c->target);
  rpc_buf_reset(&c->body);
  c->nheaders = 0;
  c->req_bytes = 0;
  c->in_value = false;
  c->expect_continue = false;
  c->fail_status = 0;
}

static void maybe_free(conn_t *c) {
  if (!c->handle_gone || c->owed)
    return;
  rpc_server_t *s = c->srv;
  clear_request(c);
  rpc_buf_free(&c->field);
  rpc_buf_free(&c->value);
  rpc_buf_free(&c->target);
  rpc_buf_free(&c->body);
  free(c->leftover);
  free(c);
  srv_unref(s);
}

static void on_conn_closed(uv_handle_t *h) {
  conn_t *c = h->data;
  c->handle_gone = true;
  maybe_free(c);
}

static void conn_close(conn_t *c) {
  if (!c->open)
    return;
  rpc_server_t *s = c->srv;
  c->open = false;
  c->deadline = 0;
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  c->prev = c->next = NULL;
  if (c->rejecting)
    s->nrejecting--;
  else
    s->nconns--;
  uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* ---- writing ------------------------------------------------------------- */

static const char *reason(int status) {
  switch (status) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 204:
    return "No Content";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 408:
    return "Request Timeout";
  case 413:
    return "Content Too Large";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 503:
    return "Service Unavailable";
  default:
    return "Unknown";
  }
}

/* The Date header, formatted once a second.  Kept per server: several
 * nodes may share the process. */
static const char *http_date(rpc_server_t *s) {
  time_t now = time(NULL);
  if (now != s->date_time || !s->date[0]) {
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(s->date, sizeof s->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    s->date_time = now;
  }
  return s->date;
}

static void after_reply(conn_t *c);

static void on_written(uv_write_t *w, int status) {
  wreq_t *wr = (wreq_t *)w;
  conn_t *c = wr->c;
  free(wr);
  c->writes--;
  if (!c->open)
    return;
  if (status < 0) {
    conn_close(c);
    return;
  }
  if (c->writes == 0 && c->state == C_WRITE)
    after_reply(c);
}

/* Queues len bytes (copied).  False when the connection had to close. */
static bool conn_write(conn_t *c, const char *head, size_t hlen,
                       const char *body, size_t blen) {
  wreq_t *wr = malloc(sizeof *wr + hlen + blen);
  if (!wr) {
    conn_close(c);
    return false;
  }
  wr->c = c;
  wr->len = hlen + blen;
  memcpy(wr->data, head, hlen);
  if (blen)
    memcpy(wr->data + hlen, body, blen);
  uv_buf_t b = uv_buf_init(wr->data, (unsigned)wr->len);
  int rc = uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, on_written);
  if (rc < 0) {
    free(wr);
    conn_close(c);
    return false;
  }
  c->writes++;
  return true;
}

/* Writes a whole reply and moves to WRITE. */
static void reply(conn_t *c, int status, const char *body, size_t blen,
                  const char *extra, bool keep, bool head_only) {
  rpc_server_t *s = c->srv;
  if (!c->open)
    return;
  rpc_buf_t h = {0};
  bool ok =
      rpc_buf_printf(&h, "HTTP/1.1 %d %s\r\nServer: %s\r\nDate: %s\r\n", status,
                     reason(status), s->server_name, http_date(s));
  if (status == 204)
    ok = ok && rpc_buf_printf(
                   &h, "Access-Control-Allow-Origin: *\r\n"
                       "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
                       "Access-Control-Allow-Headers: Authorization, "
                       "Content-Type\r\nAccess-Control-Max-Age: 600\r\n");
  else
    ok = ok && rpc_buf_printf(&h,
                              "Content-Type: text/plain\r\n"
                              "Content-Length: %zu\r\n"
                              "Access-Control-Allow-Origin: *\r\n",
                              blen);
  ok = ok && rpc_buf_printf(&h, "Connection: %s\r\n%s\r\n",
                            keep ? "keep-alive" : "close", extra ? extra : "");
  c->state = C_WRITE;
  c->close_after = !keep;
  c->deadline = uv_now(s->loop) + s->lim.idle_ms;
  if (!ok) {
    rpc_buf_free(&h);
    conn_close(c);
    return;
  }
  if (status == 204 || head_only)
    blen = 0;
  conn_write(c, h.data, h.len, body, blen);
  rpc_buf_free(&h);
}

/* A reply the server makes itself: {"status":false,"error":text}, then
 * close.  text must need no JSON escaping. */
static void reply_error(conn_t *c, int status, const char *text) {
  char body[320];
  int n = snprintf(body, sizeof body, "{\"status\":false,\"error\":\"%s\"}\n",
                   text);
  if (n < 0 || (size_t)n >= sizeof body)
    n = snprintf(body, sizeof body, "{\"status\":false}\n");
  reply(c, status, body, (size_t)n, NULL, false, false);
}

static void on_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf);
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);

static void start_reading(conn_t *c) {
  if (c->reading || !c->open || c->peer_eof)
    return;
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
    c->reading = true;
  else
    conn_close(c);
}

static void stop_reading(conn_t *c) {
  if (!c->reading)
    return;
  uv_read_stop((uv_stream_t *)&c->tcp);
  c->reading = false;
}

static void on_shutdown(uv_shutdown_t *r, int status) {
  conn_t *c = r->data;
  if (!c->open)
    return;
  if (status < 0 || c->peer_eof)
    conn_close(c);
}

static void linger(conn_t *c) {
  rpc_server_t *s = c->srv;
  c->state = C_LINGER;
  uint64_t wait = s->lim.idle_ms < LINGER_MS ? s->lim.idle_ms : LINGER_MS;
  c->deadline = uv_now(s->loop) + wait;
  c->shut.data = c;
  if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    conn_close(c);
    return;
  }
  start_reading(c);
}

/* ---- parsing ------------------------------------------------------------- */

static void feed(conn_t *c, const char *data, size_t len);

static int fail(conn_t *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(conn_t *c, int status, const char *fmt, ...) {
  c->fail_status = status;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->fail_text, sizeof c->fail_text, fmt, ap);
  va_end(ap);
  return -1;
}

static int count(conn_t *c, size_t n) {
  rpc_server_t *s = c->srv;
  if (c->req_bytes + n > s->lim.max_request_bytes)
    return fail(c, 413,
                "the request is larger than this server accepts (%zu bytes, "
                "[rpc] max_request_bytes)",
                s->lim.max_request_bytes);
  if (s->buffered + n > s->lim.max_buffered)
    return fail(c, 503,
                "the server holds too many large requests at once; try "
                "again later");
  c->req_bytes += n;
  s->buffered += n;
  return 0;
}

static int add(conn_t *c, rpc_buf_t *b, const char *at, size_t len) {
  if (count(c, len))
    return -1;
  if (!rpc_buf_add(b, at, len))
    return fail(c, 503, "the server is out of memory");
  return 0;
}

static int on_message_begin(http_parser *p) {
  conn_t *c = p->data;
  clear_request(c);
  c->in_message = true;
  return 0;
}

static int on_url(http_parser *p, const char *at, size_t len) {
  conn_t *c = p->data;
  return add(c, &c->target, at, len);
}

static char *dup_value(const rpc_buf_t *v) {
  size_t n = v->len;
  const char *s = rpc_trim(v->data ? v->data : "", &n);
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

static void keep_header(char **slot, const rpc_buf_t *v) {
  free(*slot);
  *slot = dup_value(v);
}

static int end_header(conn_t *c) {
  rpc_server_t *s = c->srv;
  c->in_value = false;
  if (++c->nheaders > s->lim.max_headers)
    return fail(c, 431,
                "the request has more header lines than this server accepts "
                "(%zu, [rpc] max_headers)",
                s->lim.max_headers);
  const char *f = c->field.data ? c->field.data : "";
  char **slot = NULL;
  if (strcasecmp(f, "authorization") == 0)
    slot = &c->req.authorization;
  else if (strcasecmp(f, "host") == 0)
    slot = &c->req.host;
  else if (strcasecmp(f, "origin") == 0)
    slot = &c->req.origin;
  else if (strcasecmp(f, "sec-fetch-site") == 0)
    slot = &c->req.fetch_site;
  if (strcasecmp(f, "expect") == 0 && c->value.data &&
      strcasecmp(c->value.data, "100-continue") == 0)
    c->expect_continue = true;
  if (slot) {
    keep_header(slot, &c->value);
    if (!*slot)
      return fail(c, 503, "the server is out of memory");
  }
  rpc_buf_reset(&c->field);
  rpc_buf_reset(&c->value);
  return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
  conn_t *c = p->data;
  if (c->in_value && end_header(c))
    return -1;
  /* Each header line also costs its ": " and CRLF. */
  if (c->field.len == 0 && count(c, 4))
    return -1;
  return add(c, &c->field, at, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  conn_t *c = p->data;
  c->in_value = true;
  return add(c, &c->value, at, len);
}

static int on_headers_complete(http_parser *p) {
  conn_t *c = p->data;
  rpc_server_t *s = c->srv;
  if (c->in_value && end_header(c))
    return -1;
  bool chunked = (p->flags & F_CHUNKED) != 0;
  if (!chunked && p->content_length != ULLONG_MAX &&
      p->content_length > s->lim.max_request_bytes - c->req_bytes)
    return fail(c, 413,
                "the request is larger than this server accepts (%zu bytes, "
                "[rpc] max_request_bytes)",
                s->lim.max_request_bytes);
  /* curl and others ask before sending a large body, then wait a while
   * for this go-ahead. */
  bool body =
      chunked || (p->content_length != ULLONG_MAX && p->content_length > 0);
  if (c->expect_continue && body && p->http_major == 1 && p->http_minor >= 1) {
    static const char go[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (!conn_write(c, go, sizeof go - 1, NULL, 0))
      return fail(c, 503, "the server could not answer");
  }
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  conn_t *c = p->data;
  return add(c, &c->body, at, len);
}

static int on_message_complete(http_parser *p) {
  conn_t *c = p->data;
  c->in_message = false;
  c->keep_alive = http_should_keep_alive(p) && !p->upgrade;
  http_parser_pause(p, 1);
  return 0;
}

static void dispatch(conn_t *c) {
  rpc_server_t *s = c->srv;
  stop_reading(c);
  c->state = C_BUSY;
  c->deadline = 0;
  /* Empty buffers still give the handler a string. */
  if (!rpc_buf_add(&c->target, "", 0) || !rpc_buf_add(&c->body, "", 0)) {
    reply_error(c, 503, "the server is out of memory");
    return;
  }
  rpc_request_t *r = &c->req;
  r->method = (int)c->parser.method;
  r->method_name = http_method_str((enum http_method)c->parser.method);
  r->target = c->target.data;
  r->target_len = c->target.len;
  r->body = c->body.data;
  r->body_len = c->body.len;
  r->keep_alive = c->keep_alive && !c->parser.upgrade;
  c->owed = true;
  s->st.requests++;
  s->on_request(r, s->data);
}

static void bad_request(conn_t *c, enum http_errno e) {
  rpc_server_t *s = c->srv;
  s->st.bad_requests++;
  if (c->fail_status) {
    slog(s, LOG_DEBUG, "%s: %d: %s", c->req.peer, c->fail_status, c->fail_text);
    reply_error(c, c->fail_status, c->fail_text);
    return;
  }
  char text[160];
  snprintf(text, sizeof text, "malformed HTTP request: %s (%s)",
           http_errno_description(e), http_errno_name(e));
  slog(s, LOG_DEBUG, "%s: %s", c->req.peer, text);
  reply_error(c, e == HPE_HEADER_OVERFLOW ? 431 : 400, text);
}

static void feed(conn_t *c, const char *data, size_t len) {
  rpc_server_t *s = c->srv;
  size_t n = http_parser_execute(&c->parser, &s->settings, data, len);
  enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
  if (!c->open)
    return;
  if (e == HPE_PAUSED) {
    if (n < len) {
      c->leftover = malloc(len - n);
      if (!c->leftover) {
        conn_close(c);
        return;
      }
      memcpy(c->leftover, data + n, len - n);
      c->nleft = len - n;
    }
    dispatch(c);
    return;
  }
  if (e != HPE_OK)
    bad_request(c, e);
}

/* The reply is out: next request, or close. */
static void after_reply(conn_t *c) {
  rpc_server_t *s = c->srv;
  if (c->close_after || c->peer_eof) {
    linger(c);
    return;
  }
  c->state = C_READ;
  c->deadline = uv_now(s->loop) + s->lim.idle_ms;
  clear_request(c);
  http_parser_pause(&c->parser, 0);
  if (c->leftover) {
    char *l = c->leftover;
    size_t n = c->nleft;
    c->leftover = NULL;
    c->nleft = 0;
    feed(c, l, n);
    free(l);
  }
  if (c->state == C_READ)
    start_reading(c);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  conn_t *c = h->data;
  /* Reads are consumed before the next one starts, so one buffer serves
   * every connection. */
  buf->base = c->srv->readbuf;
  buf->len = sizeof c->srv->readbuf;
}

static void on_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf) {
  conn_t *c = h->data;
  if (nread == 0 || !c->open)
    return;
  if (nread < 0) {
    if (c->state == C_WRITE) {
      /* The reply is still going out to a client that half-closed. */
      stop_reading(c);
      c->peer_eof = true;
      return;
    }
    conn_close(c);
    return;
  }
  if (c->state != C_READ)
    return; /* after an error reply, or lingering: dropped */
  feed(c, buf->base, (size_t)nread);
}

/* ---- accepting, timing out ----------------------------------------------- */

static void peer_name(conn_t *c) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  char ip[48] = "?";
  int port = 0;
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
    if (ss.ss_family == AF_INET) {
      const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
      uv_ip4_name(a, ip, sizeof ip);
      port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
      uv_ip6_name(a, ip, sizeof ip);
      port = ntohs(a->sin6_port);
    }
  }
  snprintf(c->req.peer, sizeof c->req.peer, "%s:%d", ip, port);
}

static void on_connection(uv_stream_t *ls, int status) {
  rpc_server_t *s = ls->data;
  uint64_t now = uv_now(s->loop);
  if (status < 0) {
    if (now - s->last_accept_warn >= 10000 || !s->last_accept_warn) {
      s->last_accept_warn = now;
      slog(s, LOG_WARN, "cannot accept a connection: %s%s", uv_strerror(status),
           status == UV_EMFILE || status == UV_ENFILE
               ? " (raise the open-file limit, ulimit -n, or lower [rpc] "
                 "max_connections)"
               : "");
    }
    return;
  }
  conn_t *c = calloc(1, sizeof *c);
  if (!c) {
    slog(s, LOG_ERROR, "out of memory accepting a connection");
    return;
  }
  c->srv = s;
  s->refs++;
  uv_tcp_init(s->loop, &c->tcp);
  c->tcp.data = c;
  c->open = true;
  c->next = s->conns;
  if (s->conns)
    s->conns->prev = c;
  s->conns = c;
  bool reject = s->nconns >= s->lim.max_connections;
  c->rejecting = reject;
  if (reject)
    s->nrejecting++;
  else
    s->nconns++;
  if (uv_accept(ls, (uv_stream_t *)&c->tcp) != 0) {
    conn_close(c);
    return;
  }
  s->st.accepted++;
  peer_name(c);
  uv_tcp_nodelay(&c->tcp, 1);
  if (reject) {
    s->st.rejected++;
    if (s->nrejecting > MAX_REJECTING) {
      conn_close(c);
      return;
    }
    char text[160];
    snprintf(text, sizeof text,
             "too many connections (this server serves %zu at once, [rpc] "
             "max_connections); try again later",
             s->lim.max_connections);
    reply_error(c, 503, text);
    return;
  }
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  c->state = C_READ;
  c->deadline = now + s->lim.idle_ms;
  start_reading(c);
}

static void expire(conn_t *c) {
  rpc_server_t *s = c->srv;
  s->st.timeouts++;
  if (c->state == C_READ && c->in_message) {
    slog(s, LOG_DEBUG, "%s: request not complete after %llu ms; closing",
         c->req.peer, (unsigned long long)s->lim.idle_ms);
    reply_error(c, 408,
                "the request did not arrive in time ([rpc] idle_timeout_ms)");
    /* The reply gets one more period to drain. */
    return;
  }
  conn_close(c);
}

static void on_sweep(uv_timer_t *t) {
  rpc_server_t *s = t->data;
  uint64_t now = uv_now(s->loop);
  for (conn_t *c = s->conns, *next; c; c = next) {
    next = c->next;
    if (c->deadline && now >= c->deadline)
      expire(c);
  }
}

static void on_handle_closed(uv_handle_t *h) {
  srv_unref(h->data);
}

/* ---- public -------------------------------------------------------------- */

int rpc_server_start(uv_loop_t *loop, const rpc_server_opts_t *o,
                     rpc_server_t **out, char *why, size_t cap) {
  *out = NULL;
  const char *bind = o->bind && *o->bind ? o->bind : "127.0.0.1";
  if (strcasecmp(bind, "localhost") == 0)
    bind = "127.0.0.1";
  struct sockaddr_storage addr;
  memset(&addr, 0, sizeof addr);
  if (uv_ip4_addr(bind, o->port, (struct sockaddr_in *)&addr) != 0 &&
      uv_ip6_addr(bind, o->port, (struct sockaddr_in6 *)&addr) != 0) {
    snprintf(why, cap,
             "[rpc] bind = \"%s\" is not an IPv4 or IPv6 address; use for "
             "example 127.0.0.1, ::1 or 0.0.0.0",
             bind);
    return MN_EINVAL;
  }
  rpc_server_t *s = calloc(1, sizeof *s);
  if (!s)
    return MN_ENOMEM;
  s->server_name = strdup(o->server_name ? o->server_name : "minima-c");
  if (!s->server_name) {
    free(s);
    return MN_ENOMEM;
  }
  s->loop = loop;
  s->lim = o->limits;
  if (s->lim.max_connections == 0)
    s->lim.max_connections = 1;
  if (s->lim.idle_ms == 0)
    s->lim.idle_ms = 1;
  if (s->lim.max_buffered == 0)
    s->lim.max_buffered = s->lim.max_request_bytes > MIN_BUFFERED / 4
                              ? 4 * s->lim.max_request_bytes
                              : MIN_BUFFERED;
  s->on_request = o->on_request;
  s->log = o->log;
  s->data = o->data;
  s->refs = 1; /* the owner's */
  s->settings.on_message_begin = on_message_begin;
  s->settings.on_url = on_url;
  s->settings.on_header_field = on_header_field;
  s->settings.on_header_value = on_header_value;
  s->settings.on_headers_complete = on_headers_complete;
  s->settings.on_body = on_body;
  s->settings.on_message_complete = on_message_complete;

  uv_tcp_init(loop, &s->listener);
  s->listener.data = s;
  s->listener_open = true;
  s->refs++;
  int rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG, on_connection);
  if (rc != 0) {
    if (rc == UV_EADDRINUSE)
      snprintf(why, cap,
               "cannot listen on %s port %d: the port is in use (another "
               "node?); stop that program, or choose another port with "
               "[rpc] port or --port",
               bind, o->port);
    else
      snprintf(why, cap, "cannot listen on %s port %d: %s", bind, o->port,
               uv_strerror(rc));
    rpc_server_close(s);
    return rc;
  }
  struct sockaddr_storage got;
  int glen = sizeof got;
  uv_tcp_getsockname(&s->listener, (struct sockaddr *)&got, &glen);
  s->port = got.ss_family == AF_INET6
                ? ntohs(((struct sockaddr_in6 *)&got)->sin6_port)
                : ntohs(((struct sockaddr_in *)&got)->sin_port);
  uv_timer_init(loop, &s->sweep);
  s->sweep.data = s;
  s->sweep_open = true;
  s->refs++;
  uint64_t tick = s->lim.idle_ms / 4;
  tick = tick < 10 ? 10 : tick > 1000 ? 1000 : tick;
  uv_timer_start(&s->sweep, on_sweep, tick, tick);
  *out = s;
  return 0;
}

void rpc_server_close(rpc_server_t *s) {
  if (!s)
    return;
  if (s->listener_open) {
    s->listener_open = false;
    uv_close((uv_handle_t *)&s->listener, on_handle_closed);
  }
  if (s->sweep_open) {
    s->sweep_open = false;
    uv_close((uv_handle_t *)&s->sweep, on_handle_closed);
  }
  while (s->conns)
    conn_close(s->conns);
  srv_unref(s);
}

int rpc_server_port(const rpc_server_t *s) {
  return s->port;
}

void rpc_server_stats(const rpc_server_t *s, rpc_stats_t *out) {
  *out = s->st;
  out->connections = s->nconns;
  out->buffered = s->buffered;
}

void rpc_respond(rpc_request_t *req, int status, const char *body, size_t len,
                 const char *extra) {
  conn_t *c = (conn_t *)((char *)req - offsetof(conn_t, req));
  if (!c->owed)
    return;
  c->owed = false;
  if (!c->open) {
    maybe_free(c);
    return;
  }
  bool keep = req->keep_alive && status < 400;
  reply(c, status, body, len, extra, keep, req->method == HTTP_HEAD);
}
