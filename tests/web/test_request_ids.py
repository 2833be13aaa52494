"""Request ids made by the server: 32 hex digits, never repeated, not even by a forked worker."""

from __future__ import annotations

import os
import re

from web.logs import request_id_for

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_new_ids_are_hex_and_unique() -> None:
    ids = [request_id_for({"headers": []}) for _ in range(10_000)]
    assert all(HEX32.match(each) for each in ids)
    assert len(set(ids)) == len(ids)


def test_a_valid_incoming_id_is_kept_and_an_invalid_one_replaced() -> None:
    assert request_id_for({"headers": [(b"x-request-id", b"trace-42")]}) == "trace-42"
    replaced = request_id_for({"headers": [(b"x-request-id", b"no spaces allowed")]})
    assert HEX32.match(replaced)


def test_a_forked_process_does_not_repeat_its_parents_ids() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.close(read)
        os.write(write, " ".join(request_id_for({"headers": []}) for _ in range(100)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split())
    os.waitpid(pid, 0)
    parent = {request_id_for({"headers": []}) for _ in range(100)}
    assert len(child) == 100 and not child & parent
    assert {each[:16] for each in child}.isdisjoint({each[:16] for each in parent})
