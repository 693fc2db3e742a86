#!/usr/bin/env bash
# `make install` / `make uninstall` (README.md, "Install"): every executable in TOOLS into bin, and for each that is
# a command line of its own (an ArgumentParser tool, recognised by the `--experimental-dump-help` its binary
# holds) its man page and its bash, zsh and fish completions, under DESTDIR + PREFIX. Helpers the tools start
# (bert-hdf5-reader) get the binary only. Uninstall removes the files install writes, and nothing else.
#
#   install.sh install    BUILD_DIR=… (binaries, and generate-manual for the man pages) PREFIX=… [DESTDIR=…]
#   install.sh uninstall  PREFIX=… [DESTDIR=…]
#   install.sh list       the installed paths, one a line
set -euo pipefail

action=${1:?usage: install.sh install|uninstall|list}
: "${PREFIX:=/usr/local}"
: "${DESTDIR:=}"
: "${TOOLS:?TOOLS lists the executables to install}"
root="$DESTDIR$PREFIX"
bindir="$root/bin"
mandir="$root/share/man/man1"
bashdir="$root/share/bash-completion/completions"
zshdir="$root/share/zsh/site-functions"
fishdir="$root/share/fish/vendor_completions.d"

# The files install writes for a command line tool besides its binary.
extras() {
  printf '%s\n' "$mandir/$1.1" "$bashdir/$1" "$zshdir/_$1" "$fishdir/$1.fish"
}

# True when the binary is an ArgumentParser command (it can describe itself for the man page and completions).
is_command() {
  grep -qa -- "--experimental-dump-help" "$1"
}

# Every file install may write, one a line: what uninstall removes where it exists.
list() {
  for tool in $TOOLS; do
    printf '%s\n' "$bindir/$tool"
    extras "$tool"
  done
}

case "$action" in
list) list ;;
install)
  : "${BUILD_DIR:?BUILD_DIR is the directory holding the built tools}"
  generator="${GENERATE_MANUAL:-$BUILD_DIR/generate-manual}"
  [ -x "$generator" ] || { echo "install: $generator missing (swift build --product generate-manual builds it)" >&2; exit 2; }
  for tool in $TOOLS; do
    [ -x "$BUILD_DIR/$tool" ] || { echo "install: $BUILD_DIR/$tool missing (build it first)" >&2; exit 2; }
  done
  staging=$(mktemp -d)
  trap 'rm -rf "$staging"' EXIT
  mkdir "$staging/man"
  # The man pages carry the date of the last commit when there is one, so the same sources give the same pages.
  date_option=()
  if date=$(git log -1 --format=%cs 2>/dev/null) && [ -n "$date" ]; then date_option=(--date "$date"); fi
  for tool in $TOOLS; do
    is_command "$BUILD_DIR/$tool" || continue
    # ArgumentParser's generator (what `swift package plugin generate-manual` runs): one page per tool, every
    # subcommand in it.
    "$generator" "$BUILD_DIR/$tool" "${date_option[@]}" --output-directory "$staging/man" >/dev/null
    [ -s "$staging/man/$tool.1" ] || { echo "install: generate-manual wrote no $tool.1" >&2; exit 1; }
    for shell in bash zsh fish; do
      "$BUILD_DIR/$tool" --generate-completion-script "$shell" > "$staging/$tool.$shell"
      [ -s "$staging/$tool.$shell" ] || { echo "install: $tool wrote no $shell completion" >&2; exit 1; }
    done
  done
  install -d "$bindir" "$mandir" "$bashdir" "$zshdir" "$fishdir"
  for tool in $TOOLS; do
    install -m 755 "$BUILD_DIR/$tool" "$bindir/$tool"
    echo "installed $bindir/$tool"
    [ -f "$staging/$tool.bash" ] || continue
    install -m 644 "$staging/man/$tool.1" "$mandir/$tool.1"
    install -m 644 "$staging/$tool.bash" "$bashdir/$tool"
    install -m 644 "$staging/$tool.zsh" "$zshdir/_$tool"
    install -m 644 "$staging/$tool.fish" "$fishdir/$tool.fish"
    extras "$tool" | sed 's/^/installed /'
  done
  ;;
uninstall)
  list | while read -r path; do
    if [ -e "$path" ] || [ -L "$path" ]; then rm -f -- "$path" && echo "removed $path"; fi
  done
  ;;
*) echo "usage: install.sh install|uninstall|list" >&2; exit 2 ;;
esac
