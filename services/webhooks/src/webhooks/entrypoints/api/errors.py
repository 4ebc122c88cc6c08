"""The problem documents the webhooks routes declare in the OpenAPI."""

from __future__ import annotations

from megp_common.errors import problem_responses

READ = problem_responses((401, 403, 404, 422))
WRITE = problem_responses((401, 403, 404, 409, 422, 428))
