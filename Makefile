# The two commands a newcomer needs (README.md):
#   make run    install missing Debian packages, build (Release), start a
#               local dev node (single-node chain)
#   make test   the same build, then the whole test suite through ctest
# Also: make bench, make sanitize (unit tests under ASan+UBSan), make fuzz,
# make install PREFIX=..., make clean.

BUILD      ?= build
SAN_BUILD  ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
# Extra minimad arguments for `make run`, e.g. make run ARGS="--port 9101".
ARGS       ?=

.PHONY: all deps build run test bench sanitize fuzz install clean

all: build

deps:
	@tools/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/minimad --profile dev $(ARGS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

bench: build
	@tools/install-deps --bench
	tools/run-bench $(BUILD)

sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMN_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(SAN_BUILD) -j $(JOBS)
	ctest --test-dir $(SAN_BUILD) -L unit --output-on-failure -j $(JOBS)

fuzz:
	@tools/install-deps --fuzz
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMN_FUZZ=ON -DMN_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)
