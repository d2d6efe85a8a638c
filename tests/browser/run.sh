#!/bin/sh
# make check-browser: render ldrsnap's HTML pages in headless Chromium (no
# network, a fresh profile each time), then check the DOM after the pages'
# scripts ran (dom_check.py) and that a screenshot is not blank
# (png_check.py).  SHOT=FILE keeps the screenshot of the first page.
set -u
LDRSNAP=${LDRSNAP:?set LDRSNAP to the ldrsnap binary}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
cd "$(dirname "$0")/../.."
[ -x "$CHROMIUM" ] || { echo "check-browser: no chromium (tools/deps.sh)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
n=0

browse() { # MODE PAGE OUT: dump the DOM or take a screenshot
    n=$((n + 1))
    set -- "$1" "$2" "$3" --headless --no-sandbox --disable-gpu \
        --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync \
        --host-resolver-rules="MAP * ~NOTFOUND" \
        --user-data-dir="$T/profile$n" --hide-scrollbars
    mode=$1 page=$2 out=$3
    shift 3
    if [ "$mode" = dom ]; then
        timeout 120 "$CHROMIUM" "$@" --dump-dom "file://$page" \
            > "$out" 2> "$T/chromium.err"
    else
        timeout 120 "$CHROMIUM" "$@" --window-size=1200,1500 \
            --screenshot="$out" "file://$page" > /dev/null 2> "$T/chromium.err"
    fi
    [ -s "$out" ] || { cat "$T/chromium.err"; echo "FAIL: chromium gave nothing for $page"; fails=$((fails + 1)); }
}

check() { # DOM_CHECK ARGS
    python3 tests/browser/dom_check.py "$@" || fails=$((fails + 1))
}

page() { # LOG DLL STATUS CHAIN TREE_PATH SPANS (FROM=stdin: the log
    # through standard input; FROM=zip: as the member of a zip)
    echo "== $1 ${FROM:-}"
    case "${FROM:-}" in
    stdin) "$LDRSNAP" --format=html -o "$T/page.html" < "$1" ;;
    zip) rm -f "$T/one.zip" && zip -q -j "$T/one.zip" "$1" &&
        "$LDRSNAP" --format=html -o "$T/page.html" "$T/one.zip" ;;
    *) "$LDRSNAP" --format=html -o "$T/page.html" "$1" ;;
    esac
    browse dom "$T/page.html" "$T/page.dom"
    check page "$T/page.dom" "$2" "$3" "$4" "$5" "$6"
}

page samples/win10-missing-vcruntime.log VCRUNTIME140.dll STATUS_DLL_NOT_FOUND \
    'ContosoViewer.exe>ImageCodec.dll>VCRUNTIME140.dll' 'ContosoViewer.exe>ImageCodec.dll' spans
page samples/vs-output-utf16-crlf.log libcrypto-3-x64.dll STATUS_DLL_NOT_FOUND \
    'curl.exe>libssl-3-x64.dll>libcrypto-3-x64.dll' 'curl.exe>libssl-3-x64.dll' spans
page samples/xp-w3wp-static-import.log w3isapi.dll STATUS_DLL_NOT_FOUND \
    'w3wp.exe>w3core.dll>w3isapi.dll' 'w3wp.exe>w3core.dll' marks
page samples/windbg-missing-export.log Charting.dll STATUS_ENTRYPOINT_NOT_FOUND \
    'ReportTool.exe>PdfExport.dll>Charting.dll' 'ReportTool.exe>PdfExport.dll' marks
# the excerpts are captured as the log streams: standard input and an
# archive's member have them too
FROM=stdin page samples/vs-output-utf16-crlf.log libcrypto-3-x64.dll \
    STATUS_DLL_NOT_FOUND 'curl.exe>libssl-3-x64.dll>libcrypto-3-x64.dll' \
    'curl.exe>libssl-3-x64.dll' spans
FROM=zip page samples/windbg-missing-export.log Charting.dll \
    STATUS_ENTRYPOINT_NOT_FOUND 'ReportTool.exe>PdfExport.dll>Charting.dll' \
    'ReportTool.exe>PdfExport.dll' marks

# evidence far from where the page learns it shows it (a failure 15,000
# lines before its process's end, a signature before 12,000, after 3,000
# processes whose signatures the page does not show): every link opens
echo "== tests/hostile/far_evidence.sh"
sh tests/hostile/far_evidence.sh > "$T/far.log"
"$LDRSNAP" --format=html -o "$T/far.html" "$T/far.log"
browse dom "$T/far.html" "$T/far.dom"
check links "$T/far.dom" 39

echo "== a folder: samples/ and tests/data/dir"
"$LDRSNAP" --format=html -o "$T/folder.html" samples tests/data/dir
# the failing logs, as the JSON output tells them
"$LDRSNAP" --json samples tests/data/dir |
    python3 -c 'import json,sys
for l in sys.stdin:
    r = json.loads(l)
    if r["type"] == "summary" and r["root_causes"]: print(r["source"])' \
    > "$T/failing.txt"
browse dom "$T/folder.html" "$T/folder.dom"
check folder "$T/folder.dom" "$T/failing.txt"

echo "== screenshot"
"$LDRSNAP" --format=html -o "$T/shot.html" samples/win10-missing-vcruntime.log
browse shot "$T/shot.html" "$T/shot.png"
python3 tests/browser/png_check.py "$T/shot.png" 64 || fails=$((fails + 1))
[ -n "${SHOT:-}" ] && cp "$T/shot.png" "$SHOT"

[ "$fails" -eq 0 ] && echo "make check-browser: all passed" && exit 0
echo "make check-browser: $fails failed"
exit 1
