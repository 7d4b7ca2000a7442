"""The journeys of ``make load`` (``bench/load.py`` runs Locust with this file).

Each simulated person who has an account signs in once (argon2 costs real time per
sign-in) and keeps the session; everyone waits 0.5 to 2.5 seconds between actions:

- **clients** read their dashboard, their session history and single sessions, and mark
  recommendations done or not done;
- **visitors** read the home page and the newsletter archive and subscribe (a new address
  each time);
- **readers** read the blog's articles and its feed and comment as guests;
- **staff** find a client, open their record and record a session for them.

Every write the app accepts is noted with what identifies it (a marker in a session's
notes or a comment's text, a subscriber's address, a recommendation's last state), so that
``bench/load.py`` can compare the database with it afterwards. A write whose answer never
came (connection lost, the run ending) is noted as unknown: either outcome is allowed for
it. 429 answers (rate limits) are counted apart and are not errors. Nothing here touches
the database.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import resource
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

from bench.cluster import LoopbackCookiePolicy

RUN = os.environ.get("LOAD_RUN_ID", "local")
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "200"))
RESULTS = os.environ.get("LOAD_RESULTS", "load-results.json")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')

# What the app accepted, refused and left unknown (written out when the test stops).
statuses: dict[str, Counter[int]] = defaultdict(Counter)
sessions_recorded: list[str] = []
subscriptions: list[str] = []
comments: list[str] = []
marks: dict[int, str] = {}  # recommendation id → last accepted state ("done" / "undo")
unknown: dict[str, list[str]] = defaultdict(list)
accounts = {"client": itertools.count(1), "staff": itertools.count(1)}
addresses = itertools.count(1)
markers = itertools.count(1)
comment_numbers = itertools.count(1)


def csrf_token(html: str) -> str | None:
    found = CSRF.search(html)
    return found.group(1) if found else None


class Person(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2.5)

    def on_start(self) -> None:
        self.client.cookiejar.set_policy(LoopbackCookiePolicy())

    def call(self, method: str, path: str, name: str, **kwargs: object):  # type: ignore[no-untyped-def]
        """One request, its status tallied; 2xx, 3xx and 429 count as answered."""
        with self.client.request(
            method, path, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            status = response.status_code
            statuses[name][status] += 1
            if 0 < status < 400 or status == 429:
                response.success()
            else:
                response.failure(f"HTTP {status}")
            return response

    def post(self, path: str, name: str, fields: dict[str, object]):  # type: ignore[no-untyped-def]
        return self.call("POST", path, name, data=urlencode(fields, doseq=True), headers=FORM)

    def sign_in(self, role: str) -> None:
        number = next(accounts[role])
        email = f"{'client' if role == 'client' else 'therapist'}{number}@example.com"
        page = self.call("GET", "/login", "/login")
        token = csrf_token(page.text or "")
        answer = self.post(
            "/login", "/login [POST]", {"csrf_token": token, "email": email, "password": PASSWORD}
        )
        if answer.status_code != 302:
            raise StopUser()
        self.number = number


class Client(Person):
    weight = 8

    def on_start(self) -> None:
        super().on_start()
        self.sign_in("client")

    @task(2)
    def dashboard(self) -> None:
        self.call("GET", "/portal/", "/portal/")

    @task(3)
    def history(self) -> None:
        page = self.call("GET", "/portal/sessions", "/portal/sessions")
        ids = re.findall(r'href="/portal/sessions/(\d+)"', page.text or "")
        if ids:
            self.call("GET", f"/portal/sessions/{random.choice(ids)}", "/portal/sessions/[id]")

    @task(3)
    def recommendations(self) -> None:
        page = self.call("GET", "/portal/recommendations", "/portal/recommendations")
        html = page.text or ""
        buttons = re.findall(r'action="/portal/recommendations/(\d+)/(done|undo)"', html)
        token = csrf_token(html)
        if not buttons or not token:
            return
        recommendation, action = random.choice(buttons)
        key = f"{recommendation}:{action}"
        unknown["marks"].append(key)  # until the answer comes
        answer = self.post(
            f"/portal/recommendations/{recommendation}/{action}",
            f"/portal/recommendations/[id]/{action}",
            {"csrf_token": token, "next": "/portal/recommendations"},
        )
        if answer.status_code:
            unknown["marks"].remove(key)
        if answer.status_code == 302:
            marks[int(recommendation)] = action


class Visitor(Person):
    weight = 4

    @task(2)
    def home(self) -> None:
        self.call("GET", "/", "/")

    @task(1)
    def archive(self) -> None:
        self.call("GET", "/newsletter/archive/", "/newsletter/archive/")

    @task(2)
    def subscribe(self) -> None:
        page = self.call("GET", "/newsletter/subscribe", "/newsletter/subscribe")
        token = csrf_token(page.text or "")
        email = f"visitor-{RUN}-{next(addresses)}@example.com"
        unknown["subscriptions"].append(email)
        answer = self.post(
            "/newsletter/subscribe",
            "/newsletter/subscribe [POST]",
            {
                "csrf_token": token,
                "email": email,
                "name": "A Reader",
                "topics": ["tips", "news"],
                "source": "/newsletter/subscribe",
            },
        )
        if answer.status_code:
            unknown["subscriptions"].remove(email)
        if answer.status_code == 200 and "Check your email" in (answer.text or ""):
            subscriptions.append(email)


class Reader(Person):
    """Reads articles and comments on them as a guest, with a new address each time (a
    first comment from an address is held for moderation, which is what most readers see).

    The comment form has a honeypot field robots fill in, and comments from one address
    are spaced (flood control): a reader reads for a few seconds before posting and leaves
    that field empty, as people do.
    """

    weight = 6

    @task(2)
    def browse(self) -> None:
        page = self.call("GET", "/blog/", "/blog/")
        slugs = [
            slug
            for slug in re.findall(r'href="/blog/([a-z0-9-]+)"', page.text or "")
            if slug not in ("tag", "feed")
        ]
        if slugs:
            self.slugs = slugs
            self.call("GET", f"/blog/{random.choice(slugs)}", "/blog/[slug]")

    @task(1)
    def feed(self) -> None:
        self.call("GET", "/blog/feed.xml", "/blog/feed.xml")

    @task(2)
    def comment(self) -> None:
        slug = random.choice(getattr(self, "slugs", None) or [""])
        if not slug:
            return self.browse()
        page = self.call("GET", f"/blog/{slug}", "/blog/[slug]")
        html = page.text or ""
        if 'class="stacked comment-form"' not in html:
            return None
        time.sleep(random.uniform(4, 8))  # reading the article, writing the comment
        number = next(comment_numbers)
        marker = f"load:{RUN}:c{number}"
        unknown["comments"].append(marker)
        answer = self.post(
            f"/blog/{slug}/comments",
            "/blog/[slug]/comments [POST]",
            {
                "website": "",  # the honeypot
                "parent_id": "",
                "name": f"Reader {number}",
                "email": f"reader-{RUN}-{number}@example.com",
                "body": f"The calf routine helped me through my last block. {marker}",
            },
        )
        if answer.status_code:
            unknown["comments"].remove(marker)
        if answer.status_code == 302 and "#comment-" in (answer.headers.get("Location") or ""):
            comments.append(marker)
        return None


class Staff(Person):
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.sign_in("staff")

    @task
    def record_session(self) -> None:
        client = random.randint(1, CLIENTS)
        found = self.call(
            "GET", f"/staff/clients?q=client{client}%40example.com", "/staff/clients?q="
        )
        ids = re.findall(r'href="/staff/clients/(\d+)"', found.text or "")
        if not ids:
            return
        client_id = ids[0]
        self.call("GET", f"/staff/clients/{client_id}", "/staff/clients/[id]")
        form = self.call(
            "GET", f"/staff/clients/{client_id}/sessions/new", "/staff/clients/[id]/sessions/new"
        )
        html = form.text or ""
        # The first therapist offered (the signed-in one is preselected; any is valid).
        therapist = re.search(r'name="therapist_id".*?<option[^>]* value="(\d+)"', html, re.S)
        marker = f"load:{RUN}:{next(markers)}"
        unknown["sessions"].append(marker)
        answer = self.post(
            f"/staff/clients/{client_id}/sessions/new",
            "/staff/clients/[id]/sessions/new [POST]",
            {
                "csrf_token": csrf_token(html),
                "therapist_id": therapist.group(1) if therapist else "",
                "held_on": (date.today() - timedelta(days=1)).isoformat(),
                "starts_at": "",
                "duration_minutes": "60",
                "modality": "sports",
                "pressure": "medium",
                "areas": ["calves", "hamstrings"],
                "soreness_before": "6",
                "soreness_after": "3",
                "client_notes": f"Tight calves after the long run. {marker}",
                "private_notes": "",
            },
        )
        if answer.status_code:
            unknown["sessions"].remove(marker)
        if answer.status_code == 302:
            sessions_recorded.append(marker)


@events.test_stop.add_listener
def write_results(environment, **kwargs) -> None:  # type: ignore[no-untyped-def]
    total = environment.stats.total
    usage = resource.getrusage(resource.RUSAGE_SELF)
    endpoints = {
        entry.name: {
            "requests": entry.num_requests,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
        }
        for entry in environment.stats.entries.values()
    }
    with open(RESULTS, "w") as results:
        json.dump(
            {
                "requests": total.num_requests,
                "seconds": total.last_request_timestamp - total.start_time,
                "p50_ms": total.get_response_time_percentile(0.5),
                "p95_ms": total.get_response_time_percentile(0.95),
                "p99_ms": total.get_response_time_percentile(0.99),
                "endpoints": endpoints,
                "statuses": {name: dict(counts) for name, counts in statuses.items()},
                "sessions": sessions_recorded,
                "subscriptions": subscriptions,
                "comments": comments,
                "marks": marks,
                "unknown": unknown,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
            },
            results,
        )
