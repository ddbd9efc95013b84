"""What `refresh_companies` and `refresh_prices` share: their options, a progress bar, the
summary line, and failing only when nothing at all could be refreshed. (A leading underscore
keeps Django from offering this module as a command.)"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm


class RefreshCommand(BaseCommand):
    batch_setting = "REFRESH_BATCH"  # the setting --limit defaults to
    done = "refreshed"  # the summary's verb
    nothing = "nothing could be refreshed"  # the error when every attempt failed

    def refresh(self, **kwargs):
        """Run the refresh: `tickers`, `limit`, `concurrency`, `budget_seconds`, `progress`."""
        raise NotImplementedError

    def nothing_due(self) -> str | None:
        """What to say when the queue held nothing due (None: say the usual summary)."""
        return None

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=getattr(settings, self.batch_setting),
            help=f"take at most N companies from the queue ({self.batch_setting}, %(default)s)",
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

        report = self.refresh(
            tickers=wanted,
            limit=limit,
            concurrency=concurrency,
            budget_seconds=budget,
            progress=progress,
        )
        if bar is not None:
            bar.close()
        if report.paused_until and not report.outcomes:
            self.stdout.write(
                "nothing asked: Yahoo rate limited the last run, no request before "
                f"{timezone.localtime(report.paused_until):%Y-%m-%d %H:%M %Z}"
            )
            return
        if wanted is None and not report.outcomes:
            message = self.nothing_due()
            if message:
                self.stdout.write(message)
                return
        taken = f", taken by another run {report.skipped}" if report.skipped else ""
        self.stdout.write(
            f"{self.done} {report.succeeded}, failed {report.failed}, "
            f"deferred {report.deferred}{taken} in {report.seconds:.1f} s"
        )
        if report.rate_limited and report.paused_until:
            self.stdout.write(
                "Yahoo answered 429 to companies in a row: no run asks it again before "
                f"{timezone.localtime(report.paused_until):%Y-%m-%d %H:%M %Z}"
            )
        if report.attempted and not report.succeeded:
            raise CommandError(f"{self.nothing} ({report.failed} failed)")
