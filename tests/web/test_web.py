"""`digest serve` through Flask's test client: signed links, form tokens, origins, validation."""

from __future__ import annotations

import pytest

from digest.config import ConfigError, load_config
from digest.models import Profile
from digest.options import declared
from digest.profiles.load import load_profile
from digest.signing import Signer
from digest.web.app import create_app

from conftest import NOW, make_dump

PROFILE = "email: ada@example.org\ninterests:\n  robotics: 2   # mine\n"


@pytest.fixture
def site(web_workspace):
    web_workspace.profile("ada", PROFILE)
    web_workspace.profile("bob", "email: bob@example.org\ninterests: [control]\n")
    web_workspace.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
    assert web_workspace.cli("ingest").exit_code == 0
    config = web_workspace.config
    signer = Signer.from_config(config)
    client = create_app(config, signer, lambda: NOW).test_client()
    return web_workspace, signer, client


def form(signer, token, **fields):
    data = {"csrf": signer.form_token(token), "kw": ["robotics"], "weight": ["2"], "send_at": "07:00"}
    data.update(fields)
    return data


def test_forged_altered_foreign_and_unknown_tokens_all_get_the_same_403(site):
    ws, signer, client = site
    ada, bob = signer.token("ada", NOW), signer.token("bob", NOW)
    other = Signer(b"another-secret-0123456789").token("ada", NOW)
    swapped = bob.split(".")[0] + "." + ada.split(".")[1]  # bob's name with ada's signature
    bodies = set()
    for token in ("ada", other, ada[:-2], swapped, "x.y", ""):
        r = client.get(f"/u/{token}")
        assert r.status_code in (403, 404), token
        if r.status_code == 403:
            bodies.add(r.data)
    assert len(bodies) == 1 and b"ada" not in next(iter(bodies))
    assert client.get(f"/u/{ada}").status_code == 200
    assert client.get(f"/u/{bob}/version").status_code == 200


def test_a_removed_readers_links_say_so_and_forged_ones_still_get_the_bare_403(site):
    ws, signer, client = site
    bob = signer.token("bob", NOW)
    (ws.root / "profiles" / "bob.yaml").unlink()  # bob was removed after his last digest
    said = "This address no longer receives digests"
    csrf = {"csrf": signer.form_token(bob)}
    for method, path, data in [
        ("get", f"/u/{bob}", None),
        ("get", f"/u/{bob}/unsubscribe", None),
        ("get", f"/u/{bob}/more/1", None),
        ("get", f"/u/{bob}/less/1", None),
        ("get", f"/u/{bob}/digest", None),
        ("post", f"/u/{bob}", {**csrf, "kw": ["x"]}),
        ("post", f"/u/{bob}/rate/1", {**csrf, "rating": "up"}),
        ("post", f"/u/{bob}/resubscribe", csrf),
    ]:
        r = getattr(client, method)(path, data=data)
        assert r.status_code == 410, path
        assert said in r.get_data(as_text=True) and "not valid" not in r.get_data(as_text=True)
    # A mail provider's one-click unsubscribe (RFC 8058) gets what it asked: no more digests.
    r = client.post(f"/u/{bob}/unsubscribe", data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200 and said in r.get_data(as_text=True)
    assert not (ws.root / "profiles" / "bob.yaml").exists()  # nothing made for him
    # Forged or altered: the same bare 403 as before, naming nobody.
    ghost = Signer(b"another-secret-0123456789").token("bob", NOW)
    for token in (ghost, bob[:-2], "Ym9i.x"):
        r = client.get(f"/u/{token}")
        assert r.status_code == 403 and r.get_data(as_text=True).startswith("This link is not valid")


def test_posts_need_the_form_token_and_a_same_origin(site):
    ws, signer, client = site
    ada, bob = signer.token("ada", NOW), signer.token("bob", NOW)
    path = ws.root / "profiles" / "ada.yaml"
    assert client.post(f"/u/{ada}", data={**form(signer, ada), "csrf": ""}).status_code == 403
    assert client.post(f"/u/{ada}", data=form(signer, bob)).status_code == 403  # bob's form token
    cross = client.post(f"/u/{ada}", data=form(signer, ada), headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert path.read_text() == PROFILE
    ok = client.post(f"/u/{ada}", data=form(signer, ada, new_kw="planning"), headers={"Origin": ws.base_url})
    assert ok.status_code == 303
    assert path.read_text() == PROFILE + "  planning: 1\n"


def test_an_invalid_save_shows_the_cli_errors_keeps_the_input_and_the_file(site):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    path = ws.root / "profiles" / "ada.yaml"
    r = client.post(f"/u/{ada}", data=form(signer, ada, timezone="Mars/Base", new_kw="planning"))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "timezone: &#39;Mars/Base&#39; is not a known IANA time zone" in page
    assert str(ws.root) not in page  # the file's name only, not the server's path
    assert 'value="planning"' in page and 'value="Mars/Base"' in page  # nothing the reader typed is lost
    assert path.read_text() == PROFILE


def test_a_save_based_on_an_old_version_is_refused(site):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    path = ws.root / "profiles" / "ada.yaml"
    r = client.post(f"/u/{ada}", data=form(signer, ada, base_version="0123456789abcdef", new_kw="x"))
    assert r.status_code == 409 and "changed since you opened it" in r.get_data(as_text=True)
    assert "change again. The form below shows your edits over the current" in r.get_data(as_text=True)
    assert path.read_text() == PROFILE


def test_preview_of_an_unsaved_edit_and_the_version_changes(site):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    before = client.get(f"/u/{ada}/version").json
    r = client.post(f"/u/{ada}/preview", data=form(signer, ada, kw=["quantum"], weight=["1"]))
    assert r.json["ok"] and r.json["count"] == 0
    r = client.post(f"/u/{ada}/preview", data=form(signer, ada))
    assert r.json["count"] == 1 and "Robotics</mark> Today" in r.json["html"]
    bad = client.post(f"/u/{ada}/preview", data=form(signer, ada, weight=["heavy"]))
    assert bad.json == {
        "ok": False,
        "errors": bad.json["errors"],
        "invalid": ["weight:robotics"],
        "said": {"weight:robotics": "weight 'heavy' is not a positive number up to 100"},
    }
    assert "interests.robotics: weight 'heavy' is not a positive number" in bad.json["errors"]
    assert client.get(f"/u/{ada}/version").json == before
    ws.dump("day2.txt", make_dump("Mar 15", [("More Robotics", "Robots again.")]))
    ws.cli("ingest")
    after = client.get(f"/u/{ada}/version").json
    assert after["content"] != before["content"] and after["profile"] == before["profile"]
    ws.cli("profile", "add", "ada", "planning")
    assert client.get(f"/u/{ada}/version").json["profile"] != before["profile"]


def test_the_pages_do_not_leak_the_token(site):
    ws, signer, client = site
    r = client.get(f"/u/{signer.token('ada', NOW)}")
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"


def test_the_secret_comes_from_the_environment_only(workspace, monkeypatch):
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text + "web:\n  secret: hunter2\n")
    with pytest.raises(ConfigError, match="web.secret: secrets are never read from YAML"):
        load_config(workspace.config_path)
    workspace.config_path.write_text(text + "base_url: http://digest.example.org\n")
    with pytest.raises(ConfigError, match="base_url: .* must use https"):
        load_config(workspace.config_path)
    workspace.config_path.write_text(text + "base_url: https://example.org/digest?from=mail\n")
    with pytest.raises(ConfigError, match="base_url: .* has a query or fragment"):
        load_config(workspace.config_path)
    for path in ("//digest", "/a//digest", "/a/../digest", "/./digest", "/%2e%2e/digest"):
        workspace.config_path.write_text(text + f"base_url: https://example.org{path}\n")
        with pytest.raises(ConfigError, match=r"base_url: .* has an empty, '\.' or '\.\.' part in its path"):
            load_config(workspace.config_path)  # //digest: the pages' redirects to the host "digest"
    for path in ("/u", "/assets/", "/u/digest"):  # behind a proxy that strips it: /u/<token> is /<token>
        workspace.config_path.write_text(text + f"base_url: https://example.org{path}\n")
        with pytest.raises(ConfigError, match=r"its path begins as the pages' own \(/u, /assets\)"):
            load_config(workspace.config_path)
    workspace.config_path.write_text(text + "base_url: https://example.org/digest/\n")
    assert load_config(workspace.config_path).base_url == "https://example.org/digest"
    workspace.config_path.write_text(text + "web:\n  secret_env: DIGEST_NOT_SET\n")
    monkeypatch.delenv("DIGEST_NOT_SET", raising=False)
    with pytest.raises(
        ConfigError, match=r"names \$DIGEST_NOT_SET, but that environment variable is not set"
    ):
        Signer.from_config(workspace.config)
    monkeypatch.setenv("DIGEST_NOT_SET", "short")
    with pytest.raises(ConfigError, match="too short"):
        Signer.from_config(workspace.config)


def test_the_secret_may_be_in_a_file_named_by_the_config(workspace, monkeypatch):
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text + "web:\n  secret_file: secret.txt\n")
    with pytest.raises(ConfigError, match=r"web.secret_file: cannot read .*secret.txt: No such file"):
        Signer.from_config(workspace.config)
    (workspace.root / "secret.txt").write_text("short\n")
    with pytest.raises(ConfigError, match="the secret in .*secret.txt is too short"):
        Signer.from_config(workspace.config)
    (workspace.root / "secret.txt").write_text("0123456789abcdef0123456789abcdef\n")  # its newline not in it
    assert Signer.from_config(workspace.config) == Signer(b"0123456789abcdef0123456789abcdef")
    workspace.config_path.write_text(text + "web:\n  secret_file: secret.txt\n  secret_env: DIGEST_SECRET\n")
    monkeypatch.setenv("DIGEST_SECRET", "0123456789abcdef0123456789abcdef")
    with pytest.raises(ConfigError, match="web.secret_env and web.secret_file both name the signing secret"):
        Signer.from_config(workspace.config)


def test_the_form_asks_for_every_labelled_profile_option_and_saves_it(site):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    page = client.get(f"/u/{ada}").get_data(as_text=True)
    for key, opt in declared(Profile).items():  # interests and exclude have their own sections
        if opt.settable:
            assert (f'name="{key}"' in page) == (opt.label is not None), key
    assert 'data-only-with="frequency" data-only-value="weekly"' in page  # weekday: weekly only
    r = client.post(f"/u/{ada}", data=form(signer, ada, frequency="weekly", weekday="friday", paused="on"))
    assert r.status_code == 303
    profile = load_profile(ws.config, "ada")
    assert (profile.frequency, profile.weekday, profile.paused) == ("weekly", 4, True)
    r = client.post(f"/u/{ada}", data=form(signer, ada, frequency="daily", weekday="friday"))
    assert r.status_code == 303
    text = (ws.root / "profiles" / "ada.yaml").read_text()
    assert "weekday" not in text and "frequency: daily" in text and "paused: false" in text


def test_the_zones_offered_are_places(site):
    # the time zone's list offered localtime (this server's own zone, another on each machine)
    # and Factory (an unset machine's) beside the places
    ws, signer, client = site
    page = client.get(f"/u/{signer.token('ada', NOW)}").get_data(as_text=True)
    assert '<option value="Europe/London">' in page and '<option value="UTC">' in page
    assert '<option value="localtime">' not in page and '<option value="Factory">' not in page


def test_a_typed_weight_is_refused_as_typed_even_when_yaml_1_1_would_read_a_boolean(site):
    ws, signer, client = site
    ada = signer.token("ada", NOW)
    for typed in ("heavy", "yes", "off"):
        r = client.post(f"/u/{ada}/preview", data=form(signer, ada, weight=[typed]))
        assert f"interests.robotics: weight '{typed}' is not a positive number" in r.json["errors"]


def test_an_excluded_phrase_with_a_comma_survives_a_save_that_did_not_touch_the_exclusions(site):
    ws, signer, client = site
    path = ws.profile("ada", PROFILE + 'exclude: ["medical, dental", legal]   # one phrase\n')
    ada = signer.token("ada", NOW)
    page = client.get(f"/u/{ada}").get_data(as_text=True)
    assert 'value="&#34;medical, dental&#34;, legal"' in page  # the field as shown, sent back as it is
    r = client.post(f"/u/{ada}", data=form(signer, ada, exclude='"medical, dental", legal', send_at="08:15"))
    assert r.status_code == 303
    assert load_profile(ws.config, "ada").exclude == ("medical, dental", "legal")
    assert 'exclude: ["medical, dental", legal]   # one phrase\n' in path.read_text()
    # Edited, the field's terms are its comma-separated parts (a comma in quotes is in its term).
    client.post(f"/u/{ada}", data=form(signer, ada, exclude="medical, dental"))
    assert load_profile(ws.config, "ada").exclude == ("medical", "dental")
    # A term longer than the csv module reads (128 KB) is refused as any long term, not a 500.
    r = client.post(f"/u/{ada}", data=form(signer, ada, exclude='"' + "x" * 200_000))
    assert r.status_code == 422 and "a keyword of 200001 characters" in r.get_data(as_text=True)
