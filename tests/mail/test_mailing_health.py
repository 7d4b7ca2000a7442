"""A campaign's bounces and complaints on its page, and the warnings past 0.3% and 5%."""

from __future__ import annotations

import re

from portal.mail.bounces import Report, apply_report
from portal.models import BounceKind
from tests.fixtures.mail import deliver, rows
from tests.newsletter.test_staff_pages import create


def report(app, kind: BounceKind, outbox_id: int) -> None:
    with app.app_context():
        apply_report(app, Report(kind, outbox_id, f"{kind} test"), digest=f"{kind}:{outbox_id}")


def counts(page: str) -> dict[str, str]:
    section = page.split('id="health-heading"')[1].split("</section>")[0]
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", section))


def test_the_campaign_page_counts_bounces_and_complaints_and_warns(app, client, auth, newsletter):
    auth.login_staff("theo@example.com")
    newsletter.many(40, topics=("news",))
    campaign_id = create(client)
    client.post(f"/staff/newsletter/{campaign_id}/send")
    deliver(app)
    sent = [row.id for row in rows(app)]
    assert len(sent) == 40

    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert counts(page)["spam complaints"] == "0" and 'role="alert"' not in page

    report(app, BounceKind.HARD, sent[0])
    report(app, BounceKind.SOFT, sent[1])
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert counts(page) == {
        "refused when sent": "0",
        "bounced later": "1",
        "delayed (soft)": "1",
        "spam complaints": "0",
        "bounce rate": "2.5%",
        "complaint rate": "0.00%",
    }
    assert 'role="alert"' not in page  # 2.5% bounces: under 5%
    assert "too high" not in client.get("/staff/newsletter/").get_data(as_text=True)

    report(app, BounceKind.COMPLAINT, sent[2])  # 1 in 40: 2.5%, far above 0.3%
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert "2.5% of recipients reported this campaign as spam" in page
    assert "of messages bounced" not in page

    report(app, BounceKind.HARD, sent[3])
    report(app, BounceKind.HARD, sent[4])  # 3 in 40: 7.5%
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert "7.5% of messages bounced (above 5%)" in page
    assert "bounces or complaints too high" in client.get("/staff/newsletter/").get_data(
        as_text=True
    )
