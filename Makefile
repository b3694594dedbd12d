# skewgate developer entry points. `make` lists them; README.md gives the two that matter:
# `make demo` and `make test`. Every target installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help deps build test test-unit test-asan test-cluster test-faults fuzz \
        cluster-up cluster-down demo demo-down bench bench-scale fmt fmt-check control-plane tools clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

deps: ## install build, test and demo dependencies (idempotent)
	@bash hack/install-deps.sh

control-plane: deps ## build etcd, kube-apiserver, controller-manager, scheduler, kubectl, KWOK into ~/.cache/skewgate
	@bash hack/build-control-plane.sh >/dev/null

tools: deps ## build helm (pinned in hack/versions.env) into ~/.cache/skewgate/bin/tools
	@bash hack/build-helm.sh >/dev/null

build: deps ## build every binary, test and benchmark into build/
	@bash hack/build.sh build

test: deps control-plane tools ## everything CI runs: format, unit, ASan+UBSan unit, cluster and e2e tests, fuzzing
	@bash hack/test.sh

test-unit: deps ## unit tests only
	@SKEWGATE_TEST_PHASES=unit bash hack/test.sh

test-asan: deps ## unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
	@SKEWGATE_TEST_PHASES=asan bash hack/test.sh

test-cluster: deps control-plane tools ## cluster and e2e tests against the local control plane (starts it)
	@SKEWGATE_TEST_PHASES=cluster bash hack/test.sh

test-faults: deps control-plane ## fault tests at full size (controller kills, leader hand-over, API server restart + etcd compaction, 429s) on their own cluster (.cluster-faults)
	@bash hack/test-faults.sh

fuzz: deps ## run each libFuzzer target for a bounded time
	@SKEWGATE_TEST_PHASES=fuzz bash hack/test.sh

cluster-up: deps control-plane ## start the local control plane; kubeconfig in .cluster/kubeconfig
	@bash hack/cluster-up.sh

cluster-down: ## stop the local control plane and remove its state
	@bash hack/cluster-down.sh

demo: deps control-plane build ## run the product end to end on the local control plane
	@bash hack/demo.sh

demo-down: ## stop what `make demo` started (the cluster too)
	@bash hack/demo.sh --down

bench: deps build ## run the Google Benchmark suites; results in bench/results/
	@bash hack/bench.sh

bench-scale: deps control-plane build ## controller at scale: 1,000 ModelDeployments on a fresh cluster (.cluster-bench); COUNTS="1000 10000" for both
	@bash hack/bench-scale.sh $(or $(COUNTS),1000)

.PHONY: bench-closedloop
bench-closedloop: deps control-plane build ## closed loop on real processes: skew → abort latency, apply → promoted overhead, false rollbacks; results in bench/results/closedloop.{md,json}
	@bash hack/measure-closedloop.sh

fmt: ## clang-format every C++ file
	@bash hack/format.sh

fmt-check: ## fail if any C++ file is not clang-formatted
	@bash hack/format.sh --check

clean: ## remove build directories (not the control-plane cache)
	rm -rf build build-asan build-fuzz
