#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-pip python3-venv bubblewrap
python3 -m pip install --break-system-packages -r /autograder/source/requirements.txt \
  || python3 -m pip install -r /autograder/source/requirements.txt
