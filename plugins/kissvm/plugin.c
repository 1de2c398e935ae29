/*
 * plugin.c - the kissvm plugin: offers the KISS VM as the "kissvm"
 * service and registers the `runscript` command.
 */
#include <minima/minima.h>
#include <minima/svc/kissvm.h>

#include "kiss.h"
#include "runscript.h"

static const mn_dep_t provides[] = {
    {MN_KISSVM_SERVICE, MN_KISSVM_SERVICE_VERSION, 0}, {NULL, 0, 0}};

static int kiss_init(mn_plugin_t *self, const mn_host_t *host, void **state) {
  *state = NULL;
  if (!host->num || !host->crypto)
    return MN_EINVAL;
  const mn_kissvm_t *vm = kiss_service(host->num, host->crypto);
  int rc = host->service_register(self, MN_KISSVM_SERVICE,
                                  MN_KISSVM_SERVICE_VERSION, vm);
  if (rc) {
    host->log(self, MN_LOG_ERROR,
              "cannot register the kissvm service: %s (is another script "
              "VM plugin loaded? load only one)",
              mn_strerror(rc));
    return rc;
  }
  rc = kiss_runscript_register(self, host, vm);
  if (rc)
    host->log(self, MN_LOG_ERROR,
              "cannot register the runscript command: %s", mn_strerror(rc));
  return rc;
}

static const mn_plugin_desc_t desc = {
    MN_PLUGIN_HEAD,
    .name = "kissvm",
    .version = MN_VERSION_STRING,
    .role = "script-vm",
    .description = "KISS script VM (service kissvm, command runscript)",
    .provides = provides,
    .init = kiss_init,
};

MN_PLUGIN_DEFINE(desc)
