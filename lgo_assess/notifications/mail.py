"""E-mail through SMTP with the standard library. Pure: no Flask, no database.

Thai subjects and bodies go out as UTF-8 (RFC 2047 encoded-words in headers, a UTF-8 text part),
which every mail client reads.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Iterable, Mapping


@dataclass(frozen=True)
class SmtpSettings:
    server: str
    port: int = 587
    username: str = ""
    password: str = ""
    use_tls: bool = True          # STARTTLS; port 465 means TLS from the first byte instead
    sender: str = "LGO Assess <no-reply@localhost>"
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping) -> SmtpSettings | None:
        """The settings in ``config``, or None when no ``MAIL_SERVER`` is configured."""
        if not config.get("MAIL_SERVER"):
            return None
        return cls(server=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT") or 587),
                   username=config.get("MAIL_USERNAME") or "",
                   password=config.get("MAIL_PASSWORD") or "",
                   use_tls=bool(config.get("MAIL_USE_TLS")),
                   sender=config.get("MAIL_FROM") or cls.sender)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    name, address = parseaddr(sender)
    message["From"] = Address(display_name=name, addr_spec=address) if name else address
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    message.set_content(mail.body, charset="utf-8")
    return message


def send_all(settings: SmtpSettings, mails: Iterable[Mail]) -> list[str | None]:
    """Send ``mails`` over one connection; returns, for each, None when the server took it or
    the reason it did not. A failure to connect or log in is the reason for every one."""
    mails = list(mails)
    if not mails:
        return []
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        return [_reason(error)] * len(mails)
    results: list[str | None] = []
    with smtp:
        for mail in mails:
            try:
                smtp.send_message(build_message(mail, settings.sender))
                results.append(None)
            except smtplib.SMTPServerDisconnected as error:
                results.extend([_reason(error)] * (len(mails) - len(results)))
                break
            except (OSError, smtplib.SMTPException) as error:
                results.append(_reason(error))
    return results


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.port == 465:
        smtp = smtplib.SMTP_SSL(settings.server, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        try:
            if settings.use_tls:
                smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    try:
        if settings.username:
            smtp.login(settings.username, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]
