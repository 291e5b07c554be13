"""The plain-text part as a reader of plain text meets it: a real `digest send` of the shared dumps
through aiosmtpd on loopback, its text part read back. Its lines keep to 78 characters (RFC 5322's
advice, what a terminal's mail reader shows whole), but for a link, which cannot be broken."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

PROFILE = """\
name: Zoë Ångström-Ñúñez
email: zoe@example.org
interests:
  spiking neural networks: 3
  neural radiance fields: 2
  sparse distributed representations: 1
  sparsity: 1
"""


def test_every_line_of_the_text_part_but_a_link_keeps_to_78_characters(
    mail_workspace, smtp_server, shared_dumps
):
    ws = mail_workspace
    for dump in shared_dumps:
        ws.dump(dump.name, dump.read_bytes())
    ws.profile("zoe", PROFILE)
    result = ws.cli("send")
    assert result.exit_code == 0, result.output
    (received,) = smtp_server.messages
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    long = [line for line in text.splitlines() if len(line) > 78 and "://" not in line]
    assert long == []
    # what was wrapped is all there: the title, the interests, the abstract, as the HTML says them
    assert (
        ". Astrocyte-Enabled Advancements in Spiking Neural Networks for Large\n   Language Modeling\n"
        in text
    )
    assert (
        "picked for your interests: spiking neural\n"
        "networks, neural radiance fields, sparse distributed representations,\nsparsity.\n\n1. "
    ) in text


def test_the_text_of_a_nothing_today_note_says_what_its_html_says(mail_workspace, smtp_server, shared_dumps):
    """A `send_empty: true` reader's empty day: the HTML part adds what to do about it; so does the text."""
    ws = mail_workspace
    for dump in shared_dumps:
        ws.dump(dump.name, dump.read_bytes())
    ws.profile("carol", "email: carol@example.org\nsend_empty: true\ninterests: [coral reef ecology]\n")
    assert ws.cli("send").exit_code == 0
    (received,) = smtp_server.messages
    advice = "The next digest comes as usual; to cast a wider net, add keywords to your profile."
    assert advice in received.message.get_body(("html",)).get_content()
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Nothing new matched your interests today (coral reef ecology).\n" in text
    assert advice in " ".join(text.split())


def test_the_footer_of_a_long_address_is_wrapped_too(mail_workspace, smtp_server, shared_dumps):
    """An address too long to share a line (a department's, 85 characters) is on a line of its own."""
    address = "dan.with.a.rather.long.address.for.testing@very-long-subdomain.example-university.edu"
    ws = mail_workspace
    for dump in shared_dumps:
        ws.dump(dump.name, dump.read_bytes())
    ws.profile("dan", f"email: {address}\ninterests: [neural radiance fields]\n")
    assert ws.cli("send").exit_code == 0
    (received,) = smtp_server.messages
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    long = [line for line in text.splitlines() if len(line) > 78 and "://" not in line]
    assert long == [address]  # a word alone, which cannot be broken
    assert f"You get this digest because\n{address}\nis subscribed.\n" in text


JAPANESE = (
    "ロボット工学における大規模言語モデルを用いた視覚と言語の統合による"
    "新しい行動計画手法の提案と実世界での評価実験についての詳細な技術報告書"
)
CHINESE = "基于Transformer的机器人视觉语言动作模型在真实世界长时程操作任务中的泛化能力研究与大规模评测与分析"


def columns(line: str) -> int:
    """The columns a line takes in a fixed-width font: Wide and Fullwidth characters two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_chinese_and_japanese_text_is_wrapped_at_78_columns_between_its_characters(
    mail_workspace, smtp_server
):
    """A title with no space in it, each character two columns wide in a terminal or a fixed-width font."""
    assert (len(JAPANESE), len(CHINESE)) == (68, 54)
    day = dt.datetime.now(dt.UTC).date().isoformat()
    items = [
        {
            "paper": {
                "id": f"2612.{40001 + n}",
                "title": title,
                "summary": f"{title}。An abstract about robotics, see https://example.org/{title[:6]}/code.",
                "authors": [{"name": "山田太郎"}],
            },
            "publishedAt": f"{day}T08:00:00.000Z",
            "upvotes": 10 - n,
        }
        for n, title in enumerate((JAPANESE, CHINESE))
    ]
    ws = mail_workspace
    ws.dump("daily.json", json.dumps(items, ensure_ascii=False).encode())
    ws.profile("hana", "name: 山田花子\nemail: hana@example.org\ninterests: [robotics]\n")
    result = ws.cli("send")
    assert result.exit_code == 0, result.output
    (received,) = smtp_server.messages
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    wide = [line for line in text.splitlines() if columns(line) > 78 and "://" not in line]
    assert wide == []
    for n, title in enumerate((JAPANESE, CHINESE), 1):  # all there, broken only between characters
        start = text.index(f"\n{n}. ") + len(f"\n{n}. ")
        assert text[start:].replace("\n   ", "").startswith(title), text[start : start + 400]
    assert "Transformer" in text  # a Latin word is never cut
    assert "https://example.org/ロボット工学/code." in text  # nor a link
