"""The one settings object: every tunable lives here, read from NEWSDESK_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service import settings_defaults as defaults

PLACEHOLDER_SECRET = "change-me-demo-secret"  # the demo's only; refused elsewhere
VAR_DIR = Path("var")
HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


class SmtpTarget:
    """A parsed SMTP_URL: smtp://user:pass@host:port?starttls=1, smtps:// for implicit TLS."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError(f"SMTP URL must start with smtp:// or smtps://, got {url!r}")
        self.url = url
        self.host = parts.hostname or "127.0.0.1"
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        self.starttls = query.get("starttls", "0") in {"1", "true", "yes"}


class ProfileField(BaseModel):
    """One configurable field of the signup form and the preference centre."""

    attr: str  # the subscriber attribute segment rules read
    kind: Literal["choice", "text"]
    label: dict[str, str]
    options: dict[str, dict[str, str]] = Field(default_factory=dict)  # value -> label per language
    max_length: int = Field(120, ge=1, le=200)


class Settings(BaseSettings):
    """Runtime configuration; defaults are the embedded demo setup (SQLite, filesystem broker)."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", env_file=".env", extra="ignore")

    # The embedded defaults are the demo's own files, so `newsdesk api` after `newsdesk demo`
    # serves the demo's data (and the links in its mails) instead of an empty database.
    database_url: str = f"sqlite:///{VAR_DIR}/demo/newsdesk.sqlite3"
    broker_url: str = "filesystem://"
    broker_dir: Path = VAR_DIR / "demo" / "broker"
    redis_url: str | None = None  # rate limits and tracking buffer; None = in-process fallback
    smtp_url: str = "smtp://127.0.0.1:8025"
    smtp_require_tls: bool = False
    smtp_timeout_s: float = 30.0
    public_url: str = "http://127.0.0.1:8000"
    asset_hosts: list[str] = Field(
        default_factory=list, description="image hosts besides public_url's (our own CDN only)"
    )
    env: str = Field("development", pattern="^(development|production)$")  # NEWSDESK_ENV
    # production refuses a Python without the CVE-2024-6923 fix unless this is set (issue 14)
    allow_unpatched_python: bool = False
    secret_key: str = PLACEHOLDER_SECRET
    admin_token: str | None = None
    signup_per_ip_per_hour: int = Field(20, ge=1)  # public /subscribe form, per client address
    confirmations_per_address_per_day: int = Field(3, ge=1)  # DOI mails to one mailbox
    # issue 15, finding 7: the form answers no sooner than this, whatever the address's state,
    # and hands the confirmation mail to a worker (off: send it in the request, as tests do)
    signup_min_response_s: float = Field(0.25, ge=0)
    # issue 15, finding 4: request bodies (the inbound webhook takes inbound_max_bytes)
    api_max_body_bytes: int = Field(1024 * 1024, ge=1024)
    public_max_body_bytes: int = Field(64 * 1024, ge=1024)
    body_chunk_timeout_s: float = Field(10.0, gt=0)
    # a request head (request line and headers) not complete this long after the connection
    # opened or the previous answer went out is refused with 408 and closed (slowloris)
    header_timeout_s: float = Field(10.0, gt=0)
    signup_mail_queue: bool = True
    demo_mode: bool = False
    import_dir: Path = VAR_DIR / "imports"  # files uploaded in the newsroom, and their reports
    # The media library (logos, images): where uploads live and what an upload may be.
    media_storage: str = Field("local", pattern="^local$")  # the one backend built (see media/)
    media_dir: Path = VAR_DIR / "media"
    media_max_bytes: int = Field(2 * 1024 * 1024, ge=1024)
    media_max_pixels: int = Field(4096 * 4096, ge=1)  # declared width x height: no bombs

    from_name: str = "Munich-Chicago Health AI Partnership"
    from_address: str = "news@news.partnership.example.org"
    reply_domain: str = "reply.news.partnership.example.org"
    bounce_domain: str = "bounces.news.partnership.example.org"
    message_id_domain: str = "news.partnership.example.org"
    list_id_domain: str = "news.partnership.example.org"
    feedback_sender_id: str = "newsdesk"

    org_legal_name: str = "Munich-Chicago Partnership for Machine Learning in Health"
    org_postal_address: str = "Ingolstädter Landstraße 1, 85764 Neuherberg, Germany"

    # Branding of editions and public pages: settings, never template edits (per language).
    brand_masthead: dict[str, str] = Field(
        default_factory=lambda: {
            "de": "Partnerschaft München–Chicago für maschinelles Lernen in der Medizin",
            "en": "Munich–Chicago Partnership for Machine Learning in Health",
        }
    )
    brand_logo_url: dict[str, str] = Field(default_factory=dict)  # per language; {} = no logo
    brand_logo_alt: dict[str, str] = Field(
        default_factory=lambda: {
            "de": "Logo der Partnerschaft München–Chicago",
            "en": "Logo of the Munich–Chicago Partnership",
        }
    )
    brand_primary_colour: str = Field("#0b3d6b", pattern=HEX_COLOUR)  # masthead, headings
    brand_accent_colour: str = Field("#0b5394", pattern=HEX_COLOUR)  # buttons, links
    privacy_url: dict[str, str] = Field(
        default_factory=lambda: {
            "de": "https://partnership.example.org/de/datenschutz",
            "en": "https://partnership.example.org/privacy",
        }
    )
    imprint_url: dict[str, str] = Field(
        default_factory=lambda: {
            "de": "https://partnership.example.org/de/impressum",
            "en": "https://partnership.example.org/imprint",
        }
    )
    contact_url: dict[str, str] = Field(
        default_factory=lambda: {
            "de": "https://partnership.example.org/de/kontakt",
            "en": "https://partnership.example.org/contact",
        }
    )
    privacy_notice_version: str = Field("2026-11", max_length=32)  # shown at signup, in ledger
    operator_language: str = Field("en", pattern="^(de|en)$")  # CLI and API advice for the team

    dkim_selector: str = "nd2026"
    dkim_domain: str = "news.partnership.example.org"
    dkim_private_key_path: Path | None = None
    dkim_ed25519_key_path: Path | None = None  # optional second signature (RFC 8463)
    dkim_ed25519_selector: str = "nd2026e"
    precedence_bulk: bool = True  # STANDARDS C5: campaign mail only, never DOI/transactional
    smtp_relays: str = ""  # comma-separated SMTP URLs, each may end in ?weight=N; "" = smtp_url
    smtp_ca_file: Path | None = None  # CA bundle for relay certificates (tests: a self-signed one)
    smtp_helo_name: str | None = None  # EHLO name; should be the sending IP's FCrDNS name (A4)
    # egress addresses the SPF and FCrDNS checks are about (A1, A4); [] = the relays' addresses
    sending_ips: list[str] = Field(default_factory=list)
    # DNS for the preflight, SPF and DKIM lookups: [] = the system resolver (tests: a local zone)
    dns_nameservers: list[str] = Field(default_factory=list)
    dns_port: int = Field(53, ge=1, le=65535)
    dns_timeout_s: float = Field(5.0, gt=0)
    smtp_relay_cooldown_s: float = Field(30.0, ge=0)  # how long a refusing relay is skipped
    # Transactions in flight per worker process (and connections per relay per process): a
    # relay answering in 20 ms needs many at once. Crash bound: this many resends per process.
    smtp_connections: int = Field(12, ge=1, le=256)
    rate_global_per_s: float | None = None  # messages/s across all workers (Redis)
    rate_domain_per_s: str = ""  # e.g. "gmail.com=20,outlook.com=10,*=50" (recipient domains)
    rate_global_per_hour: int | None = None  # sliding window: at most N in any 3600 s
    rate_max_wait_s: float = Field(30.0, ge=0)  # longer waits return TEMPORARY with retry_after_s

    send_batch_size: int = Field(500, ge=1, le=10_000)
    fanout_chunk_size: int = Field(50_000, ge=100)
    recheck_every: int = Field(50, ge=1, description="messages claimed per stop/suppression check")
    recheck_interval_s: float = Field(0.5, gt=0, description="max seconds between stop checks")
    max_consecutive_errors: int = Field(20, ge=1)
    # a pause for temporary (4xx) failures resumes itself after this, doubling, this many times
    auto_resume_base_s: float = Field(60.0, gt=0)
    auto_resume_max: int = Field(5, ge=0)
    send_max_attempts: int = Field(5, ge=1)
    scan_interval_s: float = Field(5.0, gt=0)
    task_soft_time_limit_s: float = Field(300.0, gt=0, description="hard limit: 60 s later")
    worker_max_tasks_per_child: int = Field(1000, ge=1, description="recycle pool processes")
    beat_lock_ttl_s: float = Field(30.0, gt=1, description="one beat: lock lease, renewed")
    metrics_dir: Path = VAR_DIR / "metrics"  # multiprocess files of `worker --metrics-port`
    log_format: str = Field("text", pattern="^(text|json)$")  # json: one object per line
    beat_standby: bool = True  # a second beat waits for the lock (False: it exits)
    stale_claim_s: float = Field(120.0, gt=0)
    # send batches hold a Redis lease rewritten every refresh; claims outside live leases are a
    # dead worker's and are released after lease_ttl_s instead of stale_claim_s (issue 15)
    lease_ttl_s: float = Field(6.0, gt=0)
    lease_refresh_s: float = Field(1.5, gt=0)
    # Automation (service/automation): trigger/digest/welcome tick, partner feed fetching.
    automation_interval_s: float = Field(15.0, gt=0)
    feed_interval_s: float = Field(900.0, gt=0)
    feed_timeout_s: float = Field(10.0, gt=0)
    feed_max_bytes: int = Field(2_000_000, gt=0)
    feed_max_items: int = Field(50, gt=0)
    retry_base_s: float = Field(2.0, gt=0)
    inbound_max_bytes: int = Field(25 * 1024 * 1024, ge=1024, description="SMTP 552 above this")
    # receiver limits (issue 15, finding 14)
    inbound_max_connections: int = Field(100, ge=1)
    inbound_max_connections_per_client: int = Field(10, ge=1)
    inbound_max_recipients: int = Field(20, ge=1)
    inbound_messages_per_client_per_minute: int = Field(120, ge=1)
    # clients exempt from the per-client limits: the MTA in front of the receiver, if any
    inbound_trusted_clients: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    inbound_listen_host: str = "127.0.0.1"
    inbound_listen_port: int = Field(2525, ge=1, le=65535)
    imap_url: str | None = None  # imap[s]://user:password@host:port/MAILBOX to poll; None = off
    # one inbound message: soft limit (quarantined with the reason), then the hard kill
    inbound_task_soft_limit_s: float = Field(60.0, gt=0)
    inbound_task_hard_limit_s: float = Field(90.0, gt=0)
    inbound_webhook_token: str | None = None  # bearer token for POST /inbound/raw; None = off
    triage_coordinator_id: int | None = None
    inbound_sweep_after_s: float = Field(60.0, gt=0, description="re-enqueue unprocessed after")
    # topic -> keywords that route an edition-level reply when no announcement is named or quoted
    inbound_topic_rules: dict[str, list[str]] = Field(
        default_factory=dict
    )  # receives replies no rule could route
    bounce_score_threshold: float = Field(5.0, gt=0)
    bounce_stale_days: int = Field(7, ge=1)
    # Mailman's bounce_you_are_disabled_warnings(_interval): notices after disabling, then removal
    bounce_notice_count: int = Field(3, ge=0)
    bounce_notice_interval_days: int = Field(7, ge=1)
    # F6 sunset: ask subscribers with tracking consent and no human open/click for this many
    # campaigns (0 = off) or months (0 = off) to confirm, then stop mailing them after the grace
    sunset_enabled: bool = False
    sunset_after_campaigns: int = Field(10, ge=0)
    sunset_after_months: int = Field(12, ge=0)
    sunset_grace_days: int = Field(30, ge=1)
    # DMARC aggregate reports received at the bounce address: caps against hostile attachments
    dmarc_max_xml_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    dmarc_max_records: int = Field(100_000, ge=1)
    dmarc_own_ips: list[str] = Field(default_factory=list)  # our egress IPs; [] = every source
    # A8: policy rejections (5.7.x/4.7.x) from this many distinct recipient domains of one
    # campaign's real deliveries pause it
    policy_pause_threshold: int = Field(5, ge=1)
    # Feedback loops whose reports strip our original: acted on only from these sender domains,
    # and only with a verifying DKIM signature of that domain (issue 15, finding 1)
    fbl_domains: list[str] = Field(default_factory=list)
    # authserv-ids of our own MTA in front of the receiver, whose Authentication-Results
    # headers are believed (spf/dmarc for coordinator answers); empty = only DKIM counts
    trusted_authserv_ids: list[str] = Field(default_factory=list)
    # F4: user-reported complaints / delivered; warn above the first, block the next campaign at
    # or above the second until `complaint_clear_days` consecutive days stayed below it
    complaint_warn_rate: float = Field(0.001, ge=0)
    complaint_block_rate: float = Field(0.003, gt=0)
    complaint_clear_days: int = Field(7, ge=1)
    ack_interval_days: int = Field(7, ge=1)
    inquiry_reminder_days: int = Field(3, ge=1, description="remind coordinators after N days")
    # The coordinators' inbox: office calendars the response clock counts in (business hours
    # on working days that are not public holidays of the country/subdivision, `holidays` codes)
    office_calendars: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {
            "munich": {"timezone": "Europe/Berlin", "country": "DE", "subdiv": "BY",
                       "hours": "09:00-17:00"},
            "chicago": {"timezone": "America/Chicago", "country": "US", "subdiv": "",
                        "hours": "09:00-17:00"},
        }
    )  # fmt: skip
    inquiry_target_hours: float = Field(16.0, gt=0, description="first answer: 2 working days")
    inquiry_warn_before_hours: float = Field(4.0, ge=0, description="warn this long before due")
    inquiry_triage_after_hours: float = Field(
        8.0, ge=0, description="after escalating to the deputy, this long overdue: to triage"
    )
    inbox_clock_interval_s: float = Field(60.0, gt=0, description="beat period of the SLA check")
    triage_acknowledgement: bool = True  # acknowledge replies that land in triage
    # newsroom roles whose (enabled) users own triage besides the named owners, e.g. ["approver"]
    triage_owner_roles: list[str] = Field(default_factory=list)
    newsroom_url: str | None = None  # base of links in inbox mails; None = public_url
    timezone: str = "Europe/Berlin"
    missing_translation: str = Field("fallback", pattern="^(fallback|omit)$")
    tracking_default: str = Field("consent", pattern="^(off|aggregate|consent)$")
    tracking_stream: str = "newsdesk:tracking"  # Redis Stream buffering opens and clicks
    tracking_batch_size: int = Field(2000, ge=1, le=50_000)
    tracking_drain_s: float = Field(8.0, gt=0, description="longest run of one ingestion task")
    tracking_ingest_interval_s: float = Field(2.0, gt=0, description="beat interval of ingestion")
    tracking_claim_idle_s: float = Field(60.0, gt=0, description="reclaim dead consumers' entries")
    scanner_window_s: float = Field(10.0, ge=0, description="clicks this soon after send: machine")
    burst_window_s: float = Field(1.0, ge=0)
    burst_links: int = Field(3, ge=2, description="distinct links of one mail in a burst: machine")
    webhook_max_attempts: int = Field(8, ge=1)
    webhook_backoff_s: float = Field(30.0, gt=0, description="first retry delay, doubled each time")
    webhook_timeout_s: float = Field(5.0, gt=0)

    # Newsroom (web app): sessions, login throttling, the four-eyes rule.
    four_eyes: bool = True  # an approver may not approve their own work
    session_hours: float = Field(12.0, gt=0, description="absolute lifetime of a login")
    session_idle_minutes: int = Field(120, ge=1, description="logged out after this long idle")
    login_window_s: int = Field(900, ge=1, description="failed logins counted over this window")
    login_max_per_account: int = Field(5, ge=1, description="failures per account per window")
    login_max_per_network: int = Field(30, ge=1, description="failures per /24 (/64) per window")
    # OIDC single sign-on (e.g. a university IdP): on when issuer and client id are set.
    oidc_issuer: str | None = None  # discovery at <issuer>/.well-known/openid-configuration
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_label: str = "single sign-on"  # the login button reads "Log in with <label>"

    # Audience: double opt-in, consent, preferences, import, retention.
    doi_expiry_days: int = Field(7, ge=1, le=60)
    purge_unconfirmed_days: int = Field(30, ge=1)
    consent_version: str = Field("2026-11", max_length=32)
    mailing_lists: dict[str, str] = Field(
        default_factory=lambda: {
            "newsletter": "Partnership Newsletter",
            "ecr": "Early-Career Researchers",
        }
    )
    # The list a signup that names none joins (a form with only an e-mail address); unset: the
    # first of mailing_lists.
    default_list: str | None = Field(None, max_length=64)
    preference_topics: list[str] = Field(
        default_factory=lambda: ["lung", "ai-ml", "single-cell", "clinical", "research-stays"]
    )
    list_labels: dict[str, dict[str, str]] = Field(default_factory=lambda: defaults.LIST_LABELS)
    topic_labels: dict[str, dict[str, str]] = Field(default_factory=lambda: defaults.TOPIC_LABELS)
    profile_fields: list[ProfileField] = Field(
        default_factory=lambda: [ProfileField(**f) for f in defaults.PROFILE_FIELDS]
    )
    import_batch_size: int = Field(10_000, ge=1, le=50_000)
    tracking_ip_retention_days: int = Field(30, ge=1)
    tracking_event_retention_days: int = Field(400, ge=1)
    # raw bytes of processed inbound mail (replies, bounces, complaints) are cleared after this;
    # the metadata, verdict and the inquiry thread stay (STANDARDS D5)
    inbound_raw_retention_days: int = Field(90, ge=1)

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        """NEWSDESK_ENV=production refuses demo secrets, plain-http links, unsigned mail."""
        from service.production import production_problems

        if self.env == "production":
            problems = production_problems(self, PLACEHOLDER_SECRET)
            if problems:
                raise ValueError("NEWSDESK_ENV=production refuses to start: " + "; ".join(problems))
        return self

    @model_validator(mode="after")
    def _purge_after_expiry(self) -> Settings:
        """Unconfirmed rows outlive their confirmation links, so no live link meets a purged row."""
        if self.purge_unconfirmed_days < self.doi_expiry_days:
            raise ValueError("NEWSDESK_PURGE_UNCONFIRMED_DAYS must be >= NEWSDESK_DOI_EXPIRY_DAYS")
        return self

    @model_validator(mode="after")
    def _lists_configured(self) -> Settings:
        """At least one mailing list, and the default list is one of them."""
        if not self.mailing_lists:
            raise ValueError("NEWSDESK_MAILING_LISTS must name at least one list")
        if self.default_list is not None and self.default_list not in self.mailing_lists:
            raise ValueError(
                f"NEWSDESK_DEFAULT_LIST {self.default_list!r} is not one of NEWSDESK_MAILING_LISTS"
            )
        return self

    @property
    def signup_default_list(self) -> str:
        """The list a signup joins when it names none."""
        return self.default_list or next(iter(self.mailing_lists))

    @property
    def smtp(self) -> SmtpTarget:
        """The parsed SMTP relay."""
        return SmtpTarget(self.smtp_url)

    @property
    def secret_bytes(self) -> bytes:
        """The secret key as bytes for HMAC and encryption keys."""
        return self.secret_key.encode()


def is_production(settings: Settings) -> bool:
    """NEWSDESK_ENV=production, set explicitly (never guessed from the URLs)."""
    return settings.env == "production"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the demo change the environment)."""
    get_settings.cache_clear()
