"""Litestar: `data: Order` is the body (pydantic, through its pydantic plugin), returned as is."""

from api_common import Order
from litestar import Litestar, post


@post("/echo", status_code=200)
async def echo(data: Order) -> Order:
    return data


app = Litestar(route_handlers=[echo])
