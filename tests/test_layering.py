"""The package's layers (docs: DESIGN, "imports only point down"), enforced.

Every module under ``subnetfrag/`` is parsed with :mod:`ast` (nothing is
imported, so an import inside a function counts as much as one at the top),
its subnetfrag-internal imports are resolved (absolute and relative), and each
must point to its own layer or a lower one. A new module must be placed in a
layer below before this test passes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "subnetfrag"

#: Bottom to top. A module's layer is that of its first path component below
#: ``subnetfrag`` (a sub-package or a module). ``example`` is the package's
#: demo (``python -m subnetfrag.example``): a user of the whole public API
#: (``import subnetfrag as sf``, the AWS example included), so it sits at the
#: top, and nothing imports it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("extents", "addresses", "errors", "owner", "wording", "policies", "subnet", "inputs"),
    ("vpc", "pool"),
    ("ipamd", "capacity", "maxpods", "instances"),
    ("metrics", "blockmap", "advice"),
    ("sim",),
    ("aws",),
    ("exporter", "render", "cli", "example", "__init__", "__main__"),
)

#: The known upward references, each (module, imported name), kept here so that
#: no new one can come in unseen and a stale entry fails too. They are
#: convenience doors of the subnet and pool layers to the analysis layer:
#: ``Subnet.report()`` and ``Subnet.block_map()`` import :mod:`subnetfrag.metrics`
#: and :mod:`subnetfrag.blockmap` lazily inside the method (the public API has
#: had them from the start), and the annotations of those methods and of
#: ``PoolReport.subnets`` name the analysis types under ``TYPE_CHECKING`` only.
KNOWN_DOORS: frozenset[tuple[str, str]] = frozenset(
    {
        ("subnetfrag/subnet.py", "subnetfrag.blockmap.BlockInfo"),
        ("subnetfrag/subnet.py", "subnetfrag.metrics.FragmentationReport"),
        ("subnetfrag/subnet.py", "subnetfrag.metrics.report"),
        ("subnetfrag/subnet.py", "subnetfrag.blockmap.block_map"),
        ("subnetfrag/pool.py", "subnetfrag.metrics.FragmentationReport"),
    }
)
_RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _internal_imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every subnetfrag import in ``path``."""
    module = _module_name(path)
    package = module if _is_package(path) else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from . import x`` / ``from subnetfrag import sim``: x may be a module.
            out += [(node.lineno, f"{target}.{a.name}") for a in node.names]
    return [(line, name) for line, name in out if name.split(".")[0] == "subnetfrag"]


def _layer(name: str) -> str:
    """The layer key of module ``subnetfrag.X...``. The package itself, and a
    name imported from it that is not a module (``from subnetfrag import
    Subnet``), count as ``__init__``: the package imports every layer."""
    parts = name.split(".")
    if len(parts) < 2:
        return "__init__"
    key = parts[1]
    if key in _RANK:
        return key
    if (PACKAGE / key).is_dir() or (PACKAGE / f"{key}.py").exists():
        raise AssertionError(f"subnetfrag.{key} is in no layer: add it to LAYERS")
    return "__init__"


def _upward() -> list[tuple[str, int, str, str, str]]:
    """(file, line, own layer, imported name, its layer) of every import that
    points to a higher layer."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = _layer(_module_name(path))
        for line, name in _internal_imports(path):
            target = _layer(name)
            if _RANK[target] > _RANK[own]:
                found.append((path.relative_to(PACKAGE.parent).as_posix(), line, own, name, target))
    return found


def _violations() -> list[str]:
    """The upward imports that are not :data:`KNOWN_DOORS`, one line each."""
    return [
        f"{file}:{line} ({own}) imports {name} ({target})"
        for file, line, own, name, target in _upward()
        if (file, name) not in KNOWN_DOORS
    ]


def test_every_module_is_in_a_layer_and_imports_only_point_down() -> None:
    assert _violations() == []


def test_the_known_doors_are_exactly_the_upward_imports_left() -> None:
    """A door removed must leave KNOWN_DOORS too (a stale entry would hide a
    new import of the same name)."""
    assert {(file, name) for file, _, _, name, _ in _upward()} == KNOWN_DOORS


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..aws.state import AwsState\n", "imports subnetfrag.aws.state.AwsState (aws)"),
        ("def f():\n    import subnetfrag.cli.app\n", "imports subnetfrag.cli.app (cli)"),
        ("from .. import aws\n", "imports subnetfrag.aws (aws)"),
        ("from subnetfrag import Subnet\n", "imports subnetfrag.Subnet (__init__)"),
    ],
)
def test_the_checker_sees_upward_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, expected: str
) -> None:
    """The checker on a copy of the package with one bad module in sim/."""
    import shutil

    copy = tmp_path / "subnetfrag"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    (copy / "sim" / "bad.py").write_text(source, encoding="utf-8")
    monkeypatch.setitem(globals(), "PACKAGE", copy)
    found = _violations()
    assert len(found) == 1 and found[0].startswith("subnetfrag/sim/bad.py:")
    assert found[0].endswith(expected)
