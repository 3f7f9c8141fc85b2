"""A Danish login page in front of Gradio's own login (RAMMEAFTALE_AUTH).

Gradio's built-in login form is English (its page config carries no translations before login).
This ASGI middleware, passed to the app through `launch(app_kwargs={"middleware": [...]})`,
answers a GET of the page itself with a Danish form while the visitor has no valid session; the
form posts to Gradio's own `/login` route, so Gradio still checks the password, sets its session
cookie and guards every other route (the API, the queue, files) exactly as before."""
from __future__ import annotations

from html import escape

from starlette.middleware import Middleware

TITLE = "Log ind – Rammeaftale-assistenten"

PAGE = """<!doctype html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0;
         background: #f3f4f6; color: #111827; }}
  main {{ max-width: 26rem; margin: 8vh auto; background: #fff; padding: 1.5rem 1.75rem; border-radius: 12px;
         border: 1px solid #d1d5db; }}
  h1 {{ font-size: 1.4rem; margin: 0 0 .5rem 0; }}
  label {{ display: block; font-weight: 600; margin: 1rem 0 .3rem 0; }}
  input {{ width: 100%; box-sizing: border-box; font: inherit; padding: .55rem .6rem; border: 1px solid #6b7280;
          border-radius: 8px; }}
  button {{ margin-top: 1.25rem; font: inherit; font-weight: 600; padding: .6rem 1.2rem; border: 0;
           border-radius: 8px; background: #1d4ed8; color: #fff; cursor: pointer; }}
  .fejl {{ color: #991b1b; font-weight: 600; margin-top: 1rem; }}
  :focus-visible {{ outline: 3px solid #1d4ed8; outline-offset: 2px; }}
</style>
</head>
<body>
<main>
<h1>Log ind</h1>
<p>{message}</p>
<form id="login" method="post" action="login">
  <label for="username">Brugernavn</label>
  <input id="username" name="username" autocomplete="username" required>
  <label for="password">Adgangskode</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <p id="fejl" class="fejl" role="alert" hidden>Forkert brugernavn eller adgangskode. Prøv igen.</p>
  <button type="submit">Log ind</button>
</form>
</main>
<script>
document.getElementById("login").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const form = event.target, error = document.getElementById("fejl");
  error.hidden = true;
  try {{
    const response = await fetch("login", {{ method: "POST", body: new FormData(form), credentials: "same-origin" }});
    if (response.ok) {{ location.reload(); return; }}
  }} catch (e) {{}}
  form.password.value = "";
  error.hidden = false;
  form.password.focus();
}});
</script>
</body>
</html>
"""


def login_page(message: str) -> bytes:
    return PAGE.format(title=escape(TITLE), message=escape(message)).encode("utf-8")


class DanishLogin:
    """Pure ASGI middleware: the Danish form instead of Gradio's English one."""

    def __init__(self, app, message: str = ""):
        self.app = app
        self.message = message

    def _logged_in(self, gradio_app, headers: dict[bytes, bytes]) -> bool:
        cookies = {}
        for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
            name, _, value = part.strip().partition("=")
            cookies[name] = value
        cookie_id = getattr(gradio_app, "cookie_id", "")
        tokens = getattr(gradio_app, "tokens", {}) or {}
        for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
            if cookies.get(name) and cookies[name] in tokens:
                return True
        return False

    async def __call__(self, scope, receive, send):
        gradio_app = scope.get("app")
        if (scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD")
                or scope.get("path", "").rstrip("/") != scope.get("root_path", "").rstrip("/")
                or getattr(gradio_app, "auth", None) is None
                or self._logged_in(gradio_app, dict(scope.get("headers") or []))):
            await self.app(scope, receive, send)
            return
        body = login_page(self.message)
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})


def middleware(message: str) -> list[Middleware]:
    return [Middleware(DanishLogin, message=message)]
