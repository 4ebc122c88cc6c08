"""One FastAPI router per resource of ip-counsel."""
