# Lab locks for the CI jobs (sourced, not run). One user of a lab at a time on a machine: the jobs
# run a lab's up.sh and down.sh, and two up.sh runs of the same lab at once corrupt its state (seen:
# the OpenStack lab's appcred.txt), while a down.sh under another job's tests breaks them.
#
# Protocol (the same as test-integration/lablock.ts, which the test files use): the lock is a file
# created with O_EXCL (bash noclobber) holding {"pid":N,"token":"...","started":"..."}; a file whose
# pid is not alive (or that has no pid, e.g. an empty file left by an older flock-based script) is
# stale and taken over. The holder passes its token to the tests in an environment variable; a test
# that finds its inherited token in the file knows the lock is its own job's and does not wait.
#
# Locks (files overridable by environment):
#   OpenStack lab  DRCTL_OPENSTACK_LAB_LOCK (default /tmp/drctl-openstack-lab.lock), token in
#                  DRCTL_OPENSTACK_LAB_LOCK_TOKEN
#   Ceph lab       DRCTL_CEPH_LAB_LOCK (default /tmp/drctl-ceph-lab.lock), token in DRCTL_CEPH_LAB_LOCK_TOKEN
# The stack lab is both: its job takes the OpenStack lock first, then the Ceph one (every job takes
# them in that order, so two jobs never wait for each other in a cycle).

LABLOCK_OPENSTACK=${DRCTL_OPENSTACK_LAB_LOCK:-${DRCTL_OSLAB_LOCK:-/tmp/drctl-openstack-lab.lock}}
LABLOCK_CEPH=${DRCTL_CEPH_LAB_LOCK:-/tmp/drctl-ceph-lab.lock}
LABLOCK_HELD=()

# lab_lock FILE TOKEN_VAR [WAIT_SECONDS=1800]
# Takes the lock FILE (waiting for a live holder, polling every 5 s), stores the token in the
# variable named TOKEN_VAR and exports it. Returns 1 (with a message) when the wait runs out.
lab_lock() {
  local file=$1 var=$2 wait=${3:-1800} t0=$SECONDS holder token said=0
  token="$$-$(date +%s%N)"
  until (set -o noclobber; printf '{"pid":%d,"token":"%s","started":"%s"}\n' $$ "$token" "$(date -u +%FT%TZ)" >"$file") 2>/dev/null; do
    holder=$(sed -nE 's/.*"pid":([0-9]+).*/\1/p' "$file" 2>/dev/null)
    if [ -z "$holder" ] || ! kill -0 "$holder" 2>/dev/null; then
      # stale (dead owner, or no owner at all): take it over; a racing taker makes one of us loop
      rm -f "$file"
      continue
    fi
    if (( SECONDS - t0 >= wait )); then
      echo "lab lock $file is held by pid $holder ($(cat "$file" 2>/dev/null)); gave up after ${wait} s"
      return 1
    fi
    if [ "$said" = 0 ]; then echo "== waiting for lab lock $file (held by pid $holder)"; said=1; fi
    sleep 5
  done
  (( SECONDS - t0 > 0 )) && echo "== waited $((SECONDS - t0)) s for lab lock $file"
  printf -v "$var" '%s' "$token"
  export "${var?}"
  LABLOCK_HELD+=("$file:$token")
}

# lab_unlock_all: releases every lock this shell took (only if the file still holds our token).
lab_unlock_all() {
  local e file token
  for e in "${LABLOCK_HELD[@]}"; do
    file=${e%:*} token=${e##*:}
    grep -q "\"token\":\"$token\"" "$file" 2>/dev/null && rm -f "$file"
  done
  LABLOCK_HELD=()
}
