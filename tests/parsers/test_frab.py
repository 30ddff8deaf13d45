"""The frab / pretalx / Pentabarf schedule.xml parser, and hostile XML."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scraper import parsers
from scraper.errors import ParseError
from scraper.models import Document, Session
from tests.parsers.goldens import PARSER_FIXTURES, Fixture

FRAB = parsers.get("frab")
HERE = PARSER_FIXTURES / "frab"
REPO = Path(__file__).resolve().parents[2]


def fixture_doc(name: str) -> Document:
    doc: Document = Fixture("frab", HERE / name).document()
    return doc


def fixture(name: str) -> list[Session]:
    return FRAB.parse(fixture_doc(name)).sessions


def xml_doc(text: str, url: str = "https://example.org/schedule.xml", tz: str | None = "Europe/Berlin") -> Document:
    return Document(url=url, text=text, body=text.encode("utf-8"), timezone=tz)


def schedule(events: str, conference: str = "<title>Test Conf</title>") -> str:
    return (
        f"<?xml version='1.0' encoding='utf-8'?><schedule><conference>{conference}</conference>"
        f"<day date='2024-05-01' index='1'><room name='Hall'>{events}</room></day></schedule>"
    )


def test_c3voc_fixture() -> None:
    radio, opening, late = fixture("c3voc_camp.xml")
    assert radio.title == "Radio Astronomy for Everyone"  # not the nested <link><title>
    assert radio.speakers == ["Ada Starlight", "bitwrangler"]
    assert radio.uid == "6f2c1d3e-aaaa-5bbb-8ccc-000000000101"
    assert radio.description is not None and radio.description.startswith("Listening to hydrogen")
    assert opening.title == "Opening & Welcome"
    assert late.start is not None and late.start.isoformat() == "2024-08-15T01:30:00+02:00"
    assert late.url == "https://camp.demo.example/2024/hub/event/late-night-lockpicking"


def test_pretalx_fixture_drops_affiliations_and_keeps_urls() -> None:
    talk, hallway = fixture("pretalx_export.xml")
    assert talk.speakers == ["Priya Raman", "Tomás Ruiz"]
    assert talk.title == "Typing in Anger: mypy - strict or bust?"
    assert talk.url == "https://pretalx.pydemo.example//pydemo24/talk/TYP3AN/"
    assert talk.timezone == "America/Vancouver"
    assert hallway.speakers == [] and hallway.track is None


def test_pentabarf_variant() -> None:
    welcome, kernel, beer = fixture("pentabarf_fosdem.xml")
    assert welcome.speakers == ["Staff"]  # a <person> without <persons>
    assert welcome.room == "Janson"  # no <room> wrapper: the event's own <room>
    assert welcome.start is not None and welcome.start.isoformat() == "2010-02-06T09:30:00+01:00"
    assert kernel.uid == "915"  # no guid: the id
    assert kernel.description == "A look at the 2.6.33 merge window."  # escaped HTML, tags dropped
    # 00:30 is before the 09:00 day change: the small hours of the next day
    assert beer.start is not None and beer.start.isoformat() == "2010-02-07T00:30:00+01:00"


def test_event_name_from_the_conference() -> None:
    result = FRAB.parse(fixture_doc("c3voc_camp.xml"))
    assert result.event_name == "Chaos Demo Camp 2024"
    assert {s.event for s in result.sessions} == {"Chaos Demo Camp 2024"}


def test_text_only_document_with_foreign_encoding_declaration() -> None:
    text = schedule("<event id='1'><date>2024-05-01T10:00:00+02:00</date><title>Grüße</title></event>")
    text = text.replace("encoding='utf-8'", "encoding='iso-8859-1'")
    sessions = FRAB.parse(Document(url="https://example.org/s.xml", text=text)).sessions
    assert [s.title for s in sessions] == ["Grüße"]


def test_bad_values_become_warnings_not_failures() -> None:
    text = schedule(
        "<event id='1'><date>not a date</date><duration>soon</duration><title>A</title></event>"
        "<event id='2'><date>2024-05-01T10:00:00+02:00</date><duration>xx</duration><title>B</title></event>"
    )
    result = FRAB.parse(xml_doc(text))
    assert [s.title for s in result.sessions] == ["A", "B"]
    assert result.sessions[0].start is None and result.sessions[1].end is None
    assert any("bad date" in w for w in result.warnings) and any("duration" in w for w in result.warnings)


def test_many_events_stream_through() -> None:
    events = "".join(
        f"<event guid='g{i}' id='{i}'><date>2024-05-01T10:00:00+02:00</date><duration>00:30</duration>"
        f"<title>Talk {i}</title><persons><person>P{i}</person></persons></event>"
        for i in range(3000)
    )
    sessions = FRAB.parse(xml_doc(schedule(events))).sessions
    assert len(sessions) == 3000
    assert sessions[-1].speakers == ["P2999"] and sessions[-1].room == "Hall"


# --- hostile and broken XML ------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE schedule [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<schedule><conference><title>&lol9;</title></conference>
<day date="2024-05-01"><room name="r"><event id="1"><title>&lol9;</title></event></room></day></schedule>
"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(ParseError) as caught:
        FRAB.parse(xml_doc(BILLION_LAUGHS, url="https://evil.example/schedule.xml"))
    assert "https://evil.example/schedule.xml" in str(caught.value)
    assert "entities" in str(caught.value)


def test_external_entity_is_refused() -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE schedule [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<schedule><conference><title>&x;</title></conference></schedule>"
    )
    with pytest.raises(ParseError, match="entities"):
        FRAB.parse(xml_doc(text))


def test_external_dtd_is_not_fetched() -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE schedule SYSTEM "http://127.0.0.1:9/never.dtd">'
        + schedule("<event id='1'><date>2024-05-01T10:00:00+02:00</date><title>Fine</title></event>").split("?>", 1)[1]
    )
    assert [s.title for s in FRAB.parse(xml_doc(text)).sessions] == ["Fine"]


def test_truncated_xml_is_a_parse_error_naming_the_source() -> None:
    text = schedule("<event id='1'><date>2024-05-01T10:00:00+02:00</date><title>Cut")[:-40]
    with pytest.raises(ParseError) as caught:
        FRAB.parse(xml_doc(text, url="https://example.org/cut.xml"))
    assert "https://example.org/cut.xml" in str(caught.value) and "malformed XML" in str(caught.value)


def test_xml_that_is_not_a_schedule_gives_a_warning() -> None:
    result = FRAB.parse(xml_doc("<?xml version='1.0'?><rss><channel><title>x</title></channel></rss>"))
    assert result.sessions == [] and result.warnings


def test_detect() -> None:
    assert FRAB.detect(xml_doc(schedule(""))) >= parsers.CONFIDENT
    assert FRAB.detect(xml_doc("<schedule><item>not frab</item></schedule>")) < parsers.CONFIDENT
    assert FRAB.detect(xml_doc("<rss><channel/></rss>")) == 0.0
    assert FRAB.detect(Document(url="https://example.org/schedule.xml", text='{"schedule": {}}')) == 0.0


# --- the corpus -------------------------------------------------------------------------------


def corpus_doc(path: Path, tz: str) -> Document:
    body = path.read_bytes()
    return Document(url=path.as_uri(), text=body.decode("utf-8"), body=body, timezone=tz)


def test_corpus_frab_and_c3voc(corpus: Path) -> None:
    old = FRAB.parse(corpus_doc(corpus / "frab_31c3_schedule.xml", "Europe/Berlin"))
    assert len(old.sessions) == 138 and old.event_name == "31. Chaos Communication Congress"
    keynote = next(s for s in old.sessions if s.title == "31C3 Keynote")
    assert keynote.speakers == ["alecempire"]
    new = FRAB.parse(corpus_doc(corpus / "c3hub_39c3_schedule-20251206.xml", "Europe/Berlin"))
    assert len(new.sessions) == 215 and len({s.uid for s in new.sessions}) == 215
    assert "Zügli" not in {s.title for s in new.sessions}


# --- memory on a very large page (soak) -------------------------------------------------------

_BIG = """
import resource, sys
from scraper.models import Document
from scraper.parsers import get
body = open(sys.argv[1], "rb").read()
doc = Document(url="file:big.xml", text="", body=body, timezone="Europe/Berlin")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sessions = get("frab").parse(doc).sessions
print(len(sessions), base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.soak
def test_fifty_megabyte_schedule_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    event = (
        "<event guid='g{0}' id='{0}'><date>2024-05-01T10:00:00+02:00</date><duration>00:30</duration>"
        "<title>Talk {0}</title><abstract>" + "x" * 900 + "</abstract><persons><person>P</person></persons></event>\n"
    )
    with path.open("w", encoding="utf-8") as out:
        out.write("<schedule><conference><title>Big</title></conference><day date='2024-05-01'><room name='r'>")
        for i in range(50_000):
            out.write(event.format(i))
        out.write("</room></day></schedule>")
    assert path.stat().st_size > 50_000_000
    done = subprocess.run([sys.executable, "-c", _BIG, str(path)], capture_output=True, text=True, cwd=REPO, check=True)
    count, base_kb, peak_kb = map(int, done.stdout.split())
    assert count == 50_000
    # the input (50 MB) plus the sessions; a whole lxml tree would add several hundred MB
    assert (peak_kb - base_kb) / 1024 < 250, f"peak grew by {(peak_kb - base_kb) / 1024:.0f} MB"
