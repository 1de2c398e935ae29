/*
 * runscript.h - registration of the `runscript` command (runscript.c).
 */
#ifndef KISS_RUNSCRIPT_H
#define KISS_RUNSCRIPT_H

#include <minima/host.h>
#include <minima/svc/kissvm.h>

/* Registers `runscript` with host->command_register; host and vm must
 * outlive the plugin.  Returns command_register's result. */
int kiss_runscript_register(mn_plugin_t *self, const mn_host_t *host,
                            const mn_kissvm_t *vm);

#endif
