"""Delivery after the refresh: the summary and packs to a loopback SMTP server (aiosmtpd) started here, to
a loopback webhook, and as a dry run; an unreachable server is a clear error, and through Dagster the run
still succeeds and the ``delivered`` check warns. No network beyond 127.0.0.1."""

from __future__ import annotations

import email
import json
import shutil
import socket
import threading
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from assets.delivery import delivery_line
from assets.resources import PipelineSettings
from mentorship import delivery
from mentorship.delivery import DeliveryError, compose, headlines, post_webhook, send_smtp, write_dry_run
from mentorship.metrics import Metrics
from mentorship.settings import DeliverySettings, Settings, SettingsError
from tests.conftest import pipeline_resources

SENDER = "people-analytics@example.org"
RECIPIENTS = ["cpo@example.org", "hr-leads@example.org"]


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, read, closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, _class=EmailMessage, policy=policy.default)


class Inbox:
    """The loopback server's handler: keeps (sender, recipients, message) of every message received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parse(envelope.content)))
        return "250 Message accepted for delivery"


def _login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"reports", b"s3cret")
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture
def smtp_server():
    """(host, port, inbox) of an SMTP server on 127.0.0.1 that accepts the login reports / s3cret."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=_login, auth_require_tls=False)
    controller.start()
    yield controller.hostname, controller.port, inbox
    controller.stop()


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(_Hook.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Hook.received, _Hook.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/services/T000/B000/secret-token", _Hook.received
    server.shutdown()
    server.server_close()


@pytest.fixture
def exports(built):
    """(metrics of the shared build, its packs folder)."""
    root, result = built
    assert result.success
    return Metrics(pd.read_parquet(root / "exports" / "metrics.parquet")), root / "dashboards" / "packs"


def headline_texts(m: Metrics) -> dict[str, str]:
    """What the summary must say for each headline: the figure and CI exactly as Metrics formats them."""
    out = {}
    for mid, _label in headlines(m):
        r = m.get(mid)
        if r is not None and r["status"] == "published" and m.text(mid):
            out[mid] = f"{m.text(mid, unit_words=True)} (95% CI {m.interval(mid)})"
    return out


def test_smtp_delivers_the_summary_with_the_pages_figures_and_the_packs(exports, smtp_server, small_org):
    m, packs = exports
    host, port, inbox = smtp_server
    message = compose(m, m.as_of, packs, "[Mentorship]")
    assert send_smtp(message, host, port, SENDER, RECIPIENTS) == RECIPIENTS
    ((sender, rcpts, got),) = inbox.messages
    assert (sender, rcpts) == (SENDER, RECIPIENTS)
    assert got["Subject"] == f"[Mentorship] Monthly results, data as of {m.as_of}"
    assert got["From"] == SENDER and got["To"] == ", ".join(RECIPIENTS)
    body = got.get_body(("plain",)).get_content()
    expected = headline_texts(m)
    assert expected, "the small organisation publishes headline effects"
    for mid, label in headlines(m):
        line = next(x for x in body.splitlines() if x.strip().startswith(label + ":"))
        if mid in expected:
            assert line.endswith(expected[mid]), (line, expected[mid])  # to the last digit, as the pages
        else:
            assert "suppressed" in line or "not estimated" in line, line
    if m.get("roi.roi") and m.get("roi.roi")["status"] == "published":
        assert f"Return on investment: {m.text('roi.roi')} (95% CI {m.interval('roi.roi')})" in body
    assert f"Data as of {m.as_of}" in body and "adjusted for who volunteers" in body
    assert "raw figures" in body and "dashboard pages" in body
    on_disk = sorted(p.name for p in packs.glob("*.pdf")) if packs.is_dir() else []
    attached = {p.get_filename(): p.get_content() for p in got.iter_attachments()}
    assert sorted(attached) == on_disk
    for name, content in attached.items():
        assert content == (packs / name).read_bytes()
    if not on_disk:
        assert "Missing packs: executive.pdf, roi.pdf, program.pdf" in body
    # Aggregates only: no employee id from the landing files anywhere in the message.
    landing, _ = small_org
    ids = pd.read_csv(next((landing / "employees").glob("*.csv")), usecols=["employee_id"]).employee_id.astype(str)
    raw = got.as_string()
    assert not [i for i in ids.head(300) if i in raw]


def test_packs_attached_when_present_missing_and_stale_ones_said_so(exports, tmp_path):
    m, _ = exports
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "executive.pdf").write_bytes(b"%PDF-1.4 executive")
    message = compose(m, m.as_of, packs, "[Mentorship]")
    assert delivery.attachment_names(message) == ["executive.pdf"]
    assert "Missing packs: roi.pdf, program.pdf" in delivery.body_text(message)
    (packs / "roi.pdf").write_bytes(b"%PDF-1.4 roi")
    assert delivery.attachment_names(compose(m, m.as_of, packs, "x")) == ["executive.pdf", "roi.pdf"]
    # Printed before this run's metrics table: an earlier month's figures, not attached.
    stale = compose(m, m.as_of, packs, "x", not_before=(packs / "roi.pdf").stat().st_mtime + 60)
    assert delivery.attachment_names(stale) == []
    assert "Not attached: executive.pdf, roi.pdf" in delivery.body_text(stale)
    empty = compose(m, m.as_of, tmp_path / "none", "x")
    assert "Missing packs: executive.pdf, roi.pdf, program.pdf" in delivery.body_text(empty)


def test_a_suppressed_or_missing_figure_says_so(exports):
    m, _ = exports
    frame = m.frame.copy()
    promoted = headlines(m)[0][0]
    frame.loc[frame.metric_id == promoted, ["status", "reason"]] = ["suppressed", "fewer than 20 mentored people"]
    frame = frame[~frame.metric_id.isin([headlines(m)[1][0], "roi.roi", "roi.net_benefit"])]
    body = delivery.body_text(compose(Metrics(frame), m.as_of, Path("nowhere"), "x"))
    assert "Promoted within 12 months:    suppressed (fewer than 20 mentored people)" in body
    assert "Retained at 12 months:        not estimated" in body
    assert "Return on investment: not computed" in body


def test_the_webhook_gets_the_summary_and_the_pack_names_not_the_files(exports, webhook, tmp_path):
    m, _ = exports
    url, received = webhook
    packs = tmp_path / "packs"
    packs.mkdir()
    for name in delivery.PACKS:
        (packs / name).write_bytes(b"%PDF-1.4 " + name.encode())
    message = compose(m, m.as_of, packs, "[Mentorship]")
    assert post_webhook(delivery.webhook_text(message), url) == 200
    ((ctype, payload),) = received
    assert ctype == "application/json" and set(payload) == {"text"}
    text = payload["text"]
    assert text.startswith(f"[Mentorship] Monthly results, data as of {m.as_of}")
    assert "Leadership packs: executive.pdf, roi.pdf, program.pdf." in text and "%PDF" not in text
    for figure in headline_texts(m).values():
        assert figure in text


def test_a_dry_run_writes_an_eml_that_parses_back(exports, tmp_path):
    m, packs = exports
    message = compose(m, m.as_of, packs, "[Mentorship]", sender=SENDER, recipients=RECIPIENTS)
    path = write_dry_run(message, tmp_path / "delivery")
    assert path.parent == tmp_path / "delivery" and path.suffix == ".eml"
    assert path.name.startswith(f"delivery_{m.as_of}_")
    back = parse(path.read_bytes())
    assert back["Subject"] == message["Subject"] and back["To"] == ", ".join(RECIPIENTS)
    assert back.get_body(("plain",)).get_content() == delivery.body_text(message)
    assert [p.get_filename() for p in back.iter_attachments()] == delivery.attachment_names(message)
    # Two runs in the same second do not overwrite each other.
    assert write_dry_run(message, tmp_path / "delivery") != path


def _plain_message() -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "test"
    msg.set_content("figures")
    return msg


def test_an_unreachable_server_is_a_delivery_error_naming_host_and_port():
    port = free_port()
    with pytest.raises(DeliveryError) as err:
        send_smtp(_plain_message(), "127.0.0.1", port, SENDER, RECIPIENTS, timeout=5)
    assert f"127.0.0.1:{port}" in str(err.value) and "refused" in str(err.value).lower()
    assert err.value.target == f"the SMTP server 127.0.0.1:{port}"


def test_a_refused_login_and_a_missing_starttls_name_the_server_and_the_cause(smtp_server):
    host, port, inbox = smtp_server
    with pytest.raises(DeliveryError, match=rf"127\.0\.0\.1:{port}: the server refused the login for 'reports' \(535"):
        send_smtp(_plain_message(), host, port, SENDER, RECIPIENTS, username="reports", password="wrong")
    with pytest.raises(DeliveryError, match=rf"127\.0\.0\.1:{port}: the server does not offer STARTTLS"):
        send_smtp(_plain_message(), host, port, SENDER, RECIPIENTS, starttls=True)
    assert not inbox.messages
    assert (
        send_smtp(_plain_message(), host, port, SENDER, RECIPIENTS[:1], username="reports", password="s3cret")
        == RECIPIENTS[:1]
    )
    assert len(inbox.messages) == 1


def test_a_failing_webhook_names_its_address_without_the_secret_path(webhook):
    url, _ = webhook
    _Hook.status = 500
    with pytest.raises(DeliveryError, match="HTTP 500") as err:
        post_webhook("text", url)
    port = url.split(":")[2].split("/")[0]
    assert f"http://127.0.0.1:{port}/…" in str(err.value) and "secret-token" not in str(err.value)
    closed = free_port()
    with pytest.raises(DeliveryError, match=rf"127\.0\.0\.1:{closed}/…: Connection refused"):
        post_webhook("text", f"http://127.0.0.1:{closed}/hook/secret-token", timeout=5)


# ---------------------------------------------------------------------------------------------
# Through Dagster: the asset, its check and the CLI's line


def _run_delivery(built, tmp_path, **settings) -> dg.ExecuteInProcessResult:
    from pipelines.definitions import build_assets

    root, result = built
    assert result.success
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("*.duckdb*", "*.wal"))
    resources = pipeline_resources(copy, Path("unused"), min_group_size=20)
    base = {name: getattr(resources["settings"], name) for name in PipelineSettings.model_fields}
    resources["settings"] = PipelineSettings(**{**base, **settings})
    return dg.materialize(
        build_assets(),
        resources=resources,
        raise_on_error=False,
        selection=dg.AssetSelection.assets("delivery_message"),
    )


def _check(result) -> dg.AssetCheckEvaluation:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "delivered"]
    return evaluation


def _metadata(result) -> dict:
    (mat,) = result.asset_materializations_for_node("delivery_message")
    return {k: v.value for k, v in mat.metadata.items()}


def test_through_dagster_an_unreachable_server_fails_the_check_not_the_run(built, tmp_path):
    port = free_port()
    result = _run_delivery(
        built, tmp_path, delivery="smtp", smtp_host="127.0.0.1", smtp_port=port, smtp_from=SENDER, smtp_to=RECIPIENTS
    )
    assert result.success
    check = _check(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert f"127.0.0.1:{port}" in check.description and "Connection refused" in check.description
    meta = _metadata(result)
    assert meta["delivered"] is False and f"127.0.0.1:{port}" in meta["error"]
    line = delivery_line(result)
    assert line.startswith(
        f"Delivery: FAILED: could not send the summary through the SMTP server 127.0.0.1:{port}: Connection refused"
    )


def test_through_dagster_smtp_and_webhook_deliver_and_the_cli_line_says_so(built, tmp_path, smtp_server, webhook):
    host, port, inbox = smtp_server
    url, received = webhook
    result = _run_delivery(
        built,
        tmp_path,
        delivery="both",
        smtp_host=host,
        smtp_port=port,
        smtp_from=SENDER,
        smtp_to=RECIPIENTS,
        smtp_user="reports",
        smtp_password="s3cret",
        webhook_url=url,
    )
    assert result.success and _check(result).passed
    assert len(inbox.messages) == 1 and len(received) == 1
    packs = tmp_path / "copy" / "dashboards" / "packs"
    on_disk = sorted(p.name for p in packs.glob("*.pdf")) if packs.is_dir() else []
    assert sorted(p.get_filename() for p in inbox.messages[0][2].iter_attachments()) == on_disk
    assert delivery_line(result) == (
        f"Delivery: sent to 2 recipients via 127.0.0.1:{port} and posted to the "
        f"webhook http://127.0.0.1:{url.split(':')[2].split('/')[0]}/…"
    )
    meta = _metadata(result)
    assert meta["delivered"] is True and meta["recipients"] == 2
    assert "s3cret" not in json.dumps({k: str(v) for k, v in meta.items()})


def test_through_dagster_a_dry_run_reports_its_file_and_off_says_nothing(built, tmp_path):
    result = _run_delivery(built, tmp_path, delivery="dry-run", delivery_dir=str(tmp_path / "outbox"))
    assert result.success and _check(result).passed
    path = Path(_metadata(result)["path"])
    assert path.parent == tmp_path / "outbox" and parse(path.read_bytes())["Subject"]
    assert delivery_line(result) == f"Delivery: dry run, message written to {path}"
    # The shared build ran with delivery off: the step ran, said so, and the CLI prints nothing.
    _, built_result = built
    meta = _metadata(built_result)
    assert meta["mode"] == "off" and "delivery is off" in meta["outcome"]
    assert _check(built_result).passed and delivery_line(built_result) is None


# ---------------------------------------------------------------------------------------------
# Settings


def test_settings_a_missing_smtp_host_is_a_configuration_error_naming_it():
    with pytest.raises(SettingsError, match="MENTORSHIP_SMTP_HOST"):
        DeliverySettings.from_env(
            {"MENTORSHIP_DELIVERY": "smtp", "MENTORSHIP_SMTP_FROM": SENDER, "MENTORSHIP_SMTP_TO": RECIPIENTS[0]}
        )
    full = {
        "MENTORSHIP_DELIVERY": "smtp",
        "MENTORSHIP_SMTP_HOST": "mail.example.org",
        "MENTORSHIP_SMTP_FROM": SENDER,
        "MENTORSHIP_SMTP_TO": ", ".join(RECIPIENTS),
    }
    for change, named in (
        ({"MENTORSHIP_SMTP_FROM": ""}, "MENTORSHIP_SMTP_FROM"),
        ({"MENTORSHIP_SMTP_TO": " , "}, "MENTORSHIP_SMTP_TO"),
        ({"MENTORSHIP_SMTP_TO": "cpo"}, "MENTORSHIP_SMTP_TO"),
        ({"MENTORSHIP_SMTP_PORT": "smtp"}, "MENTORSHIP_SMTP_PORT"),
        ({"MENTORSHIP_SMTP_PORT": "70000"}, "MENTORSHIP_SMTP_PORT"),
        ({"MENTORSHIP_SMTP_USER": "reports"}, "MENTORSHIP_SMTP_PASSWORD"),
        ({"MENTORSHIP_SMTP_STARTTLS": "maybe"}, "MENTORSHIP_SMTP_STARTTLS"),
        ({"MENTORSHIP_DELIVERY": "email"}, "MENTORSHIP_DELIVERY"),
        ({"MENTORSHIP_DELIVERY": "webhook"}, "MENTORSHIP_WEBHOOK_URL"),
        ({"MENTORSHIP_DELIVERY": "both"}, "MENTORSHIP_WEBHOOK_URL"),
    ):
        with pytest.raises(SettingsError, match=named):
            DeliverySettings.from_env({**full, **change})
    d = DeliverySettings.from_env(full, Path("/data"))
    assert (d.smtp_host, d.smtp_port, d.smtp_to, d.folder) == (
        "mail.example.org",
        25,
        tuple(RECIPIENTS),
        Path("/data/delivery"),
    )
    # Off by default; the SMTP settings are not checked then.
    assert DeliverySettings.from_env({"MENTORSHIP_SMTP_PORT": "x"}).mode == "off"
    hook = DeliverySettings.from_env(
        {"MENTORSHIP_DELIVERY": "webhook", "MENTORSHIP_WEBHOOK_URL": "https://hooks.example.org/T/B/secret"}
    )
    assert "secret" not in repr(hook)


def test_the_cli_exits_2_on_a_delivery_configuration_error(monkeypatch, capsys):
    from pipelines import cli

    for name in ("MENTORSHIP_SMTP_HOST", "MENTORSHIP_SMTP_FROM", "MENTORSHIP_SMTP_TO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli, "load_env_file", lambda *a: False)
    monkeypatch.setenv("MENTORSHIP_DELIVERY", "smtp")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Configuration error:") and "MENTORSHIP_SMTP_HOST" in err


def test_the_password_reaches_the_resource_from_the_environment_only(monkeypatch):
    env = {
        "MENTORSHIP_DELIVERY": "smtp",
        "MENTORSHIP_SMTP_HOST": "mail.example.org",
        "MENTORSHIP_SMTP_FROM": SENDER,
        "MENTORSHIP_SMTP_TO": RECIPIENTS[0],
        "MENTORSHIP_SMTP_USER": "reports",
        "MENTORSHIP_SMTP_PASSWORD": "s3cret-from-env",
        "MENTORSHIP_WEBHOOK_URL": "https://hooks.example.org/T/B/x",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    settings = Settings.from_env()
    assert "s3cret-from-env" not in repr(settings)
    resource = PipelineSettings.from_settings(settings)
    # EnvVars: the UI's resource config shows the variable's name, never the value.
    assert isinstance(resource.smtp_password, dg.EnvVar) and resource.smtp_password == "MENTORSHIP_SMTP_PASSWORD"
    assert isinstance(resource.webhook_url, dg.EnvVar)
    assert resource.smtp_host == "mail.example.org" and resource.smtp_to == [RECIPIENTS[0]]


def test_the_delivered_check_warns_and_never_blocks():
    from pipelines.definitions import build_definitions

    defs = build_definitions()

    specs = {s.key.name: s for a in defs.assets if isinstance(a, dg.AssetsDefinition) for s in a.check_specs}
    assert not specs["delivered"].blocking and specs["delivered"].description
    assert specs["delivered"].asset_key == dg.AssetKey("delivery_message")
