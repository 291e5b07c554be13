"""A message larger than the server's SIZE (RFC 1870): not sent, the server would refuse it."""

from __future__ import annotations

import smtplib

from digest.deliver.replies import SendResult


def over_size(conn: smtplib.SMTP, message: bytes) -> SendResult | None:
    """A message larger than the server's SIZE (its EHLO's fixed maximum), refused for good."""
    size = conn.esmtp_features.get("size", "")
    if not size.isdigit() or not 0 < int(size) < len(message):  # SIZE 0 or none: no limit said
        return None
    return SendResult(
        False,
        f"the message is {len(message):,} bytes, more than the server takes (its SIZE: {int(size):,} bytes): "
        "not sent; fewer papers (max_papers in the reader's profile) make a smaller digest",
        permanent=True,
    )
