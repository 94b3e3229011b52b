# jitpc's front door: `make run` and `make test` (see README.md).
# Wraps CMake + Ninja; CMake stays usable directly.
BUILD     ?= build
SAN_BUILD ?= build-sanitize
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_GEN  = -G Ninja

.PHONY: all deps build sanitize run test test-fast clean bench bench-linux

all: build

deps:
	@tools/setup-deps

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@tools/fetch-firmware $(BUILD)

sanitize: deps
	@cmake -S . -B $(SAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DJITPC_SANITIZE=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)

# Build, then boot the default guest (see tools/run-default).
run: build
	@tools/run-default $(BUILD)

# Every test in the normal build, then unit and guest tests under ASan+UBSan.
test: build sanitize
	@tools/mkguest $(BUILD)
	@echo "== tests ($(BUILD)) =="
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@echo "== unit and guest tests under ASan+UBSan ($(SAN_BUILD)) =="
	@cd $(SAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|guest'

# The normal build's tests only (quicker while developing).
test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)

# Benchmarks (bench/README.md): every workload on jitpc, QEMU TCG and natively,
# one table of times and speed ratios. Not part of `make test`.
BENCH_BUILD ?= build-bench
bench: build
	@bench/run.sh --jitpc $(BUILD)/jitpc --work $(BENCH_BUILD)

# The default Linux guest's /bench.sh (md5sum, sha256sum, gzip, awk, fork/exec)
# on jitpc and QEMU TCG; see bench/README.md.
bench-linux: build
	@bench/linux.sh --build $(BUILD)
