#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <minima/stream.h>

#include "test_support.h"
#include "util/util.h"

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

const char *mn_test_vector_path(const char *name) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/vectors/%s", MN_SHARED_DIR, name);
  if (exists(path))
    return path;
  snprintf(path, sizeof path, "%s/vectors/%s", MN_TESTS_DIR, name);
  return path;
}

json_t *mn_test_load_vectors(const char *name) {
  const char *path = mn_test_vector_path(name);
  json_error_t jerr;
  json_t *j = json_load_file(path, 0, &jerr);
  if (!j)
    fail_msg("cannot load vectors %s: %s (line %d)", path, jerr.text,
             jerr.line);
  return j;
}

const char *mn_test_shared_path(const char *rel) {
  static char path[4096];
  if (!exists(MN_SHARED_DIR))
    return NULL;
  snprintf(path, sizeof path, "%s/%s", MN_SHARED_DIR, rel);
  return path;
}

const char *mn_test_build_dir(void) { return MN_BUILD_DIR; }
const char *mn_test_source_dir(void) { return MN_TESTS_DIR; }

mn_buf_t mn_test_unhex(const char *hex) {
  mn_buf_t b = {0};
  if (mn__hex_decode(hex, strlen(hex), &b) != 0)
    fail_msg("bad hex in test data: %.60s", hex);
  return b;
}

char *mn_test_hex(const uint8_t *data, size_t len) {
  char *s = mn__xmalloc(2 * len + 1);
  mn__hex_encode(data, len, s, false);
  return s;
}

char *mn_test_tmpdir(const char *tag) {
  const char *base = getenv("TMPDIR");
  char *tmpl = mn__xasprintf("%s/mn-%s-XXXXXX", base ? base : "/tmp", tag);
  if (!mkdtemp(tmpl))
    fail_msg("mkdtemp %s: %s", tmpl, strerror(errno));
  return tmpl;
}

static int rm_cb(const char *p, const struct stat *st, int flag,
                 struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(p);
}

void mn_test_rmtree(const char *path) {
  if (path)
    nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

void mn_test_assert_bytes(const uint8_t *a, size_t alen, const uint8_t *b,
                          size_t blen, const char *file, int line) {
  if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
    return;
  char *ha = mn_test_hex(a, alen), *hb = mn_test_hex(b, blen);
  print_error("%s:%d: bytes differ\n  got:      %s (%zu)\n  expected: %s (%zu)\n",
              file, line, ha, alen, hb, blen);
  free(ha);
  free(hb);
  _fail(file, line);
}
