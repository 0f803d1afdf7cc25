# Everything runs in a local virtual environment that these targets create or refresh;
# the torch, jax, optax and keras extras are installed so that emitted code is checked in those
# frameworks and every audit adapter is tested (dask: the audit's --scheduler, tested on a LocalCluster).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: test test-fast test-slow verify cards bench fuzz audit audit-baselines audit-search audit-paths clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,torch,jax,optax,keras,scipy,cards,dask]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Two tiers, both run by `make test` (and CI): the fast one first, then the integration tests marked slow.
# The fast tier runs in TEST_JOBS processes (pytest-xdist; each test is one process's work); the slow
# tier stays in one, since its tests start gradspec's own worker processes and time budgets.
TEST_JOBS ?= auto
test: test-fast test-slow

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow" -n $(TEST_JOBS)

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# One pass: every check of the catalog, then the cards' drift check from the same results.  Results
# are cached in .gradspec-cache/ (safe to delete; gradspec verify --no-cache bypasses it).
verify: $(STAMP)
	$(VENV)/bin/gradspec verify --cards reports

cards: $(STAMP)
	$(VENV)/bin/gradspec cards --out reports

# Every library's audit in the four formats, gated on the committed baselines (reports/audit-baselines/):
# exit 1 on a finding that is neither a stated convention nor recorded there.  `make audit-baselines`
# records today's findings (review the diff before committing it).
AUDIT_LIBRARIES := torch numpy jax optax keras
AUDIT_DTYPES    := float16,bfloat16,float32,float64
audit: $(STAMP)
	@for lib in $(AUDIT_LIBRARIES); do \
	  $(VENV)/bin/gradspec audit $$lib --dtype $(AUDIT_DTYPES) --quiet --baseline reports/audit-baselines/$$lib.json || exit 1; \
	done

audit-baselines: $(STAMP)
	@for lib in $(AUDIT_LIBRARIES); do \
	  $(VENV)/bin/gradspec audit $$lib --dtype $(AUDIT_DTYPES) --quiet --write-baseline reports/audit-baselines/$$lib.json || exit 1; \
	done

# The audits on the other execution paths: torch compiled (torch.compile: about 8 minutes, nearly all of
# it compiling) and under CPU autocast, JAX, optax and Keras jitted; reports in
# reports/audit/LIBRARY-compiled.md and -autocast.md (not committed; no gate).
audit-paths: $(STAMP)
	@for args in "torch --compile" "torch --autocast" "jax --compile" "optax --compile" "keras --compile"; do \
	  $(VENV)/bin/gradspec audit $$args --dtype float16,bfloat16,float32 --quiet; \
	  test $$? -le 1 || exit 1; \
	done

# Every library's audit in float16 and bfloat16 with a search for the worst input (2,000 random points
# and a local search per call and dtype, seed 0): reports, failure ranges and error plots in
# reports/audit/ (not committed; no gate).
audit-search: $(STAMP)
	@for lib in $(AUDIT_LIBRARIES); do \
	  $(VENV)/bin/gradspec audit $$lib --dtype float16,bfloat16 --search 2000 --quiet; \
	  test $$? -le 1 || exit 1; \
	done

bench: $(STAMP)
	$(PY) benchmarks/bench.py

fuzz: $(STAMP)
	$(PY) -m check.cli.fuzz 10000

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
