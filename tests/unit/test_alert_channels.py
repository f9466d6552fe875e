"""Alert delivery against real servers on 127.0.0.1: UTF-8 mail, webhook formats, failures logged."""

from __future__ import annotations

import logging
import socket

from dagster_project.alerts.channels import MAX_ROBOT_TEXT_BYTES, AlertSettings, Message, deliver

SUBJECT = "[健康城市仓库] 数据校验失败（错误）/ Check failed (ERROR): 养老机构床位数 · raw/pension_beds"
BODY = "失败值 Failing values: -26458（1 行 rows）\n位置 Where: pension_beds_2016_2024.csv 第6行 row 6"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the block ends: nothing listens there


def _configure(monkeypatch, smtp_port=None, base_url=None):
    for name in ("HCW_SMTP_HOST", "HCW_SMTP_PORT", "HCW_SMTP_SENDER", "HCW_SMTP_RECIPIENTS", "HCW_SMTP_USER",
                 "HCW_SMTP_PASSWORD", "HCW_SMTP_STARTTLS", "HCW_SMTP_SSL", "HCW_ALERT_WEBHOOK_URL",
                 "HCW_ALERT_WEBHOOK_TOKEN", "HCW_DINGTALK_WEBHOOK_URL", "HCW_DINGTALK_SECRET", "HCW_WECOM_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HCW_ALERT_TIMEOUT_SECONDS", "5")
    if smtp_port:
        monkeypatch.setenv("HCW_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("HCW_SMTP_PORT", str(smtp_port))
        monkeypatch.setenv("HCW_SMTP_SENDER", "warehouse@example.org")
        monkeypatch.setenv("HCW_SMTP_RECIPIENTS", "admin1@example.org; 管理员 <admin2@example.org>")
    if base_url:
        monkeypatch.setenv("HCW_ALERT_WEBHOOK_URL", f"{base_url}/generic")
        monkeypatch.setenv("HCW_ALERT_WEBHOOK_TOKEN", "secret-token")
        monkeypatch.setenv("HCW_DINGTALK_WEBHOOK_URL", f"{base_url}/robot/send?access_token=dt")
        monkeypatch.setenv("HCW_DINGTALK_SECRET", "SEC123")
        monkeypatch.setenv("HCW_WECOM_WEBHOOK_URL", f"{base_url}/cgi-bin/webhook/send?key=wc")


def test_email_arrives_with_chinese_subject_and_body(monkeypatch, smtp_server):
    port, received = smtp_server
    _configure(monkeypatch, smtp_port=port)
    outcome = deliver(Message(SUBJECT, BODY))
    assert outcome == {"email": True}
    assert len(received) == 1
    mail = received[0]
    assert mail["Subject"] == SUBJECT
    assert mail["To"] == "admin1@example.org, 管理员 <admin2@example.org>"
    assert mail.get_content().replace("\r\n", "\n").strip() == BODY


def test_webhooks_get_generic_dingtalk_and_wecom_formats(monkeypatch, http_receiver):
    base_url, received = http_receiver
    _configure(monkeypatch, base_url=base_url)
    outcome = deliver(Message(SUBJECT, BODY, {"event": "incident", "check": "raw_pension_beds_gx"}))
    assert outcome == {"webhook": True, "dingtalk": True, "wecom": True}
    by_path = {path.split("?")[0]: (path, body, headers) for path, body, headers in received}
    assert set(by_path) == {"/generic", "/robot/send", "/cgi-bin/webhook/send"}

    _, generic, headers = by_path["/generic"]
    assert generic == {"subject": SUBJECT, "text": BODY, "event": "incident", "check": "raw_pension_beds_gx"}
    assert headers["Authorization"] == "Bearer secret-token"

    path, dingtalk, _ = by_path["/robot/send"]
    assert dingtalk == {"msgtype": "text", "text": {"content": f"{SUBJECT}\n\n{BODY}"}}
    # 加签 robots: timestamp and sign are appended after the access token.
    assert path.startswith("/robot/send?access_token=dt&timestamp=") and "&sign=" in path

    _, wecom, _ = by_path["/cgi-bin/webhook/send"]
    assert wecom == {"msgtype": "text", "text": {"content": f"{SUBJECT}\n\n{BODY}"}}


def test_robot_text_is_cut_below_the_wecom_limit(monkeypatch, http_receiver):
    base_url, received = http_receiver
    _configure(monkeypatch)
    monkeypatch.setenv("HCW_WECOM_WEBHOOK_URL", f"{base_url}/wecom")
    deliver(Message("主题", "床" * 3000))  # 3,000 × 3 bytes = 9,000 bytes of UTF-8
    content = received[0][1]["text"]["content"]
    assert len(content.encode("utf-8")) < 4096
    assert content.startswith("主题\n\n床") and content.endswith("truncated, see the report）")
    assert MAX_ROBOT_TEXT_BYTES < 4096


def test_unreachable_smtp_and_webhook_are_logged_and_do_not_raise(monkeypatch, caplog):
    dead = _closed_port()
    _configure(monkeypatch, smtp_port=dead)
    monkeypatch.setenv("HCW_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{dead}/hook")
    with caplog.at_level(logging.ERROR, logger="dagster_project.alerts"):
        outcome = deliver(Message(SUBJECT, BODY), AlertSettings.from_env())
    assert outcome == {"email": False, "webhook": False}
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert errors[0].startswith("alert NOT delivered via email (ConnectionRefusedError")
    assert errors[1].startswith("alert NOT delivered via webhook (URLError")


def test_no_channel_configured_only_logs(monkeypatch, caplog):
    _configure(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="dagster_project.alerts"):
        assert deliver(Message(SUBJECT, BODY)) == {}
    assert "no channel configured" in caplog.text
