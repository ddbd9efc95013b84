"""Every write to the table: creating it, and loading the ASX directory into it.

Loading is an idempotent upsert. It reads the current directory entries once (two index queries),
then writes only what changed: new companies in batches, changed names, groups and market caps as
partial updates (so a profile, statements or refresh state written later is never erased), and
companies missing from the new list marked delisted, never deleted.
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.cache import cache

from companies.models import (
    ALL_MODELS,
    DELISTED,
    LISTED,
    Company,
    SiteStats,
    sort_keys,
)
from scraping.asx import Directory, DirectoryRow

log = logging.getLogger(__name__)


def directory_is_empty() -> bool:
    return not list(Company.ticker_index.query(LISTED, limit=1))


def table_create(*, wait: bool = True) -> bool:
    """Create the table with all its indexes if it is missing. Returns True when it created it."""
    model = ALL_MODELS[0]
    if model.exists():
        return False
    model.create_table(wait=wait)
    return True


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


def _directory_fields(row: DirectoryRow) -> dict:
    return {
        "name": row.name,
        "industry_group": row.industry_group,
        "listing_date": row.listing_date.isoformat() if row.listing_date else None,
        "market_cap": row.market_cap,
    }


def _existing_companies() -> dict[str, Company]:
    existing = {}
    for status in (LISTED, DELISTED):
        for company in Company.ticker_index.query(status):
            existing[company.ticker] = company
    return existing


def _current_fields(company: Company) -> dict:
    return {
        "name": company.name,
        "industry_group": company.industry_group,
        "listing_date": company.listing_date,
        "market_cap": None if company.market_cap is None else int(company.market_cap),
    }


def _update_actions(company: Company, fields: dict, *, status: str, seen: datetime.datetime):
    keys = sort_keys(
        ticker=company.ticker,
        last_updated_iso=_iso(company.last_updated),
        **fields,
    )
    actions = [Company.directory_seen.set(seen), Company.listing_status.set(status)]
    for name, value in {**fields, **keys}.items():
        attribute = getattr(Company, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    if status == LISTED:
        actions.append(Company.delisted_on.remove())
    return actions


class DirectoryShrank(Exception):
    """The new directory lists far fewer companies than the table: probably a broken download."""


def directory_load(
    *,
    directory: Directory,
    sample_data: bool = False,
    allow_shrink: bool = False,
    progress: Callable[[Iterable], Iterable] = lambda rows: rows,
) -> DirectoryLoadResult:
    """Upsert `directory` into the table and mark companies absent from it as delisted.

    Raises DirectoryShrank, writing nothing, when the directory lists fewer than half the
    companies listed now (unless `allow_shrink`): a truncated download must not delist the market.
    `progress` wraps the row iterable (a progress bar when a person is watching).
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
    listed_now = set()
    with Company.batch_write() as batch:
        for row in progress(directory.rows):
            listed_now.add(row.ticker)
            fields = _directory_fields(row)
            company = existing.get(row.ticker)
            if company is None:
                batch.save(
                    Company(
                        row.ticker,
                        listing_status=LISTED,
                        directory_seen=seen,
                        **{k: v for k, v in fields.items() if v is not None},
                        **sort_keys(ticker=row.ticker, last_updated_iso=None, **fields),
                    )
                )
                result.added += 1
            elif company.listing_status == DELISTED:
                company.update(actions=_update_actions(company, fields, status=LISTED, seen=seen))
                result.relisted += 1
            elif _current_fields(company) != fields:
                company.update(actions=_update_actions(company, fields, status=LISTED, seen=seen))
                result.updated += 1
            else:
                result.unchanged += 1
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
