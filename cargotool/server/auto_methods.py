"""HEAD and OPTIONS for every route, added when the app is built instead of when a worker starts.

sanic-ext would add them (its HTTP_AUTO_HEAD/HTTP_AUTO_OPTIONS) in every worker's `before_server_start`,
one route at a time; once the app has started, each added route makes Sanic finalise its signal router
again (which also grows by one signal each time), so ~70 routes cost a worker seconds of start-up — most
of the time a killed worker's replacement needs. Added here, before the app starts, they cost nothing.
The routes and their handlers are
sanic-ext's; the OPTIONS route of a path is named after its route whose methods sort first.
"""

from __future__ import annotations

from functools import partial
from inspect import isawaitable

from sanic import Sanic
from sanic.response import empty
from sanic_ext.extensions.openapi import openapi
from sanic_ext.utils.route import clean_route_name


async def _head(request, get_handler, *args, **kwargs):
    answer = get_handler(request, *args, **kwargs)
    return await answer if isawaitable(answer) else answer  # Sanic sends the head only


async def _options(request, methods, *args, **kwargs):
    response = empty()
    response.headers["allow"] = ",".join([*sorted(methods), "OPTIONS"])
    return response


def disable_sanic_ext_methods(app: Sanic) -> None:
    """Call before `app.ext` is first used: sanic-ext reads these when it is set up."""
    app.config.HTTP_AUTO_HEAD = False
    app.config.HTTP_AUTO_OPTIONS = False


def add_head_and_options(app: Sanic) -> None:
    """Call once every route is registered (at the end of the factory)."""
    for group in list(app.router.groups.values()):
        if "GET" in group.methods and "HEAD" not in group.methods:
            for route in group:
                if "GET" in route.methods:
                    _add(app, group, partial(_head, get_handler=route.handler), "HEAD", route.name,
                         route.requirements.get("host"), "Retrieve HEAD details", route_handler=route.handler)
    for group in list(app.router.groups.values()):
        if "OPTIONS" not in group.methods:
            hosts = [None] if not group.requirements else {requirement["host"] for requirement in group.requirements}
            named = [route for route in group if not route.name.endswith("_head")] or list(group)
            base = min(named, key=lambda route: sorted(route.methods))  # the name it takes: DELETE, GET, ...
            _add(app, group, partial(_options, methods=group.methods), "OPTIONS", base.name, hosts,
                 "Retrieve OPTIONS details")


def _add(app: Sanic, group, handler, method: str, name: str, host, description: str, route_handler=None) -> None:
    handler = openapi.definition(summary=clean_route_name(name).title(), description=description)(handler)
    handler.__auto_handler__ = True
    if route_handler is not None:
        handler.__route_handler__ = route_handler
    app.add_route(handler=handler, uri=group.uri, methods=[method], strict_slashes=group.strict,
                  name=f"{name}_{method.lower()}", host=host, unquote=group.unquote)
