"""Events published by the trade service on `trade.events`."""
