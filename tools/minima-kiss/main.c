/*
 * minima-kiss - run KISS scripts and conformance vector files.
 *
 *   minima-kiss run [--trace] [--context FILE.json] [--max N] 'SCRIPT'
 *   minima-kiss vectors [--verbose] FILE.json
 *   minima-kiss clean 'SCRIPT'
 *   minima-kiss address 'SCRIPT'
 *
 * The VM is the kissvm plugin's core library, bound to the kernel's
 * number and crypto libraries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <minima/svc/kissvm.h>

#include "crypto/crypto.h"
#include "kiss.h"
#include "vecctx.h"
#if __has_include("types/num.h")
#include "types/num.h"
#define HAVE_NUM 1
#else
/* The kernel's MiniNumber library is not in this tree yet. */
#define HAVE_NUM 0
static const mn_num_api_t *mn__num_api(void) { return NULL; }
#endif

static const char usage[] =
    "NAME\n"
    "    minima-kiss - run Minima KISS scripts and conformance vectors\n"
    "\n"
    "SYNOPSIS\n"
    "    minima-kiss run [--trace] [--context FILE.json] [--max N] SCRIPT\n"
    "    minima-kiss vectors [--verbose] FILE.json\n"
    "    minima-kiss clean SCRIPT\n"
    "    minima-kiss address SCRIPT\n"
    "    minima-kiss --help\n"
    "\n"
    "DESCRIPTION\n"
    "    run      Compiles and runs SCRIPT once and prints the verdict:\n"
    "             parse_ok, success, error (category and message),\n"
    "             instructions, monotonic and every variable with its type.\n"
    "             --trace prints each statement, expression result and\n"
    "             variable change as the reference node traces them.\n"
    "             --context reads globals, state, prevstate, inputs,\n"
    "             outputs, signatures, scripts and max_instructions from a\n"
    "             JSON object in the vector format (spec/kissvm-vectors.md),\n"
    "             either a bare context or a case with a \"context\" member.\n"
    "             --max sets the instruction limit (default 1024).\n"
    "    vectors  Runs every case of a vector file and prints each failure\n"
    "             with expected and actual values (parse_ok, success,\n"
    "             error, instructions, monotonic, variables both ways),\n"
    "             then \"N passed, M failed\".  --verbose names passes too.\n"
    "    clean    Prints the node's cleaned form of SCRIPT.\n"
    "    address  Prints the 0x and Mx addresses of SCRIPT as given.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 the script returned TRUE / every vector passed; 1 the script\n"
    "    failed / a vector failed; 2 usage or input error.\n";

static const mn_kissvm_t *vm;

static void print_trace(void *user, const char *line, size_t len) {
  (void)user;
  printf("%.*s\n", (int)len, line);
}

static const char *tname(mn_kiss_type_t t) {
  return t == MN_KISS_BOOLEAN  ? "BOOLEAN"
         : t == MN_KISS_NUMBER ? "NUMBER"
         : t == MN_KISS_HEX    ? "HEX"
                               : "STRING";
}

static int cmd_run(int argc, char **argv) {
  bool trace = false;
  const char *ctxfile = NULL, *script = NULL;
  long max = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--trace"))
      trace = true;
    else if (!strcmp(argv[i], "--context") && i + 1 < argc)
      ctxfile = argv[++i];
    else if (!strcmp(argv[i], "--max") && i + 1 < argc)
      max = strtol(argv[++i], NULL, 10);
    else if (!script)
      script = argv[i];
    else {
      fprintf(stderr, "minima-kiss run: unexpected argument '%s'\n", argv[i]);
      return 2;
    }
  }
  if (!script) {
    fprintf(stderr, "minima-kiss run: no script given (see --help)\n");
    return 2;
  }
  json_t *cj = NULL, *doc = NULL;
  if (ctxfile) {
    json_error_t je;
    doc = json_load_file(ctxfile, 0, &je);
    if (!doc) {
      fprintf(stderr, "minima-kiss: cannot read context %s: %s (line %d)\n",
              ctxfile, je.text, je.line);
      return 2;
    }
    cj = json_object_get(doc, "context");
    if (!cj)
      cj = doc;
  }
  kiss_vec_ctx_t vc;
  char why[256];
  if (kiss_vec_load(vm, mn__num_api(), cj, (uint32_t)max, &vc, why,
                    sizeof why)) {
    fprintf(stderr, "minima-kiss: %s: %s\n", ctxfile ? ctxfile : "context",
            why);
    json_decref(doc);
    return 2;
  }
  if (max > 0)
    vc.ctx.max_instructions = (uint32_t)max;
  if (trace) {
    vc.ctx.trace = print_trace;
  }
  mn_kiss_result_t res = {.size = sizeof res};
  int rc = vm->run(script, strlen(script), &vc.ctx, MN_KISS_KEEP_VARS, &res);
  if (rc) {
    fprintf(stderr, "minima-kiss: %s\n", mn_strerror(rc));
    kiss_vec_free(&vc);
    json_decref(doc);
    return 2;
  }
  printf("parse_ok:     %s\n", res.parse_ok ? "true" : "false");
  printf("success:      %s\n", res.success ? "true" : "false");
  if (res.error != MN_KISS_ENONE)
    printf("error:        %s: %s\n", mn_kiss_error_name(res.error),
           res.message);
  else
    printf("error:        none\n");
  printf("instructions: %u\n", res.instructions);
  printf("monotonic:    %s\n", res.monotonic ? "true" : "false");
  size_t it = 0;
  mn_kiss_var_t v;
  bool any = false;
  while (vm->var_next(res.vars, &it, &v)) {
    if (!any)
      printf("variables:\n");
    any = true;
    mn_buf_t b = {0};
    vm->value_print(&v.value, &b);
    printf("  %.*s = %s %.*s\n", (int)v.name_len, v.name, tname(v.value.type),
           (int)b.len, b.data ? (char *)b.data : "");
    mn_buf_free(&b);
  }
  bool ok = res.success;
  vm->result_free(&res);
  kiss_vec_free(&vc);
  json_decref(doc);
  return ok ? 0 : 1;
}

static int cmd_vectors(int argc, char **argv) {
  bool verbose = false;
  const char *file = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--verbose"))
      verbose = true;
    else
      file = argv[i];
  }
  if (!file) {
    fprintf(stderr, "minima-kiss vectors: no file given (see --help)\n");
    return 2;
  }
  json_error_t je;
  json_t *doc = json_load_file(file, 0, &je);
  if (!doc) {
    fprintf(stderr, "minima-kiss: cannot read %s: %s (line %d)\n", file,
            je.text, je.line);
    return 2;
  }
  json_t *cases = json_object_get(doc, "cases");
  if (!json_is_array(cases)) {
    fprintf(stderr, "minima-kiss: %s has no \"cases\" array\n", file);
    json_decref(doc);
    return 2;
  }
  uint32_t defmax = MN_KISS_DEFAULT_INSTRUCTIONS;
  json_t *dm = json_object_get(json_object_get(doc, "defaults"),
                               "max_instructions");
  if (json_is_integer(dm))
    defmax = (uint32_t)json_integer_value(dm);
  size_t passed = 0, failed = 0, i;
  json_t *c;
  json_array_foreach(cases, i, c) {
    const char *name = json_string_value(json_object_get(c, "name"));
    json_t *sj = json_object_get(c, "script");
    if (!name)
      name = "(unnamed)";
    mn_buf_t report = {0};
    int diffs = 0;
    kiss_vec_ctx_t vc;
    char why[256];
    if (!json_is_string(sj)) {
      mn_buf_put(&report, "  the case has no script\n", 25);
      diffs = 1;
    } else if (kiss_vec_load(vm, mn__num_api(),
                             json_object_get(c, "context"), defmax, &vc, why,
                             sizeof why)) {
      mn_buf_put(&report, "  ", 2);
      mn_buf_put(&report, why, strlen(why));
      mn_buf_put(&report, "\n", 1);
      diffs = 1;
    } else {
      mn_kiss_result_t res = {.size = sizeof res};
      int rc = vm->run(json_string_value(sj), json_string_length(sj),
                       &vc.ctx, MN_KISS_KEEP_VARS, &res);
      if (rc) {
        const char *m = mn_strerror(rc);
        mn_buf_put(&report, "  ", 2);
        mn_buf_put(&report, m, strlen(m));
        mn_buf_put(&report, "\n", 1);
        diffs = 1;
      } else {
        diffs = kiss_vec_check(vm, json_object_get(c, "expect"), &res,
                               &report);
        vm->result_free(&res);
      }
      kiss_vec_free(&vc);
    }
    if (diffs) {
      failed++;
      printf("FAIL %s\n%.*s", name, (int)report.len,
             report.data ? (char *)report.data : "");
    } else {
      passed++;
      if (verbose)
        printf("ok   %s\n", name);
    }
    mn_buf_free(&report);
  }
  printf("%zu passed, %zu failed\n", passed, failed);
  json_decref(doc);
  return failed ? 1 : 0;
}

int main(int argc, char **argv) {
  if (!HAVE_NUM) {
    fprintf(stderr, "SKIP: minima-kiss needs the kernel's MiniNumber "
            "library (kernel/types/num.h), which this tree lacks\n");
    return 77;
  }
  vm = kiss_service(mn__num_api(), mn__crypto_api());
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "run"))
    return cmd_run(argc - 2, argv + 2);
  if (!strcmp(argv[1], "vectors"))
    return cmd_vectors(argc - 2, argv + 2);
  if ((!strcmp(argv[1], "clean") || !strcmp(argv[1], "address")) &&
      argc == 3) {
    const char *s = argv[2];
    if (argv[1][0] == 'c') {
      mn_buf_t b = {0};
      int rc = vm->clean(s, strlen(s), &b);
      if (rc) {
        fprintf(stderr, "minima-kiss: the script cannot be cleaned (%s)\n",
                mn_strerror(rc));
        mn_buf_free(&b);
        return 1;
      }
      printf("%.*s\n", (int)b.len, b.data ? (char *)b.data : "");
      mn_buf_free(&b);
      return 0;
    }
    uint8_t a[32];
    vm->address(s, strlen(s), a);
    printf("0x");
    for (int i = 0; i < 32; i++)
      printf("%02X", a[i]);
    char mx[MN_MX_MAX];
    if (mn__crypto_api()->mx_encode(a, 32, mx, sizeof mx) > 0)
      printf("\n%s", mx);
    printf("\n");
    return 0;
  }
  fprintf(stderr, "minima-kiss: unknown command '%s' (see --help)\n",
          argv[1]);
  return 2;
}
