#!/usr/bin/env bash
# nnplay as several server processes on this machine, behind HAProxy, sharing one
# PostgreSQL database (docs/scaling.md), everything on loopback:
#
#   tools/cluster.sh up --processes N --port P [--dir D]   # prints the proxy's address
#   tools/cluster.sh status [--dir D]                      # JSON: each process, the proxy, the database
#   tools/cluster.sh down [--dir D]                        # stops it all (safe to run twice)
#
# The processes are p1..pN (NNPLAY_PROCESS_NAME) on free loopback ports; NNPLAY_* variables
# set here reach them all (NNPLAY_TEACHER_TOKEN, NNPLAY_CLASS_CODE: without one, the
# processes share a code made here). Their data directories and logs, the proxy's
# configuration and what `down` needs (pids, ports) are kept in D (default .cluster/);
# PostgreSQL's cluster is made with Debian's initdb in a folder of its own under /tmp,
# reached on a unix socket only (run as the postgres user when this runs as root).
# PYTHON picks the interpreter (default: .venv/bin/python, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

usage() { sed -n '5,7s/^#   //p' "$0" >&2; exit 2; }
fail() { echo "cluster.sh: $*" >&2; exit 1; }

command=${1:-}
[ -n "$command" ] || usage
shift
processes="" port="" dir=.cluster
while [ $# -gt 0 ]; do
    case "$1" in
        --processes) processes=${2:-}; shift 2 ;;
        --port) port=${2:-}; shift 2 ;;
        --dir) dir=${2:-}; shift 2 ;;
        *) usage ;;
    esac
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
python=${PYTHON:-}
if [ -z "$python" ]; then
    if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$found" ]; then echo "$found"; else dirname "$(command -v initdb || echo /nonexistent/initdb)"; fi
}
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Whether http://127.0.0.1:$1/api/health answers 200 within $2 seconds.
healthy_within() {
    "$python" - "$1" "$2" <<'EOF'
import sys, time, urllib.request
port, seconds = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit(1)
EOF
}

up() {
    [[ "$processes" =~ ^[0-9]+$ ]] && [ "$processes" -ge 1 ] && [ "$processes" -le 64 ] \
        || fail "--processes must be a number from 1 to 64"
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || fail "--port must be a port number"
    [ ! -f "$dir/processes" ] || fail "a cluster is running from $dir already: tools/cluster.sh down --dir $dir first"
    command -v haproxy >/dev/null || fail "HAProxy is not installed (apt-get install haproxy)"
    local bin
    bin=$(pg_bin)
    [ -x "$bin/initdb" ] || fail "PostgreSQL's initdb is not installed (apt-get install postgresql)"
    # Whatever fails on the way stops what had started (the reason is said first).
    trap 'if [ -z "${started:-}" ]; then echo "cluster.sh: stopping what had started" >&2; down >/dev/null 2>&1 || true; fi' EXIT

    # PostgreSQL: a cluster of its own, on a unix socket in its folder (a short path: a
    # socket's is at most 107 bytes), no TCP port.
    local pg
    pg=$(mktemp -d /tmp/nnplay-cluster-pg.XXXXXX)
    echo "$pg" > "$dir/postgres"
    [ "$(id -u)" != 0 ] || chown postgres: "$pg"
    as_postgres "$bin/initdb" -D "$pg/data" -U nnplay -A trust -E UTF8 >"$pg/initdb.log" 2>&1 \
        || fail "initdb failed: $(tail -n 3 "$pg/initdb.log")"
    as_postgres "$bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w \
        -o "-k $pg -c listen_addresses=''" start >/dev/null || fail "PostgreSQL did not start: $(tail -n 3 "$pg/server.log")"
    as_postgres "$bin/createdb" -h "$pg" -U nnplay nnplay
    local url="postgresql://nnplay@/nnplay?host=$pg"

    # The processes, each with a data directory (its compressed files) and a log.
    local code=${NNPLAY_CLASS_CODE:-}
    [ -n "$code" ] || code=$("$python" -c 'import secrets, string; print("".join(secrets.choice(string.ascii_uppercase) for _ in range(6)))')
    : > "$dir/processes.new"
    local n name process_port
    for n in $(seq 1 "$processes"); do
        name=p$n
        process_port=$(free_port)
        mkdir -p "$dir/$name"
        (
            cd "$repo"
            export NNPLAY_PROCESS_NAME=$name NNPLAY_DATABASE_URL=$url NNPLAY_DATA_DIR=$dir/$name \
                NNPLAY_CLASS_CODE=$code PYTHONUNBUFFERED=1
            exec "$python" -m app.cli serve --host 127.0.0.1 --port "$process_port"
        ) >"$dir/$name.log" 2>&1 &
        echo "$name $process_port $!" >> "$dir/processes.new"
    done
    mv "$dir/processes.new" "$dir/processes"
    while read -r name process_port pid; do
        healthy_within "$process_port" 60 || fail "$name did not start: $(tail -n 5 "$dir/$name.log")"
    done < "$dir/processes"

    # The proxy, in front of them.
    local addresses
    addresses=$(awk '{printf "%s127.0.0.1:%s", (NR > 1 ? "," : ""), $2}' "$dir/processes")
    "$python" tools/proxy_config.py --processes "$processes" --port "$port" --bind 127.0.0.1 \
        --addresses "$addresses" --stats-socket "$dir/haproxy.sock" \
        ${NNPLAY_CALL_SECONDS:+--call-seconds "$NNPLAY_CALL_SECONDS"} > "$dir/haproxy.cfg"
    haproxy -c -q -f "$dir/haproxy.cfg" || fail "the generated $dir/haproxy.cfg is not valid"
    haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid"
    echo "$port" > "$dir/port"
    healthy_within "$port" 30 || fail "the proxy does not answer on port $port"
    started=1
    echo "http://127.0.0.1:$port/"
}

status() {
    "$python" - "$dir" <<'EOF'
import json, os, sys, urllib.request
from pathlib import Path

folder = Path(sys.argv[1])

def alive(pid):
    try:
        os.kill(int(pid), 0)
        return True
    except (OSError, ValueError, TypeError):
        return False

def read(name):
    path = folder / name
    return path.read_text().strip() if path.exists() else None

def health(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as answer:
            return json.load(answer)
    except (OSError, ValueError):
        return None

processes = []
for line in (read("processes") or "").splitlines():
    name, port, pid = line.split()
    answer = health(port) if alive(pid) else None
    processes.append({
        "name": name, "pid": int(pid), "port": int(port),
        "sessions": None if answer is None else answer["sessions"],
        "alive": answer is not None,
    })
proxy_pid, port = read("haproxy.pid"), read("port")
postgres = read("postgres")
postmaster = Path(postgres, "data", "postmaster.pid") if postgres else None
pg_pid = postmaster.read_text().split()[0] if postmaster and postmaster.exists() else None
print(json.dumps({
    "processes": processes,
    "proxy": {
        "address": f"http://127.0.0.1:{port}/" if port else None,
        "pid": int(proxy_pid) if proxy_pid else None,
        "alive": bool(port) and alive(proxy_pid) and health(port) is not None,
    },
    "database": {
        "url": f"postgresql://nnplay@/nnplay?host={postgres}" if postgres else None,
        "pid": int(pg_pid) if pg_pid else None,
        "alive": alive(pg_pid),
    },
}, indent=2))
EOF
}

down() {
    local pid name process_port
    if [ -f "$dir/haproxy.pid" ]; then
        pid=$(cat "$dir/haproxy.pid")
        ! alive "$pid" || kill "$pid"
        rm -f "$dir/haproxy.pid"
    fi
    if [ -f "$dir/processes" ] || [ -f "$dir/processes.new" ]; then
        # SIGTERM: each saves its sessions and gives up its leases (app/owners.py).
        local listed
        listed=$(cat "$dir/processes" "$dir/processes.new" 2>/dev/null || true)
        while read -r name process_port pid; do
            ! alive "$pid" || kill "$pid"
        done <<< "$listed"
        while read -r name process_port pid; do
            for _ in $(seq 1 200); do alive "$pid" || break; sleep 0.1; done
            ! alive "$pid" || kill -9 "$pid"
        done <<< "$listed"
        rm -f "$dir/processes" "$dir/processes.new"
    fi
    if [ -f "$dir/postgres" ]; then
        local pg
        pg=$(cat "$dir/postgres")
        if [ -f "$pg/data/postmaster.pid" ]; then
            as_postgres "$(pg_bin)/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null || true
        fi
        case "$pg" in /tmp/nnplay-cluster-pg.*) rm -rf "$pg" ;; esac
        rm -f "$dir/postgres"
    fi
    rm -f "$dir/port" "$dir/haproxy.sock"
    echo "stopped"
}

case "$command" in
    up) up ;;
    status) status ;;
    down) down ;;
    *) usage ;;
esac
