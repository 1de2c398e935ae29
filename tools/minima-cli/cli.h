/*
 * cli.h - the parts of minima-cli: a small blocking HTTP/1.1 client for
 * the node's RPC port (http.c), wait-sync (sync.c) and shell completion
 * (completion.c); main.c reads the settings and runs them.
 */
#ifndef MN_CLI_H
#define MN_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Exit statuses (docs/cli.md). */
#define CLI_OK 0          /* the command succeeded (status true) */
#define CLI_FAILED 1      /* the node answered with an error */
#define CLI_UNREACHABLE 2 /* no node answered at that address */
#define CLI_USAGE 64      /* bad options or settings */

typedef struct cli_target {
  const char *host;
  int port;
  const char *password; /* NULL: none */
  int timeout_ms;       /* for a whole reply; 0: wait as long as it takes */
} cli_target_t;

typedef struct cli_reply {
  int status; /* HTTP status */
  char *body; /* NUL-terminated, len bytes; malloc()ed */
  size_t len;
} cli_reply_t;

/* "127.0.0.1:9005", "[::1]:9005" (static storage). */
const char *cli_address(const cli_target_t *t);

/* POSTs a command line and reads the reply.  0 and *out (free with
 * cli_reply_free), or CLI_UNREACHABLE with why (a sentence naming the
 * address) when no HTTP reply came. */
int cli_post(const cli_target_t *t, const char *line, cli_reply_t *out,
             char *why, size_t cap);
void cli_reply_free(cli_reply_t *r);

/* Runs one command line and returns its parsed envelope in *out (NULL
 * unless CLI_OK or CLI_FAILED; may be NULL after a 401) and, when raw is
 * not NULL, the reply's body as sent in *raw (malloc()ed, or NULL).
 * CLI_OK when every result has status true, CLI_FAILED otherwise (a
 * message in why), CLI_UNREACHABLE when the node did not answer or the
 * answer is not JSON (why says which). */
int cli_call(const cli_target_t *t, const char *line, json_t **out, char **raw,
             char *why, size_t cap);

/* wait-sync: polls status until the node is in sync; returns an exit
 * status.  interval_ms between polls. */
int cli_wait_sync(const cli_target_t *t, int interval_ms);

/* `completion bash`: prints the script; other shells are a usage error. */
int cli_completion(const char *shell);
/* The helper the script calls: `__complete commands` or `__complete
 * params COMMAND` prints one name per line. */
int cli_complete(const cli_target_t *t, const char *what, const char *cmd);

#endif
