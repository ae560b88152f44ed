"""The package's import graph, read from the source with ``ast`` (nothing is imported):
no module of ``screening/`` imports another in a circle, and only the pose adapter
(``screening/pose/``) imports mediapipe. And no module of ``screening/`` is over 350 lines
without saying why in its docstring.

Every import counts: at module level, inside functions, and under ``if TYPE_CHECKING``.
Relative imports are resolved against the importing module; ``from package import name``
is an edge to ``package.name`` when that is a module, else to ``package``. Importing a
submodule is not counted as importing its parent packages (their ``__init__`` runs, but it
is not a dependency the code chose).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "screening"
POSE_ADAPTER_DIR = ROOT / PACKAGE / "pose"
# where mediapipe must not be imported: everything of the project outside screening/pose/
NO_MEDIAPIPE = ("screening", "app.py", "validation", "tools", "benchmarks",
                "tests")
# docs/ARCHITECTURE.md: no module is over about this many lines without a reason, given in
# its docstring on a line starting LONG_BECAUSE
MAX_MODULE_LINES = 350
LONG_BECAUSE = "Long because"


def module_name(path: Path) -> str:
    """``screening/markers/drop.py`` -> ``screening.markers.drop``; a package's
    ``__init__.py`` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(*roots: str) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        path = ROOT / root
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def imported_names(path: Path) -> list[tuple[str, list[str], int]]:
    """Every import statement of ``path``: (module as written, with relative ones resolved
    to an absolute name; the names taken from it; line number)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[:-(node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, [alias.name for alias in node.names], node.lineno))
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and (getattr(node.func, "id", None) == "__import__"
                   or getattr(node.func, "attr", None) == "import_module")):
            found.append((node.args[0].value, [], node.lineno))
    return found


def import_graph() -> dict[str, set[str]]:
    """Module of ``screening/`` -> the modules of ``screening/`` it imports."""
    files = python_files(PACKAGE)
    modules = {module_name(f) for f in files}
    graph: dict[str, set[str]] = {}
    for path in files:
        own = module_name(path)
        edges: set[str] = set()
        for module, names, _line in imported_names(path):
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in modules]
            if len(targets) < len(names) or not names:
                targets.append(module)
            for target in targets:
                # `import screening.a.b` names a module; keep the longest known prefix
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != own:
                    edges.add(target)
        graph[own] = edges
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a closed path a -> ... -> a) for every strongly connected group of
    modules that import each other, found with Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_closed_path(graph, group) for group in groups]


def _closed_path(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, set()) & members):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return group + [start]


def test_no_module_of_the_package_imports_itself_in_a_circle():
    graph = import_graph()
    assert len(graph) > 40 and "screening.geometry" in graph
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_only_the_pose_adapter_imports_mediapipe():
    offenders = []
    for path in python_files(*NO_MEDIAPIPE):
        if path.is_relative_to(POSE_ADAPTER_DIR):
            continue
        for module, _names, line in imported_names(path):
            if module.split(".")[0] == "mediapipe":
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not offenders, ("only screening/pose/ may import mediapipe; use "
                           "screening.pose.mediapipe_backend instead:\n" + "\n".join(offenders))


def test_the_low_floor_stays_low():
    """The plumbing and the geometry import nothing of the package above them
    (docs/ARCHITECTURE.md)."""
    graph = import_graph()
    for module in ("landmarks", "errors", "files", "progress", "encode"):
        assert graph[f"screening.{module}"] == set(), module
    assert graph["screening.geometry"] == {"screening.landmarks"}
    assert graph["screening.filekind"] == {"screening.errors"}
    assert graph["screening.inputs"] == {"screening.filekind"}
    for module in ("jsondoc", "timeseries"):
        assert graph[f"screening.{module}"] == set(), module
    # the settings: one setting's machinery below the sections, the sections below Config
    assert graph["screening.setting"] == set()
    assert graph["screening.config_sections"] == {"screening.setting"}
    assert graph["screening.config"] <= {"screening.config_sections", "screening.setting",
                                         "screening.errors"}
    # the typed result: below everything that makes, writes or shows it
    assert graph["screening.result_words"] <= {"screening.config"}
    assert graph["screening.result_parts"] <= {"screening.result_words", "screening.errors",
                                               "screening.jsondoc"}
    assert graph["screening.results"] <= {"screening.config", "screening.errors",
                                          "screening.jsondoc", "screening.timeseries",
                                          "screening.result_words", "screening.result_parts"}


def long_modules(max_lines: int = MAX_MODULE_LINES) -> list[str]:
    """The modules of ``screening/`` over ``max_lines`` lines whose docstring gives no
    reason for their length (a line starting with LONG_BECAUSE), as ``path: N lines``."""
    offenders = []
    for path in python_files(PACKAGE):
        text = path.read_text(encoding="utf-8")
        n_lines = len(text.splitlines())
        if n_lines <= max_lines:
            continue
        docstring = ast.get_docstring(ast.parse(text, filename=str(path))) or ""
        if not any(line.strip().startswith(LONG_BECAUSE) for line in docstring.splitlines()):
            offenders.append(f"{path.relative_to(ROOT)}: {n_lines} lines")
    return offenders


def test_no_module_is_long_without_a_reason():
    """docs/ARCHITECTURE.md: a module over about 350 lines either holds several things (split
    it by what they are) or says in its docstring why it is one long thing, on a line
    starting "Long because"."""
    offenders = long_modules()
    assert not offenders, (
        f"modules over {MAX_MODULE_LINES} lines without a line starting {LONG_BECAUSE!r} in "
        "their docstring (split them by what they hold, or give the reason):\n"
        + "\n".join(offenders))


def test_the_app_is_a_shell_that_only_the_command_line_reaches():
    """screening/app/ (the Streamlit app) is on the top floor: no module of the library
    imports it, except the command line's `app` command (screening.app.launch), and only
    the app imports Streamlit."""
    graph = import_graph()
    app = {m for m in graph if m == "screening.app" or m.startswith("screening.app.")}
    assert {"screening.app.main", "screening.app.launch", "screening.app.batch",
            "screening.app.entry.pelvic_screen_app"} <= app
    reaching = {(m, t) for m in graph.keys() - app for t in graph[m] & app}
    assert reaching == {("screening.cli", "screening.app.launch")}
    offenders = []
    for path in python_files(PACKAGE):
        if path.is_relative_to(ROOT / PACKAGE / "app"):
            continue
        for module, _names, line in imported_names(path):
            if module.split(".")[0] in ("streamlit", "streamlit_webrtc"):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not offenders, "only screening/app/ may import Streamlit:\n" + "\n".join(offenders)


# -- the checker itself -------------------------------------------------------------------

def test_relative_imports_are_resolved_against_the_importing_module():
    graph = import_graph()
    assert "screening.geometry" in graph["screening.markers.drop"]       # from ..geometry
    assert "screening.markers.series" in graph["screening.markers.drop"]  # from .series
    assert "screening.pose" in graph["screening.pose.mediapipe_backend"]  # from . import X
    # a module taken by name from its package: from . import mediapipe_backend
    assert "screening.pose.mediapipe_backend" in graph["screening.pose.model"]


def test_the_length_check_names_the_long_modules_without_a_reason():
    found = long_modules(max_lines=100)
    assert any(line.startswith("screening/results.py: ") for line in found)
    assert not any(line.startswith("screening/errors.py") for line in found)  # short


def test_the_cycle_finder_prints_the_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert sorted(find_cycles(graph)) == [["a", "b", "c", "a"], ["e", "e"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
