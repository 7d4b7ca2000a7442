"""Demo pages: About, Services and prices, Visit us and Privacy, as Massage Works would write
them. Hours, address and phone come from the practice settings through placeholders
(``portal/pages/placeholders.py``), so the pages never disagree with the footer.

Idempotent: a page whose address exists is left alone.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Page, PageStatus
from portal.pages.services import PageValues, privacy_notice, save_page

ABOUT = """Massage Works is a small sports-massage practice in Los Gatos for people who run:
road, trail and track, first 5K to hundred-miler. Most of our clients train on the Los Gatos
Creek Trail and in the Santa Cruz Mountains, and most of what we do is help them arrive at
the start line with legs that feel like their own.

## Who we are

**Theo Marsh** has been a licensed massage therapist for twelve years and ran his first
marathon at 40. He likes a stubborn calf and a clear plan.

**Inés Ortega** has worked with trail and ultra runners for ten years. Quads after long
descents are her speciality.

## How we work

Every session starts with five minutes about your training: what you ran this week, what
is coming up, what aches. We write down what we did and what we suggest, and you can read
it in your client portal afterwards, with the soreness before and after each session.

We are not physiotherapists. If something looks like more than tight muscles, we will say
so and suggest who to see.
"""

SERVICES = """We time every session to your training and your race. Tell us the race and its date
when you book; the portal reminds you when the next session is due.

## During the training block

| Session | Length | Price |
|---|---|---|
| Sports massage | 60 min | $110 |
| Sports massage | 90 min | $155 |
| Deep tissue, one area (calves, hips or back) | 45 min | $85 |

Every two to four weeks while the mileage climbs: firm work on whatever the long runs
tighten, so small knots do not become injuries.

## Before your race

| Session | Length | Price |
|---|---|---|
| Pre-race flush | 45 min | $85 |

Three to five days before the race, never the day before. Light and quick: legs that feel
fresh, not worked.

## After your race

| Session | Length | Price |
|---|---|---|
| Recovery massage | 60 min | $110 |

Two to five days after the finish, once the worst soreness has passed. Gentle work first,
then a plan for getting back to running.

## Packages

- **Race block**: four 60-minute sessions and one pre-race flush, used within 16 weeks:
  $480.
- **Club members** of any Bay Area running club: 10% off single sessions.

Cancel or move a session up to 24 hours before at no cost. To book, email [[booking_email]]
or call [[phone]].
"""

VISIT = """## Where we are

[[address]]

We are a five-minute walk from the Los Gatos Creek Trail. There is free two-hour parking on
the street and in the lot behind the building; bike racks are by the door.

## When we are open

[[hours]]. Closed on Sundays and public holidays.

## Booking

Email [[booking_email]] or call [[phone]]. Tell us your goal race and its date, and whether
it is your first massage.

## What to bring

Shorts you can move in, and the shoes you run in most if a foot or ankle is bothering you.
Come straight from a run if you like: there is a shower.
"""

DEMO_PAGES = [
    # (slug, title, body, menu order, in the menu)
    ("about", "About", ABOUT, 10, True),
    ("services", "Services and prices", SERVICES, 20, True),
    ("visit", "Visit us", VISIT, 30, True),
]


def seed() -> list[str]:
    existing = set(db.session.scalars(sa.select(Page.slug)))
    created = []
    privacy = privacy_notice()
    for slug, title, body, order, in_menu in [
        *DEMO_PAGES,
        ("privacy", "Privacy", privacy.body, 90, False),
    ]:
        if slug in existing:
            continue
        save_page(
            Page(),
            PageValues(
                title=title,
                slug=slug,
                body=body,
                status=PageStatus.PUBLISHED,
                menu_order=order,
                show_in_menu=in_menu,
            ),
        )
        created.append(slug)
    db.session.commit()
    return [f"demo pages: {', '.join(created)}"] if created else ["demo pages already present"]
