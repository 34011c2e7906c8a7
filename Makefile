# Vigil — the two commands that matter: `make run` and `make test`.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build build-server build-js run test bench fuzz contract clean

all: build

deps:
	@scripts/install-deps.sh build

build-server: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null
	@ninja -C $(BUILD) -j$(JOBS)

build-js: deps
	@npm run --silent --if-present build:sdk
	@npm run --silent --if-present build:dashboard

# Everything: the server (build/bin/vigil), tests, benchmarks, the SDK bundles and the dashboard.
build: build-server build-js

# Starts `vigil serve` on 127.0.0.1:8080 with ./vigil-data and prints the URL, login and DSN.
run: build
	@scripts/run.sh

# The whole suite (what CI runs through .ci/run).
test:
	@scripts/install-deps.sh test
	@$(MAKE) --no-print-directory build
	@scripts/test.sh

bench: build
	@scripts/bench.sh

# Runs the libFuzzer targets (clang) for FUZZ_SECONDS each (default 60).
fuzz: deps
	@scripts/install-deps.sh test
	@scripts/fuzz.sh run

contract: build
	@bash ../shared/checks/contract.sh

clean:
	rm -rf $(BUILD) build-fuzz
