"""Credit's routers, one per resource; `routes.py` gathers them under /v1."""
