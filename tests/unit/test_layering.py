"""The layers stay apart: the domain package never imports the web side, the read models or network clients;
the read models never import the web side; and no module imports, even from inside a function, a module that
imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("web", "projections", "newsroom_cli", "starlette", "sse_starlette", "redis", "uvicorn", "httpx")


PACKAGES = ("newsroom", "projections", "web", "newsroom_cli")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_forbidden_import_statements_in_newsroom() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "newsroom").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_importing_newsroom_loads_no_forbidden_module() -> None:
    """Catches indirect imports too (importlib, a helper that pulls in redis, ...)."""
    modules = [
        f"newsroom.{path.stem}" for path in (ROOT / "newsroom").glob("*.py") if path.stem != "__init__"
    ]
    script = (
        "import sys, importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(modules) >= 7
    assert [name for name in loaded if name.split(".")[0] in FORBIDDEN] == []


def test_no_forbidden_import_statements_in_projections() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "projections").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in ("web", "newsroom_cli", "starlette", "sse_starlette", "redis", "uvicorn")
    }
    assert offenders == set()


def module_graph(root: Path) -> dict[str, set[str]]:
    """Our modules and the modules of ours each imports, anywhere in it (a function-local import counts:
    it is the same cycle, only hidden). ``from web import previews`` is an edge to ``web.previews``."""
    paths: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            paths[".".join(parts)] = path

    def ours(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        edges: set[str] = set()
        tree = ast.parse(path.read_text(), filename=str(path))
        skipped = type_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                edges.update(found for alias in node.names if (found := ours(alias.name)))
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    found = submodule if submodule in paths else ours(node.module)
                    if found:
                        edges.add(found)
        edges.discard(module)
        graph[module] = edges
    return graph


def type_only(tree: ast.Module) -> set[int]:
    """The nodes under ``if TYPE_CHECKING:``: imports for the type checker, which never run (an event's
    ``apply`` names the aggregate it changes so)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            found.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_cycles_anywhere() -> None:
    graph = module_graph(ROOT)
    assert len(graph) > 100
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "__init__.py").write_text("")
    (tmp_path / "web" / "a.py").write_text("from web.b import thing\n")
    (tmp_path / "web" / "b.py").write_text("def thing():\n    from web import a\n")
    (tmp_path / "web" / "c.py").write_text("from web import a\n")
    assert cycles(module_graph(tmp_path)) == [["web.a", "web.b"]]


def test_the_check_itself_catches_an_offender(tmp_path: Path) -> None:
    offender = tmp_path / "bad.py"
    offender.write_text("from web.settings import Settings\nimport redis.asyncio\n")
    assert imported_modules(offender) == {"web.settings", "redis.asyncio"}


def test_the_projector_process_publishes_without_loading_the_web_framework() -> None:
    """`newsroom project` (the command line, the projector, the Redis backend) loads no Starlette app,
    router, request or response, and no uvicorn: only the settings reader and type names."""
    script = (
        "import sys\n"
        "import newsroom_cli.main, projections.projector, web.fanout.backends.redis\n"
        "web_side = ('starlette', 'uvicorn', 'sse_starlette')\n"
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in web_side))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert set(loaded) <= {"starlette", "starlette.config", "starlette.types"}, loaded


def test_web_writes_only_through_the_one_entry() -> None:
    """Every write the web side makes is a command handed to ``Newsroom.handle`` (or to the loop's commits,
    which end there): no module of web/ calls one of the application's write methods by name."""
    from newsroom import Newsroom, actions, commands

    writes = {kind.name() for kind in commands.CHANGES} | {
        "execute",
        "draft_article",
        "add_staff",
        "issue_token",
        "change_role",
        "change_profile",
        "deactivate_staff",
        "ban_commenter",
        "lift_ban",
        "erase_ban",
        "erase_comments",
        "moderate_comments",
    }
    assert all(callable(getattr(Newsroom, name)) for name in writes)
    assert len(actions.Action.__subclasses__()) >= 10
    offenders = sorted(
        f"{path.relative_to(ROOT)}:{node.lineno}: app.{node.attr}"
        for path in (ROOT / "web").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Attribute)
        and node.attr in writes
        and _is_the_app(node.value)
        and not (path.name == "commits.py" and node.attr == "execute")
    )
    assert offenders == []


def _is_the_app(node: ast.expr) -> bool:
    """``app``, ``self._app``, ``svc.app``, ``services(request).app``: the application, as web/ names it."""
    return (isinstance(node, ast.Name) and node.id == "app") or (
        isinstance(node, ast.Attribute) and node.attr in ("app", "_app")
    )
