# Tuijin — the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
export GOTOOLCHAIN := local
export GOFLAGS := -buildvcs=false

BIN       := $(CURDIR)/bin
TOOLS     := $(BIN)/tools
BUF       := $(TOOLS)/buf
PROTOC_GEN_GO := $(TOOLS)/protoc-gen-go
BUF_VERSION := v1.75.0
PROTOC_GEN_GO_VERSION := v1.36.12

SERVICES := intake ledger deadline coordination-meeting notification portal
# Every module of the workspace: go vet and go test run over all of them.
MODULES := ./pkg/... ./services/intake/... ./services/ledger/... ./services/deadline/... \
	./services/coordination-meeting/... ./services/notification/... ./services/portal/... ./tools/... ./e2e/... ./deploy/...

.PHONY: run build test vet fuzz bench bench-deadline bench-ledger proto proto-check dashboards tools clean

## run: start the whole system locally (embedded NATS + FerretDB + demo data). Ctrl-C stops it.
run: build
	$(BIN)/tuijin-local --data .tuijin --bin $(BIN)

## build: compile the five services, the portal and the local launcher into bin/
build:
	go build -o $(BIN)/ $(foreach s,$(SERVICES),./services/$(s)/cmd/$(s)) ./tools/cmd/tuijin-local

## test: vet and run every test of every module (real NATS and FerretDB, started by the tests)
test: vet
	go test -count=1 -timeout 30m $(MODULES)

vet:
	@test -z "$$(gofmt -l pkg services tools e2e deploy)" || { gofmt -l pkg services tools e2e deploy; echo "gofmt needed"; exit 1; }
	go vet $(MODULES)

## fuzz: run every fuzz target (HTTP decoders, importer, event decoder, calendar) for FUZZTIME each (default 20000x: executions, see tools/fuzz.sh)
FUZZTIME ?= 20000x
fuzz:
	FUZZTIME=$(FUZZTIME) tools/fuzz.sh

## bench: publisher, consumer runner and end-to-end benchmarks
bench:
	go test -run '^$$' -bench . -benchtime 2s ./pkg/bus/... ./pkg/outbox/...

## bench-deadline: 10,000 deadline timers due at once among TUIJIN_BENCH_TIMERS (default 1,000,000); TUIJIN_BENCH_ROUNDS batches over one load (default 1)
# measured 2026-12-03 on the 2-core box (figures in services/deadline/README.md), six rounds at 1,000,000:
#   lag p99 887, 790, 954, 785, 516, 790 ms, each batch fired 10000 once (96-180µs of CPU a fire, no GC cycle in a burst:
#   the load's garbage is collected before the instant; without that, 1536, 1169, 927 ms);
#   TUIJIN_BENCH_ROUNDS=3: p99 614, 812, 713 ms
TUIJIN_BENCH_ROUNDS ?= 1
bench-deadline:
	go test -run '^$$' -bench FireDueBatch -benchtime $(TUIJIN_BENCH_ROUNDS)x -timeout 60m ./services/deadline/internal/deadline/

## bench-ledger: department actions over HTTP with 1 and 8 clients, in rounds alternating with bare writes of the same documents in the same store (ratio goal: half)
bench-ledger:
	go test -run '^$$' -bench ActionPath -benchtime 400x -timeout 30m ./services/ledger/internal/transport/

tools: $(BUF) $(PROTOC_GEN_GO)
$(BUF):
	GOBIN=$(TOOLS) go install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)
$(PROTOC_GEN_GO):
	GOBIN=$(TOOLS) go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)

## proto: lint the event definitions and regenerate pkg/gen
proto: tools
	PATH=$(TOOLS):$$PATH $(BUF) lint
	PATH=$(TOOLS):$$PATH $(BUF) generate

## proto-check: fail if the committed generated code differs from what buf generates
proto-check: tools
	@tmp=$$(mktemp -d); \
	PATH=$(TOOLS):$$PATH $(BUF) lint && \
	PATH=$(TOOLS):$$PATH $(BUF) generate --template '{"version":"v2","plugins":[{"local":"protoc-gen-go","out":"'$$tmp'","opt":"paths=source_relative"}]}' && \
	diff -r $$tmp pkg/gen && echo "generated code is up to date"; rc=$$?; rm -rf $$tmp; exit $$rc

## dashboards: regenerate the Grafana dashboard JSON from deploy/grafana (a test fails when it is stale)
dashboards:
	go run ./deploy/grafana/cmd/gen-dashboard -o k8s/base/grafana/tuijin-operations.json

clean:
	rm -rf $(BIN)
