"""`manage.py create_table`: create the DynamoDB table and its indexes if missing (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from companies import services


class Command(BaseCommand):
    help = (
        "Create the DynamoDB table and all its indexes if missing, rebuild an index whose "
        "projection changed, and wait until everything is active."
    )

    def handle(self, *args, **options):
        created = services.table_create(wait=True)
        if created == ["table"]:
            self.stdout.write(f"Created {settings.DYNAMODB_TABLE} with all its indexes")
        elif created:
            self.stdout.write(f"Added to {settings.DYNAMODB_TABLE}: {', '.join(created)}")
        else:
            self.stdout.write(f"{settings.DYNAMODB_TABLE} exists with all its indexes")
