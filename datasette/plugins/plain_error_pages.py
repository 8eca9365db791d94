"""Keep Datasette's error pages working when `rich` is installed.

Datasette 0.65's default exception hook calls `rich.get_console().print_exception()`
for every error, 404s included, outside any `except` block; current rich raises
"Value for 'trace' required" there, turning each 404 into a crash. rich arrives with
the embedding stack (typer), so the corpus server would break on any unknown URL.
Switching that console print off leaves Datasette's own error pages intact.
"""

import datasette.handle_exception as default_handler

default_handler.rich = None
