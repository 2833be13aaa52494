"""Staff roles, permissions and tokens."""

from __future__ import annotations

import pytest

from newsroom import errors
from newsroom.staff import (
    OPERATOR,
    Permission,
    Principal,
    Role,
    Staff,
    parse_role,
    split_token,
    staff_id,
)


def test_token_is_shown_once_and_only_its_hash_is_kept_and_not_in_any_event() -> None:
    member, issued = Staff.join(name="rita", role=Role.EDITOR, actor=OPERATOR.actor)
    token = issued.token
    assert token.startswith("nr_")
    assert token not in repr(vars(member))
    assert token.split("_", 2)[2] not in repr(vars(member))
    events = repr(member.collect_events())
    assert issued.token_hash not in events and issued.token_hash not in repr(vars(member))
    assert issued.token_id in events  # events name the token by an id of its own
    principal = member.verify(split_token(token)[1], issued.token_hash)
    assert principal == Principal(id=staff_id("rita"), name="rita", role=Role.EDITOR)
    assert principal.actor == "staff:rita"


def test_wrong_secret_and_malformed_tokens_fail_to_authenticate() -> None:
    member, issued = Staff.join(name="rita", role=Role.EDITOR, actor=OPERATOR.actor)
    with pytest.raises(errors.AuthenticationError):
        member.verify("not-the-secret", issued.token_hash)
    with pytest.raises(errors.AuthenticationError):  # a hash the vault no longer has
        member.verify(split_token(issued.token)[1], None)
    for bad in ("", "Bearer x", "nr_", "nr_nothex_secret", f"nr_{member.id.hex}_", "xx_abc_def"):
        with pytest.raises(errors.AuthenticationError):
            split_token(bad)


def test_new_token_replaces_old_and_deactivation_revokes() -> None:
    member, old = Staff.join(name="rita", role=Role.EDITOR, actor=OPERATOR.actor)
    new = member.issue_token(actor=OPERATOR.actor)
    with pytest.raises(errors.AuthenticationError):
        member.verify(split_token(old.token)[1], new.token_hash)
    member.verify(split_token(new.token)[1], new.token_hash)
    member.deactivate(actor=OPERATOR.actor)
    with pytest.raises(errors.AuthenticationError):
        member.verify(split_token(new.token)[1], new.token_hash)
    with pytest.raises(errors.StaffDeactivatedError):
        member.issue_token(actor=OPERATOR.actor)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.EDITOR, {Permission.WRITE_ARTICLES}),
        (Role.MODERATOR, {Permission.MODERATE_COMMENTS}),
        (Role.AUDITOR, {Permission.READ_AUDIT}),
        (Role.ADMIN, set(Permission)),
    ],
)
def test_roles_grant_exactly_their_permissions(role: Role, allowed: set[Permission]) -> None:
    principal = Principal(id=staff_id("x"), name="x", role=role)
    for permission in Permission:
        assert principal.may(permission) is (permission in allowed)
        if permission not in allowed:
            with pytest.raises(errors.PermissionDeniedError) as caught:
                principal.require(permission)
            assert caught.value.details == {"role": str(role), "needs": str(permission)}


def test_bad_names_and_roles() -> None:
    with pytest.raises(errors.ValidationError) as caught:
        Staff.join(name="Has Space", role=Role.EDITOR, actor=OPERATOR.actor)
    assert caught.value.field == "name"
    with pytest.raises(errors.ValidationError) as role_error:
        parse_role("owner")
    assert role_error.value.field == "role"


def test_logs_are_text_for_a_person_at_a_terminal_and_json_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import logging
    import sys

    from web.logs import JsonFormatter, TextFormatter, log_format

    monkeypatch.delenv("NEWSROOM_LOG_FORMAT", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    assert log_format() == "json"
    monkeypatch.setenv("NEWSROOM_LOG_FORMAT", "text")
    assert log_format() == "text"
    record = logging.makeLogRecord({"msg": "projector started", "levelname": "INFO", "batch": 7})
    assert TextFormatter().format(record).endswith("INFO    projector started batch=7")
    assert '"message":"projector started"' in JsonFormatter().format(record)
