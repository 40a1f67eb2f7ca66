#!/usr/bin/env bash
# N app nodes, HAProxy and PostgreSQL on this host: a company-wide class on one bigger machine,
# or a rehearsal of a multi-host setup.
#   deploy/haproxy/run-local.sh                 # 2 nodes, trainees connect to port 8080
#   NODES=4 PORT=80 PUBLIC_URL=http://10.0.0.5 deploy/haproxy/run-local.sh
# Environment:
#   NODES          app nodes (default 2), on ports 8871, 8872, ...
#   PORT           the balancer's port (default 8080), on every interface
#   PUBLIC_URL     the address trainees type or scan (default http://<this machine>:PORT)
#   POOL_SIZE      preheated kernels per node (default 20)
#   WORKBOOK_DATABASE_URL   the PostgreSQL store; without it a throwaway PostgreSQL is started
#                           for this run (scripts/with-postgres.sh) and its data go with it.
#   WORKBOOK_TRAINER_CODE   the trainer code of every node (default: generated, printed once)
# Stop with Ctrl+C: the nodes and HAProxy stop with the script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -z "${WORKBOOK_DATABASE_URL:-}" ]; then
  echo "No WORKBOOK_DATABASE_URL: starting a throwaway PostgreSQL for this run" >&2
  export WORKBOOK_DATABASE_URL=from-throwaway
  exec "$root/scripts/with-postgres.sh" "$0" "$@"
fi
[ "$WORKBOOK_DATABASE_URL" = from-throwaway ] && export WORKBOOK_DATABASE_URL="$WORKBOOK_TEST_DATABASE_URL"
nodes=${NODES:-2}
port=${PORT:-8080}
pool=${POOL_SIZE:-20}
workbook=${WORKBOOK:-$root/.venv/bin/workbook}
[ -x "$workbook" ] || workbook=workbook
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$haproxy" ] || { echo "haproxy is not installed (Debian: apt-get install haproxy)" >&2; exit 1; }
if [ -z "${PUBLIC_URL:-}" ]; then
  PUBLIC_URL="http://$(hostname -I 2>/dev/null | awk '{print $1}' || echo 127.0.0.1):$port"
fi
if [ -z "${WORKBOOK_TRAINER_CODE:-}" ]; then
  WORKBOOK_TRAINER_CODE=$(python3 -c 'import secrets; print("".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6)))')
  echo "Trainer code of every node: $WORKBOOK_TRAINER_CODE"
fi
export WORKBOOK_TRAINER_CODE
run=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$run"; }
trap cleanup EXIT INT TERM

cp "$here/haproxy.cfg" "$run/haproxy.cfg"
for i in $(seq 1 "$nodes"); do
  node_port=$((8870 + i))
  mkdir -p "$root/data/node$i"
  "$workbook" serve --no-lab --host 127.0.0.1 --port "$node_port" --pool-size "$pool" \
    --data-dir "$root/data/node$i" --public-url "$PUBLIC_URL" \
    --database-url "$WORKBOOK_DATABASE_URL" > "$run/node$i.out" 2>&1 &
  pids+=($!)
  echo "    server node$i 127.0.0.1:$node_port cookie node$i" >> "$run/haproxy.cfg"
done
WORKBOOK_BALANCER_BIND="*:$port" "$haproxy" -db -f "$run/haproxy.cfg" &
pids+=($!)
echo "$nodes nodes behind HAProxy: trainees open $PUBLIC_URL/voila/render/self_assessment.ipynb"
echo "Dashboard (any node): $PUBLIC_URL/voila/render/trainer_dashboard.ipynb"
wait -n "${pids[@]}"
