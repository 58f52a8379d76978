"""`cloudlet serve` and `cloudlet status`."""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
import urllib.request
from pathlib import Path

from . import __version__
from .config import Settings


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose protocol says TCP, and without it
    # every kept-alive response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings) -> int:
    import uvicorn

    from .server import App

    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = App(settings)
    sockets = [_bind(settings.host, settings.port)]
    if settings.blob_port and settings.blob_port != settings.port:
        sockets.append(_bind(settings.host, settings.blob_port))
    config = uvicorn.Config(app, log_level=settings.log_level.lower(), access_log=False, lifespan="on",
                            loop="auto", http="auto", timeout_keep_alive=75, backlog=2048, proxy_headers=False,
                            timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)
    where = "in memory" if settings.in_memory else str(settings.resolved_data_dir())
    ports = " and ".join(f"http://{settings.host}:{s.getsockname()[1]}" for s in sockets)
    print(f"Cloudlet {__version__} listening on {ports} (state {where})", flush=True)
    try:
        server.run(sockets=sockets)  # uvicorn's loop factory: uvloop when installed
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled, after a clean shutdown
        pass
    print("Cloudlet stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cloudlet", description="A local cloud in one Python process.")
    parser.add_argument("--version", action="version", version=f"cloudlet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    defaults = Settings()
    p_serve = sub.add_parser("serve", help="start the server")
    p_serve.add_argument("--host", default=defaults.host, help="address to listen on (env CLOUDLET_HOST)")
    p_serve.add_argument("--port", type=int, default=defaults.port, help="port for every service (env CLOUDLET_PORT)")
    p_serve.add_argument("--blob-port", type=int, default=defaults.blob_port,
                         help="extra port for Azure Blob, 0 to disable (env CLOUDLET_BLOB_PORT)")
    p_serve.add_argument("--data-dir", type=Path, default=defaults.data_dir, help="state directory (env CLOUDLET_DATA_DIR)")
    p_serve.add_argument("--in-memory", action="store_true", default=defaults.in_memory,
                         help="keep all state in memory (env CLOUDLET_IN_MEMORY=1)")
    p_serve.add_argument("--log-level", default=defaults.log_level, help="debug, info, warning, error (env CLOUDLET_LOG_LEVEL)")
    p_serve.add_argument("--sync", choices=["full", "normal"], default=defaults.sync,
                         help="full: fsync each group commit; normal: survive process crashes only (env CLOUDLET_SYNC)")
    p_status = sub.add_parser("status", help="ask a running server for its health")
    p_status.add_argument("--url", default=f"http://{defaults.host}:{defaults.port}")
    args = parser.parse_args(argv)
    if args.command == "serve":
        settings = Settings(host=args.host, port=args.port, blob_port=args.blob_port, data_dir=args.data_dir,
                            in_memory=args.in_memory, log_level=args.log_level, sync=args.sync)
        return serve(settings)
    if args.command == "status":
        try:
            with urllib.request.urlopen(f"{args.url}/_cloudlet/health", timeout=5) as resp:
                print(json.dumps(json.load(resp), indent=2))
            return 0
        except OSError as exc:
            print(f"no Cloudlet at {args.url}: {exc}", file=sys.stderr)
            return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
