"""Events published by the funds service on `funds.events`."""
