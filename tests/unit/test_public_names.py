"""Public names on purpose: every module that defines something declares ``__all__``,
and every name it lists exists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tally", "keys", "voting", "kiosk_ui")
SKIP_PARTS = {"migrations"}  # alembic scripts are not importable modules


def modules() -> list[Path]:
    return sorted(
        p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
        if not SKIP_PARTS & set(p.relative_to(ROOT).parts)
    )


def _is_trivial(node: ast.stmt) -> bool:
    docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
    return docstring or future


def _bound_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names.add(sub.id)
    return names


def _declared(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            value = node.value
            assert isinstance(value, ast.List | ast.Tuple), "__all__ must be a literal list"
            return [elt.value for elt in value.elts
                    if isinstance(elt, ast.Constant) and isinstance(elt.value, str)]
    return None


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_declares_its_public_names(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if all(_is_trivial(node) for node in tree.body):
        return  # a docstring-only package marker
    declared = _declared(tree)
    assert declared is not None, f"{path.relative_to(ROOT)} has no __all__"
    missing = sorted(set(declared) - _bound_names(tree))
    assert not missing, f"{path.relative_to(ROOT)}: __all__ names undefined {missing}"
