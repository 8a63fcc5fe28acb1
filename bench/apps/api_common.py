"""The validate-and-echo benchmark's data: a 20-field order, as JSON and as a pydantic model.

Every app validates the same body against the same rules and answers the validated data as JSON.
Trellis, FastAPI and Litestar use the pydantic model below (each framework's documented way to
take a typed JSON body); Django REST framework uses a Serializer with the same rules
(api_drf_app.py).  `INVALID` breaks three of the rules, so the harness can check before any load
that each app really validates (a 4xx answer), not only echoes.
"""

import json
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

PAYLOAD = {
    "id": 1042,
    "customer": "Ada Lovelace",
    "email": "ada@example.com",
    "quantity": 3,
    "unit_price": 19.99,
    "discount": 0.1,
    "currency": "EUR",
    "express": True,
    "gift": False,
    "note": "Leave at the door",
    "tags": ["books", "gift-wrap"],
    "street": "12 Analytical Row",
    "city": "London",
    "postcode": "NW1 6XE",
    "country": "GB",
    "phone": "+44 20 7946 0958",
    "created": "2024-05-01T12:30:00",
    "delivery_date": "2024-05-04",
    "priority": 2,
    "reference": "6f1c4b1e-8a4e-4a53-9c36-2d0e8e4b9f10",
}
BODY = json.dumps(PAYLOAD)
INVALID = json.dumps({**PAYLOAD, "quantity": 0, "currency": "XXX", "email": "nope"})

EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]+$"
POSTCODE = r"^[A-Z0-9 ]{3,10}$"


class Order(BaseModel):
    id: int = Field(ge=1)
    customer: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=EMAIL, max_length=200)
    quantity: int = Field(ge=1, le=1000)
    unit_price: float = Field(gt=0)
    discount: float = Field(ge=0, le=1)
    currency: Literal["EUR", "USD", "GBP"]
    express: bool
    gift: bool
    note: str | None = Field(None, max_length=500)
    tags: list[str] = Field(max_length=10)
    street: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postcode: str = Field(pattern=POSTCODE)
    country: str = Field(min_length=2, max_length=2)
    phone: str = Field(min_length=5, max_length=30)
    created: datetime
    delivery_date: date
    priority: int = Field(ge=0, le=9)
    reference: UUID
