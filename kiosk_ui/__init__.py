"""kiosk_ui: jinja2 templates and static files for the kiosk, projector and consoles."""
