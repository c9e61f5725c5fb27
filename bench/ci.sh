#!/usr/bin/env bash
# The bench job of CI (issue [I]), < ~4 min on 2 cores:
#   1. allocation gate — deterministic, the hard gate (exit 4 on a budget violation);
#   2. quick end-to-end overhead run with the latency gate (exit 3), medians over 3 alternating rounds.
# Needs the AOT binary (published here when missing). nginx (apt-get install nginx-light) is optional:
# without it the nginx reference column is skipped, the gate does not depend on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/check-allocations.sh
if [ ! -x aot/out/tokenops ]; then
  dotnet publish src/TokenOps -c Release -r linux-x64 -o aot/out
fi
dotnet run -c Release --project bench/TokenOps.LoadTest -- --quick --gate "$@"
