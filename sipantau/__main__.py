from sipantau.cli import app

app(prog_name="python -m sipantau")
