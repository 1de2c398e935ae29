/*
 * transport-mem - in-process links (the "transport.mem" service).
 *
 * mem://NAME addresses name listeners inside one process.  Every instance
 * of the plugin that runs on the same libuv loop joins one *hub*, the
 * registry of those names, so an in-process harness (tools/testnet's
 * simhost) can run hundreds of nodes, each with its own transport-mem
 * instance, and have them dial each other exactly as they would over TCP.
 * minimad, with one node per process, uses it for loopback tests of a
 * single node.  Frames cross a link by reference, never copied, and are
 * delivered from the loop in send order.
 *
 * The plugin library (mn_mem_transport) exports the descriptor so a
 * harness can run instances without loading the .so.
 */
#ifndef MN_TRANSPORT_MEM_H
#define MN_TRANSPORT_MEM_H

#include <stddef.h>

#include <minima/plugin.h>

/* The plugin's descriptor (what the .so's mn_plugin_describe returns). */
const mn_plugin_desc_t *mn_mem_transport_desc(void);

/* Hubs alive in this process (one per loop that has instances); 0 once
 * every instance has been finalised.  For leak checks in tests. */
size_t mn_mem_transport_hubs(void);

#endif
