"""Imported WordPress titles in real Chromium: an 85-character word with no break in it
(a place name, a URL pasted as a title) wraps inside a 360 px screen, on the article, the
blog index and its tag page, instead of scrolling the page sideways."""

from __future__ import annotations

import pytest

from tests.blog.wxr_builder import WxrItem, wxr

pytestmark = pytest.mark.e2e

LONG = "Taumatawhakatangihangakoauauotamateaturipukakapikimaungahoronukupokaiwhenuakitanatahu"


@pytest.fixture
def imported(app, make_user, tmp_path):  # type: ignore[no-untyped-def]
    make_user("ada@example.com", role="admin", name="Ada Admin")
    path = tmp_path / "export.xml"
    path.write_text(wxr([WxrItem(1, LONG, slug="long", tags=[LONG[:40]])]), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["blog", "import-wxr", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("path", ["/blog/long", "/blog/", f"/blog/tag/{LONG[:40].lower()}"])
def test_a_long_unbroken_title_fits_a_phone(page, imported, fits_phone, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    assert LONG in page.content()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    fits_phone(page)
