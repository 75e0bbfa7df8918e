"""A lean HTTP/1.1 client for driving load: keep-alive connections, one request in flight on each.

httpx spends about 3 ms of CPU on each request, more than the enrollment service spends answering it; on a
2-core machine the load generator would then take the cores it is meant to measure. This client writes the
request bytes itself and reads the answer by its Content-Length (uvicorn always sends one for these routes).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit


class HttpError(Exception):
    pass


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = next((int(line.split(b":", 1)[1]) for line in lines[1:]
                       if line[:15].lower() == b"content-length:"), None)
        if length is None:
            raise HttpError(f"no Content-Length in the answer ({lines[0].decode()})")
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


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
                connection = self._idle.pop() if reused else _Connection(
                    *await asyncio.open_connection(self._host, self._port))
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

    async def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
