"""The domain package stays plain: it never imports the web side, the read models, or network clients."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("web", "projections", "newsroom_cli", "starlette", "sse_starlette", "redis", "uvicorn", "httpx")


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
