"""A time zone written as its place alone (`timezone: Paris`, `new york`, `Tokio`), the area left out,
is refused with the IANA name to write ("did you mean Europe/Paris?"), by `digest profile set` and by
any command reading such a file, at its line. Before, it was told "(e.g. Europe/London)", as for a
name that is no place's, and the user was left to find the name of their own city.

Real parts: real `digest` processes, the profile file on disk."""

from __future__ import annotations

from helpers.digest_command import digest

from digest.profiles.load import load_profile


def test_a_place_without_its_area_is_told_the_zone_to_write(workspace):
    ws = workspace
    path = ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    before = path.read_text()
    places = (("Paris", "Europe/Paris"), ("new york", "America/New_York"), ("Tokio", "Asia/Tokyo"))
    for typed, meant in places:
        refused = digest(ws, "profile", "set", "ada", "timezone", typed)
        assert refused.returncode == 1, refused
        said = f"timezone: {typed!r} is not a known IANA time zone (did you mean {meant}?)\n"
        assert said in refused.stderr, refused.stderr
        assert path.read_text() == before  # nothing saved
    done = digest(ws, "profile", "set", "ada", "timezone", "Europe/Paris")  # as said
    assert done.returncode == 0 and load_profile(ws.config, "ada").timezone == "Europe/Paris", done.stderr

    # a place in two areas' names: both, each the right time (not US/Pacific for "Pacific": no place)
    ws.profile("ada", "email: ada@example.org\ntimezone: Buenos Aires\ninterests: [neuromorphic]\n")
    said = digest(ws, "rank", "ada")
    assert said.returncode == 1
    assert (
        "line 2: timezone: 'Buenos Aires' is not a known IANA time zone (did you mean "
        "America/Argentina/Buenos_Aires or America/Buenos_Aires?)\n"
    ) in said.stderr, said.stderr
    # a whole name in another case, and a place nowhere, as before
    assert "(did you mean UTC?)" in digest(ws, "profile", "set", "ada", "timezone", "utc").stderr
    assert "(e.g. Europe/London)" in digest(ws, "profile", "set", "ada", "timezone", "Munich").stderr
