"""Helpers for tests and simulations of the enrollment service: valid identifiers, an HTTP
driver that walks the service through its scenarios, and a tap on its event topic."""

from enrollment.testing.data import random_birth_date, random_company_rfc, random_curp

__all__ = ["random_birth_date", "random_company_rfc", "random_curp"]
