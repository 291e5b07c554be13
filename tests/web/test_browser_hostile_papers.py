"""Papers whose titles and abstracts carry markup (scripts, event handlers, `javascript:` links,
CSS `url()`, frames, SVG) and whose code and project links are hostile, ingested from a daily
papers JSON dropped in the inbox, then shown by the real `digest serve` in Chromium: the
standalone preview of the next digest and the preferences page (its preview frame as loaded, and
as made again after an edit). No dialog opens, no request leaves the server's origin, nothing of
the markup is an element, and the only links are http(s) and mailto ones."""

from __future__ import annotations

import datetime as dt

from helpers.daily_papers import daily_papers
from playwright.sync_api import Frame, expect

from digest.db import wall_clock
from digest.signing import Signer

HANG = 300  # seconds: only a process that hangs takes this long
OUT = "https://evil.example"
MARKUP = [
    "<script>alert('title')</script>",
    "<img src=x onerror=alert('img')>",
    f"<img src='{OUT}/pixel.png'>",
    "<a href=\"javascript:alert('a')\">click</a>",
    "<svg onload=alert('svg')></svg>",
    "<iframe src=\"javascript:alert('frame')\"></iframe>",
    f"<div style=\"background:url('{OUT}/bg.png')\">x</div>",
    f"<style>body {{ background: url({OUT}/css.png) }}</style>",
    f"<link rel=stylesheet href={OUT}/x.css>",
    "\"><script>alert('quote')</script>",
    "{{ 7*7 }} {% raw %}",
    "<body onload=alert('body')>",
    f'<meta http-equiv=refresh content="0;url={OUT}/">',
]
LINKS = [
    "javascript:alert('code')",
    f"{OUT}/\"onmouseover=\"alert('link')",
    "data:text/html,<script>1</script>",
]


def papers(day: dt.date) -> bytes:
    return daily_papers(
        day,
        [
            {
                "title": f"Robotics {markup} take {n}",
                "summary": f"An abstract about robotics {markup} and {markup} again.",
                "authors": [f"Ada {markup}"],
                "githubRepo": LINKS[n % len(LINKS)],
                "projectPage": LINKS[(n + 1) % len(LINKS)],
            }
            for n, markup in enumerate(MARKUP)
        ],
        20001,
    )


# what the page shows that could run or fetch: links not http(s)/mailto, on* attributes, elements
# the papers' markup would have made, url() in a style attribute
LOOK = """() => {
  const links = [...document.querySelectorAll("a[href]")].map(a => a.href)
    .filter(h => !/^(https?:|mailto:)/.test(h));
  const handlers = [...document.querySelectorAll("*")].flatMap(e => [...e.attributes]
    .filter(a => a.name.startsWith("on")).map(a => `${e.tagName} ${a.name}`));
  const markup = "body script:not([src^='/assets/']), svg, iframe:not(#preview), body style, "
    + "body link, body meta, img";
  const made = [...document.querySelectorAll(markup)]
    .map(e => e.outerHTML.slice(0, 60));
  const styled = [...document.querySelectorAll("[style*='url(']")].map(e => e.tagName);
  return {links, handlers, made, styled};
}"""
CLEAN = {"links": [], "handlers": [], "made": [], "styled": []}


def looked(frame: Frame) -> dict:
    return frame.evaluate(LOOK)


def test_hostile_papers_run_nothing_and_fetch_nothing_on_the_pages(web_workspace, browser):
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests:\n  robotics: 2\nmax_papers: 50\n")
    ws.dump("papers.json", papers(wall_clock().date()))
    assert ws.cli("ingest").exit_code == 0
    token = Signer.from_config(ws.config).token("ada", wall_clock() + dt.timedelta(seconds=1))
    url = f"{ws.base_url}/u/{token}"
    with ws.served(HANG):
        context = browser.new_context()
        dialogs: list[str] = []
        out: list[str] = []
        context.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        context.on(
            "request",
            lambda r: None if r.url.startswith((ws.base_url, "about:", "data:image")) else out.append(r.url),
        )
        context.route(f"{OUT}/**", lambda route: route.abort())  # never reaches the network
        page = context.new_page()

        page.goto(f"{url}/digest")  # the standalone preview
        expect(page.locator("h2")).to_have_count(len(MARKUP))
        titles = " ".join(page.locator("h2").all_inner_texts())
        assert all(m.strip() in titles for m in MARKUP), titles  # every one shown as text
        assert looked(page.main_frame) == CLEAN

        page.goto(url)  # the preferences page, its preview frame as loaded
        frame = page.frame_locator("#preview")
        expect(frame.locator("h2")).to_have_count(len(MARKUP))
        assert looked(page.main_frame) == CLEAN  # (its own script aside: /assets/prefs.js)
        assert looked(page.frames[1]) == CLEAN
        page.get_by_label("Weight of robotics").fill("3")  # the preview made again (srcdoc)
        expect(page.locator("#summary")).to_have_text(f"{len(MARKUP)} papers")
        expect(frame.locator("h2")).to_have_count(len(MARKUP))
        assert looked(page.frames[1]) == CLEAN
        page.wait_for_timeout(500)
        context.close()
    assert dialogs == [] and out == []
