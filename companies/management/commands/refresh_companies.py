"""`manage.py refresh_companies`: fetch profiles and statements from Yahoo for due companies."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from companies import selectors
from companies.refresh import companies_refresh


class Command(BaseCommand):
    help = (
        "Refresh the fundamentals of the companies whose data is oldest (or --tickers). "
        "Fails only when nothing at all could be refreshed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=settings.REFRESH_BATCH,
            help="take at most N companies from the queue (REFRESH_BATCH, %(default)s)",
            metavar="N",
        )
        parser.add_argument(
            "--tickers",
            help="refresh these comma-separated ASX codes, due or not, e.g. BHP,CSL",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=settings.REFRESH_CONCURRENCY,
            help="companies in flight at once (REFRESH_CONCURRENCY, %(default)s)",
            metavar="K",
        )
        parser.add_argument(
            "--budget",
            type=float,
            default=settings.REFRESH_BUDGET_SECONDS,
            help=(
                "seconds the run may take; no company starts when too little is left "
                "(REFRESH_BUDGET_SECONDS, %(default)g)"
            ),
            metavar="S",
        )

    def handle(self, *args, limit, tickers, concurrency, budget, **options):
        wanted = [t.strip().upper() for t in tickers.split(",") if t.strip()] if tickers else None
        bar = None

        def progress(total):
            nonlocal bar
            bar = tqdm(total=total, desc="companies", unit="", disable=None, file=self.stderr)
            return lambda: bar.update(1)

        report = companies_refresh(
            tickers=wanted,
            limit=limit,
            concurrency=concurrency,
            budget_seconds=budget,
            progress=progress,
        )
        if bar is not None:
            bar.close()
        if wanted is None and not report.outcomes:
            self.stdout.write(_nothing_due(now=timezone.now()))
            return
        self.stdout.write(
            f"refreshed {report.succeeded}, failed {report.failed}, "
            f"deferred {report.deferred} in {report.seconds:.1f} s"
        )
        if report.attempted and not report.succeeded:
            raise CommandError(f"nothing could be refreshed ({report.failed} failed)")


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
