"""Checks a report page with Python's html.parser, for ReportHTMLTests.

    python3 html_check.py PAGE.html

Prints one JSON document: {"errors": [...], "counts": {tag: n}, "title": str, "svg_labels": [...],
"text": str}. An error is a tag closed that was not open (or closed out of order), a tag left
open at the end, an element that runs or loads something (script, iframe, object, embed, link,
base, form, an on* attribute, a src/href to anything but a fragment), a missing or weak
Content-Security-Policy meta tag, or an element outside <html>. Exits 0 whatever it finds:
the test reads the errors.
"""

import json
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FORBIDDEN = {"script", "iframe", "object", "embed", "link", "base", "form", "frame", "frameset", "applet", "img", "audio",
             "video", "foreignobject", "use", "image", "a"}
# SVG elements that are closed by "/>" in the page: html.parser reports them as startendtag.


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.counts = {}
        self.title = None
        self.in_title = False
        self.csp = None
        self.svg_labels = []
        self.text = []
        self.ended = False

    def element(self, tag, attrs, closes):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if self.ended:
            self.errors.append(f"<{tag}> after </html>")
        if tag != "html" and not self.stack and tag not in ("!doctype",):
            self.errors.append(f"<{tag}> outside <html>")
        if tag in FORBIDDEN:
            self.errors.append(f"forbidden element <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.errors.append(f"event handler attribute {name} on <{tag}>")
            if name in ("src", "href", "xlink:href", "action", "formaction", "srcset", "poster", "data"):
                self.errors.append(f"resource attribute {name}={value!r} on <{tag}>")
            if name == "style" and value and ("url(" in value or "expression" in value):
                self.errors.append(f"style with a resource on <{tag}>")
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "content-security-policy":
            self.csp = dict(attrs).get("content")
        if tag == "svg" and dict(attrs).get("role") == "img":
            self.svg_labels.append(dict(attrs).get("aria-label", ""))
        if not closes and tag not in VOID:
            self.stack.append(tag)
        if tag == "title" and self.stack[-2:] == ["head", "title"]:
            self.in_title = True

    def handle_starttag(self, tag, attrs):
        self.element(tag, attrs, closes=False)

    def handle_startendtag(self, tag, attrs):
        self.element(tag, attrs, closes=True)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "title":
            self.in_title = False
        if tag == "html":
            self.ended = True

    def handle_data(self, data):
        if self.in_title:
            self.title = (self.title or "") + data
        self.text.append(data)


def main():
    with open(sys.argv[1], encoding="utf-8") as page:
        source = page.read()
    checker = Checker()
    checker.feed(source)
    checker.close()
    errors = checker.errors
    if checker.stack:
        errors.append("left open: " + " ".join(checker.stack))
    if not source.startswith("<!DOCTYPE html>"):
        errors.append("no doctype first")
    csp = checker.csp or ""
    for needed in ("default-src 'none'", "script-src" if "script-src" in csp else "default-src 'none'"):
        if needed not in csp:
            errors.append(f"Content-Security-Policy lacks {needed}: {csp!r}")
    if "'unsafe-eval'" in csp or ("script-src" in csp and "'none'" not in csp.split("script-src")[1].split(";")[0]):
        errors.append(f"Content-Security-Policy allows scripts: {csp!r}")
    print(json.dumps({"errors": errors, "counts": checker.counts, "title": checker.title, "csp": csp,
                      "svg_labels": checker.svg_labels, "text": "".join(checker.text)}))


if __name__ == "__main__":
    main()
