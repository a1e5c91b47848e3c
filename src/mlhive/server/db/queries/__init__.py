"""Query builders (filters, keyset pages) called by services only."""
