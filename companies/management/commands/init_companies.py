"""`manage.py init_companies`: load the ASX company directory (idempotent upsert)."""

from django.core.management.base import BaseCommand, CommandError
from pynamodb.exceptions import PynamoDBException
from tqdm import tqdm

from companies import selectors, services
from scraping.errors import DirectoryFormatError, DirectoryUnavailable


class Command(BaseCommand):
    help = (
        "Load the ASX company directory: new companies are added, names, groups and market caps "
        "updated, companies no longer listed marked delisted. Nothing fetched later is erased."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--csv", metavar="PATH", help="read a directory file from disk")
        source.add_argument("--url", help="download from this URL instead of ASX_DIRECTORY_URL")
        source.add_argument(
            "--sample",
            action="store_true",
            help="load the small bundled sample directory (offline development)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the table already lists companies",
        )
        parser.add_argument(
            "--allow-shrink",
            action="store_true",
            help="accept a directory listing fewer than half the companies listed now",
        )

    def handle(self, *args, csv=None, url=None, sample=False, **options):
        if options["if_empty"] and not selectors.directory_is_empty():
            self.stdout.write("The table already lists companies; nothing loaded.")
            return
        try:
            directory = services.directory_fetch(path=csv, url=url, sample=sample)
        except (DirectoryUnavailable, DirectoryFormatError, OSError) as exc:
            raise CommandError(str(exc)) from exc

        for rejected in directory.rejected:
            self.stderr.write(f"skipped line {rejected.line}: {rejected.reason}")

        def progress(writes, total):
            return tqdm(writes, total=total, desc="writes", unit="", disable=None, file=self.stderr)

        try:
            result = services.directory_load(
                directory=directory,
                sample_data=sample,
                allow_shrink=options["allow_shrink"],
                progress=progress,
            )
        except services.DirectoryShrank as exc:
            raise CommandError(str(exc)) from exc
        except PynamoDBException as exc:
            raise CommandError(
                f"DynamoDB did not take every write ({exc.msg}); what was written stands and "
                "nothing was deleted: run init_companies again to finish (it is idempotent)"
            ) from exc
        self.stdout.write(
            f"{directory.source}: added {result.added}, updated {result.updated}, "
            f"unchanged {result.unchanged}, relisted {result.relisted}, "
            f"delisted {result.delisted}, rejected {len(result.rejected)}"
        )
