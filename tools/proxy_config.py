"""HAProxy's configuration for N nnplay server processes, from tools/haproxy.cfg.j2.

    python tools/proxy_config.py --processes 2 --port 8000 > haproxy.cfg
        # the processes p1..pN at p1:8000 .. pN:8000 (containers; compose.scale.yaml)
    python tools/proxy_config.py --processes 2 --port 8000 --bind 127.0.0.1 \
        --addresses 127.0.0.1:8101,127.0.0.1:8102   # processes on this machine (tools/cluster.sh)
    python tools/proxy_config.py --processes 2 --port 8000 --call-seconds 30
        # servers whose NNPLAY_CALL_SECONDS is 30: the proxy waits as long as their calls may

The processes are named p1..pN (NNPLAY_PROCESS_NAME): a session's id starts with its
process's name, and the proxy routes by it (docs/scaling.md). tools/haproxy.cfg is this
for two containers, as compose.scale.yaml runs them (tests/app/test_cluster.py checks that
it is what this makes).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import jinja2
import pydantic

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: the app's own numbers
    sys.path.insert(0, str(ROOT))

from app.heavy import longest_call  # noqa: E402
from app.settings import Settings  # noqa: E402

TEMPLATE = ROOT / "tools" / "haproxy.cfg.j2"
CHECKED_IN = ROOT / "tools" / "haproxy.cfg"  # for compose.scale.yaml: two processes
CHECKED_IN_ARGS = ["--processes", "2", "--port", "8000"]  # > tools/haproxy.cfg
CONTAINER_PORT = 8000  # where nnplay listens in its image
ADDRESS = re.compile(r"[A-Za-z0-9.-]+:[0-9]{1,5}")
# The proxy waits this long for any answer (an export, a figure), and for a heavy call
# its whole wait and budget (app.heavy.longest_call) and this much more to send it.
SERVER_TIMEOUT_FLOOR = 60
SENDING_SECONDS = 30
DEFAULT_CALL_SECONDS = Settings.model_fields["call_seconds"].default


def server_timeout(call_seconds: float) -> int:
    """Seconds HAProxy waits for a server's answer, for servers with this NNPLAY_CALL_SECONDS."""
    return max(SERVER_TIMEOUT_FLOOR, math.ceil(longest_call(call_seconds)) + SENDING_SECONDS)


@dataclass
class Server:
    name: str  # the process's NNPLAY_PROCESS_NAME
    address: str  # host:port


def servers(processes: int, addresses: list[str] | None = None) -> list[Server]:
    """p1..pN: at `addresses` (host:port, in order), or, without them, each at its own
    name on nnplay's port (containers named after their process)."""
    if not 1 <= processes <= 64:
        raise ValueError(f"--processes must be 1 to 64, not {processes}")
    names = [f"p{n}" for n in range(1, processes + 1)]
    if addresses is None:
        return [Server(name, f"{name}:{CONTAINER_PORT}") for name in names]
    if len(addresses) != processes or not all(ADDRESS.fullmatch(a) for a in addresses):
        raise ValueError(f"--addresses must be {processes} host:port, comma-separated")
    return [Server(name, address) for name, address in zip(names, addresses, strict=True)]


def config(
    servers: list[Server],
    port: int,
    bind: str = "*",
    stats_socket: str | None = None,
    header: str = "",
    call_seconds: float = DEFAULT_CALL_SECONDS,
) -> str:
    """The configuration's text: the proxy on `bind`:`port` in front of `servers` (found
    by name through the system's resolver, again as containers come and go, when their
    addresses are names), waiting for answers as long as their heavy calls may take."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent), undefined=jinja2.StrictUndefined, autoescape=False
    )
    text = environment.get_template(TEMPLATE.name).render(
        servers=servers,
        port=port,
        bind=bind,
        stats_socket=stats_socket,
        server_timeout=server_timeout(call_seconds),
        by_name=any(not server.address.split(":")[0].replace(".", "").isdigit() for server in servers),
        header=header or f"Generated for {len(servers)} processes by tools/proxy_config.py.",
    )
    return text.rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, required=True, help="how many nnplay processes (p1..pN)")
    parser.add_argument("--port", type=int, required=True, help="the port the proxy listens on")
    parser.add_argument("--bind", default="*", help="the address it listens on (default: all)")
    parser.add_argument("--addresses", help="where p1..pN listen: host:port,... (default: pN:8000 each)")
    parser.add_argument("--stats-socket", help="a unix socket for HAProxy's runtime API")
    parser.add_argument(
        "--call-seconds",
        type=float,
        default=DEFAULT_CALL_SECONDS,
        help=f"the servers' NNPLAY_CALL_SECONDS (default: {DEFAULT_CALL_SECONDS:g})",
    )
    args = parser.parse_args(argv)
    field = Settings.model_fields["call_seconds"]  # its limits, as the servers check them
    try:
        pydantic.TypeAdapter(Annotated[float, *field.metadata]).validate_python(args.call_seconds)
    except pydantic.ValidationError as error:
        parser.error(f"--call-seconds: {error.errors()[0]['msg']}")
    try:
        chosen = servers(args.processes, args.addresses.split(",") if args.addresses else None)
    except ValueError as error:
        parser.error(str(error))
    words = " ".join(sys.argv[1:] if argv is None else argv)
    header = f"Generated by `python tools/proxy_config.py {words}`."
    sys.stdout.write(config(chosen, args.port, args.bind, args.stats_socket, header, args.call_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
