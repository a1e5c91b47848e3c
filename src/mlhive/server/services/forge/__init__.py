"""Model forge use cases: repositories, commits, content, merges, merge requests, export."""
