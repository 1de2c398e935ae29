/* libFuzzer: any command line through the registry ends in one envelope,
 * synchronously, with no crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "crypto/crypto.h"
#include "types/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int echo(mn_call_t *call, json_t *params, void *data) {
  mn__call_reply(call, json_incref(params));
  return 0;
}

static const mn_cmd_param_t params[] = {
    {"amount", MN_PARAM_NUMBER, 0, ""}, {"address", MN_PARAM_ADDRESS, 0, ""},
    {"data", MN_PARAM_HEX, 0, ""},      {"state", MN_PARAM_JSON, 0, ""},
    {"text", MN_PARAM_STRING, 0, ""},   {"flag", MN_PARAM_BOOL, 0, ""},
    {"any", MN_PARAM_ANY, 0, ""},       {NULL, 0, 0, NULL}};
static const mn_command_def_t defs[] = {
    {"echo", "", NULL, params, 0, echo},
    {"txnstate", "", NULL, params, MN_CMD_RAW_BRACKETS, echo},
    {"spend", "", NULL, params, MN_CMD_WRITE, echo}};

static void done(json_t *r, void *data) {
  if (!r)
    abort();
  *(int *)data += 1;
  json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mn__cmds_t *c;
  static int owner;
  if (!c) {
    c = mn__cmds_new(mn__num_api(), mn__crypto_api());
    for (size_t i = 0; i < sizeof defs / sizeof *defs; i++)
      mn__cmds_register(c, &owner, "fuzz", &defs[i], NULL, NULL);
  }
  char *line = malloc(size + 1);
  memcpy(line, data, size);
  line[size] = '\0';
  int calls = 0;
  mn__cmds_exec(c, line, data[0] & 1 ? MN_EXEC_WRITE : 0, done, &calls);
  if (calls != 1)
    abort(); /* exactly one envelope, and synchronous handlers reply now */
  free(line);
  return 0;
}
