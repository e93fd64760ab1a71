"""The optional delivery step's settings (``mentorship.delivery``): where the run's summary and packs
go after a refresh, read from the environment and checked for the chosen mode."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mentorship.settings.env import SettingsError, read_flag, read_whole

#: Where the run's summary and packs go after a refresh (``MENTORSHIP_DELIVERY``): nowhere (the
#: default), an SMTP server, the webhook, both, or a dry run that writes the message to a folder.
DELIVERY_MODES = ("off", "smtp", "webhook", "both", "dry-run")


@dataclass(frozen=True)
class DeliverySettings:
    """The optional delivery step (``mentorship.delivery``), read from the environment:

    ``MENTORSHIP_DELIVERY``               off (default), smtp, webhook, both or dry-run
    ``MENTORSHIP_SMTP_HOST``              the SMTP server (needed for smtp and both)
    ``MENTORSHIP_SMTP_PORT``              its port, default 25
    ``MENTORSHIP_SMTP_FROM``              the sender address (needed for smtp and both)
    ``MENTORSHIP_SMTP_TO``                recipient addresses, separated by commas (needed for smtp and both)
    ``MENTORSHIP_SMTP_USER``              a login, when the server wants one (then MENTORSHIP_SMTP_PASSWORD too)
    ``MENTORSHIP_SMTP_PASSWORD``          its password: read from the environment when a message is sent,
                                          never held here, shown in the UI or written anywhere
    ``MENTORSHIP_SMTP_STARTTLS``          1 to switch to TLS (STARTTLS) before logging in and sending; default off
    ``MENTORSHIP_WEBHOOK_URL``            the webhook the failure notice uses (needed for webhook and both)
    ``MENTORSHIP_DELIVERY_DIR``           where a dry run writes its .eml file, default ``<data>/delivery``
    ``MENTORSHIP_DELIVERY_SUBJECT_PREFIX`` the subject's first words, default ``[Mentorship]``

    Only the settings the chosen mode needs are checked; a missing or malformed one is a SettingsError
    that names it."""

    mode: str = "off"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_to: tuple[str, ...] = ()
    smtp_user: str | None = None
    smtp_starttls: bool = False
    # A Slack or Teams webhook's address is itself the secret: kept out of repr and logs.
    webhook_url: str | None = field(default=None, repr=False)
    folder: Path | None = None
    subject_prefix: str = "[Mentorship]"

    @property
    def uses_smtp(self) -> bool:
        return self.mode in ("smtp", "both")

    @property
    def uses_webhook(self) -> bool:
        return self.mode in ("webhook", "both")

    @classmethod
    def from_env(cls, env=None, data_dir: Path | None = None) -> DeliverySettings:
        env = os.environ if env is None else env
        mode = env.get("MENTORSHIP_DELIVERY", "off").strip().lower() or "off"
        if mode not in DELIVERY_MODES:
            raise SettingsError(
                f"MENTORSHIP_DELIVERY must be one of {', '.join(DELIVERY_MODES)}, got {env['MENTORSHIP_DELIVERY']!r}"
            )
        text = lambda name: (env.get(name) or "").strip() or None
        uses_smtp = mode in ("smtp", "both")
        port = read_whole(env, "MENTORSHIP_SMTP_PORT", 25, 1, "a port number") if uses_smtp else 25
        if not (env.get("MENTORSHIP_SMTP_PASSWORD") or "") and text("MENTORSHIP_SMTP_USER") and uses_smtp:
            raise SettingsError(
                "MENTORSHIP_SMTP_USER is set but MENTORSHIP_SMTP_PASSWORD is not: set the password "
                "in the environment (never in a file in the project), or unset the user to send "
                "without logging in"
            )
        if env.get("MENTORSHIP_SMTP_PASSWORD") and not text("MENTORSHIP_SMTP_USER") and uses_smtp:
            raise SettingsError(
                "MENTORSHIP_SMTP_PASSWORD is set but MENTORSHIP_SMTP_USER is not: set the login name it belongs to"
            )
        folder = env.get("MENTORSHIP_DELIVERY_DIR") or (Path(data_dir) / "delivery" if data_dir else None)
        settings = cls(
            mode=mode,
            smtp_host=text("MENTORSHIP_SMTP_HOST"),
            smtp_port=port,
            smtp_from=text("MENTORSHIP_SMTP_FROM"),
            smtp_to=tuple(a.strip() for a in (env.get("MENTORSHIP_SMTP_TO") or "").split(",") if a.strip()),
            smtp_user=text("MENTORSHIP_SMTP_USER"),
            smtp_starttls=read_flag(env, "MENTORSHIP_SMTP_STARTTLS") if uses_smtp else False,
            webhook_url=text("MENTORSHIP_WEBHOOK_URL"),
            folder=Path(folder) if folder else None,
            subject_prefix=env.get("MENTORSHIP_DELIVERY_SUBJECT_PREFIX", cls.subject_prefix).strip(),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """A SettingsError naming the first setting the chosen mode needs that is missing or malformed."""
        if self.mode not in DELIVERY_MODES:
            raise SettingsError(f"MENTORSHIP_DELIVERY must be one of {', '.join(DELIVERY_MODES)}, got {self.mode!r}")
        need = f"MENTORSHIP_DELIVERY is {self.mode}, which needs"
        if self.uses_smtp:
            if not self.smtp_host:
                raise SettingsError(f"{need} MENTORSHIP_SMTP_HOST (the SMTP server's name or address); it is not set")
            if not 1 <= self.smtp_port <= 65535:
                raise SettingsError(f"MENTORSHIP_SMTP_PORT must be a port number from 1 to 65535, got {self.smtp_port}")
            if not self.smtp_from:
                raise SettingsError(f"{need} MENTORSHIP_SMTP_FROM (the sender's address); it is not set")
            if "@" not in self.smtp_from:
                raise SettingsError(f"MENTORSHIP_SMTP_FROM must be an e-mail address, got {self.smtp_from!r}")
            if not self.smtp_to:
                raise SettingsError(
                    f"{need} MENTORSHIP_SMTP_TO (recipient addresses, separated by commas); it is not set"
                )
            bad = [a for a in self.smtp_to if "@" not in a or any(c.isspace() for c in a)]
            if bad:
                raise SettingsError(
                    f"MENTORSHIP_SMTP_TO must be e-mail addresses separated by commas; {bad[0]!r} is not one"
                )
        if self.uses_webhook:
            if not self.webhook_url:
                raise SettingsError(
                    f"{need} MENTORSHIP_WEBHOOK_URL (the webhook the failure notice uses); it is not set"
                )
            if not self.webhook_url.lower().startswith(("http://", "https://")):
                raise SettingsError("MENTORSHIP_WEBHOOK_URL must be an http:// or https:// address")
        if self.mode == "dry-run" and not self.folder:
            raise SettingsError(f"{need} MENTORSHIP_DELIVERY_DIR (the folder for the message); it is not set")
