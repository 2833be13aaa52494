"""A crowd of SSE readers in a process of its own, driven over stdin/stdout (one JSON object a line).

A process holds at most about 10,000 readers here (the open-files limit is 20,000, and the client should
take as little of the two cores as it can), so bench/edge.py runs one crowd per edge. Each reader is a raw
asyncio socket that notes the id and arrival time of every message, and behaves as a browser's
EventSource does: when its stream ends or its proxy goes away, it comes back after 1 to 3 s (or sooner
after a refused connection) with ``Last-Event-ID`` to the next address it knows, as a load balancer would
send it.

    {"op": "connect", "targets": [["127.0.0.1", 7999], ...], "path": "/api/live", "count": 10000,
     "rate": 500, "last_event_id": 12}                           -> {"connected": 10000, "refused": 3}
    {"op": "latencies", "sent": {"42": 1700000000.123, ...}}      -> {"ms": [...], "missing": 0}
    {"op": "trim", "keep": 9000}                                  -> {"kept": 9000}
    {"op": "check", "expected": [42, 43, ...]}                    -> {"exact": N, "lost": 0, "doubled": 0,
                                                                      "caught_up_at": <wall time>}
    {"op": "close"}
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

ID = re.compile(rb"\nid: (\d+)\n")
STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3})")
CONNECT_SECONDS = 15  # a stream that has not answered by then is closed and asked for again


@dataclass
class Reader:
    crowd: Crowd
    last_id: int | None
    target: int  # index of the address it uses now
    ids: list[int] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)
    connected: asyncio.Future[bool] | None = None
    open: bool = False  # its stream is open now
    gone: bool = False  # left for good (trimmed): never comes back
    transport: asyncio.Transport | None = None


class Stream(asyncio.Protocol):
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.head = b""
        self.tail = b""
        self.status: int | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.reader.transport = self.transport

    def data_received(self, data: bytes) -> None:
        now = time.time()
        reader = self.reader
        if self.status is None:
            self.head += data
            if b"\r\n\r\n" not in self.head:
                return
            header, data = self.head.split(b"\r\n\r\n", 1)
            found = STATUS.match(header)
            self.status = int(found.group(1)) if found else 0
            reader.open = self.status == 200
            if reader.connected is not None and not reader.connected.done():
                reader.connected.set_result(self.status == 200)
            if self.status != 200:
                assert self.transport is not None
                self.transport.close()
                return
        buffer = self.tail + data
        for match in ID.finditer(buffer):
            ident = int(match.group(1))
            if match.end() <= len(self.tail):
                continue  # whole in the tail kept from the last read: counted then
            reader.ids.append(ident)
            reader.arrived.append(now)
            reader.last_id = ident
        self.tail = buffer[-32:]

    def connection_lost(self, exc: Exception | None) -> None:
        reader = self.reader
        reader.open = False
        if reader.connected is not None and not reader.connected.done():
            reader.connected.set_result(False)
        reader.crowd.lost(reader, refused=self.status != 200)


class Crowd:
    def __init__(self) -> None:
        self.readers: list[Reader] = []
        self.targets: list[tuple[str, int]] = []
        self.path = "/"
        self.closing = False
        self.refused = 0
        self.stalled = 0
        self.reconnects = 0
        self.in_flight = asyncio.Semaphore(80)  # a proxy refuses more than about 100 setups at once

    async def open(self, reader: Reader) -> bool:
        host, port = self.targets[reader.target % len(self.targets)]
        loop = asyncio.get_running_loop()
        reader.connected = loop.create_future()
        headers = f"GET {self.path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
        if reader.last_id is not None:
            headers += f"Last-Event-ID: {reader.last_id}\r\n"
        async with self.in_flight:
            try:
                _, stream = await loop.create_connection(lambda: Stream(reader), host, port)
            except OSError:
                reader.connected.set_result(False)
                self.lost(reader, refused=True)
                return False
            assert stream.transport is not None
            stream.transport.write((headers + "\r\n").encode())
            try:
                return await asyncio.wait_for(asyncio.shield(reader.connected), CONNECT_SECONDS)
            except TimeoutError:  # no answer: as a reader whose page gives up and tries again
                self.stalled += 1
                stream.transport.close()
                return False

    def lost(self, reader: Reader, *, refused: bool) -> None:
        """As EventSource: back after the stream's retry (1 to 3 s), elsewhere if its proxy went away."""
        if self.closing or reader.gone:
            return
        if refused:
            self.refused += 1
        reader.target += 1
        self.reconnects += 1
        delay = random.uniform(0.2, 1.0) if refused else random.uniform(1.0, 3.0)
        asyncio.get_running_loop().call_later(delay, lambda: asyncio.ensure_future(self.open(reader)))

    async def connect(self, command: dict[str, Any]) -> dict[str, object]:
        self.targets = [(str(host), int(port)) for host, port in command["targets"]]
        self.path = str(command["path"])
        count, rate = int(command["count"]), float(command.get("rate", 500))
        last = command.get("last_event_id")
        started = time.monotonic()
        pending = []
        for n in range(count):
            reader = Reader(self, int(last) if last is not None else None, n)
            self.readers.append(reader)
            pending.append(asyncio.ensure_future(self.open(reader)))
            ahead = (n + 1) / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
        opened = await asyncio.gather(*pending)
        return {"connected": sum(opened), "refused": self.refused}

    def trim(self, keep: int) -> dict[str, object]:
        """Readers past the first ``keep`` leave for good (closing the tab)."""
        for reader in self.readers[keep:]:
            reader.gone = True
            if reader.transport is not None:
                reader.transport.close()
        del self.readers[keep:]
        return {"kept": len(self.readers)}

    def latencies(self, sent: dict[str, float]) -> dict[str, object]:
        sent_at = {int(ident): at for ident, at in sent.items()}
        ms: list[float] = []
        missing = 0
        for reader in self.readers:
            got: dict[int, float] = {}
            for ident, at in zip(reader.ids, reader.arrived, strict=True):
                got.setdefault(ident, at)  # its first arrival
            for ident, at in sent_at.items():
                if ident in got:
                    ms.append(round((got[ident] - at) * 1000, 2))
                else:
                    missing += 1
        return {"ms": ms, "missing": missing}

    def check(self, expected: list[int]) -> dict[str, object]:
        wanted = set(expected)
        exact = lost = doubled = 0
        caught_up = 0.0
        missing: dict[int, int] = {}
        for reader in self.readers:
            mine = [ident for ident in reader.ids if ident in wanted]
            doubled += len(mine) - len(set(mine))
            lost += len(wanted - set(mine))
            for ident in wanted - set(mine):
                missing[ident] = missing.get(ident, 0) + 1
            exact += mine == sorted(wanted)
            arrivals = [at for ident, at in zip(reader.ids, reader.arrived, strict=True) if ident in wanted]
            caught_up = max(caught_up, max(arrivals, default=0.0))
        return {
            "exact": exact,
            "lost": lost,
            "doubled": doubled,
            "caught_up_at": caught_up,
            "missing": {str(ident): count for ident, count in sorted(missing.items())},
            "open": sum(reader.open for reader in self.readers),
        }


async def main() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    crowd = Crowd()
    loop = asyncio.get_running_loop()
    lines = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(lines), sys.stdin)
    while line := await lines.readline():
        command = orjson.loads(line)
        op = command["op"]
        if op == "connect":
            answer = await crowd.connect(command)
        elif op == "latencies":
            answer = crowd.latencies(command["sent"])
        elif op == "trim":
            answer = crowd.trim(int(command["keep"]))
        elif op == "check":
            answer = crowd.check(command["expected"])
        else:
            crowd.closing = True
            break
        answer["reconnects"] = crowd.reconnects
        answer["stalled"] = crowd.stalled
        sys.stdout.buffer.write(orjson.dumps(answer) + b"\n")
        sys.stdout.flush()
    os._exit(0)  # thousands of sockets and timers: the process ends, with no tidying of each


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
