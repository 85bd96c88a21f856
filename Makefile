# Every target installs what it needs first, so each works on a fresh clone.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CORES  ?= all

# the results root that `make repair` checks
RESULTS ?= results

.PHONY: install reproduce quick smoke repair report test lint bench bench-dictionary fidelity remedy clean

install: $(STAMP)

# torch is pinned to the CPU build that pip finds on these machines' disk (a bare `torch`
# would pull a CUDA build of several GB). elasticdeform's PyPI wheel was built against
# NumPy 1, so it is built from source against NumPy 2 (needs gcc).
$(STAMP): pyproject.toml Makefile
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check "numpy>=2" setuptools wheel
	$(PY) -m pip install -q --disable-pip-version-check --no-binary elasticdeform \
		--no-build-isolation elasticdeform==0.5.1
	$(PY) -m pip install -q --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

reproduce: install
	$(VENV)/bin/snakemake --cores $(CORES) --rerun-incomplete

quick: install
	$(VENV)/bin/snakemake --cores $(CORES) --rerun-incomplete --configfile presets/quick.yaml

smoke: install
	$(VENV)/bin/snakemake --cores $(CORES) --rerun-incomplete --configfile presets/smoke.yaml

# delete the damaged dictionaries and code shards of $(RESULTS) so that the next run rebuilds them
repair: install
	$(PY) -m sparsesens.pipeline.repair $(RESULTS)

# the HTML report of the last paper-scale run (figures with captions, claims, benchmarks)
report: install
	$(VENV)/bin/snakemake --report results/report.html

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules
	@# snakemake --lint prints its findings but may exit 0: insist on its all-clear
	$(VENV)/bin/snakemake --lint --cores 1 2>&1 | tee .lint.log
	@grep -q "Congratulations" .lint.log || (echo "snakemake --lint found problems"; exit 1)
	@rm -f .lint.log

test: lint
	$(VENV)/bin/pytest -ra

# spams-bin (GPLv3) is only a peer to measure against, never a dependency: try it, go on without.
bench: install
	-$(PY) -m pip install -q --disable-pip-version-check spams-bin
	$(PY) benchmarks/run.py evaluation encode dictionary

# the dictionary part alone: the learners side by side (about two hours on 2 cores)
bench-dictionary: install
	-$(PY) -m pip install -q --disable-pip-version-check spams-bin
	$(PY) benchmarks/run.py dictionary

# which unstated setting explains the paper's Fig. 2/3 numbers (PRESET=quick|smoke|full)
PRESET ?= quick
fidelity: install
	$(PY) studies/fidelity.py --preset $(PRESET) --cores $(CORES)

# the remedy alone (dictionary.orthogonality's dictionaries and what they need; PRESET as above)
remedy: install
	$(VENV)/bin/snakemake --cores $(CORES) --rerun-incomplete --until remedy_summary \
		$(if $(filter full,$(PRESET)),,--configfile presets/$(PRESET).yaml)

clean:
	rm -rf results .snakemake
