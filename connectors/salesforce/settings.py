"""Connection settings for Salesforce, loaded with ``connectors.settings.load_settings``.

Every setting can be set in the ``[salesforce]`` table of ``erpsync.toml`` or in the environment
as ``ERPSYNC_SALESFORCE_<SETTING>`` (``ERPSYNC_SALESFORCE_LOGIN_URL``, ...). The ``SecretStr``
ones (``password``, ``security_token``, ``client_secret``) come only from the environment or a
secret resolver: ``load_settings`` refuses them in the file.

Which settings a grant needs (validated here, so a missing one fails before any call):

===================  ===========================================================
``password``         ``username``, ``password`` (+ ``security_token``), ``client_id``
``client_credentials``  ``client_id``, ``client_secret``
``jwt``              ``username``, ``client_id``, ``private_key_file``
===================  ===========================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

AuthGrant = Literal["password", "client_credentials", "jwt"]

_REQUIRED_BY_GRANT: dict[str, tuple[str, ...]] = {
    "password": ("username", "password", "client_id"),
    "client_credentials": ("client_id", "client_secret"),
    "jwt": ("username", "client_id", "private_key_file"),
}


class SalesforceSettings(BaseModel):
    """How to reach and authenticate against one Salesforce org (or the local sandbox)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    login_url: str = Field(
        description="Base URL of the OAuth server; the token endpoint is "
        "``<login_url>/services/oauth2/token`` (https://login.salesforce.com, "
        "https://test.salesforce.com, a My Domain URL or the sandbox URL)."
    )
    instance_url: str | None = Field(
        None,
        description="Where the REST API calls go. Normally left unset: the token endpoint "
        "answers the org's instance_url with every token. Set it when calls must take another "
        "address of the same org (a proxy in front of it, or a My Domain URL the token "
        "endpoint does not name); it must be https.",
    )
    api_version: str = Field("62.0", pattern=r"^\d{2,3}\.0$", description="REST API version.")
    auth: AuthGrant = Field("password", description="OAuth 2.0 grant used to get a token.")
    username: str | None = Field(None, description="Integration user (password and jwt grants).")
    password: SecretStr | None = Field(None, description="The user's password (password grant).")
    security_token: SecretStr | None = Field(
        None, description="Appended to the password when the org requires it (password grant)."
    )
    client_id: str | None = Field(None, description="Consumer key of the connected app.")
    client_secret: SecretStr | None = Field(None, description="Consumer secret of the app.")
    private_key_file: Path | None = Field(
        None, description="PEM RSA key whose certificate is uploaded to the app (jwt grant)."
    )
    jwt_audience: str | None = Field(
        None, description="``aud`` claim of the JWT assertion; defaults to ``login_url``."
    )
    ca_bundle: str | None = Field(
        None, description="CA bundle to verify TLS with (the sandbox's own CA); None = system CAs."
    )
    timeout: float = Field(30.0, gt=0, description="Seconds per HTTP request.")
    max_retries: int = Field(4, ge=0, le=10, description="Retries of a transient failure.")
    retry_backoff_seconds: float = Field(0.5, ge=0, description="First backoff between retries.")
    retry_backoff_max_seconds: float = Field(30.0, ge=0, description="Longest single backoff.")
    query_page_size: int = Field(
        2000, ge=200, le=2000, description="Sforce-Query-Options batchSize (200..2000)."
    )
    lookback_seconds: int = Field(
        60,
        ge=0,
        description="Read changes from this long before the cursor: SystemModstamp is stamped "
        "when a transaction starts, so a long transaction can commit a smaller stamp after a "
        "read has passed it.",
    )
    describe_cache_seconds: float = Field(
        600.0,
        ge=0,
        description="Connectors of one process share describe answers of the same org and "
        "user for this long (0: each connector describes for itself): a run that follows "
        "another within it checks its mapping without a describe call. A call refused for "
        "an unknown field or type forgets them at once.",
    )
    delete_window_check: Literal["clock", "getdeleted"] = Field(
        "clock",
        description="How a run decides that queryAll still sees every delete since its "
        "cursor. ``clock``: by the cursor's age on the org's clock (the recycle bin keeps "
        "deletes 15 days; a cursor more than a day inside that needs no call, one near the "
        "edge asks getDeleted). ``getdeleted``: ask getDeleted every run, which also notices "
        "deletes purged early (an admin emptying the recycle bin, hard deletes through the "
        "Bulk API) and then reconciles key sets; one call more per run.",
    )
    write_batch_size: int = Field(200, ge=1, le=200, description="Records per sObject Collection.")
    read_by_chunk_size: int = Field(
        200, ge=1, le=1000, description="Values per ``IN (...)`` query in read_by."
    )
    bulk_threshold: int = Field(
        2000,
        ge=1,
        description="A write_batch call with more records than this sends its upserts and "
        "updates through Bulk API 2.0 (one job per route) instead of sObject Collections.",
    )
    bulk_poll_seconds: float = Field(
        1.0, gt=0, description="First wait between two polls of a Bulk job's state."
    )
    bulk_poll_max_seconds: float = Field(
        30.0, gt=0, description="Longest wait between two polls (the wait doubles up to it)."
    )
    bulk_timeout_seconds: float = Field(
        3600.0,
        gt=0,
        description="Give up waiting for a Bulk job after this long; its records fail as "
        "transient (upserts by External ID make the next run's resend harmless).",
    )
    bulk_max_upload_bytes: int = Field(
        100_000_000,
        ge=1_000,
        description="CSV bytes per Bulk job: Salesforce takes 150 MB after base64, i.e. "
        "about 100 MB of CSV.",
    )
    api_budget_share: float | None = Field(
        0.5,
        gt=0,
        le=1,
        description="Most of the org's daily API allowance (the limit in Sforce-Limit-Info) "
        "one connector, i.e. one run, may spend; None for no budget of our own.",
    )
    limit_resume_after_seconds: float = Field(
        3600.0,
        ge=0,
        description="When the org's daily allowance is spent, suggest resuming this long "
        "after: Salesforce counts the allowance over a rolling 24 hours, so calls free up "
        "gradually and no exact reset time exists.",
    )

    @field_validator("login_url", "instance_url")
    @classmethod
    def _https_only(cls, value: str | None) -> str | None:
        # Credentials (and the access token) travel to these URLs in the clear otherwise.
        if value is None:
            return None
        if not value.startswith("https://"):
            raise ValueError("must start with https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _grant_has_what_it_needs(self) -> SalesforceSettings:
        missing = [name for name in _REQUIRED_BY_GRANT[self.auth] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"auth={self.auth!r} needs {', '.join(missing)}")
        return self

    @property
    def token_url(self) -> str:
        return self.login_url + "/services/oauth2/token"
