"""Runs inside a resolution container (network none; stdlib only): listens
on 127.0.0.1:3128 and relays every connection to the host's allow-list proxy
through the Unix socket mounted at SOCKET, then runs the command it is given
and exits with its code. The package manager finds the proxy in HTTP(S)_PROXY."""

import contextlib
import socket
import subprocess
import sys
import threading

SOCKET = "/out/egress.sock"
PORT = 3128


def _pipe(source, target):
    with contextlib.suppress(OSError):  # the other side closed: the relay ends
        while data := source.recv(65536):
            target.sendall(data)
    for end in (target, source):
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)


def _serve(listener):
    while True:
        client, _ = listener.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(SOCKET)
        except OSError:
            client.close()
            continue
        threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT))
    listener.listen(64)
    threading.Thread(target=_serve, args=(listener,), daemon=True).start()
    sys.exit(subprocess.call(sys.argv[1:]))


if __name__ == "__main__":
    main()
