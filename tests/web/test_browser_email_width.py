"""The HTML part of a real digest (the shared dumps, `digest send` through aiosmtpd on loopback) in
Chromium at a phone's width and a desktop's: nothing wider than the screen, so nothing is cut off
or needs a sideways scroll, whatever the reader's keywords."""

from __future__ import annotations

LONG = "evolving spiking neural networks to mimic pid control for autonomous blimps"  # 75 of 100
PROFILE = f"""\
name: Dan
email: dan@example.org
interests:
  {LONG}: 2
  neural radiance fields: 1
"""
WIDEST = """() => {
  const wide = [];
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (!e.children.length && r.width && r.right > innerWidth + 0.5) wide.push(e.textContent.slice(0, 40));
  }
  return [document.documentElement.scrollWidth, wide];
}"""


def test_a_long_keyword_in_the_matched_chips_fits_a_phone(
    mail_workspace, smtp_server, browser, tmp_path, shared_dumps
):
    ws = mail_workspace
    for dump in shared_dumps:
        ws.dump(dump.name, dump.read_bytes())
    ws.profile("dan", PROFILE)
    result = ws.cli("send")
    assert result.exit_code == 0, result.output
    (received,) = smtp_server.messages
    page_file = tmp_path / "dan.html"
    page_file.write_text(received.message.get_body(("html",)).get_content())
    for width in (375, 1280):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto(page_file.as_uri())
        chips = page.locator(".chip, .chip-partly")
        assert LONG in chips.all_inner_texts()  # the long keyword is there, as a chip
        assert page.evaluate(WIDEST) == [width, []]
        # a chip that fits a line is never broken across two: the look the chips had
        short = page.locator(".chip", has_text="neural radiance fields").first
        assert short.evaluate("e => e.getClientRects().length") == 1
        page.close()
