"""Request and response bodies of the credit API, one module per resource."""
