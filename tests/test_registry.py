from __future__ import annotations

import pytest

from analyzer.errors import UnknownComponentError
from analyzer.registry import Registry


class _First:
    pass


class _Second:
    pass


def test_registered_component_is_returned_by_name() -> None:
    registry: Registry[object] = Registry("widget")
    registry.register("first")(_First)
    assert registry.get("first") is _First
    assert "first" in registry
    assert registry.names() == ("first",)


def test_duplicate_name_is_rejected() -> None:
    registry: Registry[object] = Registry("widget")
    registry.register("first")(_First)
    with pytest.raises(ValueError, match="already registered by _First"):
        registry.register("first")(_Second)


def test_unknown_name_lists_the_known_ones() -> None:
    registry: Registry[object] = Registry("widget")
    registry.register("first")(_First)
    registry.register("second")(_Second)
    with pytest.raises(UnknownComponentError) as excinfo:
        registry.get("thrid")
    assert "thrid" in str(excinfo.value)
    assert excinfo.value.hint == "known widgets: first, second"
