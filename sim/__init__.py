"""Parley: an agent-based negotiation scenario simulator built on Mesa."""

from __future__ import annotations

__version__ = "0.6.8"
