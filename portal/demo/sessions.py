"""Demo client records: a season of sessions for the two demo runners.

Rosa is about six weeks out from a road marathon (computed from today, so her dashboard
always has something to say); Tomás trains for a trail 50K in the Santa Cruz Mountains.
Dates count back from the day the seed first runs, and land where they would at the
practice: sessions on the days it is open and within its hours (``portal/demo/practice.py``),
races on a weekend morning. A client who already has sessions is left alone, so seeding
twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

import sqlalchemy as sa

from portal.clients.guidance import install_default_rules
from portal.core.clock import local_today
from portal.extensions import db
from portal.models import MassageSession, Recommendation, Role, TrainingProfile, User
from portal.models.types import utcnow

SATURDAY, SUNDAY = 5, 6
THERAPIST = "therapist@example.com"
# A second therapist, so the history's therapist filter has a choice. No password: it
# cannot sign in, it only appears on sessions.
COLLEAGUE = ("ines@example.com", "Inés Ortega")


@dataclass(frozen=True)
class Visit:
    days_ago: int
    modality: str
    areas: tuple[str, ...]
    soreness: tuple[int, int]
    client_notes: str
    private_notes: str
    minutes: int = 60
    pressure: str = "firm"
    by_colleague: bool = False


@dataclass(frozen=True)
class Advice:
    title: str
    details: str
    frequency: str | None = None
    due_in_days: int | None = None
    from_visit: int | None = None  # index into the plan's visits
    done_days_ago: int | None = None
    article_slug: str | None = None


@dataclass(frozen=True)
class Plan:
    email: str
    race_name: str
    race_in_days: int  # about: the race is on the next ``race_weekday`` from then
    weekly_distance: int
    unit: str
    visits: list[Visit] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    race_weekday: int = SUNDAY


ROSA = Plan(
    email="runner@example.com",
    race_name="Santa Cruz Mountains Marathon",
    race_in_days=42,
    weekly_distance=38,
    unit="mi",
    visits=[
        Visit(
            150,
            "sports",
            ("calves", "hamstrings"),
            (7, 4),
            "First session of the block. Both calves were guarded and the left one took a "
            "while to let go. Keep the easy runs genuinely easy this week.",
            "New client. Says she ran through a sore Achilles last spring; watch the left side.",
        ),
        Visit(
            141,
            "deep_tissue",
            ("calves", "shins"),
            (6, 3),
            "Calves softer than last time. The shins are sensitive along the inside edge: "
            "ice after the long run if they ache, and tell us if it sharpens.",
            "Medial shin tender, no point pain. Not stress-fracture territory yet; re-check.",
        ),
        Visit(
            133,
            "sports",
            ("quads", "it_band", "glutes"),
            (6, 3),
            "The outside of the right thigh was tight after the hilly long run. Glutes are "
            "doing less than they should on that side, hence the bridges.",
            "Right glute med weak on single-leg squat. Suggest she sees physio if no change.",
        ),
        Visit(
            124,
            "trigger_point",
            ("glutes", "lower_back"),
            (7, 3),
            "A knot low in the right glute was referring into the back of the thigh. It "
            "released well. Sit less on the long drive home if you can.",
            "Desk job plus 40 min commute. Lower back guarding mostly posture, not injury.",
            minutes=45,
        ),
        Visit(
            115,
            "sports",
            ("calves", "hamstrings", "feet"),
            (5, 2),
            "Good week: legs felt springy. We spent time on the arches after your new "
            "shoes; give them a few more runs before judging.",
            "Changed shoes (same model, newer version). Arch cramping on first run.",
        ),
        Visit(
            106,
            "recovery_flush",
            ("calves", "quads", "hamstrings"),
            (6, 2),
            "A light flush after your half-marathon tune-up. Lovely pacing. Nothing hard "
            "for three days, then back to the plan.",
            "Half in 1:41, PB. Legs heavy but nothing local.",
            minutes=45,
            pressure="light",
        ),
        Visit(
            98,
            "deep_tissue",
            ("hamstrings", "adductors"),
            (6, 3),
            "The inner thighs were holding on after the track session. Long, slow pressure "
            "helped. Warm up with leg swings before speed work.",
            "Adductor tone high both sides; no groin pain reported.",
        ),
        Visit(
            90,
            "active_release",
            ("hip_flexors", "quads"),
            (5, 2),
            "Hip flexors were short after a heavy week at the desk. Try the couch stretch in "
            "the evenings and keep the stride relaxed on the tempo runs.",
            "Thomas test positive right. Posture again; mentioned a standing desk.",
        ),
        Visit(
            81,
            "sports",
            ("calves", "it_band"),
            (5, 2),
            "A steady maintenance session. Nothing new to report: the work is paying off.",
            "Nothing of note.",
            by_colleague=True,
        ),
        Visit(
            70,
            "deep_tissue",
            ("calves", "feet", "shins"),
            (6, 3),
            "The first 18-mile long run left the calves and feet tired. Expected at this stage. "
            "Take the recovery day seriously.",
            "Left Achilles slightly thickened to touch, not painful. Watch.",
        ),
        Visit(
            63,
            "sports",
            ("glutes", "hamstrings", "lower_back"),
            (4, 2),
            "Glutes are firing much better: the bridges are working. Keep them going twice "
            "a week through the taper.",
            "Single-leg squat much improved right side.",
        ),
        Visit(
            49,
            "myofascial",
            ("it_band", "quads", "hip_flexors"),
            (5, 2),
            "The outside of the thigh was grumpy after the hilly route. Go easy on the "
            "downhills for a week.",
            "Lateral knee fine. Mostly tension along TFL.",
            minutes=60,
            pressure="medium",
        ),
        Visit(
            35,
            "sports",
            ("calves", "hamstrings"),
            (4, 2),
            "Legs in good shape for peak weeks. Remember to eat properly after the long run, "
            "not just on race day.",
            "Looks tired generally; asked about sleep. Says work is busy.",
            by_colleague=True,
        ),
        Visit(
            21,
            "deep_tissue",
            ("calves", "quads", "glutes"),
            (5, 2),
            "Biggest week of the block done. Everything moved well. From here the mileage "
            "eases and so will the pressure of these sessions.",
            "Left calf tighter than right again. Suggested shoe mileage check.",
        ),
        Visit(
            11,
            "sports",
            ("calves", "feet"),
            (4, 2),
            "Calves and arches after your last 20-miler. Good shape. Start thinking about race "
            "morning: breakfast, kit, how you get to the start.",
            "Fine. Asked about pre-race session timing; explained the two-to-three-day rule.",
        ),
        Visit(
            4,
            "sports",
            ("hamstrings", "calves", "it_band"),
            (3, 1),
            "The lowest soreness of the season. The plan is working: keep the easy days easy "
            "and trust it.",
            "No concerns.",
            minutes=45,
        ),
    ],
    advice=[
        Advice(
            "Calves with a roller stick",
            "Slow strokes from the ankle up towards the knee, pressure you could hold a "
            "conversation through.",
            frequency="5 minutes a day",
            from_visit=15,
        ),
        Advice(
            "Glute bridges",
            "Three sets of twelve, with a two-second squeeze at the top. Single-leg once the "
            "double-leg version feels easy.",
            frequency="Every other day",
            due_in_days=10,
            from_visit=10,
        ),
        Advice(
            "Swap Thursday's tempo for an easy run",
            "Only this week: you carried a lot of fatigue into the last session.",
            due_in_days=5,
            from_visit=15,
        ),
        Advice(
            "Practise your race-morning breakfast",
            "Eat it before your next long run, at the same time before the start.",
            due_in_days=12,
            from_visit=14,
        ),
        Advice(
            "Self-massage for calves",
            "The practice's guide to looking after your own calves between visits.",
            article_slug="self-massage-for-calves",
        ),
        Advice(
            "Couch stretch for the hip flexors",
            "Knee against the sofa, hips square, 60 seconds a side, in the evenings.",
            frequency="Evenings",
            from_visit=7,
            done_days_ago=40,
        ),
        Advice(
            "Check the mileage on your road shoes",
            "Your current pair is near the end of its cushioning; run in the new ones "
            "before race day, not on it.",
            from_visit=13,
            done_days_ago=16,
        ),
        Advice(
            "Leg swings before track sessions",
            "Ten forwards and ten sideways on each leg, before the first fast rep.",
            from_visit=6,
            done_days_ago=85,
        ),
    ],
)

TOMAS = Plan(
    email="trail@example.com",
    race_name="Skyline Ridge 50K",
    race_in_days=96,
    weekly_distance=45,
    unit="mi",
    visits=[
        Visit(
            120,
            "sports",
            ("quads", "calves"),
            (7, 4),
            "Quads were battered by the steep descents. That is the trail runner's tax: "
            "we will work on making it cheaper.",
            "Experienced runner, 10+ years. Old right ankle sprain, stable now.",
        ),
        Visit(
            104,
            "deep_tissue",
            ("quads", "it_band"),
            (6, 3),
            "The front and outside of the thighs took the pressure well. Walk the very "
            "steepest descents in training for now.",
            "Prefers firm pressure. Quads very dense.",
        ),
        Visit(
            90,
            "trigger_point",
            ("calves", "feet"),
            (6, 3),
            "Two tender spots deep in the left calf from the rocky ground. Calf drops on a "
            "step will build resilience here.",
            "Left soleus trigger points; plantar fascia fine.",
        ),
        Visit(
            76,
            "sports",
            ("hamstrings", "glutes", "lower_back"),
            (5, 3),
            "Long days with a pack show up in the lower back. Loosen the hip belt on the "
            "climbs and let the arms swing.",
            "Lumbar erectors tight; no radiating symptoms.",
            minutes=75,
        ),
        Visit(
            62,
            "active_release",
            ("calves", "shins", "feet"),
            (5, 2),
            "Good range at the ankle now. The shins were quiet, which is what we want.",
            "Ankle dorsiflexion improved ~5 degrees on the right.",
        ),
        Visit(
            47,
            "recovery_flush",
            ("quads", "calves", "hamstrings"),
            (7, 3),
            "A gentle flush after the 30-mile race. Walk, eat and sleep for three days "
            "before anything that looks like training.",
            "Raced hard, finished well. Mild quad DOMS only.",
            minutes=45,
            pressure="light",
        ),
        Visit(
            33,
            "deep_tissue",
            ("quads", "it_band", "hip_flexors"),
            (5, 2),
            "Back to normal after the race. The hip flexors were short from all the climbing: "
            "stretch them after the hill sessions.",
            "Nothing new.",
            by_colleague=True,
        ),
        Visit(
            19,
            "sports",
            ("calves", "quads", "shoulders"),
            (4, 2),
            "Shoulders carried the poles' work this time. Relax the grip on the long climbs.",
            "New poles. Upper traps tight.",
        ),
        Visit(
            6,
            "sports",
            ("quads", "calves", "feet"),
            (4, 2),
            "Strong block so far. Keep the descending practice short and relaxed.",
            "No concerns.",
        ),
    ],
    advice=[
        Advice(
            "Eccentric calf drops on a step",
            "Rise on two feet, lower slowly on one. Two sets of fifteen each side.",
            frequency="Daily",
            due_in_days=14,
            from_visit=2,
        ),
        Advice(
            "Roll the outside of the thigh, not the knee",
            "Stop a hand's width above the knee; the tendon there does not need rolling.",
            frequency="After long runs",
            from_visit=1,
        ),
        Advice(
            "Stretch hip flexors after hill sessions",
            "",
            frequency="After hill days",
            due_in_days=21,
            from_visit=6,
        ),
        Advice(
            "Short, relaxed downhill strides",
            "Six strides of twenty seconds on a gentle grassy slope, quick light feet.",
            frequency="Once a week",
            from_visit=0,
            done_days_ago=60,
        ),
        Advice(
            "Ankle circles before technical descents",
            "Ten each way, each ankle, at the top of the hill.",
            from_visit=4,
            done_days_ago=30,
        ),
    ],
    race_weekday=SATURDAY,
)


def open_day(day: date) -> date:
    """The practice is closed on Sundays: a visit that would fall on one is the Saturday."""
    return day - timedelta(days=1) if day.weekday() == SUNDAY else day


def start_time(day: date, number: int) -> time:
    """Within the opening hours, an hour's session included: Saturdays 8 AM to 1 PM, other
    days 7 AM to 7 PM."""
    if day.weekday() == SATURDAY:
        return time(8 + number % 4, 30 if number % 2 else 0)
    return time(7 + (number * 3) % 11, 30 if number % 2 else 0)


def race_day(near: date, weekday: int) -> date:
    """The first ``weekday`` (a Saturday or Sunday) on or after ``near``: races are then."""
    return near + timedelta(days=(weekday - near.weekday()) % 7)


def _therapists() -> tuple[User | None, User]:
    therapist = db.session.scalar(sa.select(User).where(User.email == THERAPIST))
    email, name = COLLEAGUE
    colleague = db.session.scalar(sa.select(User).where(User.email == email))
    if colleague is None:
        colleague = User(email=email, name=name, role=Role.STAFF.value, password_hash=None)
        db.session.add(colleague)
        db.session.flush()
    return therapist, colleague


def _seed_client(plan: Plan, today: date, therapist: User | None, colleague: User) -> str | None:
    client = db.session.scalar(sa.select(User).where(User.email == plan.email))
    if client is None:
        return None
    if db.session.get(TrainingProfile, client.id) is None:
        db.session.add(
            TrainingProfile(
                user_id=client.id,
                goal_race_name=plan.race_name,
                goal_race_on=race_day(today + timedelta(days=plan.race_in_days), plan.race_weekday),
                weekly_distance=plan.weekly_distance,
                distance_unit=plan.unit,
            )
        )
    has_sessions = db.session.scalar(
        sa.select(MassageSession.id).where(MassageSession.client_id == client.id).limit(1)
    )
    if has_sessions is not None:
        return None
    sessions = []
    for number, visit in enumerate(plan.visits):
        session = MassageSession(
            client_id=client.id,
            therapist_id=(colleague if visit.by_colleague else therapist or colleague).id,
            held_on=(held_on := open_day(today - timedelta(days=visit.days_ago))),
            starts_at=start_time(held_on, number),
            duration_minutes=visit.minutes,
            modality=visit.modality,
            pressure=visit.pressure,
            soreness_before=visit.soreness[0],
            soreness_after=visit.soreness[1],
            client_notes=visit.client_notes,
            private_notes=visit.private_notes,
            areas=[],
        )
        session.set_areas(list(visit.areas))
        sessions.append(session)
    db.session.add_all(sessions)
    db.session.flush()
    for advice in plan.advice:
        given = sessions[advice.from_visit] if advice.from_visit is not None else None
        db.session.add(
            Recommendation(
                client_id=client.id,
                session_id=given.id if given else None,
                created_by_id=given.therapist_id if given else None,
                title=advice.title,
                details=advice.details,
                frequency=advice.frequency,
                due_on=today + timedelta(days=advice.due_in_days)
                if advice.due_in_days is not None
                else None,
                article_slug=advice.article_slug,
                done_at=utcnow() - timedelta(days=advice.done_days_ago)
                if advice.done_days_ago is not None
                else None,
            )
        )
    return f"{len(sessions)} sessions and {len(plan.advice)} recommendations for {plan.email}"


def seed() -> list[str]:
    lines = []
    if install_default_rules():
        lines.append("default booking guidance rules added")
    therapist, colleague = _therapists()
    today = local_today()
    for plan in (ROSA, TOMAS):
        line = _seed_client(plan, today, therapist, colleague)
        if line:
            lines.append(line)
    db.session.commit()
    return lines or ["demo client records already present"]
