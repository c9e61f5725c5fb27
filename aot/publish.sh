#!/usr/bin/env bash
# Publishes the single-file Native AOT binary aot/out/tokenops (linux-x64) and fails on any
# trim/AOT analysis warning or on anything but the one executable in the output folder.
set -euo pipefail
cd "$(dirname "$0")/.."

out=aot/out
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -rf "$out"

if ! dotnet publish src/TokenOps -c Release -r linux-x64 -o "$out" -nologo 2>&1 | tee "$log"; then
  echo "aot/publish.sh: dotnet publish failed" >&2
  exit 1
fi

# Trim (ILxxxx) and AOT analysis warnings are errors for us even if the build let them through.
if grep -E "warning (IL[0-9]{4}|AOT)" "$log" >/dev/null; then
  echo "aot/publish.sh: trim/AOT warnings:" >&2
  grep -E "warning (IL[0-9]{4}|AOT)" "$log" | sort -u >&2
  exit 1
fi

files=$(find "$out" -mindepth 1 | sed "s|^$out/||" | sort)
if [ "$files" != "tokenops" ]; then
  echo "aot/publish.sh: expected exactly one file 'tokenops' in $out, found:" >&2
  echo "$files" >&2
  exit 1
fi

size=$(stat -c %s "$out/tokenops")
echo "aot/publish.sh: $out/tokenops $size bytes ($((size / 1024 / 1024)) MB), 0 trim/AOT warnings"
