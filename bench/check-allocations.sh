#!/usr/bin/env bash
# Allocation gate (issue [I]): runs every BenchmarkDotNet benchmark in a short in-process job and fails
# (exit 4) when one allocates more bytes/op than bench/baselines/allocations.json allows.
# Usage: bench/check-allocations.sh [--filter '*Hash*'] [--budgets file]
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run -c Release --project bench/TokenOps.Benchmarks -- --gate "$@"
