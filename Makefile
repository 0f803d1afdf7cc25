# Everything runs in a local virtual environment that these targets create or refresh;
# the torch and jax extras are installed so that emitted code is checked in those frameworks too.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: test verify bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,torch,jax]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

verify: $(STAMP)
	$(VENV)/bin/gradspec verify

bench: $(STAMP)
	$(PY) -m check.bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
