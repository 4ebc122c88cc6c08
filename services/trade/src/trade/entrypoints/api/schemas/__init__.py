"""Request and response models of trade's routes."""
