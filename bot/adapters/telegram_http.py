"""PTB's HTTP transport over aiohttp instead of httpx.

The bot already runs aiohttp for its own server and for Slack. PTB's default
``HTTPXRequest`` goes through httpx, httpcore and anyio, which on every request build
cancel scopes, look up the running async library and ask the socket for its peer;
that was about a third of the CPU an answer cost. This is a ``BaseRequest``, PTB's own
interface for a transport: the same form-encoded or multipart bodies, the same errors
(``TimedOut``, ``NetworkError``), and PTB's wrapper still turns the status codes into
``RetryAfter``, ``Forbidden`` and the rest. A proxy in ``HTTPS_PROXY``/``NO_PROXY`` is
honoured as httpx did, looked up once per API method (aiohttp's ``trust_env`` would look it
up, and read ``.netrc``, in a thread on every request).
"""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL


class AiohttpRequest(BaseRequest):
    """A pooled aiohttp session speaking to the Bot API.

    Args:
        connections: connections kept to the API at most.
        read_timeout: seconds to wait for the answer once the request is sent.
        write_timeout: seconds a request may take to send (``media_write_timeout`` with files).
        connect_timeout: seconds to open a connection.
        pool_timeout: seconds to wait for a free connection.
        tls: certificates for ``https``; by default aiohttp's own context, on the system's store.
    """

    __slots__ = ("_connections", "_defaults", "_media_write_timeout", "_proxies", "_session", "_timeouts", "_tls")

    def __init__(self, connections: int = 1, read_timeout: float | None = 5.0, write_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
                 media_write_timeout: float | None = 20.0, tls: ssl.SSLContext | None = None) -> None:
        self._connections = connections
        self._defaults = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._tls = tls
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        self._proxies: dict[str, tuple[URL, aiohttp.BasicAuth | None] | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout, as PTB's interface asks."""
        return self._defaults[0]

    async def initialize(self) -> None:
        """Open the session (it needs the running event loop)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, ssl=self._tls if self._tls is not None else True)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _proxy(self, url: str) -> tuple[URL, aiohttp.BasicAuth | None] | None:
        """The proxy the environment names for this URL's scheme and host, if any (one lookup per API method)."""
        if url not in self._proxies:
            try:
                self._proxies[url] = get_env_proxy_for_url(URL(url))
            except LookupError:
                self._proxies[url] = None
        return self._proxies[url]

    def _timeout(self, read: float | None, write: float | None, connect: float | None,
                 pool: float | None) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for PTB's four; ``total`` caps a request that stalls while sending."""
        key = (read, write, connect, pool)
        if (timeout := self._timeouts.get(key)) is None:
            parts = (read, write, connect, pool)
            total = None if any(part is None for part in parts) else sum(parts)  # type: ignore[arg-type]
            connect_total = None if connect is None or pool is None else connect + pool
            timeout = aiohttp.ClientTimeout(total=total, connect=connect_total, sock_connect=connect, sock_read=read)
            self._timeouts[key] = timeout
        return timeout

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; the status and body go back to PTB's wrapper, which reads them."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        default_read, default_write, default_connect, default_pool = self._defaults
        if files and write_timeout is BaseRequest.DEFAULT_NONE:
            write_timeout = self._media_write_timeout
        timeout = self._timeout(
            default_read if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout,
            default_write if write_timeout is BaseRequest.DEFAULT_NONE else write_timeout,
            default_connect if connect_timeout is BaseRequest.DEFAULT_NONE else connect_timeout,
            default_pool if pool_timeout is BaseRequest.DEFAULT_NONE else pool_timeout,
        )
        data: Any = request_data.json_parameters if request_data is not None else None
        if files:
            form = aiohttp.FormData(data or {})
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        proxy, proxy_auth = self._proxy(url) or (None, None)
        try:
            async with self._session.request(method, url, data=data, timeout=timeout, proxy=proxy,
                                             proxy_auth=proxy_auth) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are TimeoutErrors
            if isinstance(error, aiohttp.ConnectionTimeoutError):
                raise TimedOut("No connection to the Bot API in time; the request was not sent.") from error
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
