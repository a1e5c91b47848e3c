"""What every adapter shares: request dependencies, blob responses, body limits."""
