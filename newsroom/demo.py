"""A sample running story, written for this project (the town, river and people are invented).

``load_demo`` plays it through the application's own commands, as staff and readers would, so the demo
exercises the same rules as real use.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from newsroom.application import Newsroom, Receipt
from newsroom.errors import StaffNameTakenError
from newsroom.staff import OPERATOR, Principal, Role, staff_id

DEMO_SLUG = "varne-river-flooding-eastbrook"

EDITOR_NAME = "demo-editor"
MODERATOR_NAME = "demo-moderator"

HEADLINE = "Varne river tops its banks in Eastbrook; low streets evacuated overnight"

BODY = """\
EASTBROOK - The Varne river rose faster than forecast on Tuesday night and spilled over the stone \
embankment below Mill Bridge, sending ankle-deep water into Tanner Row and the lower half of Quay Street.

Volunteer firefighters knocked on doors from 11 p.m. and about 140 residents spent the night in the \
sports hall of the Eastbrook secondary school, where the parish council set out camp beds and soup.

"We watched it climb one step of the quay every twenty minutes," said a baker whose shop faces the \
water. "By midnight the step we sit on in summer was gone."

The regional water board said three days of rain upstream had filled the Holm reservoir, and that \
controlled releases would keep the river high until at least Thursday. No injuries were reported."""

BYLINE_NAME = "Ines Farrow"
BYLINE_BIO = "Ines Farrow covers the Varne valley towns and their councils for the desk."

MAP_URL = "https://www.openstreetmap.org/export/embed.html?bbox=4.8801,52.3701,4.8952,52.3774&layer=mapnik"

# (label, headline, body in Markdown, a key event)
UPDATES = (
    (
        "Wed., 7:10 a.m.",
        "Second sluice opened; the river starts to fall",
        "The water board has opened a second sluice at the Holm reservoir. Levels at Mill Bridge "
        "fell by **four centimetres** in the last hour, the first drop since Monday.",
        True,
    ),
    (
        "Wed., 1:45 p.m.",
        "",
        "Tanner Row residents may collect essentials between 2 and 4 p.m. with a firefighter escort. "
        "Quay Street stays closed to everyone until engineers have checked the embankment.\n\n"
        "- Bring identification\n- Meet the escort at the Mill Bridge steps",
        False,
    ),
    (
        "Thu., 9:30 a.m.",
        "Embankment holds",
        "Engineers found no damage to the embankment. The school sports hall shelter will close "
        "at noon on Friday; the council says 31 households are still staying there. "
        "[The council's notice](https://example.org/eastbrook/shelter-notice) lists where to go next.",
        True,
    ),
)

# (author, body, index of the comment replied to or None, hide with this reason or None)
COMMENTS = (
    (
        "Marta K.",
        "Thank you to the firefighters who carried my neighbour's cat out at 2 a.m.",
        None,
        None,
    ),
    ("Jonas", "Is the number 4 bus still running along the quay?", None, None),
    ("Marta K.", "@Jonas it was diverted over the upper bridge this morning.", 1, None),
    (
        "Priya",
        "The sports hall volunteers were wonderful. Bring spare socks if you go!",
        None,
        None,
    ),
    (
        "quickcash_offers",
        "Flood damage? Sell your house fast for cash, message me now!!!",
        None,
        "Advertising: commercial solicitation is not allowed in comments.",
    ),
    (
        "Old Quay Resident",
        "Third flood in ten years. When will the embankment be raised?",
        None,
        None,
    ),
    ("Jonas", "Thanks Marta, found it.", 2, None),
)

TAGS = ("flooding", "eastbrook", "varne-valley")

RELATED = (
    ("https://example.org/varne-valley/holm-reservoir-explained", "How the Holm reservoir works"),
    ("https://example.org/varne-valley/flood-preparedness", "Getting a home ready for high water"),
)


@dataclass(frozen=True)
class DemoResult:
    loaded: bool
    editor_token: str | None = None
    moderator_token: str | None = None


def _demo_staff(app: Newsroom, name: str, role: Role) -> tuple[Principal, str | None]:
    try:
        _, token = app.add_staff(name, role, by=OPERATOR)
    except StaffNameTakenError:
        token = None
    return Principal(id=staff_id(name), name=name, role=role), token


def _created(receipt: Receipt) -> UUID:
    assert receipt.id is not None
    return receipt.id


def load_demo(app: Newsroom) -> DemoResult:
    """Loads the story unless it is already there. New demo staff tokens are returned once."""
    if any(True for _ in app.article_events(DEMO_SLUG, up_to_version=1)):
        return DemoResult(loaded=False)
    editor, editor_token = _demo_staff(app, EDITOR_NAME, Role.EDITOR)
    moderator, moderator_token = _demo_staff(app, MODERATOR_NAME, Role.MODERATOR)
    if editor_token:
        app.change_profile(
            EDITOR_NAME, display_name=BYLINE_NAME, bio=BYLINE_BIO, picture_url=None, by=OPERATOR
        )

    app.draft_article(
        slug=DEMO_SLUG,
        headline=HEADLINE,
        body=BODY,
        byline_name=BYLINE_NAME,
        byline_bio=BYLINE_BIO,
        tags=list(TAGS[:2]),
        authors=[EDITOR_NAME],
        by=editor,
    )
    app.attach_embed(DEMO_SLUG, kind="map", url=MAP_URL, caption="Mill Bridge and Quay Street", by=editor)
    for url, title in RELATED:
        app.link_related(DEMO_SLUG, url=url, title=title, by=editor)
    app.publish(DEMO_SLUG, by=editor)
    app.tag(DEMO_SLUG, TAGS[2], by=editor)

    update_ids = [
        _created(app.append_update(DEMO_SLUG, body=body, label=label, headline=headline, key=key, by=editor))
        for label, headline, body, key in UPDATES
    ]
    app.pin_update(DEMO_SLUG, update_ids[-1], by=editor)

    comment_ids: list[UUID] = []
    for author, body, reply_index, hide_reason in COMMENTS:
        reply_to = comment_ids[reply_index] if reply_index is not None else None
        comment_id = _created(app.add_comment(DEMO_SLUG, author=author, body=body, reply_to=reply_to))
        comment_ids.append(comment_id)
        if hide_reason:
            app.hide_comment(DEMO_SLUG, comment_id, reason=hide_reason, by=moderator)

    app.edit_article(
        DEMO_SLUG,
        body=BODY.replace("about 140 residents", "about 160 residents"),
        correction_note="An earlier version understated the number of people at the shelter.",
        by=editor,
    )
    return DemoResult(loaded=True, editor_token=editor_token, moderator_token=moderator_token)
