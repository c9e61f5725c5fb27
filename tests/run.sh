#!/usr/bin/env bash
# THE test command (README, .ci/run and GitHub Actions call exactly this). On a fresh machine it installs
# what is missing, builds with warnings as errors, runs every .NET test project, publishes the AOT binary,
# smoke-tests it, runs the end-to-end suite with the real SDKs against it, and prints one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# 1. Native prerequisites of the AOT link (static SQLite, zlib) — required — and the headless browser of the
#    dashboard end-to-end test (Debian's chromium, driven by playwright-core) — installed when the package exists;
#    without it that one test skips with a message saying how to install it. Only what is missing is installed.
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
missing=()
for package in libsqlite3-dev zlib1g-dev; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
want_chromium=0
[ -x /usr/bin/chromium ] || want_chromium=1
if [ ${#missing[@]} -gt 0 ] || [ "$want_chromium" -eq 1 ]; then
  # An index that cannot be refreshed only matters when a required package is missing.
  $sudo_cmd apt-get update || [ ${#missing[@]} -eq 0 ]
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: installing ${missing[*]}"
  $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"
fi
if [ "$want_chromium" -eq 1 ]; then
  echo "run.sh: installing chromium (dashboard browser test)"
  $sudo_cmd apt-get install -y --no-install-recommends chromium \
    || echo "run.sh: WARNING: could not install chromium; the dashboard browser test will be skipped"
fi

# 2. Node dependencies of the end-to-end suite (exact versions from the lockfile).
if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund)
fi

# 3. Build (TreatWarningsAsErrors is on in Directory.Build.props).
dotnet restore TokenOps.sln
dotnet build TokenOps.sln -c Release --no-restore

# 4. .NET tests: one trx per assembly; the console logger prints each assembly's summary.
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
dotnet_rc=0
dotnet test TokenOps.sln -c Release --no-build --results-directory "$results" \
  --logger "trx" --logger "console;verbosity=minimal" || dotnet_rc=$?

# 5. Native AOT binary + smoke test.
aot_rc=0
bash aot/publish.sh || aot_rc=$?
if [ "$aot_rc" -eq 0 ]; then
  bash aot/smoke-test.sh || aot_rc=$?
fi

# 6. End-to-end with the providers' real SDK clients against the published binary.
node_passed=0
node_failed=0
if [ -f tests/e2e/package.json ] && [ "$aot_rc" -eq 0 ]; then
  node_log="$results/node-e2e.tap"
  node_rc=0
  (cd tests/e2e && TOKENOPS_BIN="$root/aot/out/tokenops" node --test --test-concurrency=1 --test-timeout=60000 --test-reporter=tap test/) | tee "$node_log" || node_rc=$?
  node_passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$node_log" | tail -1)
  node_failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$node_log" | tail -1)
  node_passed=${node_passed:-0}
  node_failed=${node_failed:-0}
  if [ "$node_rc" -ne 0 ] && [ "$node_failed" -eq 0 ]; then node_failed=1; fi
fi

# 7. One summary line: dotnet (from the trx counters) + node; a failed AOT publish/smoke test counts as one failure.
read -r dotnet_passed dotnet_failed < <(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
passed = failed = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    root = ET.parse(path).getroot()
    counters = root.find(ns + "ResultSummary/" + ns + "Counters")
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    # Name every failed test with its message on stderr, so the tail of a CI log says what failed.
    for result in root.iter(ns + "UnitTestResult"):
        if result.get("outcome") not in ("Passed", "NotExecuted"):
            message = result.find(ns + "Output/" + ns + "ErrorInfo/" + ns + "Message")
            text = (message.text or "").strip() if message is not None else ""
            print(f"FAILED (.NET): {result.get('testName')}\n    {text[:2000]}", file=sys.stderr)
print(passed, failed)
PY
)
if [ "$dotnet_rc" -ne 0 ] && [ "$dotnet_failed" -eq 0 ]; then dotnet_failed=1; fi
aot_failed=0
[ "$aot_rc" -eq 0 ] || aot_failed=1

passed=$((dotnet_passed + node_passed))
failed=$((dotnet_failed + node_failed + aot_failed))
if [ "$node_failed" -gt 0 ] && [ -f "${node_log:-}" ]; then
  # The TAP lines of the failed node tests, again at the end where a CI log tail shows them.
  grep -n -E '^\s*not ok ' "$node_log" | sed 's/^/FAILED (e2e): /' >&2 || true
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
