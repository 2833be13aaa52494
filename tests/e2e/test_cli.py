"""The ``newsroom`` command as an operator uses it: a real process, settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsroom import Newsroom
from newsroom.article import article_id
from newsroom.demo import DEMO_SLUG
from projections.article_page import HEADERS as PAGE_ARTICLES
from projections.projector import Projector
from projections.registry import ALL_PROJECTIONS, BY_NAME, open_read_models

ROOT = Path(__file__).resolve().parents[2]


def newsroom(*args: str, database_url: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs ``newsroom ARGS`` as an operator would: a new process, settings from the environment."""
    return subprocess.run(
        [sys.executable, "-m", "newsroom_cli", *args],
        cwd=cwd,
        env={**os.environ, "NEWSROOM_DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def cli_database(sql_url: str) -> str:
    """A store that exists (as `newsroom migrate` leaves it): commands other than serve, demo and migrate
    refuse to make one."""
    Newsroom.from_url(sql_url).close()
    return sql_url


def test_staff_add_prints_a_working_token_once(cli_database: str, tmp_path: Path) -> None:
    added = newsroom("staff", "add", "ines", "--role", "editor", database_url=cli_database, cwd=ROOT)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert token.startswith("nr_") and "\n" not in token
    assert "shown only this once" in added.stderr
    app = Newsroom.from_url(cli_database)
    assert app.authenticate(token).name == "ines"
    app.close()

    again = newsroom("staff", "add", "ines", "--role", "editor", database_url=cli_database, cwd=ROOT)
    assert again.returncode == 1
    assert "staff name ines is taken" in again.stderr
    assert again.stdout == ""

    rotated = newsroom("staff", "token", "ines", database_url=cli_database, cwd=ROOT)
    assert rotated.returncode == 0 and rotated.stdout.strip() != token
    app = Newsroom.from_url(cli_database)
    assert app.authenticate(rotated.stdout.strip()).name == "ines"
    app.close()


def test_bad_role_and_bad_name_are_clear_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    Newsroom.from_url(url).close()
    bad_role = newsroom("staff", "add", "ines", "--role", "owner", database_url=url, cwd=ROOT)
    assert bad_role.returncode == 2
    assert "invalid choice: 'owner'" in bad_role.stderr
    bad_name = newsroom("staff", "add", "Ines R", "--role", "editor", database_url=url, cwd=ROOT)
    assert bad_name.returncode == 1
    assert "name: must be" in bad_name.stderr
    # A setting that cannot work stops the command with one line naming it, and status 2 (a usage error).
    bad_url = newsroom("demo", database_url="mysql://x", cwd=ROOT)
    assert bad_url.returncode == 2
    assert "NEWSROOM_DATABASE_URL" in bad_url.stderr
    bad_option = newsroom("demo", database_url=f"{url}?lock_timeout=ten", cwd=ROOT)
    assert bad_option.returncode == 2
    assert "lock_timeout must be a whole number, got 'ten'" in bad_option.stderr


def test_demo_loads_once_and_prints_its_tokens(cli_database: str) -> None:
    first = newsroom("demo", database_url=cli_database, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert DEMO_SLUG in first.stdout and "demo-editor token" in first.stdout
    second = newsroom("demo", database_url=cli_database, cwd=ROOT)
    assert second.returncode == 0
    assert "already loaded" in second.stdout and "token" not in second.stdout
    app = Newsroom.from_url(cli_database)
    assert app.article(DEMO_SLUG).is_published
    app.close()


def test_default_database_is_a_sqlite_file_under_var(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NEWSROOM_DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "newsroom_cli", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "newsroom.sqlite3").is_file()


def test_rebuild_gives_back_the_same_read_models_in_parallel_or_in_one_pass(cli_database: str) -> None:
    assert newsroom("demo", database_url=cli_database).returncode == 0
    app = Newsroom.from_url(cli_database)
    try:
        store = open_read_models(app)
        Projector(app, store).catch_up()
        live = {projection.name: store.dump(projection) for projection in ALL_PROJECTIONS}
        head = app.last_position()

        # The rebuild replaces every row: a row that no event made must be gone afterwards.
        with store.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                store.sql(f"UPDATE {store.table(PAGE_ARTICLES)} SET doc = ? WHERE key = ?"),
                (b"{}", article_id(DEMO_SLUG).hex),
            )
        assert store.dump(BY_NAME["article-pages"]) != live["article-pages"]

        parallel = newsroom("rebuild", "--workers", "2", database_url=cli_database)
        assert parallel.returncode == 0, parallel.stderr
        assert f"rebuilt {', '.join(BY_NAME)}: {head:,} events" in parallel.stdout
        assert "100.0%" in parallel.stderr
        assert {projection.name: store.dump(projection) for projection in ALL_PROJECTIONS} == live
        assert store.positions(list(BY_NAME)) == dict.fromkeys(BY_NAME, head)

        one = newsroom("rebuild", "--workers", "1", "front-page", database_url=cli_database)
        assert one.returncode == 0, one.stderr
        assert f"rebuilt front-page: {head:,} events" in one.stdout
        assert store.dump(BY_NAME["front-page"]) == live["front-page"]
    finally:
        app.close()

    unknown = newsroom("rebuild", "front-pages", database_url=cli_database)
    assert unknown.returncode == 2
    assert "no read model front-pages; choose from article-pages" in unknown.stderr


def test_read_model_commands_on_the_in_memory_store_say_why_they_cannot_run() -> None:
    for command in (["rebuild"], ["project", "--no-standby"]):
        result = newsroom(*command, database_url="memory:")
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == (
            f"newsroom {command[0]}: read models need SQLite or PostgreSQL (memory: keeps none)"
        )


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("NEWSROOM_PORT", "abc"),
        ("NEWSROOM_PORT", "70000"),
        ("NEWSROOM_HEARTBEAT", "nan"),
        ("NEWSROOM_MAX_STREAMS_PER_CLIENT", "0"),
        ("NEWSROOM_TRUSTED_PROXIES", "10.0.0.0/8, not-an-address"),
        ("NEWSROOM_PUBLIC_URL", "ftp://news.example.org"),
        ("NEWSROOM_PUBLIC_URL", "https://news.example.org/?utm=x"),
    ],
)
def test_a_malformed_setting_stops_the_process_with_one_line_naming_it(
    tmp_path: Path, setting: str, value: str
) -> None:
    for command in (["serve"], ["audit", "tree-head"]):
        ran = newsroom(*command, database_url=f"sqlite:///{tmp_path}/s.sqlite3", **{setting: value})
        assert ran.returncode == 2, (command, ran.stdout, ran.stderr)
        lines = ran.stderr.strip().splitlines()
        assert len(lines) == 1, ran.stderr  # no traceback
        assert setting in lines[0]


def test_run_from_another_directory_a_command_makes_no_empty_store_and_says_there_is_none(
    tmp_path: Path,
) -> None:
    for command in (["audit", "verify"], ["staff", "add", "ines", "--role", "editor"], ["staff", "list"]):
        ran = subprocess.run(
            [sys.executable, "-m", "newsroom_cli", *command],
            cwd=tmp_path,
            env={key: value for key, value in os.environ.items() if key != "NEWSROOM_DATABASE_URL"}
            | {"PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert ran.returncode == 2, (command, ran.stdout, ran.stderr)
        assert "there is no store at sqlite:///var/newsroom.sqlite3" in ran.stderr
        assert ran.stderr.count("\n") == 1  # one line, no traceback
        assert not (tmp_path / "var").exists()  # nothing was made where it was run


def test_a_sqlite_url_with_one_slash_is_refused_and_makes_no_file(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "newsroom_cli", "demo"],
        cwd=tmp_path,
        env={**os.environ, "NEWSROOM_DATABASE_URL": "sqlite:/bad", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 2
    assert "NEWSROOM_DATABASE_URL" in ran.stderr and "sqlite:///" in ran.stderr
    assert list(tmp_path.iterdir()) == []


def test_each_command_says_which_store_it_used_and_staff_list_lists_them(cli_database: str) -> None:
    added = newsroom("staff", "add", "ines", "--role", "editor", database_url=cli_database)
    assert f"store {cli_database.split('?')[0]}" in added.stderr
    newsroom("staff", "add", "mo", "--role", "moderator", database_url=cli_database)
    newsroom("staff", "deactivate", "mo", database_url=cli_database)
    listed = newsroom("staff", "list", database_url=cli_database)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows == [["ines", "editor", "active"], ["mo", "moderator", "deactivated"]]
    assert "store " in listed.stderr


def test_a_second_demo_run_says_how_to_get_a_token(tmp_path: Path) -> None:
    from tests.server import running_server

    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    assert newsroom("demo", database_url=url).returncode == 0
    with running_server(url, "--demo"):
        process = running_server.last_process  # type: ignore[attr-defined]
    output = process.stdout.read()
    assert "newsroom staff token demo-editor" in output


def test_every_option_and_argument_of_every_command_says_what_it_is_for() -> None:
    import argparse

    from newsroom_cli.main import build_parser

    def walk(parser: argparse.ArgumentParser, path: str) -> list[str]:
        missing = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    missing += walk(sub, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{path} {action.dest}")
        return missing

    assert walk(build_parser(), "newsroom") == []
