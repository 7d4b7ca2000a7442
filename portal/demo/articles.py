"""The demo blog's articles: original writing for runners, by the demo therapist.

Kept apart from the seeder (``portal.demo.blog``) so the prose is easy to read and edit.
Each entry: slug, title, summary, tags, days since publication, Markdown body.
"""

from __future__ import annotations

ARTICLES: list[dict[str, object]] = [
    {
        "slug": "massage-through-a-training-cycle",
        "title": "Massage through a training cycle",
        "summary": "Base, build, peak and taper ask different things of your legs. "
        "Here is how we change the work on the table to match.",
        "tags": ["Training", "Planning"],
        "days_ago": 60,
        "body": """\
A marathon or half-marathon block is not one long stretch of the same training, and your
massage should not be the same session repeated every fortnight either. What your legs need
in week three is different from what they need ten days before the start line.

## Base weeks: find the problems early

In the first weeks mileage climbs but the running is mostly easy. This is the best time for
a thorough, firm session. We have time to work slowly through calves, soles of the feet,
hamstrings and the hip muscles, and to notice what is already grumbling. A calf that is
noticeably tighter on one side, or a hip flexor that will not let go, is information: it
often points to a habit in your stride or to shoes that have done too many miles.

Soreness the day after a base-phase session is acceptable. You have easy runs scheduled, and
a day of feeling "worked" costs you nothing.

## Build weeks: keep the tissue moving

When sessions get harder (tempo runs, intervals, long runs with a fast finish) the aim
shifts from finding problems to keeping on top of them. We work a little lighter and a
little more often. Every two to three weeks suits most runners; every week suits runners
doing more than about 80 km, or anyone coming back from an injury.

Book these sessions the day after a hard workout or on a rest day, never the day before
intervals. Deep work followed by a hard track session is how hamstrings get strained.

## Peak weeks: less depth, more flush

In the two or three biggest weeks your body is already carrying a lot of fatigue. This is
not the moment to chase knots with heavy pressure. Sessions become shorter and flowing:
long strokes that move fluid, gentle work around the Achilles and the knee, and time on the
areas that a long run leaves sore.

## Taper: one light session, well timed

During the taper the volume drops and your legs start to feel springy again. One light
session two or three days before the race is plenty. We have written about that session
separately, because it is the one runners ask about most.

## A simple plan

| phase | how often | pressure |
|---|---|---|
| base | every 2–3 weeks | firm |
| build | every 2 weeks | medium |
| peak | every 1–2 weeks | light to medium |
| taper | once, 2–3 days out | light |

Treat the table as a starting point. Tell your therapist what your training week looks like
and we will fit the sessions around it, not the other way round.
""",
    },
    {
        "slug": "the-session-before-race-day",
        "title": "The session two or three days before a race",
        "summary": "Why the last massage before a race is light and short, why it is not "
        "the day before, and what to tell your therapist when you book it.",
        "tags": ["Race week", "Planning"],
        "days_ago": 21,
        "body": """\
Of every question we are asked, "when should I have my last massage before the race?" comes
first by a distance. The short answer: two or three days before, and it should feel almost
too gentle. Here is the longer answer.

## Why not the day before?

Even a light session changes how your legs feel for a day or so. Most people feel loose and
fresh; some feel heavy or slightly flat, a bit like the day after a long walk. You cannot
know in advance which one you will be, and race morning is not the time to find out. Two or
three days gives any heaviness time to clear while the looseness remains.

If you have never had a massage before, do not have your first one in race week at all.
Your body does not know the work yet, and the reaction is less predictable. Book it after
the race instead.

## What the session looks like

- **Thirty to forty-five minutes**, not a full hour.
- **Light to medium pressure.** We are not hunting for knots; there is no time left to
  recover from deep work.
- **Long, rhythmic strokes** over calves, hamstrings, quads and glutes, with a little time
  around the ankles and feet.
- **No new techniques.** Race week is not the moment to try cupping or deep friction for the
  first time.

You should walk out feeling that your legs are lighter, not that they have been worked on.

## What to tell us when you book

Tell us the race, the distance and the date. Tell us about anything that has been niggling
in the last month, even if it feels fine now. And tell us how your taper is going: a runner
who feels sluggish in the taper needs a different touch from one who feels restless and
twitchy.

## After the session

Drink normally, go for your planned easy run the next day, and leave the foam roller alone
on the last evening. If something feels different after the session, send us a message:
most questions can be answered in a sentence, and it is much better to ask than to worry on
the start line.
""",
    },
    {
        "slug": "self-massage-for-calves",
        "title": "Self-massage between visits",
        "summary": "Ten minutes a day with a roller, a ball and your hands keeps calves and "
        "feet in better shape between sessions. A routine that works.",
        "tags": ["Self-massage", "Calves"],
        "days_ago": 45,
        "body": """\
A session with a therapist every few weeks is useful, but what you do on the other thirteen
days matters more. Ten minutes of self-massage most evenings is enough to keep the usual
runner's trouble spots from building up. This is the routine we give most of our clients.

## What you need

- A firm foam roller, not the softest one in the shop.
- A ball: a lacrosse ball or a firm rubber ball the size of a fist.
- Your own hands, warm.

## The routine

**1. Soles of the feet (two minutes).** Stand and roll one foot over the ball, from heel to
the ball of the foot. Lean on it only as much as is comfortable. Tight feet pull on the
calves, so start at the bottom.

**2. Calves on the roller (three minutes).** Sit with one calf on the roller, the other leg
crossed over it for extra weight if you want. Roll slowly from just above the ankle to just
below the knee. When you find a tender spot, stop, point and flex the foot ten times, then
move on. Turn the leg slightly in and out to reach the inner and outer parts of the calf.

**3. Achilles area by hand (one minute).** Never roll directly on the Achilles tendon.
Instead, pinch gently either side of it with thumb and fingers and slide up towards the
calf. It should feel like a stretch, not pain.

**4. Quads and hips (three minutes).** Lie face down with the roller under the front of the
thighs and roll from hip to just above the knee. Then sit on the ball and work slowly around
the buttock muscles.

**5. Finish with easy movement (one minute).** Ankle circles, a few calf raises, a gentle
walk round the room.

## How hard?

On a scale of one to ten, stay around five or six. Self-massage that makes you hold your
breath is too much: the muscle tightens to protect itself and you undo the good you are
trying to do.

## When not to

Skip it on an area that is swollen, bruised or hot, and over anything you think might be a
strain rather than tightness. Those need a proper look. And if the same spot is sore every
evening for two weeks, mention it at your next session: it is telling you something about
your training or your shoes.
""",
    },
    {
        "slug": "the-it-band",
        "title": "The IT band: what massage can and cannot do",
        "summary": "You cannot stretch the iliotibial band and you do not need to roll it "
        "until you cry. What actually helps pain on the outside of the knee.",
        "tags": ["Knees", "Injuries"],
        "days_ago": 33,
        "body": """\
Pain on the outside of the knee that appears a set distance into every run, and goes away
when you stop, is one of the most common problems runners bring to us. It is usually called
IT band syndrome, and it is surrounded by more myths than any other part of the leg.

## What the IT band is

The iliotibial band is a thick strip of connective tissue running down the outside of the
thigh, from the hip to just below the knee. It is not a muscle. It is tough, it is anchored
along the thigh bone, and it does not lengthen in any useful way when you stretch or roll
it. Studies that measured it found that the forces needed to change its length are far
beyond anything a roller or a therapist's elbow can apply.

## So why does rolling feel good?

Because the muscles around it respond. The outer quad, the hip muscles that attach to the
top of the band and the tissue underneath it can all be calmed down by pressure and
movement. That can take the edge off the pain for a few hours, which is worth having, but it
does not fix the reason the knee hurts.

## What is usually going on

The pain tends to come from the region where the band passes the outside of the knee, often
because the hip is letting the knee drift inwards on every stride. Common causes:

- a sudden jump in weekly distance, especially downhill running;
- weak or tired hip muscles, so the pelvis drops on each landing;
- always running on the same side of a cambered road.

## What we do in a session

We work on the muscles at the hip (the gluteals and the muscle at the front of the hip that
tensions the band), the outer quad and the hamstrings, at a pressure you can breathe
through. We do not grind along the band itself. Then we talk about load: how much you are
running, where, and in which shoes.

## What you can do

1. Cut back distance for a week or two, keeping runs below the point where the pain starts.
2. Strengthen the hip: side-lying leg raises, side planks and single-leg squats in front of
   a mirror, watching that the knee stays over the foot.
3. Vary your routes and avoid long descents for a while.
4. Use the roller on the outer quad and the buttock, gently, not on the knee.

If the pain is sharp, stays after you stop running, or comes with swelling, see a
physiotherapist or doctor before anything else. Massage helps alongside a proper diagnosis,
not instead of one.
""",
    },
    {
        "slug": "recovery-after-a-race",
        "title": "Recovering after a race",
        "summary": "The first hour, the first three days and the first two weeks after a "
        "long race, and where a massage fits in.",
        "tags": ["Recovery", "Race week"],
        "days_ago": 12,
        "body": """\
Crossing the line is the end of the race but only the start of the recovery. What you do in
the next two weeks decides whether you come back stronger or spend a month nursing sore
tendons.

## The first hour

Keep walking for ten minutes rather than sitting straight down. Eat something with
carbohydrate and a little protein within the hour, and drink to thirst. Get warm clothes on
quickly; you will cool down faster than you expect. Leave stretching for later: your muscles
are full of tiny bits of damage, and hard stretching adds to it.

## Days one to three

Expect stairs to be difficult. The soreness usually peaks on the second day. Walking, easy
cycling or swimming help more than lying on the sofa, because gentle movement moves fluid
through the legs.

This is also when people ask for a deep massage to "get the soreness out". Please don't.
Deep work on muscles that are already damaged makes things worse. A very light session, or
none, is right for this window.

## Days three to seven: the recovery massage

Somewhere between day three and day five, once walking downstairs is no longer a comedy, is
the right time for a recovery session. It is gentle to medium work, longer strokes, plenty
of time on calves and quads, and a look at anything that hurt during the race. Many runners
say this is the session they enjoy most all year.

## The second week

Start with a few short easy runs. The rule of thumb of one easy day per kilometre raced (a
week or so for a half, three to four weeks for a marathon) before hard training is a good
guide, even if your legs feel ready sooner. Tendons recover more slowly than muscles, and
they do not warn you in advance.

## Signs to take seriously

Pain in one specific spot on a bone, pain that gets worse rather than better after day
three, or swelling around a tendon are not normal post-race soreness. Get them checked
before you start running again.
""",
    },
    {
        "slug": "your-first-visit",
        "title": "What your first visit is like",
        "summary": "Never had a sports massage? What happens from the moment you walk in, "
        "what to wear, and how to tell us when something is too much.",
        "tags": ["First visit"],
        "days_ago": 90,
        "body": """\
If you have never had a sports massage, the first visit can feel like a step into the
unknown. It need not. This is what happens, from the door to the moment you leave.

## Before you come

Wear or bring shorts, and a vest or sports bra if you are comfortable in one. You will be
covered with towels throughout, and only the area being worked on is uncovered. Try not to
come straight from a hard run; an easy day or a rest day is ideal. Eat normally, but not a
large meal just before.

## The first ten minutes: talking

We start with questions: how much you run, what you are training for, any injuries past or
present, anything medical we should know about. It is also when you tell us what you want
from the session. "My calves are always tight", "I have a race in six weeks" and "I just
want to know what a massage is like" are all good answers.

We may ask you to walk a few steps, squat or stand on one leg. This is not a test; it tells
us where to look.

## On the table

Most of the session is spent on the legs and hips, because that is where running lives.
Pressure starts gentle and builds. Some spots will be tender, and a little discomfort that
eases as we work is normal. Sharp pain, or anything that makes you tense up or hold your
breath, is not useful.

**Say so.** A number out of ten is the easiest way: we aim for around six. You can also ask
us to stop, to change the pressure or to leave an area alone, at any time, without giving a
reason.

## Afterwards

You may feel loose and a little sleepy. Your legs can feel slightly heavy or tender the next
day, a bit like after a long walk. That passes within a day or two. Drink water, go for an
easy run or walk the next day if you feel like it, and notice how your legs respond.

Before you leave we will suggest one or two things to do at home, and, if it makes sense,
when to come back. Clients get those suggestions in their portal too, with the notes from
each session, so nothing is forgotten on the way home.
""",
    },
]

POPULAR_SLUG = "the-session-before-race-day"

# Readers of the demo discussion (guest commenters; emails are never shown).
READERS = [
    "Priya", "Tom H.", "Maddie", "Kwame", "Aoife", "Jonas", "Lucía", "Ben from the club",
    "Hannah K", "Dev", "Marta", "Sam R", "Ellie", "Ravi", "Chloé", "Pete", "Yusuf", "Grace",
    "Niamh", "Oskar", "Fatima", "Leo", "Isla", "Mateo", "Rosie", "Ahmed", "Zoe", "Callum",
    "Ines", "Theo's neighbour", "Kasia", "Finn",
]  # fmt: skip

# Opening comments: a situation, then a question or an opinion.
OPENERS = [
    "I had a massage the day before my first marathon and felt like my legs were made of "
    "wet sand for the first six miles.",
    "Booked mine for Thursday before a Sunday half. Glad to read that's the right window.",
    "Does the same advice apply to a 10K, or is that short enough not to matter?",
    "I've always done the day before and felt great. Maybe I'm one of the lucky ones?",
    "What about ultra runners? My race starts at 5 a.m. on a Saturday.",
    "My club coach says no massage at all in race week. Who do I believe?",
    "The point about not trying anything new in race week is so true. I tried cupping once "
    "and had marks on my calves at the start line.",
    "Is a sports massage gun the same thing as a light session, or is it too aggressive?",
    "I get really restless in the taper. Would a massage help with that or make it worse?",
    "Three days before worked perfectly for me at my last marathon. Loose but not flat.",
    "How light is light? My therapist's idea of gentle is most people's idea of deep.",
    "I've got a tight left hamstring that only shows up after 15 miles. Worth mentioning even "
    "if it feels fine in the session?",
    "Never had a massage before and my race is in 12 days. Too late to start?",
    "Would you do the session at all for a Saturday 5K? Asking for a friend (me).",
    "Great article. Printing the 'what to tell us' list for next time.",
    "What about the foam roller the night before? I find it calms me down.",
    "I travel to races a lot. Any advice if I can only get a massage in another city?",
    "Had my pre-race session yesterday and honestly I feel about five pounds lighter.",
    "Curious whether you'd change anything for a trail race with lots of descent.",
    "My physio says something slightly different: four days before. Is there much in it?",
]  # fmt: skip

# Who the commenter is, before what they say: with the openers and tails, no two opening
# comments read the same (portal/demo/blog.py).
LEAD_INS = [
    "",
    "Training for the Santa Cruz Mountains Marathon here.",
    "Mostly a Los Gatos Creek Trail runner.",
    "Coming back from a calf strain this year.",
    "Half-marathon runner, new to the practice.",
    "I run with a club over in Campbell.",
    "Trail runner, usually up at Sierra Azul.",
    "New to anything longer than a 10K.",
    "Masters runner, 52 and still racing.",
    "Three marathons in, still learning.",
    "Coach of a high-school cross-country team, asking for the kids.",
    "Triathlete, so the run is the last leg for me.",
    "Long-time client, first comment.",
]  # fmt: skip

# Replies from other readers that fit any question.
READER_REPLIES = [
    "Good question, I've wondered that too.",
    "Thanks for asking this, I was going to.",
    "Following this one.",
    "Interesting. I'll try the Thursday slot next time.",
    "This matches what my coach says, so that's two votes.",
    "Everyone's legs are different, but two or three days out has worked for me every time.",
]  # fmt: skip

# Replies from readers that answer one opener (by its index in OPENERS).
READER_REPLIES_FOR = {
    0: ["Same here, exactly the same feeling. Never again the day before."],
    3: ["I've had the opposite experience, but I think it depends how used to massage you are."],
    5: ["Our club does a group session on the Thursday before the big local race. Works well."],
    6: ["Ha, the cupping marks! I've seen those on a start line too."],
    7: ["I tried a gun at full power the night before a 10K once. Would not recommend it."],
    10: ["Seconding this. Light really does mean light for race week."],
    11: [
        "I'd say mention it. Better they know.",
        "I had the same thing last year and it turned out to be my shoes.",
    ],
    15: ["The roller the night before makes me more nervous, not less. Everyone's different!"],
    9: ["My experience exactly. Loose legs, fresh head."],
    2: ["For what it's worth, I do a short one for 10Ks and long ones for marathons."],
}  # fmt: skip

# Answers from the practice (posted by the demo therapist); THERAPIST_ANSWER_FOR says which
# answer fits which opener.
THERAPIST_REPLIES = [
    "Thanks for sharing this. That heavy feeling is exactly why we move the session to two "
    "or three days out: most people feel great, but there's no way to know in advance.",
    "For a 10K the same timing works well. The session can be a little shorter, around "
    "thirty minutes.",
    "For an early start on Saturday, a Wednesday or Thursday session is ideal. Tell us the "
    "start time when you book and we'll keep it very light.",
    "Your coach has a point if the massage would be your first. If you're used to it, a "
    "light session two or three days out is fine. Have a chat with them: the aim is the same.",
    "Light means you could almost fall asleep. If you find yourself holding your breath, "
    "it's too much for race week, so please say so.",
    "Yes, mention it. Something that only appears late in a long run is exactly what we want "
    "to know about, even if it's quiet on the table.",
    "Twelve days is fine for a first gentle session, as long as it's not in the last few "
    "days. Then come back after the race for a proper recovery one.",
    "A massage gun on the lowest setting for a minute per muscle is fine. Keep it off the "
    "shins, the Achilles and the back of the knee.",
    "Restlessness in the taper is really common. A calm, slow session often helps; just keep "
    "it light and book it for the evening if you can.",
    "Three or four days: there's very little in it. Anywhere in that window works, as long "
    "as it isn't the day before.",
    "For a descent-heavy trail race we spend a bit more time on the quads and the front of "
    "the shins, still lightly. Tell us about the course when you book.",
    "When you're travelling, ask the local therapist for a short, light sports massage and "
    "tell them it's race week. Most will know exactly what you mean.",
    "Gentle rolling the night before is fine if it calms you. Keep it short and easy, more "
    "like a warm-down than a workout.",
    "Glad it helped! Good luck on Sunday, and let us know how it went.",
]  # fmt: skip

THERAPIST_ANSWER_FOR = {
    0: 0, 2: 1, 4: 2, 5: 3, 10: 4, 11: 5, 12: 6, 7: 7, 8: 8, 19: 9, 18: 10, 16: 11, 15: 12,
    17: 13, 1: 13, 9: 13, 3: 0, 13: 1, 6: 13, 14: 13,
}  # fmt: skip

FOLLOW_UPS = [
    "That makes sense, thank you!",
    "Brilliant, booked for Wednesday.",
    "Thanks, will mention it this time.",
    "Update: did the Thursday session, ran a PR on Sunday. Legs felt great.",
    "Perfect, that's reassuring.",
    "Good to know, thanks for the quick answer.",
    "I'll tell my coach, we'll work it out together.",
    "Makes sense. I'll keep it gentle this time.",
]  # fmt: skip
