"""A lean HTTP/1.1 client for driving load: keep-alive connections, one request in flight on each.

httpx spends about 3 ms of CPU on each request, more than the enrollment service spends answering it; on a
2-core machine the load generator would then take the cores it is meant to measure. This client writes the
request bytes itself and reads the answer by its Content-Length (uvicorn always sends one for these routes), in an
`asyncio.Protocol`: the bytes arrive in one callback, with none of a stream reader's buffering and waiting around
them (issue 16: the streams version cost 150-210 µs of CPU a request, a fifth of the enrollment service's).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit


class HttpError(Exception):
    pass


class _Connection(asyncio.Protocol):
    """One keep-alive connection; `exchange` sends a request and waits for its whole answer."""

    def __init__(self):
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._answer: asyncio.Future | None = None
        self._head: tuple[int, int] | None = None  # (status, body start) once the head is in
        self._length = 0
        self.lost = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._head is None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self._buffer[:end]).split(b"\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in lines[1:]
                           if line[:15].lower() == b"content-length:"), None)
            if length is None:
                self._fail(HttpError(f"no Content-Length in the answer ({lines[0].decode()})"))
                return
            self._head, self._length = (int(lines[0].split(b" ", 2)[1]), end + 4), length
        status, start = self._head
        if len(self._buffer) >= start + self._length:
            body = bytes(self._buffer[start:start + self._length])
            del self._buffer[:start + self._length]
            self._head = None
            if self._answer is not None and not self._answer.done():
                self._answer.set_result((status, body))

    def connection_lost(self, exc) -> None:
        self.lost = True
        # Nothing of the answer had come: the server closed an idle connection before reading the request.
        partial = bytes(self._buffer)
        self._fail(asyncio.IncompleteReadError(partial, None))

    def _fail(self, exc: BaseException) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(exc)

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.lost:
            raise asyncio.IncompleteReadError(b"", None)
        self._answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self._answer

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class LoadClient:
    """POSTs JSON to one server over up to `max_connections` keep-alive connections."""

    def __init__(self, base_url: str, headers: dict[str, str], max_connections: int = 256):
        url = urlsplit(base_url)
        self._host, self._port = url.hostname, url.port or 80
        self._headers = "".join(f"{k}: {v}\r\n" for k, v in {"Host": url.netloc, **headers}.items()).encode()
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max_connections)

    async def post_json(self, path: str, body: dict) -> tuple[int, bytes]:
        payload = json.dumps(body).encode()
        request = (b"POST " + path.encode() + b" HTTP/1.1\r\n" + self._headers +
                   b"Content-Type: application/json\r\nContent-Length: " + str(len(payload)).encode() +
                   b"\r\n\r\n" + payload)
        async with self._slots:
            while True:
                reused = bool(self._idle)
                connection = self._idle.pop() if reused else await self._connect()
                try:
                    answer = await connection.exchange(request)
                except asyncio.IncompleteReadError as exc:
                    connection.close()
                    if reused and not exc.partial:
                        continue  # closed by the server while idle (uvicorn: after 5 s), the request unread: again
                    raise
                except BaseException:
                    connection.close()  # its state is unknown: never reuse it
                    raise
                self._idle.append(connection)
                return answer

    async def _connect(self) -> _Connection:
        _, connection = await asyncio.get_running_loop().create_connection(_Connection, self._host, self._port)
        return connection

    async def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
