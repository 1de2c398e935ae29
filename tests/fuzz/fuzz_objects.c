/* libFuzzer: every object decoder on any bytes either refuses or gives an
 * object whose encoding decodes again to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <minima/objects.h>
#include <minima/stream.h>

#include "types/objects.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const mn_obj_api_t *o = mn__obj_api();
  mn_obj_kind_t kind =
      (mn_obj_kind_t)(1 + data[0] % (MN_OBJ_KIND_COUNT - 1));
  void *obj = NULL;
  size_t used = 0;
  if (o->decode(kind, data + 1, size - 1, &used, &obj) != 0)
    return 0;
  mn_buf_t a = {0}, b = {0};
  if (o->encode(kind, obj, &a) != 0)
    abort();
  void *again = NULL;
  size_t used2 = 0;
  if (o->decode(kind, a.data, a.len, &used2, &again) != 0 || used2 != a.len)
    abort();
  if (o->encode(kind, again, &b) != 0)
    abort();
  /* Decoding normalises, so the second round trip must be exact. */
  if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
    void *third = NULL;
    mn_buf_t c = {0};
    size_t u3;
    if (o->decode(kind, b.data, b.len, &u3, &third) || o->encode(kind, third, &c) ||
        c.len != b.len || memcmp(c.data, b.data, b.len) != 0)
      abort();
    o->free(third);
    mn_buf_free(&c);
  }
  json_t *j = o->json(kind, obj, 0);
  json_decref(j);
  o->free(again);
  o->free(obj);
  mn_buf_free(&a);
  mn_buf_free(&b);
  return 0;
}
