# The two set-up commands: `make release` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: release test validate build bench clean venv sandbox-deps browser-deps wheelhouse platforms

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

# A headless chromium (Debian) lets the tests open report.html in a real browser (screenshot,
# console errors); without it those tests skip and say why.
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium (Debian) for the report's browser check"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } || \
	  echo "warning: could not install chromium; the report's browser check is skipped"; \
	else echo "warning: chromium not found; the report's browser check is skipped"; fi

# No slugs: assignments marked `released: false` in course.yml stay out of validate and build.
release: venv sandbox-deps
	$(VENV)/bin/course validate
	$(VENV)/bin/course build --out dist

validate: venv
	$(VENV)/bin/course validate

build: venv
	$(VENV)/bin/course build --out dist

# Two pytest workers (pytest-xdist): most tests wait on `course` subprocesses, so two at a time
# take 14 minutes where one at a time took 22 (measured on this 2-core machine). `-n 0` runs
# them one by one; the slowest are listed at the end of every run.
test: venv sandbox-deps browser-deps wheelhouse
	$(PY) -m pytest -q -n 2 --durations=25

bench: venv sandbox-deps
	$(PY) -m bench

# The Gradescope end-to-end test runs the zip's setup.sh offline: the wheels it installs (and
# the uv that setup.sh pins) are downloaded here, at set-up time, into a gitignored folder.
# `make wheelhouse WHEELHOUSE_SLUGS="image_tensors yolo"` adds other assignments' wheels.
UV_VERSION := $(shell sed -n 's/^UV_VERSION=//p' autograder/templates/setup.sh)
WHEELHOUSE := .wheelhouse
WHEELHOUSE_SLUGS ?= image_tensors
UV := .tools/uv/bin/uv

wheelhouse: $(WHEELHOUSE)/.done

$(WHEELHOUSE)/.done: $(STAMP) requirements.txt requirements.lock autograder/templates/setup.sh
	$(PY) -m autograder.build.wheelhouse --dest $(WHEELHOUSE) $(WHEELHOUSE_SLUGS)
	touch $@

$(UV): autograder/templates/setup.sh
	$(PY) -m pip install --quiet --upgrade --target .tools/uv "uv==$(UV_VERSION)"
	touch $@

# Not part of `make test` (it asks the registry): resolve the students' requirements.txt and each
# autograder zip's for Linux x86_64, macOS arm64 and Windows x86_64 x CPython 3.11-3.13.
platforms: venv $(UV)
	$(PY) -m autograder.build.platforms --uv $(UV) --out docs/PLATFORMS.md

clean:
	rm -rf dist build *.egg-info
