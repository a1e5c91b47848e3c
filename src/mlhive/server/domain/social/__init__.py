"""Pure rules of the social room: what a post's text mentions and refers to."""
