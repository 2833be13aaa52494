"""``newsroom erase comment|update|commenter`` (lawful removal) and ``newsroom scrub`` (the maintenance step
that leaves no copy of erased text in the database's files on PostgreSQL, or in a SQLite file written before
it zeroed what it freed)."""

from __future__ import annotations

import argparse
import sys
from uuid import UUID

from newsroom import Newsroom
from newsroom.errors import ValidationError
from newsroom.staff import OPERATOR
from projections.erasure import erase_commenter, find_commenter, wait_until_gone
from projections.postgres import ScrubRefusedError
from projections.projector import Projector
from projections.registry import ReadModels, open_read_models
from web.settings import Settings

GONE_SECONDS = 60.0


def _id(value: str, what: str) -> UUID:
    try:
        return UUID(hex=value)
    except ValueError:
        raise ValidationError(what, f"{value!r} is not the id of a {what}") from None


def _projected(app: Newsroom, store: ReadModels, position: int) -> bool:
    """The erasure applied to every read model and the files scrubbed: by the running projector, or here
    when none is running."""
    with store.runner_lock() as lock:
        if lock.acquire(blocking=False):  # no projector runs: this command does its work
            projector = Projector(app, store)
            projector.catch_up()
            store.scrub()
            return True
    return wait_until_gone(store, position, GONE_SECONDS)


def _exit_status(done: bool) -> int:
    if not done:
        print("The projector has not applied it yet: readers see it until it does.", file=sys.stderr)
        return 1
    return 0


def cmd_erase_item(args: argparse.Namespace, settings: Settings) -> int:
    app = Newsroom.from_url(settings.database_url)
    try:
        item = _id(args.id, args.kind)
        method = app.erase_comment if args.kind == "comment" else app.erase_update
        receipt = method(args.slug, item, reason=args.reason, by=OPERATOR)
        done = _projected(app, open_read_models(app), receipt.position)
    finally:
        app.close()
    print(f"Erased {args.kind} {item.hex} of {args.slug} (position {receipt.position}).")
    return _exit_status(done)


def cmd_erase_commenter(args: argparse.Namespace, settings: Settings) -> int:
    app = Newsroom.from_url(settings.database_url)
    try:
        store = open_read_models(app)
        if args.dry_run:
            found = find_commenter(app, store, args.name)
            for slug, comments in sorted(found.items()):
                print(f"{slug}: {len(comments)} comment{'s' if len(comments) != 1 else ''}")
            print(f"{sum(map(len, found.values()))} comments signed {args.name!r} would be erased.")
            return 0
        report = erase_commenter(app, store, args.name, reason=args.reason or "", by=OPERATOR)
        done = _projected(app, store, report.position) if report.position else True
    finally:
        app.close()
    print(
        f"Erased {report.comments} comment{'s' if report.comments != 1 else ''} signed {args.name!r} "
        f"on {len(report.stories)} stor{'ies' if len(report.stories) != 1 else 'y'}, and {report.bans} "
        f"ban{'s' if report.bans != 1 else ''} naming them."
    )
    return _exit_status(done)


def cmd_scrub(args: argparse.Namespace, settings: Settings) -> int:
    app = Newsroom.from_url(settings.database_url)
    try:
        store = open_read_models(app)
        try:
            rewritten = store.rewrite_files()
        except ScrubRefusedError as error:
            print(f"newsroom scrub: nothing done: {error}", file=sys.stderr)
            return 2
    finally:
        app.close()
    print(f"Rewrote {', '.join(rewritten)}: no freed copy of erased text is left in them.")
    return 0


def add_erase_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    erase = commands.add_parser(
        "erase", help="lawful removal: an update, a comment, or a commenter's comments"
    )
    kinds = erase.add_subparsers(dest="erase_command", required=True, metavar="WHAT")
    for kind in ("comment", "update"):
        one = kinds.add_parser(kind, help=f"erase one {kind}: its words destroyed, a tombstone kept")
        one.add_argument("slug", help="the story")
        one.add_argument("id", help=f"the {kind}'s id (hex)")
        one.add_argument("--reason", required=True, help="the legal reason, kept on the record")
        one.set_defaults(run=cmd_erase_item, kind=kind)
    commenter = kinds.add_parser("commenter", help="erase every comment signed NAME, on every story")
    commenter.add_argument("name", help="the name they sign with (case and spacing aside)")
    commenter.add_argument("--reason", help="the legal reason, kept on the record")
    commenter.add_argument("--dry-run", action="store_true", help="list what would be erased, erase nothing")
    commenter.set_defaults(run=cmd_erase_commenter)
    scrub = commands.add_parser(
        "scrub", help="rewrite the tables that held erased text (PostgreSQL's maintenance step after erasing)"
    )
    scrub.set_defaults(run=cmd_scrub)
