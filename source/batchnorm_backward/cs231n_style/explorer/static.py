"""What the explorer leaves behind without a live kernel: a static snapshot in HTML.

A notebook exported to HTML (nbconvert) or viewed where widgets cannot run
shows the `text/html` part of the explorer's output instead of the widget:
the same six-panel figure as an image, the settings it was drawn with, and
any problem line, so the lesson survives on a course website.
"""
import base64
import html

CSS_CLASS = "cs231n-explorer-static"


def png_data_uri(png):
    """A data: URI for PNG bytes, usable as an <img> src."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def problems_html(lines):
    """The problem lines as HTML, one <div> each ('' when there are none)."""
    return "".join(f'<div style="color:#9a4d00">⚠ {html.escape(line)}</div>' for line in lines)


def static_html(png, headline, problems=()):
    """An HTML snapshot of the explorer.

    Inputs:
    - png: the figure as PNG bytes
    - headline: one line naming the settings drawn
    - problems: lines saying which functions could not be used

    Returns a str of HTML (no scripts, so it survives sanitizers).
    """
    return (
        f'<div class="{CSS_CLASS}">'
        f"<p><b>Gradient explorer</b> — static snapshot: {html.escape(headline)}.<br>"
        "<i>Run the notebook with a live kernel to move the controls.</i></p>"
        f"{problems_html(problems)}"
        f'<img src="{png_data_uri(png)}" alt="Gradient explorer: six panels on batch size, epsilon, '
        'the terms of eq. (4), the facts from the derivation and gradient checks" style="max-width:100%">'
        "</div>"
    )
