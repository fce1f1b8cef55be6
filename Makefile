# The two set-up commands: `make release` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: release test validate build bench clean venv sandbox-deps

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==25.3"
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	# otter check runs submissions in a Jupyter kernel named python3: register the venv's own.
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $(STAMP)

# bubblewrap isolates the grading runner; installed from Debian when missing (root only).
sandbox-deps:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1 || apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1; } || echo "warning: bubblewrap not installed; the runner falls back to rlimits only"

release: venv sandbox-deps
	$(VENV)/bin/course validate
	$(VENV)/bin/course build --out dist

validate: venv
	$(VENV)/bin/course validate

build: venv
	$(VENV)/bin/course build --out dist

test: venv sandbox-deps
	$(PY) -m pytest -q

bench: venv sandbox-deps
	$(PY) -m bench

clean:
	rm -rf dist build *.egg-info
