"""digest: personalized email digests from listings of trending research papers."""

from __future__ import annotations

__version__ = "0.1.0"
