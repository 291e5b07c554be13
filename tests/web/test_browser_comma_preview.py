"""A decimal comma typed in a weight on the preferences page (1,5) is refused as it is typed (the
page's script: a number field would drop it), and the field then holds 15. The live preview must
not show that half of what was typed: no preview is asked with it, the preview says it waits,
and the message is said under the field, marked invalid, until the reader writes 1.5. Chromium
against the real `digest serve`."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from digest.db import wall_clock
from digest.signing import Signer

from conftest import make_dump

HANG = 300  # seconds: only a process that hangs takes this long
COMMA = "Write decimals with a point: 0.5, not 0,5."
PROFILE = "email: ada@example.org\ninterests:\n  spiking neurons: 3\n  language models: 1\n"
PAPERS = [
    ("Spiking Neurons on a Chip", "Spiking neurons in silicon."),
    ("Language Models Read Papers", "Large language models summarise papers."),
    ("Spiking Language Models", "Spiking neurons meet language models."),
]


def weights_sent(posts: list[str | None]) -> list[list[str]]:
    return [re.findall(r'name="weight"\r\n\r\n([^\r]*)', body or "") for body in posts]


def test_a_decimal_comma_is_said_under_its_field_and_never_previewed(web_workspace, browser):
    ws = web_workspace
    ws.profile("ada", PROFILE)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert ws.cli("ingest").exit_code == 0
    token = Signer.from_config(ws.config).token("ada", wall_clock() + dt.timedelta(seconds=1))
    with ws.served(HANG):
        page = browser.new_page()
        previews: list[str | None] = []
        page.on("request", lambda r: previews.append(r.post_data) if r.url.endswith("/preview") else None)
        page.goto(f"{ws.base_url}/u/{token}")
        expect(page.frame_locator("#preview").locator("body")).to_contain_text("Spiking Neurons on a Chip")
        shown = page.locator("#preview").get_attribute("srcdoc")  # the saved profile's (none made yet)
        weight = page.get_by_label("Weight of language models")
        weight.fill("")
        weight.press_sequentially("1,5")
        assert weight.input_value() == "15"  # the comma refused: what the field holds is not what was typed
        row = page.locator(".row", has=weight)
        expect(row.locator(".field-error")).to_have_text(COMMA)  # under the field, and it stays
        expect(weight).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#preview-errors")).to_be_visible()
        expect(page.locator("#preview-errors")).to_contain_text(f"Weight of language models: {COMMA}")
        expect(page.locator("#summary")).to_have_text("")  # no count of a digest not made
        page.wait_for_timeout(1000)  # the preview's wait (250 ms) and more: nothing asked
        assert ["3", "15"] not in weights_sent(previews)
        assert page.locator("#preview").get_attribute("srcdoc") == shown  # the last preview, as it was
        weight.press("Control+a")
        weight.press_sequentially("1.5")
        expect(page.locator("#summary")).to_have_text("3 papers")
        assert weights_sent(previews)[-1] == ["3", "1.5"]
        expect(page.locator(".field-error")).to_have_count(0)
        expect(weight).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator("#preview-errors")).to_be_hidden()
