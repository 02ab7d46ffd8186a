"""Sending over SMTP (plain, STARTTLS or implicit TLS), one connection reused for a run.

Failures are sorted in two: `TemporaryFailure` (4xx replies, a refused or dropped connection,
a timeout: worth retrying) and `PermanentFailure` (5xx replies: retrying will not help). An
authentication failure is a `ConfigError`: no mail can go until the settings are fixed.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from types import TracebackType

from paperboy.config import Settings, SmtpTarget, smtp_target
from paperboy.errors import ConfigError
from paperboy.mail.message import Mail


class SendFailure(Exception):
    pass


class TemporaryFailure(SendFailure):
    """Retry later. `connection`: the server was unreachable or went away (not this mail's
    fault), so the rest of a run would fail the same way."""

    def __init__(self, reason: str, connection: bool = False) -> None:
        super().__init__(reason)
        self.connection = connection


class PermanentFailure(SendFailure):
    pass


def target_from(settings: Settings) -> SmtpTarget:
    if settings.smtp_url is None:
        raise ConfigError("PAPERBOY_SMTP_URL is not set (e.g. smtp+starttls://user@host:587)")
    if settings.mail_from is None:
        raise ConfigError("PAPERBOY_MAIL_FROM is not set (e.g. 'Paperboy <papers@example.org>')")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        return smtp_target(settings.smtp_url.get_secret_value(), password)
    except ValueError as exc:
        raise ConfigError(f"PAPERBOY_SMTP_URL: {exc}") from None


class Mailer:
    """`with Mailer(target) as mailer: mailer.send(mail)`; reconnects after a failure."""

    def __init__(self, target: SmtpTarget, timeout: float = 30.0) -> None:
        self.target = target
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def send(self, mail: Mail) -> None:
        try:
            smtp = self._connection()
            refused = smtp.sendmail(mail.sender, [mail.recipient], mail.data,
                                    _options(smtp, mail.international))
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise ConfigError(f"SMTP {self.target.host}: login refused ({exc.smtp_code})") from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            self._reset()
            raise _by_code(min(codes), _describe_refused(exc.recipients)) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _by_code(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}",
                           connection=exc.smtp_code == 421) from None
        except (smtplib.SMTPException, OSError) as exc:  # dropped, refused, timed out, TLS
            self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}".rstrip(": "),
                                   connection=True) from None
        if refused:  # some recipients refused, others taken: we send to one, so it is rare
            raise _by_code(min(code for code, _ in refused.values()), _describe_refused(refused))

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        name = socket.getfqdn()
        if t.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(t.host, t.port, local_hostname=name,
                                                  timeout=self.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(t.host, t.port, local_hostname=name, timeout=self.timeout)
        try:
            if t.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if t.username:
                smtp.login(t.username, t.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _options(smtp: smtplib.SMTP, international: bool) -> tuple[str, ...]:
    """MAIL FROM options: a non-ASCII address needs SMTPUTF8 (as smtplib.send_message asks)."""
    if not international:
        return ()
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("smtputf8"):
        raise smtplib.SMTPNotSupportedError("an address is not ASCII, and the server does not "
                                            "take SMTPUTF8")
    return ("SMTPUTF8", "BODY=8BITMIME")


def _by_code(code: int, reason: str, connection: bool = False) -> SendFailure:
    if 500 <= code < 600:
        return PermanentFailure(reason)
    return TemporaryFailure(reason, connection=connection)


def _describe_refused(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{to}: {code} {_text(text)}" for to, (code, text) in refused.items())


def _text(value: bytes | str) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()
