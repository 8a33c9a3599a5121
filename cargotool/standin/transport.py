"""The stand-in as an httpx transport: the client talks to it in-process, without a socket.

It subclasses httpx.MockTransport so that vcrpy records its traffic like a real network's (which is
how the synthetic cassettes are generated).
"""

from __future__ import annotations

import asyncio

import httpx

from .logic import CargoTechStandIn


class StandInTransport(httpx.MockTransport):
    def __init__(self, standin: CargoTechStandIn) -> None:
        self.standin = standin
        super().__init__(self._respond)

    async def _respond(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        delay = self.standin.delay_for(request.url.path)
        if delay:
            await asyncio.sleep(delay)
        reply = self.standin.handle(
            request.method, request.url.path, request.url.query.decode(), dict(request.headers), body
        )
        return httpx.Response(
            reply.status,
            content=reply.encoded(),
            headers={"Content-Type": "application/json", **reply.headers},
        )
