#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (as root, from source/).
# It builds ONE environment, $ROOT/venv, with Python 3.11, this zip's engine (a wheel, installed
# as a package so the sandbox's `python -I` imports it) and only this assignment's requirements.
#
# Knobs (environment variables; Gradescope sets none of them):
#   AUTOGRADER_ROOT     where the zip's world lives (default /autograder; source/ is the unzipped zip)
#   AUTOGRADER_USE_UV   1: always provision Python with uv, even when python3 is already 3.11
#   AUTOGRADER_APT      0: never call apt-get (offline tests); default: only for what is missing
# pip and uv honour their own variables (PIP_FIND_LINKS, PIP_NO_INDEX, UV_OFFLINE,
# UV_FIND_LINKS, UV_PYTHON_DOWNLOADS, ...), which is how the offline test points them at a wheelhouse.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
PY_SPEC=">=3.11.5,<3.12"   # the locked libraries need 3.11.5 or later (soupsieve)
UV_VERSION=0.13.9
log() { echo "setup.sh: $*"; }

# bubblewrap (the sandbox's filesystem isolation) and, when missing, a python3 with pip.
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "${AUTOGRADER_APT:-1}" != 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${need[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    log "warning: missing ${need[*]} and apt-get is off or absent"
  fi
fi

system_version="$(python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null || echo none)"
system_ok="$(python3 -c 'import sys; print(int((3, 11, 5) <= sys.version_info[:3] < (3, 12)))' 2>/dev/null || echo 0)"
rm -rf "$VENV"
if [ "$system_ok" = 1 ] && [ "${AUTOGRADER_USE_UV:-0}" != 1 ] && python3 -m venv "$VENV" 2>/dev/null; then
  log "python3 is $system_version: environment from it with pip"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r "$SOURCE/requirements.txt" -c "$SOURCE/constraints.txt"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$SOURCE"/engine/*.whl
else
  # Another python3 (3.10 on Ubuntu 22.04, 3.12 on 24.04): uv provides Python 3.11. `pip install --target` writes only into
  # its own folder, so it needs no --break-system-packages (unknown to pip 22) on any image.
  rm -rf "$VENV"
  log "python3 is $system_version: Python $PY_SPEC through uv $UV_VERSION"
  TOOLS="$ROOT/.tools"
  rm -rf "$TOOLS/uv"
  python3 -m pip install --quiet --disable-pip-version-check --target "$TOOLS/uv" "uv==$UV_VERSION"
  UV="$TOOLS/uv/bin/uv"
  # Interpreters uv downloads stay under ROOT (not /root, which the sandbox user cannot enter).
  export UV_PYTHON_INSTALL_DIR="${UV_PYTHON_INSTALL_DIR:-$ROOT/.python}"
  export UV_CACHE_DIR="${UV_CACHE_DIR:-$ROOT/.tools/uv-cache}"
  "$UV" venv --quiet --python "$PY_SPEC" "$VENV"
  "$UV" pip install --quiet --python "$VENV/bin/python" \
      -r "$SOURCE/requirements.txt" -c "$SOURCE/constraints.txt"
  "$UV" pip install --quiet --python "$VENV/bin/python" --no-deps "$SOURCE"/engine/*.whl
  "$UV" cache clean --quiet >/dev/null 2>&1 || true
fi

# The sandboxed runner runs as another user: it must be able to read the interpreter and libraries.
chmod -R a+rX "$VENV" "$ROOT/.python" 2>/dev/null || true
"$VENV/bin/python" -I -c "import autograder.sandbox.zygote, autograder.gradescope" \
  || { log "error: the engine does not import in $VENV"; exit 1; }
log "ready: $("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])') in $VENV"
