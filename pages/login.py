"""Masuk: the login form is the server's own page (/masuk, plain HTML: sipantau/web.py), outside
Streamlit, so that it works on the first visit after a start and survives reloads; this entry
of the navigation sends the browser there.

Layout only (the page rule is in dashboard.py): signing in is sipantau.ui.session's.
"""

from sipantau import ui

ui.session.send_to_login(None)
