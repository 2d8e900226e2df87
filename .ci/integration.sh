#!/usr/bin/env bash
# Integration tests against REAL OpenStack: two Zed sites on loopback from Debian packages
# (../shared/labs/openstack, beside the repo in CI). Brings the lab up, runs the OpenStack part of
# `npm run test:integration` (build, then tap on test-integration/openstack/*.test.ts) with
# DRCTL_REQUIRE_LAB=1, stops the lab in a trap (down.sh), prints timings and tap's summary.
# Exit code = the tests' exit code (1 if the lab could not be brought up).
# Only the OpenStack files: test-integration/ceph/ belongs to the Ceph lab and its own job
# (.ci/integration-ceph.sh, which holds that lab's lock); running it here would either skip it or
# race that job. DRCTL_IT_ALL=1 runs the whole `npm run test:integration` instead.
#
#   DRCTL_LAB_DIR   lab scripts (default: ../shared/labs/openstack relative to the repo)
#   DRCTL_LAB_KEEP=1  leave the lab running afterwards (local use; CI stops it)
# A lab that was already answering before this script started belongs to someone else: it is used
# but not stopped (in CI the machine is fresh, so the trap always stops it). One run at a time on a
# machine: the script holds the OpenStack lab lock (.ci/lablock.sh: $DRCTL_OPENSTACK_LAB_LOCK, default
# /tmp/drctl-openstack-lab.lock, shared with .ci/integration-stack.sh and test-integration/lablock.ts)
# from before up.sh until after down.sh.
# Needs root (the lab installs Debian packages and runs the daemons as root).
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
# shellcheck source=lablock.sh
. "$REPO/.ci/lablock.sh"
LAB=${DRCTL_LAB_DIR:-$REPO/../shared/labs/openstack}
export CI=true NO_COLOR=1

T0=$(date +%s)
now() { date +%s; }
t_up=- t_tests=- t_down=-
log=$(mktemp)

preexisting=0 locked=0
finish() {
  local rc=$?
  if [ "$locked" != 1 ]; then
    :   # never got the lab: it is someone else's
  elif [ "${DRCTL_LAB_KEEP:-0}" = 1 ]; then
    echo "== lab left running (DRCTL_LAB_KEEP=1); stop it with: bash $LAB/down.sh"
  elif [ "$preexisting" = 1 ]; then
    echo "== the lab was already running before this script: left running (stop it with: bash $LAB/down.sh)"
  else
    local t=$(now)
    echo "== down.sh"
    bash "$LAB/down.sh" || echo "WARN: down.sh exited $?"
    t_down=$(( $(now) - t ))
  fi
  echo "== timings: lab up ${t_up}s, integration tests ${t_tests}s, lab down ${t_down}s, total $(( $(now) - T0 ))s"
  lab_unlock_all
  rm -f "$log"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

if [ ! -f "$LAB/up.sh" ]; then
  echo "lab not found at $LAB (set DRCTL_LAB_DIR)"
  echo "0 passed, 1 failed"
  exit 1
fi
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund || { echo "0 passed, 1 failed"; exit 1; }
fi

lab_lock "$LABLOCK_OPENSTACK" DRCTL_OPENSTACK_LAB_LOCK_TOKEN 5400 || { echo "0 passed, 1 failed"; exit 1; }
locked=1
export DRCTL_OPENSTACK_LAB_LOCK=$LABLOCK_OPENSTACK
if curl -fsS -o /dev/null --max-time 5 http://127.0.0.1:5000/v3 2>/dev/null; then preexisting=1; fi
# A running stack lab (../stack/up.sh) has Cinder's ceph backend on; up.sh without the switch would
# restart cinder-volume without it under its owner. Keep the switch as the running lab has it.
if [ "$preexisting" = 1 ] && grep -qE '^enabled_backends *=.*ceph' "${OSLAB_STATE:-/tmp/openstack-lab}/site-a/cinder/cinder.conf" 2>/dev/null; then
  export OSLAB_CINDER_CEPH=${OSLAB_CINDER_CEPH:-1}
fi

echo "== openstack lab: up.sh ($LAB)"
t=$(now)
if ! bash "$LAB/up.sh"; then
  t_up=$(( $(now) - t ))
  echo "lab did not come up (see the up.sh output above)"
  echo "0 passed, 1 failed"
  exit 1
fi
t_up=$(( $(now) - t ))
echo "== lab ready in ${t_up}s; memory: $(free -m | awk '/^Mem:/ {print $3 " MiB used of " $2}')"

t=$(now)
if [ "${DRCTL_IT_ALL:-0}" = 1 ]; then
  echo "== DRCTL_REQUIRE_LAB=1 npm run test:integration"
  DRCTL_REQUIRE_LAB=1 npm run test:integration 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
else
  echo "== npm run build && DRCTL_REQUIRE_LAB=1 tap test-integration/openstack/*.test.ts"
  { npm run build && DRCTL_REQUIRE_LAB=1 npx tap --allow-incomplete-coverage --disable-coverage \
      test-integration/openstack/*.test.ts; } 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
fi
t_tests=$(( $(now) - t ))
echo "== memory after the tests (lab still up): $(free -m | awk '/^Mem:/ {print $3 " MiB used of " $2}')"

# tap ends with a line like "# { total: 14, pass: 13, fail: 1 }"; take the last one of the run.
summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
if [ -z "$summary" ]; then fail=1; [ "$rc" = 0 ] && rc=1; fi
echo "tap summary: ${summary:-none}"
echo "${pass:-0} passed, ${fail:-0} failed"
exit "$rc"
