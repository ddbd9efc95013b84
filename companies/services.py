"""Every write to the table but market data's (companies/market/services.py): creating it,
loading the ASX directory into it, storing what a fundamentals refresh fetched, and the init
ledger (spent proofs and the per-minute STS count).

Loading is an idempotent upsert. It reads the current directory entries once (two index queries),
then writes only what changed: new companies in batches, changed names, groups and market caps as
partial updates (so a profile, statements or refresh state written later is never erased), and
companies missing from the new list marked delisted, never deleted.
"""

import datetime
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from pynamodb.exceptions import DeleteError, PutError, UpdateError

from companies import iam_init
from companies.finding.search import forget_index
from companies.models import (
    ALL_MODELS,
    DELISTED,
    DIRECTORY_SORT_KEYS,
    INIT_PROOF_RECORD,
    INIT_STS_RECORD,
    LISTED,
    REFRESH_OK,
    SAMPLE_SOURCE,
    STATEMENT_RECORD,
    Company,
    InitProof,
    InitStsMinute,
    SiteStats,
    Statement,
    index_key,
    sort_keys,
)
from scraping import asx
from scraping.asx import Directory, DirectoryRow

if TYPE_CHECKING:  # the web path must not import pandas, which normalize needs
    from scraping.normalize import CompanyFundamentals

log = logging.getLogger(__name__)

CONDITION_FAILED = "ConditionalCheckFailedException"

UPDATE_THREADS = 8


def table_create(*, wait: bool = True) -> list[str]:
    """Create the table with all its indexes, or bring an existing table's indexes up to the
    models: add the missing ones and rebuild those whose projection changed (delete, then
    create; one at a time, as DynamoDB requires). Returns what it did: "table", index names,
    and "<name> (rebuilt)"; and turns on time to live (models.TTL_ATTRIBUTE) where it is off
    ("time to live"). Needs dynamodb:DescribeTimeToLive and dynamodb:UpdateTimeToLive too."""
    from companies.models import TTL_ATTRIBUTE

    model = ALL_MODELS[0]
    client = model._get_connection().connection.client
    table_name = model.Meta.table_name

    def ttl_enable() -> list[str]:
        ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if ttl["TimeToLiveStatus"] != "DISABLED":
            return []  # on, or on its way on or off: DynamoDB allows one change at a time
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
        return ["time to live"]

    if not model.exists():
        model.create_table(wait=wait)
        ttl_enable()
        return ["table"]
    table = client.describe_table(TableName=table_name)["Table"]
    present = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    done = ttl_enable()
    for index in model._get_schema()["global_secondary_indexes"]:
        name = index["index_name"]
        if name in present and _same_projection(present[name]["Projection"], index["projection"]):
            continue
        if name in present:
            client.update_table(
                TableName=table_name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}]
            )
            _wait_for_index(client, table_name, name, gone=True)
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=index["attribute_definitions"],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": name,
                        "KeySchema": _hash_first(index["key_schema"]),
                        "Projection": index["projection"],
                    }
                }
            ],
        )
        if wait:
            _wait_for_index(client, table_name, name)
        done.append(f"{name} (rebuilt)" if name in present else name)
    return done


def _same_projection(stored: dict, wanted: dict) -> bool:
    return stored.get("ProjectionType") == wanted.get("ProjectionType") and set(
        stored.get("NonKeyAttributes", [])
    ) == set(wanted.get("NonKeyAttributes", []))


def _hash_first(key_schema: list[dict]) -> list[dict]:
    return sorted(key_schema, key=lambda key: key["KeyType"] != "HASH")


def _wait_for_index(
    client, table_name: str, index_name: str, *, gone: bool = False, timeout: float = 600
) -> None:
    """Until the index is ACTIVE (or, with `gone`, deleted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        table = client.describe_table(TableName=table_name)["Table"]
        status = {i["IndexName"]: i["IndexStatus"] for i in table.get("GlobalSecondaryIndexes", [])}
        if (index_name not in status) if gone else (status.get(index_name) == "ACTIVE"):
            return
        time.sleep(0.5 if gone else 2)
    raise TimeoutError(f"index {index_name} of {table_name} not ready after {timeout:.0f} s")


@dataclass
class DirectoryLoadResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    delisted: int = 0
    relisted: int = 0
    rejected: list = field(default_factory=list)

    @property
    def listed(self) -> int:
        return self.added + self.updated + self.unchanged + self.relisted


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


UNKNOWN = {"name": "", "industry_group": None, "listing_date": None, "market_cap": None}


def _directory_fields(row: DirectoryRow, published: frozenset[str]) -> dict:
    """The row's values of the fields its file publishes (a field it lacks is left alone)."""
    fields = {
        "name": row.name,
        "industry_group": row.industry_group,
        "listing_date": row.listing_date.isoformat() if row.listing_date else None,
        "market_cap": row.market_cap,
    }
    return {name: value for name, value in fields.items() if name in published}


def _existing_companies() -> dict[str, Company]:
    existing = {}
    for status in (LISTED, DELISTED):
        for company in Company.ticker_index.query(status):
            existing[company.ticker] = company
    return existing


def _current_fields(company: Company, published: frozenset[str]) -> dict:
    fields = {
        "name": company.name,
        "industry_group": company.industry_group,
        "listing_date": company.listing_date,
        "market_cap": None if company.market_cap is None else int(company.market_cap),
    }
    return {name: value for name, value in fields.items() if name in published}


def _update_actions(company: Company, fields: dict, *, status: str, seen: datetime.datetime):
    # Only the keys of the columns being written: the refresh owns by_last_updated and
    # by_refresh_due, and a column the file does not publish keeps its key.
    current = {
        "name": company.name,
        "market_cap": company.market_cap,
        "listing_date": company.listing_date,
        "industry_group": company.industry_group,
    }
    all_keys = sort_keys(ticker=company.ticker, last_updated_iso=None, **{**current, **fields})
    keys = {
        attribute: all_keys[attribute]
        for column, attribute in DIRECTORY_SORT_KEYS.items()
        if column == "ticker" or column in fields
    }
    if company.price_market_cap is not None:  # the listing orders by the price-based cap
        keys.pop(DIRECTORY_SORT_KEYS["market_cap"], None)
    actions = [
        Company.directory_seen.set(seen),
        Company.listing_status.set(status),
        # a company stored before the refresh queue existed joins it, due now
        Company.by_refresh_due.set(Company.by_refresh_due | index_key(None, company.ticker)),
        Company.by_prices_due.set(Company.by_prices_due | index_key(None, company.ticker)),
    ]
    for name, value in {**fields, **keys}.items():
        attribute = getattr(Company, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    if status == LISTED:
        actions.append(Company.delisted_on.remove())
    return actions


SAMPLE_DIRECTORY = Path(__file__).resolve().parent / "sample_data" / "directory.csv"


def directory_fetch(
    *, path: str | Path | None = None, url: str | None = None, sample: bool = False
) -> Directory:
    """The ASX directory from a file on disk (`path`), the bundled sample (`sample`), `url`, or
    else the ASX's download with its fallback (ASX_DIRECTORY_URL, ASX_DIRECTORY_FALLBACK_URL).

    Raises DirectoryUnavailable (no URL answered usefully), DirectoryFormatError (not a
    directory) or OSError (an unreadable file)."""
    if sample:
        return asx.read_directory_file(SAMPLE_DIRECTORY)
    if path:
        return asx.read_directory_file(path)
    urls = [url] if url else [settings.ASX_DIRECTORY_URL, settings.ASX_DIRECTORY_FALLBACK_URL]
    return asx.fetch_directory(urls=urls)


class DirectoryShrank(Exception):
    """The new directory lists far fewer companies than the table: probably a broken download."""


def directory_load(
    *,
    directory: Directory,
    sample_data: bool = False,
    allow_shrink: bool = False,
    progress: Callable[[Iterable, int], Iterable] = lambda items, total: items,
) -> DirectoryLoadResult:
    """Upsert `directory` into the table and mark companies absent from it as delisted.

    Raises DirectoryShrank, writing nothing, when the directory lists fewer than half the
    companies listed now (unless `allow_shrink`): a truncated download must not delist the market.
    `progress(items, total)` wraps each batch of writes (a progress bar when a person watches).
    """
    existing = _existing_companies()
    listed_before = sum(1 for c in existing.values() if c.listing_status == LISTED)
    if not allow_shrink and len(directory.rows) < listed_before / 2:
        raise DirectoryShrank(
            f"{directory.source} lists {len(directory.rows)} companies but the table lists "
            f"{listed_before}; refusing to delist the rest (use --allow-shrink if this is right)"
        )
    result = DirectoryLoadResult(rejected=list(directory.rejected))
    seen = _now()
    added, updates = [], []
    # A company on a line that could not load is still listed: it is neither changed nor delisted.
    listed_now = {rejected.ticker for rejected in directory.rejected if rejected.ticker}
    for row in directory.rows:
        listed_now.add(row.ticker)
        fields = _directory_fields(row, directory.fields)
        company = existing.get(row.ticker)
        if company is None:
            added.append(
                Company(
                    row.ticker,
                    listing_status=LISTED,
                    directory_seen=seen,
                    **{k: v for k, v in fields.items() if v is not None},
                    **sort_keys(ticker=row.ticker, last_updated_iso=None, **{**UNKNOWN, **fields}),
                )
            )
        elif (
            company.listing_status == DELISTED
            or _current_fields(company, directory.fields) != fields
        ):
            updates.append((company, _update_actions(company, fields, status=LISTED, seen=seen)))
            if company.listing_status == DELISTED:
                result.relisted += 1
            else:
                result.updated += 1
        else:
            result.unchanged += 1
    result.added = len(added)

    def write(update):
        company, actions = update
        return company.update(actions=actions)

    # New companies go in batches; changes are partial updates, several in flight at once.
    with Company.batch_write() as batch:
        for company in progress(added, len(added)):
            batch.save(company)
    with ThreadPoolExecutor(max_workers=UPDATE_THREADS) as pool:
        for _ in progress(pool.map(write, updates), len(updates)):
            pass
    for ticker, company in existing.items():
        if ticker not in listed_now and company.listing_status == LISTED:
            company.update(
                actions=[Company.listing_status.set(DELISTED), Company.delisted_on.set(seen)]
            )
            result.delisted += 1
    SiteStats(
        listed_count=result.listed,
        directory_loaded=seen,
        directory_source=directory.source,
        sample_data=int(sample_data),
    ).save()
    cache.clear()
    forget_index()  # this process's search index; other processes' expire on their own
    log.info(
        "directory_load source=%s added=%d updated=%d unchanged=%d relisted=%d delisted=%d "
        "rejected=%d",
        directory.source,
        result.added,
        result.updated,
        result.unchanged,
        result.relisted,
        result.delisted,
        len(result.rejected),
    )
    return result


# --- fundamentals -------------------------------------------------------------------------------


def company_fundamentals_store(
    *,
    ticker: str,
    fundamentals: "CompanyFundamentals",
    fetched_at: datetime.datetime,
    next_attempt: datetime.datetime,
    source: str = "yahoo",
) -> int:
    """Store a successful fetch: every period it returned (updating those periods, leaving every
    other stored period alone, and keeping any figure stored before that this fetch lacks), the
    profile, and the refresh state. Returns periods written (one Query, then batch writes).

    Sample data never stands beside real data: a fetch whose `source` is not SAMPLE_SOURCE
    replaces the company's stored sample periods. Those it returned are overwritten (no sample
    figure is kept in them); every other one is deleted, each with a DeleteItem on condition
    that it is still sample data, so a real period is never deleted. A company without sample
    periods costs no DeleteItem.

    The company must already be in the directory (PutError/UpdateError otherwise); a fetch never
    creates a company.
    """
    stored = {
        item.record: item
        for item in Statement.query(
            ticker,
            Statement.record.startswith(f"{STATEMENT_RECORD}#"),
            attributes_to_get=["sk", "values", "source"],
        )
    }
    replaces_sample = source != SAMPLE_SOURCE
    written = set()
    with Statement.batch_write() as batch:
        for period in fundamentals.periods:
            end = period.end.isoformat()
            record = Statement.record_key(
                period_type=period.period_type, statement=period.statement, end=end
            )
            written.add(record)
            values = {key: _json_number(value) for key, value in period.values.items()}
            # A figure stored before and absent (or not reported) in this fetch is kept, unless
            # it is a sample figure and this fetch is real.
            before = stored.get(record)
            if before is not None and not (replaces_sample and before.source == SAMPLE_SOURCE):
                for key, value in (before.values or {}).items():
                    if values.get(key) is None and value is not None:
                        values[key] = value
            batch.save(
                Statement(
                    ticker,
                    record,
                    statement=period.statement,
                    period_type=period.period_type,
                    period_end=end,
                    months=period.months,
                    currency=period.currency,
                    values=values,
                    fetched=fetched_at,
                    source=source,
                )
            )
    if replaces_sample:
        # Before the company says it holds real data: if this fails, the refresh records a
        # storage error, the company keeps its "sample" mark and stays due, and the next fetch
        # deletes what is left.
        _sample_periods_delete(
            ticker=ticker,
            records=[
                record
                for record, item in stored.items()
                if item.source == SAMPLE_SOURCE and record not in written
            ],
        )
    profile = dict(fundamentals.profile)
    currency = profile.get("financial_currency") or profile.get("currency")
    Company(ticker).update(
        actions=[
            Company.profile.set(profile),
            Company.financial_currency.set(currency)
            if currency
            else Company.financial_currency.remove(),
            Company.data_source.set(source),
            Company.last_updated.set(fetched_at),
            Company.last_attempt.set(fetched_at),
            Company.last_outcome.set(REFRESH_OK),
            Company.last_error.remove(),
            Company.failure_count.set(0),
            Company.next_attempt.set(next_attempt),
            Company.by_last_updated.set(index_key(_iso(fetched_at), ticker)),
            Company.by_refresh_due.set(index_key(_iso(next_attempt), ticker)),
        ],
        condition=Company.ticker.exists(),
    )
    return len(fundamentals.periods)


def _sample_periods_delete(*, ticker: str, records: list[str]) -> int:
    """Delete these sample periods of `ticker`, each only while its source is still
    SAMPLE_SOURCE (one that turned real meanwhile is left alone). Returns how many went."""
    deleted = 0
    for record in records:
        try:
            Statement(ticker, record).delete(condition=Statement.source == SAMPLE_SOURCE)
        except DeleteError as exc:
            if exc.cause_response_code != CONDITION_FAILED:
                raise
            continue
        deleted += 1
    if deleted:
        log.info("sample_periods_delete ticker=%s deleted=%d", ticker, deleted)
    return deleted


def company_refresh_failed(
    *,
    ticker: str,
    outcome: str,
    detail: str,
    attempted_at: datetime.datetime,
    next_attempt: datetime.datetime,
    failure_count: int,
    profile: dict | None = None,
) -> None:
    """Record a failed fetch and when to try again, in one UpdateItem; every stored figure
    stays as it was, and so does `last_updated` (the last success).

    `profile` (a plain dict as `scraping.normalize.profile_fields` gives it) is what the fetch
    did learn, e.g. with "no statements": it replaces the stored profile, and its financial (or
    else trading) currency replaces the stored one when it names one. Without it the profile
    and currency are left alone."""
    actions = [
        Company.last_attempt.set(attempted_at),
        Company.last_outcome.set(outcome),
        Company.last_error.set(detail[:300]),
        Company.failure_count.set(failure_count),
        Company.next_attempt.set(next_attempt),
        Company.by_refresh_due.set(index_key(_iso(next_attempt), ticker)),
    ]
    if profile is not None:
        actions.append(Company.profile.set(dict(profile)))
        currency = profile.get("financial_currency") or profile.get("currency")
        if currency:
            actions.append(Company.financial_currency.set(currency))
    Company(ticker).update(actions=actions, condition=Company.ticker.exists())


def _json_number(value):
    """Decimal -> float for JSON storage: Yahoo's figures are float64, so the float is exact."""
    if value is None or isinstance(value, int):
        return value
    return float(value)


# --- the init ledger: the only writes the web path makes -------------------------------------


def init_proof_claim(*, proof_id: str, expires: datetime.datetime) -> None:
    """Record the proof `proof_id` (iam_init.proof_id) as used, until `expires` (aware).
    Raises iam_init.ProofReused when it was recorded before: one conditional PutItem."""
    try:
        InitProof(sk=f"{INIT_PROOF_RECORD}{proof_id}", expires=expires).save(
            condition=InitProof.sk.does_not_exist()
        )
    except PutError as exc:
        if exc.cause_response_code == CONDITION_FAILED:
            raise iam_init.ProofReused("proof already used") from exc
        raise


def init_sts_call_take(*, now: datetime.datetime, limit: int) -> int:
    """Count one STS verification in the UTC minute of `now` (aware), site-wide; returns the
    minute's count. Raises iam_init.StsRateLimited, counting nothing, when `limit` have been made
    this minute: one UpdateItem, ADD on condition that the count is under the limit."""
    if limit <= 0:  # INIT_STS_PER_MINUTE=0: proofs are not checked at all
        raise iam_init.StsRateLimited("no STS verifications allowed")
    minute = now.astimezone(datetime.UTC).replace(second=0, microsecond=0)
    counter = InitStsMinute(sk=f"{INIT_STS_RECORD}{minute:%Y-%m-%dT%H:%M}")
    try:
        counter.update(
            actions=[
                InitStsMinute.calls.add(1),
                InitStsMinute.expires.set(minute + datetime.timedelta(minutes=5)),
            ],
            condition=InitStsMinute.calls.does_not_exist() | (InitStsMinute.calls < limit),
        )
    except UpdateError as exc:
        if exc.cause_response_code == CONDITION_FAILED:
            raise iam_init.StsRateLimited(f"{limit} STS verifications this minute") from exc
        raise
    return counter.calls
