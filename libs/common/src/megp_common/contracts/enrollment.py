"""Events published by the enrollment service on `enrollment.events`."""
