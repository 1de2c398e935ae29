/* The loader: descriptor checks and start order, with doctored plugins
 * (tests/plugins).  Every refusal's text is pinned. */
#include <stdlib.h>
#include <string.h>

#include <minima/version.h>

#include "loader/loader.h"
#include "test_support.h"
#include "util/util.h"

static char *tp(const char *name) {
  return mn__xasprintf("%s/tests/plugins/%s.so", mn_test_build_dir(), name);
}

/* Opens a doctored plugin expecting failure; returns the message. */
static char *open_fails(const char *name, int expect_err) {
  char *path = tp(name);
  mn_plugin_t *p = NULL;
  char *why = NULL;
  int err = mn__plugin_open(path, name, true, &p, &why);
  assert_int_equal(err, expect_err);
  assert_null(p);
  assert_non_null(why);
  free(path);
  return why;
}

static void expect_text(char *got, const char *fmt, const char *name) {
  char *path = tp(name);
  char *expect = mn__xasprintf(fmt, path);
  assert_string_equal(got, expect);
  free(expect);
  free(path);
  free(got);
}

static void test_not_a_plugin(void **state) {
  expect_text(open_fails("noentry", MN_ENOTPLUGIN),
              "%s is not a minima-c plugin: it does not export "
              "mn_plugin_describe(); build plugins against the minima-c SDK "
              "(docs/writing-plugins.md)",
              "noentry");
  expect_text(open_fails("badmagic", MN_ENOTPLUGIN),
              "%s is not a minima-c plugin: descriptor magic is 0x12345678, "
              "expected 0x4d4e504c (\"MNPL\")",
              "badmagic");
}

static void test_not_elf(void **state) {
  char *dir = mn_test_tmpdir("loader");
  char *path = mn__xasprintf("%s/text.so", dir);
  FILE *f = fopen(path, "w");
  fputs("this is not a shared object\n", f);
  fclose(f);
  mn_plugin_t *p = NULL;
  char *why = NULL;
  assert_int_equal(mn__plugin_open(path, "text", true, &p, &why),
                   MN_ENOTPLUGIN);
  char *prefix = mn__xasprintf("cannot load plugin \"text\" from %s: ", path);
  assert_memory_equal(why, prefix, strlen(prefix));
  free(prefix);
  free(why);
  free(path);
  mn_test_rmtree(dir);
  free(dir);
}

static void test_missing_file(void **state) {
  mn_plugin_t *p = NULL;
  char *why = NULL;
  assert_int_equal(mn__plugin_open("/nonexistent/x.so", "x", true, &p, &why),
                   MN_ENOENT);
  assert_string_equal(why, "cannot load plugin \"x\": /nonexistent/x.so: No "
                           "such file or directory; build it, or set its "
                           "path under [[plugin]]");
  free(why);
}

static void test_abi_mismatch(void **state) {
  char fmt[512];
  snprintf(fmt, sizeof fmt,
           "%%s: incompatible plugin ABI: the plugin was built for ABI major "
           "%d (field abi_major) but this minimad provides ABI %d.%d; rebuild "
           "the plugin against the minima-c %s SDK",
           MN_ABI_MAJOR + 1, MN_ABI_MAJOR, MN_ABI_MINOR, MN_VERSION_STRING);
  expect_text(open_fails("major", MN_EVERSION), fmt, "major");
  snprintf(fmt, sizeof fmt,
           "%%s: the plugin needs ABI %d.%d (field abi_minor) but this "
           "minimad provides ABI %d.%d; upgrade minimad, or rebuild the "
           "plugin against the minima-c %s SDK",
           MN_ABI_MAJOR, MN_ABI_MINOR + 1, MN_ABI_MAJOR, MN_ABI_MINOR,
           MN_VERSION_STRING);
  expect_text(open_fails("minor", MN_EVERSION), fmt, "minor");
}

static void test_name_and_desc_checks(void **state) {
  char *path = tp("good");
  mn_plugin_t *p = NULL;
  char *why = NULL;
  assert_int_equal(mn__plugin_open(path, "other", true, &p, &why), MN_EINVAL);
  char *expect = mn__xasprintf("%s: the profile loads it as \"other\" but the "
                               "plugin calls itself \"good\" (field name); "
                               "fix the [[plugin]] name",
                               path);
  assert_string_equal(why, expect);
  free(expect);
  free(why);
  free(path);

  mn_plugin_desc_t d = {MN_PLUGIN_HEAD, .name = "ok"};
  assert_int_equal(mn__plugin_check_desc("x.so", &d, NULL, &why), MN_EINVAL);
  assert_string_equal(why, "x.so: plugin \"ok\" has no init function (field "
                           "init)");
  free(why);
  d.size = 16;
  assert_int_equal(mn__plugin_check_desc("x.so", &d, NULL, &why), MN_EVERSION);
  assert_non_null(strstr(why, "x.so: descriptor size 16 (field size)"));
  free(why);
  d.size = sizeof d;
  d.name = "Bad Name";
  assert_int_equal(mn__plugin_check_desc("x.so", &d, NULL, &why), MN_EINVAL);
  assert_string_equal(why, "x.so: invalid plugin name \"Bad Name\" (field "
                           "name): use 1 to 64 characters of a-z, 0-9 and -");
  free(why);
  assert_int_equal(mn__plugin_check_desc("x.so", NULL, NULL, &why),
                   MN_ENOTPLUGIN);
  free(why);
}

typedef struct set {
  mn_plugin_t *p[8];
  size_t n;
} set_t;

static void add(set_t *s, const char *name, bool required) {
  char *path = tp(name);
  char *why = NULL;
  mn_plugin_t *p = NULL;
  if (mn__plugin_open(path, name, required, &p, &why))
    fail_msg("%s", why);
  p->index = s->n;
  s->p[s->n++] = p;
  free(path);
}

static void release(set_t *s) {
  for (size_t i = 0; i < s->n; i++)
    mn__plugin_close(s->p[i]);
}

static void test_order_stable(void **state) {
  set_t s = {0};
  add(&s, "consumer", true); /* listed first, but needs good-svc */
  add(&s, "good", true);
  mn_plugin_t **order;
  size_t n;
  char *why = NULL;
  assert_int_equal(mn__plugins_order(s.p, s.n, &order, &n, &why), 0);
  assert_int_equal(n, 2);
  assert_string_equal(order[0]->name, "good");
  assert_string_equal(order[1]->name, "consumer");
  free(order);
  release(&s);
}

static void test_missing_provider(void **state) {
  set_t s = {0};
  add(&s, "good", true);
  add(&s, "needsmissing", true);
  mn_plugin_t **order;
  size_t n;
  char *why = NULL;
  assert_int_equal(mn__plugins_order(s.p, s.n, &order, &n, &why), MN_EDEPEND);
  assert_string_equal(why, "plugin \"needsmissing\" requires service "
                           "\"nosuch\" (version >= 1), which no plugin in "
                           "this profile provides; add the plugin that "
                           "provides it");
  free(why);
  /* Optional: dropped, the rest keeps running. */
  s.p[1]->required = false;
  why = NULL;
  assert_int_equal(mn__plugins_order(s.p, s.n, &order, &n, &why), 0);
  assert_int_equal(n, 1);
  assert_string_equal(order[0]->name, "good");
  assert_int_equal(s.p[1]->phase, MN__PHASE_SKIPPED);
  free(order);
  release(&s);
}

static void test_cycle(void **state) {
  set_t s = {0};
  add(&s, "cyclea", true);
  add(&s, "cycleb", true);
  mn_plugin_t **order;
  size_t n;
  char *why = NULL;
  assert_int_equal(mn__plugins_order(s.p, s.n, &order, &n, &why), MN_EDEPEND);
  assert_string_equal(why, "dependency cycle: plugin \"cyclea\" requires "
                           "service \"svc-b\" from plugin \"cycleb\"; plugin "
                           "\"cycleb\" requires service \"svc-a\" from plugin "
                           "\"cyclea\"; break the cycle by removing one of "
                           "these requirements");
  free(why);
  release(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_not_a_plugin),
      cmocka_unit_test(test_not_elf),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_abi_mismatch),
      cmocka_unit_test(test_name_and_desc_checks),
      cmocka_unit_test(test_order_stable),
      cmocka_unit_test(test_missing_provider),
      cmocka_unit_test(test_cycle),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
