# The two set-up commands are `make demo` and `make test`; both install missing system packages first.
SWIFT ?= swift
DEMO_MODEL ?= golden/models/seqcls
# One checkpoint per format (safetensors, PyTorch zip, Keras HDF5) converted and verified by `make demo`.
DEMO_VARIANTS ?= safetensors bin h5
DEMO_OUT ?= .build/demo
# A Python with torch and transformers (the venv `make goldens` builds) enables the transformers cross-checks.
TORCH_PYTHON ?= $(wildcard $(HOME)/.cache/bertweights/venv/bin/python)

# `make install [PREFIX=/usr/local] [DESTDIR=]`: release binaries, man pages and shell completions (README.md, "Install").
PREFIX ?= /usr/local
DESTDIR ?=
# Every executable product `make install` installs and `make uninstall` removes: a new one is one more word here.
# Command-line tools also get a man page and completions; helpers they start (bert-hdf5-reader) the binary only.
TOOLS ?= bert-convert bert-verify bert-hdf5-reader
# Release binaries carry the Swift runtime, so they run without the toolchain that built them.
INSTALL_BUILD_FLAGS ?= -c release --static-swift-stdlib
INSTALL_ENV = PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" TOOLS="$(TOOLS)"

.PHONY: setup build test demo goldens clean fuzz bench install install-files uninstall

setup:
	@./scripts/setup.sh

build: setup
	$(SWIFT) build

test: setup
	$(SWIFT) build --build-tests
	@# The man page generator the install test runs on the debug binaries (Tests/CLITests/InstallTests.swift).
	$(SWIFT) build --product generate-manual
	@# The Examples package uses this one as a dependency would (docs/LIBRARY.md); Tests/CLITests/ExampleTests.swift runs
	@# it. Its library-snippets target is docs/LIBRARY.md's examples, compiled.
	./scripts/library-snippets.sh > Examples/Sources/library-snippets/main.swift
	$(SWIFT) build --package-path Examples
	BERTWEIGHTS_PYTHON="$$(./scripts/python-env.sh)" BERTWEIGHTS_TORCH_PYTHON="$(TORCH_PYTHON)" BERTWEIGHTS_MINILM="$$(./scripts/minilm.sh)" $(SWIFT) test --skip-build

demo: build
	@echo "== bert-convert inspect $(DEMO_MODEL)/safetensors"
	$(SWIFT) run --skip-build bert-convert inspect $(DEMO_MODEL)/safetensors
	@# The bundled classifier converted from each format, each canonical file checked against transformers.
	@mkdir -p $(DEMO_OUT); status=0; \
	for variant in $(DEMO_VARIANTS); do \
	  out=$(DEMO_OUT)/$$(basename $(DEMO_MODEL))-from-$$variant.safetensors; \
	  echo; echo "== bert-convert $(DEMO_MODEL)/$$variant -o $$out"; \
	  $(SWIFT) run --skip-build bert-convert $(DEMO_MODEL)/$$variant -o $$out --force || { status=1; continue; }; \
	  echo "== bert-verify $$out --golden $(DEMO_MODEL)/golden.safetensors"; \
	  $(SWIFT) run --skip-build bert-verify $$out --golden $(DEMO_MODEL)/golden.safetensors || status=1; \
	done; \
	echo; echo "== one canonical file, whichever format it came from:"; \
	sha256sum $(DEMO_OUT)/*.safetensors; exit $$status

# Regenerates the fixture zoo and goldens with pinned torch/transformers/tensorflow (never run by CI).
goldens:
	./golden/generate.sh

# libFuzzer targets (fuzz/), each run for FUZZ_SECONDS seconds, seeded from the fixtures (docs/SECURITY.md).
FUZZ_SECONDS ?= 60
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) ./fuzz/run.sh

# Benchmarks against PyTorch, transformers, HF tokenizers and cp on this machine; writes BENCHMARKS.md
# (bench/run.sh; minutes long, never run by CI).
bench: setup
	SWIFT=$(SWIFT) ./bench/run.sh

install: setup
	$(SWIFT) build $(INSTALL_BUILD_FLAGS)
	$(SWIFT) build $(INSTALL_BUILD_FLAGS) --product generate-manual
	$(MAKE) install-files BUILD_DIR="$$($(SWIFT) build $(INSTALL_BUILD_FLAGS) --show-bin-path)"

# Installs the tools already built in BUILD_DIR (with BUILD_DIR/generate-manual for the man pages).
install-files:
	$(INSTALL_ENV) BUILD_DIR="$(BUILD_DIR)" ./scripts/install.sh install

uninstall:
	$(INSTALL_ENV) ./scripts/install.sh uninstall

clean:
	rm -rf .build
