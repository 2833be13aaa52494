"""``newsroom audit``: keygen, tree-head, export, verify, history."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from newsroom import Newsroom
from newsroom.errors import ValidationError
from newsroom.treehead import TreeSigner, b64, key_id, parse_public_key, saved_head
from projections import audit
from projections.history import article_history, as_of_point, page_as_of, plain_page
from projections.registry import open_read_models
from web.settings import Settings


def cmd_keygen(args: argparse.Namespace, settings: Settings) -> int:
    signer = TreeSigner.generate()
    print("New audit key. Keep the first line secret; publish the public key.", file=sys.stderr)
    print(f"NEWSROOM_AUDIT_KEY={signer.setting()}")
    print(f"# public key {b64(signer.public_key)} (key id {key_id(signer.public_key)})")
    return 0


def cmd_tree_head(args: argparse.Namespace, settings: Settings) -> int:
    app = Newsroom.from_url(settings.database_url)
    try:
        head = audit.tree_head(open_read_models(app), settings.signer())
    finally:
        app.close()
    sys.stdout.buffer.write(orjson.dumps(head, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    app = Newsroom.from_url(settings.database_url)
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115 - stdout stays open
    try:
        for chunk in audit.export_chunks(app, after=args.after):
            out.write(chunk)
        out.flush()
    finally:
        if args.output:
            out.close()
        app.close()
    return 0


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    saved: dict[str, Any] | None = None
    if args.tree_head:
        try:
            read = orjson.loads(Path(args.tree_head).read_bytes())
        except (OSError, orjson.JSONDecodeError) as error:
            raise ValidationError(
                "--tree-head", f"cannot read a tree head from {args.tree_head}: {error}"
            ) from None
        saved = saved_head(read, "--tree-head")
    signer = settings.signer()
    public_key = (
        parse_public_key(args.public_key) if args.public_key else signer.public_key if signer else None
    )
    app = Newsroom.from_url(settings.database_url)
    try:
        store = open_read_models(app)
        # The log as it is now; records written from here on are for the next check. The projector
        # records each in the tree within moments: wait for it, so only what it never recorded fails.
        up_to = app.last_position()
        deadline = time.monotonic() + args.wait
        while store.position("audit-tree") < up_to and time.monotonic() < deadline:
            time.sleep(0.1)
        report = audit.verify(app, store, saved_head=saved, public_key=public_key, up_to=up_to)
    finally:
        app.close()
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if report.ok:
        checked = f"; it extends the saved head of {saved['tree_size']:,}" if saved else ""
        print(f"ok: {report.records:,} records, root {report.root}{checked}")
        return 0
    if report.first_bad_position is not None:
        print(f"FAILED at position {report.first_bad_position}", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    app = Newsroom.from_url(settings.database_url)
    try:
        if args.as_of:
            print(_render_page(plain_page(_as_of(app, args.slug, args.as_of))))
            return 0
        after = 0
        while True:
            events = article_history(app, args.slug, after_version=after, limit=500)
            for event in events:
                print(_history_line(event))
            if len(events) < 500:
                return 0
            after = events[-1]["version"]
    finally:
        app.close()


def _as_of(app: Newsroom, slug: str, value: str) -> dict[str, Any]:
    version, moment = as_of_point(value, "--as-of")
    return page_as_of(app, slug, version=version, moment=moment, read_models=open_read_models(app))


def _short(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _history_line(event: dict[str, Any]) -> str:
    data = ", ".join(
        f"{key}={_short(value, 40)}" for key, value in event["data"].items() if value not in (None, "", [])
    )
    return (
        f"v{event['version']:<5} #{event['position'] or '?':<7} {event['at'][:19].replace('T', ' ')}  "
        f"{(event['actor'] or '-'):<22} {event['type']:<16} {_short(data, 90)}"
    )


def _render_page(page: dict[str, Any]) -> str:
    lines = [
        f"{page['headline']}",
        f"as of version {page['as_of']['version']} ({page['as_of']['at']}), {page['status']}",
        f"by {page['byline'].get('name', '-')}",
        "",
        _short(page["body"], 400),
    ]
    for correction in page["corrections"]:
        lines.append(f"  Correction (v{correction['version']}): {correction['note']}")
    if page["updates"]:
        lines.append("")
        lines.append("Updates:")
    for update in page["updates"]:
        mark = " [PINNED]" if update["pinned"] else ""
        struck = f" [STRUCK: {update['struck_reason']}]" if update["struck"] else ""
        label = f"{update['label']}: " if update["label"] else ""
        lines.append(
            f"  {update['at'][:16].replace('T', ' ')}{mark}{struck} {label}{_short(update['body'], 80)}"
        )
    lines.append(f"\n{page['comment_count']} visible comments")
    return "\n".join(lines)


def add_audit_commands(commands: Any) -> None:
    parser = commands.add_parser("audit", help="audit the log: history, export, tree heads, verification")
    actions = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    keygen = actions.add_parser("keygen", help="make a new Ed25519 key for signing tree heads")
    keygen.set_defaults(run=cmd_keygen, storeless=True)  # a key is made before any store needs it
    head = actions.add_parser("tree-head", help="print the current signed tree head (save it to check later)")
    head.set_defaults(run=cmd_tree_head)
    export = actions.add_parser("export", help="write the whole log as NDJSON (constant memory)")
    export.add_argument("--output", "-o", help="a file (default: standard output)")
    export.add_argument("--after", type=int, default=0, help="start after this position")
    export.set_defaults(run=cmd_export)
    verify = actions.add_parser("verify", help="recompute the tree from the stored events and check it")
    verify.add_argument("--tree-head", metavar="FILE", help="an older saved head the log must extend")
    verify.add_argument(
        "--public-key",
        metavar="BASE64",
        help="the newsroom's published Ed25519 key, to check the saved head's signature with "
        "(default: the key of NEWSROOM_AUDIT_KEY)",
    )
    verify.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for the audit tree to record the newest events (default 10)",
    )
    verify.set_defaults(run=cmd_verify)
    history = actions.add_parser("history", help="an article's history, readable")
    history.add_argument("slug", help="the story")
    history.add_argument("--as-of", metavar="VERSION|TIME", help="print the article as it stood then")
    history.set_defaults(run=cmd_history)
