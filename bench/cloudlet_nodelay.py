"""Launch Cloudlet with its listening socket created as IPPROTO_TCP, for a what-if measurement only.

Why: `cloudlet.cli._bind` creates the socket with `socket.socket(family, SOCK_STREAM)`, whose `proto` is 0;
asyncio and uvloop only set TCP_NODELAY on accepted sockets whose proto is IPPROTO_TCP, so every response
(uvicorn writes the headers and the body in two writes) waits for the client's delayed ACK: ~40-44 ms per
request on a kept-alive connection. Passing IPPROTO_TCP is the one-line fix this wrapper applies from
outside, so that `python3 bench/sqs_bench.py --cloudlet-command "python3 bench/cloudlet_nodelay.py"` shows
what the fix gives. Remove this file once src/cloudlet/cli.py creates its sockets that way.
"""

import socket
import sys

import cloudlet.cli as cli


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


cli._bind = _bind

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:]))
