/* libFuzzer: the TOML parser on any bytes must end in a tree or a
 * positioned error, and a tree must encode to tagged JSON. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "config/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mn_toml_value_t *root = NULL;
  char *err = NULL;
  if (mn__toml_parse((const char *)data, size, "fuzz.toml", &root, &err) ==
      0) {
    json_t *j = mn__toml_to_tagged_json(root);
    json_decref(j);
    mn__toml_free(root);
  } else if (!err || err[0] == '\0') {
    abort(); /* every rejection carries a message */
  }
  free(err);
  return 0;
}
