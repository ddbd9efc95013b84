"""`manage.py refresh_prices`: fetch new daily prices, dividends and splits from Yahoo."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from companies.market.refresh import prices_refresh


class Command(BaseCommand):
    help = (
        "Refresh the prices, dividends, quote and valuation of the companies due (or --tickers): "
        "the days since the newest stored bar, the whole history the first time and when a new "
        "dividend or split changes the adjusted closes. Fails only when nothing could be refreshed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=settings.PRICES_BATCH,
            help="at most this many companies, most overdue first (default PRICES_BATCH)",
        )
        parser.add_argument(
            "--tickers", help="comma-separated ASX codes to refresh now, due or not, e.g. BHP,CBA"
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=settings.REFRESH_CONCURRENCY,
            help="companies in flight at once (default REFRESH_CONCURRENCY)",
        )
        parser.add_argument(
            "--budget",
            type=float,
            default=settings.REFRESH_BUDGET_SECONDS,
            help="seconds after which no company starts (default REFRESH_BUDGET_SECONDS)",
        )

    def handle(self, *args, limit, tickers, concurrency, budget, **options):
        wanted = [t.strip().upper() for t in tickers.split(",") if t.strip()] if tickers else None
        bar = None

        def progress(total):
            nonlocal bar
            bar = tqdm(total=total, desc="companies", unit="", disable=None, file=self.stderr)
            return lambda: bar.update(1)

        report = prices_refresh(
            tickers=wanted,
            limit=limit,
            concurrency=concurrency,
            budget_seconds=budget,
            progress=progress,
        )
        if bar is not None:
            bar.close()
        self.stdout.write(
            f"prices refreshed {report.succeeded}, failed {report.failed}, "
            f"deferred {report.deferred} in {report.seconds:.1f} s"
        )
        if report.attempted and not report.succeeded:
            raise CommandError(f"no prices could be refreshed ({report.failed} failed)")
