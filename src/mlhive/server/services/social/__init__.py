"""The social room: discussions on every object (and, later, teams, watching, profiles)."""
