"""Checks mla-tune's SVG: well-formed XML, one candidate mark per candidate
the log says was timed, exactly one winner and at most one default, and one
roofline mark per bucket, inside the plot."""
import re
import sys
import xml.dom.minidom

svg, log = sys.argv[1], sys.argv[2]
marks = [c for c in xml.dom.minidom.parse(svg).getElementsByTagName("circle")
         if c.getAttribute("class") == "candidate"]
timed = [line for line in open(log) if re.search(r"-> [0-9.]+ ms$", line)]
titles = [m.getElementsByTagName("title")[0].firstChild.data for m in marks]
winners = [t for t in titles if "(winner)" in t]
defaults = [t for t in titles if "(default)" in t]
if len(marks) != len(timed) or len(winners) != 1 or len(defaults) > 1:
    sys.exit(f"{len(marks)} marks for {len(timed)} timed candidates, "
             f"{len(winners)} winner(s), {len(defaults)} default(s)")
rooflines = [line for line in xml.dom.minidom.parse(svg).getElementsByTagName("line")
             if line.getAttribute("class") == "roofline"]
buckets = len(set(re.findall(r"\] (batch [^:]*):", "".join(timed))))
if len(rooflines) != buckets:
    sys.exit(f"{len(rooflines)} roofline marks for {buckets} bucket(s)")
# The bound is drawn where its time is (inside the plot's height); it may lie below a candidate, whose bytes may fit in the caches
# the read bandwidth was measured past.
height = float(xml.dom.minidom.parse(svg).documentElement.getAttribute("height"))
ys = [float(r.getAttribute("y1")) for r in rooflines]
if any(not (0 < y < height) for y in ys):
    sys.exit(f"a roofline mark off the plot: {ys}")
print(f"plot: {len(marks)} marks, one winner, {len(rooflines)} roofline(s)")
