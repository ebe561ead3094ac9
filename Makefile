# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# The CPU build of torch; a GPU machine may set TORCH_SPEC to the build it wants.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: run test install lint migrate demo models clean device-wheels device-sim

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install --quiet "$(TORCH_SPEC)"
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

models: install
	$(PY) manage.py build_tiny_models

demo: migrate
	$(PY) manage.py load_demo

run: demo models
	$(PY) platform/run.py

test: install
	$(PY) platform/embedded.py $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# For a session lent a GPU: the wheels bench/device/run.sh installs on that machine.
device-wheels: install
	$(PY) bench/device/wheels.py

# Before spending device time: run.sh and the tests of what it runs under the GPU image's
# Python, torch and triton, on this CPU (a venv of about 5 GB in /tmp).
device-sim: device-wheels
	bash bench/device/simulate.sh

clean:
	rm -rf var/test-*.sqlite3 var/media
