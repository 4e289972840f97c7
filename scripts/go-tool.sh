#!/usr/bin/env bash
# Installs a pinned Go command into .tools/bin (git-ignored) unless that version is
# already there; one install at a time across checkouts sharing .tools (flock).
# Usage: scripts/go-tool.sh NAME PACKAGE VERSION   → prints the binary's path on the last line.
#   NAME     the binary's name in .tools/bin (go install names it after PACKAGE's last element)
#   PACKAGE  the main package's import path, VERSION its module version
# A binary without a NAME.version stamp (installed by hand) is used as it is.
set -euo pipefail

if [[ $# -ne 3 ]]; then
	echo "usage: $0 NAME PACKAGE VERSION" >&2
	exit 2
fi
name="$1" pkg="$2" version="$3"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$root/.tools/bin"
bin="$bin_dir/$name"
stamp="$bin_dir/$name.version"

current() { [[ -x "$bin" ]] && { [[ ! -f "$stamp" ]] || [[ "$(cat "$stamp")" == "$version" ]]; }; }

if current; then
	echo "$name: using $bin" >&2
	echo "$bin"
	exit 0
fi

mkdir -p "$bin_dir"
exec 9>"$bin_dir/.$name-install.lock"
if command -v flock >/dev/null; then
	echo "$name: waiting for any other install to finish" >&2
	flock 9
fi
if [[ -x "$bin" ]] && [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$version" ]]; then
	echo "$bin"
	exit 0
fi
echo "$name: installing $pkg@$version into $bin_dir" >&2
start=$SECONDS
tmp="$(mktemp -d "$bin_dir/.$name-install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "$pkg@$version" >&2
mv -f "$tmp/$(basename "$pkg")" "$bin"
echo "$version" >"$stamp"
echo "$name: installed in $((SECONDS - start))s" >&2
echo "$bin"
