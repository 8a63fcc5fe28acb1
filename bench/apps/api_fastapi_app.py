"""FastAPI: the body is a pydantic model parameter, the return annotation is the response model."""

from api_common import Order
from fastapi import FastAPI

app = FastAPI()


@app.post("/echo")
async def echo(order: Order) -> Order:
    return order
