/*
 * transport-tcp - TCP on the node's libuv loop (the "transport.tcp"
 * service, addresses tcp://host:port).
 *
 * Each frame travels as a uint32 big-endian length and the frame's bytes,
 * the Minima wire framing, so a node using this transport talks to the
 * reference node.  See minima/svc/transport.h for the contract and
 * docs/p2p.md for the configuration keys.
 *
 * The plugin library (mn_tcp_transport) exports the descriptor so an
 * in-process harness can run instances without loading the .so.
 */
#ifndef MN_TRANSPORT_TCP_H
#define MN_TRANSPORT_TCP_H

#include <minima/plugin.h>

/* The plugin's descriptor (what the .so's mn_plugin_describe returns). */
const mn_plugin_desc_t *mn_tcp_transport_desc(void);

#endif
