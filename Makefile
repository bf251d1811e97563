# Glass Box: build, test and serve the book.  `make help` lists the targets.
#
# Every target that needs Python sets up .venv first: created with $(PYTHON),
# filled with the pinned packages of requirements.txt, the helper package
# installed editable, and the venv's Jupyter kernel registered. The venv is
# rebuilt only when requirements.txt changes.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
MIN_PYTHON := 3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.glassbox-installed
# One kernel more than cores: a starting kernel spends part of its time waiting.
JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))
PORT ?= 8000
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k diagrams"`.
PYTEST_ARGS ?=
# Extra arguments for the benchmark, e.g. `make bench BENCH_ARGS=--stress`.
BENCH_ARGS ?=

.PHONY: help book test serve clean preview lint lock check-python browser validator bench lighthouse publish pdf epub tex epubcheck

help: ## List the targets
	@echo "Glass Box. Usage: make <target>"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  %-10s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: PYTHON=$(PYTHON) (interpreter for .venv, needs $(MIN_PYTHON)+), JOBS=$(JOBS) (chapters executed at once), PORT=$(PORT)"

check-python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: '$(PYTHON)' was not found. Glass Box needs Python $(MIN_PYTHON) or newer;"; \
	  echo "       install it, or point make at it: make book PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < tuple(map(int, "$(MIN_PYTHON)".split("."))))' || { \
	  echo "error: Glass Box needs Python $(MIN_PYTHON) or newer, but '$(PYTHON)' is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())')."; \
	  echo "       Install Python $(MIN_PYTHON)+ and run: make book PYTHON=/path/to/python$(MIN_PYTHON)"; exit 1; }

$(STAMP): requirements.txt
	@$(MAKE) check-python
	@echo "[setup] creating $(VENV) with $$($(PYTHON) --version) and the pinned packages (first time: a few minutes)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (Glass Box)"
	@touch $(STAMP)
	@echo "[setup] $(VENV) is ready"

book: $(STAMP) ## Execute every chapter and build the HTML book in _build/html
	$(BIN)/python scripts/build_book.py --jobs $(JOBS)

# The print editions first: the HTML build offers what they left in _build/print.
test: pdf epub book browser validator ## Build the book (HTML, PDF, EPUB), then run the whole test suite
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)

pdf: $(STAMP) tex ## The whole book as one PDF (XeLaTeX): _build/print/glass-box.pdf
	$(BIN)/python scripts/build_print.py pdf --jobs $(JOBS)

epub: $(STAMP) epubcheck ## The whole book as an EPUB, checked by epubcheck: _build/print/glass-box.epub
	$(BIN)/python scripts/build_print.py epub --jobs $(JOBS)

preview: $(STAMP) ## Build one chapter alone: make preview CHAPTER=book/part/file.md
	@test -n "$(CHAPTER)" || { echo "usage: make preview CHAPTER=book/<part>/<chapter>.md"; exit 2; }
	$(BIN)/python scripts/preview_chapter.py $(CHAPTER)

serve: ## Serve the built book on http://localhost:8000 (PORT=...)
	@test -f _build/html/index.html || { echo "No book built yet: run 'make book' first."; exit 1; }
	@echo "Serving _build/html on http://localhost:$(PORT) (Ctrl-C to stop)"
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

bench: $(STAMP) browser lighthouse ## Measure builds, tests and Lighthouse scores (BENCH_ARGS=--stress | --lighthouse-only)
	$(BIN)/python scripts/bench.py --jobs $(JOBS) $(BENCH_ARGS)

# Where `make publish` pushes the built HTML: a remote name, URL or path, and the
# branch (by default the pages branch set in _config.yml).
REMOTE ?= origin
BRANCH ?=

publish: $(STAMP) ## Build the book and push it to the pages branch (REMOTE=origin BRANCH=gh-pages)
	$(BIN)/python scripts/publish.py --check
	@$(MAKE) pdf epub book
	$(BIN)/python scripts/publish.py --remote $(REMOTE) $(if $(BRANCH),--branch $(BRANCH))

lint: $(STAMP) ## Check code style with ruff
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

lock: check-python ## Re-resolve requirements.in into the frozen requirements.txt
	$(PYTHON) scripts/lock.py

browser: ## Install Chromium for the browser tests (as root; others get a skip)
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "[setup] installing Chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "[setup] no /usr/bin/chromium and not root: browser tests will be skipped"; fi

# TeX for the PDF, from Debian's packages (never a downloaded browser or TeX).
TEX_PACKAGES := texlive-xetex texlive-latex-extra texlive-fonts-recommended latexmk fonts-freefont-otf poppler-utils

tex: ## Install TeX for the PDF (as root; elsewhere make pdf names what is missing)
	@if command -v xelatex >/dev/null && command -v latexmk >/dev/null && command -v pdftotext >/dev/null \
	  && kpsewhich newunicodechar.sty >/dev/null && fc-list FreeSerif | grep -q .; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "[setup] installing TeX for the PDF (a few minutes)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	else echo "[setup] TeX incomplete and not root: make pdf will say what to install"; fi

epubcheck: ## Install epubcheck for the EPUB (as root; others get a skip)
	@if command -v epubcheck >/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "[setup] installing epubcheck for the EPUB"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends epubcheck >/dev/null; \
	else echo "[setup] no epubcheck and not root: the EPUB is built but not checked"; fi

# The W3C Nu HTML checker, pinned, from the npm registry; it runs on Java.
VNU_VERSION := 26.9.27
VNU_JAR := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar

validator: ## Install the Nu HTML checker for the page-validity tests (Java from apt as root)
	@if ! command -v java >/dev/null && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "[setup] installing Java for the HTML checker"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; fi
	@if [ -f $(VNU_JAR) ]; then :; \
	elif command -v npm >/dev/null; then \
	  echo "[setup] installing the Nu HTML checker (vnu-jar $(VNU_VERSION))"; \
	  mkdir -p $(VENV)/vnu && npm install --prefix $(VENV)/vnu --no-audit --no-fund --ignore-scripts --silent vnu-jar@$(VNU_VERSION); \
	else echo "[setup] no npm: the HTML validity tests will be skipped"; fi

# Lighthouse, pinned, from the npm registry, for `make bench` (not for `make test`);
# it drives Debian's Chromium (/usr/bin/chromium, `make browser`).
LIGHTHOUSE_VERSION := 12.8.2
LIGHTHOUSE := $(VENV)/lighthouse/node_modules/.bin/lighthouse

lighthouse: ## Install Lighthouse for `make bench` (needs npm)
	@if [ -x $(LIGHTHOUSE) ]; then :; \
	elif command -v npm >/dev/null; then \
	  echo "[setup] installing Lighthouse $(LIGHTHOUSE_VERSION)"; \
	  mkdir -p $(VENV)/lighthouse && npm install --prefix $(VENV)/lighthouse --no-audit --no-fund --ignore-scripts --silent lighthouse@$(LIGHTHOUSE_VERSION); \
	else echo "[setup] no npm: make bench cannot run Lighthouse"; exit 1; fi

clean: ## Remove build outputs and the execution cache (keeps .venv)
	rm -rf _build .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# A typo or unknown target: say so and list the real ones.
.DEFAULT:
	@echo "make: unknown target '$@'."
	@echo
	@$(MAKE) help
	@exit 2
