# The web consoles (api/console): included by the Makefile, run from the repository root.
#
#   console-deps      npm ci from the pinned lockfile; Debian's chromium (and a CJK font for
#                     readable screenshots) when missing
#   console-generate  TypeScript types from openapi.yaml and the emulator's control spec, then
#                     the Vite builds into api/console/dist (embedded by api/console/console.go)
#   console-test      type check, unit tests (vitest), then the browser tests: Chromium against
#                     bin/wxmp serve with its embedded PostgreSQL and emulator; screenshots go
#                     to .data/console-screenshots/
#   console-check     regenerate and fail if a generated file differs from git
#   console-screenshots  the browser tests, also refreshing api/console/screenshots/ (README)

CONSOLE_DIR      := api/console
CONSOLE_NPM      := cd $(CONSOLE_DIR) && npm
CONSOLE_CHROMIUM ?= /usr/bin/chromium
# What console-generate owns (committed; console-check compares them with git).
CONSOLE_GENERATED := $(CONSOLE_DIR)/dist $(CONSOLE_DIR)/src/shared/api.gen.d.ts $(CONSOLE_DIR)/src/shared/emulator-api.gen.d.ts

.PHONY: console-deps console-generate console-test console-check console-screenshots console-browser

console-deps: $(CONSOLE_DIR)/node_modules/.installed console-browser

$(CONSOLE_DIR)/node_modules/.installed: $(CONSOLE_DIR)/package.json $(CONSOLE_DIR)/package-lock.json
	$(CONSOLE_NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

# playwright-core drives the machine's Chromium; it never downloads a browser of its own.
console-browser:
	@test -x $(CONSOLE_CHROMIUM) || { echo "installing Debian's chromium"; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@fc-list :lang=zh 2>/dev/null | grep -q . || { echo "installing a CJK font (screenshots of the zh-CN pages)"; \
		apt-get install -y -qq fonts-wqy-microhei >/dev/null || echo "no CJK font: screenshots will show boxes"; }

console-generate: $(CONSOLE_DIR)/node_modules/.installed
	$(CONSOLE_NPM) run --silent generate

# bin/wxmp is built here, after the consoles it embeds, so that it serves these very pages.
console-test: console-deps
	$(CONSOLE_NPM) run --silent typecheck
	$(CONSOLE_NPM) run --silent test:unit
	$(GO) build -o bin/wxmp ./app
	cd $(CONSOLE_DIR) && WXMP_BIN=$(CURDIR)/bin/wxmp CHROMIUM=$(CONSOLE_CHROMIUM) npm run --silent test:e2e

console-screenshots: console-deps
	$(GO) build -o bin/wxmp ./app
	cd $(CONSOLE_DIR) && UPDATE_SCREENSHOTS=1 WXMP_BIN=$(CURDIR)/bin/wxmp CHROMIUM=$(CONSOLE_CHROMIUM) npm run --silent test:e2e

console-check: console-generate
	@changed=$$(git status --porcelain --untracked-files=all -- $(CONSOLE_GENERATED)); \
	if [ -n "$$changed" ]; then \
		echo "The consoles' generated files differ from git; run 'make console-generate' and commit:"; \
		echo "$$changed"; exit 1; \
	fi; echo "console builds are up to date"
