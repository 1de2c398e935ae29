/* The transport-tcp plugin: the entry point over the library in tcp.c. */
#include <minima/plugin.h>

#include "tcp.h"

MN_PLUGIN_EXPORT const mn_plugin_desc_t *mn_plugin_describe(void);
const mn_plugin_desc_t *mn_plugin_describe(void) {
  return mn_tcp_transport_desc();
}
