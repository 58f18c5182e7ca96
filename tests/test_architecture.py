"""The shape of the code: no import cycles between our modules, and core/ stays platform-free."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "core", "storage")
PLATFORM = ("slack_bolt", "slack_sdk", "telegram", "sqlmodel", "sqlalchemy", "aiohttp", "httpx", "apscheduler",
            "asyncpg", "aiosqlite")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module imported anywhere in the file (lazy imports inside functions count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts}
    return {name: {dep for dep in _imports(path) if dep in files and dep != name} for name, path in files.items()}


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_core_imports_no_platform_database_or_network_library() -> None:
    for path in (ROOT / "core").rglob("*.py"):
        bad = {m for m in _imports(path) if m.split(".")[0] in PLATFORM}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_an_idle_bot_loads_no_chart_qr_or_migration_library() -> None:
    import subprocess
    import sys

    heavy = ("matplotlib", "numpy", "PIL", "qrcode", "alembic")
    code = ("import sys, bot.runtime, bot.adapters.slack, bot.adapters.telegram, bot.cli;"
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
