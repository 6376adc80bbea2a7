# GAN Labs. Quick start: `make reports` (regenerate every lab's report), `make test`.
VENV    ?= .venv
PYTHON  ?= python3
PROFILE ?= cpu
LABS    ?= mnist cgan dcgan inversion cyclegan
BIN     := $(VENV)/bin
PY      := $(BIN)/python
# Kernels started by papermill and nbval must find the venv's python first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: venv test reports index golden judge clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Unit tests and nbval over the golden smoke notebooks in tests/notebooks/.
test: venv
	GANLIB_HEADLESS=1 GANLIB_OUT_DIR=$(CURDIR)/build/nbval $(PY) -m pytest tests -rs \
		--nbval --nbval-current-env --sanitize-with tests/nbval_sanitize.cfg

# Every lab with PROFILE (cpu by default), then reports/index.html.
reports: venv
	$(PY) -m ganlib reports --profile $(PROFILE) --labs $(LABS)

index: venv
	$(PY) -m ganlib index

# Regenerate the golden notebooks after changing a notebook or what it prints.
golden: venv
	mkdir -p tests/notebooks
	for lab in $(LABS); do \
		$(PY) -m ganlib run $$lab --profile smoke --out build/golden/$$lab && \
		cp build/golden/$$lab/$$lab.ipynb tests/notebooks/$$lab.ipynb || exit 1; \
	done

# Retrain the judges (weights cached in data/judges/).
judge: venv
	$(PY) -m ganlib judge train mnist
	$(PY) -m ganlib judge train iclevr

clean:
	rm -rf build reports/*/smoke reports/*/interactive
