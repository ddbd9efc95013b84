"""The market side of a company: daily prices, dividends and splits, exchange rates, and the
quote and valuation multiples worked out from them and the stored statements."""
