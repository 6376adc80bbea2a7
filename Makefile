# GAN Labs. Quick start: `make reports` (regenerate every lab's report), `make test`.
VENV    ?= .venv
PYTHON  ?= python3
PROFILE ?= cpu
LABS    ?= cgan dcgan mnist cyclegan inversion
BIN     := $(VENV)/bin
PY      := $(BIN)/python
# Kernels started by papermill and nbval must find the venv's python first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: venv test test-notebooks reports index golden judge gpu-check clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml jupyter/overrides.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	# an editable install skips data files: JupyterLab's setting that saves the explorer's widget state
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

# torch.compile's kernel cache is keyed by the CPU, not by ATEN_CPU_CAPABILITY: a run that simulates
# another instruction set must not load kernels built for this one, so each gets a cache of its own.
PYTEST  := GANLIB_HEADLESS=1 GANLIB_OUT_DIR=$(CURDIR)/build/nbval \
	TORCHINDUCTOR_CACHE_DIR=$(CURDIR)/build/inductor-$(or $(ATEN_CPU_CAPABILITY),native) \
	$(PY) -m pytest -rs --durations=25 --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# Unit tests, nbval over the golden smoke notebooks in tests/notebooks/ (numbers masked), and
# those runs' metrics against tests/golden/ within measured tolerances.
test: venv
	$(PYTEST) tests

# The notebook tests alone; CI repeats them as another processor would compute, e.g.
#   ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 make test-notebooks
test-notebooks: venv
	$(PYTEST) tests/notebooks tests/test_golden_metrics.py

# Every lab with PROFILE (cpu by default), two at a time (WORKERS=1: one after another), then
# reports/index.html. LABS are started in order: the longest first, so that two at a time end together.
reports: venv
	$(PY) -m ganlib reports --profile $(PROFILE) --labs $(LABS) $(if $(WORKERS),--workers $(WORKERS))

index: venv
	$(PY) -m ganlib index

# Regenerate the golden notebooks and their outputs (figures, metrics) after changing a notebook.
golden: venv
	mkdir -p tests/notebooks
	for lab in $(LABS); do \
		$(PY) -m ganlib run $$lab --profile smoke --out build/golden/$$lab && \
		cp build/golden/$$lab/$$lab.ipynb tests/notebooks/$$lab.ipynb && \
		$(PY) tests/golden_outputs.py build/golden/$$lab tests/golden/$$lab.json || exit 1; \
	done

# On a CUDA machine: make test, every smoke profile on the GPU, the throughput benchmark there and the
# mnist full profile timed; one table at the end (benchmarks/gpu_check.sh).
gpu-check: venv
	bash benchmarks/gpu_check.sh

# Retrain the judges (weights cached in data/judges/).
judge: venv
	$(PY) -m ganlib judge train mnist
	$(PY) -m ganlib judge train iclevr

clean:
	rm -rf build reports/*/smoke reports/*/interactive
