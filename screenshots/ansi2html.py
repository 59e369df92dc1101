#!/usr/bin/env python3
"""Turns a `tmux capture-pane -e -p` capture into HTML the way a terminal
draws it: 16, 256 and 24-bit colours, bold, dim, italic, underline,
crossed out, and reverse video that swaps the cell's own colours (a
reversed cell with no background takes the terminal's background as its
text colour, so a selected yellow TTL is dark on yellow, as on screen).

Usage: ansi2html.py IN.ansi OUT.html [--light]
"""
import html
import re
import sys

XTERM16 = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]


def color256(n):
    if n < 16:
        return XTERM16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    grey = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (grey, grey, grey)


class Pen:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = self.crossed = False

    def apply(self, params):
        codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 9:
                self.crossed = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif c == 29:
                self.crossed = False
            elif 30 <= c <= 37:
                self.fg = XTERM16[c - 30]
            elif 90 <= c <= 97:
                self.fg = XTERM16[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = XTERM16[c - 40]
            elif 100 <= c <= 107:
                self.bg = XTERM16[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    value = color256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    value = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                    i += 4
                else:
                    value = None
                if c == 38:
                    self.fg = value
                else:
                    self.bg = value
            i += 1

    def style(self, default_fg, default_bg):
        fg, bg = self.fg or default_fg, self.bg or default_bg
        if self.reverse:
            fg, bg = bg, fg
        css = ["color:%s" % fg, "background:%s" % bg]
        if self.bold:
            css.append("font-weight:bold")
        if self.dim:
            css.append("opacity:0.6")
        if self.italic:
            css.append("font-style:italic")
        decorations = [d for d, on in (("underline", self.underline), ("line-through", self.crossed)) if on]
        if decorations:
            css.append("text-decoration:" + " ".join(decorations))
        return ";".join(css)


def convert(text, light):
    default_fg, default_bg = ("#1f2328", "#ffffff") if light else ("#d0d0d0", "#000000")
    pen = Pen()
    out = []
    for line in text.split("\n"):
        pen_line = []
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            match = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
            if match:
                pen.apply(match.group(1))
            elif part:
                part = re.sub(r"\x1b[^a-zA-Z]*[a-zA-Z]", "", part)
                pen_line.append('<span style="%s">%s</span>' % (pen.style(default_fg, default_bg), html.escape(part)))
        out.append("".join(pen_line))
    page = (
        '<!doctype html><meta charset="utf-8"><style>html,body{margin:0;background:%s}'
        'pre{margin:10px;font:14px/16px "DejaVu Sans Mono",monospace;color:%s}</style><pre>%s</pre>'
    )
    return page % (default_bg, default_fg, "\n".join(out))


if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    light = "--light" in sys.argv[3:]
    with open(source, encoding="utf-8", errors="replace") as f:
        text = f.read()
    with open(target, "w", encoding="utf-8") as f:
        f.write(convert(text, light))
