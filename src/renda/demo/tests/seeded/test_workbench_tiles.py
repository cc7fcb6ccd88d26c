"""Every tile of every workbench is a link (issue 15.13): each demo login's workbench is rendered
with the demo county's real counts, and a count that opens no list fails the test."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from renda.accounts.models import User
from renda.demo import county as demo

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-county")]

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class TileLinks(HTMLParser):
    """Collects each tile (``data-testid="stat"``) with whether a link (``<a href>``) holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.tiles: list[dict[str, object]] = []
        self._open_tile: dict[str, object] | None = None
        self._tile_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("data-testid") == "stat":
            linked = any(t == "a" and a.get("href") for t, a in self.stack)
            self._open_tile = {"linked": linked, "text": ""}
            self.tiles.append(self._open_tile)
            self._tile_depth = len(self.stack)
        if tag not in VOID:
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break
        if self._open_tile is not None and len(self.stack) <= self._tile_depth:
            self._open_tile = None

    def handle_data(self, data: str) -> None:
        if self._open_tile is not None:
            self._open_tile["text"] = f"{self._open_tile['text']}{data.strip()}"


def tiles_of(html: str) -> list[dict[str, object]]:
    parser = TileLinks()
    parser.feed(html)
    return parser.tiles


def test_the_tile_finder_tells_a_linked_tile_from_a_bare_one():
    html = (
        '<div><a href="/x/"><div class="stat-value" data-testid="stat">3</div></a></div>'
        '<div><div class="stat-value" data-testid="stat">4</div><input name="q"></div>'
    )
    assert [(t["text"], t["linked"]) for t in tiles_of(html)] == [("3", True), ("4", False)]


def test_every_workbench_tile_of_every_role_opens_its_list(client_for):
    """The demo logins are every role (and both staff offices); each signs in and reads its workbench."""
    unlinked: dict[str, list[object]] = {}
    seen = 0
    for login in demo.DEMO_LOGINS:
        if not login.password:  # the finance feed is a token, with no workbench
            continue
        response = client_for(User.objects.get(username=login.username)).get("/")
        assert response.status_code == 200, login.username
        tiles = tiles_of(response.content.decode())
        seen += len(tiles)
        bare = [t["text"] for t in tiles if not t["linked"]]
        if bare:
            unlinked[login.username] = bare
    assert seen > 20  # the walk saw the tiles (staff, budget, admin, unit and deputy panels)
    assert unlinked == {}
