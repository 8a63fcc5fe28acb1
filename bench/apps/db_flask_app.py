"""Flask with Flask-SQLAlchemy, the way their docs show: `db.Model`, `db.session`, templates.

psycopg 3 underneath; the pool size every benchmark app shares, otherwise the defaults.
"""

from db_common import (
    ADDED_FORTUNE,
    DB_URL,
    HELLO,
    POOL,
    TEMPLATES_DIR,
    query_count,
    random_id,
    random_ids,
)
from flask import Flask, jsonify, render_template, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class World(db.Model):
    __tablename__ = "world"
    id: Mapped[int] = mapped_column(primary_key=True)
    randomNumber: Mapped[int] = mapped_column("randomnumber")


class Fortune(db.Model):
    __tablename__ = "fortune"
    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str]


app = Flask(__name__, template_folder=TEMPLATES_DIR)
app.config["SQLALCHEMY_DATABASE_URI"] = DB_URL.replace("postgresql://", "postgresql+psycopg://")
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": POOL, "max_overflow": 0}
db.init_app(app)


def _world(world):
    return {"id": world.id, "randomNumber": world.randomNumber}


@app.get("/db")
def single():
    return jsonify(_world(db.session.get(World, random_id())))


@app.get("/queries")
def queries():
    ids = random_ids(query_count(request.args.get("queries")))
    return jsonify([_world(db.session.get(World, i)) for i in ids])


@app.get("/fortunes")
def fortunes():
    items = list(db.session.execute(db.select(Fortune)).scalars())
    items.append(Fortune(id=0, message=ADDED_FORTUNE))
    items.sort(key=lambda fortune: fortune.message)
    return render_template("fortunes.html", fortunes=items)


@app.get("/updates")
def updates():
    ids = random_ids(query_count(request.args.get("queries")))
    worlds = [db.session.get(World, i) for i in ids]
    for world in worlds:
        world.randomNumber = random_id()
    answer = [_world(world) for world in worlds]
    db.session.commit()
    return jsonify(answer)


@app.get("/plaintext")
def plaintext():
    return HELLO, {"content-type": "text/plain; charset=utf-8"}
