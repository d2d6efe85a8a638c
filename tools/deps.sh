#!/bin/sh
# Install the Debian packages ldrsnap needs to build and test; a no-op when
# they are all present.  Run as root (or with sudo available).
# python3, librust-winapi-dev and mingw-w64-common are only for checking the
# generated code table (make check-generated), clang-format-14 only for make
# format-check, chromium only for make check-browser; the build itself needs
# none.
set -e
pkgs="build-essential pkg-config zlib1g-dev libpcre2-dev libyaml-dev libcriterion-dev mandoc python3 librust-winapi-dev mingw-w64-common clang-format-14 chromium"
# archives: the library reads them through libarchive; the tests make them
pkgs="$pkgs libarchive-dev zip p7zip-full xz-utils bzip2 zstd lz4 gcab"
# plain .gz inputs: ISA-L's igzip inflates them (zlib without it)
pkgs="$pkgs libisal-dev"
# a zip's members of up to 4 MiB: libdeflate inflates each in one call
pkgs="$pkgs libdeflate-dev"
# make check counts each -j worker's instructions under valgrind's callgrind
# (tests/archive/jobs_workers.sh): a fact about threads, not about a clock
pkgs="$pkgs valgrind"
# make check sees which thread of a -j 2 run writes its output with strace
pkgs="$pkgs strace"
missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
