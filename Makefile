# alignctl: `make demo` runs the whole cycle on the bundled example,
# `make test` checks go.mod is tidy, runs vet and every test (with the race
# detector).
GO      ?= go
BIN     := bin/alignctl
DEMO    := out/demo
NOW     ?= 2026-11-23T09:00:00Z
RUN     := ../../$(BIN) --config config --state state.duckdb --now $(NOW)

.PHONY: build test vet tidy-check demo fuzz clean bench bench-smoke acceptance

build:
	$(GO) build -o $(BIN) ./cmd/alignctl

vet:
	$(GO) vet ./...

# go.mod must say what the code imports: `go mod tidy -diff` prints the
# difference and exits non-zero when there is one (fix: go mod tidy).
tidy-check:
	$(GO) mod tidy -diff

test: tidy-check vet
	$(GO) test -race -count=1 -timeout 20m ./...

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

# Fuzz every parser for a bounded time (FUZZTIME per target); make test runs
# the same targets over their seed corpora (testdata/fuzz). docs/reliability.md.
# FUZZMINIMIZE bounds the minimizing of each new interesting input (Go's
# default, 60s, holds a worker at 0 execs a second while it minimizes).
FUZZTIME ?= 20s
FUZZMINIMIZE ?= 1s
FUZZ = -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) -fuzz
fuzz:
	$(GO) test ./schema $(FUZZ) '^FuzzLoad$$'
	$(GO) test ./schema $(FUZZ) '^FuzzSplitIn$$'
	$(GO) test ./schema $(FUZZ) '^FuzzParseMatch$$'
	$(GO) test ./query $(FUZZ) '^FuzzCheckCSV$$'
	$(GO) test ./query $(FUZZ) '^FuzzStageCSV$$'
	$(GO) test ./crm/vault $(FUZZ) '^FuzzDecodeResponse$$'
	$(GO) test ./reconcile/jsonplan $(FUZZ) '^FuzzPlanElementJSON$$'
	$(GO) test ./reconcile/jsonplan $(FUZZ) '^FuzzCRMFieldsUnmarshal$$'

clean:
	rm -rf bin out

# The CLI at scale (docs/benchmarks.md): generate an alignment with
# examples/scale, run validate -> import -> plan -> apply -> push -> re-plan
# -> plan after a change to 1% of the rules (-> plan after a one-rule
# change), and a hand-written DuckDB baseline, once per rule mix, and write
# the figures into docs/benchmarks.md. Territories and criteria scale with
# the accounts (25,000 and 50,000 at 5M). Several sizes side by side:
#   make bench BENCH_ACCOUNTS=100000,1000000,5000000
#   make bench BENCH_MIXES=zip-lists
BENCH_ACCOUNTS ?= 1000000
BENCH_MIXES    ?= templates,zip-lists,specialty-lists,many-criteria,multi-row,expressions
BENCH_TIMEOUT  ?= 30m
bench: build
	$(GO) run ./examples/bench -alignctl $(BIN) -accounts $(BENCH_ACCOUNTS) -mixes $(BENCH_MIXES) -timeout $(BENCH_TIMEOUT) \
		-command "make bench BENCH_ACCOUNTS=$(BENCH_ACCOUNTS) BENCH_MIXES=$(BENCH_MIXES)"

# The same cycle at 100k accounts, for CI, on the default mix and the ZIP
# lists: fails if a step fails or the re-plan after apply and push is not
# empty; prints the table, writes no doc.
bench-smoke: build
	$(GO) run ./examples/bench -alignctl $(BIN) -accounts 100000 -mixes templates,zip-lists -doc "" -work out/bench-smoke

# The acceptance suite against a real sandbox Vault (README.md, "Acceptance
# suite"): the live connector contract, then import -> plan -> apply -> push
# -> re-plan, creating territories only under the prefix and deleting them.
# Without the variables it says what to set, runs nothing and claims no pass.
ACC_VARS := ALIGNCTL_ACC_VAULT_URL ALIGNCTL_ACC_VAULT_USERNAME ALIGNCTL_ACC_VAULT_PASSWORD ALIGNCTL_ACC_TERRITORY_PREFIX
acceptance:
	@missing=""; for v in $(ACC_VARS); do [ -n "$$(printenv $$v)" ] || missing="$$missing $$v"; done; \
	if [ -n "$$missing" ]; then \
		echo "acceptance: NOT RUN (nothing tested, no pass claimed): set$$missing"; \
		echo "  ALIGNCTL_ACC_VAULT_URL         https://{sandbox}.veevavault.com"; \
		echo "  ALIGNCTL_ACC_VAULT_USERNAME    the sandbox integration user"; \
		echo "  ALIGNCTL_ACC_VAULT_PASSWORD    its password (never printed)"; \
		echo "  ALIGNCTL_ACC_TERRITORY_PREFIX  a territory name prefix the suite may create and delete under, e.g. ZZACC"; \
		echo "  optional: ALIGNCTL_ACC_VAULT_API_VERSION (v25.2), ALIGNCTL_ACC_COUNTRY (US)"; \
		exit 0; \
	fi; \
	$(GO) test -count=1 -v -run '^TestAcceptance(LiveContract|VaultCycle)$$' ./crm/vault ./cmd/alignctl
