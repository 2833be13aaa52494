"""Editors and readers writing at once through a real server lose nothing: every change answered 201 is
stored once, each story's versions follow each other without a gap, and the page shows every one."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import httpx

from newsroom import Newsroom, Role
from newsroom.staff import OPERATOR
from tests.server import running_server

STORIES = 3
WRITERS = 8
EACH = 12


def test_concurrent_writes_over_http_are_all_kept(sql_url: str) -> None:
    app = Newsroom.from_url(sql_url)
    _, token = app.add_staff("desk", Role.EDITOR, by=OPERATOR)
    editor = app.authenticate(token)
    slugs = [f"storm-{n}" for n in range(STORIES)]
    for slug in slugs:
        app.draft_article(
            slug=slug, headline="Storm warning", body="Winds rising.", byline_name="D", by=editor
        )
        app.publish(slug, by=editor)
    app.close()

    async def writer(client: httpx.AsyncClient, n: int) -> list[tuple[str, str, int, int]]:
        answers = []
        for k in range(EACH):
            slug = slugs[(n + k) % STORIES]
            if k % 3 == 2:  # readers comment on the same stories meanwhile
                kind, path, body = "comment", "comments", {"author": f"Reader {n}", "body": f"c{n}-{k}"}
            else:
                kind, path, body = "update", "updates", {"body": f"u{n}-{k}", "label": "Live"}
            response = await client.post(f"/api/articles/{slug}/{path}", json=body)
            assert response.status_code == 201, response.text
            answer = response.json()
            answers.append((slug, f"{kind}:{body['body']}", answer["version"], answer["position"]))
        return answers

    async def everyone(base: str) -> list[tuple[str, str, int, int]]:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            results = await asyncio.gather(*(writer(client, n) for n in range(WRITERS)))
        return [answer for answers in results for answer in answers]

    with running_server(sql_url, NEWSROOM_COMMENT_LIMIT="1000000") as base:
        answers = asyncio.run(everyone(base))
        assert len({position for *_, position in answers}) == WRITERS * EACH
        versions: dict[str, list[int]] = defaultdict(list)
        for slug, _, version, _ in answers:
            versions[slug].append(version)
        for slug in slugs:
            # Versions 1 and 2 are the draft and the publication: the rest follow on without a gap.
            assert sorted(versions[slug]) == list(range(3, 3 + len(versions[slug])))
            last = max(position for s, *_, position in answers if s == slug)
            page = httpx.get(f"{base}/api/articles/{slug}", params={"after": last}, timeout=30).json()
            shown = {f"update:{u['body']}" for u in page["updates"]} | {
                f"comment:{c['body']}" for c in page["comments"]
            }
            assert shown == {text for s, text, *_ in answers if s == slug}
            assert page["version"] == 2 + len(versions[slug])


def test_two_web_processes_appending_to_one_story_both_succeed_without_contention_errors(
    sql_url: str,
) -> None:
    """Two `newsroom serve` processes on one store, eight editors on each, all appending to one story: every
    append is kept (once answered 409 write_contention after 5-19 s, as requests of one process retried
    against each other as well as against the other process)."""
    app = Newsroom.from_url(sql_url)
    _, token = app.add_staff("desk", Role.EDITOR, by=OPERATOR)
    editor = app.authenticate(token)
    app.draft_article(slug="hot", headline="Election night", body="Counting.", byline_name="D", by=editor)
    app.publish("hot", by=editor)
    app.close()

    async def writer(base: str, n: int) -> list[int]:
        versions = []
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            for k in range(EACH):
                response = await client.post(
                    "/api/articles/hot/updates", json={"body": f"{base[-5:]} {n}-{k}"}
                )
                assert response.status_code == 201, response.text
                versions.append(response.json()["version"])
        return versions

    async def both(first: str, second: str) -> list[int]:
        results = await asyncio.gather(*(writer(base, n) for base in (first, second) for n in range(WRITERS)))
        return [version for versions in results for version in versions]

    with (
        running_server(sql_url, NEWSROOM_PROJECTOR="embedded") as first,
        running_server(sql_url, NEWSROOM_PROJECTOR="external") as second,
    ):
        versions = asyncio.run(both(first, second))
    assert sorted(versions) == list(range(3, 3 + 2 * WRITERS * EACH))
