"""The helper package's public API: documented, typed, and its examples run."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import glassbox

MODULES = [
    importlib.import_module(f"glassbox.{m.name}")
    for m in pkgutil.iter_modules(glassbox.__path__)
    if not m.name.startswith("_")
]
PUBLIC = [
    (name, getattr(glassbox, name))
    for name in glassbox.__all__
    if inspect.isfunction(getattr(glassbox, name))
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


@pytest.mark.parametrize(("name", "func"), PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_functions_are_documented_and_typed(name, func):
    doc = inspect.getdoc(func) or ""
    for section in ("Parameters", "Returns", "Examples"):
        if section == "Parameters" and not inspect.signature(func).parameters:
            continue
        assert f"{section}\n---" in doc, f"{name}: docstring has no {section} section"
    hints = func.__annotations__
    assert "return" in hints, f"{name}: no return type"
    missing = [p for p in inspect.signature(func).parameters if p not in hints]
    assert not missing, f"{name}: parameters without type hints: {missing}"


def test_every_module_declares_its_exports():
    for module in MODULES:
        assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.__all__ names missing {name}"
