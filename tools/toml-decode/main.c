/*
 * toml-decode - reads a TOML document and prints it as the tagged JSON of
 * the toml-test suite, using the kernel's parser.  Speaks the toml-test
 * decoder protocol, so `toml-test test -decoder=toml-decode` runs the
 * official suite against it; also handy to see how the node reads a
 * config file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <minima/errors.h>

#include "config/toml.h"
#include "util/util.h"

/* The largest document read (the parser's own limit is 4 GiB). */
#define MAX_INPUT ((size_t)1 << 30)

static void usage(FILE *f) {
  static const char text[] =
      "NAME\n"
      "    toml-decode - print a TOML document as toml-test tagged JSON\n"
      "\n"
      "SYNOPSIS\n"
      "    toml-decode [FILE]\n"
      "    toml-decode --help\n"
      "\n"
      "DESCRIPTION\n"
      "    Reads a TOML 1.0 document from FILE, or from standard input\n"
      "    when FILE is absent or \"-\", parses it with the minima-c\n"
      "    kernel's parser and writes it to standard output as the\n"
      "    tagged JSON of the toml-test suite: tables become objects,\n"
      "    arrays arrays, and every other value\n"
      "        {\"type\": TYPE, \"value\": TEXT}\n"
      "    where TYPE is string, integer, float, bool, datetime,\n"
      "    datetime-local, date-local or time-local, and TEXT is always\n"
      "    a JSON string.  This is the decoder interface toml-test\n"
      "    expects:\n"
      "        toml-test test -decoder=toml-decode\n"
      "\n"
      "    Invalid TOML is reported on standard error as\n"
      "        FILE:LINE:COL: what was expected\n"
      "    with LINE and COL counted from 1, COL in characters (Unicode\n"
      "    code points).  FILE is \"<stdin>\" for standard input.\n"
      "\n"
      "OPTIONS\n"
      "    -h, --help    print this help and exit\n"
      "\n"
      "EXIT STATUS\n"
      "    0  the document is valid; its JSON was printed\n"
      "    1  the document is not valid TOML (message on standard error)\n"
      "    2  bad usage, or the input could not be read\n";
  fputs(text, f);
}

static int read_stream(FILE *f, char **out, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = mn__xmalloc(cap);
  for (;;) {
    if (n == cap) {
      if (cap >= MAX_INPUT) {
        free(buf);
        return MN_ETOOBIG;
      }
      cap *= 2;
      buf = mn__xrealloc(buf, cap);
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) {
        free(buf);
        return MN_EIO;
      }
      break;
    }
  }
  *out = buf;
  *len = n;
  return 0;
}

int main(int argc, char **argv) {
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    }
    if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf(stderr, "toml-decode: unknown option %s (see --help)\n", argv[i]);
      return 2;
    }
    if (path) {
      fprintf(stderr, "toml-decode: only one FILE may be given\n");
      return 2;
    }
    path = argv[i];
  }
  if (path && strcmp(path, "-") == 0)
    path = NULL;

  char *text = NULL;
  size_t len = 0;
  int rc = path ? mn__read_file(path, MAX_INPUT, &text, &len)
                : read_stream(stdin, &text, &len);
  if (rc != 0) {
    fprintf(stderr, "toml-decode: cannot read %s: %s\n",
            path ? path : "standard input", mn_strerror(rc));
    return 2;
  }

  mn_toml_value_t *root = NULL;
  char *err = NULL;
  rc = mn__toml_parse(text, len, path ? path : "<stdin>", &root, &err);
  free(text);
  if (rc != 0) {
    fprintf(stderr, "%s\n", err ? err : mn_strerror(rc));
    free(err);
    return 1;
  }

  json_t *j = mn__toml_to_tagged_json(root);
  mn__toml_free(root);
  if (!j) {
    fprintf(stderr, "toml-decode: out of memory building the JSON\n");
    return 2;
  }
  int out = json_dumpf(j, stdout, JSON_INDENT(2)) == 0 &&
            fputc('\n', stdout) != EOF && fflush(stdout) == 0;
  json_decref(j);
  if (!out) {
    fprintf(stderr, "toml-decode: cannot write standard output: %s\n",
            strerror(errno));
    return 2;
  }
  return 0;
}
