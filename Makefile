# Stella Script — set-up, run, test. Every target is safe to run again.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STELLASCRIPT := $(VENV)/bin/stellascript

.PHONY: setup system-packages venv runtimes editor-tools hub-tools labextension lab test bench clean-containers

# The runtime images, the editor tools and the lab extension need only the
# venv, and each waits mostly on the network or one core: built side by side.
setup: system-packages
	@$(MAKE) --no-print-directory venv
	@$(MAKE) --no-print-directory -j3 runtimes editor-tools hub-tools labextension

# Debian packages: Podman (the container engine on hosts without Docker),
# runc, debootstrap (base images without a registry), Go (builds the agent),
# PostgreSQL (the tests run the registry on it as well as on SQLite),
# shellcheck (bash-language-server's diagnostics), shfmt and astyle
# (formatting Bash and C#), Node.js and Maven for the editor tools, Chromium
# for the JupyterLab extension's browser tests (Playwright drives it),
# Prometheus for the prometheus-query sample's test (it scrapes the server).
system-packages:
	@need="podman runc debootstrap uidmap ca-certificates postgresql shellcheck shfmt astyle chromium prometheus"; command -v go >/dev/null || need="$$need golang-go"; \
	command -v npm >/dev/null || need="$$need nodejs npm"; command -v mvn >/dev/null || need="$$need maven"; \
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

# The editor's language servers and formatters (issue: editing with jupyter-lsp),
# in lsp-servers/: npm tools (pyright, typescript-language-server, bash-language-server,
# yaml-language-server for workflow files, prettier), gopls built by `go install`, google-java-format from Maven Central
# (SHA-256 checked). Eclipse JDT LS and ruff come from PyPI with the venv.
LSP_TOOLS := lsp-servers
GOPLS_VERSION := v0.23.0
# The pinned release is stated once, in the formatter's definition.
GJF_VERSION := $(shell sed -n 's/^GOOGLE_JAVA_FORMAT_VERSION = "\(.*\)"$$/\1/p' jupyter_stellascript/lsp/formatters.py)
GJF_JAR := $(LSP_TOOLS)/jars/google-java-format-$(GJF_VERSION)-all-deps.jar

# configurable-http-proxy for JupyterHub (docs/jupyterhub.md; tests/jupyterhub), pinned in hub-tools/.
HUB_TOOLS := hub-tools

hub-tools: $(HUB_TOOLS)/node_modules/.installed

$(HUB_TOOLS)/node_modules/.installed: $(HUB_TOOLS)/package.json $(HUB_TOOLS)/package-lock.json
	npm ci --prefix $(HUB_TOOLS) --no-audit --no-fund --loglevel=error
	touch $@

editor-tools: $(LSP_TOOLS)/node_modules/.installed $(LSP_TOOLS)/bin/gopls-$(GOPLS_VERSION) $(GJF_JAR)

$(LSP_TOOLS)/node_modules/.installed: $(LSP_TOOLS)/package.json $(LSP_TOOLS)/package-lock.json
	npm ci --prefix $(LSP_TOOLS) --no-audit --no-fund --loglevel=error
	touch $@

$(LSP_TOOLS)/bin/gopls-$(GOPLS_VERSION):
	mkdir -p $(LSP_TOOLS)/bin
	GOBIN=$(abspath $(LSP_TOOLS)/bin) GOFLAGS=-mod=mod go install golang.org/x/tools/gopls@$(GOPLS_VERSION)
	touch $@

$(GJF_JAR): | venv
	mvn -q -B -C org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
	  -Dartifact=com.google.googlejavaformat:google-java-format:$(GJF_VERSION):jar:all-deps \
	  -DoutputDirectory=$(abspath $(LSP_TOOLS)/jars)
	$(PY) -c "from jupyter_stellascript.lsp.formatters import verify_google_java_format_jar as v; v()" || { rm -f $@; exit 1; }

# The JupyterLab extension (labextension/, TypeScript): npm packages (with
# Playwright for its browser tests; browsers come from Debian, never downloaded),
# the prebuilt extension in jupyter_stellascript/labextension, linked into the venv.
LABEXT_OUT := jupyter_stellascript/labextension
LABEXT_SOURCES := $(shell find labextension/src labextension/style labextension/schema labextension/tsconfig.json labextension/build.mjs -type f 2>/dev/null)

labextension: node_modules/.labextension-built

node_modules/.installed: package.json package-lock.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

node_modules/.labextension-built: node_modules/.installed $(VENV)/.installed $(LABEXT_SOURCES)
	PATH="$(abspath $(VENV))/bin:$$PATH" npm run build:prod
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/jupyter labextension develop --overwrite . >/dev/null
	touch $@

# JupyterLab with the Stella Script server extension, embedded defaults
# (SQLite under the data directory, Podman started on demand).
LAB_ARGS ?= --ip=127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: setup
	$(VENV)/bin/jupyter lab $(LAB_ARGS)

# Test groups (one per test folder, see tests/conftest.py) run in parallel
# workers; TEST_WORKERS=1 runs them one after another.
TEST_WORKERS ?= 4
test: setup
	$(PY) -m pytest -ra --durations=30 $(if $(filter 1,$(TEST_WORKERS)),,-n $(TEST_WORKERS))

bench: setup
	$(PY) bench/run_bench.py --runs 30 --output docs/benchmarks.md
