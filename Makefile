# robustcam: every target installs what it needs into .venv first (from nothing on a fresh machine).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-nbs test-py check-export readme docs paper reproduce bench chromium poppler clean

# (Re)install when pyproject.toml's content changed (not its mtime: nbdev-export rewrites the file in place).
install:
	@h=$$(sha256sum pyproject.toml | cut -c1-16); \
	if [ "$$(cat $(STAMP) 2>/dev/null)" != "$$h" ]; then \
	  set -e; test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
	  $(BIN)/pip install -q --upgrade pip; \
	  $(BIN)/pip install -q -e '.[dev]'; \
	  echo "$$h" > $(STAMP); fi

## The main job: Grad-CAM overlays of scikit-image's bundled photos, offline EfficientNet-Lite0 -> results/demo/
demo: install
	$(BIN)/robustcam samples results/demo/inputs
	$(BIN)/robustcam explain results/demo/inputs/*.png --arch efficientnet_lite0 --num-aug 6 --fusion mean --out results/demo
	@echo "Done: open results/demo/index.html (the run report: each photo's panel, least trustworthy first). The README's figure is nbs/images/robustcam_demo.png (drawn by nbs/index.ipynb)."

## The test suite: notebooks clean, export in sync, README in sync, notebook tests, pytest (peer cross-checks, docs in Chromium)
test: install chromium poppler check-export test-nbs test-py

check-export: install
	$(BIN)/nbdev-clean
	$(BIN)/nbdev-export
	$(BIN)/python tools/readme.py
	@if [ -n "$$(git status --porcelain -- nbs robustcam README.md)" ]; then \
	  git status --porcelain -- nbs robustcam README.md; \
	  echo "nbdev-clean, nbdev-export or the README build changed files: run them ('make check-export') and commit"; exit 1; fi

test-nbs: install
	$(BIN)/nbdev-test --n-workers 2

test-py: install
	OMP_NUM_THREADS=1 $(BIN)/pytest -q -rs --durations=25 -n 2 --dist loadfile tests

## README.md is generated from nbs/index.ipynb: its cells run (the findings table reads results/tables/), then nbconvert (nbdev-readme needs Quarto)
readme: install
	$(BIN)/python tools/readme.py

## Documentation: nbdev-docs where Quarto is installed, else the static HTML fallback in _site/
docs: install
	if command -v quarto >/dev/null; then $(BIN)/nbdev-docs; else $(BIN)/python tools/docsite.py --out _site; fi

## The manuscript papers/paper.html and papers/paper.pdf (headless Chromium), generated from results/tables and results/figures (Quarto HTML+PDF too where installed)
paper: install chromium
	$(BIN)/python tools/paper.py --results results --out papers

## Every experiment notebook (papermill, defaults), then the manuscript and the docs; one line per stage with its wall time.
## SMOKE=1: tiny parameters into a temporary folder (CI). ARCHS=efficientnet_lite0: the per-network notebooks (10, 20) on
## that network alone (default: Lite0, Lite1 and Lite2). Two lanes side by side by default (the main network's stages and
## the other networks', balanced by the last stage times in results/tables/run_times.csv); JOBS=1: one stage at a time.
## Stops at the first failing stage, keeping earlier results.
reproduce: install chromium
	$(BIN)/python tools/reproduce.py $(if $(SMOKE),--smoke) $(if $(ARCHS),--archs $(ARCHS)) $(if $(JOBS),--jobs $(JOBS))

bench: install
	$(BIN)/python benchmarks/bench_gradcam.py
	$(BIN)/python benchmarks/bench_robustcam.py

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## pdftoppm, pdfinfo and pdftotext, with which the tests check the manuscript's PDF
poppler:
	@command -v pdftoppm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }

clean:
	rm -rf _proc _docs _site .pytest_cache
