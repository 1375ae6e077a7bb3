# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

ASSETS := services/console/static/vendor/.built

.PHONY: run test test-unit bench stack-up stack-down contracts compose-check clean lock audit console-assets

# Every dependency from the lock, each checked against its hashes; the project itself on top.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## The console's front-end packages from npm (package-lock.json), copied where it serves them.
$(ASSETS): services/console/web/package.json services/console/web/package-lock.json
	npm ci --prefix services/console/web --no-audit --no-fund --loglevel=error
	mkdir -p services/console/static/vendor
	cp services/console/web/node_modules/htmx.org/dist/htmx.min.js \
	   services/console/web/node_modules/echarts/dist/echarts.min.js services/console/static/vendor/
	touch $@

console-assets: $(ASSETS)

## Re-resolve the lock after changing pyproject.toml's dependencies (uv, hashes for Linux).
lock: $(STAMP)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu -o requirements.lock

## Known vulnerabilities of the locked dependencies; exits 1 on any (pip-audit).
audit: $(STAMP)
	$(BIN)/python tools/audit.py --strict

## Whole system: dev stack (Kafka), the four services and the demo generator.
run: $(STAMP) $(ASSETS)
	MCU_DEMO=true $(BIN)/mcu run

## Whole suite on real parts: Kafka and PostgreSQL are started first.
test: $(STAMP) $(ASSETS)
	$(BIN)/lint-imports
	$(BIN)/mcu stack up --postgres
	$(BIN)/pytest

## Pure tests only (no real part), milliseconds.
test-unit: $(STAMP)
	$(BIN)/pytest tests/unit

## Throughput figures as ratios to a raw aiokafka round trip in the same run.
bench: $(STAMP)
	command -v wrk >/dev/null || apt-get install -y -qq wrk || true
	$(BIN)/mcu stack up --postgres
	MCU_DEMO=true $(BIN)/python -m bench

stack-up: $(STAMP)
	$(BIN)/mcu stack up --postgres

stack-down: $(STAMP)
	$(BIN)/mcu stack down

contracts: $(STAMP)
	$(BIN)/mcu contracts generate

## docker-compose.yml is checked for syntax only: no Docker engine runs here.
compose-check:
	POSTGRES_PASSWORD=check CLICKHOUSE_PASSWORD=check docker-compose -f docker-compose.yml config --quiet

clean:
	-$(BIN)/mcu stack down
	rm -rf var
