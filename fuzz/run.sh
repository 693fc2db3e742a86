#!/bin/sh
# Builds the libFuzzer targets of fuzz/Package.swift (release, -sanitize=fuzzer,address) and runs each for
# FUZZ_SECONDS, seeded from the fixtures (fuzz/seeds.py). Used by `make fuzz`.
#
#   FUZZ_SECONDS=60      seconds per target
#   FUZZ_TARGETS="…"     which targets (default: all)
#   FUZZ_FLAGS="…"       extra libFuzzer flags
#
# Corpora grow in .build-fuzz/work/corpus/<target> between runs; a crash is saved to
# .build-fuzz/work/artifacts/<target>/ and ends the run with status 1. Turn each one into a regression input under
# golden/hostile/fuzz/<target>/ (docs/SECURITY.md). Replay one input: .build-fuzz/release/fuzz-<target> FILE.
set -u
cd "$(dirname "$0")"
SWIFT=${SWIFT:-swift}
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"safetensors unpickler zip index config tokenizer hdf5"}
SCRATCH=../.build-fuzz
WORK=$SCRATCH/work

python3 seeds.py "$WORK/seeds" >/dev/null || exit 2
# fuzz-hdf5 reaches libhdf5 only through the sandboxed reader of the main package (docs/SECURITY.md).
if [ -z "${BERTWEIGHTS_HDF5_READER:-}" ]; then
  (cd .. && $SWIFT build --product bert-hdf5-reader >/dev/null) || exit 2
  BERTWEIGHTS_HDF5_READER="$(cd .. && $SWIFT build --show-bin-path)/bert-hdf5-reader"
fi
export BERTWEIGHTS_HDF5_READER
status=0
summary=""
for target in $TARGETS; do
  product=fuzz-$target
  echo "== building $product"
  if ! $SWIFT build -c release -Xswiftc -sanitize=fuzzer,address --scratch-path "$SCRATCH" --product "$product"; then
    echo "== $product does not build; skipped"
    summary="$summary\n$product: not built"
    status=1
    continue
  fi
  mkdir -p "$WORK/corpus/$target" "$WORK/artifacts/$target" "$WORK/logs"
  log=$WORK/logs/$target.log
  echo "== running $product for $SECONDS_EACH s (log: $log)"
  # -timeout: one input taking over 5 s is a hang. -malloc_limit_mb: no input of at most a few hundred KB may
  # make one allocation of 512 MB. Leak checking is off: Swift's runtime caches read as leaks to LeakSanitizer.
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
    "$SCRATCH/release/$product" -max_total_time="$SECONDS_EACH" -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$target/" ${FUZZ_FLAGS:-} \
    "$WORK/corpus/$target" "$WORK/seeds/$target" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(ls "$WORK/corpus/$target" | wc -l)
  if [ $rc -eq 0 ]; then
    summary="$summary\n$product: ${runs:-?} executions, corpus $corpus, no crash"
  else
    summary="$summary\n$product: CRASH after ${runs:-?} executions (exit $rc) — see $log and $WORK/artifacts/$target/"
    status=1
    tail -40 "$log"
  fi
done
printf "\n== fuzz summary$summary\n"
exit $status
