#!/usr/bin/env python3
"""dom_check.py KIND DOM [ARGS]: assertions on the DOM Chromium dumped
after the page's scripts ran (make check-browser).

  page DOM DLL STATUS_NAME CHAIN TREE_PATH SPANS   one log's page: the
        verdict card names DLL and STATUS_NAME, its chain is CHAIN (a>b>c),
        the load tree holds the failing DLL under TREE_PATH (a>b), the
        timeline marks the failure (and, SPANS=spans, draws a failed load),
        every evidence link has its excerpt line, and nothing is fetched
        from the network
  folder DOM FAILING_LIST   a folder's page: the rollup links exactly the
        logs of FAILING_LIST (one a line), each to its section
  links DOM N   a page with N evidence links or more: each of them, and
        every other link within the page, opens an element of the page
"""
import sys
from html.parser import HTMLParser

VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link',
        'meta', 'source', 'track', 'wbr'}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.kids, self.text = [], []

    def cls(self):
        return self.attrs.get('class', '').split()

    def all_text(self):
        out = list(self.text)
        for k in self.kids:
            out.append(k.all_text())
        return ''.join(out)

    def walk(self):
        yield self
        for k in self.kids:
            yield from k.walk()


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node('#doc', [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text.append(data)


failures = 0


def check(ok, what):
    global failures
    print('%s: %s' % ('ok  ' if ok else 'FAIL', what))
    failures += not ok


def load(path):
    t = Tree()
    t.feed(open(path, encoding='utf-8').read())
    return t.root


def common(doc):
    html = next(n for n in doc.walk() if n.tag == 'html')
    check(html.attrs.get('data-js') == 'ready', 'the page script ran')
    ext = [n for n in doc.walk()
           if (n.tag == 'script' and 'src' in n.attrs) or n.tag == 'link'
           or (n.tag in ('img', 'iframe') and 'src' in n.attrs)]
    check(not ext, 'nothing is fetched (no script src, link, img, iframe)')
    return html


def label(li):
    """The module name of a tree node: its first span's text."""
    for n in li.walk():
        if n.tag == 'span' and not n.cls():
            return n.all_text().strip()
    return ''


def page(doc, dll, status, chain, path, spans):
    common(doc)
    cards = [n for n in doc.walk() if 'verdict' in n.cls()]
    check(any(c.attrs.get('data-dll') == dll for c in cards),
          'a verdict card names %s' % dll)
    names = [n.all_text() for n in doc.walk() if 'status-name' in n.cls()]
    check(status in names, 'the status name %s is shown' % status)
    chains = [[li.all_text() for li in n.kids if li.tag == 'li']
              for n in doc.walk() if 'chain' in n.cls()]
    check(chain.split('>') in chains, 'the chain is %s' % chain)
    fails = [n for n in doc.walk() if n.tag == 'li' and 'fail' in n.cls()
             and label(n) == dll]
    found = False
    for f in fails:
        up, p = [], f.parent
        while p is not None:
            if p.tag == 'li' and 'node' in p.cls():
                up.append(label(p))
            p = p.parent
        found |= list(reversed(up)) == path.split('>')
    check(found, 'the load tree holds %s under %s' % (dll, path))
    marks = [n for n in doc.walk() if 'mark' in n.cls()]
    check(any(dll in n.attrs.get('title', '') for n in marks),
          'the timeline marks the failure of %s' % dll)
    if spans == 'spans':
        check(any('span' in n.cls() and 'failed' in n.cls()
                  for n in doc.walk()), 'the timeline draws a failed load')
    ids = {n.attrs['id'] for n in doc.walk() if 'id' in n.attrs}
    links = [n.attrs['href'][1:] for n in doc.walk()
             if n.tag == 'a' and 'ev' in n.cls()]
    check(links and all(h in ids for h in links),
          'every evidence link (%d) opens its excerpt line' % len(links))


def all_links(doc, least):
    common(doc)
    ids = {n.attrs['id'] for n in doc.walk() if 'id' in n.attrs}
    inner = [n for n in doc.walk()
             if n.tag == 'a' and n.attrs.get('href', '').startswith('#')]
    ev = [n for n in inner if 'ev' in n.cls()]
    check(len(ev) >= int(least), 'the page has %d evidence links (at least '
          '%s)' % (len(ev), least))
    gone = sorted({n.attrs['href'] for n in inner
                   if n.attrs['href'][1:] not in ids})
    check(not gone, 'every link within the page (%d) opens its element%s'
          % (len(inner), ': not ' + ' '.join(gone[:10]) if gone else ''))


def folder(doc, listing):
    html = common(doc)
    want = sorted(l for l in open(listing).read().splitlines() if l)
    roll = next((n for n in doc.walk() if n.attrs.get('id') == 'rollup'),
                None)
    check(roll is not None, 'the page has a rollup table')
    if roll is None:
        return
    links = {a.all_text(): a.attrs['href'][1:] for a in roll.walk()
             if a.tag == 'a'}
    check(sorted(links) == want,
          'the rollup links every failing log (%d): %s' % (len(want),
                                                          sorted(links)))
    secs = {n.attrs.get('id'): n for n in doc.walk() if n.tag == 'section'}
    check(all(h in secs and 'failing' in secs[h].cls()
              and secs[h].attrs.get('data-source') == s
              for s, h in links.items()),
          "each link opens that log's section")
    check(html.attrs.get('data-failing') == str(len(want)),
          'the script counts %d failing logs' % len(want))


kind, dom = sys.argv[1], load(sys.argv[2])
if kind == 'page':
    page(dom, *sys.argv[3:8])
elif kind == 'links':
    all_links(dom, sys.argv[3])
else:
    folder(dom, sys.argv[3])
sys.exit(1 if failures else 0)
