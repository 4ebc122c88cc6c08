"""Request and response bodies of the funds API (`funds.py`)."""
