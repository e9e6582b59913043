"""Render a matplotlib figure to PNG fast, redrawing only what moves.

A full draw of a six-panel figure (ticks, labels, legends) takes a few hundred
milliseconds on a small machine; the lines and bars that change take a few.
So the figure is drawn once without its moving ("animated") artists, the
pixels are kept, and each redraw pastes them back and draws the moving artists
on top. Changing anything else (axis limits, labels) needs `invalidate()`,
which makes the next render a full draw again.

Legends are slow to draw (a few ms per line of text) but must stay on top of
the moving lines. They are "overlays": drawn once at the full draw, their
pixels kept, and pasted back over the moving artists at every render.
"""
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image


class BlitRenderer:
    """Renders `figure` to RGBA pixels and PNG bytes.

    Inputs:
    - figure: a matplotlib Figure (not attached to pyplot)
    """

    def __init__(self, figure):
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.moving = []
        self.overlays = []
        self._background = None
        self._overlay_pixels = []
        self.full_draws = 0

    def add(self, artist):
        """Mark `artist` as moving: drawn at every render, on top of the kept background. Returns it."""
        artist.set_animated(True)
        self.moving.append(artist)
        return artist

    def add_overlay(self, artist):
        """Mark `artist` as an overlay: drawn over the moving artists, redrawn only at a full draw. Returns it."""
        artist.set_animated(True)
        self.overlays.append(artist)
        return artist

    def invalidate(self):
        """Make the next render a full draw (after changing limits, ticks or static text)."""
        self._background = None

    def render(self):
        """Draw and return the pixels, an array of shape (height, width, 4) of uint8 (a view; copy to keep)."""
        if self._background is None:
            self._full_draw()
        self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in sorted(self.moving, key=lambda a: a.get_zorder()):  # stable: ties keep their order
            if artist.get_visible():
                artist.draw(renderer)
        for pixels in self._overlay_pixels:
            self.canvas.restore_region(pixels)
        return np.asarray(self.canvas.buffer_rgba())

    def _full_draw(self):
        self.canvas.draw()  # draws everything except the moving artists and the overlays
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        renderer = self.canvas.get_renderer()
        self._overlay_pixels = []
        for artist in self.overlays:
            if artist.get_visible():
                artist.draw(renderer)
                # Padded: the frame's edge lies on the bbox, and pixels are cut inward.
                box = artist.get_window_extent(renderer).padded(2)
                self._overlay_pixels.append(self.canvas.copy_from_bbox(box))
        self.full_draws += 1

    def png(self, compress_level=1):
        """Render and encode as PNG bytes (low compression: encoding time counts in every redraw)."""
        pixels = self.render()
        height, width, _ = pixels.shape
        image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=compress_level)
        return buffer.getvalue()
