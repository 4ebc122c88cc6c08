"""Funds' routers: money that moves, corrections, and reads; `routes.py` gathers them under /v1."""
