/*
 * fuzz_kissvm.c - libFuzzer target: any bytes as a KISS script must end in
 * a verdict or a categorised error, within the instruction limit and
 * bounded memory.  Each input is compiled and evaluated against a context
 * with every global, state and previous state, inputs and outputs (one a
 * token coin), signatures and a MAST script, and also run through the
 * cleaner.  Inputs whose length is a multiple of 7 are traced too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "kiss.h"
#if __has_include("types/num.h")
#include "types/num.h"
#else
#error "fuzz_kissvm needs the kernel's MiniNumber library (types/num.h)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const mn_kissvm_t *vm;
static mn_kiss_ctx_t ctx;
static mn_kiss_global_t globals[12];
static mn_kiss_state_t state[5], prev[3];
static mn_kiss_coin_t coins[3];
static mn_kiss_bytes_t sigs[2];
static mn_kiss_script_t scripts[2];
static uint8_t addr[32], tok[32], cid[32], key1[32], key2[32];
static const uint8_t zero = 0;

static void nop(void *u, const char *l, size_t n) {
  (void)u;
  (void)l;
  (void)n;
}

static mn_kiss_value_t num(const char *t) {
  mn_kiss_value_t v = {.type = MN_KISS_NUMBER};
  mn__num_api()->parse(&v.number, t, strlen(t));
  return v;
}

static mn_kiss_value_t hex(const uint8_t *p, size_t n) {
  mn_kiss_value_t v = {.type = MN_KISS_HEX, .data = p, .len = n};
  return v;
}

static void setup(void) {
  vm = kiss_service(mn__num_api(), mn__crypto_api());
  for (int i = 0; i < 32; i++) {
    addr[i] = (uint8_t)(0x58 + i);
    tok[i] = (uint8_t)(0x7E ^ i);
    cid[i] = (uint8_t)(0x01 + i);
    key1[i] = 0x0A;
    key2[i] = 0xB0;
  }
  static const char *sc = "RETURN TRUE";
  int g = 0;
  globals[g++] = (mn_kiss_global_t){"@BLOCK", num("1000")};
  globals[g++] = (mn_kiss_global_t){"@BLOCKMILLI", num("1700000000000")};
  globals[g++] = (mn_kiss_global_t){"@CREATED", num("900")};
  globals[g++] = (mn_kiss_global_t){"@COINAGE", num("100")};
  globals[g++] = (mn_kiss_global_t){"@INPUT", num("0")};
  globals[g++] = (mn_kiss_global_t){"@COINID", hex(cid, 32)};
  globals[g++] = (mn_kiss_global_t){"@AMOUNT", num("50")};
  globals[g++] = (mn_kiss_global_t){"@ADDRESS", hex(addr, 32)};
  globals[g++] = (mn_kiss_global_t){"@TOKENID", hex(&zero, 1)};
  globals[g++] = (mn_kiss_global_t){
      "@SCRIPT", {.type = MN_KISS_STRING, .data = (const uint8_t *)sc,
                  .len = strlen(sc)}};
  globals[g++] = (mn_kiss_global_t){"@TOTIN", num("2")};
  globals[g++] = (mn_kiss_global_t){"@TOTOUT", num("1")};
  state[0] = (mn_kiss_state_t){0, "10", 2};
  state[1] = (mn_kiss_state_t){1, "42.5", 4};
  state[2] = (mn_kiss_state_t){2, "0x0ABC", 6};
  state[3] = (mn_kiss_state_t){3, "[hello world]", 13};
  state[4] = (mn_kiss_state_t){4, "TRUE", 4};
  prev[0] = (mn_kiss_state_t){0, "10", 2};
  prev[1] = (mn_kiss_state_t){1, "[42.5]", 6};
  prev[2] = (mn_kiss_state_t){2, "0x0ABC", 6};
  mn__num_api()->parse(&coins[0].amount, "50", 2);
  coins[0].address = addr;
  coins[0].address_len = 32;
  coins[0].tokenid = &zero;
  coins[0].tokenid_len = 1;
  coins[0].coinid = cid;
  coins[0].coinid_len = 32;
  coins[1] = coins[0];
  mn__num_api()->parse(&coins[1].amount, "0.255", 5);
  coins[1].tokenid = tok;
  coins[1].tokenid_len = 32;
  coins[1].has_token = true;
  coins[1].token_scale = 2;
  coins[2] = coins[0];
  coins[2].keepstate = true;
  sigs[0] = (mn_kiss_bytes_t){key1, 32};
  sigs[1] = (mn_kiss_bytes_t){key2, 32};
  scripts[0] = (mn_kiss_script_t){"RETURN TRUE", 11, NULL, 0};
  scripts[1] = (mn_kiss_script_t){"LET m = 5", 9, NULL, 0};
  ctx.size = sizeof ctx;
  ctx.globals = globals;
  ctx.nglobals = (size_t)g;
  ctx.state = state;
  ctx.nstate = 5;
  ctx.prevstate = prev;
  ctx.nprevstate = 3;
  ctx.inputs = coins;
  ctx.ninputs = 2;
  ctx.outputs = coins + 2;
  ctx.noutputs = 1;
  ctx.signatures = sigs;
  ctx.nsignatures = 2;
  ctx.scripts = scripts;
  ctx.nscripts = 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!vm)
    setup();
  mn_kiss_ctx_t c = ctx;
  if (size % 7 == 0)
    c.trace = nop;
  mn_kiss_result_t res = {.size = sizeof res};
  int rc = vm->run((const char *)data, size, &c, MN_KISS_KEEP_VARS, &res);
  if (rc)
    abort(); /* only out-of-memory may fail, and it must not happen here */
  if (res.instructions > MN_KISS_DEFAULT_INSTRUCTIONS + 64)
    abort();
  if (!res.parse_ok && res.error != MN_KISS_EPARSE)
    abort();
  if (res.success && res.error != MN_KISS_ENONE)
    abort();
  size_t it = 0;
  mn_kiss_var_t v;
  while (vm->var_next(res.vars, &it, &v)) {
    mn_buf_t b = {0};
    vm->value_print(&v.value, &b);
    mn_buf_free(&b);
  }
  vm->result_free(&res);
  mn_buf_t cl = {0};
  vm->clean((const char *)data, size, &cl);
  mn_buf_free(&cl);
  return 0;
}
