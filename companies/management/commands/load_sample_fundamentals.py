"""`manage.py load_sample_fundamentals`: bundled sample statements for the sample companies."""

from django.core.management.base import BaseCommand

from companies.sample import sample_fundamentals_load


class Command(BaseCommand):
    help = (
        "Store the bundled sample statements (invented figures, marked as sample data) for the "
        "sample directory's companies that have none yet. For offline development only."
    )

    def handle(self, *args, **options):
        filled = sample_fundamentals_load()
        self.stdout.write(f"sample statements stored for {filled} companies")
