GO ?= go
BIN := bin

.PHONY: build test test-race lint demo clean bench-gate bench-specs bench-scale bench-rules bench-ha

# What slod --version and sloctl version print (internal/version); without
# a tag the version is "dev". Override on the command line for a release.
VERSION ?= $(shell git describe --tags --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
VERSION_PKG := github.com/slo-dev/slo/internal/version
LDFLAGS := -X $(VERSION_PKG).version=$(VERSION) -X $(VERSION_PKG).commit=$(COMMIT) -X $(VERSION_PKG).date=$(DATE)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/...

# Integration tests need prometheus/promtool, victoria-metrics and chromium (see .ci/run);
# without them they skip locally and fail when CI is set.
test: lint test-race
	$(GO) test -count=1 -timeout 25m ./...

# The packages whose goroutines share state, under the race detector (it
# needs cgo, which go-sqlite3 needs anyway).
RACE_PKGS := ./internal/cluster ./internal/engine ./internal/gate ./internal/notify ./internal/prom ./internal/server ./internal/store ./internal/watch

test-race:
	$(GO) test -race -count=1 -timeout 10m $(RACE_PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# One command from a fresh checkout: builds bin/, serves 35 days of
# synthetic traffic for slos/ from an embedded Prometheus-compatible source
# (cmd/slo-demo), runs slod against it and prints the dashboard URL.
# Ctrl-C stops both.
demo: build
	@bash scripts/demo.sh

# GET can-deploy against a bare gin JSON handler, side by side in one run
# (8 workers on loopback, a real Prometheus behind slod).
bench-gate:
	$(GO) test -run '^$$' -bench CanDeploy -benchtime 16000x ./test/integration

# What loading hostile spec files costs (huge files, thousands of
# problems, alias bombs): B/op allocated and MB retained per load.
bench-specs:
	$(GO) test -run '^$$' -bench HostileSpecs -benchtime 1x ./internal/slo

# What slod costs Prometheus with 1,000 SLOs over 31 days of history: one
# naive cycle (every window queried whole), slod's backfill and its
# steady-state cycles, in CPU-seconds net of Prometheus idling, for the
# 30d and 7d windows (about 15 minutes). Knobs: SLOS, SLOS_PER_SERVICE,
# WINDOWS, CYCLES, INTERVAL, BACKFILL_TIMEOUT (see test/scale).
bench-scale:
	$(GO) test -run '^$$' -bench Scale -benchtime 1x -timeout 60m ./test/scale

# sloctl rules generate on 1,000 and 10,000 SLOs (SLOS=n for one size),
# as one file and split by service: wall and CPU time, peak RSS, output
# size.
bench-rules:
	$(GO) test -run '^$$' -bench RulesGenerate -benchtime 1x -timeout 30m ./test/rulescale

# Three slod replicas on one PostgreSQL (started by the test, Debian
# package postgresql): audited POSTs and GETs of can-deploy sent to one
# replica and spread over three, same clients, same run.
bench-ha:
	$(GO) test -run '^$$' -bench HAThroughput -benchtime 1x -timeout 10m ./test/chaos

clean:
	rm -rf $(BIN)
