"""Demo newsletter: two complete tip sequences (a marathon, a shorter race), subscribers,
and one campaign already sent (so the archive has an issue) plus a draft.

The tips are the practice's own advice, written for this demo. Seeding again changes
nothing: sequences are found by their short name, subscribers by address, campaigns by
subject.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.core.clock import local_today
from portal.extensions import db
from portal.models import (
    Campaign,
    CampaignStatus,
    Subscriber,
    SubscriberStatus,
    TipSequence,
    TipStep,
    TrainingProfile,
    User,
)
from portal.models.types import utcnow
from portal.newsletter import campaigns

MARATHON = [
    (
        -56,
        "Eight weeks to go: make massage part of the build",
        """The next four weeks are where your mileage climbs fastest, and where most
niggles start. A weekly or fortnightly sports massage through this block is not a treat: it
is how we find the tight calf or the grumpy hip flexor before it becomes a week off.

- Book your sessions now, ideally a day or two after your long run rather than before it.
- Tell your therapist what your week looks like, so the pressure suits the work ahead.
- Keep one easy day after each session: the tissue needs a little time to settle.

If something already hurts in a way that changes how you run, do not wait for the taper.
Come in this week.""",
    ),
    (
        -42,
        "Six weeks: look after your calves and Achilles",
        """Long runs of two hours and more load the lower leg more than anything else in a
marathon build. The calves and the Achilles tendon take every stride, and they complain
quietly before they complain loudly.

Ten minutes after your runs makes a real difference:

1. Slow heel drops off a step, knee straight and then bent, three sets of fifteen.
2. Roll each calf from ankle to knee for two minutes, easing off anything sharp.
3. Finish with ankle circles in both directions.

Morning stiffness in the Achilles that eases as you walk is a signal to mention at your
next session, not to push through.""",
    ),
    (
        -28,
        "Four weeks: recovering from your longest runs",
        """This is usually the month of your longest run. How you spend the following
forty-eight hours decides how much of it you keep.

Eat and drink within the hour after you finish, then walk for ten minutes later in the day
rather than collapsing on the sofa. A warm shower or bath helps the legs feel looser; save
the hard foam rolling for the next day, when the muscles are less tender.

A flush massage two to three days after the longest run is one of the most useful sessions
of the whole build: light, brisk work that leaves the legs feeling fresh for the next
quality session.""",
    ),
    (
        -14,
        "Two weeks: the taper, and why it feels strange",
        """Your mileage drops from now on, and many runners feel sluggish, heavy or oddly
sore during the first week of the taper. That is normal: the body is busy repairing what
the last months asked of it.

Resist the urge to test your fitness with a hard run. Keep a little pace in your shorter
sessions so the legs remember the rhythm, sleep as much as you can, and keep your massage
on the lighter side from here: we are maintaining, not changing anything.""",
    ),
    (
        -10,
        "Ten days out: book your pre-race session",
        """The most useful massage before a marathon happens two to three days before race
day: long enough before that the legs feel light on the start line, close enough that the
work still counts.

Those slots go first in race week, so book yours today. If you have never had a massage
this close to a race, tell your therapist: we will keep it shorter and gentler, and you
will know exactly how your legs respond before it matters.""",
    ),
    (
        -3,
        "Three days to go: the light pre-race session",
        """If you booked a pre-race session, this is its window. Expect lighter pressure than
usual, more movement and less digging: the aim is loose, springy legs, not a deep
reset.

After the session, drink normally, go for a short easy jog or walk later in the day, and
skip any new stretches or self-massage tools you have not used before. Lay out your race
kit tonight, so the last days are calm.""",
    ),
    (
        -1,
        "The day before: nothing new",
        """Today is for doing less. No new shoes, no new food, no new stretching routine and
no deep massage: anything unfamiliar is a risk you do not need tomorrow.

A ten-minute jog with a few relaxed strides keeps the legs awake. Eat the dinner you know
works, pin your number on tonight and set two alarms. You have done the training; all that
is left is to let it show.""",
    ),
    (
        2,
        "Two days after: gentle recovery",
        """Congratulations on your race! Your legs are likely at their stiffest today or
tomorrow, which is exactly when gentle movement helps most.

Walk, swim or spin easily for twenty to thirty minutes. Keep any massage very light this
week: a gentle recovery session from day two to five eases the stiffness, while deep work
now would only add to the damage the race did. Eat well, sleep long, and write down what
went well while you still remember it.""",
    ),
    (
        7,
        "A week later: back to running, carefully",
        """A marathon takes longer to recover from than it feels like. Start with a few short
easy runs this week and stop if anything feels sharp or uneven rather than just tired.

This is a good moment for a proper sports massage: we can look at the areas the race
found, from tight calves to a sore lower back, and you can tell us what the last miles felt
like. When you are ready, set your next goal race on your preferences page and the tips
start again.""",
    ),
]

SHORTER = [
    (
        -28,
        "Four weeks: sharpen without breaking",
        """For a 5K, a 10K or a half marathon, the last month is about speed work, and speed
work loads the hamstrings and calves in a different way from steady miles.

Warm up for at least fifteen minutes before intervals, and cool down with easy jogging
instead of stopping dead. A sports massage every fortnight through this block keeps the
hamstrings from tightening up as the sessions get quicker.""",
    ),
    (
        -14,
        "Two weeks: fresh legs for fast running",
        """Fast running needs fresh legs more than tired ones. From now on, keep one
quality session a week and make the rest easy.

Short strides at the end of easy runs keep your turnover sharp without tiring you. If a
muscle feels tight the day after intervals, a light roll is enough; save deep work on it
for your next session with us.""",
    ),
    (
        -7,
        "One week to go: book a light session",
        """A short, light massage four to five days before a shorter race helps the legs
feel loose without any risk of leaving them heavy on the day. For a half marathon, two to
three days before works well too.

Book it this week, and tell your therapist it is a pre-race session: we will keep the
pressure moderate and the focus on the legs.""",
    ),
    (
        -2,
        "Two days out: short, light and early",
        """Keep today's run short with a few relaxed strides. Check the start time and plan
to arrive early enough to warm up properly: for a shorter race the warm-up matters more
than for a marathon, because you start fast.

Ten minutes of easy jogging, some leg swings, and three or four strides at race pace, and
you are ready.""",
    ),
    (
        -1,
        "Race eve: the short checklist",
        """Shoes you have raced or trained fast in. Kit laid out. Breakfast you have eaten
before a hard session. Number pinned, safety pins spare.

Nothing new tonight: no new stretches, no new massage tools, no experiments. Get to bed at
your usual time and trust the work you have done.""",
    ),
    (
        2,
        "After the race: recovering from a fast effort",
        """Shorter races recover faster than marathons, but a hard effort still leaves the
calves and hamstrings sore for a few days.

Keep the next two or three days easy, and book a recovery session if anything stays tight
after that. Then set your next goal race on your preferences page, and the tips will be
timed to it.""",
    ),
]

SEQUENCES = [
    (
        "marathon",
        "Marathon or longer",
        "Runners training for a marathon or an ultra; the default.",
        True,
        MARATHON,
    ),
    ("shorter", "Shorter race (5K to half marathon)", "Faster, shorter goals.", False, SHORTER),
]

CAMPAIGN_SENT = (
    "Earlier mornings this spring",
    """## Open from 7am on weekdays

From next month our doors open at **7am**, Monday to Friday, so you can fit a session in
before work or straight after your morning run.

## Meet Inés

Inés Ortega joins the team. She has worked with fell and trail runners for ten years and
loves a stubborn calf. Book her through the usual link.

See you soon,
the team at Massage Works""",
)
CAMPAIGN_DRAFT = (
    "Your autumn race: when to book",
    """## Plan your sessions around race day

A session two to three days before, and a gentle one two to five days after: that is what
most of our runners book. Reply to this email if you want help planning yours.""",
)


def _sequences() -> list[str]:
    lines = []
    for slug, name, description, is_default, steps in SEQUENCES:
        if db.session.scalar(sa.select(TipSequence.id).where(TipSequence.slug == slug)):
            continue
        sequence = TipSequence(slug=slug, name=name, description=description, is_default=is_default)
        db.session.add(sequence)
        db.session.flush()
        for offset, subject, body in steps:
            db.session.add(
                TipStep(
                    sequence_id=sequence.id,
                    offset_days=offset,
                    subject=subject,
                    body_markdown=body,
                )
            )
        lines.append(f"tip sequence {slug}: {len(steps)} tips")
    return lines


def _subscribers() -> list[str]:
    """Rosa (a demo client, race from her profile), and two readers without accounts."""
    today = local_today()
    rosa = db.session.scalar(sa.select(User).where(User.email == "runner@example.com"))
    profile = db.session.get(TrainingProfile, rosa.id) if rosa else None
    people = [
        (
            "runner@example.com",
            "Rosa Runner",
            ("tips", "news", "articles"),
            profile.goal_race_name if profile else "Riverside Marathon",
            profile.goal_race_on if profile else today + timedelta(days=42),
        ),
        ("ana.reader@example.com", "Ana", ("news", "articles"), None, None),
        ("sam.halfway@example.com", "Sam", ("tips",), "Harbour Half", today + timedelta(days=20)),
    ]
    created = []
    shorter = db.session.scalar(sa.select(TipSequence.id).where(TipSequence.slug == "shorter"))
    for email, name, topics, race_name, race_on in people:
        if db.session.scalar(sa.select(Subscriber.id).where(Subscriber.email == email)):
            continue
        subscriber = Subscriber(
            email=email,
            name=name,
            status=SubscriberStatus.CONFIRMED.value,
            race_name=race_name,
            race_on=race_on,
            tip_sequence_id=shorter if "Half" in (race_name or "") else None,
            tips_planned_from=today,
            tips_season=1,
            confirmed_at=utcnow(),
        )
        subscriber.set_topics(list(topics))
        db.session.add(subscriber)
        created.append(email)
    db.session.flush()
    return [f"newsletter subscribers: {', '.join(created)}"] if created else []


def _campaigns() -> list[str]:
    lines = []
    therapist = db.session.scalar(sa.select(User.id).where(User.email == "therapist@example.com"))
    for (subject, body), send in ((CAMPAIGN_SENT, True), (CAMPAIGN_DRAFT, False)):
        if db.session.scalar(sa.select(Campaign.id).where(Campaign.subject == subject)):
            continue
        campaign = Campaign(
            subject=subject,
            body_markdown=body,
            topics="news" if send else "tips,news",
            created_by_id=therapist,
            status=CampaignStatus.DRAFT.value,
        )
        db.session.add(campaign)
        db.session.flush()
        if send:
            queued = campaigns.queue(campaign)
            lines.append(f"campaign sent to {queued} demo subscribers: {subject}")
        else:
            lines.append(f"draft campaign: {subject}")
    return lines


def seed() -> list[str]:
    lines = _sequences()
    lines += _subscribers()
    lines += _campaigns()
    db.session.commit()
    return lines or ["newsletter demo data already present"]
