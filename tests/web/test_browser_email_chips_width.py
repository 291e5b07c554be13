"""The matched chips of a real digest (`digest preview` after the shared dumps and a listing of the
test's own, the latest, were ingested) in Chromium at the email's usual width (600 px) and a
phone's (375 px): no element is wider than its box (scrollWidth over clientWidth) and the page
needs no sideways scroll, whatever the keywords: one of 75 characters in words, one of 86 in a
single word. (Without the container's word-break, the page was 681 px wide at 600.)"""

from __future__ import annotations

from conftest import make_dump

WORD = "neuromorphichyperparameterautotuningforspikingprocessorsonultralowpowerwearabledevices"
LONG = "evolving spiking neural networks to mimic pid control for autonomous blimps"
PROFILE = f"""\
name: Dan
email: dan@example.org
max_papers: 20
interests:
  {LONG}: 2
  {WORD}: 2
  neural networks: 1
  large language models: 1
  reinforcement learning: 1
  retrieval-augmented generation: 1
  vision-language-action models: 1
  transformer: 1
  benchmark: 1
"""
PAPERS = [
    (
        f"Tuning {WORD} with Large Language Models",
        f"We study {WORD} for neural networks on a benchmark, with reinforcement learning.",
    ),
]
OVERFLOWS = """() => {
  const over = [];
  for (const e of document.querySelectorAll("body *")) {
    const [scroll, client] = [e.scrollWidth, e.clientWidth];
    if (client && scroll > client + 1) over.push([e.className, scroll, client]);
  }
  const chips = [...document.querySelectorAll(".chip, .chip-partly")];
  const right = e => e.getBoundingClientRect().right;
  const out = chips.filter(c => right(c) > right(c.parentElement) + 1);
  const page = document.documentElement;
  return {page: [page.scrollWidth, page.clientWidth], over, chips_out: out.map(c => c.textContent)};
}"""


def test_the_chips_of_a_previewed_digest_fit_the_emails_width_and_a_phones(
    workspace, browser, tmp_path, shared_dumps
):
    ws = workspace
    for dump in shared_dumps:
        ws.dump(dump.name, dump.read_bytes())
    ws.dump("own.txt", make_dump("May 22", PAPERS))
    ws.profile("dan", PROFILE)
    assert ws.cli("ingest").exit_code == 0
    html = tmp_path / "dan.html"
    result = ws.cli("preview", "dan", "--out", str(html))
    assert result.exit_code == 0, result.output
    for width in (600, 375):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto(html.as_uri())
        chips = page.locator(".chip, .chip-partly").all_inner_texts()
        assert WORD in chips and LONG in chips and len(chips) >= 6
        assert page.evaluate(OVERFLOWS) == {"page": [width, width], "over": [], "chips_out": []}
        page.close()
