"""The demo web site that hosts the chat widget: a municipality page about ressourceforløb.

`python -m bot.web` (started by `make run`, port WEB_PORT) serves:
- the host pages (Danish, `lang="da"`), an accessibility statement and a privacy page (`pages`);
- the widget's JavaScript and CSS and the socket.io client, all from this origin (`static`);
- a demo "Log ind med MitID" that signs a demo citizen token, in development only (`demo_login`);
- strict security headers, including a Content-Security-Policy (`security`).

The widget itself (static/widget/) is what a municipality embeds on its own site with one
`<script>` tag; see docs/widget.md. Settings are read in `config`.
"""
