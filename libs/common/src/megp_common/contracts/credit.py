"""Events published by the credit service on `credit.events`."""
