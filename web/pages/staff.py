"""The editor desk and the auditor view: pages whose work happens in the browser, through the JSON API,
with the staff token the person signs in with (kept in the tab's sessionStorage, sent as a Bearer token).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from web.pages.html import esc, page
from web.writes import path_slug

SIGN_IN = (
    '<section id="signin" class="panel"><form id="signin-form">'
    '<label>Staff token <input id="token" type="password" autocomplete="off" required></label>'
    "<button>Sign in</button></form></section>"
)
MESSAGE = '<p id="message" class="message" role="status" aria-live="polite"></p>'


async def desk(request: Request) -> Response:
    body = (
        "<h1>Editor desk</h1>" + SIGN_IN + '<section id="desk" class="panel" hidden>'
        '<p>Signed in. <button id="signout" type="button">Sign out</button></p>'
        + MESSAGE
        + '<form id="open-form" class="row">'
        '<label>Story <input id="slug" placeholder="slug" required></label><button>Open</button></form>'
        '<details><summary>New story</summary><form id="draft-form" class="stack">'
        '<label>Slug <input id="draft-slug" required></label>'
        '<label>Headline <input id="draft-headline" required></label>'
        '<label>Byline <input id="draft-byline"></label>'
        '<label>Body <textarea id="draft-body" rows="5" required></textarea></label>'
        "<button>Draft</button></form></details>"
        '<div id="story-panel" hidden>'
        '<h2 id="desk-headline"></h2>'
        '<p class="meta">Version <span id="desk-version"></span> · <span id="desk-status"></span> · '
        '<a id="desk-view" href="#">reader page</a> · <button id="reload" type="button">Reload</button></p>'
        '<p><button id="publish" type="button">Publish</button></p>'
        '<form id="update-form" class="stack"><h3>Append an update</h3>'
        '<label>Label <input id="update-label" placeholder="e.g. 06:40"></label>'
        '<label>Update <textarea id="update-body" rows="3" required></textarea></label>'
        "<button>Append update</button></form>"
        '<form id="correct-form" class="stack"><h3>Correct the story</h3>'
        '<label>Body <textarea id="correct-body" rows="6" required></textarea></label>'
        '<label>Correction note <input id="correct-note" required></label>'
        "<button>Publish correction</button></form>"
        '<h3>Updates</h3><ol id="desk-updates" class="desk-list"></ol>'
        '<h3>Comments</h3><ol id="desk-comments" class="desk-list"></ol>'
        "</div></section>"
    )
    return page("Editor desk", body, scripts=["common.js", "desk.js"])


async def auditor(request: Request) -> Response:
    slug = path_slug(request)
    body = (
        f'<h1>Audit: <span class="slug">{esc(slug)}</span></h1>'
        + SIGN_IN
        + '<section id="audit" class="panel" hidden>'
        + MESSAGE
        + '<h2>As of version <output id="asof-version"></output></h2>'
        '<input id="asof" type="range" min="1" max="1" value="1" aria-label="version">'
        '<div id="asof-page" class="story"></div>'
        '<h2>Diff</h2><form id="diff-form" class="row">'
        '<label>From <input id="diff-from" type="number" min="1" required></label>'
        '<label>To <input id="diff-to" type="number" min="1" required></label><button>Compare</button></form>'
        '<div id="diff"></div>'
        '<h2>History</h2><ol id="history" class="history"></ol>'
        "</section>"
    )
    return page(f"Audit: {slug}", body, scripts=["common.js", "audit.js"], body_data={"slug": slug})
