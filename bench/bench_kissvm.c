/*
 * bench_kissvm.c - KISS VM evaluations per second for three typical
 * scripts, compiled once and evaluated many times, and compiled for every
 * evaluation:
 *   sig     RETURN SIGNEDBY(0x..)              (the wallet's simple address)
 *   state   a state machine using STATE, PREVSTATE, SAMESTATE, VERIFYOUT
 *   loop    a WHILE loop that uses 1023 of the 1024 instructions
 */
#include <stdio.h>
#include <string.h>

#include <minima/svc/kissvm.h>

#include "crypto/crypto.h"
#include "kiss.h"
#include "util/util.h"

#if __has_include("types/num.h")
#include "types/num.h"
#define HAVE_NUM 1
#else
#define HAVE_NUM 0
static const mn_num_api_t *mn__num_api(void) { return NULL; }
#endif

#define KEY "0x0A11CE0A11CE0A11CE0A11CE0A11CE0A11CE0A11CE0A11CE0A11CE0A11CE0A11"

static const char *scripts[][2] = {
    {"sig", "RETURN SIGNEDBY(" KEY ")"},
    {"state",
     "LET st = STATE(0) LET ps = PREVSTATE(0) "
     "IF st EQ ps + 1 THEN "
     "  ASSERT SAMESTATE(1 2) "
     "  ASSERT VERIFYOUT(@INPUT @ADDRESS @AMOUNT @TOKENID TRUE) "
     "  RETURN SIGNEDBY(" KEY ") "
     "ELSEIF st EQ ps THEN "
     "  RETURN @COINAGE GT 100 AND SIGNEDBY(" KEY ") "
     "ENDIF RETURN FALSE"},
    {"loop", "LET i = 0 WHILE i LT 145 DO LET i = i + 1 ENDWHILE RETURN TRUE"},
};

static double measure(const mn_kissvm_t *vm, const char *script,
                      const mn_kiss_ctx_t *ctx, bool compile_each,
                      unsigned *ok) {
  mn_kiss_prog_t *prog = NULL;
  if (!compile_each && vm->compile(script, strlen(script), &prog, NULL))
    return 0;
  uint64_t start = mn__mono_ns(), now;
  unsigned long n = 0;
  *ok = 0;
  do {
    for (int i = 0; i < 256; i++) {
      mn_kiss_result_t r = {.size = sizeof r};
      if (compile_each)
        vm->run(script, strlen(script), ctx, 0, &r);
      else
        vm->evaluate(prog, ctx, 0, &r);
      *ok += r.success;
    }
    n += 256;
    now = mn__mono_ns();
  } while (now - start < 1000000000ull);
  vm->prog_free(prog);
  return (double)n * 1e9 / (double)(now - start);
}

int main(void) {
  if (!HAVE_NUM) {
    printf("SKIP: bench_kissvm needs the kernel's MiniNumber library\n");
    return 0;
  }
  const mn_num_api_t *num = mn__num_api();
  const mn_kissvm_t *vm = kiss_service(num, mn__crypto_api());

  static uint8_t key[32], addr[32];
  for (int i = 0; i < 32; i++) {
    key[i] = (uint8_t)(i % 3 == 0 ? 0x0A : i % 3 == 1 ? 0x11 : 0xCE);
    addr[i] = (uint8_t)(0x40 + i);
  }
  static const uint8_t zero = 0;
  mn_kiss_bytes_t sigs[1] = {{key, 32}};
  mn_kiss_state_t st[3] = {{0, "5", 1}, {1, "0xAB", 4}, {2, "[x]", 3}};
  mn_kiss_state_t pv[3] = {{0, "4", 1}, {1, "0xAB", 4}, {2, "[x]", 3}};
  mn_kiss_coin_t coin = {.address = addr,
                         .address_len = 32,
                         .tokenid = &zero,
                         .tokenid_len = 1,
                         .coinid = addr,
                         .coinid_len = 32,
                         .keepstate = true};
  num->from_i64(&coin.amount, 100);
  mn_kiss_global_t g[5];
  memset(g, 0, sizeof g);
  g[0].name = "@INPUT";
  g[0].value.type = MN_KISS_NUMBER;
  num->from_i64(&g[0].value.number, 0);
  g[1].name = "@ADDRESS";
  g[1].value.type = MN_KISS_HEX;
  g[1].value.data = addr;
  g[1].value.len = 32;
  g[2].name = "@AMOUNT";
  g[2].value.type = MN_KISS_NUMBER;
  g[2].value.number = coin.amount;
  g[3].name = "@TOKENID";
  g[3].value.type = MN_KISS_HEX;
  g[3].value.data = &zero;
  g[3].value.len = 1;
  g[4].name = "@COINAGE";
  g[4].value.type = MN_KISS_NUMBER;
  num->from_i64(&g[4].value.number, 500);
  mn_kiss_ctx_t ctx = {.size = sizeof ctx,
                       .globals = g,
                       .nglobals = 5,
                       .state = st,
                       .nstate = 3,
                       .prevstate = pv,
                       .nprevstate = 3,
                       .inputs = &coin,
                       .ninputs = 1,
                       .outputs = &coin,
                       .noutputs = 1,
                       .signatures = sigs,
                       .nsignatures = 1};

  printf("%-6s %22s %22s\n", "script", "compile once (eval/s)",
         "compile each (eval/s)");
  for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
    unsigned ok1 = 0, ok2 = 0;
    double once = measure(vm, scripts[i][1], &ctx, false, &ok1);
    double each = measure(vm, scripts[i][1], &ctx, true, &ok2);
    printf("%-6s %22.0f %22.0f%s\n", scripts[i][0], once, each,
           ok1 && ok2 ? "" : "  (script did not pass!)");
  }
  return 0;
}
