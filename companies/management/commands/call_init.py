"""`manage.py call_init --url https://…/init/`: start the directory load on a deployed stage.

Proves who you are with your own AWS credentials (the usual chain: environment, profile, SSO,
instance role): it signs an STS GetCallerIdentity naming the stage's INIT_SERVER_ID and posts it
to the stage, which checks it with STS. Your credentials never leave this machine; only the
signature does, and it is good for five minutes, for that site only.
"""

import json

import botocore.session
import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from companies import iam_init


class Command(BaseCommand):
    help = "Start the directory load on a deployed stage, signed with your AWS credentials."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="the stage's init URL, ending in /init/")
        parser.add_argument(
            "--server-id",
            default=settings.INIT_SERVER_ID,
            help="the stage's INIT_SERVER_ID (zappa_settings.json), e.g. asxdb-production",
        )
        parser.add_argument(
            "--sts-endpoint",
            default=settings.INIT_STS_ENDPOINT,
            help="the stage's INIT_STS_ENDPOINT (default %(default)s)",
        )
        parser.add_argument(
            "--profile",
            help=(
                "AWS profile to sign with (needed where .env sets AWS keys, as the one "
                "`make run` writes does: they would win over your default credentials)"
            ),
        )
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait")

    def handle(self, *args, url, server_id, sts_endpoint, profile, timeout, **options):
        if not server_id:
            raise CommandError("Give --server-id: the INIT_SERVER_ID of the stage you call.")
        credentials = botocore.session.Session(profile=profile).get_credentials()
        if credentials is None:
            raise CommandError("No AWS credentials found (environment, profile or SSO).")
        proof = iam_init.sign(
            credentials=credentials.get_frozen_credentials(),
            server_id=server_id,
            endpoint=sts_endpoint,
        )
        try:
            response = requests.post(url, json=proof, timeout=timeout)
        except requests.RequestException as exc:
            raise CommandError(f"{url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 202:
            raise CommandError(f"{url} answered {response.status_code}: {response.text[:200]}")
        answer = response.json()
        self.stdout.write(
            f"Started {answer['started']} as {answer['principal']}: {json.dumps(answer)}"
        )
