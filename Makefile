# Stella Script — set-up, run, test. Every target is safe to run again.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STELLASCRIPT := $(VENV)/bin/stellascript

.PHONY: setup system-packages venv runtimes lab test bench clean-containers

setup: system-packages venv runtimes

# Debian packages: Podman (the container engine on hosts without Docker),
# runc, debootstrap (base images without a registry), Go (builds the agent),
# PostgreSQL (the tests run the registry on it as well as on SQLite).
system-packages:
	@need="podman runc debootstrap uidmap ca-certificates postgresql"; command -v go >/dev/null || need="$$need golang-go"; \
	missing=""; for p in $$need; do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

runtimes: venv
	$(STELLASCRIPT) runtimes build

# JupyterLab with the Stella Script server extension, embedded defaults
# (SQLite under the data directory, Podman started on demand).
LAB_ARGS ?= --ip=127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: setup
	$(VENV)/bin/jupyter lab $(LAB_ARGS)

test: setup
	$(PY) -m pytest -ra

bench: setup
	$(PY) bench/run_bench.py --runs 30 --output docs/benchmarks.md
