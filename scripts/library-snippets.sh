#!/usr/bin/env bash
# Prints the Swift snippets of docs/LIBRARY.md as one program (imports first), which `make test` writes to
# Examples/Sources/library-snippets/main.swift and compiles: the page's examples cannot drift from the API.
# The block showing a Package.swift (its first line `// Package.swift …`) is left out.
set -euo pipefail
page="${1:-$(dirname "$0")/../docs/LIBRARY.md}"
awk '
  /^```swift$/ { inblock = 1; first = 1; next }
  /^```$/ && inblock { inblock = 0; if (!skip) body = body "\n"; next }
  inblock {
    if (first) { first = 0; skip = ($0 ~ /^\/\/ Package\.swift/) }
    if (skip) next
    if ($0 ~ /^import /) { if (!($0 in seen)) { seen[$0] = 1; imports = imports $0 "\n" } }
    else body = body $0 "\n"
  }
  END {
    printf "// Generated from docs/LIBRARY.md by scripts/library-snippets.sh (make test): compiled, never run.\n"
    printf "%s\n%s", imports, body
  }
' "$page"
