/*
 * minima/version.h - release and ABI versions.
 *
 * MN_ABI_MAJOR changes when a plugin built against an older SDK could
 * misbehave: a struct member moved, a function changed meaning.  The loader
 * refuses a plugin whose major differs from the kernel's.  MN_ABI_MINOR
 * grows when something is appended (a host function, a descriptor field, a
 * service function); a plugin may be older than the kernel but not newer.
 * Every change is recorded in docs/abi-changes.md.
 */
#ifndef MINIMA_VERSION_H
#define MINIMA_VERSION_H

#define MN_VERSION_MAJOR 0
#define MN_VERSION_MINOR 1
#define MN_VERSION_PATCH 0
#define MN_VERSION_STRING "0.1.0"

#define MN_ABI_MAJOR 1
#define MN_ABI_MINOR 0

/* The reference protocol version this node speaks (Minima 1.0.45). */
#define MN_PROTOCOL_VERSION "1.0.45"

#endif /* MINIMA_VERSION_H */
