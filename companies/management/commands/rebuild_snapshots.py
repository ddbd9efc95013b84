"""`manage.py rebuild_snapshots`: the screener's metrics snapshot of every company, worked out
again from stored data (after an upgrade, or to repair one)."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from companies.screening import services


class Command(BaseCommand):
    help = (
        "Work out every company's screener snapshot (directory fields, the latest fiscal "
        "year's figures in A$, price and multiples) from what the table stores, and write those "
        "that changed. Idempotent; run it once after an upgrade that changes the snapshot. "
        "Reads each company and its annual statements, never Yahoo."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tickers", help="only these comma-separated ASX codes, e.g. BHP,CSL", default=None
        )
        parser.add_argument(
            "--missing",
            action="store_true",
            help="only companies without a snapshot of this version",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="work everything out and count what would change, writing nothing",
        )

    def handle(self, *args, tickers, missing, dry_run, **options):
        wanted = [t.strip().upper() for t in tickers.split(",") if t.strip()] if tickers else None

        def progress(items, total):
            return tqdm(items, total=total, desc="companies", disable=None, file=self.stderr)

        report = services.snapshots_rebuild(
            tickers=wanted, only_missing=missing, dry_run=dry_run, progress=progress
        )
        verb = "would write" if dry_run else "written"
        self.stdout.write(
            f"snapshots of {report.companies} companies: {verb} {report.written}, "
            f"unchanged {report.unchanged}, failed {len(report.failed)}"
        )
        for ticker, reason in sorted(report.failed.items()):
            self.stdout.write(f"  {ticker}: {reason}")
        if report.companies and len(report.failed) == report.companies:
            raise CommandError("no snapshot could be rebuilt")
