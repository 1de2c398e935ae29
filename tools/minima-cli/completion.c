/*
 * completion.c - shell completion for minima-cli.  The script asks the
 * node itself (through `minima-cli __complete`, which calls `help` and
 * `help command:NAME`), so it always offers the commands and parameters
 * of the node it talks to.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char bash_script[] =
    "# bash completion for minima-cli: command names and their parameter\n"
    "# names, asked from the node.  Load it with\n"
    "#   source <(minima-cli completion bash)\n"
    "# or save it as ~/.local/share/bash-completion/completions/minima-cli\n"
    "_minima_cli() {\n"
    "  local line=\"${COMP_LINE:0:COMP_POINT}\" cur=\"\" cmd=\"\" i=1 j\n"
    "  local -a w opts have\n"
    "  # Our own split: bash's splits key:value at the colon.\n"
    "  read -ra w <<< \"$line\"\n"
    "  if [[ ! \"$line\" =~ [[:space:]]$ && ${#w[@]} -gt 1 ]]; then\n"
    "    cur=\"${w[${#w[@]}-1]}\"\n"
    "    unset 'w[${#w[@]}-1]'\n"
    "  fi\n"
    "  local n=${#w[@]} prog=\"${w[0]:-minima-cli}\"\n"
    "  # Connection options before the command go to the helper too.\n"
    "  while (( i < n )); do\n"
    "    case \"${w[i]}\" in\n"
    "      -H|--host|-p|--port|-P|--password|-c|--config|-t|--timeout)\n"
    "        opts+=(\"${w[i]}\" \"${w[i+1]}\"); (( i += 2 )); continue ;;\n"
    "      --host=*|--port=*|--password=*|--config=*|--timeout=*)\n"
    "        opts+=(\"${w[i]}\") ;;\n"
    "      --interval) (( i += 2 )); continue ;;\n"
    "      -*) ;;\n"
    "      *) cmd=\"${w[i]}\"; break ;;\n"
    "    esac\n"
    "    (( i++ ))\n"
    "  done\n"
    "  COMPREPLY=()\n"
    "  if [[ -z \"$cmd\" ]]; then\n"
    "    case \"${w[n-1]}\" in\n"
    "      -H|--host|-p|--port|-P|--password|-t|--timeout|--interval)\n"
    "        return ;;\n"
    "      -c|--config) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
    "    esac\n"
    "    if [[ \"$cur\" == -* ]]; then\n"
    "      COMPREPLY=($(compgen -W \"--host --port --password --timeout\n"
    "        --config --json --pretty --interval --version --help\" -- "
    "\"$cur\"))\n"
    "    else\n"
    "      COMPREPLY=($(compgen -W \"$(\"$prog\" \"${opts[@]}\" __complete "
    "commands 2>/dev/null)\" -- \"$cur\"))\n"
    "    fi\n"
    "    return\n"
    "  fi\n"
    "  case \"$cmd\" in\n"
    "    completion) COMPREPLY=($(compgen -W bash -- \"$cur\")); return ;;\n"
    "    wait-sync) return ;;\n"
    "  esac\n"
    "  # A parameter name; the value after the colon is the user's.\n"
    "  [[ \"$cur\" == *:* ]] && return\n"
    "  for (( j = i + 1; j < n; j++ )); do have+=(\"${w[j]%%:*}:\"); done\n"
    "  local name names=\"\"\n"
    "  for name in $(\"$prog\" \"${opts[@]}\" __complete params \"$cmd\" "
    "2>/dev/null); do\n"
    "    [[ \" ${have[*]} \" == *\" $name \"* ]] || names+=\"$name \"\n"
    "  done\n"
    "  compopt -o nospace 2>/dev/null\n"
    "  COMPREPLY=($(compgen -W \"$names\" -- \"$cur\"))\n"
    "}\n"
    "complete -F _minima_cli minima-cli\n";

int cli_completion(const char *shell) {
  if (strcmp(shell, "bash") != 0) {
    fprintf(stderr,
            "minima-cli: completion for \"%s\" is not available; "
            "only bash is\n",
            shell);
    return CLI_USAGE;
  }
  fputs(bash_script, stdout);
  return CLI_OK;
}

int cli_complete(const cli_target_t *t, const char *what, const char *cmd) {
  json_t *j = NULL;
  char why[512];
  if (strcmp(what, "commands") == 0) {
    if (cli_call(t, "help", &j, NULL, why, sizeof why) != CLI_OK) {
      json_decref(j);
      return CLI_FAILED;
    }
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(j, "response"), name, v) puts(name);
    puts("wait-sync");
    puts("completion");
    json_decref(j);
    return CLI_OK;
  }
  if (strcmp(what, "params") == 0 && cmd && *cmd && !strpbrk(cmd, " ;\"")) {
    char line[256];
    snprintf(line, sizeof line, "help command:%s", cmd);
    if (cli_call(t, line, &j, NULL, why, sizeof why) != CLI_OK) {
      json_decref(j);
      return CLI_FAILED;
    }
    size_t i;
    json_t *p;
    json_array_foreach(
        json_object_get(json_object_get(j, "response"), "params"), i, p) {
      const char *name = json_string_value(json_object_get(p, "name"));
      if (name)
        printf("%s:\n", name);
    }
    json_decref(j);
    return CLI_OK;
  }
  return CLI_USAGE;
}
