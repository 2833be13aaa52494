"""``newsroom`` subcommands. Each returns an exit status; domain errors print one line and exit 1."""

from __future__ import annotations

import argparse
import logging.config
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence

from newsroom import Newsroom, Role
from newsroom.database import describe, shared_between_processes, store_exists
from newsroom.demo import DEMO_SLUG, load_demo
from newsroom.errors import NewsroomError
from newsroom.staff import OPERATOR
from newsroom_cli.audit import add_audit_commands
from newsroom_cli.erase import add_erase_commands
from newsroom_cli.progress import ProgressBar
from projections.projector import run_projector
from projections.rebuild import rebuild, rebuild_in_processes
from projections.registry import ALL_PROJECTIONS, BY_NAME, UnsupportedStoreError, open_read_models
from web.bootstrap import projecting
from web.fanout.backends import backend_for
from web.logs import log_config
from web.metrics import MULTIPROCESS_DIR
from web.settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]


def _open(settings: Settings) -> Newsroom:
    return Newsroom.from_url(settings.database_url)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    app = _open(settings)
    try:
        result = load_demo(app)
    finally:
        app.close()
    if not result.loaded:
        print(f"The demo story is already loaded: {DEMO_SLUG}")
        return 0
    print(f"Loaded the demo story: {DEMO_SLUG}")
    if result.editor_token:
        print(f"demo-editor token (shown once):    {result.editor_token}")
    if result.moderator_token:
        print(f"demo-moderator token (shown once): {result.moderator_token}")
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Creates the event store's and the read models' tables (idempotent), for deployments that want it
    done once before the web processes and the projector start."""
    app = _open(settings)
    try:
        open_read_models(app)
    finally:
        app.close()
    print("tables ready")
    return 0


def cmd_staff_add(args: argparse.Namespace, settings: Settings) -> int:
    app = _open(settings)
    try:
        _, token = app.add_staff(args.name, Role(args.role), by=OPERATOR)
    finally:
        app.close()
    print(f"Added {args.name} as {args.role}. Their token, shown only this once:", file=sys.stderr)
    print(token)
    return 0


def cmd_staff_token(args: argparse.Namespace, settings: Settings) -> int:
    app = _open(settings)
    try:
        _, token = app.issue_token(args.name, by=OPERATOR)
    finally:
        app.close()
    print(f"New token for {args.name}; the old one no longer works:", file=sys.stderr)
    print(token)
    return 0


def cmd_staff_list(args: argparse.Namespace, settings: Settings) -> int:
    app = _open(settings)
    try:
        members = app.staff_members()
    finally:
        app.close()
    for member in members:
        print(f"{member.name:<24} {member.role!s:<10} {'active' if member.active else 'deactivated'}")
    if not members:
        print("no staff yet: `newsroom staff add NAME --role admin`", file=sys.stderr)
    return 0


def cmd_staff_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    app = _open(settings)
    try:
        app.deactivate_staff(args.name, by=OPERATOR)
    finally:
        app.close()
    print(f"Deactivated {args.name}; their token no longer works.")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    host = args.host or settings.host
    port = args.port or settings.port
    # The app reads its settings in each worker from the environment: the address it serves at is part of
    # them (its own URL, when NEWSROOM_PUBLIC_URL is not set).
    os.environ["NEWSROOM_HOST"], os.environ["NEWSROOM_PORT"] = host, str(port)
    print(f"newsroom serve: store {describe(settings.database_url)}", file=sys.stderr)
    if args.demo:
        app = _open(settings)
        try:
            result = load_demo(app) if app.last_position() == 0 else None
        finally:
            app.close()
        if result is not None:
            print(f"Loaded the demo story; demo-editor token (shown once): {result.editor_token}")
        else:
            print(
                "The store has stories already. A new token for the demo editor: "
                "`newsroom staff token demo-editor` (the old one stops working)"
            )
        print(
            f"Open http://{host}:{port}/articles/{DEMO_SLUG}  (editor desk: http://{host}:{port}/desk)",
            flush=True,
        )
    if args.workers > 1 and not os.environ.get(MULTIPROCESS_DIR):
        # Each worker writes its metrics here, so a scrape of any worker reports them all.
        os.environ[MULTIPROCESS_DIR] = tempfile.mkdtemp(prefix="newsroom-metrics-")
    uvicorn.run(
        "web.app:create_server_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        loop="uvloop",
        http="web.protocol:GuardedHttpProtocol",  # httptools, with a deadline for each request
        timeout_graceful_shutdown=5,
        # X-Forwarded-For is believed only from NEWSROOM_TRUSTED_PROXIES (the right-most address that is not
        # one of them is the client); uvicorn's default would believe anyone on loopback.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        log_level=args.log_level,
        log_config=log_config(args.log_level),
        access_log=False,  # newsroom.access logs each request, with its id
    )
    return 0


def cmd_project(args: argparse.Namespace, settings: Settings) -> int:
    app = _open(settings)
    store = open_read_models(app)
    backend = backend_for(settings.redis_url, settings.redis_prefix) if settings.redis_url else None
    own = projecting(settings, app, store, backend, batch_size=args.batch_size)
    projector, close_listeners = own.projector, own.close
    stop = threading.Event()

    def shut_down(*_: object) -> None:
        stop.set()
        projector.wake.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, shut_down)
    logging.config.dictConfig(log_config())
    say = logging.getLogger("newsroom.projector").info
    say(f"projecting {', '.join(p.name for p in ALL_PROJECTIONS)}")
    try:
        ran = run_projector(projector, stop, standby=not args.no_standby, say=say)
    finally:
        close_listeners()
        if backend is not None:
            backend.close()
        app.close()
    return 0 if ran else 3


def cmd_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    unknown = [name for name in args.names if name not in BY_NAME]
    if unknown:
        print(
            f"newsroom rebuild: no read model {', '.join(unknown)}; choose from {', '.join(BY_NAME)}",
            file=sys.stderr,
        )
        return 2
    # In the registry's order, heaviest first: the processes then share the work out evenly.
    names = [name for name in BY_NAME if name in args.names] or list(BY_NAME)
    workers = min(args.workers or os.cpu_count() or 1, len(names))
    bar = ProgressBar(", ".join(names))
    if workers > 1 and shared_between_processes(settings.database_url):
        # Read models are independent: the heaviest get a process each, the rest share one pass.
        report = rebuild_in_processes(settings.database_url, names, workers=workers, progress=bar)
    else:
        app = _open(settings)
        try:
            store = open_read_models(app)
            report = rebuild(app, store, [BY_NAME[name] for name in names], progress=bar)  # one pass
        finally:
            app.close()
    bar.finish()
    print(
        f"rebuilt {report.name}: {report.events:,} events in {report.seconds:.2f} s "
        f"({report.events_per_second:,.0f} events/s)"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsroom",
        description="Event-sourced newsroom backend. Settings come from NEWSROOM_* variables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    migrate = commands.add_parser("migrate", help="create the tables (done on demand anyway), then exit")
    migrate.set_defaults(run=cmd_migrate)

    demo = commands.add_parser("demo", help="load the sample running story (once)")
    demo.set_defaults(run=cmd_demo)

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", help="default: NEWSROOM_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: NEWSROOM_PORT or 8000")
    serve.add_argument("--workers", type=int, default=1, help="web processes sharing the port (default 1)")
    serve.add_argument("--demo", action="store_true", help="load the demo story first if the store is empty")
    serve.add_argument("--log-level", default="info", help="debug, info, warning or error (default info)")
    serve.set_defaults(run=cmd_serve)

    project = commands.add_parser("project", help="run the projections as their own process")
    project.add_argument(
        "--batch-size", type=int, default=1000, help="events read and applied at a time (default 1000)"
    )
    project.add_argument(
        "--no-standby", action="store_true", help="exit (status 3) if another projector is running"
    )
    project.set_defaults(run=cmd_project)

    rebuild_parser = commands.add_parser("rebuild", help="rebuild read models from the event log")
    rebuild_parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"read models to rebuild (default: all of {', '.join(BY_NAME)})",
    )
    rebuild_parser.add_argument(
        "--workers",
        type=int,
        help="processes rebuilding read models side by side (default: one per core); 1: one pass",
    )
    rebuild_parser.set_defaults(run=cmd_rebuild)

    staff = commands.add_parser("staff", help="manage staff and their API tokens")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    add = staff_commands.add_parser("add", help="add a staff member and print their token once")
    add.add_argument("name", help="lower-case letters, digits, '.', '_' or '-'")
    add.add_argument("--role", required=True, choices=[str(role) for role in Role], help="what they may do")
    add.set_defaults(run=cmd_staff_add)
    token = staff_commands.add_parser("token", help="issue a new token (the old one stops working)")
    token.add_argument("name", help="the staff member")
    token.set_defaults(run=cmd_staff_token)
    deactivate = staff_commands.add_parser("deactivate", help="revoke a staff member's access")
    deactivate.add_argument("name", help="the staff member")
    deactivate.set_defaults(run=cmd_staff_deactivate)
    listing = staff_commands.add_parser("list", help="every staff member, their role, and whether active")
    listing.set_defaults(run=cmd_staff_list)
    add_audit_commands(commands)
    add_erase_commands(commands)
    return parser


# The commands that make a store when there is none; the others would only make an empty one and work on it.
MAKE_A_STORE = ("serve", "demo", "migrate")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_environ()
        exists = store_exists(settings.database_url)
    except NewsroomError as error:  # a setting that cannot work: one line naming it
        print(f"newsroom: {error.message}", file=sys.stderr)
        return 2
    url = describe(settings.database_url)
    needs_store = not getattr(args, "storeless", False)
    if needs_store and not exists and args.command not in MAKE_A_STORE:
        print(
            f"newsroom {args.command}: there is no store at {url} (NEWSROOM_DATABASE_URL); "
            "`newsroom migrate` makes one",
            file=sys.stderr,
        )
        return 2
    run: Command = args.run
    try:
        status = run(args, settings)
        if status == 0 and args.command != "serve" and needs_store:
            print(f"newsroom {args.command}: store {url}", file=sys.stderr)
        return status
    except NewsroomError as error:
        print(f"newsroom: {error.message}", file=sys.stderr)
        return 1
    except UnsupportedStoreError as error:  # e.g. `rebuild` or `project` on the in-memory store
        print(f"newsroom {args.command}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`newsroom audit export | head`): not an error
        sys.stderr.close()
        return 0
