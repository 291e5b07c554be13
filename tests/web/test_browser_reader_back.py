"""A preferences page with unsaved edits whose reader's profile file is removed (the page's polls
answered 410: "no longer receives digests") and then put back as it was: the page takes its
preview up again, with the edits kept, and saves them; it does not tell its reader that the file
was changed elsewhere, to reload (losing the edits): it was not. Chromium (Playwright), on its
fake clock; the real app on a thread."""

from __future__ import annotations

from playwright.sync_api import expect

from digest.signing import Signer

from conftest import NOW, make_dump

ADA = "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n"
WAIT_MS = 8000


def test_a_page_with_edits_takes_its_reader_up_again_when_the_file_is_back(web_workspace, browser):
    ws = web_workspace
    path = ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Study", "Robots."), ("Spiking nets", "Spikes.")]))
    assert ws.cli("ingest").exit_code == 0
    token = Signer.from_config(ws.config).token("ada", NOW)
    with ws.serve():
        page = browser.new_page()
        page.clock.install()
        page.goto(f"{ws.base_url}/u/{token}")
        page.fill("[name=new_kw]", "spiking")
        page.clock.run_for(2000)
        summary, gone = page.locator("#summary"), page.locator("#reader-gone")
        expect(summary).to_contain_text("2 papers", timeout=WAIT_MS)

        path.unlink()
        page.clock.run_for(2000)  # a poll: 410
        expect(gone).to_contain_text("no longer receives digests", timeout=WAIT_MS)
        expect(summary).to_have_text("")

        ws.profile("ada", ADA)  # put back as it was
        for _ in range(70):  # a minute and more of polls
            page.clock.run_for(1000)
            if gone.count() == 0 and "paper" in summary.inner_text():
                break
        expect(gone).to_have_count(0)
        expect(summary).to_contain_text("2 papers", timeout=WAIT_MS)  # previewed again, with the edit
        assert "changed elsewhere" not in page.locator("#status").inner_text()  # it is as it was
        assert page.locator("[name=new_kw]").input_value() == "spiking" or "spiking" in [
            f.input_value() for f in page.locator("[name=kw]").all()
        ]
        page.click("#save")
        expect(page.locator("#notice")).to_have_text("Saved.", timeout=WAIT_MS)
        assert "spiking" in path.read_text(), path.read_text()
        page.close()
