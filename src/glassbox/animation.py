"""(being written) glassbox.animation."""

from __future__ import annotations

__all__: list[str] = []
