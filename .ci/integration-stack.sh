#!/usr/bin/env bash
# CI job: drctl end to end on the REAL stack (../shared/labs/stack beside the repository clone;
# override with DRCTL_STACK_LAB_DIR): two OpenStack Zed sites whose Cinder runs the RBD driver over
# two mirrored Ceph Pacific clusters. Brings the stack up (stack/up.sh), builds drctl, runs only
# test-integration/stack with DRCTL_REQUIRE_STACK_LAB=1 (an unusable stack fails the job instead of
# skipping), and stops the stack on exit (stack/down.sh, data kept; DRCTL_STACK_KEEP_LAB=1 leaves it up).
# Needs root. Prints timings (drctl's failover/failback and the lab's dr-flow.py, same run) and ends
# with "N passed, N failed"; exits with the tests' status.
set -uo pipefail
cd "$(dirname "$0")/.."
export CI=true NO_COLOR=1
T0=$SECONDS

LAB=${DRCTL_STACK_LAB_DIR:-../shared/labs/stack}
if [ ! -f "$LAB/up.sh" ]; then
  echo "no stack lab at $LAB (expected shared/ beside the repository)"
  echo "0 passed, 1 failed"
  exit 1
fi
LAB=$(cd "$LAB" && pwd)
export DRCTL_STACK_LAB_DIR=$LAB DRCTL_REQUIRE_STACK_LAB=1
work=$(mktemp -d)

# The stack is both labs: hold both locks (.ci/lablock.sh; OpenStack first, then Ceph, as every job
# takes them), so that no other job runs either lab's up.sh/down.sh meanwhile (concurrent OpenStack
# up.sh runs corrupted its appcred.txt; the Ceph tests stop a whole cluster). The tests recognise our
# tokens (test-integration/lablock.ts) and do not wait for us.
# shellcheck source=lablock.sh
. .ci/lablock.sh
lab_lock "$LABLOCK_OPENSTACK" DRCTL_OPENSTACK_LAB_LOCK_TOKEN || { echo "0 passed, 1 failed"; rm -rf "$work"; exit 1; }
lab_lock "$LABLOCK_CEPH" DRCTL_CEPH_LAB_LOCK_TOKEN || { lab_unlock_all; echo "0 passed, 1 failed"; rm -rf "$work"; exit 1; }
export DRCTL_OPENSTACK_LAB_LOCK=$LABLOCK_OPENSTACK DRCTL_CEPH_LAB_LOCK=$LABLOCK_CEPH

up_s=- build_s=- tests_s=- down_s=-
cleanup() {
  local rc=$?
  if [ "${DRCTL_STACK_KEEP_LAB:-0}" = 1 ]; then
    echo "== stack left running (DRCTL_STACK_KEEP_LAB=1); stop it with: bash $LAB/down.sh"
  else
    local t=$SECONDS
    echo "== down.sh"
    bash "$LAB/down.sh" 2>&1 | tail -5 | sed 's/^/   /'
    down_s=$((SECONDS - t))
  fi
  echo "== job: up ${up_s} s, build ${build_s} s, tests ${tests_s} s, down ${down_s} s, total $((SECONDS - T0)) s"
  lab_unlock_all
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -d node_modules ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund >"$work/npm.log" 2>&1 || { tail -20 "$work/npm.log"; echo "0 passed, 1 failed"; exit 1; }
fi

echo "== stack up.sh ($LAB)"
t=$SECONDS
bash "$LAB/up.sh" >"$work/up.log" 2>&1
up_rc=$?
up_s=$((SECONDS - t))
grep -E '\[stack-lab|ready in|ERROR' "$work/up.log" | sed 's/^/   /'
echo "   up.sh: ${up_s} s, exit ${up_rc}; memory: $(free -m | awk '/^Mem:/ {print $3 " MiB used of " $2}')"
if [ "$up_rc" != 0 ]; then
  tail -30 "$work/up.log"
  echo "stack up.sh failed"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== build"
t=$SECONDS
npm run build >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; echo "0 passed, 1 failed"; exit 1; }
build_s=$((SECONDS - t))

echo "== stack integration tests"
t=$SECONDS
DRCTL_STACK_TIMINGS="$work/timings.json" npx tap --allow-incomplete-coverage --disable-coverage -R tap \
  --timeout 3600 test-integration/stack/*.test.ts 2>&1 | tee "$work/tap.log"
rc=${PIPESTATUS[0]}
tests_s=$((SECONDS - t))

echo "== timings"
if [ -s "$work/timings.json" ]; then
  node -e 'const t=require(process.argv[1]); for (const [k,v] of Object.entries(t)) console.log(`   ${k.padEnd(60)} ${Number.isFinite(v) ? (v/1000).toFixed(1) + " s" : "n/a"}`)' "$work/timings.json"
fi
echo "   up.sh ${up_s} s, tests ${tests_s} s; load average now $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"

summary=$(grep -E '^# \{ total: [0-9]+' "$work/tap.log" | tail -1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
skip=$(sed -nE 's/.*skip: ([0-9]+).*/\1/p' <<<"$summary")
echo "tap: ${summary:-no summary}"
if [ -z "$summary" ]; then fail=${fail:-1}; [ "$rc" = 0 ] && rc=1; fi
echo "${pass:-0} passed, ${fail:-0} failed${skip:+, ${skip} skipped}"
exit "$rc"
