"""WebSockets: an echo endpoint, and chat rooms with a login check and a subprotocol."""

from __future__ import annotations

from trellis import App, WebSocket
from trellis.http.websockets import WebSocketDisconnect

app = App()
rooms: dict[str, set[WebSocket]] = {}


@app.websocket("/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():  # ends when the client leaves
        await websocket.send_text(text)


@app.websocket("/rooms/<name>")
async def room(websocket: WebSocket, name: str) -> None:
    user = websocket.cookies.get("user")
    if user is None:
        # Closing before accept() refuses the handshake: the browser sees HTTP 403.
        await websocket.close(code=4401, reason="log in first")
        return
    # Pick a subprotocol only if the client offered it.
    await websocket.accept(subprotocol="chat.v1" if "chat.v1" in websocket.subprotocols else None)
    members = rooms.setdefault(name, set())
    members.add(websocket)
    try:
        # A frame that is not valid JSON closes the connection with 1007 and ends this loop.
        async for message in websocket.iter_json():
            for member in list(members):
                try:
                    await member.send_json({"from": user, "text": message.get("text", "")})
                except WebSocketDisconnect:
                    members.discard(member)  # that member left while we were sending
    finally:
        members.discard(websocket)
