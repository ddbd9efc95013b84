"""The screener and the comparison page's shared vocabulary: every metric a company can be
asked about, with its unit, source, period and formula (metrics.py)."""
