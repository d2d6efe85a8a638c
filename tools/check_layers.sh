#!/bin/sh
# check_layers.sh - the folders of lib/ are layers (docs/ARCHITECTURE.md):
#
#  1. a file of one stage includes no header of a later stage, in this
#     order: simd core codes text lex parse pipe trace verdict diff redact
#     rules source json, then lib/analyzer.c and its header, where they meet
#     (simd first: it knows bytes only, libc and the intrinsics headers,
#     so that core's path helpers may use its passes);
#  2. every library source outside lib/rules/, lib/source/ and
#     lib/analyzer.c compiles with no PCRE2, libyaml, zlib or libarchive
#     header anywhere in its include chain (the compiler's own list of
#     the headers it read, -M): the heart builds with libc alone.
#
# usage: tools/check_layers.sh [CC [CPPFLAGS...]]   (run from the top)
# Prints each breach and exits 1 when there is one.
#        tools/check_layers.sh --self-test [CC]
# Checks the checker: on copies of lib/ with a wrong include planted (a
# later stage's header, a PCRE2 header through one, zlib straight), each
# must fail, and the copy as it is must pass.

if [ "$1" = "--self-test" ]; then
    shift
    tmp=$(mktemp -d) || exit 1
    trap 'rm -rf "$tmp"' EXIT
    self=$(cd "$(dirname "$0")" && pwd)/check_layers.sh
    top=$(pwd)
    # name | file | the line after which to plant | the planted line
    plant() {
        rm -rf "$tmp/t" && mkdir -p "$tmp/t" &&
            cp -R "$top/lib" "$top/include" "$tmp/t/" || exit 1
        if [ -n "$2" ]; then
            awk -v after="$3" -v line="$4" \
                '{ print } !done && index($0, after) == 1 { print line; done = 1 }' \
                "$tmp/t/lib/$2" > "$tmp/x" && mv "$tmp/x" "$tmp/t/lib/$2"
            grep -qF "$4" "$tmp/t/lib/$2" || {
                echo "check-layers self-test: could not plant in lib/$2"; exit 1; }
        fi
        (cd "$tmp/t" && sh "$self" "${1:-cc}" > "$tmp/out" 2>&1)
    }
    CC_=${1:-cc}
    fails=0
    plant "$CC_" "" || { echo "check-layers self-test: the tree as it is fails:"; cat "$tmp/out"; exit 1; }
    for c in "parse/parser.c|#include \"parse/parser_internal.h\"|#include \"rules/rules_internal.h\"|later stage" \
             "trace/trace.c|#include \"trace/trace_internal.h\"|#include \"verdict/verdict.h\"|later stage" \
             "text/text.c|#include \"text/text.h\"|#include <zlib.h>|zlib.h" \
             "core/common.h|#include \"ldrsnap.h\"|#include \"lex/lex.h\"|later stage"; do
        f=${c%%|*}; r=${c#*|}; after=${r%%|*}; r=${r#*|}; line=${r%%|*}; want=${r#*|}
        if plant "$CC_" "$f" "$after" "$line"; then
            echo "check-layers self-test: '$line' in lib/$f was not caught"
            fails=1
        elif ! grep -q "$want" "$tmp/out"; then
            echo "check-layers self-test: '$line' in lib/$f failed, but not for '$want':"
            cat "$tmp/out"
            fails=1
        fi
    done
    [ $fails -eq 0 ] && echo "check-layers self-test: 4 planted includes caught"
    exit $fails
fi

CC=${1:-cc}
[ $# -gt 0 ] && shift
FLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Ilib $*"
ORDER="simd core codes text lex parse pipe trace verdict diff redact rules source json analyzer"

# The rank of a stage in ORDER; empty for a folder this script does not know.
rank() {
    i=0
    for s in $ORDER; do
        [ "$s" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
}

# The stage a path under lib/ belongs to: its folder, or "analyzer" for
# the files at the top of lib/.
stage_of() {
    case $1 in
    */*) echo "${1%%/*}" ;;
    *) echo analyzer ;;
    esac
}

bad=0
files=$(cd lib && find . -name '*.[ch]' | sed 's|^\./||' | sort)
[ -n "$files" ] || { echo "check-layers: no files under lib/" >&2; exit 1; }

# 1. the order of the stages
for f in $files; do
    own=$(stage_of "$f")
    r=$(rank "$own")
    if [ -z "$r" ]; then
        echo "check-layers: lib/$f: folder '$own' is not a known stage ($ORDER)"
        bad=1
        continue
    fi
    # #include "x/y.h" or "y.h" (a header at the top of lib/ is the
    # analyzer's); <...> are the system's and the public header's
    inc=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "lib/$f")
    for h in $inc; do
        case $h in
        ldrsnap.h) continue ;; # the public header: everyone's
        esac
        if [ ! -f "lib/$h" ]; then
            # a header beside the file (include by path from lib/ is the
            # rule): take its own folder
            [ -f "lib/$(dirname "$f")/$h" ] && h="$(dirname "$f")/$h"
        fi
        hs=$(stage_of "$h")
        hr=$(rank "$hs")
        if [ -z "$hr" ]; then
            echo "check-layers: lib/$f includes \"$h\": '$hs' is not a known stage"
            bad=1
        elif [ "$hr" -gt "$r" ]; then
            echo "check-layers: lib/$f ($own) includes \"$h\" of a later stage ($hs)"
            bad=1
        fi
    done
done

# 2. libc only outside rules/, source/ and the analyzer: the headers the
# compiler reads for each source, system ones too
for f in $files; do
    case $f in
    rules/* | source/* | analyzer.c | *.h) continue ;;
    esac
    deps=$($CC $FLAGS -M "lib/$f" 2>&1) || {
        echo "check-layers: lib/$f does not compile:"
        echo "$deps" | head -5
        bad=1
        continue
    }
    hit=$(echo "$deps" | tr ' \\' '\n\n' |
          grep -E '(^|/)(pcre2[^/]*\.h|yaml[^/]*\.h|zlib\.h|zconf\.h|archive\.h|archive_entry\.h)$' |
          sort -u)
    if [ -n "$hit" ]; then
        echo "check-layers: lib/$f reads $(echo $hit | tr ' ' ',') (PCRE2, libyaml, zlib and libarchive belong to lib/rules/ and lib/source/)"
        bad=1
    fi
done

if [ $bad -ne 0 ]; then
    echo "check-layers: FAILED" >&2
    exit 1
fi
echo "check-layers: $(echo "$files" | wc -l) files follow the layers; the heart reads no PCRE2, libyaml, zlib or libarchive header"
