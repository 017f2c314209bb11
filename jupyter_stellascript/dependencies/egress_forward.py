"""Runs in a resolution's relay container (network none; stdlib only):
listens on 127.0.0.1:3128 and relays every connection to the host's
allow-list proxy through the Unix socket mounted at SOCKET, until the
container is removed. The package manager's container shares the relay's
network namespace (network mode ``container:<relay>``), so its 127.0.0.1:3128
is this listener whatever its own image holds; it finds the proxy in
HTTP(S)_PROXY. "ready" on stdout says the listener is up."""

import contextlib
import socket
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
    print("ready", flush=True)
    _serve(listener)


if __name__ == "__main__":
    main()
