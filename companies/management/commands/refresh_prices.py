"""`manage.py refresh_prices`: fetch new daily prices, dividends and splits from Yahoo."""

from companies.management.commands._refresh import RefreshCommand
from companies.market.refresh import prices_refresh


class Command(RefreshCommand):
    help = (
        "Refresh the prices, dividends, quote and valuation of the companies due (or --tickers): "
        "the days since the newest stored bar, the whole history the first time and when a new "
        "dividend or split changes the adjusted closes. Fails only when nothing could be refreshed."
    )
    batch_setting = "PRICES_BATCH"
    done = "prices refreshed"
    nothing = "no prices could be refreshed"

    def refresh(self, **kwargs):
        return prices_refresh(**kwargs)
