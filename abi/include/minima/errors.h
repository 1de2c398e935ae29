/*
 * minima/errors.h - the one error space of minima-c.
 *
 * Every fallible function in the kernel, the host table and the service
 * interfaces returns an int: 0 (MN_OK) on success or a negative MN_E* code.
 * Operating-system errors keep their meaning as negated errno values, so
 * MN_ENOENT == -ENOENT on every platform we build for.  Domain errors that no
 * errno describes live at -4000 and below.
 *
 * mn_strerror() turns a code into a short sentence and mn_err_name() into its
 * symbolic name ("MN_EFORMAT").  Both are header-only so that plugins, tools
 * and the kernel agree without linking anything.  Callers never read errno.
 */
#ifndef MINIMA_ERRORS_H
#define MINIMA_ERRORS_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, text).  The list is the single source of truth: the enum,
 * mn_strerror() and mn_err_name() are all generated from it. */
#define MN_ERRNO_MAP(X)                                                       \
  X(EPERM, -EPERM, "operation not permitted")                                 \
  X(ENOENT, -ENOENT, "no such entry")                                         \
  X(EIO, -EIO, "input/output error")                                          \
  X(EAGAIN, -EAGAIN, "resource temporarily unavailable, try again")           \
  X(ENOMEM, -ENOMEM, "out of memory")                                         \
  X(EACCES, -EACCES, "permission denied")                                     \
  X(EBUSY, -EBUSY, "resource busy or locked")                                 \
  X(EEXIST, -EEXIST, "already exists")                                        \
  X(ENOTDIR, -ENOTDIR, "not a directory")                                     \
  X(EINVAL, -EINVAL, "invalid argument")                                      \
  X(ENOSPC, -ENOSPC, "no space left")                                         \
  X(EROFS, -EROFS, "read-only file system")                                   \
  X(ERANGE, -ERANGE, "value out of range")                                    \
  X(ENOTSUP, -ENOTSUP, "operation not supported")                             \
  X(EOVERFLOW, -EOVERFLOW, "value too large")                                 \
  X(EMSGSIZE, -EMSGSIZE, "message too long")                                  \
  X(ETIMEDOUT, -ETIMEDOUT, "timed out")                                       \
  X(ECONNREFUSED, -ECONNREFUSED, "connection refused")                        \
  X(ECONNRESET, -ECONNRESET, "connection reset by peer")                      \
  X(EADDRINUSE, -EADDRINUSE, "address already in use")                        \
  X(ECANCELED, -ECANCELED, "operation canceled")                              \
  X(EFORMAT, -4001, "malformed encoding")                                     \
  X(ETYPE, -4002, "wrong type")                                               \
  X(EDIVZERO, -4003, "division by zero")                                      \
  X(ECORRUPT, -4004, "stored data is corrupt")                                \
  X(EVERSION, -4005, "version mismatch")                                      \
  X(ESTATE, -4006, "not allowed in the current state")                        \
  X(ETOOBIG, -4007, "size limit exceeded")                                    \
  X(EINVALID, -4008, "object failed validation")                              \
  X(ECONFIG, -4009, "configuration error")                                    \
  X(ECLOSED, -4010, "handle is closed")                                       \
  X(EPENDING, -4011, "operation is pending")                                  \
  X(ELIMIT, -4012, "execution limit reached")                                 \
  X(EEXHAUSTED, -4013, "one-time keys exhausted")                             \
  X(EMISSING, -4014, "a required item is missing")                            \
  X(ENOTPLUGIN, -4015, "not a minima-c plugin")                               \
  X(EDEPEND, -4016, "dependency cannot be satisfied")

enum mn_err {
  MN_OK = 0,
#define MN__ERR_ENUM(name, value, text) MN_##name = (value),
  MN_ERRNO_MAP(MN__ERR_ENUM)
#undef MN__ERR_ENUM
};

/* A short sentence for `err` ("malformed encoding").  Never NULL; codes that
 * are not in the map give "unknown error".  The string is static. */
static inline const char *mn_strerror(int err) {
  switch (err) {
  case MN_OK:
    return "success";
#define MN__ERR_TEXT(name, value, text)                                       \
  case (value):                                                               \
    return text;
    MN_ERRNO_MAP(MN__ERR_TEXT)
#undef MN__ERR_TEXT
  default:
    return "unknown error";
  }
}

/* The symbolic name of `err` ("MN_EFORMAT"), or "MN_E?" for unknown codes. */
static inline const char *mn_err_name(int err) {
  switch (err) {
  case MN_OK:
    return "MN_OK";
#define MN__ERR_NAME(name, value, text)                                       \
  case (value):                                                               \
    return "MN_" #name;
    MN_ERRNO_MAP(MN__ERR_NAME)
#undef MN__ERR_NAME
  default:
    return "MN_E?";
  }
}

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_ERRORS_H */
