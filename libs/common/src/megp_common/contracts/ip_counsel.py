"""Events published by the ip-counsel service on `ip-counsel.events`."""
