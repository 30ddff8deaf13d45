"""The benchmark conference: a seeded, deterministic programme of talks.

The same talks render the Sched-style list and event pages, the full-schedule pages,
the iCalendar and frab feeds and the announcement post (:mod:`bench.sitepages`), and
fill the 100k-session archive of :mod:`bench.archive`, so every tool reads one truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

EVENT = "Bench Open Infrastructure Summit 2026"
TIMEZONE = "America/Chicago"
ZONE_WORD = "CDT"  # what the pages print; May in Chicago
FIRST_DAY = datetime(2026, 5, 12)
SLOTS = ("09:00", "09:50", "10:40", "11:30", "13:00", "13:50", "14:40", "15:30", "16:20", "17:10")
MINUTES = (40, 40, 40, 25, 40, 80)
#: Every session's description mentions this word (the worst case of the FTS bench).
EVERY_TERM = "cloud"
#: A topic word in about one session in fifteen (the "common term": "kubernetes" at KubeCon).
COMMON_TERM = "etcd"
#: One session in RARE_EVERY names this word (the "rare term").
RARE_TERM = "zymurgy"
RARE_EVERY = 20_000


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST = _words("Ada Jane Li Ana Marta Chris Dario Ines Tobiah Ruth Lena Okko Priya Maribel Wen Omar Sara Jonas Kofi "
                "Hana Mateo Yuki Lars Elif Nadia Pavel Rosa Tariq Ingrid Amara Felix Noor Camille Diego Aiko")
_LAST = _words("Park Doe Wei Souza Kowalska Aniszczyk Fenwick Kowalczyk Renner Achebe Marsh Virtanen Natarajan "
               "Ostrander Zhang Haddad Lindqvist Becker Mensah Sato Herrera Tanaka Nilsen Demir Rahman Novak "
               "Alvarez Qureshi Berg Okafor Wagner Khalil Laurent Ortega Mori")
_ROLES = ("Principal Engineer", "Staff Engineer", "SRE", "Developer Advocate", "CTO", "Maintainer",
          "Software Engineer", "Product Manager", "Architect", "Researcher")
_COMPANIES = ("Acme Corp", "Example Inc", "Tidewater Labs", "Northwind Systems", "Globex", "Initech",
              "Umbrella Cloud", "Stark Industries", "Hooli", "Vandelay Networks", "Soylent Data", "Wayne Labs")
_TRACKS = ("Operations", "Storage", "Networking", "Security", "Observability", "Community", "Keynotes",
           "Edge Computing", "Data and AI", "Developer Experience")
_ROOMS = ("Harbor Hall", "Room Birch", "Room Alder", "Room Cedar", "Ballroom A", "Ballroom B", "Ballroom C",
          "Room 101", "Room 102", "Room 201", "Room 202", "Lakeview Terrace", "Hall 7 | Room C", "Studio 3",
          "Room 301", "Room 302", "Room 303", "Room 304")
_VERBS = ("Scaling", "Securing", "Operating", "Debugging", "Upgrading", "Observing", "Migrating", "Testing",
          "Automating", "Rethinking", "Benchmarking", "Hardening")
_THINGS = ("etcd", "Service Meshes", "Object Storage", "Kubernetes Operators", "Edge Clusters", "Ceph",
           "Zero Trust Networks", "GPU Schedulers", "Message Queues", "eBPF Probes", "Control Planes",
           "Build Pipelines", "Container Registries", "Time Series Databases", "WebAssembly Runtimes")
_TAILS = ("Lessons from Production", "What We Learned", "A Field Guide", "The Hard Parts",
          "Ten Thousand Nodes Later", "Without the Sidecar", "on a Budget", "at Planet Scale",
          "Beyond the Basics", "From Zero to Day Two")
_SENTENCES = (
    "We run {thing} for {n} teams across three regions and this talk shows what broke first.",
    "The {COMMON} platform team rewrote the rollout path twice before it stopped paging people at night.",
    "Expect graphs, failure stories and the configuration we ended up keeping.",
    "We compare the approaches we tried, with numbers, and explain why the boring one won.",
    "Attendees will leave with a checklist they can apply to their own {thing} on Monday.",
    "No prior experience with {thing} is needed, but familiarity with {COMMON} operations helps.",
    "The session ends with a live demo and time for questions from the audience.",
    "This is a joint talk by users and maintainers, covering the roadmap for the next two releases.",
    "We also cover the migration of {n} services and the tooling we open-sourced along the way.",
    "Bring a laptop if you want to follow the hands-on part; slides and code will be published.",
)


@dataclass(frozen=True)
class Speaker:
    name: str
    role: str
    company: str


@dataclass(frozen=True)
class Talk:
    """One session of the programme; times are local wall times in :data:`TIMEZONE`."""

    index: int
    uid: str
    slug: str
    title: str
    speakers: tuple[Speaker, ...]
    start: datetime
    minutes: int
    room: str
    track: str
    kind: int  # Sched's ev_N session-type number
    description: tuple[str, ...]  # paragraphs

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    def moved(self, edit: int) -> Talk:
        """This talk after the organisers edited it ``edit`` times: later by 10 minutes each, new room."""
        if edit <= 0:
            return self
        return replace(self, start=self.start + timedelta(minutes=10 * edit),
                       room=_ROOMS[(_ROOMS.index(self.room) + edit) % len(_ROOMS)])


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def short_id(number: int) -> str:
    """A Sched-style short session id ("27FVb"): base 62, at least five characters."""
    out = ""
    value = number + 62**4 * 2  # a fixed leading digit keeps every id five characters long
    while value:
        value, digit = divmod(value, 62)
        out = _DIGITS[digit] + out
    return out


def slugify(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def _description(rng: random.Random, thing: str, index: int) -> tuple[str, ...]:
    sentences = [s.format(thing=thing, n=rng.randint(3, 400), COMMON=EVERY_TERM)
                 for s in rng.sample(_SENTENCES, rng.randint(4, 7))]
    if EVERY_TERM not in " ".join(sentences):
        sentences[0] += f" It runs on our {EVERY_TERM} fleet."
    if index % RARE_EVERY == 7:
        sentences.append(f"A short aside on {RARE_TERM} closes the talk.")
    cut = max(1, len(sentences) // 2)
    return (" ".join(sentences[:cut]), " ".join(sentences[cut:]))


def program(count: int, *, seed: int = 2026) -> list[Talk]:
    """``count`` talks over as many days as they need, ten slots a day, in parallel rooms."""
    rng = random.Random(seed)
    rooms = _ROOMS[: max(4, min(len(_ROOMS), -(-count // 30)))]
    talks = []
    for index in range(count):
        slot_number, room_number = divmod(index, len(rooms))
        day, slot = divmod(slot_number, len(SLOTS))
        hour, minute = (int(part) for part in SLOTS[slot].split(":"))
        start = FIRST_DAY + timedelta(days=day, hours=hour, minutes=minute)
        thing = rng.choice(_THINGS)
        title = f"{rng.choice(_VERBS)} {thing}: {rng.choice(_TAILS)}"
        if index % 7 == 0:
            title += f" (Part {index % 3 + 1})"
        count_speakers = rng.choice((1, 1, 1, 2, 2, 3))
        names = dict.fromkeys(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(count_speakers))
        speakers = tuple(Speaker(name, rng.choice(_ROLES), rng.choice(_COMPANIES)) for name in names)
        uid = short_id(index)
        talks.append(Talk(index, uid, slugify(title), title, speakers, start, rng.choice(MINUTES),
                          rooms[room_number], rng.choice(_TRACKS), index % 9 + 1,
                          _description(rng, thing, index)))
    return talks
