"""Delivery: UTF-8 email over SMTP and webhooks (generic JSON, DingTalk robot, WeCom robot).

Everything comes from environment variables; secrets (SMTP password, webhook tokens, the
DingTalk signing secret) are never in the repository. A channel that is not configured is
skipped; a channel that fails (server down, HTTP error) is logged and the others still send:
an alert must never break the pipeline or the sensor.

Dagster's make_email_on_run_failure_sensor always does TLS + login and sends a str with an ASCII
header template, so a Chinese subject fails (ecosystem.md §4); EmailMessage + send_message
encodes the UTF-8 subject and body properly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import smtplib
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage

log = logging.getLogger("dagster_project.alerts")

# WeCom rejects markdown content above 4096 bytes; DingTalk allows ~20,000. Keep both short.
MAX_ROBOT_TEXT_BYTES = 3800


@dataclass(frozen=True)
class Message:
    subject: str
    body: str                      # plain text, zh first, en beside
    payload: dict = field(default_factory=dict)  # structured fields for the generic JSON webhook


@dataclass(frozen=True)
class AlertSettings:
    smtp_host: str | None
    smtp_port: int
    smtp_sender: str | None
    smtp_recipients: tuple[str, ...]
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    smtp_ssl: bool
    webhook_url: str | None
    webhook_token: str | None
    dingtalk_url: str | None
    dingtalk_secret: str | None
    wecom_url: str | None
    timeout_seconds: float

    @classmethod
    def from_env(cls) -> "AlertSettings":
        env = os.environ.get

        def flag(name: str) -> bool:
            return (env(name) or "").strip().lower() in ("1", "true", "yes", "on")

        recipients = tuple(r.strip() for r in (env("HCW_SMTP_RECIPIENTS") or "").replace(";", ",").split(",") if r.strip())
        return cls(
            smtp_host=env("HCW_SMTP_HOST") or None,
            smtp_port=int(env("HCW_SMTP_PORT") or (465 if flag("HCW_SMTP_SSL") else 25)),
            smtp_sender=env("HCW_SMTP_SENDER") or None,
            smtp_recipients=recipients,
            smtp_user=env("HCW_SMTP_USER") or None,
            smtp_password=env("HCW_SMTP_PASSWORD") or None,
            smtp_starttls=flag("HCW_SMTP_STARTTLS"),
            smtp_ssl=flag("HCW_SMTP_SSL"),
            webhook_url=env("HCW_ALERT_WEBHOOK_URL") or None,
            webhook_token=env("HCW_ALERT_WEBHOOK_TOKEN") or None,
            dingtalk_url=env("HCW_DINGTALK_WEBHOOK_URL") or None,
            dingtalk_secret=env("HCW_DINGTALK_SECRET") or None,
            wecom_url=env("HCW_WECOM_WEBHOOK_URL") or None,
            timeout_seconds=float(env("HCW_ALERT_TIMEOUT_SECONDS") or 10),
        )

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_sender and self.smtp_recipients)

    def channels(self) -> list[str]:
        names = ["email"] if self.email_configured else []
        return names + [n for n, url in (("webhook", self.webhook_url), ("dingtalk", self.dingtalk_url),
                                         ("wecom", self.wecom_url)) if url]


def send_email(settings: AlertSettings, message: Message) -> None:
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = settings.smtp_sender
    mail["To"] = ", ".join(settings.smtp_recipients)
    mail.set_content(message.body, charset="utf-8")
    smtp_class = smtplib.SMTP_SSL if settings.smtp_ssl else smtplib.SMTP
    with smtp_class(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
        if settings.smtp_starttls and not settings.smtp_ssl:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(mail)


def _post_json(url: str, body: dict, timeout: float, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        reply = response.read().decode("utf-8", "replace")
    # DingTalk and WeCom answer HTTP 200 with {"errcode": <non-zero>, "errmsg": ...} on errors.
    try:
        errcode = json.loads(reply).get("errcode", 0) if reply.strip().startswith("{") else 0
    except json.JSONDecodeError:
        errcode = 0
    if errcode:
        raise RuntimeError(f"webhook answered errcode {errcode}: {reply[:200]}")


def _robot_text(message: Message) -> str:
    text = f"{message.subject}\n\n{message.body}"
    encoded = text.encode("utf-8")
    if len(encoded) <= MAX_ROBOT_TEXT_BYTES:
        return text
    return encoded[:MAX_ROBOT_TEXT_BYTES].decode("utf-8", "ignore") + "\n…（已截断，详见数据质量报告 / truncated, see the report）"


def dingtalk_signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk robots with 加签 need timestamp + HMAC-SHA256 signature in the query string."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def send_generic_webhook(settings: AlertSettings, message: Message) -> None:
    headers = {"Authorization": f"Bearer {settings.webhook_token}"} if settings.webhook_token else {}
    _post_json(settings.webhook_url, {"subject": message.subject, "text": message.body, **message.payload},
               settings.timeout_seconds, headers)


def send_dingtalk(settings: AlertSettings, message: Message) -> None:
    url = dingtalk_signed_url(settings.dingtalk_url, settings.dingtalk_secret) if settings.dingtalk_secret else settings.dingtalk_url
    _post_json(url, {"msgtype": "text", "text": {"content": _robot_text(message)}}, settings.timeout_seconds)


def send_wecom(settings: AlertSettings, message: Message) -> None:
    _post_json(settings.wecom_url, {"msgtype": "text", "text": {"content": _robot_text(message)}},
               settings.timeout_seconds)


SENDERS = {"email": send_email, "webhook": send_generic_webhook, "dingtalk": send_dingtalk, "wecom": send_wecom}


def deliver(message: Message, settings: AlertSettings | None = None, logger: logging.Logger | None = None) -> dict[str, bool]:
    """Send on every configured channel. Returns {channel: delivered}; never raises."""
    settings = settings or AlertSettings.from_env()
    logger = logger or log
    outcome: dict[str, bool] = {}
    channels = settings.channels()
    if not channels:
        logger.warning("alert not sent, no channel configured (HCW_SMTP_HOST / HCW_*_WEBHOOK_URL): %s", message.subject)
    for name in channels:
        try:
            SENDERS[name](settings, message)
            outcome[name] = True
            logger.info("alert sent via %s: %s", name, message.subject)
        except Exception as exc:  # noqa: BLE001 - any delivery problem is logged, never raised
            outcome[name] = False
            logger.error("alert NOT delivered via %s (%s: %s): %s", name, type(exc).__name__, exc, message.subject)
    return outcome
