"""Comparing companies: 2 to 6 side by side, key figures and valuation, and their history in
charts (`/compare/`, `/api/compare/`)."""
