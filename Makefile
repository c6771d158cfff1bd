# Two commands do everything on a fresh Debian 12 machine (they install what they need first):
#   make demo   build, then run the monitor on the bundled demo capture
#   make test   build with ASan+UBSan, then run every test (unit, golden, corpus replay, e2e)
#   make testbed SCENARIO=rogue-programming   (root) a simulated ward in network namespaces,
#               one labelled capture in testbed-out/SCENARIO (testbed/README.md)
#   make demo-capture   (root) regenerate demo/ from the testbed's ward-day scenario
# Other targets: build (release), bench (benchmarks over a large capture), fuzz (libFuzzer
# build), format, clean.

SHELL := /bin/bash
JOBS ?= $(shell nproc)
DEMO_OUT ?= demo-out

.PHONY: all deps build build-asan demo demo-capture test testbed bench fuzz format clean

all: build

deps:
	@scripts/install-deps.sh --quiet

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

# The demo needs only the ward binary: build just that target (make build builds everything).
demo: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target ward
	@rm -rf $(DEMO_OUT) && mkdir -p $(DEMO_OUT)
	build/release/ward monitor --read demo/ward-demo.pcap --policy demo/ward.yaml \
	  --out $(DEMO_OUT)/logs --db $(DEMO_OUT)/ward.db --phi-key $(DEMO_OUT)/phi.key --seed 1

test: build-asan
	ctest --preset asan -j $(JOBS)

SCENARIO ?= rogue-programming
testbed: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target ward ward-sim
	WARD_SIM=build/release/ward-sim testbed/run $(SCENARIO) --out testbed-out/$(SCENARIO)

# The demo capture and its labels come from the testbed (demo/README.md); needs root.
demo-capture: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target ward ward-sim
	WARD_SIM=build/release/ward-sim testbed/make_demo.sh

bench: build
	bench/run_bench.sh

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	@echo "fuzzers in build/fuzz/fuzz/ (see docs/fuzzing.md)"

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build $(DEMO_OUT) testbed-out
