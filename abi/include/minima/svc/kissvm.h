/*
 * minima/svc/kissvm.h - the "kissvm" service: Minima's KISS script VM.
 *
 * Every coin is locked by a KISS script.  Spending it means running that
 * script against the spending transaction: the script must execute
 * `RETURN TRUE` before any failing ASSERT and before any error.  The rules
 * are spec/kissvm.md; this VM gives the reference node's answer on every
 * script (parse result, verdict, error, instruction count, monotonic flag
 * and the final variable table).
 *
 * Use:
 *
 *   const mn_kissvm_t *vm = host->service_lookup(self, MN_KISSVM_SERVICE,
 *                                                MN_KISSVM_SERVICE_VERSION);
 *   mn_kiss_prog_t *prog;
 *   mn_kiss_diag_t diag;
 *   if (vm->compile(script, len, &prog, &diag) == 0) {
 *     mn_kiss_ctx_t ctx = {.size = sizeof ctx, ...borrowed arrays...};
 *     mn_kiss_result_t res = {.size = sizeof res};
 *     vm->evaluate(prog, &ctx, 0, &res);   // res.success is the verdict
 *     vm->result_free(&res);
 *     vm->prog_free(prog);
 *   } else {
 *     // diag.message names the token and its offset; the script fails
 *   }
 *
 * A script is compiled once into an immutable program and can then be
 * evaluated any number of times, by any number of threads at once, each
 * evaluation with its own context and result.  Every function here is
 * [any thread]; none keeps a pointer to the context after it returns.
 *
 * Ownership: the context only borrows.  Every pointer in mn_kiss_ctx_t
 * (and in the arrays it points to) must stay valid until evaluate()
 * returns and is never written.  Programs belong to the caller until
 * prog_free().  Results own their variable table until result_free().
 * Texts the service writes (clean script, printed values) are appended to
 * a caller's mn_buf_t, freed with mn_buf_free() (minima/stream.h).
 *
 * Numbers are MiniNumbers (minima/types.h) computed with the host's number
 * table; CHECKSIG, ADDRESS, MAST and PROOF use the host's crypto table.
 */
#ifndef MINIMA_SVC_KISSVM_H
#define MINIMA_SVC_KISSVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../stream.h"
#include "../types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MN_KISSVM_SERVICE "kissvm"
#define MN_KISSVM_SERVICE_VERSION 1u

/* The reference's default and minimum instruction limit. */
#define MN_KISS_DEFAULT_INSTRUCTIONS 1024u
/* Largest HEX or STRING value (STRING: UTF-8 bytes). */
#define MN_KISS_MAX_DATA 65536u
/* Room for any diagnostic message, NUL included. */
#define MN_KISS_MSG_MAX 256u

/* Error categories, as named in the conformance vectors (spec/kissvm.md
 * §11).  X(enum suffix, name). */
#define MN_KISS_ERROR_MAP(X)                                                  \
  X(NONE, "none")                                                             \
  X(PARSE, "parse")                                                           \
  X(TYPE, "type")                                                             \
  X(MISSING, "missing")                                                       \
  X(RANGE, "range")                                                           \
  X(DIVZERO, "divzero")                                                       \
  X(OVERFLOW, "overflow")                                                     \
  X(CONVERSION, "conversion")                                                 \
  X(SIZE, "size")                                                             \
  X(INSTRUCTIONS, "instructions")                                             \
  X(STACK, "stack")                                                           \
  X(FORMAT, "format")                                                         \
  X(ARGS, "args")                                                             \
  X(ARITH, "arith")

typedef enum mn_kiss_error {
#define MN__KISS_ERR_ENUM(e, name) MN_KISS_E##e,
  MN_KISS_ERROR_MAP(MN__KISS_ERR_ENUM)
#undef MN__KISS_ERR_ENUM
  MN_KISS_E_COUNT
} mn_kiss_error_t;

/* "parse", "type", ... ; "none" for MN_KISS_ENONE, "?" out of range. */
static inline const char *mn_kiss_error_name(mn_kiss_error_t e) {
  switch (e) {
#define MN__KISS_ERR_NAME(x, name)                                            \
  case MN_KISS_E##x:                                                          \
    return name;
    MN_KISS_ERROR_MAP(MN__KISS_ERR_NAME)
#undef MN__KISS_ERR_NAME
  case MN_KISS_E_COUNT:
    break;
  }
  return "?";
}

/* ---- values ------------------------------------------------------------- */

typedef enum mn_kiss_type {
  MN_KISS_BOOLEAN = 1,
  MN_KISS_NUMBER,
  MN_KISS_HEX,
  MN_KISS_STRING /* the reference calls it SCRIPT */
} mn_kiss_type_t;

/* A script value.  For HEX, data/len are the bytes; for STRING, UTF-8 text
 * (invalid sequences are read as U+FFFD, as the reference decodes them).
 * Values handed to the VM are borrowed; values handed back point into
 * memory owned by whatever returned them (see each function). */
typedef struct mn_kiss_value {
  mn_kiss_type_t type;
  bool boolean;
  mn_num_t number;
  const uint8_t *data;
  size_t len;
} mn_kiss_value_t;

/* ---- the evaluation context --------------------------------------------- */

/* A global such as "@BLOCK".  Only the globals listed exist; reading any
 * other is a [missing] error.  The node always defines the twelve of
 * spec/kissvm.md §7: @BLOCK @BLOCKMILLI @CREATED @COINAGE @INPUT @COINID
 * @AMOUNT @ADDRESS @TOKENID @SCRIPT @TOTIN @TOTOUT (@AMOUNT already
 * token-scaled). */
typedef struct mn_kiss_global {
  const char *name; /* NUL-terminated, upper case, with the '@' */
  mn_kiss_value_t value;
} mn_kiss_global_t;

/* A state variable: its port (0..255) and its data text exactly as the
 * reference's StateVariable.toString() gives it (HEX as "0x" + upper-case
 * digits, NUMBER as printed, STRING with its brackets, "TRUE"/"FALSE").
 * The VM types the text when it is read, as the reference does: "[..]"
 * STRING, "0x.." HEX, "TRUE"/"FALSE" BOOLEAN, anything else a NUMBER
 * (an unreadable text is a [conversion] error).  Text typed by a user is
 * brought to this form by state_normalize() (spec/kissvm.md §10.3). */
typedef struct mn_kiss_state {
  uint32_t port;
  const char *text;
  size_t len;
} mn_kiss_state_t;

/* A transaction input or output coin. */
typedef struct mn_kiss_coin {
  const uint8_t *coinid; /* inputs; outputs have 0x00 */
  size_t coinid_len;
  const uint8_t *address;
  size_t address_len;
  mn_num_t amount; /* stored amount, in Minima units */
  const uint8_t *tokenid; /* 0x00 = Minima */
  size_t tokenid_len;
  bool has_token;      /* token details present (token coins) */
  int32_t token_scale; /* the token's scale, when has_token */
  bool keepstate;      /* outputs: the storestate flag */
} mn_kiss_coin_t;

/* A public key that signed the transaction (already verified). */
typedef struct mn_kiss_bytes {
  const uint8_t *data;
  size_t len;
} mn_kiss_bytes_t;

/* A MAST script proof of the witness: the script text and its serialized
 * MMR proof (spec/kissvm.md §10.4; len 0 = empty chain, so the address is
 * ADDRESS(script)).  Entries whose proof does not parse are ignored. */
typedef struct mn_kiss_script {
  const char *script;
  size_t script_len;
  const uint8_t *proof;
  size_t proof_len;
} mn_kiss_script_t;

/* Trace output: one line per call, without a newline; valid only during
 * the call. */
typedef void (*mn_kiss_trace_cb)(void *user, const char *line, size_t len);

typedef struct mn_kiss_ctx {
  uint32_t size;             /* sizeof(mn_kiss_ctx_t) */
  uint32_t max_instructions; /* 0 = MN_KISS_DEFAULT_INSTRUCTIONS */

  const mn_kiss_global_t *globals;
  size_t nglobals;
  const mn_kiss_state_t *state; /* the transaction's state variables */
  size_t nstate;
  const mn_kiss_state_t *prevstate; /* the spent coin's previous state */
  size_t nprevstate;
  const mn_kiss_coin_t *inputs;
  size_t ninputs;
  const mn_kiss_coin_t *outputs;
  size_t noutputs;
  const mn_kiss_bytes_t *signatures; /* signing public keys */
  size_t nsignatures;
  const mn_kiss_script_t *scripts; /* MAST script proofs */
  size_t nscripts;

  /* Optional: every statement, expression result and variable change,
   * in the reference's trace format.  NULL costs nothing. */
  mn_kiss_trace_cb trace;
  void *trace_user;
} mn_kiss_ctx_t;

/* ---- compile and evaluate ----------------------------------------------- */

typedef struct mn_kiss_prog mn_kiss_prog_t;

/* Why a script did not compile.  category is MN_KISS_EPARSE. */
typedef struct mn_kiss_diag {
  mn_kiss_error_t category;
  uint32_t offset; /* byte offset in the script of the offending token */
  char message[MN_KISS_MSG_MAX];
} mn_kiss_diag_t;

/* A variable of the final table: a name ("a") or an array key ("1,2,")
 * and its value.  Pointers live until result_free(). */
typedef struct mn_kiss_var {
  const char *name;
  size_t name_len;
  mn_kiss_value_t value;
} mn_kiss_var_t;

typedef struct mn_kiss_vars mn_kiss_vars_t;

typedef struct mn_kiss_result {
  uint32_t size; /* set by the caller: sizeof(mn_kiss_result_t) */
  bool parse_ok;
  bool success;   /* the verdict */
  bool monotonic; /* false once @BLOCK, @BLOCKMILLI or @COINAGE was read */
  mn_kiss_error_t error; /* MN_KISS_ENONE when no error happened */
  uint32_t instructions;
  char message[MN_KISS_MSG_MAX]; /* the error, naming what and where */
  mn_kiss_vars_t *vars; /* with MN_KISS_KEEP_VARS, else NULL */
} mn_kiss_result_t;

/* evaluate() flags */
#define MN_KISS_KEEP_VARS 0x1u /* keep the variable table in the result */

typedef struct mn_kissvm {
  uint32_t size; /* sizeof(mn_kissvm_t) as the provider was built */

  /* -- version 1 ------------------------------------------------------- */

  /* Tokenizes and parses script (len bytes, UTF-8, need not be
   * NUL-terminated).  0 and *out, or MN_EINVAL with diag filled (a parse
   * error: the script fails without running), or MN_ENOMEM.  diag may be
   * NULL. */
  int (*compile)(const char *script, size_t len, mn_kiss_prog_t **out,
                 mn_kiss_diag_t *diag);
  void (*prog_free)(mn_kiss_prog_t *prog);

  /* Runs prog against ctx and fills res (res->size must be set).  The
   * verdict, error and counters are in res; the return value is 0, or
   * MN_ENOMEM / MN_EINVAL (bad ctx or res) when no verdict exists.
   * Re-entrant: any number of evaluations of one program may run at
   * once.  Memory used is released before returning, except the variable
   * table kept with MN_KISS_KEEP_VARS. */
  int (*evaluate)(const mn_kiss_prog_t *prog, const mn_kiss_ctx_t *ctx,
                  uint32_t flags, mn_kiss_result_t *res);

  /* compile + evaluate + prog_free in one call; a parse error gives
   * res->parse_ok false and res->error MN_KISS_EPARSE. */
  int (*run)(const char *script, size_t len, const mn_kiss_ctx_t *ctx,
             uint32_t flags, mn_kiss_result_t *res);

  /* Releases what a result owns (its variable table); safe to call on a
   * result with no table and twice. */
  void (*result_free)(mn_kiss_result_t *res);

  /* Walks the kept variable table: *iter starts at 0; returns false at
   * the end.  Order is first assignment. */
  bool (*var_next)(const mn_kiss_vars_t *vars, size_t *iter,
                   mn_kiss_var_t *out);

  /* ---- helpers around scripts ------------------------------------------ */

  /* The node's "clean script" (the reference's Contract.cleanScript):
   * single spaces, upper-case keywords, functions and hex, lower-case
   * variables.  A script the cleaner cannot tokenize is returned as given.
   * Appends to out.  0, MN_EINVAL when the reference's cleaner fails
   * outright (a script ending in a lone '<' or '>'), MN_ENOMEM. */
  int (*clean)(const char *script, size_t len, mn_buf_t *out);

  /* The 32-byte address of a script text (spec/kissvm.md §10.2), hashed
   * exactly as given. */
  void (*address)(const char *script, size_t len, uint8_t out[32]);

  /* Brings user text for a state variable to its stored form (the
   * reference's StateVariable constructor): Mx addresses and 0x hex to
   * "0x" upper case, true/false in any case to TRUE/FALSE, [..] kept, else
   * a number printed.  Appends to out.  MN_EINVAL for blank or invalid
   * text. */
  int (*state_normalize)(const char *text, size_t len, mn_buf_t *out);

  /* Reads a value in literal form (the reference's Value.getValue):
   * "[text]" STRING, "0x.." HEX, TRUE/FALSE, else a NUMBER.  HEX bytes and
   * STRING text are appended to store, which must outlive the value (the
   * value points into it; do not append to store in between).
   * MN_EINVAL when the text is not a value. */
  int (*value_parse)(const char *text, size_t len, mn_buf_t *store,
                     mn_kiss_value_t *out);

  /* Appends the printed form of v (spec/kissvm.md §3.6). */
  int (*value_print)(const mn_kiss_value_t *v, mn_buf_t *out);
} mn_kissvm_t;

#ifdef __cplusplus
}
#endif
#endif /* MINIMA_SVC_KISSVM_H */
