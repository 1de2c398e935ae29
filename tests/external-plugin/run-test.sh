#!/bin/sh
# The SDK round trip: install minima-c into a temporary prefix, build the
# plugin in this folder twice (CMake package, then pkg-config) using only
# that prefix, and load each build into the installed minimad.
#   run-test.sh BUILD_DIR SOURCE_DIR
set -eu
build="$1"
src="$2"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mn-sdk-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null

# 1. CMake package config.
cmake -S "$src" -B "$tmp/b" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/b" >/dev/null
test -f "$tmp/b/hello.so" || { echo "FAIL: hello.so was not built"; exit 1; }

# 2. pkg-config.
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cc -shared -o "$tmp/hello-pc.so" "$src/hello.c" \
  $(pkg-config --cflags --libs minima-plugin)

for so in "$tmp/b/hello.so" "$tmp/hello-pc.so"; do
  cat > "$tmp/profile.toml" <<TOML
[[plugin]]
name = "hello"
path = "$so"
TOML
  "$tmp/prefix/bin/minimad" -c "$tmp/profile.toml" --list-plugins > "$tmp/plugins.txt"
  grep -q "^hello 1.0.0" "$tmp/plugins.txt" || {
    echo "FAIL: minimad does not list the plugin built as $so"; cat "$tmp/plugins.txt"; exit 1; }
  "$tmp/prefix/bin/minimad" -c "$tmp/profile.toml" -d "$tmp/data" \
    --list-commands=json > "$tmp/commands.json" 2> "$tmp/log.txt"
  grep -q '"command": "hello"' "$tmp/commands.json" || {
    echo "FAIL: the hello command is not registered"; cat "$tmp/log.txt"; exit 1; }
  grep -q "hello plugin initialised" "$tmp/log.txt" || {
    echo "FAIL: the plugin's init did not run"; cat "$tmp/log.txt"; exit 1; }
  echo "ok: $(basename "$so") built against the installed SDK loads and registers its command"
done
