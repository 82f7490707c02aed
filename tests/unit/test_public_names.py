"""Every module of tally/ and keys/ declares __all__, and every listed name exists."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

PACKAGES = ("tally", "keys")


def _modules() -> list[str]:
    names: list[str] = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names.append(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if info.name.split(".")[-1] != "__main__":
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_all_is_declared_and_resolves(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    if name in PACKAGES and not hasattr(module, "__all__"):
        # A docstring-only package root exports nothing but its submodules.
        public = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and not isinstance(v, ModuleType)
        ]
        assert not public, f"{name} defines {public} without __all__"
        return
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list | tuple), f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ has duplicates"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists missing names {missing}"
