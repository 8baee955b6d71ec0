# alignctl: `make demo` runs the whole cycle on the bundled example,
# `make test` runs vet and every test (with the race detector).
GO      ?= go
BIN     := bin/alignctl
DEMO    := out/demo
NOW     ?= 2026-11-23T09:00:00Z
RUN     := ../../$(BIN) --config config --state state.duckdb --now $(NOW)

.PHONY: build test vet demo fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/alignctl

vet:
	$(GO) vet ./...

test: vet
	$(GO) test -race -count=1 ./...

# The demo works on a copy of the example, so it never changes tracked files.
demo: build
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	cp -R examples/config examples/crm $(DEMO)/
	cd $(DEMO) && $(RUN) validate
	cd $(DEMO) && $(RUN) import
	cd $(DEMO) && $(RUN) plan --out plan.json
	cd $(DEMO) && $(RUN) apply plan.json
	cd $(DEMO) && $(RUN) push
	cd $(DEMO) && $(RUN) plan --detailed-exitcode
	@echo "demo: done; the state and the pushed file CRM are in $(DEMO)"

# Fuzz every parser for a bounded time (FUZZTIME per target).
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./schema -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME)
	$(GO) test ./schema -run '^$$' -fuzz '^FuzzSplitIn$$' -fuzztime $(FUZZTIME)
	$(GO) test ./schema -run '^$$' -fuzz '^FuzzParseMatch$$' -fuzztime $(FUZZTIME)
	$(GO) test ./query -run '^$$' -fuzz '^FuzzCheckCSV$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin out
