/*
 * minima/minima.h - everything a plugin needs, in one include.
 */
#ifndef MINIMA_MINIMA_H
#define MINIMA_MINIMA_H

#include "crypto.h"
#include "errors.h"
#include "host.h"
#include "objects.h"
#include "plugin.h"
#include "stream.h"
#include "types.h"
#include "version.h"

#endif
