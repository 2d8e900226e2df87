#!/usr/bin/env bash
# CI job for the Ceph RBD-mirroring driver against REAL Ceph: brings up the two-cluster lab
# (../shared/labs/ceph beside the repository clone; override with DRCTL_CEPH_LAB_DIR), runs only the
# Ceph integration tests with DRCTL_REQUIRE_CEPH_LAB=1 (a lab that is not usable fails the job
# instead of skipping), and stops the lab on exit (down.sh, data kept). Needs root (the lab
# installs Debian's ceph packages and writes /etc/ceph/site-{a,b}.*).
# Prints timings and tap's summary; ends with "N passed, N failed"; exits with the tests' status.
set -uo pipefail
cd "$(dirname "$0")/.."
export CI=true NO_COLOR=1
T0=$SECONDS

LAB=${DRCTL_CEPH_LAB_DIR:-../shared/labs/ceph}
if [ ! -f "$LAB/up.sh" ]; then
  echo "no Ceph lab at $LAB (expected shared/ beside the repository)"
  echo "0 passed, 1 failed"
  exit 1
fi
LAB=$(cd "$LAB" && pwd)
export DRCTL_CEPH_LAB_DIR=$LAB DRCTL_REQUIRE_CEPH_LAB=1

work=$(mktemp -d)

# One user of the lab at a time (the tests stop a whole site; another `npm run test:integration`
# on this machine would otherwise share it). .ci/lablock.sh: same lock file and protocol as
# test-integration/lablock.ts; the tests recognise our token and do not wait for us.
# shellcheck source=lablock.sh
. .ci/lablock.sh
lab_lock "$LABLOCK_CEPH" DRCTL_CEPH_LAB_LOCK_TOKEN || { echo "0 passed, 1 failed"; rm -rf "$work"; exit 1; }
export DRCTL_CEPH_LAB_LOCK=$LABLOCK_CEPH

down_s=0
cleanup() {
  local t=$SECONDS
  echo "== down.sh"
  bash "$LAB/down.sh" 2>&1 | sed 's/^/   /'
  down_s=$((SECONDS - t))
  echo "   down.sh: ${down_s} s"
  lab_unlock_all
  rm -rf "$work"
}
trap cleanup EXIT

if [ ! -d node_modules ]; then
  echo "== npm ci"
  t=$SECONDS
  npm ci --no-audit --no-fund >"$work/npm.log" 2>&1 || { tail -20 "$work/npm.log"; echo "0 passed, 1 failed"; exit 1; }
  echo "   npm ci: $((SECONDS - t)) s"
fi

echo "== up.sh ($LAB)"
t=$SECONDS
bash "$LAB/up.sh" >"$work/up.log" 2>&1
up_rc=$?
up_s=$((SECONDS - t))
sed 's/^/   /' "$work/up.log"
# up.sh stamps its lines with HH:MM:SS; package installation runs between "installing:" and "ceph version:".
install_s=$(awk '
  function secs(s) { split(s, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
  /\[ceph-lab\] installing:/ { i = secs($1) }
  /\[ceph-lab\] ceph version:/ { if (i != "") { d = secs($1) - i; if (d < 0) d += 86400; print d; exit } }
' "$work/up.log")
install_s=${install_s:-0}
echo "   up.sh: ${up_s} s (package install ${install_s} s, clusters + mirroring $((up_s - install_s)) s), exit ${up_rc}"
if [ "$up_rc" != 0 ]; then
  echo "up.sh failed"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== ceph integration tests"
t=$SECONDS
DRCTL_CEPH_TIMINGS="$work/timings.json" npx tap --allow-incomplete-coverage --disable-coverage -R tap \
  --timeout 3000 test-integration/ceph/*.test.ts 2>&1 | tee "$work/tap.log"
rc=${PIPESTATUS[0]}
tests_s=$((SECONDS - t))

echo "== timings"
echo "   up.sh total:        ${up_s} s (install ${install_s} s)"
if [ -s "$work/timings.json" ]; then
  node -e 'const t=require(process.argv[1]); for (const [k,v] of Object.entries(t)) console.log(`   ${k.padEnd(52)} ${(v/1000).toFixed(1)} s`)' "$work/timings.json"
fi
echo "   tests:              ${tests_s} s"
echo "   job so far:         $((SECONDS - T0)) s (down.sh follows)"

summary=$(grep -E '^# \{ total: [0-9]+' "$work/tap.log" | tail -1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
skip=$(sed -nE 's/.*skip: ([0-9]+).*/\1/p' <<<"$summary")
echo "tap: ${summary:-no summary}"
if [ -z "$summary" ]; then fail=1; rc=${rc/#0/1}; fi
echo "${pass:-0} passed, ${fail:-0} failed${skip:+, ${skip} skipped}"
exit "$rc"
