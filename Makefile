# The two set-up commands are `make demo` and `make test`; both install missing system packages first.
SWIFT ?= swift
DEMO_MODEL ?= golden/models/seqcls
# A Python with torch and transformers (the venv `make goldens` builds) enables the transformers cross-checks.
TORCH_PYTHON ?= $(wildcard $(HOME)/.cache/bertweights/venv/bin/python)

.PHONY: setup build test demo goldens clean

setup:
	@./scripts/setup.sh

build: setup
	$(SWIFT) build

test: setup
	$(SWIFT) build --build-tests
	BERTWEIGHTS_PYTHON="$$(./scripts/python-env.sh)" BERTWEIGHTS_TORCH_PYTHON="$(TORCH_PYTHON)" $(SWIFT) test --skip-build

demo: build
	@echo "== bert-convert inspect $(DEMO_MODEL)/safetensors"
	$(SWIFT) run --skip-build bert-convert inspect $(DEMO_MODEL)/safetensors

# Regenerates the fixture zoo and goldens with pinned torch/transformers/tensorflow (never run by CI).
goldens:
	./golden/generate.sh

clean:
	rm -rf .build
