"""What the "new post" form asks for, and what it accepts."""

from trellis.forms import DataRequired, Form, Length, StringField, TextAreaField


class PostForm(Form):
    title = StringField("Title", [DataRequired(), Length(max=200)])
    body = TextAreaField("Text", [DataRequired()])
