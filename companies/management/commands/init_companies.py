"""`manage.py init_companies`: load the ASX company directory (idempotent upsert)."""

import argparse
import datetime

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from pynamodb.exceptions import PynamoDBException
from tqdm import tqdm

from companies import selectors, services
from scraping import asx
from scraping.errors import DirectoryFormatError, DirectoryUnavailable


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of seconds")
    return value


class _ConnectWithin(requests.Session):
    """A session that gives up on a host that has not accepted the connection after `seconds`;
    reading the answer keeps the caller's timeout (a slow download still gets all of it)."""

    def __init__(self, seconds: float):
        super().__init__()
        self.connect_seconds = seconds

    def request(self, method, url, *args, timeout=None, **kwargs):
        read = timeout[1] if isinstance(timeout, tuple) else timeout
        return super().request(method, url, *args, timeout=(self.connect_seconds, read), **kwargs)


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
            "--if-stale",
            action="store_true",
            help=(
                "do nothing when the table holds a directory loaded today (Sydney time) from "
                "the ASX or a file; the bundled sample never counts"
            ),
        )
        parser.add_argument(
            "--allow-shrink",
            action="store_true",
            help="accept a directory listing fewer than half the companies listed now",
        )
        parser.add_argument(
            "--connect-timeout",
            type=_seconds,
            metavar="SECONDS",
            help=(
                "give up on a download host that has not accepted the connection after SECONDS "
                f"(default {asx.CONNECT_TIMEOUT:g}); reading the file keeps its own timeout"
            ),
        )

    def handle(self, *args, csv=None, url=None, sample=False, connect_timeout=None, **options):
        if options["if_empty"] and not selectors.directory_is_empty():
            self.stdout.write("The table already lists companies; nothing loaded.")
            return
        if options["if_stale"]:
            loaded = _loaded_today(now=timezone.now())
            if loaded:
                self.stdout.write(loaded)
                return
        try:
            if connect_timeout is not None and not (csv or sample):
                with _ConnectWithin(connect_timeout) as session:
                    directory = asx.fetch_directory(
                        urls=[url]
                        if url
                        else [settings.ASX_DIRECTORY_URL, settings.ASX_DIRECTORY_FALLBACK_URL],
                        session=session,
                    )
            else:
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


def _loaded_today(*, now: datetime.datetime) -> str | None:
    """Why no load is needed, when the table holds a real directory loaded on `now`'s date
    (in TIME_ZONE); None when it holds none, an older one, or the bundled sample."""
    summary = selectors.directory_summary()
    loaded = summary.directory_loaded
    if loaded is None or summary.sample_data:
        return None
    if timezone.localdate(loaded) != timezone.localdate(now):
        return None
    return (
        f"The directory was loaded today at {timezone.localtime(loaded):%H:%M %Z} "
        f"({summary.listed_count} companies from {summary.directory_source}); nothing downloaded."
    )
