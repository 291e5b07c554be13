"""A bare 552 (no enhanced code) that speaks of the recipient's mailbox or quota ("552 Mailbox size
limit exceeded") is not said as a message too big: fewer papers do not mend a full mailbox."""

from __future__ import annotations

import pytest

from digest.deliver.oversize import refused_as_too_big
from digest.deliver.replies import SendResult


@pytest.mark.parametrize(
    "reply",
    ["552 Mailbox size limit exceeded", "552 quota exceeded: mailbox size", "552 Disk size quota exceeded"],
)
def test_a_bare_552_of_a_full_mailbox_is_not_said_as_a_message_too_big(reply):
    result = SendResult(False, reply, permanent=True)
    assert refused_as_too_big(result, b"x" * 100, 3).reply == reply


def test_a_bare_552_of_the_messages_size_is_still_said_with_its_size():
    said = refused_as_too_big(
        SendResult(False, "552 Message size exceeds fixed maximum", permanent=True), b"x" * 100, 3
    )
    assert said.reply.endswith(
        "the message was 100 bytes: fewer papers (max_papers in the reader's profile) make a smaller digest"
    )
