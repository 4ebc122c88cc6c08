"""The national simulation: the programme run end to end through the real services."""
