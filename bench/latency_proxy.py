"""A TCP proxy that adds a fixed round trip to every request, as a remote AWS endpoint would."""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# What a Lambda function sees from DynamoDB in the same region: single-digit milliseconds per
# request round trip (the DynamoDB developer guide quotes single-digit millisecond latency).
DEFAULT_RTT_MS = 5.0
_CHUNK = 65536


@dataclass
class LatencyProxy:
    """Forwards 127.0.0.1:<port> to `upstream`; each request/response exchange pays `rtt_ms`.

    Half the delay is added when a client starts sending a request, half when the answer
    starts coming back, per connection: concurrent requests overlap their delays as they
    would on the network, so figures reflect request counts and overlap, not the emulator's
    CPU. It runs in a process of its own: in the benchmark's process it would wait for the
    GIL behind the handler's threads (up to 5 ms per switch), which no network does.
    HTTP/1.1 without pipelining (what botocore speaks) is assumed.
    """

    upstream: str
    rtt_ms: float = DEFAULT_RTT_MS
    port: int = 0
    _process: subprocess.Popen[str] | None = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LatencyProxy:
        command = [sys.executable, "-m", "bench.latency_proxy", self.upstream, str(self.rtt_ms)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # the port, once listening
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"latency proxy did not start (said {line!r})")
        self.port = int(line)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


async def _serve(upstream: str, rtt_ms: float) -> None:
    target = urlsplit(upstream)
    half = rtt_ms / 2000.0

    async def connection(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
        except OSError:
            client_writer.close()
            return
        # Which side spoke last: a change of direction starts a request or its answer.
        turn = {"last": "response"}

        async def pump(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: str
        ) -> None:
            try:
                while data := await reader.read(_CHUNK):
                    if turn["last"] != direction:
                        turn["last"] = direction
                        await asyncio.sleep(half)
                    writer.write(data)
                    await writer.drain()
            except ConnectionError:
                pass
            finally:
                if not writer.is_closing():
                    writer.close()

        await asyncio.gather(
            pump(client_reader, up_writer, "request"),
            pump(up_reader, client_writer, "response"),
        )

    server = await asyncio.start_server(connection, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.latency_proxy", description=__doc__)
    parser.add_argument("upstream", help="e.g. http://127.0.0.1:4566")
    parser.add_argument("rtt_ms", type=float, nargs="?", default=DEFAULT_RTT_MS)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.upstream, args.rtt_ms))


if __name__ == "__main__":
    main()
