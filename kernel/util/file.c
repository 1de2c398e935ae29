/* Whole-file reads for config files, vectors and plugins' small files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <minima/errors.h>

#include "util/util.h"

int mn__read_file(const char *path, size_t max, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -errno;
  struct stat st;
  if (fstat(fileno(f), &st) != 0) {
    int err = -errno;
    fclose(f);
    return err;
  }
  if (S_ISDIR(st.st_mode)) {
    fclose(f);
    return MN_EINVAL;
  }
  size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
  if (cap > max + 1)
    cap = max + 1;
  char *buf = mn__xmalloc(cap);
  size_t n = 0;
  for (;;) {
    if (n + 1 >= cap) {
      if (cap > max) {
        free(buf);
        fclose(f);
        return MN_ETOOBIG;
      }
      cap *= 2;
      buf = mn__xrealloc(buf, cap);
    }
    size_t got = fread(buf + n, 1, cap - 1 - n, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) {
        free(buf);
        fclose(f);
        return MN_EIO;
      }
      break;
    }
  }
  fclose(f);
  if (n > max) {
    free(buf);
    return MN_ETOOBIG;
  }
  buf[n] = '\0';
  *out = buf;
  if (len)
    *len = n;
  return 0;
}
