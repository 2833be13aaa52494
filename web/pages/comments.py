"""Comments and reports from the story page: HTML forms that work without JavaScript (a post, then back to
the story at the new comment), and that the page's script sends itself, asking for JSON, to show the new
comment at once.

Bots are kept out by what people do not do: fill in a field they cannot see (``website``, the honeypot: the
post is answered as if it had been taken, and nothing is kept), or send the form within moments of the
page being rendered (``form``: when the page was rendered, signed, so it cannot be made up).
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import parse_qs
from uuid import UUID

import msgspec
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsroom.commands import AddComment, FlagComment
from newsroom.errors import NewsroomError, NothingChangedError, ValidationError
from web.changes import make, target_of
from web.concurrency import blocking
from web.errors import status_of
from web.fragments import fragment
from web.http import JSON, read_body
from web.pages.comment_form import check_form
from web.pages.reader import story_page  # the page that holds the form
from web.queries import field_and_message
from web.services import services


def _fields(raw: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ValidationError("body", "the form must be sent as UTF-8") from None
    return {name: values[0] for name, values in parsed.items()}


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def post_comment(request: Request) -> Response:
    """``POST /articles/{slug}/comments``: a comment or a reply, from the story page's form."""
    svc = services(request)
    target = await target_of(request, AddComment)
    slug = target[1]
    raw = await read_body(request)
    fields = _fields(raw)
    try:
        if fields.get("website"):  # the honeypot: answered as taken, kept nowhere
            return _taken(request, slug, None, None, 0)
        check_form(svc, fields.get("form", ""))
        sent: dict[str, Any] = {"author": fields.get("author", ""), "body": fields.get("body", "")}
        if fields.get("reply_to"):
            sent["reply_to"] = fields["reply_to"]
        try:
            change = msgspec.convert(sent, AddComment)
        except msgspec.ValidationError as error:
            raise ValidationError(*field_and_message(error, sent)) from None
        result = await make(request, target, change, raw)
    except NewsroomError as error:
        if wants_json(request):
            error.message = in_words(error)  # the page's script shows it beside the form as it is
            raise
        return await _form_again(request, slug, error, fields)
    comment = None
    if result.id is not None:
        comment = await blocking(svc.read_models.page_item, result.id.hex, result.position)
    return _taken(request, slug, result.id, comment, result.position)


def _taken(
    request: Request, slug: str, comment_id: UUID | None, comment: dict[str, Any] | None, position: int
) -> Response:
    held = comment is not None and comment["held"]
    if wants_json(request):
        body: dict[str, Any] = {"comment_id": comment_id.hex if comment_id else None, "held": held}
        if comment is not None and not held:
            body["html"] = fragment("comment", services(request).embeds, comment=comment, slug=slug)
            body["position"] = comment["position"]
        return JSON(body, status_code=201)
    if held:  # the story is pre-moderated: the page says so where the form was
        return RedirectResponse(f"/articles/{slug}?held=1#comment-form", status_code=303)
    anchor = f"#c-{comment_id.hex}" if comment_id else "#comments"
    after = f"?after={position}" if position else ""  # the page waits until it shows the comment
    return RedirectResponse(f"/articles/{slug}{after}{anchor}", status_code=303)


# The form's fields as readers know them, for what is said beside it ("body: must not be empty" is the API's).
FIELD_WORDS: Final = {
    "author": "Your name",
    "body": "Your comment",
    "reply_to": "The comment replied to",
    "form": "",
}


def in_words(error: NewsroomError) -> str:
    """An error as a reader of the form is told it: "Your comment must not be empty"."""
    if not isinstance(error, ValidationError) or error.field not in FIELD_WORDS:
        return error.message
    said = error.message.removeprefix(f"{error.field}: ")
    label = FIELD_WORDS[error.field]
    return f"{label} {said}" if label else said[:1].upper() + said[1:]


async def _form_again(request: Request, slug: str, error: NewsroomError, fields: dict[str, str]) -> Response:
    """The story page again, saying what was wrong beside the form, with what was typed still in it."""
    status = status_of(error)
    message = in_words(error)
    if status == 429:
        message = f"Too many comments from here: {error.message.split(';')[-1].strip()}."
    response = await story_page(request, slug, comment_error=message, comment_fields=fields)
    response.status_code = status
    return response


async def flag_comment(request: Request) -> Response:
    """``POST /articles/{slug}/comments/{comment_id}/flag``: a reader's report, for the moderators."""
    target = await target_of(request, FlagComment)
    slug, comment = target[1], target[2]
    raw = await read_body(request)
    fields = _fields(raw)
    try:
        change = msgspec.convert({"reason": fields.get("reason") or "other"}, FlagComment)
    except msgspec.ValidationError as error:
        raise ValidationError(*field_and_message(error, fields)) from None
    try:
        await make(
            request, target, change, raw
        )  # refusals are answered as pages or JSON, as asked (web.errors)
    except NothingChangedError:
        if wants_json(request):
            raise
        # Reported from here already: the reader is thanked again, as the first time.
    if wants_json(request):
        return JSON({"flagged": comment.hex}, status_code=200)
    return RedirectResponse(f"/articles/{slug}?reported={comment.hex}#c-{comment.hex}", status_code=303)
