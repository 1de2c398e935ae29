/*
 * kiss.h - internals of the KISS VM (plugins/kissvm).
 *
 * Pipeline: kiss_lex() turns UTF-8 text into tokens, kiss_parse() turns a
 * token range into a statement tree (the reference's own slicing rules,
 * so that exactly the same scripts are accepted), kiss_exec() walks the
 * tree.  A compiled program is immutable; each evaluation owns a kvm_t
 * with its arena, variable table and counters.
 *
 * Errors inside an evaluation unwind with longjmp() to kiss_exec(); every
 * allocation made during an evaluation lives in the evaluation's arenas or
 * in the variable table, so unwinding leaks nothing.
 */
#ifndef KISS_H
#define KISS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <minima/crypto.h>
#include <minima/svc/kissvm.h>
#include <minima/types.h>

#define KISS_MAX_STACK 64
#define KISS_MAX_PARAMS 32
#define KISS_MAX_DATA 65536
#define KISS_MAX_VARLEN 32
/* Guards the C stack against absurd scripts (long NOT chains, very deep
 * left-nested operator chains under a raised instruction limit).  The
 * reference overflows its own stack somewhere around here. */
#define KISS_MAX_CREC 3000

/* ---- arena -------------------------------------------------------------- */

typedef struct kchunk {
  struct kchunk *next;
  size_t cap;
  size_t used;
  uint8_t *data;
} kchunk_t;

typedef struct karena {
  kchunk_t *head; /* current chunk; older chunks follow via next */
  kchunk_t first; /* embedded first chunk (may use caller storage) */
  bool oom;
} karena_t;

typedef struct kmark {
  kchunk_t *chunk;
  size_t used;
} kmark_t;

void kiss_arena_init(karena_t *a, void *buf, size_t cap);
void kiss_arena_free(karena_t *a);
/* NULL only when malloc fails (a->oom is then set). */
void *kiss_alloc(karena_t *a, size_t n);
/* Moves an arena to another address (the first chunk is embedded). */
void kiss_arena_move(karena_t *dst, karena_t *src);
kmark_t kiss_mark(const karena_t *a);
void kiss_reset(karena_t *a, kmark_t m);

/* ---- values ------------------------------------------------------------- */

enum {
  KT_BOOL = MN_KISS_BOOLEAN,
  KT_NUM = MN_KISS_NUMBER,
  KT_HEX = MN_KISS_HEX,
  KT_STR = MN_KISS_STRING
};

typedef struct kval {
  uint8_t t;
  uint8_t b;
  uint32_t len;
  const uint8_t *p;
  mn_num_t n;
} kval_t;

const char *kiss_type_name(int t);

/* ---- tokens ------------------------------------------------------------- */

enum {
  TK_COMMAND = 0,
  TK_FUNCTION,
  TK_OPERATOR,
  TK_VALUE,
  TK_VARIABLE,
  TK_GLOBAL,
  TK_OPEN,
  TK_CLOSE,
  TK_TRUE,
  TK_FALSE,
  TK_PARAM
};

#define KISS_COMMANDS(X)                                                      \
  X(LET) X(IF) X(THEN) X(ELSEIF) X(ELSE) X(ENDIF) X(RETURN) X(ASSERT)         \
  X(WHILE) X(DO) X(ENDWHILE) X(EXEC) X(MAST)

enum {
#define KISS_CMD_ENUM(n) CMD_##n,
  KISS_COMMANDS(KISS_CMD_ENUM)
#undef KISS_CMD_ENUM
  CMD_COUNT
};

/* Operators: symbols then words.  X(enum, text) */
#define KISS_OPERATORS(X)                                                     \
  X(ADD, "+") X(SUB, "-") X(DIV, "/") X(MUL, "*") X(MOD, "%")                 \
  X(BAND, "&") X(BOR, "|") X(BXOR, "^") X(BNOT, "~") X(ASSIGN, "=")           \
  X(SHL, "<<") X(SHR, ">>")                                                   \
  X(LT, "LT") X(LTE, "LTE") X(GT, "GT") X(GTE, "GTE") X(EQ, "EQ")             \
  X(NEQ, "NEQ") X(XOR, "XOR") X(AND, "AND") X(OR, "OR") X(NXOR, "NXOR")       \
  X(NAND, "NAND") X(NOR, "NOR") X(NOT, "NOT") X(NEG, "NEG")

enum {
#define KISS_OP_ENUM(n, t) OP_##n,
  KISS_OPERATORS(KISS_OP_ENUM)
#undef KISS_OP_ENUM
  OP_COUNT
};
#define OP_FIRST_WORD OP_LT

/* The 53 functions: X(name, parameters, minimum?) in the reference's
 * order. */
#define KISS_FUNCTIONS(X)                                                     \
  X(CONCAT, 2, 1) X(LEN, 1, 0) X(REV, 1, 0) X(SUBSET, 3, 0) X(GET, 1, 1)      \
  X(EXISTS, 1, 1) X(ADDRESS, 1, 0) X(BOOL, 1, 0) X(HEX, 1, 0)                 \
  X(NUMBER, 1, 0) X(STRING, 1, 0) X(ASCII, 1, 0) X(UTF8, 1, 0) X(ABS, 1, 0)   \
  X(CEIL, 1, 0) X(FLOOR, 1, 0) X(MAX, 2, 1) X(MIN, 2, 1) X(DEC, 1, 0)         \
  X(INC, 1, 0) X(SIGDIG, 2, 0) X(POW, 2, 0) X(SQRT, 1, 0) X(FUNCTION, 1, 1)   \
  X(SUMINPUTS, 1, 0) X(SUMOUTPUTS, 1, 0) X(SETLEN, 2, 0) X(REPLACE, 3, 0)     \
  X(REPLACEFIRST, 3, 0) X(SUBSTR, 3, 0) X(OVERWRITE, 5, 0) X(SHA2, 1, 0)      \
  X(SHA3, 1, 0) X(PROOF, 5, 0) X(BITSET, 3, 0) X(BITGET, 2, 0)               \
  X(BITCOUNT, 1, 0) X(SIGNEDBY, 1, 0) X(MULTISIG, 2, 1) X(CHECKSIG, 3, 0)     \
  X(GETINADDR, 1, 0) X(GETINAMT, 1, 0) X(GETINID, 1, 0) X(GETINTOK, 1, 0)     \
  X(VERIFYIN, 4, 0) X(GETOUTADDR, 1, 0) X(GETOUTAMT, 1, 0)                    \
  X(GETOUTTOK, 1, 0) X(GETOUTKEEPSTATE, 1, 0) X(VERIFYOUT, 4, 1)              \
  X(STATE, 1, 0) X(PREVSTATE, 1, 0) X(SAMESTATE, 2, 0)

enum {
#define KISS_FN_ENUM(n, a, m) FN_##n,
  KISS_FUNCTIONS(KISS_FN_ENUM)
#undef KISS_FN_ENUM
  FN_COUNT
};

extern const char *const kiss_cmd_names[CMD_COUNT];
extern const char *const kiss_op_texts[OP_COUNT];
extern const char *const kiss_fn_names[FN_COUNT];
extern const uint8_t kiss_fn_params[FN_COUNT];
extern const uint8_t kiss_fn_min[FN_COUNT];

typedef struct ktok {
  uint8_t type;
  uint8_t sub; /* command, operator or function id */
  uint32_t off; /* byte offset in the source */
  uint32_t len;
  const char *text; /* the token's text (source, or cleaned form) */
} ktok_t;

typedef struct ktoks {
  ktok_t *v;
  uint32_t n;
  uint32_t cap;
} ktoks_t;

/* Tokenizes src.  clean: the cleaner's case-insensitive mode, texts
 * rewritten in upper/lower case.  Returns 0, or -1 with msg/off filled; in
 * clean mode -2 means the reference's cleaner throws outright (lone '<' or
 * '>' at the very end).  Tokens and texts are allocated in a. */
int kiss_lex(const char *src, size_t len, bool clean, karena_t *a,
             ktoks_t *out, char *msg, size_t msgcap, uint32_t *off);

/* ---- the statement tree ------------------------------------------------- */

enum { E_CONST, E_VAR, E_GLOBAL, E_BOOL, E_OPER, E_FUNC };

typedef struct kexpr kexpr_t;
struct kexpr {
  uint8_t kind;
  uint8_t op;      /* OP_* for E_BOOL/E_OPER, FN_* for E_FUNC */
  uint16_t nargs;  /* E_FUNC */
  uint32_t off;    /* source offset of the token */
  uint32_t hash;   /* E_VAR */
  union {
    kval_t k; /* E_CONST */
    struct {
      const char *s;
      uint32_t len;
    } name; /* E_VAR, E_GLOBAL */
    struct {
      kexpr_t *l, *r; /* r NULL for NOT NEG ~ */
    } bin;
    kexpr_t **args;
  } u;
};

enum { S_LET, S_LETARR, S_IF, S_WHILE, S_RETURN, S_ASSERT, S_EXEC, S_MAST };

typedef struct kstmt kstmt_t;
typedef struct kblock {
  uint32_t n;
  kstmt_t **s;
} kblock_t;

struct kstmt {
  uint8_t kind;
  uint32_t off;
  union {
    struct {
      const char *name;
      uint32_t len, hash;
      kexpr_t *e;
    } let;
    struct {
      kexpr_t **idx;
      uint32_t nidx;
      kexpr_t *e;
    } arr;
    struct {
      uint32_t n;
      kexpr_t **cond; /* ELSE: a constant TRUE, as the reference */
      kblock_t **body;
    } iff;
    struct {
      kexpr_t *cond;
      kblock_t *body;
    } wh;
    kexpr_t *e;
  } u;
};

typedef struct kparse_err {
  bool stack; /* "stack too deep" (a [stack] error at run time) */
  uint32_t off;
  char msg[MN_KISS_MSG_MAX];
} kparse_err_t;

/* Parses a whole token list into a block whose nesting starts at depth
 * (0 at compile time, the run-time stack depth for EXEC/MAST/FUNCTION).
 * Values are built with num; bytes and nodes are allocated in a.  NULL on
 * failure with err filled (or a->oom). */
kblock_t *kiss_parse(const ktoks_t *toks, int depth, const mn_num_api_t *num,
                     karena_t *a, kparse_err_t *err);

uint32_t kiss_hash(const char *s, size_t n);

/* ---- text helpers (Java String semantics over UTF-8) --------------------- */

/* Bytes needed to make s valid UTF-8, invalid sequences becoming U+FFFD
 * exactly as Java's String(byte[], UTF_8) replaces them; len when s is
 * valid. */
size_t kiss_utf8_sanitized_len(const uint8_t *s, size_t len);
/* Writes the sanitized text into out (kiss_utf8_sanitized_len bytes). */
void kiss_utf8_sanitize(const uint8_t *s, size_t len, uint8_t *out);
/* Number of UTF-16 code units of valid UTF-8 text. */
size_t kiss_utf16_len(const uint8_t *s, size_t len);
/* Byte offset of UTF-16 unit index u (u <= utf16 length); *split is set
 * when u falls inside a supplementary character. */
size_t kiss_utf16_offset(const uint8_t *s, size_t len, size_t u, bool *split);
/* Unicode decimal digits (BMP, Java's Character.isDigit) to ASCII, in
 * place over a copy; returns the new length.  out holds len bytes. */
size_t kiss_ascii_digits(const uint8_t *s, size_t len, uint8_t *out);
/* Java toUpperCase()/toLowerCase() restricted to what can produce ASCII
 * letters; other characters are copied.  Writes at most 3*len bytes. */
size_t kiss_java_upper(const char *s, size_t len, char *out);
size_t kiss_java_lower(const char *s, size_t len, char *out);

/* ---- the evaluation ----------------------------------------------------- */

typedef struct kvar {
  char *name;
  uint32_t len, hash;
  bool live;
  kval_t v;
  void *owned; /* malloc()ed payload of v */
} kvar_t;

typedef struct kvars {
  kvar_t **item;
  uint32_t n, cap;
  uint32_t *idx; /* open addressing, item index + 1 */
  uint32_t icap;
  karena_t perm; /* names and entries */
} kvars_t;

typedef struct kvm {
  const mn_num_api_t *num;
  const mn_crypto_api_t *cr;
  const mn_kiss_ctx_t *ctx;
  karena_t arena; /* temporaries: reset after each statement */
  kvars_t vars;
  void **grave; /* payloads replaced while a FUNCTION call was running */
  size_t ngrave, capgrave;
  uint32_t instr, max_instr;
  int depth;
  int fn_depth;
  int crec;
  bool success, success_set, monotonic;
  mn_kiss_error_t err;
  char msg[MN_KISS_MSG_MAX];
  jmp_buf jb;
  /* MAST: addresses of the witness scripts, computed on first use */
  uint8_t (*mast_addr)[32];
  uint8_t *mast_ok;
  mn_num_t ten, one, zero, minus_one;
} kvm_t;

_Noreturn void kiss_fail(kvm_t *vm, mn_kiss_error_t cat, uint32_t off,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void kiss_count(kvm_t *vm, uint32_t n, uint32_t off);
void *kiss_talloc(kvm_t *vm, size_t n);
kval_t kiss_eval(kvm_t *vm, const kexpr_t *e);
void kiss_run_block(kvm_t *vm, const kblock_t *b);
/* Tokenizes, parses (base depth = current stack depth) and runs text;
 * errors become [parse] or [stack] run-time errors. */
void kiss_run_text(kvm_t *vm, const uint8_t *text, size_t len, uint32_t off);
kval_t kiss_call(kvm_t *vm, const kexpr_t *e);

const kval_t *kiss_var_get(kvm_t *vm, const char *name, size_t len,
                           uint32_t hash);
void kiss_var_set(kvm_t *vm, const char *name, size_t len, uint32_t hash,
                  const kval_t *v);
void kiss_var_del(kvm_t *vm, const char *name, size_t len, uint32_t hash);
void kiss_vars_free(kvars_t *vs);

/* Printed form (§3.6) into the temporary arena; *len receives the size. */
const uint8_t *kiss_print(kvm_t *vm, const kval_t *v, size_t *len);
/* Printed form appended to a buffer (no VM needed). */
void kiss_print_buf(const mn_num_api_t *num, const kval_t *v, mn_buf_t *out);
/* Value.getValue(text) with a VM: [..] STRING, 0x HEX, TRUE/FALSE, else a
 * NUMBER.  Errors are raised as run-time errors. */
kval_t kiss_value_from_text(kvm_t *vm, const uint8_t *t, size_t len,
                            uint32_t off);

/* Trace (only when ctx->trace is set). */
void kiss_trace(kvm_t *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kiss_trace_vars(kvm_t *vm);
void kiss_expr_str(kvm_t *vm, const kexpr_t *e, mn_buf_t *b);
void kiss_stmt_str(kvm_t *vm, const kstmt_t *s, mn_buf_t *b);

/* ---- MMR and signatures (mmr.c) ----------------------------------------- */

typedef struct kmmr {
  uint8_t hash[64];
  uint32_t hlen;
  mn_num_t value;
} kmmr_t;

/* leaf(data, sum): data is serialized as a MiniData (int32 length +
 * bytes). */
void kiss_mmr_leaf(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                   const uint8_t *data, size_t len, const mn_num_t *sum,
                   kmmr_t *out);
/* Parent of (l, r); MN_EOVERFLOW when the value sum is out of range. */
int kiss_mmr_parent(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                    const kmmr_t *l, const kmmr_t *r, kmmr_t *out);
/* Folds a serialized MMRProof starting at *pos over cur.  0, MN_EFORMAT
 * (unreadable proof), MN_EOVERFLOW (a sum out of range).  *pos is
 * advanced past the proof. */
int kiss_mmr_fold(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                  const uint8_t *p, size_t len, size_t *pos, kmmr_t *cur);
void kiss_script_address(const mn_crypto_api_t *cr, const uint8_t *s,
                         size_t len, uint8_t out[32]);
/* CHECKSIG's tree-key verification with the reference's error cases:
 * 1 valid, 0 invalid, MN_EFORMAT malformed or an invalid WOTS signature
 * length where the reference throws, MN_EOVERFLOW a proof sum overflow. */
int kiss_checksig(const mn_crypto_api_t *cr, const mn_num_api_t *num,
                  const uint8_t *pk, size_t pklen, const uint8_t *data,
                  size_t dlen, const uint8_t *sig, size_t siglen);

/* ---- the clean script (clean.c) ----------------------------------------- */

/* 0 cleaned, 1 returned unchanged (tokenizer error), 2 the reference's
 * cleaner throws (nothing appended), MN_ENOMEM. */
int kiss_clean(const char *src, size_t len, mn_buf_t *out);

/* ---- the service (service.c) -------------------------------------------- */

struct mn_kiss_prog {
  karena_t arena;
  kblock_t *top;
  char *src; /* sanitized source */
  size_t len;
  const mn_num_api_t *num;
  const mn_crypto_api_t *cr;
};

/* The service table bound to the given number and crypto tables.  The
 * tables must outlive every program and evaluation. */
const mn_kissvm_t *kiss_service(const mn_num_api_t *num,
                                const mn_crypto_api_t *cr);
/* Same, filled into caller storage (for several bindings at once). */
void kiss_service_init(mn_kissvm_t *svc);
void kiss_bind(const mn_num_api_t *num, const mn_crypto_api_t *cr);

int kiss_compile(const mn_num_api_t *num, const mn_crypto_api_t *cr,
                 const char *script, size_t len, mn_kiss_prog_t **out,
                 mn_kiss_diag_t *diag);
void kiss_prog_free(mn_kiss_prog_t *p);
int kiss_evaluate(const mn_kiss_prog_t *prog, const mn_kiss_ctx_t *ctx,
                  uint32_t flags, mn_kiss_result_t *res);
int kiss_state_normalize(const mn_num_api_t *num, const mn_crypto_api_t *cr,
                         const char *text, size_t len, mn_buf_t *out);
int kiss_value_parse(const mn_num_api_t *num, const char *text, size_t len,
                     mn_buf_t *store, mn_kiss_value_t *out);

#endif
