SHELL := /bin/bash

# The two commands a newcomer needs: `make run` and `make test`.
# Every tool is pinned: Go tools in tools/tools.mod (run with `go tool`),
# Node tools in tools/package-lock.json and the mini-program's toolchain in
# miniprogram/package-lock.json (both installed with `npm ci`).

GO        ?= go
GOTOOL    := $(GO) tool -modfile=tools/tools.mod
SPECTRAL  := tools/node_modules/.bin/spectral
TSC       := miniprogram/node_modules/.bin/tsc
# Files that `make generate` owns; `make check-generated` fails if
# regenerating them changes a byte.
GENERATED := api/api.gen.go db/dbsqlc miniprogram/src/api/schema.d.ts miniprogram/client/dist

.PHONY: run reset test fuzz generate check-generated check-secrets lint build-boring bench-boring test-go test-miniprogram bench deps deps-postgres deps-node deps-miniprogram build clean

## run: serve the API with the WeChat emulator and a private PostgreSQL (no account needed)
# Emulator mode is the default only without DATABASE_URL. With one of your own, say the
# mode (WECHAT_MODE=emulator make run): make run never assumes it for an inherited URL.
run: deps-postgres
	$(GO) run ./app serve

## reset: forget make run's shop: the database, the emulator's state and the keys under
## DATA_DIR (stop make run first); the next make run starts afresh
DATA_DIR ?= .data
reset:
	@pid=$$(head -1 $(DATA_DIR)/postgres/postmaster.pid 2>/dev/null); \
	if [ -n "$$pid" ] && kill -0 "$$pid" 2>/dev/null; then \
		echo "make run is still running (its PostgreSQL is pid $$pid): stop it first"; exit 1; fi; \
	rm -rf $(DATA_DIR) && echo "forgot $(DATA_DIR): the next make run starts a new shop"

## test: everything CI runs
test: deps check-secrets check-generated lint test-go test-miniprogram console-test

## generate: regenerate the HTTP layer (oapi-codegen), the queries (sqlc), the mini-program's API types (openapi-typescript), its client package's JS (client/dist) and the consoles' built pages (api/console/dist)
generate: deps-miniprogram api/console/node_modules/.installed
	$(GO) generate ./api ./db
	cd miniprogram && npm run --silent generate
	$(CONSOLE_NPM) run --silent generate

check-generated:
	@before=$$(find $(GENERATED) -type f | sort | xargs sha256sum); \
	$(MAKE) --no-print-directory generate >/dev/null; \
	after=$$(find $(GENERATED) -type f | sort | xargs sha256sum); \
	if [ "$$before" != "$$after" ]; then \
		echo "Generated files were stale; run 'make generate' and commit:"; \
		diff <(echo "$$before") <(echo "$$after") || true; exit 1; \
	fi; echo "generated files are up to date"

# No key material in git: no tracked private key (PEM) and no *.key, *.pem,
# *.p12 or *.pfx file, except fixtures under a testdata/ folder, which are
# test keys by name. Keys belong in DATA_DIR (ignored) or a secret store.
check-secrets:
	@bad=$$(git ls-files -- ':!:**/testdata/**' ':!:testdata/**' | grep -E '\.(key|pem|p12|pfx)$$'; \
		git grep -l -I -E -e '-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----' -- ':!:**/testdata/**' ':!:testdata/**'); \
	if [ -n "$$bad" ]; then echo "Tracked key material (move it out of git, or under testdata/ if it is a test fixture):"; echo "$$bad"; exit 1; fi; \
	echo "no key material in git"

lint: deps-node
	$(SPECTRAL) lint openapi.yaml --fail-severity=error
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -name '*.gen.go' -not -path './db/dbsqlc/*' -not -path '*/node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test-go: deps-postgres
	$(GO) test -race -count=1 ./...
	@# Every query in the query modes a transaction pooler without prepared
	@# statements needs (README: "Behind a connection pooler").
	PGTEST_QUERY_EXEC_MODE=simple_protocol $(GO) test -count=1 ./adapters/postgres ./api
	PGTEST_QUERY_EXEC_MODE=exec $(GO) test -count=1 ./adapters/postgres ./api

## fuzz: every Go fuzz target (the doors: notifications, WeChat's answers, the
## request bodies, the emulator's APIs), one after the other, each for
## $(FUZZTIME). `make test` runs their seeds (testdata/fuzz) only. An input that
## fails is written to the package's testdata/fuzz: commit it with the fix.
fuzz: deps-postgres
	@set -eo pipefail; log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	for pkg in $$(grep -rl --include='*_test.go' --exclude-dir=node_modules '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			if ! $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $(FUZZFLAGS) $$pkg 2>&1 | tee $$log; then \
				if grep -q 'Failing input written' $$log || ! grep -q 'context deadline exceeded' $$log; then exit 1; fi; \
				echo "(no failing input: Go 1.26's fuzzer raced its own -fuzztime deadline, go.dev/issue/75804)"; \
			fi; \
		done; \
	done

FUZZTIME         ?= 20s
# A new input is shrunk for at most this many runs: Go's default (60s each)
# would eat a slow target's whole FUZZTIME. FUZZFLAGS=-parallel=1 spares a
# shared machine.
FUZZMINIMIZETIME ?= 200x
FUZZFLAGS        ?=

# The mini-program: type-check its programs (the mini-program itself, its client
# package, the jest tests, the Node end-to-end test; see miniprogram/tsconfig.json),
# then jest: the client's unit tests, WeChat's compilers (wcc/wcsc and miniprogram-ci)
# over the project, the component and page tests, and the end-to-end test, which
# runs the client against bin/wxmp serve.
test-miniprogram: deps-miniprogram deps-postgres build
	$(TSC) --noEmit -p miniprogram
	$(TSC) --noEmit -p miniprogram/client
	$(TSC) --noEmit -p miniprogram/test
	$(TSC) --noEmit -p miniprogram/test/e2e
	cd miniprogram && WXMP_BIN=$(CURDIR)/bin/wxmp npm test --silent

## bench: the load harness (service and emulator in their own processes, each
## scenario against the machine's floors; table + .data/bench.json), then the
## Go micro-benchmarks. Speeds are checked here, never in tests.
bench: deps-postgres build
	bin/wxmp bench -duration $(BENCH_DURATION) -concurrency $(BENCH_CONCURRENCY) -out .data/bench.json
	$(GO) test -run '^$$' -bench . -benchmem ./...

BENCH_DURATION    ?= 3s
BENCH_CONCURRENCY ?= 1,8,32,128

build:
	$(GO) build -o bin/wxmp ./app

## build-boring: opt-in build on BoringCrypto (cgo): RSA-2048 signs about
## 1.5x faster here, as fast as OpenSSL; every order signs twice.
build-boring:
	GOEXPERIMENT=boringcrypto CGO_ENABLED=1 $(GO) build -o bin/wxmp-boring ./app

## bench-boring: the load harness on the BoringCrypto build.
bench-boring: deps-postgres build-boring
	bin/wxmp-boring bench -duration $(BENCH_DURATION) -concurrency $(BENCH_CONCURRENCY) -out .data/bench-boring.json

deps: deps-postgres deps-node deps-miniprogram console-deps

# PostgreSQL server binaries (initdb, postgres) for the embedded cluster, and
# PgBouncer for the test that runs two instances behind it.
deps-postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		{ echo "installing PostgreSQL server binaries"; apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }
	@command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || \
		{ echo "installing PgBouncer"; apt-get update -qq && apt-get install -y -qq pgbouncer >/dev/null; }

deps-node: tools/node_modules/.installed

tools/node_modules/.installed: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# TypeScript, openapi-typescript, the wx typings, jest, miniprogram-simulate and
# WeChat's toolchain (miniprogram-compiler's wcc/wcsc, miniprogram-ci).
deps-miniprogram: miniprogram/node_modules/.installed

miniprogram/node_modules/.installed: miniprogram/package.json miniprogram/package-lock.json
	cd miniprogram && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

clean:
	rm -rf bin tools/node_modules miniprogram/node_modules $(CONSOLE_DIR)/node_modules

# The web consoles (operator and emulator): their own npm project and targets
# (included last, so that `make` alone still means `make run`).
include api/console/console.mk
GENERATED += $(CONSOLE_GENERATED)
