"""The soreness chart and the body map: geometry, SVG, and their text alternatives."""

from __future__ import annotations

from datetime import date

import pytest

from portal.clients.pictures import body_map, shade, soreness_chart
from portal.clients.queries import SorenessPoint


def test_chart_scales_soreness_from_bottom_to_top_and_dates_left_to_right():
    series = [
        SorenessPoint(date(2026, 9, 1), 10, 0),
        SorenessPoint(date(2026, 9, 8), 5, 5),
        SorenessPoint(date(2026, 9, 15), 0, 10),
    ]
    chart = soreness_chart(series)
    first, middle, last = chart.points
    assert first.x == chart.left and last.x == chart.right
    assert first.before_y == chart.top and first.after_y == chart.bottom  # 10 at the top
    assert middle.before_y == middle.after_y == (chart.top + chart.bottom) / 2
    assert chart.before_line.startswith(f"{chart.left:.1f},{chart.top:.1f}")
    assert [(label, anchor) for _, label, anchor in chart.x_labels] == [
        ("Sep 1", "start"),
        ("Sep 8", "middle"),
        ("Sep 15", "end"),
    ]
    assert [value for _, value in chart.y_ticks] == [0, 2, 4, 6, 8, 10]


def test_chart_of_one_session_is_centred_and_of_none_is_absent():
    assert soreness_chart([]) is None
    chart = soreness_chart([SorenessPoint(date(2026, 1, 5), 4, 2)])
    assert chart.points[0].x == (chart.left + chart.right) / 2


def test_long_series_get_at_most_six_date_labels_including_both_ends():
    series = [SorenessPoint(date(2026, 1, 1 + n), 3, 2) for n in range(30)]
    labels = soreness_chart(series).x_labels
    assert len(labels) == 6
    assert labels[0][1] == "Jan 1" and labels[-1][1] == "Jan 30"


@pytest.mark.parametrize(
    ("count", "most", "level"), [(0, 10, 0), (1, 10, 1), (5, 10, 2), (8, 10, 4), (10, 10, 4)]
)
def test_shading_is_relative_to_the_most_worked_area(count, most, level):
    assert shade(count, most) == level


def test_body_map_ranks_worked_areas_and_covers_every_area():
    body = body_map({"calves": 12, "hamstrings": 6, "feet": 1})
    assert [(r.label, r.count) for r in body.ranked] == [
        ("Calves", 12),
        ("Hamstrings", 6),
        ("Feet", 1),
    ]
    assert all(region.shapes for region in body.regions)
    levels = {r.area: r.level for r in body.regions}
    assert levels["calves"] == 4 and levels["neck"] == 0


def test_progress_page_draws_both_pictures_with_text_alternatives(client, auth, records):
    rosa = auth.login_client("rosa@example.com")
    records.session(rosa, days_ago=14, before=8, after=4, areas=("calves", "quads"))
    records.session(rosa, days_ago=7, before=5, after=2, areas=("calves",))
    page = client.get("/portal/progress").get_data(as_text=True)
    assert page.count("<svg") == 3  # the chart in two widths (wide, phone), the body map
    assert 'role="img" aria-labelledby="soreness-title soreness-desc"' in page
    assert 'role="img" aria-labelledby="soreness-phone-title soreness-phone-desc"' in page
    assert 'role="img" aria-labelledby="bodymap-title bodymap-desc"' in page
    assert "<polyline" in page and 'class="area level-4" data-area="calves"' in page
    assert "<script" not in page and "style=" not in page
    # the text versions: a table of the numbers and a ranked list of areas
    assert "<td>8</td><td>4</td>" in page and "<td>5</td><td>2</td>" in page
    assert "Calves: 2 sessions" in page and "Quadriceps: 1 session<" in page


def test_progress_page_without_sessions(client, auth):
    auth.login_client("rosa@example.com")
    page = client.get("/portal/progress").get_data(as_text=True)
    assert "after your first session" in page and "<svg" not in page


def test_the_phone_chart_is_narrow_with_fewer_date_labels():
    from portal.clients.pictures import PHONE_CHART_WIDTH

    series = [SorenessPoint(date(2026, 1, 1 + n), 3, 2) for n in range(30)]
    phone = soreness_chart(series, width=PHONE_CHART_WIDTH, max_labels=3)
    assert phone.width == PHONE_CHART_WIDTH and phone.right == PHONE_CHART_WIDTH - 16
    assert [label for _, label, _ in phone.x_labels] == ["Jan 1", "Jan 15", "Jan 30"]


def test_therapists_see_the_clients_pictures_on_the_client_page(client, auth, make_user, records):
    """Issue 8, item 9: the same pictures as the client's progress page, for staff."""
    auth.login_staff()
    rosa = make_user("rosa@example.com", name="Rosa Runner")
    records.session(rosa, days_ago=14, before=8, after=4, areas=("calves", "quads"))
    records.session(rosa, days_ago=7, before=5, after=2, areas=("calves",))
    page = client.get(f"/staff/clients/{rosa}").get_data(as_text=True)
    assert page.count("<svg") == 3
    assert "Soreness before and after Rosa Runner’s last 2 sessions" in page
    assert 'class="area level-4" data-area="calves"' in page
    assert "<td>8</td><td>4</td>" in page and "Calves: 2 sessions" in page
    assert "<script" not in page and "style=" not in page


def test_the_client_page_of_someone_without_sessions_has_no_pictures(client, auth, make_user):
    auth.login_staff()
    nia = make_user("nia@example.com", name="Nia New")
    page = client.get(f"/staff/clients/{nia}").get_data(as_text=True)
    assert "<svg" not in page and "Soreness before and after" not in page
