"""Forward 127.0.0.1:<port> to <host>:<port> (TCP), e.g. ``python loopback_forward.py cleverreach-emulator:8765``.

Started by docker/entrypoint.sh in every Airflow container of the compose stack when
``CLEVERREACH_EMULATOR_FORWARD`` is set: the CleverReach hook refuses plain HTTP except to loopback
hosts, so the tasks reach the emulator service as ``http://127.0.0.1:8765``. One emulator serves every
worker. An optional third part sets the local port: ``cleverreach-emulator:8765:9000``.
"""

from __future__ import annotations

import asyncio
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def _serve(target_host: str, target_port: int, local_port: int) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(target_host, target_port)
        except OSError as exc:
            print(f"loopback_forward: {target_host}:{target_port} unreachable: {exc}", file=sys.stderr, flush=True)
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        for w in (writer, up_writer):
            w.close()

    server = await asyncio.start_server(handle, "127.0.0.1", local_port)
    print(f"loopback_forward: 127.0.0.1:{local_port} -> {target_host}:{target_port}", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0].count(":") not in (1, 2):
        print("usage: loopback_forward.py HOST:PORT[:LOCAL_PORT]", file=sys.stderr)
        return 2
    host, port, *local = argv[0].split(":")
    try:
        asyncio.run(_serve(host, int(port), int(local[0]) if local else int(port)))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # e.g. the port is taken: the container runs on without the forwarder
        print(f"loopback_forward: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
