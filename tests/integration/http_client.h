/*
 * http_client.h - a blocking HTTP/1.1 client for tests: connect to a
 * loopback port, send raw bytes, read responses (http-parser), pipelining
 * and keep-alive included.  Every wait is bounded (TC_WAIT_MS) so a
 * broken server fails a test instead of hanging it.
 */
#ifndef MN_TEST_HTTP_CLIENT_H
#define MN_TEST_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

/* The longest any single read waits: a safety net, not a measurement. */
#define TC_WAIT_MS 60000

typedef struct tc_conn {
  int fd;
  char *buf; /* received, not yet consumed */
  size_t have, cap;
  bool eof;
} tc_conn_t;

typedef struct tc_resp {
  int status;
  char *headers; /* "name: value\n" lines, names lower-cased */
  char *body;    /* NUL-terminated */
  size_t body_len;
} tc_resp_t;

/* Results of tc_read. */
#define TC_OK 0
#define TC_CLOSED -1  /* the server closed before a complete response */
#define TC_TIMEOUT -2 /* nothing complete within wait_ms */
#define TC_BAD -3     /* not HTTP */

/* Connects to 127.0.0.1:port; false (c->fd = -1) when refused. */
bool tc_open(tc_conn_t *c, int port);
void tc_close(tc_conn_t *c);
/* Sends all of data; false when the connection broke. */
bool tc_send(tc_conn_t *c, const char *data, size_t len);
bool tc_sends(tc_conn_t *c, const char *text);
/* Reads one response (the reply to a HEAD request when head is true). */
int tc_read(tc_conn_t *c, tc_resp_t *r, bool head, int wait_ms);
/* True when the server closes the connection (EOF or reset) within
 * wait_ms, with nothing but whitespace left unread. */
bool tc_wait_closed(tc_conn_t *c, int wait_ms);
/* The value of a header (name lower-case), in a static buffer; NULL. */
const char *tc_header(const tc_resp_t *r, const char *name);
void tc_resp_free(tc_resp_t *r);

/* One request on a fresh connection: send raw, read the reply, close.
 * Returns a TC_* code; r is filled on TC_OK. */
int tc_exchange(int port, const char *raw, tc_resp_t *r);
/* GET /<target> and POST <body> on fresh connections; the body of a 200
 * reply, parsed as JSON, or NULL. */
struct json_t *tc_get_json(int port, const char *target);
struct json_t *tc_post_json(int port, const char *body, const char *extra);

/* A free TCP port on 127.0.0.1 (bound, then released). */
int tc_free_port(void);

#endif
