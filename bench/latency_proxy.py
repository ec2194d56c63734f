"""A TCP proxy that adds a fixed round trip to every request, as a remote AWS endpoint would."""

from __future__ import annotations

import asyncio
import threading
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
    would on the network, so figures reflect request counts and overlap, not the
    emulator's CPU. HTTP/1.1 without pipelining (what botocore speaks) is assumed.
    """

    upstream: str
    rtt_ms: float = DEFAULT_RTT_MS
    port: int = 0
    exchanges: int = 0
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _server: asyncio.base_events.Server | None = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LatencyProxy:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._connection, "127.0.0.1", 0)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="latency-proxy", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None or self._server is None:
            return
        loop, server = self._loop, self._server

        async def close() -> None:
            server.close()
            # Connections still open (pooled by botocore) end with the loop: cancel them first.
            current = asyncio.current_task()
            pending = [task for task in asyncio.all_tasks() if task is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    async def _connection(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        target = urlsplit(self.upstream)
        try:
            up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
        except OSError:
            client_writer.close()
            return
        # Which side spoke last: a change of direction starts a request or its answer.
        turn = {"last": "response"}
        half = self.rtt_ms / 2000.0

        async def pump(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: str
        ) -> None:
            try:
                while data := await reader.read(_CHUNK):
                    if turn["last"] != direction:
                        turn["last"] = direction
                        if direction == "request":
                            self.exchanges += 1
                        await asyncio.sleep(half)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                if not writer.is_closing():
                    writer.close()

        await asyncio.gather(
            pump(client_reader, up_writer, "request"),
            pump(up_reader, client_writer, "response"),
        )
