"""Page templates: inline CSS and a few lines of inline JS; no external file, font or network."""

CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222;font-size:13px;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px;border-bottom:2px solid #2b6cb0;padding-bottom:3px}
h3{font-size:14px;margin:14px 0 6px;color:#2b6cb0}
.en{color:#666;font-weight:normal;font-size:0.92em}
.muted{color:#777}
table{border-collapse:collapse;margin:4px 0 10px;width:100%}
th,td{border:1px solid #d5d5d5;padding:3px 6px;text-align:left;vertical-align:middle}
th{background:#eef3f8;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.status{display:inline-block;padding:1px 6px;border-radius:3px;white-space:nowrap;border:1px solid #bbb;color:#111}
.status .en{color:#333}
.wide{overflow-x:auto}
table.targets{font-size:12px}table.targets td{max-width:22em}table.targets td.num{white-space:normal;max-width:11em}td.proj{min-width:13em}
.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{border:1px solid #ccd;border-radius:4px;padding:6px 10px;min-width:160px}
.card .big{font-size:20px;font-weight:700}
.legend span{margin-right:8px}
ul.attention li{margin:3px 0}
.caveat{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px}
nav a{margin-right:10px}
@media print{body{margin:8mm}h2{page-break-after:avoid}}
"""

# Switch the map's layer; "#layer=HC17" in the address opens that layer (links can point at one).
SWITCH_JS = """
function hcwShowLayer(sel){var g=document.querySelectorAll('#map g.layer');
for(var i=0;i<g.length;i++){g[i].style.display=(g[i].getAttribute('data-layer')===sel.value)?'':'none';}}
(function(){var m=/layer=([^&]+)/.exec(location.hash),sel=document.getElementById('layer');
if(m&&sel){sel.value=decodeURIComponent(m[1]);hcwShowLayer(sel);}})();
"""

PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head><body>
{body}
<footer class="muted"><p>{footer}</p></footer>
{script}
</body></html>
"""
