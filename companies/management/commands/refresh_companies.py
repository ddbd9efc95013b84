"""`manage.py refresh_companies`: fetch profiles and statements from Yahoo for due companies."""

import datetime

from django.conf import settings
from django.utils import timezone

from companies import selectors
from companies.management.commands._refresh import RefreshCommand
from companies.refresh import companies_refresh


class Command(RefreshCommand):
    help = (
        "Refresh the fundamentals of the companies whose data is oldest (or --tickers). "
        "Fails only when nothing at all could be refreshed."
    )

    def refresh(self, **kwargs):
        return companies_refresh(**kwargs)

    def nothing_due(self) -> str:
        return _nothing_due(now=timezone.now())


def _nothing_due(*, now: datetime.datetime) -> str:
    """Why a run found no company due, and when the next one is."""
    # The whole queue is due by the end of time: its head is the company due next.
    head = selectors.companies_due(now=datetime.datetime.max.replace(tzinfo=datetime.UTC), limit=1)
    company = selectors.company_get(ticker=head[0]) if head else None
    if company is None:
        return "nothing due: no company is listed (load the directory: manage.py init_companies)"
    reason = (
        "nothing due: every listed company was refreshed within REFRESH_INTERVAL_HOURS "
        f"({settings.REFRESH_INTERVAL_HOURS:g} h) or is waiting out the backoff after a failure"
    )
    if company.next_attempt is None or company.next_attempt <= now:
        return f"{reason}; next due: {company.ticker}, now"
    wait = int((company.next_attempt - now).total_seconds() // 60)
    return (
        f"{reason}; next due: {company.ticker} at "
        f"{timezone.localtime(company.next_attempt):%Y-%m-%d %H:%M %Z} "
        f"(in {wait // 60} h {wait % 60:02d} min, last outcome {company.last_outcome or 'none'!r})"
    )
