/*
 * rpc.h - the pieces of the rpc plugin: an HTTP/1.1 server on a libuv loop
 * (server.c) and the text helpers it and the plugin use (text.c).  They
 * live in the static library mn_rpc_core so the unit tests can drive them
 * without a node; plugin.c joins them to the host's command registry.
 *
 * The server knows nothing about commands.  It accepts connections, parses
 * requests with http-parser, enforces the limits (size, header count,
 * connections, time) and hands each complete request to a callback, which
 * answers it with rpc_respond(), at once or later.  One request per
 * connection is in flight at a time; pipelined requests wait their turn.
 * Everything runs on the loop's thread.
 */
#ifndef MN_RPC_H
#define MN_RPC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <minima/errors.h>

/* ---- text helpers (text.c) ----------------------------------------------- */

/* A growable byte string, always NUL-terminated when data is not NULL. */
typedef struct rpc_buf {
  char *data;
  size_t len, cap;
} rpc_buf_t;

/* Appends n bytes; false on allocation failure (the buffer is unchanged). */
bool rpc_buf_add(rpc_buf_t *b, const void *p, size_t n);
bool rpc_buf_printf(rpc_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rpc_buf_reset(rpc_buf_t *b); /* len = 0, keeps the memory */
void rpc_buf_free(rpc_buf_t *b);

/* The command line of a GET target as the reference reads it: one leading
 * and one trailing '/' removed, then decoded form-style ('+' is a space,
 * %XX a byte), then trimmed of bytes <= ' ' at both ends.  Returns 0 with
 * a malloc()ed NUL-terminated *out (*out_len bytes, which may hold NUL
 * bytes), MN_EFORMAT with *bad_at set to the offset in target of a '%'
 * not followed by two hex digits, or MN_ENOMEM. */
int rpc_target_command(const char *target, size_t len, char **out,
                       size_t *out_len, size_t *bad_at);

/* Trims bytes <= ' ' at both ends (Java's String.trim()), in place:
 * returns the start and updates *len. */
const char *rpc_trim(const char *s, size_t *len);

/* Offset of the first byte that is not part of well-formed UTF-8 (no
 * overlongs, surrogates or code points past U+10FFFF), or len if all of
 * s is valid. */
size_t rpc_utf8_check(const char *s, size_t len);

/* Standard base64 (RFC 4648, padding optional, no whitespace) into out,
 * which holds at least len * 3 / 4 + 3 bytes.  False on malformed text. */
bool rpc_base64_decode(const char *in, size_t len, unsigned char *out,
                       size_t *out_len);

/* Compares a secret in time that depends only on the length of `given`
 * (not on where the texts differ, nor on the secret's length). */
bool rpc_secret_equal(const char *given, size_t given_len, const char *secret,
                      size_t secret_len);

/* True if the Authorization header value carries `password`: "Basic "
 * base64("minima:" password) or "Bearer " password (schemes in any case).
 * NULL header: false. */
bool rpc_auth_ok(const char *authorization, const char *password);

/* True for addresses that only this machine can reach: 127.0.0.0/8, ::1,
 * ::ffff:127.x.x.x and "localhost". */
bool rpc_is_loopback(const char *addr);
/* True for an IPv4 or IPv6 literal, or "localhost": what bind accepts. */
bool rpc_is_address(const char *addr);

/* Browser protection for a server without password: NULL when a request
 * with these headers (each may be NULL) may run, else a sentence saying
 * why not.  Refused: an Origin that is not a page of this machine; with
 * no Origin, a Sec-Fetch-Site of cross-site or same-site (a link or image
 * of a web page made the request); a Host that does not name this machine
 * (DNS rebinding).  Requests without those headers (curl, scripts,
 * minima-cli) pass. */
const char *rpc_browser_refusal(const char *origin, const char *fetch_site,
                                const char *host);

/* A copy of a command line fit for a log: the values of the parameters
 * password, phrase, privatekey and seed replaced by ***, control
 * characters shown as '?', and at most max bytes of text followed by
 * "...(N bytes)" when cut.  malloc()ed; NULL on allocation failure. */
char *rpc_mask_secrets(const char *line, size_t len, size_t max);

/* A POST body in JSON form, {"command": "send", "params": {"amount": "1",
 * ...}} or an array of such objects, as a command line ("send amount:1 ..."
 * joined with ";").  Parameter values may be strings, numbers, booleans or
 * JSON objects/arrays (passed on as JSON).  0 and *out (malloc()ed), or
 * MN_EFORMAT with *err (static text, or written into errbuf). */
int rpc_json_command(const char *body, size_t len, char **out, char *errbuf,
                     size_t errcap);

/* ---- the server (server.c) ----------------------------------------------- */

typedef struct rpc_server rpc_server_t;

typedef struct rpc_limits {
  size_t max_connections;   /* served at once; more get 503 */
  size_t max_request_bytes; /* target + headers + body; more get 413 */
  size_t max_headers;       /* header lines; more get 431 */
  uint64_t idle_ms;         /* to send a whole request, or to read a reply */
  /* Unfinished request bytes all connections may hold together; more get
   * 503.  0: the larger of 64 MiB and 4 * max_request_bytes. */
  size_t max_buffered;
} rpc_limits_t;

/* One request, valid from the callback until rpc_respond(). */
typedef struct rpc_request {
  int method;              /* enum http_method */
  const char *method_name; /* "GET", "POST"... */
  char *target;            /* the request target, as sent */
  size_t target_len;
  char *body; /* NUL-terminated; body_len bytes (may hold NUL bytes) */
  size_t body_len;
  /* Header values of interest (NULL when absent; the last one wins). */
  char *authorization, *host, *origin, *fetch_site;
  char peer[64]; /* "127.0.0.1:43512" */
  bool keep_alive;
} rpc_request_t;

typedef void (*rpc_request_cb)(rpc_request_t *req, void *data);
typedef void (*rpc_log_fn)(void *data, int level, const char *fmt, va_list ap);

typedef struct rpc_server_opts {
  const char *bind; /* IPv4 or IPv6 literal, or "localhost" */
  int port;         /* 0: the system picks one (see rpc_server_port) */
  rpc_limits_t limits;
  const char *server_name; /* the Server header */
  rpc_request_cb on_request;
  rpc_log_fn log; /* levels as mn_log_level_t; may be NULL */
  void *data;     /* for on_request and log */
} rpc_server_opts_t;

typedef struct rpc_stats {
  size_t connections; /* open and served now */
  size_t buffered;    /* bytes of unfinished requests held now */
  uint64_t accepted, requests, rejected, timeouts, bad_requests;
} rpc_stats_t;

/* Listens on opts->bind:port.  0 and *out, or a negative MN_E* code with
 * why (of size cap) saying what failed and how to fix it.  Strings in opts
 * are copied. */
int rpc_server_start(uv_loop_t *loop, const rpc_server_opts_t *opts,
                     rpc_server_t **out, char *why, size_t cap);

/* Stops listening and closes every connection.  Memory is released when
 * the loop has run the close callbacks and every pending request has been
 * answered (answers to closed connections are dropped). */
void rpc_server_close(rpc_server_t *s);

int rpc_server_port(const rpc_server_t *s);
void rpc_server_stats(const rpc_server_t *s, rpc_stats_t *out);

/* Answers req: status (200, 204, 401...), a body of len bytes sent as
 * text/plain (ignored for 204 and in replies to HEAD), and extra header
 * lines, each ending in CRLF, or NULL.  The connection stays open for the
 * next request if the client allows it and status < 400.  req is invalid
 * afterwards. */
void rpc_respond(rpc_request_t *req, int status, const char *body, size_t len,
                 const char *extra_headers);

#endif
