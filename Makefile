# Set-up is part of every target: a fresh machine needs only Python 3.10+ and make.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: app test lint bench browser-deps screenshots

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[app,dev,postgres,cluster]'
	$(VENV)/bin/pelvic-screen model --install
	touch $(STAMP)

## Start the app on http://localhost:8501
app: $(STAMP)
	$(VENV)/bin/streamlit run app.py

## Run the whole test suite (installs Chromium for the browser test when run as root)
test: $(STAMP) browser-deps
	$(VENV)/bin/ruff check screening tests app.py validation tools benchmarks
	$(VENV)/bin/pytest

browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed: the browser test will be skipped"; fi; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check screening tests app.py validation tools benchmarks

## Screenshots of the app's pages into docs/screenshots (runs the browser tests)
screenshots: $(STAMP) browser-deps
	PELVIC_SCREEN_SCREENSHOTS=docs/screenshots $(VENV)/bin/pytest -m browser

## Speed and batch-throughput benchmarks (print JSON; see docs/BENCHMARK.md)
bench: $(STAMP)
	$(PY) benchmarks/speed.py
	$(PY) benchmarks/throughput.py
