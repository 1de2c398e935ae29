/*
 * test_support.h - shared helpers for the test programs.
 *
 * Conformance vectors are read from ../shared/vectors when that folder is
 * beside the project, else from the copies in tests/vectors.
 */
#ifndef MN_TEST_SUPPORT_H
#define MN_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs these before its header. */
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <minima/types.h>

/* Path of a vector file ("crypto.json"): ../shared/vectors/NAME if it
 * exists, else tests/vectors/NAME.  Static storage. */
const char *mn_test_vector_path(const char *name);
/* Loads a vector file as JSON; fails the test with a message when absent
 * or malformed. */
json_t *mn_test_load_vectors(const char *name);
/* Path under ../shared (e.g. "toml-test/tests"), or NULL when ../shared is
 * absent. */
const char *mn_test_shared_path(const char *rel);
/* The build tree (for plugins and binaries). */
const char *mn_test_build_dir(void);
/* The tests/ source folder. */
const char *mn_test_source_dir(void);

/* Hex helpers: decode into a fresh buffer (fails the test on bad hex);
 * encode lower-case into a fresh string. */
mn_buf_t mn_test_unhex(const char *hex);
char *mn_test_hex(const uint8_t *data, size_t len);

/* A fresh empty directory under $TMPDIR; removed by mn_test_rmtree. */
char *mn_test_tmpdir(const char *tag);
void mn_test_rmtree(const char *path);

/* Asserts two byte strings are equal, printing both in hex if not. */
#define assert_bytes_equal(a, alen, b, blen)                                  \
  mn_test_assert_bytes((a), (alen), (b), (blen), __FILE__, __LINE__)
void mn_test_assert_bytes(const uint8_t *a, size_t alen, const uint8_t *b,
                          size_t blen, const char *file, int line);

#endif
