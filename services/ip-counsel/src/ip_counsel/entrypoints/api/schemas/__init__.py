"""Request and response models of ip-counsel's routes."""
