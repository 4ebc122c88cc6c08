"""The services' public HTTP APIs, called with the signed-in person's own token (httpx).

The console holds no data of its own: every figure on a page is what a service answered this
person, and every write is the person's request, under their token, with an Idempotency-Key."""

from __future__ import annotations

from typing import Any

import httpx

from console.domain.errors import ServiceRefused, ServiceUnreachable


class ServiceApi:
    """One pooled httpx client for the process; `as_person(token)` gives a caller."""

    def __init__(self, urls: dict[str, str], timeout_s: float) -> None:
        self.urls = urls
        self.client = httpx.AsyncClient(timeout=timeout_s)

    def as_person(self, token: str) -> Caller:
        return Caller(self, token)

    async def close(self) -> None:
        await self.client.aclose()


class Caller:
    def __init__(self, api: ServiceApi, token: str) -> None:
        self.api, self.token = api, token

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        key: str | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self.api.client.request(
                method,
                f"{self.api.urls[service]}/v1{path}",
                params=query,
                json=json,
                headers=headers,
            )
        except httpx.HTTPError:
            raise ServiceUnreachable(service) from None
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "status": response.status_code}
            if not isinstance(problem, dict):
                problem = {"title": response.reason_phrase}
            if response.status_code in (502, 503, 504):
                raise ServiceUnreachable(service)
            raise ServiceRefused(service, response.status_code, problem)
        return response.json() if response.content else None

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return await self.request(service, "GET", path, params=params)

    async def post(self, service: str, path: str, body: Any, *, key: str) -> Any:
        return await self.request(service, "POST", path, json=body, key=key)
