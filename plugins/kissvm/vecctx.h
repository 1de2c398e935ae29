/*
 * vecctx.h - conformance vectors (spec/kissvm-vectors.md): building an
 * evaluation context from a case's "context" and checking a result
 * against its "expect".  Used by minima-kiss, the unit tests, the fuzz
 * seed writer and the benchmark.
 */
#ifndef KISS_VECCTX_H
#define KISS_VECCTX_H

#include <jansson.h>

#include <minima/stream.h>
#include <minima/svc/kissvm.h>

typedef struct kiss_vec_ctx {
  mn_kiss_ctx_t ctx;
  /* storage the context borrows from */
  mn_kiss_global_t *globals;
  mn_kiss_state_t *state, *prev;
  mn_kiss_coin_t *in, *out;
  mn_kiss_bytes_t *sigs;
  mn_kiss_script_t *scripts;
  mn_buf_t *bufs;
  size_t nbufs, capbufs;
} kiss_vec_ctx_t;

/* Builds out from a case context (NULL = empty).  0, or MN_EINVAL with
 * why filled.  The context borrows from ctxjson (script texts) and from
 * out's own storage; free with kiss_vec_free(). */
int kiss_vec_load(const mn_kissvm_t *vm, const mn_num_api_t *num,
                  json_t *ctxjson, uint32_t default_max, kiss_vec_ctx_t *out,
                  char *why, size_t whycap);
void kiss_vec_free(kiss_vec_ctx_t *c);

/* Compares res (evaluated with MN_KISS_KEEP_VARS) to expect.  Returns the
 * number of differences; each is appended to report as a line
 * "  field: expected X, got Y". */
int kiss_vec_check(const mn_kissvm_t *vm, json_t *expect,
                   const mn_kiss_result_t *res, mn_buf_t *report);

#endif
