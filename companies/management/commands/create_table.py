"""`manage.py create_table`: create the DynamoDB table and its indexes if missing (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from companies import services


class Command(BaseCommand):
    help = "Create the DynamoDB table and all its indexes if missing, and wait until it is active."

    def handle(self, *args, **options):
        created = services.table_create(wait=True)
        verb = "Created" if created else "Table already exists:"
        self.stdout.write(f"{verb} {settings.DYNAMODB_TABLE}")
