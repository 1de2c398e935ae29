/* The transport-mem plugin: the entry point over the library in mem.c. */
#include <minima/plugin.h>

#include "mem.h"

MN_PLUGIN_EXPORT const mn_plugin_desc_t *mn_plugin_describe(void);
const mn_plugin_desc_t *mn_plugin_describe(void) {
  return mn_mem_transport_desc();
}
