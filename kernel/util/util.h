/*
 * util/util.h - small kernel helpers: allocation that aborts on exhaustion,
 * hex text, whole-file reads, clocks.
 *
 * Inside the kernel an allocation failure is fatal: mn__xmalloc() and
 * friends print the size that could not be had and abort.  Functions handed
 * to plugins return NULL/MN_ENOMEM instead, so a plugin can degrade.
 */
#ifndef MN_UTIL_H
#define MN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/types.h>

void *mn__xmalloc(size_t n);
void *mn__xcalloc(size_t count, size_t n);
void *mn__xrealloc(void *p, size_t n);
char *mn__xstrdup(const char *s);
char *mn__xstrndup(const char *s, size_t n);
/* printf into a fresh malloc()ed string. */
char *mn__xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Hex text to bytes, appended to out.  Accepts an optional 0x/0X prefix and
 * either case; an odd number of digits gets a leading zero nibble ("0xabc"
 * is 0a bc); "0x" alone is empty.  MN_EFORMAT on any other character. */
int mn__hex_decode(const char *text, size_t len, mn_buf_t *out);
/* Writes 2*len hex digits and a NUL into out (which holds 2*len+1). */
void mn__hex_encode(const uint8_t *data, size_t len, char *out, bool upper);
/* "0x" + upper-case hex in a fresh string; "" for len 0 when empty_bare. */
char *mn__hex_0x(const uint8_t *data, size_t len, bool empty_bare);

/* Reads a whole file into a NUL-terminated malloc()ed buffer.  0, or a
 * negated errno (MN_ENOENT, MN_EACCES...), or MN_ETOOBIG past max bytes. */
int mn__read_file(const char *path, size_t max, char **out, size_t *len);

uint64_t mn__now_ms(void);  /* wall clock, ms since the epoch */
uint64_t mn__mono_ms(void); /* monotonic ms */
uint64_t mn__mono_ns(void); /* monotonic ns */

#endif
