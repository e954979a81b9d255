#!/usr/bin/env bash
# Runs a command and starts it again whenever it exits, like a kubelet restarting a container:
#   hack/supervise.sh COMMAND [ARGS...]
# The test bed runs KubeVirt's virt-controller and virt-api under it. virt-controller exits by design
# when it loses its leader lease (an API-server restart longer than the lease does that), and
# virt-api exits when it re-initialises. Each restart is logged with the exit status.
# SIGTERM stops the command (SIGKILL after 5 s), then the supervisor: stopping it by PID stops both.
set -u
child=0
stop() {
  if ((child)); then
    kill -TERM "$child" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$child" 2>/dev/null
  fi
  exit 0
}
trap stop TERM INT
restarts=0
while :; do
  "$@" &
  child=$!
  wait "$child"
  rc=$?
  restarts=$((restarts + 1))
  echo "[supervise] $(date -u +%Y-%m-%dT%H:%M:%SZ) $(basename "$1") exited with status $rc; restart $restarts in 1 s"
  sleep 1 &
  wait $!
done
