#!/usr/bin/env bash
# The one-command demo behind `make demo` (which builds bin/ first): starts
# slo-demo, an embedded Prometheus-compatible source holding 35 days of
# synthetic traffic for the services in slos/, then slod against it, and
# waits until both are ready. Ctrl-C stops both.
#
# Needs only bash: readiness is checked through bash's /dev/tcp, as a fresh
# machine with Go and gcc may lack curl.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-bin}
SLOD_LISTEN=${SLOD_LISTEN:-127.0.0.1:8080}
TOKEN=demo-token
STARTUP_TIMEOUT=120 # seconds, for each process

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slo-demo.XXXXXX")
demo_pid=""
slod_pid=""

# stop ends the processes this script started, by pid, and waits for them.
# Background jobs of a script ignore SIGINT, so Ctrl-C reaches them only
# as the SIGTERM sent here; both shut down gracefully on it.
stop() {
	trap - INT TERM EXIT
	for pid in $slod_pid $demo_pid; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $slod_pid $demo_pid; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap 'echo; echo "Stopping the demo..."; stop; exit 130' INT TERM
trap stop EXIT

# fail reports why the demo could not start, with the end of a log.
fail() {
	echo "demo: $1" >&2
	if [ -n "${2:-}" ] && [ -s "$2" ]; then
		echo "--- last lines of $2:" >&2
		tail -n 20 "$2" >&2
	fi
	exit 1
}

# http_status HOST:PORT PATH prints the status code of a GET, 000 if none.
http_status() {
	local code=000
	if exec 3<>"/dev/tcp/${1%:*}/${1##*:}"; then
		printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$2" "$1" >&3
		read -r -t 5 _ code _ <&3 || code=000
		exec 3<&- 3>&-
	fi 2>/dev/null
	echo "$code"
}

# alive PID fails when the process has exited.
alive() { kill -0 "$1" 2>/dev/null; }

for b in slo-demo slod sloctl; do
	[ -x "$BIN/$b" ] || fail "$BIN/$b is missing; run make build (make demo does)"
done

[ "$(http_status "$SLOD_LISTEN" /)" = 000 ] || fail "$SLOD_LISTEN is already in use; choose another with SLOD_LISTEN=127.0.0.1:PORT"

echo "Loading 35 days of synthetic traffic into the demo Prometheus..."
"$BIN/slo-demo" --listen 127.0.0.1:0 >"$tmp/slo-demo.addr" 2>"$tmp/slo-demo.log" &
demo_pid=$!
prom_url=""
for _ in $(seq $((STARTUP_TIMEOUT * 10))); do
	prom_url=$(sed -n 's/^slo-demo: Prometheus API on //p' "$tmp/slo-demo.addr")
	[ -n "$prom_url" ] && break
	alive "$demo_pid" || fail "slo-demo exited" "$tmp/slo-demo.log"
	sleep 0.1
done
[ -n "$prom_url" ] || fail "slo-demo did not start within ${STARTUP_TIMEOUT}s" "$tmp/slo-demo.log"
[ "$(http_status "${prom_url#http://}" /-/ready)" = 200 ] || fail "slo-demo is not ready at $prom_url" "$tmp/slo-demo.log"

echo "Starting slod on $SLOD_LISTEN against $prom_url..."
SLOD_TOKENS=$TOKEN "$BIN/slod" --slos ./slos --prometheus-url "$prom_url" --db "$tmp/demo.db" \
	--listen "$SLOD_LISTEN" --interval 10s --log-format text >"$tmp/slod.log" 2>&1 &
slod_pid=$!
ready=""
for _ in $(seq $((STARTUP_TIMEOUT * 10))); do
	if [ "$(http_status "$SLOD_LISTEN" /readyz)" = 200 ]; then
		ready=1
		break
	fi
	alive "$slod_pid" || fail "slod exited (is $SLOD_LISTEN in use? set SLOD_LISTEN)" "$tmp/slod.log"
	sleep 0.1
done
[ -n "$ready" ] || fail "slod was not ready within ${STARTUP_TIMEOUT}s" "$tmp/slod.log"
alive "$slod_pid" || fail "slod exited" "$tmp/slod.log"

cat <<EOF

  SLO demo is running.

  Dashboard:   http://$SLOD_LISTEN/
  API token:   $TOKEN   (for overrides)
  Prometheus:  $prom_url  (synthetic data up to 12 hours from now)

  Services: checkout (healthy), notifications (warn: budget half used),
  billing-jobs (limited), payments-api (frozen), search (burning fast now).

  Try, in another terminal:
    export SLOCTL_SERVER=http://$SLOD_LISTEN SLOCTL_TOKEN=$TOKEN
    bin/sloctl status
    bin/sloctl can-deploy search                          # denied: fast burn (exit 1)
    bin/sloctl can-deploy checkout                        # allowed (exit 0)
    bin/sloctl can-deploy payments-api --priority rollback
    bin/sloctl override create search --reason "demo: hotfix" --for 1h

  Logs: $tmp/slod.log, $tmp/slo-demo.log
  Press Ctrl-C to stop.
EOF

# Until Ctrl-C or until either process (the only children left) exits.
# Ctrl-C reaches slod and slo-demo too (Go re-enables the SIGINT a script's
# background job ignores); they exit 0, and bash, seeing its child handle
# the signal, may run no trap: so a clean exit here means "stopped".
set +e
wait -n
status=$?
if [ "$status" -eq 0 ]; then
	echo "Demo stopped."
	exit 0
fi
echo "demo: a process exited with status $status; the end of its log:" >&2
for log in "$tmp/slod.log" "$tmp/slo-demo.log"; do
	echo "--- $log" >&2
	tail -n 5 "$log" >&2
done
exit 1
