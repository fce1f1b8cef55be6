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

# bubblewrap isolates the grading runner; installed from Debian when missing and we are root.
# Without it the sandbox still runs (rlimits, network namespace, uid switch) and says what is off.
sandbox-deps:
	@if command -v bwrap >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing bubblewrap (Debian) for the grading sandbox"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1; } || \
	  echo "warning: could not install bubblewrap; the sandbox runs without filesystem isolation"; \
	else echo "warning: bubblewrap (bwrap) not found; the sandbox runs without filesystem isolation"; fi

# No slugs: assignments marked `released: false` in course.yml stay out of validate and build.
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
