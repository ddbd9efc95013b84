"""Finding companies: the in-memory directory index behind search as you type, the search page
and API, and the near matches of a 404."""
